"""Reads the packages' source (never imports it) for the layout rules of docs/architecture.md.

`python tests/architecture/layout.py` prints every package's import cycles and the module size
distribution; the tests in this folder assert the rules.
"""

from __future__ import annotations

import ast
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The runtime library and every service (a folder services/<name> with its package frontdoor_<name>).
PACKAGES = {
    "frontdoor_common": ROOT / "libs/common/frontdoor_common",
    **{
        f"frontdoor_{d.name}": d / f"frontdoor_{d.name}"
        for d in sorted((ROOT / "services").iterdir())
        if (d / f"frontdoor_{d.name}" / "__init__.py").exists()
    },
}
# Developer tools: held to the import rules, not to a service's shape.
TOOLS = {"frontdoor_devtools": ROOT / "libs/devtools/frontdoor_devtools"}


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def lines(self) -> int:
        return len(self.path.read_text().splitlines())


def modules(package: str) -> dict[str, Module]:
    """Every module of `package` (migrations' version scripts left out), by dotted name."""
    root = {**PACKAGES, **TOOLS}[package]
    found: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        if "versions" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path, ast.parse(path.read_text(), str(path)))
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports executed when the module is imported: module level and inside module-level
    if/try blocks, but not under `if TYPE_CHECKING` and not inside functions."""
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            stack.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            stack.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                stack.extend(handler.body)


def _all_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import in the module: deferred ones (inside functions) and `TYPE_CHECKING` ones too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def import_graph(package: str, *, deferred: bool = True) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports; with `deferred` (the rule), imports
    inside functions and under `if TYPE_CHECKING` count too: they hide a cycle, they do not
    remove it."""
    mods = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, mod in mods.items():
        is_pkg = mod.path.name == "__init__.py"
        for node in _all_imports(mod.tree) if deferred else _top_level_imports(mod.tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else base for alias in node.names]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def sizes() -> list[tuple[int, str]]:
    """(lines, module) of every module of every package, largest first."""
    out = [(m.lines, m.name) for p in PACKAGES for m in modules(p).values()]
    return sorted(out, reverse=True)


def main() -> None:
    for package in [*PACKAGES, *TOOLS]:
        for cycle in cycles(import_graph(package)):
            print(f"cycle in {package}: {' <-> '.join(cycle)}")
    lines = sorted(n for n, _ in sizes())
    p90 = lines[int(0.9 * (len(lines) - 1))]
    print(f"modules {len(lines)}, median {statistics.median(lines):.0f} lines, p90 {p90}, largest:")
    for n, name in sizes()[:5]:
        print(f"  {n:5d} {name}")


if __name__ == "__main__":
    main()
