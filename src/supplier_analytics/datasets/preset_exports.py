"""Sample exports in the layouts of the mapping presets (``data/sample/exports/presets/``).

One small file per preset of :data:`supplier_analytics.ingest.presets.PRESETS`, made from the sample's
records of the last three months, shaped as the ERP shows them (column names and order, ids as text,
dates and numbers as the export writes them, columns the preset does not use). :func:`preset_exports`
gives, per preset, the table frames as written and the canonical records each should read back as;
:func:`write_preset_exports` writes the files. Both are deterministic: the same sample gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.datasets.generator import SAMPLE_PARAMETERS, ProcurementData
from supplier_analytics.datasets.sample import format_sheet, save_reproducible

__all__ = ["PresetExport", "preset_exports", "write_preset_exports", "PRESET_EXPORTS_FROM"]

#: The preset exports hold the records from this date (three months to the sample's end).
PRESET_EXPORTS_FROM = pd.Timestamp("2026-07-01")

#: MB51 receipts posted by mistake, reversed (102) and posted again (101) the same day, as positions into the
#: export's receipts; they add two rows each and change nothing in what was received when.
_MB51_REPOSTED = (5, 150, 400)


@dataclass(frozen=True)
class PresetExport:
    """One preset's sample export: the file name, the frame per table as written, the expected records."""

    preset: str
    file: str
    frame: pd.DataFrame  # the export's columns and cells, as written
    expected: dict[str, pd.DataFrame]  # canonical table -> the records a read with the preset gives (mapped columns)


def _text(s: pd.Series) -> np.ndarray:
    return s.astype("string").to_numpy(dtype=object)


def _day(s: pd.Series) -> np.ndarray:
    return s.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)


def _receipts(data: ProcurementData) -> pd.DataFrame:
    d = data.deliveries
    return d[d["date_received"] >= PRESET_EXPORTS_FROM].reset_index(drop=True)


def _canon(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: like[c].dtype for c in frame.columns}).reset_index(drop=True)


def _sap_me80fn(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["po_id", "line_id", "receipt_id"]).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "Purchasing Document": _text(d["po_id"]),
            "Item": _text(d["line_id"]),
            "Supplier": _text(d["supplier_id"]),
            "Material": _text(d["item"]),
            "Plant": _text(d["site"]),
            "Order Quantity": d["quantity_ordered"].to_numpy(),
            "Order Unit": "PC",
            "Delivery Date": d["date_promised"].to_numpy(),
            "Movement Type": "101",
            "Material Document": _text(d["receipt_id"]),
            "Posting Date": d["date_received"].to_numpy(),
            "Quantity": d["quantity_received"].to_numpy(),
            "Amount in Local Currency": d["value"].to_numpy(),
            "Currency": "EUR",
        }
    )
    cols = ["supplier_id", "po_id", "line_id", "item", "site", "quantity_ordered", "date_promised"]
    cols += ["receipt_id", "date_received", "quantity_received", "value"]
    return PresetExport("sap-me80fn", "sap_me80fn.xlsx", frame, {"deliveries": _canon(d[cols], d)})


def _sap_mb51(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["date_received", "receipt_id"]).reset_index(drop=True)
    d["movement"] = "101"
    extra = []
    for k, i in enumerate(_MB51_REPOSTED):
        row = d.iloc[i]
        reversal = row.copy()
        reversal["movement"] = "102"
        reversal["quantity_received"] = -row["quantity_received"]
        reversal["value"] = -row["value"]
        reversal["receipt_id"] = f"49000000{2 * k:02d}"
        again = row.copy()
        again["receipt_id"] = f"49000000{2 * k + 1:02d}"
        extra += [reversal, again]
    d = pd.concat([d, pd.DataFrame(extra)], ignore_index=True)
    d = d.sort_values(["date_received", "receipt_id"], kind="stable").reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "Material": _text(d["item"]),
            "Material Description": ("Part " + d["item"].astype("string")).to_numpy(dtype=object),
            "Plant": _text(d["site"]),
            "Storage Location": "0001",
            "Movement Type": d["movement"].to_numpy(dtype=object),
            "Material Document": _text(d["receipt_id"]),
            "Material Document Item": "1",
            "Posting Date": d["date_received"].to_numpy(),
            "Qty in Unit of Entry": d["quantity_received"].to_numpy(),
            "Unit of Entry": "PC",
            "Amount in LC": d["value"].to_numpy(),
            "Purchase Order": _text(d["po_id"]),
            "Item": _text(d["line_id"]),
            "Supplier": _text(d["supplier_id"]),
            # the two columns MB51 does not have, added from ME2M as the preset says
            "Order Quantity": d["quantity_ordered"].to_numpy(),
            "Delivery Date": d["date_promised"].to_numpy(),
        }
    )
    cols = ["supplier_id", "po_id", "line_id", "item", "site", "receipt_id", "date_received"]
    cols += ["quantity_received", "value", "quantity_ordered", "date_promised"]
    return PresetExport("sap-mb51", "sap_mb51.xlsx", frame, {"deliveries": _canon(d[cols], data.deliveries)})


