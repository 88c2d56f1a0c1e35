"""What the column parsers (:mod:`.parse` for text and numbers, :mod:`.dates` for dates) share.

The kind of every cell (text, number, date or other), the placeholder texts that stand for "no value",
the :class:`Problem` a parser reports, and :class:`ColumnParser`, the state and the steps common to the
number and the date parser.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["STR", "NUM", "DT", "OTHER", "cell_kind_codes", "PLACEHOLDERS", "Problem", "ColumnParser"]

#: Cell kind codes: text, number, date or datetime, anything else.
STR, NUM, DT, OTHER = 0, 1, 2, 9
_CODES = {
    str: STR,
    float: NUM,
    int: NUM,
    np.float64: NUM,
    np.float32: NUM,
    np.int64: NUM,
    np.int32: NUM,
    _dt.datetime: DT,
    pd.Timestamp: DT,
    _dt.date: DT,
}
_CODE = np.frompyfunc(lambda v: _CODES.get(type(v), OTHER), 1, 1)
_FAST_KINDS = {"string": STR, "floating": NUM, "integer": NUM, "mixed-integer-float": NUM, "datetime": DT, "date": DT}


def cell_kind_codes(arr: np.ndarray) -> np.ndarray:
    """Cell kind codes (:data:`STR`, :data:`NUM`, :data:`DT`, :data:`OTHER`) of an object array (int8)."""
    if not len(arr):
        return np.zeros(0, dtype="int8")
    fast = _FAST_KINDS.get(pd.api.types.infer_dtype(arr, skipna=False))
    if fast is not None:
        return np.full(len(arr), fast, dtype="int8")
    return _CODE(arr).astype("int8")


#: Cell texts (compared lower-cased) that stand for "no value".
PLACEHOLDERS = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "#n/a",
        "-",
        "--",
        "---",
        "—",
        "–",
        "tbd",
        "tba",
        "date not captured",
        "not captured",
        "null",
        "none",
        "nil",
        "nan",
        "nat",
        "00.00.0000",
        "0000-00-00",
        "00/00/0000",
        "k.a.",
        "keine angabe",
        "unknown",
        "?",
    }
)


@dataclass
class Problem:
    """Rows (a boolean mask over the column) that break one rule, with the reason."""

    mask: np.ndarray
    reason: str | np.ndarray
    code: str


class ColumnParser:
    """What a column parser keeps (problems, missing and placeholder masks) and the steps the parsers share."""

    def __init__(self, n: int):
        self.n = n
        self.problems: list[Problem] = []
        self.missing = np.zeros(n, dtype=bool)
        self.placeholder = np.zeros(n, dtype=bool)

    def _bad(self, mask: np.ndarray, reason: str, code: str) -> None:
        if mask.any():
            self.problems.append(Problem(mask.copy(), reason, code))

    def _other_cells(self, arr: np.ndarray, other: np.ndarray, reason: str, code: str) -> None:
        """Cells of no kind the column takes (``other``): empty ones (None, NA, NaT) are missing, the rest bad."""
        idx = np.flatnonzero(other)
        empty = np.array([v is None or v is pd.NA or v is pd.NaT for v in arr[other]], dtype=bool)
        self.missing[idx[empty]] = True
        bad = np.zeros(self.n, dtype=bool)
        bad[idx[~empty]] = True
        self._bad(bad, reason, code)

    def _placeholders(self, text: pd.Series, is_str: np.ndarray, placeholders: frozenset[str]) -> np.ndarray:
        """Mark the text cells that are placeholders as missing; returns the text cells left to parse."""
        ph = text.str.lower().isin(placeholders).to_numpy(dtype=bool) & is_str
        self.missing |= ph
        self.placeholder |= ph & (text != "").to_numpy(dtype=bool)
        return is_str & ~ph
