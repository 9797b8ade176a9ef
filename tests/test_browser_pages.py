"""End to end in headless Chromium: a worker's browser on the pages, the requester's boto3
code reading what was submitted.

Driven by Playwright's Python package with the system's Chromium (Debian's
``chromium``; ``PYTEST_MTURK_CHROMIUM`` names another). Where either is missing these
skip, unless ``PYTEST_MTURK_BROWSER=required`` (set by ``.ci/run``, which installs
both) makes that a failure. One browser per module; each test a fresh context
(cookies and all). ``PYTEST_MTURK_SCREENSHOTS=<folder>`` keeps the screenshots the
tests take there (``docs/pages`` holds the README's).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import HIT_ARGS
from page_helpers import WORKER, external_question, html_question, question_form
from server_helpers import client

from pytest_mturk import parse_answers

REQUIRED = os.environ.get("PYTEST_MTURK_BROWSER") == "required"
SHOTS = os.environ.get("PYTEST_MTURK_SCREENSHOTS")
MTURK_ADDRESSES = re.compile(r"https://(s3\.amazonaws\.com|[a-z]+\.mturk\.com)/.*")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what} is missing, and PYTEST_MTURK_BROWSER=required")
    pytest.skip(f"{what} is not installed")


def launched():
    """Headless Chromium, while the generator runs (skipped, or failed, without it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install playwright)")
    executable = os.environ.get("PYTEST_MTURK_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        _missing("Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chromium():
    yield from launched()


@pytest.fixture
def page(chromium, mturk_server):
    context = chromium.new_context(viewport={"width": 960, "height": 640})
    # Nothing reaches MTurk's own addresses (its helper script on S3, its externalSubmit):
    # the served page must name the server's instead.
    context.route(MTURK_ADDRESSES, lambda route: route.abort())
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def requester(mturk_server):
    return client(mturk_server.endpoint_url)


def shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def sign_in(page, server, worker_id: str = WORKER) -> None:
    page.goto(server.url + "worker")
    page.get_by_label("Worker ID").fill(worker_id)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")


LABEL_PAGE = (
    '<script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>'
    '<form name="mturk_form" method="post" id="mturk_form" '
    'action="https://workersandbox.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" value="" name="assignmentId" id="assignmentId">'
    "<h1>What does the picture show?</h1>"
    '<p><label><input type="radio" name="label" value="cat" required> A cat</label></p>'
    '<p><label><input type="radio" name="label" value="dog"> A dog</label></p>'
    '<p><label for="note">Anything else?</label> <input id="note" name="note"></p>'
    '<p><input type="submit" id="submitButton" value="Submit"></p></form>'
    "<script>turkSetAssignmentID();</script>"
)


def test_a_worker_does_an_html_question_and_the_requester_reads_it(
    page, mturk_server, requester, tmp_path
):
    hit = requester.create_hit(**{**HIT_ARGS, "Question": html_question(LABEL_PAGE)})["HIT"]
    sign_in(page, mturk_server)
    shot(page, "hit-list", tmp_path)
    page.goto(f"{mturk_server.url}mturk/preview?groupId={hit['HITGroupId']}")
    preview = page.frame_locator("#task-frame")
    # Previewing: the requester's own submit button is disabled by the helper script.
    button = preview.locator("#submitButton")
    assert button.is_disabled()
    assert button.get_attribute("value") == (
        "You must ACCEPT the HIT before you can submit the results."
    )
    shot(page, "preview", tmp_path)
    page.get_by_role("button", name="Accept & Work").click()
    task = page.frame_locator("#task-frame")
    task.get_by_label("A dog").check()
    task.get_by_label("Anything else?").fill("a small one")
    shot(page, "html-question", tmp_path)
    task.locator("#submitButton").click()
    page.wait_for_url(f"{mturk_server.url}projects")
    listed = requester.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [(a["WorkerId"], a["AssignmentStatus"]) for a in listed] == [(WORKER, "Submitted")]
    assert parse_answers(listed[0]["Answer"]) == {"label": "dog", "note": "a small one"}


# A page that names MTurk's externalSubmit and fills its assignmentId itself, with no
# helper script: on MTurk, the post reached MTurk.
HARD_CODED_PAGE = (
    '<form method="post" action="https://workersandbox.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId" id="assignmentId">'
    '<p><label><input type="checkbox" name="relevant" value="yes"> Relevant</label></p>'
    '<p><input type="submit" value="Submit"></p></form>'
    "<script>document.getElementById('assignmentId').value = "
    "new URLSearchParams(location.search).get('assignmentId');</script>"
)


def test_a_page_posting_to_mturks_own_address_submits_here(page, mturk_server, requester):
    hit = requester.create_hit(**{**HIT_ARGS, "Question": html_question(HARD_CODED_PAGE)})["HIT"]
    sign_in(page, mturk_server)
    page.goto(f"{mturk_server.url}mturk/preview?groupId={hit['HITGroupId']}")
    page.get_by_role("button", name="Accept & Work").click()
    task = page.frame_locator("#task-frame")
    task.get_by_label("Relevant").check()
    task.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{mturk_server.url}projects")
    listed = requester.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [(a["WorkerId"], a["AssignmentStatus"]) for a in listed] == [(WORKER, "Submitted")]
    assert parse_answers(listed[0]["Answer"]) == {"relevant": "yes"}


EXPERIMENT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Experiment</title></head>
<body><h1>Reaction study</h1>
<form id="exp" method="post"><input type="hidden" name="assignmentId" id="assignmentId">
<label for="rt">Your answer</label> <input id="rt" name="rt">
<button type="submit" id="send">Send</button></form>
<p id="mode"></p>
<script>
var query = new URLSearchParams(window.location.search);
document.getElementById("assignmentId").value = query.get("assignmentId");
document.getElementById("exp").action = query.get("turkSubmitTo") + "/mturk/externalSubmit";
document.getElementById("mode").textContent = "worker " + query.get("workerId");
</script></body></html>"""


@pytest.fixture
def experiment():
    """The requester's experiment, served by the test on a loopback port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = EXPERIMENT.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_external_question_served_by_the_test_submits_through_the_frame(
    page, mturk_server, requester, experiment, tmp_path
):
    # The HIT keeps its real HTTPS address; the worker pages frame the test's copy.
    mturk_server.serve_origin("https://experiment.example", experiment)
    question = external_question("https://experiment.example/study?v=2")
    hit = requester.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    sign_in(page, mturk_server)
    page.goto(f"{mturk_server.url}projects/{hit['HITGroupId']}/tasks")
    page.get_by_role("button", name="Accept & Work").click()
    frame = page.frame_locator("#task-frame")
    assert frame.locator("#mode").text_content() == f"worker {WORKER}"
    frame.get_by_label("Your answer").fill("412")
    shot(page, "external-question", tmp_path)
    frame.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{mturk_server.url}projects")
    listed = requester.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert parse_answers(listed[0]["Answer"]) == {"rt": "412"}


