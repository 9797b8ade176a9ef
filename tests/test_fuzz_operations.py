"""Every one of the 39 operations, fed generated bad input through a real boto3 client.

Each call runs against a simulator holding a realistic world (HITs in every status,
assignments in every state, qualification types, grants, requests, a block, a bonus,
notification settings, both environments). Whatever goes in, only these come out:

* botocore's client-side ``ParamValidationError`` (nothing reaches the simulator);
* a ``ClientError`` with one of the service's codes (RequestError with a TurkErrorCode,
  ServiceFault, ParameterValidationError, ValidationException) and a message;
* a success (for input the model allows), whose body fits botocore's output shape;
* an exception botocore's own serializer raises for input it cannot send at all
  (with parameter validation off), before anything reaches the simulator.

Never another exception, never an HTTP request, and a refused call changes nothing:
a deep snapshot of both environments, events, schedule, IDs and notifications is the
same before and after. Input that breaks the service model (pattern, length, enum,
range, type, required) must be refused as ParameterValidationError or
ValidationException; limits the documentation adds (spec §5) must be refused too.
``HYPOTHESIS_PROFILE=nightly`` runs far more examples; the counts (examples run, inputs
tried, outcomes) are printed once, per operation with ``-v``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import os
import pickle
import re
import traceback
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from assignment_id_checks import check_reissued_ids
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from conftest import CURRENCY, CUSTOMER_ID, ENTITY_ID, pattern
from fuzz_inputs import (
    ABSENT,
    EXTERNAL,
    HTML,
    KNOWN_ANSWERS,
    NAMES,
    QUEUE,
    SPEC_LIMITS,
    TEMPLATES,
    TEST,
    UNKNOWN_MEMBER,
    VALID_CALLS,
    Ref,
    base_call,
    member_paths,
    notification,
    semantic,
    set_path,
    violation_cases,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_mturk
from pytest_mturk import mturk_sim
from pytest_mturk.core.model import OrderedIndex
from pytest_mturk.rules.notifications import notify as _notify

PROFILES = {
    # Deterministic in CI: the same inputs every run, no flaky failures.
    "ci": {"bases": 2, "semantic": 40, "derandomize": True},
    "long": {"bases": 8, "semantic": 400, "derandomize": True},  # a later CI step
    "nightly": {"bases": 20, "semantic": 1500, "derandomize": False},
}
PROFILE = PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]
SERVICE_CODES = {"RequestError", "ServiceFault", "ParameterValidationError", "ValidationException"}
MODEL_REFUSALS = {"ParameterValidationError", "ValidationException"}
STAMP = re.compile(r" \(\d{13}( s)?\)$")
PACKAGE = str(Path(pytest_mturk.__file__).parent)
OPERATIONS = sorted(TEMPLATES)
STATS: Counter[tuple[str, str, str]] = Counter()  # (test, operation, outcome): inputs
EXAMPLES: Counter[tuple[str, str]] = Counter()  # (test, operation): hypothesis examples


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=PROFILE["derandomize"],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class HTTPAttempt(Exception):
    """A call got as far as sending: the simulator did not answer it."""


def _no_http(request=None, **kwargs):
    raise HTTPAttempt(f"an HTTP request was about to be sent to {request.url}")


@pytest.fixture(scope="module")
def clients():
    """``{(environment, parameter_validation): client}``, none able to send HTTP."""
    session = boto3.session.Session(
        aws_access_key_id="AKIDFUZZ00000000", aws_secret_access_key="FUZZSECRET"
    )
    made = {}
    for environment, region in (("production", "us-east-1"), ("sandbox", "sandbox")):
        for validate in (True, False):
            config = botocore.config.Config(parameter_validation=validate)
            client = session.client("mturk", region_name=region, config=config)
            client.meta.events.register("before-send.mturk", _no_http)
            made[environment, validate] = client
    return made


@pytest.fixture(scope="module", autouse=True)
def report(request):
    """Print the counts once: examples run and inputs tried (with -v, per operation)."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not STATS:
        return
    outcomes = Counter()
    for (_, _, outcome), count in STATS.items():
        outcomes[outcome.replace("refused:", "")] += count
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"\nfuzz: {sum(EXAMPLES.values())} examples, {sum(STATS.values())} inputs, "
            f"{len({op for _, op in EXAMPLES})} operations ("
            + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            + ")"
        )
        if request.config.get_verbosity() <= 0:
            return
        for operation in OPERATIONS:
            parts = []
            for test in ("model", "semantic", "limits"):
                if not EXAMPLES[test, operation]:
                    continue
                mix = Counter()
                for (kind, op, outcome), count in STATS.items():
                    if (kind, op) == (test, operation):
                        mix[outcome.replace("refused:", "")] += count
                parts.append(
                    f"{test} {EXAMPLES[test, operation]} examples/{sum(mix.values())} inputs "
                    f"({', '.join(f'{k} {v}' for k, v in sorted(mix.items()))})"
                )
            if parts:
                reporter.write_line(f"  {operation}: " + "; ".join(parts))