def _sap_qa32(data: ProcurementData) -> PresetExport:
    i = data.inspections
    lots = i[(i["date"] >= PRESET_EXPORTS_FROM) & i["quantity_inspected"].notna()]
    lots = lots.sort_values("lot_id").reset_index(drop=True)
    rejected = lots["quantity_defective"] > 0
    frame = pd.DataFrame(
        {
            "Inspection Lot": _text(lots["lot_id"]),
            "Plant": _text(lots["site"]),
            "Inspection Type": "01",
            "Material": _text(lots["item"]),
            "Supplier": _text(lots["supplier_id"]),
            "Lot Created On": lots["date"].to_numpy(),
            "Inspection Lot Quantity": lots["quantity_inspected"].to_numpy(),
            "Base Unit of Measure": "PC",
            "Usage Decision Code": np.where(rejected, "R", "A").astype(object),
            "Qty Posted to Unrestricted": (lots["quantity_inspected"] - lots["quantity_defective"]).to_numpy(),
            "Qty Posted to Blocked Stock": lots["quantity_defective"].to_numpy(),
        }
    )
    cols = ["supplier_id", "lot_id", "site", "item", "date", "quantity_inspected", "quantity_defective"]
    return PresetExport("sap-qa32", "sap_qa32.xlsx", frame, {"inspections": _canon(lots[cols], lots)})


def _oracle(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["date_received", "receipt_id"]).reset_index(drop=True)
    rng = np.random.default_rng([SAMPLE_PARAMETERS["seed"], 21])
    seconds = pd.to_timedelta(rng.integers(6 * 3600, 18 * 3600, len(d)), unit="s")
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    line = (d["line_id"].astype(int) // 10).astype(str) + ".1"
    frame = pd.DataFrame(
        {
            "TRANSACTION_ID": np.arange(8_812_001, 8_812_001 + len(d)).astype(str).astype(object),
            "TRANSACTION_TYPE": "RECEIVE",
            "TRANSACTION_DATE": (d["date_received"] + seconds).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object),
            "RECEIPT_NUM": _text(d["receipt_id"]),
            "VENDOR_NUM": _text(d["supplier_id"]),
            "VENDOR_NAME": names.reindex(d["supplier_id"]).to_numpy(dtype=object),
            "PO_NUMBER": _text(d["po_id"]),
            "LINE_SHIPMENT": line.to_numpy(dtype=object),
            "ITEM_NUMBER": _text(d["item"]),
            "ORGANIZATION_CODE": _text(d["site"]),
            "QUANTITY": d["quantity_received"].map(lambda v: f"{v:g}").to_numpy(dtype=object),
            "UNIT_OF_MEASURE": "Each",
            "QUANTITY_ORDERED": d["quantity_ordered"].map(lambda v: f"{v:g}").to_numpy(dtype=object),
            "NEED_BY_DATE": _day(d["date_requested"]),
            "PROMISED_DATE": _day(d["date_promised"]),
        }
    )
    exp = d.assign(line_id=line.astype("string"))
    cols = ["supplier_id", "po_id", "line_id", "item", "site", "receipt_id", "date_received"]
    cols += ["quantity_received", "quantity_ordered", "date_requested", "date_promised"]
    return PresetExport("oracle-ebs-receiving", "oracle_ebs_receiving.csv", frame, {"deliveries": _canon(exp[cols], d)})


