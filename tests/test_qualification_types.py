"""Qualification types through a real boto3 client: create, get, update, delete (and the
Disposing afterlife), list and search, and the HITs that use a type (spec §4.4, §5.12)."""

from __future__ import annotations

import datetime as dt
import re

import boto3
import pytest
from conftest import (
    ENTITY_ID,
    HIT_ARGS,
    pattern,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    stamp,
    violation,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qualification_helpers import (
    LOCALE,
    MASTERS_PRODUCTION,
    MASTERS_SANDBOX,
    SIMPLE_KEY,
    SIMPLE_TEST,
    SYSTEM_SANDBOX,
    all_pages,
    answer_key,
    free_text,
    key_question,
    make_type,
    percentage,
    question_form,
    requirement,
    scale,
    selection,
)

from pytest_mturk import mturk_sim

ID = re.compile(r"^[A-Z0-9]{30}$")
pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")
DUPLICATE = (
    "You have already created a QualificationType with this name. A QualificationType's "
    "name must be unique among all of the QualificationTypes created by the same user."
)
DISPOSING = "This operation can be called with a status of: Active,Inactive"
NOT_AUTHORIZED = "This user is not authorized to perform the requested operation."
# An unusable Test or AnswerKey gets one sentence naming the parameter (spec §5.12).
TEST, KEY = "Test", "AnswerKey"


def does_not_exist(type_id: str) -> str:
    return f"QualificationType [{type_id}] does not exist."


# -- create ------------------------------------------------------------------------


def test_create_returns_the_new_type(mturk, client):
    qtype = make_type(client, Keywords="birds, photos", RetryDelayInSeconds=3600)

    assert ID.match(qtype.pop("QualificationTypeId"))
    assert qtype == {
        "CreationTime": mturk.now,
        "Name": "Screened",
        "Description": "Workers who passed",
        "Keywords": "birds, photos",
        "QualificationTypeStatus": "Active",
        "RetryDelayInSeconds": 3600,
        "IsRequestable": True,
        "AutoGranted": False,
    }
    assert qtype["CreationTime"].tzinfo is not None


def test_create_with_a_test_and_key_echoes_them(client):
    qtype = make_type(client, Test=SIMPLE_TEST, AnswerKey=SIMPLE_KEY, TestDurationInSeconds=300)

    assert qtype["Test"] == SIMPLE_TEST
    assert qtype["AnswerKey"] == SIMPLE_KEY
    assert qtype["TestDurationInSeconds"] == 300
    assert "RetryDelayInSeconds" not in qtype


@pytest.mark.parametrize(("given", "echoed"), [({}, 1), ({"AutoGrantedValue": 7}, 7)])
def test_auto_granted_value_defaults_to_one(client, given, echoed):
    qtype = make_type(client, AutoGranted=True, **given)

    assert (qtype["AutoGranted"], qtype["AutoGrantedValue"]) == (True, echoed)


def test_a_duplicate_name_is_refused_and_nothing_is_made(mturk, client):
    make_type(client)

    with raises_request_error(mturk, client, "QualificationTypeAlreadyExists", DUPLICATE):
        make_type(client, Description="another")
    assert len(mturk.qualification_types) == 1


def test_names_are_per_environment_and_case_sensitive(mturk, client):
    make_type(client)
    make_type(client, name="screened")
    make_type(boto3.client("mturk", region_name="us-east-1"))

    assert len(mturk.sandbox.qualification_types) == 2
    assert len(mturk.production.qualification_types) == 1


BAD_CREATES = [
    (
        {"Description": "d" * 2001},
        "The value for Description is too long (2001 characters). "
        "The maximum length is 2000 characters.",
    ),
    (
        {"Keywords": "k" * 1001},
        "The value for Keywords is too long (1001 characters). "
        "The maximum length is 1000 characters.",
    ),
    (
        {"RetryDelayInSeconds": -1},
        'The value "-1" is not valid for the parameter RetryDelayInSeconds.',
    ),
    (
        {"Test": SIMPLE_TEST, "TestDurationInSeconds": 0},
        'The value "0" is not valid for the parameter TestDurationInSeconds.',
    ),
    ({"Test": SIMPLE_TEST}, "TestDurationInSeconds is required when Test is specified."),
    ({"AnswerKey": SIMPLE_KEY}, "AnswerKey cannot be specified without a Test."),
    (
        {"Test": SIMPLE_TEST, "TestDurationInSeconds": 60, "AutoGranted": True},
        "A QualificationType with a Test cannot be AutoGranted.",
    ),
    ({"Test": "<QuestionForm", "TestDurationInSeconds": 60}, TEST),
    ({"Test": HIT_ARGS["Question"], "TestDurationInSeconds": 60}, TEST),
    (
        {"Test": question_form(namespace="urn:wrong"), "TestDurationInSeconds": 60},
        TEST,
    ),
    ({"Test": question_form(), "TestDurationInSeconds": 60}, TEST),
    (
        {
            "Test": question_form(selection("q1", ["a" * 70_000])),
            "TestDurationInSeconds": 60,
        },
        re.compile(r"^The Test is too long \(\d+ bytes\)\. The maximum size is 65535 bytes\.$"),
    ),
    (
        {
            "Test": SIMPLE_TEST,
            "TestDurationInSeconds": 60,
            "AnswerKey": SIMPLE_KEY.replace("AnswerKey.xsd", "Answers.xsd"),
        },
        KEY,
    ),
    (
        {
            "Test": SIMPLE_TEST,
            "TestDurationInSeconds": 60,
            "AnswerKey": answer_key(key_question("q9", [(["a"], 1)])),
        },
        KEY,
    ),
    (
        {
            "Test": SIMPLE_TEST,
            "TestDurationInSeconds": 60,
            "AnswerKey": SIMPLE_KEY.replace("<AnswerScore>1", "<AnswerScore>one", 1),
        },
        KEY,
    ),
    (
        {
            "Test": SIMPLE_TEST,
            "TestDurationInSeconds": 60,
            "AnswerKey": answer_key(key_question("q1", [(["a"], 1)]), mapping=percentage(0)),
        },
        KEY,
    ),
    (
        {
            "Test": SIMPLE_TEST,
            "TestDurationInSeconds": 60,
            "AnswerKey": answer_key(key_question("q1", [(["a"], 1)]), mapping=scale("INF")),
        },
        KEY,
    ),
    (
        {
            "Test": question_form(selection("q1"), free_text("essay")),
            "TestDurationInSeconds": 60,
            "AnswerKey": answer_key(key_question("q1", [(["a"], 1)])),
        },
        KEY,
    ),
    (
        {
            "Test": question_form(selection("q1", other=True)),
            "TestDurationInSeconds": 60,
            "AnswerKey": answer_key(key_question("q1", [(["a"], 1)])),
        },
        KEY,
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CREATES)
def test_bad_create_is_refused_and_changes_nothing(mturk, client, overrides, message):
    with raises_parameter_error(client, mturk=mturk) as info:
        make_type(client, **overrides)

    text = info.value.response["Error"]["Message"].removesuffix(stamp(client, mturk.now))
    if isinstance(message, re.Pattern):
        assert message.match(text), text
    elif message in (TEST, KEY):
        assert text == f'The value "{overrides[message]}" is not valid for the parameter {message}.'
    else:
        assert text == message
    assert len(mturk.qualification_types) == 0


def test_a_status_outside_the_model_is_a_validation_exception(mturk, client):
    with raises_validation_exception(
        client,
        violation(
            "qualificationTypeStatus", "'Disposing'", "satisfy enum value set: [Active, Inactive]"
        ),
    ):
        make_type(client, QualificationTypeStatus="Disposing")
    assert len(mturk.qualification_types) == 0


# -- get ---------------------------------------------------------------------------


def test_get_returns_what_create_returned(client):
    created = make_type(client, Test=SIMPLE_TEST, TestDurationInSeconds=60)

    fetched = client.get_qualification_type(QualificationTypeId=created["QualificationTypeId"])

    assert fetched["QualificationType"] == created


@pytest.mark.parametrize("type_id", SYSTEM_SANDBOX)
def test_system_types_can_be_read_but_not_requested(client, type_id):
    qtype = client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]

    assert qtype["QualificationTypeId"] == type_id
    assert (qtype["IsRequestable"], qtype["AutoGranted"]) == (False, False)
    assert qtype["QualificationTypeStatus"] == "Active"


def test_masters_ids_belong_to_their_own_environment(mturk, client, prod_client):
    assert prod_client.get_qualification_type(QualificationTypeId=MASTERS_PRODUCTION)
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist(MASTERS_PRODUCTION)
    ):
        client.get_qualification_type(QualificationTypeId=MASTERS_PRODUCTION)
    with raises_request_error(
        mturk, prod_client, "QualificationTypeDoesNotExist", does_not_exist(MASTERS_SANDBOX)
    ):
        prod_client.get_qualification_type(QualificationTypeId=MASTERS_SANDBOX)


