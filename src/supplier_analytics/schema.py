"""Canonical tables: their columns, kinds, dtypes and which columns are required.

This module is the single definition of the data model. Every reader maps its
input onto these tables, every computation reads them. It imports nothing else
from the package.

Column kinds and the dtypes they become:

========  ======================  ==============================================
kind      dtype                   notes
========  ======================  ==============================================
id        ``string``              identifiers, kept as text ("000123" stays so)
text      ``string``              free text and labels
number    ``float64``             quantities, money, minutes
date      ``datetime64[ns]``      calendar day; any time of day is dropped so a
                                  datetime never compares late against a date
datetime  ``datetime64[ns]``      keeps the time of day (response times in hours)
========  ======================  ==============================================

Examples
--------
>>> from supplier_analytics.schema import TABLES
>>> TABLES["deliveries"].required
('supplier_id', 'po_id', 'quantity_ordered', 'date_promised', 'date_received')
>>> TABLES["deliveries"].column("date_received").dtype
'datetime64[ns]'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Column",
    "TableSchema",
    "TABLES",
    "DELIVERIES",
    "INSPECTIONS",
    "REQUESTS",
    "SUPPLIERS",
    "EXCLUSIONS",
    "ACTIONS",
    "ACTION_STATUSES",
    "ALL_TABLES",
    "REQUEST_TYPES",
    "KIND_DTYPES",
]

KIND_DTYPES = {
    "id": "string",
    "text": "string",
    "number": "float64",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns]",
}

#: Request types the library knows by name (others are kept under their own label).
REQUEST_TYPES = ("rfq", "complaint", "corrective_action", "expedite", "inquiry")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name : canonical column name.
    kind : one of ``id``, ``text``, ``number``, ``date``, ``datetime``.
    required : whether every input must provide it (as a column; single cells
        of a required column may not be empty either).
    description : what the column holds, as documented in the README.
    min_value : smallest accepted value for numbers (``None``: no bound).
    empty_with : a column of the same table; a cell of this (required) column may be empty when that
        column's cell in the same row is empty too (not when that column is absent). ``date_received`` may be
        empty with ``quantity_received``: an open order line, ordered and not received yet.
    """

    name: str
    kind: str
    required: bool
    description: str
    min_value: float | None = None
    empty_with: str | None = None

    @property
    def dtype(self) -> str:
        return KIND_DTYPES[self.kind]


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns and the columns that identify a record."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}; columns: {', '.join(self.names)}")

    def dtypes(self, present: tuple[str, ...] | list[str] | None = None) -> dict[str, str]:
        """Column name -> dtype, for all columns or only those in ``present``."""
        cols = self.columns if present is None else [self.column(n) for n in present]
        return {c.name: c.dtype for c in cols}


def _c(name, kind, required, description, min_value=None, empty_with=None):
    return Column(name, kind, required, description, min_value, empty_with)


DELIVERIES = TableSchema(
    "deliveries",
    "One row per delivery line or goods receipt. Several receipts of one order line "
    "(partial or split deliveries) are several rows with the same supplier_id, po_id and line_id.",
    (
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("po_id", "id", True, "Purchase order number."),
        _c("line_id", "id", False, "Order line (item) number within the purchase order."),
        _c("item", "text", False, "Material or item number."),
        _c("quantity_ordered", "number", True, "Quantity ordered on the line.", 0.0),
        _c(
            "quantity_received",
            "number",
            False,
            "Quantity received by this receipt; negative for a reversal. Without it no in-full figure is computed.",
        ),
        _c("date_ordered", "date", False, "Order date (for lead time)."),
        _c("date_requested", "date", False, "Date the buyer asked for."),
        _c("date_promised", "date", True, "Date the supplier confirmed (promised)."),
        _c("date_received", "date", True, "Goods receipt date.", empty_with="quantity_received"),
        _c("value", "number", False, "Value of the received quantity, in one currency."),
        _c("site", "text", False, "Receiving plant or site."),
        _c(
            "receipt_id",
            "id",
            False,
            "Goods-receipt document number; the same receipt_id twice is a duplicate, not a split.",
        ),
    ),
    key=("supplier_id", "po_id", "line_id", "receipt_id"),
)