def _d365(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["date_received", "receipt_id"]).reset_index(drop=True)
    line = d["line_id"].astype(int) // 10
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    frame = pd.DataFrame(
        {
            "Product receipt": ("PR-" + d["receipt_id"].astype("string")).to_numpy(dtype=object),
            "Date": d["date_received"].to_numpy(),
            "Purchase order": ("PO-" + d["po_id"].astype("string")).to_numpy(dtype=object),
            "Vendor account": _text(d["supplier_id"]),
            "Vendor name": names.reindex(d["supplier_id"]).to_numpy(dtype=object),
            "Item number": _text(d["item"]),
            "Product name": ("Part " + d["item"].astype("string")).to_numpy(dtype=object),
            "Line number": line.astype(float).to_numpy(),
            "Ordered quantity": d["quantity_ordered"].to_numpy(),
            "Received quantity": d["quantity_received"].to_numpy(),
            "Unit": "ea",
            "Requested receipt date": d["date_requested"].to_numpy(),
            "Confirmed receipt date": d["date_promised"].to_numpy(),
            "Site": _text(d["site"]),
            "Warehouse": (d["site"].astype("string") + "-WH").to_numpy(dtype=object),
        }
    )
    exp = d.assign(
        receipt_id="PR-" + d["receipt_id"].astype("string"),
        po_id="PO-" + d["po_id"].astype("string"),
        line_id=line.astype(str).astype("string"),
    )
    cols = ["receipt_id", "date_received", "po_id", "supplier_id", "item", "line_id", "quantity_ordered"]
    cols += ["quantity_received", "date_requested", "date_promised", "site"]
    return PresetExport(
        "d365-product-receipts", "d365_product_receipts.xlsx", frame, {"deliveries": _canon(exp[cols], d)}
    )


def _odoo(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["date_received", "receipt_id"]).reset_index(drop=True)
    rng = np.random.default_rng([SAMPLE_PARAMETERS["seed"], 22])
    seconds = pd.to_timedelta(rng.integers(7 * 3600, 17 * 3600, len(d)), unit="s")
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    po = "P" + (d["po_id"].astype("int64") - 4_500_000_000).map(lambda v: f"{v:05d}")
    line_key = d.groupby(["po_id", "line_id"], sort=True).ngroup() + 101
    product = "[" + d["item"].astype(str) + "] Part " + d["item"].astype(str)
    received_before = d.groupby(["po_id", "line_id"])["quantity_received"].cumsum() - d["quantity_received"]
    frame = pd.DataFrame(
        {
            "Reference": [f"WH/IN/{k:05d}" for k in range(1, len(d) + 1)],
            "Source Document": po.to_numpy(dtype=object),
            "Transfer/Contact": names.reindex(d["supplier_id"]).to_numpy(dtype=object),
            "Product": product.to_numpy(dtype=object),
            "Purchase Order Line/ID": [f"__export__.purchase_order_line_{k}" for k in line_key],
            "Purchase Order Line/Quantity": d["quantity_ordered"].map(lambda v: f"{v:.2f}").to_numpy(dtype=object),
            "Demand": (d["quantity_ordered"] - received_before)
            .clip(lower=d["quantity_received"])
            .map(lambda v: f"{v:.2f}"),
            "Quantity": d["quantity_received"].map(lambda v: f"{v:.2f}").to_numpy(dtype=object),
            "Deadline": (d["date_promised"] + pd.Timedelta(hours=10))
            .dt.strftime("%Y-%m-%d %H:%M:%S")
            .to_numpy(dtype=object),
            "Date Scheduled": (d["date_received"] + seconds).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object),
            "Status": "Done",
        }
    )
    exp = d.assign(
        receipt_id=frame["Reference"].astype("string"),
        po_id=po.astype("string"),
        supplier_id=names.reindex(d["supplier_id"]).astype("string").to_numpy(),
        item=product.astype("string"),
        line_id=pd.Series([f"__export__.purchase_order_line_{k}" for k in line_key], dtype="string"),
    )
    cols = ["receipt_id", "po_id", "supplier_id", "item", "line_id", "quantity_ordered", "quantity_received"]
    cols += ["date_promised", "date_received"]
    return PresetExport("odoo-stock-moves", "odoo_stock_moves.csv", frame, {"deliveries": _canon(exp[cols], d)})


