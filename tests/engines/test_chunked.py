"""Large inputs are judged in chunks of whole suppliers, on threads, with the records judged again on demand.

The chunked run must give exactly the figures of the one-piece run (sums up to floating-point order),
the same records (per supplier and whole), the same evidence, and warn once. Typed parquet files given
to score() by path are read by the library's column reader; other files go through read_table.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics import tables
from supplier_analytics.engines import pandas_engine, supplier_chunks, take_rows
from supplier_analytics.errors import DataWarning
from supplier_analytics.ingest.columnar import read_parquet_table
from supplier_analytics.metrics import compute_metrics

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")

FRAMES = ("suppliers", "periods", "by_request_type", "pareto", "ignored")


@pytest.fixture(scope="module")
def data():
    d = sa.make_procurement_data(n_suppliers=50, n_deliveries=12_000, seed=5)
    ex = d.exclusions
    # one order line excused twice, for two reasons: the records must join both
    line = d.deliveries.iloc[100]
    twice = pd.DataFrame(
        {
            "table": ["deliveries"] * 2,
            "supplier_id": [line["supplier_id"]] * 2,
            "po_id": [line["po_id"]] * 2,
            "line_id": [line["line_id"], pd.NA],
            "reason_code": ["zz-first", "zz-second"],
            "decided_by": ["QA lead"] * 2,
        }
    )
    return d, pd.concat([ex, twice], ignore_index=True)


@pytest.fixture(scope="module")
def whole(data):
    d, ex = data
    return compute_metrics(d.deliveries, d.inspections, d.requests, exclusions=ex)


@pytest.mark.parametrize("threads", [1, 2])
def test_chunked_run_equals_the_one_piece_run(data, whole, threads):
    d, ex = data
    chunked = compute_metrics(d.deliveries, d.inspections, d.requests, exclusions=ex, chunk_rows=2_000, threads=threads)
    for name in chunked.stats.FRAMES:
        pd.testing.assert_frame_equal(getattr(chunked.stats, name), getattr(whole.stats, name), rtol=1e-12, atol=0)
    assert chunked.stats.suppliers == whole.stats.suppliers
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(chunked, name), getattr(whole, name), rtol=1e-12, atol=0)
    # the data exercise what matters: excluded lines and lines before the window
    assert whole.stats.delivery["n_excluded_deliveries"].sum() > 0
    assert whole.ignored["before_window"].sum() > 0


def test_records_are_judged_again_on_demand_and_equal_the_kept_ones(data, whole):
    d, ex = data
    chunked = compute_metrics(d.deliveries, d.inspections, d.requests, exclusions=ex, chunk_rows=2_000)
    assert "deliveries" not in chunked.judged._kept  # nothing judged yet: the inputs only
    for sid in ["V10001", "V10017", "V10050", "no such supplier"]:
        for table in ("deliveries", "inspections", "requests"):
            pd.testing.assert_frame_equal(chunked.records(table, sid), whole.records(table, sid))
    assert len(chunked.records("deliveries", "no such supplier")) == 0
    pd.testing.assert_frame_equal(chunked.lines, whole.lines)
    pd.testing.assert_frame_equal(chunked.lots, whole.lots)
    pd.testing.assert_frame_equal(chunked.requests, whole.requests)
    po = whole.lines.loc[whole.lines["po_id"] == d.deliveries.iloc[100]["po_id"]]
    both = (po["line_id"] == d.deliveries.iloc[100]["line_id"]).to_numpy()
    assert po.loc[both, "exclusion_reason"].tolist() == ["zz-first; zz-second"]  # the line named twice
    assert set(po.loc[~both, "exclusion_reason"]) == {"zz-second"}  # the rest of the order, once
    with pytest.raises(sa.InputError, match="use one of deliveries, inspections, requests"):
        chunked.records("orders")
    copied = pickle.loads(pickle.dumps(chunked))  # a result travels (e.g. to a worker) and still judges on demand
    pd.testing.assert_frame_equal(copied.records("requests", "V10017"), whole.records("requests", "V10017"))


@pytest.mark.slow
def test_evidence_of_a_chunked_scorecard_equals_the_one_piece_evidence(data, monkeypatch):
    d, ex = data
    one = sa.score(
        deliveries=d.deliveries, inspections=d.inspections, requests=d.requests, suppliers=d.suppliers, exclusions=ex
    )
    monkeypatch.setattr(pandas_engine, "CHUNK_ROWS", 3_000)
    many = sa.score(
        deliveries=d.deliveries, inspections=d.inspections, requests=d.requests, suppliers=d.suppliers, exclusions=ex
    )
    pd.testing.assert_frame_equal(many.suppliers, one.suppliers, rtol=1e-12, atol=0)
    for sid in ("V10002", "V10031"):
        for metric in ("otif_rate", "ppm", "within_sla_rate", "open_requests"):
            pd.testing.assert_frame_equal(many.evidence(sid, metric), one.evidence(sid, metric))


def test_a_warning_of_every_chunk_reaches_the_caller_once(data):
    d, _ = data
    no_requested = d.deliveries.drop(columns="date_requested")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compute_metrics(no_requested, chunk_rows=1_000, config={"delivery": {"reference_date": "requested"}})
    mine = [w for w in caught if issubclass(w.category, DataWarning) and "date_requested" in str(w.message)]
    assert len(mine) == 1


def test_supplier_chunks_partition_every_table_along_suppliers():
    rng = np.random.default_rng(1)
    # skewed volumes: supplier S0 alone has more rows than a chunk
    d = pd.DataFrame(
        {"supplier_id": rng.choice([f"S{i}" for i in range(30)], 5_000, p=np.r_[0.4, np.full(29, 0.6 / 29)])}
    )
    d.loc[[7, 8], "supplier_id"] = None  # rows without a supplier go to the first chunk
    lots = pd.DataFrame({"supplier_id": pd.Categorical(rng.choice([f"S{i}" for i in range(35)], 900))})
    chunks = supplier_chunks({"deliveries": d, "inspections": lots, "requests": None}, max_rows=1_000)
    assert len(chunks) > 3
    for name, frame in (("deliveries", d), ("inspections", lots)):
        pos = np.concatenate([c[name] for c in chunks])
        assert np.array_equal(np.sort(pos), np.arange(len(frame)))  # every row once
        assert all(np.all(np.diff(c[name]) > 0) for c in chunks)  # in input order
    owners = {}
    for j, c in enumerate(chunks):
        assert c["requests"] is None
        for name, frame in (("deliveries", d), ("inspections", lots)):
            for sid in frame["supplier_id"].iloc[c[name]].dropna().astype(str).unique():
                assert owners.setdefault(sid, j) == j  # a supplier in one chunk only, across tables
    assert {7, 8} <= set(chunks[0]["deliveries"].tolist())
    sizes = [sum(len(v) for v in c.values() if v is not None) for c in chunks]
    assert max(sizes) == (d["supplier_id"] == "S0").sum() + (lots["supplier_id"] == "S0").sum()


def test_take_rows_keeps_values_and_dtypes_of_chunked_arrow_strings():
    import pyarrow as pa

    ids = pa.chunked_array([pa.array(["a", None, "c"]), pa.array(["d", "e"]), pa.array(["f"])])
    frame = pd.DataFrame({"id": pd.Series(pd.arrays.ArrowStringArray(ids)), "x": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]})
    got = take_rows(frame, np.array([1, 2, 4, 5]))
    assert got["id"].dtype == frame["id"].dtype
    assert got["id"].tolist() == [pd.NA, "c", "e", "f"] and got["x"].tolist() == [1.5, 2.5, 4.5, 5.5]
    assert take_rows(frame, np.array([], dtype=np.int64)).shape == (0, 2)


def test_score_reads_typed_parquet_by_path_like_the_frames(data, tmp_path):
    d, ex = data
    paths = {}
    for name, frame in (
        ("deliveries", d.deliveries),
        ("inspections", d.inspections),
        ("requests", d.requests),
        ("suppliers", d.suppliers),
        ("exclusions", ex),
    ):
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    by_path = sa.score(**paths)
    by_frame = sa.score(
        deliveries=d.deliveries, inspections=d.inspections, requests=d.requests, suppliers=d.suppliers, exclusions=ex
    )
    pd.testing.assert_frame_equal(by_path.suppliers, by_frame.suppliers, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(by_path.periods, by_frame.periods, rtol=1e-12, atol=0)
    assert not by_path.imports  # typed parquet: read as is, nothing to reject
    read = read_parquet_table(paths["deliveries"], "deliveries")
    assert "value" not in read.columns  # never used by the scoring: not loaded
    assert read["supplier_id"].dtype == "category" and read["po_id"].dtype == pd.StringDtype("pyarrow")


def test_score_reads_other_files_through_read_table(data, tmp_path):
    d, _ = data
    text_dates = d.deliveries.head(300).astype({"date_received": str})  # dates stored as text: not typed
    text_dates.loc[5, "date_received"] = "not a date"
    text_dates.to_parquet(tmp_path / "deliveries.parquet")
    d.inspections.head(200).to_csv(tmp_path / "inspections.csv", index=False)
    card = sa.score(deliveries=tmp_path / "deliveries.parquet", inspections=str(tmp_path / "inspections.csv"))
    assert set(card.imports) == {"deliveries", "inspections"}
    rejected = card.rejected
    assert rejected.loc[rejected["table"] == "deliveries", "column"].tolist() == ["date_received"]
    assert card.imports["deliveries"].rows_accepted == 299
    with pytest.raises(sa.InputError, match="does not exist"):
        sa.score(deliveries=tmp_path / "missing.parquet")


@pytest.mark.parametrize("chunk_rows", [None, 2_000])
def test_a_run_prepares_each_table_and_the_exclusions_once(data, monkeypatch, chunk_rows):
    d, ex = data
    calls, real = [], tables.prepare_table

    def counting(df, name):
        calls.append(name)
        return real(df, name)

    monkeypatch.setattr(tables, "prepare_table", counting)
    card = sa.score(
        deliveries=d.deliveries, inspections=d.inspections, requests=d.requests, suppliers=d.suppliers, exclusions=ex
    )
    if chunk_rows:
        compute_metrics(d.deliveries, d.inspections, d.requests, exclusions=ex, chunk_rows=chunk_rows)
    assert sorted(calls) == sorted(["deliveries", "inspections", "requests", "exclusions"] * (2 if chunk_rows else 1))
    card.metrics.records("deliveries", "V10001")  # records judged on demand prepare nothing either
    assert len(calls) == (8 if chunk_rows else 4)
