"""Command-line interface: argument parsing only; every command calls the library.

``main(argv=None) -> int`` is the console script ``supplier-analytics`` and
``python -m supplier_analytics``. Errors are one sentence on stderr with a
non-zero exit code (see :mod:`supplier_analytics.errors`); ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from supplier_analytics import __version__
from supplier_analytics.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_REJECTED,
    SupplierAnalyticsError,
    UsageError,
)

TABLE_OPTIONS = ("deliveries", "inspections", "requests", "suppliers", "exclusions")


def _file_or_url(text: str) -> Path | str:
    return text if "://" in text else Path(text)  # a URL kept as written: Path() would fold its "//"


def _add_input_options(p: argparse.ArgumentParser) -> None:
    for t in TABLE_OPTIONS:
        p.add_argument(
            f"--{t}",
            metavar="FILE|URL",
            type=_file_or_url,
            help=f"{t} export (.xlsx, .xlsm, .csv, .parquet) or database URL (with --{t}-query)",
        )
        p.add_argument(
            f"--{t}-query",
            metavar="SQL",
            help=f"with a database URL for --{t}: the SQL whose result is the {t} table",
        )
    p.add_argument(
        "--mapping",
        metavar="TOML|PRESET",
        type=Path,
        help="mapping file (see data/sample/mappings/) or a preset's name (supplier-analytics mappings lists them)",
    )
    p.add_argument(
        "--duplicates",
        choices=("reject", "keep"),
        default="reject",
        help="exact duplicate records: reject the repeats (default) or keep them, flagged",
    )


def _inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Table -> file path, or DatabaseSource for a URL with its query (``${NAME}`` in a URL is expanded later)."""
    from supplier_analytics.ingest import DatabaseSource

    out: dict[str, Any] = {}
    for t in TABLE_OPTIONS:
        source, query = getattr(args, t), getattr(args, f"{t}_query")
        if query is not None and not isinstance(source, str):
            what = "no --" + t if source is None else f"--{t} {source}, a file"
            _usage(args, f"--{t}-query needs a database URL in --{t} (given: {what}), e.g. --{t} sqlite:///erp.db")
        if isinstance(source, str) and query is None:
            _usage(args, f"--{t} {source.split('://')[0]}://... is a database URL: give the SQL with --{t}-query")
        if source is not None:
            out[t] = DatabaseSource(source, query) if query is not None else source
    return out


def _usage(args: argparse.Namespace, message: str):
    raise UsageError(f"{args.command}: {message}.")


# --------------------------------------------------------------------------- progress on a terminal

#: Work shorter than this shows no bar at all (a small file scores in about a second).
PROGRESS_DELAY_SECONDS = 1.5

Progress = Callable[[str, int, int], None]


