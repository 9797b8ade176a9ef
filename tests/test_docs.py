"""The user documentation stands on its own.

Users have the repository, nothing else: the pages under ``docs/``, the README and
``examples/README.md`` must not point at files outside it (internal notes, the steering
repository's specification) or at relative paths that do not exist. ``docs/fidelity.md`` is
read as tables of ``| Behaviour | Our choice | Evidence |`` rows, each with its evidence.
The documentation site (``mkdocs.yml``) lists every page, its API reference renders every
public name, and every public method has the docstring the reference shows.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md", ROOT / "examples" / "README.md"]
FIDELITY = ROOT / "docs" / "fidelity.md"

# Names of files users do not have.
FORBIDDEN = ("shared/", "spec/mturk-api", "DESIGN.md", "STYLE.md")

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
PLACEHOLDERS = {"", "-", "—", "–", "n/a", "none"}


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def _prose(text: str) -> str:
    """The text with fenced blocks and code spans removed (code is not a link)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _link_targets(text: str) -> list[str]:
    prose = _prose(text)
    return INLINE_LINK.findall(prose) + REFERENCE_DEF.findall(prose)


def _tables(text: str) -> list[list[tuple[int, str]]]:
    """Each table of the page as its (line number, line) rows, separator rows included."""
    tables: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.lstrip().startswith("|"):
            current.append((number, line.strip()))
            continue
        if current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _cells(row: str) -> list[str]:
    """The cells of a table row, split as GitHub does: on every pipe not escaped with ``\\``."""
    inner = row.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in CELL_SPLIT.split(inner)]


def test_the_pages_checked_exist() -> None:
    assert FIDELITY in DOCS
    for path in DOCS:
        assert path.is_file(), path


@pytest.mark.parametrize("path", DOCS, ids=_ids(DOCS))
def test_no_page_names_a_file_users_lack(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [
        f"line {number}: {name!r}"
        for number, line in enumerate(text.splitlines(), start=1)
        for name in FORBIDDEN
        if name in line
    ]
    assert not found, f"{path.relative_to(ROOT)} names files outside the repository: {found}"


@pytest.mark.parametrize("path", DOCS, ids=_ids(DOCS))
def test_relative_links_resolve(path: Path) -> None:
    broken = []
    for target in _link_targets(path.read_text(encoding="utf-8")):
        if SCHEME.match(target) or target.startswith("#"):
            continue
        local = target.split("#", 1)[0].split("?", 1)[0]
        base = ROOT if local.startswith("/") else path.parent
        resolved = (base / local.lstrip("/")).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)} links to paths not in the repository: {broken}"


def test_fidelity_tables_have_three_cells_and_evidence() -> None:
    tables = _tables(FIDELITY.read_text(encoding="utf-8"))
    assert tables, "docs/fidelity.md has no tables"
    problems = []
    for table in tables:
        header_line, header = table[0]
        if _cells(header) != ["Behaviour", "Our choice", "Evidence"]:
            problems.append(f"line {header_line}: header is {_cells(header)}")
        for number, row in table[1:]:
            cells = _cells(row)
            if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
                if len(cells) != 3:
                    problems.append(f"line {number}: separator has {len(cells)} cells")
                continue
            if len(cells) != 3:
                problems.append(f"line {number}: {len(cells)} cells (an unescaped '|'?)")
            elif cells[2].lower() in PLACEHOLDERS:
                problems.append(f"line {number}: no evidence for {cells[0]!r}")
    assert not problems, "\n".join(problems)


def test_the_table_check_sees_what_github_renders() -> None:
    assert _cells("| a | `x|y` | c |") == ["a", "`x", "y`", "c"]
    assert _cells(r"| a | `x\|y` | c |") == ["a", r"`x\|y`", "c"]
    assert _link_targets("[a](docs/x.md) `[b](nowhere.md)` [c]: ../y.md\n[d]: z.md") == [
        "docs/x.md",
        "z.md",
    ]


# -- the documentation site: mkdocs.yml and the API reference ---------------------------------

MKDOCS = ROOT / "mkdocs.yml"
REFERENCE = sorted((ROOT / "docs" / "reference").glob("*.md"))
DIRECTIVE = re.compile(r"^::: (pytest_mturk(?:\.\w+)*)\s*$", re.M)


def _documented() -> list[str]:
    """Every object the API reference pages render (``::: path`` lines)."""
    return [name for page in REFERENCE for name in DIRECTIVE.findall(page.read_text("utf-8"))]


def _resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _undocumented_methods(cls: type) -> list[str]:
    """The public methods and properties of ``cls`` (its own and those it inherits from the
    package) that have no docstring."""
    missing = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((base for base in cls.__mro__ if name in vars(base)), None)
        if owner is None or not owner.__module__.startswith("pytest_mturk"):
            continue  # inherited from Python or another library
        member = vars(owner)[name]
        if isinstance(member, property):
            function = member.fget
        elif isinstance(member, (staticmethod, classmethod)):
            function = member.__func__
        else:
            function = member
        if inspect.isfunction(function) and not (function.__doc__ or "").strip():
            missing.append(f"{cls.__name__}.{name}")
    return missing


