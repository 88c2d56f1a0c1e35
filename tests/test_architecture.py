"""The shape of the package holds: modules small and layered, one place for what a metric is.

These tests read the source (AST), so that the structure described in the README's architecture section
cannot drift without a test saying so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "supplier_analytics"

#: Layers from the bottom up. A module may import modules of its own layer or of layers below, never above
#: (``__init__`` and ``__main__`` excepted: they expose everything).
LAYERS = [
    ["errors"],
    [
        "schema",
        "catalog",
        "columns",
        "_io",
        "stats",
    ],  # leaves (ingest's own layering: tests/ingest/test_ingest_layering.py)
    ["config"],
    ["ingest"],
    ["datasets"],
    ["tables"],
    ["records"],
    ["aggregate"],
    ["engines"],
    ["metrics"],
    ["scoring"],
    ["evidence"],
    ["signals", "actions"],
    ["charts", "trendtest"],
    ["trends"],
    ["findings", "portfolio"],
    ["plotting"],
    ["reports"],
    ["scorecard"],
    ["history"],
    ["batch"],
    ["cli"],
]
_RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _modules() -> dict[str, Path]:
    """Dotted name below the package (``ingest.read``) -> file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[str, list[str], int]]:
    """(imported module below the package, names imported from it, line) for every import, in functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_parts = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.split(".")[0] == "supplier_analytics":
                target = node.module.partition(".")[2]
            else:
                continue
            names = [a.name for a in node.names]
            if not target:  # from supplier_analytics import x: x may be a submodule
                for n in names:
                    found.append((n, [], node.lineno))
            else:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "supplier_analytics" and "." in a.name:
                    found.append((a.name.partition(".")[2], [], node.lineno))
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


MODULES = _modules()


def test_the_layer_list_names_every_module():
    tops = {_top(m) for m in MODULES} - {"__init__", "__main__"}
    assert tops - set(_RANK) == set(), "add the new module to LAYERS (and to the README's architecture section)"


@pytest.mark.parametrize("module", [m for m in MODULES if _top(m) not in ("__init__", "__main__")])
def test_a_module_imports_only_its_own_layer_and_those_below(module):
    own = _RANK[_top(module)]
    upward = [
        f"line {line}: {target}"
        for target, _, line in _imports(MODULES[module], module)
        if _top(target) in _RANK and _RANK[_top(target)] > own
    ]
    assert upward == [], f"{module} imports from layers above it"


def test_no_module_imports_another_modules_private_names():
    bad = []
    for module, path in MODULES.items():
        for target, names, line in _imports(path, module):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            # a private module (plotting._common) shares its helpers with the modules of its own package
            shared = target.rsplit(".", 1)[-1].startswith("_") and _top(target) == _top(module)
            if private and target != module and not shared:
                bad.append(f"{module} line {line}: from {target} import {', '.join(private)}")
    assert bad == []


@pytest.mark.parametrize("module", list(MODULES))
def test_no_module_is_over_800_lines(module):
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= 800, f"{module} has {n} lines; split it by job"


def test_only_the_catalogue_says_which_metrics_are_lower_is_better():
    """No other module keeps a list of directions: no 'lower'/'higher' direction literal, no module-level name
    such as _LOWER_IS_BETTER (reading the catalogue into a local variable is fine)."""
    bad = []
    for module, path in MODULES.items():
        if module == "catalog":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in ("lower", "higher"):
                bad.append(f"{module} line {node.lineno}: {node.value!r}")
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for t in targets:
                if isinstance(t, ast.Name) and "LOWER" in t.id.upper() and "BETTER" in t.id.upper():
                    bad.append(f"{module} line {node.lineno}: {t.id}")
    assert bad == []


def test_the_catalogue_is_a_leaf():
    assert [t for t, _, _ in _imports(MODULES["catalog"], "catalog")] == []


def test_every_module_is_either_public_or_internal():
    import supplier_analytics as sa

    tops = {_top(m) for m in MODULES} - {"__init__", "__main__"}
    public, internal = set(sa.PUBLIC_MODULES), set(sa.INTERNAL_MODULES)
    assert public & internal == set()
    assert public | internal == tops


@pytest.mark.parametrize("module", sorted(__import__("supplier_analytics").PUBLIC_MODULES))
def test_a_public_module_declares_its_surface(module):
    import importlib

    import supplier_analytics as sa

    mod = importlib.import_module(f"supplier_analytics.{module}")
    if module != "evidence":  # sa.evidence is the function of the same name (see __init__)
        assert getattr(sa, module) is mod
    assert isinstance(mod.__all__, (list, tuple)) and mod.__all__, f"{module} has no __all__"
    assert [n for n in mod.__all__ if not hasattr(mod, n)] == []


def test_internal_modules_are_not_offered_as_attributes():
    import subprocess
    import sys

    # in a fresh interpreter, before anything imported them
    code = "import supplier_analytics as sa\nfor m in sa.INTERNAL_MODULES:\n    assert not hasattr(sa, m), m\n"
    subprocess.run([sys.executable, "-c", code], check=True)
