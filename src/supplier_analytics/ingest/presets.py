"""Ready-made mappings for common ERP exports, by name: ``read_table(path, "deliveries", mapping="sap-mb51")``.

Each preset is a mapping file in the package data (``supplier_analytics/data/presets/NAME.toml``) whose
comment header says which transaction or report to run, which columns to include and what the export cannot
say. :func:`~supplier_analytics.ingest.read_mapping` takes a preset's name wherever it takes a mapping file
(``--mapping sap-mb51`` on the command line, ``mapping = "sap-mb51"`` in a batch job). A name that is neither
a file nor a preset is an error that lists the presets, the closest first.

Examples
--------
>>> [p.name for p in PRESETS.values()][:3]
['sap-me80fn', 'sap-mb51', 'sap-qa32']
>>> PRESETS["sap-mb51"].tables
('deliveries',)
>>> preset_error("sap-mb52").args[0].split(";")[0]
"No mapping file or preset named 'sap-mb52'"
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from supplier_analytics.errors import ConfigError

__all__ = ["Preset", "PRESETS", "preset_error", "is_preset_name"]

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


@dataclass(frozen=True)
class Preset:
    """A ready-made mapping: its name, the system and report it reads, a one-line description."""

    name: str
    system: str
    report: str
    description: str

    def text(self) -> str:
        """The preset's TOML text, comments included (to copy and adapt)."""
        return _text(self.name)

    def raw(self) -> dict[str, Any]:
        """The preset as parsed TOML (the shape :func:`~supplier_analytics.ingest.read_mapping` takes)."""
        return tomllib.loads(self.text())

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.raw())

    def headers(self, table: str) -> tuple[str, ...]:
        """The source headers the preset names for ``table`` (empty when it does not cover the table)."""
        return tuple(self.raw().get(table, {}).get("columns", {}).values())


@cache
def _text(name: str) -> str:
    return resources.files("supplier_analytics").joinpath(f"data/presets/{name}.toml").read_text("utf-8")


#: The presets by name, in the order ``supplier-analytics mappings`` lists them.
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sap-me80fn",
            "SAP",
            "ME80FN/ME2M purchase order history",
            "order items with their goods receipts: order quantity, delivery date, receipts",
        ),
        Preset(
            "sap-mb51",
            "SAP",
            "MB51 material document list",
            "goods receipts (movement types 101/102/122); the order quantity and delivery date added from ME2M",
        ),
        Preset(
            "sap-qa32",
            "SAP",
            "QA32 inspection lot list",
            "goods-receipt inspection lots: lot quantity and the quantity posted to blocked stock",
        ),
        Preset(
            "oracle-ebs-receiving",
            "Oracle",
            "EBS receiving transactions",
            "RCV_TRANSACTIONS (RECEIVE) with the purchase order shipment's quantity and promised date",
        ),
        Preset(
            "d365-product-receipts",
            "Dynamics 365",
            "product receipt lines",
            "posted product receipt lines with the order line's quantity and confirmed receipt date",
        ),
        Preset(
            "odoo-stock-moves",
            "Odoo",
            "stock moves",
            "done receipt moves from vendors with the purchase order line's quantity and deadline",
        ),
        Preset(
            "erpnext-purchase-receipts",
            "ERPNext",
            "purchase receipt items",
            "purchase receipt items: received and rejected quantity (deliveries and inspections)",
        ),
    )
}


def is_preset_name(text: str) -> bool:
    """Whether ``text`` looks like a preset name (lower-case words joined by hyphens, no suffix or folder)."""
    return bool(_NAME.match(text))


def preset_error(name: str) -> ConfigError:
    """The error for a mapping that is neither a file nor a preset: the presets listed, the closest first."""
    names = list(PRESETS)
    close = difflib.get_close_matches(name, names, n=len(names), cutoff=0.0)
    return ConfigError(
        f"No mapping file or preset named {name!r}; give the path of a TOML mapping file or one of the presets: "
        f"{', '.join(close)} (supplier-analytics mappings lists them)."
    )
