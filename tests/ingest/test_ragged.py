"""CSV lines with more or fewer fields than the header are rejected with one reason that says so."""

from __future__ import annotations

import pandas as pd

from supplier_analytics import read_table
from supplier_analytics.cli import main

D = pd.Timestamp
HEADER = "Vendor,Vendor Name,Address,PO Number,Qty Ordered,Promised Date,Receipt Date"  # 7 fields


def _read(tmp_path, lines, name="d.csv"):
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n")
    r = read_table(f, "deliveries")
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.rows_rejected == r.rejected["row"].nunique()
    return r


def test_an_unquoted_comma_gives_one_clear_reason_instead_of_the_shifted_cells_reasons(tmp_path):
    r = _read(
        tmp_path,
        [
            HEADER,
            "S1,ACME,Main St 5,P1,10,2025-01-10,2025-01-09",
            "S2,ACME,Main St, 5,P2,5,2025-01-10,2025-01-12",  # 8 fields: PO "5", quantity "P2", promised "5" ...
            "S3,ACME,Main St 7,P3,7,2025-01-11,2025-01-12",
        ],
    )
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (3, 2, 1)
    assert r.rejected[["row", "column", "value", "reason", "problem"]].values.tolist() == [
        [3, "(row)", "", "8 fields where the header has 7: an unquoted comma in a value?", "wrong number of fields"]
    ]
    assert r.data["po_id"].tolist() == ["P1", "P3"]
    assert "1 line with more or fewer fields than the header rejected" in r.notes


def test_a_line_broken_in_two_is_rejected_as_two_short_lines(tmp_path):
    r = _read(
        tmp_path,
        [HEADER, "S1,ACME,Main St 5,P1,10,2025-01-10,2025-01-09", "S2,ACME,Main", "St 5,P2,5,2025-01-10,2025-01-12"],
    )
    assert r.rejected[["row", "reason"]].values.tolist() == [
        [3, "3 fields where the header has 7: a field is missing or the line was broken"],
        [4, "5 fields where the header has 7: a field is missing or the line was broken"],
    ]
    assert r.rows_accepted == 1


def test_empty_extra_fields_title_lines_blank_lines_and_totals_are_not_ragged(tmp_path):
    r = _read(
        tmp_path,
        [
            "Goods receipts",  # a one-field title line above the header
            "selection: all plants,,",
            "",
            HEADER,
            "S1,ACME,Main St 5,P1,10,2025-01-10,2025-01-09,,",  # trailing delimiters: empty extra fields
            "",
            "S2,ACME,Main St 6,P2,5,2025-01-10,2025-01-12, ",  # a space after the last delimiter: no field
            "Total,,,,15",  # a short totals line: skipped as totals, not rejected
        ],
    )
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (2, 2, 0)
    assert r.header_row == 4
    assert r.skipped[["row", "reason"]].values.tolist() == [[6, "blank row"], [8, "totals row"]]


def test_a_quoted_delimiter_is_one_field(tmp_path):
    r = _read(tmp_path, [HEADER, 'S1,ACME,"Main St, 5",P1,10,2025-01-10,2025-01-09'])
    assert (r.rows_accepted, r.rows_rejected) == (1, 0)


def test_shifted_values_do_not_sway_the_day_first_decision(tmp_path):
    # the good lines are day-first (15/01); the ragged line's shifted cell 01/14/2025 (its own promised date)
    # lands in the receipt date column, would read month-first and make that column "mix day-first and
    # month-first", an error for the whole file
    r = _read(
        tmp_path,
        [
            "Vendor;PO Number;Note;Qty Ordered;Promised Date;Receipt Date",
            "S1;P1;ok;10;13/01/2025;15/01/2025",
            "S2;P2;a;b;5;01/14/2025;01/16/2025",
            "S3;P3;ok;4;02/01/2025;03/01/2025",
        ],
    )
    assert r.rejected[["row", "reason"]].values.tolist() == [
        [3, "7 fields where the header has 6: an unquoted semicolon in a value?"]
    ]
    assert r.data["date_received"].tolist() == [D("2025-01-15"), D("2025-01-03")]


def test_most_lines_wider_than_the_header_are_rejected_with_a_word_on_a_missing_label(tmp_path):
    # every line carries one more field: a column without a header label, or a comma in every address;
    # they look alike, and guessing wrong would read shifted values, so the lines are rejected
    header = "Vendor,PO Number,Qty Ordered,Promised Date,Receipt Date"
    lines = [f"S{i},P{i},{i + 1},2025-01-10,2025-01-09,comment {i}" for i in range(3)]
    r = _read(tmp_path, [header, *lines, "S9,P9,1,2025-01-10,2025-01-09"])
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (4, 1, 3)
    assert "most lines have 6 fields where the header has 5: if the last column has no header label, give it one" in (
        r.notes
    )
    assert set(r.rejected["reason"]) == {"6 fields where the header has 5: an unquoted comma in a value?"}


def test_the_command_line_lists_ragged_lines_with_what_to_do(tmp_path, capsys):
    f = tmp_path / "d.csv"
    f.write_text(
        HEADER + "\nS1,ACME,Main St 5,P1,10,2025-01-10,2025-01-09\nS2,ACME,Main St, 5,P2,5,2025-01-10,2025-01-12\n"
    )
    assert main(["validate", "--deliveries", str(f)]) == 5
    out = capsys.readouterr().out
    assert "d.csv, (row): 8 fields where the header has 7: an unquoted comma in a value?: 1 row: 3" in out
    assert "what to do: put values that hold the delimiter in double quotes" in out
