"""Errors in the service's own families, repeatable expiry, and answers that cannot wedge
the simulator (a real boto3 client throughout).

- Values that break the service model's constraints are refused by the request framework
  as ``ValidationException`` (Dallinger#1052), unstamped; MTurk's own checks stay
  ``ParameterValidationError`` with the ``(<epoch ms>)`` stamp (aws-sdk-ruby#2065).
- ``UpdateExpirationForHIT`` with a past ``ExpireAt`` succeeds every time; only a repeated
  future date is refused (Dallinger#3109).
- A worker's answer that is not well-formed XML is refused up front, and nothing a worker
  sends can leave the simulator unable to answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from botocore.config import Config
from conftest import (
    CURRENCY,
    CUSTOMER_ID,
    ENTITY_ID,
    HIT_ARGS,
    epoch_ms,
    pattern,
    policy,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    snapshot,
    violation,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qualification_helpers import (
    free_text,
    make_type,
    question_form,
    selection,
)

from pytest_mturk import InternalError, WorkerActionError, mturk_sim

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")

WORKER = "A1B2C3D4E5F6G7"
UTC = dt.timezone.utc
PAST = dt.datetime(2020, 1, 1, tzinfo=UTC)
KNOWN = "ScoreMyKnownAnswers/2011-09-01"
PLURALITY = "SimplePlurality/2011-09-01"
QUESTION_FORM = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>label</QuestionIdentifier>'
    "<QuestionContent><Text>What is it?</Text></QuestionContent><AnswerSpecification>"
    "<FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>"
)


def loose_client(boto_session):
    """A client that sends what it is given: the service's checks are all that is left."""
    return boto_session.client(
        "mturk", region_name="sandbox", config=Config(parameter_validation=False)
    )


def submitted_assignment(mturk, client, **hit_args):
    hit_id = client.create_hit(**{**HIT_ARGS, **hit_args})["HIT"]["HITId"]
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit_id)
    worker.submit(assignment, {"label": "cat"})
    return hit_id, assignment


# -- UpdateExpirationForHIT: expiring is repeatable ------------------------------------


def test_a_cleanup_loop_expires_with_one_past_date_until_delete_works(mturk, client):
    hit_id, assignment = submitted_assignment(mturk, client)
    attempts = 0
    while True:
        attempts += 1
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=PAST)
        try:
            client.delete_hit(HITId=hit_id)
            break
        except client.exceptions.RequestError:
            # Not deletable while a submission awaits review: decide it, then retry.
            client.approve_assignment(AssignmentId=assignment)
            mturk.advance(seconds=5)
    assert attempts == 2
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"


@pytest.mark.parametrize("expire_at", [0, PAST])
def test_expiring_again_changes_nothing_and_is_not_refused(mturk, client, expire_at):
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at)
    before = snapshot(mturk)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert snapshot(mturk) == before


def test_repeating_the_same_future_date_is_still_refused(mturk, client):
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    later = hit["Expiration"] + dt.timedelta(hours=1)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    java_date = later.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    with raises_request_error(
        mturk,
        client,
        None,
        f'The idempotency token "{hit["HITId"]}{java_date}" has already been processed.',
    ):
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)


# -- ValidationException: the service model's own constraints -----------------------


def test_the_observed_bonus_amount_refusal_byte_for_byte(mturk, client):
    _, assignment = submitted_assignment(mturk, client)
    client.approve_assignment(AssignmentId=assignment)
    before = snapshot(mturk)
    with raises_validation_exception(client) as info:
        client.send_bonus(
            WorkerId=WORKER, AssignmentId=assignment, BonusAmount="0.9752", Reason="thanks"
        )
    assert info.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$"
    )
    assert snapshot(mturk) == before
    assert mturk.calls[-1].error.type == "ValidationException"


def test_several_violations_are_listed_together_in_the_model_order(client):
    with raises_validation_exception(
        client,
        pattern("workerId", "bob", CUSTOMER_ID),
        pattern("bonusAmount", "1.234", CURRENCY),
        pattern("assignmentId", "nope", ENTITY_ID),
    ):
        client.send_bonus(WorkerId="bob", AssignmentId="nope", BonusAmount="1.234", Reason="r")


def test_one_value_may_break_its_pattern_and_its_length(client):
    value = "x" * 65
    with raises_validation_exception(
        client,
        pattern("hITId", value, ENTITY_ID),
        violation("hITId", f"'{value}'", "have length less than or equal to 64"),
    ):
        client.get_hit(HITId=value)


