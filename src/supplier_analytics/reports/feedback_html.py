"""The page of a supplier feedback pack: what the supplier reads on screen and prints on A4.

:func:`render_pack` turns a :class:`~supplier_analytics.reports.feedback.FeedbackPack` into one
self-contained HTML page. Written for the supplier: every figure in its unit (rates as percentages, PPM
as a whole number, days with one decimal, one score with one decimal), people's names for every column,
no statistical term in the body (the methods are an appendix at the end, in plain words), each late or
short line listed once, and print rules for A4 (:data:`PACK_CSS`): headings stay with what follows them,
tables wrap within the page width instead of shrinking the text, body text at 10.5 pt.
"""

from __future__ import annotations

import math

import pandas as pd

from supplier_analytics.catalog import METRICS, format_value, label
from supplier_analytics.reports import html as H
from supplier_analytics.reports.pack_text import column_label, people_text

__all__ = ["render_pack", "PACK_CSS"]

#: Print and layout rules of the pack, added to the shared page CSS.
PACK_CSS = """
.headline { display: flex; align-items: center; gap: 1rem; margin: .4rem 0 .8rem; }
.headline .grade { margin-right: 0; }
.headline p { margin: 0; font-size: 1.05rem; }
.lever { border-left: 4px solid var(--accent); background: #f5f8fc; padding: .5rem .8rem; margin: .5rem 0 .8rem; }
.appendix p, p.topic { margin: .2rem 0 .5rem; }
table.figures td:first-child { min-width: 14rem; }
table.evidence { font-size: 12px; }
table.evidence td, td.num { white-space: nowrap; }
@media print {
  body { font-size: 10.5pt; line-height: 1.35; }
  h1 { font-size: 17pt; } h2 { font-size: 13pt; margin-top: 1.1rem; } h3 { font-size: 11pt; }
  table, table.evidence { font-size: 10pt; max-width: 100%; }
  th, td { padding: .12rem .3rem; overflow-wrap: break-word; }
  .chart { margin: .2rem 0 .4rem; }
  table.figures td:first-child { min-width: 0; }
  .chart svg { width: auto; height: 52mm; max-width: 100%; }  /* chart text at about 8 pt */
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .keep { break-inside: auto; page-break-inside: auto; }  /* headings hold to what follows; blocks may split */
  p, li { orphans: 3; widows: 3; }
}
"""


