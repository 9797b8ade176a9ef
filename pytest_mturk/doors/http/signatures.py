"""Signatures, as AWS checks them: a service API request's SigV4 signature recomputed
with the secret key the server knows (``--credentials``) and compared.

The algorithm is AWS's Signature Version 4, as botocore signs (``botocore.auth.SigV4Auth``):
a canonical request (method, path, query, the signed headers, the payload's SHA-256),
a string to sign (the algorithm, the request's time, the credential scope, the
canonical request's hash) and an HMAC-SHA256 chain from ``"AWS4" + secret`` through the
scope's date, region and service. What is wrong is refused with the errors AWS's JSON
services send (``core/catalogue.py``), before the service sees the request. The time a
signature is checked against is the wall clock, never the simulation's.

:func:`read_credentials` reads the AWS shared-credentials file users already have.
"""

from __future__ import annotations

import configparser
import datetime as _dt
import hashlib
import hmac
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from ...core import catalogue
from ...core.errors import UsageError

__all__ = ["ALGORITHM", "SKEW", "Secret", "read_credentials", "verify"]

ALGORITHM = "AWS4-HMAC-SHA256"
# How far a request's time may be from the wall clock, either way.
SKEW = _dt.timedelta(minutes=5)
_BASIC = "%Y%m%dT%H%M%SZ"
_BASIC_FORM = re.compile(r"\d{8}T\d{6}Z")
_PARTS = ("Credential", "Signature", "SignedHeaders")


@dataclass(frozen=True)
class Secret:
    """What the server knows of one access key: its secret, and its session token if the
    credentials are temporary ones."""

    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print a secret
        return "Secret(...)"


def read_credentials(path: str | os.PathLike[str]) -> dict[str, Secret]:
    """The access keys and secrets of an AWS shared-credentials file (``~/.aws/credentials``'s
    format: INI sections with ``aws_access_key_id`` and ``aws_secret_access_key``, and
    ``aws_session_token`` for temporary ones). A :class:`UsageError` naming the file and
    what is wrong if it cannot be read or holds no usable key."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as lines:
            parser.read_file(lines)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"--credentials: cannot read {os.fspath(path)!r}: {reason}.") from None
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(
            f"--credentials: {os.fspath(path)!r} is not an AWS credentials file ({first})."
        ) from None
    found: dict[str, Secret] = {}
    for name in parser.sections():
        section = parser[name]
        key = section.get("aws_access_key_id", "").strip()
        secret = section.get("aws_secret_access_key", "").strip()
        if not key and not secret:
            continue  # a profile of other settings (a region, a role to assume...)
        if not key or not secret:
            missing = "aws_secret_access_key" if key else "aws_access_key_id"
            raise UsageError(
                f"--credentials: the section [{name}] of {os.fspath(path)!r} has no {missing}."
            )
        token = section.get("aws_session_token", "").strip() or None
        if key in found and found[key] != Secret(secret, token):
            raise UsageError(
                f"--credentials: {os.fspath(path)!r} gives the access key {key} two secrets."
            )
        found[key] = Secret(secret, token)
    if not found:
        raise UsageError(
            f"--credentials: {os.fspath(path)!r} has no section with aws_access_key_id and "
            "aws_secret_access_key."
        )
    return found


@dataclass(frozen=True)
class _Authorization:
    key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def _parse(authorization: str, dated: bool) -> _Authorization:
    """The parts of an ``Authorization`` header, or the front end's refusal of it."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:  # another scheme (a bearer token...): none of the parts
        raise catalogue.incomplete_signature(list(_PARTS), dated, authorization)
    pairs: dict[str, str] = {}
    # The parts are separated by commas, and the front end splits at spaces too: a key
    # pasted with a space after it leaves a part with no "=".
    for part in re.split(r"[,\s]+", rest):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise catalogue.NOT_A_KEY_VALUE_PAIR(pair=part, authorization=authorization)
        pairs[name] = value
    missing = [part for part in _PARTS if not pairs.get(part)]
    if missing or not dated:
        raise catalogue.incomplete_signature(missing, dated, authorization)
    scope = pairs["Credential"].rsplit("/", 4)
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise catalogue.BAD_CREDENTIAL_SCOPE(terminator=scope[-1])
    key, date, region, service, _ = scope
    signed = tuple(pairs["SignedHeaders"].lower().split(";"))
    return _Authorization(key, date, region, service, signed, pairs["Signature"])


