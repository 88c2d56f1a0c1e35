"""Rules of the small tables that go beyond one cell: the exclusion list and the action log.

Each function takes the parsed columns (``values``: canonical name -> Series, one entry per row of the file)
and returns ``(column, Problem)`` pairs for :func:`~supplier_analytics.ingest.read_table` to reject.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import RECORD_SHARES
from supplier_analytics.ingest._cells import Problem

__all__ = ["exclusion_rules", "action_rules"]

#: the column an exclusion must fill to name a record of each table (a delivery: its order, and line_id
#: when one line only is meant)
EXCLUSION_KEYS = {"deliveries": "po_id", "inspections": "lot_id", "requests": "request_id"}


def exclusion_rules(values: dict[str, pd.Series], n: int) -> list[tuple[str, Problem]]:
    """``table`` lower-cased and one of the record tables; the record's own id given (an exclusion without
    it would match nothing and be silently ignored).

    Examples
    --------
    >>> v = {"table": pd.Series(["Deliveries", "inspections", "orders"]), "po_id": pd.Series(["P1", None, None])}
    >>> [(c, p.reason[np.flatnonzero(p.mask)].tolist()) for c, p in exclusion_rules(v, 3)]  # doctest: +NORMALIZE_WHITESPACE
    [('table', ['table must be one of deliveries, inspections, requests']),
     ('lot_id', ['an exclusion of inspections names its lot: give lot_id (the column is missing)'])]
    """
    out: list[tuple[str, Problem]] = []
    t = values["table"].str.lower()
    values["table"] = t
    bad = (~t.isin(EXCLUSION_KEYS) & t.notna()).to_numpy(dtype=bool)
    if bad.any():
        reason = np.full(n, f"table must be one of {', '.join(EXCLUSION_KEYS)}", dtype=object)
        out.append(("table", Problem(bad, reason, "invalid value")))
    for table, key in EXCLUSION_KEYS.items():
        of_table = t.eq(table).fillna(False).to_numpy(dtype=bool)
        if key in values:
            missing = of_table & values[key].isna().to_numpy(dtype=bool)
            why = "the cell is empty"
        else:
            missing, why = of_table, "the column is missing"
        if missing.any():
            what = {"po_id": "order", "lot_id": "lot", "request_id": "request"}[key]
            reason = np.full(n, f"an exclusion of {table} names its {what}: give {key} ({why})", dtype=object)
            out.append((key, Problem(missing, reason, "missing required value")))
    return out


def action_rules(values: dict[str, pd.Series], problems, n: int) -> list[tuple[str, Problem]]:
    """The action log's own rules: status and metric lower-cased, a closed action has its closing date,
    the targeted metric is one that can be compared before and after."""
    out = []
    for c in ("status", "metric"):
        if c in values:
            values[c] = values[c].str.lower()
    closed = values["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    no_date = values["closed"].isna().to_numpy(dtype=bool) if "closed" in values else np.ones(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)  # a closing date that is there but not a date is rejected already
    for name, p in problems:
        if name == "closed":
            unreadable |= p.mask
    miss = closed & no_date & ~unreadable
    if miss.any():
        out.append(
            (
                "closed",
                Problem(
                    miss,
                    "the action is closed but column closed is empty; give the date it was closed",
                    "missing required value",
                ),
            )
        )
    if "metric" in values:
        m = values["metric"]
        bad = (m.notna() & ~m.isin(RECORD_SHARES)).to_numpy(dtype=bool)
        if bad.any():
            reason = np.empty(n, dtype=object)
            for i in np.flatnonzero(bad):
                reason[i] = (
                    f"metric {m.iloc[i]!r} cannot be compared before and after; use one of {', '.join(RECORD_SHARES)}"
                )
            out.append(("metric", Problem(bad, reason, "invalid value")))
    return out