def test_get_unknown_type(mturk, client):
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist("3NOSUCHTYPE")
    ):
        client.get_qualification_type(QualificationTypeId="3NOSUCHTYPE")


def test_a_malformed_id_is_a_validation_exception(client):
    with raises_validation_exception(client, pattern("qualificationTypeId", "no-such", ENTITY_ID)):
        client.get_qualification_type(QualificationTypeId="no-such")


# -- update ------------------------------------------------------------------------


def test_update_changes_description_status_and_retry_delay(client):
    type_id = make_type(client)["QualificationTypeId"]

    updated = client.update_qualification_type(
        QualificationTypeId=type_id,
        Description="New words",
        QualificationTypeStatus="Inactive",
        RetryDelayInSeconds=600,
    )["QualificationType"]

    assert updated["Description"] == "New words"
    assert updated["QualificationTypeStatus"] == "Inactive"
    assert updated["RetryDelayInSeconds"] == 600
    assert updated["Name"] == "Screened"
    assert client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"] == (
        updated
    )


def test_an_inactive_type_cannot_guard_new_hits(mturk, client, make_hit):
    type_id = make_type(client, QualificationTypeStatus="Inactive")["QualificationTypeId"]

    with raises_request_error(
        mturk,
        client,
        "InvalidQualificationTypeState",
        f"QualificationType [{type_id}] is inactive. HITs cannot be created with "
        "requirements based on an inactive QualificationType.",
    ):
        make_hit(QualificationRequirements=[requirement(type_id, "Exists")])


