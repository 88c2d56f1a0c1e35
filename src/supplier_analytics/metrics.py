"""Sufficient statistics -> delivery, quality and responsiveness metrics, with counts and intervals.

Every metric frame has, for each rate ``R``: ``R`` (a fraction in [0, 1]),
``R_n`` (denominator), ``R_k`` (numerator), ``R_low`` and ``R_high`` (95 %
Wilson interval). An undefined figure is NaN, never 0: a supplier or period
without deliveries has no on-time rate. Counts are int64.

Columns
-------
Delivery
    ``n_deliveries`` (judged order lines), ``n_excluded_deliveries``,
    ``n_not_judged_deliveries`` (no reference date), ``n_open_past_due`` (open
    lines -- no receipt by the as-of date -- whose reference date plus the late
    tolerance lies before the as-of date: judged, counted as late and not in
    full, in the period of their reference date; 0 with ``delivery.open_lines =
    "ignore"``), ``n_open_not_counted`` (open lines left out of every rate: not
    yet due, or all of them under ``"ignore"``; judged + excluded + not judged +
    not counted = every line of the window), rates ``on_time_rate``,
    ``early_rate``, ``late_rate`` (all over judged lines), ``in_full_rate``,
    ``otif_rate`` (over judged lines with known received quantity),
    ``on_time_qty_rate`` (quantity received inside the on-time window / quantity
    ordered; its ``_k``/``_n`` are quantities; its interval is lot-level like
    PPM's, the order lines being the lots, with effective counts
    ``_n_eff``/``_k_eff``), ``mean_days_late``, ``median_days_late``,
    ``p90_days_late`` (over **all** judged lines, early and on-time lines
    counting 0 days late), ``mean_lead_time_days`` and ``cv_lead_time``
    (sample standard deviation / mean; NaN below two lines with an order date).
Quality
    ``n_inspections`` (lots or incidents, excluded not counted),
    ``n_excluded_inspections``, ``quantity_inspected`` (NaN without
    quantities), ``defective_quantity``, ``ppm`` = defective units among lots
    with a quantity inspected / units inspected x 1e6 (NaN without quantities:
    never invented) with ``ppm_k``, ``ppm_n`` (units) and ``ppm_low``,
    ``ppm_high``: a lot-level (clustered) interval -- the ratio estimator with
    its cluster-robust variance over the lots, never narrower than Wilson on
    the unit proportion, the same in any unit of measure -- and the effective
    counts ``ppm_n_eff``, ``ppm_k_eff`` (binomial counts with the same
    proportion and variance: ten lots of 10,000 units with 500 defects in one
    lot give 5,000 ppm in [0, 14,800], ``ppm_n_eff`` 199, not 100,000);
    next to it what PPM cannot see: ``n_lots_without_quantity`` (judged lots
    and reports without an inspected quantity) and
    ``defective_quantity_uninspected`` (their defective units; NaN without
    quality records: 600 defective units reported without a quantity give
    PPM NaN and 600 here, never PPM 0), rate
    ``lot_rejection_rate`` (lots with defects among lots with a quantity
    inspected), ``n_incidents`` (defects or downtime), ``downtime_minutes``
    (NaN where no downtime figure exists), ``incidents_per_month`` and
    ``downtime_minutes_per_month`` (over the supplier's active months: from the
    start of its first period with a record in the window, in any table, to the
    as-of date, whole months counted exactly; per period the period's length).
Responsiveness
    ``n_requests``, ``n_excluded_requests``, ``n_responded``,
    ``median_response_hours``, ``p90_response_hours`` (exact to the minute),
    rate ``within_sla_rate`` (answered within the type's service level, among
    requests answered or whose service level has elapsed by the as-of date),
    ``open_requests``, ``overdue_requests`` (open at the as-of date and past the
    service level), ``n_corrective_actions``, ``median_capa_closure_days``,
    rate ``capa_on_time_rate`` (closed by the due date, or by sending date +
    ``corrective_action_days``; among closed ones and open ones past due),
    ``open_corrective_actions``.

Medians and p90 follow :func:`numpy.quantile` (linear interpolation) over the
underlying values, from :data:`QUANTILE_MIN_RECORDS` (10) values up and NaN
below (the p90 of [0, 0, 10] would read 8). Each has ``_low`` and ``_high``: a
distribution-free 95 % interval from the order statistics, with binomial ranks
(Binomial(n, q) for the count of values below the quantile): values 1..10 give
the median 5.5 in [2, 9] (coverage 97.9 %) and the p90 9.1 in [7, NaN] -- NaN
where the sample cannot bound it (a p90's upper end needs 36 values).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.aggregate import PeriodStats
from supplier_analytics.config import Config
from supplier_analytics.engines import EngineRun, JudgedRecords, run_engine
from supplier_analytics.errors import InputError
from supplier_analytics.records import JUDGES
from supplier_analytics.stats import wilson_interval

__all__ = [
    "MetricsResult",
    "compute_metrics",
    "supplier_metrics",
    "period_metrics",
    "responsiveness_by_type",
    "defect_pareto",
    "RATES",
]

#: Rates in the metric frames, each with _n, _k, _low and _high columns.
RATES = (
    "on_time_rate",
    "early_rate",
    "late_rate",
    "in_full_rate",
    "otif_rate",
    "on_time_qty_rate",
    "lot_rejection_rate",
    "within_sla_rate",
    "capa_on_time_rate",
)

_RESP_COLUMNS = [
    "n_requests",
    "n_excluded_requests",
    "n_responded",
    *[f"{m}{s}" for m in ("median_response_hours", "p90_response_hours") for s in ("", "_low", "_high")],
    *[f"within_sla_rate{s}" for s in ("", "_n", "_k", "_low", "_high")],
    "open_requests",
    "overdue_requests",
    "n_corrective_actions",
    *[f"median_capa_closure_days{s}" for s in ("", "_low", "_high")],
    *[f"capa_on_time_rate{s}" for s in ("", "_n", "_k", "_low", "_high")],
    "open_corrective_actions",
]


# --------------------------------------------------------------------------- helpers


def _sums(frame: pd.DataFrame, keys: list[str], index: pd.Index) -> pd.DataFrame:
    values = [c for c in frame.columns if c not in ("supplier_id", "period", "request_type", "defect_code")]
    if len(frame):
        s = frame.groupby(keys, sort=False, observed=True)[values].sum()
    else:
        s = pd.DataFrame(
            columns=values,
            index=pd.MultiIndex.from_arrays([[]] * len(keys), names=keys)
            if len(keys) > 1
            else pd.Index([], name=keys[0]),
        )
    s = s.reindex(index)
    return s.fillna(0)


def _rate(out: dict, name: str, k, n) -> None:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(n > 0, k / np.where(n > 0, n, 1.0), np.nan)
    low, high = wilson_interval(k, n)
    out[name] = r
    out[f"{name}_n"] = n
    out[f"{name}_k"] = k
    out[f"{name}_low"] = np.asarray(low, dtype=float)
    out[f"{name}_high"] = np.asarray(high, dtype=float)


_Z95 = 1.959963984540054


def _clustered(k, n, m, kk, kn, nn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """95 % interval of a ratio ``k / n`` of quantities summed over ``m`` clusters (lots, order lines).

    The ratio estimator with its cluster-robust (lot-level) variance
    ``m / (m - 1) * sum((k_i - p n_i)^2) / n^2``, from the mergeable sums ``kk = sum k_i^2``,
    ``kn = sum k_i n_i`` and ``nn = sum n_i^2``: a Wald interval clipped to [0, 1], never narrower than
    the Wilson interval that treats units as independent trials (clustering only widens). It does not
    change with the unit of measure. Also the effective counts ``n_eff = p (1 - p) / variance`` (at most
    ``n``; ``n`` where the variance is 0, e.g. no defect at all) and ``k_eff = p n_eff``: binomial counts
    with the same proportion and variance, for tests and probabilities that take counts.
    Returns (low, high, n_eff, k_eff).
    """
    k, n, m = (np.asarray(a, dtype=float) for a in (k, n, m))
    kk, kn, nn = (np.asarray(a, dtype=float) for a in (kk, kn, nn))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1.0), np.nan)
        ss = np.maximum(kk - 2.0 * p * kn + p * p * nn, 0.0)
        var = np.where(m > 1, m / np.where(m > 1, m - 1.0, 1.0) * ss / np.where(n > 0, n * n, 1.0), 0.0)
        se = np.sqrt(var)
        w_low, w_high = (np.asarray(x, dtype=float) for x in wilson_interval(k, n))
        low = np.where(n > 0, np.minimum(np.clip(p - _Z95 * se, 0.0, 1.0), w_low), np.nan)
        high = np.where(n > 0, np.maximum(np.clip(p + _Z95 * se, 0.0, 1.0), w_high), np.nan)
        n_eff = np.where(var > 0, np.minimum(p * (1.0 - p) / np.where(var > 0, var, 1.0), n), n)
        n_eff = np.where(n > 0, n_eff, np.nan)
    return low, high, n_eff, p * n_eff


#: Medians and p90 are shown from this many values up (NaN below: the p90 of [0, 0, 10] is not 8).
QUANTILE_MIN_RECORDS = 10


def _order_statistic_ranks(n: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks (l, u) of the distribution-free 95 % interval [x_(l), x_(u)] of the ``q`` quantile.

    With B ~ Binomial(n, q) (the values below the true quantile), the coverage is
    P(l <= B <= u - 1) >= 95 %: l is the smallest k with P(B <= k) >= 2.5 % (so P(B <= l - 1) < 2.5 %) and
    u - 1 the smallest k with P(B <= k) >= 97.5 %. A rank outside 1..n is 0 (no bound from the sample).
    """
    from scipy.stats import binom

    n = np.asarray(n, dtype=float)
    low = binom.ppf(0.025, n, q)
    high = binom.ppf(0.975, n, q) + 1.0
    low = np.where((low >= 1) & (n > 0), low, 0.0)
    high = np.where((high <= n) & (n > 0), high, 0.0)
    return low.astype(np.int64), high.astype(np.int64)


