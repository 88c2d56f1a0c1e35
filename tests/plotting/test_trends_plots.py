"""Tests of the trend plots: control chart, small multiples, portfolio view (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import supplier_analytics as sa  # noqa: E402
from supplier_analytics.errors import InputError  # noqa: E402
from supplier_analytics.plotting import plot_control_chart, plot_portfolio_trends, plot_small_multiples  # noqa: E402
from supplier_analytics.trends import alerts, p_chart, period_series  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_control_chart_draws_data_limits_and_named_signals():
    per = pd.period_range("2025-01", periods=10, freq="M")
    chart = p_chart([1, 1, 1, 1, 1, 1, 1, 1, 1, 30], [100] * 10, index=per)
    ax = plot_control_chart(chart)
    data, center, ucl, lcl = ax.lines[:4]
    np.testing.assert_allclose(data.get_ydata(), chart["p"])
    np.testing.assert_allclose(ucl.get_ydata(), chart["ucl"])
    np.testing.assert_allclose(lcl.get_ydata(), chart["lcl"])
    assert pd.Timestamp(data.get_xdata()[0]) == pd.Timestamp("2025-01-01")
    labels = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert labels == {"beyond limits": 1, "8 on one side": 2}
    assert ax.get_title() == "p chart"


def test_control_chart_scale_gap_and_laney_note():
    chart = p_chart([2, np.nan, 30, 5], [10_000, np.nan, 10_000, 10_000], laney=True)
    fig, ax = plt.subplots()
    out = plot_control_chart(chart, ax=ax, scale=1e6)
    assert out is ax
    y = ax.lines[0].get_ydata()
    assert np.isnan(y[1]) and y[0] == pytest.approx(200.0)
    assert any("Laney's sigma z" in t.get_text() for t in ax.texts)
    with pytest.raises(InputError, match="pass the frame returned by p_chart or u_chart"):
        plot_control_chart(pd.DataFrame({"x": [1]}))


def test_small_multiples_one_panel_per_supplier():
    per = list(pd.period_range("2025-01", periods=4, freq="M"))
    s = pd.DataFrame(
        {
            "supplier_id": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
            "period": per * 3,
            "value": [0.9, 0.8, np.nan, 0.7, 0.5, 0.6, 0.5, 0.55, 0.9, 0.9, 0.9, 0.9],
            "k": [9, 8, 0, 7, 5, 6, 5, 11, 9, 9, 9, 9],
            "n": [10, 10, 0, 10, 10, 10, 10, 20, 10, 10, 10, 10],
        }
    )
    grid = plot_small_multiples(s, suppliers=["B", "A"], ncols=3)
    assert grid.shape == (1, 3)
    assert [a.get_title() for a in grid.flat] == ["B", "A", ""]
    assert not grid.flat[2].axison
    a = grid.flat[1]
    assert np.isnan(a.lines[0].get_ydata()[2])  # the empty month is a gap
    assert len(a.lines) == 4  # data, center, two limits
    # into given axes, without charts
    fig, axes = plt.subplots(1, 3)
    out = plot_small_multiples(s, axes=axes, chart=False)
    assert out.shape == (3,) and all(len(ax.lines) == 1 for ax in out)
    with pytest.raises(InputError, match="got 1 axes for 3 suppliers"):
        plot_small_multiples(s, axes=[axes[0]])


def test_portfolio_trends_colours_directions():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(20):
        for j, per in enumerate(pd.period_range("2025-01", periods=12, freq="M")):
            p = 0.9 - (0.03 * j if i == 0 else 0.0)
            rows.append((f"S{i:02d}", per, rng.binomial(60, p), 60))
    frame = pd.DataFrame(rows, columns=["supplier_id", "period", "otif_rate_k", "otif_rate_n"])
    a = alerts(frame, metrics=("otif_rate",), include="all")
    ax = plot_portfolio_trends(a)
    by_label = {c.get_label(): c for c in ax.collections}
    assert set(by_label) == {"deteriorating", "no alert"}
    xy = by_label["deteriorating"].get_offsets()
    row = a.loc[a.supplier_id == "S00"].iloc[0]
    assert tuple(np.asarray(xy[0])) == pytest.approx((row["current"], row["change"]))
    assert [t.get_text() for t in ax.texts] == ["S00"]
    # the change of a rate reads in percentage points (-20 pts), the level in per cent
    ax.figure.canvas.draw()
    fmt = ax.yaxis.get_major_formatter()
    assert (fmt(-0.2, 0), fmt(0.05, 0), fmt(0.0, 0)) == ("-20 pts", "+5 pts", "0")
    assert "percentage points" in ax.get_ylabel()
    two = pd.concat([a, a.assign(metric="ppm")])
    with pytest.raises(InputError, match="pass metric="):
        plot_portfolio_trends(two)
    assert plot_portfolio_trends(a.iloc[0:0]).texts[0].get_text() == "no tested supplier to show"


def test_plots_exported():
    assert sa.plot_control_chart is plot_control_chart
    assert {"plot_control_chart", "plot_small_multiples", "plot_portfolio_trends", "alerts", "p_chart"} <= set(
        sa.__all__
    )
    s = period_series(
        pd.DataFrame(
            {
                "supplier_id": ["A"],
                "period": pd.period_range("2025-01", periods=1, freq="M"),
                "ppm_k": [3.0],
                "ppm_n": [1e6],
            }
        ),
        "ppm",
    )
    grid = plot_small_multiples(s)
    assert grid.flat[0].lines[0].get_ydata()[0] == pytest.approx(3.0)
