"""One entry into the service: dispatch answers alike through every door, and directly.

The same scenario runs on simulators with the same seed and start, once called
directly through :func:`pytest_mturk.core.dispatch.dispatch` with no botocore client,
and once through each door (a boto3 client on the short way and on botocore's
whole way, an aiobotocore client, and both with a fault scheduled before every
call, answered through botocore's retries). Every
door must answer what dispatch answers and leave the same call record.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as _dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import HIT_ARGS, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_mturk
from pytest_mturk import mturk_sim
from pytest_mturk.core.dispatch import UNSIGNED, check_for, dispatch
from pytest_mturk.core.model import Environment

# Quick by default; HYPOTHESIS_PROFILE=long (a later CI step) or nightly run more examples.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
START = "2026-01-05T09:00:00+00:00"
KEY = "AKIDEXAMPLE00000"
KEYS = {"aws_access_key_id": KEY, "aws_secret_access_key": "secret"}
RETRIES = Config(retries={"total_max_attempts": 3, "mode": "standard"})
PRODUCTION = Environment.PRODUCTION
QUAL = {"Name": "Screened", "Description": "Passed our screen", "QualificationTypeStatus": "Active"}
PAST = _dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc)
SERVICE_MODEL = botocore.session.get_session().get_service_model("mturk")

# (operation, parameters from the earlier answers): successes, the service's errors
# (RequestError, ValidationException, ParameterValidationError), a timestamp input.
Step = tuple[str, Callable[[list[Any]], dict[str, Any]]]
SCENARIO: list[Step] = [
    ("CreateHIT", lambda got: dict(HIT_ARGS)),
    ("GetHIT", lambda got: {"HITId": got[0]["HIT"]["HITId"]}),
    ("ListHITs", lambda got: {"MaxResults": 10}),
    ("GetHIT", lambda got: {"HITId": "3NOSUCHHIT"}),
    ("CreateQualificationType", lambda got: dict(QUAL)),
    ("CreateQualificationType", lambda got: dict(QUAL)),
    ("CreateHIT", lambda got: {**HIT_ARGS, "Reward": "1.5.0"}),
    ("CreateHIT", lambda got: {**HIT_ARGS, "Title": "x" * 200}),
    ("UpdateExpirationForHIT", lambda got: {"HITId": got[0]["HIT"]["HITId"], "ExpireAt": PAST}),
    ("GetHIT", lambda got: {"HITId": got[0]["HIT"]["HITId"]}),
    ("GetAccountBalance", lambda got: {}),
]


def botocore_name(operation: str) -> str:
    return xform_name(operation)


def _wire(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as botocore serializes them: timestamps as whole epoch seconds."""
    return {
        key: int(value.timestamp()) if isinstance(value, _dt.datetime) else value
        for key, value in params.items()
    }


def _sim(**settings: Any) -> Any:
    return mturk_sim(seed="doors", start=START, **settings)


def record(calls: list[Any]) -> list[tuple[Any, ...]]:
    """A call log in comparable form."""
    return [
        (
            call.operation,
            call.environment,
            call.params,
            call.time,
            call.response,
            None if call.error is None else call.error.wire(0),
            None if call.error is None else call.error.status,
        )
        for call in calls
    ]


def run_directly(sim: Any) -> list[Any]:
    """The scenario through dispatch alone: answers as a client would read them."""
    got: list[Any] = []
    for operation, params in SCENARIO:
        outcome = dispatch(sim._service, PRODUCTION, operation, _wire(params(got)), KEY)
        assert not outcome.lost
        if outcome.call.error is None:
            got.append(outcome.call.response)
        else:
            got.append(("error", outcome.status, json.loads(outcome.wire()), outcome.request_id))
    return got


def _answer(response: dict[str, Any]) -> Any:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


# MTurk's own errors say "Message" in their body; the AWS front end's say "message".
MTURK_OWN = {"RequestError", "ServiceFault", "ParameterValidationError"}


def _error(exc: ClientError) -> Any:
    response = exc.response
    code = response["Error"]["Code"]
    key = "Message" if code in MTURK_OWN else "message"
    body = {"__type": code, key: response["Error"]["Message"]}
    if "TurkErrorCode" in response:
        body["TurkErrorCode"] = response["TurkErrorCode"]
    meta = response["ResponseMetadata"]
    return ("error", meta["HTTPStatusCode"], body, meta["RequestId"])


def run_sync(sim: Any, fault: str | None = None, whole_way: bool = False) -> list[Any]:
    client = boto3.client("mturk", region_name="us-east-1", config=RETRIES, **KEYS)
    if whole_way:
        # A handler of the user's: the call goes botocore's whole way, request and all.
        client.meta.events.register("before-call.mturk", lambda **kwargs: None)
    got: list[Any] = []
    for operation, params in SCENARIO:
        if fault is not None:
            sim.fail_next(operation, fault)
        try:
            got.append(_answer(getattr(client, botocore_name(operation))(**params(got))))
        except ClientError as exc:
            got.append(_error(exc))
    return got


