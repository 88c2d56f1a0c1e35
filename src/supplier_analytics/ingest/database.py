"""Reading a SQL query's result from a database: any SQLAlchemy URL, SQLite built in, PostgreSQL with psycopg.

A :class:`DatabaseSource` (a URL and a query) stands wherever an export file may stand:
:func:`~supplier_analytics.read_table`, :func:`~supplier_analytics.validate_files`,
:func:`~supplier_analytics.score`, the command line (``--deliveries URL --deliveries-query SQL``) and
job files (``deliveries = { url = "...", query = "..." }``). The result is read into a
:class:`~supplier_analytics.ingest.readers.RawSheet` whose header is the result's column names and
whose rows are numbered 1, 2, ... in the order the query returns them, so that the same mapping,
parsing and rules apply as to a file, and a rejected row names the result row.

* The query is sent to the database as written (its own SQL dialect, no bind parameters) inside a
  transaction that is rolled back (read-only for PostgreSQL; a SQLite file is opened read-only):
  reading changes nothing. Rows are fetched in chunks of
  :data:`CHUNK_ROWS` (a server-side cursor where the driver has one) and kept as typed columns
  (numbers as float64, dates and times as datetime64, text as Arrow strings), not a Python object
  per cell. ``NUMERIC`` values become float64; time-zone-aware times keep the wall time the
  database session shows.
* Passwords: ``${NAME}`` in the URL is replaced by the environment variable ``NAME`` when the
  query is run (PostgreSQL's own ``PGPASSWORD`` works too). A password written in the URL itself
  draws a warning. Results, rejected rows, messages and manifests name the source by
  :func:`display_url`, which never shows a password.
* ``postgresql://`` and ``postgres://`` use psycopg (version 3); a relative SQLite path is relative
  to the current folder (to the job file's folder in a job), and a missing SQLite file is an error
  rather than a new empty database.

Examples
--------
>>> display_url("postgresql://analyst:s3cret@db.example.com:5432/erp")
'postgresql://analyst:***@db.example.com:5432/erp'
>>> display_url("postgresql://analyst:${ERP_PASSWORD}@db/erp?sslmode=require")
'postgresql://analyst:***@db/erp?sslmode=require'
>>> is_database_url("sqlite:///exports/erp.db"), is_database_url("exports/receipts.csv")
(True, False)
"""

from __future__ import annotations

import decimal
import hashlib
import os
import re
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from supplier_analytics.errors import ConfigError, DataWarning, InputError
from supplier_analytics.ingest.readers import RawSheet

__all__ = [
    "DatabaseSource",
    "CHUNK_ROWS",
    "is_database_url",
    "display_url",
    "expand_url",
    "resolve_sqlite_path",
    "query_sha256",
    "database_source",
    "read_database",
]

#: Rows fetched from the database at a time.
CHUNK_ROWS = 50_000

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# scheme://[user[:password]@]rest: placeholders hold no "@" or "/", so this split is unambiguous
_PARTS_RE = re.compile(r"^(?P<scheme>[^:/?#]+://)(?:(?P<userinfo>[^/?#@]*)@)?(?P<rest>.*)$", re.DOTALL)
_SECRET_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword", "secret", "token", "access_token"})
_DRIVERS = {  # dialect -> the package that brings its usual driver
    "postgresql": "psycopg[binary]",
    "mysql": "pymysql (URL mysql+pymysql://...)",
    "mariadb": "pymysql (URL mariadb+pymysql://...)",
    "mssql": "pyodbc (URL mssql+pyodbc://...)",
    "oracle": "oracledb (URL oracle+oracledb://...)",
}
_FIRST_DAY, _LAST_DAY = np.datetime64("1900-01-01"), np.datetime64("2101-01-01")


