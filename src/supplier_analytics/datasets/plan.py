"""What is fixed before any record is drawn: the suppliers, their parameters and the truth (:func:`make_plan`).

The :class:`Plan` holds every supplier's volume, on-time probability, defect rate, response time and
trend, its month-to-month deviations (:func:`monthly_deviations`), the calendar and how many delivery rows
each chunk draws per supplier; :mod:`.chunk` draws the record tables from it. Also here: :func:`conform` (the canonical columns and dtypes every generated
table is given) and the truth's columns (:data:`TRUTH_COLUMNS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError
from supplier_analytics.schema import TABLES

__all__ = [
    "Plan",
    "make_plan",
    "monthly_deviations",
    "conform",
    "empty_truth",
    "TRUTH_COLUMNS",
    "VARIATION_DEFAULTS",
    "METRICS",
    "SITES",
    "SITE_SHARES",
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
    "variation_sd": "float64",
    "variation_phi": "float64",
    "seasonality": "float64",
}

#: The variation arguments of :func:`~.generator.make_procurement_data` and their defaults (no variation).
VARIATION_DEFAULTS = {"variation_sd": 0.0, "variation_phi": 0.5, "seasonality": 0.0}

#: The metrics that vary month to month, in the order of :attr:`Plan.deviation`'s first axis.
METRICS = ("on_time", "in_full", "defect", "response")

SITES = np.array(["DE10", "DE20", "CZ10", "PL10"])
SITE_SHARES = np.array([0.45, 0.25, 0.18, 0.12])

_CATEGORIES = np.array(
    ["Machined parts", "Electronics", "Plastics", "Packaging", "Fasteners", "Castings", "Raw materials", "Cables"]
)
# Typical order quantity (median) and unit price (median, EUR) per category.
_CATEGORY_QTY = np.array([200.0, 500.0, 1000.0, 2000.0, 5000.0, 100.0, 800.0, 300.0])
_CATEGORY_PRICE = np.array([12.0, 3.5, 0.8, 0.4, 0.05, 45.0, 2.5, 6.0])
_CATEGORY_WORD = np.array(
    [
        "Präzisionstechnik",
        "Electronics",
        "Kunststofftechnik",
        "Verpackungen",
        "Verbindungstechnik",
        "Gießerei",
        "Materials",
        "Kabelsysteme",
    ]
)
_COUNTRIES = np.array(["DE", "PL", "CZ", "IT", "AT", "FR", "CN", "US"])
_COUNTRY_P = np.array([0.38, 0.14, 0.12, 0.1, 0.07, 0.06, 0.08, 0.05])
_LEGAL = {
    "DE": "GmbH",
    "PL": "Sp. z o.o.",
    "CZ": "s.r.o.",
    "IT": "S.r.l.",
    "AT": "GmbH",
    "FR": "SAS",
    "CN": "Co., Ltd.",
    "US": "Inc.",
}
_SURNAMES = np.array(
    [
        "Keller",
        "Novak",
        "Rossi",
        "Berger",
        "Lindner",
        "Horvath",
        "Dubois",
        "Schmid",
        "Kowalski",
        "Bauer",
        "Hartmann",
        "Ferrari",
        "Wagner",
        "Dvorak",
        "Lefebvre",
        "Huber",
        "Zhang",
        "Miller",
        "Brandt",
        "Vogel",
        "Marek",
        "Conti",
        "Fischer",
        "Weiss",
        "Kraus",
        "Moretti",
        "Svoboda",
        "Lambert",
        "Richter",
        "Winter",
    ]
)


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """What is fixed before any delivery line is drawn: suppliers, their parameters, chunk sizes."""

    seed: int
    start: np.datetime64  # first day, datetime64[D]
    n_days: int
    day_p: np.ndarray  # probability of a receipt on each day
    month_of_day: np.ndarray  # 1..12 per day
    month_index: np.ndarray  # 0..months-1 per day (months since the first)
    deviation: np.ndarray | None  # (len(METRICS), n_suppliers, months), logit shifts, positive is better; None: none
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

    def progress(self, sup: np.ndarray, day: np.ndarray) -> np.ndarray:
        """0 before a supplier's trend starts, rising linearly to 1 on the last day; 0 for stable suppliers."""
        ts = self.trend_start_day[sup]
        span = np.maximum(self.n_days - 1 - ts, 1)
        prog = np.clip((day - ts) / span, 0.0, 1.0)
        return np.where(self.trend_code[sup] != 0, prog, 0.0)

    def shift(self, metric: str, sup: np.ndarray, day: np.ndarray) -> np.ndarray | None:
        """The month's shift of ``metric`` on the logit (log for response times), positive is better; None
        when the data do not vary."""
        if self.deviation is None:
            return None
        return self.deviation[METRICS.index(metric), sup, self.month_index[day]]

    def dates(self, day: np.ndarray) -> np.ndarray:
        """Day numbers (0 is the first day) as datetime64[ns]."""
        return (self.start + day.astype("timedelta64[D]")).astype("datetime64[ns]")


