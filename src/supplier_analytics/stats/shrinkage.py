"""Beta-binomial empirical Bayes: the prior fitted across suppliers, shrunk rates, posterior probabilities, rank intervals."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special
from scipy import stats as _st

from supplier_analytics.stats._common import as_counts, scalar_or_array

__all__ = ["fit_beta_binomial", "shrink_rate", "prob_below", "rank_interval", "beta_piecewise_mean"]


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
    k, n = as_counts(k, n)
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
    k, n = as_counts(k, n)
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (k + alpha) / (n + alpha + beta)
    return scalar_or_array(np.where(n > 0, out, np.nan))


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
    k, n = as_counts(k, n)
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    target = np.asarray(target, dtype=float)
    out = _st.beta.cdf(target, alpha + k, beta + n - k)
    return scalar_or_array(np.where((n > 0) & np.isfinite(target), out, np.nan))


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


def beta_piecewise_mean(alpha, beta, xs, ys, *, scale: float = 1.0) -> np.ndarray:
    r""":math:`E[f(X)]`, :math:`X = \text{scale} \cdot B`, :math:`B \sim \mathrm{Beta}(\alpha, \beta)`, for
    the piecewise-linear ``f`` through ``(xs, ys)`` (``xs`` increasing, flat beyond the ends), exactly.

    On a segment :math:`[x_i, x_{i+1}]` with slope :math:`s_i`, ``f`` is :math:`y_i + s_i (x - x_i)`, so its
    share of the mean is :math:`(y_i - s_i x_i)\,\Delta F + s_i\,\Delta G` with
    :math:`F(c) = I_{c/\text{scale}}(\alpha, \beta)` and
    :math:`G(c) = E[X; X < c] = \text{scale}\,\frac{\alpha}{\alpha+\beta} I_{c/\text{scale}}(\alpha+1, \beta)`.
    The result is kept inside the range of ``ys`` (rounding in the sums must not carry it out).

    >>> round(float(beta_piecewise_mean(90, 10, [0.5, 0.95], [0.0, 100.0])), 2)
    88.85
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    mean = a / (a + b) * scale
    u = np.clip(xs / scale, 0.0, 1.0)
    F = [special.betainc(a, b, x) for x in u]
    G = [mean * special.betainc(a + 1.0, b, x) for x in u]
    out = ys[0] * F[0] + ys[-1] * (1.0 - F[-1])
    for i in range(len(xs) - 1):
        slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])
        out = out + (ys[i] - slope * xs[i]) * (F[i + 1] - F[i]) + slope * (G[i + 1] - G[i])
    return np.clip(np.asarray(out, dtype=float), float(np.min(ys)), float(np.max(ys)))
