"""A small workbook writer: DataFrames to formatted sheets, safe against formula injection.

Uses openpyxl in write-only mode so that large sheets (a period sheet of
thousands of suppliers by months) stay fast and light. Each sheet gets frozen
headers, column widths that fit the content, dates as real Excel dates,
number formats per column (the metric catalogue's for metric columns, see
:func:`column_formats`) and optional colour by grade.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from supplier_analytics._io import mkstemp_umask, needs_neutralising
from supplier_analytics.catalog import METRICS, UNITS

__all__ = ["SheetSpec", "write_workbook", "GRADE_FILLS", "number_format", "column_formats"]

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
GRADE_FILLS = {
    "A": PatternFill("solid", fgColor="C6EFCE"),
    "B": PatternFill("solid", fgColor="E2F0D9"),
    "C": PatternFill("solid", fgColor="FFEB9C"),
    "D": PatternFill("solid", fgColor="FFC7CE"),
    "insufficient evidence": PatternFill("solid", fgColor="D9D9D9"),
}
MAX_WIDTH = 60

_PERCENT = UNITS["rate"][1]
_WHOLE = UNITS["count"][1]
#: Columns of the metric frames derived from a metric, shown in the metric's own format.
_SAME_AS_METRIC = ("_low", "_high", "_shrunk")
#: Probabilities and shares (fractions shown as percentages) that are not metrics of the catalogue.
_PROBABILITY_SUFFIXES = ("_prob_below_target", "_prob_above_target")
_SHARES = (
    "grade_stability",
    "grade_probability",
    "share",
    "cumulative_share",
    "metric_weight",
    "dimension_weight",
    "effective_weight",
)
#: Whole numbers that are not metrics of the catalogue.
_WHOLE_NUMBERS = ("rank", "rank_low", "rank_high", "lots")


def number_format(column: str) -> str | None:
    """The Excel number format of a column of the metric frames, or None when it is not one.

    A metric takes the catalogue's format, and so do its ``_low``, ``_high`` and ``_shrunk`` columns;
    the counts ``_k`` and ``_n`` of a proportion and ranks are whole numbers; ``pts_<metric>`` columns
    are points; probabilities (against a target, of a grade) and shares are percentages.

    Examples
    --------
    >>> [number_format(c) for c in ("otif_rate_low", "ppm_shrunk", "pts_otif_rate", "otif_rate_n", "rank")]
    ['0.0%', '#,##0', '0.0', '#,##0', '#,##0']
    >>> [number_format(c) for c in ("grade_probability", "prob_B", "rank_low")]
    ['0.0%', '0.0%', '#,##0']
    >>> number_format("supplier_name") is None
    True
    """
    m = METRICS.get(column)
    if m is not None:
        return m.excel_format
    if column.startswith("pts_"):
        return UNITS["points"][1]
    for suffix in _SAME_AS_METRIC:
        base = column[: -len(suffix)]
        if column.endswith(suffix) and base in METRICS:
            return METRICS[base].excel_format
    if column.endswith(("_k", "_n")) and column[:-2] in METRICS and METRICS[column[:-2]].is_count_metric:
        return _WHOLE
    if column.endswith(_PROBABILITY_SUFFIXES) or column in _SHARES or column.startswith("prob_"):  # prob_A: a grade
        return _PERCENT
    if column in _WHOLE_NUMBERS:
        return _WHOLE
    return None


def column_formats(columns) -> dict[str, str]:
    """``{column: number format}`` for the columns :func:`number_format` knows (for ``SheetSpec.formats``)."""
    return {str(c): f for c in columns if (f := number_format(str(c))) is not None}


@dataclass
class SheetSpec:
    """One sheet: a title, a frame and how to format its columns.

    ``formats`` maps a column to its Excel number format (and wins over the
    rest; :func:`column_formats` gives the catalogue's formats of metric
    columns), ``percent`` columns are fractions shown as percentages,
    ``decimals`` maps a column to its number of decimals, ``grade_column`` gets conditional
    formatting by grade (so the colours follow when a user edits or sorts),
    ``score_columns`` (0-100) a red-yellow-green colour scale, ``notes`` are
    lines of text written above the table.
    """

    title: str
    frame: pd.DataFrame
    percent: tuple[str, ...] = ()
    decimals: dict[str, int] = field(default_factory=dict)
    grade_column: str | None = None
    score_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    wrap: bool = False
    formats: dict[str, str] = field(default_factory=dict)


def _plain(value):
    """A value openpyxl can write: NaN/NaT -> empty, numpy scalars -> Python, Periods -> text."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or (isinstance(value, pd.Timestamp) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date()
        return value
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() / 3600.0
    if value is pd.NA:
        return None
    return value


