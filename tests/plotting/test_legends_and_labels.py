"""Legends and labels keep off the data: artist extents after drawing (item 10 of issue 15).

Each check draws the figure and compares boxes in display pixels: a legend box must contain no plotted
point, point labels must not overlap one another nor cover a point.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from supplier_analytics.plotting.labels import place_labels, renderer_of  # noqa: E402
from supplier_analytics.portfolio import segment_suppliers  # noqa: E402
from supplier_analytics.reports.review import _money, plot_segments  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _points(ax) -> np.ndarray:
    """Display coordinates of every scatter point and line vertex with data on the Axes."""
    out = [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections if len(c.get_offsets())]
    for line in ax.lines:
        xy = np.column_stack([line.get_xdata(orig=False), line.get_ydata(orig=False)]).astype(float)
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) and line.get_marker() not in (None, "None", ""):
            out.append(line.get_transform().transform(xy))
    return np.vstack(out) if out else np.empty((0, 2))


def legend_covers(ax) -> np.ndarray:
    """The plotted points (display coordinates) inside the box of the Axes' legend."""
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend()
    if legend is None:
        return np.empty((0, 2))
    box = legend.get_window_extent(renderer_of(fig))
    pts = _points(ax)
    inside = (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
    return pts[inside]


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_legend_covers_finds_a_legend_over_the_data():
    # the check itself can fail: a legend drawn over a cloud of points covers some of them
    fig, ax = plt.subplots()
    rng = np.random.default_rng(1)
    ax.scatter(rng.uniform(0, 1, 400), rng.uniform(0, 1, 400), label="points")
    ax.legend(loc="center")
    assert len(legend_covers(ax)) > 0


def test_place_labels_keeps_labels_apart_and_off_the_points():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    x, y = np.array([1.0, 1.0, 1.0, 1.05, 2.0]), np.array([1.0, 1.0, 1.02, 1.0, 2.0])  # three on one spot
    ax.scatter(x, y)
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    missed = place_labels(ax, x, y, ["first", "second", "third", "fourth", "alone"])
    assert missed == []
    r = renderer_of(fig)
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert [t.get_text() for t in ax.texts] == ["first", "second", "third", "fourth", "alone"]
    assert not any(_boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    pts = ax.transData.transform(np.column_stack([x, y]))
    for b in boxes:
        assert not ((pts[:, 0] > b.x0) & (pts[:, 0] < b.x1) & (pts[:, 1] > b.y0) & (pts[:, 1] < b.y1)).any()
        assert ax.get_window_extent(r).contains(b.x0, b.y0) and ax.get_window_extent(r).contains(b.x1, b.y1)


def test_place_labels_leaves_out_what_has_no_room():
    fig = Figure(figsize=(1.2, 1.0))
    ax = fig.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    missed = place_labels(ax, [0.5] * 30, [0.5] * 30, [f"a long label {i}" for i in range(30)])
    assert len(missed) == 30 - len(ax.texts) and len(missed) > 0


@pytest.mark.parametrize(
    ("value", "text"), [(2_000, "2k"), (50_000, "50k"), (1_000_000, "1M"), (1_500_000, "1.5M"), (500, "500")]
)
def test_spend_ticks_read_as_money(value, text):
    assert _money(value) == text


def test_review_chart_legend_is_off_the_data_and_labels_do_not_overlap(sample_card):
    seg = segment_suppliers(sample_card)
    ax = plot_segments(seg)
    fig = ax.figure
    assert len(legend_covers(ax)) == 0
    r = renderer_of(fig)
    legend = ax.get_legend().get_window_extent(r)
    assert legend.x0 >= ax.get_window_extent(r).x1  # beside the Axes, not on them
    labels = {t.get_text(): Text.get_window_extent(t, r) for t in ax.texts}
    # every grade D supplier and the five largest spends are named
    d = set(seg.loc[seg["grade"] == "D", "supplier_id"])
    top = set(seg.nlargest(5, "annual_spend")["supplier_id"])
    assert d and d | top <= set(labels)
    boxes = list(labels.values())
    assert not any(_boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert {"10k", "100k", "1M"} <= set(ticks) and not any("10^" in t or "$" in t for t in ticks)


def test_main_plots_keep_their_legends_off_the_data(sample_card):
    import supplier_analytics as sa

    card = sample_card
    t = card.config.targets
    axes = [
        sa.plot_funnel(card.suppliers, "otif_rate", target=t["otif_rate"]),
        sa.plot_shrinkage(card.suppliers, "otif_rate"),
        sa.plot_grade_stability(card.suppliers, config=card.config),
        sa.plot_intervals(card.suppliers, "otif_rate", target=t["otif_rate"]),
        sa.plot_period_metric(card.periods, "otif_rate", supplier_id="V10002", target=t["otif_rate"]),
        sa.plot_days_late(card.metrics.lines, config=card.config),
    ]
    for ax in axes:
        assert ax.get_legend() is not None
        assert len(legend_covers(ax)) == 0, ax.get_title()
        r = renderer_of(ax.figure)
        boxes = [Text.get_window_extent(a, r) for a in ax.texts if a.get_text()]  # the text, not its leader line
        assert not any(_boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), ax.get_title()


def test_history_plot_picks_out_the_suppliers_that_moved_most():
    import pandas as pd

    from supplier_analytics.plotting import plot_history

    idx = pd.to_datetime(["2026-06-30", "2026-07-31", "2026-08-31"])
    table = pd.DataFrame({f"S{i}": [50.0 + i, 50.5 + i, 51.0 + i] for i in range(30)}, index=idx)
    table["UP"] = [40.0, 50.0, 70.0]  # +30
    table["DOWN"] = [80.0, 70.0, 60.0]  # -20
    ax = plot_history(table, top=2)
    shown = [t.get_text() for t in ax.get_legend().get_texts()]
    assert shown == ["UP (40.0 to 70.0)", "DOWN (80.0 to 60.0)", "Other suppliers (30)"]
    grey = [line for line in ax.lines if line.get_color() == "0.82"]
    assert len(grey) == 30 and len(legend_covers(ax)) == 0