def test_missing_members_are_listed_with_the_others(mturk, boto_session):
    loose = loose_client(boto_session)
    with raises_validation_exception(
        loose,
        pattern("hITId", "", ENTITY_ID),
        violation("hITId", "''", "have length greater than or equal to 1"),
    ):
        loose.get_hit(HITId="")
    with raises_validation_exception(
        loose,
        pattern("bonusAmount", "0.9752", CURRENCY),
        violation("reason", "null", "not be null"),
    ):
        loose.send_bonus(WorkerId=WORKER, AssignmentId="ABC", BonusAmount="0.9752")


def test_numbers_are_quoted_and_long_values_given_in_full(client):
    with raises_validation_exception(
        client, violation("maxResults", "'101'", "have value less than or equal to 100")
    ):
        client.list_hits(MaxResults=101)
    token = "T" * 300
    with raises_validation_exception(
        client, violation("nextToken", f"'{token}'", "have length less than or equal to 255")
    ):
        client.list_hits(NextToken=token)


def test_members_of_lists_are_numbered_from_one(mturk, client):
    requirements = [
        {"QualificationTypeId": "00000000000000000040", "Comparator": "Exists"},
        {
            "QualificationTypeId": "00000000000000000071",
            "Comparator": "Bad",
            "LocaleValues": [{"Country": "US"}, {"Country": "USA"}],
        },
    ]
    comparators = (
        "LessThan, LessThanOrEqualTo, GreaterThan, GreaterThanOrEqualTo, EqualTo, NotEqualTo, "
        "Exists, DoesNotExist, In, NotIn"
    )
    with raises_validation_exception(
        client,
        violation(
            "qualificationRequirements.2.member.comparator",
            "'Bad'",
            f"satisfy enum value set: [{comparators}]",
        ),
        violation(
            "qualificationRequirements.2.member.localeValues.2.member.country",
            "'USA'",
            "have length less than or equal to 2",
        ),
    ):
        client.create_hit(**HIT_ARGS, QualificationRequirements=requirements)
    assert mturk.hits == {}


def test_at_most_ten_violations_are_listed_and_counted(client):
    bad = [f"w{n}" for n in range(12)]
    with raises_validation_exception(
        client, *(pattern(f"workerIds.{n}.member", f"w{n - 1}", CUSTOMER_ID) for n in range(1, 11))
    ):
        client.notify_workers(Subject="s", MessageText="m", WorkerIds=bad)


# -- MTurk's own checks: ParameterValidationError, stamped ------------------------------


@pytest.mark.mturk(strict_workers=True)
def test_a_well_formed_unknown_worker_is_mturks_own_refusal(mturk, client):
    stranger = "ASTRANGER00001"
    with raises_parameter_error(
        client, f'The value "{stranger}" is not valid for the parameter WorkerId.', mturk
    ):
        client.create_worker_block(WorkerId=stranger, Reason="r")


def test_the_expiration_increment_refusal_carries_the_stamp(mturk, client):
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    mturk.advance(seconds=7)
    with raises_parameter_error(client, mturk=mturk) as info:
        client.update_expiration_for_hit(
            HITId=hit["HITId"], ExpireAt=hit["Expiration"] + dt.timedelta(seconds=30)
        )
    assert info.value.response["Error"]["Message"] == (
        "The value 30 is invalid for ExpirationIncrementInSeconds. Valid values range from 60 "
        f"to 31536000. ({epoch_ms(mturk.now)} s)"  # the sandbox's stamp
    )


# -- DeleteWorkerBlock ("WorkerId is invalid.") -----------------------------------------


@pytest.mark.mturk(strict_workers=True)
def test_delete_worker_block_answers_the_documented_text(mturk, client):
    with raises_parameter_error(client, "WorkerId is invalid.", mturk):
        client.delete_worker_block(WorkerId="ASTRANGER00001")
    with raises_validation_exception(client, pattern("workerId", "bob", CUSTOMER_ID)):
        client.delete_worker_block(WorkerId="bob")
    mturk.worker(WORKER)  # declared: unblocking one who is not blocked succeeds
    client.delete_worker_block(WorkerId=WORKER)


# -- expiry with work in progress (Developer Guide: Reviewable once that work ends) -------


def test_an_expired_hit_waits_for_its_work_in_progress(mturk, client):
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit_id)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Unassignable"
    assert client.list_reviewable_hits()["HITs"] == []
    worker.submit(assignment, {"label": "cat"})
    hit = client.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsPending"]) == ("Reviewable", 0)
    assert client.list_reviewable_hits()["HITs"] == [{"HITId": hit_id}]
    events = [e.event_type for e in mturk.events if e.hit_id == hit_id]
    # HITReviewable follows the submission that ended the work in progress, once.
    assert events == [
        "HITCreated",
        "AssignmentAccepted",
        "HITExpired",
        "AssignmentSubmitted",
        "HITReviewable",
    ]


