"""Invariants of the metrics under random data (hypothesis, modest example counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplier_analytics.aggregate import aggregate, combine
from supplier_analytics.config import load_config
from supplier_analytics.metrics import RATES, compute_metrics, period_metrics, supplier_metrics
from supplier_analytics.records import delivery_lines, inspection_lots, request_records
from supplier_analytics.tables import evaluation_window

AS_OF = pd.Timestamp("2025-06-30")
BASE = pd.Timestamp("2025-01-01")
SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# one receipt: (supplier, po, line, ordered, received, promised day, offset of the receipt)
receipt = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.integers(0, 6),
    st.sampled_from(["1", "2"]),
    st.integers(1, 20),
    st.integers(-3, 25),
    st.integers(0, 170),
    st.integers(-8, 10),
)
inspection = st.tuples(
    st.sampled_from(["A", "B", "D"]),
    st.integers(0, 170),
    st.one_of(st.none(), st.integers(0, 500)),
    st.integers(0, 30),
    st.sampled_from(["X", "Y", None]),
)
request = st.tuples(
    st.sampled_from(["A", "C"]),
    st.sampled_from(["rfq", "complaint", "corrective_action"]),
    st.integers(0, 178),
    st.one_of(st.none(), st.integers(0, 200)),
    st.one_of(st.none(), st.integers(0, 60)),
)


def deliveries_frame(rows):
    df = pd.DataFrame(
        rows, columns=["supplier_id", "po", "line_id", "quantity_ordered", "quantity_received", "day", "offset"]
    )
    out = pd.DataFrame(
        {
            "supplier_id": df["supplier_id"],
            "po_id": df["supplier_id"] + "-" + df["po"].astype(str),
            "line_id": df["line_id"],
            "quantity_ordered": df["quantity_ordered"].astype(float),
            "quantity_received": df["quantity_received"].astype(float),
            "date_promised": BASE + pd.to_timedelta(df["day"], unit="D"),
            "date_received": BASE + pd.to_timedelta(df["day"] + df["offset"], unit="D"),
        }
    )
    # lines keep one ordered quantity and one promise; receipts differ
    key = ["po_id", "line_id"]
    out["quantity_ordered"] = out.groupby(key)["quantity_ordered"].transform("first")
    out["date_promised"] = out.groupby(key)["date_promised"].transform("first")
    out["date_received"] = out["date_promised"] + pd.to_timedelta(df["offset"], unit="D")
    return out


def inspections_frame(rows):
    df = pd.DataFrame(rows, columns=["supplier_id", "day", "inspected", "defective", "code"])
    insp = df["inspected"].astype("float64")
    return pd.DataFrame(
        {
            "supplier_id": df["supplier_id"],
            "date": BASE + pd.to_timedelta(df["day"], unit="D"),
            "quantity_inspected": insp,
            "quantity_defective": np.minimum(df["defective"].astype(float), insp.fillna(np.inf)),
            "defect_code": df["code"],
        }
    )


def requests_frame(rows):
    df = pd.DataFrame(rows, columns=["supplier_id", "request_type", "day", "hours", "closed"])
    sent = BASE + pd.to_timedelta(df["day"], unit="D") + pd.Timedelta(hours=9)
    return pd.DataFrame(
        {
            "supplier_id": df["supplier_id"],
            "request_id": [f"R{i}" for i in range(len(df))],
            "request_type": df["request_type"],
            "date_sent": sent,
            "date_responded": sent + pd.to_timedelta(df["hours"].astype("float64"), unit="h"),
            "date_closed": sent + pd.to_timedelta(df["closed"].astype("float64"), unit="D"),
        }
    )


def _stats(d, i, r, cfg):
    window = evaluation_window(AS_OF, cfg.periods.window_months)
    kw = dict(config=cfg, as_of=AS_OF, window=window)
    return aggregate(
        delivery_lines(d, **kw) if len(d) else None,
        inspection_lots(i, **kw) if len(i) else None,
        request_records(r, **kw) if len(r) else None,
        **kw,
    )


@SETTINGS
@given(
    st.lists(receipt, min_size=1, max_size=30),
    st.lists(inspection, max_size=10),
    st.lists(request, max_size=10),
    st.sampled_from([3, 0, "unlimited"]),
)
def test_rates_stay_in_zero_one_and_inside_their_intervals(receipts, lots, reqs, early):
    res = compute_metrics(
        deliveries_frame(receipts),
        inspections_frame(lots) if lots else None,
        requests_frame(reqs) if reqs else None,
        as_of=AS_OF,
        config={"delivery": {"early_tolerance_days": early, "in_full_tolerance": 0.1}},
    )
    for frame in (res.suppliers, res.periods):
        for r in RATES:
            v = frame[r].dropna()
            assert ((v >= 0) & (v <= 1)).all(), r
            ok = frame[r].notna()
            assert (frame.loc[ok, f"{r}_low"] <= frame.loc[ok, r] + 1e-12).all(), r
            assert (frame.loc[ok, f"{r}_high"] >= frame.loc[ok, r] - 1e-12).all(), r
            # undefined exactly where the denominator is 0
            assert (frame[r].isna() == (frame[f"{r}_n"] == 0)).all(), r
        assert (frame["ppm"].dropna() <= 1e6).all()


@SETTINGS
@given(
    st.lists(receipt, min_size=1, max_size=30),
    st.lists(inspection, max_size=10),
    st.lists(request, max_size=10),
    st.randoms(use_true_random=False),
)
@pytest.mark.slow
def test_row_order_does_not_matter(receipts, lots, reqs, rnd):
    d, i, r = deliveries_frame(receipts), inspections_frame(lots), requests_frame(reqs)

    def shuffled(df):
        idx = list(range(len(df)))
        rnd.shuffle(idx)
        return df.iloc[idx]

    args = lambda a, b, c: (a, b if len(b) else None, c if len(c) else None)  # noqa: E731
    one = compute_metrics(*args(d, i, r), as_of=AS_OF)
    two = compute_metrics(*args(shuffled(d), shuffled(i), shuffled(r)), as_of=AS_OF)
    pd.testing.assert_frame_equal(one.suppliers, two.suppliers, rtol=1e-9)
    pd.testing.assert_frame_equal(one.periods, two.periods, rtol=1e-9)
    pd.testing.assert_frame_equal(one.pareto, two.pareto, rtol=1e-9)


@SETTINGS
@given(
    st.lists(receipt, min_size=1, max_size=30),
    st.lists(inspection, max_size=10),
    st.lists(request, max_size=10),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["month", "week"]),
)
@pytest.mark.slow
def test_merged_halves_equal_the_whole(receipts, lots, reqs, seed, period):
    cfg = load_config({"periods": {"period": period}})
    d, i, r = deliveries_frame(receipts), inspections_frame(lots), requests_frame(reqs)
    rng = np.random.default_rng(seed)
    # receipts of one order line stay together: split by purchase order; other records split freely
    pos = d["po_id"].unique()
    left_po = set(pos[rng.random(len(pos)) < 0.5])
    dl = d["po_id"].isin(left_po).to_numpy()
    il, rl = rng.random(len(i)) < 0.5, rng.random(len(r)) < 0.5
    whole = _stats(d, i, r, cfg)
    merged = combine([_stats(d.loc[dl], i.loc[il], r.loc[rl], cfg), _stats(d.loc[~dl], i.loc[~il], r.loc[~rl], cfg)])
    assert merged.suppliers == whole.suppliers
    pd.testing.assert_frame_equal(supplier_metrics(merged), supplier_metrics(whole), rtol=1e-9)
    pd.testing.assert_frame_equal(period_metrics(merged), period_metrics(whole), rtol=1e-9)


@SETTINGS
@given(
    st.lists(receipt, min_size=1, max_size=30),
    st.integers(0, 170),
    st.sampled_from(["A", "B", "C"]),
    st.sampled_from(["calendar", "working"]),
)
@pytest.mark.slow
def test_one_more_on_time_delivery_never_lowers_the_on_time_rate(receipts, day, supplier, basis):
    cfg = {"delivery": {"day_basis": basis}}
    d = deliveries_frame(receipts)
    before = compute_metrics(d, as_of=AS_OF, config=cfg).suppliers.set_index("supplier_id")
    promised = BASE + pd.Timedelta(days=day)
    extra = pd.DataFrame(
        {
            "supplier_id": [supplier],
            "po_id": ["NEW"],
            "line_id": ["1"],
            "quantity_ordered": [5.0],
            "quantity_received": [5.0],
            "date_promised": [promised],
            "date_received": [promised],
        }
    )
    after = compute_metrics(pd.concat([d, extra], ignore_index=True), as_of=AS_OF, config=cfg).suppliers
    after = after.set_index("supplier_id")
    new, old = after.loc[supplier, "on_time_rate"], before["on_time_rate"].get(supplier, np.nan)
    assert after.loc[supplier, "n_deliveries"] == before["n_deliveries"].get(supplier, 0) + 1
    assert np.isnan(old) or new >= old
    assert after.loc[supplier, "otif_rate"] >= before["otif_rate"].get(supplier, 0.0) or np.isnan(
        before["otif_rate"].get(supplier, np.nan)
    )
