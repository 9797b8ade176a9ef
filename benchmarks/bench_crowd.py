"""A crowd's whole workload, its cost per call as a ratio to botocore's Stubber.

N HITs of 3 assignments each (made through the service, not timed), each with a page
of its own made from one template, as requesters post a batch, are worked to
completion by a crowd: every assignment visited for, chosen, accepted, answered and
submitted through the same rules a single worker obeys. The crowd's calls are its
workers' actions (each accept, submit and return). The crowd plays ten virtual
minutes at a time; after each slice a boto3 client makes as many
``approve_assignment`` calls as the slice made, answered by botocore's Stubber (the
floor of an ordinary boto3 call), so the two are timed side by side however the
machine's speed drifts. The ratio is the crowd's CPU time per call divided by the
Stubber's. Then the requester approves every assignment through a real boto3 client
(the short way), 1,000 at a time between turns of the Stubber. Each size runs in
several rounds; the table gives the median ratio and, in brackets, the range, with
garbage collection's share of the crowd's time. It also times single workers in a
loop doing the same work (``sim.worker(...)``: accept, submit) and memory per
assignment with the call log bounded.

    python benchmarks/bench_crowd.py            # 1,000 to 30,000 HITs, 3 rounds
    python benchmarks/bench_crowd.py --quick    # 1,000 to 10,000 HITs, 2 rounds (CI)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import boto3
from bench_calls import HIT_ARGS as CALL_ARGS
from botocore.stub import Stubber

from pytest_mturk import AssignmentStatus, mturk_sim
from pytest_mturk.core.dispatch import dispatch
from pytest_mturk.core.model import Environment

# A batch's page: one template, each HIT's item in its text and attribute values.
PAGE = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
    '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head><body>'
    "<crowd-form><p>Item {item}: what does the picture show?</p><crowd-image-classifier "
    'name="label" src="https://example.com/items/{item}.jpg" header="Item {item}" '
    "categories=\"['cat', 'dog', 'bird']\"></crowd-image-classifier></crowd-form></body></html>"
    "]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>"
)
# The benchmarks' HIT, with room for a crowd: three assignments, a month to live.
HIT_ARGS: dict[str, Any] = {
    **CALL_ARGS,
    "Reward": "0.05",
    "LifetimeInSeconds": 30 * 86400,
    "MaxAssignments": 3,
}
TARGET = 1.0  # the crowd's CPU per call / one Stubber call
SIZES = (1_000, 3_000, 10_000, 30_000)
# How much virtual time the crowd plays between two turns of the Stubber (a few
# hundred of its calls at the benchmark's 4,000 arrivals an hour).
SLICE = dt.timedelta(minutes=10)


def _client() -> Any:
    return boto3.client(
        "mturk", region_name="sandbox", aws_access_key_id="AKIDBENCH0000000",
        aws_secret_access_key="x",
    )  # fmt: skip


def _post(sim: Any, count: int, first: int) -> list[str]:
    service = sim._service
    hit_ids = []
    for item in range(first, first + count):
        params = {**HIT_ARGS, "Question": PAGE.format(item=item)}
        call = dispatch(service, Environment.SANDBOX, "CreateHIT", params).call
        assert call.error is None, call.error
        hit_ids.append(call.response["HIT"]["HITId"])
    service.calls.clear()
    return hit_ids


class _Collections:
    """Time spent in garbage collection while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start


class _Floor:
    """botocore's Stubber answering ``approve_assignment``: CPU seconds and calls so far."""

    def __init__(self) -> None:
        self.client = _client()
        self.seconds = 0.0
        self.calls = 0

    def answer(self, count: int) -> None:
        """Time ``count`` calls (their answers queued first, untimed)."""
        if count <= 0:
            return
        client = self.client
        with Stubber(client) as stubber:
            for _ in range(count):
                stubber.add_response("approve_assignment", {})
            start = time.process_time()
            for n in range(count):
                client.approve_assignment(AssignmentId=f"3{n:029d}")
            self.seconds += time.process_time() - start
        self.calls += count

    @property
    def per_call(self) -> float:
        return self.seconds / self.calls


def _interleaved(
    step: Callable[[], bool], count: Callable[[], int], collections: _Collections | None = None
) -> tuple[float, int, _Floor]:
    """Run ``step`` until it says it is done, each time followed by the Stubber answering
    as many calls as it made (``count()``: calls made so far): CPU seconds, calls, floor."""
    floor = _Floor()
    seconds, made = 0.0, 0
    gc.collect()
    done = False
    while not done:
        if collections is not None:
            gc.callbacks.append(collections)
        try:
            start = time.process_time()
            done = step()
            seconds += time.process_time() - start
        finally:
            if collections is not None:
                gc.callbacks.remove(collections)
        calls = count() - made
        made += calls
        floor.answer(calls)
    return seconds, made, floor


