"""Outputs follow the user's umask: colleagues who may read the folder can open every file in it.

Before, the workbook, summary.json, the packs and the manifest came from ``tempfile.mkstemp`` (mode 0600)
while the CSVs were 0644. Every output of ``score``, ``feedback`` and ``run`` now gets 0666 and folders
0777, less the umask: 0644/0755 with the usual 022, 0600/0700 with 077.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from supplier_analytics import batch
from supplier_analytics._io import mkstemp_umask, write_text_atomic
from supplier_analytics.cli import main
from supplier_analytics.datasets import write_procurement_data

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_procurement_data(
        tmp_path_factory.mktemp("modes"), n_suppliers=6, n_deliveries=400, seed=5, start="2025-01-01", months=6
    )


@pytest.fixture
def umask():
    """Set the process umask for one test (each xdist worker is its own process), restored afterwards."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def _modes(folder: Path) -> tuple[set[str], set[str]]:
    """The modes (octal text) of every file and every folder below ``folder``."""
    files, dirs = set(), set()
    for p in folder.rglob("*"):
        if p.is_symlink():
            continue
        (dirs if p.is_dir() else files).add(oct(stat.S_IMODE(p.stat().st_mode)))
    return files, dirs


def _inputs(data: Path) -> list[str]:
    return [f"--{t}={data / f'{t}.csv'}" for t in ("deliveries", "inspections", "requests", "suppliers")]


def _run(data: Path, folder: Path) -> Path:
    """A batch run with feedback packs (workbooks, pages, CSVs, manifest, history): its output folder."""
    job = folder / "job.toml"
    folder.mkdir()
    inputs = "\n".join(f'{t} = "{(data / f"{t}.csv").as_posix()}"' for t in ("deliveries", "suppliers"))
    job.write_text(f'[inputs]\n{inputs}\n[outputs]\ndir = "out"\nfeedback = true\n', encoding="utf-8")
    assert main(["run", str(job), "--quiet"]) == 0
    out = folder / "out"
    run_files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.is_symlink()}
    assert {"latest.json", "history.sqlite"} <= run_files
    assert any(f.endswith("/manifest.json") for f in run_files) and any(f.endswith("/feedback.html") for f in run_files)
    return out


def test_score_feedback_and_run_outputs_are_0644_with_the_usual_umask(data, umask, tmp_path, capsys):
    umask(0o022)
    assert main(["score", *_inputs(data), f"--out={tmp_path / 'score'}"]) == 0
    names = {p.name for p in (tmp_path / "score").iterdir()}
    assert {"scorecard.xlsx", "summary.json", "suppliers.csv"} <= names
    assert _modes(tmp_path / "score") == ({"0o644"}, set())

    assert main(["feedback", *_inputs(data), f"--out={tmp_path / 'feedback'}", "--contact=quality@example.com"]) == 0
    written = [p for p in (tmp_path / "feedback").rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".html", ".xlsx"} and len(written) >= 6
    assert _modes(tmp_path / "feedback") == ({"0o644"}, {"0o755"})

    # the staging folder came from mkdir, published by rename: the run folders and feedback folders too
    assert _modes(_run(data, tmp_path / "job")) == ({"0o644"}, {"0o755"})
    capsys.readouterr()


def test_run_outputs_are_private_with_umask_077(data, umask, tmp_path, capsys):
    umask(0o077)
    assert _modes(_run(data, tmp_path / "job")) == ({"0o600"}, {"0o700"})
    capsys.readouterr()


def test_an_atomic_write_replaces_a_file_with_the_umask_mode(umask, tmp_path):
    umask(0o027)
    path = tmp_path / "page.html"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o600)
    write_text_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o640"  # 0666 & ~027, as a fresh file would be
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


def test_temporary_names_do_not_collide(tmp_path):
    made = set()
    for _ in range(50):
        fd, name = mkstemp_umask(prefix=".x-", suffix=".tmp", dir=tmp_path)
        os.close(fd)
        made.add(name)
    assert len(made) == 50 and all(Path(n).name.startswith(".x-") and n.endswith(".tmp") for n in made)


def test_latest_is_a_link_to_the_run_folder_or_else_latest_json(data, tmp_path, monkeypatch):
    job = batch.load_job(
        {"inputs": {"deliveries": str(data / "deliveries.csv")}, "outputs": {"dir": "out"}}, base_dir=tmp_path
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "latest").write_text('{"as_of": "2020-01-31"}', encoding="utf-8")  # the pointer file of earlier versions
    result = batch.run_job(job)
    day = result.as_of.strftime("%Y-%m-%d")
    assert (out / "latest").is_symlink() and os.readlink(out / "latest") == f"runs/{day}"
    assert (out / "latest" / "manifest.json").is_file()

    def no_links(*args, **kwargs):
        raise OSError("symbolic links are not supported here")

    monkeypatch.setattr(os, "symlink", no_links)
    (out / "latest").unlink()
    (out / "latest").write_text('{"as_of": "2020-01-31"}', encoding="utf-8")
    again = batch.run_job(job)
    assert not (out / "latest").exists()  # the stale old-style pointer is gone, not left misleading
    doc = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert doc["run_id"] == again.run_id and doc["run_dir"] == f"runs/{day}" and doc["outcome"] == "success"
    assert not list(out.glob(".latest*"))
