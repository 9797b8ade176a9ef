"""Every read of botocore's private attributes, in one place.

botocore promises nothing about names that start with an underscore, and the
door needs a few of them: to answer a call without the request botocore would
build (the short way), to read a client's credentials without fetching them,
and to reach clients made before the import. Each is read here by a small
function that says what it reads and the botocore versions it was checked on;
``tests/test_botocore_private.py`` calls every one against real clients, and
``.ci/run`` runs that test on the oldest botocore the project supports as well
as on the newest. When botocore changes one of them, this module and that test
are where it shows.

Checked on botocore 1.31.85 (the oldest supported: ``botocore>=1.31``), 1.40.61
(the one aiobotocore 2.25 pins) and 1.44.18.

Nothing here imports botocore: :mod:`~pytest_mturk.doors.botocore.bootstrap`, which
pytest imports at start-up, uses it too (once botocore is in use).
"""

from __future__ import annotations

import sys
from typing import Any

# botocore's client entry: every operation method of a client calls
# ``self._make_api_call(operation_name, params)``. The bootstrap's SimulatedCalls
# overrides it and the guard wraps it (botocore's and aiobotocore's).
MAKE_API_CALL = "_make_api_call"


# -- clients ---------------------------------------------------------------------------


def is_client(target: Any) -> bool:
    """Whether ``target`` is a botocore client (not a session): it has events and the
    entry every operation goes through. Checked on botocore 1.31, 1.40 and 1.44."""
    return getattr(getattr(target, "meta", None), "events", None) is not None and hasattr(
        target, MAKE_API_CALL
    )


def own_api_call(cls: type) -> Any:
    """The ``_make_api_call`` that ``cls`` defines itself (not inherited), or ``None``.
    Checked on botocore 1.31, 1.40 and 1.44 (``BaseClient``) and aiobotocore 2.25
    (``AioBaseClient``, a coroutine function)."""
    return vars(cls).get(MAKE_API_CALL)


def set_api_call(cls: type, function: Any) -> None:
    """Make ``function`` the ``_make_api_call`` of ``cls`` (the guard's wrapper, or the
    original put back). Checked on botocore 1.31, 1.40 and 1.44."""
    setattr(cls, MAKE_API_CALL, function)


def next_api_call(client: Any, after: type) -> Any:
    """``client``'s ``_make_api_call`` as the classes after ``after`` in its MRO define
    it (``super()``'s, from ``after``): botocore's own, bound. Checked on botocore 1.31,
    1.40 and 1.44."""
    return getattr(super(after, client), MAKE_API_CALL)


def next_api_call_function(client: Any, after: type) -> Any:
    """The function ``client``'s ``_make_api_call`` resolves to after ``after`` in its MRO
    (all of it, for a class without ``after``), unbound: botocore's
    ``BaseClient._make_api_call``, or whatever replaced it there.
    Checked on botocore 1.31 and 1.44 (1.40: CI's async run)."""
    mro = type(client).__mro__
    for cls in mro[mro.index(after) + 1 if after in mro else 0 :]:
        function = vars(cls).get(MAKE_API_CALL)
        if function is not None:
            return function
    return None


def is_botocores_api_call(function: Any) -> bool:
    """Whether ``function`` is botocore's own ``BaseClient._make_api_call`` (in 1.44
    wrapped by ``botocore.context.with_current_context``), rather than a wrapper
    put there by a tracer (Sentry's, ddtrace's, X-Ray's, OpenTelemetry's; wrapt's
    wrappers pass for functions by name, not by type). Checked on botocore 1.31,
    1.40 and 1.44."""
    return (
        type(function) is _FUNCTION
        and function.__module__ == "botocore.client"
        and function.__qualname__ == f"BaseClient.{MAKE_API_CALL}"
    )


_FUNCTION = type(is_client)


def serializer(client: Any) -> Any:
    """The client's request serializer (``client._serializer``), or ``None``.

    A ``botocore.validate.ParamValidationDecorator`` around the protocol's
    serializer when parameter validation is on (``Config(parameter_validation=True)``,
    the default), the bare serializer when it is off: ``meta.config`` does not
    show the setting, the serializer does. Its ``serialize_to_request(params,
    operation_model)`` gives the request dict whose ``body`` is the JSON the
    service receives. Checked on botocore 1.31, 1.40 and 1.44.
    """
    return getattr(client, "_serializer", None)


