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

The segments and lists come from :mod:`supplier_analytics.portfolio`
(:func:`~supplier_analytics.portfolio.segment_suppliers` and the lists built
from it); this module assembles and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.actions import compare_before_after, read_actions
from supplier_analytics.catalog import METRICS, format_value
from supplier_analytics.catalog import label as catalog_label
from supplier_analytics.errors import InputError
from supplier_analytics.portfolio import (
    by_category,
    car_candidates,
    priority_list,
    recognition_list,
    segment_suppliers,
)
from supplier_analytics.reports import html as H
from supplier_analytics.reports.excel import SheetSpec
from supplier_analytics.reports.feedback_book import names_as_labels, note_lines
from supplier_analytics.reports.pack import write_pack
from supplier_analytics.signals import change_signals

__all__ = ["ReviewPack", "review_pack", "plot_segments", "REVIEW_FILES"]

#: Files written by :meth:`ReviewPack.write`.
REVIEW_FILES = ("review.html", "review.xlsx")


def _drawable(segments: pd.DataFrame) -> bool:
    """Whether some supplier has both a score and an annual spend above zero."""
    if not {"annual_spend", "overall_score"} <= set(segments.columns):
        return False
    spend = pd.to_numeric(segments["annual_spend"], errors="coerce").fillna(0.0)
    return bool((segments["overall_score"].notna() & (spend > 0)).any())


def _master_gaps(card) -> dict[str, str]:
    """What the supplier master does not give, one sentence start per topic ("spend", "category", "name")."""
    s = card.suppliers
    given = getattr(card, "master", None) is not None
    gaps = {}
    for topic, column, what in (
        ("spend", "annual_spend", "annual spend"),
        ("category", "category", "category"),
        ("name", "supplier_name", "supplier name"),
    ):
        if not given:
            gaps[topic] = "No supplier master was given"
        elif column not in s.columns:
            gaps[topic] = f"The supplier master has no {column} column"
        elif topic == "spend" and not pd.to_numeric(s[column], errors="coerce").fillna(0.0).gt(0).any():
            gaps[topic] = "The supplier master gives no annual spend above zero"
        elif not s[column].notna().any():
            gaps[topic] = f"The supplier master gives no {what} for any supplier"
    return gaps


#: Columns from the supplier master, and the topic of :func:`_master_gaps` that leaves each out.
_MASTER_COLUMNS = {
    "supplier_name": "name",
    "category": "category",
    "annual_spend": "spend",
    "spend_share": "spend",
    "spend_class": "spend",
}


def _without(frame: pd.DataFrame, gaps: dict[str, str]) -> pd.DataFrame:
    """The frame without the master's columns that the master does not give (they would be empty)."""
    drop = [c for c, topic in _MASTER_COLUMNS.items() if topic in gaps and c in frame.columns]
    return frame.drop(columns=drop) if drop else frame


def _money(value: float, _pos=None) -> str:
    """A spend tick as people write money: 5k, 20k, 1.5M (the currency is the supplier master's)."""
    v = float(value)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:,.10g}{suffix}"
    return f"{v:,.0f}"


#: How many of the largest spends are labelled besides the suppliers that need attention.
_TOP_SPEND_LABELS = 5


def _label_order(seg: pd.DataFrame) -> pd.DataFrame:
    """The suppliers worth a label, most important first: grade D, deteriorating, improving, the largest spends."""
    det = seg["deteriorating"].fillna("").astype(str).str.len().gt(0)
    imp = seg["improving"].fillna("").astype(str).str.len().gt(0) & ~det
    d = seg["grade"].astype(str).eq("D")
    top = seg["annual_spend"].rank(ascending=False, method="first").le(_TOP_SPEND_LABELS)
    rank = pd.Series(np.select([d, det, imp, top], [0, 1, 2, 3], 9), index=seg.index)
    keep = rank < 9
    return seg.loc[keep].assign(_rank=rank[keep]).sort_values(["_rank", "annual_spend"], ascending=[True, False])


