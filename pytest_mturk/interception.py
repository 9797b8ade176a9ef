"""The botocore hook: every ``mturk`` call is answered by the active simulator.

:mod:`pytest_mturk._bootstrap` puts two trampolines into botocore's built-in
handlers, so every botocore session made after ``pytest_mturk`` is imported (and
every client made from one, at any time) carries them; they hand over to this
module while a simulator is active. boto3's default session is also given them
when a simulator starts, in case it was made before the import; any other
session or client made before the import can be given them with
:func:`register`. They do nothing for other services, nor while no simulator
is active.

A call is answered at ``before-call``: no signing, no HTTP, no retries. A call
of an operation with a fault scheduled (:meth:`Simulator.fail_next`) is let
through to ``before-send`` instead and answered there with the service's wire
bytes, so botocore's real retry logic and parser see the fault. Both paths
judge the caller's credentials with :mod:`pytest_mturk.callers`; the let-through
request goes unsigned, so signing never fetches credentials.

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

import datetime as _dt
import inspect
import json
import sys
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import botocore
import botocore.handlers
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.exceptions import ReadTimeoutError
from botocore.utils import get_encoding_from_headers

from . import _bootstrap
from .callers import CALLER_KEY, caller, refusal
from .errors import MODELED_ERRORS, ServiceError, service_fault
from .model import Environment
from .process import forget_fallback
from .process import outside as _outside
from .shapes import Copier, copier
from .validation import Check, validator_for
from .wire import epoch_ms, error_json, to_wire_json

if TYPE_CHECKING:
    from .service import Call, Service

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "MTurkRequesterServiceV20170117."

_active: list[Service] = _bootstrap.active
_owners: list[Any] = _bootstrap.owners
_active_lock = _bootstrap.active_lock


def push(service: Service, owner: object = None) -> None:
    """Make ``service`` the active simulator (until :func:`pop`); ``owner`` is the public
    object that started it, which :func:`active_owner` gives while it is innermost."""
    with _active_lock:
        if not _active:
            _outside.enter()
        _active.append(service)
        _owners.append(owner)
    if not service.settings.fake_credentials:
        # Sessions that cached the fallback keys under an outer simulator look again.
        forget_fallback()


def pop(service: Service) -> None:
    """Deactivate ``service``, wherever it is on the stack."""
    with _active_lock:
        for index in range(len(_active) - 1, -1, -1):
            if _active[index] is service:
                del _active[index]
                del _owners[index]
                if not _active:
                    _outside.exit()
                return


def active() -> Service | None:
    """The innermost active simulator's service, if any."""
    try:
        return _active[-1]
    except IndexError:
        return None


def active_owner() -> Any:
    """What started the innermost active service (see :func:`push`), if any."""
    with _active_lock:
        return _owners[-1] if _owners else None


# -- the answer --------------------------------------------------------------------------

_environments: dict[str, Environment] = {}


def _environment(url: str) -> Environment:
    environment = _environments.get(url)
    if environment is None:
        environment = Environment.SANDBOX if "sandbox" in url else Environment.PRODUCTION
        if len(_environments) < 1000:
            _environments[url] = environment
    return environment


# The HTTP ``date`` header of the last answer: virtual time is frozen, so it
# rarely changes. One tuple, swapped whole, so threads never see a torn pair.
_last_date: tuple[_dt.datetime | None, str] = (None, "")


def _date_header(now: _dt.datetime) -> str:
    global _last_date
    cached = _last_date
    if cached[0] == now:
        return cached[1]
    text = format_datetime(now.replace(microsecond=0), usegmt=True)
    _last_date = (now, text)
    return text


def _metadata(request_id: str, status: int, now: _dt.datetime) -> dict[str, Any]:
    last = _last_date
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "content-type": CONTENT_TYPE,
            "date": last[1] if last[0] == now else _date_header(now),
        },
        "RetryAttempts": 0,
    }


