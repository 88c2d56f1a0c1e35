"""Finding the header row of an export and matching its labels to canonical columns.

The header is the first row among the first :data:`SCAN_ROWS` rows whose
labels match the most canonical columns (through the mapping or the common
spellings of :mod:`~supplier_analytics.ingest.mapping`), provided that every
required column is among them. Title rows above it are ignored.

Two-row headers are recognised: a group label above sub-headers (``Quantity``
merged over ``Ordered`` and ``Received``) is combined with each sub-header
(``Quantity Ordered``); a label merged over two rows stands for both. Merged
ranges come from the workbook; without them (CSV) an empty top cell takes the
group label on its left when the cell below it has a sub-header. A two-row
header is chosen only when it matches more columns than its first row alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from supplier_analytics.errors import ConfigError
from supplier_analytics.ingest.mapping import HEADER_SYNONYMS, TableMapping, normalise_header
from supplier_analytics.ingest.parse import to_text
from supplier_analytics.ingest.readers import RawSheet
from supplier_analytics.schema import TableSchema

__all__ = ["HeaderMatch", "find_header", "SCAN_ROWS", "column_letter", "choose_span_columns", "nonempty_counts"]

SCAN_ROWS = 30


def column_letter(j: int) -> str:
    """Excel column letters of a 0-based column position.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class HeaderMatch:
    """Where the header is and which grid column holds each canonical column."""

    row: int | None  # grid position of the (first) header row; None: the format's own header
    n_rows: int  # header rows: 0 (parquet), 1 or 2
    labels: list[str]  # label per grid column as combined
    columns: dict[str, int]  # canonical -> grid column
    spans: dict[str, list[int]] = field(default_factory=dict)  # canonical -> columns under a merged label
    missing: list[str] = field(default_factory=list)
    #: where the column names came from, when not from a header row of the file (a note for the user)
    origin: str | None = None
    #: the file has no header row: ``labels`` are the mapping's ``names``
    headerless: bool = False


def _lookup(schema: TableSchema, tm: TableMapping) -> dict[str, list[tuple[int, str]]]:
    """Normalised label -> [(rank, canonical)]; mapped headers rank first and replace the spellings."""
    table: dict[str, list[tuple[int, str]]] = {}
    for canon, header in tm.columns.items():
        table.setdefault(normalise_header(header), []).append((-1, canon))
    for canon, spellings in HEADER_SYNONYMS[schema.name].items():
        if canon in tm.columns:
            continue
        for rank, sp in enumerate(spellings):
            table.setdefault(normalise_header(sp), []).append((rank, canon))
    return table


def _assign(options: list[list[str]], lookup) -> dict[str, int]:
    """Greedy matching: best (option, rank) first; one canonical column per grid column."""
    cands = []
    for j, opts in enumerate(options):
        for o, label in enumerate(opts):
            for rank, canon in lookup.get(normalise_header(label), ()):
                cands.append((o, rank, j, canon))
    cands.sort()
    out: dict[str, int] = {}
    used: set[int] = set()
    for _, _, j, canon in cands:
        if canon in out or j in used:
            continue
        out[canon] = j
        used.add(j)
    return out


def _texts(sheet: RawSheet, n: int) -> list[list[str]]:
    head = sheet.grid.iloc[:n]
    cols = [to_text(head[c]).tolist() for c in head.columns]
    return [list(r) for r in zip(*cols)] if cols else []


def _merged_top(top: list[str], sub: list[str], r: int, merges) -> tuple[list[str], dict[int, list[int]]]:
    """Top labels spread over their merged (or, without merge data, empty right-hand) cells."""
    top = list(top)
    spans: dict[int, list[int]] = {}
    if merges is not None:
        for r0, c0, r1, c1 in merges:
            if r0 <= r <= r1 and c1 > c0:
                for c in range(c0 + 1, min(c1, len(top) - 1) + 1):
                    top[c] = top[c0]
                spans[c0] = list(range(c0, min(c1, len(top) - 1) + 1))
    else:
        for c in range(1, len(top)):
            if not top[c] and sub[c] and top[c - 1] and sub[c - 1]:
                top[c] = top[c - 1]
    return top, spans


