"""Hypothesis strategies for raw spreadsheet cells and for canonical tables.

``raw_cell()`` draws what an export may hold in one cell: text of any kind
(accents, control characters, formula triggers, very long text, number-like
and date-like text in several conventions, placeholders), numbers (NaN, inf,
negative, huge), dates and datetimes (also before 1900), booleans and empty
cells. ``deliveries_table()`` and friends draw canonical tables that are valid
by construction, with the awkward but legal cases (zero quantities, reversals,
receipts before the promise, several receipts of one line).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import strategies as st

SUPPLIERS = ["S1", "S2", "000123", "ÄÖÜ-GmbH", "=cmd|'/C calc'!A0"]

formula_text = st.sampled_from(["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'])
number_text = st.one_of(
    st.integers(-(10**6), 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "1.234,50",
            "1,234.50",
            "1 234,5",
            "100.00-",
            "(12)",
            "€ 5,00",
            "5 pcs",
            "1e999",
            "nan",
            "inf",
            "-inf",
            "0x10",
            "1,000",
            "1.000",
            "١٢٣",
            "½",
        ]
    ),
)
date_text = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 1, 1)).map(lambda d: d.strftime("%d.%m.%Y")),
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 1, 1)).map(lambda d: d.strftime("%m/%d/%Y")),
    st.dates(dt.date(1950, 1, 1), dt.date(2060, 1, 1)).map(lambda d: d.strftime("%d-%b-%y")),
    st.sampled_from(
        [
            "31.02.2025",
            "2025-13-01",
            "00.00.0000",
            "N/A",
            "TBD",
            "60",
            "45667",
            "20250301",
            "2025-03-01T25:61:00",
            "1900-02-29",
        ]
    ),
)
plain_text = st.text(max_size=30)


def raw_cell(*, long: bool = True):
    """Any value a spreadsheet or CSV cell may hold (``None`` is an empty cell)."""
    options = [
        st.none(),
        st.just(""),
        plain_text,
        formula_text,
        number_text,
        date_text,
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2200, 1, 1)),
    ]
    if long:
        options.append(st.integers(32_000, 40_000).map(lambda n: "x" * n))
    return st.one_of(*options)


def raw_rows(columns: int, *, max_rows: int = 8, long: bool = True):
    """Rows of raw cells, each exactly ``columns`` wide."""
    return st.lists(st.lists(raw_cell(long=long), min_size=columns, max_size=columns), max_size=max_rows)


# --------------------------------------------------------------------------- canonical tables
BASE = pd.Timestamp("2025-01-01")

_receipt = st.fixed_dictionaries(
    {
        "supplier_id": st.sampled_from(SUPPLIERS),
        "po_id": st.integers(0, 5).map(lambda i: f"P{i}"),
        "line_id": st.sampled_from(["10", "20"]),
        "quantity_ordered": st.integers(0, 50).map(float),
        "quantity_received": st.integers(-5, 60).map(float),
        "promised": st.integers(0, 360),
        "offset": st.integers(-20, 30),
        "lead": st.integers(0, 60),
    }
)


@st.composite
def deliveries_table(draw, *, min_size: int = 0, max_size: int = 30) -> pd.DataFrame:
    """A canonical deliveries table (valid values; receipts may be early, late, partial or reversals)."""
    rows = draw(st.lists(_receipt, min_size=min_size, max_size=max_size))
    promised = pd.to_datetime([BASE + pd.Timedelta(days=r["promised"]) for r in rows])
    received = pd.to_datetime([BASE + pd.Timedelta(days=r["promised"] + r["offset"]) for r in rows])
    ordered = received - pd.to_timedelta([r["lead"] + max(r["offset"], 0) for r in rows], unit="D")
    frame = pd.DataFrame(
        {
            "supplier_id": pd.array([r["supplier_id"] for r in rows], dtype="string"),
            "po_id": pd.array([r["po_id"] for r in rows], dtype="string"),
            "line_id": pd.array([r["line_id"] for r in rows], dtype="string"),
            "quantity_ordered": pd.array([r["quantity_ordered"] for r in rows], dtype="float64"),
            "quantity_received": pd.array([r["quantity_received"] for r in rows], dtype="float64"),
            "date_ordered": pd.Series(ordered, dtype="datetime64[ns]"),
            "date_promised": pd.Series(promised, dtype="datetime64[ns]"),
            "date_received": pd.Series(received, dtype="datetime64[ns]"),
        }
    )
    frame["date_ordered"] = frame[["date_ordered", "date_received"]].min(axis=1)
    return frame


_lot = st.fixed_dictionaries(
    {
        "supplier_id": st.sampled_from(SUPPLIERS),
        "day": st.integers(0, 360),
        "quantity_inspected": st.one_of(st.none(), st.integers(0, 1000)),
        "quantity_defective": st.integers(0, 40),
        "defect_code": st.one_of(st.none(), st.sampled_from(["D1", "=2*3", "@X", "Kratzer"])),
    }
)


@st.composite
def inspections_table(draw, *, max_size: int = 20) -> pd.DataFrame:
    """A canonical inspections table (with and without inspected quantities)."""
    rows = draw(st.lists(_lot, max_size=max_size))
    for r in rows:  # defects never exceed the inspected quantity
        if r["quantity_inspected"] is not None:
            r["quantity_defective"] = min(r["quantity_defective"], r["quantity_inspected"])
    return pd.DataFrame(
        {
            "supplier_id": pd.array([r["supplier_id"] for r in rows], dtype="string"),
            "date": pd.Series(
                pd.to_datetime([BASE + pd.Timedelta(days=r["day"]) for r in rows]), dtype="datetime64[ns]"
            ),
            "quantity_inspected": pd.array(
                [float("nan") if r["quantity_inspected"] is None else r["quantity_inspected"] for r in rows],
                dtype="float64",
            ),
            "quantity_defective": pd.array([r["quantity_defective"] for r in rows], dtype="float64"),
            "defect_code": pd.array([r["defect_code"] for r in rows], dtype="string"),
        }
    )
