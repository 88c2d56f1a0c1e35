"""The words of a supplier feedback pack: column labels, the methods appendix, disputes, thin evidence.

Everything a supplier reads around the figures is said here, in plain language: the people's names of
the evidence, action and peer columns (:data:`COLUMN_LABELS`; metric names come from the catalogue),
how the figures are made (:func:`methodology_text`, the appendix at the end of the pack: the body of the
pack names no statistical method), how to question a record (:func:`dispute_text`) and, for a supplier
with few or no records, why the grade is missing or uncertain and what evidence is needed
(:func:`evidence_text`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import label
from supplier_analytics.columns import CODE_WORDS
from supplier_analytics.scoring import EVIDENCE_COLUMNS, scoring_explained

__all__ = [
    "COLUMN_LABELS",
    "column_label",
    "methodology_text",
    "dispute_text",
    "evidence_text",
    "evidence_table",
    "people_text",
]

#: People's names of the columns a pack shows that are not metrics of the catalogue.
COLUMN_LABELS = {
    # delivery lines
    "po_id": "Order",
    "line_id": "Line",
    "item": "Item",
    "quantity_ordered": "Quantity ordered",
    "quantity_received": "Quantity received",
    "date_promised": "Promised",
    "date_requested": "Requested",
    "date_received": "Received",
    "days_late": "Days late",
    "on_time": "On time",
    "in_full": "In full",
    "otif": "On time in full",
    "exclusion_reason": "Excused because",
    # inspected lots
    "lot_id": "Lot",
    "date": "Date",
    "quantity_inspected": "Quantity inspected",
    "quantity_defective": "Quantity defective",
    "defect_code": "Defect",
    "downtime_minutes": "Downtime (minutes)",
    # requests
    "request_id": "Request",
    "request_type": "Type",
    "date_sent": "Sent",
    "date_responded": "Answered",
    "response_hours": "Hours to answer",
    "sla_hours": "Hours allowed",
    "within_sla": "In time",
    "date_due": "Due",
    "date_closed": "Closed",
    "capa_due": "Due",
    # actions
    "action_id": "Action",
    "opened": "Opened",
    "owner": "Owner",
    "description": "Description",
    "metric": "Measure",
    "due": "Due",
    "status": "Status",
    "overdue": "Overdue",
    # peers
    "yours": "Yours",
    "peer_median": "Peer median",
    "peers": "Peers",
    "percentile": "Your percentile",
    "better_is": "Better is",
}


def column_label(column: str) -> str:
    """A column's name for people: :data:`COLUMN_LABELS`, else the catalogue's label of a metric."""
    return COLUMN_LABELS.get(column) or label(column)


#: Request types whose code is not a word (the one list, in :mod:`supplier_analytics.columns`).
REQUEST_TYPES = CODE_WORDS


def people_text(value) -> str:
    """A code such as ``corrective_action`` as words ("Corrective action"); other text as it is."""
    text = str(value)
    if text.lower() in REQUEST_TYPES:
        return REQUEST_TYPES[text.lower()]
    if "_" in text and " " not in text:
        text = text.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


def _days(v) -> str:
    return "any number of" if v is None else f"{v:g}"


def methodology_text(card) -> pd.DataFrame:
    """How the figures are made, in plain words, from the scorecard's configuration: one row per topic."""
    cfg = card.config
    d, w0, w1 = cfg.delivery, card.window[0].date(), card.window[1].date()
    sla = "; ".join(
        f"{people_text(k) if k != 'default' else 'any other type'}: {v:g} hours"
        for k, v in cfg.responsiveness.service_level_hours.items()
    )
    ex = scoring_explained(cfg)
    weights = "; ".join(
        f"{dim.capitalize()} {dw:.0%} ("
        + ", ".join(f"{label(m)} {mw:.0%}" for m, mw in zip(g.metric, g.metric_weight))
        + ")"
        for (dim, dw), g in ex.groupby(["dimension", "dimension_weight"], sort=False)
    )
    grades = ", ".join(f"{g} from {lo:g}" for g, lo in cfg.scoring.grades)
    peers = (
        "the level of suppliers of the same category"
        if cfg.scoring.peer_groups == "category"
        else "the level of the whole supplier base"
    )
    rows = [
        (
            "Period",
            f"{w0} to {w1}: the last {cfg.periods.window_months} months up to {card.as_of.date()}, "
            f"shown by {cfg.periods.period}.",
        ),
        (
            "On time",
            f"A delivery line is on time when it arrived at most {_days(d.early_tolerance_days)} days before the "
            f"{d.reference_date} date and "
            + (
                "no later than that date"
                if not d.late_tolerance_days
                else f"at most {_days(d.late_tolerance_days)} days after it"
            )
            + f" ({d.day_basis} days). Split receipts of one line are combined; a repeated receipt counts once.",
        ),
        (
            "In full",
            "A line is in full when at least the quantity ordered arrived"
            + (f" (less {d.in_full_tolerance:.1%})" if d.in_full_tolerance else "")
            + f"; more than ordered {'counts' if d.over_delivery_in_full else 'does not count'}"
            ". On time in full (OTIF): both on the same line.",
        ),
        (
            "Quality",
            f"Defective parts per million (PPM): defective units per million units inspected (target "
            f"{cfg.targets['ppm']:,.0f}). Lot rejection rate: the share of inspected lots with defects (target "
            f"{cfg.targets['lot_rejection_rate']:.1%}).",
        ),
        (
            "Responsiveness",
            f"A request is answered in time within the hours allowed for its type: {sla}. A corrective action "
            f"is due on its agreed date, or {cfg.responsiveness.corrective_action_days:g} days after it was sent.",
        ),
        (
            "Score and grade",
            f"Each measure earns 0 to 100 points; they add up to your score with these weights: {weights}. "
            f"An area without records counts at {peers}. Grades: {grades}.",
        ),
        (
            "Few records",
            "A rate from few records is uncertain (3 deliveries out of 3 on time do not prove a perfect "
            f"record), so it is moved toward {peers}, the more so the fewer records there are. The likely "
            "range holds the true rate with 95% confidence. Below "
            f"{cfg.evidence.min_deliveries} delivery lines, {cfg.evidence.min_inspections} inspected lots or "
            f"{cfg.evidence.min_requests} requests, an area's grade is less certain, but no better or worse "
            "for it.",
        ),
        (
            "Strengths and areas to improve",
            "A strength: the whole likely range meets the target. An area to improve: the whole range misses "
            "it, it worsened clearly, or requests are open past their time. A change counts only when it is "
            "larger than the usual ups and downs from month to month (the last six months against the same "
            "months a year before, and the trend over the period), with the bar set so that about 1 claimed "
            "change in 20 could be chance.",
        ),
    ]
    return pd.DataFrame(rows, columns=["topic", "explanation"])


