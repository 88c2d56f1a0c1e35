"""Action plans: whether closed actions worked.

An action log has one row per corrective or improvement action agreed with a
supplier (columns of :data:`~supplier_analytics.schema.ACTIONS`: supplier,
action id, opened, owner, description, due, status, closed, and optionally
the targeted metric). :func:`~supplier_analytics.ingest.read_actions` reads it
from Excel, CSV or parquet (or checks a DataFrame) like every other input;
:func:`compare_before_after` asks, for each closed
action, whether the targeted metric is better in the months after closure
than in the months before the action was opened, with a two-proportion test,
so that the team learns which actions worked.

Examples
--------
>>> log = pd.DataFrame({"supplier_id": ["S1"], "action_id": ["A-1"], "opened": ["2026-01-15"],
...                     "status": ["Closed"], "closed": ["2026-03-31"]})
>>> read_actions(log)[["supplier_id", "action_id", "status", "closed"]].to_dict("records")
[{'supplier_id': 'S1', 'action_id': 'A-1', 'status': 'closed', 'closed': Timestamp('2026-03-31 00:00:00')}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.ingest.actions import read_actions
from supplier_analytics.stats import benjamini_hochberg, two_proportion_test

__all__ = ["read_actions", "compare_before_after", "open_actions", "has_lines", "ACTION_METRICS",
           "BEFORE_AFTER_COLUMNS"]

#: Metrics an action can target: metric -> (records, date column, flag column, higher is better, unit).
#: Each is a share of independent records (lines, lots, requests), so the two-proportion test fits.
#: The reader accepts the names of :data:`supplier_analytics.schema.ACTION_METRIC_NAMES`, the same keys.
ACTION_METRICS = {
    "otif_rate": ("lines", "date_received", "otif", True, "delivery lines"),
    "on_time_rate": ("lines", "date_received", "on_time", True, "delivery lines"),
    "in_full_rate": ("lines", "date_received", "in_full", True, "delivery lines"),
    "late_rate": ("lines", "date_received", "late", False, "delivery lines"),
    "early_rate": ("lines", "date_received", "early", False, "delivery lines"),
    "lot_rejection_rate": ("lots", "date", "rejected", False, "inspection lots"),
    "within_sla_rate": ("requests", "date_sent", "within_sla", True, "requests"),
    "capa_on_time_rate": ("requests", "date_sent", "capa_on_time", True, "corrective-action requests"),
}

#: Columns of the frame :func:`compare_before_after` returns.
BEFORE_AFTER_COLUMNS = [
    "supplier_id", "action_id", "metric", "status", "opened", "closed", "owner", "description",
    "before_from", "before_to", "before_k", "before_n", "before",
    "after_from", "after_to", "after_k", "after_n", "after",
    "difference", "low", "high", "p_value", "q_value", "after_complete", "verdict",
]

def open_actions(actions, supplier_id=None) -> pd.DataFrame:
    """Actions not closed or cancelled (optionally of one supplier), earliest due first."""
    log = read_actions(actions)
    done = log["status"].isin(["closed", "cancelled"]).to_numpy(dtype=bool)
    out = log.loc[~done]
    if supplier_id is not None:
        out = out.loc[out["supplier_id"] == str(supplier_id)]
    return out.sort_values(["due", "opened"], na_position="last", kind="stable").reset_index(drop=True)


def has_lines(result) -> bool:
    """Whether ``result`` carries judged records (a MetricsResult, or any object with ``lines``), without
    asking for them: a large MetricsResult judges its records only when they are first read."""
    return isinstance(getattr(type(result), "lines", None), property) or hasattr(result, "lines")


def _records(source) -> tuple[object, pd.Timestamp]:
    result = getattr(source, "metrics", source)
    if not has_lines(result) or not hasattr(result, "as_of"):
        raise InputError(f"compare_before_after needs a Scorecard or a MetricsResult, not {type(source).__name__}; "
                         "pass score(...) or compute_metrics(...).")
    return result, pd.Timestamp(result.as_of)


def compare_before_after(source, actions, *, window_months: int = 3, default_metric: str = "otif_rate",
                         fdr: float = 0.05, min_records: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """For each closed action: the targeted metric before it was opened against after it was closed.

    Parameters
    ----------
    source : Scorecard or MetricsResult
        Its judged records (delivery lines, lots, requests, including those
        before the evaluation window) are counted; excluded records are not.
    actions : DataFrame or path
        The action log (see :func:`read_actions`).
    window_months : int, default 3
        Length of each side: ``[opened - window_months, opened)`` before and
        ``(closed, closed + window_months]`` after. The time between opening
        and closing is left out: the action was being worked on.
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
        with its Newcombe interval ``low``/``high`` and the pooled z-test
        ``p_value`` (:func:`~supplier_analytics.stats.two_proportion_test`),
        ``q_value`` (BH across the compared actions), ``after_complete``
        (False while the after-window reaches past the as-of date) and
        ``verdict``: "improved", "worse" or "no clear change" (q-value above
        ``fdr``), "too little data", "not closed" or "cancelled".
    """
    if window_months < 1:
        raise InputError(f"window_months must be at least 1, got {window_months!r}.")
    if default_metric not in ACTION_METRICS:
        raise InputError(f"default_metric {default_metric!r} is not comparable; use one of {', '.join(ACTION_METRICS)}.")
    result, as_of = _records(source)
    log = read_actions(actions)
    months = pd.DateOffset(months=int(window_months))
    rows = []
    for a in log.itertuples(index=False):
        metric = a.metric if isinstance(a.metric, str) else default_metric
        attr, date_col, flag, higher, _unit = ACTION_METRICS[metric]
        row = {"supplier_id": a.supplier_id, "action_id": a.action_id, "metric": metric, "status": a.status,
               "opened": a.opened, "closed": a.closed, "owner": a.owner, "description": a.description}
        if a.status != "closed":
            row["verdict"] = "cancelled" if a.status == "cancelled" else "not closed"
            rows.append(row)
            continue
        rec = getattr(result, attr, None)
        bounds = {"before": (a.opened - months, a.opened), "after": (a.closed, a.closed + months)}
        for side, (lo, hi) in bounds.items():
            row[f"{side}_from"], row[f"{side}_to"] = lo, hi
            if rec is None:
                k = n = 0.0
            else:
                mine = rec.loc[(rec["supplier_id"].astype(str) == str(a.supplier_id))
                               & rec["status"].isin(["judged", "before window"]) & rec[flag].notna()]
                d = mine[date_col]
                inside = (d >= lo) & (d < hi) if side == "before" else (d > lo) & (d <= hi)
                f = mine.loc[inside.to_numpy(dtype=bool), flag].astype(bool)
                k, n = float(f.sum()), float(len(f))
            row[f"{side}_k"], row[f"{side}_n"] = k, n
            row[side] = k / n if n else np.nan
        row["after_complete"] = bool(a.closed + months <= as_of)
        rows.append(row)
    out = pd.DataFrame(rows, columns=BEFORE_AFTER_COLUMNS)
    for c in ("before_k", "before_n", "after_k", "after_n", "before", "after"):
        out[c] = out[c].astype(float)
    ok = (out["before_n"] >= min_records) & (out["after_n"] >= min_records)
    t = two_proportion_test(out["after_k"].fillna(0).to_numpy(), out["after_n"].fillna(0).to_numpy(),
                            out["before_k"].fillna(0).to_numpy(), out["before_n"].fillna(0).to_numpy(),
                            confidence=confidence)
    for c in ("difference", "low", "high", "p_value"):
        out[c] = np.where(ok, np.asarray(getattr(t, c), dtype=float), np.nan)
    reject, q = benjamini_hochberg(out["p_value"].to_numpy(dtype=float), fdr)
    out["q_value"] = q
    higher = out["metric"].map(lambda m: ACTION_METRICS[m][3]).astype(bool).to_numpy()
    better = np.where(higher, out["difference"] > 0, out["difference"] < 0)
    verdict = np.where(reject, np.where(better, "improved", "worse"), "no clear change")
    verdict = np.where(ok, verdict, "too little data")
    closed = out["status"].eq("closed").to_numpy(dtype=bool)
    out["verdict"] = np.where(closed, verdict, out["verdict"].astype(object))
    out["after_complete"] = out["after_complete"].astype("boolean")
    for c in ("verdict", "metric", "status"):
        out[c] = out[c].astype("string")
    out.attrs["method"] = (
        f"Each closed action: the share of its records (delivery lines, inspection lots or requests) behind "
        f"the targeted metric in the {window_months} months before it was opened against the {window_months} "
        f"months after it was closed (excluded records left out), two-proportion z-test with Newcombe's "
        f"interval, Benjamini-Hochberg false discovery rate {fdr:g} across the {int(ok.sum())} actions compared; "
        f"fewer than {min_records} records on a side: too little data."
    )
    return out
