"""Outputs never turn input text into live formulas; workbooks keep types and formatting; files are
written atomically (supplier_analytics._io, a leaf module)."""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import supplier_analytics.reports as reports
from supplier_analytics import _io
from supplier_analytics._io import safe_cell, safe_frame_for_csv, write_csv, write_json_atomic, write_text_atomic
from supplier_analytics.reports import SheetSpec, write_workbook

TRIGGERS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", TRIGGERS)
def test_text_starting_with_a_formula_trigger_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["ACME", "", "a=b", 5, -5.5, None])
def test_other_values_are_unchanged(value):
    assert safe_cell(value) == value


def test_csv_neutralises_text_but_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"name": pd.array(['=HYPERLINK("x")', "ok"], dtype="string"), "qty": [-5.0, 3.0]})
    path = write_csv(frame, tmp_path / "out.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["name", "qty"], ['\'=HYPERLINK("x")', "-5.0"], ["ok", "3.0"]]
    # the input frame is not changed in place
    assert frame.loc[0, "name"] == '=HYPERLINK("x")'


def test_csv_header_from_input_is_neutralised():
    out = safe_frame_for_csv(pd.DataFrame({"=bad": [1]}))
    assert list(out.columns) == ["'=bad"]


def test_workbook_writes_formula_text_as_text_and_keeps_types(tmp_path):
    frame = pd.DataFrame(
        {
            "supplier_id": ["=cmd|'/C calc'!A0", "S2"],
            "grade": ["A", "insufficient evidence"],
            "on_time_rate": [0.875, np.nan],
            "n": np.array([8, 0], dtype="int64"),
            "date": pd.to_datetime(["2025-03-31", None]),
        }
    )
    path = write_workbook(
        tmp_path / "book.xlsx",
        [SheetSpec("Summary", frame, percent=("on_time_rate",), grade_column="grade", notes=("As of 2025-03-31",))],
    )
    ws = openpyxl.load_workbook(path)["Summary"]
    assert ws["A1"].value == "As of 2025-03-31"
    assert [c.value for c in ws[3]] == ["supplier_id", "grade", "on_time_rate", "n", "date"]
    a4 = ws["A4"]
    assert a4.value == "=cmd|'/C calc'!A0" and a4.data_type == "s" and a4.quotePrefix
    assert ws["C4"].value == 0.875 and ws["C4"].number_format == "0.0%"
    assert ws["C5"].value is None  # NaN is empty, not 0
    assert ws["D4"].value == 8 and ws["E4"].is_date and ws["E4"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "B4"
    rules = {str(cf.sqref): [(r.type, r.formula) for r in cf.rules] for cf in ws.conditional_formatting}
    assert ("cellIs", ['"A"']) in rules["B4:B5"]
    assert ("cellIs", ['"insufficient evidence"']) in rules["B4:B5"]


def test_workbook_is_replaced_atomically(tmp_path):
    target = tmp_path / "book.xlsx"
    write_workbook(target, [SheetSpec("One", pd.DataFrame({"a": [1]}))])
    write_workbook(target, [SheetSpec("Two", pd.DataFrame({"a": [2]}))])
    assert openpyxl.load_workbook(target).sheetnames == ["Two"]
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no temporary file left behind


def test_io_is_a_leaf_and_reports_re_exports_it():
    tree = ast.parse(Path(_io.__file__).read_text(encoding="utf-8"))
    ours = [
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("supplier_analytics")
    ]
    ours += [
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for a in n.names
        if a.name.startswith("supplier_analytics")
    ]
    assert set(ours) <= {"supplier_analytics.errors"}
    for name in ("FORMULA_TRIGGERS", "safe_cell", "safe_filename", "safe_frame_for_csv", "write_csv"):
        assert getattr(reports, name) is getattr(_io, name)


def test_atomic_writers_replace_the_whole_file_and_leave_no_temporary_file(tmp_path):
    target = tmp_path / "manifest.json"
    write_text_atomic(target, "old")
    assert write_json_atomic(target, {"a": 1, "when": pd.Timestamp("2026-01-02")}) == target
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 1, "when": "2026-01-02 00:00:00"}
    assert target.read_text(encoding="utf-8").endswith("}\n")
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_read_toml_reads_utf8_with_a_bom_and_names_every_failure(tmp_path):
    from supplier_analytics.errors import ConfigError

    good = tmp_path / "job.toml"
    good.write_bytes(b"\xef\xbb\xbf[outputs]\ndir = 'out'\n")
    assert _io.read_toml(good, "Job file") == {"outputs": {"dir": "out"}}
    with pytest.raises(ConfigError, match=r"^Job file .*none\.toml does not exist; check the path given\.$"):
        _io.read_toml(tmp_path / "none.toml", "Job file")
    latin = tmp_path / "latin.toml"
    latin.write_bytes("name = 'Müller'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"^Mapping file .*latin\.toml cannot be read \(.*\); save it as UTF-8"):
        _io.read_toml(latin, "Mapping file")
    bad = tmp_path / "bad.toml"
    bad.write_text("[outputs\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^Configuration file bad\.toml is not valid TOML \(.*line 1.*\); fix"):
        _io.read_toml(bad, "Configuration file")
