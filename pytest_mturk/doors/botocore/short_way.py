"""When a client's call can skip the request botocore would build and never send.

A simulated call needs none of what botocore does to make an HTTP request:
endpoint rules, serialisation, the user-agent string, signing. Every
synchronous ``mturk`` client class is given :class:`~.bootstrap.SimulatedCalls`
at its creation; while a simulator is active its calls ask :func:`plan` whether
they may take the short way, and :func:`~.hooks.fast_call` answers
them. A call takes the short way only when nothing a user could observe
depends on the long one:

* the events it would emit (``provide-client-params``,
  ``before-parameter-build``, ``before-call``, ``after-call``) have only the
  handlers botocore and this plugin put there, whose effect the short way
  reproduces (a ``Stubber``, a user's handler: the long way);
* botocore's parameter validation is on (the short way validates as it does);
* no fault is scheduled for the operation (faults go through botocore's retries);
* botocore's debug history is off.

A plan is worked out once per client and operation, and again whenever the
client's handlers change (botocore's emitter renews its lookup cache on every
registration, which is what a plan remembers).
"""

from __future__ import annotations

from typing import Any

import botocore.handlers
from botocore.history import get_global_history_recorder
from botocore.retries.standard import RetryQuotaChecker
from botocore.validate import ParamValidationDecorator

from . import bodies, bootstrap, private

PLANS_KEY = "_pytest_mturk_plans"
_history = get_global_history_recorder()


class Plan:
    """How one client answers one operation on the short way."""

    __slots__ = ("operation", "url", "parameter_hooks", "after_hooks", "token")

    def __init__(
        self,
        operation: bodies.Operation | None,
        url: str,
        parameter_hooks: tuple[Any, ...],
        after_hooks: tuple[Any, ...],
        token: object,
    ) -> None:
        self.operation = operation  # None: the long way
        self.url = url
        self.parameter_hooks = parameter_hooks  # botocore's own, that may add parameters
        self.after_hooks = after_hooks  # botocore's own after-call handlers
        self.token = token  # the emitter's lookup cache when this plan was made


def _long(token: object) -> Plan:
    """A plan that says "the long way" (remembered like any other)."""
    return Plan(None, "", (), (), token)


def plan(client: Any, name: str) -> Plan | None:
    """How ``client`` answers operation ``name`` on the short way; ``None``: the long way."""
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
    if not isinstance(private.serializer(client), ParamValidationDecorator):
        return _long(token)
    model = meta.service_model.operation_model(name)
    service_id = meta.service_model.service_id.hyphenize()
    events = meta.events
    handlers = private.registered_handlers
    try:
        provide = handlers(events, f"provide-client-params.{service_id}.{name}")
        build = handlers(events, f"before-parameter-build.{service_id}.{name}")
        before = handlers(events, f"before-call.{service_id}.{name}")
        after = handlers(events, f"after-call.{service_id}.{name}")
    except AttributeError:
        return _long(token)
    ours = bootstrap.hooks()
    if provide or not any(handler in ours for handler in before):
        return _long(token)
    parameter_hooks = []
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
            return _long(token)
    # botocore's own before-call handlers only add headers to the request never built.
    if any(handler not in ours and _function(handler) not in _HEADERS_ONLY for handler in before):
        return _long(token)
    if any(_function(handler) is not _RELEASE_QUOTA for handler in after):
        return _long(token)
    return Plan(
        bodies.operation(model),
        private.endpoint_url(client, model),
        tuple(parameter_hooks),
        tuple(after),
        token,
    )


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