@dataclass(frozen=True)
class DatabaseSource:
    """A database to read a table from: a SQLAlchemy URL and the SQL query whose result is the table.

    ``url`` is kept as given, ``${NAME}`` placeholders included (they are filled in from the
    environment only when the query runs); :attr:`name` is the URL without its password.

    >>> s = DatabaseSource("sqlite:///erp.db", "SELECT * FROM receipts")
    >>> s.name, s.query_sha256[:12]
    ('sqlite:///erp.db', '9c77163fbd8d')
    """

    url: str
    query: str

    @property
    def name(self) -> str:
        """The URL as results and messages show it: the password hidden."""
        return display_url(self.url)

    @property
    def query_sha256(self) -> str:
        return query_sha256(self.query)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # the password stays out of reprs, logs and tracebacks
        return f"DatabaseSource({self.name!r}, query sha256 {self.query_sha256[:12]})"


def is_database_url(value: object) -> bool:
    """Whether ``value`` is a URL (``dialect[+driver]://...``) rather than a file path."""
    return isinstance(value, str) and bool(_URL_RE.match(value.strip()))


def query_sha256(query: str) -> str:
    """SHA-256 of the query text (UTF-8) as the manifest records it."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def database_source(path: object, query: str | None) -> DatabaseSource | None:
    """``path`` and ``query`` as a :class:`DatabaseSource`, or ``None`` for a file.

    Raises :class:`ConfigError` for a query without a URL and :class:`InputError` for a URL without a query.
    """
    if isinstance(path, DatabaseSource):
        if query is not None and query != path.query:
            raise ConfigError(f"{path.name} already has its query; give the query once.")
        return path
    if not is_database_url(path):
        if query is not None:
            raise ConfigError(
                f"A query was given for {path}, which is a file, not a database URL; "
                "give a URL such as sqlite:///erp.db or postgresql://user@host/database with the query."
            )
        return None
    url = str(path).strip()
    if query is None or not str(query).strip():
        raise InputError(
            f"Cannot read {display_url(url)}: no query was given; give the SQL whose result is the table "
            "(query= in Python, --TABLE-query on the command line, query in a job file)."
        )
    return DatabaseSource(url, str(query))


# --------------------------------------------------------------------------- URLs and passwords


def _hide_secrets(text: str) -> str:
    m = _PARTS_RE.match(text)
    if m is None:
        return text
    userinfo = m["userinfo"]
    if userinfo is not None and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    rest = re.sub(
        r"([?&])([^=&#]+)=([^&#]*)",
        lambda q: f"{q[1]}{q[2]}=***" if q[2].lower() in _SECRET_KEYS else q[0],
        m["rest"],
    )
    return m["scheme"] + (f"{userinfo}@" if userinfo is not None else "") + rest


def display_url(url: str) -> str:
    """``url`` without its password (and without password-like query parameters): ``***`` in their place."""
    return _hide_secrets(str(url).strip())


def _literal_password(url: str) -> bool:
    m = _PARTS_RE.match(url)
    if m is None or m["userinfo"] is None or ":" not in m["userinfo"]:
        return False
    password = m["userinfo"].split(":", 1)[1]
    return bool(_PLACEHOLDER_RE.sub("", password))


def expand_url(url: str) -> str:
    """``url`` with each ``${NAME}`` replaced by the environment variable ``NAME``.

    In the user and password part the value is percent-encoded, so that a password may hold
    ``@``, ``:`` or ``/``. Raises :class:`InputError` naming a variable that is not set.
    """
    missing = [n for n in _PLACEHOLDER_RE.findall(url) if n not in os.environ]
    if missing:
        raise InputError(
            f"Cannot read {display_url(url)}: the URL names ${{{missing[0]}}} but the environment variable "
            f"{missing[0]} is not set; set it before running (export {missing[0]}=...)."
        )
    m = _PARTS_RE.match(url)
    if m is None or m["userinfo"] is None:
        return _PLACEHOLDER_RE.sub(lambda p: os.environ[p[1]], url)
    userinfo = _PLACEHOLDER_RE.sub(lambda p: quote(os.environ[p[1]], safe=""), m["userinfo"])
    return m["scheme"] + userinfo + "@" + _PLACEHOLDER_RE.sub(lambda p: os.environ[p[1]], m["rest"])


def resolve_sqlite_path(url: str, base: str | Path) -> str:
    """A SQLite URL whose database path is relative, made relative to ``base``; other URLs as they are.

    >>> resolve_sqlite_path("sqlite:///erp.db", "/srv/jobs")
    'sqlite:////srv/jobs/erp.db'
    >>> resolve_sqlite_path("sqlite:////data/erp.db", "/srv/jobs")
    'sqlite:////data/erp.db'
    """
    m = re.match(r"^(sqlite(?:\+\w+)?:///)([^?]*)(\?.*)?$", url.strip(), re.IGNORECASE)
    if m is None or not m[2] or m[2] == ":memory:" or Path(m[2]).is_absolute() or m[2].startswith("file:"):
        return url
    return f"{m[1]}{(Path(base) / m[2]).as_posix()}{m[3] or ''}"


def _warn_literal_password(url: str) -> None:
    if _literal_password(url):
        warnings.warn(
            f"the URL {display_url(url)} has its password written out, which leaves it in files and shell "
            "history; write ${NAME} in its place and set the environment variable NAME "
            "(for PostgreSQL, PGPASSWORD alone also works)",
            UserWarning,
            stacklevel=5,
        )


# --------------------------------------------------------------------------- reading


def _short(exc: BaseException, secrets: Sequence[str]) -> str:
    orig = getattr(exc, "orig", None)
    text = " ".join(str(orig if orig is not None else exc).split())
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text if len(text) <= 300 else text[:297] + "..."


def _engine(source: DatabaseSource):
    """The engine for ``source`` (no pool: one connection, closed after the read) and the secrets to hide."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    name = source.name
    _warn_literal_password(source.url)
    text = expand_url(source.url)
    try:
        url = sa.engine.make_url(text)
    except Exception:
        raise InputError(
            f"Cannot read {name}: it is not a database URL; write it as dialect://user@host:port/database, "
            "e.g. postgresql://analyst@db.example.com/erp or sqlite:///erp.db."
        ) from None
    secrets = [s for s in (url.password, *(url.query.get(k) for k in _SECRET_KEYS)) if isinstance(s, str)]
    secrets += [quote(s, safe="") for s in secrets]  # as a URL in a driver's message would show it
    if url.drivername in ("postgresql", "postgres"):  # the driver this package installs, on any SQLAlchemy 2
        url = url.set(drivername="postgresql+psycopg")
    connect_args = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        if "PGCONNECT_TIMEOUT" not in os.environ:
            connect_args["connect_timeout"] = 15  # a host that does not answer: an error, not a hang
    if url.get_backend_name() == "sqlite":
        db = url.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            if not Path(db).is_file():
                raise InputError(
                    f"Cannot read {name}: the SQLite database {Path(db).name} does not exist (looked for {db}); "
                    "check the path in the URL (sqlite:///relative/path.db or sqlite:////absolute/path.db)."
                )
            # opened read-only: a query cannot change the file (SQLite commits some statements itself)
            url = url.set(database=Path(db).resolve().as_uri(), query={**url.query, "mode": "ro", "uri": "true"})
    try:
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except ImportError as exc:
        backend = url.get_backend_name()
        package = _DRIVERS.get(backend, exc.name or "the driver")
        raise InputError(
            f"Cannot read {name}: the {backend} driver is not installed ({_short(exc, secrets)}); "
            f"install it (pip install {package})."
        ) from None
    except sa.exc.NoSuchModuleError:
        raise InputError(
            f"Cannot read {name}: {url.drivername!r} is not a database SQLAlchemy knows; "
            "check the start of the URL (postgresql://, sqlite:///, mysql+pymysql:// ...)."
        ) from None
    except sa.exc.ArgumentError as exc:
        raise InputError(f"Cannot read {name}: the URL is not valid ({_short(exc, secrets)}); correct it.") from None
    return engine, secrets


