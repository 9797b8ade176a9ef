"""The screening set-up, end to end, against the simulated MTurk.

Run with ``pytest examples --mturk-sim``.
"""

from __future__ import annotations

import boto3
import pytest
from screening import PASS_MARK, post_task, screened_workers, screener_id

from pytest_mturk import WorkerActionError

RIGHT = {"robin": "a", "puffin": "b"}
HALF_RIGHT = {"robin": "a", "puffin": "c"}


@pytest.fixture
def client(mturk):
    return boto3.client("mturk", region_name="sandbox")


def test_a_worker_who_passes_the_screener_can_do_the_task(mturk, client):
    qualification = screener_id(client)
    hit_id = post_task(client, qualification)
    worker = mturk.worker("ABIRDWATCHER01")

    request = worker.request_qualification(qualification, answers=RIGHT)

    assert (request.status, request.score) == ("Approved", 100)  # scored at once
    preview = worker.preview(hit_id)
    assert preview.question is not None and preview.can_accept
    assignment_id = worker.accept(hit_id)
    worker.submit(assignment_id, {"labels": "robin,puffin,wren"})
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 1


def test_a_worker_who_fails_is_kept_out(mturk, client):
    qualification = screener_id(client)
    hit_id = post_task(client, qualification)
    worker = mturk.worker("AGUESSER000001")

    worker.request_qualification(qualification, answers=HALF_RIGHT)

    assert screened_workers(client, qualification) == {"AGUESSER000001": 50}
    assert hit_id in worker.available_hits()  # they can find it...
    assert worker.preview(hit_id).question is None  # ...but not look inside
    assert f"GreaterThanOrEqualTo {PASS_MARK}" in worker.why_not(hit_id)
    with pytest.raises(WorkerActionError):
        worker.accept(hit_id)


def test_a_worker_who_never_took_the_screener_is_kept_out(mturk, client):
    hit_id = post_task(client, screener_id(client))
    newcomer = mturk.worker("ANEWCOMER00001")

    assert "the worker has: none" in newcomer.why_not(hit_id)


def test_a_failed_worker_may_retake_the_screener_the_next_day(mturk, client):
    qualification = screener_id(client)
    hit_id = post_task(client, qualification)
    worker = mturk.worker("ALATEBLOOMER01")
    worker.request_qualification(qualification, answers=HALF_RIGHT)

    with pytest.raises(WorkerActionError, match="may request .* again"):
        worker.request_qualification(qualification, answers=RIGHT)

    mturk.advance(days=1)
    worker.request_qualification(qualification, answers=RIGHT)
    assert worker.why_not(hit_id) is None


def test_the_set_up_can_run_twice(mturk, client):
    assert screener_id(client) == screener_id(client)
