"""Column-wise parsing of raw cells into the canonical dtypes.

Every parser works on a whole column with vectorised pandas/numpy operations
and returns the parsed values plus a list of :class:`Problem` (a row mask, a
reason and a short problem code); nothing stops at the first bad cell.
Text and numbers are parsed here, dates in :mod:`.dates` (:class:`DateParser`,
importable from here too); what both share is in :mod:`._cells`.

Rules, per column kind:

* ``id`` and ``text``: text is stripped; a numeric spreadsheet cell ``123.0``
  becomes ``"123"``; text ids keep leading zeros (``"000123"``).
* ``number``: spreadsheet numbers are taken as they are; text numbers may use a
  decimal comma or point with thousands separators (``1.234,50``, ``1,234.50``,
  ``1 234,5``, ``1'234.50``), decided per column from the data unless the
  mapping gives ``decimal``; when a column alone cannot tell (every value looks
  like ``1,000``) the decision of another number column of the same file is
  used, and failing that the import stops with a :class:`ValidationError`
  asking for ``decimal`` in the mapping. Negatives may be written ``-100``,
  ``100.00-`` (SAP) or ``(100.00)``. A currency (``€ $ £ EUR USD ...``) or a
  count unit (``pcs``, ``ST``, ``EA`` ...) in front of or after the number is
  stripped when the column uses only one such unit; others are rejected.
  ``nan``/``inf`` text is rejected.
* ``date`` and ``datetime``: spreadsheet date cells are taken as they are;
  numbers are Excel serial dates (day 1 = 1900-01-01 as Excel shows it, so
  serials 1 to 59 are read as Excel displays them; serial 60, Excel's
  non-existent 1900-02-29, is rejected; from serial 61 on the count is from
  1899-12-30). Text dates may be ISO (``2025-03-01``, with a time),
  ``01.03.2025`` (day first), ``01/03/2025`` or ``03-01-2025`` (day or month
  first decided from the column, see below), ``1-Mar-25`` or ``01. Mär 2025``
  (English and German month names), ``Mar 1, 2025`` and ``20250301``. A column
  whose slashed dates are all ambiguous (both parts at most 12) takes the order
  decided by another date column of the file or the mapping's ``dayfirst``;
  otherwise the import stops with a :class:`ValidationError` asking for it,
  never a silent guess. ``date`` columns drop the time of day; dates before
  1900-01-01 or after 2100-12-31 are rejected.
* Placeholders (``N/A``, ``-``, ``TBD``, ``Date Not Captured``,
  ``00.00.0000`` ...) and empty cells are missing values: empty in an optional
  column, a rejected row in a required one.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from supplier_analytics.ingest._cells import NUM, PLACEHOLDERS, STR, ColumnParser, Problem, cell_kind_codes
from supplier_analytics.ingest.dates import DateParser

__all__ = [
    "Problem",
    "PLACEHOLDERS",
    "to_text",
    "parse_id",
    "parse_text",
    "NumberParser",
    "DateParser",
    "normalise_request_type",
]

_NUMBER_PLACEHOLDERS = PLACEHOLDERS - {"nan", "nat"}  # "nan" text in a number column is rejected
# Placeholders that also count as empty in id/text columns (fewer: "none" may be a real label).
_TEXT_PLACEHOLDERS = frozenset({"", "n/a", "#n/a", "-", "--", "null"})


# --------------------------------------------------------------------------- text
def _format_float(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    finite = np.isfinite(values)
    integral = finite & (np.floor(values) == values) & (np.abs(values) < 2**53)
    out[integral] = values[integral].astype("int64").astype(str)
    rest = ~integral
    out[rest] = [repr(float(v)) for v in values[rest]]
    out[np.isnan(values)] = ""
    return out


def arrow_text(s: pd.Series):
    """The pyarrow strings of a text column read by fastexcel (``ArrowDtype`` string, empty cells ``""``),
    else ``None``; other columns go the general way."""
    import pyarrow as pa

    dt = s.dtype
    if not isinstance(dt, pd.ArrowDtype) or not (
        pa.types.is_string(dt.pyarrow_dtype) or pa.types.is_large_string(dt.pyarrow_dtype)
    ):
        return None
    arr = pa.chunked_array(s.array.__arrow_array__()).combine_chunks() if len(s) else pa.array([], dt.pyarrow_dtype)
    if arr.null_count:
        import pyarrow.compute as pc

        arr = pc.fill_null(arr, "")
    return arr


def to_text(s: pd.Series) -> pd.Series:
    """Cells as stripped text (``""`` for empty); integral floats lose their ``.0``.

    >>> to_text(pd.Series(["000123 ", 123.0, 1.5, ""], dtype=object)).tolist()
    ['000123', '123', '1.5', '']
    """
    arr = arrow_text(s)
    if arr is not None:
        import pyarrow.compute as pc

        out = pc.utf8_trim(arr, characters=_WHITESPACE).to_numpy(zero_copy_only=False).astype(object, copy=False)
        return pd.Series(out, index=s.index, dtype=object)
    if s.dtype.kind in "iu" and isinstance(s.dtype, np.dtype):  # whole numbers as their digits (ids past 2**53)
        return pd.Series(s.astype(str).to_numpy(dtype=object), index=s.index, dtype=object)
    if s.dtype.kind in "fiu":
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        out = _format_float(vals)
        out[np.isnan(vals)] = ""
        return pd.Series(out, index=s.index, dtype=object)
    arr = s.to_numpy(dtype=object)
    types = cell_kind_codes(arr)
    is_str = types == STR
    out = np.empty(len(arr), dtype=object)
    if is_str.all():
        return pd.Series(_strip(arr), index=s.index, dtype=object)
    out[is_str] = _strip(arr[is_str])
    is_num = types == NUM
    if is_num.any():
        out[is_num] = _format_float(arr[is_num].astype("float64"))
    rest = ~(is_str | is_num)
    if rest.any():
        out[rest] = [_other_text(v) for v in arr[rest]]
    return pd.Series(out, index=s.index, dtype=object)


#: Every character Python's ``str.strip()`` removes, so that pyarrow trims exactly the same characters.
_WHITESPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u001c\u001d\u001e\u001f\u0020\u0085\u00a0\u1680\u2000\u2001"
    "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _arrow_strings(values: np.ndarray):
    """A pyarrow string array of Python strings, or None when pyarrow cannot hold them (lone surrogates)."""
    import pyarrow as pa

    try:
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return None


def _strip(values: np.ndarray) -> np.ndarray:
    """``[v.strip() for v in values]`` for an object array of strings, in pyarrow (same characters removed).

    >>> _WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    True
    >>> _strip(np.array([" a\\x1c", "\\u3000b\\u2028", "N/A "], dtype=object)).tolist()
    ['a', 'b', 'N/A']
    """
    import pyarrow.compute as pc

    arr = _arrow_strings(values)
    if arr is None:
        return pd.Series(values, dtype=object).str.strip().to_numpy(dtype=object)
    return pc.utf8_trim(arr, characters=_WHITESPACE).to_numpy(zero_copy_only=False).astype(object, copy=False)


def text_lengths(values) -> np.ndarray:
    """``len(v)`` of every string of an object array (or a pyarrow string array) and 0 for other cells (int64)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.Array):
        return pc.utf8_length(values).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    kinds = cell_kind_codes(values)
    is_str = kinds == STR
    out = np.zeros(len(values), dtype=np.int64)
    if not is_str.any():
        return out
    arr = _arrow_strings(values if is_str.all() else values[is_str])
    if arr is None:
        out[is_str] = [len(v) for v in values[is_str]]
    else:
        out[is_str] = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
    return out


