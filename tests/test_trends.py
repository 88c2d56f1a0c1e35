"""Trends: Mann-Kendall and Theil-Sen, control charts, period series, window comparison and alerts.

References checked here:
- Mann-Kendall by hand on tiny series, and the worked "by hand" example of J. Little (College of the
  Holy Cross, MannKendallByHand.txt: 14 values, S = 54, V = (14)(13)(33)/18 - (2)(1)(9)/18, Z = 2.9058,
  one-sided p = .0018).
- scipy.stats.kendalltau (tau-b, S and its variance) and scipy.stats.theilslopes (slope, interval, intercept).
- The seasonal Mann-Kendall test (Hirsch, Slack & Smith 1982) by hand (3 years x 4 quarters), against the plain
  test with one season, and against scipy.stats.kendalltau season by season.
- Montgomery, Introduction to Statistical Quality Control, Example 7.1 (orange-juice cans, p-chart; the
  data as in R package qcc's ``orangejuice``) and the personal-computer u-chart (qcc's ``pcmanufact``).
- Laney p': no published data set with its limits was available offline, so the chart is checked against a
  hand computation written out below step by step (Laney 2002's formulas, as Minitab documents them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import supplier_analytics as sa
from supplier_analytics.charts import chart_signals, p_chart, u_chart
from supplier_analytics.errors import InputError
from supplier_analytics.stats import benjamini_hochberg, period_proportion_test
from supplier_analytics.trends import (
    alerts,
    compare_windows,
    period_series,
    rolling_rate,
)
from supplier_analytics.trendtest import (
    mann_kendall,
    mann_kendall_rows,
    seasonal_mann_kendall,
    seasonal_mann_kendall_rows,
)

# --------------------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_by_hand_tiny_series():
    # y = 1, 3, 2, 4: pairs (1,3)+ (1,2)+ (1,4)+ (3,2)- (3,4)+ (2,4)+ -> S = 4
    # Var S = 4*3*13/18 = 8.6667; z = (4 - 1)/sqrt(8.6667) = 1.0190; p = 2*(1 - Phi(1.0190)) = 0.3082
    # tau = 4/6; slopes 2, 0.5, 1, -1, 0.5, 2 -> median 0.75; intercept = 2.5 - 0.75*1.5 = 1.375
    r = mann_kendall([1, 3, 2, 4], correction="none")
    assert r.s == 4 and r.n == 4
    assert r.var_s == pytest.approx(156 / 18)
    assert r.z == pytest.approx(3 / np.sqrt(156 / 18))
    assert r.p_value == pytest.approx(0.30818, abs=1e-5)
    assert r.tau == pytest.approx(4 / 6)
    assert r.slope == pytest.approx(0.75)
    assert r.intercept == pytest.approx(1.375)
    assert r.direction == "no trend"


def test_mann_kendall_ties_by_hand():
    # y = 1, 2, 2, 3: S = 5 (the tied pair counts 0); one tie group of 2:
    # Var S = (4*3*13 - 2*1*9)/18 = 138/18; tau-b = 5/sqrt(6*(6-1))
    r = mann_kendall([1, 2, 2, 3], correction="none")
    assert r.s == 5
    assert r.var_s == pytest.approx(138 / 18)
    assert r.tau == pytest.approx(5 / np.sqrt(30))


def test_mann_kendall_published_by_hand_example():
    x = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7]
    r = mann_kendall(x, correction="none")
    assert r.s == 54
    assert r.var_s == pytest.approx(14 * 13 * 33 / 18 - 2 * 1 * 9 / 18)
    assert round(r.z, 4) == 2.9058
    assert round(r.p_value / 2, 4) == 0.0018  # the source quotes the one-sided p
    assert r.direction == "increasing"


def test_mann_kendall_decreasing_and_alpha():
    r = mann_kendall([10, 9, 8, 7, 6, 5, 4, 3], correction="none")
    assert r.direction == "decreasing" and r.s == -28 and r.tau == -1.0 and r.slope == -1.0
    # the same series with a level so strict nothing passes
    assert mann_kendall([10, 9, 8, 7, 6, 5, 4, 3], alpha=1e-6, correction="none").direction == "no trend"


@pytest.mark.parametrize("seed", range(8))
def test_mann_kendall_agrees_with_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    y = np.round(rng.normal(0.05 * np.arange(n) * rng.choice([-1, 0, 1]), 1.0), 1)  # rounding makes ties
    y[rng.choice(n, size=n // 5, replace=False)] = np.nan  # missing periods
    alpha = [0.05, 0.10, 0.01][seed % 3]
    r = mann_kendall(y, alpha=alpha, correction="none")
    t = np.flatnonzero(np.isfinite(y)).astype(float)  # the period index is time: gaps kept
    yy = y[np.isfinite(y)]
    kt = stats.kendalltau(t, yy)
    assert r.tau == pytest.approx(kt.statistic, abs=1e-12)
    # scipy's asymptotic p-value is the same z without continuity correction
    assert 2 * stats.norm.sf(abs(r.s) / np.sqrt(r.var_s)) == pytest.approx(kt.pvalue, rel=1e-9)
    ts = stats.theilslopes(yy, t, 1 - alpha)
    assert r.slope == pytest.approx(ts.slope, abs=1e-12)
    assert r.intercept == pytest.approx(ts.intercept, abs=1e-12)
    assert r.slope_low == pytest.approx(ts.low_slope, abs=1e-12)
    assert r.slope_high == pytest.approx(ts.high_slope, abs=1e-12)


def test_mann_kendall_missing_periods_keep_time():
    r = mann_kendall([1.0, np.nan, np.nan, 4.0, 5.0], correction="none")
    assert r.n == 3 and r.slope == pytest.approx(1.0)  # (4-1)/3, not (4-1)/1
    assert mann_kendall([1.0, np.nan]).direction == "insufficient data"
    assert np.isnan(mann_kendall([1.0, 2.0]).p_value)
    flat = mann_kendall([3.0] * 6)
    assert flat.s == 0 and flat.p_value == 1.0 and flat.direction == "no trend"


def test_prewhitening_by_hand_short_series():
    # 8 values with a trend and a wander. By hand with numpy: Theil-Sen slope b, the detrended series
    # x_t = y_t - b t, its lag-1 autocorrelation r = sum (x_t - m)(x_t+1 - m) / sum (x_t - m)^2, corrected
    # to (8 r + 4) / (8 - 4); the test runs on y_t - r1 y_t-1 (7 values), the slope on y itself.
    y = np.array([3.0, 3.4, 3.1, 3.9, 4.4, 4.0, 4.8, 5.3])
    t = np.arange(8.0)
    b = stats.theilslopes(y, t).slope
    x = y - b * t
    d = x - x.mean()
    r = (d[1:] * d[:-1]).sum() / (d * d).sum()
    r1 = (8 * r + 4) / 4
    assert -0.95 < r1 < 0.95
    w = y[1:] - r1 * y[:-1]
    res = mann_kendall(y)
    ref = mann_kendall(w, correction="none")
    assert res.correction == "prewhiten" and res.r1 == pytest.approx(r1, abs=1e-12)
    assert res.n == 7 and res.s == ref.s and res.var_s == ref.var_s
    assert res.z == pytest.approx(ref.z) and res.p_value == pytest.approx(ref.p_value)
    assert res.slope == pytest.approx(b) and res.intercept == pytest.approx(
        mann_kendall(y, correction="none").intercept
    )
    assert res.slope_low == pytest.approx(ref.slope_low / (1 - r1))
    assert res.slope_high == pytest.approx(ref.slope_high / (1 - r1))
    # the vectorised rows give the same, and a gap leaves out the value after it as well
    from supplier_analytics.trendtest import mann_kendall_rows, prewhiten_rows

    rows = mann_kendall_rows(np.vstack([y, -y]))
    assert rows["s"][0] == res.s and rows["s"][1] == -res.s and rows["r1"] == pytest.approx([r1, r1])
    g = y.copy()
    g[3] = np.nan
    pw, _ = prewhiten_rows(g[None, :], t, np.array([b]))
    assert np.isnan(pw[0, [0, 3, 4]]).all() and np.isfinite(pw[0, [1, 2, 5, 6, 7]]).all()
    # fewer than 5 values: nothing to estimate, tested as it is
    short = mann_kendall([1, 3, 2, 4])
    assert short.r1 == 0.0 and short.s == 4


def _ar1(rng, m, n, phi):
    e = rng.normal(size=(m, n + 50))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for i in range(1, n + 50):
        x[:, i] = phi * x[:, i - 1] + e[:, i]
    return x[:, 50:]


@pytest.mark.parametrize("n", [12, 24])
def test_prewhitened_size_on_ar1_series(n):
    # 600 AR(1) series (phi 0.5, Gaussian innovations) without trend: the classical test rejects about 20 %
    # at alpha 0.05, the pre-whitened one must stay at 5 % within three binomial standard errors
    # (0.05 + 3 * sqrt(0.05 * 0.95 / 600) = 0.077); measured with 4,000 series: 5.0 % (n = 12), 5.6 % (n = 24).
    from supplier_analytics.trendtest import mann_kendall_rows

    y = _ar1(np.random.default_rng([13, n]), 600, n, 0.5)
    size = np.mean(mann_kendall_rows(y)["p_value"] < 0.05)
    assert size <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 600)
    assert np.mean(mann_kendall_rows(y, correction="none")["p_value"] < 0.05) > 0.12
    # and it keeps power against a real trend (0.2 innovation sd per period at n = 24: measured 58 %)
    if n == 24:
        trend = y + 0.2 * np.arange(n)
        assert np.mean(mann_kendall_rows(trend)["p_value"] < 0.05) > 0.45


def test_pooled_prewhitening_keeps_the_far_tail():
    # Benjamini-Hochberg across a supplier base uses the far tail of the p-values. 40 bases of 100 AR(1)
    # series (phi 0.5, n = 24): each series' own r1 is noisy and leaves P(p < 0.001) about 4 times too large
    # (measured with 40,000 series: 0.0042); pooled over the base (shrunk towards the average) it is near
    # 0.001 (measured with 200 bases of 100: 0.0006) and the 5 % size holds (4.4 %). Bounds: 3 binomial standard errors.
    from supplier_analytics.trendtest import mann_kendall_rows, pooled_lag1_autocorrelation

    rng = np.random.default_rng(2024)
    p = np.concatenate([mann_kendall_rows(_ar1(rng, 100, 24, 0.5), pool=True)["p_value"] for _ in range(40)])
    se = np.sqrt(0.05 * 0.95 / 4000)
    assert np.mean(p < 0.05) <= 0.05 + 3 * se and np.mean(p < 0.001) <= 0.001 + 3 * np.sqrt(0.001 / 4000)
    # the pooled estimate by hand: mean of (n r + 2) / (n - 6) over rows, shrunk by tau2 / (tau2 + v)
    y = _ar1(np.random.default_rng(3), 6, 12, 0.5)
    from supplier_analytics.trendtest import lag1_autocorrelation

    raw = lag1_autocorrelation(y, bias_correct=False)
    d = y - y.mean(1, keepdims=True)
    np.testing.assert_allclose(raw, (d[:, 1:] * d[:, :-1]).sum(1) / (d * d).sum(1))
    u = (12 * raw + 2) / 6
    v = (12 / 6) ** 2 * (1 - u.mean() ** 2) / 12
    tau2 = max(u.var(ddof=1) - v, 0.0)
    np.testing.assert_allclose(
        pooled_lag1_autocorrelation(y), np.clip(u.mean() + tau2 / (tau2 + v) * (u - u.mean()), -0.95, 0.95)
    )


def test_mann_kendall_rejects_bad_arguments():
    with pytest.raises(InputError, match="correction must be one of"):
        mann_kendall([1, 2, 3], correction="hamed-rao")
    with pytest.raises(InputError, match="alpha must lie strictly between 0 and 1"):
        mann_kendall([1, 2, 3], alpha=1.5)
    with pytest.raises(InputError, match="times must be strictly increasing"):
        mann_kendall([1, 2, 3], times=[0, 2, 1])


# --------------------------------------------------------------------------- seasonal Mann-Kendall

QUARTERS = [1.0, 2.0, 3.1, 1.5, 1.4, 2.0, 2.9, 1.8, 1.9, 2.6, 3.6, 2.4]  # 3 years x 4 quarters, in time order


def test_seasonal_mann_kendall_by_hand():
    # Season by season (values of years 1-3; pairs (1,2), (1,3), (2,3); Var S_g = [n(n-1)(2n+5) - ties]/18):
    #   Q1 1.0 1.4 1.9: + + +  S = 3, Var = 3*2*11/18 = 66/18
    #   Q2 2.0 2.0 2.6: 0 + +  S = 2, Var = (66 - 2*1*9)/18 = 48/18 (one tied pair)
    #   Q3 3.1 2.9 3.6: - + +  S = 1, Var = 66/18
    #   Q4 1.5 1.8 2.4: + + +  S = 3, Var = 66/18
    # S = 9, Var S = 246/18, z = (9 - 1)/sqrt(246/18) = 2.16401, p = 2(1 - Phi(z)) = 0.030464
    # Slopes per time step (a year is 4 steps): Q1 0.4/4, 0.9/8, 0.5/4 = 0.1, 0.1125, 0.125; Q2 0, 0.075, 0.15;
    # Q3 -0.05, 0.0625, 0.175; Q4 0.075, 0.1125, 0.15. Sorted: -0.05 0 0.0625 0.075 0.075 0.1 | 0.1125 0.1125
    # 0.125 0.15 0.15 0.175 -> median 0.10625. Sen's interval: C = 1.95996 sqrt(246/18) = 7.2457, ranks
    # round((12 - C)/2) = 2 and round((12 + C)/2) + 1 = 11 -> 0 and 0.15. tau = 9/sqrt(12 (12 - 1)) (12 pairs
    # within seasons, 1 tied); intercept = median(values) - slope * median(t) = 2.0 - 0.10625 * 5.5 = 1.415625.
    r = seasonal_mann_kendall(QUARTERS, period=4)
    assert (r.n, r.s, r.direction, r.correction, r.r1) == (12, 9.0, "increasing", "none", 0.0)
    assert r.var_s == pytest.approx(246 / 18, abs=1e-12)
    assert r.z == pytest.approx(8 / np.sqrt(246 / 18), abs=1e-12)
    assert round(r.z, 5) == 2.16401 and round(r.p_value, 6) == 0.030464
    assert r.p_value == pytest.approx(2 * stats.norm.sf(8 / np.sqrt(246 / 18)), abs=1e-15)
    assert r.slope == pytest.approx(0.10625, abs=1e-12)
    assert (r.slope_low, r.slope_high) == (pytest.approx(0.0, abs=1e-12), pytest.approx(0.15, abs=1e-12))
    assert r.tau == pytest.approx(9 / np.sqrt(132), abs=1e-12)
    assert r.intercept == pytest.approx(1.415625, abs=1e-12)
    # Q2's third year missing: Q2 keeps 2.0, 2.0 (S = 0, Var = (2*1*9 - 2*1*9)/18 = 0), so S = 7, Var S = 198/18;
    # its slopes 0.075 and 0.15 leave with it: 10 slopes, median still (0.1 + 0.1125)/2
    gap = list(QUARTERS)
    gap[9] = np.nan
    g = seasonal_mann_kendall(gap, period=4)
    assert (g.n, g.s, g.var_s, g.slope) == (11, 7.0, pytest.approx(11.0), pytest.approx(0.10625))
    # a single year has no pair within a season; 2 values in all are too few
    one = seasonal_mann_kendall(QUARTERS[:4], period=4)
    assert one.direction == "insufficient data" and np.isnan([one.s, one.p_value, one.slope]).all()
    assert seasonal_mann_kendall([1.0, np.nan, np.nan, np.nan, 2.0], period=4).direction == "insufficient data"
    # times are period indices: the gap left out and the others given with their indices is the same test
    kept = np.flatnonzero(np.isfinite(gap))
    assert seasonal_mann_kendall(np.asarray(gap)[kept], period=4, times=kept) == g
    for bad in (0, 2.5, True):
        with pytest.raises(InputError, match="period must be an integer number of periods per seasonal cycle"):
            seasonal_mann_kendall(QUARTERS, period=bad)
    with pytest.raises(InputError, match="times must be whole period indices"):
        seasonal_mann_kendall(QUARTERS, period=4, times=np.arange(12) + 0.5)


def test_seasonal_with_one_season_is_the_classical_test():
    rng = np.random.default_rng(1982)
    for _ in range(5):
        y = np.round(rng.normal(0.03 * np.arange(30), 1.0), 1)  # ties
        y[rng.choice(30, 5, replace=False)] = np.nan
        a, b = seasonal_mann_kendall(y, period=1), mann_kendall(y, correction="none")
        for f in ("n", "s", "var_s", "z", "p_value", "tau", "slope", "slope_low", "slope_high", "intercept"):
            assert getattr(a, f) == getattr(b, f), f
        assert a == b


@pytest.mark.parametrize("seed", range(6))
def test_seasonal_mann_kendall_agrees_with_kendalltau_by_season(seed):
    # Independently: each season's S from scipy's tau-b, S = tau_b sqrt(n0 (n0 - n2)) (time has no ties),
    # its variance from the tie groups, the slope as the median over explicit within-season pairs.
    rng = np.random.default_rng([1982, seed])
    period = [12, 4, 7][seed % 3]
    n = int(rng.integers(3 * period, 6 * period))
    y = np.round(rng.normal(0.02 * np.arange(n) + rng.normal(0, 2, period)[np.arange(n) % period], 1.0), 0)
    y[rng.choice(n, size=n // 6, replace=False)] = np.nan
    t = np.arange(n)
    s = var = n0_all = n2_all = 0.0
    slopes = []
    for g in range(period):
        keep = (t % period == g) & np.isfinite(y)
        tg, yg = t[keep], y[keep]
        k = len(yg)
        if k < 2:
            continue
        n0 = k * (k - 1) / 2
        _, counts = np.unique(yg, return_counts=True)
        n2 = (counts * (counts - 1) / 2).sum()
        if n2 < n0:  # all tied: tau is undefined and S = 0
            s += stats.kendalltau(tg, yg).statistic * np.sqrt(n0 * (n0 - n2))
        var += (k * (k - 1) * (2 * k + 5) - (counts * (counts - 1) * (2 * counts + 5)).sum()) / 18
        n0_all, n2_all = n0_all + n0, n2_all + n2
        slopes += [(yg[j] - yg[i]) / (tg[j] - tg[i]) for i in range(k) for j in range(i + 1, k)]
    r = seasonal_mann_kendall(y, period=period)
    assert r.s == pytest.approx(s, abs=1e-9) and r.var_s == pytest.approx(var, abs=1e-9)
    z = (s - np.sign(s)) / np.sqrt(var)
    assert r.z == pytest.approx(z, abs=1e-9) and r.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-12)
    assert r.tau == pytest.approx(s / np.sqrt(n0_all * (n0_all - n2_all)), abs=1e-12)
    assert r.slope == pytest.approx(np.median(slopes), abs=1e-12)
    c = stats.norm.ppf(0.975) * np.sqrt(var)
    srt = np.sort(slopes)
    assert r.slope_low == pytest.approx(srt[int(np.round((len(srt) - c) / 2)) - 1], abs=1e-12)
    assert r.slope_high == pytest.approx(srt[int(np.round((len(srt) + c) / 2))], abs=1e-12)
    # the vectorised rows give the same row by row
    rows = seasonal_mann_kendall_rows(np.vstack([y, y[::-1]]), period=period)
    assert rows["s"][0] == r.s and rows["p_value"][0] == r.p_value and (rows["r1"] == 0).all()


def test_seasonal_test_holds_its_size_under_a_strong_season():
    # 2,000 series of 48 months (4 years from January): Gaussian noise of sd 1 plus a season of sd 3 rising
    # through the year (January best, December worst), no trend. The classical test takes the season for a
    # trend (measured: 59.7 % rejected at alpha 0.05; 99.8 % at 24 months); the seasonal test compares each
    # month with the same month only: 3.8 % (its S is the noise's alone). Against a real trend of -0.05 per
    # month (2.4 noise sd over the 4 years) the seasonal test finds 96.0 %, the classical one 0 % (the season
    # hides it). Bounds: 3 binomial standard errors and more around the measured values.
    rng = np.random.default_rng([1982, 48])
    noise = rng.normal(size=(2000, 48))
    t = np.arange(48)
    season = np.arange(12) - 5.5
    season = 3 * season / season.std()
    y = season[t % 12] + noise
    classical = np.mean(mann_kendall_rows(y, correction="none")["p_value"] < 0.05)
    seasonal = seasonal_mann_kendall_rows(y)["p_value"]
    assert classical > 0.45
    assert 0.02 <= np.mean(seasonal < 0.05) <= 0.07
    np.testing.assert_allclose(seasonal, seasonal_mann_kendall_rows(noise)["p_value"], atol=1e-12)
    trend = y - 0.05 * t
    assert np.mean(seasonal_mann_kendall_rows(trend)["p_value"] < 0.05) > 0.9
    assert np.mean(mann_kendall_rows(trend, correction="none")["p_value"] < 0.05) < 0.1


def _hirsch_slack_by_loops(x: np.ndarray, period: int) -> float:
    """Var S of the seasonal test with the covariances between seasons, written out from Hirsch & Slack (1984):
    sum over seasons of the tie-corrected Var S_g (Kendall), plus over g != h of
    [K_gh + 4 sum_i R_ig R_ih - n (n_g + 1)(n_h + 1)] / 3, with scipy's mid-ranks and (n_g + 1) / 2 for a gap."""
    X = np.asarray(x, dtype=float).reshape(-1, period)  # years x seasons
    n = X.shape[0]
    R = np.empty_like(X)
    var = 0.0
    for g in range(period):
        ok = np.isfinite(X[:, g])
        R[:, g] = (ok.sum() + 1) / 2
        R[ok, g] = stats.rankdata(X[ok, g])
        k = ok.sum()
        ties = np.unique(X[ok, g], return_counts=True)[1]
        var += (k * (k - 1) * (2 * k + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    for g in range(period):
        for h in range(period):
            if g == h:
                continue
            K = 0.0
            for i in range(n):
                for j in range(i + 1, n):
                    dg, dh = X[j, g] - X[i, g], X[j, h] - X[i, h]
                    if np.isfinite(dg) and np.isfinite(dh):
                        K += np.sign(dg) * np.sign(dh)
            ng, nh = np.isfinite(X[:, g]).sum(), np.isfinite(X[:, h]).sum()
            var += (K + 4 * (R[:, g] * R[:, h]).sum() - n * (ng + 1) * (nh + 1)) / 3
    return var


def test_hirsch_slack_covariance_by_hand_and_by_loops():
    # by hand (the docstring's example): seasons A 1.0, 1.4, 1.9 and B 2.0, 2.6, 2.3 over 3 years
    x = [1.0, 2.0, 1.4, 2.6, 1.9, 2.3]
    r = seasonal_mann_kendall(x, period=2, correction="hirsch-slack")
    assert r.s == 4 and r.var_s == pytest.approx(2 * 66 / 18 + 2 * 5 / 3, abs=1e-12)
    assert r.z == pytest.approx(3 / np.sqrt(32 / 3)) and r.p_value == pytest.approx(0.3583, abs=5e-5)
    plain = seasonal_mann_kendall(x, period=2)  # the same S and slope, the variance without covariances
    assert (plain.s, plain.slope) == (r.s, r.slope) and plain.var_s == pytest.approx(2 * 66 / 18)
    assert r.correction == "hirsch-slack" and plain.correction == "none"
    # two identical seasons: their covariance is the variance of either, so Var S doubles twice over
    same = seasonal_mann_kendall([1.0, 1.0, 3.0, 3.0, 2.0, 2.0], period=2, correction="hirsch-slack")
    assert same.var_s == pytest.approx(4 * 66 / 18)
    # against the loops above on rounded (tied) values with gaps, 3-5 years of months and 4 years of quarters
    rng = np.random.default_rng(1984)
    for years, period in [(3, 12), (4, 12), (5, 12), (4, 4)]:
        for _ in range(4):
            x = np.round(rng.normal(size=years * period), 1)
            x[rng.random(x.size) < 0.2] = np.nan
            got = seasonal_mann_kendall(x, period=period, correction="hirsch-slack")
            want = _hirsch_slack_by_loops(x, period)
            if want > 0:
                assert got.var_s == pytest.approx(want, abs=1e-9)
                assert got.z == pytest.approx((got.s - np.sign(got.s)) / np.sqrt(want), abs=1e-12)
            else:
                assert np.isnan(got.p_value) and got.var_s == pytest.approx(want, abs=1e-9)
    # a series starting mid-year: years counted from times // period, the rows the same as one at a time
    x = np.round(rng.normal(size=40), 1)
    rows = seasonal_mann_kendall_rows(np.vstack([x, x[::-1]]), times=np.arange(5, 45), correction="hirsch-slack")
    assert rows["var_s"][0] == pytest.approx(_hirsch_slack_by_loops(np.r_[[np.nan] * 5, x, [np.nan] * 3], 12))
    one = seasonal_mann_kendall(x[::-1], times=np.arange(5, 45), correction="hirsch-slack")
    assert rows["p_value"][1] == pytest.approx(one.p_value)
    with pytest.raises(InputError, match="correction must be one of .*'hirsch-slack'"):
        seasonal_mann_kendall(x, correction="prewhiten")


def test_hirsch_slack_holds_its_size_under_carry_over_but_finds_little_below_five_years():
    # Gaussian AR(1) series, phi 0.5, no trend: the seasons taken as independent reject far too often
    # (measured with 20,000 series: 12.7 % at 36 months, 18.1 % at 48); with the covariances between seasons
    # the size holds (0.0 % and 0.1 %) and, at 120 months, where Hirsch & Slack meant it, is near 5 % (4.3 %,
    # 4,000 series). 2,000 and 1,000 series here; bounds: 3 binomial standard errors.
    rng = np.random.default_rng([1984, 48])
    y = _ar1(rng, 2000, 48, 0.5)
    assert np.mean(seasonal_mann_kendall_rows(y)["p_value"] < 0.05) > 0.12
    size = np.mean(seasonal_mann_kendall_rows(y, correction="hirsch-slack")["p_value"] < 0.05)
    assert size <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 2000)
    long = seasonal_mann_kendall_rows(_ar1(rng, 1000, 120, 0.5), correction="hirsch-slack")["p_value"]
    assert abs(np.mean(long < 0.05) - 0.05) <= 3 * np.sqrt(0.05 * 0.95 / 1000)
    # the price: the covariances come from the data, trend included, and a trend shared by every month looks
    # like covariance. A perfectly steady rise gives p = 0.128 over 3 years (S = 36, Var S = 528, by hand:
    # every sigma_gh = Var S_g = 3 x 2 x 11 / 18), 0.045 over 4 and 0.015 over 5
    for months, s, var in [(36, 36, 144 * 66 / 18), (48, 72, 144 * 4 * 3 * 13 / 18), (60, 120, 144 * 5 * 4 * 15 / 18)]:
        r = seasonal_mann_kendall(np.arange(months, dtype=float), correction="hirsch-slack")
        assert r.s == s and r.var_s == pytest.approx(var)
        assert r.p_value == pytest.approx(2 * stats.norm.sf((s - 1) / np.sqrt(var)))
    assert seasonal_mann_kendall(np.arange(36.0), correction="hirsch-slack").p_value > 0.12
    # and against a trend of 0.1 sd a month over 48 months it finds almost nothing (measured: 1.1 %, against
    # 99.9 % for the uncorrected test)
    trend = y + 0.1 * np.arange(48)
    assert np.mean(seasonal_mann_kendall_rows(trend, correction="hirsch-slack")["p_value"] < 0.05) < 0.05
    assert np.mean(seasonal_mann_kendall_rows(trend)["p_value"] < 0.05) > 0.95


# --------------------------------------------------------------------------- control charts

ORANGE_JUICE = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
]


