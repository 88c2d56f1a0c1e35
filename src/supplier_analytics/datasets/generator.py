"""The seeded generator: :func:`make_procurement_data` and the :class:`ProcurementData` it returns.

Every canonical table (see :mod:`supplier_analytics.schema`) is drawn together with the ``truth``
behind it (each supplier's on-time probability, defect rate and trend), chunk by chunk
(:func:`make_plan`, :func:`make_chunk`), so that the writers can produce ten million rows in modest
memory. Everything is vectorised with numpy and every random draw comes from a generator seeded by
``seed``: the same arguments give the same frames.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError
from supplier_analytics.schema import TABLES

__all__ = [
    "ProcurementData",
    "make_procurement_data",
    "make_plan",
    "make_chunk",
    "conform",
    "empty_truth",
    "TRUTH_COLUMNS",
    "DEFECT_CODES",
    "SAMPLE_PARAMETERS",
    "SITES",
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

SITES = np.array(["DE10", "DE20", "CZ10", "PL10"])
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
    truth: pd.DataFrame = field(default_factory=lambda: empty_truth())

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The five canonical tables by name (deliveries, inspections, requests, suppliers, exclusions)."""
        return {name: getattr(self, name) for name in TABLES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(frame)}" for name, frame in self.tables.items())
        return f"ProcurementData({sizes}, truth={len(self.truth)} suppliers)"


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
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


def make_plan(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows) -> Plan:
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
    main_site = rng.choice(len(SITES), S, p=_SITE_P)

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
    suppliers = conform(suppliers, "suppliers")

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

    return Plan(
        seed=seed, start=days[0], n_days=n_days, day_p=day_p, month_of_day=month_of_day, ids=ids, counts=counts,
        chunk_counts=chunk_counts, chunk_rows=chunk_rows, p_on=p_on, on_change=on_change, defect=defect,
        defect_factor=defect_factor, response_hours=response_hours, trend_code=trend,
        trend_start_day=trend_start_day, lead_days=lead_days, qty_median=qty_median, n_items=n_items,
        prices=prices, main_site=main_site, inspection_ratio=float(inspection_ratio),
        request_ratio=float(request_ratio), suppliers=suppliers, truth=truth,
    )


# --------------------------------------------------------------------------- helpers


def empty_truth() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in TRUTH_COLUMNS.items()})


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
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


def _progress(plan: Plan, sup: np.ndarray, day: np.ndarray) -> np.ndarray:
    """0 before a supplier's trend starts, rising linearly to 1 on the last day; 0 for stable suppliers."""
    ts = plan.trend_start_day[sup]
    span = np.maximum(plan.n_days - 1 - ts, 1)
    prog = np.clip((day - ts) / span, 0.0, 1.0)
    return np.where(plan.trend_code[sup] != 0, prog, 0.0)


def _dates(plan: Plan, day: np.ndarray) -> np.ndarray:
    return (plan.start + day.astype("timedelta64[D]")).astype("datetime64[ns]")


# --------------------------------------------------------------------------- one chunk


def make_chunk(plan: Plan, c: int):
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
    site = np.where(rng.random(n_lines) < 0.8, plan.main_site[ls], rng.choice(len(SITES), n_lines, p=_SITE_P))

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
            "site": SITES[site[line_no]],
        }
    ).iloc[row_order].reset_index(drop=True)
    deliveries["receipt_id"] = _ids(5_000_000_000 + base + np.arange(n))
    r_sup, r_day = sup[row_order], day[row_order]
    r_late = (day - promised[line_no])[row_order]
    r_first = new_line[row_order]

    inspections = _inspections(plan, rng, deliveries, r_sup, r_day, base)
    requests = _requests(plan, rng, n, r_sup, r_day, base)
    exclusions = _exclusions(plan, rng, deliveries, r_late, r_first, inspections, requests, n)
    return (conform(deliveries, "deliveries"), inspections, requests, exclusions)


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
    return conform(lots, "inspections")


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
    return conform(frame, "requests")


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
        return conform(pd.DataFrame({c: [] for c in TABLES["exclusions"].names}), "exclusions")
    frame = pd.concat(parts, ignore_index=True)
    frame["decided_on"] = np.minimum(pd.to_datetime(frame["decided_on"]).dt.normalize(), _dates(plan, np.array([plan.n_days - 1]))[0])
    return conform(frame, "exclusions")


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
    plan = make_plan(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows)
    parts = [make_chunk(plan, c) for c in range(len(plan.chunk_counts))]
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