def test_notifications_after_expiry(mturk, client):
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/after-expiry"
    inbox = mturk.register_destination(queue)
    type_id = client.create_hit_type(
        Title="t", Description="d", Reward="0.50", AssignmentDurationInSeconds=600
    )["HITTypeId"]
    events = ["AssignmentSubmitted", "AssignmentAbandoned", "HITExpired", "HITReviewable"]
    client.update_notification_settings(
        HITTypeId=type_id,
        Notification={
            "Destination": queue,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": events,
        },
        Active=True,
    )
    hit_id = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=60, MaxAssignments=2, Question=HIT_ARGS["Question"]
    )["HIT"]["HITId"]
    first, second = mturk.worker(WORKER), mturk.worker("A2222222222222")
    done, dropped = first.accept(hit_id), second.accept(hit_id)
    mturk.advance(seconds=61)
    first.submit(done, {"label": "cat"})
    mturk.advance(seconds=600)
    received = [doc["Events"][0]["EventType"] for doc in inbox.receive()]
    # Reviewable only once the second worker's deadline has passed.
    assert received == ["HITExpired", "AssignmentSubmitted", "AssignmentAbandoned", "HITReviewable"]
    assert mturk.assignments[dropped].status == "Abandoned"


# -- UpdateHITTypeOfHIT: a new reward once work exists ------------------------------------


@pytest.mark.mturk(balance="3.00")
def test_a_new_reward_once_work_exists_needs_only_the_funds(mturk, prod_client):
    hit_id = prod_client.create_hit(**{**HIT_ARGS, "MaxAssignments": 2})["HIT"]["HITId"]
    mturk.worker(WORKER).accept(hit_id)
    dearer = prod_client.create_hit_type(
        Title="t", Description="d", Reward="1.00", AssignmentDurationInSeconds=600
    )["HITTypeId"]
    prod_client.update_hit_type_of_hit(HITId=hit_id, HITTypeId=dearer)
    assert prod_client.get_hit(HITId=hit_id)["HIT"]["Reward"] == "1.00"
    # Both open slots (one held) are now reserved at the new reward plus its 20 % fee.
    assert mturk.production.available_balance == Decimal("0.60")
    dearest = prod_client.create_hit_type(
        Title="t", Description="d", Reward="5.00", AssignmentDurationInSeconds=600
    )["HITTypeId"]
    with raises_request_error(mturk, prod_client, "InsufficientFunds", mturk_insufficient()):
        prod_client.update_hit_type_of_hit(HITId=hit_id, HITTypeId=dearest)
    assert prod_client.get_hit(HITId=hit_id)["HIT"]["Reward"] == "1.00"


def mturk_insufficient() -> str:
    return (
        "This Requester has insufficient funds in their account to complete this transaction. "
        "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
    )


# -- malformed answers ----------------------------------------------------------------


REVIEWED = {
    "Question": QUESTION_FORM,
    "MaxAssignments": 2,
    "AssignmentReviewPolicy": policy(KNOWN, AnswerKey={"label": ["cat"]}),
    "HITReviewPolicy": policy(
        PLURALITY,
        QuestionIds="label",
        QuestionAgreementThreshold=50,
        DisregardAssignmentIfRejected="false",
    ),
}


@pytest.mark.parametrize("extra", [{}, REVIEWED], ids=["plain", "review-policies"])
def test_a_malformed_answer_is_refused_before_anything_changes(mturk, client, extra):
    hit_id = client.create_hit(**{**HIT_ARGS, **extra})["HIT"]["HITId"]
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit_id)
    before = snapshot(mturk)
    with pytest.raises(WorkerActionError, match="is not well-formed XML"):
        worker.submit(assignment, "<not xml")
    assert snapshot(mturk) == before
    assert mturk.assignments[assignment].status == "Accepted"
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    worker.submit(assignment, {"label": "cat"})
    mturk.advance(days=2)
    assert client.get_assignment(AssignmentId=assignment)["Assignment"]["AssignmentStatus"] == (
        "Approved"
    )
    assert mturk.internal_errors == []


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (5, "not 5"),
        (["label"], "not \\['label'\\]"),
        ({"label": "nul \x00 inside"}, "cannot be written as well-formed XML"),
    ],
)
def test_answers_no_page_could_send_are_refused(mturk, client, answer, match):
    hit_id = client.create_hit(**{**HIT_ARGS, "Question": QUESTION_FORM})["HIT"]["HITId"]
    worker = mturk.worker(WORKER)
    assignment = worker.accept(hit_id)
    with pytest.raises(WorkerActionError, match=match):
        worker.submit(assignment, answer)
    assert mturk.assignments[assignment].status == "Accepted"


