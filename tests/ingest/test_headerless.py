"""Files without a header row (database dumps, fixed layouts): ``header_row = 0`` and ``names`` in the mapping."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from test_ingest_fast import N, assert_same, read_both

from supplier_analytics import read_table
from supplier_analytics.cli import main
from supplier_analytics.errors import ConfigError
from supplier_analytics.ingest.mapping import read_mapping

D = pd.Timestamp
NAMES = ["Vendor", "po_id", "", "qty", "date_promised", "date_received"]  # a spelling, canonical, unused, mapped
MAPPING = {"deliveries": {"header_row": 0, "names": NAMES, "columns": {"quantity_ordered": "qty"}}}
LINES = ["S1,P1,note,10,2025-01-10,2025-01-09", "S2,P2,,5,2025-01-10,2025-01-12", "S3,P3,x,7,2025-02-01,2025-02-03"]


def test_a_headerless_csv_is_read_with_the_names_from_the_mapping(tmp_path):
    f = tmp_path / "dump.csv"
    f.write_text("\n".join(LINES) + "\n")
    r = read_table(f, "deliveries", mapping=MAPPING)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (3, 3, 0)
    assert r.data[["supplier_id", "po_id", "quantity_ordered", "date_received"]].values.tolist() == [
        ["S1", "P1", 10.0, D("2025-01-09")],
        ["S2", "P2", 5.0, D("2025-01-12")],
        ["S3", "P3", 7.0, D("2025-02-03")],
    ]
    assert r.data["source_row"].tolist() == [1, 2, 3]  # the first line is the first record
    assert r.header_row is None
    assert r.column_map == {
        "supplier_id": "Vendor",
        "po_id": "po_id",
        "quantity_ordered": "qty",
        "date_promised": "date_promised",
        "date_received": "date_received",
    }
    assert r.notes[0] == "no header row: columns named by names in the mapping"


def test_a_headerless_toml_mapping_and_a_worksheet(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text(
        '[deliveries]\nheader_row = 0\nnames = ["Vendor", "po_id", "", "qty", "date_promised", "date_received"]\n'
        '[deliveries.columns]\nquantity_ordered = "qty"\n'
    )
    f = tmp_path / "dump.xlsx"
    wb = openpyxl.Workbook()
    for line in LINES:
        *head, qty, promised, received = line.split(",")
        wb.active.append([*head, int(qty), dt.date.fromisoformat(promised), received])
    wb.save(f)
    r = read_table(f, "deliveries", mapping=m)
    assert (r.rows_read, r.rows_accepted) == (3, 3)
    assert r.data["source_row"].tolist() == [1, 2, 3]  # Excel row 1 is the first record
    assert r.data["date_promised"].tolist() == [D("2025-01-10"), D("2025-01-10"), D("2025-02-01")]
    assert r.column_letters == {
        "supplier_id": "A",
        "po_id": "B",
        "quantity_ordered": "D",
        "date_promised": "E",
        "date_received": "F",
    }


def test_a_large_headerless_sheet_reads_the_same_on_the_fast_path(tmp_path, monkeypatch):
    f = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    for i in range(N):
        wb.active.append([f"S{i % 7}", 4500000 + i, None, i % 9 + 1, dt.date(2025, 1, 1 + i % 28), 45691 + i % 30])
    wb.save(f)
    fast, gave_up, slow = read_both(f, monkeypatch=monkeypatch, mapping=MAPPING)
    assert gave_up == []
    assert_same(fast, slow)
    assert fast.rows_accepted == N and fast.data["source_row"].tolist() == list(range(1, N + 1))
    assert fast.data.loc[0, ["po_id", "quantity_ordered"]].tolist() == ["4500000", 1.0]
    assert fast.data.loc[0, "date_received"] == D("2025-02-03")  # serial 45691


def test_parquet_keeps_its_own_column_names_and_says_the_names_are_not_used(tmp_path):
    f = tmp_path / "d.parquet"
    pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "po_id": ["P1"],
            "quantity_ordered": [1.0],
            "date_promised": ["2025-01-02"],
            "date_received": ["2025-01-03"],
        }
    ).to_parquet(f)
    r = read_table(f, "deliveries", mapping={"deliveries": {"header_row": 0, "names": ["a", "b"]}})
    assert r.rows_accepted == 1
    assert "columns taken from the parquet schema (names and header_row = 0 in the mapping not used)" in r.notes


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"header_row": 0},
            r"^Mapping \(dict\): deliveries.header_row = 0 \(no header row\) needs deliveries.names, the name of "
            r"each column in file order",
        ),
        ({"names": ["supplier_id"]}, r"deliveries.names is for a file without a header row; add header_row = 0"),
        ({"names": ["supplier_id"], "header_row": 3}, r"deliveries.names is for a file without a header row"),
        ({"header_row": 0, "names": "supplier_id"}, r"deliveries.names must be a list of texts"),
        ({"header_row": 0, "names": []}, r"deliveries.names must be a list of texts"),
        ({"header_row": 0, "names": ["po_id", 3]}, r"deliveries.names must be a list of texts"),
        (
            {"header_row": 0, "names": ["PO Number", "Vendor", "po-number"]},
            r"deliveries.names gives the column 'po-number' twice \(as 'PO Number' before\); name each column once",
        ),
    ],
)
def test_invalid_headerless_mappings_name_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        read_mapping({"deliveries": table})


def test_empty_names_may_repeat_and_header_row_0_keeps_the_names_in_order():
    tm = read_mapping({"deliveries": {"header_row": 0, "names": ["a", "", " b ", ""]}})["deliveries"]
    assert (tm.header_row, tm.names) == (0, ("a", "", "b", ""))


def test_names_lacking_a_required_column_are_a_mapping_error(tmp_path):
    f = tmp_path / "dump.csv"
    f.write_text("\n".join(LINES) + "\n")
    names = {"deliveries": {"header_row": 0, "names": ["Vendor", "", "", "qty", "x", "y"]}}
    with pytest.raises(ConfigError) as exc:
        read_table(f, "deliveries", mapping=names)
    assert str(exc.value) == (
        "The mapping's names for deliveries lack the required columns po_id, quantity_ordered, date_promised, "
        "date_received; add them to names at their place in the file (the canonical name, a known spelling, or "
        "a name that [deliveries.columns] maps)."
    )


def test_names_that_do_not_fit_the_file_are_a_mapping_error_not_rejected_rows(tmp_path):
    f = tmp_path / "dump.csv"
    f.write_text("\n".join(f"{line},{i}" for i, line in enumerate(LINES)) + "\n")  # 7 fields, names 6
    with pytest.raises(ConfigError) as exc:
        read_table(f, "deliveries", mapping=MAPPING)
    assert str(exc.value) == (
        "The mapping's names give 6 columns for dump.csv, but most of its lines have 7 fields; "
        'give one name per field in file order ("" for a field not used).'
    )
    long = {"deliveries": {"header_row": 0, "names": [*NAMES, "", "site"], "columns": {"quantity_ordered": "qty"}}}
    with pytest.raises(ConfigError, match=r"names give 8 columns for dump\.csv, but most of its lines have 7 fields"):
        read_table(f, "deliveries", mapping=long)
    # the command line: a mapping error, exit 4
    m = tmp_path / "m.toml"
    m.write_text(
        '[deliveries]\nheader_row = 0\nnames = ["Vendor", "po_id", "", "quantity_ordered", "date_promised", '
        '"date_received"]\n'
    )
    assert main(["validate", "--deliveries", str(f), "--mapping", str(m)]) == 4
    # a worksheet holding values right of the named columns
    x = tmp_path / "dump.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["S1", "P1", "n", 10, "2025-01-10", "2025-01-09", None, "stray"])
    wb.save(x)
    with pytest.raises(ConfigError) as exc:
        read_table(x, "deliveries", mapping=MAPPING)
    assert str(exc.value) == (
        "The mapping's names give 6 columns for dump.xlsx (sheet 'Sheet'), but it holds values up to column H; "
        'give one name per column in file order ("" for a column not used).'
    )


def test_a_few_lines_that_do_not_fit_the_names_are_rejected_as_ragged(tmp_path):
    f = tmp_path / "dump.csv"
    f.write_text("\n".join([*LINES, "S4,P4,a, b,4,2025-01-10,2025-01-09", "S5,P5"]) + "\n")
    r = read_table(f, "deliveries", mapping=MAPPING)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (5, 3, 2)
    assert r.rejected[["row", "column", "reason"]].values.tolist() == [
        [4, "(row)", "7 fields where the mapping's names give 6: an unquoted comma in a value?"],
        [5, "(row)", "2 fields where the mapping's names give 6: a field is missing or the line was broken"],
    ]


def test_the_readme_example_reads_a_headerless_export(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing exports", 1)[1].split("\n## ", 1)[0]
    (block,) = [b for b in section.split("```toml\n")[1:] if "header_row = 0" in b]
    m = tmp_path / "m.toml"
    m.write_text(block.split("```", 1)[0])
    f = tmp_path / "dump.csv"
    f.write_text("S1,P1,whatever,10,2025-01-10,2025-01-09\n")
    r = read_table(f, "deliveries", mapping=m)
    assert r.data[["supplier_id", "po_id", "quantity_ordered"]].values.tolist() == [["S1", "P1", 10.0]]
