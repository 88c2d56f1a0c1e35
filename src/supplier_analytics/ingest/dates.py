"""Column-wise parsing of date and datetime cells (:class:`DateParser`); the rules are in :mod:`.parse`.

Spreadsheet date cells are taken as they are, numbers are Excel serial dates, text dates are read by
family (ISO, dotted, slashed, month names, compact, serial) and slashed and dotted dates wait for the
day/month order decided over the file (:meth:`DateParser.finish`). Dotted dates (``dd.mm.yyyy``) are a
day-first convention: a day above 12 decides day-first, but a column whose every dotted date reads both
ways is ambiguous, as slashed dates are (a month above 12 is not taken as month-first: it is no date).
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from supplier_analytics.ingest._cells import DT, NUM, PLACEHOLDERS, STR, ColumnParser, cell_kind_codes

__all__ = ["DateParser"]

_YEAR = np.frompyfunc(lambda v: 2000 if v is pd.NaT else v.year, 1, 1)
_MONTHS = {
    "jan": 1,
    "january": 1,
    "januar": 1,
    "jän": 1,
    "jaen": 1,
    "feb": 2,
    "february": 2,
    "februar": 2,
    "mar": 3,
    "march": 3,
    "mär": 3,
    "mrz": 3,
    "märz": 3,
    "maerz": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "june": 6,
    "juni": 6,
    "jul": 7,
    "july": 7,
    "juli": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "okt": 10,
    "oktober": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
    "dez": 12,
    "dezember": 12,
}
_GERMAN_TO_ENGLISH = {
    "mär": "Mar",
    "mrz": "Mar",
    "märz": "March",
    "mai": "May",
    "okt": "Oct",
    "dez": "Dec",
    "januar": "January",
    "februar": "February",
    "juni": "June",
    "juli": "July",
    "oktober": "October",
    "dezember": "December",
}
_TIME = r"(?:[T\s,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp][Mm])?Z?)?"
_FAMILIES = {
    "iso": re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$"),
    "dotted": re.compile(rf"^(?P<d>\d{{1,2}})\.\s?(?P<m>\d{{1,2}})\.\s?(?P<y>\d{{4}}|\d{{2}}){_TIME}$"),
    "slashed": re.compile(rf"^(?P<a>\d{{1,2}})(?P<sep>[/-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}$"),
    "dmon": re.compile(
        rf"^(?P<d>\d{{1,2}})\.?[-\s/]*(?P<mon>[^\W\d_]{{3,9}})\.?[-\s/,]*(?P<y>\d{{4}}|\d{{2}}){_TIME}$"
    ),
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


class DateParser(ColumnParser):
    """Parse one date or datetime column in two steps (see :class:`NumberParser`).

    ``order_evidence`` is ``"dayfirst"``, ``"monthfirst"``, ``"conflict"``,
    ``"ambiguous"`` or ``None`` (no slashed or dotted dates, or none whose reading depends on the order);
    ``dotted`` says whether the dates that decide it are all dotted (``dd.mm.yyyy``).
    """

    def __init__(self, s: pd.Series, *, kind: str, date_format: str | None = None):
        super().__init__(len(s))
        self.kind = kind
        self.values = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        self.serials = 0
        self.order_evidence: str | None = None
        self.examples: list[str] = []
        #: the slashed dates, waiting for the day/month order: (hit, first part, second part, year, match)
        self._slashed: tuple[np.ndarray, pd.Series, pd.Series, pd.Series, pd.DataFrame] | None = None
        #: the dotted dates, read day-first unless the order decided says otherwise: (hit, day, month, year, match)
        self._dotted: tuple[np.ndarray, pd.Series, pd.Series, pd.Series, pd.DataFrame] | None = None
        self.dotted = False
        #: the other text dates, read but not yet assembled: (hit, year, month, day, match)
        self._parts: list[tuple[np.ndarray, pd.Series, pd.Series, pd.Series, pd.DataFrame]] = []
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
        types = cell_kind_codes(arr)
        is_dt = types == DT
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
        is_num = types == NUM
        if is_num.any():
            full = np.full(self.n, np.nan)
            full[is_num] = arr[is_num].astype("float64")
            self._serials(full, is_num)
        is_str = types == STR
        other = ~(is_dt | is_num | is_str)
        if other.any():
            self._other_cells(arr, other, "not a date (the cell holds a time, duration or true/false)", "not a date")
        if is_str.any():
            self._text(pd.Series(arr, dtype=object).where(is_str, "").str.strip(), is_str, date_format)

    # -- helpers
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
        self._bad(
            sel & leap,
            "Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)",
            "not a date",
        )
        self._bad(sel & out, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
        ok = sel & ~leap & ~out
        self.values[ok] = vals[ok]
        self.serials += int(ok.sum())

    def _text(self, text: pd.Series, is_str: np.ndarray, date_format: str | None) -> None:
        work = self._placeholders(text, is_str, PLACEHOLDERS)
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
        parts = []  # (mask, year, month, day, match)
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
            if fam == "dotted":
                self._dotted = (hit, pd.to_numeric(m["d"].where(hit)), pd.to_numeric(m["m"].where(hit)), y, m)
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
        if self._slashed is not None or self._dotted is not None:
            dayfirst = monthfirst = differ = False
            shown = np.zeros(self.n, dtype=bool)
            for which in (self._slashed, self._dotted):
                if which is None:
                    continue
                hit, a, b, y, m = which
                dayfirst |= (hit & (a > 12).to_numpy(dtype=bool) & (b <= 12).to_numpy(dtype=bool)).any()
                if which is self._slashed:  # a dotted date with a "month" above 12 is no date, not month-first
                    monthfirst |= (hit & (b > 12).to_numpy(dtype=bool) & (a <= 12).to_numpy(dtype=bool)).any()
                differ |= (hit & (a != b).to_numpy(dtype=bool) & ((a <= 12) & (b <= 12)).to_numpy(dtype=bool)).any()
                shown |= hit
            self.dotted = self._slashed is None
            if dayfirst and monthfirst:
                self.order_evidence = "conflict"
            elif dayfirst:
                self.order_evidence = "dayfirst"
            elif monthfirst:
                self.order_evidence = "monthfirst"
            elif differ:
                self.order_evidence = "ambiguous"
            self.examples = text[shown].head(3).tolist()
        else:
            self._assemble_all()

    def finish(self, dayfirst: bool | None) -> None:
        """Assemble the text dates; ``dayfirst`` decides slashed and dotted dates (``None``: none are ambiguous)."""
        if self._slashed is None and self._dotted is None:
            return
        first = True if dayfirst is None else dayfirst
        for which in (self._slashed, self._dotted):
            if which is not None:
                hit, a, b, y, m = which
                day, month = (a, b) if first else (b, a)
                self._parts.append((hit, y, month, day, m))
        self._slashed = self._dotted = None
        self._assemble_all()

    def _assemble_all(self) -> None:
        for hit, y, month, day, m in self._parts:
            self._assemble(hit, y, month, day, m)
        self._parts = []

    def _assemble(self, hit: np.ndarray, y: pd.Series, month: pd.Series, day: pd.Series, m: pd.DataFrame) -> None:
        if "H" in m:  # the families with a time of day (H, M, S and am/pm come together)
            hour = pd.to_numeric(m["H"].where(hit)).fillna(0)
            minute = pd.to_numeric(m["M"].where(hit)).fillna(0)
            sec = pd.to_numeric(m["S"].where(hit)).fillna(0)
            ampm = m["ampm"].str.lower()
            hour = hour.where(~((ampm == "pm") & (hour < 12)), hour + 12)
            hour = hour.where(~((ampm == "am") & (hour == 12)), 0)
        else:
            hour = minute = sec = 0
        out_of_range = hit & ((y < 1900) | (y > 2100)).to_numpy(dtype=bool)
        self._bad(out_of_range, "date out of range (before 1900-01-01 or after 2100-12-31)", "date out of range")
        sel = hit & ~out_of_range
        frame = pd.DataFrame(
            {
                "year": y.where(sel, 2000),
                "month": month.where(sel, 1),
                "day": day.where(sel, 1),
                "hour": hour,
                "minute": minute,
                "second": sec,
            }
        )
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
