"""Headers that are nearly right: a typo in an optional column's header, a mapped header that is not there.

A header the reader does not use may be a misspelt column (``qty_recieved``): the column is then missing
without an error, and a figure is silently left out. :func:`close_headers` finds unused headers within a
small edit distance of a spelling of a column that was *not* found (never of one that was), so that
:func:`~supplier_analytics.ingest.read_table` can warn. A header that merely contains a known spelling or
is contained in one (``Receipt`` and ``Receipt No``) is not taken for a typo: it is a different label, and
a mapping is the way to use it. :func:`absent_mapped` words the error for a mapping that names a header
the file does not hold, with the file's headers closest to it.

Examples
--------
>>> from supplier_analytics.schema import DELIVERIES
>>> from supplier_analytics.errors import DataWarning
>>> from supplier_analytics.ingest.mapping import TableMapping
>>> close_headers(["qty_recieved", "Receipt", "Remarks"], DELIVERIES, TableMapping(), found=set())
[('qty_recieved', 'quantity_received', 'Qty Received')]
"""

from __future__ import annotations

import difflib
import warnings

from supplier_analytics.errors import DataWarning
from supplier_analytics.ingest.mapping import HEADER_SYNONYMS, TableMapping, normalise_header
from supplier_analytics.schema import TableSchema

__all__ = ["close_headers", "close_header_note", "warn_close_headers", "near_required", "absent_mapped", "CLOSE_RATIO"]

#: Least similarity (difflib's ratio of the normalised headers) for an unused header to be taken for a typo.
CLOSE_RATIO = 0.8
_MIN_CHARS = 4  # shorter normalised headers ("ME", "Nr") are too short to tell a typo from another word


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def close_headers(
    unused: list[str], schema: TableSchema, tm: TableMapping, *, found: set[str]
) -> list[tuple[str, str, str]]:
    """``(header, canonical column, spelling it is close to)`` for each unused header that looks like a typo
    of a column not in ``found``; at most one suggestion per header and per column, the closest first."""
    spellings: list[tuple[str, str, str]] = []  # (normalised, canonical, spelling)
    for col in schema.names:
        if col in found:
            continue
        names = (tm.columns[col],) if col in tm.columns else (col, *HEADER_SYNONYMS[schema.name][col])
        spellings += [(normalise_header(s), col, s) for s in dict.fromkeys(names)]
    cands = []
    for header in unused:
        h = normalise_header(header)
        if len(h) < _MIN_CHARS:
            continue
        for norm, col, sp in spellings:
            if h == norm or h in norm or norm in h or len(norm) < _MIN_CHARS:
                continue
            r = _ratio(h, norm)
            if r >= CLOSE_RATIO:
                cands.append((-r, header, col, sp))
    out, seen_h, seen_c = [], set(), set()
    for _, header, col, sp in sorted(cands):
        if header in seen_h or col in seen_c:
            continue
        seen_h.add(header)
        seen_c.add(col)
        out.append((header, col, sp))
    return out


def close_header_note(schema: TableSchema, header: str, col: str, spelling: str) -> str:
    """The sentence for one close header: what it may be and what is lost without it."""
    shown = col if normalise_header(spelling) == normalise_header(col) else f"{col} ({spelling!r})"
    desc = schema.column(col).description
    lost = next((s.strip() for s in desc.split(".") if "without it" in s.lower()), "")
    lost = lost[0].upper() + lost[1:] + "." if lost else f"Without it, {col} is empty."
    return (
        f"column {header!r} is not used; did you mean {shown}? {lost} "
        f'If so, name it in the mapping: [{schema.name}.columns] {col} = "{header}".'
    )


def warn_close_headers(
    notes: list[str], where: str, unused: list[str], schema: TableSchema, tm: TableMapping, found: set[str]
) -> None:
    """A note and a :class:`~supplier_analytics.errors.DataWarning` (for ``read_table``'s caller) per unused
    header that looks like a typo of a column not in ``found``."""
    for header, col, spelling in close_headers(unused, schema, tm, found=found):
        notes.append(close_header_note(schema, header, col, spelling))
        warnings.warn(f"{where}: {notes[-1]}", DataWarning, stacklevel=5)


def near_required(
    labels: list[str], columns: dict[str, int], schema: TableSchema, tm: TableMapping, missing: list[str]
) -> str:
    """``"; 'Qty Oredered' may be quantity_ordered"`` for unused headers close to a missing column, else ``""``."""
    used = set(columns.values())
    unused = [h for j, h in enumerate(labels) if j not in used]
    near = [f"{h!r} may be {c}" for h, c, _ in close_headers(unused, schema, tm, found=set(columns)) if c in missing]
    return "; " + ", ".join(near) if near else ""


def absent_mapped(where: str, schema: TableSchema, tm: TableMapping, labels: list[str], missing: list[str]) -> str:
    """The error sentence for mapped headers in ``missing`` that are not among ``labels`` (or ``""``)."""
    mapped = [c for c in missing if c in tm.columns]
    if not mapped:
        return ""
    miss = [c for c in missing if c not in tm.columns]
    also = f"; it also lacks the required column{'s' if len(miss) > 1 else ''} {', '.join(miss)}" if miss else ""
    headers = [h for h in dict.fromkeys(labels) if h]
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    parts = []
    for col in mapped:
        want = tm.columns[col]
        close = difflib.get_close_matches(normalise_header(want), list(by_norm), n=3, cutoff=0.6)
        hint = "close matches: " + ", ".join(repr(by_norm[c]) for c in close) if close else "no header is close to it"
        parts.append(f"[{schema.name}.columns] {col} = {want!r} names a header not in {where} ({hint})")
    shown = ", ".join(repr(h if len(h) <= 60 else h[:57] + "...") for h in headers[:25])
    more = " ..." if len(headers) > 25 else ""
    return (
        "; ".join(parts)
        + also
        + f"; correct the mapping to one of the headers found ({shown}{more}), or leave the column out of it."
    )
