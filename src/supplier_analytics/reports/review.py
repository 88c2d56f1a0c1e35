"""The relationship review: an internal portfolio pack for managers.

:func:`review_pack` builds a :class:`ReviewPack` from a scorecard: suppliers
segmented by spend and by performance (and by category), the relationships
to prioritise (large spend and deteriorating first), the recognition list,
the candidates for a corrective-action request, the trend alerts, and the
action log with a before/after comparison of every closed action
(:func:`~supplier_analytics.actions.compare_before_after`). ``pack.write``
writes ``review.html`` (self-contained) and ``review.xlsx``.

This pack is internal: it names every supplier. Never send it to a supplier;
send :func:`~supplier_analytics.feedback_pack` instead.

Segments
--------
Spend class (ABC by cumulative share of annual spend, largest first): **A**
the suppliers making up the first 80 % of spend, **B** the next 15 %, **C**
the rest; "no spend" without ``annual_spend`` in the master. Performance:
**good** (grade A or B), **fair** (C), **poor** (D), **unknown** (insufficient
evidence). A supplier is *deteriorating* when a trend alert or the
year-on-year test (:func:`~supplier_analytics.reports.feedback.change_signals`)
says so, and *improving* likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.actions import compare_before_after, read_actions
from supplier_analytics.errors import InputError
from supplier_analytics._io import write_text_atomic
from supplier_analytics.reports import html as H
from supplier_analytics.reports.excel import SheetSpec, write_workbook
from supplier_analytics.reports.feedback import METRIC_LABELS, change_signals

__all__ = ["ReviewPack", "review_pack", "segment_suppliers", "REVIEW_FILES", "SPEND_SHARES"]

#: Files written by :meth:`ReviewPack.write`.
REVIEW_FILES = ("review.html", "review.xlsx")
#: Cumulative spend shares closing spend classes A and B.
SPEND_SHARES = (0.80, 0.95)
_PERFORMANCE = {"A": "good", "B": "good", "C": "fair", "D": "poor"}
_SEGMENT = {
    ("A", "good"): "strategic partner: keep and develop",
    ("A", "fair"): "key supplier to develop",
    ("A", "poor"): "critical: act now",
    ("A", "unknown"): "key supplier without evidence: collect data",
    ("B", "good"): "reliable: maintain",
    ("B", "fair"): "develop",
    ("B", "poor"): "corrective action or re-source",
    ("C", "good"): "reliable: keep simple",
    ("C", "fair"): "monitor",
    ("C", "poor"): "re-source candidate",
}


def _signal_sets(signals: pd.DataFrame, trend_alerts: pd.DataFrame | None, direction: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for frame, how in ((signals, "year on year"), (trend_alerts, "trend")):
        if frame is None or not len(frame):
            continue
        sel = frame.loc[frame["direction"] == direction]
        for sid, metric in zip(sel["supplier_id"].astype(str), sel["metric"].astype(str)):
            out.setdefault(sid, []).append(f"{METRIC_LABELS.get(metric, metric)} ({how})")
    return out


def segment_suppliers(scorecard, *, signals=None, trend_alerts=None) -> pd.DataFrame:
    """One row per supplier: spend class, performance class, segment, and the change signals behind them.

    Returns
    -------
    DataFrame
        ``supplier_id``, ``supplier_name``, ``category``, ``annual_spend``,
        ``spend_share``, ``spend_class`` (A/B/C, "no spend"), ``grade``,
        ``overall_score``, ``performance`` (good/fair/poor/unknown),
        ``segment``, ``deteriorating`` and ``improving`` (the metrics and tests
        that say so, "; "-joined, empty when none), sorted by spend.

    Examples
    --------
    >>> class Card:  # the two attributes used
    ...     suppliers = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "annual_spend": [800.0, 150.0, 50.0],
    ...                               "grade": ["A", "D", "C"], "overall_score": [90.0, 40.0, 60.0]})
    >>> seg = segment_suppliers(Card(), signals=pd.DataFrame(columns=["supplier_id", "metric", "direction"]))
    >>> seg[["supplier_id", "spend_class", "performance", "segment"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'supplier_id': 'S1', 'spend_class': 'A', 'performance': 'good', 'segment': 'strategic partner: keep and develop'},
     {'supplier_id': 'S2', 'spend_class': 'B', 'performance': 'poor', 'segment': 'corrective action or re-source'},
     {'supplier_id': 'S3', 'spend_class': 'C', 'performance': 'fair', 'segment': 'monitor'}]
    """
    s = scorecard.suppliers
    if signals is None:
        signals = change_signals(scorecard)
    cols = [c for c in ("supplier_id", "supplier_name", "category", "annual_spend", "grade", "overall_score")
            if c in s.columns]
    out = s[cols].copy()
    out["supplier_id"] = out["supplier_id"].astype(str)
    spend = out["annual_spend"].astype(float) if "annual_spend" in out else pd.Series(np.nan, index=out.index)
    total = float(np.nansum(spend))
    order = spend.sort_values(ascending=False, na_position="last", kind="stable").index
    before = spend.loc[order].fillna(0.0).cumsum() - spend.loc[order].fillna(0.0)
    share_before = before / total if total > 0 else before * np.nan
    cls = np.where(share_before < SPEND_SHARES[0], "A", np.where(share_before < SPEND_SHARES[1], "B", "C"))
    spend_class = pd.Series(cls, index=order).reindex(out.index)
    spend_class = spend_class.where(spend.notna() & (total > 0), "no spend")
    out["spend_share"] = spend / total if total > 0 else np.nan
    out["spend_class"] = spend_class.astype("string")
    grade = out["grade"].astype(str) if "grade" in out else pd.Series("insufficient evidence", index=out.index)
    out["performance"] = pd.Series(grade.map(_PERFORMANCE).fillna("unknown"), dtype="string")
    out["segment"] = pd.Series([_SEGMENT.get((c, p), "no spend recorded" if c == "no spend" else "collect data")
                                for c, p in zip(out["spend_class"], out["performance"])], index=out.index,
                               dtype="string")
    det = _signal_sets(signals, trend_alerts, "deteriorating")
    imp = _signal_sets(signals, trend_alerts, "improving")
    out["deteriorating"] = pd.Series(["; ".join(det.get(x, [])) for x in out["supplier_id"]], index=out.index,
                                     dtype="string")
    out["improving"] = pd.Series(["; ".join(imp.get(x, [])) for x in out["supplier_id"]], index=out.index,
                                 dtype="string")
    return out.loc[order].reset_index(drop=True)


def _priorities(seg: pd.DataFrame) -> pd.DataFrame:
    """Relationships to prioritise: deteriorating first, then poor, then fair, each by spend (largest first)."""
    det = seg["deteriorating"].str.len().fillna(0).gt(0).to_numpy()
    poor = seg["performance"].eq("poor").to_numpy(dtype=bool)
    fair_big = (seg["performance"].eq("fair") & seg["spend_class"].eq("A")).to_numpy(dtype=bool)
    unknown_big = (seg["performance"].eq("unknown") & seg["spend_class"].eq("A")).to_numpy(dtype=bool)
    tier = np.select([det, poor, fair_big, unknown_big], [1, 2, 3, 4], 0)
    reason = np.select(
        [det, poor, fair_big, unknown_big],
        ["deteriorating: " + seg["deteriorating"].fillna("").astype(str), "grade D",
         "large spend, grade C", "large spend without enough evidence for a grade"], "")
    out = seg.assign(priority=tier, reason=reason)
    out = out.loc[tier > 0]
    spend = out["annual_spend"] if "annual_spend" in out else pd.Series(0.0, index=out.index)
    out = out.assign(_spend=spend.fillna(0.0)).sort_values(["priority", "_spend"], ascending=[True, False],
                                                            kind="stable").drop(columns="_spend")
    keep = [c for c in ("priority", "supplier_id", "supplier_name", "category", "annual_spend", "spend_class",
                        "grade", "overall_score", "reason") if c in out.columns]
    return out[keep].reset_index(drop=True)


def _recognition(seg: pd.DataFrame) -> pd.DataFrame:
    imp = seg["improving"].str.len().fillna(0).gt(0) & seg["deteriorating"].str.len().fillna(0).eq(0)
    top = seg["grade"].astype(str).eq("A") & seg["deteriorating"].str.len().fillna(0).eq(0)
    out = seg.loc[(imp | top).to_numpy(dtype=bool)].copy()
    out["why"] = np.where(out["improving"].str.len().fillna(0).gt(0), "significant improvement: "
                          + out["improving"].fillna("").astype(str), "grade A, no deterioration")
    keep = [c for c in ("supplier_id", "supplier_name", "category", "annual_spend", "grade", "overall_score", "why")
            if c in out.columns]
    return out[keep].reset_index(drop=True)


def _car_candidates(scorecard, seg: pd.DataFrame, open_log: pd.DataFrame | None) -> pd.DataFrame:
    """Suppliers for a corrective-action request, with the reasons.

    A candidate has grade D, or a significant deterioration, or a quality
    metric (PPM, lot rejection) whose whole 95 % interval is beyond target;
    every key metric wholly beyond target is listed among the reasons.
    Delivery shortfalls alone are development topics for the feedback pack.
    """
    s = scorecard.suppliers.set_index(scorecard.suppliers["supplier_id"].astype(str))
    cfg = scorecard.config
    targets = {"otif_rate": cfg.targets.get("otif_rate"), "ppm": cfg.quality.ppm_target,
               "lot_rejection_rate": cfg.quality.lot_rejection_target,
               "within_sla_rate": cfg.targets.get("within_sla_rate")}
    rows = []
    for sid, r in s.iterrows():
        reasons = []
        for m, t in targets.items():
            if t is None or m not in s.columns or pd.isna(r.get(f"{m}_low", np.nan)):
                continue
            lower_better = m in ("ppm", "lot_rejection_rate")
            miss = r[f"{m}_low"] > t if lower_better else r[f"{m}_high"] < t
            if miss:
                val = f"{r[m]:,.0f} ppm" if m == "ppm" else f"{100 * r[m]:.1f}%"
                tgt = f"{t:,.0f} ppm" if m == "ppm" else f"{100 * t:.1f}%"
                reasons.append(f"{METRIC_LABELS.get(m, m)} {val} against {tgt} (whole 95% interval beyond target)")
        srow = seg.loc[seg["supplier_id"] == sid]
        det = str(srow["deteriorating"].iloc[0]) if len(srow) else ""
        if str(r.get("grade")) == "D":
            reasons.insert(0, "grade D")
        quality_miss = any(x.startswith((METRIC_LABELS["ppm"], METRIC_LABELS["lot_rejection_rate"]))
                           for x in reasons)
        if not reasons or not (str(r.get("grade")) == "D" or det or quality_miss):
            continue
        n_open = 0
        if open_log is not None and len(open_log):
            n_open = int((open_log["supplier_id"].astype(str) == sid).sum())
        rows.append({"supplier_id": sid, "supplier_name": r.get("supplier_name"), "grade": r.get("grade"),
                     "annual_spend": r.get("annual_spend", np.nan), "deteriorating": det,
                     "reasons": "; ".join(reasons), "open_actions": n_open})
    out = pd.DataFrame(rows, columns=["supplier_id", "supplier_name", "grade", "annual_spend", "deteriorating",
                                      "reasons", "open_actions"])
    det_first = out["deteriorating"].fillna("").str.len().gt(0)
    return (out.assign(_d=~det_first, _s=-out["annual_spend"].astype(float).fillna(0.0))
            .sort_values(["_d", "_s"], kind="stable").drop(columns=["_d", "_s"]).reset_index(drop=True))


def _by_category(seg: pd.DataFrame) -> pd.DataFrame:
    if "category" not in seg.columns:
        return pd.DataFrame()
    g = seg.assign(category=seg["category"].fillna("(none)")).groupby("category", sort=True)
    out = pd.DataFrame({
        "suppliers": g.size(),
        "annual_spend": g["annual_spend"].sum() if "annual_spend" in seg else np.nan,
        "median_score": g["overall_score"].median(),
        "good": g["performance"].apply(lambda x: int((x == "good").sum())),
        "fair": g["performance"].apply(lambda x: int((x == "fair").sum())),
        "poor": g["performance"].apply(lambda x: int((x == "poor").sum())),
        "unknown": g["performance"].apply(lambda x: int((x == "unknown").sum())),
        "deteriorating": g["deteriorating"].apply(lambda x: int((x.str.len() > 0).sum())),
        "improving": g["improving"].apply(lambda x: int((x.str.len() > 0).sum())),
    })
    return out.reset_index()


def plot_segments(segments: pd.DataFrame, *, ax=None, label: bool = True):
    """Annual spend (log scale) against overall score, one point per graded supplier, coloured by spend class.

    Deteriorating suppliers are drawn as red-edged triangles, improving ones as green-edged squares.
    Returns the Axes.
    """
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.5, 4.2)).subplots()
    seg = segments.loc[segments["overall_score"].notna() & (segments["annual_spend"].fillna(0) > 0)]
    colours = {"A": "tab:blue", "B": "tab:orange", "C": "tab:grey"}
    for cls, g in seg.groupby("spend_class", sort=True):
        det = g["deteriorating"].str.len().fillna(0).gt(0).to_numpy()
        imp = g["improving"].str.len().fillna(0).gt(0).to_numpy() & ~det
        plain = ~det & ~imp
        c = colours.get(str(cls), "tab:grey")
        ax.scatter(g["annual_spend"][plain], g["overall_score"][plain], c=c, s=30, label=f"spend class {cls}")
        if det.any():
            ax.scatter(g["annual_spend"][det], g["overall_score"][det], c=c, marker="^", s=60, edgecolors="red",
                       linewidths=1.5)
        if imp.any():
            ax.scatter(g["annual_spend"][imp], g["overall_score"][imp], c=c, marker="s", s=50, edgecolors="green",
                       linewidths=1.5)
        if label:
            for x, y, t in zip(g["annual_spend"], g["overall_score"], g["supplier_id"]):
                ax.annotate(str(t), (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("annual spend (log scale)")
    ax.set_ylabel("overall score")
    ax.set_title("Spend against performance (triangle: deteriorating, square: improving)", fontsize=10)
    ax.legend(loc="lower left", fontsize="small")
    return ax


@dataclass(frozen=True, eq=False)
class ReviewPack:
    """The internal portfolio review; build it with :func:`review_pack`."""

    as_of: pd.Timestamp
    window: tuple[pd.Timestamp, pd.Timestamp]
    segments: pd.DataFrame
    by_category: pd.DataFrame
    priorities: pd.DataFrame
    recognition: pd.DataFrame
    car_candidates: pd.DataFrame
    alerts: pd.DataFrame
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    action_results: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: dict = field(default_factory=dict)
    method_notes: tuple = ()

    def __repr__(self) -> str:
        return (f"ReviewPack(as_of={self.as_of.date()}, suppliers={len(self.segments)}, "
                f"priorities={len(self.priorities)}, recognition={len(self.recognition)}, "
                f"car_candidates={len(self.car_candidates)}, alerts={len(self.alerts)}, "
                f"actions={len(self.actions)})")

    def _tables(self):
        return [
            ("Relationships to prioritise", self.priorities,
             "Deteriorating first (a significant trend or year-on-year change), then grade D, then large spend "
             "graded C or without evidence; by spend within each group."),
            ("Recognition list", self.recognition, "Significant improvements, and grade A without deterioration."),
            ("Corrective-action request candidates", self.car_candidates,
             "Grade D, a significant deterioration, or PPM or lot rejection wholly beyond target (95% interval); "
             "the reasons list every key metric wholly beyond target. open_actions counts actions already open."),
            ("Alerts", self.alerts, "Trend alerts across the supplier base (false discovery rate controlled)."),
            ("Segments", self.segments, "Spend class by cumulative share of spend (A: first 80%, B: next 15%, "
                                        "C: the rest) and performance by grade."),
            ("By category", self.by_category, "Suppliers per category and performance class."),
            ("Action log", self.actions, "Every action of the log."),
            ("Did the actions work", self.action_results,
             self.action_results.attrs.get("method", "No closed action to compare.")),
        ]

    def html(self) -> str:
        w0, w1 = self.window
        head = (f"<header><h1>Supplier relationship review</h1><p class=\"meta\">Internal: names every supplier; "
                f"do not send to suppliers · period {w0.date()} to {w1.date()} · as of {self.as_of.date()}</p>"
                "</header>")
        parts = [head]
        charts = "".join(f'<div class="chart" data-figure="{H.esc(k)}">{svg}</div>' for k, svg in self.figures.items())
        parts.append(H.section("Spend and performance", charts or '<p class="note">No supplier with both a score '
                                                                  "and a spend to draw.</p>", anchor="segments"))
        for title, frame, note in self._tables():
            pct = tuple(c for c in frame.columns if c in ("spend_share", "before", "after", "difference", "low",
                                                          "high", "current"))
            body = f'<p class="note">{H.esc(note)}</p>'
            body += H.table(frame, percent=pct, decimals={"overall_score": 1, "annual_spend": 0, "median_score": 1,
                                                          "p_value": 4, "q_value": 4, "before_n": 0, "after_n": 0,
                                                          "before_k": 0, "after_k": 0}) \
                if len(frame) else '<p class="note">None.</p>'
            parts.append(H.section(title, body))
        parts.append(H.section("Method", "".join(f"<p>{H.esc(n)}</p>" for n in self.method_notes)))
        return H.page("Supplier relationship review", "".join(parts))

    def sheets(self) -> list[SheetSpec]:
        w0, w1 = self.window
        out = []
        for title, frame, note in self._tables():
            pct = tuple(c for c in frame.columns if c in ("spend_share", "before", "after", "difference", "low",
                                                          "high"))
            out.append(SheetSpec(title[:31], frame, percent=pct, notes=(note,), grade_column="grade"
                                 if "grade" in frame.columns else None))
        out.insert(0, SheetSpec("About", pd.DataFrame({"method": list(self.method_notes)}), notes=(
            f"Supplier relationship review (internal); period {w0.date()} to {w1.date()}; as of "
            f"{self.as_of.date()}.",), wrap=True))
        return out

    def write(self, out_dir) -> dict[str, Path]:
        """Write :data:`REVIEW_FILES` into ``out_dir`` (created); returns name -> path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        page = write_text_atomic(out / "review.html", self.html())
        return {"review.html": page, "review.xlsx": write_workbook(out / "review.xlsx", self.sheets())}


