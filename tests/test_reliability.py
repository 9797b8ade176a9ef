"""Faults on demand (through botocore's real retries) and the no-network guarantee."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from conftest import HIT_ARGS

from pytest_mturk import UsageError

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
# Three attempts in all, botocore's "standard" mode, with its back-off delay
# patched to zero below so the tests do not sleep.
FAST_RETRIES = Config(retries={"total_max_attempts": 3, "mode": "standard"})


@pytest.fixture
def retrying(mturk, monkeypatch):
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )
    return boto3.client("mturk", region_name="sandbox", config=FAST_RETRIES)


QUAL = {"Name": "Screened", "Description": "Passed our screen", "QualificationTypeStatus": "Active"}


def test_a_service_fault_is_retried_and_then_succeeds(mturk, retrying):
    mturk.fail_next("GetAccountBalance", "service_fault")
    response = retrying.get_account_balance()
    assert response["AvailableBalance"] == "10000.00"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [(c.operation, c.error and c.error.type) for c in mturk.calls] == [
        ("GetAccountBalance", "ServiceFault"),
        ("GetAccountBalance", None),
    ]


def test_faults_beyond_the_retries_reach_the_caller(mturk, retrying):
    mturk.fail_next("GetHIT", "service_fault", times=3)
    with pytest.raises(retrying.exceptions.ServiceFault) as info:
        retrying.get_hit(HITId="3ABC")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "reached max retries: 2" in str(info.value)
    assert info.value.response["Message"].startswith(
        "We are temporarily unable to process your request. Try your call again. ("
    )
    # The schedule is used up: the next call is answered normally.
    with pytest.raises(retrying.exceptions.RequestError, match="Hit 3ABC does not exist"):
        retrying.get_hit(HITId="3ABC")


def test_throttling_is_retried(mturk, retrying):
    mturk.fail_next("ListHITs", "throttled", times=2)
    assert retrying.list_hits()["ResponseMetadata"]["RetryAttempts"] == 2


def test_throttling_without_retries_is_a_plain_client_error(mturk):
    client = boto3.client("mturk", region_name="sandbox", config=NO_RETRIES)
    mturk.fail_next("ListHITs", "throttled")
    with pytest.raises(ClientError) as info:
        client.list_hits()
    assert info.value.response["Error"] == {
        "Code": "ThrottlingException",
        "Message": "Rate exceeded",
    }


def test_a_lost_response_makes_the_retry_meet_the_first_call(mturk, retrying):
    """The classic duplicate-on-retry bug: the type was created, the answer was lost,
    and botocore's retry is told it already exists."""
    mturk.fail_next("CreateQualificationType", "lost")
    with pytest.raises(retrying.exceptions.RequestError) as info:
        retrying.create_qualification_type(**QUAL)
    assert info.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
    )
    assert [q.name for q in mturk.qualification_types.values()] == ["Screened"]


def test_the_usual_fix_for_the_duplicate_on_retry_bug_works(mturk, retrying):
    def ensure_type(client):
        try:
            return client.create_qualification_type(**QUAL)["QualificationType"]
        except client.exceptions.RequestError as exc:
            if "already created a QualificationType with this name" not in str(exc):
                raise
        found = client.list_qualification_types(
            Query=QUAL["Name"], MustBeRequestable=False, MustBeOwnedByCaller=True
        )["QualificationTypes"]
        return next(q for q in found if q["Name"] == QUAL["Name"])

    mturk.fail_next("CreateQualificationType", "lost")
    qualification = ensure_type(retrying)
    assert qualification["QualificationTypeId"] in mturk.qualification_types


def test_a_lost_response_without_retries_is_a_read_timeout(mturk):
    client = boto3.client("mturk", region_name="sandbox", config=NO_RETRIES)
    mturk.fail_next("CreateHIT", "lost")
    with pytest.raises(ReadTimeoutError):
        client.create_hit(**HIT_ARGS)
    # ...but the HIT exists: the service did the work.
    assert len(mturk.hits) == 1


def test_a_unique_request_token_makes_a_lost_create_hit_safe_to_retry(mturk, retrying):
    mturk.fail_next("CreateHIT", "lost")
    with pytest.raises(retrying.exceptions.RequestError) as info:
        retrying.create_hit(**HIT_ARGS, UniqueRequestToken="batch-1-item-7")
    (hit_id,) = mturk.hits
    assert info.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.HitAlreadyExists"
    assert hit_id in info.value.response["Message"]


