"""The run itself: read the inputs, score, stage the outputs, commit the history, publish (:func:`run_job`)."""

from __future__ import annotations

import datetime as _dt
import glob as _glob
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from supplier_analytics import __version__
from supplier_analytics import history as _history
from supplier_analytics._io import fsync_dir, fsync_file, write_csv, write_json_atomic
from supplier_analytics.batch import runs
from supplier_analytics.batch.job import (
    INPUT_TABLES,
    InputSpec,
    Job,
    as_of_from_rule,
    load_job,
)
from supplier_analytics.batch.runs import (
    iso,
    lock_all,
    locks_for,
    publish,
    recover_leftovers,
    sha256_file,
    utcnow,
    write_latest,
)
from supplier_analytics.config import load_config
from supplier_analytics.errors import (
    EXIT_ALERTS,
    EXIT_OK,
    EXIT_REJECTED,
    InputError,
    LockedError,
    SupplierAnalyticsError,
)
from supplier_analytics.ingest import (
    DatabaseSource,
    ImportResult,
    combine_results,
    read_table,
)
from supplier_analytics.ingest.combine import check_supplier_master
from supplier_analytics.scorecard import score
from supplier_analytics.tables import resolve_as_of

__all__ = ["RunResult", "run_job", "RUN_STAGES"]

logger = logging.getLogger("supplier_analytics.batch")  # one logger for the package: the run log takes it all

#: The stages a run reports to ``progress`` (in order).
RUN_STAGES = ("lock", "read", "score", "write", "history", "publish")


# --------------------------------------------------------------------------- reading inputs


#: The warning of a job that writes feedback packs without a contact for questions and disputes.
NO_CONTACT_JOB = (
    "The feedback packs name no contact for questions and disputes (they ask the supplier to reply to the "
    'sender); set contact in [outputs] of the job file, e.g. contact = "Jane Doe, supplier quality, '
    'jane@example.com".'
)


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
                raise InputError(
                    f"Input file {p} for inputs.{spec.table} does not exist; check the path in the job file."
                )
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
        if spec.url is not None:
            result, doc = _read_query(spec, job.duplicates)
            results[table] = result
            files_doc.append(doc)
            continue
        paths = _expand(spec, job.base_dir)
        per_file = []
        for p in paths:
            size, digest = p.stat().st_size, sha256_file(p)
            logger.info("reading %s from %s (%d bytes, sha256 %s)", table, p, size, digest)
            r = read_table(p, table, mapping=spec.mapping, sheet=spec.sheet, duplicates=job.duplicates)
            logger.info("%s", r.summary_text())
            per_file.append(r)
            files_doc.append(
                {
                    "table": table,
                    "path": str(p),
                    "size": size,
                    "sha256": digest,
                    "rows_read": r.rows_read,
                    "rows_accepted": r.rows_accepted,
                    "rows_rejected": r.rows_rejected,
                }
            )
        results[table] = combine_results(table, per_file, duplicates=job.duplicates)
    return check_supplier_master(results), files_doc


