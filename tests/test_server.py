"""The HTTP server: real boto3 clients over HTTP, both worlds, and the service's errors."""

from __future__ import annotations

import http.client
import json

import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError
from conftest import HIT_ARGS
from server_helpers import KEY, ServerProcess, client

from pytest_mturk import Simulator
from pytest_mturk.faces.threaded import ThreadServer

TARGET = "MTurkRequesterServiceV20170117."


@pytest.fixture
def server():
    """A server in a thread, answering from a simulator of its own."""
    with ThreadServer(Simulator(seed=7), shared=False) as running:
        yield running


def test_boto3_creates_reads_and_approves_over_http(server):
    mturk = client(server.endpoint_url)
    hit = mturk.create_hit(**HIT_ARGS)["HIT"]
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["Title"] == HIT_ARGS["Title"]
    assignment_id = server.control.accept("A1B2C3D4E5F6G7", hit["HITId"])
    server.control.submit("A1B2C3D4E5F6G7", assignment_id, None)
    mturk.approve_assignment(AssignmentId=assignment_id)
    listed = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [(a["AssignmentId"], a["AssignmentStatus"]) for a in listed] == [
        (assignment_id, "Approved")
    ]
    # The server answered from the simulator it was given, with its seed.
    assert server.simulator.assignments[assignment_id].status.value == "Approved"


def test_the_same_calls_give_the_same_ids_as_in_process(server):
    over_http = client(server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
    with Simulator(seed=7) as sim:
        in_process = sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assert over_http == in_process


def test_production_is_a_world_of_its_own(server):
    sandbox, production = client(server.endpoint_url), client(server.production_endpoint_url)
    production.create_hit(**HIT_ARGS)
    assert sandbox.list_hits()["NumResults"] == 0
    assert production.list_hits()["NumResults"] == 1
    # Production pays for its HITs (reward and fee are reserved); the sandbox never does.
    assert production.get_account_balance()["AvailableBalance"] != "10000.00"
    assert sandbox.get_account_balance()["AvailableBalance"] == "10000.00"


def test_service_errors_arrive_as_botocore_errors_with_their_status(server):
    mturk = client(server.endpoint_url)
    with pytest.raises(ClientError) as missing:
        mturk.get_hit(HITId="3" * 30)
    assert missing.value.response["Error"]["Code"] == "RequestError"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as invalid:
        mturk.get_hit(HITId="lower-case")
    assert invalid.value.response["Error"]["Code"] == "ValidationException"


def test_only_listed_access_keys_are_let_in():
    with ThreadServer(Simulator(access_keys=[KEY]), shared=False) as running:
        assert client(running.endpoint_url).get_account_balance()["AvailableBalance"]
        with pytest.raises(ClientError) as other:
            client(running.endpoint_url, key="AKIAOTHERKEY00000000").get_account_balance()
        assert other.value.response["Error"]["Code"] == "UnrecognizedClientException"
        with pytest.raises(ClientError) as unsigned:
            client(running.endpoint_url, signature_version=UNSIGNED).get_account_balance()
        assert unsigned.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"


def test_a_client_in_a_simulated_test_reaches_the_server_over_http(mturk, server):
    # The test's own simulator answers in-process calls; the server's is another one.
    client(server.endpoint_url).create_hit(**HIT_ARGS)
    assert len(server.simulator.hits) == 1
    assert len(mturk.hits) == 0


# -- raw HTTP: what no SDK sends ---------------------------------------------------------


def raw(server, method="POST", path="/", body=b"", headers=None):
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


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


@pytest.mark.parametrize(
    ("headers", "body", "kind"),
    [
        (service_headers(), b"{not json", "SerializationException"),
        (service_headers(), b"[1, 2]", "SerializationException"),
        (service_headers(), b"\xff\xfe", "SerializationException"),
        (service_headers("NoSuchOperation"), b"{}", "UnknownOperationException"),
        (
            {"Content-Type": "application/x-amz-json-1.1", **SIGNED},
            b"{}",
            "UnknownOperationException",
        ),
        (
            {"X-Amz-Target": "OtherService.GetAccountBalance", **SIGNED},
            b"{}",
            "UnknownOperationException",
        ),
        (
            {"X-Amz-Target": TARGET + "GetAccountBalance"},
            b"{}",
            "MissingAuthenticationTokenException",
        ),
        (service_headers("GetHIT"), b'{"HITId": 5}', "ParameterValidationError"),
        (service_headers("CreateHIT"), b"{}", "ValidationException"),
    ],
)
def test_malformed_requests_get_the_service_error(server, headers, body, kind):
    status, answer = raw(server, body=body, headers=headers)
    assert status == 400
    assert json.loads(answer)["__type"] == kind


def test_an_empty_body_is_an_operation_without_parameters(server):
    status, answer = raw(server, headers=service_headers())
    assert (status, json.loads(answer)) == (200, {"AvailableBalance": "10000.00"})


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/", 405), ("POST", "/else", 404)])
def test_other_paths_and_methods_get_a_4xx(server, method, path, status):
    got, answer = raw(server, method=method, path=path, headers=service_headers())
    assert got == status
    assert "message" in json.loads(answer)


def test_a_refused_request_changes_nothing(server):
    raw(server, body=b"{broken", headers=service_headers("CreateHIT"))
    raw(server, headers=service_headers("Nope"))
    assert server.simulator.calls == []


# -- the command ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", [False, True], ids=["console script", "python -m"])
def test_the_command_serves_on_loopback_on_a_free_port(module):
    with ServerProcess("--seed", "7", module=module) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert not served.url.endswith(":0/")
        hit = client(served.url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
        with Simulator(seed=7) as sim:
            assert sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"] == hit


def test_the_plain_plugin_does_not_import_the_server_stack():
    import subprocess
    import sys

    code = (
        "import sys, pytest_mturk, pytest_mturk.faces.plugin\n"
        "from pytest_mturk import mturk_sim\n"
        "with mturk_sim() as sim: sim.client().get_account_balance()\n"
        "assert 'werkzeug' not in sys.modules, 'werkzeug imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
