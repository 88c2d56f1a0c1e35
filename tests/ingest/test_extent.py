"""A sheet's extent is the last row and column holding a value: formatting alone never refuses a workbook.

Excel writes a formatted empty cell as ``<c r="F1048576" s="3"/>`` and a formatted row as
``<row r="9" s="3" customFormat="1">``; whole-column formatting also makes openpyxl claim
``<dimension ref="A1:F1048576"/>``. None of it holds a value, so none of it counts toward the
4,000,000-cell cap, and no reader builds a grid down to row 1,048,576. A value far away still does.
"""

from __future__ import annotations

import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pytest
from bad_inputs import GOOD, HEADER, NS, sheet_xml, write_xlsx
from openpyxl.styles import Font, PatternFill
from test_ingest_fast import assert_same, messy_workbook, read_both

import supplier_analytics.ingest.readers as readers
from supplier_analytics import read_table
from supplier_analytics.errors import InputError
from supplier_analytics.ingest.safety import inspect_workbook

LAST = 1_048_576


def formatted_workbook(path, rows=(HEADER, *GOOD)):
    """Rows of values, column B filled yellow as a whole and one bold empty cell at F1048576."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Receipts"
    for r in rows:
        ws.append(r)
    ws.column_dimensions["B"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.cell(row=LAST, column=6).font = Font(bold=True)
    wb.save(path)
    return path


def test_formatted_empty_cells_do_not_count_toward_the_extent(tmp_path):
    f = formatted_workbook(tmp_path / "gr.xlsx")
    xml = zipfile.ZipFile(f).read("xl/worksheets/sheet1.xml")
    # the file really holds what refused it before: a styled empty cell at the last row, a dimension claiming it
    assert b'<c r="F1048576" s="' in xml and b'ref="A1:F1048576"' in xml
    (s,) = inspect_workbook(f).sheets
    assert (s.max_row, s.max_col) == (3, 5)
    r = read_table(f, "deliveries")
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (2, 2, 0)
    assert r.data["po_id"].tolist() == ["P1", "P2"]


def test_formatted_rows_and_empty_cells_written_by_hand_are_ignored_anywhere(tmp_path):
    extra = (
        '<row r="7" s="2" customFormat="1"><c r="XFD7" s="2"></c></row>'
        f'<row r="{LAST}" s="3" customFormat="1"><c r="A{LAST}" s="3"/><c r="F{LAST}" s="3" t="n" /></row>'
    )
    f = write_xlsx(tmp_path / "h.xlsx", [("R", sheet_xml([HEADER, *GOOD], extra_rows=extra), "visible")])
    (s,) = inspect_workbook(f).sheets
    assert (s.max_row, s.max_col) == (3, 5)
    assert read_table(f, "deliveries").rows_accepted == 2


def test_a_far_cell_that_holds_a_value_is_still_refused_with_the_clear_message(tmp_path):
    extra = '<row r="1000000"><c r="F1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    f = write_xlsx(tmp_path / "far.xlsx", [("R", sheet_xml([HEADER, *GOOD], extra_rows=extra), "visible")])
    with pytest.raises(InputError) as exc:
        read_table(f, "deliveries")
    assert str(exc.value) == (
        "Cannot read far.xlsx: sheet 'R' reaches row 1,000,000 and column F with values (6,000,000 cells from A1, "
        "counting the empty ones between), more than the 4,000,000 cells one sheet may span; delete any stray "
        "value far below or right of the data and save it again, or split the data into smaller files."
    )
    # a number counts as a value as much as text does; 4,000,000 cells exactly is still allowed
    number = '<row r="800000"><c r="E800000"><v>1</v></c></row>'
    f = write_xlsx(tmp_path / "edge.xlsx", [("R", sheet_xml([HEADER, *GOOD], extra_rows=number), "visible")])
    assert (inspect_workbook(f).sheets[0].max_row, inspect_workbook(f).sheets[0].max_col) == (800_000, 5)


def _prefixed(rows, extra):
    body = "".join(
        f'<x:row r="{i}">'
        + "".join(f'<x:c r="{chr(65 + j)}{i}" t="inlineStr"><x:is><x:t>{v}</x:t></x:is></x:c>' for j, v in enumerate(r))
        + "</x:row>"
        for i, r in enumerate(rows, start=1)
    )
    return f'<?xml version="1.0"?><x:worksheet xmlns:x="{NS}"><x:sheetData>{body}{extra}</x:sheetData></x:worksheet>'


def test_cells_written_another_way_follow_the_same_rule(tmp_path):
    rows = [HEADER, *[[str(v) for v in g] for g in GOOD]]
    empty = f'<x:row r="{LAST}"><x:c r="F{LAST}" s="2"/><x:c r="G{LAST}" s="2"></x:c></x:row>'
    f = write_xlsx(tmp_path / "p.xlsx", [("R", _prefixed(rows, empty), "visible")])
    assert (inspect_workbook(f).sheets[0].max_row, inspect_workbook(f).sheets[0].max_col) == (3, 5)
    assert read_table(f, "deliveries").rows_accepted == 2
    valued = f'<x:row r="{LAST}"><x:c r="F{LAST}"><x:v>1</x:v></x:c></x:row>'
    f = write_xlsx(tmp_path / "q.xlsx", [("R", _prefixed(rows, valued), "visible")])
    with pytest.raises(InputError, match=r"reaches row 1,048,576 and column F with values"):
        read_table(f, "deliveries")


def test_the_openpyxl_fallback_stops_at_the_last_value_not_at_the_dimension_claim(tmp_path, monkeypatch):
    import python_calamine

    f = formatted_workbook(tmp_path / "gr.xlsx")

    def refuse(*args, **kwargs):
        raise python_calamine.CalamineError("simulated")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    tracemalloc.start()
    try:
        (raw,) = list(readers.iter_sheets(f))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raw.grid.shape == (3, 5) and "read with openpyxl" in raw.notes[0]
    # a grid of 1,048,576 rows of None would take hundreds of MiB in Python lists
    assert peak < 20 * 2**20
    assert read_table(f, "deliveries").rows_accepted == 2


def test_a_large_sheet_with_whole_column_formatting_stays_on_the_fast_path(tmp_path, monkeypatch):
    f = messy_workbook(tmp_path / "gr.xlsx")
    wb = openpyxl.load_workbook(f)
    ws = wb["GR"]
    ws.column_dimensions["C"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.cell(row=LAST, column=7).font = Font(bold=True)
    wb.save(f)
    plain = messy_workbook(tmp_path / "plain.xlsx")
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch)
    assert gave_up == []
    assert_same(fast, slow)
    reference, _, _ = read_both(plain, monkeypatch=monkeypatch)  # the same workbook without the formatting
    drop = ["source_file"]
    pd.testing.assert_frame_equal(fast.data.drop(columns=drop), reference.data.drop(columns=drop))
    assert (fast.rows_read, fast.rows_rejected, fast.notes) == (
        reference.rows_read,
        reference.rows_rejected,
        reference.notes,
    )
