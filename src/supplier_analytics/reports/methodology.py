"""The scorecard's method in words: each metric's definition and formula, what counts, the settings used
and each statistical method in a plain paragraph.

For the Methodology and Weights sheets of the scorecard workbook: a manager reads them without a
glossary, so nothing here is a configuration key or a column name. Numbers are shown in the unit of their
metric (``93.0%``, ``500 ppm``, ``2.0 days``), from the catalogue.

Examples
--------
>>> curve_in_words("otif_rate", [(0.5, 0.0), (0.7, 30.0), (0.95, 100.0)])
'50.0% or less: 0 points; 70.0%: 30 points; 95.0% or more: 100 points; straight lines in between'
"""

from __future__ import annotations

import pandas as pd

from supplier_analytics.catalog import DIMENSIONS, METRICS, spec
from supplier_analytics.reports.pack_text import people_text
from supplier_analytics.scoring import scoring_explained

__all__ = ["curve_in_words", "methodology_frame", "weights_frame", "FORMULAS"]

#: How each scored metric is computed, in words (the catalogue gives the definition).
FORMULAS = {
    "otif_rate": "order lines on time and in full ÷ order lines judged",
    "on_time_rate": "order lines received inside the on-time window ÷ order lines judged",
    "in_full_rate": "order lines whose received quantity reaches the ordered quantity ÷ order lines judged",
    "early_rate": "order lines received before the on-time window ÷ order lines judged",
    "late_rate": "order lines received after the on-time window ÷ order lines judged",
    "ppm": "defective units ÷ units inspected × 1,000,000",
    "lot_rejection_rate": "lots with defects ÷ lots with an inspected quantity",
    "incidents_per_month": "quality incidents ÷ months the supplier was active in the window",
    "downtime_minutes_per_month": "downtime minutes ÷ months the supplier was active in the window",
    "within_sla_rate": "requests answered within their service level ÷ requests answered or past their service level",
    "capa_on_time_rate": "corrective actions closed by their due date ÷ corrective actions closed or past due",
    "median_response_hours": "the middle value of the hours from sending to answer, over answered requests",
    "median_days_late": "the middle value of the days late of the judged lines (on time counts 0)",
    "mean_days_late": "total days late ÷ order lines judged (on time counts 0)",
}


def _better(metric: str) -> str:
    m = spec(metric)
    return "higher is better" if m.higher_is_better else "lower is better" if m.lower_is_better else "a volume"


def _fmt(metric: str, value: float) -> str:
    return spec(metric).format(value, unit_suffix=True)


def curve_in_words(metric: str, curve) -> str:
    """A points curve as people read it: each breakpoint in the metric's unit and its points."""
    pts = [(float(v), float(p)) for v, p in curve]
    parts = []
    for i, (v, p) in enumerate(pts):
        where = " or less" if i == 0 else " or more" if i == len(pts) - 1 else ""
        parts.append(f"{_fmt(metric, v)}{where}: {p:.0f} points")
    return "; ".join(parts) + "; straight lines in between"


def weights_frame(config) -> pd.DataFrame:
    """One row per scored metric, in people's words: its weights, which way is better, its curve and target."""
    t = scoring_explained(config)
    rows = []
    for r in t.itertuples(index=False):
        target = r.target
        rows.append(
            {
                "dimension": str(r.dimension).capitalize(),
                "metric": spec(r.metric).label,
                "metric_weight": r.metric_weight,
                "dimension_weight": r.dimension_weight,
                "effective_weight": r.effective_weight,
                "better": _better(r.metric),
                "curve": curve_in_words(r.metric, config.scoring.curves[r.metric]),
                "target": "none" if pd.isna(target) else _fmt(r.metric, float(target)),
                "shrunk": bool(r.shrunk),
            }
        )
    return pd.DataFrame(rows, columns=list(t.columns))


def _days(n) -> str:
    return f"{n:g} day" + ("" if n == 1 else "s")


