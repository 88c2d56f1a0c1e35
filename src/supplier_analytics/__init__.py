"""supplier-analytics: supplier delivery, quality and responsiveness analytics.

The public surface lives here: the names in ``__all__`` and the modules in :data:`PUBLIC_MODULES`. The modules
in :data:`INTERNAL_MODULES` are the package's own workings; they may change or move without notice, so import
what you need from here or from a public module. Names are imported on first use
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
    UsageError,
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
            "DatabaseSource",
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
        ("plot_period_metric", "plot_control_chart", "plot_small_multiples", "plot_portfolio_trends", "plot_history"),
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
    **dict.fromkeys(("MannKendallResult", "mann_kendall", "seasonal_mann_kendall"), "supplier_analytics.trendtest"),
    **dict.fromkeys(("chart_signals", "p_chart", "u_chart"), "supplier_analytics.charts"),
    **dict.fromkeys(("Job", "RunResult", "load_job", "run_job"), "supplier_analytics.batch"),
    "history": "supplier_analytics.history",
}


#: The public modules, each with what it is for. ``sa.<module>`` gives them; their ``__all__`` is their surface.
PUBLIC_MODULES = {
    "errors": "exceptions, warnings and the command line's exit codes",
    "schema": "the canonical tables: columns, kinds, required or optional",
    "catalog": "the metric catalogue: label, unit, format, direction and records of every metric",
    "columns": "every output column for people: label, unit and display format, from the catalogue",
    "stats": "shared statistics: Wilson intervals, shrinkage, two-proportion and period tests, Benjamini-Hochberg",
    "config": "the scoring configuration: frozen dataclasses, TOML loading and validation",
    "ingest": "every way in: Excel, CSV and parquet exports, mappings, validation, the action log",
    "datasets": "the seeded generator and the bundled sample data",
    "aggregate": "mergeable per supplier and period statistics (PeriodStats, merge_stats)",
    "engines": "the pandas and dask engines behind one interface; partitioned parquet for dask",
    "metrics": "metric frames with counts and intervals (compute_metrics, MetricsResult)",
    "scoring": "points, dimension scores, grades, probabilities against targets, ranks",
    "evidence": "the records behind a number",
    "signals": "the one before/after comparison: windows, year on year, corrective actions",
    "actions": "the corrective-action log: open actions and before/after verdicts",
    "charts": "p, u and Laney control charts with run rules",
    "trends": "period series, trend tests and alerts",
    "portfolio": "segmentation, priorities, recognition and corrective-action candidates",
    "plotting": "plots that take ax=None and return the Axes",
    "reports": "the scorecard workbook, supplier feedback packs and the review pack",
    "scorecard": "score(): from canonical tables to graded suppliers, with evidence and outputs",
    "history": "the history store of batch runs",
    "batch": "scheduled batch scoring: job files, run folders, manifests",
}

#: The package's own workings: importable, but they may change without notice.
INTERNAL_MODULES = ("_io", "tables", "records", "trendtest", "findings", "cli")

#: old public name -> its module (which warns with a DeprecationWarning on each use)
_DEPRECATED = {"Mapping": "supplier_analytics.ingest"}


def __getattr__(name: str):
    if name in _DEPRECATED:  # not cached in globals(): every use warns
        return getattr(importlib.import_module(_DEPRECATED[name]), name)
    module = _LAZY.get(name)
    if module is None:  # a public submodule (sa.datasets, sa.stats, ...)
        if name not in PUBLIC_MODULES:
            raise AttributeError(f"module 'supplier_analytics' has no attribute {name!r}")
        value = importlib.import_module(f"supplier_analytics.{name}")
    elif module == f"supplier_analytics.{name}":
        value = importlib.import_module(module)
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(PUBLIC_MODULES))


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
    "DatabaseSource",
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
    "UsageError",
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
    "seasonal_mann_kendall",
    "MannKendallResult",
    "p_chart",
    "u_chart",
    "chart_signals",
    "compare_windows",
    "alerts",
    "plot_control_chart",
    "plot_small_multiples",
    "plot_portfolio_trends",
    "plot_history",
]
