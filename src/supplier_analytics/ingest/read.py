"""Reading one export into a canonical table (:func:`read_table`) and checking a set (:func:`validate_files`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError, InputError, ValidationError
from supplier_analytics.ingest._cells import Problem
from supplier_analytics.ingest.combine import check_supplier_master
from supplier_analytics.ingest.database import DatabaseSource, database_source, read_database
from supplier_analytics.ingest.dates import DateParser
from supplier_analytics.ingest.duplicates import exact_duplicates, row_digests
from supplier_analytics.ingest.header import (
    SCAN_ROWS,
    HeaderMatch,
    choose_span_columns,
    column_letter,
    find_header,
    nonempty_counts,
)
from supplier_analytics.ingest.mapping import ColumnMapping, TableMapping, read_mapping
from supplier_analytics.ingest.parse import (
    NumberParser,
    arrow_text,
    normalise_request_type,
    parse_id,
    text_lengths,
    to_text,
)
from supplier_analytics.ingest.preset_hint import preset_note
from supplier_analytics.ingest.ragged import ragged_rows
from supplier_analytics.ingest.readers import RawSheet, iter_sheets
from supplier_analytics.ingest.result import REJECTED_COLUMNS, SKIPPED_COLUMNS, ImportResult, ValidationReport
from supplier_analytics.ingest.rules import action_rules, exclusion_rules
from supplier_analytics.ingest.safety import MAX_CELL_CHARS
from supplier_analytics.ingest.suggest import absent_mapped, near_required, warn_close_headers
from supplier_analytics.schema import ALL_TABLES, TableSchema

__all__ = ["read_table", "read_frame", "validate_files"]

_DUPLICATES = ("reject", "keep")
_TOTAL_RE = re.compile(
    r"^(?:grand\s*total|overall\s*result|total|totals|sum|subtotal|summe|gesamt|gesamtsumme|endsumme|"
    r"zwischensumme|gesamtergebnis|ergebnis|result)\b",
    re.IGNORECASE,
)
# rules "later column must not come before earlier column", per table
_DATE_ORDER = {
    "deliveries": (("date_received", "date_ordered"),),
    "requests": (("date_responded", "date_sent"), ("date_closed", "date_sent")),
    "actions": (("closed", "opened"),),
}


def _check_options(table: str, duplicates: str) -> None:
    if table not in ALL_TABLES:
        raise ConfigError(f"Unknown table {table!r}; allowed tables: {', '.join(ALL_TABLES)}.")
    if duplicates not in _DUPLICATES:
        raise ConfigError(f"duplicates is {duplicates!r}; allowed values: {', '.join(_DUPLICATES)}.")


def read_table(
    path: str | Path | DatabaseSource,
    table: str,
    *,
    query: str | None = None,
    mapping: str | Path | dict | ColumnMapping | None = None,
    sheet: str | int | None = None,
    duplicates: str = "reject",
) -> ImportResult:
    """Read an export (.xlsx, .xlsm, .csv/.txt/.tsv, .parquet) into a canonical table.

    Every cell of every row is checked; bad rows are kept aside with reasons in
    ``result.rejected`` rather than raised, so that ``rows_read ==
    rows_accepted + rows_rejected`` always holds.

    Parameters
    ----------
    path : the export file, or a database URL (``sqlite:///erp.db``, ``postgresql://user@host/db``;
        ``${NAME}`` is filled in from the environment variable NAME) with ``query``, or a
        :class:`~supplier_analytics.ingest.database.DatabaseSource`; see :mod:`.database`.
    table : ``deliveries``, ``inspections``, ``requests``, ``suppliers``, ``exclusions`` or ``actions``
        (the action log; see also :func:`~supplier_analytics.ingest.read_actions`).
    mapping : ``None`` to recognise common header spellings (English and German),
        or a TOML mapping file, a dict of the same shape or a :class:`ColumnMapping`
        (see :mod:`supplier_analytics.ingest.mapping`).
    sheet : sheet name (or 0-based number) of a workbook; default the mapping's
        ``sheet``, else the first sheet whose header has the table's columns.
    duplicates : ``"reject"`` (default): second and later copies of an exact
        duplicate record (every column of the file equal, mapped or not; see
        :mod:`~supplier_analytics.ingest.duplicates`) are rejected with the reason
        "exact duplicate of row N (every column equal)"; ``"keep"``: they stay in
        ``data``. Either way they are listed in ``result.duplicates``. Rows equal
        in the mapped columns only are kept, with a note.
    query : with a database URL: the SQL whose result is the table (a rejected row's ``row`` is its
        1-based row in the result).

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        The file cannot be read, or a required column is not found.
    ValidationError
        A whole column cannot be read without a guess (day-first or month-first
        dates, decimal comma or point); the message says what to set in the mapping.
    ConfigError
        The mapping or an option is invalid.
    """
    _check_options(table, duplicates)
    tm = read_mapping(mapping)[table] if mapping is not None else TableMapping()
    db = database_source(path, query)
    if db is not None:
        return _read(db.name, ALL_TABLES[table], tm, [read_database(db)], duplicates)
    path = Path(path)  # type: ignore[arg-type]
    wanted = sheet if sheet is not None else tm.sheet
    head = max(SCAN_ROWS + 1, (tm.header_row or 0) + 1)
    sheets = iter_sheets(path, sheet=wanted, encoding=tm.encoding, delimiter=tm.delimiter, head=head)
    return _read(str(path.name) if path.name else str(path), ALL_TABLES[table], tm, sheets, duplicates)


def read_frame(
    frame: pd.DataFrame,
    table: str,
    *,
    mapping: str | Path | dict | ColumnMapping | None = None,
    name: str = "the DataFrame",
    duplicates: str = "reject",
) -> ImportResult:
    """Check a DataFrame as :func:`read_table` checks a file: same header spellings, parsing and rules.

    The frame's column labels are its header (``mapping`` may name them, as for a file); its rows are
    numbered as a sheet with one header row shows them (the first row is row 2). ``name`` stands for
    the file name in the result and its messages.

    Examples
    --------
    >>> r = read_frame(pd.DataFrame({"Vendor": ["S1", "S2"], "Name": ["ACME", "Beta"]}), "suppliers")
    >>> r.data["supplier_id"].tolist(), r.data["source_row"].tolist(), r.column_map["supplier_id"]
    (['S1', 'S2'], [2, 3], 'Vendor')
    """
    _check_options(table, duplicates)
    raw = RawSheet(
        None,
        "frame",
        _frame_grid(frame),
        np.arange(2, len(frame) + 2, dtype="int64"),
        header=[str(c) for c in frame.columns],
    )
    tm = read_mapping(mapping)[table] if mapping is not None else TableMapping()
    return _read(name, ALL_TABLES[table], tm, [raw], duplicates)


def _frame_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame's cells as the readers give them: positional columns, datetimes and plain numbers kept,
    numbers with ``pd.NA`` as float, anything else as objects with ``""`` for a missing cell."""
    cols = {}
    for j in range(frame.shape[1]):
        s = frame.iloc[:, j].reset_index(drop=True)
        if s.dtype.kind == "M" or (s.dtype.kind in "fiu" and isinstance(s.dtype, np.dtype)):
            cols[j] = s
        elif s.dtype.kind in "fiu":  # Int64, Float64 ...: pd.NA becomes NaN
            cols[j] = s.astype("float64")
        else:
            obj = s.astype(object)
            cols[j] = obj.where(obj.notna(), "")
    return pd.DataFrame(cols, index=pd.RangeIndex(len(frame)))


