"""The seeded generator: :func:`make_procurement_data` and the :class:`ProcurementData` it returns.

Every canonical table (see :mod:`supplier_analytics.schema`) is drawn together with the ``truth``
behind it (each supplier's on-time probability, defect rate and trend), chunk by chunk
(:func:`~.plan.make_plan` fixes the suppliers and the truth, :func:`~.chunk.make_chunk` draws the
records of one chunk), so that the writers can produce ten million rows in modest memory. Everything is vectorised with numpy and every random draw comes from a generator seeded by
``seed``: the same arguments give the same frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypedDict

import pandas as pd

from supplier_analytics.datasets.chunk import DEFECT_CODES, make_chunk
from supplier_analytics.datasets.plan import SITES, TRUTH_COLUMNS, Plan, conform, empty_truth, make_plan
from supplier_analytics.schema import TABLES

__all__ = [
    "ProcurementData",
    "make_procurement_data",
    "draw_procurement_data",
    "make_plan",
    "make_chunk",
    "conform",
    "empty_truth",
    "TRUTH_COLUMNS",
    "DEFECT_CODES",
    "SAMPLE_PARAMETERS",
    "GeneratorArguments",
    "SITES",
]


class GeneratorArguments(TypedDict, total=False):
    """Keyword arguments of :func:`make_procurement_data` (each optional)."""

    n_suppliers: int
    n_deliveries: int
    start: str | dt.date
    months: int
    seed: int
    inspection_ratio: float
    request_ratio: float
    chunk_rows: int
    variation_sd: float
    variation_phi: float
    seasonality: float


#: Arguments of :func:`make_procurement_data` that produce ``data/sample/``.
SAMPLE_PARAMETERS: GeneratorArguments = {
    "n_suppliers": 40,
    "n_deliveries": 6_000,
    "start": "2024-10-01",
    "months": 24,
    "seed": 6,
    "variation_sd": 0.3,
    "variation_phi": 0.5,
}


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
    variation_sd: float = 0.0,
    variation_phi: float = 0.5,
    seasonality: float = 0.0,
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
    variation_sd : month-to-month variation: the standard deviation, on the logit, of each supplier's
        monthly deviation of its on-time, in-full and defect probabilities (and of the log of its
        response times). 0 (the default): every month is drawn from the same rates, only the trends
        move them; 0.3 is moderate (a 90% on-time supplier has months between about 85% and 94%).
    variation_phi : how much of last month's deviation carries over (AR(1) coefficient, above -1
        and below 1): 0 gives independent months, 0.8 slow drifts.
    seasonality : amplitude, on the logit, of a yearly cosine common to every supplier and metric:
        worst around the turn of the year (December, January), best in June and July. 0 by default
        (the built-in October-December lateness stays either way).

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
    * Variation (``variation_sd`` > 0 or ``seasonality`` > 0): each month's logit of a probability is
      the logit of the trend's probability (the truth's rates) plus ``e_t`` plus the season, with
      ``e_t = variation_phi * e_(t-1) + sqrt(1 - variation_phi^2) * variation_sd * z_t`` drawn
      independently per supplier and metric (on time, in full, defect rate, response time); the
      truth's rates are the median months. The deviations depend on the seed, the suppliers and
      the months only, not on ``chunk_rows``; the truth records the three parameters.

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
    plan = make_plan(
        n_suppliers,
        n_deliveries,
        start,
        months,
        seed,
        inspection_ratio,
        request_ratio,
        chunk_rows,
        variation_sd=variation_sd,
        variation_phi=variation_phi,
        seasonality=seasonality,
    )
    return draw_procurement_data(plan)


def draw_procurement_data(plan: Plan) -> ProcurementData:
    """Every table of a :func:`~.plan.make_plan` plan, all chunks drawn and put together in memory."""
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
