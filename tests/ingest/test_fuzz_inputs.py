"""Property tests: random raw cells through the parsers, random canonical tables through metrics and scores.

Whatever the cells hold, reading ends in one of two ways: a documented error
(a :class:`~supplier_analytics.SupplierAnalyticsError`) or a result whose counts
reconcile, whose accepted values have the schema's dtypes and lie in the
allowed ranges, and whose rejected rows each carry a reason. Metrics of any
valid table are rates in [0, 1] with ``k <= n``, and scores lie in [0, 100].
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import supplier_analytics as sa
from supplier_analytics.metrics import compute_metrics

sys.path.insert(0, str(Path(__file__).parent))
from strategies import deliveries_table, inspections_table, raw_rows  # noqa: E402

HEADER = ["supplier_id", "po_id", "quantity_ordered", "date_promised", "date_received", "quantity_received"]
FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
SLOW = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
LOW, HIGH = pd.Timestamp("1900-01-01"), pd.Timestamp("2101-01-01")


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def _check_import(result) -> None:
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert result.rows_accepted == len(result.data)
    assert result.rows_rejected == result.rejected["row"].nunique()
    assert result.rejected["reason"].map(lambda r: isinstance(r, str) and len(r) > 5).all()
    assert (result.rejected["value"].astype(str).str.len() <= 300).all()
    d = result.data
    for name in ("quantity_ordered",):
        assert d[name].dtype == "float64"
        assert np.isfinite(d[name]).all() and (d[name] >= 0).all()
    if "quantity_received" in d:
        q = d["quantity_received"].dropna()
        assert np.isfinite(q).all()
    for name in ("date_promised", "date_received"):
        assert d[name].dtype == "datetime64[ns]"
        given = d[name].dropna()
        assert (given >= LOW).all() and (given < HIGH).all()
        assert (given == given.dt.normalize()).all()  # date columns carry no time of day
    assert d["date_promised"].notna().all()
    # an empty receipt date is an open line: accepted only without any received quantity
    open_line = d["date_received"].isna()
    if "quantity_received" in d:
        assert d.loc[open_line, "quantity_received"].fillna(0).eq(0).all()
    for name in ("supplier_id", "po_id"):
        assert d[name].dtype == "string" and d[name].notna().all()
        assert (d[name].str.len() <= 32_767).all()


def _read_or_refuse(path):
    try:
        result = sa.read_table(path, "deliveries", mapping={"deliveries": {"dayfirst": True, "decimal": "."}})
    except sa.SupplierAnalyticsError as exc:
        msg = str(exc)
        assert path.name in msg and "\n" not in msg
        return None
    _check_import(result)
    return result


@FAST
@given(
    rows=raw_rows(len(HEADER)),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_any_csv_is_read_with_reconciled_counts_or_refused_with_one_sentence(
    tmp_path_factory, rows, delimiter, encoding
):
    path = tmp_path_factory.mktemp("csv") / "raw.csv"
    lines = [HEADER] + [[_cell_text(v) for v in r] for r in rows]
    text_rows = []
    for r in lines:
        import io

        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerow(r)
        text_rows.append(buf.getvalue())
    data = "".join(text_rows)
    try:
        raw = data.encode(encoding)
    except UnicodeEncodeError:
        raw = data.encode("utf-8")
    path.write_bytes(raw)
    result = _read_or_refuse(path)
    if result is not None:
        assert result.rows_read <= len(rows)


@SLOW
@given(rows=raw_rows(len(HEADER), long=False))
def test_any_workbook_is_read_with_reconciled_counts_or_refused_with_one_sentence(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("xlsx") / "raw.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)  # openpyxl cannot store them at all
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
                v = float(v)
            if isinstance(v, (dt.date, dt.datetime)) and v.year < 1900:
                v = v.isoformat()  # Excel cannot hold such a date as a date; exports carry it as text
            if isinstance(v, float) and not np.isfinite(v):
                v = repr(v)
            cells.append(v)
        ws.append(cells)  # text starting with "=" becomes a formula without a cached value
    wb.save(path)
    result = _read_or_refuse(path)
    if result is not None:
        formulas = sum(isinstance(v, str) and v.startswith("=") and len(v) > 1 for r in rows for v in r[:5])
        if formulas:
            assert (result.rejected["problem"] == "formula without value").any()


def _check_rates(frame: pd.DataFrame) -> None:
    rate_cols = [
        c
        for c in frame.columns
        if c.endswith(("_rate", "_rate_low", "_rate_high", "_rate_shrunk")) and not c.startswith("pts_")
    ]
    for c in rate_cols:
        v = frame[c].dropna().to_numpy(dtype=float)
        assert ((v >= 0) & (v <= 1)).all(), c
    for c in frame.columns:
        if c.endswith("_k") and c[:-2] + "_n" in frame.columns:
            k, n = frame[c].to_numpy(dtype=float), frame[c[:-2] + "_n"].to_numpy(dtype=float)
            ok = ~(np.isnan(k) | np.isnan(n))
            assert (k[ok] <= n[ok]).all() and (k[ok] >= 0).all(), c


@FAST
@given(deliveries=deliveries_table(min_size=1), inspections=inspections_table())
def test_metrics_of_any_valid_tables_are_rates_in_0_1_with_k_at_most_n(deliveries, inspections):
    before = deliveries.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.DataWarning)
        m = compute_metrics(deliveries, inspections if len(inspections) else None)
    pd.testing.assert_frame_equal(deliveries, before)  # inputs never changed in place
    _check_rates(m.suppliers)
    _check_rates(m.periods)
    # a delivery line counts at most once (lines outside the evaluation window not at all)
    lines = deliveries.groupby(["supplier_id", "po_id", "line_id"]).ngroups
    assert int(m.suppliers["n_deliveries"].sum()) <= lines
    assert set(m.suppliers["supplier_id"]) <= set(deliveries["supplier_id"]) | set(inspections["supplier_id"])


@SLOW
@given(deliveries=deliveries_table(min_size=1, max_size=40))
def test_scores_of_any_valid_table_lie_in_0_100_and_grades_are_known(deliveries):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.DataWarning)
        card = sa.score(deliveries=deliveries)
    s = card.suppliers
    for c in ("overall_score", "delivery_score"):
        v = s[c].dropna().to_numpy(dtype=float)
        assert ((v >= 0) & (v <= 100)).all(), c
    assert set(s["grade"].dropna()) <= {"A", "B", "C", "D", "insufficient evidence"}
    _check_rates(s)


@SLOW
@given(rows=raw_rows(len(HEADER), long=False, max_rows=12))
def test_raw_cells_through_import_and_scoring(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("e2e") / "raw.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER] + [[_cell_text(v) for v in r] for r in rows])
    result = _read_or_refuse(path)
    if result is None or result.rows_accepted == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.DataWarning)
        try:
            card = sa.score(deliveries=result)
        except sa.SupplierAnalyticsError:
            return
    _check_rates(card.suppliers)
