"""Column mappings: how the headers of an export map onto the canonical tables.

Without a mapping, :func:`~supplier_analytics.ingest.read_table` recognises
common header spellings (English and German, SAP-ish) listed in
:data:`HEADER_SYNONYMS`; matching ignores case, spaces and punctuation, so
"PO Number", "po_number" and "PO-Nummer" are compared as ``ponumber``,
``ponumber`` and ``ponummer``.

A mapping file is TOML with one table per canonical table; every key is
optional::

    [deliveries]
    sheet = "Goods receipts"      # default: the first sheet that has the needed columns
    header_row = 4                # 1-based as in Excel; default: detected; 0: the file has no header row
    # names = ["supplier_id", "po_id", "", "Qty"]   only with header_row = 0: each column's name in file
    #                             order (canonical, a known spelling or a name [columns] maps; "": not used)
    decimal = ","                 # "," or "."; default: detected per column from the data
    thousands = "."               # ".", ",", " ", "'" or ""; default: the other of , and .
    dayfirst = true               # default: decided from the data
    encoding = "cp1252"           # CSV only; default: detected (BOM, utf-8, utf-16, cp1252)
    delimiter = ";"               # CSV only; default: sniffed
    [deliveries.columns]          # canonical name = source header
    supplier_id = "Lieferant"
    date_promised = "Liefertermin"
    [deliveries.date_formats]     # strptime formats per canonical date column
    date_promised = "%d.%m.%Y"    # German month names also work with %b ("12-Mär-25")

    [inspections]                 # ... one table per canonical table, all optional
    sheet = "Prüflose"

Canonical columns that ``columns`` does not name are still looked for under
their common spellings. An unknown table, key or canonical column name is a
:class:`~supplier_analytics.errors.ConfigError` that names the key and the
allowed values.

Examples
--------
>>> m = read_mapping({"deliveries": {"columns": {"supplier_id": "Kreditor"}, "dayfirst": True}})
>>> m["deliveries"].columns
{'supplier_id': 'Kreditor'}
>>> m["inspections"].sheet is None
True
>>> normalise_header("PO-Nummer ")
'ponummer'
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from supplier_analytics._io import read_toml
from supplier_analytics.errors import ConfigError
from supplier_analytics.ingest.presets import PRESETS, is_preset_name, preset_error
from supplier_analytics.schema import ALL_TABLES

__all__ = ["ColumnMapping", "TableMapping", "read_mapping", "normalise_header", "HEADER_SYNONYMS"]

_TABLE_KEYS = (
    "sheet",
    "header_row",
    "decimal",
    "thousands",
    "dayfirst",
    "encoding",
    "delimiter",
    "names",
    "columns",
    "date_formats",
)
_DECIMALS = (",", ".")
_THOUSANDS = (".", ",", " ", "'", "")


def normalise_header(text: object) -> str:
    """Header text as compared: lower case, umlauts folded, no spaces or punctuation."""
    s = str(text).strip().casefold()
    s = s.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s)
    return re.sub(r"[^0-9a-z]+", "", s)


# Common header spellings per table and canonical column, best first (None: as listed for an earlier table).
# Database column names (AdventureWorks Purchasing.PurchaseOrderHeader/Detail, WideWorldImporters
# Purchasing.PurchaseOrders/PurchaseOrderLines: "PurchaseOrderID", "DueDate") need no entries of their own when
# they normalise to a listed spelling ("VendorID" = "Vendor ID", "OrderQty" = "Order Qty", "ReceivedQty" =
# "Received Qty", "DueDate" = "Due Date"); the others are listed below with what they mean. Not recognised on
# purpose: AdventureWorks PurchaseOrderHeader.ShipDate, the *estimated* date the vendor ships: it is neither a
# receipt (date_received would score a plan as an arrival) nor the promised arrival (that is the line's DueDate,
# and a shipping date is earlier than the arrival it promises). AdventureWorks holds no receipt date at all, so
# its purchase orders cannot be read as deliveries without one. RejectedQty (AdventureWorks: "quantity rejected
# during inspection") is inspections.quantity_defective as "Rejected Qty"; deliveries have no rejected quantity.
_SPELLINGS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "deliveries": {
        "supplier_id": (
            "supplier_id",
            "Supplier ID",
            "Supplier No",
            "Supplier Number",
            "Supplier Code",
            "Vendor ID",
            "Vendor No",
            "Vendor Number",
            "Vendor Code",
            "Vendor",
            "Supplier",
            "Lieferantennummer",
            "Lieferant",
            "Kreditorennummer",
            "Kreditor",
            "Lieferantennr",
        ),
        "po_id": (
            "po_id",
            "PO Number",
            "PO No",
            "PO",
            "Purchase Order",
            "Purchase Order Number",
            "Purchasing Document",
            "Order Number",
            "Einkaufsbeleg",
            "Bestellnummer",
            "Bestellung",
            "Bestellnr",
            "PO-Nummer",
            "Purch Doc",
            # AdventureWorks and WideWorldImporters: the purchase order's key ("Purchase Order ID" normalised)
            "Purchase Order ID",
        ),
        "line_id": (
            "line_id",
            "Line",
            "Line No",
            "Line Number",
            "PO Line",
            "PO Item",
            "Item No",
            "Item Number",
            "Position",
            "Pos",
            "Positionsnummer",
            "Bestellposition",
            # WideWorldImporters PurchaseOrderLines.PurchaseOrderLineID, AdventureWorks
            # PurchaseOrderDetail.PurchaseOrderDetailID: keys of the order line (unique across orders, still a line)
            "Purchase Order Line ID",
            "Purchase Order Detail ID",
            "Item",
        ),
        # "Item" is the order line in SAP's English lists when a "Material" column is present
        "item": (
            "Material",
            "Material Number",
            "Material No",
            "Part Number",
            "Part No",
            "Part",
            "Item",
            "Article",
            "SKU",
            "Materialnummer",
            "Artikel",
            "Artikelnummer",
            # AdventureWorks PurchaseOrderDetail.ProductID, WideWorldImporters PurchaseOrderLines.StockItemID
            "Product ID",
            "Stock Item ID",
        ),
        "quantity_ordered": (
            "quantity_ordered",
            "Qty Ordered",
            "Ordered Qty",
            "Quantity Ordered",
            "Ordered Quantity",
            "Order Qty",
            "Order Quantity",
            "PO Quantity",
            "PO Qty",
            "Bestellmenge",
            "Bestellte Menge",
            "Menge bestellt",
            # WideWorldImporters PurchaseOrderLines.OrderedOuters: ordered in outer packs; ReceivedOuters (below)
            # counts the same packs, so the in-full ratio is the one of the units
            "Ordered Outers",
        ),
        "quantity_received": (
            "quantity_received",
            "Received Qty",
            "Qty Received",
            "Quantity Received",
            "Received Quantity",
            "GR Quantity",
            "GR Qty",
            "Receipt Quantity",
            "Delivered Quantity",
            "Qty Delivered",
            "Wareneingangsmenge",
            "WE-Menge",
            "Gelieferte Menge",
            "Menge geliefert",
            "Menge in ErfassME",
            "Received Outers",
            "Menge",
        ),
        "date_ordered": (
            "date_ordered",
            "Order Date",
            "PO Date",
            "Date Ordered",
            "Ordered On",
            "Purchase Order Date",
            "Bestelldatum",
        ),
        "date_requested": (
            "date_requested",
            "Requested Date",
            "Date Requested",
            "Requested Delivery Date",
            "Need By Date",
            "Need Date",
            "Wunschtermin",
            "Wunschliefertermin",
            "Gewuenschter Liefertermin",
        ),
        "date_promised": (
            "date_promised",
            "Promised Date",
            "Date Promised",
            "Confirmed Date",
            "Confirmed Delivery Date",
            "Promise Date",
            # AdventureWorks PurchaseOrderDetail.DueDate: "date the product is expected to be received", the
            # vendor's delivery date of the line (not the buyer's wish: there is no separate requested date)
            "Due Date",
            "Delivery Date",
            "Bestaetigter Liefertermin",
            "Bestaetigtes Lieferdatum",
            # WideWorldImporters PurchaseOrders.ExpectedDeliveryDate: the delivery date agreed with the supplier
            "Expected Delivery Date",
            "Liefertermin",
            "Lieferdatum",
        ),
        "date_received": (
            "date_received",
            "Receipt Date",
            "Received Date",
            "Date Received",
            "GR Date",
            "Goods Receipt Date",
            "Goods Receipt",
            # WideWorldImporters PurchaseOrderLines.LastReceiptDate: the (last) receipt of the line, one row per line
            "Last Receipt Date",
            "Posting Date",
            "Wareneingangsdatum",
            "WE-Datum",
            "Eingangsdatum",
            "Wareneingang",
            "Buchungsdatum",
        ),
        "value": (
            "value",
            "Value",
            "Amount",
            "Net Value",
            "Receipt Value",
            "Amount in LC",
            "Wert",
            "Betrag",
            "Nettowert",
            "Betrag in HW",
        ),
        "site": ("site", "Plant", "Site", "Receiving Plant", "Warehouse", "Werk", "Standort"),
        "receipt_id": (
            "receipt_id",
            "Receipt ID",
            "Receipt No",
            "Receipt Number",
            "GR Number",
            "Material Document",
            "Mat Doc",
            "Materialbeleg",
            "WE-Beleg",
        ),
    },
    "inspections": {
        "supplier_id": None,  # filled from deliveries below
        "date": (
            "date",
            "Inspection Date",
            "Date",
            "Incident Date",
            "Notification Date",
            "Created On",
            "Pruefdatum",
            "Datum",
            "Meldungsdatum",
            "Angelegt am",
        ),
        "quantity_inspected": (
            "quantity_inspected",
            "Qty Inspected",
            "Inspected Qty",
            "Quantity Inspected",
            "Inspected Quantity",
            "Lot Size",
            "Lot Quantity",
            "Received Qty",
            "Quantity Received",
            "Prueflosmenge",
            "Pruefmenge",
            "Menge",
        ),
        "quantity_defective": (
            "quantity_defective",
            "Qty Defective",
            "Defective Qty",
            "Quantity Defective",
            "Defective Quantity",
            "Rejected Qty",
            "Rejected Quantity",
            "Qty Rejected",
            "Defects",
            "Fehlmenge",
            "Fehlerhafte Menge",
            "Reklamierte Menge",
            "Ausschussmenge",
            "Fehleranzahl",
        ),
        "defect_code": (
            "defect_code",
            "Defect Code",
            "Defect",
            "Defect Type",
            "NCR Code",
            "Fehlercode",
            "Fehlerart",
            "Codierung",
        ),
        "downtime_minutes": (
            "downtime_minutes",
            "Downtime Minutes",
            "Downtime (min)",
            "Downtime",
            "Line Down Minutes",
            "Stillstand",
            "Stillstandszeit",
            "Ausfallzeit",
        ),
        "lot_id": (
            "lot_id",
            "Lot",
            "Lot ID",
            "Lot No",
            "Lot Number",
            "Inspection Lot",
            "NCR",
            "NCR Number",
            "Notification",
            "Prueflos",
            "Meldung",
            "Meldungsnummer",
        ),
        "item": None,
        "site": None,
    },
    "requests": {
        "supplier_id": None,
        "request_id": (
            "request_id",
            "Request ID",
            "Request No",
            "Request Number",
            "Ticket",
            "Ticket No",
            "Ticket Number",
            "Case",
            "Case Number",
            "Reference",
            "Vorgang",
            "Vorgangsnummer",
            "Meldung",
            "Meldungsnummer",
        ),
        "request_type": (
            "request_type",
            "Request Type",
            "Type",
            "Category",
            "Art",
            "Vorgangsart",
            "Meldungsart",
            "Typ",
        ),
        "date_sent": (
            "date_sent",
            "Date Sent",
            "Sent",
            "Sent On",
            "Sent Date",
            "Created",
            "Created On",
            "Opened",
            "Open Date",
            "Gesendet",
            "Gesendet am",
            "Angelegt am",
            "Erstellt am",
        ),
        "date_responded": (
            "date_responded",
            "Date Responded",
            "Responded",
            "Responded On",
            "Response Date",
            "Answered",
            "Answered On",
            "Acknowledged",
            "Beantwortet",
            "Beantwortet am",
            "Antwort am",
            "Antwortdatum",
        ),
        "date_closed": (
            "date_closed",
            "Date Closed",
            "Closed",
            "Closed On",
            "Close Date",
            "Abgeschlossen",
            "Abgeschlossen am",
            "Erledigt am",
        ),
        "date_due": (
            "date_due",
            "Date Due",
            "Due",
            "Due Date",
            "Due On",
            "Target Date",
            "Faellig",
            "Faellig am",
            "Termin",
        ),
    },
    "suppliers": {
        "supplier_id": None,
        "supplier_name": (
            "supplier_name",
            "Supplier Name",
            "Vendor Name",
            "Name",
            "Name 1",
            "Company",
            "Lieferantenname",
            "Kreditorenname",
            "Name des Lieferanten",
        ),
        "category": (
            "category",
            "Category",
            "Purchasing Category",
            "Commodity",
            "Material Group",
            "Warengruppe",
            "Kategorie",
        ),
        "country": ("country", "Country", "Country Key", "Land", "Laenderschluessel"),
        "annual_spend": (
            "annual_spend",
            "Annual Spend",
            "Spend",
            "Purchase Volume",
            "Einkaufsvolumen",
            "Jahresumsatz",
            "Umsatz",
        ),
    },
    "exclusions": {
        "table": ("table", "Table", "Record Type", "Tabelle"),
        "supplier_id": None,
        "po_id": None,
        "line_id": None,
        "lot_id": None,
        "request_id": None,
        "reason_code": ("reason_code", "Reason Code", "Reason", "Grund", "Begruendung"),
        "decided_by": ("decided_by", "Decided By", "Approved By", "Entschieden von", "Genehmigt von"),
        "decided_on": ("decided_on", "Decided On", "Approved On", "Entschieden am", "Genehmigt am"),
        "comment": ("comment", "Comment", "Comments", "Note", "Notes", "Remark", "Bemerkung", "Kommentar"),
    },
    "actions": {
        "supplier_id": None,
        "action_id": (
            "action_id",
            "Action ID",
            "Action",
            "Action No",
            "Action Number",
            "CAPA",
            "8D",
            "Reference",
            "Massnahme",
            "Massnahmennummer",
        ),
        "opened": (
            "opened",
            "Date Opened",
            "Open Date",
            "Opened On",
            "Start",
            "Start Date",
            "Eroeffnet",
            "Eroeffnet am",
        ),
        "owner": ("owner", "Owner", "Responsible", "Action Owner", "Verantwortlich"),
        "description": ("description", "Description", "Action Text", "Text", "What", "Beschreibung"),
        "due": ("due", "Due", "Due Date", "Date Due", "Target Date", "Faellig", "Faellig am"),
        "status": ("status", "Status", "State"),
        "closed": ("closed", "Date Closed", "Close Date", "Closed On", "Abgeschlossen", "Abgeschlossen am"),
        "metric": ("metric", "Metric", "Targeted Metric", "Target Metric", "KPI"),
    },
}


def _shared_spellings(column: str) -> tuple[str, ...]:
    """A column shared between tables takes its spellings from where it was first listed."""
    for table in ("deliveries", "inspections", "requests"):
        spellings = _SPELLINGS[table].get(column)
        if spellings is not None:
            return spellings
    return (column,)


#: Common header spellings per table and canonical column, best first. When two
#: headers of one file match the same column, the one earlier in the list wins.
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    table: {c: _shared_spellings(c) if spellings is None else spellings for c, spellings in cols.items()}
    for table, cols in _SPELLINGS.items()
}
for _t, _cols in HEADER_SYNONYMS.items():
    assert set(_cols) == set(ALL_TABLES[_t].names), _t


@dataclass(frozen=True)
class TableMapping:
    """How one canonical table is found in an export (see the module docstring)."""

    sheet: str | int | None = None
    header_row: int | None = None
    decimal: str | None = None
    thousands: str | None = None
    dayfirst: bool | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: with ``header_row = 0`` (no header row): the name of each column in file order ("" for a column not used)
    names: tuple[str, ...] | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    #: a header that ``columns`` names for an optional column may be absent (a preset: exports differ in
    #: their optional columns); a mapping of the user's own refuses an absent header
    absent_ok: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """A column mapping for every canonical table; ``mapping["deliveries"]`` is a :class:`TableMapping`."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    source: str | None = None

    def __getitem__(self, table: str) -> TableMapping:
        if table not in ALL_TABLES:
            raise KeyError(f"unknown table {table!r}; tables: {', '.join(ALL_TABLES)}")
        return self.tables.get(table, TableMapping())


