"""Interception: which clients the simulator answers, and what it leaves alone.

The botocore hook must answer every ``mturk`` client while a simulator is active
(however and whenever the client was made), and change nothing else: other
services, mturk clients with no simulator, moto, Stubber, credentials.
"""

from __future__ import annotations

import os

import boto3
import botocore.handlers
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError
from botocore.stub import Stubber
from conftest import HIT_ARGS, skip_if_simulated
from pytest_socket import SocketBlockedError

import pytest_mturk
from pytest_mturk import mturk_sim
from pytest_mturk.doors.botocore import bootstrap

SANDBOX_URL = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION_URL = "https://mturk-requester.us-east-1.amazonaws.com"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
# Clients made while no simulator runs get keys of their own: on a machine with none,
# botocore would otherwise go looking for some (instance metadata, over the network).
KEYS = {"aws_access_key_id": "AKIDEXAMPLE000000000", "aws_secret_access_key": "secret"}
# pytest-socket warns as it refuses; the refusal itself is what these tests look for.
socket_warning = pytest.mark.filterwarnings("ignore:A test tried to use socket")


@pytest.fixture
def no_simulator():
    skip_if_simulated()


@pytest.fixture
def no_credentials(monkeypatch, tmp_path, no_simulator):
    """An environment where botocore finds no credentials and no region (and never
    asks the instance metadata service)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def _http_attempted(excinfo) -> bool:
    """Whether the error is botocore's wrapping of a socket pytest-socket refused."""
    error = excinfo.value
    return isinstance(error, HTTPClientError) and isinstance(
        error.kwargs.get("error"), SocketBlockedError
    )


# -- every way of making a client ----------------------------------------------------------


def test_boto3_client_is_answered(mturk):
    client = boto3.client("mturk", region_name="sandbox")
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert [call.operation for call in mturk.calls] == ["GetAccountBalance"]


def test_every_way_of_making_a_client_reaches_the_same_simulator(mturk):
    made = [
        boto3.client("mturk", region_name="sandbox"),
        boto3.Session().client("mturk", region_name="sandbox"),
        boto3.session.Session().client("mturk", endpoint_url=SANDBOX_URL, region_name="us-east-1"),
        botocore.session.get_session().create_client("mturk", region_name="sandbox"),
        botocore.session.Session().create_client("mturk", endpoint_url=SANDBOX_URL),
    ]
    hit_ids = [client.create_hit(**HIT_ARGS)["HIT"]["HITId"] for client in made]
    for client in made:
        listed = client.list_hits(MaxResults=100)["HITs"]
        assert [hit["HITId"] for hit in listed] == hit_ids
    assert set(mturk.sandbox.hits) == set(hit_ids)


def test_a_client_made_before_the_simulator_started_is_answered(no_simulator):
    client = boto3.client("mturk", region_name="sandbox", **KEYS)
    session_client = boto3.Session(**KEYS).client("mturk", region_name="sandbox")
    with mturk_sim() as sim:
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        assert session_client.get_hit(HITId=hit_id)["HIT"]["HITId"] == hit_id
    assert [call.operation for call in sim.calls] == ["CreateHIT", "GetHIT"]


def test_a_client_made_in_one_simulator_is_answered_by_the_next(no_simulator):
    with mturk_sim():
        client = boto3.client("mturk", region_name="sandbox")
        client.create_hit(**HIT_ARGS)
    with mturk_sim() as second:
        assert client.list_hits()["NumResults"] == 0
    assert [call.operation for call in second.calls] == ["ListHITs"]