def _value(metric: str, value) -> str:
    """A metric's figure in its unit, for people; empty when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_value(metric, value) if metric in METRICS else H.fmt(value)


def _counted(n: int, noun: str) -> str:
    """``n`` with its noun, singular for one: "1 corrective action", "1 unit inspected", "157 lines"."""
    if n == 1:
        words = noun.split()
        i = next((j for j, w in enumerate(words) if w.endswith("s")), None)
        if i is not None:
            words[i] = words[i][:-1]
        noun = " ".join(words)
    return f"{n:,} {noun}"


def _score(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1f}"


def _rows_table(head: list[str], rows: list[list[str]], *, css: str = "", numeric: tuple = ()) -> str:
    """A table of display strings (already formatted); columns in ``numeric`` right-aligned."""
    th = "".join(f"<th>{H.esc(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{H.esc(c)}</td>' if i in numeric else f"<td>{H.esc(c)}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table{H.table_class(len(head), len(rows), css)}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _keep(*parts: str) -> str:
    return '<div class="keep">' + "".join(parts) + "</div>"


def _section(title: str, first: str, rest: str = "", *, anchor: str, css: str = "") -> str:
    """A section whose heading is kept on the page of its first block."""
    cls = f' class="{css}"' if css else ""
    return f'<section id="{anchor}"{cls}>' + _keep(f"<h2>{H.esc(title)}</h2>", first) + rest + "</section>"


def _band(pack, grade: str) -> str:
    bands = list(pack.grade_bands)
    for i, (g, lo) in enumerate(bands):
        if g == grade:
            return f"a score of {lo:g} or more" if i == 0 else f"scores from {lo:g} to below {bands[i - 1][1]:g}"
    return ""


# ----------------------------------------------------------------------------------------------- summary


def _summary(pack) -> str:
    graded = pack.grade in {g for g, _ in pack.grade_bands}
    grade_cls = f"grade grade-{H.esc(pack.grade)}" if pack.grade in ("A", "B", "C", "D") else "grade"
    badge = f'<span class="{grade_cls}" id="grade">{H.esc(pack.grade if graded else "–")}</span>'
    if graded:
        sure = (
            f" Given your records, the grade is {pack.grade} with a probability of {pack.grade_probability:.0%}."
            if pd.notna(pack.grade_probability)
            else ""
        )
        line = (
            f'<p>Your score: <strong id="score">{_score(pack.score)}</strong> out of 100, grade '
            f"<strong>{H.esc(pack.grade)}</strong> ({_band(pack, pack.grade)}).{sure}</p>"
        )
    else:
        line = "<p><strong>No grade this period</strong>: there are not enough records to grade.</p>"
    head = f'<div class="headline">{badge}{line}</div>'
    note = f'<p class="evidence-note"><strong>{H.esc(pack.evidence_note)}</strong></p>' if pack.evidence_note else ""
    sc = pack.scores
    dims = sc[sc["metric"].isin(["delivery_score", "quality_score", "responsiveness_score"])]
    dim_rows = [[str(r.measure).replace(" score", ""), _score(r.value)] for r in dims.itertuples() if pd.notna(r.value)]
    dim_tbl = _rows_table(["Area", "Score (0-100)"], dim_rows, numeric=(1,)) if graded and dim_rows else ""
    rows = []
    for r in sc.loc[~sc["metric"].str.endswith("_score")].itertuples():
        if pd.isna(r.value):
            continue
        rng = f"{_value(r.metric, r.low)} to {_value(r.metric, r.high)}" if pd.notna(r.low) else ""
        noun = METRICS[r.metric].record_noun if r.metric in METRICS else "records"
        based = _counted(int(r.records), noun) if pd.notna(r.records) else ""
        rows.append([r.measure, _value(r.metric, r.value), rng, _value(r.metric, r.target), based, _score(r.points)])
    fig_tbl = (
        _rows_table(
            ["Measure", "Yours", "Likely range (95%)", "Target", "Based on", "Points (0-100)"],
            rows,
            css="figures",
            numeric=(1, 3, 5),
        )
        if rows
        else '<p class="note">No measure has records in this period.</p>'
    )
    return _section("Summary", head + note + dim_tbl, _keep("<h3>Your figures</h3>", fig_tbl), anchor="summary")


def _levers(pack) -> str:
    lv = pack.levers
    if pack.grade not in {g for g, _ in pack.grade_bands}:
        return ""
    if lv is None or not len(lv):
        first = '<p class="note">Every measure with a target meets it: no single improvement adds points.</p>'
        return _section("What would move your grade most", first, anchor="levers")
    top = lv.iloc[0]
    m = str(top["metric"])
    move = (
        f" and your grade from {H.esc(pack.grade)} to {H.esc(top['grade_after'])}"
        if top["grade_after"] != pack.grade
        else f" (your grade stays {H.esc(pack.grade)})"
    )
    first = (
        f'<p class="lever" id="lever"><strong>{H.esc(top["label"])}</strong>: bringing it from '
        f"{H.esc(_value(m, top['value']))} to its target of {H.esc(_value(m, top['target']))} would raise your "
        f"score by {top['score_gain']:.1f} points, from {_score(pack.score)} to {_score(top['score_after'])}{move}.</p>"
    )
    rows = [
        [
            r.label,
            _value(r.metric, r.value),
            _value(r.metric, r.target),
            _score(r.points),
            _score(r.points_at_target),
            f"+{r.score_gain:.1f}",
        ]
        for r in lv.itertuples()
    ]
    tbl = _rows_table(
        ["Measure", "Yours", "Target", "Points now", "Points at target", "Your score gains"],
        rows,
        numeric=(1, 2, 3, 4, 5),
    )
    how = (
        '<p class="note">For each measure below its target: the points it would earn at its target, less its '
        "points now, times its weight in your score; everything else unchanged.</p>"
    )
    return _section("What would move your grade most", first + (tbl if len(lv) > 1 else "") + how, anchor="levers")


# ----------------------------------------------------------------------------------------------- evidence

#: Decimals of the evidence columns: quantities whole, days and hours with one decimal.
_DECIMALS = {
    "quantity_ordered": 0,
    "quantity_received": 0,
    "quantity_inspected": 0,
    "quantity_defective": 0,
    "downtime_minutes": 0,
    "days_late": 1,
    "response_hours": 1,
    "sla_hours": 0,
}
#: Evidence columns left off the page (the workbook keeps them): every listed line failed OTIF.
_HIDDEN = ("otif",)
#: Evidence records shown on the page per area (the workbook lists every one).
_SHOWN = 10


def _people_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes as words (request types, metric names) and empty columns dropped."""
    out = frame.drop(columns=[c for c in _HIDDEN if c in frame.columns])
    out = out[[c for c in out.columns if out[c].notna().any() and (out[c].astype(str).str.strip() != "").any()]]
    for c in ("request_type", "status"):
        if c in out.columns:
            out[c] = out[c].map(lambda v: people_text(v) if isinstance(v, str) else v)
    if "metric" in out.columns:
        out["metric"] = out["metric"].map(lambda v: label(v) if isinstance(v, str) and v in METRICS else v)
    return out


def people_table(frame: pd.DataFrame, *, max_rows: int | None = None, css: str = "") -> str:
    """An HTML table of records with people's column names and units."""
    shown = _people_frame(frame)
    labels = {c: column_label(c) for c in shown.columns}
    return H.table(shown, decimals=_DECIMALS, max_rows=max_rows, labels=labels, css=css)


