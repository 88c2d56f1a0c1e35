"""Generated data as files, and canonical CSV folders read back: :func:`write_procurement_data`, :func:`load_sample`.

Reading goes through :mod:`supplier_analytics.ingest` (:func:`~supplier_analytics.ingest.read_canonical_csv`),
so a sample folder is read with the same date, number and text rules as any export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplier_analytics.datasets.chunk import make_chunk
from supplier_analytics.datasets.generator import ProcurementData, draw_procurement_data
from supplier_analytics.datasets.plan import TRUTH_COLUMNS, VARIATION_DEFAULTS, conform, empty_truth, make_plan
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.ingest.canonical import read_canonical_csv
from supplier_analytics.schema import TABLES

if TYPE_CHECKING:
    import pyarrow.parquet as pq

__all__ = ["write_procurement_data", "load_sample", "TableWriter"]

_XLSX_MAX_ROWS = 1_048_575  # 1,048,576 sheet rows minus the header


# --------------------------------------------------------------------------- public: write


def _arrow_schema(table: str):
    import pyarrow as pa

    if table == "truth":
        types = TRUTH_COLUMNS
    else:
        types = TABLES[table].dtypes()
    arrow = {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "bool": pa.bool_(),
        "datetime64[ns]": pa.timestamp("ns"),
    }
    return pa.schema([(name, arrow[dtype]) for name, dtype in types.items()])


def _csv_date_format(table: str) -> str:
    return "%Y-%m-%d %H:%M:%S" if table == "requests" else "%Y-%m-%d"


class TableWriter:
    """Appends frames of one table to a csv or parquet file."""

    def __init__(self, path: Path, table: str, fmt: str):
        self.path, self.table, self.fmt = path, table, fmt
        self._parquet: pq.ParquetWriter | None = None
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame.to_csv(
                self.path,
                mode="a" if self._started else "w",
                header=not self._started,
                index=False,
                date_format=_csv_date_format(self.table),
                lineterminator="\n",
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = _arrow_schema(self.table)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, schema)
            self._parquet.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
        self._started = True

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif not self._started:  # never written: at least the header
            empty = (
                empty_truth()
                if self.table == "truth"
                else conform(pd.DataFrame({c: [] for c in TABLES[self.table].names}), self.table)
            )
            self.write(empty)
            if self._parquet is not None:
                self._parquet.close()


def _xlsx_cells(frame: pd.DataFrame, table: str) -> list:
    types = TRUTH_COLUMNS if table == "truth" else TABLES[table].dtypes()
    kinds = {} if table == "truth" else {c.name: c.kind for c in TABLES[table].columns}
    columns = []
    for name in frame.columns:
        s = frame[name]
        if types[name] == "datetime64[ns]":
            values = s.dt.date if kinds.get(name, "date") == "date" else pd.Series(s.dt.to_pydatetime(), dtype=object)
            values = np.where(s.isna().to_numpy(), None, np.asarray(values, dtype=object))
        else:
            values = np.where(s.isna().to_numpy(), None, s.astype(object).to_numpy())
        columns.append(values)
    return columns


def _write_xlsx(frame: pd.DataFrame, path: Path, table: str) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table)
    ws.freeze_panes = "A2"
    ws.append(list(frame.columns))
    for row in zip(*_xlsx_cells(frame, table)):
        ws.append(row)
    wb.save(path)


def write_procurement_data(
    out: str | Path,
    *,
    n_suppliers: int = 60,
    n_deliveries: int = 20_000,
    seed: int = 42,
    format: str = "csv",
    start: str | dt.date = "2025-01-01",
    months: int = 24,
    inspection_ratio: float = 0.25,
    request_ratio: float = 0.08,
    chunk_rows: int = 1_000_000,
    variation_sd: float = 0.0,
    variation_phi: float = 0.5,
    seasonality: float = 0.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Write a generated data set as one file per table, chunk by chunk.

    Parameters
    ----------
    out : folder to write into (created when absent; files of the same names are replaced).
    n_suppliers, n_deliveries, seed, start, months, inspection_ratio, request_ratio, chunk_rows, \
    variation_sd, variation_phi, seasonality :
        as in :func:`make_procurement_data`; the files hold exactly the frames it returns for the
        same arguments.
    format : ``"csv"`` (UTF-8, ISO dates), ``"parquet"`` (one row group per chunk) or ``"xlsx"``
        (one workbook per table, at most 1,048,575 rows each; slow for large sizes).
    progress : called as ``progress(stage, number, total)`` before each chunk of rows (xlsx: each
        workbook) is written; the command line shows it as a progress bar.

    Returns
    -------
    pathlib.Path
        The folder, holding ``deliveries``, ``inspections``, ``requests``, ``suppliers``,
        ``exclusions`` and ``truth`` files with the format's extension.

    Notes
    -----
    Only one chunk of ``chunk_rows`` delivery rows (and its inspections and requests) is in
    memory at a time for csv and parquet, so ten million rows need about as much memory as
    one million.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_procurement_data(tempfile.mkdtemp(), n_suppliers=5, n_deliveries=100, months=6)
    >>> sorted(p.name for p in folder.iterdir())
    ['deliveries.csv', 'exclusions.csv', 'inspections.csv', 'requests.csv', 'suppliers.csv', 'truth.csv']
    """
    if format not in ("csv", "parquet", "xlsx"):
        raise ConfigError(f"format must be 'csv', 'parquet' or 'xlsx', got {format!r}; pick one of these.")
    plan = make_plan(
        n_suppliers,
        n_deliveries,
        start,
        months,
        seed,
        inspection_ratio,
        request_ratio,
        chunk_rows,
        variation_sd=variation_sd,
        variation_phi=variation_phi,
        seasonality=seasonality,
    )
    out = Path(out)
    names = (*TABLES, "truth")
    if format == "xlsx":
        if n_deliveries > _XLSX_MAX_ROWS:
            raise ConfigError(
                f"{n_deliveries:,} delivery rows do not fit on an Excel sheet (at most {_XLSX_MAX_ROWS:,} rows); "
                "use --format csv or --format parquet for data this large."
            )
        data = draw_procurement_data(plan)
        frames = {**data.tables, "truth": data.truth}
        for name, frame in frames.items():
            if len(frame) > _XLSX_MAX_ROWS:
                raise ConfigError(
                    f"{len(frame):,} {name} rows do not fit on an Excel sheet (at most {_XLSX_MAX_ROWS:,} rows); "
                    "use --format csv or --format parquet for data this large."
                )
        out.mkdir(parents=True, exist_ok=True)
        for number, name in enumerate(names, start=1):
            if progress is not None:
                progress(f"Writing {name}.xlsx", number, len(names))
            _write_xlsx(frames[name], out / f"{name}.xlsx", name)
        return out

    out.mkdir(parents=True, exist_ok=True)
    writers = {name: TableWriter(out / f"{name}.{format}", name, format) for name in names}
    try:
        writers["suppliers"].write(plan.suppliers)
        writers["truth"].write(plan.truth)
        n_chunks = len(plan.chunk_counts)
        for c in range(n_chunks):
            if progress is not None:
                progress("Writing the rows", c + 1, n_chunks)
            for name, frame in zip(("deliveries", "inspections", "requests", "exclusions"), make_chunk(plan, c)):
                if len(frame) or c == 0:
                    writers[name].write(frame)
    finally:
        for w in writers.values():
            w.close()
    return out


