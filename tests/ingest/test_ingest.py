"""Import of real exports: each messy case is a small file built here, with hand-checkable expectations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from supplier_analytics import (
    ColumnMapping,
    ImportResult,
    ValidationReport,
    read_mapping,
    read_table,
    validate_files,
)
from supplier_analytics.errors import ConfigError, InputError, ValidationError

D = pd.Timestamp


def write_xlsx(path, rows, *, sheet="Sheet1", merges=(), more=None):
    """A workbook whose first sheet holds ``rows`` (row 1 first); ``more`` adds sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    for name, rs in (more or {}).items():
        w2 = wb.create_sheet(name)
        for r in rs:
            w2.append(list(r))
    wb.save(path)
    return path


def check_counts(r: ImportResult) -> None:
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.rows_accepted == len(r.data)
    assert r.rows_rejected == r.rejected["row"].nunique()


def rejected(r: ImportResult) -> list[tuple]:
    return list(r.rejected[["row", "column", "reason"]].itertuples(index=False, name=None))


DELIV_HEADER = ["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date"]


# --------------------------------------------------------------------------- xlsx
def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_xlsx_title_rows_numeric_ids_and_real_date_cells(tmp_path):
    f = write_xlsx(
        tmp_path / "gr.xlsx",
        [
            ["Goods receipts April"],
            ["Plant 1000, created by EINKAUF01"],
            [],
            DELIV_HEADER + ["Remark"],
            [123.0, "4500000001", 10, dt.datetime(2025, 4, 1), dt.datetime(2025, 4, 2, 15, 30)],
            [" 000456 ", 4500000002, 2.5, dt.date(2025, 4, 3), dt.date(2025, 4, 3), "late"],
        ],
    )
    r = read_table(f, "deliveries")
    expected = pd.DataFrame(
        {
            "supplier_id": pd.array(["123", "000456"], dtype="string"),
            "po_id": pd.array(["4500000001", "4500000002"], dtype="string"),
            "quantity_ordered": [10.0, 2.5],
            "date_promised": pd.to_datetime(["2025-04-01", "2025-04-03"]).astype("datetime64[ns]"),
            "date_received": pd.to_datetime(["2025-04-02", "2025-04-03"]).astype("datetime64[ns]"),
        }
    )
    pd.testing.assert_frame_equal(r.data.drop(columns=["source_file", "source_sheet", "source_row"]), expected)
    assert r.data["source_row"].tolist() == [5, 6]
    assert r.data["source_row"].dtype == "int64"
    assert r.data["source_file"].dtype == "category" and set(r.data["source_file"]) == {"gr.xlsx"}
    assert list(r.data["source_sheet"]) == ["Sheet1", "Sheet1"]
    assert (r.header_row, r.sheet, r.source) == (4, "Sheet1", "gr.xlsx")
    assert r.column_map == {
        "supplier_id": "Vendor",
        "po_id": "PO Number",
        "quantity_ordered": "Qty Ordered",
        "date_promised": "Promised Date",
        "date_received": "Receipt Date",
    }
    assert "header found on row 4" in r.notes
    assert "time of day dropped from 1 value of date_received (a date column)" in r.notes
    assert "columns not used: 'Remark'" in r.notes
    assert "line_id" not in r.data  # optional columns absent from the file are not invented
    check_counts(r)
    assert "rows read 2 = 2 accepted + 0 rejected" in repr(r)


def test_several_sheets_first_matching_by_default_and_sheet_option(tmp_path):
    f = write_xlsx(
        tmp_path / "wb.xlsx",
        [["Overview"], ["nothing to see"]],
        sheet="Info",
        more={
            "Receipts": [DELIV_HEADER, ["V1", "P1", 1, "2025-01-02", "2025-01-03"]],
            "Receipts old": [DELIV_HEADER, ["V9", "P9", 9, "2024-01-02", "2024-01-03"]],
        },
    )
    assert read_table(f, "deliveries").data["supplier_id"].tolist() == ["V1"]
    r = read_table(f, "deliveries", sheet="Receipts old")
    assert (r.sheet, r.data["supplier_id"].tolist(), r.data["source_row"].tolist()) == ("Receipts old", ["V9"], [2])
    assert read_table(f, "deliveries", mapping={"deliveries": {"sheet": "Receipts old"}}).sheet == "Receipts old"
    with pytest.raises(InputError, match=r"wb.xlsx has no sheet 'Nope' \(sheets: Info, Receipts, Receipts old\)"):
        read_table(f, "deliveries", sheet="Nope")
    with pytest.raises(InputError, match=r"wb.xlsx \(sheet 'Info'\) lacks the required deliveries columns"):
        read_table(f, "deliveries", sheet="Info")