def validation_parts(decorator: Any) -> tuple[Any, Any]:
    """A ``ParamValidationDecorator``'s validator and the serializer it decorates
    (``_param_validator``, ``_serializer``). Checked on botocore 1.31 and 1.44 (1.40: CI's
    async run)."""
    return decorator._param_validator, decorator._serializer


def set_serializer(client: Any, serializer: Any) -> None:
    """Make ``serializer`` the client's request serializer (``client._serializer``), which
    botocore's ``_convert_to_request_dict`` calls. Checked on botocore 1.31 and 1.44 (1.40:
    CI's async run)."""
    client._serializer = serializer


def request_signer(client: Any) -> Any:
    """The client's ``RequestSigner`` (``client._request_signer``): the one botocore
    hands ``before-call`` handlers as ``request_signer``. Checked on botocore 1.31, 1.40
    and 1.44."""
    return client._request_signer


RESOLVE_ENDPOINT = "_resolve_endpoint_ruleset"


def endpoint(client: Any, model: Any) -> Any:
    """What botocore's endpoint rules give ``client`` for ``model`` with no call
    parameters, or ``None`` for a client without them (older botocore).

    ``client._resolve_endpoint_ruleset(operation_model, params, request_context)``
    returns ``(url, headers)`` in botocore 1.31 and ``(url, headers, properties)`` in
    1.40 and 1.44. The bootstrap's ``SimulatedCalls`` overrides it (see
    ``short_way.known_endpoint``): botocore's own is asked here. Checked on botocore
    1.31 and 1.44 (1.40: CI's async run).
    """
    from .bootstrap import SimulatedCalls

    owner: Any = super(SimulatedCalls, client) if isinstance(client, SimulatedCalls) else client
    resolve = getattr(owner, RESOLVE_ENDPOINT, None)
    if resolve is None:
        return None
    context = {"client_region": client.meta.region_name, "client_config": client.meta.config}
    return resolve(model, {}, context)


def endpoint_url(client: Any, model: Any) -> str:
    """The URL ``client`` would send ``model``'s calls to.

    MTurk's endpoint rules depend on the client alone (its region, its
    ``endpoint_url``, FIPS settings), so the URL botocore's resolver gives with no
    call parameters is the call's (:func:`endpoint`); a client without the rules
    (older botocore) has its URL on ``meta``. Checked on botocore 1.31, 1.40 and 1.44.
    """
    resolved = endpoint(client, model)
    if resolved is None:
        return str(client.meta.endpoint_url)
    return str(resolved[0])


def request_context(client: Any, model: Any) -> dict[str, Any] | None:
    """The request context botocore's ``_make_api_call`` makes for a call of ``model``
    before any handler sees it, or ``None`` where it cannot be told here.

    botocore 1.31: the client's region and config, ``has_streaming_input`` and the
    operation's ``auth_type``. botocore 1.40 and 1.44 (``OperationModel`` has
    ``resolved_auth_type``): the resolved auth type, ``unsigned_payload`` and the
    service's ``auth`` options too; with ``Config(auth_scheme_preference=...)`` the auth
    type depends on the preference, which is left to botocore (``None``). Checked on
    botocore 1.31 and 1.44 (1.40: CI's async run) (``tests/test_fast_path.py`` compares the contexts
    handlers see both ways).
    """
    meta = client.meta
    config = meta.config
    context: dict[str, Any] = {
        "client_region": meta.region_name,
        "client_config": config,
        "has_streaming_input": model.has_streaming_input,
    }
    if not hasattr(model, "resolved_auth_type"):
        context["auth_type"] = model.auth_type
        return context
    if getattr(config, "auth_scheme_preference", None) and model.auth:
        return None
    context["auth_type"] = model.resolved_auth_type
    context["unsigned_payload"] = model.unsigned_payload
    context["auth_options"] = meta.service_model.metadata.get("auth")
    return context


# -- events ----------------------------------------------------------------------------