def plot_segments(segments: pd.DataFrame, *, ax=None, label: bool = True):
    """Annual spend (log scale) against overall score, one point per graded supplier, coloured by spend class.

    Grade D suppliers are ringed in red, deteriorating suppliers are triangles and improving ones squares.
    With ``label`` the suppliers that matter are named (grade D, deteriorating, improving, the five largest
    spends), each where its label overlaps no other label and no point (a label without a free place is left
    out and the title says how many). The legend sits to the right of the Axes, off the data, and the spend
    axis reads as money (5k, 20k, 1M). Without a supplier that has both a score and an annual spend (no
    supplier master, no ``annual_spend``) the Axes say so in a sentence. Returns the Axes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from supplier_analytics.plotting.labels import legend_outside, place_labels

    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8.6, 4.4))
        fig.subplots_adjust(left=0.08, right=0.78, top=0.9, bottom=0.13)
        ax = fig.subplots()
    if not _drawable(segments):
        ax.text(0.5, 0.5, "No supplier with both a score and an annual spend to draw.", ha="center", va="center")
        ax.set_axis_off()
        return ax
    seg = segments.loc[segments["overall_score"].notna() & (segments["annual_spend"].fillna(0) > 0)]
    colours = {"A": "tab:blue", "B": "tab:orange", "C": "tab:grey"}
    det_all = seg["deteriorating"].fillna("").astype(str).str.len().gt(0)
    imp_all = seg["improving"].fillna("").astype(str).str.len().gt(0) & ~det_all
    for cls, g in seg.groupby("spend_class", sort=True):
        c = colours.get(str(cls), "tab:grey")
        det, imp = det_all.loc[g.index].to_numpy(), imp_all.loc[g.index].to_numpy()
        plain = ~det & ~imp
        ax.scatter(g["annual_spend"][plain], g["overall_score"][plain], c=c, s=30, label=f"Spend class {cls}")
        if det.any():
            ax.scatter(g["annual_spend"][det], g["overall_score"][det], c=c, marker="^", s=60)
        if imp.any():
            ax.scatter(g["annual_spend"][imp], g["overall_score"][imp], c=c, marker="s", s=45)
    d = seg.loc[seg["grade"].astype(str).eq("D")]
    if len(d):
        ax.scatter(
            d["annual_spend"], d["overall_score"], s=140, facecolors="none", edgecolors="tab:red", linewidths=1.5
        )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Annual spend (log scale)")
    ax.set_ylabel("Overall score (0-100)")
    x, y = seg["annual_spend"].to_numpy(float), seg["overall_score"].to_numpy(float)
    ax.set_xlim(x.min() / 1.6, x.max() * 1.6)  # room for the labels of the outermost points
    ax.set_ylim(y.min() - 4, y.max() + 4)
    extra = [
        Line2D([], [], ls="", marker="o", ms=10, mfc="none", mec="tab:red", mew=1.5, label="Grade D"),
        Line2D([], [], ls="", marker="^", ms=7, color="0.45", label="Deteriorating"),
        Line2D([], [], ls="", marker="s", ms=6, color="0.45", label="Improving"),
    ]
    handles, _ = ax.get_legend_handles_labels()
    legend_outside(ax, handles=handles + extra)
    title = "Spend against overall score"
    ax.set_title(title, fontsize=10)  # before the labels: a title set later would move the Axes under them
    if label:
        chosen = _label_order(seg)
        missed = place_labels(
            ax, chosen["annual_spend"], chosen["overall_score"], chosen["supplier_id"].astype(str), avoid=(x, y)
        )
        if missed:
            more = f"{len(missed)} label{'s' if len(missed) > 1 else ''} left out for room: see the tables"
            ax.set_title(f"{title} ({more})", fontsize=10)
    return ax


#: People's names of the review's columns (to move to the shared column labels once they exist).
_LABELS = {
    "priority": "Priority",
    "supplier_id": "Supplier ID",
    "supplier": "Supplier",
    "supplier_name": "Supplier",
    "category": "Category",
    "annual_spend": "Annual spend",
    "spend_share": "Share of spend",
    "spend_class": "Spend class",
    "grade": "Grade",
    "grade_probability": "Probability of the grade",
    "overall_score": "Overall score",
    "rank": "Rank (95% interval)",
    "performance": "Performance",
    "segment": "Segment",
    "trend": "Significant change",
    "reason": "Reason",
    "why": "Why",
    "deteriorating": "Deteriorating",
    "improving": "Improving",
    "reasons": "Reasons",
    "open_actions": "Open actions",
    "metric": "Metric",
    "direction": "Direction",
    "severity": "Severity",
    "p_value": "p-value",
    "q_value": "q-value",
    "change": "Change over the periods tested",
    "current": "Current level",
    "target": "Target",
    "n_periods": "Periods",
    "chart_signal": "Control chart signal",
    "suppliers": "Suppliers",
    "median_score": "Median score",
    "good": "Good",
    "fair": "Fair",
    "poor": "Poor",
    "unknown": "Not enough evidence",
    "action_id": "Action",
    "opened": "Opened",
    "owner": "Owner",
    "description": "Description",
    "due": "Due",
    "status": "Status",
    "closed": "Closed",
    "before": "Before",
    "after": "After",
    "difference": "Difference (95% interval)",
    "verdict": "Verdict",
}
_PERCENT = ("spend_share", "grade_probability")
_DECIMALS = {"overall_score": 1, "annual_spend": 0, "median_score": 1, "p_value": 4, "q_value": 4}


def _value(metric, value, *, change: bool = False, short: bool = False) -> str:
    """A metric's value in its catalogue format (with its unit); a change of a rate in percentage points."""
    if value is None or pd.isna(value):
        return ""
    metric = str(metric)
    spec = METRICS.get(metric)
    if change and spec is not None and spec.is_rate:
        return f"{100.0 * float(value):+.1f}" + ("" if short else " percentage points")
    if spec is None:
        text = f"{float(value):.3g}"
    else:
        text = format_value(metric, value, unit_suffix=not spec.is_rate and not short)
    return ("+" + text if float(value) > 0 else text) if change else text


