"""Conforming the inputs once: canonical tables, the as-of date and window, day arithmetic, exclusions.

Every run of the scoring starts here and does each of these once:

* :func:`prepare_table` casts a canonical table to the schema dtypes (the judges in
  :mod:`~supplier_analytics.records` take prepared tables and never prepare one again);
* :func:`make_context` loads the configuration, resolves the as-of date (:func:`resolve_as_of`) and the
  evaluation window (:func:`evaluation_window`) and selects the exclusions of each record table
  (:func:`select_exclusions`), into one frozen :class:`ScoringContext` that travels to every judge,
  chunk and partition;
* :func:`day_difference` (:func:`day_diff` on arrays) counts calendar or working days;
* :func:`set_exclusions` marks the records an exclusion names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.config import Config, load_config
from supplier_analytics.errors import InputError, ValidationError
from supplier_analytics.schema import TABLES

__all__ = [
    "RECORD_TABLES",
    "LINEAGE",
    "DAY_NS",
    "ScoringContext",
    "make_context",
    "prepare_table",
    "prepare_tables",
    "resolve_as_of",
    "evaluation_window",
    "day_difference",
    "day_diff",
    "select_exclusions",
    "set_exclusions",
    "line_lineage",
]

#: The tables whose rows are judged into records (and may be excused by an exclusion).
RECORD_TABLES = ("deliveries", "inspections", "requests")
LINEAGE = ("source_file", "source_sheet", "source_row")
DAY_NS = 86_400_000_000_000


# --------------------------------------------------------------------------- input preparation


def prepare_table(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """A copy of a canonical table with only its known columns, cast to the schema dtypes.

    Lineage columns (``source_file``, ``source_sheet``, ``source_row``) are kept
    for the evidence; other extra columns are dropped. The input is not changed.

    Raises
    ------
    InputError
        A required column is missing.
    ValidationError
        A required cell is empty; ``failure_cases`` lists every such cell. An empty ``date_received``
        with an empty ``quantity_received`` is no such cell: an open line (see ``Column.empty_with``).
    """
    schema = TABLES[table]
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"The {table} table must be a pandas DataFrame, not {type(df).__name__}; "
            "read it with supplier_analytics.read_table first."
        )
    missing = [c for c in schema.required if c not in df.columns]
    if missing:
        raise InputError(
            f"The {table} table has no column {missing[0]!r}"
            + (f" (nor {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + "; map a source column to it in the mapping file or add it."
        )
    cols = [c for c in schema.names if c in df.columns]
    lineage = [c for c in LINEAGE if c in df.columns]
    out = df.loc[:, cols + lineage]  # copy-on-write: assigning columns below never changes df
    for c in cols:
        kind = schema.column(c).kind
        s = out[c]
        if kind in ("id", "text") and isinstance(s.dtype, pd.CategoricalDtype):
            # dictionary-encoded ids (parquet read with read_dictionary) stay codes: a small fraction of the memory
            if not pd.api.types.is_string_dtype(s.cat.categories.dtype) or s.cat.categories.dtype != "string":
                s = s.cat.rename_categories(s.cat.categories.astype("string"))
            out[c] = s
        elif kind in ("id", "text"):
            out[c] = s.astype("string")
        elif kind == "number":
            if s.dtype != np.float64:  # float64 columns stay shared with the input (copy-on-write), not copied
                out[c] = pd.to_numeric(s, errors="raise").astype("float64")
        else:
            if not pd.api.types.is_datetime64_dtype(s.dtype):
                s = pd.to_datetime(s)
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_localize(None)
            s = s.astype("datetime64[ns]")
            if kind == "date" and (s.to_numpy().view(np.int64) % DAY_NS != 0).any():
                s = s.dt.normalize()
            out[c] = s
    out = out.reset_index(drop=True)
    bad = [(c, np.flatnonzero(_empty_cells(out, schema.column(c)))) for c in schema.required]
    bad = [(c, rows) for c, rows in bad if len(rows)]
    if bad:
        cases = pd.concat(
            [pd.DataFrame({"table": table, "row": rows, "column": c}) for c, rows in bad], ignore_index=True
        )
        if "source_row" in out.columns:
            cases["source_file"] = out["source_file"].to_numpy()[cases["row"]] if "source_file" in out else None
            cases["source_row"] = out["source_row"].to_numpy()[cases["row"]]
        c0, rows0 = bad[0]
        where = f"row {rows0[0]}"
        if "source_row" in out.columns:
            f = f"{out['source_file'].iloc[rows0[0]]} " if "source_file" in out.columns else ""
            where = f"{f}row {out['source_row'].iloc[rows0[0]]}"
        raise ValidationError(
            f"{len(cases)} required cells of the {table} table are empty, the first in column {c0!r} at "
            f"{where}; reject those rows at import (validate) or fill them in.",
            failure_cases=cases,
        )
    return out


def _empty_cells(df: pd.DataFrame, col) -> np.ndarray:
    """Where a required column's cells are empty and may not be (``Column.empty_with`` allows some)."""
    empty = df[col.name].isna().to_numpy()
    if col.empty_with is not None and empty.any():
        if col.empty_with not in df.columns:
            return empty
        empty = empty & df[col.empty_with].notna().to_numpy()
    return empty


