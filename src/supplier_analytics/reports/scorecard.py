"""The scorecard workbook: what a procurement user hands to a manager.

Sheets: Summary (what a manager reads: grade, how sure it is, scores, rank and why), Grades (chances and
evidence), Delivery, Quality, Responsiveness, Request types, Defects, Periods (headline figures), Rejected
rows, Weights and Methodology (the method in words). Headers are labels for people and every number takes
its format from :mod:`supplier_analytics.columns`; the CSV files keep the canonical column names. Built from
a :class:`~supplier_analytics.scorecard.Scorecard`; takes only columns that exist, so a scorecard without,
say, inspections still gets a clean workbook.
"""

from __future__ import annotations

import pandas as pd

from supplier_analytics.catalog import METRICS, format_value, label
from supplier_analytics.columns import code_words, column_label
from supplier_analytics.reports.excel import SheetSpec
from supplier_analytics.reports.methodology import methodology_frame, weights_frame

ID_COLUMNS = ["supplier_id", "supplier_name", "category"]

#: The Summary sheet: what a manager reads (the "why" note is built from the metrics and the evidence flags).
SUMMARY = [
    "grade",
    "grade_probability",
    "overall_score",
    "delivery_score",
    "quality_score",
    "responsiveness_score",
    "rank",
    "rank_low",
    "rank_high",
    "why",
]
#: How sure each grade is, and why: the Grades sheet.
GRADES = [
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
    "grade_stability",
    "weight_sensitive",
    "dimensions_used",
    "dimensions_at_peer_level",
    "metrics_at_peer_level",
    "thin_evidence",
    "n_deliveries",
    "n_inspections",
    "n_requests",
]
#: The Periods sheet: the headline figures per period (every column is in periods.csv).
PERIODS = [
    "period",
    "period_start",
    "n_deliveries",
    "otif_rate",
    "on_time_rate",
    "in_full_rate",
    "mean_days_late",
    "n_inspections",
    "ppm",
    "lot_rejection_rate",
    "n_incidents",
    "n_requests",
    "within_sla_rate",
    "median_response_hours",
    "capa_on_time_rate",
]
#: Rows of a records sheet written to the workbook; the rest is in the CSV beside it.
MAX_SHEET_ROWS = 20_000
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


def _pick(frame: pd.DataFrame, columns: list[str], names: pd.DataFrame | None = None) -> pd.DataFrame:
    """The identity columns and ``columns`` of ``frame`` that exist; ``names`` (the suppliers) adds the
    supplier's name and category to a frame that has only its id."""
    if names is not None and "supplier_id" in frame.columns:
        info = [c for c in ("supplier_name", "category") if c in names.columns and c not in frame.columns]
        if info:
            frame = frame.merge(
                names[["supplier_id", *info]].drop_duplicates("supplier_id"), on="supplier_id", how="left"
            )
    keep = [c for c in ID_COLUMNS if c in frame.columns]
    keep += [c for c in columns if c in frame.columns and c not in keep]
    return frame[keep]


def _in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes in cells people read as words: listed metrics by their labels, request types as words (the CSVs
    keep the codes)."""
    out = frame
    if "metrics_at_peer_level" in out.columns:
        out = out.assign(
            metrics_at_peer_level=out["metrics_at_peer_level"].map(
                lambda v: ", ".join(label(m.strip()) for m in v.split(",") if m.strip()) if isinstance(v, str) else v
            )
        )
    if "request_type" in out.columns:
        out = out.assign(request_type=out["request_type"].map(lambda v: code_words(v) if isinstance(v, str) else v))
    return out


def _sheet(title, frame, notes=(), grade_column=None, **kw) -> SheetSpec:
    scores = tuple(c for c in frame.columns if c.endswith("_score") or c.startswith("pts_"))
    return SheetSpec(
        title,
        _in_words(frame),
        grade_column=grade_column,
        score_columns=scores,
        notes=tuple(notes),
        labels=True,
        **kw,
    )


def _drop_uninformative(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop the chances against target that read the same for every supplier (100.0% for all, say): they tell a
    reader nothing here and stay in suppliers.csv."""
    dropped = []
    for c in [c for c in frame.columns if c.endswith(("_prob_below_target", "_prob_above_target"))]:
        shown = frame[c].dropna().round(3).unique()
        if len(shown) <= 1:
            dropped.append(c)
    return frame.drop(columns=dropped), dropped


def why(row, targets=None) -> str:
    """A plain note on a supplier's grade: its weakest scored metric with the records behind it, the metrics
    missing their target, and how sure the evidence is.

    Examples
    --------
    >>> import pandas as pd
    >>> why(pd.Series({"grade": "C", "otif_rate": 0.71, "pts_otif_rate": 32.0, "otif_rate_n": 120,
    ...                "ppm": 120.0, "pts_ppm": 95.2, "grade_probability": 0.55, "provisional": True,
    ...                "thin_evidence": "quality"}), {"otif_rate": 0.93, "ppm": 500.0})
    'Weakest: On time in full (OTIF) 71.0% on 120 lines (32 points). Misses its target on: On time in full (OTIF). Not sure: 55% chance of this grade. Few records in quality.'
    """
    if row.get("grade") == "insufficient evidence":
        return "No records in the window, so no grade."
    scored = []
    for col, pts in row.items():
        if isinstance(col, str) and col.startswith("pts_") and col[4:] in METRICS and pd.notna(pts):
            value = row.get(col[4:])
            if value is not None and pd.notna(value):  # the supplier's own records, not the peer level
                scored.append((float(pts), col[4:], value))
    parts = []
    if scored:
        pts, name, value = min(scored, key=lambda x: x[0])
        m = METRICS[name]
        n = row.get(m.evidence_count) if m.evidence_count else None
        on = f" on {float(n):,.0f} {m.record_noun}" if n is not None and pd.notna(n) else ""
        parts.append(f"Weakest: {m.label} {format_value(name, value, unit_suffix=True)}{on} ({pts:.0f} points).")
    missed = []
    for name, target in (targets or {}).items():
        value = row.get(name)
        if name in METRICS and value is not None and pd.notna(value):
            worse = value > target if METRICS[name].lower_is_better else value < target
            if worse:
                missed.append(label(name))
    if missed:
        parts.append(f"Misses its target on: {', '.join(missed)}.")
    if bool(row.get("provisional")) and pd.notna(row.get("grade_probability")):
        parts.append(f"Not sure: {float(row['grade_probability']):.0%} chance of this grade.")
    for key, text in (
        ("dimensions_at_peer_level", "No records in {}: scored at the peer level."),
        ("thin_evidence", "Few records in {}."),
    ):
        v = row.get(key)
        if isinstance(v, str) and v:
            parts.append(text.format(v))
    if bool(row.get("weight_sensitive")):
        parts.append("The grade depends on the dimension weights.")
    return " ".join(parts)


