"""Worker blocks (create, delete, list; a blocked worker cannot accept) and NotifyWorkers
(per-worker failures returned, never raised; sent mail kept for inspection) — spec §5.14."""

from __future__ import annotations

import pytest
from botocore.exceptions import ParamValidationError
from conftest import (
    CUSTOMER_ID,
    pattern,
    raises_parameter_error,
    raises_validation_exception,
)
from qualification_helpers import all_pages

from pytest_mturk import WorkerActionError

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")
WORKER = "A1B2C3D4E5F6G7"
NOT_WORKED = "Cannot send a notification to a worker who has not done any work for you"


def blocks(client):
    return all_pages(client, "list_worker_blocks", "WorkerBlocks")


# -- blocks ------------------------------------------------------------------------


def test_a_blocked_worker_cannot_accept_until_unblocked(mturk, client, make_hit):
    hit_id = make_hit()["HITId"]
    worker = mturk.worker(WORKER)

    response = client.create_worker_block(WorkerId=WORKER, Reason="Copied answers")

    assert response.keys() == {"ResponseMetadata"}
    assert blocks(client) == [{"WorkerId": WORKER, "Reason": "Copied answers"}]
    with pytest.raises(WorkerActionError, match="blocked by the requester"):
        worker.accept(hit_id)
    assert "Copied answers" in worker.why_not(hit_id)
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsAvailable"] == 3
    mturk.worker("AOTHER0001").accept(hit_id)  # others are not affected

    client.delete_worker_block(WorkerId=WORKER, Reason="Appeal upheld")

    assert blocks(client) == []
    worker.accept(hit_id)


def test_blocked_workers_still_find_and_preview_hits(mturk, client, make_hit):
    hit = make_hit()
    client.create_worker_block(WorkerId=WORKER, Reason="r")

    worker = mturk.worker(WORKER)

    assert worker.available_hits() == [hit["HITId"]]
    assert worker.preview(hit["HITId"]).question == hit["Question"]
    assert not worker.preview(hit["HITId"]).can_accept


def test_blocks_are_per_environment(mturk, client, prod_client, make_hit):
    client.create_worker_block(WorkerId=WORKER, Reason="sandbox only")
    production_hit = make_hit(prod_client)["HITId"]

    mturk.worker(WORKER).accept(production_hit)

    assert prod_client.list_worker_blocks()["WorkerBlocks"] == []


def test_blocking_again_updates_the_reason_in_place(client):
    for worker_id, reason in [("AFIRST0001", "a"), ("ASECOND001", "b"), ("AFIRST0001", "c")]:
        client.create_worker_block(WorkerId=worker_id, Reason=reason)

    assert blocks(client) == [
        {"WorkerId": "AFIRST0001", "Reason": "c"},
        {"WorkerId": "ASECOND001", "Reason": "b"},
    ]


def test_unblocking_a_worker_who_is_not_blocked_succeeds(client):
    response = client.delete_worker_block(WorkerId=WORKER)

    assert response.keys() == {"ResponseMetadata"}


def test_blocks_page_in_the_order_made(client):
    workers = [f"AWORKER{n:04d}" for n in range(25)]
    for worker_id in workers:
        client.create_worker_block(WorkerId=worker_id, Reason=f"reason {worker_id}")
    client.delete_worker_block(WorkerId=workers[3])

    first = client.list_worker_blocks()
    listed = all_pages(
        client, "list_worker_blocks", "WorkerBlocks", PaginationConfig={"PageSize": 7}
    )

    assert first["NumResults"] == 10 and "NextToken" in first
    assert [b["WorkerId"] for b in listed] == workers[:3] + workers[4:]


def test_a_malformed_worker_id_is_refused(mturk, client):
    # The request framework refuses it before MTurk's own "WorkerId is invalid." check.
    for call in (client.create_worker_block, client.delete_worker_block):
        with raises_validation_exception(client, pattern("workerId", "Bob", CUSTOMER_ID)):
            call(WorkerId="Bob", Reason="r")
    assert blocks(client) == []


def test_reason_is_required_to_block(client):
    with pytest.raises(ParamValidationError):
        client.create_worker_block(WorkerId=WORKER)


@pytest.mark.mturk(strict_workers=True)
def test_strict_mode_refuses_unknown_workers(mturk, client):
    with raises_parameter_error(
        client, 'The value "ASTRANGER1" is not valid for the parameter WorkerId.'
    ):
        client.create_worker_block(WorkerId="ASTRANGER1", Reason="r")
    # The documented text, in the family MTurk answers unknown WorkerIds with.
    with raises_parameter_error(client, "WorkerId is invalid.", mturk):
        client.delete_worker_block(WorkerId="ASTRANGER1")
    assert "ASTRANGER1" not in mturk.workers


