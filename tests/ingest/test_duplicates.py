"""Exact duplicates are judged on every column of the export, mapped or not; order lines are identified as
the notes say. Each export is a small file built here; the expectations can be checked by reading it."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import supplier_analytics.ingest.readers as readers
import supplier_analytics.ingest.xlsx_fast as xlsx_fast
from supplier_analytics import read_table
from supplier_analytics.ingest import combine_results, read_frame
from supplier_analytics.records import delivery_lines, inspection_lots

GR = "Vendor,PO Number,Qty Ordered,Qty Received,Promised Date,Receipt Date"


def rejected(r) -> list[tuple]:
    return list(r.rejected[["row", "column", "reason"]].itertuples(index=False, name=None))


def counts(r) -> tuple[int, int, int]:
    assert r.rows_read == r.rows_accepted + r.rows_rejected == len(r.data) + r.rejected["row"].nunique()
    return r.rows_read, r.rows_accepted, r.rows_rejected


def test_rows_that_differ_only_in_unmapped_columns_are_kept_and_the_note_names_those_columns(tmp_path):
    f = tmp_path / "gr.csv"
    f.write_text(
        f"{GR},Shift,Buyer Initials,Comment Text\n"
        "V1,P1,10,10,2025-03-10,2025-03-08,1000,STEEL,\n"  # row 2
        "V1,P1,10,10,2025-03-10,2025-03-08,2000,STEEL,\n"  # row 3: another shift
        "V1,P1,10,10,2025-03-10,2025-03-08,1000,COPPER,\n"  # row 4: other initials
        "V1,P1,10,10,2025-03-10,2025-03-08, 1000 ,STEEL,\n"  # row 5: row 2 again (cell text is stripped)
        "V1,P1,10,10,2025-03-10,2025-03-09,1000,STEEL,\n"  # row 6: another receipt date
    )
    r = read_table(f, "deliveries")
    assert counts(r) == (5, 4, 1)
    assert rejected(r) == [(5, "(all columns)", "exact duplicate of row 2 (every column equal)")]
    assert r.duplicates[["source_row", "duplicate_of"]].values.tolist() == [[5, 2]]
    assert r.data["source_row"].tolist() == [2, 3, 4, 6]
    assert "1 exact duplicate record (equal in all 9 columns of the file) rejected" in r.notes
    assert (
        "2 rows agree with an earlier row in every mapped column but differ in 'Shift', 'Buyer Initials' "
        "(all 9 columns of the file compared): kept as separate records; map line_id (or receipt_id) if they "
        "are separate order lines (or receipts)"
    ) in r.notes


def test_a_mapped_column_that_differs_keeps_the_rows_apart_without_a_note(tmp_path):
    f = tmp_path / "gr.csv"
    f.write_text(f"{GR},Plant\nV1,P1,10,10,2025-03-10,2025-03-08,1000\nV1,P1,10,10,2025-03-10,2025-03-08,2000\n")
    r = read_table(f, "deliveries")
    assert r.column_map["site"] == "Plant"
    assert counts(r) == (2, 2, 0)
    assert not any("agree with an earlier row" in n or "exact duplicate" in n for n in r.notes)


def test_a_quality_log_without_lot_id_keeps_every_incident(tmp_path):
    # the shift and the inspector are not mapped: without the whole-row rule rows 3 and 4 were "duplicates"
    f = tmp_path / "q.csv"
    f.write_text(
        "Vendor,Inspection Date,Qty Inspected,Qty Defective,Shift,Inspector\n"
        "V1,2025-03-03,100,2,1000,scratch\n"
        "V1,2025-03-03,100,2,1000,dent\n"
        "V1,2025-03-03,100,2,2000,scratch\n"
        "V2,2025-03-04,50,1,1000,dent\n"
    )
    r = read_table(f, "inspections")
    assert sorted(r.column_map) == ["date", "quantity_defective", "quantity_inspected", "supplier_id"]
    assert counts(r) == (4, 4, 0)
    note = [n for n in r.notes if "agree with an earlier row" in n]
    assert note == [
        "2 rows agree with an earlier row in every mapped column but differ in 'Shift', 'Inspector' "
        "(all 6 columns of the file compared): kept as separate records; map lot_id if they are separate lots"
    ]
    lots = inspection_lots(r.data, as_of="2025-03-31")
    per_supplier = lots.groupby("supplier_id")[["quantity_inspected", "quantity_defective"]].sum()
    assert per_supplier.loc["V1"].tolist() == [300.0, 6.0]  # 6 defective in 300: 20,000 ppm
    assert len(lots) == 4


def test_duplicates_keep_lists_whole_row_copies_only(tmp_path):
    f = tmp_path / "gr.csv"
    f.write_text(
        f"{GR},Doc\n"
        "V1,P1,10,5,2025-03-10,2025-03-08,4711\n"
        "V1,P1,10,5,2025-03-10,2025-03-08,4712\n"
        "V1,P1,10,5,2025-03-10,2025-03-08,4711\n"
    )
    r = read_table(f, "deliveries", duplicates="keep")
    assert counts(r) == (3, 3, 0)
    assert r.duplicates[["source_row", "duplicate_of"]].values.tolist() == [[4, 2]]
    assert "1 exact duplicate record (equal in all 7 columns of the file) kept, as asked" in r.notes


def test_unlabelled_columns_with_values_are_compared_and_named_by_letter(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date", None])
    for extra in ("x", "y", "x"):
        ws.append(["V1", "P1", 10, "2025-03-10", "2025-03-08", extra])
    wb.save(tmp_path / "gr.xlsx")
    r = read_table(tmp_path / "gr.xlsx", "deliveries")
    assert rejected(r) == [(4, "(all columns)", "exact duplicate of row 2 (every column equal)")]
    assert any("differs in column F (no header)" in n for n in r.notes)
    assert "1 exact duplicate record (equal in all 6 columns of the file) rejected" in r.notes


def _workbook(path, rows: int = 60):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Vendor", "PO Number", "Qty Ordered", "Promised Date", "Receipt Date", "Shift", "Weight"])
    for i in range(rows):
        # rows 2k and 2k+1 agree in every mapped column; the shift differs when k is odd, the weight never
        k = i // 2
        ws.append(["V1", f"P{k}", 10, "2025-03-10", "2025-03-08", 1000 + (k % 2) * i, 1.5])
    wb.save(path)
    return path


@pytest.mark.parametrize("fast", [True, False], ids=["fastexcel", "cell by cell"])
def test_large_sheets_read_fast_compare_the_unmapped_columns_too(tmp_path, monkeypatch, fast):
    path = _workbook(tmp_path / "gr.xlsx")
    monkeypatch.setattr(xlsx_fast, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    r = read_table(path, "deliveries")
    # 30 pairs: 15 with equal shifts (rejected), 15 with different shifts (kept)
    assert counts(r) == (60, 45, 15)
    assert set(r.rejected["reason"].str.replace(r"\d+", "N", regex=True)) == {
        "exact duplicate of row N (every column equal)"
    }
    assert r.other_columns == ("Shift", "Weight")
    assert any(n.startswith("15 rows agree with an earlier row") and "differ in 'Shift' (" in n for n in r.notes)


def test_digests_of_the_fast_and_the_cell_by_cell_reads_agree(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "gr.xlsx")
    done = []
    real = readers.body_rows

    def spy(*a, **k):
        out = real(*a, **k)  # raises NotFast when the fast read gives up
        done.append(len(out))
        return out

    monkeypatch.setattr(readers, "body_rows", spy)
    monkeypatch.setattr(xlsx_fast, "FAST_MIN_BYTES", 0)
    fast = read_table(path, "deliveries")
    assert done == [60]  # the rows below the header came from fastexcel
    monkeypatch.setattr(xlsx_fast, "FAST_MIN_BYTES", 1 << 62)
    slow = read_table(path, "deliveries")
    pd.testing.assert_series_equal(fast.row_digest, slow.row_digest)
    assert fast.notes == slow.notes


def test_frames_and_parquet_files_compare_all_their_columns(tmp_path):
    df = pd.DataFrame(
        {
            "Vendor": ["V1", "V1", "V1"],
            "PO Number": ["P1", "P1", "P1"],
            "Qty Ordered": [10.0, 10.0, 10.0],
            "Promised Date": pd.to_datetime(["2025-03-10"] * 3),
            "Receipt Date": pd.to_datetime(["2025-03-08"] * 3),
            "Shift": [1, 2, 1],
        }
    )
    r = read_frame(df, "deliveries")
    assert (counts(r), rejected(r)) == (
        (3, 2, 1),
        [(4, "(all columns)", "exact duplicate of row 2 (every column equal)")],
    )
    df.to_parquet(tmp_path / "gr.parquet")
    p = read_table(tmp_path / "gr.parquet", "deliveries")
    assert (counts(p), p.data["source_row"].tolist()) == ((3, 2, 1), [1, 2])


def test_rows_kept_by_the_import_count_as_separate_receipts(tmp_path):
    f = tmp_path / "gr.csv"
    f.write_text(
        "Vendor,PO Number,Line,Qty Ordered,Qty Received,Promised Date,Receipt Date,Posting Ref\n"
        "V1,P1,1,10,5,2025-03-10,2025-03-08,5000001\n"
        "V1,P1,1,10,5,2025-03-10,2025-03-08,5000002\n"
    )
    r = read_table(f, "deliveries")
    assert counts(r) == (2, 2, 0)
    assert any(n.endswith("kept as separate records; map receipt_id if they are separate receipts") for n in r.notes)
    line = delivery_lines(r.data, as_of="2025-03-31").iloc[0]
    assert (line["n_receipts"], line["n_duplicate_receipts"], line["quantity_received"]) == (2, 0, 10.0)
    assert bool(line["in_full"])
    # the same rows given as a canonical frame (no source rows) keep the old rule: an identical row counts once
    canonical = r.data.drop(columns=["source_file", "source_sheet", "source_row"])
    line = delivery_lines(canonical, as_of="2025-03-31").iloc[0]
    assert (line["n_receipts"], line["n_duplicate_receipts"], line["quantity_received"]) == (1, 1, 5.0)


def _month(path, rows: list[str], header: str = f"{GR},Doc") -> object:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return read_table(path, "deliveries")


def test_files_of_one_table_compare_whole_rows_when_they_have_the_same_columns(tmp_path):
    a = _month(tmp_path / "jan.csv", ["V1,P1,10,10,2025-03-10,2025-03-08,D1", "V1,P2,10,10,2025-03-10,2025-03-08,D2"])
    b = _month(tmp_path / "feb.csv", ["V1,P1,10,10,2025-03-10,2025-03-08,D1", "V1,P2,10,10,2025-03-10,2025-03-08,D9"])
    c = combine_results("deliveries", [a, b])
    assert counts(c) == (4, 3, 1)
    assert rejected(c) == [(2, "(all columns)", "exact duplicate of jan.csv row 2 (every column equal)")]
    assert c.data[["source_file", "source_row"]].values.tolist() == [["jan.csv", 2], ["jan.csv", 3], ["feb.csv", 3]]
    assert "1 record repeated from an earlier file rejected as exact duplicates (every column equal)" in c.notes
    assert (
        "1 record agrees with a record of an earlier file in every mapped column but differs in other columns: kept "
        "as separate records; map line_id (or receipt_id) if they are separate order lines (or receipts)"
    ) in c.notes
    kept = combine_results("deliveries", [a, b], duplicates="keep")
    assert counts(kept) == (4, 4, 0)


def test_files_with_other_columns_compare_the_mapped_columns_and_say_so(tmp_path):
    a = _month(tmp_path / "jan.csv", ["V1,P1,10,10,2025-03-10,2025-03-08,D1"])
    b = _month(tmp_path / "feb.csv", ["V1,P1,10,10,2025-03-10,2025-03-08,D1,x"], header=f"{GR},Doc,Remark")
    c = combine_results("deliveries", [a, b])
    assert rejected(c) == [
        (
            2,
            "(all mapped columns)",
            "exact duplicate of jan.csv row 2 (every mapped column equal; the files' other columns differ)",
        )
    ]


ROW = "V1,P1,10,5,2025-03-10,2025-03-08"


@pytest.mark.parametrize(
    ("header", "row", "note"),
    [
        (
            f"{GR},Line,Material",
            f"{ROW},1,M1",
            "order lines identified by supplier_id, po_id and line_id (by item where line_id is empty, else each "
            "row is its own line)",
        ),
        (
            f"{GR},Line",
            f"{ROW},1",
            "order lines identified by supplier_id, po_id and line_id (where line_id is empty, each row is its own "
            "line)",
        ),
        (
            f"{GR},Material",
            f"{ROW},M1",
            "order lines identified by supplier_id, po_id and item, as no line_id is mapped (a row without item is "
            "its own line): receipts of one item on one order count as one line; map line_id if an order has "
            "several lines of one item",
        ),
        (
            GR,
            ROW,
            "each row is its own order line (neither line_id nor item mapped): split receipts of one line cannot be "
            "combined; map line_id or item",
        ),
        (
            "Vendor,PO Number,Qty Ordered,Promised Date,Receipt Date,Line",
            "V1,P1,10,2025-03-10,2025-03-08,1",
            "each row is judged as its own order line: without quantity_received receipts cannot be combined",
        ),
    ],
)
def test_the_notes_say_how_order_lines_are_identified(tmp_path, header, row, note):
    f = tmp_path / "gr.csv"
    f.write_text(f"{header}\n{row}\n")
    r = read_table(f, "deliveries")
    assert r.rows_accepted == 1
    assert note in r.notes


def test_receipts_at_different_times_of_one_day_are_not_duplicates(tmp_path):
    # the date column drops the time of day, but the rows differ in it: two receipts, not a copy
    f = tmp_path / "dt.csv"
    f.write_text(
        "supplier_id,po_id,line_id,quantity_ordered,quantity_received,date_promised,date_received\n"
        "S1,P1,10,10,5,2024-01-10,2024-01-09 08:00\n"
        "S1,P1,10,10,5,2024-01-10,2024-01-09 15:30\n"
        "S1,P1,10,10,5,2024-01-10,2024-01-09 15:30\n"
    )
    r = read_table(f, "deliveries")
    assert r.rows_accepted == 2 and r.data["quantity_received"].sum() == 10
    assert r.rejected["reason"].tolist() == ["exact duplicate of row 3 (every column equal)"]
