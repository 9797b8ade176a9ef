"""Throughput of the HTTP server, as a ratio to moto's server measured in the same run.

A ``pytest-mturk serve`` process and a moto server process (``ThreadedMotoServer``, the
one moto offers for other processes) answer boto3 clients in 1, 4 and 8 processes at
once. moto has no MTurk, so it answers its closest read and write of the same JSON kind
(DynamoDB's, over JSON 1.0, with an item as big as a HIT's request):

    reads:   GetHIT of an existing HIT      vs  GetItem of an existing item
    writes:  CreateHIT                      vs  PutItem of a new item

Every client keeps its connection open between calls (boto3's default), so what is
measured is the server answering calls, not connections being set up. Client processes
are started once and told what to do; each measurement starts them together and counts
the calls answered in all per second, from the first start to the last end. The table
gives pytest-mturk's calls/s divided by moto's (the best of a few rounds each, so that a
moment of load elsewhere on the machine does not decide it), and the same for writes
with ``--state`` (every answer waits for its action to be on disk).

    python benchmarks/bench_server.py            # full run
    python benchmarks/bench_server.py --quick    # a smoke run (CI)
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import boto3
from bench_calls import HIT_ARGS
from botocore.config import Config

COUNTS = (1, 4, 8)
TABLE = "bench"
TARGET = 3.0  # pytest-mturk's calls/s over moto's, the aim

MOTO = """
import sys
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(f"http://127.0.0.1:{server.get_host_and_port()[1]}/", flush=True)
sys.stdin.read()  # until the benchmark closes it
server.stop()
"""


def _client(service: str, url: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def _item(key: str) -> dict[str, Any]:
    """A DynamoDB item carrying what a CreateHIT request carries."""
    return {
        "id": {"S": key},
        **{name: {"S": value} for name, value in HIT_ARGS.items() if isinstance(value, str)},
        **{name: {"N": str(value)} for name, value in HIT_ARGS.items() if isinstance(value, int)},
    }


class Calls:
    """One client process's calls to one server through boto3: a read and a write."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        if kind == "moto":
            self.client = _client("dynamodb", url)
            self.key = uuid.uuid4().hex
            self.client.put_item(TableName=TABLE, Item=_item(self.key))
        else:
            self.client = _client("mturk", url)
            self.hit_id = self.client.create_hit(**HIT_ARGS)["HIT"]["HITId"]

    def read(self) -> None:
        if self.kind == "moto":
            self.client.get_item(TableName=TABLE, Key={"id": {"S": self.key}})
        else:
            self.client.get_hit(HITId=self.hit_id)

    def write(self) -> None:
        if self.kind == "moto":
            self.client.put_item(TableName=TABLE, Item=_item(uuid.uuid4().hex))
        else:
            self.client.create_hit(**HIT_ARGS)


class PlainCalls(Calls):
    """The same calls as plain HTTP requests over one kept-alive connection: the bytes a
    boto3 client sends, without botocore's cost in the client (neither server checks
    signatures, so one signature-shaped header does for every request)."""

    def __init__(self, kind: str, url: str) -> None:
        super().__init__(kind, url)  # the HIT or the item to read, made through boto3
        host, _, port = url.split("//")[1].rstrip("/").rpartition(":")
        self.connection = http.client.HTTPConnection(host, int(port))
        self.path = "/" + url.split("//")[1].partition("/")[2]
        service, prefix, version = (
            ("dynamodb", "DynamoDB_20120810.", "1.0")
            if kind == "moto"
            else ("mturk", "MTurkRequesterServiceV20170117.", "1.1")
        )
        self.prefix = prefix
        self.headers = {
            "Content-Type": f"application/x-amz-json-{version}",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/"
            f"us-east-1/{service}/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
            "x-amz-target, Signature=" + "0" * 64,
        }

    def _send(self, operation: str, body: dict[str, Any]) -> None:
        headers = {**self.headers, "X-Amz-Target": self.prefix + operation}
        self.connection.request("POST", self.path, json.dumps(body), headers)
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{operation}: HTTP {response.status}")

    def read(self) -> None:
        if self.kind == "moto":
            self._send("GetItem", {"TableName": TABLE, "Key": {"id": {"S": self.key}}})
        else:
            self._send("GetHIT", {"HITId": self.hit_id})

    def write(self) -> None:
        if self.kind == "moto":
            self._send("PutItem", {"TableName": TABLE, "Item": _item(uuid.uuid4().hex)})
        else:
            self._send("CreateHIT", HIT_ARGS)


def _worker(urls: dict[str, str], pipe: Any) -> None:
    calls = {
        (name, how): kind(name.partition("-")[0], url)
        for name, url in urls.items()
        for how, kind in (("boto3", Calls), ("plain", PlainCalls))
    }
    pipe.send("ready")
    while (order := pipe.recv()) is not None:
        name, how, what, count = order
        call = getattr(calls[name, how], what)
        call()  # the connection is open and warm before the clock starts
        pipe.send("set")
        pipe.recv()  # go
        start = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
        for _ in range(count):
            call()
        pipe.send((start, time.perf_counter()))


