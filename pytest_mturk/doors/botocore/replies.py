"""What botocore receives for a dispatched call: its parsed response and HTTP response.

The botocore door answers at ``before-call`` with the pair botocore's endpoint
would have made: the *parsed* response (what the client returns, or
``ClientError.response``), built directly rather than by running botocore's
parser over the service's bytes, and an HTTP response object whose body is
those bytes, made only if someone reads it. A fault-path call is answered at
``before-send`` with the bytes themselves, which botocore parses as usual.
``tests/test_wire_parity.py`` keeps the two readings equal.

aiobotocore awaits a response's ``content`` and ``text``: its clients get the
same objects with those two made awaitable.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.utils import get_encoding_from_headers

from ...core.errors import MODELED_ERRORS, ServiceError
from ...core.model import Environment
from ...core.protocol import CONTENT_TYPE, date_header
from ...core.wire import epoch_ms, error_json, to_wire_json

if TYPE_CHECKING:
    from ...core.service import Call


def metadata(request_id: str, status: int, now: _dt.datetime) -> dict[str, Any]:
    """The ``ResponseMetadata`` botocore adds to every parsed response."""
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        # botocore lower-cases the headers it hands back.
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "content-type": CONTENT_TYPE,
            "date": date_header(now),
        },
        "RetryAttempts": 0,
    }


def error_response(
    error: ServiceError, request_id: str, now: _dt.datetime, *, sandbox: bool = False
) -> dict[str, Any]:
    """What botocore makes of the service's error body (``ClientError.response``).

    botocore's JSON parser reads ``message`` and ``Message`` alike into
    ``Error.Message``, so the front end's bodies and MTurk's read the same way.
    """
    message = error.message_at(epoch_ms(now), sandbox=sandbox)
    parsed: dict[str, Any] = {
        "Error": {"Message": message, "Code": error.type},
        "ResponseMetadata": metadata(request_id, error.status, now),
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
            sandbox = call.environment is Environment.SANDBOX
            return [error_json(call.error, call.time, sandbox=sandbox)]
        return [to_wire_json(self._operation_model, call.response or {})]


class HTTPResponse(AWSResponse):  # type: ignore[misc]
    """botocore's response object for an answered call.

    ``AWSResponse`` builds a case-insensitive header dict up front, and the
    body is the service's JSON; almost no one reads either, so both are made
    on first access. Its ``__init__`` is not called, so nothing of its private
    state is relied on: the body is kept here.
    """

    def __init__(
        self, url: str, status: int, headers: dict[str, str], operation_model: Any, call: Call
    ) -> None:
        self.url = url
        self.status_code = status
        self._body: bytes | None = None
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

    @property
    def content(self) -> bytes:
        """The body as bytes, as ``AWSResponse.content`` reads it from ``raw``."""
        if self._body is None:
            self._body = b"".join(self.raw.stream()) or b""
        return self._body


class _AwaitableContent:
    """Makes a response's ``content`` and ``text`` awaitable, as aiobotocore reads them.

    aiobotocore's ``AioAWSResponse`` does the same; this mixin spares the
    plugin an import of aiobotocore. The bytes are botocore's own reading.
    """

    @property
    def content(self) -> Any:
        return self._read_content()

    async def _read_content(self) -> bytes:
        # The next class's reading: HTTPResponse's or botocore's AWSResponse's.
        content: bytes = super().content  # type: ignore[misc]
        return content

    @property
    def text(self) -> Any:
        return self._read_text()

    async def _read_text(self) -> str:
        content = await self._read_content()
        encoding = get_encoding_from_headers(self.headers)  # type: ignore[attr-defined]
        return content.decode(encoding or "utf-8")


class AsyncHTTPResponse(_AwaitableContent, HTTPResponse):
    """An answered call's response for an aiobotocore client."""


class _AsyncAWSResponse(_AwaitableContent, AWSResponse):  # type: ignore[misc]
    """A fault-path response (the service's bytes) for an aiobotocore client."""


# Response class by request signer class: aiobotocore's signer signs in a coroutine.
response_classes: dict[type, type[HTTPResponse]] = {}


def response_class(request_signer: Any) -> type[HTTPResponse]:
    """The response class for a client with this request signer (sync or async)."""
    kind = request_signer.__class__
    chosen = response_classes.get(kind)
    if chosen is None:
        is_async = inspect.iscoroutinefunction(getattr(kind, "sign", None))
        chosen = AsyncHTTPResponse if is_async else HTTPResponse
        if len(response_classes) < 100:
            response_classes[kind] = chosen
    return chosen


class _Raw:
    """A fixed body for botocore's ``AWSResponse``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> list[bytes]:
        return [self._body]


def wire_response(
    url: str, status: int, headers: dict[str, str], payload: bytes, is_async: bool
) -> AWSResponse:
    """A response carrying the service's bytes, for botocore (or aiobotocore) to parse."""
    kind = _AsyncAWSResponse if is_async else AWSResponse
    return kind(url, status, headers, _Raw(payload))
