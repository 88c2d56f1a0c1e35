"""Engines: the same mergeable statistics computed in memory (pandas) or over a partitioned dataset (dask).

Both engines stand behind :func:`run_engine`, which takes the record tables and the run's options and
returns an :class:`~supplier_analytics.engines.partitions.EngineRun` (statistics, ignored-record
counts, the run's :class:`~supplier_analytics.tables.ScoringContext` and the judged records);
:func:`~supplier_analytics.metrics.compute_metrics` and :func:`~supplier_analytics.score` turn it into
metric frames. Each engine conforms its tables once and makes the run's one context once:

* ``"pandas"`` (:mod:`~supplier_analytics.engines.pandas_engine`): the tables are DataFrames in
  memory, prepared once; :func:`~supplier_analytics.engines.pandas_engine.judge_in_memory` judges them
  in one piece or in chunks of whole suppliers on a few threads, and keeps (or judges again on demand)
  the records behind every figure.
* ``"dask"`` (:mod:`~supplier_analytics.engines.dask_engine`): the tables are partitioned parquet
  datasets (or dask frames); every partition is prepared and judged on a worker, and only the
  statistics come back. The as-of date, when not given, is computed on the same cluster.

The partition building blocks both use (:func:`supplier_chunks`, :func:`take_rows`,
:func:`judge_partition`, :func:`partition_stats`, :func:`merge_partitions`, :class:`JudgedRecords`)
live in :mod:`~supplier_analytics.engines.partitions`.
"""

from __future__ import annotations

import pandas as pd

from supplier_analytics.config import Config
from supplier_analytics.engines.dask_engine import judge_with_dask, local_cluster, partition_parquet
from supplier_analytics.engines.pandas_engine import CHUNK_ROWS, judge_in_memory
from supplier_analytics.engines.partitions import (
    EngineRun,
    JudgedRecords,
    ignored_counts,
    judge_partition,
    merge_partitions,
    partition_stats,
    supplier_chunks,
    take_rows,
)
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.tables import make_context, prepare_tables

__all__ = [
    "ENGINES",
    "check_engine",
    "run_engine",
    "EngineRun",
    "JudgedRecords",
    "CHUNK_ROWS",
    "judge_in_memory",
    "judge_with_dask",
    "ignored_counts",
    "judge_partition",
    "partition_stats",
    "merge_partitions",
    "supplier_chunks",
    "take_rows",
    "partition_parquet",
    "local_cluster",
]

#: Engines accepted by ``score(..., engine=...)`` and ``supplier-analytics score --engine``.
ENGINES = ("pandas", "dask")


def check_engine(engine: str) -> str:
    """``engine`` when it is one of :data:`ENGINES`; else a :class:`ConfigError`.

    Examples
    --------
    >>> check_engine("dask")
    'dask'
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine = {engine!r} is not known; use one of {', '.join(map(repr, ENGINES))}.")
    return engine


def run_engine(
    engine: str = "pandas",
    *,
    deliveries=None,
    inspections=None,
    requests=None,
    config: Config | dict | str | None = None,
    as_of=None,
    exclusions: pd.DataFrame | None = None,
    **options,
) -> EngineRun:
    """Judge and aggregate the record tables with ``engine``: the one way both engines are run.

    Parameters
    ----------
    engine : ``"pandas"`` or ``"dask"`` (:data:`ENGINES`).
    deliveries, inspections, requests : canonical tables (at least one): DataFrames for the pandas
        engine; parquet files or folders, dask or pandas DataFrames for the dask engine.
    config, as_of, exclusions : the run's options, made into its one
        :class:`~supplier_analytics.tables.ScoringContext` (:func:`~supplier_analytics.tables.make_context`).
    options : the engine's own: ``chunk_rows``, ``threads`` (pandas,
        :func:`~supplier_analytics.engines.pandas_engine.judge_in_memory`); ``shuffle``, ``fan_in``
        (dask, :func:`~supplier_analytics.engines.dask_engine.judge_with_dask`).

    Examples
    --------
    >>> i = pd.DataFrame({"supplier_id": ["S1", "S2"], "date": pd.to_datetime(["2025-01-05", "2025-01-09"]),
    ...     "quantity_inspected": [100.0, 50.0], "quantity_defective": [2.0, 0.0]})
    >>> run = run_engine("pandas", inspections=i)
    >>> run.stats.quality["n_inspections"].tolist(), str(run.context.as_of.date()), len(run.records.table("inspections"))
    ([1, 1], '2025-01-09', 2)
    """
    check_engine(engine)
    if deliveries is None and inspections is None and requests is None:
        raise InputError(
            f"The {engine} engine needs at least one of deliveries, inspections or requests; pass a table."
        )
    if engine == "dask":
        return judge_with_dask(
            deliveries, inspections, requests, config=config, as_of=as_of, exclusions=exclusions, **options
        )
    tables = prepare_tables(deliveries, inspections, requests)
    context = make_context(config, **tables, as_of=as_of, exclusions=exclusions)
    return judge_in_memory(tables, context, **options)
