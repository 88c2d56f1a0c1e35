"""Change signals: one before/after comparison of record shares, used by every caller.

Three questions in the package compare a metric on two sides of a date:

* :func:`~supplier_analytics.trends.compare_windows`: one window of periods against another;
* :func:`change_signals`: the recent months against the same months a year earlier;
* :func:`~supplier_analytics.actions.compare_before_after`: the months before an action was opened
  against the months after it was closed.

Each only selects its two sides and counts them period by period (months); :func:`compare` does
the rest, the same way for all three: a test of the two sides' rates that allows for the variation
of the rate from period to period (:func:`~supplier_analytics.stats.period_proportion_test`: a
quasi-binomial dispersion estimated from the period counts, with a working AR(1) correlation
between periods) and Newcombe's interval of the difference from the effective counts, the
minimum-records and minimum-periods rules, the Benjamini-Hochberg adjustment across the rows
tested, and the direction from the metric catalogue
(:func:`~supplier_analytics.catalog.lower_is_better`). The sides are called ``before`` and ``after``
everywhere, and ``difference`` is always after - before.

Taking every line as an independent trial (the plain two-proportion test) is wrong for supplier
rates: with ordinary month-to-month variation (logit sd 0.3, 400 lines a month) it called 35% of
suppliers without any change significant. See the README's "Trends and early warning" for the
measured error rates of this test.

Examples
--------
Six months a side, 100 lines a month: the first supplier drops 15 points with months that scatter
little, the second 5 points with months that scatter widely, so its drop is far less certain (a
binomial test taking every line as independent would give it p = 0.012):

>>> before = [[95, 96, 94, 95, 96, 95], [92, 80, 88, 90, 82, 86]]
>>> after = [[80, 78, 81, 79, 80, 82], [70, 85, 80, 88, 79, 84]]
>>> r = compare(before, [[100] * 6] * 2, after, [[100] * 6] * 2, metric="otif_rate")
>>> r[["before", "after", "difference", "p_value"]].round(4).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'before': 0.9517, 'after': 0.8, 'difference': -0.1517, 'p_value': 0.0},
 {'before': 0.8633, 'after': 0.81, 'difference': -0.0533, 'p_value': 0.0244}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS, RECORD_SHARES, label, spec
from supplier_analytics.errors import InputError
from supplier_analytics.stats import benjamini_hochberg, period_proportion_test

__all__ = [
    "compare",
    "compare_sides",
    "month_counts",
    "RecordBins",
    "change_signals",
    "record_flags",
    "COMPARE_COLUMNS",
    "SIGNAL_COLUMNS",
    "SIGNAL_METRICS",
    "RECORD_SHARES",
    "DIRECTIONS",
]


def _side(side: str) -> list[str]:
    """The columns of one side of a comparison: records with the flag, records, and the figure."""
    return [f"{side}_k", f"{side}_n", side]


#: Columns :func:`compare` returns, in order.
COMPARE_COLUMNS = [
    *_side("before"),
    *_side("after"),
    "difference",
    "low",
    "high",
    "statistic",
    "p_value",
    "q_value",
    "direction",
]
#: Values of ``direction``.
DIRECTIONS = ("improving", "deteriorating", "no change", "not tested")
#: Columns of :func:`change_signals` and :func:`~supplier_analytics.trends.compare_windows`.
SIGNAL_COLUMNS = [
    "supplier_id",
    "metric",
    "before_from",
    "before_to",
    *_side("before"),
    "after_from",
    "after_to",
    *_side("after"),
    "difference",
    "low",
    "high",
    "p_value",
    "q_value",
    "direction",
]
#: Metrics :func:`change_signals` tests by default.
SIGNAL_METRICS = ("otif_rate", "lot_rejection_rate", "within_sla_rate")
#: Rates that are shares of independent records (lines, lots, requests), each record flagged or not: what
#: :func:`record_flags` can count on any two sides of a date.

# judged-record table -> (attribute of a MetricsResult, the date a record is counted at)
_TABLES = {
    "deliveries": ("lines", "date_received"),
    "inspections": ("lots", "date"),
    "requests": ("requests", "date_sent"),
}


def compare_sides(frame: pd.DataFrame, **options) -> pd.DataFrame:
    """:func:`compare` of a frame with the period counts of both sides and the ``metric`` of each row.

    ``frame`` holds ``before_period_k``, ``before_period_n``, ``after_period_k`` and ``after_period_n``:
    in each row a sequence of counts, one per period of that side in time order (what
    :func:`month_counts` gives); ``options`` as for :func:`compare`. With a ``reference``, each side has
    at least the reference's periods (so a frame without rows still fits it)."""
    reference = options.get("reference")
    widths = (1, 1) if reference is None else (np.shape(reference[0])[-1], np.shape(reference[2])[-1])
    return compare(
        _ragged(frame["before_period_k"], widths[0]),
        _ragged(frame["before_period_n"], widths[0]),
        _ragged(frame["after_period_k"], widths[1]),
        _ragged(frame["after_period_n"], widths[1]),
        metric=frame["metric"],
        **options,
    )