def error_response(error: ServiceError, request_id: str, now: _dt.datetime) -> dict[str, Any]:
    """What botocore makes of the service's error body (``ClientError.response``)."""
    message = f"{error.message} ({epoch_ms(now)})" if error.stamp else error.message
    parsed: dict[str, Any] = {
        "Error": {"Message": message, "Code": error.type},
        "ResponseMetadata": _metadata(request_id, error.status, now),
    }
    if error.type in MODELED_ERRORS:
        # botocore's endpoint adds the modelled error shape's members at the top level.
        parsed["Message"] = message
        if error.code is not None:
            parsed["TurkErrorCode"] = error.code
    return parsed


class _WireBody:
    """The ``raw`` of an answered call: the service's JSON, made only if someone reads it."""

    __slots__ = ("_call", "_operation_model")

    def __init__(self, operation_model: Any, call: Call) -> None:
        self._operation_model = operation_model
        self._call = call

    def stream(self, **kwargs: Any) -> list[bytes]:
        call = self._call
        if call.error is not None:
            return [error_json(call.error, call.time)]
        return [to_wire_json(self._operation_model, call.response or {})]


class _HTTPResponse(AWSResponse):  # type: ignore[misc]
    """botocore's response object for an answered call.

    ``AWSResponse`` builds a case-insensitive header dict up front, and the
    body is the service's JSON; almost no one reads either, so both are made
    on first access.
    """

    def __init__(
        self, url: str, status: int, headers: dict[str, str], operation_model: Any, call: Call
    ) -> None:
        self.url = url
        self.status_code = status
        self._content = None
        self._plain_headers = headers
        self._headers: HeadersDict | None = None
        self._operation_model = operation_model
        self._call = call
        self._raw: _WireBody | None = None

    @property
    def headers(self) -> HeadersDict:
        if self._headers is None:
            self._headers = HeadersDict(self._plain_headers)
        return self._headers

    @headers.setter
    def headers(self, value: Any) -> None:
        self._headers = HeadersDict(value)

    @property
    def raw(self) -> _WireBody:
        if self._raw is None:
            self._raw = _WireBody(self._operation_model, self._call)
        return self._raw

    @raw.setter
    def raw(self, value: Any) -> None:
        self._raw = value


class _AwaitableContent:
    """Makes a response's ``content`` and ``text`` awaitable, as aiobotocore reads them.

    aiobotocore's ``AioAWSResponse`` does the same; this mixin spares the
    plugin an import of aiobotocore. The bytes are botocore's own reading.
    """

    @property
    def content(self) -> Any:
        return self._read_content()

    async def _read_content(self) -> bytes:
        content: bytes = AWSResponse.content.fget(self)
        return content

    @property
    def text(self) -> Any:
        return self._read_text()

    async def _read_text(self) -> str:
        content = await self._read_content()
        encoding = get_encoding_from_headers(self.headers)  # type: ignore[attr-defined]
        return content.decode(encoding or "utf-8")


class _AsyncHTTPResponse(_AwaitableContent, _HTTPResponse):
    """An answered call's response for an aiobotocore client."""


class _AsyncAWSResponse(_AwaitableContent, AWSResponse):  # type: ignore[misc]
    """A fault-path response (the service's bytes) for an aiobotocore client."""


# Response class by request signer class: aiobotocore's signer signs in a coroutine.
_response_classes: dict[type, type[_HTTPResponse]] = {}


def _response_class(request_signer: Any) -> type[_HTTPResponse]:
    kind = request_signer.__class__
    chosen = _response_classes.get(kind)
    if chosen is None:
        is_async = inspect.iscoroutinefunction(getattr(kind, "sign", None))
        chosen = _AsyncHTTPResponse if is_async else _HTTPResponse
        if len(_response_classes) < 100:
            _response_classes[kind] = chosen
    return chosen