def _read(source: str, schema: TableSchema, tm: TableMapping, sheets, duplicates: str) -> ImportResult:
    """The first of ``sheets`` whose header holds the table's required columns, read (else InputError)."""
    tried: list[tuple[RawSheet, HeaderMatch]] = []
    for raw in sheets:
        match = find_header(raw, schema, tm)
        if not match.missing:
            return _build(source, schema, tm, raw, match, duplicates)
        tried.append((raw, match))
    raise _missing_columns(source, schema, tried, tm)


def _missing_columns(source: str, schema: TableSchema, tried, tm: TableMapping) -> InputError:
    if not tried:
        return InputError(f"Cannot read {source}: the workbook has no sheets; export the data again.")
    raw, match = max(tried, key=lambda rm: len(rm[1].columns))
    where = source if raw.name is None else f"{source} (sheet {raw.name!r})"
    if len(tried) > 1:
        where = f"{source} (none of the sheets {', '.join(repr(r.name) for r, _ in tried)})"
    headers = [h if len(h) <= 60 else h[:57] + "..." for h in match.labels if h]
    if not headers:
        return InputError(
            f"{where} holds no header row with the {schema.name} columns (it looks empty); "
            f"export the data again with its header, or give header_row in the mapping."
        )
    shown = ", ".join(repr(h) for h in headers[:25]) + (" ..." if len(headers) > 25 else "")
    if wrong := absent_mapped(where, schema, tm, match.labels, match.missing):
        return InputError(wrong)
    miss, near = match.missing, near_required(match.labels, match.columns, schema, tm, match.missing)
    todo = f'add a mapping that names the header, e.g. [{schema.name}.columns] {miss[0]} = "<your header>"'
    if raw.kind == "database":
        todo = f"name the column in the query (SELECT ... AS {miss[0]}) or {todo}"
    return InputError(
        f"{where} lacks the required {schema.name} column{'s' if len(miss) > 1 else ''} {', '.join(miss)} "
        f"(headers found: {shown}{near}); {todo}"
        + (f"; {hint}." if tm == TableMapping() and (hint := preset_note(schema.name, match.labels)) else ".")
    )


