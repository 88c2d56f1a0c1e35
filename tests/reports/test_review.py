"""Relationship review pack, action log and the before/after comparison of closed actions, CLI feedback."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.cli import main
from supplier_analytics.errors import InputError
from supplier_analytics.portfolio import segment_suppliers
from supplier_analytics.signals import compare, month_counts, record_flags
from supplier_analytics.stats import period_proportion_test

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def _lines(days_and_flags, status="judged"):
    """Judged delivery lines of supplier S1: (date, otif) pairs."""
    dates, flags = zip(*days_and_flags)
    return pd.DataFrame(
        {"supplier_id": "S1", "date_received": pd.to_datetime(list(dates)), "otif": list(flags), "status": status}
    )


def _result(lines, as_of="2026-09-30"):
    return SimpleNamespace(lines=lines, lots=None, requests=None, as_of=pd.Timestamp(as_of))


# ----------------------------------------------------------------- before / after


def test_before_after_counts_each_side_and_agrees_with_scipy():
    before = [(f"2026-0{m}-10", i < 5) for m in (1, 2) for i in range(10)]  # 10 of 20 OTIF, Jan-Feb
    during = [("2026-03-20", False)] * 30  # while the action ran: ignored
    after = [(f"2026-0{m}-10", i < 9) for m in (5, 6) for i in range(10)]  # 18 of 20 OTIF, May-Jun
    excluded = _lines([("2026-05-15", False)] * 5, status="excluded")  # excused: not counted
    lines = pd.concat([_lines(before + during + after), excluded], ignore_index=True)
    log = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1"],
            "action_id": ["A-1", "A-2"],
            "opened": ["2026-03-01", "2026-08-01"],
            "status": ["closed", "open"],
            "closed": ["2026-04-30", None],
            "metric": ["otif_rate", None],
        }
    )
    r = sa.compare_before_after(_result(lines), log, window_months=3)
    one = r.iloc[0]
    assert (one["before_k"], one["before_n"], one["after_k"], one["after_n"]) == (10, 20, 18, 20)
    assert one["before_from"] == pd.Timestamp("2025-12-01") and one["after_to"] == pd.Timestamp("2026-07-30")
    assert one["difference"] == pytest.approx(0.4)
    # month by month: before Dec (empty), Jan, Feb; after the three months from the day after closing
    t = period_proportion_test(
        [[9.0, 9.0, 0.0]], [[10.0, 10.0, 0.0]], [[0.0, 5.0, 5.0]], [[0.0, 10.0, 10.0]], autocorrelation="estimate"
    )
    assert one["p_value"] == pytest.approx(float(t.p_value[0]), rel=1e-12)
    assert one["verdict"] == ("improved" if one["q_value"] <= 0.05 else "no clear change")
    assert bool(one["after_complete"])
    assert r.iloc[1]["verdict"] == "not closed"


def test_before_side_keeps_its_last_days_at_a_month_end():
    # Opened 31 May: the three months before start on 28 February (31 February does not exist). Its months
    # once ran from 28 February in steps of a month, so the last ended on 28 May and the lines of 29-30 May
    # were dropped though the side runs to the opening day.
    before = [("2026-03-10", i < 9) for i in range(10)] + [("2026-04-10", i < 8) for i in range(10)]
    before += [("2026-05-29", i < 3) for i in range(5)] + [("2026-05-30", i < 2) for i in range(5)]
    outside = [("2026-02-27", False), ("2026-05-31", False), ("2026-06-15", False)]  # before, opening, during
    after = [(f"2026-0{m}-10", i < k) for m, k in ((7, 10), (8, 9), (9, 10)) for i in range(10)]
    log = pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "action_id": ["A-1"],
            "opened": ["2026-05-31"],
            "status": ["closed"],
            "closed": ["2026-06-30"],
        }
    )
    r = sa.compare_before_after(_result(_lines(before + outside + after)), log, window_months=3).iloc[0]
    assert (r["before_from"], r["before_to"]) == (pd.Timestamp("2026-02-28"), pd.Timestamp("2026-05-31"))
    # months [28 Feb, 28 Mar), [28 Mar, 28 Apr), [28 Apr, 31 May): 9/10, 8/10, 5/10
    assert (r["before_k"], r["before_n"], r["after_k"], r["after_n"]) == (22, 30, 29, 30)
    want = compare([[9.0, 8.0, 5.0]], [[10.0] * 3], [[10.0, 9.0, 10.0]], [[10.0] * 3], metric="otif_rate")
    assert r["p_value"] == pytest.approx(float(want.loc[0, "p_value"]), rel=1e-12)


def test_one_action_borrows_the_month_to_month_variation_of_the_other_suppliers():
    rng = np.random.default_rng(3)
    recs = []
    for sup in range(6):
        for month in range(1, 10):
            p = 0.8 + rng.normal(0, 0.08)  # each supplier's month has its own rate
            recs += [(f"S{sup + 1}", f"2026-{month:02d}-{day:02d}", rng.random() < p) for day in range(1, 21)]
    lines = pd.DataFrame(recs, columns=["supplier_id", "date_received", "otif"])
    lines["date_received"] = pd.to_datetime(lines["date_received"])
    lines["status"] = "judged"
    log = pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "action_id": ["A-1"],
            "opened": ["2026-04-01"],
            "status": ["closed"],
            "closed": ["2026-05-31"],
            "metric": ["otif_rate"],
        }
    )
    res = sa.compare_before_after(_result(lines), log, window_months=3)
    r = res.iloc[0]
    # by hand: S1's months (Jan-Mar before; Jun-Aug after) against each other, S2-S6 over the same months as
    # the reference for the variation
    others = pd.Index(["S2", "S3", "S4", "S5", "S6"])
    sides = []
    for lo, after in ((pd.Timestamp("2026-01-01"), False), (pd.Timestamp("2026-05-31"), True)):
        mine = month_counts(lines["date_received"][:180], lines["otif"][:180], lo, 3, after_start=after)
        ref = month_counts(
            lines["date_received"], lines["otif"], lo, 3, groups=lines["supplier_id"], index=others, after_start=after
        )
        sides.append((mine, ref))
    (mb, rb), (ma, ra) = sides
    want = compare(*mb, *ma, metric="otif_rate", pool=["a"], reference=(*rb, *ra, ["a"] * 5))
    assert (r["before_n"], r["after_n"]) == (60, 60)
    assert r["p_value"] == pytest.approx(float(want.loc[0, "p_value"]), rel=1e-12)
    assert (r["low"], r["high"]) == pytest.approx((float(want.loc[0, "low"]), float(want.loc[0, "high"])), rel=1e-12)
    # the method says so: pooled per action over the suppliers' same months (it said "over all suppliers of
    # the same metric", which is the year-on-year test's pool), the correlation the median over the actions
    method = res.attrs["method"]
    assert "pooled for each action over every supplier's counts of the same months and metric" in method
    assert "all suppliers of the same metric" not in method
    rho = want.attrs["autocorrelation"]["otif_rate"]
    assert f"periods (median over the actions: {rho:.2f} for On time in full (OTIF))" in method


def _each_action_alone(card, log, window=3):
    """The comparison as it was counted before records were sorted once: per action, month_counts over the
    action's supplier and over every other supplier of the metric, a pool of its own per action."""
    closed = log.loc[log["status"].eq("closed")]
    sides, ref, ref_pool = [[], [], [], []], [[], [], [], []], []
    for i, a in enumerate(closed.itertuples(index=False)):
        f = record_flags(card, a.metric)
        sups = pd.Index(pd.unique(f["supplier_id"]))
        bounds = (
            (a.opened - pd.DateOffset(months=window), a.opened),
            (a.closed, a.closed + pd.DateOffset(months=window)),
        )
        for j, (lo, hi) in enumerate(bounds):
            for rows, out in (([a.supplier_id], sides), (sups[sups != a.supplier_id], ref)):
                k, n = month_counts(
                    f["date"], f["flag"], lo, window, end=hi, groups=f["supplier_id"], index=rows, after_start=j == 1
                )
                out[2 * j].append(k)
                out[2 * j + 1].append(n)
        ref_pool += [i] * int((sups != a.supplier_id).sum())
    return compare(
        *(np.vstack(x) for x in sides),
        metric=closed["metric"].to_numpy(dtype=object),
        pool=np.arange(len(closed)),
        reference=(*(np.vstack(x) for x in ref), ref_pool),
        min_records=10,
    )