# What a call let through to before_send carries to it: its caller (see
# callers.caller; _NOT_FETCHED stands for None, credentials not fetched yet), and
# whether its client awaits responses (aiobotocore).
CALLER_HEADER = "x-pytest-mturk-caller"
ASYNC_HEADER = "x-pytest-mturk-async"
_NOT_FETCHED = "*"

_decode = json.JSONDecoder().decode


def _request_body(raw: Any) -> dict[str, Any]:
    if not raw or raw == b"{}":
        return {}
    try:
        body = _decode(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


_SCALARS = frozenset((str, int, bool))


class _Operation:
    """What the hook needs of one operation, worked out from the model once."""

    __slots__ = ("check", "members", "direct", "copy")

    def __init__(self, model: Any) -> None:
        self.check = validator_for(model)
        shape = model.input_shape
        self.members = frozenset(shape.members) if shape is not None else frozenset()
        # Parameters can be taken as given unless the wire form differs from them.
        self.direct = shape is None or not _has_timestamp(shape)
        output = model.output_shape
        self.copy: Copier = copier(output) if output is not None else dict.copy

    def body(self, context: Any, params: dict[str, Any]) -> dict[str, Any]:
        """The request body as the service receives it.

        botocore has turned the call's parameters into JSON; when they are all
        plain strings and integers that the operation knows, decoding that JSON
        only gives them back, so a copy of them is taken instead.
        """
        given = context.get(_bootstrap.PARAMS_KEY) if context is not None else None
        if given is not None and self.direct and given.__class__ is dict:
            members = self.members
            for key, value in given.items():
                if key not in members or value.__class__ not in _SCALARS:
                    break
            else:
                return dict(given)
        return _request_body(params.get("body"))


def _has_timestamp(shape: Any) -> bool:
    kind = shape.type_name
    if kind == "timestamp":
        return True
    if kind == "structure":
        return any(_has_timestamp(member) for member in shape.members.values())
    if kind == "list":
        return _has_timestamp(shape.member)
    if kind == "map":
        return _has_timestamp(shape.value)
    return False


_operations: dict[str, _Operation] = {}


def _operation(model: Any) -> _Operation:
    operation = _operations.get(model.name)
    if operation is None:
        operation = _operations[model.name] = _Operation(model)
    return operation


def answer(
    service: Service, environment: Environment, name: str, check: Check, body: dict[str, Any]
) -> Call:
    """Validate and answer one request body; the :class:`Call` holds the body or error."""
    try:
        check(body)
    except ServiceError as exc:
        return service.record_refusal(environment, name, body, exc)
    return service.invoke(environment, name, body)


def respond(service: Service, call: Call, copy: Copier) -> tuple[int, dict[str, Any]]:
    """``(HTTP status, parsed response)`` for a call, as botocore would hand them on.

    The call log keeps the body as answered; the caller gets its own copy.
    """
    request_id = service.ids.request_id()
    if call.error is None:
        response = call.response
        parsed = copy(response) if response else {}
        parsed["ResponseMetadata"] = _metadata(request_id, 200, call.time)
        return 200, parsed
    parsed = error_response(call.error, request_id, call.time)
    return call.error.status, parsed


def before_call(
    model: Any = None,
    params: Any = None,
    request_signer: Any = None,
    context: Any = None,
    **kwargs: Any,
) -> tuple[AWSResponse, dict[str, Any]] | None:
    """Answer one call before botocore signs or sends it."""
    try:
        service = _active[-1]
    except IndexError:
        _bootstrap.refuse_if_unstarted()
        return None
    if model is None or params is None:
        return None
    name = model.name
    key = caller(service, request_signer)
    refused = refusal(service, key)
    if refused is None and service.faults and service.faults.get(name):
        # Let it be sent, unsigned (signing would fetch deferred credentials:
        # an STS request): before_send answers it, botocore retries.
        if context is not None:
            context[CALLER_KEY] = key
            context["auth_type"] = "none"
        # Older botocore (1.40, for one) does not hand the context on to the prepared request
        # that before_send sees, and the request goes unsigned: the caller and the
        # kind of client travel in private headers, which before_send takes off.
        headers = params.get("headers")
        if isinstance(headers, dict):
            headers[CALLER_HEADER] = _NOT_FETCHED if key is None else key
            if _response_class(request_signer) is _AsyncHTTPResponse:
                headers[ASYNC_HEADER] = "1"
        return None
    operation = _operations.get(name) or _operation(model)
    url = params.get("url", "")
    environment = _environments.get(url) or _environment(url)
    body = operation.body(context, params)
    if refused is not None:
        call = service.record_refusal(environment, name, body, refused)
    else:
        call = answer(service, environment, name, operation.check, body)
    status, parsed = respond(service, call, operation.copy)
    headers = parsed["ResponseMetadata"]["HTTPHeaders"]
    response_class = _response_classes.get(request_signer.__class__) or _response_class(
        request_signer
    )
    return response_class(url, status, headers, model, call), parsed


# -- faults: answered as bytes at before-send, through botocore's retries --------------

FAULTS = ("service_fault", "throttled", "lost")

_THROTTLED = ServiceError("Rate exceeded", None, type="ThrottlingException", stamp=False)
_service_model: Any = None


def _mturk_model() -> Any:
    global _service_model
    if _service_model is None:
        import botocore.session

        _service_model = botocore.session.get_session().get_service_model("mturk")
    return _service_model


class _Raw:
    """A fixed body for botocore's ``AWSResponse``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> list[bytes]:
        return [self._body]


def _access_key(request: Any) -> Any:
    """The access key a request was signed with (``botocore.UNSIGNED`` if it was not)."""
    authorization = request.headers.get("Authorization") or b""
    if isinstance(authorization, bytes):
        authorization = authorization.decode("ascii", "replace")
    if not authorization:
        return botocore.UNSIGNED
    _, _, rest = authorization.partition("Credential=")
    return rest.split("/", 1)[0]


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
        service = _active[-1]
    except IndexError:
        return None
    # A session given the hooks twice (built in, and by register()) calls this
    # twice per attempt; the second call hands back the first one's answer.
    answered = getattr(request, "_pytest_mturk_answer", None)
    if answered is not None:
        return answered
    target = request.headers.get("X-Amz-Target") or b""
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if not target.startswith(TARGET_PREFIX):
        return None
    operation_model = _mturk_model().operation_model(target[len(TARGET_PREFIX) :])
    url = request.url
    environment = _environment(url)
    body = _request_body(request.body)
    name = operation_model.name
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
    refused = refusal(service, key)
    fault = service.take_fault(name) if refused is None else None
    if refused is not None:
        call = service.record_refusal(environment, name, body, refused)
    elif fault == "service_fault":
        call = service.record_refusal(environment, name, body, service_fault())
    elif fault == "throttled":
        call = service.record_refusal(environment, name, body, _THROTTLED)
    else:
        call = answer(service, environment, name, _operation(operation_model).check, body)
        if fault == "lost":
            # The service did the work; the answer never arrived.
            raise ReadTimeoutError(endpoint_url=url)
    request_id = service.ids.request_id()
    if call.error is not None:
        status, payload = call.error.status, error_json(call.error, call.time)
    else:
        status, payload = 200, to_wire_json(operation_model, call.response or {})
    headers = {
        "x-amzn-requestid": request_id,
        "content-type": CONTENT_TYPE,
        "content-length": str(len(payload)),
        "date": _date_header(call.time),
    }
    response_class = _AsyncAWSResponse if is_async else AWSResponse
    response = response_class(url, status, headers, _Raw(payload))
    request._pytest_mturk_answer = response
    return response


# -- reaching sessions and clients -------------------------------------------------------


def install() -> None:
    """Make every botocore session created from now on carry the hooks (idempotent)."""
    _bootstrap.attach(sys.modules[__name__])
    _bootstrap.install()


register = _bootstrap.register


install()