def _settings(card) -> list[tuple[str, str]]:
    cfg = card.config
    d, p, r, s, e = cfg.delivery, cfg.periods, cfg.responsiveness, cfg.scoring, cfg.evidence
    ref = "promised date" if d.reference_date == "promised" else "requested date"
    early = (
        "any time before the " + ref
        if d.early_tolerance_days is None
        else f"up to {_days(d.early_tolerance_days)} before the {ref}"
    )
    basis = (
        "calendar days"
        if d.day_basis == "calendar"
        else f"working days (weekend: {', '.join(d.weekend) or 'none'}; {len(d.holidays)} holidays)"
    )
    levels = "; ".join(
        f"{people_text(k)}: {v:g} hours" for k, v in r.service_level_hours.items() if k != "default"
    )  # request types by their names for people ("Request for quotation: 72 hours")
    levels = (levels + "; " if levels else "") + f"any other type: {r.service_level_hours['default']:g} hours"
    grades = ", ".join(f"{g} from {m:g}" for g, m in s.grades)
    dims = ", ".join(f"{dim} {w:.0%}" for dim, w in _normalised(s.weights).items())
    targets = "; ".join(f"{spec(m).label} {_fmt(m, v)}" for m, v in cfg.targets.items()) or "none"
    return [
        ("Period and window", f"{p.period.capitalize()}ly periods; a {p.window_months}-month window ending on the "
         f"as-of date."),
        ("On-time window", f"A line is on time when received from {early} to {_days(d.late_tolerance_days)} after "
         f"it, counted in {basis}."),
        ("In full", f"Received quantity at least the ordered quantity less {d.in_full_tolerance:.0%}; "
         + ("over-delivery counts as in full." if d.over_delivery_in_full else "over-delivery is not in full.")),
        ("Open order lines", "Lines not received by the as-of date and past their date count as late and not in full."
         if d.open_lines == "count_past_due" else "Lines not received by the as-of date are not counted."),
        ("Service levels", levels + "."),
        ("Corrective actions", f"Due {_days(r.corrective_action_days)} after the request."),
        ("Targets", targets + "."),
        ("Dimension weights", dims + "."),
        ("Grade bands", f"Overall score {grades} (points out of 100)."),
        ("Weighting toward peers", ("On: each rate is pulled toward its peer level, the more the fewer its records; "
         + ("peers are the purchasing category." if s.peer_groups == "category" else "peers are all suppliers."))
         if s.shrinkage else "Off: each rate is used as measured."),
        ("How sure a grade must be", f"A grade with a chance below {s.uncertainty.provisional_below:.0%} is marked "
         f"provisional ({s.uncertainty.draws:,} simulated scorecards)."),
        ("Grade stability", f"{s.sensitivity.draws:,} random sets of dimension weights; a grade that holds in less "
         f"than {s.sensitivity.stable_share:.0%} of them depends on the weights."),
        ("Few records", f"Fewer than {e.min_deliveries} order lines, {e.min_inspections} lots or {e.min_requests} "
         "requests in the window mark a dimension as having few records (no score changes)."),
    ]  # fmt: skip


def _normalised(weights) -> dict[str, float]:
    total = sum(float(w) for w in weights.values()) or 1.0
    return {str(k): float(w) / total for k, w in weights.items()}


_METHODS = [
    ("95% intervals of a rate",
     "Each rate comes with a range that holds the supplier's true rate with 95% confidence (the Wilson interval). "
     "The range is wide when there are few records and narrows as records add up."),
    ("Medians and the 90th percentile",
     "Shown from 10 records up, with a 95% range taken from the sorted records themselves, which needs no assumption "
     "about how the values are spread. With fewer records the cells are empty."),
    ("Weighting toward peers",
     "A rate measured on few records is pulled toward the level of its peers before it earns points, so 3 on-time "
     "deliveries out of 3 do not outrank 2,950 out of 3,000. With many records the supplier's own rate dominates. "
     "A supplier without any record in a dimension is scored at the peer level, and the Summary says so."),
    ("Chance below (or above) target",
     "How likely the supplier's true rate misses its target, given its records. 100% means the records leave no "
     "doubt the target is missed; a value near 50% means the records cannot tell."),
    ("Points and scores",
     "Each metric earns 0 to 100 points through its curve (see the Weights sheet). A dimension score is the weighted "
     "mean of its metrics' points; the overall score the weighted mean of the dimension scores."),
    ("How sure the grade is",
     "The scorecard is simulated many times, each time drawing every rate from the range its records allow. The "
     "share of simulations that give a grade is its chance; the grade shown is the most likely one, and it is marked "
     "provisional when that chance is low."),
    ("Rank and its range",
     "Rank 1 is the best overall score. The best and worst likely ranks hold the rank in 95% of the simulations."),
    ("Grade stability",
     "The dimension weights are varied at random around the configured ones; the share of variations in which the "
     "grade stays the same is its stability."),
    ("Empty cells",
     "An empty cell means no data, never zero. A supplier without any record is shown as insufficient evidence."),
]  # fmt: skip


def methodology_frame(card) -> pd.DataFrame:
    """The Methodology sheet: (section, topic, explanation) rows in plain words."""
    w0, w1 = card.window
    rows = [
        ("About", "This scorecard", f"As of {card.as_of.date()}; records from {w0.date()} to {w1.date()}; "
         f"{len(card.suppliers)} suppliers; settings fingerprint {card.config.hash()}."),
        ("About", "Grades", "Each supplier is scored 0-100 on delivery, quality and responsiveness; the weighted "
         "overall score gives the grade (A best, D worst)."),
    ]  # fmt: skip
    used = set(scoring_explained(card.config)["metric"])
    for dim in DIMENSIONS:
        for m in (x for x in METRICS if METRICS[x].dimension == dim and x in used):
            ms = METRICS[m]
            text = ms.definition
            if m in FORMULAS:
                text += f" Formula: {FORMULAS[m]}."
            text += f" {_better(m).capitalize()}."
            rows.append((f"Metric ({dim})", ms.label, text))
    counts = (
        "Records excused by an exclusion (with its reason) are counted apart and not scored; so are order lines "
        "without the date they are judged against. Each order line counts once, all its receipts combined."
    )
    rows.append(("What counts", "Excluded and unjudged records", counts))
    rows.append(
        (
            "What counts",
            "Quality records",
            "PPM and the lot rejection rate count only lots with an inspected quantity; defects reported without "
            "one are shown beside them, and incidents and downtime count every lot and report.",
        )
    )
    rows += [("Setting", topic, text) for topic, text in _settings(card)]
    rows += [("Statistical method", topic, text) for topic, text in _METHODS]
    return pd.DataFrame(rows, columns=["section", "topic", "explanation"])
