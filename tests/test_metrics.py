"""Metrics on small hand-built frames: every expected value can be checked by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from supplier_analytics.config import load_config
from supplier_analytics.errors import DataWarning, InputError, ValidationError
from supplier_analytics.metrics import compute_metrics

AS_OF = "2025-03-31"


def deliveries(rows, **extra):
    """rows: (supplier, po, line, ordered, received, promised, received_on[, receipt_id])."""
    cols = [
        "supplier_id",
        "po_id",
        "line_id",
        "quantity_ordered",
        "quantity_received",
        "date_promised",
        "date_received",
        "receipt_id",
    ]
    rows = [tuple(r) + (None,) * (8 - len(r)) for r in rows]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("date_promised", "date_received"):
        df[c] = pd.to_datetime(df[c])
    for k, v in extra.items():
        df[k] = v
    return df


def one(res, supplier="S1"):
    return res.suppliers.set_index("supplier_id").loc[supplier]


def test_partial_receipts_are_combined_and_judged_at_the_completing_receipt():
    # ordered 10: 4 arrive 2 days early (inside the 3-day early tolerance), 6 arrive 2 days late
    d = deliveries(
        [
            ("S1", "P1", "1", 10, 4, "2025-03-10", "2025-03-08", "R1"),
            ("S1", "P1", "1", 10, 6, "2025-03-10", "2025-03-12", "R2"),
        ]
    )
    res = compute_metrics(d, as_of=AS_OF)
    line = res.lines.iloc[0]
    assert (line["n_receipts"], line["quantity_received"], str(line["date_received"].date())) == (2, 10.0, "2025-03-12")
    assert (line["days_from_reference"], line["days_late"]) == (2.0, 2.0)
    assert (bool(line["on_time"]), bool(line["late"]), bool(line["in_full"]), bool(line["otif"])) == (
        False,
        True,
        True,
        False,
    )
    s = one(res)
    assert s["n_deliveries"] == 1
    assert (s["on_time_rate"], s["late_rate"], s["in_full_rate"], s["otif_rate"]) == (0.0, 1.0, 1.0, 0.0)
    # 4 of 10 units arrived inside the on-time window
    assert (s["on_time_qty_rate"], s["on_time_qty_rate_k"], s["on_time_qty_rate_n"]) == (0.4, 4.0, 10.0)


def test_split_and_duplicated_receipts_do_not_halve_the_rate():
    d = deliveries(
        [
            ("S1", "P1", "1", 10, 5, "2025-03-10", "2025-03-09", "R1"),
            ("S1", "P1", "1", 10, 5, "2025-03-10", "2025-03-10", "R2"),  # split: completes the line on time
            ("S1", "P1", "1", 10, 5, "2025-03-10", "2025-03-10", "R2"),  # duplicate of R2
            ("S1", "P2", "1", 4, 4, "2025-03-10", "2025-03-10", None),
            ("S1", "P2", "1", 4, 4, "2025-03-10", "2025-03-10", None),  # identical row, no receipt id
        ]
    )
    res = compute_metrics(d, as_of=AS_OF)
    assert res.lines["n_duplicate_receipts"].tolist() == [1, 1]
    assert res.lines["quantity_received"].tolist() == [10.0, 4.0]
    s = one(res)
    assert s["n_deliveries"] == 2
    assert (s["on_time_rate"], s["in_full_rate"], s["otif_rate"]) == (1.0, 1.0, 1.0)
    assert s["on_time_qty_rate"] == 1.0


def test_over_delivery_never_lifts_a_rate_above_one():
    d = deliveries(
        [
            ("S1", "P1", "1", 10, 8, "2025-03-10", "2025-03-10", "R1"),
            ("S1", "P1", "1", 10, 7, "2025-03-10", "2025-03-10", "R2"),
        ]
    )
    s = one(compute_metrics(d, as_of=AS_OF))
    assert (s["in_full_rate"], s["otif_rate"], s["on_time_qty_rate"]) == (1.0, 1.0, 1.0)
    assert s["on_time_qty_rate_k"] == 10.0  # capped at the ordered quantity
    strict = load_config({"delivery": {"over_delivery_in_full": False, "in_full_tolerance": 0.1}})
    s = one(compute_metrics(d, as_of=AS_OF, config=strict))
    assert (s["in_full_rate"], s["on_time_rate"]) == (0.0, 1.0)


def test_under_delivery_and_the_in_full_tolerance():
    d = deliveries(
        [
            ("S1", "P1", "1", 10, 8, "2025-03-10", "2025-03-10", "R1"),
            ("S1", "P1", "1", 10, 1, "2025-03-10", "2025-03-20", "R2"),
        ]
    )
    res = compute_metrics(d, as_of=AS_OF)
    line = res.lines.iloc[0]
    # never reached 10: judged at the last receipt, 10 days late, not in full
    assert (line["quantity_received"], line["days_late"], bool(line["in_full"])) == (9.0, 10.0, False)
    tol = compute_metrics(d, as_of=AS_OF, config={"delivery": {"in_full_tolerance": 0.2}})
    line = tol.lines.iloc[0]
    # 8 >= 10 x 0.8 on the first receipt: complete (and on time) on 2025-03-10
    assert (str(line["date_received"].date()), bool(line["on_time"]), bool(line["in_full"])) == (
        "2025-03-10",
        True,
        True,
    )


def test_receipt_reversal_moves_the_completion_to_the_receipt_that_stays():
    d = deliveries(
        [
            ("S1", "P1", "1", 10, 10, "2025-03-10", "2025-03-05", "R1"),
            ("S1", "P1", "1", 10, -10, "2025-03-10", "2025-03-06", "R1-REV"),
            ("S1", "P1", "1", 10, 10, "2025-03-10", "2025-03-15", "R3"),
        ]
    )
    line = compute_metrics(d, as_of=AS_OF).lines.iloc[0]
    assert (line["quantity_received"], str(line["date_received"].date()), line["days_late"]) == (
        10.0,
        "2025-03-15",
        5.0,
    )


def test_a_reversal_takes_back_on_time_quantity_whatever_its_posting_date():
    # promised 2025-03-10, on-time window [-3, +2] days (the defaults): 03-07 .. 03-12
    d = deliveries(
        [
            # L1: 10 on time, reversed on 03-20 (after the window), received again late on 03-25
            ("S1", "P1", "1", 10, 10, "2025-03-10", "2025-03-10", "A1"),
            ("S1", "P1", "1", 10, -10, "2025-03-10", "2025-03-20", "A1-REV"),
            ("S1", "P1", "1", 10, 10, "2025-03-10", "2025-03-25", "A2"),
            # L2: 10 on time, 5 over-delivered late and reversed: the on-time 10 stay
            ("S1", "P1", "2", 10, 10, "2025-03-10", "2025-03-10", "B1"),
            ("S1", "P1", "2", 10, 5, "2025-03-10", "2025-03-20", "B2"),
            ("S1", "P1", "2", 10, -5, "2025-03-10", "2025-03-22", "B2-REV"),
            # L3: 6 on time, reversed after the window, nothing else: 0 on time (net 0)
            ("S1", "P1", "3", 10, 6, "2025-03-10", "2025-03-10", "C1"),
            ("S1", "P1", "3", 10, -6, "2025-03-10", "2025-03-20", "C1-REV"),
            # L4: 4 early (03-01), 6 on time, 5 reversed after the window: the latest (on-time) go first -> 1
            ("S1", "P1", "4", 10, 4, "2025-03-10", "2025-03-01", "D1"),
            ("S1", "P1", "4", 10, 6, "2025-03-10", "2025-03-10", "D2"),
            ("S1", "P1", "4", 10, -5, "2025-03-10", "2025-03-20", "D2-REV"),
            # L5: no reversal: the receipts inside the window (3 of 3 + 7 late)
            ("S1", "P1", "5", 10, 3, "2025-03-10", "2025-03-10", "E1"),
            ("S1", "P1", "5", 10, 7, "2025-03-10", "2025-03-20", "E2"),
        ]
    )
    res = compute_metrics(d, as_of=AS_OF)
    lines = res.lines.set_index("line_id")
    assert lines["quantity_on_time"].tolist() == [0.0, 10.0, 0.0, 1.0, 3.0]
    assert lines["quantity_received"].tolist() == [10.0, 10.0, 0.0, 5.0, 10.0]
    assert bool(lines.loc["1", "late"]) and bool(lines.loc["2", "on_time"])
    s = res.suppliers.iloc[0]
    assert (s["on_time_qty_rate_k"], s["on_time_qty_rate_n"]) == (14.0, 50.0)
    # before this rule L1 counted 10 and L3 6 on time: the posting date of the reversal decided


@pytest.mark.parametrize(
    ("early", "on_time", "early_rate", "late_rate"),
    [
        (3, 3 / 5, 1 / 5, 1 / 5),  # -5 early; -3, -1, 0 on time; +2 late
        (0, 1 / 5, 3 / 5, 1 / 5),  # -5, -3, -1 early; 0 on time
        ("unlimited", 4 / 5, 0.0, 1 / 5),  # every early receipt is on time
    ],
)
def test_early_deliveries_under_each_window_setting(early, on_time, early_rate, late_rate):
    offsets = [-5, -3, -1, 0, 2]
    rows = [
        ("S1", f"P{i}", "1", 1, 1, "2025-03-10", str((pd.Timestamp("2025-03-10") + pd.Timedelta(days=o)).date()))
        for i, o in enumerate(offsets)
    ]
    s = one(compute_metrics(deliveries(rows), as_of=AS_OF, config={"delivery": {"early_tolerance_days": early}}))
    assert s["on_time_rate"] == pytest.approx(on_time)
    assert s["early_rate"] == pytest.approx(early_rate)
    assert s["late_rate"] == pytest.approx(late_rate)
    assert s["on_time_rate"] + s["early_rate"] + s["late_rate"] == pytest.approx(1.0)


def test_working_days_skip_the_weekend_and_holidays():
    d = deliveries(
        [
            ("S1", "P1", "1", 1, 1, "2025-01-03", "2025-01-06"),  # Fri -> Mon: 3 calendar, 1 working day
            ("S1", "P2", "1", 1, 1, "2024-12-24", "2024-12-26"),  # Tue -> Thu over the 25th: 2 calendar, 1 working
        ]
    )
    cal = compute_metrics(d, as_of="2025-01-31", config={"delivery": {"late_tolerance_days": 1}})
    assert cal.lines["days_from_reference"].tolist() == [3.0, 2.0]
    assert one(cal)["on_time_rate"] == 0.0
    work = compute_metrics(
        d,
        as_of="2025-01-31",
        config={"delivery": {"late_tolerance_days": 1, "day_basis": "working", "holidays": ["2024-12-25"]}},
    )
    assert work.lines["days_from_reference"].tolist() == [1.0, 1.0]
    assert one(work)["on_time_rate"] == 1.0


def test_requested_versus_promised_reference_and_lines_without_a_reference():
    d = deliveries(
        [("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10"), ("S1", "P2", "1", 1, 1, "2025-03-10", "2025-03-10")],
        date_requested=pd.to_datetime(["2025-03-05", None]),
    )
    promised = one(compute_metrics(d, as_of=AS_OF))
    assert (promised["n_deliveries"], promised["on_time_rate"]) == (2, 1.0)
    res = compute_metrics(d, as_of=AS_OF, config={"delivery": {"reference_date": "requested"}})
    s = one(res)
    # P1 is 5 days late against the requested date; P2 has no requested date: not judged, not invented
    assert (s["n_deliveries"], s["n_not_judged_deliveries"], s["on_time_rate"], s["mean_days_late"]) == (1, 1, 0.0, 5.0)
    assert res.lines["status"].tolist() == ["judged", "not judged"]


def test_requested_reference_without_the_column_warns_and_judges_nothing():
    d = deliveries([("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10")])
    with pytest.warns(DataWarning, match=r"no date_requested column, so no line can be judged on time"):
        res = compute_metrics(d, as_of=AS_OF, config={"delivery": {"reference_date": "requested"}})
    s = one(res)
    assert s["n_deliveries"] == 0 and math.isnan(s["on_time_rate"])


def _late_rows(offsets):
    return [
        ("S1", f"P{i}", "1", 1, 1, "2025-03-10", str((pd.Timestamp("2025-03-10") + pd.Timedelta(days=o)).date()))
        for i, o in enumerate(offsets)
    ]


def test_days_late_mean_median_p90_over_all_judged_lines():
    offsets = [-2, 0, 0, 1, 3, 10, -1, 0, 0, 0]  # early and on-time count 0 days late (tolerance 0)
    cfg = {"delivery": {"late_tolerance_days": 0}}
    s = one(compute_metrics(deliveries(_late_rows(offsets)), as_of=AS_OF, config=cfg))
    late = [0, 0, 0, 1, 3, 10, 0, 0, 0, 0]
    assert s["mean_days_late"] == pytest.approx(14 / 10)
    assert s["median_days_late"] == 0.0 == np.median(late)
    assert s["p90_days_late"] == pytest.approx(3.7) == pytest.approx(np.quantile(late, 0.9))


def test_quantiles_only_from_10_records_with_order_statistic_intervals():
    cfg = {"delivery": {"late_tolerance_days": 0}}
    # [0, 0, 10]: 3 lines, no median or p90 (numpy's p90 would read 8)
    s = one(compute_metrics(deliveries(_late_rows([0, 0, 10])), as_of=AS_OF, config=cfg))
    assert s["mean_days_late"] == pytest.approx(10 / 3)
    cols = [f"{m}{x}" for m in ("median_days_late", "p90_days_late") for x in ("", "_low", "_high")]
    assert s[cols].isna().all()
    # days late 1..10: median 5.5 in [x(2), x(9)] = [2, 9] (coverage 1 - 2 x 11/1024 = 97.9 %);
    # p90 9.1 in [x(7), no upper bound]: P(B <= 6) = 1.3 % for B ~ Binomial(10, 0.9), P(B <= 9) = 65 %
    s = one(compute_metrics(deliveries(_late_rows(range(1, 11))), as_of=AS_OF, config=cfg))
    assert (s["median_days_late"], s["median_days_late_low"], s["median_days_late_high"]) == (5.5, 2.0, 9.0)
    assert s["p90_days_late"] == pytest.approx(9.1)
    assert s["p90_days_late_low"] == 7.0 and math.isnan(s["p90_days_late_high"])
    assert sps.binom.cdf(8, 10, 0.5) - sps.binom.cdf(1, 10, 0.5) == pytest.approx(0.978515625)
    # 40 values 1..40: p90 36.1 in [x(32), x(40)]: ranks from Binomial(40, 0.9)
    s = one(compute_metrics(deliveries(_late_rows(range(1, 41))), as_of="2025-06-30", config=cfg))
    lo, hi = sps.binom.ppf(0.025, 40, 0.9), sps.binom.ppf(0.975, 40, 0.9) + 1
    assert (lo, hi) == (32, 40)
    assert (s["p90_days_late"], s["p90_days_late_low"], s["p90_days_late_high"]) == (pytest.approx(36.1), 32.0, 40.0)


def test_lead_time_mean_and_coefficient_of_variation():
    d = deliveries(
        [
            ("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10"),
            ("S1", "P2", "1", 1, 1, "2025-03-10", "2025-03-10"),
            ("S1", "P3", "1", 1, 1, "2025-03-10", "2025-03-10"),
        ],
        date_ordered=pd.to_datetime(["2025-03-06", "2025-03-02", None]),
    )
    s = one(compute_metrics(d, as_of=AS_OF))
    # lead times 4 and 8 days: mean 6, sample sd 2.828..., cv 0.4714
    assert s["mean_lead_time_days"] == 6.0
    assert s["cv_lead_time"] == pytest.approx(math.sqrt(8) / 6)


def test_without_quantity_received_each_row_is_judged_and_no_in_full_is_invented():
    d = deliveries(
        [
            ("S1", "P1", "1", 10, None, "2025-03-10", "2025-03-08"),
            ("S1", "P1", "1", 10, None, "2025-03-10", "2025-03-12"),
        ]
    ).drop(columns="quantity_received")
    s = one(compute_metrics(d, as_of=AS_OF))
    assert (s["n_deliveries"], s["on_time_rate"], s["in_full_rate_n"]) == (2, 0.5, 0.0)
    assert math.isnan(s["in_full_rate"]) and math.isnan(s["otif_rate"]) and math.isnan(s["on_time_qty_rate"])


def test_empty_periods_are_nan_not_zero():
    d = deliveries(
        [("S1", "P1", "1", 1, 1, "2025-01-10", "2025-01-10"), ("S1", "P2", "1", 1, 1, "2025-03-10", "2025-03-12")]
    )
    res = compute_metrics(d, as_of=AS_OF, config={"periods": {"window_months": 3}})
    assert res.window == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))
    p = res.periods
    assert p["period"].astype(str).tolist() == ["2025-01", "2025-02", "2025-03"]
    assert p["period_start"].tolist() == list(pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]))
    assert p["n_deliveries"].tolist() == [1, 0, 1]
    assert p["on_time_rate"].tolist()[::2] == [1.0, 0.0]
    assert math.isnan(p["on_time_rate"].iloc[1])
    assert math.isnan(p["on_time_rate_low"].iloc[1]) and math.isnan(p["mean_days_late"].iloc[1])
    assert p["n_deliveries"].dtype == "int64"


def test_weekly_and_quarterly_periods():
    d = deliveries(
        [
            ("S1", "P1", "1", 1, 1, "2025-03-02", "2025-03-02"),  # Sunday: week Feb 24 - Mar 2
            ("S1", "P2", "1", 1, 1, "2025-03-03", "2025-03-03"),
        ]
    )  # Monday: next ISO week
    w = compute_metrics(d, as_of="2025-03-09", config={"periods": {"period": "week", "window_months": 1}}).periods
    got = w.loc[w["n_deliveries"] > 0, "period_start"].dt.strftime("%Y-%m-%d").tolist()
    assert got == ["2025-02-24", "2025-03-03"]
    q = compute_metrics(d, as_of="2025-03-09", config={"periods": {"period": "quarter", "window_months": 3}}).periods
    assert q["period"].astype(str).tolist() == ["2024Q4", "2025Q1"]
    assert q["n_deliveries"].tolist() == [0, 2]


def test_records_after_as_of_and_before_the_window_are_ignored_and_counted():
    d = deliveries(
        [
            ("S1", "P1", "1", 1, 1, "2024-01-10", "2024-01-10"),
            ("S1", "P2", "1", 1, 1, "2025-03-10", "2025-03-10"),
            ("S1", "P3", "1", 1, 1, "2025-04-10", "2025-04-10"),
        ]
    )
    res = compute_metrics(d, as_of=AS_OF)
    assert res.ignored.to_dict("records") == [{"table": "deliveries", "after_as_of": 1, "before_window": 1}]
    assert one(res)["n_deliveries"] == 1
    # as-of defaults to the latest date in the data
    assert compute_metrics(d).as_of == pd.Timestamp("2025-04-10")


def test_exclusions_leave_the_rates_but_are_counted_with_their_reason():
    d = deliveries(
        [
            ("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-20"),
            ("S1", "P1", "2", 1, 1, "2025-03-10", "2025-03-20"),
            ("S1", "P2", "1", 1, 1, "2025-03-10", "2025-03-10"),
        ]
    )
    ex = pd.DataFrame(
        {
            "table": ["deliveries", "deliveries"],
            "supplier_id": ["S1", "S1"],
            "po_id": ["P1", "P1"],
            "line_id": ["1", None],
            "reason_code": ["BUYER_DATE_CHANGE", "PLANT_CLOSED"],
            "decided_by": ["AB", "CD"],
        }
    )
    res = compute_metrics(d, as_of=AS_OF, exclusions=ex)
    assert res.lines["exclusion_reason"].tolist() == ["BUYER_DATE_CHANGE; PLANT_CLOSED", "PLANT_CLOSED", pd.NA]
    assert res.lines["status"].tolist() == ["excluded", "excluded", "judged"]
    s = one(res)
    assert (s["n_deliveries"], s["n_excluded_deliveries"], s["on_time_rate"]) == (1, 2, 1.0)


def test_wilson_interval_matches_the_textbook_and_the_closed_form():
    rows = [("S1", f"P{i}", "1", 1, 1, "2025-03-10", "2025-03-10" if i < 8 else "2025-03-15") for i in range(10)]
    s = one(compute_metrics(deliveries(rows), as_of=AS_OF))
    assert (s["on_time_rate_k"], s["on_time_rate_n"]) == (8, 10)
    assert round(s["on_time_rate_low"], 4) == 0.4902 and round(s["on_time_rate_high"], 4) == 0.9433
    z = sps.norm.ppf(0.975)
    p, n = 0.8, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert s["on_time_rate_low"] == pytest.approx(centre - half, abs=1e-12)
    assert s["on_time_rate_high"] == pytest.approx(centre + half, abs=1e-12)


def inspections(**cols):
    df = pd.DataFrame(cols)
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_ppm_and_lot_rejection_with_quantities():
    i = inspections(
        supplier_id=["S1"] * 4,
        date=["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"],
        quantity_inspected=[1000.0, 3000.0, np.nan, 1000.0],
        quantity_defective=[5.0, 0.0, 2.0, 0.0],
        downtime_minutes=[0.0, np.nan, 30.0, 15.0],
        defect_code=["SCRATCH", None, "DENT", None],
    )
    s = one(compute_metrics(inspections=i, as_of=AS_OF))
    assert (s["n_inspections"], s["quantity_inspected"], s["defective_quantity"]) == (4, 5000.0, 7.0)
    # PPM uses only the lots with a quantity: 5 / 5000 x 1e6; the incident without quantity adds no PPM
    assert (s["ppm"], s["ppm_k"], s["ppm_n"]) == (1000.0, 5.0, 5000.0)
    # lot-level interval: lots (1000, 5), (3000, 0), (1000, 0), p = 0.001; residuals 4, -3, -1 -> sum of
    # squares 26, variance 3/2 x 26 / 5000^2, so 1,000 +/- 1.96 x 1,249 ppm, wider than Wilson's on units
    se = np.sqrt(1.5 * 26 / 5000**2)
    low, high = sps.binomtest(5, 5000).proportion_ci(method="wilson")
    assert s["ppm_low"] == 0.0 and s["ppm_high"] == pytest.approx((0.001 + 1.959964 * se) * 1e6)
    assert s["ppm_high"] > high * 1e6 and low > 0
    assert (s["lot_rejection_rate"], s["lot_rejection_rate_k"], s["lot_rejection_rate_n"]) == (
        pytest.approx(1 / 3),
        1,
        3,
    )
    assert (s["n_incidents"], s["downtime_minutes"]) == (3, 45.0)


def test_no_ppm_is_invented_without_quantities():
    i = inspections(supplier_id=["S1", "S1"], date=["2025-03-01", "2025-03-02"], quantity_defective=[5.0, 0.0])
    s = one(compute_metrics(inspections=i, as_of=AS_OF))
    assert (s["n_inspections"], s["defective_quantity"], s["n_incidents"]) == (2, 5.0, 1)
    for col in ("ppm", "ppm_low", "quantity_inspected", "lot_rejection_rate", "downtime_minutes"):
        assert math.isnan(s[col]), col


def test_defect_pareto_per_supplier():
    i = inspections(
        supplier_id=["S1"] * 4 + ["S2"],
        date=["2025-03-01"] * 5,
        quantity_defective=[6.0, 3.0, 1.0, 0.0, 2.0],
        defect_code=["A", "B", "A", None, "B"],
    )
    res = compute_metrics(inspections=i, as_of=AS_OF)
    p = res.pareto
    assert p[["supplier_id", "defect_code", "lots", "defective_quantity"]].values.tolist() == [
        ["S1", "A", 2, 7.0],
        ["S1", "B", 1, 3.0],
        ["S2", "B", 1, 2.0],
    ]
    assert p["share"].tolist() == [0.7, 0.3, 1.0]
    assert p["cumulative_share"].tolist() == [0.7, 1.0, 1.0]


def requests_frame(rows):
    """rows: (supplier, id, type, sent, responded, closed[, due])."""
    rows = [tuple(r) + (None,) * (7 - len(r)) for r in rows]
    df = pd.DataFrame(
        rows,
        columns=["supplier_id", "request_id", "request_type", "date_sent", "date_responded", "date_closed", "date_due"],
    )
    for c in ("date_sent", "date_responded", "date_closed", "date_due"):
        df[c] = pd.to_datetime(df[c], format="ISO8601")
    return df


def test_response_times_sla_per_type_and_open_or_overdue_at_as_of():
    r = requests_frame(
        [
            ("S1", "1", "rfq", "2025-03-01 08:00", "2025-03-01 09:00", None),  # 1 h
            ("S1", "2", "rfq", "2025-03-02 08:00", "2025-03-02 10:00", None),  # 2 h
            ("S1", "3", "complaint", "2025-03-03 08:00", "2025-03-03 11:00", None),  # 3 h, SLA 24 h
            ("S1", "4", "complaint", "2025-03-04 08:00", "2025-03-04 12:00", None),  # 4 h
            ("S1", "5", "complaint", "2025-03-05 08:00", "2025-03-06 18:00", None),  # 34 h: late for a complaint
            ("S1", "6", "complaint", "2025-03-20 08:00", None, None),  # open, SLA elapsed: overdue
            ("S1", "7", "rfq", "2025-03-30 12:00", None, None),  # open, 72 h not elapsed yet
            ("S1", "8", "rfq", "2025-03-30 12:00", "2025-04-02 12:00", None),  # answered after as-of: open
        ]
    )
    res = compute_metrics(requests=r, as_of=AS_OF)
    s = one(res)
    assert (s["n_requests"], s["n_responded"], s["open_requests"], s["overdue_requests"]) == (8, 5, 3, 1)
    # 5 answers (1, 2, 3, 4, 34 hours): too few for a median or p90 (from 10 up), never 3.0 and 22.0
    assert s[["median_response_hours", "p90_response_hours", "p90_response_hours_low"]].isna().all()
    # within SLA among the answered (5) and the open past their SLA (1): 4 of 6
    assert (s["within_sla_rate_k"], s["within_sla_rate_n"]) == (4, 6)
    by = res.by_request_type.set_index("request_type")
    assert (by.loc["complaint", "within_sla_rate_k"], by.loc["complaint", "within_sla_rate_n"]) == (2, 4)
    assert (by.loc["rfq", "within_sla_rate"], by.loc["rfq", "open_requests"]) == (1.0, 2)
    assert math.isnan(by.loc["complaint", "median_response_hours"])  # 3 answers: too few


def test_requests_still_open_from_before_the_window_count_as_open_and_overdue():
    cfg = load_config({"periods": {"window_months": 1}})  # window: March 2025
    r = requests_frame(
        [
            ("S1", "1", "rfq", "2025-03-10 08:00", "2025-03-10 09:00", None),  # in the window, answered
            ("S1", "2", "complaint", "2024-11-05 08:00", None, None),  # months old, still open: overdue
            ("S1", "3", "rfq", "2024-12-01 08:00", "2024-12-02 08:00", None),  # before the window, answered
            ("S1", "4", "corrective_action", "2025-01-15", "2025-01-16", None),  # answered, not closed: CAPA open
            ("S1", "5", "complaint", "2024-10-01 08:00", None, None),  # open but excused
        ]
    )
    ex = pd.DataFrame(
        {
            "table": ["requests"],
            "supplier_id": ["S1"],
            "request_id": ["5"],
            "reason_code": ["WRONG_SUPPLIER"],
            "decided_by": ["QM"],
        }
    )
    res = compute_metrics(requests=r, as_of=AS_OF, config=cfg, exclusions=ex)
    s = one(res)
    # only request 1 was sent in the window; request 2 is an open stock item carried in
    assert (s["n_requests"], s["n_responded"], s["open_requests"], s["overdue_requests"]) == (1, 1, 1, 1)
    assert (s["within_sla_rate_k"], s["within_sla_rate_n"]) == (1, 1)
    assert s["open_corrective_actions"] == 1 and s["n_corrective_actions"] == 0
    status = res.requests.set_index("request_id")["status"]
    assert status.to_dict() == {
        "1": "judged",
        "2": "open from before window",
        "3": "before window",
        "4": "open from before window",
        "5": "before window",
    }  # excused: not carried


def test_corrective_action_closure_on_time():
    r = requests_frame(
        [
            ("S1", "c1", "corrective_action", "2025-02-01", "2025-02-02", "2025-02-10", "2025-02-10"),  # on the due day
            ("S1", "c2", "corrective_action", "2025-02-01", "2025-02-02", "2025-02-20", "2025-02-10"),  # late
            ("S1", "c3", "corrective_action", "2025-02-01", "2025-02-02", "2025-02-25", None),  # due +30 d: on time
            ("S1", "c4", "corrective_action", "2025-02-01", "2025-02-02", None, "2025-03-15"),  # open, past due
            ("S1", "c5", "corrective_action", "2025-03-25", "2025-03-26", None, None),  # open, not yet due
        ]
    )
    s = one(compute_metrics(requests=r, as_of=AS_OF))
    assert (s["n_corrective_actions"], s["open_corrective_actions"]) == (5, 2)
    assert (s["capa_on_time_rate_k"], s["capa_on_time_rate_n"]) == (2, 4)
    assert math.isnan(s["median_capa_closure_days"])  # closure days 9, 19, 24: too few for a median (from 10)


def test_inputs_are_not_changed_and_lineage_columns_are_ignored():
    d = deliveries(
        [("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10")], source_file=["a.xlsx"], source_row=[7], note=["extra"]
    )
    before = d.copy()
    res = compute_metrics(d, as_of=AS_OF)
    pd.testing.assert_frame_equal(d, before)
    assert one(res)["on_time_rate"] == 1.0


def test_bad_inputs_raise_documented_errors():
    d = deliveries([("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10")])
    with pytest.raises(InputError, match=r"^The deliveries table has no column 'date_promised'; map a source column"):
        compute_metrics(d.drop(columns="date_promised"))
    bad = d.assign(supplier_id=pd.Series([None], dtype="string"), source_file="gr.xlsx", source_row=12)
    with pytest.raises(
        ValidationError,
        match=r"^1 required cells of the deliveries table are empty, the first in "
        r"column 'supplier_id' at gr\.xlsx row 12; reject those rows",
    ):
        compute_metrics(bad)
    with pytest.raises(InputError, match=r"needs at least one of deliveries, inspections or requests"):
        compute_metrics()
    with pytest.raises(InputError, match=r"as_of = 'soon' is not a date; give it as YYYY-MM-DD"):
        compute_metrics(d, as_of="soon")


def test_every_supplier_appears_even_without_records_in_the_window():
    d = deliveries(
        [("S1", "P1", "1", 1, 1, "2025-03-10", "2025-03-10"), ("S2", "P2", "1", 1, 1, "2023-03-10", "2023-03-10")]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compute_metrics(d, as_of=AS_OF)
    s2 = one(res, "S2")
    assert s2["n_deliveries"] == 0 and math.isnan(s2["on_time_rate"])
    assert res.suppliers["supplier_id"].tolist() == ["S1", "S2"]


def test_incidents_and_downtime_per_month_run_over_the_suppliers_active_months():
    # window 2025-01-01 .. 2025-12-31; OLD has records all 12 months, NEW only from October
    months = pd.date_range("2025-01-01", periods=12, freq="MS") + pd.Timedelta(days=14)
    reports = pd.DataFrame(
        {
            "supplier_id": ["OLD"] * 12 + ["NEW"] * 3,
            "date": list(months) + list(months[-3:]),
            "quantity_defective": [1.0] * 15,
            "downtime_minutes": [30.0] * 15,
        }
    )
    # an earlier record of NEW in another table (a September delivery) moves its start, in res2
    res = compute_metrics(inspections=reports, as_of="2025-12-31")
    s = res.suppliers.set_index("supplier_id")
    assert s.loc["OLD", "n_incidents"] == 12 and s.loc["NEW", "n_incidents"] == 3
    assert s.loc["OLD", "incidents_per_month"] == pytest.approx(1.0)
    assert s.loc["NEW", "incidents_per_month"] == pytest.approx(1.0)  # 3 incidents in 3 active months
    assert s.loc["NEW", "downtime_minutes_per_month"] == pytest.approx(30.0)
    # per period: one period's length whatever the start
    p = res.periods.set_index(["supplier_id", "period_start"])
    assert p.loc[("NEW", pd.Timestamp("2025-11-01")), "incidents_per_month"] == pytest.approx(1.0)
    d = deliveries([("NEW", "P1", "1", 5.0, 5.0, "2025-09-10", "2025-09-10")])
    res2 = compute_metrics(d, reports, as_of="2025-12-31")
    s2 = res2.suppliers.set_index("supplier_id")
    assert s2.loc["NEW", "incidents_per_month"] == pytest.approx(3 / 4)  # active from September: 4 months
    assert s2.loc["OLD", "incidents_per_month"] == pytest.approx(1.0)


def test_defects_without_an_inspected_quantity_are_counted_next_to_ppm_never_silently_0():
    lots = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "B"],
            "date": pd.to_datetime(["2025-03-05", "2025-03-05", "2025-03-06"]),
            "quantity_inspected": [np.nan, 1000.0, np.nan],
            "quantity_defective": [600.0, 0.0, 600.0],
        }
    )
    res = compute_metrics(inspections=lots, as_of=AS_OF)
    s = res.suppliers.set_index("supplier_id")
    # A: 600 defective units reported with no inspected quantity: no PPM (not 0), 600 shown next to it
    assert math.isnan(s.loc["A", "ppm"])
    assert s.loc["A", "defective_quantity_uninspected"] == 600.0 and s.loc["A", "n_lots_without_quantity"] == 1
    # B: PPM over the inspected lot only (0), the 600 units it cannot see counted beside it
    assert s.loc["B", "ppm"] == 0.0 and s.loc["B", "ppm_n"] == 1000.0
    assert s.loc["B", "defective_quantity_uninspected"] == 600.0 and s.loc["B", "n_lots_without_quantity"] == 1
    assert s.loc["B", "defective_quantity"] == 600.0
    p = res.periods.set_index(["supplier_id", "period_start"])
    assert p.loc[("B", pd.Timestamp("2025-03-01")), "defective_quantity_uninspected"] == 600.0
    assert math.isnan(p.loc[("B", pd.Timestamp("2025-02-01")), "defective_quantity_uninspected"])
    # without the column at all
    res2 = compute_metrics(inspections=lots.drop(columns="quantity_inspected"), as_of=AS_OF)
    s2 = res2.suppliers.set_index("supplier_id")
    assert s2["defective_quantity_uninspected"].tolist() == [600.0, 600.0]
    assert s2["n_lots_without_quantity"].tolist() == [1, 2]


def test_the_evidence_of_defects_without_an_inspected_quantity_is_those_lots():
    import supplier_analytics as sa
    from supplier_analytics.evidence import evidence

    lots = pd.DataFrame(
        {
            "supplier_id": ["B", "B", "B"],
            "date": pd.to_datetime(["2025-03-05", "2025-03-06", "2025-03-07"]),
            "quantity_inspected": [1000.0, np.nan, np.nan],
            "quantity_defective": [0.0, 600.0, 0.0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = sa.score(inspections=lots, as_of=AS_OF)
    ev = evidence(card, "B", "defective_quantity_uninspected")
    assert ev["counts_in_metric"].tolist() == [True, True, False]
    assert ev["counts_against"].tolist() == [True, False, False]
    assert ev["quantity_defective"].tolist()[0] == 600.0


def test_response_hour_quantiles_are_exact_to_the_minute_from_10_answers():
    sent = pd.Timestamp("2025-03-03 08:00")
    minutes = [61, 90, 125, 180, 200, 240, 300, 330, 400, 2040]  # median (200 + 240) / 2 = 220 min
    rows = [
        ("S1", str(i), "complaint", str(sent + pd.Timedelta(days=i)), str(sent + pd.Timedelta(days=i, minutes=m)), None)
        for i, m in enumerate(minutes)
    ]
    s = one(compute_metrics(requests=requests_frame(rows), as_of=AS_OF))
    assert s["median_response_hours"] == pytest.approx(220 / 60)
    assert (s["median_response_hours_low"], s["median_response_hours_high"]) == (90 / 60, 400 / 60)
    assert s["p90_response_hours"] == pytest.approx(np.quantile(minutes, 0.9) / 60)
