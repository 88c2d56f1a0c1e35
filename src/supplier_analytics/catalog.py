"""The metric catalogue: what each metric *is*, said once.

One frozen :class:`MetricSpec` per metric holds everything the rest of the package needs to know
about it: its label for people, its dimension, which direction is better, its unit and display
format, the records behind it (the judged-record table, the flag that marks a record as counting
and the column to sort the evidence by), the numerator and denominator columns of the metric
frames, its key in the ``[targets]`` table of the configuration, and the smallest change that is
worth reporting. Configuration, scoring, trends, evidence, actions, feedback, the workbook and
the plots read it; no other module says which metrics are lower-is-better.

This module imports nothing else of ours: everything may read it.

Examples
--------
>>> spec("ppm").label, spec("ppm").better, spec("ppm").format(1234.4)
('Defective parts per million (PPM)', 'lower', '1,234')
>>> spec("otif_rate").format(0.8304), spec("otif_rate").excel_format
('83.0%', '0.0%')
>>> lower_is_better("late_rate"), lower_is_better("on_time_rate")
(True, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "MetricSpec",
    "METRICS",
    "DIMENSIONS",
    "UNITS",
    "spec",
    "label",
    "format_value",
    "lower_is_better",
    "metrics_of",
    "RATES",
    "COUNT_METRICS",
    "RECORD_SHARES",
    "SCORABLE",
    "TARGETED",
]

#: The three scoring dimensions, in report order.
DIMENSIONS = ("delivery", "quality", "responsiveness")

#: Units, with how a value is shown to people (Python format) and in a workbook (Excel number format).
UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "rate": ("{:.1%}", "0.0%"),  # a fraction in [0, 1] shown as a percentage
        "ppm": ("{:,.0f}", "#,##0"),  # parts per million, a whole number
        "days": ("{:,.1f}", "#,##0.0"),
        "hours": ("{:,.1f}", "#,##0.0"),
        "minutes": ("{:,.0f}", "#,##0"),
        "count": ("{:,.0f}", "#,##0"),
        "quantity": ("{:,.0f}", "#,##0"),
        "per month": ("{:,.2f}", "#,##0.00"),
        "ratio": ("{:.2f}", "0.00"),
        "points": ("{:.1f}", "0.0"),  # scores 0-100
    }
)

_BETTER = ("higher", "lower", "neither")
_RECORD_TABLES = ("deliveries", "inspections", "requests")


@dataclass(frozen=True)
class MetricSpec:
    """What one metric is.

    Attributes
    ----------
    name : the column name in the metric frames (``otif_rate``).
    label : a name for people (``On time in full (OTIF)``).
    dimension : ``delivery``, ``quality``, ``responsiveness`` or ``overall`` (the overall score).
    better : ``higher``, ``lower`` or ``neither`` (a volume such as the number of deliveries).
    unit : a key of :data:`UNITS`: how the value is shown.
    definition : the definition in words, for methodology pages.
    records : the judged-record table behind it (``deliveries``, ``inspections``, ``requests``), or None.
    flag : the column of those records whose values define the evidence (its non-missing values are the
        denominator of a rate; None when every record counts).
    flag_against : whether the flag being true counts against the supplier (``late``, ``rejected``).
    sort_by : the record column the evidence is sorted by, worst first.
    numerator, denominator : columns of the metric frames holding the counts of a proportion (``_k``, ``_n``);
        None for metrics that are not a ratio of two counts.
    evidence_count : the column counting the records behind one figure (used for minimum-evidence rules).
    record_noun : what those records are, for sentences ("lines", "lots", "units inspected").
    target_key : the key of the ``[targets]`` table that may hold its target (None: no target possible).
    min_change : the smallest change (metric units) worth reporting as a trend or a signal; None when no
        change of the metric is reported.
    scale : multiply ``numerator / denominator`` by this to get the metric (1e6 for PPM).
    scorable : whether the configuration may give it a curve, a weight or a target.
    """

    name: str
    label: str
    dimension: str
    better: str
    unit: str
    definition: str
    records: str | None = None
    flag: str | None = None
    flag_against: bool = False
    sort_by: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    evidence_count: str | None = None
    record_noun: str = "records"
    target_key: str | None = None
    min_change: float | None = None
    scale: float = 1.0
    scorable: bool = False

    def __post_init__(self) -> None:
        if self.better not in _BETTER:
            raise ValueError(f"{self.name}: better must be one of {_BETTER}, not {self.better!r}")
        if self.unit not in UNITS:
            raise ValueError(f"{self.name}: unit must be one of {tuple(UNITS)}, not {self.unit!r}")
        if self.dimension not in (*DIMENSIONS, "overall"):
            raise ValueError(f"{self.name}: unknown dimension {self.dimension!r}")
        if self.records is not None and self.records not in _RECORD_TABLES:
            raise ValueError(f"{self.name}: records must be one of {_RECORD_TABLES}, not {self.records!r}")

    @property
    def is_rate(self) -> bool:
        """A fraction in [0, 1] with ``_k``, ``_n``, ``_low`` and ``_high`` columns."""
        return self.unit == "rate" and self.numerator is not None

    @property
    def is_count_metric(self) -> bool:
        """A ratio of two counts (a rate, or PPM): testable with a proportion test."""
        return self.numerator is not None and self.denominator is not None

    @property
    def lower_is_better(self) -> bool:
        return self.better == "lower"

    @property
    def higher_is_better(self) -> bool:
        return self.better == "higher"

    @property
    def excel_format(self) -> str:
        """The Excel number format of the value (a rate as a percentage: the cell holds the fraction)."""
        return UNITS[self.unit][1]

    def format(self, value, *, unit_suffix: bool = False) -> str:
        """The value as people read it; ``"n/a"`` when missing.

        Examples
        --------
        >>> spec("median_response_hours").format(5.25, unit_suffix=True)
        '5.2 hours'
        >>> spec("otif_rate").format(float("nan"))
        'n/a'
        """
        try:
            v = float(value)
        except (TypeError, ValueError):
            return "n/a"
        if math.isnan(v) or math.isinf(v):
            return "n/a"
        text = UNITS[self.unit][0].format(v)
        if unit_suffix and self.unit in ("ppm", "days", "hours", "minutes", "points"):
            text = f"{text} {self.unit}"
        return text


def _rate(
    name,
    label,
    dimension,
    better,
    definition,
    *,
    records,
    flag,
    flag_against=False,
    sort_by=None,
    noun="records",
    min_change=0.05,
    scorable=True,
    count=None,
) -> MetricSpec:
    return MetricSpec(
        name=name,
        label=label,
        dimension=dimension,
        better=better,
        unit="rate",
        definition=definition,
        records=records,
        flag=flag,
        flag_against=flag_against,
        sort_by=sort_by,
        numerator=f"{name}_k",
        denominator=f"{name}_n",
        evidence_count=count or f"{name}_n",
        record_noun=noun,
        target_key=name if scorable else None,
        min_change=min_change,
        scorable=scorable,
    )


def _spec(name, label, dimension, better, unit, definition, **kw) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, dimension=dimension, better=better, unit=unit, definition=definition, **kw
    )


_D, _Q, _R = "deliveries", "inspections", "requests"

# The table is kept one metric to a block, as data reads best (the formatter would put every field on a line).
# fmt: off
_ALL = (
    # ---------------------------------------------------------------- delivery
    _spec("n_deliveries", "Order lines judged", "delivery", "neither", "count",
          "Order lines received in the window and judged against their reference date (excluded lines and "
          "lines without a reference date are counted apart).", records=_D, sort_by="date_received",
          evidence_count="n_deliveries", record_noun="lines"),
    _spec("n_excluded_deliveries", "Order lines excluded", "delivery", "neither", "count",
          "Order lines excused from scoring by an exclusion, with its reason.", records=_D,
          sort_by="date_received", record_noun="lines"),
    _spec("n_not_judged_deliveries", "Order lines not judged", "delivery", "neither", "count",
          "Order lines without the reference date, so they cannot be judged on time.", records=_D,
          sort_by="date_received", record_noun="lines"),
    _spec("n_open_past_due", "Open lines past due", "delivery", "lower", "count",
          "Order lines with no receipt by the as-of date whose reference date plus the late tolerance lies "
          "before it: judged as late and not in full (so not OTIF), in the period of their reference date "
          "(0 with delivery.open_lines = \"ignore\").", records=_D, flag="open_past_due", flag_against=True,
          sort_by="days_late", evidence_count="n_deliveries", record_noun="lines"),
    _spec("n_open_not_counted", "Open lines not counted", "delivery", "neither", "count",
          "Order lines with no receipt by the as-of date that count in no rate: not yet due (every open line "
          "with delivery.open_lines = \"ignore\").", records=_D, sort_by="reference_date", record_noun="lines"),
    _rate("on_time_rate", "On time", "delivery", "higher",
          "Share of judged order lines received inside the on-time window around the reference date.",
          records=_D, flag="on_time", sort_by="days_from_reference", noun="lines"),
    _rate("early_rate", "Early", "delivery", "lower",
          "Share of judged order lines received before the on-time window.",
          records=_D, flag="early", flag_against=True, sort_by="days_from_reference", noun="lines"),
    _rate("late_rate", "Late", "delivery", "lower",
          "Share of judged order lines received after the on-time window.",
          records=_D, flag="late", flag_against=True, sort_by="days_late", noun="lines"),
    _rate("in_full_rate", "In full", "delivery", "higher",
          "Share of judged order lines whose received quantity (all receipts combined) reaches the ordered "
          "quantity within the tolerance.",
          records=_D, flag="in_full", sort_by="quantity_received", noun="lines"),
    _rate("otif_rate", "On time in full (OTIF)", "delivery", "higher",
          "Share of judged order lines that were both on time and in full.",
          records=_D, flag="otif", sort_by="days_late", noun="lines"),
    _rate("on_time_qty_rate", "Quantity on time", "delivery", "higher",
          "Net quantity received inside the on-time window as a share of the quantity ordered; a reversal takes "
          "back the latest quantity received before it, whatever its posting date.",
          records=_D, flag="on_time", sort_by="days_from_reference", noun="units ordered",
          count="n_deliveries"),
    _spec("mean_days_late", "Mean days late", "delivery", "lower", "days",
          "Mean days after the on-time window over all judged lines (early and on-time lines count 0).",
          records=_D, flag="late", flag_against=True, sort_by="days_late", evidence_count="n_deliveries",
          record_noun="lines", target_key="mean_days_late", min_change=1.0, scorable=True),
    _spec("median_days_late", "Median days late", "delivery", "lower", "days",
          "Median days late over all judged lines (early and on-time lines count 0); from 10 lines up, with a "
          "distribution-free 95% interval (order statistics).",
          records=_D, flag="late", flag_against=True, sort_by="days_late", evidence_count="n_deliveries",
          record_noun="lines", target_key="median_days_late", min_change=1.0, scorable=True),
    _spec("p90_days_late", "Days late, 90th percentile", "delivery", "lower", "days",
          "Days late that nine in ten judged lines do not exceed; from 10 lines up, with a distribution-free "
          "95% interval (order statistics; no upper end below 36 lines).",
          records=_D, flag="late", flag_against=True, sort_by="days_late", evidence_count="n_deliveries",
          record_noun="lines", target_key="p90_days_late", min_change=2.0, scorable=True),
    _spec("mean_lead_time_days", "Mean lead time (days)", "delivery", "lower", "days",
          "Mean calendar days from order to receipt, over lines with an order date.",
          records=_D, sort_by="lead_time_days", evidence_count="n_deliveries", record_noun="lines",
          target_key="mean_lead_time_days", min_change=2.0, scorable=True),
    _spec("cv_lead_time", "Lead time variation", "delivery", "lower", "ratio",
          "Standard deviation of the lead time divided by its mean (lower is steadier).",
          records=_D, sort_by="lead_time_days", evidence_count="n_deliveries", record_noun="lines",
          target_key="cv_lead_time", min_change=0.1, scorable=True),
    # ---------------------------------------------------------------- quality
    _spec("n_inspections", "Lots and incidents recorded", "quality", "neither", "count",
          "Inspected lots and quality incidents in the window (excluded ones counted apart).",
          records=_Q, sort_by="date", evidence_count="n_inspections", record_noun="lots"),
    _spec("n_excluded_inspections", "Lots excluded", "quality", "neither", "count",
          "Lots and incidents excused from scoring by an exclusion, with its reason.",
          records=_Q, sort_by="date", record_noun="lots"),
    _spec("quantity_inspected", "Units inspected", "quality", "neither", "quantity",
          "Units inspected in lots with an inspected quantity.",
          records=_Q, sort_by="quantity_inspected", evidence_count="n_inspections", record_noun="lots"),
    _spec("defective_quantity", "Defective units", "quality", "lower", "quantity",
          "Defective units reported in the window.",
          records=_Q, flag="rejected", flag_against=True, sort_by="quantity_defective",
          evidence_count="n_inspections", record_noun="lots", target_key="defective_quantity", scorable=True),
    _spec("ppm", "Defective parts per million (PPM)", "quality", "lower", "ppm",
          "Defective units per million units inspected, over lots with an inspected quantity.",
          records=_Q, flag="rejected", flag_against=True, sort_by="quantity_defective",
          numerator="ppm_k", denominator="ppm_n", evidence_count="lot_rejection_rate_n",
          record_noun="units inspected", target_key="ppm", min_change=250.0, scale=1e6, scorable=True),
    _spec("n_lots_without_quantity", "Lots without an inspected quantity", "quality", "neither", "count",
          "Lots and reports without an inspected quantity: outside PPM and the lot rejection rate.",
          records=_Q, sort_by="quantity_defective", evidence_count="n_inspections", record_noun="lots"),
    _spec("defective_quantity_uninspected", "Defective units without an inspected quantity", "quality", "lower",
          "quantity", "Defective units reported in lots or reports without an inspected quantity: shown next to "
          "PPM, which cannot count them (PPM is NaN, not 0, when every defect is of this kind).",
          records=_Q, sort_by="quantity_defective", evidence_count="n_inspections", record_noun="lots"),
    _rate("lot_rejection_rate", "Lot rejection rate", "quality", "lower",
          "Share of lots with an inspected quantity in which defects were found.",
          records=_Q, flag="rejected", flag_against=True, sort_by="quantity_defective", noun="lots"),
    _spec("n_incidents", "Quality incidents", "quality", "lower", "count",
          "Lots or reports with defects or downtime.",
          records=_Q, flag="incident", flag_against=True, sort_by="downtime_minutes",
          evidence_count="n_inspections", record_noun="lots", target_key="n_incidents", scorable=True),
    _spec("downtime_minutes", "Downtime (minutes)", "quality", "lower", "minutes",
          "Production downtime caused by the supplier's parts, in minutes.",
          records=_Q, flag="incident", flag_against=True, sort_by="downtime_minutes",
          evidence_count="n_inspections", record_noun="lots", target_key="downtime_minutes", scorable=True),
    _spec("incidents_per_month", "Incidents per month", "quality", "lower", "per month",
          "Quality incidents divided by the supplier's active months: from the start of its first period with "
          "a record in the window (any table) to the as-of date (per period: the period's length).",
          records=_Q, flag="incident", flag_against=True, sort_by="downtime_minutes",
          evidence_count="n_inspections", record_noun="lots", target_key="incidents_per_month", scorable=True),
    _spec("downtime_minutes_per_month", "Downtime per month (minutes)", "quality", "lower", "per month",
          "Downtime minutes divided by the supplier's active months: from the start of its first period with "
          "a record in the window (any table) to the as-of date (per period: the period's length).",
          records=_Q, flag="incident", flag_against=True, sort_by="downtime_minutes",
          evidence_count="n_inspections", record_noun="lots", target_key="downtime_minutes_per_month",
          scorable=True),
    # ---------------------------------------------------------------- responsiveness
    _spec("n_requests", "Requests sent", "responsiveness", "neither", "count",
          "Requests (RFQs, complaints, corrective actions, ...) sent in the window.",
          records=_R, sort_by="date_sent", evidence_count="n_requests", record_noun="requests"),
    _spec("n_excluded_requests", "Requests excluded", "responsiveness", "neither", "count",
          "Requests excused from scoring by an exclusion, with its reason.",
          records=_R, sort_by="date_sent", record_noun="requests"),
    _spec("n_responded", "Requests answered", "responsiveness", "neither", "count",
          "Requests answered by the as-of date.",
          records=_R, flag="responded", sort_by="response_hours", evidence_count="n_requests",
          record_noun="requests"),
    _spec("median_response_hours", "Median response time (hours)", "responsiveness", "lower", "hours",
          "Median hours from sending a request to its answer, over answered requests; from 10 answers up, with "
          "a distribution-free 95% interval (order statistics).",
          records=_R, flag="responded", sort_by="response_hours", evidence_count="n_responded",
          record_noun="requests", target_key="median_response_hours", min_change=4.0, scorable=True),
    _spec("p90_response_hours", "Response time, 90th percentile (hours)", "responsiveness", "lower", "hours",
          "Hours within which nine in ten answered requests were answered; from 10 answers up, with a "
          "distribution-free 95% interval (order statistics; no upper end below 36 answers).",
          records=_R, flag="responded", sort_by="response_hours", evidence_count="n_responded",
          record_noun="requests", target_key="p90_response_hours", min_change=8.0, scorable=True),
    _rate("within_sla_rate", "Requests answered within the service level", "responsiveness", "higher",
          "Share of requests answered within their type's service level, among those answered or whose "
          "service level has passed.",
          records=_R, flag="within_sla", sort_by="response_hours", noun="requests"),
    _spec("open_requests", "Open requests", "responsiveness", "lower", "count",
          "Requests not answered by the as-of date.",
          records=_R, flag="open", flag_against=True, sort_by="date_sent", evidence_count="n_requests",
          record_noun="requests", target_key="open_requests", scorable=True),
    _spec("overdue_requests", "Requests open past their service level", "responsiveness", "lower", "count",
          "Requests still open at the as-of date after their service level passed.",
          records=_R, flag="overdue", flag_against=True, sort_by="date_sent", evidence_count="n_requests",
          record_noun="requests", target_key="overdue_requests", scorable=True),
    _spec("n_corrective_actions", "Corrective actions requested", "responsiveness", "neither", "count",
          "Corrective-action requests sent in the window.",
          records=_R, flag="is_corrective_action", sort_by="date_sent", evidence_count="n_requests",
          record_noun="corrective actions"),
    _spec("median_capa_closure_days", "Median days to close a corrective action", "responsiveness", "lower",
          "days", "Median days from sending a corrective-action request to its closure, over closed ones; from 10 "
          "closed up, with a distribution-free 95% interval (order statistics).",
          records=_R, flag="closed", sort_by="closure_days", evidence_count="n_corrective_actions",
          record_noun="corrective actions", target_key="median_capa_closure_days", min_change=5.0,
          scorable=True),
    _rate("capa_on_time_rate", "Corrective actions closed on time", "responsiveness", "higher",
          "Share of corrective actions closed by their due date, among closed ones and open ones past due.",
          records=_R, flag="capa_on_time", sort_by="closure_days", noun="corrective actions"),
    _spec("open_corrective_actions", "Open corrective actions", "responsiveness", "lower", "count",
          "Corrective actions not closed by the as-of date.",
          records=_R, flag="capa_open", flag_against=True, sort_by="date_sent",
          evidence_count="n_corrective_actions", record_noun="corrective actions"),
    # ---------------------------------------------------------------- scores
    _spec("delivery_score", "Delivery score", "delivery", "higher", "points",
          "Points of the delivery metrics, weighted within the dimension (0-100).",
          records=_D, flag="otif", sort_by="days_late", evidence_count="n_deliveries", record_noun="lines"),
    _spec("quality_score", "Quality score", "quality", "higher", "points",
          "Points of the quality metrics, weighted within the dimension (0-100).",
          records=_Q, flag="rejected", flag_against=True, sort_by="quantity_defective",
          evidence_count="n_inspections", record_noun="lots"),
    _spec("responsiveness_score", "Responsiveness score", "responsiveness", "higher", "points",
          "Points of the responsiveness metrics, weighted within the dimension (0-100).",
          records=_R, flag="within_sla", sort_by="response_hours", evidence_count="n_requests",
          record_noun="requests"),
    _spec("overall_score", "Overall score", "overall", "higher", "points",
          "Dimension scores weighted by the dimension weights, over the dimensions with enough evidence (0-100)."),
)
# fmt: on

#: Every metric by name, in report order.
METRICS: Mapping[str, MetricSpec] = MappingProxyType({m.name: m for m in _ALL})

#: Rates: fractions in [0, 1] with ``_n``, ``_k``, ``_low`` and ``_high`` columns in the metric frames.
RATES = tuple(m.name for m in _ALL if m.is_rate)

#: Ratios of two counts (the rates and PPM), testable with a proportion test.
COUNT_METRICS = tuple(m.name for m in _ALL if m.is_count_metric)

#: Shares of independent judged records (each line, lot or request one trial): what a before/after comparison,
#: a change signal or a corrective action can test before and after a date (:func:`~supplier_analytics.signals.compare`).
RECORD_SHARES = tuple(m.name for m in _ALL if m.is_rate and m.flag is not None and m.evidence_count == m.denominator)

#: Metrics the configuration may give a curve, a weight or a target.
SCORABLE = tuple(m.name for m in _ALL if m.scorable)

#: Metrics that may carry a target in the ``[targets]`` table.
TARGETED = tuple(m.name for m in _ALL if m.target_key is not None)


def spec(name: str) -> MetricSpec:
    """The :class:`MetricSpec` of ``name``; a ``KeyError`` naming the known metrics otherwise."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a metric of the catalogue; use one of {', '.join(METRICS)}") from None


def label(name: str) -> str:
    """The label for people of a metric; other names (a column that is not a metric) come back readable.

    Examples
    --------
    >>> label("within_sla_rate"), label("supplier_name")
    ('Requests answered within the service level', 'Supplier name')
    """
    m = METRICS.get(name)
    if m is not None:
        return m.label
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def format_value(name: str, value, *, unit_suffix: bool = False) -> str:
    """``spec(name).format(value)``; other names get a plain number with up to two decimals."""
    m = METRICS.get(name)
    if m is not None:
        return m.format(value, unit_suffix=unit_suffix)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a" if value is None else str(value)
    return "n/a" if math.isnan(v) else f"{v:,.2f}".rstrip("0").rstrip(".")


def lower_is_better(name: str) -> bool:
    """Whether a lower value of the metric is better (the catalogue is the only place that says so)."""
    return spec(name).better == "lower"


def metrics_of(dimension: str, *, scorable: bool | None = None) -> tuple[str, ...]:
    """Names of the metrics of a dimension, in report order (``scorable=True``: those that may be scored)."""
    return tuple(m.name for m in _ALL if m.dimension == dimension and (scorable is None or m.scorable == scorable))
