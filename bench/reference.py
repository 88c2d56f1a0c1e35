"""DuckDB reference for the benchmark: delivery and quality statistics per supplier and month in SQL.

The SQL follows the library's definitions for the configuration the benchmark scores with
(:data:`BENCH_CONFIG`): reference date = promised date, on time from 3 days early to 0 days late,
calendar days, in full when the combined received quantity reaches the ordered quantity (over-delivery
in full), a 12-month window ending on the as-of date. Receipts are combined per order line
(supplier_id, po_id, line_id); a receipt_id seen twice on one line counts once; the line takes its
ordered quantity and dates from its latest receipt; the line's receipt date is the date the cumulative
received quantity reached the ordered quantity (the last receipt when it never did). Records named in
the exclusions table are excluded, records before the window are left out.
"""

from __future__ import annotations

DELIVERY_SQL = """
WITH r AS (
    SELECT supplier_id, po_id, line_id, receipt_id, quantity_ordered, quantity_received AS q,
           date_ordered, date_promised, date_received, file_row_number AS pos
    FROM read_parquet({deliveries}, file_row_number = true)
    WHERE date_received <= TIMESTAMP '{as_of}'
),
u AS (  -- a receipt counted once per line
    SELECT * FROM r
    QUALIFY row_number() OVER (PARTITION BY supplier_id, po_id, line_id, receipt_id ORDER BY pos) = 1
),
c AS (
    SELECT *,
        sum(q) OVER w AS cum,
        row_number() OVER w AS rn,
        last_value(quantity_ordered) OVER wall AS ord,
        last_value(date_promised) OVER wall AS promised,
        last_value(date_ordered) OVER wall AS ordered_on
    FROM u
    WINDOW w AS (PARTITION BY supplier_id, po_id, line_id ORDER BY date_received, pos
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           wall AS (PARTITION BY supplier_id, po_id, line_id ORDER BY date_received, pos
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
l AS (
    SELECT supplier_id, po_id, line_id,
        any_value(ord) AS ord, any_value(promised) AS promised, any_value(ordered_on) AS ordered_on,
        sum(q) AS received,
        max(date_received) AS last_date,
        max(date_received) FILTER (WHERE cum >= ord AND (cum - q < ord OR rn = 1)) AS crossed_date,
        sum(q) FILTER (WHERE date_diff('day', promised, date_received) BETWEEN -3 AND 0) AS q_inside
    FROM c
    GROUP BY ALL
),
j AS (
    SELECT *,
        CASE WHEN received >= ord AND crossed_date IS NOT NULL THEN crossed_date ELSE last_date END AS line_date
    FROM l
),
k AS (
    SELECT j.*, date_diff('day', promised, line_date) AS days,
        EXISTS (SELECT 1 FROM read_parquet({exclusions}) e
                WHERE e."table" = 'deliveries' AND e.supplier_id = j.supplier_id AND e.po_id = j.po_id
                  AND (e.line_id IS NULL OR e.line_id = j.line_id)) AS excluded
    FROM j
    WHERE line_date >= TIMESTAMP '{start}'
)
SELECT supplier_id, date_trunc('month', line_date) AS period_start,
    count(*) FILTER (WHERE NOT excluded) AS n_deliveries,
    count(*) FILTER (WHERE excluded) AS n_excluded_deliveries,
    count(*) FILTER (WHERE NOT excluded AND days BETWEEN -3 AND 0) AS on_time_k,
    count(*) FILTER (WHERE NOT excluded AND days < -3) AS early_k,
    count(*) FILTER (WHERE NOT excluded AND days > 0) AS late_k,
    count(*) FILTER (WHERE NOT excluded AND received >= ord) AS in_full_k,
    count(*) FILTER (WHERE NOT excluded AND received >= ord AND days BETWEEN -3 AND 0) AS otif_k,
    coalesce(sum(days) FILTER (WHERE NOT excluded AND days > 0), 0)::DOUBLE AS days_late_sum,
    coalesce(sum(least(greatest(coalesce(q_inside, 0), 0), greatest(ord, 0))) FILTER (WHERE NOT excluded), 0)
        AS qty_on_time,
    coalesce(sum(greatest(ord, 0)) FILTER (WHERE NOT excluded), 0) AS qty_ordered,
    coalesce(sum(date_diff('day', ordered_on, line_date)) FILTER (WHERE NOT excluded), 0)::DOUBLE AS lead_sum
FROM k
GROUP BY ALL
ORDER BY supplier_id, period_start
"""

QUALITY_SQL = """
WITH i AS (
    SELECT i.*, EXISTS (SELECT 1 FROM read_parquet({exclusions}) e
                        WHERE e."table" = 'inspections' AND e.supplier_id = i.supplier_id
                          AND e.lot_id = i.lot_id) AS excluded
    FROM read_parquet({inspections}) i
    WHERE date <= TIMESTAMP '{as_of}' AND date >= TIMESTAMP '{start}'
)
SELECT supplier_id, date_trunc('month', date) AS period_start,
    count(*) FILTER (WHERE NOT excluded) AS n_inspections,
    count(*) FILTER (WHERE excluded) AS n_excluded_inspections,
    coalesce(sum(quantity_inspected) FILTER (WHERE NOT excluded), 0) AS quantity_inspected,
    coalesce(sum(least(quantity_defective, quantity_inspected))
             FILTER (WHERE NOT excluded AND quantity_inspected IS NOT NULL), 0) AS ppm_defective,
    count(quantity_inspected) FILTER (WHERE NOT excluded) AS lot_n,
    count(*) FILTER (WHERE NOT excluded AND quantity_inspected IS NOT NULL AND quantity_defective > 0) AS lot_k
FROM i
GROUP BY ALL
ORDER BY supplier_id, period_start
"""


def duckdb_reference(folder, *, as_of: str, start: str, threads: int | None = None):
    """Run both queries over the parquet files in ``folder``; returns (delivery, quality) DataFrames."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    files = {
        t: "'" + str(folder / f"{t}.parquet").replace("'", "''") + "'"
        for t in ("deliveries", "inspections", "exclusions")
    }
    kw = dict(as_of=as_of, start=start, **files)
    delivery = con.execute(DELIVERY_SQL.format(**kw)).df()
    quality = con.execute(QUALITY_SQL.format(**kw)).df()
    con.close()
    return delivery, quality
