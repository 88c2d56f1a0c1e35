"""The ``validate`` command on a broken and on an unreadable export."""

from __future__ import annotations

import json

import openpyxl

from supplier_analytics.cli import main


def test_validate_reports_each_problem_with_file_sheet_row_and_column(tmp_path, capsys):
    f = tmp_path / "receipts.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "GR"
    for row in (
        ["Goods receipts"],
        [],
        ["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date"],
        ["V1", "P1", 5, "2025-01-02", "2025-01-03"],
        ["V1", "P2", "five", "2025-01-02", "2025-01-03"],
        [None, "P3", 5, "2025-01-02", "soon"],
    ):
        ws.append(row)
    wb.save(f)
    out = tmp_path / "out"
    code = main(["validate", "--deliveries", str(f), "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 5
    assert "deliveries: receipts.xlsx, sheet 'GR', header on row 3" in text
    assert "rows read 3 = 1 accepted + 2 rejected" in text
    assert "receipts.xlsx, sheet 'GR', quantity_ordered ('Qty Ordered', column C): not a number: 1 row: 5" in text
    assert (
        "receipts.xlsx, sheet 'GR', supplier_id ('Vendor', column A): missing value in a required column: 1 row: 6"
        in text
    )
    assert "receipts.xlsx, sheet 'GR', date_received ('Receipt Date', column E): not a date: 1 row: 6" in text
    assert "what to do:" in text
    doc = json.loads((out / "validation.json").read_text())
    assert (doc["rows_read"], doc["rows_accepted"], doc["rows_rejected"]) == (3, 1, 2)
    lines = (out / "rejected_rows.csv").read_text().splitlines()
    assert lines[0] == "table,source_file,sheet,row,column,value,reason,problem,source_column"
    assert len(lines) == 4


def test_validate_clean_file_returns_0(tmp_path, capsys):
    f = tmp_path / "d.csv"
    f.write_text("Vendor,PO Number,Qty Ordered,Promised Date,Receipt Date\nV1,P1,5,2025-01-02,2025-01-03\n")
    assert main(["validate", "--deliveries", str(f)]) == 0
    assert "All rows accepted." in capsys.readouterr().out


def test_validate_unreadable_file_returns_3_with_one_sentence(tmp_path, capsys):
    f = tmp_path / "broken.xlsx"
    f.write_bytes(b"not a workbook at all")
    code = main(["validate", "--deliveries", str(f), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 3
    err = captured.err.strip()
    assert err.startswith("error: Cannot read broken.xlsx: it is not an Excel workbook")
    assert len(err.splitlines()) == 1
    assert "Traceback" not in captured.err + captured.out
