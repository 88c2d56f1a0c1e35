"""The packaging stays consistent: environment.yml mirrors pyproject.toml, the CLI entry points work."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import supplier_analytics

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return {_name(r) for r in reqs}


def _environment_names() -> set[str]:
    names = set()
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) != "python" and m.group(1) != "conda-forge":
            names.add(_name(m.group(1)))
    return names


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert _environment_names() == _pyproject_names()


def test_core_dependencies_are_declared():
    core = {"pandas", "numpy", "scipy", "matplotlib", "jupyterlab", "openpyxl"}
    assert core <= _pyproject_names()


def test_version_is_written_once():
    # pyproject reads it from the package: the installed metadata and the package agree
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "supplier_analytics.__version__"}
    assert version("supplier-analytics") == supplier_analytics.__version__


def test_public_names_exist():
    for name in supplier_analytics.__all__:
        assert hasattr(supplier_analytics, name), name
    assert supplier_analytics.read_table.__module__ == "supplier_analytics.ingest.read"
    assert not hasattr(supplier_analytics, "no_such_name")


def test_reading_a_file_does_not_load_the_scoring_stack():
    # names are imported on first use: a validate-only run does not pay for scipy and matplotlib
    code = (
        "import sys, supplier_analytics as sa; sa.read_table; "
        "print(sorted(m for m in ('scipy.stats', 'matplotlib', 'supplier_analytics.scorecard') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "supplier_analytics", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"supplier-analytics {supplier_analytics.__version__}"


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("supplier-analytics")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert "validate" in out.stdout and "generate" in out.stdout


def test_readme_documents_every_canonical_column_and_the_two_commands():
    from supplier_analytics.schema import TABLES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"### `{table.name}`" in readme, table.name
        for column in table.columns:
            kind = "yes" if column.required else "no"
            assert f"| `{column.name}` | {column.kind} ({column.dtype}) | {kind} |" in readme, (table.name, column.name)
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.split("```")[1].strip().splitlines()]
    assert commands == ["make demo", "make test"]
