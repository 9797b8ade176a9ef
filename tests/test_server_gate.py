"""Who may use the control API and the worker pages: the control token, the server's own
``Host``, its own ``Origin``, JSON bodies only -- and no CORS anywhere.

A page on another origin could once reset the server with a no-cors POST, and a request
with ``Host: attacker.example`` (DNS rebinding) read the whole snapshot; these tests hold
both shut, with real server processes where it matters.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys

import pytest
from conftest import HIT_ARGS
from server_helpers import CONTROL_TOKEN, START_GUARD, ServerProcess, client

from pytest_mturk import ServerControl, ServerControlError, Simulator, ThreadedServer
from pytest_mturk.faces.server_control import TOKEN_VARIABLE
from pytest_mturk.faces.threaded import ThreadServer


@pytest.fixture(scope="module")
def served():
    with ServerProcess("--seed", "7") as running:
        client(running.url).create_hit(**HIT_ARGS)
        yield running


@pytest.fixture
def server():
    with ThreadServer(Simulator(seed=4), shared=False) as running:
        client(running.endpoint_url).create_hit(**HIT_ARGS)
        yield running


def ask(url, method, path, body=b"", **headers):
    """``(status, headers, body)`` of one request, with exactly the headers given (and
    ``Host`` as given, if given)."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        connection.putrequest(method, path, skip_host="Host" in named, skip_accept_encoding=True)
        for name, value in named.items():
            connection.putheader(name, value)
        if body or method == "POST":
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        # Header names are case-insensitive (RFC 9110): looked up as such.
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def bearer(token=CONTROL_TOKEN):
    return {"Authorization": f"Bearer {token}"}


def own_host(url):
    return url.split("//")[1].rstrip("/")


# -- the token ------------------------------------------------------------------------------


def test_the_control_api_needs_the_token(served):
    for headers in ({}, bearer("wrong"), {"Authorization": CONTROL_TOKEN}, bearer("")):
        status, answer_headers, body = ask(served.url, "GET", "/_mturk/snapshot", **headers)
        assert status == 401
        assert answer_headers["WWW-Authenticate"].startswith("Bearer")
        answer = json.loads(body)
        assert answer["error"] == "Unauthorized" and "Bearer" in answer["message"]
        assert "hits" not in answer
    assert ask(served.url, "GET", "/_mturk/snapshot", **bearer())[0] == 200


def test_a_refused_reset_changes_nothing(served):
    hits = served.control().hits()
    assert hits
    status, _, _ = ask(served.url, "POST", "/_mturk/reset", b"{}", Content_Type="application/json")
    assert status == 401
    status, _, _ = ask(
        served.url, "POST", "/_mturk/reset", b"{}", Content_Type="text/plain", **bearer()
    )
    assert status == 415
    assert served.control().hits() == hits


def test_a_body_is_json_only(server):
    headers = bearer(server.control_token)
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        status, _, body = ask(
            server.url,
            "POST",
            "/_mturk/clock/advance",
            b'{"days": 3}',
            Content_Type=kind,
            **headers,
        )
        assert status == 415, body
        assert json.loads(body)["error"] == "UnsupportedMediaType"
    status, _, body = ask(
        server.url, "POST", "/_mturk/clock/advance", b'{"days": 3}',
        Content_Type="application/json; charset=utf-8", **headers,
    )  # fmt: skip
    assert status == 200, body
    # A bodiless request needs no type.
    assert ask(server.url, "GET", "/_mturk/clock", **headers)[0] == 200


def test_server_control_sends_the_token_and_says_when_it_is_wrong(server, monkeypatch):
    assert server.control.info()["version"]
    with pytest.raises(ServerControlError) as caught:
        ServerControl(server.url, token="wrong").reset()
    assert caught.value.status == 401
    assert server.simulator.hits  # not reset
    monkeypatch.setenv(TOKEN_VARIABLE, server.control_token)
    assert ServerControl(server.url).info()["version"]
    assert server.control_token not in repr(server.control)


