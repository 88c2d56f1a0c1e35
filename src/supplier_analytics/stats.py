"""Shared statistics: intervals for rates, empirical-Bayes shrinkage, tests.

Everything here is vectorised over numpy arrays (scalars work too), uses
numpy and scipy only, and imports nothing else of ours. Counts may be floats
(quantities of units), but must satisfy ``0 <= k <= n``; ``n == 0`` gives
NaN, never 0 or 1, because no data is not a rate.

Functions
---------
wilson_interval
    Wilson score interval of a binomial proportion.
fit_beta_binomial
    Empirical-Bayes beta prior across suppliers (maximum likelihood).
shrink_rate, prob_below
    Beta posterior mean, and posterior probability that the true rate is
    below a target.
rank_interval
    Interval of each item's rank over simulated draws (best = 1).
two_proportion_test
    Difference of two proportions with Newcombe's hybrid score interval and
    the pooled z-test p-value.
period_proportion_test
    The same difference when each side is a run of periods whose rates vary
    from period to period beyond binomial noise (quasi-binomial dispersion
    estimated from the period counts, with a working AR(1) correlation).
benjamini_hochberg
    False-discovery-rate control over many tests.
funnel_limits
    Control limits of a funnel plot around a target proportion.

References
----------
.. [1] E. B. Wilson, "Probable inference, the law of succession, and
   statistical inference", J. Amer. Statist. Assoc. 22 (1927) 209-212.
.. [2] R. G. Newcombe, "Two-sided confidence intervals for the single
   proportion: comparison of seven methods", Stat. Med. 17 (1998) 857-872;
   and "Interval estimation for the difference between independent
   proportions: comparison of eleven methods", Stat. Med. 17 (1998) 873-890.
.. [3] L. D. Brown, T. T. Cai, A. DasGupta, "Interval estimation for a
   binomial proportion", Statist. Sci. 16 (2001) 101-133.
.. [4] R. E. Kass, D. Steffey, "Approximate Bayesian inference in
   conditionally independent hierarchical models (parametric empirical Bayes
   models)", J. Amer. Statist. Assoc. 84 (1989) 717-726; and B. Efron,
   C. Morris, "Data analysis using Stein's estimator and its
   generalizations", J. Amer. Statist. Assoc. 70 (1975) 311-319.
.. [5] Y. Benjamini, Y. Hochberg, "Controlling the false discovery rate: a
   practical and powerful approach to multiple testing", J. R. Statist.
   Soc. B 57 (1995) 289-300.
.. [6] D. J. Spiegelhalter, "Funnel plots for comparing institutional
   performance", Stat. Med. 24 (2005) 1185-1202.
.. [7] R. W. M. Wedderburn, "Quasi-likelihood functions, generalized
   linear models, and the Gauss-Newton method", Biometrika 61 (1974)
   439-447; P. McCullagh, J. A. Nelder, *Generalized Linear Models*, 2nd
   ed., Chapman & Hall, 1989, sec. 4.5 (Pearson's estimate of the dispersion).

Examples
--------
>>> from supplier_analytics.stats import wilson_interval
>>> low, high = wilson_interval(8, 10)
>>> print(f"{float(low):.4f} {float(high):.4f}")
0.4902 0.9433
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize, special
from scipy import stats as _st

__all__ = [
    "wilson_interval",
    "fit_beta_binomial",
    "shrink_rate",
    "prob_below",
    "rank_interval",
    "two_proportion_test",
    "ProportionTest",
    "period_proportion_test",
    "PeriodProportionTest",
    "benjamini_hochberg",
    "funnel_limits",
    "funnel_outside",
]


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}; use e.g. 0.95.")
    return float(_st.norm.ppf(0.5 + confidence / 2.0))


def _counts(k, n, name_k: str = "k", name_n: str = "n") -> tuple[np.ndarray, np.ndarray]:
    """Broadcast counts to float arrays and check ``0 <= k <= n`` where defined."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    ok = np.isfinite(k) & np.isfinite(n)
    bad = ok & ((k < 0) | (n < 0) | (k > n * (1 + 1e-12) + 1e-9))
    if bad.any():
        i = np.flatnonzero(bad.ravel())[0]
        raise ValueError(
            f"counts must satisfy 0 <= {name_k} <= {name_n}, but {name_k}={float(k.ravel()[i])!r} and "
            f"{name_n}={float(n.ravel()[i])!r} at position {i}; check the numerator and denominator columns."
        )
    return k, n


