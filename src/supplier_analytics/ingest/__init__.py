"""Every input comes in here: ERP exports, typed parquet tables, action logs; read, mapped, parsed, validated.

The public functions are :func:`read_table` (one export into one canonical
table), :func:`validate_files` (several exports, cross-checked) and
:func:`read_mapping` (the TOML mapping format, documented in
:mod:`supplier_analytics.ingest.mapping`). Nothing is silently dropped: rows
that break a rule are returned in ``rejected`` with file, sheet, row, column,
value and reason, and ``rows_read == rows_accepted + rows_rejected``.

Also here: :func:`read_actions` (the action log, :mod:`~supplier_analytics.ingest.actions`),
:func:`read_frame` (a DataFrame checked like a file), :func:`read_parquet_table` (typed parquet straight into the scoring,
:mod:`~supplier_analytics.ingest.columnar`), :func:`read_canonical_csv` (CSV files under the canonical
column names, such as the sample), :class:`DatabaseSource` (a SQL query's result from any SQLAlchemy URL,
:mod:`~supplier_analytics.ingest.database`), :func:`combine_results` and
:func:`reject_unknown_suppliers` (several files of one table, the supplier master
check). The package imports only :mod:`supplier_analytics.errors`,
:mod:`supplier_analytics.schema` and :mod:`supplier_analytics._io`, never an
analysis module (``tests/test_ingest_layering.py`` checks it).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "gr.csv").write_text(
...     "Vendor;PO Number;Qty Ordered;Promised Date;Receipt Date\\n"
...     "000123;4500001;1.234,5;31.01.2025;03.02.2025\\n"
...     "000123;4500002;-5;31.01.2025;03.02.2025\\n", encoding="utf-8")
>>> r = read_table(folder / "gr.csv", "deliveries")
>>> r.rows_read, r.rows_accepted, r.rows_rejected
(2, 1, 1)
>>> r.data[["supplier_id", "quantity_ordered", "date_promised", "source_row"]]
  supplier_id  quantity_ordered date_promised  source_row
0      000123            1234.5    2025-01-31           2
>>> r.rejected[["row", "column", "value", "reason"]].to_dict("records")
[{'row': 3, 'column': 'quantity_ordered', 'value': '-5', 'reason': 'negative value not allowed'}]
"""

from __future__ import annotations

from supplier_analytics.ingest.actions import read_actions
from supplier_analytics.ingest.canonical import read_canonical_csv
from supplier_analytics.ingest.columnar import read_parquet_table
from supplier_analytics.ingest.combine import combine_results, reject_unknown_suppliers
from supplier_analytics.ingest.database import DatabaseSource
from supplier_analytics.ingest.mapping import ColumnMapping, TableMapping, read_mapping
from supplier_analytics.ingest.read import read_frame, read_table, validate_files
from supplier_analytics.ingest.result import ImportResult, ValidationReport

__all__ = [
    "read_table",
    "DatabaseSource",
    "read_frame",
    "read_actions",
    "read_parquet_table",
    "read_canonical_csv",
    "read_mapping",
    "validate_files",
    "ImportResult",
    "ValidationReport",
    "ColumnMapping",
    "TableMapping",
    "combine_results",
    "reject_unknown_suppliers",
]


def __getattr__(name: str):
    if name == "Mapping":  # deprecated: warns, then gives ColumnMapping
        from supplier_analytics.ingest import mapping

        return getattr(mapping, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
