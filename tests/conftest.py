"""Shared fixtures: real boto3 clients against the simulator, and small HIT builders."""

from __future__ import annotations

import os
import re
import socket
from contextlib import contextmanager
from typing import Any

import boto3
import journal_checks
import pytest
from botocore.exceptions import ClientError

from pytest_mturk.doors import stack

pytest_plugins = ["pytester"]

EXTERNAL_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)

HIT_ARGS: dict[str, Any] = {
    "Title": "Label an image",
    "Description": "Say what the picture shows",
    "Reward": "0.50",
    "LifetimeInSeconds": 3600,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 86400,
    "MaxAssignments": 3,
    "Question": EXTERNAL_QUESTION,
}


@pytest.fixture(scope="session", autouse=True)
def kept_records_are_kept():
    """Every change to a HIT or an assignment inside a transaction is kept first
    (see journal_checks): checked throughout the run."""
    journal_checks.install()
    yield
    journal_checks.uninstall()


@pytest.fixture(scope="session")
def boto_session():
    """One boto3 session for the run: it loads the service model once, not per test.

    (Made before any simulator; the hook is in every session made after import, and
    the session finds the simulator's fallback credentials, through botocore's credential
    chain, when its first client is made.)
    """
    return boto3.session.Session()


@pytest.fixture
def client(mturk, boto_session):
    """A sandbox client (the world most suites were written against)."""
    return boto_session.client("mturk", region_name="sandbox")


@pytest.fixture
def prod_client(mturk, boto_session):
    """A production client: balances move, fees are charged."""
    return boto_session.client("mturk", region_name="us-east-1")


@pytest.fixture
def make_hit(client):
    """Create a HIT with sensible defaults; keyword arguments override them."""

    def make(c=None, **overrides: Any) -> dict[str, Any]:
        return (c or client).create_hit(**{**HIT_ARGS, **overrides})["HIT"]

    return make


# -- error assertions shared by the operation tests (import them from conftest) ------


def epoch_ms(when) -> int:
    """The 13-digit stamp the service appends to RequestError messages."""
    # round(), not int(): the float product can fall just below the whole millisecond.
    return round(when.timestamp() * 1000)


def is_sandbox(client) -> bool:
    """Whether a client talks to the sandbox (its endpoint URL says so)."""
    return "sandbox" in client.meta.endpoint_url


def stamp(client, when) -> str:
    """The suffix of MTurk's own error messages answered at ``when``: ``" (<ms> s)"`` from
    the sandbox, ``" (<ms>)"`` from production."""
    return f" ({epoch_ms(when)} s)" if is_sandbox(client) else f" ({epoch_ms(when)})"


@contextmanager
def raises_request_error(mturk, client, code: str | None, message: str | re.Pattern[str]):
    """Expect ``client.exceptions.RequestError`` with this TurkErrorCode suffix and text.

    The message must be exactly ``message`` (or fully match the pattern) followed
    by " (<epoch ms of now>)".
    """
    with pytest.raises(client.exceptions.RequestError) as info:
        yield info
    response = info.value.response
    suffix = stamp(client, mturk.now)
    text = response["Error"]["Message"]
    assert response["Error"]["Code"] == "RequestError"
    assert response["Message"] == text
    assert text.endswith(suffix), text
    if isinstance(message, re.Pattern):
        assert message.fullmatch(text[: -len(suffix)]), text
    else:
        assert text == message + suffix
    expected_code = f"AWS.MechanicalTurk.{code}" if code is not None else None
    assert response.get("TurkErrorCode") == expected_code


_STAMPED = re.compile(r"(?s)(.*) \((\d{13})( s)?\)")


