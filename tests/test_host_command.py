"""``pytest-mturk host``, the hosted profile, as a real process: unchanged boto3 code
pointed at it by botocore's own endpoint settings, its refusals, its proxy, its logs,
its health check, and a backup taken while it runs restored into a new server.

Each test starts its own server (:class:`ServerProcess` with ``command="host"``); the
``hosted`` fixture gives one with the files it needs, for tests to build on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server_helpers import CONTROL_TOKEN, KEY, SECRET, ServerProcess, hosted_server
from tests.server_helpers import credentials_file as _credentials

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY00"

# An unchanged boto3 script: it names no endpoint and no key of its own. It makes a HIT
# and reads it back, printing what it read as one JSON line.
SCRIPT = textwrap.dedent(
    """
    import json
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("mturk", region_name="us-east-1")
    try:
        made = client.create_hit(
            Title="Rate a sentence",
            Description="Say how natural a sentence reads.",
            Reward="0.50",
            MaxAssignments=2,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            Question=open("question.xml").read(),
        )["HIT"]
        read = client.get_hit(HITId=made["HITId"])["HIT"]
        balance = client.get_account_balance()["AvailableBalance"]
        print(json.dumps({"made": made["HITId"], "read": read["HITId"],
                          "title": read["Title"], "balance": balance,
                          "endpoint": client.meta.endpoint_url}))
    except ClientError as exc:
        print(json.dumps({"error": exc.response["Error"]["Code"],
                          "status": exc.response["ResponseMetadata"]["HTTPStatusCode"]}))
    """
)
QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId" id="assignmentId" value="">'
    '<input name="rating"><input type="submit"></form></body></html>]]></HTMLContent>'
    "<FrameHeight>400</FrameHeight></HTMLQuestion>"
)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[ServerProcess]:
    """A hosted server with a state file and the test's credentials file."""
    with hosted_server(tmp_path) as server:
        yield server


