"""What a route of the HTTP door is: a path, its methods, its handler, and its area.

The server answers three areas -- the service API (JSON 1.1), the control API (JSON)
and the worker pages (HTML) -- each of which calls its handlers in its own way and
refuses in its own words what it has no route for. :mod:`.routes` lists every route of
all three in one table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ...core.json_text import dumps

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["CONTROL_PREFIX", "PRODUCTION_PATH", "Area", "Route", "json_response"]

PRODUCTION_PATH = "/production/"
CONTROL_PREFIX = "/_mturk/"

# A route's handler, as its area calls it (each area's own signature).
Handler = Callable[..., Any]


@dataclass(frozen=True)
class Area:
    """One area of the server.

    ``call(handler, backend, request, groups)`` answers a request its route matched
    (``groups`` the path's matched groups); ``refuse(backend, request, allowed)``
    answers one it has no route for (``allowed``: the methods its path takes, empty
    if no route has that path); ``claims(path)`` says whether a path is the area's,
    so that a path no route has is refused by the area it belongs to. A ``gated`` area
    answers only requests that pass :func:`.gate.refusal` (its own ``Host``, and no
    foreign ``Origin`` unless ``checks_origin``: an area that weighs a request's origin
    itself, as the worker pages do with their CSRF tokens and fetch metadata).
    """

    name: str
    call: Callable[[Handler, Backend, Request, tuple[str, ...]], Response]
    refuse: Callable[[Backend, Request, frozenset[str]], Response]
    claims: Callable[[str], bool]
    gated: bool = False
    checks_origin: bool = False


@dataclass(frozen=True)
class Route:
    """``methods`` at the paths ``pattern`` matches whole, answered by ``handler``."""

    area: Area
    pattern: re.Pattern[str]
    methods: frozenset[str]
    handler: Handler


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON answer (the control API's, and the door's own refusals)."""
    text = dumps(data, default=str)
    return Response(text.encode("ascii"), status, content_type="application/json")
