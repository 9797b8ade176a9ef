"""How the requester area answers as an area of the HTTP door: who is asking (a
:class:`Visit`), the checks before a handler runs, and refusals in the area's words.

The area is on when the server verifies signatures (``Access.credentials`` set): the
requester signs in with those keys. Otherwise every path of it is a 404 that says so.
Checks before a handler runs: an API path needs HTTP Basic (401 with
``WWW-Authenticate: Basic`` otherwise); a page needs a signed-in requester (else the
sign-in page); a POST needs the session's CSRF token and must not come from another
site. A participant's link (``/join/...``) needs none of these: its token is its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..http.areas import json_response
from ..pages.context import PageRefusal
from . import layout, session
from .hosting import Hosting, hosting_of

if TYPE_CHECKING:
    from ..http.backend import Backend
    from ..http.signatures import Secret

__all__ = ["API_PREFIX", "PREFIX", "Refused", "Visit", "call", "claims", "refuse"]

PREFIX = "/requester"
API_PREFIX = "/requester/api/"
JOIN_PREFIX = "/join/"
# Pages anyone may see: signing in, and the style sheet.
_OPEN = frozenset({"/requester/sign-in", layout.STYLE_PATH})
OFF = (
    "The requester pages and participant links are on when the server verifies "
    "signatures: start it with --credentials FILE."
)


# A request the area refuses: the worker pages' refusal (an HTTP status, a title and the
# reason shown), answered here in the area's own layout.
Refused = PageRefusal


@dataclass
class Visit:
    """One request to the requester area (``requester``: the access key signed in,
    ``session``: the browser's session value its forms are signed for)."""

    backend: Backend
    request: Request
    hosting: Hosting
    credentials: dict[str, Secret]
    session: str
    requester: str | None = None

    @property
    def csrf(self) -> str:
        """The token of this session's forms."""
        return session.csrf_token(self.hosting.requester_key, self.session)

    @property
    def secure(self) -> bool:
        """Whether the browser reached the server over HTTPS (cookies are then Secure)."""
        return self.request.scheme == "https" or (self.hosting.public_url or "").startswith(
            "https://"
        )

    @property
    def public_url(self) -> str:
        """The address participants reach the server at."""
        return self.hosting.public_url or self.request.host_url.rstrip("/")

    def hidden_csrf(self) -> str:
        return f'<input type="hidden" name="{session.CSRF_FIELD}" value="{layout.esc(self.csrf)}">'

    def nav(self) -> str:
        if self.requester is None:
            return ""
        return (
            f'<a href="{PREFIX}/">HIT groups</a>'
            f'<span>Requester <strong id="requester">{layout.esc(self.requester)}</strong></span>'
            f'<form method="post" action="{PREFIX}/sign-out">{self.hidden_csrf()}'
            '<button type="submit" class="quiet">Sign out</button></form>'
        )

    def page(self, title: str, body: str, status: int = 200, head: str = "") -> Response:
        return layout.page(title, body, status, nav=self.nav(), head=head)

    def set_cookie(self, response: Response, name: str, value: str, path: str) -> None:
        response.set_cookie(
            name, value, httponly=True, samesite="Strict", path=path, secure=self.secure
        )


def _foreign(request: Request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    return site is not None and site not in ("same-origin", "none")


def _unauthorized() -> Response:
    response = json_response(
        {
            "error": "Unauthorized",
            "message": "The requester API takes HTTP Basic: an access key of the server's "
            "credentials file and its secret.",
        },
        401,
    )
    response.headers["WWW-Authenticate"] = 'Basic realm="pytest-mturk requester", charset="UTF-8"'
    return layout.secured(response)


def _check(visit: Visit) -> Response | None:
    """What stands between the request and its handler, or ``None``."""
    request, path = visit.request, visit.request.path
    if path.startswith(API_PREFIX):
        key = session.basic_key(visit.credentials, request.headers.get("Authorization"))
        if key is None:
            return _unauthorized()
        visit.requester = key
        return None
    if path.startswith(JOIN_PREFIX):
        return None
    cookie = request.cookies.get(session.COOKIE) or ""
    visit.requester = session.requester_of(
        visit.hosting.requester_key, visit.credentials, cookie, session.session_of(request)
    )
    if request.method == "POST":
        given = request.form.get(session.CSRF_FIELD)
        if _foreign(request) or not session.csrf_ok(
            visit.hosting.requester_key, session.session_of(request), given
        ):
            raise Refused(
                403,
                "Refused",
                "This form did not come from this site's own page, or has expired: go "
                "back, reload the page and send it again.",
            )
    if visit.requester is None and path not in _OPEN:
        if request.method == "POST":
            raise Refused(401, "Sign in", "Sign in as the requester first.")
        return redirect(f"{PREFIX}/sign-in", 303)
    return None


def call(
    handler: Callable[..., Response], backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    """A handler's answer, ``handler(visit, *groups)``, once the area's checks pass."""
    credentials = backend.access.credentials
    if credentials is None:
        return refuse(backend, request, frozenset())
    hosting = hosting_of(backend)
    given = session.session_of(request)
    visit = Visit(backend, request, hosting, dict(credentials), given or session.new_session())
    try:
        response = _check(visit) or handler(visit, *groups)
    except Refused as refused:
        if request.path.startswith(API_PREFIX):
            response = json_response(
                {"error": refused.title, "message": refused.message}, refused.status
            )
        else:
            response = layout.refusal(
                refused.title, refused.message, refused.status, nav=visit.nav()
            )
    finally:
        request.close()
    if (
        given is None
        and request.path.startswith(PREFIX + "/")
        and not request.path.startswith(API_PREFIX)
    ):
        visit.set_cookie(response, session.SESSION_COOKIE, visit.session, PREFIX)
    return layout.secured(response)


def refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    """A path of the area no route answers (with ``allowed`` methods, or at all)."""
    if backend.access.credentials is None:
        return layout.refusal("Not found", OFF, 404)
    if allowed:
        methods = ", ".join(sorted(allowed - {"HEAD"}))
        return layout.refusal("Method not allowed", f"{request.path} takes {methods}.", 405)
    return layout.refusal("Not found", f"There is no page at {request.path}.", 404)


def claims(path: str) -> bool:
    """Whether ``path`` is the requester area's (or a participant link's)."""
    return path == PREFIX or path.startswith((PREFIX + "/", JOIN_PREFIX)) or path == "/join"
