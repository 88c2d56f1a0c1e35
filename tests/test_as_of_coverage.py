"""An as-of date after (or long before) the data is said plainly, with where the data end and what the window holds."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.errors import DataWarning


def _deliveries(received: list[str]) -> pd.DataFrame:
    n = len(received)
    return pd.DataFrame(
        {
            "supplier_id": ["S1"] * n,
            "po_id": [f"P{i}" for i in range(n)],
            "quantity_ordered": [1.0] * n,
            "quantity_received": [1.0] * n,
            "date_promised": pd.to_datetime(received),
            "date_received": pd.to_datetime(received),
        }
    )


# 2025-01-15 ... 2025-06-15: one receipt a month, six in all
D = _deliveries([f"2025-{m:02d}-15" for m in range(1, 7)])


def _coverage_warnings(**kw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sa.score(deliveries=D, **kw)
    return [str(w.message) for w in caught if w.category is DataWarning]


def test_no_word_when_the_last_period_of_the_window_holds_data():
    assert _coverage_warnings() == []  # as of the latest date, 2025-06-15
    assert _coverage_warnings(as_of="2025-06-30") == []  # June, the last period, holds data
    assert _coverage_warnings(as_of="2025-07-01") == [  # July holds none
        "As of 2025-07-01 the 12-month window (2024-07-02 to 2025-07-01) misses data: the deliveries end on "
        "2025-06-15, before its last month (2025-07-01 on) begins, and it holds all their 6 rows; choose an as-of "
        "date within the data unless this is meant."
    ]


def test_an_as_of_date_after_the_data_says_where_they_end_and_what_the_window_holds():
    # window 2025-04-01 to 2026-03-31: the receipts of April, May and June, 3 of 6
    assert _coverage_warnings(as_of="2026-03-31") == [
        "As of 2026-03-31 the 12-month window (2025-04-01 to 2026-03-31) misses data: the deliveries end on "
        "2025-06-15, before its last month (2026-03-01 on) begins, and it holds 3 of their 6 rows; choose an as-of "
        "date within the data unless this is meant."
    ]


@pytest.mark.parametrize(
    "as_of, window", [("2027-01-31", "2026-02-01 to 2027-01-31"), ("2024-06-30", "2023-07-01 to 2024-06-30")]
)
def test_a_window_without_any_record_says_so_plainly(as_of, window):
    assert _coverage_warnings(as_of=as_of) == [
        f"As of {as_of} the 12-month window ({window}) holds no records at all: the 6 deliveries are dated "
        "2025-01-15 to 2025-06-15; choose an as-of date within the data."
    ]
