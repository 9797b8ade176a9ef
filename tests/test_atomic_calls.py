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

import random
import textwrap
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from conftest import EXTERNAL_QUESTION
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_steps import (
    FAULT,
    HIT_ARGS,
    LONG,
    SCRIPT,
    START,
    STEPS,
    Boom,
    Run,
    boom,
    dump_without_requests,
)
from random_steps import client as _client
from state_dump import differences, dump

from pytest_mturk import InternalError, WorkerActionError, mturk_sim
from pytest_mturk.core import journal, lifecycle, payments
from pytest_mturk.core.containers import JDict, JList, JSet
from pytest_mturk.core.ids import Stream
from pytest_mturk.core.journal import atomic
from pytest_mturk.core.model import AssignmentStatus, Worker


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
        monkeypatch.setattr(payments, "pay_assignment", boom)

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
    assert "boom" in _frames(stopped.value.__cause__)

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
    monkeypatch.setattr(payments, "pay_assignment", boom)
    with pytest.raises(client.exceptions.ServiceFault):
        client.approve_assignment(AssignmentId=assignment_id)
    with pytest.raises(InternalError, match="Boom") as info:
        sim.stop()
    cause = info.value.__cause__
    assert isinstance(cause, Boom)
    # The traceback reaches from the handler down to where it broke.
    frames = _frames(cause)
    assert frames[-2:] == ["approve", "boom"]  # lifecycle.approve, paying the worker
    assert "approve_assignment" in frames


def test_the_fixture_fails_the_test_with_the_original_traceback(pytester):
    pytester.makepyfile(
        textwrap.dedent(
            f"""
            import boto3
            from pytest_mturk.core import payments

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
                monkeypatch.setattr(payments, "pay_assignment", paying_fails)
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
        monkeypatch.setattr(payments, "pay_assignment", boom)
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
        monkeypatch.setattr(lifecycle, "refresh", boom)
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
            outcome[:2] == ("error", "ServiceFault") and FAULT in outcome[2]
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


@pytest.mark.parametrize(
    "failing", [number for number, step in enumerate(SCRIPT) if step[0] != "advance"]
)
def test_every_write_of_a_lifecycle_can_fail_alone(failing):
    counted = Run(SCRIPT)
    assert counted.writes[failing], f"step {SCRIPT[failing]} changes nothing: nothing to test"
    check_failures(SCRIPT, failing, list(range(1, counted.writes[failing] + 1)))