INSPECTIONS = TableSchema(
    "inspections",
    "One row per inspected lot or per quality incident (nonconformance report).",
    (
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("date", "date", True, "Inspection or incident date."),
        _c(
            "quantity_inspected",
            "number",
            False,
            "Quantity inspected or received in the lot; without it no PPM is computed.",
            0.0,
        ),
        _c("quantity_defective", "number", True, "Quantity found defective (0 for an accepted lot).", 0.0),
        _c("defect_code", "text", False, "Defect or nonconformance code."),
        _c("downtime_minutes", "number", False, "Production downtime caused at the receiving plant.", 0.0),
        _c("lot_id", "id", False, "Inspection lot or notification number."),
        _c("item", "text", False, "Material or item number."),
        _c("site", "text", False, "Receiving plant or site."),
    ),
    key=("supplier_id", "lot_id"),
)

REQUESTS = TableSchema(
    "requests",
    "One row per request to a supplier: RFQ, complaint, corrective-action request (8D/CAPA), expedite or inquiry.",
    (
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("request_id", "id", True, "Request, ticket or notification number."),
        _c(
            "request_type",
            "text",
            True,
            "rfq, complaint, corrective_action, expedite, inquiry (other labels are kept as given).",
        ),
        _c("date_sent", "datetime", True, "When the request was sent to the supplier."),
        _c("date_responded", "datetime", False, "When the supplier answered; empty while open."),
        _c("date_closed", "datetime", False, "When the request (e.g. a corrective action) was closed."),
        _c("date_due", "datetime", False, "Agreed due date (for on-time closure of corrective actions)."),
    ),
    key=("supplier_id", "request_id"),
)

SUPPLIERS = TableSchema(
    "suppliers",
    "Supplier master (optional): names, categories and spend for reports and peer groups.",
    (
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("supplier_name", "text", False, "Supplier name."),
        _c("category", "text", False, "Purchasing category (peer group)."),
        _c("country", "text", False, "Country."),
        _c("annual_spend", "number", False, "Annual spend with the supplier, in one currency.", 0.0),
    ),
    key=("supplier_id",),
)

EXCLUSIONS = TableSchema(
    "exclusions",
    "Records excused from scoring (optional). They stay in the data and in the evidence, "
    "marked with the reason, and do not count in the rates. A delivery is matched by "
    "supplier_id, po_id and (when given) line_id; an inspection by lot_id; a request by request_id.",
    (
        _c("table", "text", True, "deliveries, inspections or requests."),
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("po_id", "id", False, "Purchase order (deliveries)."),
        _c("line_id", "id", False, "Order line (deliveries); empty excuses every line of the order."),
        _c("lot_id", "id", False, "Inspection lot (inspections)."),
        _c("request_id", "id", False, "Request (requests)."),
        _c("reason_code", "text", True, "Why the record is excused, e.g. BUYER_DATE_CHANGE."),
        _c("decided_by", "text", True, "Who decided the exclusion."),
        _c("decided_on", "date", False, "When it was decided."),
        _c("comment", "text", False, "Free text."),
    ),
    key=("table", "supplier_id", "po_id", "line_id", "lot_id", "request_id"),
)

#: Statuses of an action in the action log (other labels are kept, lower-cased).
ACTION_STATUSES = ("open", "in progress", "closed", "cancelled")
#: The metrics an action may target (``metric`` of the action log) are the catalogue's record shares
#: (:data:`supplier_analytics.catalog.RECORD_SHARES`).
ACTIONS = TableSchema(
    "actions",
    "Action log (optional): corrective and improvement actions agreed with suppliers. Closed actions "
    "get a before/after comparison of their targeted metric.",
    (
        _c("supplier_id", "id", True, "Supplier (vendor) number."),
        _c("action_id", "id", True, "Action number, e.g. the 8D or CAPA reference."),
        _c("opened", "date", True, "When the action was agreed."),
        _c("owner", "text", False, "Who follows the action up."),
        _c("description", "text", False, "What will be done."),
        _c("due", "date", False, "Agreed due date."),
        _c("status", "text", True, "open, in progress, closed or cancelled."),
        _c("closed", "date", False, "When the action was closed (required when status is closed)."),
        _c("metric", "text", False, "The targeted metric, e.g. otif_rate or lot_rejection_rate (default: otif_rate)."),
    ),
    key=("supplier_id", "action_id"),
)

TABLES: dict[str, TableSchema] = {t.name: t for t in (DELIVERIES, INSPECTIONS, REQUESTS, SUPPLIERS, EXCLUSIONS)}

#: Every table :mod:`supplier_analytics.ingest` reads: the scored tables of :data:`TABLES` and the action log.
ALL_TABLES: dict[str, TableSchema] = {**TABLES, ACTIONS.name: ACTIONS}
