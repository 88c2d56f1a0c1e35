"""Tests of the period, interval, shrinkage, lateness and grade-stability plots (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection, PolyCollection  # noqa: E402

import supplier_analytics as sa  # noqa: E402
from supplier_analytics.config import load_config  # noqa: E402
from supplier_analytics.errors import InputError  # noqa: E402
from supplier_analytics.plotting import (  # noqa: E402
    plot_days_late,
    plot_grade_stability,
    plot_intervals,
    plot_period_metric,
    plot_shrinkage,
)

NAN = np.nan


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_exported_from_the_package():
    for name in ("plot_period_metric", "plot_intervals", "plot_shrinkage", "plot_days_late", "plot_grade_stability"):
        assert name in sa.__all__ and callable(getattr(sa, name))


# ------------------------------------------------------------------ period metric


@pytest.fixture
def periods():
    # supplier a: Jan 9/10, Feb empty, Mar 1/1 (alone: no neighbour with data), Apr empty; supplier b: every month
    months = pd.period_range("2025-01", periods=4, freq="M")
    return pd.DataFrame(
        {
            "supplier_id": ["a"] * 4 + ["b"] * 4,
            "period": list(months) * 2,
            "period_start": list(months.start_time) * 2,
            "n_deliveries": [10, 0, 1, 0, 5, 5, 5, 5],
            "otif_rate": [0.9, NAN, 1.0, NAN, 0.8, 0.6, 0.4, 1.0],
            "otif_rate_low": [0.6, NAN, 0.2, NAN, 0.4, 0.2, 0.1, 0.6],
            "otif_rate_high": [0.98, NAN, 1.0, NAN, 0.95, 0.9, 0.8, 1.0],
        }
    )


def test_period_metric_empty_periods_are_gaps_not_zero(periods):
    ax = plot_period_metric(periods, "otif_rate", supplier_id="a", target=0.93)
    line = ax.lines[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert y[[0, 2]] == pytest.approx([0.9, 1.0])
    assert np.isnan(y[[1, 3]]).all()  # Feb and Apr: gaps, never 0
    # one grey span per empty month, the first labelled
    spans = ax.patches
    assert len(spans) == 2
    assert spans[0].get_label() == "No data (gap)"
    assert [t.get_text() for t in ax.get_legend().get_texts()].count("No data (gap)") == 1
    # the band covers only the periods with data; January and March have no neighbour
    # with data, so each also gets its interval as a vertical bar
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == 1
    np.testing.assert_allclose([s[:, 1] for s in bars[0].get_segments()], [[0.6, 0.98], [0.2, 1.0]])
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(0.93)  # the target
    assert ax.get_title() == "a"


def test_period_metric_band_over_neighbouring_periods(periods):
    ax = plot_period_metric(periods, "otif_rate", supplier_id="b")
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]  # no period stands alone
    ys = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
    assert ys.min() == pytest.approx(0.1) and ys.max() == pytest.approx(1.0)
    assert not ax.patches  # no empty period


def test_period_metric_several_suppliers_one_line_each_no_band(periods):
    fig, ax = plt.subplots()
    out = plot_period_metric(periods, "otif_rate", ax=ax)
    assert out is ax
    assert len(ax.lines) == 2
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert list(ax.lines[1].get_ydata()) == pytest.approx([0.8, 0.6, 0.4, 1.0])
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(ax.patches) == 2  # a's empty Feb and Apr


def test_period_metric_without_period_start_and_without_interval_columns(periods):
    frame = periods.loc[periods.supplier_id == "b", ["period", "otif_rate"]].iloc[::-1]  # order does not matter
    ax = plot_period_metric(frame, "otif_rate", band=True)
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.8, 0.6, 0.4, 1.0])
    assert not ax.collections and not ax.patches


def test_period_metric_empty_and_bad_input(periods):
    ax = plot_period_metric(periods, "otif_rate", supplier_id="zz")
    assert not ax.lines and ax.texts[0].get_text() == "no periods for supplier zz to show"
    all_nan = periods.assign(otif_rate=NAN, otif_rate_low=NAN, otif_rate_high=NAN)
    ax = plot_period_metric(all_nan, "otif_rate", supplier_id="a")
    assert np.isnan(np.asarray(ax.lines[0].get_ydata(), dtype=float)).all()
    assert len(ax.patches) == 4 and not ax.collections
    with pytest.raises(InputError, match="plot_period_metric: the frame has no ppm column"):
        plot_period_metric(periods, "ppm")
    with pytest.raises(InputError, match="plot_period_metric: the frame has no period column"):
        plot_period_metric(periods.drop(columns=["period", "period_start"]), "otif_rate")


# ------------------------------------------------------------------ intervals


@pytest.fixture
def rates():
    return pd.DataFrame(
        {
            "supplier_id": ["a", "b", "c", "d"],
            "otif_rate": [0.5, 0.9, NAN, 0.7],
            "otif_rate_n": [2, 100, 0, 10],
            "otif_rate_low": [0.1, 0.83, NAN, 0.4],
            "otif_rate_high": [0.9, 0.95, NAN, 0.9],
        }
    )


def test_intervals_sorted_with_counts_in_labels(rates):
    ax = plot_intervals(rates, "otif_rate", target=0.93)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b (n=100)", "d (n=10)", "a (n=2)"]
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert points.get_offsets()[:, 0].tolist() == pytest.approx([0.9, 0.7, 0.5])
    (bars,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert [s[:, 0].tolist() for s in bars.get_segments()] == [[0.83, 0.95], [0.4, 0.9], [0.1, 0.9]]
    assert ax.lines[0].get_xdata()[0] == pytest.approx(0.93)


def test_intervals_ascending_top_and_empty(rates):
    fig, ax = plt.subplots()
    out = plot_intervals(rates.drop(columns="otif_rate_n"), "otif_rate", ax=ax, ascending=True, top=2)
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "d"]
    ax = plot_intervals(rates.assign(otif_rate=NAN), "otif_rate")
    assert not ax.collections and ax.texts[0].get_text() == "no supplier has data for On time in full (OTIF)"
    with pytest.raises(InputError, match="plot_intervals: the frame has no otif_rate_low column"):
        plot_intervals(rates.drop(columns="otif_rate_low"), "otif_rate")


# ------------------------------------------------------------------ shrinkage


@pytest.fixture
def shrunk():
    frame = pd.DataFrame(
        {
            "supplier_id": ["tiny", "big", "none"],
            "category": ["x", "y", "x"],
            "otif_rate": [1.0, 0.95, NAN],
            "otif_rate_k": [3.0, 2850.0, 0.0],
            "otif_rate_n": [3.0, 3000.0, 0.0],
            "otif_rate_shrunk": [0.82, 0.949, NAN],
        }
    )
    return frame


def test_shrinkage_raw_and_shrunk_joined_with_pooled_peer_level(shrunk):
    ax = plot_shrinkage(shrunk, "otif_rate")
    raw, sh = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert raw.get_offsets().tolist() == [[3.0, 1.0], [3000.0, 0.95]]
    np.testing.assert_allclose(sh.get_offsets(), [[3.0, 0.82], [3000.0, 0.949]])
    (segs,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose(np.stack(segs.get_segments()), [[[3, 1.0], [3, 0.82]], [[3000, 0.95], [3000, 0.949]]])
    # without fitted priors the peer level is the pooled rate (3 + 2850) / (3 + 3000)
    assert ax.lines[0].get_ydata()[0] == pytest.approx(2853 / 3003)
    assert ax.get_xscale() == "log"
    # the supplier that moved most is labelled first
    assert [t.get_text() for t in ax.texts] == ["tiny", "big"]


def test_shrinkage_peer_levels_from_fitted_priors(shrunk):
    frame = shrunk.copy()
    frame.attrs["shrinkage_priors"] = {
        "otif_rate": {
            "all": {"alpha": 8.0, "beta": 2.0, "suppliers": 2},
            "x": {"alpha": 3.0, "beta": 1.0, "suppliers": 5},
        }
    }
    fig, ax = plt.subplots()
    assert plot_shrinkage(frame, "otif_rate", ax=ax, label_top=0) is ax
    assert ax.lines[0].get_ydata()[0] == pytest.approx(0.8)  # 8 / (8 + 2)
    own = [c for c in ax.collections if isinstance(c, PathCollection)][2]
    # tiny is in group x (own prior 3 / 4), big in y (no prior of its own: all suppliers' 0.8)
    assert own.get_offsets()[:, 1].tolist() == pytest.approx([0.75, 0.8])
    assert not ax.texts
    # an explicit level wins, and without a group column no own levels are drawn
    ax = plot_shrinkage(frame.drop(columns="category"), "otif_rate", peer_level=0.5)
    assert ax.lines[0].get_ydata()[0] == pytest.approx(0.5)
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 2


def test_shrinkage_on_scored_suppliers():
    cfg = load_config({"evidence": {"min_deliveries": 1}})
    m = pd.DataFrame(
        {
            "supplier_id": [f"S{i}" for i in range(6)],
            "n_deliveries": [3, 40, 80, 120, 200, 300],
            "otif_rate_k": [3, 30, 64, 100, 150, 270],
            "otif_rate_n": [3, 40, 80, 120, 200, 300],
        }
    )
    m["otif_rate"] = m.otif_rate_k / m.otif_rate_n
    scored = sa.score_suppliers(m, cfg)
    ax = plot_shrinkage(scored, "otif_rate")
    prior = scored.attrs["shrinkage_priors"]["otif_rate"]["all"]
    assert ax.lines[0].get_ydata()[0] == pytest.approx(prior["alpha"] / (prior["alpha"] + prior["beta"]))
    # the 3-of-3 supplier is pulled below 100 %, toward the peer level
    shrunk_points = [c for c in ax.collections if isinstance(c, PathCollection)][1].get_offsets()
    assert shrunk_points[0, 1] < 1.0


def test_shrinkage_empty_and_missing(shrunk):
    ax = plot_shrinkage(shrunk.assign(otif_rate_shrunk=NAN), "otif_rate")
    assert not ax.collections and ax.texts[0].get_text() == "no supplier has a raw and a shrunk On time in full (OTIF)"
    with pytest.raises(InputError, match="plot_shrinkage: the frame has no otif_rate_shrunk column"):
        plot_shrinkage(shrunk.drop(columns="otif_rate_shrunk"), "otif_rate")


# ------------------------------------------------------------------ days late


@pytest.fixture
def lines():
    return pd.DataFrame(
        {
            "days_from_reference": [-5.0, -2.0, 0.0, 0.0, 1.0, 3.0, 40.0, NAN, 2.0],
            "status": ["judged"] * 8 + ["excluded"],
        }
    )


def test_days_late_bars_per_day_judged_only(lines):
    ax = plot_days_late(lines, clip=None)
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}
    assert len(ax.patches) == 46  # -5 .. 40
    assert {d: h for d, h in heights.items() if h} == {-5: 1, -2: 1, 0: 2, 1: 1, 3: 1, 40: 1}
    assert heights[2] == 0  # the excluded line at +2 is not drawn


def test_days_late_clip_and_window_from_config(lines):
    cfg = load_config({"delivery": {"early_tolerance_days": 3, "late_tolerance_days": 1}})
    fig, ax = plt.subplots()
    assert plot_days_late(lines, ax=ax, config=cfg, clip=(-4, 10)) is ax
    bars = ax.patches[1:]  # the window span comes first
    assert len(bars) == 15  # -4 .. 10
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in bars}
    assert heights[-4] == 1 and heights[10] == 1  # -5 and 40 drawn in the end bars
    assert "2 line(s) beyond -4 or 10 days" in ax.get_xlabel()
    span = ax.patches[0]
    x0, x1 = span.get_x(), span.get_x() + span.get_width()
    assert (x0, x1) == (-3.5, 1.5)
    colours = {round(p.get_x() + p.get_width() / 2): matplotlib.colors.to_hex(p.get_facecolor()) for p in bars}
    assert colours[-4] == matplotlib.colors.to_hex("tab:orange")
    assert colours[-3] == colours[1] == matplotlib.colors.to_hex("tab:green")
    assert colours[2] == matplotlib.colors.to_hex("tab:red")


def test_days_late_unlimited_early_window(lines):
    cfg = load_config({"delivery": {"early_tolerance_days": "unlimited"}})
    ax = plot_days_late(lines, config=cfg)
    bars = ax.patches[1:]
    colours = {round(p.get_x() + p.get_width() / 2): matplotlib.colors.to_hex(p.get_facecolor()) for p in bars}
    assert colours[-5] == colours[0] == matplotlib.colors.to_hex("tab:green")
    assert colours[1] == matplotlib.colors.to_hex("tab:red")
    assert "unlimited early" in ax.get_legend().get_texts()[0].get_text()


def test_days_late_empty_and_missing(lines):
    ax = plot_days_late(lines.assign(status="excluded"))
    assert not ax.patches and ax.texts[0].get_text() == "no judged lines to show"
    with pytest.raises(InputError, match="plot_days_late: the frame has no days_from_reference column"):
        plot_days_late(lines.drop(columns="days_from_reference"))


# ------------------------------------------------------------------ grade stability


@pytest.fixture
def stability():
    return pd.DataFrame(
        {
            "supplier_id": ["a", "b", "c", "d"],
            "overall_score": [86.0, 71.0, NAN, 40.0],
            "grade_stability": [0.55, 0.95, NAN, 1.0],
            "weight_sensitive": [True, False, False, False],
        }
    )


def test_grade_stability_marks_sensitive_and_draws_bands(stability):
    cfg = load_config()
    ax = plot_grade_stability(stability, config=cfg)
    stable, fragile = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert stable.get_offsets().tolist() == [[71.0, 0.95], [40.0, 1.0]]
    assert fragile.get_offsets().tolist() == [[86.0, 0.55]]
    # grade boundaries A 85, B 70, C 50 (D starts at 0: no line) and the stable_share line
    vertical = sorted(line.get_xdata()[0] for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1])
    assert vertical == [50.0, 70.0, 85.0]
    assert any(line.get_ydata()[0] == pytest.approx(0.8) for line in ax.lines)
    assert "a" in [t.get_text() for t in ax.texts]


def test_grade_stability_without_flag_or_config(stability):
    fig, ax = plt.subplots()
    frame = stability.drop(columns="weight_sensitive")
    assert plot_grade_stability(frame, ax=ax) is ax
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 1
    assert not ax.lines
    # with a config, the flag comes from stable_share
    ax = plot_grade_stability(frame, config=load_config())
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 2


def test_grade_stability_empty_and_missing(stability):
    ax = plot_grade_stability(stability.assign(overall_score=NAN))
    assert not ax.collections and ax.texts[-1].get_text() == "no graded supplier to show"
    with pytest.raises(InputError, match="plot_grade_stability: the frame has no grade_stability column"):
        plot_grade_stability(stability.drop(columns="grade_stability"))


# ------------------------------------------------------------------ what a person reads


def _texts(ax) -> list[str]:
    """Every text of an Axes that a person reads: axis labels, title, legend (with its title), figure title."""
    out = [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
    legend = ax.get_legend()
    if legend is not None:
        out += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    if ax.figure._suptitle is not None:
        out.append(ax.figure._suptitle.get_text())
    return [t for t in out if t]


def test_labels_come_from_the_catalogue_and_rate_axes_show_percentages(periods, rates, shrunk):
    import re

    from matplotlib.ticker import PercentFormatter

    from supplier_analytics.plotting import plot_funnel, plot_small_multiples

    snake = re.compile(r"\b[a-z]+_[a-z_]+\b")
    cfg = load_config()
    series = periods[["supplier_id", "period"]].assign(
        value=periods["otif_rate"], k=[9, 0, 1, 0, 4, 3, 2, 5], n=[10, 0, 1, 0, 5, 5, 5, 5]
    )
    series.attrs.update(metric="otif_rate", scale=1.0)
    drawn = {
        "period": plot_period_metric(periods, "otif_rate", supplier_id="a", target=0.93),
        "intervals": plot_intervals(rates, "otif_rate", target=0.93),
        "funnel": plot_funnel(rates.assign(otif_rate_k=[1, 90, 0, 7]), "otif_rate", target=0.93),
        "shrinkage": plot_shrinkage(shrunk, "otif_rate"),
        "multiples": plot_small_multiples(series, ncols=2).flat[0],
    }
    for name, ax in drawn.items():
        texts = _texts(ax)
        assert texts, name
        assert not [t for t in texts if snake.search(t)], (name, texts)
    assert drawn["period"].get_ylabel() == "On time in full (OTIF)"
    assert drawn["intervals"].get_xlabel() == "On time in full (OTIF), with its 95% interval"
    assert drawn["multiples"].figure._suptitle.get_text() == "On time in full (OTIF)"
    assert "Target 93.0%" in _texts(drawn["period"])
    for ax, axis in (
        (drawn["period"], "y"),
        (drawn["intervals"], "x"),
        (drawn["funnel"], "y"),
        (drawn["shrinkage"], "y"),
        (drawn["multiples"], "y"),
    ):
        fmt = (ax.yaxis if axis == "y" else ax.xaxis).get_major_formatter()
        assert isinstance(fmt, PercentFormatter)
    ax = plot_grade_stability(
        pd.DataFrame(
            {"supplier_id": ["a"], "overall_score": [80.0], "grade_stability": [0.6], "weight_sensitive": [True]}
        ),
        config=cfg,
    )
    assert not [t for t in _texts(ax) if snake.search(t)]
    # PPM keeps its own unit: whole numbers, no percentages
    ppm = pd.DataFrame(
        {"supplier_id": ["a", "b"], "ppm": [300.0, 1200.0], "ppm_low": [100.0, 900.0], "ppm_high": [600.0, 1500.0]}
    )
    ax = plot_intervals(ppm, "ppm", ascending=True, target=500.0)
    assert ax.get_xlabel() == "Defective parts per million (PPM), with its 95% interval"
    assert not isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert "Target 500" in _texts(ax)
