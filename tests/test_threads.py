"""Threads: the code under test may call MTurk from threads it starts, all at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import boto3
import pytest
from conftest import HIT_ARGS

import pytest_mturk

THREADS = 8
CALLS = 50
TIMEOUT = 120  # seconds: a deadlock fails the test instead of hanging it
# Nothing expires however often the meddling thread moves the clock.
LONG_LIVED = {
    **HIT_ARGS,
    "MaxAssignments": 2,
    "LifetimeInSeconds": 31_536_000,
    "AssignmentDurationInSeconds": 31_536_000,
    "AutoApprovalDelayInSeconds": 2_592_000,
}


def test_threads_started_by_the_code_under_test_see_the_simulator(mturk):
    seen = {}

    def work():
        seen["current"] = pytest_mturk.current()
        client = boto3.client("mturk", region_name="sandbox")
        seen["hit"] = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert seen["current"] is mturk
    assert seen["hit"] in mturk.sandbox.hits


@pytest.mark.mturk(balance="1000.00")
def test_many_threads_lose_no_update(mturk):
    client = boto3.client("mturk", region_name="us-east-1")  # production: money moves
    stop = threading.Event()
    problems: list[BaseException] = []

    def one_thread(index: int) -> list[str]:
        worker = mturk.worker(f"A{index:013d}")
        done = []
        for _ in range(CALLS):
            hit = client.create_hit(**LONG_LIVED)["HIT"]
            assignment_id = worker.accept(hit["HITId"])
            worker.submit(assignment_id, {"label": f"from {index}"})
            client.approve_assignment(AssignmentId=assignment_id)
            done.append(hit["HITId"])
        return done

    def meddle() -> None:
        # Readers and the clock, busy all the while.
        try:
            while not stop.is_set():
                dict(mturk.hits)
                list(mturk.assignments.values())
                len(mturk.calls)
                mturk.events  # noqa: B018 - a read under the lock
                client.list_hits(MaxResults=100)
                mturk.advance(seconds=1)
        except BaseException as exc:  # pragma: no cover - reported below
            problems.append(exc)

    meddler = threading.Thread(target=meddle)
    meddler.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(one_thread, index) for index in range(THREADS)]
            results = [future.result(timeout=TIMEOUT) for future in futures]
    finally:
        stop.set()
        meddler.join(TIMEOUT)
    assert not meddler.is_alive()
    assert problems == []

    hit_ids = [hit_id for done in results for hit_id in done]
    total = THREADS * CALLS
    assert len(set(hit_ids)) == total
    assert set(mturk.production.hits) == set(hit_ids)
    for hit_id in hit_ids:
        hit = client.get_hit(HITId=hit_id)["HIT"]
        assert (
            hit["NumberOfAssignmentsAvailable"],
            hit["NumberOfAssignmentsPending"],
            hit["NumberOfAssignmentsCompleted"],
        ) == (1, 0, 1)
    approved = [a for a in mturk.assignments.values() if a.status == "Approved"]
    assert len(approved) == total
    operations = [call.operation for call in mturk.calls]
    assert operations.count("CreateHIT") == total
    assert operations.count("ApproveAssignment") == total
    assert all(call.ok for call in mturk.calls)

    # Money: each approval paid 0.50 + 0.10 fee; one slot of each HIT is still reserved.
    paid = total * Decimal("0.60")
    assert mturk.production.balance == Decimal("1000.00") - paid
    assert mturk.production.reserved == paid
    assert mturk.production.available_balance == Decimal("1000.00") - 2 * paid
    assert sum(entry.amount for entry in mturk.production.ledger) == -paid


def test_a_second_simulator_cannot_start_in_another_thread_meanwhile(mturk):
    outcome: dict[str, object] = {}

    def other():
        sim = pytest_mturk.Simulator()
        try:
            sim.start()
        except pytest_mturk.UsageError as exc:
            outcome["error"] = exc
        outcome["active"] = sim.active
        outcome["current"] = pytest_mturk.current()

    thread = threading.Thread(target=other, name="other-thread")
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    message = str(outcome["error"])
    assert "started in thread 'MainThread'" in message
    assert "cannot start in thread 'other-thread'" in message
    assert outcome["active"] is False
    # The test's simulator still answers every thread, that one included.
    assert outcome["current"] is mturk
    assert pytest_mturk.current() is mturk


def test_simulators_take_turns_across_threads():
    done = []

    def one(seed: int) -> None:
        with pytest_mturk.mturk_sim(seed=seed) as sim:
            client = boto3.client("mturk", region_name="sandbox")
            hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
            done.append(hit_id in sim.sandbox.hits)

    for seed in range(3):
        thread = threading.Thread(target=one, args=(seed,))
        thread.start()
        thread.join(TIMEOUT)
    assert done == [True, True, True]
    assert pytest_mturk.current() is None


def test_simulators_nest_in_one_thread_while_others_use_them(mturk):
    with pytest_mturk.mturk_sim() as inner:
        seen = []
        thread = threading.Thread(target=lambda: seen.append(pytest_mturk.current()))
        thread.start()
        thread.join(TIMEOUT)
        assert seen == [inner]
    assert pytest_mturk.current() is mturk
