"""The building blocks of the engines: partitions of whole suppliers, judged and summed, and their records.

Both engines cut the data into partitions in which every receipt of an order line sits together
(:func:`supplier_chunks` for the pandas engine; a dataset's files for the dask engine), judge and
aggregate each partition on its own in the run's :class:`~supplier_analytics.tables.ScoringContext`
(:func:`judge_partition`, :func:`partition_stats`: the same judges of :mod:`~supplier_analytics.records`
for every partition) and add the partitions' statistics up (:func:`merge_partitions`). An engine hands
back an :class:`EngineRun`: the statistics, the ignored-record counts, the context and the
:class:`JudgedRecords` behind the figures.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from supplier_analytics.aggregate import PeriodStats, aggregate, combine
from supplier_analytics.errors import InputError
from supplier_analytics.records import BEFORE_WINDOW, JUDGES
from supplier_analytics.tables import ScoringContext

__all__ = [
    "EngineRun",
    "JudgedRecords",
    "ignored_counts",
    "judge_partition",
    "partition_stats",
    "merge_partitions",
    "supplier_chunks",
    "take_rows",
]


class JudgedRecords:
    """The judged records behind a :class:`MetricsResult`: kept from the run, or judged again when asked for.

    A run over more rows than fit in one chunk keeps only its inputs (the prepared tables, which the
    run holds anyway) and judges records again on demand, in the run's context: one supplier's
    records from that supplier's rows alone (fast, not kept), or a whole table once (then kept).
    Judging is deterministic and a supplier's records depend only on its own rows, so the records are
    the same as those the statistics were summed from.

    A run that keeps neither (the dask engine: the records stay on its workers) still knows which
    tables it had: asking for their records raises an :class:`~supplier_analytics.errors.InputError`
    that says what to do, never an empty answer. A table the run did not have gives None.
    """

    def __init__(
        self,
        kept: dict | None = None,
        inputs: dict | None = None,
        context: ScoringContext | None = None,
        *,
        engine: str = "pandas",
        tables=None,
    ):
        self._kept = {k: v for k, v in (kept or {}).items() if v is not None}
        self._inputs = {k: v for k, v in (inputs or {}).items() if v is not None}
        self._context = context
        #: the engine that made the run, and the record tables it had
        self.engine = engine
        self.tables = frozenset(tables) if tables is not None else frozenset(self._kept) | frozenset(self._inputs)
        self._lock = threading.Lock()
        self._recent: dict = {}

    def __getstate__(self) -> dict:  # picklable and copyable: the lock and the small cache are not kept
        return {
            "_kept": self._kept,
            "_inputs": self._inputs,
            "_context": self._context,
            "engine": self.engine,
            "tables": self.tables,
        }

    @property
    def available(self) -> bool:
        """Whether the records of every table of the run can be had (kept, or judged again from the inputs)."""
        return all(t in self._kept or t in self._inputs for t in self.tables)

    def _not_kept(self, table: str) -> InputError:
        return InputError(
            f"There are no judged {table} records here: this result came from the {self.engine} engine, which "
            f"keeps no judged records (they stay on its workers); score with engine='pandas' to see the records "
            "behind the figures, or use the periods frame of the run's own periods."
        )

    def _judge(self, table: str, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` of an input table judged in the run's context."""
        if self._context is None:
            raise TypeError("JudgedRecords needs the run's context to judge its inputs again")
        return JUDGES[table](rows, self._context)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._recent = {}

    def table(self, table: str) -> pd.DataFrame | None:
        """Every judged record of ``table``; None when the run had no such table.

        Raises
        ------
        InputError
            The run had the table but keeps no records of it (the dask engine).
        """
        if table not in self.tables:
            return None
        with self._lock:
            if table not in self._kept and table in self._inputs:
                self._kept[table] = self._judge(table, self._inputs[table])
            if table not in self._kept:
                raise self._not_kept(table)
            return self._kept[table]

    def of_supplier(self, table: str, supplier_id: str) -> pd.DataFrame | None:
        """The judged records of ``table`` for one supplier, in the order of the whole table's records
        (None and errors as :meth:`table`)."""
        if table not in self.tables:
            return None
        kept = self._kept.get(table)
        if kept is not None:
            return kept.loc[kept["supplier_id"].astype(str) == supplier_id].reset_index(drop=True)
        source = self._inputs.get(table)
        if source is None:
            raise self._not_kept(table)
        with self._lock:
            hit = self._recent.get((table, supplier_id))
        if hit is None:  # a feedback page asks for one supplier's records several times in a row
            rows = source.loc[(source["supplier_id"] == supplier_id).fillna(False).to_numpy()]
            hit = self._judge(table, rows.reset_index(drop=True))
            with self._lock:
                self._recent[(table, supplier_id)] = hit
                while len(self._recent) > 6:
                    self._recent.pop(next(iter(self._recent)))
        return hit.copy()


