"""The worker pages over WSGI: sign in, the list, preview, accept, return, externalSubmit."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import HIT_ARGS, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_helpers import (
    CONTENT,
    OTHER_WORKER,
    WORKER,
    Browser,
    external_question,
    frame_src,
    html_question,
    refusal,
    text,
)
from werkzeug.datastructures import MultiDict

from pytest_mturk import Simulator, parse_answers

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/mturk-events"

pytestmark = pytest.mark.usefixtures("mturk")


@pytest.fixture
def browser(mturk):
    return Browser(mturk)


def test_the_list_needs_a_worker_and_sign_in_takes_any_well_formed_id(browser, make_hit):
    hit = make_hit()
    response = browser.get("/projects")
    assert response.status_code == 303
    assert response.headers["Location"] == "/worker?next=%2Fprojects"
    refused = browser.post("/worker", data={"worker_id": "bob"})
    assert refused.status_code == 400
    assert refusal(refused) == 'The value "bob" is not valid for the parameter WorkerId.'
    browser.sign_in(WORKER, locale="US-CA", masters="1", approved="120")
    page = text(browser.get("/projects"))
    assert f'href="/projects/{hit["HITGroupId"]}/tasks"' in page
    assert f'<strong id="worker-id">{WORKER}</strong>' in page


def test_sign_in_sets_the_profile_the_requirements_see(browser, mturk, make_hit):
    browser.sign_in(WORKER, locale="DE", adult="1", approved="7")
    worker = mturk.workers[WORKER]
    assert (worker.locale_country, worker.adult, worker.prior_approved) == ("DE", True, 7)


def test_the_list_applies_requirements_as_the_worker_site_did(browser, make_hit):
    open_hit = make_hit(Title="Open to all")
    hidden = make_hit(
        Title="US only, hidden",
        QualificationRequirements=[
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "EqualTo",
                "LocaleValues": [{"Country": "US"}],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            }
        ],
    )
    guarded = make_hit(
        Title="US only, to accept",
        QualificationRequirements=[
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "EqualTo",
                "LocaleValues": [{"Country": "US"}],
            }
        ],
    )
    browser.sign_in(WORKER, locale="FR")
    page = text(browser.get("/projects"))
    assert open_hit["HITGroupId"] in page and guarded["HITGroupId"] in page
    assert hidden["HITGroupId"] not in page
    preview = text(browser.get(f"/projects/{guarded['HITGroupId']}/tasks"))
    assert "<li>Worker_Locale EqualTo US</li>" in preview
    assert 'id="why-not"' in preview and "Accept &amp; Work" not in preview
    # A hidden group cannot be previewed either, even with its link.
    preview = browser.get(f"/projects/{hidden['HITGroupId']}/tasks")
    assert preview.status_code == 404
    assert refusal(preview) == "There are no HITs in this group available to you at the moment."


def test_a_blocked_worker_sees_why_they_cannot_accept(browser, client, make_hit):
    hit = make_hit()
    client.create_worker_block(WorkerId=WORKER, Reason="Spam")
    browser.sign_in()
    page = text(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert 'id="why-not"' in page and "blocked" in page
    refused = browser.post(
        f"/projects/{hit['HITGroupId']}/tasks/accept", data={"hit_id": hit["HITId"]}
    )
    assert refused.status_code == 400
    assert "blocked" in refusal(refused)


def test_the_requester_links_work_with_the_host_replaced(browser, make_hit):
    hit = make_hit()
    browser.sign_in()
    classic = browser.get(f"/mturk/preview?groupId={hit['HITGroupId']}")
    assert classic.status_code == 302
    assert classic.headers["Location"] == f"/projects/{hit['HITGroupId']}/tasks"
    by_hit = browser.get(f"/mturk/preview?hitId={hit['HITId']}")
    assert by_hit.headers["Location"] == f"/projects/{hit['HITGroupId']}/tasks"
    assert browser.get(f"/projects/{hit['HITGroupId']}/tasks").status_code == 200


def test_preview_frames_the_external_url_with_the_preview_parameters(browser, make_hit):
    hit = make_hit(Question=external_question("https://exp.example/run?study=7#top"))
    browser.sign_in()
    src = frame_src(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert src == (
        "https://exp.example/run?study=7&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE"
        f"&hitId={hit['HITId']}#top"
    )


def test_the_task_frames_the_external_url_with_the_parameters_in_mturks_order(browser, make_hit):
    hit = make_hit(Question=external_question("https://exp.example/run?study=7"))
    browser.sign_in()
    assignment_id = browser.accept(hit)
    page = browser.get(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    )
    src = frame_src(page)
    assert src.startswith("https://exp.example/run?study=7&")
    assert parse_qsl(urlsplit(src).query) == [
        ("study", "7"),
        ("assignmentId", assignment_id),
        ("hitId", hit["HITId"]),
        ("workerId", WORKER),
        ("turkSubmitTo", "http://localhost"),
    ]
    assert "turkSubmitTo=http%3A%2F%2Flocalhost" in src  # encoded, as MTurk sent it


def test_a_test_can_frame_its_local_copy_of_an_https_experiment(mturk, make_hit):
    browser = Browser(mturk)
    browser.backend.frame_origins["https://exp.example"] = "http://127.0.0.1:8123"
    hit = make_hit(Question=external_question("https://exp.example/run"))
    browser.sign_in()
    src = frame_src(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert src.startswith("http://127.0.0.1:8123/run?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE")
    # The HIT itself keeps its HTTPS URL: the service's rule is unchanged.
    assert "https://exp.example/run" in mturk.hits[hit["HITId"]].question


def test_an_html_question_is_served_in_its_frame_as_the_requester_wrote_it(browser, make_hit):
    body = '<form id="mturk_form" method="post"><input name="label"></form>'
    hit = make_hit(Question=html_question(body))
    browser.sign_in()
    assignment_id = browser.accept(hit)
    page = browser.get(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    )
    src = frame_src(page)
    # On the content origin, never the worker site's.
    assert src == (
        f"{CONTENT}/dynamic/hit?assignmentId={assignment_id}&hitId={hit['HITId']}"
        f"&workerId={WORKER}&turkSubmitTo=http%3A%2F%2Flocalhost"
    )
    served = browser.content(src)
    assert served.status_code == 200
    assert body in text(served)
    assert browser.content("/dynamic/hit?hitId=NOSUCHHIT").status_code == 404
    script = browser.content("/mturk-public/externalHIT_v1.js")
    assert "function turkSetAssignmentID" in text(script)


AWS_EXAMPLE = (
    "<script type='text/javascript' "
    "src='https://s3.amazonaws.com/mturk-public/externalHIT_v1.js'></script>"
    "<form method='post' id='mturk_form' action='https://www.mturk.com/mturk/externalSubmit'>"
    '<p><textarea name="weather"></textarea></p>'
    '<p><input type="submit" id="submitButton" value="Submit"/></p></form>'
    "<script language='Javascript'>turkSetAssignmentID()</script>"
)


def _worked_on(browser, client, page: str) -> tuple[dict, str]:
    """A HIT with the page, accepted by the signed-in worker: the HIT and its page as
    served in the task's frame."""
    hit = client.create_hit(**{**HIT_ARGS, "Question": html_question(page)})["HIT"]
    browser.sign_in()
    assignment_id = browser.accept(hit)
    src = frame_src(
        browser.get(
            f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
        )
    )
    return hit, text(browser.content(src))