def test_two_row_header_with_merged_group_label(tmp_path):
    f = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["Report"],
            ["Vendor", "PO", "Quantity", None, "Promised Date", "Receipt Date"],
            [None, None, "Ordered", "Received", None, None],
            ["V1", "P1", 10, 8, "2025-01-02", "2025-01-03"],
            ["V2", "P2", 5, 5, "2025-01-04", "2025-01-04"],
        ],
        merges=["C2:D2", "A2:A3", "B2:B3", "E2:E3", "F2:F3"],
    )
    r = read_table(f, "deliveries")
    assert r.header_row == 2
    assert r.column_map["quantity_ordered"] == "Quantity Ordered"
    assert r.column_map["quantity_received"] == "Quantity Received"
    assert r.data["quantity_ordered"].tolist() == [10.0, 5.0]
    assert r.data["quantity_received"].tolist() == [8.0, 5.0]
    assert r.data["source_row"].tolist() == [4, 5]
    assert "header found on rows 2-3 (two header rows combined)" in r.notes
    check_counts(r)


def test_two_row_header_in_csv_without_merge_information(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("Vendor,PO,Qty,,Promised Date,Receipt Date\n,,Ordered,Received,,\nV1,P1,10,8,2025-01-02,2025-01-03\n")
    r = read_table(f, "deliveries")
    assert (r.data["quantity_ordered"].tolist(), r.data["quantity_received"].tolist()) == ([10.0], [8.0])
    assert r.data["source_row"].tolist() == [3]


def test_header_cell_merged_across_two_columns_takes_the_column_with_data(tmp_path):
    f = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["Vendor", "PO", "Qty Ordered", "Promised Date", None, "Receipt Date"],
            ["V1", "P1", 3, None, "2025-01-02", "2025-01-03"],
            ["V2", "P2", 4, None, "2025-01-05", "2025-01-06"],
        ],
        merges=["D1:E1"],
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-01-02"), D("2025-01-05")]
    assert r.column_letters["date_promised"] == "E"
    check_counts(r)


def test_blank_rows_and_totals_rows_are_skipped_and_reported(tmp_path):
    f = write_xlsx(
        tmp_path / "t.xlsx",
        [
            DELIV_HEADER,
            ["V1", "P1", 10, "2025-01-02", "2025-01-03"],
            [],
            ["V2", "P2", 5, "2025-01-04", "2025-01-04"],
            ["Summe", None, 15, None, None],
            [None, None, 15, None, None],
        ],
    )
    r = read_table(f, "deliveries")
    assert r.data["source_row"].tolist() == [2, 4]
    assert r.skipped[["row", "reason"]].values.tolist() == [
        [3, "blank row"],
        [5, "totals row"],
        [6, "no ids or dates below the data (totals or a note)"],
    ]
    assert "totals row 5 skipped" in r.notes
    assert "1 blank line skipped" in r.notes
    assert (r.rows_read, r.rows_rejected) == (2, 0)
    check_counts(r)


@pytest.mark.parametrize("label", ["Total", "Grand total", "Gesamt", "Gesamtergebnis", "TOTAL:"])
def test_totals_labels(tmp_path, label):
    f = write_xlsx(
        tmp_path / "t.xlsx", [DELIV_HEADER, ["V1", "P1", 1, "2025-01-02", "2025-01-03"], [label, None, 1, None, None]]
    )
    r = read_table(f, "deliveries")
    assert r.skipped["reason"].tolist() == ["totals row"] and r.rows_read == 1