def test_a_test_can_be_added_and_replaced_without_its_key(client):
    type_id = make_type(client)["QualificationTypeId"]

    with_key = client.update_qualification_type(
        QualificationTypeId=type_id,
        Test=SIMPLE_TEST,
        TestDurationInSeconds=60,
        AnswerKey=SIMPLE_KEY,
    )["QualificationType"]
    replaced = client.update_qualification_type(
        QualificationTypeId=type_id, Test=SIMPLE_TEST, TestDurationInSeconds=120
    )["QualificationType"]

    assert with_key["AnswerKey"] == SIMPLE_KEY
    assert replaced["TestDurationInSeconds"] == 120
    assert "AnswerKey" not in replaced  # the test, duration and key are replaced as one


def test_auto_granted_can_be_switched_on_for_a_type_without_a_test(client):
    type_id = make_type(client)["QualificationTypeId"]

    updated = client.update_qualification_type(QualificationTypeId=type_id, AutoGranted=True)

    assert updated["QualificationType"]["AutoGranted"] is True
    assert updated["QualificationType"]["AutoGrantedValue"] == 1


BAD_UPDATES = [
    ({"AnswerKey": SIMPLE_KEY}, "To change the AnswerKey or TestDurationInSeconds"),
    ({"TestDurationInSeconds": 30}, "To change the AnswerKey or TestDurationInSeconds"),
    ({"Test": SIMPLE_TEST}, "TestDurationInSeconds is required when Test is specified."),
    ({"AutoGranted": True}, "A QualificationType with a Test cannot be AutoGranted."),
    ({"RetryDelayInSeconds": -5}, 'The value "-5" is not valid'),
    ({"Description": "x" * 2001}, "The value for Description is too long"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_UPDATES)
def test_bad_update_is_refused_and_changes_nothing(client, overrides, message):
    type_id = make_type(client, Test=SIMPLE_TEST, TestDurationInSeconds=60)["QualificationTypeId"]
    before = client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]

    with raises_parameter_error(client) as info:
        client.update_qualification_type(QualificationTypeId=type_id, **overrides)

    assert info.value.response["Error"]["Message"].startswith(message)
    after = client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]
    assert after == before


def test_system_types_cannot_be_updated_or_deleted(mturk, client):
    with raises_request_error(mturk, client, "PermissionDenied", NOT_AUTHORIZED):
        client.update_qualification_type(QualificationTypeId=LOCALE, Description="x")
    with raises_request_error(mturk, client, "PermissionDenied", NOT_AUTHORIZED):
        client.delete_qualification_type(QualificationTypeId=MASTERS_SANDBOX)


def test_update_unknown_type(mturk, client):
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist("3NOSUCHTYPE")
    ):
        client.update_qualification_type(QualificationTypeId="3NOSUCHTYPE", Description="x")


