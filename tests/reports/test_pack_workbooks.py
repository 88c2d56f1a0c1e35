"""The feedback pack's workbook and the review workbook as their readers see them: people's headers,
each number in the format of its unit (row by row where the unit changes), sheet names that fit, print setup."""

from __future__ import annotations

import dataclasses
import re

import openpyxl
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.reports.excel import SheetSpec, write_workbook

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def feedback_book(sample_card, tmp_path_factory):
    out = tmp_path_factory.mktemp("fb")
    pack = sa.feedback_pack(sample_card, "V10034", out_dir=out, charts=False)
    return pack, openpyxl.load_workbook(out / "feedback.xlsx")


@pytest.fixture(scope="module")
def review_book(sample_card, tmp_path_factory):
    out = tmp_path_factory.mktemp("rv")
    pack = sa.review_pack(sample_card)
    alerts = pd.DataFrame(
        {
            "supplier_id": ["V1", "V2"],
            "metric": ["otif_rate", "ppm"],
            "direction": ["deteriorating", "deteriorating"],
            "current": [0.812, 1234.4],
            "target": [0.93, 500.0],
            "change": [-0.05, 300.0],
        }
    )
    dataclasses.replace(pack, alerts=alerts).write(out)
    return pack, openpyxl.load_workbook(out / "review.xlsx")


def _header_row(ws) -> int | None:
    """The row of the table's header: the first row of bold cells after the notes (None: no table)."""
    for row in ws.iter_rows():
        if row[0].value is not None and row[0].font.b and (len(row) == 1 or row[1].font.b):
            return row[0].row
    return None


def _table(ws) -> tuple[list, list]:
    """(headers, rows of cells) of the sheet's table."""
    h = _header_row(ws)
    assert h is not None, ws.title
    rows = list(ws.iter_rows(min_row=h))
    return [c.value for c in rows[0]], rows[1:]


def _column(ws, header: str) -> dict:
    """{first column's value: cell} of one column of the table."""
    heads, rows = _table(ws)
    i = heads.index(header)
    return {r[0].value: r[i] for r in rows if r[0].value is not None}


def test_every_header_and_note_of_both_workbooks_is_in_words(feedback_book, review_book):
    for _, book in (feedback_book, review_book):
        for ws in book.worksheets:
            assert len(ws.title) <= 31
            h = _header_row(ws)
            texts = [c.value for row in ws.iter_rows(max_row=h or ws.max_row) for c in row if isinstance(c.value, str)]
            leaks = [t for t in texts if SNAKE.search(t)]
            assert not leaks, (ws.title, leaks)
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
            if h is not None:  # a sheet without a table (no closed action to compare) holds its notes only
                assert ws.print_title_rows == f"${h}:${h}", ws.title


def test_the_scores_sheet_formats_each_row_in_its_metric_unit(feedback_book, sample_card):
    _, book = feedback_book
    row = sample_card.suppliers.set_index("supplier_id").loc["V10034"]
    ws = book["Scores"]
    value, target, points, records = (_column(ws, h) for h in ("Value", "Target", "Points", "Records"))
    otif, ppm = "On time in full (OTIF)", "Defective parts per million (PPM)"
    assert value[otif].value == pytest.approx(row["otif_rate"]) and value[otif].number_format == "0.0%"
    assert target[otif].value == pytest.approx(0.93) and target[otif].number_format == "0.0%"
    assert value[ppm].value == pytest.approx(row["ppm"]) and value[ppm].number_format == "#,##0"
    assert target[ppm].value == 500 and target[ppm].number_format == "#,##0"
    assert value["Overall score"].number_format == "0.0"
    assert points[otif].number_format == "0.0" and records[otif].number_format == "#,##0"
    assert records[otif].value == row["otif_rate_n"]