# --------------------------------------------------------------------------- sample folder


def load_sample(directory: str | Path) -> ProcurementData:
    """Read the canonical CSV files of a sample folder with the schema dtypes.

    Each table is read by :func:`~supplier_analytics.ingest.read_canonical_csv` (the rules of
    :func:`~supplier_analytics.ingest.read_table`); a rejected row is an error here.

    Parameters
    ----------
    directory : folder holding ``deliveries.csv``, ``inspections.csv``, ``requests.csv``,
        ``suppliers.csv`` and ``exclusions.csv`` (and optionally ``truth.csv``), such as
        ``data/sample`` of the repository (``"../data/sample"`` from a notebook).

    Returns
    -------
    ProcurementData
        The tables as written by :func:`write_sample` (or :func:`write_procurement_data` with
        ``format="csv"``); ``truth`` is empty when the folder has no ``truth.csv``.

    Raises
    ------
    InputError
        When a file is missing, lacks a canonical column or holds a row that breaks a rule.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_procurement_data(tempfile.mkdtemp(), n_suppliers=5, n_deliveries=100, months=6, seed=3)
    >>> data = load_sample(folder)
    >>> data.deliveries.dtypes["date_received"], data.deliveries.dtypes["po_id"]
    (dtype('<M8[ns]'), <StringDtype(na_value=<NA>)>)
    >>> len(data.deliveries)
    100
    """
    directory = Path(directory)
    frames = {}
    for name in TABLES:
        path = directory / f"{name}.csv"
        if not path.is_file():
            raise InputError(f"{path} does not exist; pass the folder that holds the sample's {name}.csv.")
        frames[name] = read_canonical_csv(path, name, todo="regenerate it with write_sample")
    truth_path = directory / "truth.csv"
    truth = _read_truth(truth_path) if truth_path.is_file() else empty_truth()
    return ProcurementData(**frames, truth=truth)


def _read_truth(path: Path) -> pd.DataFrame:
    """The generator's truth (its own output, not an input to analyse: not a canonical table)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if not any(c in frame.columns for c in VARIATION_DEFAULTS):  # written before variation existed: none
        frame = frame.assign(**{c: str(v) for c, v in VARIATION_DEFAULTS.items()})
    missing = [c for c in TRUTH_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(missing)}; regenerate it with write_sample.")
    out = {}
    for col, dtype in TRUTH_COLUMNS.items():
        s = frame[col]
        if dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(s, format="ISO8601").astype(dtype)
        elif dtype == "bool":
            out[col] = s.map({"True": True, "False": False}).astype(bool)
        else:
            out[col] = s.astype(dtype)
    return pd.DataFrame(out)
