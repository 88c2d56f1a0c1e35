"""Nothing read quietly wrong: ambiguous dotted dates, headers that are nearly right, mapped headers that are absent."""

from __future__ import annotations

import pandas as pd
import pytest

from supplier_analytics import read_table
from supplier_analytics.errors import ValidationError

D = pd.Timestamp


def _csv(tmp_path, promised, received, name="d.csv"):
    f = tmp_path / name
    rows = [f"V1;P{i};1;{p};{r}" for i, (p, r) in enumerate(zip(promised, received))]
    f.write_text("Vendor;PO;Qty Ordered;Promised Date;Receipt Date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_dotted_dates_that_read_both_ways_are_an_error_like_slashed_dates(tmp_path):
    f = _csv(tmp_path, ["2025-03-01", "2025-03-01"], ["03.04.2025", "05.06.2025"])
    with pytest.raises(
        ValidationError,
        match=r"^d\.csv: the dates in date_received \('Receipt Date'\) can be read day-first or month-first "
        r"\(e\.g\. '03\.04\.2025', '05\.06\.2025'\); set dayfirst = true \(dotted dates are usually day-first\) "
        r"or false under \[deliveries\] in the mapping",
    ):
        read_table(f, "deliveries")
    mapped = read_table(f, "deliveries", mapping={"deliveries": {"dayfirst": True}})
    assert mapped.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-05")]
    assert "dates in date_received read day-first (from the mapping)" in mapped.notes
    month_first = read_table(f, "deliveries", mapping={"deliveries": {"dayfirst": False}})
    assert month_first.data["date_received"].tolist() == [D("2025-03-04"), D("2025-05-06")]


def test_dotted_dates_decided_by_a_day_above_12_in_the_column_or_another_column(tmp_path):
    own = read_table(_csv(tmp_path, ["2025-03-01"] * 2, ["03.04.2025", "13.06.2025"]), "deliveries")
    assert own.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-13")]
    assert "dates in date_received read day-first (decided from the data)" in own.notes
    other = read_table(_csv(tmp_path, ["20.02.2025", "01.03.2025"], ["03.04.2025", "05.06.2025"]), "deliveries")
    assert other.data["date_received"].tolist() == [D("2025-04-03"), D("2025-06-05")]
    assert "dates in date_received read day-first (as decided for the other date columns)" in other.notes
    # the same day and month, or a "month" above 12 (no date), leave nothing to decide
    same = read_table(_csv(tmp_path, ["2025-03-01"] * 2, ["03.03.2025", "01.13.2025"]), "deliveries")
    assert same.data["date_received"].tolist() == [D("2025-03-03")]
    assert same.rejected["reason"].tolist() == ["not a valid date (no such day or month)"]