def test_findings_levers_periods_and_evidence_read_in_words(feedback_book):
    pack, book = feedback_book
    heads, rows = _table(book["Recognition"])
    assert heads == ["Measure", "Kind", "Finding"]
    assert rows[0][0].value == "On time in full (OTIF)" and rows[0][1].value == "Recognised improvement"
    heads, rows = _table(book["Areas to improve"])
    assert heads == ["Area", "Why", "Finding"] and rows[0][1].value == "Below target"
    yours = _column(book["What would move your grade"], "Yours")
    assert yours["On time in full (OTIF)"].number_format == "0.0%"
    assert yours["On time in full (OTIF)"].value == pytest.approx(pack.levers.iloc[0]["value"])
    periods = book["Periods"]
    heads, _ = _table(periods)
    assert heads[:3] == ["Period", "Order lines judged", "On time in full (OTIF)"]
    assert _column(periods, "On time in full (OTIF)")["2025-10"].number_format == "0.0%"
    assert _column(periods, "Defective parts per million (PPM)")["2025-11"].number_format == "#,##0"
    ev = book["Evidence 1 On time in full"]
    heads, rows = _table(ev)
    assert heads[:3] == ["Order", "Line", "Item"]
    assert {r[heads.index("On time")].value for r in rows} <= {"yes", "no"}
    assert rows[0][heads.index("Quantity ordered")].number_format == "#,##0"
    method = [r[0].value for r in _table(book["Methodology"])[1]]
    assert method[0] == "Period" and method[-1] == "Technical detail"


def test_the_review_workbook_labels_and_formats_by_unit(review_book):
    pack, book = review_book
    assert "Corrective-action candidates" in book.sheetnames
    seg = book["Segments"]
    heads, _ = _table(seg)
    assert heads[:4] == ["Supplier ID", "Supplier name", "Category", "Annual spend"]
    assert _column(seg, "Annual spend")["V10036"].number_format == "#,##0"
    assert _column(seg, "Probability of the grade")["V10036"].number_format == "0.0%"
    # alerts: each row's values in the unit of its metric, a change with its sign
    alerts = book["Alerts"]
    heads, rows = _table(alerts)
    m, cur, tgt, chg = (heads.index(h) for h in ("Metric", "Current level", "Target", "Change over the periods tested"))
    assert [r[m].value for r in rows] == ["On time in full (OTIF)", "Defective parts per million (PPM)"]
    assert [r[cur].number_format for r in rows] == ["0.0%", "#,##0"]
    assert [r[tgt].value for r in rows] == [0.93, 500] and rows[0][tgt].number_format == "0.0%"
    assert rows[0][chg].number_format == "+0.0%;-0.0%;0.0%" and rows[1][chg].number_format == "+#,##0;-#,##0;#,##0"
    about = [c.value for row in book["About"].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(SNAKE.search(t) for t in about)


def test_row_formats_format_each_cell_and_keep_text_safe(tmp_path):
    frame = pd.DataFrame({"what": ["share", "count", "name"], "value": [0.25, 1234.0, "@SUM(1+1)"]})
    spec = SheetSpec(
        "T", frame, headers={"what": "What", "value": "Value"}, row_formats={"value": ["0.0%", None, None]}
    )
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "t.xlsx", [spec]))["T"]
    assert [c.value for c in ws[1]] == ["What", "Value"]
    assert ws["B2"].number_format == "0.0%" and ws["B3"].number_format == "General"
    assert ws["B4"].value == "@SUM(1+1)" and ws["B4"].data_type == "s" and ws["B4"].quotePrefix
    with pytest.raises(ValueError, match="2 formats for 3 rows"):
        SheetSpec("T", frame, row_formats={"value": ["0.0%", None]})


def test_the_scorecard_methodology_names_request_types_for_people(sample_card):
    from supplier_analytics.reports.methodology import methodology_frame

    text = " ".join(str(v) for v in methodology_frame(sample_card).to_numpy().ravel())
    # the sample's service levels (data/sample/scoring.toml): rfq 72 h, corrective_action 48 h
    assert "Request for quotation: 72 hours" in text and "Corrective action: 48 hours" in text
    assert "rfq" not in text.lower() and "corrective_action" not in text
