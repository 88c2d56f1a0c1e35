"""The judges: prepared canonical tables -> judged records, one row per judged unit.

:func:`delivery_lines`, :func:`inspection_lots` and :func:`request_records` give one row per judged
unit with every flag that a metric counts, the period it falls in, its status (``judged``,
``excluded``, ``not judged``, ``before window``, ``open from before window``, ``open``) and the exclusion
reason. These frames are the evidence behind every number; :func:`~supplier_analytics.aggregate.aggregate`
sums them into mergeable statistics.

Each judge comes twice: :func:`judge_deliveries`, :func:`judge_inspections` and :func:`judge_requests`
take a table already prepared by :func:`~supplier_analytics.tables.prepare_table` and the run's
:class:`~supplier_analytics.tables.ScoringContext` (what the engines call, chunk by chunk);
:func:`delivery_lines`, :func:`inspection_lots` and :func:`request_records` take a raw table and the
options, prepare it and make the context (for one table at hand: tests, notebooks, evidence).

Delivery lines
--------------
* **Line key**: rows with the same (supplier_id, po_id, line_id) are one
  order line. Without a line_id (column absent or cell empty) the key is
  (supplier_id, po_id, item) when item is given, else each row is its own line.
  Without ``quantity_received`` each receipt row is judged on its own (there is
  nothing to combine) and no in-full figure exists.
* **Duplicates**: a receipt_id seen twice on one line, or an identical row,
  counts once (``n_duplicate_receipts`` on the line says how many were dropped). Rows read from an export
  (with ``source_row``) are identical only as the same row of the same file: the import judged duplicates
  on every column of the export, and rows it kept are separate receipts.
* **Sources** (evidence): ``source_file``, ``source_sheet``, ``source_row`` of the receipt that decided the
  line's receipt date (an open line: its latest row) and ``source_rows``, every receipt's row ("12, 15").
* **Line attributes** (quantity_ordered, the dates ordered/requested/promised)
  are taken from the line's latest receipt that carries them: the latest
  version of the order line.
* **Receipts after the as-of date** are not known at the as-of date and are
  dropped before lines are combined.
* **Received quantity** = sum of the receipts (reversals are negative). The
  line's **receipt date** is the date the cumulative received quantity last
  rose to ordered x (1 - in_full_tolerance) (for receipts without reversals:
  first reached it); when it never did, the last receipt date.
* **In full**: received >= ordered x (1 - tolerance), and -- when
  ``over_delivery_in_full`` is false -- received <= ordered x (1 + tolerance).
  Unknown (NA) when a receipt of the line has no quantity.
* **Days from reference** = receipt date - reference date (promised, or
  requested per configuration), in calendar days or in working days
  (``numpy.busday_count`` with the configured weekend and holidays: the
  working days from the reference date up to, not including, the receipt
  date). Lines without the reference date are ``not judged`` (counted, never
  invented).
* **On time** iff -early_tolerance <= days <= late_tolerance (no lower bound
  when the early tolerance is unlimited); **early** below the window,
  **late** above it. **OTIF** = on time and in full.
* **Days late** = days from reference for late lines, 0 for early and on-time
  lines (so the mean, median and p90 run over all judged lines).
* **Quantity on time** = net quantity received inside the on-time window,
  capped to [0, ordered]. A reversal takes back the latest quantity received
  before it (last in, first out), whatever its posting date: the quantity
  received up to a day T that is kept is min(cumulative net quantity at T, at
  every later receipt), and the quantity on time is what is kept of all
  receipts by the end of the window less what is kept of those before its
  start (early). So 10 received on time, reversed after the window and
  received again late count 0 on time (the line is late); 10 on time plus 5
  over-delivered late and reversed count 10. Never more than the net received
  quantity. Without reversals: the quantity of the receipts inside the window.
* **Lead time** = receipt date - order date in calendar days, where the order
  date exists.
* **Period** of a line: the period of its receipt date.
* **Open lines**: an order line with no receipt by the as-of date -- rows with neither ``date_received``
  nor ``quantity_received`` (an export of open order lines), or whose receipts all come after the as-of
  date -- and ordered by then. With ``delivery.open_lines = "count_past_due"`` (the default) an open line
  whose reference date plus the late tolerance lies before the as-of date is judged: not on time, late by
  the days from its reference date to the as-of date (a lower bound), not in full and not OTIF, with 0
  quantity on time, in the period of its reference date (``open_past_due``; ``open_state`` = "open past
  due"). Other open lines -- not yet due, or every open line with ``"ignore"`` -- have the status
  ``open`` and count in no rate; without a reference date they are ``not judged``. A line with some
  receipts but short is not open: it is judged as above.

Inspections are dated by ``date``, requests by ``date_sent``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from supplier_analytics.config import Config
from supplier_analytics.errors import DataWarning
from supplier_analytics.schema import TABLES
from supplier_analytics.tables import (
    DAY_NS,
    LINEAGE,
    ScoringContext,
    day_diff,
    line_lineage,
    make_context,
    prepare_table,
    set_exclusions,
)

__all__ = [
    "JUDGED",
    "EXCLUDED",
    "NOT_JUDGED",
    "BEFORE_WINDOW",
    "OPEN_FROM_BEFORE",
    "OPEN_LINE",
    "STATUSES",
    "JUDGES",
    "delivery_lines",
    "inspection_lots",
    "request_records",
    "judge_deliveries",
    "judge_inspections",
    "judge_requests",
]

JUDGED, EXCLUDED, NOT_JUDGED, BEFORE_WINDOW = "judged", "excluded", "not judged", "before window"
#: A request sent before the window and still open at the as-of date (unanswered, or a corrective action not
#: closed): it counts as open (and overdue, and as an open corrective action) in the window's first period,
#: and in nothing else (its sending and answering belong to earlier windows).
OPEN_FROM_BEFORE = "open from before window"
#: An order line with no receipt by the as-of date that is left out of the rates: not yet due (its reference
#: date plus the late tolerance not before the as-of date), or any open line with ``delivery.open_lines =
#: "ignore"``. An open line past due is ``judged`` (not on time, not in full) under the default.
OPEN_LINE = "open"


# --------------------------------------------------------------------------- helpers


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


_INT_SAFE = 2**53  # float64 sums of whole numbers below this are exact in any order


def _factorize_int(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..k-1 of an int64 key in order of first appearance (as ``groupby(sort=False).ngroup()``)."""
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64, copy=False), len(uniques)