@dataclass(frozen=True, eq=False)
class EngineRun:
    """What an engine computed: the statistics and what is needed to explain them.

    Attributes
    ----------
    stats : the merged :class:`~supplier_analytics.aggregate.PeriodStats`.
    ignored : ``{table: (after_as_of, before_window)}`` for the tables the run had.
    context : the run's :class:`~supplier_analytics.tables.ScoringContext` (config, as-of date, window).
    records : the :class:`JudgedRecords` behind the statistics.
    """

    stats: PeriodStats
    ignored: dict
    context: ScoringContext
    records: JudgedRecords


def ignored_counts(records: dict) -> dict[str, tuple[int, int]]:
    """``{table: (after_as_of, before_window)}`` of judged records (tables that are None left out)."""
    return {
        name: (
            int(rec.attrs.get("receipts_after_as_of", rec.attrs.get("records_after_as_of", 0))),
            int((rec["status"] == BEFORE_WINDOW).sum()),
        )
        for name, rec in records.items()
        if rec is not None
    }


def judge_partition(
    deliveries: pd.DataFrame | None = None,
    inspections: pd.DataFrame | None = None,
    requests: pd.DataFrame | None = None,
    *,
    context: ScoringContext,
    evidence: bool = True,
) -> tuple[PeriodStats, dict, dict]:
    """Judge and aggregate one partition: its statistics, its ignored-record counts and its records.

    The tables are prepared (:func:`~supplier_analytics.tables.prepare_table`); ``context`` is the
    whole run's (every partition is judged alike). All receipts of one order line must be in the
    partition. The statistics list every supplier that occurs in the partition's tables.
    ``evidence=False`` builds lean records (see :func:`~supplier_analytics.records.delivery_lines`),
    enough for the statistics.

    Returns
    -------
    (PeriodStats, dict, dict)
        The statistics, ``{table: (after_as_of, before_window)}`` and ``{table: judged records}`` for
        the tables given.
    """
    suppliers: set[str] = set()
    records: dict[str, pd.DataFrame | None] = {}
    for name, df in (("deliveries", deliveries), ("inspections", inspections), ("requests", requests)):
        if df is None:
            records[name] = None
            continue
        suppliers.update(str(x) for x in pd.unique(df["supplier_id"].dropna()))
        records[name] = JUDGES[name](df, context, evidence=evidence)
    stats = aggregate(
        records["deliveries"], records["inspections"], records["requests"], context=context, suppliers=suppliers
    )
    return stats, ignored_counts(records), records


def partition_stats(
    deliveries: pd.DataFrame | None = None,
    inspections: pd.DataFrame | None = None,
    requests: pd.DataFrame | None = None,
    *,
    context: ScoringContext,
) -> tuple[PeriodStats, dict]:
    """Judge and aggregate one partition: its statistics and its ignored-record counts.

    :func:`judge_partition` without the records (they are freed as soon as they are summed).

    Returns
    -------
    (PeriodStats, dict)
        The statistics and ``{table: (after_as_of, before_window)}`` for the tables given.

    Examples
    --------
    >>> from supplier_analytics.tables import make_context, prepare_table
    >>> i = pd.DataFrame({"supplier_id": ["S1", "S2"], "date": pd.to_datetime(["2025-01-05", "2025-02-09"]),
    ...     "quantity_inspected": [100.0, 50.0], "quantity_defective": [2.0, 0.0]})
    >>> st, ignored = partition_stats(inspections=prepare_table(i, "inspections"),
    ...                               context=make_context(as_of="2025-01-31"))
    >>> st.quality["n_inspections"].tolist(), st.suppliers, ignored
    ([1], ('S1', 'S2'), {'inspections': (1, 0)})
    """
    stats, ignored, _ = judge_partition(deliveries, inspections, requests, context=context, evidence=False)
    return stats, ignored