def scorecard_sheets(card) -> list[SheetSpec]:
    """The sheets of the scorecard workbook for ``card`` (a :class:`~supplier_analytics.Scorecard`).

    Headers are labels for people and number formats come from :mod:`supplier_analytics.columns` (rates,
    their intervals and probabilities as percentages, PPM and counts as whole numbers, points and scores with
    one decimal); the CSV files keep the canonical column names.
    """
    s = card.suppliers
    sort_cols = [c for c in ("rank", "supplier_id") if c in s.columns]
    s = s.sort_values(sort_cols, na_position="last", kind="stable").reset_index(drop=True)
    w0, w1 = card.window
    targets = dict(card.config.targets)
    summary = s.assign(why=[why(r, targets) for _, r in s.iterrows()])
    grades = ", ".join(f"{g} from {m:g}" for g, m in card.config.scoring.grades)
    head = (
        f"Supplier scorecard as of {card.as_of.date()}: records from {w0.date()} to {w1.date()}, {len(s)} suppliers.",
        f"Scores are points out of 100; grades by overall score ({grades}). How sure the grade is: the chance, given "
        "the records, that it is the supplier's grade. The rank range holds the rank in 95% of simulated scorecards.",
        "Details: Grades (chances and evidence), one sheet per dimension, Periods; the method in words: Methodology.",
    )
    sheets = [
        _sheet("Summary", _pick(summary, SUMMARY), head, grade_column="grade", widths={"why": 70}, wrap=True),
        _sheet(
            "Grades",
            _pick(s, GRADES),
            ("How sure each grade is, and the evidence behind it. Empty cells mean no data, never zero.",),
            grade_column="grade",
        ),
    ]
    intervals = (
        "Each rate has a 95% range (lower and upper bound) that narrows as records add up; medians and 90th "
        "percentiles are given from 10 records up. Empty cells mean no data, never zero.",
        "Weighted toward peers: the figure used for points, pulled toward the peer level the more the fewer the "
        "records. Chance below target: how likely the true rate misses the target (see Methodology).",
    )
    for title, cols, count in (
        ("Delivery", DELIVERY, "n_deliveries"),
        ("Quality", QUALITY, "n_inspections"),
        ("Responsiveness", RESPONSIVENESS, "n_requests"),
    ):
        if count in s.columns:
            frame, dropped = _drop_uninformative(_pick(s, cols))
            notes = list(intervals)
            if dropped:
                notes.append(
                    f"{', '.join(column_label(c) for c in dropped)}: the same for every supplier, so left out here "
                    "(in suppliers.csv)."
                )
            sheets.append(_sheet(title, frame, notes))
    m = card.metrics
    by_type = getattr(m, "by_request_type", None)
    if by_type is not None and len(by_type):
        cols = [c for c in RESPONSIVENESS if not c.startswith("pts_") and c != "responsiveness_score"]
        sheets.append(
            _sheet(
                "Request types", _pick(by_type, ["request_type", *cols], s), ("One row per supplier and request type.",)
            )
        )
    pareto = getattr(m, "pareto", None)
    if pareto is not None and len(pareto):
        sheets.append(
            _sheet(
                "Defects",
                _pick(pareto, list(pareto.columns), s),
                ("Defects by supplier, largest first: the few codes that make most of the defective units.",),
            )
        )
    periods = card.periods.copy()
    if "period" in periods.columns:
        periods["period"] = periods["period"].astype(str)
    sheets.append(
        _sheet(
            "Periods",
            _pick(periods, PERIODS, s),
            ("One row per supplier and period, the headline figures; every figure with its range is in periods.csv. "
             "Empty periods have empty rates.",),
            max_rows=MAX_SHEET_ROWS,
            overflow_csv="periods.csv",
            overflow_frame=card.periods,
        )
    )  # fmt: skip
    rejected = card.rejected
    sheets.append(
        _sheet(
            "Rejected rows",
            rejected,
            (f"{len(rejected):,} problems in the input files; each row names the file, sheet, row and column.",),
            max_rows=MAX_SHEET_ROWS,
            overflow_csv="rejected_rows.csv",
        )
    )
    sheets.append(
        _sheet(
            "Weights",
            weights_frame(card.config),
            ("How each metric becomes points and how much it weighs in the overall score.",),
            widths={"curve": 60},
            wrap=True,
        )
    )
    sheets.append(
        _sheet(
            "Methodology",
            methodology_frame(card),
            ("How this scorecard is made, in words: the metrics, what counts, the settings and the methods.",),
            widths={"section": 18, "topic": 30, "explanation": 100},
            wrap=True,
        )
    )
    return sheets
