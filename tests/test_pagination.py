"""Pagination (spec §5.2): MaxResults 1..100, default 10, a NextToken on every non-empty
page and an empty last page, so paginators, "until no token" and "until empty" loops all
see every item exactly once."""

from __future__ import annotations

import pytest
from botocore.exceptions import ParamValidationError
from conftest import HIT_ARGS, raises_parameter_error, raises_validation_exception, violation

LISTS = {
    # operation: (result key, item id key)
    "list_hits": ("HITs", "HITId"),
    "list_reviewable_hits": ("HITs", "HITId"),
    "list_assignments_for_hit": ("Assignments", "AssignmentId"),
    "list_bonus_payments": ("BonusPayments", "AssignmentId"),
}


@pytest.fixture
def world(mturk, client):
    """23 expired (Reviewable) HITs, one of them with 23 approved, bonused assignments."""
    hits = [
        client.create_hit(**{**HIT_ARGS, "MaxAssignments": 23 if n == 0 else 1})["HIT"]["HITId"]
        for n in range(23)
    ]
    assignments = []
    for n in range(23):
        worker = mturk.worker(f"A{n:013d}")
        assignment = worker.accept(hits[0])
        worker.submit(assignment, {"q": str(n)})
        client.approve_assignment(AssignmentId=assignment)
        client.send_bonus(
            WorkerId=worker.worker_id, AssignmentId=assignment, BonusAmount="0.01", Reason="r"
        )
        assignments.append(assignment)
    for hit_id in hits[1:]:
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    return {
        "list_hits": ({}, hits),
        "list_reviewable_hits": ({}, hits),
        "list_assignments_for_hit": ({"HITId": hits[0]}, assignments),
        "list_bonus_payments": ({"HITId": hits[0]}, assignments),
    }


def walk_until_no_token(call, **kwargs):
    pages = []
    while True:
        page = call(**kwargs)
        pages.append(page)
        if "NextToken" not in page:
            return pages
        kwargs["NextToken"] = page["NextToken"]


def walk_until_empty(call, key, **kwargs):
    pages = []
    while True:
        page = call(**kwargs)
        if not page[key]:
            return pages
        pages.append(page)
        kwargs["NextToken"] = page["NextToken"]  # present on every non-empty page


@pytest.mark.parametrize("operation", sorted(LISTS))
def test_default_page_is_ten_and_the_last_page_is_empty(client, world, operation):
    key, id_key = LISTS[operation]
    kwargs, expected = world[operation]
    pages = walk_until_no_token(getattr(client, operation), **kwargs)
    assert [page["NumResults"] for page in pages] == [10, 10, 3, 0]
    assert all("NextToken" in page for page in pages[:-1])
    assert pages[-1][key] == []
    assert [item[id_key] for page in pages for item in page[key]] == expected


@pytest.mark.parametrize("operation", sorted(LISTS))
@pytest.mark.parametrize("size", [1, 7, 23, 100])
def test_every_style_of_loop_sees_every_item_once(client, world, operation, size):
    key, id_key = LISTS[operation]
    kwargs, expected = world[operation]
    call = getattr(client, operation)

    def ids(pages):
        return [item[id_key] for page in pages for item in page[key]]

    no_token = walk_until_no_token(call, MaxResults=size, **kwargs)
    assert ids(no_token) == expected
    assert all(page["NumResults"] == len(page[key]) <= size for page in no_token)
    assert ids(walk_until_empty(call, key, MaxResults=size, **kwargs)) == expected
    paginator = client.get_paginator(operation)
    assert ids(paginator.paginate(PaginationConfig={"PageSize": size}, **kwargs)) == expected
    built = paginator.paginate(**kwargs).build_full_result()
    assert [item[id_key] for item in built[key]] == expected


