"""The structure holds: the core imports nothing else of the project, arrows point down only (core <-
science modules <- application), no import cycles (function-level imports included), no huge modules."""

import ast
import os
from pathlib import Path

import pytest

from conftest import ROOT

PKG = ROOT / "minibroker"
CORE = "minibroker.core"
APP = ("minibroker.app", "minibroker.portal")   # the application: nothing below imports it
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    files = [Path(d) / f for d, _, names in os.walk(PKG, followlinks=True) for f in names if f.endswith(".py")]
    for p in sorted(files):
        rel = p.relative_to(PKG).with_suffix("")
        parts = ["minibroker", *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = p
    return found


def imports(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports, anywhere in the file (inside functions too)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    known = modules()
    return {m for m in out if m in known and m != name}


GRAPH = {name: imports(name, path) for name, path in modules().items()}


def test_the_scan_sees_the_project():
    assert {"minibroker.core.db", "minibroker.udf.batch", "minibroker.loader.load", "minibroker.app.cli"} <= set(GRAPH)
    assert "minibroker.core.db" in GRAPH["minibroker.database"]


def test_core_imports_nothing_else_of_the_project():
    bad = {m: sorted(d for d in deps if not d.startswith(CORE)) for m, deps in GRAPH.items() if m.startswith(CORE)}
    assert not {m: d for m, d in bad.items() if d}


def test_nothing_below_the_application_imports_it():
    bad = {m: sorted(d for d in deps if d.startswith(APP)) for m, deps in GRAPH.items() if not m.startswith(APP)}
    assert not {m: d for m, d in bad.items() if d}


def test_the_pure_math_imports_without_apsw():
    for name in ("minibroker.udf.batch", "minibroker.udf.stats"):
        deps = GRAPH[name]
        text = modules()[name].read_text()
        assert "apsw" not in text and not any(d.startswith("minibroker.core") for d in deps), name


def test_no_import_cycles():
    # package __init__ modules re-exporting their children are not cycles of code: leave those edges out
    graph = {m: {d for d in deps if not (m == d.rpartition(".")[0] or d == m.rpartition(".")[0])}
             for m, deps in GRAPH.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m, stack):
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, cycles


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name):
    n = len(modules()[name].read_text().splitlines())
    assert n <= MAX_LINES, f"{name} has {n} lines: split it by job (at most {MAX_LINES})"
