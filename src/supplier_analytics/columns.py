"""Output columns for people: a label, a unit and a display format for every column of the outputs.

The metric catalogue (:mod:`supplier_analytics.catalog`) says what each *metric* is. The outputs hold
many more columns derived from a metric (its interval, its counts, its points, the chance it misses
its target ...) and columns that are no metric at all (grade, rank, supplier name). This module names
each of them for people, once, from the catalogue: the workbook headers, pack tables and plot axes
read it; the CSV and parquet outputs keep the canonical names for machines.

This module imports only the catalogue: everything may read it.

Examples
--------
>>> column_label("on_time_rate_low")
'On time: lower bound (95%)'
>>> column_label("pts_otif_rate"), column_excel_format("pts_otif_rate")
('On time in full (OTIF): points', '0.0')
>>> column_excel_format("rank"), column_excel_format("otif_rate_prob_below_target"), column_excel_format("ppm")
('#,##0', '0.0%', '#,##0')
>>> column_format_value("pts_otif_rate", 66.07), column_format_value("otif_rate_high", 0.912)
('66.1', '91.2%')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from supplier_analytics.catalog import DIMENSIONS, METRICS, UNITS, MetricSpec

__all__ = [
    "Column",
    "column",
    "column_label",
    "column_unit",
    "column_excel_format",
    "column_format_value",
    "column_description",
    "column_labels",
    "column_formats",
    "known",
    "KINDS",
    "CODE_WORDS",
    "code_words",
]

#: Units of columns that are not a metric's own unit: (Python format, Excel format); None for text.
_EXTRA_UNITS: Mapping[str, tuple[str | None, str | None]] = MappingProxyType(
    {
        "probability": ("{:.1%}", "0.0%"),  # a probability or a share in [0, 1]
        "rank": ("{:,.0f}", "#,##0"),
        "money": ("{:,.0f}", "#,##0"),
        "date": (None, "yyyy-mm-dd"),
        "yes/no": (None, None),
        "text": (None, None),
        "number": ("{:,.2f}", "#,##0.00"),
    }
)

#: Every unit a column may have.
KINDS = (*UNITS, *_EXTRA_UNITS)


@dataclass(frozen=True)
class Column:
    """One output column: its canonical ``name``, a ``label`` for people, a ``unit`` (a key of :data:`KINDS`)
    and a ``description`` in words (empty when the label says it all)."""

    name: str
    label: str
    unit: str
    description: str = ""

    @property
    def excel_format(self) -> str | None:
        """The Excel number format (None: text, or a value shown as it is)."""
        if self.unit in UNITS:
            return UNITS[self.unit][1]
        if self.unit == "number" and not known(self.name):
            return None
        return _EXTRA_UNITS[self.unit][1]

    def format(self, value) -> str:
        """The value as people read it: ``"n/a"`` when missing, ``yes``/``no`` for flags."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.unit == "yes/no":
            return "yes" if bool(value) else "no"
        pattern = UNITS[self.unit][0] if self.unit in UNITS else _EXTRA_UNITS[self.unit][0]
        if pattern is None:
            return str(value)
        try:
            v = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(v) or math.isinf(v):
            return "n/a"
        return pattern.format(v)


_DIM_LABEL = {d: d.capitalize() for d in DIMENSIONS}

