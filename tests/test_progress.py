"""Progress on long work: a bar on a terminal, nothing in a pipe, a cron job or with --quiet.

The library only calls ``progress(stage, number, total)``; the command line decides whether to show it
(stderr a terminal, no ``--quiet``) and draws it with tqdm (:class:`supplier_analytics.cli.TerminalProgress`).
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from supplier_analytics import cli
from supplier_analytics.cli import TerminalProgress, main
from supplier_analytics.datasets import write_procurement_data
from supplier_analytics.reports.feedback import write_feedback_packs


class _Stream(io.StringIO):
    """A stderr that says whether it is a terminal."""

    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _frames(text: str) -> list[str]:
    """What the terminal showed, one redraw per item (tqdm redraws the line after a carriage return)."""
    return [f.strip() for f in text.split("\r") if f.strip()]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_procurement_data(
        tmp_path_factory.mktemp("progress"), n_suppliers=5, n_deliveries=300, seed=2, start="2025-01-01", months=6
    )


def _inputs(data: Path) -> list[str]:
    return [f"--{t}={data / f'{t}.csv'}" for t in ("deliveries", "suppliers")]


def test_the_bar_shows_each_step_and_clears_itself():
    stream = _Stream(True)
    bar = TerminalProgress(stream, delay=0)
    bar("Reading the exports", 1, 3)
    bar("Scoring", 2, 3)
    bar("Writing scorecard.xlsx", 3, 3)
    bar.close()
    frames = _frames(stream.getvalue())
    assert [f.split(" |")[0] for f in frames if not f.startswith("Reading")] == [
        "Scoring: 1/3 done",
        "Writing scorecard.xlsx: 2/3 done",
    ]
    assert frames[0].startswith("Reading the exports: 0/3 done |")
    assert stream.getvalue().endswith("\r")  # the last redraw blanks the line: the summary starts clean
    assert stream.getvalue().rstrip("\r").endswith(" " * 40)


def test_short_work_shows_nothing_and_a_long_step_keeps_its_clock_moving():
    quick = _Stream(True)
    bar = TerminalProgress(quick, delay=30)
    bar("Scoring", 1, 2)
    bar.close()
    assert quick.getvalue() == ""  # work shorter than the delay: no bar at all

    slow = _Stream(True)
    bar = TerminalProgress(slow, delay=0)
    bar("Scoring", 1, 2)
    deadline = time.monotonic() + 10  # one long step: the timer redraws it (twice a second) without any call
    while "| 00:01" not in slow.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    bar.close()
    frames = [f for f in _frames(slow.getvalue()) if f.startswith("Scoring")]
    assert len(frames) >= 3 and frames[-1].endswith("| 00:01") and frames[0].endswith("| 00:00")


@pytest.mark.parametrize("command", ["score", "feedback"])
def test_a_command_shows_progress_on_a_terminal_only(command, data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "PROGRESS_DELAY_SECONDS", 0)
    args = [command, *_inputs(data), f"--out={tmp_path / 'out'}"] + (
        ["--contact=q@example.com"] * (command == "feedback")
    )

    tty = _Stream(True)
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(args) == 0
    stages = {f.split(":")[0] for f in _frames(tty.getvalue())}
    if command == "score":
        assert {"Reading the exports", "Scoring", "Writing scorecard.xlsx", "Writing summary.json"} <= stages
        assert any(f.startswith("Writing summary.json: 6/7 done") for f in _frames(tty.getvalue()))
    else:  # one tick per pack: 5 suppliers, then the review pack: 2 + 5 + 1 steps
        assert {f"Feedback pack for V1000{i}" for i in range(1, 6)} <= stages and "Review pack" in stages
        assert any(f.startswith("Review pack: 7/8 done") for f in _frames(tty.getvalue()))
    summary = capsys.readouterr().out
    assert "done |" not in summary  # the bar goes to stderr, the summary to stdout

    for stream, extra in ((_Stream(False), []), (_Stream(True), ["--quiet"])):  # a pipe, cron; or asked
        monkeypatch.setattr(sys, "stderr", stream)
        assert main(args + extra) == 0
        assert "done |" not in stream.getvalue() and "\r" not in stream.getvalue()
    assert capsys.readouterr().out.count("As of") == 2  # --quiet silences the bar, not the summary


def test_the_library_reports_its_steps(sample_card, tmp_path):
    calls: list[tuple[str, int, int]] = []
    sample_card.write(tmp_path / "card", progress=lambda *a: calls.append(a))
    assert calls == [
        ("Writing scorecard.xlsx", 1, 5),
        ("Writing suppliers.csv", 2, 5),
        ("Writing periods.csv", 3, 5),
        ("Writing rejected_rows.csv", 4, 5),
        ("Writing summary.json", 5, 5),
    ]

    calls.clear()
    write_feedback_packs(
        sample_card, tmp_path / "packs", supplier_ids=["V10001", "V10002"], progress=lambda *a: calls.append(a)
    )
    assert calls == [("Feedback pack for V10001", 1, 2), ("Feedback pack for V10002", 2, 2)]

    calls.clear()
    write_procurement_data(
        tmp_path / "gen", n_suppliers=3, n_deliveries=250, chunk_rows=100, months=3, progress=lambda *a: calls.append(a)
    )
    assert calls == [("Writing the rows", 1, 3), ("Writing the rows", 2, 3), ("Writing the rows", 3, 3)]