def test_p_chart_montgomery_orange_juice():
    c = p_chart(ORANGE_JUICE, [50] * 30)
    assert round(c.attrs["center"], 4) == 0.2313
    assert (c["ucl"].round(4) == 0.4102).all() and (c["lcl"].round(4) == 0.0524).all()
    assert [i + 1 for i in c.index[c["out_of_control"]]] == [15, 23]
    assert list(c.columns[:10]) == [
        "nonconforming",
        "sample_size",
        "p",
        "center",
        "sigma",
        "lcl",
        "ucl",
        "z",
        "out_of_control",
        "signals",
    ]
    # Revised limits after removing samples 15 and 23 (assignable causes): 0.2150, 0.3893, 0.0407;
    # sample 21 (p = 0.40) then lies above the revised UCL.
    keep = [i for i in range(30) if i not in (14, 22)]
    r = p_chart([ORANGE_JUICE[i] for i in keep], [50] * 28, index=[i + 1 for i in keep])
    assert round(r.attrs["center"], 4) == 0.2150
    assert round(float(r["ucl"].iloc[0]), 4) == 0.3893 and round(float(r["lcl"].iloc[0]), 4) == 0.0407
    assert r.index[r["out_of_control"]].tolist() == [21]


def test_u_chart_montgomery_computers():
    c = u_chart([10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5], [5] * 20)
    assert round(c.attrs["center"], 2) == 1.93
    assert round(float(c["ucl"].iloc[0]), 2) == 3.79 and round(float(c["lcl"].iloc[0]), 2) == 0.07
    assert not c["out_of_control"].any()


