"""Findings about one supplier: strengths, recognised improvements, areas to improve, and peers.

What the feedback pack (:mod:`supplier_analytics.reports.feedback`) tells a supplier is decided
here, from statistics only, never from one good or bad month:

* **Strength**: a metric whose whole 95 % interval (from the supplier's own
  records only) lies on the right side of its target (``config.targets``).
* **Recognised improvement**: an "improving" year-on-year change signal
  (:func:`~supplier_analytics.signals.change_signals`) or an "improving"
  trend alert (:func:`~supplier_analytics.trends.alerts`).
* **Area to improve**: a metric whose whole interval misses its target, a
  significant deterioration (the same two tests), or requests open past
  their service level at the as-of date.

:func:`peer_comparison` places the supplier among anonymous peers: only
aggregates over at least ``min_peers`` *other* graded suppliers, never another
supplier's figure. Which direction is better, the labels, units and record
nouns come from the metric catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from supplier_analytics.catalog import label, spec
from supplier_analytics.errors import InputError

__all__ = [
    "supplier_findings",
    "peer_comparison",
    "grade_levers",
    "FINDING_METRICS",
    "PEER_METRICS",
    "FINDING_COLUMNS",
    "AREA_COLUMNS",
    "LEVER_COLUMNS",
]

#: Metrics judged against their target (when ``config.targets`` has one), in the order findings are listed.
FINDING_METRICS = (
    "otif_rate",
    "on_time_rate",
    "in_full_rate",
    "ppm",
    "lot_rejection_rate",
    "within_sla_rate",
    "capa_on_time_rate",
)
#: Metrics compared with peers.
PEER_METRICS = (
    "overall_score",
    "delivery_score",
    "quality_score",
    "responsiveness_score",
    "otif_rate",
    "ppm",
    "within_sla_rate",
)
#: Columns of the recognition frame of :func:`supplier_findings`.
FINDING_COLUMNS = ["metric", "kind", "finding", "test", "p_value", "q_value"]
#: Columns of the areas frame of :func:`supplier_findings`.
AREA_COLUMNS = ["metric", "area", "basis", "finding", "test", "p_value", "q_value"]


#: Columns of :func:`grade_levers`.
LEVER_COLUMNS = [
    "metric",
    "label",
    "value",
    "target",
    "points",
    "points_at_target",
    "weight",
    "score_gain",
    "score_after",
    "grade_after",
]


def _text(metric: str, value) -> str:
    return spec(metric).format(value, unit_suffix=True)


def _signal_text(s: pd.Series, before: str, after: str) -> str:
    m = spec(str(s["metric"]))
    verb = "improved" if s["direction"] == "improving" else "worsened"
    return (
        f"{m.label} {verb} from {m.format(s['before'])} ({before}, {int(s['before_n'])} {m.record_noun}) to "
        f"{m.format(s['after'])} ({after}, {int(s['after_n'])} {m.record_noun}): a change too large to be "
        "the ordinary ups and downs from month to month."
    )


def _trend_text(a: pd.Series, period: str = "period") -> str:
    m = str(a["metric"])
    per = _text(m, abs(float(a["slope"]))) if np.isfinite(a["slope"]) else "n/a"
    verb = "rising" if a["slope"] > 0 else "falling"
    if spec(m).is_rate and np.isfinite(a["slope"]):
        per = f"{100.0 * abs(float(a['slope'])):.1f} percentage points"
    return (
        f"{label(m)} has been {verb} by about {per} per {period} over {int(a['n_periods'])} "
        f"{period}s ({a['first_period']} to {a['last_period']}), more steadily than chance would explain."
    )


def _sort_tested(
    tested: pd.DataFrame,
    describe: Callable[[pd.Series], str],
    test: str,
    recognised: list[dict[str, Any]],
    areas: dict[str, list[dict[str, Any]]],
) -> None:
    """Rows of a table of tests (change signals, trend alerts) that found a change: an improvement is
    recognised, a deterioration is a reason under its metric's area to improve."""
    for _, s in tested.iterrows():
        if s["direction"] not in ("improving", "deteriorating"):
            continue
        found = {"finding": describe(s), "test": test, "p_value": s["p_value"], "q_value": s["q_value"]}
        if s["direction"] == "improving":
            recognised.append({"metric": s["metric"], "kind": "recognised improvement", **found})
        else:
            areas.setdefault(str(s["metric"]), []).append({"basis": "deteriorating", **found})


