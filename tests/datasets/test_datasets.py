"""The seeded generator, chunked writing, the generate command and the bundled sample."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from supplier_analytics.cli import main
from supplier_analytics.datasets import (
    DEFECT_CODES,
    SAMPLE_PARAMETERS,
    TRUTH_COLUMNS,
    load_sample,
    make_procurement_data,
    write_procurement_data,
    write_sample,
)
from supplier_analytics.datasets.plan import METRICS, make_plan
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.schema import REQUEST_TYPES, TABLES

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SMALL = dict(n_suppliers=12, n_deliveries=1_500, months=12, seed=5)


@pytest.fixture(scope="module")
def data():
    """The default size: 60 suppliers, 20,000 delivery rows, 24 months from 2025-01-01."""
    return make_procurement_data()


def _assert_same(a, b):
    for name in (*TABLES, "truth"):
        assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def _read_parquet(path, like):
    # pandas reads parquet text as its default ``str`` dtype; the values are what is compared
    return pd.read_parquet(path).astype(like.dtypes.to_dict())


def _on_time(deliveries):
    days = (deliveries["date_received"] - deliveries["date_promised"]).dt.days
    return deliveries.assign(on_time=days.between(-3, 0))


# ----------------------------------------------------------------- determinism


def test_same_seed_gives_identical_frames():
    _assert_same(make_procurement_data(**SMALL), make_procurement_data(**SMALL))


def test_a_different_seed_gives_different_data():
    a = make_procurement_data(**SMALL)
    b = make_procurement_data(**{**SMALL, "seed": 6})
    assert not a.deliveries["date_received"].equals(b.deliveries["date_received"])
    assert not a.truth["base_on_time_prob"].equals(b.truth["base_on_time_prob"])


# ----------------------------------------------------------------- schema and sizes


def test_every_table_has_the_canonical_columns_and_dtypes(data):
    for name, schema in TABLES.items():
        frame = data.tables[name]
        assert tuple(frame.columns) == schema.names, name
        assert {c: str(t) for c, t in frame.dtypes.items()} == schema.dtypes(), name
        for col in schema.required:
            assert frame[col].notna().all(), f"{name}.{col} has empty cells"
    assert {c: str(t) for c, t in data.truth.dtypes.items()} == TRUTH_COLUMNS


def test_optional_columns_are_filled_where_realistic(data):
    d = data.deliveries
    assert d.drop(columns=[]).notna().all().all()  # every delivery column is filled
    assert data.suppliers.notna().all().all()
    # empty only where the record says so: accepted lots have no defect code, incidents no inspected quantity
    lots = data.inspections
    assert (lots["defect_code"].isna() == (lots["quantity_defective"] == 0)).all()
    assert lots["quantity_inspected"].isna().any()


def test_sizes_follow_the_arguments(data):
    assert len(data.deliveries) == 20_000
    lots = round(0.25 * 20_000)
    assert len(data.inspections) == lots + round(0.08 * lots)
    assert len(data.requests) == round(0.08 * 20_000)
    assert len(data.suppliers) == len(data.truth) == 60
    counts = data.deliveries["supplier_id"].value_counts()
    truth = data.truth.set_index("supplier_id")["n_deliveries"]
    assert counts.reindex(truth.index, fill_value=0).tolist() == truth.tolist()
    assert truth.sum() == 20_000


def test_dates_lie_in_the_requested_window():
    d = make_procurement_data(**{**SMALL, "start": "2024-03-01", "months": 7})
    assert d.deliveries["date_received"].min() >= pd.Timestamp("2024-03-01")
    assert d.deliveries["date_received"].max() <= pd.Timestamp("2024-09-30")
    assert (d.deliveries["date_ordered"] < d.deliveries["date_promised"]).all()
    assert (d.deliveries["date_requested"] <= d.deliveries["date_promised"]).all()
    assert d.requests["date_responded"].max() < pd.Timestamp("2024-10-01")


# ----------------------------------------------------------------- structure


def test_split_partial_and_over_deliveries_exist(data):
    d = data.deliveries
    assert d["receipt_id"].is_unique
    receipts = d.groupby(["po_id", "line_id"]).size()
    assert (receipts >= 2).sum() > 100  # split receipts of one line
    assert receipts.max() <= 3
    lines = d.groupby(["po_id", "line_id"]).agg(
        ordered=("quantity_ordered", "first"), received=("quantity_received", "sum")
    )
    assert (lines["received"] > lines["ordered"]).sum() > 10  # rare over-deliveries
    assert (lines["received"] < lines["ordered"]).sum() > 10  # short and partial lines
    assert (lines["received"] > lines["ordered"]).mean() < 0.05
    assert (d.groupby("po_id")["line_id"].nunique() > 1).any()  # orders with several lines


def _short_by_one_share(deliveries):
    """Lines received exactly one unit short, as a share of all order lines."""
    lines = deliveries.groupby(["po_id", "line_id"], sort=False).agg(
        ordered=("quantity_ordered", "first"), received=("quantity_received", "sum")
    )
    return (lines["received"] == lines["ordered"] - 1).mean()


def test_split_receipts_add_up_to_the_line_total_exactly(data):
    d = data.deliveries
    assert (d["quantity_received"] >= 1).all() and (d["quantity_received"] % 1 == 0).all()
    # one unit short is rare: a shortage is 5% to 50% of the line, so only tiny lines can be one unit short
    assert _short_by_one_share(d) < 0.002


@pytest.mark.parametrize(
    "rows",
    [200_000, pytest.param(1_000_000, marks=pytest.mark.slow)],  # 1M rows: 4 s quiet, over 10 s on a busy machine
)
def test_the_short_line_share_does_not_depend_on_the_size(rows):
    """The split of a line over its receipts was a float cumulative sum over the whole chunk: at 1M rows 39%
    of the lines came out one unit short (0.8% at 6k rows). Done in integers, it is the same at every size."""
    small = _short_by_one_share(make_procurement_data(n_deliveries=10_000).deliveries)
    large = _short_by_one_share(make_procurement_data(n_deliveries=rows).deliveries)
    assert abs(large - small) < 0.01


def test_low_volume_suppliers_have_fewer_than_ten_lines(data):
    low = data.truth[data.truth["low_volume"]]
    assert len(low) >= 3
    counts = data.deliveries["supplier_id"].value_counts()
    assert (counts.reindex(low["supplier_id"], fill_value=0) < 10).all()
    assert counts.max() > 20 * 10  # and volumes are skewed


def test_defects_are_rare_and_pareto_like(data):
    lots = data.inspections.dropna(subset=["quantity_inspected"])
    assert (lots["quantity_defective"] == 0).mean() > 0.9
    assert (lots["quantity_defective"] <= lots["quantity_inspected"]).all()
    codes = data.inspections["defect_code"].value_counts()
    assert set(codes.index) <= set(DEFECT_CODES)
    assert codes.index[0] == "DIM" and codes.iloc[0] > 2 * codes.get("CORR", 0)
    assert (data.inspections["downtime_minutes"] > 0).sum() > 5


def test_requests_have_every_type_open_ones_and_corrective_actions(data):
    r = data.requests
    assert set(r["request_type"]) == set(REQUEST_TYPES)
    assert r["request_id"].is_unique
    assert r["date_responded"].isna().sum() > 10  # still open at the end
    answered = r.dropna(subset=["date_responded"])
    assert (answered["date_responded"] >= answered["date_sent"]).all()
    hours = (answered["date_responded"] - answered["date_sent"]).dt.total_seconds() / 3600
    assert hours.median() < hours.mean()  # log-normal: a long right tail
    ca = r[r["request_type"] == "corrective_action"]
    assert ca["date_due"].notna().all()
    closed = ca.dropna(subset=["date_closed"])
    assert (closed["date_closed"] > closed["date_due"]).any()  # some closed late
    assert ca["date_closed"].isna().any()  # some still open


def test_exclusions_refer_to_generated_records(data):
    ex = data.exclusions
    assert {"BUYER_DATE_CHANGE", "FORCE_MAJEURE"} <= set(ex["reason_code"])
    dl = ex[ex["table"] == "deliveries"]
    keys = set(zip(data.deliveries["supplier_id"], data.deliveries["po_id"]))
    assert all(k in keys for k in zip(dl["supplier_id"], dl["po_id"]))
    assert set(ex.loc[ex["table"] == "inspections", "lot_id"]) <= set(data.inspections["lot_id"])
    assert set(ex.loc[ex["table"] == "requests", "request_id"]) <= set(data.requests["request_id"])


def test_seasonality_fewer_receipts_in_august_and_more_lateness_in_q4(data):
    d = _on_time(data.deliveries)
    per_month = d["date_received"].dt.month.value_counts()
    assert per_month[8] < 0.75 * per_month.drop(8).mean()
    q4 = d["date_received"].dt.month >= 10
    assert d.loc[q4, "on_time"].mean() < d.loc[~q4, "on_time"].mean()


@pytest.mark.parametrize("kind, sign", [("improving", 1), ("deteriorating", -1)])
def test_trend_suppliers_move_in_the_stated_direction(data, kind, sign):
    d = _on_time(data.deliveries)
    month = d["date_received"].dt.to_period("M")
    first = d[month <= month.min() + 5].groupby("supplier_id")["on_time"].mean()
    last = d[month >= month.max() - 5].groupby("supplier_id")["on_time"].mean()
    ids = data.truth.loc[data.truth["trend"] == kind, "supplier_id"]
    assert len(ids) == 6  # 10% of 60 suppliers
    assert ((last[ids] - first[ids]) * sign > 0.05).all()
    assert (data.truth.loc[data.truth["trend"] == kind, "trend_size"] * sign > 0).all()


# ----------------------------------------------------------------- writing


def test_chunked_parquet_holds_exactly_the_generated_frames(tmp_path):
    args = dict(n_suppliers=10, n_deliveries=1_000, months=12, seed=9, chunk_rows=300, variation_sd=0.3)
    folder = write_procurement_data(tmp_path, format="parquet", **args)
    expected = make_procurement_data(**args)
    for name in (*TABLES, "truth"):
        frame = getattr(expected, name)
        assert_frame_equal(_read_parquet(folder / f"{name}.parquet", frame), frame, obj=name)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(folder / "deliveries.parquet").num_row_groups == 4  # 300 + 300 + 300 + 100


def test_chunk_size_changes_rows_but_not_suppliers_or_volumes():
    one = make_procurement_data(**SMALL)
    chunked = make_procurement_data(**SMALL, chunk_rows=400)
    assert_frame_equal(one.truth, chunked.truth)
    assert_frame_equal(one.suppliers, chunked.suppliers)
    assert len(chunked.deliveries) == len(one.deliveries)
    assert_frame_equal(
        chunked.deliveries["supplier_id"].value_counts().sort_index().to_frame(),
        one.deliveries["supplier_id"].value_counts().sort_index().to_frame(),
    )
    assert chunked.deliveries["receipt_id"].is_unique and chunked.deliveries["po_id"].str.len().eq(10).all()


def test_chunked_csv_reads_back_through_load_sample(tmp_path):
    args = dict(n_suppliers=8, n_deliveries=700, months=6, seed=2, chunk_rows=250)
    write_procurement_data(tmp_path, format="csv", **args)
    _assert_same(load_sample(tmp_path), make_procurement_data(**args))


def test_xlsx_has_one_workbook_per_table_with_real_dates(tmp_path):
    folder = write_procurement_data(tmp_path, n_suppliers=4, n_deliveries=60, months=3, seed=1, format="xlsx")
    expected = make_procurement_data(n_suppliers=4, n_deliveries=60, months=3, seed=1)
    ws = openpyxl.load_workbook(folder / "deliveries.xlsx", read_only=True)["deliveries"]
    rows = list(ws.values)
    assert rows[0] == TABLES["deliveries"].names
    assert len(rows) == 61
    first = expected.deliveries.iloc[0]
    assert rows[1][0] == first["supplier_id"]
    assert rows[1][9] == first["date_received"].to_pydatetime()
    requests = pd.read_excel(folder / "requests.xlsx", engine="openpyxl")
    assert len(requests) == len(expected.requests)


def test_xlsx_beyond_the_sheet_limit_is_refused_with_advice(tmp_path):
    with pytest.raises(ConfigError, match=r"1,048,576 delivery rows do not fit on an Excel sheet .*use --format csv"):
        write_procurement_data(tmp_path, n_deliveries=1_048_576, format="xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_suppliers": 0}, r"n_suppliers must be a whole number of at least 1, got 0"),
        ({"inspection_ratio": 1.5}, r"inspection_ratio must be a fraction between 0 and 1, got 1\.5"),
        ({"start": "2025-13-01"}, r"start must be a date in the form YYYY-MM-DD, got '2025-13-01'"),
        ({"seed": -1}, r"seed must be a whole number of at least 0"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_procurement_data(**kwargs)


def test_generate_command_writes_readable_files(tmp_path, capsys):
    out = tmp_path / "gen"
    code = main(
        [
            "generate",
            "--suppliers",
            "6",
            "--deliveries",
            "300",
            "--seed",
            "4",
            "--months",
            "6",
            "--format",
            "parquet",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert str(out) in capsys.readouterr().out
    expected = make_procurement_data(n_suppliers=6, n_deliveries=300, seed=4, months=6).deliveries
    assert_frame_equal(_read_parquet(out / "deliveries.parquet", expected), expected)

    code = main(["generate", "--suppliers", "6", "--deliveries", "300", "--format", "csv", "--out", str(out)])
    assert code == 0
    assert len(load_sample(out).deliveries) == 300


def test_generate_command_refuses_too_many_xlsx_rows(tmp_path, capsys):
    code = main(["generate", "--deliveries", "2000000", "--format", "xlsx", "--out", str(tmp_path)])
    assert code == ConfigError.exit_code
    assert "use --format csv or --format parquet" in capsys.readouterr().err


# ----------------------------------------------------------------- the bundled sample


def test_load_sample_names_a_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"deliveries\.csv does not exist; pass the folder"):
        load_sample(tmp_path)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample"))


def test_committed_sample_is_what_write_sample_makes(regenerated):
    names = [
        "deliveries.csv",
        "inspections.csv",
        "requests.csv",
        "suppliers.csv",
        "exclusions.csv",
        "truth.csv",
        "README.md",
        "exports/sap_goods_receipts.xlsx",
        "exports/erp_export_en.xlsx",
        "mappings/sap_goods_receipts.toml",
        "mappings/erp_export_en.toml",
        *(f"exports/presets/{p.name}" for p in sorted((SAMPLE / "exports" / "presets").iterdir())),
    ]
    made = sorted(f"exports/presets/{p.name}" for p in (regenerated / "exports" / "presets").iterdir())
    assert made == names[11:] and len(made) == 7  # one export per preset, none committed that is not made
    for name in names:
        assert (SAMPLE / name).read_bytes() == (regenerated / name).read_bytes(), (
            f"data/sample/{name} is stale: regenerate it with write_sample('data/sample')"
        )
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_sample_matches_its_description():
    sample = load_sample(SAMPLE)
    _assert_same(sample, make_procurement_data(**SAMPLE_PARAMETERS))
    d = sample.deliveries
    assert len(sample.suppliers) == 40 and len(d) == 6_000
    assert d["date_received"].min() == pd.Timestamp("2024-10-01")
    assert d["date_received"].max() == pd.Timestamp("2026-09-30")
    assert sample.truth["low_volume"].sum() == 3
    d = _on_time(d)
    month = d["date_received"].dt.to_period("M")
    change = (
        d[month >= month.max() - 5].groupby("supplier_id")["on_time"].mean()
        - d[month <= month.min() + 5].groupby("supplier_id")["on_time"].mean()
    )
    truth = sample.truth.set_index("supplier_id")
    assert (change[truth.index[truth["trend"] == "improving"]] > 0.1).all()
    assert (change[truth.index[truth["trend"] == "deteriorating"]] < -0.1).all()
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for sid in truth.index[(truth["trend"] != "stable") | truth["low_volume"]]:
        assert sid in readme


def _sheet_rows(path, sheet=None):
    return _workbook_rows(path)[sheet or 0]


_WORKBOOKS = {}


def _workbook_rows(path):
    """Every sheet's rows by name (and the first also under 0), read once per test session."""
    if path not in _WORKBOOKS:
        wb = openpyxl.load_workbook(path, read_only=True)
        sheets = {ws.title: list(ws.values) for ws in wb.worksheets}
        sheets[0] = sheets[wb.worksheets[0].title]
        wb.close()
        _WORKBOOKS[path] = sheets
    return _WORKBOOKS[path]


