"""Judged records -> per supplier x period sufficient statistics that merge by addition.

:func:`aggregate` sums the records of :mod:`~supplier_analytics.records` into :class:`PeriodStats`:
per (supplier_id, period) counts and sums -- and sparse histograms for medians and percentiles --
that add up. :func:`merge_stats` / :func:`combine` merge the statistics of partitions; the merged
statistics equal those of the whole data as long as all receipts of one order line sit in the same
partition (partition by supplier or purchase order; every other record stands alone).

Exact medians and percentiles
-----------------------------
Days late are whole days, so a sparse histogram (one row per supplier, period
and distinct value) merges by addition and gives exact quantiles. Response and
corrective-action closure times are kept the same way in **whole minutes**
(rounded), so their medians and p90 are exact to the minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.config import Config, load_config
from supplier_analytics.errors import InputError
from supplier_analytics.records import BEFORE_WINDOW, EXCLUDED, JUDGED, NOT_JUDGED, OPEN_FROM_BEFORE, OPEN_LINE
from supplier_analytics.tables import ScoringContext, evaluation_window, resolve_as_of

__all__ = ["PeriodStats", "KEYS", "aggregate", "merge_stats", "combine"]

#: The keys of every statistics frame (some add request_type, defect_code or a histogram value).
KEYS = ["supplier_id", "period"]


@dataclass(frozen=True)
class PeriodStats:
    """Mergeable per (supplier_id, period) sufficient statistics.

    Attributes
    ----------
    delivery : per (supplier_id, period): n_lines, n_deliveries (judged), n_excluded_deliveries,
        n_not_judged, n_open_past_due (open lines past due, judged: in n_deliveries), n_open_not_counted
        (open lines left out of the rates), on_time_k, early_k, late_k, in_full_n, in_full_k, otif_n, otif_k,
        qty_on_time, qty_ordered, qty_lines, qty_on_time_sq, qty_cross, qty_ordered_sq (per line: for the
        clustered interval), days_late_sum, lead_n, lead_sum, lead_sumsq.
    days_late : sparse histogram (supplier_id, period, days_late, count).
    quality : per (supplier_id, period): n_inspections, n_excluded_inspections, quantity_inspected,
        ppm_defective (defective quantity in lots with a quantity inspected), defective_quantity,
        lot_n, lot_k, ppm_k_sq, ppm_cross, ppm_n_sq (per lot: for the clustered interval), n_incidents,
        downtime_minutes, downtime_n (lots with a downtime figure), n_lots_without_quantity (judged lots
        and reports without an inspected quantity) and defective_uninspected (their defective quantity).
    defects : per (supplier_id, period, defect_code): lots, defective_quantity.
    responsiveness : per (supplier_id, period, request_type): n_requests, n_excluded_requests,
        n_responded, sla_n, sla_k, open_requests, overdue_requests, n_corrective_actions,
        capa_closed, capa_n, capa_k, open_corrective_actions.
    response_minutes, capa_minutes : sparse histograms (supplier_id, period, request_type, minutes, count).
    suppliers : every supplier seen in the inputs (also those without records in the window).
    freq, window, as_of : period frequency, (first, last) day of the window and the as-of date.
    has : which inputs fed the statistics ("deliveries", "quantity_received", "inspections",
        "quantity_inspected", "downtime_minutes", "requests").
    """

    delivery: pd.DataFrame
    days_late: pd.DataFrame
    quality: pd.DataFrame
    defects: pd.DataFrame
    responsiveness: pd.DataFrame
    response_minutes: pd.DataFrame
    capa_minutes: pd.DataFrame
    suppliers: tuple[str, ...]
    freq: str
    window: tuple[pd.Timestamp, pd.Timestamp]
    as_of: pd.Timestamp
    has: frozenset = field(default_factory=frozenset)

    FRAMES = ("delivery", "days_late", "quality", "defects", "responsiveness", "response_minutes", "capa_minutes")


_DELIVERY_SUMS = [
    "n_lines",
    "n_deliveries",
    "n_excluded_deliveries",
    "n_not_judged",
    "n_open_past_due",
    "n_open_not_counted",
    "on_time_k",
    "early_k",
    "late_k",
    "in_full_n",
    "in_full_k",
    "otif_n",
    "otif_k",
    "qty_on_time",
    "qty_ordered",
    "qty_lines",
    "qty_on_time_sq",
    "qty_cross",
    "qty_ordered_sq",
    "days_late_sum",
    "lead_n",
    "lead_sum",
    "lead_sumsq",
]
_QUALITY_SUMS = [
    "n_inspections",
    "n_excluded_inspections",
    "quantity_inspected",
    "ppm_defective",
    "defective_quantity",
    "lot_n",
    "lot_k",
    "ppm_k_sq",
    "ppm_cross",
    "ppm_n_sq",
    "n_incidents",
    "downtime_minutes",
    "downtime_n",
    "n_lots_without_quantity",
    "defective_uninspected",
]
_RESP_SUMS = [
    "n_requests",
    "n_excluded_requests",
    "n_responded",
    "sla_n",
    "sla_k",
    "open_requests",
    "overdue_requests",
    "n_corrective_actions",
    "capa_closed",
    "capa_n",
    "capa_k",
    "open_corrective_actions",
]
_FRAME_KEYS = {
    "delivery": KEYS,
    "days_late": [*KEYS, "days_late"],
    "quality": KEYS,
    "defects": [*KEYS, "defect_code"],
    "responsiveness": [*KEYS, "request_type"],
    "response_minutes": [*KEYS, "request_type", "minutes"],
    "capa_minutes": [*KEYS, "request_type", "minutes"],
}
_FRAME_VALUES = {
    "delivery": _DELIVERY_SUMS,
    "days_late": ["count"],
    "quality": _QUALITY_SUMS,
    "defects": ["lots", "defective_quantity"],
    "responsiveness": _RESP_SUMS,
    "response_minutes": ["count"],
    "capa_minutes": ["count"],
}
_FLOAT_VALUES = {
    "qty_on_time",
    "qty_ordered",
    "qty_on_time_sq",
    "qty_cross",
    "qty_ordered_sq",
    "ppm_k_sq",
    "ppm_cross",
    "ppm_n_sq",
    "days_late_sum",
    "lead_sum",
    "lead_sumsq",
    "quantity_inspected",
    "ppm_defective",
    "defective_quantity",
    "downtime_minutes",
    "defective_uninspected",
}


def _empty(name: str, freq: str) -> pd.DataFrame:
    cols = {}
    for k in _FRAME_KEYS[name]:
        if k == "period":
            cols[k] = pd.Series([], dtype=pd.PeriodDtype(freq))
        elif k in ("days_late", "minutes"):
            cols[k] = pd.Series([], dtype="int64")
        else:
            cols[k] = pd.Series([], dtype="string")
    for v in _FRAME_VALUES[name]:
        cols[v] = pd.Series([], dtype="float64" if v in _FLOAT_VALUES else "int64")
    return pd.DataFrame(cols)


def _key_codes(values, kind: str):
    """(codes 0..k-1 in sorted order, decoder from codes to the key's values)."""
    if kind == "period":
        arr = pd.array(values) if not isinstance(values, pd.arrays.PeriodArray) else values
        ords = arr.asi8
        lo = int(ords.min())
        return ords - lo, lambda c: pd.arrays.PeriodArray(c + lo, dtype=arr.dtype)
    if kind == "int":
        v = np.asarray(values, dtype=np.int64)
        lo = int(v.min())
        return v - lo, lambda c: c + lo
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = values if isinstance(values, pd.Categorical) else pd.Categorical(values)
        raw = cat.codes
        if len(raw) and raw.min() >= 0:  # no missing value: rank the categories, map the codes
            cats = pd.Index(cat.categories, dtype="string")
            order = np.argsort(cats.to_numpy(dtype=object), kind="stable")
            rank = np.empty(len(cats), dtype=np.int64)
            rank[order] = np.arange(len(cats))
            sorted_cats = cats.take(order)
            return rank[raw], lambda c: pd.array(sorted_cats.take(c), dtype="string")
    codes, uniques = pd.factorize(pd.array(values, dtype="string"), sort=True, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), lambda c: pd.array(uniques.take(c), dtype="string")


def _grouped_sums(keys: dict, values: dict, name: str, freq: str, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Group by the frame's keys and sum the value arrays (bincount over integer-coded keys).

    ``keys`` maps key column -> array, ``values`` maps value column -> array or a function giving it
    (called once, so that only one value column at a time is materialised); ``rows`` selects rows.
    Canonical order (sorted by the keys) and dtypes, as :func:`_sum_by`.
    """
    kcols, vcols = _FRAME_KEYS[name], _FRAME_VALUES[name]
    if rows is not None:
        keys = {k: v[rows] for k, v in keys.items()}
    n = len(next(iter(keys.values())))
    if n == 0:
        return _empty(name, freq)
    codes, decoders, sizes = [], [], []
    for k in kcols:
        kind = "period" if k == "period" else "int" if k in ("days_late", "minutes") else "text"
        c, dec = _key_codes(keys[k], kind)
        codes.append(c)
        decoders.append(dec)
        sizes.append(int(c.max()) + 1)
    space = 1
    for s in sizes:
        space *= s
    if space < 2**62:
        key = np.zeros(n, dtype=np.int64)
        for c, s in zip(codes, sizes):
            key = key * s + c
        if space <= max(4 * n, 1 << 20):
            inv, n_groups, present = key, space, None
        else:
            present, inv = np.unique(key, return_inverse=True)
            n_groups = len(present)
    else:  # pragma: no cover - astronomically many keys: let pandas group them
        frame = pd.DataFrame({f"k{i}": c for i, c in enumerate(codes)})
        inv = frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()
        first = np.unique(inv, return_index=True)[1]
        out = {k: dec(c[first]) for k, dec, c in zip(kcols, decoders, codes)}
        present, n_groups, codes_out = None, int(inv.max()) + 1, out
    count = np.bincount(inv, minlength=n_groups)
    groups = np.flatnonzero(count)
    cols = {}
    if space < 2**62:
        g = groups if present is None else present[groups]
        for k, dec, s in zip(reversed(kcols), reversed(decoders), reversed(sizes)):
            g, c = np.divmod(g, s)
            cols[k] = dec(c)
        cols = {k: cols[k] for k in kcols}
    else:  # pragma: no cover
        cols = codes_out
    for v in vcols:
        arr = values[v]() if callable(values[v]) else values[v]
        arr = np.asarray(arr)
        if rows is not None:
            arr = arr[rows]
        sums = np.bincount(inv, weights=arr, minlength=n_groups)[groups]
        cols[v] = sums.astype("float64" if v in _FLOAT_VALUES else "int64")
    out = pd.DataFrame(cols)
    if "days_late" in kcols or "minutes" in kcols:
        out = out.loc[out[vcols[0]] != 0].reset_index(drop=True)
    return out


def _sum_by(df: pd.DataFrame, name: str, freq: str) -> pd.DataFrame:
    """Group ``df`` by the frame's keys and sum its value columns; canonical order and dtypes."""
    if len(df) == 0:
        return _empty(name, freq)
    keys = {k: (df[k].to_numpy() if k in ("days_late", "minutes") else df[k].array) for k in _FRAME_KEYS[name]}
    return _grouped_sums(keys, {v: df[v].to_numpy(dtype="float64") for v in _FRAME_VALUES[name]}, name, freq)


def _bool(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=bool, na_value=False)


def _delivery_stats(lines: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    status = lines["status"]
    rows = (status != BEFORE_WINDOW).to_numpy()
    judged = (status == JUDGED).to_numpy()
    known = lambda c: lines[c].notna().to_numpy() & judged  # noqa: E731
    true = lambda c: _bool(lines[c]) & judged  # noqa: E731
    qty_known = known("quantity_on_time")
    lead = lines["lead_time_days"].to_numpy()
    lead_ok = ~np.isnan(lead) & judged
    keys = {"supplier_id": lines["supplier_id"].array, "period": lines["period"].array}

    def qty_on_time() -> np.ndarray:
        return np.where(qty_known, lines["quantity_on_time"].to_numpy(), 0.0)

    def qty_ordered() -> np.ndarray:
        return np.where(qty_known, np.maximum(lines["quantity_ordered"].to_numpy(), 0.0), 0.0)

    values = {
        "n_lines": lambda: np.ones(len(lines)),
        "n_deliveries": judged,
        "n_excluded_deliveries": lambda: (status == EXCLUDED).to_numpy(),
        "n_not_judged": lambda: (status == NOT_JUDGED).to_numpy(),
        "n_open_past_due": lambda: lines["open_past_due"].to_numpy() & judged,
        "n_open_not_counted": lambda: (status == OPEN_LINE).to_numpy(),
        "on_time_k": lambda: true("on_time"),
        "early_k": lambda: true("early"),
        "late_k": lambda: true("late"),
        "in_full_n": lambda: known("in_full"),
        "in_full_k": lambda: true("in_full"),
        "otif_n": lambda: known("otif"),
        "otif_k": lambda: true("otif"),
        "qty_on_time": qty_on_time,
        "qty_ordered": qty_ordered,
        # per-line sums of squares and products: the lot-level (clustered) variance of on_time_qty_rate
        "qty_lines": qty_known,
        "qty_on_time_sq": lambda: np.square(qty_on_time()),
        "qty_cross": lambda: qty_on_time() * qty_ordered(),
        "qty_ordered_sq": lambda: np.square(qty_ordered()),
        "days_late_sum": lambda: np.where(judged, np.nan_to_num(lines["days_late"].to_numpy()), 0.0),
        "lead_n": lead_ok,
        "lead_sum": lambda: np.where(lead_ok, lead, 0.0),
        "lead_sumsq": lambda: np.where(lead_ok, lead * lead, 0.0),
    }
    stats = _grouped_sums(keys, values, "delivery", freq, rows=rows)
    hist_keys = {**keys, "days_late": np.nan_to_num(lines["days_late"].to_numpy()).astype(np.int64)}
    hist = _grouped_sums(hist_keys, {"count": np.ones(len(lines))}, "days_late", freq, rows=rows & judged)
    return stats, hist


def _quality_stats(lots: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    w = lots.loc[lots["status"] != BEFORE_WINDOW]
    judged = (w["status"] == JUDGED).to_numpy()
    insp = w["quantity_inspected"].to_numpy() if "quantity_inspected" in w.columns else np.full(len(w), np.nan)
    has_insp = ~np.isnan(insp) & judged
    down = w["downtime_minutes"].to_numpy() if "downtime_minutes" in w.columns else np.full(len(w), np.nan)
    has_down = ~np.isnan(down) & judged
    defective = w["quantity_defective"].to_numpy()
    ppm_n = np.where(has_insp, insp, 0.0)
    ppm_k = np.where(has_insp, np.nan_to_num(w["defective_in_inspected"].to_numpy()), 0.0)
    frame = pd.DataFrame(
        {
            "supplier_id": w["supplier_id"].to_numpy(),
            "period": w["period"].array,
            "n_inspections": judged.astype(np.int64),
            "n_excluded_inspections": (w["status"] == EXCLUDED).to_numpy().astype(np.int64),
            "quantity_inspected": ppm_n,
            "ppm_defective": ppm_k,
            "defective_quantity": np.where(judged, defective, 0.0),
            "lot_n": has_insp.astype(np.int64),
            "lot_k": (has_insp & (defective > 0)).astype(np.int64),
            # per-lot sums of squares and products: the lot-level (clustered) variance of PPM
            "ppm_k_sq": np.square(ppm_k),
            "ppm_cross": ppm_k * ppm_n,
            "ppm_n_sq": np.square(ppm_n),
            "n_incidents": (judged & w["incident"].to_numpy(dtype=bool)).astype(np.int64),
            "downtime_minutes": np.where(has_down, down, 0.0),
            "downtime_n": has_down.astype(np.int64),
            # lots and reports without an inspected quantity: outside PPM, counted so that they are shown
            "n_lots_without_quantity": (judged & ~has_insp).astype(np.int64),
            "defective_uninspected": np.where(judged & ~has_insp, defective, 0.0),
        }
    )
    stats = _sum_by(frame, "quality", freq)
    code = (
        w["defect_code"].astype("string")
        if "defect_code" in w.columns
        else pd.Series(pd.NA, index=w.index, dtype="string")
    )
    counted = judged & ((defective > 0) | code.notna().to_numpy())
    defects = pd.DataFrame(
        {
            "supplier_id": w["supplier_id"].to_numpy()[counted],
            "period": w["period"].array[counted],
            "defect_code": code.fillna("(no code)").to_numpy()[counted],
            "lots": 1,
            "defective_quantity": defective[counted],
        }
    )
    return stats, _sum_by(defects, "defects", freq)


def _response_stats(reqs: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    w = reqs.loc[reqs["status"] != BEFORE_WINDOW]
    judged = (w["status"] == JUDGED).to_numpy()
    still_open = judged | (w["status"] == OPEN_FROM_BEFORE).to_numpy()
    b = lambda c: w[c].to_numpy(dtype=bool) & judged  # noqa: E731
    o = lambda c: w[c].to_numpy(dtype=bool) & still_open  # noqa: E731  (stock at the as-of date)
    within = w["within_sla"]
    capa_ot = w["capa_on_time"]
    frame = pd.DataFrame(
        {
            "supplier_id": w["supplier_id"].to_numpy(),
            "period": w["period"].array,
            "request_type": w["request_type"].to_numpy(),
            "n_requests": judged.astype(np.int64),
            "n_excluded_requests": (w["status"] == EXCLUDED).to_numpy().astype(np.int64),
            "n_responded": b("responded").astype(np.int64),
            "sla_n": (within.notna().to_numpy() & judged).astype(np.int64),
            "sla_k": (within.fillna(False).to_numpy(dtype=bool) & judged).astype(np.int64),
            "open_requests": o("open").astype(np.int64),
            "overdue_requests": o("overdue").astype(np.int64),
            "n_corrective_actions": b("is_corrective_action").astype(np.int64),
            "capa_closed": b("closed").astype(np.int64),
            "capa_n": (capa_ot.notna().to_numpy() & judged).astype(np.int64),
            "capa_k": (capa_ot.fillna(False).to_numpy(dtype=bool) & judged).astype(np.int64),
            "open_corrective_actions": o("capa_open").astype(np.int64),
        }
    )
    stats = _sum_by(frame, "responsiveness", freq)

    def hist(mask: np.ndarray, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "supplier_id": w["supplier_id"].to_numpy()[mask],
                "period": w["period"].array[mask],
                "request_type": w["request_type"].to_numpy()[mask],
                "minutes": np.rint(values[mask]).astype(np.int64),
                "count": 1,
            }
        )

    resp = hist(b("responded"), w["response_hours"].to_numpy() * 60.0)
    clos = hist(b("closed"), w["closure_days"].to_numpy() * 1440.0)
    return stats, _sum_by(resp, "response_minutes", freq), _sum_by(clos, "capa_minutes", freq)


def aggregate(
    lines: pd.DataFrame | None = None,
    lots: pd.DataFrame | None = None,
    requests: pd.DataFrame | None = None,
    *,
    config: Config | None = None,
    as_of=None,
    window: tuple | None = None,
    suppliers=None,
    context: ScoringContext | None = None,
) -> PeriodStats:
    """Sum judged records (from :func:`delivery_lines`, :func:`inspection_lots`, :func:`request_records`) into
    per (supplier_id, period) sufficient statistics.

    Records with the status ``before window`` are left out; excluded and not-judged records are counted
    in their own columns. The statistics are labelled with the run's ``context`` (the
    :class:`~supplier_analytics.tables.ScoringContext` the records were judged in), or else with
    ``config``, ``as_of`` (required) and ``window``; ``suppliers`` adds supplier ids that have no record
    (they show as empty in the metric frames).
    """
    if context is not None:
        cfg, as_of, window = context.config, context.as_of, context.window
    else:
        cfg = load_config(config)
        if as_of is None:
            raise InputError("aggregate needs the as_of date the records were judged at; pass as_of=YYYY-MM-DD.")
        as_of = resolve_as_of(as_of)
        window = evaluation_window(as_of, cfg.periods.window_months) if window is None else window
    freq = cfg.periods.freq
    frames = {name: _empty(name, freq) for name in PeriodStats.FRAMES}
    seen: set[str] = set(str(s) for s in (suppliers or ()))
    has: set[str] = set()  # the record tables given, and their optional columns that some metrics need
    for records, table, optional in (
        (lines, "deliveries", ("quantity_received",)),
        (lots, "inspections", ("quantity_inspected", "downtime_minutes")),
        (requests, "requests", ()),
    ):
        if records is not None:
            seen.update(str(x) for x in records["supplier_id"].dropna().unique())
            has.add(table)
            has.update(c for c in optional if c in records.columns)
    if lines is not None:
        frames["delivery"], frames["days_late"] = _delivery_stats(lines, freq)
    if lots is not None:
        frames["quality"], frames["defects"] = _quality_stats(lots, freq)
    if requests is not None:
        frames["responsiveness"], frames["response_minutes"], frames["capa_minutes"] = _response_stats(requests, freq)
    return PeriodStats(
        **frames,
        suppliers=tuple(sorted(seen)),
        freq=freq,
        window=(pd.Timestamp(window[0]), pd.Timestamp(window[1])),
        as_of=as_of,
        has=frozenset(has),
    )


def merge_stats(a: PeriodStats, b: PeriodStats) -> PeriodStats:
    """Add two sets of statistics (partitions of the data, or consecutive runs).

    Both must use the same period frequency. The merged window spans both windows and the as-of date
    is the later one. All receipts of one order line must sit in one partition.

    Examples
    --------
    >>> i = pd.DataFrame({"supplier_id": ["S1", "S2"], "date": pd.to_datetime(["2025-01-05", "2025-01-09"]),
    ...     "quantity_inspected": [100.0, 50.0], "quantity_defective": [2.0, 0.0]})
    >>> from supplier_analytics.records import inspection_lots
    >>> part = lambda df: aggregate(lots=inspection_lots(df, as_of="2025-01-31"), as_of="2025-01-31")
    >>> merged = merge_stats(part(i.iloc[:1]), part(i.iloc[1:]))
    >>> merged.quality["quantity_inspected"].tolist(), merged.suppliers
    ([100.0, 50.0], ('S1', 'S2'))
    """
    return combine([a, b])


def combine(parts) -> PeriodStats:
    """Merge any number of :class:`PeriodStats` (see :func:`merge_stats`)."""
    parts = list(parts)
    if not parts:
        raise ValueError("combine needs at least one PeriodStats; got none.")
    freqs = {p.freq for p in parts}
    if len(freqs) > 1:
        raise ValueError(
            f"Statistics with different periods ({', '.join(sorted(freqs))}) cannot be merged; "
            "compute them with the same periods.period."
        )
    freq = parts[0].freq
    frames = {}
    for name in PeriodStats.FRAMES:
        given = [f for f in (getattr(p, name) for p in parts) if len(f)]
        if len(given) == 1:  # e.g. the delivery frames of a chunk's three tables: nothing to add up
            frames[name] = given[0]
        else:
            frames[name] = _sum_by(pd.concat(given, ignore_index=True), name, freq) if given else _empty(name, freq)
    return PeriodStats(
        **frames,
        suppliers=tuple(sorted(set().union(*(p.suppliers for p in parts)))),
        freq=freq,
        window=(min(p.window[0] for p in parts), max(p.window[1] for p in parts)),
        as_of=max(p.as_of for p in parts),
        has=frozenset().union(*(p.has for p in parts)),
    )
