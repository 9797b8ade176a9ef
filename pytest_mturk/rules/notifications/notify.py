"""Event notifications (spec §9): the message document MTurk sends, and its delivery.

A HIT type's notification settings (UpdateNotificationSettings) decide which
lifecycle events become messages. Each message is the exact JSON document of
spec §9.2, recorded on the simulator (``sim.notifications``) and delivered:

* to an :class:`Inbox` the test registered for the destination
  (``sim.register_destination(url)``), always;
* into the SQS queue or SNS topic the settings name, when moto's ``mock_aws``
  is active, through an ordinary boto3 client, so consumer code reads the
  messages back with its own boto3 calls.

moto is never imported (see :mod:`.aws_delivery`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.clock import as_utc
from ...core.containers import JDict, JList
from ...core.errors import UsageError
from ...core.journal import journaled, note_random
from ...core.model import Environment, State
from .aws_delivery import Aws as _Aws
from .destinations import Endpoint, endpoint

if TYPE_CHECKING:
    from ...core.service import Event, Service

VERSIONS = ("2006-05-05", "2014-08-15")
# Used as SourceAccount when the destination names no AWS account (Email).
DEFAULT_ACCOUNT = "123456789012"

# -- the message document (spec §9.2) ----------------------------------------------


def event_timestamp(when: _dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, as the service writes EventTimestamp."""
    return as_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_entry(
    event_type: str,
    when: _dt.datetime,
    hit_id: str | None,
    assignment_id: str | None,
    hit_type_id: str | None,
) -> dict[str, str]:
    """One member of ``Events``; IDs appear only where the event has them."""
    entry = {"EventType": event_type, "EventTimestamp": event_timestamp(when)}
    if hit_id is not None:
        entry["HITId"] = hit_id
    if assignment_id is not None:
        entry["AssignmentId"] = assignment_id
    if hit_type_id is not None:
        entry["HITTypeId"] = hit_type_id
    return entry


def document(
    events: list[dict[str, str]],
    doc_id: str,
    source_account: str,
    customer_id: str,
    version: str,
) -> dict[str, Any]:
    """The message document, its keys in the order of a captured real message."""
    return {
        "Events": events,
        "EventDocId": doc_id,
        "SourceAccount": source_account,
        "CustomerId": customer_id,
        "EventDocVersion": version,
    }


def customer_id(seed: int | str) -> str:
    """The simulated requester's customer ID (``A`` + 13 characters, fixed by the seed)."""
    alphabet = string.ascii_uppercase + string.digits
    digest = hashlib.sha1(f"requester:{seed}".encode()).digest()
    return "A" + "".join(alphabet[byte % len(alphabet)] for byte in digest[:13])


# -- records -----------------------------------------------------------------------


@dataclass(frozen=True)
class SentNotification:
    """One notification message, as sent (``sim.notifications``).

    ``delivered`` says whether it reached something: a registered inbox, a moto
    queue or topic (Email is always kept); ``error`` says why not.
    """

    environment: Environment
    time: _dt.datetime
    transport: str
    destination: str
    version: str
    body: str
    document: dict[str, Any] = field(repr=False)
    hit_type_id: str | None
    test: bool = False
    delivered: bool = True
    error: str | None = None

    @property
    def events(self) -> list[dict[str, str]]:
        """The ``Events`` of the document."""
        events: list[dict[str, str]] = self.document["Events"]
        return events

    @property
    def event_type(self) -> str:
        """The type of the (first) event this message reports."""
        return self.events[0]["EventType"]


@journaled
class Inbox:
    """An in-memory destination registered on the simulator: it receives every message
    sent to its destination, whatever the transport, with or without moto.

    Like an SQS queue it is read by taking messages: :meth:`receive` returns the
    pending message documents and removes them; ``received`` keeps them all.
    Reading it first lets due transitions (deadlines, expiry...) happen.
    """

    def __init__(self, service: Service, destination: str) -> None:
        self._service = service
        self.destination = destination
        self._pending: list[dict[str, Any]] = JList()
        self._received: list[dict[str, Any]] = JList()

    def __repr__(self) -> str:
        return f"<Inbox {self.destination}: {len(self._pending)} pending>"

    def __len__(self) -> int:
        with self._service.lock:
            self._service.now()
            return len(self._pending)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The pending documents, oldest first (without taking them)."""
        with self._service.lock:
            self._service.now()
            return iter(list(self._pending))

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every document this inbox ever received, taken or not, oldest first."""
        with self._service.lock:
            self._service.now()
            return list(self._received)

    def receive(self, max_messages: int | None = None) -> list[dict[str, Any]]:
        """Take the oldest pending message documents (all of them by default)."""
        with self._service.lock:
            self._service.now()
            count = len(self._pending) if max_messages is None else max_messages
            taken = self._pending[:count]
            del self._pending[:count]
            return taken

    def _put(self, body: str) -> None:
        self._pending.append(json.loads(body))
        self._received.append(json.loads(body))


# -- the notifier ------------------------------------------------------------------