def _hist_quantiles(
    hist: pd.DataFrame,
    keys: list[str],
    value: str,
    qs: tuple[float, ...],
    index: pd.Index,
    *,
    intervals: bool = False,
) -> np.ndarray:
    """Quantiles per group of a sparse histogram, as numpy.quantile(linear) of the expanded values.

    Returns an array of shape (len(index), len(qs)), NaN for groups with fewer than
    :data:`QUANTILE_MIN_RECORDS` values; with ``intervals`` shape (len(index), len(qs), 3): the quantile
    and the low and high end of its distribution-free 95 % interval (order statistics, binomial ranks:
    :func:`_order_statistic_ranks`; NaN where the sample gives no such bound).
    """
    shape = (len(index), len(qs), 3) if intervals else (len(index), len(qs))
    out = np.full(shape, np.nan)
    if len(hist) == 0:
        return out
    h = hist.groupby([*keys, value], sort=True, observed=True)["count"].sum().reset_index()
    h = h.loc[h["count"] > 0]
    if len(h) == 0:
        return out
    vals = h[value].to_numpy(dtype=float)
    cnt = h["count"].to_numpy(dtype=np.int64)
    grouped = h.groupby(keys, sort=False, observed=True)
    gid = grouped.ngroup().to_numpy()
    gsize = np.bincount(gid, weights=cnt).astype(np.int64)
    gstart = np.concatenate([[0], np.cumsum(gsize)[:-1]])
    cum = np.cumsum(cnt)
    res = np.empty((len(gsize), len(qs), 3))
    enough = gsize >= QUANTILE_MIN_RECORDS

    def at(rank0: np.ndarray) -> np.ndarray:  # the value of 0-based rank ``rank0`` in each group
        return vals[np.searchsorted(cum, gstart + rank0, side="right")]

    for j, q in enumerate(qs):
        pos = (gsize - 1) * q
        lo = np.floor(pos).astype(np.int64)
        frac = pos - lo
        hi = np.minimum(lo + 1, gsize - 1)
        v_lo, v_hi = at(lo), at(hi)
        res[:, j, 0] = np.where(enough, v_lo + frac * (v_hi - v_lo), np.nan)
        if intervals:
            r_low, r_high = _order_statistic_ranks(gsize, q)
            res[:, j, 1] = np.where(enough & (r_low > 0), at(np.maximum(r_low - 1, 0)), np.nan)
            res[:, j, 2] = np.where(enough & (r_high > 0), at(np.maximum(r_high - 1, 0)), np.nan)
    if not intervals:
        res = res[:, :, 0]
    group_keys = h.loc[:, keys].drop_duplicates()
    gindex = pd.MultiIndex.from_frame(group_keys) if len(keys) > 1 else pd.Index(group_keys[keys[0]])
    pos_in = gindex.get_indexer(index) if len(keys) > 1 else pd.Index(gindex).get_indexer(index)
    found = pos_in >= 0
    out[found] = res[pos_in[found]]
    return out


