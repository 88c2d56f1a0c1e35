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
from supplier_analytics.signals import (
    COMPARE_COLUMNS,
    RECORD_SHARES,
    SIGNAL_COLUMNS,
    compare,
    compare_sides,
    month_counts,
    record_flags,
)
from supplier_analytics.stats import period_proportion_test

SRC = Path(__file__).resolve().parents[1] / "src" / "supplier_analytics"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
STATS = ["difference", "low", "high", "p_value", "q_value"]

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def test_compare_is_the_period_test_and_scales_ppm():
    before_k, after_k = [[95, 96, 94, 95, 96, 95], [2, 3, 1, 2, 1, 1]], [[80, 78, 81, 79, 80, 82], [5, 6, 4, 5, 6, 4]]
    n = [[100] * 6, [1000] * 6]
    r = compare(before_k, n, after_k, n, metric=["otif_rate", "ppm"])
    t = period_proportion_test(after_k, n, before_k, n, autocorrelation="estimate", pool=["otif_rate", "ppm"])
    for c in ("difference", "low", "high", "p_value"):
        assert r.loc[0, c] == pytest.approx(float(getattr(t, c)[0]), rel=1e-12)
    assert (r.loc[0, "before_k"], r.loc[0, "before_n"], r.loc[0, "after_k"]) == (571, 600, 480)
    assert r.loc[0, "direction"] == "deteriorating"
    assert r.loc[1, "difference"] == pytest.approx(5000.0 - 10_000 / 6)  # ppm: 5000 after, 1667 before
    assert r.loc[1, "direction"] == "deteriorating"  # more defects is worse (catalogue)
    assert "quasi-binomial" in r.attrs["method"]
    few = compare([[5, 5]], [[5, 5]], [[1, 1]], [[9, 9]], metric="otif_rate", min_records=11)
    assert few.loc[0, "direction"] == "not tested" and np.isnan(few.loc[0, "p_value"])
    with pytest.raises(InputError, match="not a count metric"):
        compare([[1, 1]], [[2, 2]], [[1, 1]], [[2, 2]], metric="mean_days_late")


def test_reference_rows_inform_the_variation_but_are_neither_tested_nor_returned():
    rng = np.random.default_rng(8)
    n = np.full((21, 3), 40.0)
    k = rng.binomial(40, 0.8, size=(21, 6)).astype(float)
    before_k, after_k = k[:, :3], k[:, 3:]
    r = compare(
        before_k[:1],
        n[:1],
        after_k[:1],
        n[:1],
        metric="otif_rate",
        pool=["one action"],
        reference=(before_k[1:], n[1:], after_k[1:], n[1:], ["one action"] * 20),
    )
    assert len(r) == 1
    t = period_proportion_test(
        after_k, n, before_k, n, autocorrelation="estimate", pool=["one action"] * 21, prior_df=10.0
    )
    for c in ("difference", "low", "high", "p_value"):
        assert r.loc[0, c] == pytest.approx(float(getattr(t, c)[0]), rel=1e-12)
    assert r.loc[0, "q_value"] == pytest.approx(r.loc[0, "p_value"])  # one test: BH leaves p as it is
    # alone, the row's three months a side leave about one degree of freedom: a far wider interval
    alone = compare(before_k[:1], n[:1], after_k[:1], n[:1], metric="otif_rate")
    assert alone.loc[0, "high"] - alone.loc[0, "low"] > r.loc[0, "high"] - r.loc[0, "low"]
    # a reference with other months a side is refused
    with pytest.raises(InputError, match="as many periods"):
        compare(
            before_k[:1],
            n[:1],
            after_k[:1],
            n[:1],
            metric="otif_rate",
            reference=(before_k[1:, :2], n[1:, :2], after_k[1:], n[1:], "x"),
        )