def _out(x: np.ndarray):
    """Return a 0-d result as a numpy scalar, otherwise the array."""
    return x[()] if x.ndim == 0 else x


def _wilson(k: np.ndarray, n: np.ndarray, z) -> tuple[np.ndarray, np.ndarray]:
    """Wilson limits for checked counts with the normal quantile ``z`` (a scalar or an array like ``k``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = np.isfinite(k) & np.isfinite(n) & (n > 0)
        nn = np.where(valid, n, 1.0)
        p = np.where(valid, k, 0.0) / nn
        z2 = z * z
        denom = 1.0 + z2 / nn
        centre = (p + z2 / (2 * nn)) / denom
        half = z / denom * np.sqrt(np.maximum(p * (1 - p) / nn + z2 / (4 * nn * nn), 0.0))
        low = np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(valid, low, np.nan)
    high = np.where(valid, high, np.nan)
    return low, high


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
    low, high = _wilson(*_counts(k, n), _z(confidence))
    return _out(low), _out(high)


def _neg_loglik(theta, k, n):
    """Negative beta-binomial log-likelihood without the binomial coefficient.

    ``theta = (logit mu, log M)`` with ``alpha = mu M`` and ``beta = (1-mu) M``.
    ``log C(n, k)`` does not depend on the parameters and is left out, which
    also lets ``k`` and ``n`` be non-integer quantities.
    """
    mu = special.expit(theta[0])
    m = np.exp(theta[1])
    a, b = mu * m, (1.0 - mu) * m
    return -np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b))


def _neg_loglik_grad(theta, k, n):
    """:func:`_neg_loglik` and its gradient in ``theta`` (digamma terms), for L-BFGS without finite differences.

    With :math:`L = \\sum_i \\log B(k_i+a, n_i-k_i+b) - \\log B(a, b)`:
    :math:`\\partial L/\\partial a = \\sum_i \\psi(k_i+a) - \\psi(n_i+a+b) - \\psi(a) + \\psi(a+b)`, the same for
    ``b`` with :math:`n_i-k_i`; the chain rule gives :math:`\\partial a/\\partial \\mathrm{logit}\\,\\mu = M\\mu(1-\\mu)
    = -\\partial b/\\partial \\mathrm{logit}\\,\\mu` and :math:`\\partial a/\\partial \\log M = a`,
    :math:`\\partial b/\\partial \\log M = b`.
    """
    mu = special.expit(theta[0])
    m = np.exp(theta[1])
    a, b = mu * m, (1.0 - mu) * m
    value = -np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b))
    common = len(n) * special.digamma(a + b) - np.sum(special.digamma(n + m))
    da = np.sum(special.digamma(k + a)) - len(n) * special.digamma(a) + common
    db = np.sum(special.digamma(n - k + b)) - len(n) * special.digamma(b) + common
    g0 = (da - db) * m * mu * (1.0 - mu)
    g1 = da * a + db * b
    return value, -np.array([g0, g1])


def fit_beta_binomial(
    k,
    n,
    *,
    min_suppliers: int = 5,
    max_strength: float | None = None,
    fallback_strength: float = 2.0,
) -> tuple[float, float]:
    """Fit an empirical-Bayes beta prior to counts from many suppliers.

    Each supplier ``i`` has a true rate :math:`p_i \\sim \\mathrm{Beta}(\\alpha,
    \\beta)` and :math:`k_i \\sim \\mathrm{Binomial}(n_i, p_i)`; the prior is
    the one that makes the observed counts most likely (type-II maximum
    likelihood, Kass & Steffey 1989).

    Parameters
    ----------
    k, n : array_like
        Numerators and denominators per supplier; entries with ``n == 0`` or
        NaN are ignored.
    min_suppliers : int, default 5
        With fewer suppliers holding data, the spread between suppliers cannot
        be estimated; a weak prior is returned instead (see Notes).
    max_strength : float, optional
        Upper bound of the prior strength :math:`\\alpha + \\beta` (the number
        of pseudo-records the prior is worth). Default: the largest ``n``, so
        that the best-documented supplier always keeps at least half of the
        weight on its own data even when the suppliers show no spread at all.
    fallback_strength : float, default 2.0
        Strength of the weak prior used with too few suppliers.

    Returns
    -------
    alpha, beta : float
        Prior parameters, both > 0.

    Notes
    -----
    *Why maximum likelihood.* The method of moments (Kleinman's weighted
    estimator for unequal ``n``) is cheap but can return a negative variance
    and is inefficient when ``n`` varies by orders of magnitude, as supplier
    volumes do. The likelihood
    :math:`\\sum_i \\log B(k_i+\\alpha, n_i-k_i+\\beta) - \\log B(\\alpha,\\beta)`
    (``scipy.stats.betabinom.logpmf`` less the constant binomial coefficient)
    is maximised with L-BFGS-B over :math:`(\\mathrm{logit}\\,\\mu,
    \\log(\\alpha+\\beta))`, started from the moment estimate. The
    parametrisation keeps both parameters positive and the bounds make the
    fit robust:

    - *No overdispersion* (suppliers differ no more than chance): the
      likelihood keeps rising as :math:`\\alpha+\\beta \\to \\infty`; the fit
      stops at ``max_strength``.
    - :math:`\\mu` is bounded to ``expit(+-20)`` so both parameters stay
      positive.
    - *Fewer than* ``min_suppliers`` *suppliers with data, or every supplier
      at 0 % (or every one at 100 %)*, so that no spread between suppliers
      can be seen: no fit; the prior
      is centred on the pooled rate with a Jeffreys-style correction,
      :math:`\\mu = (\\sum k + 1/2)/(\\sum n + 1)`, and worth
      ``fallback_strength`` records: it tempers 0/3 and 3/3 but hardly moves
      a supplier with real volume.

    Examples
    --------
    >>> a, b = fit_beta_binomial([3, 2950], [3, 3000])  # too few suppliers
    >>> round(a / (a + b), 4), round(a + b, 1)
    (0.9832, 2.0)
    """
    k, n = _counts(k, n)
    k, n = k.ravel(), n.ravel()
    keep = np.isfinite(k) & np.isfinite(n) & (n > 0)
    k, n = k[keep], n[keep]
    order = np.lexsort((k, n))  # a fixed order of summation: the fit does not depend on row order
    k, n = k[order], n[order]
    total_k, total_n = k.sum(), n.sum()
    degenerate = total_k <= 0 or total_k >= total_n
    if len(n) < max(int(min_suppliers), 2) or degenerate:
        mu = (total_k + 0.5) / (total_n + 1.0)
        return float(mu * fallback_strength), float((1 - mu) * fallback_strength)

    cap = float(n.max()) if max_strength is None else float(max_strength)
    cap = max(cap, 1.0)
    lo_m, hi_m = np.log(1e-3), np.log(cap)

    # Start from the method of moments (Kleinman 1973) for unequal n.
    pbar = k.sum() / n.sum()
    pbar0 = float(np.clip(pbar, 1e-6, 1 - 1e-6))
    s = np.sum(n * (k / n - pbar) ** 2)
    nsum = n.sum()
    denom = nsum - np.sum(n**2) / nsum - (len(n) - 1)
    rho = (s / (pbar0 * (1 - pbar0)) - (len(n) - 1)) / denom if denom > 0 else 0.0
    rho = float(np.clip(rho, 1.0 / (cap + 1.0), 1 - 1e-6))
    m0 = float(np.clip(1.0 / rho - 1.0, np.exp(lo_m), cap))
    x0 = np.array([special.logit(pbar0), np.log(m0)])

    res = optimize.minimize(
        _neg_loglik_grad,
        x0,
        args=(k, n),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-20.0, 20.0), (lo_m, hi_m)],
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500},
    )
    theta = res.x if np.all(np.isfinite(res.x)) else x0
    mu = float(special.expit(theta[0]))
    m = float(np.exp(theta[1]))
    return mu * m, (1.0 - mu) * m


def shrink_rate(k, n, alpha, beta):
    """Posterior mean of a rate under a ``Beta(alpha, beta)`` prior.

    Parameters
    ----------
    k, n : array_like
        Successes and trials per supplier.
    alpha, beta : float or array_like
        Prior (e.g. from :func:`fit_beta_binomial`), broadcast against ``k``.

    Returns
    -------
    ndarray
        :math:`(k + \\alpha)/(n + \\alpha + \\beta)`; NaN where ``n == 0``:
        without data no rate is invented, not even the prior mean.

    Examples
    --------
    >>> [round(float(x), 4) for x in shrink_rate([3, 2950, 0], [3, 3000, 0], 18.0, 2.0)]
    [0.913, 0.9828, nan]
    """
    k, n = _counts(k, n)
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (k + alpha) / (n + alpha + beta)
    return _out(np.where(n > 0, out, np.nan))


def prob_below(k, n, alpha, beta, target):
    """Posterior probability that the true rate is below ``target``.

    The posterior of a supplier with ``k`` of ``n`` under a ``Beta(alpha,
    beta)`` prior is ``Beta(alpha + k, beta + n - k)``; this returns its
    distribution function at ``target`` (``scipy.stats.beta.cdf``).

    Returns
    -------
    ndarray
        Probabilities in [0, 1]; NaN where ``n == 0`` or ``target`` is NaN.

    Examples
    --------
    >>> round(float(prob_below(9, 10, 1.0, 1.0, 0.95)), 4)  # Beta(10, 2) at 0.95
    0.8981
    """
    k, n = _counts(k, n)
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    target = np.asarray(target, dtype=float)
    out = _st.beta.cdf(target, alpha + k, beta + n - k)
    return _out(np.where((n > 0) & np.isfinite(target), out, np.nan))


def rank_interval(draws, confidence: float = 0.95):
    """Interval of each row's rank across the columns of simulated draws, the highest value ranked 1.

    Parameters
    ----------
    draws : array_like, shape (items, draws)
        One row per item (a supplier), one column per draw (e.g. a posterior
        draw of its score); higher is better. Rows holding NaN are not ranked.
    confidence : float, default 0.95
        Share of the draws the interval holds: the ranks at the lower and upper
        ``(1 - confidence) / 2`` quantiles (whole ranks, the interval widened
        to the next rank rather than narrowed).

    Returns
    -------
    low, high : ndarray of float
        Best and worst rank of the interval; NaN for rows that are not ranked.
        Ties within a draw share the better rank.

    Examples
    --------
    >>> low, high = rank_interval([[3.0, 3.0, 1.0, 3.0], [2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 3.0, 1.0]], 0.5)
    >>> low.tolist(), high.tolist()
    ([1.0, 2.0, 1.0], [3.0, 2.0, 3.0])
    """
    x = np.asarray(draws, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"draws must be a 2-d array (items x draws), got {x.ndim} dimensions.")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}; use e.g. 0.95.")
    ok = ~np.isnan(x).any(axis=1)
    low = np.full(len(x), np.nan)
    high = np.full(len(x), np.nan)
    if not ok.any() or x.shape[1] == 0:
        return low, high
    v = np.ascontiguousarray(-x[ok].T)  # draws x items, sorted ascending: the highest value first
    order = np.argsort(v, axis=1)
    srt = np.take_along_axis(v, order, axis=1)
    # rank = 1 + number of strictly better items: ties share the position of their first
    first = np.ones(srt.shape, dtype=bool)
    first[:, 1:] = srt[:, 1:] != srt[:, :-1]
    pos = np.where(first, np.arange(srt.shape[1], dtype=np.int32)[None, :], 0)
    np.maximum.accumulate(pos, axis=1, out=pos)
    ranks = np.empty(v.shape, dtype=np.float32)
    np.put_along_axis(ranks, order, (pos + 1).astype(np.float32), axis=1)
    tail = (1.0 - confidence) / 2.0
    ranks.sort(axis=0)
    last = v.shape[0] - 1
    low[ok] = ranks[int(np.floor(tail * last))]  # numpy's "lower" and "higher" quantiles of the ranks
    high[ok] = ranks[int(np.ceil((1.0 - tail) * last))]
    return low, high


class ProportionTest(NamedTuple):
    """Result of :func:`two_proportion_test` (arrays, or scalars for scalar input)."""

    difference: np.ndarray
    low: np.ndarray
    high: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray


def two_proportion_test(k1, n1, k2, n2, *, confidence: float = 0.95) -> ProportionTest:
    """Compare two independent proportions ``k1/n1`` and ``k2/n2``.

    Parameters
    ----------
    k1, n1 : array_like
        First sample (e.g. the earlier period).
    k2, n2 : array_like
        Second sample (e.g. the later period).
    confidence : float, default 0.95
        Coverage of the interval for the difference.

    Returns
    -------
    ProportionTest
        ``difference = k1/n1 - k2/n2``; ``low``, ``high``: Newcombe's hybrid
        score interval (method 10 of Newcombe 1998), built from the two Wilson
        intervals, which behaves well at 0 % and 100 % where the Wald interval
        fails; ``statistic``: the pooled z statistic; ``p_value``: its
        two-sided p-value (equal to Pearson's chi-square test of the 2 x 2
        table without continuity correction). NaN where either ``n`` is 0.

    Examples
    --------
    Newcombe's (1998) example 56/70 against 48/80:

    >>> t = two_proportion_test(56, 70, 48, 80)
    >>> round(float(t.difference), 4), round(float(t.low), 4), round(float(t.high), 4)
    (0.2, 0.0524, 0.3339)
    """
    k1, n1 = _counts(k1, n1, "k1", "n1")
    k2, n2 = _counts(k2, n2, "k2", "n2")
    l1, u1 = (np.asarray(x, dtype=float) for x in wilson_interval(k1, n1, confidence))
    l2, u2 = (np.asarray(x, dtype=float) for x in wilson_interval(k2, n2, confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1 / n1, k2 / n2
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        zstat = np.where(se > 0, d / np.where(se > 0, se, 1.0), 0.0)
    valid = (n1 > 0) & (n2 > 0)
    zstat = np.where(valid, zstat, np.nan)
    pval = np.where(valid, 2 * _st.norm.sf(np.abs(zstat)), np.nan)
    d = np.where(valid, d, np.nan)
    return ProportionTest(
        _out(d), _out(np.where(valid, low, np.nan)), _out(np.where(valid, high, np.nan)), _out(zstat), _out(pval)
    )


class PeriodProportionTest(NamedTuple):
    """Result of :func:`period_proportion_test`: one entry per row (arrays)."""

    difference: np.ndarray
    low: np.ndarray
    high: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    #: variance of each side's rate over its binomial variance (1: no variation between periods)
    design_effect_1: np.ndarray
    design_effect_2: np.ndarray
    #: excess variance between periods, as a share of the binomial variance ``p(1-p)`` (0: none)
    excess: np.ndarray
    #: degrees of freedom of the t reference
    df: np.ndarray
    #: periods with records on each side
    periods_1: np.ndarray
    periods_2: np.ndarray


def _period_counts(k, n, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows x periods float matrices (a 1-d input is one period per row); NaN counts are empty periods."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if k.ndim == 1:
        k = k[:, None]
    if n.ndim == 1:
        n = n[:, None]
    if k.ndim != 2 or k.shape != n.shape:
        raise ValueError(
            f"{name}: k and n must be matrices of the same shape, rows x periods; got {k.shape} and {n.shape}."
        )
    k, n = _counts(k, n, f"{name} k", f"{name} n")
    empty = ~(np.isfinite(k) & np.isfinite(n) & (n > 0))
    return np.where(empty, 0.0, k), np.where(empty, 0.0, n)


def period_proportion_test(
    k1,
    n1,
    k2,
    n2,
    *,
    confidence: float = 0.95,
    autocorrelation: float = 0.5,
    pool=None,
    prior_df: float = 20.0,
) -> PeriodProportionTest:
    """Compare two proportions, each side a run of periods whose rate varies from period to period.

    :func:`two_proportion_test` takes every record as an independent trial;
    real rates also move from month to month (a carrier, a shift, a batch),
    so the difference of two windows varies far more than binomial noise
    says. Here that variation is estimated from the period counts of the two
    sides and added to the variance of each side's rate.

    Parameters
    ----------
    k1, n1 : array_like, rows x periods
        Side 1 (e.g. the later window): records with the flag and records per
        period, in time order, one row per comparison. A period with ``n == 0``
        or NaN is empty: it keeps its place in time but adds nothing. A 1-d
        input is one period per row.
    k2, n2 : array_like, rows x periods
        Side 2 (e.g. the earlier window); may have another number of periods.
    confidence : float, default 0.95
        Coverage of the interval for the difference.
    autocorrelation : float, default 0.5
        Working lag-1 correlation ``rho`` of the period-to-period variation
        within a side (AR(1): periods ``d`` apart correlate ``rho**d``);
        0 treats periods as independent (the plain quasi-binomial test).
    pool : array_like, optional
        A label per row (e.g. the metric): rows with the same label share
        their estimate of the variation between periods (see Notes). Without
        it each row estimates its own, which with a few periods a side leaves
        about one degree of freedom.
    prior_df : float, default 20
        With ``pool``: at most this many degrees of freedom are credited to the
        other rows' estimate when it is combined with the row's own.

    Returns
    -------
    PeriodProportionTest
        ``difference`` (side 1 - side 2 of the rates ``K/N`` over all
        periods), ``low``/``high`` (Newcombe's interval from Wilson intervals of
        the effective counts ``K/d``, ``N/d`` with the t quantile),
        ``statistic`` (t), ``p_value`` (two-sided), the design effects ``d``
        of both sides, ``excess``, ``df``, and the periods of each side.

    Notes
    -----
    Side ``s`` has periods ``j`` with counts ``k_j`` of ``n_j``, rate
    :math:`m_s = K_s/N_s`, weights :math:`w_j = n_j/N_s` and
    :math:`G_s = \\sum_{i,j} w_i w_j \\rho^{|t_i - t_j|}` (``t`` the period's
    column). The model: each period's rate is the side's rate plus a
    deviation of variance :math:`\\theta\\, m(1-m)` (correlated
    :math:`\\rho^{|t_i-t_j|}`), plus binomial noise. Pearson's statistic
    :math:`X^2 = \\sum_s \\sum_j (k_j - n_j m_s)^2 / (n_j m_s (1 - m_s))`
    then has expectation :math:`\\sum_s (J_s - 1) + \\theta \\sum_s N_s (1 - G_s)`,
    which gives :math:`\\hat\\theta = \\max(0, (X^2 - \\sum_s (J_s-1)) / \\sum_s N_s(1-G_s))`
    and the design effect :math:`d_s = 1 + \\hat\\theta N_s G_s` (the variance
    of :math:`m_s` over its binomial variance). Sides with a rate of 0 or 1
    carry no information on the variation and are left out of this estimate.
    The statistic is the pooled z of :func:`two_proportion_test` with each side's
    variance multiplied by :math:`d_s`; it is referred to Student's t with
    :math:`\\nu = \\sum_s (1/G_s - 1)` degrees of freedom: per side, the
    effective number of independent periods (Kish's :math:`1/G_s`) less one.
    With ``autocorrelation=0`` and equal ``n`` in every period this is the
    quasi-binomial test (Wedderburn 1974; McCullagh & Nelder 1989):
    :math:`d_s = \\max(1, X^2/(J-2))`, Pearson's dispersion, and :math:`\\nu = J - 2`.
    Three periods a side at ``rho = 0.5`` are worth 1.6 independent ones
    (:math:`\\nu = 1.3`): short windows test weakly, as they should.
    The covariance between the two sides is left out: for positively
    correlated periods it only makes the test more conservative. A side with
    one period cannot show variation; callers decide whether to test it.

    **Pooling** (``pool``). Each row ``i`` gives a moment equation
    :math:`a_i = X^2_i - \\sum_s (J_s - 1)` with expectation
    :math:`\\theta\\, w_i`, :math:`w_i = \\sum_s N_s(1 - G_s)`, and its own
    :math:`\\nu_i` effective degrees of freedom. The other rows ``j`` of the
    same label estimate :math:`\\theta_{-i} = \\sum_j a_j / \\sum_j w_j` with
    :math:`\\nu_{-i} = \\sum_j \\nu_j`; the row then uses the weighted average
    :math:`\\hat\\theta_i = \\max(0, (\\nu_0 \\theta_{-i} + \\nu_i a_i/w_i) / (\\nu_0 + \\nu_i))`
    with :math:`\\nu_0 = \\min(\\nu_{-i}, \\text{prior\\_df})`, and t with
    :math:`\\nu_0 + \\nu_i` degrees of freedom: an empirical-Bayes (limma-like,
    Smyth 2004) compromise that keeps a short window's power while a supplier
    whose own months scatter more still weighs in. ``excess`` reports
    :math:`\\hat\\theta_i`.

    Examples
    --------
    Three months on each side, 100 lines a month; the monthly rates scatter
    (0.95, 0.85, 0.92, then 0.80, 0.90, 0.78), so the difference of 0.08 that
    a binomial test calls clear (p = 0.004) is not:

    >>> t = period_proportion_test([[80, 90, 78]], [[100] * 3], [[95, 85, 92]], [[100] * 3], autocorrelation=0.0)
    >>> round(float(t.difference[0]), 4), round(float(t.design_effect_1[0]), 3), round(float(t.p_value[0]), 4)
    (-0.08, 2.998, 0.1713)

    Pooled with suppliers whose months scatter little, the same windows have
    many more degrees of freedom and the drop is clear:

    >>> calm = [[90, 91, 89]] * 4
    >>> t = period_proportion_test([[80, 90, 78]] + calm, [[100] * 3] * 5, [[95, 85, 92]] + calm,
    ...                            [[100] * 3] * 5, autocorrelation=0.0, pool=["otif"] * 5)
    >>> round(float(t.df[0]), 1), round(float(t.p_value[0]), 4) < 0.05
    (20.0, True)
    """
    _z(confidence)  # checks the level
    if not -1.0 < autocorrelation < 1.0:
        raise ValueError(f"autocorrelation must lie strictly between -1 and 1, got {autocorrelation!r}; use e.g. 0.5.")
    sides = [_period_counts(k1, n1, "side 1"), _period_counts(k2, n2, "side 2")]
    if sides[0][0].shape[0] != sides[1][0].shape[0]:
        raise ValueError("both sides need one row per comparison.")
    rows = sides[0][0].shape[0]
    if pool is not None:
        pool = np.broadcast_to(np.asarray(pool, dtype=object), (rows,))
    if not prior_df >= 0:
        raise ValueError(f"prior_df must be 0 or more, got {prior_df!r}; use e.g. 20.")
    per = []
    x2 = 0.0
    resid_df = 0.0
    weight = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, n in sides:
            T = k.shape[1]
            K, N = k.sum(1), n.sum(1)
            J = (n > 0).sum(1)
            m = np.where(N > 0, K / np.where(N > 0, N, 1.0), np.nan)
            w = n / np.where(N > 0, N, 1.0)[:, None]
            lags = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
            C = float(autocorrelation) ** lags
            G = np.einsum("ri,ij,rj->r", w, C, w)
            informative = (N > 0) & (m > 0) & (m < 1)
            mq = np.where(informative, m * (1 - m), 1.0)
            terms = np.where(n > 0, (k - n * np.nan_to_num(m)[:, None]) ** 2 / np.where(n > 0, n, 1.0), 0.0)
            x2 = x2 + np.where(informative, terms.sum(1) / mq, 0.0)
            resid_df = resid_df + np.where(informative, J - 1.0, 0.0)
            weight = weight + np.where(informative, N * (1.0 - G), 0.0)
            per.append((K, N, J, G))
        theta = np.where(weight > 0, np.maximum(x2 - resid_df, 0.0) / np.where(weight > 0, weight, 1.0), 0.0)
        (K1, N1, J1, G1), (K2, N2, J2, G2) = per
        df = np.maximum(1.0 / G1 - 1.0, 0.0) + np.maximum(1.0 / G2 - 1.0, 0.0)
        if pool is not None:
            theta, df = _pooled_excess(x2 - resid_df, weight, df, pool, float(prior_df))
        d1, d2 = 1.0 + theta * N1 * G1, 1.0 + theta * N2 * G2
        p1, p2 = K1 / N1, K2 / N2
        diff = p1 - p2
        pooled = (K1 + K2) / (N1 + N2)
        pq = pooled * (1.0 - pooled)
        var = pq * (d1 / N1 + d2 / N2)
        stat = np.where(var > 0, diff / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    valid = (N1 > 0) & (N2 > 0)
    df = np.where(valid & (df > 0), df, np.nan)
    valid = valid & (df > 0)
    pval = np.where(valid, 2.0 * _st.t.sf(np.abs(stat), df), np.nan)
    # Newcombe's interval from the effective counts, with the t quantile in place of the normal one
    zq = _st.t.ppf(0.5 + confidence / 2.0, np.where(valid, df, 1.0))
    l1, u1 = _wilson(K1 / d1, N1 / d1, zq)
    l2, u2 = _wilson(K2 / d2, N2 / d2, zq)
    with np.errstate(invalid="ignore"):
        low = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    nan = np.where(valid, 0.0, np.nan)
    return PeriodProportionTest(
        difference=diff + nan,
        low=low + nan,
        high=high + nan,
        statistic=np.where(valid, stat, np.nan),
        p_value=pval,
        design_effect_1=d1 + nan,
        design_effect_2=d2 + nan,
        excess=theta + nan,
        df=df,
        periods_1=J1,
        periods_2=J2,
    )


def _pooled_excess(a, w, nu, pool, prior_df: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the excess ``theta`` combined with the other rows of its pool, and the t degrees of freedom.

    ``a`` is each row's moment (Pearson's X^2 less its residual degrees of freedom), ``w`` its weight
    (``theta`` multiplies it in expectation; 0 when the row says nothing about the variation) and ``nu``
    its own effective degrees of freedom (see :func:`period_proportion_test`, Notes).
    """
    a = np.asarray(a, dtype=float) * np.ones(len(pool))
    w = np.asarray(w, dtype=float) * np.ones(len(pool))
    nu = np.asarray(nu, dtype=float) * np.ones(len(pool))
    own = (w > 0) & np.isfinite(a)
    a, w, nu_own = np.where(own, a, 0.0), np.where(own, w, 0.0), np.where(own, nu, 0.0)
    codes = np.unique(np.asarray([str(x) for x in pool]), return_inverse=True)[1].ravel()
    A = np.bincount(codes, weights=a)[codes] - a
    W = np.bincount(codes, weights=w)[codes] - w
    V = np.bincount(codes, weights=nu_own)[codes] - nu_own
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(W > 0, A / np.where(W > 0, W, 1.0), 0.0)
        nu0 = np.where(W > 0, np.minimum(V, prior_df), 0.0)
        mine = np.where(own, a / np.where(own, w, 1.0), 0.0)
        total = nu0 + nu_own
        theta = np.where(total > 0, (nu0 * rest + nu_own * mine) / np.where(total > 0, total, 1.0), 0.0)
    return np.maximum(theta, 0.0), nu0 + nu


def benjamini_hochberg(p, q: float = 0.05):
    """Benjamini-Hochberg false-discovery-rate control.

    Parameters
    ----------
    p : array_like
        p-values; NaN entries (no test possible) are left out of the count of
        tests and are never rejected.
    q : float, default 0.05
        False discovery rate to control.

    Returns
    -------
    reject : ndarray of bool
        Which hypotheses are rejected (signals to act on).
    p_adjusted : ndarray of float
        BH-adjusted p-values (``reject == p_adjusted <= q``), NaN where ``p``
        is NaN.

    Examples
    --------
    >>> reject, adj = benjamini_hochberg([0.01, 0.02, 0.03, 0.5])
    >>> reject.tolist(), [round(float(x), 4) for x in adj]
    ([True, True, True, False], [0.04, 0.04, 0.04, 0.5])
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}; use e.g. 0.05.")
    p = np.asarray(p, dtype=float)
    shape = p.shape
    p = p.ravel()
    finite = np.isfinite(p)
    if ((p[finite] < 0) | (p[finite] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]; pass probabilities, not test statistics.")
    adj = np.full(p.shape, np.nan)
    pv = p[finite]
    m = len(pv)
    if m:
        order = np.argsort(pv, kind="stable")
        ranked = pv[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(ranked, 1.0)
        adj[finite] = out
    reject = np.where(finite, adj <= q, False)
    return reject.reshape(shape), adj.reshape(shape)


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
