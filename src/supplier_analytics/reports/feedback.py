"""Supplier feedback packs: what a supplier receives, can check and can act on.

:func:`feedback_pack` builds one :class:`FeedbackPack` per supplier from a
scorecard: the period and as-of date; grade, scores and the metrics with their
95 % intervals; trend charts; strengths and recognised improvements; areas to
improve, each with the records behind it; open corrective actions; the
supplier's position among anonymous peers of its category; the methodology in
plain words; and how to dispute a record. ``pack.write(folder)`` writes
``feedback.html`` (self-contained: inline CSS and SVG charts, no external
reference, prints cleanly) and ``feedback.xlsx`` (the same figures; no cell
can act as a formula).

This module assembles and renders; what the pack says is decided elsewhere, from
statistics, never from one good or bad month: the strengths, recognised
improvements and areas to improve by
:func:`~supplier_analytics.findings.supplier_findings` (from
:func:`~supplier_analytics.signals.change_signals`, the recent months against
the same months a year earlier, and the trend alerts of
:func:`~supplier_analytics.trends.alerts`), the position among peers by
:func:`~supplier_analytics.findings.peer_comparison`. Each area comes with its
evidence (:func:`~supplier_analytics.evidence`): the late or short lines, the
rejected lots, the slow or open requests.

Confidentiality: a pack holds the supplier's own records and figures and, for
peers, only aggregates (median, the supplier's percentile) over at least
``min_peers`` *other* graded suppliers of the same category; with fewer the
peer section is left out with a note. No other supplier's id, name or figure
is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.actions import open_actions
from supplier_analytics.catalog import label, spec
from supplier_analytics.errors import InputError, UsageError
from supplier_analytics.evidence import evidence
from supplier_analytics.findings import FINDING_METRICS, peer_comparison, supplier_findings
from supplier_analytics.reports import html as H
from supplier_analytics.reports.excel import SheetSpec
from supplier_analytics.reports.pack import write_pack
from supplier_analytics.scoring import scoring_explained
from supplier_analytics.signals import change_signals

__all__ = ["FeedbackPack", "feedback_pack", "write_feedback_packs", "FEEDBACK_FILES"]

#: Files written by :meth:`FeedbackPack.write`.
FEEDBACK_FILES = ("feedback.html", "feedback.xlsx")

#: Metrics drawn as trend charts.
_CHARTS = ("otif_rate", "ppm", "within_sla_rate")


# --------------------------------------------------------------------------- evidence


_EVIDENCE_METRIC = {"ppm": "lot_rejection_rate"}
_EVIDENCE_COLUMNS = {
    "lines": [
        "po_id",
        "line_id",
        "item",
        "quantity_ordered",
        "quantity_received",
        "date_promised",
        "date_received",
        "days_late",
        "on_time",
        "in_full",
        "otif",
        "exclusion_reason",
    ],
    "lots": [
        "lot_id",
        "date",
        "item",
        "quantity_inspected",
        "quantity_defective",
        "defect_code",
        "downtime_minutes",
        "exclusion_reason",
    ],
    "requests": [
        "request_id",
        "request_type",
        "date_sent",
        "date_responded",
        "response_hours",
        "sla_hours",
        "within_sla",
        "date_due",
        "date_closed",
        "exclusion_reason",
    ],
}


def _evidence_lines(card, sid: str, metric: str) -> pd.DataFrame:
    """The records that pull ``metric`` down for the supplier, in the window (the lines to act on)."""
    ev_metric = _EVIDENCE_METRIC.get(metric, metric)
    try:
        rec = evidence(card, sid, ev_metric)
    except InputError:
        return pd.DataFrame()
    rec = rec.loc[rec["counts_against"].to_numpy(dtype=bool)]
    shown = next((cols for cols in _EVIDENCE_COLUMNS.values() if cols[0] in rec.columns), [])
    keep = [c for c in shown if c in rec.columns]
    return rec[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- methodology


def _days(v) -> str:
    return "any number of" if v is None else str(v)


def methodology_text(card) -> pd.DataFrame:
    """The methodology in plain words, from the scorecard's configuration: one row per topic."""
    cfg = card.config
    d, w0, w1 = cfg.delivery, card.window[0].date(), card.window[1].date()
    sla = ", ".join(f"{k} {v:g} h" for k, v in cfg.responsiveness.service_level_hours.items())
    ex = scoring_explained(cfg)
    weights = "; ".join(
        f"{dim} {dw:.0%} (" + ", ".join(f"{label(m)} {mw:.0%}" for m, mw in zip(g.metric, g.metric_weight)) + ")"
        for (dim, dw), g in ex.groupby(["dimension", "dimension_weight"], sort=False)
    )
    grades = ", ".join(f"{g} from {lo:g}" for g, lo in cfg.scoring.grades)
    peers = (
        "level of suppliers of the same category"
        if cfg.scoring.peer_groups == "category"
        else "level of the whole supplier base"
    )
    rows = [
        (
            "Period",
            f"The figures cover {w0} to {w1}: the last {cfg.periods.window_months} months up to the "
            f"as-of date {card.as_of.date()}, shown by {cfg.periods.period}.",
        ),
        (
            "On time",
            f"A delivery line is on time when the receipt that completed it arrived no more than "
            f"{_days(d.early_tolerance_days)} days before and {d.late_tolerance_days} days after the "
            f"{d.reference_date} date, counting {d.day_basis} days. Split receipts of one order line "
            "are combined; a repeated receipt counts once.",
        ),
        (
            "In full",
            f"A line is in full when the quantity received is at least the quantity ordered less "
            f"{d.in_full_tolerance:.1%}; over-delivery {'counts' if d.over_delivery_in_full else 'does not count'}"
            " as in full. OTIF means both on the same line.",
        ),
        (
            "Quality",
            f"PPM is defective units per million units inspected (target {cfg.targets['ppm']:g}); the "
            f"lot rejection rate is the share of inspected lots with defects (target "
            f"{cfg.targets['lot_rejection_rate']:.1%}). Incidents without an inspected quantity are "
            "counted but no PPM is invented for them.",
        ),
        (
            "Responsiveness",
            f"A request is answered within the service level when the answer came within: "
            f"{sla}. Corrective actions are due on their agreed date, or "
            f"{cfg.responsiveness.corrective_action_days:g} days after they were sent.",
        ),
        (
            "Scores and weights",
            "Each metric earns 0 to 100 points on a published curve; metrics combine into "
            f"dimension scores and those into the overall score with these weights: {weights}. "
            "A dimension without records is scored at the level of the supplier base, never left out. "
            f"Grades: {grades}; the grade shown is the most probable one given the records, with its probability.",
        ),
        (
            "Small samples",
            "Every rate has a 95% interval. Rates used for points are pulled toward the "
            f"{peers} "
            "in proportion to how little data there is, so a few deliveries cannot give an extreme "
            "score, and the points are the average over the rates your records make plausible. Below "
            f"{cfg.evidence.min_deliveries} delivery lines, {cfg.evidence.min_inspections} lots or "
            f"{cfg.evidence.min_requests} requests a dimension is marked as thin evidence, which shows "
            "as a less certain grade, never as a better or a worse one; with no record at all the grade "
            "is 'insufficient evidence'.",
        ),
        (
            "Strengths and areas",
            "A strength is a metric whose whole 95% interval, from your own records "
            "only, meets its target; an area to improve is one whose whole interval misses "
            "it, or one that shows a significant deterioration, or has requests open past their service "
            "level. Improvements are recognised only when a statistical test shows them "
            "(the recent months against the same months a year before, or a trend over the "
            "window, both allowing for the ordinary ups and downs from month to month), never from one "
            "good month.",
        ),
    ]
    return pd.DataFrame(rows, columns=["topic", "explanation"])


