"""Reading tables from a database (SQLite files here; PostgreSQL in test_database_postgres.py).

The sample data are stored normalised (order header and order lines apart) and joined back by a query;
scoring that query's result must give what scoring the sample's CSV files gives.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sqlite3
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.batch import load_job, run_job
from supplier_analytics.cli import main
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.ingest.database import (
    DatabaseSource,
    display_url,
    expand_url,
    read_database,
    resolve_sqlite_path,
)

sys.path.insert(0, str(Path(__file__).parent))
from db_sample import DELIVERIES_QUERY, SAMPLE, load_sqlite  # noqa: E402


@pytest.fixture(scope="module")
def erp_db(tmp_path_factory) -> Path:
    return load_sqlite(tmp_path_factory.mktemp("erp") / "erp.db")


@pytest.fixture(scope="module")
def csv_card():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        return sa.score(deliveries=sa.read_table(SAMPLE / "deliveries.csv", "deliveries"))


def _score(**tables):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        return sa.score(**tables)


def test_a_join_of_order_header_and_lines_scores_as_the_csv_export_does(erp_db, csv_card):
    r = sa.read_table(f"sqlite:///{erp_db}", "deliveries", query=DELIVERIES_QUERY)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (6000, 6000, 0)
    assert r.source == f"sqlite:///{erp_db}" and r.sheet is None
    assert r.data["source_row"].tolist() == list(range(1, 6001))  # the result's rows, in the query's order
    assert "columns taken from the query result" in r.notes
    csv = sa.read_table(SAMPLE / "deliveries.csv", "deliveries")
    cols = [c for c in csv.data.columns if not c.startswith("source_")]
    pd.testing.assert_frame_equal(r.data[cols], csv.data[cols])
    card = _score(deliveries=DatabaseSource(f"sqlite:///{erp_db}", DELIVERIES_QUERY))  # score() takes the source
    pd.testing.assert_frame_equal(card.suppliers, csv_card.suppliers)


def test_rejected_rows_name_the_result_row_and_the_reason(erp_db):
    query = DELIVERIES_QUERY.replace(
        "l.qty_ordered AS quantity_ordered",
        "CASE WHEN l.line_key = 3 THEN -5 ELSE l.qty_ordered END AS quantity_ordered",
    ).replace(
        "l.received AS date_received", "CASE WHEN l.line_key = 7 THEN 'soon' ELSE l.received END AS date_received"
    )
    r = sa.read_table(f"sqlite:///{erp_db}", "deliveries", query=query)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (6000, 5998, 2)
    rej = r.rejected[["source_file", "sheet", "row", "column", "value", "reason"]].to_dict("records")
    assert rej == [
        {
            "source_file": f"sqlite:///{erp_db}",
            "sheet": None,
            "row": 3,
            "column": "quantity_ordered",
            "value": "-5",
            "reason": "negative value not allowed",
        },
        {
            "source_file": f"sqlite:///{erp_db}",
            "sheet": None,
            "row": 7,
            "column": "date_received",
            "value": "soon",
            "reason": "not a date",
        },
    ]
    assert 3 not in r.data["source_row"].values and 4 in r.data["source_row"].values


def test_a_missing_column_asks_for_an_alias_in_the_query(erp_db):
    with pytest.raises(InputError) as e:
        sa.read_table(f"sqlite:///{erp_db}", "deliveries", query="SELECT * FROM order_lines")
    msg = str(e.value)
    assert msg.startswith(f"sqlite:///{erp_db} lacks the required deliveries columns supplier_id")
    assert "(SELECT ... AS supplier_id)" in msg and "'qty_ordered'" in msg


def test_a_mapping_names_the_result_columns_as_it_names_headers(erp_db):
    columns = {"supplier_id": "vendor", "po_id": "po_number", "quantity_ordered": "qty_ordered"}
    columns |= {"date_promised": "promised", "date_received": "received"}
    r = sa.read_table(
        f"sqlite:///{erp_db}",
        "deliveries",
        query="SELECT h.vendor, l.po_number, l.qty_ordered, l.promised, l.received "
        "FROM order_lines l JOIN order_header h USING (po_number) ORDER BY l.line_key LIMIT 5",
        mapping={"deliveries": {"columns": columns}},
    )
    assert r.rows_accepted == 5 and r.column_map["supplier_id"] == "vendor"
    assert r.data["po_id"].tolist() == ["4500000012", "4500000012", "4500000014", "4500000030", "4500000031"]


def test_columns_are_built_chunk_by_chunk_and_keep_what_sqlite_holds(tmp_path):
    db = tmp_path / "mixed.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a, b, c, d)")
    rows = [(None, 1, "x", "2025-01-02"), (None, 2, "y", None), (1.5, "N/A", 3, "2025-01-04"), (2, 4, None, None)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    raw = read_database(DatabaseSource(f"sqlite:///{db}", "SELECT * FROM t ORDER BY rowid"), chunk_rows=2)
    assert raw.header == ["a", "b", "c", "d"] and raw.kind == "database"
    assert raw.row_numbers.tolist() == [1, 2, 3, 4]
    g = raw.grid
    # NULLs then numbers: one float column; numbers then text (SQLite allows it): the values as a sheet holds them
    assert g[0].dtype == np.float64 and np.isnan(g[0].iloc[0]) and g[0].tolist()[2:] == [1.5, 2.0]
    assert g[1].tolist() == [1.0, 2.0, "N/A", 4]
    assert g[2].tolist() == ["x", "y", 3, ""]
    assert g[3].tolist() == ["2025-01-02", "", "2025-01-04", ""]  # text with NULL read as empty text


def test_whole_numbers_past_two_to_the_53_keep_every_digit(tmp_path):
    # a float holds whole numbers exactly only up to 2**53: 9007199254740993 would become ...992
    db = tmp_path / "ids.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE l (po INTEGER, rid INTEGER, qty INTEGER)")
        c.executemany("INSERT INTO l VALUES (?, ?, ?)", [(2**53 + 1, 12345678901234567, 5), (2**53 + 2, 7, 5)])
    query = (
        "SELECT 'S1' AS supplier_id, po AS po_id, qty AS quantity_ordered, qty AS quantity_received, "
        "'2024-01-10' AS date_promised, '2024-01-09' AS date_received, rid AS receipt_id FROM l ORDER BY po"
    )
    r = sa.read_table(f"sqlite:///{db}", "deliveries", query=query)
    assert r.data["po_id"].tolist() == ["9007199254740993", "9007199254740994"]
    assert r.data["receipt_id"].tolist() == ["12345678901234567", "7"]
    assert r.data["quantity_received"].tolist() == [5.0, 5.0] and r.rows_rejected == 0


def test_an_empty_result_has_its_header_and_no_rows_and_a_warning(erp_db):
    with pytest.warns(sa.DataWarning, match=r"The query on sqlite:///.*erp.db returned no rows; check its WHERE"):
        r = sa.read_table(
            f"sqlite:///{erp_db}", "deliveries", query=DELIVERIES_QUERY.replace("ORDER BY", "WHERE 1 = 0 ORDER BY")
        )
    assert (r.rows_read, r.rows_accepted) == (0, 0)
    assert list(r.data.columns)[:3] == ["supplier_id", "po_id", "line_id"]


# --------------------------------------------------------------------------- passwords


def test_the_password_is_never_shown():
    assert display_url("postgresql://me:pa:ss@db:5432/erp") == "postgresql://me:***@db:5432/erp"
    assert display_url("postgresql://me@db/erp?password=x&sslmode=require") == (
        "postgresql://me@db/erp?password=***&sslmode=require"
    )
    assert display_url("sqlite:///erp.db") == "sqlite:///erp.db"
    s = DatabaseSource("postgresql://me:hunter2@db/erp", "SELECT 1")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and s.name == "postgresql://me:***@db/erp"


def test_placeholders_are_filled_from_the_environment(monkeypatch):
    monkeypatch.setenv("SA_PW", "p@ss:w/rd%")
    monkeypatch.setenv("SA_HOST", "db.example.com")
    # percent-encoded in the password, as written elsewhere
    assert (
        expand_url("postgresql://me:${SA_PW}@${SA_HOST}/erp") == "postgresql://me:p%40ss%3Aw%2Frd%25@db.example.com/erp"
    )
    monkeypatch.delenv("SA_PW")
    with pytest.raises(InputError, match=r"names \$\{SA_PW\} but the environment variable SA_PW is not set"):
        expand_url("postgresql://me:${SA_PW}@db/erp")


def test_a_password_written_out_draws_a_warning_and_stays_hidden(erp_db):
    url = "postgresql://me:hunter2@127.0.0.1:1/erp?connect_timeout=2"
    with pytest.warns(UserWarning, match=r"postgresql://me:\*\*\*@127.0.0.1:1/erp.*has its password written out"):
        with pytest.raises(InputError) as e:
            sa.read_table(url, "deliveries", query="SELECT 1")
    assert str(e.value).startswith("Cannot connect to postgresql://me:***@127.0.0.1:1/erp") and "hunter2" not in str(
        e.value
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a placeholder draws no warning
        sa.read_table(f"sqlite:///{erp_db}", "suppliers", query="SELECT vendor AS supplier_id FROM vendors")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("url", "query", "error", "start", "todo"),
    [
        ("sqlite:///{db}", None, InputError, "Cannot read sqlite:///", "no query was given"),
        ("sqlite:///{db}", "SELECT * FROM no_such_table", InputError, "The query on sqlite:///", "no such table"),
        ("sqlite:///{db}", "SELECT 1; SELECT 2", InputError, "The query on sqlite:///", "correct the SQL"),
        ("sqlite:///{db}", "DELETE FROM order_lines", InputError, "The query on sqlite:///", "readonly database"),
        ("sqlite:///{missing}", "SELECT 1", InputError, "Cannot read sqlite:///", "does not exist"),
        ("nosuchdb://me@host/db", "SELECT 1", InputError, "Cannot read nosuchdb://me@host/db", "check the start"),
        ("{db}", "SELECT 1", ConfigError, "A query was given for", "give a URL"),
    ],
)
def test_a_source_that_cannot_be_read_is_one_sentence(erp_db, tmp_path, url, query, error, start, todo):
    url = url.format(db=erp_db, missing=tmp_path / "missing.db")
    with pytest.raises(error) as e:
        sa.read_table(url, "deliveries", query=query)
    msg = str(e.value)
    assert msg.startswith(start) and todo in msg and msg.endswith(".") and "\n" not in msg
    assert not (tmp_path / "missing.db").exists()  # SQLite did not create an empty database


def test_a_query_cannot_change_the_database(erp_db):
    with pytest.raises(InputError):
        sa.read_table(f"sqlite:///{erp_db}", "deliveries", query="DROP TABLE order_lines")
    con = sqlite3.connect(erp_db)
    assert con.execute("SELECT count(*) FROM order_lines").fetchone() == (6000,)
    con.close()


@pytest.mark.skipif(importlib.util.find_spec("pymssql") is not None, reason="pymssql is installed here")
def test_a_missing_driver_says_what_to_install():
    with pytest.raises(InputError, match=r"the mssql driver is not installed .*; install it \(pip install"):
        sa.read_table("mssql+pymssql://me@host/db", "deliveries", query="SELECT 1")


# --------------------------------------------------------------------------- command line and jobs


def test_the_command_line_scores_from_a_query(erp_db, tmp_path, capsys, csv_card):
    url = f"sqlite:///{erp_db}"
    code = main(["score", "--deliveries", url, "--deliveries-query", DELIVERIES_QUERY, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and f"deliveries: {url}" in out and "rows read 6000 = 6000 accepted + 0 rejected" in out
    written = pd.read_csv(tmp_path / "suppliers.csv", dtype={"supplier_id": str})
    expected = csv_card.suppliers
    assert written["supplier_id"].tolist() == expected["supplier_id"].tolist()
    assert written["grade"].tolist() == expected["grade"].astype(str).tolist()
    np.testing.assert_allclose(written["overall_score"], expected["overall_score"].astype(float), rtol=1e-9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deliveries", "sqlite:///x.db"], "is a database URL: give the SQL with --deliveries-query"),
        (["--deliveries-query", "SELECT 1"], "--deliveries-query needs a database URL in --deliveries"),
        (["--deliveries", "d.csv", "--deliveries-query", "SELECT 1"], "(given: --deliveries d.csv, a file)"),
    ],
)
def test_the_command_line_pairs_a_url_with_its_query(args, message, tmp_path, capsys):
    assert main(["validate", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: validate: ") and message in err


def test_the_command_line_reports_a_bad_query_in_one_line(erp_db, capsys):
    code = main(["validate", "--suppliers", f"sqlite:///{erp_db}", "--suppliers-query", "SELECT nope FROM vendors"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and err.startswith(f"error: The query on sqlite:///{erp_db} failed:")


def test_a_job_reads_a_query_and_its_manifest_records_url_hash_and_rows(erp_db, tmp_path, monkeypatch):
    job_dir = tmp_path / "jobs"
    job_dir.mkdir()
    (job_dir / "erp.db").write_bytes(erp_db.read_bytes())
    monkeypatch.setenv("SA_DB_NAME", "erp.db")
    toml = (
        '[inputs]\ndeliveries = { url = "sqlite:///${SA_DB_NAME}", query = """' + DELIVERIES_QUERY + '""" }\n'
        '[outputs]\ndir = "out"\n[scoring]\nas_of = 2026-06-30\n'
    )
    (job_dir / "job.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the relative SQLite path is the job folder's, not the current folder's
    job = load_job(job_dir / "job.toml")
    assert job.inputs["deliveries"].url == f"sqlite:///{job_dir.as_posix()}/${{SA_DB_NAME}}"
    result = run_job(job)
    assert result.exit_code == 0
    m = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["inputs"] == [
        {
            "table": "deliveries",
            "url": f"sqlite:///{job_dir.as_posix()}/${{SA_DB_NAME}}",
            "query_sha256": hashlib.sha256(DELIVERIES_QUERY[1:].encode()).hexdigest(),  # TOML drops the first newline
            "rows_read": 6000,
            "rows_accepted": 6000,
            "rows_rejected": 0,
        }
    ]
    assert m["rows"]["deliveries"]["rows_read"] == 6000


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"url": "sqlite:///erp.db"}, "inputs.deliveries needs a query with its url"),
        ({"query": "SELECT 1"}, "inputs.deliveries has a query but no url; a query runs on a database"),
        ({"url": "erp.db", "query": "SELECT 1"}, "inputs.deliveries.url = 'erp.db' must be a database URL"),
        ({"url": "sqlite:///erp.db", "query": "SELECT 1", "path": "d.csv"}, "has a url and a path"),
        ("postgresql://me:secret@db/erp", 'write deliveries = { url = "...", query = "SELECT ..." }'),
    ],
)
def test_a_job_input_from_a_database_is_checked(value, problem, tmp_path):
    with pytest.raises(ConfigError) as e:
        load_job({"inputs": {"deliveries": value}, "outputs": {"dir": "o"}}, base_dir=tmp_path)
    assert problem in str(e.value) and "secret" not in str(e.value)


def test_resolving_a_sqlite_path_leaves_other_urls_alone(tmp_path):
    assert (
        resolve_sqlite_path("sqlite:///erp.db?timeout=5", tmp_path)
        == f"sqlite:///{tmp_path.as_posix()}/erp.db?timeout=5"
    )
    assert resolve_sqlite_path("sqlite://", tmp_path) == "sqlite://"
    assert resolve_sqlite_path("postgresql://me@db/erp", tmp_path) == "postgresql://me@db/erp"