def _read_query(spec: InputSpec, duplicates: str) -> tuple[ImportResult, dict]:
    """One table from a database query; the manifest gets the URL without its password and the query's hash."""
    source = DatabaseSource(spec.url or "", spec.query or "")
    logger.info("reading %s from %s (query sha256 %s)", spec.table, source.name, source.query_sha256)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category=UserWarning)
        r = read_table(source, spec.table, mapping=spec.mapping, duplicates=duplicates)
    for w in caught:  # a password written in the job file: logged, and shown as the library shows it
        logger.warning("%s", w.message)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    logger.info("%s", r.summary_text())
    doc = {
        "table": spec.table,
        "url": source.name,
        "query_sha256": source.query_sha256,
        "rows_read": r.rows_read,
        "rows_accepted": r.rows_accepted,
        "rows_rejected": r.rows_rejected,
    }
    return combine_results(spec.table, [r], duplicates=duplicates), doc


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
    frame = pd.DataFrame(
        {
            "supplier_id": raised["supplier_id"].astype("string"),
            "metric": raised["metric"].astype("string"),
            "kind": raised["direction"].astype("string"),
            "message": pd.array(messages, dtype="string"),
        }
    )
    n_bad = int((frame["kind"] == "deteriorating").sum())
    # the tests run, as alerts() counts them (its frame keeps only alerts and the rows not tested)
    tested, not_tested = int(found.attrs["tests"]), int(found.attrs["not_tested"])
    status = (
        f"{n_bad} deteriorating, {len(frame) - n_bad} improving among {tested} supplier x metric trend tests "
        f"({not_tested} not tested: too little evidence)"
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
        return "\n".join(
            [
                f"Run {self.run_id}: as of {self.as_of.date()}, {m['suppliers']} suppliers; grades: {grades}",
                f"Rows read {read} = {read - rej} accepted + {rej} rejected; alerts: {m['alerts']['status']}",
                f"Results in {self.run_dir}; history in {self.history_path}",
                f"Outcome: {self.message}",
            ]
        )

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
    started = utcnow()
    run_id = f"{started:%Y%m%dT%H%M%S%f}Z-p{os.getpid()}"
    stage_times: dict[str, float] = {}
    total = len(RUN_STAGES)

    out = job.out_dir
    (out / "logs").mkdir(parents=True, exist_ok=True)
    log_path = out / "logs" / f"{run_id}.log"
    stage_start = time.perf_counter()
    current_stage: str | None = None

    def stage(name: str) -> None:
        nonlocal stage_start, current_stage
        now = time.perf_counter()
        if current_stage is not None:
            stage_times[current_stage] = round(now - stage_start, 3)
        stage_start, current_stage = now, name
        logger.info("stage %s", name)
        if progress is not None and name in RUN_STAGES:
            progress(name, RUN_STAGES.index(name) + 1, total)

    run_info = {
        "run_id": run_id,
        "started_utc": iso(started),
        "package_version": __version__,
        "job": str(job.path) if job.path is not None else None,
    }
    with _RunLog(log_path):
        logger.info(
            "run %s of job %s (supplier-analytics %s, Python %s)", run_id, job.path, __version__, sys.version.split()[0]
        )
        locks = locks_for(job)
        stage("lock")
        try:
            lock_all(locks, {"pid": os.getpid(), "started_utc": iso(started), "run_id": run_id}, job.lock_wait_seconds)
        except LockedError as exc:
            logger.error("run refused: %s", exc)
            raise
        try:
            try:
                return _run_locked(job, as_of, run_id, started, run_info, stage, stage_times, log_path)
            except SupplierAnalyticsError as exc:
                logger.error("run failed: %s", exc)
                _record_failure(job, run_info, exc.exit_code, str(exc))
                _clean_up_failure(job)
                raise
            except BaseException as exc:
                logger.exception("run failed with an unexpected error")
                _record_failure(job, run_info, 1, f"{type(exc).__name__}: {exc}")
                _clean_up_failure(job)
                raise
        finally:
            for lock in locks:
                lock.release()


def _clean_up_failure(job: Job) -> None:
    """After a failed run, with its locks still held: remove its unfinished run folder (``.staging-*``).

    What earlier runs published stays; a run whose history was committed before the failure is published,
    as the next run's recovery would do.
    """
    try:
        for line in recover_leftovers(job.out_dir, job.history):
            logger.warning("after the failure: %s", line)
    except Exception as exc:  # the failure itself is what matters; the next run recovers
        logger.warning("could not clean up after the failed run: %s", exc)


def _record_failure(job: Job, run_info: Mapping, code: int, message: str) -> None:
    try:
        _history.record_run(
            job.history,
            {
                **run_info,
                "finished_utc": iso(utcnow()),
                "outcome": "failed",
                "exit_code": code,
                "message": message,
            },
        )
    except Exception as exc:  # the failure itself is what matters; the log has it
        logger.warning("could not record the failed run in the history: %s", exc)


def _run_locked(job, as_of_arg, run_id, started, run_info, stage, stage_times, log_path) -> RunResult:
    out = job.out_dir
    runs_dir = out / "runs"
    recovered = recover_leftovers(out, job.history)
    for line in recovered:
        logger.warning("recovery: %s", line)

    if job.pdf:  # refuse before reading and scoring, not after
        from supplier_analytics.reports.pdf import PdfEngineError, find_chromium

        if find_chromium() is None:
            raise PdfEngineError(
                "The job asks for feedback PDFs ([outputs] pdf = true) but Chromium is not installed "
                "(apt-get install chromium, or set SUPPLIER_ANALYTICS_CHROMIUM to its path); install it or set "
                "pdf = false."
            )
    stage("read")
    cfg = load_config(job.config)
    results, files_doc = _read_inputs(job)

    stage("score")
    rule = as_of_arg if as_of_arg is not None else job.as_of
    if isinstance(rule, (_dt.date, pd.Timestamp)):
        rule = pd.Timestamp(rule).strftime("%Y-%m-%d")
    latest = resolve_as_of(
        None, **{t: results[t].data for t in ("deliveries", "inspections", "requests") if t in results}
    )
    as_of, as_of_note = as_of_from_rule(str(rule), freq=cfg.periods.freq, latest=latest)
    if as_of_note:
        logger.warning("as-of date: %s", as_of_note)
    logger.info("as-of date %s (rule %s; latest date in the data %s)", as_of.date(), rule, latest.date())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category=UserWarning)
        tables: dict[str, Any] = {t: results.get(t) for t in INPUT_TABLES}  # score() takes None for a missing table
        card = score(
            **tables,
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
    over = {
        t: v["rejected_share"]
        for t, v in rows.items()
        if job.max_rejected_share is not None and v["rejected_share"] > job.max_rejected_share
    }
    day = as_of.strftime("%Y-%m-%d")
    if over:
        worst = max(over, key=lambda t: over[t])
        exit_code, outcome = EXIT_REJECTED, "rejected rows above the limit"
        message = (
            f"{worst}: {over[worst]:.1%} of rows rejected ({rows[worst]['rows_rejected']} of {rows[worst]['rows_read']}), "
            f"above the job's max_rejected_share of {job.max_rejected_share:.1%}; see runs/{day}/rejected_rows.csv"
        )
    elif len(deteriorating) and job.fail_on_alerts:
        exit_code, outcome = EXIT_ALERTS, "alerts raised"
        n = len(deteriorating)
        message = (
            f"{n} deterioration alert{'s' if n > 1 else ''} raised and the job fails on alerts; "
            f"see runs/{day}/alerts.csv"
        )
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
            runs.checkpoint(f"write: {name}")
    if len(alerts):
        outputs["alerts.csv"] = Path(write_csv(alerts, staging / "alerts.csv"))
    if job.feedback:  # one folder per supplier, for sending
        from supplier_analytics.reports.feedback import NO_CONTACT, write_feedback_packs

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", category=UserWarning)
            write_feedback_packs(card, staging / "feedback", contact=job.contact, pdf=job.pdf)
        for pack_warning in caught:
            text = str(pack_warning.message)
            text = NO_CONTACT_JOB if text == NO_CONTACT else text
            logger.warning("%s", text)
            warned += (text,)
        runs.checkpoint("write: feedback")
    if job.review:  # the internal portfolio review
        from supplier_analytics.reports.review import review_pack

        review_pack(card, out_dir=staging / "review")
        runs.checkpoint("write: review")
    for folder in ("feedback", "review"):
        if (staging / folder).is_dir():
            for p in sorted((staging / folder).rglob("*")):
                if p.is_file():
                    outputs[p.relative_to(staging).as_posix()] = p
    logger.info("run folder staged in %s", staging.name)
    shutil.copyfile(log_path, staging / "run.log")
    outputs["run.log"] = staging / "run.log"
    runs.checkpoint("write: run.log")
    for p in outputs.values():
        fsync_file(p)
    stage("manifest")  # closes the timing of "write"; history and publish times are in the log
    finished = utcnow()
    summary = card.summary()
    manifest = {
        "run_id": run_id,
        "package_version": __version__,
        "python": sys.version.split()[0],
        "job": {
            "path": str(job.path) if job.path else None,
            "sha256": sha256_file(job.path) if job.path and job.path.is_file() else None,
        },
        "as_of": day,
        "as_of_rule": str(rule),
        "as_of_note": as_of_note,
        "window": summary["window"],
        "config": {
            "path": str(job.config) if job.config else None,
            "sha256": sha256_file(job.config) if job.config else None,
            "hash": cfg.hash(),
            "values": cfg.to_dict(),
        },
        "inputs": files_doc,
        "rows": rows,
        "max_rejected_share": job.max_rejected_share,
        "suppliers": int(len(card.suppliers)),
        "grades": summary["grades"],
        "warnings": list(warned),
        "alerts": {
            "status": alert_status,
            "fail_on": job.fail_on_alerts,
            "count": int(len(alerts)),
            "deteriorating": int(len(deteriorating)),
            "raised": alerts.astype(object).where(alerts.notna(), None).to_dict("records"),
        },
        "outputs": {name: {"size": p.stat().st_size, "sha256": sha256_file(p)} for name, p in sorted(outputs.items())},
        "history": {"path": str(job.history), "suppliers_rows": int(len(card.suppliers))},
        "timings_seconds": dict(stage_times),
        "recovered": list(recovered),
        "outcome": outcome,
        "exit_code": exit_code,
        "message": message,
        "started_utc": iso(started),
        "finished_utc": iso(finished),
    }
    write_json_atomic(staging / "manifest.json", manifest)
    fsync_dir(staging)
    runs.checkpoint("write: manifest.json")

    stage("history")
    _history.write(
        job.history,
        card.suppliers,
        as_of=day,
        run={
            **run_info,
            "finished_utc": iso(finished),
            "outcome": outcome,
            "exit_code": exit_code,
            "config_hash": cfg.hash(),
            "message": message,
            "manifest": manifest,
        },
        alerts=alerts,
        on_step=runs.checkpoint,
    )
    runs.checkpoint("history: committed")

    stage("publish")
    publish(runs_dir, day, run_id, staging)
    write_latest(out, job.history)
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