class TerminalProgress:
    """A tqdm bar on ``stream`` fed by the library's ``progress(stage, number, total)`` calls.

    Each call says that step ``number`` of ``total`` (``stage``, e.g. "Writing scorecard.xlsx") begins. The
    bar appears once the work has taken ``delay`` seconds, and a timer redraws it twice a second, so the
    elapsed time moves during a long step too; :meth:`close` clears it, leaving the terminal to the summary.
    """

    def __init__(self, stream, *, delay: float):
        self.stream, self.delay = stream, delay
        self.started = time.monotonic()
        self.state: tuple[str, int, int] | None = None
        self.bar: Any = None
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.timer = threading.Thread(target=self._tick, daemon=True)
        self.timer.start()

    def __call__(self, stage: str, number: int, total: int) -> None:
        with self.lock:
            self.state = (stage, number, total)
            self._draw()

    def _tick(self) -> None:
        while not self.stop.wait(0.5):
            with self.lock:
                self._draw()

    def _draw(self) -> None:
        if self.state is None or time.monotonic() - self.started < self.delay:
            return
        stage, number, total = self.state
        if self.bar is None:
            from tqdm import tqdm

            size = shutil.get_terminal_size()
            self.bar = tqdm(
                total=total,
                initial=number - 1,
                desc=stage,
                file=self.stream,
                leave=False,
                # the terminal's size, or 80 x 24 where it says 0 x 0 (a pseudo-terminal without a size)
                ncols=min(size.columns, 100),
                nrows=size.lines,
                bar_format="{desc}: {n_fmt}/{total_fmt} done |{bar}| {elapsed}",
            )
        self.bar.total = total
        self.bar.n = number - 1
        self.bar.set_description_str(stage, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.stop.set()
        self.timer.join()
        with self.lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None


@contextmanager
def progress_for(args: argparse.Namespace) -> Iterator[Progress | None]:
    """A :class:`TerminalProgress` when stderr is a terminal and ``--quiet`` was not given, else None.

    In a pipe, a cron job or a log file nothing is printed: the library gets no callback at all.
    """
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        yield None
        return
    bar = TerminalProgress(sys.stderr, delay=PROGRESS_DELAY_SECONDS)
    try:
        yield bar
    finally:
        bar.close()


def _steps(progress: Progress | None, before: int, after: int = 0) -> Progress | None:
    """The library's steps ``1..n`` as steps ``before+1..before+n`` of ``before + n + after``."""
    if progress is None:
        return None
    return lambda stage, number, total: progress(stage, before + number, before + total + after)


def _cmd_validate(args: argparse.Namespace) -> int:
    from supplier_analytics.ingest import validate_files

    files = _inputs(args)
    if not files:
        raise UsageError("validate needs at least one input; give e.g. --deliveries FILE.")
    report = validate_files(files, mapping=args.mapping, duplicates=args.duplicates)
    print(report.summary_text())
    if args.out is not None:
        written = report.write(args.out)
        print(f"Results written to {written}")
    return EXIT_OK if report.rows_rejected == 0 else EXIT_REJECTED


def _cmd_score(args: argparse.Namespace) -> int:
    from supplier_analytics.ingest import validate_files
    from supplier_analytics.scorecard import score

    files = _inputs(args)
    if not any(t in files for t in ("deliveries", "inspections", "requests")):
        raise UsageError("score needs at least one of --deliveries, --inspections or --requests; give one.")
    big: dict[str, Path] = {}
    if args.engine == "dask" and any(not isinstance(files.get(t), (Path, type(None))) for t in TABLE_OPTIONS[:3]):
        _usage(args, "--engine dask reads parquet files; score a database query with the pandas engine")
    if args.engine == "dask":  # record tables are partitioned parquet datasets, read by the workers
        big = {t: files.pop(t) for t in ("deliveries", "inspections", "requests") if t in files}
    with progress_for(args) as progress:
        if progress is not None:
            progress("Reading the exports", 1, 7)
        report = validate_files(files, mapping=args.mapping, duplicates=args.duplicates) if files else None
        tables: dict[str, Any] = {**big, **(report.results if report else {})}  # a path or an ImportResult per table
        if progress is not None:
            progress("Scoring", 2, 7)
        card = score(**tables, config=args.config, as_of=args.as_of, engine=args.engine)
        paths = card.write(args.out, progress=_steps(progress, 2))
    if report is not None:
        print(report.summary_text())
    print(
        f"As of {card.as_of.date()} (window {card.window[0].date()} to {card.window[1].date()}): "
        f"{len(card.suppliers)} suppliers{' scored with dask' if args.engine == 'dask' else ''}; grades: "
        + ", ".join(f"{g} {n}" for g, n in card.summary()["grades"].items())
    )
    print(f"Results written to {Path(args.out)}: " + ", ".join(paths))
    return EXIT_OK


def _cmd_feedback(args: argparse.Namespace) -> int:
    from supplier_analytics.ingest import validate_files
    from supplier_analytics.reports.feedback import write_feedback_packs
    from supplier_analytics.reports.review import review_pack
    from supplier_analytics.scorecard import score

    files = _inputs(args)
    if not any(t in files for t in ("deliveries", "inspections", "requests")):
        raise UsageError("feedback needs at least one of --deliveries, --inspections or --requests; give one.")
    with progress_for(args) as progress:
        n = 2 + (len(args.supplier) if args.supplier else 1) + 1  # made exact once the suppliers are known
        if progress is not None:
            progress("Reading the exports", 1, n)
        report = validate_files(files, mapping=args.mapping, duplicates=args.duplicates)
        tables: dict[str, Any] = dict(report.results)
        if progress is not None:
            progress("Scoring", 2, n)
        card = score(**tables, config=args.config, as_of=args.as_of)
        folders = write_feedback_packs(
            card,
            args.out,
            supplier_ids=args.supplier,
            actions=args.actions,
            contact=args.contact,
            pdf=args.pdf,
            progress=_steps(progress, 2, after=1),
        )
        if progress is not None:
            progress("Review pack", 3 + len(folders), 3 + len(folders))
        review_pack(card, actions=args.actions, out_dir=Path(args.out) / "review")
    print(report.summary_text())
    print(
        f"As of {card.as_of.date()} (window {card.window[0].date()} to {card.window[1].date()}): "
        f"{len(folders)} feedback packs in {Path(args.out) / 'suppliers'}, review pack in "
        f"{Path(args.out) / 'review'}"
    )
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from supplier_analytics.datasets import write_procurement_data

    with progress_for(args) as progress:
        out = write_procurement_data(
            args.out,
            n_suppliers=args.suppliers,
            n_deliveries=args.deliveries,
            seed=args.seed,
            format=args.format,
            start=args.start,
            months=args.months,
            variation_sd=args.variation_sd,
            variation_phi=args.variation_phi,
            seasonality=args.seasonality,
            progress=progress,
        )
    print(f"Generated data written to {out}")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from supplier_analytics.batch import run_job

    with progress_for(args) as progress:
        result = run_job(args.job, as_of=args.as_of, progress=_run_stages(progress))
    if not args.quiet:
        print(result.summary_text())
    if result.exit_code != EXIT_OK:
        print(f"error: {result.message}.", file=sys.stderr)
    return result.exit_code


#: What a person reads for each stage of a run (batch.RUN_STAGES).
RUN_STAGE_LABELS = {
    "lock": "Taking the lock",
    "read": "Reading the inputs",
    "score": "Scoring",
    "write": "Writing the outputs",
    "history": "Storing the history",
    "publish": "Publishing the run",
}


def _run_stages(progress: Progress | None) -> Progress | None:
    if progress is None:
        return None
    return lambda stage, number, total: progress(RUN_STAGE_LABELS.get(stage, stage), number, total)


def _cmd_history(args: argparse.Namespace) -> int:
    from supplier_analytics.batch.changes import grade_changes, history_file, supplier_history, write_history_workbook

    path = history_file(args.target)
    title, table = grade_changes(path, args.as_of)
    tables = [("Changes since last run", title, table)]
    if args.supplier is not None:
        tables = [("Supplier history", *supplier_history(path, args.supplier)), *tables]
    for _, sentence, frame in tables:
        print(sentence)
        if len(frame):
            print(_text_table(frame))
        print()
    if args.xlsx is not None:
        print(f"Written to {write_history_workbook(args.xlsx, tables)}")
    return EXIT_OK


def _text_table(frame) -> str:
    """A table for the terminal: ranks whole, scores with one decimal, changes signed, empty cells blank."""
    shown = frame.astype(object).where(frame.notna(), "")
    for c in frame.columns:
        if frame[c].dtype.kind == "f":
            spec = ".0f" if c == "Rank" else "+.1f" if c.startswith("Change") else ".1f"
            shown[c] = ["" if v == "" else format(v, spec) for v in shown[c]]
    return shown.to_string(index=False)


def _cmd_mappings(args: argparse.Namespace) -> int:
    from supplier_analytics.ingest.presets import PRESETS, preset_error

    if args.name is not None:  # one preset's TOML, to read its notes or to copy and adapt
        if args.name not in PRESETS:
            raise preset_error(args.name)
        print(PRESETS[args.name].text(), end="")
        return EXIT_OK
    rows = [(p.name, f"{p.system} {p.report}", ", ".join(p.tables), p.description) for p in PRESETS.values()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)) + "  " + r[3])
    print("\nUse one with --mapping NAME; `supplier-analytics mappings NAME` shows its columns and notes.")
    return EXIT_OK


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supplier-analytics",
        description="Supplier delivery, quality and responsiveness analytics.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="read exports, map and validate them, report every problem")
    _add_input_options(p)
    p.add_argument("--out", metavar="DIR", type=Path, help="write rejected_rows.csv and validation.json here")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("score", help="score suppliers and write the scorecard workbook and CSV files")
    _add_input_options(p)
    p.add_argument("--config", metavar="TOML", type=Path, help="scoring configuration (default: built-in defaults)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date, help="as-of date (default: latest date in the data)")
    p.add_argument("--out", metavar="DIR", type=Path, required=True, help="folder for the results")
    p.add_argument(
        "--engine",
        choices=("pandas", "dask"),
        default="pandas",
        help="pandas: in memory (default); dask: --deliveries/--inspections/--requests are parquet "
        "files or folders of parquet files (one supplier per file), aggregated on a local "
        "dask cluster, or on the one DASK_SCHEDULER_ADDRESS names",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar (it shows on a terminal only)")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("feedback", help="write a feedback pack per supplier (HTML + xlsx) and the internal review pack")
    _add_input_options(p)
    p.add_argument("--config", metavar="TOML", type=Path, help="scoring configuration (default: built-in defaults)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date, help="as-of date (default: latest date in the data)")
    p.add_argument("--actions", metavar="FILE", type=Path, help="action log (.xlsx, .csv): open actions, before/after")
    p.add_argument("--supplier", metavar="ID", action="append", help="only this supplier (repeat for more)")
    p.add_argument(
        "--contact",
        metavar="TEXT",
        help="who suppliers write to with questions and disputes, e.g. 'Jane Doe, supplier quality, "
        "jane@example.com' (without it: a warning, and the packs ask suppliers to reply to the sender)",
    )
    p.add_argument("--pdf", action="store_true", help="also print each pack to feedback.pdf (A4, headless Chromium)")
    p.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help="folder: suppliers/<id>/feedback.html|xlsx and review/review.html|xlsx",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar (it shows on a terminal only)")
    p.set_defaults(func=_cmd_feedback)

    p = sub.add_parser("generate", help="write a seeded synthetic data set")
    p.add_argument("--suppliers", type=int, default=60, metavar="N")
    p.add_argument("--deliveries", type=int, default=20_000, metavar="N")
    p.add_argument("--seed", type=int, default=42, metavar="S")
    p.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv")
    p.add_argument("--start", default="2025-01-01", metavar="YYYY-MM-DD", help="first day of the data")
    p.add_argument("--months", type=int, default=24, metavar="M", help="months of history")
    p.add_argument(
        "--variation-sd",
        type=float,
        default=0.0,
        metavar="SD",
        help="month-to-month variation of each supplier's rates, sd on the logit (default 0: none; 0.3 is moderate)",
    )
    p.add_argument(
        "--variation-phi",
        type=float,
        default=0.5,
        metavar="PHI",
        help="how much of a month's deviation carries into the next, -1 < PHI < 1 (default 0.5)",
    )
    p.add_argument(
        "--seasonality",
        type=float,
        default=0.0,
        metavar="A",
        help="yearly season on the logit, worst at the turn of the year (default 0: none)",
    )
    p.add_argument("--out", metavar="DIR", type=Path, required=True)
    p.add_argument("--quiet", action="store_true", help="no progress bar (it shows on a terminal only)")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser(
        "run", help="run a scheduled scoring job: run folder, manifest, history (see data/sample/job.toml)"
    )
    p.add_argument("job", metavar="JOB.toml", type=Path, help="the job file")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date, help="as-of date (default: the job's as_of rule)")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary; errors still go to stderr")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "history", help="grade changes since the last run, and one supplier's history, from a job's history"
    )
    p.add_argument(
        "target",
        metavar="OUT|JOB.toml|HISTORY",
        type=Path,
        help="a job's output folder, its job file, or its history.sqlite",
    )
    p.add_argument("--supplier", metavar="ID", help="also this supplier's grade and scores at every as-of date")
    p.add_argument(
        "--as-of", metavar="YYYY-MM-DD", type=_date, help="changes at this stored as-of date (default: the latest)"
    )
    p.add_argument("--xlsx", metavar="FILE", type=Path, help="also write the tables to this workbook")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("mappings", help="list the preset mappings for common ERP exports, or show one")
    p.add_argument("name", nargs="?", metavar="NAME", help="a preset to show (its TOML with its notes)")
    p.set_defaults(func=_cmd_mappings)

    for command in sub.choices.values():  # --debug after the command too (every command, however added)
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
        )
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line on stderr (no source path), e.g. for suppliers with too little evidence."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = _show_warning
            return int(args.func(args))
    except SupplierAnalyticsError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one sentence, the traceback with --debug
        if args.debug:
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} (run again with --debug and report the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