def _ragged(rows, width: int = 1) -> np.ndarray:
    """Rows of period counts (sequences, possibly of different lengths) as a matrix padded with empty periods.

    The matrix has at least ``width`` columns (and one): without rows, the longest row says nothing."""
    rows = [np.atleast_1d(np.asarray(r, dtype=float)).ravel() for r in rows]
    longest = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), max(longest, int(width), 1)))
    for i, r in enumerate(rows):
        out[i, : len(r)] = np.nan_to_num(r)
    return out


def _month_edges(start, months: int, end=None) -> np.ndarray:
    """The ``months + 1`` edges of a side's months: ``start + i`` months, the last one ``end`` when given."""
    start = pd.Timestamp(start)
    edges = [start + pd.DateOffset(months=i) for i in range(months + 1)]
    if end is not None and months > 0:
        end = pd.Timestamp(end)
        if not end > edges[-2]:
            raise InputError(
                f"end {end:%Y-%m-%d} must lie after the start of the last month, {edges[-2]:%Y-%m-%d}, "
                f"for {months} months from {start:%Y-%m-%d}; pass the side's own end."
            )
        edges[-1] = end
    return np.array([e.to_datetime64() for e in edges], dtype="M8[ns]")


def month_counts(dates, flags, start, months: int, *, end=None, groups=None, index=None, after_start: bool = False):
    """Period counts of one side: records with the flag and records in each month from ``start``.

    Month ``i`` is ``[start + i months, start + i + 1 months)``; with ``after_start`` it is
    ``(start + i months, start + i + 1 months]``, for a side that begins after a date. The last month
    ends at ``end`` when given: pass the side's own end, so that a side whose ``start`` was moved to a
    shorter month's last day (six months before 31 August is 28 February) still runs to its end instead
    of ``start + months`` months (28 August). Records outside the ``months`` months are left out.

    Parameters
    ----------
    dates, flags : array_like
        Each record's date and flag.
    start : Timestamp
    months : int
    end : Timestamp, optional
        The side's end (exclusive; inclusive with ``after_start``); after the start of the last month.
    groups : array_like, optional
        Each record's row (e.g. its supplier id); with ``index`` (the rows, in order).

    Returns
    -------
    k, n : ndarray
        Float matrices rows x ``months`` (one row without ``groups``): what :func:`compare` takes.

    Examples
    --------
    >>> k, n = month_counts(pd.to_datetime(["2026-01-05", "2026-01-31", "2026-02-01", "2026-03-01"]),
    ...                     [True, False, True, True], pd.Timestamp("2026-01-01"), 2)
    >>> k.tolist(), n.tolist()
    ([[1.0, 1.0]], [[2.0, 1.0]])

    Six months up to 30 August 2026 start on 28 February; with its end the side keeps 28-30 August:

    >>> d = pd.to_datetime(["2026-02-28", "2026-08-27", "2026-08-28", "2026-08-30"])
    >>> month_counts(d, [True] * 4, "2026-02-28", 6)[1].tolist()
    [[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]]
    >>> month_counts(d, [True] * 4, "2026-02-28", 6, end="2026-08-31")[1].tolist()
    [[1.0, 0.0, 0.0, 0.0, 0.0, 3.0]]
    """
    months = int(months)
    edges = _month_edges(start, months, end)
    d = np.asarray(pd.to_datetime(np.asarray(dates)), dtype="M8[ns]")
    pos = np.searchsorted(edges, d, side="left" if after_start else "right") - 1
    f = np.asarray(flags, dtype=bool)
    if groups is None:
        rows, width = np.zeros(len(d), dtype=np.int64), 1
    else:
        rows = pd.Index(index).get_indexer(np.asarray(groups))
        width = len(index)
    inside = (pos >= 0) & (pos < months) & (rows >= 0)
    cell = rows[inside] * months + pos[inside]
    n = np.bincount(cell, minlength=width * months).astype(float).reshape(width, months)
    k = np.bincount(cell, weights=f[inside].astype(float), minlength=width * months).reshape(width, months)
    return k, n