def test_a_threaded_server_takes_a_token_of_ones_choosing():
    with ThreadedServer(control_token="chosen-token") as running:
        assert running.control_token == "chosen-token"
        assert ask(running.url, "GET", "/_mturk/", **bearer("chosen-token"))[0] == 200
        assert ask(running.url, "GET", "/_mturk/", **bearer(CONTROL_TOKEN))[0] == 401
    # Each server started without one has a fresh random token.
    with ThreadedServer() as one, ThreadedServer() as other:
        assert len(one.control_token) >= 32 and one.control_token != other.control_token


def start(*args, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines = [process.stdout.readline() for _ in range(6)]
    return process, lines


def stop(process):
    process.terminate()
    process.wait(timeout=START_GUARD)
    process.stdout.close()
    process.stderr.close()


def test_serve_prints_a_generated_token_after_its_first_line():
    process, lines = start(env={TOKEN_VARIABLE: ""})
    try:
        assert lines[0].startswith("pytest-mturk ") and " serving on http://" in lines[0]
        url = lines[0].split()[-1]
        (line,) = [line for line in lines if "control token:" in line]
        token = line.split("control token:")[1].split()[0]
        assert len(token) >= 32
        assert ServerControl(url, token=token).info()["version"]
        assert ask(url, "GET", "/_mturk/")[0] == 401
    finally:
        stop(process)


def test_serve_takes_its_token_from_the_environment_and_keeps_it_out_of_its_output():
    process, lines = start(env={TOKEN_VARIABLE: "from-the-environment"})
    try:
        url = lines[0].split()[-1]
        assert ServerControl(url, token="from-the-environment").info()["version"]
        assert not any("from-the-environment" in line for line in lines)
    finally:
        stop(process)


# -- the Host ---------------------------------------------------------------------------------


def test_a_foreign_host_cannot_read_the_snapshot(served):
    """DNS rebinding: a name the attacker controls, pointed at this machine. Even with the
    token (which a rebinding page would not have), the server does not answer it."""
    port = int(served.url.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw:
        raw.sendall(
            b"GET /_mturk/snapshot HTTP/1.1\r\nHost: attacker.example:%d\r\n"
            b"Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
            % (port, CONTROL_TOKEN.encode())
        )
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    refusal = json.loads(body)
    assert refusal["error"] == "BadHost" and "attacker.example" in refusal["message"]
    assert b"HITId" not in body and b"hits" not in body


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("{own}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST:{port}", 200),
        ("[::1]:{port}", 200),
        ("127.0.0.1:1", 400),  # another port: another origin
        ("localhost", 400),
        ("attacker.example", 400),
        ("attacker.example:{port}", 400),
        ("127.0.0.1.nip.io:{port}", 400),
    ],
)
def test_the_control_api_and_pages_answer_their_own_host_only(server, host, status):
    port = server.port
    given = host.format(own=own_host(server.url), port=port)
    for path in ("/_mturk/", "/worker", "/worker/site.css"):
        got, _, body = ask(server.url, "GET", path, Host=given, **bearer(server.control_token))
        assert got == status, (path, given, body)


def test_a_public_host_is_answered_when_configured():
    hosts = ("--public-host", "mturk.example", "--public-host", "proxy.example:9000")
    with ServerProcess(*hosts) as running:
        control = {"Authorization": f"Bearer {running.token}"}
        assert ask(running.url, "GET", "/_mturk/", Host="mturk.example", **control)[0] == 200
        assert ask(running.url, "GET", "/_mturk/", Host="mturk.example:8443", **control)[0] == 200
        assert ask(running.url, "GET", "/worker", Host="proxy.example:9000")[0] == 200
        assert ask(running.url, "GET", "/worker", Host="proxy.example:9001")[0] == 400
        assert ask(running.url, "GET", "/worker", Host="other.example")[0] == 400


