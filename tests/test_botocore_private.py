"""Every private attribute of botocore the door reads still means what the door needs.

``pytest_mturk.doors.botocore.private`` is the one module that reads botocore's
private attributes; each test here calls one of its functions against real clients
and sessions and checks the answer against what botocore itself does with the same
thing. ``.ci/run`` runs this file on the oldest botocore the project supports as
well as on the newest, so a change in botocore shows here first.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import json
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import (
    Credentials,
    DeferredRefreshableCredentials,
    RefreshableCredentials,
)
from botocore.history import get_global_history_recorder
from botocore.stub import Stubber
from botocore.validate import ParamValidationDecorator

from pytest_mturk import mturk_sim
from pytest_mturk.doors.botocore import bootstrap, hooks, private

KEYS = {"aws_access_key_id": "AKIDEXAMPLE00000", "aws_secret_access_key": "secret"}
SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"


def _client(**kwargs: Any) -> Any:
    return boto3.Session(**KEYS).client("mturk", region_name="us-east-1", **kwargs)


def _seen_by_before_call(client: Any, call: str = "get_account_balance", **params: Any) -> Any:
    """What botocore hands a ``before-call`` handler for one call (answered by a simulator,
    so nothing is sent)."""
    seen: dict[str, Any] = {}

    def look(**kwargs: Any) -> None:
        seen.update(kwargs)

    client.meta.events.register_first("before-call.mturk", look)
    with mturk_sim():
        getattr(client, call)(**params)
    return seen


# -- clients ---------------------------------------------------------------------------


def test_every_operation_goes_through_make_api_call():
    client = _client()
    client.__dict__[private.MAKE_API_CALL] = lambda name, params: {"seen": (name, params)}

    assert client.get_hit(HITId="3AAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == {
        "seen": ("GetHIT", {"HITId": "3AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    }


def test_a_client_is_told_from_a_session():
    session = boto3.Session(**KEYS)

    assert private.is_client(session.client("mturk", region_name="us-east-1"))
    assert not private.is_client(session)
    assert not private.is_client(botocore.session.get_session())


def test_botocores_entry_is_found_and_wrapped_on_the_client_class():
    original = private.own_api_call(BaseClient)
    client = _client()

    assert list(inspect.signature(original).parameters) == ["self", "operation_name", "api_params"]
    # The class botocore made for the client defines none: it inherits the entry.
    assert private.own_api_call(type(client)) is None
    # While a simulator runs the guard's wrapper is botocore's entry, then the original again.
    with mturk_sim():
        wrapped = private.own_api_call(BaseClient)
        assert wrapped is not original and wrapped.__wrapped__ is original
    assert private.own_api_call(BaseClient) is original


def test_the_short_ways_entry_hands_over_to_botocores():
    client = _client()
    following = private.next_api_call(client, bootstrap.SimulatedCalls)

    assert bootstrap.SimulatedCalls in type(client).__mro__
    assert following.__self__ is client
    assert following.__func__ is private.own_api_call(BaseClient)


def test_set_api_call_is_what_the_class_then_calls():
    class Probe(BaseClient):  # type: ignore[misc]
        pass

    private.set_api_call(Probe, lambda self, name, params: ("probe", name))

    assert private.own_api_call(Probe)(None, "GetHIT", {}) == ("probe", "GetHIT")


def test_the_serializer_makes_the_body_the_service_receives():
    client = _client()
    model = client.meta.service_model.operation_model("GetHIT")
    serializer = private.serializer(client)

    request = serializer.serialize_to_request({"HITId": "3ABC"}, model)

    assert isinstance(serializer, ParamValidationDecorator)
    assert json.loads(request["body"]) == {"HITId": "3ABC"}
    assert request["headers"]["X-Amz-Target"] == "MTurkRequesterServiceV20170117.GetHIT"


def test_the_serializer_shows_whether_validation_is_on():
    client = _client(config=Config(parameter_validation=False))

    assert not isinstance(private.serializer(client), ParamValidationDecorator)
    assert private.serializer(object()) is None


def test_the_request_signer_is_the_one_botocore_hands_before_call():
    client = _client()

    seen = _seen_by_before_call(client)

    assert seen["request_signer"] is private.request_signer(client)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region_name": "us-east-1"},
        {"region_name": "us-east-1", "endpoint_url": SANDBOX},
        {"region_name": "sandbox"},
    ],
)
def test_the_endpoint_url_is_where_botocore_would_send_the_call(kwargs):
    client = boto3.Session(**KEYS).client("mturk", **kwargs)
    model = client.meta.service_model.operation_model("GetAccountBalance")

    seen = _seen_by_before_call(client)

    # The request's URL is the endpoint's and the operation's path, "/".
    assert private.endpoint_url(client, model) + "/" == seen["params"]["url"]


def test_the_endpoint_is_botocores_own_resolution():
    client = _client(endpoint_url=SANDBOX)
    model = client.meta.service_model.operation_model("GetHIT")
    context = {"client_region": "us-east-1", "client_config": client.meta.config}
    resolved = BaseClient._resolve_endpoint_ruleset(client, model, {}, context)

    assert tuple(private.endpoint(client, model)) == tuple(resolved)
    assert private.endpoint(client, model)[0] == SANDBOX


def test_the_request_context_is_the_one_botocore_makes():
    client = _client()
    model = client.meta.service_model.operation_model("GetAccountBalance")
    seen: list[dict[str, Any]] = []

    def look(context: Any, **kwargs: Any) -> None:
        seen.append(dict(context))  # as botocore made it: no handler has added to it yet

    client.meta.events.register_first("provide-client-params.mturk.GetAccountBalance", look)
    client.meta.events.register_first("before-call.mturk", lambda **kwargs: None)  # whole way
    with mturk_sim():
        client.get_account_balance()
    assert seen == [private.request_context(client, model)]


def test_botocores_own_make_api_call_is_told_from_a_wrapper():
    client = _client()
    function = private.next_api_call_function(client, bootstrap.SimulatedCalls)

    assert function is vars(BaseClient)[private.MAKE_API_CALL]
    assert private.is_botocores_api_call(function)

    def wrapper(self: Any, operation_name: str, api_params: Any) -> Any:
        return function(self, operation_name, api_params)

    assert not private.is_botocores_api_call(wrapper)
    # A class not in the MRO: the whole MRO is looked through.
    first = vars(bootstrap.SimulatedCalls)[private.MAKE_API_CALL]
    assert private.next_api_call_function(client, int) is first


def test_the_unique_ids_are_those_handlers_were_registered_under():
    session = botocore.session.get_session()
    client = session.create_client("mturk", region_name="us-east-1", **KEYS)

    session.register("before-call.mturk", lambda **kwargs: None, unique_id="mine")
    client.meta.events.register("after-call.mturk", lambda **kwargs: None, unique_id="theirs")
    assert "mine" in private.unique_ids(session)
    assert "theirs" in private.unique_ids(client.meta.events)
    assert "theirs" not in private.unique_ids(session)
    assert private.unique_ids(object()) is None


# -- events ----------------------------------------------------------------------------


def test_the_handlers_token_changes_when_a_handler_is_registered():
    client = _client()
    events = client.meta.events
    token = private.handlers_token(events)

    assert token is not None and private.handlers_token(events) is token
    events.register("before-call.mturk.GetHIT", lambda **kwargs: None)
    assert private.handlers_token(events) is not token
    assert private.handlers_token(object()) is None


def test_the_registered_handlers_are_those_botocore_calls():
    client = _client()
    events = client.meta.events

    def mine(**kwargs: Any) -> None:
        return None

    before = private.registered_handlers(events, "before-call.mturk.GetAccountBalance")
    assert hooks.before_call in before and mine not in before
    events.register("before-call.mturk.GetAccountBalance", mine)
    assert mine in private.registered_handlers(events, "before-call.mturk.GetAccountBalance")
    assert mine not in private.registered_handlers(events, "before-call.mturk.GetHIT")
    with Stubber(client) as stubber:
        stubbed = private.registered_handlers(events, "before-call.mturk.GetHIT")
        assert any(getattr(h, "__self__", None) is stubber for h in stubbed)
    with pytest.raises(AttributeError):
        private.registered_handlers(object(), "before-call.mturk.GetHIT")


def test_the_history_recorder_says_when_it_records():
    history = get_global_history_recorder()
    was = private.history_enabled(history)
    try:
        history.enable()
        assert private.history_enabled(history) is True
        history.disable()
        assert private.history_enabled(history) is False
    finally:
        if was:
            history.enable()


def test_the_validation_mode_handler_is_botocores_where_it_has_one():
    handler = private.validation_mode_handler()
    events = _client().meta.events
    built = private.registered_handlers(events, "before-parameter-build.mturk.GetHIT")
    named = [
        h for h in built if getattr(h, "__name__", "") == "_handle_request_validation_mode_member"
    ]

    # Where botocore registers such a handler, it is the one the door knows; else, none.
    assert named == ([handler] if handler is not None else [])


# -- credentials -----------------------------------------------------------------------


def test_the_signers_credentials_are_the_clients_keys():
    client = _client()

    credentials = private.signer_credentials(private.request_signer(client))

    assert isinstance(credentials, Credentials)
    assert (credentials.access_key, credentials.secret_key) == ("AKIDEXAMPLE00000", "secret")
    assert private.signer_credentials(object()) is None


def test_refreshable_credentials_are_read_without_a_refresh():
    def refresh() -> Any:
        raise AssertionError("credentials were refreshed: an STS request in real life")

    expiry = (_dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(hours=1)).isoformat()
    held = RefreshableCredentials.create_from_metadata(
        {"access_key": "AKIDHELD", "secret_key": "s", "token": "t", "expiry_time": expiry},
        refresh_using=refresh,
        method="test",
    )
    deferred = DeferredRefreshableCredentials(refresh_using=refresh, method="test")

    assert private.held_keys(held) == ("AKIDHELD", "s")
    assert private.held_keys(deferred) == (None, None)


def test_the_credential_resolver_is_deferred_until_a_client_needs_it():
    session = botocore.session.get_session()

    factory = private.deferred_component(session, "credential_provider")

    assert callable(factory)
    assert isinstance(factory().providers, list)  # a CredentialResolver
    session.get_component("credential_provider")
    assert private.deferred_component(session, "credential_provider") is None
    assert private.deferred_component(object(), "credential_provider") is None


def test_a_sessions_cached_credentials_are_read_and_forgotten():
    session = botocore.session.get_session()
    session.set_credentials("AKIDCACHED", "secret")
    kept = session.get_credentials()

    assert private.cached_credentials(session) is kept
    assert kept.access_key == "AKIDCACHED"
    private.forget_credentials(session)
    assert private.cached_credentials(session) is None


def test_a_boto3_sessions_botocore_session_is_found():
    session = boto3.Session(**KEYS)
    inner = private.botocore_session(session)

    assert isinstance(inner, botocore.session.Session)
    assert inner.get_credentials().access_key == "AKIDEXAMPLE00000"
    assert private.botocore_session(inner) is inner


def test_aiobotocores_entry_is_found():
    aio = pytest.importorskip("aiobotocore.client")

    assert inspect.iscoroutinefunction(private.own_api_call(aio.AioBaseClient))
