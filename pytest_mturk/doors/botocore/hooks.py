"""The botocore door: every ``mturk`` call is answered by the active simulator.

:mod:`pytest_mturk.doors.botocore.bootstrap` puts two trampolines into botocore's built-in
handlers, so every botocore session made after ``pytest_mturk`` is imported (and
every client made from one, at any time) carries them; they hand over to this
module while a simulator is active. boto3's default session is also given them
when a simulator starts, in case it was made before the import; any other
session or client made before the import is given them by its first ``mturk``
call while a simulator runs (:mod:`pytest_mturk.doors.botocore.guard`), or can be given
them with :func:`register`. They do nothing for other services, nor while no
simulator is active.

A door only translates: each hook turns a botocore call into one
:func:`pytest_mturk.core.dispatch.dispatch` (which judges the caller, takes a
scheduled fault, validates, runs the operation, records the call and draws the
request ID) and turns its :class:`~pytest_mturk.core.dispatch.Outcome` back into
botocore's objects (:mod:`pytest_mturk.doors.botocore.replies`).

A call is answered at ``before-call``: no signing, no HTTP, no retries. A call
of an operation with a fault scheduled (:meth:`Simulator.fail_next`) is let
through to ``before-send`` instead and answered there with the service's wire
bytes, so botocore's real retry logic and parser see the fault. The
let-through request goes unsigned, so signing never fetches credentials; its
caller travels with it.

botocore calls the most specific handlers first, so a client with an active
``Stubber`` (``before-call.*.*``) keeps its stubbed answers; moto hooks the
generic ``before-send``, which a call answered at ``before-call`` never
reaches, so both coexist.

aiobotocore clients (and aioboto3's, which are aiobotocore's) meet the same
handlers: its emitter awaits a handler's result only when it is awaitable, so
the answer is made by the same code; only the response object differs, since
aiobotocore awaits a response's ``content`` and ``text``. An aiobotocore client
is told apart by its request signer, whose ``sign`` is a coroutine function,
so aiobotocore is never imported here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import botocore.handlers  # noqa: F401 - loaded before install() below hooks into it
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.hooks import first_non_none_response
from botocore.validate import validate_parameters

from ...core.dispatch import dispatch, refusal, service_model
from ...core.model import Environment
from ...core.protocol import TARGET_PREFIX, signed_key, wire_headers
from .. import stack
from . import bodies, bootstrap, guard, private, short_way
from .callers import CALLER_KEY, caller
from .credentials import forget_fallback
from .replies import (
    AsyncHTTPResponse,
    error_response,
    metadata,
    response_class,
    response_classes,
    wire_response,
)

if TYPE_CHECKING:
    from ...core.service import Service

__all__ = ["before_call", "before_send", "fast_call", "install", "register"]

# The active simulators' services, innermost last: the one stack every door reads.
_services = stack.services


# -- as simulators start and stop (see pytest_mturk.doors.stack.when) ---------------------


def first_started() -> None:
    """The first simulator is starting: reach the sessions and clients that predate the
    import of ``pytest_mturk``."""
    # boto3's default session may predate the import of pytest_mturk.
    default = getattr(sys.modules.get("boto3"), "DEFAULT_SESSION", None)
    if default is not None:
        bootstrap.register(default)
    # Clients made before the import (or from sessions made before it) are reached when
    # they call.
    guard.install()


def started(service: Service) -> None:
    """A simulator has started."""
    if not service.settings.fake_credentials:
        # Sessions that cached the fallback keys under an outer simulator look again.
        forget_fallback()


def last_stopped() -> None:
    """The last simulator has stopped."""
    forget_fallback()  # the fallback keys must not outlive the simulation
    guard.uninstall()


# -- a botocore call, as the service receives it ----------------------------------------

_environments: dict[str, Environment] = {}


def _environment(url: str) -> Environment:
    environment = _environments.get(url)
    if environment is None:
        environment = Environment.SANDBOX if "sandbox" in url else Environment.PRODUCTION
        if len(_environments) < 1000:
            _environments[url] = environment
    return environment


_served = stack.served  # the one list of this process's HTTP servers


def _is_served(url: str) -> bool:
    """Whether ``url`` is one of this process's HTTP servers, which answer it over HTTP."""
    return url.startswith(tuple(_served))