#: Columns that are not derived from a metric: label, unit and description.
# fmt: off
_FIXED: dict[str, tuple[str, str, str]] = {
    # identity
    "supplier_id": ("Supplier", "text", "The supplier's id in the supplier master."),
    "supplier_name": ("Supplier name", "text", ""),
    "category": ("Category", "text", "Purchasing category, from the supplier master."),
    "country": ("Country", "text", ""),
    "annual_spend": ("Annual spend", "money", "Annual spend with the supplier, from the supplier master."),
    # grade and rank
    "grade": ("Grade", "text", "The most probable grade (A best, D worst) given the evidence."),
    "grade_probability": ("How sure the grade is", "probability",
                          "The chance that the grade shown is the supplier's grade, given how many records there are."),
    "provisional": ("Grade provisional", "yes/no",
                    "Yes when the grade is less sure than the configured level: more records may change it."),
    "prob_A": ("Chance of grade A", "probability", ""),
    "prob_B": ("Chance of grade B", "probability", ""),
    "prob_C": ("Chance of grade C", "probability", ""),
    "prob_D": ("Chance of grade D", "probability", ""),
    "rank": ("Rank", "rank", "1 is the best overall score among graded suppliers."),
    "rank_low": ("Rank: best likely", "rank", "The best rank the supplier holds in 95% of the simulated scorecards."),
    "rank_high": ("Rank: worst likely", "rank",
                  "The worst rank the supplier holds in 95% of the simulated scorecards."),
    "grade_stability": ("Grade holds under other weights", "probability",
                        "Share of random changes of the dimension weights in which the grade stays the same."),
    "weight_sensitive": ("Grade depends on the weights", "yes/no",
                         "Yes when the grade changes under too many other choices of dimension weights."),
    "dimensions_used": ("Scored from own records", "text", "The dimensions scored from the supplier's own records."),
    "dimensions_at_peer_level": ("Scored at peer level", "text",
                                 "Dimensions without any record of the supplier, scored at the level of its peers."),
    "metrics_at_peer_level": ("Metrics at peer level", "text",
                              "Metrics without records inside a dimension that has records, scored at the peer level."),
    "thin_evidence": ("Few records in", "text",
                      "Dimensions with fewer records than the evidence minimum; this changes no score."),
    "reweighted": ("Dimension left out for all", "yes/no",
                   "Yes when a configured dimension has no data for any supplier and is left out for everyone."),
    # periods, request types, defects
    "period": ("Period", "text", ""),
    "period_start": ("Period start", "date", ""),
    "request_type": ("Request type", "text", ""),
    "defect_code": ("Defect", "text", ""),
    "lots": ("Lots", "count", "Lots with this defect."),
    "share": ("Share of defective units", "probability", ""),
    "cumulative_share": ("Cumulative share", "probability", ""),
    # rejected rows
    "table": ("Table", "text", ""),
    "source_file": ("File", "text", ""),
    "sheet": ("Sheet", "text", ""),
    "row": ("Row", "count", ""),
    "column": ("Column", "text", ""),
    "value": ("Value", "text", ""),
    "reason": ("Reason", "text", ""),
    "problem": ("Problem", "text", ""),
    "source_column": ("Column in the file", "text", ""),
    # settings (methodology)
    "section": ("Section", "text", ""),
    "key": ("Setting", "text", ""),
    "setting": ("Setting", "text", ""),
    "topic": ("Topic", "text", ""),
    "explanation": ("Explanation", "text", ""),
    "why": ("Why this grade", "text", "The weakest and strongest metrics, and how sure the evidence is."),
    # scoring weights
    "dimension": ("Dimension", "text", ""),
    "metric": ("Metric", "text", ""),
    "metric_weight": ("Weight within its dimension", "probability", ""),
    "dimension_weight": ("Weight of the dimension", "probability", ""),
    "effective_weight": ("Weight in the overall score", "probability", ""),
    "better": ("Better when", "text", ""),
    "curve": ("Points curve", "text", ""),
    "target": ("Target", "number", ""),
    "shrunk": ("Weighted toward the peer level", "yes/no", ""),
}
for _d in DIMENSIONS:
    _FIXED[f"{_d}_at_peer_level"] = (f"{_DIM_LABEL[_d]} scored at peer level", "yes/no",
                                     f"Yes when the supplier has no {_d} record and the dimension is scored at the "
                                     "level of its peers.")
# fmt: on

#: Suffixes of columns derived from a metric, longest first so that ``_n_eff`` wins over ``_n``.
_SUFFIXES = (
    "_prob_below_target",
    "_prob_above_target",
    "_shrunk",
    "_n_eff",
    "_k_eff",
    "_low",
    "_high",
    "_n",
    "_k",
)


def _noun(m: MetricSpec) -> str:
    return m.record_noun