@contextmanager
def raises_parameter_error(client, message: str | None = None, mturk=None):
    """Expect MTurk's un-modelled ``ParameterValidationError``: a plain ClientError whose
    message ends with the same stamp as RequestError's (" (<13-digit epoch ms>)", with
    " s" before the parenthesis from the sandbox; of now, when ``mturk`` is given)."""
    with pytest.raises(ClientError) as info:
        yield info
    assert not isinstance(info.value, client.exceptions.RequestError)
    response = info.value.response
    assert response["Error"]["Code"] == "ParameterValidationError"
    assert "TurkErrorCode" not in response
    stamped = _STAMPED.fullmatch(response["Error"]["Message"])
    assert stamped, response["Error"]["Message"]
    assert bool(stamped.group(3)) == is_sandbox(client), response["Error"]["Message"]
    if mturk is not None:
        assert int(stamped.group(2)) == epoch_ms(mturk.now)
    if message is not None:
        assert stamped.group(1) == message


@contextmanager
def raises_validation_exception(client, *violations: str):
    """Expect the request framework's ``ValidationException`` (unstamped) listing exactly
    these violations, each ``"Value ... at '...' failed to satisfy constraint: ..."``."""
    with pytest.raises(ClientError) as info:
        yield info
    assert not isinstance(info.value, client.exceptions.RequestError)
    response = info.value.response
    assert response["Error"]["Code"] == "ValidationException"
    assert "TurkErrorCode" not in response
    if violations:
        count = len(violations)
        plural = "error" if count == 1 else "errors"
        expected = f"{count} validation {plural} detected: " + "; ".join(violations)
        assert response["Error"]["Message"] == expected


def violation(path: str, value: str, rule: str) -> str:
    """One entry of a ValidationException: ``value`` already rendered (``'x'`` or ``null``)."""
    return f"Value {value} at '{path}' failed to satisfy constraint: Member must {rule}"


def pattern(path: str, value: str, regex: str) -> str:
    return violation(path, f"'{value}'", f"satisfy regular expression pattern: {regex}")


ENTITY_ID = "^[A-Z0-9]+$"
CUSTOMER_ID = "^A[A-Z0-9]+$"
CURRENCY = "^[0-9]+(\\.)?[0-9]{0,2}$"


def snapshot(mturk) -> dict[str, Any]:
    """Everything a refused call must leave alone, in comparable form."""
    return {
        "hits": {key: repr(hit) for key, hit in mturk.hits.items()},
        "hit_types": sorted(mturk.hit_types),
        "assignments": {key: repr(a) for key, a in mturk.assignments.items()},
        "workers": {key: repr(w) for key, w in mturk.workers.items()},
        "balances": [
            (view.balance, view.reserved, view.available_balance, view.ledger)
            for view in (mturk.sandbox, mturk.production)
        ],
        "events": len(mturk.events),
    }


def policy(name: str, **params) -> dict[str, Any]:
    """A review policy: ``Key=value`` parameters, ``Key={k: values}`` map entries."""
    parameters: list[dict[str, Any]] = []
    for key, value in params.items():
        if isinstance(value, dict):
            entries = [{"Key": k, "Values": list(v)} for k, v in value.items()]
            parameters.append({"Key": key, "MapEntries": entries})
        else:
            values = value if isinstance(value, list) else [str(value)]
            parameters.append({"Key": key, "Values": values})
    return {"PolicyName": name, "Parameters": parameters}


def skip_if_simulated() -> None:
    """Skip a test that needs no simulator active (the suite run with --mturk-sim)."""
    if stack.active() is not None:
        pytest.skip("a simulator is already active (run without --mturk-sim)")


# -- a machine with no AWS set-up and no network (credentials tests, sync and async) ------


@pytest.fixture
def bare(monkeypatch, tmp_path):
    """A machine with no AWS set-up at all: no keys, no region, no files, a fresh
    default session, and nothing that tells botocore to skip instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    skip_if_simulated()
    return tmp_path


@pytest.fixture
def network(monkeypatch):
    """Every attempt to reach the network, refused and recorded."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("the network is blocked in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: refuse(address))
    return attempts


def pytest_collection_modifyitems(config, items):
    """Load tests run only when asked for (``PYTEST_MTURK_LOAD=1``): they take minutes."""
    if os.environ.get("PYTEST_MTURK_LOAD"):
        return
    skip = pytest.mark.skip(reason="a load test: set PYTEST_MTURK_LOAD=1 to run it")
    for item in items:
        if "load" in item.keywords:
            item.add_marker(skip)