def _line_key(d: pd.DataFrame, has_qty: bool) -> np.ndarray:
    """One int64 per row, equal for the rows of one order line (see the module notes for the key)."""
    n = len(d)
    sup, n_sup = _codes(d["supplier_id"])
    po, n_po = _codes(d["po_id"])
    if has_qty:
        sub = np.full(n, -1, dtype=np.int64)
        offset = 0
        for c in ("line_id", "item"):
            if c in d.columns and (sub < 0).any():
                cc, nc = _codes(d[c])
                take = (sub < 0) & (cc >= 0)
                sub[take] = cc[take] + offset
                offset += nc
        rest = sub < 0
        sub[rest] = offset + np.flatnonzero(rest)
        n_sub = offset + n
    else:
        sub, n_sub = np.arange(n, dtype=np.int64), n
    n_sup, n_po, n_sub = max(n_sup, 1), max(n_po, 1), max(n_sub, 1)
    if n_sup * n_po < 2**62 // n_sub:
        return (sup * n_po + po) * n_sub + sub
    first, _ = _factorize_int(sup * n_po + po) if n_sup * n_po < 2**62 else _factorize_pair(sup, po)
    return first * n_sub + sub


def _factorize_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    codes = pd.DataFrame({"a": a, "b": b}).groupby(["a", "b"], sort=False).ngroup().to_numpy()
    return codes.astype(np.int64), int(codes.max()) + 1 if len(codes) else 0


def _sort_lines(line: np.ndarray, date_i8: np.ndarray) -> np.ndarray:
    """Positions that sort rows by (line, date, position), stable."""
    if len(line) == 0:
        return np.zeros(0, dtype=np.int64)
    if (date_i8 % DAY_NS == 0).all():
        days = date_i8 // DAY_NS
        lo = days.min()
        span = int(days.max() - lo) + 1
        if (int(line.max()) + 1) < 2**62 // span:
            return np.argsort(line * span + (days - lo), kind="stable")
    return np.lexsort((date_i8, line))


def _take(s: pd.Series, idx: np.ndarray):
    """The values of ``s`` at positions ``idx`` (-1 gives a missing value), keeping the dtype."""
    return s.array.take(idx, allow_fill=bool((idx < 0).any()))


def _whole(values: np.ndarray) -> bool:
    return bool(np.all(values == np.trunc(values))) and float(np.abs(values).sum()) < _INT_SAFE