@pytest.fixture
def session_from_before_the_import(monkeypatch, no_simulator):
    """boto3's default session as if it had been made before pytest_mturk was imported."""
    without = [spec for spec in botocore.handlers.BUILTIN_HANDLERS if not bootstrap.is_ours(spec)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", without)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    boto3.setup_default_session(region_name="sandbox", **KEYS)
    session = boto3.DEFAULT_SESSION
    old_client = session.client("mturk", config=NO_RETRIES)
    monkeypatch.undo()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    return session, old_client


@socket_warning
def test_the_default_session_from_before_the_import_is_reached_when_a_simulator_starts(
    session_from_before_the_import, socket_disabled
):
    _, old_client = session_from_before_the_import
    with mturk_sim() as sim:
        # Clients made from it now are answered...
        assert boto3.client("mturk").get_account_balance()["AvailableBalance"] == "10000.00"
        # ...and so is a client it made before, which was never given the hooks.
        assert old_client.get_account_balance()["AvailableBalance"] == "10000.00"
        pytest_mturk.register_session(old_client)  # registering it is harmless
    assert [call.operation for call in sim.calls] == ["GetAccountBalance"] * 2
    # Outside a simulator it is the client it was.
    with pytest.raises(HTTPClientError) as excinfo:
        old_client.get_account_balance()
    assert _http_attempted(excinfo)


def test_register_session_reaches_a_session_made_before_the_import(
    session_from_before_the_import,
):
    session, _ = session_from_before_the_import
    core = botocore.session.Session()
    core.set_credentials(KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"])
    for target in (session, core):
        pytest_mturk.register_session(target)
        pytest_mturk.register_session(target)  # twice is harmless
    with mturk_sim() as sim:
        session.client("mturk").get_account_balance()
        core.create_client("mturk", region_name="sandbox").get_account_balance()
    assert len(sim.calls) == 2


# -- nothing else changes ------------------------------------------------------------------


@socket_warning
def test_other_services_go_to_the_network_as_usual(mturk, socket_disabled):
    for service in ("s3", "sqs"):
        client = boto3.client(service, region_name="us-east-1", config=NO_RETRIES)
        call = client.list_buckets if service == "s3" else client.list_queues
        with pytest.raises(HTTPClientError) as excinfo:
            call()
        assert _http_attempted(excinfo)
    assert mturk.calls == []


@socket_warning
def test_mturk_without_a_simulator_goes_to_the_network(no_simulator, socket_disabled):
    client = boto3.client("mturk", region_name="sandbox", config=NO_RETRIES, **KEYS)
    with pytest.raises(HTTPClientError) as excinfo:
        client.get_account_balance()
    assert _http_attempted(excinfo)
    with mturk_sim():
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    with pytest.raises(HTTPClientError) as excinfo:
        client.get_account_balance()
    assert _http_attempted(excinfo)


def test_mturk_without_a_simulator_reaches_the_given_endpoint(no_simulator, socket_enabled):
    # A real HTTP attempt, to a closed local port: nothing leaves the machine.
    client = boto3.client(
        "mturk",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=NO_RETRIES,
        **KEYS,
    )
    with pytest.raises(botocore.exceptions.EndpointConnectionError, match="127.0.0.1:9"):
        client.get_account_balance()


# -- living with other mocks ---------------------------------------------------------------


@pytest.mark.parametrize("moto_outside", [True, False], ids=["moto-outside", "moto-inside"])
def test_moto_answers_s3_and_sqs_while_we_answer_mturk(no_simulator, moto_outside):
    moto = pytest.importorskip("moto")
    both = (moto.mock_aws(), mturk_sim())
    outer, inner = both if moto_outside else both[::-1]
    with outer, inner:
        sim = pytest_mturk.current()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="results")
        s3.put_object(Bucket="results", Key="a.json", Body=b"{}")
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="turk")["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
        mturk = boto3.client("mturk", region_name="sandbox")
        hit_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]

        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["results"]
        messages = sqs.receive_message(QueueUrl=queue_url)["Messages"]
        assert [m["Body"] for m in messages] == ["hello"]
        assert mturk.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Assignable"
        assert [call.operation for call in sim.calls] == ["CreateHIT", "GetHIT"]
    assert pytest_mturk.current() is None