class RecordBins:
    """One table's records sorted once by row (supplier) and time, with running counts of the flag.

    :meth:`month_counts` gives what :func:`month_counts` gives for every row, for any side, as
    differences of the running counts at the side's month edges: for many sides over the same records
    (one per action) each side costs rows x months look-ups instead of a pass over every record.

    Parameters
    ----------
    dates, flags, groups : array_like
        Each record's date, flag and row (e.g. its supplier id).
    index : array_like, optional
        The rows, in order (default: the groups in order of first appearance); records of other
        groups and records without a date are left out.

    Examples
    --------
    >>> bins = RecordBins(pd.to_datetime(["2026-01-05", "2026-01-31", "2026-02-01", "2026-02-01"]),
    ...                   [True, False, True, True], ["S1", "S1", "S1", "S2"])
    >>> k, n = bins.month_counts("2026-01-01", 2)
    >>> list(bins.index), k.tolist(), n.tolist()
    (['S1', 'S2'], [[1.0, 1.0], [0.0, 1.0]], [[2.0, 1.0], [0.0, 1.0]])
    """

    def __init__(self, dates, flags, groups, index=None) -> None:
        d = np.asarray(pd.to_datetime(np.asarray(dates)), dtype="M8[ns]")
        f = np.asarray(flags, dtype=bool)
        g = np.asarray(groups)
        self.index = pd.Index(pd.unique(g) if index is None else index)
        rows = self.index.get_indexer(g)
        keep = (rows >= 0) & ~np.isnat(d)
        d, f, rows = d[keep], f[keep], rows[keep].astype(np.int64)
        self._times = np.unique(d)
        # one sortable key per record: its row, then its time's rank; a row's records with a time before
        # an edge are those with a key below row * stride + (the times before the edge)
        stride = len(self._times) + 1
        key = rows * stride + np.searchsorted(self._times, d)
        order = np.argsort(key, kind="stable")
        self._key = key[order]
        self._flagged = np.concatenate([[0], np.cumsum(f[order], dtype=np.int64)])
        self._base = np.arange(len(self.index), dtype=np.int64) * stride

    def month_counts(self, start, months: int, *, end=None, after_start: bool = False):
        """``k, n`` (rows x ``months`` float matrices, rows in :attr:`index` order) as :func:`month_counts`."""
        edges = _month_edges(start, int(months), end)
        before = np.searchsorted(self._times, edges, side="right" if after_start else "left")
        pos = np.searchsorted(self._key, self._base[:, None] + before[None, :], side="left")
        return np.diff(self._flagged[pos], axis=1).astype(float), np.diff(pos, axis=1).astype(float)


def _sides(before_k, before_n, after_k, after_n) -> list[np.ndarray]:
    """The four count inputs of :func:`compare` as float matrices rows x periods, checked."""
    mats = []
    for name, x in (("before_k", before_k), ("before_n", before_n), ("after_k", after_k), ("after_n", after_n)):
        try:
            a = np.asarray(x, dtype=float)
        except ValueError:  # rows of different lengths
            a = _ragged(x)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise InputError(f"{name} must hold one row of period counts per comparison, got shape {a.shape}.")
        mats.append(np.nan_to_num(a))
    bk, bn, ak, an = mats
    if bk.shape != bn.shape or ak.shape != an.shape or bk.shape[0] != ak.shape[0]:
        raise InputError(
            "before_k and before_n (and after_k and after_n) must have the same shape, rows x periods, "
            "with one row per comparison on both sides."
        )
    return mats