def _other_text(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0):
        return v.date().isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    return str(v).strip()


def _placeholder_mask(text, placeholders: frozenset[str]) -> np.ndarray:
    """Which texts (a Series of str, or a pyarrow string array) lower-cased are among ``placeholders``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(text, pa.Array):
        arr = text
        if pc.all(pc.string_is_ascii(arr)).as_py() is False:  # Python's lower-casing below
            text = pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object)
    else:
        arr = _arrow_strings(text.to_numpy(dtype=object)) if text.dtype == object else None
    if arr is not None and pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        # ASCII text: pyarrow's lower-casing is Python's; the placeholders are compared in one pass
        lower = pc.ascii_lower(arr)
        return pc.is_in(lower, value_set=pa.array(sorted(placeholders), type=pa.large_string())).to_numpy(
            zero_copy_only=False
        )
    return text.str.lower().isin(placeholders).to_numpy(dtype=bool)


def parse_id(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Ids as ``string``; returns values, missing mask and placeholder mask."""
    arr = arrow_text(s)
    if arr is not None:  # the same steps on the pyarrow strings, without a Python object per cell
        import pyarrow.compute as pc

        stripped = pc.utf8_trim(arr, characters=_WHITESPACE)
        missing = _placeholder_mask(stripped, _TEXT_PLACEHOLDERS)
        placeholder = missing & pc.not_equal(stripped, "").to_numpy(zero_copy_only=False)
        out = pd.Series(pd.array(stripped, dtype="string"), index=s.index)
        out[missing] = pd.NA
        return out, missing, placeholder
    text = to_text(s)
    missing = _placeholder_mask(text, _TEXT_PLACEHOLDERS)
    placeholder = missing & (text != "").to_numpy(dtype=bool)
    out = text.astype("string")
    out[missing] = pd.NA
    return out, missing, placeholder


