"""Who the requester is: a signed cookie for the pages, HTTP Basic for the API, and
CSRF tokens on the pages' forms.

Both sign in with an access key and its secret from the server's credentials file
(``Access.credentials``), compared in constant time. The pages' browser gets a session
value (a random cookie); its forms carry an HMAC of it (the CSRF token), and signing in
binds the requester cookie to it: ``<access key>.<HMAC of key and session>``, keyed
with the requester area's key (``Hosting.requester_key``, derived from the hosted
secret: the same after a restart), so a cookie is worth nothing in another browser or
on a server with another secret.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Mapping

from werkzeug.wrappers import Request

from ..http.signatures import Secret
from ..pages import guard

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "basic_key",
    "check_secret",
    "csrf_ok",
    "csrf_token",
    "new_session",
    "requester_of",
    "session_of",
    "signed_requester",
]

COOKIE = "mturk_requester"
SESSION_COOKIE = "mturk_requester_session"
CSRF_FIELD = "csrf_token"
_CSRF = "requester-csrf"  # the purpose its tokens are made for


def check_secret(credentials: Mapping[str, Secret], key: str, secret: str) -> bool:
    """Whether ``secret`` is ``key``'s secret (constant time; an unknown key is compared
    all the same, against a secret of its own)."""
    known = credentials.get(key)
    expected = known.secret_key if known is not None else secrets.token_urlsafe(30)
    same = hmac.compare_digest(
        secret.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
    return known is not None and same


def basic_key(credentials: Mapping[str, Secret], authorization: str | None) -> str | None:
    """The access key of an ``Authorization: Basic`` header whose secret is right."""
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    key, colon, secret = decoded.partition(":")
    if not colon or not check_secret(credentials, key, secret):
        return None
    return key


# The browser's session and the CSRF tokens of its forms, as the worker pages make
# them (pages.guard), under the area's own cookie and purpose.
new_session = guard.new_session


def session_of(request: Request) -> str | None:
    """The request's session value, if it has a well-formed one."""
    return guard.session_of(request, SESSION_COOKIE)


def csrf_token(secret: bytes, session: str) -> str:
    """The token the area's forms carry for ``session``."""
    return guard.csrf_token(secret, session, _CSRF)


def csrf_ok(secret: bytes, session: str | None, given: str | None) -> bool:
    """Whether ``given`` is the session's token."""
    return guard.csrf_ok(secret, session, given, _CSRF)


def signed_requester(secret: bytes, key: str, session: str) -> str:
    """The requester cookie's value for ``key`` signed in on ``session``."""
    return f"{key}.{guard.mac(secret, 'requester', key, session)}"


def requester_of(
    secret: bytes, credentials: Mapping[str, Secret], cookie: str, session: str | None
) -> str | None:
    """The access key a requester cookie names, if it is signed for this session and the
    key is still in the credentials; else ``None``."""
    key, dot, mac = cookie.rpartition(".")
    if not dot or session is None or key not in credentials:
        return None
    expected = guard.mac(secret, "requester", key, session)
    return (
        key
        if hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), expected.encode())
        else None
    )