def test_before_after_counts_each_metric_once_and_agrees_with_counting_each_action(card, monkeypatch):
    # random actions on the sample, with month ends, one supplier without records, two actions with the same
    # dates (one pool) and one supplier with two actions of the same dates (a pool each), and an open action
    rng = np.random.default_rng(11)
    sups = record_flags(card, "otif_rate")["supplier_id"].value_counts().index[:12]  # most lines: most tested
    opened = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 420, 24), unit="D")
    closed = opened + pd.to_timedelta(rng.integers(1, 120, 24), unit="D")
    # then: a month end; V10010 and V10003 with the same dates, V10003 again; no records; open
    opened = opened.append(pd.to_datetime(["2025-05-31", *["2025-08-31"] * 3, "2025-11-30", "2025-12-01"]))
    closed = [*closed, pd.Timestamp("2025-06-30"), *[pd.Timestamp("2025-10-31")] * 3, pd.Timestamp("2026-01-31"), None]
    log = pd.DataFrame(
        {
            "supplier_id": [*rng.choice(sups, 25), "V10010", "V10003", "V10003", "NO-RECORDS", "V10001"],
            "action_id": [f"A-{i}" for i in range(30)],
            "opened": opened,
            "status": ["closed"] * 29 + ["open"],
            "closed": closed,
            "metric": [
                *rng.choice(["otif_rate", "lot_rejection_rate", "within_sla_rate"], 25, p=[0.8, 0.1, 0.1]),
                *["otif_rate"] * 5,
            ],
        }
    )
    log = sa.read_actions(log)
    sides = []  # the sides counted: one pair per pool, and V10010 and V10003 share theirs
    counts = sa.signals.RecordBins.month_counts
    monkeypatch.setattr(
        sa.signals.RecordBins, "month_counts", lambda self, *a, **k: sides.append(a) or counts(self, *a, **k)
    )
    got = sa.compare_before_after(card, log)
    assert len(sides) == 2 * 28
    want = _each_action_alone(card, log)
    tested = got["status"].eq("closed").to_numpy()
    assert tested.sum() == 29 and got.loc[~tested, "verdict"].tolist() == ["not closed"]
    got = got.loc[tested].reset_index(drop=True)
    for c in ("before_k", "before_n", "after_k", "after_n"):
        np.testing.assert_array_equal(got[c].to_numpy(float), want[c].to_numpy(float))
    for c in ("difference", "low", "high", "p_value", "q_value"):  # shared pools sum their rows in another order
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12)
    verdict = {"improving": "improved", "deteriorating": "worse", "no change": "no clear change"}
    assert got["verdict"].tolist() == want["direction"].map({**verdict, "not tested": "too little data"}).tolist()
    assert got["p_value"].notna().sum() >= 15