def crowd_round(count: int, first: int) -> dict[str, float]:
    """One round at ``count`` HITs: the crowd's and the approvals' CPU per call, each
    divided by a Stubber call timed between their slices; and GC's share."""
    with mturk_sim(seed="bench-crowd", keep_calls=1000) as sim:
        _post(sim, count, first)
        crowd = sim.crowd(size=2000, arrivals=4000, seed=1)
        state = sim._service.states[Environment.SANDBOX]
        records = [state.workers[member.worker_id] for member in crowd.members]

        def crowd_calls() -> int:  # each accept, submit and return
            acted = sum(record.submitted_total + record.returned for record in records)
            return len(state.holdings) + acted

        collections = _Collections()
        crowd_seconds, calls, crowd_floor = _interleaved(
            lambda: crowd.run_until_done(within=SLICE), crowd_calls, collections
        )
        submitted = [
            a.assignment_id
            for a in sim.assignments.values()
            if a.status is AssignmentStatus.SUBMITTED
        ]
        assert len(submitted) == 3 * count, len(submitted)
        totals = crowd.summary().totals
        assert calls == totals["accepted"] + totals["submitted"] + totals["returned"]
        client = _client()
        chunks = iter(range(0, len(submitted), 1000))
        approved = 0

        def approve() -> bool:
            nonlocal approved
            start = next(chunks, None)
            for assignment_id in submitted[start : start + 1000] if start is not None else ():
                client.approve_assignment(AssignmentId=assignment_id)
                approved += 1
            return start is None or start + 1000 >= len(submitted)

        approve_seconds, approvals, approve_floor = _interleaved(approve, lambda: approved)
    return {
        "crowd": crowd_seconds / calls / crowd_floor.per_call,
        "approve": approve_seconds / approvals / approve_floor.per_call,
        "gc": collections.seconds / crowd_seconds,
        "calls": calls,
        "returned": totals["returned"],
        "abandoned": totals["abandoned"],
        "stub us": crowd_floor.per_call * 1e6,
    }


def single_workers(count: int, first: int) -> float:
    """The same work by single workers in a loop (accept, submit): CPU per call in
    Stubber calls, timed between its slices."""
    with mturk_sim(seed="bench-single") as sim:
        hit_ids = _post(sim, count, first)
        workers = [sim.worker(f"A{n:013d}") for n in range(3)]
        chunks = iter(range(0, count, 100))
        calls = 0

        def work() -> bool:
            nonlocal calls
            start = next(chunks)
            for hit_id in hit_ids[start : start + 100]:
                for worker in workers:
                    worker.submit(worker.accept(hit_id), {"label": "cat"})
                    calls += 2
            return start + 100 >= count

        seconds, made, floor = _interleaved(work, lambda: calls)
    return seconds / made / floor.per_call


def bytes_per_assignment(count: int) -> float:
    """Memory the crowd's run adds per assignment (call log bounded)."""
    with mturk_sim(seed="bench-memory", keep_calls=1000) as sim:
        _post(sim, count, 0)
        crowd = sim.crowd(size=500, arrivals=2000, seed=2)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        crowd.run_until_done()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        done = sum(1 for a in sim.assignments.values() if a.status is AssignmentStatus.SUBMITTED)
    return (after - before) / done


def _spread(values: list[float], suffix: str = "x") -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.2f}{suffix} ({low:.2f}-{high:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 10,000 HITs, 2 rounds (CI)")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    sizes = SIZES[:3] if args.quick else SIZES
    rounds = args.rounds or (2 if args.quick else 3)
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(
        f"{rounds} rounds; per call, in Stubber calls (one approve_assignment answered by "
        "botocore's Stubber, timed around each run): median (range)\n"
    )
    results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    singles: list[float] = []
    first = 0
    for _ in range(rounds):
        for size in sizes:
            results[size].append(crowd_round(size, first))
            first += size
        singles.append(single_workers(sizes[0], first))
        first += sizes[0]
    print(
        f"{'HITs':>7}{'crowd calls':>13}  {'the crowd, per call':<24}{'approvals, per call':<24}"
        f"{'GC share':<20}{'Stubber call':>12}"
    )
    worst = 0.0
    for size in sizes:
        runs = results[size]
        crowd = [run["crowd"] for run in runs]
        worst = max(worst, statistics.median(crowd))
        stub = statistics.median(run["stub us"] for run in runs)
        print(
            f"{size:>7,}{int(runs[0]['calls']):>13,}  {_spread(crowd):<24}"
            f"{_spread([run['approve'] for run in runs]):<24}"
            f"{_spread([100 * run['gc'] for run in runs], ' %'):<20}{stub:>9.0f} us"
        )
    last = results[sizes[-1]][0]
    print(
        f"\nat {sizes[-1]:,} HITs the crowd returned {int(last['returned']):,} assignments "
        f"and abandoned {int(last['abandoned']):,} on the way"
    )
    mark = "" if worst <= TARGET else "  (over target)"
    print(
        f"the crowd's worst median: {worst:.2f}x a Stubber call per call (target {TARGET}x){mark}"
    )
    print(f"single workers in a loop (accept, submit) at {sizes[0]:,} HITs: {_spread(singles)}")
    memory = bytes_per_assignment(max(sizes[0] // 5, 200))
    print(f"memory: {memory:,.0f} bytes per assignment worked (call log bounded to 1,000)")


if __name__ == "__main__":
    main()
