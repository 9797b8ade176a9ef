"""The labelling pipeline, end to end, against the simulated MTurk.

Run with ``pytest examples --mturk-sim`` (or just ``pytest examples``: the
``mturk`` fixture activates the simulator for the tests that use it).
"""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from pipeline import clean_up, finished, publish, review

IMAGES = ["https://example.org/1.jpg", "https://example.org/2.jpg"]


@pytest.fixture
def client(mturk):
    return boto3.client("mturk", region_name="us-east-1")  # production: money moves


def work(mturk, hit_id, labels):
    for n, label in enumerate(labels):
        worker = mturk.worker(f"AWORKER{n:06d}")
        worker.submit(worker.accept(hit_id), {"label": label})


def test_majority_is_approved_and_paid(mturk, client):
    hits = publish(client, IMAGES)
    first, second = hits
    work(mturk, first, ["cat", "cat", "dog"])
    work(mturk, second, ["dog", "dog", "dog"])

    assert sorted(finished(client)) == sorted(hits)
    outcomes = {hit_id: review(client, hit_id) for hit_id in hits}

    assert outcomes[first].label == "cat"
    assert (outcomes[first].approved, outcomes[first].rejected) == (2, 1)
    assert (outcomes[second].approved, outcomes[second].rejected) == (3, 0)
    # 5 approvals at $0.05 + $0.01 fee; 5 bonuses at $0.02 + $0.01 fee.
    spent = 5 * Decimal("0.06") + 5 * Decimal("0.03")
    assert mturk.production.balance == Decimal("10000.00") - spent
    assert client.get_account_balance()["AvailableBalance"] == str(Decimal("10000.00") - spent)

    clean_up(client, list(hits))
    assert client.list_hits()["NumResults"] == 0


def test_unfinished_hits_wait_until_they_expire(mturk, client):
    (hit_id,) = publish(client, IMAGES[:1])
    work(mturk, hit_id, ["cat"])  # one of three workers came
    assert finished(client) == []

    mturk.advance(days=1)  # the HIT expires with two slots unfilled
    assert finished(client) == [hit_id]
    outcome = review(client, hit_id)
    assert (outcome.label, outcome.approved) == ("cat", 1)


def test_a_worker_who_walks_away_frees_the_slot(mturk, client):
    (hit_id,) = publish(client, IMAGES[:1], workers_per_image=1)
    slow = mturk.worker("ASLOWWORKER01")
    slow.accept(hit_id)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Unassignable"

    mturk.advance(minutes=5)  # past the 300 s assignment duration: abandoned
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsAvailable"] == 1
    work(mturk, hit_id, ["dog"])
    assert review(client, hit_id).label == "dog"


def test_unreviewed_work_is_approved_automatically(mturk, client):
    (hit_id,) = publish(client, IMAGES[:1], workers_per_image=1)
    work(mturk, hit_id, ["other"])
    mturk.advance(days=3)  # AutoApprovalDelayInSeconds
    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert assignment["AssignmentStatus"] == "Approved"