def resolve_as_of(as_of=None, *, deliveries=None, inspections=None, requests=None) -> pd.Timestamp:
    """The as-of date: the given one (as a day), else the latest date in the data.

    Examples
    --------
    >>> resolve_as_of("2025-03-31 17:00")
    Timestamp('2025-03-31 00:00:00')
    """
    if as_of is not None:
        try:
            ts = pd.Timestamp(as_of)
        except (ValueError, TypeError):
            raise InputError(f"as_of = {as_of!r} is not a date; give it as YYYY-MM-DD.") from None
        if ts is pd.NaT:
            raise InputError("as_of is empty; give it as YYYY-MM-DD or leave it out for the latest date in the data.")
        return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()
    candidates = []
    for df, cols in (
        (deliveries, ("date_received",)),
        (inspections, ("date",)),
        (requests, ("date_sent", "date_responded", "date_closed")),
    ):
        if df is None:
            continue
        for c in cols:
            if c in df.columns and len(df):
                m = pd.to_datetime(df[c]).max()
                if m is not pd.NaT and not pd.isna(m):
                    candidates.append(pd.Timestamp(m))
    if not candidates:
        raise InputError("No dated records were given, so there is no as-of date; pass as_of=YYYY-MM-DD or some data.")
    return max(candidates).normalize()