def _group_cumsum(values: np.ndarray, groups: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Running sum within groups of rows sorted by group (identical to pandas' groupby cumsum)."""
    if len(values) == 0:
        return values.copy()
    if _whole(values):  # exact in any order: one pass
        cs = np.cumsum(values)
        return cs - np.repeat(cs[starts] - values[starts], sizes)
    return pd.Series(values).groupby(groups, sort=False).cumsum().to_numpy()


def _group_sum(values: np.ndarray, groups: np.ndarray, starts: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum per group of rows sorted by group, every group present (identical to pandas' groupby sum)."""
    if len(values) == 0:
        return np.zeros(n_groups)
    if _whole(values):
        return np.add.reduceat(values, starts)
    return pd.Series(values).groupby(groups, sort=True).sum().to_numpy()


#: Every record status, in the order of their codes.
STATUSES = (JUDGED, EXCLUDED, NOT_JUDGED, BEFORE_WINDOW, OPEN_FROM_BEFORE, OPEN_LINE)


def _status(codes: np.ndarray) -> pd.Categorical:
    """Status text from codes 0..5 (judged, excluded, not judged, before window, open from before window, open),
    as a categorical column (one byte per record instead of a string)."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(STATUSES), dtype="string"))


#: Per record table: the date that places a record in a period and the window, and the keys beyond
#: supplier_id an exclusion names it by.
_PLACED = {
    "deliveries": ("date_received", ["po_id", "line_id"]),
    "inspections": ("date", ["lot_id"]),
    "requests": ("date_sent", ["request_id"]),
}


def _set_status(
    records: pd.DataFrame,
    table: str,
    context: ScoringContext,
    *,
    evidence: bool,
    judged: np.ndarray | None = None,
    still_open: np.ndarray | None = None,
    placed: pd.Series | None = None,
    uncounted: np.ndarray | None = None,
) -> None:
    """What every judge ends with: each record's period, its exclusion and its status.

    A record is judged (``not judged`` where ``judged`` is False, ``open`` where ``uncounted``: an open
    order line left out of the rates), else excluded, and ``before window`` when dated before the window
    whatever else; one still open at the as-of date (``still_open``, requests) and not excluded is ``open
    from before window`` instead, in the window's first period. ``placed`` overrides the table's date.
    Evidence records keep that placing date as ``period_date``.
    """
    date_col, keys = _PLACED[table]
    freq = context.config.periods.freq
    dates = records[date_col] if placed is None else placed
    records["period"] = dates.dt.to_period(freq)
    if evidence:  # the date that places each record in its period: regrouping into other periods reads it
        records["period_date"] = dates.to_numpy()
    set_exclusions(records, context.exclusions[table], keys, evidence=evidence)
    excluded = records["excluded"].to_numpy()
    status = np.zeros(len(records), dtype=np.int8) if judged is None else np.where(judged, 0, 2).astype(np.int8)
    if uncounted is not None:
        status[uncounted] = 5
    status[excluded] = 1
    start = pd.Timestamp(context.window[0])
    before = (dates < start).to_numpy()
    status[before] = 3
    if still_open is not None:
        carried = before & still_open & ~excluded
        status[carried] = 4
        if carried.any():
            records.loc[carried, "period"] = start.to_period(freq)
            if evidence:
                records.loc[carried, "period_date"] = start
    records["status"] = _status(status)


# --------------------------------------------------------------------------- the judges


def _prepare_and_judge(
    table: str, frame: pd.DataFrame, config, as_of, exclusions, window, evidence: bool
) -> pd.DataFrame:
    """A judge of one table on its own: the table prepared, the run's context made from it, then judged."""
    t = prepare_table(frame, table)
    given: dict[str, Any] = {table: t}  # the table's own keyword of make_context
    context = make_context(config, as_of=as_of, exclusions=exclusions, window=window, **given)
    return JUDGES[table](t, context, evidence=evidence)


def delivery_lines(
    deliveries: pd.DataFrame,
    *,
    config: Config | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    window: tuple | None = None,
    evidence: bool = True,
) -> pd.DataFrame:
    """Combine receipts into order lines and judge each line (see the module notes for every rule).

    Parameters
    ----------
    deliveries : canonical deliveries table.
    config : scoring configuration (default: :func:`~supplier_analytics.config.default_config`).
    as_of : as-of date; receipts after it are dropped (default: the latest receipt date).
    exclusions : canonical exclusions table (rows with ``table == "deliveries"`` apply).
    window : (first day, last day) of the evaluation window; lines received before it get the status
        ``before window`` (default: ``periods.window_months`` months up to ``as_of``).
    evidence : True (default) for every column of the records; False for the columns the statistics
        read only (no item, site or requested date unless it is the reference date, order keys only
        when exclusions need them, no exclusion_reason): for lines that are summed and dropped
        (:func:`~supplier_analytics.engines.partition_stats`).

    Returns
    -------
    DataFrame
        One row per order line: supplier_id, po_id, line_id, item (those present), n_receipts,
        n_duplicate_receipts, quantity_ordered, quantity_received, date_ordered, date_requested,
        date_promised, reference_date, date_received (the receipt completing the line),
        days_from_reference, days_late, on_time, early, late, in_full, otif (nullable booleans),
        quantity_on_time, lead_time_days, source_file, source_sheet, source_row, source_rows (when the table
        has them; evidence only), period, status, excluded, exclusion_reason. The attribute
        ``attrs["receipts_after_as_of"]`` counts the receipts dropped.

    Examples
    --------
    >>> d = pd.DataFrame({"supplier_id": ["S1", "S1"], "po_id": ["P1", "P1"], "line_id": ["1", "1"],
    ...     "quantity_ordered": [10.0, 10.0], "quantity_received": [4.0, 6.0],
    ...     "date_promised": pd.to_datetime(["2025-03-10"] * 2),
    ...     "date_received": pd.to_datetime(["2025-03-08", "2025-03-12"])})
    >>> line = delivery_lines(d, as_of="2025-03-31").iloc[0]
    >>> line["quantity_received"], str(line["date_received"].date()), line["days_late"], bool(line["otif"])
    (np.float64(10.0), '2025-03-12', np.float64(2.0), False)
    """
    return _prepare_and_judge("deliveries", deliveries, config, as_of, exclusions, window, evidence)


def judge_deliveries(d: pd.DataFrame, context: ScoringContext, *, evidence: bool = True) -> pd.DataFrame:
    """:func:`delivery_lines` of a prepared deliveries table (:func:`~supplier_analytics.tables.prepare_table`)."""
    cfg = context.config
    as_of = context.as_of
    dcfg = cfg.delivery
    has_qty = "quantity_received" in d.columns
    ref_col = dcfg.reference_column
    if ref_col not in d.columns:
        warnings.warn(
            f"The deliveries table has no {ref_col} column, so no line can be judged on time; map it or set "
            f"delivery.reference_date to the date you have.",
            DataWarning,
            stacklevel=2,
        )

    # receipts after as-of are not known yet: dropped; a line without any receipt by then is an open line
    dates = d["date_received"].to_numpy()
    after = dates > as_of.to_datetime64()
    n_after = int(after.sum())
    apart = after | np.isnat(dates)
    del dates
    open_rows = None
    if apart.any():
        key = _line_key(d, has_qty)
        only_open = apart & ~np.isin(key, key[~apart])
        if "date_ordered" in d.columns:  # a line ordered after the as-of date did not exist yet
            only_open &= ~(d["date_ordered"].to_numpy() > as_of.to_datetime64())
        if only_open.any():
            open_rows = (d.loc[only_open].reset_index(drop=True), key[only_open])
        del key, only_open
        d = d.loc[~apart].reset_index(drop=True)
    del after, apart
    n = len(d)

    # line key: integer codes per column, combined once (first-appearance order, as groupby(sort=False))
    key = _line_key(d, has_qty)
    line, _ = _factorize_int(key)
    del key  # temporaries of ten million rows are freed as soon as they are used up
    n_lines = int(line.max()) + 1 if n else 0
    counts = np.bincount(line, minlength=n_lines)

    # duplicates: same receipt_id on a line, or identical rows -- only lines with several rows can have any
    dup = np.zeros(n, dtype=bool)
    multi = np.flatnonzero(counts[line] > 1)
    if len(multi):
        canon = [c for c in (*TABLES["deliveries"].names, *LINEAGE) if c in d.columns]  # rows of an export: own rows
        # identical rows share their line, receipt date and quantity: compare all columns only where those repeat
        probe = {"_line": line[multi], "_date": d["date_received"].to_numpy().view(np.int64)[multi]}
        if has_qty:
            probe["_qty"] = pd.factorize(d["quantity_received"].to_numpy()[multi])[0]
        cand = multi[pd.DataFrame(probe).duplicated(keep=False).to_numpy()]
        del probe
        if len(cand):
            sub = d.iloc[cand].loc[:, canon]
            sub["_line"] = line[cand]
            dup[cand] = sub.duplicated(subset=[*canon, "_line"], keep="first").to_numpy()
            del sub
        if "receipt_id" in d.columns:
            rid = d["receipt_id"].array[multi]
            by_receipt = pd.DataFrame({"_line": line[multi], "receipt_id": rid})
            dup[multi] |= ~np.asarray(rid.isna(), dtype=bool) & by_receipt.duplicated(keep="first").to_numpy()
            del rid, by_receipt
        del cand
    del multi, counts
    dup_per_line = np.bincount(line[dup], minlength=n_lines).astype(np.int64)
    keep_rows = np.flatnonzero(~dup)
    del dup

    # receipts of a line next to each other, by receipt date then position in the input
    rec_i8 = d["date_received"].to_numpy().view(np.int64)[keep_rows]
    order = keep_rows[_sort_lines(line[keep_rows], rec_i8)]
    del keep_rows, rec_i8
    ls = line[order]
    del line
    m = len(order)
    starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]]) if m else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, m]).astype(np.int64)
    ends = starts + sizes - 1
    first_in_line = np.zeros(m, dtype=bool)
    first_in_line[starts] = True

    ex = context.exclusions["deliveries"]
    if evidence:
        wanted = (
            "supplier_id",
            "po_id",
            "line_id",
            "item",
            "quantity_ordered",
            "date_ordered",
            "date_requested",
            "date_promised",
            "site",
        )
    else:  # what the statistics read: no text columns, the order keys only to match exclusions
        wanted = (
            "supplier_id",
            *(("po_id", "line_id") if ex is not None else ()),
            "quantity_ordered",
            "date_ordered",
            ref_col,
        )
    attr_cols = [c for c in wanted if c in d.columns]
    cols = {}
    for c in attr_cols:  # the line's latest receipt that carries a value (groupby().last())
        s = d[c]
        na = s.isna().to_numpy()
        if na.any():
            pos = np.where(~na[order], np.arange(m), -1)
            last = np.maximum.reduceat(pos, starts) if m else pos[:0]
            idx = np.where(last >= 0, order[np.maximum(last, 0)], -1)
        else:
            idx = order[ends]
        cols[c] = _take(s, idx)
        del s, idx
    lines = pd.DataFrame(cols, copy=False)
    del cols
    lines.insert(lines.columns.get_loc("quantity_ordered"), "n_receipts", sizes)
    lines.insert(lines.columns.get_loc("quantity_ordered"), "n_duplicate_receipts", dup_per_line)
    ordered = lines["quantity_ordered"].to_numpy()
    tol = dcfg.in_full_tolerance
    rec_sorted = d["date_received"].to_numpy()[order]
    last_date = rec_sorted[ends]

    if has_qty:
        q = d["quantity_received"].to_numpy()[order]
        known = ~np.isnan(q)
        qty_known = np.logical_and.reduceat(known, starts) if m else known[:0]
        q0 = np.where(known, q, 0.0)
        cum = _group_cumsum(q0, ls, starts, sizes)
        reversed_any = bool((q0 < 0).any())
        cum_kept = cum if reversed_any else None  # for the quantity on time of lines with reversals
        prev = cum - q0
        threshold = np.repeat(ordered, sizes) * (1.0 - tol)
        crossing = (cum >= threshold) & ((prev < threshold) | first_in_line)
        crossed = np.where(crossing, rec_sorted.view(np.int64), np.iinfo(np.int64).min)
        crossed = np.maximum.reduceat(crossed, starts) if m else crossed[:0]
        pick = np.maximum.reduceat(np.where(crossing, np.arange(m), -1), starts) if m else starts
        received = cum[ends]
        del cum, prev, threshold, crossing, known
        lines["quantity_received"] = received
        with np.errstate(invalid="ignore"):
            complete = qty_known & (received >= ordered * (1.0 - tol))
            use = complete & (crossed != np.iinfo(np.int64).min)
            pick = np.where(use, pick, ends)
            date_rec = np.where(use, crossed, last_date.view(np.int64)).view("datetime64[ns]")
            in_full = complete.copy()
            if not dcfg.over_delivery_in_full:
                in_full &= received <= ordered * (1.0 + tol)
        in_full = pd.arrays.BooleanArray(in_full, ~qty_known)
        del crossed, use, complete, received
    else:
        date_rec, pick = last_date, ends
        in_full = pd.arrays.BooleanArray(np.zeros(len(lines), dtype=bool), np.ones(len(lines), dtype=bool))
    # where the line comes from (evidence): the receipt that decided its receipt date, and every receipt's row
    sources = line_lineage(d, order, starts, order[pick]) if evidence else {}
    del d
    lines["date_received"] = date_rec.astype("datetime64[ns]", copy=False)
    del date_rec, last_date
    if ref_col in lines.columns:
        ref = lines[ref_col].to_numpy().astype("datetime64[ns]")
    else:
        ref = np.full(len(lines), np.datetime64("NaT"), dtype="datetime64[ns]")
    lines["reference_date"] = ref
    diff = day_diff(ref, lines["date_received"].to_numpy(), cfg)
    judged = ~np.isnan(diff)
    lo = -np.inf if dcfg.early_tolerance_days is None else -float(dcfg.early_tolerance_days)
    hi = float(dcfg.late_tolerance_days)

    def flag(values: np.ndarray) -> pd.arrays.BooleanArray:
        return pd.arrays.BooleanArray(np.asarray(values, dtype=bool) & judged, ~judged)

    lines["days_from_reference"] = diff
    with np.errstate(invalid="ignore"):
        late = diff > hi
        on_time = (diff >= lo) & (diff <= hi)
        lines["days_late"] = np.where(judged, np.where(late, diff, 0.0), np.nan)
        lines["on_time"] = flag(on_time)
        lines["early"] = flag(diff < lo)
        lines["late"] = flag(late)
    lines["in_full"] = in_full
    # unknown unless both are known
    otif_known = judged & ~in_full._mask
    lines["otif"] = pd.arrays.BooleanArray(on_time & in_full._data & otif_known, ~otif_known)

    # quantity received inside the on-time window (per receipt), capped to [0, ordered]
    if has_qty:
        rdiff = day_diff(np.repeat(ref, sizes), rec_sorted, cfg)
        with np.errstate(invalid="ignore"):
            inside = (rdiff >= lo) & (rdiff <= hi)
        q_on = _group_sum(np.where(inside, q0, 0.0), ls, starts, n_lines)
        if cum_kept is not None:
            q_on = _surviving_on_time(cum_kept, q0, rdiff, lo, hi, ls, starts, n_lines)
        q_on = np.clip(q_on, 0.0, np.maximum(ordered, 0.0))
        lines["quantity_on_time"] = np.where(judged & qty_known, q_on, np.nan)
        del rdiff, inside, q_on, q, q0, rec_sorted, ls, order, cum_kept
    else:
        lines["quantity_on_time"] = np.nan
    if "date_ordered" in lines.columns:
        lines["lead_time_days"] = (lines["date_received"] - lines["date_ordered"]).dt.days.astype("float64")
    else:
        lines["lead_time_days"] = np.nan
    lines["open_past_due"] = np.zeros(len(lines), dtype=bool)
    if evidence:
        lines["open_state"] = pd.array([pd.NA] * len(lines), dtype="string")
    lines = lines.assign(**sources)
    placed = uncounted = None
    if open_rows is not None:
        opened, open_judged, open_uncounted = _open_lines(*open_rows, lines.columns, context, has_qty=has_qty)
        lines = pd.concat([lines, opened], ignore_index=True)
        judged = np.r_[judged, open_judged]
        uncounted = np.r_[np.zeros(len(judged) - len(opened), dtype=bool), open_uncounted]
        # an open line sits in the period of its reference date (the as-of date's when that is later or unknown)
        placed = lines["date_received"].fillna(lines["reference_date"].clip(upper=as_of).fillna(as_of))
    _set_status(lines, "deliveries", context, evidence=evidence, judged=judged, placed=placed, uncounted=uncounted)
    lines.attrs["receipts_after_as_of"] = n_after
    return lines