@pytest.mark.parametrize("world", ["sandbox", "production"])
def test_mturks_own_addresses_in_a_page_are_answered_here(browser, mturk, world, request):
    client = request.getfixturevalue("client" if world == "sandbox" else "prod_client")
    page = AWS_EXAMPLE.replace(
        "www.mturk.com", "workersandbox.mturk.com" if world == "sandbox" else "www.mturk.com"
    )
    hit, served = _worked_on(browser, client, page)
    assert "src='/mturk-public/externalHIT_v1.js'" in served
    assert "action='http://localhost/mturk/externalSubmit'" in served
    assert "mturk.com" not in served
    # The HIT keeps the page as the requester wrote it.
    assert "mturk.com/mturk/externalSubmit" in mturk.hits[hit["HITId"]].question


def test_the_other_worlds_address_and_a_foreign_submit_to_are_left_alone(browser, client):
    page = AWS_EXAMPLE  # production's externalSubmit, in a sandbox HIT
    hit, served = _worked_on(browser, client, page)
    assert "action='https://www.mturk.com/mturk/externalSubmit'" in served
    sandbox = html_question(AWS_EXAMPLE.replace("www.mturk.com", "workersandbox.mturk.com"))
    other = client.create_hit(**{**HIT_ARGS, "Question": sandbox})["HIT"]
    for submit_to in ("javascript:alert(1)", "https://evil.example/x", "http://a'b"):
        served = text(
            browser.content(
                f"/dynamic/hit?assignmentId=A&hitId={other['HITId']}&turkSubmitTo={submit_to}"
            )
        )
        assert "action='https://workersandbox.mturk.com/mturk/externalSubmit'" in served


