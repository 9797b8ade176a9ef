"""Idempotency: UniqueRequestToken's 24-hour window on CreateHIT, SendBonus and
CreateAdditionalAssignmentsForHIT; UpdateExpirationForHIT's implicit token; CreateHITType."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import (
    EXTERNAL_QUESTION,
    HIT_ARGS,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    violation,
)

pytestmark = pytest.mark.mturk(start="2021-07-14T20:00:00+00:00", balance="100.00")

WORKER = "A1B2C3D4E5F6G7"
UTC = dt.timezone.utc
INSUFFICIENT = (
    "This Requester has insufficient funds in their account to complete this transaction. "
    "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
)


def already_processed(token: str) -> re.Pattern[str]:
    """The replay refusal names the token and the first request's ID."""
    return re.compile(
        f'The request with UniqueRequestToken "{re.escape(token)}" has already been '
        r"processed \(request ID [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)\."
    )


# -- CreateHIT / CreateHITWithHITType -----------------------------------------------


def test_create_hit_token_replay_within_24_hours(mturk, client):
    hit_id = client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1")["HIT"]["HITId"]
    mturk.advance(hours=23, minutes=59, seconds=59)
    with raises_request_error(
        mturk,
        client,
        "HitAlreadyExists",
        f'The HIT with ID "{hit_id}" has already been created with the '
        'UniqueRequestToken "batch-1".',
    ):
        client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1")
    assert list(mturk.hits) == [hit_id]
    # Another token is another request.
    client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-2")
    assert len(mturk.hits) == 2


def test_create_hit_token_is_free_again_after_24_hours(mturk, client):
    first = client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1")["HIT"]["HITId"]
    mturk.advance(hours=24)
    second = client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1")["HIT"]["HITId"]
    assert second != first
    # ...and the window starts again from the second HIT.
    with raises_request_error(
        mturk,
        client,
        "HitAlreadyExists",
        f'The HIT with ID "{second}" has already been created with the '
        'UniqueRequestToken "batch-1".',
    ):
        client.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1")


def test_create_hit_with_hit_type_shares_the_token_space(mturk, client):
    hit_id = client.create_hit(**HIT_ARGS, UniqueRequestToken="t")["HIT"]
    with raises_request_error(
        mturk,
        client,
        "HitAlreadyExists",
        f'The HIT with ID "{hit_id["HITId"]}" has already been created with the '
        'UniqueRequestToken "t".',
    ):
        client.create_hit_with_hit_type(
            HITTypeId=hit_id["HITTypeId"],
            LifetimeInSeconds=60,
            Question=EXTERNAL_QUESTION,
            UniqueRequestToken="t",
        )


def test_tokens_are_per_environment(client, prod_client):
    client.create_hit(**HIT_ARGS, UniqueRequestToken="t")
    prod_client.create_hit(**HIT_ARGS, UniqueRequestToken="t")


@pytest.mark.mturk(balance="1.00")
def test_a_refused_request_does_not_use_up_its_token(mturk, prod_client):
    args = {**HIT_ARGS, "MaxAssignments": 1, "UniqueRequestToken": "t"}
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.create_hit(**{**args, "Reward": "5.00"})
    prod_client.create_hit(**{**args, "Reward": "0.10"})


def test_token_longer_than_64_is_refused(mturk, client):
    assert client.create_hit(**HIT_ARGS, UniqueRequestToken="x" * 64)["HIT"]
    with raises_validation_exception(
        client,
        violation("uniqueRequestToken", f"'{'x' * 65}'", "have length less than or equal to 64"),
    ):
        client.create_hit(**HIT_ARGS, UniqueRequestToken="x" * 65)
    assert len(mturk.hits) == 1


# -- CreateAdditionalAssignmentsForHIT and SendBonus ---------------------------------