def test_paginator_max_items_resumes(client, world):
    _, expected = world["list_hits"]
    paginator = client.get_paginator("list_hits")
    first = paginator.paginate(PaginationConfig={"MaxItems": 15}).build_full_result()
    rest = paginator.paginate(
        PaginationConfig={"StartingToken": first["NextToken"]}
    ).build_full_result()
    assert [h["HITId"] for h in first["HITs"] + rest["HITs"]] == expected


def test_an_empty_list_is_one_empty_page(client):
    page = client.list_hits()
    assert (page["NumResults"], page["HITs"]) == (0, [])
    assert "NextToken" not in page


@pytest.mark.parametrize("operation", sorted(LISTS))
def test_max_results_range(client, world, operation):
    kwargs, _ = world[operation]
    call = getattr(client, operation)
    assert call(MaxResults=100, **kwargs)["NumResults"] == 23
    with raises_validation_exception(
        client, violation("maxResults", "'101'", "have value less than or equal to 100")
    ):
        call(MaxResults=101, **kwargs)
    with pytest.raises(ParamValidationError):
        call(MaxResults=0, **kwargs)  # botocore checks the model's minimum itself


def test_tokens_are_refused_elsewhere_and_when_forged(client, world):
    token = client.list_hits(MaxResults=1)["NextToken"]
    with raises_parameter_error(
        client, f'The value "{token}" is not valid for the parameter NextToken.'
    ):
        client.list_reviewable_hits(NextToken=token)
    with raises_parameter_error(
        client, 'The value "garbage!" is not valid for the parameter NextToken.'
    ):
        client.list_hits(NextToken="garbage!")
    with raises_validation_exception(
        client, violation("nextToken", f"'{'x' * 256}'", "have length less than or equal to 255")
    ):
        client.list_hits(NextToken="x" * 256)


def test_list_bonus_payments_needs_a_hit_or_an_assignment(client):
    with raises_parameter_error(client, "Either HITId or AssignmentId must be provided."):
        client.list_bonus_payments()


# -- paging while the list changes ----------------------------------------------------


def test_approving_while_paging_through_submitted_work(mturk, client):
    """The classic review loop: list Submitted, approve each, follow the token."""
    hit_id = client.create_hit(**{**HIT_ARGS, "MaxAssignments": 25})["HIT"]["HITId"]
    for n in range(25):
        worker = mturk.worker(f"A{n:013d}")
        worker.submit(worker.accept(hit_id), {"q": str(n)})
    seen = []
    paginator = client.get_paginator("list_assignments_for_hit")
    for page in paginator.paginate(
        HITId=hit_id, AssignmentStatuses=["Submitted"], PaginationConfig={"PageSize": 10}
    ):
        for assignment in page["Assignments"]:
            client.approve_assignment(AssignmentId=assignment["AssignmentId"])
            seen.append(assignment["AssignmentId"])
    assert len(seen) == len(set(seen)) == 25
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsCompleted"] == 25


def test_marking_reviewing_while_paging_reviewable_hits(mturk, client):
    hit_ids = [client.create_hit(**HIT_ARGS)["HIT"]["HITId"] for _ in range(25)]
    for hit_id in hit_ids:
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    seen = []
    for page in client.get_paginator("list_reviewable_hits").paginate(
        PaginationConfig={"PageSize": 10}
    ):
        for hit in page["HITs"]:
            client.update_hit_review_status(HITId=hit["HITId"])
            seen.append(hit["HITId"])
    assert seen == hit_ids
    assert client.list_reviewable_hits()["HITs"] == []


def test_hits_created_while_paging_are_seen_at_the_end(client):
    first = [client.create_hit(**HIT_ARGS)["HIT"]["HITId"] for _ in range(3)]
    page = client.list_hits(MaxResults=2)
    late = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    rest = walk_until_no_token(client.list_hits, MaxResults=2, NextToken=page["NextToken"])
    ids = [h["HITId"] for h in page["HITs"]] + [h["HITId"] for p in rest for h in p["HITs"]]
    assert ids == [*first, late]