def test_sap_export_looks_like_sap_and_holds_the_sample_receipts():
    mapping = tomllib.loads((SAMPLE / "mappings" / "sap_goods_receipts.toml").read_text(encoding="utf-8"))
    spec = mapping["deliveries"]
    rows = _sheet_rows(SAMPLE / "exports" / "sap_goods_receipts.xlsx", spec["sheet"])
    header = rows[spec["header_row"] - 1]
    assert rows[0][0].startswith("Materialbelegliste") and rows[2][0].startswith("Erstellt am")
    assert set(spec["columns"].values()) <= set(header)
    assert set(TABLES["deliveries"].required) <= set(spec["columns"])
    body, totals = rows[spec["header_row"] : -1], rows[-1]
    assert totals[0] == "Summe"
    frame = pd.DataFrame(body, columns=header)
    expected = load_sample(SAMPLE).deliveries
    expected = expected[expected["date_received"] >= pd.Timestamp("2026-04-01")].sort_values("receipt_id")
    assert len(frame) == len(expected)
    # parse the text the way the mapping says, and compare with the canonical file
    assert frame["Menge im WE"].iloc[0].count(",") == 1
    number = lambda s: s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False).astype(float)  # noqa: E731
    assert np.allclose(number(frame["Menge im WE"]), expected["quantity_received"])
    assert np.allclose(number(frame["Betrag"]), expected["value"])
    received = pd.to_datetime(frame["WE-Datum"], format=spec["date_formats"]["date_received"])
    assert (received.to_numpy() == expected["date_received"].to_numpy()).all()
    assert totals[header.index("Betrag")] == f"{expected['value'].sum():,.2f}".translate(str.maketrans(",.", ".,"))


