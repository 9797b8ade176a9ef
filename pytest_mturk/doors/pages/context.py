"""What every worker page handler gets (the backend, the request, the signed-in worker),
and how the pages answer as an area of the HTTP door (:func:`call`, :func:`refuse`,
:func:`claims`; the door's route table lists the pages' routes). Requester HTML is an
area of its own, answered on the content origin only (:func:`call_content`,
:func:`refuse_content`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ...core.errors import UsageError
from . import guard, headers, html
from .guard import COOKIE, CSRF_FIELD, SESSION_COOKIE, well_formed

if TYPE_CHECKING:
    from ...core.service import Service
    from ..http.backend import Backend

__all__ = [
    "COOKIE",
    "Context",
    "PageRefusal",
    "call",
    "call_content",
    "claims",
    "refuse",
    "refuse_content",
    "well_formed",
]

T = TypeVar("T")
# Paths that are the worker site's even when no route matches them (a malformed ID):
# refused by the pages, never passed on to the service API.
PREFIXES = (
    "/projects",
    "/tasks",
    "/worker",
    "/mturk/",
    "/dynamic/",
    "/mturk-public/",
    "/qualifications",
)
# Where other sites post by design: a HIT's form, from the HIT's own origin. The
# assignment ID it names is the worker's secret, as it was on MTurk.
OPEN_TO_ALL = frozenset({"/mturk/externalSubmit"})
FOREIGN = "Refused"
EXPIRED = (
    "This form did not come from this site's own page, or has expired (the server was "
    "started again): go back, reload the page and send it again."
)


class PageRefusal(Exception):
    """A request the pages refuse: an HTTP status, a title and the reason shown."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass
class Context:
    """One request to the worker pages (``session``: the browser's session value, which
    the site's forms are signed for)."""

    backend: Backend
    request: Request
    worker_id: str | None
    session: str = ""

    @property
    def site_origin(self) -> str:
        """The worker site's origin as the browser reached it: a configured public origin
        of the same host (an HTTPS proxy in front), else the request's own."""
        own = guard.origin_of(self.request.host_url)
        netloc = urlsplit(own).netloc
        for origin in self.backend.site_origins:
            if urlsplit(origin).netloc == netloc and origin.startswith("https://"):
                return origin
        return own

    @property
    def base_url(self) -> str:
        """The worker site's base URL as the browser reached it (``turkSubmitTo``)."""
        return self.site_origin

    @property
    def secure(self) -> bool:
        """Whether the browser reached the site over HTTPS (cookies are then ``Secure``)."""
        return self.site_origin.startswith("https://")

    @property
    def csrf(self) -> str:
        """The token the site's forms carry for this browser's session."""
        return guard.csrf_token(self.backend.page_secret, self.session) if self.session else ""

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return html.page(title, body, self.worker_id, status, self.csrf)

    def need_worker(self) -> str:
        """The signed-in worker, or a refusal sending the browser to sign in."""
        if self.worker_id is None:
            raise PageRefusal(
                401, "Sign in", "Sign in as a worker first (any worker ID, e.g. A1B2C3D4E5F6G7)."
            )
        return self.worker_id

    def worker_navigated(self) -> bool:
        """Whether this GET is the worker's own top-level navigation
        (:func:`.guard.worker_navigation`): only then may a GET change state."""
        return guard.worker_navigation(self.request, self._own_origins())

    def _own_origins(self) -> set[str]:
        return {self.site_origin, *self.backend.site_origins}

    def check_post(self) -> None:
        """Refuse (403, nothing done) a POST from another site, or without the token
        of this browser's session."""
        why = guard.foreign(self.request, self._own_origins())
        if why is not None:
            raise PageRefusal(403, FOREIGN, f"{why} Use this site's own pages.")
        given = self.request.form.get(CSRF_FIELD)
        if not guard.csrf_ok(self.backend.page_secret, guard.session_of(self.request), given):
            raise PageRefusal(403, FOREIGN, EXPIRED)

    @contextlib.contextmanager
    def acting(self, title: str) -> Iterator[Backend]:
        """The backend, for a worker's action; a refusal of it (the simulator's reason)
        is a 400 page titled ``title``."""
        try:
            yield self.backend
        except UsageError as refused:
            raise PageRefusal(400, title, str(refused)) from None

    def look(self, read: Callable[[Service], T]) -> T:
        """Read the served service (see :meth:`Backend.look`)."""
        return self.backend.look(read)

    def field(self, name: str) -> str | None:
        """One field of the request (query string or form), ``None`` if absent."""
        value = self.request.values.get(name)
        return value if isinstance(value, str) else None

    def set_cookie(self, response: Response, name: str, value: str) -> None:
        """A cookie of the site's: for every path, never read by script, not sent with
        other sites' requests but top-level navigations, ``Secure`` over HTTPS."""
        response.set_cookie(
            name, value, httponly=True, samesite="Lax", path="/", secure=self.secure
        )


