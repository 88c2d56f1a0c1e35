"""Conforming the inputs: day arithmetic, the window, the one context of a run, exclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from supplier_analytics import tables
from supplier_analytics.config import load_config
from supplier_analytics.errors import ValidationError
from supplier_analytics.tables import ScoringContext, day_difference, evaluation_window, make_context


def frame(**cols):
    df = pd.DataFrame(cols)
    for c in df.columns:
        if c.startswith("date"):
            df[c] = pd.to_datetime(df[c])
    return df


def test_day_difference_calendar_and_working_both_directions():
    ref = pd.Series(pd.to_datetime(["2025-01-06", "2025-01-03", "2025-01-03", None]))  # Mon, Fri, Fri
    rec = pd.Series(pd.to_datetime(["2025-01-03", "2025-01-06", "2025-01-04", "2025-01-04"]))  # Fri, Mon, Sat
    cal = day_difference(ref, rec, config=load_config())
    work = day_difference(ref, rec, config=load_config({"delivery": {"day_basis": "working"}}))
    np.testing.assert_array_equal(cal, [-3.0, 3.0, 1.0, np.nan])
    np.testing.assert_array_equal(work, [-1.0, 1.0, 1.0, np.nan])
    fri_weekend = load_config({"delivery": {"day_basis": "working", "weekend": ["Fri", "Sat"]}})
    # early: minus the working days after the receipt up to and including the reference date (Sun, Mon)
    np.testing.assert_array_equal(day_difference(ref, rec, config=fri_weekend)[:3], [-2.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("as_of", "months", "start"),
    [
        ("2025-12-31", 12, "2025-01-01"),
        ("2025-03-31", 1, "2025-03-01"),
        ("2024-02-29", 12, "2023-03-01"),
        ("2025-03-15", 3, "2024-12-16"),
    ],
)
def test_evaluation_window(as_of, months, start):
    assert evaluation_window(pd.Timestamp(as_of), months) == (pd.Timestamp(start), pd.Timestamp(as_of))


def test_the_context_is_worked_out_once_and_frozen(monkeypatch):
    d = frame(supplier_id=["S1"], po_id=["P1"], date_received=["2025-03-09 14:00"])
    i = frame(supplier_id=["S1"], date=["2025-03-20"], quantity_defective=[0.0])
    ex = frame(
        table=["deliveries", "Requests", "requests"],
        supplier_id=["S1"] * 3,
        po_id=["P1", None, None],
        request_id=[None, "R1", "R2"],
        reason_code=["A", "B", "C"],
        decided_by=["buyer"] * 3,
    )
    calls, real = [], tables.prepare_table

    def counting(df, name):
        calls.append(name)
        return real(df, name)

    monkeypatch.setattr(tables, "prepare_table", counting)
    ctx = make_context({"periods": {"window_months": 2}}, deliveries=d, inspections=i, exclusions=ex)
    assert isinstance(ctx, ScoringContext)
    assert calls == ["exclusions"]  # checked and prepared once for the three tables
    assert (ctx.as_of, ctx.window) == (
        pd.Timestamp("2025-03-20"),
        (pd.Timestamp("2025-01-21"), pd.Timestamp("2025-03-20")),
    )
    assert ctx.freq == "M" and ctx.config.periods.window_months == 2
    assert {t: None if f is None else f["reason_code"].tolist() for t, f in ctx.exclusions.items()} == {
        "deliveries": ["A"],
        "inspections": None,
        "requests": ["B", "C"],
    }
    with pytest.raises(AttributeError):
        ctx.as_of = pd.Timestamp("2025-01-01")


def test_an_exclusion_of_an_unknown_table_is_refused_once():
    ex = frame(table=["orders"], supplier_id=["S1"], reason_code=["A"], decided_by=["buyer"])
    with pytest.raises(ValidationError, match=r"Exclusions row 0 has table = 'orders'"):
        make_context(as_of="2025-03-31", exclusions=ex)
