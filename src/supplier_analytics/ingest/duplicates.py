"""Exact duplicates judged on the whole source row, and how the order lines of a deliveries export are told apart.

A row is an *exact duplicate* of an earlier row of the same export when every column of the file is
equal: the mapped columns as read (their canonical values, so ``5`` and ``5,0`` are equal) and every
other column -- mapped or not, labelled or not -- as its cell text (stripped; ``5`` and ``5.0`` equal).
Rows that agree in every mapped column but differ in a column the mapping does not use (a plant, a
material, a defect type) are separate records of the export: they are kept, and a note names the
columns that tell them apart and suggests mapping the column that identifies them (line_id, lot_id).

The search stays cheap on large files: rows are first grouped on their mapped values (one
``duplicated`` over the canonical frame, as before); only the rows that repeat an earlier row there
are compared on the other columns.

Across the files of one table (:func:`~supplier_analytics.ingest.combine.combine_results`) the raw
cells are gone; each result carries :func:`row_digests`, a 64-bit digest of every accepted row's other
columns, so that rows repeated in a later file are compared on the whole row too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplier_analytics.ingest._cells import Problem
from supplier_analytics.ingest.header import HeaderMatch, column_letter
from supplier_analytics.ingest.parse import to_text

__all__ = ["Duplicates", "exact_duplicates", "find_duplicates", "row_digests", "line_identity_note", "tell_apart_hint"]

#: The columns that tell records of a table apart, in the order a note suggests mapping them.
_TELL_APART = {
    "deliveries": (("line_id", "order lines"), ("receipt_id", "receipts")),
    "inspections": (("lot_id", "lots"),),
}
_SHOWN_NAMES = 5


@dataclass
class Duplicates:
    """What :func:`find_duplicates` found: the rows that repeat an earlier row in every column."""

    #: positions (into the frame) of the second and later copies
    rows: np.ndarray
    #: for each of ``rows``, the user-visible row number of its first copy
    first: np.ndarray
    #: how many columns of the file were compared (mapped ones, and others with a header or a value)
    compared: int = 0
    #: sentences for :attr:`ImportResult.notes`: rows equal in the mapped columns kept apart, and why
    notes: list[str] = field(default_factory=list)


def _label(labels: list[str], j: int) -> str:
    return labels[j] if j < len(labels) and labels[j] else ""


def _named(labels: list[str], j: int, letters: bool) -> str:
    name = _label(labels, j)
    if name:
        return repr(name)
    if letters:
        return f"column {column_letter(j)} (no header)"
    return f"column {j + 1} (no header)"


def tell_apart_hint(table: str, mapped: list[str] | set[str]) -> str:
    """``"map line_id (or receipt_id) if they are separate order lines (or receipts)"`` for the columns of
    ``table`` that tell records apart and are not mapped; ``""`` when there is none."""
    free = [(c, what) for c, what in _TELL_APART.get(table, ()) if c not in mapped]
    if not free:
        return ""
    cols = free[0][0] + "".join(f" (or {c})" for c, _ in free[1:])
    whats = free[0][1] + "".join(f" (or {w})" for _, w in free[1:])
    return f"map {cols} if they are separate {whats}"


def find_duplicates(
    frame: pd.DataFrame,
    ok: np.ndarray,
    grid: pd.DataFrame,
    rownum: np.ndarray,
    mapped: list[int],
    labels: list[str],
    table: str,
    *,
    letters: bool = False,
) -> Duplicates:
    """The rows of ``frame`` (canonical values, one row per ``grid`` row) that repeat an earlier row in every
    column of the file, among the rows where ``ok``.

    ``mapped`` are the grid columns read into ``frame`` (compared through its values), ``labels`` the
    header labels by grid column, ``rownum`` the user-visible row numbers; ``letters`` names unlabelled
    columns by Excel letter.
    """
    none = Duplicates(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    ok_pos = np.flatnonzero(ok)
    if not len(ok_pos) or frame.shape[1] == 0:
        return none
    clean = frame.iloc[ok_pos]
    repeats = clean.duplicated(keep=False).to_numpy(dtype=bool)  # in a group of rows equal in the mapped columns
    if not repeats.any():
        return none
    cand = ok_pos[repeats]
    sub = frame.iloc[cand]
    group = sub.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy().astype(np.int64)
    n_groups = int(group.max()) + 1
    key = group.copy()
    used = set(mapped)
    compared = len(used)
    differ: list[str] = []
    for j in grid.columns:
        if j in used:
            continue
        text = to_text(grid[j].iloc[cand]).to_numpy(dtype=object)
        codes, uniques = pd.factorize(text, use_na_sentinel=False)
        if _label(labels, j) or len(uniques) > 1 or (len(uniques) == 1 and uniques[0] != ""):
            compared += 1
        if len(uniques) < 2:
            continue
        codes = codes.astype(np.int64)
        if len(pd.unique(group * len(uniques) + codes)) > n_groups:  # differs within some group
            differ.append(_named(labels, int(j), letters))
        key = pd.factorize(key * len(uniques) + codes)[0].astype(np.int64)
    whole = pd.Series(key)
    dup = whole.duplicated(keep="first").to_numpy(dtype=bool)
    first_pos = pd.Series(cand).groupby(key, sort=False).transform("first").to_numpy()
    # a later row of its group of equal mapped values that is no copy of an earlier row: kept apart
    apart = pd.Series(group).duplicated(keep="first").to_numpy(dtype=bool) & ~dup
    notes = []
    if apart.any():
        k = int(apart.sum())
        more = f" and {len(differ) - _SHOWN_NAMES} more" if len(differ) > _SHOWN_NAMES else ""
        hint = tell_apart_hint(table, set(frame.columns))
        notes.append(
            f"{k} row{'s' if k > 1 else ''} agree{'' if k > 1 else 's'} with an earlier row in every mapped column "
            f"but differ{'' if k > 1 else 's'} in {', '.join(differ[:_SHOWN_NAMES])}{more} (all {compared} columns "
            f"of the file compared): kept as separate records" + (f"; {hint}" if hint else "")
        )
    return Duplicates(cand[dup], rownum[first_pos[dup]].astype(np.int64), compared, notes)


def exact_duplicates(
    frame: pd.DataFrame,
    bad_row: np.ndarray,
    grid: pd.DataFrame,
    rownum: np.ndarray,
    match: HeaderMatch,
    table: str,
    duplicates: str,
    notes: list[str],
    *,
    letters: bool = False,
) -> tuple[pd.DataFrame, Problem | None]:
    """The import's duplicate step: (``ImportResult.duplicates``, the rejection of the copies or None).

    ``frame`` holds the canonical values of every grid row, ``bad_row`` the rows rejected already (not
    compared); with ``duplicates="keep"`` the copies are listed but not rejected. Appends to ``notes``
    what was found and, for deliveries, how order lines are identified (:func:`line_identity_note`).
    """
    present = list(frame.columns)
    out = pd.DataFrame(columns=["source_row", "duplicate_of", *present])
    found = find_duplicates(
        frame, ~bad_row, grid, rownum, sorted(set(match.columns.values())), match.labels, table, letters=letters
    )
    problem = None
    if len(found.rows):
        idx = found.rows
        out = frame.iloc[idx].reset_index(drop=True)
        out.insert(0, "duplicate_of", found.first)
        out.insert(0, "source_row", rownum[idx].astype("int64"))
        if duplicates == "reject":
            mask = np.zeros(len(frame), dtype=bool)
            mask[idx] = True
            reason = np.empty(len(frame), dtype=object)
            reason[idx] = [f"exact duplicate of row {f} (every column equal)" for f in found.first]
            problem = Problem(mask, reason, "exact duplicate")
        notes.append(
            f"{len(idx)} exact duplicate record{'s' if len(idx) > 1 else ''} (equal in all {found.compared} columns "
            "of the file) " + ("rejected" if duplicates == "reject" else "kept, as asked")
        )
    notes += found.notes
    if table == "deliveries":
        notes.append(line_identity_note(present))
    return out, problem


_MIX = np.uint64(0x9E3779B97F4A7C15)


def row_digests(
    grid: pd.DataFrame, rows: np.ndarray, mapped: list[int], labels: list[str]
) -> tuple[tuple[str, ...], np.ndarray | None]:
    """(headers of the columns not in ``mapped``, sorted; a 64-bit digest of those cells for each of ``rows``).

    The digest is taken over the cell texts (as :func:`find_duplicates` compares them) of the columns in
    the order of their headers, so that two files with the same columns in another order give equal
    digests for equal rows. ``None`` when every column is mapped (the canonical values are the whole row).
    Each column's distinct values are turned into text and hashed once.
    """
    used = set(mapped)
    other = sorted((j for j in grid.columns if j not in used), key=lambda j: (_label(labels, j), j))
    other = [j for j in other if _label(labels, j) or not _all_empty(grid[j])]
    if not other:
        return (), None
    digest = np.zeros(len(rows), dtype=np.uint64)
    for j in other:
        codes, uniques = pd.factorize(grid[j].iloc[rows], use_na_sentinel=False)
        text = to_text(pd.Series(uniques)).to_numpy(dtype=object)
        h = pd.util.hash_array(text, categorize=False)
        with np.errstate(over="ignore"):
            digest = (digest ^ h[codes]) * _MIX + np.uint64(1)
    return tuple(_label(labels, j) for j in other), digest


def _all_empty(col: pd.Series) -> bool:
    return bool((to_text(col.drop_duplicates()) == "").all())


def line_identity_note(present: list[str] | set[str]) -> str:
    """How the order lines of a deliveries table with the canonical columns ``present`` are told apart
    (the rule of :mod:`supplier_analytics.records`), in one sentence for the import's notes."""
    if "quantity_received" not in present:
        return "each row is judged as its own order line: without quantity_received receipts cannot be combined"
    if "line_id" in present:
        rest = "by item where line_id is empty, else" if "item" in present else "where line_id is empty,"
        return f"order lines identified by supplier_id, po_id and line_id ({rest} each row is its own line)"
    if "item" in present:
        return (
            "order lines identified by supplier_id, po_id and item, as no line_id is mapped (a row without item is "
            "its own line): receipts of one item on one order count as one line; map line_id if an order has "
            "several lines of one item"
        )
    return (
        "each row is its own order line (neither line_id nor item mapped): split receipts of one line "
        "cannot be combined; map line_id or item"
    )
