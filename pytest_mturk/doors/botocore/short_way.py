"""When a client's call can skip the request botocore would build and never send.

A simulated call needs none of what botocore does to make an HTTP request:
endpoint rules, serialisation, the user-agent string, signing. Every
synchronous ``mturk`` client class is given :class:`~.bootstrap.SimulatedCalls`
at its creation; while a simulator is active its calls ask :func:`plan` whether
they may take the short way, and :func:`~.hooks.fast_call` answers
them. A call takes the short way only when nothing a user could observe
depends on the long one:

* no handler that botocore would call before the hooks' own ``before-call``
  handler (a ``Stubber``'s, a user's registered more specifically or first)
  is there: such a handler is handed the request botocore builds. Handlers
  after the hooks' own are never called on either way: the hooks answer first;
* no handler is registered for ``before-endpoint-resolution`` (it could move the
  endpoint from call to call);
* no fault is scheduled for the operation (faults go through botocore's retries);
* botocore's debug history is off;
* botocore's ``BaseClient._make_api_call`` is its own: a tracer that wraps it
  (Sentry's, ddtrace's, X-Ray's, OpenTelemetry's) sees every call go through it.

Handlers of the user's on the other events of a call -- ``provide-client-params``,
``before-parameter-build``, ``after-call``, as error trackers such as Sentry's
register -- do not need the request: on the short way botocore's emitter calls
them as it would on the whole way (in the same order, with the same arguments and
the same request context, their return values used as botocore uses them). A
client with none of those has the short way's quickest form: the handlers
botocore itself puts there, whose effect the short way reproduces, are called
directly. Parameter validation on or off: the short way validates as botocore
does, or skips it and serialises as botocore does.

A plan is worked out once per client and operation, and again whenever the
client's handlers change (botocore's emitter renews its lookup cache on every
registration, which is what a plan remembers).

A call that still goes botocore's whole way is spared its endpoint rules while a
simulator answers it: MTurk's endpoint depends on the client alone, so
:func:`known_endpoint` gives the URL the rules gave the first time; and its
validation of parameters that surely pass (:class:`QuickValidation`).
"""

from __future__ import annotations

import json
from typing import Any

import botocore.handlers
from botocore.history import get_global_history_recorder
from botocore.retries.standard import RetryQuotaChecker
from botocore.serialize import JSONSerializer
from botocore.stub import Stubber
from botocore.validate import ParamValidationDecorator

from .. import stack
from . import bodies, bootstrap, guard, private

PLANS_KEY = "_pytest_mturk_plans"
ENDPOINTS_KEY = "_pytest_mturk_endpoints"
_history = get_global_history_recorder()