def _is_empty(col: pd.Series) -> np.ndarray:
    arr = arrow_text(col)
    if arr is not None:
        import pyarrow.compute as pc

        return pc.equal(arr, "").to_numpy(zero_copy_only=False)
    if col.dtype.kind in "fiumMb":
        return col.isna().to_numpy(dtype=bool)
    arr = col.to_numpy(dtype=object)
    return pd.isna(arr) | (arr == "")


def _classify_rows(raw: RawSheet, grid: pd.DataFrame, match: HeaderMatch, schema: TableSchema):
    """Blank and totals rows (positions into ``grid``) with reasons."""
    n = len(grid)
    empty = {c: _is_empty(grid[c]) for c in grid.columns}
    blank = np.ones(n, dtype=bool)
    for e in empty.values():
        blank &= e
    reasons: dict[int, str] = {int(i): "blank row" for i in np.flatnonzero(blank)}
    id_cols = [match.columns[c.name] for c in schema.columns if c.kind == "id" and c.name in match.columns]
    if not id_cols or n == 0:
        return reasons
    any_id_empty = np.zeros(n, dtype=bool)
    all_id_empty = np.ones(n, dtype=bool)
    for c in id_cols:
        any_id_empty |= empty[c]
        all_id_empty &= empty[c]
    cand = np.flatnonzero(any_id_empty & ~blank)
    if len(cand):
        sub = grid.iloc[cand]
        label = np.zeros(len(cand), dtype=bool)
        for c in sub.columns:
            col = sub[c]
            if col.dtype.kind in "fiumMb":
                continue
            txt = to_text(col)
            label |= txt.str.match(_TOTAL_RE).fillna(False).to_numpy(dtype=bool)
        for i, is_total in zip(cand, label):
            if is_total:
                reasons[int(i)] = "totals row"
    # rows without ids or dates below the last row with an id: totals (or a note) at the bottom
    date_cols = [
        match.columns[c.name] for c in schema.columns if c.kind in ("date", "datetime") and c.name in match.columns
    ]
    no_dates = np.ones(n, dtype=bool)
    for c in date_cols:
        no_dates &= empty[c]
    has_id = np.flatnonzero(~all_id_empty)
    last = has_id[-1] if len(has_id) else -1
    tail = (np.arange(n) > last) & ~blank & all_id_empty & no_dates
    for i in np.flatnonzero(tail):
        reasons.setdefault(int(i), "no ids or dates below the data (totals or a note)")
    return reasons


