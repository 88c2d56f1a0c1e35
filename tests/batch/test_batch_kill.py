"""A run killed at any moment leaves the previous or the new complete state, never a mixture.

A job over a small generated data set (20 suppliers, 2,000 receipts) is run once
("old" state), then its inputs are replaced by another data set and the same
as-of date is run again in a forked child process that is killed with SIGKILL:
at 20 seeded random delays across the run, and at a deterministic set of points
between the writing steps (the child replaces ``batch.runs.checkpoint`` with a
function that SIGKILLs itself there). After each kill the history and the
outputs are read back: each is exactly the old or exactly the new complete
state; after :func:`supplier_analytics.batch.recover` (which every run does
first) they agree with each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from supplier_analytics import batch, history
from supplier_analytics.datasets import write_procurement_data

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="kills forked children (POSIX)"),
    pytest.mark.slow,
]

TABLES = ("deliveries", "inspections", "requests", "suppliers")
AS_OF = "2025-12-31"
RANDOM_KILLS = 20
# the points where the state changes hands: staged but uncommitted, inside the history transaction,
# committed but unpublished, between the two renames of publishing, published with the previous not yet removed
DETERMINISTIC = (
    "write: manifest.json",
    "history: old rows deleted",
    "history: committed",
    "publish: previous folder moved aside",
    "publish: new folder in place",
)
FINGERPRINT_FILES = ("suppliers.csv", "periods.csv", "rejected_rows.csv", "summary.json")


def _history_print(out: Path) -> tuple[str, set[str]]:
    """Fingerprint of the as-of rows in the history (run ids aside), and the committed run ids."""
    db = out / "history.sqlite"
    sup = history.load(db).drop(columns="run_id")
    met = history.load(db, table="metrics")
    text = sup.to_csv(index=False) + met.to_csv(index=False)
    runs = history.load(db, table="runs")
    committed = set(runs.loc[runs["committed"] == 1, "run_id"].astype(str))
    return hashlib.sha256(text.encode()).hexdigest(), committed


def _folder_print(folder: Path) -> tuple[str, str]:
    """Fingerprint of a run folder's deterministic files and its run id, after checking it is complete."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = set(manifest["outputs"]) | {"manifest.json"}
    assert {p.name for p in folder.iterdir()} == listed, f"{folder.name}: files not in its manifest"
    for name, info in manifest["outputs"].items():
        data = (folder / name).read_bytes()
        assert len(data) == info["size"] and hashlib.sha256(data).hexdigest() == info["sha256"], (
            f"{folder.name}/{name} is not the file its manifest describes"
        )
    h = hashlib.sha256()
    for name in FINGERPRINT_FILES:
        h.update((folder / name).read_bytes())
    return h.hexdigest(), manifest["run_id"]


