"""Column-wise parsing of raw cells into the canonical dtypes.

Every parser works on a whole column with vectorised pandas/numpy operations
and returns the parsed values plus a list of :class:`Problem` (a row mask, a
reason and a short problem code); nothing stops at the first bad cell.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

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

_STR, _NUM, _DT, _OTHER = 0, 1, 2, 9
_CODES = {str: _STR, float: _NUM, int: _NUM, np.float64: _NUM, np.float32: _NUM, np.int64: _NUM, np.int32: _NUM,
          _dt.datetime: _DT, pd.Timestamp: _DT, _dt.date: _DT}
_CODE = np.frompyfunc(lambda v: _CODES.get(type(v), _OTHER), 1, 1)


_FAST_KINDS = {"string": _STR, "floating": _NUM, "integer": _NUM, "mixed-integer-float": _NUM,
               "datetime": _DT, "date": _DT}


def _kinds(arr: np.ndarray) -> np.ndarray:
    """Cell kind codes (str, number, date/datetime, other) of an object array."""
    if not len(arr):
        return np.zeros(0, dtype="int8")
    fast = _FAST_KINDS.get(pd.api.types.infer_dtype(arr, skipna=False))
    if fast is not None:
        return np.full(len(arr), fast, dtype="int8")
    return _CODE(arr).astype("int8")

_YEAR = np.frompyfunc(lambda v: 2000 if v is pd.NaT else v.year, 1, 1)

#: Cell texts (compared lower-cased) that stand for "no value".
PLACEHOLDERS = frozenset({
    "", "n/a", "na", "n.a.", "#n/a", "-", "--", "---", "—", "–", "tbd", "tba", "date not captured",
    "not captured", "null", "none", "nil", "nan", "nat", "00.00.0000", "0000-00-00", "00/00/0000",
    "k.a.", "keine angabe", "unknown", "?",
})
_NUMBER_PLACEHOLDERS = PLACEHOLDERS - {"nan", "nat"}  # "nan" text in a number column is rejected
# Placeholders that also count as empty in id/text columns (fewer: "none" may be a real label).
_TEXT_PLACEHOLDERS = frozenset({"", "n/a", "#n/a", "-", "--", "null"})


@dataclass
class Problem:
    """Rows (a boolean mask over the column) that break one rule, with the reason."""

    mask: np.ndarray
    reason: str | np.ndarray
    code: str


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
    if not isinstance(dt, pd.ArrowDtype) or not (pa.types.is_string(dt.pyarrow_dtype)
                                                  or pa.types.is_large_string(dt.pyarrow_dtype)):
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
    if s.dtype.kind in "fiu":
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        out = _format_float(vals)
        out[np.isnan(vals)] = ""
        return pd.Series(out, index=s.index, dtype=object)
    arr = s.to_numpy(dtype=object)
    types = _kinds(arr)
    is_str = types == _STR
    out = np.empty(len(arr), dtype=object)
    if is_str.all():
        return pd.Series(_strip(arr), index=s.index, dtype=object)
    out[is_str] = _strip(arr[is_str])
    is_num = types == _NUM
    if is_num.any():
        out[is_num] = _format_float(arr[is_num].astype("float64"))
    rest = ~(is_str | is_num)
    if rest.any():
        out[rest] = [_other_text(v) for v in arr[rest]]
    return pd.Series(out, index=s.index, dtype=object)


#: Every character Python's ``str.strip()`` removes, so that pyarrow trims exactly the same characters.
_WHITESPACE = ("\u0009\u000a\u000b\u000c\u000d\u001c\u001d\u001e\u001f\u0020\u0085\u00a0\u1680\u2000\u2001"
               "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


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
    kinds = _kinds(values)
    is_str = kinds == _STR
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
            zero_copy_only=False)
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
    "rfq": "rfq", "requestforquotation": "rfq", "requestforquote": "rfq", "quotation": "rfq", "quote": "rfq",
    "anfrage": "rfq", "angebotsanfrage": "rfq", "preisanfrage": "rfq",
    "complaint": "complaint", "reklamation": "complaint", "beschwerde": "complaint",
    "qualitymeldung": "complaint", "q3": "complaint", "ncr": "complaint",
    "correctiveaction": "corrective_action", "correctiveactionrequest": "corrective_action", "8d": "corrective_action",
    "8dreport": "corrective_action", "capa": "corrective_action", "scar": "corrective_action",
    "car": "corrective_action", "korrekturmassnahme": "corrective_action",
    "expedite": "expedite", "expediting": "expedite", "expedite request": "expedite", "mahnung": "expedite",
    "liefermahnung": "expedite", "inquiry": "inquiry", "enquiry": "inquiry", "question": "inquiry",
    "rueckfrage": "inquiry", "anfrageallgemein": "inquiry",
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
    "€": "EUR", "eur": "EUR", "euro": "EUR", "$": "USD", "usd": "USD", "us$": "USD", "£": "GBP", "gbp": "GBP",
    "chf": "CHF", "fr.": "CHF", "¥": "JPY", "jpy": "JPY", "cny": "CNY", "rmb": "CNY", "sek": "SEK",
    "pc": "PC", "pcs": "PC", "pce": "PC", "st": "PC", "st.": "PC", "stk": "PC", "stk.": "PC", "stck": "PC",
    "ea": "PC", "each": "PC", "unit": "PC", "units": "PC", "kg": "KG", "t": "TO", "to": "TO", "m": "M",
    "l": "L", "min": "MIN",
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


class NumberParser:
    """Parse one number column in two steps: look at the text, then convert.

    ``decimal_evidence`` tells what the column shows (``","``, ``"."``,
    ``"ambiguous"`` or ``None`` when no separator appears); :meth:`finish`
    converts with the decided separators.
    """

    def __init__(self, s: pd.Series):
        self.n = len(s)
        self.values = np.full(self.n, np.nan)
        self.problems: list[Problem] = []
        self.missing = np.zeros(self.n, dtype=bool)
        self.placeholder = np.zeros(self.n, dtype=bool)
        self.decimal_evidence: str | None = None
        self._text: pd.Series | None = None
        if s.dtype.kind in "fiub":
            if s.dtype.kind == "b":
                self._bad(np.ones(self.n, dtype=bool), "not a number (true/false)", "not a number")
                return
            vals = s.to_numpy(dtype="float64", na_value=np.nan)
            self.missing = np.isnan(vals)
            self._finite(vals)
            return
        arr = s.to_numpy(dtype=object)
        types = _kinds(arr)
        is_num = types == _NUM
        if is_num.any():
            vals = arr[is_num].astype("float64")
            full = np.full(self.n, np.nan)
            full[is_num] = vals
            nan = np.zeros(self.n, dtype=bool)
            nan[is_num] = np.isnan(vals)
            self.missing |= nan
            self._finite(full, only=is_num & ~nan)
        is_str = types == _STR
        other = ~(is_num | is_str)
        if other.any():
            empty = np.array([v is None or v is pd.NA or v is pd.NaT for v in arr[other]], dtype=bool)
            idx = np.flatnonzero(other)
            self.missing[idx[empty]] = True
            bad = np.zeros(self.n, dtype=bool)
            bad[idx[~empty]] = True
            self._bad(bad, "not a number (the cell holds a date, time or true/false)", "not a number")
        if not is_str.any():
            return
        text = pd.Series(arr, dtype=object).where(is_str, "").str.strip()
        text = text.str.replace("\u2212", "-", regex=False)
        lower = text.str.lower()
        ph = lower.isin(_NUMBER_PLACEHOLDERS).to_numpy(dtype=bool) & is_str
        self.missing |= ph
        self.placeholder |= ph & (text != "").to_numpy(dtype=bool)
        work = is_str & ~ph
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

    def _bad(self, mask: np.ndarray, reason: str, code: str) -> None:
        if mask.any():
            self.problems.append(Problem(mask.copy(), reason, code))

    def _finite(self, vals: np.ndarray, only: np.ndarray | None = None) -> None:
        sel = ~np.isnan(vals) if only is None else only
        inf = sel & np.isinf(vals)
        self._bad(inf, "not a finite number", "not a number")
        ok = sel & ~inf
        self.values[ok] = vals[ok]

    def finish(self, decimal: str | None, thousands: str | None) -> None:
        """Convert the text cells with the given decimal and thousands separators."""
        if getattr(self, "_body", None) is None:
            return
        body = self._body
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


# --------------------------------------------------------------------------- dates
_MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jän": 1, "jaen": 1, "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "mär": 3, "mrz": 3, "märz": 3, "maerz": 3, "apr": 4, "april": 4,
    "may": 5, "mai": 5, "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8,
    "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}
_GERMAN_TO_ENGLISH = {"mär": "Mar", "mrz": "Mar", "märz": "March", "mai": "May", "okt": "Oct", "dez": "Dec",
                      "januar": "January", "februar": "February", "juni": "June", "juli": "July",
                      "oktober": "October", "dezember": "December"}
_TIME = r"(?:[T\s,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp][Mm])?Z?)?"
_FAMILIES = {
    "iso": re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$"),
    "dotted": re.compile(rf"^(?P<d>\d{{1,2}})\.\s?(?P<m>\d{{1,2}})\.\s?(?P<y>\d{{4}}|\d{{2}}){_TIME}$"),
    "slashed": re.compile(rf"^(?P<a>\d{{1,2}})(?P<sep>[/-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}$"),
    "dmon": re.compile(rf"^(?P<d>\d{{1,2}})\.?[-\s/]*(?P<mon>[^\W\d_]{{3,9}})\.?[-\s/,]*(?P<y>\d{{4}}|\d{{2}}){_TIME}$"),
    "mond": re.compile(rf"^(?P<mon>[^\W\d_]{{3,9}})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){_TIME}$"),
    "compact": re.compile(r"^(?P<y>(?:19|20|21)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)$"),
    "serial": re.compile(r"^(?P<serial>\d{5}(?:\.\d+)?)$"),
}
_LOW, _HIGH = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31 23:59:59.999999")
_SERIAL_ORIGIN = np.datetime64("1899-12-30", "ns")
_DAY_NS = 86_400_000_000_000


def _serial_to_datetime(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excel serials to datetime64[ns]; returns values, the leap-bug mask and the out-of-range mask."""
    leap = np.floor(serial) == 60
    low = serial < 1
    high = serial >= 73051  # 2100-12-31 is serial 73050
    shift = np.where(serial < 60, 1.0, 0.0)  # serials 1..59: as Excel shows them (its 1900-02-29 is missing)
    ok = ~(leap | low | high | np.isnan(serial))
    ns = np.zeros(len(serial), dtype="int64")
    ns[ok] = np.round((serial[ok] + shift[ok]) * _DAY_NS).astype("int64")
    out = np.full(len(serial), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = _SERIAL_ORIGIN + ns[ok].astype("timedelta64[ns]")
    return out, leap, (low | high)


def _two_digit_year(y: pd.Series) -> pd.Series:
    return y.where(y >= 100, np.where(y < 69, 2000 + y, 1900 + y))


class DateParser:
    """Parse one date or datetime column in two steps (see :class:`NumberParser`).

    ``order_evidence`` is ``"dayfirst"``, ``"monthfirst"``, ``"conflict"``,
    ``"ambiguous"`` or ``None`` (no slashed dates, or none whose reading depends on the order).
    """

    def __init__(self, s: pd.Series, *, kind: str, date_format: str | None = None):
        self.kind = kind
        self.n = len(s)
        self.values = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        self.problems: list[Problem] = []
        self.missing = np.zeros(self.n, dtype=bool)
        self.placeholder = np.zeros(self.n, dtype=bool)
        self.serials = 0
        self.order_evidence: str | None = None
        self.examples: list[str] = []
        self._slashed = None
        if s.dtype.kind == "M":
            vals = s
            if getattr(s.dtype, "tz", None) is not None:
                vals = s.dt.tz_convert("UTC").dt.tz_localize(None)
            vals = vals.astype("datetime64[ns]").to_numpy()
            self.missing = np.isnat(vals)
            self._store(~self.missing, vals)
            return
        if s.dtype.kind in "fiu":
            self._serials(s.to_numpy(dtype="float64", na_value=np.nan), np.ones(self.n, dtype=bool))
            return
        arr = s.to_numpy(dtype=object)
        types = _kinds(arr)
        is_dt = types == _DT
        if is_dt.any():
            years = np.zeros(self.n, dtype="int64")
            years[is_dt] = _YEAR(arr[is_dt]).astype("int64")
            far = is_dt & ((years < 1900) | (years > 2100))
            self._bad(far, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
            near = is_dt & ~far
            cells = pd.Series(arr[near], dtype=object)
            try:
                vals = pd.to_datetime(cells)
            except (TypeError, ValueError):  # time zones or mixed kinds: one at a time
                vals = pd.to_datetime(cells.map(_naive))
            full = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
            full[near] = vals.astype("datetime64[ns]").to_numpy()
            self._store(near, full)
        is_num = types == _NUM
        if is_num.any():
            full = np.full(self.n, np.nan)
            full[is_num] = arr[is_num].astype("float64")
            self._serials(full, is_num)
        is_str = types == _STR
        other = ~(is_dt | is_num | is_str)
        if other.any():
            idx = np.flatnonzero(other)
            empty = np.array([v is None or v is pd.NA or v is pd.NaT for v in arr[other]], dtype=bool)
            self.missing[idx[empty]] = True
            bad = np.zeros(self.n, dtype=bool)
            bad[idx[~empty]] = True
            self._bad(bad, "not a date (the cell holds a time, duration or true/false)", "not a date")
        if is_str.any():
            self._text(pd.Series(arr, dtype=object).where(is_str, "").str.strip(), is_str, date_format)

    # -- helpers
    def _bad(self, mask: np.ndarray, reason: str, code: str) -> None:
        if mask.any():
            self.problems.append(Problem(mask.copy(), reason, code))

    def _store(self, mask: np.ndarray, full: np.ndarray) -> None:
        vals = full.astype("datetime64[ns]")
        out_of_range = mask & ~np.isnat(vals) & ((vals < _LOW.to_datetime64()) | (vals > _HIGH.to_datetime64()))
        self._bad(out_of_range, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
        ok = mask & ~np.isnat(vals) & ~out_of_range
        self.values[ok] = vals[ok]

    def _serials(self, serial: np.ndarray, mask: np.ndarray) -> None:
        nan = mask & np.isnan(serial)
        self.missing |= nan
        sel = mask & ~nan
        vals, leap, out = _serial_to_datetime(np.where(sel, serial, np.nan))
        self._bad(sel & leap, "Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)",
                  "not a date")
        self._bad(sel & out, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
        ok = sel & ~leap & ~out
        self.values[ok] = vals[ok]
        self.serials += int(ok.sum())

    def _text(self, text: pd.Series, is_str: np.ndarray, date_format: str | None) -> None:
        lower = text.str.lower()
        ph = lower.isin(PLACEHOLDERS).to_numpy(dtype=bool) & is_str
        self.missing |= ph
        self.placeholder |= ph & (text != "").to_numpy(dtype=bool)
        work = is_str & ~ph
        if not work.any():
            return
        if date_format is not None:
            t = text.where(work, "")
            if "%b" in date_format or "%B" in date_format:
                for de, en in sorted(_GERMAN_TO_ENGLISH.items(), key=lambda kv: -len(kv[0])):
                    t = t.str.replace(rf"(?i)\b{de}\b", en, regex=True)
            vals = pd.to_datetime(t.where(work, None), format=date_format, errors="coerce")
            vals = vals.astype("datetime64[ns]").to_numpy()
            self._bad(work & np.isnat(vals), f"not a date in the format {date_format}", "not a date")
            self._store(work & ~np.isnat(vals), vals)
            return
        remaining = work.copy()
        parts = []  # (mask, year, month, day, H, M, S)
        t = text.where(work, "")
        for fam, rx in _FAMILIES.items():
            if not remaining.any():
                break
            m = t.where(remaining, "").str.extract(rx)
            hit = m.iloc[:, 0].notna().to_numpy(dtype=bool) & remaining
            if not hit.any():
                continue
            remaining &= ~hit
            if fam == "serial":
                serial = np.where(hit, pd.to_numeric(m["serial"].where(hit), errors="coerce"), np.nan)
                self._serials(serial, hit)
                continue
            y = pd.to_numeric(m["y"].where(hit), errors="coerce")
            # only a two-digit year is a short form: "0001-01-01" is the year 1 (out of range), never 2001
            short = (m["y"].str.len() <= 2).fillna(False).to_numpy(dtype=bool)
            y = y.where(~short, _two_digit_year(y))
            if fam == "slashed":
                self._slashed = (hit, pd.to_numeric(m["a"].where(hit)), pd.to_numeric(m["b"].where(hit)), y, m)
                continue
            if fam in ("dmon", "mond"):
                mon = m["mon"].str.lower().map(_MONTHS)
                unknown = hit & mon.isna().to_numpy(dtype=bool)
                self._bad(unknown, "not a date (unknown month name)", "not a date")
                hit = hit & ~unknown
                month = mon
            else:
                month = pd.to_numeric(m["m"].where(hit))
            day = pd.to_numeric(m["d"].where(hit))
            parts.append((hit, y, month, day, m))
        self._bad(remaining, "not a date", "not a date")
        self._parts = parts
        if self._slashed is not None:
            hit, a, b, y, m = self._slashed
            dayfirst = (hit & (a > 12).to_numpy(dtype=bool) & (b <= 12).to_numpy(dtype=bool)).any()
            monthfirst = (hit & (b > 12).to_numpy(dtype=bool) & (a <= 12).to_numpy(dtype=bool)).any()
            differ = (hit & (a != b).to_numpy(dtype=bool)).any()
            if dayfirst and monthfirst:
                self.order_evidence = "conflict"
            elif dayfirst:
                self.order_evidence = "dayfirst"
            elif monthfirst:
                self.order_evidence = "monthfirst"
            elif differ:
                self.order_evidence = "ambiguous"
            self.examples = text[hit].head(3).tolist()
        else:
            self._assemble_all()

    def finish(self, dayfirst: bool | None) -> None:
        """Assemble the text dates; ``dayfirst`` decides slashed dates (``None``: none are ambiguous)."""
        if self._slashed is None:
            return
        hit, a, b, y, m = self._slashed
        first = True if dayfirst is None else dayfirst
        day, month = (a, b) if first else (b, a)
        self._parts.append((hit, y, month, day, m))
        self._assemble_all()

    def _assemble_all(self) -> None:
        for hit, y, month, day, m in getattr(self, "_parts", []):
            self._assemble(hit, y, month, day, m)
        self._parts = []

    def _assemble(self, hit, y, month, day, m) -> None:
        hour = pd.to_numeric(m["H"].where(hit)).fillna(0) if "H" in m else 0
        minute = pd.to_numeric(m["M"].where(hit)).fillna(0) if "M" in m else 0
        sec = pd.to_numeric(m["S"].where(hit)).fillna(0) if "S" in m else 0
        if "ampm" in m:
            ampm = m["ampm"].str.lower()
            hour = hour.where(~((ampm == "pm") & (hour < 12)), hour + 12)
            hour = hour.where(~((ampm == "am") & (hour == 12)), 0)
        out_of_range = hit & ((y < 1900) | (y > 2100)).to_numpy(dtype=bool)
        self._bad(out_of_range, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
        sel = hit & ~out_of_range
        frame = pd.DataFrame({
            "year": y.where(sel, 2000), "month": month.where(sel, 1), "day": day.where(sel, 1),
            "hour": hour, "minute": minute, "second": sec,
        })
        bad_time = sel & ((frame["hour"] > 23) | (frame["minute"] > 59) | (frame["second"] > 59)).to_numpy(dtype=bool)
        frame.loc[bad_time, ["hour", "minute", "second"]] = 0
        vals = pd.to_datetime(frame, errors="coerce").astype("datetime64[ns]").to_numpy()
        invalid = sel & (np.isnat(vals) | bad_time)
        self._bad(invalid, "not a valid date (no such day or month)", "not a date")
        ok = sel & ~invalid
        self.values[ok] = vals[ok]

    def result(self) -> pd.Series:
        vals = pd.Series(self.values, dtype="datetime64[ns]")
        if self.kind == "date":
            vals = vals.dt.normalize()
        return vals


def _naive(v):
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(_dt.UTC).replace(tzinfo=None)
        return v
    return _dt.datetime(v.year, v.month, v.day)