def dispute_text(*, contact: str | None = None) -> pd.DataFrame:
    """How to question or dispute a record and what an exclusion needs; without ``contact``, the sender."""
    who = contact or "the person who sent you this pack"
    rows = [
        (
            "Check the records",
            "Every figure in this pack comes from records listed in the workbook sent with it: delivery "
            "lines by order, line and receipt; lots by lot number; requests by request number. You can "
            "recompute any rate from them.",
        ),
        (
            "Dispute a record",
            f"Write to {who} within 30 days, quoting the record's number (order and line, lot or request), "
            "what is wrong and your evidence (delivery note, proof of delivery, dated correspondence).",
        ),
        (
            "What an exclusion needs",
            "A record is excused from scoring only for a documented reason outside your control (for "
            "example the buyer changed the date after you confirmed it, force majeure, or a defect caused "
            "by the customer). The decision names the reason, who decided and when.",
        ),
        (
            "What happens then",
            "An excused record stays visible in the evidence, marked with its reason, but no longer counts "
            "in the rates. The next scorecard is recomputed with it; nothing is deleted silently.",
        ),
    ]
    return pd.DataFrame(rows, columns=["topic", "explanation"])


_NOUNS = {
    "delivery": ("delivery line", "delivery lines"),
    "quality": ("inspected lot", "inspected lots"),
    "responsiveness": ("request", "requests"),
}