def test_answers_sent_as_bytes_parse_as_the_direct_ones(mturk, retrying):
    hit = retrying.create_hit(**HIT_ARGS)["HIT"]
    direct = retrying.get_hit(HITId=hit["HITId"])
    mturk.fail_next("GetHIT", "service_fault")
    via_the_wire = retrying.get_hit(HITId=hit["HITId"])
    assert via_the_wire["HIT"] == direct["HIT"]
    assert via_the_wire["HIT"]["CreationTime"].tzinfo == direct["HIT"]["CreationTime"].tzinfo


def test_fail_next_refuses_what_it_cannot_do(mturk):
    with pytest.raises(UsageError, match="fault must be one of"):
        mturk.fail_next("CreateHIT", "meteor")
    with pytest.raises(UsageError, match="at least 1"):
        mturk.fail_next("CreateHIT", times=0)
    with pytest.raises(UsageError) as unknown:
        mturk.fail_next("get_hits")
    message = str(unknown.value)
    assert message.startswith(
        "'get_hits' is not an MTurk operation (did you mean 'get_hit'?). Name one as "
        "boto3's client method or as the API does: accept_qualification_request "
        "(AcceptQualificationRequest), approve_assignment (ApproveAssignment), "
    )
    # Both names of each of the 39 operations are listed.
    methods = boto3.client("mturk", region_name="us-east-1").meta.method_to_api_mapping
    assert len(methods) == 39
    for method, api in methods.items():
        assert f"{method} ({api})" in message
    assert mturk.calls == []
    assert not mturk._service.faults  # nothing scheduled by a refusal


def test_fail_next_takes_boto3s_method_names_too(mturk):
    client = boto3.client("mturk", region_name="sandbox", config=NO_RETRIES)
    mturk.fail_next("list_hits", "throttled")
    with pytest.raises(ClientError) as info:
        client.list_hits()
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    assert client.list_hits()["NumResults"] == 0  # the one fault is used up
    # Every method of boto3's client names its operation, as the API's own name does.
    for method, api in client.meta.method_to_api_mapping.items():
        mturk.fail_next(method)
        mturk.fail_next(api)
        assert mturk._service.faults.pop(api) == ["service_fault", "service_fault"]


SAFETY_SUITE = """
import boto3, pytest

QUESTION = '''%s'''

def test_production_endpoint_never_reaches_the_network():
    client = boto3.client(
        "mturk", region_name="us-east-1",
        endpoint_url="https://mturk-requester.us-east-1.amazonaws.com",
    )
    hit = client.create_hit(Title="t", Description="d", Reward="0.10",
                            LifetimeInSeconds=60, AssignmentDurationInSeconds=60,
                            Question=QUESTION)["HIT"]
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"

def test_a_fault_injected_call_stays_in_process():
    import pytest_mturk
    pytest_mturk.current().fail_next("GetAccountBalance", "service_fault")
    client = boto3.client("mturk", region_name="us-east-1")
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
"""


def test_with_the_flag_no_mturk_request_leaves_the_process(pytester):
    from conftest import EXTERNAL_QUESTION

    pytester.makepyfile(SAFETY_SUITE % EXTERNAL_QUESTION)
    result = pytester.runpytest_subprocess(
        "--mturk-sim", "--disable-socket", "-p", "no:randomly", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)


def test_without_the_flag_a_forgotten_fixture_behaves_as_without_the_plugin(pytester):
    pytester.makepyfile(
        """
        import boto3, pytest
        from botocore.config import Config

        def test_goes_to_the_network():
            client = boto3.client("mturk", region_name="us-east-1",
                                  aws_access_key_id="AKID", aws_secret_access_key="secret",
                                  config=Config(retries={"max_attempts": 1}))
            with pytest.raises(Exception) as info:
                client.get_account_balance()
            # botocore wraps pytest-socket's refusal: the request really tried the network.
            assert "A test tried to use socket" in str(info.value)
        """
    )
    result = pytester.runpytest_subprocess(
        "--disable-socket",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::UserWarning",
    )
    result.assert_outcomes(passed=1)