def test_laney_p_prime_by_hand():
    k = [20, 35, 18, 40, 27]
    n = [400, 500, 300, 450, 350]
    # p-bar = 140/2000 = 0.07
    # sigma_i = sqrt(0.07*0.93/n_i) = 0.012757, 0.011411, 0.014731, 0.012028, 0.013638
    # p_i = 0.05, 0.07, 0.06, 0.088889, 0.077143
    # z_i = (p_i - 0.07)/sigma_i = -1.567724, 0, -0.678844, 1.570443, 0.523740
    # moving ranges |z_i - z_(i-1)| = 1.567724, 0.678844, 2.249287, 1.046703; mean 1.385640
    # sigma_z = 1.385640/1.128 = 1.228404
    # UCL_i = 0.07 + 3*sigma_i*sigma_z = 0.117014, 0.112050, 0.124287, 0.114325, 0.120260
    # LCL_i = 0.07 - 3*sigma_i*sigma_z = 0.022986, 0.027950, 0.015713, 0.025675, 0.019740
    c = p_chart(k, n, laney=True)
    assert c.attrs["center"] == pytest.approx(0.07)
    assert c.attrs["sigma_z"] == pytest.approx(1.228404, abs=1e-6)
    assert c.attrs["chart"] == "Laney p'"
    np.testing.assert_allclose(c["z"], [-1.567724, 0.0, -0.678844, 1.570443, 0.523740], atol=1e-6)
    np.testing.assert_allclose(c["ucl"], [0.117014, 0.112050, 0.124287, 0.114325, 0.120260], atol=1e-6)
    np.testing.assert_allclose(c["lcl"], [0.022986, 0.027950, 0.015713, 0.025675, 0.019740], atol=1e-6)
    # the plain p-chart of the same data: sigma_z = 1
    plain = p_chart(k, n)
    assert plain.attrs["sigma_z"] == 1.0
    np.testing.assert_allclose(plain["ucl"], 0.07 + 3 * np.sqrt(0.07 * 0.93 / np.array(n)))


