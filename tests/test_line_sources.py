"""Order lines without line_id, and delivery evidence that says where each line comes from.

Each export is a small CSV written here; the lines, rows and figures can be checked by reading it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics import compute_metrics, read_table, score
from supplier_analytics.ingest import combine_results
from supplier_analytics.records import delivery_lines
from supplier_analytics.tables import line_lineage

AS_OF = "2025-03-31"
GR = "Vendor,PO Number,Qty Ordered,Qty Received,Promised Date,Receipt Date"


def export(path, header: str, rows: list[str]):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return read_table(path, "deliveries")


def test_without_line_id_the_lines_of_one_order_stay_apart(tmp_path):
    # one order, two items, each delivered in full on time: two lines, OTIF 100 %
    rows = ["V1,P1,10,10,2025-03-10,2025-03-08,M1", "V1,P1,10,10,2025-03-10,2025-03-09,M2"]
    by_item = export(tmp_path / "items.csv", f"{GR},Material", rows)
    lines = delivery_lines(by_item.data, as_of=AS_OF)
    assert lines[["item", "n_receipts", "quantity_received"]].values.tolist() == [["M1", 1, 10.0], ["M2", 1, 10.0]]
    assert bool(lines["otif"].all())
    # nor item: each row its own line (the export's second column is not mapped)
    no_item = export(tmp_path / "rows.csv", f"{GR},Text", [r.replace(",M", ",text ") for r in rows])
    assert "item" not in no_item.column_map
    lines = delivery_lines(no_item.data, as_of=AS_OF)
    assert lines[["n_receipts", "quantity_received"]].values.tolist() == [[1, 10.0], [1, 10.0]]
    res = compute_metrics(no_item.data, as_of=AS_OF)
    assert (res.suppliers["n_deliveries"].iloc[0], res.suppliers["otif_rate"].iloc[0]) == (2, 1.0)


def test_a_line_names_the_receipt_that_decided_its_date_and_every_receipt_row(tmp_path):
    r = export(
        tmp_path / "gr.csv",
        f"{GR},Line",
        [
            "V1,P1,10,4,2025-03-10,2025-03-08,1",  # row 2
            "V1,P2,5,5,2025-03-10,2025-03-09,1",  # row 3: a line of one receipt
            "V1,P1,10,6,2025-03-10,2025-03-12,1",  # row 4: brings P1 to 10 (decides its date)
            "V1,P1,10,1,2025-03-10,2025-03-20,1",  # row 5: over-delivery after the line was complete
            "V1,P3,10,,2025-03-10,,1",  # row 6: open, not received
        ],
    )
    lines = delivery_lines(r.data, as_of=AS_OF)
    got = lines[["po_id", "source_file", "source_row", "source_rows"]]
    assert got.values.tolist() == [["P1", "gr.csv", 4, "2, 4, 5"], ["P2", "gr.csv", 3, "3"], ["P3", "gr.csv", 6, "6"]]
    assert lines["date_received"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2025-03-12", "2025-03-09"]
    assert lines["source_sheet"].isna().all()  # a CSV file has no sheets
    # a line whose date is its last receipt (never complete) names that receipt
    short = export(
        tmp_path / "short.csv",
        f"{GR},Line",
        ["V1,P1,10,4,2025-03-10,2025-03-08,1", "V1,P1,10,4,2025-03-10,2025-03-11,1"],
    )
    assert delivery_lines(short.data, as_of=AS_OF)[["source_row", "source_rows"]].values.tolist() == [[3, "2, 3"]]
    # the lean records of the statistics carry no sources; canonical frames given directly have none to carry
    assert "source_rows" not in delivery_lines(r.data, as_of=AS_OF, evidence=False).columns
    plain = r.data.drop(columns=["source_file", "source_sheet", "source_row"])
    assert not any(c.startswith("source_") for c in delivery_lines(plain, as_of=AS_OF).columns)


def test_receipts_from_several_files_name_their_files(tmp_path):
    jan = export(tmp_path / "jan.csv", f"{GR},Line", ["V1,P1,10,4,2025-03-10,2025-03-08,1"])
    feb = export(
        tmp_path / "feb.csv", f"{GR},Line", ["V1,P2,1,1,2025-03-10,2025-03-10,1", "V1,P1,10,6,2025-03-10,2025-03-09,1"]
    )
    both = combine_results("deliveries", [jan, feb])
    lines = delivery_lines(both.data, as_of=AS_OF)
    assert lines[["po_id", "source_file", "source_row", "source_rows"]].values.tolist() == [
        ["P1", "feb.csv", 3, "jan.csv row 2; feb.csv row 3"],
        ["P2", "feb.csv", 2, "2"],
    ]


def test_delivery_evidence_carries_its_source_as_inspection_evidence_does(tmp_path):
    d = export(
        tmp_path / "gr.csv",
        f"{GR},Line",
        [
            "V1,P1,10,10,2025-03-10,2025-03-08,1",
            "V1,P2,10,10,2025-03-10,2025-03-15,1",
            "V1,P3,10,5,2025-03-10,2025-03-10,1",
        ],
    )
    (tmp_path / "q.csv").write_text("Vendor,Inspection Date,Qty Inspected,Qty Defective\nV1,2025-03-03,100,2\n")
    i = read_table(tmp_path / "q.csv", "inspections")
    card = score(deliveries=d, inspections=i, as_of=AS_OF)
    late = card.evidence("V1", "otif_rate")
    against = late.loc[late["counts_against"], ["po_id", "source_file", "source_row", "source_rows"]]
    assert against.values.tolist() == [["P2", "gr.csv", 3, "3"], ["P3", "gr.csv", 4, "4"]]
    assert "source_sheet" in late.columns
    lots = card.evidence("V1", "ppm")
    assert {"source_file", "source_sheet", "source_row"} <= set(lots.columns)
    assert lots["source_row"].tolist() == [2]
    records = card.metrics.records("deliveries", "V1")
    assert records["source_row"].tolist() == [2, 3, 4]
    assert isinstance(records, pd.DataFrame)


def test_receipts_from_sheets_of_several_workbooks_name_file_and_sheet():
    d = pd.DataFrame(
        {
            "source_file": pd.Categorical(["jan.xlsx", "feb.xlsx", "feb.xlsx"]),
            "source_sheet": pd.Categorical(["GR", "GR", "GR"]),
            "source_row": [5, 7, 9],
        }
    )
    out = line_lineage(d, members=np.array([0, 1, 2]), starts=np.array([0, 2]), deciding=np.array([1, 2]))
    assert list(out["source_rows"]) == ["jan.xlsx sheet GR row 5; feb.xlsx sheet GR row 7", "9"]
    assert (list(out["source_file"]), list(out["source_row"])) == (["feb.xlsx", "feb.xlsx"], [7, 9])