def _submit_twice(mturk, client, through_page: bool):
    """One HIT, accepted and submitted with the same fields, by the page or the worker API."""
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(
        HITTypeId=hit["HITTypeId"],
        Notification={
            "Destination": QUEUE,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentAccepted", "AssignmentSubmitted"],
        },
        Active=True,
    )
    fields = [("comment", "a <b> & ü"), ("label", "cat"), ("label", "dog"), ("hitId", "x")]
    if through_page:
        browser = Browser(mturk)
        browser.sign_in()
        assignment_id = browser.accept(hit)
        response = browser.post(
            "/mturk/externalSubmit", data=MultiDict([("assignmentId", assignment_id), *fields])
        )
        assert response.status_code == 200, text(response)
    else:
        worker = mturk.worker(WORKER, locale="US")
        assignment_id = worker.accept(hit["HITId"])
        worker.submit(
            assignment_id, {"comment": "a <b> & ü", "label": ["cat", "dog"], "hitId": "x"}
        )
    answer = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    events = [(e.event_type, e.assignment_id) for e in mturk.events]
    assert len(inbox) == 2  # accepted, submitted
    return answer, events, [json.loads(n.body) for n in mturk.notifications]


def test_a_page_submission_and_a_worker_submission_are_the_same(boto_session):
    results = []
    for through_page in (True, False):
        with Simulator(seed=11, start="2026-01-05T09:00:00Z") as sim:
            client = boto_session.client("mturk", region_name="sandbox")
            results.append(_submit_twice(sim, client, through_page))
    assert results[0] == results[1]
    answer = results[0][0]
    assert parse_answers(answer) == {"comment": "a <b> & ü", "label": ["cat", "dog"]}
    assert "assignmentId" not in answer


def test_external_submit_by_get_as_older_helper_scripts_sent_it(browser, client, make_hit):
    hit = make_hit()
    browser.sign_in()
    assignment_id = browser.accept(hit)
    response = browser.get(f"/mturk/externalSubmit?answer=yes&assignmentId={assignment_id}")
    assert response.status_code == 200
    assignment = client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert parse_answers(assignment["Answer"]) == {"answer": "yes"}


def test_after_submitting_the_worker_goes_to_the_groups_next_hit_or_the_list(browser, make_hit):
    hit = make_hit(MaxAssignments=1)
    other = make_hit(MaxAssignments=1)  # the same group: the same HIT type
    assert other["HITGroupId"] == hit["HITGroupId"]
    browser.sign_in()
    first = browser.accept(hit)
    page = text(browser.post("/mturk/externalSubmit", data={"assignmentId": first, "a": "1"}))
    following = f"/projects/{hit['HITGroupId']}/tasks"
    assert f'id="continue" href="{following}" target="_top"' in page
    second = browser.accept(other)
    page = text(browser.post("/mturk/externalSubmit", data={"assignmentId": second, "a": "1"}))
    assert 'id="continue" href="/projects" target="_top"' in page


