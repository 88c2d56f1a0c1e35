"""Results of several reads put together: files of one table combined, suppliers checked against the master.

Used by :func:`~supplier_analytics.ingest.validate_files` and by the batch runs, which read a table from
several files (one per month, say) and must count, reject and report them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from supplier_analytics.ingest.duplicates import tell_apart_hint
from supplier_analytics.ingest.result import ImportResult
from supplier_analytics.schema import ALL_TABLES

__all__ = ["combine_results", "reject_unknown_suppliers", "check_supplier_master"]


def combine_results(table: str, results: list[ImportResult], *, duplicates: str = "reject") -> ImportResult:
    """Several files of one table as one ImportResult; each row keeps its source_file.

    ``results`` are :func:`~supplier_analytics.ingest.read_table` results of the same ``table``, in
    order (one result is returned as it is). Rows read, accepted and rejected add up; the notes of each
    file are prefixed with its name; ``source_file`` and ``source_sheet`` become strings.

    With ``duplicates="reject"``, a record repeated exactly in a later file
    (overlapping exports) is rejected as "exact duplicate of FILE row N (every column equal)". When the
    files have the same columns, every column is compared (the mapped ones on their values, the others
    through :attr:`ImportResult.row_digest`), and records that differ only in columns the mapping does not
    use are kept, with a note. When the files' other columns differ, only the mapped columns can be
    compared: the reason says so.
    """
    if len(results) == 1:
        return results[0]
    data = pd.concat([r.data for r in results], ignore_index=True)
    data["source_file"] = data["source_file"].astype("string")
    data["source_sheet"] = data["source_sheet"].astype("string")
    rejected = pd.concat([r.rejected for r in results if len(r.rejected)] or [results[0].rejected], ignore_index=True)
    notes = [f"{r.where()}: {n}" for r in results for n in r.notes]
    canon = [c for c in ALL_TABLES[table].names if c in data.columns]
    same_columns = len({r.other_columns for r in results}) == 1
    whole = same_columns and all(r.row_digest is not None for r in results)
    equal = "every column equal" if same_columns else "every mapped column equal; the files' other columns differ"
    # rows equal in the mapped columns first (cheap); only among those the other columns (each row's digest)
    cand = np.flatnonzero(data.duplicated(subset=canon, keep=False).to_numpy(dtype=bool))
    cross = np.zeros(len(data), dtype=bool)
    apart = 0
    if len(cand):
        files = data["source_file"].to_numpy()[cand]
        key = data.iloc[cand].loc[:, canon]
        group = key.groupby(canon, dropna=False, sort=False).ngroup().to_numpy()
        if whole:  # the files have the same other columns: compare them too
            key = key.assign(_other=np.concatenate([_digests(r) for r in results])[cand])
        wgroup = key.groupby(list(key.columns), dropna=False, sort=False).ngroup().to_numpy() if whole else group
        first = pd.Series(np.arange(len(cand))).groupby(wgroup).transform("first").to_numpy()
        cross[cand] = files != files[first]
        g_first = pd.Series(np.arange(len(cand))).groupby(group).transform("first").to_numpy()
        apart = int(((files != files[g_first]) & ~cross[cand]).sum())
        first_idx = np.zeros(len(data), dtype=np.int64)
        first_idx[cand] = cand[first]
    n_cross = int(cross.sum())
    if n_cross and duplicates == "reject":
        rows = np.flatnonzero(cross)
        extra = pd.DataFrame(
            {
                "source_file": data["source_file"].to_numpy()[rows].astype(object),
                "sheet": data["source_sheet"].to_numpy()[rows].astype(object),
                "row": data["source_row"].to_numpy()[rows].astype("int64"),
                "column": "(all columns)" if same_columns else "(all mapped columns)",
                "value": "",
                "reason": [
                    f"exact duplicate of {data['source_file'].iloc[first_idx[i]]} "
                    f"row {int(data['source_row'].iloc[first_idx[i]])} ({equal})"
                    for i in rows
                ],
                "problem": "exact duplicate",
                "source_column": "",
            }
        )
        rejected = pd.concat([rejected, extra], ignore_index=True)
        data = data.loc[~cross].reset_index(drop=True)
    if n_cross:
        notes.append(
            f"{n_cross} record{'s' if n_cross > 1 else ''} repeated from an earlier file "
            + (f"rejected as exact duplicates ({equal})" if duplicates == "reject" else f"kept, as asked ({equal})")
        )
    if apart:  # equal to a record of an earlier file in every mapped column, told apart by the others
        hint = tell_apart_hint(table, canon)
        notes.append(
            f"{apart} record{'s' if apart > 1 else ''} agree{'' if apart > 1 else 's'} with a record of an earlier "
            f"file in every mapped column but differ{'' if apart > 1 else 's'} in other columns: kept as separate records"
            + (f"; {hint}" if hint else "")
        )
    read = sum(r.rows_read for r in results)
    return ImportResult(
        table=table,
        source=", ".join(r.source for r in results),
        sheet=None,
        data=data,
        rejected=rejected,
        duplicates=pd.concat([r.duplicates for r in results], ignore_index=True),
        skipped=pd.concat([r.skipped for r in results], ignore_index=True),
        rows_read=read,
        rows_accepted=len(data),
        rows_rejected=read - len(data),
        header_row=None,
        column_map=dict(results[0].column_map),
        notes=notes,
        column_letters={},
    )


def _digests(r: ImportResult) -> np.ndarray:
    """The digest of each accepted row's other columns (:attr:`ImportResult.row_digest`), in data order."""
    assert r.row_digest is not None
    return r.row_digest.reindex(r.data["source_row"].to_numpy()).to_numpy(dtype=np.uint64)