def _clean_env(tmp_path: Path, **more: str) -> dict[str, str]:
    """The environment of a user's shell: no AWS setting but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-credentials")
    env.update(more)
    return env


def _script(tmp_path: Path, env: dict[str, str], python: str = sys.executable) -> dict[str, Any]:
    (tmp_path / "question.xml").write_text(QUESTION, encoding="utf-8")
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [python, "script.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _pythons() -> list[str]:
    # The oldest botocore the project supports (1.31) reads AWS_ENDPOINT_URL_MTURK too:
    # CI may name an interpreter that has it installed.
    oldest = os.environ.get("PYTEST_MTURK_OLDEST_BOTOCORE_PYTHON")
    return [sys.executable, *([oldest] if oldest else [])]


def _get(url: str, token: str | None = None, **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            if "json" not in response.headers.get("Content-Type", ""):
                return response.status, body.decode("utf-8", "replace")
            return response.status, json.loads(body or b"null")
    except urllib.error.HTTPError as refused:
        body = refused.read()
        try:
            return refused.code, json.loads(body)
        except ValueError:
            return refused.code, body.decode("utf-8", "replace")


def _post(url: str, body: Any, token: str | None = CONTROL_TOKEN) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


# -- unchanged code, pointed at the server by botocore's own settings -------------------


@pytest.mark.parametrize("python", _pythons())
def test_an_unchanged_script_reaches_the_server_by_aws_endpoint_url_mturk(
    hosted: ServerProcess, tmp_path: Path, python: str
) -> None:
    credentials = _credentials(tmp_path / "user-credentials")
    env = _clean_env(
        tmp_path,
        AWS_ENDPOINT_URL_MTURK=hosted.url,
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )
    answer = _script(tmp_path, env, python)
    assert answer["made"] == answer["read"]
    assert answer["title"] == "Rate a sentence"
    assert answer["endpoint"].rstrip("/") == hosted.url.rstrip("/")
    # The HIT is the server's now: its state shows it.
    status, hits = _get(hosted.url + "_mturk/hits", CONTROL_TOKEN)
    assert status == 200
    assert [hit["HITId"] for hit in hits] == [answer["made"]]


def test_an_aws_config_profile_points_unchanged_code_at_the_production_world(
    hosted: ServerProcess, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile study]\nservices = study-services\n\n"
        f"[services study-services]\nmturk =\n  endpoint_url = {hosted.production_url}\n",
        encoding="utf-8",
    )
    env = _clean_env(
        tmp_path,
        AWS_CONFIG_FILE=str(config),
        AWS_PROFILE="study",
        AWS_ACCESS_KEY_ID=KEY,
        AWS_SECRET_ACCESS_KEY=SECRET,
    )
    answer = _script(tmp_path, env)
    assert answer["made"] == answer["read"]
    # Production's balance: the reward and fee of two assignments were taken from it.
    assert answer["balance"] == "9998.80"
    status, hits = _get(hosted.url + "_mturk/hits?environment=production", CONTROL_TOKEN)
    assert [hit["HITId"] for hit in hits] == [answer["made"]]
    status, sandbox = _get(hosted.url + "_mturk/hits?environment=sandbox", CONTROL_TOKEN)
    assert sandbox == []


def test_a_wrong_secret_is_refused_and_changes_nothing(
    hosted: ServerProcess, tmp_path: Path
) -> None:
    env = _clean_env(
        tmp_path,
        AWS_ENDPOINT_URL_MTURK=hosted.url,
        AWS_ACCESS_KEY_ID=KEY,
        AWS_SECRET_ACCESS_KEY=WRONG_SECRET,
    )
    answer = _script(tmp_path, env)
    assert answer == {"error": "InvalidSignatureException", "status": 400}
    assert _get(hosted.url + "_mturk/hits", CONTROL_TOKEN) == (200, [])


# -- what the hosted profile turns off --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("_mturk/reset", {}),
        ("_mturk/clock/advance", {"days": 1}),
        ("_mturk/workers/A1PARTICIPANT0001", {}),
        ("_mturk/workers/A1PARTICIPANT0001/accept", {"hit_id": "3ABC"}),
        ("_mturk/snapshot", {"version": 1}),
    ],
)
def test_the_simulation_controls_are_off(hosted: ServerProcess, path: str, body: Any) -> None:
    status, answer = _post(hosted.url + path, body)
    assert status == 403
    assert answer["error"] == "HostedServer"
    assert "controls" in answer["message"]
    # Without the token, the token is asked for first: nothing is said to a stranger.
    assert _post(hosted.url + path, body, token=None)[0] == 401


def test_the_control_api_reads_still_answer_with_the_token(hosted: ServerProcess) -> None:
    status, info = _get(hosted.url + "_mturk/", CONTROL_TOKEN)
    assert (status, info["clock"], info["durable"]) == (200, "real", True)
    assert _get(hosted.url + "_mturk/snapshot", CONTROL_TOKEN)[0] == 200
    assert _get(hosted.url + "_mturk/snapshot")[0] == 401


def test_nobody_signs_in_as_a_worker_id_of_their_choosing(hosted: ServerProcess) -> None:
    status, page = _get(hosted.url + "worker")
    assert status == 403
    assert "participant link" in page
    request = urllib.request.Request(
        hosted.url + "worker",
        data=b"worker_id=A1CHOSEN&next=/projects",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert _get(hosted.url + "_mturk/workers", CONTROL_TOKEN) == (200, [])


def test_serve_keeps_its_sign_in_and_controls(tmp_path: Path) -> None:
    with ServerProcess() as server:
        assert _get(server.url + "worker")[0] == 200
        assert _get(server.url + "healthz") == (200, {"status": "ok"})
        assert _post(server.url + "_mturk/clock/advance", {"days": 1})[0] == 200


# -- health, logs, proxy -----------------------------------------------------------------


def test_healthz_answers_ok_without_a_token_on_the_servers_own_host(
    hosted: ServerProcess,
) -> None:
    assert _get(hosted.url + "healthz") == (200, {"status": "ok"})
    status, refused = _get(hosted.url + "healthz", Host="rebound.example")
    assert (status, refused["error"]) == (400, "BadHost")


def test_requests_are_logged_as_json_lines_without_queries_tokens_or_bodies(
    tmp_path: Path,
) -> None:
    credentials = _credentials(tmp_path / "credentials")
    server = ServerProcess(
        "--state",
        str(tmp_path / "s.json"),
        "--credentials",
        str(credentials),
        "--log-format",
        "json",
        command="host",
    )
    try:
        _get(server.url + "healthz?k=link-secret-1234")
        _get(server.url + "_mturk/clock", CONTROL_TOKEN)
        _post(server.url + "_mturk/reset", {"seed": "body-secret-5678"})
    finally:
        server.stop()
    lines = server.stderr_text.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/healthz", 200),
        ("GET", "/_mturk/clock", 200),
        ("POST", "/_mturk/reset", 403),
    ]
    for record in records:
        assert set(record) == {"time", "listener", "method", "path", "status", "duration_ms"}
        assert record["time"].endswith("Z")
    text = server.stderr_text
    for secret in ("link-secret-1234", "body-secret-5678", CONTROL_TOKEN, SECRET):
        assert secret not in text


def test_forwarded_headers_are_believed_from_the_trusted_proxy_only(tmp_path: Path) -> None:
    credentials = _credentials(tmp_path / "credentials")
    common = ("--credentials", str(credentials), "--public-url", "https://study.example.org")
    # The tests' requests come from 127.0.0.1: to one server it is the proxy, to the
    # other a stranger.
    trusted = ServerProcess(
        "--state",
        str(tmp_path / "a.json"),
        "--trusted-proxy",
        "127.0.0.1",
        *common,
        command="host",
    )
    stranger = ServerProcess(
        "--state",
        str(tmp_path / "b.json"),
        "--trusted-proxy",
        "192.0.2.7",
        *common,
        command="host",
    )
    try:
        for server, believed in ((trusted, True), (stranger, False)):
            # A page of the public origin, as the proxy forwards it: its Origin is the
            # server's own only if the forwarded host and scheme are believed.
            status, answer = _get(
                server.url + "healthz",
                Origin="https://study.example.org",
                **{"X-Forwarded-Host": "study.example.org", "X-Forwarded-Proto": "https"},
            )
            assert status == (200 if believed else 403), answer
            # The public host as the proxy passes it on in Host itself (Caddy's way).
            assert _get(server.url + "healthz", Host="study.example.org")[0] == 200
    finally:
        trusted.stop()
        stranger.stop()


# -- options -------------------------------------------------------------------------------


def _run_host(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    program = os.path.join(os.path.dirname(sys.executable), "pytest-mturk")
    return subprocess.run(
        [program, "host", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _run_host_with_files(tmp_path: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """``host`` given a state path and a credentials file, and ``more``."""
    credentials = _credentials(tmp_path / "credentials")
    state = str(tmp_path / "s.json")
    return _run_host("--state", state, "--credentials", str(credentials), *more, cwd=tmp_path)


@pytest.mark.parametrize("missing", ["--state", "--credentials"])
def test_state_and_credentials_are_required(tmp_path: Path, missing: str) -> None:
    credentials = _credentials(tmp_path / "credentials")
    given = {"--state": str(tmp_path / "s.json"), "--credentials": str(credentials)}
    del given[missing]
    done = _run_host(*[part for pair in given.items() for part in pair], cwd=tmp_path)
    assert done.returncode == 2
    assert f"needs {missing}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "s.json").exists()


def test_a_config_file_sets_options_and_the_command_line_overrides_it(tmp_path: Path) -> None:
    credentials = _credentials(tmp_path / "credentials")
    config = tmp_path / "host.toml"
    config.write_text(
        f'state = "{tmp_path / "study.json"}"\n'
        f'credentials = "{credentials}"\n'
        'public-url = "https://from-file.example.org"\n'
        'content-url = "https://content.example.net"\n'
        'public-host = ["alias.example.org"]\n'
        'log-format = "text"\n',
        encoding="utf-8",
    )
    server = ServerProcess(
        "--config", str(config), "--public-url", "https://study.example.org", command="host"
    )
    try:
        banner = "".join(server.process.stdout.readline() for _ in range(3))  # type: ignore[union-attr]
        assert "public:     https://study.example.org/" in banner
        # How code that names MTurk's own endpoints reaches this server.
        assert "pytest-mturk run --server https://study.example.org -- COMMAND" in banner
        assert (tmp_path / "study.json").exists()
        assert _get(server.url + "healthz", Host="alias.example.org")[0] == 200
        assert _get(server.url + "healthz", Host="from-file.example.org")[0] == 400
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('stat = "x.json"\n', "unknown key 'stat'"),
        ('public_url = "https://a.example"\n', "unknown key 'public_url'"),
        ('port = "8080"\n', "port takes a whole number"),
        ('log-format = "xml"\n', "log-format takes one of json, text, none"),
        ("state = [\n", "is not TOML"),
    ],
)
def test_a_config_file_with_a_bad_key_or_value_is_refused_in_words(
    tmp_path: Path, text: str, said: str
) -> None:
    config = tmp_path / "host.toml"
    config.write_text(text, encoding="utf-8")
    done = _run_host("--config", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_a_public_url_with_a_path_is_refused(tmp_path: Path) -> None:
    done = _run_host_with_files(tmp_path, "--public-url", "https://example.org/study")
    assert done.returncode == 2
    assert "--public-url takes an address" in done.stderr


def test_a_frame_origin_without_its_local_address_is_refused(tmp_path: Path) -> None:
    done = _run_host_with_files(tmp_path, "--frame-origin", "https://experiment.example")
    assert done.returncode == 2
    assert "--frame-origin takes PUBLIC=LOCAL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "s.json").exists()


# -- the clock, backup and restore ------------------------------------------------------


def test_a_state_from_another_time_is_brought_to_the_wall_clock(tmp_path: Path) -> None:
    state = tmp_path / "study.json"
    with ServerProcess("--state", str(state), "--start", "2020-01-01T00:00:00Z") as old:
        assert _get(old.url + "_mturk/clock", CONTROL_TOKEN)[1]["now"].startswith("2020-01-01")
    credentials = _credentials(tmp_path / "credentials")
    server = ServerProcess("--state", str(state), "--credentials", str(credentials), command="host")
    try:
        now = _get(server.url + "_mturk/clock", CONTROL_TOKEN)[1]["now"]
        wall = _get(server.url + "_mturk/", CONTROL_TOKEN)[1]
        assert not now.startswith("2020")
        assert wall["clock"] == "real"
    finally:
        server.stop()


def test_a_backup_taken_while_it_runs_restores_into_a_new_server(
    hosted: ServerProcess, tmp_path: Path
) -> None:
    from tests.server_helpers import client

    requester = client(hosted.url)
    hit_ids = [
        requester.create_hit(
            Title=f"Task {n}",
            Description="d",
            Reward="0.25",
            MaxAssignments=1,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            Question=QUESTION,
        )["HIT"]["HITId"]
        for n in range(3)
    ]
    # The documented backup: GET /_mturk/snapshot with the token, to a file.
    backup = tmp_path / "backup.json"
    request = urllib.request.Request(
        hosted.url + "_mturk/snapshot", headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        backup.write_bytes(response.read())
    # The study goes on after the backup; the backup holds what was done before it.
    requester.create_hit(
        Title="After",
        Description="d",
        Reward="0.25",
        MaxAssignments=1,
        LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600,
        Question=QUESTION,
    )
    credentials = str(tmp_path / "credentials")
    restored = ServerProcess(
        "--state",
        str(tmp_path / "restored.json"),
        "--credentials",
        credentials,
        "--restore",
        str(backup),
        command="host",
    )
    try:
        again = client(restored.url)
        found = sorted(hit["HITId"] for hit in again.list_hits()["HITs"])
        assert found == sorted(hit_ids)
        assert again.get_hit(HITId=hit_ids[0])["HIT"]["Title"] == "Task 0"
    finally:
        restored.stop()
    # Restarted from its own state file, the restored server keeps the restored state.
    restarted = ServerProcess(
        "--state", str(tmp_path / "restored.json"), "--credentials", credentials, command="host"
    )
    try:
        found = sorted(hit["HITId"] for hit in client(restarted.url).list_hits()["HITs"])
        assert found == sorted(hit_ids)
    finally:
        restarted.stop()
    # A restore never overwrites a state file.
    done = _run_host(
        "--state",
        str(tmp_path / "restored.json"),
        "--credentials",
        credentials,
        "--restore",
        str(backup),
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "--restore starts a new state file" in done.stderr


# -- participants arrive by links, made from the public URL --------------------------------


def test_participant_links_are_made_from_the_public_url_and_sign_participants_in(
    tmp_path: Path,
) -> None:
    import requests

    from tests.server_helpers import client

    credentials = _credentials(tmp_path / "credentials")
    server = ServerProcess(
        "--state",
        str(tmp_path / "study.json"),
        "--credentials",
        str(credentials),
        "--public-url",
        "https://study.example.org",
        command="host",
    )
    try:
        made = client(server.production_url).create_hit(
            Title="Rate a sentence",
            Description="d",
            Reward="0.50",
            MaxAssignments=1,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            Question=QUESTION,
        )["HIT"]
        answer = requests.get(
            server.url + f"requester/api/links/{made['HITGroupId']}",
            auth=(KEY, SECRET),
            timeout=30,
        )
        link = answer.json()["url"]
        assert link.startswith(f"https://study.example.org/join/{made['HITGroupId']}?k=")
        # The proxy passes the public host on; the participant's platform appended its ID.
        path = link.removeprefix("https://study.example.org")
        joined = requests.get(
            server.url.rstrip("/") + path + "&PROLIFIC_PID=5f0c0ffee0ddba11",
            headers={"Host": "study.example.org"},
            allow_redirects=False,
            timeout=30,
        )
        assert joined.status_code == 303
        worker_id = joined.cookies.get("mturk_worker", "").partition(".")[0]
        assert worker_id.startswith("A")
        # That worker, and no other, now exists (in each world).
        workers = _get(server.url + "_mturk/workers", CONTROL_TOKEN)[1]
        assert {worker["worker_id"] for worker in workers} == {worker_id}
        # The worker pages' own sign-in stays off.
        assert _get(server.url + "worker")[0] == 403
    finally:
        server.stop()