def dispute_text(*, contact: str | None = None) -> pd.DataFrame:
    """How to dispute a record and what an exclusion needs."""
    who = contact or "your supplier quality contact"
    rows = [
        (
            "Check the records",
            "Every figure in this pack comes from records listed in the workbook: delivery "
            "lines by purchase order, line and receipt; lots by lot number; requests by "
            "request number. Recompute any rate from them.",
        ),
        (
            "Dispute a record",
            f"Write to {who} within 30 days, quoting the record's number (PO and line, lot "
            "or request), what is wrong and your evidence (delivery note, proof of delivery, "
            "dated correspondence).",
        ),
        (
            "What an exclusion needs",
            "A record is excused from scoring only for a documented reason outside your "
            "control (for example the buyer changed the date after you confirmed it, "
            "force majeure, or a defect caused by the customer). The decision names the "
            "reason code, who decided and when.",
        ),
        (
            "What happens then",
            "An excused record stays visible in the evidence, marked with its reason, but no "
            "longer counts in the rates. The next scorecard is recomputed with it; nothing is "
            "deleted silently.",
        ),
    ]
    return pd.DataFrame(rows, columns=["topic", "explanation"])


# --------------------------------------------------------------------------- charts


def _charts(card, sid: str, targets: dict) -> dict[str, str]:
    from matplotlib.figure import Figure

    from supplier_analytics.plotting import plot_period_metric

    p = card.periods.loc[card.periods["supplier_id"].astype(str) == sid]
    out = {}
    for m in _CHARTS:
        if m not in p.columns or not p[m].notna().any():
            continue
        fig = Figure(figsize=(7.5, 2.8))
        fig.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.17)
        ax = fig.subplots()
        plot_period_metric(p.drop(columns="supplier_id"), m, ax=ax, target=targets.get(m))
        title = f"{label(m)} by {card.config.periods.period}, with 95% interval"
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(label(m).split(" (")[0], fontsize=9)
        out[m] = H.figure_svg(fig, label=title)
    return out


