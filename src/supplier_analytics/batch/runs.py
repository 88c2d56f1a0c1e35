"""Run folders: locks, recovery of a killed run's leftovers, publishing a staged run and the ``latest`` pointer."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from supplier_analytics import history as _history
from supplier_analytics._io import fsync_dir, write_json_atomic
from supplier_analytics.batch.job import Job, load_job
from supplier_analytics.errors import (
    LockedError,
)

__all__ = [
    "RunLock",
    "lock_all",
    "locks_for",
    "publish",
    "write_latest",
    "LATEST_JSON",
    "recover",
    "recover_leftovers",
    "checkpoint",
    "utcnow",
    "iso",
    "sha256_file",
]

logger = logging.getLogger("supplier_analytics.batch")  # one logger for the package: the run log takes it all


def checkpoint(name: str) -> None:
    """Called between the writing steps of a run; does nothing (tests replace it to stop a run there)."""


# --------------------------------------------------------------------------- small file helpers


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def iso(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- locking


class RunLock:
    """An exclusive OS lock on a file; released by the OS when the process ends, however it ends."""

    def __init__(self, path: Path, what: str):
        self.path, self.what = path, what
        self.fh: IO[bytes] | None = None  # the open lock file while the lock is held

    def try_acquire(self, info: Mapping) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")
        try:
            if sys.platform == "win32":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self.fh = fh
        try:  # who holds it, for the message the next run shows
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps(dict(info)).encode("utf-8"))
            fh.flush()
        except OSError:
            pass
        return True

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return f"process {info['pid']}, started {info['started_utc']}"
        except (OSError, ValueError, KeyError):
            return "another process"

    def release(self) -> None:
        if self.fh is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        finally:
            self.fh.close()
            self.fh = None


def lock_all(locks: list[RunLock], info: Mapping, wait: float) -> None:
    """Take every lock (always in the same order), waiting up to ``wait`` seconds; else LockedError."""
    deadline = time.monotonic() + wait
    for lock in locks:
        while not lock.try_acquire(info):
            if time.monotonic() >= deadline:
                for held in locks:
                    held.release()
                waited = f"after waiting {wait:g} s" if wait else "(the job does not wait)"
                raise LockedError(
                    f"{lock.what} is in use by another run ({lock.holder()}) {waited}; nothing was changed: "
                    "let that run finish, or set [limits] lock_wait_seconds in the job to wait for it."
                )
            time.sleep(0.1)


def locks_for(job: Job) -> list[RunLock]:
    locks = {
        str((job.out_dir / ".lock").resolve()): RunLock(job.out_dir / ".lock", f"The output folder {job.out_dir}"),
        str(Path(f"{job.history}.lock").resolve()): RunLock(Path(f"{job.history}.lock"), f"The history {job.history}"),
    }
    return [locks[k] for k in sorted(locks)]


# --------------------------------------------------------------------------- recovery and publishing


def publish(runs_dir: Path, as_of: str, run_id: str, staging: Path) -> None:
    final = runs_dir / as_of
    old = runs_dir / f".old-{as_of}-{run_id}"
    if final.exists():
        os.rename(final, old)
        checkpoint("publish: previous folder moved aside")
    os.rename(staging, final)
    fsync_dir(runs_dir)
    checkpoint("publish: new folder in place")
    if old.exists():
        shutil.rmtree(old)
        checkpoint("publish: previous folder removed")


def _split_name(name: str, prefix: str) -> tuple[str, str]:
    rest = name[len(prefix) :]
    return rest[:10], rest[11:]


def _committed_runs(history_path: Path) -> pd.DataFrame:
    if not history_path.is_file():
        return pd.DataFrame({"run_id": pd.Series(dtype="string"), "as_of": pd.Series(dtype="datetime64[ns]")})
    runs = _history.load(history_path, table="runs")
    return runs[runs["committed"].fillna(0) == 1]


#: The pointer file to the newest run folder (beside the ``latest`` link); see :func:`write_latest`.
LATEST_JSON = "latest.json"


def write_latest(out_dir: Path, history_path: Path) -> dict | None:
    """Point OUT/latest at the newest as-of date in the history (ties: the last run).

    Two pointers, both replaced atomically (made under a temporary name, then ``os.replace``):

    - ``OUT/latest.json``: ``as_of``, ``run_id``, ``run_dir`` (``runs/<as_of>``, relative to OUT),
      ``outcome``, ``exit_code`` and ``finished_utc`` of that run, for scripts on any system;
    - ``OUT/latest``: a symbolic link to ``runs/<as_of>``, so that ``OUT/latest/scorecard.xlsx`` opens the
      newest workbook. Where links cannot be made (Windows without the privilege, some network shares) there
      is no ``latest`` and ``latest.json`` is the pointer.

    Returns the content of ``latest.json``, or None when the history holds no committed run.
    """
    runs = _committed_runs(history_path)
    if not len(runs):
        return None
    top = runs.sort_values(["as_of", "started_utc"], kind="stable").iloc[-1]
    day = top["as_of"].strftime("%Y-%m-%d")
    doc = {
        "as_of": day,
        "run_id": str(top["run_id"]),
        "run_dir": f"runs/{day}",
        "outcome": str(top["outcome"]),
        "exit_code": int(top["exit_code"]),
        "finished_utc": "" if pd.isna(top["finished_utc"]) else top["finished_utc"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    path = out_dir / LATEST_JSON
    try:
        same = json.loads(path.read_text(encoding="utf-8")) == doc
    except (OSError, ValueError):
        same = False
    if not same:
        write_json_atomic(path, doc)
        checkpoint("publish: latest.json replaced")
    _link_latest(out_dir, doc["run_dir"])
    return doc


def _link_latest(out_dir: Path, target: str) -> None:
    """Make OUT/latest a relative symbolic link to ``target``, replacing a link or an old pointer file."""
    link = out_dir / "latest"
    if link.is_symlink() and os.readlink(link) == target:
        return
    tmp = out_dir / f".latest-{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        os.symlink(target, tmp, target_is_directory=True)
    except (OSError, NotImplementedError) as exc:  # no links here: latest.json is the pointer
        logger.info("no symbolic link OUT/latest (%s); latest.json points at %s", exc, target)
        if link.is_file() and not link.is_symlink():  # the JSON pointer of earlier versions, now stale
            link.unlink()
        return
    try:
        os.replace(tmp, link)
    except OSError as exc:  # a folder named latest (a copy that followed the link): left alone
        tmp.unlink(missing_ok=True)
        logger.warning("OUT/latest is not a link and was left as it is (%s); latest.json points at %s", exc, target)
        return
    fsync_dir(out_dir)
    checkpoint("publish: latest link replaced")


def recover_leftovers(out_dir: Path, history_path: Path) -> list[str]:
    """Finish or undo what a killed run left behind (call with the locks held). Returns what was done."""
    done: list[str] = []
    runs_dir = out_dir / "runs"
    if runs_dir.is_dir():
        committed = set(_committed_runs(history_path)["run_id"].astype(str))
        for d in sorted(runs_dir.glob(".staging-*")):
            as_of, run_id = _split_name(d.name, ".staging-")
            if run_id in committed and (d / "manifest.json").is_file():
                publish(runs_dir, as_of, run_id, d)
                done.append(f"published the committed run {run_id} of {as_of} that a stopped run left staged")
            else:
                shutil.rmtree(d, ignore_errors=True)
                done.append(f"removed the unfinished run folder {d.name}")
        for d in sorted(runs_dir.glob(".old-*")):
            as_of, _ = _split_name(d.name, ".old-")
            if (runs_dir / as_of).exists():
                shutil.rmtree(d, ignore_errors=True)
                done.append(f"removed the replaced run folder {d.name}")
            else:
                os.rename(d, runs_dir / as_of)
                done.append(f"restored the run folder of {as_of}")
    for tmp in out_dir.glob(".latest*.tmp") if out_dir.is_dir() else ():  # the link's and latest.json's
        tmp.unlink(missing_ok=True)
    if out_dir.is_dir() and history_path.is_file():
        write_latest(out_dir, history_path)
    return done


def recover(job: Job | str | Path) -> list[str]:
    """Bring a job's output folder in line with its history after a run was killed.

    Takes the job's locks (waiting ``lock_wait_seconds``), publishes a run
    folder whose history rows were committed, deletes unfinished run folders,
    and rewrites ``latest``. Every run does this first, so calling it is only
    needed to inspect the outputs before the next run. Returns one sentence
    per action taken.
    """
    job = job if isinstance(job, Job) else load_job(job)
    locks = locks_for(job)
    lock_all(locks, {"pid": os.getpid(), "started_utc": iso(utcnow()), "run_id": "recover"}, job.lock_wait_seconds)
    try:
        return recover_leftovers(job.out_dir, job.history)
    finally:
        for lock in locks:
            lock.release()
