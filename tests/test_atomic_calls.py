"""Atomic calls: an operation applies whole or not at all.

An unexpected error in the middle of a call leaves the simulator exactly as it was
(both worlds, money, events, schedule, ID streams, notifications...), the caller
gets the service's ServiceFault, and the error is not swallowed: the simulator's
``stop()`` (so the ``mturk`` fixture) fails with it, traceback and all. Listeners,
review-policy hooks and scheduled transitions fail on their own: their part is
undone, the rest stands.

The property test runs random sequences of calls and worker actions, makes the
k-th journaled write of one of them raise, and checks a full structural dump of
the simulator against the one taken before, then that every later step answers
exactly as in a run where the failed step never happened. ``HYPOTHESIS_PROFILE=long``
(a later CI step) runs more of them; every run is the same.
"""

from __future__ import annotations

import os
import random
import textwrap
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import EXTERNAL_QUESTION
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from state_dump import differences, dump

from pytest_mturk import InternalError, WorkerActionError, journal, lifecycle, mturk_sim
from pytest_mturk.containers import JDict, JList, JSet
from pytest_mturk.ids import Stream
from pytest_mturk.journal import atomic
from pytest_mturk.model import AssignmentStatus, Worker

START = "2024-05-01T09:00:00+00:00"
LONG = os.environ.get("HYPOTHESIS_PROFILE") in ("long", "nightly")
HIT_ARGS: dict[str, Any] = {
    "Title": "Label an image",
    "Description": "Say what it shows",
    "Reward": "0.50",
    "LifetimeInSeconds": 3600,
    "MaxAssignments": 2,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 86400,
    "Question": EXTERNAL_QUESTION,
}
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/atomic-events"


class Boom(Exception):
    """A bug planted in the simulator's machinery."""


def _boom(*args: Any, **kwargs: Any) -> None:
    raise Boom("planted in the middle of the operation")


def _client(environment: str = "production"):
    region = "us-east-1" if environment == "production" else "sandbox"
    return boto3.client(
        "mturk",
        region_name=region,
        aws_access_key_id="AKIDATOMIC000000",
        aws_secret_access_key="secret",
    )


def _submitted(sim, client, worker_id: str = "A1ATOMICW0RKER") -> tuple[str, str]:
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    worker = sim.worker(worker_id)
    assignment_id = worker.accept(hit_id)
    worker.submit(assignment_id, {"label": "cat"})
    return hit_id, assignment_id


# -- ApproveAssignment failing midway ---------------------------------------------------


def test_an_approval_that_fails_midway_leaves_everything_as_it_was(monkeypatch):
    sim = mturk_sim(seed="atomic", start=START, balance="100.00").start()
    try:
        client = _client()
        hit_id, assignment_id = _submitted(sim, client)
        # Everything but the request-ID stream, which the failed call's answer draws from.
        before = dump(sim, frozenset({"_requests"}))
        requests = sim._service.ids._requests.words
        events, balance = len(sim.events), sim.production.balance
        # The assignment is marked Approved, then paying the worker fails.
        monkeypatch.setattr(lifecycle, "_pay_assignment", _boom)

        with pytest.raises(ClientError) as info:
            client.approve_assignment(AssignmentId=assignment_id)

        error = info.value.response
        assert error["Error"]["Code"] == "ServiceFault"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert isinstance(info.value, client.exceptions.ServiceFault)
        assert differences(before, dump(sim, frozenset({"_requests"}))) == []
        assert sim._service.ids._requests.words == requests + 4  # one RequestId
        assignment = sim.assignments[assignment_id]
        assert assignment.status is AssignmentStatus.SUBMITTED
        assert assignment.approval_time is None
        assert sim.workers["A1ATOMICW0RKER"].approved == 0
        assert sim.production.balance == balance
        assert len(sim.events) == events
        assert [type(exc) for exc in sim.internal_errors] == [Boom]
        call = sim.calls[-1]
        assert call.operation == "ApproveAssignment" and call.error.type == "ServiceFault"

        # Mended, the same call works, and the world goes on as if it had never failed.
        monkeypatch.undo()
        client.approve_assignment(AssignmentId=assignment_id)
        assert sim.assignments[assignment_id].status is AssignmentStatus.APPROVED
        assert sim.production.balance == balance - Decimal("0.50") - Decimal("0.10")
        assert [entry.kind for entry in sim.production.ledger] == ["reward", "fee"]
        next_hit = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    finally:
        with pytest.raises(InternalError) as stopped:
            sim.stop()
    assert isinstance(stopped.value.__cause__, Boom)
    assert "_boom" in _frames(stopped.value.__cause__)

    # The same steps without the failure draw the same IDs.
    with mturk_sim(seed="atomic", start=START, balance="100.00") as twin:
        client = _client()
        assert _submitted(twin, client) == (hit_id, assignment_id)
        client.approve_assignment(AssignmentId=assignment_id)
        assert client.create_hit(**HIT_ARGS)["HIT"]["HITId"] == next_hit


