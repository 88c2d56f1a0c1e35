"""Intervals for proportions and funnel-plot limits."""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from supplier_analytics.stats._common import as_counts, scalar_or_array, wilson_bounds, z_value

__all__ = ["wilson_interval", "funnel_limits", "funnel_outside"]


def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion ``k / n``.

    Parameters
    ----------
    k : array_like
        Successes (numerator), ``0 <= k <= n``.
    n : array_like
        Trials (denominator). Where ``n == 0`` (or NaN) both limits are NaN.
    confidence : float, default 0.95
        Two-sided coverage.

    Returns
    -------
    low, high : ndarray (or numpy scalars for scalar input)
        Limits in [0, 1]. ``k == 0`` gives ``low == 0`` and ``k == n`` gives
        ``high == 1`` exactly.

    Notes
    -----
    With :math:`\\hat p = k/n` and :math:`z` the normal quantile,

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    (Wilson 1927). Newcombe (1998) and Brown, Cai & DasGupta (2001)
    recommend it over the Wald interval, which collapses to zero width at
    0 % and 100 %, exactly where small suppliers sit.

    Examples
    --------
    >>> low, high = wilson_interval([0, 8, 10], [10, 10, 10])
    >>> [round(float(x), 4) for x in low]
    [0.0, 0.4902, 0.7225]
    >>> [round(float(x), 4) for x in high]
    [0.2775, 0.9433, 1.0]
    """
    low, high = wilson_bounds(*as_counts(k, n), z_value(confidence))
    return scalar_or_array(low), scalar_or_array(high)


def funnel_limits(p0, n, z: float = 1.959963984540054, *, method: str = "exact"):
    """Control limits of a funnel plot for a proportion with target ``p0``.

    Parameters
    ----------
    p0 : float
        Target (usually the pooled rate of all suppliers), in [0, 1].
    n : array_like
        Denominators (volumes) at which to compute the limits.
    z : float, default 1.96
        Normal quantile of the limit: 1.96 for 95 %, 3.09 for 99.8 %.
    method : {"exact", "normal"}, default "exact"
        ``"exact"``: binomial quantiles interpolated between integers as in
        Spiegelhalter (2005, appendix A.1.1), which keeps the limits inside
        [0, 1] and asymmetric where they should be; ``"normal"``:
        :math:`p_0 \\pm z\\sqrt{p_0(1-p_0)/n}`, clipped to [0, 1].

    Returns
    -------
    low, high : ndarray
        NaN where ``n <= 0``.

    Examples
    --------
    >>> low, high = funnel_limits(0.9, [100], method="normal")
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.8412, 0.9588)
    """
    p0 = float(p0)
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0!r}.")
    n = np.asarray(n, dtype=float)
    valid = np.isfinite(n) & (n > 0)
    nn = np.where(valid, n, 1.0)
    if method == "normal":
        half = z * np.sqrt(p0 * (1 - p0) / nn)
        low, high = np.clip(p0 - half, 0, 1), np.clip(p0 + half, 0, 1)
    elif method == "exact":
        nn = np.round(nn)

        def limit(prob):
            r = _st.binom.ppf(prob, nn, p0)
            f_r = _st.binom.cdf(r, nn, p0)
            f_r1 = _st.binom.cdf(r - 1, nn, p0)
            with np.errstate(invalid="ignore", divide="ignore"):
                a = np.where(f_r > f_r1, (f_r - prob) / (f_r - f_r1), 0.0)
            return np.clip((r - a) / nn, 0.0, 1.0)

        low, high = limit(_st.norm.cdf(-z)), limit(_st.norm.cdf(z))
    else:
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}.")
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def funnel_outside(k, n, p0, z: float = 3.090232306167813):
    """Which counts lie outside the funnel: -1 below, +1 above, 0 inside (NaN-safe: 0 where n <= 0).

    The decision is exact: ``k`` is above when it exceeds the binomial quantile
    ``ppf(Phi(z))`` and below when it is under ``ppf(1 - Phi(z))``, with ``n``
    trials at rate ``p0``. (The interpolated limits of :func:`funnel_limits` are
    for drawing; at small ``n`` they fall just short of 100 %, which would wrongly
    flag every supplier with few records and none failed.)

    Examples
    --------
    >>> funnel_outside([1, 4, 50, 74, 99], [1, 4, 100, 100, 100], 0.74).tolist()
    [0, 0, -1, 0, 1]
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    valid = np.isfinite(k) & np.isfinite(n) & (n > 0)
    nn = np.where(valid, np.round(n), 1.0)
    upper_p = float(_st.norm.cdf(z))
    high = _st.binom.ppf(upper_p, nn, float(p0))
    low = _st.binom.ppf(1.0 - upper_p, nn, float(p0))
    out = np.where(k > high, 1, np.where(k < low, -1, 0))
    return np.where(valid, out, 0).astype(int)
