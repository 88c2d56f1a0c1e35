"""The Mann-Kendall trend test with the Theil-Sen slope, for one series or many at once.

:func:`mann_kendall` tests one series (one value per period, NaN for an empty
period); :func:`mann_kendall_rows` runs the same test on every row of a
suppliers x periods matrix at once, vectorised, for
:func:`~supplier_analytics.trends.alerts`.

References
----------
.. [1] H. B. Mann, "Nonparametric tests against trend", Econometrica 13
   (1945) 245-259; M. G. Kendall, *Rank Correlation Methods*, 4th ed.,
   Griffin, 1975.
.. [2] R. O. Gilbert, *Statistical Methods for Environmental Pollution
   Monitoring*, Van Nostrand Reinhold, 1987, ch. 16 (variance with ties,
   continuity correction).
.. [3] P. K. Sen, "Estimates of the regression coefficient based on
   Kendall's tau", J. Amer. Statist. Assoc. 63 (1968) 1379-1389 (the slope
   and its interval, eq. 2.6).

Examples
--------
>>> r = mann_kendall([0.91, 0.90, 0.88, 0.89, 0.85, 0.84, 0.80, 0.82, 0.78, 0.75])
>>> r.direction, int(r.s), round(r.p_value, 4), round(r.slope, 4)
('decreasing', -41, 0.0003, -0.0171)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from supplier_analytics.errors import InputError

__all__ = ["MannKendallResult", "mann_kendall", "mann_kendall_rows"]


@dataclass(frozen=True)
class MannKendallResult:
    """Result of :func:`mann_kendall`.

    Attributes
    ----------
    direction : "increasing", "decreasing", "no trend" or "insufficient data" (fewer than 3 values).
    n : number of values used (missing ones dropped).
    s : Mann-Kendall S, the number of rising pairs minus falling pairs.
    var_s : variance of S under no trend, corrected for ties.
    z : continuity-corrected normal score, ``(S - sign(S)) / sqrt(var_s)``.
    p_value : two-sided p-value of ``z``.
    tau : Kendall's tau-b between time and the values (what ``scipy.stats.kendalltau`` returns).
    slope, slope_low, slope_high : Theil-Sen slope per period and its ``1 - alpha`` interval (Sen 1968).
    intercept : ``median(values) - slope * median(times)``.
    alpha : the significance level used for ``direction`` and the interval.
    """

    direction: str
    n: int
    s: float
    var_s: float
    z: float
    p_value: float
    tau: float
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    alpha: float


def _row_median_sorted(sorted_rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of the first ``counts[r]`` entries of each sorted row (NaN-padded at the end)."""
    out = np.full(len(counts), np.nan)
    ok = counts > 0
    r = np.flatnonzero(ok)
    c = counts[ok]
    out[ok] = (sorted_rows[r, (c - 1) // 2] + sorted_rows[r, c // 2]) / 2.0
    return out


def _mk_block(y: np.ndarray, t: np.ndarray, alpha: float) -> dict:
    m, T = y.shape
    valid = np.isfinite(y)
    n = valid.sum(1).astype(float)
    i, j = np.triu_indices(T, 1)
    pair = valid[:, i] & valid[:, j]
    dy = np.where(pair, y[:, j] - y[:, i], 0.0)
    s = np.sign(dy).sum(1)
    # Ties: an element in a tie group of size c sees c equal values (itself included), so
    # sum over groups of f(t) equals the sum over elements of f(c) / c.
    eq = (y[:, :, None] == y[:, None, :]).sum(2).astype(float)
    c = np.where(valid, eq, 1.0)
    tie_var = ((c - 1.0) * (2.0 * c + 5.0)).sum(1)
    tie_pairs = ((c - 1.0) / 2.0).sum(1)
    var = (n * (n - 1.0) * (2.0 * n + 5.0) - tie_var) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.maximum(var, 0.0))
        z = np.where(var > 0, (s - np.sign(s)) / np.where(var > 0, sd, 1.0), 0.0)
        n0 = n * (n - 1.0) / 2.0
        denom = np.sqrt(n0 * (n0 - tie_pairs))
        tau = np.where(denom > 0, s / np.where(denom > 0, denom, 1.0), np.nan)
    p = 2.0 * _st.norm.sf(np.abs(z))
    # Theil-Sen slopes over every pair with both values present; time is the period index.
    dt = (t[j] - t[i]).astype(float)
    slopes = np.where(pair, dy / dt, np.nan)
    slopes.sort(axis=1)
    nt = pair.sum(1)
    slope = _row_median_sorted(slopes, nt)
    zc = _st.norm.ppf(alpha / 2.0)
    with np.errstate(invalid="ignore"):
        upper_i = np.minimum(np.round((nt - zc * sd) / 2.0), nt - 1)
        lower_i = np.maximum(np.round((nt + zc * sd) / 2.0) - 1, 0)
    rows = np.arange(m)
    has = nt > 0
    lo = np.full(m, np.nan)
    hi = np.full(m, np.nan)
    lo[has] = slopes[rows[has], lower_i[has].astype(np.int64)]
    hi[has] = slopes[rows[has], upper_i[has].astype(np.int64)]
    ys = np.sort(y, axis=1)
    ts = np.sort(np.where(valid, t[None, :].astype(float), np.nan), axis=1)
    intercept = _row_median_sorted(ys, n.astype(np.int64)) - slope * _row_median_sorted(ts, n.astype(np.int64))
    few = n < 3
    for arr in (s, var, z, p, tau, slope, lo, hi, intercept):
        arr[few] = np.nan
    return {
        "n": n.astype(np.int64),
        "s": s,
        "var_s": var,
        "z": z,
        "p_value": p,
        "tau": tau,
        "slope": slope,
        "slope_low": lo,
        "slope_high": hi,
        "intercept": intercept,
    }


def mann_kendall_rows(y: np.ndarray, *, alpha: float = 0.05, times=None) -> dict:
    """Mann-Kendall and Theil-Sen for every row of ``y`` (suppliers x periods, NaN = missing), vectorised.

    Returns a dict of arrays, one entry per row: ``n``, ``s``, ``var_s``, ``z``, ``p_value``, ``tau``,
    ``slope``, ``slope_low``, ``slope_high``, ``intercept`` (as :class:`MannKendallResult`; NaN below 3 values).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError("y must be a 2-d array of rows (series) by periods.")
    m, T = y.shape
    t = np.arange(T, dtype=float) if times is None else np.asarray(times, dtype=float)
    keys = ["n", "s", "var_s", "z", "p_value", "tau", "slope", "slope_low", "slope_high", "intercept"]
    if m == 0:
        return {k: np.empty(0, dtype=np.int64 if k == "n" else float) for k in keys}
    # Work in blocks of rows so that the pairwise arrays stay around 20 million entries.
    step = max(1, int(2e7 // max(T * T, 1)))
    parts = [_mk_block(y[a : a + step], t, alpha) for a in range(0, m, step)]
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def _direction(z, p, alpha: float):
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    out = np.where(np.isnan(p), "insufficient data", "no trend").astype(object)
    out[(p < alpha) & (z > 0)] = "increasing"
    out[(p < alpha) & (z < 0)] = "decreasing"
    return out


def mann_kendall(values, *, alpha: float = 0.05, times=None) -> MannKendallResult:
    """Mann-Kendall trend test with the Theil-Sen slope and its confidence interval.

    Parameters
    ----------
    values : array_like
        One value per period, in time order. NaN marks a missing (empty)
        period: it is dropped, and the others keep their period index as time,
        so a gap does not shift the slope.
    alpha : float, default 0.05
        Significance level for ``direction``; the slope interval has coverage
        ``1 - alpha``.
    times : array_like, optional
        Time of each value (default ``0, 1, 2, ...``); must be increasing.

    Returns
    -------
    MannKendallResult
        ``direction``, ``n``, ``s``, ``var_s``, ``z``, ``p_value``, ``tau``
        (tau-b), ``slope``, ``slope_low``, ``slope_high``, ``intercept``.

    Notes
    -----
    :math:`S = \\sum_{i<j} \\mathrm{sign}(x_j - x_i)`; under no trend its
    variance is :math:`[n(n-1)(2n+5) - \\sum_g t_g(t_g-1)(2t_g+5)]/18` over
    groups of tied values :math:`t_g` (Kendall 1975; Gilbert 1987, eq. 16.4),
    and :math:`z = (S - \\mathrm{sign}\\,S)/\\sqrt{\\mathrm{Var}\\,S}` is
    compared with the normal distribution (two-sided). ``tau`` is Kendall's
    tau-b, :math:`S/\\sqrt{n_0(n_0 - n_2)}` with :math:`n_0 = n(n-1)/2` and
    :math:`n_2` the tied pairs of values, so it equals
    ``scipy.stats.kendalltau(times, values)``; S and its variance are the same
    as there, while the p-value here carries the continuity correction (scipy's
    asymptotic p-value does not). The slope is the median of
    :math:`(x_j - x_i)/(t_j - t_i)` over all pairs, its interval Sen's (1968,
    eq. 2.6) rank interval with the same variance, as in
    ``scipy.stats.theilslopes(values, times, 1 - alpha)``. The test assumes
    independent periods: strong seasonality or autocorrelation inflates false
    trends. Fewer than 3 values give NaN statistics and ``"insufficient data"``.

    Examples
    --------
    A by-hand example (14 values, one tied pair: S = 54, Var S = 332.67):

    >>> x = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7]
    >>> r = mann_kendall(x)
    >>> r.direction, int(r.s), round(r.var_s, 2), round(r.z, 4), round(r.p_value, 4)
    ('increasing', 54, 332.67, 2.9058, 0.0037)
    """
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must lie strictly between 0 and 1, got {alpha!r}; use e.g. 0.05.")
    y = np.asarray(values, dtype=float).ravel()
    if times is not None:
        t = np.asarray(times, dtype=float).ravel()
        if len(t) != len(y):
            raise InputError(f"times has {len(t)} entries but values has {len(y)}; give one time per value.")
        if np.any(np.diff(t) <= 0):
            raise InputError("times must be strictly increasing; sort the series by period first.")
    else:
        t = None
    res = mann_kendall_rows(y[None, :], alpha=alpha, times=t)
    f = {k: float(v[0]) for k, v in res.items()}
    direction = str(_direction(res["z"], res["p_value"], alpha)[0])
    return MannKendallResult(
        direction=direction,
        n=int(res["n"][0]),
        s=f["s"],
        var_s=f["var_s"],
        z=f["z"],
        p_value=f["p_value"],
        tau=f["tau"],
        slope=f["slope"],
        slope_low=f["slope_low"],
        slope_high=f["slope_high"],
        intercept=f["intercept"],
        alpha=float(alpha),
    )