def find_header(sheet: RawSheet, schema: TableSchema, tm: TableMapping) -> HeaderMatch:
    """Locate the header and map its columns; ``missing`` lists needed columns not found."""
    lookup = _lookup(schema, tm)
    named = [c for c in tm.columns if not tm.absent_ok or c in schema.required]  # a preset's optional: if there
    needed = list(dict.fromkeys(list(schema.required) + named))
    if sheet.header is not None:
        cols = _assign([[h] for h in sheet.header], lookup)
        origin = None
        if tm.names is not None:
            what = {"parquet": "the parquet schema", "frame": "the frame"}.get(sheet.kind, "the file")
            origin = f"columns taken from {what} (names and header_row = 0 in the mapping not used)"
        return HeaderMatch(
            None, 0, list(sheet.header), cols, missing=[c for c in needed if c not in cols], origin=origin
        )
    if tm.header_row == 0 and tm.names is not None:  # no header row: the mapping names the columns
        cols = _assign([[h] for h in tm.names], lookup)
        lacking = [c for c in needed if c not in cols]
        if lacking:
            s = "s" if len(lacking) > 1 else ""
            raise ConfigError(
                f"The mapping's names for {schema.name} lack the required column{s} {', '.join(lacking)}; "
                f"add {'them' if s else 'it'} to names at {'their' if s else 'its'} place in the file (the "
                f"canonical name, a known spelling, or a name that [{schema.name}.columns] maps)."
            )
        return HeaderMatch(
            None,
            0,
            list(tm.names),
            cols,
            origin="no header row: columns named by names in the mapping",
            headerless=True,
        )
    n = len(sheet.grid)
    if tm.header_row is not None:
        rows = [tm.header_row - 1] if tm.header_row - 1 < n else []
        scan = min(n, tm.header_row + 1)
    else:
        scan = min(n, SCAN_ROWS + 1)
        rows = list(range(min(n, SCAN_ROWS)))
    texts = _texts(sheet, scan)
    merges = sheet.merges or None
    best: HeaderMatch | None = None
    best_key = None
    for r in rows:
        top = texts[r]
        if not any(top):
            continue
        single = _assign([[t] for t in top], lookup)
        spans1 = {}
        if merges:
            _, sp = _merged_top(top, [""] * len(top), r, merges)
            spans1 = {canon: sp[j] for canon, j in single.items() if j in sp}
        cand = [(single, 1, top, spans1)]
        if r + 1 < len(texts) and any(texts[r + 1]):
            sub = texts[r + 1]
            filled, _ = _merged_top(top, sub, r, merges)
            combined = [f"{a} {b}".strip() if a != b else a for a, b in zip(filled, sub)]
            options = [[c, s, t] for c, s, t in zip(combined, sub, top)]
            pair = _assign(options, lookup)
            if len(pair) > len(single):
                cand.append((pair, 2, combined, {}))
        for cols, k, labels, spans in cand:
            missing = [c for c in needed if c not in cols]
            key = (not missing, len(cols))
            if best_key is None or key > best_key:
                best_key = key
                best = HeaderMatch(r, k, labels, cols, spans, missing)
    if best is None:
        first = next((t for t in texts if any(t)), [])
        return HeaderMatch(None, 1, first, {}, missing=needed)
    return best


def choose_span_columns(match: HeaderMatch, filled: dict[int, int]) -> None:
    """For a label merged over several columns, keep the column that holds the most values."""
    for canon, cols in match.spans.items():
        best = max(cols, key=lambda c: (filled.get(c, 0), -c))
        match.columns[canon] = best


def nonempty_counts(grid: pd.DataFrame, cols: list[int]) -> dict[int, int]:
    """Cells that are not empty per column of ``grid`` (the rows below the header)."""
    out = {}
    for c in cols:
        if c not in grid.columns:
            out[c] = 0
            continue
        arr = grid[c].to_numpy(dtype=object)
        out[c] = int((~(pd.isna(arr) | (arr == ""))).sum())
    return out