def _count(n: float, dim: str) -> str:
    n = 0 if n is None or pd.isna(n) else int(n)
    one, many = _NOUNS[dim]
    return f"{'no' if n == 0 else f'{n:,}'} {one if n == 1 else many}"


def _evidence_facts(card, row: pd.Series) -> dict | None:
    """What a supplier's evidence lacks, in words; None when every area has enough.

    The rules are those of scoring: a supplier without any record in the period gets no grade; an area
    with fewer records than ``[evidence]`` asks for (``EVIDENCE_COLUMNS``) has thin evidence. Returns the
    finding ("no grade" or "thin evidence"), the window, what is held and what is needed.
    """
    counts = {dim: row.get(col, np.nan) for dim, (col, _) in EVIDENCE_COLUMNS.items()}
    need = {dim: int(getattr(card.config.evidence, key)) for dim, (_, key) in EVIDENCE_COLUMNS.items()}
    window = (card.window[0].date(), card.window[1].date())
    if str(row.get("grade")) == "insufficient evidence":
        wanted = " or ".join(_count(need[dim], dim) for dim in counts)
        return {
            "finding": "no grade",
            "window": window,
            "held": ", ".join(_count(n, dim) for dim, n in counts.items()),
            "needed": f"records in at least one area, and for a firm grade at least {wanted} in the period",
        }
    thin = [dim for dim, n in counts.items() if (0 if n is None or pd.isna(n) else n) < need[dim]]
    if not thin:
        return None
    return {
        "finding": "thin evidence",
        "window": window,
        "held": "; ".join(_count(counts[dim], dim) for dim in thin),
        "needed": "; ".join(f"{_count(need[dim], dim)} for a firm grade" for dim in thin),
        "areas": "; ".join(f"{_count(counts[dim], dim)} (a firm grade needs {need[dim]})" for dim in thin),
    }


def evidence_text(card, row: pd.Series) -> str:
    """Why the grade is missing or less certain, and what evidence is needed; "" when every area has enough.

    Written to the supplier, from the same facts as :func:`evidence_table`.
    """
    facts = _evidence_facts(card, row)
    if facts is None:
        return ""
    w0, w1 = facts["window"]
    if facts["finding"] == "no grade":
        return (
            f"No grade can be given: between {w0} and {w1} we hold {facts['held']} of yours. A grade needs "
            f"{facts['needed']}. Once deliveries, inspections or requests of yours are recorded in the period, "
            "the next pack will grade them."
        )
    return (
        f"Thin evidence: between {w0} and {w1} we hold {facts['areas']}. With so few records the grade is less "
        "certain, neither better nor worse; more records in the next period will settle it."
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Columns of :func:`evidence_table`.
EVIDENCE_TABLE_COLUMNS = ["supplier_id", "supplier_name", "grade", "why", "evidence_needed"]


def evidence_table(card) -> pd.DataFrame:
    """One row per supplier without a grade: why (the records held in the window) and what evidence is needed.

    The suppliers the :class:`~supplier_analytics.errors.InsufficientEvidenceWarning` counts, with the same
    facts as the packs' sentence (:func:`evidence_text`). Thin evidence, which leaves the grade standing, is
    the ``thin_evidence`` column of the scorecard instead.
    """
    rows = []
    for _, row in card.suppliers.iterrows():
        facts = _evidence_facts(card, row)
        if facts is None or facts["finding"] != "no grade":
            continue
        w0, w1 = facts["window"]
        rows.append(
            {
                "supplier_id": row["supplier_id"],
                "supplier_name": row.get("supplier_name", np.nan),
                "grade": str(row.get("grade")),
                "why": _first_upper(f"{facts['held']} between {w0} and {w1}"),
                "evidence_needed": _first_upper(facts["needed"]),
            }
        )
    return pd.DataFrame(rows, columns=EVIDENCE_TABLE_COLUMNS)
