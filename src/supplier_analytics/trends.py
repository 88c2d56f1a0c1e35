"""Trends and early warning: period series, trend tests, window comparisons and alerts.

Is a bad month noise, or is a supplier really turning? This module answers
with these tools, each a plain function (the control charts are in
:mod:`supplier_analytics.charts`):

period_series, rolling_rate
    One value per supplier and period (week, month or quarter) for a metric,
    with its numerator and denominator; empty periods stay empty (NaN), never
    0 % or 100 %. Rolling windows sum numerators and denominators.
mann_kendall
    Mann-Kendall trend test (tie-corrected variance, continuity-corrected z,
    pre-whitened for lag-1 autocorrelation by default) with Theil-Sen slope
    and its confidence interval (in
    :mod:`supplier_analytics.trendtest`; alerts run it on every supplier at once).
seasonal_mann_kendall
    The seasonal test (Hirsch et al. 1982): each month against the same month of other years.
compare_windows
    One window against another (this quarter against the last) per
    supplier: the before/after comparison of :func:`~supplier_analytics.signals.compare`.
alerts
    The early-warning list across the supplier base: deteriorating and
    improving suppliers with their evidence, false discoveries controlled
    with Benjamini-Hochberg across every supplier and metric tested.

References
----------
.. [1] Y. Benjamini, Y. Hochberg, "Controlling the false discovery rate",
   J. R. Statist. Soc. B 57 (1995) 289-300.

Examples
--------
>>> from supplier_analytics.trends import mann_kendall
>>> r = mann_kendall([0.91, 0.90, 0.88, 0.89, 0.85, 0.84, 0.80, 0.82, 0.78, 0.75])
>>> r.direction, int(r.s), round(r.p_value, 4), round(r.slope, 4), r.correction
('decreasing', -32, 0.0012, -0.0171, 'prewhiten')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.aggregate import aggregate
from supplier_analytics.catalog import COUNT_METRICS, METRICS, label
from supplier_analytics.charts import p_chart
from supplier_analytics.errors import InputError
from supplier_analytics.metrics import MetricsResult, period_metrics
from supplier_analytics.signals import SIGNAL_COLUMNS, compare
from supplier_analytics.signals import method_text as compare_method
from supplier_analytics.stats import benjamini_hochberg
from supplier_analytics.trendtest import (
    MannKendallResult,
    alert_correction,
    check_period,
    mann_kendall,
    mann_kendall_rows,
    seasonal_mann_kendall,
    seasonal_mann_kendall_rows,
    trend_method_text,
    untested_reason,
)

__all__ = [
    "period_series",
    "rolling_rate",
    "MannKendallResult",
    "mann_kendall",
    "seasonal_mann_kendall",
    "compare_windows",
    "alerts",
    "ALERT_COLUMNS",
]

#: Columns of the frame returned by :func:`alerts`.
ALERT_COLUMNS = [
    "supplier_id",
    "metric",
    "direction",
    "severity",
    "method",
    "test",
    "statistic",
    "p_value",
    "q_value",
    "slope",
    "slope_low",
    "slope_high",
    "change",
    "current",
    "current_n",
    "target",
    "n_periods",
    "first_period",
    "last_period",
    "chart_signal",
    "reason",
]
#: The text columns of an alert: who and what (supplier_id ... test), and where and why (first_period ...
#: reason); the others are numbers.
_ALERT_TEXT = (*ALERT_COLUMNS[:6], *ALERT_COLUMNS[-4:])


# --------------------------------------------------------------------------- period series


def _frame_of(source) -> tuple[pd.DataFrame, MetricsResult | None]:
    """(periods frame, MetricsResult or None) from a Scorecard, a MetricsResult or a periods DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source, None
    result = getattr(source, "metrics", None)
    if result is not None and hasattr(result, "stats"):
        return source.periods, result
    if hasattr(source, "stats") and hasattr(source, "periods"):
        return source.periods, source
    raise InputError(
        f"expected a Scorecard, a MetricsResult or a periods DataFrame, not {type(source).__name__}; "
        "pass score(...) or compute_metrics(...) or their .periods frame."
    )


