"""What keeps the worker site to its own, over WSGI: the content origin, the headers, CSRF
tokens, the signed worker cookie and the accept link's rule (the browser's side is in
``test_browser_security.py``)."""

from __future__ import annotations

import re

import pytest
from conftest import snapshot
from page_helpers import (
    CONTENT,
    CONTENT_LISTENER,
    OTHER_WORKER,
    SITE,
    WORKER,
    Browser,
    form_token,
    frame_src,
    html_question,
    question_form,
    refusal,
    text,
)

from pytest_mturk.core.model import Environment
from pytest_mturk.doors.pages import guard
from pytest_mturk.doors.pages.accept_link import NOT_BY_YOU
from pytest_mturk.doors.pages.frames import SANDBOX

pytestmark = pytest.mark.usefixtures("mturk")

AGE = question_form(
    "<Question><QuestionIdentifier>age</QuestionIdentifier><IsRequired>true</IsRequired>"
    "<QuestionContent><Text>Age?</Text></QuestionContent><AnswerSpecification>"
    "<FreeTextAnswer/></AnswerSpecification></Question>"
)
TEST_TYPE = {
    "Name": "Spelling",
    "Description": "A test",
    "QualificationTypeStatus": "Active",
    "Test": AGE,
    "TestDurationInSeconds": 600,
}


