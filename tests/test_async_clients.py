"""aiobotocore and aioboto3 clients are answered exactly like boto3's (the ``async`` extra)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import NoCredentialsError, ParamValidationError, ReadTimeoutError
from conftest import HIT_ARGS

from pytest_mturk import mturk_sim

aiobotocore_session = pytest.importorskip("aiobotocore.session")
aioboto3 = pytest.importorskip("aioboto3")

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
FAST_RETRIES = Config(retries={"total_max_attempts": 3, "mode": "standard"})
QUAL = {"Name": "Screened", "Description": "Passed our screen", "QualificationTypeStatus": "Active"}


def _aiobotocore(config: Config | None = None) -> Any:
    return aiobotocore_session.get_session().create_client(
        "mturk", region_name="us-east-1", config=config
    )


def _aioboto3(config: Config | None = None) -> Any:
    return aioboto3.Session().client("mturk", region_name="us-east-1", config=config)


DOORS = {"aiobotocore": _aiobotocore, "aioboto3": _aioboto3}


def run_with(make: Callable[..., Any], body: Callable[[Any], Awaitable[Any]], **kw: Any) -> Any:
    """Run ``body(client)`` on a fresh async client, in a fresh event loop."""

    async def main() -> Any:
        async with make(**kw) as client:
            return await body(client)

    return asyncio.run(main())


@pytest.fixture
def retrying(mturk, monkeypatch):
    # botocore's standard back-off, which aiobotocore's retry handler uses, made instant.
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )


@pytest.mark.parametrize("door", DOORS)
def test_a_hit_lifecycle(mturk, door):
    worker = mturk.worker("AWORKER0000001")

    async def body(client: Any) -> None:
        hit = (await client.create_hit(**HIT_ARGS))["HIT"]
        got = (await client.get_hit(HITId=hit["HITId"]))["HIT"]
        assert got["HITId"] == hit["HITId"]
        assert got["Title"] == HIT_ARGS["Title"]
        listed = (await client.list_hits())["HITs"]
        assert [h["HITId"] for h in listed] == [hit["HITId"]]
        assignment_id = worker.accept(hit["HITId"])
        worker.submit(assignment_id, {"q": "a cat"})
        found = await client.list_assignments_for_hit(HITId=hit["HITId"])
        assert [a["AssignmentId"] for a in found["Assignments"]] == [assignment_id]
        assert found["Assignments"][0]["AssignmentStatus"] == "Submitted"
        await client.approve_assignment(AssignmentId=assignment_id)
        done = (await client.get_assignment(AssignmentId=assignment_id))["Assignment"]
        assert done["AssignmentStatus"] == "Approved"

    run_with(DOORS[door], body)
    assert [c.error for c in mturk.calls] == [None] * len(mturk.calls)


@pytest.mark.parametrize("door", DOORS)
def test_a_request_error_is_the_modelled_exception_with_the_sync_response(mturk, door, prod_client):
    # A production client, as the async ones are: the sandbox stamps its messages otherwise.
    with pytest.raises(prod_client.exceptions.RequestError) as sync:
        prod_client.get_hit(HITId="3NOSUCHHIT")

    async def body(aclient: Any) -> Any:
        with pytest.raises(aclient.exceptions.RequestError) as info:
            await aclient.get_hit(HITId="3NOSUCHHIT")
        return info.value.response

    response = run_with(DOORS[door], body)
    assert response["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
    assert _without_ids(response) == _without_ids(sync.value.response)


def test_a_missing_parameter_is_refused_before_the_call(mturk):
    async def body(client: Any) -> None:
        with pytest.raises(ParamValidationError, match="HITId"):
            await client.get_hit()

    run_with(_aiobotocore, body)
    assert mturk.calls == []


def test_after_call_handlers_can_await_the_body(mturk):
    """aiobotocore awaits a response's content; the answered call's is the service's JSON."""
    seen: list[bytes] = []

    async def body(client: Any) -> None:
        async def after_call(http_response: Any, **kwargs: Any) -> None:
            seen.append(await http_response.content)
            assert (await http_response.text).startswith("{")

        client.meta.events.register("after-call.mturk.GetAccountBalance", after_call)
        await client.get_account_balance()

    run_with(_aiobotocore, body)
    assert seen == [b'{"AvailableBalance":"10000.00"}']


@pytest.mark.parametrize("door", DOORS)
def test_a_service_fault_is_retried_and_then_succeeds(mturk, retrying, door):
    mturk.fail_next("GetAccountBalance", "service_fault")

    async def body(client: Any) -> Any:
        return await client.get_account_balance()

    response = run_with(DOORS[door], body, config=FAST_RETRIES)
    assert response["AvailableBalance"] == "10000.00"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [(c.operation, c.error and c.error.type) for c in mturk.calls] == [
        ("GetAccountBalance", "ServiceFault"),
        ("GetAccountBalance", None),
    ]