def _for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of the pack as a person reads it: fewer, merged columns, values in the metric's format.

    The supplier's name and id share a cell, a rank shows with its interval, a metric's values (current,
    target, change, before, after) are formatted per row by the catalogue (so an OTIF target of 0.93 reads
    93.0%), and columns that repeat another (performance repeats the grade) are left out.
    """
    out = frame.copy()
    if {"supplier_id", "supplier_name"} <= set(out.columns):
        name = out["supplier_name"].astype("string")
        sid = out["supplier_id"].astype(str)
        out.insert(
            list(out.columns).index("supplier_id"),
            "supplier",
            [s if pd.isna(n) else f"{n} ({s})" for n, s in zip(name, sid)],
        )
        out = out.drop(columns=["supplier_id", "supplier_name"])
    if {"rank", "rank_low", "rank_high"} <= set(out.columns):
        out["rank"] = [
            "" if pd.isna(r) else f"{r:.0f}" + ("" if pd.isna(lo) else f" ({lo:.0f} to {hi:.0f})")
            for r, lo, hi in zip(out["rank"], out["rank_low"], out["rank_high"])
        ]
        out = out.drop(columns=["rank_low", "rank_high"])
    if {"deteriorating", "improving", "segment"} <= set(out.columns):
        out["trend"] = [
            "; ".join(f"{what}: {v}" for what, v in (("worse", d), ("better", i)) if isinstance(v, str) and v)
            for d, i in zip(out["deteriorating"], out["improving"])
        ]
        out = out.drop(columns=["deteriorating", "improving", "performance"], errors="ignore")
    if "metric" in out.columns:
        metrics = out["metric"].astype(str)
        for col in ("current", "target", "before", "after"):
            if col in out.columns:
                out[col] = [_value(m, v) for m, v in zip(metrics, out[col])]
        if "change" in out.columns:
            out["change"] = [_value(m, v, change=True) for m, v in zip(metrics, out["change"])]
        if {"difference", "low", "high"} <= set(out.columns):
            out["difference"] = [
                ""
                if pd.isna(d)
                else f"{_value(m, d, change=True)} ({_value(m, lo, change=True, short=True)} to "
                f"{_value(m, hi, change=True, short=True)})"
                for m, d, lo, hi in zip(metrics, out["difference"], out["low"], out["high"])
            ]
        for col in ("before", "after"):
            if f"{col}_n" in out.columns:
                out[col] = [v if pd.isna(n) else f"{v} of {n:,.0f}" for v, n in zip(out[col], out[f"{col}_n"])]
        out["metric"] = [catalog_label(m) if m in METRICS else m for m in metrics]
    if "verdict" in out.columns:  # the comparison of closed actions: the action log gives the rest
        out = out.drop(
            columns=[
                c
                for c in out.columns
                if c.startswith(("before_", "after_"))
                or c in ("low", "high", "p_value", "status", "owner", "description")
            ]
        )
    if "direction" in out.columns:
        out = out.drop(columns=["p_value"], errors="ignore")
    return out


#: Sheet names of tables whose title is longer than a sheet name may be (31 characters).
_SHEET_NAMES = {"Corrective-action request candidates": "Corrective-action candidates"}

#: Number formats of the review's columns that are not per metric.
_FORMATS = {
    "annual_spend": "#,##0",
    "spend_share": "0.0%",
    "grade_probability": "0.0%",
    "overall_score": "0.0",
    "median_score": "0.0",
    "p_value": "0.0000",
    "q_value": "0.0000",
}
#: Columns in the units of the row's metric; a change or difference is signed.
_METRIC_VALUES = ("current", "target", "before", "after")
_METRIC_CHANGES = ("change", "difference", "low", "high")
#: Columns of sentences, wrapped at these widths (characters).
_LONG_TEXT = {"reasons": 70, "why": 60, "reason": 40, "description": 50}


def _signed(fmt: str | None) -> str | None:
    """An Excel format with an explicit sign for a change (``+5.0%``, ``-120``)."""
    return None if fmt is None else f"+{fmt};-{fmt};{fmt}"


def _review_sheet(title: str, frame: pd.DataFrame, notes: tuple[str, ...]) -> SheetSpec:
    """One table of the review as a sheet: people's headers, metrics by their label, formats by unit (row by
    row for the columns in the units of the row's metric)."""
    shown = frame.reset_index(drop=True)
    row_formats: dict[str, list[str | None]] = {}
    if "metric" in shown.columns and len(shown):
        metrics = shown["metric"].astype(str)
        fmts = [METRICS[m].excel_format if m in METRICS else None for m in metrics]
        row_formats = {c: fmts for c in _METRIC_VALUES if c in shown.columns}
        row_formats |= {c: [_signed(f) for f in fmts] for c in _METRIC_CHANGES if c in shown.columns}
        shown = shown.assign(metric=[catalog_label(m) if m in METRICS else m for m in metrics])
    return SheetSpec(
        title,
        shown,
        notes=note_lines(*notes),
        labels=True,
        headers={**_LABELS, "rank": "Rank", "supplier_name": "Supplier name", "low": "Low (95%)", "high": "High (95%)"},
        formats={c: f for c, f in _FORMATS.items() if c in shown.columns},
        row_formats=row_formats,
        grade_column="grade" if "grade" in shown.columns else None,
        wrap=any(c in shown.columns for c in _LONG_TEXT),
        widths={c: w for c, w in _LONG_TEXT.items() if c in shown.columns},
    )


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
    gaps: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ReviewPack(as_of={self.as_of.date()}, suppliers={len(self.segments)}, "
            f"priorities={len(self.priorities)}, recognition={len(self.recognition)}, "
            f"car_candidates={len(self.car_candidates)}, alerts={len(self.alerts)}, "
            f"actions={len(self.actions)})"
        )

    def _tables(self):
        """(title, frame, note, text when the frame is empty) of every table of the pack."""
        spend = "spend" not in self.gaps
        no_spend = f"{self.gaps.get('spend', '')}, so there are no spend classes. " if not spend else ""
        return [
            (
                "Relationships to prioritise",
                self.priorities,
                "Deteriorating first (a significant trend or year-on-year change), then grade D"
                + (
                    ", then large spend graded C or without evidence; by spend within each group."
                    if spend
                    else "; no spend is known, so large spend does not count."
                ),
                "No supplier is deteriorating or graded D.",
            ),
            (
                "Recognition list",
                self.recognition,
                "Significant improvements, and grade A without deterioration.",
                "No significant improvement and no grade A without deterioration.",
            ),
            (
                "Corrective-action request candidates",
                self.car_candidates,
                "Grade D, a significant deterioration, or PPM or lot rejection wholly beyond target (95% interval); "
                "the reasons list every key metric wholly beyond target. Open actions counts the actions of the log not yet closed.",
                "No supplier meets these conditions.",
            ),
            (
                "Alerts",
                self.alerts,
                "Trend alerts across the supplier base (false discovery rate controlled).",
                "No trend alert.",
            ),
            (
                "Segments",
                self.segments,
                (
                    "Spend class by cumulative share of spend (A: first 80%, B: next 15%, C: the rest) and performance "
                    "by grade"
                    if spend
                    else f"{no_spend}Performance by grade (good: A or B, fair: C, poor: D, unknown: not enough evidence)"
                )
                + "; the probability of the grade is how sure the grade shown is, and the rank is shown with its "
                "95% interval.",
                "No supplier in the scorecard.",
            ),
            (
                "By category",
                self.by_category,
                "Suppliers per category and performance class.",
                f"{self.gaps['category']}, so suppliers are not grouped by category."
                if "category" in self.gaps
                else "No category to group by.",
            ),
            (
                "Action log",
                self.actions,
                "Every action of the log.",
                "The action log is empty." if self.gaps.get("actions") is None else self.gaps["actions"],
            ),
            (
                "Did the actions work",
                self.action_results,
                self.action_results.attrs.get("method", "A before/after comparison of every closed action."),
                "No closed action to compare.",
            ),
        ]

    def html(self) -> str:
        w0, w1 = self.window
        head = (
            f'<header><h1>Supplier relationship review</h1><p class="meta">Internal: names every supplier; '
            f"do not send to suppliers · period {w0.date()} to {w1.date()} · as of {self.as_of.date()}</p>"
            "</header>"
        )
        parts = [head]
        charts = "".join(f'<div class="chart" data-figure="{H.esc(k)}">{svg}</div>' for k, svg in self.figures.items())
        if "spend" in self.gaps:
            missing = f"{self.gaps['spend']}, so the chart of spend against performance is left out."
        else:
            missing = "No supplier with both a score and an annual spend to draw."
        parts.append(
            H.section("Spend and performance", charts or f'<p class="note">{H.esc(missing)}</p>', anchor="segments")
        )
        for title, frame, note, empty in self._tables():
            body = f'<p class="note">{H.esc(note)}</p>'
            if len(frame):
                shown = _for_people(frame)
                pct = tuple(c for c in shown.columns if c in _PERCENT)
                body += H.table(shown, percent=pct, decimals=_DECIMALS, labels=_LABELS)
            else:
                body += f'<p class="note">{H.esc(empty)}</p>'
            parts.append(H.section(title, body))
        parts.append(H.section("Method", "".join(f"<p>{H.esc(n)}</p>" for n in self.method_notes)))
        return H.page("Supplier relationship review", "".join(parts))

    def sheets(self) -> list[SheetSpec]:
        """The workbook: an About sheet with the methods, then one sheet per table of the page, with people's
        headers and each value in the format of its unit (a metric's values row by row, from the catalogue)."""
        w0, w1 = self.window
        out = [
            SheetSpec(
                "About",
                pd.DataFrame({"method": [names_as_labels(n) for n in self.method_notes]}),
                notes=(
                    f"Supplier relationship review (internal); period {w0.date()} to {w1.date()}; as of "
                    f"{self.as_of.date()}.",
                ),
                wrap=True,
                headers={"method": "Method"},
                widths={"method": 120},
            )
        ]
        for title, frame, note, empty in self._tables():
            out.append(_review_sheet(_SHEET_NAMES.get(title, title), frame, (note,) if len(frame) else (note, empty)))
        return out

    def write(self, out_dir) -> dict[str, Path]:
        """Write :data:`REVIEW_FILES` into ``out_dir`` (created); returns name -> path."""
        return write_pack(out_dir, "review", self.html(), self.sheets())


