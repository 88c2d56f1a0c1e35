"""Nothing read quietly wrong: ambiguous dotted dates, headers that are nearly right, mapped headers that are absent."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from supplier_analytics import read_table
from supplier_analytics.errors import DataWarning, InputError, ValidationError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

D = pd.Timestamp


def _csv(tmp_path, promised, received, name="d.csv"):
    f = tmp_path / name
    rows = [f"V1;P{i};1;{p};{r}" for i, (p, r) in enumerate(zip(promised, received))]
    f.write_text("Vendor;PO;Qty Ordered;Promised Date;Receipt Date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_dotted_dates_that_read_both_ways_are_an_error_like_slashed_dates(tmp_path):
    f = _csv(tmp_path, ["2025-03-01", "2025-03-01"], ["03.04.2025", "05.06.2025"])
    with pytest.raises(
        ValidationError,
        match=r"^d\.csv: the dates in date_received \('Receipt Date'\) can be read day-first or month-first "
        r"\(e\.g\. '03\.04\.2025', '05\.06\.2025'\); set dayfirst = true \(dotted dates are usually day-first\) "
        r"or false under \[deliveries\] in the mapping",
    ):
        read_table(f, "deliveries")
    mapped = read_table(f, "deliveries", mapping={"deliveries": {"dayfirst": True}})
    assert mapped.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-05")]
    assert "dates in date_received read day-first (from the mapping)" in mapped.notes
    month_first = read_table(f, "deliveries", mapping={"deliveries": {"dayfirst": False}})
    assert month_first.data["date_received"].tolist() == [D("2025-03-04"), D("2025-05-06")]


def test_dotted_dates_decided_by_a_day_above_12_in_the_column_or_another_column(tmp_path):
    own = read_table(_csv(tmp_path, ["2025-03-01"] * 2, ["03.04.2025", "13.06.2025"]), "deliveries")
    assert own.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-13")]
    assert "dates in date_received read day-first (decided from the data)" in own.notes
    other = read_table(_csv(tmp_path, ["20.02.2025", "01.03.2025"], ["03.04.2025", "05.06.2025"]), "deliveries")
    assert other.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-05")]
    assert "dates in date_received read day-first (as decided for the other date columns)" in other.notes
    # the same day and month, or a "month" above 12 (no date), leave nothing to decide
    same = read_table(_csv(tmp_path, ["2025-03-01"] * 2, ["03.03.2025", "01.13.2025"]), "deliveries")
    assert same.data["date_received"].tolist() == [D("2025-03-03")]
    assert same.rejected["reason"].tolist() == ["not a valid date (no such day or month)"]


# ----------------------------------------------------------------- headers nearly right

HEADER = "Vendor,PO Number,Qty Ordered,{received},Promised Date,Receipt Date,Receipt"
ROW = "V1,P1,5,5,2025-01-02,2025-01-03,R1"


def _gr(tmp_path, received="qty_recieved"):
    f = tmp_path / "gr.csv"
    f.write_text(HEADER.format(received=received) + "\n" + ROW + "\n", encoding="utf-8")
    return f


def test_a_misspelt_optional_header_warns_with_the_suggestion_and_what_is_lost(tmp_path):
    with pytest.warns(DataWarning) as caught:
        r = read_table(_gr(tmp_path), "deliveries")
    note = (
        "column 'qty_recieved' is not used; did you mean quantity_received ('Qty Received')? Without it no in-full "
        'figure is computed. If so, name it in the mapping: [deliveries.columns] quantity_received = "qty_recieved".'
    )
    assert [str(w.message) for w in caught] == [f"gr.csv: {note}"]
    assert note in r.notes and "quantity_received" not in r.data
    # 'Receipt' merely shortens 'Receipt No' (receipt_id): a different label, not a typo; no word about it
    assert not any("'Receipt' is not used" in n for n in r.notes)
    # the same header mapped is read, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapped = read_table(
            _gr(tmp_path), "deliveries", mapping={"deliveries": {"columns": {"quantity_received": "qty_recieved"}}}
        )
    assert mapped.data["quantity_received"].tolist() == [5.0]


def test_the_samples_give_no_close_header_warning():
    cases = [
        (SAMPLE / f"{t}.csv", t, None) for t in ("deliveries", "inspections", "requests", "suppliers", "exclusions")
    ]
    for name in ("sap_goods_receipts", "erp_export_en"):
        for m in (None, SAMPLE / "mappings" / f"{name}.toml"):
            cases.append((SAMPLE / "exports" / f"{name}.xlsx", "deliveries", m))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path, table, mapping in cases:
            r = read_table(path, table, mapping=mapping)
            assert not [n for n in r.notes if "did you mean" in n], path


def test_a_mapped_header_that_is_absent_lists_the_close_matches(tmp_path):
    f = _gr(tmp_path, received="Qty Received")
    with pytest.raises(
        InputError,
        match=r"^\[deliveries\.columns\] quantity_received = 'Qty Recvd' names a header not in gr\.csv "
        r"\(close matches: 'Qty Received'.*\); correct the mapping to one of the headers found \('Vendor', ",
    ):
        read_table(f, "deliveries", mapping={"deliveries": {"columns": {"quantity_received": "Qty Recvd"}}})
    with pytest.raises(InputError, match=r"'Nothing like it' names a header not in gr\.csv \(no header is close"):
        read_table(f, "deliveries", mapping={"deliveries": {"columns": {"site": "Nothing like it"}}})


def test_a_misspelt_required_header_is_named_in_the_error(tmp_path):
    f = tmp_path / "gr.csv"
    f.write_text("Vendor,PO Number,Qty Oredered,Promised Date,Receipt Date\nV1,P1,5,2025-01-02,2025-01-03\n")
    with pytest.raises(
        InputError,
        match=r"lacks the required deliveries column quantity_ordered \(headers found: .*; "
        r"'Qty Oredered' may be quantity_ordered\); add a mapping",
    ):
        read_table(f, "deliveries")