def _frames(exc: BaseException) -> list[str]:
    names = []
    tb = exc.__traceback__
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return names


def test_stop_raises_the_original_error_as_the_cause(monkeypatch):
    sim = mturk_sim(seed="atomic").start()
    client = _client("sandbox")
    _, assignment_id = _submitted(sim, client)
    monkeypatch.setattr(lifecycle, "_pay_assignment", _boom)
    with pytest.raises(client.exceptions.ServiceFault):
        client.approve_assignment(AssignmentId=assignment_id)
    with pytest.raises(InternalError, match="Boom") as info:
        sim.stop()
    cause = info.value.__cause__
    assert isinstance(cause, Boom)
    # The traceback reaches from the handler down to where it broke.
    frames = _frames(cause)
    assert frames[-2:] == ["approve", "_boom"]  # lifecycle.approve, paying the worker
    assert "approve_assignment" in frames


def test_the_fixture_fails_the_test_with_the_original_traceback(pytester):
    pytester.makepyfile(
        textwrap.dedent(
            f"""
            import boto3
            from pytest_mturk import lifecycle

            QUESTION = {EXTERNAL_QUESTION!r}


            def paying_fails(*args, **kwargs):
                raise ZeroDivisionError("the ledger broke")


            def test_approve(mturk, monkeypatch):
                client = boto3.client("mturk", region_name="us-east-1")
                hit = client.create_hit(
                    Title="t", Description="d", Reward="0.50", MaxAssignments=1,
                    LifetimeInSeconds=600, AssignmentDurationInSeconds=60, Question=QUESTION,
                )["HIT"]
                worker = mturk.worker("A1FIXTUREW0RK")
                assignment = worker.accept(hit["HITId"])
                worker.submit(assignment, {{"label": "cat"}})
                monkeypatch.setattr(lifecycle, "_pay_assignment", paying_fails)
                try:
                    client.approve_assignment(AssignmentId=assignment)
                except client.exceptions.ServiceFault:
                    pass
                assert mturk.assignments[assignment].status.value == "Submitted"
            """
        )
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_approve*",
            "*def paying_fails(*",
            '>*raise ZeroDivisionError("the ledger broke")',
            "E*ZeroDivisionError: the ledger broke",
            "*The above exception was the direct cause of the following exception*",
            "*InternalError: The simulator caught 1 exception(s)*",
        ]
    )


# -- parts that fail on their own --------------------------------------------------------


def test_a_listener_that_fails_undoes_only_its_own_changes():
    with mturk_sim(seed="atomic") as sim:
        client = _client("sandbox")
        service = sim._service

        def meddle(state, event):
            worker = state.workers.setdefault("A9MEDDLER", Worker("A9MEDDLER"))
            worker.approved += 5
            state.blocks["A9MEDDLER"] = "meddled"
            state.balance -= Decimal("1.00")
            raise Boom(event.event_type)

        service.listen(meddle, ["HITCreated"])
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        state = sim.sandbox._state
        assert hit_id in sim.hits  # the call itself stands
        assert [event.event_type for event in sim.events] == ["HITCreated"]
        assert "A9MEDDLER" not in state.blocks and "A9MEDDLER" not in state.workers
        assert state.balance == Decimal("10000.00")
        assert [str(exc) for exc in sim.internal_errors] == ["HITCreated"]
        service.internal_errors.clear()


