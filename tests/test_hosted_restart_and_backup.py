"""``pytest-mturk host`` as a real process, over a restart and a move: participants and
the requester stay signed in after a SIGKILL and a start on the same state; a backup
taken while it runs (``pytest-mturk backup``) restores into a new server on a new state
file with the same links, the same worker for the same participant and their answers;
and the Host check behind the proxy answers to the public names only."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import requests
from conftest import HIT_ARGS
from server_helpers import CONTROL_TOKEN, KEY, SECRET, ServerProcess, client, credentials_file
from test_hosted_server import COMPLETION, FORM

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PROGRAM = os.path.join(os.path.dirname(sys.executable), "pytest-mturk")


@pytest.fixture
def credentials(tmp_path: Path) -> str:
    return str(credentials_file(tmp_path / "credentials"))


def host(state: Path, credentials: str, *more: str) -> ServerProcess:
    return ServerProcess("--state", str(state), "--credentials", credentials, *more, command="host")


def csrf(page: str) -> dict[str, str]:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, page[:500]
    return {"csrf_token": unescape(found.group(1))}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def link_of(url: str, group: str) -> str:
    api = requests.Session()
    api.auth = (KEY, SECRET)
    found: str = api.get(f"{url}requester/api/links/{group}", timeout=30).json()["url"]
    return found


def signed_in_requester(url: str) -> requests.Session:
    requester = requests.Session()
    signed = requester.post(
        f"{url}requester/sign-in",
        data={
            "access_key": KEY,
            "secret_key": SECRET,
            **csrf(requester.get(f"{url}requester/sign-in", timeout=30).text),
        },
        timeout=30,
    )
    assert signed.status_code == 200
    return requester


def arrive(url: str, link: str, pid: str) -> tuple[requests.Session, str, requests.Response]:
    """A participant's browser following the link from Prolific: its cookie jar, its
    worker ID and the group's page it landed on."""
    participant = requests.Session()
    arrived = participant.get(link + f"&PROLIFIC_PID={pid}", timeout=30)
    assert arrived.status_code == 200, arrived.text
    return participant, participant.cookies["mturk_worker"].split(".")[0], arrived


