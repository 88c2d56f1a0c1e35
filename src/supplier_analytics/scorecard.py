"""The scorecard: from canonical tables to graded suppliers, with evidence and outputs.

:func:`score` is the library's main entry point. It chains the steps of the
pipeline (tables -> records -> aggregate, run by an engine -> metrics -> scoring) and returns a :class:`Scorecard`
that holds the per-supplier and per-period frames, the records behind them,
the configuration and the as-of date, and writes the scorecard workbook and
CSV files.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from supplier_analytics import __version__
from supplier_analytics._io import write_text_atomic
from supplier_analytics.config import Config, load_config
from supplier_analytics.engines import check_engine, run_engine
from supplier_analytics.errors import DataWarning, InputError, InsufficientEvidenceWarning
from supplier_analytics.evidence import evidence as _evidence
from supplier_analytics.ingest.columnar import is_parquet_path, read_parquet_table
from supplier_analytics.ingest.database import DatabaseSource
from supplier_analytics.metrics import MetricsResult
from supplier_analytics.reports import write_csv, write_workbook
from supplier_analytics.scoring import score_suppliers

__all__ = ["Scorecard", "score", "SCORECARD_FILES"]

#: Files written by :meth:`Scorecard.write` (and ``supplier-analytics score``).
SCORECARD_FILES = ("scorecard.xlsx", "suppliers.csv", "periods.csv", "rejected_rows.csv", "summary.json")

REJECTED_COLUMNS = ["table", "source_file", "sheet", "row", "column", "value", "reason"]


def _unwrap(value, table: str):
    """A DataFrame, an ImportResult (from read_table), a file path or a DatabaseSource -> (DataFrame or None,
    ImportResult or None).

    A typed canonical parquet file (or folder) is read column by column with little memory
    (:func:`~supplier_analytics.ingest.read_parquet_table`); any other file (CSV, Excel, parquet
    with other types) through :func:`~supplier_analytics.read_table`, whose rejected rows are kept.
    """
    if value is None:
        return None, None
    if isinstance(value, pd.DataFrame):
        return value, None
    if isinstance(value, (str, Path, DatabaseSource)):
        if is_parquet_path(value):
            frame = read_parquet_table(value, table)
            if frame is not None:
                return frame, None
        from supplier_analytics.ingest import read_table

        value = read_table(value, table)
    data = getattr(value, "data", None)
    if isinstance(data, pd.DataFrame):
        return data, value
    raise InputError(
        f"{table} must be a DataFrame, a file path or the result of read_table(), not {type(value).__name__}; "
        f"read the file with supplier_analytics.read_table(path, {table!r})."
    )


@dataclass(frozen=True, eq=False)
class Scorecard:
    """Scored suppliers and everything needed to explain the scores.

    Attributes
    ----------
    suppliers : one row per supplier: metrics with counts and intervals, points,
        dimension scores, overall score, grade, rank and weight sensitivity.
    periods : one row per supplier and period in the window (empty periods
        included, with empty rates).
    config : the :class:`~supplier_analytics.config.Config` used.
    as_of : the as-of date.
    window : first and last day of the evaluation window.
    metrics : the full :class:`~supplier_analytics.metrics.MetricsResult` (judged lines, lots,
        requests, Pareto, per-request-type frame, mergeable statistics).
    master : the supplier master, when one was given.
    imports : the import results for tables read from files (rejected rows).
    """

    suppliers: pd.DataFrame
    periods: pd.DataFrame
    config: Config
    as_of: pd.Timestamp
    window: tuple[pd.Timestamp, pd.Timestamp]
    metrics: MetricsResult
    master: pd.DataFrame | None = None
    imports: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __repr__(self) -> str:
        graded = self.suppliers["grade"].value_counts().to_dict() if "grade" in self.suppliers else {}
        return (
            f"Scorecard(as_of={self.as_of.date()}, window={self.window[0].date()}..{self.window[1].date()}, "
            f"suppliers={len(self.suppliers)}, grades={graded})"
        )

    # ------------------------------------------------------------------ evidence
    def evidence(self, supplier_id: str, metric: str) -> pd.DataFrame:
        """The records behind ``metric`` for ``supplier_id``; see :func:`supplier_analytics.evidence`."""
        return _evidence(self, supplier_id, metric)

    # ------------------------------------------------------------------ evidence that falls short
    @property
    def insufficient(self) -> pd.DataFrame:
        """The suppliers without a grade, as data: one row each, with why and what evidence is needed.

        Columns: ``supplier_id``, ``supplier_name``, ``grade`` ("insufficient evidence"), ``why`` (the records
        held in the window: none in any area) and ``evidence_needed`` (what would give a grade, and a firm
        one). The same facts as the sentence of the supplier packs; empty when every supplier is graded.
        ``score(..., evidence_warnings="data")`` reports them here only, without a warning; thin evidence,
        which leaves the grade standing, is the ``thin_evidence`` column of :attr:`suppliers`.
        """
        from supplier_analytics.reports.pack_text import evidence_table

        return evidence_table(self)

    # ------------------------------------------------------------------ rejected rows and summary
    @property
    def rejected(self) -> pd.DataFrame:
        """Rejected rows of every table read from a file (empty when frames were passed in)."""
        frames = []
        for table, result in self.imports.items():
            rej = result.rejected.copy()
            rej.insert(0, "table", table)
            frames.append(rej)
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECTED_COLUMNS})
        out = pd.concat(frames, ignore_index=True)
        return out[
            [c for c in REJECTED_COLUMNS if c in out.columns] + [c for c in out.columns if c not in REJECTED_COLUMNS]
        ]

    def summary(self) -> dict:
        """Row counts (read, accepted, rejected per table), as-of, window, grades and the configuration."""
        rows = {}
        for table, result in self.imports.items():
            rows[table] = {
                "source": str(result.source),
                "rows_read": int(result.rows_read),
                "rows_accepted": int(result.rows_accepted),
                "rows_rejected": int(result.rows_rejected),
            }
        grades = self.suppliers["grade"].value_counts().sort_index().to_dict()
        return {
            "package_version": __version__,
            "as_of": self.as_of.date().isoformat(),
            "window": [self.window[0].date().isoformat(), self.window[1].date().isoformat()],
            "suppliers": int(len(self.suppliers)),
            "grades": {str(k): int(v) for k, v in grades.items()},
            "rows": rows,
            "config_hash": self.config.hash(),
            "config": self.config.to_dict(),
        }

    # ------------------------------------------------------------------ outputs
    def to_excel(self, path: str | Path) -> Path:
        """Write the scorecard workbook: summary, one sheet per dimension, periods, rejected rows, methodology."""
        from supplier_analytics.reports.scorecard import scorecard_sheets

        return write_workbook(path, scorecard_sheets(self))

    def write(self, out_dir: str | Path, *, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Path]:
        """Write every file in :data:`SCORECARD_FILES` into ``out_dir``; returns name -> path.

        ``progress``, when given, is called as ``progress(stage, number, total)`` before each file is
        written (``"Writing scorecard.xlsx", 1, 5``); the command line shows it as a progress bar.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        writers: dict[str, Callable[[Path], Path]] = {
            "scorecard.xlsx": self.to_excel,
            "suppliers.csv": lambda p: write_csv(self.suppliers, p),
            "periods.csv": lambda p: write_csv(self.periods, p),
            "rejected_rows.csv": lambda p: write_csv(self.rejected, p),
            "summary.json": lambda p: write_text_atomic(p, json.dumps(self.summary(), indent=2, default=str)),
        }
        paths = {}
        for number, (name, write) in enumerate(writers.items(), start=1):
            if progress is not None:
                progress(f"Writing {name}", number, len(writers))
            paths[name] = write(out / name)
        return paths