parse_text = parse_id


_REQUEST_TYPE_SYNONYMS = {
    "rfq": "rfq",
    "requestforquotation": "rfq",
    "requestforquote": "rfq",
    "quotation": "rfq",
    "quote": "rfq",
    "anfrage": "rfq",
    "angebotsanfrage": "rfq",
    "preisanfrage": "rfq",
    "complaint": "complaint",
    "reklamation": "complaint",
    "beschwerde": "complaint",
    "qualitymeldung": "complaint",
    "q3": "complaint",
    "ncr": "complaint",
    "correctiveaction": "corrective_action",
    "correctiveactionrequest": "corrective_action",
    "8d": "corrective_action",
    "8dreport": "corrective_action",
    "capa": "corrective_action",
    "scar": "corrective_action",
    "car": "corrective_action",
    "korrekturmassnahme": "corrective_action",
    "expedite": "expedite",
    "expediting": "expedite",
    "expedite request": "expedite",
    "mahnung": "expedite",
    "liefermahnung": "expedite",
    "inquiry": "inquiry",
    "enquiry": "inquiry",
    "question": "inquiry",
    "rueckfrage": "inquiry",
    "anfrageallgemein": "inquiry",
}


def normalise_request_type(s: pd.Series) -> pd.Series:
    """Map clear synonyms to the schema's request types; other labels are lower-cased.

    >>> normalise_request_type(pd.Series(["RFQ", "8D", "Reklamation", "Audit"], dtype="string")).tolist()
    ['rfq', 'corrective_action', 'complaint', 'audit']
    """
    lower = s.str.lower().str.strip()
    key = lower.str.replace("ä", "ae").str.replace("ö", "oe").str.replace("ü", "ue").str.replace("ß", "ss")
    key = key.str.replace(r"[^0-9a-z]+", "", regex=True)
    mapped = key.map(_REQUEST_TYPE_SYNONYMS)
    out = lower.where(mapped.isna(), mapped)
    return out.astype("string")