def test_a_review_hook_that_fails_leaves_the_submission_standing():
    with mturk_sim(seed="atomic") as sim:
        client = _client("sandbox")
        service = sim._service

        def approve_then_fail(svc, state, hit, assignment, now):
            lifecycle.approve(svc, state, assignment, "auto", now)
            raise Boom("after approving")

        service.submit_hooks.append(approve_then_fail)
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        worker = sim.worker("A1HOOKW0RKER")
        assignment_id = worker.accept(hit_id)
        worker.submit(assignment_id, {"label": "cat"})
        assignment = sim.assignments[assignment_id]
        assert assignment.status is AssignmentStatus.SUBMITTED
        assert assignment.requester_feedback is None
        assert sim.hits[hit_id].approved == 0 and sim.hits[hit_id].submitted == 1
        assert sim.workers["A1HOOKW0RKER"].approved == 0
        assert "AssignmentApproved" not in [event.event_type for event in sim.events]
        # Auto-approval is still scheduled: the submission went on after the hook.
        sim.advance(seconds=HIT_ARGS["AutoApprovalDelayInSeconds"])
        assert sim.assignments[assignment_id].status is AssignmentStatus.APPROVED
        assert [type(exc) for exc in sim.internal_errors] == [Boom]
        service.internal_errors.clear()


def test_a_scheduled_transition_that_fails_is_undone_alone(monkeypatch):
    with mturk_sim(seed="atomic", start=START, balance="100.00") as sim:
        client = _client()
        _, first = _submitted(sim, client, "A1FIRSTW0RKER")
        other = client.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 7200})["HIT"]["HITId"]
        balance = sim.production.balance
        monkeypatch.setattr(lifecycle, "_pay_assignment", _boom)
        sim.advance(days=1)  # the auto-approval fails midway; the expiry still happens
        assert sim.assignments[first].status is AssignmentStatus.SUBMITTED
        assert sim.workers["A1FIRSTW0RKER"].approved == 0
        assert sim.production.balance == balance
        assert sim.hits[other].status.value == "Reviewable"
        assert [type(exc) for exc in sim.internal_errors] == [Boom]
        # It was used up: time moving on does not run it again.
        monkeypatch.undo()
        sim.advance(days=1)
        assert sim.assignments[first].status is AssignmentStatus.SUBMITTED
        sim._service.internal_errors.clear()


def test_a_worker_action_that_fails_midway_changes_nothing(monkeypatch):
    with mturk_sim(seed="atomic") as sim:
        client = _client("sandbox")
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        worker = sim.worker("A1SUBMITW0RKER")
        assignment_id = worker.accept(hit_id)
        before = dump(sim)
        monkeypatch.setattr(lifecycle, "refresh", _boom)
        with pytest.raises(Boom):
            worker.submit(assignment_id, {"label": "cat"})
        assert differences(before, dump(sim)) == []
        monkeypatch.undo()
        worker.submit(assignment_id, {"label": "cat"})
        assert sim.assignments[assignment_id].status is AssignmentStatus.SUBMITTED
        assert sim.internal_errors == []  # raised to the caller: nothing kept for stop()


def test_a_refused_worker_action_leaves_no_worker_record_behind():
    with mturk_sim(seed="atomic") as sim:
        client = _client("sandbox")
        hit_id = client.create_hit(**{**HIT_ARGS, "MaxAssignments": 1})["HIT"]["HITId"]
        sim.worker("A1TAKERW0RKER").accept(hit_id)
        before = dump(sim)
        late = sim.worker("A2LATEW0RKER")
        after_handle = dump(sim)
        with pytest.raises(WorkerActionError):
            late.accept(hit_id)
        assert differences(after_handle, dump(sim)) == []
        assert before != after_handle  # making the worker is a change of its own


# -- the pieces of the journal -------------------------------------------------------------

SMALL = settings(max_examples=500 if LONG else 100, derandomize=True, database=None, deadline=None)

CONTAINER_OPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "del", "pop", "setdefault", "update", "clear"]), st.integers(0, 6)
    ),
    max_size=12,
)


@SMALL
@given(start=st.dictionaries(st.integers(0, 6), st.integers()), ops=CONTAINER_OPS)
def test_a_failed_transaction_leaves_a_dict_as_it_was_in_its_order(start, ops):
    mapping = JDict(start)
    before = list(mapping.items())
    with pytest.raises(Boom), atomic():
        for op, key in ops:
            if op == "set":
                mapping[key] = key * 10
            elif op == "del" and key in mapping:
                del mapping[key]
            elif op == "pop":
                mapping.pop(key, None)
            elif op == "setdefault":
                mapping.setdefault(key, -key)
            elif op == "update":
                mapping.update({key: 1, key + 1: 2})
            elif op == "clear":
                mapping.clear()
        raise Boom
    assert list(mapping.items()) == before


