"""Reading the cells of an export into a raw grid, before any header is known.

Spreadsheets (.xlsx, .xlsm) are read with python-calamine, falling back to
openpyxl (read-only, values only; openpyxl parses XML through defusedxml) when
calamine cannot open a file. CSV/TXT/TSV files are decoded (BOM, UTF-8,
UTF-16, then cp1252 or latin-1) and split with a sniffed delimiter; CR, LF and
CRLF line endings and quoted fields with embedded newlines are handled by the
``csv`` module. Parquet files are read with pyarrow and keep their own column
names as the header.

A :class:`RawSheet` keeps every cell as found (empty cells as ``""``) plus the
row number as the user sees it: the Excel row, the CSV line on which the record
starts (1-based, header and title lines included) or the 1-based parquet record.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.ingest.safety import (
    WorkbookInfo,
    cannot_read,
    check_sheet_extent,
    formula_cells_without_value,
    inspect_workbook,
    sniff_file,
)
from supplier_analytics.ingest.xlsx_fast import NotFast, body_rows, full_grid, grid_from_rows, head_rows

__all__ = ["RawSheet", "iter_sheets", "EXCEL_SUFFIXES", "CSV_SUFFIXES", "PARQUET_SUFFIXES"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawSheet:
    """Cells of one sheet (or of a CSV/parquet file) as read.

    ``grid`` has positional integer columns and object cells (``""`` when
    empty) except for parquet, whose typed columns are kept; ``row_numbers``
    gives the user-visible row of each grid row. ``header`` is set when the
    format carries its own column names (parquet). ``merges`` lists merged
    ranges ``(row0, col0, row1, col1)``, 0-based and inclusive, in grid positions
    (``None`` when the format or reader cannot tell).
    """

    name: str | None
    kind: str
    grid: pd.DataFrame
    row_numbers: np.ndarray
    header: list[str] | None = None
    merges: list[tuple[int, int, int, int]] | None = None
    notes: list[str] = field(default_factory=list)
    #: 0-based grid (row, column) of formula cells that carry no calculated value (read as empty).
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)
    #: set when ``grid`` holds only the first rows (a large worksheet): reads the rows from a
    #: 0-based grid row on, given the grid columns the table uses (see :mod:`.xlsx_fast`)
    body: Callable[[int, set[int]], pd.DataFrame] | None = field(default=None, repr=False)
    #: delimited text: the number of fields of each record as written (before the grid pads it)
    widths: np.ndarray | None = field(default=None, repr=False)
    #: delimited text: the delimiter the fields are split on
    delimiter: str | None = None

    def rows_from(self, start: int, used: AbstractSet[int] = frozenset()) -> tuple[pd.DataFrame, np.ndarray]:
        """Grid rows ``start`` to the end (index reset) and their user-visible row numbers."""
        if self.body is None:
            return self.grid.iloc[start:].reset_index(drop=True), self.row_numbers[start:]
        grid = self.body(start, set(used))
        return grid, np.arange(start + 1, start + 1 + len(grid), dtype="int64")


def _cannot(path: Path, why: str, todo: str) -> InputError:
    return cannot_read(path, why, todo)


def _short(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 120 else text[:117] + "..."


_grid_from_rows = grid_from_rows


# --------------------------------------------------------------------------- Excel
def _fast_sheet(path: Path, info: WorkbookInfo, name: str, head: int) -> RawSheet | None:
    """A large sheet's first ``head`` rows, its data rows read once the header is known (or None)."""
    s = info.sheet(name)
    if s is None:
        return None
    try:
        grid, merges = head_rows(path, s, head)
    except NotFast:
        return None

    def body(start: int, used: set[int]) -> pd.DataFrame:
        try:
            return body_rows(path, s, start, grid.shape[1], used)
        except NotFast:
            full, _ = full_grid(path, name)
            return full.iloc[start:].reset_index(drop=True)

    return _excel_sheet(path, info, name, grid, merges, body=body)


def _excel_sheet(
    path: Path,
    info: WorkbookInfo,
    name: str,
    grid: pd.DataFrame,
    merges: list[tuple[int, int, int, int]],
    body: Callable[[int, set[int]], pd.DataFrame] | None = None,
) -> RawSheet:
    """A worksheet's grid (rows numbered from 1) with its merged ranges and formulas without a value."""
    return RawSheet(
        name,
        "excel",
        grid,
        np.arange(1, len(grid) + 1, dtype="int64"),
        merges=merges,
        formulas_without_value=_formulas(path, info, name),
        body=body,
    )


