"""The server under load: 8 client processes x 200 mixed calls at once, and a SIGKILL in the
middle of it. Long: run with ``PYTEST_MTURK_LOAD=1`` (``.ci/run`` does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from load_client import QUESTION
from server_helpers import CONTROL_TOKEN, ServerProcess, client

from pytest_mturk import ServerControl
from pytest_mturk.faces.server_control import TOKEN_VARIABLE

pytestmark = pytest.mark.load

CLIENTS = 8
ROUNDS = 25  # x 8 calls (6 service API calls, 2 control API calls) = 200 calls each
SCRIPT = Path(__file__).parent / "load_client.py"
GUARD = 600  # against a hang, not a timing


def start_clients(
    url: str, folder: Path, rounds: int = ROUNDS
) -> list[tuple[subprocess.Popen, Path]]:
    started = []
    for index in range(CLIENTS):
        log = folder / f"client-{index}.jsonl"
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), url, str(index), str(rounds), str(log)],
            env={**os.environ, TOKEN_VARIABLE: CONTROL_TOKEN},  # ServerControl reads it
        )
        started.append((process, log))
    return started


def facts(log: Path) -> list[dict]:
    if not log.exists():
        return []
    lines = log.read_text().splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def check_invariants(url: str) -> dict:
    """Money and counters agree with what the server holds; what it holds, in numbers."""
    control = ServerControl(url, token=CONTROL_TOKEN)
    production = client(url + "production/")
    hits = control.hits("production")
    assignments = control.assignments("production")
    submitted = Counter(a["HITId"] for a in assignments if a["AssignmentStatus"] == "Submitted")
    for hit in hits:
        # Submitted assignments awaiting review count as neither pending nor completed.
        counted = (
            hit["NumberOfAssignmentsAvailable"]
            + hit["NumberOfAssignmentsPending"]
            + submitted[hit["HITId"]]
            + hit["NumberOfAssignmentsCompleted"]
        )
        assert counted == hit["MaxAssignments"], hit
    assert len({h["HITId"] for h in hits}) == len(hits)
    assert len({a["AssignmentId"] for a in assignments}) == len(assignments)
    approved = [a for a in assignments if a["AssignmentStatus"] == "Approved"]
    bonuses = sum(
        len(production.list_bonus_payments(AssignmentId=a["AssignmentId"])["BonusPayments"])
        for a in approved
    )
    # A 0.50 reward costs 0.60 with MTurk's 20 % fee; a 0.25 bonus costs 0.30.
    paid = Decimal("0.60") * len(approved) + Decimal("0.30") * bonuses
    balance = production.get_account_balance()
    assert Decimal(control.state("balance", "production")["production"]["balance"]) == (
        Decimal("10000.00") - paid
    )
    unpaid_slots = sum(h["MaxAssignments"] for h in hits) - len(approved)
    assert Decimal(balance["AvailableBalance"]) == Decimal("10000.00") - paid - (
        Decimal("0.60") * unpaid_slots
    )
    return {"hits": len(hits), "approved": len(approved), "bonuses": bonuses}


def test_eight_clients_at_once_lose_no_update(tmp_path):
    with ServerProcess("--seed", "1") as served:
        running = start_clients(served.url, tmp_path)
        for process, _ in running:
            assert process.wait(timeout=GUARD) == 0
        logs = [facts(log) for _, log in running]
        assert [log[-1] for log in logs] == [{"calls": ROUNDS * 6}] * CLIENTS
        held = check_invariants(served.url)
        assert held == {
            "hits": CLIENTS * ROUNDS,
            "approved": CLIENTS * ROUNDS,
            "bonuses": CLIENTS * ROUNDS,
        }
        calls = served.control().calls("production")
        # Every call the clients made was answered, and recorded, exactly once.
        created = [c for c in calls if c["operation"] == "CreateHIT"]
        assert len(created) == CLIENTS * ROUNDS and all(c["ok"] for c in calls)
        assert len(calls) >= CLIENTS * ROUNDS * 6


def test_sigkill_under_load_keeps_every_acknowledged_change(tmp_path):
    state = str(tmp_path / "state.json")
    first = ServerProcess("--state", state, "--seed", "1")
    running = start_clients(first.url, tmp_path, rounds=ROUNDS * 4)
    deadline = time.monotonic() + GUARD
    # Kill it in the middle of the load: once a good part of the work is acknowledged.
    while sum(1 for _, log in running for fact in facts(log) if "bonus" in fact) < 120:
        assert time.monotonic() < deadline, "the clients made no progress"
        time.sleep(0.05)
    first.kill()
    first.stop()
    for process, _ in running:
        process.wait(timeout=GUARD)
    told = [fact for _, log in running for fact in facts(log)]
    with ServerProcess("--state", state, "--seed", "1") as second:
        production = client(second.production_url)
        statuses = {
            a["AssignmentId"]: a["AssignmentStatus"]
            for a in second.control().assignments("production")
        }
        hit_ids = {h["HITId"] for h in second.control().hits("production")}
        for fact in told:
            if "hit" in fact:
                assert fact["hit"] in hit_ids
            if "accepted" in fact:
                assert fact["accepted"] in statuses
            if "submitted" in fact:
                assert statuses[fact["submitted"]] in ("Submitted", "Approved")
            if "approved" in fact:
                assert statuses[fact["approved"]] == "Approved"
            if "bonus" in fact:
                paid = production.list_bonus_payments(AssignmentId=fact["bonus"])
                assert [b["BonusAmount"] for b in paid["BonusPayments"]] == ["0.25"]
        held = check_invariants(second.url)
        assert held["bonuses"] >= 120
        # New work gets new IDs.
        new = second.control()
        fresh = production.create_hit(
            Title="After", Description="After the restart", Reward="0.50",
            LifetimeInSeconds=60, AssignmentDurationInSeconds=60, MaxAssignments=1,
            Question=QUESTION,
        )["HIT"]["HITId"]  # fmt: skip
        assert fresh not in hit_ids
        assert len(new.hits("production")) == len(hit_ids) + 1