def _derived(base: MetricSpec, suffix: str) -> tuple[str, str, str]:
    lab, noun = base.label, _noun(base)
    if suffix == "_low":
        return f"{lab}: lower bound (95%)", base.unit, f"Lower end of the 95% interval of {lab.lower()}."
    if suffix == "_high":
        return f"{lab}: upper bound (95%)", base.unit, f"Upper end of the 95% interval of {lab.lower()}."
    if suffix == "_shrunk":
        return (
            f"{lab}: weighted toward peers",
            base.unit,
            "The figure used for points: the supplier's own figure pulled toward the peer level, the more the "
            "fewer its records.",
        )
    if suffix == "_prob_below_target":
        return (
            f"{lab}: chance below target",
            "probability",
            "The chance that the supplier's true figure is below the target, given its records.",
        )
    if suffix == "_prob_above_target":
        return (
            f"{lab}: chance above target",
            "probability",
            "The chance that the supplier's true figure is above (worse than) the target, given its records.",
        )
    if base.name == "ppm" and suffix in ("_n", "_k"):
        return ("PPM: units inspected", "count", "") if suffix == "_n" else ("PPM: defective units", "count", "")
    if suffix == "_n":
        return f"{lab}: {noun} counted", "count", f"The {noun} the share is taken over."
    if suffix == "_k":
        return f"{lab}: {noun} in the share", "count", f"The {noun} that make up the share."
    if suffix == "_n_eff":
        return f"{lab}: effective {noun}", "number", "The equivalent number of independent records behind the interval."
    return f"{lab}: effective {noun} in the share", "number", "The equivalent count behind the interval."


def _find(name: str) -> tuple[str, str, str] | None:
    if name in _FIXED:
        return _FIXED[name]
    m = METRICS.get(name)
    if m is not None:
        return m.label, m.unit, m.definition
    if name.startswith("pts_"):
        base = METRICS.get(name[4:])
        if base is not None:
            return f"{base.label}: points", "points", f"Points 0-100 for {base.label.lower()} from its curve."
        rest = name[4:]
        label = rest.replace("_", " ").strip().capitalize()
        return f"{label}: points", "points", "Points 0-100 from the metric's curve."
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in METRICS:
            return _derived(METRICS[name[: -len(suffix)]], suffix)
    return None


def known(name: str) -> bool:
    """Whether ``name`` is an output column this module knows (a metric, derived from one, or listed)."""
    return _find(str(name)) is not None


def column(name: str) -> Column:
    """The :class:`Column` of an output column name; an unknown name gets a readable label and the unit
    ``"number"`` (shown as it is in workbooks: no Excel format)."""
    found = _find(str(name))
    if found is None:
        text = str(name).replace("_", " ").strip()
        return Column(str(name), text[:1].upper() + text[1:], "number", "")
    label, unit, description = found
    return Column(str(name), label, unit, description)


def column_label(name: str) -> str:
    """The label for people of an output column.

    Examples
    --------
    >>> column_label("otif_rate"), column_label("n_deliveries"), column_label("rank_low")
    ('On time in full (OTIF)', 'Order lines judged', 'Rank: best likely')
    >>> column_label("ppm_prob_above_target")
    'Defective parts per million (PPM): chance above target'
    """
    return column(name).label


def column_unit(name: str) -> str:
    """The unit of an output column: a key of :data:`KINDS` (``rate``, ``points``, ``rank``, ``text`` ...)."""
    return column(name).unit


def column_excel_format(name: str) -> str | None:
    """The Excel number format of an output column (None for text and flags)."""
    return column(name).excel_format


def column_format_value(name: str, value) -> str:
    """A value of the column as people read it (``"83.0%"``, ``"1,234"``, ``"66.1"``, ``"n/a"``)."""
    return column(name).format(value)


def column_description(name: str) -> str:
    """What the column holds, in words (``""`` when the label says it all)."""
    return column(name).description


def column_labels(names: Iterable[str]) -> dict[str, str]:
    """``{name: label}`` for ``names`` (for ``DataFrame.rename``)."""
    return {str(n): column_label(str(n)) for n in names}


def column_formats(names: Iterable[str]) -> dict[str, str]:
    """``{name: Excel number format}`` for the ``names`` this module knows that have one."""
    return {str(n): f for n in names if (f := column_excel_format(str(n))) is not None}


#: Codes of the data whose words are not the code with its underscores as spaces (request types).
CODE_WORDS: Mapping[str, str] = MappingProxyType(
    {"rfq": "Request for quotation", "capa": "Corrective action", "ncr": "Nonconformance report"}
)


def code_words(value) -> str:
    """A code of the data (a request type such as ``corrective_action``, a status) in words for people.

    Text with spaces is taken as words already and comes back as it is; the CSV outputs keep the codes.

    Examples
    --------
    >>> code_words("corrective_action"), code_words("rfq"), code_words("complaint"), code_words("as typed")
    ('Corrective action', 'Request for quotation', 'Complaint', 'as typed')
    """
    text = str(value)
    if text.lower() in CODE_WORDS:
        return CODE_WORDS[text.lower()]
    if " " in text or not text:
        return text
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]