def supplier_findings(card, row: pd.Series, signals: pd.DataFrame, trend_alerts: pd.DataFrame | None):
    """(recognition, areas): what one supplier does well and what it should improve, each with its test.

    Parameters
    ----------
    card : Scorecard
        Gives the targets (``config.targets``) and the as-of date.
    row : Series
        The supplier's row of ``card.suppliers``.
    signals : DataFrame
        :func:`~supplier_analytics.signals.change_signals` (of all suppliers or this one).
    trend_alerts : DataFrame or None
        :func:`~supplier_analytics.trends.alerts` (of all suppliers or this one).

    Returns
    -------
    recognition : DataFrame
        :data:`FINDING_COLUMNS`: strengths first, then recognised improvements.
    areas : DataFrame
        :data:`AREA_COLUMNS`: one row per reason, grouped by metric (``area`` is its label).
    """
    sid = str(row["supplier_id"])
    targets = card.config.targets
    strengths: list[dict[str, Any]] = []
    recognised: list[dict[str, Any]] = []
    areas: dict[str, list[dict[str, Any]]] = {}  # metric -> its reasons
    before, after = signals.attrs.get("before", "before"), signals.attrs.get("after", "after")
    for m in FINDING_METRICS:
        ms = spec(m)
        target = targets.get(ms.target_key) if ms.target_key else None
        value, lo, hi = row.get(m, np.nan), row.get(f"{m}_low", np.nan), row.get(f"{m}_high", np.nan)
        if target is None or any(v is None or pd.isna(v) for v in (value, lo, hi)):
            continue
        n = row.get(ms.denominator, np.nan)
        figure = (
            f"{ms.label} {_text(m, value)} ({int(n) if pd.notna(n) else 0:,} {ms.record_noun}; with 95% "
            f"confidence between {_text(m, lo)} and {_text(m, hi)}) against a target of {_text(m, target)}"
        )
        meets = hi <= target if ms.lower_is_better else lo >= target
        misses = lo > target if ms.lower_is_better else hi < target
        if meets:
            strengths.append(
                {
                    "metric": m,
                    "kind": "strength",
                    "finding": f"{figure}: the whole range meets the target.",
                    "test": "95% Wilson interval on the target's side",
                    "p_value": np.nan,
                    "q_value": np.nan,
                }
            )
        elif misses:
            areas.setdefault(m, []).append(
                {
                    "basis": "below target",
                    "finding": f"{figure}: the whole range misses the target.",
                    "test": "95% Wilson interval beyond the target",
                    "p_value": np.nan,
                    "q_value": np.nan,
                }
            )
    mine = signals.loc[signals["supplier_id"].astype(str) == sid]
    _sort_tested(mine, lambda s: _signal_text(s, before, after), "year-on-year period t-test", recognised, areas)
    if trend_alerts is not None and len(trend_alerts):
        ta = trend_alerts.loc[trend_alerts["supplier_id"].astype(str) == sid]
        period = str(card.config.periods.period)
        _sort_tested(ta, lambda a: _trend_text(a, period), "Mann-Kendall trend", recognised, areas)
    overdue = row.get("overdue_requests", np.nan)
    if overdue is not None and pd.notna(overdue) and overdue > 0:
        areas.setdefault("overdue_requests", []).append(
            {
                "basis": "open past service level",
                "finding": f"{int(overdue)} request(s) still open past their service level on {card.as_of.date()}.",
                "test": "count at the as-of date",
                "p_value": np.nan,
                "q_value": np.nan,
            }
        )
    rec_frame = pd.DataFrame(strengths + recognised, columns=FINDING_COLUMNS)
    area_rows = [{"metric": m, "area": label(m), **item} for m, items in areas.items() for item in items]
    return rec_frame, pd.DataFrame(area_rows, columns=AREA_COLUMNS)


