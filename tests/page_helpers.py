"""The worker pages through werkzeug's test client: a browser without a browser."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.test import Client

from pytest_mturk.doors.http import make_app
from pytest_mturk.doors.pages import guard
from pytest_mturk.faces.threaded import ServedSimulator

WORKER = "A1B2C3D4E5F6G7"
# Where the test client's pages are (werkzeug's default) and their content origin.
SITE = "http://localhost"
CONTENT = "http://127.0.0.1:9"
CONTENT_LISTENER = {"pytest_mturk.listener": "content"}
OTHER_WORKER = "A9Z8Y7X6W5V4U3"

QF_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
)


def html_question(body: str) -> str:
    return (
        '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
        f'<meta charset="utf-8"><title>Task</title></head><body>{body}</body></html>]]>'
        "</HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"
    )


def external_question(url: str, height: int = 500) -> str:
    return (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        f'2006-07-14/ExternalQuestion.xsd"><ExternalURL>{url}</ExternalURL>'
        f"<FrameHeight>{height}</FrameHeight></ExternalQuestion>"
    )


def question_form(*questions: str, overview: str = "") -> str:
    return f'<QuestionForm xmlns="{QF_NS}">{overview}{"".join(questions)}</QuestionForm>'


class Browser:
    """A werkzeug test client of the pages, keeping its cookies, reading pages; its posts
    carry the session's CSRF token, as the site's own forms do (``csrf=False``: not)."""

    def __init__(self, simulator, **backend) -> None:
        self.backend = ServedSimulator(simulator).serve(shared=True, **backend)
        self.backend.content_origin = CONTENT
        self.backend.site_origins = [SITE]
        self.client = Client(make_app(self.backend))

    def sign_in(self, worker_id: str = WORKER, **profile) -> None:
        response = self.post("/worker", data={"worker_id": worker_id, **profile})
        assert response.status_code == 303, response.get_data(as_text=True)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def token(self) -> str:
        """The session's CSRF token (a first page gives the browser its session)."""
        cookie = self.client.get_cookie(guard.SESSION_COOKIE)
        if cookie is None:
            self.client.get("/worker")
            cookie = self.client.get_cookie(guard.SESSION_COOKIE)
        return guard.csrf_token(self.backend.page_secret, cookie.value)

    def post(self, path: str, data=None, *, csrf: bool = True, **kwargs):
        if csrf and path.split("?")[0] != "/mturk/externalSubmit" and not isinstance(data, bytes):
            data = MultiDict(data or {})
            data.setdefault(guard.CSRF_FIELD, self.token())
        return self.client.post(path, data=data, **kwargs)

    def content(self, address: str, **kwargs):
        """GET ``address`` (a URL of the content origin, or a path) on the content listener."""
        path = address.removeprefix(CONTENT)
        return self.client.get(path, environ_overrides=CONTENT_LISTENER, **kwargs)

    def accept(self, hit: dict) -> str:
        """Accept the HIT through its group's page; the assignment ID."""
        response = self.post(
            f"/projects/{hit['HITGroupId']}/tasks/accept", data={"hit_id": hit["HITId"]}
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["assignment_id"]


def text(response) -> str:
    return response.get_data(as_text=True)


def frame_src(response) -> str:
    found = re.search(r'<iframe id="task-frame"[^>]* src="([^"]*)"', text(response))
    assert found, text(response)
    return unescape(found.group(1))


def form_token(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(rf'name="{guard.CSRF_FIELD}" value="([^"]*)"', page)
    assert found, page
    return unescape(found.group(1))


def refusal(response) -> str:
    found = re.search(r'id="refusal">(.*?)</p>', text(response), re.DOTALL)
    assert found, text(response)
    return unescape(found.group(1))


class KeptJournal:
    """A stand-in for the state file's journal: it keeps the records the backend hands it."""

    def __init__(self):
        self.records = []

    def append(self, record, result):
        self.records.append(json.loads(json.dumps(record)))
        return len(self.records)

    def due(self):
        return False

    def sync(self, mark):
        pass

    def rebase(self, simulator):
        pass