def _supplier_codes(s: pd.Series) -> tuple[np.ndarray, object]:
    """(codes, uniques) of supplier ids; a categorical column's own codes (no hashing of ten million rows)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), s.cat.categories
    return pd.factorize(s, use_na_sentinel=True)


def merge_partitions(parts) -> tuple[PeriodStats, dict]:
    """Merge the ``(PeriodStats, ignored counts)`` of several :func:`partition_stats` calls."""
    parts = list(parts)
    stats = combine([p[0] for p in parts])
    ignored: dict = {}
    for _, ign in parts:
        for name, (a, b) in ign.items():
            a0, b0 = ignored.get(name, (0, 0))
            ignored[name] = (a0 + a, b0 + b)
    return stats, ignored


def supplier_chunks(tables: dict, max_rows: int) -> list[dict[str, np.ndarray | None]]:
    """Split tables into chunks of about ``max_rows`` rows (all tables together) along suppliers.

    Every row of one supplier, in every table, lands in the same chunk, so each chunk can be judged
    and aggregated on its own (:func:`judge_partition`) and the chunks' statistics merged
    (:func:`combine`). A supplier with more rows than ``max_rows`` is a chunk of its own; rows without
    a supplier id go to the first chunk.

    Returns
    -------
    list of dict
        Per chunk, ``{table: positions of its rows, increasing}`` (``None`` for a table that is None).
        One chunk with every position when the tables have at most ``max_rows`` rows together.

    Examples
    --------
    >>> d = pd.DataFrame({"supplier_id": ["A", "B", "A", "C", "B", "C"]})
    >>> i = pd.DataFrame({"supplier_id": ["C", "A"]})
    >>> [{k: v.tolist() for k, v in c.items()} for c in supplier_chunks({"d": d, "i": i}, max_rows=3)]
    [{'d': [0, 2], 'i': [1]}, {'d': [1, 4], 'i': []}, {'d': [3, 5], 'i': [0]}]
    """
    given = {name: df for name, df in tables.items() if df is not None}
    total = sum(len(df) for df in given.values())
    if total <= max_rows or not given:
        return [{name: (np.arange(len(df)) if df is not None else None) for name, df in tables.items()}]
    factorized = {name: _supplier_codes(df["supplier_id"]) for name, df in given.items()}
    union = pd.Index(
        pd.concat([pd.Series(np.asarray(u, dtype=object)) for _, u in factorized.values()], ignore_index=True)
        .astype(str)
        .unique()
    )
    rows_of_supplier = np.zeros(len(union) + 1, dtype=np.int64)  # the last slot: rows without a supplier
    per_row = {}
    for name, (codes, uniques) in factorized.items():
        where = union.get_indexer(pd.Index(np.asarray(uniques, dtype=object)).astype(str))
        sup = np.where(codes >= 0, where[np.maximum(codes, 0)], len(union))
        rows_of_supplier += np.bincount(sup, minlength=len(union) + 1)
        per_row[name] = sup
    k = -(-total // max_rows)
    rows = rows_of_supplier[:-1]
    middle = 2 * (np.cumsum(rows) - rows) + rows  # twice the position of the supplier's middle row
    chunk_of = np.minimum(middle * k // (2 * total), k - 1)
    chunk_of = np.r_[chunk_of, 0]
    used = np.unique(chunk_of)
    rank = np.zeros(k, dtype=np.int16 if len(used) < 2**15 else np.int64)
    rank[used] = np.arange(len(used))  # chunk numbers without gaps
    chunk_of = rank[chunk_of]
    out: list[dict[str, np.ndarray | None]] = [{} for _ in used]
    for name in tables:
        if name not in per_row:
            for c in out:
                c[name] = None
            continue
        rc = chunk_of[per_row[name]]
        order = np.argsort(rc, kind="stable")  # a radix sort for 16-bit chunk numbers
        if len(order) < 2**31:
            order = order.astype(np.int32)  # held for the whole run: half the memory
        bounds = np.r_[0, np.cumsum(np.bincount(rc, minlength=len(used)))]
        for j, c in enumerate(out):
            c[name] = order[bounds[j] : bounds[j + 1]]
    return out


def take_rows(df: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``df.take(positions).reset_index(drop=True)`` for increasing positions, faster on Arrow strings.

    Arrow-backed string columns read from parquet are split in many chunks, and taking from a chunked
    array resolves every position against every chunk; taking chunk by chunk makes it proportional to
    the rows taken (a tenth of the time for a tenth of ten million rows).
    """
    import pyarrow as pa

    cols = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            arr = s.array.__arrow_array__()
            if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1:
                starts = np.r_[0, np.cumsum([len(ch) for ch in arr.chunks])]
                cut = np.searchsorted(positions, starts)
                parts = [
                    ch.take(pa.array(positions[cut[i] : cut[i + 1]] - starts[i]))
                    for i, ch in enumerate(arr.chunks)
                    if cut[i + 1] > cut[i]
                ]
                taken = pa.chunked_array(parts, type=arr.type).combine_chunks() if parts else arr.slice(0, 0)
                cols[c] = pd.Series(s.dtype.__from_arrow__(taken), name=c)
                continue
        cols[c] = s.take(positions).reset_index(drop=True)
    return pd.DataFrame(cols, copy=False)
