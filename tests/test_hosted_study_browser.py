"""A study run end to end on ``pytest-mturk host``, in headless Chromium.

A real hosted server (``--state``, ``--credentials``); the experiment's own page, served
by the test on a loopback port and framed as an ExternalQuestion; an unchanged boto3
script, pointed at the server by ``AWS_ENDPOINT_URL_MTURK`` only, that makes the HIT,
approves and pays a bonus; the requester's pages in the browser (sign-in, the completion
URL, Approve); participants who arrive by a Prolific-style link, do the task in the
experiment's page and are sent to the completion URL (caught by the browser, never
fetched); the server killed with SIGKILL after the first submission and started again on
the same state; and the results and payments CSV at the end.

Skips without Chromium as ``test_browser_pages.py`` does (fails under
``PYTEST_MTURK_BROWSER=required``). ``PYTEST_MTURK_SCREENSHOTS=<folder>`` keeps the
screenshots of ``docs/hosted.md`` there (``docs/hosted`` holds them).
"""

from __future__ import annotations

import base64
import csv
import http.server
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from page_helpers import external_question
from server_helpers import KEY, SECRET, ServerProcess
from test_browser_pages import SHOTS, launched

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

EXPERIMENT_ORIGIN = "https://experiment.example"
COMPLETION = "https://app.prolific.com/submissions/complete?cc=ABC123"

# The experiment's page, as experiments written for MTurk were: it reads its query string
# and posts its form to <turkSubmitTo>/mturk/externalSubmit.
EXPERIMENT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Experiment</title>
<style>body{font-family:sans-serif;margin:1.5em}</style></head>
<body><h1>Reaction study</h1><p>Type the number you saw.</p>
<form id="exp" method="post"><input type="hidden" name="assignmentId" id="assignmentId">
<label for="rt">Your answer</label> <input id="rt" name="rt">
<button type="submit" id="send">Send</button></form>
<p id="mode"></p>
<script>
var query = new URLSearchParams(window.location.search);
document.getElementById("assignmentId").value = query.get("assignmentId");
document.getElementById("exp").action = query.get("turkSubmitTo") + "/mturk/externalSubmit";
document.getElementById("mode").textContent = query.get("workerId") ?
  "worker " + query.get("workerId") : "preview: accept the HIT to begin";
</script></body></html>"""

# The requester's unchanged script: no endpoint, no key of its own.
SCRIPT = textwrap.dedent(
    """
    import json
    import sys
    import boto3

    client = boto3.client("mturk", region_name="us-east-1")
    if sys.argv[1] == "create":
        hit = client.create_hit(
            Title="Reaction study",
            Description="Type the number you saw.",
            Reward="0.50",
            MaxAssignments=2,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            AutoApprovalDelayInSeconds=86400,
            Question=open("question.xml").read(),
        )["HIT"]
        print(json.dumps({"HITId": hit["HITId"], "HITGroupId": hit["HITGroupId"]}))
    elif sys.argv[1] == "finish":
        for item in client.list_assignments_for_hit(
            HITId=sys.argv[2], AssignmentStatuses=["Submitted"]
        )["Assignments"]:
            client.approve_assignment(AssignmentId=item["AssignmentId"])
        client.send_bonus(WorkerId=sys.argv[3], AssignmentId=sys.argv[4],
                          BonusAmount="1.00", Reason="Thank you", UniqueRequestToken="b-1")
        print(json.dumps({"done": True}))
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Study:
    """The hosted server of one study, started again on the same files and ports."""

    def __init__(self, folder: Path, experiment: str) -> None:
        self.folder = folder
        credentials = folder / "credentials"
        credentials.write_text(
            f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
            encoding="utf-8",
        )
        port, content_port = _free_port(), _free_port()
        self.public = f"http://127.0.0.1:{port}"
        self.args = (
            "--state",
            str(folder / "study.json"),
            "--credentials",
            str(credentials),
            "--port",
            str(port),
            "--content-port",
            str(content_port),
            "--public-url",
            self.public,
            "--content-url",
            f"http://localhost:{content_port}",
            "--frame-origin",
            f"{EXPERIMENT_ORIGIN}={experiment}",
        )
        self.server = self.start()

    def start(self) -> ServerProcess:
        return ServerProcess(*self.args, command="host")

    def restart_after_kill(self) -> None:
        self.server.kill()
        self.server.stop()
        self.server = self.start()

    def script(self, *args: str) -> dict[str, Any]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_CONFIG_FILE"] = str(self.folder / "no-config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(self.folder / "credentials")
        env["AWS_ENDPOINT_URL_MTURK"] = self.public + "/production/"
        done = subprocess.run(
            [sys.executable, "script.py", *args],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return answer

    def api(self, path: str) -> str:
        request = urllib.request.Request(self.public + "/requester/api/" + path)
        basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        request.add_header("Authorization", f"Basic {basic}")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(request, timeout=30) as response:
            return str(response.read().decode("utf-8"))

    def rows(self, path: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.api(path))))