def _job_folder(folder: Path, data: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    for t in TABLES:
        shutil.copyfile(data / f"{t}.csv", folder / "data" / f"{t}.csv")
    inputs = "\n".join(f'{t} = "data/{t}.csv"' for t in TABLES)
    (folder / "job.toml").write_text(
        f'[inputs]\n{inputs}\n[scoring]\nas_of = {AS_OF}\n[outputs]\ndir = "out"\n', encoding="utf-8"
    )
    return folder / "job.toml"


@pytest.fixture(scope="module", autouse=True)
def _run_logs_to_their_files_only():
    # the runs' own log files still get every record; pytest's capture of them only slows the kills down
    log = logging.getLogger("supplier_analytics.batch")
    log.propagate = False
    yield
    log.propagate = True


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill")
    v1 = write_procurement_data(base / "v1", n_suppliers=20, n_deliveries=2000, seed=11, start="2025-01-01", months=12)
    v2 = write_procurement_data(base / "v2", n_suppliers=20, n_deliveries=2000, seed=12, start="2025-01-01", months=12)
    old_job = _job_folder(base / "old", v1)
    assert batch.run_job(old_job).exit_code == 0
    new_job = _job_folder(base / "new", v2)
    t0 = time.perf_counter()
    assert batch.run_job(new_job).exit_code == 0
    duration = time.perf_counter() - t0
    old = (_history_print(base / "old" / "out")[0], _folder_print(base / "old" / "out" / "runs" / AS_OF)[0])
    new = (_history_print(base / "new" / "out")[0], _folder_print(base / "new" / "out" / "runs" / AS_OF)[0])
    assert old[0] != new[0] and old[1] != new[1]
    return {"base": base, "v2": v2, "old": old, "new": new, "duration": duration}


def _killed_run(sc, work: Path, *, delay: float | None = None, at: str | None = None) -> int:
    """Copy the old state to ``work``, switch its inputs to the new data, run in a forked child and kill it."""
    shutil.copytree(sc["base"] / "old", work, symlinks=True)  # latest stays a link
    for t in TABLES:
        shutil.copyfile(sc["v2"] / f"{t}.csv", work / "data" / f"{t}.csv")
    pid = os.fork()
    if pid == 0:  # the child: run the job; never return into pytest
        code = 0
        try:
            if at is not None:

                def stop_here(name: str) -> None:
                    if name == at:
                        os.kill(os.getpid(), signal.SIGKILL)

                batch.runs.checkpoint = stop_here
            batch.run_job(work / "job.toml")
        except BaseException:
            code = 1
        os._exit(code)
    if delay is not None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status


def _check(sc, work: Path) -> str:
    """Read back history and outputs; return 'old' or 'new'."""
    out = work / "out"
    runs_dir = out / "runs"
    states = {sc["old"][0]: "old", sc["new"][0]: "new"}
    hist, committed = _history_print(out)
    assert hist in states, "the history is neither the old nor the new complete state"
    folders = {sc["old"][1]: "old", sc["new"][1]: "new"}
    final = runs_dir / AS_OF
    if final.exists():
        fp, run_id = _folder_print(final)
        assert fp in folders, "the run folder is neither the old nor the new complete state"
        assert run_id in committed, "a run folder was published before its history was committed"
        if folders[fp] == "new":
            assert states[hist] == "new"
    else:  # killed between the two renames of publishing: both complete folders are there
        old_dirs = list(runs_dir.glob(f".old-{AS_OF}-*"))
        staged = list(runs_dir.glob(f".staging-{AS_OF}-*"))
        assert len(old_dirs) == 1 and len(staged) == 1
        assert folders[_folder_print(old_dirs[0])[0]] == "old" and folders[_folder_print(staged[0])[0]] == "new"
        assert states[hist] == "new"
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert latest["run_id"] in committed and latest["as_of"] == AS_OF
    # every file the previous run published is still whole or replaced whole (no partial files at final
    # names); a kill inside an atomic replace may leave its temporary file, which recovery removes

    # recovery (the first thing every run does) makes outputs and history agree
    batch.recover(work / "job.toml")
    hist2, _ = _history_print(out)
    assert hist2 == hist, "recovery must never change the history"
    fp, run_id = _folder_print(final)
    assert folders[fp] == states[hist], "after recovery the run folder and the history tell the same state"
    sup = history.load(out / "history.sqlite")
    assert set(sup["run_id"]) == {run_id}
    assert json.loads((out / "latest.json").read_text(encoding="utf-8"))["run_id"] == run_id
    assert sorted(p.name for p in runs_dir.iterdir()) == [AS_OF]
    assert not list(out.glob("*.tmp"))
    return states[hist]


def test_killed_at_random_moments(scenario, tmp_path):
    rng = random.Random(20261122)
    seen = []
    for i in range(RANDOM_KILLS):
        delay = rng.uniform(0.0, 0.97 * scenario["duration"])
        _killed_run(scenario, tmp_path / f"r{i}", delay=delay)
        seen.append(_check(scenario, tmp_path / f"r{i}"))
        shutil.rmtree(tmp_path / f"r{i}")
    assert "old" in seen  # early kills leave the old state; which late kills reach "new" depends on timing


@pytest.mark.parametrize("at", DETERMINISTIC)
def test_killed_between_writing_steps(scenario, tmp_path, at):
    status = _killed_run(scenario, tmp_path / "w", at=at)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"the run never reached {at!r}"
    state = _check(scenario, tmp_path / "w")
    committed = at.startswith("publish") or at == "history: committed"
    assert state == ("new" if committed else "old")


def test_a_run_after_a_kill_completes_the_new_state(scenario, tmp_path):
    _killed_run(scenario, tmp_path / "w", at="publish: previous folder moved aside")
    result = batch.run_job(tmp_path / "w" / "job.toml")
    assert result.exit_code == 0
    assert result.recovered[0].startswith("published the committed run")
    assert _check(scenario, tmp_path / "w") == "new"
    runs = history.load(tmp_path / "w" / "out" / "history.sqlite", table="runs")
    assert len(runs) == 3 and pd.Series(runs["committed"]).tolist() == [1, 1, 1]