def _build(
    source: str, schema: TableSchema, tm: TableMapping, raw: RawSheet, match: HeaderMatch, duplicates: str
) -> ImportResult:
    notes: list[str] = []
    start = 0 if match.row is None else match.row + match.n_rows
    span_cols = sorted({c for s in match.spans.values() for c in s})
    grid, rownum = raw.rows_from(start, set(match.columns.values()) | set(span_cols))
    if match.spans:
        choose_span_columns(match, nonempty_counts(grid, span_cols))
    present = [c for c in schema.names if c in match.columns]
    if match.row is None:
        own = {"parquet": "the parquet schema", "frame": "the frame", "database": "the query result"}
        notes.append(match.origin or f"columns taken from {own.get(raw.kind, 'the file')}")
        header_row = None
    else:
        header_row = int(raw.row_numbers[match.row])
        unit = "line" if raw.kind == "csv" else "row"
        if match.n_rows == 2:
            notes.append(
                f"header found on {unit}s {header_row}-{int(raw.row_numbers[match.row + 1])} (two header rows combined)"
            )
        else:
            notes.append(f"header found on {unit} {header_row}")
    notes.extend(raw.notes)
    if tm == TableMapping() and (hint := preset_note(schema.name, match.labels)):  # ingest/preset_hint.py
        notes.append(hint)
    column_map = {c: match.labels[match.columns[c]] for c in present}
    letters = {c: column_letter(match.columns[c]) for c in present} if raw.kind == "excel" else {}
    used = set(match.columns.values())
    unused = [match.labels[j] for j in range(len(match.labels)) if j not in used and match.labels[j]]
    if unused:
        notes.append("columns not used: " + ", ".join(repr(u) for u in unused))
    if gone := [f"{c} ({tm.columns[c]!r})" for c in tm.columns if tm.absent_ok and c not in match.columns]:
        notes.append("not in the file, so not read: " + ", ".join(gone))
    place = source if raw.name is None else f"{source} (sheet {raw.name!r})"
    warn_close_headers(notes, place, unused, schema, tm, found=set(present))  # a typo would lose a figure

    # formula cells without a calculated value, per mapped column (positions into grid)
    formula_rows: dict[str, np.ndarray] = {}
    if raw.formulas_without_value:
        where = {j: name for name, j in match.columns.items() if name in present}
        for r, c in raw.formulas_without_value:
            if c in where and start <= r < start + len(grid):
                formula_rows.setdefault(where[c], np.zeros(len(grid), dtype=bool))[r - start] = True

    # blank lines and totals rows are skipped (reported, not rejected)
    skip = _classify_rows(raw, grid, match, schema)
    for m in formula_rows.values():  # a row of uncalculated formulas is not blank
        for i in np.flatnonzero(m):
            skip.pop(int(i), None)
    sheet_name = raw.name
    skipped = pd.DataFrame(
        {
            "source_file": [source] * len(skip),
            "sheet": [sheet_name] * len(skip),
            "row": np.array([rownum[i] for i in sorted(skip)], dtype="int64"),
            "reason": [skip[i] for i in sorted(skip)],
        },
        columns=list(SKIPPED_COLUMNS),
    )
    unit = "line" if raw.kind == "csv" else "row"
    for reason, label in (
        ("totals row", "totals"),
        ("no ids or dates below the data (totals or a note)", "no ids or dates (totals or a note) on"),
    ):
        rows = [int(rownum[i]) for i in sorted(skip) if skip[i] == reason]
        if rows:
            notes.append(f"{label} {unit}{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))} skipped")
    nblank = sum(1 for r in skip.values() if r == "blank row")
    if nblank:
        notes.append(f"{nblank} blank {'line' if nblank == 1 else 'lines'} skipped")
    if skip:
        keep = np.ones(len(grid), dtype=bool)
        keep[sorted(skip)] = False
        grid = grid.loc[keep].reset_index(drop=True)
        rownum = rownum[keep]
        formula_rows = {k: m[keep] for k, m in formula_rows.items()}
    n = len(grid)
    if n == 0 and match.row is not None:
        notes.append("the file holds a header but no data rows")
    ragged = ragged_rows(source, raw, match, grid, rownum)  # lines with more or fewer fields than the header
    if ragged is not None:
        grid = ragged.blank(grid, match.columns.values())
        notes.extend(ragged.notes)

    # parse every mapped column
    problems: list[tuple[str, Problem]] = []
    values: dict[str, pd.Series] = {}
    numbers: dict[str, NumberParser] = {}
    dates: dict[str, DateParser] = {}
    no_formula = {name: ~formula_rows[name] if name in formula_rows else np.ones(n, dtype=bool) for name in present}
    for name, m in formula_rows.items():
        problems.append((name, Problem(m.copy(), FORMULA_REASON, "formula without value")))
    for name in present:
        col = schema.column(name)
        cells = grid[match.columns[name]]
        long = _too_long(cells)
        if long is not None:
            reason = np.array(
                [
                    f"the cell holds {k:,} characters, more than the {MAX_CELL_CHARS:,} a spreadsheet cell can hold"
                    for k in long[1]
                ],
                dtype=object,
            )
            full = np.empty(n, dtype=object)
            full[long[0]] = reason
            problems.append((name, Problem(long[0], full, "too long")))
        if col.kind in ("id", "text"):
            vals, missing, placeholder = parse_id(cells)
            if name == "request_type":
                vals = normalise_request_type(vals)
            values[name] = vals
            _missing(problems, name, col.required, missing & no_formula[name], placeholder, notes, "text")
        elif col.kind == "number":
            numbers[name] = NumberParser(cells)
        else:
            dates[name] = DateParser(cells, kind=col.kind, date_format=tm.date_formats.get(name))
    errors = _decide_numbers(source, schema, tm, numbers, column_map, notes)
    errors += _decide_dates(source, schema, tm, dates, column_map, notes)
    if errors:
        raise ValidationError(
            f"{source}: " + "; ".join(e[1] for e in errors) + ".",
            failure_cases=pd.DataFrame([e[0] for e in errors]),
        )
    for name, num in numbers.items():
        col = schema.column(name)
        vals = pd.Series(num.values, dtype="float64")
        problems += [(name, q) for q in num.problems]
        _missing(problems, name, col.required, num.missing & no_formula[name], num.placeholder, notes, "number")
        if col.min_value is not None:
            low = (vals < col.min_value).to_numpy(dtype=bool)
            if low.any():
                what = "negative value" if col.min_value == 0 else f"value below {col.min_value:g}"
                problems.append((name, Problem(low, f"{what} not allowed", "negative value")))
        values[name] = vals
    with_time: dict[str, pd.Series] = {}  # date columns whose time of day is dropped: compared with it
    for name, dp in dates.items():
        col = schema.column(name)
        vals = dp.result()
        problems += [(name, q) for q in dp.problems]
        missing, placeholder = dp.missing & no_formula[name], dp.placeholder
        if col.required and col.empty_with is not None:
            missing, placeholder = _open_line(problems, name, col.empty_with, values, missing, placeholder, n)
        _missing(problems, name, col.required, missing, placeholder, notes, "date")
        if dp.serials:
            notes.append(f"{dp.serials} Excel serial number{'s' if dp.serials > 1 else ''} in {name} read as dates")
        if col.kind == "date":
            timed = int(((pd.Series(dp.values) != vals) & vals.notna()).sum())
            if timed:
                with_time[name] = pd.Series(dp.values)
                notes.append(
                    f"time of day dropped from {timed} value{'s' if timed > 1 else ''} of {name} (a date column)"
                )
        values[name] = vals

    # rules across columns and rows
    for later, earlier in _DATE_ORDER.get(schema.name, ()):
        if later in values and earlier in values:
            bad = (values[later] < values[earlier]).to_numpy(dtype=bool)
            if bad.any():
                problems.append((later, Problem(bad, f"{later} is before {earlier}", "date order")))
    if schema.name == "exclusions" and "table" in values:
        problems += exclusion_rules(values, n)
    if schema.name == "actions":
        problems += action_rules(values, problems, n)

    problems = ragged.replace(problems) if ragged is not None else problems  # one reason per ragged row
    bad_row = np.zeros(n, dtype=bool)
    for _, problem in problems:
        bad_row |= problem.mask
    frame = pd.DataFrame({c: values[c] for c in present})
    if schema.name == "suppliers" and "supplier_id" in frame:
        ok_ids = frame["supplier_id"].where(~bad_row)
        rep = (ok_ids.duplicated(keep="first") & ok_ids.notna()).to_numpy(dtype=bool)
        if rep.any():
            first = pd.Series(rownum).groupby(ok_ids.to_numpy()).transform("first").to_numpy()
            reason = np.array([f"supplier_id repeats row {f} of the supplier master" for f in first], dtype=object)
            problems.append(("supplier_id", Problem(rep, reason, "duplicate supplier")))
            bad_row |= rep
    if schema.name == "actions" and n:
        ok = frame.loc[~bad_row, ["supplier_id", "action_id"]]
        rep = np.zeros(n, dtype=bool)
        rep[~bad_row] = ok.duplicated(keep="first").to_numpy(dtype=bool)
        if rep.any():
            key = ok.groupby(["supplier_id", "action_id"], sort=False).ngroup().to_numpy()
            first = pd.Series(rownum[~bad_row]).groupby(key).transform("first").to_numpy()
            first_of = dict(zip(np.flatnonzero(~bad_row), first))
            reason = np.empty(n, dtype=object)
            for i in np.flatnonzero(rep):
                reason[i] = (
                    f"action {frame['action_id'].iloc[i]} of supplier {frame['supplier_id'].iloc[i]} "
                    f"repeats row {first_of[i]}; keep one row per action"
                )
            problems.append(("action_id", Problem(rep, reason, "duplicate action")))
            bad_row |= rep

    # exact duplicates among the rows that are otherwise fine: every column of the file equal (.duplicates)
    dup_frame, dup_problem = exact_duplicates(
        frame.assign(**with_time) if with_time else frame,
        bad_row,
        grid,
        rownum,
        match,
        schema.name,
        duplicates,
        notes,
        letters=bool(letters),
    )
    if dup_problem is not None:
        problems.append(("(all columns)", dup_problem))
        bad_row |= dup_problem.mask

    rejected = _rejected_frame(source, sheet_name, grid, rownum, match, column_map, problems)
    data = frame.loc[~bad_row].reset_index(drop=True)
    for name in present:
        data[name] = data[name].astype(schema.column(name).dtype)
    nacc = len(data)
    # one category repeated: from codes (a list of nacc strings to categorise took 0.04 s per 200,000 rows)
    data["source_file"] = (
        pd.Categorical.from_codes(np.zeros(nacc, dtype=np.int8), categories=[source]) if nacc else pd.Categorical([])
    )
    data["source_sheet"] = pd.Categorical.from_codes(
        np.full(nacc, 0 if sheet_name else -1, dtype=np.int8), categories=[sheet_name] if sheet_name else []
    )
    data["source_row"] = rownum[~bad_row].astype("int64")
    other, digest = row_digests(grid, np.flatnonzero(~bad_row), sorted(used), match.labels)
    return ImportResult(
        table=schema.name,
        source=source,
        sheet=sheet_name,
        data=data,
        rejected=rejected,
        duplicates=dup_frame,
        skipped=skipped,
        rows_read=n,
        rows_accepted=nacc,
        rows_rejected=int(bad_row.sum()),
        header_row=header_row,
        column_map=column_map,
        notes=notes,
        column_letters=letters,
        other_columns=other,
        row_digest=None if digest is None else pd.Series(digest, index=data["source_row"].to_numpy()),
    )


