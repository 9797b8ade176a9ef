"""A QuestionForm as the worker's page: every answer type shown, its constraints enforced,
the answers recorded as the worker API records them; qualification tests as forms."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from conftest import snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_helpers import WORKER, Browser, question_form, text
from werkzeug.datastructures import MultiDict

from pytest_mturk import parse_answers

pytestmark = pytest.mark.usefixtures("mturk")


def q(identifier, answer, *, required=False, content="<Text>Say it</Text>", name=None):
    display = f"<DisplayName>{name}</DisplayName>" if name else ""
    flag = "<IsRequired>true</IsRequired>" if required else ""
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>{display}{flag}"
        f"<QuestionContent>{content}</QuestionContent>"
        f"<AnswerSpecification>{answer}</AnswerSpecification></Question>"
    )


def selection(style, *ids, low=1, high=1, other=False):
    items = "".join(
        f"<Selection><SelectionIdentifier>{i}</SelectionIdentifier><Text>{i.title()}</Text>"
        "</Selection>"
        for i in ids
    )
    other_xml = "<OtherSelection/>" if other else ""
    return (
        f"<SelectionAnswer><MinSelectionCount>{low}</MinSelectionCount>"
        f"<MaxSelectionCount>{high}</MaxSelectionCount><StyleSuggestion>{style}"
        f"</StyleSuggestion><Selections>{items}{other_xml}</Selections></SelectionAnswer>"
    )


EVERYTHING = question_form(
    q(
        "name",
        "<FreeTextAnswer><Constraints><Length minLength='2' maxLength='10'/>"
        "<AnswerFormatRegex regex='^[a-z]+$' errorText='Lower-case letters only.'/>"
        "</Constraints><DefaultText>abc</DefaultText></FreeTextAnswer>",
        required=True,
        name="Name",
    ),
    q(
        "count",
        "<FreeTextAnswer><Constraints><IsNumeric minValue='1' maxValue='9'/></Constraints>"
        "</FreeTextAnswer>",
    ),
    q(
        "essay",
        "<FreeTextAnswer><NumberOfLinesSuggestion>4</NumberOfLinesSuggestion></FreeTextAnswer>",
    ),
    q("colour", selection("radiobutton", "red", "blue"), required=True),
    q("fruit", selection("checkbox", "apple", "pear", "plum", low=1, high=2)),
    q("size", selection("dropdown", "small", "large", other=True)),
    q("tags", selection("multichooser", "x", "y", "z", low=0, high=3)),
    q("box", selection("combobox", "one", "two")),
    q("listed", selection("list", "a", "b", high=2)),
    q(
        "photo",
        "<FileUploadAnswer><MaxFileSizeInBytes>100</MaxFileSizeInBytes>"
        "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>",
    ),
    overview=(
        "<Overview><Title>Everything</Title><List><ListItem>first</ListItem></List>"
        "<FormattedContent><![CDATA[<p>Read <b>this</b><script>alert(1)</script></p>]]>"
        "</FormattedContent><Binary><MimeType><Type>image</Type><SubType>png</SubType>"
        "</MimeType><DataURL>https://example.com/cat.png</DataURL><AltText>A cat</AltText>"
        "</Binary></Overview>"
    ),
)


@pytest.fixture
def working(mturk, make_hit):
    """A worker signed in, holding an assignment of a HIT asking ``EVERYTHING``."""
    browser = Browser(mturk)
    browser.sign_in()
    hit = make_hit(Question=EVERYTHING)
    assignment_id = browser.accept(hit)
    path = f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    return browser, hit, assignment_id, path


def test_every_answer_type_is_a_labelled_control(working):
    browser, _, _, path = working
    page = text(browser.get(path))
    form = page[page.index('<form id="question-form"') :]
    assert 'enctype="multipart/form-data"' in form
    assert re.search(
        r'<input type="text" id="name" name="name" aria-labelledby="name-legend" '
        r'required minlength="2" maxlength="10" value="abc"',
        form,
    )
    assert re.search(r'<input type="number" id="count"[^>]* step="1" min="1" max="9"', form)
    assert '<textarea id="essay" name="essay"' in form and 'rows="4"' in form
    assert form.count('type="radio" id="colour-') == 2 and "required" in form
    assert form.count('type="checkbox" id="fruit-') == 3
    assert re.search(r'<select id="size" name="size"[^>]*><option value="">', form)
    assert re.search(r'<select id="tags" name="tags"[^>]* multiple size="3"', form)
    assert '<label id="size:other-label" for="size:other">Other:</label>' in form
    assert '<input type="file" id="photo" name="photo"' in form
    # Content: the overview's list, its formatted content (script dropped), its image.
    assert "<li>first</li>" in page and "<b>this</b>" in page
    assert "<script>alert" not in page and "alert(1)" in page
    assert '<img src="https://example.com/cat.png" alt="A cat">' in page
    # Every control is labelled: by its legend, or a label for it.
    for ident in re.findall(r'<(?:input|select|textarea) [^>]*id="([^"]+)"', form):
        assert f'for="{ident}"' in form or f'id="{ident}" name' in form


def _pairs(fields):
    return [
        (name, item)
        for name, value in fields.items()
        for item in (value if isinstance(value, list) else [value])
    ]


def _post(browser, path, fields, files=None):
    data = _pairs(fields)
    if files:
        data += [(name, (io.BytesIO(body), filename)) for name, (body, filename) in files.items()]
    return browser.post(path, data=MultiDict(data), content_type="multipart/form-data")


def _multi(pairs):
    return MultiDict(list(pairs))


VALID = {
    "name": "bob",
    "count": "3",
    "essay": "line one\nline two",
    "colour": "blue",
    "fruit": ["apple", "plum"],
    "size": "",
    "size:other": "medium",
    "tags": [],
    "box": "two",
    "listed": ["a", "b"],
}


def test_a_valid_form_is_submitted_as_the_worker_api_would(working, mturk, client):
    browser, _, assignment_id, path = working
    fields = {key: value for key, value in VALID.items() if value != []}
    response = _post(browser, path, fields, {"photo": (b"12345", "cat.png")})
    assert response.status_code == 303, text(response)
    answer = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    expected = {
        "name": "bob",
        "count": "3",
        "essay": "line one\nline two",
        "colour": ["blue"],
        "fruit": ["apple", "plum"],
        "size": {"selections": [], "other": "medium"},
        "box": ["two"],
        "listed": ["a", "b"],
        "photo": {"file_key": f"{assignment_id}/photo/cat.png", "file_size": 5},
    }
    assert parse_answers(answer) == expected


@pytest.mark.parametrize(
    ("change", "question", "problem"),
    [
        ({"name": ""}, "name", "This question requires an answer."),
        ({"name": "b"}, "name", "The answer must be at least 2 characters long."),
        ({"name": "Bob"}, "name", "Lower-case letters only."),
        ({"count": "12"}, "count", "The answer must be at most 9."),
        ({"count": "2.5"}, "count", "The answer must be a whole number."),
        ({"colour": ""}, "colour", "This question requires an answer."),
        ({"fruit": ["apple", "pear", "plum"]}, "fruit", "Choose at most 2."),
        ({"size": "huge"}, "size", "'huge' is not one of this question's choices."),
    ],
)
def test_the_page_refuses_what_the_form_does_not_allow(working, mturk, change, question, problem):
    browser, _, _, path = working
    fields = {**VALID, **change}
    fields = {key: value for key, value in fields.items() if value not in ([], "")}
    before = snapshot(mturk)
    response = _post(browser, path, fields)
    assert response.status_code == 400
    page = text(response)
    found = re.search(rf'id="{re.escape(question)}-error">(.*?)</p>', page)
    assert found and unescape(found.group(1)) == problem
    assert snapshot(mturk) == before
    # What the worker typed is shown again.
    if fields.get("essay"):
        assert "line one\nline two</textarea>" in page


def test_an_upload_outside_its_size_bounds_is_refused(working, mturk):
    browser, _, _, path = working
    fields = {key: value for key, value in VALID.items() if value != []}
    response = _post(browser, path, fields, {"photo": (b"x" * 101, "big.png")})
    assert response.status_code == 400
    assert "The file must be at most 100 bytes." in text(response)


def test_a_question_form_posted_to_external_submit_is_read_the_same_way(working, client):
    browser, _, assignment_id, _ = working
    fields = {key: value for key, value in VALID.items() if value != []}
    response = browser.post(
        "/mturk/externalSubmit", data=MultiDict([("assignmentId", assignment_id), *_pairs(fields)])
    )
    assert response.status_code == 200, text(response)
    answer = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    assert parse_answers(answer)["size"] == {"selections": [], "other": "medium"}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.lists(
        st.tuples(
            st.sampled_from(["name", "count", "colour", "fruit", "size", "size:other", "zzz"]),
            st.text(max_size=30),
        ),
        max_size=8,
    )
)
def test_garbled_form_posts_get_an_answer_never_a_traceback(working, mturk, fields):
    browser, _, assignment_id, path = working
    if mturk.assignments[assignment_id].status.value != "Accepted":
        return  # an earlier example submitted it; the rest only check the pages' answers
    before = snapshot(mturk)
    response = browser.post(path, data=_multi(fields))
    assert response.status_code in (303, 400), text(response)
    if response.status_code == 400:
        assert snapshot(mturk) == before


# -- qualification tests and requests --------------------------------------------------------

TEST = question_form(
    q(
        "capital",
        selection("radiobutton", "paris", "rome"),
        required=True,
        content="<Text>The capital of France?</Text>",
    )
)
KEY = (
    '<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>capital</QuestionIdentifier>'
    "<AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>90"
    "</AnswerScore></AnswerOption></Question></AnswerKey>"
)


def test_a_qualification_test_is_a_form_scored_on_submission(mturk, client):
    type_id = client.create_qualification_type(
        Name="Geography",
        Description="Capitals",
        QualificationTypeStatus="Active",
        Test=TEST,
        AnswerKey=KEY,
        TestDurationInSeconds=300,
    )["QualificationType"]["QualificationTypeId"]
    browser = Browser(mturk)
    browser.sign_in()
    listing = text(browser.get("/qualifications"))
    assert f'href="/qualifications/{type_id}"' in listing and "Not held" in listing
    page = text(browser.get(f"/qualifications/{type_id}"))
    assert 'id="colour' not in page and 'name="capital" value="paris"' in page
    refused = browser.post(f"/qualifications/{type_id}", data={})
    assert refused.status_code == 400
    assert "This question requires an answer." in text(refused)
    done = browser.post(f"/qualifications/{type_id}", data={"capital": "paris"})
    assert done.status_code == 200
    assert "Qualification granted, with the score 90." in text(done)
    score = client.get_qualification_score(QualificationTypeId=type_id, WorkerId=WORKER)
    assert score["Qualification"]["IntegerValue"] == 90


def test_a_qualification_without_a_test_is_requested_for_the_requester_to_decide(mturk, client):
    type_id = client.create_qualification_type(
        Name="Trusted", Description="By hand", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    browser = Browser(mturk)
    browser.sign_in()
    assert 'action="/qualifications/' in text(browser.get(f"/qualifications/{type_id}"))
    done = browser.post(f"/qualifications/{type_id}")
    assert "the requester will accept or reject it" in text(done)
    (request,) = client.list_qualification_requests(QualificationTypeId=type_id)[
        "QualificationRequests"
    ]
    assert request["WorkerId"] == WORKER
    again = browser.post(f"/qualifications/{type_id}")
    assert again.status_code == 400
    assert "already has a request" in text(again)
    assert browser.get("/qualifications/3NOSUCHTYPE").status_code == 404
