"""Self-contained HTML pages for the feedback and review packs.

A page is one file: the CSS is inline, every chart is an inline ``<svg>``
drawn by matplotlib, and nothing is fetched from anywhere (no ``http://`` or
``https://`` source, link, font or script), so a pack opens offline, can be
mailed as an attachment, and prints cleanly on A4 (``@media print``): a heading stays with what follows
it, a chart or a short table never splits, a long table splits between rows with its header row repeated,
and a table of many columns (:data:`WIDE_COLUMNS`) prints on a landscape page of its own.

Every text that comes from data goes through :func:`html.escape`.

Examples
--------
>>> table(pd.DataFrame({"metric": ["<b>"], "value": [0.5]}), percent=("value",))
'<table class="short"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td class="num">50.0%</td></tr></tbody></table>'
"""

from __future__ import annotations

import html as _html
import io
import math
import re

import numpy as np
import pandas as pd

__all__ = ["WIDE_COLUMNS", "SHORT_ROWS", "CSS", "esc", "fmt", "table", "table_class", "figure_svg", "page", "section"]

#: A table of at least this many columns is marked ``wide``: its section prints on a landscape A4 page.
WIDE_COLUMNS = 11
#: A table of at most this many rows is marked ``short``: it never splits across two pages.
SHORT_ROWS = 8

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #305496; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 62rem; padding: 1.5rem; line-height: 1.45; font-size: 14px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; color: var(--accent); }
h2 { font-size: 1.2rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 1.8rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .3rem; }
p.meta { color: var(--muted); margin: 0 0 1rem; }
p.note { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 12.5px; width: auto; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grade { display: inline-block; font-size: 2.2rem; font-weight: bold; padding: .2rem 1rem;
         border-radius: .4rem; background: #eef2f7; margin-right: 1rem; }
.grade-A { background: #c6efce; } .grade-B { background: #e2f0d9; } .grade-C { background: #ffeb9c; }
.grade-D { background: #ffc7ce; }
.chart { margin: .5rem 0 1rem; }
.chart svg { max-width: 100%; height: auto; }
ul.findings li { margin-bottom: .35rem; }
table { max-width: 100%; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  /* a long table may split between rows, its header row repeated on the next page; a row never splits,
     and the first rows stay with the table's heading */
  thead { display: table-header-group; }
  tr, .chart, li, .keep { break-inside: avoid; page-break-inside: avoid; }
  tbody tr:nth-child(-n+3), tbody tr:nth-last-child(-n+2) { break-before: avoid; page-break-before: avoid; }
  table.short { break-inside: avoid; page-break-inside: avoid; }
  section.page-break { break-before: page; page-break-before: always; }
  section:has(> table.wide), section:has(> * > table.wide) { page: wide; }
  table { font-size: 10pt; }
  th, td { padding: .15rem .35rem; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 14mm 14mm 16mm; }
@page wide { size: A4 landscape; margin: 12mm 14mm 14mm; }
"""


def esc(value) -> str:
    """Text for HTML: escaped; missing values empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return _html.escape(str(value), quote=True)


def fmt(value, *, percent: bool = False, decimals: int | None = None) -> str:
    """A cell value as display text: percentages with one decimal, floats with ``decimals``, dates as ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if percent and isinstance(value, (int, float, np.number)):
        return f"{100.0 * float(value):.1f}%"
    if isinstance(value, (float, np.floating)):
        d = 1 if decimals is None else decimals
        return f"{float(value):,.{d}f}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return str(value)


def table(
    frame: pd.DataFrame,
    *,
    percent=(),
    decimals=None,
    max_rows: int | None = None,
    labels: dict | None = None,
    css: str = "",
) -> str:
    """An HTML table of ``frame`` (escaped); numbers right-aligned; ``max_rows`` rows at most, with a note.

    ``css`` is a class name added to the table's own (``short``, ``wide``: see :func:`table_class`).
    """
    decimals = decimals or {}
    labels = labels or {}
    shown = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th>{esc(labels.get(c, c))}</th>" for c in frame.columns)
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for c, v in zip(frame.columns, row):
            text = esc(fmt(v, percent=c in percent, decimals=decimals.get(c)))
            num = isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
            cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = f"<table{table_class(len(frame.columns), len(body), css)}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if max_rows is not None and len(frame) > max_rows:
        out += f'<p class="note">First {max_rows} of {len(frame)} rows; the workbook lists all of them.</p>'
    return out


def table_class(columns: int, rows: int, css: str = "") -> str:
    """The ``class`` attribute of a table of ``columns`` x ``rows`` for the print rules (``short``, ``wide``)."""
    names = [c for c in (css, "short" if rows <= SHORT_ROWS else "", "wide" if columns >= WIDE_COLUMNS else "") if c]
    return f' class="{" ".join(names)}"' if names else ""


_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_STRIP = (
    re.compile(r"<\?xml[^>]*\?>\s*", re.IGNORECASE),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.IGNORECASE),
    re.compile(r"<metadata>.*?</metadata>\s*", re.IGNORECASE | re.DOTALL),
)


def figure_svg(fig, *, label: str) -> str:
    """A matplotlib Figure as inline ``<svg>`` markup (text kept as text, no metadata, no external reference).

    ``label`` becomes the chart's accessible name (``role="img"`` with ``aria-label``).
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "supplier-analytics"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    # inline SVG in HTML needs no namespace declarations; drop them so no URL appears in the page
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = text.replace("xlink:href=", "href=")
    text = _SVG_START.sub(f'<svg role="img" aria-label="{esc(label)}"', text, count=1)
    return text.strip()


def section(title: str, body: str, *, anchor: str | None = None, css_class: str = "") -> str:
    """A ``<section>`` with an ``<h2>`` title."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<section{ident}{cls}><h2>{esc(title)}</h2>{body}</section>"


def page(title: str, body: str, *, lang: str = "en", css: str = "") -> str:
    """A complete HTML document with the inline CSS (and ``css``, rules of this page, after it)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{css}</style></head><body>{body}</body></html>\n"
    )