def test_a_post_from_outside_the_browser_acts_for_the_assignments_holder(mturk, client, make_hit):
    hit = make_hit()
    assignment_id = mturk.worker(WORKER).accept(hit["HITId"])
    anonymous = Browser(mturk)
    response = anonymous.post(
        "/mturk/externalSubmit", data={"assignmentId": assignment_id, "q": "1"}
    )
    assert response.status_code == 200
    assert mturk.assignments[assignment_id].status.value == "Submitted"


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("missing", 400, "The submission has no assignmentId"),
        ("preview", 400, "You must ACCEPT the HIT before you can submit the results."),
        ("unknown", 404, "There is no assignment 3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ."),
        ("not theirs", 400, f"belongs to worker {OTHER_WORKER}, not {WORKER}"),
        ("submitted", 400, "is no longer in progress: it is Submitted"),
        ("past deadline", 400, "is no longer in progress: its deadline passed"),
        ("returned", 400, "is no longer in progress"),
    ],
)
def test_a_refused_submission_changes_nothing(mturk, make_hit, case, status, message):
    hit = make_hit()
    browser = Browser(mturk)
    browser.sign_in()
    mine = browser.accept(hit)
    theirs = mturk.worker(OTHER_WORKER).accept(hit["HITId"])
    data = {"assignmentId": mine, "answer": "late"}
    if case == "missing":
        del data["assignmentId"]
    elif case == "preview":
        data["assignmentId"] = "ASSIGNMENT_ID_NOT_AVAILABLE"
    elif case == "unknown":
        data["assignmentId"] = "3" + "Z" * 29
    elif case == "not theirs":
        data["assignmentId"] = theirs
    elif case == "submitted":
        mturk.worker(WORKER).submit(mine, {"answer": "first"})
    elif case == "past deadline":
        mturk.advance(seconds=HIT_ARGS["AssignmentDurationInSeconds"] + 1)
    elif case == "returned":
        mturk.worker(WORKER).return_(mine)
    before = snapshot(mturk)
    response = browser.post("/mturk/externalSubmit", data=data)
    assert response.status_code == status
    assert message in refusal(response)
    assert snapshot(mturk) == before


def test_return_gives_the_slot_back(browser, mturk, make_hit):
    hit = make_hit(MaxAssignments=1)
    browser.sign_in()
    assignment_id = browser.accept(hit)
    assert mturk.hits[hit["HITId"]].available == 0
    response = browser.post(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}/return",
        data={"assignment_id": assignment_id},
    )
    assert response.status_code == 303
    assert mturk.hits[hit["HITId"]].available == 1
    gone = browser.get(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    )
    assert gone.status_code == 409


def test_the_queue_lists_the_assignments_in_progress(browser, make_hit):
    hit = make_hit()
    browser.sign_in()
    assignment_id = browser.accept(hit)
    page = text(browser.get("/tasks"))
    assert assignment_id in page


def test_another_workers_task_page_is_refused(browser, mturk, make_hit):
    hit = make_hit()
    theirs = mturk.worker(OTHER_WORKER).accept(hit["HITId"])
    browser.sign_in()
    response = browser.get(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={theirs}"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/projects/not-an-id/tasks", 404),
        ("GET", "/projects/ABC/tasks/DEF/extra", 404),
        ("GET", "/mturk/preview", 404),
        ("GET", "/mturk/preview?groupId=%3Cscript%3E", 404),
        ("GET", "/worker/sign-out", 405),
        ("DELETE", "/mturk/externalSubmit", 405),
        ("GET", "/mturk/somewhere", 404),
    ],
)
def test_bad_paths_get_a_page_not_a_traceback(browser, method, path, status):
    response = browser.client.open(path, method=method)
    assert response.status_code == status
    assert "<script>" not in text(response)
    assert response.headers["Content-Type"].startswith("text/html")


