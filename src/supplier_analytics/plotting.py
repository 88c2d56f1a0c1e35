"""Plots for notebooks and reports: each takes ``ax=None, **kwargs`` and returns the Axes.

No function here shows a figure or writes a file: pass an Axes to draw into
your own layout, or leave ``ax`` out and a new figure is made. Empty or
all-NaN input draws an empty, labelled Axes instead of failing.

Functions
---------
plot_scorecard
    Overall score per supplier as horizontal bars coloured by grade.
plot_funnel
    A rate against volume with 95 % and 99.8 % funnel limits (Spiegelhalter 2005).
plot_pareto
    Defects by code with the cumulative share on a second axis.
plot_response_times
    Distribution of response hours per request type, with service levels.
plot_period_metric
    A metric per period with its Wilson band; empty periods are gaps.
plot_intervals
    A rate per supplier with its 95 % interval (forest plot).
plot_shrinkage
    Raw against shrunk rate by volume, with the peer level.
plot_days_late
    Histogram of days from the reference date, on-time window shaded.
plot_grade_stability
    Overall score against grade stability; weight-sensitive suppliers marked.
plot_control_chart
    A p- or u-chart (or Laney's p') with its limits and run-rule signals marked.
plot_small_multiples
    One panel per supplier: a metric over time with control limits.
plot_portfolio_trends
    Each supplier's trend against its current level, alerts coloured.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from supplier_analytics.plotting import plot_scorecard
>>> frame = pd.DataFrame({"supplier_id": ["S1", "S2"], "overall_score": [91.0, 64.0], "grade": ["A", "C"]})
>>> ax = plot_scorecard(frame)
>>> len(ax.patches)
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.scoring import INSUFFICIENT_EVIDENCE
from supplier_analytics.stats import funnel_limits, funnel_outside

__all__ = ["plot_scorecard", "plot_funnel", "plot_pareto", "plot_response_times",
           "plot_period_metric", "plot_intervals", "plot_shrinkage", "plot_days_late", "plot_grade_stability",
           "plot_control_chart", "plot_small_multiples", "plot_portfolio_trends"]

#: Grade colours, best first (green to red); more grades than colours reuse a colormap.
_GRADE_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
_GREY = "#bdbdbd"


def _axes(ax, figsize=None):
    """The given Axes, or a new figure's (of ``figsize`` when given, e.g. tall for many bars)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _require(frame, columns: Sequence[str], func: str, hint: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{func} expects a DataFrame, not {type(frame).__name__}; {hint}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{func}: the frame has no {', '.join(missing)} column; {hint}.")


def _empty(ax, text: str):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return ax


def _grade_colours(names: Sequence[str]) -> dict[str, str]:
    if len(names) <= len(_GRADE_COLOURS):
        # spread the palette so that two grades are green and red, not green and light green
        idx = np.round(np.linspace(0, len(_GRADE_COLOURS) - 1, max(len(names), 1))).astype(int)
        return {g: _GRADE_COLOURS[i] for g, i in zip(names, idx)}
    import matplotlib

    cmap = matplotlib.colormaps["RdYlGn_r"]
    return {g: matplotlib.colors.to_hex(cmap(x)) for g, x in zip(names, np.linspace(0.05, 0.95, len(names)))}


