"""Wire parity: the simulator's answers are exactly what botocore makes of the real JSON.

The simulator builds botocore's *parsed* form directly. For every operation of
the HIT and assignment lifecycle (and every kind of error), these tests turn that
answer back into the service's wire JSON (``pytest_mturk.core.wire``), run botocore's
own JSON response parser over it with the same headers -- plus, for errors, the
modelled-error merge botocore's endpoint does -- and require the very same
result, types included (``datetime`` in ``tzlocal()``, amounts as ``str``).
"""

from __future__ import annotations

import datetime as _dt
import json

import boto3
import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.config import Config
from botocore.endpoint import Endpoint
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from conftest import HIT_ARGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mturk import mturk_sim
from pytest_mturk.core import catalogue
from pytest_mturk.core.wire import epoch_ms, error_json, to_wire_json
from pytest_mturk.doors.botocore import replies
from pytest_mturk.operations import shapes

LOCALE = "00000000000000000071"
APPROVED_COUNT = "00000000000000000040"
KEYS = {"aws_access_key_id": "AKIDEXAMPLE000000000", "aws_secret_access_key": "secret"}
SERVICE_MODEL = botocore.session.get_session().get_service_model("mturk")


# -- botocore's side ---------------------------------------------------------------------


def botocore_parse(operation_model, status: int, headers, body: bytes) -> dict:
    """What botocore's endpoint makes of an HTTP response (parser + modelled-error merge)."""
    parser = create_parser("json")
    response = {
        "headers": HeadersDict(headers),
        "status_code": status,
        "body": body,
        "context": {"operation_name": operation_model.name},
    }
    parsed = parser.parse(response, operation_model.output_shape)
    if status >= 300:
        # The endpoint's second pass, called as botocore calls it (it uses no state).
        Endpoint._add_modeled_error_fields(None, response, parsed, operation_model, parser)
    parsed["ResponseMetadata"]["RetryAttempts"] = 0  # the endpoint's retry count
    return parsed


def assert_same(expected, actual, path="response"):
    """Equal, with the same types all the way down (and the same time zone class)."""
    assert type(actual) is type(expected), f"{path}: {type(actual)} != {type(expected)}"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), f"{path}: keys differ"
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: lengths differ"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{path}[{index}]")
    elif isinstance(expected, _dt.datetime):
        assert type(actual.tzinfo) is type(expected.tzinfo), f"{path}: time zones differ"
        assert actual == expected and actual.utcoffset() == expected.utcoffset(), path
        assert actual.replace(tzinfo=None) == expected.replace(tzinfo=None), path
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# -- capturing what the clients received ---------------------------------------------------


