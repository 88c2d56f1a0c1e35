"""The dask engine: the mergeable statistics computed partition by partition over a partitioned dataset.

:func:`judge_with_dask` reads canonical parquet datasets with :func:`dask.dataframe.read_parquet`,
prepares, judges and aggregates every partition on its own with the same
:func:`~supplier_analytics.engines.partitions.partition_stats` as the pandas engine's chunks, and merges
the partitions' :class:`~supplier_analytics.aggregate.PeriodStats` with
:func:`~supplier_analytics.engines.partitions.merge_partitions` in a tree. Counts are equal and sums
equal up to the order of floating-point additions (about 1e-12 relative), so the metrics agree with
the pandas engine's to 1e-9.

Partitions
----------
All receipts of one order line must sit in the same partition (their quantities are combined before
the line is judged). Each parquet **file** of a dataset is one partition; write the dataset with
:func:`partition_parquet`, which puts every supplier in exactly one file, or pass ``shuffle=True`` to
let dask shuffle the rows by supplier first (slower, and it moves all rows between workers).
Inspections and requests stand alone and may be partitioned in any way.

Where it runs
-------------
With a :class:`distributed.Client` active (``Client("tcp://scheduler:8786")`` for a cluster of many
machines, or ``Client(LocalCluster(...))``), the work runs there: the parquet paths must then be
readable from every worker (a shared file system or object storage such as ``s3://...``). With
``dask.config.set(scheduler="synchronous")`` (or ``"threads"``) it runs in this process. Otherwise
a local cluster of worker processes is started for the call (:func:`local_cluster`) and closed after.
The records themselves (judged lines, lots, requests) stay on the workers: only the statistics come
back, so evidence drill-down (and periods other than the configured one) needs the pandas engine;
asking the result for records raises an error that says so.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.config import Config, load_config
from supplier_analytics.engines.partitions import EngineRun, JudgedRecords, merge_partitions, partition_stats
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.schema import TABLES
from supplier_analytics.tables import ScoringContext, make_context, prepare_table, resolve_as_of

__all__ = ["judge_with_dask", "partition_parquet", "local_cluster"]

_DATES = {
    "deliveries": ("date_received",),
    "inspections": ("date",),
    "requests": ("date_sent", "date_responded", "date_closed"),
}


# --------------------------------------------------------------------------- one partition


def _partition_task(frame: pd.DataFrame, table: str, context: ScoringContext):
    # a partition arrives as read from parquet: prepared here, on the worker, once
    return partition_stats(**{table: prepare_table(frame, table)}, context=context)


def _merge_task(*parts):
    return merge_partitions(parts)


# --------------------------------------------------------------------------- the dask engine


def _dask_frame(value, table: str, *, shuffle: bool):
    """A dask DataFrame of the canonical columns of ``table`` from a parquet path or a frame."""
    import dask.dataframe as dd

    names = TABLES[table].names
    if isinstance(value, dd.DataFrame):
        ddf = value[[c for c in names if c in value.columns]]
    elif isinstance(value, pd.DataFrame) or isinstance(getattr(value, "data", None), pd.DataFrame):
        frame = value if isinstance(value, pd.DataFrame) else value.data
        ddf = dd.from_pandas(frame[[c for c in names if c in frame.columns]], npartitions=1, sort=False)
    elif isinstance(value, (str, Path)):
        ddf = _read_parquet(value, table)
    else:
        raise InputError(
            f"{table} for the dask engine must be a parquet file or folder, a dask or pandas DataFrame, "
            f"not {type(value).__name__}; give the path of the partitioned parquet dataset."
        )
    if shuffle and table == "deliveries" and ddf.npartitions > 1:
        ddf = ddf.shuffle("supplier_id")
    return ddf


def _read_parquet(path, table: str):
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    text = str(path)
    local = "://" not in text
    if local and not Path(text).exists():
        raise InputError(f"Cannot read {Path(text).name}: the {table} dataset does not exist; check the path {text}.")
    try:
        if not local:
            schema = None
        elif Path(text).is_dir():  # the files dask reads: *.parquet, *.parq, *.pq
            files = sorted(f for f in Path(text).rglob("*") if f.suffix in (".parquet", ".parq", ".pq"))
            if not files:
                raise InputError(
                    f"Cannot read {text}: the folder holds no .parquet files; write the {table} "
                    "table there as parquet (see partition_parquet)."
                )
            schema = pq.read_schema(files[0])
        else:
            schema = pq.read_schema(text)
    except InputError:
        raise
    except Exception as exc:  # not parquet at all
        raise InputError(
            f"Cannot read {text}: it is not a parquet file or folder of parquet files "
            f"({type(exc).__name__}); write the {table} table as parquet."
        ) from None
    columns = [c for c in TABLES[table].names if schema is None or c in schema.names]
    # deliveries: one file = one partition, as a file holds whole order lines (see partition_parquet);
    # inspections and requests stand alone: one row group = one partition
    split = table != "deliveries"
    return dd.read_parquet(text, columns=columns, split_row_groups=split, blocksize=None)


@contextmanager
def _quiet_dask():
    # dask's parquet reader still calls pandas APIs that pandas 3.1 deprecates: not ours to fix, not the user's
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"dask\.")
        yield


def _latest_date(ddfs: dict) -> pd.Timestamp:
    import dask

    maxima = [ddf[c].max() for name, ddf in ddfs.items() for c in _DATES[name] if c in ddf.columns]
    with _quiet_dask():
        computed = dask.compute(*maxima)
    values = [pd.Timestamp(v) for v in computed if not pd.isna(v)]
    if not values:
        raise InputError("No dated records were given, so there is no as-of date; pass as_of=YYYY-MM-DD.")
    return resolve_as_of(max(values))


def local_cluster(*, n_workers: int = 2, memory_limit: str = "1.2GiB", threads_per_worker: int = 1):
    """A :class:`distributed.Client` on a new local cluster of worker processes (close it when done).

    Each worker is one process with ``memory_limit``: dask spills to disk, then pauses, then restarts
    a worker that goes beyond it, so the memory of the whole run stays bounded.
    """
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
    )
    return Client(cluster)


def _active_client():
    """The running distributed client, else a client of the scheduler DASK_SCHEDULER_ADDRESS names, else None."""
    import dask

    try:
        from distributed import Client, default_client
    except ImportError:  # pragma: no cover - distributed is part of the dask extra
        return None
    try:
        return default_client()
    except ValueError:
        address = dask.config.get("scheduler-address", None)
        return Client(address) if address else None


def judge_with_dask(
    deliveries=None,
    inspections=None,
    requests=None,
    *,
    config: Config | dict | str | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    shuffle: bool = False,
    fan_in: int = 8,
):
    """Judge and aggregate partitioned data with dask: the statistics of the pandas engine, without records.

    Parameters
    ----------
    deliveries, inspections, requests : a parquet file or a folder of parquet files (local path or URL
        that dask can read), a dask DataFrame, or a pandas DataFrame (one partition). Canonical column
        names; at least one table.
    config, as_of, exclusions : as in :func:`~supplier_analytics.tables.make_context`; without
        ``as_of`` the latest date in the data is computed first (one pass over the date columns), on
        the same cluster as the run.
    shuffle : shuffle the deliveries by supplier before judging them; needed only when a partition
        may hold part of an order line's receipts (see the module notes).
    fan_in : partitions merged per step of the merge tree.

    Returns
    -------
    EngineRun
        Its records keep nothing (they stay on the workers): asking for them raises an error.
    """
    import dask
    from dask import delayed

    given = {"deliveries": deliveries, "inspections": inspections, "requests": requests}
    if all(v is None for v in given.values()):
        raise InputError("The dask engine needs at least one of deliveries, inspections or requests; give a path.")
    cfg = load_config(config)
    ex = getattr(exclusions, "data", exclusions)
    client = _active_client()
    own = client is None and dask.config.get("scheduler", None) is None
    if own:
        client = local_cluster()
    try:
        ddfs = {name: _dask_frame(v, name, shuffle=shuffle) for name, v in given.items() if v is not None}
        # the one context of the run, made once here (the as-of date may need the cluster) and sent once
        context = make_context(cfg, as_of=_latest_date(ddfs) if as_of is None else as_of, exclusions=ex)
        task = delayed(_partition_task, pure=True)
        context_d = delayed(context)
        parts = [task(part, name, context_d) for name, ddf in ddfs.items() for part in ddf.to_delayed()]
        merge = delayed(_merge_task, pure=True)
        while len(parts) > 1:
            parts = [merge(*parts[i : i + fan_in]) for i in range(0, len(parts), fan_in)]
        with _quiet_dask():
            stats, ignored = dask.compute(parts[0])[0]
    finally:
        if own:
            cluster = client.cluster
            client.close()
            cluster.close()
    ignored = {name: ignored.get(name, (0, 0)) for name in ddfs}
    return EngineRun(stats=stats, ignored=ignored, context=context, records=JudgedRecords(engine="dask", tables=ddfs))


# --------------------------------------------------------------------------- writing a partitioned dataset


def partition_parquet(source, out_dir, *, n_files: int = 16, key: str = "supplier_id") -> Path:
    """Split a parquet file into ``n_files`` files so that every ``key`` value sits in exactly one file.

    Streams ``source`` one row group at a time (memory: about one row group), so it works for files
    larger than memory. Files are named ``part-00000.parquet`` ...; a supplier's file is fixed by a
    stable hash of its id, so the same supplier lands in the same file on every run.

    Returns
    -------
    pathlib.Path
        ``out_dir``, ready for ``score(deliveries=out_dir, engine="dask")``.

    Examples
    --------
    >>> import tempfile
    >>> src = Path(tempfile.mkdtemp()) / "d.parquet"
    >>> pd.DataFrame({"supplier_id": ["A", "B", "A", "C"], "x": [1, 2, 3, 4]}).to_parquet(src)
    >>> out = partition_parquet(src, Path(src.parent) / "parts", n_files=2)
    >>> sorted(sum((pd.read_parquet(p)["supplier_id"].unique().tolist() for p in out.iterdir()), []))
    ['A', 'B', 'C']
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if n_files < 1:
        raise ConfigError(f"n_files = {n_files} must be at least 1.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    src = pq.ParquetFile(source)
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        for g in range(src.num_row_groups):
            batch = src.read_row_group(g)
            ids = batch.column(key).to_pandas()
            bucket = (pd.util.hash_array(ids.to_numpy(dtype=object)) % np.uint64(n_files)).astype(np.int64)
            order = np.argsort(bucket, kind="stable")
            sorted_b = bucket[order]
            edges = np.flatnonzero(np.r_[True, sorted_b[1:] != sorted_b[:-1], True])
            for a, b in zip(edges[:-1], edges[1:]):
                k = int(sorted_b[a])
                if k not in writers:
                    writers[k] = pq.ParquetWriter(out / f"part-{k:05d}.parquet", batch.schema)
                writers[k].write_table(batch.take(pa.array(order[a:b])))
    finally:
        for w in writers.values():
            w.close()
    return out
