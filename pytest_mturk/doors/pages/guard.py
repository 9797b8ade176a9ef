"""What keeps the worker site to its own: signed cookies, CSRF tokens, and the checks
that a request changing state comes from the site's own pages (``docs/worker-pages.md``,
"What a page can do").

* The worker cookie is ``<WorkerId>.<MAC>``: an HMAC-SHA256 with the server's key
  (``Backend.page_secret``: new at every start of ``serve``; on a hosted server derived
  from its stored secret, so participants stay signed in across restarts), so a cookie
  naming a worker the browser did not sign in as is ignored.
* Every browser gets a session cookie, a random value; each form of the site's own
  carries the HMAC of it (:func:`csrf_token`) in a hidden field, checked on POST.
* A POST must also not come from elsewhere: a foreign ``Origin``, or a
  ``Sec-Fetch-Site`` other than ``same-origin`` or ``none``, is refused.
* A GET that changes state (the accept link, opening a qualification test) must be a
  top-level navigation from the site itself (:func:`worker_navigation`); from anywhere
  else it shows a page with the button or link that does it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from ...core.errors import UsageError

if TYPE_CHECKING:
    from ..http.backend import Backend

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "content_alias",
    "csrf_token",
    "foreign",
    "mac",
    "new_session",
    "origin_of",
    "serve_origins",
    "session_of",
    "signed_worker",
    "site_origins",
    "well_formed",
    "worker_navigation",
    "worker_of",
]

COOKIE = "mturk_worker"
SESSION_COOKIE = "mturk_session"
CSRF_FIELD = "csrf_token"
_WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}")
_SESSION = re.compile(r"[A-Za-z0-9_-]{32}")
_LOOPBACK_NAMES = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def well_formed(worker_id: str) -> bool:
    """Whether ``worker_id`` is a worker ID the site takes (``^A[A-Z0-9]{1,63}$``)."""
    return _WORKER_ID.fullmatch(worker_id) is not None


def mac(secret: bytes, *parts: str) -> str:
    """An HMAC-SHA256 of ``parts`` (joined by NUL) under ``secret``, URL-safe text: what
    the site's cookies and forms, and the requester area's, are signed with."""
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_worker(secret: bytes, worker_id: str) -> str:
    """The worker cookie's value for ``worker_id``."""
    return f"{worker_id}.{mac(secret, 'worker', worker_id)}"


def worker_of(secret: bytes, cookie: str) -> str | None:
    """The worker a cookie names, if the server signed it; else ``None``."""
    worker_id, dot, given = cookie.partition(".")
    if not dot or not well_formed(worker_id):
        return None
    expected = mac(secret, "worker", worker_id).encode()
    same = hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected)
    return worker_id if same else None


def new_session() -> str:
    """A fresh session value (192 random bits)."""
    return secrets.token_urlsafe(24)


def session_of(request: Request, cookie: str = SESSION_COOKIE) -> str | None:
    """The request's session value (in ``cookie``), if it has a well-formed one."""
    value = request.cookies.get(cookie) or ""
    return value if _SESSION.fullmatch(value) else None


def csrf_token(secret: bytes, session: str, purpose: str = "csrf") -> str:
    """The token the site's forms (or another area's, by ``purpose``) carry for ``session``."""
    return mac(secret, purpose, session)


def csrf_ok(secret: bytes, session: str | None, given: str | None, purpose: str = "csrf") -> bool:
    """Whether ``given`` is the session's token."""
    if session is None or not given:
        return False
    expected = csrf_token(secret, session, purpose).encode()
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased as browsers send it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def foreign(request: Request, own: Iterable[str]) -> str | None:
    """Why a request that changes state is not the site's own (``None``: it is)."""
    mine = {origin.lower() for origin in own}
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in mine:
        return f"The request came from another site ({origin})."
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return f"The request came from another site (Sec-Fetch-Site: {site})."
    return None


def worker_navigation(request: Request, own: Iterable[str]) -> bool:
    """Whether a GET that changes state is the worker's own doing: a top-level
    navigation (``Sec-Fetch-Mode: navigate``, ``Sec-Fetch-Dest: document``) from the
    site itself, or an address typed in (``Sec-Fetch-Site: same-origin`` or ``none``).

    Never a frame's, a script's fetch or an image's, nor a navigation from another site:
    a HIT's frame can open a window, or move the worker's on a click, and another site's
    link looks the same as that. A client that sends no fetch metadata at all (not a
    browser, or an old one) is taken at its word.
    """
    headers = request.headers
    origin = headers.get("Origin")
    if origin is not None and origin.lower() not in {o.lower() for o in own}:
        return False
    mode, dest = headers.get("Sec-Fetch-Mode"), headers.get("Sec-Fetch-Dest")
    site = headers.get("Sec-Fetch-Site")
    if mode is None and dest is None and site is None:
        return True
    return mode == "navigate" and dest == "document" and site in ("same-origin", "none")


def site_origins(site_url: str, public: str | None = None) -> list[str]:
    """The worker site's origins for a server at ``site_url``: itself, its loopback
    alias (``127.0.0.1`` and ``localhost`` name the same server), and ``public``."""
    origin = origin_of(site_url)
    found = [origin]
    parts = urlsplit(origin)
    alias = _LOOPBACK_NAMES.get(parts.hostname or "")
    if alias is not None:
        found.append(f"{parts.scheme}://{alias}:{parts.port}")
    if public:
        found.append(origin_of(public))
    return found


def content_alias(site_url: str, content_url: str) -> str:
    """The content origin browsers are sent to: ``content_url``'s, named by the other
    loopback name when it would otherwise share the site's host name (cookies and
    SameSite ignore ports: ``127.0.0.1:8081`` is the same site as ``127.0.0.1:8080``,
    ``localhost:8081`` is not)."""
    site, content = urlsplit(origin_of(site_url)), urlsplit(origin_of(content_url))
    host = content.hostname or ""
    if host == site.hostname and host in _LOOPBACK_NAMES:
        host = _LOOPBACK_NAMES[host]
    return f"{content.scheme}://{host}:{content.port}"


def serve_origins(
    backend: Backend,
    site_url: str,
    content_url: str | None,
    *,
    site_origin: str | None = None,
    content_origin: str | None = None,
) -> None:
    """Tell the pages where they are served: the site at ``site_url`` (and
    ``site_origin``, its public origin behind a proxy), requester content at
    ``content_origin`` if given, else at ``content_url``'s origin (:func:`content_alias`);
    no content listener, no content origin."""
    for option, given in (("--site-origin", site_origin), ("--content-origin", content_origin)):
        parts = urlsplit(given or "")
        if given and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise UsageError(
                f"{option} takes an origin such as https://host.example, not {given!r}."
            )
    backend.site_origins = site_origins(site_url, site_origin)
    if content_origin:
        backend.content_origin = origin_of(content_origin)
    elif content_url:
        backend.content_origin = content_alias(site_url, content_url)
    else:
        backend.content_origin = None