def check_supplier_master(results: Mapping[str, ImportResult]) -> dict[str, ImportResult]:
    """``results`` (by table); when a supplier master (``suppliers``) is among them, the deliveries,
    inspections, requests and exclusions of suppliers not in it are rejected (:func:`reject_unknown_suppliers`)."""
    out = dict(results)
    if "suppliers" in out:
        master = set(out["suppliers"].data["supplier_id"].dropna())
        for t in ("deliveries", "inspections", "requests", "exclusions"):
            if t in out:
                out[t] = reject_unknown_suppliers(out[t], master)
    return out


def reject_unknown_suppliers(r: ImportResult, master: set[str]) -> ImportResult:
    """``r`` with the rows whose supplier_id is not in ``master`` (the supplier master's ids) rejected as
    "unknown supplier ... not in the supplier master"; ``r`` itself when every supplier is known."""
    ids = r.data["supplier_id"]
    bad = ~ids.isin(master).to_numpy(dtype=bool)
    if not bad.any():
        return r
    rows = r.data.loc[bad]
    extra = pd.DataFrame(
        {
            "source_file": r.source,
            "sheet": r.sheet,
            "row": rows["source_row"].to_numpy(dtype="int64"),
            "column": "supplier_id",
            "value": rows["supplier_id"].astype(object).to_numpy(),
            "reason": [f"unknown supplier {s!r}: not in the supplier master" for s in rows["supplier_id"]],
            "problem": "unknown supplier",
            "source_column": r.column_map.get("supplier_id", ""),
        }
    )
    rejected = pd.concat([r.rejected, extra], ignore_index=True).sort_values("row", kind="stable")
    data = r.data.loc[~bad].reset_index(drop=True)
    k = int(bad.sum())
    notes = [*r.notes, f"{k} row{'s' if k > 1 else ''} rejected: supplier not in the supplier master"]
    return replace(
        r,
        data=data,
        rejected=rejected.reset_index(drop=True),
        rows_accepted=len(data),
        rows_rejected=r.rows_rejected + k,
        notes=notes,
    )