def review_pack(
    card,
    *,
    actions=None,
    alerts=None,
    signals=None,
    out_dir=None,
    window_months: int = 3,
    fdr: float = 0.05,
    recent_months: int = 6,
) -> ReviewPack:
    """Build (and optionally write) the internal relationship review of a scorecard.

    Parameters
    ----------
    card : Scorecard
    actions : DataFrame or path, optional
        The action log (:func:`~supplier_analytics.actions.read_actions`).
    alerts : DataFrame, optional
        :func:`~supplier_analytics.trends.alerts` of the scorecard (computed
        when absent, at ``fdr``).
    signals : DataFrame, optional
        :func:`~supplier_analytics.signals.change_signals` (computed when absent).
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

    if not hasattr(card, "suppliers") or not hasattr(card, "metrics"):
        raise InputError(f"review_pack needs a Scorecard, not {type(card).__name__}; pass score(...).")
    if alerts is None:
        alerts = _alerts(card, fdr=fdr)
    if signals is None:
        signals = change_signals(card, recent_months=recent_months, fdr=fdr)
    seg = segment_suppliers(card, signals=signals, trend_alerts=alerts)
    if actions is not None:
        log = read_actions(actions)
        results = compare_before_after(card, log, window_months=window_months, fdr=fdr)
        done = log["status"].isin(["closed", "cancelled"]).to_numpy(dtype=bool)
        open_log = log.loc[~done]
    else:
        log = pd.DataFrame(
            columns=["supplier_id", "action_id", "opened", "owner", "description", "due", "status", "closed", "metric"]
        )
        results = pd.DataFrame()
        open_log = None
    shown_alerts = alerts.loc[alerts["direction"].isin(["deteriorating", "improving"])] if len(alerts) else alerts
    if "supplier_name" in seg.columns and len(shown_alerts):
        names = seg.set_index("supplier_id")["supplier_name"]
        shown_alerts = shown_alerts.assign(supplier_name=shown_alerts["supplier_id"].astype(str).map(names))
    keep = [
        c
        for c in (
            "supplier_id",
            "supplier_name",
            "metric",
            "direction",
            "severity",
            "p_value",
            "q_value",
            "change",
            "current",
            "target",
            "n_periods",
            "chart_signal",
        )
        if c in shown_alerts.columns
    ]
    gaps = _master_gaps(card)
    if actions is None:
        gaps["actions"] = "No action log was given."
    figures = {}
    if _drawable(seg):
        fig = Figure(figsize=(8.6, 4.4))
        fig.subplots_adjust(left=0.08, right=0.8, top=0.9, bottom=0.13)
        plot_segments(seg, ax=fig.subplots())
        figures["segments"] = H.figure_svg(fig, label="Spend against overall score per supplier")
    notes = [signals.attrs.get("method", "")]
    if "method" in alerts.attrs:
        notes.append("Trend alerts: " + alerts.attrs["method"])
    if "method" in results.attrs:
        notes.append("Actions: " + results.attrs["method"])
    pack = ReviewPack(
        as_of=pd.Timestamp(card.as_of),
        window=card.window,
        segments=_without(seg, gaps),
        by_category=_without(by_category(seg), gaps),
        priorities=_without(priority_list(seg), gaps),
        recognition=_without(recognition_list(seg), gaps),
        car_candidates=_without(car_candidates(card, seg, open_log), gaps),
        alerts=_without(shown_alerts[keep].reset_index(drop=True), gaps),
        actions=log.reset_index(drop=True),
        action_results=results,
        figures=figures,
        method_notes=tuple(n for n in notes if n),
        gaps=gaps,
    )
    if out_dir is not None:
        pack.write(out_dir)
    return pack
