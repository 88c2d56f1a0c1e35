"""The feedback pack's workbook: the page's figures as sheets a supplier reads without a glossary.

Every header is a label for people (:data:`~supplier_analytics.reports.pack_text.COLUMN_LABELS` and the
shared column labels), every number has the format of its unit: rates as percentages, PPM whole, points
with one decimal. A table whose unit changes from row to row (the scores: a rate, then PPM) is formatted
row by row from the metric catalogue. Codes read as words (a request type ``rfq`` as "Request for
quotation", a metric as its label) and flags as yes/no. The frames of the pack keep their canonical names;
only the sheets are renamed.
"""

from __future__ import annotations

import re

import pandas as pd

from supplier_analytics.catalog import METRICS, label
from supplier_analytics.columns import column_excel_format
from supplier_analytics.reports.excel import SheetSpec
from supplier_analytics.reports.pack_text import COLUMN_LABELS, people_text

__all__ = ["feedback_sheets", "metric_format", "names_as_labels", "note_lines"]

#: Headers of the Scores sheet.
SCORE_HEADERS = {
    "measure": "Measure",
    "value": "Value",
    "low": "Low (95%)",
    "high": "High (95%)",
    "records": "Records",
    "target": "Target",
    "points": "Points",
}

#: Headers of the "What would move your grade" sheet (as on the page).
LEVER_HEADERS = {
    "label": "Measure",
    "value": "Yours",
    "target": "Target",
    "points": "Points now",
    "points_at_target": "Points at target",
    "weight": "Weight in your score",
    "score_gain": "Your score gains",
    "score_after": "Your score at target",
    "grade_after": "Your grade at target",
}

#: Headers of the findings sheets (strengths and areas to improve).
FINDING_HEADERS = {"measure": "Measure", "kind": "Kind", "area": "Area", "basis": "Why", "finding": "Finding"}

#: Number formats of record columns: quantities whole, days and hours with one decimal.
RECORD_FORMATS = {
    "quantity_ordered": "#,##0",
    "quantity_received": "#,##0",
    "quantity_inspected": "#,##0",
    "quantity_defective": "#,##0",
    "downtime_minutes": "#,##0",
    "days_late": "0.0",
    "response_hours": "0.0",
    "sla_hours": "#,##0",
}

_BY_LABEL = {m.label: name for name, m in METRICS.items()}


def metric_format(metric: str) -> str | None:
    """The Excel number format of a metric or score (given by name or by its label), None when unknown.

    >>> metric_format("otif_rate"), metric_format("ppm"), metric_format("overall_score")
    ('0.0%', '#,##0', '0.0')
    >>> metric_format("Defective parts per million (PPM)")
    '#,##0'
    """
    return column_excel_format(_BY_LABEL.get(metric, metric))


def names_as_labels(text: str) -> str:
    """Text with every metric's canonical name (``otif_rate``) replaced by its label for people.

    >>> names_as_labels("0.00 for otif_rate, 0.00 for ppm")
    '0.00 for On time in full (OTIF), 0.00 for Defective parts per million (PPM)'
    """

    def word(m: re.Match) -> str:
        name = m.group(0)
        return label(name) if name in METRICS or "_" in name else name

    return re.sub(r"\b[a-z]+(?:_[a-z]+)*\b", word, text)


def note_lines(*notes: str, width: int = 100) -> tuple[str, ...]:
    """Notes above a table as lines of at most ``width`` characters (a long note in one cell runs far past
    the table's right edge).

    >>> note_lines("one two three", "four", width=8)
    ('one two', 'three', 'four')
    """
    import textwrap

    return tuple(line for n in notes for line in (textwrap.wrap(n, width) or [""]))