FORMULA_REASON = "formula without a value: open and save the file in Excel, or export values"
_SHOWN_CHARS = 200


def _too_long(cells: pd.Series):
    """``(mask, lengths)`` of text cells longer than a spreadsheet cell may be, or ``None``."""
    arr = arrow_text(cells)
    if (cells.dtype != object and arr is None) or not len(cells):
        return None
    lengths = text_lengths(arr if arr is not None else cells.to_numpy(dtype=object))
    mask = lengths > MAX_CELL_CHARS
    return (mask, lengths[mask]) if mask.any() else None


def _shown(values: np.ndarray) -> np.ndarray:
    """Values for the rejected table: long text cut to a readable length, its full length stated."""
    out = values.copy()
    for i, v in enumerate(values):
        if isinstance(v, str) and len(v) > _SHOWN_CHARS:
            out[i] = f"{v[:_SHOWN_CHARS]}... ({len(v):,} characters)"
    return out


def _open_line(problems, name, other, values, missing, placeholder, n) -> tuple[np.ndarray, np.ndarray]:
    """An empty required cell allowed when ``other`` is empty too (an open order line: no receipt yet).

    Rows where ``name`` is empty but ``other`` holds a value are rejected with their own reason; the
    remaining (missing, placeholder) masks are what is left to reject as missing.
    """
    if other not in values:  # without the other column nothing says "not received yet": a missing value
        return missing, placeholder
    other_empty = values[other].isna().to_numpy(dtype=bool)
    half = missing & ~other_empty
    if half.any():
        problems.append(
            (
                name,
                Problem(
                    half.copy(),
                    f"{name} is empty but {other} is given: a receipt needs its date "
                    f"(leave both empty for an open line not received yet)",
                    "missing required value",
                ),
            )
        )
    none = np.zeros(n, dtype=bool)
    return none, none