# --------------------------------------------------------------------------- the pack


@dataclass(frozen=True, eq=False)
class FeedbackPack:
    """One supplier's feedback pack: figures, findings, evidence and the text around them.

    Build it with :func:`feedback_pack`. Every table is a DataFrame attribute
    (the workbook writes them as they are); :meth:`html` renders the page from
    the same frames, so both hold the same figures.
    """

    supplier_id: str
    supplier_name: str | None
    as_of: pd.Timestamp
    window: tuple[pd.Timestamp, pd.Timestamp]
    grade: str
    summary: pd.DataFrame
    scores: pd.DataFrame
    recognition: pd.DataFrame
    areas: pd.DataFrame
    evidence: dict = field(default_factory=dict)
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_requests: pd.DataFrame = field(default_factory=pd.DataFrame)
    peers: pd.DataFrame | None = None
    peer_note: str = ""
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    methodology: pd.DataFrame = field(default_factory=pd.DataFrame)
    disputes: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: dict = field(default_factory=dict)
    method_notes: tuple = ()
    action_log: bool = True  # whether an action log was given (without one, open actions are not known)

    def __repr__(self) -> str:
        return (
            f"FeedbackPack(supplier_id={self.supplier_id!r}, grade={self.grade!r}, as_of={self.as_of.date()}, "
            f"recognition={len(self.recognition)}, areas={self.areas['metric'].nunique() if len(self.areas) else 0}, "
            f"charts={len(self.figures)})"
        )

    @property
    def title(self) -> str:
        who = self.supplier_name if self.supplier_name else self.supplier_id
        return f"Supplier performance feedback: {who}"

    # ---------------------------------------------------------------- html
    def html(self) -> str:
        """The pack as one self-contained HTML page."""
        w0, w1 = self.window
        head = (
            f'<header><h1>{H.esc(self.title)}</h1><p class="meta">Supplier {H.esc(self.supplier_id)}'
            f"{' · ' + H.esc(self.supplier_name) if self.supplier_name else ''} · period {w0.date()} to "
            f"{w1.date()} · as of {self.as_of.date()}</p></header>"
        )
        grade_cls = f"grade grade-{H.esc(self.grade)}" if self.grade in ("A", "B", "C", "D") else "grade"
        score_tbl = H.table(
            self.scores,
            percent=(),
            decimals={"value": 3, "low": 3, "high": 3, "records": 0, "target": 3, "points": 1},
            labels={"value": "value", "low": "95% low", "high": "95% high"},
        )
        summary = (
            f'<div class="keep"><span class="{grade_cls}" id="grade">{H.esc(self.grade)}</span>'
            + H.table(self.summary)
            + "</div>"
            + score_tbl
            + '<p class="note">Rates are shares (0.95 = 95%); PPM is per million units. The interval is '
            "the range the true value lies in with 95% confidence.</p>"
        )
        parts = [head, H.section("Summary", summary, anchor="summary")]
        charts = "".join(f'<div class="chart" data-metric="{H.esc(m)}">{svg}</div>' for m, svg in self.figures.items())
        parts.append(
            H.section("Trends", charts or '<p class="note">No periods with data to draw.</p>', anchor="trends")
        )
        rec = self.recognition
        if len(rec):
            items = "".join(
                f"<li><strong>{H.esc(k.capitalize())}:</strong> {H.esc(f)}</li>"
                for k, f in zip(rec["kind"], rec["finding"])
            )
            body = f'<ul class="findings">{items}</ul>'
        else:
            body = '<p class="note">No strength or improvement is confirmed by a test in this period.</p>'
        parts.append(H.section("Strengths and recognised improvements", body, anchor="recognition"))
        if len(self.areas):
            blocks = []
            for m, g in self.areas.groupby("metric", sort=False):
                items = "".join(f"<li>{H.esc(f)}</li>" for f in g["finding"])
                ev = self.evidence.get(m)
                ev_html = (
                    f"<h4>The records behind it ({len(ev)})</h4>" + H.table(ev, max_rows=15)
                    if ev is not None and len(ev)
                    else ""
                )
                blocks.append(
                    f'<div class="area"><h3>{H.esc(g["area"].iloc[0])}</h3>'
                    f'<ul class="findings">{items}</ul>{ev_html}</div>'
                )
            body = "".join(blocks)
        else:
            body = '<p class="note">No area falls short of its target or worsens significantly.</p>'
        parts.append(H.section("Areas to improve", body, anchor="areas", css_class="page-break"))
        if len(self.actions):
            body = H.table(self.actions)
        elif self.action_log:
            body = '<p class="note">No open corrective action in the action log.</p>'
        else:
            body = (
                '<p class="note">Open corrective actions are not listed: no action log was provided for this pack.</p>'
            )

        if len(self.open_requests):
            body += "<h3>Open corrective-action requests</h3>" + H.table(self.open_requests)
        parts.append(H.section("Open corrective actions", body, anchor="actions"))
        body = f'<p class="note">{H.esc(self.peer_note)}</p>'
        if self.peers is not None:
            body = H.table(self.peers, decimals={"yours": 3, "peer_median": 3, "percentile": 0}) + body
        parts.append(H.section("Position among peers", body, anchor="peers"))
        meth = "".join(f"<h3>{H.esc(t)}</h3><p>{H.esc(x)}</p>" for t, x in self.methodology.itertuples(index=False))
        meth += "".join(f'<p class="note">{H.esc(n)}</p>' for n in self.method_notes)
        parts.append(H.section("How the figures are made", meth, anchor="methodology", css_class="page-break"))
        disp = "".join(f"<h3>{H.esc(t)}</h3><p>{H.esc(x)}</p>" for t, x in self.disputes.itertuples(index=False))
        parts.append(H.section("Questions and disputes", disp, anchor="disputes"))
        return H.page(self.title, "".join(parts))

    # ---------------------------------------------------------------- workbook
    def sheets(self) -> list[SheetSpec]:
        """The workbook's sheets: the same figures as the page, with every evidence record."""
        w0, w1 = self.window
        notes = (f"{self.title}; period {w0.date()} to {w1.date()}; as of {self.as_of.date()}.",)
        out = [
            SheetSpec("Summary", self.summary, notes=notes, wrap=True),
            SheetSpec("Scores", self.scores, decimals={"points": 1}),
            SheetSpec("Recognition", self.recognition, wrap=True),
            SheetSpec("Areas to improve", self.areas, wrap=True),
        ]
        for i, (m, ev) in enumerate(self.evidence.items(), start=1):
            out.append(SheetSpec(f"Evidence {i} {m}"[:31], ev, notes=(f"Records behind the area '{label(m)}'.",)))
        out.append(SheetSpec("Corrective actions", self.actions))
        if len(self.open_requests):
            out.append(SheetSpec("Open CA requests", self.open_requests))
        peers = self.peers if self.peers is not None else pd.DataFrame({"note": [self.peer_note]})
        out.append(SheetSpec("Peers", peers, notes=(self.peer_note,) if self.peers is not None else ()))
        out.append(SheetSpec("Periods", self.periods, notes=("The figures behind the trend charts.",)))
        out.append(SheetSpec("Methodology", self.methodology, wrap=True, notes=self.method_notes))
        out.append(SheetSpec("Disputes", self.disputes, wrap=True))
        return out

    def write(self, out_dir) -> dict[str, Path]:
        """Write :data:`FEEDBACK_FILES` into ``out_dir`` (created); returns name -> path."""
        return write_pack(out_dir, "feedback", self.html(), self.sheets())