def test_erp_export_has_a_sheet_per_table_with_real_dates():
    mapping = tomllib.loads((SAMPLE / "mappings" / "erp_export_en.toml").read_text(encoding="utf-8"))
    sample = load_sample(SAMPLE)
    since = pd.Timestamp("2025-10-01")
    expected_rows = {
        "deliveries": (sample.deliveries["date_received"] >= since).sum(),
        "inspections": (sample.inspections["date"] >= since).sum(),
        "requests": (sample.requests["date_sent"] >= since).sum(),
        "suppliers": 40,
    }
    for table, spec in mapping.items():
        rows = _sheet_rows(SAMPLE / "exports" / "erp_export_en.xlsx", spec["sheet"])
        assert set(spec["columns"].values()) == set(rows[0])
        assert set(TABLES[table].required) <= set(spec["columns"])
        assert len(rows) - 1 == expected_rows[table], table
    receipts = _sheet_rows(SAMPLE / "exports" / "erp_export_en.xlsx", "Receipts")
    assert isinstance(receipts[1][receipts[0].index("Receipt Date")], dt.datetime)
    requests = _sheet_rows(SAMPLE / "exports" / "erp_export_en.xlsx", "Requests")
    assert any(r[requests[0].index("Responded")] is None for r in requests[1:])