def plot_scorecard(
    suppliers,
    *,
    ax=None,
    top: int | None = None,
    grades: Sequence | Mapping | None = None,
    label_col: str | None = None,
    **kwargs,
):
    """Overall score per supplier as horizontal bars coloured by grade.

    Graded suppliers come first, best on top; suppliers graded "insufficient
    evidence" follow as grey hatched bars across the whole scale, labelled so
    that nobody reads them as 0 or 100.

    Parameters
    ----------
    suppliers : DataFrame
        Scored suppliers (``Scorecard.suppliers`` or :func:`score_suppliers`):
        ``overall_score``, ``grade`` and a label column.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top : int, optional
        Show only the first ``top`` suppliers of that order.
    grades : sequence or mapping, optional
        Grade names best first (or ``config.scoring.grades``), for the colours
        and the legend; by default the grades found, sorted.
    label_col : str, optional
        Column for the bar labels: ``supplier_name`` when present, else
        ``supplier_id``.
    **kwargs
        Passed to ``Axes.barh`` for the graded bars.

    Returns
    -------
    matplotlib Axes
    """
    _require(suppliers, ["overall_score", "grade"], "plot_scorecard", "pass the scored suppliers frame")
    n_bars = len(suppliers) if top is None else min(len(suppliers), int(top))
    ax = _axes(ax, figsize=(8.0, max(3.0, 0.26 * n_bars + 1.0)))  # room for every label
    if label_col is None:
        label_col = "supplier_name" if "supplier_name" in suppliers.columns else "supplier_id"
    _require(suppliers, [label_col], "plot_scorecard", "pass label_col naming a column of the frame")

    score = suppliers["overall_score"].astype(float)
    grade = suppliers["grade"].astype("str")
    graded = score.notna() & (grade != INSUFFICIENT_EVIDENCE)
    order = pd.concat([score[graded].sort_values(ascending=False, kind="stable"),
                       score[~graded]]).index
    if top is not None:
        order = order[: int(top)]
    if len(order) == 0:
        return _empty(ax, "no suppliers to show")

    if grades is None:
        names = sorted(grade[graded].unique().tolist())
    else:
        names = [str(g) for g in (grades.keys() if isinstance(grades, Mapping) else
                                  (g[0] if isinstance(g, (tuple, list)) else g for g in grades))]
    colours = _grade_colours(names)

    labels = suppliers.loc[order, label_col].astype("str").tolist()
    y = np.arange(len(order))
    g_mask = graded.loc[order].to_numpy()
    g_colours = [colours.get(g, _GREY) for g in grade.loc[order][g_mask]]
    bars = ax.barh(y[g_mask], score.loc[order][g_mask].to_numpy(), color=g_colours, **kwargs)
    for rect, g in zip(bars, grade.loc[order][g_mask]):
        ax.text(rect.get_width() + 1, rect.get_y() + rect.get_height() / 2, g, va="center", fontsize="small")
    if (~g_mask).any():
        ax.barh(y[~g_mask], np.full(int((~g_mask).sum()), 100.0), color="none", edgecolor=_GREY,
                hatch="//", label=INSUFFICIENT_EVIDENCE)
        for yy in y[~g_mask]:
            ax.text(50, yy, INSUFFICIENT_EVIDENCE, ha="center", va="center", fontsize="small", color="0.35")

    ax.set_yticks(y, labels)
    ax.set_ylim(len(order) - 0.5, -0.5)  # best on top
    ax.set_xlim(0, 105)
    ax.set_xlabel("Overall score (0-100)")
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[g], label=g) for g in names if g in set(grade.loc[order])]
    if (~g_mask).any():
        handles.append(Patch(facecolor="none", edgecolor=_GREY, hatch="//", label=INSUFFICIENT_EVIDENCE))
    if handles:
        ax.legend(handles=handles, title="Grade", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small", borderaxespad=0.0)
    return ax


def plot_funnel(
    frame,
    rate: str,
    *,
    ax=None,
    label_col: str = "supplier_id",
    target: float | None = None,
    label_outside: bool = True,
    **kwargs,
):
    """Funnel plot: a rate per supplier against its volume, with control limits.

    Limits at 95 % (z = 1.96) and 99.8 % (z = 3.09) are drawn around the
    pooled rate of all suppliers plotted, using exact binomial limits
    (:func:`~supplier_analytics.stats.funnel_limits`, Spiegelhalter 2005).
    A supplier outside the 99.8 % funnel differs from the pool by more than
    chance; inside it, its position in a league table means little.

    Parameters
    ----------
    frame : DataFrame
        One row per supplier with ``<rate>_k`` and ``<rate>_n`` (as in
        ``Scorecard.suppliers``).
    rate : str
        Rate name, e.g. ``"otif_rate"``.
    ax : matplotlib Axes, optional
    label_col : str, default "supplier_id"
        Labels of the points outside the 99.8 % limits.
    target : float, optional
        Drawn as a dashed horizontal line (e.g. ``config.targets[rate]``).
    label_outside : bool, default True
        Label the suppliers outside the 99.8 % limits.
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib Axes
        One scatter collection with a point per supplier with data, the pooled
        rate, the 95 % and 99.8 % limits (two lines each) and the target line.
    """
    _require(frame, [f"{rate}_k", f"{rate}_n"], "plot_funnel",
             f"pass a supplier frame with {rate}_k and {rate}_n (numerator and denominator)")
    ax = _axes(ax)
    k = frame[f"{rate}_k"].to_numpy(dtype=float, na_value=np.nan)
    n = frame[f"{rate}_n"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    ax.set_xlabel(f"{rate}: volume (records judged)")
    ax.set_ylabel(rate)
    if not ok.any():
        return _empty(ax, f"no supplier has data for {rate}")
    k, n = k[ok], n[ok]
    p = k / n
    p0 = k.sum() / n.sum()

    grid = np.unique(np.round(np.geomspace(1, max(n.max(), 2) * 1.1, 200)))
    ax.axhline(p0, color="0.3", lw=1, label=f"pooled {p0:.3g}")
    for z, style, lab in ((1.959964, "--", "95% limits"), (3.090232, "-", "99.8% limits")):
        lo, hi = funnel_limits(p0, grid, z)
        ax.plot(grid, lo, style, color="tab:blue", lw=1, label=lab)
        ax.plot(grid, hi, style, color="tab:blue", lw=1)
    if target is not None:
        ax.axhline(float(target), ls=":", color="tab:red", lw=1, label=f"target {float(target):.3g}")
    kwargs.setdefault("color", "0.2")
    kwargs.setdefault("s", 16)
    ax.scatter(n, p, zorder=3, **kwargs)
    if label_outside and label_col in frame.columns:
        labels = frame.loc[ok, label_col].astype("str").to_numpy()
        for x, y, lab, out in zip(n, p, labels, funnel_outside(k, n, p0) != 0):
            if out:
                ax.annotate(lab, (x, y), textcoords="offset points", xytext=(4, 4), fontsize="small")
    if n.max() / max(n.min(), 1) > 20:
        ax.set_xscale("log")
    ax.set_ylim(max(0.0, min(p.min(), p0) - 0.05), min(1.0, max(p.max(), p0) + 0.05) + 0.005)
    ax.legend(loc="lower right", fontsize="small")
    return ax


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
    ax.set_ylabel(value_col)
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
    twin.set_ylabel("cumulative share (%)")
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
        _require(requests, [by, "date_sent", "date_responded"], "plot_response_times",
                 "pass the requests table (date_sent, date_responded) or a response_hours column")
        sent = pd.to_datetime(requests["date_sent"]).astype("datetime64[ns]")
        resp = pd.to_datetime(requests["date_responded"]).astype("datetime64[ns]")
        hours = (resp - sent) / pd.Timedelta(hours=1)
    ax = _axes(ax)
    ax.set_xlabel("hours to respond (log scale)")
    ax.set_ylabel("share answered within")
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
        label = f"{g} (n={len(h)}" + (f", {n_open} open)" if n_open else ")")
        y = np.arange(1, len(h) + 1) / len(h)
        ax.step(np.r_[h[0], h], np.r_[0.0, y], where="post", color=colour, label=label, **kwargs)
        if config is not None:
            ax.axvline(config.responsiveness.sla_hours(g), ls="--", lw=1, color=colour)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize="small")
    return ax


# =========================================================================== more plots
# Per-period series, intervals, shrinkage, lateness and weight sensitivity.

_NO_DATA = "0.55"


def _float(frame, col) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _period_x(frame) -> pd.Series:
    """First day of each row's period: ``period_start`` when present, else ``period``."""
    if "period_start" in frame.columns:
        return pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
    col = frame["period"]
    if isinstance(col.dtype, pd.PeriodDtype):
        return col.dt.start_time.astype("datetime64[ns]")
    return pd.to_datetime(col.astype("str")).astype("datetime64[ns]")


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
        labelled "no data (gap)"); the band is a ``PolyCollection`` and the
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
    ax.set_ylabel(metric)
    ax.set_xlabel("period")
    if len(frame) == 0:
        who = f" for supplier {supplier_id}" if supplier_id is not None else ""
        return _empty(ax, f"no periods{who} to show")
    x = _period_x(frame)
    if "supplier_id" in frame.columns and frame["supplier_id"].nunique(dropna=True) > 1:
        keys = frame["supplier_id"].astype("str")
        groups = [(str(g), frame.index[(keys == g).to_numpy()]) for g in sorted(keys.unique())]
    else:
        name = supplier_id if supplier_id is not None else (
            str(frame["supplier_id"].iloc[0]) if "supplier_id" in frame.columns and frame["supplier_id"].notna().any()
            else metric)
        groups = [(str(name), frame.index)]
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 4)
    single = len(groups) == 1
    empty_x = []  # arrays of datetime64 (tolist() would turn nanoseconds into ints)
    for g, idx in groups:
        order = x.loc[idx].sort_values(kind="stable").index
        xs = x.loc[order].to_numpy()
        ys = _float(frame.loc[order], metric)
        line, = ax.plot(xs, ys, label=g if not single else metric, **kwargs)
        empty_x.append(xs[~np.isfinite(ys)])
        if single and band and {f"{metric}_low", f"{metric}_high"} <= set(frame.columns):
            lo, hi = _float(frame.loc[order], f"{metric}_low"), _float(frame.loc[order], f"{metric}_high")
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(ys)
            if ok.any():
                ax.fill_between(xs, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), where=ok,
                                color=line.get_color(), alpha=0.2, lw=0, label="95% interval")
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
            ax.axvspan(g - width / 2, g + width / 2, color=_NO_DATA, alpha=0.15, lw=0,
                       label="no data (gap)" if i == 0 else None)
    if target is not None:
        ax.axhline(float(target), ls=":", color="tab:red", lw=1, label=f"target {float(target):.3g}")
    if metric.endswith("_rate"):
        ax.set_ylim(-0.02, 1.02)
    if single and supplier_id is not None:
        ax.set_title(str(supplier_id))
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_intervals(
    frame,
    rate: str,
    *,
    ax=None,
    label_col: str | None = None,
    target: float | None = None,
    top: int | None = None,
    ascending: bool = False,
    **kwargs,
):
    """A rate per supplier with its 95 % interval (forest plot), sorted by the rate.

    Parameters
    ----------
    frame : DataFrame
        One row per supplier with ``rate``, ``<rate>_low`` and ``<rate>_high``
        (as in ``Scorecard.suppliers``); ``<rate>_n`` is shown in the labels
        when present. Rows without the rate are left out.
    rate : str
        E.g. ``"otif_rate"``, ``"ppm"``, ``"within_sla_rate"``.
    ax : matplotlib Axes, optional
    label_col : str, optional
        ``supplier_name`` when present, else ``supplier_id``.
    target : float, optional
        Drawn as a dotted vertical line.
    top : int, optional
        Show only the first ``top`` rows of the order.
    ascending : bool, default False
        Highest rate on top (False) or lowest on top (True; e.g. for PPM).
    **kwargs
        Passed to ``Axes.scatter`` for the points.

    Returns
    -------
    matplotlib Axes
        One scatter point and one horizontal interval line per supplier.
    """
    _require(frame, [rate, f"{rate}_low", f"{rate}_high"], "plot_intervals",
             f"pass a supplier frame with {rate}, {rate}_low and {rate}_high")
    if label_col is None:
        label_col = "supplier_name" if "supplier_name" in frame.columns else "supplier_id"
    _require(frame, [label_col], "plot_intervals", "pass label_col naming a column of the frame")
    ax = _axes(ax)
    ax.set_xlabel(f"{rate} with 95% interval")
    values = pd.Series(_float(frame, rate), index=frame.index)
    order = values[values.notna()].sort_values(ascending=ascending, kind="stable").index
    if top is not None:
        order = order[: int(top)]
    if len(order) == 0:
        return _empty(ax, f"no supplier has data for {rate}")
    sub = frame.loc[order]
    y = np.arange(len(order))
    v = _float(sub, rate)
    lo, hi = _float(sub, f"{rate}_low"), _float(sub, f"{rate}_high")
    ax.hlines(y, lo, hi, color="0.55", lw=2)
    kwargs.setdefault("color", "0.15")
    kwargs.setdefault("s", 18)
    ax.scatter(v, y, zorder=3, **kwargs)
    labels = sub[label_col].astype("str")
    if f"{rate}_n" in sub.columns:
        n = _float(sub, f"{rate}_n")
        labels = [f"{lab} (n={nn:,.0f})" if np.isfinite(nn) else lab for lab, nn in zip(labels, n)]
    ax.set_yticks(y, list(labels), fontsize="small")
    ax.set_ylim(len(order) - 0.5, -0.5)
    if target is not None:
        ax.axvline(float(target), ls=":", color="tab:red", lw=1, label=f"target {float(target):.3g}")
        ax.legend(loc="lower right", fontsize="small")
    if rate.endswith("_rate"):
        ax.set_xlim(-0.02, 1.02)
    return ax