def _surviving_on_time(
    cum: np.ndarray,
    q0: np.ndarray,
    rdiff: np.ndarray,
    lo: float,
    hi: float,
    ls: np.ndarray,
    starts: np.ndarray,
    n_lines: int,
) -> np.ndarray:
    """Per line, the quantity received inside the on-time window that no reversal took back (module notes).

    Rows sorted by line and date; ``cum`` the running net received quantity, ``rdiff`` each receipt's days
    from the reference date. A reversal takes back the latest quantity still received before it (last in,
    first out): what was received up to a day ``T`` and is kept is ``min(cum at T, cum at every later
    receipt)``, so the quantity on time is what is kept of everything received by the end of the on-time
    window less what is kept of everything received before it. Without reversals this is the quantity of
    the receipts inside the window. Called only when some receipt of the table is a reversal.
    """
    with np.errstate(invalid="ignore"):
        by_end = ~(rdiff > hi)  # received by the end of the window (or not judged: no reference date)
        before = rdiff < lo
    kept_by_end = np.minimum(
        _group_sum(np.where(by_end, q0, 0.0), ls, starts, n_lines),
        np.minimum.reduceat(np.where(by_end, np.inf, cum), starts),
    )
    kept_before = np.minimum(
        _group_sum(np.where(before, q0, 0.0), ls, starts, n_lines),
        np.minimum.reduceat(np.where(before, np.inf, cum), starts),
    )
    return np.maximum(kept_by_end, 0.0) - np.maximum(kept_before, 0.0)


