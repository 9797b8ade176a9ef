"""The service API over HTTP: a JSON 1.1 request in, the service's answer out.

``POST /`` is the sandbox's API and ``POST /production/`` production's. A request names
its operation in ``X-Amz-Target``; the door reads it (:mod:`.reading`) and the caller's
access key from the SigV4 ``Authorization`` header, hands the call to the backend,
which runs it through the same dispatch as the in-process hook, and answers with the
service's JSON and HTTP status. What it cannot read (an unknown target, a body that is
not JSON) is refused as the service's front end refuses it. When the server knows the
secret keys (``--credentials``), the signature is verified first (:mod:`.signatures`),
and a request signed wrongly is refused as AWS's front end refuses it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from ...core.clock import wall_time
from ...core.dispatch import service_model
from ...core.errors import ServiceError
from ...core.model import Environment
from ...core.protocol import signed_key, wire_headers
from ...core.wire import error_json
from . import signatures
from .areas import Area, Handler, json_response
from .reading import read_request

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["AREA", "production", "sandbox"]


def _protocol_error(error: ServiceError, environment: Environment) -> Response:
    """The front end's refusal of a request it cannot read: never reaches the service,
    so no call is recorded and no seeded request ID drawn (a random version 4 UUID, as
    the service's own IDs are)."""
    sandbox = environment is Environment.SANDBOX
    payload = error_json(error, wall_time(), sandbox=sandbox)
    request_id = str(uuid.uuid4())
    return Response(payload, error.status, headers=wire_headers(request_id, payload, wall_time()))


@functools.cache
def _known() -> frozenset[str]:
    """The operations of the service model (botocore's, loaded once)."""
    return frozenset(service_model().operation_names)


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name, their values as sent (WSGI gives them
    as latin-1 text)."""
    found: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        if isinstance(value, str):
            value = value.encode("latin-1", "replace").decode("utf-8", "replace")
        found[name.replace("_", "-").lower()] = str(value)
    return found


def _caller(backend: Backend, request: Request, body: bytes) -> Any:
    """The access key that signed the request: verified against the server's secrets when
    it knows them (:mod:`.signatures`), else as the ``Authorization`` header names it."""
    credentials = backend.access.credentials
    if credentials is None:
        return signed_key(request.headers.get("Authorization"))
    environ = request.environ
    return signatures.verify(
        credentials,
        method=request.method,
        path=quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe=_SAFE),
        query=environ.get("QUERY_STRING", ""),
        headers=_headers(environ),
        body=body,
        now=wall_time(),
    )


# What a client leaves unescaped in a path (WSGI gives it decoded).
_SAFE = "/~!$&'()*+,;=:@"


def _answer(backend: Backend, request: Request, environment: Environment) -> Response:
    body = request.get_data(cache=False)
    try:
        # Who calls, first: a request that is not signed as it must be is told so, and
        # nothing about what it asked.
        caller = _caller(backend, request, body)
        operation, params = read_request(request.headers.get("X-Amz-Target"), body, _known())
    except ServiceError as refused:
        return _protocol_error(refused, environment)
    outcome = backend.call(environment, operation, params, caller)
    payload = outcome.wire()
    # The Date of the answer is the wall clock's, never the simulation's: SDKs correct
    # their signing clock by it (botocore's clock skew correction).
    headers = wire_headers(outcome.request_id, payload, wall_time())
    return Response(payload, outcome.status, headers=headers)


def sandbox(backend: Backend, request: Request) -> Response:
    """A call of the sandbox's API."""
    return _answer(backend, request, Environment.SANDBOX)


def production(backend: Backend, request: Request) -> Response:
    """A call of production's API."""
    return _answer(backend, request, Environment.PRODUCTION)


def _call(
    handler: Handler, backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    response: Response = handler(backend, request)
    return response


def _refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    return json_response(
        {"error": "MethodNotAllowed", "message": "The service API takes POST."}, 405
    )


AREA = Area("service API", _call, _refuse, lambda path: False)