def test_laney_widens_limits_for_overdispersed_data():
    rng = np.random.default_rng(3)
    n = np.full(24, 100_000)
    p = np.clip(rng.normal(0.05, 0.01, 24), 0, 1)  # the rate itself drifts: overdispersion
    k = rng.binomial(n, p)
    plain, laney = p_chart(k, n), p_chart(k, n, laney=True)
    assert plain["out_of_control"].sum() >= 12  # the plain chart calls most points special causes
    assert laney.attrs["sigma_z"] > 3 and laney["out_of_control"].sum() <= 1


def test_chart_limits_clipped_and_empty_periods():
    c = p_chart([0, 1, 0, np.nan, 9], [10, 10, 0, np.nan, 10])
    assert (c["lcl"].dropna() >= 0).all() and (c["ucl"].dropna() <= 1).all()
    assert c["p"].isna().tolist() == [False, False, True, True, False]
    assert not c["out_of_control"].iloc[2] and not c["out_of_control"].iloc[3]
    assert c.attrs["center"] == pytest.approx(10 / 30)  # empty periods do not dilute the center line
    with pytest.raises(InputError, match="sample 1 has nonconforming=5 and sample_size=4"):
        p_chart([1, 5], [4, 4])


def test_run_rules_each_signal_named():
    # eight points below the center line, then one far above
    c = p_chart([1, 1, 1, 1, 1, 1, 1, 1, 1, 30], [100] * 10)
    sig = chart_signals(c)
    assert sig[["position", "rule"]].values.tolist() == [
        [7, "8 on one side"],
        [8, "8 on one side"],
        [9, "beyond limits"],
    ]
    # six points steadily rising, within the limits
    t = p_chart([10, 11, 12, 13, 14, 15, 12, 11], [100] * 8)
    assert chart_signals(t)["rule"].tolist() == ["6 trending"]
    assert t["signals"].iloc[5] == "6 trending" and t["signals"].iloc[4] == ""
    # an empty period neither breaks nor extends a run
    gap = p_chart([1, 1, 1, 1, np.nan, 1, 1, 1, 1, 20], [100, 100, 100, 100, 0, 100, 100, 100, 100, 100])
    assert chart_signals(gap)["position"].tolist()[:1] == [8]