def test_a_stubbed_client_keeps_its_stubbed_answers(mturk):
    stubbed = boto3.client("mturk", region_name="sandbox")
    plain = boto3.client("mturk", region_name="sandbox")
    with Stubber(stubbed) as stubber:
        stubber.add_response("get_account_balance", {"AvailableBalance": "1.23"})
        stubber.add_client_error(
            "get_hit", service_error_code="RequestError", service_message="stubbed"
        )
        assert stubbed.get_account_balance()["AvailableBalance"] == "1.23"
        with pytest.raises(stubbed.exceptions.RequestError, match="stubbed"):
            stubbed.get_hit(HITId="ABC")
        stubber.assert_no_pending_responses()
        assert plain.get_account_balance()["AvailableBalance"] == "10000.00"
    assert [call.operation for call in mturk.calls] == ["GetAccountBalance"]
    # Once the stubber is gone the simulator answers that client too.
    assert stubbed.get_account_balance()["AvailableBalance"] == "10000.00"


# -- credentials ---------------------------------------------------------------------------


def test_fake_credentials_only_while_a_simulator_runs(no_credentials):
    before = dict(os.environ)
    with mturk_sim():
        with mturk_sim():  # nested: the fallback is there, and still there after the inner one
            pass
        client = boto3.client("mturk", region_name="sandbox")
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        # Handed out by botocore's credential chain; the environment is untouched.
        assert client._request_signer._credentials.method == "pytest-mturk"
        assert dict(os.environ) == before
    assert dict(os.environ) == before
    # The default session made meanwhile is kept (no reload of service models for
    # every later client) but has forgotten the fake keys.
    assert boto3.DEFAULT_SESSION._session._credentials is None
    later = boto3.client("s3", region_name="us-east-1")
    assert later._request_signer._credentials is None


def test_a_default_session_from_before_forgets_the_fake_credentials(no_credentials):
    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    with mturk_sim():
        boto3.client("mturk", region_name="sandbox").get_account_balance()
    assert boto3.DEFAULT_SESSION is session
    assert boto3.client("s3", region_name="us-east-1")._request_signer._credentials is None


