"""The dask engine agrees with the in-memory engine on generated data (not timed).

The agreement tests run dask's synchronous scheduler (every partition judged and merged in this
process, through the same task graph a cluster runs); one test starts a real LocalCluster of two
worker processes to check that the tasks travel to other processes and back.
"""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from supplier_analytics import score, write_procurement_data
from supplier_analytics.cli import main
from supplier_analytics.engines import partition_parquet
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.metrics import compute_metrics
from supplier_analytics.trends import period_series

TABLES = ("deliveries", "inspections", "requests", "suppliers", "exclusions")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    folder = write_procurement_data(
        root / "data", n_suppliers=80, n_deliveries=20_000, seed=11, format="parquet", chunk_rows=5_000
    )
    parts = partition_parquet(folder / "deliveries.parquet", root / "deliveries", n_files=4)
    frames = {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
    return folder, parts, frames


def test_partitioned_dataset_keeps_each_supplier_in_one_file(data):
    folder, parts, frames = data
    files = sorted(parts.glob("*.parquet"))
    assert len(files) == 4
    ids = [set(pd.read_parquet(f, columns=["supplier_id"])["supplier_id"]) for f in files]
    assert sum(len(s) for s in ids) == len(set().union(*ids)) == frames["deliveries"]["supplier_id"].nunique()
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == len(frames["deliveries"])


def test_dask_engine_equals_the_in_memory_engine(data):
    folder, parts, frames = data
    mem = compute_metrics(
        frames["deliveries"], frames["inspections"], frames["requests"], exclusions=frames["exclusions"]
    )
    with dask.config.set(scheduler="synchronous"):
        dk = compute_metrics(
            parts,
            folder / "inspections.parquet",
            folder / "requests.parquet",
            exclusions=frames["exclusions"],
            engine="dask",
        )
    assert (dk.as_of, dk.window) == (mem.as_of, mem.window)
    # the records stay on the workers: asking for them is an error that says what to do, never None
    assert (dk.engine, dk.has_records, mem.engine, mem.has_records) == ("dask", False, "pandas", True)
    for ask in (lambda: dk.lines, lambda: dk.lots, lambda: dk.requests, lambda: dk.records("deliveries", "V10001")):
        with pytest.raises(
            InputError,
            match=r"came from the dask engine, which keeps no judged records.*"
            r"score with engine='pandas'",
        ):
            ask()
    # statistics: counts equal, sums equal to floating-point rounding
    for name in mem.stats.FRAMES:
        pd.testing.assert_frame_equal(getattr(dk.stats, name), getattr(mem.stats, name), rtol=1e-12, atol=0)
    assert dk.stats.suppliers == mem.stats.suppliers
    for name in ("suppliers", "periods", "by_request_type", "pareto", "ignored"):
        pd.testing.assert_frame_equal(getattr(dk, name), getattr(mem, name), rtol=1e-9, atol=0)
    # the data exercise what matters: several partitions, split lines, exclusions, records before the window
    assert mem.stats.delivery["n_excluded_deliveries"].sum() > 0
    assert (mem.lines["n_receipts"] > 1).sum() > 100
    assert mem.ignored.set_index("table").loc["deliveries", "before_window"] > 0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")
def test_score_with_dask_grades_like_pandas(data):
    folder, parts, frames = data
    as_of = "2026-10-31"
    mem = score(
        deliveries=frames["deliveries"],
        inspections=frames["inspections"],
        requests=frames["requests"],
        suppliers=frames["suppliers"],
        exclusions=frames["exclusions"],
        as_of=as_of,
    )
    with dask.config.set(scheduler="synchronous"):
        dk = score(
            deliveries=parts,
            inspections=folder / "inspections.parquet",
            requests=folder / "requests.parquet",
            suppliers=frames["suppliers"],
            exclusions=frames["exclusions"],
            as_of=as_of,
            engine="dask",
        )
    assert dk.as_of == pd.Timestamp(as_of)
    cols = ["supplier_id", "otif_rate", "ppm", "within_sla_rate", "overall_score", "grade", "rank", "grade_stability"]
    pd.testing.assert_frame_equal(dk.suppliers[cols], mem.suppliers[cols], rtol=1e-9, atol=0)
    # receipts after the as-of date are counted as ignored by both
    assert dk.metrics.ignored.equals(mem.metrics.ignored)
    assert dk.metrics.ignored["after_as_of"].sum() > 0


@pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")
def test_a_dask_scorecard_refuses_other_periods_and_keeps_its_own(data):
    folder, parts, frames = data
    mem = score(deliveries=frames["deliveries"], inspections=frames["inspections"], as_of="2026-10-31")
    with dask.config.set(scheduler="synchronous"):
        dk = score(deliveries=parts, inspections=folder / "inspections.parquet", as_of="2026-10-31", engine="dask")
    with pytest.raises(
        InputError,
        match=r"period='week' needs the judged records, but this result came from the "
        r"dask engine.*engine='pandas'.*own month periods",
    ):
        period_series(dk, "otif_rate", period="week")
    assert dk.metrics.records("requests") is None  # a table the run did not have: None, not an error
    monthly = period_series(dk, "otif_rate")
    pd.testing.assert_frame_equal(monthly, period_series(mem, "otif_rate"), rtol=1e-9, atol=0)
    assert monthly["value"].notna().sum() > 100


def test_a_line_split_over_partitions_needs_the_shuffle(data):
    folder, parts, frames = data
    d = frames["deliveries"]
    size = d.groupby(["po_id", "line_id"])["receipt_id"].transform("size")
    po = d.loc[(size == 2) & (d["date_received"] >= "2026-06-01"), ["po_id", "line_id"]].iloc[0]
    one = d.loc[(d["po_id"] == po["po_id"]) & (d["line_id"] == po["line_id"])]
    assert one["po_id"].nunique() == 1 and one["line_id"].nunique() == 1  # one line, two receipts
    import dask.dataframe as dd

    halves = dd.from_pandas(one, npartitions=2, sort=False)
    assert halves.npartitions == 2
    mem = compute_metrics(one, as_of="2026-12-31")
    with dask.config.set(scheduler="synchronous"):
        wrong = compute_metrics(halves, as_of="2026-12-31", engine="dask")
        right = compute_metrics(halves, as_of="2026-12-31", engine="dask", shuffle=True)
    assert mem.stats.delivery["n_lines"].sum() == 1
    assert wrong.stats.delivery["n_lines"].sum() == 2  # each half judged as a line of its own
    pd.testing.assert_frame_equal(right.stats.delivery, mem.stats.delivery)


def test_unknown_engine_is_a_config_error(data):
    folder, parts, frames = data
    with pytest.raises(ConfigError, match=r"engine = 'spark' is not known; use one of 'pandas', 'dask'"):
        score(deliveries=frames["deliveries"], engine="spark")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")
def test_cli_scores_a_partitioned_dataset_on_a_local_cluster(data, tmp_path, capsys):
    """Two worker processes (distributed.LocalCluster, started and closed by the engine)."""
    folder, parts, frames = data
    out = tmp_path / "out"
    code = main(
        [
            "score",
            "--engine",
            "dask",
            "--deliveries",
            str(parts),
            "--inspections",
            str(folder / "inspections.parquet"),
            "--exclusions",
            str(folder / "exclusions.parquet"),
            "--as-of",
            "2026-12-31",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "scored with dask" in capsys.readouterr().out
    mem = score(
        deliveries=frames["deliveries"],
        inspections=frames["inspections"],
        exclusions=frames["exclusions"],
        as_of="2026-12-31",
    )
    got = pd.read_csv(out / "suppliers.csv", dtype={"supplier_id": str})
    np.testing.assert_allclose(got["otif_rate"].to_numpy(), mem.suppliers["otif_rate"].to_numpy(), rtol=1e-9)
    assert got["grade"].tolist() == mem.suppliers["grade"].astype(str).tolist()
