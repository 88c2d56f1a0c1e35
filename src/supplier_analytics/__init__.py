"""supplier-analytics: supplier delivery, quality and responsiveness analytics.

The public surface lives here; modules may move, these names stay.
"""

from __future__ import annotations

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
from supplier_analytics.schema import TABLES
from supplier_analytics.ingest import ImportResult, Mapping, ValidationReport, read_mapping, read_table, validate_files
from supplier_analytics.datasets import ProcurementData, load_sample, make_procurement_data, write_procurement_data, write_sample
from supplier_analytics.config import Config, default_config, load_config
from supplier_analytics.metrics import MetricsResult, compute_metrics
from supplier_analytics.scoring import score_suppliers, scoring_explained
from supplier_analytics.plotting import plot_funnel, plot_pareto, plot_response_times, plot_scorecard
from supplier_analytics.plotting import (
    plot_days_late, plot_grade_stability, plot_intervals, plot_period_metric, plot_shrinkage,
)
from supplier_analytics.plotting import plot_control_chart, plot_portfolio_trends, plot_small_multiples
from supplier_analytics.evidence import EVIDENCE_METRICS, evidence
from supplier_analytics.scorecard import Scorecard, score
from supplier_analytics.actions import compare_before_after, read_actions
from supplier_analytics.reports.feedback import FeedbackPack, change_signals, feedback_pack, write_feedback_packs
from supplier_analytics.reports.review import ReviewPack, review_pack
from supplier_analytics.trends import (
    MannKendallResult, alerts, chart_signals, compare_windows, mann_kendall, p_chart, period_series, rolling_rate,
    u_chart,
)
from supplier_analytics.batch import Job, RunResult, load_job, run_job
from supplier_analytics import history

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
    "read_mapping",
    "validate_files",
    "ImportResult",
    "ValidationReport",
    "Mapping",
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