def see_other(location: str) -> Response:
    """The 303 after a form post: the browser GETs ``location``."""
    return redirect(location, 303)


def _context(backend: Backend, request: Request) -> tuple[Context, bool]:
    """The request's context, and whether its session is new (a cookie to set)."""
    cookie = request.cookies.get(COOKIE) or ""
    worker_id = guard.worker_of(backend.page_secret, cookie) if cookie else None
    session = guard.session_of(request)
    fresh = session is None
    return Context(backend, request, worker_id, session or guard.new_session()), fresh


def _finish(ctx: Context, response: Response, fresh: bool) -> Response:
    if fresh:
        ctx.set_cookie(response, SESSION_COOKIE, ctx.session)
    framable = ctx.request.path in OPEN_TO_ALL  # its answer is shown in the task's frame
    return headers.site(response, ctx.backend, framable=framable)


def call(
    handler: Callable[..., Response], backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    """A page's answer: ``handler(context, *groups)``, its refusal shown as a page (or,
    for a worker not signed in, the way to sign in). A POST is the site's own or
    refused (:meth:`Context.check_post`), but at :data:`OPEN_TO_ALL`."""
    ctx, fresh = _context(backend, request)
    try:
        if request.method == "POST" and request.path not in OPEN_TO_ALL:
            ctx.check_post()
        response = handler(ctx, *groups)
    except PageRefusal as refused:
        if refused.status == 401 and request.method != "POST":
            response = redirect(html.url("/worker", next=request.full_path.rstrip("?")), 303)
        else:
            response = html.refusal(
                refused.title, refused.message, ctx.worker_id, refused.status, ctx.csrf
            )
    finally:
        request.close()  # an uploaded file's temporary copy, if any
    return _finish(ctx, response, fresh)


def refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    """A worker site's path no page answers (with ``allowed`` methods, or at all)."""
    ctx, fresh = _context(backend, request)
    path = request.path
    if allowed:
        methods = ", ".join(sorted(allowed - {"HEAD"}))
        message, title, status = f"{path} takes {methods}.", "Method not allowed", 405
    else:
        message, title, status = f"There is no page at {path}.", "Not found", 404
    response = html.refusal(title, message, ctx.worker_id, status, ctx.csrf)
    return _finish(ctx, response, fresh)


def claims(path: str) -> bool:
    """Whether ``path`` is the worker site's."""
    return path.startswith(PREFIXES) or path == "/mturk"


# -- the content origin ------------------------------------------------------------------


def call_content(
    handler: Callable[..., Response], backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    """Requester content's answer: no worker, no session (the content origin never gets
    the site's cookies), the content origin's headers."""
    try:
        response = handler(Context(backend, request, None), *groups)
    finally:
        request.close()
    return headers.content(response, backend)


def refuse_content(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    """Anything but requester content, asked of the content origin: not here."""
    if allowed:
        response = Response("Method not allowed", 405, content_type="text/plain; charset=utf-8")
    else:
        response = Response(
            "Not found: this origin serves HIT content only.",
            404,
            content_type="text/plain; charset=utf-8",
        )
    return headers.content(response, backend)


def claims_content(path: str) -> bool:
    """Whether ``path`` is requester content's (asked of the site, it is not there)."""
    return path.startswith(("/dynamic/", "/mturk-public/"))
