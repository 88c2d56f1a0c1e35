"""Distributions behind the figures: defects by code (Pareto), days late per order line, response times
per request type."""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import label as metric_label
from supplier_analytics.columns import code_words
from supplier_analytics.plotting._common import (
    _axes,
    _empty,
    _float,
    _percent_axis,
    _plain_log_ticks,
    _require,
    _value_axis,
)
from supplier_analytics.plotting.labels import legend_outside

__all__ = ["plot_pareto", "plot_response_times", "plot_days_late"]


def plot_pareto(
    pareto,
    *,
    ax=None,
    code_col: str = "defect_code",
    value_col: str = "defective_quantity",
    top: int | None = None,
    **kwargs,
):
    """Pareto chart of defects: bars by code, largest first, cumulative share on a twin axis.

    Parameters
    ----------
    pareto : DataFrame
        One row per defect code (e.g. from ``defect_pareto``); rows of
        several suppliers are added up per code.
    ax : matplotlib Axes, optional
    code_col : str, default "defect_code"
    value_col : str, default "defective_quantity"
        What to rank by (``"lots"`` counts rejected lots instead).
    top : int, optional
        Show the ``top`` largest codes; the shares still refer to all codes.
    **kwargs
        Passed to ``Axes.bar``.

    Returns
    -------
    matplotlib Axes
        The bar axes; the cumulative-share line (in %) sits on its twin,
        ``ax.figure.axes[-1]``, with a dotted 80 % line.
    """
    _require(pareto, [code_col, value_col], "plot_pareto", "pass the frame returned by defect_pareto()")
    ax = _axes(ax)
    _value_axis(ax, value_col, text="Rejected lots" if value_col == "lots" else None)
    vals = pd.to_numeric(pareto[value_col], errors="coerce")
    codes = pareto[code_col].astype("str").where(pareto[code_col].notna(), "(no code)")
    totals = vals.groupby(codes, sort=False).sum(min_count=1).dropna()
    totals = totals[totals > 0].sort_values(ascending=False, kind="stable")
    if totals.empty:
        return _empty(ax, "no defects to show")
    cum = totals.cumsum() / totals.sum() * 100.0
    if top is not None:
        totals, cum = totals.iloc[: int(top)], cum.iloc[: int(top)]
    x = np.arange(len(totals))
    kwargs.setdefault("color", "tab:red")
    ax.bar(x, totals.to_numpy(), **kwargs)
    ax.set_xticks(x, totals.index.tolist(), rotation=45, ha="right")
    twin = ax.twinx()
    twin.plot(x, cum.to_numpy(), "o-", color="0.2", lw=1.2, ms=4)
    twin.axhline(80.0, ls=":", color="0.5", lw=1)
    twin.set_ylim(0, 105)
    twin.set_ylabel("Cumulative share of all defects")
    _percent_axis(twin, xmax=100.0)
    return ax


def plot_response_times(
    requests,
    *,
    ax=None,
    by: str = "request_type",
    config=None,
    **kwargs,
):
    """Distribution of response times per request type (ECDF on a log axis).

    Each type is a step line: the share of answered requests answered within
    x hours. With a configuration, each type's service level is a dashed
    vertical line in the same colour, so the share within the service level is
    read where the two meet.

    Parameters
    ----------
    requests : DataFrame
        The canonical requests table (``date_sent``, ``date_responded``) or a
        frame with a ``response_hours`` column. Open requests (no answer yet)
        have no response time; their number is given in the legend.
    ax : matplotlib Axes, optional
    by : str, default "request_type"
        Column to split by.
    config : Config, optional
        For the service levels (``responsiveness.service_level_hours``).
    **kwargs
        Passed to ``Axes.step``.

    Returns
    -------
    matplotlib Axes
        One step line per group with answered requests, plus one dashed
        service-level line per group when ``config`` is given. Response times
        under one minute are drawn at one minute (log axis).
    """
    if isinstance(requests, pd.DataFrame) and "response_hours" in requests.columns:
        _require(requests, [by], "plot_response_times", f"pass a frame with a {by} column")
        hours = pd.to_numeric(requests["response_hours"], errors="coerce")
    else:
        _require(
            requests,
            [by, "date_sent", "date_responded"],
            "plot_response_times",
            "pass the requests table (date_sent, date_responded) or a response_hours column",
        )
        sent = pd.to_datetime(requests["date_sent"]).astype("datetime64[ns]")
        resp = pd.to_datetime(requests["date_responded"]).astype("datetime64[ns]")
        hours = (resp - sent) / pd.Timedelta(hours=1)
    ax = _axes(ax)
    ax.set_xlabel("Hours to respond (log scale)")
    ax.set_ylabel("Share of answered requests")
    _percent_axis(ax)
    groups = requests[by].astype("str").where(requests[by].notna(), "(none)")
    answered = hours.notna() & (hours >= 0)
    if not answered.any():
        return _empty(ax, "no answered requests to show")
    import matplotlib

    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, g in enumerate(sorted(groups.unique())):
        h = np.sort(np.maximum(hours[(groups == g) & answered].to_numpy(dtype=float), 1 / 60))
        n_open = int(((groups == g) & hours.isna()).sum())
        if len(h) == 0:
            continue
        colour = colours[i % len(colours)]
        label = f"{code_words(g)} (n={len(h)}" + (f", {n_open} open)" if n_open else ")")
        y = np.arange(1, len(h) + 1) / len(h)
        ax.step(np.r_[h[0], h], np.r_[0.0, y], where="post", color=colour, label=label, **kwargs)
        if config is not None:
            ax.axvline(config.responsiveness.sla_hours(g), ls="--", lw=1, color=colour)
    ax.set_xscale("log")
    _plain_log_ticks(ax)
    ax.set_ylim(0, 1.02)
    legend_outside(ax, title=metric_label(by), title_fontsize="small")
    return ax


