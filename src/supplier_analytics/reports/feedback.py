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
from supplier_analytics.findings import FINDING_METRICS, grade_levers, peer_comparison, supplier_findings
from supplier_analytics.reports import html as H
from supplier_analytics.reports.excel import SheetSpec
from supplier_analytics.reports.feedback_book import feedback_sheets
from supplier_analytics.reports.feedback_html import render_pack
from supplier_analytics.reports.pack import write_pack
from supplier_analytics.reports.pack_text import dispute_text, evidence_text, methodology_text
from supplier_analytics.signals import change_signals

__all__ = ["FeedbackPack", "feedback_pack", "write_feedback_packs", "FEEDBACK_FILES", "NO_CONTACT"]

#: Files written by :meth:`FeedbackPack.write` (and ``feedback.pdf`` with ``pdf=True``).
FEEDBACK_FILES = ("feedback.html", "feedback.xlsx")

#: The warning when packs are written without a contact for questions and disputes.
NO_CONTACT = (
    "The feedback packs name no contact for questions and disputes (they ask the supplier to reply to the "
    "sender); give contact= (--contact on the command line), e.g. 'Jane Doe, supplier quality, jane@example.com'."
)

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


def _keys(frame: pd.DataFrame) -> set:
    """The identities of evidence records: each whole row (a record listed for two metrics is the same row in
    both; ids alone may be missing or repeat, e.g. an order without line numbers)."""
    return set(frame.astype(str).itertuples(index=False, name=None))


def _evidence_once(card, sid: str, metrics: list[str]) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[str, int]]]:
    """The records behind each area, each record listed once: (metric -> records, metric -> the metric
    whose records already hold all of its own). OTIF's late or short lines hold on-time's late lines and
    in-full's short ones, so those areas point to OTIF's table instead of repeating it."""
    ev: dict[str, pd.DataFrame] = {}
    shared: dict[str, tuple[str, int]] = {}
    for m in metrics:
        frame = _evidence_lines(card, sid, m)
        if not len(frame):
            continue
        mine = _keys(frame)
        holder = next((k for k, f in ev.items() if list(f.columns) == list(frame.columns) and mine <= _keys(f)), None)
        if holder is None:
            ev[m] = frame
        else:
            shared[m] = (holder, len(frame))
    return ev, shared


# --------------------------------------------------------------------------- charts


#: Short value-axis titles of the charts (the chart title carries the full label).
_AXIS = {"otif_rate": "OTIF", "ppm": "PPM", "within_sla_rate": "Answered in time"}


def _charts(card, sid: str, targets: dict) -> dict[str, str]:
    from matplotlib.figure import Figure

    from supplier_analytics.plotting import plot_period_metric

    p = card.periods.loc[card.periods["supplier_id"].astype(str) == sid]
    out = {}
    for m in _CHARTS:
        if m not in p.columns or not p[m].notna().any():
            continue
        # the legend sits outside the plotting area, right of it, so that it never covers a point
        fig = Figure(figsize=(7.5, 2.5), layout="constrained")
        ax = fig.subplots()
        plot_period_metric(p.drop(columns="supplier_id"), m, ax=ax, target=targets.get(m))
        title = f"{label(m)} by {card.config.periods.period}"
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(_AXIS.get(m, label(m)), fontsize=9)
        ax.set_xlabel("")
        legend = ax.get_legend()
        if legend is not None:
            handles, names = ax.get_legend_handles_labels()
            legend.remove()
            names = ["Yours" if n == label(m) else n.replace("95% interval", "Likely range (95%)") for n in names]
            fig.legend(handles, names, loc="outside right upper", fontsize=8, frameon=False)
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
    score: float = float("nan")
    grade_probability: float = float("nan")
    grade_bands: tuple = ()
    levers: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence_note: str = ""
    evidence_shared: dict = field(default_factory=dict)  # metric -> the metric whose records already list its own

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
        """The pack as one self-contained HTML page (:func:`~supplier_analytics.reports.feedback_html.render_pack`)."""
        return render_pack(self)

    # ---------------------------------------------------------------- workbook
    def sheets(self) -> list[SheetSpec]:
        """The workbook's sheets: the same figures as the page, with every evidence record, people's headers
        and the formats of their units (:func:`~supplier_analytics.reports.feedback_book.feedback_sheets`)."""
        return feedback_sheets(self)

    def write(self, out_dir, *, pdf: bool = False) -> dict[str, Path]:
        """Write :data:`FEEDBACK_FILES` into ``out_dir`` (created), with ``pdf`` also ``feedback.pdf`` (printed
        by headless Chromium, :func:`~supplier_analytics.reports.pdf.html_to_pdf`); returns name -> path."""
        out = write_pack(out_dir, "feedback", self.html(), self.sheets())
        if pdf:
            from supplier_analytics.reports.pdf import html_to_pdf

            out["feedback.pdf"] = html_to_pdf(out["feedback.html"])
        return out


