"""The fast read of large worksheets (fastexcel below the header) gives what the cell-by-cell read gives.

Each workbook is read twice: with the fast path forced on (``FAST_MIN_BYTES = 0``) and with it off,
and every part of the two results must be equal; a few values are also checked by hand.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import supplier_analytics.ingest.readers as readers
import supplier_analytics.ingest.xlsx_fast as xlsx_fast
from supplier_analytics import read_table

D = pd.Timestamp
N = 60  # more data rows than the header search looks at, so the rows below it come from fastexcel


def read_both(path, table="deliveries", monkeypatch=None, **kw):
    """(fast result, reasons the fast path gave up, cell-by-cell result)."""
    gave_up = []
    real = xlsx_fast.body_rows

    def spy(*a, **k):
        try:
            return real(*a, **k)
        except xlsx_fast.NotFast as exc:
            gave_up.append(str(exc))
            raise

    monkeypatch.setattr(readers, "body_rows", spy)
    monkeypatch.setattr(xlsx_fast, "FAST_MIN_BYTES", 0)
    fast = read_table(path, table, **kw)
    monkeypatch.setattr(xlsx_fast, "FAST_MIN_BYTES", 1 << 62)
    slow = read_table(path, table, **kw)
    return fast, gave_up, slow


def assert_same(a, b):
    for f in ("data", "rejected", "duplicates", "skipped"):
        pd.testing.assert_frame_equal(getattr(a, f), getattr(b, f), obj=f)
    for f in (
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "header_row",
        "column_map",
        "notes",
        "column_letters",
        "sheet",
        "source",
    ):
        assert getattr(a, f) == getattr(b, f), f
    assert a.rows_read == a.rows_accepted + a.rows_rejected


def messy_workbook(path, *, quantity_text=None):
    """Hidden first sheet; title, blank row, two header rows with 'Quantity' merged over two columns;
    text ids with leading zeros, numeric PO numbers, decimals, date cells, serial dates, blanks,
    formulas without a value, a totals row at the bottom."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "old"
    hidden.sheet_state = "hidden"
    hidden.append(["Vendor", "PO Number"])
    ws = wb.create_sheet("GR")
    ws.append(["Goods receipts 2025"])
    ws.append([])
    ws.append(["Vendor", "PO Number", "Quantity", None, "Promised Date", "Receipt Date", "Note"])
    ws.append([None, None, "Ordered", "Received", None, None, None])
    ws.merge_cells("C3:D3")
    for i in range(N):
        ordered = [10.5, 3, 1 / 3, 1e-7, 1234567.891][i % 5]
        ws.append(
            [
                f"{i % 7:06d}",
                4500000 + i,
                ordered,
                2 if i % 4 else None,
                dt.datetime(2025, 1, 1 + i % 28, 10 if i % 5 == 0 else 0, 30 if i % 5 == 0 else 0),
                45691 + i % 30,
                "late" if i % 6 == 0 else None,
            ]
        )
    ws.append([None] * 7)  # a blank line inside the data
    ws.append(["000001", 4600000, "=C5*2", 1, dt.date(2025, 3, 1), 45720, None])  # a formula without value
    if quantity_text is not None:
        ws.append(["000002", 4600001, quantity_text, 1, dt.date(2025, 3, 1), 45720, None])
    ws.append(["Total", None, 12345.6, None, None, None, None])
    wb.save(path)
    return path


def test_fast_read_matches_the_cell_by_cell_read(tmp_path, monkeypatch):
    f = messy_workbook(tmp_path / "gr.xlsx")
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch)
    assert gave_up == []
    assert_same(fast, slow)
    r = fast
    assert (r.sheet, r.header_row) == ("GR", 3)
    assert r.column_map["quantity_ordered"] == "Quantity Ordered"
    first = r.data.iloc[0]
    assert (first["supplier_id"], first["po_id"], first["source_row"]) == ("000000", "4500000", 5)
    assert first["quantity_ordered"] == 10.5 and first["date_received"] == D("2025-02-03")  # serial 45691
    assert first["date_promised"] == D("2025-01-01")  # a date column drops the time of day (10:30)
    assert r.data.loc[r.data["source_row"] == 7, "quantity_ordered"].item() == 1 / 3  # all 16 digits
    assert r.data.loc[r.data["source_row"] == 8, "quantity_ordered"].item() == 1e-7
    assert r.data.loc[r.data["source_row"] == 6, "date_received"].item() == D("2025-02-04")
    assert f"{N + 1} Excel serial numbers in date_received read as dates" in r.notes
    formula = r.rejected[r.rejected["problem"] == "formula without value"]
    assert formula[["row", "column"]].values.tolist() == [[66, "quantity_ordered"]]
    assert r.skipped[["row", "reason"]].values.tolist() == [[65, "blank row"], [67, "totals row"]]
    assert r.rows_read == N + 1