#: The date that places a record of each table in the window (as the judges do).
_WINDOW_DATE = {"deliveries": "date_received", "inspections": "date", "requests": "date_sent"}


def _coverage(frames: Mapping[str, Any], as_of: pd.Timestamp, window, cfg: Config) -> str:
    """A sentence when the window misses a table's data: it holds none of its records, or the data end before
    the window's last period (an as-of date after the data). ``""`` when every table reaches the last period."""
    start, end = window
    last_period = pd.Period(end, freq=cfg.periods.freq).start_time
    said, spans, empty = [], [], True
    for table, col in _WINDOW_DATE.items():
        frame = frames.get(table)
        if not isinstance(frame, pd.DataFrame) or col not in frame.columns:
            continue  # absent, or a dask table read by the workers
        dates = pd.to_datetime(frame[col], errors="coerce").dropna()
        if dates.empty:
            continue
        first, last, total = dates.min().normalize(), dates.max().normalize(), len(dates)
        inside = int(dates.between(start, end + pd.Timedelta(days=1), inclusive="left").sum())
        spans.append(f"the {total:,} {table} are dated {first.date()} to {last.date()}")
        empty &= inside == 0
        if inside == 0:
            said.append(f"it holds none of the {total:,} {table} (dated {first.date()} to {last.date()})")
        elif last < last_period:
            said.append(
                f"the {table} end on {last.date()}, before its last {cfg.periods.period} ({last_period.date()} on) "
                f"begins, and it holds {'all' if inside == total else f'{inside:,} of'} their {total:,} rows"
            )
    if not said:
        return ""
    head = f"As of {end.date()} the {cfg.periods.window_months}-month window ({start.date()} to {end.date()})"
    if empty:
        return f"{head} holds no records at all: {'; '.join(spans)}; choose an as-of date within the data."
    return f"{head} misses data: {'; '.join(said)}; choose an as-of date within the data unless this is meant."


