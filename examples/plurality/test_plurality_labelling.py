"""The plurality-settled labelling job, end to end, against the simulated MTurk.

Run with ``pytest examples --mturk-sim``.
"""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from plurality_labelling import publish, verdict

IMAGE = "https://example.org/animals/1.jpg"


@pytest.fixture
def client(mturk):
    return boto3.client("mturk", region_name="us-east-1")  # production: money moves


def label(mturk, hit_id, labels, first=0):
    for n, value in enumerate(labels, start=first):
        worker = mturk.worker(f"ALABELLER{n:05d}")
        worker.submit(worker.accept(hit_id), {"label": value})


def statuses(client, hit_id):
    listed = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    return sorted(a["AssignmentStatus"] for a in listed)


def test_two_of_three_agree(mturk, client):
    hit_id = publish(client, IMAGE)
    balance = mturk.production.balance
    label(mturk, hit_id, ["cat", "cat", "dog"])

    assert verdict(client, hit_id).label == "cat"
    assert verdict(client, hit_id).agreement == 67
    assert statuses(client, hit_id) == ["Approved", "Approved", "Rejected"]
    # Two rewards of 0.05 and their 0.01 fees (20 %, at least a cent) left the account.
    assert balance - mturk.production.balance == Decimal("0.12")


def test_no_agreement_extends_until_workers_agree(mturk, client):
    hit_id = publish(client, IMAGE)
    label(mturk, hit_id, ["cat", "dog", "bird"])

    undecided = verdict(client, hit_id)
    assert (undecided.label, undecided.extended) == (None, 1)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Assignable"

    # Two of four is only 50 %: not more than the threshold, so one more worker is asked.
    label(mturk, hit_id, ["dog"], first=3)
    assert (verdict(client, hit_id).label, verdict(client, hit_id).extended) == (None, 2)

    label(mturk, hit_id, ["dog"], first=4)
    settled = verdict(client, hit_id)
    assert (settled.label, settled.agreement) == ("dog", 60)
    assert client.get_hit(HITId=hit_id)["HIT"]["MaxAssignments"] == 5
    assert statuses(client, hit_id) == ["Approved"] * 3 + ["Rejected"] * 2


def test_answers_come_back_as_mturk_writes_them(mturk, client):
    hit_id = publish(client, IMAGE)
    label(mturk, hit_id, ["bird", "bird", "bird"])
    answer = client.list_assignments_for_hit(HITId=hit_id)["Assignments"][0]["Answer"]
    assert answer.endswith(
        "<Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>bird</FreeText>"
        "</Answer></QuestionFormAnswers>"
    )
    assert verdict(client, hit_id).agreement == 100