# --------------------------------------------------------------------------- period series and windows


def _frame(rows):
    return pd.DataFrame(rows, columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"]).assign(
        period=lambda d: pd.PeriodIndex(d["period"], freq="M")
    )


def test_rolling_rate_sums_counts():
    rate, k, n = rolling_rate([8, 0, 9, 1], [10, 0, 10, 1], 3)
    assert np.isnan(rate[:2]).all()
    assert rate[2] == pytest.approx(17 / 20) and rate[3] == pytest.approx(10 / 11)
    assert np.isnan(rolling_rate([1, 0], [1, 0], 1)[0][1])  # an empty window is empty, not 0 %
    with pytest.raises(InputError, match="window must be"):
        rolling_rate([1], [1], 0)


def test_period_series_empty_periods_and_quarters():
    p = _frame(
        [
            ("A", "2026-01", 9, 10),
            ("A", "2026-02", 0, 0),
            ("A", "2026-03", 5, 10),
            ("A", "2026-04", 8, 10),
            ("B", "2026-01", 1, 1),
        ]
    )
    s = period_series(p, "otif_rate", rolling=2)
    a = s[s.supplier_id == "A"]
    assert a["value"].isna().tolist() == [False, True, False, False]
    assert a["rolling_value"].round(4).tolist()[1:] == [0.9, 0.5, 0.65]
    q = period_series(p, "otif_rate", period="quarter")
    assert q.loc[q.supplier_id == "A", ["k", "n"]].values.tolist() == [[14.0, 20.0], [8.0, 10.0]]
    with pytest.raises(InputError, match="no column 'late_rate_k'"):
        period_series(p, "late_rate")


