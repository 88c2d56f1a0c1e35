"""The sample data as an ERP database holds it: order header and order lines apart, as in a normalised schema.

The supplier and the order date sit on the order header, the dates and quantities on the lines; the
supplier master and the service requests are tables of their own. :data:`DELIVERIES_QUERY` joins them
back into the deliveries table. The same DDL (standard SQL) serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

DDL = (
    "CREATE TABLE order_header (po_number TEXT PRIMARY KEY, vendor TEXT NOT NULL, order_date DATE NOT NULL)",
    "CREATE TABLE order_lines (line_key INTEGER PRIMARY KEY, po_number TEXT NOT NULL REFERENCES order_header, "
    "line_no INTEGER, material TEXT, qty_ordered NUMERIC(14, 3), qty_received NUMERIC(14, 3), requested DATE, "
    "promised DATE, received DATE, net_value NUMERIC(14, 2), plant TEXT, receipt_no TEXT)",
    "CREATE TABLE vendors (vendor TEXT PRIMARY KEY, vendor_name TEXT, category TEXT, country TEXT, "
    "annual_spend NUMERIC(14, 2))",
    "CREATE TABLE service_requests (request_key INTEGER PRIMARY KEY, request_no TEXT, vendor TEXT, kind TEXT, "
    "sent TIMESTAMP, answered TIMESTAMP, closed TIMESTAMP, due TIMESTAMP)",
)

#: The deliveries table from header and lines (line_key keeps the export's order: result row N is CSV record N).
DELIVERIES_QUERY = """
SELECT h.vendor AS supplier_id, l.po_number AS po_id, l.line_no AS line_id, l.material AS item,
       l.qty_ordered AS quantity_ordered, l.qty_received AS quantity_received, h.order_date AS date_ordered,
       l.requested AS date_requested, l.promised AS date_promised, l.received AS date_received,
       l.net_value AS value, l.plant AS site, l.receipt_no AS receipt_id
FROM order_lines l
JOIN order_header h ON h.po_number = l.po_number
ORDER BY l.line_key
"""
SUPPLIERS_QUERY = (
    "SELECT vendor AS supplier_id, vendor_name AS supplier_name, category, country, annual_spend FROM vendors "
    "ORDER BY vendor"
)
REQUESTS_QUERY = (
    "SELECT vendor AS supplier_id, request_no AS request_id, kind AS request_type, sent AS date_sent, "
    "answered AS date_responded, closed AS date_closed, due AS date_due FROM service_requests ORDER BY request_key"
)


def _records(name: str) -> list[dict[str, str]]:
    with open(SAMPLE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float | None:
    return float(text) if text else None


def _text(text: str) -> str | None:
    return text or None


def sample_rows() -> dict[str, list[tuple]]:
    """Rows of each table (``None`` for an empty cell), built from the sample's CSV files."""
    deliveries = _records("deliveries.csv")
    header: dict[str, tuple] = {}
    lines = []
    for key, d in enumerate(deliveries, start=1):
        header.setdefault(d["po_id"], (d["po_id"], d["supplier_id"], d["date_ordered"]))
        lines.append(
            (
                key,
                d["po_id"],
                int(d["line_id"]),
                d["item"],
                _num(d["quantity_ordered"]),
                _num(d["quantity_received"]),
                _text(d["date_requested"]),
                _text(d["date_promised"]),
                _text(d["date_received"]),
                _num(d["value"]),
                _text(d["site"]),
                _text(d["receipt_id"]),
            )
        )
    vendors = [
        (s["supplier_id"], s["supplier_name"], s["category"], s["country"], _num(s["annual_spend"]))
        for s in _records("suppliers.csv")
    ]
    requests = [
        (
            key,
            r["request_id"],
            r["supplier_id"],
            r["request_type"],
            _text(r["date_sent"]),
            _text(r["date_responded"]),
            _text(r["date_closed"]),
            _text(r["date_due"]),
        )
        for key, r in enumerate(_records("requests.csv"), start=1)
    ]
    return {
        "order_header": list(header.values()),
        "order_lines": lines,
        "vendors": vendors,
        "service_requests": requests,
    }


def load_sqlite(path: Path) -> Path:
    """The sample as a SQLite database file at ``path``."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        for statement in DDL:
            con.execute(statement)
        for table, rows in sample_rows().items():
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        con.commit()
    finally:
        con.close()
    return path


def load_postgres(conninfo: dict) -> None:
    """The sample into a PostgreSQL database (COPY: a few thousand rows in well under a second)."""
    import psycopg

    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as con:
        for table in ("service_requests", "vendors", "order_lines", "order_header"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in DDL:
            con.execute(statement)
        for table, rows in sample_rows().items():
            with con.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
