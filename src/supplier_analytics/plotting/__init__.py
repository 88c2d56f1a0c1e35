"""Plots for notebooks and reports: each takes ``ax=None, **kwargs`` and returns the Axes.

No function here shows a figure or writes a file: pass an Axes to draw into
your own layout, or leave ``ax`` out and a new figure is made. Empty or
all-NaN input draws an empty, labelled Axes instead of failing. Axis labels,
titles and legends name metrics by their label in the metric catalogue
(:mod:`supplier_analytics.catalog`), and an axis showing a rate shows percentages.

Modules: :mod:`~supplier_analytics.plotting.scores` (scores and rates per
supplier), :mod:`~supplier_analytics.plotting.periods` (over time, control
charts) and :mod:`~supplier_analytics.plotting.distributions` (Pareto, days
late, response times); every function is importable from here.

Functions
---------
plot_scorecard
    Overall score per supplier as horizontal bars coloured by grade.
plot_funnel
    A rate against volume with 95 % and 99.8 % funnel limits (Spiegelhalter 2005).
plot_pareto
    Defects by code with the cumulative share on a second axis.
plot_response_times
    Distribution of response hours per request type, with service levels.
plot_period_metric
    A metric per period with its Wilson band; empty periods are gaps.
plot_intervals
    A rate per supplier with its 95 % interval (forest plot).
plot_shrinkage
    Raw against shrunk rate by volume, with the peer level.
plot_days_late
    Histogram of days from the reference date, on-time window shaded.
plot_grade_stability
    Overall score against grade stability; weight-sensitive suppliers marked.
plot_control_chart
    A p- or u-chart (or Laney's p') with its limits and run-rule signals marked.
plot_small_multiples
    One panel per supplier: a metric over time with control limits.
plot_portfolio_trends
    Each supplier's trend against its current level, alerts coloured.
plot_history
    A metric of every supplier at each as-of date, the few that moved most picked out.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from supplier_analytics.plotting import plot_scorecard
>>> frame = pd.DataFrame({"supplier_id": ["S1", "S2"], "overall_score": [91.0, 64.0], "grade": ["A", "C"]})
>>> ax = plot_scorecard(frame)
>>> len(ax.patches)
2
"""

from __future__ import annotations

from supplier_analytics.plotting.distributions import plot_days_late, plot_pareto, plot_response_times
from supplier_analytics.plotting.periods import (
    plot_control_chart,
    plot_history,
    plot_period_metric,
    plot_portfolio_trends,
    plot_small_multiples,
)
from supplier_analytics.plotting.scores import (
    plot_funnel,
    plot_grade_stability,
    plot_intervals,
    plot_scorecard,
    plot_shrinkage,
)

__all__ = [
    "plot_scorecard",
    "plot_funnel",
    "plot_pareto",
    "plot_response_times",
    "plot_period_metric",
    "plot_intervals",
    "plot_shrinkage",
    "plot_days_late",
    "plot_grade_stability",
    "plot_control_chart",
    "plot_small_multiples",
    "plot_portfolio_trends",
    "plot_history",
]
