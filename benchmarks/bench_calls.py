"""Per-call cost of simulated MTurk calls, as a ratio to botocore's Stubber.

Both sides go through the same real boto3 client machinery (parameter
validation, serialisation, endpoint resolution, event hooks); the Stubber
answers with a canned response equal to what the simulator returned (each
queued answer its own dicts and lists, as every parsed response has, so both
sides free what they hand out), and the ratio isolates what the simulation
adds. Rounds alternate between the two so machine noise hits both alike; the
table shows the median of the rounds' ratios.

    python benchmarks/bench_calls.py            # full run
    python benchmarks/bench_calls.py --quick    # a smoke run (CI)
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.stub import Stubber

from pytest_mturk import mturk_sim

QUESTION = (
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
    "MaxAssignments": 1,
    "Question": QUESTION,
}
TARGET = 1.3  # each call through the simulator / the same call through the Stubber
# A page as requesters write them: each HIT gets its own item, so its own Question.
HTML_PAGE = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
    '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head><body>'
    '<crowd-form><p>What does item {item} show?</p><crowd-input name="label" required>'
    "</crowd-input></crowd-form></body></html>]]></HTMLContent><FrameHeight>600</FrameHeight>"
    "</HTMLQuestion>"
)


def _strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _fresh(value: Any) -> Any:
    """A copy with its own dicts and lists, sharing the leaves (as the simulator answers)."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def _client() -> Any:
    return boto3.client(
        "mturk",
        region_name="sandbox",
        aws_access_key_id="AKIDBENCH0000000",
        aws_secret_access_key="secret",
    )


class Case:
    """One operation: how to call it, and the canned response the Stubber answers with."""

    def __init__(
        self,
        name: str,
        operation: str,
        call: Callable[[Any, int], Any],
        canned: dict[str, Any],
        prepare: Callable[[int], None] | None = None,
        target: float | None = TARGET,
    ) -> None:
        self.name = name
        self.operation = operation
        self.call = call
        self.canned = canned
        self.prepare = prepare
        self.target = target  # None: reported, not held to a target


def _cases(sim: Any, client: Any, count: int) -> list[Case]:
    # 100 HITs for list_hits, each with a submitted assignment for list_assignments.
    hits = [client.create_hit(**HIT_ARGS)["HIT"] for _ in range(100)]
    hit_id = hits[0]["HITId"]
    workers = [sim.worker(f"A{i:013d}") for i in range(4)]
    for worker in workers:
        client.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
        worker.submit(worker.accept(hit_id), {"label": "cat"})
    pending: list[str] = []
    pages: list[str] = []
    items = itertools.count()

    def prepare_pages(n: int) -> None:
        # Untimed: n questions never seen before (the service checks each one it is sent).
        pages[:] = [HTML_PAGE.format(item=next(items)) for _ in range(n)]

    def prepare_approvals(n: int) -> None:
        # Untimed: n submitted assignments, one HIT each, to approve in the timed loop.
        pending.clear()
        for i in range(n):
            hit = client.create_hit(**HIT_ARGS)["HIT"]
            worker = sim.worker(f"A9{i % 50:012d}")
            assignment = worker.accept(hit["HITId"])
            worker.submit(assignment, {"label": "dog"})
            pending.append(assignment)

    return [
        Case(
            "get_hit",
            "get_hit",
            lambda c, i: c.get_hit(HITId=hit_id),
            _strip(client.get_hit(HITId=hit_id)),
        ),
        Case(
            "create_hit",
            "create_hit",
            lambda c, i: c.create_hit(**HIT_ARGS),
            _strip(client.create_hit(**HIT_ARGS)),
        ),
        Case(
            "list_hits(MaxResults=100)",
            "list_hits",
            lambda c, i: c.list_hits(MaxResults=100),
            _strip(client.list_hits(MaxResults=100)),
        ),
        Case(
            "list_assignments_for_hit",
            "list_assignments_for_hit",
            lambda c, i: c.list_assignments_for_hit(HITId=hit_id),
            _strip(client.list_assignments_for_hit(HITId=hit_id)),
        ),
        Case(
            "approve_assignment",
            "approve_assignment",
            lambda c, i: c.approve_assignment(AssignmentId=pending[i]),
            {},
            prepare_approvals,
        ),
        Case(
            "create_hit, new HTMLQuestion",
            "create_hit",
            lambda c, i: c.create_hit(**{**HIT_ARGS, "Question": pages[i]}),
            _strip(client.create_hit(**{**HIT_ARGS, "Question": HTML_PAGE.format(item=-1)})),
            prepare_pages,
            target=None,
        ),
    ]


def _time(call: Callable[[Any, int], Any], client: Any, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        call(client, i)
    return (time.perf_counter() - start) / n


def run(rounds: int, per_round: int) -> list[tuple[str, float, float | None]]:
    results = []
    with mturk_sim(seed="bench") as sim:
        sim_client = _client()
        stub_client = _client()
        cases = _cases(sim, sim_client, per_round)
        for case in cases:
            sim_times, stub_times = [], []
            for _ in range(rounds):
                if case.prepare is not None:
                    case.prepare(per_round)
                sim_times.append(_time(case.call, sim_client, per_round))
                with Stubber(stub_client) as stubber:
                    for _ in range(per_round):
                        # Each queued answer its own object, as each parsed response is.
                        stubber.add_response(case.operation, _fresh(case.canned))
                    stub_times.append(_time(case.call, stub_client, per_round))
            # Each round's two timings are taken back to back: the median of their
            # ratios is steadier than a ratio of medians when the machine's speed drifts.
            ratios = [sim / stub for sim, stub in zip(sim_times, stub_times, strict=True)]
            results.append((case.name, statistics.median(ratios), case.target))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (a smoke run)")
    args = parser.parse_args()
    rounds, per_round = (5, 100) if args.quick else (15, 300)
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(f"{rounds} interleaved rounds x {per_round} calls; ratio = simulator / Stubber\n")
    print(f"{'call':<28}{'ratio':>8}{'target':>9}")
    for name, ratio, target in run(rounds, per_round):
        if target is None:
            print(f"{name:<28}{ratio:>7.2f}x{'-':>9}")
            continue
        mark = "" if ratio <= target else "  (over target)"
        print(f"{name:<28}{ratio:>7.2f}x{target:>8.2f}x{mark}")


if __name__ == "__main__":
    main()