def test_a_longer_baseline_is_the_before_side_and_the_method_warns_of_regression_to_the_mean():
    # S1: ten lines a month from June 2025, 9 OTIF a month up to March 2026, then a bad spell of 5, 4, 6 in
    # April-June; the action opens on 1 July, closes on 31 July, and August-October have 9, 8, 9. S2 has 8 a
    # month throughout: the reference over the same months.
    months = pd.period_range("2025-06", "2026-10", freq="M")
    s1 = dict.fromkeys(months, 9) | {pd.Period("2026-04"): 5, pd.Period("2026-05"): 4, pd.Period("2026-06"): 6}
    s1 |= {pd.Period("2026-08"): 9, pd.Period("2026-09"): 8, pd.Period("2026-10"): 9}
    recs = [
        (sid, f"{m}-12", i < k)
        for sid, ks in (("S1", s1), ("S2", dict.fromkeys(months, 8)))
        for m, k in ks.items()
        for i in range(10)
    ]
    lines = pd.DataFrame(recs, columns=["supplier_id", "date_received", "otif"]).assign(status="judged")
    lines["date_received"] = pd.to_datetime(lines["date_received"])
    log = pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "action_id": ["A-1"],
            "opened": ["2026-07-01"],
            "status": ["closed"],
            "closed": ["2026-07-31"],
        }
    )
    res = _result(lines, as_of="2026-12-31")
    short = sa.compare_before_after(res, log).iloc[0]
    long = sa.compare_before_after(res, log, baseline_months=12).iloc[0]
    # three months before: the bad spell alone, 15/30; twelve: July 2025 - June 2026, 9 x 9 + 15 = 96/120
    assert (short["before_from"], short["before_k"], short["before_n"]) == (pd.Timestamp("2026-04-01"), 15, 30)
    assert (long["before_from"], long["before_to"]) == (pd.Timestamp("2025-07-01"), pd.Timestamp("2026-07-01"))
    assert (long["before_k"], long["before_n"], long["after_k"], long["after_n"]) == (96, 120, 26, 30)
    assert short["difference"] == pytest.approx(26 / 30 - 15 / 30)
    assert long["difference"] == pytest.approx(26 / 30 - 96 / 120)
    # the test of twelve months against three, with S2's same months as the reference
    by_month = lambda ks, lo, n: [[float(ks[lo + i]) for i in range(n)]]  # noqa: E731
    jul, aug = pd.Period("2025-07"), pd.Period("2026-08")
    s2 = dict.fromkeys(months, 8)
    want = compare(
        by_month(s1, jul, 12),
        [[10.0] * 12],
        by_month(s1, aug, 3),
        [[10.0] * 3],
        metric="otif_rate",
        pool=["a"],
        reference=(by_month(s2, jul, 12), [[10.0] * 12], by_month(s2, aug, 3), [[10.0] * 3], ["a"]),
    )
    assert long["p_value"] == pytest.approx(float(want.loc[0, "p_value"]), rel=1e-12)
    # the method says which months, and why a bad spell before an action flatters it
    r = sa.compare_before_after(res, log, baseline_months=12)
    assert "in the 12 months before it was opened (the baseline) against the 3 months after" in r.attrs["method"]
    assert "part of any improvement is the return to the usual level" in r.attrs["method"]
    assert "regression to the mean" in sa.compare_before_after.__doc__
    # and what the variation between months is pooled over: per action, the suppliers over the same months
    # (it said "all suppliers of the same metric", true of the year-on-year test only)
    assert "pooled for each action over every supplier's counts of the same months and metric" in r.attrs["method"]
    assert "all suppliers of the same metric" not in r.attrs["method"]
    assert re.search(r"periods \(median over the actions: 0\.\d\d for On time in full \(OTIF\)\)", r.attrs["method"])
    with pytest.raises(InputError, match="baseline_months must be at least 2"):
        sa.compare_before_after(res, log, baseline_months=1)