def plot_days_late(
    lines,
    *,
    ax=None,
    config=None,
    column: str = "days_from_reference",
    clip: tuple[int, int] | None = (-15, 30),
    **kwargs,
):
    """Histogram of days between the reference date and receipt, per judged order line.

    Negative days are early, 0 is on the reference date, positive days late
    (in the day basis of the configuration the lines were judged with). With a
    configuration, the on-time window (``delivery.early_tolerance_days`` before
    to ``delivery.late_tolerance_days`` after the reference date) is shaded and
    the bars are coloured early / on time / late.

    Parameters
    ----------
    lines : DataFrame
        Judged order lines (``Scorecard.metrics.lines`` or the evidence of a
        delivery metric). When a ``status`` column exists only ``"judged"``
        lines are drawn (excluded and out-of-window lines are left out).
    ax : matplotlib Axes, optional
    config : Config, optional
        The configuration the lines were judged with (``Scorecard.config``).
    column : str, default "days_from_reference"
    clip : (int, int) or None, default (-15, 30)
        Lines beyond these days are drawn in the end bars (the x label says
        how many); None draws the full range.
    **kwargs
        Passed to ``Axes.bar``.

    Returns
    -------
    matplotlib Axes
        One bar per whole day from the first to the last day drawn; the
        window is one more patch (``axvspan``) when ``config`` is given.
    """
    _require(lines, [column], "plot_days_late", f"pass the judged delivery lines (with {column})")
    ax = _axes(ax)
    ax.set_ylabel("Order lines")
    label = (
        "Days from the reference date (negative = early)" if column == "days_from_reference" else metric_label(column)
    )
    ax.set_xlabel(label)
    frame = lines
    if "status" in lines.columns:
        frame = lines.loc[lines["status"].astype("str") == "judged"]
    days = _float(frame, column)
    days = np.round(days[np.isfinite(days)]).astype(np.int64)
    if len(days) == 0:
        return _empty(ax, "no judged lines to show")
    n_beyond = 0
    if clip is not None:
        lo_c, hi_c = int(clip[0]), int(clip[1])
        n_beyond = int(((days < lo_c) | (days > hi_c)).sum())
        days = np.clip(days, lo_c, hi_c)
    first, last = int(days.min()), int(days.max())
    xs = np.arange(first, last + 1)
    counts = np.bincount(days - first, minlength=len(xs))
    colours = np.full(len(xs), "tab:blue", dtype=object)
    if config is not None:
        early = config.delivery.early_tolerance_days
        late = int(config.delivery.late_tolerance_days)
        w_lo = -np.inf if early is None else -int(early)
        colours = np.where(xs < w_lo, "tab:orange", np.where(xs > late, "tab:red", "tab:green")).astype(object)
        span_lo = first - 0.5 if early is None else w_lo - 0.5
        what = "unlimited early" if early is None else f"{int(early)} d early"
        ax.axvspan(
            min(span_lo, late + 0.5),
            late + 0.5,
            color="tab:green",
            alpha=0.12,
            lw=0,
            label=f"On-time window ({what} to {late} d late)",
        )
    if "color" not in kwargs:
        kwargs["color"] = list(colours)
    kwargs.setdefault("width", 0.85)
    ax.bar(xs, counts, **kwargs)
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    if clip is not None and n_beyond:
        ax.set_xlabel(f"{label}\n{n_beyond} line(s) beyond {clip[0]} or {clip[1]} days drawn in the end bars")
    if config is not None:
        legend_outside(ax, where="below", ncols=1)
    return ax