def test_a_malformed_public_host_stops_the_server_at_start():
    done = subprocess.run(
        [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", "--public-host", "a:b"],
        capture_output=True,
        text=True,
        timeout=START_GUARD,
    )
    assert done.returncode == 2
    assert "--public-host takes NAME or NAME:PORT" in done.stderr


def test_the_service_api_answers_any_host(server):
    """SDKs sign the Host they send; the service API checks signatures, not names."""
    mturk = client(server.endpoint_url)
    assert mturk.get_account_balance()["AvailableBalance"] == "10000.00"
    status, _, _ = ask(
        server.url, "POST", "/", b"{}", Host="mturk.internal:443",
        X_Amz_Target="MTurkRequesterServiceV20170117.GetAccountBalance",
        Content_Type="application/x-amz-json-1.1",
        Authorization="AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/"
        "mturk-requester/aws4_request, SignedHeaders=host, Signature=0",
    )  # fmt: skip
    assert status == 200


# -- the Origin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:1",
        "http://localhost:3000",
        "https://attacker.example",
        "null",
        "file://",
    ],
)
def test_a_foreign_origin_is_refused(server, origin):
    hits = dict(server.simulator.hits)
    status, _, body = ask(
        server.url, "POST", "/_mturk/reset", b"{}", Origin=origin,
        Content_Type="application/json", **bearer(server.control_token),
    )  # fmt: skip
    assert status == 403
    assert json.loads(body)["error"] == "ForeignOrigin"
    assert dict(server.simulator.hits) == hits
    status, _, _ = ask(
        server.url, "POST", "/worker", b"worker_id=A1B2C3D4E5F6G7", Origin=origin,
        Content_Type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 403
    assert "A1B2C3D4E5F6G7" not in server.simulator.workers


def test_the_servers_own_origin_is_let_in(server):
    origin = server.url.rstrip("/")
    status, _, _ = ask(
        server.url, "GET", "/_mturk/clock", Origin=origin, **bearer(server.control_token)
    )
    assert status == 200
    # The pages weigh a post's origin themselves (with their CSRF tokens): the gate lets
    # the site's own origin through to them.
    status, _, _ = ask(server.url, "GET", "/worker", Origin=origin)
    assert status == 200


def test_a_hit_may_still_submit_to_external_submit_from_its_own_origin(server):
    """``/mturk/externalSubmit`` is posted to by the HIT's page, on another origin, by
    design: the gate lets any Origin through there (the Host is still checked)."""
    status, _, body = ask(
        server.url, "POST", "/mturk/externalSubmit", b"assignmentId=NOPE",
        Origin="https://experiment.example", Content_Type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status != 403, body
    status, _, _ = ask(
        server.url, "POST", "/mturk/externalSubmit", b"assignmentId=NOPE",
        Host="attacker.example", Content_Type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 400


# -- no CORS -----------------------------------------------------------------------------------


def test_no_answer_allows_another_origin(server):
    origin = "http://localhost:3000"
    asked = [
        ask(server.url, "OPTIONS", path, Origin=origin, Access_Control_Request_Method="POST",
            Access_Control_Request_Headers="authorization,content-type")
        for path in ("/", "/production/", "/_mturk/reset", "/projects", "/mturk/externalSubmit")
    ] + [
        ask(server.url, "GET", "/_mturk/", Origin=origin, **bearer(server.control_token)),
        ask(server.url, "GET", "/_mturk/", **bearer(server.control_token)),
        ask(server.url, "GET", "/projects"),
        ask(server.url, "POST", "/", b"{}", Origin=origin,
            X_Amz_Target="MTurkRequesterServiceV20170117.GetAccountBalance"),
        ask(server.url, "POST", "/mturk/externalSubmit", b"", Origin=origin),
    ]  # fmt: skip
    for _, headers, _ in asked:
        assert not [name for name in headers if name.lower().startswith("access-control-")]
