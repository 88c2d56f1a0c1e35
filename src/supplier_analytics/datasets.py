"""Seeded synthetic procurement data, and the sample bundled in ``data/sample/``.

Two ways to get data without an ERP at hand:

* :func:`make_procurement_data` draws a realistic, seeded data set of every
  canonical table (see :mod:`supplier_analytics.schema`) together with the
  ``truth`` behind it (each supplier's on-time probability, defect rate and
  trend), so tests and notebooks can check that an analysis finds what was put
  in. :func:`write_procurement_data` writes the same data to csv, parquet or
  xlsx files in chunks, so ten million delivery lines fit in modest memory.
* :func:`load_sample` reads the small data set in ``data/sample/``;
  :func:`write_sample` (re)creates that folder, including Excel exports shaped
  like real SAP and English ERP exports and their mapping files.

Everything is vectorised with numpy (no Python loop per row) and every random
draw comes from a generator seeded by ``seed``: the same arguments give the
same frames.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError
from supplier_analytics.schema import TABLES

__all__ = [
    "ProcurementData",
    "make_procurement_data",
    "write_procurement_data",
    "write_sample",
    "load_sample",
    "TRUTH_COLUMNS",
    "DEFECT_CODES",
    "SAMPLE_PARAMETERS",
    "write_broken_copy",
    "BROKEN_CELLS",
]

#: Columns of :attr:`ProcurementData.truth` and their dtypes.
TRUTH_COLUMNS = {
    "supplier_id": "string",
    "n_deliveries": "int64",
    "volume_share": "float64",
    "low_volume": "bool",
    "base_on_time_prob": "float64",
    "base_defect_rate": "float64",
    "base_response_hours": "float64",
    "trend": "string",
    "trend_size": "float64",
    "trend_defect_factor": "float64",
    "trend_start": "datetime64[ns]",
}

#: Defect codes with their meaning, most frequent first (Pareto-like frequencies).
DEFECT_CODES = {
    "DIM": "dimension out of tolerance",
    "SURF": "surface damage, scratches, dents",
    "PKG": "packaging damaged or wrong",
    "LABEL": "label missing or wrong",
    "DOC": "certificate or documentation missing",
    "MAT": "wrong material or grade",
    "FUNC": "functional test failed",
    "CONT": "contamination",
    "CORR": "corrosion",
    "QTY": "count discrepancy in the lot",
}

#: Arguments of :func:`make_procurement_data` that produce ``data/sample/``.
SAMPLE_PARAMETERS = {
    "n_suppliers": 40,
    "n_deliveries": 6_000,
    "start": "2024-10-01",
    "months": 24,
    "seed": 6,
}

_XLSX_MAX_ROWS = 1_048_575  # 1,048,576 sheet rows minus the header

_SITES = np.array(["DE10", "DE20", "CZ10", "PL10"])
_SITE_P = np.array([0.45, 0.25, 0.18, 0.12])

_CATEGORIES = np.array(
    ["Machined parts", "Electronics", "Plastics", "Packaging", "Fasteners", "Castings", "Raw materials", "Cables"]
)
# Typical order quantity (median) and unit price (median, EUR) per category.
_CATEGORY_QTY = np.array([200.0, 500.0, 1000.0, 2000.0, 5000.0, 100.0, 800.0, 300.0])
_CATEGORY_PRICE = np.array([12.0, 3.5, 0.8, 0.4, 0.05, 45.0, 2.5, 6.0])
_CATEGORY_WORD = np.array(
    ["Präzisionstechnik", "Electronics", "Kunststofftechnik", "Verpackungen", "Verbindungstechnik",
     "Gießerei", "Materials", "Kabelsysteme"]
)
_COUNTRIES = np.array(["DE", "PL", "CZ", "IT", "AT", "FR", "CN", "US"])
_COUNTRY_P = np.array([0.38, 0.14, 0.12, 0.1, 0.07, 0.06, 0.08, 0.05])
_LEGAL = {
    "DE": "GmbH", "PL": "Sp. z o.o.", "CZ": "s.r.o.", "IT": "S.r.l.", "AT": "GmbH",
    "FR": "SAS", "CN": "Co., Ltd.", "US": "Inc.",
}
_SURNAMES = np.array(
    ["Keller", "Novak", "Rossi", "Berger", "Lindner", "Horvath", "Dubois", "Schmid", "Kowalski", "Bauer",
     "Hartmann", "Ferrari", "Wagner", "Dvorak", "Lefebvre", "Huber", "Zhang", "Miller", "Brandt", "Vogel",
     "Marek", "Conti", "Fischer", "Weiss", "Kraus", "Moretti", "Svoboda", "Lambert", "Richter", "Winter"]
)

_REQUEST_TYPES = np.array(["rfq", "complaint", "corrective_action", "expedite", "inquiry"])
_REQUEST_P = np.array([0.30, 0.15, 0.10, 0.25, 0.20])
_REQUEST_PREFIX = np.array(["RFQ-", "CMP-", "CAR-", "EXP-", "INQ-"])
_REQUEST_SPEED = np.array([1.6, 0.8, 2.0, 0.5, 1.0])  # response time factor per type
_DECIDERS = np.array(["J. Weber", "A. Novak", "M. Rossi", "S. Keller"])


@dataclass(frozen=True, repr=False)
class ProcurementData:
    """The canonical tables of one data set, and the truth it was drawn from.

    Attributes
    ----------
    deliveries, inspections, requests, suppliers, exclusions : pandas.DataFrame
        Canonical tables with the columns and dtypes of
        :data:`supplier_analytics.schema.TABLES`.
    truth : pandas.DataFrame
        One row per supplier with the parameters the data were drawn from
        (columns in :data:`TRUTH_COLUMNS`); empty when loaded from files that
        have no ``truth.csv``.
    """

    deliveries: pd.DataFrame
    inspections: pd.DataFrame
    requests: pd.DataFrame
    suppliers: pd.DataFrame
    exclusions: pd.DataFrame
    truth: pd.DataFrame = field(default_factory=lambda: _empty_truth())

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The five canonical tables by name (deliveries, inspections, requests, suppliers, exclusions)."""
        return {name: getattr(self, name) for name in TABLES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(frame)}" for name, frame in self.tables.items())
        return f"ProcurementData({sizes}, truth={len(self.truth)} suppliers)"


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class _Plan:
    """What is fixed before any delivery line is drawn: suppliers, their parameters, chunk sizes."""

    seed: int
    start: np.datetime64  # first day, datetime64[D]
    n_days: int
    day_p: np.ndarray  # probability of a receipt on each day
    month_of_day: np.ndarray  # 1..12 per day
    ids: np.ndarray  # supplier ids (object)
    counts: np.ndarray  # delivery rows per supplier
    chunk_counts: np.ndarray  # (n_chunks, n_suppliers)
    chunk_rows: int
    p_on: np.ndarray
    on_change: np.ndarray
    defect: np.ndarray
    defect_factor: np.ndarray
    response_hours: np.ndarray
    trend_code: np.ndarray  # 0 stable, 1 improving, -1 deteriorating
    trend_start_day: np.ndarray
    lead_days: np.ndarray
    qty_median: np.ndarray
    n_items: np.ndarray
    prices: np.ndarray  # (n_suppliers, 25)
    main_site: np.ndarray
    inspection_ratio: float
    request_ratio: float
    suppliers: pd.DataFrame
    truth: pd.DataFrame


def _check_arguments(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows):
    def positive_int(name, value, minimum):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ConfigError(f"{name} must be a whole number of at least {minimum}, got {value!r}; pass a larger value.")

    positive_int("n_suppliers", n_suppliers, 1)
    positive_int("n_deliveries", n_deliveries, 1)
    positive_int("months", months, 1)
    positive_int("seed", seed, 0)
    positive_int("chunk_rows", chunk_rows, 1)
    for name, value in (("inspection_ratio", inspection_ratio), ("request_ratio", request_ratio)):
        if not (isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0):
            raise ConfigError(f"{name} must be a fraction between 0 and 1, got {value!r}; pass e.g. 0.25.")
    try:
        first = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise ConfigError(f"start must be a date in the form YYYY-MM-DD, got {start!r}; pass e.g. '2025-01-01'.") from None
    if first is pd.NaT or first != first.normalize():
        raise ConfigError(f"start must be a calendar day without a time, got {start!r}; pass e.g. '2025-01-01'.")
    return first


def _calendar(first: pd.Timestamp, months: int):
    last = first + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    days = np.arange(np.datetime64(first.date(), "D"), np.datetime64(last.date(), "D") + 1)
    index = pd.DatetimeIndex(days)
    weekday = index.day_of_week.to_numpy()
    month = index.month.to_numpy()
    dom = index.day.to_numpy()
    w = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.04, 0.0))
    w = w * np.where(month == 8, 0.55, 1.0)  # summer shutdowns
    w = w * np.where((month == 12) & (dom >= 22), 0.25, 1.0)  # Christmas
    w = w * np.where((month == 1) & (dom == 1), 0.0, 1.0)
    if w.sum() == 0:  # a data set of a few weekend days only
        w = np.ones_like(w)
    return days, w / w.sum(), month