def _missing(problems, name, required, missing, placeholder, notes, what) -> None:
    if required:
        plain = missing & ~placeholder
        if plain.any():
            problems.append((name, Problem(plain, "missing value in a required column", "missing required value")))
        if placeholder.any():
            problems.append(
                (
                    name,
                    Problem(
                        placeholder.copy(),
                        "placeholder instead of a value in a required column",
                        "missing required value",
                    ),
                )
            )
    elif placeholder.any():
        k = int(placeholder.sum())
        notes.append(f"{k} placeholder value{'s' if k > 1 else ''} in {name} read as empty")


def _agreed(evidence: Iterable[str | None], choices: tuple[str, str]) -> str | None:
    """The one of ``choices`` that every column deciding between them shows, else None (none, or both)."""
    decided = {e for e in evidence if e in choices}
    return decided.pop() if len(decided) == 1 else None


def _decide_numbers(source, schema, tm, numbers, column_map, notes):
    hint = _agreed((p.decimal_evidence for p in numbers.values()), (",", "."))
    errors = []
    for name, p in numbers.items():
        ev = p.decimal_evidence
        if tm.decimal is not None:
            dec = tm.decimal
        elif ev in (",", "."):
            dec = ev
        elif ev == "ambiguous":
            if hint is None:
                errors.append(
                    (
                        {"column": name, "source_column": column_map[name], "problem": "decimal separator unknown"},
                        f"the numbers in {name} ({column_map[name]!r}) look like 1,000 or 1.000, which may mean "
                        f'one or one thousand; set decimal = "," or "." under [{schema.name}] in the mapping',
                    )
                )
                continue
            dec = hint
            notes.append(f"{name}: decimal {'comma' if dec == ',' else 'point'} taken from the other number columns")
        else:
            dec = None
        if ev in (",", ".") and tm.decimal is None and dec == ",":
            notes.append(f"{name}: decimal comma (decided from the data)")
        p.finish(dec, tm.thousands)
    return errors