def score(
    *,
    deliveries=None,
    inspections=None,
    requests=None,
    suppliers=None,
    config: Config | str | Path | Mapping | None = None,
    as_of=None,
    exclusions=None,
    engine: str = "pandas",
    evidence_warnings: str = "warn",
) -> Scorecard:
    """Score suppliers on delivery, quality and responsiveness.

    Every argument is given by name (``score(deliveries=d, inspections=i)``): the tables are many and
    each is optional, so their names say which is which.

    Parameters
    ----------
    deliveries, inspections, requests : canonical tables: DataFrames, the
        results of :func:`~supplier_analytics.read_table`, database queries
        (:class:`~supplier_analytics.ingest.DatabaseSource`), or file paths (a
        typed canonical parquet file or folder is read with little memory by
        :func:`~supplier_analytics.ingest.read_parquet_table`, other files
        with ``read_table``). Any one suffices: a dimension without data is
        left out, not scored as zero.
    suppliers : optional supplier master (names, categories for peer groups).
    config : a :class:`~supplier_analytics.config.Config`, a TOML path, a dict
        of overrides, or None for the defaults.
    as_of : the as-of date (default: the latest date in the data).
    exclusions : optional records excused from scoring, with reasons.
    engine : ``"pandas"`` (in memory, with the records for evidence) or ``"dask"``: deliveries,
        inspections and requests may then be parquet files or folders (a partitioned dataset) or
        dask DataFrames, aggregated partition by partition on a dask cluster; see
        :mod:`supplier_analytics.engines`.
    evidence_warnings : ``"warn"`` (the default, for scripts, the command line and batch jobs) issues an
        :class:`~supplier_analytics.errors.InsufficientEvidenceWarning` when suppliers have no record in
        any dimension; ``"data"`` issues none: the facts are in :attr:`Scorecard.insufficient` either way,
        to be shown as a table (the notebooks do). Other data warnings (a window that misses the data)
        are issued in both modes.

    Returns
    -------
    Scorecard
    """
    cfg = load_config(config)  # the one load of the run: everything below receives this Config
    check_engine(engine)
    if evidence_warnings not in ("warn", "data"):
        raise InputError(f"evidence_warnings must be 'warn' or 'data', not {evidence_warnings!r}.")
    frames, imports = {}, {}
    for name, value in (
        ("deliveries", deliveries),
        ("inspections", inspections),
        ("requests", requests),
        ("suppliers", suppliers),
        ("exclusions", exclusions),
    ):
        if engine == "dask" and name in ("deliveries", "inspections", "requests"):
            frames[name] = value  # read partition by partition by the dask engine
            continue
        frame, result = _unwrap(value, name)
        frames[name] = frame
        if result is not None:
            imports[name] = result
    if all(frames[t] is None for t in ("deliveries", "inspections", "requests")):
        raise InputError(
            "score() needs at least one of deliveries, inspections or requests; "
            "pass a DataFrame or the result of read_table()."
        )
    # the engine prepares each table once and makes the run's one context (as-of date, window, exclusions)
    run = run_engine(
        engine,
        deliveries=frames["deliveries"],
        inspections=frames["inspections"],
        requests=frames["requests"],
        config=cfg,
        as_of=as_of,
        exclusions=frames["exclusions"],
    )
    coverage = _coverage(frames, run.context.as_of, run.context.window, cfg)
    if coverage:
        warnings.warn(coverage, DataWarning, stacklevel=2)
    result = MetricsResult.from_run(run)
    metrics = result.suppliers
    master = frames["suppliers"]
    peer_groups = None
    if master is not None:
        keep = [c for c in ("supplier_id", "supplier_name", "category", "country", "annual_spend") if c in master]
        info = master[keep].drop_duplicates("supplier_id")
        metrics = metrics.merge(info, on="supplier_id", how="left")
        front = [c for c in keep if c != "supplier_id"]
        metrics = metrics[["supplier_id", *front, *[c for c in metrics.columns if c not in keep]]]
        if "category" in metrics:
            peer_groups = metrics.set_index("supplier_id")["category"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scored = score_suppliers(metrics, cfg, peer_groups=peer_groups)
    for w in caught:  # re-issued so that they point at the caller's line, not at this module
        if evidence_warnings == "data" and issubclass(w.category, InsufficientEvidenceWarning):
            continue  # reported as data: Scorecard.insufficient
        warnings.warn(w.message, w.category, stacklevel=2)
    return Scorecard(
        suppliers=scored.reset_index(drop=True),
        periods=result.periods.reset_index(drop=True),
        config=cfg,
        as_of=run.context.as_of,
        window=run.context.window,
        metrics=result,
        master=master,
        imports=MappingProxyType(imports),
    )
