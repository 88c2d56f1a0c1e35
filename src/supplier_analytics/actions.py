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
from supplier_analytics.signals import (
    RECORD_SHARES,
    SIGNAL_COLUMNS,
    RecordBins,
    compare_sides,
    method_text,
    record_flags,
)

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
    baseline_months: int | None = None,
) -> pd.DataFrame:
    """For each closed action: the targeted metric before it was opened against after it was closed.

    An action is usually opened because the supplier had a bad spell, so the months just before it were
    often unusually bad: part of any improvement is the return to the supplier's usual level, which would
    have come without the action (regression to the mean). Simulated without any real change (40
    suppliers without trends, 400 lines a month, monthly rates varying as in ``bench/simulate.py``; the
    supplier with the worst 3 months acted on, a 2-month gap), that supplier was called "improved" in
    23-28 % of 400 bases with the default 3 months a side, and in 2 % with ``baseline_months=12``.
    Compare with a longer baseline (``baseline_months``, e.g. 12) before calling an action a success.

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
    baseline_months : int, optional
        When given, the before side is the ``baseline_months`` months before
        the action was opened, ``[opened - baseline_months, opened)``, instead
        of ``window_months``: a longer baseline (e.g. 12) that a bad spell
        before the action weighs less in. At least 2.

    Returns
    -------
    DataFrame
        Columns :data:`BEFORE_AFTER_COLUMNS`, one row per action of the log:
        counts ``_k`` (records with the flag: OTIF lines, rejected lots ...)
        among ``_n`` and the rate of each side, ``difference`` (after - before)
        with its interval ``low``/``high`` and ``p_value`` from the months of
        each side (each side needs records in 2 of them), ``q_value`` (BH
        across the compared actions): the one comparison of
        :func:`~supplier_analytics.signals.compare`;
        ``after_complete`` (False while the after-window reaches past the
        as-of date) and ``verdict``: "improved", "worse" or "no clear change"
        (q-value above ``fdr``), "too little data", "not closed" or "cancelled".
        ``attrs["method"]`` says all this, with the warning above, in one
        paragraph.

    Notes
    -----
    The month-to-month variation of the rate is estimated, for each action,
    from the same months of every supplier with records of the metric (one
    action alone gives about one degree of freedom); actions with the same
    metric and dates share these counts. Each metric's records are sorted
    once (:class:`~supplier_analytics.signals.RecordBins`), so a log of many
    actions costs a look-up per supplier and month edge for each action.
    """
    if window_months < 2:
        raise InputError(
            f"window_months must be at least 2, got {window_months!r}: one month a side cannot show how much the "
            "rate varies between months, so no action could be tested; use 3 (the default) or more."
        )
    if baseline_months is not None and baseline_months < 2:
        raise InputError(
            f"baseline_months must be at least 2, got {baseline_months!r}: one month cannot show how much the "
            "rate varies between months; use e.g. 12, or leave it out for window_months."
        )
    if default_metric not in ACTION_METRICS:
        raise InputError(
            f"default_metric {default_metric!r} is not comparable; use one of {', '.join(ACTION_METRICS)}."
        )
    result = _result_of(card_or_result)
    as_of = pd.Timestamp(result.as_of)
    log = read_actions(actions)
    width = int(window_months)
    months = pd.DateOffset(months=width)
    widths = {"before": width if baseline_months is None else int(baseline_months), "after": width}
    bins: dict[str, RecordBins] = {}  # metric -> every supplier's records, sorted once
    # The other suppliers over the same months inform how much the metric varies from month to month (one
    # action alone gives about one degree of freedom); they are not compared themselves. Actions with the
    # same metric and dates share their counts and one pool (a supplier's second such action starts another,
    # so that each pool holds every supplier once).
    pools: dict[tuple, dict] = {}
    shared: list[dict] = []
    rows = []
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
        if metric not in bins:
            f = record_flags(result, metric, needed_by="compare_before_after")
            bins[metric] = RecordBins(f["date"], f["flag"], f["supplier_id"])
        sid = str(a.supplier_id)
        before = pd.DateOffset(months=widths["before"])
        bounds = {"before": (a.opened - before, a.opened), "after": (a.closed, a.closed + months)}
        pool = pools.get((metric, a.opened, a.closed))
        if pool is None or sid in pool["suppliers"]:
            counts = [
                bins[metric].month_counts(lo, widths[side], end=hi, after_start=side == "after")
                for side, (lo, hi) in bounds.items()
            ]
            pool = {"label": f"{metric} {len(shared)}", "metric": metric, "counts": counts, "suppliers": []}
            pools[(metric, a.opened, a.closed)] = pool
            shared.append(pool)
        pool["suppliers"].append(sid)
        at = bins[metric].index.get_indexer([sid])[0]
        for (side, (lo, hi)), (k, n) in zip(bounds.items(), pool["counts"]):
            row[f"{side}_from"], row[f"{side}_to"] = lo, hi
            row[f"{side}_period_k"], row[f"{side}_period_n"] = (
                (k[at], n[at]) if at >= 0 else (np.zeros(widths[side]),) * 2
            )
        row["pool"] = pool["label"]
        row["after_complete"] = bool(a.closed + months <= as_of)
        rows.append(row)
    periods = [f"{side}_period_{x}" for side in ("before", "after") for x in ("k", "n")]
    out = pd.DataFrame(rows, columns=[*BEFORE_AFTER_COLUMNS, *periods, "pool"])
    for c in periods:  # actions not closed have no sides: empty periods, never tested
        empty = np.zeros(widths[c.split("_")[0]])
        out[c] = [x if isinstance(x, np.ndarray) else empty for x in out[c]]
    row_pool = out["pool"].where(out["status"].eq("closed"), "not closed").to_numpy(dtype=object)
    ref: list[list[np.ndarray]] = [[], [], [], []]
    ref_pool: list[str] = []
    for pool in shared:  # every supplier of the metric but the pool's own, in the order of their records
        others = ~bins[pool["metric"]].index.isin(pool["suppliers"])
        for i, x in enumerate(c for k_n in pool["counts"] for c in k_n):
            ref[i].append(x[others])
        ref_pool.extend([pool["label"]] * int(others.sum()))
    empty_ref = [np.zeros((0, widths[side])) for side in ("before", "before", "after", "after")]
    reference = (*(np.vstack(x) if x else e for x, e in zip(ref, empty_ref)), np.asarray(ref_pool, dtype=object))
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
    test = method_text(
        stats.attrs["autocorrelation"],
        pooled="for each action over every supplier's counts of the same months and metric",
        median_over="actions",
    )
    baseline = "" if baseline_months is None else " (the baseline)"
    out.attrs["method"] = (
        f"Each closed action: the share of its records (delivery lines, inspection lots or requests) behind "
        f"the targeted metric in the {widths['before']} months before it was opened{baseline} against the "
        f"{window_months} months after it was closed (excluded records left out), month by month: {test}; "
        f"Benjamini-Hochberg false discovery rate {fdr:g} across the {n_compared} actions compared; "
        f"fewer than {min_records} records on a side: too little data. The months before an action often were "
        "unusually bad, which is why it was opened: part of any improvement is the return to the usual level, "
        "so compare with a longer baseline (baseline_months, e.g. 12) before calling the action a success."
    )
    return out
