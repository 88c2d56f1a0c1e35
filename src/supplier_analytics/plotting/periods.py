"""Figures over time: a metric per period, control charts, one panel per supplier, and each supplier's
trend against its current level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import label as metric_label
from supplier_analytics.errors import InputError
from supplier_analytics.plotting._common import (
    _NO_DATA,
    _axes,
    _empty,
    _float,
    _is_rate,
    _percent_axis,
    _period_x,
    _require,
    _value_axis,
    _value_text,
)
from supplier_analytics.plotting.labels import legend_outside, place_labels

__all__ = [
    "plot_period_metric",
    "plot_control_chart",
    "plot_small_multiples",
    "plot_portfolio_trends",
    "plot_history",
]

_SIGNAL_COLOURS = {"beyond limits": "tab:red", "8 on one side": "tab:orange", "6 trending": "tab:purple"}
_DIRECTION_COLOURS = {"deteriorating": "tab:red", "improving": "tab:green", "no alert": "0.6"}
#: What the statistic of a control chart is, for its axis and legend.
_STATISTICS = {"p": "Proportion (p)", "u": "Count per unit (u)"}


def plot_period_metric(
    periods,
    metric: str,
    *,
    supplier_id: str | None = None,
    ax=None,
    target: float | None = None,
    band: bool = True,
    **kwargs,
):
    """A metric per period as a line, with its 95 % Wilson band; empty periods are gaps.

    A period without records has no rate (NaN in ``Scorecard.periods``), and is
    drawn as a gap in the line over a light grey span, never as 0 or 100 %. Each period with data is a marker, so a month between two empty
    months still shows, with its interval as a vertical bar.

    Parameters
    ----------
    periods : DataFrame
        One row per period (``Scorecard.periods``, ``MetricsResult.periods``):
        ``period_start`` or ``period``, the metric, and optionally
        ``<metric>_low`` / ``<metric>_high`` and ``supplier_id``.
    metric : str
        Column to draw, e.g. ``"otif_rate"`` or ``"ppm"``.
    supplier_id : str, optional
        Keep only this supplier's rows. Without it and with several suppliers
        in the frame, each supplier gets its own line (no bands).
    ax : matplotlib Axes, optional
    target : float, optional
        Drawn as a dotted horizontal line.
    band : bool, default True
        Draw the Wilson interval when ``<metric>_low`` and ``<metric>_high`` exist.
    **kwargs
        Passed to ``Axes.plot`` for the metric line(s).

    Returns
    -------
    matplotlib Axes
        ``ax.lines[0]`` is the (first) metric line, its y data NaN in empty
        periods; each empty period is a light grey span (a patch; the first
        labelled "No data (gap)"); the band is a ``PolyCollection`` and the
        intervals of periods without a neighbour a ``LineCollection``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> p = pd.DataFrame({"period": pd.period_range("2025-01", periods=3, freq="M"),
    ...                   "otif_rate": [0.9, float("nan"), 0.8]})
    >>> ax = plot_period_metric(p, "otif_rate")
    >>> ax.lines[0].get_ydata().tolist()
    [0.9, nan, 0.8]
    """
    _require(periods, [metric], "plot_period_metric", f"pass a period frame with a {metric} column")
    if "period_start" not in periods.columns:
        _require(periods, ["period"], "plot_period_metric", "pass a period frame with period_start or period")
    frame = periods
    if supplier_id is not None:
        _require(periods, ["supplier_id"], "plot_period_metric", "pass a frame with a supplier_id column")
        frame = periods.loc[periods["supplier_id"].astype("str") == str(supplier_id)]
    ax = _axes(ax)
    _value_axis(ax, metric)
    ax.set_xlabel("Period")
    if len(frame) == 0:
        who = f" for supplier {supplier_id}" if supplier_id is not None else ""
        return _empty(ax, f"no periods{who} to show")
    x = _period_x(frame)
    if "supplier_id" in frame.columns and frame["supplier_id"].nunique(dropna=True) > 1:
        keys = frame["supplier_id"].astype("str")
        groups = [(str(g), frame.index[(keys == g).to_numpy()]) for g in sorted(keys.unique())]
    else:
        name = (
            supplier_id
            if supplier_id is not None
            else (
                str(frame["supplier_id"].iloc[0])
                if "supplier_id" in frame.columns and frame["supplier_id"].notna().any()
                else metric
            )
        )
        groups = [(str(name), frame.index)]
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 4)
    single = len(groups) == 1
    empty_x = []  # arrays of datetime64 (tolist() would turn nanoseconds into ints)
    for g, idx in groups:
        order = x.loc[idx].sort_values(kind="stable").index
        xs = x.loc[order].to_numpy()
        ys = _float(frame.loc[order], metric)
        (line,) = ax.plot(xs, ys, label=g if not single else metric_label(metric), **kwargs)
        empty_x.append(xs[~np.isfinite(ys)])
        if single and band and {f"{metric}_low", f"{metric}_high"} <= set(frame.columns):
            lo, hi = _float(frame.loc[order], f"{metric}_low"), _float(frame.loc[order], f"{metric}_high")
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(ys)
            if ok.any():
                ax.fill_between(
                    xs,
                    np.where(ok, lo, np.nan),
                    np.where(ok, hi, np.nan),
                    where=ok,
                    color=line.get_color(),
                    alpha=0.2,
                    lw=0,
                    label="95% interval",
                )
                prev = np.r_[False, ok[:-1]]
                nxt = np.r_[ok[1:], False]
                alone = ok & ~prev & ~nxt  # a band needs two neighbours to be seen
                if alone.any():
                    ax.vlines(xs[alone], lo[alone], hi[alone], color=line.get_color(), alpha=0.5, lw=2)
    gaps = np.unique(np.concatenate(empty_x)) if empty_x else np.array([])
    if len(gaps):
        # a grey span over each empty period: visibly "no data", not a value at 0
        steps = np.diff(np.unique(x.to_numpy()))
        width = steps.min() if len(steps) else np.timedelta64(1, "D")
        for i, g in enumerate(gaps):
            ax.axvspan(
                g - width / 2,
                g + width / 2,
                color=_NO_DATA,
                alpha=0.15,
                lw=0,
                label="No data (gap)" if i == 0 else None,
            )
    if target is not None:
        ax.axhline(float(target), ls=":", color="tab:red", lw=1, label=f"Target {_value_text(metric, target)}")
    if _is_rate(metric):
        ax.set_ylim(-0.02, 1.02)
    if single and supplier_id is not None:
        ax.set_title(str(supplier_id))
    legend_outside(ax)
    return ax


def _index_x(index) -> np.ndarray:
    """x positions for a chart index: period starts for Periods, timestamps as they are, else 0..n-1."""
    if isinstance(index, pd.PeriodIndex):
        return index.start_time.to_numpy(dtype="datetime64[ns]")
    if isinstance(index, pd.DatetimeIndex):
        return index.to_numpy(dtype="datetime64[ns]")
    if len(index) and isinstance(index[0], pd.Period):
        return pd.PeriodIndex(index).start_time.to_numpy(dtype="datetime64[ns]")
    return np.asarray(index) if pd.api.types.is_numeric_dtype(np.asarray(index)) else np.arange(len(index))


def plot_control_chart(chart, *, ax=None, scale: float = 1.0, title: str | None = None, **kwargs):
    """A control chart from :func:`~supplier_analytics.trends.p_chart` or ``u_chart`` with its signals marked.

    Parameters
    ----------
    chart : DataFrame
        The chart frame (columns ``p`` or ``u``, ``center``, ``lcl``, ``ucl``,
        ``signals``); its index (periods, dates or sample numbers) is the x axis.
    ax : matplotlib Axes, optional
    scale : float, default 1.0
        Multiply the values and limits, e.g. 1e6 to draw a defective fraction as ppm.
    title : str, optional
    **kwargs
        Passed to ``Axes.plot`` for the data line.

    Returns
    -------
    matplotlib Axes
        ``ax.lines[0]`` the data (NaN in empty periods), then the center line
        and the two limits (step lines, since the limits move with the sample
        size); each rule that fired is a scatter labelled with the rule's name
        (beyond limits red, 8 on one side orange, 6 trending purple).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from supplier_analytics.trends import p_chart
    >>> ax = plot_control_chart(p_chart([1, 1, 1, 1, 1, 1, 1, 1, 1, 30], [100] * 10))
    >>> sorted(c.get_label() for c in ax.collections)
    ['8 on one side', 'beyond limits']
    """
    _require(chart, ["center", "lcl", "ucl"], "plot_control_chart", "pass the frame returned by p_chart or u_chart")
    stat = chart.attrs.get("statistic") or ("p" if "p" in chart.columns else "u")
    _require(chart, [stat], "plot_control_chart", "pass the frame returned by p_chart or u_chart")
    ax = _axes(ax)
    name = chart.attrs.get("chart", stat)
    ax.set_title(title if title is not None else f"{name} chart")
    what = _STATISTICS.get(stat, stat)
    if scale == 1.0:
        ax.set_ylabel(what)
        if stat == "p":
            _percent_axis(ax)
    else:
        from matplotlib.ticker import StrMethodFormatter

        ax.set_ylabel(f"{what}, per million" if scale == 1e6 else f"{what}, times {scale:,.10g}")
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.10g}"))
    if len(chart) == 0:
        return _empty(ax, "no samples to chart")
    x = _index_x(chart.index)
    y = _float(chart, stat) * scale
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 4)
    kwargs.setdefault("color", "0.2")
    ax.plot(x, y, label=what, **kwargs)
    ax.plot(x, _float(chart, "center") * scale, color="tab:blue", lw=1, label="Center line")
    ax.step(x, _float(chart, "ucl") * scale, where="mid", color="tab:red", lw=1, ls="--", label="Control limits")
    ax.step(x, _float(chart, "lcl") * scale, where="mid", color="tab:red", lw=1, ls="--")
    signals = chart["signals"] if "signals" in chart.columns else pd.Series("", index=chart.index)
    sig = signals.fillna("").astype("str").to_numpy()
    for rule, colour in _SIGNAL_COLOURS.items():
        hit = np.array([rule in s.split(";") for s in sig], dtype=bool)
        if hit.any():
            size = 70 if rule == "beyond limits" else 40
            ax.scatter(
                x[hit],
                y[hit],
                s=size,
                facecolors="none" if rule != "beyond limits" else colour,
                edgecolors=colour,
                lw=1.5,
                zorder=3,
                label=rule,
            )
    sz = chart.attrs.get("sigma_z")
    if sz is not None and np.isfinite(sz) and sz != 1.0:
        ax.text(
            0.01, 0.98, f"Laney's sigma z = {sz:.2f}", transform=ax.transAxes, va="top", fontsize="small", color="0.35"
        )
    legend_outside(ax)
    return ax


def plot_small_multiples(
    series,
    *,
    suppliers=None,
    axes=None,
    ncols: int = 4,
    laney: bool = True,
    chart: bool = True,
    sharey: bool = True,
    **kwargs,
):
    """One small panel per supplier: its metric over time, with control limits when counts exist.

    Parameters
    ----------
    series : DataFrame
        From :func:`~supplier_analytics.trends.period_series` (``supplier_id``,
        ``period``, ``value``, and ``k``/``n`` for count metrics).
    suppliers : sequence of str, optional
        Which suppliers, in panel order (default: all, sorted).
    axes : array of Axes, optional
        Panels to draw into (at least one per supplier, in reading order);
        default: a new figure of ``ncols`` columns.
    ncols : int, default 4
    laney : bool, default True
        Limits of Laney's p' chart (else the plain p-chart).
    chart : bool, default True
        Draw the center line, limits and signals (count metrics only).
    sharey : bool, default True
        Same y axis on every panel, so levels compare across suppliers.
    **kwargs
        Passed to ``Axes.plot`` for each supplier's line.

    Returns
    -------
    numpy.ndarray of Axes
        The grid of panels (2-d: rows x ncols, or the shape of ``axes``);
        panels beyond the last supplier are switched off. The figure is
        ``result.flat[0].figure``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> s = pd.DataFrame({"supplier_id": ["A"] * 3 + ["B"] * 3,
    ...     "period": list(pd.period_range("2025-01", periods=3, freq="M")) * 2,
    ...     "value": [0.9, 0.8, 0.7, 0.5, 0.6, 0.5], "k": [9, 8, 7, 5, 6, 5], "n": [10] * 6})
    >>> grid = plot_small_multiples(s, ncols=3)
    >>> grid.shape, [a.get_title() for a in grid.flat]
    ((1, 3), ['A', 'B', ''])
    """
    _require(
        series, ["supplier_id", "period", "value"], "plot_small_multiples", "pass the frame returned by period_series"
    )
    from supplier_analytics.trends import p_chart

    ids = list(suppliers) if suppliers is not None else sorted(series["supplier_id"].dropna().astype("str").unique())
    if axes is None:
        import matplotlib.pyplot as plt

        nrows = max(1, -(-len(ids) // max(int(ncols), 1)))
        _, axes = plt.subplots(
            nrows,
            int(ncols),
            figsize=(3.2 * int(ncols), 2.4 * nrows),
            sharex=True,
            sharey=sharey,
            squeeze=False,
            layout="constrained",
        )
    grid = np.asarray(axes, dtype=object)
    flat = grid.ravel()
    if len(flat) < len(ids):
        raise InputError(
            f"plot_small_multiples got {len(flat)} axes for {len(ids)} suppliers; pass more axes or fewer suppliers."
        )
    scale = float(series.attrs.get("scale", 1.0))
    metric = series.attrs.get("metric", "value")
    keys = series["supplier_id"].astype("str")
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 3)
    kwargs.setdefault("color", "0.2")
    for ax, sid in zip(flat, ids):
        g = series.loc[(keys == str(sid)).to_numpy()].sort_values("period", kind="stable")
        ax.set_title(str(sid), fontsize="small")
        if len(g) == 0:
            _empty(ax, "no data")
            continue
        x = _period_x(g).to_numpy()
        ax.plot(x, _float(g, "value"), **kwargs)
        if chart and {"k", "n"} <= set(g.columns) and np.isfinite(_float(g, "n")).any():
            c = p_chart(_float(g, "k"), np.nan_to_num(_float(g, "n")), laney=laney)
            ax.plot(x, _float(c, "center") * scale, color="tab:blue", lw=0.8)
            ax.step(x, _float(c, "ucl") * scale, where="mid", color="tab:red", lw=0.8, ls="--")
            ax.step(x, _float(c, "lcl") * scale, where="mid", color="tab:red", lw=0.8, ls="--")
            hit = c["signals"].fillna("").astype("str").to_numpy() != ""
            if hit.any():
                ax.scatter(x[hit], _float(c, "p")[hit] * scale, s=25, color="tab:red", zorder=3)
        if _is_rate(metric) and scale == 1.0:
            _percent_axis(ax)
        ax.tick_params(labelsize="x-small")
    for ax in flat[len(ids) :]:
        ax.set_axis_off()
    if len(ids):
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        for ax in flat[: len(ids)]:  # a few short dates per panel, so that they do not run into each other
            locator = AutoDateLocator(maxticks=4)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if len(flat):
        flat[0].figure.suptitle(metric_label(str(metric)), fontsize="medium")
    return grid


def plot_portfolio_trends(alerts, *, metric: str | None = None, ax=None, label: bool = True, **kwargs):
    """Portfolio view: each supplier's change over the tested periods against its current level.

    Parameters
    ----------
    alerts : DataFrame
        From :func:`~supplier_analytics.trends.alerts` with ``include="all"``
        (rows ``"not tested"`` are left out).
    metric : str, optional
        Which metric (required when the frame holds several).
    ax : matplotlib Axes, optional
    label : bool, default True
        Write the supplier id next to each alert.
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib Axes
        One scatter per direction present ("deteriorating" red, "improving"
        green, "no alert" grey), labelled with the direction; a dotted line at
        the target when the frame has one, and a line at zero change.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> a = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "metric": ["otif_rate"] * 3,
    ...     "direction": ["deteriorating", "no alert", "not tested"], "current": [0.7, 0.9, 0.5],
    ...     "change": [-0.2, 0.01, float("nan")], "target": [0.93] * 3})
    >>> ax = plot_portfolio_trends(a)
    >>> [c.get_label() for c in ax.collections]
    ['deteriorating', 'no alert']
    """
    _require(
        alerts,
        ["supplier_id", "metric", "direction", "current", "change"],
        "plot_portfolio_trends",
        "pass the frame returned by alerts(..., include='all')",
    )
    metrics = list(pd.unique(alerts["metric"].astype("str")))
    if metric is None:
        if len(metrics) > 1:
            raise InputError(
                f"plot_portfolio_trends: the frame holds {len(metrics)} metrics "
                f"({', '.join(metrics)}); pass metric=... to choose one."
            )
        metric = metrics[0] if metrics else ""
    frame = alerts.loc[(alerts["metric"].astype("str") == metric) & (alerts["direction"] != "not tested")]
    ax = _axes(ax)
    _value_axis(ax, metric, "x", f"Current level: {metric_label(metric)}")
    _value_axis(
        ax, metric, "y", "Change over the tested periods" + (" (percentage points)" if _is_rate(metric) else "")
    )
    if _is_rate(metric):  # a change of a rate is in points, not a share: +20 pts, not 20%
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:+.0f} pts" if round(100 * v) else "0"))
    ax.set_title(f"{metric_label(metric)}: trend against current level")
    if len(frame) == 0:
        return _empty(ax, "no tested supplier to show")
    ax.axhline(0.0, color="0.5", lw=0.8)
    if "target" in frame.columns and np.isfinite(_float(frame, "target")).any():
        t = float(np.nanmax(_float(frame, "target")))
        ax.axvline(t, ls=":", color="tab:red", lw=1, label=f"Target {_value_text(metric, t)}")
    kwargs.setdefault("s", 25)
    for direction, colour in _DIRECTION_COLOURS.items():
        g = frame.loc[frame["direction"] == direction]
        if len(g) == 0:
            continue
        ax.scatter(
            _float(g, "current"),
            _float(g, "change"),
            color=colour,
            label=direction,
            zorder=3 if direction != "no alert" else 2,
            **kwargs,
        )
    legend_outside(ax)
    alerted = frame.loc[frame["direction"].isin(["deteriorating", "improving"])]
    if label and len(alerted):
        ax.set_xlim(ax.get_xlim())
        ax.set_ylim(ax.get_ylim())
        place_labels(
            ax,
            _float(alerted, "current"),
            _float(alerted, "change"),
            alerted["supplier_id"].astype("str"),
            avoid=(_float(frame, "current"), _float(frame, "change")),
        )
    return ax


def plot_history(table, *, metric: str | None = None, highlight=None, top: int = 3, ax=None):
    """A metric of every supplier at each as-of date: all in light grey, the few that matter picked out.

    Thirty lines in ten cycling colours cannot be told apart; here every supplier is a thin grey line and
    only the highlighted ones get a colour and a name in the legend (beside the Axes).

    Parameters
    ----------
    table : DataFrame
        One row per as-of date, one column per supplier (:func:`supplier_analytics.history.metric_history`).
    metric : str, optional
        What the values are (for the axis label and format); default ``table.attrs["metric"]`` or
        ``"overall_score"``.
    highlight : sequence of str, optional
        The suppliers to pick out (e.g. those whose grade changed). Default: the ``top`` suppliers whose
        value moved most between their first and last date, rises and falls alike.
    top : int, default 3
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line per supplier; the highlighted lines are labelled with the supplier and the change.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"S1": [80.0, 60.0], "S2": [70.0, 71.0], "S3": [50.0, 52.0]},
    ...                  index=pd.to_datetime(["2026-01-31", "2026-02-28"]))
    >>> ax = plot_history(t, top=1)
    >>> [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    ['Other suppliers (2)', 'S1 (80.0 to 60.0)']
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # the picked-out lines first in the legend
    ['S1 (80.0 to 60.0)', 'Other suppliers (2)']
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"plot_history expects a DataFrame, not {type(table).__name__}; pass metric_history(...).")
    metric = metric or table.attrs.get("metric", "overall_score")
    ax = _axes(ax)
    _value_axis(ax, metric)
    ax.set_xlabel("As-of date")
    ax.set_title(f"{metric_label(metric)} per supplier at each as-of date")
    if table.empty or not np.isfinite(table.to_numpy(dtype=float, na_value=np.nan)).any():
        return _empty(ax, "no history to show")
    x = pd.to_datetime(pd.Index(table.index).astype(str)).to_numpy()
    values = table.apply(pd.to_numeric, errors="coerce")
    first = values.apply(lambda c: c.dropna().iloc[0] if c.notna().any() else np.nan)
    last = values.apply(lambda c: c.dropna().iloc[-1] if c.notna().any() else np.nan)
    if highlight is None:
        moved = (last - first).abs().dropna().sort_values(ascending=False, kind="stable")
        highlight = list(moved.index[: int(top)])
    highlight = [str(h) for h in highlight if str(h) in set(map(str, values.columns))]
    others = [c for c in values.columns if str(c) not in highlight]
    for i, col in enumerate(others):
        ax.plot(x, values[col].to_numpy(float), color="0.82", lw=0.9, zorder=1,
                label=f"Other suppliers ({len(others)})" if i == 0 else "_other")  # fmt: skip
    colours = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown")
    cols = {str(c): c for c in values.columns}
    for i, sid in enumerate(highlight):
        col = cols[sid]
        change = f" ({_value_text(metric, first[col])} to {_value_text(metric, last[col])})"
        ax.plot(x, values[col].to_numpy(float), color=colours[i % len(colours)], lw=2, marker="o", ms=3,
                zorder=3, label=f"{sid}{change}")  # fmt: skip
    # the highlighted lines first in the legend, the grey crowd last
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda j: labels[j].startswith("Other suppliers"))
    legend_outside(ax, handles=[handles[j] for j in order], labels=[labels[j] for j in order])
    dates = pd.DatetimeIndex(x)
    if len(dates) <= 8:
        # a tick at each as-of date, named in full: a month tick would put 30 June under "Jul"
        ax.set_xticks(dates.to_numpy(), [f"{d.day} {d:%b}\n{d.year}" for d in dates])
    else:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return ax