def test_every_public_name_is_in_the_api_reference() -> None:
    import pytest_mturk

    documented = set(_documented())
    missing = [
        name
        for name in pytest_mturk.__all__
        if not name.startswith("__") and f"pytest_mturk.{name}" not in documented
    ]
    assert not missing, f"not in docs/reference/*.md as '::: pytest_mturk.<name>': {missing}"
    text = "".join(page.read_text("utf-8") for page in REFERENCE)
    assert "pytest_mturk.__version__" in text


def test_every_public_method_has_a_docstring() -> None:
    import pytest_mturk

    public = [getattr(pytest_mturk, name) for name in pytest_mturk.__all__]
    public += [_resolve(path) for path in _documented()]
    missing = [
        problem
        for obj in dict.fromkeys(public)  # once each, in order
        if inspect.isclass(obj)
        for problem in ([obj.__name__] if not (obj.__doc__ or "").strip() else [])
        + _undocumented_methods(obj)
    ]
    functions = [obj.__name__ for obj in public if inspect.isfunction(obj) and not obj.__doc__]
    assert not missing + functions, f"public names without a docstring: {missing + functions}"


def test_the_docstring_check_sees_a_missing_docstring() -> None:
    class Documented:
        """A class."""

        def method(self) -> None:
            """A method."""

        @property
        def value(self) -> int:
            return 1

        def _private(self) -> None:
            pass

    Documented.__module__ = "pytest_mturk.example"
    assert _undocumented_methods(Documented) == ["Documented.value"]


def test_the_site_lists_every_page() -> None:
    """mkdocs.yml's nav names every page under docs/ (MkDocs would build a page left out, but
    no reader would find it) and only pages that exist."""
    docs = ROOT / "docs"
    nav = re.findall(r"^\s*- (?:[^:\n]+: )?(\S+\.md)\s*$", MKDOCS.read_text("utf-8"), re.M)
    pages = {path.relative_to(docs).as_posix() for path in docs.rglob("*.md")}
    assert sorted(set(nav)) == sorted(nav), "a page is listed twice"
    assert set(nav) == pages, {
        "not in the nav": sorted(pages - set(nav)),
        "missing": sorted(set(nav) - pages),
    }


# -- docs/architecture.md: the folder tree and the paths it names -----------------------------

ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "pytest_mturk"
TREE_ENTRY = re.compile(r"^((?:│   |    )*)[├└]── (\S+)")
# A module's path as the page writes it (from the package, or with ``pytest_mturk/``), or a test's.
MODULE_PATH = re.compile(
    r"(?<![\w./-])((?:pytest_mturk/)?(?:core|rules|operations|doors|faces)/[\w/]*\.py|tests/\w+\.py)"
)


def _tree(text: str) -> set[str]:
    """The paths the page's folder tree names (the ``text`` block under ``pytest_mturk/``),
    relative to the package: a folder as ``a/b/``, a module as ``a/b/c.py``."""
    block = re.search(r"^```text\npytest_mturk/\n(.*?)^```", text, re.S | re.M)
    assert block is not None, "no folder tree of pytest_mturk/ in docs/architecture.md"
    found: set[str] = set()
    folders: list[str] = []
    for line in block.group(1).splitlines():
        entry = TREE_ENTRY.match(line)
        assert entry is not None, f"not a line of the tree: {line!r}"
        depth, name = len(entry.group(1)) // 4, entry.group(2)
        assert depth <= len(folders), f"deeper than its folder: {line!r}"
        del folders[depth:]
        found.add("".join(folders) + name)
        if name.endswith("/"):
            folders.append(name)
    return found


def test_the_architecture_names_every_module_and_only_real_ones() -> None:
    """The folder tree of docs/architecture.md is the package's, module for module (a
    package's ``__init__.py`` is its folder's line), and every module or test path the page
    writes (``doors/http/backend.py``, ``tests/test_import_graph.py``) exists."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    modules = {
        path.relative_to(PACKAGE).as_posix().removesuffix("__init__.py") or "__init__.py"
        for path in PACKAGE.rglob("*.py")
    }
    tree = _tree(text)
    assert "doors/botocore/" in tree and len(tree) > 100  # the tree is read, folders and all
    assert {
        "missing from the tree": sorted(modules - tree),
        "in the tree, not in the package": sorted(tree - modules),
    } == {"missing from the tree": [], "in the tree, not in the package": []}
    written = MODULE_PATH.findall(text)
    assert len(written) > 20  # the scan finds the paths the page writes
    absent = [
        path
        for path in written
        if not (
            ROOT / path if path.startswith(("tests/", "pytest_mturk/")) else PACKAGE / path
        ).is_file()
    ]
    assert absent == [], f"docs/architecture.md names files that do not exist: {absent}"
