"""Recognition and improvement areas follow the statistics: checked on suppliers whose trend is known.

The generator (``make_procurement_data``) moves about 10% of suppliers up and 10% down from a known
start date (``truth.trend``); the sample holds 4 of each. The tests allow for the variation of rates
from month to month, so what they can find depends on the volume. Requirements:

* sample (about 13 lines a supplier a month, logit AR(1) month-to-month variation sd 0.3, phi 0.5):
  no stable supplier is recognised or flagged as deteriorating, every known decliner still gets an area
  to improve (below target counts), and every recognition names its test and a p-value below 0.05;
* two generated data sets at ten times the sample's volume (40 suppliers, 120,000 delivery rows, the
  same variation, seeds 2 and 3): at least 5 of the 8 improvers recognised, at least 7 of the 8
  decliners flagged as deteriorating by a test, and at most 1 of the 64 stable suppliers recognised;
* the same at the sample's volume (12,000 rows): at least 5 of the 8 improvers recognised and 4 of the 8
  decliners flagged, at most 1 of the 64 stable suppliers recognised.

Measured when written (the carry-over between months estimated, the variation pooled on the logit scale,
at most 10 degrees of freedom from the other suppliers): at 120,000 rows 6/8 improvers, 8/8 decliners,
0/64 stable; at 12,000 rows 7/8 improvers, 6/8 decliners, 0/64 stable. (At ten times the volume the
month-to-month variation, not the few lines, limits what twelve months can show.) The detection rates over ten seeds are in the README ("Trends and early warning", from
``make bench``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import supplier_analytics as sa
from supplier_analytics.trends import alerts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def _findings(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        card = sa.score(
            deliveries=data.deliveries,
            inspections=data.inspections,
            requests=data.requests,
            suppliers=data.suppliers,
            exclusions=data.exclusions,
        )
    signals, trend = sa.change_signals(card), alerts(card)
    out = {}
    for sid in card.suppliers["supplier_id"].astype(str):
        pack = sa.feedback_pack(card, sid, signals=signals, trend_alerts=trend, charts=False)
        out[sid] = pack
    return out


def _truth(data):
    t = data.truth.set_index("supplier_id")["trend"].astype(str)
    return {k: list(t.index[t == k]) for k in ("improving", "deteriorating", "stable")}


def _recognised(pack):
    return bool((pack.recognition["kind"] == "recognised improvement").any())


def _deteriorating(pack):
    return bool((pack.areas["basis"] == "deteriorating").any())


@pytest.mark.slow
def test_sample_recognises_nothing_without_a_test_and_flags_every_decliner():
    data = sa.load_sample(SAMPLE)
    packs, truth = _findings(data), _truth(data)
    assert all(len(packs[s].areas) > 0 for s in truth["deteriorating"])
    assert [s for s in truth["stable"] if _recognised(packs[s]) or _deteriorating(packs[s])] == []
    for pack in packs.values():
        rec = pack.recognition[pack.recognition["kind"] == "recognised improvement"]
        assert rec["p_value"].lt(0.05).all() and rec["test"].str.len().gt(0).all()


def _found(n_deliveries: int) -> tuple[dict, dict]:
    found = {"improving": 0, "deteriorating": 0, "stable": 0}
    sizes = {"improving": 0, "deteriorating": 0, "stable": 0}
    for seed in (2, 3):
        data = sa.make_procurement_data(
            n_suppliers=40, n_deliveries=n_deliveries, seed=seed, variation_sd=0.3, variation_phi=0.5
        )
        packs, truth = _findings(data), _truth(data)
        for kind, check in (("improving", _recognised), ("deteriorating", _deteriorating), ("stable", _recognised)):
            sizes[kind] += len(truth[kind])
            found[kind] += sum(check(packs[s]) for s in truth[kind])
            if kind == "improving":
                for s in truth[kind]:
                    rec = packs[s].recognition
                    assert rec.loc[rec["kind"] == "recognised improvement", "p_value"].lt(0.05).all()
    assert sizes == {"improving": 8, "deteriorating": 8, "stable": 64}
    return found, sizes


@pytest.mark.slow
def test_generated_suppliers_with_known_trends_at_ten_times_the_sample_volume():
    found, _ = _found(120_000)
    assert found["improving"] >= 5, found
    assert found["deteriorating"] >= 7, found
    assert found["stable"] <= 1, found


@pytest.mark.slow
def test_generated_suppliers_with_known_trends_at_the_sample_volume():
    found, _ = _found(12_000)
    assert found["improving"] >= 5, found
    assert found["deteriorating"] >= 4, found
    assert found["stable"] <= 1, found
