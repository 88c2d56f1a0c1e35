"""The action log read like every other input: :func:`read_actions`.

An action log has one row per corrective or improvement action agreed with a supplier (columns of
:data:`~supplier_analytics.schema.ACTIONS`). It is read by :func:`~supplier_analytics.ingest.read_table`
as the table ``actions``: the same header spellings (English and German, title rows above the header),
the same date rules (Excel serial dates with the 1900 fix, day-first or month-first decided from the
data or asked for, never guessed) and the same account of rejected rows. Its own rules: ``status`` and
``metric`` are lower-cased; a closed action needs its closing date, not before the opening date; an
action id appears once per supplier; ``metric`` is one of
:data:`~supplier_analytics.catalog.RECORD_SHARES`.

Examples
--------
An export's headers and dates; the second action is closed without a closing date, so it is rejected
(with a :class:`~supplier_analytics.errors.DataWarning`) and listed with its row and reason:

>>> log = pd.DataFrame({"Supplier": ["S1", "S1"], "Action ID": ["A-1", "A-2"],
...                     "Date opened": ["15.01.2026", "01.02.2026"], "Status": ["Closed", "CLOSED"],
...                     "Date closed": ["31.03.2026", ""]})
>>> with warnings.catch_warnings(record=True):
...     actions = read_actions(log)
>>> actions[["supplier_id", "action_id", "status", "closed"]].to_dict("records")
[{'supplier_id': 'S1', 'action_id': 'A-1', 'status': 'closed', 'closed': Timestamp('2026-03-31 00:00:00')}]
>>> [(r["row"], r["column"], r["reason"]) for r in actions.attrs["rejected"]]
[(3, 'closed', 'the action is closed but column closed is empty; give the date it was closed')]
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from supplier_analytics.errors import DataWarning
from supplier_analytics.ingest.read import read_frame, read_table
from supplier_analytics.schema import ACTIONS

__all__ = ["read_actions"]


def read_actions(source, *, sheet=None, mapping=None) -> pd.DataFrame:
    """Read an action log from a file (.xlsx, .csv, .parquet) or check one given as a DataFrame.

    Parameters
    ----------
    source : str, Path or DataFrame
        The action log. Headers are matched ignoring case, spaces and
        punctuation (``Action ID``, ``Date opened``, ``Due date`` ...); the
        header row may sit below title rows. A DataFrame's rows are numbered
        as a sheet with one header row shows them (the first is row 2).
    sheet : str or int, optional
        Sheet of a workbook (default: the first with the needed columns).
    mapping : optional
        A mapping (TOML file, dict or :class:`~supplier_analytics.ingest.ColumnMapping`) whose
        ``[actions]`` section names headers the common spellings miss, as for
        :func:`~supplier_analytics.ingest.read_table`.

    Returns
    -------
    DataFrame
        The accepted actions: columns of :data:`~supplier_analytics.schema.ACTIONS`
        with their dtypes (optional columns absent from the input are empty);
        ``status`` and ``metric`` lower-cased, time of day dropped from dates;
        ``source_row`` (the row as Excel shows it, the CSV line) for files.
        ``frame.attrs["rejected"]`` lists the rejected rows, one record per
        problem with ``source_file, sheet, row, column, value, reason, problem,
        source_column`` (``pd.DataFrame(frame.attrs["rejected"])`` makes a
        table; empty when every row was accepted). For the full account
        (skipped lines, notes, :meth:`~supplier_analytics.ingest.ImportResult.summary_text`)
        read a file with ``read_table(path, "actions")``.

    Warns
    -----
    DataWarning
        Rows were rejected (a required cell is empty, a date cannot be read,
        an action is closed without a closing date or before it was opened, an
        action id repeats for a supplier, the metric cannot be compared): the
        message gives their number and the first file, row, column and reason.
        The other rows are returned.

    Raises
    ------
    InputError
        The file cannot be read or a required column is missing.
    ValidationError
        A date column can be read day-first or month-first and nothing in
        the log decides which.
    """
    if isinstance(source, pd.DataFrame):
        result = read_frame(source, "actions", mapping=mapping)
    else:
        result = read_table(Path(source), "actions", mapping=mapping, sheet=sheet)
    data = result.data
    out = {}
    for col in ACTIONS.columns:
        out[col.name] = data[col.name] if col.name in data else pd.Series(pd.NA, index=data.index, dtype=col.dtype)
    frame = pd.DataFrame(out)
    if not isinstance(source, pd.DataFrame):
        frame["source_row"] = data["source_row"].to_numpy(dtype="int64")
    rejected = result.rejected
    # records, not a DataFrame: pandas compares attrs when frames are concatenated, and two frames
    # held in attrs cannot be compared
    frame.attrs["rejected"] = rejected.astype(object).where(rejected.notna(), None).to_dict("records")
    if result.rows_rejected:
        first = rejected.iloc[0]
        k = result.rows_rejected
        warnings.warn(
            f"{result.where()}: {k} row{'s' if k > 1 else ''} of the action log rejected and left out, first "
            f"row {first['row']}, column {first['column']}: {first['reason']}; the rows and reasons are in "
            "frame.attrs['rejected'].",
            DataWarning,
            stacklevel=2,
        )
    return frame
