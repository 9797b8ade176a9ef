"""Workers' qualifications through a real boto3 client (grant, revoke, score, list) and
qualification requests made by simulated workers: auto-granted, scored by an AnswerKey,
or waiting for the requester; retries and test durations (spec §4.4, §5.13, §6.6)."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from conftest import (
    CUSTOMER_ID,
    pattern,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from qualification_helpers import (
    LOCALE,
    SIMPLE_KEY,
    SIMPLE_TEST,
    all_pages,
    answer_key,
    key_question,
    make_type,
    percentage,
    question_form,
    ranges,
    scale,
    selection,
)

from pytest_mturk import WorkerActionError, answers_xml
from pytest_mturk.core.errors import ServiceError
from pytest_mturk.rules.qualifications import qualification_tests

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")
WORKER = "A1B2C3D4E5F6G7"
MISSING = "You requested a Qualification that does not exist."
REVOKED = "This operation can be called with a status of: Granted"
NOT_AUTHORIZED = "This user is not authorized to perform the requested operation."


@pytest.fixture
def type_id(client):
    return make_type(client)["QualificationTypeId"]


def score_of(client, type_id, worker_id=WORKER):
    return client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker_id)[
        "Qualification"
    ]


# -- associate, score, disassociate ------------------------------------------------


def test_associate_grants_with_value_one_by_default(mturk, client, type_id):
    response = client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER
    )

    assert response.keys() == {"ResponseMetadata"}
    assert score_of(client, type_id) == {
        "QualificationTypeId": type_id,
        "WorkerId": WORKER,
        "GrantTime": mturk.now,
        "IntegerValue": 1,
        "Status": "Granted",
    }


def test_associating_again_overwrites_the_score_and_keeps_the_grant_time(mturk, client, type_id):
    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=2, SendNotification=False
    )
    granted = mturk.now
    mturk.advance(hours=1)

    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=3
    )

    assert score_of(client, type_id)["IntegerValue"] == 3
    assert score_of(client, type_id)["GrantTime"] == granted


def test_a_revoked_qualification_stays_listed_as_revoked(mturk, client, type_id):
    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=2
    )

    client.disassociate_qualification_from_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, Reason="Too many mistakes"
    )

    with raises_request_error(mturk, client, "InvalidQualificationState", REVOKED):
        score_of(client, type_id)
    granted = client.list_workers_with_qualification_type(QualificationTypeId=type_id)
    revoked = client.list_workers_with_qualification_type(
        QualificationTypeId=type_id, Status="Revoked"
    )
    assert granted["Qualifications"] == []
    assert [(q["WorkerId"], q["Status"], q["IntegerValue"]) for q in revoked["Qualifications"]] == [
        (WORKER, "Revoked", 2)
    ]


def test_re_associating_re_grants(mturk, client, type_id):
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=WORKER)
    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER)
    mturk.advance(minutes=10)

    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=5
    )

    assert score_of(client, type_id) == {
        "QualificationTypeId": type_id,
        "WorkerId": WORKER,
        "GrantTime": mturk.now,
        "IntegerValue": 5,
        "Status": "Granted",
    }


def test_a_worker_without_the_qualification(mturk, client, type_id):
    with raises_request_error(mturk, client, "QualificationDoesNotExist", MISSING):
        score_of(client, type_id)
    with raises_request_error(mturk, client, "QualificationDoesNotExist", MISSING):
        client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER)


def test_revoking_twice_needs_a_granted_qualification(mturk, client, type_id):
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=WORKER)
    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER)

    with raises_request_error(mturk, client, "InvalidQualificationState", REVOKED):
        client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER)


def test_unknown_and_system_types(mturk, client):
    unknown = "QualificationType [3NOSUCHTYPE] does not exist."
    with raises_request_error(mturk, client, "QualificationTypeDoesNotExist", unknown):
        score_of(client, "3NOSUCHTYPE")
    with raises_request_error(mturk, client, "QualificationTypeDoesNotExist", unknown):
        client.associate_qualification_with_worker(
            QualificationTypeId="3NOSUCHTYPE", WorkerId=WORKER
        )
    for call in (
        lambda: client.associate_qualification_with_worker(
            QualificationTypeId=LOCALE, WorkerId=WORKER
        ),
        lambda: score_of(client, LOCALE),
        lambda: client.list_workers_with_qualification_type(QualificationTypeId=LOCALE),
        lambda: client.list_qualification_requests(QualificationTypeId=LOCALE),
    ):
        with raises_request_error(mturk, client, "PermissionDenied", NOT_AUTHORIZED):
            call()


def test_a_malformed_worker_id_is_a_validation_exception(mturk, client, type_id):
    with raises_validation_exception(client, pattern("workerId", "nonsense", CUSTOMER_ID)):
        client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="nonsense")
    assert "nonsense" not in mturk.workers


@pytest.mark.mturk(strict_workers=True)
def test_strict_mode_knows_only_declared_workers(mturk, client, type_id):
    mturk.worker("ADECLARED1")
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="ADECLARED1")

    with raises_parameter_error(
        client, 'The value "ASTRANGER1" is not valid for the parameter WorkerId.'
    ):
        client.associate_qualification_with_worker(
            QualificationTypeId=type_id, WorkerId="ASTRANGER1"
        )
    with raises_parameter_error(client):
        score_of(client, type_id, "ASTRANGER1")
    assert "ASTRANGER1" not in mturk.workers


def test_list_workers_pages_through_every_holder(client, type_id):
    workers = [f"AWORKER{n:04d}" for n in range(23)]
    for n, worker_id in enumerate(workers):
        client.associate_qualification_with_worker(
            QualificationTypeId=type_id, WorkerId=worker_id, IntegerValue=n
        )
    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=workers[5])

    listed = all_pages(
        client,
        "list_workers_with_qualification_type",
        "Qualifications",
        QualificationTypeId=type_id,
        PaginationConfig={"PageSize": 7},
    )

    assert [(q["WorkerId"], q["IntegerValue"]) for q in listed] == [
        (w, n) for n, w in enumerate(workers) if n != 5
    ]


# -- requests waiting for the requester --------------------------------------------


def test_a_request_without_test_waits_for_the_requester(mturk, client, type_id):
    request = mturk.worker(WORKER).request_qualification(type_id)

    (listed,) = client.list_qualification_requests(QualificationTypeId=type_id)[
        "QualificationRequests"
    ]
    assert listed == {
        "QualificationRequestId": request.qualification_request_id,
        "QualificationTypeId": type_id,
        "WorkerId": WORKER,
        "SubmitTime": mturk.now,
    }
    with raises_request_error(mturk, client, "QualificationDoesNotExist", MISSING):
        score_of(client, type_id)

    client.accept_qualification_request(QualificationRequestId=request.qualification_request_id)

    assert score_of(client, type_id)["IntegerValue"] == 1
    assert client.list_qualification_requests()["QualificationRequests"] == []


def test_a_test_without_key_is_listed_with_the_answers(mturk, client):
    type_id = make_type(client, Test=SIMPLE_TEST, TestDurationInSeconds=600)["QualificationTypeId"]

    request = mturk.worker(WORKER).request_qualification(type_id, answers={"q1": "a", "q2": "c"})

    (listed,) = client.list_qualification_requests()["QualificationRequests"]
    assert listed["QualificationRequestId"] == request.qualification_request_id
    assert listed["Test"] == SIMPLE_TEST
    assert listed["Answer"] == answers_xml({"q1": ["a"], "q2": ["c"]})
    client.accept_qualification_request(
        QualificationRequestId=request.qualification_request_id, IntegerValue=85
    )
    assert score_of(client, type_id)["IntegerValue"] == 85


def test_rejecting_a_request_grants_nothing(mturk, client, type_id):
    request = mturk.worker(WORKER).request_qualification(type_id)

    client.reject_qualification_request(
        QualificationRequestId=request.qualification_request_id, Reason="Not this time"
    )

    assert (request.status, request.reason) == ("Rejected", "Not this time")
    assert client.list_qualification_requests()["NumResults"] == 0
    with raises_request_error(mturk, client, "QualificationDoesNotExist", MISSING):
        score_of(client, type_id)


def test_a_decided_or_unknown_request_cannot_be_decided(mturk, client, type_id):
    request_id = mturk.worker(WORKER).request_qualification(type_id).qualification_request_id
    client.accept_qualification_request(QualificationRequestId=request_id)

    with raises_request_error(
        mturk,
        client,
        "InvalidQualificationRequestState",
        "This operation can be called with a status of: Submitted",
    ):
        client.reject_qualification_request(QualificationRequestId=request_id)
    with raises_request_error(
        mturk,
        client,
        "QualificationRequestDoesNotExist",
        "QualificationRequest 3NOSUCHREQUEST does not exist.",
    ):
        client.accept_qualification_request(QualificationRequestId="3NOSUCHREQUEST")


def test_associating_leaves_pending_requests_alone(mturk, client, type_id):
    request = mturk.worker(WORKER).request_qualification(type_id)
    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=5
    )

    assert client.list_qualification_requests()["NumResults"] == 1
    client.accept_qualification_request(
        QualificationRequestId=request.qualification_request_id, IntegerValue=7
    )
    assert score_of(client, type_id)["IntegerValue"] == 7


def test_requests_are_filtered_by_type_and_paged(mturk, client):
    first = make_type(client, name="First")["QualificationTypeId"]
    second = make_type(client, name="Second")["QualificationTypeId"]
    for n in range(12):
        mturk.worker(f"AWORKER{n:04d}").request_qualification(first if n % 3 else second)

    listed = all_pages(
        client,
        "list_qualification_requests",
        "QualificationRequests",
        QualificationTypeId=first,
        PaginationConfig={"PageSize": 3},
    )

    assert [r["WorkerId"] for r in listed] == [f"AWORKER{n:04d}" for n in range(12) if n % 3]
    assert len(all_pages(client, "list_qualification_requests", "QualificationRequests")) == 12


# -- granted at once: AutoGranted, and tests with an AnswerKey ----------------------


def test_auto_granted_types_grant_their_value_at_once(mturk, client):
    type_id = make_type(client, AutoGranted=True, AutoGrantedValue=42)["QualificationTypeId"]

    request = mturk.worker(WORKER).request_qualification(type_id)

    assert (request.status, request.score) == ("Approved", 42)
    assert score_of(client, type_id)["IntegerValue"] == 42
    assert client.list_qualification_requests()["NumResults"] == 0


def scored(mturk, client, key, answers, test=SIMPLE_TEST):
    type_id = make_type(client, Test=test, AnswerKey=key, TestDurationInSeconds=60)[
        "QualificationTypeId"
    ]
    mturk.worker(WORKER).request_qualification(type_id, answers=answers)
    return score_of(client, type_id)["IntegerValue"]


THREE = question_form(selection("q1"), selection("q2"), selection("q3"))


@pytest.mark.parametrize(
    ("key", "answers", "expected"),
    [
        # no mapping: the raw sum, negative scores included
        (SIMPLE_KEY, {"q1": "a", "q2": "b"}, 2),
        (SIMPLE_KEY, {"q1": "a", "q2": "c"}, 1),
        (SIMPLE_KEY, {}, 0),
        (answer_key(key_question("q1", [(["a"], 5), (["b"], -3)])), {"q1": "b"}, -3),
        # an option matches only the exact selection set
        (answer_key(key_question("q1", [(["a", "b"], 4)])), {"q1": ["b", "a"]}, 4),
        (answer_key(key_question("q1", [(["a", "b"], 4)])), {"q1": ["a"]}, 0),
        (answer_key(key_question("q1", [(["a"], 4)])), {"q1": ["a", "b"]}, 0),
        # DefaultScore for an unmatched (or unanswered) question
        (answer_key(key_question("q1", [(["a"], 4)], default=1)), {"q1": "c"}, 1),
        (answer_key(key_question("q1", [(["a"], 4)], default=-2)), {}, -2),
        # PercentageMapping rounds half up
        (
            answer_key(
                *(key_question(q, [(["a"], 1)]) for q in ("q1", "q2", "q3")), mapping=percentage(3)
            ),
            {"q1": "a", "q2": "a", "q3": "b"},
            67,
        ),
        (answer_key(key_question("q1", [(["a"], 1)]), mapping=percentage(8)), {"q1": "a"}, 13),
        # ScaleMapping multiplies
        (answer_key(key_question("q1", [(["a"], 3)]), mapping=scale("2.5")), {"q1": "a"}, 8),
        (answer_key(key_question("q1", [(["a"], 4)]), mapping=scale("10")), {"q1": "a"}, 40),
        # RangeMapping picks the band, or the out-of-range value
        (
            answer_key(
                key_question("q1", [(["a"], 3), (["b"], 9)]),
                mapping=ranges([(0, 5, 10), (6, 10, 20)], 99),
            ),
            {"q1": "b"},
            20,
        ),
        (
            answer_key(
                key_question("q1", [(["a"], 3), (["b"], 11)]),
                mapping=ranges([(0, 5, 10), (6, 10, 20)], 99),
            ),
            {"q1": "b"},
            99,
        ),
    ],
)
def test_an_answer_key_scores_at_once(mturk, client, key, answers, expected):
    assert scored(mturk, client, key, answers, test=THREE) == expected


def test_raw_answer_xml_is_scored_too(mturk, client):
    xml = answers_xml({"q1": ["a"], "q2": ["b"]})

    assert scored(mturk, client, SIMPLE_KEY, xml) == 2


# -- what a worker may not do ------------------------------------------------------


def test_inactive_deleted_and_system_types_cannot_be_requested(client, mturk):
    worker = mturk.worker(WORKER)
    inactive = make_type(client, name="Off", QualificationTypeStatus="Inactive")
    deleted = make_type(client, name="Gone")
    client.delete_qualification_type(QualificationTypeId=deleted["QualificationTypeId"])

    with pytest.raises(WorkerActionError, match="is Inactive"):
        worker.request_qualification(inactive["QualificationTypeId"])
    with pytest.raises(WorkerActionError, match="has been deleted"):
        worker.request_qualification(deleted["QualificationTypeId"])
    with pytest.raises(WorkerActionError, match="system qualification"):
        worker.request_qualification(LOCALE)
    with pytest.raises(WorkerActionError, match="no QualificationType"):
        worker.request_qualification("3NOSUCHTYPE")


def test_without_retry_delay_a_type_can_be_requested_only_once(mturk, client, type_id):
    worker = mturk.worker(WORKER)
    request = worker.request_qualification(type_id)
    with pytest.raises(WorkerActionError, match="awaiting the requester"):
        worker.request_qualification(type_id)
    client.reject_qualification_request(QualificationRequestId=request.qualification_request_id)
    mturk.advance(days=365)

    with pytest.raises(WorkerActionError, match="only once"):
        worker.request_qualification(type_id)


def test_retry_delay_counts_from_the_last_request(mturk, client):
    type_id = make_type(
        client,
        RetryDelayInSeconds=60,
        Test=SIMPLE_TEST,
        AnswerKey=SIMPLE_KEY,
        TestDurationInSeconds=30,
    )["QualificationTypeId"]
    worker = mturk.worker(WORKER)
    worker.request_qualification(type_id, answers={"q1": "c", "q2": "c"})
    mturk.advance(seconds=59)

    with pytest.raises(WorkerActionError, match="may request .* again"):
        worker.request_qualification(type_id, answers={"q1": "a", "q2": "b"})
    mturk.advance(seconds=1)
    worker.request_qualification(type_id, answers={"q1": "a", "q2": "b"})

    assert score_of(client, type_id)["IntegerValue"] == 2


def test_the_test_must_be_answered_within_its_duration(mturk, client):
    type_id = make_type(client, Test=SIMPLE_TEST, AnswerKey=SIMPLE_KEY, TestDurationInSeconds=60)[
        "QualificationTypeId"
    ]
    worker = mturk.worker(WORKER)
    assert worker.start_test(type_id) == SIMPLE_TEST
    mturk.advance(seconds=61)

    with pytest.raises(WorkerActionError, match="allows 60 s"):
        worker.request_qualification(type_id, answers={"q1": "a"})
    worker.start_test(type_id)
    mturk.advance(seconds=60)
    worker.request_qualification(type_id, answers={"q1": "a"})

    assert score_of(client, type_id)["IntegerValue"] == 1


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        (None, "has a test: pass the worker's answers"),
        ({"q9": "a"}, "has no question 'q9'"),
        ({"q1": "z"}, "has no selection 'z'"),
        ({"q1": {"selections": ["a"], "other": "x"}}, "has no 'other' choice"),
        ({"q2": "a"}, "required questions are unanswered"),
        ("<QuestionFormAnswers", "not well-formed XML"),
    ],
)
def test_answers_the_form_would_not_take_are_refused(mturk, client, answers, match):
    test = question_form(selection("q1", required=True), selection("q2"))
    type_id = make_type(client, Test=test, TestDurationInSeconds=60)["QualificationTypeId"]

    with pytest.raises(WorkerActionError, match=match):
        mturk.worker(WORKER).request_qualification(type_id, answers=answers)
    assert client.list_qualification_requests()["NumResults"] == 0


def test_answers_for_a_type_without_test_are_refused(mturk, type_id):
    with pytest.raises(WorkerActionError, match="has no test"):
        mturk.worker(WORKER).request_qualification(type_id, answers={"q1": "a"})
    with pytest.raises(WorkerActionError, match="has no test"):
        mturk.worker(WORKER).start_test(type_id)


def test_request_times_follow_the_clock(mturk, client, type_id):
    mturk.advance(minutes=3)

    mturk.worker(WORKER).request_qualification(type_id)

    (listed,) = client.list_qualification_requests()["QualificationRequests"]
    assert listed["SubmitTime"] == dt.datetime(2024, 3, 1, 12, 3, tzinfo=dt.timezone.utc)


# -- the scoring rules, directly (spec §6.6) ------------------------------------------

SCHEMAS = Path(__file__).resolve().parent.parent.parent / "shared" / "schemas"
_options = st.lists(
    st.tuples(st.sets(st.sampled_from("abcd"), min_size=1), st.integers(-5, 5)),
    min_size=1,
    max_size=3,
)
_keys = st.lists(st.tuples(_options, st.none() | st.integers(-3, 3)), min_size=1, max_size=4)
_mappings = st.one_of(
    st.none(),
    st.tuples(st.just("percentage"), st.integers(1, 20)),
    st.tuples(st.just("scale"), st.decimals("-3", "3", places=2)),
    st.tuples(
        st.just("range"),
        st.lists(
            st.tuples(st.integers(-10, 10), st.integers(0, 5), st.integers(0, 100)),
            min_size=1,
            max_size=3,
        ),
        st.integers(-1, 1),
    ),
)


@functools.cache
def _amazon_answer_key_schema():
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(SCHEMAS / "AnswerKey_20051001.xsd"))


def _build(questions, mapping) -> str:
    body = [
        key_question(f"q{n}", [(sorted(sel), score) for sel, score in options], default)
        for n, (options, default) in enumerate(questions)
    ]
    xml_mapping = ""
    if mapping is not None and mapping[0] == "percentage":
        xml_mapping = percentage(mapping[1])
    elif mapping is not None and mapping[0] == "scale":
        xml_mapping = scale(str(mapping[1]))
    elif mapping is not None:
        xml_mapping = ranges([(low, low + width, v) for low, width, v in mapping[1]], mapping[2])
    return answer_key(*body, mapping=xml_mapping)


def _reference(questions, mapping, chosen) -> int:
    total = 0
    for n, (options, default) in enumerate(questions):
        picked = chosen.get(f"q{n}")
        for selections, score in options:
            if picked is not None and set(picked) == selections:
                total += score
                break
        else:
            total += default or 0
    if mapping is None:
        return total
    if mapping[0] == "percentage":
        return int((Decimal(total) * 100 / mapping[1]).quantize(Decimal(1), ROUND_HALF_UP))
    if mapping[0] == "scale":
        return int((Decimal(total) * mapping[1]).quantize(Decimal(1), ROUND_HALF_UP))
    for low, width, value in mapping[1]:
        if low <= total <= low + width:
            return value
    return mapping[2]


@settings(deadline=None)
@given(
    questions=_keys,
    mapping=_mappings,
    chosen=st.dictionaries(
        st.sampled_from(["q0", "q1", "q2", "q3"]), st.lists(st.sampled_from("abcd"), unique=True)
    ),
)
def test_scoring_agrees_with_a_reference(questions, mapping, chosen):
    xml = _build(questions, mapping)

    key = qualification_tests.parse_answer_key(xml)

    assert key.score(chosen) == _reference(questions, mapping, chosen)
    if SCHEMAS.is_dir():  # the keys we build are valid by Amazon's own schema
        _amazon_answer_key_schema().validate(xml)


@pytest.mark.parametrize(
    "xml",
    [
        "<AnswerKey/>",
        answer_key(),
        answer_key(key_question("q1", [])),
        SIMPLE_KEY.replace("<AnswerScore>1</AnswerScore>", "", 1),
        SIMPLE_KEY.replace("</Question>", "<Extra/></Question>", 1),
        answer_key(key_question("q1", [(["a"], 1)]), mapping="<QualificationValueMapping/>"),
        answer_key(
            key_question("q1", [(["a"], 1)]),
            mapping="<QualificationValueMapping><Other/></QualificationValueMapping>",
        ),
        answer_key(key_question("q1", [(["a"], 1)]), mapping=scale("x")),
        answer_key(
            key_question("q1", [(["a"], 1)]),
            mapping="<QualificationValueMapping><RangeMapping><OutOfRangeQualificationValue>"
            "1</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>",
        ),
    ],
)
def test_unusable_answer_keys(xml):
    with pytest.raises(ServiceError) as info:
        qualification_tests.parse_answer_key(xml)

    assert info.value.message == f'The value "{xml}" is not valid for the parameter AnswerKey.'


def test_the_deleted_types_requests_go_when_it_does(mturk, client, type_id):
    worker = mturk.worker(WORKER)
    worker.request_qualification(type_id)
    client.delete_qualification_type(QualificationTypeId=type_id)

    mturk.advance(hours=48)

    with pytest.raises(WorkerActionError, match="no QualificationType"):
        worker.request_qualification(type_id)
    assert client.list_qualification_requests()["NumResults"] == 0
