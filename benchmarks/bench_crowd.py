"""A whole workload worked by a crowd, its cost as ratios to botocore's Stubber.

10,000 HITs of 3 assignments each (made through the service, not timed) are worked to
completion by a crowd (every assignment accepted, answered and submitted through the
same rules a single worker obeys), then the requester approves every assignment
through a real boto3 client. Each part's CPU time is divided by the time the same
boto3 client takes for as many ``approve_assignment`` calls answered by botocore's
Stubber, taken in the same run: the crowd's own cost per assignment (no botocore in
it) and the approvals' cost per call, each in Stubber calls. For comparison it also
times the same work done by single workers in a loop (``sim.worker(...)``), as tests
did it before crowds, and memory per assignment with the call log bounded.

    python benchmarks/bench_crowd.py            # 10,000 HITs
    python benchmarks/bench_crowd.py --quick    # 1,000 HITs (CI)
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
import tracemalloc
from typing import Any

import boto3
from bench_calls import HIT_ARGS as CALL_ARGS
from botocore.stub import Stubber

from pytest_mturk import AssignmentStatus, mturk_sim
from pytest_mturk.core.dispatch import dispatch
from pytest_mturk.core.model import Environment

# The benchmarks' HIT, with room for a crowd: three assignments, a month to live.
HIT_ARGS: dict[str, Any] = {
    **CALL_ARGS,
    "Reward": "0.05",
    "LifetimeInSeconds": 30 * 86400,
    "MaxAssignments": 3,
}


def _client() -> Any:
    return boto3.client(
        "mturk", region_name="sandbox", aws_access_key_id="AKIDBENCH0000000",
        aws_secret_access_key="x",
    )  # fmt: skip


def _post(sim: Any, count: int) -> list[str]:
    service = sim._service
    hit_ids = []
    for _ in range(count):
        call = dispatch(service, Environment.SANDBOX, "CreateHIT", dict(HIT_ARGS)).call
        assert call.error is None, call.error
        hit_ids.append(call.response["HIT"]["HITId"])
    service.calls.clear()
    return hit_ids


def _cpu(func: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.process_time()
    result = func()
    return time.process_time() - start, result


def crowd_workload(count: int) -> dict[str, Any]:
    """CPU seconds of the crowd's run and of the approvals, and the assignments done."""
    with mturk_sim(seed="bench-crowd", keep_calls=1000) as sim:
        _post(sim, count)
        client = _client()
        crowd = sim.crowd(size=2000, arrivals=4000, seed=1)
        crowd_seconds, finished = _cpu(crowd.run_until_done)
        assert finished
        submitted = [
            a.assignment_id
            for a in sim.assignments.values()
            if a.status is AssignmentStatus.SUBMITTED
        ]
        assert len(submitted) == 3 * count, len(submitted)

        def approve() -> None:
            for assignment_id in submitted:
                client.approve_assignment(AssignmentId=assignment_id)

        approve_seconds, _ = _cpu(approve)
        assert all(a.status is AssignmentStatus.APPROVED for a in sim.assignments.values())
        summary = crowd.summary()
    return {
        "assignments": len(submitted),
        "crowd": crowd_seconds,
        "approve": approve_seconds,
        "returned": summary.totals["returned"],
        "abandoned": summary.totals["abandoned"],
        "virtual hours": (summary.end - summary.start).total_seconds() / 3600,
    }


def single_workers(count: int) -> float:
    """CPU seconds for the same work by single workers in a loop (no approvals)."""
    with mturk_sim(seed="bench-single") as sim:
        hit_ids = _post(sim, count)
        workers = [sim.worker(f"A{n:013d}") for n in range(3)]

        def work() -> None:
            for hit_id in hit_ids:
                for worker in workers:
                    worker.submit(worker.accept(hit_id), {"answer": "cat"})

        seconds, _ = _cpu(work)
    return seconds


def stubber_calls(count: int) -> float:
    """CPU seconds for ``count`` approve_assignment calls answered by the Stubber."""
    client = _client()
    with Stubber(client) as stubber:
        for _ in range(count):
            stubber.add_response("approve_assignment", {})

        def calls() -> None:
            for n in range(count):
                client.approve_assignment(AssignmentId=f"3{n:029d}")

        seconds, _ = _cpu(calls)
    return seconds


def bytes_per_assignment(count: int) -> float:
    """Memory the crowd's run adds per assignment (call log bounded)."""
    with mturk_sim(seed="bench-memory", keep_calls=1000) as sim:
        _post(sim, count)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 HITs (a smoke run)")
    parser.add_argument("--hits", type=int, default=10_000)
    args = parser.parse_args()
    count = 1_000 if args.quick else args.hits
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    run = crowd_workload(count)
    assignments = run["assignments"]
    stub = stubber_calls(assignments) / assignments
    single = single_workers(count) / assignments
    crowd, approve = run["crowd"] / assignments, run["approve"] / assignments
    print(
        f"{count:,} HITs x 3 assignments = {assignments:,} worked to completion "
        f"({run['returned']:,} returned and {run['abandoned']:,} abandoned on the way; "
        f"{run['virtual hours']:.0f} virtual hours)\n"
    )
    print(f"{'per assignment':<44}{'in Stubber calls':>17}")
    print(f"{'crowd: visit, choose, accept, answer, submit':<44}{crowd / stub:>16.2f}x")
    print(f"{'requester: approve_assignment via boto3':<44}{approve / stub:>16.2f}x")
    print(f"{'both':<44}{(crowd + approve) / stub:>16.2f}x")
    print(f"{'single workers in a loop: accept, submit':<44}{single / stub:>16.2f}x")
    total = run["crowd"] + run["approve"]
    print(
        f"\nCPU on this machine: crowd {run['crowd']:.2f} s + approvals {run['approve']:.2f} s"
        f" = {total:.2f} s (one Stubber call: {stub * 1e6:.0f} us)"
    )
    memory = bytes_per_assignment(max(count // 5, 200))
    print(f"memory: {memory:,.0f} bytes per assignment worked (call log bounded to 1,000)")


if __name__ == "__main__":
    main()
