"""The HTTP door as a WSGI application: every request answered through the one route table.

Routes (:mod:`.routes`; ``docs/server.md`` describes them):

* ``POST /`` -- the sandbox's service API; ``POST /production/`` -- production's
  (:mod:`.service_api`);
* ``/_mturk/...`` -- the control API (:mod:`.control`);
* the worker pages (:mod:`pytest_mturk.doors.pages`).

A body over the size limit gets HTTP 413 unread; a failure of the door itself gets
HTTP 500 with a JSON body, never a dropped connection. That body says only that the
server failed and gives an incident ID; the exception and its traceback go to the
log (standard error, unless logging is set up otherwise) under the same ID, for the
operator, never to the client.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from .areas import json_response
from .routes import answer

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["MAX_BODY", "WSGIApp", "make_app"]

# The largest request body read (bytes); a larger one gets HTTP 413 unread. A HIT's
# Question is at most 131,072 characters, so 4 MiB leaves room for any real request.
MAX_BODY = 4 * 1024 * 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_log = logging.getLogger("pytest_mturk.doors.http")


def _failed(environ: dict[str, Any]) -> Any:
    """The answer to a request the door failed on: an incident ID, logged with the
    traceback; the exception's text, paths and the request's content stay out of it."""
    incident = secrets.token_hex(8)
    _log.error(
        "incident %s: %s %s failed",
        incident,
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        exc_info=True,
    )
    return json_response(
        {
            "error": "InternalError",
            "message": f"The server failed to answer this request (incident {incident}; "
            "its log has the details).",
            "incident": incident,
        },
        500,
    )


def make_app(backend: Backend, *, max_body: int = MAX_BODY) -> WSGIApp:
    """A WSGI application answering the service API, the control API and the worker
    pages from ``backend``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = max_body
        try:
            response = answer(backend, request)
        except HTTPException as refused:  # 413 for a body over the limit, and the like
            response = json_response(
                {"error": type(refused).__name__, "message": refused.description},
                refused.code or 400,
            )
        except Exception:  # a bug of the simulator's: an answer, not a dropped line
            response = _failed(environ)
        return response(environ, start_response)

    return app