@pytest.fixture(scope="module")
def small_card():
    d = sa.make_procurement_data(n_suppliers=12, n_deliveries=3000, months=12, seed=5)
    return sa.score(deliveries=d.deliveries, inspections=d.inspections, requests=d.requests, suppliers=d.suppliers)


def test_period_series_recomputed_from_records(small_card):
    months = period_series(small_card, "on_time_rate")
    quarters = period_series(small_card, "on_time_rate", period="quarter")
    # recomputing from the records gives what summing the months gives
    by_q = months.assign(q=months["period"].dt.asfreq("Q")).groupby(["supplier_id", "q"])[["k", "n"]].sum()
    got = quarters.set_index(["supplier_id", "period"])[["k", "n"]]
    np.testing.assert_array_equal(got.to_numpy(), by_q.reindex(got.index).to_numpy())
    weeks = period_series(small_card, "on_time_rate", period="week")
    assert weeks["period"].dtype == pd.PeriodDtype("W-SUN")
    assert weeks["n"].sum() == months["n"].sum()
    ppm = period_series(small_card, "ppm")
    ok = ppm["n"] > 0
    np.testing.assert_allclose(ppm.loc[ok, "value"], ppm.loc[ok, "k"] / ppm.loc[ok, "n"] * 1e6)


def test_compare_windows_is_the_period_test_of_its_months():
    ks = [95, 96, 94, 95, 96, 95, 80, 78, 81, 79, 80, 82]
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    p = _frame(
        [("A", m, k, 100) for m, k in zip(months, ks)]
        + [("B", m, 45, 50) for m in months]
        + [("C", "2026-01", 5, 5), ("C", "2026-08", 4, 5)]
    )
    r = compare_windows(p, "otif_rate", before=("2026-01", "2026-06"), after=("2026-07", "2026-12"))
    r = r.set_index("supplier_id")
    # the variation between months is pooled over the suppliers of the metric (A, B and C)
    t = period_proportion_test(
        [ks[6:], [45] * 6, [0, 4, 0, 0, 0, 0]],
        [[100] * 6, [50] * 6, [0, 5, 0, 0, 0, 0]],
        [ks[:6], [45] * 6, [5, 0, 0, 0, 0, 0]],
        [[100] * 6, [50] * 6, [5, 0, 0, 0, 0, 0]],
        pool=["otif_rate"] * 3,
        autocorrelation="estimate",
        prior_df=10.0,
    )
    for c in ("difference", "low", "high", "p_value"):
        assert r.loc["A", c] == pytest.approx(float(getattr(t, c)[0]), rel=1e-12)
    assert r.loc["A", "direction"] == "deteriorating" and r.loc["B", "direction"] == "no change"
    assert (r.loc["A", "before_k"], r.loc["A", "before_n"], r.loc["A", "after_k"]) == (571, 600, 480)
    assert r.loc["A", "before_from"] == pd.Timestamp("2026-01-01") and r.loc["A", "after_to"] == pd.Timestamp(
        "2026-12-31"
    )
    assert r.loc["C", "direction"] == "not tested"  # one month with records a side
    assert "quasi-binomial" in r.attrs["method"]
    with pytest.raises(InputError, match="is not a period"):
        compare_windows(p, "otif_rate", before="2026Q1", after="last quarter")


# --------------------------------------------------------------------------- alerts


def _null_frame(rng, n_suppliers, n_periods, *, trend=None):
    """Period counts drawn from fixed binomial probabilities (no trend) or with a planted linear trend."""
    p = rng.uniform(0.70, 0.97, n_suppliers)[:, None] + (
        0.0 if trend is None else trend[:, None] * np.linspace(-0.5, 0.5, n_periods)[None, :]
    )
    n = rng.poisson(40, (n_suppliers, n_periods))
    k = rng.binomial(n, np.clip(p, 0, 1))
    periods = pd.period_range("2025-01", periods=n_periods, freq="M")
    return pd.DataFrame(
        {
            "supplier_id": np.repeat([f"S{i:04d}" for i in range(n_suppliers)], n_periods),
            "period": np.tile(periods, n_suppliers),
            "otif_rate_k": k.ravel(),
            "otif_rate_n": n.ravel(),
        }
    )


def test_alerts_find_planted_trends_with_evidence():
    rng = np.random.default_rng(11)
    trend = np.zeros(30)
    trend[0], trend[1] = -0.30, 0.25  # S0000 deteriorates by 30 points, S0001 improves by 25
    p = _null_frame(rng, 30, 12, trend=trend)
    p.loc[(p.supplier_id == "S0029") & (p.period >= pd.Period("2025-04", "M")), ["otif_rate_k", "otif_rate_n"]] = 0
    # the classical test finds the two as well; pre-whitened (the default) with r1 pooled over the suppliers
    none = alerts(p, metrics=("otif_rate",), include="all", correction="none").set_index("supplier_id")
    assert none.loc["S0000", "direction"] == "deteriorating" and none.loc["S0001", "direction"] == "improving"
    a = alerts(p, metrics=("otif_rate",), include="all")
    assert "pre-whitened" in a.attrs["method"]
    assert a.attrs["tests"] == 29 and a.attrs["not_tested"] == 1
    assert "Benjamini-Hochberg" in a.attrs["method"] and (a["method"] == "mann-kendall").all()
    row = a.set_index("supplier_id").loc["S0000"]
    assert row["direction"] == "deteriorating" and row["test"] == "Mann-Kendall"
    assert row["q_value"] <= 0.05 and row["slope"] < 0 and row["n_periods"] == 12
    assert (row["first_period"], row["last_period"]) == ("2025-01", "2025-12")
    assert a.set_index("supplier_id").loc["S0001", "direction"] == "improving"
    nt = a.set_index("supplier_id").loc["S0029"]
    assert nt["direction"] == "not tested" and "3 periods with at least 5 records" in nt["reason"]
    # q-values are the BH adjustment of every p-value tested
    tested = a[a.direction != "not tested"]
    np.testing.assert_allclose(tested["q_value"], benjamini_hochberg(tested["p_value"])[1])
    # the default output keeps alerts and the not-tested only
    short = alerts(p, metrics=("otif_rate",))
    assert set(short["direction"]) <= {"deteriorating", "improving", "not tested"}
    assert short["direction"].iloc[0] == "deteriorating"


