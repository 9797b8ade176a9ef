"""The catalogue names every error the service sends, and only the catalogue words one.

Read from the package's source: every entry of ``core/catalogue.py`` is raised
somewhere, every call of an entry fills in exactly the fields of its template, and
no module but the catalogue (and ``core/errors.py``, the envelope) builds a
:class:`ServiceError` from a message of its own.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

import pytest_mturk
from pytest_mturk.core import catalogue
from pytest_mturk.core.errors import MTURK_ERRORS, ServiceError

ROOT = Path(pytest_mturk.__file__).parent
CATALOGUE = ROOT / "core" / "catalogue.py"
ENVELOPE = ROOT / "core" / "errors.py"
ENTRIES = {
    name: value for name, value in vars(catalogue).items() if isinstance(value, catalogue.Entry)
}
# The AWS front end's refusals, which MTurk's code never saw.
FRONT_END = {
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
    "ThrottlingException",
    "UnknownOperationException",
    "SerializationException",
    "ValidationException",
}


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in ROOT.rglob("*.py")}


def _entry_calls(path: Path, tree: ast.Module) -> list[tuple[str, ast.Call]]:
    """``(entry name, call)`` for each call of a catalogue entry in one module."""
    imported = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("catalogue")
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "catalogue"
        ):
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id if path == CATALOGUE else imported.get(func.id, "")
        else:
            continue
        if name in ENTRIES:
            found.append((name, node))
    return found


def _worded(node: ast.expr) -> bool:
    """Whether an expression is, or is made with, a string written in the code."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _worded(node.left) or _worded(node.right)
    return False


def test_every_entry_is_raised_somewhere():
    used = {name for path, tree in _modules().items() for name, _ in _entry_calls(path, tree)}
    assert len(ENTRIES) > 50
    assert sorted(set(ENTRIES) - used) == []


def test_every_call_fills_in_exactly_its_templates_fields():
    wrong = []
    for path, tree in _modules().items():
        for name, call in _entry_calls(path, tree):
            given = {keyword.arg for keyword in call.keywords}
            if call.args or given != ENTRIES[name].fields:
                where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
                wrong.append(f"{where}: {name}({', '.join(sorted(map(str, given)))})")
    assert wrong == []


def test_no_service_error_is_worded_outside_the_catalogue():
    worded = []
    for path, tree in _modules().items():
        if path in (CATALOGUE, ENVELOPE):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            message = node.args[0] if node.args else None
            if name in ("request_error", "parameter_error") or (
                name == "ServiceError" and message is not None and _worded(message)
            ):
                worded.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {name}")
    assert worded == []


def test_the_scan_sees_a_worded_error():
    """The scan's own check: an inline error, as the code once had them, is seen."""
    tree = ast.parse(
        'raise errors.ServiceError(f"Hit {hit_id} does not exist.", "X")\n'
        'raise errors.request_error("Hit gone.", "HITDoesNotExist")\n'
        'raise errors.ServiceError(data["message"], data["code"])\n'
    )
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    flagged = [
        _worded(call.args[0]) or getattr(call.func, "attr", "") == "request_error"
        for call in calls
        if getattr(call.func, "attr", "") in ("ServiceError", "request_error")
    ]
    assert flagged == [True, True, False]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_entry_is_an_error_of_its_family(name):
    entry = ENTRIES[name]
    error = entry(**dict.fromkeys(entry.fields, "x"))

    assert isinstance(error, ServiceError)
    assert entry.family in MTURK_ERRORS | FRONT_END
    # MTurk's own errors end with the stamp when answered; the front end's never do.
    assert error.stamp is (entry.family in MTURK_ERRORS)
    assert entry.code is None or entry.code.startswith("AWS.")
    assert (entry.code is None) or entry.family in MTURK_ERRORS
    assert "{" not in error.message and "}" not in error.message
    assert error.status == (500 if entry.family == "ServiceFault" else 400)


def test_no_error_is_catalogued_twice():
    keys = Counter((entry.family, entry.code, entry.template) for entry in ENTRIES.values())
    assert [key for key, count in keys.items() if count > 1] == []


def test_an_entry_words_its_error_as_the_service_did():
    error = catalogue.INVALID_HIT_STATE(current="Assignable", allowed="Reviewable")
    assert error.wire(1626294366054) == {
        "__type": "RequestError",
        "Message": "This HIT is currently in the state 'Assignable'.  This operation can be "
        "called with a status of: Reviewable (1626294366054)",
        "TurkErrorCode": "AWS.MechanicalTurk.InvalidHITState",
    }
