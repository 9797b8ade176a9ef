"""Cost of create_hit with the hardest HTMLQuestion pages, as a ratio to botocore's Stubber.

Each page is about 60 KB (near the service's 65,535-byte Question limit) and
built to hit what used to make the HTML5 check superlinear: one long paragraph
with quotes in it, thousands of elements left open, thousands of errors; and one
written as crowd-form pages often were, without a doctype. Every
call sends a page never seen before (its markup differs), so no cache helps.
The Stubber answers the same call with the same (shared) response or error; rounds
alternate between the two, and the table shows the median of the rounds' ratios.

    python benchmarks/bench_questions.py            # full run
    python benchmarks/bench_questions.py --quick    # a smoke run (CI)
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
from collections.abc import Callable
from typing import Any

from bench_calls import HIT_ARGS, _client, _strip
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from measure import block as _time

from pytest_mturk import mturk_sim

SIZE = 60_000
WRAPPER = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[{page}]]></HTMLContent>'
    "<FrameHeight>600</FrameHeight></HTMLQuestion>"
)


def _filled(
    head: str, unit: str, tail: str = "", start: str = "<!DOCTYPE html><body>"
) -> Callable[[int], str]:
    """Pages of ``unit`` repeated to about SIZE bytes after ``start``; item ``n`` has its
    own markup."""

    def page(n: int) -> str:
        start_n = f"{start}<i data-item{n}>"
        body = unit * ((SIZE - len(start_n) - len(head) - len(tail)) // len(unit))
        return WRAPPER.format(page=start_n + head + body + tail)

    return page


PAGES: list[tuple[str, Callable[[int], str]]] = [
    ("one 60 KB paragraph, a quote", _filled("<p>", "a plain word ", ' "the end"</p>')),
    ("60 KB of small elements", _filled("", "<div class='c'><p>Item's text</p></div>")),
    ("12,000 unclosed <div>s", _filled("", "<div>")),
    ("12,000 stray end tags", _filled("", "</x>")),
    ("10,000 <body>s (refused)", _filled("", "<body>")),
    ("attributes without spaces", _filled("<a ", "b='c'")),
    (
        "crowd-form, no doctype",
        _filled(
            "<crowd-form>",
            "<p class='item'>Item's text</p><crowd-input name='x'></crowd-input>",
            "</crowd-form>",
            start='<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>',
        ),
    ),
]


def _call(page: Callable[[int], str], first: int) -> Callable[[Any, int], Any]:
    """create_hit with pages ``first``, ``first + 1``, ...: each one new."""

    def call(client: Any, i: int) -> Any:
        try:
            return client.create_hit(**{**HIT_ARGS, "Question": page(first + i)})
        except ClientError as error:
            return error

    return call


def _queue(stubber: Stubber, answer: Any, count: int) -> None:
    for _ in range(count):
        if isinstance(answer, ClientError):
            error = answer.response["Error"]
            stubber.add_client_error("create_hit", error["Code"], error["Message"], 400)
        else:
            stubber.add_response("create_hit", _strip(answer))


def run(rounds: int, per_round: int) -> list[tuple[str, float]]:
    results = []
    firsts = itertools.count(0, per_round)
    with mturk_sim(seed="bench"):
        sim_client, stub_client = _client(), _client()
        for name, page in PAGES:
            answer = _call(page, -1)(sim_client, 0)  # what the Stubber answers
            ratios = []
            for _ in range(rounds):
                # Page building is in both timings alike; the pages differ from round to round.
                call = _call(page, next(firsts))
                sim_time = _time(call, sim_client, per_round)[1]  # CPU seconds
                with Stubber(stub_client) as stubber:
                    _queue(stubber, answer, per_round)
                    stub_time = _time(call, stub_client, per_round)[1]
                ratios.append(sim_time / stub_time)
            results.append((name, statistics.median(ratios)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, help="rounds (default 9, quick 3)")
    parser.add_argument("--calls", type=int, help="calls per round (default 20, quick 5)")
    args = parser.parse_args()
    rounds, per_round = (3, 5) if args.quick else (9, 20)
    rounds, per_round = args.rounds or rounds, args.calls or per_round
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(f"{rounds} interleaved rounds x {per_round} calls; ratio = simulator / Stubber (CPU)\n")
    print(f"{'page (about 60 KB)':<32}{'ratio':>8}")
    for name, ratio in run(rounds, per_round):
        print(f"{name:<32}{ratio:>7.2f}x")


if __name__ == "__main__":
    main()