def _decide_dates(source, schema, tm, dates, column_map, notes):
    hint = _agreed((p.order_evidence for p in dates.values()), ("dayfirst", "monthfirst"))
    errors = []
    for name, p in dates.items():
        ev = p.order_evidence
        src = column_map[name]
        if ev is None:
            p.finish(None)
            continue
        if tm.dayfirst is not None:
            p.finish(tm.dayfirst)
            notes.append(f"dates in {name} read {'day' if tm.dayfirst else 'month'}-first (from the mapping)")
            continue
        if ev == "conflict":
            errors.append(
                (
                    {
                        "column": name,
                        "source_column": src,
                        "problem": "dates mix day-first and month-first",
                        "examples": ", ".join(p.examples),
                    },
                    f"the dates in {name} ({src!r}) mix day-first and month-first values; "
                    f"correct them or set a date format for {name} under [{schema.name}.date_formats] in the mapping",
                )
            )
            continue
        if ev in ("dayfirst", "monthfirst"):
            p.finish(ev == "dayfirst")
            notes.append(f"dates in {name} read {ev[:-5]}-first (decided from the data)")
            continue
        if hint is not None:
            p.finish(hint == "dayfirst")
            notes.append(f"dates in {name} read {hint[:-5]}-first (as decided for the other date columns)")
            continue
        errors.append(
            (
                {
                    "column": name,
                    "source_column": src,
                    "problem": "day-first or month-first unknown",
                    "examples": ", ".join(p.examples),
                },
                f"the dates in {name} ({src!r}) can be read day-first or month-first "
                f"(e.g. {', '.join(repr(e) for e in p.examples[:2])}); set dayfirst = "
                + ("true (dotted dates are usually day-first) or false" if p.dotted else "true or false")
                + " under "
                f"[{schema.name}] in the mapping, or a date format for {name} under [{schema.name}.date_formats]",
            )
        )
    return errors