SURVEY = question_form(
    "<Question><QuestionIdentifier>age</QuestionIdentifier><DisplayName>Age</DisplayName>"
    "<IsRequired>true</IsRequired><QuestionContent><Text>How old are you?</Text>"
    "</QuestionContent><AnswerSpecification><FreeTextAnswer><Constraints>"
    '<IsNumeric minValue="18" maxValue="120"/></Constraints></FreeTextAnswer>'
    "</AnswerSpecification></Question>",
    "<Question><QuestionIdentifier>pets</QuestionIdentifier><DisplayName>Pets</DisplayName>"
    "<QuestionContent><Text>Which pets do you have?</Text></QuestionContent>"
    "<AnswerSpecification><SelectionAnswer><MinSelectionCount>0</MinSelectionCount>"
    "<MaxSelectionCount>3</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>"
    "<Selections><Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text>"
    "</Selection><Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>Dog</Text>"
    "</Selection><OtherSelection/></Selections></SelectionAnswer></AnswerSpecification>"
    "</Question>",
    overview="<Overview><Title>A short survey</Title><Text>Two questions.</Text></Overview>",
)


def test_a_question_form_refuses_a_required_question_left_empty_in_the_page(
    page, mturk_server, mturk, requester, tmp_path
):
    hit = requester.create_hit(**{**HIT_ARGS, "Question": SURVEY})["HIT"]
    sign_in(page, mturk_server)
    page.goto(f"{mturk_server.url}projects/{hit['HITGroupId']}/tasks")
    # The preview shows the form, but nothing in it can be used or sent.
    assert page.get_by_role("button", name="Submit").count() == 0
    assert page.locator("#question-form fieldset[disabled]").count() == 1
    page.get_by_role("button", name="Accept & Work").click()
    page.get_by_label("Cat").check()
    page.get_by_role("button", name="Submit").click()
    # The browser refused: the required field is invalid and nothing was submitted.
    assert page.locator("#age:invalid").count() == 1
    (assignment,) = mturk.assignments.values()
    assert assignment.status.value == "Accepted"
    page.locator("#age").fill("34")
    page.get_by_label("Other:").fill("a hamster")
    shot(page, "question-form", tmp_path)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{mturk_server.url}projects")
    answer = requester.get_assignment(AssignmentId=assignment.assignment_id)["Assignment"]
    assert parse_answers(answer["Answer"]) == {
        "age": "34",
        "pets": {"selections": ["cat"], "other": "a hamster"},
    }


def test_the_pages_work_from_the_keyboard(page, mturk_server, requester):
    hit = requester.create_hit(**{**HIT_ARGS, "Question": SURVEY})["HIT"]
    page.goto(mturk_server.url + "worker")
    # The worker ID field has the focus (the browser gives it once the page is ready: wait
    # for that, or keys typed on a busy machine go nowhere); Enter sends the form.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'worker_id'")
    page.keyboard.type(WORKER)
    page.keyboard.press("Enter")
    page.wait_for_url("**/projects")
    page.goto(f"{mturk_server.url}projects/{hit['HITGroupId']}/tasks")
    page.get_by_role("button", name="Accept & Work").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/tasks/**")
    page.locator("#age").focus()
    page.keyboard.type("40")
    page.keyboard.press("Tab")  # to the first checkbox
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{mturk_server.url}projects")
    (listed,) = requester.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert parse_answers(listed["Answer"]) == {"age": "40", "pets": ["cat"]}
