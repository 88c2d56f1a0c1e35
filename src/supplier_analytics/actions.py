"""Action plans: whether closed actions worked.

An action log has one row per corrective or improvement action agreed with a
supplier (columns of :data:`~supplier_analytics.schema.ACTIONS`: supplier,
action id, opened, owner, description, due, status, closed, and optionally
the targeted metric). :func:`~supplier_analytics.ingest.read_actions` reads it
from Excel, CSV or parquet (or checks a DataFrame) like every other input;
:func:`compare_before_after` asks, for each closed
action, whether the targeted metric is better in the months after closure
than in the months before the action was opened, month by month, with the
test of :func:`~supplier_analytics.signals.compare` (which allows for the
variation of a rate from month to month), so that the team learns which
actions worked.

Examples
--------
>>> log = pd.DataFrame({"supplier_id": ["S1", "S1"], "action_id": ["A-1", "A-2"],
...     "opened": ["2026-01-15", "2026-02-02"], "status": ["Closed", "Open"],
...     "closed": ["2026-03-31", None], "due": [None, "2026-04-30"]})
>>> open_actions(log)[["action_id", "status", "due"]].to_dict("records")
[{'action_id': 'A-2', 'status': 'open', 'due': Timestamp('2026-04-30 00:00:00')}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.ingest.actions import read_actions
from supplier_analytics.signals import RECORD_SHARES, SIGNAL_COLUMNS, compare_sides, month_counts, record_flags

__all__ = ["read_actions", "compare_before_after", "open_actions", "ACTION_METRICS", "BEFORE_AFTER_COLUMNS"]

#: Metrics an action can target: shares of independent records (lines, lots, requests), so the
#: before/after test fits (:data:`~supplier_analytics.signals.RECORD_SHARES`; the catalogue says which
#: records and flag are behind each and which direction is better).
ACTION_METRICS = RECORD_SHARES

#: Columns of the frame :func:`compare_before_after` returns: the action, the comparison's sides and
#: figures as in :data:`~supplier_analytics.signals.SIGNAL_COLUMNS`, and the verdict.
BEFORE_AFTER_COLUMNS = [
    "supplier_id",
    "action_id",
    "metric",
    "status",
    "opened",
    "closed",
    "owner",
    "description",
    *(c for c in SIGNAL_COLUMNS if c not in ("supplier_id", "metric", "direction")),
    "after_complete",
    "verdict",
]


def open_actions(actions, supplier_id=None) -> pd.DataFrame:
    """Actions not closed or cancelled (optionally of one supplier), earliest due first."""
    log = read_actions(actions)
    done = log["status"].isin(["closed", "cancelled"]).to_numpy(dtype=bool)
    out = log.loc[~done]
    if supplier_id is not None:
        out = out.loc[out["supplier_id"] == str(supplier_id)]
    return out.sort_values(["due", "opened"], na_position="last", kind="stable").reset_index(drop=True)


def _result_of(card_or_result):
    result = getattr(card_or_result, "metrics", card_or_result)
    if not hasattr(result, "as_of") or not {"lines", "lots", "requests"} & set(dir(result)):  # dir: no property runs
        raise InputError(
            f"compare_before_after needs a Scorecard or a MetricsResult, not "
            f"{type(card_or_result).__name__}; pass score(...) or compute_metrics(...)."
        )
    return result


_VERDICT = {
    "improving": "improved",
    "deteriorating": "worse",
    "no change": "no clear change",
    "not tested": "too little data",
}


def compare_before_after(
    card_or_result,
    actions,
    *,
    window_months: int = 3,
    default_metric: str = "otif_rate",
    fdr: float = 0.05,
    min_records: int = 10,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """For each closed action: the targeted metric before it was opened against after it was closed.

    Parameters
    ----------
    card_or_result : Scorecard or MetricsResult
        Its judged records (delivery lines, lots, requests, including those
        before the evaluation window) are counted; excluded records are not.
        A result of the dask engine keeps no records: it is refused with an
        :class:`~supplier_analytics.InputError`.
    actions : DataFrame or path
        The action log (see :func:`read_actions`).
    window_months : int, default 3
        Length of each side: ``[opened - window_months, opened)`` before and
        ``(closed, closed + window_months]`` after. The time between opening
        and closing is left out: the action was being worked on. At least 2:
        one month a side cannot show how much the rate varies between months.
    default_metric : str, default "otif_rate"
        Metric for actions whose ``metric`` is empty; one of :data:`ACTION_METRICS`.
    fdr : float, default 0.05
        Benjamini-Hochberg false discovery rate across the compared actions.
    min_records : int, default 10
        Records each side needs for a comparison.
    confidence : float, default 0.95
        Coverage of the interval of the difference.

    Returns
    -------
    DataFrame
        Columns :data:`BEFORE_AFTER_COLUMNS`, one row per action of the log:
        counts ``_k`` (records with the flag: OTIF lines, rejected lots ...)
        among ``_n`` and the rate of each side, ``difference`` (after - before)
        with its interval ``low``/``high`` and ``p_value`` from the
        ``window_months`` months of each side (each side needs records in 2 of
        them), ``q_value`` (BH across the compared actions): the one
        comparison of :func:`~supplier_analytics.signals.compare`;
        ``after_complete`` (False while the after-window reaches past the
        as-of date) and ``verdict``: "improved", "worse" or "no clear change"
        (q-value above ``fdr``), "too little data", "not closed" or "cancelled".
    """
    if window_months < 2:
        raise InputError(
            f"window_months must be at least 2, got {window_months!r}: one month a side cannot show how much the "
            "rate varies between months, so no action could be tested; use 3 (the default) or more."
        )
    if default_metric not in ACTION_METRICS:
        raise InputError(
            f"default_metric {default_metric!r} is not comparable; use one of {', '.join(ACTION_METRICS)}."
        )
    result = _result_of(card_or_result)
    as_of = pd.Timestamp(result.as_of)
    log = read_actions(actions)
    months = pd.DateOffset(months=int(window_months))
    flags: dict[str, dict[str, pd.DataFrame]] = {}  # metric -> supplier -> its records
    every: dict[str, pd.DataFrame] = {}  # metric -> every supplier's records
    rows = []
    # the other suppliers over the same months: they inform how much the metric varies from month to month
    # (one action alone gives about one degree of freedom), and are not compared themselves
    ref: list[list[np.ndarray]] = [[], [], [], []]
    ref_pool: list[str] = []
    pool: list[str] = []
    for a in log.itertuples(index=False):
        metric = a.metric if isinstance(a.metric, str) else default_metric
        row = {
            "supplier_id": a.supplier_id,
            "action_id": a.action_id,
            "metric": metric,
            "status": a.status,
            "opened": a.opened,
            "closed": a.closed,
            "owner": a.owner,
            "description": a.description,
        }
        if a.status != "closed":
            row["verdict"] = "cancelled" if a.status == "cancelled" else "not closed"
            rows.append(row)
            continue
        if metric not in flags:
            f = record_flags(result, metric, needed_by="compare_before_after")
            flags[metric] = dict(tuple(f.groupby("supplier_id", sort=False)))
            every[metric] = f
        mine = flags[metric].get(str(a.supplier_id))
        bounds = {"before": (a.opened - months, a.opened), "after": (a.closed, a.closed + months)}
        label = f"{metric} {len(pool)}"
        others = pd.Index([x for x in flags[metric] if x != str(a.supplier_id)])
        f = every[metric]
        for j, (side, (lo, hi)) in enumerate(bounds.items()):
            row[f"{side}_from"], row[f"{side}_to"] = lo, hi
            if mine is None:
                k = n = np.zeros(int(window_months))
            else:
                k, n = month_counts(mine["date"], mine["flag"], lo, window_months, end=hi, after_start=side == "after")
                k, n = k[0], n[0]
            row[f"{side}_period_k"], row[f"{side}_period_n"] = k, n
            rk, rn = month_counts(
                f["date"],
                f["flag"],
                lo,
                window_months,
                end=hi,
                groups=f["supplier_id"],
                index=others,
                after_start=j == 1,
            )
            ref[2 * j].append(rk)
            ref[2 * j + 1].append(rn)
        ref_pool.extend([label] * len(others))
        pool.append(label)
        row["after_complete"] = bool(a.closed + months <= as_of)
        rows.append(row)
    periods = [f"{side}_period_{x}" for side in ("before", "after") for x in ("k", "n")]
    out = pd.DataFrame(rows, columns=[*BEFORE_AFTER_COLUMNS, *periods])
    empty = [np.zeros(int(window_months))] * len(out)
    for c in periods:  # actions not closed have no sides: empty periods, never tested
        out[c] = [x if isinstance(x, np.ndarray) else e for x, e in zip(out[c], empty)]
    labels = iter(pool)
    row_pool = [next(labels) if st == "closed" else "not closed" for st in out["status"]]
    width = int(window_months)
    reference = (*(np.vstack(x) if x else np.zeros((0, width)) for x in ref), np.asarray(ref_pool, dtype=object))
    stats = compare_sides(
        out, fdr=fdr, confidence=confidence, min_records=min_records, pool=row_pool, reference=reference
    )
    out = out[BEFORE_AFTER_COLUMNS].copy()
    for c in ("before_k", "before_n", "after_k", "after_n"):
        out[c] = np.where(out["status"].eq("closed"), stats[c].to_numpy(), np.nan)
    for c in ("before", "after", "difference", "low", "high", "p_value", "q_value"):
        out[c] = stats[c].to_numpy()
    closed = out["status"].eq("closed").to_numpy(dtype=bool)
    out["verdict"] = np.where(
        closed, stats["direction"].map(_VERDICT).to_numpy(dtype=object), out["verdict"].astype(object)
    )
    out["after_complete"] = out["after_complete"].astype("boolean")
    for c in ("verdict", "metric", "status"):
        out[c] = out[c].astype("string")
    n_compared = int((closed & (stats["direction"] != "not tested").to_numpy()).sum())
    out.attrs["autocorrelation"] = stats.attrs["autocorrelation"]
    out.attrs["method"] = (
        f"Each closed action: the share of its records (delivery lines, inspection lots or requests) behind "
        f"the targeted metric in the {window_months} months before it was opened against the {window_months} "
        f"months after it was closed (excluded records left out), month by month: {stats.attrs['method']}; "
        f"Benjamini-Hochberg false discovery rate {fdr:g} across the {n_compared} actions compared; "
        f"fewer than {min_records} records on a side: too little data."
    )
    return out
