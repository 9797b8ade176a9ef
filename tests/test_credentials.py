"""Credentials and region: what a client is told, and what it never causes.

Real suites test their "bad credentials" and "no credentials configured" paths,
and run on machines whose AWS configuration the simulator cannot know: it must
answer like the service, never write the environment, and never let a call
reach the network (instance metadata, STS).
"""

from __future__ import annotations

import datetime as _dt
import os
import re

import boto3
import botocore
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError
from conftest import HIT_ARGS

from pytest_mturk import UsageError, mturk_sim
from pytest_mturk.doors.botocore import bootstrap

GOOD_KEY = "AKIDEXAMPLE000000000"
ROLE_CONFIG = """\
[default]
role_arn = arn:aws:iam::123456789012:role/pipeline
source_profile = base

[profile base]
region = us-east-1
"""
BASE_CREDENTIALS = """\
[base]
aws_access_key_id = AKIDBASEPROFILE0000
aws_secret_access_key = base-secret
"""


def _client(key, secret="secret", **kwargs):
    return boto3.Session().client(
        "mturk",
        region_name="sandbox",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        **kwargs,
    )


def _assert_unrecognized(excinfo):
    response = excinfo.value.response
    assert response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- access key IDs that cannot exist ------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "foo",
        "fake key id",
        "AKIDEXAMPLE",
        "A" * 15,
        "A" * 129,
        "AKIA-EXAMPLE-000000",
        "AKÏD00000000000000",
    ],
)
def test_an_access_key_id_that_cannot_exist_is_refused(mturk, key):
    client = _client(key)
    with pytest.raises(ClientError) as excinfo:
        client.create_hit(**HIT_ARGS)
    _assert_unrecognized(excinfo)
    assert [(call.operation, call.error.type) for call in mturk.calls] == [
        ("CreateHIT", "UnrecognizedClientException")
    ]
    assert len(mturk.hits) == 0


@pytest.mark.parametrize("key", ["A" * 16, "A" * 128, "AKIA_0123456789abcdef", GOOD_KEY])
def test_any_well_formed_access_key_id_is_accepted(mturk, key):
    assert _client(key).get_account_balance()["AvailableBalance"] == "10000.00"


@pytest.mark.mturk(access_keys=["AKIDLISTED"])
def test_with_an_allow_list_only_its_keys_exist(mturk):
    # The list says which keys exist: a listed key is taken as it is written.
    assert _client("AKIDLISTED").get_account_balance()["AvailableBalance"] == "10000.00"
    with pytest.raises(ClientError) as excinfo:
        _client(GOOD_KEY).get_account_balance()
    _assert_unrecognized(excinfo)


# -- the fallback: botocore's credential chain, never the environment ----------------------


def test_a_client_with_no_configuration_works_and_the_environment_is_untouched(bare):
    before = dict(os.environ)
    with mturk_sim() as sim:
        client = boto3.client("mturk")  # no keys, no region anywhere
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        assert dict(os.environ) == before
    assert dict(os.environ) == before
    # MTurk's only region: the production endpoint, as AWS_DEFAULT_REGION=us-east-1 gave.
    assert client.meta.region_name == "us-east-1"
    assert [(call.operation, call.environment) for call in sim.calls] == [
        ("GetAccountBalance", "production")
    ]
    # Both fallbacks end with the simulator.
    with pytest.raises(NoRegionError):
        boto3.Session().client("mturk")
    assert boto3.Session().get_credentials() is None


def test_code_that_reads_its_keys_from_the_environment_sees_its_own(bare, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOWNKEY0000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "own-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sandbox")
    with mturk_sim(access_keys=["AKIAOWNKEY0000000000"]) as sim:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAOWNKEY0000000000"
        client = boto3.client("mturk")
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert client.meta.region_name == "sandbox"
    assert client._request_signer._credentials.access_key == "AKIAOWNKEY0000000000"
    assert sim.calls[0].ok


def test_without_keys_the_fallback_is_handed_out_only_while_a_simulator_runs(bare):
    with mturk_sim():
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        session = boto3.Session(region_name="sandbox")
        credentials = session.get_credentials()
        assert credentials is not None and credentials.method == "pytest-mturk"
        # Well formed, so the simulator's own key check accepts it.
        assert session.client("mturk").get_account_balance()["AvailableBalance"] == "10000.00"
    assert session.get_credentials() is None


