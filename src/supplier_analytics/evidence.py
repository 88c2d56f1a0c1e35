"""The records behind a number.

:func:`evidence` returns, for one supplier and one metric of a scorecard, the
records the metric was computed from: judged delivery lines, inspection lots or
requests in the evaluation window, including records excluded from scoring
with their reasons. Two columns make the arithmetic checkable by hand:

- ``counts_in_metric``: the record is in the metric's denominator (judged, not
  excluded, and the metric is defined for it);
- ``counts_against``: the record is one of those that pull the metric down
  (a late or short line, a rejected lot, a request answered outside its
  service level, an open or overdue request).

So ``otif_rate == 1 - counts_against[counts_in_metric].mean()`` and
``ppm == 1e6 * quantity_defective.sum() / quantity_inspected.sum()`` over the
rows that count. Records that pull the metric down come first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import DIMENSIONS, METRICS
from supplier_analytics.errors import InputError

__all__ = ["evidence", "EVIDENCE_METRICS"]

# What the records behind a metric are (table, flag, whether the flag counts against, sort column) is the
# metric catalogue's to say. The counts of excluded and not-judged records are counted apart from the
# judged ones and have no evidence of their own here.
_COUNTED_APART = (
    "n_excluded_deliveries",
    "n_not_judged_deliveries",
    "n_open_not_counted",
    "n_excluded_inspections",
    "n_excluded_requests",
)
_EXPLAINED = tuple(m for m, s in METRICS.items() if s.records is not None and m not in _COUNTED_APART)
# For counts of responded requests and closure times the flag marks membership, not a failure.
_MEMBERSHIP_ONLY = {
    "n_responded",
    "median_response_hours",
    "p90_response_hours",
    "n_corrective_actions",
    "median_capa_closure_days",
}

#: Metrics :func:`evidence` can explain, plus ``overall_score`` and ``grade`` (a points breakdown).
EVIDENCE_METRICS = _EXPLAINED + ("overall_score", "grade")
#: Metrics whose records are the lots without an inspected quantity.
_UNINSPECTED = ("n_lots_without_quantity", "defective_quantity_uninspected")

# "open": order lines with no receipt that count in no rate (not yet due), listed with their open_state.
_SHOWN_STATUSES = ("judged", "excluded", "not judged", "open from before window", "open")
# Stock figures at the as-of date count requests still open from before the window too.
_STOCK_METRICS = {"open_requests", "overdue_requests", "open_corrective_actions"}


def _breakdown(card, row: pd.Series) -> pd.DataFrame:
    """How the overall score of one supplier is made: metric values, points and weights."""
    cfg = card.config.scoring
    dims = set(DIMENSIONS)
    used = str(row.get("dimensions_used", ""))
    rows = []
    for dim, metrics in cfg.metric_weights.items():
        for metric, w in metrics.items():
            value = row.get(metric, np.nan)
            shrunk = row.get(f"{metric}_shrunk", np.nan)
            rows.append(
                {
                    "dimension": dim,
                    "metric": metric,
                    "value": value,
                    "value_used_for_points": shrunk if pd.notna(shrunk) else value,
                    "points": row.get(f"pts_{metric}", np.nan),
                    "metric_weight": float(w),
                    "dimension_score": row.get(f"{dim}_score", np.nan),
                    "dimension_weight": float(cfg.weights.get(dim, np.nan)),
                    "dimension_used": dim in dims and dim in used,
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["overall_score"] = row.get("overall_score", np.nan)
    out.attrs["grade"] = row.get("grade")
    return out


def evidence(card, supplier_id: str, metric: str) -> pd.DataFrame:
    """The records behind ``metric`` for ``supplier_id`` in ``card``.

    Parameters
    ----------
    card : a :class:`~supplier_analytics.Scorecard` from :func:`~supplier_analytics.score`.
    supplier_id : the supplier.
    metric : a column of ``card.suppliers`` listed in :data:`EVIDENCE_METRICS`.

    Returns
    -------
    DataFrame
        The supplier's records of the evaluation window for that metric's
        dimension (excluded ones included, with ``exclusion_reason``), with the
        boolean columns ``counts_in_metric`` and ``counts_against``; records that
        pull the metric down first. For ``overall_score`` and ``grade``: one row
        per scored metric with its value, points and weights.
    """
    sid = str(supplier_id)
    suppliers = card.suppliers
    match = suppliers.index[suppliers["supplier_id"].astype(str) == sid]
    if len(match) == 0:
        raise InputError(f"Supplier {sid!r} is not in this scorecard; pick one of card.suppliers['supplier_id'].")
    if metric in ("overall_score", "grade"):
        return _breakdown(card, suppliers.loc[match[0]])
    if metric not in _EXPLAINED:
        raise InputError(f"No evidence is defined for metric {metric!r}; choose one of: {', '.join(EVIDENCE_METRICS)}.")
    spec = METRICS[metric]
    table, flag, flag_is_bad, sort_col = spec.records, spec.flag, spec.flag_against, spec.sort_by
    result = card.metrics
    records = result.records(table, sid) if hasattr(result, "records") else None
    if records is None:
        raise InputError(f"Metric {metric!r} needs {table}, which this scorecard was computed without.")
    rec = records[records["status"].isin(_SHOWN_STATUSES)].copy()
    judged = (rec["status"] == "judged").to_numpy()
    if metric in _STOCK_METRICS:
        judged = judged | (rec["status"] == "open from before window").to_numpy()
    if flag is None:
        in_metric = judged
        against = np.zeros(len(rec), dtype=bool)
    else:
        f = rec[flag]
        known = f.notna().to_numpy()
        values = f.fillna(False).astype(bool).to_numpy()
        if metric in _MEMBERSHIP_ONLY:
            in_metric = judged & known & values
            against = np.zeros(len(rec), dtype=bool)
        else:
            in_metric = judged & known
            against = in_metric & (values if flag_is_bad else ~values)
        if metric in ("ppm", "quantity_inspected", "defective_quantity") and "quantity_inspected" in rec:
            in_metric = in_metric & rec["quantity_inspected"].notna().to_numpy()
            against = against & in_metric
    if metric in _UNINSPECTED:  # the lots outside PPM: no inspected quantity; against where defects were found
        missing = (
            rec["quantity_inspected"].isna().to_numpy() if "quantity_inspected" in rec else np.ones(len(rec), bool)
        )
        in_metric = judged & missing
        against = in_metric & (rec["quantity_defective"].fillna(0.0).to_numpy() > 0)
    rec["counts_in_metric"] = in_metric
    rec["counts_against"] = against
    order = ["counts_against", "counts_in_metric"]
    ascending = [False, False]
    if sort_col is not None and sort_col in rec.columns:
        order.append(sort_col)
        ascending.append(False)
    return rec.sort_values(order, ascending=ascending, kind="stable", na_position="last").reset_index(drop=True)