#: Rows (compared and reference) a call of the period test takes at most, in whole pools: the pools are
#: independent, so a long list of them (one per action, each with every other supplier) is tested a batch of
#: pools at a time, which keeps the memory in bounds and the time linear in the pools.
BATCH_ROWS = 100_000


def _test_by_pools(sides, labels, reference, rlabels, *, confidence: float, autocorrelation, prior_df: float):
    """:func:`~supplier_analytics.stats.period_proportion_test` of the rows compared (``sides``: after k, n,
    before k, n) with the reference rows of their pools, a batch of whole pools at a time; reference rows of
    pools without a compared row inform nothing and are left out. Within a batch the rows keep their order, so
    every pool sums its rows as in one call."""
    rows = sides[0].shape[0]
    names = np.concatenate([np.asarray(labels, dtype=object), np.asarray(rlabels, dtype=object)])
    codes = pd.factorize(np.asarray([str(x) for x in names], dtype=object))[0]
    size = np.bincount(codes, minlength=codes.max() + 1 if len(codes) else 0)
    batch_of = np.full(len(size), -1)
    batch, filled = 0, 0
    for c in pd.unique(codes[:rows]):  # the pools of the compared rows, in order
        if filled and filled + size[c] > BATCH_ROWS:
            batch, filled = batch + 1, 0
        batch_of[c], filled = batch, filled + size[c]
    own, other = batch_of[codes[:rows]], batch_of[codes[rows:]]
    fields: dict[str, np.ndarray] = {}
    for b in range(batch + 1 if rows else 1):
        i, j = np.flatnonzero(own == b), np.flatnonzero(other == b)
        t = period_proportion_test(
            *(np.vstack([x[i], r[j]]) for x, r in zip(sides, reference)),
            pool=np.concatenate([names[:rows][i], names[rows:][j]]),
            confidence=confidence,
            autocorrelation=autocorrelation,
            prior_df=prior_df,
        )
        for name, value in t._asdict().items():
            value = np.asarray(value)
            fields.setdefault(name, np.zeros(rows, dtype=value.dtype))[i] = value[: len(i)]
    return type(t)(**fields)


