"""A whole workload: 10,000 HITs with 3 assignments each, worked and approved.

The requester creates the HITs through boto3, simulated workers accept, answer
and submit every assignment, and the requester lists each HIT's submitted work
and approves it through boto3: 10,000 ``create_hit``, 10,000
``list_assignments_for_hit`` and 30,000 ``approve_assignment`` calls, and
30,000 worker actions of each kind. Reported: the run's CPU time as a ratio to
the same number of boto3 calls answered by botocore's Stubber (the floor of the
requester's side alone), the part of it the workers take, and the memory kept
per HIT, for the call log kept whole and kept to its last 1,000 calls
(``keep_calls``).

    python benchmarks/bench_workload.py            # 10,000 HITs
    python benchmarks/bench_workload.py --hits 1000 --quick
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
import tracemalloc
from typing import Any

from bench_calls import HIT_ARGS, _client, _strip
from botocore.stub import Stubber

from pytest_mturk import mturk_sim

ASSIGNMENTS = 3
WORKERS = [f"A{n:013d}" for n in range(ASSIGNMENTS * 10)]


def _work(hits: int, settings: dict[str, Any], measure_memory: bool) -> dict[str, float]:
    """Run the workload once; CPU seconds in all and in the workers' actions, bytes kept."""
    gc.collect()
    if measure_memory:
        tracemalloc.start()
    start = time.process_time()
    in_workers = 0.0
    with mturk_sim(seed="workload", **settings) as sim:
        client = _client()
        args = {**HIT_ARGS, "MaxAssignments": ASSIGNMENTS}
        for n in range(hits):
            hit_id = client.create_hit(**args)["HIT"]["HITId"]
            began = time.process_time()
            for k in range(ASSIGNMENTS):
                worker = sim.worker(WORKERS[(n + k * 7) % len(WORKERS)])
                worker.submit(worker.accept(hit_id), {"label": "cat"})
            in_workers += time.process_time() - began
            listed = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
            for assignment in listed:
                client.approve_assignment(AssignmentId=assignment["AssignmentId"])
        total = time.process_time() - start
        kept = tracemalloc.get_traced_memory()[0] if measure_memory else 0
        if measure_memory:
            tracemalloc.stop()
        assert len(sim.hits) == hits
    return {"total": total, "workers": in_workers, "kept": kept}


def _stubbed(hits: int) -> float:
    """CPU seconds for the same boto3 calls answered by a Stubber (shared answers)."""
    client = _client()
    with mturk_sim(seed="workload") as sim:
        real = _client()
        created = _strip(real.create_hit(**{**HIT_ARGS, "MaxAssignments": ASSIGNMENTS}))
        hit_id = created["HIT"]["HITId"]
        worker = sim.worker(WORKERS[0])
        worker.submit(worker.accept(hit_id), {"label": "cat"})
        listed = _strip(real.list_assignments_for_hit(HITId=hit_id))
        assignment_id = listed["Assignments"][0]["AssignmentId"]
    stubber = Stubber(client)
    stubber.activate()
    start = time.process_time()
    for _ in range(hits):
        stubber.add_response("create_hit", created)
        client.create_hit(**{**HIT_ARGS, "MaxAssignments": ASSIGNMENTS})
        stubber.add_response("list_assignments_for_hit", listed)
        client.list_assignments_for_hit(HITId=hit_id)
        for _ in range(ASSIGNMENTS):
            stubber.add_response("approve_assignment", {})
            client.approve_assignment(AssignmentId=assignment_id)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="skip the memory measurement")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(f"{args.hits:,} HITs x {ASSIGNMENTS} assignments; ratios to the Stubber's CPU time\n")
    floor = _stubbed(args.hits)
    print(f"{'call log':<22}{'run':>8}{'workers':>10}{'KB per HIT':>12}")
    for name, settings in (("kept whole", {}), ("last 1,000 calls", {"keep_calls": 1000})):
        run = _work(args.hits, settings, measure_memory=False)
        kept = 0.0 if args.quick else _work(args.hits, settings, True)["kept"] / args.hits / 1024
        memory = "-" if args.quick else f"{kept:.1f}"
        print(f"{name:<22}{run['total'] / floor:>7.2f}x{run['workers'] / floor:>9.2f}x{memory:>12}")


if __name__ == "__main__":
    main()
