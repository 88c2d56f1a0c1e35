"""Scheduled batch scoring: job files, dated run folders, manifests, history, locking.

A *job file* (TOML) names the inputs, the scoring configuration, the as-of
rule and where results go; :func:`run_job` (and ``supplier-analytics run
JOB.toml``) reads the inputs, scores, and publishes the run. A commented
example is ``data/sample/job.toml``.

What a run leaves in the output folder ``OUT``::

    OUT/runs/<as_of>/      scorecard files, run.log and manifest.json of that as-of date
    OUT/latest             JSON pointer to the newest as-of date's run folder
    OUT/history.sqlite     history of every as-of date (default place; see history)
    OUT/logs/<run_id>.log  the full log of every run, failed runs included

Safety, in the order a run does things:

1. **Lock.** The run takes an exclusive OS lock on ``OUT/.lock`` and on
   ``<history>.lock`` (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
   Windows; the OS drops it when the process dies, so a killed run leaves no
   stale lock). A second run waits up to ``[limits] lock_wait_seconds``
   (default 0) and then refuses with :class:`~supplier_analytics.errors.LockedError`
   (exit code 7), having changed nothing. Locks on network file systems are only
   as good as the file system's ``flock``.
2. **Recover.** Leftovers of a killed run are finished or removed (see below).
3. **Read and score** in memory; nothing is written yet except the log.
4. **Stage.** Every output file goes into ``OUT/runs/.staging-<as_of>-<run_id>/``;
   ``manifest.json`` is written last (temporary name, fsync, rename).
5. **Commit.** The history rows of the as-of date are replaced in ONE SQLite
   transaction (WAL journal). This is the run's commit point.
6. **Publish.** The previous ``runs/<as_of>`` is renamed aside, the staging
   folder renamed into place, the previous one deleted; ``latest`` is
   replaced atomically (temporary file, fsync, ``os.replace``; a file, not a
   symlink, so it works on Windows).

A run killed at any moment therefore leaves every published file either the
previous complete version or the new complete version, and the history either
the previous or the new as-of rows, never a mixture. Killed after the commit
(step 5) but before publishing, the history is already new while
``runs/<as_of>`` is still the previous folder (for a few milliseconds between
the two renames of step 6 it sits at ``runs/.old-<as_of>-<run_id>``); the next
run (or :func:`recover`) rolls such a committed staging folder forward, and
removes uncommitted ones. ``OUT/logs/`` holds append-only logs, which a killed
run may leave cut short.

Exit codes (``RunResult.exit_code`` and the command line): 0 success; 3 an
input cannot be read; 4 the job or scoring configuration is invalid; 5
completed, but a table's share of rejected rows is above ``[limits]
max_rejected_share``; 6 completed, and alerts were raised while ``[alerts]
fail_on = true`` (deteriorations found by
:func:`supplier_analytics.trends.alerts`; improvements are recorded, never
fatal); 7 another run holds the lock. Codes 3, 4 and 7 change no
results (the failed run is logged and recorded in the history's ``runs``
table); 5 and 6 publish the results and record the outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import glob as _glob
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from supplier_analytics import __version__
from supplier_analytics import history as _history
from supplier_analytics._io import fsync_dir, fsync_file, write_csv, write_json_atomic
from supplier_analytics.aggregate import resolve_as_of
from supplier_analytics.config import load_config
from supplier_analytics.errors import (
    EXIT_ALERTS,
    EXIT_OK,
    EXIT_REJECTED,
    ConfigError,
    InputError,
    LockedError,
    SupplierAnalyticsError,
)
from supplier_analytics.ingest import (
    ImportResult,
    combine_results,
    read_table,
    reject_unknown_suppliers,
)
from supplier_analytics.scorecard import score

__all__ = ["Job", "RunResult", "load_job", "run_job", "recover", "as_of_from_rule", "RUN_STAGES", "AS_OF_RULES"]

logger = logging.getLogger(__name__)

#: The stages a run reports to ``progress`` (in order).
RUN_STAGES = ("lock", "read", "score", "write", "history", "publish")
#: Named as-of rules (besides a date).
AS_OF_RULES = ("last-complete-period", "latest-data")

_INPUT_TABLES = ("deliveries", "inspections", "requests", "suppliers", "exclusions")
_SECTIONS = {
    "inputs": (*_INPUT_TABLES, "mapping", "duplicates"),
    "scoring": ("config", "as_of"),
    "outputs": ("dir", "scorecard", "feedback", "review"),
    "history": ("path",),
    "limits": ("max_rejected_share", "lock_wait_seconds"),
    "alerts": ("fail_on",),
}
_INPUT_KEYS = ("path", "mapping", "sheet")


def _checkpoint(name: str) -> None:
    """Called between the writing steps of a run; does nothing (tests replace it to stop a run there)."""


# --------------------------------------------------------------------------- job file


@dataclass(frozen=True)
class InputSpec:
    """One input table of a job: file paths or glob patterns, and how to read them."""

    table: str
    patterns: tuple[str, ...]
    mapping: Path | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Job:
    """A validated job file (see :func:`load_job`); paths are resolved against the job file's folder."""

    inputs: Mapping[str, InputSpec]
    out_dir: Path
    history: Path
    config: Path | None = None
    as_of: str = "last-complete-period"
    scorecard: bool = True
    feedback: bool = False
    review: bool = False
    duplicates: str = "reject"
    max_rejected_share: float | None = None
    lock_wait_seconds: float = 0.0
    fail_on_alerts: bool = False
    path: Path | None = None
    base_dir: Path = field(default_factory=Path)

    def replace(self, **changes) -> Job:
        """A copy with some fields changed (e.g. ``out_dir``); the history follows ``out_dir`` when it was the default."""
        if "out_dir" in changes and "history" not in changes and self.history == self.out_dir / "history.sqlite":
            changes["history"] = Path(changes["out_dir"]) / "history.sqlite"
        for k in ("out_dir", "history", "config"):
            if changes.get(k) is not None:
                changes[k] = Path(changes[k])
        return dataclasses.replace(self, **changes)