def evaluation_window(as_of: pd.Timestamp, window_months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the window of ``window_months`` months ending on ``as_of`` (inclusive).

    The window starts ``window_months`` months before the day after ``as_of``, so an as-of date at a
    month end gives whole calendar months.

    Examples
    --------
    >>> evaluation_window(pd.Timestamp("2025-12-31"), 12)
    (Timestamp('2025-01-01 00:00:00'), Timestamp('2025-12-31 00:00:00'))
    >>> evaluation_window(pd.Timestamp("2025-02-28"), 2)
    (Timestamp('2025-01-01 00:00:00'), Timestamp('2025-02-28 00:00:00'))
    """
    as_of = pd.Timestamp(as_of).normalize()
    start = as_of + pd.Timedelta(days=1) - pd.DateOffset(months=window_months)
    return pd.Timestamp(start), as_of


def day_difference(reference, received, *, config: Config) -> np.ndarray:
    """Signed days from ``reference`` to ``received`` in the configured day basis (float, NaN where unknown).

    Calendar basis: the difference in days. Working basis (``numpy.busday_count``,
    skipping the weekend days and holidays): late receipts count the working days
    from the reference date up to, not including, the receipt date; early
    receipts count minus the working days after the receipt date up to and
    including the reference date.

    Examples
    --------
    >>> from supplier_analytics.config import load_config
    >>> cfg = load_config({"delivery": {"day_basis": "working", "holidays": ["2025-12-25"]}})
    >>> ref = pd.Series(pd.to_datetime(["2025-12-24", "2025-01-03"]))  # Wed, Fri
    >>> rec = pd.Series(pd.to_datetime(["2025-12-26", "2025-01-06"]))  # Fri, Mon
    >>> day_difference(ref, rec, config=cfg).tolist()
    [1.0, 1.0]
    >>> day_difference(ref, rec, config=load_config()).tolist()
    [2.0, 3.0]
    """
    ref = pd.Series(reference).astype("datetime64[ns]").to_numpy()
    rec = pd.Series(received).astype("datetime64[ns]").to_numpy()
    return day_diff(ref, rec, config)


def day_diff(reference: np.ndarray, received: np.ndarray, config: Config) -> np.ndarray:
    """:func:`day_difference` on datetime64 arrays (what the judges call on their columns)."""
    d = config.delivery
    if d.day_basis == "calendar" and reference.dtype == received.dtype == np.dtype("datetime64[ns]"):
        # whole days by floor division of the nanoseconds (as the conversion to datetime64[D]), NaN where NaT
        ref_i8, rec_i8 = reference.view(np.int64), received.view(np.int64)
        diff = (rec_i8 // DAY_NS - ref_i8 // DAY_NS).astype(np.float64)
        diff[np.isnat(reference) | np.isnat(received)] = np.nan
        return diff
    ref = reference.astype("datetime64[D]")
    rec = received.astype("datetime64[D]")
    out = np.full(ref.shape, np.nan)
    ok = ~(np.isnat(ref) | np.isnat(rec))
    if d.day_basis == "calendar":
        out[ok] = (rec[ok] - ref[ok]).astype("int64")
    else:
        cal = np.busdaycalendar(weekmask=d.weekmask, holidays=np.array(d.holidays, dtype="datetime64[D]"))
        out[ok] = np.busday_count(ref[ok], rec[ok], busdaycal=cal)
    return out


# --------------------------------------------------------------------------- the context of one run


@dataclass(frozen=True, eq=False)
class ScoringContext:
    """What every judge, chunk and partition of one run shares: made once by :func:`make_context`.

    Attributes
    ----------
    config : the :class:`~supplier_analytics.config.Config`.
    as_of : the as-of date (a day).
    window : (first day, last day) of the evaluation window.
    exclusions : ``{table: that table's exclusions or None}`` for deliveries, inspections and requests,
        checked and prepared (:func:`select_exclusions`).
    """

    config: Config
    as_of: pd.Timestamp
    window: tuple[pd.Timestamp, pd.Timestamp]
    exclusions: dict = field(default_factory=lambda: dict.fromkeys(RECORD_TABLES), repr=False)

    @property
    def freq(self) -> str:
        """The period frequency (``config.periods.freq``)."""
        return self.config.periods.freq


def make_context(
    config: Config | dict | str | None = None,
    *,
    deliveries: pd.DataFrame | None = None,
    inspections: pd.DataFrame | None = None,
    requests: pd.DataFrame | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    window: tuple | None = None,
) -> ScoringContext:
    """The :class:`ScoringContext` of a run: configuration, as-of date, window and exclusions, each worked out once.

    Parameters
    ----------
    config : a Config, a TOML path, a dict of overrides or None for the defaults.
    deliveries, inspections, requests : the tables, read only for the latest date when ``as_of`` is None.
    as_of : the as-of date (default: the latest date in the tables given).
    exclusions : the canonical exclusions table (all record tables together).
    window : (first day, last day); default ``periods.window_months`` months ending on ``as_of``.

    Examples
    --------
    >>> ctx = make_context(as_of="2025-12-31 08:00")
    >>> ctx.as_of, ctx.window[0], ctx.freq
    (Timestamp('2025-12-31 00:00:00'), Timestamp('2025-01-01 00:00:00'), 'M')
    """
    cfg = load_config(config)
    as_of = resolve_as_of(as_of, deliveries=deliveries, inspections=inspections, requests=requests)
    if window is None:
        window = evaluation_window(as_of, cfg.periods.window_months)
    window = (pd.Timestamp(window[0]), pd.Timestamp(window[1]))
    return ScoringContext(config=cfg, as_of=as_of, window=window, exclusions=select_exclusions(exclusions))


def prepare_tables(deliveries=None, inspections=None, requests=None) -> dict[str, pd.DataFrame | None]:
    """``{table: prepare_table(frame, table) or None}`` for the three record tables."""
    given = {"deliveries": deliveries, "inspections": inspections, "requests": requests}
    return {name: prepare_table(df, name) if df is not None else None for name, df in given.items()}


def line_lineage(d: pd.DataFrame, members: np.ndarray, starts: np.ndarray, deciding: np.ndarray) -> dict:
    """Where the receipts of judged order lines come from: lineage columns for the lines' evidence.

    ``members`` are positions into ``d`` grouped by line (each line's rows from ``starts``), ``deciding``
    for each line the position into ``d`` of the receipt that decided its receipt date. Returns
    ``source_file``, ``source_sheet`` and ``source_row`` of that receipt (those ``d`` has) and
    ``source_rows``: the rows of all the line's receipts in receipt order, ``"12, 15"``, each with its
    file (``"jan.csv row 12; feb.csv row 15"``) when the receipts come from more than one file or sheet.
    Empty when ``d`` has no ``source_row``.
    """
    if "source_row" not in d.columns:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    out: dict = {c: d[c].array.take(deciding) for c in LINEAGE if c in d.columns}
    rows = pa.array(d["source_row"].to_numpy()[members]).cast(pa.string())
    offsets = pa.array(np.r_[starts, len(members)].astype(np.int64)) if len(starts) else pa.array([0], pa.int64())
    text = pc.binary_join(pa.LargeListArray.from_arrays(offsets, rows), ", ")  # lines of one file and sheet
    place = np.zeros(len(members), dtype=np.int64)
    for c in ("source_file", "source_sheet"):
        if c in d.columns:
            place = place * 1_000_003 + pd.factorize(d[c].to_numpy()[members], use_na_sentinel=False)[0]
    if len(starts) and (np.maximum.reduceat(place, starts) != np.minimum.reduceat(place, starts)).any():
        parts = [
            pa.array(d[c].astype("string").fillna("").to_numpy()[members], pa.string()) for c in LINEAGE[:2] if c in d
        ]
        if len(parts) == 2:  # "file sheet S" where the receipt has a sheet
            sheet = pc.if_else(pc.equal(parts[1], ""), "", pc.binary_join_element_wise(" sheet", parts[1], " "))
            parts = [pc.binary_join_element_wise(parts[0], sheet, "")]
        labelled = pc.binary_join_element_wise(*parts, rows, " row ")
        mixed = np.maximum.reduceat(place, starts) != np.minimum.reduceat(place, starts)
        text = pc.if_else(mixed, pc.binary_join(pa.LargeListArray.from_arrays(offsets, labelled), "; "), text)
    out["source_rows"] = pd.array(text.to_numpy(zero_copy_only=False), dtype="string")
    return out


# --------------------------------------------------------------------------- exclusions


def select_exclusions(exclusions: pd.DataFrame | None) -> dict[str, pd.DataFrame | None]:
    """The canonical exclusions table checked once and split by record table: ``{table: rows or None}``.

    Raises
    ------
    ValidationError
        A row names a table other than deliveries, inspections or requests.

    Examples
    --------
    >>> ex = pd.DataFrame({"table": ["Deliveries ", "requests"], "supplier_id": ["S1", "S2"],
    ...     "reason_code": ["STRIKE", "HOLIDAY"], "decided_by": ["buyer", "buyer"]})
    >>> {t: None if f is None else len(f) for t, f in select_exclusions(ex).items()}
    {'deliveries': 1, 'inspections': None, 'requests': 1}
    """
    out: dict[str, pd.DataFrame | None] = dict.fromkeys(RECORD_TABLES)
    if exclusions is None or len(exclusions) == 0:
        return out
    ex = prepare_table(exclusions, "exclusions")
    tables = ex["table"].str.strip().str.lower()
    unknown = ~tables.isin(list(RECORD_TABLES))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ValidationError(
            f"Exclusions row {i} has table = {ex['table'].iloc[i]!r}; use deliveries, inspections or requests.",
            failure_cases=ex.loc[unknown],
        )
    for table in RECORD_TABLES:
        rows = ex.loc[tables == table]
        out[table] = rows if len(rows) else None
    return out


def _exclusion_matches(records: pd.DataFrame, ex: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame | None:
    """(``_rid``: label of the record, ``reason_code``) for each exclusion naming a record, or None.

    ``keys`` beyond supplier_id match when the exclusion gives them (see :func:`_key_patterns`).
    """
    if ex is None or keys[0] not in records.columns or keys[0] not in ex.columns:
        return None
    # every pattern names the record's own id (po_id, lot_id, request_id): only records whose id occurs in
    # the exclusions at all can match, usually a few in a hundred -- the patterns are tried on those alone
    named = np.flatnonzero(_isin(records[keys[0]], ex[keys[0]].dropna().unique()))
    if not len(named):
        return None
    records = records.iloc[named]  # keeps its labels
    found = []
    for mask_cols in _key_patterns(keys):
        if any(k not in ex.columns for k in mask_cols):
            continue  # a key the exclusions do not have (without line_id, an exclusion names a whole order)
        sub = ex
        for k in keys:
            sub = sub.loc[sub[k].notna()] if k in mask_cols else sub.loc[sub[k].isna()] if k in sub else sub
        if not len(sub):
            continue
        on = ["supplier_id", *mask_cols]
        if any(k not in records.columns for k in on):
            continue
        # a record can match only when each of its key values occurs in the exclusions: join those few
        cand = np.ones(len(records), dtype=bool)
        for k in on:
            cand &= _isin(records[k], sub[k].dropna().unique())
        rec = records.loc[cand, on]
        rec["_rid"] = records.index[cand]
        m = rec.dropna(subset=on).merge(sub.loc[:, [*on, "reason_code"]], on=on, how="inner")
        found.append(m.loc[:, ["_rid", "reason_code"]])
    return pd.concat(found, ignore_index=True).drop_duplicates() if found else None


def _mark_exclusions(records: pd.DataFrame, ex: pd.DataFrame | None, keys: list[str]) -> pd.Series:
    """Reason text per record (NA where not excluded); a record named by several exclusions gets their
    reasons joined by "; "."""
    reasons = pd.Series(pd.NA, index=records.index, dtype="string")
    allm = _exclusion_matches(records, ex, keys)
    if allm is None:
        return reasons
    single = ~allm["_rid"].duplicated(keep=False).to_numpy()  # most records: one reason, nothing to join
    reasons.loc[allm["_rid"].to_numpy()[single]] = allm["reason_code"].astype("string").to_numpy()[single]
    allm = allm.loc[~single]
    if not len(allm):
        return reasons
    joined = allm.groupby("_rid", sort=True)["reason_code"].agg(lambda s: "; ".join(sorted(set(s))))
    reasons.loc[joined.index] = joined.astype("string")
    return reasons


def set_exclusions(records: pd.DataFrame, ex: pd.DataFrame | None, keys: list[str], *, evidence: bool) -> None:
    """Add ``excluded`` and, for evidence, ``exclusion_reason`` to records with a default RangeIndex.

    ``ex`` holds the exclusions of the records' table (:attr:`ScoringContext.exclusions`), ``keys`` the
    record's own keys beyond supplier_id (``["po_id", "line_id"]``, ``["lot_id"]``, ``["request_id"]``).
    """
    if evidence:
        reasons = _mark_exclusions(records, ex, keys)
        records["excluded"] = reasons.notna().to_numpy()
        records["exclusion_reason"] = reasons
        return
    excluded = np.zeros(len(records), dtype=bool)
    allm = _exclusion_matches(records, ex, keys)
    if allm is not None:
        excluded[allm["_rid"].to_numpy()] = True
    records["excluded"] = excluded


def _isin(s: pd.Series, values) -> np.ndarray:
    """``s.isin(values)`` as a numpy bool array (missing values never match), fast for ids: categorical
    columns test their categories only, Arrow strings use Arrow's hash lookup (no Python loop over values)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.r_[_isin(pd.Series(s.cat.categories), values), False]  # code -1 (missing) -> the trailing False
        return hit[s.cat.codes.to_numpy()]
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = s.array.__arrow_array__()
        wanted = pd.Series(values).astype(s.dtype).dropna().array.__arrow_array__()
        if isinstance(wanted, pa.ChunkedArray):
            wanted = wanted.combine_chunks()
        found = pc.is_in(arr, value_set=wanted.cast(arr.type))
        return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return s.isin(values).to_numpy(dtype=bool)


def _key_patterns(keys: list[str]) -> list[list[str]]:
    # deliveries: (po_id, line_id) or (po_id) alone (every line of the order); others: their one key
    if keys == ["po_id", "line_id"]:
        return [["po_id", "line_id"], ["po_id"]]
    return [keys]
