"""Throughput of the HTTP server: calls per second with 1, 2, 4 and 8 client processes.

A ``pytest-mturk serve`` process answers boto3 clients in N processes at once; each
makes the same mix of calls (CreateHIT, GetHIT, ListHITs, GetAccountBalance). The table
gives the calls per second the server answered in all, with and without ``--state``
(every answer waits for its action to be on disk), and the ratio to the same calls made
in process against the simulator (one process: the in-process hook answers in the
caller's own thread).

    python benchmarks/bench_server.py            # full run
    python benchmarks/bench_server.py --quick    # a smoke run (CI)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from typing import Any

import boto3
from bench_calls import HIT_ARGS
from botocore.config import Config

MIX = 4  # calls per round of the mix


def mix(client: Any, rounds: int) -> None:
    for _ in range(rounds):
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        client.get_hit(HITId=hit_id)
        client.list_hits(MaxResults=5)
        client.get_account_balance()


def _client(url: str | None) -> Any:
    return boto3.session.Session().client(
        "mturk",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def _worker(url: str, rounds: int, barrier: Any, out: Any) -> None:
    client = _client(url)
    client.get_account_balance()  # connection and model loaded before the clock starts
    barrier.wait()
    start = time.perf_counter()
    mix(client, rounds)
    out.put((start, time.perf_counter()))


def over_http(url: str, clients: int, rounds: int) -> float:
    """Calls per second answered to ``clients`` processes making ``rounds`` of the mix."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(clients)
    out = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, rounds, barrier, out)) for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    spans = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return clients * rounds * MIX / elapsed


def in_process(rounds: int) -> float:
    from pytest_mturk import mturk_sim

    with mturk_sim():
        client = _client(None)
        client.get_account_balance()
        start = time.perf_counter()
        mix(client, rounds)
        return rounds * MIX / (time.perf_counter() - start)


class Server:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.process.stdout.readline().split()[-1]  # type: ignore[union-attr]

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few calls (a smoke run)")
    args = parser.parse_args()
    rounds = 25 if args.quick else 250
    counts = (1, 2) if args.quick else (1, 2, 4, 8)
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    baseline = in_process(rounds * 4)
    print(f"in process: {baseline:,.0f} calls/s\n")
    print(f"{'clients':>7}  {'calls/s':>8}  {'vs in process':>13}  {'--state calls/s':>15}")
    with tempfile.TemporaryDirectory() as folder:
        for clients in counts:
            per_client = max(1, rounds // clients) if args.quick else rounds
            with Server() as plain:
                rate = over_http(plain.url, clients, per_client)
            state = os.path.join(folder, f"state-{clients}.json")
            with Server("--state", state) as durable:
                durable_rate = over_http(durable.url, clients, per_client)
            print(f"{clients:>7}  {rate:>8,.0f}  {rate / baseline:>13.3f}  {durable_rate:>15,.0f}")


if __name__ == "__main__":
    main()