def test_the_default_session_from_before_the_import_gets_the_fallback_too(bare):
    botocore.unregister_initializer(bootstrap.prepare_session)
    try:
        boto3.setup_default_session()  # as if made before pytest_mturk was imported
    finally:
        botocore.register_initializer(bootstrap.prepare_session)
    with pytest.raises(NoRegionError):
        boto3.client("mturk")
    with mturk_sim():
        assert boto3.client("mturk").get_account_balance()["AvailableBalance"] == "10000.00"


# -- the fallback key: one nobody lists, refused with what happened -------------------------

# AWS's documented example key: what suites most often list as the one their configuration holds.
EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"


def test_the_fallback_key_is_well_formed_and_nobody_s(bare):
    with mturk_sim() as sim:
        client = boto3.Session().client("mturk", region_name="sandbox")
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        key = client._request_signer._credentials.access_key
    assert key != EXAMPLE_KEY
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key) and "PYTESTMTURK" in key
    assert sim.calls[0].ok


def test_with_listed_keys_the_fallback_is_refused_saying_why(bare, network):
    with mturk_sim(access_keys=[EXAMPLE_KEY]) as sim:
        configured = _client(EXAMPLE_KEY)
        assert configured.get_account_balance()["AvailableBalance"] == "10000.00"
        unconfigured = boto3.Session().client("mturk", region_name="sandbox")
        with pytest.raises(ClientError) as excinfo:
            unconfigured.create_hit(**HIT_ARGS)
        # Another key than the listed ones: the service's own words, as ever.
        with pytest.raises(ClientError) as other:
            _client(GOOD_KEY).get_account_balance()
    _assert_unrecognized(other)
    response = excinfo.value.response
    # The service's code and status, for code that checks them; a message that says what
    # happened and what to do, for the person reading it.
    assert response["Error"]["Code"] == "UnrecognizedClientException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = response["Error"]["Message"]
    assert message.startswith("The security token included in the request is invalid. ")
    assert "No AWS credentials were configured for this client" in message
    assert "fake_credentials=False" in message and "mturk_fake_credentials = false" in message
    assert [call.ok for call in sim.calls] == [True, False, False]
    assert len(sim.hits) == 0 and network == []


FALLBACK_REFUSED = """
import boto3, pytest
from botocore.exceptions import ClientError, NoCredentialsError

def client():
    return boto3.client("mturk", region_name="sandbox")

def test_refused(mturk):
    with pytest.raises(ClientError) as excinfo:
        client().get_account_balance()
    error = excinfo.value.response["Error"]
    assert error["Code"] == "UnrecognizedClientException"
    assert "No AWS credentials were configured" in error["Message"]

@pytest.mark.mturk(fake_credentials=False)
def test_off(mturk):
    with pytest.raises(NoCredentialsError):
        client().get_account_balance()

def test_listed(mturk, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert client().get_account_balance()["AvailableBalance"] == "10000.00"
"""


def test_a_suite_that_lists_its_key_tells_no_credentials_from_its_key(bare, pytester):
    pytester.makeini("[pytest]\nmturk_access_keys = AKIAIOSFODNN7EXAMPLE\n")
    pytester.makepyfile(test_inner=FALLBACK_REFUSED)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


# -- never the network ---------------------------------------------------------------------


def test_a_region_only_config_never_makes_botocore_ask_instance_metadata(bare, network):
    (bare / ".aws").mkdir()
    (bare / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    with mturk_sim() as sim:
        client = boto3.client("mturk")
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert network == []
    assert sim.calls[0].ok
    # With no simulator botocore's chain is its own again: it asks instance metadata.
    assert boto3.Session().get_credentials() is None
    assert network != []


@pytest.fixture
def role_profile(bare, monkeypatch):
    """A default profile that assumes a role: its keys come from STS, over the network."""
    config, credentials = bare / "config", bare / "credentials"
    config.write_text(ROLE_CONFIG)
    credentials.write_text(BASE_CREDENTIALS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_a_role_profile_never_makes_a_call_ask_sts(role_profile, network):
    with mturk_sim() as sim:
        client = boto3.client("mturk", config=Config(retries={"total_max_attempts": 3}))
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        # With a fault scheduled the call is sent through botocore's retries:
        # still no signing, so still no STS request.
        sim.fail_next("GetAccountBalance")
        response = client.get_account_balance()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert network == []
    assert [call.ok for call in sim.calls] == [True, False, True]
    assert client._request_signer._credentials.method == "assume-role"


def test_with_an_allow_list_role_credentials_not_fetched_yet_are_refused(role_profile, network):
    # The temporary key STS would issue cannot be on a list written in advance.
    with mturk_sim(access_keys=["AKIDBASEPROFILE0000"]):
        client = boto3.client("mturk")
        with pytest.raises(ClientError) as excinfo:
            client.get_account_balance()
    _assert_unrecognized(excinfo)
    assert network == []


class _Expired(CredentialProvider):
    """Refreshable credentials whose refresh must never be called by a simulated call."""

    METHOD = "expired-test"

    def __init__(self, key):
        self.key = key
        self.refreshes = 0

    def _refresh(self):
        self.refreshes += 1
        raise AssertionError("the simulator made botocore refresh credentials")

    def load(self):
        return RefreshableCredentials(
            self.key,
            "secret",
            "token",
            _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc),
            self._refresh,
            self.METHOD,
        )


@pytest.mark.parametrize(("key", "accepted"), [(GOOD_KEY, True), ("foo", False)])
def test_refreshable_credentials_are_checked_as_held_never_refreshed(mturk, key, accepted):
    provider = _Expired(key)
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver([provider]))
    client = session.create_client("mturk", region_name="sandbox")
    if accepted:
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    else:
        with pytest.raises(ClientError) as excinfo:
            client.get_account_balance()
        _assert_unrecognized(excinfo)
    assert provider.refreshes == 0