def test_alerts_say_when_gaps_leave_too_few_consecutive_periods(sample_card):
    # Pre-whitening removes the carry-over from one period to the next, so it needs neighbouring periods:
    # y_t - r1 y_t-1 exists only where the period before has records too. 10 complete suppliers of 24 months
    # (binomial, 400 lines at 90 %), G with records every other month (12 periods, no two neighbours) and H
    # with 6 periods of which only January-February-March are neighbours (2 pairs; as V10016 of the sample).
    rng = np.random.default_rng(5)
    months = pd.period_range("2024-01", periods=24, freq="M")
    present = {f"S{i}": np.ones(24, bool) for i in range(10)}
    present["G"] = np.arange(24) % 2 == 0
    present["H"] = np.isin(np.arange(24), [0, 1, 2, 4, 6, 8])
    rows = []
    for sid, keep in present.items():
        n = np.where(keep, 400, 0)
        rows += list(zip([sid] * 24, months, rng.binomial(n, 0.9), n))
    p = pd.DataFrame(rows, columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"])
    a = alerts(p, metrics=("otif_rate",), include="all").set_index("supplier_id")
    assert a.attrs["tests"] == 10 and (a.loc[["G", "H"], "direction"] == "not tested").all()
    assert a.loc["G", "reason"] == (
        "12 periods with at least 5 records, but only 0 pairs of consecutive ones, too few for the trend test "
        "corrected for carry-over from one period to the next (it needs 3 pairs); a longer window or longer "
        "periods give it more"
    )
    assert a.loc["H", "reason"].startswith("6 periods with at least 5 records, but only 2 pairs of consecutive")
    assert a.loc["G", "n_periods"] == 12 and not a["reason"].str.contains("season").any()
    # one series alone: its r1 cannot be estimated without neighbours, and it is not tested either rather than
    # tested as if its periods were independent (the classical test on such series over-rejects: 9.8 % at
    # phi 0.5 for 12 values every other month, 20,000 series)
    g = p.loc[p.supplier_id == "G", "otif_rate_k"].to_numpy() / 400.0
    g[~present["G"]] = np.nan
    r = mann_kendall(g)
    assert r.direction == "insufficient data" and r.n == 0 and np.isnan(r.p_value)
    assert mann_kendall(g, correction="none").n == 12
    # the bundled sample: V10016's OTIF has 6 such months (Jan, Feb, Mar, May, Jul, Sep 2026)
    s = alerts(sample_card, include="all").set_index(["supplier_id", "metric"])
    assert s.loc[("V10016", "otif_rate"), "reason"].startswith(
        "6 periods with at least 5 records, but only 2 pairs of consecutive ones"
    )
    assert not s["reason"].str.contains("None").any()


def test_alerts_rising_ppm_is_deterioration():
    rng = np.random.default_rng(2)
    rows = []
    for s, base in (("Q1", 300.0), ("Q2", 300.0), ("Q3", 300.0)):
        for i, per in enumerate(pd.period_range("2025-01", periods=12, freq="M")):
            rate = base * (1 + (i if s == "Q1" else 0) * 0.5) / 1e6
            units = 200_000
            rows.append((s, per, rng.binomial(units, rate), units, 10))
    p = pd.DataFrame(rows, columns=["supplier_id", "period", "ppm_k", "ppm_n", "lot_rejection_rate_n"])
    a = alerts(p, metrics=("ppm",)).set_index("supplier_id")
    assert a.loc["Q1", "direction"] == "deteriorating" and a.loc["Q1", "change"] > 250
    assert a.loc["Q1", "severity"] in ("high", "medium")


@pytest.mark.slow
@pytest.mark.parametrize("method", ["mann-kendall", "two-window"])
def test_false_alerts_under_no_trend_stay_within_fdr(method):
    # 200 data sets of 100 stable suppliers x 12 months (binomial counts from fixed probabilities).
    # With no trend anywhere every alert is false, so the false discovery proportion of a data set is 1
    # if it raises any alert and 0 otherwise; BH with independent tests keeps its expectation at or below
    # q = 0.05. The number of data sets with an alert is then Binomial(200, <= 0.05): mean <= 10, and
    # 20 is its 99.9 % quantile, so this fails by chance less than once in a thousand runs.
    limit = stats.binom.ppf(0.999, 200, 0.05)
    assert limit == 21
    with_alerts = 0
    for seed in range(200):
        p = _null_frame(np.random.default_rng([7, seed]), 100, 12)
        a = alerts(p, metrics=("otif_rate",), fdr=0.05, method=method)
        with_alerts += bool(a["direction"].isin(["deteriorating", "improving"]).any())
    assert with_alerts <= limit


@pytest.mark.slow
def test_false_discovery_share_with_real_trends_mixed_in():
    # 200 data sets of 100 suppliers, 10 of them with a real trend; the share of false alerts among
    # alerts, averaged over the data sets, must stay at or below q. Its standard error is below
    # sqrt(0.05 * 0.95 / 200) = 0.015 when the mean is 0.05, so 0.05 + 3 * 0.015 bounds chance.
    fdp = []
    for seed in range(200):
        rng = np.random.default_rng([8, seed])
        trend = np.zeros(100)
        trend[:10] = rng.choice([-0.3, 0.3], 10)
        a = alerts(_null_frame(rng, 100, 12, trend=trend), metrics=("otif_rate",))
        flagged = a.loc[a["direction"].isin(["deteriorating", "improving"]), "supplier_id"]
        false = (~flagged.isin([f"S{i:04d}" for i in range(10)])).sum()
        fdp.append(false / max(len(flagged), 1))
    assert np.mean(fdp) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 200)


def test_alerts_find_the_generators_trending_suppliers():
    # 40 suppliers, 150,000 receipts over two years; the generator plants 4 improving and 4 deteriorating
    # suppliers whose on-time probability moves by 25-32 points from January-April 2026 on. The window is
    # January-September 2026 (no October-December lateness season inside it) in ISO weeks, about 39 points
    # a supplier. Required: at least 7 of the 8 found in the right direction (a miss allowed: with ~60 lines
    # a week the weakest planted trend has power well below 1), none in the wrong direction, and at most
    # one stable supplier flagged (the FDR of 5 % allows an occasional false alert).
    d = sa.make_procurement_data(seed=2, n_suppliers=40, n_deliveries=150_000)
    card = sa.score(
        deliveries=d.deliveries,
        inspections=d.inspections,
        requests=d.requests,
        suppliers=d.suppliers,
        config={"periods": {"window_months": 9}},
        as_of="2026-09-30",
    )
    # Both the default (pre-whitened, r1 pooled over the suppliers) and the classical test meet it: 7 of 8 and
    # 8 of 8 (V10028, falling late and noisily, ends at q 0.06 pre-whitened).
    truth = d.truth.set_index("supplier_id")["trend"]
    for correction, need in (("prewhiten", 7), ("none", 7)):
        a = alerts(card, metrics=("on_time_rate",), period="week", min_periods=20, correction=correction)
        a["truth"] = a["supplier_id"].map(truth)
        flagged = a[a["direction"].isin(["deteriorating", "improving"])]
        found = (flagged["direction"] == flagged["truth"]).sum()
        assert found >= need, correction
        assert not ((flagged["truth"] != "stable") & (flagged["direction"] != flagged["truth"])).any()
        assert (flagged["truth"] == "stable").sum() <= 1
        assert (flagged["current_n"] > 0).all() and flagged["severity"].isin(["high", "medium", "low"]).all()


