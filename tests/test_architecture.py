"""The package's import structure: no cycle, and no lower module imports a higher one.

Stages flow one way (DESIGN.md): protocol -> genomes/selection -> algorithms -> the loop ->
runs (executor, calibration, adaptation) -> analysis -> figures / report -> command line.
Every import is counted, including imports inside functions (they are cycles too, only later).
"""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "replication"

# level of each top-level module or subpackage; a module may import its own level or below
LEVELS = [
    {"_version", "rng", "tasks", "protocol", "store", "stats", "catalog", "progress"},
    {"modularity", "motifs", "graphkernels"},
    {"genomes", "selection"},
    {"algorithms", "fused"},
    {"evolve"},
    {"parallel", "executor", "calibration", "adaptation", "mole"},
    {"analysis", "original2013"},
    {"multiverse", "external", "figures", "report", "bench", "api"},
    {"cli", "__main__", "__init__"},
]
LEVEL = {name: i for i, names in enumerate(LEVELS) for name in names}


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[str]:
    """Top-level units of the package that ``path`` imports."""
    tree = ast.parse(path.read_text())
    unit = _unit(path)
    depth_of_file = len(path.relative_to(PKG).parts) - 1
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            up = node.level - 1 - depth_of_file          # levels above the package root
            if up > 0:
                continue
            if node.level - 1 < depth_of_file:           # relative inside a subpackage: same unit
                if node.level == 1:
                    continue
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("replication"):
            parts = node.module.split(".")
            out.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("replication."):
                    out.add(a.name.split(".")[1])
    out.discard(unit)
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        graph.setdefault(_unit(path), set()).update(_imports(path))
    return graph


def test_every_module_has_a_level():
    missing = sorted(set(_graph()) - set(LEVEL))
    assert not missing, f"modules without a level in tests/test_architecture.py: {missing}"


def test_no_lower_module_imports_a_higher_one():
    bad = [(m, i) for m, deps in _graph().items() for i in deps
           if i in LEVEL and LEVEL[i] > LEVEL.get(m, 99)]
    assert not bad, f"upward imports (module -> imported): {sorted(bad)}"


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                pytest.fail(f"import cycle: {' -> '.join(stack[stack.index(dep):] + [dep])}")
            if dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The test itself can fail: an upward import in a fake package is reported."""
    fake = tmp_path / "replication"
    (fake / "genomes").mkdir(parents=True)
    (fake / "rng.py").write_text("def f():\n    from .evolve import evolve\n")
    (fake / "evolve.py").write_text("from .rng import f\n")
    (fake / "genomes" / "x.py").write_text("from ..analysis import y\n")
    (fake / "analysis.py").write_text("")
    monkeypatch.setattr(__import__(__name__), "PKG", fake)
    graph = _graph()
    assert "evolve" in graph["rng"] and "analysis" in graph["genomes"]
