"""Every notebook in notebooks/ runs from a clean kernel, holds no outputs and no logic."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch):
    # The kernel inherits the environment: no window, no display needed.
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no .ipynb files"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), f"{path.name} cell {i} has outputs: strip them before committing"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ")), (
                f"{path.name} cell {i} defines a function or class: logic belongs in src/supplier_analytics/"
            )


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_from_a_clean_kernel(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, when any cell fails
    # normal use shows no warning: insufficient evidence is data (score(..., evidence_warnings="data"))
    warned = [
        f"cell {i}: {output['text'].strip()[:300]}"
        for i, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr" and "Warning" in output["text"]
    ]
    assert not warned, f"{path.name} shows warnings:\n" + "\n".join(warned)