# -- NotifyWorkers -----------------------------------------------------------------


def do_work(mturk, client, make_hit, worker_id, decision=None):
    hit_id = make_hit()["HITId"]
    worker = mturk.worker(worker_id)
    assignment_id = worker.accept(hit_id)
    worker.submit(assignment_id, {"x": "1"})
    if decision == "approve":
        client.approve_assignment(AssignmentId=assignment_id)
    elif decision == "reject":
        client.reject_assignment(AssignmentId=assignment_id, RequesterFeedback="no")


def test_only_workers_whose_work_was_reviewed_get_mail(mturk, client, make_hit):
    do_work(mturk, client, make_hit, "AAPPROVED1", "approve")
    do_work(mturk, client, make_hit, "AREJECTED1", "reject")
    do_work(mturk, client, make_hit, "APENDING01")
    recipients = ["AAPPROVED1", "ASTRANGER1", "AREJECTED1", "APENDING01"]

    response = client.notify_workers(
        Subject="A bonus task", MessageText="New HITs tomorrow.", WorkerIds=recipients
    )

    assert response["NotifyWorkersFailureStatuses"] == [
        {
            "NotifyWorkersFailureCode": "HardFailure",
            "NotifyWorkersFailureMessage": NOT_WORKED,
            "WorkerId": worker_id,
        }
        for worker_id in ("ASTRANGER1", "APENDING01")
    ]
    sent = mturk.messages
    assert [(m.worker_id, m.subject, m.text) for m in sent] == [
        ("AAPPROVED1", "A bonus task", "New HITs tomorrow."),
        ("AREJECTED1", "A bonus task", "New HITs tomorrow."),
    ]
    assert {m.time for m in sent} == {mturk.now}
    assert mturk.sandbox.messages == sent and mturk.production.messages == []


def test_auto_approved_work_counts(mturk, client, make_hit):
    do_work(mturk, client, make_hit, WORKER)
    mturk.advance(days=1)  # AutoApprovalDelayInSeconds 86400

    response = client.notify_workers(Subject="s", MessageText="m", WorkerIds=[WORKER])

    assert response["NotifyWorkersFailureStatuses"] == []
    assert len(mturk.messages) == 1


def test_a_worker_named_twice_gets_one_message(mturk, client, make_hit):
    do_work(mturk, client, make_hit, WORKER, "approve")

    client.notify_workers(Subject="s", MessageText="m", WorkerIds=[WORKER, WORKER])

    assert len(mturk.messages) == 1


def test_notifying_a_stranger_never_raises(mturk, client):
    response = client.notify_workers(Subject="s", MessageText="m", WorkerIds=["ANOBODY001"])

    assert [f["WorkerId"] for f in response["NotifyWorkersFailureStatuses"]] == ["ANOBODY001"]
    assert mturk.messages == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"Subject": "s" * 201},
            "The value for Subject is too long (201 characters). "
            "The maximum length is 200 characters.",
        ),
        (
            {"MessageText": "m" * 4097},
            "The value for MessageText is too long (4097 characters). "
            "The maximum length is 4096 characters.",
        ),
        (
            {"WorkerIds": []},
            "The number of values given for WorkerIds (0) is not valid. "
            "Valid values range from 1 to 100.",
        ),
        (
            {"WorkerIds": [f"AWORKER{n:04d}" for n in range(101)]},
            "The number of values given for WorkerIds (101) is not valid. "
            "Valid values range from 1 to 100.",
        ),
    ],
)
def test_bad_notify_requests_are_refused(mturk, client, make_hit, overrides, message):
    do_work(mturk, client, make_hit, WORKER, "approve")
    args = {"Subject": "s", "MessageText": "m", "WorkerIds": [WORKER], **overrides}

    with raises_parameter_error(client, message):
        client.notify_workers(**args)
    assert mturk.messages == []


def test_a_malformed_id_among_those_to_notify_is_refused(mturk, client, make_hit):
    do_work(mturk, client, make_hit, WORKER, "approve")
    with raises_validation_exception(client, pattern("workerIds.2.member", "bob", CUSTOMER_ID)):
        client.notify_workers(Subject="s", MessageText="m", WorkerIds=[WORKER, "bob"])
    assert mturk.messages == []


def test_limits_are_inclusive(mturk, client, make_hit):
    do_work(mturk, client, make_hit, WORKER, "approve")

    response = client.notify_workers(
        Subject="s" * 200,
        MessageText="m" * 4096,
        WorkerIds=[WORKER] + [f"AWORKER{n:04d}" for n in range(99)],
    )

    assert len(response["NotifyWorkersFailureStatuses"]) == 99
    assert len(mturk.messages) == 1
