"""Notification operations: UpdateNotificationSettings and SendTestEventNotification (spec §9).

The generic validator has already checked the NotificationSpecification's
required members and the Transport and EventType enums; these handlers add
what the service checks beyond the model: the Version, the Destination's form
for its Transport, a non-empty EventTypes list without Ping (Ping is for tests
only), and the rules tying Active to a specification.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue
from ..core.model import State
from ..core.service import Handler, Service
from ..rules.notifications import notify
from ..rules.notifications.destinations import endpoint
from .hits import _hit_type

_WHAT = {
    "SQS": "an Amazon SQS queue URL",
    "SNS": "an Amazon SNS topic ARN",
    "Email": "an email address",
}


def _specification(spec: dict[str, Any], *, allow_ping: bool) -> dict[str, Any]:
    """The checked specification, as stored (event types de-duplicated, in order)."""
    version = spec["Version"]
    if version not in notify.VERSIONS:
        raise catalogue.INVALID_VALUE(name="Version", value=version)
    events: list[str] = list(dict.fromkeys(spec["EventTypes"]))
    if not events:
        raise catalogue.NUMBER_OF_VALUES(name="EventTypes", count=0, high="any")
    if "Ping" in events and not allow_ping:
        raise catalogue.INVALID_VALUE(name="EventTypes", value="Ping")
    transport, destination = spec["Transport"], spec["Destination"]
    if endpoint(transport, destination) is None:
        raise catalogue.DESTINATION_NOT_VALID(
            destination=destination, what=_WHAT[transport], transport=transport
        )
    return {
        "Destination": destination,
        "Transport": transport,
        "Version": version,
        "EventTypes": events,
    }


def update_notification_settings(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    given, active = p.get("Notification"), p.get("Active")
    if given is None and active is None:
        raise catalogue.NOTIFICATION_OR_ACTIVE()
    spec = _specification(given, allow_ping=False) if given is not None else None
    hit_type = _hit_type(state, p["HITTypeId"])
    if spec is None and hit_type.notification is None:
        raise catalogue.NO_NOTIFICATION_SPECIFICATION(hit_type_id=hit_type.hit_type_id)
    if spec is not None:
        hit_type.notification = spec
        notify.watch(svc)
    # An omitted Active leaves the status as it was; a new specification starts
    # inactive (the legacy documentation of SetHITTypeNotification).
    if active is not None:
        hit_type.notification_active = active
    return {}


def send_test_event_notification(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    spec = _specification(p["Notification"], allow_ping=True)
    sender = notify.notifier(svc)
    entry = sender.test_entry(p["TestEventType"], now)
    # The service sends at once; a message nothing could take fails the call.
    if not sender.send(state, spec, entry, now, test=True).delivered:
        raise catalogue.NOTIFICATION_NOT_SENT(
            destination=spec["Destination"], transport=spec["Transport"]
        )
    return {}


OPERATIONS: dict[str, Handler] = {
    "UpdateNotificationSettings": update_notification_settings,
    "SendTestEventNotification": send_test_event_notification,
}
