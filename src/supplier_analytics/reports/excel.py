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
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from supplier_analytics._io import mkstemp_umask, needs_neutralising, write_csv
from supplier_analytics.columns import column_excel_format, column_label, known

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
#: Header labels longer than this wrap onto more lines.
HEADER_WRAP = 16
#: The longest sheet name Excel allows.
MAX_TITLE = 31


def number_format(column: str) -> str | None:
    """The Excel number format of an output column, or None when it is text or not a known column.

    From :mod:`supplier_analytics.columns`: a metric takes the catalogue's format, and so do its ``_low``,
    ``_high`` and ``_shrunk`` columns; the counts ``_k`` and ``_n`` of a proportion and ranks are whole
    numbers; ``pts_<metric>`` columns are points; probabilities (against a target, of a grade) and shares
    are percentages.

    Examples
    --------
    >>> [number_format(c) for c in ("otif_rate_low", "ppm_shrunk", "pts_otif_rate", "otif_rate_n", "rank")]
    ['0.0%', '#,##0', '0.0', '#,##0', '#,##0']
    >>> [number_format(c) for c in ("grade_probability", "prob_B", "rank_low")]
    ['0.0%', '0.0%', '#,##0']
    >>> number_format("supplier_name") is None
    True
    """
    return column_excel_format(column) if known(column) else None


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

    ``labels``: the header shows each column's label for people (:func:`supplier_analytics.columns.column_label`),
    numbers take the column's format from :mod:`supplier_analytics.columns` and flags read yes/no; the frame
    keeps its canonical names. ``max_rows``: at most this many rows are written, with a note saying so; the
    whole frame (or ``overflow_frame``, with every column) then goes to ``overflow_csv`` (a file name) beside
    the workbook. ``widths`` maps a column to
    its width (characters).

    ``headers`` maps a column to its header (wins over ``labels``), for columns the shared labels do not
    know. ``row_formats`` maps a column to one number format per row (None: the column's format), for a
    column whose unit changes from row to row, e.g. a value column of a table with a rate on one row and
    PPM on the next.
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
    labels: bool = False
    max_rows: int | None = None
    overflow_csv: str | None = None
    overflow_frame: pd.DataFrame | None = None
    widths: dict[str, float] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    row_formats: dict[str, list[str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.title) > MAX_TITLE:
            raise ValueError(f"sheet name {self.title!r} is longer than {MAX_TITLE} characters; choose a shorter one")
        for col, fmts in self.row_formats.items():
            if len(fmts) != len(self.frame):
                raise ValueError(f"row_formats[{col!r}] has {len(fmts)} formats for {len(self.frame)} rows")


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


class _Column:
    """Writes the cells of one column fast: the style is computed once and copied to each cell."""

    def __init__(self, ws, number_format, alignment):
        self.ws = ws
        self.styled = bool(number_format or alignment)
        template = _cell(ws, 0, number_format=number_format, alignment=alignment)
        self.style = template._style
        quoted = _cell(ws, "=", number_format=number_format, alignment=alignment)
        self.quoted_style = quoted._style

    def __call__(self, value):
        if needs_neutralising(value):
            c = WriteOnlyCell(self.ws, value=None)
            c._value, c.data_type = value, "s"  # text as typed, never a formula
            c._style = copy(self.quoted_style)
            return c
        if not self.styled or value is None:
            return value
        c = WriteOnlyCell(self.ws, value=value)
        c._style = copy(self.style)
        return c


def _as_built(value):
    return value


def _formats(spec: SheetSpec, frame: pd.DataFrame) -> list[str | None]:
    known_formats = column_formats(frame.columns) if spec.labels else {}
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
        elif col in known_formats and not pd.api.types.is_bool_dtype(s.dtype):
            out.append(known_formats[col])
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


def _header(spec: SheetSpec, frame: pd.DataFrame) -> list[str]:
    return [spec.headers.get(str(c)) or (column_label(str(c)) if spec.labels else str(c)) for c in frame.columns]


def _widths(spec: SheetSpec, frame: pd.DataFrame, header: list[str]) -> list[float]:
    widths: list[float] = []
    head = frame.head(200)
    for col, title in zip(frame.columns, header):
        if col in spec.widths:
            widths.append(float(spec.widths[col]))
            continue
        values = [len(str(v)) for v in map(_plain, head[col].tolist()) if v is not None]
        longest_word = max((len(w) for w in title.split()), default=0)
        # a long header wraps onto a few lines rather than widening the column beyond its values
        title_width = max(longest_word, min(len(title), HEADER_WRAP))
        widths.append(min(MAX_WIDTH, max(8, title_width + 2, max(values, default=0) + 2)))
    return widths


def _yes_no(frame: pd.DataFrame) -> pd.DataFrame:
    """Flags as yes/no (people read them better than TRUE/FALSE)."""
    flags = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c].dtype)]
    if not flags:
        return frame
    out = frame.copy()
    for c in flags:
        out[c] = out[c].map({True: "yes", False: "no"}).astype(object)
    return out