def read_database(source: DatabaseSource, *, chunk_rows: int = CHUNK_ROWS) -> RawSheet:
    """The result of ``source.query`` as a sheet: header = the result's column names, rows numbered from 1.

    Raises :class:`InputError` (one sentence, the password hidden) when the URL is invalid, its
    driver is missing, the database cannot be reached or the query fails.
    """
    import sqlalchemy as sa

    name = source.name
    engine, secrets = _engine(source)
    query = source.query.strip().rstrip(";").rstrip()
    driver_error = getattr(engine.dialect, "loaded_dbapi", None) or engine.dialect.dbapi
    driver_error = getattr(driver_error, "Error", sa.exc.DBAPIError)
    try:
        try:
            conn = engine.raw_connection()
        except (sa.exc.DBAPIError, driver_error) as exc:
            raise InputError(
                f"Cannot connect to {name}: {_short(exc, secrets)}; check the host, port, database, user and "
                "password (${NAME} in the URL, or PGPASSWORD for PostgreSQL) and that the server is running."
            ) from None
        try:
            # the driver's own cursor: plain tuples, fetched chunk by chunk, the query sent as written
            if engine.dialect.name == "postgresql":
                setup = conn.cursor()
                setup.execute("SET TRANSACTION READ ONLY")
                setup.close()
            if engine.dialect.driver == "psycopg":  # a server-side cursor: the server streams the rows
                from psycopg.types.numeric import FloatLoader

                cursor = conn.driver_connection.cursor(name="supplier_analytics_read")
                cursor.adapters.register_loader("numeric", FloatLoader)  # no Decimal per cell
            else:
                cursor = conn.cursor()
            try:
                cursor.execute(query)
                if not cursor.description:
                    raise InputError(
                        f"The query on {name} returns no rows (it is not a SELECT); give a query whose result "
                        "is the table, e.g. SELECT ... FROM ... (it was rolled back)."
                    )
                header = [str(d[0]) for d in cursor.description]
                columns = _Columns(len(header))
                while rows := cursor.fetchmany(chunk_rows):
                    columns.add(rows)
            finally:
                cursor.close()
        except (sa.exc.DBAPIError, driver_error) as exc:
            raise InputError(
                f"The query on {name} failed: {_short(exc, secrets)}; correct the SQL (one SELECT, run as written "
                "in the database's own SQL) and check the tables and columns it names."
            ) from None
        finally:
            try:
                conn.rollback()  # a read changes nothing, whatever the query was
            finally:
                conn.close()
    finally:
        engine.dispose()
    grid = pd.DataFrame({j: columns.column(j) for j in range(len(header))}, index=pd.RangeIndex(columns.n))
    notes = [
        f"read from a query (SHA-256 {source.query_sha256[:12]}...): {columns.n} row{'s' if columns.n != 1 else ''}"
    ]
    notes += columns.notes
    if columns.n == 0:  # a filter that keeps nothing still "succeeds": say so where it is seen
        warnings.warn(
            f"The query on {name} returned no rows; check its WHERE clause and the tables it reads.",
            DataWarning,
            stacklevel=3,
        )
    return RawSheet(None, "database", grid, np.arange(1, columns.n + 1, dtype="int64"), header=header, notes=notes)