def _scores_frame(row: pd.Series, targets) -> pd.DataFrame:
    rows = []
    for m in ("overall_score", "delivery_score", "quality_score", "responsiveness_score"):
        v = row.get(m, np.nan)
        rows.append(
            {
                "metric": m,
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
                "metric": m,
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
    ev, shared = _evidence_once(card, sid, list(dict.fromkeys(areas["metric"])))
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
        score=float(row.get("overall_score", np.nan)),
        grade_probability=float(row.get("grade_probability", np.nan)),
        grade_bands=tuple((str(g), float(lo)) for g, lo in card.config.scoring.grades),
        levers=grade_levers(row, card.config),
        evidence_note=evidence_text(card, row),
        evidence_shared=shared,
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
    pdf: bool = False,
    progress=None,
) -> dict[str, Path]:
    """Write one folder of feedback per supplier under ``out_dir/suppliers/`` (names from :func:`safe_filename`).

    The change tests and trend alerts are computed once for the whole
    scorecard. With ``pdf`` each folder also gets ``feedback.pdf``, printed by
    headless Chromium (:class:`~supplier_analytics.reports.pdf.PdfEngineError`
    before anything is written when Chromium is missing). Without ``contact``
    the packs ask the supplier to reply to the sender, with a ``UserWarning``
    (:data:`NO_CONTACT`). Returns supplier id -> folder.
    ``progress``, when given, is called as ``progress(stage, number, total)`` before each pack (the
    command line shows a progress bar).
    """
    import warnings

    if pdf:
        from supplier_analytics.reports.pdf import PdfEngineError, find_chromium

        if find_chromium() is None:
            raise PdfEngineError(
                "No PDF can be written: Chromium is not installed (apt-get install chromium, or set "
                "SUPPLIER_ANALYTICS_CHROMIUM to its path); leave out --pdf to write the HTML and workbook only."
            )
    from supplier_analytics._io import safe_filename
    from supplier_analytics.trends import alerts as _alerts

    ids = card.suppliers["supplier_id"].astype(str).tolist() if supplier_ids is None else [str(x) for x in supplier_ids]
    known = set(card.suppliers["supplier_id"].astype(str))
    missing = [x for x in ids if x not in known]
    if missing:
        raise UsageError(_unknown_suppliers(missing, sorted(known)))
    if not contact:
        warnings.warn(NO_CONTACT, UserWarning, stacklevel=2)
    signals = change_signals(card, recent_months=recent_months, fdr=fdr)
    trend = _alerts(card, fdr=fdr)
    log = None if actions is None else _read_log(actions)
    base = Path(out_dir) / "suppliers"
    out = {}
    for number, sid in enumerate(ids, start=1):
        if progress is not None:
            progress(f"Feedback pack for {sid}", number, len(ids))
        folder = base / safe_filename(sid)
        pack = feedback_pack(
            card,
            sid,
            peers=peers,
            min_peers=min_peers,
            actions=log,
            signals=signals,
            trend_alerts=trend,
            contact=contact,
        )
        pack.write(folder, pdf=pdf)
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
