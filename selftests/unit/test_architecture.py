"""The import graph of src/golive follows the flow: no circle, no upward arrow, and pytest
only in the harness.

The graph is read from the source with ``ast``, so imports inside functions (deferred to
break a circle or to keep start-up fast) count as much as those at the top of a module.
Run this file directly to print which package imports which.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Bottom to top: a module imports only from its own layer or lower ones. A module belongs to
# the longest prefix listed; "golive" alone is the package's facade (golive.not_verified,
# golive.CriterionContext), which checks import.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vocabulary", ("golive._errors", "golive._files", "golive._net", "golive._procs",
                    "golive._http",
                    "golive._redact",
                    "golive.catalog",
                    "golive.config",
                    "golive.preflight", "golive.resources")),
    ("judging", ("golive", "golive.judging")),
    ("history", ("golive.history",)),
    ("facts", ("golive.facts",)),
    ("rules", ("golive.rules",)),
    ("report", ("golive.report",)),
    ("finish", ("golive.finish",)),
    # the embedded reference stack sits beside the flow: it may use anything below the
    # harness, and only the harness and the command line may use it
    ("demo", ("golive.demo",)),
    ("harness", ("golive.harness",)),
    ("cli", ("golive.cli", "golive.__main__")),
)
# the one layer allowed to import pytest
PYTEST_LAYER = "harness"
PYTEST_NAMES = ("pytest", "_pytest", "pluggy", "xdist")


@cache
def modules() -> dict[str, Path]:
    """Every module of the golive package by dotted name (a package by its __init__)."""
    found: dict[str, Path] = {}
    for path in sorted((SRC / "golive").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _golive_target(name: str) -> str | None:
    """The golive module ``name`` refers to: itself, or the nearest module above it."""
    while name:
        if name in modules():
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports() -> dict[str, frozenset[str]]:
    """For each golive module, every top-level name it imports (golive's own resolved to
    the module or subpackage imported), at any depth of its source."""
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules().items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, node)
                found.add(source)
                # `from golive.facts import load` names a subpackage, not an attribute
                found.update(f"{source}.{alias.name}" for alias in node.names
                             if f"{source}.{alias.name}" in modules())
        graph[name] = frozenset(found)
    return graph


@cache
def module_graph() -> dict[str, frozenset[str]]:
    """Arrows between golive's own modules."""
    graph: dict[str, frozenset[str]] = {}
    for name, names in imports().items():
        targets = {_golive_target(n) for n in names if n == "golive" or n.startswith("golive.")}
        graph[name] = frozenset(t for t in targets if t is not None and t != name)
    return graph


def package_of(module: str) -> str:
    """A module's package; golive's own top-level modules (config, resources, ...) stand
    alone, as they sit in different layers."""
    parent = module.rpartition(".")[0]
    return module if _is_package(module) or parent == "golive" else parent


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in module_graph().items():
        graph[package_of(module)].update(
            package_of(t) for t in targets if package_of(t) != package_of(module)
        )
    return graph


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = module == prefix
            nested = prefix != "golive" and module.startswith(prefix + ".")
            if (exact or nested) and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    if best is None:
        raise LookupError(f"{module} is in no layer: add it to LAYERS")
    return best[0]


def circles(graph: dict[str, frozenset[str]] | dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def neighbours(node: str) -> Iterable[str]:
        return sorted(graph.get(node, ()))

    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(neighbours(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(neighbours(child))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found)


def upward_arrows() -> list[str]:
    names = [layer for layer, _ in LAYERS]
    return sorted(
        f"{module} ({names[layer_of(module)]}) -> {target} ({names[layer_of(target)]})"
        for module, targets in module_graph().items()
        for target in targets
        if layer_of(target) > layer_of(module)
    )


def pytest_importers() -> list[str]:
    allowed = LAYERS[[layer for layer, _ in LAYERS].index(PYTEST_LAYER)][1]
    return sorted(
        f"{module} imports {name}"
        for module, names in imports().items()
        if not any(module == p or module.startswith(p + ".") for p in allowed)
        for name in names
        if name.split(".")[0] in PYTEST_NAMES
    )


def test_every_module_has_a_layer() -> None:
    unplaced = []
    for module in modules():
        try:
            layer_of(module)
        except LookupError as exc:
            unplaced.append(str(exc))
    assert not unplaced, "\n".join(unplaced)


def test_no_import_circle_between_modules() -> None:
    found = circles(module_graph())
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_import_circle_between_packages() -> None:
    found = circles(package_graph())
    assert not found, "package circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_upward_arrow() -> None:
    found = upward_arrows()
    assert not found, "imports against the layer order:\n" + "\n".join(found)


def test_only_the_harness_imports_pytest() -> None:
    found = pytest_importers()
    assert not found, f"pytest outside golive.{PYTEST_LAYER}:\n" + "\n".join(found)


def test_the_graph_is_read() -> None:
    """The reader itself: it sees deferred imports and resolves subpackages and relatives."""
    graph = module_graph()
    assert "golive.judging.verdict" in modules()
    assert any(targets for targets in graph.values())
    tree = ast.parse("def f():\n    from .. import judging\n    from .evidence import E\n")
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert _resolve("golive.judging.results", relative[0]) == "golive"
    assert _resolve("golive.judging.results", relative[1]) == "golive.judging.evidence"
    assert _resolve("golive.judging", relative[1]) == "golive.judging.evidence"
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def describe() -> str:
    """Which package imports which, by layer: the picture docs/architecture.md draws."""
    lines = []
    for package, targets in sorted(package_graph().items()):
        if targets:
            lines.append(f"{package} -> {', '.join(sorted(targets))}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(describe() + "\n")
