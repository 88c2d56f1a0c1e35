"""The judges: line keys, duplicates, receipts after the as-of date; a judge never prepares a table again."""

from __future__ import annotations

import pandas as pd
import pytest

from supplier_analytics import records
from supplier_analytics.metrics import compute_metrics
from supplier_analytics.records import (
    delivery_lines,
    inspection_lots,
    judge_deliveries,
    judge_inspections,
    judge_requests,
    request_records,
)
from supplier_analytics.tables import make_context, prepare_table

AS_OF = pd.Timestamp("2025-03-31")


def frame(**cols):
    df = pd.DataFrame(cols)
    for c in df.columns:
        if c.startswith("date"):
            df[c] = pd.to_datetime(df[c])
    return df


def test_line_key_falls_back_to_item_then_to_the_row():
    d = frame(
        supplier_id=["S1"] * 4,
        po_id=["P1"] * 4,
        item=["A", "A", "B", None],
        quantity_ordered=[10.0] * 4,
        quantity_received=[5.0, 5.0, 10.0, 10.0],
        date_promised=["2025-03-10"] * 4,
        date_received=["2025-03-09", "2025-03-10", "2025-03-10", "2025-03-10"],
    )
    lines = delivery_lines(d, as_of=AS_OF)
    assert lines[["item", "n_receipts", "quantity_received"]].values.tolist() == [
        ["A", 2, 10.0],
        ["B", 1, 10.0],
        [pd.NA, 1, 10.0],
    ]
    with_line = d.assign(line_id=["1", "2", "3", "4"])
    assert len(delivery_lines(with_line, as_of=AS_OF)) == 4


def test_the_same_receipt_id_on_two_lines_is_not_a_duplicate():
    d = frame(
        supplier_id=["S1", "S1"],
        po_id=["P1", "P1"],
        line_id=["1", "2"],
        quantity_ordered=[1.0, 1.0],
        quantity_received=[1.0, 1.0],
        date_promised=["2025-03-10"] * 2,
        date_received=["2025-03-10"] * 2,
        receipt_id=["GR1", "GR1"],
    )
    lines = delivery_lines(d, as_of=AS_OF)
    assert lines["n_duplicate_receipts"].tolist() == [0, 0]
    assert len(lines) == 2


def test_receipts_after_as_of_are_dropped_before_combining():
    d = frame(
        supplier_id=["S1", "S1"],
        po_id=["P1", "P1"],
        line_id=["1", "1"],
        quantity_ordered=[10.0, 10.0],
        quantity_received=[5.0, 5.0],
        date_promised=["2025-03-10"] * 2,
        date_received=["2025-03-10", "2025-04-02"],
    )
    lines = delivery_lines(d, as_of=AS_OF)
    assert lines.attrs["receipts_after_as_of"] == 1
    assert (lines["quantity_received"].iloc[0], bool(lines["in_full"].iloc[0])) == (5.0, False)


def test_a_judge_takes_the_prepared_table_and_the_context_and_prepares_nothing(monkeypatch):
    d = frame(
        supplier_id=["S1", "S1", "S2"],
        po_id=["P1", "P1", "P2"],
        line_id=["1", "1", "1"],
        quantity_ordered=[10.0, 10.0, 5.0],
        quantity_received=[4.0, 6.0, 5.0],
        date_promised=["2025-03-10"] * 3,
        date_received=["2025-03-08", "2025-03-12", "2025-03-10"],
    )
    i = frame(supplier_id=["S1"], date=["2025-03-05"], quantity_inspected=[10.0], quantity_defective=[1.0])
    r = frame(supplier_id=["S2"], request_id=["R1"], request_type=["rfq"], date_sent=["2025-03-05 08:00"])
    ex = frame(
        table=["deliveries"],
        supplier_id=["S2"],
        po_id=["P2"],
        reason_code=["STRIKE"],
        decided_by=["buyer"],
    )
    expected = (
        delivery_lines(d, as_of=AS_OF, exclusions=ex),
        inspection_lots(i, as_of=AS_OF, exclusions=ex),
        request_records(r, as_of=AS_OF, exclusions=ex),
    )
    prepared = [prepare_table(d, "deliveries"), prepare_table(i, "inspections"), prepare_table(r, "requests")]
    context = make_context(as_of=AS_OF, exclusions=ex)

    def boom(*args, **kwargs):
        raise AssertionError("a judge prepared a table again")

    monkeypatch.setattr(records, "prepare_table", boom)
    got = (
        judge_deliveries(prepared[0], context),
        judge_inspections(prepared[1], context),
        judge_requests(prepared[2], context),
    )
    for g, e in zip(got, expected):
        pd.testing.assert_frame_equal(g, e)
    assert got[0]["status"].tolist() == ["judged", "excluded"]
    with pytest.raises(AssertionError, match="prepared a table again"):
        delivery_lines(d, as_of=AS_OF)  # the convenience wrapper is the one that prepares


def test_an_exclusions_table_without_line_id_excuses_whole_orders_and_the_counts_reconcile():
    d = frame(
        supplier_id=["S1", "S1", "S1", "S2"],
        po_id=["P1", "P1", "P2", "P1"],  # S2 has a P1 too: an exclusion names the supplier's order only
        line_id=["1", "2", "1", "1"],
        quantity_ordered=[10.0] * 4,
        quantity_received=[10.0] * 4,
        date_promised=["2025-03-10"] * 4,
        date_received=["2025-03-08", "2025-03-12", "2025-03-10", "2025-03-10"],
    )
    ex = frame(table=["deliveries"], supplier_id=["S1"], po_id=["P1"], reason_code=["STRIKE"], decided_by=["buyer"])
    assert "line_id" not in ex.columns
    lines = delivery_lines(d, as_of=AS_OF, exclusions=ex)
    assert lines[["supplier_id", "po_id", "line_id", "status"]].values.tolist() == [
        ["S1", "P1", "1", "excluded"],
        ["S1", "P1", "2", "excluded"],
        ["S1", "P2", "1", "judged"],
        ["S2", "P1", "1", "judged"],
    ]
    assert lines["exclusion_reason"].tolist() == ["STRIKE", "STRIKE", pd.NA, pd.NA]
    lean = delivery_lines(d, as_of=AS_OF, exclusions=ex, evidence=False)  # the statistics' path
    assert lean["excluded"].tolist() == lines["excluded"].tolist() == [True, True, False, False]

    sup = compute_metrics(deliveries=d, exclusions=ex, as_of=AS_OF).suppliers.set_index("supplier_id")
    assert sup["n_excluded_deliveries"].to_dict() == {"S1": 2, "S2": 0}
    assert sup["n_deliveries"].to_dict() == {"S1": 1, "S2": 1}
    counted = sup[["n_deliveries", "n_excluded_deliveries", "n_not_judged_deliveries"]].sum(axis=1)
    assert counted.to_dict() == lines.groupby("supplier_id").size().to_dict()
