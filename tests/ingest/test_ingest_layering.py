"""ingest sits at the bottom: it imports only errors, schema, catalog, _io and its own submodules.

Every module under ``supplier_analytics/ingest/`` is parsed and every import (module level and inside
functions) is checked, so that no reader can pull in the analysis stack (reports, scoring, trends,
metrics ...) and no module reaches into another module's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import supplier_analytics

SRC = Path(supplier_analytics.__file__).parent
ALLOWED = (
    "supplier_analytics.errors",
    "supplier_analytics.schema",
    "supplier_analytics.catalog",
    "supplier_analytics._io",
)
INGEST = sorted((SRC / "ingest").rglob("*.py"))


def _imports(path: Path):
    """(module imported, names imported from it) of every import statement in ``path``."""
    package = "supplier_analytics." + ".".join(path.relative_to(SRC).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module, tuple(a.name for a in node.names)


def test_every_ingest_module_is_checked():
    assert {p.name for p in INGEST} >= {"__init__.py", "read.py", "actions.py", "columnar.py", "combine.py"}


@pytest.mark.parametrize("path", INGEST, ids=lambda p: p.name)
def test_ingest_imports_only_the_leaves_and_itself(path):
    for module, names in _imports(path):
        if module == "supplier_analytics":
            assert not names, f"{path.name} imports {names} from the package root"
        elif module.startswith("supplier_analytics."):
            assert module.startswith("supplier_analytics.ingest") or module in ALLOWED, (
                f"{path.name} imports {module}; ingest may import only {', '.join(ALLOWED)} and its own modules"
            )


# the input side: its modules, and what every module imports from them
INPUT_SIDE = (
    "supplier_analytics.ingest",
    "supplier_analytics.batch",
    "supplier_analytics.datasets",
    "supplier_analytics.actions",
    "supplier_analytics._io",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(("supplier_analytics", *(parts[:-1] if parts[-1] == "__init__" else parts)))


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_private_names_of_the_input_side(path):
    mine = _module_name(path).startswith(INPUT_SIDE)
    for module, names in _imports(path):
        if module.startswith(INPUT_SIDE) or (mine and module.startswith("supplier_analytics")):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.relative_to(SRC)} imports private {private} from {module}"
