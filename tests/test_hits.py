"""HIT operations through a real boto3 client: shapes, HIT types, expiry, review status,
retyping, extension, deletion and the Disposed afterlife (spec §4.1, §5.3-§5.9)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from botocore.exceptions import ParamValidationError
from conftest import (
    ENTITY_ID,
    EXTERNAL_QUESTION,
    HIT_ARGS,
    pattern,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    violation,
)

ID = re.compile(r"^[A-Z0-9]{30}$")
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
LOCALE = "00000000000000000071"
UNKNOWN_HIT = "3X7837UUADRXYCA1K7JAJLKC66DJ60"
WORKER = "A1B2C3D4E5F6G7"
# Whole seconds: ExpireAt travels as integer epoch seconds, so increments come out exact.
pytestmark = pytest.mark.mturk(start="2021-07-14T20:00:00+00:00")

TYPE_ARGS = {
    key: HIT_ARGS[key]
    for key in (
        "Title",
        "Description",
        "Reward",
        "AssignmentDurationInSeconds",
        "AutoApprovalDelayInSeconds",
    )
}


def at(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


# -- creation: the HIT structure ---------------------------------------------------


def test_create_hit_returns_the_documented_structure(mturk, client):
    hit = client.create_hit(**HIT_ARGS)["HIT"]

    assert set(hit) == {
        "HITId",
        "HITTypeId",
        "HITGroupId",
        "CreationTime",
        "Title",
        "Description",
        "Question",
        "HITStatus",
        "MaxAssignments",
        "Reward",
        "AutoApprovalDelayInSeconds",
        "Expiration",
        "AssignmentDurationInSeconds",
        "QualificationRequirements",
        "HITReviewStatus",
        "NumberOfAssignmentsPending",
        "NumberOfAssignmentsAvailable",
        "NumberOfAssignmentsCompleted",
    }
    assert "LifetimeInSeconds" not in hit
    assert ID.match(hit["HITId"]) and ID.match(hit["HITTypeId"]) and ID.match(hit["HITGroupId"])
    assert hit["HITGroupId"] != hit["HITTypeId"]
    assert hit["CreationTime"].tzinfo is not None
    assert hit["CreationTime"] == mturk.now
    assert hit["Expiration"] - hit["CreationTime"] == at(HIT_ARGS["LifetimeInSeconds"])
    assert hit["HITStatus"] == "Assignable"
    assert hit["HITReviewStatus"] == "NotReviewed"
    assert hit["Reward"] == "0.50"
    assert hit["Question"] == EXTERNAL_QUESTION
    assert hit["QualificationRequirements"] == []
    assert (
        hit["MaxAssignments"],
        hit["NumberOfAssignmentsAvailable"],
        hit["NumberOfAssignmentsPending"],
        hit["NumberOfAssignmentsCompleted"],
    ) == (3, 3, 0, 0)
    assert (hit["AutoApprovalDelayInSeconds"], hit["AssignmentDurationInSeconds"]) == (86400, 600)


def test_optional_members_appear_only_when_given(client):
    hit = client.create_hit(**HIT_ARGS, Keywords="image, label", RequesterAnnotation="batch 7")[
        "HIT"
    ]
    assert hit["Keywords"] == "image, label"
    assert hit["RequesterAnnotation"] == "batch 7"
    assert "HITLayoutId" not in hit


def test_defaults_for_max_assignments_and_auto_approval_delay(client):
    args = {
        k: v
        for k, v in HIT_ARGS.items()
        if k not in ("MaxAssignments", "AutoApprovalDelayInSeconds")
    }
    hit = client.create_hit(**args)["HIT"]
    assert hit["MaxAssignments"] == 1
    assert hit["NumberOfAssignmentsAvailable"] == 1
    assert hit["AutoApprovalDelayInSeconds"] == 2_592_000


def test_reward_is_written_with_two_decimals(client, make_hit):
    assert make_hit(Reward="5")["Reward"] == "5.00"
    assert make_hit(Reward="0.5")["Reward"] == "0.50"
    assert make_hit(Reward="12.")["Reward"] == "12.00"


def test_get_hit_matches_the_created_hit(client, make_hit):
    hit = make_hit()
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit


def test_hits_live_in_their_own_environment(mturk, client, prod_client, make_hit):
    hit = make_hit()
    with raises_request_error(
        mturk, prod_client, "HITDoesNotExist", f"Hit {hit['HITId']} does not exist."
    ):
        prod_client.get_hit(HITId=hit["HITId"])


def test_get_hit_unknown(mturk, client):
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.get_hit(HITId=UNKNOWN_HIT)


def test_malformed_hit_id_is_a_validation_exception(client):
    with raises_validation_exception(client, pattern("hITId", "abc-def", ENTITY_ID)):
        client.get_hit(HITId="abc-def")


# -- qualification requirements on HITs ----------------------------------------------


def test_qualification_requirements_are_echoed_with_defaults(client, make_hit):
    hit = make_hit(
        QualificationRequirements=[
            {"QualificationTypeId": MASTERS_SANDBOX, "Comparator": "Exists"},
            {
                "QualificationTypeId": LOCALE,
                "Comparator": "In",
                "LocaleValues": [{"Country": "US"}, {"Country": "CA", "Subdivision": "ON"}],
                "RequiredToPreview": True,
            },
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [95],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
        ]
    )
    assert hit["QualificationRequirements"] == [
        {
            "QualificationTypeId": MASTERS_SANDBOX,
            "Comparator": "Exists",
            "RequiredToPreview": False,
            "ActionsGuarded": "Accept",
        },
        {
            "QualificationTypeId": LOCALE,
            "Comparator": "In",
            "LocaleValues": [{"Country": "US"}, {"Country": "CA", "Subdivision": "ON"}],
            "RequiredToPreview": True,
            "ActionsGuarded": "PreviewAndAccept",
        },
        {
            "QualificationTypeId": "000000000000000000L0",
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [95],
            "RequiredToPreview": True,
            "ActionsGuarded": "DiscoverPreviewAndAccept",
        },
    ]
    assert (
        client.get_hit(HITId=hit["HITId"])["HIT"]["QualificationRequirements"]
        == (hit["QualificationRequirements"])
    )


@pytest.mark.parametrize("type_id", ["3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", MASTERS_PRODUCTION])
def test_unknown_qualification_type_is_refused(mturk, client, type_id):
    with raises_request_error(
        mturk,
        client,
        "QualificationTypeDoesNotExist",
        f"QualificationType [{type_id}] does not exist.",
    ):
        client.create_hit(
            **HIT_ARGS,
            QualificationRequirements=[{"QualificationTypeId": type_id, "Comparator": "Exists"}],
        )
    assert not mturk.hits


def test_masters_ids_belong_to_their_environment(mturk, prod_client):
    hit = prod_client.create_hit(
        **HIT_ARGS,
        QualificationRequirements=[
            {"QualificationTypeId": MASTERS_PRODUCTION, "Comparator": "Exists"}
        ],
    )["HIT"]
    assert hit["QualificationRequirements"][0]["QualificationTypeId"] == MASTERS_PRODUCTION
    with raises_request_error(
        mturk,
        prod_client,
        "QualificationTypeDoesNotExist",
        f"QualificationType [{MASTERS_SANDBOX}] does not exist.",
    ):
        prod_client.create_hit(
            **HIT_ARGS,
            QualificationRequirements=[
                {"QualificationTypeId": MASTERS_SANDBOX, "Comparator": "Exists"}
            ],
        )


# -- server-side parameter rules for creation (spec §5.3) -----------------------------


@pytest.mark.parametrize(
    ("member", "value", "low", "high"),
    [
        ("LifetimeInSeconds", 29, 30, 31_536_000),
        ("LifetimeInSeconds", 31_536_001, 30, 31_536_000),
        ("AssignmentDurationInSeconds", 29, 30, 31_536_000),
        ("AssignmentDurationInSeconds", 31_536_001, 30, 31_536_000),
        ("AutoApprovalDelayInSeconds", -1, 0, 2_592_000),
        ("AutoApprovalDelayInSeconds", 2_592_001, 0, 2_592_000),
        ("MaxAssignments", 0, 1, 1_000_000_000),
        ("MaxAssignments", 1_000_000_001, 1, 1_000_000_000),
    ],
)
def test_numbers_out_of_range(mturk, client, member, value, low, high):
    with raises_parameter_error(
        client,
        f"The value {value} is invalid for {member}. Valid values range from {low} to {high}.",
    ):
        client.create_hit(**{**HIT_ARGS, member: value})
    assert not mturk.hits and not mturk.hit_types


@pytest.mark.parametrize(
    ("member", "limit"),
    [("Title", 128), ("Description", 2000), ("Keywords", 1000), ("RequesterAnnotation", 255)],
)
def test_text_lengths(mturk, client, make_hit, member, limit):
    assert make_hit(**{member: "x" * limit})[member] == "x" * limit
    with raises_parameter_error(client):
        client.create_hit(**{**HIT_ARGS, member: "x" * (limit + 1)})
    assert len(mturk.hits) == 1


def test_question_and_layout_exclusive(mturk, client):
    args = {k: v for k, v in HIT_ARGS.items() if k != "Question"}
    with raises_parameter_error(client):
        client.create_hit(**args)
    with raises_parameter_error(client):
        client.create_hit(**HIT_ARGS, HITLayoutId="3LAYOUT")
    assert not mturk.hits


def test_question_size_limit_is_65535_bytes(client, make_hit):
    padding = " " * (65_535 - len(EXTERNAL_QUESTION.encode()))
    assert make_hit(Question=EXTERNAL_QUESTION + padding)["Question"].endswith(" ")
    with raises_parameter_error(client):
        client.create_hit(**{**HIT_ARGS, "Question": EXTERNAL_QUESTION + padding + " "})


def test_hit_layout_fills_placeholders(mturk, client):
    # The filled layout is checked as a Question is: it must be one.
    mturk.register_layout("3LAYOUT", EXTERNAL_QUESTION.replace("/task", "/${word}"))
    args = {k: v for k, v in HIT_ARGS.items() if k != "Question"}
    hit = client.create_hit(
        **args, HITLayoutId="3LAYOUT", HITLayoutParameters=[{"Name": "word", "Value": "cat"}]
    )["HIT"]
    assert hit["HITLayoutId"] == "3LAYOUT"
    assert hit["Question"] == EXTERNAL_QUESTION.replace("/task", "/cat")


def test_required_members_are_checked_by_botocore(client):
    args = {k: v for k, v in HIT_ARGS.items() if k != "Title"}
    with pytest.raises(ParamValidationError):
        client.create_hit(**args)


# -- HIT types -----------------------------------------------------------------------


def test_create_hit_type_is_found_or_created(client):
    first = client.create_hit_type(**TYPE_ARGS)["HITTypeId"]
    assert client.create_hit_type(**TYPE_ARGS)["HITTypeId"] == first
    other = client.create_hit_type(**{**TYPE_ARGS, "Reward": "0.51"})["HITTypeId"]
    assert other != first
    assert ID.match(first)


def test_create_hit_reuses_the_matching_hit_type(client, make_hit):
    type_id = client.create_hit_type(**TYPE_ARGS)["HITTypeId"]
    first, second = make_hit(), make_hit(MaxAssignments=7, LifetimeInSeconds=60)
    assert first["HITTypeId"] == second["HITTypeId"] == type_id
    assert first["HITGroupId"] == second["HITGroupId"]
    assert make_hit(Keywords="new")["HITTypeId"] != type_id


def test_create_hit_with_hit_type_takes_the_type_properties(mturk, client):
    type_id = client.create_hit_type(**TYPE_ARGS, Keywords="k")["HITTypeId"]
    hit = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=120, Question=EXTERNAL_QUESTION, MaxAssignments=2
    )["HIT"]
    assert hit["HITTypeId"] == type_id
    assert (hit["Title"], hit["Reward"], hit["Keywords"]) == ("Label an image", "0.50", "k")
    assert hit["Expiration"] - hit["CreationTime"] == at(120)
    assert hit["MaxAssignments"] == hit["NumberOfAssignmentsAvailable"] == 2


def test_create_hit_with_unknown_hit_type(mturk, client):
    with raises_request_error(
        mturk, client, "HITTypeDoesNotExist", f"HITType {UNKNOWN_HIT} does not exist."
    ):
        client.create_hit_with_hit_type(
            HITTypeId=UNKNOWN_HIT, LifetimeInSeconds=120, Question=EXTERNAL_QUESTION
        )


def test_a_refused_create_hit_makes_no_hit_type(mturk, client):
    with raises_parameter_error(client):
        client.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 1})
    assert not mturk.hit_types
    hit_type = client.create_hit_type(**TYPE_ARGS)["HITTypeId"]
    assert list(mturk.hit_types) == [hit_type]


# -- ListHITs / ListReviewableHITs ---------------------------------------------------


def test_list_hits_lists_every_live_hit(client, make_hit):
    ids = [make_hit()["HITId"] for _ in range(3)]
    page = client.list_hits()
    assert page["NumResults"] == 3
    assert [h["HITId"] for h in page["HITs"]] == ids


def test_list_reviewable_hits_by_status_and_type(mturk, client, make_hit):
    short = make_hit(LifetimeInSeconds=60)
    other_type = make_hit(LifetimeInSeconds=60, Title="Another")
    make_hit(LifetimeInSeconds=3600)
    mturk.advance(seconds=60)

    reviewable = client.list_reviewable_hits()
    assert {h["HITId"] for h in reviewable["HITs"]} == {short["HITId"], other_type["HITId"]}
    assert reviewable["NumResults"] == 2
    for listed in reviewable["HITs"]:
        assert client.get_hit(HITId=listed["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    only = client.list_reviewable_hits(HITTypeId=short["HITTypeId"])["HITs"]
    assert only == [{"HITId": short["HITId"]}]

    client.update_hit_review_status(HITId=short["HITId"])
    assert client.list_reviewable_hits()["HITs"] == [{"HITId": other_type["HITId"]}]
    reviewing = client.list_reviewable_hits(Status="Reviewing")["HITs"]
    assert reviewing == [{"HITId": short["HITId"]}]
    assert client.get_hit(HITId=short["HITId"])["HIT"]["HITStatus"] == "Reviewing"


def test_list_reviewable_hits_gives_each_hit_by_its_id_only(mturk, client, make_hit):
    # As the sandbox answered (aws/aws-sdk-js#2522): HITs: [{HITId: '...'}], though the
    # service model names the whole HIT structure. The rest comes from GetHIT.
    hit_ids = [make_hit(LifetimeInSeconds=60)["HITId"] for _ in range(3)]
    mturk.advance(seconds=60)
    page = client.list_reviewable_hits(MaxResults=2)
    assert page["HITs"] == [{"HITId": hit_id} for hit_id in hit_ids[:2]]
    assert page["NumResults"] == 2 and page["NextToken"]
    rest = client.list_reviewable_hits(MaxResults=2, NextToken=page["NextToken"])
    assert rest["HITs"] == [{"HITId": hit_ids[2]}]
    with pytest.raises(KeyError):
        page["HITs"][0]["Title"]  # code written for the full HIT fails here, as it did
    with pytest.raises(KeyError):
        page["HITs"][0]["Reward"]
    # ListHITs and GetHIT still give the whole structure.
    assert client.list_hits()["HITs"][0]["Title"] == "Label an image"


def test_list_reviewable_hits_refuses_other_statuses(client):
    with raises_validation_exception(
        client,
        violation("status", "'Assignable'", "satisfy enum value set: [Reviewable, Reviewing]"),
    ):
        client.list_reviewable_hits(Status="Assignable")


# -- UpdateExpirationForHIT (spec §5.5) ----------------------------------------------


@pytest.mark.parametrize("expire_at", ["past", 0])
def test_expire_now(mturk, client, make_hit, expire_at):
    hit = make_hit()
    mturk.advance(seconds=10)
    when = dt.datetime(2015, 1, 1) if expire_at == "past" else 0
    assert client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=when).keys() == {
        "ResponseMetadata"
    }
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert after["Expiration"] == mturk.now
    assert after["NumberOfAssignmentsAvailable"] == 0
    assert after["HITStatus"] == "Reviewable"
    # Expiring an expired HIT again (another time) is a quiet no-op.
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=dt.datetime(2016, 1, 1))
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == after


def test_expiring_with_work_in_progress_waits_for_it(mturk, client, make_hit):
    # More in tests/test_expiry_with_work_in_progress.py.
    hit = make_hit()
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["HITStatus"], after["NumberOfAssignmentsAvailable"]) == ("Unassignable", 0)
    assert after["NumberOfAssignmentsPending"] == 1
    # The work in progress may still be submitted; then the HIT is Reviewable.
    worker.submit(assignment, {"label": "cat"})
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["HITStatus"], after["NumberOfAssignmentsPending"]) == ("Reviewable", 0)


def test_future_expire_at_is_an_increment(mturk, client, make_hit):
    hit = make_hit()
    new = hit["Expiration"] + at(3600)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=new)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] == new
    # The old expiration passes without effect; the new one expires the HIT.
    mturk.advance(seconds=3600)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
    mturk.advance(seconds=3600)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"


@pytest.mark.parametrize("increment", [59, 31_536_001, -600, 0])
def test_increments_outside_60_to_31536000_are_refused(mturk, client, make_hit, increment):
    hit = make_hit()
    with raises_parameter_error(
        client,
        f"The value {increment} is invalid for ExpirationIncrementInSeconds. "
        "Valid values range from 60 to 31536000.",
    ):
        client.update_expiration_for_hit(
            HITId=hit["HITId"], ExpireAt=hit["Expiration"] + at(increment)
        )
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit


@pytest.mark.parametrize("increment", [60, 31_536_000])
def test_increment_bounds_are_inclusive(client, make_hit, increment):
    hit = make_hit()
    new = hit["Expiration"] + at(increment)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=new)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] == new


def test_extending_an_expired_hit_counts_from_now(mturk, client, make_hit):
    hit = make_hit(LifetimeInSeconds=60)
    mturk.advance(hours=1)
    expired = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (expired["HITStatus"], expired["NumberOfAssignmentsAvailable"]) == ("Reviewable", 0)

    with raises_parameter_error(client):  # 30 s from now: too short an increment
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=mturk.now + at(30))
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=mturk.now + at(600))
    back = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert back["HITStatus"] == "Assignable"
    assert back["NumberOfAssignmentsAvailable"] == 3
    assert back["Expiration"] == mturk.now + at(600)
    assert back["HITId"] not in {h["HITId"] for h in client.list_reviewable_hits()["HITs"]}


def test_update_expiration_unknown_hit(mturk, client):
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.update_expiration_for_hit(HITId=UNKNOWN_HIT, ExpireAt=0)


# -- UpdateHITReviewStatus (spec §5.7) -----------------------------------------------


def test_review_status_round_trip(mturk, client, make_hit):
    hit_id = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert client.update_hit_review_status(HITId=hit_id).keys() == {"ResponseMetadata"}
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewing"
    client.update_hit_review_status(HITId=hit_id, Revert=True)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    client.update_hit_review_status(HITId=hit_id, Revert=False)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewing"


def test_review_status_from_wrong_states(mturk, client, make_hit):
    hit_id = make_hit()["HITId"]
    with raises_request_error(
        mturk,
        client,
        "InvalidHITState",
        "This HIT is currently in the state 'Assignable'.  "
        "This operation can be called with a status of: Reviewable",
    ):
        client.update_hit_review_status(HITId=hit_id)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    with raises_request_error(
        mturk,
        client,
        "InvalidHITState",
        "This HIT is currently in the state 'Reviewable'.  "
        "This operation can be called with a status of: Reviewing",
    ):
        client.update_hit_review_status(HITId=hit_id, Revert=True)
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.update_hit_review_status(HITId=UNKNOWN_HIT)


def test_extending_a_reviewing_hit_makes_it_assignable(mturk, client, make_hit):
    hit_id = make_hit(LifetimeInSeconds=60)["HITId"]
    mturk.advance(seconds=60)
    client.update_hit_review_status(HITId=hit_id)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=mturk.now + at(600))
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Assignable"
    assert client.list_reviewable_hits(Status="Reviewing")["HITs"] == []


# -- UpdateHITTypeOfHIT (spec §5.6) --------------------------------------------------


def test_retyped_hit_adopts_the_new_properties(client, make_hit):
    hit = make_hit()
    new_type = client.create_hit_type(
        **{**TYPE_ARGS, "Title": "Better title", "Reward": "0.75", "Keywords": "new"}
    )["HITTypeId"]
    assert client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=new_type).keys() == {
        "ResponseMetadata"
    }
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert after["HITTypeId"] == new_type
    assert (after["Title"], after["Reward"], after["Keywords"]) == ("Better title", "0.75", "new")
    assert after["HITGroupId"] != hit["HITGroupId"]
    assert after["Expiration"] == hit["Expiration"]


def test_reward_may_change_once_work_was_accepted(mturk, client, make_hit):
    hit = make_hit()
    mturk.worker(WORKER).accept(hit["HITId"])
    same_reward = client.create_hit_type(**{**TYPE_ARGS, "Title": "Renamed"})["HITTypeId"]
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=same_reward)
    dearer = client.create_hit_type(**{**TYPE_ARGS, "Reward": "1.00"})["HITTypeId"]
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=dearer)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Reward"] == "1.00"


def test_reward_can_change_after_work_was_given_back_or_the_hit_expired(mturk, client, make_hit):
    hit = make_hit()
    worker = mturk.worker(WORKER)
    worker.return_(worker.accept(hit["HITId"]))
    dearer = client.create_hit_type(**{**TYPE_ARGS, "Reward": "1.00"})["HITTypeId"]
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=dearer)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Reward"] == "1.00"

    expired = make_hit(Title="expired")
    client.update_expiration_for_hit(HITId=expired["HITId"], ExpireAt=0)
    client.update_hit_type_of_hit(HITId=expired["HITId"], HITTypeId=dearer)
    assert client.get_hit(HITId=expired["HITId"])["HIT"]["Reward"] == "1.00"


def test_retype_to_unknown_type_or_hit(mturk, client, make_hit):
    hit = make_hit()
    with raises_request_error(
        mturk, client, "HITTypeDoesNotExist", f"HITType {UNKNOWN_HIT} does not exist."
    ):
        client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=UNKNOWN_HIT)
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.update_hit_type_of_hit(HITId=UNKNOWN_HIT, HITTypeId=hit["HITTypeId"])


# -- CreateAdditionalAssignmentsForHIT (spec §5.4) -----------------------------------


def test_additional_assignments_add_slots(client, make_hit):
    hit = make_hit(MaxAssignments=3)
    assert client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=2
    ).keys() == {"ResponseMetadata"}
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["MaxAssignments"], after["NumberOfAssignmentsAvailable"]) == (5, 5)


@pytest.mark.parametrize(
    ("start", "extra", "allowed"),
    [(5, 4, True), (9, 1, False), (5, 5, False), (1, 100, False), (10, 5, True), (12, 1, True)],
)
def test_the_9_to_10_rule(mturk, client, make_hit, start, extra, allowed):
    hit = make_hit(MaxAssignments=start)
    call = {"HITId": hit["HITId"], "NumberOfAdditionalAssignments": extra}
    if allowed:
        client.create_additional_assignments_for_hit(**call)
        assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == start + extra
        return
    with raises_request_error(
        mturk,
        client,
        "InvalidMaximumAssignmentsIncrease",
        "A HIT created with fewer than 10 assignments cannot be extended to have 10 or "
        "more assignments.",
    ):
        client.create_additional_assignments_for_hit(**call)
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit


def test_additional_assignments_on_an_expired_hit_wait_for_an_extension(mturk, client, make_hit):
    hit = make_hit(LifetimeInSeconds=60, MaxAssignments=2)
    mturk.advance(seconds=60)
    client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=3
    )
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["HITStatus"], after["MaxAssignments"]) == ("Reviewable", 5)
    assert after["NumberOfAssignmentsAvailable"] == 0
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=mturk.now + at(600))
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["HITStatus"], after["NumberOfAssignmentsAvailable"]) == ("Assignable", 5)


def test_additional_assignments_reopen_a_fully_submitted_hit(mturk, client, make_hit):
    hit = make_hit(MaxAssignments=1)
    worker = mturk.worker(WORKER)
    worker.submit(worker.accept(hit["HITId"]), {"label": "cat"})
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=1
    )
    after = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (after["HITStatus"], after["NumberOfAssignmentsAvailable"]) == ("Assignable", 1)
    assert client.list_reviewable_hits()["HITs"] == []


def test_additional_assignments_errors(mturk, client, make_hit):
    hit = make_hit()
    with raises_parameter_error(
        client,
        "The value 0 is invalid for NumberOfAdditionalAssignments. "
        "Valid values range from 1 to 1000000000.",
    ):
        client.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=0
        )
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.create_additional_assignments_for_hit(
            HITId=UNKNOWN_HIT, NumberOfAdditionalAssignments=1
        )


# -- DeleteHIT and the Disposed afterlife (spec §5.8) --------------------------------


def _delete_refused(mturk, client, hit_id: str, state: str):
    return raises_request_error(
        mturk,
        client,
        "InvalidHITState",
        f"This HIT is currently in the state '{state}'.  "
        "This operation can be called with a status of: Reviewing, Reviewable",
    )


def test_delete_hit_preconditions_and_afterlife(mturk, client, make_hit):
    hit_id = make_hit(MaxAssignments=2)["HITId"]
    first, second = mturk.worker("A1111111111111"), mturk.worker("A2222222222222")

    with _delete_refused(mturk, client, hit_id, "Assignable"):
        client.delete_hit(HITId=hit_id)
    one = first.accept(hit_id)
    two = second.accept(hit_id)
    with _delete_refused(mturk, client, hit_id, "Unassignable"):
        client.delete_hit(HITId=hit_id)
    first.submit(one, {"label": "cat"})
    second.submit(two, {"label": "dog"})
    # Reviewable, but with submissions nobody reviewed: the same refusal.
    with _delete_refused(mturk, client, hit_id, "Reviewable"):
        client.delete_hit(HITId=hit_id)
    client.approve_assignment(AssignmentId=one)
    client.reject_assignment(AssignmentId=two, RequesterFeedback="wrong")

    assert client.delete_hit(HITId=hit_id).keys() == {"ResponseMetadata"}
    assert mturk.hits[hit_id].status == "Disposed"
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsCompleted"] == 2
    assert client.list_hits()["HITs"] == []
    assert client.list_reviewable_hits()["HITs"] == []
    with _delete_refused(mturk, client, hit_id, "Disposed"):
        client.delete_hit(HITId=hit_id)
    with raises_request_error(mturk, client, "HITDoesNotExist", f"Hit {hit_id} does not exist."):
        client.list_assignments_for_hit(HITId=hit_id)
    with raises_request_error(mturk, client, "HITDoesNotExist", f"Hit {hit_id} does not exist."):
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    with raises_request_error(mturk, client, "HITDoesNotExist", f"Hit {hit_id} does not exist."):
        client.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
    with raises_request_error(mturk, client, "HITDoesNotExist", f"Hit {hit_id} does not exist."):
        client.update_hit_review_status(HITId=hit_id)


def test_a_reviewing_hit_can_be_deleted(mturk, client, make_hit):
    hit_id = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    client.update_hit_review_status(HITId=hit_id)
    client.delete_hit(HITId=hit_id)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"
    assert client.list_reviewable_hits(Status="Reviewing")["HITs"] == []


def test_the_expire_then_delete_recipe(mturk, client, make_hit):
    """Dallinger's and Mephisto's way to remove an Assignable HIT."""
    hit_id = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=dt.datetime(2015, 1, 1))
    client.delete_hit(HITId=hit_id)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"


def test_delete_unknown_hit(mturk, client):
    with raises_request_error(
        mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN_HIT} does not exist."
    ):
        client.delete_hit(HITId=UNKNOWN_HIT)


def test_hits_are_disposed_after_120_days(mturk, client, make_hit):
    hit_id = make_hit()["HITId"]
    mturk.advance(days=119, hours=23)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    mturk.advance(hours=1)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"
    assert client.list_hits()["HITs"] == []
    assert [e.event_type for e in mturk.events if e.hit_id == hit_id][-1] == "HITDisposed"


def test_auto_disposal_waits_for_work_in_flight(mturk, client, make_hit):
    # A year to do the work: still in progress when the 120 days are up.
    hit_id = make_hit(AssignmentDurationInSeconds=31_536_000)["HITId"]
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit_id)
    mturk.advance(days=121)
    hit = client.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsPending"]) == ("Unassignable", 1)
    worker.submit(assignment, {"label": "cat"})
    mturk.advance(hours=12)
    # A submission awaiting (auto-)approval keeps the HIT alive...
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    mturk.advance(days=2)
    # ...until it is approved (after 86400 s here); then the HIT goes within a day.
    assert mturk.assignments[assignment].status == "Approved"
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"
