"""A returned or abandoned slot keeps its AssignmentId for the next worker who accepts it.

MTurk reissues the ID (psiTurk#184, breadboard#202, aws-sdk-ruby#2864; Dallinger replaces
the earlier participant when "AWS has reused assignment_id"), so code that keys its records
on AssignmentId alone must meet the reuse here too. Every check goes through a real boto3
client where the API can see it; the earlier holder's history stays in events, the ledger
and the worker's own records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import HIT_ARGS, raises_request_error, snapshot

from pytest_mturk import WorkerActionError, mturk_sim

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")

ALICE, BOB, CAROL = "AALICE0000001", "ABOB00000002", "ACAROL000003"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/mturk-events"
KNOWN = "ScoreMyKnownAnswers/2011-09-01"


def hit_id(client, **overrides) -> str:
    return client.create_hit(**{**HIT_ARGS, **overrides})["HIT"]["HITId"]


def history(mturk, assignment_id: str) -> list[tuple[str, str]]:
    """(event type, worker) of every event of one AssignmentId, oldest first."""
    return [(e.event_type, e.worker_id) for e in mturk.events if e.assignment_id == assignment_id]


# -- the reissued ID, as the API shows it -------------------------------------------------


def test_a_returned_slot_keeps_its_id_for_the_next_worker(mturk, client):
    hit = hit_id(client, MaxAssignments=1)
    first = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(first)
    second = mturk.worker(BOB).accept(hit)
    assert second == first
    mturk.worker(BOB).submit(second, {"label": "dog"})
    assignment = client.get_assignment(AssignmentId=first)["Assignment"]
    assert (assignment["WorkerId"], assignment["AssignmentStatus"]) == (BOB, "Submitted")
    assert "dog" in assignment["Answer"]
    listed = client.list_assignments_for_hit(HITId=hit)["Assignments"]
    assert [(a["AssignmentId"], a["WorkerId"]) for a in listed] == [(first, BOB)]
    got = client.get_hit(HITId=hit)["HIT"]
    assert got["NumberOfAssignmentsPending"] == 0
    assert got["NumberOfAssignmentsAvailable"] == 0
    assert got["HITStatus"] == "Reviewable"


def test_an_abandoned_slot_keeps_its_id_and_the_events_name_both_workers(mturk, client):
    hit = hit_id(client, MaxAssignments=1, AssignmentDurationInSeconds=60)
    first = mturk.worker(ALICE).accept(hit)
    mturk.advance(seconds=61)
    assert mturk.worker(BOB).accept(hit) == first
    assert history(mturk, first) == [
        ("AssignmentAccepted", ALICE),
        ("AssignmentAbandoned", ALICE),
        ("AssignmentAccepted", BOB),
    ]
    assert mturk.assignments[first].worker_id == BOB
    assert mturk.assignments[first].status == "Accepted"
    # Still in progress for its new holder: not yet visible to the API.
    with raises_request_error(
        mturk,
        client,
        "InvalidAssignmentState",
        "This operation can be called with a status of: Reviewable,Approved,Rejected",
    ):
        client.get_assignment(AssignmentId=first)


def test_the_oldest_freed_id_is_issued_first_then_a_new_one(mturk, client):
    hit = hit_id(client, MaxAssignments=3)
    a = mturk.worker(ALICE).accept(hit)
    b = mturk.worker(BOB).accept(hit)
    # Freed in the opposite order to their minting: freeing order decides.
    mturk.worker(BOB).return_(b)
    mturk.worker(ALICE).return_(a)
    carol = mturk.worker(CAROL).accept(hit)
    dave = mturk.worker("ADAVE0000004").accept(hit)
    erin = mturk.worker("AERIN0000005").accept(hit)
    assert (carol, dave) == (b, a)
    assert erin not in (a, b)
    assert len({carol, dave, erin}) == 3


def test_the_same_worker_accepting_again_gets_the_same_id(mturk, client):
    hit = hit_id(client, MaxAssignments=2)
    worker = mturk.worker(ALICE)
    first = worker.accept(hit)
    worker.return_(first)
    assert worker.accept(hit) == first
    assert [(a.assignment_id, a.status) for a in worker.assignments()] == [
        (first, "Returned"),
        (first, "Accepted"),
    ]
    assert mturk.workers[ALICE].returned == 1


def test_a_freed_id_stays_with_its_hit(mturk, client):
    one, other = hit_id(client, MaxAssignments=1), hit_id(client, MaxAssignments=1)
    freed = mturk.worker(ALICE).accept(one)
    mturk.worker(ALICE).return_(freed)
    assert mturk.worker(BOB).accept(other) != freed
    assert mturk.worker(CAROL).accept(one) == freed


def test_a_freed_id_waits_through_expiry_and_comes_back_with_an_extension(mturk, client):
    hit = hit_id(client, MaxAssignments=1)
    freed = mturk.worker(ALICE).accept(hit)
    client.update_expiration_for_hit(HITId=hit, ExpireAt=dt.datetime(2015, 1, 1))
    mturk.worker(ALICE).return_(freed)
    with pytest.raises(WorkerActionError, match="expired"):
        mturk.worker(BOB).accept(hit)
    client.update_expiration_for_hit(HITId=hit, ExpireAt=mturk.now + dt.timedelta(hours=1))
    assert mturk.worker(BOB).accept(hit) == freed


def test_additional_assignments_take_freed_ids_before_new_ones(mturk, client):
    hit = hit_id(client, MaxAssignments=1)
    freed = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(freed)
    client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1)
    assert mturk.worker(BOB).accept(hit) == freed
    assert mturk.worker(CAROL).accept(hit) != freed


def test_list_order_keeps_the_position_of_the_ids_first_issue(mturk, client):
    hit = hit_id(client, MaxAssignments=2)
    first = mturk.worker(ALICE).accept(hit)
    second = mturk.worker(BOB).accept(hit)
    mturk.worker(ALICE).return_(first)
    mturk.worker(BOB).submit(second, {"label": "cat"})
    assert mturk.worker(CAROL).accept(hit) == first
    mturk.worker(CAROL).submit(first, {"label": "cat"})
    listed = client.list_assignments_for_hit(HITId=hit)["Assignments"]
    assert [(a["AssignmentId"], a["WorkerId"]) for a in listed] == [(first, CAROL), (second, BOB)]


# -- the earlier holder -------------------------------------------------------------------


@pytest.mark.parametrize("action", ["submit", "return_"])
def test_the_earlier_holder_may_not_act_on_the_reissued_id(mturk, client, action):
    hit = hit_id(client, MaxAssignments=1)
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    mturk.worker(BOB).accept(hit)
    before = snapshot(mturk)
    args = (reissued, {"label": "cat"}) if action == "submit" else (reissued,)
    with pytest.raises(WorkerActionError) as refusal:
        getattr(mturk.worker(ALICE), action)(*args)
    assert str(refusal.value) == (
        f"Assignment {reissued} is no longer worker {ALICE}'s: they returned it, "
        f"and the ID now belongs to worker {BOB}."
    )
    assert snapshot(mturk) == before
    assert mturk.assignments[reissued].status == "Accepted"


def test_an_abandoning_worker_is_told_so(mturk, client):
    hit = hit_id(client, MaxAssignments=1, AssignmentDurationInSeconds=60)
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.advance(seconds=61)
    mturk.worker(BOB).accept(hit)
    with pytest.raises(WorkerActionError, match=r"abandoned it \(its deadline passed\)"):
        mturk.worker(ALICE).submit(reissued, {"label": "cat"})


def test_the_earlier_holders_deadline_never_fires_on_the_new_holder(mturk, client):
    hit = hit_id(client, MaxAssignments=1, AssignmentDurationInSeconds=600)
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.advance(seconds=500)
    mturk.worker(ALICE).return_(reissued)
    mturk.worker(BOB).accept(hit)
    mturk.advance(seconds=200)  # past Alice's deadline, well before Bob's
    assert mturk.assignments[reissued].status == "Accepted"
    assert client.get_hit(HITId=hit)["HIT"]["NumberOfAssignmentsPending"] == 1
    mturk.advance(seconds=400)  # past Bob's
    assert mturk.assignments[reissued].status == "Abandoned"
    assert history(mturk, reissued)[-1] == ("AssignmentAbandoned", BOB)
    assert mturk.workers[ALICE].abandoned == 0 and mturk.workers[BOB].abandoned == 1


def test_auto_approval_and_payment_go_to_the_holder_who_submitted(mturk, prod_client):
    hit = hit_id(prod_client, MaxAssignments=1, AutoApprovalDelayInSeconds=3600)
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    balance = mturk.production.balance
    mturk.worker(BOB).accept(hit)
    mturk.worker(BOB).submit(reissued, {"label": "cat"})
    mturk.advance(seconds=3600)
    assignment = prod_client.get_assignment(AssignmentId=reissued)["Assignment"]
    assert (assignment["WorkerId"], assignment["AssignmentStatus"]) == (BOB, "Approved")
    record = mturk.hits[hit]
    assert [(e.kind, e.assignment_id, e.worker_id) for e in mturk.production.ledger] == [
        ("reward", reissued, BOB),
        ("fee", reissued, None),
    ]
    assert mturk.production.balance == balance - record.reward - record.fee
    assert mturk.production.reserved == Decimal("0.00")


def test_a_bonus_names_the_current_holder_only(mturk, prod_client):
    hit = hit_id(prod_client, MaxAssignments=1)
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    mturk.worker(BOB).accept(hit)
    mturk.worker(BOB).submit(reissued, {"label": "cat"})
    before = snapshot(mturk)
    with raises_request_error(
        mturk,
        prod_client,
        "InvalidParameterValue",
        f"Worker {ALICE} did not work on assignment {reissued}.",
    ):
        prod_client.send_bonus(
            WorkerId=ALICE, AssignmentId=reissued, BonusAmount="1.00", Reason="thanks"
        )
    assert snapshot(mturk) == before
    prod_client.send_bonus(WorkerId=BOB, AssignmentId=reissued, BonusAmount="1.00", Reason="ok")
    (bonus,) = prod_client.list_bonus_payments(AssignmentId=reissued)["BonusPayments"]
    assert bonus["WorkerId"] == BOB


def test_reservation_is_unchanged_by_a_return_and_a_new_accept(mturk, prod_client):
    hit = hit_id(prod_client, MaxAssignments=2)
    reserved = mturk.production.reserved
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    assert mturk.worker(BOB).accept(hit) == reissued
    assert mturk.production.reserved == reserved
    assert prod_client.get_account_balance()["AvailableBalance"] == str(
        mturk.production.available_balance
    )


# -- notifications and review policies ----------------------------------------------------


def test_notifications_carry_the_same_id_for_both_workers(mturk, client):
    inbox = mturk.register_destination(QUEUE)
    type_id = client.create_hit_type(
        Title="t", Description="d", Reward="0.50", AssignmentDurationInSeconds=600
    )["HITTypeId"]
    client.update_notification_settings(
        HITTypeId=type_id,
        Notification={
            "Destination": QUEUE,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentAccepted", "AssignmentReturned", "AssignmentSubmitted"],
        },
        Active=True,
    )
    hit = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=3600, Question=HIT_ARGS["Question"]
    )["HIT"]["HITId"]
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    mturk.worker(BOB).accept(hit)
    mturk.worker(BOB).submit(reissued, {"label": "cat"})
    events = [doc["Events"][0] for doc in inbox.receive()]
    assert sorted((e["EventType"], e["AssignmentId"]) for e in events) == sorted(
        [
            ("AssignmentAccepted", reissued),
            ("AssignmentReturned", reissued),
            ("AssignmentAccepted", reissued),
            ("AssignmentSubmitted", reissued),
        ]
    )
    # The document names no worker, as the service's does (aws-sdk-ruby#2864).
    assert all("WorkerId" not in e for e in events)


def test_a_review_policy_scores_and_decides_the_holder_who_submitted(mturk, prod_client):
    hit = hit_id(
        prod_client,
        MaxAssignments=1,
        AssignmentReviewPolicy={
            "PolicyName": KNOWN,
            "Parameters": [
                {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["cat"]}]},
                {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
            ],
        },
    )
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    mturk.worker(BOB).accept(hit)
    mturk.worker(BOB).submit(reissued, {"label": "cat"})
    body = prod_client.list_review_policy_results_for_hit(HITId=hit, MaxResults=100)
    assert body["AssignmentReviewPolicy"] == {"PolicyName": KNOWN}
    targets = {
        (r["SubjectId"], r["Key"], r["Value"])
        for r in body["AssignmentReviewReport"]["ReviewResults"]
    }
    assert (reissued, "KnownAnswerScore", "100") in targets
    approval = body["AssignmentReviewReport"]["ReviewActions"][-1]
    assert (approval["ActionName"], approval["TargetId"]) == ("approve", reissued)
    assignment = prod_client.get_assignment(AssignmentId=reissued)["Assignment"]
    assert (assignment["WorkerId"], assignment["AssignmentStatus"]) == (BOB, "Approved")
    assert [e.worker_id for e in mturk.production.ledger if e.kind == "reward"] == [BOB]


def test_a_plurality_counts_the_holder_who_submitted_once(mturk, prod_client):
    def parameter(key, value):
        return {"Key": key, "Values": [value]}

    hit = hit_id(
        prod_client,
        MaxAssignments=2,
        HITReviewPolicy={
            "PolicyName": "SimplePlurality/2011-09-01",
            "Parameters": [
                parameter("QuestionIds", "label"),
                parameter("QuestionAgreementThreshold", "50"),
                parameter("DisregardAssignmentIfRejected", "true"),
                parameter("ApproveIfWorkerAgreementScoreIsAtLeast", "100"),
                parameter("RejectIfWorkerAgreementScoreIsLessThan", "100"),
            ],
        },
    )
    reissued = mturk.worker(ALICE).accept(hit)
    mturk.worker(ALICE).return_(reissued)
    assert mturk.worker(BOB).accept(hit) == reissued
    mturk.worker(BOB).submit(reissued, {"label": "cat"})
    other = mturk.worker(CAROL).accept(hit)
    mturk.worker(CAROL).submit(other, {"label": "cat"})
    body = prod_client.list_review_policy_results_for_hit(HITId=hit, MaxResults=100)
    scores = [
        (r["SubjectId"], r["Value"])
        for r in body["HITReviewReport"]["ReviewResults"]
        if r["Key"] == "WorkerAgreementScore"
    ]
    assert sorted(scores) == sorted([(reissued, "100"), (other, "100")])
    listed = prod_client.list_assignments_for_hit(HITId=hit)["Assignments"]
    assert {(a["WorkerId"], a["AssignmentStatus"]) for a in listed} == {
        (BOB, "Approved"),
        (CAROL, "Approved"),
    }
    rewards = [
        (e.assignment_id, e.worker_id) for e in mturk.production.ledger if e.kind == "reward"
    ]
    assert sorted(rewards) == sorted([(reissued, BOB), (other, CAROL)])


# -- determinism --------------------------------------------------------------------------


def _script(seed: str) -> list[str]:
    with mturk_sim(seed=seed) as sim:
        client = sim.sandbox.client()
        hit = hit_id(client, MaxAssignments=2, AssignmentDurationInSeconds=60)
        issued = [sim.worker(ALICE).accept(hit), sim.worker(BOB).accept(hit)]
        sim.worker(BOB).return_(issued[1])
        sim.advance(seconds=61)
        issued += [sim.worker(CAROL).accept(hit), sim.worker(BOB).accept(hit)]
        issued.append(hit_id(client))
        return issued


def test_ids_are_the_same_under_the_same_seed():
    first = _script("reuse")
    assert first == _script("reuse")
    assert first[2:4] == [first[1], first[0]]
    assert _script("other")[0] != first[0]
