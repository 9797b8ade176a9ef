"""Where notifications go (spec §9.1): an SQS queue URL, an SNS topic ARN or an email address.

:func:`endpoint` reads a NotificationSpecification's ``Destination`` for its
``Transport``: where it lives, or ``None`` when the service would refuse it.
Both :mod:`.notify` and :mod:`.aws_delivery` use it; it needs neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SQS_URL = re.compile(
    r"^https?://(?:sqs\.(?P<r1>[a-z0-9-]+)|(?P<r2>[a-z0-9-]+)\.queue|queue)"
    r"\.amazonaws\.com(?:\.cn)?/(?P<account>\d{12})/(?P<name>[A-Za-z0-9_-]{1,80}(?:\.fifo)?)$"
)
_SNS_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<name>[A-Za-z0-9_-]{1,256}(?:\.fifo)?)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Endpoint:
    """A well-formed destination: where it lives (region and account, for SQS and SNS)."""

    transport: str
    destination: str
    region: str | None = None
    account: str | None = None


def endpoint(transport: str, destination: str) -> Endpoint | None:
    """The destination parsed for its transport, or ``None`` if it is malformed."""
    if transport == "SQS":
        match = _SQS_URL.fullmatch(destination)
        if match is None:
            return None
        region = match["r1"] or match["r2"] or "us-east-1"
        return Endpoint(transport, destination, region, match["account"])
    if transport == "SNS":
        match = _SNS_ARN.fullmatch(destination)
        if match is None:
            return None
        return Endpoint(transport, destination, match["region"], match["account"])
    if transport == "Email" and _EMAIL.fullmatch(destination):
        return Endpoint(transport, destination)
    return None