@pytest.fixture
def browser(mturk):
    return Browser(mturk)


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as ``{directive: sources}``."""
    found = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, sources = part.strip().partition(" ")
        found[name] = sources
    return found


def task_path(hit, assignment_id) -> str:
    return f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"


# -- one origin for the site, another for requester content ----------------------------------


def test_requester_html_is_served_on_the_content_origin_only(browser, make_hit):
    hit = make_hit(Question=html_question("<p id='mine'>requester</p>"))
    browser.sign_in()
    src = frame_src(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert src.startswith(f"{CONTENT}/dynamic/hit?")
    assert "requester" in text(browser.content(src))
    path = src.removeprefix(CONTENT)
    for address in (path, "/mturk-public/externalHIT_v1.js"):
        on_site = browser.get(address)
        assert on_site.status_code == 404, address
        assert "requester" not in text(on_site) and "turkSetAssignmentID" not in text(on_site)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/projects"),
        ("GET", "/worker"),
        ("POST", "/worker"),
        ("GET", "/tasks"),
        ("GET", "/worker/site.js"),
        ("POST", "/mturk/externalSubmit"),
        ("GET", "/_mturk/snapshot"),
        ("POST", "/_mturk/reset"),
        ("POST", "/"),
        ("POST", "/production/"),
    ],
)
def test_the_content_origin_serves_nothing_but_requester_content(browser, mturk, method, path):
    browser.sign_in()
    before = snapshot(mturk)
    headers = {"X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"}
    response = browser.client.open(
        path, method=method, headers=headers, data=b"{}", environ_overrides=CONTENT_LISTENER
    )
    assert response.status_code == 404
    assert text(response) == "Not found: this origin serves HIT content only."
    assert snapshot(mturk) == before


# -- headers -----------------------------------------------------------------------------------


def test_site_pages_send_a_policy_that_frames_only_the_content_and_hit_origins(browser, make_hit):
    browser.backend.frame_origins["https://exp.example"] = "http://127.0.0.1:8123"
    hit = make_hit()
    browser.sign_in()
    for path in ("/projects", f"/projects/{hit['HITGroupId']}/tasks", "/worker", "/projects/x/y"):
        response = browser.get(path)
        csp = policy(response)
        assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'", path
        assert csp["style-src"] == "'self'" and csp["form-action"] == "'self'"
        assert csp["frame-src"].split() == ["'self'", CONTENT, "http://127.0.0.1:8123", "https:"]
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_answer_to_a_submission_may_be_shown_in_the_sites_own_frame(browser, make_hit):
    hit = make_hit()
    browser.sign_in()
    assignment_id = browser.accept(hit)
    done = browser.post("/mturk/externalSubmit", data={"assignmentId": assignment_id, "a": "1"})
    assert done.status_code == 200
    assert policy(done)["frame-ancestors"] == "'self'"
    assert done.headers["X-Frame-Options"] == "SAMEORIGIN"
    refused = browser.post("/mturk/externalSubmit", data={"assignmentId": "NOSUCH"})
    assert refused.status_code == 404 and policy(refused)["frame-ancestors"] == "'self'"


def test_content_may_be_framed_by_the_worker_site_only(browser, make_hit):
    hit = make_hit(Question=html_question("<p>x</p>"))
    for path in (f"/dynamic/hit?hitId={hit['HITId']}", "/mturk-public/externalHIT_v1.js", "/x"):
        response = browser.content(path)
        assert response.headers["Content-Security-Policy"] == f"frame-ancestors {SITE}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_page_of_the_site_has_inline_script_or_style(browser, mturk, client, make_hit):
    html_hit = make_hit(Question=html_question("<p>x</p>"), MaxAssignments=2)
    form_hit = make_hit(Question=AGE)
    qtype = client.create_qualification_type(**TEST_TYPE)["QualificationType"]
    pages = [browser.get("/worker")]
    browser.sign_in()
    done = browser.post(
        "/mturk/externalSubmit", data={"assignmentId": browser.accept(html_hit), "a": "1"}
    )
    pages += [
        done,
        browser.get("/projects"),
        browser.get("/tasks"),
        browser.get(f"/projects/{html_hit['HITGroupId']}/tasks"),
        browser.get(task_path(form_hit, browser.accept(form_hit))),
        browser.get("/qualifications"),
        browser.get(f"/qualifications/{qtype['QualificationTypeId']}"),
        browser.get("/projects/NOSUCHGROUP/tasks"),
    ]
    for response in pages:
        page = text(response)
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), page
        assert "<style" not in page and " style=" not in page
        assert not re.search(r"\son[a-z]+=", page)
        assert '<link rel="stylesheet" href="/worker/site.css">' in page
    script = browser.get("/worker/site.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "postMessage" in text(script)
    assert "iframe.tall" in text(browser.get("/worker/site.css"))


def test_the_task_frame_is_sandboxed(browser, make_hit):
    hit = make_hit(Question=html_question("<p>x</p>"))
    browser.sign_in()
    page = text(browser.get(task_path(hit, browser.accept(hit))))
    (sandbox,) = re.findall(r'<iframe id="task-frame"[^>]* sandbox="([^"]*)"', page)
    assert sandbox == SANDBOX
    allowed = set(sandbox.split())
    assert {"allow-scripts", "allow-forms", "allow-same-origin"} <= allowed
    assert "allow-top-navigation" not in allowed  # only on the worker's click


def test_without_a_content_origin_an_html_question_is_not_shown_on_the_site(mturk, make_hit):
    browser = Browser(mturk)
    browser.backend.content_origin = None
    hit = make_hit(Question=html_question("<p id='mine'>x</p>"))
    browser.sign_in()
    page = text(browser.get(f"/projects/{hit['HITGroupId']}/tasks"))
    assert 'id="no-content-origin"' in page and "task-frame" not in page


# -- CSRF ----------------------------------------------------------------------------------------


def _actions(browser, mturk, client, make_hit):
    """Each form of the site, as ``(path, fields)``, ready to post."""
    hit = make_hit(MaxAssignments=3)
    form_hit = make_hit(Question=AGE)
    held = browser.accept(hit)
    form_held = browser.accept(form_hit)
    qtype = client.create_qualification_type(
        Name="Trusted", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]
    return [
        ("/worker", {"worker_id": OTHER_WORKER}),
        ("/worker/sign-out", {}),
        (f"/projects/{hit['HITGroupId']}/tasks/accept", {"hit_id": hit["HITId"]}),
        (
            f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}/return",
            {"assignment_id": held},
        ),
        (task_path(form_hit, form_held), {"age": "30"}),
        (f"/qualifications/{qtype['QualificationTypeId']}", {}),
    ]


def test_every_form_of_the_site_carries_its_sessions_token(browser, client, make_hit):
    hit = make_hit()
    qtype = client.create_qualification_type(**TEST_TYPE)["QualificationType"]
    signing_in = text(browser.get("/worker"))
    session = browser.client.get_cookie(guard.SESSION_COOKIE)
    assert session.http_only and session.same_site == "Lax"
    token = guard.csrf_token(browser.backend.page_secret, session.value)
    field = f'<input type="hidden" name="csrf_token" value="{token}">'
    assert signing_in.count(field) == 1
    browser.sign_in()
    held = browser.accept(hit)
    for page in (
        text(browser.get(f"/projects/{hit['HITGroupId']}/tasks")),
        text(browser.get(task_path(hit, held))),
        text(browser.get(f"/qualifications/{qtype['QualificationTypeId']}")),
    ):
        assert page.count("<form") == page.count(field) + page.count('aria-disabled="true"')


@pytest.mark.parametrize("how", ["no token", "wrong token", "another session's token"])
def test_a_post_without_its_sessions_token_is_refused_and_changes_nothing(
    mturk, client, make_hit, how
):
    browser = Browser(mturk)
    browser.sign_in()
    actions = _actions(browser, mturk, client, make_hit)
    other = Browser(mturk)
    other.backend.page_secret = browser.backend.page_secret
    for path, fields in actions:
        before = snapshot(mturk)
        if how == "no token":
            response = browser.post(path, data=fields, csrf=False)
        elif how == "wrong token":
            response = browser.post(path, data={**fields, "csrf_token": "x" * 43}, csrf=False)
        else:
            stolen = other.token()
            response = browser.post(path, data={**fields, "csrf_token": stolen}, csrf=False)
        assert response.status_code == 403, path
        assert "did not come from this site" in refusal(response)
        assert snapshot(mturk) == before, path
    # Still signed in as before: sign-out and sign-in were refused too.
    assert f'id="worker-id">{WORKER}<' in text(browser.get("/projects"))


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost:9"},
        {"Origin": CONTENT},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_post_from_another_site_is_refused_even_with_the_token(mturk, client, make_hit, headers):
    browser = Browser(mturk)
    browser.sign_in()
    for path, fields in _actions(browser, mturk, client, make_hit):
        before = snapshot(mturk)
        response = browser.post(path, data=fields, headers=headers)
        assert response.status_code == 403, path
        assert "came from another site" in refusal(response)
        assert snapshot(mturk) == before


def test_the_sites_own_posts_pass_with_its_origin_and_fetch_metadata(browser, mturk, make_hit):
    hit = make_hit()
    own = {"Origin": SITE, "Sec-Fetch-Site": "same-origin"}
    browser.sign_in()
    response = browser.post(
        f"/projects/{hit['HITGroupId']}/tasks/accept", data={"hit_id": hit["HITId"]}, headers=own
    )
    assert response.status_code == 303
    assert len(mturk.assignments) == 1


def test_external_submit_takes_posts_from_the_hits_own_origin(browser, client, make_hit):
    hit = make_hit()
    browser.sign_in()
    assignment_id = browser.accept(hit)
    response = browser.client.post(
        "/mturk/externalSubmit",
        data={"assignmentId": assignment_id, "label": "cat"},
        headers={"Origin": "https://exp.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    status = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]
    assert status == "Submitted"


# -- the signed worker cookie -----------------------------------------------------------------


@pytest.mark.parametrize(
    "forged",
    [
        WORKER,  # the cookie as it was, unsigned
        f"{WORKER}.",
        f"{WORKER}.{'A' * 43}",
        f"{WORKER}.\u00e9\u00e9",  # a signature of characters no signature has
        "signed-for-another",  # a cookie another server (another key) signed
        "tampered",  # a real cookie with its worker ID changed
    ],
)
def test_a_forged_worker_cookie_is_not_a_signed_in_worker(mturk, make_hit, forged):
    browser = Browser(mturk)
    make_hit()
    browser.sign_in()  # the real worker has a cookie; the forger names another
    real = browser.client.get_cookie(guard.COOKIE).value
    value = {
        "signed-for-another": guard.signed_worker(b"another server's key", OTHER_WORKER),
        "tampered": OTHER_WORKER + real[len(WORKER) :],
    }.get(forged, forged.replace(WORKER, OTHER_WORKER))
    forger = Browser(mturk)
    forger.backend.page_secret = browser.backend.page_secret
    forger.client.set_cookie(guard.COOKIE, value)
    before = snapshot(mturk)
    response = forger.get("/projects")
    assert response.status_code == 303 and response.headers["Location"].startswith("/worker")
    assert forger.get("/tasks").status_code == 303
    assert snapshot(mturk) == before


def test_the_worker_cookie_is_signed_and_kept_from_scripts(browser):
    browser.sign_in()
    cookie = browser.client.get_cookie(guard.COOKIE)
    worker_id, _, mac = cookie.value.partition(".")
    assert worker_id == WORKER and len(mac) == 43
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    assert guard.worker_of(browser.backend.page_secret, cookie.value) == WORKER
    assert guard.worker_of(b"another key", cookie.value) is None


def test_behind_an_https_proxy_the_cookies_are_secure_and_turk_submit_to_is_https(mturk, make_hit):
    browser = Browser(mturk)
    browser.backend.site_origins = ["https://localhost"]
    hit = make_hit(Question=html_question("<p>x</p>"))
    browser.sign_in()
    assert browser.client.get_cookie(guard.COOKIE).secure
    assert browser.client.get_cookie(guard.SESSION_COOKIE).secure
    src = frame_src(browser.get(task_path(hit, browser.accept(hit))))
    assert src.endswith("turkSubmitTo=https%3A%2F%2Flocalhost")
    moved = browser.post(
        "/worker", data={"worker_id": WORKER}, headers={"Origin": "https://localhost"}
    )
    assert moved.status_code == 303


# -- a GET that changes state ------------------------------------------------------------------

NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin"},
        {**NAVIGATE, "Sec-Fetch-Site": "cross-site"},  # a window a HIT opened, or moved
        {**NAVIGATE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-User": "?1"},  # ... on a click
        {**NAVIGATE, "Sec-Fetch-Site": "same-site", "Sec-Fetch-User": "?1"},
        {"Origin": "http://localhost:9"},
    ],
)
def test_the_accept_link_from_elsewhere_is_one_click_from_accepting(
    browser, mturk, make_hit, headers
):
    hit = make_hit()
    browser.sign_in()
    before = snapshot(mturk)
    link = f"/projects/{hit['HITGroupId']}/tasks/accept_random"
    response = browser.get(link, headers=headers)
    assert response.status_code == 200
    page = text(response)
    assert NOT_BY_YOU in page and "Accept &amp; Work" in page
    assert snapshot(mturk) == before
    # The button on that page is the site's own form: it accepts.
    accepted = browser.post(
        f"/projects/{hit['HITGroupId']}/tasks/accept",
        data={"hit_id": hit["HITId"], "csrf_token": form_token(page)},
        csrf=False,
    )
    assert accepted.status_code == 303
    assert [a.worker_id for a in mturk.assignments.values()] == [WORKER]


@pytest.mark.parametrize(
    "headers",
    [
        {**NAVIGATE, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-User": "?1"},  # the site's
        {**NAVIGATE, "Sec-Fetch-Site": "none", "Sec-Fetch-User": "?1"},  # typed in, a tool's
        {**NAVIGATE, "Sec-Fetch-Site": "same-origin"},  # the sign-in page's redirect
        {},  # a client that sends no fetch metadata
    ],
)
def test_the_accept_link_followed_on_the_site_accepts(browser, mturk, make_hit, headers):
    hit = make_hit()
    browser.sign_in()
    response = browser.get(f"/projects/{hit['HITGroupId']}/tasks/accept_random", headers=headers)
    assert response.status_code == 302
    assert [a.worker_id for a in mturk.assignments.values()] == [WORKER]


def test_a_qualification_test_starts_only_when_the_worker_opens_it(browser, mturk, client):
    qtype = client.create_qualification_type(**TEST_TYPE)["QualificationType"]
    type_id = qtype["QualificationTypeId"]
    path = f"/qualifications/{type_id}"
    browser.sign_in()
    before = snapshot(mturk)
    started = mturk._served().states[Environment.SANDBOX].tests_started
    framed = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}
    for elsewhere in (
        {**framed, "Sec-Fetch-Site": "cross-site"},
        {**NAVIGATE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-User": "?1"},
    ):
        shown = browser.get(path, headers=elsewhere)
        assert shown.status_code == 200
        assert 'id="test-start"' in text(shown) and 'id="age"' not in text(shown)
        assert f'href="{path}"' in text(shown)
        assert snapshot(mturk) == before and (type_id, WORKER) not in started
    opened = browser.get(path, headers={**NAVIGATE, "Sec-Fetch-Site": "same-origin"})
    assert opened.status_code == 200 and 'id="age"' in text(opened)
    assert (type_id, WORKER) in started


# -- where the server says its origins are -----------------------------------------------------


@pytest.mark.parametrize(
    ("site", "content", "expected"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8081/", "http://localhost:8081"),
        ("http://localhost:8080/", "http://localhost:8081/", "http://127.0.0.1:8081"),
        ("http://127.0.0.1:8080/", "http://10.0.0.5:8081/", "http://10.0.0.5:8081"),
        ("http://10.0.0.5:8080/", "http://10.0.0.5:8081/", "http://10.0.0.5:8081"),
    ],
)
def test_loopback_content_is_named_as_another_site(site, content, expected):
    assert guard.content_alias(site, content) == expected


def test_the_site_is_known_by_its_loopback_names_and_its_public_origin():
    assert guard.site_origins("http://127.0.0.1:8080/", "https://MTurk.example.org/") == [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "https://mturk.example.org",
    ]


def test_a_lone_surrogate_in_a_hit_is_shown_not_a_500(mturk, make_hit):
    """A JSON string may carry a lone surrogate and the service keeps it: the pages show it
    as U+FFFD rather than failing to encode the page."""
    title = "Rate \ud800 this"
    hit = make_hit(Title=title)  # an XML Question refuses one
    browser = Browser(mturk)
    browser.sign_in(WORKER)
    for path in (f"/projects/{hit['HITGroupId']}/tasks", "/projects", "/tasks"):
        response = browser.get(path)
        assert response.status_code == 200, path
        if path != "/tasks":
            assert "Rate \ufffd this" in text(response), path
    browser.accept(hit)
    assert "Rate \ufffd this" in text(browser.get("/tasks"))