def _check_variation(variation_sd, variation_phi, seasonality):
    def number(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ConfigError(f"{name} must be a number, got {value!r}; pass e.g. {VARIATION_DEFAULTS[name]}.")
        return float(value)

    sd, phi, amplitude = (number(n, v) for n, v in zip(VARIATION_DEFAULTS, (variation_sd, variation_phi, seasonality)))
    if not 0.0 <= sd <= 5.0:
        raise ConfigError(
            f"variation_sd must be between 0 and 5 (on the logit), got {variation_sd!r}; pass e.g. 0.3, or 0 for none."
        )
    if not -1.0 < phi < 1.0:
        raise ConfigError(
            f"variation_phi must be above -1 and below 1, got {variation_phi!r}; pass e.g. 0.5 "
            "(0: independent months, near 1: slow drifts)."
        )
    if not 0.0 <= amplitude <= 5.0:
        raise ConfigError(
            f"seasonality must be between 0 and 5 (on the logit), got {seasonality!r}; pass e.g. 0.2, or 0 for none."
        )
    return sd, phi, amplitude


def _check_arguments(n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows):
    def positive_int(name, value, minimum):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ConfigError(
                f"{name} must be a whole number of at least {minimum}, got {value!r}; pass a larger value."
            )

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
        raise ConfigError(
            f"start must be a date in the form YYYY-MM-DD, got {start!r}; pass e.g. '2025-01-01'."
        ) from None
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
    month_index = (index.year.to_numpy() - first.year) * 12 + month - first.month
    return days, w / w.sum(), month, month_index


def monthly_deviations(
    seed: int, n_suppliers: int, months: int, first_month: int, sd: float, phi: float, seasonality: float
) -> np.ndarray:
    """Each supplier's shift of each metric in each month: AR(1) noise plus a yearly season.

    ``e_t = phi * e_(t-1) + sqrt(1 - phi^2) * sd * z_t`` (``e_0 = sd * z_0``, so every month has the
    standard deviation ``sd``), one independent series per supplier and metric of :data:`METRICS`, plus
    ``-seasonality * cos(2 pi (m - 0.5) / 12)`` for calendar month ``m``: worst around the turn of the year,
    best in June and July. Positive is better. The draws come from their own generator (the seed and 3),
    so they do not depend on ``chunk_rows`` and leave the other draws unchanged. Shape
    ``(len(METRICS), n_suppliers, months)``; ``first_month`` is the calendar month (1-12) of the first month.
    """
    z = np.random.default_rng([seed, 3]).standard_normal((len(METRICS), n_suppliers, months))
    e = np.empty_like(z)
    e[..., 0] = sd * z[..., 0]
    innovation = math.sqrt(1.0 - phi * phi) * sd
    for t in range(1, months):
        e[..., t] = phi * e[..., t - 1] + innovation * z[..., t]
    calendar_month = (first_month - 1 + np.arange(months)) % 12 + 1
    return e - seasonality * np.cos(2.0 * np.pi * (calendar_month - 0.5) / 12.0)


def _supplier_names(rng, n, category, country):
    """Names such as "Keller Präzisionstechnik GmbH"; a repeated name gets " 2", " 3"..."""
    surname = _SURNAMES[rng.integers(0, len(_SURNAMES), n)]
    legal = np.array([_LEGAL[c] for c in country], dtype=object)
    names = pd.Series(surname.astype(object) + " " + _CATEGORY_WORD[category].astype(object) + " " + legal)
    rank = names.groupby(names).cumcount().to_numpy()
    suffix = np.where(rank > 0, " " + (rank + 1).astype(str).astype(object), "")
    return (names.to_numpy(dtype=object) + suffix).astype(object)


def make_plan(
    n_suppliers,
    n_deliveries,
    start,
    months,
    seed,
    inspection_ratio,
    request_ratio,
    chunk_rows,
    *,
    variation_sd=VARIATION_DEFAULTS["variation_sd"],
    variation_phi=VARIATION_DEFAULTS["variation_phi"],
    seasonality=VARIATION_DEFAULTS["seasonality"],
) -> Plan:
    first = _check_arguments(
        n_suppliers, n_deliveries, start, months, seed, inspection_ratio, request_ratio, chunk_rows
    )
    sd, phi, amplitude = _check_variation(variation_sd, variation_phi, seasonality)
    days, day_p, month_of_day, month_index = _calendar(first, months)
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
    p_on[improving] = rng.uniform(0.50, 0.58, improving.sum())
    p_on[deteriorating] = rng.uniform(0.94, 0.98, deteriorating.sum())
    on_change = np.zeros(S)
    on_change[improving] = rng.uniform(0.36, 0.44, improving.sum())
    on_change[deteriorating] = -rng.uniform(0.36, 0.44, deteriorating.sum())
    defect = np.clip(np.exp(rng.normal(np.log(6e-4), 0.9, S)), 5e-5, 0.02)
    defect[improving] = rng.uniform(2e-3, 4e-3, improving.sum())
    defect[deteriorating] = rng.uniform(2e-4, 5e-4, deteriorating.sum())
    defect_factor = np.ones(S)
    defect_factor[improving] = rng.uniform(0.15, 0.35, improving.sum())
    defect_factor[deteriorating] = rng.uniform(3.0, 5.0, deteriorating.sum())
    response_hours = np.exp(rng.normal(np.log(18.0), 0.6, S))

    # The trend starts 9 to 12 months before the end (first day of that month).
    start_month = np.maximum(months - rng.integers(9, 13, S), 0)
    month_starts = np.array([np.datetime64((first + pd.DateOffset(months=int(m))).date(), "D") for m in range(months)])
    trend_start = month_starts[start_month]
    trend_start_day = (trend_start - days[0]).astype(np.int64)

    lead_days = np.exp(rng.normal(np.log(21.0), 0.5, S))
    qty_median = _CATEGORY_QTY[category] * np.exp(rng.normal(0.0, 0.6, S))
    n_items = rng.integers(3, 26, S)
    prices = (_CATEGORY_PRICE[category] * np.exp(rng.normal(0.0, 0.5, S)))[:, None] * np.exp(
        rng.normal(0.0, 0.5, (S, 25))
    )
    main_site = rng.choice(len(SITES), S, p=SITE_SHARES)

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
            "variation_sd": sd,
            "variation_phi": phi,
            "seasonality": amplitude,
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

    deviation = None
    if sd > 0 or amplitude > 0:
        deviation = monthly_deviations(seed, S, months, first.month, sd, phi, amplitude)

    return Plan(
        seed=seed,
        start=days[0],
        n_days=n_days,
        day_p=day_p,
        month_of_day=month_of_day,
        month_index=month_index,
        deviation=deviation,
        ids=ids,
        counts=counts,
        chunk_counts=chunk_counts,
        chunk_rows=chunk_rows,
        p_on=p_on,
        on_change=on_change,
        defect=defect,
        defect_factor=defect_factor,
        response_hours=response_hours,
        trend_code=trend,
        trend_start_day=trend_start_day,
        lead_days=lead_days,
        qty_median=qty_median,
        n_items=n_items,
        prices=prices,
        main_site=main_site,
        inspection_ratio=float(inspection_ratio),
        request_ratio=float(request_ratio),
        suppliers=suppliers,
        truth=truth,
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