# -- the world ----------------------------------------------------------------------

START = "2024-03-01T12:00:00+00:00"
WORKERS = {
    "busy": "A1BUSYW0RKER01",
    "second": "A2SECONDW0RKER",
    "third": "A3THIRDW0RKER0",
    "revoked": "A4REV0KEDW0RK",
    "blocked": "A5BL0CKEDW0RK",
    "stranger": "A9STRANGER0001",  # never named before the fuzzing starts
}
SYSTEM_TYPES = {
    "masters": "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
    "masters_sandbox": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
    "locale": "00000000000000000071",
}


class World:
    """A simulator holding something of everything, mostly in production (where money
    moves), with one HIT in the sandbox for cross-environment IDs."""

    def __init__(self) -> None:
        self.sim = mturk_sim(seed="fuzz", start=START, balance="1000.00").start()
        self.service = self.sim._service
        self.dirty = False
        self.ids: dict[tuple[str, str], str] = {}
        try:
            self._build()
        except BaseException:
            self.sim.stop()
            raise

    def close(self) -> None:
        self.sim.stop()

    def names(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for kind, name in self.ids:
            found.setdefault(kind, set()).add(name)
        return found

    def resolve(self, value: Any) -> Any:
        """The parameters with every :class:`Ref` replaced by its ID (or epoch seconds)."""
        if isinstance(value, Ref):
            if value.kind == "time":
                return int(self.sim.now.timestamp()) + int(value.name)
            return self.ids[value.kind, value.name]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items() if v is not ABSENT}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _build(self) -> None:
        sim, ids = self.sim, self.ids
        prod, sandbox = sim.production.client(), sim.sandbox.client()
        workers = {
            name: sim.worker(worker_id) for name, worker_id in WORKERS.items() if name != "stranger"
        }
        busy, second, third = workers["busy"], workers["second"], workers["third"]
        for name, worker_id in WORKERS.items():
            ids["worker", name] = worker_id
        for name, type_id in SYSTEM_TYPES.items():
            ids["qual_type", name] = type_id
        ids["token", "hit"], ids["token", "bonus"], ids["token", "extra"] = (
            "FUZZTOKEN1",
            "FUZZBONUS1",
            "FUZZEXTRA1",
        )
        ids["layout", "known"] = "FUZZLAYOUT1"
        sim.register_layout("FUZZLAYOUT1", HTML.replace('name="label"', 'name="${field}"'))
        sim.register_destination(QUEUE)

        def hit(client=prod, **extra: Any) -> str:
            args = {
                "Title": "Label an image",
                "Description": "Say what it shows",
                "Reward": "0.50",
                "LifetimeInSeconds": 3600,
                "MaxAssignments": 1,
                "AssignmentDurationInSeconds": 600,
                "AutoApprovalDelayInSeconds": 86400,
                "Question": EXTERNAL,
                **extra,
            }
            return client.create_hit(**args)["HIT"]["HITId"]

        def submitted(worker, hit_id: str) -> str:
            assignment_id = worker.accept(hit_id)
            worker.submit(assignment_id, {"label": "cat"})
            return assignment_id

        # Abandoned first: it needs time to pass.
        abandon = hit(Title="abandon me", AssignmentDurationInSeconds=30)
        ids["assignment", "abandoned"] = busy.accept(abandon)
        sim.advance(seconds=31)

        def qtype(name: str, **extra: Any) -> str:
            args = {"Name": name, "Description": "d", "QualificationTypeStatus": "Active", **extra}
            return prod.create_qualification_type(**args)["QualificationType"][
                "QualificationTypeId"
            ]

        active = ids["qual_type", "active"] = qtype("fuzz skill", RetryDelayInSeconds=60)
        ids["qual_type", "inactive"] = qtype("fuzz inactive", QualificationTypeStatus="Inactive")
        tested = ids["qual_type", "tested"] = qtype(
            "fuzz tested", Test=TEST, TestDurationInSeconds=600
        )
        deleted = ids["qual_type", "deleted"] = qtype("fuzz deleted")
        prod.delete_qualification_type(QualificationTypeId=deleted)
        for name, value in (("busy", 5), ("second", 3), ("revoked", 1)):
            prod.associate_qualification_with_worker(
                QualificationTypeId=active, WorkerId=WORKERS[name], IntegerValue=value
            )
        prod.disassociate_qualification_from_worker(
            QualificationTypeId=active, WorkerId=WORKERS["revoked"], Reason="gone"
        )
        ids["request", "pending"] = third.request_qualification(active).qualification_request_id
        rejected = second.request_qualification(tested, {"q1": "a"}).qualification_request_id
        prod.reject_qualification_request(QualificationRequestId=rejected, Reason="no")
        granted = third.request_qualification(tested, {"q1": "b"}).qualification_request_id
        prod.accept_qualification_request(QualificationRequestId=granted, IntegerValue=7)
        ids["request", "rejected"], ids["request", "granted"] = rejected, granted

        notified = ids["hit_type", "notified"] = prod.create_hit_type(
            Title="notified",
            Description="d",
            Reward="0.50",
            AssignmentDurationInSeconds=600,
            AutoApprovalDelayInSeconds=86400,
        )["HITTypeId"]
        prod.update_notification_settings(
            HITTypeId=notified, Notification=notification(), Active=True
        )

        def typed(max_assignments: int) -> str:
            return prod.create_hit_with_hit_type(
                HITTypeId=notified,
                LifetimeInSeconds=3600,
                MaxAssignments=max_assignments,
                Question=EXTERNAL,
            )["HIT"]["HITId"]

        assignable = ids["hit", "assignable"] = typed(3)
        ids["assignment", "accepted"] = busy.accept(assignable)
        prod.create_additional_assignments_for_hit(
            HITId=assignable, NumberOfAdditionalAssignments=1, UniqueRequestToken="FUZZEXTRA1"
        )
        unassignable = ids["hit", "unassignable"] = typed(1)
        second.accept(unassignable)
        reviewable = ids["hit", "reviewable"] = typed(2)
        ids["assignment", "submitted"] = submitted(busy, reviewable)
        ids["assignment", "submitted2"] = submitted(second, reviewable)
        reviewing = ids["hit", "reviewing"] = typed(1)
        ids["assignment", "reviewing"] = submitted(third, reviewing)
        prod.update_hit_review_status(HITId=reviewing)

        done = ids["hit", "done"] = hit(Title="done", MaxAssignments=3)
        ids["hit_type", "plain"] = sim.production.hits[done].hit_type.hit_type_id
        approved = ids["assignment", "approved"] = submitted(busy, done)
        prod.approve_assignment(AssignmentId=approved, RequesterFeedback="thanks")
        rejected_a = ids["assignment", "rejected"] = submitted(second, done)
        prod.reject_assignment(AssignmentId=rejected_a, RequesterFeedback="wrong")
        returned = ids["assignment", "returned"] = third.accept(done)
        third.return_(returned)
        prod.update_expiration_for_hit(HITId=done, ExpireAt=0)
        prod.send_bonus(
            WorkerId=WORKERS["busy"],
            AssignmentId=approved,
            BonusAmount="1.00",
            Reason="great",
            UniqueRequestToken="FUZZBONUS1",
        )

        disposed = ids["hit", "disposed"] = hit(Title="disposed")
        prod.update_expiration_for_hit(HITId=disposed, ExpireAt=0)
        prod.delete_hit(HITId=disposed)
        expired = ids["hit", "expired"] = hit(Title="expired")
        prod.update_expiration_for_hit(HITId=expired, ExpireAt=0)
        # Expired with a free slot, but a worker still at it: Unassignable until done.
        in_progress = ids["hit", "expired_in_progress"] = hit(Title="busy", MaxAssignments=2)
        third.accept(in_progress)
        prod.update_expiration_for_hit(HITId=in_progress, ExpireAt=0)
        ids["hit", "qualified"] = hit(
            Title="qualified",
            UniqueRequestToken="FUZZTOKEN1",
            QualificationRequirements=[
                {"QualificationTypeId": active, "Comparator": "GreaterThan", "IntegerValues": [1]}
            ],
        )
        policy = ids["hit", "policy"] = hit(
            Title="policy", MaxAssignments=2, AssignmentReviewPolicy=KNOWN_ANSWERS
        )
        ids["assignment", "policy"] = submitted(busy, policy)
        prod.create_worker_block(WorkerId=WORKERS["blocked"], Reason="spam")
        prod.notify_workers(Subject="hello", MessageText="thanks", WorkerIds=[WORKERS["busy"]])

        in_sandbox = ids["hit", "sandbox"] = hit(sandbox, Title="sandbox")
        ids["hit_type", "sandbox"] = sim.sandbox.hits[in_sandbox].hit_type.hit_type_id
        ids["assignment", "sandbox"] = submitted(busy, in_sandbox)

        # Last, so every ID above stays as it was: an AssignmentId third returned and
        # MTurk reissued to second, who submitted it.
        hand_on = hit(Title="handed on")
        third.return_(third.accept(hand_on))
        ids["assignment", "reissued"] = submitted(second, hand_on)


