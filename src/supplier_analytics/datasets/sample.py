"""The sample bundled in ``data/sample/``: :func:`write_sample` and :func:`write_broken_copy`.

The sample folder holds the canonical CSV files, the truth, Excel exports shaped like a real SAP
goods-receipt list and an English ERP export, their mapping files and a README, all determined by
:data:`~supplier_analytics.datasets.SAMPLE_PARAMETERS`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.datasets.chunk import DEFECT_CODES
from supplier_analytics.datasets.files import TableWriter
from supplier_analytics.datasets.generator import SAMPLE_PARAMETERS, ProcurementData, make_procurement_data
from supplier_analytics.datasets.plan import SITES, TRUTH_COLUMNS
from supplier_analytics.schema import TABLES

__all__ = ["write_sample", "write_broken_copy", "BROKEN_CELLS", "SAP_COLUMNS", "ERP_SHEETS"]


# --------------------------------------------------------------------------- data/sample writers

_SAMPLE_STAMP = dt.datetime(2026, 10, 1, 6, 0, 0)  # "exported on": fixed so regenerated files are identical
_SAP_FROM = pd.Timestamp("2026-04-01")  # the SAP export covers the last six months
_ERP_FROM = pd.Timestamp("2025-10-01")  # the ERP export covers the last twelve months

#: Source header of each canonical column in the SAP goods-receipt export.
SAP_COLUMNS = {
    "supplier_id": "Lieferant",
    "po_id": "Einkaufsbeleg",
    "line_id": "Position",
    "item": "Material",
    "site": "Werk",
    "quantity_ordered": "Bestellmenge",
    "quantity_received": "Menge im WE",
    "date_ordered": "Bestelldatum",
    "date_promised": "Liefertermin",
    "date_received": "WE-Datum",
    "receipt_id": "Materialbeleg",
    "value": "Betrag",
}
_SAP_HEADER = [
    "Lieferant",
    "Name 1",
    "Einkaufsbeleg",
    "Position",
    "Material",
    "Werk",
    "Bestellmenge",
    "Menge im WE",
    "ME",
    "Bestelldatum",
    "Liefertermin",
    "WE-Datum",
    "Buchungsdatum",
    "Materialbeleg",
    "Betrag",
    "Währung",
]
_SAP_HEADER_ROW = 5

#: Sheet and source header of each canonical column in the English ERP export.
ERP_SHEETS = {
    "deliveries": (
        "Receipts",
        {
            "supplier_id": "Vendor",
            "po_id": "Purchase Order",
            "line_id": "Line",
            "item": "Product",
            "quantity_ordered": "Ordered Qty",
            "quantity_received": "Received Qty",
            "date_ordered": "Order Date",
            "date_requested": "Requested Date",
            "date_promised": "Promised Date",
            "date_received": "Receipt Date",
            "value": "Amount",
            "site": "Warehouse",
            "receipt_id": "Receipt",
        },
    ),
    "inspections": (
        "Quality",
        {
            "supplier_id": "Vendor",
            "date": "Inspection Date",
            "lot_id": "Lot",
            "item": "Product",
            "site": "Warehouse",
            "quantity_inspected": "Inspected Qty",
            "quantity_defective": "Defective Qty",
            "defect_code": "Defect Code",
            "downtime_minutes": "Downtime (min)",
        },
    ),
    "requests": (
        "Requests",
        {
            "supplier_id": "Vendor",
            "request_id": "Ticket",
            "request_type": "Type",
            "date_sent": "Sent",
            "date_responded": "Responded",
            "date_closed": "Closed",
            "date_due": "Due",
        },
    ),
    "suppliers": (
        "Vendors",
        {
            "supplier_id": "Vendor",
            "supplier_name": "Name",
            "category": "Category",
            "country": "Country",
            "annual_spend": "Annual Spend",
        },
    ),
}


def _german_number(values: np.ndarray, decimals: int) -> np.ndarray:
    """1234.5 -> "1.234,500" (thousands points, decimal comma), as an SAP list shows it."""
    return np.array([f"{v:,.{decimals}f}".translate(str.maketrans(",.", ".,")) for v in values], dtype=object)


def _german_date(values: pd.Series) -> np.ndarray:
    return values.dt.strftime("%d.%m.%Y").to_numpy(dtype=object)


def save_reproducible(wb, path: Path) -> None:
    """Save ``wb`` so that the same content gives the same bytes (fixed timestamps inside the zip)."""
    import io
    import zipfile

    wb.properties.created = _SAMPLE_STAMP
    wb.properties.modified = _SAMPLE_STAMP
    wb.properties.creator = "supplier-analytics sample"
    stamp = _SAMPLE_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_SAMPLE_STAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            dst.writestr(fixed, content)


def format_sheet(ws, header_row: int, widths: list[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def _write_sap_export(data: ProcurementData, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    d = data.deliveries[data.deliveries["date_received"] >= _SAP_FROM].sort_values("receipt_id")
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    rng = np.random.default_rng([SAMPLE_PARAMETERS["seed"], 10])
    posting = d["date_received"] + pd.to_timedelta(rng.choice(4, len(d), p=[0.85, 0.12, 0.02, 0.01]), unit="D")
    columns = [
        d["supplier_id"].to_numpy(dtype=object),
        names.reindex(d["supplier_id"]).to_numpy(dtype=object),
        d["po_id"].to_numpy(dtype=object),
        d["line_id"].to_numpy(dtype=object),
        d["item"].to_numpy(dtype=object),
        d["site"].to_numpy(dtype=object),
        _german_number(d["quantity_ordered"].to_numpy(), 3),
        _german_number(d["quantity_received"].to_numpy(), 3),
        np.full(len(d), "ST", dtype=object),
        _german_date(d["date_ordered"]),
        _german_date(d["date_promised"]),
        _german_date(d["date_received"]),
        _german_date(posting),
        d["receipt_id"].to_numpy(dtype=object),
        _german_number(d["value"].to_numpy(), 2),
        np.full(len(d), "EUR", dtype=object),
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    ws.append(["Materialbelegliste - Wareneingänge zur Bestellung (Bewegungsart 101)"])
    ws.append([f"Selektion: Werk {', '.join(SITES)}; Buchungsdatum {_SAP_FROM:%d.%m.%Y} bis 30.09.2026"])
    ws.append([f"Erstellt am {_SAMPLE_STAMP:%d.%m.%Y %H:%M} von EINKAUF01"])
    ws.append([])
    ws.append(_SAP_HEADER)
    for row in zip(*columns):
        ws.append(list(row))
    totals: list[str | None] = [None] * len(_SAP_HEADER)
    totals[0] = "Summe"
    totals[_SAP_HEADER.index("Bestellmenge")] = _german_number(np.array([d["quantity_ordered"].sum()]), 3)[0]
    totals[_SAP_HEADER.index("Menge im WE")] = _german_number(np.array([d["quantity_received"].sum()]), 3)[0]
    totals[_SAP_HEADER.index("Betrag")] = _german_number(np.array([d["value"].sum()]), 2)[0]
    ws.append(totals)
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    format_sheet(ws, _SAP_HEADER_ROW, [10, 34, 13, 9, 10, 7, 14, 14, 5, 12, 12, 12, 13, 13, 14, 8])
    save_reproducible(wb, path)
    return len(d)


def _write_erp_export(data: ProcurementData, path: Path) -> dict[str, int]:
    from openpyxl import Workbook

    frames = {
        "deliveries": data.deliveries[data.deliveries["date_received"] >= _ERP_FROM],
        "inspections": data.inspections[data.inspections["date"] >= _ERP_FROM],
        "requests": data.requests[data.requests["date_sent"] >= _ERP_FROM],
        "suppliers": data.suppliers,
    }
    wb = Workbook()
    wb.remove(wb.active)
    written = {}
    for table, (sheet, columns) in ERP_SHEETS.items():
        frame = frames[table]
        kinds = {c.name: c.kind for c in TABLES[table].columns}
        ws = wb.create_sheet(sheet)
        ws.append(list(columns.values()))
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(columns)).column_letter}{len(frame) + 1}"
        cells = []
        formats: list[str | None] = []
        for canonical in columns:
            s = frame[canonical]
            if kinds[canonical] == "date":
                values = np.where(s.isna().to_numpy(), None, s.dt.to_pydatetime().astype(object))
                formats.append("mm/dd/yyyy")
            elif kinds[canonical] == "datetime":
                values = np.where(s.isna().to_numpy(), None, s.dt.to_pydatetime().astype(object))
                formats.append("mm/dd/yyyy hh:mm")
            elif canonical == "line_id":  # line numbers come out of the ERP as numbers
                values = s.astype("int64").to_numpy(dtype=object)
                formats.append(None)
            else:
                values = np.where(s.isna().to_numpy(), None, s.astype(object).to_numpy())
                formats.append("#,##0.00" if canonical in ("value", "annual_spend") else None)
            cells.append(values)
        for row in zip(*cells):
            ws.append(list(row))
        for col, fmt in enumerate(formats, start=1):
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = fmt
        format_sheet(
            ws, 1, [max(10, len(h) + 4) if kinds[c] not in ("date", "datetime") else 17 for c, h in columns.items()]
        )
        written[table] = len(frame)
    save_reproducible(wb, path)
    return written


def _sap_mapping() -> str:
    lines = [
        "# Mapping of the SAP goods-receipt list (exports/sap_goods_receipts.xlsx) to the canonical",
        "# deliveries table. Three title rows and a blank row stand above the header; numbers are",
        "# text with decimal commas and thousands points; dates are dd.mm.yyyy text; the last row",
        '# is a totals row ("Summe"). "Buchungsdatum" (posting date) is deliberately not used:',
        '# the goods-receipt date "WE-Datum" is when the goods arrived.',
        "",
        "[deliveries]",
        'sheet = "Tabelle1"',
        f"header_row = {_SAP_HEADER_ROW}",
        'decimal = ","',
        'thousands = "."',
        "dayfirst = true",
        "",
        "[deliveries.columns]",
        *(f'{canonical} = "{source}"' for canonical, source in SAP_COLUMNS.items()),
        "",
        "[deliveries.date_formats]",
        'date_ordered = "%d.%m.%Y"',
        'date_promised = "%d.%m.%Y"',
        'date_received = "%d.%m.%Y"',
        "",
    ]
    return "\n".join(lines)


def _erp_mapping() -> str:
    lines = [
        "# Mapping of the English ERP export (exports/erp_export_en.xlsx) to the canonical tables:",
        "# one table per sheet, header in the first row, real Excel date and datetime cells.",
    ]
    for table, (sheet, columns) in ERP_SHEETS.items():
        lines += ["", f"[{table}]", f'sheet = "{sheet}"', "header_row = 1", "", f"[{table}.columns]"]
        lines += [f'{canonical} = "{source}"' for canonical, source in columns.items()]
    return "\n".join(lines) + "\n"


def write_sample(directory: str | Path) -> Path:
    """(Re)create the sample folder: canonical CSVs, truth, Excel exports, mappings and README.

    The content is fully determined by :data:`SAMPLE_PARAMETERS`, so running this again
    gives identical files. Other files in the folder (such as ``scoring.toml``) are left alone.

    Parameters
    ----------
    directory : the folder to write, ``data/sample`` in the repository.

    Returns
    -------
    pathlib.Path
        The folder, holding ``deliveries.csv``, ``inspections.csv``, ``requests.csv``,
        ``suppliers.csv``, ``exclusions.csv``, ``truth.csv``, ``exports/sap_goods_receipts.xlsx``,
        ``exports/erp_export_en.xlsx``, ``mappings/sap_goods_receipts.toml``,
        ``mappings/erp_export_en.toml`` and ``README.md``.

    Examples
    --------
    Regenerate the repository's sample (about 3 seconds; the test suite checks that the
    committed files are what this writes):

    >>> write_sample("data/sample")  # doctest: +SKIP
    PosixPath('data/sample')
    """
    directory = Path(directory)
    (directory / "exports").mkdir(parents=True, exist_ok=True)
    (directory / "mappings").mkdir(parents=True, exist_ok=True)
    data = make_procurement_data(**SAMPLE_PARAMETERS)
    for name, frame in {**data.tables, "truth": data.truth}.items():
        writer = TableWriter(directory / f"{name}.csv", name, "csv")
        writer.write(frame)
        writer.close()
    sap_rows = _write_sap_export(data, directory / "exports" / "sap_goods_receipts.xlsx")
    erp_rows = _write_erp_export(data, directory / "exports" / "erp_export_en.xlsx")
    (directory / "mappings" / "sap_goods_receipts.toml").write_text(_sap_mapping(), encoding="utf-8")
    (directory / "mappings" / "erp_export_en.toml").write_text(_erp_mapping(), encoding="utf-8")
    from supplier_analytics.datasets.preset_exports import write_preset_exports  # it imports this module

    preset_rows = write_preset_exports(data, directory / "exports" / "presets")
    readme = _sample_readme(data, sap_rows, erp_rows) + _presets_readme(preset_rows)
    (directory / "README.md").write_text(readme, encoding="utf-8")
    return directory


_TRUTH_DOC = {
    "supplier_id": "Supplier (vendor) number.",
    "n_deliveries": "Delivery rows of the supplier in `deliveries.csv`.",
    "volume_share": "Share of all delivery rows.",
    "low_volume": "True when the supplier has fewer than 10 delivery rows.",
    "base_on_time_prob": "Probability that a line's first receipt arrives 0 to 3 days before the promised "
    "date, before any trend (October to December the odds of a miss are 1.5 times higher).",
    "base_defect_rate": "Expected defective fraction of inspected quantity, before any trend.",
    "base_response_hours": "Median hours to answer a request (times a factor per request type).",
    "trend": "`stable`, `improving` or `deteriorating`.",
    "trend_size": "Change of the on-time probability from the trend's start to the last day (signed).",
    "trend_defect_factor": "Defect rate on the last day divided by the base rate (1 when stable).",
    "trend_start": "First day of the month in which the trend starts (empty when stable).",
    "variation_sd": "Month-to-month variation: standard deviation, on the logit, of each month's deviation "
    "of the supplier's on-time, in-full and defect probabilities and of the log of its response times "
    "(0: none). The rates above are the median months.",
    "variation_phi": "Share of a month's deviation carried into the next (AR(1) coefficient).",
    "seasonality": "Amplitude, on the logit, of the yearly season common to all suppliers, worst around "
    "the turn of the year (0: none).",
}


def _variation_bullet(p) -> str:
    sd, phi, season = p.get("variation_sd", 0.0), p.get("variation_phi", 0.5), p.get("seasonality", 0.0)
    if not sd and not season:
        return "- No month-to-month variation (`variation_sd=0`): every month is drawn from the same rates."
    text = (
        f"- Month-to-month variation (`variation_sd={sd}`, `variation_phi={phi}`): every month each "
        "supplier's on-time, in-full and defect probabilities are moved on the logit, and its response "
        "times on the log, by its own deviation for that metric, an AR(1) series (a good month tends to "
        "be followed by another), so monthly rates scatter more than sampling alone would make them"
    )
    if season:
        text += f"; a yearly season of amplitude {season} makes December and January worse, June and July better"
    return text + "."


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return out


def _sample_readme(data: ProcurementData, sap_rows: int, erp_rows: dict[str, int]) -> str:
    p = SAMPLE_PARAMETERS
    t = data.truth
    lines = [
        "# Sample data",
        "",
        "A small, synthetic but realistic procurement data set: "
        f"{p['n_suppliers']} suppliers, {p['n_deliveries']:,} delivery rows, {p['months']} months "
        f"from {p['start']} to 2026-09-30. It is what `make demo` scores, what the notebooks use and "
        "what the tests of later stages check their findings against (`truth.csv`).",
        "",
        "**Generated, do not edit by hand.** Every file except `scoring.toml` is written by",
        "",
        "```",
        "python -c \"from supplier_analytics.datasets import write_sample; write_sample('data/sample')\"",
        "```",
        "",
        "which calls `make_procurement_data(" + ", ".join(f"{k}={v!r}" for k, v in p.items()) + ")` "
        "and is deterministic: running it again gives identical files. Load the canonical tables with "
        "`supplier_analytics.datasets.load_sample('data/sample')` (from a notebook: `'../data/sample'`).",
        "",
        "## Files",
        "",
    ]
    lines += _md_table(
        ["file", "rows", "what it is"],
        [
            ["`deliveries.csv`", len(data.deliveries), "canonical deliveries: one row per goods receipt"],
            ["`inspections.csv`", len(data.inspections), "canonical inspections: inspected lots and quality incidents"],
            [
                "`requests.csv`",
                len(data.requests),
                "canonical requests: RFQs, complaints, corrective actions, expedites, inquiries",
            ],
            ["`suppliers.csv`", len(data.suppliers), "canonical supplier master"],
            ["`exclusions.csv`", len(data.exclusions), "canonical exclusions: records excused from scoring"],
            ["`truth.csv`", len(data.truth), "the parameters each supplier's data were drawn from (not an input)"],
            ["`exports/sap_goods_receipts.xlsx`", sap_rows, "SAP-style goods-receipt list, last 6 months"],
            [
                "`exports/erp_export_en.xlsx`",
                ", ".join(f"{ERP_SHEETS[k][0]} {v}" for k, v in erp_rows.items()),
                "English ERP export, last 12 months, one sheet per table",
            ],
            ["`mappings/sap_goods_receipts.toml`", None, "mapping of the SAP export to `deliveries`"],
            ["`mappings/erp_export_en.toml`", None, "mapping of the ERP export, one table per sheet"],
            ["`scoring.toml`", None, "the scoring configuration used by `make demo` (maintained by hand)"],
        ],
    )
    lines += [
        "",
        "The CSV files are UTF-8 with a header row of canonical column names, ISO dates (`YYYY-MM-DD`; "
        "request times `YYYY-MM-DD HH:MM:SS`) and empty cells for missing values.",
        "",
        "## Canonical columns",
        "",
        "Dtypes are those of `supplier_analytics.schema.TABLES`; required columns are never empty.",
    ]
    for name, schema in TABLES.items():
        lines += ["", f"### {name}.csv", "", schema.description, ""]
        lines += _md_table(
            ["column", "dtype", "required", "meaning"],
            [[f"`{c.name}`", c.dtype, "yes" if c.required else "", c.description] for c in schema.columns],
        )
    lines += [
        "",
        "### truth.csv",
        "",
    ]
    lines += _md_table(["column", "dtype", "meaning"], [[f"`{c}`", d, _TRUTH_DOC[c]] for c, d in TRUTH_COLUMNS.items()])
    lines += [
        "",
        "## What is in the data",
        "",
        "- Volumes are skewed (log-normal shares). Purchase orders have one or more lines (`line_id` "
        "10, 20, ...); about 10% of receipts continue an order line, so a line can have two or three "
        "receipts with their own `receipt_id` (split and partial deliveries). About 3% of lines are "
        "short and 1.5% over-delivered; 20% of split lines stay partly open.",
        "- Receipts are rare on weekends, fewer in August and from 22 December. Lateness rises in "
        "October to December. A line's first receipt is on time (0-3 days early) with the supplier's "
        "on-time probability; otherwise it is late with a long right tail, or more than 3 days early.",
        "- `date_requested` is the promised date or up to a week before it; `date_ordered` is a "
        "log-normal lead time before it, shared by all lines of a purchase order.",
        "- Inspections: most lots have no defectives; nonconforming lots carry a defect code and "
        "sometimes downtime. Rows with an empty `quantity_inspected` are quality incidents reported "
        "from the line (lot numbers starting with `20`). Defect codes, most frequent first: "
        + ", ".join(f"`{k}` {v}" for k, v in DEFECT_CODES.items())
        + ".",
        "- Requests have log-normal response times; expedites are answered fastest, corrective "
        "actions slowest. Complaints (due in 7 days) and corrective actions (due in 30 days) are "
        "closed some days after the answer, some late; requests still unanswered on 2026-09-30 have "
        "an empty `date_responded`, a few of them long overdue.",
        _variation_bullet(p),
        "- Exclusions refer to real records: `BUYER_DATE_CHANGE` (one late line), `FORCE_MAJEURE` "
        "(every line of a late order, `line_id` empty), `CUSTOMER_CAUSED` (a rejected lot) and "
        "`REQUEST_WITHDRAWN` (an open request).",
        "",
        "## Known trends",
        "",
        "From the trend's start to 2026-09-30 the on-time probability moves linearly by `trend_size`, "
        "the defect rate by the factor `trend_defect_factor` and response times halve (improving) or "
        "double (deteriorating). All other suppliers are stable.",
        "",
    ]
    trends = t[t["trend"] != "stable"].sort_values(["trend", "supplier_id"])
    names = data.suppliers.set_index("supplier_id")["supplier_name"]
    lines += _md_table(
        ["supplier", "name", "trend", "rows", "on-time prob. before", "after", "defect factor", "from"],
        [
            [
                r.supplier_id,
                names[r.supplier_id],
                r.trend,
                r.n_deliveries,
                f"{r.base_on_time_prob:.2f}",
                f"{r.base_on_time_prob + r.trend_size:.2f}",
                f"{r.trend_defect_factor:.2f}",
                f"{r.trend_start:%Y-%m}",
            ]
            for r in trends.itertuples()
        ],
    )
    low = t[t["low_volume"]].sort_values("supplier_id")
    lines += [
        "",
        "## Low-volume suppliers",
        "",
        "Fewer than 10 delivery rows in two years: too little evidence for a confident grade.",
        "",
    ]
    lines += _md_table(
        ["supplier", "name", "rows"], [[r.supplier_id, names[r.supplier_id], r.n_deliveries] for r in low.itertuples()]
    )
    lines += [
        "",
        "## exports/sap_goods_receipts.xlsx",
        "",
        f"Goods receipts with a receipt date from {_SAP_FROM:%Y-%m-%d} (sheet `Tabelle1`), shaped like an SAP "
        f"list exported to Excel: three title rows (report name, selection, creation date) and a blank "
        f"row above the header in row {_SAP_HEADER_ROW}, all values as text, dates as `dd.mm.yyyy`, "
        "quantities and amounts with decimal commas and thousands points (`1.234,000`), and a totals "
        "row `Summe` at the bottom. The same records as `deliveries.csv`.",
        "",
    ]
    sap_rows_doc = {v: k for k, v in SAP_COLUMNS.items()}
    extra = {
        "Name 1": "supplier name (not mapped; the master has it)",
        "ME": "unit of measure (ST = pieces)",
        "Buchungsdatum": "posting date, 0-3 days after the receipt (not mapped: use the receipt date)",
        "Währung": "currency (EUR)",
    }
    lines += _md_table(
        ["source header", "canonical column"],
        [[f"`{h}`", f"`{sap_rows_doc[h]}`" if h in sap_rows_doc else extra[h]] for h in _SAP_HEADER],
    )
    lines += [
        "",
        "## exports/erp_export_en.xlsx",
        "",
        f"An English ERP export (Odoo, Dynamics or ERPNext style) of the records from {_ERP_FROM:%Y-%m-%d}: "
        "one sheet per table, header in row 1, real Excel date cells (datetimes for requests), "
        "line numbers as numbers, an empty `Inspected Qty` for quality incidents.",
    ]
    for table, (sheet, columns) in ERP_SHEETS.items():
        lines += ["", f"Sheet `{sheet}` -> `{table}`:", ""]
        lines += _md_table(["source header", "canonical column"], [[f"`{s}`", f"`{c}`"] for c, s in columns.items()])
    lines += [
        "",
        "## mappings/",
        "",
        "TOML files in the format `read_table(..., mapping=...)` and `supplier-analytics validate "
        "--mapping` take: one table per canonical table with optional `sheet`, `header_row` (1-based, "
        "as Excel shows it), `decimal`, `thousands`, `dayfirst`, a `columns` sub-table "
        "(canonical name = source header) and a `date_formats` sub-table (canonical name = strptime "
        "format). For example:",
        "",
        "```",
        "supplier-analytics validate --deliveries data/sample/exports/sap_goods_receipts.xlsx \\",
        "    --mapping data/sample/mappings/sap_goods_receipts.toml",
        "```",
        "",
    ]
    return "\n".join(lines)


def _presets_readme(rows: dict[str, int]) -> str:
    from supplier_analytics.ingest.presets import PRESETS

    lines = [
        "",
        "## exports/presets/",
        "",
        "The records from 2026-07-01 in the layouts of the mapping presets (`supplier-analytics mappings` lists "
        "them), one file per preset, each read with `--mapping NAME`, e.g. `supplier-analytics validate "
        "--deliveries data/sample/exports/presets/sap_mb51.xlsx --mapping sap-mb51`. The preset's comments "
        "(`supplier-analytics mappings NAME`) say which columns the export holds and what it cannot say.",
        "",
    ]
    table = []
    for file, n in rows.items():
        name = file.rsplit(".", 1)[0].replace("_", "-")  # the file is named after its preset
        assert name in PRESETS, name
        table.append([f"`{file}`", f"`{name}`", PRESETS[name].system + " " + PRESETS[name].report, n])
    lines += _md_table(["file", "preset", "export", "rows"], table)
    lines += [""]
    return "\n".join(lines)


#: Problems planted by :func:`write_broken_copy`: (data row offset, SAP header, new cell value, what is wrong).
BROKEN_CELLS = (
    (0, "Bestellmenge", "zwölf", "text in a number column"),
    (1, "Liefertermin", "31.02.2026", "a date that does not exist"),
    (2, "Lieferant", None, "a required value missing"),
    (3, "Menge im WE", "1.234,5x", "a number with stray characters"),
    (4, "Bestellmenge", "-5,000", "a negative ordered quantity"),
    (5, "WE-Datum", "01.01.1850", "a date out of range"),
    (6, "WE-Datum", "01.01.2000", "received before it was ordered"),
)


def write_broken_copy(src: str | Path, dst: str | Path, *, header_row: int = 5) -> pd.DataFrame:
    """Copy the sample SAP goods-receipt export with known problems planted in it.

    For demonstrating and testing validation: :data:`BROKEN_CELLS` lists each
    problem; the seven data rows after the header get one each, and the eighth
    row is written a second time at the end of the data (an exact duplicate).

    Parameters
    ----------
    src : the sample export (``data/sample/exports/sap_goods_receipts.xlsx``).
    dst : where to write the broken copy (a new .xlsx).
    header_row : the row of the header in ``src`` (1-based, as Excel shows it).

    Returns
    -------
    DataFrame
        One row per planted problem: ``row`` (as Excel shows it), ``column``
        (the source header), ``value`` written and ``problem``.
    """
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    header = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    planted = []
    for offset, column, value, problem in BROKEN_CELLS:
        row = header_row + 1 + offset
        ws.cell(row, header[column]).value = value
        planted.append({"row": row, "column": column, "value": value, "problem": problem})
    # The duplicate goes just above the totals row ("Summe"), which stays last.
    last = ws.max_row
    if str(ws.cell(last, 1).value or "").strip().lower() not in ("summe", "total"):
        last += 1
    dup_source = header_row + 1 + len(BROKEN_CELLS)
    ws.insert_rows(last)
    for c in range(1, ws.max_column + 1):
        ws.cell(last, c).value = ws.cell(dup_source, c).value
    planted.append({"row": last, "column": None, "value": None, "problem": f"an exact duplicate of row {dup_source}"})
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return pd.DataFrame(planted, columns=["row", "column", "value", "problem"])