def _words(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes as words: metric names as their labels, request types and statuses as words, kinds capitalised."""
    out = frame.copy()
    for c in ("metric", "measure"):
        if c in out.columns:
            out[c] = out[c].map(lambda v: label(v) if isinstance(v, str) and v in METRICS else v)
    for c in ("request_type", "status", "kind", "basis"):
        if c in out.columns:
            out[c] = out[c].map(lambda v: _capital(people_text(v)) if isinstance(v, str) else v)
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _records(title: str, frame: pd.DataFrame, notes: tuple[str, ...] = ()) -> SheetSpec:
    """A sheet of records (evidence, actions, requests): people's headers, whole quantities, yes/no flags."""
    shown = _words(frame)
    return SheetSpec(
        title,
        shown,
        notes=notes,
        labels=True,
        headers={c: COLUMN_LABELS[c] for c in shown.columns if c in COLUMN_LABELS},
        formats={c: f for c, f in RECORD_FORMATS.items() if c in shown.columns},
        wrap="description" in shown.columns,
    )


def _findings(title: str, frame: pd.DataFrame, first: str) -> SheetSpec:
    """Strengths or areas: the measure, what kind of finding, the finding in words (the methods sheet says
    how they are tested)."""
    shown = frame.rename(columns={"metric": "measure"}) if first == "measure" else frame
    keep = [c for c in (first, "kind", "basis", "finding") if c in shown.columns]
    shown = _words(shown[keep].reset_index(drop=True))
    return SheetSpec(title, shown, wrap=True, headers=FINDING_HEADERS, widths={"finding": 90})


def _levers(frame: pd.DataFrame) -> SheetSpec:
    shown = frame.drop(columns="metric")
    per_row = [metric_format(m) for m in frame["metric"].astype(str)]
    return SheetSpec(
        "What would move your grade",
        shown,
        headers=LEVER_HEADERS,
        formats={
            "points": "0.0",
            "points_at_target": "0.0",
            "score_gain": "+0.0",
            "score_after": "0.0",
            "weight": "0%",
        },
        row_formats={"value": per_row, "target": per_row},
        notes=note_lines(
            "For each measure below its target: the points it would earn at its target, less its points now, "
            "times its weight in your score; everything else unchanged."
        ),
    )


def _peers(frame: pd.DataFrame | None, note: str) -> SheetSpec:
    if frame is None:
        return SheetSpec("Peers", pd.DataFrame({"note": [note]}), headers={"note": "Note"}, wrap=True)
    per_row = [metric_format(m) for m in frame["metric"].astype(str)]
    return SheetSpec(
        "Peers",
        _words(frame),
        notes=note_lines(note),
        headers=COLUMN_LABELS,
        formats={"peers": "#,##0", "percentile": "0"},
        row_formats={"yours": per_row, "peer_median": per_row},
    )


def _methodology(frame: pd.DataFrame, method_notes: tuple[str, ...]) -> SheetSpec:
    """The plain-words topics first, then the statistical methods in full, each on its own row."""
    technical = [names_as_labels(n) for n in method_notes]
    rows = pd.concat(
        [frame, pd.DataFrame({"topic": ["Technical detail"] * len(technical), "explanation": technical})],
        ignore_index=True,
    )
    return SheetSpec("Methodology", rows, wrap=True, labels=True, widths={"topic": 28, "explanation": 110})


def feedback_sheets(pack) -> list[SheetSpec]:
    """The sheets of a :class:`~supplier_analytics.reports.feedback.FeedbackPack`'s workbook."""
    w0, w1 = pack.window
    notes = (f"{pack.title}; period {w0.date()} to {w1.date()}; as of {pack.as_of.date()}.",)
    scores = pack.scores
    per_row = [metric_format(m) for m in scores["metric"].astype(str)]
    out = [
        SheetSpec(
            "Summary",
            pack.summary,
            notes=note_lines(*notes),
            wrap=True,
            headers={"item": "Item", "value": "Value"},
            widths={"item": 22, "value": 70},
        ),
        SheetSpec(
            "Scores",
            scores.drop(columns="metric"),
            headers=SCORE_HEADERS,
            formats={"records": "#,##0", "points": "0.0"},
            row_formats={c: per_row for c in ("value", "low", "high", "target")},
            notes=(
                "Scores and points run from 0 to 100; rates are percentages.",
                "Low and high: the true figure lies between them with 95% confidence.",
                "Records: the lines, lots or requests counted (for PPM, the units inspected).",
            ),
        ),
        _findings("Recognition", pack.recognition, "measure"),
        _findings("Areas to improve", pack.areas, "area"),
    ]
    if len(pack.levers):
        out.append(_levers(pack.levers))
    for i, (m, ev) in enumerate(pack.evidence.items(), start=1):
        out.append(
            _records(f"Evidence {i} {label(m).split(' (')[0]}"[:31], ev, (f"Records behind the area '{label(m)}'.",))
        )
    out.append(_records("Corrective actions", pack.actions))
    if len(pack.open_requests):
        out.append(_records("Open corrective-action requests", pack.open_requests))
    out.append(_peers(pack.peers, pack.peer_note))
    out.append(
        SheetSpec("Periods", pack.periods, notes=("The figures behind the trend charts.",), labels=True, wrap=True)
    )
    out.append(_methodology(pack.methodology, pack.method_notes))
    out.append(SheetSpec("Disputes", pack.disputes, wrap=True, labels=True, widths={"topic": 28, "explanation": 110}))
    return out
