"""A notification consumer: approve each assignment as soon as MTurk says it was submitted.

Plain boto3, nothing about the simulator: MTurk sends an event notification to
an SQS queue (directly, or through an SNS topic the queue subscribes to); this
code reads the queue, approves every submitted assignment and deletes the
messages it handled. ``test_approve_on_submit.py`` runs it against
pytest-mturk, with moto's SQS and SNS.
"""

from __future__ import annotations

import json
from typing import Any

INVALID_STATE = "AWS.MechanicalTurk.InvalidAssignmentState"


def subscribe(mturk: Any, hit_type_id: str, destination: str, transport: str = "SQS") -> None:
    """Ask MTurk to tell ``destination`` whenever work of this HIT type is submitted."""
    mturk.update_notification_settings(
        HITTypeId=hit_type_id,
        Notification={
            "Destination": destination,
            "Transport": transport,
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentSubmitted"],
        },
        Active=True,
    )


def events_in(body: str) -> list[dict[str, str]]:
    """The events in one SQS message body: MTurk's document, or an SNS envelope around one."""
    document = json.loads(body)
    if document.get("Type") == "Notification" and "Message" in document:
        document = json.loads(document["Message"])
    events: list[dict[str, str]] = document.get("Events", [])
    return events


def handle(mturk: Any, event: dict[str, str]) -> str | None:
    """Approve the assignment a submission event names; return its ID if this call did."""
    if event["EventType"] != "AssignmentSubmitted":
        return None  # Ping and whatever else the settings let through
    try:
        mturk.approve_assignment(AssignmentId=event["AssignmentId"], RequesterFeedback="Thank you!")
    except mturk.exceptions.RequestError as error:
        # Delivery is at least once: a repeated message finds the work approved already.
        if error.response.get("TurkErrorCode") != INVALID_STATE:
            raise
        return None
    return event["AssignmentId"]


def drain(sqs: Any, mturk: Any, queue_url: str) -> list[str]:
    """Handle every message waiting in the queue; return the assignments approved."""
    approved = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return approved
        for message in messages:
            for event in events_in(message["Body"]):
                assignment_id = handle(mturk, event)
                if assignment_id is not None:
                    approved.append(assignment_id)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
