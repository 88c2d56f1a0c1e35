"""Issue 2's acceptance: every sample file validates clean; a broken copy reports each problem precisely."""

from __future__ import annotations

import re

from supplier_analytics.cli import main
from supplier_analytics.datasets import write_broken_copy

SAMPLE = "data/sample"
CANONICAL = ["deliveries", "inspections", "requests", "suppliers", "exclusions"]
SAP = f"{SAMPLE}/exports/sap_goods_receipts.xlsx"
SAP_MAPPING = f"{SAMPLE}/mappings/sap_goods_receipts.toml"


def _validate(args, capsys):
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_canonical_sample_files_validate_with_zero_rejected_rows(capsys):
    args = [a for t in CANONICAL for a in (f"--{t}", f"{SAMPLE}/{t}.csv")]
    code, out, _ = _validate(args, capsys)
    assert code == 0, out
    assert "Total: rows read 8151 = 8151 accepted + 0 rejected" in out


def test_sap_export_validates_with_its_mapping(capsys):
    code, out, _ = _validate(["--deliveries", SAP, "--mapping", SAP_MAPPING], capsys)
    assert code == 0, out
    assert "0 rejected" in out and "totals row" in out


def test_english_erp_export_validates_every_sheet_with_its_mapping(capsys):
    erp = f"{SAMPLE}/exports/erp_export_en.xlsx"
    args = [a for t in ("deliveries", "inspections", "requests", "suppliers") for a in (f"--{t}", erp)]
    code, out, _ = _validate([*args, "--mapping", f"{SAMPLE}/mappings/erp_export_en.toml"], capsys)
    assert code == 0, out
    assert out.count("+ 0 rejected") == 5  # four tables and the total


def test_broken_copy_reports_each_problem_with_file_sheet_row_and_column(tmp_path, capsys):
    broken = tmp_path / "broken.xlsx"
    planted = write_broken_copy(SAP, broken)
    code, out, err = _validate(
        ["--deliveries", str(broken), "--mapping", SAP_MAPPING, "--out", str(tmp_path / "report")], capsys
    )
    assert code == 5 and err == ""
    assert f"{len(planted)} rows rejected" in out
    problem_lines = [line for line in out.splitlines() if line.strip().startswith("- ")]
    for row, column in zip(planted["row"], planted["column"]):
        hits = [line for line in problem_lines if re.search(rf"row: {row}\b", line)]
        assert len(hits) == 1, (row, column, out)
        assert "broken.xlsx, sheet 'Tabelle1'" in hits[0]
        if isinstance(column, str):
            assert re.search(rf"'{column}', column [A-Z]+\)", hits[0]), hits[0]
    rejected = (tmp_path / "report" / "rejected_rows.csv").read_text(encoding="utf-8-sig")
    for row in planted["row"]:
        assert f",{row}," in rejected
