"""Plots of the scores and the rates behind them, one point or bar per supplier.

plot_scorecard (overall score bars by grade), plot_funnel (a rate against volume with funnel limits),
plot_intervals (a rate per supplier with its 95 % interval), plot_shrinkage (raw against shrunk rate),
plot_grade_stability (score against grade stability under random weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS
from supplier_analytics.catalog import label as metric_label
from supplier_analytics.config import default_config
from supplier_analytics.plotting._common import (
    _GREY,
    _axes,
    _empty,
    _float,
    _grade_colours,
    _is_rate,
    _labels,
    _percent_axis,
    _plain_log_ticks,
    _require,
    _value_axis,
    _value_text,
)
from supplier_analytics.plotting.labels import legend_outside, place_labels
from supplier_analytics.scoring import INSUFFICIENT_EVIDENCE
from supplier_analytics.stats import funnel_limits, funnel_outside

__all__ = ["plot_scorecard", "plot_funnel", "plot_intervals", "plot_shrinkage", "plot_grade_stability"]


def _noun(metric: str) -> str:
    """What the volume of a metric counts ("lines", "units inspected"), from the catalogue."""
    m = METRICS.get(metric)
    return m.record_noun if m is not None else "records"


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
        and the legend; by default the configured default bands (A to D) when they name every grade shown, so
        that a grade keeps its colour whichever grades are present, else the grades found, sorted.
    label_col : str, optional
        Column for the bar labels: ``supplier_name`` when the frame gives
        names (a supplier without one shows its id), else ``supplier_id``.
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
        label_col = "supplier_name" if _has_names(suppliers) else "supplier_id"
    _require(suppliers, [label_col], "plot_scorecard", "pass label_col naming a column of the frame")

    score = suppliers["overall_score"].astype(float)
    grade = suppliers["grade"].astype("str")
    graded = score.notna() & (grade != INSUFFICIENT_EVIDENCE)
    order = pd.concat([score[graded].sort_values(ascending=False, kind="stable"), score[~graded]]).index
    if top is not None:
        order = order[: int(top)]
    if len(order) == 0:
        return _empty(ax, "no suppliers to show")

    if grades is None:
        # the default bands when they name every grade shown, so that a B keeps the B colour when no A is there
        present = sorted(grade[graded].unique().tolist())
        bands = [str(g) for g, _ in default_config().scoring.grades]
        names = bands if set(present) <= set(bands) else present
    else:
        names = [
            str(g)
            for g in (
                grades.keys()
                if isinstance(grades, Mapping)
                else (g[0] if isinstance(g, (tuple, list)) else g for g in grades)
            )
        ]
    colours = _grade_colours(names)

    labels = _labels(suppliers.loc[order], label_col).tolist()
    y = np.arange(len(order))
    g_mask = graded.loc[order].to_numpy()
    g_colours = [colours.get(g, _GREY) for g in grade.loc[order][g_mask]]
    bars = ax.barh(y[g_mask], score.loc[order][g_mask].to_numpy(), color=g_colours, **kwargs)
    for rect, g in zip(bars, grade.loc[order][g_mask]):
        ax.text(rect.get_width() + 1, rect.get_y() + rect.get_height() / 2, g, va="center", fontsize="small")
    if (~g_mask).any():
        ax.barh(
            y[~g_mask],
            np.full(int((~g_mask).sum()), 100.0),
            color="none",
            edgecolor=_GREY,
            hatch="//",
            label=INSUFFICIENT_EVIDENCE,
        )
        for yy in y[~g_mask]:
            ax.text(50, yy, INSUFFICIENT_EVIDENCE, ha="center", va="center", fontsize="small", color="0.35")

    ax.set_yticks(y, labels)
    ax.set_ylim(len(order) - 0.5, -0.5)  # best on top
    ax.set_xlim(0, 105)
    ax.set_xlabel(metric_label("overall_score") + " (0-100)")
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[g], label=g) for g in names if g in set(grade.loc[order])]
    if (~g_mask).any():
        handles.append(Patch(facecolor="none", edgecolor=_GREY, hatch="//", label=INSUFFICIENT_EVIDENCE))
    if handles:
        ax.legend(
            handles=handles,
            title="Grade",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize="small",
            borderaxespad=0.0,
        )
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
    _require(
        frame,
        [f"{rate}_k", f"{rate}_n"],
        "plot_funnel",
        f"pass a supplier frame with {rate}_k and {rate}_n (numerator and denominator)",
    )
    ax = _axes(ax)
    k = frame[f"{rate}_k"].to_numpy(dtype=float, na_value=np.nan)
    n = frame[f"{rate}_n"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    ax.set_xlabel(f"Volume ({_noun(rate)})")
    _value_axis(ax, rate)
    if not ok.any():
        return _empty(ax, f"no supplier has data for {metric_label(rate)}")
    k, n = k[ok], n[ok]
    p = k / n
    p0 = k.sum() / n.sum()

    grid = np.unique(np.round(np.geomspace(1, max(n.max(), 2) * 1.1, 200)))
    ax.axhline(p0, color="0.3", lw=1, label=f"All suppliers pooled: {_value_text(rate, p0)}")
    for z, style, lab in ((1.959964, "--", "95% limits"), (3.090232, "-", "99.8% limits")):
        lo, hi = funnel_limits(p0, grid, z)
        ax.plot(grid, lo, style, color="tab:blue", lw=1, label=lab)
        ax.plot(grid, hi, style, color="tab:blue", lw=1)
    if target is not None:
        ax.axhline(float(target), ls=":", color="tab:red", lw=1, label=f"Target {_value_text(rate, target)}")
    kwargs.setdefault("color", "0.2")
    kwargs.setdefault("s", 16)
    ax.scatter(n, p, zorder=3, **kwargs)
    if n.max() / max(n.min(), 1) > 20:
        ax.set_xscale("log")
        _plain_log_ticks(ax)
    ax.set_ylim(max(0.0, min(p.min(), p0) - 0.05), min(1.0, max(p.max(), p0) + 0.05) + 0.005)
    ax.set_xlim(ax.get_xlim())  # final before the labels are placed
    legend_outside(ax)
    outside = funnel_outside(k, n, p0) != 0
    if label_outside and label_col in frame.columns and outside.any():
        labels = _labels(frame.loc[ok], label_col).to_numpy()
        far = np.argsort(-np.abs(p - p0)[outside], kind="stable")  # the furthest from the pool first
        place_labels(ax, n[outside][far], p[outside][far], labels[outside][far], avoid=(n, p), fontsize="small")
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
        ``supplier_name`` when the frame gives names (a supplier without one
        shows its id), else ``supplier_id``.
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
    _require(
        frame,
        [rate, f"{rate}_low", f"{rate}_high"],
        "plot_intervals",
        f"pass a supplier frame with {rate}, {rate}_low and {rate}_high",
    )
    if label_col is None:
        label_col = "supplier_name" if _has_names(frame) else "supplier_id"
    _require(frame, [label_col], "plot_intervals", "pass label_col naming a column of the frame")
    ax = _axes(ax)
    _value_axis(ax, rate, "x", f"{metric_label(rate)}, with its 95% interval")
    values = pd.Series(_float(frame, rate), index=frame.index)
    order = values[values.notna()].sort_values(ascending=ascending, kind="stable").index
    if top is not None:
        order = order[: int(top)]
    if len(order) == 0:
        return _empty(ax, f"no supplier has data for {metric_label(rate)}")
    sub = frame.loc[order]
    y = np.arange(len(order))
    v = _float(sub, rate)
    lo, hi = _float(sub, f"{rate}_low"), _float(sub, f"{rate}_high")
    ax.hlines(y, lo, hi, color="0.55", lw=2)
    kwargs.setdefault("color", "0.15")
    kwargs.setdefault("s", 18)
    ax.scatter(v, y, zorder=3, **kwargs)
    labels = _labels(sub, label_col)
    if f"{rate}_n" in sub.columns:
        n = _float(sub, f"{rate}_n")
        labels = [f"{lab} (n={nn:,.0f})" if np.isfinite(nn) else lab for lab, nn in zip(labels, n)]
    ax.set_yticks(y, list(labels), fontsize="small")
    ax.set_ylim(len(order) - 0.5, -0.5)
    if target is not None:
        ax.axvline(float(target), ls=":", color="tab:red", lw=1, label=f"Target {_value_text(rate, target)}")
        legend_outside(ax, where="below", ncols=1)
    if _is_rate(rate):
        ax.set_xlim(-0.02, 1.02)
    return ax


def _has_names(frame) -> bool:
    """Whether the frame gives a supplier name for some supplier (else the labels are the ids)."""
    return "supplier_name" in frame.columns and bool(frame["supplier_name"].notna().any())


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
    _require(
        suppliers,
        [rate, f"{rate}_shrunk", f"{rate}_n"],
        "plot_shrinkage",
        f"pass scored suppliers with {rate}, {rate}_shrunk and {rate}_n (shrinkage switched on)",
    )
    ax = _axes(ax)
    ax.set_xlabel(f"Volume ({_noun(rate)})")
    _value_axis(ax, rate)
    raw, shrunk, n = _float(suppliers, rate), _float(suppliers, f"{rate}_shrunk"), _float(suppliers, f"{rate}_n")
    ok = np.isfinite(raw) & np.isfinite(shrunk) & np.isfinite(n) & (n > 0)
    if not ok.any():
        return _empty(ax, f"no supplier has a raw and a shrunk {metric_label(rate)}")
    scale = METRICS[rate].scale if rate in METRICS else 1.0
    overall, own = _peer_levels(suppliers, rate, scale, group_col)
    if peer_level is None:
        peer_level = overall
    if peer_level is None and {f"{rate}_k", f"{rate}_n"} <= set(suppliers.columns):
        k_all = np.nansum(_float(suppliers, f"{rate}_k")[ok])
        peer_level = k_all / n[ok].sum() * scale
    from matplotlib.collections import LineCollection

    x, r, s = n[ok], raw[ok], shrunk[ok]
    ax.add_collection(LineCollection([[(a, b), (a, c)] for a, b, c in zip(x, r, s)], colors="0.6", lw=1))
    ax.scatter(x, r, facecolors="none", edgecolors="0.35", s=28, label="Raw", zorder=3)
    kwargs.setdefault("color", "tab:blue")
    kwargs.setdefault("s", 22)
    ax.scatter(x, s, zorder=4, label="Shrunk toward the peers", **kwargs)
    if own is not None:
        ax.scatter(x, own[ok], marker="_", s=90, color="tab:orange", zorder=2, label="Own peer group's level")
    if peer_level is not None:
        ax.axhline(
            float(peer_level),
            ls="--",
            color="tab:orange",
            lw=1,
            label=f"Peer level (all suppliers): {_value_text(rate, peer_level)}",
        )
    if x.max() / max(x.min(), 1) > 20:
        ax.set_xscale("log")
        _plain_log_ticks(ax)
    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    legend_outside(ax)
    if label_top and label_col in suppliers.columns:
        labels = _labels(suppliers.loc[ok], label_col).to_numpy()
        top = np.argsort(-np.abs(s - r), kind="stable")[: int(label_top)]
        place_labels(ax, x[top], r[top], labels[top], avoid=(np.r_[x, x], np.r_[r, s]), fontsize="small")
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
    _require(
        suppliers,
        ["overall_score", "grade_stability"],
        "plot_grade_stability",
        "pass the scored suppliers frame (Scorecard.suppliers)",
    )
    ax = _axes(ax)
    ax.set_xlabel(metric_label("overall_score") + " (0-100)")
    ax.set_ylabel("Grade stability\n(share of weight draws keeping the grade)")
    _percent_axis(ax)
    score, stab = _float(suppliers, "overall_score"), _float(suppliers, "grade_stability")
    ok = np.isfinite(score) & np.isfinite(stab)
    if "weight_sensitive" in suppliers.columns:
        sens = suppliers["weight_sensitive"].fillna(False).astype(bool).to_numpy()
    elif config is not None:
        sens = stab < config.scoring.sensitivity.stable_share
    else:
        sens = np.zeros(len(suppliers), dtype=bool)
    if config is not None:
        bands = sorted(((float(low), str(name)) for name, low in config.scoring.grades), reverse=True)
        top = 100.0
        for low, name in bands:  # each grade's name in the middle of its band, so that no two collide
            if low > 0:
                ax.axvline(low, color="0.6", lw=1, ls="--")
            ax.text((max(low, 0.0) + top) / 2, 1.06, name, ha="center", fontsize="small", color="0.35", va="bottom")
            top = low
        ax.axhline(
            config.scoring.sensitivity.stable_share,
            color="tab:red",
            lw=1,
            ls=":",
            label=f"Stable: grade holds in {config.scoring.sensitivity.stable_share:.0%} of draws",
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 1.12)
    if not ok.any():
        return _empty(ax, "no graded supplier to show")
    kwargs.setdefault("color", "0.3")
    kwargs.setdefault("s", 20)
    stable = ok & ~sens
    if stable.any():
        ax.scatter(score[stable], stab[stable], label="Grade holds", **kwargs)
    fragile = ok & sens
    if fragile.any():
        ax.scatter(score[fragile], stab[fragile], marker="D", color="tab:red", s=30, label="Weight-sensitive")
    legend_outside(ax)
    if fragile.any() and label_col in suppliers.columns:
        labels = _labels(suppliers.loc[fragile], label_col).to_numpy()
        place_labels(ax, score[fragile], stab[fragile], labels, avoid=(score[ok], stab[ok]), fontsize="small")
    return ax
