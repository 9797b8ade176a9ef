"""Participant links: ``<public-url>/join/<HITGroupId>?k=<token>``.

The token is an HMAC-SHA256 of the HIT group's ID with the server's secret (128 bits,
URL-safe), so a link works for its own group only, and nobody can make one for another
group without the secret. A recruiting platform appends its participant's ID to the
link (``&PROLIFIC_PID=...``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["JOIN_PATH", "link", "token", "token_ok"]

JOIN_PATH = "/join/"


def token(secret: bytes, group_id: str) -> str:
    """The link token of the HIT group ``group_id``."""
    digest = hmac.new(secret, b"join\0" + group_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def token_ok(secret: bytes, group_id: str, given: str | None) -> bool:
    """Whether ``given`` is the group's token (compared in constant time)."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), token(secret, group_id).encode())


def link(public_url: str, secret: bytes, group_id: str) -> str:
    """The participant link of the HIT group at a server reached at ``public_url``."""
    return f"{public_url.rstrip('/')}{JOIN_PATH}{group_id}?k={token(secret, group_id)}"
