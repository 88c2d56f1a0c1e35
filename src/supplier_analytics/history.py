"""History of scheduled runs: supplier grades, scores and metrics per as-of date, in SQLite.

A batch run (:func:`supplier_analytics.batch.run_job`) stores each as-of
date's results in an embedded SQLite database (standard library ``sqlite3``,
WAL journal, so readers never block the writer and never see half a run).
Re-running an as-of date replaces that date's rows in one transaction: there is
always exactly one set of rows per supplier and as-of date.

Tables (read them with :func:`load`):

``suppliers``
    one row per as-of date and supplier: ``as_of, supplier_id, run_id,
    supplier_name, category, country, grade, rank, overall_score,
    delivery_score, quality_score, responsiveness_score, dimensions_used,
    grade_stability``.
``metrics``
    the same suppliers in long form, every numeric column of the scorecard:
    ``as_of, supplier_id, metric, value`` (empty values stay empty).
``alerts``
    alerts raised by a run: ``as_of, supplier_id, metric, kind, message, run_id``.
``runs``
    one row per run, failed runs included: ``run_id, as_of, started_utc,
    finished_utc, outcome, exit_code, committed, package_version,
    config_hash, job, message`` (plus the run's ``manifest`` JSON).

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from supplier_analytics import history
>>> db = os.path.join(tempfile.mkdtemp(), "history.sqlite")
>>> jan = pd.DataFrame({"supplier_id": ["S1", "S2"], "grade": ["A", "C"], "overall_score": [90.0, 55.0]})
>>> feb = pd.DataFrame({"supplier_id": ["S1", "S3"], "grade": ["B", "A"], "overall_score": [80.0, 88.0]})
>>> history.write(db, jan, as_of="2026-01-31", run={"run_id": "r1"})
>>> history.write(db, feb, as_of="2026-02-28", run={"run_id": "r2"})
>>> history.write(db, feb, as_of="2026-02-28", run={"run_id": "r3"})  # replaces, never duplicates
>>> history.load(db)[["as_of", "supplier_id", "grade", "run_id"]]
       as_of supplier_id grade run_id
0 2026-01-31          S1     A     r1
1 2026-01-31          S2     C     r1
2 2026-02-28          S1     B     r3
3 2026-02-28          S3     A     r3
>>> ch = history.changes(db)
>>> ch["grades"][["supplier_id", "grade_before", "grade_after", "direction"]]
  supplier_id grade_before grade_after direction
0          S1            A           B     worse
>>> ch["appeared"]["supplier_id"].tolist(), ch["disappeared"]["supplier_id"].tolist()
(['S3'], ['S2'])
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Mapping
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

from supplier_analytics.errors import InputError
from supplier_analytics.tables import resolve_as_of

__all__ = [
    "SCHEMA_VERSION",
    "HISTORY_TABLES",
    "SUPPLIER_COLUMNS",
    "write",
    "record_run",
    "load",
    "as_of_dates",
    "changes",
    "grade_history",
    "metric_history",
    "grade_transitions",
]

#: Version of the table layout written into the ``meta`` table.
SCHEMA_VERSION = 1

#: Tables :func:`load` can read.
HISTORY_TABLES = ("suppliers", "metrics", "alerts", "runs")

#: Columns of the ``suppliers`` table after ``as_of, supplier_id, run_id`` (name -> SQLite type).
SUPPLIER_COLUMNS = {
    "supplier_name": "TEXT",
    "category": "TEXT",
    "country": "TEXT",
    "grade": "TEXT",
    "rank": "REAL",
    "overall_score": "REAL",
    "delivery_score": "REAL",
    "quality_score": "REAL",
    "responsiveness_score": "REAL",
    "dimensions_used": "TEXT",
    "grade_stability": "REAL",
}

_ALERT_COLUMNS = ("supplier_id", "metric", "kind", "message")
_RUN_COLUMNS = (
    "run_id",
    "as_of",
    "started_utc",
    "finished_utc",
    "outcome",
    "exit_code",
    "committed",
    "package_version",
    "config_hash",
    "job",
    "message",
    "manifest",
)

_DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, as_of TEXT, started_utc TEXT, finished_utc TEXT, outcome TEXT,
    exit_code INTEGER, committed INTEGER NOT NULL DEFAULT 0, package_version TEXT, config_hash TEXT,
    job TEXT, message TEXT, manifest TEXT);
CREATE TABLE IF NOT EXISTS suppliers (
    as_of TEXT NOT NULL, supplier_id TEXT NOT NULL, run_id TEXT NOT NULL,
    {", ".join(f"{c} {t}" for c, t in SUPPLIER_COLUMNS.items())},
    PRIMARY KEY (as_of, supplier_id));
CREATE TABLE IF NOT EXISTS metrics (
    as_of TEXT NOT NULL, supplier_id TEXT NOT NULL, metric TEXT NOT NULL, value REAL,
    PRIMARY KEY (as_of, supplier_id, metric));
CREATE TABLE IF NOT EXISTS alerts (
    as_of TEXT NOT NULL, supplier_id TEXT, metric TEXT, kind TEXT, message TEXT, run_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_as_of ON alerts (as_of);
"""