@pytest.mark.parametrize("text", ["N/A", "1.234,5", "12 pcs"])
def test_a_number_column_mixing_text_and_numbers_reads_the_same(tmp_path, monkeypatch, text):
    f = messy_workbook(tmp_path / "gr.xlsx", quantity_text=text)
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch)
    assert gave_up and "mixes text" in gave_up[0]  # fastexcel would give 1/3 as "0.333333333"
    assert_same(fast, slow)


def test_text_ids_that_look_like_numbers_stay_on_the_fast_path(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date"])
    for i in range(N):
        ws.append([str(100 + i % 3), f"45{i:05d}", i + 1, dt.datetime(2025, 1, 2), f"{1 + i % 28:02d}.01.2025"])
    ws.append(["0.30000000000000004", "4.5e6", 1, dt.datetime(2025, 1, 2), "2025-01-31"])
    ws.append(["N/A", "P-2", 1, dt.datetime(2025, 1, 2), "2025-01-31"])  # a placeholder
    ws.append(["\u3000V-1\u2028", "P-3", 1, dt.datetime(2025, 1, 2), "2025-01-31"])  # odd spaces around
    ws.append(["ÄRGER GmbH", "null", 1, dt.datetime(2025, 1, 2), "2025-01-31"])  # not ASCII; a placeholder
    ws.append(["V9", "x" * 40_000, 1, dt.datetime(2025, 1, 2), "2025-01-31"])  # calamine keeps 32,767
    f = tmp_path / "ids.xlsx"
    wb.save(f)
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch)
    assert gave_up == []
    assert_same(fast, slow)
    assert fast.data["supplier_id"].iloc[-3] == "0.30000000000000004"
    assert len(fast.data["po_id"].iloc[-1]) == 32_767
    assert fast.data["po_id"].tolist()[:2] == ["4500000", "4500001"]
    assert fast.data["date_received"].iloc[2] == D("2025-01-03")
    reasons = dict(zip(fast.rejected["row"], fast.rejected["reason"]))
    assert reasons[N + 3] == "placeholder instead of a value in a required column"  # N/A
    assert reasons[N + 5] == "placeholder instead of a value in a required column"  # null
    assert fast.data.loc[fast.data["po_id"] == "P-3", "supplier_id"].item() == "V-1"  # U+3000, U+2028 stripped


def test_numeric_ids_in_a_text_column_go_the_cell_by_cell_way(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date"])
    for i in range(N):
        ws.append(["V1" if i else 0.30000000000000004, 4500000 + i, 1, dt.date(2025, 1, 2), dt.date(2025, 1, 3)])
    f = tmp_path / "mixed.xlsx"
    wb.save(f)
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch)
    assert gave_up and "mixes text" in gave_up[0]
    assert_same(fast, slow)
    assert fast.data["supplier_id"].iloc[0] == slow.data["supplier_id"].iloc[0]


