"""What every worker page handler gets: the backend, the request, the signed-in worker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ...core.errors import UsageError
from ...core.service import Service
from . import html

__all__ = ["COOKIE", "Backend", "Context", "PageRefusal"]

T = TypeVar("T")
COOKIE = "mturk_worker"


class Backend(Protocol):
    """What the pages need of the server's backend (``faces.serving.Backend``): to act
    as a worker, and to read the service it serves (handed down by the backend, so the
    pages need nothing above the core)."""

    frame_origins: Mapping[str, str]

    def act(self, record: dict[str, Any]) -> Any:
        """Run one action (a worker's, as the control API's worker actions are)."""

    def look(self, read: Callable[[Service], T]) -> T:
        """Run ``read(service)`` in one transaction of the service, the clock caught up."""


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

    def act(self, record: dict[str, Any], title: str) -> Any:
        """Run a worker's action; a refusal of it (the simulator's reason) is a 400 page."""
        try:
            return self.backend.act(record)
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