def _areas(pack) -> str:
    if not len(pack.areas):
        return _section(
            "Areas to improve",
            '<p class="note">No measure falls short of its target or worsens clearly.</p>',
            anchor="areas",
        )
    blocks = []
    for m, g in pack.areas.groupby("metric", sort=False):
        items = "".join(f"<li>{H.esc(f)}</li>" for f in g["finding"])
        head = f'<h3>{H.esc(g["area"].iloc[0])}</h3><ul class="findings">{items}</ul>'
        ev = pack.evidence.get(m)
        if ev is not None and len(ev):
            n = len(ev)
            title = f"<h4>The {n:,} record{'s' if n != 1 else ''} behind it</h4>"
            tbl = people_table(ev.head(_SHOWN), css="evidence")
            more = (
                f'<p class="note">The first {_SHOWN} of {n:,}; the workbook lists all of them.</p>'
                if n > _SHOWN
                else ""
            )
            blocks.append(f'<div class="area">{_keep(head)}{title}{tbl}{more}</div>')
        elif m in pack.evidence_shared:
            holder, n = pack.evidence_shared[m]
            note = (
                f'<p class="note">Its {n:,} record{"s are" if n != 1 else " is"} among those listed under '
                f"{H.esc(label(holder))} above (the workbook lists every one).</p>"
            )
            blocks.append(f'<div class="area">{_keep(head, note)}</div>')
        else:
            blocks.append(f'<div class="area">{_keep(head)}</div>')
    return _section("Areas to improve", blocks[0], "".join(blocks[1:]), anchor="areas")


# ----------------------------------------------------------------------------------------------- the rest


def _recognition(pack) -> str:
    rec = pack.recognition
    if len(rec):
        items = "".join(
            f"<li><strong>{H.esc(str(k).capitalize())}:</strong> {H.esc(f)}</li>"
            for k, f in zip(rec["kind"], rec["finding"])
        )
        body = f'<ul class="findings">{items}</ul>'
    else:
        body = '<p class="note">No strength or improvement stands out clearly enough in this period to claim it.</p>'
    return _section("Strengths and improvements", body, anchor="recognition")


def _actions(pack) -> str:
    if len(pack.actions):
        body = people_table(pack.actions)
    elif pack.action_log:
        body = '<p class="note">No open corrective action.</p>'
    else:
        body = '<p class="note">Open corrective actions are not listed: no action log was provided for this pack.</p>'
    rest = ""
    if len(pack.open_requests):
        rest = _keep("<h3>Corrective-action requests still open</h3>", people_table(pack.open_requests))
    return _section("Open corrective actions", body, rest, anchor="actions")


def _peers(pack) -> str:
    note = f'<p class="note">{H.esc(pack.peer_note)}</p>'
    if pack.peers is None:
        return _section("Position among peers", note, anchor="peers")
    names = {label(m): m for m in METRICS}
    rows = []
    for r in pack.peers.itertuples():
        m = names.get(str(r.metric), "")
        yours, median = (
            (_score(r.yours), _score(r.peer_median))
            if m.endswith("_score")
            else (_value(m, r.yours), _value(m, r.peer_median))
        )
        rows.append([str(r.metric), yours, median, f"{r.percentile:.0f}%", f"{int(r.peers)}"])
    tbl = _rows_table(["Measure", "Yours", "Peer median", "You do better than", "Peers"], rows, numeric=(1, 2, 3, 4))
    return _section("Position among peers", tbl + note, anchor="peers")


def _run_in(topics: pd.DataFrame) -> list[str]:
    """Topics and their explanations as paragraphs, each led by its topic in bold (no heading line each)."""
    return [f'<p class="topic"><strong>{H.esc(t)}.</strong> {H.esc(x)}</p>' for t, x in topics.itertuples(index=False)]


def _disputes(pack) -> str:
    parts = _run_in(pack.disputes)
    return _section("Questions and disputes", parts[0], "".join(parts[1:]), anchor="disputes")


def _appendix(pack) -> str:
    parts = _run_in(pack.methodology)
    return _section(
        "Appendix: how the figures are made", parts[0], "".join(parts[1:]), anchor="methodology", css="appendix"
    )


def render_pack(pack) -> str:
    """The feedback pack as one self-contained HTML page (inline CSS and SVG charts, prints on A4)."""
    w0, w1 = pack.window
    meta = f"Supplier {H.esc(pack.supplier_id)} · period {w0.date()} to {w1.date()} · as of {pack.as_of.date()}"
    parts = [f'<header><h1>{H.esc(pack.title)}</h1><p class="meta">{meta}</p></header>', _summary(pack), _levers(pack)]
    charts = [f'<div class="chart" data-metric="{H.esc(m)}">{svg}</div>' for m, svg in pack.figures.items()]
    parts.append(
        _section("Trends", charts[0], "".join(charts[1:]), anchor="trends")
        if charts
        else _section("Trends", '<p class="note">No month with records to draw.</p>', anchor="trends")
    )
    parts += [_recognition(pack), _areas(pack), _actions(pack), _peers(pack), _disputes(pack), _appendix(pack)]
    return H.page(pack.title, "".join(parts), css=PACK_CSS)
