"""One before/after comparison: compare_windows, change_signals and compare_before_after are one function.

The three used to carry their own two-proportion test, false-discovery adjustment and direction rule
with three vocabularies; now each only selects its two sides and calls ``signals.compare``. Checked
here: the same counts give the same difference, interval, p- and q-values and direction through each
caller; no caller runs the test itself (AST); directions follow the catalogue; a dask scorecard, which
keeps no records, is refused with a clear error instead of "not tested" everywhere.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.catalog import lower_is_better
from supplier_analytics.errors import InputError
from supplier_analytics.signals import RECORD_SHARES, SIGNAL_COLUMNS, compare, compare_sides
from supplier_analytics.stats import two_proportion_test

SRC = Path(__file__).resolve().parents[1] / "src" / "supplier_analytics"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
STATS = ["difference", "low", "high", "p_value", "q_value"]

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def test_compare_matches_the_two_proportion_test_and_scales_ppm():
    r = compare([285, 10], [300, 10_000], [239, 30], [300, 10_000], metric=["otif_rate", "ppm"])
    t = two_proportion_test(239, 300, 285, 300)
    assert r.loc[0, "difference"] == pytest.approx(float(t.difference))
    assert (r.loc[0, "low"], r.loc[0, "high"]) == pytest.approx((float(t.low), float(t.high)))
    assert r.loc[0, "direction"] == "deteriorating"
    assert r.loc[1, "difference"] == pytest.approx(2000.0)  # 3000 ppm after, 1000 before
    assert r.loc[1, "direction"] == "deteriorating"  # more defects is worse (catalogue)
    few = compare([5], [5], [1], [9], metric="otif_rate", min_records=10)
    assert few.loc[0, "direction"] == "not tested" and np.isnan(few.loc[0, "p_value"])
    with pytest.raises(InputError, match="not a count metric"):
        compare([1], [2], [1], [2], metric="mean_days_late")


@pytest.mark.parametrize("metric", RECORD_SHARES)
def test_direction_comes_from_the_catalogue(metric):
    r = compare([50], [100], [80], [100], metric=metric)  # the share rose clearly
    assert r.loc[0, "direction"] == ("deteriorating" if lower_is_better(metric) else "improving")


def test_the_three_callers_give_the_same_statistics_for_the_same_counts():
    counts = [(285, 300, 239, 300), (45, 50, 45, 50), (12, 40, 30, 40)]  # before k, n; after k, n
    expected = compare(*map(list, zip(*counts)), metric="otif_rate", min_records=10)
    # compare_windows: one supplier per row, Q1 against Q2
    periods = pd.DataFrame(
        [
            (f"S{i}", per, k, n)
            for i, (bk, bn, ak, an) in enumerate(counts)
            for per, k, n in (("2026-02", bk, bn), ("2026-05", ak, an))
        ],
        columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"],
    )
    periods["period"] = pd.PeriodIndex(periods["period"], freq="M")
    windows = sa.compare_windows(periods, "otif_rate", before="2026Q1", after="2026Q2", min_records=10)
    assert list(windows.columns) == SIGNAL_COLUMNS
    # compare_before_after: one action per row, its lines before opening and after closing
    lines, log = [], []
    for i, (bk, bn, ak, an) in enumerate(counts):
        sid = f"S{i}"
        lines += [(sid, "2026-01-15", j < bk) for j in range(bn)] + [(sid, "2026-06-15", j < ak) for j in range(an)]
        log.append((sid, f"A-{i}", "2026-03-01", "closed", "2026-04-30", "otif_rate"))
    lines = pd.DataFrame(lines, columns=["supplier_id", "date_received", "otif"]).assign(status="judged")
    lines["date_received"] = pd.to_datetime(lines["date_received"])
    log = pd.DataFrame(log, columns=["supplier_id", "action_id", "opened", "status", "closed", "metric"])
    result = SimpleNamespace(lines=lines, lots=None, requests=None, as_of=pd.Timestamp("2026-09-30"))
    actions = sa.compare_before_after(result, log, window_months=3)
    for frame in (windows, actions):
        for c in ("before_k", "before_n", "after_k", "after_n"):
            np.testing.assert_array_equal(frame[c].to_numpy(float), expected[c].to_numpy(float))
        np.testing.assert_allclose(frame[STATS].to_numpy(float), expected[STATS].to_numpy(float), rtol=0, atol=0)
    assert windows["direction"].tolist() == expected["direction"].tolist()
    assert actions["verdict"].tolist() == ["worse", "no clear change", "improved"]


def test_change_signals_are_the_comparison_of_their_counts(sample_card):
    card = sample_card
    sig = sa.change_signals(card)
    assert list(sig.columns) == SIGNAL_COLUMNS
    again = compare(
        sig["before_k"], sig["before_n"], sig["after_k"], sig["after_n"], metric=sig["metric"], min_records=10
    )
    pd.testing.assert_frame_equal(compare_sides(sig, min_records=10), again)
    np.testing.assert_allclose(sig[STATS].to_numpy(float), again[STATS].to_numpy(float), rtol=0, atol=0)
    assert sig["direction"].tolist() == again["direction"].tolist()
    assert sig.attrs["before"] and sig.attrs["after"]


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return names


def test_only_signals_runs_the_two_proportion_test():
    callers = [p.relative_to(SRC).as_posix() for p in sorted(SRC.rglob("*.py")) if "two_proportion_test" in _calls(p)]
    assert callers == ["signals.py"]
    # the three comparisons go through it: compare_windows calls compare; compare_before_after and
    # change_signals call compare_sides, compare of a frame's count columns
    assert "compare" in _calls(SRC / "trends.py") and "compare_sides" in _calls(SRC / "actions.py")
    assert "compare_sides" in _calls(SRC / "signals.py")  # change_signals


def test_no_module_keeps_its_own_lower_is_better_list():
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "catalog.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
                words = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                # a literal collection naming several lower-is-better metrics and no higher-is-better one
                lower = {
                    w
                    for w in words
                    if w
                    in (
                        "ppm",
                        "late_rate",
                        "early_rate",
                        "lot_rejection_rate",
                        "median_response_hours",
                        "mean_days_late",
                    )
                }
                higher = {w for w in words if w in ("otif_rate", "on_time_rate", "in_full_rate", "within_sla_rate")}
                assert not (len(lower) >= 3 and not higher), f"{path.name}:{node.lineno} lists {sorted(lower)}"


# --------------------------------------------------------------------------- a dask scorecard keeps no records


@pytest.fixture(scope="module")
def dask_card(tmp_path_factory):
    dask = pytest.importorskip("dask")
    from supplier_analytics.engines import partition_parquet

    root = tmp_path_factory.mktemp("signals_dask")
    folder = sa.write_procurement_data(root / "data", n_suppliers=12, n_deliveries=3_000, seed=5, format="parquet")
    parts = partition_parquet(folder / "deliveries.parquet", root / "deliveries", n_files=2)
    suppliers = pd.read_parquet(folder / "suppliers.parquet")
    with warnings.catch_warnings(), dask.config.set(scheduler="synchronous"):
        warnings.simplefilter("ignore")
        return sa.score(
            deliveries=parts,
            inspections=folder / "inspections.parquet",
            requests=folder / "requests.parquet",
            suppliers=suppliers,
            engine="dask",
        )


def test_a_dask_scorecard_is_refused_with_what_to_do(dask_card):
    with pytest.raises(InputError, match=r"change_signals .* dask engine.*engine='pandas'"):
        sa.change_signals(dask_card)
    log = pd.DataFrame(
        {
            "supplier_id": [str(dask_card.suppliers["supplier_id"].iloc[0])],
            "action_id": ["A-1"],
            "opened": ["2025-06-01"],
            "status": ["closed"],
            "closed": ["2025-07-01"],
        }
    )
    with pytest.raises(InputError, match=r"compare_before_after .* dask engine.*engine='pandas'"):
        sa.compare_before_after(dask_card, log)
    with pytest.raises(InputError, match="dask engine"):
        sa.feedback_pack(dask_card, str(dask_card.suppliers["supplier_id"].iloc[0]), charts=False)