# --------------------------------------------------------------------------- dates
def test_excel_serial_dates_and_the_1900_leap_year_bug(tmp_path):
    f = write_xlsx(
        tmp_path / "s.xlsx",
        [
            DELIV_HEADER,
            ["V1", "P1", 1, 45658, 45658.75],  # 2025-01-01; the time is dropped in a date column
            ["V1", "P2", 1, 61, 45659],  # 61 = 1900-03-01
            ["V1", "P3", 1, 59, 45659],  # 59 shows as 1900-02-28 in Excel
            ["V1", "P4", 1, 1, 45659],  # 1 shows as 1900-01-01
            ["V1", "P5", 1, 60, 45659],  # 60 = 1900-02-29, which does not exist
            ["V1", "P6", 1, 0, 45659],
        ],
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-01-01"), D("1900-03-01"), D("1900-02-28"), D("1900-01-01")]
    assert r.data["date_received"].tolist() == [D("2025-01-01"), D("2025-01-02"), D("2025-01-02"), D("2025-01-02")]
    assert rejected(r) == [
        (6, "date_promised", "Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)"),
        (7, "date_promised", "date out of range (before 1900-01-01 or after 2100-12-31)"),
    ]
    assert "10 Excel serial numbers in date_received read as dates" not in r.notes
    check_counts(r)


def test_datetime_columns_keep_the_time_and_request_types_are_normalised(tmp_path):
    f = write_xlsx(
        tmp_path / "r.xlsx",
        [
            ["Vendor", "Ticket", "Type", "Sent", "Responded"],
            ["V1", "T1", "RFQ", dt.datetime(2025, 3, 1, 9, 15), "2025-03-01 17:45"],
            ["V1", "T2", "Reklamation", "13.03.2025 08:00", "N/A"],  # day 13: day-first
            ["V1", "T3", "8D", 45718.5, None],  # serial 45718 = 2025-03-02
            ["V1", "T4", "Audit", "2025-03-02", None],
            ["V1", "T5", "Request for quotation", "2025-03-02", None],
        ],
    )
    r = read_table(f, "requests")
    assert r.data["request_type"].tolist() == ["rfq", "complaint", "corrective_action", "audit", "rfq"]
    assert r.data["date_sent"].tolist() == [
        D("2025-03-01 09:15"),
        D("2025-03-13 08:00"),
        D("2025-03-02 12:00"),
        D("2025-03-02"),
        D("2025-03-02"),
    ]
    assert r.data["date_responded"].iloc[0] == D("2025-03-01 17:45")
    assert r.data["date_responded"].iloc[1:].isna().all()
    assert "1 placeholder value in date_responded read as empty" in r.notes
    assert r.data["date_sent"].dtype == "datetime64[ns]"
    check_counts(r)


def test_text_dates_in_several_formats(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor;PO;Qty Ordered;Promised Date;Receipt Date;Order Date\n"
        "V1;P1;1;2025-03-04;14.03.2025;01-Mär-25\n"
        "V1;P2;1;2025-03-04T10:00:00;14.3.25;1-Mar-2025\n"
        "V1;P3;1;20250304;14.03.2025 13:00;01. Dez 2024\n"
        "V1;P4;1;Mar 4, 2025;14.03.2025;3 Oct 24\n",
        encoding="utf-8",
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-03-04")] * 4
    assert r.data["date_received"].tolist() == [D("2025-03-14")] * 4
    assert r.data["date_ordered"].tolist() == [D("2025-03-01"), D("2025-03-01"), D("2024-12-01"), D("2024-10-03")]
    check_counts(r)


def test_slashed_dates_day_first_decided_by_a_value_above_12(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,03/04/2025,2025-01-01\nV1,P2,1,13/04/2025,2025-01-01\n"
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-04-03"), D("2025-04-13")]
    assert "dates in date_promised read day-first (decided from the data)" in r.notes


def test_slashed_dates_month_first_and_invalid_day_rejected(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,03/04/2025,2025-01-01\nV1,P2,1,04/13/2025,2025-01-01\nV1,P3,1,02/30/2025,2025-01-01\n"
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-03-04"), D("2025-04-13")]
    assert rejected(r) == [(4, "date_promised", "not a valid date (no such day or month)")]
    check_counts(r)


def test_ambiguous_slashed_dates_are_an_error_asking_for_dayfirst(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,03/04/2025,2025-01-01\nV1,P2,1,05/06/2025,2025-01-01\n"
    )
    with pytest.raises(
        ValidationError,
        match=r"d.csv: the dates in date_promised \('Promised Date'\) can be read "
        r"day-first or month-first \(e.g. '03/04/2025', '05/06/2025'\); set dayfirst",
    ) as info:
        read_table(f, "deliveries")
    assert info.value.failure_cases["column"].tolist() == ["date_promised"]
    r = read_table(f, "deliveries", mapping={"deliveries": {"dayfirst": False}})
    assert r.data["date_promised"].tolist() == [D("2025-03-04"), D("2025-05-06")]
    r = read_table(f, "deliveries", mapping={"deliveries": {"date_formats": {"date_promised": "%d/%m/%Y"}}})
    assert r.data["date_promised"].tolist() == [D("2025-04-03"), D("2025-06-05")]


def test_ambiguous_column_follows_another_date_column_of_the_file(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,03/04/2025,25/04/2025\nV1,P2,1,05/06/2025,07/06/2025\n"
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2025-04-03"), D("2025-06-05")]
    assert "dates in date_promised read day-first (as decided for the other date columns)" in r.notes


def test_date_formats_from_the_mapping_with_german_month_names(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,05-Mär-25,2025-01-01\nV1,P2,1,05-Dez-25,2025-01-01\nV1,P3,1,2025-12-05,2025-01-01\n"
    )
    m = {"deliveries": {"date_formats": {"date_promised": "%d-%b-%y"}}}
    r = read_table(f, "deliveries", mapping=m)
    assert r.data["date_promised"].tolist() == [D("2025-03-05"), D("2025-12-05")]
    assert rejected(r) == [(4, "date_promised", "not a date in the format %d-%b-%y")]


def test_placeholders_in_optional_and_required_date_columns(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Requested Date,Promised Date,Receipt Date\n"
        "V1,P1,1,N/A,2025-01-01,2025-01-02\n"
        "V1,P2,1,Date Not Captured,2025-01-01,2025-01-02\n"
        "V1,P3,1,00.00.0000,TBD,2025-01-02\n"
        "V1,P4,1,-,2025-01-01,\n"
    )
    r = read_table(f, "deliveries")
    assert r.data["po_id"].tolist() == ["P1", "P2"]
    assert r.data["date_requested"].isna().all()
    assert "4 placeholder values in date_requested read as empty" in r.notes
    assert rejected(r) == [
        (4, "date_promised", "placeholder instead of a value in a required column"),
        (5, "date_received", "missing value in a required column"),
    ]
    assert r.rejected["value"].tolist() == ["TBD", ""]
    check_counts(r)


def test_dates_out_of_range_are_rejected_per_row(tmp_path):
    f = write_xlsx(
        tmp_path / "d.xlsx",
        [
            DELIV_HEADER,
            ["V1", "P1", 1, "1899-12-31", "2025-01-01"],
            ["V1", "P2", 1, "2101-01-01", "2025-01-01"],
            ["V1", "P3", 1, dt.datetime(1850, 1, 1), "2025-01-01"],  # Excel cannot hold it: read back as a time
            ["V1", "P4", 1, "2100-12-31", "2025-01-01"],
        ],
    )
    r = read_table(f, "deliveries")
    assert r.data["date_promised"].tolist() == [D("2100-12-31")]
    reason = "date out of range (before 1900-01-01 or after 2100-12-31)"
    assert rejected(r) == [
        (2, "date_promised", reason),
        (3, "date_promised", reason),
        (4, "date_promised", "not a date (the cell holds a time, duration or true/false)"),
    ]


# --------------------------------------------------------------------------- numbers
def test_decimal_commas_thousands_and_negative_notations(tmp_path):
    f = tmp_path / "n.csv"
    f.write_text(
        "Vendor;PO;Qty Ordered;Received Qty;Value;Promised Date;Receipt Date\n"
        "V1;P1;1.234,50;1.234,50-;1,234.50;2025-01-01;2025-01-01\n"
        "V1;P2;1 234,5;(10,5);€ 12.50;2025-01-01;2025-01-01\n"
        "V1;P3;7;0,25;12.00 EUR;2025-01-01;2025-01-01\n",
        encoding="utf-8",
    )
    r = read_table(f, "deliveries")
    assert r.data["quantity_ordered"].tolist() == [1234.5, 1234.5, 7.0]
    assert r.data["quantity_received"].tolist() == [-1234.5, -10.5, 0.25]
    assert r.data["value"].tolist() == [1234.5, 12.5, 12.0]
    check_counts(r)


def test_bad_numbers_are_rejected_with_reasons(tmp_path):
    f = tmp_path / "n.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Received Qty,Value,Promised Date,Receipt Date\n"
        "V1,P1,nan,1,1,2025-01-01,2025-01-01\n"
        "V1,P2,inf,1,1,2025-01-01,2025-01-01\n"
        "V1,P3,-5,-5,1 USD,2025-01-01,2025-01-01\n"
        "V1,P4,12 kg,1,5 USD,2025-01-01,2025-01-01\n"
        "V1,P5,abc,1,5 EUR,2025-01-01,2025-01-01\n"
        "V1,P6,3,1,,2025-01-01,2025-01-01\n"
    )
    r = read_table(f, "deliveries")
    assert rejected(r) == [
        (2, "quantity_ordered", "not a number"),
        (3, "quantity_ordered", "not a number"),
        (4, "quantity_ordered", "negative value not allowed"),
        (6, "quantity_ordered", "not a number"),
        (6, "value", "unit or currency differs from the column's USD"),
    ]
    # a single consistent unit is stripped; a negative received quantity (a reversal) is fine
    pd.testing.assert_frame_equal(
        r.data[["po_id", "quantity_ordered", "value"]],
        pd.DataFrame(
            {"po_id": pd.array(["P4", "P6"], dtype="string"), "quantity_ordered": [12.0, 3.0], "value": [5.0, np.nan]}
        ),
    )
    check_counts(r)


def test_ambiguous_thousands_column_needs_the_mapping_or_another_column(tmp_path):
    f = tmp_path / "n.csv"
    f.write_text(
        "Vendor;PO;Qty Ordered;Promised Date;Receipt Date\n"
        "V1;P1;1,000;2025-01-01;2025-01-01\nV1;P2;2,500;2025-01-01;2025-01-01\n"
    )
    with pytest.raises(
        ValidationError,
        match=r"the numbers in quantity_ordered \('Qty Ordered'\) look like "
        r"1,000 or 1.000, which may mean one or one thousand; set decimal",
    ):
        read_table(f, "deliveries")
    r = read_table(f, "deliveries", mapping={"deliveries": {"decimal": ","}})
    assert r.data["quantity_ordered"].tolist() == [1.0, 2.5]
    r = read_table(f, "deliveries", mapping={"deliveries": {"decimal": "."}})
    assert r.data["quantity_ordered"].tolist() == [1000.0, 2500.0]
    g = tmp_path / "n2.csv"
    g.write_text("Vendor;PO;Qty Ordered;Value;Promised Date;Receipt Date\nV1;P1;1,000;12,5;2025-01-01;2025-01-01\n")
    r = read_table(g, "deliveries")
    assert r.data["quantity_ordered"].tolist() == [1.0]
    assert "quantity_ordered: decimal comma taken from the other number columns" in r.notes


# --------------------------------------------------------------------------- CSV
@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(tmp_path, delim):
    f = tmp_path / "d.csv"
    lines = [
        "Export of receipts",
        "",
        delim.join(DELIV_HEADER),
        delim.join(["000123", "P1", "5", "2025-01-02", "2025-01-03"]),
    ]
    f.write_text("\n".join(lines) + "\n")
    r = read_table(f, "deliveries")
    assert r.data["supplier_id"].tolist() == ["000123"]  # ids stay text with their leading zeros
    assert r.data["source_row"].tolist() == [4]
    assert r.header_row == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_csv_encodings(tmp_path, encoding):
    f = tmp_path / "d.csv"
    text = "Lieferant;Bestellung;Bestellmenge;Liefertermin;Wareneingang;Werk\nV1;P1;5;13.01.2025;14.01.2025;Nürnberg\n"
    f.write_bytes(text.encode(encoding))
    r = read_table(f, "deliveries")
    assert r.data["site"].tolist() == ["Nürnberg"]
    assert r.column_map["supplier_id"] == "Lieferant"
    assert r.data["date_received"].tolist() == [D("2025-01-14")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_csv_line_endings_and_quoted_newlines(tmp_path, newline):
    f = tmp_path / "d.csv"
    rows = [
        ",".join(DELIV_HEADER + ["Site"]),
        'V1,P1,5,2025-01-02,2025-01-03,"Hall 1' + newline + 'Gate 2"',
        "V2,P2,6,2025-01-02,2025-01-03,Hall 3",
    ]
    f.write_bytes(newline.join(rows).encode() + newline.encode())
    r = read_table(f, "deliveries")
    assert r.data["site"].tolist() == ["Hall 1" + newline + "Gate 2", "Hall 3"]
    assert r.data["source_row"].tolist() == [2, 4]  # the record with the embedded newline spans lines 2-3


def test_csv_header_only_is_zero_rows_and_empty_file_is_an_error(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text(",".join(DELIV_HEADER) + "\n")
    r = read_table(f, "deliveries")
    assert (r.rows_read, len(r.data), list(r.data.columns)[:2]) == (0, 0, ["supplier_id", "po_id"])
    assert r.data["quantity_ordered"].dtype == "float64"
    e = tmp_path / "e.csv"
    e.write_text("")
    with pytest.raises(InputError, match=r"^Cannot read e.csv: the file is empty; export the data again"):
        read_table(e, "deliveries")


# --------------------------------------------------------------------------- parquet
def test_parquet_columns_are_mapped_and_rows_numbered_from_one(tmp_path):
    f = tmp_path / "d.parquet"
    pd.DataFrame(
        {
            "Vendor": ["V1", "V2", None],
            "PO Number": ["P1", "P2", "P3"],
            "Qty Ordered": [1.5, -2.0, 3.0],
            "Promised Date": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-04"]),
            "Receipt Date": ["2025-01-02", "2025-01-03", "2025-01-04"],
        }
    ).to_parquet(f)
    r = read_table(f, "deliveries")
    assert r.header_row is None and r.sheet is None
    assert r.data["supplier_id"].tolist() == ["V1"]
    assert r.data["date_received"].tolist() == [D("2025-01-02")]
    assert rejected(r) == [
        (2, "quantity_ordered", "negative value not allowed"),
        (3, "supplier_id", "missing value in a required column"),
    ]
    check_counts(r)


# --------------------------------------------------------------------------- unreadable / unmapped
def test_missing_required_column_names_file_column_headers_and_what_to_do(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("Vendor,PO,Qty Ordered,Promised Date,Arrived\nV1,P1,1,2025-01-01,2025-01-02\n")
    with pytest.raises(
        InputError,
        match=r"^d.csv lacks the required deliveries column date_received \(headers found: "
        r"'Vendor', 'PO', 'Qty Ordered', 'Promised Date', 'Arrived'\); add a mapping that names the "
        r"header, e.g. \[deliveries.columns\] date_received = \"<your header>\"\.$",
    ):
        read_table(f, "deliveries")
    r = read_table(f, "deliveries", mapping={"deliveries": {"columns": {"date_received": "Arrived"}}})
    assert r.data["date_received"].tolist() == [D("2025-01-02")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.xlsx", b"this is not a workbook", r"^Cannot read bad.xlsx: it is not an Excel workbook"),
        ("bad.parquet", b"PAR1 broken", r"^Cannot read bad.parquet: it is not a readable parquet file"),
        ("bad.csv", b"PK\x03\x04zipdata", r"^Cannot read bad.csv: it is an Excel workbook or another zip file"),
        ("bad.csv", b"\x00\x01\x02binary", r"^Cannot read bad.csv: it holds binary data"),
        ("bad.json", b"{}", r"^Cannot read bad.json: the extension .json is not supported"),
    ],
)
def test_unreadable_files_give_one_sentence(tmp_path, name, content, message):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(f, "deliveries")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"^Cannot read nope.csv: the file does not exist"):
        read_table(tmp_path / "nope.csv", "deliveries")


# --------------------------------------------------------------------------- validation
def test_every_problem_of_every_row_is_collected(tmp_path):
    f = write_xlsx(
        tmp_path / "v.xlsx",
        [
            ["Vendor", "PO", "Qty Ordered", "Order Date", "Promised Date", "Receipt Date"],
            [None, "P1", "x", "2025-01-10", "bad", "2025-01-05"],
            ["V1", "P2", 1, "2025-01-10", "2025-01-12", "2025-01-05"],
            ["V1", "P3", 1, "2025-01-01", "2025-01-12", "2025-01-05"],
        ],
        sheet="GR",
    )
    r = read_table(f, "deliveries")
    assert rejected(r) == [
        (2, "supplier_id", "missing value in a required column"),
        (2, "quantity_ordered", "not a number"),
        (2, "date_promised", "not a date"),
        (2, "date_received", "date_received is before date_ordered"),
        (3, "date_received", "date_received is before date_ordered"),
    ]
    assert r.rejected["source_file"].unique().tolist() == ["v.xlsx"]
    assert r.rejected["sheet"].unique().tolist() == ["GR"]
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (3, 1, 2)
    check_counts(r)


def test_exact_duplicates_rejected_by_default_or_kept(tmp_path):
    f = tmp_path / "d.csv"
    row = "V1,P1,5,2025-01-02,2025-01-03"
    f.write_text(",".join(DELIV_HEADER) + f"\n{row}\nV1,P1,5,2025-01-02,2025-01-04\n{row}\n{row}\n")
    r = read_table(f, "deliveries")
    assert rejected(r) == [
        (4, "(all columns)", "exact duplicate of row 2 (every column equal)"),
        (5, "(all columns)", "exact duplicate of row 2 (every column equal)"),
    ]
    assert r.duplicates[["source_row", "duplicate_of"]].values.tolist() == [[4, 2], [5, 2]]
    assert r.data["source_row"].tolist() == [2, 3]
    k = read_table(f, "deliveries", duplicates="keep")
    assert k.data["source_row"].tolist() == [2, 3, 4, 5] and k.rows_rejected == 0
    assert k.duplicates["source_row"].tolist() == [4, 5]
    with pytest.raises(ConfigError, match="duplicates is 'drop'; allowed values: reject, keep"):
        read_table(f, "deliveries", duplicates="drop")


def test_validate_files_cross_checks_the_supplier_master(tmp_path):
    sup = tmp_path / "s.csv"
    sup.write_text("Supplier ID,Supplier Name\nV1,Alpha\nV2,Beta\nV1,Alpha again\n")
    dl = tmp_path / "d.csv"
    dl.write_text(",".join(DELIV_HEADER) + "\nV1,P1,5,2025-01-02,2025-01-03\nV9,P2,5,2025-01-02,2025-01-03\n")
    rep = validate_files({"suppliers": sup, "deliveries": dl})
    assert isinstance(rep, ValidationReport)
    assert rep.results["suppliers"].data["supplier_name"].tolist() == ["Alpha", "Beta"]
    assert rep.rejected[["table", "row", "column", "reason"]].values.tolist() == [
        ["suppliers", 4, "supplier_id", "supplier_id repeats row 2 of the supplier master"],
        ["deliveries", 3, "supplier_id", "unknown supplier 'V9': not in the supplier master"],
    ]
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (5, 3, 2)
    assert rep.tables["deliveries"]["supplier_id"].tolist() == ["V1"]
    d = rep.results["deliveries"]
    assert d.rows_read == d.rows_accepted + d.rows_rejected
    text = rep.summary_text()
    assert "deliveries: d.csv, header on line 1" in text
    assert "rows read 2 = 1 accepted + 1 rejected" in text
    assert "d.csv, supplier_id ('Vendor'): unknown supplier 'V9': not in the supplier master: 1 row: 3" in text
    assert "what to do: add the supplier to the supplier master, or correct the supplier_id" in text
    out = rep.write(tmp_path / "out")
    written = pd.read_csv(out / "rejected_rows.csv")
    assert written["row"].tolist() == [4, 3]
    import json

    doc = json.loads((out / "validation.json").read_text())
    assert (doc["rows_read"], doc["rows_accepted"], doc["rows_rejected"]) == (5, 3, 2)
    assert doc["tables"]["deliveries"]["rows_rejected"] == 1
    assert rep.summary()["rows_read"].tolist() == [3, 2]


# --------------------------------------------------------------------------- mappings
def test_toml_mapping_file_for_a_german_sap_export(tmp_path):
    m = tmp_path / "sap.toml"
    m.write_text(
        '[deliveries]\nsheet = "WE"\nheader_row = 3\ndecimal = ","\nthousands = "."\ndayfirst = true\n'
        '[deliveries.columns]\nsupplier_id = "Kred."\npo_id = "EBeleg"\nquantity_ordered = "BestMng"\n'
        'date_promised = "LT"\ndate_received = "WE-Dat"\n'
        '[deliveries.date_formats]\ndate_received = "%d.%m.%Y"\n',
        encoding="utf-8",
    )
    f = write_xlsx(
        tmp_path / "sap.xlsx",
        [["x"]],
        sheet="Info",
        more={
            "WE": [
                ["Liste"],
                [],
                ["Kred.", "EBeleg", "BestMng", "LT", "WE-Dat"],
                ["0000100", 4500000001, "1.000", "02.01.2025", "03.01.2025"],
                ["0000100", 4500000002, "100,000-", "02.01.2025", "3.1.25"],
            ]
        },
    )
    mapping = read_mapping(m)
    assert isinstance(mapping, ColumnMapping) and mapping["deliveries"].header_row == 3
    r = read_table(f, "deliveries", mapping=m)
    assert r.data[["supplier_id", "po_id", "quantity_ordered"]].values.tolist() == [["0000100", "4500000001", 1000.0]]
    assert rejected(r) == [
        (5, "quantity_ordered", "negative value not allowed"),
        (5, "date_received", "not a date in the format %d.%m.%Y"),
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"orders": {}}, r"unknown table \[orders\]; allowed tables: deliveries, inspections, requests"),
        ({"deliveries": {"sheets": "x"}}, r"unknown key deliveries.sheets; allowed keys: sheet, header_row"),
        (
            {"deliveries": {"columns": {"vendor": "V"}}},
            r"unknown column deliveries.columns.vendor; allowed: supplier_id",
        ),
        (
            {"deliveries": {"date_formats": {"po_id": "%d"}}},
            r"unknown column deliveries.date_formats.po_id; allowed: "
            r"date_ordered, date_requested, date_promised, date_received",
        ),
        ({"deliveries": {"decimal": ";"}}, r"deliveries.decimal is ';'; allowed values: ',', '.'"),
        ({"deliveries": {"dayfirst": "yes"}}, r"deliveries.dayfirst is 'yes'; allowed values: true, false"),
        ({"deliveries": {"header_row": -1}}, r"deliveries.header_row must be a whole number from 1 .*, or 0"),
        ({"deliveries": {"encoding": "klingon"}}, r"deliveries.encoding 'klingon' is not a known encoding"),
    ],
)
def test_invalid_mappings_name_the_key_and_the_allowed_values(raw, message):
    with pytest.raises(ConfigError, match=message):
        read_mapping(raw)


def test_old_name_mapping_warns_and_still_works():
    import supplier_analytics
    import supplier_analytics.ingest
    import supplier_analytics.ingest.mapping

    for module in (supplier_analytics, supplier_analytics.ingest, supplier_analytics.ingest.mapping):
        for _ in range(2):  # every use warns, not only the first
            with pytest.warns(DeprecationWarning, match="Mapping is now called ColumnMapping"):
                old = module.Mapping
            assert old is ColumnMapping
    with pytest.warns(DeprecationWarning, match="ColumnMapping"):
        from supplier_analytics.ingest import Mapping
    assert isinstance(read_mapping({"deliveries": {"header_row": 2}}), Mapping)
    assert "ColumnMapping" in supplier_analytics.__all__ and "Mapping" not in supplier_analytics.__all__


def test_mapping_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[deliveries\n")
    with pytest.raises(ConfigError, match=r"^Mapping file bad.toml is not valid TOML"):
        read_mapping(bad)
    with pytest.raises(ConfigError, match=r"^Mapping file .*none.toml does not exist"):
        read_mapping(tmp_path / "none.toml")


def test_inputs_are_not_changed(tmp_path):
    raw = {"deliveries": {"columns": {"date_received": "Arrived"}}}
    before = repr(raw)
    f = tmp_path / "d.csv"
    f.write_text("Vendor,PO,Qty Ordered,Promised Date,Arrived\nV1,P1,1,2025-01-01,2025-01-02\n")
    read_table(f, "deliveries", mapping=raw)
    assert repr(raw) == before


# --------------------------------------------------------------------------- more cases
def test_openpyxl_fallback_when_calamine_cannot_open_the_workbook(tmp_path, monkeypatch):
    import python_calamine

    f = write_xlsx(
        tmp_path / "f.xlsx", [["Title"], DELIV_HEADER, [123, "P1", 5, dt.datetime(2025, 1, 2), "13.01.2025"]]
    )

    def refuse(*args, **kwargs):
        raise python_calamine.CalamineError("simulated")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    r = read_table(f, "deliveries")
    assert r.data[
        ["supplier_id", "quantity_ordered", "date_promised", "date_received", "source_row"]
    ].values.tolist() == [["123", 5.0, D("2025-01-02"), D("2025-01-13"), 3]]
    assert "sheet 'Sheet1' read with openpyxl (calamine could not read it)" in r.notes


def test_mixed_day_first_and_month_first_values_are_an_error(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,PO,Qty Ordered,Promised Date,Receipt Date\n"
        "V1,P1,1,13/04/2025,2025-01-01\nV1,P2,1,04/13/2025,2025-01-01\n"
    )
    with pytest.raises(
        ValidationError,
        match=r"the dates in date_promised \('Promised Date'\) mix day-first and "
        r"month-first values",
    ):
        read_table(f, "deliveries")


def test_sap_english_item_is_the_line_when_material_is_present(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(
        "Vendor,Purchasing Document,Item,Material,Qty Ordered,Delivery Date,Posting Date\n"
        "V1,4500000001,10,MAT-1,1,2025-01-01,2025-01-02\n"
    )
    r = read_table(f, "deliveries")
    assert (r.column_map["line_id"], r.column_map["item"]) == ("Item", "Material")
    g = tmp_path / "e.csv"
    g.write_text(
        "Supplier,PO Number,Item,Qty Ordered,Promised Date,Receipt Date\nV1,P1,MAT-1,1,2025-01-01,2025-01-02\n"
    )
    assert read_table(g, "deliveries").column_map["item"] == "Item"


def test_inspections_with_german_headers_and_exclusions_table_values(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text(
        "Kreditor;Prüfdatum;Prüflosmenge;Fehlmenge;Fehlercode\nV1;13.02.2025;1.000,5;2;D01\nV1;14.02.2025;500;-1;D02\n",
        encoding="cp1252",
    )
    r = read_table(f, "inspections")
    assert r.data[
        ["supplier_id", "date", "quantity_inspected", "quantity_defective", "defect_code"]
    ].values.tolist() == [["V1", D("2025-02-13"), 1000.5, 2.0, "D01"]]
    assert rejected(r) == [(3, "quantity_defective", "negative value not allowed")]
    x = tmp_path / "x.csv"
    x.write_text(
        "table,supplier_id,po_id,reason_code,decided_by\n"
        "Deliveries,V1,P1,BUYER_DATE_CHANGE,A. Buyer\norders,V1,P2,X,A. Buyer\n"
    )
    r = read_table(x, "exclusions")
    assert r.data["table"].tolist() == ["deliveries"]
    assert rejected(r) == [(3, "table", "table must be one of deliveries, inspections, requests")]


def test_an_exclusion_without_the_id_of_its_record_is_rejected_not_silently_ignored(tmp_path):
    # an exclusion matches its record by id: without it the row would be accepted and excuse nothing
    x = tmp_path / "x.csv"
    x.write_text(
        "table,supplier_id,po_id,lot_id,reason_code,decided_by\n"
        "deliveries,V1,P1,,BUYER_DATE_CHANGE,A. Buyer\n"
        "deliveries,V1,,,BUYER_DATE_CHANGE,A. Buyer\n"
        "inspections,V1,,L7,CUSTOMER_CAUSED,Q. Lead\n"
        "inspections,V1,P9,,CUSTOMER_CAUSED,Q. Lead\n"
        "requests,V1,,,LATE_BY_US,A. Buyer\n"
    )
    r = read_table(x, "exclusions")
    assert r.data[["table", "po_id", "lot_id"]].fillna("").values.tolist() == [
        ["deliveries", "P1", ""],
        ["inspections", "", "L7"],
    ]
    assert rejected(r) == [
        (3, "po_id", "an exclusion of deliveries names its order: give po_id (the cell is empty)"),
        (5, "lot_id", "an exclusion of inspections names its lot: give lot_id (the cell is empty)"),
        (6, "request_id", "an exclusion of requests names its request: give request_id (the column is missing)"),
    ]
    assert r.rows_read == r.rows_accepted + r.rows_rejected == 5


settings_kw = dict(max_examples=40, deadline=None)


def test_rows_read_always_equal_accepted_plus_rejected(tmp_path_factory):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cell = st.sampled_from(["", "V1", "P1", "5", "-3", "1,5", "x", "N/A", "2025-01-02", "13/01/2025", "45658", "Total"])
    rows = st.lists(st.lists(cell, min_size=5, max_size=5), max_size=8)

    @settings(**settings_kw)
    @given(rows)
    def check(data):
        f = tmp_path_factory.mktemp("h") / "d.csv"
        f.write_text(";".join(DELIV_HEADER) + "\n" + "".join(";".join(r) + "\n" for r in data))
        try:
            r = read_table(f, "deliveries")
        except ValidationError:
            return
        check_counts(r)
        assert r.rows_read + len(r.skipped) == len(data)
        assert set(r.data["source_row"]).isdisjoint(r.rejected["row"])

    check()
