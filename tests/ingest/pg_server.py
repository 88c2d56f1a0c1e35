"""A throwaway PostgreSQL server for the database tests: a private cluster in a temporary folder.

``.ci/run`` installs Debian's ``postgresql`` package; :func:`postgres_server` finds its ``initdb`` and
``pg_ctl``, creates a cluster whose superuser ``sa_test`` has a random password (scram-sha-256: a
connection without the password is refused, so the tests prove the password really comes through),
and starts it listening on a unix socket in that folder only (no TCP port: two pytest-xdist workers
each start their own server and cannot collide). As root the cluster runs as the ``postgres`` user
(initdb refuses root). ``SUPPLIER_ANALYTICS_TEST_POSTGRES_URL`` (with ``SUPPLIER_ANALYTICS_TEST_POSTGRES_PASSWORD``
if it needs one) points the tests at an existing server instead.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class NoServer(Exception):
    """No PostgreSQL server can be had here; the message says why."""


@dataclass(frozen=True)
class Server:
    #: URL with the password as ``${SA_TEST_PGPASSWORD}`` (the fixture sets that environment variable)
    url: str
    password: str
    #: libpq keywords for psycopg.connect (loading the test data)
    conninfo: dict


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise NoServer("PostgreSQL is not installed (no initdb; .ci/run installs Debian's postgresql package)")


@contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a private server (or use the one the environment names); stop and remove it afterwards."""
    given = os.environ.get("SUPPLIER_ANALYTICS_TEST_POSTGRES_URL")
    if given:
        import sqlalchemy as sa

        url = sa.engine.make_url(given)
        password = os.environ.get("SUPPLIER_ANALYTICS_TEST_POSTGRES_PASSWORD", url.password or "")
        conninfo = {
            "host": url.query.get("host") or url.host,
            "port": url.port,
            "user": url.username,
            "dbname": url.database,
            "password": password,
        }
        shown = url.set(password="${SA_TEST_PGPASSWORD}" if password else None)
        yield Server(shown.render_as_string(hide_password=False), password, conninfo)
        return
    bindir = _bindir()
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise NoServer("running as root without runuser, and initdb refuses root")
        try:
            import pwd

            pg = pwd.getpwnam("postgres")
        except KeyError:
            raise NoServer("running as root and there is no postgres user to run the server as") from None
        run_as = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="sa-pg-"))
    password = secrets.token_urlsafe(12) + "@:/%"  # characters a URL must escape: ${NAME} expansion does it
    try:
        (folder / "pw").write_text(password + "\n", encoding="utf-8")
        if run_as:
            for p in (folder, folder / "pw"):
                os.chown(p, pg.pw_uid, pg.pw_gid)

        def run(*args: str, timeout: float = 60) -> None:
            proc = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                raise NoServer(f"{Path(args[0]).name} failed: {' | '.join(tail)}")

        data = folder / "data"
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "sa_test",
            "--auth=scram-sha-256",
            f"--pwfile={folder / 'pw'}",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = f"-c listen_addresses='' -k {folder} -c fsync=off -c full_page_writes=off -c shared_buffers=16MB"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            url = f"postgresql://sa_test:${{SA_TEST_PGPASSWORD}}@/postgres?host={folder}"
            conninfo = {"host": str(folder), "user": "sa_test", "dbname": "postgres", "password": password}
            yield Server(url, password, conninfo)
        finally:
            subprocess.run(
                [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
