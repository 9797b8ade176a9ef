"""The JSON 1.1 protocol around the service: a raw request read as an operation and its
parameters, or refused the way the AWS request framework refuses it; who signed it; and
the HTTP headers of the service's answer.

A door that receives bytes (the HTTP server) asks :func:`read_request` what the request
is before it can :func:`~pytest_mturk.core.dispatch.dispatch` it. A request the
framework cannot read never reaches the service: it is neither recorded nor given a
request ID from the simulator's seeded stream. Every door that answers with bytes sends
:func:`wire_headers` (the botocore door too, for a call with a fault scheduled).
"""

from __future__ import annotations

import datetime as _dt
import json
from email.utils import format_datetime
from typing import Any

import botocore

from . import catalogue
from .errors import ServiceError

__all__ = [
    "CONTENT_TYPE",
    "TARGET_PREFIX",
    "date_header",
    "read_request",
    "signed_key",
    "wire_headers",
]

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
CONTENT_TYPE = "application/x-amz-json-1.1"


def _unknown_operation(target: str | None) -> ServiceError:
    return catalogue.UNKNOWN_OPERATION(target=target or "(no X-Amz-Target header)")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_request(target: str | None, body: bytes, known: frozenset[str]) -> tuple[str, Any]:
    """The operation a request names and its parameters, or :class:`ServiceError`.

    ``target`` is the ``X-Amz-Target`` header, ``body`` the raw body and ``known``
    the operations of the service model. An empty body is ``{}``, as botocore sends
    for an operation without parameters.
    """
    if not target or not target.startswith(TARGET_PREFIX):
        raise _unknown_operation(target)
    operation = target[len(TARGET_PREFIX) :]
    if operation not in known:
        raise _unknown_operation(target)
    if not body.strip():
        return operation, {}
    try:
        params = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise catalogue.STRUCTURE_NOT_EXPECTED() from None
    if not isinstance(params, dict):
        raise catalogue.STRUCTURE_EXPECTED()
    return operation, params


def signed_key(authorization: str | bytes | None) -> Any:
    """The access key a SigV4 ``Authorization`` header names (``botocore.UNSIGNED``
    without one; ``""`` when it names none).

    The signature itself is not checked: the simulator knows no secret keys.
    """
    if isinstance(authorization, bytes):
        authorization = authorization.decode("ascii", "replace")
    if not authorization:
        return botocore.UNSIGNED
    _, _, rest = authorization.partition("Credential=")
    return rest.split("/", 1)[0].strip()


# The HTTP ``date`` header of the last answer: virtual time is frozen, so it
# rarely changes. One tuple, swapped whole, so threads never see a torn pair.
_last_date: tuple[_dt.datetime | None, str] = (None, "")


def date_header(now: _dt.datetime) -> str:
    """The HTTP ``date`` header of an answer given at ``now``."""
    global _last_date
    cached = _last_date
    if cached[0] == now:
        return cached[1]
    text = format_datetime(now.replace(microsecond=0), usegmt=True)
    _last_date = (now, text)
    return text


def wire_headers(request_id: str, payload: bytes, now: _dt.datetime) -> dict[str, str]:
    """The HTTP headers the service sends with ``payload`` (the request ID's header
    spelled as the service spells it)."""
    return {
        "x-amzn-RequestId": request_id,
        "content-type": CONTENT_TYPE,
        "content-length": str(len(payload)),
        "date": date_header(now),
    }