# -- delete ------------------------------------------------------------------------


def test_a_deleted_type_is_disposing_then_gone_after_48_hours(mturk, client):
    type_id = make_type(client)["QualificationTypeId"]

    response = client.delete_qualification_type(QualificationTypeId=type_id)

    assert response.keys() == {"ResponseMetadata"}
    with raises_request_error(mturk, client, "InvalidQualificationTypeState", DISPOSING):
        client.get_qualification_type(QualificationTypeId=type_id)
    with raises_request_error(mturk, client, "InvalidQualificationTypeState", DISPOSING):
        client.delete_qualification_type(QualificationTypeId=type_id)
    assert all_pages(
        client, "list_qualification_types", "QualificationTypes", MustBeRequestable=False
    ) == [
        client.get_qualification_type(QualificationTypeId=t)["QualificationType"]
        for t in SYSTEM_SANDBOX
    ]
    mturk.advance(hours=48, seconds=-1)
    with raises_request_error(mturk, client, "QualificationTypeAlreadyExists", DUPLICATE):
        make_type(client)

    mturk.advance(seconds=1)

    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist(type_id)
    ):
        client.get_qualification_type(QualificationTypeId=type_id)
    assert make_type(client)["QualificationTypeId"] != type_id
    assert type_id not in mturk.qualification_types


def test_deleting_keeps_running_hits_but_deletes_their_hit_types(mturk, client, make_hit):
    type_id = make_type(client)["QualificationTypeId"]
    hit = make_hit(QualificationRequirements=[requirement(type_id, "Exists")])
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="AHOLDER1")

    client.delete_qualification_type(QualificationTypeId=type_id)

    with raises_request_error(
        mturk, client, "HITTypeDoesNotExist", f"HITType {hit['HITTypeId']} does not exist."
    ):
        client.create_hit_with_hit_type(HITTypeId=hit["HITTypeId"], LifetimeInSeconds=600)
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist(type_id)
    ):
        make_hit(QualificationRequirements=[requirement(type_id, "Exists")])
    # The HIT runs on, still guarded, and qualifications are not revoked.
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
    assert mturk.worker("ANOQUAL1").why_not(hit["HITId"]) is not None
    assignment_id = mturk.worker("AHOLDER1").accept(hit["HITId"])
    mturk.worker("AHOLDER1").submit(assignment_id, {"x": "1"})

    # The deletion completes 48 h after the last HIT using the type is deleted.
    mturk.advance(days=3)
    with raises_request_error(mturk, client, "QualificationTypeAlreadyExists", DUPLICATE):
        make_type(client)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    client.delete_hit(HITId=hit["HITId"])  # expired, and the work was auto-approved
    mturk.advance(hours=47)
    assert type_id in mturk.qualification_types
    mturk.advance(hours=1)
    assert type_id not in mturk.qualification_types
    make_type(client)


def test_deleting_rejects_pending_requests(mturk, client):
    type_id = make_type(client)["QualificationTypeId"]
    request = mturk.worker("AASKER01").request_qualification(type_id)

    client.delete_qualification_type(QualificationTypeId=type_id)

    assert client.list_qualification_requests()["QualificationRequests"] == []
    assert request.status == "Rejected"


def test_delete_unknown_type(mturk, client):
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist("3NOSUCHTYPE")
    ):
        client.delete_qualification_type(QualificationTypeId="3NOSUCHTYPE")


# -- list and search ---------------------------------------------------------------


def names(response) -> list[str]:
    return [qtype["Name"] for qtype in response["QualificationTypes"]]


def test_list_includes_system_types_unless_owned_only(client):
    make_type(client, name="Mine")

    everything = client.list_qualification_types(MustBeRequestable=False, MaxResults=100)
    owned = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)

    assert [q["QualificationTypeId"] for q in everything["QualificationTypes"][:5]] == (
        SYSTEM_SANDBOX
    )
    assert names(everything)[5:] == ["Mine"]
    assert names(owned) == ["Mine"]
    assert owned["NumResults"] == 1 and "NextToken" in owned


def test_must_be_requestable_leaves_out_system_and_inactive_types(client):
    make_type(client, name="Open")
    make_type(client, name="Closed", QualificationTypeStatus="Inactive")

    response = client.list_qualification_types(MustBeRequestable=True)

    assert names(response) == ["Open"]


