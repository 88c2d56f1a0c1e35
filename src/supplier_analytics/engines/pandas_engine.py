"""The pandas engine: the whole data in memory, judged in chunks of whole suppliers on a few threads.

:func:`judge_in_memory` takes tables prepared by :func:`~supplier_analytics.tables.prepare_table` and
the run's :class:`~supplier_analytics.tables.ScoringContext`. Up to :data:`CHUNK_ROWS` rows (all record
tables together) are judged in one piece and the records kept. Larger inputs are split into chunks of
whole suppliers (:func:`~supplier_analytics.engines.partitions.supplier_chunks`), each judged and
summed on a thread by :func:`~supplier_analytics.engines.partitions.partition_stats` with the same
judges, and the chunks' statistics merged; the figures are the same (sums up to the order of
floating-point additions), memory stays near one chunk per thread, and the records are judged again
when asked for.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Literal

import pandas as pd

from supplier_analytics.engines.partitions import (
    EngineRun,
    JudgedRecords,
    judge_partition,
    merge_partitions,
    partition_stats,
    supplier_chunks,
    take_rows,
)
from supplier_analytics.tables import RECORD_TABLES, ScoringContext

__all__ = ["CHUNK_ROWS", "judge_in_memory"]


#: Rows (all record tables together) judged in one piece; larger inputs are judged in chunks of whole
#: suppliers whose statistics are merged, and their records are judged again only when asked for.
CHUNK_ROWS = 500_000


def _release_free_memory() -> None:
    """Hand memory freed by a chunk back to the system (glibc keeps freed blocks of each thread's arena
    for reuse otherwise, and the process grows chunk after chunk); a no-op elsewhere."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


#: glibc's malloc_trim once looked up; False where there is none
_malloc_trim: Callable[[int], object] | Literal[False] | None = None


@contextmanager
def _arrow_single_threaded():
    """Arrow's own thread pool at one thread while our threads each run Arrow kernels on their chunk: two
    pools on the same cores slowed the kernels (takes, hashing) by half or more."""
    import pyarrow as pa

    before = pa.cpu_count()
    pa.set_cpu_count(1)
    try:
        yield
    finally:
        pa.set_cpu_count(before)


def _threads(n_chunks: int) -> int:
    return max(1, min(n_chunks, os.cpu_count() or 1, 4))


def judge_in_memory(
    tables: dict,
    context: ScoringContext,
    *,
    chunk_rows: int | None = None,
    threads: int | None = None,
) -> EngineRun:
    """Judge and aggregate prepared tables in memory: the pandas engine.

    Parameters
    ----------
    tables : ``{table: prepared frame or None}`` for deliveries, inspections and requests.
    context : the run's context (:func:`~supplier_analytics.tables.make_context`).
    chunk_rows : rows judged in one piece (default :data:`CHUNK_ROWS`); larger inputs are judged in
        chunks of whole suppliers on ``threads`` threads (default: the number of cores, at most 4).

    Returns
    -------
    EngineRun
        With the records kept (one chunk) or judged again on demand (several chunks).
    """
    prepared: dict[str, pd.DataFrame | None] = {name: tables.get(name) for name in RECORD_TABLES}
    chunks = supplier_chunks(prepared, max_rows=chunk_rows or CHUNK_ROWS)
    if len(chunks) == 1:
        stats, ignored, records = judge_partition(
            prepared["deliveries"], prepared["inspections"], prepared["requests"], context=context
        )
        judged = JudgedRecords(kept=records, context=context)
    else:

        def run(positions: dict) -> tuple:
            # one table at a time: a thread holds one table's chunk and its records, never all three
            parts = []
            for name, df in prepared.items():
                if df is not None:
                    parts.append(partition_stats(**{name: take_rows(df, positions[name])}, context=context))
            _release_free_memory()
            return merge_partitions(parts)

        n_threads = threads or _threads(len(chunks))
        with warnings.catch_warnings(record=True) as caught:  # each chunk warns alike: tell the caller once
            warnings.simplefilter("always")
            if n_threads == 1:
                parts = [run(c) for c in chunks]
            else:
                with (
                    _arrow_single_threaded(),
                    ThreadPoolExecutor(n_threads, thread_name_prefix="supplier-analytics") as pool,
                ):
                    parts = list(pool.map(run, chunks))
        seen = set()
        for w in caught:
            if (str(w.message), w.category) not in seen:
                seen.add((str(w.message), w.category))
                warnings.warn(w.message, w.category, stacklevel=2)
        stats, ignored = merge_partitions(parts)
        judged = JudgedRecords(inputs=prepared, context=context)
    return EngineRun(stats=stats, ignored=ignored, context=context, records=judged)