def test_before_after_lower_is_better_and_too_little_data():
    lots = pd.DataFrame(
        {
            "supplier_id": "S1",
            "date": pd.to_datetime(
                ["2025-11-10"] * 10 + ["2026-01-10"] * 10 + ["2026-05-10"] * 10 + ["2026-07-10"] * 10
            ),
            "rejected": [True] * 8 + [False] * 2 + [True] * 8 + [False] * 2 + [False] * 10 + [False] * 10,
            "status": "judged",
        }
    )
    res = SimpleNamespace(
        lines=_lines([("2026-01-05", True)] * 3), lots=lots, requests=None, as_of=pd.Timestamp("2026-06-30")
    )
    log = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1"],
            "action_id": ["Q-1", "D-1"],
            "opened": ["2026-02-01"] * 2,
            "status": ["closed"] * 2,
            "closed": ["2026-05-01"] * 2,
            "metric": ["lot_rejection_rate", "otif_rate"],
        }
    )
    r = sa.compare_before_after(res, log).set_index("action_id")
    assert r.loc["Q-1", "difference"] == pytest.approx(0 / 20 - 16 / 20)
    # Before: Nov 8/10 rejected, Dec none, Jan 8/10; after: May 0/10, Jun none, Jul 0/10. Two months a side
    # and no other action on rejected lots to pool the month-to-month variation with: 1.2 degrees of
    # freedom, t = -5.16, p = 0.092, so the drop is not called; fewer rejected lots still counts as the
    # better direction (the sign of the statistic; test_signals checks the verdict for lower-is-better).
    assert r.loc["Q-1", "verdict"] == "no clear change"
    assert r.loc["Q-1", "p_value"] == pytest.approx(0.0918, abs=5e-4)
    assert not bool(r.loc["Q-1", "after_complete"])  # May-Aug runs past the as-of date
    assert r.loc["D-1", "verdict"] == "too little data"