def test_text_from_the_requester_is_escaped_on_every_page(browser, make_hit):
    hit = make_hit(Title="<script>alert(1)</script>", Description='"><img src=x onerror=1>')
    browser.sign_in()
    page = text(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_sign_out_forgets_the_worker(browser):
    browser.sign_in()
    browser.post("/worker/sign-out")
    assert browser.get("/projects").status_code == 303


def test_the_api_root_is_still_the_api(browser):
    assert browser.get("/").status_code == 405
    assert re.search(r"application/json", browser.get("/nothing").headers["Content-Type"])


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=6),
    with_id=st.sampled_from(["mine", "none", "garbled"]),
    raw=st.binary(max_size=200),
)
def test_garbled_submissions_get_an_answer_and_change_nothing_when_refused(
    mturk, make_hit, fields, with_id, raw
):
    hit = make_hit(MaxAssignments=1)
    browser = Browser(mturk)
    browser.sign_in()
    assignment_id = browser.accept(hit)
    if with_id == "mine":
        fields = [("assignmentId", assignment_id), *fields]
    elif with_id == "garbled":
        fields = [("assignmentId", assignment_id[:5] + "\x00<"), *fields]
    before = snapshot(mturk)
    response = browser.post("/mturk/externalSubmit", data=MultiDict(fields))
    assert response.status_code in (200, 400, 404), text(response)
    if response.status_code != 200:
        assert snapshot(mturk) == before
    # A body that is not a form at all is refused, never a traceback.
    raw_response = browser.post(
        "/mturk/externalSubmit", data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert raw_response.status_code in (200, 400, 404)


def test_a_visitor_not_signed_in_previews_only_what_any_worker_could(browser, make_hit):
    locale = {"QualificationTypeId": "00000000000000000071", "Comparator": "EqualTo"}
    us = [{"Country": "US"}]
    open_hit = make_hit(Title="Open")
    preview_guarded = make_hit(
        Title="Preview guarded",
        QualificationRequirements=[
            {**locale, "LocaleValues": us, "ActionsGuarded": "PreviewAndAccept"}
        ],
    )
    hidden = make_hit(
        Title="Hidden",
        QualificationRequirements=[
            {**locale, "LocaleValues": us, "ActionsGuarded": "DiscoverPreviewAndAccept"}
        ],
    )
    page = text(browser.get(f"/projects/{open_hit['HITGroupId']}/tasks"))
    assert 'id="task-frame"' in page and "Sign in</a> to accept" in page
    page = text(browser.get(f"/projects/{preview_guarded['HITGroupId']}/tasks"))
    assert 'id="preview-hidden"' in page and 'id="task-frame"' not in page
    assert browser.get(f"/projects/{hidden['HITGroupId']}/tasks").status_code == 404


def test_a_huge_form_post_is_refused_and_changes_nothing(browser, mturk, make_hit):
    hit = make_hit()
    browser.sign_in()
    assignment_id = browser.accept(hit)
    before = snapshot(mturk)
    response = browser.post(
        "/mturk/externalSubmit", data={"assignmentId": assignment_id, "essay": "x" * 5_000_000}
    )
    assert response.status_code == 413
    assert snapshot(mturk) == before


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.text(max_size=30),
    after=st.text(max_size=30),
    quote=st.sampled_from(["'", '"', " ", "="]),
    url=st.sampled_from(
        [
            "https://www.mturk.com/mturk/externalSubmit",
            "HTTP://WWW.MTURK.COM/mturk/externalSubmit",
            "//www.mturk.com/mturk/externalSubmit",
        ]
    ),
)
def test_only_mturks_own_address_is_answered_here(before, after, quote, url):
    from pytest_mturk.doors.pages import frames

    page = f"{before}{quote}{url}{quote}{after}"
    served = frames.served(page, "production", "https://study.example.org")
    expected = f"{quote}https://study.example.org/mturk/externalSubmit{quote}"
    assert expected in served
    # Nothing else of the page changes, and other worlds' pages are left alone.
    assert served.replace(expected, f"{quote}{url}{quote}", 1) == page
    assert frames.served(page, "sandbox", "https://study.example.org") == page
    assert frames.served(page, "production", "https://study.example.org/path") == page
    longer = page.replace("externalSubmit", "externalSubmitted")
    assert frames.served(longer, "production", "https://study.example.org") == longer