def test_many_pools_are_tested_a_batch_of_pools_at_a_time(monkeypatch):
    # six actions, each a pool with its own reference rows (one pool's reference has no compared row and
    # informs nothing): tested in one call of the period test, or a few pools at a time, the same numbers
    rng = np.random.default_rng(5)
    k = rng.binomial(30, rng.uniform(0.6, 0.95, size=(60, 1)), size=(60, 7)).astype(float)
    n = np.full((60, 7), 30.0)
    n[::7, 1] = 0.0
    k[::7, 1] = 0.0
    labels = np.repeat([f"action {i}" for i in range(7)], [1, 1, 1, 1, 1, 1, 0])
    rlabels = np.repeat([f"action {i}" for i in range(7)], [10, 5, 12, 3, 9, 8, 7])
    args = (k[:6, :3], n[:6, :3], k[:6, 3:], n[:6, 3:])
    ref = (k[6:, :3], n[6:, :3], k[6:, 3:], n[6:, 3:], rlabels)
    whole = compare(*args, metric="otif_rate", pool=labels, reference=ref)
    t = period_proportion_test(
        np.vstack([args[2], ref[2]]),
        np.vstack([args[3], ref[3]]),
        np.vstack([args[0], ref[0]]),
        np.vstack([args[1], ref[1]]),
        autocorrelation="estimate",
        pool=[*labels, *rlabels],
        prior_df=10.0,
    )
    for c in ("difference", "low", "high", "p_value"):
        np.testing.assert_array_equal(whole[c].to_numpy(float), np.asarray(getattr(t, c))[:6])
    monkeypatch.setattr(sa.signals, "BATCH_ROWS", 17)  # pools of 11, 6, 13, 4, 10 and 9 rows
    calls = []
    monkeypatch.setattr(
        sa.signals, "period_proportion_test", lambda *a, **o: calls.append(o["pool"]) or period_proportion_test(*a, **o)
    )
    batched = compare(*args, metric="otif_rate", pool=labels, reference=ref)
    assert [sorted(set(p)) for p in calls] == [
        ["action 0", "action 1"],
        ["action 2", "action 3"],
        ["action 4"],
        ["action 5"],
    ]
    pd.testing.assert_frame_equal(batched, whole)


def test_compare_sides_without_rows_fits_the_reference():
    # no rows: nothing says how many periods a side has but the reference (3 before, 4 after)
    frame = pd.DataFrame(
        {
            c: pd.Series(dtype=object)
            for c in ("metric", *(f"{s}_period_{x}" for s in ("before", "after") for x in "kn"))
        }
    )
    ref = (np.full((2, 3), 5.0), np.full((2, 3), 10.0), np.full((2, 4), 6.0), np.full((2, 4), 10.0), ["p", "p"])
    r = compare_sides(frame, pool=[], reference=ref)
    assert len(r) == 0 and r.columns.tolist() == COMPARE_COLUMNS
    # a row of fewer periods is padded with empty ones to the reference's
    frame = pd.DataFrame(
        {
            "metric": ["otif_rate"],
            "before_period_k": [[5.0, 6.0]],
            "before_period_n": [[10.0, 10.0]],
            "after_period_k": [[7.0, 8.0, 6.0, 7.0]],
            "after_period_n": [[10.0] * 4],
        }
    )
    r = compare_sides(frame, pool=["p"], reference=ref)
    assert (r.loc[0, "before_n"], r.loc[0, "after_n"]) == (20.0, 40.0) and r.loc[0, "difference"] == pytest.approx(0.15)


def test_one_period_a_side_is_not_tested_whatever_the_counts():
    # totals alone cannot show how much the rate varies from month to month
    r = compare([285, 950], [300, 1000], [239, 800], [300, 1000], metric="otif_rate")
    assert r["direction"].tolist() == ["not tested"] * 2 and r["p_value"].isna().all()
    r = compare([[285, 0, 0]], [[300, 0, 0]], [[80, 80, 79]], [[100] * 3], metric="otif_rate")
    assert r.loc[0, "direction"] == "not tested"  # one month with records before
    with pytest.raises(InputError, match="min_periods"):
        compare([[1, 1]], [[2, 2]], [[1, 1]], [[2, 2]], metric="otif_rate", min_periods=1)


def test_one_month_a_side_is_refused_with_why_and_what_to_use(sample_card):
    # one month a side was accepted and left every supplier "not tested", every action "too little data"
    why = "one month a side cannot show how much the rate varies between months"
    with pytest.raises(InputError, match=rf"recent_months must be at least 2, got 1: {why}.*use 6"):
        sa.change_signals(sample_card, recent_months=1)
    log = pd.DataFrame(
        {
            "supplier_id": ["V10025"],
            "action_id": ["A-1"],
            "opened": ["2025-07-01"],
            "status": ["closed"],
            "closed": ["2026-01-15"],
        }
    )
    with pytest.raises(InputError, match=rf"window_months must be at least 2, got 1: {why}.*use 3"):
        sa.compare_before_after(sample_card, log, window_months=1)
    # two months a side can be tested
    two = sa.compare_before_after(sample_card, log, window_months=2)
    assert two.loc[0, "verdict"] != "too little data" and np.isfinite(two.loc[0, "p_value"])
    assert (sa.change_signals(sample_card, recent_months=2)["direction"] != "not tested").any()


@pytest.mark.parametrize("metric", RECORD_SHARES)
def test_direction_comes_from_the_catalogue(metric):
    r = compare([[50] * 6], [[100] * 6], [[80] * 6], [[100] * 6], metric=metric)  # the share rose clearly
    assert r.loc[0, "direction"] == ("deteriorating" if lower_is_better(metric) else "improving")