# ----------------------------------------------------------------- reading the log


def test_read_actions_from_csv_with_title_rows_and_other_header_spellings(tmp_path):
    path = tmp_path / "actions.csv"
    path.write_text(
        "Supplier action log\n\nVendor,Action No,Date opened,Owner,Description,Due date,Status,"
        "Date closed,KPI\nV10025,8D-17,2026-01-15,J. Weber,Carrier change,2026-03-31,Closed,"
        "2026-03-20,OTIF_rate\nV10030,8D-18,2026-02-01,,,,Open,,\n",
        encoding="utf-8",
    )
    log = sa.read_actions(path)
    assert log["action_id"].tolist() == ["8D-17", "8D-18"]
    assert log["status"].tolist() == ["closed", "open"] and log["metric"].iloc[0] == "otif_rate"
    assert log["closed"].iloc[0] == pd.Timestamp("2026-03-20") and pd.isna(log["due"].iloc[1])
    assert log["source_row"].tolist() == [4, 5]


def test_read_actions_from_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["supplier_id", "action_id", "opened", "status", "closed"])
    ws.append(
        ["V10025", 17, pd.Timestamp("2026-01-15").to_pydatetime(), "closed", pd.Timestamp("2026-03-20").to_pydatetime()]
    )
    wb.save(tmp_path / "log.xlsx")
    log = sa.read_actions(tmp_path / "log.xlsx")
    assert log[["supplier_id", "action_id"]].iloc[0].tolist() == ["V10025", "17"]
    assert log["opened"].iloc[0] == pd.Timestamp("2026-01-15")


@pytest.mark.parametrize(
    "change, column, reason",
    [
        ({"closed": [None]}, "closed", "the action is closed but column closed is empty"),
        ({"closed": ["2025-12-01"]}, "closed", "closed is before opened"),
        ({"metric": ["grade"]}, "metric", "metric 'grade' cannot be compared"),
        ({"opened": ["someday"]}, "opened", "not a date"),
        ({"action_id": ["A"]}, "action_id", "action A of supplier S1 repeats row 2"),
    ],
)
def test_read_actions_rejects_bad_rows_naming_row_column_and_reason_and_keeps_the_rest(change, column, reason):
    log = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1"],
            "action_id": ["A", "B"],
            "opened": ["2026-01-01"] * 2,
            "status": ["closed"] * 2,
            "closed": ["2026-02-01"] * 2,
            "metric": [None, None],
        }
    )
    bad = log.copy()
    for col, (value,) in change.items():
        bad.loc[1, col] = value
    with pytest.warns(
        sa.DataWarning,
        match=rf"the DataFrame: 1 row of the action log rejected and left out, "
        rf"first row 3, column {column}: {reason}",
    ):
        read = sa.read_actions(bad)
    assert read["action_id"].tolist() == ["A"] and list(read.columns) == list(sa.read_actions(log).columns)
    (rec,) = read.attrs["rejected"]
    assert (rec["row"], rec["column"]) == (3, column) and reason in rec["reason"]
    assert sa.read_actions(log).attrs["rejected"] == []
    with pytest.raises(InputError, match="lacks the required actions column status"):
        sa.read_actions(log.drop(columns="status"))


