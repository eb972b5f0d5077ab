"""The layout rules of docs/architecture.md, read off the source (nothing is imported)."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from layout import PACKAGES, TOOLS, cycles, import_graph, modules

SERVICES = [p for p in PACKAGES if p != "frontdoor_common"]


@pytest.mark.parametrize("package", [*PACKAGES, *TOOLS])
def test_no_import_cycle_not_even_a_deferred_one(package: str) -> None:
    assert cycles(import_graph(package)) == []


@pytest.mark.parametrize("package", list(PACKAGES))
def test_no_string_lookup_of_the_runtimes_parts(package: str) -> None:
    lookup = re.compile(r"runtime\.state\b|\.state\.get\(|state\[\"")
    offenders = [m.name for m in modules(package).values() if lookup.search(m.path.read_text())]
    assert offenders == []


@pytest.mark.parametrize("package", SERVICES)
def test_time_comes_from_the_one_clock(package: str) -> None:
    """Services ask their context's clock; only frontdoor_common.clock reads the wall clock."""
    wall = re.compile(r"datetime\.now\(|\butcnow\(\)|time\.time\(\)|datetime\.utcnow\(")
    offenders = []
    for m in modules(package).values():
        if m.path.name == "clock.py":
            offenders.append(f"{m.name} (a clock of its own)")
        for lineno, line in enumerate(m.path.read_text().splitlines(), 1):
            if wall.search(line) and "planning" not in m.name and ".bench" not in m.name:
                offenders.append(f"{m.name}:{lineno}")
    assert offenders == []


@pytest.mark.parametrize("package", SERVICES)
def test_every_service_has_one_composition_root_and_the_same_factory(package: str) -> None:
    mods = modules(package)
    context = mods.get(f"{package}.context")
    assert context is not None, f"{package} has no context.py"
    bases = {
        ast.unparse(base) for node in ast.walk(context.tree) if isinstance(node, ast.ClassDef) for base in node.bases
    }
    assert "Parts" in bases, f"{package}.context defines no Parts subclass"
    app = mods[f"{package}.app"]
    (factory,) = [n for n in app.tree.body if isinstance(n, ast.FunctionDef) and n.name == "create_app"]
    args = factory.args
    assert [a.arg for a in args.args] == ["settings"]
    assert [a.arg for a in args.kwonlyargs][:1] == ["clock"]
    assert inspect.cleandoc(ast.unparse(args.args[0].annotation or ast.Constant(None))) == "Settings | None"