def _scores_frame(row: pd.Series, targets) -> pd.DataFrame:
    rows = []
    for m in ("overall_score", "delivery_score", "quality_score", "responsiveness_score"):
        v = row.get(m, np.nan)
        rows.append(
            {
                "measure": label(m),
                "value": float(v) if pd.notna(v) else np.nan,
                "low": np.nan,
                "high": np.nan,
                "records": np.nan,
                "target": np.nan,
                "points": np.nan,
            }
        )
    for m in FINDING_METRICS:
        if m not in row.index:
            continue
        n = row.get(spec(m).denominator, np.nan)  # lines, lots, requests; for PPM units inspected
        rows.append(
            {
                "measure": label(m),
                "value": float(row[m]) if pd.notna(row[m]) else np.nan,
                "low": row.get(f"{m}_low", np.nan),
                "high": row.get(f"{m}_high", np.nan),
                "records": float(n) if pd.notna(n) else np.nan,
                "target": targets.get(m, np.nan),
                "points": row.get(f"pts_{m}", np.nan),
            }
        )
    out = pd.DataFrame(rows)
    for c in ("value", "low", "high", "records", "target", "points"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def _summary_frame(card, row: pd.Series) -> pd.DataFrame:
    w0, w1 = card.window
    items = [
        ("Supplier", str(row["supplier_id"])),
        ("Name", row.get("supplier_name")),
        ("Category", row.get("category")),
        ("Period", f"{w0.date()} to {w1.date()}"),
        ("As of", str(card.as_of.date())),
        ("Grade", str(row.get("grade"))),
        (
            "Overall score",
            None if pd.isna(row.get("overall_score", np.nan)) else f"{float(row['overall_score']):.1f} of 100",
        ),
        (
            "Grade stability",
            None
            if pd.isna(row.get("grade_stability", np.nan))
            else f"the grade holds in {float(row['grade_stability']):.0%} of reasonable weightings",
        ),
        ("Dimensions scored", row.get("dimensions_used")),
    ]
    # an item without a value (no name or category in the supplier master, no score) is left out, not shown empty
    return pd.DataFrame(
        [(k, str(v)) for k, v in items if v is not None and (isinstance(v, str) or not pd.isna(v))],
        columns=["item", "value"],
    )


def feedback_pack(
    card,
    supplier_id,
    *,
    out_dir=None,
    peers: str | None = "category",
    min_peers: int = 5,
    actions=None,
    signals=None,
    trend_alerts=None,
    contact: str | None = None,
    recent_months: int = 6,
    fdr: float = 0.05,
    charts: bool = True,
) -> FeedbackPack:
    """Build (and optionally write) the feedback pack of one supplier.

    Parameters
    ----------
    card : Scorecard
        From :func:`~supplier_analytics.score`.
    supplier_id : str
        The supplier the pack is for.
    out_dir : str or Path, optional
        When given, ``feedback.html`` and ``feedback.xlsx`` are written there.
    peers : {"category", "all", None}, default "category"
        Peer group: other graded suppliers of the same category, all other
        graded suppliers, or no peer section.
    min_peers : int, default 5
        Fewest *other* suppliers a peer figure may aggregate; a smaller group
        is left out with a note. Below 5 is refused.
    actions : DataFrame or path, optional
        The action log (:func:`~supplier_analytics.actions.read_actions`); the
        supplier's open actions are listed with their due dates.
    signals, trend_alerts : DataFrame, optional
        Precomputed :func:`~supplier_analytics.signals.change_signals` and
        :func:`~supplier_analytics.trends.alerts` (``include="all"``) of the
        whole scorecard, to build many packs without recomputing; computed
        when absent.
    contact : str, optional
        Who receives disputes (named in the pack).
    recent_months, fdr : int, float
        Passed to :func:`~supplier_analytics.signals.change_signals` and ``alerts`` when computed here.
    charts : bool, default True
        Draw the trend charts (the slow part); False leaves ``figures`` empty.

    Returns
    -------
    FeedbackPack
    """
    from supplier_analytics.trends import alerts as _alerts

    if min_peers < 5:
        raise InputError(f"min_peers must be at least 5 so that peer figures stay anonymous, got {min_peers!r}.")
    s = card.suppliers
    sid = str(supplier_id)
    match = s.index[s["supplier_id"].astype(str) == sid]
    if len(match) == 0:
        raise InputError(f"Supplier {sid!r} is not in this scorecard; pick one of card.suppliers['supplier_id'].")
    row = s.loc[match[0]]
    if signals is None:
        signals = change_signals(card, recent_months=recent_months, fdr=fdr)
    if trend_alerts is None:
        trend_alerts = _alerts(card, fdr=fdr)
    targets = card.config.targets
    recognition, areas = supplier_findings(card, row, signals, trend_alerts)
    ev = {m: _evidence_lines(card, sid, m) for m in dict.fromkeys(areas["metric"])}
    ev = {m: f for m, f in ev.items() if len(f)}
    if actions is not None:
        acts = open_actions(actions, sid)
        acts = acts[
            [c for c in ("action_id", "opened", "owner", "description", "metric", "due", "status") if c in acts.columns]
        ].copy()
        acts["overdue"] = (acts["due"] < card.as_of.normalize()).fillna(False).astype(bool)
    else:
        acts = pd.DataFrame(
            columns=["action_id", "opened", "owner", "description", "metric", "due", "status", "overdue"]
        )
    req = card.metrics.records("requests", sid) if hasattr(card.metrics, "records") else None
    if req is not None and "capa_open" in req.columns:
        mine = req.loc[req["capa_open"].fillna(False).astype(bool) & (req["status"] == "judged")]
        open_req = mine[[c for c in ("request_id", "date_sent", "capa_due", "date_responded") if c in mine]]
        open_req = open_req.sort_values("capa_due", kind="stable").reset_index(drop=True)
    else:
        open_req = pd.DataFrame()
    peer_frame, peer_note = peer_comparison(card, row, peers=peers, min_peers=min_peers)
    per = card.periods.loc[card.periods["supplier_id"].astype(str) == sid]
    keep = [
        "period",
        "n_deliveries",
        "otif_rate",
        "otif_rate_low",
        "otif_rate_high",
        "on_time_rate",
        "in_full_rate",
        "n_inspections",
        "ppm",
        "ppm_low",
        "ppm_high",
        "lot_rejection_rate",
        "n_requests",
        "within_sla_rate",
        "within_sla_rate_low",
        "within_sla_rate_high",
    ]
    per = per[[c for c in keep if c in per.columns]].copy()
    if "period" in per:
        per["period"] = per["period"].astype(str)
    notes = [signals.attrs.get("method", "")]
    if trend_alerts is not None and "method" in trend_alerts.attrs:
        notes.append("Trend test: " + trend_alerts.attrs["method"])
    name = row.get("supplier_name")
    pack = FeedbackPack(
        supplier_id=sid,
        supplier_name=None if name is None or pd.isna(name) else str(name),
        as_of=pd.Timestamp(card.as_of),
        window=card.window,
        grade=str(row.get("grade")),
        summary=_summary_frame(card, row),
        scores=_scores_frame(row, targets),
        recognition=recognition,
        areas=areas,
        evidence=ev,
        actions=acts.reset_index(drop=True),
        open_requests=open_req,
        peers=peer_frame,
        peer_note=peer_note,
        periods=per.reset_index(drop=True),
        methodology=methodology_text(card),
        disputes=dispute_text(contact=contact),
        figures=_charts(card, sid, targets) if charts else {},
        method_notes=tuple(n for n in notes if n),
        action_log=actions is not None,
    )
    if out_dir is not None:
        pack.write(out_dir)
    return pack


def write_feedback_packs(
    card,
    out_dir,
    *,
    supplier_ids=None,
    actions=None,
    peers: str | None = "category",
    min_peers: int = 5,
    contact: str | None = None,
    recent_months: int = 6,
    fdr: float = 0.05,
    progress=None,
) -> dict[str, Path]:
    """Write one folder of feedback per supplier under ``out_dir/suppliers/`` (names from :func:`safe_filename`).

    The change tests and trend alerts are computed once for the whole
    scorecard. ``progress``, when given, is called as ``progress(stage, number, total)`` before each pack
    (the command line shows a progress bar). Returns supplier id -> folder.
    """
    from supplier_analytics._io import safe_filename
    from supplier_analytics.trends import alerts as _alerts

    ids = card.suppliers["supplier_id"].astype(str).tolist() if supplier_ids is None else [str(x) for x in supplier_ids]
    known = set(card.suppliers["supplier_id"].astype(str))
    missing = [x for x in ids if x not in known]
    if missing:
        raise UsageError(_unknown_suppliers(missing, sorted(known)))
    signals = change_signals(card, recent_months=recent_months, fdr=fdr)
    trend = _alerts(card, fdr=fdr)
    log = None if actions is None else _read_log(actions)
    base = Path(out_dir) / "suppliers"
    out = {}
    for number, sid in enumerate(ids, start=1):
        if progress is not None:
            progress(f"Feedback pack for {sid}", number, len(ids))
        folder = base / safe_filename(sid)
        feedback_pack(
            card,
            sid,
            out_dir=folder,
            peers=peers,
            min_peers=min_peers,
            actions=log,
            signals=signals,
            trend_alerts=trend,
            contact=contact,
        )
        out[sid] = folder
    return out


def _unknown_suppliers(missing: list[str], known: list[str]) -> str:
    """One sentence: the ids not scored and the scored ids closest to the first (or a few examples)."""
    import difflib

    close = difflib.get_close_matches(missing[0], known, n=3, cutoff=0.6)
    listed = ", ".join(repr(x) for x in missing[:5]) + (" ..." if len(missing) > 5 else "")
    hint = (
        f"close matches: {', '.join(close)}"
        if close
        else f"the scored ids run from {known[0]} to {known[-1]}"
        if known
        else "no supplier was scored"
    )
    s = "s" if len(missing) > 1 else ""
    return (
        f"Supplier{s} {listed} {'are' if s else 'is'} not in the scored data ({hint}); "
        "check the --supplier ids against the supplier_id column."
    )


def _read_log(actions):
    from supplier_analytics.actions import read_actions

    return read_actions(actions)