def compare(
    before_k,
    before_n,
    after_k,
    after_n,
    *,
    metric,
    fdr: float = 0.05,
    confidence: float = 0.95,
    min_records: int = 1,
    min_periods: int = 2,
    autocorrelation: float | str = "estimate",
    prior_df: float = 10.0,
    pool=None,
    reference=None,
) -> pd.DataFrame:
    """The after side against the before side, row by row (a supplier, an action ...), period by period.

    Parameters
    ----------
    before_k, before_n, after_k, after_n : array_like, rows x periods
        Counts of each period of each side, in time order: records with the
        flag (``k``) among the records (``n``); for PPM defective among
        inspected units. A period without records (``n`` 0 or NaN) is empty
        and keeps its place in time. The two sides may have different numbers
        of periods. A 1-d input is one period per row, which cannot show the
        variation between periods: such rows are "not tested".
    metric : str or array_like of str
        The metric of every row, or of each row: a count metric of the
        catalogue (a rate or ``ppm``), which gives the scale and which
        direction is better.
    fdr : float, default 0.05
        Benjamini-Hochberg false discovery rate across the rows tested.
    confidence : float, default 0.95
        Coverage of the interval of the difference.
    min_records : int, default 1
        Records (``n``) each side needs.
    min_periods : int, default 2
        Periods with records each side needs (at least 2): with one period a
        side, the variation of the rate from period to period cannot be
        estimated, and a binomial test would take ordinary month-to-month
        variation for a change. Rows below either minimum are "not tested"
        and have no difference, interval or p-value.
    autocorrelation : float or "estimate", default "estimate"
        Lag-1 correlation of the period-to-period variation (months next to
        each other are alike). ``"estimate"``: from the period counts of all
        rows of the same metric
        (:func:`~supplier_analytics.stats.estimate_autocorrelation`); a number
        fixes it (0 takes periods as independent).
    prior_df : float, default 10
        The variation between periods is estimated from all rows of the same
        metric (the suppliers of the comparison) and combined with each row's
        own estimate; the other rows count for at most this many degrees of
        freedom (:func:`~supplier_analytics.stats.period_proportion_test`, ``pool``).
        10 rather than more: the pooled estimate carries the uncertainty of
        the estimated carry-over and the differences between suppliers; with
        20, a base of mixed rates and volumes (60-97 %, 30-1,000 lines a
        month) had p < 0.005 in 0.60 % of trend-free tests and an alert in
        6.8 % of bases (0.44 % and 4.0 % with 10; 400 bases, year on year).
    pool : array_like, optional
        A label per row: the rows that share the variation estimates (default:
        the metric of each row).
    reference : tuple, optional
        ``(before_k, before_n, after_k, after_n, pool)`` of further rows (e.g.
        the other suppliers over the same months) that only inform the
        variation estimates of the rows with the same ``pool`` label: they are
        not tested and not returned. The same number of periods a side as the
        rows compared.

    Returns
    -------
    DataFrame
        :data:`COMPARE_COLUMNS`, one row per input row: the side totals ``k``
        and ``n``, the figure of each side (``k / n`` times the metric's scale,
        NaN without records), ``difference`` (after - before) with its
        interval ``low``/``high``, the ``statistic`` (t) and its ``p_value``,
        ``q_value`` (BH-adjusted) and ``direction`` ("improving" or
        "deteriorating" when ``q_value <= fdr``, else "no change"; "not
        tested" below ``min_records`` or ``min_periods``). ``attrs["method"]``
        states the method in one paragraph.

    Notes
    -----
    The method is :func:`~supplier_analytics.stats.period_proportion_test`:
    the monthly rates of each side scatter around the side's rate by more than
    binomial noise; Pearson's statistic over the periods of both sides
    estimates that excess (the quasi-binomial dispersion, adjusted for the
    working correlation). With a few months a side one supplier's own months
    say little about it, so the estimate is pooled over all rows of the same
    metric and combined with the row's own (a weighted average by degrees of
    freedom, the pooled part counting for at most ``prior_df``). The excess
    multiplies the binomial variance of each side's rate (its design effect);
    the difference over its standard error is referred to Student's t with
    the degrees of freedom of both parts, and Newcombe's interval is built
    from the effective counts (the side's counts divided by its design
    effect) with the t quantile. The README ("Trends and early warning")
    gives the measured false-alarm rates (``bench/simulate.py``).
    """
    if not 0.0 < fdr < 1.0:
        raise InputError(f"fdr must lie strictly between 0 and 1, got {fdr!r}; use e.g. 0.05.")
    if int(min_periods) < 2:
        raise InputError(
            f"min_periods must be at least 2, got {min_periods!r}: one period a side cannot show how much "
            "the rate varies between periods."
        )
    bk, bn, ak, an = _sides(before_k, before_n, after_k, after_n)
    rows = bk.shape[0]
    names = np.broadcast_to(np.asarray(metric, dtype=object), (rows,))
    labels = names if pool is None else np.broadcast_to(np.asarray(pool, dtype=object), (rows,))
    if reference is not None:
        rbk, rbn, rak, ran = _sides(*reference[:4])
        if rbk.shape[1] != bk.shape[1] or rak.shape[1] != ak.shape[1]:
            raise InputError("reference rows need as many periods a side as the rows compared.")
        rlabels = np.broadcast_to(np.asarray(reference[4], dtype=object), (rbk.shape[0],))
    specs = {}
    for name in pd.unique(names):
        m = METRICS.get(name)
        if m is None or not m.is_count_metric:
            raise InputError(
                f"{name!r} is not a count metric; compare rates or ppm, "
                "e.g. otif_rate, lot_rejection_rate, within_sla_rate, ppm."
            )
        specs[name] = m
    scale = np.array([specs[x].scale for x in names], dtype=float)
    lower = np.array([specs[x].lower_is_better for x in names], dtype=bool)
    floor = max(int(min_records), 1)
    BK, BN, AK, AN = bk.sum(1), bn.sum(1), ak.sum(1), an.sum(1)
    if reference is not None:  # the reference rows join the estimates of the variation, then are dropped
        t = _test_by_pools(
            (ak, an, bk, bn),
            labels,
            (rak, ran, rbk, rbn),
            rlabels,
            confidence=confidence,
            autocorrelation=autocorrelation,
            prior_df=prior_df,
        )
    else:
        t = period_proportion_test(
            ak, an, bk, bn, confidence=confidence, autocorrelation=autocorrelation, pool=labels, prior_df=prior_df
        )
    tested = (
        (BN >= floor)
        & (AN >= floor)
        & (t.periods_1 >= int(min_periods))
        & (t.periods_2 >= int(min_periods))
        & np.isfinite(t.p_value)
    )
    stat = {
        c: np.where(tested, np.asarray(getattr(t, c), dtype=float), np.nan)
        for c in ("difference", "low", "high", "statistic", "p_value")
    }
    reject, q = benjamini_hochberg(stat["p_value"], fdr)
    better = np.where(lower, stat["difference"] < 0, stat["difference"] > 0)
    direction = np.where(
        ~tested, "not tested", np.where(reject, np.where(better, "improving", "deteriorating"), "no change")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        before = np.where(BN > 0, BK / np.where(BN > 0, BN, 1.0), np.nan) * scale
        after = np.where(AN > 0, AK / np.where(AN > 0, AN, 1.0), np.nan) * scale
    out = pd.DataFrame(
        {
            "before_k": BK,
            "before_n": BN,
            "before": before,
            "after_k": AK,
            "after_n": AN,
            "after": after,
            "difference": stat["difference"] * scale,
            "low": stat["low"] * scale,
            "high": stat["high"] * scale,
            "statistic": stat["statistic"],
            "p_value": stat["p_value"],
            "q_value": q,
            "direction": pd.array(direction, dtype="string"),
        }
    )
    # the correlation used, per metric, over the rows tested (a pool of rows without records falls back to
    # the default and says nothing); several pools of one metric (actions): their median
    rho = pd.Series(np.asarray(t.autocorrelation, dtype=float)[tested])
    used = {str(k): float(v) for k, v in rho.groupby(np.asarray(names, dtype=str)[tested], sort=False).median().items()}
    out.attrs["autocorrelation"] = used
    out.attrs["method"] = method_text(autocorrelation if not isinstance(autocorrelation, str) else used, min_periods)
    return out


#: What :func:`method_text` says the variation between periods is pooled over by default: the rows of
#: :func:`change_signals` and :func:`~supplier_analytics.trends.compare_windows`, one per supplier.
POOLED_OVER = "over all suppliers of the same metric"


def method_text(
    autocorrelation: float | dict | None = None,
    min_periods: int = 2,
    *,
    pooled: str = POOLED_OVER,
    median_over: str | None = None,
) -> str:
    """One sentence on the test of :func:`compare`, for the ``attrs["method"]`` of its callers.

    ``autocorrelation``: the lag-1 correlation used, a number (fixed) or a dict metric -> value
    (estimated); None (or an empty dict) says it is estimated without giving values. ``pooled``: what the
    variation between periods is pooled over (:data:`POOLED_OVER`, the suppliers compared, by default).
    ``median_over``: the rows whose pools' estimated correlations the dict's values are medians of (e.g.
    "actions": one pool each).

    Examples
    --------
    >>> text = method_text({"otif_rate": 0.5}, pooled="for each action over the same months", median_over="actions")
    >>> text[text.index("pooled") : text.index(", t with")]  # doctest: +NORMALIZE_WHITESPACE
    "pooled for each action over the same months and combined with the supplier's own, lag-1 correlation
    between neighbouring periods estimated from the same periods (median over the actions: 0.50 for On time in full (OTIF))"
    """
    corr = "lag-1 correlation between neighbouring periods estimated from the same periods"
    if isinstance(autocorrelation, dict):
        if autocorrelation:
            values = ", ".join(f"{v:.2f} for {label(k)}" for k, v in autocorrelation.items())
            corr += f" ({values})" if median_over is None else f" (median over the {median_over}: {values})"
    elif autocorrelation is not None:
        corr = f"working lag-1 correlation {autocorrelation:g} between neighbouring periods"
    return (
        "t-test of the two sides' rates allowing for the variation of the rate from period to period "
        f"(quasi-binomial dispersion from the period counts, pooled {pooled} "
        f"and combined with the supplier's own, {corr}, t with the degrees of freedom of both estimates), "
        f"Newcombe's interval from the effective counts; fewer than {int(min_periods)} periods with records "
        "on a side: not tested"
    )


# --------------------------------------------------------------------------- the records behind a share


def _no_records(needed_by: str, exc: Exception | None = None) -> InputError:
    return InputError(
        f"{needed_by} counts the judged records (also those before the evaluation window), but this result "
        "came from the dask engine, which keeps only the window's statistics; score with engine='pandas' "
        f"for {needed_by}." + (f" ({exc})" if exc is not None else "")
    )


def _judged(result, table: str, needed_by: str) -> pd.DataFrame | None:
    """The judged records of ``table``; None when the run had no such table; an InputError when the run had
    the table but kept no records (the dask engine). The one place that tells the two apart."""
    if getattr(result, "engine", None) == "dask":
        raise _no_records(needed_by)
    try:
        rec = getattr(result, _TABLES[table][0], None)
    except InputError as exc:  # a result that refuses to give records it does not hold
        raise _no_records(needed_by, exc) from None
    if rec is None:
        counted = getattr(result, "suppliers", None)
        column = f"n_{table}"
        if isinstance(counted, pd.DataFrame) and column in counted and float(counted[column].sum()) > 0:
            raise _no_records(needed_by)  # the window has such records, the result does not
    return rec


def record_flags(source, metric: str, *, needed_by: str = "this comparison") -> pd.DataFrame:
    """The records behind a record share, each with its date and flag.

    Parameters
    ----------
    source : Scorecard or MetricsResult (or an object with ``lines``, ``lots``, ``requests``)
    metric : str
        One of :data:`RECORD_SHARES`.
    needed_by : str
        Who asks, for the error message.

    Returns
    -------
    DataFrame
        ``supplier_id`` (str), ``date`` (the catalogue table's record date:
        received, inspected, sent) and ``flag`` (bool): every judged record
        and every record before the window whose flag is known; excluded
        records are left out. Empty when the run had no such table.

    Raises
    ------
    InputError
        The metric is not a record share, or the result kept no records (the
        dask engine).
    """
    if metric not in RECORD_SHARES:
        raise InputError(
            f"{needed_by} cannot count {metric!r} on two sides of a date; use one of {', '.join(RECORD_SHARES)}."
        )
    m = spec(metric)
    assert m.records is not None, f"the catalogue names no records behind the record share {metric}"
    result = getattr(source, "metrics", source)
    rec = _judged(result, m.records, needed_by)
    date_col = _TABLES[m.records][1]
    if rec is None or m.flag not in rec:
        return pd.DataFrame(
            {
                "supplier_id": pd.Series(dtype=str),
                "date": pd.Series(dtype="datetime64[ns]"),
                "flag": pd.Series(dtype=bool),
            }
        )
    ok = (rec["status"].isin(["judged", "before window"]) & rec[m.flag].notna()).to_numpy(dtype=bool)
    sel = rec.loc[ok]
    return pd.DataFrame(
        {
            "supplier_id": sel["supplier_id"].astype(str).to_numpy(),
            "date": sel[date_col].to_numpy(),
            "flag": sel[m.flag].astype(bool).to_numpy(),
        }
    )


# --------------------------------------------------------------------------- year on year


def _month_label(start: pd.Timestamp, end_exclusive: pd.Timestamp) -> str:
    last = end_exclusive - pd.Timedelta(days=1)
    return f"{start:%b %Y} to {last:%b %Y}"


def change_signals(
    card, *, recent_months: int = 6, fdr: float = 0.05, min_records: int = 10, metrics=SIGNAL_METRICS
) -> pd.DataFrame:
    """Year-on-year change of each supplier's metrics: the recent months against the same months a year earlier.

    Comparing with the same months of the year before keeps seasonal effects
    (a slow December) out of the comparison, and the recent half of the
    window is where a trend that is under way shows most.

    Parameters
    ----------
    card : Scorecard
        Its records include those before the evaluation window, which give
        the before side. A scorecard of the dask engine keeps no records: it is
        refused with an :class:`~supplier_analytics.InputError`.
    recent_months : int, default 6
        Months up to the as-of date on the after side (the as-of day included);
        the before side is the same months a year earlier. 2 to 12: one month a
        side cannot show how much the rate varies between months.
    fdr : float, default 0.05
        Benjamini-Hochberg false discovery rate across every supplier x metric
        tested.
    min_records : int, default 10
        Records each side needs; suppliers with fewer are "not tested".
    metrics : sequence of str
        Record shares to test (some of :data:`RECORD_SHARES`).

    Returns
    -------
    DataFrame
        Columns :data:`SIGNAL_COLUMNS`; ``difference`` is after - before with
        its interval, ``p_value`` the test of :func:`compare` over the
        ``recent_months`` months of each side (counted from the side's first
        day), ``direction`` "improving", "deteriorating", "no change" or "not tested"
        (:func:`compare`). ``attrs["method"]`` says all this in one paragraph;
        ``attrs["before"]`` and ``attrs["after"]`` name the months of each side.
    """
    if getattr(card, "metrics", None) is None or not hasattr(card, "suppliers"):
        raise InputError(f"change_signals needs a Scorecard, not {type(card).__name__}; pass score(...).")
    if recent_months < 2:
        raise InputError(
            f"recent_months must be at least 2, got {recent_months!r}: one month a side cannot show how much the "
            "rate varies between months, so no supplier could be tested; use 6 (the default), or 3 to 12."
        )
    if recent_months > 12:
        raise InputError(f"recent_months must lie between 2 and 12, got {recent_months!r}; use e.g. 6.")
    end = pd.Timestamp(card.as_of).normalize() + pd.Timedelta(days=1)
    a0 = end - pd.DateOffset(months=int(recent_months))
    b0, b1 = a0 - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
    sups = pd.Index(card.suppliers["supplier_id"].astype(str), name="supplier_id")
    parts = []
    months = int(recent_months)
    for metric in metrics:
        flags = record_flags(card, metric, needed_by="change_signals")
        frame = pd.DataFrame(index=sups)
        frame.insert(0, "metric", metric)
        for side, lo, hi in (("before", b0, b1), ("after", a0, end)):
            k, n = month_counts(
                flags["date"], flags["flag"], lo, months, end=hi, groups=flags["supplier_id"], index=sups
            )
            frame[f"{side}_from"], frame[f"{side}_to"] = lo, hi - pd.Timedelta(days=1)
            frame[f"{side}_period_k"], frame[f"{side}_period_n"] = list(k), list(n)
        parts.append(frame.reset_index())
    if not parts:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    stats = compare_sides(out, fdr=fdr, min_records=min_records)
    for c in ("before_k", "before_n", "after_k", "after_n"):
        out[c] = stats[c].to_numpy()
    for c in ("before", "after", "difference", "low", "high", "p_value", "q_value", "direction"):
        out[c] = stats[c].to_numpy()
    out["direction"] = out["direction"].astype("string")
    out = out[SIGNAL_COLUMNS]
    n_tests = int((stats["direction"] != "not tested").sum())
    out.attrs["method"] = (
        f"Year-on-year comparison: {_month_label(a0, end)} against {_month_label(b0, b1)} (the same months a "
        f"year earlier, so seasons match), month by month: {stats.attrs['method']}; Benjamini-Hochberg "
        f"false discovery rate {fdr:g} across all {n_tests} tests; fewer than {min_records} records "
        "on a side: not tested."
    )
    out.attrs["after"] = _month_label(a0, end)
    out.attrs["before"] = _month_label(b0, b1)
    return out