def _erpnext(data: ProcurementData) -> PresetExport:
    d = _receipts(data).sort_values(["date_received", "receipt_id"]).reset_index(drop=True)
    rng = np.random.default_rng([SAMPLE_PARAMETERS["seed"], 23])
    share = np.where(rng.random(len(d)) < 0.06, rng.uniform(0.01, 0.1, len(d)), 0.0)
    rejected = np.ceil(d["quantity_received"].to_numpy() * share)
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    ids = pd.Series([f"MAT-PRE-2026-{k:05d}" for k in range(1, len(d) + 1)], dtype="string")
    supplier = names.reindex(d["supplier_id"]).astype("string").reset_index(drop=True)
    po = "PUR-ORD-2026-" + (d["po_id"].astype("int64") - 4_500_000_000).map(lambda v: f"{v:05d}")
    warehouse = "Stores - " + d["site"].astype(str)
    received = d["quantity_received"].to_numpy()
    frame = pd.DataFrame(
        {
            "ID": ids.to_numpy(dtype=object),
            "Supplier": supplier.to_numpy(dtype=object),
            "Posting Date": _day(d["date_received"]),
            "Item Code (Purchase Receipt Item)": _text(d["item"]),
            "Purchase Order (Purchase Receipt Item)": po.to_numpy(dtype=object),
            "Received Quantity (Purchase Receipt Item)": [f"{v:g}" for v in received],
            "Accepted Quantity (Purchase Receipt Item)": [f"{v:g}" for v in received - rejected],
            "Rejected Quantity (Purchase Receipt Item)": [f"{v:g}" for v in rejected],
            "Required By (Purchase Receipt Item)": _day(d["date_promised"]),
            "Accepted Warehouse (Purchase Receipt Item)": warehouse.to_numpy(dtype=object),
            # the column a purchase receipt does not have, added from the Purchase Order Analysis report
            "Ordered Quantity": [f"{v:g}" for v in d["quantity_ordered"]],
        }
    )
    deliveries = d.assign(
        receipt_id=ids, supplier_id=supplier, po_id=po.astype("string"), site=warehouse.astype("string")
    )
    cols = ["receipt_id", "supplier_id", "date_received", "item", "po_id", "quantity_received", "date_promised"]
    cols += ["site", "quantity_ordered"]
    inspections = pd.DataFrame(
        {
            "supplier_id": supplier,
            "date": d["date_received"],
            "item": d["item"],
            "site": warehouse.astype("string"),
            "quantity_inspected": received,
            "quantity_defective": rejected,
        }
    )
    expected = {"deliveries": _canon(deliveries[cols], d), "inspections": inspections}
    return PresetExport("erpnext-purchase-receipts", "erpnext_purchase_receipts.csv", frame, expected)


_MAKERS = (_sap_me80fn, _sap_mb51, _sap_qa32, _oracle, _d365, _odoo, _erpnext)


def preset_exports(data: ProcurementData) -> dict[str, PresetExport]:
    """Per preset name, its sample export (made from ``data``, the sample's records)."""
    return {e.preset: e for e in (make(data) for make in _MAKERS)}


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    cells = []
    for c in frame.columns:
        s = frame[c]
        if s.dtype.kind == "M":
            cells.append(s.dt.to_pydatetime().astype(object))
        elif s.dtype.kind == "f":
            cells.append([float(v) for v in s.to_numpy()])
        else:
            cells.append(s.astype(object).to_numpy())
    for row in zip(*cells):
        ws.append(list(row))
    for j, c in enumerate(frame.columns, start=1):
        if frame[c].dtype.kind == "M":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "dd.mm.yyyy" if sheet == "Sheet1" else "m/d/yyyy"
    format_sheet(ws, 1, [max(10, len(str(c)) + 3) for c in frame.columns])
    save_reproducible(wb, path)


def write_preset_exports(data: ProcurementData, directory: str | Path) -> dict[str, int]:
    """Write every preset's sample export into ``directory``; returns the rows written per file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for export in preset_exports(data).values():
        path = directory / export.file
        if path.suffix == ".xlsx":
            sheet = "Product receipt lines" if export.preset.startswith("d365") else "Sheet1"
            _write_xlsx(export.frame, path, sheet)
        else:
            export.frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        written[export.file] = len(export.frame)
    return written
