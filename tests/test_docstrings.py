"""Every public function and class of the package has a networkx-style docstring with an
``Examples`` section (the examples themselves run as doctests: setup.cfg's ``--doctest-modules``).

Public means: defined in the module (not imported into it) and named without a leading ``_``.
Numba kernels are documented on the Python function they compile (``dispatcher.py_func``).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import replication

# Modules documented elsewhere, on purpose.
EXCLUDED_MODULES = {
    # click commands: documented by `replication COMMAND --help` (their docstrings are the help text)
    "replication.cli",
    # `python -m replication`: importing it runs the command line
    "replication.__main__",
}

# Modules whose public names still lack an Examples section (none left; keep it empty).
TODO_MODULES: set[str] = set()

# an "Examples" heading, then (after any prose) at least one doctest line
EXAMPLES = re.compile(r"^\s*Examples\n\s*-{8,}\n(?:.*\n)*?\s*>>> ", re.MULTILINE)


def _module_names() -> list[str]:
    names = ["replication"]
    for info in pkgutil.walk_packages(replication.__path__, prefix="replication."):
        names.append(info.name)
    return sorted(n for n in names if n not in EXCLUDED_MODULES)


def _public(module) -> list[tuple[str, object]]:
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        kernel = getattr(obj, "py_func", None)           # a numba dispatcher
        if not (inspect.isfunction(obj) or inspect.isclass(obj) or kernel is not None):
            continue
        if getattr(obj, "__module__", None) != module.__name__:
            continue                                      # imported from elsewhere
        found.append((name, kernel if kernel is not None else obj))
    return found


def _doc(obj) -> str:
    # inspect.getdoc would inherit a parent class's docstring: ask for the object's own
    return obj.__doc__ or ""


MODULES = _module_names()


def test_the_walk_sees_the_package():
    assert "replication.stats" in MODULES and "replication.selection.nsga2" in MODULES
    assert set(TODO_MODULES) <= set(MODULES), \
        "a TODO module no longer exists: remove it from TODO_MODULES"
    stats = importlib.import_module("replication.stats")
    assert ("median_ci", stats.median_ci) in _public(stats)


def test_the_examples_pattern_needs_a_doctest():
    assert EXAMPLES.search("Summary.\n\n    Examples\n    --------\n    >>> 1 + 1\n    2\n")
    assert not EXAMPLES.search("Summary.\n\n    Examples\n    --------\n    See the README.\n")
    assert not EXAMPLES.search("Summary.\n\n    >>> 1 + 1\n    2\n")
    assert EXAMPLES.search("Summary.\n\n    Examples\n    --------\n    Two runs:\n\n    >>> 1 + 1\n    2\n")


@pytest.mark.parametrize("module_name", [m for m in MODULES if m not in TODO_MODULES])
def test_public_names_have_an_examples_section(module_name):
    module = importlib.import_module(module_name)
    missing = [name for name, obj in _public(module) if not EXAMPLES.search(_doc(obj))]
    assert not missing, f"{module_name}: no docstring with an 'Examples' section and a >>> line: {missing}"
