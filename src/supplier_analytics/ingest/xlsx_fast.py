"""The fast read of a large worksheet: its first rows with python-calamine, the data rows with fastexcel.

python-calamine turns every cell into a Python object (``to_python``), which
for a 200,000 x 12 sheet costs more than parsing the XML. fastexcel parses the
same sheet with the same Rust library (calamine) straight into Arrow columns,
but it types each column as a whole, and a column's type is only meaningful
below the header. So a sheet is read in two steps:

1. the *head* (the rows in which the header is looked for) is read exactly as
   before, with python-calamine, from a small copy of the workbook that holds
   only those rows of the sheet (plus what comes after the cells: merged
   ranges), its styles and the shared strings those rows use;
2. once the header is known, the rows below it are loaded with fastexcel
   (``header_row=None``, ``skip_rows`` = the first data row, so row positions
   are the sheet's own, and every row is used to type a column).

A column comes back typed (numbers, dates) only when every cell below the
header has that type; otherwise fastexcel gives it as text, turning numbers
and dates into text that loses precision (9 decimals). And in a typed column
fastexcel reads text such as "N/A" or "NULL" as empty and true/false as 1/0.
So the safety scan notes per column the last row holding text, true/false or
other values (:attr:`.safety.SheetInfo.last_rows`), and a column is taken as
fastexcel gives it only when that cannot change what the reader sees: no text
or true/false below the header in a typed column, and no number or date below
the header in a mapped text column whose cells could be numbers or dates in
disguise. Whenever that cannot be shown, or fastexcel cannot read the sheet,
the sheet is read cell by cell with python-calamine as before
(:func:`full_grid`); the result is the same either way, only the time differs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from supplier_analytics.ingest.safety import SheetInfo

__all__ = ["FAST_MIN_BYTES", "head_rows", "body_rows", "full_grid", "grid_from_rows"]

#: Worksheets whose XML is smaller than this are read cell by cell (python-calamine) in one go.
FAST_MIN_BYTES = 4 * 1024 * 1024

_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*)>")
_ROW_NUM = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_SHEETDATA_END = re.compile(rb"</((?:[\w.-]+:)?)sheetData\s*>")
_SHEETDATA_START = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_SHARED_CELL = re.compile(rb"""<(?:[\w.-]+:)?c\b[^>]*?\bt\s*=\s*["']s["'][^>]*>(.*?)</(?:[\w.-]+:)?c\s*>""", re.DOTALL)
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v\s*>\s*(\d+)\s*<")
_SI_END = re.compile(rb"</(?:[\w.-]+:)?si\s*>|<(?:[\w.-]+:)?si\b[^>]*/>")
_ROOT = re.compile(rb"<((?:[\w.-]+:)?)(worksheet|sst)\b")
_STUB_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)
_CHUNK = 1 << 20


class NotFast(Exception):
    """The fast path cannot show that it reads this sheet exactly as python-calamine does."""