def _fail(where: str, msg: str) -> ConfigError:
    return ConfigError(f"Mapping {where}: {msg}.")


def _table_mapping(table: str, raw: object, where: str) -> TableMapping:
    if not isinstance(raw, dict):
        raise _fail(where, f"[{table}] must be a table of keys, not {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_TABLE_KEYS))
    if unknown:
        raise _fail(where, f"unknown key {table}.{unknown[0]}; allowed keys: {', '.join(_TABLE_KEYS)}")
    schema = ALL_TABLES[table]
    kw: dict[str, Any] = {}  # TableMapping's fields, each checked below against the field's type
    if "sheet" in raw:
        if not isinstance(raw["sheet"], (str, int)) or isinstance(raw["sheet"], bool):
            raise _fail(where, f"{table}.sheet must be a sheet name (text) or a 0-based sheet number")
        kw["sheet"] = raw["sheet"]
    if "header_row" in raw:
        hr = raw["header_row"]
        if not isinstance(hr, int) or isinstance(hr, bool) or hr < 0:
            raise _fail(
                where,
                f"{table}.header_row must be a whole number from 1 (the row as Excel shows it), "
                "or 0 for a file without a header row",
            )
        kw["header_row"] = hr
    kw.update(_names(table, raw, where))
    for key, allowed in (("decimal", _DECIMALS), ("thousands", _THOUSANDS)):
        if key in raw:
            if raw[key] not in allowed:
                shown = ", ".join(repr(a) for a in allowed)
                raise _fail(where, f"{table}.{key} is {raw[key]!r}; allowed values: {shown}")
            kw[key] = raw[key]
    if kw.get("decimal") is not None and kw.get("decimal") == kw.get("thousands"):
        raise _fail(where, f"{table}.decimal and {table}.thousands must differ")
    if "dayfirst" in raw:
        if not isinstance(raw["dayfirst"], bool):
            raise _fail(where, f"{table}.dayfirst is {raw['dayfirst']!r}; allowed values: true, false")
        kw["dayfirst"] = raw["dayfirst"]
    if "encoding" in raw:
        try:
            codecs.lookup(str(raw["encoding"]))
        except LookupError:
            raise _fail(
                where,
                f"{table}.encoding {raw['encoding']!r} is not a known encoding; "
                "use e.g. 'utf-8', 'utf-16', 'cp1252' or 'latin-1'",
            ) from None
        kw["encoding"] = str(raw["encoding"])
    if "delimiter" in raw:
        d = raw["delimiter"]
        if not isinstance(d, str) or len(d) != 1:
            raise _fail(where, f"{table}.delimiter must be one character such as ',', ';', '|' or '\\t'")
        kw["delimiter"] = d
    for key in ("columns", "date_formats"):
        if key not in raw:
            continue
        sub = raw[key]
        if not isinstance(sub, dict):
            raise _fail(where, f"[{table}.{key}] must be a table of canonical name = text")
        allowed_cols = schema.names
        if key == "date_formats":
            allowed_cols = tuple(c.name for c in schema.columns if c.kind in ("date", "datetime"))
        for name, value in sub.items():
            if name not in allowed_cols:
                raise _fail(where, f"unknown column {table}.{key}.{name}; allowed: {', '.join(allowed_cols)}")
            if not isinstance(value, str) or not value.strip():
                raise _fail(where, f"{table}.{key}.{name} must be non-empty text")
        kw[key] = {k: str(v) for k, v in sub.items()}
    return TableMapping(**kw)


def _names(table: str, raw: dict, where: str) -> dict[str, Any]:
    """``names`` checked: a list of texts, no name twice, given exactly when ``header_row = 0``."""
    names = raw.get("names")
    headerless = raw.get("header_row") == 0
    if names is None:
        if headerless:
            raise _fail(
                where,
                f"{table}.header_row = 0 (no header row) needs {table}.names, the name of each column in file "
                'order, e.g. names = ["supplier_id", "po_id", "quantity_ordered"]',
            )
        return {}
    if not headerless:
        raise _fail(
            where,
            f"{table}.names is for a file without a header row; add header_row = 0 with it "
            f"(a file with a header row is mapped with [{table}.columns])",
        )
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _fail(
            where, f'{table}.names must be a list of texts, e.g. ["supplier_id", "po_id"] ("" for a column not used)'
        )
    seen: dict[str, str] = {}
    for n in names:
        key = normalise_header(n)
        if n.strip() and key in seen:
            raise _fail(
                where, f"{table}.names gives the column {n!r} twice (as {seen[key]!r} before); name each column once"
            )
        seen.setdefault(key, n)
    return {"names": tuple(n.strip() for n in names)}


def read_mapping(path_or_dict: str | Path | dict | ColumnMapping) -> ColumnMapping:
    """Read a mapping from a TOML file, a dict of the same shape, or return a :class:`ColumnMapping` as is.

    Parameters
    ----------
    path_or_dict : path of a TOML mapping file (format in the module docstring), the name of a preset
        (:data:`~supplier_analytics.ingest.presets.PRESETS`, e.g. ``"sap-mb51"``), a dict ``{"deliveries": {"columns": {...}, ...}, ...}``, or a ColumnMapping.

    Returns
    -------
    ColumnMapping

    Raises
    ------
    ConfigError
        The file cannot be read or parsed, or a table, key, column or value is
        not allowed; the message names the key and the allowed values. A name
        that is neither a file nor a preset: the message lists the presets.

    Examples
    --------
    >>> read_mapping({"requests": {"header_row": 3}})["requests"].header_row
    3
    >>> read_mapping({"orders": {}})
    Traceback (most recent call last):
    ...
    supplier_analytics.errors.ConfigError: Mapping (dict): unknown table [orders]; allowed tables: deliveries, inspections, requests, suppliers, exclusions, actions.
    """
    if isinstance(path_or_dict, ColumnMapping):
        return path_or_dict
    if isinstance(path_or_dict, dict):
        raw, where = path_or_dict, "(dict)"
    elif (
        isinstance(path_or_dict, (str, Path))
        and not Path(path_or_dict).is_file()
        and Path(path_or_dict).name.lower() in PRESETS
    ):
        # a preset by name, in any case (also as a batch job resolves it: folder/name)
        where = f"preset {Path(path_or_dict).name.lower()}"
        raw = PRESETS[Path(path_or_dict).name.lower()].raw()
    elif isinstance(path_or_dict, (str, Path)):
        name = Path(path_or_dict).name
        if not Path(path_or_dict).exists() and (is_preset_name(name.lower()) or not Path(name).suffix):
            raise preset_error(name)
        where = Path(path_or_dict).name
        raw = read_toml(path_or_dict, "Mapping file")
    else:
        raise ConfigError(
            f"A mapping must be a TOML file path, a dict or a ColumnMapping, not {type(path_or_dict).__name__}."
        )
    tables = {}
    for table, sub in raw.items():
        if table not in ALL_TABLES:
            raise _fail(where, f"unknown table [{table}]; allowed tables: {', '.join(ALL_TABLES)}")
        tables[table] = _table_mapping(table, sub, where)
        if where.startswith("preset "):
            tables[table] = replace(tables[table], absent_ok=True)
    source = where if where.startswith("preset ") else str(path_or_dict)
    return ColumnMapping(tables=tables, source=None if where == "(dict)" else source)


def __getattr__(name: str):
    if name == "Mapping":  # the old name, kept importable for a while
        import warnings

        warnings.warn(
            "supplier_analytics Mapping is now called ColumnMapping; import ColumnMapping instead "
            "(the old name will be removed).",
            DeprecationWarning,
            stacklevel=2,
        )
        return ColumnMapping
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