def test_throttling_is_retried(mturk, retrying):
    mturk.fail_next("ListHITs", "throttled", times=2)

    async def body(client: Any) -> Any:
        return await client.list_hits()

    response = run_with(_aiobotocore, body, config=FAST_RETRIES)
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_a_lost_response_makes_the_retry_meet_the_first_call(mturk, retrying):
    mturk.fail_next("CreateQualificationType", "lost")

    async def body(client: Any) -> Any:
        with pytest.raises(client.exceptions.RequestError) as info:
            await client.create_qualification_type(**QUAL)
        return info.value.response

    response = run_with(_aiobotocore, body, config=FAST_RETRIES)
    assert response["TurkErrorCode"] == "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
    assert [q.name for q in mturk.qualification_types.values()] == ["Screened"]


def test_a_lost_response_without_retries_is_a_read_timeout(mturk):
    mturk.fail_next("CreateHIT", "lost")

    async def body(client: Any) -> None:
        with pytest.raises(ReadTimeoutError):
            await client.create_hit(**HIT_ARGS)

    run_with(_aiobotocore, body, config=NO_RETRIES)
    assert len(mturk.hits) == 1


@pytest.mark.parametrize("door", DOORS)
def test_the_fallback_credentials_reach_async_sessions(bare, network, door):
    async def body(client: Any) -> Any:
        return await client.get_account_balance()

    with mturk_sim() as sim:
        assert run_with(DOORS[door], body)["AvailableBalance"] == "10000.00"
        # A fault's let-through request is unsigned, so signing never awaits the keys.
        sim.fail_next("GetAccountBalance", "service_fault")
        with pytest.raises(Exception, match="ServiceFault"):
            run_with(DOORS[door], body, config=NO_RETRIES)
    assert network == []


@pytest.mark.parametrize("door", DOORS)
def test_without_the_fallback_an_async_client_gets_no_credentials_error(bare, network, door):
    async def body(client: Any) -> None:
        with pytest.raises(NoCredentialsError):
            await client.get_account_balance()

    with mturk_sim(fake_credentials=False) as sim:
        run_with(DOORS[door], body)
    assert sim.calls == []
    assert network == []


def test_the_callers_own_async_keys_are_judged(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "short")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")

    async def body(client: Any) -> Any:
        with pytest.raises(client.exceptions.ClientError) as info:
            await client.get_account_balance()
        return info.value.response["Error"]["Code"]

    with mturk_sim():
        assert run_with(_aiobotocore, body) == "UnrecognizedClientException"


def test_deferred_async_credentials_are_never_refreshed(mturk):
    """An assume-role or SSO session's keys come from a coroutine (an STS request):
    a simulated call, answered or let through for a fault, must not await it."""
    credentials_module = pytest.importorskip("aiobotocore.credentials")
    refreshes: list[int] = []

    async def refresh() -> dict[str, Any]:
        refreshes.append(1)
        raise AssertionError("the credentials were refreshed")

    async def body(client: Any) -> Any:
        first = await client.get_account_balance()
        mturk.fail_next("GetAccountBalance", "service_fault")
        with pytest.raises(client.exceptions.ServiceFault):
            await client.get_account_balance()
        return first

    async def main() -> Any:
        session = aiobotocore_session.get_session()
        session._credentials = credentials_module.AioDeferredRefreshableCredentials(
            refresh_using=refresh, method="assume-role"
        )
        async with session.create_client("mturk", region_name="us-east-1", config=NO_RETRIES) as c:
            return await body(c)

    assert asyncio.run(main())["AvailableBalance"] == "10000.00"
    assert refreshes == []


# -- parity: the same calls, sync and async, on two simulators with the same seed ---------


def _without_ids(value: Any) -> Any:
    """A response without what differs between any two calls (request IDs, dates)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _script(call: Callable[..., Any]) -> Any:
    """The calls both clients make; ``call(name, **params)`` returns a response or an error."""

    async def run() -> list[Any]:
        out = [await call("create_hit", **HIT_ARGS)]
        hit_id = out[0]["HIT"]["HITId"]
        out.append(await call("get_hit", HITId=hit_id))
        out.append(await call("list_hits"))
        out.append(await call("create_qualification_type", **QUAL))
        out.append(await call("get_hit", HITId="3NOSUCHHIT"))
        out.append(await call("get_account_balance"))
        return out

    return run


def test_sync_and_async_clients_get_equal_responses():
    with mturk_sim(seed=7, start="2026-01-05T09:00:00+00:00"):
        client = boto3.client("mturk", region_name="us-east-1")

        async def sync_call(name: str, **params: Any) -> Any:
            try:
                return getattr(client, name)(**params)
            except client.exceptions.ClientError as exc:
                return exc.response

        synced = asyncio.run(_script(sync_call)())

    with mturk_sim(seed=7, start="2026-01-05T09:00:00+00:00"):

        async def main() -> list[Any]:
            async with _aiobotocore() as aclient:

                async def async_call(name: str, **params: Any) -> Any:
                    try:
                        return await getattr(aclient, name)(**params)
                    except aclient.exceptions.ClientError as exc:
                        return exc.response

                return await _script(async_call)()

        awaited = asyncio.run(main())

    assert _without_ids(awaited) == _without_ids(synced)
    assert awaited[0]["HIT"]["HITId"] == synced[0]["HIT"]["HITId"]


def test_the_plugin_does_not_import_aiobotocore():
    code = (
        "import sys, boto3, pytest_mturk\n"
        "from pytest_mturk import mturk_sim\n"
        "with mturk_sim() as sim:\n"
        "    sim.client().get_account_balance()\n"
        "assert 'aiobotocore' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
