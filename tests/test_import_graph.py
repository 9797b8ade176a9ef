"""The package's modules import each other without cycles.

Counted: every import at a module's top level, those made for type checking
included (a cycle there is a layering knot all the same). Not counted: imports
inside functions, made late on purpose (start-up cost, optional dependencies).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest_mturk

ROOT = Path(pytest_mturk.__file__).parent
PACKAGE = ROOT.name


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = (PACKAGE, *path.relative_to(ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, (ast.If, ast.Try)):  # TYPE_CHECKING blocks, guarded imports
            pending.extend(node.body + node.orelse + getattr(node, "handlers", []))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_graph_is_read_whole():
    graph = _graph()

    assert "pytest_mturk.rules.policies.known_answers" in graph
    assert (
        "pytest_mturk.rules.policies._kinds" in graph["pytest_mturk.rules.policies.known_answers"]
    )
    assert "pytest_mturk.core.model" in graph["pytest_mturk.core.lifecycle"]
    # Relative imports of a package's own modules resolve to them.
    assert "pytest_mturk.operations.hits" in graph["pytest_mturk.operations"]


def test_a_cycle_would_be_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_itself_back():
    assert _cycles(_graph()) == []


# Which layer may import which, at module top level (imports inside functions are made late on
# purpose and are not counted). Each layer is a folder of the package; the doors are one layer
# each, so one door never reaches into another except where a door hosts another (the HTTP door
# serves the worker's pages). A layer may always import itself and `_version`.
ALLOWED: dict[str, set[str]] = {
    "top": {
        "core",
        "rules",
        "operations",
        "doors.stack",
        "doors.botocore",
        "doors.http",
        "doors.pages",
        "faces",
    },
    "faces": {"core", "rules", "operations", "doors.stack", "doors.http", "doors.pages"},
    "doors.http": {"core", "rules", "operations", "doors.stack", "doors.pages", "doors.requester"},
    # The worker's pages are served by the HTTP door alone and act through its backend, whose
    # type they name: one door in two folders.
    "doors.pages": {"core", "rules", "operations", "doors.http"},
    # The hosted profile's requester area and participant links: served by the HTTP door,
    # signing participants in to the worker pages and reading what the pages read.
    "doors.requester": {"core", "rules", "operations", "doors.http", "doors.pages"},
    "doors.botocore": {"core", "rules", "operations", "doors.stack"},
    "doors.stack": {"core"},
    "operations": {"core", "rules"},
    "rules": {"core"},
    "core": set(),
}


def _layer(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts[0] in ("__main__",):
        return "top"
    if parts[0] == "_version":
        return "version"
    if parts[0] == "doors":
        if len(parts) == 1:
            return "doors.stack"  # the doors' package itself holds nothing but its docstring
        return f"doors.{parts[1]}"
    return parts[0]


def _against_the_table(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        here = _layer(module)
        for target in sorted(targets):
            there = _layer(target)
            if there not in (here, "version") and there not in ALLOWED[here]:
                wrong.append(f"{module} ({here}) imports {target} ({there})")
    return wrong


def test_every_module_belongs_to_a_layer_of_the_table():
    layers = {_layer(module) for module in _graph()}

    assert layers - {"version"} <= set(ALLOWED)
    assert {"core", "rules", "operations", "faces", "doors.botocore", "doors.pages"} <= layers


def test_imports_run_only_the_allowed_directions():
    assert _against_the_table(_graph()) == []


def test_a_wrong_direction_would_be_found():
    graph = {
        "pytest_mturk.core.model": {"pytest_mturk.faces.simulator"},
        "pytest_mturk.doors.botocore.hooks": {"pytest_mturk.doors.pages.tasks"},
        "pytest_mturk.rules.questions.checks": {"pytest_mturk.core.model"},
    }

    assert _against_the_table(graph) == [
        "pytest_mturk.core.model (core) imports pytest_mturk.faces.simulator (faces)",
        "pytest_mturk.doors.botocore.hooks (doors.botocore) imports "
        "pytest_mturk.doors.pages.tasks (doors.pages)",
    ]