@journaled
class Notifier:
    """Turns a service's lifecycle events into notification messages and delivers them."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self._customer_id = customer_id(service.settings.seed)
        # Made-up IDs for test events come from their own stream, so sending a
        # test message (or having one refused) leaves the IDs of real HITs alone.
        self._made_up = random.Random(f"test-events:{service.settings.seed}")
        self._aws = _Aws()
        self.inboxes: dict[str, Inbox] = JDict()
        self.sent: list[SentNotification] = JList()
        self.listening = False

    def register(self, destination: str) -> Inbox:
        """The inbox for ``destination`` (made on first registration)."""
        if not isinstance(destination, str) or not any(
            endpoint(transport, destination) for transport in ("SQS", "SNS", "Email")
        ):
            raise UsageError(
                f"{destination!r} is not a notification destination: give an SQS queue URL "
                "(https://sqs.us-east-1.amazonaws.com/123456789012/name), an SNS topic ARN "
                "(arn:aws:sns:us-east-1:123456789012:name) or an email address."
            )
        with self._service.lock:
            inbox = self.inboxes.get(destination)
            if inbox is None:
                inbox = self.inboxes[destination] = Inbox(self._service, destination)
            return inbox

    def test_entry(self, event_type: str, now: _dt.datetime) -> dict[str, str]:
        """The event of a test message: "as if" it happened, to a HIT (and an assignment)
        that does not exist; Ping names neither."""
        if event_type == "Ping":
            return event_entry(event_type, now, None, None, None)
        note_random(self._made_up)
        hit_id, hit_type_id = self._made_up_id(), self._made_up_id()
        assignment_id = self._made_up_id() if event_type.startswith("Assignment") else None
        return event_entry(event_type, now, hit_id, assignment_id, hit_type_id)

    def _made_up_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return str(self._made_up.randrange(1, 10)) + "".join(self._made_up.choices(alphabet, k=29))

    def on_event(self, state: State, event: Event) -> None:
        """A lifecycle event: send it if the HIT type's active settings ask for it."""
        hit = state.hits.get(event.hit_id) if event.hit_id is not None else None
        if hit is None:
            return
        hit_type = hit.hit_type
        spec = hit_type.notification
        if not hit_type.notification_active or spec is None:
            return
        if event.event_type not in spec["EventTypes"]:
            return
        entry = event_entry(
            event.event_type, event.time, event.hit_id, event.assignment_id, event.hit_type_id
        )
        self.send(state, spec, entry, event.time, hit_type_id=hit_type.hit_type_id)

    def send(
        self,
        state: State,
        spec: dict[str, Any],
        entry: dict[str, str],
        now: _dt.datetime,
        *,
        hit_type_id: str | None = None,
        test: bool = False,
    ) -> SentNotification:
        """Build the message for one event and deliver it; the record says how it went.

        Delivery problems never raise: a lifecycle change must not fail because
        a destination is missing (the real service drops such messages too). A
        test message that went nowhere is not recorded: its call fails instead.
        """
        target = endpoint(spec["Transport"], spec["Destination"])
        account = target.account if target is not None and target.account else DEFAULT_ACCOUNT
        doc = document(
            [entry], self._service.ids.hex40(), account, self._customer_id, spec["Version"]
        )
        body = json.dumps(doc, separators=(",", ":"))
        delivered, error = self._deliver(target, spec, body, now)
        record = SentNotification(
            environment=state.environment,
            time=now,
            transport=spec["Transport"],
            destination=spec["Destination"],
            version=spec["Version"],
            body=body,
            document=json.loads(body),
            hit_type_id=hit_type_id,
            test=test,
            delivered=delivered,
            error=error,
        )
        if delivered or not test:
            self.sent.append(record)
        return record

    def _deliver(
        self, target: Endpoint | None, spec: dict[str, Any], body: str, now: _dt.datetime
    ) -> tuple[bool, str | None]:
        destination = spec["Destination"]
        inbox = self.inboxes.get(destination)
        if inbox is not None:
            inbox._put(body)
        if target is None:
            return inbox is not None, None if inbox is not None else "malformed destination"
        if target.transport == "Email":
            return True, None  # kept for inspection: there is no mail server to refuse it
        taken, why = self._aws.send(target, body, now)
        if taken or inbox is not None:
            return True, None
        if taken is None:
            return False, (
                f"no mock_aws is active and no inbox is registered for {destination} "
                "(sim.register_destination)"
            )
        return False, why

    def sent_in(self, environment: Environment | None = None) -> list[SentNotification]:
        """The messages sent so far, oldest first (in one environment, or both)."""
        with self._service.lock:
            if environment is None:
                return list(self.sent)
            return [record for record in self.sent if record.environment is environment]


def parts(sender: Notifier) -> dict[str, Any]:
    """What a saved simulator keeps of its notifier (:func:`restored` takes it back):
    whether it listens, the state of its made-up IDs, what it sent, and each inbox's
    pending and received documents."""
    return {
        "listening": sender.listening,
        "test_event_ids": sender._made_up.getstate(),
        "sent": list(sender.sent),
        "inboxes": {
            destination: (list(inbox._pending), list(inbox._received))
            for destination, inbox in sender.inboxes.items()
        },
    }


def restored(
    service: Service,
    listening: bool,
    test_event_ids: Any,
    sent: list[SentNotification],
    inboxes: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]],
) -> Notifier:
    """A notifier for ``service`` in the state :func:`parts` gave (it listens again
    through :func:`watch`, as it did when first asked to)."""
    sender = service.notifier = Notifier(service)
    sender._made_up.setstate(test_event_ids)
    sender.sent = list(sent)
    for destination, (pending, received) in inboxes.items():
        inbox = sender.inboxes[destination] = Inbox(service, destination)
        inbox._pending, inbox._received = list(pending), list(received)
    if listening:
        watch(service)
    return sender


def notifier(service: Service) -> Notifier:
    """The service's notifier (made on first use, and kept on the service: a table
    here would keep every simulator alive, since a notifier refers to its service)."""
    found: Notifier | None = service.notifier
    if found is None:
        found = service.notifier = Notifier(service)
    return found


def watch(service: Service) -> None:
    """Start turning the service's lifecycle events into messages (idempotent).

    Only a HIT type's notification settings can make an event a message, so
    the notifier listens from the first time settings are given: until then,
    events cost it nothing.
    """
    sender = notifier(service)
    if not sender.listening:
        sender.listening = True
        service.listen(sender.on_event)