def peer_comparison(card, row: pd.Series, *, peers: str | None = "category", min_peers: int = 5):
    """(frame of peer aggregates or None, note): the supplier among anonymous peers.

    Parameters
    ----------
    card : Scorecard
    row : Series
        The supplier's row of ``card.suppliers``.
    peers : {"category", "all", None}
        Other graded suppliers of the same category, all other graded
        suppliers, or no comparison.
    min_peers : int, default 5
        Fewest other suppliers an aggregate may cover; with fewer the
        comparison is left out and the note says why.

    Returns
    -------
    frame : DataFrame or None
        One row per metric of :data:`PEER_METRICS` with enough peers:
        ``metric`` (its label), ``yours``, ``peer_median`` (rounded, so that
        the median of an odd group is not one supplier's exact figure),
        ``peers``, ``percentile`` (share of peers the supplier does better
        than, ties half) and ``better_is``.
    note : str
    """
    s = card.suppliers
    sid = str(row["supplier_id"])
    if peers is None:
        return None, "Peer comparison not requested."
    graded = s["grade"].astype(str) != "insufficient evidence"
    others = s["supplier_id"].astype(str) != sid
    if peers == "category":
        cat = row.get("category")
        if getattr(card, "master", None) is None and "category" not in s.columns:
            return None, (
                "No peer comparison: peers are suppliers of the same category, and no supplier master with "
                "categories was given."
            )
        if "category" not in s.columns or not s["category"].notna().any():
            return (
                None,
                "No peer comparison: peers are suppliers of the same category, and the supplier master has none.",
            )
        if cat is None or pd.isna(cat):
            return None, "No peer comparison: the supplier master gives no category for this supplier."
        group = s.loc[(s["category"].astype(str) == str(cat)).to_numpy(dtype=bool) & graded & others]
        where = f"other graded suppliers in the category {cat}"
    elif peers == "all":
        group = s.loc[graded & others]
        where = "other graded suppliers"
    else:
        raise InputError(f"peers must be 'category', 'all' or None, not {peers!r}.")
    if len(group) < min_peers:
        return None, (
            f"No peer comparison: fewer than {min_peers} {where}, so peer figures could point to "
            "individual suppliers and are left out."
        )
    rows = []
    for m in PEER_METRICS:
        if m not in s.columns:
            continue
        vals = group[m].astype(float).dropna().to_numpy()
        own = row.get(m, np.nan)
        if len(vals) < min_peers or own is None or pd.isna(own):
            continue
        own = float(own)
        lower_better = spec(m).lower_is_better
        worse = (vals > own).sum() if lower_better else (vals < own).sum()
        ties = (vals == own).sum()
        digits = 0 if m == "ppm" else 1 if m.endswith("_score") else 3
        rows.append(
            {
                "metric": label(m),
                "yours": own,
                "peer_median": round(float(np.median(vals)), digits),
                "peers": int(len(vals)),
                "percentile": float(round(100.0 * (worse + 0.5 * ties) / len(vals))),
                "better_is": spec(m).better,
            }
        )
    if not rows:
        return None, f"No peer comparison: fewer than {min_peers} {where} have comparable figures."
    note = (
        f"Anonymous peers: {len(group)} {where}. Only aggregates of at least {min_peers} suppliers are "
        "shown: the median (rounded) and your percentile (the share of peers you do better than, ties counted "
        "half)."
    )
    return pd.DataFrame(rows), note


