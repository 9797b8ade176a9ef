"""``GET /healthz``: whether the server answers, for a proxy's or a supervisor's checks.

The answer is ``{"status": "ok"}`` and nothing else: no version, no secret, no state. It
needs no token (a container's health check has none) but passes the server's gate
(:func:`.gate.refusal`): its own ``Host`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .areas import Area, Handler, json_response

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["AREA", "PATH", "healthz"]

PATH = "/healthz"


def healthz(backend: Backend) -> Response:
    """200 ``{"status": "ok"}`` once the simulation can be read (its lock is free)."""
    backend.look(lambda service: service.now())
    return json_response({"status": "ok"})


def _call(
    handler: Handler, backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    response: Response = handler(backend)
    return response


def _refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    response = json_response({"error": "MethodNotAllowed", "message": f"{PATH} takes GET."}, 405)
    response.headers["Allow"] = "GET, HEAD"
    return response


def _claims(path: str) -> bool:
    return path == PATH


AREA = Area("health", _call, _refuse, _claims, gated=True)