def _print_setup(ws, header_row: int) -> None:
    """Landscape A4, every column on one page width, the header row repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = False


def _write_sheet(wb: Workbook, spec: SheetSpec, folder: Path) -> None:
    ws = wb.create_sheet(title=spec.title)
    frame = spec.frame.reset_index(drop=True)
    notes = list(spec.notes)
    if spec.max_rows is not None and len(frame) > spec.max_rows:
        where = f"all rows are in {spec.overflow_csv} beside this workbook" if spec.overflow_csv else ""
        notes.append(
            f"The first {spec.max_rows:,} of {len(frame):,} rows are shown" + (f"; {where}." if where else ".")
        )
        if spec.overflow_csv:
            write_csv(frame if spec.overflow_frame is None else spec.overflow_frame, folder / spec.overflow_csv)
        frame = frame.head(spec.max_rows)
    if spec.labels:
        frame = _yes_no(frame)
    formats = _formats(spec, frame)
    header = _header(spec, frame)
    widths = _widths(spec, frame, header)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # The header row comes after the notes and one blank line; freeze it (and the
    # first column, the supplier) before anything is written.
    first_row = 1 + (len(notes) + 1 if notes else 0)
    ws.freeze_panes = f"B{first_row + 1}" if frame.shape[1] > 1 else f"A{first_row + 1}"
    _print_setup(ws, first_row)
    lines = max((math.ceil(len(h) / max(1.0, w - 2)) for h, w in zip(header, widths)), default=1)
    if lines > 1:
        ws.row_dimensions[first_row].height = 15 * lines
    for note in notes:
        ws.append([_cell(ws, note)])
    if notes:
        ws.append([])
    head_align = Alignment(wrap_text=True, vertical="top")
    ws.append([_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, alignment=head_align) for h in header])
    wrap = Alignment(wrap_text=True, vertical="top") if spec.wrap else None
    writers: list = [_Column(ws, f, wrap) for f in formats]
    columns = [list(map(_plain, frame[c].tolist())) for c in frame.columns]
    for i, (col, fmt) in enumerate(zip(frame.columns, formats)):
        per_row = spec.row_formats.get(col)
        if per_row is not None:  # one style per cell: for small tables whose unit changes by row
            base = writers[i]
            writers[i] = _as_built  # the cells below are built already
            columns[i] = [
                base(v) if v is None or needs_neutralising(v) else _cell(ws, v, number_format=f or fmt, alignment=wrap)
                for v, f in zip(columns[i], per_row)
            ]
    for row in zip(*columns):
        ws.append([w(v) for w, v in zip(writers, row)])
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

    Returns the path written. This is the one workbook writer of the package: text values that a
    spreadsheet would evaluate are written as plain text (see :mod:`supplier_analytics._io`), and every
    sheet is set up to print (landscape, fit to the page width, the header row repeated).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for spec in sheets:
        _write_sheet(wb, spec, path.parent)
    fd, tmp = mkstemp_umask(prefix=".tmp-", suffix=".xlsx", dir=path.parent)  # the umask's mode, not 0600
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