# --------------------------------------------------------------------------- numbers
_UNITS = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "$": "USD",
    "usd": "USD",
    "us$": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "chf": "CHF",
    "fr.": "CHF",
    "¥": "JPY",
    "jpy": "JPY",
    "cny": "CNY",
    "rmb": "CNY",
    "sek": "SEK",
    "pc": "PC",
    "pcs": "PC",
    "pce": "PC",
    "st": "PC",
    "st.": "PC",
    "stk": "PC",
    "stk.": "PC",
    "stck": "PC",
    "ea": "PC",
    "each": "PC",
    "unit": "PC",
    "units": "PC",
    "kg": "KG",
    "t": "TO",
    "to": "TO",
    "m": "M",
    "l": "L",
    "min": "MIN",
}
_NUMBER_RE = re.compile(
    r"^(?P<s0>[+-])?\s*(?P<u1>[^\d\s+\-.,()']{1,5})?\s*(?P<s1>[+-])?\s*"
    r"(?P<body>\d[\d.,'\s]*|[.,]\d+)"
    r"\s*(?P<u2>[^\d\s.,()'+-]{1,5})?$"
)
_SPACES = "\u00a0\u202f\u2009"


def _decimal_votes(body: pd.Series) -> tuple[int, int, int]:
    """Count values that show a decimal comma, a decimal point, or only an ambiguous ``1,000``.

    >>> _decimal_votes(pd.Series(["1.234,5", "12,5", "1,234,567", "1,000", "7"]))
    (2, 1, 1)
    """
    has_c = body.str.contains(",", regex=False).to_numpy(dtype=bool)
    has_d = body.str.contains(".", regex=False).to_numpy(dtype=bool)
    last_c = (body.str.rfind(",") > body.str.rfind(".")).to_numpy(dtype=bool)
    n_c = body.str.count(",").to_numpy()
    n_d = body.str.count(r"\.").to_numpy()
    grouped_c = body.str.fullmatch(r"\d{1,3},\d{3}").to_numpy(dtype=bool)
    grouped_d = body.str.fullmatch(r"\d{1,3}\.\d{3}").to_numpy(dtype=bool)
    only_c, only_d = has_c & ~has_d, has_d & ~has_c
    comma = (has_c & has_d & last_c) | (only_c & (n_c == 1) & ~grouped_c) | (only_d & (n_d > 1))
    point = (has_c & has_d & ~last_c) | (only_d & (n_d == 1) & ~grouped_d) | (only_c & (n_c > 1))
    ambiguous = (only_c & grouped_c) | (only_d & grouped_d)
    return int(comma.sum()), int(point.sum()), int(ambiguous.sum())


