"""Job files: what a scheduled run reads, how it scores and where it writes (:func:`load_job`), and the as-of rule."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from supplier_analytics._io import read_toml
from supplier_analytics.errors import (
    ConfigError,
    InputError,
)
from supplier_analytics.ingest.database import display_url, is_database_url, resolve_sqlite_path

__all__ = ["Job", "InputSpec", "load_job", "as_of_from_rule", "AS_OF_RULES", "INPUT_TABLES"]

#: Named as-of rules (besides a date).
AS_OF_RULES = ("last-complete-period", "latest-data")

INPUT_TABLES = ("deliveries", "inspections", "requests", "suppliers", "exclusions")
_SECTIONS = {
    "inputs": (*INPUT_TABLES, "mapping", "duplicates"),
    "scoring": ("config", "as_of"),
    "outputs": ("dir", "scorecard", "feedback", "contact", "pdf", "review"),
    "history": ("path",),
    "limits": ("max_rejected_share", "lock_wait_seconds"),
    "alerts": ("fail_on",),
}
_INPUT_KEYS = ("path", "mapping", "sheet", "url", "query")


# --------------------------------------------------------------------------- job file


@dataclass(frozen=True)
class InputSpec:
    """One input table of a job: file paths or glob patterns, or a database ``url`` and ``query``, and how to
    read them (``${NAME}`` in the URL is filled in from the environment when the run reads it)."""

    table: str
    patterns: tuple[str, ...]
    mapping: Path | None = None
    sheet: str | None = None
    url: str | None = field(default=None, repr=False)  # may hold a password: kept out of reprs
    query: str | None = None


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
    contact: str | None = None  # who suppliers write to with questions and disputes (named in every pack)
    pdf: bool = False  # also feedback.pdf in each supplier's folder (headless Chromium)
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


def load_job(
    path_or_dict: str | Path | Mapping, *, out_dir: str | Path | None = None, base_dir: str | Path | None = None
) -> Job:
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
    supplier_analytics.errors.ConfigError: In the job dict, unknown key 'outputs.folder'; allowed in [outputs]: dir, scorecard, feedback, contact, pdf, review.
    """
    job_path = None
    if isinstance(path_or_dict, Mapping):
        raw, source = dict(path_or_dict), "the job dict"
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    elif isinstance(path_or_dict, (str, Path)):
        job_path = Path(path_or_dict)
        source = job_path.name
        raw = read_toml(job_path, "Job file")
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
    for table in INPUT_TABLES:
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
            if "url" in value or "query" in value:
                spec = _database_input(table, value, base, mapping, problems)
                if spec is not None:
                    inputs[table] = spec
                continue
            value = value.get("path")
            if value is None:
                problems.append(
                    f'inputs.{table} needs a path, e.g. {table} = {{ path = "{table}.csv" }}, or a url and a query'
                )
                continue
        if is_database_url(value):
            problems.append(
                f'inputs.{table} is a database URL; write {table} = {{ url = "...", query = "SELECT ..." }}'
            )
            continue
        patterns = [value] if isinstance(value, str) else value
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) and p.strip() for p in patterns)
        ):
            problems.append(f"inputs.{table} must be a path or glob as text, or a list of them, not {value!r}")
            continue
        inputs[table] = InputSpec(table, tuple(patterns), mapping, sheet)
    records = ("deliveries", "inspections", "requests")
    if not any(t in inputs or get("inputs", t) is not None for t in records):  # (a bad one is reported already)
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
            problems.append(
                f"scoring.as_of = {as_of!r} is not allowed; use one of: {', '.join(AS_OF_RULES)}, or a date YYYY-MM-DD"
            )
    elif not isinstance(as_of, str):
        problems.append(
            f"scoring.as_of = {as_of!r} is not allowed; use one of: {', '.join(AS_OF_RULES)}, or a date YYYY-MM-DD"
        )

    # [outputs]
    out = Path(out_dir) if out_dir is not None else path_of("outputs.dir", get("outputs", "dir"))
    if out is None and get("outputs", "dir") is None:
        problems.append("[outputs] dir is required: the folder for run folders, history and logs")
    scorecard = boolean("outputs.scorecard", get("outputs", "scorecard"), True)
    feedback = boolean("outputs.feedback", get("outputs", "feedback"), False)
    contact = get("outputs", "contact")
    if contact is not None and (not isinstance(contact, str) or not contact.strip()):
        problems.append(
            f"outputs.contact = {contact!r} must be a name and address as text, e.g. "
            '"Jane Doe, supplier quality, jane@example.com"'
        )
        contact = None
    pdf = boolean("outputs.pdf", get("outputs", "pdf"), False)
    if pdf and not feedback:
        problems.append("outputs.pdf = true prints the feedback packs, so it needs outputs.feedback = true")
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
    assert out is not None  # a missing or invalid outputs.dir is one of the problems above
    return Job(
        inputs=MappingProxyType(inputs),
        out_dir=out,
        history=hist if hist is not None else out / "history.sqlite",
        config=config,
        as_of=as_of,
        scorecard=scorecard,
        feedback=feedback,
        contact=contact.strip() if contact else None,
        pdf=pdf,
        review=review,
        duplicates=duplicates,
        max_rejected_share=None if share is None else float(share),
        lock_wait_seconds=float(wait),
        fail_on_alerts=fail_on,
        path=job_path,
        base_dir=base,
    )


def _database_input(table: str, value: Mapping, base: Path, mapping: Path | None, problems: list[str]):
    """``{ url = "...", query = "..." }`` as an InputSpec (a relative SQLite path is relative to ``base``)."""
    url, query = value.get("url"), value.get("query")
    if "url" not in value:  # a query without its url
        problems.append(
            f"inputs.{table} has a query but no url; a query runs on a database: give "
            f'{table} = {{ url = "...", query = "SELECT ..." }}'
            + (", or drop the query to read the file" if "path" in value else "")
        )
    elif "path" in value or "sheet" in value:
        problems.append(f"inputs.{table} has a url and a {'path' if 'path' in value else 'sheet'}; a url takes a query")
    elif not isinstance(url, str) or not is_database_url(url):
        shown = display_url(url) if isinstance(url, str) else url
        problems.append(
            f"inputs.{table}.url = {shown!r} must be a database URL, e.g. "
            '"postgresql://analyst:${PGPASSWORD}@db.example.com/erp" or "sqlite:///erp.db"'
        )
    elif not isinstance(query, str) or not query.strip():
        problems.append(f"inputs.{table} needs a query with its url: the SQL whose result is the {table} table")
    else:
        return InputSpec(table, (), mapping, None, url=resolve_sqlite_path(url, base), query=query)
    return None


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

    day = pd.Timestamp(today if today is not None else _dt.datetime.now(_dt.UTC).date()).normalize()
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