def _dump(value: Any, depth: int = 0) -> Any:
    """A comparable deep copy of model state (cached wire forms left out)."""
    if depth > 12:
        return repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(
            (f.name, _dump(getattr(value, f.name), depth + 1))
            for f in dataclasses.fields(value)
            if f.name != "cache"
        )
    if isinstance(value, dict):
        return tuple((_dump(k, depth + 1), _dump(v, depth + 1)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_dump(v, depth + 1) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(map(repr, value)))
    if isinstance(value, OrderedIndex):
        return ("OrderedIndex", tuple(value))
    if isinstance(value, Decimal):
        return ("Decimal", str(value))  # 0.5 and 0.50 differ on the wire
    if isinstance(value, (str, int, float, bool, type(None), dt.datetime, enum.Enum)):
        return value
    return repr(value)


def snapshot(sim) -> bytes:
    """Everything a refused call must leave alone, pickled (fast to take and compare)."""
    service = sim._service
    with service.lock:
        service.now()
        for state in service.states.values():
            # Cached wire forms are not state: a refused call may build one.
            for record in (*state.hits.values(), *state.holdings):
                record.cache = None
            for hit_type in state.hit_types.values():
                hit_type.templates.clear()
        notifier = _notify.notifier(service)
        return pickle.dumps(
            {
                **{state.environment.value: state for state in service.states.values()},
                "events": service.events,
                "schedule": (len(service.scheduler), service.scheduler._seq),
                "ids drawn": service.ids._random.getstate(),
                "layouts": service.layouts,
                "notifications": notifier.sent,
                "inboxes": {dest: inbox._received for dest, inbox in notifier.inboxes.items()},
                "faults": getattr(service, "faults", None),
            }
        )


def _canonical(taken: bytes) -> dict[str, Any]:
    data = pickle.loads(taken)
    # Looking a HIT's review up makes an empty record: not a change.
    for env in ("sandbox", "production"):
        state = data[env]
        state.reviews = {
            key: review
            for key, review in state.reviews.items()
            if review.entries or review.reviewed or review.known_scores
        }
    return {key: _dump(value) for key, value in data.items()}


def unchanged(before: bytes, after: bytes) -> bool:
    """Whether two snapshots hold the same state (pickles can differ on sharing alone)."""
    return before == after or _canonical(before) == _canonical(after)


def snapshot_diff(taken_before: bytes, taken_after: bytes) -> str:
    """Where two snapshots differ, briefly."""
    before, after = _canonical(taken_before), _canonical(taken_after)
    lines = []
    for key in before:
        if before[key] == after.get(key):
            continue
        old, new = before[key], after.get(key)
        if isinstance(old, tuple) and isinstance(new, tuple):
            for a, b in zip(old, new, strict=False):
                if a != b:
                    lines.append(f"{key}: {str(a)[:600]} -> {str(b)[:600]}")
                    break
            else:
                lines.append(f"{key}: length {len(old)} -> {len(new)}")
        else:
            lines.append(f"{key}: {str(old)[:600]} -> {str(new)[:600]}")
    return "; ".join(lines)


# -- one call, checked ---------------------------------------------------------------


# The client methods calls pass through on their way to botocore's own: the class's entry,
# and the wrapper of botocore's (doors/botocore/guard.py) while a simulator runs.
ENTRIES = {
    (str(Path(PACKAGE) / "doors" / "botocore" / "bootstrap.py"), "_make_api_call"),
    (str(Path(PACKAGE) / "doors" / "botocore" / "guard.py"), "_make_api_call"),
}


def _internal_frame(exc: BaseException) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(PACKAGE) and (frame.filename, frame.name) not in ENTRIES:
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return None


CODELESS = ("has already been processed", "WorkerId is invalid.")


def _check_service_error(client, exc: ClientError) -> str:
    response = exc.response
    error = response["Error"]
    code = error["Code"]
    assert code in SERVICE_CODES, f"not one of the service's error codes: {response}"
    message = error["Message"]
    assert isinstance(message, str) and message.strip(), f"empty message: {response}"
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    if code == "RequestError":
        assert isinstance(exc, client.exceptions.RequestError)
        turk = response.get("TurkErrorCode")
        # The service's replay refusals carry no TurkErrorCode as far as the record
        # shows (docs/fidelity.md); every other RequestError names one.
        if not any(text in message for text in CODELESS):
            assert isinstance(turk, str) and turk.startswith("AWS."), (
                f"RequestError without a TurkErrorCode: {message!r}"
            )
        assert response.get("Message") == message
        assert STAMP.search(message), f"RequestError message without its stamp: {message!r}"
        assert status == 400
    elif code == "ServiceFault":
        assert isinstance(exc, client.exceptions.ServiceFault)
        assert status == 500
    else:
        assert "TurkErrorCode" not in response
        assert status == 400
    return code


def attempt(world: World, client, operation: str, params: dict) -> str:
    """Make one call and check what came out; returns the outcome
    (``client``, ``unsendable``, ``refused:<code>`` or ``accepted``)."""
    try:
        return _attempt(world, client, operation, params)
    finally:
        # Whatever happened, reissued AssignmentIds still have one story.
        check_reissued_ids(world.sim)


def _attempt(world: World, client, operation: str, params: dict) -> str:
    service = world.service
    before = snapshot(world.sim)
    calls = len(service.calls)
    method = getattr(client, xform_name(operation))
    try:
        response = method(**params)
    except ParamValidationError:
        assert len(service.calls) == calls, "botocore refused it, yet the simulator saw it"
        outcome = "client"
    except ClientError as exc:
        code = _check_service_error(client, exc)
        assert len(service.calls) == calls + 1
        assert service.calls[-1].operation == operation and service.calls[-1].error is not None
        outcome = f"refused:{code}"
    except HTTPAttempt:
        raise
    except Exception as exc:
        where = _internal_frame(exc)
        assert where is None, f"internal exception escaped the simulator at {where}: {exc!r}"
        assert len(service.calls) == calls
        # Only input botocore itself cannot serialize may fail this way.
        serializer = create_serializer("json", include_validation=False)
        with pytest.raises(type(exc)):
            serializer.serialize_to_request(
                params, client.meta.service_model.operation_model(operation)
            )
        return "unsendable"
    else:
        shape = client.meta.service_model.operation_model(operation).output_shape
        if shape is not None:
            body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
            report = ParamValidator().validate(body, shape)
            assert not report.has_errors(), report.generate_report()
        if not unchanged(before, snapshot(world.sim)):
            world.dirty = True
        return "accepted"
    after = snapshot(world.sim)
    assert unchanged(before, after), f"a refused call changed state: {snapshot_diff(before, after)}"
    return outcome


class Worlds:
    """A fresh world whenever the last one was changed by a successful call."""

    def __init__(self) -> None:
        self.world: World | None = None

    def get(self) -> World:
        if self.world is not None and self.world.dirty:
            self.close()
        if self.world is None:
            self.world = World()
        return self.world

    def close(self) -> None:
        if self.world is not None:
            self.world.close()
            self.world = None


@pytest.fixture
def worlds():
    holder = Worlds()
    yield holder
    holder.close()


# -- the tests -----------------------------------------------------------------------


def test_every_operation_is_fuzzed(clients, worlds):
    model = clients["production", True].meta.service_model
    assert len(model.operation_names) == 39
    assert sorted(model.operation_names) == OPERATIONS
    world = worlds.get()
    assert {kind: set(names) for kind, names in NAMES.items()} == world.names()
    # The world holds what its names promise, so "right ID, wrong state" is exercised.
    sim, ids = world.sim, world.ids
    hits = {name: sim.hits[ids["hit", name]].status.value for name in NAMES["hit"]}
    assert hits == {
        "assignable": "Assignable",
        "unassignable": "Unassignable",
        "reviewable": "Reviewable",
        "reviewing": "Reviewing",
        "done": "Reviewable",
        "disposed": "Disposed",
        "expired": "Reviewable",
        "expired_in_progress": "Unassignable",
        "qualified": "Assignable",
        "policy": "Assignable",
        "sandbox": "Reviewable",
    }
    assignments = {
        name: sim.assignments[ids["assignment", name]].status.value for name in NAMES["assignment"]
    }
    assert assignments == {
        "submitted": "Submitted",
        "submitted2": "Submitted",
        "reviewing": "Submitted",
        "approved": "Approved",
        "rejected": "Rejected",
        "returned": "Returned",
        "abandoned": "Abandoned",
        "accepted": "Accepted",
        "policy": "Approved",
        "sandbox": "Submitted",
        "reissued": "Submitted",
    }
    reissued = ids["assignment", "reissued"]
    assert [(a.worker_id, a.status.value) for a in sim.production._state.holdings[-2:]] == [
        (WORKERS["third"], "Returned"),
        (WORKERS["second"], "Submitted"),
    ]
    assert {a.assignment_id for a in sim.production._state.holdings[-2:]} == {reissued}
    production = sim.production
    assert production.qualification_types[ids["qual_type", "deleted"]].status.value == "Disposing"
    assert production.reserved > 0 and production.ledger
    assert ids["worker", "stranger"] not in sim.workers


def test_the_guard_notices_a_call_the_simulator_does_not_answer(clients):
    if pytest_mturk.current() is not None:
        pytest.skip("a simulator is active for every test (--mturk-sim)")
    with pytest.raises(HTTPAttempt):
        clients["production", True].get_account_balance()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_model_violations_are_refused(clients, worlds, operation):
    """Every forbidden value at every member path, with validation on and off."""
    model = clients["production", True].meta.service_model.operation_model(operation)
    shape = model.input_shape
    cases = violation_cases(shape)

    @fuzz_settings(PROFILE["bases"])
    @given(base=base_call(operation))
    def check(base):
        EXAMPLES["model", operation] += 1
        world = worlds.get()
        for path, value in cases:
            if path == UNKNOWN_MEMBER:
                params = {**base, path[0]: value}
            else:
                params = set_path(base, path, value, shape)
            params = world.resolve(params)
            for validate in (True, False):
                outcome = attempt(world, clients["production", validate], operation, params)
                STATS["model", operation, outcome] += 1
                assert outcome in ("client", "unsendable") or (
                    outcome.split(":")[1] in MODEL_REFUSALS
                ), f"{path}={value!r} (validation {validate}): {outcome}, not a validation error"
                assert outcome != "unsendable" or not validate

    check()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_semantic_nonsense_gets_service_errors_only(clients, worlds, operation):
    """Unknown IDs, IDs of the wrong kind or world, objects in the wrong state, odd
    numbers, hostile text, oversized lists: success or a service error, nothing else."""
    model = clients["production", True].meta.service_model.operation_model(operation)
    shape = model.input_shape
    paths = member_paths(shape) if shape is not None else []

    @fuzz_settings(PROFILE["semantic"])
    @given(data=st.data())
    def check(data):
        params = data.draw(base_call(operation), label="base")
        if paths:
            for _ in range(data.draw(st.integers(0, 3), label="changes")):
                path, member, required = data.draw(st.sampled_from(paths), label="path")
                value = data.draw(semantic(path, member, required), label=".".join(map(str, path)))
                params = set_path(params, path, value, shape)
        environment = data.draw(st.sampled_from(["production"] * 3 + ["sandbox"]), label="world")
        validate = data.draw(st.booleans(), label="parameter_validation")
        # Counted here: an example hypothesis abandons while drawing (too much data) is no input.
        EXAMPLES["semantic", operation] += 1
        world = worlds.get()
        outcome = attempt(world, clients[environment, validate], operation, world.resolve(params))
        STATS["semantic", operation, outcome] += 1

    check()


def _limit_id(value: Any) -> str:
    text = repr(value)
    if len(text) < 24:
        return text
    return f"{text[:12]}...len{len(value)}" if hasattr(value, "__len__") else f"{text[:12]}..."


@pytest.mark.parametrize("operation", sorted(VALID_CALLS))
def test_the_calls_the_limits_start_from_succeed(clients, worlds, operation):
    world = worlds.get()
    params = world.resolve(VALID_CALLS[operation])
    assert attempt(world, clients["production", True], operation, params) == "accepted"


@pytest.mark.parametrize(
    ("operation", "member", "value"),
    [
        pytest.param(op, member, value, id=f"{op}-{member}-{_limit_id(value)}")
        for op, member, values in SPEC_LIMITS
        for value in values
    ],
)
def test_documented_limits_are_refused(clients, worlds, operation, member, value):
    """Limits the documentation gives beyond the model (spec §5): refused, not accepted."""
    EXAMPLES["limits", operation] += 1
    world = worlds.get()
    params = world.resolve({**VALID_CALLS[operation], member: value})
    for validate in (True, False):
        outcome = attempt(world, clients["production", validate], operation, params)
        STATS["limits", operation, outcome] += 1
        assert outcome.startswith("refused:"), f"{member}={value!r}: {outcome}"


# -- what the fuzzing found, pinned -------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "params", "member", "value"),
    [
        ("GetHIT", {"HITId": "ABC\n"}, "HITId", "ABC\n"),
        ("CreateWorkerBlock", {"WorkerId": "A1B2C3\n", "Reason": "r"}, "WorkerId", "A1B2C3\n"),
        (
            "SendBonus",
            {
                "WorkerId": Ref("worker", "busy"),
                "AssignmentId": Ref("assignment", "approved"),
                "BonusAmount": "1.00\n",
                "Reason": "r",
            },
            "BonusAmount",
            "1.00\n",
        ),
    ],
    ids=["HITId", "WorkerId", "BonusAmount"],
)
def test_a_trailing_newline_does_not_satisfy_a_pattern(
    clients, worlds, operation, params, member, value
):
    # Python's "$" also matches before a final newline; the model's patterns must not.
    world = worlds.get()
    client = clients["production", True]
    with pytest.raises(ClientError) as info:
        getattr(client, xform_name(operation))(**world.resolve(params))
    regex = {"HITId": ENTITY_ID, "WorkerId": CUSTOMER_ID, "BonusAmount": CURRENCY}[member]
    path = member[0].lower() + member[1:]
    assert info.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: " + pattern(path, value, regex),
    }
    assert attempt(world, client, operation, world.resolve(params)) == (
        "refused:ValidationException"
    )


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        (
            "CreateAdditionalAssignmentsForHIT",
            {
                "HITId": Ref("hit", "assignable"),
                "NumberOfAdditionalAssignments": 1,
                "UniqueRequestToken": Ref("token", "extra"),
            },
        ),
        (
            "SendBonus",
            {
                "WorkerId": Ref("worker", "busy"),
                "AssignmentId": Ref("assignment", "approved"),
                "BonusAmount": "1.00",
                "Reason": "again",
                "UniqueRequestToken": Ref("token", "bonus"),
            },
        ),
    ],
    ids=["CreateAdditionalAssignmentsForHIT", "SendBonus"],
)
def test_a_replayed_request_token_is_a_request_error(clients, worlds, operation, params):
    world = worlds.get()
    outcome = attempt(world, clients["production", True], operation, world.resolve(params))
    assert outcome == "refused:RequestError"


