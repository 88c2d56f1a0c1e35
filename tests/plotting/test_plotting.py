"""Tests of supplier_analytics.plotting: artists counted on the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from supplier_analytics.config import load_config  # noqa: E402
from supplier_analytics.errors import InputError  # noqa: E402
from supplier_analytics.plotting import (  # noqa: E402
    plot_funnel,
    plot_pareto,
    plot_response_times,
    plot_scorecard,
)
from supplier_analytics.stats import funnel_limits  # noqa: E402

NAN = np.nan


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------- scorecard


@pytest.fixture
def scored():
    return pd.DataFrame(
        {
            "supplier_id": ["S1", "S2", "S3", "S4"],
            "overall_score": [64.0, NAN, 91.0, 75.0],
            "grade": ["C", "insufficient evidence", "A", "B"],
        }
    )


def test_scorecard_bars_sorted_and_insufficient_evidence_hatched(scored):
    ax = plot_scorecard(scored)
    bars = ax.patches
    assert len(bars) == 4
    # graded bars best first, then the insufficient-evidence bar across the scale
    assert [b.get_width() for b in bars] == [91.0, 75.0, 64.0, 100.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S3", "S4", "S1", "S2"]
    assert bars[3].get_hatch() == "//"
    assert "insufficient evidence" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B", "C", "insufficient evidence"]
    # distinct colours per grade
    assert len({tuple(b.get_facecolor()) for b in bars[:3]}) == 3


def test_scorecard_draws_on_given_axes_with_top_and_names(scored):
    fig, ax = plt.subplots()
    frame = scored.assign(supplier_name=["One", "Two", "Three", "Four"])
    out = plot_scorecard(frame, ax=ax, top=2)
    assert out is ax
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Three", "Four"]


def test_scorecard_empty_frame_and_missing_columns(scored):
    ax = plot_scorecard(scored.iloc[:0])
    assert len(ax.patches) == 0 and ax.texts[0].get_text() == "no suppliers to show"
    with pytest.raises(InputError, match="plot_scorecard: the frame has no grade column"):
        plot_scorecard(scored.drop(columns="grade"))


# ------------------------------------------------------------------ funnel


@pytest.fixture
def rates():
    return pd.DataFrame(
        {
            "supplier_id": ["a", "b", "c", "d", "e"],
            "otif_rate_k": [9, 95, 900, 500, 0],
            "otif_rate_n": [10, 100, 1000, 1000, 0],
        }
    )


def test_funnel_points_limits_and_outlier_label(rates):
    ax = plot_funnel(rates, "otif_rate", target=0.93)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 1
    assert len(scatters[0].get_offsets()) == 4  # e has no deliveries
    # pooled line, 2 x 2 limit lines, target line
    assert len(ax.lines) == 6
    pooled = (9 + 95 + 900 + 500) / (10 + 100 + 1000 + 1000)
    assert ax.lines[0].get_ydata()[0] == pytest.approx(pooled)
    grid = ax.lines[3].get_xdata()
    assert ax.lines[3].get_ydata() == pytest.approx(funnel_limits(pooled, grid, 3.090232)[0], nan_ok=True)
    # pooled 71.3%: at n=100 the 99.8% funnel ends near 71.3 + 3.09 x 4.5 = 85%, so b (95%),
    # c (90% of 1000) and d (50% of 1000) lie outside; a (9 of 10) does not
    assert sorted(t.get_text() for t in ax.texts) == ["b", "c", "d"]


def test_funnel_on_given_axes_and_no_data(rates):
    fig, ax = plt.subplots()
    assert plot_funnel(rates, "otif_rate", ax=ax) is ax
    empty = rates.assign(otif_rate_k=NAN, otif_rate_n=0)
    ax2 = plot_funnel(empty, "otif_rate")
    assert len(ax2.collections) == 0 and ax2.texts[0].get_text() == "no supplier has data for On time in full (OTIF)"
    with pytest.raises(InputError, match="plot_funnel: the frame has no ppm_k, ppm_n column"):
        plot_funnel(rates, "ppm")


# ------------------------------------------------------------------ pareto


def test_pareto_bars_sorted_with_cumulative_share():
    pareto = pd.DataFrame(
        {
            "supplier_id": ["a", "a", "b", "b"],
            "defect_code": ["SCRATCH", "DIM", "SCRATCH", "LABEL"],
            "defective_quantity": [10.0, 50.0, 30.0, 10.0],
        }
    )
    fig, ax = plt.subplots()
    out = plot_pareto(pareto, ax=ax)
    assert out is ax
    assert [b.get_height() for b in ax.patches] == [50.0, 40.0, 10.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["DIM", "SCRATCH", "LABEL"]
    twin = fig.axes[-1]
    assert twin is not ax
    assert twin.lines[0].get_ydata() == pytest.approx([50.0, 90.0, 100.0])
    assert len(twin.lines) == 2  # cumulative share and the 80% line


def test_pareto_top_and_empty():
    pareto = pd.DataFrame({"defect_code": ["A", "B", "C", None], "defective_quantity": [1.0, 3.0, 0.0, NAN]})
    ax = plot_pareto(pareto, top=1)
    assert [b.get_height() for b in ax.patches] == [3.0]
    assert ax.figure.axes[-1].lines[0].get_ydata() == pytest.approx([75.0])
    ax = plot_pareto(pareto.iloc[2:])
    assert len(ax.patches) == 0 and ax.texts[0].get_text() == "no defects to show"


# --------------------------------------------------------- response times


@pytest.fixture
def requests():
    sent = pd.to_datetime(["2025-01-06 08:00"] * 5).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "supplier_id": ["a"] * 5,
            "request_id": ["r1", "r2", "r3", "r4", "r5"],
            "request_type": ["rfq", "rfq", "complaint", "complaint", "complaint"],
            "date_sent": sent,
            "date_responded": pd.to_datetime(
                ["2025-01-06 20:00", "2025-01-09 08:00", "2025-01-06 08:00", "2025-01-07 08:00", None]
            ).astype("datetime64[ns]"),
        }
    )


def test_response_times_one_step_per_type_and_service_levels(requests):
    ax = plot_response_times(requests)
    assert len(ax.lines) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Complaint (n=2, 1 open)", "Request for quotation (n=2)"]  # request types in words
    # rfq: 12 h and 72 h -> ECDF steps 0, 1/2, 1
    rfq = ax.lines[1]
    assert list(rfq.get_xdata()) == pytest.approx([12.0, 12.0, 72.0])
    assert list(rfq.get_ydata()) == pytest.approx([0.0, 0.5, 1.0])
    # an answer at 0 h is drawn at one minute on the log axis
    assert ax.lines[0].get_xdata()[0] == pytest.approx(1 / 60)
    assert ax.get_xscale() == "log"

    fig, ax2 = plt.subplots()
    out = plot_response_times(requests, ax=ax2, config=load_config())
    assert out is ax2
    assert len(ax2.lines) == 4
    assert sorted(line.get_xdata()[0] for line in ax2.lines if line.get_linestyle() == "--") == [24.0, 72.0]


def test_response_times_from_hours_column_and_empty(requests):
    frame = pd.DataFrame({"request_type": ["rfq", "rfq", "inquiry"], "response_hours": [1.0, 3.0, NAN]})
    ax = plot_response_times(frame)
    assert len(ax.lines) == 1
    ax = plot_response_times(requests.assign(date_responded=pd.NaT))
    assert len(ax.lines) == 0 and ax.texts[0].get_text() == "no answered requests to show"
    with pytest.raises(InputError, match="plot_response_times: the frame has no date_responded column"):
        plot_response_times(requests.drop(columns="date_responded"))