def _cell(ws, value, *, number_format=None, font=None, fill=None, alignment=None):
    c = WriteOnlyCell(ws, value=None)
    if needs_neutralising(value):
        # Explicit text cell with Excel's quote prefix: shown as typed, never evaluated.
        c.value = value
        c.data_type = "s"
        c.quotePrefix = True
    else:
        c.value = value
    if number_format:
        c.number_format = number_format
    if font:
        c.font = font
    if fill:
        c.fill = fill
    if alignment:
        c.alignment = alignment
    return c


def _formats(spec: SheetSpec, frame: pd.DataFrame) -> list[str | None]:
    out: list[str | None] = []
    for col in frame.columns:
        s = frame[col]
        if col in spec.formats:
            out.append(spec.formats[col])
        elif col in spec.percent:
            out.append("0.0%")
        elif col in spec.decimals:
            d = spec.decimals[col]
            out.append("#,##0" if d == 0 else "#,##0." + "0" * d)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            has_time = bool(((s.dropna() - s.dropna().dt.normalize()) != pd.Timedelta(0)).any())
            out.append("yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd")
        elif pd.api.types.is_float_dtype(s.dtype):
            out.append("#,##0.00")
        elif pd.api.types.is_integer_dtype(s.dtype):
            out.append("#,##0")
        else:
            out.append(None)
    return out


def _widths(frame: pd.DataFrame) -> list[float]:
    widths: list[float] = []
    head = frame.head(200)
    for col in frame.columns:
        lengths = [len(str(col))]
        lengths += [len(str(_plain(v))) for v in head[col].tolist() if _plain(v) is not None]
        widths.append(min(MAX_WIDTH, max(8, max(lengths) + 2)))
    return widths


def _write_sheet(wb: Workbook, spec: SheetSpec) -> None:
    ws = wb.create_sheet(title=spec.title[:31])
    frame = spec.frame.reset_index(drop=True)
    formats = _formats(spec, frame)
    for i, w in enumerate(_widths(frame), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # The header row comes after the notes and one blank line; freeze it (and the
    # first column, the supplier) before anything is written.
    first_row = 1 + (len(spec.notes) + 1 if spec.notes else 0)
    ws.freeze_panes = f"B{first_row + 1}" if frame.shape[1] > 1 else f"A{first_row + 1}"
    for note in spec.notes:
        ws.append([_cell(ws, note)])
    if spec.notes:
        ws.append([])
    ws.append([_cell(ws, str(c), font=HEADER_FONT, fill=HEADER_FILL) for c in frame.columns])
    wrap = Alignment(wrap_text=True, vertical="top") if spec.wrap else None
    columns = [frame[c].tolist() for c in frame.columns]
    for r in range(len(frame)):
        ws.append(
            [_cell(ws, _plain(values[r]), number_format=formats[j], alignment=wrap) for j, values in enumerate(columns)]
        )
    if len(frame.columns) and len(frame):
        last = first_row + len(frame)
        ws.auto_filter.ref = f"A{first_row}:{get_column_letter(len(frame.columns))}{last}"
        names = list(frame.columns)
        if spec.grade_column in names:
            col = get_column_letter(names.index(spec.grade_column) + 1)
            for grade, fill in GRADE_FILLS.items():
                literal = '"' + grade.replace('"', '""') + '"'
                rule = CellIsRule(
                    operator="equal", formula=[literal], fill=PatternFill("solid", bgColor=fill.fgColor.rgb)
                )
                ws.conditional_formatting.add(f"{col}{first_row + 1}:{col}{last}", rule)
        for name in spec.score_columns:
            if name in names:
                col = get_column_letter(names.index(name) + 1)
                ws.conditional_formatting.add(
                    f"{col}{first_row + 1}:{col}{last}",
                    ColorScaleRule(
                        start_type="num",
                        start_value=0,
                        start_color="F8696B",
                        mid_type="num",
                        mid_value=50,
                        mid_color="FFEB84",
                        end_type="num",
                        end_value=100,
                        end_color="63BE7B",
                    ),
                )


def write_workbook(path: str | Path, sheets: list[SheetSpec]) -> Path:
    """Write ``sheets`` to an .xlsx at ``path`` atomically (a temporary file, then a rename).

    Returns the path written. Text values that a spreadsheet would evaluate are
    written as plain text (see :mod:`supplier_analytics._io`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for spec in sheets:
        _write_sheet(wb, spec)
    fd, tmp = mkstemp_umask(prefix=".tmp-", suffix=".xlsx", dir=path.parent)  # the umask's mode, not 0600
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