@pytest.fixture
def experiment() -> Iterator[str]:
    """The experiment's own page on a loopback port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = EXPERIMENT.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched()


@pytest.fixture
def study(tmp_path: Path, experiment: str) -> Iterator[Study]:
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "question.xml").write_text(
        external_question(EXPERIMENT_ORIGIN + "/study?v=1", height=360), encoding="utf-8"
    )
    made = Study(tmp_path, experiment)
    try:
        yield made
    finally:
        made.server.stop()


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _context(chromium: Any) -> Any:
    """A browser of its own (its own cookies); the completion URL is caught, not fetched."""
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    context.route(
        "https://app.prolific.com/**",
        lambda route: route.fulfill(
            body="<!DOCTYPE html><title>Prolific</title><p id='completed'>Completed</p>",
            content_type="text/html",
        ),
    )
    return context


def _requester(chromium: Any, study: Study) -> Any:
    """A requester's browser, signed in with a key of the credentials file."""
    page = _context(chromium).new_page()
    page.goto(study.public + "/requester/")
    page.fill("#access_key", KEY)
    page.fill("#secret_key", SECRET)
    page.click("#sign-in button")
    page.wait_for_selector("#groups")
    return page


def _participant(chromium: Any, link: str, pid: str) -> Any:
    """A participant's browser, arrived by the link with Prolific's parameters."""
    page = _context(chromium).new_page()
    page.goto(f"{link}&PROLIFIC_PID={pid}&STUDY_ID=study-42&SESSION_ID=session-{pid}")
    return page


def _do_the_task(page: Any, answer: str, shot: str | None = None) -> str:
    """Accept, answer in the experiment's page, send; the worker ID the page was given."""
    page.get_by_role("button", name="Accept & Work").click()
    page.wait_for_url("**assignment_id=**")
    frame = page.frame_locator("#task-frame")
    mode = frame.locator("#mode")
    mode.wait_for()
    worker = str(mode.text_content()).removeprefix("worker ")
    frame.get_by_label("Your answer").fill(answer)
    if shot:
        _shot(page, shot)
    frame.get_by_role("button", name="Send").click()
    page.wait_for_url(COMPLETION)
    assert page.locator("#completed").text_content() == "Completed"
    return worker


def test_a_study_from_a_prolific_link_to_payments_survives_a_kill(
    chromium: Any, study: Study
) -> None:
    made = study.script("create")
    group = made["HITGroupId"]
    link = json.loads(study.api(f"links/{group}"))["url"]
    assert link.startswith(f"{study.public}/join/{group}?k=")

    # The requester sets the group's completion URL on its page.
    requester = _requester(chromium, study)
    assert requester.locator(f"#groups a[href*='{group}']").count() == 1
    requester.goto(f"{study.public}/requester/groups/{group}")
    requester.fill("#completion_url", COMPLETION)
    requester.click("#completion-form button")
    assert requester.locator("#flash").text_content() == "Completion URL saved."
    requester.context.close()

    # The first participant: by the link, the group's page, the task, the completion URL.
    first = _participant(chromium, link, "pid-first")
    assert first.url.startswith(f"{study.public}/projects/{group}/tasks")
    _shot(first, "participant-group")
    first_worker = _do_the_task(first, "412", shot="participant-task")
    assert first_worker.startswith("A") and len(first_worker) == 14
    first.context.close()
    submitted = study.rows(f"results.csv?groupId={group}")
    assert [(r["WorkerId"], r["AssignmentStatus"], r["Answer.rt"]) for r in submitted] == [
        (first_worker, "Submitted", "412")
    ]

    # SIGKILL mid-study, and the server started again on the same state.
    study.restart_after_kill()
    kept = study.rows(f"results.csv?groupId={group}")
    assert kept == submitted
    assert json.loads(study.api(f"links/{group}"))["url"] == link
    # The first participant, back by the same link, is the same worker, and is sent on
    # to the completion URL the requester set before the kill.
    back = _participant(chromium, link, "pid-first")
    back.goto(f"{study.public}/join/{group}/done")
    back.wait_for_url(COMPLETION)
    back.context.close()

    # The second participant, after the restart.
    second = _participant(chromium, link, "pid-second")
    second_worker = _do_the_task(second, "397")
    second.context.close()
    assert second_worker != first_worker

    # The requester sees both, approves the first on the page, and its script approves the
    # rest and pays the first participant a bonus.
    requester = _requester(chromium, study)
    _shot(requester, "requester-groups")
    requester.goto(f"{study.public}/requester/groups/{group}")
    assert requester.locator("#link").input_value() == link
    assert requester.locator("#completion_url").input_value() == COMPLETION
    _shot(requester, "requester-group")
    first_row = requester.locator("#assignments tr", has_text=first_worker)
    first_row.get_by_role("button", name="Approve").click()
    assert requester.locator("#flash").text_content() == "Approved."
    requester.context.close()
    assignment = submitted[0]["AssignmentId"]
    assert study.script("finish", made["HITId"], first_worker, assignment) == {"done": True}

    results = study.rows(f"results.csv?groupId={group}")
    assert sorted(
        (r["WorkerId"], r["AssignmentStatus"], r["Answer.rt"], r["Reward"]) for r in results
    ) == sorted(
        [
            (first_worker, "Approved", "412", "$0.50"),
            (second_worker, "Approved", "397", "$0.50"),
        ]
    )
    payments = {row["WorkerId"]: row for row in study.rows("payments.csv")}
    assert payments == {
        first_worker: {
            "WorkerId": first_worker,
            "Platform": "prolific",
            "ParticipantId": "pid-first",
            "StudyId": "study-42",
            "ApprovedAssignments": "1",
            "ApprovedRewards": "0.50",
            "Bonuses": "1.00",
            "TotalOwed": "1.50",
        },
        second_worker: {
            "WorkerId": second_worker,
            "Platform": "prolific",
            "ParticipantId": "pid-second",
            "StudyId": "study-42",
            "ApprovedAssignments": "1",
            "ApprovedRewards": "0.50",
            "Bonuses": "0.00",
            "TotalOwed": "0.50",
        },
    }