# ----------------------------------------------------------------- the exports read back through ingest


def _canonical_part(frame, like):
    """The mapped canonical columns of an ingest result, in the sample's dtypes, row order kept."""
    return frame[list(like.columns)].astype(like.dtypes.to_dict()).reset_index(drop=True)


@pytest.mark.parametrize(
    "export, mapping, table, expected",
    [
        (
            "sap_goods_receipts.xlsx",
            "sap_goods_receipts.toml",
            "deliveries",
            lambda s: s.deliveries[s.deliveries["date_received"] >= pd.Timestamp("2026-04-01")].sort_values(
                "receipt_id"
            ),
        ),
        (
            "erp_export_en.xlsx",
            "erp_export_en.toml",
            "deliveries",
            lambda s: s.deliveries[s.deliveries["date_received"] >= pd.Timestamp("2025-10-01")],
        ),
        (
            "erp_export_en.xlsx",
            "erp_export_en.toml",
            "inspections",
            lambda s: s.inspections[s.inspections["date"] >= pd.Timestamp("2025-10-01")],
        ),
        (
            "erp_export_en.xlsx",
            "erp_export_en.toml",
            "requests",
            lambda s: s.requests[s.requests["date_sent"] >= pd.Timestamp("2025-10-01")],
        ),
        ("erp_export_en.xlsx", "erp_export_en.toml", "suppliers", lambda s: s.suppliers),
    ],
)
def test_every_export_reads_with_its_mapping_without_rejected_rows(export, mapping, table, expected):
    from supplier_analytics.ingest import read_table

    result = read_table(SAMPLE / "exports" / export, table, mapping=SAMPLE / "mappings" / mapping)
    assert result.rows_rejected == 0
    assert len(result.rejected) == 0
    spec = tomllib.loads((SAMPLE / "mappings" / mapping).read_text(encoding="utf-8"))[table]
    want = expected(load_sample(SAMPLE))[list(spec["columns"])].reset_index(drop=True)
    assert len(result.data) == len(want)
    assert_frame_equal(_canonical_part(result.data, want), want)


