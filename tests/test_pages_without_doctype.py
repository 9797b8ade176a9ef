"""HTMLQuestion pages without ``<!DOCTYPE html>`` are created and served, as the service
created them (docs/fidelity.md, "HTMLQuestion pages")."""

from __future__ import annotations

import json

import pytest
from conftest import HIT_ARGS
from page_helpers import CONTENT, WORKER, Browser, frame_src, text

from pytest_mturk import parse_answers

SCHEMA = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
)

# A crowd-form page as dschultz0/larry's sandbox tests sent it: the Crowd HTML Elements
# script and the form, no doctype, html, head or body.
CROWD_PAGE = (
    '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
    '<crowd-form><p>Which day of the week is it?</p><input name="day"></crowd-form>'
)
# A template of the kind the requester website took (no html, head or body): what
# webis-de/mturk-manager sent for the HIT of its issue #49.
TEMPLATE = """<!-- Bootstrap v3.0.3 -->
<link href="https://s3.amazonaws.com/mturk-public/bs30/css/bootstrap.min.css" rel="stylesheet" />
<section class="container" id="Summarization">
  <div class="row"><div class="col-xs-12">
    <p>Summarize this editorial in one sentence:</p>
    <blockquote>${text}</blockquote>
    <textarea class="form-control" name="summary" rows="3"></textarea>
  </div></div>
</section>
"""


def larry_question(page: str) -> str:
    """The HTMLQuestion XML as larry's ``render_html_question`` wrote it (FrameHeight 0:
    the whole window)."""
    return (
        f'<HTMLQuestion xmlns="{SCHEMA}">\n'
        f"                <HTMLContent><![CDATA[{page}]]></HTMLContent>"
        "<FrameHeight>0</FrameHeight>\n"
        "              </HTMLQuestion>"
    )


def manager_question(template: str, height: int, values: dict[str, str]) -> str:
    """The HTMLQuestion XML as mturk-manager's ``create_question`` wrote it: the template's
    ``${name}`` placeholders filled in, spaces before the root element."""
    for name, value in values.items():
        template = template.replace("${" + name + "}", value)
    return (
        f'\n            <HTMLQuestion xmlns="{SCHEMA}">\n'
        f"                <HTMLContent><![CDATA[{template}]]></HTMLContent>\n"
        f"                <FrameHeight>{height}</FrameHeight>\n"
        "            </HTMLQuestion>"
    )


@pytest.mark.parametrize(
    "question",
    [
        larry_question(CROWD_PAGE),
        manager_question(TEMPLATE, 800, {"text": "The council's plan is late again."}),
    ],
    ids=["larry crowd-form page", "mturk-manager template"],
)
def test_a_page_without_a_doctype_is_created(mturk, client, question):
    hit = client.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    assert hit["HITStatus"] == "Assignable"
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["Question"] == question
    by_type = client.create_hit_with_hit_type(
        HITTypeId=hit["HITTypeId"], LifetimeInSeconds=600, MaxAssignments=1, Question=question
    )["HIT"]
    assert by_type["HITGroupId"] == hit["HITGroupId"]


def test_the_worker_pages_serve_a_page_without_a_doctype(mturk, client):
    hit = client.create_hit(**{**HIT_ARGS, "Question": larry_question(CROWD_PAGE)})["HIT"]
    browser = Browser(mturk)
    browser.sign_in()
    preview = browser.get(f"/projects/{hit['HITGroupId']}/tasks")
    assert preview.status_code == 200
    assert 'class="tall"' in text(preview)  # FrameHeight 0: a tall frame
    assert frame_src(preview).startswith(
        f"{CONTENT}/dynamic/hit?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE"
    )
    assignment_id = browser.accept(hit)
    task = browser.get(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    )
    served = browser.content(frame_src(task))
    assert served.status_code == 200
    assert text(served) == CROWD_PAGE  # as the requester wrote it, no doctype added
    submitted = browser.post(
        "/mturk/externalSubmit", data={"assignmentId": assignment_id, "day": "Monday"}
    )
    assert submitted.status_code == 200, text(submitted)
    (assignment,) = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert assignment["WorkerId"] == WORKER
    answers = parse_answers(assignment["Answer"])
    assert json.loads(answers["taskAnswers"]) == [{"day": "Monday"}]