def load_job(path_or_dict: str | Path | Mapping, *, out_dir: str | Path | None = None, base_dir: str | Path | None = None) -> Job:
    """Read and validate a job file.

    Parameters
    ----------
    path_or_dict : the job's TOML file, or a dict of the same layout.
    out_dir : use this output folder instead of the job's ``[outputs] dir``
        (the history moves with it unless ``[history] path`` is set).
    base_dir : folder that relative paths refer to (default: the job file's
        folder; the current folder for a dict).

    Returns
    -------
    Job

    Raises
    ------
    ConfigError
        The file cannot be read or parsed, or keys or values are invalid; every
        problem is named (e.g. ``unknown key 'outputs.folder'``) in one message.

    Examples
    --------
    >>> job = load_job({"inputs": {"deliveries": "receipts/*.csv"}, "outputs": {"dir": "out"}}, base_dir="jobs")
    >>> job.inputs["deliveries"].patterns, job.out_dir.as_posix(), job.history.as_posix(), job.as_of
    (('receipts/*.csv',), 'jobs/out', 'jobs/out/history.sqlite', 'last-complete-period')
    >>> load_job({"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o", "folder": "x"}})
    Traceback (most recent call last):
    ...
    supplier_analytics.errors.ConfigError: In the job dict, unknown key 'outputs.folder'; allowed in [outputs]: dir, scorecard, feedback, review.
    """
    job_path = None
    if isinstance(path_or_dict, Mapping):
        raw, source = dict(path_or_dict), "the job dict"
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    elif isinstance(path_or_dict, (str, Path)):
        job_path = Path(path_or_dict)
        source = job_path.name
        try:
            text = job_path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"Job file {job_path} does not exist; check the path given.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Job file {job_path} cannot be read ({exc}); save it as UTF-8 text.") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Job file {job_path.name} is not valid TOML ({exc}); fix that line and try again.") from None
        base = Path(base_dir) if base_dir is not None else job_path.parent
    else:
        raise ConfigError(f"load_job expects a TOML path or a dict, not {type(path_or_dict).__name__}.")

    problems: list[str] = []
    for section, value in raw.items():
        if section not in _SECTIONS:
            problems.append(f"unknown section [{section}]; allowed: {', '.join(_SECTIONS)}")
        elif not isinstance(value, Mapping):
            problems.append(f"[{section}] must be a table of keys, not {value!r}")
        else:
            for key in value:
                if key not in _SECTIONS[section]:
                    problems.append(
                        f"unknown key '{section}.{key}'; allowed in [{section}]: {', '.join(_SECTIONS[section])}"
                    )

    def get(section: str, key: str, default=None):
        sec = raw.get(section)
        return sec.get(key, default) if isinstance(sec, Mapping) else default

    def path_of(key: str, value) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a path as text, not {value!r}")
            return None
        return base / value

    def boolean(key: str, value, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            problems.append(f"{key} = {value!r} must be true or false")
            return default
        return value

    # [inputs]
    global_mapping = path_of("inputs.mapping", get("inputs", "mapping"))
    inputs: dict[str, InputSpec] = {}
    for table in _INPUT_TABLES:
        value = get("inputs", table)
        if value is None:
            continue
        mapping, sheet = global_mapping, None
        if isinstance(value, Mapping):
            for k in value:
                if k not in _INPUT_KEYS:
                    problems.append(f"unknown key 'inputs.{table}.{k}'; allowed: {', '.join(_INPUT_KEYS)}")
            if "mapping" in value:
                mapping = path_of(f"inputs.{table}.mapping", value["mapping"])
            sheet = value.get("sheet")
            if sheet is not None and not isinstance(sheet, str):
                problems.append(f"inputs.{table}.sheet = {sheet!r} must be a sheet name as text")
                sheet = None
            value = value.get("path")
            if value is None:
                problems.append(f"inputs.{table} needs a path, e.g. {table} = {{ path = \"{table}.csv\" }}")
                continue
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
            problems.append(f"inputs.{table} must be a path or glob as text, or a list of them, not {value!r}")
            continue
        inputs[table] = InputSpec(table, tuple(patterns), mapping, sheet)
    if not any(t in inputs for t in ("deliveries", "inspections", "requests")):
        problems.append("[inputs] needs at least one of deliveries, inspections, requests")
    duplicates = get("inputs", "duplicates", "reject")
    if duplicates not in ("reject", "keep"):
        problems.append(f"inputs.duplicates = {duplicates!r} is not allowed; use one of: reject, keep")

    # [scoring]
    config = path_of("scoring.config", get("scoring", "config"))
    as_of = get("scoring", "as_of", "last-complete-period")
    if isinstance(as_of, _dt.datetime):
        as_of = as_of.date()
    if isinstance(as_of, _dt.date):
        as_of = as_of.isoformat()
    elif isinstance(as_of, str) and as_of not in AS_OF_RULES:
        try:
            as_of = _dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            problems.append(f"scoring.as_of = {as_of!r} is not allowed; use one of: {', '.join(AS_OF_RULES)}, or a date YYYY-MM-DD")
    elif not isinstance(as_of, str):
        problems.append(f"scoring.as_of = {as_of!r} is not allowed; use one of: {', '.join(AS_OF_RULES)}, or a date YYYY-MM-DD")

    # [outputs]
    out = Path(out_dir) if out_dir is not None else path_of("outputs.dir", get("outputs", "dir"))
    if out is None and get("outputs", "dir") is None:
        problems.append("[outputs] dir is required: the folder for run folders, history and logs")
    scorecard = boolean("outputs.scorecard", get("outputs", "scorecard"), True)
    feedback = boolean("outputs.feedback", get("outputs", "feedback"), False)
    review = boolean("outputs.review", get("outputs", "review"), False)

    # [history]
    hist = path_of("history.path", get("history", "path"))

    # [limits]
    share = get("limits", "max_rejected_share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1):
        problems.append(f"limits.max_rejected_share = {share!r} must be a number from 0 to 1 (e.g. 0.05 for 5%)")
        share = None
    wait = get("limits", "lock_wait_seconds", 0)
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or wait < 0:
        problems.append(f"limits.lock_wait_seconds = {wait!r} must be a number of seconds, at least 0")
        wait = 0

    # [alerts]
    fail_on = boolean("alerts.fail_on", get("alerts", "fail_on"), False)

    if problems:
        if len(problems) == 1:
            raise ConfigError(f"In {source}, {problems[0]}.")
        raise ConfigError(f"{len(problems)} problems in {source}: " + "; ".join(problems) + "; fix them and run again.")
    return Job(
        inputs=MappingProxyType(inputs),
        out_dir=out,
        history=hist if hist is not None else out / "history.sqlite",
        config=config,
        as_of=as_of,
        scorecard=scorecard,
        feedback=feedback,
        review=review,
        duplicates=duplicates,
        max_rejected_share=None if share is None else float(share),
        lock_wait_seconds=float(wait),
        fail_on_alerts=fail_on,
        path=job_path,
        base_dir=base,
    )


# --------------------------------------------------------------------------- as-of rule


def as_of_from_rule(rule: str, *, freq: str = "M", today=None, latest=None) -> tuple[pd.Timestamp, str | None]:
    """The as-of date a rule gives, and a note when the data forced a fallback.

    Parameters
    ----------
    rule : ``"last-complete-period"``: the last day of the last period
        (``freq``: ``"W-SUN"``, ``"M"`` or ``"Q"``) that ended before
        ``today``; when the data hold nothing in that period (a stale export),
        the last period end on or before the latest date in the data.
        ``"latest-data"``: the latest date in the data. A date ``YYYY-MM-DD``:
        that date.
    freq : the scoring configuration's period frequency.
    today : the run day (default: today, UTC).
    latest : the latest date in the data (needed for ``"latest-data"``).

    Examples
    --------
    >>> as_of_from_rule("last-complete-period", today="2026-10-01")[0].date()
    datetime.date(2026, 9, 30)
    >>> as_of_from_rule("last-complete-period", today="2026-10-31")[0].date()  # October not over yet
    datetime.date(2026, 9, 30)
    >>> as_of_from_rule("last-complete-period", freq="Q", today="2026-11-22")[0].date()
    datetime.date(2026, 9, 30)
    >>> day, note = as_of_from_rule("last-complete-period", today="2026-11-22", latest="2026-09-30")
    >>> day.date(), note
    (datetime.date(2026, 9, 30), 'the data end on 2026-09-30, before the period ending 2026-10-31, so the as-of date is 2026-09-30')
    >>> as_of_from_rule("latest-data", latest="2026-09-14")[0].date()
    datetime.date(2026, 9, 14)
    """
    if rule not in AS_OF_RULES:
        return pd.Timestamp(rule).normalize(), None
    latest_ts = None if latest is None else pd.Timestamp(latest).normalize()
    if rule == "latest-data":
        if latest_ts is None:
            raise InputError("The as-of rule latest-data needs dated records; give the inputs or an as-of date.")
        return latest_ts, None

    def period_end_on_or_before(day: pd.Timestamp) -> pd.Timestamp:
        p = pd.Period(day, freq=freq)
        end = p.end_time.normalize()
        return end if end == day else (p - 1).end_time.normalize()

    day = pd.Timestamp(today if today is not None else _dt.datetime.now(_dt.timezone.utc).date()).normalize()
    end = period_end_on_or_before(day - pd.Timedelta(days=1))
    start = pd.Period(end, freq=freq).start_time.normalize()
    if latest_ts is not None and latest_ts < start:
        fallback = period_end_on_or_before(latest_ts)
        note = (
            f"the data end on {latest_ts.date()}, before the period ending {end.date()}, "
            f"so the as-of date is {fallback.date()}"
        )
        return fallback, note
    return end, None


# --------------------------------------------------------------------------- small file helpers


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _iso(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- locking


class _Lock:
    """An exclusive OS lock on a file; released by the OS when the process ends, however it ends."""

    def __init__(self, path: Path, what: str):
        self.path, self.what, self.fh = path, what, None

    def try_acquire(self, info: Mapping) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")
        try:
            if os.name == "nt":
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
            if os.name == "nt":
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        finally:
            self.fh.close()
            self.fh = None


def _lock_all(locks: list[_Lock], info: Mapping, wait: float) -> None:
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


def _locks_for(job: Job) -> list[_Lock]:
    locks = {
        str((job.out_dir / ".lock").resolve()): _Lock(job.out_dir / ".lock", f"The output folder {job.out_dir}"),
        str(Path(f"{job.history}.lock").resolve()): _Lock(Path(f"{job.history}.lock"), f"The history {job.history}"),
    }
    return [locks[k] for k in sorted(locks)]


# --------------------------------------------------------------------------- recovery and publishing


def _publish(runs_dir: Path, as_of: str, run_id: str, staging: Path) -> None:
    final = runs_dir / as_of
    old = runs_dir / f".old-{as_of}-{run_id}"
    if final.exists():
        os.rename(final, old)
        _checkpoint("publish: previous folder moved aside")
    os.rename(staging, final)
    fsync_dir(runs_dir)
    _checkpoint("publish: new folder in place")
    if old.exists():
        shutil.rmtree(old)
        _checkpoint("publish: previous folder removed")


def _split_name(name: str, prefix: str) -> tuple[str, str]:
    rest = name[len(prefix):]
    return rest[:10], rest[11:]


def _committed_runs(history_path: Path) -> pd.DataFrame:
    if not history_path.is_file():
        return pd.DataFrame({"run_id": pd.Series(dtype="string"), "as_of": pd.Series(dtype="datetime64[ns]")})
    runs = _history.load(history_path, table="runs")
    return runs[runs["committed"].fillna(0) == 1]


def _write_latest(out_dir: Path, history_path: Path) -> dict | None:
    """Point OUT/latest at the newest as-of date in the history (ties: the last run)."""
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
    path = out_dir / "latest"
    try:
        if json.loads(path.read_text(encoding="utf-8")) == doc:
            return doc
    except (OSError, ValueError):
        pass
    write_json_atomic(path, doc)
    _checkpoint("publish: latest replaced")
    return doc


def _recover(out_dir: Path, history_path: Path) -> list[str]:
    """Finish or undo what a killed run left behind (call with the locks held). Returns what was done."""
    done: list[str] = []
    runs_dir = out_dir / "runs"
    if runs_dir.is_dir():
        committed = set(_committed_runs(history_path)["run_id"].astype(str))
        for d in sorted(runs_dir.glob(".staging-*")):
            as_of, run_id = _split_name(d.name, ".staging-")
            if run_id in committed and (d / "manifest.json").is_file():
                _publish(runs_dir, as_of, run_id, d)
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
    for tmp in out_dir.glob(".latest-*.tmp") if out_dir.is_dir() else ():
        tmp.unlink(missing_ok=True)
    if out_dir.is_dir() and history_path.is_file():
        _write_latest(out_dir, history_path)
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
    locks = _locks_for(job)
    _lock_all(locks, {"pid": os.getpid(), "started_utc": _iso(_utcnow()), "run_id": "recover"}, job.lock_wait_seconds)
    try:
        return _recover(job.out_dir, job.history)
    finally:
        for lock in locks:
            lock.release()


# --------------------------------------------------------------------------- reading inputs


def _expand(spec: InputSpec, base: Path) -> list[Path]:
    files: list[Path] = []
    for pattern in spec.patterns:
        full = os.path.join(base, pattern)
        if _glob.has_magic(pattern):
            found = sorted(Path(p) for p in _glob.glob(full) if Path(p).is_file())
            if not found:
                raise InputError(
                    f"No file matches {pattern!r} for inputs.{spec.table} (looked in {base}); "
                    "check the pattern or that the export has arrived."
                )
            files.extend(found)
        else:
            p = Path(full)
            if not p.is_file():
                raise InputError(f"Input file {p} for inputs.{spec.table} does not exist; check the path in the job file.")
            files.append(p)
    unique: list[Path] = []
    for f in files:
        if f not in unique:
            unique.append(f)
    return unique


def _read_inputs(job: Job) -> tuple[dict[str, ImportResult], list[dict]]:
    results: dict[str, ImportResult] = {}
    files_doc: list[dict] = []
    for table, spec in job.inputs.items():
        paths = _expand(spec, job.base_dir)
        per_file = []
        for p in paths:
            size, digest = p.stat().st_size, _sha256(p)
            logger.info("reading %s from %s (%d bytes, sha256 %s)", table, p, size, digest)
            r = read_table(p, table, mapping=spec.mapping, sheet=spec.sheet, duplicates=job.duplicates)
            logger.info("%s", r.summary_text())
            per_file.append(r)
            files_doc.append({
                "table": table, "path": str(p), "size": size, "sha256": digest,
                "rows_read": r.rows_read, "rows_accepted": r.rows_accepted, "rows_rejected": r.rows_rejected,
            })
        results[table] = combine_results(table, per_file, duplicates=job.duplicates)
    if "suppliers" in results:
        master = set(results["suppliers"].data["supplier_id"].dropna())
        for t in ("deliveries", "inspections", "requests", "exclusions"):
            if t in results:
                results[t] = reject_unknown_suppliers(results[t], master)
    return results, files_doc


# --------------------------------------------------------------------------- alerts


def _raise_alerts(card) -> tuple[str, pd.DataFrame]:
    """Alerts for the scorecard: (one-line status, frame of ``supplier_id, metric, kind, message``).

    Uses :func:`supplier_analytics.trends.alerts` with its defaults (trend
    tests on OTIF, PPM and within-SLA rates, Benjamini-Hochberg at 5% across
    every supplier x metric test). ``kind`` is ``deteriorating`` or
    ``improving``; only deteriorations fail a job with ``[alerts] fail_on = true``.
    """
    from supplier_analytics.trends import alerts as trend_alerts

    found = trend_alerts(card)
    raised = found[found["direction"].isin(["deteriorating", "improving"])].reset_index(drop=True)
    messages = [
        f"{r['metric']} {r['direction']} ({r['severity']}): change {r['change']:+.4g} over {int(r['n_periods'])} "
        f"periods, q = {r['q_value']:.3g}"
        for r in raised.to_dict("records")
    ]
    frame = pd.DataFrame({
        "supplier_id": raised["supplier_id"].astype("string"),
        "metric": raised["metric"].astype("string"),
        "kind": raised["direction"].astype("string"),
        "message": pd.array(messages, dtype="string"),
    })
    n_bad = int((frame["kind"] == "deteriorating").sum())
    tested = int((found["direction"] != "not tested").sum())
    status = (
        f"{n_bad} deteriorating, {len(frame) - n_bad} improving among {tested} supplier x metric trend tests "
        f"({int((found['direction'] == 'not tested').sum())} not tested: too little evidence)"
    )
    return status, frame


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class RunResult:
    """What a completed run did.

    Attributes
    ----------
    run_id : unique id of the run (UTC start time and process id).
    as_of : the as-of date scored.
    exit_code : 0 success, 5 rejected rows above the job's limit, 6
        deterioration alerts raised with ``[alerts] fail_on = true``.
    outcome : ``"success"``, ``"rejected rows above the limit"`` or ``"alerts raised"``.
    message : one sentence on the outcome.
    run_dir : the published run folder ``OUT/runs/<as_of>``.
    history_path : the SQLite history file.
    manifest : the content of ``manifest.json``.
    scorecard : the :class:`~supplier_analytics.scorecard.Scorecard`.
    warnings : warnings raised while scoring (also in the log and the manifest).
    recovered : what was cleaned up after an earlier killed run, if anything.
    """

    run_id: str
    as_of: pd.Timestamp
    exit_code: int
    outcome: str
    message: str
    run_dir: Path
    history_path: Path
    manifest: Mapping[str, Any]
    scorecard: Any
    warnings: tuple[str, ...] = ()
    recovered: tuple[str, ...] = ()

    def summary_text(self) -> str:
        """A few lines for the command line: as-of, suppliers and grades, rows, where the results are."""
        m = self.manifest
        rows = m["rows"]
        read = sum(v["rows_read"] for v in rows.values())
        rej = sum(v["rows_rejected"] for v in rows.values())
        grades = ", ".join(f"{g} {n}" for g, n in m["grades"].items())
        return "\n".join([
            f"Run {self.run_id}: as of {self.as_of.date()}, {m['suppliers']} suppliers; grades: {grades}",
            f"Rows read {read} = {read - rej} accepted + {rej} rejected; alerts: {m['alerts']['status']}",
            f"Results in {self.run_dir}; history in {self.history_path}",
            f"Outcome: {self.message}",
        ])

    def __repr__(self) -> str:
        return f"RunResult(run_id={self.run_id!r}, as_of={self.as_of.date()}, exit_code={self.exit_code}, outcome={self.outcome!r})"


class _RunLog:
    """Attach a file handler for this run to the module logger (INFO), detach afterwards."""

    def __init__(self, path: Path):
        self.path = path
        self.handler = logging.FileHandler(path, encoding="utf-8")
        fmt = logging.Formatter("%(asctime)s.%(msecs)03dZ %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
        fmt.converter = time.gmtime
        self.handler.setFormatter(fmt)
        self.handler.setLevel(logging.INFO)

    def __enter__(self):
        self.old_level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        logger.removeHandler(self.handler)
        logger.setLevel(self.old_level)
        self.handler.close()
        return False


def _rows_doc(results: Mapping[str, ImportResult]) -> dict:
    doc = {}
    for t, r in results.items():
        doc[t] = {
            "rows_read": int(r.rows_read),
            "rows_accepted": int(r.rows_accepted),
            "rows_rejected": int(r.rows_rejected),
            "rejected_share": round(r.rows_rejected / r.rows_read, 6) if r.rows_read else 0.0,
        }
    return doc


def run_job(
    job: Job | str | Path | Mapping,
    *,
    as_of=None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunResult:
    """Run a scoring job: read, score, write the run folder and manifest, store the history.

    Parameters
    ----------
    job : a :class:`Job`, a job file path or a dict (see :func:`load_job`).
    as_of : score as of this date instead of the job's rule.
    progress : called as ``progress(stage, number, total)`` when each stage of
        :data:`RUN_STAGES` starts (the command line prints it on a terminal).

    Returns
    -------
    RunResult
        With ``exit_code`` 0, 5 or 6 (the results are published in each case).

    Raises
    ------
    InputError
        An input file cannot be read (exit code 3); nothing is published.
    ConfigError
        The job or scoring configuration is invalid (exit code 4).
    LockedError
        Another run holds the output folder or history (exit code 7).

    Notes
    -----
    See the module notes for the order of writes and what a killed run leaves.
    """
    job = job if isinstance(job, Job) else load_job(job)
    started = _utcnow()
    run_id = f"{started:%Y%m%dT%H%M%S%f}Z-p{os.getpid()}"
    stage_times: dict[str, float] = {}
    total = len(RUN_STAGES)

    out = job.out_dir
    (out / "logs").mkdir(parents=True, exist_ok=True)
    log_path = out / "logs" / f"{run_id}.log"
    clock = [time.perf_counter(), None]

    def stage(name: str) -> None:
        now = time.perf_counter()
        if clock[1] is not None:
            stage_times[clock[1]] = round(now - clock[0], 3)
        clock[0], clock[1] = now, name
        logger.info("stage %s", name)
        if progress is not None and name in RUN_STAGES:
            progress(name, RUN_STAGES.index(name) + 1, total)

    run_info = {
        "run_id": run_id,
        "started_utc": _iso(started),
        "package_version": __version__,
        "job": str(job.path) if job.path is not None else None,
    }
    with _RunLog(log_path):
        logger.info("run %s of job %s (supplier-analytics %s, Python %s)", run_id, job.path, __version__,
                    sys.version.split()[0])
        locks = _locks_for(job)
        stage("lock")
        try:
            _lock_all(locks, {"pid": os.getpid(), "started_utc": _iso(started), "run_id": run_id}, job.lock_wait_seconds)
        except LockedError as exc:
            logger.error("run refused: %s", exc)
            raise
        try:
            try:
                return _run_locked(job, as_of, run_id, started, run_info, stage, stage_times, log_path)
            except SupplierAnalyticsError as exc:
                logger.error("run failed: %s", exc)
                _record_failure(job, run_info, exc.exit_code, str(exc))
                raise
            except BaseException as exc:
                logger.exception("run failed with an unexpected error")
                _record_failure(job, run_info, 1, f"{type(exc).__name__}: {exc}")
                raise
        finally:
            for lock in locks:
                lock.release()


def _record_failure(job: Job, run_info: Mapping, code: int, message: str) -> None:
    try:
        _history.record_run(job.history, {
            **run_info, "finished_utc": _iso(_utcnow()), "outcome": "failed", "exit_code": code, "message": message,
        })
    except Exception as exc:  # the failure itself is what matters; the log has it
        logger.warning("could not record the failed run in the history: %s", exc)


def _run_locked(job, as_of_arg, run_id, started, run_info, stage, stage_times, log_path) -> RunResult:
    out = job.out_dir
    runs_dir = out / "runs"
    recovered = _recover(out, job.history)
    for line in recovered:
        logger.warning("recovery: %s", line)

    stage("read")
    cfg = load_config(job.config)
    results, files_doc = _read_inputs(job)

    stage("score")
    rule = as_of_arg if as_of_arg is not None else job.as_of
    if isinstance(rule, (_dt.date, pd.Timestamp)):
        rule = pd.Timestamp(rule).strftime("%Y-%m-%d")
    latest = resolve_as_of(None, **{t: results[t].data for t in ("deliveries", "inspections", "requests") if t in results})
    as_of, as_of_note = as_of_from_rule(str(rule), freq=cfg.periods.freq, latest=latest)
    if as_of_note:
        logger.warning("as-of date: %s", as_of_note)
    logger.info("as-of date %s (rule %s; latest date in the data %s)", as_of.date(), rule, latest.date())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category=UserWarning)
        card = score(
            **{t: results.get(t) for t in _INPUT_TABLES},
            config=cfg,
            as_of=as_of,
        )
        alert_status, alerts = _raise_alerts(card)
    warned = tuple(str(w.message) for w in caught)
    for w in warned:
        logger.warning("%s", w)
    logger.info("alerts: %s", alert_status)
    for rec in alerts.to_dict("records"):
        logger.info("alert: %s %s", rec["supplier_id"], rec["message"])
    deteriorating = alerts[alerts["kind"] == "deteriorating"]

    rows = _rows_doc(results)
    over = {t: v["rejected_share"] for t, v in rows.items()
            if job.max_rejected_share is not None and v["rejected_share"] > job.max_rejected_share}
    day = as_of.strftime("%Y-%m-%d")
    if over:
        worst = max(over, key=over.get)
        exit_code, outcome = EXIT_REJECTED, "rejected rows above the limit"
        message = (
            f"{worst}: {over[worst]:.1%} of rows rejected ({rows[worst]['rows_rejected']} of {rows[worst]['rows_read']}), "
            f"above the job's max_rejected_share of {job.max_rejected_share:.1%}; see runs/{day}/rejected_rows.csv"
        )
    elif len(deteriorating) and job.fail_on_alerts:
        exit_code, outcome = EXIT_ALERTS, "alerts raised"
        n = len(deteriorating)
        message = (f"{n} deterioration alert{'s' if n > 1 else ''} raised and the job fails on alerts; "
                   f"see runs/{day}/alerts.csv")
    else:
        exit_code, outcome = EXIT_OK, "success"
        message = f"scored {len(card.suppliers)} suppliers as of {day}"
    logger.info("outcome: %s (exit code %d): %s", outcome, exit_code, message)

    stage("write")
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = runs_dir / f".staging-{day}-{run_id}"
    staging.mkdir()
    outputs: dict[str, Path] = {}
    if job.scorecard:
        for name, p in card.write(staging).items():
            outputs[name] = Path(p)
            _checkpoint(f"write: {name}")
    if len(alerts):
        outputs["alerts.csv"] = Path(write_csv(alerts, staging / "alerts.csv"))
    if job.feedback:  # one folder per supplier, for sending
        from supplier_analytics.reports.feedback import write_feedback_packs

        write_feedback_packs(card, staging / "feedback")
        _checkpoint("write: feedback")
    if job.review:  # the internal portfolio review
        from supplier_analytics.reports.review import review_pack

        review_pack(card, out_dir=staging / "review")
        _checkpoint("write: review")
    for folder in ("feedback", "review"):
        if (staging / folder).is_dir():
            for p in sorted((staging / folder).rglob("*")):
                if p.is_file():
                    outputs[p.relative_to(staging).as_posix()] = p
    logger.info("run folder staged in %s", staging.name)
    shutil.copyfile(log_path, staging / "run.log")
    outputs["run.log"] = staging / "run.log"
    _checkpoint("write: run.log")
    for p in outputs.values():
        fsync_file(p)
    stage("manifest")  # closes the timing of "write"; history and publish times are in the log
    finished = _utcnow()
    summary = card.summary()
    manifest = {
        "run_id": run_id,
        "package_version": __version__,
        "python": sys.version.split()[0],
        "job": {"path": str(job.path) if job.path else None,
                "sha256": _sha256(job.path) if job.path and job.path.is_file() else None},
        "as_of": day,
        "as_of_rule": str(rule),
        "as_of_note": as_of_note,
        "window": summary["window"],
        "config": {
            "path": str(job.config) if job.config else None,
            "sha256": _sha256(job.config) if job.config else None,
            "hash": cfg.hash(),
            "values": cfg.to_dict(),
        },
        "inputs": files_doc,
        "rows": rows,
        "max_rejected_share": job.max_rejected_share,
        "suppliers": int(len(card.suppliers)),
        "grades": summary["grades"],
        "warnings": list(warned),
        "alerts": {"status": alert_status, "fail_on": job.fail_on_alerts, "count": int(len(alerts)),
                   "deteriorating": int(len(deteriorating)),
                   "raised": alerts.astype(object).where(alerts.notna(), None).to_dict("records")},
        "outputs": {name: {"size": p.stat().st_size, "sha256": _sha256(p)} for name, p in sorted(outputs.items())},
        "history": {"path": str(job.history), "suppliers_rows": int(len(card.suppliers))},
        "timings_seconds": dict(stage_times),
        "recovered": list(recovered),
        "outcome": outcome,
        "exit_code": exit_code,
        "message": message,
        "started_utc": _iso(started),
        "finished_utc": _iso(finished),
    }
    write_json_atomic(staging / "manifest.json", manifest)
    fsync_dir(staging)
    _checkpoint("write: manifest.json")

    stage("history")
    _history.write(
        job.history,
        card.suppliers,
        as_of=day,
        run={**run_info, "finished_utc": _iso(finished), "outcome": outcome, "exit_code": exit_code,
             "config_hash": cfg.hash(), "message": message, "manifest": manifest},
        alerts=alerts,
        on_step=_checkpoint,
    )
    _checkpoint("history: committed")

    stage("publish")
    _publish(runs_dir, day, run_id, staging)
    _write_latest(out, job.history)
    stage("done")
    logger.info("published %s", runs_dir / day)
    return RunResult(
        run_id=run_id,
        as_of=as_of,
        exit_code=exit_code,
        outcome=outcome,
        message=message,
        run_dir=runs_dir / day,
        history_path=job.history,
        manifest=MappingProxyType(manifest),
        scorecard=card,
        warnings=warned,
        recovered=tuple(recovered),
    )
