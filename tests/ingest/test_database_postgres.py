"""Scoring straight from PostgreSQL queries, against a real server (see pg_server.py).

Each pytest-xdist worker that runs these tests starts its own throwaway server (a private cluster on a
unix socket, about two seconds). Where none can be started the tests skip and say why; with
``SUPPLIER_ANALYTICS_REQUIRE_POSTGRES=1`` (set by ``.ci/run`` once it has installed PostgreSQL) they fail
instead, so that CI cannot pass without a real server.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.batch import run_job
from supplier_analytics.errors import InputError
from supplier_analytics.ingest import DatabaseSource
from supplier_analytics.ingest.database import read_database

sys.path.insert(0, str(Path(__file__).parent))
from db_sample import DELIVERIES_QUERY, REQUESTS_QUERY, SAMPLE, SUPPLIERS_QUERY, load_postgres  # noqa: E402
from pg_server import NoServer, postgres_server  # noqa: E402


@pytest.fixture(scope="session")
def pg():
    """A PostgreSQL server holding the normalised sample; ``SA_TEST_PGPASSWORD`` holds its password."""
    try:
        with postgres_server() as server:
            load_postgres(server.conninfo)
            old = os.environ.get("SA_TEST_PGPASSWORD")
            os.environ["SA_TEST_PGPASSWORD"] = server.password
            try:
                yield server
            finally:
                if old is None:
                    os.environ.pop("SA_TEST_PGPASSWORD", None)
                else:
                    os.environ["SA_TEST_PGPASSWORD"] = old
    except NoServer as exc:
        if os.environ.get("SUPPLIER_ANALYTICS_REQUIRE_POSTGRES"):
            pytest.fail(f"no PostgreSQL server could be started, and CI requires one: {exc}")
        pytest.skip(f"no PostgreSQL server could be started here: {exc}")


def _score(**tables):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        return sa.score(**tables)


def test_scores_from_postgresql_queries_equal_scores_from_the_csv_exports(pg):
    assert "${SA_TEST_PGPASSWORD}" in pg.url  # the password comes from the environment
    report = sa.validate_files(
        {
            "deliveries": DatabaseSource(pg.url, DELIVERIES_QUERY),
            "requests": DatabaseSource(pg.url, REQUESTS_QUERY),
            "suppliers": DatabaseSource(pg.url, SUPPLIERS_QUERY),
        }
    )
    rows = {t: (r.rows_read, r.rows_accepted) for t, r in report.results.items()}
    assert rows == {"deliveries": (6000, 6000), "requests": (480, 480), "suppliers": (40, 40)}
    d = report.results["deliveries"]
    assert d.source == pg.url.replace("${SA_TEST_PGPASSWORD}", "***") and d.data["source_row"].iloc[-1] == 6000
    csv = {t: sa.read_table(SAMPLE / f"{t}.csv", t) for t in ("deliveries", "requests", "suppliers")}
    for t, r in report.results.items():  # DATE, TIMESTAMP and NUMERIC columns read as the CSV text is
        cols = [c for c in csv[t].data.columns if not c.startswith("source_")]
        pd.testing.assert_frame_equal(r.data[cols], csv[t].data[cols])
    card = _score(**report.results)
    pd.testing.assert_frame_equal(card.suppliers, _score(**csv).suppliers)


def test_pgpassword_alone_is_enough(pg, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg.password)
    url = pg.url.replace(":${SA_TEST_PGPASSWORD}", "")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no password in the URL: no warning either
        r = sa.read_table(
            url, "suppliers", query="SELECT vendor AS supplier_id FROM vendors WHERE vendor LIKE 'V1000%'"
        )  # a literal %
    assert r.rows_accepted == 9 and r.source == url


def test_a_wrong_password_is_refused_in_one_sentence_that_does_not_show_it(pg, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = pg.url.replace("${SA_TEST_PGPASSWORD}", "wrong-Secret-7")
    with pytest.warns(UserWarning, match="has its password written out"), pytest.raises(InputError) as e:
        sa.read_table(url, "suppliers", query=SUPPLIERS_QUERY)
    msg = str(e.value)
    assert msg.startswith("Cannot connect to postgresql://sa_test:***@/postgres")
    assert 'password authentication failed for user "sa_test"' in msg and "wrong-Secret-7" not in msg


def test_dates_out_of_range_and_bad_values_are_rejected_by_result_row(pg):
    query = DELIVERIES_QUERY.replace(
        "l.received AS date_received",
        "CASE WHEN l.line_key = 5 THEN DATE '9999-12-31' ELSE l.received END AS date_received",
    ).replace(
        "l.qty_ordered AS quantity_ordered",
        "CASE WHEN l.line_key = 8 THEN -1 ELSE l.qty_ordered END AS quantity_ordered",
    )
    r = sa.read_table(pg.url, "deliveries", query=query)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (6000, 5998, 2)
    assert r.rejected[["row", "column", "reason"]].to_dict("records") == [
        {"row": 5, "column": "date_received", "reason": "date out of range (before 1900-01-01 or after 2100-12-31)"},
        {"row": 8, "column": "quantity_ordered", "reason": "negative value not allowed"},
    ]


def test_a_query_cannot_change_the_database(pg):
    with pytest.raises(InputError, match="The query on postgresql://sa_test:\\*\\*\\*@/postgres.* failed"):
        sa.read_table(pg.url, "deliveries", query="WITH d AS (DELETE FROM order_lines RETURNING *) SELECT * FROM d")
    assert sa.read_table(pg.url, "deliveries", query=DELIVERIES_QUERY).rows_read == 6000
    # and whatever a query calls runs in a read-only transaction
    raw = read_database(DatabaseSource(pg.url, "SELECT current_setting('transaction_read_only') AS ro"))
    assert raw.grid[0].tolist() == ["on"]


def test_a_job_scores_from_postgresql_and_no_password_reaches_its_files(pg, tmp_path):
    job = {
        "inputs": {
            "deliveries": {"url": pg.url, "query": DELIVERIES_QUERY},
            "suppliers": {"url": pg.url, "query": SUPPLIERS_QUERY},
        },
        "outputs": {"dir": "out"},
        "scoring": {"as_of": "2026-06-30"},
    }
    result = run_job(sa.load_job(job, base_dir=tmp_path))
    assert result.exit_code == 0
    m = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [(i["table"], i["url"], i["rows_read"]) for i in m["inputs"]] == [
        ("deliveries", pg.url.replace("${SA_TEST_PGPASSWORD}", "***"), 6000),
        ("suppliers", pg.url.replace("${SA_TEST_PGPASSWORD}", "***"), 40),
    ]
    for f in (tmp_path / "out").rglob("*"):
        if f.is_file():
            assert pg.password.encode() not in f.read_bytes(), f
