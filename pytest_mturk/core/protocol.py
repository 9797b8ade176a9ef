"""The JSON 1.1 protocol's names every door shares: the target every request names, who
signed a request, and the HTTP headers of the service's answer.

Every door that answers with bytes sends :func:`wire_headers` (the HTTP door, and the
botocore door for a call with a fault scheduled); reading a raw request is the HTTP
door's (:mod:`pytest_mturk.doors.http.reading`).
"""

from __future__ import annotations

import datetime as _dt
from email.utils import format_datetime
from typing import Any

import botocore

__all__ = [
    "CONTENT_TYPE",
    "TARGET_PREFIX",
    "date_header",
    "signed_key",
    "wire_headers",
]

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
CONTENT_TYPE = "application/x-amz-json-1.1"


def signed_key(authorization: str | bytes | None) -> Any:
    """The access key a SigV4 ``Authorization`` header names (``botocore.UNSIGNED``
    without one; ``""`` when it names none).

    The signature itself is not checked here: in process there is no request to check,
    and the HTTP door verifies it (``doors/http/signatures.py``) when given the secrets.
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