def test_alerts_seasonal():
    # 3 years of months; on-time falls 1.2 points a month towards December every year. A: the season only;
    # B: the season and a fall of 0.4 points a month; C: the last year only; S0-S4: stable at 90 %.
    rng = np.random.default_rng(1982)
    months = pd.period_range("2023-01", periods=36, freq="M")
    season = 0.93 - 0.012 * (np.arange(36) % 12)
    rows = []
    for sid, p in (("A", season), ("B", season - 0.004 * np.arange(36)), ("C", season)):
        k, n = rng.binomial(400, p), np.full(36, 400)
        k[: 24 if sid == "C" else 0] = n[: 24 if sid == "C" else 0] = 0
        rows += list(zip([sid] * 36, months, k, n))
    for i in range(5):
        rows += list(zip([f"S{i}"] * 36, months, rng.binomial(400, np.full(36, 0.9)), [400] * 36))
    p = pd.DataFrame(rows, columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"])
    a = alerts(p, metrics=("otif_rate",), include="all", seasonal=12, correction="none")
    assert a.attrs["method"].startswith("seasonal Mann-Kendall trend test (Hirsch, Slack & Smith 1982")
    assert "no correction for autocorrelation" in a.attrs["method"]
    assert (a["test"] == "seasonal Mann-Kendall (12)").all() and a.attrs["tests"] == 7
    r = a.set_index("supplier_id")
    assert r.loc["B", "direction"] == "deteriorating" and r.loc["A", "direction"] == "no alert"
    b = p[p.supplier_id == "B"]
    ref = seasonal_mann_kendall(b["otif_rate_k"] / b["otif_rate_n"], period=12)
    assert r.loc["B", "p_value"] == ref.p_value and r.loc["B", "slope"] == ref.slope
    # C has one January, one February, ...: nothing to compare within a season
    assert r.loc["C", "direction"] == "not tested" and "no two periods of one season" in r.loc["C", "reason"]
    # by default the variance of S adds the covariances between seasons (Hirsch & Slack 1984); over 3 years
    # it cannot raise an alert at all (a perfectly steady fall: p = 0.128), and B is not one
    hs = alerts(p, metrics=("otif_rate",), include="all", seasonal=12).set_index("supplier_id")
    assert "covariances between seasons estimated from the ranks (Hirsch & Slack 1984)" in hs.attrs["method"]
    corrected = seasonal_mann_kendall(b["otif_rate_k"] / b["otif_rate_n"], period=12, correction="hirsch-slack")
    assert hs.loc["B", "p_value"] == corrected.p_value and corrected.var_s > ref.var_s
    assert hs.loc["B", "p_value"] >= seasonal_mann_kendall(-np.arange(36.0), correction="hirsch-slack").p_value
    assert not hs["direction"].isin(["deteriorating", "improving"]).any() and hs.attrs["tests"] == 7
    assert hs.loc["C", "reason"] == r.loc["C", "reason"]
    # the classical test takes C's December slide within its one year for a deterioration
    none = alerts(p, metrics=("otif_rate",), include="all", correction="none").set_index("supplier_id")
    assert none.loc["C", "direction"] == "deteriorating" and none.loc["C", "test"] == "Mann-Kendall"
    # min_periods still applies
    few = alerts(p, metrics=("otif_rate",), seasonal=12, min_periods=37).set_index("supplier_id")
    assert (
        few.attrs["tests"] == 0
        and few.loc["A", "reason"] == "36 periods with at least 5 records; the trend test needs 37"
    )
    assert alerts(p, metrics=("otif_rate",), seasonal=np.int64(12)).attrs["method"] == hs.attrs["method"]
    for bad in (1, 12.0, True, "12"):
        with pytest.raises(InputError, match="seasonal must be an integer number of periods per seasonal cycle"):
            alerts(p, metrics=("otif_rate",), seasonal=bad)
    with pytest.raises(InputError, match="seasonal applies to method='mann-kendall' only"):
        alerts(p, metrics=("otif_rate",), seasonal=12, method="two-window")
    with pytest.raises(InputError, match="correction must be 'hirsch-slack' or 'none' with seasonal=12"):
        alerts(p, metrics=("otif_rate",), seasonal=12, correction="prewhiten")
    with pytest.raises(InputError, match="correction must be 'prewhiten' or 'none', got 'hirsch-slack'"):
        alerts(p, metrics=("otif_rate",), correction="hirsch-slack")


def test_alerts_seasonal_says_when_the_covariances_leave_no_variance():
    # Two seasons, two years: the first season rises (0.80 -> 0.90), the second falls (0.90 -> 0.80). Each
    # season's Var S_g = 2 x 1 x 9 / 18 = 1; K_12 = (+1)(-1) = -1, ranks (1, 2) and (2, 1), sum R R = 4, so
    # sigma_12 = (-1 + 4 x 4 - 2 x 3 x 3) / 3 = -1 and Var S = 1 + 1 - 1 - 1 = 0: nothing to test against.
    months = pd.period_range("2025-01", periods=4, freq="M")
    p = pd.DataFrame({"supplier_id": "X", "period": months, "otif_rate_k": [80, 90, 90, 80], "otif_rate_n": [100] * 4})
    r = seasonal_mann_kendall([0.8, 0.9, 0.9, 0.8], period=2, correction="hirsch-slack")
    assert r.var_s == pytest.approx(0.0, abs=1e-12) and np.isnan(r.p_value) and r.direction == "insufficient data"
    a = alerts(p, metrics=("otif_rate",), seasonal=2, min_periods=4).set_index("supplier_id")
    assert a.loc["X", "direction"] == "not tested" and a.loc["X", "reason"] == (
        "the covariances between seasons (2 periods a year; Hirsch & Slack 1984) leave the trend test no "
        "variance: too few years to estimate them"
    )
    plain = alerts(p, metrics=("otif_rate",), seasonal=2, min_periods=4, correction="none", include="all")
    assert plain["direction"].tolist() == ["no alert"] and plain["p_value"].iloc[0] == 1.0  # S = 1 - 1 = 0


def test_alerts_rejects_bad_arguments():
    p = _frame([("A", "2026-01", 9, 10)])
    with pytest.raises(InputError, match="method must be 'mann-kendall' or 'two-window'"):
        alerts(p, metrics=("otif_rate",), method="cusum")
    with pytest.raises(InputError, match="fdr must lie strictly between 0 and 1"):
        alerts(p, metrics=("otif_rate",), fdr=0)
    with pytest.raises(InputError, match="correction must be 'prewhiten' or 'none'"):
        alerts(p, metrics=("otif_rate",), correction="hamed-rao")
    with pytest.raises(InputError, match="expected a Scorecard"):
        alerts([1, 2], metrics=("otif_rate",))