class NumberParser(ColumnParser):
    """Parse one number column in two steps: look at the text, then convert.

    ``decimal_evidence`` tells what the column shows (``","``, ``"."``,
    ``"ambiguous"`` or ``None`` when no separator appears); :meth:`finish`
    converts with the decided separators.
    """

    def __init__(self, s: pd.Series):
        super().__init__(len(s))
        self.values = np.full(self.n, np.nan)
        self.decimal_evidence: str | None = None
        self._body: pd.Series | None = None  # the number text of the text cells, for finish()
        if s.dtype.kind in "fiub":
            if s.dtype.kind == "b":
                self._bad(np.ones(self.n, dtype=bool), "not a number (true/false)", "not a number")
                return
            vals = s.to_numpy(dtype="float64", na_value=np.nan)
            self.missing = np.isnan(vals)
            self._finite(vals)
            return
        arr = s.to_numpy(dtype=object)
        types = cell_kind_codes(arr)
        is_num = types == NUM
        if is_num.any():
            vals = arr[is_num].astype("float64")
            full = np.full(self.n, np.nan)
            full[is_num] = vals
            nan = np.zeros(self.n, dtype=bool)
            nan[is_num] = np.isnan(vals)
            self.missing |= nan
            self._finite(full, only=is_num & ~nan)
        is_str = types == STR
        other = ~(is_num | is_str)
        if other.any():
            self._other_cells(arr, other, "not a number (the cell holds a date, time or true/false)", "not a number")
        if not is_str.any():
            return
        text = pd.Series(arr, dtype=object).where(is_str, "").str.strip()
        text = text.str.replace("\u2212", "-", regex=False)
        work = self._placeholders(text, is_str, _NUMBER_PLACEHOLDERS)
        if not work.any():
            return
        t = text.where(work, "")
        paren = t.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool)
        t = t.where(~paren, t.str.slice(1, -1).str.strip())
        trail = t.str.endswith("-").to_numpy(dtype=bool) & (t.str.len() > 1).to_numpy(dtype=bool)
        t = t.where(~trail, t.str.slice(0, -1).str.strip())
        for sp in _SPACES:
            t = t.str.replace(sp, " ", regex=False)
        m = t.str.extract(_NUMBER_RE)
        matched = m["body"].notna().to_numpy(dtype=bool) & work
        self._bad(work & ~matched, "not a number", "not a number")
        lead_minus = ((m["s0"] == "-") | (m["s1"] == "-")).to_numpy(dtype=bool)
        self._negative = (paren | trail | lead_minus) & matched
        # units: stripped only when the column has a single known unit
        unit = m["u1"].fillna(m["u2"]).str.lower()
        has_unit = unit.notna().to_numpy(dtype=bool) & matched
        canon = unit.map(_UNITS)
        unknown = has_unit & canon.isna().to_numpy(dtype=bool)
        self._bad(unknown, "not a number (unknown text next to it)", "not a number")
        known = has_unit & ~unknown
        other_unit = np.zeros(self.n, dtype=bool)
        if known.any():
            main = canon[known].value_counts().index[0]
            other_unit = known & (canon != main).to_numpy(dtype=bool)
            self._bad(other_unit, f"unit or currency differs from the column's {main}", "mixed units")
        self._ok = matched & ~unknown & ~other_unit
        body = m["body"].where(self._ok, "").str.strip()
        self._body = body
        c, p, a = _decimal_votes(body.where(self._ok, ""))
        if c and p:
            self.decimal_evidence = "," if c >= p else "."
        elif c:
            self.decimal_evidence = ","
        elif p:
            self.decimal_evidence = "."
        elif a:
            self.decimal_evidence = "ambiguous"

    def _finite(self, vals: np.ndarray, only: np.ndarray | None = None) -> None:
        sel = ~np.isnan(vals) if only is None else only
        inf = sel & np.isinf(vals)
        self._bad(inf, "not a finite number", "not a number")
        ok = sel & ~inf
        self.values[ok] = vals[ok]

    def finish(self, decimal: str | None, thousands: str | None) -> None:
        """Convert the text cells with the given decimal and thousands separators."""
        body = self._body
        if body is None:
            return
        ok = self._ok
        if not ok.any():
            return
        dec = decimal or "."
        thou = thousands if thousands is not None else ("." if dec == "," else ",")
        tclass = "[" + re.escape(thou) + " ']" if thou else "[ ']"
        d = re.escape(dec)
        pattern = rf"\d{{1,3}}(?:{tclass}\d{{3}})+(?:{d}\d+)?|\d+(?:{d}\d*)?|{d}\d+"
        fits = body.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & ok
        style = "decimal comma" if dec == "," else "decimal point"
        self._bad(ok & ~fits, f"not a number in the column's format ({style})", "not a number")
        clean = body.where(fits, "0").str.replace(r"[ ']", "", regex=True)
        if thou:
            clean = clean.str.replace(thou, "", regex=False)
        if dec == ",":
            clean = clean.str.replace(",", ".", regex=False)
        vals = clean.astype("float64").to_numpy()
        vals = np.where(self._negative, -vals, vals)
        self.values[fits] = vals[fits]