def _supplier_names(rng, n, category, country):
    """Names such as "Keller Präzisionstechnik GmbH"; a repeated name gets " 2", " 3"..."""
    surname = _SURNAMES[rng.integers(0, len(_SURNAMES), n)]
    legal = np.array([_LEGAL[c] for c in country], dtype=object)
    names = pd.Series(surname.astype(object) + " " + _CATEGORY_WORD[category].astype(object) + " " + legal)
    rank = names.groupby(names).cumcount().to_numpy()
    suffix = np.where(rank > 0, " " + (rank + 1).astype(str).astype(object), "")
    return (names.to_numpy(dtype=object) + suffix).astype(object)


def _plan(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows) -> _Plan:
    first = _check_arguments(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio,
                             chunk_rows)
    days, day_p, month_of_day = _calendar(first, months)
    n_days = len(days)
    rng = np.random.default_rng([seed, 0])
    S = n_suppliers

    ids = np.array([f"V{10001 + i}" for i in range(S)], dtype=object)
    category = rng.integers(0, len(_CATEGORIES), S)
    country = _COUNTRIES[rng.choice(len(_COUNTRIES), S, p=_COUNTRY_P)]

    # Volumes: log-normal shares, a few designated low-volume suppliers with 3-9 lines in all.
    share = rng.lognormal(0.0, 1.2, S)
    share = np.minimum(share, 12.0 * np.median(share))  # no single supplier dominates
    n_low = int(min(round(0.08 * S), n_deliveries // 40))
    low = np.zeros(S, dtype=bool)
    if n_low:
        smallest = np.argsort(share)[: max(n_low, S // 3)]
        low[rng.choice(smallest, n_low, replace=False)] = True
    counts = np.zeros(S, dtype=np.int64)
    counts[low] = rng.integers(3, 10, n_low)
    regular = ~low
    p_reg = share[regular] / share[regular].sum()
    counts[regular] = rng.multinomial(n_deliveries - counts[low].sum(), p_reg)

    # Trends: about 10% of suppliers each way, among the upper 40% of the regular volumes.
    trend = np.zeros(S, dtype=np.int64)
    n_trend = round(0.1 * S) if S >= 10 else (1 if S >= 3 else 0)
    cand = np.flatnonzero(regular & (counts >= np.quantile(counts[regular], 0.6)))
    n_trend = min(n_trend, len(cand) // 2)
    if n_trend:
        picked = rng.choice(cand, 2 * n_trend, replace=False)
        trend[picked[:n_trend]] = 1
        trend[picked[n_trend:]] = -1
    improving, deteriorating = trend == 1, trend == -1

    p_on = np.clip(1.0 - np.exp(rng.normal(np.log(0.08), 0.5, S)), 0.6, 0.99)
    p_on[improving] = rng.uniform(0.62, 0.70, improving.sum())
    p_on[deteriorating] = rng.uniform(0.94, 0.98, deteriorating.sum())
    on_change = np.zeros(S)
    on_change[improving] = rng.uniform(0.25, 0.32, improving.sum())
    on_change[deteriorating] = -rng.uniform(0.25, 0.32, deteriorating.sum())
    defect = np.clip(np.exp(rng.normal(np.log(6e-4), 0.9, S)), 5e-5, 0.02)
    defect[improving] = rng.uniform(2e-3, 4e-3, improving.sum())
    defect[deteriorating] = rng.uniform(2e-4, 5e-4, deteriorating.sum())
    defect_factor = np.ones(S)
    defect_factor[improving] = rng.uniform(0.15, 0.35, improving.sum())
    defect_factor[deteriorating] = rng.uniform(3.0, 5.0, deteriorating.sum())
    response_hours = np.exp(rng.normal(np.log(18.0), 0.6, S))

    # The trend starts 9 to 12 months before the end (first day of that month).
    start_month = np.maximum(months - rng.integers(9, 13, S), 0)
    month_starts = np.array(
        [np.datetime64((first + pd.DateOffset(months=int(m))).date(), "D") for m in range(months)]
    )
    trend_start = month_starts[start_month]
    trend_start_day = (trend_start - days[0]).astype(np.int64)

    lead_days = np.exp(rng.normal(np.log(21.0), 0.5, S))
    qty_median = _CATEGORY_QTY[category] * np.exp(rng.normal(0.0, 0.6, S))
    n_items = rng.integers(3, 26, S)
    prices = (_CATEGORY_PRICE[category] * np.exp(rng.normal(0.0, 0.5, S)))[:, None] * np.exp(
        rng.normal(0.0, 0.5, (S, 25)))
    main_site = rng.choice(len(_SITES), S, p=_SITE_P)

    years = months / 12.0
    spend = counts * qty_median * _CATEGORY_PRICE[category] * 1.3 / years
    suppliers = pd.DataFrame(
        {
            "supplier_id": ids,
            "supplier_name": _supplier_names(rng, S, category, country),
            "category": _CATEGORIES[category],
            "country": country,
            "annual_spend": np.round(spend, -2),
        }
    )
    suppliers = _conform(suppliers, "suppliers")

    truth = pd.DataFrame(
        {
            "supplier_id": ids,
            "n_deliveries": counts,
            "volume_share": counts / n_deliveries,
            "low_volume": counts < 10,
            "base_on_time_prob": p_on,
            "base_defect_rate": defect,
            "base_response_hours": response_hours,
            "trend": np.array(["stable", "improving", "deteriorating"], dtype=object)[np.where(trend == -1, 2, trend)],
            "trend_size": on_change,
            "trend_defect_factor": defect_factor,
            "trend_start": np.where(trend != 0, trend_start, np.datetime64("NaT")).astype("datetime64[ns]"),
        }
    ).astype(TRUTH_COLUMNS)

    # Rows per chunk and supplier: fixed up front so chunks add up to the supplier volumes.
    n_chunks = math.ceil(n_deliveries / chunk_rows)
    sizes = np.full(n_chunks, chunk_rows, dtype=np.int64)
    sizes[-1] = n_deliveries - chunk_rows * (n_chunks - 1)
    split_rng = np.random.default_rng([seed, 1])
    remaining = counts.copy()
    chunk_counts = np.zeros((n_chunks, S), dtype=np.int64)
    for c in range(n_chunks - 1):
        chunk_counts[c] = split_rng.multivariate_hypergeometric(remaining, int(sizes[c]))
        remaining -= chunk_counts[c]
    chunk_counts[-1] = remaining

    return _Plan(
        seed=seed, start=days[0], n_days=n_days, day_p=day_p, month_of_day=month_of_day, ids=ids, counts=counts,
        chunk_counts=chunk_counts, chunk_rows=chunk_rows, p_on=p_on, on_change=on_change, defect=defect,
        defect_factor=defect_factor, response_hours=response_hours, trend_code=trend,
        trend_start_day=trend_start_day, lead_days=lead_days, qty_median=qty_median, n_items=n_items,
        prices=prices, main_site=main_site, inspection_ratio=float(inspection_ratio),
        request_ratio=float(request_ratio), suppliers=suppliers, truth=truth,
    )


# --------------------------------------------------------------------------- helpers


def _empty_truth() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in TRUTH_COLUMNS.items()})


def _conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Columns in schema order with schema dtypes; absent optional columns become empty."""
    schema = TABLES[table]
    out = {}
    for col in schema.columns:
        if col.name in frame:
            s = frame[col.name]
        else:
            s = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        if col.dtype == "datetime64[ns]" and s.dtype == object:
            s = pd.to_datetime(s)
        out[col.name] = s.astype(col.dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def _ids(numbers: np.ndarray, prefix: str = "") -> np.ndarray:
    text = numbers.astype(np.int64).astype(str)
    return np.char.add(prefix, text) if prefix else text


def _progress(plan: _Plan, sup: np.ndarray, day: np.ndarray) -> np.ndarray:
    """0 before a supplier's trend starts, rising linearly to 1 on the last day; 0 for stable suppliers."""
    ts = plan.trend_start_day[sup]
    span = np.maximum(plan.n_days - 1 - ts, 1)
    prog = np.clip((day - ts) / span, 0.0, 1.0)
    return np.where(plan.trend_code[sup] != 0, prog, 0.0)


def _dates(plan: _Plan, day: np.ndarray) -> np.ndarray:
    return (plan.start + day.astype("timedelta64[D]")).astype("datetime64[ns]")


# --------------------------------------------------------------------------- one chunk


def _make_chunk(plan: _Plan, c: int):
    """Deliveries, inspections, requests and exclusions of chunk ``c`` (its own seeded generator)."""
    rng = np.random.default_rng([plan.seed, 2, c])
    counts = plan.chunk_counts[c]
    n = int(counts.sum())
    base = c * plan.chunk_rows  # number space of this chunk's ids
    last_day = plan.n_days - 1

    sup = np.repeat(np.arange(len(counts)), counts)
    day = rng.choice(plan.n_days, n, p=plan.day_p)
    order = np.lexsort((day, sup))
    sup, day = sup[order], day[order]
    first_of_sup = np.ones(n, dtype=bool)
    first_of_sup[1:] = sup[1:] != sup[:-1]

    # Order lines: about 10% of receipts continue the previous line (partial and split receipts), at most 3.
    new_line = first_of_sup | (rng.random(n) >= 0.10)
    while True:
        starts = np.flatnonzero(new_line)
        line_no = np.cumsum(new_line) - 1
        pos = np.arange(n) - starts[line_no]
        too_long = pos == 3
        if not too_long.any():
            break
        new_line |= too_long
    n_lines = len(starts)
    gap = np.where(new_line, 0, rng.integers(1, 11, n))
    cg = np.cumsum(gap)
    within = cg - cg[starts][line_no]
    day = day[starts][line_no] + within
    weekday = (plan.start.astype("datetime64[D]").astype(np.int64) + day + 3) % 7  # 0 = Monday
    day = np.where(~new_line & (weekday >= 5), day + (7 - weekday), day)
    day = np.minimum(day, last_day)

    # Purchase orders: consecutive lines of one supplier received within a week, 2.2 lines on average.
    far = np.r_[True, np.diff(day) > 7]
    new_po = first_of_sup | (new_line & ((rng.random(n) < 0.45) | far))
    po_starts_row = np.flatnonzero(new_po)
    po_no = np.cumsum(new_po) - 1
    ln_cum = np.cumsum(new_line)
    line_pos = ln_cum - ln_cum[po_starts_row][po_no] + 1

    # Line level.
    ls = sup[starts]
    first_day = day[starts]
    prog = _progress(plan, ls, first_day)
    p_on = plan.p_on[ls] + plan.on_change[ls] * prog
    q4 = plan.month_of_day[first_day] >= 10
    p_on = np.clip(np.where(q4, 1.0 - (1.0 - p_on) * 1.5, p_on), 0.02, 0.995)
    on_time = rng.random(n_lines) < p_on
    inside = rng.choice(np.array([0, -1, -2, -3]), n_lines, p=[0.7, 0.15, 0.1, 0.05])
    late = 1 + np.minimum(np.floor(rng.lognormal(np.log(3.0), 1.0, n_lines)), 120).astype(np.int64)
    early = -(3 + rng.geometric(0.25, n_lines))
    lateness = np.where(on_time, inside, np.where(rng.random(n_lines) < 0.85, late, early))
    promised = first_day - lateness
    requested = promised - np.where(rng.random(n_lines) < 0.6, 0, rng.integers(1, 8, n_lines))
    lead = np.maximum(np.round(np.exp(rng.normal(np.log(plan.lead_days[ls]), 0.35))), 2).astype(np.int64)
    # An early receipt can come before requested - lead: the order is never placed after its first receipt.
    ordered_line = np.minimum(requested - lead, first_day - 1)
    line_po = po_no[starts]
    po_line_starts = np.flatnonzero(np.r_[True, line_po[1:] != line_po[:-1]])
    po_ordered = np.minimum.reduceat(ordered_line, po_line_starts)
    ordered = po_ordered[line_po]

    q = np.exp(rng.normal(np.log(plan.qty_median[ls]), 0.7))
    step = 10.0 ** np.maximum(np.floor(np.log10(q)) - 1, 0)
    qty = np.maximum(np.round(q / step) * step, 10.0)
    item_k = np.minimum(rng.zipf(1.6, n_lines) - 1, plan.n_items[ls] - 1)
    price = plan.prices[ls, item_k]
    item = _ids(4_000_000 + ls * 100 + item_k)
    site = np.where(rng.random(n_lines) < 0.8, plan.main_site[ls], rng.choice(len(_SITES), n_lines, p=_SITE_P))

    # Received quantities: most lines exact; some short, rare over-deliveries; splits share the line total.
    k = np.diff(np.r_[starts, n])
    u = rng.random(n_lines)
    single_total = np.where(
        u < 0.03, np.maximum(np.floor(qty * rng.uniform(0.5, 0.95, n_lines)), 1),
        np.where(u < 0.045, np.ceil(qty * rng.uniform(1.02, 1.2, n_lines)), qty),
    )
    split_total = np.where(
        u < 0.2, np.maximum(np.floor(qty * rng.uniform(0.6, 0.95, n_lines)), k),
        np.where(u < 0.22, np.ceil(qty * rng.uniform(1.02, 1.1, n_lines)), qty),
    )
    total = np.where(k == 1, single_total, split_total)
    w = rng.uniform(0.4, 1.0, n)
    cw = np.cumsum(w)
    within_w = cw - (cw[starts] - w[starts])[line_no]
    frac = within_w / np.add.reduceat(w, starts)[line_no]
    qc = np.floor(total[line_no] * frac + 1e-9)
    qprev = np.r_[0.0, qc[:-1]]
    received = np.maximum(np.where(new_line, qc, qc - qprev), 1.0)

    # PO numbers follow the order date; receipt numbers follow the receipt date.
    po_rank = np.empty(len(po_ordered), dtype=np.int64)
    po_rank[np.argsort(po_ordered, kind="stable")] = np.arange(len(po_ordered))
    row_order = np.lexsort((line_pos, po_rank[po_no], day))
    deliveries = pd.DataFrame(
        {
            "supplier_id": plan.ids[sup],
            "po_id": _ids(4_500_000_000 + base + po_rank[po_no]),
            "line_id": _ids(10 * line_pos),
            "item": item[line_no],
            "quantity_ordered": qty[line_no],
            "quantity_received": received,
            "date_ordered": _dates(plan, ordered[line_no]),
            "date_requested": _dates(plan, requested[line_no]),
            "date_promised": _dates(plan, promised[line_no]),
            "date_received": _dates(plan, day),
            "value": np.round(received * price[line_no], 2),
            "site": _SITES[site[line_no]],
        }
    ).iloc[row_order].reset_index(drop=True)
    deliveries["receipt_id"] = _ids(5_000_000_000 + base + np.arange(n))
    r_sup, r_day = sup[row_order], day[row_order]
    r_late = (day - promised[line_no])[row_order]
    r_first = new_line[row_order]

    inspections = _inspections(plan, rng, deliveries, r_sup, r_day, base)
    requests = _requests(plan, rng, n, r_sup, r_day, base)
    exclusions = _exclusions(plan, rng, deliveries, r_late, r_first, inspections, requests, n)
    return (_conform(deliveries, "deliveries"), inspections, requests, exclusions)


def _inspections(plan, rng, deliveries, r_sup, r_day, base):
    n = len(deliveries)
    n_lots = int(round(plan.inspection_ratio * n))
    rows = np.sort(rng.choice(n, n_lots, replace=False))
    sup, lot_day = r_sup[rows], np.minimum(r_day[rows] + rng.choice(3, n_lots, p=[0.7, 0.2, 0.1]), plan.n_days - 1)
    received = deliveries["quantity_received"].to_numpy()[rows]
    sample = np.minimum(np.clip(np.round(2 * np.sqrt(received)), 2, 315), received)
    inspected = np.where(rng.random(n_lots) < 0.6, received, sample)
    rate = plan.defect[sup] * plan.defect_factor[sup] ** _progress(plan, sup, lot_day)
    p_bad = np.minimum(40.0 * rate, 0.6)
    bad = rng.random(n_lots) < p_bad
    frac = np.minimum(rate / p_bad * rng.lognormal(-0.125, 0.5, n_lots), 1.0)
    defective = np.where(bad, np.maximum(rng.binomial(inspected.astype(np.int64), frac), 1), 0).astype(float)
    codes = np.array(list(DEFECT_CODES))
    code_p = 1.0 / np.arange(1, len(codes) + 1) ** 1.2
    code = rng.choice(codes, n_lots, p=code_p / code_p.sum())
    downtime = np.where(bad & (rng.random(n_lots) < 0.15), np.round(rng.lognormal(np.log(60), 1.0, n_lots) / 5) * 5, 0.0)
    lots = pd.DataFrame(
        {
            "supplier_id": plan.ids[sup],
            "date": _dates(plan, lot_day),
            "quantity_inspected": inspected,
            "quantity_defective": defective,
            "defect_code": np.where(bad, code, None),
            "downtime_minutes": downtime,
            "lot_id": _ids(890_000_000_000 + base + rows),
            "item": deliveries["item"].to_numpy()[rows],
            "site": deliveries["site"].to_numpy()[rows],
        }
    )
    # Quality incidents without an inspected quantity (line-side nonconformance reports), 8% of the lots.
    n_inc = int(round(0.08 * n_lots))
    if n_inc:
        all_rate = plan.defect[r_sup] * plan.defect_factor[r_sup] ** _progress(plan, r_sup, r_day)
        rows_i = np.sort(rng.choice(n, n_inc, replace=True, p=all_rate / all_rate.sum()))
        inc_day = np.minimum(r_day[rows_i] + rng.integers(3, 30, n_inc), plan.n_days - 1)
        incidents = pd.DataFrame(
            {
                "supplier_id": plan.ids[r_sup[rows_i]],
                "date": _dates(plan, inc_day),
                "quantity_inspected": np.nan,
                "quantity_defective": rng.geometric(0.15, n_inc).astype(float),
                "defect_code": rng.choice(codes, n_inc, p=code_p / code_p.sum()),
                "downtime_minutes": np.where(
                    rng.random(n_inc) < 0.4, np.round(rng.lognormal(np.log(90), 1.0, n_inc) / 5) * 5, 0.0),
                "lot_id": _ids(2_000_000_000 + base + np.arange(n_inc)),
                "item": deliveries["item"].to_numpy()[rows_i],
                "site": deliveries["site"].to_numpy()[rows_i],
            }
        )
        lots = pd.concat([lots, incidents], ignore_index=True)
    lots = lots.sort_values(["date", "lot_id"], kind="stable")
    return _conform(lots, "inspections")


def _requests(plan, rng, n, r_sup, r_day, base):
    m = int(round(plan.request_ratio * n))
    S = len(plan.ids)
    # 70% follow the delivery volume, 30% are spread evenly over suppliers (so small ones get some too).
    from_rows = rng.random(m) < 0.7
    rows = rng.integers(0, n, m)
    sup = np.where(from_rows, r_sup[rows], rng.integers(0, S, m))
    day = np.where(from_rows, np.maximum(r_day[rows] - rng.integers(0, 21, m), 0), rng.choice(plan.n_days, m, p=plan.day_p))
    kind = rng.choice(len(_REQUEST_TYPES), m, p=_REQUEST_P)
    minute = rng.integers(7 * 60, 17 * 60, m)
    sent = _dates(plan, day) + (minute * 60).astype("timedelta64[s]")
    prog = _progress(plan, sup, day)
    trend_speed = np.where(plan.trend_code[sup] == 1, 0.5, np.where(plan.trend_code[sup] == -1, 2.0, 1.0)) ** prog
    hours = plan.response_hours[sup] * _REQUEST_SPEED[kind] * trend_speed * rng.lognormal(0.0, 0.8, m)
    as_of = _dates(plan, np.array([plan.n_days])).astype("datetime64[ns]")[0]  # midnight after the last day
    responded = sent + np.round(hours * 60).astype("timedelta64[m]")
    never = rng.random(m) < 0.02
    responded = np.where((responded >= as_of) | never, np.datetime64("NaT"), responded).astype("datetime64[ns]")
    close_days = np.where(_REQUEST_TYPES[kind] == "corrective_action", rng.lognormal(np.log(18), 0.6, m),
                          rng.lognormal(np.log(4), 0.6, m))
    follow_up = np.isin(_REQUEST_TYPES[kind], ["corrective_action", "complaint"])
    closed = np.where(follow_up, responded + np.round(close_days * 1440).astype("timedelta64[m]"), responded)
    closed = np.where(np.isnat(closed) | (closed >= as_of), np.datetime64("NaT"), closed).astype("datetime64[ns]")
    due_days = np.where(_REQUEST_TYPES[kind] == "corrective_action", 30, 7)
    due = np.where(follow_up, sent + due_days.astype("timedelta64[D]"), np.datetime64("NaT")).astype("datetime64[ns]")
    order = np.argsort(sent, kind="stable")
    number = np.char.zfill(_ids(base + np.arange(1, m + 1)), 7)
    frame = pd.DataFrame(
        {
            "supplier_id": plan.ids[sup][order],
            "request_id": np.char.add(_REQUEST_PREFIX[kind][order], number),
            "request_type": _REQUEST_TYPES[kind][order],
            "date_sent": sent[order].astype("datetime64[ns]"),
            "date_responded": responded[order],
            "date_closed": closed[order],
            "date_due": due[order],
        }
    )
    return _conform(frame, "requests")


def _exclusions(plan, rng, deliveries, r_late, r_first, inspections, requests, n):
    parts = []
    candidates = np.flatnonzero(r_first & (r_late > 3))
    k = min(len(candidates), max(1, round(n / 1000)))
    if k:
        rows = np.sort(rng.choice(candidates, k, replace=False))
        force = rng.random(k) < 0.3
        d = deliveries.iloc[rows]
        decided = np.minimum(
            d["date_received"].to_numpy() + rng.integers(1, 10, k).astype("timedelta64[D]"),
            _dates(plan, np.array([plan.n_days - 1]))[0],
        )
        parts.append(pd.DataFrame({
            "table": "deliveries",
            "supplier_id": d["supplier_id"].to_numpy(),
            "po_id": d["po_id"].to_numpy(),
            "line_id": np.where(force, None, d["line_id"].to_numpy()),
            "reason_code": np.where(force, "FORCE_MAJEURE", "BUYER_DATE_CHANGE"),
            "decided_by": _DECIDERS[rng.integers(0, len(_DECIDERS), k)],
            "decided_on": decided,
            "comment": np.where(force, "Port closure after a storm delayed the whole order",
                                "Buyer moved the need date after the supplier had confirmed"),
        }))
    bad = np.flatnonzero((inspections["quantity_defective"] > 0).to_numpy())
    k = min(len(bad), max(1, round(len(bad) / 50)))
    if k:
        rows = np.sort(rng.choice(bad, k, replace=False))
        lot = inspections.iloc[rows]
        parts.append(pd.DataFrame({
            "table": "inspections",
            "supplier_id": lot["supplier_id"].to_numpy(),
            "lot_id": lot["lot_id"].to_numpy(),
            "reason_code": "CUSTOMER_CAUSED",
            "decided_by": _DECIDERS[rng.integers(0, len(_DECIDERS), k)],
            "decided_on": lot["date"].to_numpy() + np.timedelta64(3, "D"),
            "comment": "Damage caused by our own handling at the receiving dock",
        }))
    slow = np.flatnonzero(requests["date_responded"].isna().to_numpy())
    k = min(len(slow), max(1, round(len(requests) / 400)))
    if k:
        rows = np.sort(rng.choice(slow, k, replace=False))
        req = requests.iloc[rows]
        parts.append(pd.DataFrame({
            "table": "requests",
            "supplier_id": req["supplier_id"].to_numpy(),
            "request_id": req["request_id"].to_numpy(),
            "reason_code": "REQUEST_WITHDRAWN",
            "decided_by": _DECIDERS[rng.integers(0, len(_DECIDERS), k)],
            "decided_on": req["date_sent"].dt.normalize().to_numpy() + np.timedelta64(3, "D"),
            "comment": "Request withdrawn by the buyer; no answer expected",
        }))
    if not parts:
        return _conform(pd.DataFrame({c: [] for c in TABLES["exclusions"].names}), "exclusions")
    frame = pd.concat(parts, ignore_index=True)
    frame["decided_on"] = np.minimum(pd.to_datetime(frame["decided_on"]).dt.normalize(), _dates(plan, np.array([plan.n_days - 1]))[0])
    return _conform(frame, "exclusions")


# --------------------------------------------------------------------------- public: generate


def make_procurement_data(
    *,
    n_suppliers: int = 60,
    n_deliveries: int = 20_000,
    start: str | dt.date = "2025-01-01",
    months: int = 24,
    seed: int = 42,
    inspection_ratio: float = 0.25,
    request_ratio: float = 0.08,
    chunk_rows: int = 1_000_000,
) -> ProcurementData:
    """Draw a seeded, realistic procurement data set of every canonical table.

    Parameters
    ----------
    n_suppliers : number of suppliers (ids ``V10001``, ``V10002``, ...).
    n_deliveries : number of rows of ``deliveries`` (receipts; a split order line is several rows).
    start : first day of the data (``YYYY-MM-DD`` or a date).
    months : months of history; the last day is the day before ``start`` + ``months``.
    seed : non-negative seed; the same arguments give identical frames.
    inspection_ratio : inspected lots per delivery row (0 to 1); quality incidents without an
        inspected quantity add another 8% of that number.
    request_ratio : requests per delivery row (0 to 1).
    chunk_rows : rows drawn at a time. The suppliers, their volumes and the truth do not depend
        on it; the individual rows do, and :func:`write_procurement_data` with the same
        ``chunk_rows`` writes exactly these frames.

    Returns
    -------
    ProcurementData
        ``deliveries`` (``n_deliveries`` rows, every column filled: order, requested and
        promised dates, partial and split receipts sharing ``po_id``/``line_id`` with their own
        ``receipt_id``, about 3% short and 1.5% over-delivered lines), ``inspections``
        (``inspection_ratio`` x ``n_deliveries`` lots, most with zero defectives, plus incidents
        with an empty ``quantity_inspected``; defect codes of :data:`DEFECT_CODES`; downtime on some),
        ``requests`` (``request_ratio`` x ``n_deliveries`` requests of the five
        :data:`~supplier_analytics.schema.REQUEST_TYPES`, log-normal response times, some open at
        the end), ``suppliers`` (name, category, country, annual spend), ``exclusions`` (a few
        records excused with ``BUYER_DATE_CHANGE``, ``FORCE_MAJEURE``, ``CUSTOMER_CAUSED`` or
        ``REQUEST_WITHDRAWN``, each referring to a generated record) and ``truth``.

    Notes
    -----
    How the data are drawn:

    * Volumes: log-normal supplier shares; about 8% of suppliers are low-volume with 3 to 9
      delivery rows in all (``truth.low_volume`` marks every supplier with fewer than 10).
    * Seasonality: few receipts on weekends, in August and from 22 December; lateness goes
      up in October to December (the odds of a miss are 1.5 times higher).
    * Timeliness: a line's first receipt falls within 3 days early to on the promised date with
      the supplier's on-time probability; otherwise it is late (85%, 1 day plus a log-normal tail
      up to 121 days) or more than 3 days early. Later receipts of a split line follow 1 to 10
      days after the previous one.
    * Trends: about 10% of suppliers improve and 10% deteriorate, chosen among the upper 40% of
      volumes. From ``truth.trend_start`` (9 to 12 months before the end) to the last day the
      on-time probability moves linearly by ``trend_size``, the defect rate by the factor
      ``trend_defect_factor`` (geometrically) and response times halve (improving) or double.
    * Quality: a lot is nonconforming with probability ``min(40 x rate, 0.6)``; its defectives are
      binomial so that the expected defective fraction over all lots is the supplier's rate.

    Examples
    --------
    >>> from supplier_analytics.datasets import make_procurement_data
    >>> data = make_procurement_data(n_suppliers=8, n_deliveries=400, months=12, seed=1)
    >>> data
    ProcurementData(deliveries=400, inspections=108, requests=32, suppliers=8, exclusions=3, truth=8 suppliers)
    >>> list(data.deliveries.columns[:5])
    ['supplier_id', 'po_id', 'line_id', 'item', 'quantity_ordered']
    >>> data.deliveries["date_received"].min() >= pd.Timestamp("2025-01-01")
    True
    >>> data.deliveries["date_received"].max() <= pd.Timestamp("2025-12-31")
    True
    >>> sorted(data.truth["trend"].unique())
    ['deteriorating', 'improving', 'stable']
    """
    plan = _plan(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows)
    parts = [_make_chunk(plan, c) for c in range(len(plan.chunk_counts))]
    deliveries, inspections, requests, exclusions = (
        pd.concat([p[i] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][i] for i in range(4)
    )
    return ProcurementData(
        deliveries=deliveries,
        inspections=inspections,
        requests=requests,
        suppliers=plan.suppliers,
        exclusions=exclusions,
        truth=plan.truth,
    )


# --------------------------------------------------------------------------- public: write


def _arrow_schema(table: str):
    import pyarrow as pa

    if table == "truth":
        types = TRUTH_COLUMNS
    else:
        types = TABLES[table].dtypes()
    arrow = {
        "string": pa.string(), "float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_(),
        "datetime64[ns]": pa.timestamp("ns"),
    }
    return pa.schema([(name, arrow[dtype]) for name, dtype in types.items()])


def _csv_date_format(table: str) -> str:
    return "%Y-%m-%d %H:%M:%S" if table == "requests" else "%Y-%m-%d"


class _Writer:
    """Appends frames of one table to a csv or parquet file."""

    def __init__(self, path: Path, table: str, fmt: str):
        self.path, self.table, self.fmt = path, table, fmt
        self._parquet = None
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame.to_csv(self.path, mode="a" if self._started else "w", header=not self._started, index=False,
                         date_format=_csv_date_format(self.table), lineterminator="\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = _arrow_schema(self.table)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, schema)
            self._parquet.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
        self._started = True

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif not self._started:  # never written: at least the header
            empty = _empty_truth() if self.table == "truth" else _conform(
                pd.DataFrame({c: [] for c in TABLES[self.table].names}), self.table)
            self.write(empty)
            if self._parquet is not None:
                self._parquet.close()


def _xlsx_cells(frame: pd.DataFrame, table: str) -> list:
    types = TRUTH_COLUMNS if table == "truth" else TABLES[table].dtypes()
    kinds = {} if table == "truth" else {c.name: c.kind for c in TABLES[table].columns}
    columns = []
    for name in frame.columns:
        s = frame[name]
        if types[name] == "datetime64[ns]":
            values = s.dt.date if kinds.get(name, "date") == "date" else pd.Series(s.dt.to_pydatetime(), dtype=object)
            values = np.where(s.isna().to_numpy(), None, np.asarray(values, dtype=object))
        else:
            values = np.where(s.isna().to_numpy(), None, s.astype(object).to_numpy())
        columns.append(values)
    return columns


def _write_xlsx(frame: pd.DataFrame, path: Path, table: str) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table)
    ws.freeze_panes = "A2"
    ws.append(list(frame.columns))
    for row in zip(*_xlsx_cells(frame, table)):
        ws.append(row)
    wb.save(path)


def write_procurement_data(
    out: str | Path,
    *,
    n_suppliers: int = 60,
    n_deliveries: int = 20_000,
    seed: int = 42,
    format: str = "csv",
    start: str | dt.date = "2025-01-01",
    months: int = 24,
    inspection_ratio: float = 0.25,
    request_ratio: float = 0.08,
    chunk_rows: int = 1_000_000,
) -> Path:
    """Write a generated data set as one file per table, chunk by chunk.

    Parameters
    ----------
    out : folder to write into (created when absent; files of the same names are replaced).
    n_suppliers, n_deliveries, seed, start, months, inspection_ratio, request_ratio, chunk_rows :
        as in :func:`make_procurement_data`; the files hold exactly the frames it returns for the
        same arguments.
    format : ``"csv"`` (UTF-8, ISO dates), ``"parquet"`` (one row group per chunk) or ``"xlsx"``
        (one workbook per table, at most 1,048,575 rows each; slow for large sizes).

    Returns
    -------
    pathlib.Path
        The folder, holding ``deliveries``, ``inspections``, ``requests``, ``suppliers``,
        ``exclusions`` and ``truth`` files with the format's extension.

    Notes
    -----
    Only one chunk of ``chunk_rows`` delivery rows (and its inspections and requests) is in
    memory at a time for csv and parquet, so ten million rows need about as much memory as
    one million.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_procurement_data(tempfile.mkdtemp(), n_suppliers=5, n_deliveries=100, months=6)
    >>> sorted(p.name for p in folder.iterdir())
    ['deliveries.csv', 'exclusions.csv', 'inspections.csv', 'requests.csv', 'suppliers.csv', 'truth.csv']
    """
    if format not in ("csv", "parquet", "xlsx"):
        raise ConfigError(f"format must be 'csv', 'parquet' or 'xlsx', got {format!r}; pick one of these.")
    plan = _plan(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows)
    out = Path(out)
    names = (*TABLES, "truth")
    if format == "xlsx":
        if n_deliveries > _XLSX_MAX_ROWS:
            raise ConfigError(
                f"{n_deliveries:,} delivery rows do not fit on an Excel sheet (at most {_XLSX_MAX_ROWS:,} rows); "
                "use --format csv or --format parquet for data this large."
            )
        data = make_procurement_data(
            n_suppliers=n_suppliers, n_deliveries=n_deliveries, start=start, months=months, seed=seed,
            inspection_ratio=inspection_ratio, request_ratio=request_ratio, chunk_rows=chunk_rows,
        )
        frames = {**data.tables, "truth": data.truth}
        for name, frame in frames.items():
            if len(frame) > _XLSX_MAX_ROWS:
                raise ConfigError(
                    f"{len(frame):,} {name} rows do not fit on an Excel sheet (at most {_XLSX_MAX_ROWS:,} rows); "
                    "use --format csv or --format parquet for data this large."
                )
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            _write_xlsx(frames[name], out / f"{name}.xlsx", name)
        return out

    out.mkdir(parents=True, exist_ok=True)
    writers = {name: _Writer(out / f"{name}.{format}", name, format) for name in names}
    try:
        writers["suppliers"].write(plan.suppliers)
        writers["truth"].write(plan.truth)
        for c in range(len(plan.chunk_counts)):
            for name, frame in zip(("deliveries", "inspections", "requests", "exclusions"), _make_chunk(plan, c)):
                if len(frame) or c == 0:
                    writers[name].write(frame)
    finally:
        for w in writers.values():
            w.close()
    return out


# --------------------------------------------------------------------------- sample folder


def load_sample(directory: str | Path) -> ProcurementData:
    """Read the canonical CSV files of a sample folder with the schema dtypes.

    Parameters
    ----------
    directory : folder holding ``deliveries.csv``, ``inspections.csv``, ``requests.csv``,
        ``suppliers.csv`` and ``exclusions.csv`` (and optionally ``truth.csv``), such as
        ``data/sample`` of the repository (``"../data/sample"`` from a notebook).

    Returns
    -------
    ProcurementData
        The tables as written by :func:`write_sample` (or :func:`write_procurement_data` with
        ``format="csv"``); ``truth`` is empty when the folder has no ``truth.csv``.

    Raises
    ------
    InputError
        When a file is missing or lacks a canonical column.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_procurement_data(tempfile.mkdtemp(), n_suppliers=5, n_deliveries=100, months=6, seed=3)
    >>> data = load_sample(folder)
    >>> data.deliveries.dtypes["date_received"], data.deliveries.dtypes["po_id"]
    (dtype('<M8[ns]'), <StringDtype(na_value=<NA>)>)
    >>> len(data.deliveries)
    100
    """
    from supplier_analytics.errors import InputError

    directory = Path(directory)
    frames = {}
    for name, schema in TABLES.items():
        path = directory / f"{name}.csv"
        if not path.is_file():
            raise InputError(f"{path} does not exist; pass the folder that holds the sample's {name}.csv.")
        frames[name] = _read_csv(path, schema.dtypes(), name)
    truth_path = directory / "truth.csv"
    truth = _read_csv(truth_path, TRUTH_COLUMNS, "truth") if truth_path.is_file() else _empty_truth()
    return ProcurementData(**frames, truth=truth)


def _read_csv(path: Path, dtypes: dict[str, str], name: str) -> pd.DataFrame:
    from supplier_analytics.errors import InputError

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in dtypes if c not in frame.columns]
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(missing)}; regenerate it with write_sample.")
    out = {}
    for col, dtype in dtypes.items():
        s = frame[col]
        if dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(s, format="ISO8601").astype(dtype)
        elif dtype == "bool":
            out[col] = s.map({"True": True, "False": False}).astype(bool)
        else:
            out[col] = s.astype(dtype)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- data/sample writers

_SAMPLE_STAMP = dt.datetime(2026, 10, 1, 6, 0, 0)  # "exported on": fixed so regenerated files are identical
_SAP_FROM = pd.Timestamp("2026-04-01")  # the SAP export covers the last six months
_ERP_FROM = pd.Timestamp("2025-10-01")  # the ERP export covers the last twelve months

#: Source header of each canonical column in the SAP goods-receipt export.
SAP_COLUMNS = {
    "supplier_id": "Lieferant",
    "po_id": "Einkaufsbeleg",
    "line_id": "Position",
    "item": "Material",
    "site": "Werk",
    "quantity_ordered": "Bestellmenge",
    "quantity_received": "Menge im WE",
    "date_ordered": "Bestelldatum",
    "date_promised": "Liefertermin",
    "date_received": "WE-Datum",
    "receipt_id": "Materialbeleg",
    "value": "Betrag",
}
_SAP_HEADER = [
    "Lieferant", "Name 1", "Einkaufsbeleg", "Position", "Material", "Werk", "Bestellmenge", "Menge im WE",
    "ME", "Bestelldatum", "Liefertermin", "WE-Datum", "Buchungsdatum", "Materialbeleg", "Betrag", "Währung",
]
_SAP_HEADER_ROW = 5

#: Sheet and source header of each canonical column in the English ERP export.
ERP_SHEETS = {
    "deliveries": ("Receipts", {
        "supplier_id": "Vendor",
        "po_id": "Purchase Order",
        "line_id": "Line",
        "item": "Product",
        "quantity_ordered": "Ordered Qty",
        "quantity_received": "Received Qty",
        "date_ordered": "Order Date",
        "date_requested": "Requested Date",
        "date_promised": "Promised Date",
        "date_received": "Receipt Date",
        "value": "Amount",
        "site": "Warehouse",
        "receipt_id": "Receipt",
    }),
    "inspections": ("Quality", {
        "supplier_id": "Vendor",
        "date": "Inspection Date",
        "lot_id": "Lot",
        "item": "Product",
        "site": "Warehouse",
        "quantity_inspected": "Inspected Qty",
        "quantity_defective": "Defective Qty",
        "defect_code": "Defect Code",
        "downtime_minutes": "Downtime (min)",
    }),
    "requests": ("Requests", {
        "supplier_id": "Vendor",
        "request_id": "Ticket",
        "request_type": "Type",
        "date_sent": "Sent",
        "date_responded": "Responded",
        "date_closed": "Closed",
        "date_due": "Due",
    }),
    "suppliers": ("Vendors", {
        "supplier_id": "Vendor",
        "supplier_name": "Name",
        "category": "Category",
        "country": "Country",
        "annual_spend": "Annual Spend",
    }),
}


def _german_number(values: np.ndarray, decimals: int) -> np.ndarray:
    """1234.5 -> "1.234,500" (thousands points, decimal comma), as an SAP list shows it."""
    return np.array([f"{v:,.{decimals}f}".translate(str.maketrans(",.", ".,")) for v in values], dtype=object)


def _german_date(values: pd.Series) -> np.ndarray:
    return values.dt.strftime("%d.%m.%Y").to_numpy(dtype=object)


def _save_reproducible(wb, path: Path) -> None:
    """Save ``wb`` so that the same content gives the same bytes (fixed timestamps inside the zip)."""
    import io
    import zipfile

    wb.properties.created = _SAMPLE_STAMP
    wb.properties.modified = _SAMPLE_STAMP
    wb.properties.creator = "supplier-analytics sample"
    stamp = _SAMPLE_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_SAMPLE_STAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            dst.writestr(fixed, content)


def _format_sheet(ws, header_row: int, widths: list[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def _write_sap_export(data: ProcurementData, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    d = data.deliveries[data.deliveries["date_received"] >= _SAP_FROM].sort_values("receipt_id")
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    rng = np.random.default_rng([SAMPLE_PARAMETERS["seed"], 10])
    posting = d["date_received"] + pd.to_timedelta(rng.choice(4, len(d), p=[0.85, 0.12, 0.02, 0.01]), unit="D")
    columns = [
        d["supplier_id"].to_numpy(dtype=object),
        names.reindex(d["supplier_id"]).to_numpy(dtype=object),
        d["po_id"].to_numpy(dtype=object),
        d["line_id"].to_numpy(dtype=object),
        d["item"].to_numpy(dtype=object),
        d["site"].to_numpy(dtype=object),
        _german_number(d["quantity_ordered"].to_numpy(), 3),
        _german_number(d["quantity_received"].to_numpy(), 3),
        np.full(len(d), "ST", dtype=object),
        _german_date(d["date_ordered"]),
        _german_date(d["date_promised"]),
        _german_date(d["date_received"]),
        _german_date(posting),
        d["receipt_id"].to_numpy(dtype=object),
        _german_number(d["value"].to_numpy(), 2),
        np.full(len(d), "EUR", dtype=object),
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    ws.append(["Materialbelegliste - Wareneingänge zur Bestellung (Bewegungsart 101)"])
    ws.append([f"Selektion: Werk {', '.join(_SITES)}; Buchungsdatum {_SAP_FROM:%d.%m.%Y} bis 30.09.2026"])
    ws.append([f"Erstellt am {_SAMPLE_STAMP:%d.%m.%Y %H:%M} von EINKAUF01"])
    ws.append([])
    ws.append(_SAP_HEADER)
    for row in zip(*columns):
        ws.append(list(row))
    totals = [None] * len(_SAP_HEADER)
    totals[0] = "Summe"
    totals[_SAP_HEADER.index("Bestellmenge")] = _german_number(np.array([d["quantity_ordered"].sum()]), 3)[0]
    totals[_SAP_HEADER.index("Menge im WE")] = _german_number(np.array([d["quantity_received"].sum()]), 3)[0]
    totals[_SAP_HEADER.index("Betrag")] = _german_number(np.array([d["value"].sum()]), 2)[0]
    ws.append(totals)
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    _format_sheet(ws, _SAP_HEADER_ROW, [10, 34, 13, 9, 10, 7, 14, 14, 5, 12, 12, 12, 13, 13, 14, 8])
    _save_reproducible(wb, path)
    return len(d)


def _write_erp_export(data: ProcurementData, path: Path) -> dict[str, int]:
    from openpyxl import Workbook

    frames = {
        "deliveries": data.deliveries[data.deliveries["date_received"] >= _ERP_FROM],
        "inspections": data.inspections[data.inspections["date"] >= _ERP_FROM],
        "requests": data.requests[data.requests["date_sent"] >= _ERP_FROM],
        "suppliers": data.suppliers,
    }
    wb = Workbook()
    wb.remove(wb.active)
    written = {}
    for table, (sheet, columns) in ERP_SHEETS.items():
        frame = frames[table]
        kinds = {c.name: c.kind for c in TABLES[table].columns}
        ws = wb.create_sheet(sheet)
        ws.append(list(columns.values()))
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(columns)).column_letter}{len(frame) + 1}"
        cells = []
        formats = []
        for canonical in columns:
            s = frame[canonical]
            if kinds[canonical] == "date":
                values = np.where(s.isna().to_numpy(), None, s.dt.to_pydatetime().astype(object))
                formats.append("mm/dd/yyyy")
            elif kinds[canonical] == "datetime":
                values = np.where(s.isna().to_numpy(), None, s.dt.to_pydatetime().astype(object))
                formats.append("mm/dd/yyyy hh:mm")
            elif canonical == "line_id":  # line numbers come out of the ERP as numbers
                values = s.astype("int64").to_numpy(dtype=object)
                formats.append(None)
            else:
                values = np.where(s.isna().to_numpy(), None, s.astype(object).to_numpy())
                formats.append("#,##0.00" if canonical in ("value", "annual_spend") else None)
            cells.append(values)
        for row in zip(*cells):
            ws.append(list(row))
        for col, fmt in enumerate(formats, start=1):
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = fmt
        _format_sheet(ws, 1, [max(10, len(h) + 4) if kinds[c] not in ("date", "datetime") else 17
                              for c, h in columns.items()])
        written[table] = len(frame)
    _save_reproducible(wb, path)
    return written


def _sap_mapping() -> str:
    lines = [
        "# Mapping of the SAP goods-receipt list (exports/sap_goods_receipts.xlsx) to the canonical",
        "# deliveries table. Three title rows and a blank row stand above the header; numbers are",
        "# text with decimal commas and thousands points; dates are dd.mm.yyyy text; the last row",
        '# is a totals row ("Summe"). "Buchungsdatum" (posting date) is deliberately not used:',
        '# the goods-receipt date "WE-Datum" is when the goods arrived.',
        "",
        "[deliveries]",
        'sheet = "Tabelle1"',
        f"header_row = {_SAP_HEADER_ROW}",
        'decimal = ","',
        'thousands = "."',
        "dayfirst = true",
        "",
        "[deliveries.columns]",
        *(f'{canonical} = "{source}"' for canonical, source in SAP_COLUMNS.items()),
        "",
        "[deliveries.date_formats]",
        'date_ordered = "%d.%m.%Y"',
        'date_promised = "%d.%m.%Y"',
        'date_received = "%d.%m.%Y"',
        "",
    ]
    return "\n".join(lines)


def _erp_mapping() -> str:
    lines = [
        "# Mapping of the English ERP export (exports/erp_export_en.xlsx) to the canonical tables:",
        "# one table per sheet, header in the first row, real Excel date and datetime cells.",
    ]
    for table, (sheet, columns) in ERP_SHEETS.items():
        lines += ["", f"[{table}]", f'sheet = "{sheet}"', "header_row = 1", "", f"[{table}.columns]"]
        lines += [f'{canonical} = "{source}"' for canonical, source in columns.items()]
    return "\n".join(lines) + "\n"


def write_sample(directory: str | Path) -> Path:
    """(Re)create the sample folder: canonical CSVs, truth, Excel exports, mappings and README.

    The content is fully determined by :data:`SAMPLE_PARAMETERS`, so running this again
    gives identical files. Other files in the folder (such as ``scoring.toml``) are left alone.

    Parameters
    ----------
    directory : the folder to write, ``data/sample`` in the repository.

    Returns
    -------
    pathlib.Path
        The folder, holding ``deliveries.csv``, ``inspections.csv``, ``requests.csv``,
        ``suppliers.csv``, ``exclusions.csv``, ``truth.csv``, ``exports/sap_goods_receipts.xlsx``,
        ``exports/erp_export_en.xlsx``, ``mappings/sap_goods_receipts.toml``,
        ``mappings/erp_export_en.toml`` and ``README.md``.

    Examples
    --------
    Regenerate the repository's sample (about 3 seconds; the test suite checks that the
    committed files are what this writes):

    >>> write_sample("data/sample")  # doctest: +SKIP
    PosixPath('data/sample')
    """
    directory = Path(directory)
    (directory / "exports").mkdir(parents=True, exist_ok=True)
    (directory / "mappings").mkdir(parents=True, exist_ok=True)
    data = make_procurement_data(**SAMPLE_PARAMETERS)
    for name, frame in {**data.tables, "truth": data.truth}.items():
        writer = _Writer(directory / f"{name}.csv", name, "csv")
        writer.write(frame)
        writer.close()
    sap_rows = _write_sap_export(data, directory / "exports" / "sap_goods_receipts.xlsx")
    erp_rows = _write_erp_export(data, directory / "exports" / "erp_export_en.xlsx")
    (directory / "mappings" / "sap_goods_receipts.toml").write_text(_sap_mapping(), encoding="utf-8")
    (directory / "mappings" / "erp_export_en.toml").write_text(_erp_mapping(), encoding="utf-8")
    (directory / "README.md").write_text(_sample_readme(data, sap_rows, erp_rows), encoding="utf-8")
    return directory


_TRUTH_DOC = {
    "supplier_id": "Supplier (vendor) number.",
    "n_deliveries": "Delivery rows of the supplier in `deliveries.csv`.",
    "volume_share": "Share of all delivery rows.",
    "low_volume": "True when the supplier has fewer than 10 delivery rows.",
    "base_on_time_prob": "Probability that a line's first receipt arrives 0 to 3 days before the promised "
                         "date, before any trend (October to December the odds of a miss are 1.5 times higher).",
    "base_defect_rate": "Expected defective fraction of inspected quantity, before any trend.",
    "base_response_hours": "Median hours to answer a request (times a factor per request type).",
    "trend": "`stable`, `improving` or `deteriorating`.",
    "trend_size": "Change of the on-time probability from the trend's start to the last day (signed).",
    "trend_defect_factor": "Defect rate on the last day divided by the base rate (1 when stable).",
    "trend_start": "First day of the month in which the trend starts (empty when stable).",
}


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return out


def _sample_readme(data: ProcurementData, sap_rows: int, erp_rows: dict[str, int]) -> str:
    p = SAMPLE_PARAMETERS
    t = data.truth
    lines = [
        "# Sample data",
        "",
        "A small, synthetic but realistic procurement data set: "
        f"{p['n_suppliers']} suppliers, {p['n_deliveries']:,} delivery rows, {p['months']} months "
        f"from {p['start']} to 2026-09-30. It is what `make demo` scores, what the notebooks use and "
        "what the tests of later stages check their findings against (`truth.csv`).",
        "",
        "**Generated, do not edit by hand.** Every file except `scoring.toml` is written by",
        "",
        "```",
        "python -c \"from supplier_analytics.datasets import write_sample; write_sample('data/sample')\"",
        "```",
        "",
        "which calls `make_procurement_data(" + ", ".join(f"{k}={v!r}" for k, v in p.items()) + ")` "
        "and is deterministic: running it again gives identical files. Load the canonical tables with "
        "`supplier_analytics.datasets.load_sample('data/sample')` (from a notebook: `'../data/sample'`).",
        "",
        "## Files",
        "",
    ]
    lines += _md_table(["file", "rows", "what it is"], [
        ["`deliveries.csv`", len(data.deliveries), "canonical deliveries: one row per goods receipt"],
        ["`inspections.csv`", len(data.inspections), "canonical inspections: inspected lots and quality incidents"],
        ["`requests.csv`", len(data.requests), "canonical requests: RFQs, complaints, corrective actions, "
                                               "expedites, inquiries"],
        ["`suppliers.csv`", len(data.suppliers), "canonical supplier master"],
        ["`exclusions.csv`", len(data.exclusions), "canonical exclusions: records excused from scoring"],
        ["`truth.csv`", len(data.truth), "the parameters each supplier's data were drawn from (not an input)"],
        ["`exports/sap_goods_receipts.xlsx`", sap_rows, "SAP-style goods-receipt list, last 6 months"],
        ["`exports/erp_export_en.xlsx`", ", ".join(f"{ERP_SHEETS[k][0]} {v}" for k, v in erp_rows.items()),
         "English ERP export, last 12 months, one sheet per table"],
        ["`mappings/sap_goods_receipts.toml`", None, "mapping of the SAP export to `deliveries`"],
        ["`mappings/erp_export_en.toml`", None, "mapping of the ERP export, one table per sheet"],
        ["`scoring.toml`", None, "the scoring configuration used by `make demo` (maintained by hand)"],
    ])
    lines += [
        "",
        "The CSV files are UTF-8 with a header row of canonical column names, ISO dates (`YYYY-MM-DD`; "
        "request times `YYYY-MM-DD HH:MM:SS`) and empty cells for missing values.",
        "",
        "## Canonical columns",
        "",
        "Dtypes are those of `supplier_analytics.schema.TABLES`; required columns are never empty.",
    ]
    for name, schema in TABLES.items():
        lines += ["", f"### {name}.csv", "", schema.description, ""]
        lines += _md_table(["column", "dtype", "required", "meaning"], [
            [f"`{c.name}`", c.dtype, "yes" if c.required else "", c.description] for c in schema.columns])
    lines += [
        "",
        "### truth.csv",
        "",
    ]
    lines += _md_table(["column", "dtype", "meaning"],
                       [[f"`{c}`", d, _TRUTH_DOC[c]] for c, d in TRUTH_COLUMNS.items()])
    lines += [
        "",
        "## What is in the data",
        "",
        "- Volumes are skewed (log-normal shares). Purchase orders have one or more lines (`line_id` "
        "10, 20, ...); about 10% of receipts continue an order line, so a line can have two or three "
        "receipts with their own `receipt_id` (split and partial deliveries). About 3% of lines are "
        "short and 1.5% over-delivered; 20% of split lines stay partly open.",
        "- Receipts are rare on weekends, fewer in August and from 22 December. Lateness rises in "
        "October to December. A line's first receipt is on time (0-3 days early) with the supplier's "
        "on-time probability; otherwise it is late with a long right tail, or more than 3 days early.",
        "- `date_requested` is the promised date or up to a week before it; `date_ordered` is a "
        "log-normal lead time before it, shared by all lines of a purchase order.",
        "- Inspections: most lots have no defectives; nonconforming lots carry a defect code and "
        "sometimes downtime. Rows with an empty `quantity_inspected` are quality incidents reported "
        "from the line (lot numbers starting with `20`). Defect codes, most frequent first: "
        + ", ".join(f"`{k}` {v}" for k, v in DEFECT_CODES.items()) + ".",
        "- Requests have log-normal response times; expedites are answered fastest, corrective "
        "actions slowest. Complaints (due in 7 days) and corrective actions (due in 30 days) are "
        "closed some days after the answer, some late; requests still unanswered on 2026-09-30 have "
        "an empty `date_responded`, a few of them long overdue.",
        "- Exclusions refer to real records: `BUYER_DATE_CHANGE` (one late line), `FORCE_MAJEURE` "
        "(every line of a late order, `line_id` empty), `CUSTOMER_CAUSED` (a rejected lot) and "
        "`REQUEST_WITHDRAWN` (an open request).",
        "",
        "## Known trends",
        "",
        "From the trend's start to 2026-09-30 the on-time probability moves linearly by `trend_size`, "
        "the defect rate by the factor `trend_defect_factor` and response times halve (improving) or "
        "double (deteriorating). All other suppliers are stable.",
        "",
    ]
    trends = t[t["trend"] != "stable"].sort_values(["trend", "supplier_id"])
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    lines += _md_table(
        ["supplier", "name", "trend", "rows", "on-time prob. before", "after", "defect factor", "from"],
        [[r.supplier_id, names[r.supplier_id], r.trend, r.n_deliveries, f"{r.base_on_time_prob:.2f}",
          f"{r.base_on_time_prob + r.trend_size:.2f}", f"{r.trend_defect_factor:.2f}", f"{r.trend_start:%Y-%m}"]
         for r in trends.itertuples()])
    low = t[t["low_volume"]].sort_values("supplier_id")
    lines += [
        "",
        "## Low-volume suppliers",
        "",
        "Fewer than 10 delivery rows in two years: too little evidence for a confident grade.",
        "",
    ]
    lines += _md_table(["supplier", "name", "rows"],
                       [[r.supplier_id, names[r.supplier_id], r.n_deliveries] for r in low.itertuples()])
    lines += [
        "",
        "## exports/sap_goods_receipts.xlsx",
        "",
        f"Goods receipts with a receipt date from {_SAP_FROM:%Y-%m-%d} (sheet `Tabelle1`), shaped like an SAP "
        f"list exported to Excel: three title rows (report name, selection, creation date) and a blank "
        f"row above the header in row {_SAP_HEADER_ROW}, all values as text, dates as `dd.mm.yyyy`, "
        "quantities and amounts with decimal commas and thousands points (`1.234,000`), and a totals "
        "row `Summe` at the bottom. The same records as `deliveries.csv`.",
        "",
    ]
    sap_rows_doc = {v: k for k, v in SAP_COLUMNS.items()}
    extra = {"Name 1": "supplier name (not mapped; the master has it)", "ME": "unit of measure (ST = pieces)",
             "Buchungsdatum": "posting date, 0-3 days after the receipt (not mapped: use the receipt date)",
             "Währung": "currency (EUR)"}
    lines += _md_table(["source header", "canonical column"],
                       [[f"`{h}`", f"`{sap_rows_doc[h]}`" if h in sap_rows_doc else extra[h]] for h in _SAP_HEADER])
    lines += [
        "",
        "## exports/erp_export_en.xlsx",
        "",
        f"An English ERP export (Odoo, Dynamics or ERPNext style) of the records from {_ERP_FROM:%Y-%m-%d}: "
        "one sheet per table, header in row 1, real Excel date cells (datetimes for requests), "
        "line numbers as numbers, an empty `Inspected Qty` for quality incidents.",
    ]
    for table, (sheet, columns) in ERP_SHEETS.items():
        lines += ["", f"Sheet `{sheet}` -> `{table}`:", ""]
        lines += _md_table(["source header", "canonical column"],
                           [[f"`{s}`", f"`{c}`"] for c, s in columns.items()])
    lines += [
        "",
        "## mappings/",
        "",
        "TOML files in the format `read_table(..., mapping=...)` and `supplier-analytics validate "
        "--mapping` take: one table per canonical table with optional `sheet`, `header_row` (1-based, "
        "as Excel shows it), `decimal`, `thousands`, `dayfirst`, a `columns` sub-table "
        "(canonical name = source header) and a `date_formats` sub-table (canonical name = strptime "
        "format). For example:",
        "",
        "```",
        "supplier-analytics validate --deliveries data/sample/exports/sap_goods_receipts.xlsx \\",
        "    --mapping data/sample/mappings/sap_goods_receipts.toml",
        "```",
        "",
    ]
    return "\n".join(lines)


#: Problems planted by :func:`write_broken_copy`: (data row offset, SAP header, new cell value, what is wrong).
BROKEN_CELLS = (
    (0, "Bestellmenge", "zwölf", "text in a number column"),
    (1, "Liefertermin", "31.02.2026", "a date that does not exist"),
    (2, "Lieferant", None, "a required value missing"),
    (3, "Menge im WE", "1.234,5x", "a number with stray characters"),
    (4, "Bestellmenge", "-5,000", "a negative ordered quantity"),
    (5, "WE-Datum", "01.01.1850", "a date out of range"),
    (6, "WE-Datum", "01.01.2000", "received before it was ordered"),
)


def write_broken_copy(src: str | Path, dst: str | Path, *, header_row: int = 5) -> pd.DataFrame:
    """Copy the sample SAP goods-receipt export with known problems planted in it.

    For demonstrating and testing validation: :data:`BROKEN_CELLS` lists each
    problem; the seven data rows after the header get one each, and the eighth
    row is written a second time at the end of the data (an exact duplicate).

    Parameters
    ----------
    src : the sample export (``data/sample/exports/sap_goods_receipts.xlsx``).
    dst : where to write the broken copy (a new .xlsx).
    header_row : the row of the header in ``src`` (1-based, as Excel shows it).

    Returns
    -------
    DataFrame
        One row per planted problem: ``row`` (as Excel shows it), ``column``
        (the source header), ``value`` written and ``problem``.
    """
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    header = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    planted = []
    for offset, column, value, problem in BROKEN_CELLS:
        row = header_row + 1 + offset
        ws.cell(row, header[column]).value = value
        planted.append({"row": row, "column": column, "value": value, "problem": problem})
    # The duplicate goes just above the totals row ("Summe"), which stays last.
    last = ws.max_row
    if str(ws.cell(last, 1).value or "").strip().lower() not in ("summe", "total"):
        last += 1
    dup_source = header_row + 1 + len(BROKEN_CELLS)
    ws.insert_rows(last)
    for c in range(1, ws.max_column + 1):
        ws.cell(last, c).value = ws.cell(dup_source, c).value
    planted.append({"row": last, "column": None, "value": None,
                    "problem": f"an exact duplicate of row {dup_source}"})
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return pd.DataFrame(planted, columns=["row", "column", "value", "problem"])