@SMALL
@given(
    start=st.lists(st.integers(0, 9), max_size=6),
    ops=st.lists(
        st.tuples(
            st.sampled_from(["append", "extend", "insert", "pop", "setitem", "delitem", "sort"]),
            st.integers(0, 9),
        ),
        max_size=12,
    ),
    sets=st.lists(
        st.tuples(st.sampled_from(["add", "discard", "update", "pop"]), st.integers(0, 9))
    ),
)
def test_a_failed_transaction_leaves_lists_and_sets_as_they_were(start, ops, sets):
    items, bag = JList(start), JSet(start)
    before_items, before_bag = list(items), set(bag)
    with pytest.raises(Boom), atomic():
        for op, value in ops:
            if op == "append":
                items.append(value)
            elif op == "extend":
                items.extend([value, value])
            elif op == "insert":
                items.insert(value, value)
            elif items and op == "pop":
                items.pop(value % len(items))
            elif items and op == "setitem":
                items[value % len(items)] = -value
            elif items and op == "delitem":
                del items[: value % len(items)]
            elif op == "sort":
                items.sort(reverse=True)
        for op, value in sets:
            if op == "add":
                bag.add(value)
            elif op == "discard":
                bag.discard(value)
            elif op == "update":
                bag.update({value, value + 1})
            elif bag:
                bag.pop()
        raise Boom
    assert list(items) == before_items and set(bag) == before_bag


@SMALL
@given(
    before=st.integers(0, 700),
    failed=st.lists(st.sampled_from([1, 4, 5, 8, 700]), min_size=1, max_size=4),
    after=st.integers(1, 30),
)
def test_a_failed_transaction_rewinds_an_id_stream_exactly(before, failed, after):
    stream, reference = Stream("ids:rewind"), random.Random("ids:rewind")
    for _ in range(before):
        stream.bits(32)
        reference.getrandbits(32)
    with pytest.raises(Boom), atomic():
        for words in failed:  # perhaps across the 624-word blocks of the generator
            stream.bits(32 * words - 16)
        raise Boom
    assert stream.words == before
    assert stream.getstate() == reference.getstate()
    assert [stream.bits(240) for _ in range(after)] == [
        reference.getrandbits(240) for _ in range(after)
    ]


def test_a_savepoint_undoes_only_its_own_part():
    items, mapping = JList([1]), JDict({"a": 1})
    with atomic():
        items.append(2)
        mapping["b"] = 2
        with pytest.raises(Boom), atomic():
            items.append(3)
            mapping["a"] = 100
            del mapping["b"]
            raise Boom
        assert items == [1, 2] and mapping == {"a": 1, "b": 2}
        items.append(4)
    assert items == [1, 2, 4] and journal.current.log is None


# -- random sequences, one write made to fail ---------------------------------------------

WORKERS = ["A1RANDOMW0RK01", "A2RANDOMW0RK02", "A3RANDOMW0RK03"]
ENVIRONMENTS = ["production", "sandbox"]
KNOWN_ANSWERS = {
    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
    "Parameters": [
        {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["cat"]}]},
        {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfKnownAnswerScoreIsLessThan", "Values": ["100"]},
    ],
}
PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        {"Key": "QuestionIds", "Values": ["label"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        {"Key": "DisregardAssignmentIfRejected", "Values": ["true"]},
        {"Key": "ExtendIfHITAgreementScoreIsLessThan", "Values": ["100"]},
        {"Key": "ExtendMaximumAssignments", "Values": ["4"]},
        {"Key": "ExtendMinimumTimeInSeconds", "Values": ["3600"]},
    ],
}
index = st.integers(0, 40)
STEPS = st.one_of(
    st.tuples(
        st.just("create"),
        st.sampled_from(ENVIRONMENTS),
        st.integers(1, 3),
        st.sampled_from(["0.00", "0.50", "7.00"]),
        st.sampled_from([0, 60, 86400]),
        st.sampled_from([None, "known", "plurality"]),
    ),
    st.tuples(st.just("accept"), st.integers(0, 2), index),
    st.tuples(st.just("submit"), index, st.sampled_from(["cat", "dog"])),
    st.tuples(st.sampled_from(["return", "approve", "reject", "override"]), index),
    st.tuples(st.just("bonus"), index, st.sampled_from(["0.25", "80.00"])),
    st.tuples(st.just("extend"), index, st.integers(1, 2)),
    st.tuples(st.just("expire"), index, st.sampled_from([-10, 600, 7200])),
    st.tuples(st.sampled_from(["review", "delete", "notifications", "read"]), index),
    st.tuples(st.just("advance"), st.sampled_from([61, 3601, 86401])),
    st.tuples(st.sampled_from(["qualify", "block", "unblock", "message"]), st.integers(0, 2)),
    st.tuples(st.just("request"), st.integers(0, 2)),
    st.tuples(st.just("test_event")),
)