def _rejected_frame(source, sheet, grid, rownum, match, column_map, problems) -> pd.DataFrame:
    parts = []
    for name, p in problems:
        idx = np.flatnonzero(p.mask)
        if not len(idx):
            continue
        if name in match.columns:
            value = _shown(to_text(grid[match.columns[name]].iloc[idx]).to_numpy(dtype=object))
        else:
            value = np.full(len(idx), "", dtype=object)
        reason = p.reason[idx] if isinstance(p.reason, np.ndarray) else np.full(len(idx), p.reason, dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "source_file": source,
                    "sheet": sheet,
                    "row": rownum[idx].astype("int64"),
                    "column": name,
                    "value": value,
                    "reason": reason,
                    "problem": p.code,
                    "source_column": column_map.get(name, ""),
                    "_order": idx,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else object) for c in REJECTED_COLUMNS})
    out = pd.concat(parts, ignore_index=True).sort_values(["_order"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)[list(REJECTED_COLUMNS)]


def validate_files(
    files: Mapping[str, str | Path | DatabaseSource],
    *,
    mapping: str | Path | dict | ColumnMapping | None = None,
    duplicates: str = "reject",
) -> ValidationReport:
    """Read several exports and check them against each other.

    Parameters
    ----------
    files : canonical table name -> export file or ``DatabaseSource(url, query)``, e.g. ``{"deliveries": "gr.xlsx"}``.
    mapping : as for :func:`read_table`; one mapping holds a section per table.
    duplicates : ``"reject"`` or ``"keep"``, as for :func:`read_table`.

    Returns
    -------
    ValidationReport
        With ``results`` per table. When a supplier master (``suppliers``) is
        given, deliveries, inspections and requests whose supplier_id is not in
        it are rejected ("unknown supplier ... not in the supplier master");
        repeated supplier_ids in the master are rejected by :func:`read_table`.
    """
    unknown = [t for t in files if t not in ALL_TABLES]
    if unknown:
        raise ConfigError(f"Unknown table {unknown[0]!r} in files; allowed tables: {', '.join(ALL_TABLES)}.")
    m = read_mapping(mapping) if mapping is not None else None
    results = {t: read_table(p, t, mapping=m, duplicates=duplicates) for t, p in files.items()}
    return ValidationReport(check_supplier_master(results))