# ----------------------------------------------------------------- month-to-month variation

VARIED = dict(n_suppliers=20, n_deliveries=40_000, seed=3, inspection_ratio=1.0, request_ratio=0.5, variation_sd=1.0)


def _plan(**kwargs):
    args = {**dict(n_suppliers=60, n_deliveries=20_000, start="2025-01-01", months=24, seed=42), **kwargs}
    rest = {k: args.pop(k) for k in ("variation_sd", "variation_phi", "seasonality") if k in args}
    return make_plan(
        args["n_suppliers"],
        args["n_deliveries"],
        args["start"],
        args["months"],
        args["seed"],
        args.get("inspection_ratio", 0.25),
        args.get("request_ratio", 0.08),
        args.get("chunk_rows", 1_000_000),
        **rest,
    )


@pytest.fixture(scope="module")
def varied():
    return make_procurement_data(**VARIED), _plan(**VARIED)


def _deviation(plan, metric, supplier_id, date):
    """The plan's shift of ``metric`` (positive is better) for each record's supplier and month."""
    sup = supplier_id.str[1:].astype(int).to_numpy() - 10001
    month = ((date.dt.year - 2025) * 12 + date.dt.month - 1).to_numpy()
    return plan.deviation[METRICS.index(metric), sup, month]


def test_no_variation_by_default():
    assert _plan().deviation is None
    default = make_procurement_data(**SMALL)
    assert (default.truth[["variation_sd", "seasonality"]] == 0.0).all().all()
    still = make_procurement_data(**SMALL, variation_sd=0.0, variation_phi=0.9, seasonality=0.0)
    for name in TABLES:  # phi without an sd changes nothing but the truth's record of it
        assert_frame_equal(getattr(still, name), getattr(default, name), obj=name)


