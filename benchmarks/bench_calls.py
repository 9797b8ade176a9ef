"""Per-call cost of simulated MTurk calls, as a ratio to botocore's Stubber.

The same call is made through a plain boto3 client under the simulator (which
answers on the short way, without building the request botocore would never
send) and through a client with a ``Stubber`` answering a canned response equal
to what the simulator returned. The Stubber's call goes botocore's whole way
(validation, endpoint rules, serialisation, event hooks) and does nothing else:
it is the floor of an ordinary boto3 call. Two floors are reported:

* **shared**: the Stubber hands back one shared response object, the true floor;
* **fair**: the Stubber's answer plus the cheapest correct fresh copy of it (a
  shape-directed copy of every dict and list), since the simulator must hand
  each caller objects of its own.

Each round times the three sides back to back, so machine noise hits all alike, in
two ways (``measure.py``): in blocks (a block of calls timed together, its mean call)
and call by call (each call timed on its own, the median call). The table shows the
median of the rounds' ratios, by wall time and by CPU time (this machine is noisy: CPU
time is the steadier of the two), and the range of the CPU ratios over the rounds.

The simulated calls are also made through clients a real suite has, each against
the same plain Stubber floor: one with an ``after-call`` handler of its own that
only observes (error trackers register one), one with
``Config(parameter_validation=False)`` (both answered on the short way, the
handler called as botocore calls it), and one with a ``before-call`` handler that
botocore calls before the simulator answers (it is handed the request botocore
builds, so the call goes botocore's whole way).

    python benchmarks/bench_calls.py            # full run
    python benchmarks/bench_calls.py --quick    # a smoke run (CI)
"""

from __future__ import annotations

import argparse
import itertools
import platform
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.stub import Stubber
from measure import Ratios, block, by_call, spread

from pytest_mturk import mturk_sim
from pytest_mturk.operations.shapes import Copier, copier

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
TARGET = 1.0  # each call through the simulator / the same call through the Stubber (shared)
# A page as requesters write them: each HIT gets its own item, so its own Question.
HTML_PAGE = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
    '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head><body>'
    '<crowd-form><p>What does item {item} show?</p><crowd-input name="label" required>'
    "</crowd-input></crowd-form></body></html>]]></HTMLContent><FrameHeight>600</FrameHeight>"
    "</HTMLQuestion>"
)
# A page whose structure was never seen before (an attribute name of its own), so the
# HTML5 check reads it whole rather than finding its skeleton among the clean ones.
NEW_STRUCTURE = HTML_PAGE.replace("<crowd-input name", "<crowd-input data-item-{item} name")


def _strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _client(**kwargs: Any) -> Any:
    return boto3.client(
        "mturk",
        region_name="sandbox",
        aws_access_key_id="AKIDBENCH0000000",
        aws_secret_access_key="secret",
        **kwargs,
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
        variant: str = "plain",
    ) -> None:
        self.name = name
        self.operation = operation
        self.call = call
        self.canned = canned
        self.prepare = prepare
        self.target = target  # None: reported, not held to a target
        self.variant = variant  # which kind of simulated client makes the call


def _observe(**kwargs: Any) -> None:
    """A handler of the user's that only looks (as an error tracker's does)."""


def _variant_client(variant: str) -> Any:
    """A simulated client of a kind real suites have (see the module's docstring)."""
    if variant == "no validation":
        return _client(config=Config(parameter_validation=False))
    client = _client()
    if variant == "after-call handler":
        client.meta.events.register("after-call.mturk", _observe)
    elif variant == "before-call handler":
        client.meta.events.register_first("before-call.mturk", _observe)
    return client


VARIANTS = ("after-call handler", "no validation", "before-call handler")
# Targets for them: the short way's (item 1 of the plan), and the whole way's.
VARIANT_TARGETS = {"after-call handler": 1.0, "no validation": 1.0, "before-call handler": 1.0}


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

    def prepare_structures(n: int) -> None:
        # Untimed: n pages of structures never seen before.
        pages[:] = [NEW_STRUCTURE.format(item=next(items)) for _ in range(n)]

    def prepare_approvals(n: int) -> None:
        # Untimed: n submitted assignments, one HIT each, to approve in the timed loop.
        pending.clear()
        for i in range(n):
            hit = client.create_hit(**HIT_ARGS)["HIT"]
            worker = sim.worker(f"A9{i % 50:012d}")
            assignment = worker.accept(hit["HITId"])
            worker.submit(assignment, {"label": "dog"})
            pending.append(assignment)

    plain = [
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
        ),
        Case(
            "create_hit, new page structure",
            "create_hit",
            lambda c, i: c.create_hit(**{**HIT_ARGS, "Question": pages[i]}),
            _strip(client.create_hit(**{**HIT_ARGS, "Question": NEW_STRUCTURE.format(item=-1)})),
            prepare_structures,
            target=0.6,  # the HTML5 check of a page never seen before
        ),
    ]
    for case in plain:
        if case.name == "create_hit, new HTMLQuestion":
            case.target = 0.5  # a new page of a known template
        if case.name.startswith("list_hits"):
            case.target = 0.5
    variants = [
        Case(
            f"{case.name} [{variant}]",
            case.operation,
            case.call,
            case.canned,
            case.prepare,
            VARIANT_TARGETS[variant],
            variant,
        )
        for variant in VARIANTS
        for case in plain
        if case.name in ("get_hit", "create_hit", "list_hits(MaxResults=100)")
    ]
    return plain + variants