def _open_lines(
    rows: pd.DataFrame, key: np.ndarray, columns: pd.Index, context: ScoringContext, *, has_qty: bool
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The order lines without a receipt by the as-of date, judged as open lines (see the module notes).

    ``rows`` are the lines' rows (no receipt date, or one after the as-of date), ``key`` their line keys,
    ``columns`` those of the received lines. Returns the lines with the same columns, and per line
    whether it is judged (open past due and counted) and whether it is left out of the rates.
    """
    cfg = context.config.delivery
    codes, uniques = pd.factorize(key)
    k = len(uniques)
    last = np.zeros(k, dtype=np.int64)
    np.maximum.at(last, codes, np.arange(len(codes)))  # the line's latest row carries its attributes
    out: dict = {}
    for c in columns:
        if c in rows.columns and c not in ("date_received", "quantity_received"):
            out[c] = rows[c].array.take(last)
    as_of = context.as_of
    ref_col = cfg.reference_column
    ref = (
        rows[ref_col].to_numpy().astype("datetime64[ns]")[last]
        if ref_col in rows.columns
        else np.full(k, np.datetime64("NaT"), dtype="datetime64[ns]")
    )
    diff = day_diff(ref, np.full(k, as_of.to_datetime64(), dtype="datetime64[ns]"), context.config)
    with np.errstate(invalid="ignore"):
        due = diff > float(cfg.late_tolerance_days)
    past_due = due & (cfg.open_lines == "count_past_due")
    unknown = np.isnan(diff)

    def none() -> pd.arrays.BooleanArray:  # False where counted, unknown elsewhere
        return pd.arrays.BooleanArray(np.zeros(k, dtype=bool), ~past_due)

    out.update(
        n_receipts=np.zeros(k, dtype=np.int64),
        n_duplicate_receipts=np.zeros(k, dtype=np.int64),
        quantity_received=np.zeros(k),
        date_received=np.full(k, np.datetime64("NaT"), dtype="datetime64[ns]"),
        reference_date=ref,
        days_from_reference=diff,
        days_late=np.where(past_due, diff, np.nan),
        on_time=none(),
        early=none(),
        late=pd.arrays.BooleanArray(past_due.copy(), ~past_due),
        in_full=none() if has_qty else pd.arrays.BooleanArray(np.zeros(k, dtype=bool), np.ones(k, dtype=bool)),
        quantity_on_time=np.where(past_due & has_qty, 0.0, np.nan),
        lead_time_days=np.full(k, np.nan),
        open_past_due=past_due,
        open_state=pd.array(
            np.where(
                unknown,
                "open, no reference date",
                np.where(
                    past_due, "open past due", np.where(due, "open past due, ignored (open_lines)", "open, not yet due")
                ),
            ),
            dtype="string",
        ),
    )
    out["otif"] = out["in_full"].copy()
    if "source_rows" in columns:  # the rows of each open line, its latest row as the line's source_row
        srt = np.argsort(codes, kind="stable")
        out.update(line_lineage(rows, srt, np.flatnonzero(np.r_[True, np.diff(codes[srt]) != 0]), last))
    frame = pd.DataFrame({c: out[c] for c in columns}, copy=False)
    return frame, past_due, ~unknown & ~past_due


def inspection_lots(
    inspections: pd.DataFrame,
    *,
    config: Config | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    window: tuple | None = None,
    evidence: bool = True,
) -> pd.DataFrame:
    """One row per inspected lot or incident with the flags the quality metrics count.

    Adds: ``rejected`` (quantity_defective > 0, NA without quantity_inspected), ``incident``
    (quantity_defective > 0 or downtime > 0), ``defective_in_inspected`` (defective quantity capped
    at the quantity inspected, NaN without it), period, status, excluded, exclusion_reason. Rows
    dated after ``as_of`` are dropped and counted in ``attrs["records_after_as_of"]``. With
    ``evidence=False`` there is no exclusion_reason column (``excluded`` says enough for the statistics).

    Examples
    --------
    >>> i = pd.DataFrame({"supplier_id": ["S1", "S1"], "date": pd.to_datetime(["2025-01-05", "2025-01-09"]),
    ...     "quantity_inspected": [100.0, None], "quantity_defective": [2.0, 1.0]})
    >>> inspection_lots(i, as_of="2025-01-31")[["rejected", "incident"]].to_dict("list")
    {'rejected': [True, None], 'incident': [True, True]}
    """
    return _prepare_and_judge("inspections", inspections, config, as_of, exclusions, window, evidence)


def judge_inspections(t: pd.DataFrame, context: ScoringContext, *, evidence: bool = True) -> pd.DataFrame:
    """:func:`inspection_lots` of a prepared inspections table (:func:`~supplier_analytics.tables.prepare_table`)."""
    after = t["date"] > context.as_of
    t = t.loc[~after].reset_index(drop=True)
    defective = t["quantity_defective"].to_numpy()
    if "quantity_inspected" in t.columns:
        insp = t["quantity_inspected"].to_numpy()
        has = ~np.isnan(insp)
        rejected = pd.Series(defective > 0, dtype="boolean")
        rejected[~has] = pd.NA
        t["rejected"] = rejected
        t["defective_in_inspected"] = np.where(has, np.minimum(defective, np.where(has, insp, 0.0)), np.nan)
    else:
        t["rejected"] = pd.Series(pd.NA, index=t.index, dtype="boolean")
        t["defective_in_inspected"] = np.nan
    down = t["downtime_minutes"].fillna(0.0).to_numpy() if "downtime_minutes" in t.columns else 0.0
    t["incident"] = (defective > 0) | (down > 0)
    _set_status(t, "inspections", context, evidence=evidence)
    t.attrs["records_after_as_of"] = int(after.sum())
    return t


def request_records(
    requests: pd.DataFrame,
    *,
    config: Config | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    window: tuple | None = None,
    evidence: bool = True,
) -> pd.DataFrame:
    """One row per request with response time, service level and open/overdue state at the as-of date.

    The as-of moment is the end of the as-of day. An answer or closure after it is not known yet
    (the request counts as open). A request closed without a recorded answer counts as answered
    when it was closed. Adds: ``sla_hours`` (configured per request type), ``responded``,
    ``response_hours``, ``sla_due`` (sent + service level), ``sla_elapsed``, ``within_sla`` (NA while
    open and not yet due), ``open``, ``overdue`` (open and past its service level); for corrective
    actions ``capa_due`` (date_due, taken as the whole due day, else sent + closure days), ``closed``,
    ``closure_days``, ``capa_on_time`` (NA while open and not yet due), ``capa_open``; plus period,
    status, excluded, exclusion_reason (not with ``evidence=False``: ``excluded`` says enough for the
    statistics).
    """
    return _prepare_and_judge("requests", requests, config, as_of, exclusions, window, evidence)


def judge_requests(r: pd.DataFrame, context: ScoringContext, *, evidence: bool = True) -> pd.DataFrame:
    """:func:`request_records` of a prepared requests table (:func:`~supplier_analytics.tables.prepare_table`)."""
    cfg = context.config
    end = context.as_of + pd.Timedelta(days=1)  # the end of the as-of day
    after = r["date_sent"] >= end
    r = r.loc[~after].reset_index(drop=True)
    rcfg = cfg.responsiveness
    types = r["request_type"]
    sla = types.map({t: rcfg.sla_hours(t) for t in types.dropna().unique()}).astype("float64")
    r["sla_hours"] = sla.to_numpy()
    nat = pd.Series(pd.NaT, index=r.index, dtype="datetime64[ns]")
    closed_at = r["date_closed"] if "date_closed" in r.columns else nat
    resp = r["date_responded"] if "date_responded" in r.columns else nat
    # a request closed without a recorded answer counts as answered when it was closed
    resp = resp.where(resp.notna() & (resp < end), closed_at)
    responded = (resp.notna() & (resp < end)).to_numpy()
    hours = (resp - r["date_sent"]).dt.total_seconds().to_numpy() / 3600.0
    negative = responded & (hours < 0)
    if negative.any():
        warnings.warn(
            f"{int(negative.sum())} requests were answered before they were sent; their response time counts as 0. "
            "Check date_sent and date_responded.",
            DataWarning,
            stacklevel=2,
        )
    r["responded"] = responded
    r["response_hours"] = np.where(responded, np.maximum(hours, 0.0), np.nan)
    due = r["date_sent"] + pd.to_timedelta(r["sla_hours"], unit="h")
    r["sla_due"] = due
    r["sla_elapsed"] = (due <= end).to_numpy()
    within = pd.Series(responded & (r["response_hours"].to_numpy() <= sla.to_numpy()), dtype="boolean")
    within[~responded & ~r["sla_elapsed"].to_numpy()] = pd.NA
    r["within_sla"] = within
    r["open"] = ~responded
    r["overdue"] = ~responded & (due < end).to_numpy()

    capa = (r["request_type"] == "corrective_action").fillna(False).to_numpy(dtype=bool)
    r["is_corrective_action"] = capa
    closed = capa & (closed_at.notna() & (closed_at < end)).to_numpy()
    default_due = r["date_sent"] + pd.Timedelta(days=rcfg.corrective_action_days)
    if "date_due" in r.columns:
        capa_due = r["date_due"].dt.normalize() + pd.Timedelta(days=1)
        capa_due = capa_due.where(r["date_due"].notna(), default_due)
    else:
        capa_due = default_due
    r["capa_due"] = capa_due.where(capa)
    r["closed"] = closed
    r["closure_days"] = np.where(
        closed, np.maximum((closed_at - r["date_sent"]).dt.total_seconds() / 86400.0, 0.0), np.nan
    )
    on_time = pd.Series(closed & (closed_at <= capa_due).to_numpy(), dtype="boolean")
    on_time[~capa | (~closed & (capa_due > end).to_numpy())] = pd.NA
    r["capa_on_time"] = on_time
    r["capa_open"] = capa & ~closed
    still_open = r["open"].to_numpy(dtype=bool) | r["capa_open"].to_numpy(dtype=bool)
    _set_status(r, "requests", context, evidence=evidence, still_open=still_open)
    r.attrs["records_after_as_of"] = int(after.sum())
    return r


#: The record tables and the judge of each (a prepared table and the context -> judged records).
JUDGES = {"deliveries": judge_deliveries, "inspections": judge_inspections, "requests": judge_requests}
