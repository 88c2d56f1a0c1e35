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

from supplier_analytics.stats.comparisons import (
    PeriodProportionTest,
    ProportionTest,
    benjamini_hochberg,
    estimate_autocorrelation,
    period_proportion_test,
    two_proportion_test,
)
from supplier_analytics.stats.intervals import funnel_limits, funnel_outside, wilson_interval
from supplier_analytics.stats.shrinkage import (
    beta_piecewise_mean,
    fit_beta_binomial,
    prob_below,
    rank_interval,
    shrink_rate,
)

__all__ = [
    "wilson_interval",
    "fit_beta_binomial",
    "shrink_rate",
    "prob_below",
    "rank_interval",
    "beta_piecewise_mean",
    "two_proportion_test",
    "ProportionTest",
    "period_proportion_test",
    "estimate_autocorrelation",
    "PeriodProportionTest",
    "benjamini_hochberg",
    "funnel_limits",
    "funnel_outside",
]
