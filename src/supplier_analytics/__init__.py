"""supplier-analytics: supplier delivery, quality and responsiveness analytics.

The public surface lives here; modules may move, these names stay. Names are imported on first use
(PEP 562), so ``import supplier_analytics`` stays quick: reading a file with ``read_table`` does not load
scipy or matplotlib, which a command-line run or a batch job that only validates would otherwise pay
for at every start (about a second).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from supplier_analytics.errors import (
    ConfigError,
    DataWarning,
    InputError,
    InsufficientEvidenceWarning,
    LockedError,
    SupplierAnalyticsError,
    ValidationError,
)

# ``evidence`` is also the name of its module: imported now, or importing the module (which other modules
# do) would bind the module, not the function, to supplier_analytics.evidence
from supplier_analytics.evidence import EVIDENCE_METRICS, evidence  # noqa: E402

#: public name -> the module that defines it
_LAZY = {
    **dict.fromkeys(("TABLES",), "supplier_analytics.schema"),
    **dict.fromkeys(
        (
            "ColumnMapping",
            "ImportResult",
            "ValidationReport",
            "read_actions",
            "read_mapping",
            "read_parquet_table",
            "read_table",
            "validate_files",
        ),
        "supplier_analytics.ingest",
    ),
    **dict.fromkeys(
        ("ProcurementData", "load_sample", "make_procurement_data", "write_procurement_data", "write_sample"),
        "supplier_analytics.datasets",
    ),
    **dict.fromkeys(("Config", "default_config", "load_config"), "supplier_analytics.config"),
    **dict.fromkeys(("MetricsResult", "compute_metrics"), "supplier_analytics.metrics"),
    **dict.fromkeys(("score_suppliers", "scoring_explained"), "supplier_analytics.scoring"),
    **dict.fromkeys(
        ("plot_scorecard", "plot_funnel", "plot_intervals", "plot_shrinkage", "plot_grade_stability"),
        "supplier_analytics.plotting.scores",
    ),
    **dict.fromkeys(
        ("plot_period_metric", "plot_control_chart", "plot_small_multiples", "plot_portfolio_trends"),
        "supplier_analytics.plotting.periods",
    ),
    **dict.fromkeys(
        ("plot_pareto", "plot_response_times", "plot_days_late"), "supplier_analytics.plotting.distributions"
    ),
    **dict.fromkeys(("Scorecard", "score"), "supplier_analytics.scorecard"),
    **dict.fromkeys(("compare_before_after",), "supplier_analytics.actions"),
    **dict.fromkeys(("FeedbackPack", "feedback_pack", "write_feedback_packs"), "supplier_analytics.reports.feedback"),
    **dict.fromkeys(("ReviewPack", "review_pack"), "supplier_analytics.reports.review"),
    **dict.fromkeys(("change_signals",), "supplier_analytics.signals"),
    **dict.fromkeys(("alerts", "compare_windows", "period_series", "rolling_rate"), "supplier_analytics.trends"),
    **dict.fromkeys(("MannKendallResult", "mann_kendall"), "supplier_analytics.trendtest"),
    **dict.fromkeys(("chart_signals", "p_chart", "u_chart"), "supplier_analytics.charts"),
    **dict.fromkeys(("Job", "RunResult", "load_job", "run_job"), "supplier_analytics.batch"),
    "history": "supplier_analytics.history",
}


#: old public name -> its module (which warns with a DeprecationWarning on each use)
_DEPRECATED = {"Mapping": "supplier_analytics.ingest"}


def __getattr__(name: str):
    if name in _DEPRECATED:  # not cached in globals(): every use warns
        return getattr(importlib.import_module(_DEPRECATED[name]), name)
    module = _LAZY.get(name)
    if module is None:  # a submodule (sa.datasets, sa.stats, ...), as the eager imports used to bind them
        try:
            value = importlib.import_module(f"supplier_analytics.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module 'supplier_analytics' has no attribute {name!r}") from None
    elif module == f"supplier_analytics.{name}":
        value = importlib.import_module(module)
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "feedback_pack",
    "FeedbackPack",
    "write_feedback_packs",
    "change_signals",
    "review_pack",
    "ReviewPack",
    "read_actions",
    "compare_before_after",
    "score",
    "Scorecard",
    "evidence",
    "EVIDENCE_METRICS",
    "__version__",
    "TABLES",
    "read_table",
    "read_parquet_table",
    "read_mapping",
    "validate_files",
    "ImportResult",
    "ValidationReport",
    "ColumnMapping",
    "ProcurementData",
    "make_procurement_data",
    "write_procurement_data",
    "load_sample",
    "write_sample",
    "SupplierAnalyticsError",
    "InputError",
    "ValidationError",
    "ConfigError",
    "DataWarning",
    "InsufficientEvidenceWarning",
    "LockedError",
    "run_job",
    "load_job",
    "Job",
    "RunResult",
    "history",
    "Config",
    "load_config",
    "default_config",
    "compute_metrics",
    "MetricsResult",
    "score_suppliers",
    "scoring_explained",
    "plot_scorecard",
    "plot_funnel",
    "plot_pareto",
    "plot_response_times",
    "plot_period_metric",
    "plot_intervals",
    "plot_shrinkage",
    "plot_days_late",
    "plot_grade_stability",
    "period_series",
    "rolling_rate",
    "mann_kendall",
    "MannKendallResult",
    "p_chart",
    "u_chart",
    "chart_signals",
    "compare_windows",
    "alerts",
    "plot_control_chart",
    "plot_small_multiples",
    "plot_portfolio_trends",
]
