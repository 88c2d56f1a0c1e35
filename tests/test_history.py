"""History store: one set of rows per as-of date, replacement in one transaction, changes between dates."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from supplier_analytics import history
from supplier_analytics.errors import InputError


def _frame(ids, grades, scores, ppm=None):
    out = pd.DataFrame(
        {
            "supplier_id": pd.array(ids, dtype="string"),
            "supplier_name": pd.array([f"Name {i}" for i in ids], dtype="string"),
            "grade": grades,
            "overall_score": np.asarray(scores, dtype="float64"),
            "rank": np.arange(1, len(ids) + 1, dtype="float64"),
            "n_deliveries": np.arange(10, 10 + len(ids), dtype="int64"),
            "weight_sensitive": [False] * len(ids),
        }
    )
    if ppm is not None:
        out["ppm"] = np.asarray(ppm, dtype="float64")
    return out


@pytest.fixture
def db(tmp_path):
    return tmp_path / "h.sqlite"


def test_write_then_load_round_trips_values(db):
    frame = _frame(["S1", "S2"], ["A", "insufficient evidence"], [91.5, np.nan], ppm=[120.0, np.nan])
    history.write(db, frame, as_of="2026-03-31", run={"run_id": "r1", "outcome": "success", "exit_code": 0})
    sup = history.load(db)
    assert sup["as_of"].tolist() == [pd.Timestamp("2026-03-31")] * 2
    assert sup["supplier_id"].tolist() == ["S1", "S2"]
    assert sup["grade"].tolist() == ["A", "insufficient evidence"]
    assert sup["overall_score"].iloc[0] == 91.5 and np.isnan(sup["overall_score"].iloc[1])
    assert sup["category"].isna().all()  # a column the frame lacks stays empty
    metrics = history.load(db, table="metrics")
    # every numeric or boolean column, in long form, empty values kept empty
    assert sorted(metrics["metric"].unique()) == ["n_deliveries", "overall_score", "ppm", "rank", "weight_sensitive"]
    ppm = metrics[metrics["metric"] == "ppm"].set_index("supplier_id")["value"]
    assert ppm["S1"] == 120.0 and np.isnan(ppm["S2"])
    runs = history.load(db, table="runs")
    assert runs[["run_id", "outcome"]].values.tolist() == [["r1", "success"]]
    assert runs["committed"].tolist() == [1] and runs["exit_code"].tolist() == [0]


def test_rewriting_an_as_of_replaces_its_rows_and_keeps_other_dates(db):
    history.write(db, _frame(["S1", "S2", "S3"], list("ABC"), [90, 75, 55]), as_of="2026-01-31", run={"run_id": "a"})
    history.write(db, _frame(["S1", "S2"], list("AB"), [91, 76]), as_of="2026-02-28", run={"run_id": "b"})
    history.write(db, _frame(["S1"], ["B"], [80]), as_of="2026-02-28", run={"run_id": "c"})
    sup = history.load(db)
    assert sup.groupby("as_of").size().to_dict() == {pd.Timestamp("2026-01-31"): 3, pd.Timestamp("2026-02-28"): 1}
    feb = sup[sup["as_of"] == "2026-02-28"]
    assert feb[["supplier_id", "grade", "run_id"]].values.tolist() == [["S1", "B", "c"]]
    metrics = history.load(db, table="metrics", since="2026-02-01")
    assert set(metrics["supplier_id"]) == {"S1"}  # S2's February metrics went with its row
    assert len(metrics) == 4  # overall_score, rank, n_deliveries, weight_sensitive
    assert history.load(db, table="runs")["run_id"].tolist() == ["a", "b", "c"]


def test_a_failing_write_leaves_the_previous_rows(db):
    history.write(db, _frame(["S1", "S2"], list("AB"), [90, 75]), as_of="2026-01-31", run={"run_id": "a"})

    def boom(step):
        if step == "history: suppliers inserted":
            raise RuntimeError("stopped inside the transaction")

    with pytest.raises(RuntimeError, match="inside the transaction"):
        history.write(db, _frame(["S9"], ["D"], [10]), as_of="2026-01-31", run={"run_id": "b"}, on_step=boom)
    sup = history.load(db)
    assert sup[["supplier_id", "grade", "run_id"]].values.tolist() == [["S1", "A", "a"], ["S2", "B", "a"]]
    assert history.load(db, table="runs")["run_id"].tolist() == ["a"]


def test_database_uses_wal_and_records_its_schema_version(db):
    history.write(db, _frame(["S1"], ["A"], [90]), as_of="2026-01-31", run={"run_id": "a"})
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(
            history.SCHEMA_VERSION
        )
    finally:
        con.close()


def test_record_run_adds_a_failed_run_without_touching_results(db):
    history.write(db, _frame(["S1"], ["A"], [90]), as_of="2026-01-31", run={"run_id": "a"})
    history.record_run(db, {"run_id": "b", "outcome": "failed", "exit_code": 3, "message": "cannot read x.csv"})
    runs = history.load(db, table="runs").set_index("run_id")
    assert runs.loc["b", "committed"] == 0 and runs.loc["b", "exit_code"] == 3
    assert len(history.load(db)) == 1


def test_changes_grades_appearing_disappearing(db):
    history.write(db, _frame(["S1", "S2", "S3"], list("ABC"), [90, 75, 55]), as_of="2026-01-31", run={"run_id": "a"})
    history.write(
        db, _frame(["S1", "S2", "S4"], ["B", "A", "C"], [84, 88, 60]), as_of="2026-02-28", run={"run_id": "b"}
    )
    history.write(
        db, _frame(["S1", "S2", "S4"], ["B", "A", "D"], [80, 89, 40]), as_of="2026-03-31", run={"run_id": "c"}
    )
    ch = history.changes(db, as_of="2026-02-28")
    assert ch["summary"].iloc[0].to_dict() == {
        "as_of": pd.Timestamp("2026-02-28"),
        "previous_as_of": pd.Timestamp("2026-01-31"),
        "suppliers": 3,
        "grade_changes": 2,
        "appeared": 1,
        "disappeared": 1,
        "new_alerts": 0,
    }
    expected = pd.DataFrame(
        {
            "supplier_id": pd.array(["S1", "S2"], dtype="string"),
            "supplier_name": pd.array(["Name S1", "Name S2"], dtype="string"),
            "grade_before": pd.array(["A", "B"], dtype="string"),
            "grade_after": pd.array(["B", "A"], dtype="string"),
            "score_before": [90.0, 75.0],
            "score_after": [84.0, 88.0],
            "score_change": [-6.0, 13.0],
            "direction": pd.array(["worse", "better"], dtype="string"),
        }
    )
    pd.testing.assert_frame_equal(ch["grades"].sort_values("supplier_id").reset_index(drop=True), expected)
    assert ch["appeared"]["supplier_id"].tolist() == ["S4"]
    assert ch["disappeared"][["supplier_id", "grade"]].values.tolist() == [["S3", "C"]]
    latest = history.changes(db)  # default: the latest date against the one before
    assert latest["summary"]["as_of"].iloc[0] == pd.Timestamp("2026-03-31")
    assert latest["grades"][["supplier_id", "grade_before", "grade_after"]].values.tolist() == [["S4", "C", "D"]]


def test_changes_on_the_first_date_counts_everyone_as_appeared(db):
    history.write(db, _frame(["S1", "S2"], list("AB"), [90, 75]), as_of="2026-01-31", run={"run_id": "a"})
    ch = history.changes(db)
    assert pd.isna(ch["summary"]["previous_as_of"].iloc[0])
    assert ch["appeared"]["supplier_id"].tolist() == ["S1", "S2"]
    assert ch["grades"].empty and ch["disappeared"].empty


def test_changes_reports_only_new_alerts(db):
    alerts1 = pd.DataFrame({"supplier_id": ["S1"], "metric": ["otif_rate"], "kind": ["trend"], "message": ["down"]})
    alerts2 = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2"],
            "metric": ["otif_rate", "ppm"],
            "kind": ["trend", "shift"],
            "message": ["still down", "up"],
        }
    )
    history.write(
        db, _frame(["S1", "S2"], list("AB"), [90, 75]), as_of="2026-01-31", run={"run_id": "a"}, alerts=alerts1
    )
    history.write(
        db, _frame(["S1", "S2"], list("AB"), [90, 75]), as_of="2026-02-28", run={"run_id": "b"}, alerts=alerts2
    )
    new = history.changes(db)["alerts"]
    assert new[["supplier_id", "metric", "kind"]].values.tolist() == [["S2", "ppm", "shift"]]
    assert len(history.load(db, table="alerts")) == 3


def test_grade_history_and_transitions(db):
    for day, grades in [("2026-01-31", "AAB"), ("2026-02-28", "ABB"), ("2026-03-31", "BBA")]:
        history.write(db, _frame(["S1", "S2", "S3"], list(grades), [1, 2, 3]), as_of=day, run={"run_id": day})
    wide = history.grade_history(db)
    assert list(wide.columns) == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert wide.loc["S2"].tolist() == ["A", "B", "B"]
    moves = history.grade_transitions(db)
    # S1 A->A, A->B; S2 A->B, B->B; S3 B->B, B->A
    assert moves.loc["A"].tolist() == [1, 2] and moves.loc["B"].tolist() == [1, 2]
    assert history.grade_transitions(db, since="2026-03-01").empty


def test_errors_name_the_file(tmp_path, db):
    with pytest.raises(InputError, match=r"History database .*nope.sqlite does not exist"):
        history.load(tmp_path / "nope.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match=r"junk.sqlite is not a readable supplier-analytics history database"):
        history.load(junk)
    history.write(db, _frame(["S1"], ["A"], [90]), as_of="2026-01-31", run={"run_id": "a"})
    with pytest.raises(InputError, match="Unknown history table 'grades'"):
        history.load(db, table="grades")
    with pytest.raises(
        InputError, match=r"As-of date 2026-05-31 is not in the history h.sqlite; stored dates include: 2026-01-31"
    ):
        history.changes(db, as_of="2026-05-31")
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="has version 99, this version reads up to 1"):
        history.load(db)


def test_metric_history_is_one_column_per_supplier(db):
    history.write(
        db, _frame(["S1", "S2"], list("AB"), [90, 75], ppm=[100.0, 250.0]), as_of="2026-01-31", run={"run_id": "a"}
    )
    history.write(
        db, _frame(["S2", "S3"], list("BC"), [70, 55], ppm=[300.0, np.nan]), as_of="2026-02-28", run={"run_id": "b"}
    )
    wide = history.metric_history(db, "ppm")
    assert list(wide.columns) == ["S1", "S2", "S3"]
    assert list(wide.index) == [pd.Timestamp("2026-01-31"), pd.Timestamp("2026-02-28")]
    assert wide["S2"].tolist() == [250.0, 300.0]
    assert wide["S1"].isna().tolist() == [False, True] and wide["S3"].isna().all()
    with pytest.raises(
        InputError,
        match=r"Metric 'otif' is not in the history h.sqlite; stored metrics include: "
        r"n_deliveries, overall_score, ppm, rank, weight_sensitive.",
    ):
        history.metric_history(db, "otif")