def _quantile_columns(out: dict, names: tuple[str, ...], q: np.ndarray) -> None:
    """``name``, ``name_low`` and ``name_high`` from :func:`_hist_quantiles` with intervals."""
    for j, name in enumerate(names):
        out[name], out[f"{name}_low"], out[f"{name}_high"] = q[:, j, 0], q[:, j, 1], q[:, j, 2]


def _ints(out: dict, names, s: pd.DataFrame) -> None:
    for c, src in names:
        out[c] = s[src].to_numpy().astype(np.int64)


def _delivery_block(stats: PeriodStats, keys: list[str], index: pd.Index) -> dict:
    s = _sums(stats.delivery, keys, index)
    out: dict = {}
    _ints(
        out,
        [
            ("n_deliveries", "n_deliveries"),
            ("n_excluded_deliveries", "n_excluded_deliveries"),
            ("n_not_judged_deliveries", "n_not_judged"),
            ("n_open_past_due", "n_open_past_due"),
            ("n_open_not_counted", "n_open_not_counted"),
        ],
        s,
    )
    n = s["n_deliveries"].to_numpy(dtype=float)
    _rate(out, "on_time_rate", s["on_time_k"], n)
    _rate(out, "early_rate", s["early_k"], n)
    _rate(out, "late_rate", s["late_k"], n)
    _rate(out, "in_full_rate", s["in_full_k"], s["in_full_n"])
    _rate(out, "otif_rate", s["otif_k"], s["otif_n"])
    qo, qn = s["qty_on_time"].to_numpy(dtype=float), s["qty_ordered"].to_numpy(dtype=float)
    _rate(out, "on_time_qty_rate", np.minimum(qo, qn), qn)
    low, high, n_eff, k_eff = _clustered(
        np.minimum(qo, qn), qn, s["qty_lines"], s["qty_on_time_sq"], s["qty_cross"], s["qty_ordered_sq"]
    )
    out["on_time_qty_rate_low"], out["on_time_qty_rate_high"] = low, high
    out["on_time_qty_rate_n_eff"], out["on_time_qty_rate_k_eff"] = n_eff, k_eff
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mean_days_late"] = np.where(n > 0, s["days_late_sum"].to_numpy() / np.where(n > 0, n, 1), np.nan)
        q = _hist_quantiles(stats.days_late, keys, "days_late", (0.5, 0.9), index, intervals=True)
        _quantile_columns(out, ("median_days_late", "p90_days_late"), q)
        ln = s["lead_n"].to_numpy(dtype=float)
        lsum, lsq = s["lead_sum"].to_numpy(dtype=float), s["lead_sumsq"].to_numpy(dtype=float)
        mean = np.where(ln > 0, lsum / np.where(ln > 0, ln, 1), np.nan)
        var = np.where(ln > 1, (lsq - lsum * lsum / np.where(ln > 0, ln, 1)) / np.where(ln > 1, ln - 1, 1), np.nan)
        var = np.maximum(var, 0.0)
        out["mean_lead_time_days"] = mean
        out["cv_lead_time"] = np.where((ln > 1) & (mean > 0), np.sqrt(var) / np.where(mean > 0, mean, 1), np.nan)
    return out


