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
from supplier_analytics.stats import funnel_limits

__all__ = ["plot_scorecard", "plot_funnel", "plot_pareto", "plot_response_times"]

#: Grade colours, best first (green to red); more grades than colours reuse a colormap.
_GRADE_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
_GREY = "#bdbdbd"


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
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
    ax = _axes(ax)
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
        lo, hi = funnel_limits(p0, n, 3.090232)
        labels = frame.loc[ok, label_col].astype("str").to_numpy()
        for x, y, lab, out in zip(n, p, labels, (p < lo) | (p > hi)):
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