# -- fake_credentials=False: the suite's own "no credentials" path -------------------------


def test_without_the_fallback_a_client_gets_no_credentials_error(bare, network):
    with mturk_sim(fake_credentials=False) as sim:
        session = boto3.Session(region_name="sandbox")
        assert session.get_credentials() is None
        with pytest.raises(NoCredentialsError):
            session.client("mturk").get_account_balance()
    assert sim.calls == []
    assert network == []


def test_an_inner_simulator_without_the_fallback_takes_it_back(bare):
    with mturk_sim():
        session = boto3.Session(region_name="sandbox")
        handed = session.client("mturk")
        assert handed.get_account_balance()["AvailableBalance"] == "10000.00"
        with mturk_sim(fake_credentials=False) as inner:
            assert session.get_credentials() is None
            for client in (handed, session.client("mturk")):
                with pytest.raises(NoCredentialsError):
                    client.get_account_balance()
        assert inner.calls == []


def test_fake_credentials_must_be_a_bool():
    with pytest.raises(UsageError, match="fake_credentials must be True or False"):
        mturk_sim(fake_credentials="no")


# -- unsigned clients, with and without a fault scheduled ----------------------------------


def test_an_unsigned_client_is_refused_even_when_a_fault_is_scheduled(mturk):
    client = boto3.client(
        "mturk",
        region_name="sandbox",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 3}),
    )
    mturk.fail_next("GetAccountBalance")
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    assert excinfo.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [call.ok for call in mturk.calls] == [False]
    # The fault is still there for the next caller the service lets in.
    signed = _client(GOOD_KEY, config=Config(retries={"total_max_attempts": 3}))
    assert signed.get_account_balance()["ResponseMetadata"]["RetryAttempts"] == 1


def test_a_malformed_key_is_refused_even_when_a_fault_is_scheduled(mturk):
    client = _client("foo", config=Config(retries={"total_max_attempts": 3}))
    mturk.fail_next("GetAccountBalance", "throttled")
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    _assert_unrecognized(excinfo)


# -- the plugin: marker, ini and flag ------------------------------------------------------

INNER_HELPERS = """
import boto3, pytest
from botocore.exceptions import NoCredentialsError

def balance():
    return boto3.client("mturk", region_name="sandbox").get_account_balance()
"""
INNER = (
    INNER_HELPERS
    + """
def test_plain(mturk):
    balance()

@pytest.mark.mturk(fake_credentials=False)
def test_marked_off(mturk):
    with pytest.raises(NoCredentialsError):
        balance()

@pytest.mark.mturk(fake_credentials=True)
def test_marked_on(mturk):
    balance()
"""
)
NOT_ASKING = (
    INNER_HELPERS
    + """
def test_not_asking_for_the_fixture():
    with pytest.raises(NoCredentialsError):
        balance()
"""
)


def test_the_ini_option_and_the_marker(bare, pytester):
    pytester.makeini("[pytest]\nmturk_fake_credentials = false\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest("-p", "no:randomly")
    # The marker beats the ini file: only the unmarked test loses the fallback.
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_plain*NoCredentialsError*"])


def test_the_ini_option_reaches_the_flags_simulators(bare, pytester):
    pytester.makeini("[pytest]\nmturk_fake_credentials = false\n")
    pytester.makepyfile(test_inner=NOT_ASKING)
    pytester.runpytest("--mturk-sim", "-p", "no:randomly").assert_outcomes(passed=1)