class Tripwire(list):  # type: ignore[type-arg]
    """A transaction's journal that makes its k-th write (at the call's own level) raise."""

    __slots__ = ("counter",)

    def append(self, entry: Any) -> None:
        if not journal.current.depth:
            self.counter[0] += 1
            if self.counter[0] == self.counter[1]:
                raise Boom("the planted failure")
        list.append(self, entry)


class Run:
    """One simulator driven through the steps: failing one write, skipping a step, or counting."""

    def __init__(self, steps, *, fail: tuple[int, int] | None = None, skip: int | None = None):
        self.steps, self.fail, self.skip = steps, fail, skip
        self.outcomes: list[Any] = []
        self.writes: list[int] = []
        self.hits: list[tuple[str, str]] = []
        self.assignments: list[tuple[str, str]] = []
        self.around_failure: tuple[Any, Any] | None = None
        self.sim = mturk_sim(seed="random-atomic", start=START, balance="60.00")
        with self.sim:
            service = self.sim._service
            self.clients = {env: _client(env) for env in ENVIRONMENTS}
            self.workers = [self.sim.worker(worker_id) for worker_id in WORKERS]
            self.sim.register_destination(QUEUE)
            self.qualification = self.clients["production"].create_qualification_type(
                Name="Seen the task",
                Description="d",
                QualificationTypeStatus="Active",
                AutoGranted=True,
            )["QualificationType"]["QualificationTypeId"]
            for number, step in enumerate(steps):
                _ = self.sim.now  # transitions due before the step run outside it
                if number == self.skip:
                    if step[0] not in ("accept", "submit", "return", "advance", "request"):
                        service.ids.request_id()  # the ServiceFault's own RequestId
                    self.outcomes.append("skipped")
                    continue
                counter = [0, fail[1] if fail is not None and fail[0] == number else 0]

                def tripwire(counter=counter) -> Tripwire:
                    made = Tripwire()
                    made.counter = counter
                    return made

                before = dump(self.sim) if counter[1] else None
                original, journal.new_journal = journal.new_journal, tripwire
                try:
                    self.outcomes.append(self.execute(step))
                except Boom:
                    self.outcomes.append("failed")
                finally:
                    journal.new_journal = original
                self.writes.append(counter[0])
                if before is not None:
                    self.around_failure = (before, dump(self.sim, frozenset({"_requests"})))
                    self.before_failure_requests = before
                    self.failure_errors = list(service.internal_errors)
            self.final = dump(self.sim)
            service.internal_errors.clear()

    def call(self, environment: str, operation: str, **params: Any) -> Any:
        try:
            response = getattr(self.clients[environment], operation)(**params)
        except ClientError as exc:
            return ("error", exc.response["Error"]["Code"], exc.response["Error"]["Message"])
        response.pop("ResponseMetadata")
        return ("ok", response)

    def act(self, action, *args: Any) -> Any:
        try:
            return ("ok", action(*args))
        except WorkerActionError as exc:
            return ("refused", str(exc))

    def _pick(self, items: list[Any], number: int) -> Any:
        return items[number % len(items)] if items else None

    def execute(self, step) -> Any:  # noqa: C901 - one branch per kind of step
        kind, *args = step
        if kind == "create":
            environment, count, reward, delay, policy = args
            extra: dict[str, Any] = {}
            if policy == "known":
                extra["AssignmentReviewPolicy"] = KNOWN_ANSWERS
            elif policy == "plurality":
                extra["HITReviewPolicy"] = PLURALITY
            outcome = self.call(
                environment,
                "create_hit",
                **{
                    **HIT_ARGS,
                    "MaxAssignments": count,
                    "Reward": reward,
                    "AutoApprovalDelayInSeconds": delay,
                    **extra,
                },
            )
            if outcome[0] == "ok":
                self.hits.append((environment, outcome[1]["HIT"]["HITId"]))
            return outcome
        if kind in ("accept", "request", "qualify", "block", "unblock", "message"):
            worker = self.workers[args[0]]
            if kind == "accept":
                picked = self._pick(self.hits, args[1])
                if picked is None:
                    return None
                outcome = self.act(worker.accept, picked[1])
                if outcome[0] == "ok":
                    self.assignments.append((picked[0], outcome[1]))
                return outcome
            if kind == "request":
                return self.act(
                    lambda: worker.request_qualification(self.qualification).status.value
                )
            client = "production"
            if kind == "qualify":
                return self.call(
                    client,
                    "associate_qualification_with_worker",
                    QualificationTypeId=self.qualification,
                    WorkerId=worker.worker_id,
                    IntegerValue=args[0],
                    SendNotification=False,
                )
            if kind == "block":
                return self.call(
                    client, "create_worker_block", WorkerId=worker.worker_id, Reason="r"
                )
            if kind == "unblock":
                return self.call(client, "delete_worker_block", WorkerId=worker.worker_id)
            return self.call(
                client,
                "notify_workers",
                Subject="s",
                MessageText="m",
                WorkerIds=[worker.worker_id],
            )
        if kind == "advance":
            self.sim.advance(seconds=args[0])
            return None
        if kind == "test_event":
            return self.call(
                "production",
                "send_test_event_notification",
                Notification={
                    "Destination": QUEUE,
                    "Transport": "SQS",
                    "Version": "2014-08-15",
                    "EventTypes": ["AssignmentSubmitted"],
                },
                TestEventType="AssignmentSubmitted",
            )
        if kind in ("submit", "return", "approve", "reject", "override", "bonus"):
            picked = self._pick(self.assignments, args[0])
            if picked is None:
                return None
            environment, assignment_id = picked
            record = self.sim.assignments.get(assignment_id)
            worker = self.workers[WORKERS.index(record.worker_id)]
            if kind == "submit":
                return self.act(worker.submit, assignment_id, {"label": args[1]})
            if kind == "return":
                return self.act(worker.return_, assignment_id)
            if kind == "approve":
                return self.call(environment, "approve_assignment", AssignmentId=assignment_id)
            if kind == "override":
                return self.call(
                    environment,
                    "approve_assignment",
                    AssignmentId=assignment_id,
                    OverrideRejection=True,
                )
            if kind == "reject":
                return self.call(
                    environment,
                    "reject_assignment",
                    AssignmentId=assignment_id,
                    RequesterFeedback="no",
                )
            return self.call(
                environment,
                "send_bonus",
                WorkerId=record.worker_id,
                AssignmentId=assignment_id,
                BonusAmount=args[1],
                Reason="thanks",
            )
        picked = self._pick(self.hits, args[0])
        if picked is None:
            return None
        environment, hit_id = picked
        if kind == "extend":
            return self.call(
                environment,
                "create_additional_assignments_for_hit",
                HITId=hit_id,
                NumberOfAdditionalAssignments=args[1],
            )
        if kind == "expire":
            expire_at = max(0, int(self.sim.now.timestamp()) + args[1])
            return self.call(
                environment, "update_expiration_for_hit", HITId=hit_id, ExpireAt=expire_at
            )
        if kind == "review":
            return self.call(environment, "update_hit_review_status", HITId=hit_id)
        if kind == "delete":
            return self.call(environment, "delete_hit", HITId=hit_id)
        if kind == "notifications":
            hit_type = self.sim.hits[hit_id].hit_type.hit_type_id
            return self.call(
                environment,
                "update_notification_settings",
                HITTypeId=hit_type,
                Notification={
                    "Destination": QUEUE,
                    "Transport": "SQS",
                    "Version": "2014-08-15",
                    "EventTypes": ["AssignmentSubmitted", "AssignmentApproved", "HITReviewable"],
                },
                Active=True,
            )
        return (
            self.call(environment, "get_hit", HITId=hit_id),
            self.call(environment, "list_assignments_for_hit", HITId=hit_id),
        )


