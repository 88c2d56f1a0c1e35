"""The scorecard workbook: what a procurement user hands to a manager.

Sheets: Summary (grades with colours), Delivery, Quality, Responsiveness,
Request types, Defect Pareto, Periods, Rejected rows and Methodology (every
definition, tolerance, curve and weight used). Built from a
:class:`~supplier_analytics.scorecard.Scorecard`; takes only columns that exist,
so a scorecard without, say, inspections still gets a clean workbook.
"""

from __future__ import annotations

import pandas as pd

from supplier_analytics.reports.excel import SheetSpec, column_formats
from supplier_analytics.scoring import scoring_explained

ID_COLUMNS = ["supplier_id", "supplier_name", "category"]

SUMMARY = [
    "grade",
    "grade_probability",
    "provisional",
    "prob_A",
    "prob_B",
    "prob_C",
    "prob_D",
    "rank",
    "rank_low",
    "rank_high",
    "overall_score",
    "delivery_score",
    "quality_score",
    "responsiveness_score",
    "dimensions_used",
    "dimensions_at_peer_level",
    "metrics_at_peer_level",
    "thin_evidence",
    "reweighted",
    "grade_stability",
    "weight_sensitive",
    "n_deliveries",
    "otif_rate",
    "on_time_rate",
    "in_full_rate",
    "n_inspections",
    "ppm",
    "n_requests",
    "within_sla_rate",
    "median_response_hours",
]
DELIVERY = [
    "n_deliveries",
    "n_excluded_deliveries",
    "on_time_rate",
    "on_time_rate_low",
    "on_time_rate_high",
    "on_time_rate_shrunk",
    "on_time_rate_prob_below_target",
    "on_time_qty_rate",
    "early_rate",
    "late_rate",
    "in_full_rate",
    "in_full_rate_low",
    "in_full_rate_high",
    "otif_rate",
    "otif_rate_low",
    "otif_rate_high",
    "otif_rate_shrunk",
    "otif_rate_prob_below_target",
    "mean_days_late",
    *[f"{m}{x}" for m in ("median_days_late", "p90_days_late") for x in ("", "_low", "_high")],
    "mean_lead_time_days",
    "cv_lead_time",
    "pts_otif_rate",
    "pts_on_time_rate",
    "pts_in_full_rate",
    "delivery_score",
]
QUALITY = [
    "n_inspections",
    "n_excluded_inspections",
    "quantity_inspected",
    "defective_quantity",
    "ppm",
    "ppm_low",
    "ppm_high",
    "ppm_shrunk",
    "defective_quantity_uninspected",
    "n_lots_without_quantity",
    "lot_rejection_rate",
    "lot_rejection_rate_low",
    "lot_rejection_rate_high",
    "lot_rejection_rate_shrunk",
    "n_incidents",
    "downtime_minutes",
    "pts_ppm",
    "pts_lot_rejection_rate",
    "quality_score",
]
RESPONSIVENESS = [
    "n_requests",
    "n_excluded_requests",
    "n_responded",
    *[f"{m}{x}" for m in ("median_response_hours", "p90_response_hours") for x in ("", "_low", "_high")],
    "within_sla_rate",
    "within_sla_rate_low",
    "within_sla_rate_high",
    "within_sla_rate_shrunk",
    "within_sla_rate_prob_below_target",
    "open_requests",
    "overdue_requests",
    "n_corrective_actions",
    *[f"median_capa_closure_days{x}" for x in ("", "_low", "_high")],
    "capa_on_time_rate",
    "open_corrective_actions",
    "pts_within_sla_rate",
    "pts_capa_on_time_rate",
    "responsiveness_score",
]


def _pick(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    keep = [c for c in ID_COLUMNS + columns if c in frame.columns]
    return frame[keep]


def _sheet(title, frame, notes=(), grade_column=None) -> SheetSpec:
    scores = tuple(c for c in frame.columns if c.endswith("_score") or c.startswith("pts_"))
    return SheetSpec(
        title,
        frame,
        formats=column_formats(frame.columns),
        grade_column=grade_column,
        score_columns=scores,
        notes=tuple(notes),
    )


def methodology_frame(card) -> pd.DataFrame:
    """Every configuration value used, as (section, key, value) rows."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            section, _, key = prefix.partition(".")
            rows.append({"section": section, "key": key, "value": str(value)})

    walk("", card.config.to_dict())
    return pd.DataFrame(rows, columns=["section", "key", "value"])


def scorecard_sheets(card) -> list[SheetSpec]:
    """The sheets of the scorecard workbook for ``card`` (a :class:`~supplier_analytics.Scorecard`).

    Number formats come from the metric catalogue: rates, their intervals and probabilities as
    percentages, PPM and counts as whole numbers, points and scores with one decimal.
    """
    s = card.suppliers
    sort_cols = [c for c in ("rank", "supplier_id") if c in s.columns]
    s = s.sort_values(sort_cols, na_position="last", kind="stable")
    w0, w1 = card.window
    peer = (
        "one per metric per purchasing category (scoring.peer_groups = category)"
        if card.config.scoring.peer_groups == "category"
        else "one per metric across the whole supplier base"
    )
    head = (
        f"Supplier scorecard as of {card.as_of.date()}; window {w0.date()} to {w1.date()}; {len(s)} suppliers.",
        "Rates are fractions shown as percentages with 95% Wilson intervals (_low/_high); empty cells mean "
        "no data, never zero. The grade is the most probable one over posterior draws (grade_probability; "
        "provisional when low); rank_low to rank_high holds the rank in 95% of the draws. A dimension without "
        f"records is scored at the peer level ({peer}; dimensions_at_peer_level); thin_evidence changes no score.",
    )
    m = card.metrics
    sheets = [_sheet("Summary", _pick(s, SUMMARY), head, grade_column="grade")]
    quantiles = (
        "Medians and 90th percentiles are given from 10 records up, with a 95% interval from the order "
        "statistics (_low to _high, no assumption on the distribution); with fewer records they are empty.",
    )
    for title, cols, count in (
        ("Delivery", DELIVERY, "n_deliveries"),
        ("Quality", QUALITY, "n_inspections"),
        ("Responsiveness", RESPONSIVENESS, "n_requests"),
    ):
        if count in s.columns:
            sheets.append(_sheet(title, _pick(s, cols), quantiles if title != "Quality" else ()))
    by_type = getattr(m, "by_request_type", None)
    if by_type is not None and len(by_type):
        sheets.append(_sheet("Request types", by_type))
    pareto = getattr(m, "pareto", None)
    if pareto is not None and len(pareto):
        sheets.append(_sheet("Defect Pareto", pareto))
    periods = card.periods.copy()
    if "period" in periods.columns:
        periods["period"] = periods["period"].astype(str)
    sheets.append(_sheet("Periods", periods, ("One row per supplier and period; empty periods have empty rates.",)))
    rejected = card.rejected
    sheets.append(
        _sheet(
            "Rejected rows",
            rejected,
            (f"{len(rejected)} problems in the input files; each row names file, sheet, row and column.",),
        )
    )
    explained = scoring_explained(card.config)
    sheets.append(
        _sheet(
            "Scoring weights",
            explained,
            ("How each metric becomes points and how much it weighs in the overall score.",),
        )
    )
    sheets.append(
        _sheet(
            "Methodology",
            methodology_frame(card),
            (
                "Every definition, tolerance, target, curve, weight and evidence threshold used for this card.",
                f"Configuration hash {card.config.hash()}.",
            ),
        )
    )
    return sheets