def test_read_actions_follows_the_ingest_date_rules(tmp_path):
    # Excel serial days with the 1900 fix (serial 59 is 1900-02-28 as Excel shows it), like read_table
    log = pd.DataFrame(
        {"supplier_id": ["S1", "S1"], "action_id": ["A", "B"], "opened": [59.0, 45672.0], "status": ["open", "open"]}
    )
    assert sa.read_actions(log)["opened"].tolist() == [pd.Timestamp("1900-02-28"), pd.Timestamp("2025-01-15")]
    # slashed dates that read either way are not guessed
    path = tmp_path / "log.csv"
    path.write_text("supplier_id,action_id,opened,status\nS1,A,01/02/2026,open\nS1,B,03/04/2026,open\n")
    with pytest.raises(sa.ValidationError, match="day-first or month-first"):
        sa.read_actions(path)
    # two logs read with rejected rows still concatenate (attrs hold records, not frames)
    path.write_text("supplier_id,action_id,opened,status\nS1,A,2026-01-02,open\nS1,B,,open\n")
    with pytest.warns(sa.DataWarning, match=r"log.csv: 1 row of the action log rejected.*row 3, column opened"):
        one = sa.read_actions(path)
    assert one["source_row"].tolist() == [2] and len(pd.concat([one, one])) == 2
    assert sa.read_table(path, "actions").rejected["reason"].tolist() == ["missing value in a required column"]


def test_action_metric_names_are_the_comparable_metrics():
    from supplier_analytics.actions import ACTION_METRICS
    from supplier_analytics.catalog import RECORD_SHARES, spec

    # the reader checks the log's metric column against the same catalogue list the comparison uses
    assert tuple(ACTION_METRICS) == RECORD_SHARES
    assert set(RECORD_SHARES) == {
        "otif_rate",
        "on_time_rate",
        "in_full_rate",
        "late_rate",
        "early_rate",
        "lot_rejection_rate",
        "within_sla_rate",
        "capa_on_time_rate",
    }
    assert all(spec(m).is_rate and spec(m).records for m in RECORD_SHARES)


# ----------------------------------------------------------------- review pack


@pytest.fixture(scope="module")
def card(sample_card):
    return sample_card


def test_spend_classes_and_segments_by_hand(card):
    seg = segment_suppliers(card)
    spend = card.suppliers.set_index("supplier_id")["annual_spend"].sort_values(ascending=False, kind="stable")
    share_before = (spend.cumsum() - spend) / spend.sum()
    expected = np.where(share_before < 0.8, "A", np.where(share_before < 0.95, "B", "C"))
    assert seg["supplier_id"].tolist() == spend.index.tolist()
    assert seg["spend_class"].tolist() == expected.tolist()
    assert seg["spend_share"].sum() == pytest.approx(1.0)
    big = seg.iloc[0]  # the largest spend is graded B: a reliable strategic partner
    assert (big["supplier_id"], big["spend_class"], big["performance"]) == ("V10036", "A", "good")
    assert big["segment"] == "strategic partner: keep and develop"
    # every grade with its probability and every rank with its 95% interval
    assert seg["grade_probability"].between(0, 1).all()
    assert (seg["rank_low"] <= seg["rank_high"]).all()