def test_additional_assignments_token(mturk, client, make_hit):
    hit_id = make_hit(MaxAssignments=2)["HITId"]
    call = {"HITId": hit_id, "NumberOfAdditionalAssignments": 1, "UniqueRequestToken": "more"}
    client.create_additional_assignments_for_hit(**call)
    with raises_request_error(mturk, client, None, already_processed("more")):
        client.create_additional_assignments_for_hit(**call)
    assert client.get_hit(HITId=hit_id)["HIT"]["MaxAssignments"] == 3
    mturk.advance(hours=24)
    client.create_additional_assignments_for_hit(**call)
    assert client.get_hit(HITId=hit_id)["HIT"]["MaxAssignments"] == 4


def test_send_bonus_token(mturk, client, make_hit):
    worker = mturk.worker(WORKER)
    assignment = worker.accept(make_hit()["HITId"])
    worker.submit(assignment, {"q": "a"})
    call = {
        "WorkerId": WORKER,
        "AssignmentId": assignment,
        "BonusAmount": "1.00",
        "Reason": "r",
        "UniqueRequestToken": "bonus-1",
    }
    client.send_bonus(**call)
    mturk.advance(hours=23)
    with raises_request_error(mturk, client, None, already_processed("bonus-1")):
        client.send_bonus(**call)
    assert len(client.list_bonus_payments(AssignmentId=assignment)["BonusPayments"]) == 1
    mturk.advance(hours=1)
    client.send_bonus(**call)
    assert len(client.list_bonus_payments(AssignmentId=assignment)["BonusPayments"]) == 2


# -- UpdateExpirationForHIT's implicit token (spec §5.5) ------------------------------


def already_expired_at(hit_id: str, java_date: str) -> str:
    return f'The idempotency token "{hit_id}{java_date}" has already been processed.'


@pytest.mark.parametrize(
    "expire_at",
    [dt.datetime(2021, 7, 5, 20, 26, 6, tzinfo=UTC), 0, dt.datetime(2015, 12, 31, tzinfo=UTC)],
)
def test_expiring_again_with_the_same_past_time_succeeds(mturk, client, make_hit, expire_at):
    # Cleanup loops (Mephisto, psiTurk) expire with one fixed past date until DeleteHIT works.
    hit_id = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at)
    before = client.get_hit(HITId=hit_id)["HIT"]
    for _ in range(3):
        mturk.advance(minutes=1)
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at)
    assert client.get_hit(HITId=hit_id)["HIT"] == before


def test_extending_twice_to_the_same_time(mturk, client, make_hit):
    hit = make_hit()
    new = dt.datetime(2021, 7, 14, 22, 0, 0, tzinfo=UTC)  # one hour past the expiration
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=new)
    with raises_request_error(
        mturk, client, None, already_expired_at(hit["HITId"], "Wed Jul 14 22:00:00 UTC 2021")
    ):
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=new)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] == new


def test_the_implicit_token_is_per_hit_per_time_and_lasts_24_hours(mturk, client, make_hit):
    first, second = make_hit()["HITId"], make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=first, ExpireAt=0)
    client.update_expiration_for_hit(HITId=second, ExpireAt=0)  # another HIT
    client.update_expiration_for_hit(HITId=first, ExpireAt=1)  # another time: a quiet no-op
    mturk.advance(hours=24)
    client.update_expiration_for_hit(HITId=first, ExpireAt=0)


def test_a_refused_extension_does_not_use_up_the_token(mturk, client, make_hit):
    hit = make_hit()
    too_short = hit["Expiration"] + dt.timedelta(seconds=30)
    with raises_parameter_error(client):
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=too_short)
    # The same request again gets the same answer, not the idempotency error.
    with raises_parameter_error(client):
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=too_short)


# -- CreateHITType: found, not created twice ------------------------------------------


def test_create_hit_type_twice_gives_one_type(mturk, client):
    args = {k: HIT_ARGS[k] for k in ("Title", "Description", "Reward")}
    args["AssignmentDurationInSeconds"] = 600
    first = client.create_hit_type(**args)["HITTypeId"]
    assert client.create_hit_type(**args)["HITTypeId"] == first
    # An omitted AutoApprovalDelayInSeconds is the default, 30 days.
    assert client.create_hit_type(**args, AutoApprovalDelayInSeconds=2_592_000)["HITTypeId"] == (
        first
    )
    assert list(mturk.hit_types) == [first]