def test_expiring_again_with_the_same_past_time_is_accepted(clients, worlds):
    # The implicit token guards only future dates: cleanup loops repeat ExpireAt=0.
    world = worlds.get()
    params = world.resolve({"HITId": Ref("hit", "done"), "ExpireAt": 0})
    assert attempt(world, clients["production", True], "UpdateExpirationForHIT", params) == (
        "accepted"
    )


HIT_BASICS = {
    "Title": "t",
    "Description": "d",
    "Reward": "0.10",
    "LifetimeInSeconds": 60,
    "AssignmentDurationInSeconds": 60,
}


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateHIT", {**HIT_BASICS, "Question": "\ud800"}),
        ("CreateHIT", {**HIT_BASICS, "Question": HTML.replace("<title>t", "<title>\ud800")}),
        (
            "CreateHITWithHITType",
            {"HITTypeId": Ref("hit_type", "plain"), "LifetimeInSeconds": 60, "Question": "\udfff"},
        ),
        (
            "CreateQualificationType",
            {
                "Name": "n",
                "Description": "d",
                "QualificationTypeStatus": "Active",
                "Test": TEST.replace("Pick", "P\ud800"),
                "TestDurationInSeconds": 30,
            },
        ),
        (
            "CreateQualificationType",
            {
                "Name": "n",
                "Description": "d",
                "QualificationTypeStatus": "Active",
                "Test": TEST,
                "AnswerKey": "\ud800",
                "TestDurationInSeconds": 30,
            },
        ),
        (
            "UpdateQualificationType",
            {
                "QualificationTypeId": Ref("qual_type", "tested"),
                "Test": "\ud800",
                "TestDurationInSeconds": 30,
            },
        ),
    ],
    ids=[
        "CreateHIT-Question",
        "CreateHIT-HTMLQuestion",
        "CreateHITWithHITType-Question",
        "CreateQualificationType-Test",
        "CreateQualificationType-AnswerKey",
        "UpdateQualificationType-Test",
    ],
)
def test_a_lone_surrogate_in_an_xml_member_gets_a_service_error(clients, worlds, operation, params):
    # JSON can carry "\ud800", which no UTF-8 encoder accepts: it is not XML.
    world = worlds.get()
    outcome = attempt(world, clients["production", True], operation, world.resolve(params))
    assert outcome.startswith("refused:")