def test_review_pack_priorities_recognition_and_workbook(card, tmp_path):
    log = pd.DataFrame(
        {
            "supplier_id": ["V10025", "V10004"],
            "action_id": ["8D-1", "8D-2"],
            "opened": ["2025-07-01", "2026-08-01"],
            "owner": ["J. Weber", "A. Novak"],
            "description": ["Carrier change", "=cmd"],
            "due": ["2025-12-31", "2026-10-31"],
            "status": ["closed", "open"],
            "closed": ["2026-01-15", None],
        }
    )
    pack = sa.review_pack(card, actions=log, out_dir=tmp_path)
    seg = pack.segments
    # No significant deterioration once the month-to-month variation is allowed for. The sample has about 13
    # lines a supplier a month; V10003's OTIF, Apr-Sep 2025 70/80 against Apr-Sep 2026 41/70, has p = 0.004
    # but q = 0.076 across the 36 year-on-year tests, and its pre-whitened trend over 12 months p = 0.21. Poor
    # and fair suppliers lead instead. (At ten times the volume more of the built-in trends are found:
    # tests/reports/test_feedback_truth.py.)
    det = seg.loc[seg["deteriorating"].str.len() > 0, "supplier_id"].tolist()
    assert det == [] and not pack.priorities["priority"].astype(str).str.contains("deteriorating").any()
    assert pack.priorities["priority"].is_monotonic_increasing
    # within a priority group, larger spend first
    for _, g in pack.priorities.groupby("priority"):
        assert g["annual_spend"].is_monotonic_decreasing
    # Recognised: only what a test backs. Of the sample's four improvers V10034 (OTIF 26/83 -> 59/78 year on
    # year, p = 0.0002, q = 0.008); the others' tests do not survive the false discovery rate (V10025's OTIF
    # trend comes closest, q = 0.065)
    assert pack.recognition["supplier_id"].tolist() == ["V10034"]
    # every CAR candidate has a reason; grade D suppliers are all candidates
    assert pack.car_candidates["reasons"].str.len().gt(0).all()
    d_grades = set(card.suppliers.loc[card.suppliers["grade"] == "D", "supplier_id"])
    assert d_grades <= set(pack.car_candidates["supplier_id"])
    # (V10030 is no candidate since PPM intervals are lot-level: 1,595 ppm from one bad lot in 15 is no
    # significant miss of 500, so OTIF is its only one)
    assert pack.car_candidates.set_index("supplier_id").loc["V10004", "open_actions"] == 1
    res = pack.action_results.set_index("action_id")
    assert res.loc["8D-2", "verdict"] == "not closed" and res.loc["8D-1", "before_n"] > 10
    wb = openpyxl.load_workbook(tmp_path / "review.xlsx")
    assert {
        "About",
        "Relationships to prioritise",
        "Recognition list",
        "Alerts",
        "Segments",
        "Did the actions work",
    } <= set(wb.sheetnames)
    cmd = [c for c in wb["Action log"].iter_rows() for c in c if c.value == "=cmd"]
    assert len(cmd) == 1 and cmd[0].data_type == "s" and cmd[0].quotePrefix
    html = (tmp_path / "review.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) and "http" not in html
    assert html.count("<svg") == 1 and "do not send to suppliers" in html


def test_an_action_log_without_rows_gives_the_empty_frame(card, tmp_path):
    # A log without rows has no sides to count: the frame keeps its columns and method. (The empty period
    # columns once padded to one period while the reference rows had window_months: "reference rows need as
    # many periods a side".)
    log = pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "action_id": ["A-1"],
            "opened": ["2026-03-01"],
            "status": ["closed"],
            "closed": ["2026-04-30"],
        }
    )
    lines = _lines([(f"2026-0{m}-10", True) for m in (1, 2, 5, 6) for _ in range(10)])
    r = sa.compare_before_after(_result(lines), log.iloc[:0])
    assert len(r) == 0 and r.columns.tolist() == sa.actions.BEFORE_AFTER_COLUMNS
    assert "across the 0 actions compared" in r.attrs["method"] and "()" not in r.attrs["method"]
    # the review pack of a log file with the header only goes the same way
    path = tmp_path / "actions.csv"
    path.write_text("supplier_id,action_id,opened,status,closed\n", encoding="utf-8")
    pack = sa.review_pack(card, actions=path)
    assert len(pack.action_results) == 0 and pack.action_results.columns.tolist() == r.columns.tolist()
    assert any(n.startswith("Actions: Each closed action") for n in pack.method_notes)