def _reperiod(result, period: str) -> pd.DataFrame:
    """Period metrics of ``result`` recomputed from its judged records at another period length."""
    if not result.has_records:  # the records are needed to regroup: never answer with empty periods
        raise InputError(
            f"period={period!r} needs the judged records, but this result came from the {result.engine} engine, "
            "which keeps none; score with engine='pandas' to regroup into other periods, or leave period out "
            f"for the run's own {result.config.periods.period} periods."
        )
    cfg = result.config.replace(periods={"period": period})
    freq = cfg.periods.freq

    def redo(frame):
        if frame is None:
            return None
        out = frame.copy()
        out["period"] = out["period_date"].dt.to_period(freq)  # where the judge placed each record
        return out

    stats = aggregate(
        redo(result.lines),
        redo(result.lots),
        redo(result.requests),
        config=cfg,
        as_of=result.as_of,
        window=result.window,
        suppliers=result.stats.suppliers,
    )
    return period_metrics(stats)


def _check_metric(frame: pd.DataFrame, metric: str) -> None:
    need = [f"{metric}_k", f"{metric}_n"] if metric in COUNT_METRICS else [metric]
    if any(c not in frame.columns for c in need):
        known = ", ".join(c for c in COUNT_METRICS if f"{c}_n" in frame.columns)
        raise InputError(
            f"the periods frame has no column {' or '.join(repr(c) for c in need)}; "
            f"use one of its metrics, e.g. {known or 'otif_rate'}."
        )


def _records_column(metric: str) -> str | None:
    """The column counting the records behind one period's figure (lines, lots with a quantity, requests)."""
    m = METRICS.get(metric)
    return m.evidence_count if m is not None else None


def _scale(metric: str) -> float:
    m = METRICS.get(metric)
    return m.scale if m is not None else 1.0