def test_the_monthly_deviations_are_ar1_with_the_given_sd_and_phi():
    e = _plan(n_suppliers=400, months=60, variation_sd=0.3, variation_phi=0.7).deviation
    assert e.shape == (len(METRICS), 400, 60)
    assert e.std() == pytest.approx(0.3, rel=0.03)
    assert e[..., 0].std() == pytest.approx(0.3, rel=0.05)  # stationary from the first month
    lag1 = np.corrcoef(e[..., 1:].ravel(), e[..., :-1].ravel())[0, 1]
    assert lag1 == pytest.approx(0.7, abs=0.02)
    # independent between metrics and suppliers
    assert abs(np.corrcoef(e[0].ravel(), e[1].ravel())[0, 1]) < 0.05


def test_the_deviations_depend_on_the_seed_only_not_on_the_chunks():
    a, b = _plan(variation_sd=0.3), _plan(variation_sd=0.3, chunk_rows=700)
    assert np.array_equal(a.deviation, b.deviation)
    assert not np.array_equal(a.deviation, _plan(variation_sd=0.3, seed=43).deviation)
    assert_frame_equal(a.truth, b.truth)


def test_every_metric_moves_with_its_monthly_deviation(varied):
    data, plan = varied
    stable = data.truth.loc[data.truth["trend"] == "stable", "supplier_id"]
    d = data.deliveries[data.deliveries["supplier_id"].isin(stable)]
    d = d[d["date_received"].dt.month < 10]  # without the built-in Q4 lateness
    first = _on_time(d).sort_values(["date_received", "receipt_id"]).drop_duplicates(["po_id", "line_id"])
    dev = _deviation(plan, "on_time", first["supplier_id"], first["date_received"])
    assert first["on_time"][dev > 0.5].mean() > first["on_time"][dev < -0.5].mean() + 0.08

    lines = d.groupby(["po_id", "line_id"]).agg(
        supplier_id=("supplier_id", "first"),
        date=("date_received", "min"),
        ordered=("quantity_ordered", "first"),
        received=("quantity_received", "sum"),
    )
    in_full = lines["received"] == lines["ordered"]
    dev = _deviation(plan, "in_full", lines["supplier_id"], lines["date"])
    assert 1 - in_full[dev > 0.5].mean() < 0.7 * (1 - in_full[dev < -0.5].mean())

    lots = data.inspections.dropna(subset=["quantity_inspected"])
    lots = lots[lots["supplier_id"].isin(stable)]
    dev = _deviation(plan, "defect", lots["supplier_id"], lots["date"])
    nonconforming = lots["quantity_defective"] > 0
    assert nonconforming[dev > 0.5].mean() < 0.7 * nonconforming[dev < -0.5].mean()

    r = data.requests[data.requests["supplier_id"].isin(stable)].dropna(subset=["date_responded"])
    hours = (r["date_responded"] - r["date_sent"]).dt.total_seconds() / 3600
    dev = _deviation(plan, "response", r["supplier_id"], r["date_sent"])
    assert hours[dev > 0.5].median() < 0.7 * hours[dev < -0.5].median()