def run_async(sim: Any, fault: str | None = None) -> list[Any]:
    aiobotocore_session = pytest.importorskip("aiobotocore.session")

    async def main() -> list[Any]:
        session = aiobotocore_session.get_session()
        got: list[Any] = []
        async with session.create_client(
            "mturk", region_name="us-east-1", config=RETRIES, **KEYS
        ) as client:
            for operation, params in SCENARIO:
                if fault is not None:
                    sim.fail_next(operation, fault)
                try:
                    call = getattr(client, botocore_name(operation))
                    got.append(_answer(await call(**params(got))))
                except ClientError as exc:
                    got.append(_error(exc))
        return got

    return asyncio.run(main())


@pytest.fixture
def instant_retries(monkeypatch):
    # botocore's standard back-off (aiobotocore's too), made instant.
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )


@pytest.fixture(scope="module")
def direct():
    """The scenario's answers and call record, through dispatch with no client."""
    sim = _sim()
    answers = run_directly(sim)
    return answers, record(sim.calls)


DOORS = {
    "sync": lambda sim: run_sync(sim),
    "sync, botocore's whole way": lambda sim: run_sync(sim, whole_way=True),
    "async": lambda sim: run_async(sim),
    "sync, faults": lambda sim: run_sync(sim, "service_fault"),
    "sync, throttled": lambda sim: run_sync(sim, "throttled"),
    "async, faults": lambda sim: run_async(sim, "service_fault"),
}


@pytest.mark.parametrize("door", DOORS)
def test_every_door_answers_and_records_what_dispatch_does(direct, door, instant_retries):
    expected_answers, expected_record = direct
    with _sim() as sim:
        answers = DOORS[door](sim)
    calls = record(sim.calls)
    if "fault" in door or "throttled" in door:
        # Each call failed once, as scheduled, and was retried by botocore.
        kind = "ThrottlingException" if "throttled" in door else "ServiceFault"
        failed, calls = calls[0::2], calls[1::2]
        assert [call[5]["__type"] for call in failed] == [kind] * len(SCENARIO)
        assert [call[0] for call in failed] == [operation for operation, _ in SCENARIO]
        assert not sim._service.faults
        # The failed attempts drew request IDs of their own: compare the rest only.
        answers = [a[:3] if isinstance(a, tuple) else a for a in answers]
        expected_answers = [a[:3] if isinstance(a, tuple) else a for a in expected_answers]
    assert calls == expected_record
    assert answers == expected_answers


def test_the_scenario_covers_successes_and_each_kind_of_service_error(direct):
    answers, _ = direct
    kinds = [a[2]["__type"] if isinstance(a, tuple) else "ok" for a in answers]
    assert kinds == [
        "ok",
        "ok",
        "ok",
        "RequestError",
        "ok",
        "RequestError",
        "ValidationException",
        "ParameterValidationError",
        "ok",
        "ok",
        "ok",
    ]
    assert answers[9]["HIT"]["HITStatus"] == "Reviewable"  # the timestamp reached the service


def test_a_direct_answer_is_the_body_a_client_parses(direct):
    """The bytes dispatch's outcome carries parse, with botocore's parser, to the very
    response a client returns."""
    from botocore.parsers import create_parser

    with _sim() as sim:
        service = sim._service
        hit = dispatch(service, PRODUCTION, "CreateHIT", dict(HIT_ARGS), KEY)
        outcome = dispatch(
            service, PRODUCTION, "GetHIT", {"HITId": hit.call.response["HIT"]["HITId"]}
        )
    model = SERVICE_MODEL.operation_model("GetHIT")
    parsed = create_parser("json").parse(
        {"headers": {}, "status_code": 200, "body": outcome.wire(), "context": {}},
        model.output_shape,
    )
    assert _answer(parsed) == outcome.call.response
    assert outcome.status == 200


def test_bad_input_gets_the_services_validation_exception_and_changes_nothing():
    with _sim() as sim, _sim() as fresh:
        before = snapshot(sim)
        bad = {**HIT_ARGS, "Reward": "1.5.0", "HITLayoutId": "bad id"}
        outcome = dispatch(sim._service, PRODUCTION, "CreateHIT", bad)
        error = outcome.call.error
        assert error is not None and error.type == "ValidationException"
        assert outcome.status == 400
        assert error.message == (
            "2 validation errors detected: Value '1.5.0' at 'reward' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$; "
            "Value 'bad id' at 'hITLayoutId' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: ^[A-Z0-9]+$"
        )
        # The request framework's refusal: its body says "message", not "Message".
        body = {"__type": "ValidationException", "message": error.message}
        assert json.loads(outcome.wire()) == body
        assert snapshot(sim) == before
        assert [call.operation for call in sim.calls] == ["CreateHIT"]
        # No ID was drawn for it: the next HIT is the one a fresh simulator makes first.
        made = dispatch(sim._service, PRODUCTION, "CreateHIT", dict(HIT_ARGS))
        first = dispatch(fresh._service, PRODUCTION, "CreateHIT", dict(HIT_ARGS))
        assert made.call.response == first.call.response