# What a call let through to before_send carries to it: its caller (see
# callers.caller; _NOT_FETCHED stands for None, credentials not fetched yet), and
# whether its client awaits responses (aiobotocore).
CALLER_HEADER = "x-pytest-mturk-caller"
ASYNC_HEADER = "x-pytest-mturk-async"
_NOT_FETCHED = "*"

_operations = bodies.by_name


def before_call(
    model: Any = None,
    params: Any = None,
    request_signer: Any = None,
    context: Any = None,
    **kwargs: Any,
) -> tuple[AWSResponse, dict[str, Any]] | None:
    """Answer one call before botocore signs or sends it."""
    try:
        service = _services[-1]
    except IndexError:
        stack.refuse_if_unstarted()
        return None
    if model is None or params is None:
        return None
    if _served and _is_served(params.get("url", "")):
        return None
    name = model.name
    key = caller(service, request_signer)
    if service.faults and service.faults.get(name) and refusal(service, key) is None:
        _let_through(key, params, context, request_signer)
        return None
    operation = _operations.get(name) or bodies.operation(model)
    body = operation.body(context, params)
    return answer(service, operation, params.get("url", ""), body, key, request_signer)


def answer(
    service: Service,
    operation: bodies.Operation,
    url: str,
    body: dict[str, Any],
    key: Any,
    request_signer: Any,
) -> tuple[AWSResponse, dict[str, Any]]:
    """Dispatch one call; what botocore's endpoint would have handed back for it."""
    environment = _environments.get(url) or _environment(url)
    name = operation.model.name
    outcome = dispatch(service, environment, name, body, key, check=operation.check)
    if outcome.lost:  # a fault scheduled meanwhile, by another thread
        raise ReadTimeoutError(endpoint_url=url)
    call = outcome.call
    error = call.error
    if error is None:
        # The call log keeps the body as answered; the caller gets its own copy.
        response = call.response
        parsed = operation.copy(response) if response else {}
        parsed["ResponseMetadata"] = metadata(outcome.request_id, 200, call.time)
        status = 200
    else:
        sandbox = environment is Environment.SANDBOX
        parsed = error_response(error, outcome.request_id, call.time, sandbox=sandbox)
        status = error.status
    headers = parsed["ResponseMetadata"]["HTTPHeaders"]
    kind = response_classes.get(request_signer.__class__) or response_class(request_signer)
    return kind(url, status, headers, operation.model, call), parsed


