"""Every module path a docstring, a comment or a page of the docs names exists.

Two kinds of reference are checked: a dotted path from the package's root
(``pytest_mturk.core.dispatch.dispatch``), anywhere in the package's docstrings and
comments and in ``docs/``; and a Sphinx role with a relative target
(``:mod:`.question_form```, ``:class:`~..core.model.HIT```), in the package's
docstrings, read as a relative import from the module it is written in. Each must
name a module, or an attribute of one (a class's annotated fields count).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import pytest_mturk

ROOT = Path(pytest_mturk.__file__).parent
DOCS = ROOT.parent / "docs"

ABSOLUTE = re.compile(r"\bpytest_mturk(?:\.[A-Za-z_]\w*)+")
RELATIVE = re.compile(r":(?:mod|func|class|meth|attr|data|exc|obj):`~?(\.+[A-Za-z_][\w.]*)`")


def _module_name(path: Path) -> str:
    parts = (ROOT.name, *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _texts(path: Path) -> Iterator[tuple[int, str]]:
    """The docstrings (every string statement) and comments of a module, by line."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.lineno, node.value.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _absolute(package: str, target: str) -> str:
    """A relative target (``.x``, ``..x.y``) as a path from the root, read from ``package``."""
    level = len(target) - len(target.lstrip("."))
    base = package.split(".")
    anchor = base[: len(base) - level + 1]
    return ".".join([*anchor, target.lstrip(".")])


def _resolves(path: str) -> bool:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found: object = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for depth, attribute in enumerate(parts[cut:], cut + 1):
            if hasattr(found, attribute):
                found = getattr(found, attribute)
                if isinstance(found, ModuleType) and found.__name__ != ".".join(parts[:depth]):
                    return False  # a module imported under another name is not its path
            elif attribute in getattr(found, "__annotations__", {}):
                return attribute == parts[-1]  # an annotated field: nothing below it to follow
            else:
                return False
        return True
    return False


def _references() -> Iterator[tuple[str, str]]:
    """``(where, path)`` for every reference, relative ones made absolute."""
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        where = path.relative_to(ROOT.parent)
        for first, text in _texts(path):
            for match in ABSOLUTE.finditer(text):
                line = first + text.count("\n", 0, match.start())
                yield f"{where}:{line}", match.group()
            for match in RELATIVE.finditer(text):
                line = first + text.count("\n", 0, match.start())
                yield f"{where}:{line}", _absolute(package, match.group(1).rstrip("."))
    for page in sorted(DOCS.rglob("*.md")):
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in ABSOLUTE.finditer(line):
                yield f"{page.relative_to(ROOT.parent)}:{number}", match.group()


def test_every_named_path_resolves():
    references = list(_references())
    assert len(references) > 100  # the scan finds what it is meant to find
    stale = [f"{where}: {path}" for where, path in references if not _resolves(path)]
    assert stale == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pytest_mturk.core.dispatch.dispatch", True),
        ("pytest_mturk.core.model.HIT", True),
        ("pytest_mturk.core.model.HIT.status", True),  # a dataclass field, annotated only
        ("pytest_mturk.Simulator", True),  # a public name, imported on first use
        ("pytest_mturk.interception", False),
        ("pytest_mturk._bootstrap", False),  # the package's name for pytest_mturk.doors._bootstrap
        ("pytest_mturk.core.dispatch.no_such_name", False),
    ],
)
def test_a_path_resolves_only_when_it_names_something(path, expected):
    assert _resolves(path) is expected


def test_relative_targets_are_read_as_relative_imports():
    assert _absolute("pytest_mturk.rules.questions", ".question_form") == (
        "pytest_mturk.rules.questions.question_form"
    )
    assert _absolute("pytest_mturk.rules.policies", "..questions.answers") == (
        "pytest_mturk.rules.questions.answers"
    )