def _peer_levels(frame, rate: str, scale: float, group_col: str | None):
    """(level of all suppliers or None, per-row level of the row's own peer group or None)."""
    priors = frame.attrs.get("shrinkage_priors", {}).get(rate) if hasattr(frame, "attrs") else None
    if not priors or "all" not in priors:
        return None, None

    def mean(p):
        return p["alpha"] / (p["alpha"] + p["beta"]) * scale
    overall = mean(priors["all"])
    groups = {g: mean(p) for g, p in priors.items() if g != "all"}
    if not groups or group_col is None or group_col not in frame.columns:
        return overall, None
    own = frame[group_col].astype("str").map(groups).to_numpy(dtype=float, na_value=np.nan)
    return overall, np.where(np.isnan(own), overall, own)


def plot_shrinkage(
    suppliers,
    rate: str,
    *,
    ax=None,
    label_col: str = "supplier_id",
    peer_level: float | None = None,
    group_col: str | None = "category",
    label_top: int = 5,
    **kwargs,
):
    """Raw against shrunk rate per supplier, by volume: how far small samples are pulled.

    Each supplier is a hollow circle at its raw rate and a filled dot at its
    shrunk rate (``<rate>_shrunk``, the beta-binomial posterior mean), joined by
    a segment, against its volume ``<rate>_n``. Suppliers with few records move
    far toward the peer level, large ones barely move: a 100 % from 3 deliveries
    lands near the peers, a 95 % from 3,000 stays at 95 %.

    Parameters
    ----------
    suppliers : DataFrame
        ``Scorecard.suppliers`` (or :func:`score_suppliers` output) with
        ``rate``, ``<rate>_shrunk`` and ``<rate>_n``.
    rate : str
        E.g. ``"otif_rate"`` or ``"ppm"`` (in parts per million).
    ax : matplotlib Axes, optional
    label_col : str, default "supplier_id"
        Labels of the ``label_top`` suppliers that moved most.
    peer_level : float, optional
        The level drawn as a horizontal line. By default the prior mean of all
        suppliers from ``suppliers.attrs["shrinkage_priors"]``, else the pooled
        rate ``<rate>_k.sum() / <rate>_n.sum()`` when those columns exist.
    group_col : str or None, default "category"
        When peer groups got their own priors (see :func:`score_suppliers`),
        each supplier's own peer level is marked with a short dash.
    label_top : int, default 5
    **kwargs
        Passed to ``Axes.scatter`` for the shrunk points.

    Returns
    -------
    matplotlib Axes
        Scatter collections (raw, shrunk, and own peer levels when drawn), one
        ``LineCollection`` of segments, and the peer-level line.
    """
    _require(suppliers, [rate, f"{rate}_shrunk", f"{rate}_n"], "plot_shrinkage",
             f"pass scored suppliers with {rate}, {rate}_shrunk and {rate}_n (shrinkage switched on)")
    ax = _axes(ax)
    unit = " (ppm)" if rate == "ppm" else ""
    ax.set_xlabel(f"volume: {rate}_n")
    ax.set_ylabel(f"{rate}{unit}")
    raw, shrunk, n = _float(suppliers, rate), _float(suppliers, f"{rate}_shrunk"), _float(suppliers, f"{rate}_n")
    ok = np.isfinite(raw) & np.isfinite(shrunk) & np.isfinite(n) & (n > 0)
    if not ok.any():
        return _empty(ax, f"no supplier has a raw and a shrunk {rate}")
    scale = 1e6 if rate == "ppm" else 1.0
    overall, own = _peer_levels(suppliers, rate, scale, group_col)
    if peer_level is None:
        peer_level = overall
    if peer_level is None and {f"{rate}_k", f"{rate}_n"} <= set(suppliers.columns):
        k_all = np.nansum(_float(suppliers, f"{rate}_k")[ok])
        peer_level = k_all / n[ok].sum() * scale
    from matplotlib.collections import LineCollection

    x, r, s = n[ok], raw[ok], shrunk[ok]
    ax.add_collection(LineCollection([[(a, b), (a, c)] for a, b, c in zip(x, r, s)], colors="0.6", lw=1))
    ax.scatter(x, r, facecolors="none", edgecolors="0.35", s=28, label="raw", zorder=3)
    kwargs.setdefault("color", "tab:blue")
    kwargs.setdefault("s", 22)
    ax.scatter(x, s, zorder=4, label="shrunk", **kwargs)
    if own is not None:
        ax.scatter(x, own[ok], marker="_", s=90, color="tab:orange", zorder=2, label="own peer group's level")
    if peer_level is not None:
        ax.axhline(float(peer_level), ls="--", color="tab:orange", lw=1,
                   label=f"peer level (all suppliers) {float(peer_level):.3g}")
    if label_top and label_col in suppliers.columns:
        labels = suppliers.loc[ok, label_col].astype("str").to_numpy()
        for i in np.argsort(-np.abs(s - r), kind="stable")[: int(label_top)]:
            ax.annotate(labels[i], (x[i], r[i]), textcoords="offset points", xytext=(4, 3), fontsize="small")
    if x.max() / max(x.min(), 1) > 20:
        ax.set_xscale("log")
    ax.autoscale_view()
    ax.legend(loc="best", fontsize="small")
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
    ax.set_ylabel("order lines")
    label = f"days from reference date ({column}; negative = early)"
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
        ax.axvspan(min(span_lo, late + 0.5), late + 0.5, color="tab:green", alpha=0.12, lw=0,
                   label=f"on-time window ({what} to {late} d late)")
    if "color" not in kwargs:
        kwargs["color"] = list(colours)
    kwargs.setdefault("width", 0.85)
    ax.bar(xs, counts, **kwargs)
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    if n_beyond:
        ax.set_xlabel(f"{label}\n{n_beyond} line(s) beyond {clip[0]} or {clip[1]} days drawn in the end bars")
    if config is not None:
        ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_grade_stability(
    suppliers,
    *,
    ax=None,
    config=None,
    label_col: str = "supplier_id",
    **kwargs,
):
    """Overall score against grade stability under random weights; fragile grades marked.

    A supplier close to a grade boundary keeps its grade in fewer of the
    random weight draws (``grade_stability``); those below
    ``scoring.sensitivity.stable_share`` are ``weight_sensitive`` and drawn as
    red diamonds with their label. Their grade depends on the weights chosen:
    discuss them before acting on the grade.

    Parameters
    ----------
    suppliers : DataFrame
        ``Scorecard.suppliers`` with ``overall_score``, ``grade_stability`` and
        optionally ``weight_sensitive``. Suppliers without a grade are left out.
    ax : matplotlib Axes, optional
    config : Config, optional
        Draws the grade boundaries (vertical lines, named) and the
        ``stable_share`` threshold (horizontal line).
    label_col : str, default "supplier_id"
    **kwargs
        Passed to ``Axes.scatter`` for the stable suppliers.

    Returns
    -------
    matplotlib Axes
        A scatter of the stable suppliers and, when any, one of the
        weight-sensitive suppliers; with ``config`` one vertical line per grade
        boundary above 0 and the threshold line.
    """
    _require(suppliers, ["overall_score", "grade_stability"], "plot_grade_stability",
             "pass the scored suppliers frame (Scorecard.suppliers)")
    ax = _axes(ax)
    ax.set_xlabel("overall score (0-100)")
    ax.set_ylabel("grade stability (share of weight draws keeping the grade)")
    score, stab = _float(suppliers, "overall_score"), _float(suppliers, "grade_stability")
    ok = np.isfinite(score) & np.isfinite(stab)
    if "weight_sensitive" in suppliers.columns:
        sens = suppliers["weight_sensitive"].fillna(False).astype(bool).to_numpy()
    elif config is not None:
        sens = stab < config.scoring.sensitivity.stable_share
    else:
        sens = np.zeros(len(suppliers), dtype=bool)
    if config is not None:
        for name, low in config.scoring.grades:
            if low > 0:
                ax.axvline(low, color="0.6", lw=1, ls="--")
                ax.text(low + 0.5, 1.06, f"{name} from {low:g}", fontsize="small", color="0.35", va="bottom")
        ax.axhline(config.scoring.sensitivity.stable_share, color="tab:red", lw=1, ls=":",
                   label=f"stable_share {config.scoring.sensitivity.stable_share:g}")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 1.12)
    if not ok.any():
        return _empty(ax, "no graded supplier to show")
    kwargs.setdefault("color", "0.3")
    kwargs.setdefault("s", 20)
    stable = ok & ~sens
    if stable.any():
        ax.scatter(score[stable], stab[stable], label="grade holds", **kwargs)
    fragile = ok & sens
    if fragile.any():
        ax.scatter(score[fragile], stab[fragile], marker="D", color="tab:red", s=30, label="weight-sensitive")
        if label_col in suppliers.columns:
            for x, y, lab in zip(score[fragile], stab[fragile], suppliers.loc[fragile, label_col].astype("str")):
                ax.annotate(lab, (x, y), textcoords="offset points", xytext=(4, -10), fontsize="small")
    ax.legend(loc="lower left", fontsize="small")
    return ax