# ----------------------------------------------------------------- command line


def _inputs():
    return [
        f"--{t}={SAMPLE / f'{t}.csv'}" for t in ("deliveries", "inspections", "requests", "suppliers", "exclusions")
    ]


@pytest.mark.slow
def test_cli_feedback_writes_one_folder_per_supplier_and_the_review(tmp_path, capsys):
    log = tmp_path / "actions.csv"
    log.write_text(
        "supplier_id,action_id,opened,status,closed\nV10025,8D-1,2025-07-01,closed,2026-01-15\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code = main(
        [
            "feedback",
            *_inputs(),
            f"--config={SAMPLE / 'scoring.toml'}",
            f"--actions={log}",
            "--supplier",
            "V10025",
            "--supplier",
            "V10002",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (out / "suppliers").iterdir()) == ["V10002", "V10025"]
    for sid in ("V10002", "V10025"):
        assert {p.name for p in (out / "suppliers" / sid).iterdir()} == {"feedback.html", "feedback.xlsx"}
    assert {p.name for p in (out / "review").iterdir()} == {"review.html", "review.xlsx"}
    assert "2 feedback packs" in capsys.readouterr().out
    code = main(["feedback", *_inputs(), "--supplier", "V10O25", "--out", str(tmp_path / "x")])
    assert code == 2  # a wrong command-line argument
    err = capsys.readouterr().err
    assert err.startswith("error: Supplier 'V10O25' is not in the scored data (close matches: V10025, ")
    assert len(err.splitlines()) == 1


def _cells(html: str, section: str) -> list[list[str]]:
    """The text of each body row of the first table after the heading ``section``."""
    part = html[html.index(f"<h2>{section}</h2>") :]
    part = part[: part.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", part[part.index("<tbody>") :], flags=re.S)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


def test_alert_rows_show_the_configured_target_in_the_metric_format(card):
    # The sample's scoring.toml sets the OTIF target to 0.93 and PPM to 500: the alert rows read 93.0% and
    # 500 ppm (a fraction with one decimal once showed 0.93 as 0.9)
    assert card.config.targets["otif_rate"] == 0.93
    al = sa.alerts(card, include="all")
    al = al.loc[al["metric"].isin(["otif_rate", "ppm"]) & (al["direction"] == "no alert")]
    al = al.groupby("metric").head(1).assign(direction="deteriorating")
    pack = sa.review_pack(card, alerts=al.reset_index(drop=True))
    html = pack.html()
    head = html[html.index("<h2>Alerts</h2>") :]
    head = re.findall(r"<th>(.*?)</th>", head[: head.index("</thead>")])
    rows = {r[head.index("Metric")]: r for r in _cells(html, "Alerts")}
    otif, ppm = rows["On time in full (OTIF)"], rows["Defective parts per million (PPM)"]
    assert (
        otif[head.index("Target")] == "93.0%" and ppm[head.index("Target")] == f"{card.config.targets['ppm']:,.0f} ppm"
    )
    cur = al.set_index("metric").loc["otif_rate", "current"]
    assert otif[head.index("Current level")] == f"{100 * cur:.1f}%"
    assert "otif_rate" not in head and "target" not in head


def test_review_tables_speak_to_people(card):
    html = sa.review_pack(card).html()
    heads = set(re.findall(r"<th>(.*?)</th>", html))
    assert not {h for h in heads if re.fullmatch(r"[a-z]+(_[a-z]+)+", h)}, heads
    seg = _cells(html, "Segments")
    first = card.suppliers.sort_values("annual_spend", ascending=False).iloc[0]
    assert seg[0][0] == f"{first['supplier_name']} ({first['supplier_id']})"
    # the rank with its 95% interval in one cell, e.g. "1 (1 to 11)"
    assert re.fullmatch(r"\d+ \(\d+ to \d+\)", seg[0][6])
