"""Errors and request IDs as the service sent them, through boto3 and over HTTP.

* MTurk's own errors (RequestError, ParameterValidationError, ServiceFault) end with the
  virtual clock's epoch milliseconds: ``" (1234567890123 s)"`` from the sandbox,
  ``" (1234567890123)"`` from production. The AWS front end's refusals carry no stamp.
* Their bodies say ``"Message"``; the front end's (UnrecognizedClientException,
  MissingAuthenticationTokenException, ValidationException, ThrottlingException,
  UnknownOperationException, SerializationException) say ``"message"``. botocore reads
  both into ``Error.Message``.
* Request IDs are version 4 UUIDs drawn from the seeded stream, sent as ``x-amzn-RequestId``.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import HIT_ARGS
from server_helpers import KEY, client

from pytest_mturk import Simulator, mturk_sim
from pytest_mturk.faces.threaded import ThreadServer

SANDBOX_URL = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION_URL = "https://mturk-requester.us-east-1.amazonaws.com"
# 1234567890123 ms after the epoch: the stamp every message below carries.
START = dt.datetime(2009, 2, 13, 23, 31, 30, 123000, tzinfo=dt.timezone.utc)
MS = 1234567890123
ENDPOINTS = [(SANDBOX_URL, f" ({MS} s)"), (PRODUCTION_URL, f" ({MS})")]
ENDPOINT_IDS = ["sandbox", "production"]
FAULT = "We are temporarily unable to process your request. Try your call again."
TARGET = "MTurkRequesterServiceV20170117."
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def boto_client(endpoint_url: str, *, whole_way: bool = False, **kwargs):
    made = boto3.session.Session().client(
        "mturk",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=kwargs.pop("key", KEY),
        aws_secret_access_key="secret",
        config=NO_RETRIES,
    )
    if whole_way:
        # A handler of the user's sends the call botocore's whole way, request and all.
        made.meta.events.register("before-call.mturk", lambda **_: None)
    return made


def refusal(call) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    return info.value


# -- the stamp, through boto3 -------------------------------------------------------------


@pytest.mark.parametrize("whole_way", [False, True], ids=["short way", "whole way"])
@pytest.mark.parametrize(("endpoint", "suffix"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_mturks_own_errors_end_with_the_stamp_of_their_endpoint(endpoint, suffix, whole_way):
    with mturk_sim(start=START, strict_workers=True) as sim:
        mturk = boto_client(endpoint, whole_way=whole_way)

        missing = refusal(lambda: mturk.get_hit(HITId="NOSUCHHIT"))
        assert isinstance(missing, mturk.exceptions.RequestError)
        text = "Hit NOSUCHHIT does not exist." + suffix
        assert missing.response["Error"] == {"Message": text, "Code": "RequestError"}
        assert missing.response["Message"] == text
        assert str(missing) == (
            f"An error occurred (RequestError) when calling the GetHIT operation: {text}"
        )

        stranger = refusal(lambda: mturk.create_worker_block(WorkerId="ASTRANGER01", Reason="r"))
        assert stranger.response["Error"] == {
            "Message": 'The value "ASTRANGER01" is not valid for the parameter WorkerId.' + suffix,
            "Code": "ParameterValidationError",
        }

        sim.fail_next("GetAccountBalance")  # answered at before-send, parsed by botocore
        fault = refusal(mturk.get_account_balance)
        assert isinstance(fault, mturk.exceptions.ServiceFault)
        assert fault.response["Error"] == {"Message": FAULT + suffix, "Code": "ServiceFault"}
        assert fault.response["Message"] == FAULT + suffix


@pytest.mark.parametrize("endpoint", [SANDBOX_URL, PRODUCTION_URL], ids=ENDPOINT_IDS)
def test_the_front_ends_refusals_carry_no_stamp_on_either_endpoint(endpoint):
    with mturk_sim(start=START) as sim:
        mturk = boto_client(endpoint)
        invalid = refusal(lambda: mturk.list_hits(MaxResults=101))
        assert invalid.response["Error"] == {
            "Message": "1 validation error detected: Value '101' at 'maxResults' failed to "
            "satisfy constraint: Member must have value less than or equal to 100",
            "Code": "ValidationException",
        }
        assert "Message" not in invalid.response  # not a modelled error: no top-level copy
        sim.fail_next("GetAccountBalance", "throttled")
        throttled = refusal(mturk.get_account_balance)
        assert throttled.response["Error"] == {
            "Message": "Rate exceeded",
            "Code": "ThrottlingException",
        }
        stranger = refusal(boto_client(endpoint, key="foo").get_account_balance)
        assert stranger.response["Error"] == {
            "Message": "The security token included in the request is invalid.",
            "Code": "UnrecognizedClientException",
        }


def test_the_stamp_follows_the_virtual_clock(mturk):
    mturk.advance(seconds=90)
    sandbox = boto_client(SANDBOX_URL)
    expected = round(mturk.now.timestamp() * 1000)
    message = refusal(lambda: sandbox.get_hit(HITId="NOSUCHHIT")).response["Message"]
    assert message == f"Hit NOSUCHHIT does not exist. ({expected} s)"


# -- request IDs, through boto3 -----------------------------------------------------------


def request_ids(seed) -> list[str]:
    with mturk_sim(seed=seed, start=START):
        mturk = boto_client(SANDBOX_URL)
        ids = [mturk.get_account_balance()["ResponseMetadata"]["RequestId"]]
        ids.append(mturk.create_hit(**HIT_ARGS)["ResponseMetadata"]["RequestId"])
        ids.append(
            refusal(lambda: mturk.get_hit(HITId="NOSUCHHIT")).response["ResponseMetadata"][
                "RequestId"
            ]
        )
        return ids


def test_request_ids_are_version_4_uuids_that_follow_the_seed():
    ids = request_ids(3)
    assert len(set(ids)) == 3
    for request_id in ids:
        parsed = uuid.UUID(request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == request_id  # lower-case, hyphenated: the canonical form
    assert request_ids(3) == ids
    assert request_ids(4) != ids


# -- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def server():
    with ThreadServer(Simulator(seed=5, start=START), shared=False) as running:
        yield running


def raw(server, path: str, operation: str | None, body: bytes = b"{}", key: str | None = KEY):
    """POST to the server; (status, header names and values as sent, JSON body)."""
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if operation is not None:
        headers["X-Amz-Target"] = TARGET + operation
    if key is not None:
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={key}/20090213/us-east-1/mturk-requester/aws4_request"
        )
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), json.loads(response.read())
    finally:
        connection.close()


FRONT_END = [
    ("GetAccountBalance", b"{}", "foo", "UnrecognizedClientException",
     "The security token included in the request is invalid."),
    ("GetAccountBalance", b"{}", None, "MissingAuthenticationTokenException",
     "Request is missing Authentication Token"),
    ("ListHITs", b'{"MaxResults": 101}', KEY, "ValidationException",
     "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
     "Member must have value less than or equal to 100"),
    ("NoSuchOperation", b"{}", KEY, "UnknownOperationException",
     f"Unknown operation {TARGET}NoSuchOperation"),
    ("GetAccountBalance", b"{broken", KEY, "SerializationException",
     "Start of structure or map found where not expected."),
]  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/production/"], ids=ENDPOINT_IDS)
@pytest.mark.parametrize(("operation", "body", "key", "kind", "text"), FRONT_END)
def test_the_front_ends_bodies_say_message_in_lower_case(
    server, path, operation, body, key, kind, text
):
    status, _, answer = raw(server, path, operation, body, key)
    assert status == 400
    assert answer == {"__type": kind, "message": text}


@pytest.mark.parametrize("path", ["/", "/production/"], ids=ENDPOINT_IDS)
def test_throttling_is_the_front_ends_too(server, path):
    server.simulator.fail_next("GetAccountBalance", "throttled")
    assert raw(server, path, "GetAccountBalance")[::2] == (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
    )


@pytest.mark.parametrize(
    ("path", "suffix"), [("/", f" ({MS} s)"), ("/production/", f" ({MS})")], ids=ENDPOINT_IDS
)
def test_mturks_own_bodies_say_message_capitalised_and_stamped(server, path, suffix):
    status, _, answer = raw(server, path, "GetHIT", b'{"HITId": "NOSUCHHIT"}')
    assert (status, answer) == (
        400,
        {
            "__type": "RequestError",
            "Message": "Hit NOSUCHHIT does not exist." + suffix,
            "TurkErrorCode": "AWS.MechanicalTurk.HITDoesNotExist",
        },
    )
    status, _, answer = raw(server, path, "GetHIT", b'{"HITId": 5}')
    assert (status, answer) == (
        400,
        {
            "__type": "ParameterValidationError",
            "Message": 'The value "5" is not valid for the parameter HITId.' + suffix,
        },
    )
    server.simulator.fail_next("GetAccountBalance")
    status, _, answer = raw(server, path, "GetAccountBalance")
    assert (status, answer) == (500, {"__type": "ServiceFault", "Message": FAULT + suffix})


@pytest.mark.parametrize(
    ("operation", "body", "key"),
    [
        ("GetAccountBalance", b"{}", KEY),
        ("GetHIT", b'{"HITId": "NOSUCHHIT"}', KEY),
        ("GetAccountBalance", b"{}", "foo"),
        ("NoSuchOperation", b"{}", KEY),
    ],
    ids=["answer", "service error", "front end", "unread request"],
)
def test_every_answer_carries_x_amzn_request_id_as_a_uuid(server, operation, body, key):
    _, headers, _ = raw(server, "/", operation, body, key)
    ids = [value for name, value in headers if name == "x-amzn-RequestId"]
    assert len(ids) == 1, headers
    assert uuid.UUID(ids[0]).version in (1, 4)


def test_request_ids_over_http_follow_the_seed_and_reach_boto3(server):
    mturk = client(server.endpoint_url)
    got = mturk.get_account_balance()["ResponseMetadata"]
    assert uuid.UUID(got["RequestId"]).version == 4
    assert got["HTTPHeaders"]["x-amzn-requestid"] == got["RequestId"]
    refused = refusal(lambda: mturk.get_hit(HITId="NOSUCHHIT")).response["ResponseMetadata"]
    assert uuid.UUID(refused["RequestId"]).version == 4
    with ThreadServer(Simulator(seed=5, start=START), shared=False) as twin:
        again = client(twin.endpoint_url)
        assert again.get_account_balance()["ResponseMetadata"]["RequestId"] == got["RequestId"]
        again_refused = refusal(lambda: again.get_hit(HITId="NOSUCHHIT")).response
        assert again_refused["ResponseMetadata"]["RequestId"] == refused["RequestId"]


def test_botocore_reads_either_key_into_the_error_message(server):
    mturk = client(server.production_endpoint_url)
    invalid = refusal(lambda: mturk.list_hits(MaxResults=101)).response
    assert invalid["Error"]["Message"].startswith("1 validation error detected: Value '101'")
    missing = refusal(lambda: mturk.get_hit(HITId="NOSUCHHIT")).response
    assert missing["Error"]["Message"] == f"Hit NOSUCHHIT does not exist. ({MS})"
    assert missing["Message"] == missing["Error"]["Message"]
