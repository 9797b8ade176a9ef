"""How the simulator's cost grows with its state.

For a small and a large simulator (100 and 100,000 HITs by default, each with a
submitted assignment, half of them Reviewable) it measures one ``get_hit``,
one ``list_hits`` page and one ``list_reviewable_hits`` page through a real
boto3 client, and prints large ÷ small. It also walks every page of
``list_hits`` (cost per page should not grow with the page number), times
``advance()`` over due expirations, and measures memory per HIT.

    python benchmarks/bench_scale.py             # 100 vs 100,000 HITs
    python benchmarks/bench_scale.py --large 20000
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from typing import Any

import boto3

from pytest_mturk import mturk_sim
from pytest_mturk.core.dispatch import dispatch
from pytest_mturk.core.model import Environment

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)


def _hit_args(lifetime: int) -> dict[str, Any]:
    return {
        "Title": "Label an image",
        "Description": "Say what the picture shows",
        "Reward": "0.05",
        "LifetimeInSeconds": lifetime,
        "AssignmentDurationInSeconds": 600,
        "MaxAssignments": 1,
        "Question": QUESTION,
    }


def populate(sim: Any, count: int) -> list[str]:
    """``count`` HITs, each with a submitted assignment; every other one expired (Reviewable).

    Built through the service's own operations (not boto3) to keep set-up quick.
    """
    service = sim._service
    hit_ids = []
    workers = [sim.worker(f"A{n:013d}") for n in range(50)]
    for n in range(count):
        lifetime = 60 if n % 2 else 7 * 86400
        call = dispatch(service, Environment.SANDBOX, "CreateHIT", _hit_args(lifetime)).call
        assert call.error is None, call.error
        hit_id = call.response["HIT"]["HITId"]
        worker = workers[n % len(workers)]
        worker.submit(worker.accept(hit_id), {"label": "cat"})
        hit_ids.append(hit_id)
    service.calls.clear()
    sim.advance(minutes=2)  # the short-lived half expires and becomes Reviewable
    return hit_ids


def per_call(func: Any, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    return (time.perf_counter() - start) / repeat


def _calls(client: Any, sim: Any, target: str) -> dict[str, Any]:
    """The timed calls against ``sim`` (its call log is kept from growing)."""
    log = sim._service.calls
    return {
        "get_hit": lambda: (client.get_hit(HITId=target), log.clear()),
        "list_hits page": lambda: (client.list_hits(MaxResults=100), log.clear()),
        "list_reviewable_hits page": lambda: (
            client.list_reviewable_hits(MaxResults=100),
            log.clear(),
        ),
    }


def _simulator(seed: str, count: int) -> tuple[Any, str]:
    """A stopped simulator with ``count`` HITs, and the HIT that get_hit asks for."""
    sim = mturk_sim(seed=seed)
    with sim:
        hit_ids = populate(sim, count)
    return sim, hit_ids[len(hit_ids) // 2]


def compare(small_count: int, large_count: int, repeat: int, rounds: int) -> dict[str, float]:
    """Large ÷ small per call: the median of rounds that time both back to back.

    Both simulators stay built; the large one runs throughout and the small one
    is started on top of it (the innermost simulator answers) for its half of
    each round, so a drift in the machine's speed hits both alike.
    """
    small, small_target = _simulator("scale-small", small_count)
    large, large_target = _simulator("scale-large", large_count)
    client = boto3.client(
        "mturk",
        region_name="sandbox",
        aws_access_key_id="AKIDBENCH0000000",
        aws_secret_access_key="x",
    )
    small_calls = _calls(client, small, small_target)
    large_calls = _calls(client, large, large_target)
    ratios: dict[str, list[float]] = {name: [] for name in small_calls}
    with large:
        for _ in range(rounds):
            for name in ratios:
                with small:
                    small_time = per_call(small_calls[name], repeat)
                large_time = per_call(large_calls[name], repeat)
                ratios[name].append(large_time / small_time)
    return {name: statistics.median(values) for name, values in ratios.items()}


def walk_pages(count: int) -> tuple[float, float]:
    """Seconds per page for the first and the last tenth of a full NextToken walk."""
    with mturk_sim(seed="walk") as sim:
        populate(sim, count)
        client = boto3.client("mturk", region_name="sandbox")
        times = []
        token = None
        while True:
            kwargs = {"MaxResults": 100, **({"NextToken": token} if token else {})}
            start = time.perf_counter()
            page = client.list_hits(**kwargs)
            times.append(time.perf_counter() - start)
            sim._service.calls.clear()
            token = page.get("NextToken")
            if not token:
                break
        tenth = max(1, len(times) // 10)
        return statistics.median(times[:tenth]), statistics.median(times[-tenth - 1 : -1])


def advance_cost(count: int) -> float:
    """Seconds per 10,000 expirations fired by one advance()."""
    with mturk_sim(seed="advance") as sim:
        service = sim._service
        for _ in range(count):
            dispatch(service, Environment.SANDBOX, "CreateHIT", _hit_args(60))
        service.calls.clear()
        gc.collect()
        start = time.perf_counter()
        sim.advance(minutes=2)
        elapsed = time.perf_counter() - start
        assert len(sim.sandbox._state.reviewable) == count
        return elapsed / count * 10_000


def bytes_per_hit(count: int) -> float:
    """Memory per HIT (with its assignment), beyond the question text it shares."""
    gc.collect()
    tracemalloc.start()
    with mturk_sim(seed="memory") as sim:
        before = tracemalloc.get_traced_memory()[0]
        populate(sim, count)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    ratios = compare(args.small, args.large, args.repeat, args.rounds)
    print(f"state: {args.small:,} vs {args.large:,} HITs (each with a submitted assignment)")
    print(f"{args.rounds} interleaved rounds x {args.repeat} calls; ratio = large / small\n")
    print(f"{'call':<28}{'large/small':>12}{'target':>9}")
    for name, ratio in ratios.items():
        print(f"{name:<28}{ratio:>11.2f}x{1.5:>8.2f}x")
    first, last = walk_pages(args.large)
    print(f"{'list_hits: last/first page':<28}{last / first:>11.2f}x{'~1':>9}")
    print(f"\nadvance(): {advance_cost(args.large):.3f} s per 10,000 expirations (target < 1 s)")
    per_hit = bytes_per_hit(args.large)
    print(f"memory: {per_hit:,.0f} bytes per HIT with its assignment (target < 4 KB)")


if __name__ == "__main__":
    main()
