"""No snake_case name reaches a person-facing surface (issue 15, "Done when").

The sample is scored once; one rich feedback pack (V10030, grade D: areas, evidence, charts), one pack with
insufficient evidence (V10023 scored on requests only), the review pack and the scorecard workbook are written
once per module. Then the text a person reads is scanned for a snake_case token (a word with an underscore
between letters, such as ``otif_rate``):

- the visible text of the HTML pages: no ``<script>``/``<style>``, tags or attributes; the charts are inline
  SVG whose text stays text (``svg.fonttype = "none"``), so their titles, axes, ticks and legends are scanned
  with the page;
- every text cell of the workbooks (headers, notes, and cells such as metric names and request types);
- every text artist of every public plot function on the sample (titles, axis and tick labels, legends,
  annotations) after drawing.

A file name the library writes (``rejected_rows.csv``) is allowed: the reader finds it by that name in the
output folder. Supplier ids, order numbers and the like in the sample hold no underscore.
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import openpyxl  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import supplier_analytics as sa  # noqa: E402
from supplier_analytics import plotting  # noqa: E402
from supplier_analytics.portfolio import segment_suppliers  # noqa: E402
from supplier_analytics.reports.review import plot_segments  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")

#: A word with an underscore between letters or digits, unless it is a file name (``rejected_rows.csv``).
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b(?!\.(?:csv|xlsx|json|html|pdf|parquet|toml)\b)")


def snake_case(text: str) -> list[str]:
    """The snake_case tokens of ``text``."""
    return SNAKE.findall(str(text))


class _Visible(HTMLParser):
    """The text a browser shows: data outside ``<script>`` and ``<style>``, no tags nor attributes."""

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> list[str]:
    parser = _Visible()
    parser.feed(page)
    return parser.parts


def leaks(where: str, texts) -> list[str]:
    """``where: token in "text"`` for every snake_case token of ``texts``."""
    return [f"{where}: {tok!r} in {str(t)[:120]!r}" for t in texts for tok in snake_case(t)]


def cell_leaks(path: Path, *, prose: bool | None = None) -> list[str]:
    """Leaks in the text cells of every sheet of the workbook at ``path``; ``prose`` True scans only cells with
    a space (notes, sentences), False only single words (headers, codes), None all."""
    out = []
    for ws in openpyxl.load_workbook(path, read_only=True):
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and (prose is None or (" " in v.strip()) == prose):
                    out += leaks(f"{path.name} / {ws.title} / {cell.coordinate}", [v])
    return out


# ----------------------------------------------------------------------------- the outputs, written once


@pytest.fixture(scope="module")
def outputs(sample_card, tmp_path_factory):
    card = sample_card
    root = tmp_path_factory.mktemp("surfaces")
    signals, trend = sa.change_signals(card), sa.alerts(card)
    rich = sa.feedback_pack(card, "V10030", out_dir=root / "rich", signals=signals, trend_alerts=trend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        thin_card = sa.score(requests=SAMPLE / "requests.csv", suppliers=SAMPLE / "suppliers.csv")
    thin = sa.feedback_pack(thin_card, "V10023", out_dir=root / "thin")
    sa.review_pack(card, alerts=trend, signals=signals, out_dir=root / "review")
    card.to_excel(root / "scorecard.xlsx")
    assert rich.grade == "D" and thin.grade == "insufficient evidence"
    return {
        "pages": {
            "rich feedback.html": (root / "rich" / "feedback.html").read_text(encoding="utf-8"),
            "insufficient-evidence feedback.html": (root / "thin" / "feedback.html").read_text(encoding="utf-8"),
            "review.html": (root / "review" / "review.html").read_text(encoding="utf-8"),
        },
        "scorecard": root / "scorecard.xlsx",
        "pack books": [
            root / "rich" / "feedback.xlsx",
            root / "thin" / "feedback.xlsx",
            root / "review" / "review.xlsx",
        ],
    }


# ----------------------------------------------------------------------------- the scan itself


def test_the_scan_finds_codes_and_passes_words_ids_and_file_names():
    assert snake_case("Late lines (otif_rate) and the corrective_action 48 h") == ["otif_rate", "corrective_action"]
    assert snake_case("Quantity_received") == ["Quantity_received"]
    assert snake_case("V10030 Lot rejection rate 4500000012 see rejected_rows.csv and periods.csv") == []
    page = "<html><style>.a_b{}</style><body><p class='x_y'>Shown <b>here</b></p><svg><text>pts_a</text></svg>"
    assert visible_text(page) == ["Shown", "here", "pts_a"]
    assert leaks("page", visible_text(page)) == ["page: 'pts_a' in 'pts_a'"]


# ----------------------------------------------------------------------------- pages


@pytest.mark.parametrize("name", ["rich feedback.html", "insufficient-evidence feedback.html", "review.html"])
def test_pages_show_no_snake_case(outputs, name):
    page = outputs["pages"][name]
    text = visible_text(page)
    assert leaks(name, text) == []
    assert len(" ".join(text)) > 2000  # the scan read the page, not an empty shell


def test_chart_text_of_the_pages_is_scanned_as_text(outputs):
    # the charts' labels are <text> in the inline SVG (not glyph paths), so the page scan reads them
    rich = " | ".join(visible_text(outputs["pages"]["rich feedback.html"]))
    assert "Target 93.0%" in rich and "Target 500" in rich  # target lines of the OTIF and PPM charts
    review = visible_text(outputs["pages"]["review.html"])
    assert "50k" in review  # a spend tick of the segments chart


# ----------------------------------------------------------------------------- workbooks


def test_scorecard_workbook_shows_no_snake_case(outputs):
    # every sheet: headers, notes, metric lists ("Metrics at peer level"), request types, methodology
    book = openpyxl.load_workbook(outputs["scorecard"], read_only=True)
    assert "Request types" in book.sheetnames and "Methodology" in book.sheetnames
    assert cell_leaks(outputs["scorecard"]) == []


def test_pack_and_review_workbook_notes_show_no_snake_case(outputs):
    # the sentences of feedback.xlsx and review.xlsx (notes, method notes on the About sheet)
    found = [x for path in outputs["pack books"] for x in cell_leaks(path, prose=True)]
    assert found == []


def test_pack_and_review_workbook_headers_and_codes_show_no_snake_case(outputs):
    found = [x for path in outputs["pack books"] for x in cell_leaks(path, prose=False)]
    assert found == []


# ----------------------------------------------------------------------------- plots


@pytest.fixture(scope="module")
def inputs(sample_card):
    card = sample_card
    series = sa.period_series(card, "on_time_rate", rolling=3)
    rows = series.loc[series["supplier_id"] == "V10025"]
    history = card.periods.pivot_table(index="period_start", columns="supplier_id", values="otif_rate")
    history.attrs["metric"] = "otif_rate"
    return {
        "card": card,
        "targets": card.config.targets,
        "series": series,
        "chart": sa.p_chart(rows["k"], rows["n"], index=rows["period"]),
        "alerts": sa.alerts(card, include="all"),
        "history": history,
    }


#: Every public plot function of supplier_analytics.plotting on the sample (and the review pack's chart).
PLOTS = {
    "plot_scorecard": lambda i: plotting.plot_scorecard(i["card"].suppliers, grades=i["card"].config.scoring.grades),
    "plot_funnel": lambda i: plotting.plot_funnel(i["card"].suppliers, "otif_rate", target=i["targets"]["otif_rate"]),
    "plot_pareto": lambda i: plotting.plot_pareto(i["card"].metrics.pareto),
    "plot_response_times": lambda i: plotting.plot_response_times(i["card"].metrics.requests, config=i["card"].config),
    "plot_period_metric": lambda i: plotting.plot_period_metric(
        i["card"].periods, "ppm", supplier_id="V10002", target=i["targets"]["ppm"]
    ),
    "plot_intervals": lambda i: plotting.plot_intervals(i["card"].suppliers, "within_sla_rate"),
    "plot_shrinkage": lambda i: plotting.plot_shrinkage(i["card"].suppliers, "lot_rejection_rate"),
    "plot_days_late": lambda i: plotting.plot_days_late(i["card"].metrics.lines, config=i["card"].config),
    "plot_grade_stability": lambda i: plotting.plot_grade_stability(i["card"].suppliers, config=i["card"].config),
    "plot_control_chart": lambda i: plotting.plot_control_chart(i["chart"]),
    "plot_small_multiples": lambda i: plotting.plot_small_multiples(i["series"], suppliers=["V10011", "V10025"]).flat[
        0
    ],
    "plot_portfolio_trends": lambda i: plotting.plot_portfolio_trends(i["alerts"], metric="on_time_rate"),
    "plot_history": lambda i: plotting.plot_history(i["history"]),
    "plot_segments": lambda i: plot_segments(segment_suppliers(i["card"])),
}


def test_every_public_plot_function_is_scanned():
    assert set(plotting.__all__) <= set(PLOTS)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_labels_show_no_snake_case(inputs, name):
    ax = PLOTS[name](inputs)
    fig = ax.figure
    try:
        fig.canvas.draw()
        texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert len(texts) >= 5  # a title or axis labels, ticks: the scan had something to read
        assert leaks(name, texts) == []
    finally:
        plt.close(fig)