def test_monthly_on_time_rates_vary_more_than_chance_with_variation():
    def dispersion(**kwargs):
        """Pearson chi-square per degree of freedom of stable suppliers' monthly on-time rates (1: chance only)."""
        data = make_procurement_data(n_suppliers=20, n_deliveries=40_000, **kwargs)
        stable = data.truth.loc[data.truth["trend"] == "stable", "supplier_id"]
        d = _on_time(data.deliveries[data.deliveries["supplier_id"].isin(stable)])
        d = d[d["date_received"].dt.month < 10]
        cells = d.groupby(["supplier_id", d["date_received"].dt.to_period("M")])["on_time"].agg(["sum", "count"])
        cells = cells[cells["count"] >= 30]
        by_supplier = cells.groupby(level=0)
        p = by_supplier["sum"].transform("sum") / by_supplier["count"].transform("sum")
        chi2 = ((cells["sum"] - cells["count"] * p) ** 2 / (cells["count"] * p * (1 - p))).sum()
        return chi2 / (len(cells) - by_supplier.ngroups)

    assert dispersion() < 1.2
    assert dispersion(variation_sd=0.6) > 1.4


def test_seasonality_is_worst_at_the_turn_of_the_year():
    plan = _plan(seasonality=0.5)
    assert plan.deviation[:, :, 0] == pytest.approx(-0.5 * np.cos(np.pi / 12))  # January: every supplier, metric
    assert plan.deviation[:, :, 6] == pytest.approx(0.5 * np.cos(np.pi / 12))  # July
    data = make_procurement_data(n_suppliers=20, n_deliveries=40_000, seasonality=1.0)
    d = _on_time(
        data.deliveries[
            data.deliveries["supplier_id"].isin(data.truth.loc[data.truth["trend"] == "stable", "supplier_id"])
        ]
    )
    month = d["date_received"].dt.month
    assert d.loc[month.isin([1, 2]), "on_time"].mean() < d.loc[month.isin([6, 7]), "on_time"].mean() - 0.05


def test_the_truth_records_the_trends_and_the_variation_parameters(varied):
    data, _ = varied
    t = data.truth
    assert (t[["variation_sd", "variation_phi", "seasonality"]] == [1.0, 0.5, 0.0]).all().all()
    assert {"improving", "deteriorating"} <= set(t["trend"])
    assert_frame_equal(
        t.drop(columns=["variation_sd"]),
        make_procurement_data(**{**VARIED, "variation_sd": 0.0}).truth.drop(columns=["variation_sd"]),
    )


def test_a_truth_file_without_the_variation_columns_reads_as_no_variation(tmp_path):
    write_procurement_data(tmp_path, n_suppliers=4, n_deliveries=50, months=3)
    truth = pd.read_csv(tmp_path / "truth.csv")
    truth.drop(columns=["variation_sd", "variation_phi", "seasonality"]).to_csv(tmp_path / "truth.csv", index=False)
    assert load_sample(tmp_path).truth["variation_sd"].eq(0.0).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"variation_sd": -0.1}, r"variation_sd must be between 0 and 5 \(on the logit\), got -0\.1"),
        ({"variation_phi": 1.0}, r"variation_phi must be above -1 and below 1, got 1\.0"),
        ({"seasonality": "big"}, r"seasonality must be a number, got 'big'"),
    ],
)
def test_bad_variation_arguments_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_procurement_data(**kwargs)


def test_generate_command_passes_the_variation_on(tmp_path):
    argv = ["generate", "--suppliers", "6", "--deliveries", "300", "--months", "6", "--out", str(tmp_path)]
    assert main([*argv, "--variation-sd", "0.4", "--variation-phi", "0.2", "--seasonality", "0.3"]) == 0
    expected = make_procurement_data(
        n_suppliers=6, n_deliveries=300, months=6, variation_sd=0.4, variation_phi=0.2, seasonality=0.3
    )
    _assert_same(load_sample(tmp_path), expected)