class _Columns:
    """The result's columns, built chunk by chunk: Arrow arrays while a column keeps one type, else
    the Python values (SQLite lets a column mix text and numbers, as a spreadsheet does)."""

    def __init__(self, width: int):
        self.n = 0
        self.parts: list[list] = [[] for _ in range(width)]
        self.objects: list[list | None] = [None] * width
        self.notes: list[str] = []
        self._tz_noted = False

    def add(self, rows: Sequence[Sequence]) -> None:
        if not rows:
            return
        self.n += len(rows)
        for j, values in enumerate(zip(*rows)):
            if self.objects[j] is None:
                arr = self._typed(values)
                if arr is not None and self._fits(j, arr):
                    self.parts[j].append(arr)
                    continue
                self.objects[j] = [v for part in self.parts[j] for v in part.to_pylist()]
                self.parts[j] = []
            self.objects[j].extend(values)  # type: ignore[union-attr]

    def _typed(self, values):
        """The values as one Arrow array (the type told from the first value: inferring a date column
        is twenty times slower), or None when they do not make one."""
        import datetime as dt

        import pyarrow as pa
        import pyarrow.compute as pc

        first = next((v for v in values if v is not None), None)
        try:
            if first is None:
                return pa.nulls(len(values))
            if isinstance(first, bool):
                return pa.array(values, type=pa.bool_())
            if isinstance(first, int):  # whole numbers stay whole: ids above 2**53 would not survive a float
                try:
                    return pa.array(values, type=pa.int64())
                except (pa.ArrowException, TypeError, ValueError, OverflowError):
                    return pa.array(values, type=pa.float64())
            if isinstance(first, float):
                return pa.array(values, type=pa.float64())
            if isinstance(first, decimal.Decimal):  # NUMERIC: as float, as a spreadsheet holds numbers
                return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
            if isinstance(first, str):
                return pa.array(values, type=pa.string())
            if isinstance(first, dt.datetime):
                if first.tzinfo is None:
                    return pa.array(values, type=pa.timestamp("us"))
                if not self._tz_noted:
                    self._tz_noted = True
                    self.notes.append("times with a time zone read as the database session shows them")
                return pc.local_timestamp(pa.array(values))  # the wall time the database session shows
            if isinstance(first, dt.date):
                return pa.array(values, type=pa.date32())
            return pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            return None

    def _fits(self, j: int, arr) -> bool:
        import pyarrow as pa

        if pa.types.is_null(arr.type):
            return True
        seen = {p.type for p in self.parts[j] if not pa.types.is_null(p.type)}
        return not seen or seen == {arr.type}

    def column(self, j: int) -> pd.Series:
        import pyarrow as pa
        import pyarrow.compute as pc

        objects = self.objects[j]
        if objects is not None:
            return pd.Series(_cells(objects), dtype=object)
        types = [p.type for p in self.parts[j] if not pa.types.is_null(p.type)]
        if not types:
            return pd.Series(np.full(self.n, "", dtype=object), dtype=object)
        t = types[0]
        arr = pa.chunked_array([p if p.type == t else p.cast(t) for p in self.parts[j]], type=t).combine_chunks()
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return pd.Series(pd.arrays.ArrowExtensionArray(pc.fill_null(arr, "") if arr.null_count else arr))
        if pa.types.is_integer(t):  # exact as float up to 2**53; larger (long ids) kept as their digits
            big = pc.max(pc.abs(arr)).as_py() or 0
            if big > 2**53:
                return pd.Series(pd.arrays.ArrowExtensionArray(pc.fill_null(arr.cast(pa.string()), "")))
            t, arr = pa.float64(), arr.cast(pa.float64())
        if pa.types.is_floating(t):
            return pd.Series(arr.to_numpy(zero_copy_only=False).astype("float64", copy=False))
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            stamps = arr.cast(pa.timestamp("s")) if pa.types.is_date(t) else arr
            vals = stamps.to_numpy(zero_copy_only=False)
            known = vals[~np.isnat(vals)]
            if not len(known) or (known.min() >= _FIRST_DAY and known.max() < _LAST_DAY):
                return pd.Series(vals.astype("datetime64[ns]"))
            # a date before 1900 or after 2100 (9999-12-31 for "open"): kept as Python values, rejected by row
        return pd.Series(_cells(arr.to_pylist()), dtype=object)


def _cells(values: list) -> np.ndarray:
    """Python values as grid cells: ``""`` for NULL, NUMERIC as float, a UUID as its text."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    for i, v in enumerate(values):
        if v is None:
            out[i] = ""
        elif isinstance(v, decimal.Decimal):
            out[i] = float(v)
        elif isinstance(v, uuid.UUID):
            out[i] = str(v)
    return out