def test_query_is_a_case_insensitive_substring_of_name_description_or_keywords(client):
    make_type(client, name="Bird Watcher", Description="plain")
    make_type(client, name="Other", Description="Knows BIRDS well")
    make_type(client, name="Third", Description="plain", Keywords="ornithology, birding")
    make_type(client, name="Unrelated", Description="plain")

    response = client.list_qualification_types(
        Query="bIrD", MustBeRequestable=False, MustBeOwnedByCaller=True
    )

    assert names(response) == ["Bird Watcher", "Other", "Third"]


def test_lookup_by_name_as_dallinger_does_it(client):
    # Dallinger searches for NAME.upper() and, among several hits, keeps the exact name.
    make_type(client, name="host:abc123")
    make_type(client, name="host:abc12")

    found = client.list_qualification_types(
        Query="HOST:ABC12", MustBeRequestable=False, MustBeOwnedByCaller=True, MaxResults=100
    )

    assert sorted(names(found)) == ["host:abc12", "host:abc123"]
    exact = [q for q in found["QualificationTypes"] if q["Name"].upper() == "HOST:ABC12"]
    assert [q["Name"] for q in exact] == ["host:abc12"]


def test_pages_run_through_system_types_into_ours(client):
    for n in range(4):
        make_type(client, name=f"Type {n}")

    listed = all_pages(
        client,
        "list_qualification_types",
        "QualificationTypes",
        MustBeRequestable=False,
        PaginationConfig={"PageSize": 2},
    )

    assert [q["QualificationTypeId"] for q in listed[:5]] == SYSTEM_SANDBOX
    assert [q["Name"] for q in listed[5:]] == [f"Type {n}" for n in range(4)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    type_names=st.lists(st.text("abAB ", min_size=1, max_size=4), unique=True, max_size=6),
    query=st.text("abAB ", max_size=3),
    page_size=st.integers(1, 4),
)
def test_search_matches_a_reference_filter(type_names, query, page_size):
    with mturk_sim():
        client = boto3.client("mturk", region_name="sandbox")
        for name in type_names:
            make_type(client, name=name, Description="-")
        listed = all_pages(
            client,
            "list_qualification_types",
            "QualificationTypes",
            MustBeRequestable=True,
            Query=query,
            PaginationConfig={"PageSize": page_size},
        )

    assert [q["Name"] for q in listed] == [n for n in type_names if query.lower() in n.lower()]


# -- the HITs that use a type ------------------------------------------------------


def test_list_hits_for_qualification_type(mturk, client, make_hit):
    type_id = make_type(client)["QualificationTypeId"]
    guarded = [
        make_hit(Title=f"Guarded {n}", QualificationRequirements=[requirement(type_id, "Exists")])
        for n in range(3)
    ]
    make_hit(Title="Open to all")
    by_locale = make_hit(
        Title="Local",
        QualificationRequirements=[
            {
                "QualificationTypeId": LOCALE,
                "Comparator": "EqualTo",
                "LocaleValues": [{"Country": "US"}],
            }
        ],
    )
    client.update_expiration_for_hit(HITId=guarded[0]["HITId"], ExpireAt=0)
    client.delete_hit(HITId=guarded[0]["HITId"])

    listed = all_pages(
        client,
        "list_hits_for_qualification_type",
        "HITs",
        QualificationTypeId=type_id,
        PaginationConfig={"PageSize": 1},
    )
    local = client.list_hits_for_qualification_type(QualificationTypeId=LOCALE)

    assert [hit["HITId"] for hit in listed] == [hit["HITId"] for hit in guarded[1:]]
    assert [hit["HITId"] for hit in local["HITs"]] == [by_locale["HITId"]]


def test_list_hits_for_an_unknown_or_deleted_type(mturk, client):
    type_id = make_type(client)["QualificationTypeId"]
    client.delete_qualification_type(QualificationTypeId=type_id)

    with raises_request_error(mturk, client, "InvalidQualificationTypeState", DISPOSING):
        client.list_hits_for_qualification_type(QualificationTypeId=type_id)
    with raises_request_error(
        mturk, client, "QualificationTypeDoesNotExist", does_not_exist("3NOSUCHTYPE")
    ):
        client.list_hits_for_qualification_type(QualificationTypeId="3NOSUCHTYPE")


def test_creation_time_follows_the_clock(mturk, client):
    mturk.advance(minutes=5)

    qtype = make_type(client)

    assert qtype["CreationTime"] == dt.datetime(2024, 3, 1, 12, 5, tzinfo=dt.timezone.utc)