# --------------------------------------------------------------------------- connections


def _connect(path: str | Path, *, create: bool) -> sqlite3.Connection:
    """Open the history database (WAL journal, full sync, 30 s busy timeout)."""
    path = Path(path)
    if not create and not path.is_file():
        raise InputError(f"History database {path} does not exist; run a job first or check the [history] path.")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 30000")
        if create:
            con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA foreign_keys = ON")
        if create:  # idempotent, in one transaction, safe when two processes create at once
            con.executescript(
                f"BEGIN IMMEDIATE; {_DDL} INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
            )
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"{path} is not a readable supplier-analytics history database ({exc}); "
            "point [history] path at another file or restore it from a backup."
        ) from None
    if row is None or int(row[0]) > SCHEMA_VERSION:
        con.close()
        found = "no version" if row is None else f"version {row[0]}"
        raise InputError(
            f"History database {path} has {found}, this version reads up to {SCHEMA_VERSION}; "
            "use the supplier-analytics version that wrote it or another [history] path."
        )
    return con


def _day(as_of) -> str:
    """``as_of`` as YYYY-MM-DD, read as the scoring reads it (InputError when it is not a date)."""
    if as_of is None:  # resolve_as_of would take the latest date of the data; here there is none
        raise InputError("as_of is empty; give it as YYYY-MM-DD.")
    return resolve_as_of(as_of).strftime("%Y-%m-%d")


