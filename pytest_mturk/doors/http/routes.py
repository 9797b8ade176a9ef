"""Every route the HTTP door answers, in one table: the service API, the control API, the
worker pages and the hosted profile's requester area (``docs/server.md``,
``docs/worker-pages.md`` and ``docs/hosted.md`` describe them).

:func:`answer` finds a request's route: the first whose pattern matches the whole
path and takes the request's method. A path some route has, asked with another
method, is refused by that route's area; a path no route has, by the area it belongs
to (the control API's are below ``/_mturk/``, the worker site's below its prefixes);
any other gets the door's own 404.

Requester content (an HTMLQuestion's page, the helper script it loads) is answered only
on the content listener (the WSGI environ names it, under :data:`LISTENER`),
and nothing else is: the worker site, the control API and the service API are never on
the content origin, nor requester content on theirs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from ..pages import accept_link, assets, context, frames, qualifications, submit, tasks, workers
from ..requester import api as requester_api
from ..requester import area as requester_area
from ..requester import backup as requester_backup
from ..requester import join
from ..requester import pages as requester_pages
from . import control, gate, health, service_api
from .areas import CONTROL_PREFIX, PRODUCTION_PATH, Area, Handler, Route, json_response

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["CONTENT", "LISTENER", "PAGES", "REQUESTER", "ROUTES", "answer"]

# The worker pages weigh a request's origin themselves (pages.guard: CSRF tokens, Origin
# and fetch metadata, and /mturk/externalSubmit open to a HIT's own origin): the gate
# checks their Host only.
PAGES = Area("worker pages", context.call, context.refuse, context.claims, True, True)
# Requester content: ungated, since its Host is the content origin's, not the site's.
CONTENT = Area(
    "requester content", context.call_content, context.refuse_content, context.claims_content
)
# The WSGI environ's key naming the listener a request came in on: "site" or "content".
LISTENER = "pytest_mturk.listener"
SERVICE, CONTROL = service_api.AREA, control.AREA
# The hosted profile's requester pages and API, and participant links (doors/requester).
REQUESTER = Area(
    "requester area", requester_area.call, requester_area.refuse, requester_area.claims, True
)

GET, POST, BOTH = (
    frozenset({"GET", "HEAD"}),
    frozenset({"POST"}),
    frozenset({"GET", "HEAD", "POST"}),
)
ONLY_GET = frozenset({"GET"})  # the control API's reads, and a link that changes state
_ID = r"([A-Z0-9]{1,64})"
_C = re.escape(CONTROL_PREFIX.rstrip("/"))


def _route(area: Area, pattern: str, methods: frozenset[str], handler: Handler) -> Route:
    return Route(area, re.compile(pattern), methods, handler)


ROUTES: tuple[Route, ...] = (
    # The service API: JSON 1.1, each world at its own path.
    _route(SERVICE, r"/", POST, service_api.sandbox),
    _route(SERVICE, re.escape(PRODUCTION_PATH) + "?", POST, service_api.production),
    # The control API: JSON in, JSON out.
    _route(CONTROL, rf"{_C}/*", ONLY_GET, control.info),
    _route(CONTROL, rf"{_C}/+clock/*", ONLY_GET, control.clock),
    _route(CONTROL, rf"{_C}/+snapshot/*", ONLY_GET, control.snapshot),
    _route(CONTROL, rf"{_C}/+backup/*", ONLY_GET, requester_backup.take),
    _route(CONTROL, rf"{_C}/+({'|'.join(control.STATES)})/*", ONLY_GET, control.state),
    _route(CONTROL, rf"{_C}/+snapshot/*", POST, control.load),
    _route(CONTROL, rf"{_C}/+reset/*", POST, control.reset),
    _route(CONTROL, rf"{_C}/+clock/advance/*", POST, control.advance),
    _route(CONTROL, rf"{_C}/+workers/([^/]*)(?:/([^/]*))?/*", POST, control.worker),
    # The health check: no token, its own Host only.
    _route(health.AREA, re.escape(health.PATH), GET, health.healthz),
    # The worker pages: HTML.
    _route(PAGES, r"/projects/?", GET, tasks.projects),
    _route(PAGES, rf"/projects/{_ID}/tasks/?", GET, tasks.group_preview),
    _route(PAGES, rf"/projects/{_ID}/tasks/accept", POST, tasks.accept),
    _route(PAGES, rf"/projects/{_ID}/tasks/accept_random", ONLY_GET, accept_link.accept_random),
    _route(PAGES, rf"/projects/{_ID}/tasks/{_ID}", BOTH, tasks.task),
    _route(PAGES, rf"/projects/{_ID}/tasks/{_ID}/return", POST, tasks.return_),
    _route(PAGES, r"/tasks/?", GET, tasks.queue),
    _route(PAGES, r"/worker/?", BOTH, workers.sign_in),
    _route(PAGES, r"/worker/sign-out", POST, workers.sign_out),
    _route(PAGES, r"/mturk/preview", GET, submit.classic_preview),
    _route(PAGES, r"/mturk/externalSubmit", BOTH, submit.external_submit),
    _route(PAGES, re.escape(assets.STYLE_PATH), GET, assets.style),
    _route(PAGES, re.escape(assets.SCRIPT_PATH), GET, assets.script),
    _route(PAGES, r"/qualifications/?", GET, qualifications.listing),
    _route(PAGES, rf"/qualifications/{_ID}", BOTH, qualifications.request_page),
    # Participant links, the requester's pages and API: HTML, and CSV or JSON.
    _route(REQUESTER, rf"/join/{_ID}", ONLY_GET, join.join),
    _route(REQUESTER, rf"/join/{_ID}/done", ONLY_GET, join.done),
    _route(REQUESTER, r"/requester/?", GET, requester_pages.groups),
    _route(REQUESTER, r"/requester/sign-in", BOTH, requester_pages.sign_in),
    _route(REQUESTER, r"/requester/sign-out", POST, requester_pages.sign_out),
    _route(REQUESTER, r"/requester/style\.css", GET, requester_pages.style_sheet),
    _route(REQUESTER, rf"/requester/groups/{_ID}", GET, requester_pages.group),
    _route(REQUESTER, rf"/requester/groups/{_ID}/completion", POST, requester_pages.completion),
    _route(
        REQUESTER,
        rf"/requester/assignments/{_ID}/(approve|reject)",
        POST,
        requester_pages.assignment_action,
    ),
    _route(REQUESTER, rf"/requester/api/links/{_ID}", GET, requester_api.link),
    _route(REQUESTER, r"/requester/api/results\.csv", GET, requester_api.results_download),
    _route(REQUESTER, r"/requester/api/payments\.csv", GET, requester_api.payments),
    # Requester content, on the content origin only.
    _route(CONTENT, r"/dynamic/hit", GET, submit.html_question),
    _route(CONTENT, re.escape(frames.HELPER_PATH), GET, submit.helper_script),
)
AREAS = (SERVICE, CONTROL, PAGES, REQUESTER)


def _gate(backend: Backend, request: Request, area: Area) -> Response | None:
    """The gate's refusal of a request to a gated area, or ``None``."""
    if not area.gated:
        return None
    refused = gate.refusal(backend.access, request.environ, any_origin=area.checks_origin)
    if refused is None:
        return None
    return json_response({"error": refused.error, "message": refused.message}, refused.status)


def answer(backend: Backend, request: Request) -> Response:
    """The response to ``request``: its route's, or its area's refusal."""
    path, method = request.path, request.method
    on_content = request.environ.get(LISTENER, "site") == "content"
    refusing: Area | None = None
    allowed: frozenset[str] = frozenset()
    for route in ROUTES:
        if (route.area is CONTENT) is not on_content:
            continue
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        if method in route.methods:
            turned_away = _gate(backend, request, route.area)
            if turned_away is not None:
                return turned_away
            return route.area.call(route.handler, backend, request, match.groups())
        refusing, allowed = route.area, allowed | route.methods
    if refusing is None:
        refusing = CONTENT if on_content else next((a for a in AREAS if a.claims(path)), None)
    if refusing is not None:
        return _gate(backend, request, refusing) or refusing.refuse(backend, request, allowed)
    return json_response(
        {
            "error": "NotFound",
            "message": f"Nothing at {path}: the sandbox is at /, production at "
            f"{PRODUCTION_PATH}, the control API under {CONTROL_PREFIX}.",
        },
        404,
    )