def _excel_sheets(path: Path, sheet: str | int | None, head: int | None = None) -> Iterator[RawSheet]:
    from python_calamine import CalamineWorkbook

    info = inspect_workbook(path)  # refuses zip bombs, DTDs, oversized sheets and non-workbooks first
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as cal_exc:  # calamine cannot open it: try openpyxl before giving up
        yield from _openpyxl_sheets(path, sheet, cal_exc, info)
        return
    try:
        names = list(wb.sheet_names)
        hidden = _hidden_names(info, names, wb)
        for name in _select_sheets(path, names, sheet, hidden):
            _check_extent(path, info, name)
            fast = _fast_sheet(path, info, name, head) if head is not None else None
            if fast is not None:
                yield fast
                continue
            try:
                s = wb.get_sheet_by_name(name)
                rows = s.to_python(skip_empty_area=False)
                merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (s.merged_cell_ranges or [])]
                del s
            except Exception as cal_exc:
                yield from _openpyxl_sheets(path, name, cal_exc, info)
                continue
            grid = _grid_from_rows(rows)
            del rows
            yield _excel_sheet(path, info, name, grid, merges)
    finally:
        wb.close()


def _hidden_names(info: WorkbookInfo, names: list[str], wb=None) -> set[str]:
    if info.sheets:
        return {s.name for s in info.sheets if s.hidden}
    if wb is not None:
        try:
            return {m.name for m in wb.sheets_metadata if str(m.visible).rsplit(".", 1)[-1].lower() != "visible"}
        except Exception:  # metadata unavailable: treat every sheet as visible
            return set()
    return set()


def _check_extent(path: Path, info: WorkbookInfo, name: str) -> None:
    s = info.sheet(name)
    if s is not None:
        check_sheet_extent(path, s)


def _formulas(path: Path, info: WorkbookInfo, name: str) -> list[tuple[int, int]]:
    s = info.sheet(name)
    if s is None or not s.has_formulas or not s.member:
        return []
    try:
        return formula_cells_without_value(path, s.member)
    except Exception:  # the readers already parsed this part; an odd one leaves formulas undetected
        return []


def _select_sheets(
    path: Path, names: list[str], sheet: str | int | None, hidden: AbstractSet[str] = frozenset()
) -> list[str]:
    if sheet is None:
        visible = [n for n in names if n not in hidden]
        if names and not visible:
            raise InputError(
                f"Cannot read {path.name}: every sheet is hidden ({', '.join(repr(n) for n in names)}); "
                "give the sheet to read by name (sheet= or sheet in the mapping), or unhide it in Excel."
            )
        return visible
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return [names[sheet]]
        raise InputError(
            f"{path.name} has no sheet number {sheet} (0-based; it has {len(names)} sheets: "
            f"{', '.join(names)}); give a sheet name or number that exists."
        )
    if sheet in names:
        return [sheet]
    folded = [n for n in names if n.strip().casefold() == str(sheet).strip().casefold()]
    if folded:
        return folded[:1]
    raise InputError(
        f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(names)}); give one of these names as sheet."
    )


def _openpyxl_sheets(
    path: Path, sheet: str | int | None, first_error: Exception, info: WorkbookInfo | None = None
) -> Iterator[RawSheet]:
    import openpyxl

    info = info if info is not None else WorkbookInfo()
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        if not zipfile.is_zipfile(path):
            raise _cannot(
                path,
                "it is not an Excel workbook (no .xlsx/.xlsm content)",
                "open it in Excel and save it again as .xlsx, or give it the right file extension",
            ) from None
        raise _cannot(
            path,
            f"the workbook is damaged ({_short(first_error)}; {_short(exc)})",
            "open it in Excel and save it again as .xlsx",
        ) from None
    try:
        names = list(wb.sheetnames)
        hidden = _hidden_names(info, names) or {n for n in names if wb[n].sheet_state != "visible"}
        for name in _select_sheets(path, names, sheet, hidden):
            _check_extent(path, info, name)
            ws = wb[name]
            # up to the last value the scan found: openpyxl would go on to the <dimension> claim (formatting)
            s = info.sheet(name)
            # (a sheet without a value: one row at most -- openpyxl takes max_row=0 for "no bound")
            bound = {"max_row": max(s.max_row, 1), "max_col": max(s.max_col, 1)} if s is not None else {}
            try:
                rows = [
                    ["" if v is None else v for v in r]
                    for r in ws.iter_rows(min_row=1, min_col=1, values_only=True, **bound)
                ]
            except Exception as exc:
                raise _cannot(
                    path,
                    f"sheet {name!r} is damaged ({_short(first_error)}; {_short(exc)})",
                    "open it in Excel and save it again as .xlsx",
                ) from None
            grid = _grid_from_rows(rows)
            yield RawSheet(
                name,
                "excel",
                grid,
                np.arange(1, len(grid) + 1, dtype="int64"),
                notes=[f"sheet {name!r} read with openpyxl (calamine could not read it)"],
                formulas_without_value=_formulas(path, info, name),
            )
    finally:
        wb.close()