class Clients:
    """``n`` client processes, started once, each with a client of every server."""

    def __init__(self, urls: dict[str, str], n: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for _ in range(n):
            mine, theirs = context.Pipe()
            process = context.Process(target=_worker, args=(urls, theirs), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        for pipe in self.pipes:
            assert pipe.recv() == "ready"

    def rate(
        self, server: Server, how: str, what: str, clients: int, count: int, name: str
    ) -> tuple[float, float]:
        """Calls per second answered to ``clients`` processes making ``count`` calls each
        (``how``: through boto3, or as plain HTTP requests), and the server's CPU seconds
        per call meanwhile."""
        pipes = self.pipes[:clients]
        for pipe in pipes:
            pipe.send((name, how, what, count))
        for pipe in pipes:
            assert pipe.recv() == "set"
        before = server.cpu()
        for pipe in pipes:
            pipe.send("go")
        spans = [pipe.recv() for pipe in pipes]
        cpu = server.cpu() - before
        elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
        return clients * count / elapsed, cpu / (clients * count)

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join()


class Server:
    """A server process; ``url`` once it serves."""

    def __init__(self, command: list[str], *, quiet: bool = False) -> None:
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            text=True,
        )
        self.url = self.process.stdout.readline().split()[-1]  # type: ignore[union-attr]

    def cpu(self) -> float:
        """The CPU seconds the server process has used (from /proc: Linux only)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.terminate()
        self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few calls (a smoke run)")
    args = parser.parse_args()
    calls = 120 if args.quick else 800  # per measurement, shared among the clients
    rounds = 1 if args.quick else 3
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        serve = [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0"]
        servers = {
            "mturk": Server(serve),
            "mturk-state": Server([*serve, "--state", os.path.join(folder, "state.json")]),
            "moto": Server([sys.executable, "-c", MOTO], quiet=True),  # it logs every request
        }
        try:
            _client("dynamodb", servers["moto"].url).create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            clients = Clients({name: server.url for name, server in servers.items()}, max(COUNTS))
            try:
                print(f"\npytest-mturk calls/s ÷ moto's, best of {rounds} (aim: {TARGET:.0f}x)")
                worst = {
                    how: _table(servers, clients, how, calls, rounds) for how in ("plain", "boto3")
                }
            finally:
                clients.close()
        finally:
            for server in servers.values():
                server.close()
    for how, ratio in worst.items():
        verdict = "met" if ratio >= TARGET else "not met"
        print(f"worst ratio, {how} clients: {ratio:.1f}x (aim {TARGET:.0f}x: {verdict})")


HEADINGS = {
    "plain": "plain HTTP clients, kept alive (what the servers cost)",
    "boto3": "boto3 clients, kept alive (with botocore's cost in each client)",
}


def _table(
    servers: dict[str, Server], clients: Clients, how: str, calls: int, rounds: int
) -> float:
    """Print the ratios with ``how`` clients; the worst of the reads' and writes' calls/s."""
    print(
        f"\n{HEADINGS[how]}\n"
        f"{'':7}  {'calls/s, ours / moto':^30}  {'CPU per call, moto / ours':^26}\n"
        f"{'clients':>7}  {'reads':>6}  {'writes':>6}  {'writes --state':>14}"
        f"  {'reads':>12}  {'writes':>12}"
    )
    worst = float("inf")
    for n in COUNTS:
        per_client = max(1, calls // n)
        best: dict[tuple[str, str], float] = {}
        least: dict[tuple[str, str], float] = {}
        for _ in range(rounds):
            # Interleaved, so that load elsewhere on the machine falls on both servers alike.
            for name, what in (
                ("mturk", "read"),
                ("moto", "read"),
                ("mturk", "write"),
                ("mturk-state", "write"),
                ("moto", "write"),
            ):
                rate, cpu = clients.rate(servers[name], how, what, n, per_client, name)
                best[name, what] = max(best.get((name, what), 0.0), rate)
                least[name, what] = min(least.get((name, what), float("inf")), cpu)
        reads = best["mturk", "read"] / best["moto", "read"]
        writes = best["mturk", "write"] / best["moto", "write"]
        durable = best["mturk-state", "write"] / best["moto", "write"]
        # The server process's CPU time per call: moto's over pytest-mturk's. Steadier than
        # calls/s on a busy machine, and free of the clients' own cost.
        cpu_reads = least["moto", "read"] / least["mturk", "read"]
        cpu_writes = least["moto", "write"] / least["mturk", "write"]
        worst = min(worst, reads, writes)
        print(
            f"{n:>7}  {reads:>5.1f}x  {writes:>5.1f}x  {durable:>13.1f}x"
            f"  {cpu_reads:>11.1f}x  {cpu_writes:>11.1f}x"
        )
    return worst


if __name__ == "__main__":
    main()
