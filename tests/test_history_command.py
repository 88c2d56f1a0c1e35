"""``supplier-analytics history``: grade changes since the last run and one supplier's history, on the
terminal and as a workbook, from a history built with the history's own API (values checkable by hand)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from supplier_analytics import history
from supplier_analytics.batch.changes import grade_changes, history_file, supplier_history
from supplier_analytics.cli import main


@pytest.fixture
def db(tmp_path) -> Path:
    """Two runs: S1 falls A -> B (90 -> 80), S4 rises C -> B (60 -> 71.5), S2 keeps B, S3 gone, S5 new."""
    out = tmp_path / "out"
    out.mkdir()
    path = out / "history.sqlite"
    names = {"S1": "Acme GmbH", "S2": "=Bolt Ltd", "S3": "Cog SA", "S4": "Dyn AB", "S5": "Eel Oy"}

    def frame(rows):
        return pd.DataFrame(
            [
                {"supplier_id": s, "supplier_name": names[s], "grade": g, "overall_score": v, "rank": r}
                for r, (s, g, v) in enumerate(rows, start=1)
            ]
        )

    history.write(
        path,
        frame([("S1", "A", 90.0), ("S2", "B", 75.0), ("S3", "C", 58.0), ("S4", "C", 60.0)]),
        as_of="2026-05-31",
        run={"run_id": "may"},
    )
    history.write(
        path,
        frame([("S2", "B", 76.0), ("S1", "B", 80.0), ("S4", "B", 71.5), ("S5", "A", 88.0)]),
        as_of="2026-06-30",
        run={"run_id": "june"},
    )
    return path


def test_grade_changes_in_peoples_words(db):
    title, table = grade_changes(db)
    assert title == (
        "Grade changes as of 2026-06-30 since 2026-05-31: 2 of 4 suppliers changed grade, 1 new, 1 no longer scored"
    )
    assert list(table.columns) == [
        "Supplier",
        "Name",
        "Grade before",
        "Grade now",
        "Score before",
        "Score now",
        "Change in points",
        "What changed",
    ]
    rows = table.astype(object).where(table.notna(), None).values.tolist()
    assert rows == [  # worse first, then better, then new, then gone
        ["S1", "Acme GmbH", "A", "B", 90.0, 80.0, -10.0, "Worse"],
        ["S4", "Dyn AB", "C", "B", 60.0, 71.5, 11.5, "Better"],
        ["S5", "Eel Oy", None, "A", None, 88.0, None, "New supplier"],
        ["S3", "Cog SA", "C", None, 58.0, None, None, "No longer scored"],
    ]
    first, table = grade_changes(db, as_of="2026-05-31")
    assert first.startswith("Grades as of 2026-05-31: the first run in the history") and len(table) == 0


def test_one_suppliers_history(db):
    title, table = supplier_history(db, "S1")
    assert title == "History of S1 (Acme GmbH): 2 as-of dates"
    assert table.values.tolist() == [["2026-05-31", "A", 1.0, 90.0], ["2026-06-30", "B", 2.0, 80.0]]
    assert list(table.columns) == ["As of", "Grade", "Rank", "Overall score"]
    with pytest.raises(Exception, match="Supplier 'S9' is not in the history history.sqlite"):
        supplier_history(db, "S9")


def test_the_command_prints_and_writes_the_workbook(db, tmp_path, capsys):
    book = tmp_path / "history.xlsx"
    assert main(["history", str(db.parent), "--supplier", "S4", "--xlsx", str(book)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "History of S4 (Dyn AB): 2 as-of dates"
    assert lines[1].split() == ["As", "of", "Grade", "Rank", "Overall", "score"]
    assert lines[2].split() == ["2026-05-31", "C", "4", "60.0"] and lines[3].split() == ["2026-06-30", "B", "3", "71.5"]
    at = lines.index(
        "Grade changes as of 2026-06-30 since 2026-05-31: 2 of 4 suppliers changed grade, 1 new, 1 no longer scored"
    )
    assert lines[at + 2].split() == ["S1", "Acme", "GmbH", "A", "B", "90.0", "80.0", "-10.0", "Worse"]
    assert lines[-1] == f"Written to {book}"

    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Supplier history", "Changes since last run"]
    ws = wb["Changes since last run"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(values) if r[0] == "Supplier")
    assert values[header] == [
        "Supplier",
        "Name",
        "Grade before",
        "Grade now",
        "Score before",
        "Score now",
        "Change in points",
        "What changed",
    ]
    assert values[header + 1] == ["S1", "Acme GmbH", "A", "B", 90, 80, -10, "Worse"]
    assert ws.cell(header + 2, 7).number_format == "+0.0;-0.0;0.0"


def test_the_history_is_found_from_the_folder_the_job_or_the_file(db, tmp_path, capsys):
    job = tmp_path / "job.toml"
    job.write_text('[inputs]\ndeliveries = "d.csv"\n[outputs]\ndir = "out"\n', encoding="utf-8")
    assert history_file(db.parent) == history_file(job) == history_file(db) == db
    assert main(["history", str(tmp_path / "nowhere")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: No history at ") and "after at least one run" in err