def _quality_block(stats: PeriodStats, keys: list[str], index: pd.Index) -> dict:
    s = _sums(stats.quality, keys, index)
    out: dict = {}
    _ints(out, [("n_inspections", "n_inspections"), ("n_excluded_inspections", "n_excluded_inspections")], s)
    ni = s["n_inspections"].to_numpy()
    lot_n = s["lot_n"].to_numpy()
    out["quantity_inspected"] = np.where(lot_n > 0, s["quantity_inspected"].to_numpy(dtype=float), np.nan)
    out["defective_quantity"] = np.where(ni > 0, s["defective_quantity"].to_numpy(dtype=float), np.nan)
    k = s["ppm_defective"].to_numpy(dtype=float)
    n = s["quantity_inspected"].to_numpy(dtype=float)
    k = np.minimum(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ppm"] = np.where(n > 0, k / np.where(n > 0, n, 1.0) * 1e6, np.nan)
    low, high, n_eff, k_eff = _clustered(k, n, s["lot_n"], s["ppm_k_sq"], s["ppm_cross"], s["ppm_n_sq"])
    out["ppm_n"], out["ppm_k"] = n, k
    out["ppm_low"], out["ppm_high"] = low * 1e6, high * 1e6
    out["ppm_n_eff"], out["ppm_k_eff"] = n_eff, k_eff
    # defects PPM cannot see (no inspected quantity): counted and shown next to it, never silently left out
    _ints(out, [("n_lots_without_quantity", "n_lots_without_quantity")], s)
    out["defective_quantity_uninspected"] = np.where(ni > 0, s["defective_uninspected"].to_numpy(dtype=float), np.nan)
    _rate(out, "lot_rejection_rate", s["lot_k"], s["lot_n"])
    _ints(out, [("n_incidents", "n_incidents")], s)
    out["downtime_minutes"] = np.where(
        s["downtime_n"].to_numpy() > 0, s["downtime_minutes"].to_numpy(dtype=float), np.nan
    )
    # Impact per month, so it can be scored without quantities (and compared across windows and periods):
    # defined wherever the supplier has quality records, 0 when none of them is an incident. Over the window
    # the months are the supplier's active months (from its first period with a record), so a supplier that
    # started late is not scored on months in which it could have had no incident.
    months = _months(stats, by_period=True) if "period" in keys else _active_months(stats, index)
    out["incidents_per_month"] = np.where(ni > 0, s["n_incidents"].to_numpy(dtype=float) / months, np.nan)
    out["downtime_minutes_per_month"] = np.where(ni > 0, out["downtime_minutes"] / months, np.nan)
    return out


def _months(stats: PeriodStats, *, by_period: bool) -> float:
    """Length in months of one period of ``stats`` or of its whole window (whole months counted exactly)."""
    if by_period:
        first = stats.window[0].to_period(stats.freq)
        start, end = first.start_time, first.end_time.normalize()
    else:
        start, end = stats.window
    return _span_months(pd.Timestamp(start), pd.Timestamp(end))


def _span_months(start: pd.Timestamp, last: pd.Timestamp) -> float:
    """Months from the day ``start`` to the day ``last`` inclusive: whole calendar months counted exactly,
    else days / (365.25 / 12)."""
    end = last.normalize() + pd.Timedelta(days=1)
    if start.day == 1 and end.day == 1:
        return float((end.to_period("M") - start.to_period("M")).n)
    return (end - start).days / (365.25 / 12)


def _active_months(stats: PeriodStats, index: pd.Index) -> np.ndarray:
    """Per supplier of ``index``: months from the start of its first period with a record in the window (in
    any table; not before the window's first day) to the as-of date, counted as :func:`_months` does.

    Read from the per supplier x period frames (small), so no pass over the records; NaN for a supplier
    without any record.
    """
    firsts = [
        f.groupby("supplier_id", sort=False, observed=True)["period"].min()
        for f in (stats.delivery, stats.quality, stats.responsiveness)
        if len(f)
    ]
    out = np.full(len(index), np.nan)
    if not firsts:
        return out
    first = pd.concat(firsts).groupby(level=0, sort=False).min()
    first.index = first.index.astype("string")
    first = first.reindex(pd.Index(index, dtype="string"))
    window_start = pd.Timestamp(stats.window[0])
    last = min(pd.Timestamp(stats.as_of), pd.Timestamp(stats.window[1]))
    for p in first.dropna().unique():
        start = max(pd.Period(p).start_time, window_start)
        out[(first == p).to_numpy(dtype=bool, na_value=False)] = _span_months(start, last)
    return out


def _response_block(stats: PeriodStats, keys: list[str], index: pd.Index) -> dict:
    s = _sums(stats.responsiveness, keys, index)
    out: dict = {}
    _ints(
        out,
        [("n_requests", "n_requests"), ("n_excluded_requests", "n_excluded_requests"), ("n_responded", "n_responded")],
        s,
    )
    q = _hist_quantiles(stats.response_minutes, keys, "minutes", (0.5, 0.9), index, intervals=True) / 60.0
    _quantile_columns(out, ("median_response_hours", "p90_response_hours"), q)
    _rate(out, "within_sla_rate", s["sla_k"], s["sla_n"])
    _ints(
        out,
        [
            ("open_requests", "open_requests"),
            ("overdue_requests", "overdue_requests"),
            ("n_corrective_actions", "n_corrective_actions"),
        ],
        s,
    )
    q = _hist_quantiles(stats.capa_minutes, keys, "minutes", (0.5,), index, intervals=True) / 1440.0
    _quantile_columns(out, ("median_capa_closure_days",), q)
    _rate(out, "capa_on_time_rate", s["capa_k"], s["capa_n"])
    _ints(out, [("open_corrective_actions", "open_corrective_actions")], s)
    return {c: out[c] for c in _RESP_COLUMNS}


def _frame(stats: PeriodStats, keys: list[str], index: pd.Index, blocks=("delivery", "quality", "responsiveness")):
    cols: dict = {}
    for b in blocks:
        cols.update(
            {"delivery": _delivery_block, "quality": _quality_block, "responsiveness": _response_block}[b](
                stats, keys, index
            )
        )
    out = pd.DataFrame(cols, index=index).reset_index()
    out["supplier_id"] = out["supplier_id"].astype("string")
    return out


# --------------------------------------------------------------------------- public metric frames


def supplier_metrics(stats: PeriodStats) -> pd.DataFrame:
    """One row per supplier over the whole window of ``stats`` (columns: see the module notes).

    Examples
    --------
    >>> from supplier_analytics.aggregate import aggregate
    >>> from supplier_analytics.records import inspection_lots
    >>> i = pd.DataFrame({"supplier_id": ["S1", "S1", "S1"],
    ...     "date": pd.to_datetime(["2025-01-05", "2025-01-09", "2025-02-01"]),
    ...     "quantity_inspected": [1000.0, 1000.0, 2000.0], "quantity_defective": [2.0, 0.0, 0.0]})
    >>> st = aggregate(lots=inspection_lots(i, as_of="2025-02-28"), as_of="2025-02-28")
    >>> supplier_metrics(st)[["n_inspections", "ppm", "lot_rejection_rate"]].to_dict("records")
    [{'n_inspections': 3, 'ppm': 500.0, 'lot_rejection_rate': 0.3333333333333333}]
    """
    index = pd.Index(list(stats.suppliers), name="supplier_id", dtype="string")
    return _frame(stats, ["supplier_id"], index)


def _period_range(stats: PeriodStats) -> pd.PeriodIndex:
    first = stats.window[0].to_period(stats.freq)
    last = stats.window[1].to_period(stats.freq)
    return pd.period_range(first, last, freq=stats.freq, name="period")


def period_metrics(stats: PeriodStats) -> pd.DataFrame:
    """One row per supplier and period of the window, empty periods included (counts 0, rates NaN).

    The frame has the columns of :func:`supplier_metrics` plus ``period`` (pandas Period) and
    ``period_start`` (its first day).
    """
    periods = _period_range(stats)
    index = pd.MultiIndex.from_product(
        [pd.Index(list(stats.suppliers), dtype="string"), periods], names=["supplier_id", "period"]
    )
    out = _frame(stats, ["supplier_id", "period"], index)
    out.insert(2, "period_start", out["period"].dt.start_time.astype("datetime64[ns]"))
    return out


def responsiveness_by_type(stats: PeriodStats) -> pd.DataFrame:
    """One row per supplier and request type with the responsiveness columns."""
    r = stats.responsiveness
    if len(r):
        pairs = r.loc[:, ["supplier_id", "request_type"]].drop_duplicates().sort_values(["supplier_id", "request_type"])
        index = pd.MultiIndex.from_frame(pairs.astype("string"))
    else:
        index = pd.MultiIndex.from_arrays([pd.Index([], dtype="string")] * 2, names=["supplier_id", "request_type"])
    out = _frame(stats, ["supplier_id", "request_type"], index, blocks=("responsiveness",))
    out["request_type"] = out["request_type"].astype("string")
    return out


def defect_pareto(stats: PeriodStats, *, by_supplier: bool = True) -> pd.DataFrame:
    """Defect codes by defective quantity, largest first, with share and cumulative share.

    Parameters
    ----------
    stats : the period statistics.
    by_supplier : one Pareto per supplier (default), or one over all suppliers (``supplier_id`` is NA).

    Returns
    -------
    DataFrame
        supplier_id, defect_code, lots, defective_quantity, share (of the defective quantity; NaN when
        the total is 0), cumulative_share. Lots with defects but no code count as ``(no code)``.
    """
    d = stats.defects
    keys = ["supplier_id", "defect_code"] if by_supplier else ["defect_code"]
    if len(d) == 0:
        return pd.DataFrame(
            {
                "supplier_id": pd.Series([], dtype="string"),
                "defect_code": pd.Series([], dtype="string"),
                "lots": pd.Series([], dtype="int64"),
                "defective_quantity": pd.Series([], dtype="float64"),
                "share": pd.Series([], dtype="float64"),
                "cumulative_share": pd.Series([], dtype="float64"),
            }
        )
    g = d.groupby(keys, sort=True, observed=True)[["lots", "defective_quantity"]].sum().reset_index()
    if not by_supplier:
        g.insert(0, "supplier_id", pd.Series(pd.NA, index=g.index, dtype="string"))
    g = g.sort_values(
        ["supplier_id", "defective_quantity", "lots", "defect_code"],
        ascending=[True, False, False, True],
        kind="stable",
        na_position="first",
    )
    total = g.groupby("supplier_id", dropna=False, sort=False)["defective_quantity"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        g["share"] = np.where(total > 0, g["defective_quantity"] / total.where(total > 0, 1.0), np.nan)
    g["cumulative_share"] = g.groupby("supplier_id", dropna=False, sort=False)["share"].cumsum()
    g["lots"] = g["lots"].astype("int64")
    g["defect_code"] = g["defect_code"].astype("string")
    return g.reset_index(drop=True)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class MetricsResult:
    """Everything :func:`compute_metrics` produced, from the records to the metric frames.

    Attributes
    ----------
    stats : PeriodStats, the mergeable statistics.
    suppliers : one row per supplier (:func:`supplier_metrics`).
    periods : one row per supplier and period, empty periods included (:func:`period_metrics`).
    by_request_type : :func:`responsiveness_by_type`.
    pareto : :func:`defect_pareto` per supplier.
    lines, lots, requests : the judged records (the evidence), ``None`` for a table not given. Large
        runs judge them again on first use; for one supplier :meth:`records` is much faster. A result
        of the dask engine keeps no records: asking for them raises an
        :class:`~supplier_analytics.errors.InputError` that says what to do.
    ignored : records left out, per table: ``after_as_of`` (receipts, lots or requests dated after the
        as-of date) and ``before_window`` (order lines, lots or requests dated before the window).
    as_of : the as-of date; window : (first day, last day); config : the Config used.
    """

    stats: PeriodStats
    suppliers: pd.DataFrame
    periods: pd.DataFrame
    by_request_type: pd.DataFrame
    pareto: pd.DataFrame
    ignored: pd.DataFrame
    as_of: pd.Timestamp
    window: tuple[pd.Timestamp, pd.Timestamp]
    config: Config
    judged: JudgedRecords = field(default_factory=JudgedRecords, repr=False)

    @property
    def lines(self) -> pd.DataFrame | None:
        """Judged order lines (:func:`~supplier_analytics.records.delivery_lines`)."""
        return self.judged.table("deliveries")

    @property
    def lots(self) -> pd.DataFrame | None:
        """Judged inspection lots and incidents (:func:`~supplier_analytics.records.inspection_lots`)."""
        return self.judged.table("inspections")

    @property
    def requests(self) -> pd.DataFrame | None:
        """Judged requests (:func:`~supplier_analytics.records.request_records`)."""
        return self.judged.table("requests")

    def records(self, table: str, supplier_id=None) -> pd.DataFrame | None:
        """Judged records of ``table`` (deliveries, inspections or requests), of one supplier when given.

        None when the run had no such table; an :class:`~supplier_analytics.errors.InputError` when its
        engine keeps no records (dask).
        """
        if table not in JUDGES:
            raise InputError(f"table = {table!r} has no judged records; use one of {', '.join(JUDGES)}.")
        if supplier_id is None:
            return self.judged.table(table)
        return self.judged.of_supplier(table, str(supplier_id))

    @property
    def engine(self) -> str:
        """The engine that computed this result (``"pandas"`` or ``"dask"``)."""
        return self.judged.engine

    @property
    def has_records(self) -> bool:
        """Whether the judged records behind the figures can be had (False for the dask engine)."""
        return self.judged.available

    @classmethod
    def from_run(cls, run: EngineRun) -> MetricsResult:
        """The metric frames of an engine's run, with the records behind them when the engine has them."""
        ctx = run.context
        return cls.from_stats(
            run.stats,
            config=ctx.config,
            ignored=ignored_frame(run.ignored),
            as_of=ctx.as_of,
            window=ctx.window,
            judged=run.records,
        )

    @classmethod
    def from_stats(
        cls,
        stats: PeriodStats,
        *,
        config: Config,
        ignored: pd.DataFrame,
        as_of,
        window,
        judged: JudgedRecords | None = None,
    ) -> MetricsResult:
        """The metric frames of ``stats``, with the records behind them when the engine has them."""
        return cls(
            stats=stats,
            suppliers=supplier_metrics(stats),
            periods=period_metrics(stats),
            by_request_type=responsiveness_by_type(stats),
            pareto=defect_pareto(stats),
            ignored=ignored,
            as_of=as_of,
            window=window,
            config=config,
            judged=judged if judged is not None else JudgedRecords(),
        )


def ignored_frame(ignored: dict) -> pd.DataFrame:
    """The ``ignored`` frame of a :class:`MetricsResult` from ``{table: (after_as_of, before_window)}``."""
    return pd.DataFrame(
        [(name, *ignored[name]) for name in JUDGES if name in ignored],
        columns=["table", "after_as_of", "before_window"],
    )


def compute_metrics(
    deliveries: pd.DataFrame | None = None,
    inspections: pd.DataFrame | None = None,
    requests: pd.DataFrame | None = None,
    *,
    config: Config | dict | str | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    engine: str = "pandas",
    **options,
) -> MetricsResult:
    """Judge the records, aggregate them per supplier and period, and compute every metric.

    Parameters
    ----------
    deliveries, inspections, requests : canonical tables; any one suffices, a table left out gives
        empty (NaN) figures for its dimension. For ``engine="dask"`` also parquet files or folders
        (a partitioned dataset) or dask DataFrames.
    config : a Config, a TOML path, a dict of overrides or None for the defaults.
    as_of : the as-of date (default: the latest date in the data). Records after it are ignored and
        counted in ``ignored``; the window is ``periods.window_months`` months ending on it.
    exclusions : canonical exclusions table: excused records stay in the records with their reason
        and are counted as ``n_excluded_*``, not in the rates.
    engine : ``"pandas"`` (default, in memory, with the records) or ``"dask"`` (see
        :mod:`supplier_analytics.engines`).
    options : the engine's own (:func:`~supplier_analytics.engines.run_engine`): for pandas
        ``chunk_rows``, rows judged in one piece (default
        :data:`~supplier_analytics.engines.pandas_engine.CHUNK_ROWS`) -- larger inputs are split into
        chunks of whole suppliers, judged and aggregated on ``threads`` threads (default: the number
        of cores, at most 4), and the chunks' statistics merged; the figures are the same (sums up
        to the order of floating-point additions), memory stays near one chunk per thread, and the
        records are judged again when asked for (:meth:`MetricsResult.records`); for dask
        ``shuffle`` and ``fan_in``.

    Returns
    -------
    MetricsResult

    Examples
    --------
    >>> d = pd.DataFrame({"supplier_id": ["S1"] * 3, "po_id": ["P1", "P2", "P3"],
    ...     "quantity_ordered": [5.0, 5.0, 5.0], "quantity_received": [5.0, 5.0, 4.0],
    ...     "date_promised": pd.to_datetime(["2025-01-10"] * 3),
    ...     "date_received": pd.to_datetime(["2025-01-10", "2025-01-14", "2025-01-09"])})
    >>> res = compute_metrics(d)
    >>> res.suppliers[["n_deliveries", "on_time_rate", "in_full_rate", "otif_rate"]].round(4).to_dict("records")
    [{'n_deliveries': 3, 'on_time_rate': 0.6667, 'in_full_rate': 0.6667, 'otif_rate': 0.3333}]
    """
    if deliveries is None and inspections is None and requests is None:
        raise InputError("compute_metrics needs at least one of deliveries, inspections or requests; pass a table.")
    run = run_engine(
        engine,
        deliveries=deliveries,
        inspections=inspections,
        requests=requests,
        config=config,
        as_of=as_of,
        exclusions=exclusions,
        **options,
    )
    return MetricsResult.from_run(run)
