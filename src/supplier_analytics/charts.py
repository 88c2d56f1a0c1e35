"""Control charts for attribute data: p- and u-charts, Laney's p' and u', and run rules.

Is this month's late rate or defect count out of the ordinary, given how many
lines or units it rests on? :func:`p_chart` (fraction nonconforming) and
:func:`u_chart` (defects per unit) draw the limits for varying sample sizes;
``laney=True`` widens them by the spread of the standardised points when the
data are overdispersed (large samples, real drift). Each point names the run
rules it triggers (:data:`RULES`); :func:`chart_signals` lists them.
:func:`~supplier_analytics.trends.alerts` uses the charts as evidence for an
alert and :func:`~supplier_analytics.plotting.plot_control_chart` draws them.

References
----------
.. [1] D. C. Montgomery, *Introduction to Statistical Quality Control*,
   Wiley, ch. 7 (p- and u-charts; Example 7.1, the orange-juice cans).
.. [2] D. B. Laney, "Improved control charts for attributes", Quality
   Engineering 14 (2002) 531-537.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError

__all__ = ["p_chart", "u_chart", "chart_signals", "RULES"]

#: Run rules applied to control charts, in the order they are reported.
RULES = ("beyond limits", "8 on one side", "6 trending")


def _rule_flags(
    x: np.ndarray, center: np.ndarray, lcl: np.ndarray, ucl: np.ndarray, run: int = 8, trend: int = 6
) -> dict[str, np.ndarray]:
    """Boolean flags per point for each rule in :data:`RULES`; points without data never signal."""
    valid = np.isfinite(x)
    beyond = valid & ((x > ucl) | (x < lcl))
    side = np.where(valid, np.sign(x - center), 0.0)
    side_run = np.zeros(len(x), dtype=bool)
    trend_run = np.zeros(len(x), dtype=bool)
    idx = np.flatnonzero(valid)
    cnt, prev = 0, 0.0
    for i in idx:  # runs over the points with data; an empty period neither breaks nor extends a run
        s = side[i]
        cnt = cnt + 1 if (s != 0 and s == prev) else (1 if s != 0 else 0)
        prev = s
        side_run[i] = cnt >= run
    cnt, prev_d, last = 1, 0.0, None
    for i in idx:
        if last is None:
            last = i
            continue
        d = np.sign(x[i] - x[last])
        cnt = cnt + 1 if (d != 0 and d == prev_d) else (2 if d != 0 else 1)
        prev_d = d
        last = i
        trend_run[i] = cnt >= trend
    return {"beyond limits": beyond, "8 on one side": side_run, "6 trending": trend_run}


def _attribute_chart(k, n, *, kind: str, laney: bool, sigma: float, center, index) -> pd.DataFrame:
    names = {"p": ("nonconforming", "sample_size"), "u": ("defects", "units")}[kind]
    if index is None:
        index = k.index if isinstance(k, pd.Series) else (n.index if isinstance(n, pd.Series) else None)
    k = np.asarray(k, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    if len(k) != len(n):
        raise InputError(f"{names[0]} has {len(k)} entries but {names[1]} has {len(n)}; give one count per sample.")
    bad = np.isfinite(k) & np.isfinite(n) & ((k < 0) | (n < 0) | ((kind == "p") & (k > n)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rule = f"0 <= {names[0]} <= {names[1]}" if kind == "p" else f"{names[0]} and {names[1]} >= 0"
        raise InputError(f"sample {i} has {names[0]}={k[i]:g} and {names[1]}={n[i]:g}; counts must satisfy {rule}.")
    valid = np.isfinite(k) & np.isfinite(n) & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(valid, k / np.where(valid, n, 1.0), np.nan)
        cbar = float(k[valid].sum() / n[valid].sum()) if valid.any() else np.nan
        if center is not None:
            cbar = float(center)
        var1 = cbar * (1.0 - cbar) if kind == "p" else cbar
        sd = np.where(valid, np.sqrt(var1 / np.where(valid, n, 1.0)), np.nan)
        zs = np.where(valid & (sd > 0), (x - cbar) / np.where(sd > 0, sd, 1.0), np.nan)
    sigma_z = 1.0
    if laney:
        zv = zs[np.isfinite(zs)]
        sigma_z = float(np.mean(np.abs(np.diff(zv))) / 1.128) if len(zv) >= 2 else np.nan
    half = sigma * sd * sigma_z
    lcl = np.clip(cbar - half, 0.0, None)
    ucl = cbar + half
    if kind == "p":
        ucl = np.clip(ucl, None, 1.0)
    flags = _rule_flags(x, np.full(len(x), cbar), lcl, ucl)
    labels = np.array([";".join(r for r in RULES if flags[r][i]) for i in range(len(x))], dtype=object)
    out = pd.DataFrame(
        {
            names[0]: k,
            names[1]: n,
            kind: x,
            "center": cbar,
            "sigma": sd * sigma_z,
            "lcl": lcl,
            "ucl": ucl,
            "z": zs,
            "out_of_control": flags["beyond limits"],
            "signals": pd.array(labels, dtype="string"),
        },
        index=index,
    )
    out.attrs.update(
        chart=(f"Laney {kind}'" if laney else kind),
        statistic=kind,
        center=cbar,
        sigma_z=sigma_z,
        sigma_multiple=float(sigma),
    )
    return out


def p_chart(
    nonconforming, sample_sizes, *, laney: bool = False, sigma: float = 3.0, center: float | None = None, index=None
) -> pd.DataFrame:
    """p-chart (fraction nonconforming) for varying sample sizes, or Laney's p' chart.

    Parameters
    ----------
    nonconforming : array_like or Series
        Nonconforming items (late lines, rejected lots, ...) per sample or period.
    sample_sizes : array_like or Series
        Items per sample; 0 or NaN marks an empty period (no point, no limits).
    laney : bool, default False
        Laney's p' chart: the limits are widened (or narrowed) by
        :math:`\\sigma_z`, the spread of the standardised points
        :math:`z_i = (p_i - \\bar p)/\\sigma_{p_i}` estimated from their average
        moving range / 1.128 (Laney 2002). Use it when samples are large and
        the points spread more than binomial chance allows (overdispersion):
        the plain p-chart then flags almost every point.
    sigma : float, default 3.0
        Width of the limits in standard errors.
    center : float, optional
        A known or standard center line; default :math:`\\bar p = \\sum k/\\sum n`
        over the points with data.
    index : optional
        Index of the result (default: the index of a Series input, else 0..n-1).

    Returns
    -------
    DataFrame
        ``nonconforming``, ``sample_size``, ``p``, ``center``, ``sigma`` (the
        standard error of the point, times :math:`\\sigma_z` for Laney),
        ``lcl``, ``ucl`` (:math:`\\bar p \\pm` sigma x standard error, clipped
        to [0, 1]), ``z``, ``out_of_control`` (beyond the limits), ``signals``
        (the run rules the point triggers, ``;``-separated: see :data:`RULES`
        and :func:`chart_signals`). ``attrs``: ``chart``, ``center``,
        ``sigma_z`` (1 for a plain p-chart).

    Examples
    --------
    Montgomery's orange-juice cans (Example 7.1: 30 samples of 50 cans):

    >>> d = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11,
    ...      20, 18, 24, 15, 9, 12, 7, 13, 9, 6]
    >>> c = p_chart(d, [50] * 30)
    >>> round(c.attrs["center"], 4), round(float(c["ucl"].iloc[0]), 4), round(float(c["lcl"].iloc[0]), 4)
    (0.2313, 0.4102, 0.0524)
    >>> [i + 1 for i in c.index[c["out_of_control"]]]
    [15, 23]
    """
    return _attribute_chart(nonconforming, sample_sizes, kind="p", laney=laney, sigma=sigma, center=center, index=index)


def u_chart(
    defects, units, *, laney: bool = False, sigma: float = 3.0, center: float | None = None, index=None
) -> pd.DataFrame:
    """u-chart (defects per unit) for varying numbers of units, or Laney's u' chart.

    Like :func:`p_chart` with Poisson standard errors :math:`\\sqrt{\\bar u / n_i}`:
    columns ``defects``, ``units``, ``u``, ``center``, ``sigma``, ``lcl``
    (clipped at 0), ``ucl``, ``z``, ``out_of_control``, ``signals``.

    Examples
    --------
    Montgomery's personal-computer assembly (20 samples of 5 computers):

    >>> c = u_chart([10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5], [5] * 20)
    >>> round(c.attrs["center"], 2), round(float(c["ucl"].iloc[0]), 2), round(float(c["lcl"].iloc[0]), 2)
    (1.93, 3.79, 0.07)
    """
    return _attribute_chart(defects, units, kind="u", laney=laney, sigma=sigma, center=center, index=index)


def chart_signals(chart: pd.DataFrame) -> pd.DataFrame:
    """One row per signal of a chart from :func:`p_chart` or :func:`u_chart`.

    Rules (:data:`RULES`): ``beyond limits`` (a point outside the control
    limits), ``8 on one side`` (the 8th and every further point in a row on
    the same side of the center line; a point on the line ends the run) and
    ``6 trending`` (the 6th and every further point of a run steadily rising
    or falling). Runs follow the points with data; an empty period is skipped.

    Returns
    -------
    DataFrame
        ``index`` (the chart's index label), ``position`` (0-based), ``value``
        (p or u), ``rule``.

    Examples
    --------
    >>> c = p_chart([1, 1, 1, 1, 1, 1, 1, 1, 1, 30], [100] * 10)
    >>> chart_signals(c)[["position", "rule"]].to_dict("records")
    [{'position': 7, 'rule': '8 on one side'}, {'position': 8, 'rule': '8 on one side'}, {'position': 9, 'rule': 'beyond limits'}]
    """
    stat = chart.attrs.get("statistic", "p" if "p" in chart.columns else "u")
    rows = []
    for pos, (label, sig, val) in enumerate(zip(chart.index, chart["signals"], chart[stat])):
        if isinstance(sig, str) and sig:
            for rule in sig.split(";"):
                rows.append((label, pos, float(val), rule))
    return pd.DataFrame(rows, columns=["index", "position", "value", "rule"]).astype(
        {"position": "int64", "value": "float64", "rule": "string"}
    )