def test_configured_credentials_are_left_alone(no_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    with mturk_sim(access_keys=["AKIAREALKEY000000000"]) as sim:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY000000000"
        boto3.client("mturk", region_name="sandbox").get_account_balance()
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY000000000"
    assert sim.calls[0].ok


def test_a_client_that_found_no_credentials_raises_no_credentials_error(no_credentials):
    client = boto3.session.Session().client("mturk", region_name="sandbox")
    assert client._request_signer._credentials is None
    with mturk_sim() as sim, pytest.raises(NoCredentialsError):
        client.get_account_balance()
    assert sim.calls == []


@pytest.mark.mturk(fake_credentials=False)
def test_no_credentials_inside_the_simulator(mturk, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = botocore.session.Session().create_client("mturk", region_name="sandbox")
    with pytest.raises(NoCredentialsError):
        client.get_account_balance()


@pytest.mark.parametrize("key", ["AKIDEXAMPLE000000000", "AKIA_0123456789ab", "x" * 128])
def test_any_well_formed_keys_are_accepted(mturk, key):
    client = boto3.client(
        "mturk", region_name="sandbox", aws_access_key_id=key, aws_secret_access_key="s"
    )
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def _assert_unrecognized(excinfo, client):
    error = excinfo.value
    assert not isinstance(error, client.exceptions.RequestError)
    assert error.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "TurkErrorCode" not in error.response
    assert str(error) == (
        "An error occurred (UnrecognizedClientException) when calling the "
        "GetAccountBalance operation: The security token included in the request is invalid."
    )


def test_empty_keys_are_refused(mturk):
    client = boto3.client(
        "mturk", region_name="sandbox", aws_access_key_id="", aws_secret_access_key=""
    )
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    _assert_unrecognized(excinfo, client)


@pytest.mark.mturk(access_keys=["AKIDALLOWED", "AKIDOTHER"])
def test_only_the_configured_access_keys_are_accepted(mturk):
    def client_for(key):
        return boto3.client(
            "mturk", region_name="sandbox", aws_access_key_id=key, aws_secret_access_key="s"
        )

    allowed = client_for("AKIDALLOWED")
    assert allowed.get_account_balance()["AvailableBalance"] == "10000.00"
    stranger = client_for("AKIDSTRANGER")
    with pytest.raises(ClientError) as excinfo:
        stranger.get_account_balance()
    _assert_unrecognized(excinfo, stranger)
    with pytest.raises(ClientError) as excinfo:
        stranger.create_hit(**HIT_ARGS)
    assert excinfo.value.response["Error"]["Code"] == "UnrecognizedClientException"
    # Refused calls are logged, and change nothing.
    assert [(c.operation, c.ok) for c in mturk.calls] == [
        ("GetAccountBalance", True),
        ("GetAccountBalance", False),
        ("CreateHIT", False),
    ]
    assert mturk.calls[2].error.type == "UnrecognizedClientException"
    assert len(mturk.hits) == 0


def test_an_unsigned_client_is_refused(mturk):
    client = boto3.client("mturk", region_name="sandbox", config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    assert excinfo.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- sandbox and production ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "environment"),
    [
        ({"region_name": "sandbox"}, "sandbox"),
        ({"region_name": "us-east-1", "endpoint_url": SANDBOX_URL}, "sandbox"),
        ({"region_name": "us-east-1"}, "production"),
        ({"region_name": "us-east-1", "endpoint_url": PRODUCTION_URL}, "production"),
    ],
)
def test_the_endpoint_picks_the_world(mturk, kwargs, environment):
    client = boto3.client("mturk", **kwargs)
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    world = getattr(mturk, environment)
    other = mturk.production if environment == "sandbox" else mturk.sandbox
    assert hit_id in world.hits
    assert hit_id not in other.hits
    assert mturk.calls[0].environment == environment


@pytest.mark.mturk(balance="50.00")
def test_sandbox_and_production_are_separate_worlds(mturk, client, prod_client):
    sandbox_hit = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    production_hit = prod_client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assert [h["HITId"] for h in client.list_hits()["HITs"]] == [sandbox_hit]
    assert [h["HITId"] for h in prod_client.list_hits()["HITs"]] == [production_hit]
    with pytest.raises(prod_client.exceptions.RequestError, match="does not exist"):
        prod_client.get_hit(HITId=sandbox_hit)
    with pytest.raises(client.exceptions.RequestError, match="does not exist"):
        client.get_hit(HITId=production_hit)

    # Work the sandbox HIT through to payment: the sandbox balance never moves.
    worker = mturk.worker("A1B2C3D4E5F6G7")
    for hit_id, api in ((sandbox_hit, client), (production_hit, prod_client)):
        assignment_id = worker.accept(hit_id)
        worker.submit(assignment_id, {"label": "cat"})
        api.approve_assignment(AssignmentId=assignment_id)
        api.send_bonus(
            WorkerId=worker.worker_id,
            BonusAmount="1.00",
            AssignmentId=assignment_id,
            Reason="thanks",
        )
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert mturk.sandbox.balance == 10000
    # Production pays 0.50 + 0.10 fee, a 1.00 bonus + 0.20 fee, and still reserves
    # the two unworked assignments (2 x 0.60).
    assert prod_client.get_account_balance()["AvailableBalance"] == "47.00"


def test_responses_belong_to_the_caller(mturk, client):
    hit = client.create_hit(**HIT_ARGS)
    hit["HIT"]["Title"] = "changed by the caller"
    hit["HIT"]["QualificationRequirements"].append({"QualificationTypeId": "X"})
    hit.pop("ResponseMetadata")
    again = client.get_hit(HITId=hit["HIT"]["HITId"])["HIT"]
    assert again["Title"] == HIT_ARGS["Title"]
    assert again["QualificationRequirements"] == []
    assert mturk.calls[0].response["HIT"]["Title"] == HIT_ARGS["Title"]
