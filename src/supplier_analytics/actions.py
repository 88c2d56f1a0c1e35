"""Action plans: the action log and whether closed actions worked.

An action log has one row per corrective or improvement action agreed with a
supplier (columns of :data:`~supplier_analytics.schema.ACTIONS`: supplier,
action id, opened, owner, description, due, status, closed, and optionally
the targeted metric). :func:`read_actions` reads it from Excel or CSV (or
checks a DataFrame); :func:`compare_before_after` asks, for each closed
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

import re
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.schema import ACTION_STATUSES, ACTIONS
from supplier_analytics.signals import RECORD_SHARES, compare, record_flags

__all__ = ["read_actions", "compare_before_after", "open_actions", "ACTION_METRICS", "BEFORE_AFTER_COLUMNS"]

#: Metrics an action can target: shares of independent records (lines, lots, requests), so the
#: two-proportion test fits (:data:`~supplier_analytics.signals.RECORD_SHARES`; the catalogue says which
#: records and flag are behind each and which direction is better).
ACTION_METRICS = RECORD_SHARES

#: Columns of the frame :func:`compare_before_after` returns.
BEFORE_AFTER_COLUMNS = [
    "supplier_id", "action_id", "metric", "status", "opened", "closed", "owner", "description",
    "before_from", "before_to", "before_k", "before_n", "before",
    "after_from", "after_to", "after_k", "after_n", "after",
    "difference", "low", "high", "p_value", "q_value", "after_complete", "verdict",
]

_SYNONYMS = {
    "supplier_id": ("supplier_id", "supplier", "vendor", "vendor_id", "supplier_no", "vendor_no", "lieferant"),
    "action_id": ("action_id", "action", "action_no", "action_number", "capa", "8d", "reference", "massnahme"),
    "opened": ("opened", "date_opened", "open_date", "opened_on", "start", "start_date", "eroeffnet"),
    "owner": ("owner", "responsible", "action_owner", "verantwortlich"),
    "description": ("description", "action_text", "text", "what", "beschreibung"),
    "due": ("due", "due_date", "date_due", "target_date", "faellig"),
    "status": ("status", "state"),
    "closed": ("closed", "date_closed", "close_date", "closed_on", "abgeschlossen"),
    "metric": ("metric", "targeted_metric", "target_metric", "kpi"),
}


def _norm(label) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(label).strip().lower()).strip("_")


def _header_map(labels) -> dict[str, int]:
    lookup = {_norm(sp): canon for canon, sps in _SYNONYMS.items() for sp in sps}
    out: dict[str, int] = {}
    for j, label in enumerate(labels):
        canon = lookup.get(_norm(label))
        if canon is not None and canon not in out:
            out[canon] = j
    return out


def _frame_from_file(path: Path, sheet) -> tuple[pd.DataFrame, np.ndarray]:
    """(raw frame with canonical column names, user-visible row numbers) from an xlsx/csv/parquet file."""
    from supplier_analytics.ingest.readers import iter_sheets

    best = None
    for raw in iter_sheets(path, sheet=sheet):
        grid = raw.grid
        if raw.header is not None:
            cols = _header_map(raw.header)
            frame = pd.DataFrame({c: grid.iloc[:, j].to_numpy(dtype=object) for c, j in cols.items()})
            rows = np.asarray(raw.row_numbers)
            if set(ACTIONS.required) <= set(cols):
                return frame, rows
            best = best or (cols, raw.name)
            continue
        for i in range(min(30, len(grid))):
            cols = _header_map(grid.iloc[i].tolist())
            if set(ACTIONS.required) <= set(cols):
                body = grid.iloc[i + 1:]
                frame = pd.DataFrame({c: body.iloc[:, j].to_numpy(dtype=object) for c, j in cols.items()})
                return frame, np.asarray(raw.row_numbers)[i + 1:]
            if best is None or len(cols) > len(best[0]):
                best = (cols, raw.name)
    found = sorted(best[0]) if best else []
    missing = [c for c in ACTIONS.required if c not in found]
    raise InputError(
        f"{path.name} lacks the action-log column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
        f"name the header row's columns {', '.join(ACTIONS.required)} (optional: "
        f"{', '.join(ACTIONS.optional)})."
    )


def _empty(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def _text(value, *, ident: bool) -> object:
    if _empty(value):
        return pd.NA
    if ident and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value):
    if _empty(value):
        return pd.NaT
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # an Excel serial day
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=float(value))
    return pd.Timestamp(value)


def read_actions(source, *, sheet=None) -> pd.DataFrame:
    """Read an action log from a file (.xlsx, .csv, .parquet) or check one given as a DataFrame.

    Parameters
    ----------
    source : str, Path or DataFrame
        The action log. Headers are matched ignoring case, spaces and
        punctuation (``Action ID``, ``Date opened``, ``Due date`` ...); the
        header row may sit below title rows.
    sheet : str or int, optional
        Sheet of a workbook (default: the first with the needed columns).

    Returns
    -------
    DataFrame
        Columns of :data:`~supplier_analytics.schema.ACTIONS` with their
        dtypes; ``status`` and ``metric`` lower-cased, time of day dropped from
        dates; ``source_row`` (the row as Excel shows it) for files.

    Raises
    ------
    InputError
        A required column is missing, a cell of a required column is empty,
        a date cannot be read, an action is closed without a closing date,
        closed before it was opened, or an action id repeats for a supplier.
    """
    if isinstance(source, pd.DataFrame):
        name = "the action log"
        cols = _header_map(source.columns)
        raw = pd.DataFrame({c: source.iloc[:, j].to_numpy(dtype=object) for c, j in cols.items()})
        rows = np.arange(2, len(source) + 2)  # as a sheet with one header row would show them
        missing = [c for c in ACTIONS.required if c not in cols]
        if missing:
            raise InputError(f"{name} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                             f"columns needed: {', '.join(ACTIONS.required)}.")
    else:
        path = Path(source)
        name = path.name
        raw, rows = _frame_from_file(path, sheet)
    keep = ~raw.apply(lambda r: all(_empty(v) for v in r), axis=1).to_numpy(dtype=bool) if len(raw) else \
        np.zeros(0, dtype=bool)
    raw, rows = raw.loc[keep].reset_index(drop=True), rows[keep]
    out = {}
    for col in ACTIONS.columns:
        values = raw[col.name].tolist() if col.name in raw else [None] * len(raw)
        if col.kind in ("id", "text"):
            parsed = [_text(v, ident=col.kind == "id") for v in values]
            series = pd.Series(parsed, dtype="string")
        else:
            parsed = []
            for v, r in zip(values, rows):
                try:
                    parsed.append(_date(v))
                except (ValueError, TypeError, OverflowError):
                    raise InputError(f"{name}, row {r}, column {col.name}: {v!r} is not a date; "
                                     "write dates as YYYY-MM-DD.") from None
            series = pd.Series(pd.to_datetime(pd.Series(parsed, dtype="object"), errors="raise"),
                               dtype="datetime64[ns]").dt.normalize()
        if col.required:
            empty = series.isna().to_numpy()
            if empty.any():
                raise InputError(f"{name}, row {rows[np.argmax(empty)]}: column {col.name} is empty "
                                 f"({int(empty.sum())} rows); fill it in, it is required.")
        out[col.name] = series
    frame = pd.DataFrame(out)
    frame["status"] = frame["status"].str.lower()
    frame["metric"] = frame["metric"].str.lower()
    closed = frame["status"].eq("closed").to_numpy(dtype=bool)
    no_date = closed & frame["closed"].isna().to_numpy()
    if no_date.any():
        raise InputError(f"{name}, row {rows[np.argmax(no_date)]}: the action is closed but column closed is "
                         "empty; give the date it was closed.")
    backwards = (frame["closed"] < frame["opened"]).fillna(False).to_numpy(dtype=bool)
    if backwards.any():
        raise InputError(f"{name}, row {rows[np.argmax(backwards)]}: closed is before opened; check both dates.")
    dup = frame.duplicated(["supplier_id", "action_id"]).to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise InputError(f"{name}, row {rows[i]}: action {frame['action_id'].iloc[i]} of supplier "
                         f"{frame['supplier_id'].iloc[i]} appears twice; keep one row per action.")
    bad = ~frame["metric"].isna() & ~frame["metric"].isin(list(ACTION_METRICS))
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise InputError(f"{name}, row {rows[i]}: metric {frame['metric'].iloc[i]!r} cannot be compared "
                         f"before and after; use one of {', '.join(ACTION_METRICS)}.")
    if not isinstance(source, pd.DataFrame):
        frame["source_row"] = rows.astype(np.int64)
    return frame


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
        raise InputError(f"compare_before_after needs a Scorecard or a MetricsResult, not "
                         f"{type(card_or_result).__name__}; pass score(...) or compute_metrics(...).")
    return result


_VERDICT = {"improving": "improved", "deteriorating": "worse", "no change": "no clear change",
            "not tested": "too little data"}


def compare_before_after(card_or_result, actions, *, window_months: int = 3, default_metric: str = "otif_rate",
                         fdr: float = 0.05, min_records: int = 10, confidence: float = 0.95) -> pd.DataFrame:
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
        ``p_value``, ``q_value`` (BH across the compared actions): the one
        comparison of :func:`~supplier_analytics.signals.compare`;
        ``after_complete`` (False while the after-window reaches past the
        as-of date) and ``verdict``: "improved", "worse" or "no clear change"
        (q-value above ``fdr``), "too little data", "not closed" or "cancelled".
    """
    if window_months < 1:
        raise InputError(f"window_months must be at least 1, got {window_months!r}.")
    if default_metric not in ACTION_METRICS:
        raise InputError(f"default_metric {default_metric!r} is not comparable; use one of {', '.join(ACTION_METRICS)}.")
    result = _result_of(card_or_result)
    as_of = pd.Timestamp(result.as_of)
    log = read_actions(actions)
    months = pd.DateOffset(months=int(window_months))
    flags: dict[str, dict[str, pd.DataFrame]] = {}  # metric -> supplier -> its records
    rows = []
    for a in log.itertuples(index=False):
        metric = a.metric if isinstance(a.metric, str) else default_metric
        row = {"supplier_id": a.supplier_id, "action_id": a.action_id, "metric": metric, "status": a.status,
               "opened": a.opened, "closed": a.closed, "owner": a.owner, "description": a.description}
        if a.status != "closed":
            row["verdict"] = "cancelled" if a.status == "cancelled" else "not closed"
            rows.append(row)
            continue
        if metric not in flags:
            f = record_flags(result, metric, needed_by="compare_before_after")
            flags[metric] = dict(tuple(f.groupby("supplier_id", sort=False)))
        mine = flags[metric].get(str(a.supplier_id))
        bounds = {"before": (a.opened - months, a.opened), "after": (a.closed, a.closed + months)}
        for side, (lo, hi) in bounds.items():
            row[f"{side}_from"], row[f"{side}_to"] = lo, hi
            if mine is None:
                k = n = 0.0
            else:
                d = mine["date"]
                inside = (d >= lo) & (d < hi) if side == "before" else (d > lo) & (d <= hi)
                f = mine.loc[inside.to_numpy(dtype=bool), "flag"]
                k, n = float(f.sum()), float(len(f))
            row[f"{side}_k"], row[f"{side}_n"] = k, n
        row["after_complete"] = bool(a.closed + months <= as_of)
        rows.append(row)
    out = pd.DataFrame(rows, columns=BEFORE_AFTER_COLUMNS)
    stats = compare(out["before_k"], out["before_n"], out["after_k"], out["after_n"], metric=out["metric"],
                    fdr=fdr, confidence=confidence, min_records=min_records)
    for c in ("before_k", "before_n", "after_k", "after_n"):
        out[c] = out[c].astype(float)
    for c in ("before", "after", "difference", "low", "high", "p_value", "q_value"):
        out[c] = stats[c].to_numpy()
    closed = out["status"].eq("closed").to_numpy(dtype=bool)
    out["verdict"] = np.where(closed, stats["direction"].map(_VERDICT).to_numpy(dtype=object),
                              out["verdict"].astype(object))
    out["after_complete"] = out["after_complete"].astype("boolean")
    for c in ("verdict", "metric", "status"):
        out[c] = out[c].astype("string")
    n_compared = int((closed & (stats["direction"] != "not tested").to_numpy()).sum())
    out.attrs["method"] = (
        f"Each closed action: the share of its records (delivery lines, inspection lots or requests) behind "
        f"the targeted metric in the {window_months} months before it was opened against the {window_months} "
        f"months after it was closed (excluded records left out), two-proportion z-test with Newcombe's "
        f"interval, Benjamini-Hochberg false discovery rate {fdr:g} across the {n_compared} actions compared; "
        f"fewer than {min_records} records on a side: too little data."
    )
    return out
