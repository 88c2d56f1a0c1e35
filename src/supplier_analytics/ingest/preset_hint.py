"""Which preset an export looks like: a note when a file read without a mapping has a preset's headers.

A preset fits a header when at least :data:`MIN_SHARE` of the source headers it names for the table are
there (compared as :func:`~supplier_analytics.ingest.mapping.normalise_header` compares them), and at least
:data:`MIN_HEADERS` of them. Of several, the one with the larger share, then the more headers, is named.

Examples
--------
>>> suggest_preset("deliveries", ["Material", "Plant", "Movement Type", "Material Document", "Posting Date",
...                               "Qty in Unit of Entry", "Purchase Order", "Item", "Supplier", "Amount in LC"])
'sap-mb51'
>>> preset_note("deliveries", ["Vendor", "PO Number", "Qty Ordered"]) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from supplier_analytics.ingest.mapping import normalise_header
from supplier_analytics.ingest.presets import PRESETS

__all__ = ["suggest_preset", "preset_note", "MIN_SHARE", "MIN_HEADERS"]

MIN_SHARE = 0.75
MIN_HEADERS = 4


def suggest_preset(table: str, labels: Iterable[object]) -> str | None:
    """The name of the preset whose headers for ``table`` the ``labels`` hold (see the module notes), or None."""
    have = {normalise_header(label) for label in labels if label is not None and str(label).strip()}
    best: tuple[float, int, str] | None = None
    for preset in PRESETS.values():
        named = {normalise_header(h) for h in preset.headers(table)}
        if not named:
            continue
        found = len(named & have)
        share = found / len(named)
        if share >= MIN_SHARE and found >= MIN_HEADERS and (best is None or (share, found) > best[:2]):
            best = (share, found, preset.name)
    return None if best is None else best[2]


def preset_note(table: str, labels: Iterable[object]) -> str | None:
    """A note for a file read without a mapping whose headers fit a preset, else None."""
    name = suggest_preset(table, labels)
    if name is None:
        return None
    p = PRESETS[name]
    return f'the headers match the preset "{name}" ({p.system} {p.report}): read the file with --mapping {name}'