def test_a_failing_listener_cannot_stop_the_simulator(mturk, client):
    def broken(state, event):
        raise RuntimeError("listener bug")

    mturk._service.listen(broken)
    hit_id = client.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 60})["HIT"]["HITId"]
    mturk.advance(seconds=61)  # the expiry runs from the schedule, through the listener
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    assert [str(exc) for exc in mturk.internal_errors] == ["listener bug"] * 3
    mturk._service.internal_errors.clear()  # seen: the test's end must not report them


def test_a_caught_internal_error_fails_the_test_loudly(pytester):
    pytester.makepyfile(
        """
        import boto3

        def test_with_a_bug(mturk):
            def broken(state, event):
                raise RuntimeError("listener bug")

            mturk._service.listen(broken)
            boto3.client("mturk", region_name="sandbox").create_hit(
                Title="t", Description="d", Reward="0.05", LifetimeInSeconds=60,
                AssignmentDurationInSeconds=60,
                Question=(
                    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
                    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
                    "<ExternalURL>https://example.com/t</ExternalURL>"
                    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
                ),
            )
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: listener bug",
            "*The above exception was the direct cause of the following exception:*",
            "*InternalError: The simulator caught 1 exception(s) in its own machinery*",
        ]
    )


def test_a_with_block_reports_caught_internal_errors_when_it_ends():
    with pytest.raises(InternalError, match="caught 1 exception") as info, mturk_sim() as sim:
        sim._service.internal_errors.append(RuntimeError("a bug"))
    assert str(info.value.__cause__) == "a bug"
    with pytest.raises(KeyError), mturk_sim() as sim:  # the block's own exception wins
        sim._service.internal_errors.append(RuntimeError("a bug"))
        raise KeyError("the user's")


ANSWER_TEXT = st.text(max_size=60) | st.sampled_from(
    [
        "<not xml",
        "",
        "   ",
        "<a/>",
        "<?xml version='1.0' encoding='ASCII'?><QuestionFormAnswers/>",
        "<QuestionFormAnswers><Answer><QuestionIdentifier>label</QuestionIdentifier>"
        "<UploadedFileKey>k</UploadedFileKey><UploadedFileSizeInBytes>big"
        "</UploadedFileSizeInBytes></Answer></QuestionFormAnswers>",
        "<QuestionFormAnswers><Answer><FreeText>&bogus;</FreeText></Answer>",
        "<x>\x00</x>",
        "<x>\ud800</x>",
    ]
)
ANSWER_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
PAYLOADS = (
    ANSWER_TEXT
    | st.dictionaries(st.sampled_from(["label", "taskAnswers", "other", ""]), ANSWER_VALUES)
    | ANSWER_VALUES
)


@pytest.mark.parametrize(
    "question", [QUESTION_FORM, HIT_ARGS["Question"]], ids=["QuestionForm", "External"]
)
def test_no_answer_payload_leaves_the_simulator_unable_to_answer(mturk, client, question):
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(payload=PAYLOADS)
    def check(payload):
        hit_id = client.create_hit(**{**HIT_ARGS, **REVIEWED, "Question": question})["HIT"]
        worker = mturk.worker(WORKER)
        assignment = worker.accept(hit_id["HITId"])
        try:
            worker.submit(assignment, payload)
        except WorkerActionError:
            assert mturk.assignments[assignment].status == "Accepted"
            worker.return_(assignment)
        mturk.advance(days=2)
        # Every kind of call still answers, and the assignment settled.
        client.get_account_balance()
        client.get_hit(HITId=hit_id["HITId"])
        client.list_assignments_for_hit(HITId=hit_id["HITId"])
        client.list_review_policy_results_for_hit(HITId=hit_id["HITId"])
        if mturk.assignments[assignment].status != "Returned":
            assert mturk.assignments[assignment].status in ("Approved", "Rejected")
            with contextlib.suppress(client.exceptions.RequestError):  # no upload given
                client.get_file_upload_url(AssignmentId=assignment, QuestionIdentifier="label")
        assert mturk.internal_errors == []

    check()


@pytest.mark.parametrize(
    "answers", ["<QuestionFormAnswers", 7, {"essay": "bell \x07"}], ids=["xml", "int", "ctrl"]
)
def test_test_answers_no_form_could_send_are_refused(mturk, client, answers):
    test = question_form(selection("q1"), free_text("essay"))
    type_id = make_type(client, Test=test, TestDurationInSeconds=600)["QualificationTypeId"]
    worker = mturk.worker(WORKER)
    with pytest.raises(WorkerActionError):
        worker.request_qualification(type_id, answers)
    assert client.list_qualification_requests()["QualificationRequests"] == []
    worker.request_qualification(type_id, {"q1": "a", "essay": "fine"})
    (listed,) = client.list_qualification_requests()["QualificationRequests"]
    assert listed["WorkerId"] == WORKER
    assert mturk.internal_errors == []