def fast_call(client: Any, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Answer a client's call without the request botocore would build; ``None``: go the
    whole way (see :mod:`pytest_mturk.doors.botocore.short_way` for when)."""
    try:
        service = _services[-1]
    except IndexError:
        return None
    if service.faults and service.faults.get(name):
        return None
    plan = short_way.plan(client, name)
    operation = plan.operation if plan is not None else None
    if plan is None or operation is None or (_served and _is_served(plan.url)):
        return None
    model = operation.model
    events = plan.events
    if events is not None:
        return _observed_call(client, service, plan, operation, params, events)
    if plan.parameter_hooks:
        context = {"client_config": client.meta.config}
        for hook in plan.parameter_hooks:
            hook(params=params, model=model, context=context)
    body = _body(client, plan, operation, params)
    signer = private.request_signer(client)
    http, parsed = answer(service, operation, plan.url, body, caller(service, signer), signer)
    for hook in plan.after_hooks:
        hook(http_response=http, parsed=parsed, model=model, context={})
    if http.status_code >= 300:
        raise client.exceptions.from_code(parsed["Error"]["Code"])(parsed, name)
    return parsed


def _body(
    client: Any, plan: short_way.Plan, operation: bodies.Operation, params: dict[str, Any]
) -> dict[str, Any]:
    """The request body as the service receives it, checked as botocore checks it (or
    not, with validation off: then botocore's serializer meets the parameters as given)."""
    if operation.plainly_valid(params):
        return dict(params)
    if plan.validate:
        validate_parameters(params, operation.model.input_shape)
        if operation.direct:
            copied: dict[str, Any] = bodies.copy_params(params)
            return copied
    try:
        request = private.serializer(client).serialize_to_request(params, operation.model)
    except Exception as error:  # what botocore cannot send: raised as botocore raises it
        raise bootstrap.Unsendable(error) from None
    body: dict[str, Any] = bodies.request_body(request["body"])
    return body


def _observed_call(
    client: Any,
    service: Service,
    plan: short_way.Plan,
    operation: bodies.Operation,
    params: dict[str, Any],
    events: tuple[str, str, str],
) -> dict[str, Any]:
    """The short way for a client with handlers of its own on the call's events: botocore's
    emitter calls them as ``_make_api_call`` would, with the request context it makes."""
    model = operation.model
    context = dict(plan.context or ())
    emit = client.meta.events.emit
    provided = emit(events[0], params=params, model=model, context=context)
    params = first_non_none_response(provided, default=params)
    emit(events[1], params=params, model=model, context=context)
    body = _body(client, plan, operation, params)
    signer = private.request_signer(client)
    http, parsed = answer(service, operation, plan.url, body, caller(service, signer), signer)
    emit(events[2], http_response=http, parsed=parsed, model=model, context=context)
    if http.status_code >= 300:
        # botocore 1.31 reads a QueryErrorCode first, later ones an override in the context.
        error = parsed.get("Error", {})
        code = (
            context.get("error_code_override") or error.get("QueryErrorCode") or error.get("Code")
        )
        raise client.exceptions.from_code(code)(parsed, model.name)
    return parsed


# -- faults: answered as bytes at before-send, through botocore's retries --------------


def _let_through(key: Any, params: Any, context: Any, request_signer: Any) -> None:
    """Send the call on, unsigned, carrying its caller, for :func:`before_send` to answer.

    Signing would fetch deferred credentials (an STS request); botocore then
    retries what :func:`before_send` answers.
    """
    if context is not None:
        context[CALLER_KEY] = key
        context["auth_type"] = "none"
    # Older botocore (1.40, for one) does not hand the context on to the prepared request
    # that before_send sees, and the request goes unsigned: the caller and the
    # kind of client travel in private headers, which before_send takes off.
    headers = params.get("headers")
    if isinstance(headers, dict):
        headers[CALLER_HEADER] = _NOT_FETCHED if key is None else key
        if response_class(request_signer) is AsyncHTTPResponse:
            headers[ASYNC_HEADER] = "1"


def _access_key(request: Any) -> Any:
    """The access key a request was signed with (``botocore.UNSIGNED`` if it was not)."""
    return signed_key(request.headers.get("Authorization"))


def _take_header(headers: Any, name: str) -> str | None:
    """Remove a private header from a prepared request; its value, if it was there."""
    value = headers.get(name)
    if value is None:
        return None
    del headers[name]
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def before_send(request: Any = None, **kwargs: Any) -> AWSResponse | None:
    """Answer a request let through to be sent with the service's bytes, or fail it as scheduled."""
    try:
        service = _services[-1]
    except IndexError:
        return None
    # A session given the hooks twice (built in, and by register()) calls this
    # twice per attempt; the second call hands back the first one's answer.
    answered = getattr(request, "_pytest_mturk_answer", None)
    if answered is not None:
        return answered
    if _served and _is_served(request.url):
        return None
    target = request.headers.get("X-Amz-Target") or b""
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if not target.startswith(TARGET_PREFIX):
        return None
    operation_model = service_model().operation_model(target[len(TARGET_PREFIX) :])
    url = request.url
    context = getattr(request, "context", None) or {}
    headers = request.headers
    marked = _take_header(headers, CALLER_HEADER)
    is_async = _take_header(headers, ASYNC_HEADER) is not None
    if CALLER_KEY in context:
        key = context[CALLER_KEY]
    elif marked is not None:
        key = None if marked == _NOT_FETCHED else marked
    else:
        key = _access_key(request)
    outcome = dispatch(
        service,
        _environment(url),
        operation_model.name,
        bodies.request_body(request.body),
        key,
        check=bodies.operation(operation_model).check,
    )
    if outcome.lost:
        raise ReadTimeoutError(endpoint_url=url)
    payload = outcome.wire()
    headers = wire_headers(outcome.request_id, payload, outcome.call.time)
    response = wire_response(url, outcome.status, headers, payload, is_async)
    request._pytest_mturk_answer = response
    return response


# -- reaching sessions and clients -------------------------------------------------------


def install() -> None:
    """Make every botocore session created from now on carry the hooks (idempotent)."""
    bootstrap.attach(sys.modules[__name__])
    bootstrap.install()


register = bootstrap.register


install()
