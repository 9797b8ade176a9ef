"""An expired HIT with work in progress waits for that work (a real boto3 client throughout).

The Developer Guide ("Retrieving and Approving Results") calls a HIT reviewable when all
its assignments have been submitted, or when it has expired *and* every assignment has
been submitted, returned or abandoned; expiring a HIT early lets the work in progress
finish ("Forcing a HIT to Expire Early"; the ForceExpireHIT reference: "Once all remaining
assignments have been submitted, the expired HIT becomes reviewable"). So a HIT that
expires while workers hold assignments is Unassignable, counts that work as pending, and
becomes Reviewable -- with the HITReviewable event -- when the last of it ends.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import EXTERNAL_QUESTION, raises_request_error

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/expiry"
EVENTS = [
    "AssignmentSubmitted",
    "AssignmentReturned",
    "AssignmentAbandoned",
    "HITExpired",
    "HITReviewable",
]
EARLY, LATE, OTHER = "AEARLY00000001", "ALATE000000001", "AOTHER00000001"
LIFETIME = 120
DURATION = 600


@pytest.fixture
def inbox(mturk):
    return mturk.register_destination(QUEUE)


@pytest.fixture
def hit_type(client, inbox):
    type_id = client.create_hit_type(
        Title="Label an image",
        Description="Say what the picture shows",
        Reward="0.50",
        AssignmentDurationInSeconds=DURATION,
        AutoApprovalDelayInSeconds=86400,
    )["HITTypeId"]
    client.update_notification_settings(
        HITTypeId=type_id,
        Notification={
            "Destination": QUEUE,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": EVENTS,
        },
        Active=True,
    )
    return type_id


@pytest.fixture
def make_hit(client, hit_type):
    def make(max_assignments: int = 3) -> str:
        return client.create_hit_with_hit_type(
            HITTypeId=hit_type,
            LifetimeInSeconds=LIFETIME,
            MaxAssignments=max_assignments,
            Question=EXTERNAL_QUESTION,
        )["HIT"]["HITId"]

    return make


def received(inbox):
    """(EventType, AssignmentId or None, time) of each message waiting in the inbox."""
    return [
        (
            event["EventType"],
            event.get("AssignmentId"),
            dt.datetime.strptime(event["EventTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=dt.timezone.utc
            ),
        )
        for event in (doc["Events"][0] for doc in inbox.receive())
    ]


def state(client, hit_id):
    """(HITStatus, Available, Pending, Completed) as GetHIT gives them."""
    hit = client.get_hit(HITId=hit_id)["HIT"]
    return (
        hit["HITStatus"],
        hit["NumberOfAssignmentsAvailable"],
        hit["NumberOfAssignmentsPending"],
        hit["NumberOfAssignmentsCompleted"],
    )


def reviewable(client):
    return client.list_reviewable_hits()["HITs"]


def expire(mturk, client, hit_id, how):
    if how == "naturally":
        mturk.advance(seconds=LIFETIME)
    else:
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)


def unassignable_until_done(mturk, client, inbox, hit_id):
    """What holds between the expiry and the end of the work in progress."""
    assert state(client, hit_id) == ("Unassignable", 0, 1, 0)
    assert reviewable(client) == []
    assert [kind for kind, _, _ in received(inbox)] == ["HITExpired"]  # no HITReviewable yet
    # Cleanup loops (expire, then DeleteHIT until it works) keep waiting meanwhile.
    with raises_request_error(
        mturk,
        client,
        "InvalidHITState",
        "This HIT is currently in the state 'Unassignable'.  "
        "This operation can be called with a status of: Reviewing, Reviewable",
    ):
        client.delete_hit(HITId=hit_id)


@pytest.mark.parametrize("how", ["naturally", "by UpdateExpirationForHIT"])
@pytest.mark.parametrize("ending", ["submitted", "returned", "abandoned"])
def test_an_expired_hit_is_reviewable_once_its_work_in_progress_ends(
    mturk, client, inbox, make_hit, ending, how
):
    hit_id = make_hit()
    early, late = mturk.worker(EARLY), mturk.worker(LATE)
    done = early.accept(hit_id)
    early.submit(done, {"label": "cat"})  # submitted before the expiry
    busy = late.accept(hit_id)
    received(inbox)  # what came before the expiry is not the point here
    expire(mturk, client, hit_id, how)
    unassignable_until_done(mturk, client, inbox, hit_id)

    if ending == "submitted":
        mturk.advance(seconds=60)
        late.submit(busy, {"label": "dog"})
        event = "AssignmentSubmitted"
    elif ending == "returned":
        mturk.advance(seconds=60)
        late.return_(busy)
        event = "AssignmentReturned"
    else:
        deadline = mturk.assignments[busy].deadline
        mturk.advance(seconds=(deadline - mturk.now).total_seconds() - 1)
        assert state(client, hit_id) == ("Unassignable", 0, 1, 0)  # a second to go
        assert reviewable(client) == []
        mturk.advance(seconds=1)
        event = "AssignmentAbandoned"
    ended = mturk.now

    # Reviewable now, at the moment the last work ended; the slot does not reopen.
    assert state(client, hit_id) == ("Reviewable", 0, 0, 0)
    assert reviewable(client) == [{"HITId": hit_id}]
    assert received(inbox) == [(event, busy, ended), ("HITReviewable", None, ended)]
    submitted = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    expected = [done, busy] if ending == "submitted" else [done]
    assert [a["AssignmentId"] for a in submitted] == expected
    # The reviewed work can now be cleared away as usual.
    for assignment_id in expected:
        client.approve_assignment(AssignmentId=assignment_id)
    assert state(client, hit_id) == ("Reviewable", 0, 0, len(expected))
    client.delete_hit(HITId=hit_id)


def test_the_last_of_several_in_progress_makes_it_reviewable(mturk, client, inbox, make_hit):
    hit_id = make_hit()
    late, other = mturk.worker(LATE), mturk.worker(OTHER)
    first, second = late.accept(hit_id), other.accept(hit_id)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert state(client, hit_id) == ("Unassignable", 0, 2, 0)
    late.submit(first, {"label": "cat"})
    assert state(client, hit_id) == ("Unassignable", 0, 1, 0)
    assert reviewable(client) == []
    other.return_(second)
    assert state(client, hit_id) == ("Reviewable", 0, 0, 0)
    assert reviewable(client) == [{"HITId": hit_id}]
    kinds = [(kind, assignment) for kind, assignment, _ in received(inbox)]
    assert kinds == [
        ("HITExpired", None),
        ("AssignmentSubmitted", first),
        ("AssignmentReturned", second),
        ("HITReviewable", None),
    ]


@pytest.mark.parametrize("how", ["naturally", "by UpdateExpirationForHIT"])
def test_an_expired_hit_with_nothing_in_progress_is_reviewable_at_once(
    mturk, client, inbox, make_hit, how
):
    # Nothing is pending, so "every assignment submitted, returned or abandoned" holds,
    # whether some work was submitted or none was accepted at all (docs/fidelity.md).
    with_work, empty = make_hit(), make_hit()
    early = mturk.worker(EARLY)
    early.submit(early.accept(with_work), {"label": "cat"})
    received(inbox)
    if how == "naturally":
        mturk.advance(seconds=LIFETIME)  # both expire together
    else:
        for hit_id in (with_work, empty):
            client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    expired_at = mturk.now
    assert state(client, with_work) == ("Reviewable", 0, 0, 0)
    assert state(client, empty) == ("Reviewable", 0, 0, 0)
    assert {h["HITId"] for h in reviewable(client)} == {with_work, empty}
    assert (
        received(inbox)
        == [
            ("HITExpired", None, expired_at),
            ("HITReviewable", None, expired_at),
        ]
        * 2
    )
    # The usual cleanup: an expired HIT nobody worked on can be deleted straight away.
    client.delete_hit(HITId=empty)


def test_extending_an_expired_hit_with_work_in_progress_reopens_it(mturk, client, inbox, make_hit):
    hit_id = make_hit()
    late = mturk.worker(LATE)
    busy = late.accept(hit_id)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert state(client, hit_id) == ("Unassignable", 0, 1, 0)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=mturk.now + dt.timedelta(hours=1))
    assert state(client, hit_id) == ("Assignable", 2, 1, 0)
    late.submit(busy, {"label": "cat"})
    assert state(client, hit_id) == ("Assignable", 2, 0, 0)
    assert "HITReviewable" not in [kind for kind, _, _ in received(inbox)]