def test_times_booleans_and_far_columns(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date", "Flag"])
    for i in range(N):
        ws.append(
            [
                "V1",
                f"P{i}",
                True if i == 3 else 5,
                dt.date(2025, 1, 2),
                dt.time(10, 30) if i == 4 else dt.date(2025, 1, 3),
                i % 2 == 0,
            ]
        )
    ws.cell(row=N + 5, column=12, value="note far right")
    f = tmp_path / "odd.xlsx"
    wb.save(f)
    fast, _, slow = read_both(f, monkeypatch=monkeypatch)
    assert_same(fast, slow)
    reasons = dict(zip(fast.rejected["row"], fast.rejected["reason"]))
    assert reasons[5] == "not a number (the cell holds a date, time or true/false)"
    assert reasons[6] == "not a date (the cell holds a time, duration or true/false)"


# --------------------------------------------------------------------------- what the safety scan learns per column
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(cells_by_row, prefix=""):
    p = f"{prefix}:" if prefix else ""
    rows = "".join(f'<{p}row r="{r}">{cells}</{p}row>' for r, cells in cells_by_row)
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    return f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'


def _info(tmp_path, xml):
    """The safety scan's view of the sheet."""
    from bad_inputs import write_xlsx  # the hand-written workbooks of the bad-input corpus

    from supplier_analytics.ingest.safety import cell_kinds, inspect_workbook

    f = write_xlsx(tmp_path / "k.xlsx", [("S", xml, "visible")])
    s = inspect_workbook(f).sheets[0]
    assert cell_kinds(f, s.member) == s.last_rows
    return s


def test_the_scan_records_the_last_row_of_text_booleans_and_other_values_per_column(tmp_path):
    xml = _sheet(
        [
            (1, '<c r="A1" t="inlineStr"><is><t>Vendor</t></is></c><c r="B1" s="3" t="str"><f>A1</f><v>a</v></c>'),
            (
                2,
                '<c r="A2" s="12" t="b"><v>1</v></c><c r="B2"><v>5</v></c><c r="C2" s="1"/><c r="D2"></c>'
                '<c r="E2" t="e"><v>#N/A</v></c>',
            ),
            (3, '<c r="AB3" t="inlineStr"><is><t>x</t></is></c><c r="C3" s="2" t="n"><v>7</v></c>'),
        ]
    )
    s = _info(tmp_path, xml)
    assert (s.max_row, s.max_col) == (3, 28)
    assert s.last_rows == {"text": {0: 1, 1: 1, 27: 3}, "bool": {0: 2}, "other": {0: 2, 1: 2, 2: 3, 4: 2}}


def test_cells_written_another_way_are_read_the_general_way(tmp_path):
    # the type before the style: found by the general search, same answer
    xml = _sheet([(1, '<c r="A1" t="b" s="3"><v>1</v></c><c r="B1" t="inlineStr" s="1"><is><t>x</t></is></c>')])
    s = _info(tmp_path, xml)
    assert s.last_rows == {"text": {1: 1}, "bool": {0: 1}, "other": {0: 1}}
    # the reference not first: kinds unknown (the fast read then gives way), the extent still found
    s = _info(tmp_path, _sheet([(1, '<c t="inlineStr" r="D9"><is><t>x</t></is></c>')]))
    assert s.last_rows is None and (s.max_row, s.max_col) == (9, 4)
    # element names with a namespace prefix
    s = _info(tmp_path, _sheet([(5, '<x:c r="C5"><x:v>1</x:v></x:c>')], prefix="x"))
    assert s.last_rows is None and (s.max_row, s.max_col) == (5, 3)


def test_the_read_ahead_thread_gives_every_byte_and_passes_errors_on(monkeypatch):
    import io
    import threading

    from supplier_analytics.ingest import xmlscan

    monkeypatch.setattr(xmlscan, "CHUNK", 7)
    data = bytes(range(256)) * 3
    assert b"".join(xmlscan.read_ahead(io.BytesIO(data))) == data

    class Broken(io.BytesIO):
        def read(self, n=-1):
            if self.tell() >= 21:
                raise OSError("disk gone")
            return super().read(n)

    with pytest.raises(OSError, match="disk gone"):
        list(xmlscan.read_ahead(Broken(data)))
    chunks = xmlscan.read_ahead(io.BytesIO(data))
    assert next(chunks) == data[:7]
    chunks.close()  # the caller stops early (a check refused the file): the thread ends too
    assert not [t for t in threading.enumerate() if t.name == "xlsx-inflate"]


def test_the_scan_finds_the_same_in_small_pieces_read_in_threads(tmp_path, monkeypatch):
    from supplier_analytics.ingest import safety, xmlscan

    f = messy_workbook(tmp_path / "gr.xlsx", quantity_text="N/A")
    whole = safety.inspect_workbook(f).sheets
    kinds = safety.cell_kinds(f, whole[1].member)
    monkeypatch.setattr(xmlscan, "CHUNK", 700)  # many small pieces ...
    monkeypatch.setattr(xmlscan, "LARGE_PART", 2800)  # ... and every worksheet part large: pieces go to threads
    assert safety.inspect_workbook(f).sheets == whole
    assert safety.cell_kinds(f, whole[1].member) == kinds
    assert whole[1].has_formulas and whole[1].max_row == N + 8 and kinds["text"][2] == N + 7