def _group_rolling_sum(values: np.ndarray, groups: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums of ``window`` consecutive rows within each group (rows sorted by group); NaN for short windows."""
    values = np.asarray(values, dtype=float)
    cs = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(len(values))
    # position of each row within its group
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1] if len(values) else np.array([], int)
    first = np.repeat(starts, np.diff(np.r_[starts, len(values)]))
    pos = idx - first
    out = cs[idx + 1] - cs[np.maximum(idx + 1 - window, 0)]
    return np.where(pos >= window - 1, out, np.nan)


def rolling_rate(k, n, window: int):
    """Rate over a trailing window of periods: the window's numerators summed over its denominators.

    Parameters
    ----------
    k, n : array_like
        Numerator and denominator per period, in time order; an empty period
        has ``n == 0`` (or NaN) and adds nothing.
    window : int
        Periods per window (the current one and ``window - 1`` before it).

    Returns
    -------
    rate, k_sum, n_sum : ndarray
        ``k_sum / n_sum``; NaN for the first ``window - 1`` periods (no full
        window yet) and where the window holds no records (``n_sum == 0``).
        Summing counts weights each record equally; averaging the period rates
        would let a period with 2 lines count as much as one with 200.

    Examples
    --------
    >>> rate, k, n = rolling_rate([8, 0, 9, 1], [10, 0, 10, 1], 2)
    >>> rate.round(4).tolist(), n.tolist()
    ([nan, 0.8, 0.9, 0.9091], [nan, 10.0, 10.0, 11.0])
    """
    if int(window) < 1:
        raise InputError(f"window must be a whole number of periods of at least 1, got {window!r}.")
    k = np.nan_to_num(np.asarray(k, dtype=float).ravel())
    n = np.nan_to_num(np.asarray(n, dtype=float).ravel())
    groups = np.zeros(len(k), dtype=np.int64)
    ks = _group_rolling_sum(k, groups, int(window))
    ns = _group_rolling_sum(n, groups, int(window))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ns > 0, ks / np.where(ns > 0, ns, 1.0), np.nan)
    return rate, ks, ns


def period_series(source, metric: str, *, period: str | None = None, rolling: int | None = None) -> pd.DataFrame:
    """One value of ``metric`` per supplier and period, empty periods kept empty.

    Parameters
    ----------
    source : Scorecard, MetricsResult or periods DataFrame
        Where the period figures come from (``Scorecard.periods`` has one row
        per supplier and period of the window, empty periods included).
    metric : str
        A column of the periods frame: a rate (``otif_rate``, ...), ``ppm`` or
        another figure (``mean_days_late``, ``median_response_hours``, ...).
    period : {"week", "month", "quarter"}, optional
        Period length; default: the one the source was computed with. From a
        Scorecard or MetricsResult any length is recomputed exactly from the
        judged records (ISO weeks Monday to Sunday); a periods DataFrame can
        only be coarsened (months to quarters) and only for count metrics.
    rolling : int, optional
        Add ``rolling_value``, ``rolling_k`` and ``rolling_n``: the metric over
        the trailing ``rolling`` periods (see :func:`rolling_rate`); count
        metrics only.

    Returns
    -------
    DataFrame
        ``supplier_id``, ``period``, ``period_start``, ``value`` (NaN for a
        period without records), ``k`` and ``n`` (numerator and denominator;
        NaN for metrics without counts; for ``ppm``: defective and inspected
        units), ``records`` (records behind the figure: lines, lots with a
        quantity, requests), sorted by supplier and period. ``attrs``:
        ``metric``, ``period`` (pandas frequency) and ``scale`` (1e6 for ppm).

    Examples
    --------
    >>> p = pd.DataFrame({"supplier_id": ["S1"] * 3, "period": pd.period_range("2025-01", periods=3, freq="M"),
    ...     "otif_rate": [0.9, np.nan, 0.5], "otif_rate_k": [9, 0, 1], "otif_rate_n": [10, 0, 2]})
    >>> period_series(p, "otif_rate")[["period", "value", "n"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'period': Period('2025-01', 'M'), 'value': 0.9, 'n': 10.0},
     {'period': Period('2025-02', 'M'), 'value': nan, 'n': 0.0},
     {'period': Period('2025-03', 'M'), 'value': 0.5, 'n': 2.0}]
    """
    frame, result = _frame_of(source)
    if period is not None and period not in ("week", "month", "quarter"):
        raise InputError(f"period must be 'week', 'month' or 'quarter', got {period!r}.")
    counted = metric in COUNT_METRICS
    if period is not None:
        freq = {"week": "W-SUN", "month": "M", "quarter": "Q"}[period]
        current = frame["period"].dtype.freq.freqstr if len(frame) else freq
        if pd.PeriodDtype(freq) != frame["period"].dtype:
            if result is not None:
                frame = _reperiod(result, period)
            else:
                frame = _coarsen(frame, metric, freq, current)
    _check_metric(frame, metric)
    scale = _scale(metric)
    sid = frame["supplier_id"]
    out = pd.DataFrame(
        {
            "supplier_id": sid.array if sid.dtype == "string" else sid.astype("string").array,
            "period": frame["period"].array,
        }
    )
    out["period_start"] = out["period"].dt.start_time.astype("datetime64[ns]")
    if counted:
        k = frame[f"{metric}_k"].to_numpy(dtype=float)
        n = frame[f"{metric}_n"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = np.where(n > 0, k / np.where(n > 0, n, 1.0) * scale, np.nan)
        out["k"], out["n"] = k, n
    else:
        out["value"] = frame[metric].to_numpy(dtype=float)
        out["k"], out["n"] = np.nan, np.nan
    rec = _records_column(metric)
    out["records"] = (
        frame[rec].to_numpy(dtype=float) if rec in frame.columns else np.where(out["value"].notna(), np.nan, 0.0)
    )
    order = np.lexsort((out["period"].array.asi8, out["supplier_id"].to_numpy(dtype=str)))
    if not np.array_equal(order, np.arange(len(out))):
        out = out.iloc[order]
    out = out.reset_index(drop=True)
    if rolling is not None:
        if not counted:
            raise InputError(f"rolling windows need a count metric (a rate or ppm), not {metric!r}.")
        codes = out["supplier_id"].factorize()[0]
        ks = _group_rolling_sum(np.nan_to_num(out["k"].to_numpy()), codes, int(rolling))
        ns = _group_rolling_sum(np.nan_to_num(out["n"].to_numpy()), codes, int(rolling))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["rolling_value"] = np.where(ns > 0, ks / np.where(ns > 0, ns, 1.0) * scale, np.nan)
        out["rolling_k"], out["rolling_n"] = ks, ns
    out.attrs.update(metric=metric, period=out["period"].dtype.freq.freqstr if len(out) else None, scale=scale)
    return out


def _coarsen(frame: pd.DataFrame, metric: str, freq: str, current: str) -> pd.DataFrame:
    if metric not in COUNT_METRICS:
        raise InputError(
            f"{metric!r} cannot be regrouped from a periods frame (medians do not add up); "
            "pass the Scorecard or MetricsResult so the periods are recomputed from the records."
        )
    per = frame["period"]
    first, last = per.dt.start_time.dt.to_period(freq), per.dt.end_time.dt.to_period(freq)
    if (first != last).any():
        raise InputError(
            f"periods of {current} do not nest in {freq} periods; pass the Scorecard or "
            "MetricsResult so the periods are recomputed from the records."
        )
    cols = [f"{metric}_k", f"{metric}_n"]
    rec = _records_column(metric)
    if rec is not None and rec in frame.columns and rec not in cols:
        cols.append(rec)
    out = frame.assign(period=first).groupby(["supplier_id", "period"], sort=True, observed=True)[cols].sum()
    return out.reset_index()


def _pivot(series: pd.DataFrame, columns) -> tuple[pd.Index, pd.PeriodIndex, dict[str, np.ndarray]]:
    """Supplier x period matrices of ``columns`` over the full range of periods (missing rows NaN)."""
    if len(series) == 0:
        return pd.Index([], dtype="string"), pd.PeriodIndex([], freq="M"), {c: np.empty((0, 0)) for c in columns}
    per = pd.PeriodIndex(series["period"].array)
    full = pd.period_range(per.min(), per.max(), freq=per.freq)
    sup_codes, sups = pd.factorize(series["supplier_id"].to_numpy(), sort=True)
    pos = (per.asi8 - full[0].ordinal).astype(np.int64)
    out = {}
    for c in columns:
        mat = np.full((len(sups), len(full)), np.nan)
        mat[sup_codes, pos] = series[c].to_numpy(dtype=float)
        out[c] = mat
    return pd.Index(sups, dtype="string"), full, out


# --------------------------------------------------------------------------- change between two windows


def _window_bounds(spec, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    def as_period(x):
        if isinstance(x, pd.Period):
            return x
        if isinstance(x, (pd.Timestamp,)):
            return pd.Period(x, "D")
        try:
            return pd.Period(str(x))
        except (ValueError, TypeError) as exc:
            raise InputError(
                f"{name}={x!r} is not a period; use e.g. '2026Q3', '2026-07' or ('2026-07', '2026-09')."
            ) from exc

    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        first, last = as_period(spec[0]), as_period(spec[1])
    else:
        first = last = as_period(spec)
    start, end = first.start_time, last.end_time
    if end < start:
        raise InputError(f"{name} ends before it starts ({spec!r}); give (first, last) in time order.")
    return start, end


def compare_windows(
    periods, metric: str, *, before, after, confidence: float = 0.95, fdr: float = 0.05, min_records: int = 1
) -> pd.DataFrame:
    """Compare each supplier's ``metric`` in one window of periods (after) with another (before).

    Parameters
    ----------
    periods : Scorecard, MetricsResult or periods DataFrame
    metric : str
        A count metric: a rate (``otif_rate``, ...) or ``ppm``.
    before, after : period or (first, last)
        The windows: a period (``"2026Q4"``, ``"2026-11"``) or an inclusive pair
        of periods (``("2026-10", "2026-12")``). A period belongs to the window
        its first day falls in.
    confidence : float, default 0.95
        Coverage of the interval for the difference.
    fdr : float, default 0.05
        False discovery rate for ``direction`` across the suppliers compared.
    min_records : int, default 1
        Records (the metric's denominator: lines, lots, requests; units for
        PPM) each window needs; suppliers with fewer are "not tested".

    Returns
    -------
    DataFrame
        One row per supplier, columns :data:`~supplier_analytics.signals.SIGNAL_COLUMNS`
        (as :func:`~supplier_analytics.signals.change_signals`): ``supplier_id``,
        ``metric``, ``before_from``, ``before_to`` (first and last day of the
        window), ``before_k``, ``before_n``, ``before`` (the metric over the
        window), the same for ``after``, ``difference`` (after - before, in
        metric units), ``low``, ``high`` (its interval), ``p_value`` (the test
        over the periods of both windows, which allows for the variation of the
        rate from period to period), ``q_value`` (Benjamini-Hochberg across the
        rows), ``direction`` ("improving", "deteriorating" or "no change": the
        change is called when ``q_value <= fdr``; "not tested" for a supplier
        without ``min_records`` in a window or without 2 periods with records
        in each): the comparison of :func:`~supplier_analytics.signals.compare`.
        ``attrs["method"]`` states the test.

    Examples
    --------
    >>> p = pd.DataFrame({"supplier_id": ["S1"] * 12, "period": pd.period_range("2026-01", periods=12, freq="M"),
    ...     "otif_rate_k": [95, 96, 94, 95, 96, 95, 80, 78, 81, 79, 80, 82], "otif_rate_n": [100] * 12})
    >>> r = compare_windows(p, "otif_rate", before=("2026-01", "2026-06"), after=("2026-07", "2026-12"))
    >>> r[["before", "after", "difference", "direction"]].round(4).to_dict("records")
    [{'before': 0.9517, 'after': 0.8, 'difference': -0.1517, 'direction': 'deteriorating'}]
    """
    if metric not in COUNT_METRICS:
        raise InputError(f"compare_windows needs a count metric (a rate or ppm), not {metric!r}.")
    s = period_series(periods, metric)
    windows = {"before": _window_bounds(before, "before"), "after": _window_bounds(after, "after")}
    start = s["period_start"]
    sups = pd.Index(pd.unique(s["supplier_id"]), dtype="string")
    out = pd.DataFrame({"supplier_id": sups, "metric": metric})
    counts = {}
    per = pd.PeriodIndex(s["period"].array)
    codes = pd.Index(sups).get_indexer(s["supplier_id"].to_numpy())
    for side, (lo, hi) in windows.items():
        inside = ((start >= lo) & (start <= hi)).to_numpy(dtype=bool)
        cols = pd.PeriodIndex(pd.unique(per[inside])).sort_values()
        at = cols.get_indexer(per[inside])
        k = np.zeros((len(sups), max(len(cols), 1)))
        n = np.zeros_like(k)
        np.add.at(k, (codes[inside], at), np.nan_to_num(s["k"].to_numpy(dtype=float)[inside]))
        np.add.at(n, (codes[inside], at), np.nan_to_num(s["n"].to_numpy(dtype=float)[inside]))
        counts[side] = k, n
        out[f"{side}_from"], out[f"{side}_to"] = lo, hi.normalize()
    stats = compare(
        *counts["before"], *counts["after"], metric=metric, fdr=fdr, confidence=confidence, min_records=min_records
    )
    for c in stats.columns:
        out[c] = stats[c].to_numpy()
    out["direction"] = out["direction"].astype("string")
    out = out[SIGNAL_COLUMNS]
    out.attrs["method"] = stats.attrs["method"]
    return out


# --------------------------------------------------------------------------- alerts


def _target(metric: str, cfg) -> float:
    key = METRICS[metric].target_key if metric in METRICS else None
    if cfg is None or key is None:
        return np.nan
    return float(cfg.targets.get(key, np.nan))


def alerts(
    card,
    *,
    metrics=("otif_rate", "ppm", "within_sla_rate"),
    fdr: float = 0.05,
    method: str = "mann-kendall",
    period: str | None = None,
    min_periods: int = 6,
    min_count: int = 5,
    recent: int = 3,
    laney: bool = True,
    min_change=None,
    include: str = "alerts",
    correction: str | None = None,
    seasonal: int | None = None,
) -> pd.DataFrame:
    """Early warning: which suppliers are really deteriorating or improving, false alarms controlled.

    Every supplier with enough evidence is tested on every metric; the
    p-values of all supplier x metric tests are adjusted together with
    Benjamini-Hochberg, and a row is an alert when its ``q_value <= fdr``.

    Parameters
    ----------
    card : Scorecard, MetricsResult or periods DataFrame
    metrics : sequence of str
        Metrics to watch (columns of the periods frame). For metrics where a
        rise is bad (``ppm``, ``late_rate``, lateness, response hours) an
        increasing trend is a deterioration; the direction comes from the
        metric catalogue (:func:`~supplier_analytics.catalog.lower_is_better`).
    fdr : float, default 0.05
        False discovery rate: among the alerts raised, the expected share of
        false ones is at most ``fdr`` (Benjamini & Hochberg 1995, independent
        tests).
    method : {"mann-kendall", "two-window"}
        ``"mann-kendall"``: Mann-Kendall trend test over the per-period values
        (each period with enough records counts once), pre-whitened for lag-1
        autocorrelation (``correction="prewhiten"`` of
        :func:`~supplier_analytics.trendtest.mann_kendall`), Theil-Sen slope.
        ``"two-window"``: the last ``recent`` periods against the ``recent``
        before them (the test of :func:`~supplier_analytics.signals.compare`, which
        allows for the variation between periods; count metrics only).
    period : {"week", "month", "quarter"}, optional
        Period length (default: the scorecard's).
    min_periods : int, default 6
        Minimum evidence for the trend test: periods with at least
        ``min_count`` records; pre-whitened, also 3 pairs of consecutive such
        periods (``reason`` says which was missing). (Two-window: each window
        needs ``min_count`` records.)
    min_count : int, default 5
        Records (lines, lots with a quantity, requests) a period needs to
        count; periods with fewer are treated as empty, since a rate from one
        or two lines is mostly noise.
    recent : int, default 3
        Periods that make the current level (and the two-window comparison).
    laney : bool, default True
        Use Laney's p' chart for the control-chart evidence (period volumes are
        large and real rates drift, so the plain p-chart over-signals).
    min_change : dict, optional
        Materiality per metric (metric units, over the tested periods); default
        the catalogue's ``min_change`` (0.05 for rates, 250 for PPM, ...; 0
        where it has none).
    include : {"alerts", "all"}
        ``"alerts"``: alerts and the suppliers not tested; ``"all"``: also the
        tested rows without an alert (``direction == "no alert"``), e.g. for a
        portfolio plot.
    correction : {"prewhiten", "none"} or, with ``seasonal``, {"hirsch-slack", "none"}
        For ``"mann-kendall"``, the correction for carry-over between
        neighbouring periods; by default ``"prewhiten"`` (pre-whiten each
        supplier's series for lag-1 autocorrelation; ``"none"``: the classical
        test, which takes periods as independent; see
        :func:`~supplier_analytics.trendtest.mann_kendall` for both), and with
        ``seasonal`` ``"hirsch-slack"`` (the covariances between seasons,
        Hirsch & Slack 1984; ``"none"``: seasons taken as independent).
    seasonal : int, optional
        Periods per seasonal cycle (12 for months, 4 for quarters, 52 for
        weeks, roughly): the trend test is then the seasonal Mann-Kendall test
        (:func:`~supplier_analytics.trendtest.seasonal_mann_kendall`), which
        compares each period only with the same period of other years. It
        needs two periods of one season; with the default correction it
        cannot raise an alert below 4 years (a steady rise over 36 months: p
        0.128) and holds its size far below 5 %, while ``correction="none"``
        finds trends from 3-4 years but raises 13-18 % false alarms per test
        under month-to-month carry-over (figures in
        :func:`~supplier_analytics.trendtest.seasonal_mann_kendall`).
        ``min_periods`` still applies.

    Returns
    -------
    DataFrame
        Columns :data:`ALERT_COLUMNS`: ``supplier_id``, ``metric``,
        ``direction`` ("deteriorating", "improving", "no alert" or "not
        tested"), ``severity`` ("high", "medium", "low"; empty when not
        tested), ``method``, ``test``, ``statistic`` (Mann-Kendall z or the
        period t (quasi-binomial)), ``p_value``, ``q_value`` (BH-adjusted across all
        tests), ``slope`` with ``slope_low``/``slope_high`` (Theil-Sen, metric
        units per period), ``change`` (estimated change over the tested
        periods: slope x span, or the difference of the windows), ``current``
        (level over the last ``recent`` periods), ``current_n``, ``target``,
        ``n_periods`` (periods used), ``first_period``, ``last_period``,
        ``chart_signal`` (run-rule signals of the control chart in the last
        ``recent`` periods, for alerts on count metrics), ``reason`` (why a
        supplier was not tested). Sorted deteriorating first, then by
        severity and q-value. ``attrs["method"]`` states the method in one
        paragraph; ``attrs["tests"]`` and ``attrs["not_tested"]`` count rows.

    Notes
    -----
    Severity counts three signs, each worth a point: the change is material
    (``|change| >= min_change``), the current level is on the wrong side of
    the target (for improvements: on the right side), and the control chart
    signals in the recent periods. 2-3 points: "high", 1: "medium", 0: "low".
    The trend test removes lag-1 autocorrelation between periods
    (pre-whitening), but not seasonality: a bad December every year inside
    the window can look like a trend, or hide one. ``seasonal=12`` removes the
    season, and by default allows for the carry-over between months, which
    below about 5 years leaves it next to no power (see ``seasonal``).
    """
    if method not in ("mann-kendall", "two-window"):
        raise InputError(f"method must be 'mann-kendall' or 'two-window', got {method!r}.")
    if seasonal is not None:
        seasonal = check_period(seasonal, least=2, name="seasonal")
        if method != "mann-kendall":
            raise InputError("seasonal applies to method='mann-kendall' only; leave it out for method='two-window'.")
    correction = alert_correction(correction, seasonal)
    if include not in ("alerts", "all"):
        raise InputError(f"include must be 'alerts' or 'all', got {include!r}.")
    if not 0.0 < fdr < 1.0:
        raise InputError(f"fdr must lie strictly between 0 and 1, got {fdr!r}; use e.g. 0.05.")
    if isinstance(metrics, str):
        metrics = (metrics,)
    frame, result = _frame_of(card)
    cfg = getattr(card, "config", None) or (result.config if result is not None else None)
    materiality = dict(min_change or {})
    cols: dict[str, list] = {}
    charts: list = []  # per row: (k, n, periods) for the control chart, or None

    def put(**arrays):
        for key, val in arrays.items():
            cols.setdefault(key, []).append(val)

    for metric in metrics:
        s = period_series(card, metric, period=period)
        counted = metric in COUNT_METRICS
        sups, full, mats = _pivot(s, ["value", "records", "k", "n"])
        value, rec, kk, nn = mats["value"], mats["records"], mats["k"], mats["n"]
        with np.errstate(invalid="ignore"):
            enough = np.isfinite(value) & np.where(np.isnan(rec), True, rec >= min_count)
        y = np.where(enough, value, np.nan)
        n_ok = enough.sum(1)
        m, T = y.shape
        last_cols = slice(max(T - recent, 0), T)
        scale = s.attrs["scale"]
        if counted:
            k_ok, n_ok_counts = np.where(enough, kk, 0.0), np.where(enough, nn, 0.0)
            ck, cn = k_ok[:, last_cols].sum(1), n_ok_counts[:, last_cols].sum(1)
            with np.errstate(divide="ignore", invalid="ignore"):
                cur = np.where(cn > 0, ck / np.where(cn > 0, cn, 1.0), np.nan) * scale
        else:
            window_vals = y[:, last_cols]
            cn = np.isfinite(window_vals).sum(1).astype(float)
            with np.errstate(invalid="ignore"):
                cur = np.where(cn > 0, np.nansum(window_vals, axis=1) / np.maximum(cn, 1), np.nan)
        labels = np.array([str(x) for x in full], dtype=object)
        if method == "mann-kendall":
            if seasonal is None:
                mk = mann_kendall_rows(y, correction=correction, pool=True)
            else:
                mk = seasonal_mann_kendall_rows(y, period=seasonal, correction=correction)
            has = n_ok > 0
            first_i = np.where(has, np.argmax(enough, axis=1), 0)
            last_i = np.where(has, T - 1 - np.argmax(enough[:, ::-1], axis=1), 0)
            need = max(int(min_periods), 3)
            tested = (n_ok >= need) & np.isfinite(mk["p_value"])  # pre-whitened: 3 pairs; seasonal: 2 of a season
            reason = untested_reason(n_ok, mk, need=need, min_count=min_count, seasonal=seasonal)
            put(
                test=np.full(
                    m, "Mann-Kendall" if seasonal is None else f"seasonal Mann-Kendall ({seasonal})", dtype=object
                ),
                statistic=mk["z"],
                p_value=mk["p_value"],
                slope=mk["slope"],
                slope_low=mk["slope_low"],
                slope_high=mk["slope_high"],
                change=mk["slope"] * np.where(has, last_i - first_i, 0),
                first_period=np.where(has, labels[first_i] if T else "", ""),
                last_period=np.where(has, labels[last_i] if T else "", ""),
                reason=reason.astype(object),
            )
            rising = mk["z"] > 0
        else:
            if not counted:
                raise InputError(f"method='two-window' needs count metrics (rates or ppm), not {metric!r}.")
            prev_cols = slice(max(T - 2 * recent, 0), max(T - recent, 0))
            rec_ok = np.where(enough, np.nan_to_num(rec, nan=np.inf), 0.0)
            tested = (rec_ok[:, last_cols].sum(1) >= min_count) & (rec_ok[:, prev_cols].sum(1) >= min_count)
            # the one before/after comparison; its q-values and directions are not used here: the
            # false discovery rate is controlled across every supplier and metric below
            t = compare(
                k_ok[:, prev_cols],
                n_ok_counts[:, prev_cols],
                k_ok[:, last_cols],
                n_ok_counts[:, last_cols],
                metric=metric,
            )
            tested = tested & t["p_value"].notna().to_numpy()
            diff = t["difference"].to_numpy(dtype=float)
            nan = np.full(m, np.nan)
            put(
                test=np.full(m, "period t (quasi-binomial)", dtype=object),
                statistic=t["statistic"].to_numpy(dtype=float),
                p_value=t["p_value"].to_numpy(dtype=float),
                slope=nan,
                slope_low=nan,
                slope_high=nan,
                change=diff,
                first_period=np.full(m, labels[prev_cols][0] if len(labels[prev_cols]) else "", dtype=object),
                last_period=np.full(m, labels[-1] if T else "", dtype=object),
                reason=np.where(
                    tested,
                    "",
                    f"fewer than {min_count} records or 2 periods with records in one of the two windows of "
                    f"{recent} periods",
                ).astype(object),
            )
            rising = diff > 0
        higher = not (metric in METRICS and METRICS[metric].lower_is_better)
        default_min = (METRICS[metric].min_change if metric in METRICS else None) or 0.0
        put(
            supplier_id=np.asarray(sups, dtype=object),
            metric=np.full(m, metric, dtype=object),
            current=cur,
            current_n=cn,
            n_periods=n_ok.astype(np.int64),
            tested=tested,
            improving=rising if higher else ~rising,
            rise_is_better=np.full(m, higher),
            target=np.full(m, _target(metric, cfg)),
            min_change=np.full(m, float(materiality.get(metric, default_min))),
        )
        charts.extend((k_ok[i], n_ok_counts[i], full) if counted else None for i in range(m))
    data = {key: np.concatenate(val) if val else np.empty(0) for key, val in cols.items()}
    if not data:
        data = {c: np.empty(0) for c in ALERT_COLUMNS + ["tested", "improving", "rise_is_better", "min_change"]}
    tested = data["tested"].astype(bool)
    p_value = np.where(tested, data["p_value"].astype(float), np.nan)
    reject, q = benjamini_hochberg(p_value, fdr)
    improving = data["improving"].astype(bool)
    direction = np.where(
        ~tested, "not tested", np.where(reject, np.where(improving, "improving", "deteriorating"), "no alert")
    )
    # control-chart evidence for alerts on count metrics
    signal = np.full(len(direction), "", dtype=object)
    for i in np.flatnonzero(reject):
        if charts[i] is None:
            continue
        k_i, n_i, per_i = charts[i]
        ch = p_chart(k_i, n_i, laney=laney, index=per_i)
        tail = ch.iloc[max(len(ch) - recent, 0) :]
        hits = [f"{p}: {sig}" for p, sig in zip(tail.index, tail["signals"]) if isinstance(sig, str) and sig]
        signal[i] = "; ".join(hits)
    # severity
    change = data["change"].astype(float)
    material = np.abs(change) >= data["min_change"].astype(float)
    cur = data["current"].astype(float)
    target = data["target"].astype(float)
    higher = data["rise_is_better"].astype(bool)
    with np.errstate(invalid="ignore"):
        worse_than_target = np.where(higher, cur < target, cur > target)
        better_than_target = np.where(higher, cur >= target, cur <= target)
    on_side = np.where(direction == "improving", better_than_target, worse_than_target) & np.isfinite(target)
    points = material.astype(int) + on_side.astype(int) + (signal != "").astype(int)
    severity = np.where(tested, np.where(points >= 2, "high", np.where(points == 1, "medium", "low")), "")
    n_tests = int(tested.sum())
    if method == "mann-kendall":
        how = trend_method_text(correction, seasonal)
        floor = f"fewer than {max(int(min_periods), 3)} such periods"
    else:
        how = f"the last {recent} periods against the {recent} before, period by period: {compare_method()}"
        floor = f"fewer than {min_count} records in either window"
    method_text = (
        f"{how}; periods with fewer than {min_count} records left out, suppliers with {floor} not "
        f"tested; Benjamini-Hochberg false discovery rate {fdr:g} across all {n_tests} supplier x "
        f"metric tests ({', '.join(label(m) for m in metrics)})."
    )
    out = pd.DataFrame(
        {
            "supplier_id": data["supplier_id"],
            "metric": data["metric"],
            "direction": direction,
            "severity": severity,
            "method": np.full(len(direction), method, dtype=object),
            "test": data["test"],
            "statistic": data["statistic"].astype(float),
            "p_value": p_value,
            "q_value": q,
            "slope": data["slope"].astype(float),
            "slope_low": data["slope_low"].astype(float),
            "slope_high": data["slope_high"].astype(float),
            "change": change,
            "current": cur,
            "current_n": data["current_n"].astype(float),
            "target": target,
            "n_periods": data["n_periods"].astype(np.int64),
            "first_period": data["first_period"],
            "last_period": data["last_period"],
            "chart_signal": signal,
            "reason": data["reason"],
        }
    )
    rank_dir = pd.Series(direction).map({"deteriorating": 0, "improving": 1, "no alert": 2, "not tested": 3})
    rank_sev = pd.Series(severity).map({"high": 0, "medium": 1, "low": 2, "": 3})
    order = np.lexsort(
        (
            out["metric"].to_numpy(dtype=str),
            out["supplier_id"].to_numpy(dtype=str),
            np.nan_to_num(q, nan=2.0),
            rank_sev.to_numpy(),
            rank_dir.to_numpy(),
        )
    )
    out = out.iloc[order]
    if include == "alerts":
        out = out.loc[out["direction"] != "no alert"]
    out = out.reset_index(drop=True)
    for c in _ALERT_TEXT:
        out[c] = out[c].astype("string")
    out.attrs.update(
        method=method_text, fdr=float(fdr), tests=n_tests, not_tested=int((~tested).sum()), metrics=tuple(metrics)
    )
    return out
