"""Rows with more or fewer fields than the header (delimited text), and the width of a headerless file.

A CSV line with one field too many (an unquoted comma in an address) shifts every value after it one
column to the right; one with a field too few (a line broken in two, a missing separator) shifts them
left. Either way the cells no longer belong to their columns, so the row is rejected with one reason
that says what is wrong ("13 fields where the header has 12: an unquoted comma in a value?") instead
of whatever the shifted cells make the column parsers say ("not a date: '3'"). Fields beyond the
header that are all empty (trailing delimiters) are no harm and are read as usual.

Which width is expected:

* with a header row: the number of fields of the header line(s). A line may stop after the last
  *named* column (an unnamed trailing header field is no column). When most lines carry extra,
  non-empty fields, the header may lack a label for its last column, or every address may hold an
  unquoted comma; the two look alike, so the lines are rejected either way and a note mentions the
  first (reading shifted values under the wrong columns would be far worse);
* without a header row (``header_row = 0``): the number of ``names`` in the mapping. When most lines
  do not fit them, the names are wrong, not the lines: a :class:`~supplier_analytics.errors.ConfigError`.
  For a worksheet, values in a column beyond the names are the same mistake.

Spreadsheets, parquet and frames have no such thing as a ragged row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError
from supplier_analytics.ingest._cells import Problem
from supplier_analytics.ingest.header import HeaderMatch, column_letter, nonempty_counts
from supplier_analytics.ingest.readers import RawSheet

__all__ = ["Ragged", "ragged_rows", "RAGGED_COLUMN", "RAGGED_CODE"]

#: The ``column`` of a ragged row's rejection: the whole row, not one cell.
RAGGED_COLUMN = "(row)"
RAGGED_CODE = "wrong number of fields"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class Ragged:
    """The ragged rows of a grid (a mask over its rows) with their reasons, and notes for the user."""

    mask: np.ndarray
    reason: np.ndarray
    notes: list[str] = field(default_factory=list)

    def blank(self, grid: pd.DataFrame, columns: Iterable[int]) -> pd.DataFrame:
        """``grid`` with the ragged rows' cells in ``columns`` emptied: shifted values must not sway
        what is decided from a whole column (day-first dates, the decimal separator)."""
        idx = np.flatnonzero(self.mask)
        cols = [c for c in columns if c in grid.columns]
        if len(idx) and cols:
            grid = grid.copy(deep=False)
            for c in cols:
                values = grid[c].to_numpy(dtype=object, copy=True)
                values[idx] = ""
                grid[c] = values
        return grid

    def replace(self, problems: list[tuple[str, Problem]]) -> list[tuple[str, Problem]]:
        """``problems`` with every other reason on a ragged row dropped and the one ragged reason added."""
        if not self.mask.any():
            return problems
        keep = ~self.mask
        out = [(name, Problem(p.mask & keep, p.reason, p.code)) for name, p in problems]
        out.append((RAGGED_COLUMN, Problem(self.mask.copy(), self.reason, RAGGED_CODE)))
        return out


def _fields(k: int) -> str:
    return f"{k} field" if k == 1 else f"{k} fields"


def ragged_rows(
    source: str, raw: RawSheet, match: HeaderMatch, grid: pd.DataFrame, rownum: np.ndarray
) -> Ragged | None:
    """The rows of ``grid`` (data rows, numbered ``rownum`` as the user sees them) whose number of
    fields does not fit the header's, or ``None`` when the format has no field counts.

    Raises :class:`ConfigError` when the mapping's ``names`` do not fit most lines (or, in a
    worksheet, values lie beyond the named columns).
    """
    if raw.widths is None:
        if match.headerless:
            _check_sheet_width(source, raw, match, grid)
        return None
    n = len(grid)
    pos = np.searchsorted(raw.row_numbers, rownum)  # data rows -> positions among the file's records
    widths = raw.widths[pos] if n else np.zeros(0, dtype=np.int32)
    named = max((j + 1 for j, label in enumerate(match.labels) if label), default=0)
    if match.headerless or match.row is None:
        full = len(match.labels)
        against = "the mapping's names give"
    else:
        full = int(raw.widths[match.row : match.row + match.n_rows].max())
        against = "the header has"
    notes: list[str] = []
    more, fewer = _wider(grid, widths, full), widths < named
    if not match.headerless and more.sum() * 2 > n >= 3:
        # a column without a header label looks the same as a comma in every address: rejected either way,
        # with a word on the first (values accepted under the wrong columns would be far worse)
        typical = int(np.bincount(widths[more]).argmax())
        notes.append(
            f"most lines have {typical} fields where the header has {full}: if the last column has no "
            f"header label, give it one"
        )
    bad = more | fewer
    if match.headerless and bad.sum() * 2 > n:
        typical = int(np.bincount(widths[bad]).argmax())
        raise ConfigError(
            f"The mapping's names give {len(match.labels)} columns for {source}, but most of its lines have "
            f'{_fields(typical)}; give one name per field in file order ("" for a field not used).'
        )
    if not bad.any():
        return None
    delimiter = _DELIMITER_NAMES.get(raw.delimiter or "", "delimiter")
    reason = np.empty(n, dtype=object)
    for mask, why in (
        (more, f"an unquoted {delimiter} in a value?"),
        (fewer, "a field is missing or the line was broken"),
    ):
        for w in np.unique(widths[mask]):  # one text per width, not per line
            reason[mask & (widths == w)] = f"{_fields(int(w))} where {against} {full}: {why}"
    k = int(bad.sum())
    notes.append(
        f"{k} {'line' if k == 1 else 'lines'} with more or fewer fields than {'the names' if match.headerless else 'the header'} rejected"
    )
    return Ragged(bad, reason, notes)


def _wider(grid: pd.DataFrame, widths: np.ndarray, full: int) -> np.ndarray:
    """Rows with fields beyond the first ``full`` that are not all empty."""
    wide = np.flatnonzero(widths > full)
    out = np.zeros(len(widths), dtype=bool)
    if len(wide) and grid.shape[1] > full:
        extra = grid.iloc[wide, full:].to_numpy(dtype=object)
        blank = np.vectorize(lambda v: not isinstance(v, str) or not v.strip(), otypes=[bool])(extra)
        out[wide] = ~blank.all(axis=1)  # spaces after the last delimiter are no field either
    return out


def _check_sheet_width(source: str, raw: RawSheet, match: HeaderMatch, grid: pd.DataFrame) -> None:
    """A worksheet read without a header row must hold no value right of the named columns."""
    k = len(match.labels)
    beyond = [c for c in grid.columns if isinstance(c, (int, np.integer)) and c >= k]
    filled = [c for c, count in nonempty_counts(grid, beyond).items() if count]
    if filled:
        where = source if raw.name is None else f"{source} (sheet {raw.name!r})"
        last = column_letter(max(filled))
        raise ConfigError(
            f"The mapping's names give {k} columns for {where}, but it holds values up to column {last}; "
            f'give one name per column in file order ("" for a column not used).'
        )