def handlers_token(events: Any) -> Any:
    """An object that stays the same until a handler is registered on (or unregistered
    from) ``events``, a client's ``meta.events``; ``None`` for an emitter of another kind.

    botocore's ``HierarchicalEmitter`` replaces its ``_lookup_cache`` dict on every
    registration; ``meta.events`` is an ``EventAliaser`` around it (``_emitter``).
    Checked on botocore 1.31, 1.40 and 1.44.
    """
    try:
        return events._emitter._lookup_cache
    except AttributeError:
        return None


def registered_handlers(events: Any, event: str) -> list[Any]:
    """The handlers ``events`` (a client's ``meta.events``) calls for ``event``, in order.

    Read from the emitter's prefix trie (``_emitter._handlers``) after the
    aliaser's renaming (``_alias_event_name``), without calling them. Raises
    ``AttributeError`` for an emitter of another kind. Checked on botocore 1.31, 1.40
    and 1.44.
    """
    alias = getattr(events, "_alias_event_name", None)
    if alias is not None:
        event = alias(event)
    return list(events._emitter._handlers.prefix_search(event))


def unique_ids(target: Any) -> Any:
    """The unique IDs handlers were registered under on ``target`` (a client's
    ``meta.events`` or a botocore session), a mapping; ``None`` for an emitter of another
    kind. A botocore session's emitter is its ``_events``, an ``EventAliaser`` like a
    client's, around a ``HierarchicalEmitter`` (``_emitter``) that keeps them in
    ``_unique_id_handlers``. Checked on botocore 1.31 and 1.44 (1.40: CI's async run)."""
    events = getattr(target, "_events", target)
    emitter = getattr(events, "_emitter", events)
    return getattr(emitter, "_unique_id_handlers", None)


def history_enabled(history: Any) -> bool:
    """Whether botocore's debug history (``botocore.history.get_global_history_recorder()``)
    is recording (``_enabled``: ``boto3.set_stream_logger("")`` turns it on). Checked on
    botocore 1.31, 1.40 and 1.44."""
    return bool(history._enabled)


def validation_mode_handler() -> Any:
    """botocore's ``before-parameter-build`` handler that fills in a flexible checksum's
    request validation mode (``handlers._handle_request_validation_mode_member``), or
    ``None`` where botocore has none (1.31 has none; 1.40 and 1.44 have it)."""
    handlers = sys.modules.get("botocore.handlers")
    return getattr(handlers, "_handle_request_validation_mode_member", None)


# -- credentials -----------------------------------------------------------------------


def signer_credentials(signer: Any) -> Any:
    """The credentials a ``RequestSigner`` signs with (``_credentials``), never fetched
    or refreshed; ``None`` where the client found none. Checked on botocore 1.31, 1.40
    and 1.44, and aiobotocore 2.25's ``AioRequestSigner``."""
    return getattr(signer, "_credentials", None)


def held_keys(credentials: Any) -> tuple[Any, Any]:
    """The access and secret keys ``RefreshableCredentials`` hold now
    (``_access_key``, ``_secret_key``): their public properties would refresh expired
    or deferred credentials, an STS or metadata request. ``(None, None)`` for deferred
    ones not fetched yet. Checked on botocore 1.31, 1.40 and 1.44."""
    return credentials._access_key, credentials._secret_key


def deferred_component(session: Any, name: str) -> Any:
    """The factory botocore will call to make a session's component ``name`` when it is
    first asked for (``_components._deferred``), or ``None`` if it is made already or
    was never deferred. The credential resolver is deferred until the first client
    needs credentials. Checked on botocore 1.31, 1.40 and 1.44."""
    deferred = getattr(getattr(session, "_components", None), "_deferred", None)
    return deferred.get(name) if isinstance(deferred, dict) else None


def cached_credentials(session: Any) -> Any:
    """The credentials a botocore session has resolved and keeps (``_credentials``), or
    ``None``. Checked on botocore 1.31, 1.40 and 1.44."""
    return getattr(session, "_credentials", None)


def forget_credentials(session: Any) -> None:
    """Make a botocore session resolve its credentials again on the next client (its
    ``_credentials`` cache emptied). Checked on botocore 1.31, 1.40 and 1.44."""
    session._credentials = None


def botocore_session(target: Any) -> Any:
    """The botocore session of a boto3 ``Session`` (its ``_session``), or ``target``
    itself (a botocore session already). Checked on boto3 1.28, 1.40 and 1.44."""
    return getattr(target, "_session", target)
