"""One server, three areas: what the service API, the control API and the worker pages each
answer to a path or a method they have no route for, in their own words."""

from __future__ import annotations

import http.client
import json

import pytest

from pytest_mturk import ThreadedServer


@pytest.fixture(scope="module")
def server():
    with ThreadedServer(seed=3) as running:
        yield running


def request(server, method, path, body=b""):
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {server.control_token}",
        }
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        # The service API takes POST at each world's path.
        ("GET", "/", b"", 405, "The service API takes POST."),
        ("GET", "/production/", b"", 405, "The service API takes POST."),
        ("PUT", "/production", b"", 405, "The service API takes POST."),
        # The control API: JSON refusals, with the path it was asked for.
        ("PUT", "/_mturk/clock", b"", 405, "The control API takes GET and POST."),
        ("HEAD", "/_mturk/", b"", 405, None),
        ("GET", "/_mturk/reset", b"", 404, "Nothing to GET at /_mturk/reset."),
        ("POST", "/_mturk/clock", b"{}", 404, "Nothing to POST at /_mturk/clock."),
        ("POST", "/_mturk/workers/A1/dance/now", b"{}", 404, "Nothing to POST at"),
        ("POST", "/_mturk/nothing", b"[1]", 400, "The body must be a JSON object."),
        ("POST", "/_mturk/reset", b"[1]", 400, "The body must be a JSON object."),
        ("GET", "/_mturk/clock", b"{", 400, "The body is not JSON."),
        ("POST", "/_mturk/snapshot", b"[1]", 400, "POST a saved state document"),
        ("POST", "/_mturk/workers/A1/dance", b"{}", 404, "not 'dance'"),
        # Anything else is nobody's.
        ("POST", "/else", b"{}", 404, "the control API under /_mturk/."),
        ("GET", "/_mturkclock", b"", 404, "Nothing at /_mturkclock"),
    ],
)
def test_json_areas_refuse_in_their_own_words(server, method, path, body, status, message):
    got, kind, answer = request(server, method, path, body)
    assert got == status
    assert kind.startswith("application/json")
    if message is not None:
        assert message in json.loads(answer)["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "shown"),
    [
        ("GET", "/worker/sign-out", 405, "/worker/sign-out takes POST."),
        ("GET", "/projects/ABC/tasks/accept", 405, "takes POST."),
        ("POST", "/projects", 405, "/projects takes GET."),
        ("GET", "/mturk/somewhere", 404, "There is no page at /mturk/somewhere."),
        ("GET", "/mturk", 404, "There is no page at /mturk."),
        ("GET", "/projects/not-an-id/tasks", 404, "There is no page at"),
    ],
)
def test_the_worker_site_refuses_in_html(server, method, path, status, shown):
    got, kind, answer = request(server, method, path)
    assert got == status
    assert kind.startswith("text/html")
    assert shown in answer.decode()


@pytest.mark.parametrize("path", ["/_mturk", "/_mturk/", "/_mturk//clock/", "/_mturk/hits/"])
def test_control_paths_forgive_extra_slashes(server, path):
    got, _, answer = request(server, "GET", path)
    assert got == 200
    assert json.loads(answer) is not None


def test_a_worker_the_control_api_makes_is_the_simulators_own(server):
    """The worker is the served simulator's, with the profile given (the one
    ``Simulator.worker`` hands back, and a snapshot keeps); a malformed ID is refused
    with the simulator's reason."""
    worker_id = "A1B2C3D4E5F6G7"
    made, _, answer = request(server, "POST", f"/_mturk/workers/{worker_id}", b'{"locale": "DE"}')
    assert (made, json.loads(answer)) == (200, {"worker_id": worker_id})
    assert server.simulator.workers[worker_id].locale_country == "DE"
    assert server.simulator.worker(worker_id).profile.locale == "DE"
    assert server.control.snapshot()["workers"][worker_id]["locale"] == "DE"
    refused, _, answer = request(server, "POST", "/_mturk/workers/bad/accept", b'{"hit_id": "X"}')
    assert refused == 400
    assert "is not a valid MTurk worker ID" in json.loads(answer)["message"]
