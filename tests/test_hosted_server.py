"""The hosted profile end to end against a real server process with ``--credentials``
and ``--state``: a boto3 script creates a HIT, a participant arrives by a Prolific link,
accepts and submits, the requester approves on the page and pays a bonus, and the CSV
downloads hold exactly that -- also after the server is started again."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
import requests
from conftest import HIT_ARGS
from server_helpers import KEY, SECRET, ServerProcess, client

from pytest_mturk.doors.requester import results

FORM = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<form method="post" action="https://www.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId" value=""><input name="label"></form>'
    "</body></html>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"
)
COMPLETION = "https://app.prolific.com/submissions/complete?cc=C1A2B3"


@pytest.fixture
def files(tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
    )
    return str(credentials), str(tmp_path / "state.json")


@pytest.fixture(params=["serve", "host"])
def command(request):
    """Each test runs on ``pytest-mturk serve --credentials`` and on ``pytest-mturk host``,
    the hosted profile."""
    return request.param


def start(files, command="serve"):
    credentials, state = files
    return ServerProcess("--credentials", credentials, "--state", state, command=command)


def csrf(page: str) -> dict[str, str]:
    """The page's CSRF token field, if its forms carry one."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    return {"csrf_token": unescape(found.group(1))} if found else {}


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_study_from_link_to_payments(files, command):
    server = start(files, command)
    try:
        mturk = client(server.production_url)
        hit = mturk.create_hit(**{**HIT_ARGS, "Question": FORM, "MaxAssignments": 2})["HIT"]
        group = hit["HITGroupId"]
        api = requests.Session()
        api.auth = (KEY, SECRET)
        assert requests.get(f"{server.url}requester/api/links/{group}").status_code == 401
        link = api.get(f"{server.url}requester/api/links/{group}").json()["url"]
        assert link.startswith(f"{server.url}join/{group}?k=")

        # The requester signs in on the page and sets the completion URL.
        requester = requests.Session()
        signed = requester.post(
            f"{server.url}requester/sign-in",
            data={
                "access_key": KEY,
                "secret_key": SECRET,
                **csrf(requester.get(f"{server.url}requester/sign-in").text),
            },
        )
        assert signed.status_code == 200 and group in signed.text
        page = requester.get(f"{server.url}requester/groups/{group}").text
        assert unescape(link) in unescape(page)
        saved = requester.post(
            f"{server.url}requester/groups/{group}/completion",
            data={"completion_url": COMPLETION, **csrf(page)},
        )
        assert saved.status_code == 200

        # A participant arrives from Prolific, accepts and submits.
        participant = requests.Session()
        arrived = participant.get(link + "&PROLIFIC_PID=60a1f3&STUDY_ID=st1&SESSION_ID=se1")
        assert arrived.status_code == 200
        assert arrived.url == f"{server.url}projects/{group}/tasks"
        worker = participant.cookies["mturk_worker"].split(".")[0]
        assert worker in str(server.control().state("workers"))
        accepted = participant.post(
            f"{server.url}projects/{group}/tasks/accept",
            data={"hit_id": hit["HITId"], **csrf(arrived.text)},
            allow_redirects=False,
        )
        assert accepted.status_code == 303, accepted.text
        assignment_id = re.search(r"assignment_id=(\w+)", accepted.headers["Location"]).group(1)
        submitted = participant.post(
            f"{server.url}mturk/externalSubmit",
            data={"assignmentId": assignment_id, "label": "cat"},
        )
        assert submitted.status_code == 200
        done = unescape(re.search(r'id="continue" href="([^"]*)"', submitted.text).group(1))
        finished = participant.get(server.url.rstrip("/") + done)
        assert f'content="0;url={COMPLETION}"' in unescape(finished.text)

        # The requester approves on the page, and pays a bonus with boto3.
        page = requester.get(f"{server.url}requester/groups/{group}").text
        assert "cat" in page
        approved = requester.post(
            f"{server.url}requester/assignments/{assignment_id}/approve",
            data={"world": "production", **csrf(page)},
        )
        assert approved.status_code == 200 and 'id="flash">Approved.' in approved.text
        mturk.send_bonus(
            WorkerId=worker, BonusAmount="0.75", AssignmentId=assignment_id, Reason="Thanks"
        )
        expected_payments = [
            list(results.PAYMENT_HEADER),
            [worker, "prolific", "60a1f3", "st1", "1", "0.50", "0.75", "1.25"],
        ]

        got = table(api.get(f"{server.url}requester/api/results.csv?groupId={group}").text)
        record = dict(zip(got[0], got[1], strict=True))
        assert len(got) == 2
        assert (record["AssignmentId"], record["WorkerId"], record["AssignmentStatus"]) == (
            assignment_id,
            worker,
            "Approved",
        )
        assert record["Answer.label"] == "cat"
        paid = table(api.get(f"{server.url}requester/api/payments.csv").text)
        assert paid == expected_payments
    finally:
        server.stop()

    # Started again on the same state: the same link, the same worker for the same person.
    again = start(files, command)
    try:
        api = requests.Session()
        api.auth = (KEY, SECRET)
        assert api.get(f"{again.url}requester/api/links/{group}").json()["url"] == link.replace(
            server.url, again.url
        )
        assert table(api.get(f"{again.url}requester/api/payments.csv").text) == expected_payments
        back = requests.Session()
        assert (
            back.get(link.replace(server.url, again.url) + "&PROLIFIC_PID=60a1f3").status_code
            == 200
        )
        assert back.cookies["mturk_worker"].split(".")[0] == worker
    finally:
        again.stop()


def test_bad_input_to_a_hosted_server_is_a_4xx_and_changes_nothing(files, command):
    server = start(files, command)
    try:
        mturk = client(server.production_url)
        group = mturk.create_hit(**{**HIT_ARGS, "Question": FORM})["HIT"]["HITGroupId"]
        for path in (
            f"join/{group}?k=forged&PROLIFIC_PID=a",
            f"join/{group}?PROLIFIC_PID=a",
            "join/3UNKNOWNGROUP?k=x&PROLIFIC_PID=a",
            f"join/{group}?k=x&PROLIFIC_PID=" + "%00" * 3,
            "requester/api/results.csv?groupId=" + group,
            "requester/api/payments.csv",
            "requester/groups/%3Cscript%3E",
        ):
            response = requests.get(server.url + path, allow_redirects=False)
            assert 300 <= response.status_code < 500, path
            assert "Traceback" not in response.text
        refused = requests.post(
            f"{server.url}requester/sign-in", data={"access_key": KEY, "secret_key": SECRET}
        )
        assert refused.status_code == 403
        assert (
            requests.get(f"{server.url}requester/api/payments.csv", auth=(KEY, "wrong"))
            .headers["WWW-Authenticate"]
            .startswith("Basic")
        )
        assert not server.control().state("workers")
        assert not server.control().assignments()
    finally:
        server.stop()
