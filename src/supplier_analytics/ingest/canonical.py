"""CSV files that already hold a canonical table under its own column names (the sample, generated data).

:func:`read_canonical_csv` reads such a file through :func:`~supplier_analytics.ingest.read_table`, so
the date, number and text rules are the ones every export gets, with what the writer fixed given
rather than decided from the data: the headers are the canonical names and numbers use a decimal
point without thousands separators. Unlike an export, such a file is expected to be right: a missing
column or a rejected row is an error, not a row set aside.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.ingest.mapping import ColumnMapping, TableMapping
from supplier_analytics.ingest.read import read_table
from supplier_analytics.schema import ALL_TABLES

__all__ = ["read_canonical_csv"]


def read_canonical_csv(path: str | Path, table: str, *, todo: str = "write the file again") -> pd.DataFrame:
    """The canonical ``table`` from a CSV file whose header row holds every canonical column name.

    Returns every column of the table in schema order with the schema dtypes (no lineage columns);
    exact duplicate records are kept, as written.

    Raises
    ------
    InputError
        A column is missing or a row breaks a rule; the message names the first and ends with ``todo``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "suppliers.csv"
    >>> _ = p.write_text("supplier_id,supplier_name,category,country,annual_spend\\nS1,ACME,Cables,DE,1000.5\\n")
    >>> read_canonical_csv(p, "suppliers").dtypes.astype(str).to_dict()
    {'supplier_id': 'string', 'supplier_name': 'string', 'category': 'string', 'country': 'string', 'annual_spend': 'float64'}
    """
    path = Path(path)
    schema = ALL_TABLES[table]
    tm = TableMapping(decimal=".", thousands="", columns={c: c for c in schema.names})
    try:
        result = read_table(path, table, mapping=ColumnMapping(tables={table: tm}), duplicates="keep")
    except InputError as exc:
        if " lacks the required " not in str(exc):
            raise
        result = None
    missing = list(schema.names) if result is None else [c for c in schema.names if c not in result.column_map]
    if result is None or missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(missing)}; {todo}.")
    if result.rows_rejected:
        first = result.rejected.iloc[0]
        raise InputError(
            f"{path}, line {first['row']}, column {first['column']}: {first['reason']} "
            f"({result.rows_rejected} rows rejected); {todo}."
        )
    return result.data[list(schema.names)]
