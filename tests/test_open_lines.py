"""Open order lines: ordered, no receipt by the as-of date (issue 13).

Hand-made cases: a line past due counts as late and not in full (so not OTIF), in the period of its
reference date; one not yet due counts nowhere; ``delivery.open_lines = "ignore"``; a receipt after
the as-of date leaves its line open at the as-of date; the counts reconcile from the rows read to the
lines judged; the chunked engine gives the figures of the one-piece run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.metrics import compute_metrics
from supplier_analytics.records import delivery_lines

AS_OF = "2025-03-20"

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def _lines():
    """P1 on time in full; P2 open, promised 10 March (past due); P3 open, promised 30 March (not due);
    P4 received on 5 April, after the as-of date (open at it, past due); P5 received short on time."""
    return pd.DataFrame(
        {
            "supplier_id": ["S1"] * 5,
            "po_id": ["P1", "P2", "P3", "P4", "P5"],
            "line_id": ["1"] * 5,
            "quantity_ordered": [10.0] * 5,
            "quantity_received": [10.0, None, None, 10.0, 5.0],
            "date_promised": pd.to_datetime(["2025-03-10", "2025-03-10", "2025-03-30", "2025-03-10", "2025-03-10"]),
            "date_received": pd.to_datetime(["2025-03-10", None, None, "2025-04-05", "2025-03-08"]),
        }
    )


def test_open_past_due_is_late_and_not_in_full_and_open_not_due_counts_nowhere():
    lines = delivery_lines(_lines(), as_of=AS_OF).set_index("po_id")
    assert lines["status"].astype(str).to_dict() == {
        "P1": "judged",
        "P5": "judged",
        "P2": "judged",
        "P3": "open",
        "P4": "judged",
    }
    assert lines.loc["P2", "open_state"] == "open past due" and lines.loc["P3", "open_state"] == "open, not yet due"
    assert lines.loc["P2", "days_late"] == 10.0  # 10 March to the as-of date: late by at least ten days
    assert str(lines.loc["P2", "period"]) == "2025-03"  # the period of its reference date
    assert not lines.loc["P2", "on_time"] and lines.loc["P2", "late"] and not lines.loc["P2", "in_full"]
    assert lines.loc["P5", "open_state"] is pd.NA  # short but received: judged as any line
    s = compute_metrics(_lines(), as_of=AS_OF).suppliers.iloc[0]
    # judged: P1 (on time, in full), P5 (on time, short), P2 and P4 (open past due)
    assert (s["n_deliveries"], s["n_open_past_due"], s["n_open_not_counted"]) == (4, 2, 1)
    assert (s["on_time_rate"], s["in_full_rate"], s["otif_rate"], s["late_rate"]) == (0.5, 0.25, 0.25, 0.5)
    # quantity on time: 10 (P1) + 5 (P5) of 40 ordered on the judged lines
    assert s["on_time_qty_rate"] == 15 / 40
    assert s["mean_days_late"] == (0 + 0 + 10 + 10) / 4


def test_open_lines_ignored():
    s = compute_metrics(_lines(), as_of=AS_OF, config={"delivery": {"open_lines": "ignore"}}).suppliers.iloc[0]
    assert (s["n_deliveries"], s["n_open_past_due"], s["n_open_not_counted"]) == (2, 0, 3)
    assert (s["on_time_rate"], s["in_full_rate"], s["otif_rate"]) == (1.0, 0.5, 0.5)
    lines = delivery_lines(_lines(), as_of=AS_OF, config={"delivery": {"open_lines": "ignore"}})
    assert lines.set_index("po_id").loc["P2", "open_state"] == "open past due, ignored (open_lines)"


def test_a_receipt_after_the_as_of_date_leaves_its_line_open():
    d = _lines().iloc[[3]]
    at = delivery_lines(d, as_of=AS_OF).iloc[0]
    assert (at["n_receipts"], at["open_state"], bool(at["late"]), bool(at["in_full"])) == (
        0,
        "open past due",
        True,
        False,
    )
    assert at["date_received"] is pd.NaT
    later = delivery_lines(d, as_of="2025-04-30").iloc[0]  # received by then: judged on its receipt
    assert (later["n_receipts"], later["days_late"], later["open_state"]) == (1, 26.0, pd.NA)
    # an open row next to a receipt is no open line: the receipt decides
    both = pd.concat([_lines().iloc[[1]], _lines().iloc[[0]].assign(po_id="P2")], ignore_index=True)
    line = delivery_lines(both, as_of=AS_OF)
    assert len(line) == 1 and bool(line["otif"].iloc[0]) and line["n_receipts"].iloc[0] == 1
    # a line ordered after the as-of date did not exist at it
    d = d.assign(date_ordered=pd.Timestamp("2025-03-25"))
    assert len(delivery_lines(d, as_of=AS_OF)) == 0


def test_counts_reconcile_from_the_rows_read_to_the_lines(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "supplier_id,po_id,line_id,quantity_ordered,quantity_received,date_promised,date_received\n"
        "S1,P1,1,10,10,2025-03-10,2025-03-10\n"
        "S1,P2,1,10,,2025-03-10,\n"
        "S1,P3,1,10,,2025-03-30,\n"
        "S1,P4,1,10,10,2025-03-10,2025-04-05\n"
        "S1,P5,1,10,5,2025-03-10,2025-03-08\n"
        "S1,P6,1,10,4,2025-03-10,\n"
        "S1,P7,1,10,,,\n"
    )
    r = sa.read_table(f, "deliveries")
    # P6 has a quantity but no receipt date, P7 no promised date (a required column): both rejected
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (7, 5, 2)
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    reason = r.rejected.loc[r.rejected["column"] == "date_received", "reason"].tolist()
    assert reason == [
        "date_received is empty but quantity_received is given: a receipt needs its date "
        "(leave both empty for an open line not received yet)"
    ]
    assert r.data["po_id"].tolist() == ["P1", "P2", "P3", "P4", "P5"]
    ex = pd.DataFrame(
        {"table": ["deliveries"], "supplier_id": ["S1"], "po_id": ["P2"], "reason_code": ["X"], "decided_by": ["me"]}
    )
    res = compute_metrics(r.data, as_of=AS_OF, exclusions=ex)
    s = res.suppliers.iloc[0]
    n_lines = len(res.lines)
    assert n_lines == 5  # P1, P2 (excluded), P3 (open, not due), P4 (open past due), P5
    assert s["n_deliveries"] + s["n_excluded_deliveries"] + s["n_not_judged_deliveries"] + s["n_open_not_counted"] == (
        n_lines
    )
    assert (s["n_deliveries"], s["n_excluded_deliveries"], s["n_open_not_counted"], s["n_open_past_due"]) == (
        3,
        1,
        1,
        1,
    )


def test_evidence_lists_open_lines_with_their_state():
    card = sa.score(deliveries=_lines(), as_of=AS_OF)
    e = sa.evidence(card, "S1", "otif_rate")
    assert len(e) == 5
    shown = e.set_index("po_id")
    assert shown.loc["P2", "open_state"] == "open past due" and shown.loc["P2", "counts_against"]
    assert shown.loc["P3", "status"] == "open" and not shown.loc["P3", "counts_in_metric"]
    e = sa.evidence(card, "S1", "n_open_past_due")
    assert sorted(e.loc[e["counts_against"], "po_id"]) == ["P2", "P4"]


def test_the_chunked_engine_gives_the_one_piece_figures_with_open_lines():
    d = sa.make_procurement_data(n_suppliers=12, n_deliveries=3_000, seed=3).deliveries
    rng = np.random.default_rng(0)
    opened = rng.random(len(d)) < 0.1
    d.loc[opened, ["date_received", "quantity_received"]] = None
    as_of = d["date_received"].max() - pd.Timedelta(days=40)
    one = compute_metrics(d, as_of=as_of)
    assert one.suppliers["n_open_past_due"].sum() > 0 and one.suppliers["n_open_not_counted"].sum() > 0
    chunked = compute_metrics(d, as_of=as_of, chunk_rows=500)
    pd.testing.assert_frame_equal(chunked.suppliers, one.suppliers, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(chunked.periods, one.periods, check_exact=False, rtol=1e-12)


def test_a_receipt_quantity_without_its_date_is_refused_when_tables_are_prepared():
    d = _lines()
    d.loc[1, "quantity_received"] = 4.0
    with pytest.raises(sa.ValidationError, match=r"1 required cells of the deliveries table are empty"):
        delivery_lines(d, as_of=AS_OF)


def test_regrouping_into_weeks_keeps_open_lines_where_the_judge_placed_them():
    # the open past-due lines P2 and P4 have no receipt date: they count in the week of their reference date
    # (10 March, ISO week 2025-03-10/2025-03-16) with P1 received that day; P5 was received on 8 March
    res = compute_metrics(_lines(), as_of=AS_OF)
    weeks = sa.period_series(res, "late_rate", period="week")
    busy = weeks.loc[weeks["n"] > 0]
    assert busy["period"].astype(str).tolist() == ["2025-03-03/2025-03-09", "2025-03-10/2025-03-16"]
    assert busy["k"].tolist() == [0, 2] and busy["n"].tolist() == [1, 3]  # the month's 2 of 4 late