def check_failures(steps, failing: int, writes: list[int]) -> None:
    """Make each of ``writes`` (write numbers) of step ``failing`` fail in a run of its own;
    each time the state right after is the state right before, and every later step
    answers as in a run without the failed step."""
    skipped = Run(steps, skip=failing)
    for k in writes:
        failed = Run(steps, fail=(failing, k))
        outcome = failed.outcomes[failing]
        where = f"step {failing} {steps[failing]}, write {k}"
        assert outcome == "failed" or (
            outcome[:2] == ("error", "ServiceFault") and _FAULT in outcome[2]
        ), where
        before, after = failed.around_failure
        assert differences(dump_without_requests(before), after) == [], where
        expected = [] if outcome == "failed" else [Boom]
        assert [type(exc) for exc in failed.failure_errors] == expected, where
        assert failed.outcomes[failing + 1 :] == skipped.outcomes[failing + 1 :], where
        assert differences(skipped.final, failed.final) == [], where


@settings(
    max_examples=200 if LONG else 15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_step_that_fails_at_any_write_leaves_no_trace(data):
    first = ("create", "production", 2, "0.50", 60, None)
    steps = [first, *data.draw(st.lists(STEPS, min_size=1, max_size=14), label="steps")]
    counted = Run(steps)
    candidates = [
        number
        for number, (step, writes) in enumerate(zip(steps, counted.writes, strict=True))
        if writes and step[0] != "advance"
    ]
    failing = data.draw(st.sampled_from(candidates), label="failing step")
    total = counted.writes[failing]
    # Every write of the step when there are few; otherwise the first, the last and some.
    chosen = set(data.draw(st.lists(st.integers(1, total), max_size=4), label="writes"))
    writes = sorted({1, total} | chosen if total > 6 else set(range(1, total + 1)))
    assert failed_runs_agree(counted, steps, failing)
    check_failures(steps, failing, writes)


def failed_runs_agree(counted: Run, steps, failing: int) -> bool:
    """A run that fails nothing answers like the counting run (the runs are deterministic)."""
    again = Run(steps, fail=(failing, counted.writes[failing] + 1))
    return again.outcomes == counted.outcomes and again.final == counted.final


# A lifecycle with something of everything: every write of every step is made to fail.
SCRIPT = [
    ("create", "production", 2, "0.50", 0, "known"),
    ("notifications", 0),
    ("create", "production", 2, "0.50", 86400, "plurality"),
    ("accept", 0, 0),
    ("accept", 1, 0),
    ("submit", 0, "cat"),
    ("submit", 1, "dog"),
    ("accept", 0, 1),
    ("accept", 1, 1),
    ("submit", 2, "cat"),
    ("submit", 3, "dog"),
    ("override", 1),
    ("bonus", 0, "0.25"),
    ("accept", 2, 1),
    ("return", 4),
    ("extend", 1, 1),
    ("expire", 1, -10),
    ("review", 0),
    ("qualify", 1),
    ("request", 2),
    ("block", 0),
    ("message", 2),
    ("test_event",),
    ("advance", 86401),
    ("delete", 0),
]


@pytest.mark.parametrize("failing", range(len(SCRIPT)))
def test_every_write_of_a_lifecycle_can_fail_alone(failing):
    counted = Run(SCRIPT)
    if not counted.writes[failing] or SCRIPT[failing][0] == "advance":
        pytest.skip("this step writes nothing of its own")
    check_failures(SCRIPT, failing, list(range(1, counted.writes[failing] + 1)))


_FAULT = "We are temporarily unable to process your request. Try your call again."


def dump_without_requests(taken: Any) -> Any:
    """A dump taken in full, with the request-ID stream's position left out (the failed
    call's own answer draws a RequestId after the undo)."""
    service, workers = taken
    return (_drop_field(service, "_requests"), workers)


def _drop_field(value: Any, name: str) -> Any:
    if not isinstance(value, tuple):
        return value
    if (
        len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], tuple)
        and all(isinstance(item, tuple) and len(item) == 2 for item in value[1])
        and all(isinstance(item[0], str) for item in value[1])
    ):
        return (value[0], tuple((k, _drop_field(v, name)) for k, v in value[1] if k != name))
    return tuple(_drop_field(item, name) for item in value)
