"""The supplier portfolio: segments by spend and performance, and the lists a review acts on.

:func:`segment_suppliers` classes every supplier by spend (ABC by cumulative share of annual spend,
largest first: **A** the suppliers making up the first 80 % of spend, **B** the next 15 %, **C** the
rest; "no spend" without ``annual_spend`` in the master) and by performance (**good**: grade A or B,
**fair**: C, **poor**: D, **unknown**: insufficient evidence; a supplier without spend is segmented by
performance alone), and names the change signals behind
"deteriorating" and "improving" (a trend alert of :func:`~supplier_analytics.trends.alerts` or the
year-on-year test of :func:`~supplier_analytics.signals.change_signals`). From the segments:
:func:`priority_list` (the relationships to prioritise), :func:`recognition_list`,
:func:`car_candidates` (suppliers for a corrective-action request, with the reasons) and
:func:`by_category`. The relationship review (:mod:`supplier_analytics.reports.review`) renders them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import label, spec
from supplier_analytics.signals import change_signals

__all__ = [
    "segment_suppliers",
    "priority_list",
    "recognition_list",
    "car_candidates",
    "by_category",
    "SPEND_SHARES",
    "CAR_METRICS",
]

#: Key metrics a corrective-action candidate is checked against (each wholly beyond its target counts).
CAR_METRICS = ("otif_rate", "ppm", "lot_rejection_rate", "within_sla_rate")

#: Cumulative spend shares closing spend classes A and B.
SPEND_SHARES = (0.80, 0.95)
_PERFORMANCE = {"A": "good", "B": "good", "C": "fair", "D": "poor"}
_SEGMENT = {
    ("A", "good"): "strategic partner: keep and develop",
    ("A", "fair"): "key supplier to develop",
    ("A", "poor"): "critical: act now",
    ("A", "unknown"): "key supplier without evidence: collect data",
    ("B", "good"): "reliable: maintain",
    ("B", "fair"): "develop",
    ("B", "poor"): "corrective action or re-source",
    ("C", "good"): "reliable: keep simple",
    ("C", "fair"): "monitor",
    ("C", "poor"): "re-source candidate",
}
#: Segments of suppliers without spend (no supplier master, no ``annual_spend``, or an empty cell): by performance alone.
_SEGMENT_NO_SPEND = {
    "good": "performs well: maintain",
    "fair": "develop",
    "poor": "corrective action or re-source",
    "unknown": "not enough evidence: collect data",
}


def _signal_sets(signals: pd.DataFrame, trend_alerts: pd.DataFrame | None, direction: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for frame, how in ((signals, "year on year"), (trend_alerts, "trend")):
        if frame is None or not len(frame):
            continue
        sel = frame.loc[frame["direction"] == direction]
        for sid, metric in zip(sel["supplier_id"].astype(str), sel["metric"].astype(str)):
            out.setdefault(sid, []).append(f"{label(metric)} ({how})")
    return out


def segment_suppliers(card, *, signals=None, trend_alerts=None) -> pd.DataFrame:
    """One row per supplier: spend class, performance class, segment, and the change signals behind them.

    Returns
    -------
    DataFrame
        ``supplier_id``, ``supplier_name``, ``category``, ``annual_spend``,
        ``spend_share``, ``spend_class`` (A/B/C, "no spend"), ``grade``,
        ``grade_probability``, ``overall_score``, ``rank``, ``rank_low``,
        ``rank_high`` (when the scorecard has them), ``performance`` (good/fair/poor/unknown),
        ``segment``, ``deteriorating`` and ``improving`` (the metrics and tests
        that say so, "; "-joined, empty when none), sorted by spend.

    Examples
    --------
    >>> class Card:  # the two attributes used
    ...     suppliers = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "annual_spend": [800.0, 150.0, 50.0],
    ...                               "grade": ["A", "D", "C"], "overall_score": [90.0, 40.0, 60.0]})
    >>> seg = segment_suppliers(Card(), signals=pd.DataFrame(columns=["supplier_id", "metric", "direction"]))
    >>> seg[["supplier_id", "spend_class", "performance", "segment"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'supplier_id': 'S1', 'spend_class': 'A', 'performance': 'good', 'segment': 'strategic partner: keep and develop'},
     {'supplier_id': 'S2', 'spend_class': 'B', 'performance': 'poor', 'segment': 'corrective action or re-source'},
     {'supplier_id': 'S3', 'spend_class': 'C', 'performance': 'fair', 'segment': 'monitor'}]
    """
    s = card.suppliers
    if signals is None:
        signals = change_signals(card)
    cols = [
        c
        for c in (
            "supplier_id",
            "supplier_name",
            "category",
            "annual_spend",
            "grade",
            "grade_probability",
            "overall_score",
            "rank",
            "rank_low",
            "rank_high",
        )
        if c in s.columns
    ]
    out = s[cols].copy()
    out["supplier_id"] = out["supplier_id"].astype(str)
    spend = out["annual_spend"].astype(float) if "annual_spend" in out else pd.Series(np.nan, index=out.index)
    total = float(np.nansum(spend))
    order = spend.sort_values(ascending=False, na_position="last", kind="stable").index
    before = spend.loc[order].fillna(0.0).cumsum() - spend.loc[order].fillna(0.0)
    share_before = before / total if total > 0 else before * np.nan
    cls = np.where(share_before < SPEND_SHARES[0], "A", np.where(share_before < SPEND_SHARES[1], "B", "C"))
    spend_class = pd.Series(cls, index=order).reindex(out.index)
    spend_class = spend_class.where(spend.notna() & (total > 0), "no spend")
    out["spend_share"] = spend / total if total > 0 else np.nan
    out["spend_class"] = spend_class.astype("string")
    grade = out["grade"].astype(str) if "grade" in out else pd.Series("insufficient evidence", index=out.index)
    out["performance"] = pd.Series(grade.map(_PERFORMANCE).fillna("unknown"), dtype="string")
    out["segment"] = pd.Series(
        [
            _SEGMENT_NO_SPEND[p] if c == "no spend" else _SEGMENT.get((c, p), "collect data")
            for c, p in zip(out["spend_class"], out["performance"])
        ],
        index=out.index,
        dtype="string",
    )
    det = _signal_sets(signals, trend_alerts, "deteriorating")
    imp = _signal_sets(signals, trend_alerts, "improving")
    out["deteriorating"] = pd.Series(
        ["; ".join(det.get(x, [])) for x in out["supplier_id"]], index=out.index, dtype="string"
    )
    out["improving"] = pd.Series(
        ["; ".join(imp.get(x, [])) for x in out["supplier_id"]], index=out.index, dtype="string"
    )
    return out.loc[order].reset_index(drop=True)


def priority_list(seg: pd.DataFrame) -> pd.DataFrame:
    """Relationships to prioritise: deteriorating first, then poor, then fair, each by spend (largest first)."""
    det = seg["deteriorating"].str.len().fillna(0).gt(0).to_numpy()
    poor = seg["performance"].eq("poor").to_numpy(dtype=bool)
    fair_big = (seg["performance"].eq("fair") & seg["spend_class"].eq("A")).to_numpy(dtype=bool)
    unknown_big = (seg["performance"].eq("unknown") & seg["spend_class"].eq("A")).to_numpy(dtype=bool)
    tier = np.select([det, poor, fair_big, unknown_big], [1, 2, 3, 4], 0)
    reason = np.select(
        [det, poor, fair_big, unknown_big],
        [
            "deteriorating: " + seg["deteriorating"].fillna("").astype(str),
            "grade D",
            "large spend, grade C",
            "large spend without enough evidence for a grade",
        ],
        "",
    )
    out = seg.assign(priority=tier, reason=reason)
    out = out.loc[tier > 0]
    spend = out["annual_spend"] if "annual_spend" in out else pd.Series(0.0, index=out.index)
    out = (
        out.assign(_spend=spend.fillna(0.0))
        .sort_values(["priority", "_spend"], ascending=[True, False], kind="stable")
        .drop(columns="_spend")
    )
    keep = [
        c
        for c in (
            "priority",
            "supplier_id",
            "supplier_name",
            "category",
            "annual_spend",
            "spend_class",
            "grade",
            "overall_score",
            "reason",
        )
        if c in out.columns
    ]
    return out[keep].reset_index(drop=True)


def recognition_list(seg: pd.DataFrame) -> pd.DataFrame:
    """Suppliers to recognise: a significant improvement without a deterioration, or grade A without one."""
    imp = seg["improving"].str.len().fillna(0).gt(0) & seg["deteriorating"].str.len().fillna(0).eq(0)
    top = seg["grade"].astype(str).eq("A") & seg["deteriorating"].str.len().fillna(0).eq(0)
    out = seg.loc[(imp | top).to_numpy(dtype=bool)].copy()
    out["why"] = np.where(
        out["improving"].str.len().fillna(0).gt(0),
        "significant improvement: " + out["improving"].fillna("").astype(str),
        "grade A, no deterioration",
    )
    keep = [
        c
        for c in ("supplier_id", "supplier_name", "category", "annual_spend", "grade", "overall_score", "why")
        if c in out.columns
    ]
    return out[keep].reset_index(drop=True)


def car_candidates(card, seg: pd.DataFrame, open_log: pd.DataFrame | None = None) -> pd.DataFrame:
    """Suppliers for a corrective-action request, with the reasons.

    A candidate has grade D, or a significant deterioration, or a quality
    metric (PPM, lot rejection) whose whole 95 % interval is beyond target;
    every key metric (:data:`CAR_METRICS`) wholly beyond target is listed
    among the reasons. Delivery shortfalls alone are development topics for
    the feedback pack. ``open_log``: the open actions, counted per supplier.
    """
    s = card.suppliers.set_index(card.suppliers["supplier_id"].astype(str))
    targets = {m: card.config.targets.get(spec(m).target_key) for m in CAR_METRICS}
    columns = [
        c
        for c in ("supplier_id", "supplier_name", "grade", "annual_spend", "deteriorating", "reasons", "open_actions")
        if c in s.columns or c not in ("supplier_name", "annual_spend")
    ]
    rows = []
    for sid, r in s.iterrows():
        reasons, quality_miss = [], False
        for m, t in targets.items():
            if t is None or m not in s.columns or pd.isna(r.get(f"{m}_low", np.nan)):
                continue
            ms = spec(m)
            miss = r[f"{m}_low"] > t if ms.lower_is_better else r[f"{m}_high"] < t
            if miss:
                reasons.append(
                    f"{ms.label} {ms.format(r[m], unit_suffix=True)} against "
                    f"{ms.format(t, unit_suffix=True)} (whole 95% interval beyond target)"
                )
                quality_miss = quality_miss or ms.dimension == "quality"
        srow = seg.loc[seg["supplier_id"] == sid]
        det = str(srow["deteriorating"].iloc[0]) if len(srow) else ""
        if str(r.get("grade")) == "D":
            reasons.insert(0, "grade D")
        if not reasons or not (str(r.get("grade")) == "D" or det or quality_miss):
            continue
        n_open = 0
        if open_log is not None and len(open_log):
            n_open = int((open_log["supplier_id"].astype(str) == sid).sum())
        row = {
            "supplier_id": sid,
            "supplier_name": r.get("supplier_name"),
            "grade": r.get("grade"),
            "annual_spend": r.get("annual_spend", np.nan),
            "deteriorating": det,
            "reasons": "; ".join(reasons),
            "open_actions": n_open,
        }
        rows.append({c: row[c] for c in columns})
    out = pd.DataFrame(rows, columns=columns)
    det_first = out["deteriorating"].fillna("").str.len().gt(0)
    spend = out["annual_spend"].astype(float).fillna(0.0) if "annual_spend" in out else 0.0
    return (
        out.assign(_d=~det_first, _s=-spend)
        .sort_values(["_d", "_s"], kind="stable")
        .drop(columns=["_d", "_s"])
        .reset_index(drop=True)
    )


def by_category(seg: pd.DataFrame) -> pd.DataFrame:
    """Suppliers, spend, median score and performance classes per category.

    Suppliers without a category are counted under "(no category)"; the frame is empty when no supplier has
    a category (no supplier master, or none in it), and has no ``annual_spend`` column when no supplier has a
    spend.
    """
    if "category" not in seg.columns or not seg["category"].notna().any():
        return pd.DataFrame()
    has_spend = "annual_spend" in seg and seg["annual_spend"].notna().any()
    g = seg.assign(category=seg["category"].astype("string").fillna("(no category)")).groupby("category", sort=True)
    out = pd.DataFrame(
        {
            "suppliers": g.size(),
            **({"annual_spend": g["annual_spend"].sum(min_count=1)} if has_spend else {}),
            "median_score": g["overall_score"].median(),
            "good": g["performance"].apply(lambda x: int((x == "good").sum())),
            "fair": g["performance"].apply(lambda x: int((x == "fair").sum())),
            "poor": g["performance"].apply(lambda x: int((x == "poor").sum())),
            "unknown": g["performance"].apply(lambda x: int((x == "unknown").sum())),
            "deteriorating": g["deteriorating"].apply(lambda x: int((x.str.len() > 0).sum())),
            "improving": g["improving"].apply(lambda x: int((x.str.len() > 0).sum())),
        }
    )
    return out.reset_index()
