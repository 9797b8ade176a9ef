"""The HTTP server itself: its listeners, keep-alive, its headers, and its limits (a
bounded pool of threads, timeouts for slow clients, bodies over the limit, 500 answers)."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest
from conftest import HIT_ARGS
from server_helpers import KEY, client

from pytest_mturk import Simulator
from pytest_mturk.doors import stack
from pytest_mturk.doors.http import RunningServer
from pytest_mturk.doors.http.running import LISTENER
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


def test_boto3_keeps_its_connection(server):
    mturk = client(server.endpoint_url)
    hit_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    for _ in range(5):
        assert mturk.get_hit(HITId=hit_id)["HIT"]["HITId"] == hit_id
    # Every call went over one connection: the server held it open between calls.
    pool = next(iter(mturk._endpoint.http_session._manager.pools._container.values()))
    assert pool.num_connections == 1


# -- bodies over the limit ----------------------------------------------------------------

MIB = 1024 * 1024


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
        sock.sendall(request_head("CreateHIT", **{"Content-Length": str(5 * MIB)}))
        answer = read_until_closed(sock)  # no body sent: the server does not wait for it
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["error"] == "RequestEntityTooLarge"
    assert server.simulator.calls == []
    # ... and the server goes on answering.
    assert client(server.endpoint_url).get_account_balance()["AvailableBalance"]