@settings(
    max_examples={"long": 400, "nightly": 2000}.get(PROFILE, 40),
    deadline=None,
    database=None,
    derandomize=PROFILE != "nightly",
)
@given(
    member=st.sampled_from(sorted(HIT_ARGS)),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=3),
        st.lists(st.integers(), max_size=2),
    ),
)
def test_any_wrongly_typed_member_is_refused_without_a_change(member, value):
    with _sim() as sim:
        outcome = dispatch(sim._service, PRODUCTION, "CreateHIT", {**HIT_ARGS, member: value})
        if outcome.call.error is None:
            return  # a value of the right type the service takes (e.g. another title)
        assert outcome.call.error.type in {
            "ValidationException",
            "ParameterValidationError",
            "RequestError",
        }
        assert not sim.hits and not sim.hit_types and not sim.events
        assert sim.production.balance == sim.production.available_balance


def test_the_caller_is_judged_before_a_scheduled_fault_is_taken():
    with _sim(access_keys=[KEY]) as sim:
        sim.fail_next("GetAccountBalance", "service_fault")
        service = sim._service
        stranger = dispatch(service, PRODUCTION, "GetAccountBalance", {}, "AKIDSTRANGER0000")
        unsigned = dispatch(service, PRODUCTION, "GetAccountBalance", {}, UNSIGNED)
        assert stranger.call.error.type == "UnrecognizedClientException"
        assert unsigned.call.error.type == "MissingAuthenticationTokenException"
        assert service.faults == {"GetAccountBalance": ["service_fault"]}
        failed = dispatch(service, PRODUCTION, "GetAccountBalance", {}, KEY)
        assert failed.call.error.type == "ServiceFault" and failed.status == 500
        answered = dispatch(service, PRODUCTION, "GetAccountBalance", {}, KEY)
        assert answered.call.response == {"AvailableBalance": "10000.00"}


def test_a_refused_client_leaves_the_fault_for_the_next_caller(instant_retries):
    with _sim(access_keys=[KEY]) as sim:
        sim.fail_next("GetAccountBalance", "service_fault")
        stranger = boto3.client(
            "mturk",
            region_name="us-east-1",
            aws_access_key_id="AKIDSTRANGER0000",
            aws_secret_access_key="secret",
        )
        with pytest.raises(ClientError, match="UnrecognizedClientException"):
            stranger.get_account_balance()
        client = boto3.client("mturk", region_name="us-east-1", config=RETRIES, **KEYS)
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        assert [c.error.type if c.error else None for c in sim.calls] == [
            "UnrecognizedClientException",
            "ServiceFault",
            None,
        ]


def test_a_lost_answer_does_the_work_and_draws_no_request_id():
    with _sim() as sim, _sim() as fresh:
        sim.fail_next("CreateQualificationType", "lost")
        lost = dispatch(sim._service, PRODUCTION, "CreateQualificationType", dict(QUAL))
        assert lost.lost and lost.request_id == "" and "lost=True" in repr(lost)
        assert lost.call.error is None and len(sim.qualification_types) == 1
        retried = dispatch(sim._service, PRODUCTION, "CreateQualificationType", dict(QUAL))
        assert retried.call.error.code == "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
        # The lost answer drew no request ID: the retry's is a fresh simulator's first.
        assert (
            retried.request_id
            == dispatch(fresh._service, PRODUCTION, "GetAccountBalance", {}).request_id
        )


def test_an_operation_the_model_does_not_know_is_answered_not_raised():
    with _sim() as sim:
        outcome = dispatch(sim._service, PRODUCTION, "LaunchRocket", {"Fuel": 1})
        assert outcome.call.error.code == "AWS.MechanicalTurk.OperationNotSimulated"
        assert check_for("LaunchRocket")({"anything": object()}) is None


def test_operations_are_run_only_through_dispatch():
    """Only dispatch calls the service's entries that record calls: no door, face or rule
    reaches an operation (nor its idempotency) around the server-side checks."""
    package = Path(pytest_mturk.__file__).parent
    callers = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"invoke", "record_refusal"}:
                callers.add(path.relative_to(package).as_posix())
    assert callers == {"core/dispatch.py"}


@pytest.mark.parametrize("profile", [{}, {"locale": "US-CA", "adult": True, "approved": 250}])
def test_a_worker_record_is_the_same_whichever_way_the_worker_was_met_first(profile):
    """A worker named in a requester call and a simulated worker are made by one rule."""
    records = []
    for api_first in (True, False):
        with _sim() as sim:
            client = boto3.client("mturk", region_name="us-east-1", **KEYS)
            qual = client.create_qualification_type(**QUAL)["QualificationType"]
            associate = {
                "QualificationTypeId": qual["QualificationTypeId"],
                "WorkerId": "AWORKER0000001",
                "IntegerValue": 5,
            }
            if api_first:
                client.associate_qualification_with_worker(**associate)
                sim.worker("AWORKER0000001", **profile)
            else:
                sim.worker("AWORKER0000001", **profile)
                client.associate_qualification_with_worker(**associate)
            records.append(
                (repr(sim.production.workers["AWORKER0000001"]), repr(dict(sim.sandbox.workers)))
            )
    assert records[0] == records[1]
