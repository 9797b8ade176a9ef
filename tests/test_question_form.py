"""One QuestionForm: a HIT's question and a qualification test are read, and answered, alike."""

from __future__ import annotations

import pytest
from conftest import HIT_ARGS
from qualification_helpers import free_text, make_type, question_form, selection

from pytest_mturk import WorkerActionError, answers_xml
from pytest_mturk.rules.qualifications import qualification_tests
from pytest_mturk.rules.questions import checks as questions

WORKER = "A1B2C3D4E5F6G7"
FORM = question_form(
    selection("colour", ("red", "blue"), other=True), free_text("why"), selection("size")
)


def test_a_hit_question_and_a_test_are_one_form():
    as_question = questions.describe(FORM).form
    as_test = qualification_tests.parse_test(FORM)

    assert as_question == as_test
    assert [(q.identifier, q.kind) for q in as_test.questions] == [
        ("colour", "selection"),
        ("why", "free"),
        ("size", "selection"),
    ]
    assert as_test.question("colour").selections == ("red", "blue")
    assert as_test.question("colour").other


def answer_hit(mturk, client, values):
    hit = client.create_hit(**{**HIT_ARGS, "Question": FORM})["HIT"]
    worker = mturk.worker(WORKER)
    assignment_id = worker.accept(hit["HITId"])
    worker.submit(assignment_id, values)
    return client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]


def answer_test(mturk, client, values):
    type_id = make_type(client, Test=FORM, TestDurationInSeconds=60)["QualificationTypeId"]
    mturk.worker(WORKER).request_qualification(type_id, answers=values)
    (request,) = client.list_qualification_requests()["QualificationRequests"]
    return request["Answer"]


@pytest.mark.parametrize("answer", [answer_hit, answer_test])
def test_both_write_the_answers_in_the_forms_order(mturk, client, answer):
    given = {"size": ["a", "b"], "why": "it is", "colour": {"selections": [], "other": "teal"}}

    xml = answer(mturk, client, given)

    assert xml == answers_xml(
        {"colour": {"selections": [], "other": "teal"}, "why": "it is", "size": ["a", "b"]}
    )


@pytest.mark.parametrize("answer", [answer_hit, answer_test])
@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"shape": "round"}, "has no question 'shape'; its questions are 'colour', 'why', 'size'"),
        ({"colour": "green"}, "has no selection 'green'; its selections are 'red', 'blue'"),
        ({"size": {"selections": ["a"], "other": "x"}}, "has no OtherSelection"),
        ({"why": ["a"]}, "takes free text"),
        ({"why": True}, "takes free text"),
        ({"size": 3}, "is a selection"),
    ],
)
def test_both_refuse_what_the_form_could_not_send(mturk, client, answer, values, complaint):
    with pytest.raises(WorkerActionError, match=complaint):
        answer(mturk, client, values)
    assert client.list_qualification_requests()["NumResults"] == 0


@pytest.mark.parametrize("required", ["true", "1", " true "])
def test_a_test_holds_to_its_required_questions(mturk, client, required):
    test = question_form(selection("q1"), selection("q2")).replace(
        "<IsRequired>false</IsRequired>", f"<IsRequired>{required}</IsRequired>", 1
    )
    type_id = make_type(client, Test=test, TestDurationInSeconds=60)["QualificationTypeId"]

    with pytest.raises(WorkerActionError, match=r"required questions are unanswered: \['q1'\]"):
        mturk.worker(WORKER).request_qualification(type_id, answers={"q2": "a"})
    assert client.list_qualification_requests()["NumResults"] == 0


def test_a_hit_takes_answers_that_leave_a_required_question_out(mturk, client):
    # An assignment's answers are only guaranteed valid by the schema (spec §6.5).
    required = FORM.replace("<IsRequired>false</IsRequired>", "<IsRequired>true</IsRequired>")
    hit = client.create_hit(**{**HIT_ARGS, "Question": required})["HIT"]
    worker = mturk.worker(WORKER)
    assignment_id = worker.accept(hit["HITId"])

    worker.submit(assignment_id, {"why": "no reason"})

    assert mturk.assignments[assignment_id].status.value == "Submitted"
