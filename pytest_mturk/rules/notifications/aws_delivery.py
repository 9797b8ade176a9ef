"""Delivery of notification messages into moto's SQS queues and SNS topics.

moto is never imported here. Whether a mock answered is found out by sending:
our client carries a last-resort ``before-send`` handler that answers any
request nothing else answered, so a send without an active mock never
reaches the network.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Iterator
from typing import Any

from ...core.clock import epoch_ms
from .destinations import Endpoint

_UNANSWERED = "x-pytest-mturk-unanswered"
# Any well-formed keys do for moto; explicit ones keep botocore from looking
# for credentials (and from ever signing with real ones).
_KEYS = {"aws_access_key_id": "AKIAPYTESTMTURKNOTIFY", "aws_secret_access_key": "pytest-mturk"}


class _EmptyRaw:
    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        return iter(())


def _answer_unanswered(request: Any = None, **kwargs: Any) -> Any:
    # Registered last: botocore uses the first response any before-send
    # handler gives, so this one counts only when no mock answered.
    from botocore.awsrequest import AWSResponse

    return AWSResponse(request.url, 599, {_UNANSWERED: "1"}, _EmptyRaw())


class Aws:
    """Sends into moto's SQS and SNS with plain boto3 clients (one per region and account)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str, int], Any] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Aws:
        # Its clients are a cache, not state (and boto3 clients cannot be copied):
        # a copied simulator makes its own when it first needs one.
        return Aws()

    def send(self, target: Endpoint, body: str, now: _dt.datetime) -> tuple[bool | None, str]:
        """``(True, "")`` when a mock took it, ``(False, why)`` when the mock refused it,
        ``(None, "")`` when no mock is active."""
        if "moto" not in sys.modules:
            return None, ""  # never imported: no mock can be active
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self._client(target)
            if target.transport == "SQS":
                client.send_message(QueueUrl=target.destination, MessageBody=body)
            else:
                # The real service sets Subject to the epoch milliseconds of sending.
                subject = str(epoch_ms(now))
                client.publish(TopicArn=target.destination, Message=body, Subject=subject)
        except ClientError as exc:
            if _UNANSWERED in exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}):
                return None, ""
            return False, str(exc)
        except BotoCoreError as exc:
            return False, str(exc)
        return True, ""

    def _client(self, target: Endpoint) -> Any:
        import boto3
        import botocore.handlers
        from botocore.config import Config

        assert target.region is not None and target.account is not None
        service = target.transport.lower()
        # A mock imported after a client was made is not among that client's
        # handlers; the number of built-in handlers tells when to make another.
        key = (service, target.region, target.account, len(botocore.handlers.BUILTIN_HANDLERS))
        client = self._clients.get(key)
        if client is None:
            session = boto3.session.Session(region_name=target.region, **_KEYS)
            client = session.client(service, config=Config(retries={"total_max_attempts": 1}))
            client.meta.events.register_last("before-send", _answer_unanswered)
            account = target.account

            def name_account(request: Any = None, **kwargs: Any) -> None:
                # moto keeps one world per account; address the one the URL or ARN names.
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign", name_account)
            self._clients[key] = client
        return client
