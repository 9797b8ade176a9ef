"""Who may call: the server's :class:`Access` (its control token, its own host names, the
secret keys it verifies signatures with) and the checks at its gates.

The control API and the worker pages share one gate (:func:`refusal`): a request must
name the server itself in ``Host`` -- so a page whose domain an attacker re-points at
this machine (DNS rebinding) cannot read it -- and, when it carries an ``Origin``, come
from the server's own origin, so that a page elsewhere cannot post to it. The control
API also needs the token (:func:`token_refusal`). Only standard WSGI keys are read
(``HTTP_HOST``, ``HTTP_ORIGIN``, ``SERVER_NAME``, ``SERVER_PORT``), so any WSGI server
may serve the door; the door's own server also says which port a request reached
(:data:`LISTENING_PORT`), which a proxy's forwarded headers cannot change.

A hosted server (``Access.strict_hosts``) is stricter: behind a proxy, ``SERVER_NAME``
is whatever host the proxy forwarded, so it is never taken as a name of the server's
own. It answers to its public names (``public_hosts``) however they arrive, and to a
loopback name (or the address it is bound to) only in a request made to its port
directly, from the machine itself, never in a forwarded host.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...core.errors import UsageError
from .signatures import Secret

__all__ = [
    "LISTENING_PORT",
    "Access",
    "Refusal",
    "hosts",
    "new_token",
    "refusal",
    "split_host",
    "token_refusal",
]

# The environ key of the port the request reached the server at, as its listener says it
# (``SERVER_PORT`` is the forwarded one behind a trusted proxy).
LISTENING_PORT = "pytest_mturk.port"

# The names a loopback or all-addresses server answers to on this machine.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_ALL_ADDRESSES = frozenset({"", "0.0.0.0", "::"})


def new_token() -> str:
    """A fresh control token: 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


@dataclass
class Access:
    """What the server lets in.

    ``control_token``: the bearer token the control API requires (a random one unless
    given). ``bound``: the address the server listens on (``None``: the WSGI server's
    ``SERVER_NAME``). ``public_hosts``: more host names it is reached by (``NAME`` or
    ``NAME:PORT``), e.g. behind a proxy. ``credentials``: access key to secret; when
    given, every service API request's signature is verified with them.
    ``strict_hosts``: the hosted profile's Host check (see the module's docstring).
    """

    control_token: str = field(default_factory=new_token)
    bound: str | None = None
    public_hosts: tuple[str, ...] = ()
    credentials: Mapping[str, Secret] | None = None
    strict_hosts: bool = False

    def __repr__(self) -> str:  # the token and the secrets stay out of any log
        return f"Access(bound={self.bound!r}, public_hosts={self.public_hosts!r})"


@dataclass(frozen=True)
class Refusal:
    """A request turned away at the gate: its HTTP status, error name and message."""

    status: int
    error: str
    message: str


def split_host(host: str) -> tuple[str, str | None]:
    """``("name", "port")`` of a ``Host`` value (``[::1]:80`` gives ``("::1", "80")``);
    the name lower-cased, the port ``None`` if not given."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, (rest[1:] if rest.startswith(":") else None)
    if host.count(":") > 1:  # a bare IPv6 address
        return host, None
    name, colon, port = host.partition(":")
    return name, (port if colon else None)


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _local(name: str) -> bool:
    if name in LOOPBACK_NAMES or name in _ALL_ADDRESSES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_allowed(access: Access, environ: Mapping[str, Any], host: str) -> bool:
    name, port = split_host(host)
    for public in access.public_hosts:
        public_name, public_port = split_host(public)
        if name == public_name and (public_port is None or public_port == port):
            return True
    if access.strict_hosts:
        return _direct(access, environ, name, port)
    own_port = str(environ.get("SERVER_PORT", ""))
    default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    if (port or default) != own_port:
        return False
    server_name = split_host(str(environ.get("SERVER_NAME", "")))[0]
    bound = server_name if access.bound is None else split_host(access.bound)[0]
    names = {server_name, bound}
    if _local(bound):
        names |= LOOPBACK_NAMES
    if name in names:
        return True
    # Bound to every address, the server is reached by any of its addresses; an address
    # written out is never a name an attacker's DNS could re-point.
    return bound in _ALL_ADDRESSES and _is_address(name)


def _direct(access: Access, environ: Mapping[str, Any], name: str, port: str | None) -> bool:
    """Whether a host that is none of the public names is the server itself, reached
    directly at its own port from the machine (or at its bound address): never a host
    a proxy forwarded, nor ``SERVER_NAME``, which a forwarded host sets."""
    if "HTTP_X_FORWARDED_HOST" in environ or "HTTP_FORWARDED" in environ:
        return False
    own_port = str(environ.get(LISTENING_PORT) or environ.get("SERVER_PORT", ""))
    if (port or "80") != own_port or name in _ALL_ADDRESSES:
        return False
    bound = split_host(access.bound or "")[0]
    return _local(name) or (bound not in _ALL_ADDRESSES and name == bound)


def refusal(
    access: Access, environ: Mapping[str, Any], *, any_origin: bool = False
) -> Refusal | None:
    """Why a request to the control API or the worker pages is turned away, or ``None``.

    A ``Host`` that is not the server's own: 400. An ``Origin`` that is not the
    server's own origin (unless ``any_origin``: an area that weighs origins itself, as
    the worker pages do): 403. No ``Origin`` at all is a client that is
    not a browser, or a browser's same-origin navigation: let through.
    """
    host = environ.get("HTTP_HOST")
    if host is not None and not _host_allowed(access, environ, host):
        return Refusal(
            400,
            "BadHost",
            f"This server does not answer to the host {host!r}: use its own address, or "
            "start it with --public-host NAME[:PORT] for a name it is reached by.",
        )
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and not any_origin:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or host is None:
            foreign = True
        else:
            given = split_host(parts.netloc)
            default = "443" if parts.scheme == "https" else "80"
            own = split_host(host)
            foreign = (given[0], given[1] or default) != (own[0], own[1] or default)
        if foreign:
            return Refusal(
                403,
                "ForeignOrigin",
                f"Requests from {origin!r} are refused: only the server's own pages may "
                "send requests here from a browser.",
            )
    return None


def token_refusal(access: Access, authorization: str | None) -> Refusal | None:
    """Why a control request is refused for its ``Authorization`` (401), or ``None``:
    it must be ``Bearer <the server's control token>``, compared in constant time."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), access.control_token.encode("utf-8")
    ):
        return None
    return Refusal(
        401,
        "Unauthorized",
        "The control API needs the server's control token, as 'Authorization: Bearer "
        "<token>' (printed at start; --control-token or PYTEST_MTURK_CONTROL_TOKEN sets "
        "it; ServerControl(url, token=...) sends it).",
    )


def hosts(values: Iterable[str]) -> tuple[str, ...]:
    """``--public-host`` values, checked: ``NAME`` or ``NAME:PORT``."""
    checked = []
    for value in values:
        name, port = split_host(value)
        if not name or "/" in name or (port is not None and not port.isdigit()):
            raise UsageError(f"--public-host takes NAME or NAME:PORT, not {value!r}.")
        checked.append(value.strip().lower())
    return tuple(checked)