class Recorder:
    """Every answered call a client saw: (operation model, HTTP response, parsed)."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def __call__(self, http_response, parsed, model, **kwargs) -> None:
        self.seen.append((model, http_response, parsed))

    def watch(self, client):
        client.meta.events.register("after-call.mturk", self)
        return client

    def check(self) -> set[str]:
        """Run both parity checks on everything seen; return the operations covered."""
        for model, http, parsed in self.seen:
            metadata = parsed["ResponseMetadata"]
            assert metadata["HTTPStatusCode"] == http.status_code
            # 1. The parsed answer, serialised back, parses to itself.
            wire = to_wire_json(model, parsed)
            assert_same(botocore_parse(model, http.status_code, http.headers, wire), parsed)
            # 2. The body the HTTP response object carries parses to the answer too.
            reparsed = botocore_parse(model, http.status_code, http.headers, http.content)
            assert_same(reparsed, parsed)
        return {model.name for model, _, _ in self.seen}


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def sandbox(mturk, recorder):
    return recorder.watch(boto3.client("mturk", region_name="sandbox"))


@pytest.fixture
def production(mturk, recorder):
    return recorder.watch(boto3.client("mturk", region_name="us-east-1"))


ISSUE_2_OPERATIONS = {
    "CreateHIT",
    "CreateHITType",
    "CreateHITWithHITType",
    "GetHIT",
    "ListHITs",
    "ListReviewableHITs",
    "UpdateExpirationForHIT",
    "UpdateHITReviewStatus",
    "UpdateHITTypeOfHIT",
    "CreateAdditionalAssignmentsForHIT",
    "DeleteHIT",
    "GetAssignment",
    "ListAssignmentsForHIT",
    "ApproveAssignment",
    "RejectAssignment",
    "SendBonus",
    "ListBonusPayments",
    "GetAccountBalance",
}
EMPTY_RESPONSES = {
    "UpdateExpirationForHIT",
    "UpdateHITReviewStatus",
    "UpdateHITTypeOfHIT",
    "CreateAdditionalAssignmentsForHIT",
    "DeleteHIT",
    "ApproveAssignment",
    "RejectAssignment",
    "SendBonus",
}


def test_every_operation_of_the_lifecycle(mturk, sandbox, production, recorder):
    requirements = [
        {"QualificationTypeId": LOCALE, "Comparator": "In", "LocaleValues": [{"Country": "US"}]},
        {
            "QualificationTypeId": APPROVED_COUNT,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [0],
            "RequiredToPreview": True,
        },
    ]
    for client in (sandbox, production):
        type_id = client.create_hit_type(
            Title="Tag",
            Description="Tag a picture",
            Reward="0.25",
            AssignmentDurationInSeconds=600,
            Keywords="image, tag",
            AutoApprovalDelayInSeconds=3600,
            QualificationRequirements=requirements,
        )["HITTypeId"]
        typed = client.create_hit_with_hit_type(
            HITTypeId=type_id,
            MaxAssignments=3,
            LifetimeInSeconds=3600,
            Question=HIT_ARGS["Question"],
            RequesterAnnotation="batch 7",
            UniqueRequestToken="token-1",
        )["HIT"]
        hit = client.create_hit(**HIT_ARGS)["HIT"]
        client.get_hit(HITId=typed["HITId"])

        worker = mturk.worker("A1B2C3D4E5F6G7")
        other = mturk.worker("A7G6F5E4D3C2B1")
        first = worker.accept(hit["HITId"])
        worker.submit(first, {"label": "cat", "colours": ["red", "blue"]})
        second = other.accept(hit["HITId"])
        other.submit(second, {"label": "dog"})
        client.get_assignment(AssignmentId=first)
        client.list_assignments_for_hit(HITId=hit["HITId"], AssignmentStatuses=["Submitted"])
        client.approve_assignment(AssignmentId=first, RequesterFeedback="Thanks")
        client.reject_assignment(AssignmentId=second, RequesterFeedback="Wrong")
        client.approve_assignment(AssignmentId=second, OverrideRejection=True)
        client.send_bonus(
            WorkerId=worker.worker_id,
            BonusAmount="1.50",
            AssignmentId=first,
            Reason="Great work",
            UniqueRequestToken="bonus-1",
        )
        client.list_bonus_payments(HITId=hit["HITId"])
        client.list_bonus_payments(AssignmentId=first)
        client.list_assignments_for_hit(HITId=hit["HITId"])

        client.create_additional_assignments_for_hit(
            HITId=typed["HITId"], NumberOfAdditionalAssignments=2
        )
        client.update_hit_type_of_hit(HITId=typed["HITId"], HITTypeId=type_id)
        client.update_expiration_for_hit(HITId=typed["HITId"], ExpireAt=_dt.datetime(2000, 1, 1))
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
        client.list_reviewable_hits(Status="Reviewable")
        client.update_hit_review_status(HITId=hit["HITId"], Revert=False)
        client.list_reviewable_hits(Status="Reviewing", MaxResults=1)
        client.update_hit_review_status(HITId=hit["HITId"], Revert=True)

        token = None
        while True:  # every page, down to the empty last one
            page = client.list_hits(MaxResults=1, **({"NextToken": token} if token else {}))
            if not page["HITs"]:
                break
            token = page["NextToken"]
        client.delete_hit(HITId=typed["HITId"])
        client.get_hit(HITId=typed["HITId"])  # Disposed, still answered
        client.get_account_balance()
        mturk.advance(minutes=1)  # later answers carry later timestamps

    assert recorder.check() == ISSUE_2_OPERATIONS


def test_empty_responses_are_only_metadata(mturk, sandbox, recorder):
    hit = sandbox.create_hit(**HIT_ARGS)["HIT"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment_id = worker.accept(hit["HITId"])
    worker.submit(assignment_id, {"label": "cat"})
    answered = [
        sandbox.approve_assignment(AssignmentId=assignment_id),
        sandbox.send_bonus(
            WorkerId=worker.worker_id,
            BonusAmount="0.10",
            AssignmentId=assignment_id,
            Reason="r",
        ),
        sandbox.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=1
        ),
        sandbox.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0),
        sandbox.update_hit_review_status(HITId=hit["HITId"]),
        sandbox.delete_hit(HITId=hit["HITId"]),
    ]
    for response in answered:
        assert response.keys() == {"ResponseMetadata"}
    for model, http, _ in recorder.seen:
        if model.name in EMPTY_RESPONSES:
            assert http.content == b"{}"
    recorder.check()


def test_reviewable_hits_travel_as_ids_only(mturk, sandbox, recorder):
    # The sandbox's answer quoted in aws/aws-sdk-js#2522:
    # {"NextToken": ..., "NumResults": 1, "HITs": [{"HITId": "388FBO7JZT48TG61MZMH91GBEYPYNF"}]}
    hit_id = sandbox.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 60})["HIT"]["HITId"]
    mturk.advance(seconds=60)
    parsed = sandbox.list_reviewable_hits(MaxResults=1)
    model, http, _ = recorder.seen[-1]
    assert model.name == "ListReviewableHITs"
    assert json.loads(http.content) == {
        "NextToken": parsed["NextToken"],
        "NumResults": 1,
        "HITs": [{"HITId": hit_id}],
    }
    assert parsed["HITs"] == [{"HITId": hit_id}]
    recorder.check()


def _error(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value


def test_errors(mturk, sandbox, recorder):
    # A modelled RequestError: catchable as such, with the top-level members.
    error = _error(lambda: sandbox.get_hit(HITId="NOSUCHHIT"))
    assert isinstance(error, sandbox.exceptions.RequestError)
    stamp = epoch_ms(mturk.now)
    message = f"Hit NOSUCHHIT does not exist. ({stamp} s)"  # the sandbox's stamp
    assert str(error) == (
        f"An error occurred (RequestError) when calling the GetHIT operation: {message}"
    )
    assert error.response["Error"] == {"Message": message, "Code": "RequestError"}
    assert error.response["Message"] == message
    assert error.response["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.operation_name == "GetHIT"

    # Un-modelled errors: plain ClientErrors, no top-level members.
    for call, code in (
        (lambda: sandbox.list_hits(MaxResults=101), "ValidationException"),
        (
            lambda: sandbox.send_bonus(
                WorkerId="not-a-worker", BonusAmount="1.00", AssignmentId="ABC", Reason="r"
            ),
            "ValidationException",
        ),
        (
            lambda: sandbox.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 10}),
            "ParameterValidationError",
        ),
    ):
        error = _error(call)
        assert type(error) is ClientError
        assert error.response["Error"]["Code"] == code
        assert error.response.keys() == {"Error", "ResponseMetadata"}

    # Coral's generic validation error (client-side validation turned off).
    loose = recorder.watch(
        boto3.client("mturk", region_name="sandbox", config=Config(parameter_validation=False))
    )
    error = _error(lambda: loose.get_hit())
    assert error.response["Error"]["Code"] == "ValidationException"
    recorder.check()


def test_a_service_fault(mturk, sandbox, recorder, monkeypatch):
    def fail(*args):
        raise catalogue.SERVICE_FAULT()

    monkeypatch.setitem(mturk._service.operations, "GetAccountBalance", fail)
    error = _error(sandbox.get_account_balance)
    assert isinstance(error, sandbox.exceptions.ServiceFault)
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error.response["Message"].startswith("We are temporarily unable to process")
    assert "TurkErrorCode" not in error.response
    recorder.check()


@pytest.mark.mturk(access_keys=["AKIDALLOWED"])
def test_an_authentication_error(mturk, recorder):
    stranger = recorder.watch(boto3.client("mturk", region_name="sandbox", **KEYS))
    error = _error(stranger.get_account_balance)
    assert error.response["Error"]["Code"] == "UnrecognizedClientException"
    recorder.check()


def test_error_bodies_are_the_service_envelope():
    now = _dt.datetime(2021, 7, 14, 20, 26, 6, 54000, tzinfo=_dt.timezone.utc)
    body = error_json(catalogue.HIT_DOES_NOT_EXIST(hit_id="ABC"), now)
    assert body == (
        b'{"__type":"RequestError","Message":"Hit ABC does not exist. (1626294366054)",'
        b'"TurkErrorCode":"AWS.MechanicalTurk.HITDoesNotExist"}'
    )
    parsed = replies.error_response(catalogue.HIT_DOES_NOT_EXIST(hit_id="ABC"), "rid", now)
    assert to_wire_json(SERVICE_MODEL.operation_model("GetHIT"), parsed) == body
    # The sandbox's stamp, and the front end's own key, survive the round trip too.
    get_hit = SERVICE_MODEL.operation_model("GetHIT")
    for error, sandbox, expected in (
        (
            catalogue.HIT_DOES_NOT_EXIST(hit_id="ABC"),
            True,
            b'{"__type":"RequestError","Message":"Hit ABC does not exist. (1626294366054 s)",'
            b'"TurkErrorCode":"AWS.MechanicalTurk.HITDoesNotExist"}',
        ),
        (
            catalogue.missing_member("hITId"),
            True,
            b'{"__type":"ValidationException","message":"1 validation error detected: '
            b"Value null at 'hITId' failed to satisfy constraint: Member must not be null\"}",
        ),
    ):
        assert error_json(error, now, sandbox=sandbox) == expected
        parsed = replies.error_response(error, "rid", now, sandbox=sandbox)
        assert to_wire_json(get_hit, parsed) == expected
        headers = parsed["ResponseMetadata"]["HTTPHeaders"]
        assert_same(botocore_parse(get_hit, 400, headers, expected), parsed)


def test_timestamps_travel_as_epoch_seconds_with_milliseconds():
    model = SERVICE_MODEL.operation_model("ListBonusPayments")
    grant = _dt.datetime(2019, 6, 25, 19, 26, 26, 54000, tzinfo=_dt.timezone.utc)
    parsed = {"BonusPayments": [{"GrantTime": shapes.timestamp(grant)}]}
    assert to_wire_json(model, parsed) == b'{"BonusPayments":[{"GrantTime":1561490786.054}]}'
    parsed["BonusPayments"][0]["GrantTime"] = shapes.timestamp(grant.replace(microsecond=0))
    assert to_wire_json(model, parsed) == b'{"BonusPayments":[{"GrantTime":1561490786}]}'


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=_dt.datetime(1990, 1, 1), max_value=_dt.datetime(2200, 1, 1)).map(
        lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000, tzinfo=_dt.timezone.utc)
    )
)
def test_any_timestamp_parses_back_the_same(when):
    model = SERVICE_MODEL.operation_model("ListBonusPayments")
    parsed = {"BonusPayments": [{"GrantTime": shapes.timestamp(when)}]}
    wire = to_wire_json(model, parsed)
    reparsed = botocore_parse(model, 200, {}, wire)
    assert_same(reparsed["BonusPayments"], parsed["BonusPayments"])
    assert shapes.timestamp(when) == when


@pytest.fixture(scope="module")
def free_client():
    return boto3.client("mturk", region_name="sandbox", **KEYS)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.text(min_size=1, max_size=60),
    description=st.text(min_size=1, max_size=60),
    keywords=st.none() | st.text(max_size=30),
    annotation=st.none() | st.text(max_size=30),
    reward=st.decimals(min_value=0, max_value=100, places=2).map(str),
)
def test_any_hit_answer_parses_back_the_same(
    free_client, title, description, keywords, annotation, reward
):
    recorder = Recorder()
    client = recorder.watch(free_client)
    extra = {"Keywords": keywords} if keywords is not None else {}
    if annotation is not None:
        extra["RequesterAnnotation"] = annotation
    try:
        with mturk_sim():
            try:
                hit = client.create_hit(
                    **{**HIT_ARGS, "Title": title, "Description": description, "Reward": reward},
                    **extra,
                )["HIT"]
            except ClientError:
                pass  # a refusal must be just as faithful
            else:
                client.get_hit(HITId=hit["HITId"])
                client.list_hits()
        recorder.check()
    finally:
        client.meta.events.unregister("after-call.mturk", recorder)
