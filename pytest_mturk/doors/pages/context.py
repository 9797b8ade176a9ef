"""What every worker page handler gets (the backend, the request, the signed-in worker),
and how the pages answer as an area of the HTTP door (:func:`call`, :func:`refuse`,
:func:`claims`; the door's route table lists the pages' routes)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ...core.errors import UsageError
from . import html

if TYPE_CHECKING:
    from ...core.service import Service
    from ..http.backend import Backend

__all__ = ["COOKIE", "Context", "PageRefusal", "call", "claims", "refuse", "well_formed"]

T = TypeVar("T")
COOKIE = "mturk_worker"
_WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}")
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


class PageRefusal(Exception):
    """A request the pages refuse: an HTTP status, a title and the reason shown."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass
class Context:
    """One request to the worker pages."""

    backend: Backend
    request: Request
    worker_id: str | None

    @property
    def base_url(self) -> str:
        """The worker site's base URL as the browser reached it (``turkSubmitTo``)."""
        return self.request.host_url.rstrip("/")

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return html.page(title, body, self.worker_id, status)

    def need_worker(self) -> str:
        """The signed-in worker, or a refusal sending the browser to sign in."""
        if self.worker_id is None:
            raise PageRefusal(
                401, "Sign in", "Sign in as a worker first (any worker ID, e.g. A1B2C3D4E5F6G7)."
            )
        return self.worker_id

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


def see_other(location: str) -> Response:
    """The 303 after a form post: the browser GETs ``location``."""
    return redirect(location, 303)


def well_formed(worker_id: str) -> bool:
    """Whether ``worker_id`` is a worker ID the site takes (``^A[A-Z0-9]{1,63}$``)."""
    return _WORKER_ID.fullmatch(worker_id) is not None


def _worker_id(request: Request) -> str | None:
    cookie = request.cookies.get(COOKIE) or ""
    return cookie if well_formed(cookie) else None


def call(
    handler: Callable[..., Response], backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    """A page's answer: ``handler(context, *groups)``, its refusal shown as a page (or,
    for a worker not signed in, the way to sign in)."""
    worker_id = _worker_id(request)
    try:
        return handler(Context(backend, request, worker_id), *groups)
    except PageRefusal as refused:
        if refused.status == 401 and request.method != "POST":
            return redirect(html.url("/worker", next=request.full_path.rstrip("?")), 303)
        return html.refusal(refused.title, refused.message, worker_id, refused.status)
    finally:
        request.close()  # an uploaded file's temporary copy, if any


def refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    """A worker site's path no page answers (with ``allowed`` methods, or at all)."""
    worker_id = _worker_id(request)
    path = request.path
    if allowed:
        methods = ", ".join(sorted(allowed - {"HEAD"}))
        return html.refusal("Method not allowed", f"{path} takes {methods}.", worker_id, 405)
    return html.refusal("Not found", f"There is no page at {path}.", worker_id, 404)


def claims(path: str) -> bool:
    """Whether ``path`` is the worker site's."""
    return path.startswith(PREFIXES) or path == "/mturk"
