"""Tests of supplier_analytics.stats against textbook values, hand algebra and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from supplier_analytics.stats import (
    benjamini_hochberg,
    estimate_autocorrelation,
    fit_beta_binomial,
    funnel_limits,
    period_proportion_test,
    prob_below,
    shrink_rate,
    two_proportion_test,
    wilson_interval,
)

# ---------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # Brown, Cai & DasGupta 2001; Newcombe 1998
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, table II
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_textbook_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert round(float(lo), 4) == low
    assert round(float(hi), 4) == high


def test_wilson_extremes_are_exact_and_zero_n_is_nan():
    lo, hi = wilson_interval([0, 5, 0, np.nan], [5, 5, 0, 5])
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy(confidence):
    ks = np.array([0, 1, 7, 33, 50, 99, 100])
    lo, hi = wilson_interval(ks, 100, confidence=confidence)
    for k, a, b in zip(ks, lo, hi):
        ci = st.binomtest(int(k), 100).proportion_ci(confidence_level=confidence, method="wilson")
        assert a == pytest.approx(ci.low, abs=1e-12)
        assert b == pytest.approx(ci.high, abs=1e-12)


def test_wilson_rejects_numerator_above_denominator():
    with pytest.raises(ValueError, match=r"0 <= k <= n, but k=6.0 and n=5.0 at position 1"):
        wilson_interval([1, 6], [5, 5])
    with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
        wilson_interval(1, 5, confidence=95)


# ---------------------------------------------------------- beta-binomial


@pytest.mark.parametrize(("alpha", "beta"), [(18.0, 2.0), (2.0, 5.0), (40.0, 40.0)])
def test_fit_beta_binomial_recovers_simulated_prior(alpha, beta):
    rng = np.random.default_rng(20260101)
    n = rng.integers(20, 400, size=500)
    k = rng.binomial(n, rng.beta(alpha, beta, size=500))
    a, b = fit_beta_binomial(k, n)
    assert a / (a + b) == pytest.approx(alpha / (alpha + beta), rel=0.03)
    assert a + b == pytest.approx(alpha + beta, rel=0.25)


def test_fit_is_the_maximum_of_scipy_betabinom_likelihood():
    rng = np.random.default_rng(7)
    n = rng.integers(5, 300, size=80)
    k = rng.binomial(n, rng.beta(9.0, 3.0, size=80))
    a, b = fit_beta_binomial(k, n)

    def loglik(a_, b_):
        return st.betabinom.logpmf(k, n, a_, b_).sum()

    best = loglik(a, b)
    for fa, fb in [(1.1, 1.0), (0.9, 1.0), (1.0, 1.1), (1.0, 0.9), (1.1, 1.1), (0.9, 0.9)]:
        assert loglik(a * fa, b * fb) < best


def test_no_overdispersion_caps_strength_at_largest_n():
    rng = np.random.default_rng(3)
    n = rng.integers(20, 400, size=200)
    k = rng.binomial(n, 0.9)  # every supplier has the same true rate
    a, b = fit_beta_binomial(k, n)
    assert a / (a + b) == pytest.approx(k.sum() / n.sum(), abs=0.005)
    assert a + b == pytest.approx(n.max(), rel=1e-3)
    a, b = fit_beta_binomial(k, n, max_strength=50.0)
    assert a + b == pytest.approx(50.0, rel=1e-3)


def test_all_zero_or_all_full_counts_fall_back_to_weak_prior():
    # no supplier ever failed: no spread to estimate; centre (0 + 0.5) / (3000 + 1), worth 2 records
    a, b = fit_beta_binomial(np.zeros(30), np.full(30, 100.0))
    assert (a, b) == pytest.approx((2 * 0.5 / 3001, 2 * 3000.5 / 3001))
    a, b = fit_beta_binomial(np.full(30, 100.0), np.full(30, 100.0))
    assert (a, b) == pytest.approx((2 * 3000.5 / 3001, 2 * 0.5 / 3001))


def test_few_suppliers_fall_back_to_weak_pooled_prior():
    # (3 + 2950 + 0.5) / (3 + 3000 + 1) = 2953.5 / 3004, worth 2 records
    a, b = fit_beta_binomial([3, 2950, 0], [3, 3000, 0])
    mu = 2953.5 / 3004
    assert (a, b) == pytest.approx((2 * mu, 2 * (1 - mu)))
    a, b = fit_beta_binomial([0, 0, 0, 0, 0], [10, 10, 10, 10, 10], min_suppliers=6, fallback_strength=10)
    assert (a, b) == pytest.approx((10 * 0.5 / 51, 10 * 50.5 / 51))


def test_shrink_rate_by_hand():
    out = shrink_rate([3, 2950, 0, 0], [3, 3000, 0, 10], 18.0, 2.0)
    assert out[0] == pytest.approx(21 / 23)
    assert out[1] == pytest.approx(2968 / 3020)
    assert np.isnan(out[2])
    assert out[3] == pytest.approx(18 / 30)
    # the prior pulls 3/3 below 2950/3000
    assert out[0] < out[1]


def test_prob_below_by_hand_and_against_scipy():
    # uniform prior, 3 of 3: posterior Beta(4, 1), cdf x**4
    assert prob_below(3, 3, 1.0, 1.0, 0.95) == pytest.approx(0.95**4)
    # Beta(10, 2): cdf 11 x**10 - 10 x**11
    assert prob_below(9, 10, 1.0, 1.0, 0.9) == pytest.approx(11 * 0.9**10 - 10 * 0.9**11)
    k, n = np.array([5, 90, 290]), np.array([10, 100, 300])
    got = prob_below(k, n, 18.0, 2.0, 0.95)
    assert got == pytest.approx(st.beta.cdf(0.95, 18 + k, 2 + n - k))
    assert np.isnan(prob_below(0, 0, 1.0, 1.0, 0.9))


# ------------------------------------------------------- two proportions


def test_two_proportion_newcombe_example():
    t = two_proportion_test(56, 70, 48, 80)
    assert float(t.difference) == pytest.approx(0.2)
    assert round(float(t.low), 4) == 0.0524
    assert round(float(t.high), 4) == 0.3339


def test_two_proportion_p_value_matches_chi_square():
    k1, n1, k2, n2 = np.array([56, 5, 90]), np.array([70, 20, 100]), np.array([48, 9, 95]), np.array([80, 21, 100])
    t = two_proportion_test(k1, n1, k2, n2)
    for i in range(3):
        table = [[k1[i], n1[i] - k1[i]], [k2[i], n2[i] - k2[i]]]
        chi2, p, _, _ = st.chi2_contingency(table, correction=False)
        assert t.p_value[i] == pytest.approx(p)
        assert t.statistic[i] ** 2 == pytest.approx(chi2)


def test_two_proportion_empty_sample_is_nan():
    t = two_proportion_test([0, 3], [0, 5], [2, 2], [4, 4])
    assert np.isnan(t.difference[0]) and np.isnan(t.p_value[0]) and np.isnan(t.low[0])
    assert t.difference[1] == pytest.approx(0.1)
    # identical proportions: no evidence of change
    same = two_proportion_test(5, 10, 5, 10)
    assert float(same.p_value) == 1.0 and float(same.statistic) == 0.0


# ------------------------------------------------------ Benjamini-Hochberg


def test_benjamini_hochberg_hand_example():
    # sorted p: 0.005, 0.01, 0.03, 0.2 ; p*m/rank: 0.02, 0.02, 0.04, 0.2
    reject, adj = benjamini_hochberg([0.2, 0.01, 0.03, 0.005], q=0.03)
    assert adj.tolist() == pytest.approx([0.2, 0.02, 0.04, 0.02])
    assert reject.tolist() == [False, True, False, True]


def test_benjamini_hochberg_step_up_and_nan():
    # p*m/rank: 0.0675, 0.0675, 0.0600, 0.90 -> cumulative min from the top
    reject, adj = benjamini_hochberg([0.045, 0.0225, np.nan, 0.045, 0.9])
    assert adj[[0, 1, 3, 4]].tolist() == pytest.approx([0.06, 0.06, 0.06, 0.9])
    assert np.isnan(adj[2]) and not reject[2]
    assert reject.tolist() == [False, False, False, False, False]


def test_benjamini_hochberg_matches_scipy():
    p = np.random.default_rng(0).uniform(size=50) ** 3
    _, adj = benjamini_hochberg(p)
    assert adj == pytest.approx(st.false_discovery_control(p))


def test_benjamini_hochberg_rejects_bad_input():
    with pytest.raises(ValueError, match=r"p-values must lie in \[0, 1\]"):
        benjamini_hochberg([0.1, 1.5])
    with pytest.raises(ValueError, match="q must lie strictly between 0 and 1"):
        benjamini_hochberg([0.1], q=5)


# ------------------------------------------------------------ funnel limits


def test_funnel_exact_limits_by_hand():
    # n=1, p0=0.5: upper r=1, a=(1-0.975)/0.5=0.05 -> 0.95; lower clipped at 0
    low, high = funnel_limits(0.5, [1])
    assert low[0] == 0.0 and high[0] == pytest.approx(0.95, abs=1e-6)
    # n=10, p0=0.5: 97.5% quantile r=8, F(8)=1013/1024, F(7)=968/1024
    z = st.norm.ppf(0.975)
    a = (1013 / 1024 - 0.975) / (45 / 1024)
    _, high = funnel_limits(0.5, [10], z=z)
    assert high[0] == pytest.approx((8 - a) / 10)


def test_funnel_exact_approaches_normal_and_is_nan_without_volume():
    n = np.array([0, 5_000, 100_000])
    lo_e, hi_e = funnel_limits(0.9, n, z=3.09)
    lo_n, hi_n = funnel_limits(0.9, n, z=3.09, method="normal")
    assert np.isnan(lo_e[0]) and np.isnan(hi_n[0])
    assert lo_e[1:] == pytest.approx(lo_n[1:], abs=2e-3)
    assert hi_e[1:] == pytest.approx(hi_n[1:], abs=2e-3)
    assert math.isclose(lo_n[2], 0.9 - 3.09 * math.sqrt(0.09 / 100_000))
    with pytest.raises(ValueError, match="method must be 'exact' or 'normal'"):
        funnel_limits(0.9, n, method="poisson")


def test_funnel_outside_is_the_exact_binomial_tail_decision():
    from scipy import stats as st

    from supplier_analytics.stats import funnel_outside

    p0, z = 0.74, 3.090232306167813
    tail = 1 - st.norm.cdf(z)
    n = np.repeat(np.arange(1, 41), 41)
    k = np.tile(np.arange(0, 41), 40)
    keep = k <= n
    n, k = n[keep], k[keep]
    got = funnel_outside(k, n, p0, z)
    above = st.binom.sf(k - 1, n, p0) <= tail  # P(X >= k) in the upper tail
    below = st.binom.cdf(k, n, p0) <= tail  # P(X <= k) in the lower tail
    assert np.array_equal(got == 1, above & ~np.isclose(st.binom.sf(k - 1, n, p0), tail))
    assert np.array_equal(got == -1, below & ~np.isclose(st.binom.cdf(k, n, p0), tail))
    # a supplier with every one of its few records fine is never flagged
    assert (funnel_outside(n, n, p0, z)[n < 20] == 0).all()


# --------------------------------------------------------------------------- two sides of periods

# three months a side, 100 lines a month (after: 80, 90, 78; before: 95, 85, 92)
_AFTER, _BEFORE, _N = [[80.0, 90.0, 78.0]], [[95.0, 85.0, 92.0]], [[100.0] * 3]


def test_period_test_without_correlation_is_the_quasi_binomial_test_by_hand():
    t = period_proportion_test(_AFTER, _N, _BEFORE, _N, autocorrelation=0.0)
    # Pearson's X2 over the six months around each side's own rate, by hand
    ma, mb = 248 / 300, 272 / 300
    x2 = sum((k - 100 * ma) ** 2 for k in _AFTER[0]) / (100 * ma * (1 - ma))
    x2 += sum((k - 100 * mb) ** 2 for k in _BEFORE[0]) / (100 * mb * (1 - mb))
    assert x2 == pytest.approx(82.6667 / 14.32889 + 52.6667 / 8.462222, rel=1e-5)  # 5.769 + 6.224
    phi = x2 / (6 - 2)  # quasi-binomial dispersion, J - 2 degrees of freedom
    assert float(t.design_effect_1[0]) == pytest.approx(phi, rel=1e-12) == float(t.design_effect_2[0])
    assert float(t.df[0]) == pytest.approx(4.0, rel=1e-12)
    # the quasi-likelihood F test of the two-group GLM: Pearson's 2 x 2 chi-square over the dispersion
    chi2 = st.chi2_contingency([[248, 52], [272, 28]], correction=False).statistic
    assert float(t.statistic[0]) ** 2 == pytest.approx(chi2 / phi, rel=1e-12)
    assert float(t.p_value[0]) == pytest.approx(st.f.sf(chi2 / phi, 1, 4), rel=1e-9)
    assert float(t.p_value[0]) == pytest.approx(0.1713, abs=1e-4)
    assert float(t.difference[0]) == pytest.approx(-0.08)
    # the interval: Newcombe's from the effective counts, with the t quantile
    q = st.t.ppf(0.975, 4)
    la, ua = wilson_interval(248 / phi, 300 / phi, 2 * st.norm.cdf(q) - 1)
    lb, ub = wilson_interval(272 / phi, 300 / phi, 2 * st.norm.cdf(q) - 1)
    low = -0.08 - np.sqrt((ma - la) ** 2 + (ub - mb) ** 2)
    high = -0.08 + np.sqrt((ua - ma) ** 2 + (mb - lb) ** 2)
    assert (float(t.low[0]), float(t.high[0])) == pytest.approx((low, high), rel=1e-9)


def test_period_test_with_working_correlation_by_hand():
    rho = 0.5
    t = period_proportion_test(_AFTER, _N, _BEFORE, _N, autocorrelation=rho)
    g = (3 + 2 * (2 * rho + rho**2)) / 9  # sum of rho^|i-j| over 3 x 3 months, equal weights
    ma, mb = 248 / 300, 272 / 300
    x2 = sum((k - 100 * ma) ** 2 for k in _AFTER[0]) / (100 * ma * (1 - ma))
    x2 += sum((k - 100 * mb) ** 2 for k in _BEFORE[0]) / (100 * mb * (1 - mb))
    theta = (x2 - 4) / (2 * 300 * (1 - g))  # excess variance, a share of p(1 - p)
    d = 1 + theta * 300 * g
    assert float(t.design_effect_1[0]) == pytest.approx(d, rel=1e-12)
    assert float(t.df[0]) == pytest.approx(2 * (1 / g - 1), rel=1e-12)  # 1.6 effective months a side
    pooled = 520 / 600
    z = -0.08 / np.sqrt(pooled * (1 - pooled) * 2 * d / 300)
    assert float(t.p_value[0]) == pytest.approx(2 * st.t.sf(abs(z), 2 * (1 / g - 1)), rel=1e-9)


def test_period_test_without_excess_variation_keeps_the_binomial_variance():
    # every month at the side's rate: no variation to add, the binomial z with t degrees of freedom
    t = period_proportion_test([[80.0] * 6], [[100.0] * 6], [[90.0] * 6], [[100.0] * 6], autocorrelation=0.0)
    b = two_proportion_test(480, 600, 540, 600)
    assert float(t.design_effect_1[0]) == 1.0 and float(t.statistic[0]) == pytest.approx(float(b.statistic))
    assert float(t.p_value[0]) == pytest.approx(2 * st.t.sf(abs(float(b.statistic)), 10), rel=1e-12)
    # empty months keep their place and add nothing; an empty side is NaN
    gap = period_proportion_test([[80.0, np.nan, 80.0]], [[100.0, 0.0, 100.0]], [[90.0, 90.0]], [[100.0] * 2])
    assert gap.periods_1.tolist() == [2] and np.isfinite(gap.p_value).all()
    none = period_proportion_test([[0.0, 0.0]], [[0.0, 0.0]], [[90.0, 90.0]], [[100.0] * 2])
    assert np.isnan(none.p_value).all()


def test_rank_interval_matches_scipy_ranks_with_ties():
    from scipy.stats import rankdata

    from supplier_analytics.stats import rank_interval

    x = np.random.default_rng(3).normal(size=(40, 201))
    x[7] = x[8]  # ties share the better rank
    x[5] = np.nan  # not ranked
    low, high = rank_interval(x, 0.9)
    r = rankdata(-np.delete(x, 5, axis=0), axis=0, method="min")
    tail = (1 - 0.9) / 2
    assert np.delete(low, 5) == pytest.approx(np.quantile(r, tail, axis=1, method="lower"))
    assert np.delete(high, 5) == pytest.approx(np.quantile(r, 1 - tail, axis=1, method="higher"))
    assert np.isnan(low[5]) and np.isnan(high[5])
    assert low[7] == low[8] and high[7] == high[8]


def test_pooled_excess_by_hand():
    # two suppliers of one metric, two months a side, 100 records a month, independent months
    k1, k2 = [[80.0, 90.0], [90.0, 90.0]], [[95.0, 85.0], [90.0, 90.0]]
    n = [[100.0, 100.0]] * 2
    own = period_proportion_test(k1, n, k2, n, autocorrelation=0.0)
    t = period_proportion_test(k1, n, k2, n, autocorrelation=0.0, pool=["otif_rate"] * 2)
    # supplier 1: Pearson X^2 of both sides about their rates, less its 2 residual degrees of freedom
    x2 = (5**2 + 5**2) / (100 * 0.85 * 0.15) + (5**2 + 5**2) / (100 * 0.9 * 0.1)
    a1, a2 = x2 - 2, 0.0 - 2  # supplier 2 has no variation at all
    w = 2 * 200 * (1 - 0.5)  # sum over the sides of N (1 - G), G = 1/2 for two equal months
    nu = 2 * (1 / 0.5 - 1)  # each supplier's own effective degrees of freedom: 1 per side
    assert float(own.excess[0]) == pytest.approx(a1 / w, rel=1e-12) and float(own.df[0]) == pytest.approx(nu)
    # each combines the other's estimate (nu degrees of freedom, below prior_df) with its own, by df, on the
    # logit scale: a row's excess is sigma^2 m(1 - m), m its rate over both sides (350/400 and 360/400)
    mq = [0.875 * 0.125, 0.9 * 0.1]
    for i, (mine, other) in enumerate([(a1, a2), (a2, a1)]):
        sigma2 = (nu * other / (w * mq[1 - i]) + nu * mine / (w * mq[i])) / (2 * nu)
        theta = sigma2 * mq[i]
        assert float(t.excess[i]) == pytest.approx(theta, rel=1e-12)
        assert float(t.df[i]) == pytest.approx(2 * nu)
        assert float(t.design_effect_1[i]) == pytest.approx(1 + theta * 200 * 0.5, rel=1e-12)
    # prior_df caps the other rows' weight
    capped = period_proportion_test(k1, n, k2, n, autocorrelation=0.0, pool=["otif_rate"] * 2, prior_df=1.0)
    sigma2 = (1 * a2 / (w * mq[1]) + nu * a1 / (w * mq[0])) / (1 + nu)
    assert float(capped.excess[0]) == pytest.approx(sigma2 * mq[0], rel=1e-12)
    assert float(capped.df[0]) == pytest.approx(1 + nu)
    # another metric is not pooled with these
    apart = period_proportion_test(k1, n, k2, n, autocorrelation=0.0, pool=["otif_rate", "ppm"])
    assert float(apart.excess[0]) == pytest.approx(a1 / w, rel=1e-12) and float(apart.df[0]) == pytest.approx(nu)


# --------------------------------------------------------------------------- lag-1 correlation between periods


def _ar1_counts(rng, rows, months, phi, sd=0.3, lines=400, logit_mean=2.2):
    e = np.zeros((rows, months))
    e[:, 0] = rng.normal(0, sd, rows)
    for t in range(1, months):
        e[:, t] = phi * e[:, t - 1] + rng.normal(0, sd * np.sqrt(1 - phi**2), rows)
    n = np.full((rows, months), float(lines))
    return rng.binomial(lines, 1 / (1 + np.exp(-(logit_mean + e)))).astype(float), n


def test_lag_moments_expectations_match_a_simulation_with_known_truth():
    # Gaussian period rates around m = 0.9 with excess theta m(1-m), correlation rho^|lag|, binomial-size noise;
    # the exact expectations theta a(rho) + b of Q0 and Q1 against their means over 20,000 rows
    from supplier_analytics.stats.comparisons import _lag_moments

    rng = np.random.default_rng(11)
    rows, T, m, theta, rho = 20_000, 6, 0.7, 0.01, 0.6
    n = np.tile([400.0, 300.0, 0.0, 500.0, 400.0, 350.0], (rows, 1))  # one empty month keeps its place
    lags = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    cov = theta * m * (1 - m) * rho**lags + np.diag(m * (1 - m) / np.where(n[0] > 0, n[0], 1.0))
    x = m + rng.multivariate_normal(np.zeros(T), cov, size=rows)
    q0, q1, a0, a1, b0, b1, pairs = _lag_moments(x * n, n, np.array([rho]))
    assert pairs[0] == 3  # neighbours with records: (1, 2), (4, 5), (5, 6)
    # the expectations are in units of the logit variance sigma^2 = theta / (m (1 - m))
    sigma2 = theta / (m * (1 - m))
    assert q0.mean() == pytest.approx(sigma2 * a0[:, 0].mean() + b0.mean(), rel=0.03)
    assert q1.mean() == pytest.approx(sigma2 * a1[:, 0].mean() + b1.mean(), rel=0.05)


@pytest.mark.parametrize(("phi", "low", "high"), [(0.0, 0.0, 0.15), (0.5, 0.4, 0.6), (0.7, 0.6, 0.8)])
def test_estimate_autocorrelation_recovers_the_carry_over_of_simulated_suppliers(phi, low, high):
    # 40 suppliers, two sides of 6 months, 400 lines a month, logit AR(1) sd 0.3; mean over 30 bases
    rng = np.random.default_rng([5, int(10 * phi)])
    est = []
    for _ in range(30):
        k, n = _ar1_counts(rng, 40, 12, phi)
        est.append(estimate_autocorrelation([(k[:, :6], n[:, :6]), (k[:, 6:], n[:, 6:])])[0])
    assert low <= float(np.mean(est)) <= high


def test_estimate_autocorrelation_is_one_value_per_pool_and_the_default_without_neighbours():
    rng = np.random.default_rng(3)
    k1, n1 = _ar1_counts(rng, 60, 12, 0.9, sd=0.5)
    k0, n0 = _ar1_counts(rng, 60, 12, 0.0, sd=0.5)
    k, n = np.vstack([k1, k0]), np.vstack([n1, n0])
    rho = estimate_autocorrelation([(k, n)], pool=["slow"] * 60 + ["fast"] * 60)
    assert len(set(rho[:60])) == 1 and len(set(rho[60:])) == 1
    assert rho[0] >= 0.7 and rho[60] <= 0.2
    # single months a side hold no pair of neighbours: the default
    assert estimate_autocorrelation([(k[:, :1], n[:, :1])], default=0.5).tolist() == [0.5] * 120
