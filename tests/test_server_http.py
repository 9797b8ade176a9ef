"""The HTTP server itself: its listeners, keep-alive, its headers, and its limits (a
bounded pool of threads, timeouts for slow clients, bodies over the limit, 500 answers)."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import HIT_ARGS
from server_helpers import KEY, ServerProcess, client

from pytest_mturk import Simulator, UsageError
from pytest_mturk.doors import stack
from pytest_mturk.doors.http import RunningServer
from pytest_mturk.doors.http.running import LISTENER
from pytest_mturk.doors.http.wsgi import MAX_BODY
from pytest_mturk.faces.threaded import ThreadServer

TARGET = "MTurkRequesterServiceV20170117."
SIGNED = {
    "Authorization": f"AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/mturk/aws4_request"
}


def service_headers(operation="GetAccountBalance", **extra):
    return {
        "X-Amz-Target": TARGET + operation,
        "Content-Type": "application/x-amz-json-1.1",
        **SIGNED,
        **extra,
    }


def address(url):
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    return host.strip("[]"), int(port)


def connect(url):
    return http.client.HTTPConnection(*address(url), timeout=60)


def which_listener(environ, start_response):
    """A WSGI app answering with the listener the request came through."""
    body = json.dumps(
        {"listener": environ[LISTENER], "software": environ["SERVER_SOFTWARE"]}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def get_json(url, path="/"):
    connection = connect(url)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def server():
    """A server in a thread, answering from a simulator of its own."""
    with ThreadServer(Simulator(seed=7), shared=False) as running:
        yield running


# -- listeners ------------------------------------------------------------------------


def test_one_listener_by_default():
    with RunningServer(which_listener) as running:
        assert running.content_url is None and running.content_port is None
        assert get_json(running.url)["listener"] == "site"


def test_a_second_listener_for_content_says_which_one_a_request_came_through():
    with RunningServer(which_listener, content_port=0) as running:
        assert running.content_url is not None
        assert running.content_url != running.url
        assert running.content_url == f"http://127.0.0.1:{running.content_port}/"
        assert get_json(running.url)["listener"] == "site"
        assert get_json(running.content_url)["listener"] == "content"
        # The site's requests, whatever their path, are still the site's.
        assert get_json(running.url, "/anything")["listener"] == "site"
        assert get_json(running.content_url, "/anything")["listener"] == "content"


def test_the_content_listener_may_have_a_host_of_its_own():
    with RunningServer(which_listener, content_port=0, content_host="localhost") as running:
        assert running.content_url == f"http://localhost:{running.content_port}/"
        assert get_json(running.content_url)["listener"] == "content"


def test_both_listeners_are_served_urls_while_running_and_closed_after_stop():
    running = RunningServer(which_listener, content_port=0).start()
    urls = [running.url, running.content_url]
    assert all(url in stack.served for url in urls)
    running.stop()
    assert not any(url in stack.served for url in urls)
    assert not [t for t in threading.enumerate() if t.name.startswith("waitress-")]
    for url in urls:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(address(url), timeout=10)
    running.stop()  # a second stop does nothing


def test_a_stop_closes_open_connections_too():
    running = RunningServer(which_listener).start()
    connection = connect(running.url)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()  # the connection is kept open...
        running.stop()
        assert connection.sock.recv(1) == b""  # ... and closed by the stop
    finally:
        connection.close()


def test_the_port_is_freed_for_the_next_server():
    first = RunningServer(which_listener).start()
    port = first.port
    first.stop()
    with RunningServer(which_listener, port=port) as second:
        assert get_json(second.url)["listener"] == "site"


def test_software_names_pytest_mturk():
    with RunningServer(which_listener) as running:
        assert get_json(running.url)["software"].startswith("pytest-mturk/")


# -- HTTP/1.1 ---------------------------------------------------------------------------


def test_many_requests_over_one_connection(server):
    connection = connect(server.url)
    try:
        connection.request("POST", "/", body=b"{}", headers=service_headers())
        first = connection.getresponse()
        first.read()
        local = connection.sock.getsockname()
        for _ in range(50):
            connection.request("POST", "/", body=b"{}", headers=service_headers())
            response = connection.getresponse()
            assert response.status == 200
            assert json.loads(response.read()) == {"AvailableBalance": "10000.00"}
            assert connection.sock is not None and connection.sock.getsockname() == local
    finally:
        connection.close()


def test_answers_carry_one_date_and_no_server_banner(server):
    connection = connect(server.url)
    try:
        connection.request("POST", "/", body=b"{}", headers=service_headers())
        response = connection.getresponse()
        response.read()
        assert len(response.headers.get_all("Date")) == 1
        assert response.headers.get_all("Server") is None
    finally:
        connection.close()


# -- bodies over the limit ----------------------------------------------------------------


def request_head(operation, **headers):
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1"]
    lines += [
        f"{name}: {value}" for name, value in {**service_headers(operation), **headers}.items()
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_until_closed(sock):
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_body_declared_over_the_limit_is_refused_unread_and_the_connection_closed(server):
    with socket.create_connection(address(server.url), timeout=60) as sock:
        sock.sendall(request_head("CreateHIT", **{"Content-Length": str(MAX_BODY + 1)}))
        answer = read_until_closed(sock)  # no body sent: the server does not wait for it
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["error"] == "RequestEntityTooLarge"
    assert server.simulator.calls == []
    # ... and the server goes on answering.
    assert client(server.endpoint_url).get_account_balance()["AvailableBalance"]


def send_all(sock, data):
    """Send what the server reads; it may refuse and close before reading it all."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(data)