Timing = Callable[[Callable[[Any, int], Any], Any, int], tuple[float, float]]


def _stubbed(
    case: Case, client: Any, n: int, copy: Copier | None, timing: Timing
) -> tuple[float, float]:
    """The Stubber answering ``n`` calls with one shared response (copied, if ``copy``)."""
    call = case.call
    if copy is not None:

        def call(c: Any, i: int) -> Any:
            return copy(case.call(c, i))

    with Stubber(client) as stubber:
        for _ in range(n):
            stubber.add_response(case.operation, case.canned)
        return timing(call, client, n)


# What run() gives for each case: in blocks, the ratios to the shared floor by wall and
# CPU time and to the fair floor by CPU time; call by call, to the shared floor by CPU.
MEASURES = ("block wall", "block CPU", "block fair CPU", "call CPU")


def run(
    rounds: int, per_round: int, per_call: int
) -> list[tuple[str, dict[str, Ratios], float | None]]:
    """Per case: its ratios (see MEASURES), a round at a time, and its target."""
    results = []
    with mturk_sim(seed="bench") as sim:
        sim_client = _client()
        stub_client = _client()
        clients = {"plain": sim_client, **{v: _variant_client(v) for v in VARIANTS}}
        model = stub_client.meta.service_model
        cases = _cases(sim, sim_client, per_round)
        for case in cases:
            api_name = stub_client.meta.method_to_api_mapping[case.operation]
            copy = copier(model.operation_model(api_name).output_shape)
            ratios = {measure: Ratios() for measure in MEASURES}
            client = clients[case.variant]
            for _ in range(rounds):
                # Each round's timings are taken back to back: the median of their
                # ratios is steadier than a ratio of medians when the machine's speed drifts.
                if case.prepare is not None:
                    case.prepare(per_round)
                simulated = block(case.call, client, per_round)
                shared = _stubbed(case, stub_client, per_round, None, block)
                fair = _stubbed(case, stub_client, per_round, copy, block)
                ratios["block wall"].add(simulated[0], shared[0])
                ratios["block CPU"].add(simulated[1], shared[1])
                ratios["block fair CPU"].add(simulated[1], fair[1])
                if case.prepare is not None:
                    case.prepare(per_call)
                simulated = by_call(case.call, client, per_call)
                shared = _stubbed(case, stub_client, per_call, None, by_call)
                ratios["call CPU"].add(simulated[1], shared[1])
            results.append((case.name, ratios, case.target))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (a smoke run)")
    args = parser.parse_args()
    rounds, per_round, per_call = (5, 80, 40) if args.quick else (15, 300, 150)
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(
        f"{rounds} interleaved rounds, each a block of {per_round} calls then {per_call} calls "
        "timed one by one; ratio = simulator / Stubber (shared: one shared answer; fair: "
        "plus a fresh copy of it); blocks: the mean call, by call: the median call\n"
    )
    print(
        f"{'call':<52}{'block':>8}{'(CPU)':>8}{'range':>12}{'fair':>8}"
        f"{'by call':>9}{'range':>12}{'target':>8}"
    )
    for name, ratios, target in run(rounds, per_round, per_call):
        wall, cpu = ratios["block wall"].median, ratios["block CPU"].median
        figures = (
            f"{wall:>7.2f}x{cpu:>7.2f}x{spread(ratios['block CPU'].rounds):>12}"
            f"{ratios['block fair CPU'].median:>7.2f}x"
            f"{ratios['call CPU'].median:>8.2f}x{spread(ratios['call CPU'].rounds):>12}"
        )
        if target is None:
            print(f"{name:<52}{figures}{'-':>8}")
            continue
        over = min(wall, cpu) > target or ratios["call CPU"].median > target
        print(f"{name:<52}{figures}{target:>7.2f}x{'  (over target)' if over else ''}")


if __name__ == "__main__":
    main()
