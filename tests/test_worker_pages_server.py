"""The worker pages of a server of its own: their actions kept in its journal, and
``pytest-mturk serve --frame-origin``."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.parse
import urllib.request

from conftest import HIT_ARGS, snapshot
from page_helpers import WORKER, Browser, KeptJournal, external_question, form_token
from server_helpers import KEY, ServerProcess, client

from pytest_mturk import Simulator, UsageError, parse_answers
from pytest_mturk.core.model import Environment
from pytest_mturk.doors.pages import guard
from pytest_mturk.faces.threaded import ServedSimulator

START = "2026-01-05T09:00:00Z"


def test_page_actions_are_journaled_and_replay_to_the_same_state():
    kept = KeptJournal()
    simulator = Simulator(seed=4, start=START)
    browser = Browser(simulator, journal=kept)
    backend = browser.backend
    created = backend.call(Environment.SANDBOX, "CreateHIT", dict(HIT_ARGS), KEY).wire()
    hit = json.loads(created)["HIT"]
    qtype = backend.call(
        Environment.SANDBOX,
        "CreateQualificationType",
        {"Name": "Trusted", "Description": "d", "QualificationTypeStatus": "Active"},
        KEY,
    ).wire()
    type_id = json.loads(qtype)["QualificationType"]["QualificationTypeId"]
    browser.sign_in(WORKER, locale="US-CA")
    assignment_id = browser.accept(hit)
    browser.post("/mturk/externalSubmit", data={"assignmentId": assignment_id, "label": "cat"})
    browser.post(f"/qualifications/{type_id}")
    assert {r.get("a") for r in kept.records} >= {"accept", "submit", "request"}
    again = Simulator(seed=4, start=START)
    replaying = ServedSimulator(again).serve()
    for record in kept.records:
        with contextlib.suppress(UsageError):
            replaying.replay(record)
    assert snapshot(again) == snapshot(simulator)
    assert again.assignments[assignment_id].answer == simulator.assignments[assignment_id].answer


def test_reading_the_pages_changes_nothing_the_journal_does_not_keep():
    """A browser that names a worker who never signed in (a cookie kept from an earlier
    run, say) reads the pages without making the worker: what the journal keeps replays
    to the state the server has."""
    kept = KeptJournal()
    simulator = Simulator(seed=4, start=START)
    browser = Browser(simulator, journal=kept)
    created = browser.backend.call(Environment.SANDBOX, "CreateHIT", dict(HIT_ARGS), KEY).wire()
    hit = json.loads(created)["HIT"]
    signed = guard.signed_worker(browser.backend.page_secret, WORKER)
    browser.client.set_cookie(guard.COOKIE, signed)
    for path in ("/projects", f"/projects/{hit['HITGroupId']}/tasks", "/tasks", "/worker"):
        assert browser.get(path).status_code == 200, path
    assert browser.get("/qualifications").status_code == 200
    assert WORKER not in simulator.workers
    again = Simulator(seed=4, start=START)
    replaying = ServedSimulator(again).serve()
    for record in kept.records:
        replaying.replay(record)
    assert snapshot(again) == snapshot(simulator)


def test_serve_frames_an_origin_from_the_address_it_is_given():
    with ServerProcess("--frame-origin", "https://exp.example=http://127.0.0.1:9") as server:
        mturk = client(server.url)
        question = external_question("https://exp.example/study")
        hit = mturk.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{server.url}projects/{hit['HITGroupId']}/tasks") as page:
            body = page.read().decode()
        assert 'src="http://127.0.0.1:9/study?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE' in body
    refused = subprocess.run(
        [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", "--frame-origin", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "--frame-origin takes PUBLIC=LOCAL" in refused.stderr


def test_page_actions_survive_a_killed_server_with_its_state_file(tmp_path):
    state = str(tmp_path / "state.json")
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(), urllib.request.ProxyHandler({})
    )

    def post(url, fields):
        with browser.open(url, data=urllib.parse.urlencode(fields).encode()) as page:
            return page.geturl(), page.read().decode()

    with ServerProcess("--state", state) as server:
        hit = client(server.url).create_hit(**HIT_ARGS)["HIT"]
        # As a browser does: the sign-in page first, its form's token with each post.
        with browser.open(server.url + "worker") as page:
            token = form_token(page.read().decode())
        post(server.url + "worker", {"worker_id": WORKER, "csrf_token": token})
        where, _ = post(
            f"{server.url}projects/{hit['HITGroupId']}/tasks/accept",
            {"hit_id": hit["HITId"], "csrf_token": token},
        )
        assignment_id = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(where).query))[
            "assignment_id"
        ]
        _, page = post(
            server.url + "mturk/externalSubmit", {"assignmentId": assignment_id, "label": "cat"}
        )
        assert "HIT Submitted" in page
        server.kill()
    with ServerProcess("--state", state) as again:
        assignment = client(again.url).get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert assignment["WorkerId"] == WORKER
    assert parse_answers(assignment["Answer"]) == {"label": "cat"}