def review_pack(scorecard, *, actions=None, alerts=None, signals=None, out_dir=None, window_months: int = 3,
                fdr: float = 0.05, recent_months: int = 6) -> ReviewPack:
    """Build (and optionally write) the internal relationship review of a scorecard.

    Parameters
    ----------
    scorecard : Scorecard
    actions : DataFrame or path, optional
        The action log (:func:`~supplier_analytics.actions.read_actions`).
    alerts : DataFrame, optional
        :func:`~supplier_analytics.trends.alerts` of the scorecard (computed
        when absent, at ``fdr``).
    signals : DataFrame, optional
        :func:`~supplier_analytics.reports.feedback.change_signals` (computed when absent).
    out_dir : str or Path, optional
        When given, ``review.html`` and ``review.xlsx`` are written there.
    window_months : int, default 3
        Months each side of the before/after comparison of closed actions.
    fdr, recent_months : float, int
        For the alerts and the year-on-year test when computed here.

    Returns
    -------
    ReviewPack
    """
    from matplotlib.figure import Figure

    from supplier_analytics.trends import alerts as _alerts

    if not hasattr(scorecard, "suppliers") or not hasattr(scorecard, "metrics"):
        raise InputError(f"review_pack needs a Scorecard, not {type(scorecard).__name__}; pass score(...).")
    if alerts is None:
        alerts = _alerts(scorecard, fdr=fdr)
    if signals is None:
        signals = change_signals(scorecard, recent_months=recent_months, fdr=fdr)
    seg = segment_suppliers(scorecard, signals=signals, trend_alerts=alerts)
    if actions is not None:
        log = read_actions(actions)
        results = compare_before_after(scorecard, log, window_months=window_months, fdr=fdr)
        done = log["status"].isin(["closed", "cancelled"]).to_numpy(dtype=bool)
        open_log = log.loc[~done]
    else:
        log = pd.DataFrame(columns=["supplier_id", "action_id", "opened", "owner", "description", "due", "status",
                                    "closed", "metric"])
        results = pd.DataFrame()
        open_log = None
    shown_alerts = alerts.loc[alerts["direction"].isin(["deteriorating", "improving"])] if len(alerts) else alerts
    if "supplier_name" in seg.columns and len(shown_alerts):
        names = seg.set_index("supplier_id")["supplier_name"]
        shown_alerts = shown_alerts.assign(supplier_name=shown_alerts["supplier_id"].astype(str).map(names))
    keep = [c for c in ("supplier_id", "supplier_name", "metric", "direction", "severity", "p_value", "q_value",
                        "change", "current", "target", "n_periods", "chart_signal") if c in shown_alerts.columns]
    fig = Figure(figsize=(7.5, 4.2))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.13)
    plot_segments(seg, ax=fig.subplots())
    notes = [signals.attrs.get("method", "")]
    if "method" in alerts.attrs:
        notes.append("Trend alerts: " + alerts.attrs["method"])
    if "method" in results.attrs:
        notes.append("Actions: " + results.attrs["method"])
    pack = ReviewPack(
        as_of=pd.Timestamp(scorecard.as_of), window=scorecard.window, segments=seg, by_category=_by_category(seg),
        priorities=_priorities(seg), recognition=_recognition(seg),
        car_candidates=_car_candidates(scorecard, seg, open_log), alerts=shown_alerts[keep].reset_index(drop=True),
        actions=log.reset_index(drop=True), action_results=results,
        figures={"segments": H.figure_svg(fig, label="Spend against overall score per supplier")},
        method_notes=tuple(n for n in notes if n),
    )
    if out_dir is not None:
        pack.write(out_dir)
    return pack