def grade_levers(row: pd.Series, config) -> pd.DataFrame:
    """What would move the overall score most: per metric that misses its target, the points gained there.

    For each scored metric with a target that the supplier's figure misses, the metric's points if it
    reached its target exactly (:func:`~supplier_analytics.scoring.points` of the target on the metric's
    curve), less the points it has now (``pts_<metric>``), times the metric's share of the overall score
    (:func:`~supplier_analytics.scoring.scoring_explained`, over the metrics and dimensions that are
    scored, as :func:`~supplier_analytics.scoring.score_suppliers` does), every other metric unchanged.

    Parameters
    ----------
    row : Series
        The supplier's row of ``card.suppliers``: the metrics, ``pts_<metric>`` and ``overall_score``.
    config : Config
        The scoring configuration (``card.config``): curves, weights, targets and grade bands.

    Returns
    -------
    DataFrame
        :data:`LEVER_COLUMNS`, the largest ``score_gain`` first: ``label`` (for people), ``value`` and
        ``target`` in the metric's units, ``points`` now and ``points_at_target`` (0-100), ``weight`` (the
        metric's share of the overall score), ``score_gain`` (points of the overall score),
        ``score_after`` and ``grade_after`` (the grade band of ``score_after``). Empty when the supplier is
        not graded or meets every target.

    Examples
    --------
    With the default configuration OTIF is half of delivery, and delivery half of the score: 0.80 earns
    70 - 40 x 0.05 / 0.15 = 60 points on the curve; at the target of 0.93 it would earn
    70 + 30 x 0.08 / 0.10 = 94, so the score gains (94 - 60) x 0.25 = 8.5 points.

    >>> from supplier_analytics.config import load_config
    >>> from supplier_analytics.scoring import scoring_explained
    >>> row = pd.Series({f"pts_{m}": 60.0 for m in scoring_explained()["metric"]})
    >>> row = pd.concat([row, pd.Series({"otif_rate": 0.80, "overall_score": 65.0})])
    >>> levers = grade_levers(row, load_config())
    >>> levers[["metric", "points_at_target", "score_gain", "grade_after"]].round(6).to_dict("records")
    [{'metric': 'otif_rate', 'points_at_target': 94.0, 'score_gain': 8.5, 'grade_after': 'B'}]
    """
    from supplier_analytics.scoring import grade_for, points, scoring_explained

    overall = row.get("overall_score", np.nan)
    if overall is None or pd.isna(overall):
        return pd.DataFrame(columns=LEVER_COLUMNS)
    ex = scoring_explained(config)
    scored = ex["metric"].map(lambda m: pd.notna(row.get(f"pts_{m}", np.nan))).astype(bool)
    ex = ex.loc[scored].copy()
    if ex.empty:
        return pd.DataFrame(columns=LEVER_COLUMNS)
    # the metric weights within each dimension and the dimension weights over the scored ones, each summing to 1
    ex["metric_weight"] = ex["metric_weight"] / ex.groupby("dimension")["metric_weight"].transform("sum")
    dims = ex.drop_duplicates("dimension").set_index("dimension")["dimension_weight"]
    ex["weight"] = ex["metric_weight"] * ex["dimension"].map(dims / dims.sum())
    rows = []
    for m, weight in zip(ex["metric"], ex["weight"]):
        ms = spec(m)
        target = config.targets.get(ms.target_key) if ms.target_key else None
        value = row.get(m, np.nan)
        if target is None or value is None or pd.isna(value):
            continue
        if (value <= target) if ms.lower_is_better else (value >= target):
            continue  # meets its target already
        now = float(row[f"pts_{m}"])
        at_target = float(points(float(target), config.scoring.curves[m], name=m))
        gain = round(max(0.0, at_target - now) * float(weight), 9)
        if gain <= 0:
            continue
        after = float(overall) + gain
        rows.append(
            {
                "metric": m,
                "label": ms.label,
                "value": float(value),
                "target": float(target),
                "points": now,
                "points_at_target": at_target,
                "weight": float(weight),
                "score_gain": gain,
                "score_after": after,
                "grade_after": str(grade_for(after, config.scoring.grades)),
            }
        )
    out = pd.DataFrame(rows, columns=LEVER_COLUMNS)
    return out.sort_values("score_gain", ascending=False, kind="stable").reset_index(drop=True)