def test_the_three_callers_give_the_same_statistics_for_the_same_counts():
    # per supplier: (k, n) in each of three months before and three months after
    months = {
        "S0": ([(95, 100), (96, 100), (94, 100)], [(60, 100), (62, 100), (61, 100)]),
        "S1": ([(45, 50), (44, 50), (46, 50)], [(45, 50), (43, 50), (47, 50)]),
        "S2": ([(12, 40), (20, 40), (8, 40)], [(30, 40), (25, 40), (35, 40)]),
    }
    side = {s: [np.array(b, float), np.array(a, float)] for s, (b, a) in months.items()}
    expected = compare(
        [v[0][:, 0] for v in side.values()],
        [v[0][:, 1] for v in side.values()],
        [v[1][:, 0] for v in side.values()],
        [v[1][:, 1] for v in side.values()],
        metric="otif_rate",
        min_records=10,
    )
    # compare_windows: one supplier per row, Q1 against Q3
    rows = []
    for sid, (b, a) in months.items():
        rows += [(sid, f"2026-0{m}", k, n) for m, (k, n) in zip((1, 2, 3), b)]
        rows += [(sid, f"2026-0{m}", k, n) for m, (k, n) in zip((7, 8, 9), a)]
    periods = pd.DataFrame(rows, columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"])
    periods["period"] = pd.PeriodIndex(periods["period"], freq="M")
    windows = sa.compare_windows(periods, "otif_rate", before="2026Q1", after="2026Q3", min_records=10)
    assert list(windows.columns) == SIGNAL_COLUMNS
    # compare_before_after: one action per row, opened 1 April, closed 30 June; its lines in the three
    # months before opening and the three after closing
    lines, log = [], []
    for i, (sid, (b, a)) in enumerate(months.items()):
        for m, (k, n) in zip((1, 2, 3, 7, 8, 9), b + a):
            lines += [(sid, f"2026-0{m}-15", j < k) for j in range(n)]
        log.append((sid, f"A-{i}", "2026-04-01", "closed", "2026-06-30", "otif_rate"))
    lines = pd.DataFrame(lines, columns=["supplier_id", "date_received", "otif"]).assign(status="judged")
    lines["date_received"] = pd.to_datetime(lines["date_received"])
    log = pd.DataFrame(log, columns=["supplier_id", "action_id", "opened", "status", "closed", "metric"])
    result = SimpleNamespace(lines=lines, lots=None, requests=None, as_of=pd.Timestamp("2026-12-31"))
    actions = sa.compare_before_after(result, log, window_months=3)
    for frame in (windows, actions):
        for c in ("before_k", "before_n", "after_k", "after_n"):
            np.testing.assert_array_equal(frame[c].to_numpy(float), expected[c].to_numpy(float))
        np.testing.assert_allclose(frame[STATS].to_numpy(float), expected[STATS].to_numpy(float), rtol=0, atol=0)
    assert windows["direction"].tolist() == expected["direction"].tolist()
    verdict = {"deteriorating": "worse", "no change": "no clear change", "improving": "improved"}
    assert actions["verdict"].tolist() == [verdict[d] for d in expected["direction"]]
    assert expected["p_value"].notna().all()


def test_change_signals_are_the_comparison_of_their_monthly_counts(sample_card):
    card = sample_card
    sig = sa.change_signals(card, min_records=10)
    assert list(sig.columns) == SIGNAL_COLUMNS
    end = pd.Timestamp(card.as_of) + pd.Timedelta(days=1)
    assert end.day == 1  # the sample's as-of is a month end: each side is six calendar months
    sups = pd.Index(card.suppliers["supplier_id"].astype(str))
    for metric in sig["metric"].unique():
        mine = sig[sig["metric"] == metric].reset_index(drop=True)
        flags = record_flags(card, metric)
        month = flags["date"].dt.to_period("M")
        counts = []
        for lo in (end - pd.DateOffset(months=18), end - pd.DateOffset(months=6)):
            cols = pd.period_range(lo, periods=6, freq="M")
            g = flags.groupby([flags["supplier_id"], month])["flag"]
            k = g.sum().astype(float).unstack().reindex(index=sups, columns=cols).fillna(0.0)
            n = g.size().astype(float).unstack().reindex(index=sups, columns=cols).fillna(0.0)
            counts += [k.to_numpy(), n.to_numpy()]
        again = compare(*counts, metric=metric, min_records=10)
        tests = ["difference", "low", "high", "p_value"]  # q-values: BH across every metric, below
        np.testing.assert_allclose(mine[tests].to_numpy(float), again[tests].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(sig["q_value"], sa.stats.benjamini_hochberg(sig["p_value"])[1], rtol=1e-12)
    assert sig.attrs["before"] and sig.attrs["after"] and "month by month" in sig.attrs["method"]
    assert "pooled over all suppliers of the same metric" in sig.attrs["method"]


def test_change_signals_keeps_the_last_days_of_a_side_at_a_month_end():
    # As of 30 August 2026 the after side is six months up to 30 August: from 28 February (31 February does
    # not exist). Its months once ran from 28 February in steps of a month, so the last ended on 28 August
    # and the lines of 28-30 August (and 2025's) were dropped though the side is labelled up to them.
    after_days = ["2026-03-15", "2026-04-15", "2026-05-15", "2026-06-15", "2026-07-15"]
    before_days = [d.replace("2026", "2025") for d in after_days]
    before_k, after_k = [9, 8, 9, 7, 9, 8], [6, 7, 5, 6, 7, 4]
    recs = []
    for days, ks, last in ((before_days, before_k, "2025-08"), (after_days, after_k, "2026-08")):
        days = [[d] * 10 for d in days] + [[f"{last}-28"] * 4 + [f"{last}-29"] * 3 + [f"{last}-30"] * 3]
        for k, ds in zip(ks, days):
            recs += [(d, j < k) for j, d in enumerate(ds)]
    recs += [("2026-02-27", False)] * 5 + [("2025-08-31", False)] * 5  # a day outside each side
    lines = pd.DataFrame(recs, columns=["date_received", "otif"]).assign(supplier_id="S1", status="judged")
    lines["date_received"] = pd.to_datetime(lines["date_received"])
    card = SimpleNamespace(
        metrics=SimpleNamespace(lines=lines, lots=None, requests=None),
        suppliers=pd.DataFrame({"supplier_id": ["S1"]}),
        as_of=pd.Timestamp("2026-08-30"),
    )
    sig = sa.change_signals(card, metrics=("otif_rate",)).iloc[0]
    assert (sig["after_from"], sig["after_to"]) == (pd.Timestamp("2026-02-28"), pd.Timestamp("2026-08-30"))
    assert (sig["before_from"], sig["before_to"]) == (pd.Timestamp("2025-02-28"), pd.Timestamp("2025-08-30"))
    # six months of ten lines a side, the last month 28 July to 30 August
    assert (sig["before_k"], sig["before_n"], sig["after_k"], sig["after_n"]) == (50, 60, 35, 60)
    want = compare([before_k], [[10.0] * 6], [after_k], [[10.0] * 6], metric="otif_rate", min_records=10)
    assert sig["p_value"] == pytest.approx(float(want.loc[0, "p_value"]), rel=1e-12)
    # an end before the last month's start would leave no last month
    with pytest.raises(InputError, match="after the start of the last month, 2026-07-28"):
        month_counts(lines["date_received"], lines["otif"], "2026-02-28", 6, end="2026-07-28")


def test_record_bins_count_what_month_counts_counts(sample_card):
    # compare_before_after sorts a metric's records once and takes each action's months from running counts;
    # every window (month ends, clipped starts, both kinds of side) gives month_counts' counts exactly
    rng = np.random.default_rng(4)
    for metric in ("otif_rate", "lot_rejection_rate", "within_sla_rate"):
        f = record_flags(sample_card, metric)
        bins = sa.signals.RecordBins(f["date"], f["flag"], f["supplier_id"])
        assert list(bins.index) == list(pd.unique(f["supplier_id"]))
        starts = pd.to_datetime(["2025-02-28", "2025-05-31", "2025-08-31", "2026-01-31", "2024-12-30"])
        starts = starts.append(pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, 15), unit="D"))
        for start in starts:
            months = int(rng.integers(2, 13))
            for end in (None, start + pd.DateOffset(months=months) + pd.Timedelta(days=int(rng.integers(0, 3)))):
                for after in (False, True):
                    want = month_counts(
                        f["date"],
                        f["flag"],
                        start,
                        months,
                        end=end,
                        groups=f["supplier_id"],
                        index=bins.index,
                        after_start=after,
                    )
                    got = bins.month_counts(start, months, end=end, after_start=after)
                    np.testing.assert_array_equal(got[0], want[0])
                    np.testing.assert_array_equal(got[1], want[1])
                    assert got[1].sum() > 0


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return names


def test_only_signals_runs_the_two_period_test():
    callers = [
        p.relative_to(SRC).as_posix() for p in sorted(SRC.rglob("*.py")) if "period_proportion_test" in _calls(p)
    ]
    assert callers == ["signals.py"]
    # the record-by-record test, which ignores the variation between periods, is not used for a comparison
    assert [p.name for p in sorted(SRC.rglob("*.py")) if "two_proportion_test" in _calls(p)] == []
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
