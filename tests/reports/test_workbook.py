"""The scorecard workbook a manager reads: labels, formats, print setup, names, capped sheets, safe text."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.columns import column_label
from supplier_analytics.reports import SheetSpec, write_workbook
from supplier_analytics.reports.scorecard import scorecard_sheets


@pytest.fixture(scope="module")
def book(sample_card, tmp_path_factory):
    path = sample_card.to_excel(tmp_path_factory.mktemp("wb") / "scorecard.xlsx")
    return openpyxl.load_workbook(path)


def _header_row(ws) -> int:
    """The header row: the one the print titles repeat."""
    return int(ws.print_title_rows.split(":")[0].replace("$", ""))


def _cells(ws) -> dict[str, openpyxl.cell.Cell]:
    """Header label -> the first data cell of that column with a value."""
    row = _header_row(ws)
    header = [c.value for c in ws[row]]
    out = {}
    for cells in ws.iter_rows(min_row=row + 1):
        for name, cell in zip(header, cells):
            if name not in out and cell.value is not None:
                out[name] = cell
    return out


def test_summary_first_with_what_a_manager_reads(book, sample_card):
    assert book.sheetnames == [
        "Summary",
        "Grades",
        "Delivery",
        "Quality",
        "Responsiveness",
        "Request types",
        "Defects",
        "Periods",
        "Rejected rows",
        "Weights",
        "Methodology",
    ]
    ws = book["Summary"]
    row = _header_row(ws)
    header = [c.value for c in ws[row]]
    assert header == [
        "Supplier",
        "Supplier name",
        "Category",
        "Grade",
        "How sure the grade is",
        "Overall score",
        "Delivery score",
        "Quality score",
        "Responsiveness score",
        "Rank",
        "Rank: best likely",
        "Rank: worst likely",
        "Why this grade",
    ]
    assert ws.max_row == row + len(sample_card.suppliers) and ws.freeze_panes == f"B{row + 1}"
    grade_col = openpyxl.utils.get_column_letter(header.index("Grade") + 1)
    assert f"{grade_col}{row + 1}:{grade_col}{ws.max_row}" in {str(cf.sqref) for cf in ws.conditional_formatting}
    # the best supplier comes first, and its note names its weakest metric with the records behind it
    first = {h: c.value for h, c in zip(header, ws[row + 1])}
    best = sample_card.suppliers.sort_values("rank").iloc[0]
    assert first["Supplier"] == best["supplier_id"] and first["Rank"] == 1
    assert first["Why this grade"].startswith("Weakest: ")


def test_headers_are_labels_and_numbers_take_the_catalogue_formats(book):
    for ws in book.worksheets:
        header = [c.value for c in ws[_header_row(ws)]]
        assert all(isinstance(h, str) and "_" not in h for h in header), (ws.title, header)
    summary = _cells(book["Summary"])
    assert summary["Overall score"].number_format == "0.0"
    assert summary["Rank"].number_format == summary["Rank: worst likely"].number_format == "#,##0"  # not 14.00
    assert summary["How sure the grade is"].number_format == "0.0%"
    grades = _cells(book["Grades"])
    assert grades["Chance of grade B"].number_format == "0.0%"
    assert grades["Grade holds under other weights"].number_format == "0.0%"
    assert grades["Order lines judged"].number_format == "#,##0"
    assert grades["Grade provisional"].value in ("yes", "no")
    delivery = _cells(book["Delivery"])
    # points are points: 66.07 shows as 66.1, not as 6,607.0%
    assert delivery[column_label("pts_otif_rate")].number_format == "0.0"
    assert 0 <= delivery[column_label("pts_otif_rate")].value <= 100
    assert delivery["On time in full (OTIF): lower bound (95%)"].number_format == "0.0%"
    assert delivery["Days late, 90th percentile: lower bound (95%)"].number_format == "#,##0.0"
    quality = _cells(book["Quality"])
    assert quality["Defective parts per million (PPM)"].number_format == "#,##0"
    assert _cells(book["Weights"])["Weight in the overall score"].number_format == "0.0%"


def test_every_sheet_prints_landscape_fitted_to_width_with_the_header_repeated(book):
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        row = _header_row(ws)  # the repeated rows are the header row, whose labels the tests below read
        assert ws.print_title_rows.replace("$", "") == f"{row}:{row}", ws.title
        assert ws[row][0].value == "Supplier" or ws.title in ("Rejected rows", "Weights", "Methodology"), ws.title
        assert len(ws.title) <= 31


def test_every_per_supplier_sheet_names_the_supplier(book, sample_card):
    names = dict(zip(sample_card.suppliers["supplier_id"], sample_card.suppliers["supplier_name"]))
    for title in ("Summary", "Grades", "Delivery", "Quality", "Responsiveness", "Request types", "Defects", "Periods"):
        ws = book[title]
        row = _header_row(ws)
        header = [c.value for c in ws[row]]
        assert header[:2] == ["Supplier", "Supplier name"], title
        first = [c.value for c in ws[row + 1]]
        assert names[first[0]] == first[1], title


def test_periods_sheet_holds_the_headline_figures_and_points_to_the_csv(book, sample_card):
    ws = book["Periods"]
    assert ws.max_column <= 20 < sample_card.periods.shape[1]  # 97 columns in periods.csv
    assert "periods.csv" in ws["A1"].value


def test_methodology_is_in_words(book):
    ws = book["Methodology"]
    rows = list(ws.iter_rows(min_row=_header_row(ws) + 1, values_only=True))
    text = {topic: explanation for _, topic, explanation in rows}
    assert "Formula: order lines on time and in full ÷ order lines judged" in text["On time in full (OTIF)"]
    assert text["On-time window"].startswith("A line is on time when received from up to 3 days before the promised")
    assert "95% confidence" in text["95% intervals of a rate"]
    assert not any("_" in str(v) or "[[" in str(v) for r in rows for v in r)
    weights = book["Weights"]
    curves = [r[6] for r in weights.iter_rows(min_row=_header_row(weights) + 1, values_only=True)]
    assert "50.0% or less: 0 points; 70.0%: 30 points; 85.0%: 70 points; 95.0% or more: 100 points" in curves[0]


def test_a_long_sheet_is_capped_with_a_note_and_written_whole_beside(tmp_path):
    frame = pd.DataFrame({"supplier_id": [f"S{i}" for i in range(25)], "otif_rate": 0.5})
    spec = SheetSpec("Records", frame, labels=True, max_rows=10, overflow_csv="records.csv")
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "x.xlsx", [spec]))
    ws = wb["Records"]
    assert ws["A1"].value == "The first 10 of 25 rows are shown; all rows are in records.csv beside this workbook."
    assert ws.max_row == 3 + 10
    assert len(pd.read_csv(tmp_path / "records.csv")) == 25


def test_a_sheet_name_longer_than_excel_allows_is_refused():
    with pytest.raises(ValueError, match="longer than 31"):
        SheetSpec("Corrective-action request candidates", pd.DataFrame())


def test_the_review_workbook_neutralises_a_supplier_name_starting_with_at(sample_card, tmp_path):
    pack = sa.review_pack(sample_card)
    rec = pack.recognition.copy()
    assert len(rec)
    rec["supplier_name"] = "@SUM(1+1)"
    dataclasses.replace(pack, recognition=rec).write(tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "review.xlsx")["Recognition list"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "@SUM(1+1)"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_scorecard_sheets_keep_canonical_names_in_their_frames(sample_card):
    """The frames keep canonical names (the CSV files use them); only the written header is a label."""
    frames = {s.title: s.frame for s in scorecard_sheets(sample_card)}
    assert "overall_score" in frames["Summary"].columns and "why" in frames["Summary"].columns
