"""The HTTP door as a WSGI application: the service's JSON 1.1 API and the control API.

Routes (see ``docs/server.md``):

* ``POST /`` -- the sandbox's service API; ``POST /production/`` -- production's.
  A request names its operation in ``X-Amz-Target`` and is answered with the
  service's JSON and HTTP status, through the same dispatch as the in-process hook.
* ``/_mturk/...`` -- the control API: JSON in, JSON out, answered by the backend.

The door only translates. What it cannot read (an unknown target, a body that is
not JSON) is refused as the service's front end refuses it
(:mod:`pytest_mturk.core.protocol`); a body over the size limit gets HTTP 413; a
failure of the backend itself gets HTTP 500 with a JSON body, never a dropped
connection.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ...core.clock import wall_time
from ...core.dispatch import service_model
from ...core.errors import ServiceError, UsageError
from ...core.model import Environment
from ...core.protocol import read_request, signed_key, wire_headers
from ...core.wire import error_json
from ..pages import answer as worker_page

if TYPE_CHECKING:
    from ...core.dispatch import Outcome

__all__ = [
    "CONTROL_PREFIX",
    "MAX_BODY",
    "PRODUCTION_PATH",
    "Backend",
    "ControlError",
    "make_app",
]

PRODUCTION_PATH = "/production/"
CONTROL_PREFIX = "/_mturk/"
# The largest request body read (bytes); a larger one gets HTTP 413 unread. A HIT's
# Question is at most 131,072 characters, so 4 MiB leaves room for any real request.
MAX_BODY = 4 * 1024 * 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ControlError(Exception):
    """A control request refused, with the HTTP status to answer it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Backend(Protocol):
    """What answers the server's requests (``pytest_mturk.faces.serving.Backend``)."""

    def call(
        self, environment: Environment, operation: str, params: dict[str, Any], caller: Any
    ) -> Outcome:
        """Answer one service API call, through dispatch."""

    def control(self, method: str, path: str, body: Any, query: Mapping[str, str]) -> Any:
        """Answer one control API request (``path`` below the control prefix) with
        JSON-able data; :class:`ControlError` or ``UsageError`` to refuse it."""


def _json(data: Any, status: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, default=str, indent=None)
    return Response(text.encode("utf-8"), status, content_type="application/json")


def _protocol_error(error: ServiceError, environment: Environment) -> Response:
    """The front end's refusal of a request it cannot read: never reaches the service,
    so no call is recorded and no seeded request ID drawn (a random version 4 UUID, as
    the service's own IDs are)."""
    sandbox = environment is Environment.SANDBOX
    payload = error_json(error, wall_time(), sandbox=sandbox)
    request_id = str(uuid.uuid4())
    return Response(payload, error.status, headers=wire_headers(request_id, payload, wall_time()))


def make_app(backend: Backend, *, max_body: int = MAX_BODY) -> WSGIApp:
    """A WSGI application answering the service API and the control API from ``backend``."""
    known = frozenset(service_model().operation_names)

    def service(request: Request, environment: Environment) -> Response:
        if request.method != "POST":
            return _json(
                {"error": "MethodNotAllowed", "message": "The service API takes POST."}, 405
            )
        body = request.get_data(cache=False)
        try:
            operation, params = read_request(request.headers.get("X-Amz-Target"), body, known)
        except ServiceError as refused:
            return _protocol_error(refused, environment)
        outcome = backend.call(
            environment, operation, params, signed_key(request.headers.get("Authorization"))
        )
        payload = outcome.wire()
        headers = wire_headers(outcome.request_id, payload, outcome.call.time)
        return Response(payload, outcome.status, headers=headers)

    def control(request: Request) -> Response:
        raw = request.get_data(cache=False)
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (ValueError, RecursionError):
            return _json({"error": "BadRequest", "message": "The body is not JSON."}, 400)
        path = request.path[len(CONTROL_PREFIX) :].strip("/")
        try:
            result = backend.control(request.method, path, body, dict(request.args))
        except ControlError as refused:
            return _json({"error": "ControlError", "message": refused.message}, refused.status)
        except UsageError as misuse:
            return _json({"error": type(misuse).__name__, "message": str(misuse)}, 400)
        return _json(result)

    def route(request: Request) -> Response:
        path = request.path
        if path == "/":
            return service(request, Environment.SANDBOX)
        if path in (PRODUCTION_PATH, PRODUCTION_PATH.rstrip("/")):
            return service(request, Environment.PRODUCTION)
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return control(request)
        page = worker_page(backend, request)  # type: ignore[arg-type]
        if page is not None:
            return page
        return _json(
            {
                "error": "NotFound",
                "message": f"Nothing at {path}: the sandbox is at /, production at "
                f"{PRODUCTION_PATH}, the control API under {CONTROL_PREFIX}.",
            },
            404,
        )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = max_body
        try:
            response = route(request)
        except HTTPException as refused:  # 413 for a body over the limit, and the like
            response = _json(
                {"error": type(refused).__name__, "message": refused.description},
                refused.code or 400,
            )
        except Exception as exc:  # a bug of the simulator's: an answer, not a dropped line
            response = _json({"error": "InternalError", "message": repr(exc)}, 500)
        return response(environ, start_response)

    return app