# --------------------------------------------------------------------------- trends (control charts, alerts)

_SIGNAL_COLOURS = {"beyond limits": "tab:red", "8 on one side": "tab:orange", "6 trending": "tab:purple"}
_DIRECTION_COLOURS = {"deteriorating": "tab:red", "improving": "tab:green", "no alert": "0.6"}


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
    ax.set_ylabel(stat if scale == 1.0 else f"{stat} x {scale:g}")
    if len(chart) == 0:
        return _empty(ax, "no samples to chart")
    x = _index_x(chart.index)
    y = _float(chart, stat) * scale
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("ms", 4)
    kwargs.setdefault("color", "0.2")
    ax.plot(x, y, label=stat, **kwargs)
    ax.plot(x, _float(chart, "center") * scale, color="tab:blue", lw=1, label="center")
    ax.step(x, _float(chart, "ucl") * scale, where="mid", color="tab:red", lw=1, ls="--", label="control limits")
    ax.step(x, _float(chart, "lcl") * scale, where="mid", color="tab:red", lw=1, ls="--")
    signals = chart["signals"] if "signals" in chart.columns else pd.Series("", index=chart.index)
    sig = signals.fillna("").astype("str").to_numpy()
    for rule, colour in _SIGNAL_COLOURS.items():
        hit = np.array([rule in s.split(";") for s in sig], dtype=bool)
        if hit.any():
            size = 70 if rule == "beyond limits" else 40
            ax.scatter(x[hit], y[hit], s=size, facecolors="none" if rule != "beyond limits" else colour,
                       edgecolors=colour, lw=1.5, zorder=3, label=rule)
    sz = chart.attrs.get("sigma_z")
    if sz is not None and np.isfinite(sz) and sz != 1.0:
        ax.text(0.01, 0.98, f"sigma_z = {sz:.2f}", transform=ax.transAxes, va="top", fontsize="small", color="0.35")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_small_multiples(series, *, suppliers=None, axes=None, ncols: int = 4, laney: bool = True,
                         chart: bool = True, sharey: bool = True, **kwargs):
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
    _require(series, ["supplier_id", "period", "value"], "plot_small_multiples",
             "pass the frame returned by period_series")
    from supplier_analytics.trends import p_chart

    ids = list(suppliers) if suppliers is not None else sorted(series["supplier_id"].dropna().astype("str").unique())
    if axes is None:
        import matplotlib.pyplot as plt

        nrows = max(1, -(-len(ids) // max(int(ncols), 1)))
        _, axes = plt.subplots(nrows, int(ncols), figsize=(3.2 * int(ncols), 2.4 * nrows), sharex=True,
                               sharey=sharey, squeeze=False)
    grid = np.asarray(axes, dtype=object)
    flat = grid.ravel()
    if len(flat) < len(ids):
        raise InputError(f"plot_small_multiples got {len(flat)} axes for {len(ids)} suppliers; pass more axes "
                         "or fewer suppliers.")
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
        ax.tick_params(labelsize="x-small")
    for ax in flat[len(ids):]:
        ax.set_axis_off()
    if len(flat):
        flat[0].figure.suptitle(str(metric), fontsize="medium")
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
    _require(alerts, ["supplier_id", "metric", "direction", "current", "change"], "plot_portfolio_trends",
             "pass the frame returned by alerts(..., include='all')")
    metrics = list(pd.unique(alerts["metric"].astype("str")))
    if metric is None:
        if len(metrics) > 1:
            raise InputError(f"plot_portfolio_trends: the frame holds {len(metrics)} metrics "
                             f"({', '.join(metrics)}); pass metric=... to choose one.")
        metric = metrics[0] if metrics else ""
    frame = alerts.loc[(alerts["metric"].astype("str") == metric) & (alerts["direction"] != "not tested")]
    ax = _axes(ax)
    ax.set_xlabel(f"current level ({metric})")
    ax.set_ylabel("change over the tested periods")
    ax.set_title(f"{metric}: trend against current level")
    if len(frame) == 0:
        return _empty(ax, "no tested supplier to show")
    ax.axhline(0.0, color="0.5", lw=0.8)
    if "target" in frame.columns and np.isfinite(_float(frame, "target")).any():
        t = float(np.nanmax(_float(frame, "target")))
        ax.axvline(t, ls=":", color="tab:red", lw=1, label=f"target {t:.3g}")
    kwargs.setdefault("s", 25)
    for direction, colour in _DIRECTION_COLOURS.items():
        g = frame.loc[frame["direction"] == direction]
        if len(g) == 0:
            continue
        ax.scatter(_float(g, "current"), _float(g, "change"), color=colour, label=direction,
                   zorder=3 if direction != "no alert" else 2, **kwargs)
        if label and direction != "no alert":
            for x, y, lab in zip(_float(g, "current"), _float(g, "change"), g["supplier_id"].astype("str")):
                ax.annotate(lab, (x, y), textcoords="offset points", xytext=(4, 3), fontsize="x-small")
    ax.legend(loc="best", fontsize="small")
    return ax