def accept(url: str, participant: requests.Session, page: str, group: str, hit_id: str) -> str:
    accepted = participant.post(
        f"{url}projects/{group}/tasks/accept",
        data={"hit_id": hit_id, **csrf(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert accepted.status_code == 303, accepted.text
    return re.search(r"assignment_id=(\w+)", accepted.headers["Location"]).group(1)


# -- 1. a restart keeps participants and the requester signed in ----------------------------


def test_a_restart_after_sigkill_keeps_participants_and_the_requester_signed_in(
    tmp_path: Path, credentials: str
) -> None:
    state = tmp_path / "study.json"
    server = host(state, credentials)
    try:
        hit = client(server.production_url).create_hit(
            **{**HIT_ARGS, "Question": FORM, "MaxAssignments": 2}
        )["HIT"]
        group = hit["HITGroupId"]
        link = link_of(server.url, group)
        participant, worker, arrived = arrive(server.url, link, "60a1f3")
        assignment_id = accept(server.url, participant, arrived.text, group, hit["HITId"])
        requester = signed_in_requester(server.url)
        group_page = requester.get(f"{server.url}requester/groups/{group}", timeout=30).text
    finally:
        server.kill()
        server.stop()

    again = host(state, credentials)
    try:
        # Mid-task, the participant's browser is still their worker's: their queue holds
        # the assignment, with no need to come back by the link.
        queue = participant.get(f"{again.url}tasks", timeout=30)
        assert queue.status_code == 200, queue.text
        assert assignment_id in queue.text
        submitted = participant.post(
            f"{again.url}mturk/externalSubmit",
            data={"assignmentId": assignment_id, "label": "cat"},
            timeout=30,
        )
        assert submitted.status_code == 200
        # The requester is still signed in, and a form of the page loaded before the
        # restart is still theirs (its CSRF token holds).
        groups = requester.get(f"{again.url}requester/", allow_redirects=False, timeout=30)
        assert groups.status_code == 200 and group in groups.text
        saved = requester.post(
            f"{again.url}requester/groups/{group}/completion",
            data={"completion_url": COMPLETION, **csrf(group_page)},
            timeout=30,
        )
        assert saved.status_code == 200, saved.text
        assert worker in again.control().state("workers").__repr__()
    finally:
        again.stop()

    # A server with another secret (another state) takes neither cookie.
    other = host(tmp_path / "other.json", credentials)
    try:
        refused = participant.get(f"{other.url}tasks", timeout=30)
        assert refused.status_code == 403  # not signed in: come by the link
        assert assignment_id not in refused.text
        assert "mturk_worker" in participant.cookies  # it was sent, and not taken
        out = requester.get(f"{other.url}requester/", allow_redirects=False, timeout=30)
        assert out.status_code == 303
        assert out.headers["Location"].endswith("/requester/sign-in")
    finally:
        other.stop()


# -- 2. one backup of both, restored into a new server ---------------------------------------


def backup(
    url: str, output: Path, token: str | None = CONTROL_TOKEN
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_MTURK_CONTROL_TOKEN"}
    if token is not None:
        env["PYTEST_MTURK_CONTROL_TOKEN"] = token
    return subprocess.run(
        [PROGRAM, "backup", "--url", url, "-o", str(output)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_backup_of_a_running_host_restores_links_workers_and_answers_elsewhere(
    tmp_path: Path, credentials: str
) -> None:
    server = host(tmp_path / "study.json", credentials)
    try:
        mturk = client(server.production_url)
        hit = mturk.create_hit(**{**HIT_ARGS, "Question": FORM, "MaxAssignments": 3})["HIT"]
        group = hit["HITGroupId"]
        link = link_of(server.url, group)
        requester = signed_in_requester(server.url)
        page = requester.get(f"{server.url}requester/groups/{group}", timeout=30).text
        requester.post(
            f"{server.url}requester/groups/{group}/completion",
            data={"completion_url": COMPLETION, **csrf(page)},
            timeout=30,
        )
        participant, worker, arrived = arrive(server.url, link, "60a1f3")
        assignment_id = accept(server.url, participant, arrived.text, group, hit["HITId"])
        participant.post(
            f"{server.url}mturk/externalSubmit",
            data={"assignmentId": assignment_id, "label": "cat"},
            timeout=30,
        )
        _, second, _ = arrive(server.url, link, "70b2e4")

        # Without the token, nothing.
        refused = backup(server.url, tmp_path / "nothing.json", token="wrong-token")
        assert refused.returncode == 2
        assert "HTTP 401" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "nothing.json").exists()
        assert not (tmp_path / "nothing.json.part").exists()
        # With it, one file, readable by its owner only.
        taken = backup(server.url, tmp_path / "study.backup.json")
        assert taken.returncode == 0, taken.stderr
        # Or on standard output (from inside a container), the same backup.
        env = {**os.environ, "PYTEST_MTURK_CONTROL_TOKEN": CONTROL_TOKEN}
        streamed = subprocess.run(
            [PROGRAM, "backup", "--url", server.url, "-o", "-"],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert streamed.returncode == 0
        assert json.loads(streamed.stdout)["hosted"]["participants"][worker] == {
            "platform": "prolific",
            "participant_id": "60a1f3",
            "study_id": None,
            "session_id": None,
        }
    finally:
        server.stop()
    saved = tmp_path / "study.backup.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert not (tmp_path / "study.backup.json.part").exists()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    restored = host(elsewhere / "restored.json", credentials, "--restore", str(saved))
    try:
        assert (elsewhere / "restored.json.hosted.json").exists()
        assert stat.S_IMODE((elsewhere / "restored.json.hosted.json").stat().st_mode) == 0o600
        # The same link (its token: the secret came along), on the new server's address.
        again = link_of(restored.url, group)
        assert again.partition("/join/")[2] == link.partition("/join/")[2]
        # The same participant is the same worker there, and finds their submission done.
        _, same, _ = arrive(restored.url, again, "60a1f3")
        assert same == worker
        _, same_second, _ = arrive(restored.url, again, "70b2e4")
        assert same_second == second
        api = requests.Session()
        api.auth = (KEY, SECRET)
        results = table(api.get(f"{restored.url}requester/api/results.csv?groupId={group}").text)
        assert [(r["AssignmentId"], r["WorkerId"], r["Answer.label"]) for r in results] == [
            (assignment_id, worker, "cat")
        ]
        payments = table(api.get(f"{restored.url}requester/api/payments.csv").text)
        assert {(p["WorkerId"], p["Platform"], p["ParticipantId"]) for p in payments} >= {
            (worker, "prolific", "60a1f3")
        }
        page = signed_in_requester(restored.url).get(
            f"{restored.url}requester/groups/{group}", timeout=30
        )
        assert COMPLETION in unescape(page.text)
    finally:
        restored.stop()


def test_the_backup_route_needs_the_token(tmp_path: Path, credentials: str) -> None:
    server = host(tmp_path / "study.json", credentials)
    try:
        assert requests.get(f"{server.url}_mturk/backup", timeout=30).status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        answer = requests.get(f"{server.url}_mturk/backup", headers=wrong, timeout=30)
        assert answer.status_code == 401
        assert "secret" not in answer.text
        right = {"Authorization": f"Bearer {CONTROL_TOKEN}"}
        answer = requests.get(f"{server.url}_mturk/backup", headers=right, timeout=30)
        assert answer.status_code == 200
        assert set(answer.json()) == {"format", "version", "snapshot", "hosted"}
        posted = requests.post(f"{server.url}_mturk/backup", headers=right, timeout=30)
        assert posted.status_code == 404  # the control API's answer to what it has not
    finally:
        server.stop()


# -- 3. the Host check behind the proxy --------------------------------------------------------


def test_behind_the_trusted_proxy_only_the_public_names_are_answered(
    tmp_path: Path, credentials: str
) -> None:
    server = host(
        tmp_path / "study.json",
        credentials,
        "--trusted-proxy",
        "127.0.0.1",
        "--public-url",
        "https://study.example.org",
        "--content-url",
        "https://content.example.net",
    )
    port = server.url.rstrip("/").rpartition(":")[2]
    try:

        def status(path: str = "healthz", **headers: str) -> int:
            return requests.get(server.url + path, headers=headers, timeout=30).status_code

        https = {"X-Forwarded-Proto": "https"}
        # A foreign host the proxy forwards is refused, on every gated area.
        for path in ("healthz", "requester/sign-in", "projects", "_mturk/"):
            assert status(path, **{"X-Forwarded-Host": "rebound.example", **https}) == 400
        assert status(**{"X-Forwarded-Host": "rebound.example:8080"}) == 400
        assert status(Host="rebound.example") == 400
        # A loopback name forwarded is not the machine asking itself.
        assert status(**{"X-Forwarded-Host": f"127.0.0.1:{port}"}) == 400
        # The public names pass, as Host or as the forwarded host.
        assert status(**{"X-Forwarded-Host": "study.example.org", **https}) == 200
        assert status(**{"X-Forwarded-Host": "content.example.net", **https}) == 200
        assert status(Host="study.example.org") == 200
        # The machine itself: the health check and the control API at its own address.
        assert status() == 200
        assert status(Host=f"localhost:{port}") == 200
        assert status("_mturk/", Authorization=f"Bearer {CONTROL_TOKEN}") == 200
        assert status(Host="localhost:1") == 400  # another port is another server
    finally:
        server.stop()


def test_a_backup_of_a_server_out_of_reach_is_one_line_and_no_file(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = backup(f"http://127.0.0.1:{port}/", tmp_path / "backup.json")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Cannot reach" in done.stderr
    assert list(tmp_path.iterdir()) == []
    no_token = backup(f"http://127.0.0.1:{port}/", tmp_path / "backup.json", token=None)
    assert no_token.returncode == 2 and "needs the control token" in no_token.stderr