def _timestamp(headers: Mapping[str, str]) -> str:
    """The request's time in ISO 8601 basic form: ``X-Amz-Date``, else ``Date``."""
    if "x-amz-date" in headers:
        given = headers["x-amz-date"].strip()
        if not _BASIC_FORM.fullmatch(given):
            raise catalogue.BAD_SIGNATURE_DATE(date=given)
        try:
            _dt.datetime.strptime(given, _BASIC)
        except ValueError:
            raise catalogue.BAD_SIGNATURE_DATE(date=given) from None
        return given
    given = headers["date"].strip()
    try:
        when = parsedate_to_datetime(given)
    except (TypeError, ValueError, IndexError):
        raise catalogue.BAD_SIGNATURE_DATE(date=given) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc).strftime(_BASIC)


def _check_time(stamp: str, now: _dt.datetime) -> None:
    signed = _dt.datetime.strptime(stamp, _BASIC).replace(tzinfo=_dt.timezone.utc)
    now = now.astimezone(_dt.timezone.utc).replace(microsecond=0)
    if signed < now - SKEW:
        raise catalogue.SIGNATURE_EXPIRED(
            signed=stamp, earliest=(now - SKEW).strftime(_BASIC), now=now.strftime(_BASIC)
        )
    if signed > now + SKEW:
        raise catalogue.SIGNATURE_NOT_YET_CURRENT(
            signed=stamp, latest=(now + SKEW).strftime(_BASIC), now=now.strftime(_BASIC)
        )


def canonical_path(path: str) -> str:
    """A path as SigV4 writes it for every service but S3: dot segments removed, then
    percent-encoded (``path`` as it was on the wire)."""
    normalized = posixpath.normpath(path) if path else "/"
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(query: str) -> str:
    """A raw query string's pairs, sorted (as botocore orders a URL's own query)."""
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{key}={value}" for key, value in pairs)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signature(
    secret: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload_hash: str,
    timestamp: str,
    date: str,
    region: str,
    service: str,
) -> str:
    """The hex SigV4 signature of a request, as its signer computes it."""
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers
    )
    canonical = "\n".join(
        [
            method.upper(),
            canonical_path(path),
            canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _hmac(f"AWS4{secret}".encode(), date)
    for step in (region, service, "aws4_request"):
        key = _hmac(key, step)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(
    credentials: Mapping[str, Secret],
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: _dt.datetime,
) -> str:
    """The access key that signed the request, if its signature is right; otherwise the
    front end's refusal (a :class:`~pytest_mturk.core.errors.ServiceError`).

    ``headers`` are the request's, by lower-case name; ``path`` and ``query`` as sent;
    ``now`` the wall clock. The checks, in order: an ``Authorization`` header at all
    (``MissingAuthenticationTokenException``), all of it (``IncompleteSignatureException``),
    a key the server knows (``UnrecognizedClientException``), a time within five
    minutes of ``now``, then the signature (``InvalidSignatureException``).
    """
    authorization = headers.get("authorization", "")
    if not authorization.strip():
        raise catalogue.MISSING_AUTHENTICATION_TOKEN()
    dated = "x-amz-date" in headers or "date" in headers
    parsed = _parse(authorization, dated)
    if "host" not in parsed.signed_headers:
        raise catalogue.UNSIGNED_HOST()
    known = credentials.get(parsed.key)
    if known is None:
        raise catalogue.UNRECOGNIZED_CLIENT()
    token = headers.get("x-amz-security-token")
    if (token is None) != (known.session_token is None) or not hmac.compare_digest(
        (token or "").encode("utf-8"), (known.session_token or "").encode("utf-8")
    ):
        raise catalogue.UNRECOGNIZED_CLIENT()
    timestamp = _timestamp(headers)
    _check_time(timestamp, now)
    expected = signature(
        known.secret_key,
        method=method,
        path=path,
        query=query,
        headers=headers,
        signed_headers=parsed.signed_headers,
        # Always the hash of the body received: an X-Amz-Content-SHA256 header that says
        # otherwise (or UNSIGNED-PAYLOAD) cannot vouch for a body nobody signed.
        payload_hash=hashlib.sha256(body).hexdigest(),
        timestamp=timestamp,
        date=parsed.date,
        region=parsed.region,
        service=parsed.service,
    )
    if not hmac.compare_digest(expected.encode("ascii"), parsed.signature.encode("utf-8")):
        raise catalogue.INVALID_SIGNATURE()
    return parsed.key