def grid_from_rows(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(np.empty((0, 0), dtype=object), dtype=object)
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    arr = np.empty((len(rows), width), dtype=object)
    arr[:] = rows
    return pd.DataFrame(arr, dtype=object)


def full_grid(path: Path, name: str) -> tuple[pd.DataFrame, list[tuple[int, int, int, int]]]:
    """Every cell of sheet ``name`` with python-calamine, and its merged ranges."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        s = wb.get_sheet_by_name(name)
        rows = s.to_python(skip_empty_area=False)
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (s.merged_cell_ranges or [])]
    finally:
        wb.close()
    return grid_from_rows(rows), merges


# --------------------------------------------------------------------------- the head
def _read_prefix(z: zipfile.ZipFile, member: str, n_rows: int) -> tuple[bytes, bool]:
    """The start of a worksheet's XML up to (not including) the first row below ``n_rows``.

    Returns the bytes and whether the sheet data ends within them (then they are the whole part).
    """
    buf = b""
    row_no = 0
    searched = 0
    with z.open(member) as fh:
        for buf in _growing(fh):
            for m in _ROW_TAG.finditer(buf, searched):
                r = _ROW_NUM.search(m.group(1))
                row_no = int(r.group(1)) if r else row_no + 1
                if row_no > n_rows:
                    return buf[: m.start()], False
                searched = m.end()
            if _SHEETDATA_END.search(buf, searched) is not None:
                return buf, True
            if len(buf) > 64 * _CHUNK:
                raise NotFast("the first rows of the sheet take more than 64 MiB")
    return buf, True


def _shared_strings_prefix(z: zipfile.ZipFile, member: str, count: int) -> bytes:
    """The shared-strings part cut after its first ``count`` strings (closed again)."""
    buf = b""
    seen = 0
    pos = 0
    with z.open(member) as fh:
        for buf in _growing(fh):
            for m in _SI_END.finditer(buf, pos):
                seen += 1
                pos = m.end()
                if seen >= count:
                    root = _ROOT.search(buf)
                    if root is None:
                        raise NotFast("shared strings without an sst root")
                    return buf[: m.end()] + b"</" + root.group(1) + b"sst>"
            pos = max(pos, len(buf) - 64)
    return buf


def _growing(fh: IO[bytes]) -> Iterator[bytes]:
    """The bytes of ``fh`` read so far, one chunk more at each step, up to the end of the part."""
    buf = b""
    while chunk := fh.read(_CHUNK):
        buf += chunk
        yield buf


def _max_shared_index(prefix: bytes) -> int:
    best = -1
    for m in _SHARED_CELL.finditer(prefix):
        v = _VALUE.search(m.group(1))
        if v is not None:
            best = max(best, int(v.group(1)))
    return best


def head_rows(path: Path, sheet: SheetInfo, n_rows: int) -> tuple[pd.DataFrame, list[tuple[int, int, int, int]]]:
    """The first ``n_rows`` rows of ``sheet`` exactly as python-calamine reads them, and the merged ranges.

    Raises :class:`NotFast` when the workbook cannot be cut down this way.
    """
    from python_calamine import CalamineWorkbook

    if not sheet.member or sheet.tail is None:
        raise NotFast("the end of the sheet's part is not known")
    with zipfile.ZipFile(path) as z:
        if z.getinfo(sheet.member).file_size < FAST_MIN_BYTES:
            raise NotFast("the sheet is small")
        prefix, whole = _read_prefix(z, sheet.member, n_rows)
        if whole:
            raise NotFast("the sheet is small")
        opened = _SHEETDATA_START.search(prefix)
        if opened is None or opened.group(2):
            raise NotFast("no sheetData element")
        part = prefix + sheet.tail
        shared = [i for i in z.infolist() if i.filename.lower().endswith("sharedstrings.xml")]
        need = _max_shared_index(prefix) + 1
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as mini:
            for info in z.infolist():
                if info.is_dir():
                    continue
                low = info.filename.lower()
                if info.filename == sheet.member:
                    data = part
                elif info in shared and info.file_size > _CHUNK:
                    data = _shared_strings_prefix(z, info.filename, max(need, 1))
                elif info.file_size > _CHUNK and low.endswith(".xml") and "/worksheets/" in low:
                    data = _STUB_SHEET
                elif info.file_size > 4 * _CHUNK:
                    continue  # pictures, embedded objects: calamine does not need them for cells
                else:
                    data = z.read(info)
                mini.writestr(info.filename, data)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
    try:
        s = wb.get_sheet_by_name(sheet.name)
        rows = s.to_python(skip_empty_area=False)
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (s.merged_cell_ranges or [])]
    finally:
        wb.close()
    rows = rows[:n_rows]
    grid = grid_from_rows(rows + [[]] * (n_rows - len(rows)))
    if any(r0 < n_rows and c1 >= grid.shape[1] for r0, c0, r1, c1 in merges):
        raise NotFast("a merged range reaches beyond the first rows' cells")
    return grid, merges


# --------------------------------------------------------------------------- the data rows
#: Text fastexcel makes of a number, date, time or true/false cell in a text column.
_DISGUISE = re.compile(
    r"^(?:-?\d+(?:\.\d+)?|-?inf|NaN|true|false|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?|"
    r"[-+]?P.*|\d{4}-\d{2}-\d{2}.*|\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)$"
)


def _looks_converted(arr) -> bool:
    """Whether any text of an Arrow string array could have been a number, date or boolean cell."""
    import pyarrow.compute as pc

    hits = pc.match_substring_regex(arr, _DISGUISE.pattern)
    return bool(pc.any(hits).as_py())


def body_rows(path: Path, sheet: SheetInfo, start: int, width: int, mapped: set[int]) -> pd.DataFrame:
    """Rows ``start`` (0-based sheet row) to the end of ``sheet`` as grid columns ``0 .. width-1`` and beyond.

    Typed columns stay typed (float64, datetime64); text columns stay pyarrow strings
    (``ArrowDtype``, ``""`` for empty cells; :func:`.parse.arrow_text` reads them without a Python
    object per cell); other kinds become the Python objects python-calamine gives.
    ``mapped`` are the grid columns the table uses: a text column among them whose cells may be
    converted numbers or dates needs :attr:`SheetInfo.last_rows` to show they are text; a typed
    column must hold no text cell (fastexcel reads "N/A" as empty there) nor true/false (read as 1/0).
    Raises :class:`NotFast` when that cannot be shown or fastexcel cannot read the sheet.
    """
    import fastexcel
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        reader = fastexcel.read_excel(str(path))
        ws = reader.load_sheet(
            sheet.name, header_row=None, skip_rows=start, schema_sample_rows=None, dtype_coercion="coerce"
        )
        columns = ws.selected_columns
        batch = ws.to_arrow()
    except Exception as exc:  # an odd sheet for fastexcel: python-calamine reads it
        raise NotFast(f"fastexcel: {type(exc).__name__}: {exc}") from None
    n = batch.num_rows
    if start + n > sheet.max_row and sheet.max_row:
        raise NotFast("fastexcel found more rows than the sheet's cells name")
    last = sheet.last_rows
    if last is None:
        raise NotFast("the kinds of the sheet's cells are not known")

    def below_header(kind: str, j: int) -> bool:  # a cell of this kind in column j below the header
        return last[kind].get(j, 0) > start

    cols: dict[int, pd.Series | np.ndarray] = {}
    for info, arr in zip(columns, batch.columns):
        j = int(info.absolute_index)
        t = arr.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            if j in mapped and below_header("other", j) and _looks_converted(arr):
                raise NotFast(f"column {j} mixes text with numbers or dates")
            cols[j] = pd.Series(
                pd.arrays.ArrowExtensionArray(pc.fill_null(arr, "") if arr.null_count else arr), copy=False
            )
        elif below_header("text", j):  # fastexcel reads "N/A", "NULL", "nan" ... in a typed column as empty
            raise NotFast(f"column {j} mixes text with numbers or dates")
        elif below_header("bool", j) and not pa.types.is_boolean(t):  # and true/false as 1/0
            raise NotFast(f"column {j} mixes true/false with numbers")
        elif pa.types.is_floating(t) or pa.types.is_integer(t):
            cols[j] = arr.to_numpy(zero_copy_only=False).astype("float64", copy=False)
        elif pa.types.is_timestamp(t):
            vals = arr.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
            if (vals[~np.isnat(vals)] < np.datetime64("1900-01-01")).any():
                raise NotFast("times of day without a date")  # python-calamine gives datetime.time
            cols[j] = vals
        elif pa.types.is_boolean(t):
            cols[j] = np.array(["" if v is None else v for v in arr.to_pylist()], dtype=object)
        elif pa.types.is_duration(t):
            cols[j] = np.array(["" if v is None else v for v in arr.to_pylist()], dtype=object)
        elif pa.types.is_null(t):
            cols[j] = np.full(n, "", dtype=object)
        else:
            raise NotFast(f"column type {t}")
    full_width = max([width, *(j + 1 for j in cols)])
    empty = np.full(n, "", dtype=object)
    out = {}
    for j in range(full_width):
        v = cols.get(j, empty)
        out[j] = (
            v if isinstance(v, pd.Series) else pd.Series(v, dtype=object if v.dtype == object else v.dtype, copy=False)
        )
    return pd.DataFrame(out, copy=False)