def _plain(value):
    """A value SQLite can store: None for missing, Python scalars otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return str(value)


# --------------------------------------------------------------------------- writing


def write(
    path: str | Path,
    suppliers: pd.DataFrame,
    *,
    as_of,
    run: Mapping,
    alerts: pd.DataFrame | None = None,
    on_step: Callable[[str], None] | None = None,
) -> None:
    """Store one as-of date's results, replacing any earlier results for that date, in ONE transaction.

    Parameters
    ----------
    path : the SQLite file (created with its tables when absent).
    suppliers : one row per supplier (``Scorecard.suppliers``); needs ``supplier_id``.
        Columns in :data:`SUPPLIER_COLUMNS` go to the ``suppliers`` table, every
        numeric or boolean column to ``metrics``.
    as_of : the as-of date the rows belong to.
    run : the run's record: ``run_id`` (required) and any of the ``runs``
        columns (``started_utc``, ``outcome``, ``exit_code``, ``manifest`` as a
        dict, ...); stored with ``committed = 1``.
    alerts : optional alerts (``supplier_id, metric, kind, message``).
    on_step : called with a step name inside the transaction (a test hook).

    Either every row of the run is stored or, if the process dies or an error
    occurs, none: SQLite rolls the open transaction back.
    """
    if "supplier_id" not in suppliers.columns:
        raise InputError("history.write needs a supplier_id column in the suppliers frame.")
    if not run.get("run_id"):
        raise InputError("history.write needs run={'run_id': ...} to record which run wrote the rows.")
    day = _day(as_of)
    run_id = str(run["run_id"])
    step = on_step or (lambda name: None)
    ids = suppliers["supplier_id"].astype(str).tolist()
    sup_rows = []
    for i, sid in enumerate(ids):
        sup_rows.append(
            (
                day,
                sid,
                run_id,
                *(_plain(suppliers[c].iloc[i]) if c in suppliers.columns else None for c in SUPPLIER_COLUMNS),
            )
        )
    numeric = [
        c
        for c in suppliers.columns
        if c != "supplier_id"
        and (pd.api.types.is_numeric_dtype(suppliers[c]) or pd.api.types.is_bool_dtype(suppliers[c]))
    ]
    metric_rows: list[tuple[str, str, str, float | None]] = []
    for c in numeric:
        values = suppliers[c].to_numpy(dtype="float64", na_value=np.nan)
        metric_rows.extend((day, sid, c, None if math.isnan(v) else float(v)) for sid, v in zip(ids, values))
    alert_rows = []
    if alerts is not None and len(alerts):
        for rec in alerts.to_dict("records"):
            alert_rows.append((day, *(_plain(rec.get(c)) for c in _ALERT_COLUMNS), run_id))
    run_row = _run_row({**run, "as_of": day, "committed": 1})

    with closing(_connect(path, create=True)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            step("history: transaction open")
            for table in ("suppliers", "metrics", "alerts"):
                con.execute(f"DELETE FROM {table} WHERE as_of = ?", (day,))
            step("history: old rows deleted")
            marks = ", ".join("?" * (3 + len(SUPPLIER_COLUMNS)))
            con.executemany(
                f"INSERT INTO suppliers (as_of, supplier_id, run_id, {', '.join(SUPPLIER_COLUMNS)}) VALUES ({marks})",
                sup_rows,
            )
            step("history: suppliers inserted")
            con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?)", metric_rows)
            con.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)", alert_rows)
            con.execute(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(_RUN_COLUMNS))})", run_row)
            step("history: before commit")
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise


def _run_row(run: Mapping) -> tuple:
    rec = dict(run)
    if isinstance(rec.get("manifest"), Mapping):
        rec["manifest"] = json.dumps(rec["manifest"], default=str, sort_keys=True)
    return tuple(_plain(rec.get(c)) for c in _RUN_COLUMNS)


def record_run(path: str | Path, run: Mapping) -> None:
    """Record a run that stored no results (a failed run) in the ``runs`` table, ``committed = 0``.

    Supplier rows, metrics and alerts are not touched.
    """
    if not run.get("run_id"):
        raise InputError("history.record_run needs run={'run_id': ...}.")
    row = _run_row({**run, "committed": 0})
    with closing(_connect(path, create=True)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(_RUN_COLUMNS))})", row)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise


# --------------------------------------------------------------------------- reading


def load(path: str | Path, *, table: str = "suppliers", since=None) -> pd.DataFrame:
    """Read a history table back as a DataFrame, oldest as-of date first.

    Parameters
    ----------
    path : the SQLite history file written by batch runs.
    table : ``"suppliers"`` (default), ``"metrics"``, ``"alerts"`` or ``"runs"``
        (see the module notes for their columns).
    since : keep as-of dates on or after this date (default: all).

    Returns
    -------
    pandas.DataFrame
        ``as_of`` as datetime64; ids and texts as strings; sorted by as-of
        date and supplier (runs: by start time).

    Raises
    ------
    InputError
        The file does not exist or is not a history database.
    """
    if table not in HISTORY_TABLES:
        raise InputError(f"Unknown history table {table!r}; use one of: {', '.join(HISTORY_TABLES)}.")
    where = ""
    params: tuple[str, ...] = ()
    if since is not None:
        where, params = " WHERE as_of >= ?", (_day(since),)
    order = {
        "suppliers": "as_of, supplier_id",
        "metrics": "as_of, supplier_id, metric",
        "alerts": "as_of, supplier_id, metric, kind",
        "runs": "started_utc, run_id",
    }[table]
    with closing(_connect(path, create=False)) as con:
        cur = con.execute(f"SELECT * FROM {table}{where} ORDER BY {order}", params)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=names)
    for c in names:
        if c == "as_of":
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
        elif c in ("started_utc", "finished_utc"):
            frame[c] = pd.to_datetime(frame[c], utc=True)
        elif c in ("exit_code", "committed"):
            frame[c] = frame[c].astype("Int64")
        elif c == "value" or SUPPLIER_COLUMNS.get(c) == "REAL":
            frame[c] = frame[c].astype("float64")
        else:
            frame[c] = frame[c].astype("string")
    return frame


def as_of_dates(path: str | Path) -> list[pd.Timestamp]:
    """The as-of dates stored in the history, oldest first."""
    with closing(_connect(path, create=False)) as con:
        rows = con.execute("SELECT DISTINCT as_of FROM suppliers ORDER BY as_of").fetchall()
    return [pd.Timestamp(r[0]) for r in rows]


def changes(path: str | Path, as_of=None) -> dict[str, pd.DataFrame]:
    """What changed at an as-of date compared with the as-of date stored before it.

    Parameters
    ----------
    path : the history file.
    as_of : the as-of date to look at (default: the latest in the history).
        It is compared with the latest earlier as-of date in the history
        ("since the last run" when runs go forward in time, as scheduled jobs do).

    Returns
    -------
    dict of DataFrames
        ``summary`` (one row: ``as_of, previous_as_of, suppliers,
        grade_changes, appeared, disappeared, new_alerts``);
        ``grades`` (suppliers whose grade changed: ``supplier_id,
        supplier_name, grade_before, grade_after, score_before, score_after,
        score_change, direction`` where direction is ``better``/``worse`` by the
        score and ``n/a`` without two scores); ``appeared`` and ``disappeared``
        (suppliers present only now / only before: ``supplier_id,
        supplier_name, grade, overall_score``); ``alerts`` (alerts at ``as_of``
        whose supplier, metric and kind were not raised at the previous date).
        With no earlier date everything counts as appeared.
    """
    dates = as_of_dates(path)
    if not dates:
        raise InputError(f"History database {path} holds no results yet; run a job first.")
    current = pd.Timestamp(_day(as_of)) if as_of is not None else dates[-1]
    if current not in dates:
        shown = ", ".join(d.strftime("%Y-%m-%d") for d in dates[-12:])
        raise InputError(
            f"As-of date {current.date()} is not in the history {Path(path).name}; stored dates include: {shown}."
        )
    earlier = [d for d in dates if d < current]
    previous = earlier[-1] if earlier else None
    sup = load(path, since=previous if previous is not None else current)
    now = sup[sup["as_of"] == current].set_index("supplier_id")
    before = sup[sup["as_of"] == previous].set_index("supplier_id") if previous is not None else now.iloc[:0]
    both = now.index.intersection(before.index, sort=False)
    g_now, g_before = now.loc[both, "grade"], before.loc[both, "grade"]
    moved = both[(g_now.fillna("") != g_before.fillna("")).to_numpy(dtype=bool)]
    s_before = before.loc[moved, "overall_score"].to_numpy(dtype="float64")
    s_after = now.loc[moved, "overall_score"].to_numpy(dtype="float64")
    delta = s_after - s_before
    direction = np.where(np.isnan(delta), "n/a", np.where(delta > 0, "better", np.where(delta < 0, "worse", "n/a")))
    grades = pd.DataFrame(
        {
            "supplier_id": pd.array(list(moved), dtype="string"),
            "supplier_name": now.loc[moved, "supplier_name"].to_numpy(),
            "grade_before": before.loc[moved, "grade"].to_numpy(),
            "grade_after": now.loc[moved, "grade"].to_numpy(),
            "score_before": s_before,
            "score_after": s_after,
            "score_change": delta,
            "direction": pd.array(direction, dtype="string"),
        }
    )
    grades["supplier_name"] = grades["supplier_name"].astype("string")
    grades["grade_before"] = grades["grade_before"].astype("string")
    grades["grade_after"] = grades["grade_after"].astype("string")

    def members(frame: pd.DataFrame, ids) -> pd.DataFrame:
        out = frame.loc[list(ids), ["supplier_name", "grade", "overall_score"]].reset_index()
        return out.sort_values("supplier_id", kind="stable").reset_index(drop=True)

    appeared = members(now, now.index.difference(before.index, sort=False))
    disappeared = members(before, before.index.difference(now.index, sort=False))

    alerts = load(path, table="alerts", since=previous if previous is not None else current)
    key = ["supplier_id", "metric", "kind"]
    a_now = alerts[alerts["as_of"] == current]
    a_before = alerts[alerts["as_of"] == previous] if previous is not None else alerts.iloc[:0]
    seen = set(map(tuple, a_before[key].fillna("").astype(str).to_numpy().tolist()))
    is_new = [tuple(r) not in seen for r in a_now[key].fillna("").astype(str).to_numpy().tolist()]
    new_alerts = a_now[np.asarray(is_new, dtype=bool)].reset_index(drop=True)

    summary = pd.DataFrame(
        {
            "as_of": [current],
            "previous_as_of": [previous if previous is not None else pd.NaT],
            "suppliers": [len(now)],
            "grade_changes": [len(grades)],
            "appeared": [len(appeared)],
            "disappeared": [len(disappeared)],
            "new_alerts": [len(new_alerts)],
        }
    )
    return {
        "summary": summary,
        "grades": grades,
        "appeared": appeared,
        "disappeared": disappeared,
        "alerts": new_alerts,
    }


def grade_history(path: str | Path, *, since=None) -> pd.DataFrame:
    """Grades as a table: one row per supplier, one column per as-of date (empty where not scored).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> from supplier_analytics import history
    >>> db = os.path.join(tempfile.mkdtemp(), "h.sqlite")
    >>> history.write(db, pd.DataFrame({"supplier_id": ["S1", "S2"], "grade": ["A", "B"]}),
    ...               as_of="2026-01-31", run={"run_id": "a"})
    >>> history.write(db, pd.DataFrame({"supplier_id": ["S1"], "grade": ["B"]}),
    ...               as_of="2026-02-28", run={"run_id": "b"})
    >>> history.grade_history(db)  # doctest: +NORMALIZE_WHITESPACE
    as_of       2026-01-31 2026-02-28
    supplier_id
    S1                   A          B
    S2                   B       <NA>
    """
    sup = load(path, since=since)
    wide = sup.pivot(index="supplier_id", columns="as_of", values="grade")
    wide.columns = pd.Index([c.strftime("%Y-%m-%d") for c in wide.columns], name="as_of")
    return wide.astype("string")


def metric_history(path: str | Path, metric: str = "overall_score", *, since=None) -> pd.DataFrame:
    """One metric as a table: one row per as-of date, one column per supplier (ready for ``.plot()``).

    Parameters
    ----------
    path : the history file.
    metric : any numeric column of the scorecard stored in ``metrics``
        (``overall_score``, ``otif_rate``, ``ppm``, ...).
    since : keep as-of dates on or after this date.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> from supplier_analytics import history
    >>> db = os.path.join(tempfile.mkdtemp(), "h.sqlite")
    >>> history.write(db, pd.DataFrame({"supplier_id": ["S1", "S2"], "overall_score": [80.0, 60.0]}),
    ...               as_of="2026-01-31", run={"run_id": "a"})
    >>> history.write(db, pd.DataFrame({"supplier_id": ["S1"], "overall_score": [82.5]}),
    ...               as_of="2026-02-28", run={"run_id": "b"})
    >>> history.metric_history(db)  # doctest: +NORMALIZE_WHITESPACE
    supplier_id    S1    S2
    as_of
    2026-01-31   80.0  60.0
    2026-02-28   82.5   NaN
    """
    met = load(path, table="metrics", since=since)
    known = set(met["metric"].dropna())
    if met.empty or metric not in known:
        shown = ", ".join(sorted(known)[:12]) if known else "none (no runs yet)"
        raise InputError(f"Metric {metric!r} is not in the history {Path(path).name}; stored metrics include: {shown}.")
    one = met[met["metric"] == metric]
    return one.pivot(index="as_of", columns="supplier_id", values="value")


def grade_transitions(path: str | Path, *, since=None) -> pd.DataFrame:
    """How often a supplier moved from one grade to another between consecutive as-of dates.

    Rows are the grade before, columns the grade after (the diagonal counts
    suppliers who kept their grade); a supplier missing at either date is not
    counted.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> from supplier_analytics import history
    >>> db = os.path.join(tempfile.mkdtemp(), "h.sqlite")
    >>> for day, grades in [("2026-01-31", "AB"), ("2026-02-28", "BB"), ("2026-03-31", "BA")]:
    ...     history.write(db, pd.DataFrame({"supplier_id": ["S1", "S2"], "grade": list(grades)}),
    ...                   as_of=day, run={"run_id": day})
    >>> history.grade_transitions(db)  # doctest: +NORMALIZE_WHITESPACE
    grade_after   A  B
    grade_before
    A             0  1
    B             1  2
    """
    wide = grade_history(path, since=since)
    pairs = []
    cols = list(wide.columns)
    for a, b in zip(cols, cols[1:]):
        both = wide[[a, b]].dropna()
        pairs.append(pd.DataFrame({"grade_before": both[a].to_numpy(), "grade_after": both[b].to_numpy()}))
    if not pairs:
        return pd.DataFrame(dtype="int64")
    moves = pd.concat(pairs, ignore_index=True)
    table = pd.crosstab(moves["grade_before"], moves["grade_after"])
    labels = sorted(set(table.index) | set(table.columns))
    return (
        table.reindex(index=labels, columns=labels, fill_value=0)
        .astype("int64")
        .rename_axis(index="grade_before", columns="grade_after")
    )
