"""Whatever arrives over HTTP, the server answers with the service's error or a 4xx: never
a crash, a 5xx or a hang, and it keeps answering."""

from __future__ import annotations

import http.client
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import KEY

from pytest_mturk import Simulator
from pytest_mturk.core.dispatch import service_model
from pytest_mturk.faces.threaded import ThreadServer

TARGET = "MTurkRequesterServiceV20170117."
OPERATIONS = sorted(service_model().operation_names)
SIGNED = f"AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/mturk/aws4_request"


@pytest.fixture(scope="module")
def server():
    with ThreadServer(Simulator(seed=3), shared=False) as running:
        yield running
    assert running.simulator.internal_errors == []


def send(server, headers, body):
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def member_bodies(operation: str):
    """Objects using the operation's own member names, with values of any JSON type."""
    shape = service_model().operation_model(operation).input_shape
    names = sorted(shape.members) if shape is not None else []
    keys = st.sampled_from(names) | st.text(max_size=10) if names else st.text(max_size=10)
    return st.dictionaries(keys, json_values, max_size=5)


@st.composite
def requests(draw):
    operation = draw(st.sampled_from(OPERATIONS))
    kind = draw(st.sampled_from(["members", "json", "bytes"]))
    if kind == "members":
        body = json.dumps(draw(member_bodies(operation))).encode()
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    else:
        body = draw(st.binary(max_size=64))
    target = draw(st.sampled_from([TARGET + operation, operation, TARGET + operation.lower(), ""]))
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    if draw(st.booleans()):
        headers["Authorization"] = draw(
            st.sampled_from([SIGNED, "AWS4-HMAC-SHA256 Credential=", "garbage", "Credential=a/b"])
        )
    return headers, body


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests())
def test_any_request_gets_the_service_error_or_an_answer(server, request):
    headers, body = request
    status, answer = send(server, headers, body)
    assert status in (200, 400), (status, answer)
    decoded = json.loads(answer)
    if status == 400:
        # MTurk's own errors say "Message"; the AWS front end's refusals say "message".
        own = decoded["__type"] in ("RequestError", "ParameterValidationError")
        assert decoded.keys() - {"TurkErrorCode"} == {"__type", "Message" if own else "message"}


segments = st.sampled_from(
    ["", "reset", "clock", "advance", "workers", "A1B2C3D4E5F6G7", "accept", "submit",
     "return", "hits", "calls", "snapshot", "balance", "x"]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyzA0123456789-_.", max_size=12)  # fmt: skip
amounts = st.integers() | st.floats(allow_nan=True) | st.text(max_size=5) | st.none()


@st.composite
def control_requests(draw):
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    path = "/_mturk/" + "/".join(draw(st.lists(segments, max_size=3)))
    body = draw(
        st.dictionaries(
            st.sampled_from(["seed", "days", "seconds", "hit_id", "assignment_id", "answers"]),
            amounts,
            max_size=3,
        )
        | json_values
    )
    query = draw(st.sampled_from(["", "?environment=sandbox", "?environment=moon"]))
    return method, path + query, json.dumps(body).encode()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=control_requests())
def test_any_control_request_gets_an_answer_or_a_4xx(server, request):
    method, path, body = request
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {server.control_token}",
        }
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        status, answer = response.status, response.read()
    finally:
        connection.close()
    assert status < 500, (status, answer)
    assert status != 401  # let in: what is fuzzed is the API behind the gate
    json.loads(answer)