def answer_then_close(sock):
    """The server's answer, read until it closes the connection (a close with unread
    data left behind arrives as a reset, after the answer)."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
    return received


def chunked(body, size=64 * 1024):
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_is_refused_and_not_run(server):
    # A CreateHIT that would be valid JSON if cut at the limit: it must not be run.
    call = json.dumps(HIT_ARGS).encode()
    body = call + b" " * (MAX_BODY + 1000 - len(call))
    with socket.create_connection(address(server.url), timeout=60) as sock:
        send_all(sock, request_head("CreateHIT", **{"Transfer-Encoding": "chunked"}))
        send_all(sock, chunked(body))
        answer = answer_then_close(sock)
    head, _, refusal = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(refusal) == {
        "error": "RequestEntityTooLarge",
        "message": f"The request body is over the server's limit of {MAX_BODY} bytes.",
    }
    assert server.simulator.hits == {}
    assert server.simulator.calls == []
    # The same call under the limit is run.
    with socket.create_connection(address(server.url), timeout=60) as sock:
        sock.sendall(request_head("CreateHIT", **{"Transfer-Encoding": "chunked"}))
        sock.sendall(chunked(call))
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    assert len(server.simulator.hits) == 1


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n",
            431,
            "RequestHeaderFieldsTooLarge",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
            "BadRequest",
        ),
    ],
    ids=["headers over 256 KiB", "a broken chunk"],
)
def test_what_the_server_refuses_before_the_app_is_refused_in_json(
    server, request_bytes, status, error
):
    with socket.create_connection(address(server.url), timeout=60) as sock:
        send_all(sock, request_bytes)
        answer = answer_then_close(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode()
    assert json.loads(body)["error"] == error
    assert server.simulator.calls == []


def test_a_body_of_the_limit_itself_is_read():
    call = json.dumps(HIT_ARGS).encode()
    body = call + b" " * (MAX_BODY - len(call))
    with ThreadServer(Simulator(seed=7), shared=False) as running:
        connection = connect(running.url)
        try:
            connection.request("POST", "/", body=body, headers=service_headers("CreateHIT"))
            assert connection.getresponse().status == 200
        finally:
            connection.close()
        assert len(running.simulator.hits) == 1


# -- slow and idle clients, in a real server process ------------------------------------

# The test's timeout (seconds), and how long the test waits at most for the server to
# act on it: a guard against a hang, not a timing.
SHORT = 2
GUARD = 30


def trickle(url, first, then, every=0.5):
    """Send ``first``, then one byte of ``then`` every ``every`` seconds; the bytes
    sent until the server closed the connection (None if it never did)."""
    with socket.create_connection(address(url), timeout=GUARD) as sock:
        sock.sendall(first)
        deadline = time.monotonic() + GUARD
        sent = 0
        while time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], every)
            if readable:
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(65536) == b""  # closed, without an answer
                return sent
            try:
                sock.sendall(then[sent % len(then) : sent % len(then) + 1])
            except (BrokenPipeError, ConnectionResetError):
                return sent
            sent += 1
        return None


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (b"POST / HTTP/1.1\r\nHost: x\r\n", b"X-Slow: aaaaaaaaaa\r\n"),  # headers, slowly
        (request_head("CreateHIT", **{"Content-Length": "1000"}), b" "),  # a body, slowly
    ],
    ids=["headers", "body"],
)
def test_a_client_trickling_a_request_is_cut_off(first, then):
    with ServerProcess("--timeout", str(SHORT)) as served:
        sent = trickle(served.url, first, then)
        # Cut off although it never paused for as long as the timeout (a byte every half
        # second): the timeout counts from the request's first byte, not its last.
        assert sent is not None and sent >= 2
        assert client(served.url).get_account_balance()["AvailableBalance"]


def test_an_idle_connection_is_closed():
    with (
        ServerProcess("--timeout", str(SHORT)) as served,
        socket.create_connection(address(served.url), timeout=GUARD) as sock,
    ):
        assert sock.recv(1) == b""


def threads_of(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_idle_connections_do_not_make_threads():
    with ServerProcess("--threads", "8") as served:
        connections = []
        try:
            for _ in range(200):
                connection = connect(served.url)
                connection.request("POST", "/", body=b"{}", headers=service_headers())
                assert connection.getresponse().read()
                connections.append(connection)  # answered, and kept open, idle
            # The loop, the pool of 8 and the process's own few; never one per connection.
            assert threads_of(served.process.pid) <= 8 + 8
        finally:
            for connection in connections:
                connection.close()


# -- the command's options, refused at start ---------------------------------------------

COMMAND = os.path.join(os.path.dirname(sys.executable), "pytest-mturk")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "70000"], "--port must be from 0 to 65535 (0: a free port), not 70000."),
        (["--port", "-1"], "--port must be from 0 to 65535 (0: a free port), not -1."),
        (["--balance", "NaN"], "balance must be an amount such as '500.00', not 'NaN'."),
        (["--balance", "inf"], "balance must be an amount such as '500.00', not 'inf'."),
        (["--balance", "abc"], "balance must be an amount such as '500.00', not 'abc'."),
        (["--balance", "-5.00"], "balance must be an amount such as '500.00', not '-5.00'."),
        (["--balance", "1.005"], "balance must be an amount such as '500.00', not '1.005'."),
        (
            ["--start", "9999-12-31"],
            "start must be 9997-07-03T00:00:00+00:00 or earlier (the dates a HIT's life "
            "reaches from it must stay within year 9999), not '9999-12-31'.",
        ),
        (["--start", "tomorrow"], "start must be a datetime or ISO 8601 text such as"),
        (["--threads", "0"], "--threads must be 1 or more, not 0."),
        (["--connection-limit", "0"], "--connection-limit must be 1 or more, not 0."),
        (["--timeout", "-3"], "--timeout must be 1 or more, not -3."),
    ],
)
def test_the_command_refuses_bad_options_at_start_in_one_line(options, message):
    ran = subprocess.run(
        [COMMAND, "serve", "--port", "0", *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 2
    assert ran.stdout == ""  # never started serving
    (line,) = ran.stderr.splitlines()
    assert line.startswith(f"pytest-mturk: {message}")


def test_the_latest_start_refused_is_the_first_one_a_hit_could_not_live_from():
    from pytest_mturk.faces.settings import latest_start

    last = latest_start()
    longest = {
        **HIT_ARGS,
        "LifetimeInSeconds": 31_536_000,
        "AssignmentDurationInSeconds": 31_536_000,
        "AutoApprovalDelayInSeconds": 2_592_000,
    }
    with ServerProcess("--start", last.isoformat()) as served:
        mturk = client(served.url)
        hit_id = mturk.create_hit(**longest)["HIT"]["HITId"]
        control = served.control()
        assignment_id = control.accept("A1B2C3D4E5F6G7", hit_id)
        control.advance(days=364)
        control.submit("A1B2C3D4E5F6G7", assignment_id, None)
        control.advance(days=400)  # auto-approval, expiry, disposal: all representable
        assert mturk.get_account_balance()["AvailableBalance"]
    with pytest.raises(UsageError, match="start must be"):
        Simulator(start=last + datetime.timedelta(seconds=1))


# -- a failure of the server's own ------------------------------------------------------

SECRET = "Confidential-title-7f3a"


def failing_call(*args, **kwargs):
    raise RuntimeError(f"cannot write /srv/private/state.json: {args!r}")


def test_a_500_answer_carries_an_incident_id_and_no_exception_text(server, monkeypatch, caplog):
    monkeypatch.setattr(server.backend, "call", failing_call)
    body = json.dumps({**HIT_ARGS, "Title": SECRET}).encode()
    connection = connect(server.url)
    try:
        connection.request("POST", "/", body=body, headers=service_headers("CreateHIT"))
        response = connection.getresponse()
        status, text = response.status, response.read().decode()
    finally:
        connection.close()
    assert status == 500
    answer = json.loads(text)
    assert answer["error"] == "InternalError"
    incident = answer["incident"]
    assert answer["message"] == (
        f"The server failed to answer this request (incident {incident}; its log has the details)."
    )
    for leak in ("RuntimeError", "/srv/private", "state.json", SECRET, "Traceback", ".py"):
        assert leak not in text
    # The operator finds the incident in the log, with the whole story.
    (record,) = [r for r in caplog.records if incident in r.getMessage()]
    assert record.exc_info is not None and "/srv/private" in str(record.exc_info[1])


def test_the_incident_goes_to_standard_error_with_its_traceback():
    script = textwrap.dedent(
        f"""
        import json, urllib.request, urllib.error
        from pytest_mturk.faces.threaded import ThreadServer
        from pytest_mturk import Simulator

        def failing(*args, **kwargs):
            raise RuntimeError("cannot write /srv/private/state.json")

        with ThreadServer(Simulator(), shared=False) as server:
            server.backend.call = failing
            request = urllib.request.Request(
                server.url, data=b"{{}}", headers={service_headers()!r}, method="POST"
            )
            try:
                urllib.request.urlopen(request)
            except urllib.error.HTTPError as refused:
                print(json.loads(refused.read())["incident"])
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    incident = ran.stdout.strip()
    assert ran.returncode == 0 and incident, ran.stderr
    assert f"incident {incident}: POST / failed" in ran.stderr
    assert "Traceback" in ran.stderr
    assert "RuntimeError: cannot write /srv/private/state.json" in ran.stderr