class Plan:
    """How one client answers one operation on the short way."""

    __slots__ = (
        "operation",
        "url",
        "parameter_hooks",
        "after_hooks",
        "token",
        "validate",
        "events",
        "context",
    )

    def __init__(
        self,
        operation: bodies.Operation | None,
        url: str,
        parameter_hooks: tuple[Any, ...],
        after_hooks: tuple[Any, ...],
        token: object,
        validate: bool = True,
        events: tuple[str, str, str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.operation = operation  # None: the long way
        self.url = url
        self.parameter_hooks = parameter_hooks  # botocore's own, that may add parameters
        self.after_hooks = after_hooks  # botocore's own after-call handlers
        self.token = token  # the emitter's lookup cache when this plan was made
        self.validate = validate  # botocore's client-side validation is on
        # With handlers of the user's: the events botocore's emitter is asked to emit
        # (provide-client-params, before-parameter-build, after-call), and the request
        # context as botocore makes it, copied for each call.
        self.events = events
        self.context = context


def _long(token: object) -> Plan:
    """A plan that says "the long way" (remembered like any other)."""
    return Plan(None, "", (), (), token)


def _entry_is_botocores(client: Any) -> bool:
    """Whether the ``_make_api_call`` the short way would pass over is botocore's own
    (or the guard's around it): a tracer's wrapper there (Sentry's, ddtrace's, X-Ray's)
    must see the call, so it goes the whole way through the wrapper."""
    function = private.next_api_call_function(client, bootstrap.SimulatedCalls)
    known = _entries.get(function)
    if known is None:
        inner = function
        while inner is not None and guard.is_guard(inner):
            inner = getattr(inner, "__wrapped__", None)
        known = private.is_botocores_api_call(inner)
        if len(_entries) < 100:
            _entries[function] = known
    return known


_entries: dict[Any, bool] = {}


def plan(client: Any, name: str) -> Plan | None:
    """How ``client`` answers operation ``name`` on the short way; ``None``: the long way."""
    if not _entry_is_botocores(client):
        return None
    token = private.handlers_token(client.meta.events)
    if token is None:
        return None  # an emitter of another kind: its handlers cannot be looked at
    plans: dict[str, Plan] | None = client.__dict__.get(PLANS_KEY)
    if plans is None:
        plans = client.__dict__[PLANS_KEY] = {}
    known = plans.get(name)
    if known is None or known.token is not token:
        known = plans[name] = _make_plan(client, name, token)
    if known.operation is None or private.history_enabled(_history):
        return None
    return known


def _function(handler: Any) -> Any:
    return getattr(handler, "__func__", handler)


def _make_plan(client: Any, name: str, token: object) -> Plan:
    meta = client.meta
    # meta.config does not show the setting: the serializer does.
    validate = isinstance(private.serializer(client), ParamValidationDecorator)
    model = meta.service_model.operation_model(name)
    service_id = meta.service_model.service_id.hyphenize()
    events = meta.events
    handlers = private.registered_handlers
    names = (
        f"provide-client-params.{service_id}.{name}",
        f"before-parameter-build.{service_id}.{name}",
        f"after-call.{service_id}.{name}",
    )
    try:
        provide = handlers(events, names[0])
        build = handlers(events, names[1])
        before = handlers(events, f"before-call.{service_id}.{name}")
        after = handlers(events, names[2])
        endpoint = handlers(events, f"before-endpoint-resolution.{service_id}")
    except AttributeError:
        return _long(token)
    ours = bootstrap.hooks()
    answering = next((at for at, handler in enumerate(before) if handler in ours), None)
    if answering is None or endpoint:
        return _long(token)
    # Handlers botocore calls before the hooks answer are handed the request: the long way.
    # botocore's own there only add headers to the request never built.
    if any(_function(handler) not in _HEADERS_ONLY for handler in before[:answering]):
        return _long(token)
    context = private.request_context(client, model)
    if context is None:
        return _long(token)
    operation = bodies.operation(model)
    url = private.endpoint_url(client, model)
    parameter_hooks = []
    observed = bool(provide)
    for handler in build:
        function = _function(handler)
        if handler in ours:
            continue
        if function is _IDEMPOTENCY_TOKEN:
            if model.idempotent_members:
                parameter_hooks.append(handler)
        elif function is _VALIDATION_MODE:
            if model.http_checksum.get("requestValidationModeMember"):
                parameter_hooks.append(handler)
        else:
            observed = True
    if any(_function(handler) is not _RELEASE_QUOTA for handler in after):
        observed = True
    if observed:
        return Plan(operation, url, (), (), token, validate, names, context)
    return Plan(operation, url, tuple(parameter_hooks), tuple(after), token, validate)


def known_endpoint(client: Any, model: Any) -> tuple[Any, ...] | None:
    """What ``client._resolve_endpoint_ruleset(model, ...)`` gives, without the rules, for
    a call on botocore's whole way that the simulator answers; ``None``: ask the rules.

    MTurk's rules read the client's region, endpoint URL and FIPS and dual-stack
    settings, never a call's parameters, and give no headers, properties or signing
    context. Not for a client with an active ``Stubber`` (its calls are botocore's own),
    nor one with a ``before-endpoint-resolution`` handler.
    """
    events = client.meta.events
    token = private.handlers_token(events)
    if token is None:
        return None
    cache: dict[str, tuple[object, tuple[Any, ...] | None]] | None = client.__dict__.get(
        ENDPOINTS_KEY
    )
    if cache is None:
        cache = client.__dict__[ENDPOINTS_KEY] = {}
    entry = cache.get(model.name)
    if entry is None or entry[0] is not token:
        entry = cache[model.name] = (token, _endpoint(client, model))
    known = entry[1]
    if known is None:
        return None
    # Fresh headers and properties each time, as the rules give them.
    return (known[0], {}, {}) if len(known) > 2 else (known[0], {})


def _endpoint(client: Any, model: Any) -> tuple[Any, ...] | None:
    meta = client.meta
    service_id = meta.service_model.service_id.hyphenize()
    try:
        if private.registered_handlers(meta.events, f"before-endpoint-resolution.{service_id}"):
            return None
        before = private.registered_handlers(meta.events, f"before-call.{service_id}.{model.name}")
    except AttributeError:
        return None
    if any(isinstance(getattr(handler, "__self__", None), Stubber) for handler in before):
        return None
    if (
        model.context_parameters
        or model.static_context_parameters
        or getattr(model, "operation_context_parameters", None)
    ):
        return None
    resolved = private.endpoint(client, model)
    if resolved is None or any(resolved[1:]):
        return None  # headers or properties: the rules' own each time
    serializer = private.serializer(client)
    if type(serializer) is ParamValidationDecorator:
        private.set_serializer(client, QuickValidation(*private.validation_parts(serializer)))
    return tuple(resolved)


class QuickValidation(ParamValidationDecorator):  # type: ignore[misc]
    """botocore's validating serializer, for a client whose calls a simulator answers on
    botocore's whole way: parameters that surely pass (``bodies.Operation.plainly_valid``,
    the short way's own test) are not looked at again, and their request is made as
    botocore's JSON serializer makes it, in fewer steps (:func:`plain_request`); any others
    are botocore's to judge and serialise, as are all of them while no simulator is
    active."""

    def serialize_to_request(self, parameters: Any, operation_model: Any) -> Any:
        if stack.services:
            operation = bodies.by_name.get(operation_model.name) or bodies.operation(
                operation_model
            )
            if operation.model is operation_model and operation.plainly_valid(parameters):
                return plain_request(self._serializer, parameters, operation_model)
        return super().serialize_to_request(parameters, operation_model)


_dumps = json.dumps
# Per operation model: the request botocore's JSON serializer makes of plainly valid
# parameters, but for its body (its method, path, headers...), or None where that does
# not hold.
_requests: dict[Any, dict[str, Any] | None] = {}


def plain_request(serializer: Any, parameters: Any, operation_model: Any) -> Any:
    """What ``serializer.serialize_to_request(parameters, operation_model)`` gives, for
    parameters ``bodies.Operation.plainly_valid`` passes (scalar members, each of its
    exact type): for them botocore's JSON serializer makes a body that is the JSON of
    the parameters as given, in their order, and the rest of the request depends on the
    operation alone. So the first such call's request, made by the serializer, is kept
    with its body left out, once it is seen to hold; later calls copy it and add theirs."""
    if serializer.__class__ is not JSONSerializer:
        return serializer.serialize_to_request(parameters, operation_model)
    try:
        known = _requests[operation_model]
    except KeyError:
        request = serializer.serialize_to_request(parameters, operation_model)
        rest = {key: value for key, value in request.items() if key != "body"}
        plain = (
            not operation_model.endpoint  # a host prefix may be made of the parameters
            and request.get("body") == _dumps(parameters).encode("utf-8")
            and all(
                value.__class__ in (str, bytes)
                or (
                    value.__class__ is dict
                    and all(item.__class__ is str for item in value.values())
                )
                for value in rest.values()
            )
        )
        rest = dict(request)  # in its order, the body's place kept
        if len(_requests) < 1000:
            _requests[operation_model] = rest if plain else None
        return request
    if known is None:
        return serializer.serialize_to_request(parameters, operation_model)
    request = {
        key: value.copy() if value.__class__ is dict else value for key, value in known.items()
    }
    request["body"] = _dumps(parameters).encode("utf-8")
    return request


_IDEMPOTENCY_TOKEN = getattr(botocore.handlers, "generate_idempotent_uuid", None)
_VALIDATION_MODE = private.validation_mode_handler()
_HEADERS_ONLY = frozenset(
    handler
    for handler in (
        getattr(botocore.handlers, "add_recursion_detection_header", None),
        getattr(botocore.handlers, "inject_api_version_header_if_needed", None),
    )
    if handler is not None
)
_RELEASE_QUOTA = RetryQuotaChecker.release_retry_quota