# --------------------------------------------------------------------------- CSV
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise _cannot(
                path,
                f"it is not valid {encoding} text (byte {exc.start})",
                "fix the encoding in the mapping or leave it out to detect it",
            ) from None
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError:
                raise _cannot(
                    path,
                    f"it starts with a {enc} byte-order mark but is not valid {enc} text",
                    "export it again as UTF-8",
                ) from None
    if b"\x00" in raw[:4096]:
        raise _cannot(
            path,
            "it holds binary data, not delimited text",
            "export the data as CSV (UTF-8) or give the file its right extension",
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _sniff(text: str) -> str:
    """The delimiter that splits the first lines into the most rows of one consistent width."""
    sample = text[:65536]
    best, best_score = ",", (-1, -1)
    for d in _DELIMITERS:
        try:
            rows = [r for _, r in zip(range(60), csv.reader(io.StringIO(sample, newline=""), delimiter=d)) if r]
        except csv.Error:
            continue
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        values, counts = np.unique(widths, return_counts=True)
        k = int(np.argmax(counts))
        score = (int(counts[k]), int(values[k]))
        if score > best_score:
            best, best_score = d, score
    return best


def _csv_sheet(path: Path, encoding: str | None, delimiter: str | None) -> RawSheet:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _cannot(
            path, exc.strerror or str(exc), "check the path and that the file is not open elsewhere"
        ) from None
    kind = sniff_file(path, raw[:65536])
    if kind == "zip":
        raise _cannot(
            path,
            "it is an Excel workbook or another zip file, not delimited text",
            "rename it to .xlsx or export the data as CSV",
        )
    if kind in ("xls", "encrypted"):
        what = "a password-protected Office file" if kind == "encrypted" else "an old Excel 97-2003 workbook (.xls)"
        raise _cannot(
            path,
            f"it is {what}, not delimited text",
            "open it in Excel and export the data as CSV (UTF-8) or save it as .xlsx without a password",
        )
    if kind == "parquet":
        raise _cannot(path, "it is a parquet file, not delimited text", "give it the extension .parquet")
    if not raw.strip():
        raise _cannot(path, "the file is empty", "export the data again with its header row")
    text, enc = _decode(path, raw, encoding)
    if not text.strip():
        raise _cannot(path, "the file holds no text", "export the data again with its header row")
    delim = delimiter or ("\t" if path.suffix.lower() == ".tsv" and text.count("\t") else _sniff(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    starts: list[int] = []
    start = 1
    # a cell may be long (it is rejected later with a reason); the whole file is the natural bound
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, 2**31 - 1)))
    try:
        for rec in reader:
            rows.append(rec)
            starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _cannot(
            path,
            f"line {reader.line_num} is not valid CSV ({_short(exc)})",
            "check the quoting on that line or give the delimiter in the mapping",
        ) from None
    finally:
        csv.field_size_limit(limit)
    widths = np.fromiter(map(len, rows), dtype=np.int32, count=len(rows))
    grid = _grid_from_rows(rows)
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    notes = [f"read as {enc} text, delimiter {names.get(delim, repr(delim))}"]
    return RawSheet(None, "csv", grid, np.asarray(starts, dtype="int64"), notes=notes, widths=widths, delimiter=delim)


# --------------------------------------------------------------------------- parquet
def _parquet_sheet(path: Path) -> RawSheet:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:
        raise _cannot(
            path,
            f"it is not a readable parquet file ({type(exc).__name__}: {exc})",
            "write it again with pandas or pyarrow, or give it the right file extension",
        ) from None
    header = [str(c) for c in frame.columns]
    grid = frame.set_axis(range(frame.shape[1]), axis=1)
    return RawSheet(None, "parquet", grid, np.arange(1, len(grid) + 1, dtype="int64"), header=header)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(65536)
    except OSError:
        return b""


def iter_sheets(
    path: Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    head: int | None = None,
) -> Iterator[RawSheet]:
    """Yield the sheets of ``path`` to look at, in order (one for CSV and parquet).

    ``head``: a large worksheet may come with only its first ``head`` rows in ``grid`` and the
    rest read by :meth:`RawSheet.rows_from` once the header is known (see :mod:`.xlsx_fast`).

    Raises :class:`InputError` when the file does not exist, has an unknown
    extension or cannot be read.
    """
    if not path.exists():
        raise InputError(f"Cannot read {path.name}: the file does not exist; check the path {path}.")
    if path.is_dir():
        raise InputError(f"Cannot read {path.name}: it is a folder, not a file; give the export file itself.")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        yield from _excel_sheets(path, sheet, head)
    elif suffix in CSV_SUFFIXES:
        yield _csv_sheet(path, encoding, delimiter)
    elif suffix in PARQUET_SUFFIXES:
        yield _parquet_sheet(path)
    elif suffix == ".xls" or (path.is_file() and sniff_file(path, _head(path)) in ("xls", "encrypted")):
        inspect_workbook(path)  # raises with what the file is (.xls, password-protected ...)
        raise _cannot(path, "an .xls file that is a zip archive is not supported", "save it as .xlsx")
    else:
        allowed = ", ".join(EXCEL_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES)
        raise InputError(
            f"Cannot read {path.name}: the extension {suffix or '(none)'} is not supported; "
            f"save the export as one of {allowed}."
        )
