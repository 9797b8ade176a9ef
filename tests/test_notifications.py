"""Event notifications (spec §9): UpdateNotificationSettings, SendTestEventNotification, the
message document, and delivery into moto's SQS and SNS or into an inbox on the simulator."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import (
    EXTERNAL_QUESTION,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    snapshot,
    violation,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_mturk import UsageError, mturk_sim

pytestmark = pytest.mark.mturk(start="2024-03-01T12:00:00+00:00")

ALL_EVENTS = [
    "AssignmentAccepted",
    "AssignmentAbandoned",
    "AssignmentReturned",
    "AssignmentSubmitted",
    "AssignmentRejected",
    "AssignmentApproved",
    "HITCreated",
    "HITExpired",
    "HITReviewable",
    "HITExtended",
    "HITDisposed",
]
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/mturk-events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mturk-events"
EMAIL = "requester@example.com"
UNKNOWN_TYPE = "3V76OXST9SAE3THKN85FUPK7730050"
TYPE_ARGS = {
    "Title": "Label an image",
    "Description": "Say what the picture shows",
    "Reward": "0.50",
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 86400,
}
DOC_KEYS = ["Events", "EventDocId", "SourceAccount", "CustomerId", "EventDocVersion"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def spec(destination=QUEUE, transport="SQS", version="2014-08-15", events=None):
    return {
        "Destination": destination,
        "Transport": transport,
        "Version": version,
        "EventTypes": list(ALL_EVENTS if events is None else events),
    }


@pytest.fixture
def hit_type(client):
    return client.create_hit_type(**TYPE_ARGS)["HITTypeId"]


def make_hit(client, hit_type_id, **overrides):
    args = {"HITTypeId": hit_type_id, "LifetimeInSeconds": 3600, "Question": EXTERNAL_QUESTION}
    return client.create_hit_with_hit_type(**{**args, **overrides})["HIT"]


def kinds(documents):
    """(EventType, AssignmentId or None) of each single-event document."""
    return [
        (doc["Events"][0]["EventType"], doc["Events"][0].get("AssignmentId")) for doc in documents
    ]


# -- UpdateNotificationSettings: validation ------------------------------------------


def test_unknown_hit_type(mturk, client):
    with raises_request_error(
        mturk, client, "HITTypeDoesNotExist", f"HITType {UNKNOWN_TYPE} does not exist."
    ):
        client.update_notification_settings(HITTypeId=UNKNOWN_TYPE, Notification=spec())


def test_hit_types_of_the_other_environment_do_not_exist(mturk, client, prod_client, hit_type):
    with raises_request_error(
        mturk, prod_client, "HITTypeDoesNotExist", f"HITType {hit_type} does not exist."
    ):
        prod_client.update_notification_settings(HITTypeId=hit_type, Active=True)


def test_notification_or_active_is_required(mturk, client, hit_type):
    with pytest.raises(client.exceptions.RequestError) as info:
        client.update_notification_settings(HITTypeId=hit_type)
    response = info.value.response
    assert response["Message"] == (
        "You must specify either the Notification parameter or the Active parameter. "
        f"({round(mturk.now.timestamp() * 1000)} s)"  # the sandbox's stamp
    )
    assert response["TurkErrorCode"] == "AWS.MissingParameters"


@pytest.mark.parametrize("active", [True, False])
def test_active_needs_a_specification(mturk, client, hit_type, active):
    before = snapshot(mturk)
    with raises_request_error(
        mturk,
        client,
        "InvalidParameterValue",
        f"HIT type {hit_type} has no notification specification. To change the Active status "
        "of a HIT type's notifications, the HIT type must already have a notification "
        "specification, or one must be provided in the same call.",
    ):
        client.update_notification_settings(HITTypeId=hit_type, Active=active)
    assert snapshot(mturk) == before
    assert mturk.hit_types[hit_type].notification is None


@pytest.mark.parametrize("version", ["2017-01-17", "2014-08-16", "", "2006-05-05 "])
def test_unknown_versions_are_refused(mturk, client, hit_type, version):
    with raises_parameter_error(
        client, f'The value "{version}" is not valid for the parameter Version.'
    ):
        client.update_notification_settings(HITTypeId=hit_type, Notification=spec(version=version))
    assert mturk.hit_types[hit_type].notification is None


def test_ping_is_only_for_test_notifications(mturk, client, hit_type):
    with raises_parameter_error(
        client, 'The value "Ping" is not valid for the parameter EventTypes.'
    ):
        client.update_notification_settings(
            HITTypeId=hit_type, Notification=spec(events=["AssignmentSubmitted", "Ping"])
        )


def test_event_types_may_not_be_empty(mturk, client, hit_type):
    with raises_parameter_error(
        client,
        "The number of values given for EventTypes (0) is not valid. "
        "Valid values range from 1 to any.",
    ):
        client.update_notification_settings(HITTypeId=hit_type, Notification=spec(events=[]))


EVENT_TYPES = (
    "AssignmentAccepted, AssignmentAbandoned, AssignmentReturned, AssignmentSubmitted, "
    "AssignmentRejected, AssignmentApproved, HITCreated, HITExpired, HITReviewable, "
    "HITExtended, HITDisposed, Ping"
)


def test_unknown_event_types_and_transports_are_refused(client, hit_type):
    with raises_validation_exception(
        client,
        violation(
            "notification.eventTypes.1.member",
            "'HITDeleted'",
            f"satisfy enum value set: [{EVENT_TYPES}]",
        ),
    ):
        client.update_notification_settings(
            HITTypeId=hit_type, Notification=spec(events=["HITDeleted"])
        )
    with raises_validation_exception(
        client,
        violation("notification.transport", "'HTTP'", "satisfy enum value set: [Email, SQS, SNS]"),
    ):
        client.update_notification_settings(HITTypeId=hit_type, Notification=spec(transport="HTTP"))


@pytest.mark.parametrize(
    ("transport", "destination", "what"),
    [
        ("SQS", TOPIC, "an Amazon SQS queue URL"),
        ("SQS", "https://example.com/123456789012/queue", "an Amazon SQS queue URL"),
        ("SQS", "https://sqs.us-east-1.amazonaws.com/12345/queue", "an Amazon SQS queue URL"),
        ("SQS", "sqs.us-east-1.amazonaws.com/123456789012/queue", "an Amazon SQS queue URL"),
        ("SNS", QUEUE, "an Amazon SNS topic ARN"),
        ("SNS", "arn:aws:sqs:us-east-1:123456789012:queue", "an Amazon SNS topic ARN"),
        ("SNS", "arn:aws:sns:us-east-1:123456789012:", "an Amazon SNS topic ARN"),
        ("Email", "requester", "an email address"),
        ("Email", QUEUE, "an email address"),
    ],
)
def test_destinations_must_suit_their_transport(
    mturk, client, hit_type, transport, destination, what
):
    message = (
        f'The destination "{destination}" is not {what}, as the {transport} transport requires.'
    )
    notification = spec(destination=destination, transport=transport)
    with raises_request_error(mturk, client, "InvalidTransportEndpoint", message):
        client.update_notification_settings(HITTypeId=hit_type, Notification=notification)
    with raises_request_error(mturk, client, "InvalidTransportEndpoint", message):
        client.send_test_event_notification(Notification=notification, TestEventType="Ping")
    assert mturk.notifications == []


@pytest.mark.parametrize(
    "destination",
    [
        QUEUE,
        "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo",
        "https://queue.amazonaws.com/123456789012/legacy",
        "https://us-west-2.queue.amazonaws.com/123456789012/legacy_2",
        "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/china",
    ],
)
def test_sqs_queue_url_forms(mturk, client, hit_type, destination):
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=destination), Active=True
    )
    assert mturk.hit_types[hit_type].notification["Destination"] == destination


# -- UpdateNotificationSettings: what it stores, and the Active rules -----------------


def test_a_new_specification_starts_inactive(mturk, client, hit_type):
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(HITTypeId=hit_type, Notification=spec())
    assert mturk.hit_types[hit_type].notification == spec()
    assert mturk.hit_types[hit_type].notification_active is False
    make_hit(client, hit_type)
    assert len(inbox) == 0 and mturk.notifications == []

    client.update_notification_settings(HITTypeId=hit_type, Active=True)
    make_hit(client, hit_type)
    assert [doc["Events"][0]["EventType"] for doc in inbox.receive()] == ["HITCreated"]

    client.update_notification_settings(HITTypeId=hit_type, Active=False)
    make_hit(client, hit_type)
    assert inbox.receive() == []


def test_a_new_specification_replaces_the_old_and_keeps_the_active_status(mturk, client, hit_type):
    first, second = mturk.register_destination(QUEUE), mturk.register_destination(TOPIC)
    client.update_notification_settings(HITTypeId=hit_type, Notification=spec(), Active=True)
    client.update_notification_settings(
        HITTypeId=hit_type,
        Notification=spec(destination=TOPIC, transport="SNS", events=["HITCreated", "HITCreated"]),
    )
    stored = mturk.hit_types[hit_type].notification
    assert stored["EventTypes"] == ["HITCreated"]  # duplicates collapse
    assert mturk.hit_types[hit_type].notification_active is True
    make_hit(client, hit_type)
    assert len(first) == 0
    assert len(second) == 1


def test_settings_belong_to_the_hit_type(mturk, client, hit_type):
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(HITTypeId=hit_type, Notification=spec(), Active=True)
    other = client.create_hit_type(**{**TYPE_ARGS, "Title": "Another task"})["HITTypeId"]
    make_hit(client, other)
    assert len(inbox) == 0
    # CreateHIT with the same properties finds the same HIT type, so it is notified too.
    hit = client.create_hit(**TYPE_ARGS, LifetimeInSeconds=3600, Question=EXTERNAL_QUESTION)["HIT"]
    assert hit["HITTypeId"] == hit_type
    assert [doc["Events"][0]["HITId"] for doc in inbox.receive()] == [hit["HITId"]]


def test_events_follow_the_hit_to_its_new_type(mturk, client, hit_type):
    inbox = mturk.register_destination(QUEUE)
    other = client.create_hit_type(**{**TYPE_ARGS, "Title": "Another task"})["HITTypeId"]
    client.update_notification_settings(HITTypeId=other, Notification=spec(), Active=True)
    hit = make_hit(client, hit_type)
    assert len(inbox) == 0
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=other)
    mturk.worker("A1B2C3D4E5F6G7").accept(hit["HITId"])
    (doc,) = inbox.receive()
    assert doc["Events"][0]["EventType"] == "AssignmentAccepted"
    assert doc["Events"][0]["HITTypeId"] == other


def test_only_the_listed_event_types_are_sent(mturk, client, hit_type):
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(events=["AssignmentSubmitted"]), Active=True
    )
    hit = make_hit(client, hit_type)
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment = worker.accept(hit["HITId"])
    worker.submit(assignment, {"label": "cat"})
    assert kinds(inbox.receive()) == [("AssignmentSubmitted", assignment)]


# -- the message document (spec §9.2) ------------------------------------------------


@pytest.mark.parametrize("version", ["2006-05-05", "2014-08-15"])
def test_the_message_document(mturk, client, hit_type, version):
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(version=version), Active=True
    )
    hit = make_hit(client, hit_type)
    mturk.advance(seconds=5)
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment = worker.accept(hit["HITId"])

    created, accepted = mturk.notifications
    assert created.body == json.dumps(created.document, separators=(",", ":"))
    doc = json.loads(accepted.body)
    assert list(doc) == DOC_KEYS
    assert list(doc["Events"][0]) == [
        "EventType",
        "EventTimestamp",
        "HITId",
        "AssignmentId",
        "HITTypeId",
    ]
    assert doc["Events"] == [
        {
            "EventType": "AssignmentAccepted",
            "EventTimestamp": "2024-03-01T12:00:05Z",
            "HITId": hit["HITId"],
            "AssignmentId": assignment,
            "HITTypeId": hit_type,
        }
    ]
    assert list(created.document["Events"][0]) == [
        "EventType",
        "EventTimestamp",
        "HITId",
        "HITTypeId",
    ]
    assert created.document["Events"][0]["EventTimestamp"] == "2024-03-01T12:00:00Z"
    assert doc["EventDocVersion"] == version
    assert doc["SourceAccount"] == "123456789012"  # the account the queue URL names
    assert re.fullmatch(r"A[A-Z0-9]{13}", doc["CustomerId"])
    assert doc["CustomerId"] == created.document["CustomerId"]
    assert re.fullmatch(r"[0-9a-f]{40}", doc["EventDocId"])
    assert doc["EventDocId"] != created.document["EventDocId"]
    assert [doc, created.document] == list(reversed(inbox.receive()))
    assert (accepted.transport, accepted.destination, accepted.version) == ("SQS", QUEUE, version)
    assert accepted.hit_type_id == hit_type and accepted.delivered and accepted.error is None
    assert accepted.event_type == "AssignmentAccepted" and not accepted.test


def test_source_account_is_the_destinations_account(mturk, client, hit_type):
    queue = "https://sqs.us-east-1.amazonaws.com/047991105548/experiment"
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=queue), Active=True
    )
    make_hit(client, hit_type)
    (sent,) = mturk.notifications
    assert sent.document["SourceAccount"] == "047991105548"


def test_the_same_seed_gives_the_same_messages():
    def run():
        with mturk_sim(seed=3, start="2024-03-01T12:00:00+00:00") as sim:
            client = boto3.client("mturk", region_name="sandbox")
            type_id = client.create_hit_type(**TYPE_ARGS)["HITTypeId"]
            client.update_notification_settings(
                HITTypeId=type_id,
                Notification=spec(destination=EMAIL, transport="Email"),
                Active=True,
            )
            hit = make_hit(client, type_id)
            worker = sim.worker("A1B2C3D4E5F6G7")
            worker.submit(worker.accept(hit["HITId"]), {"a": "b"})
            return [sent.body for sent in sim.notifications]

    first = run()
    assert len(first) == 4
    assert first == run()


def test_email_messages_are_kept_for_inspection(mturk, client, prod_client, hit_type):
    client.update_notification_settings(
        HITTypeId=hit_type,
        Notification=spec(destination=EMAIL, transport="Email", events=["HITCreated"]),
        Active=True,
    )
    hit = make_hit(client, hit_type)
    (sent,) = mturk.notifications
    assert (sent.transport, sent.destination, sent.delivered) == ("Email", EMAIL, True)
    assert sent.events[0]["HITId"] == hit["HITId"]
    assert mturk.sandbox.notifications == [sent]
    assert mturk.production.notifications == []


# -- without moto: inboxes on the simulator ------------------------------------------


def test_undeliverable_lifecycle_messages_are_dropped_but_recorded(mturk, client, hit_type):
    client.update_notification_settings(HITTypeId=hit_type, Notification=spec(), Active=True)
    hit = make_hit(client, hit_type)  # nothing listens at QUEUE: the call still succeeds
    (sent,) = mturk.notifications
    assert sent.delivered is False
    assert sent.error == (
        f"no mock_aws is active and no inbox is registered for {QUEUE} (sim.register_destination)"
    )
    assert sent.events[0]["HITId"] == hit["HITId"]


def test_registering_a_destination_makes_it_exist(mturk, client):
    notification = spec(events=["AssignmentSubmitted"])
    with raises_request_error(
        mturk,
        client,
        "InvalidTransportEndpoint",
        f"The notification could not be sent to {QUEUE} using the SQS transport.",
    ):
        client.send_test_event_notification(Notification=notification, TestEventType="Ping")
    assert mturk.notifications == []

    inbox = mturk.register_destination(QUEUE)
    assert mturk.register_destination(QUEUE) is inbox
    client.send_test_event_notification(Notification=notification, TestEventType="Ping")
    (doc,) = inbox.receive()
    assert doc["Events"] == [{"EventType": "Ping", "EventTimestamp": "2024-03-01T12:00:00Z"}]
    (sent,) = mturk.notifications
    assert sent.test and sent.hit_type_id is None and sent.delivered


@pytest.mark.parametrize("destination", ["not a queue", "", "https://example.com/q"])
def test_register_destination_wants_a_destination(mturk, destination):
    with pytest.raises(UsageError, match="is not a notification destination"):
        mturk.register_destination(destination)


def test_inbox_reading(mturk, client, hit_type):
    inbox = mturk.register_destination(QUEUE)
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(events=["HITCreated"]), Active=True
    )
    hits = [make_hit(client, hit_type)["HITId"] for _ in range(3)]
    assert len(inbox) == 3
    assert [doc["Events"][0]["HITId"] for doc in inbox] == hits  # looking takes nothing
    assert [doc["Events"][0]["HITId"] for doc in inbox.receive(max_messages=2)] == hits[:2]
    assert [doc["Events"][0]["HITId"] for doc in inbox.receive()] == hits[2:]
    assert inbox.receive() == []
    assert len(inbox.received) == 3
    assert repr(inbox) == f"<Inbox {QUEUE}: 0 pending>"


@pytest.mark.parametrize(
    ("event_type", "members"),
    [
        ("Ping", ["EventType", "EventTimestamp"]),
        ("HITExpired", ["EventType", "EventTimestamp", "HITId", "HITTypeId"]),
        (
            "AssignmentSubmitted",
            ["EventType", "EventTimestamp", "HITId", "AssignmentId", "HITTypeId"],
        ),
    ],
)
def test_test_events_are_sent_even_if_not_listed(mturk, client, event_type, members):
    inbox = mturk.register_destination(TOPIC)
    client.send_test_event_notification(
        Notification=spec(destination=TOPIC, transport="SNS", events=["HITCreated"]),
        TestEventType=event_type,
    )
    (doc,) = inbox.receive()
    (event,) = doc["Events"]
    assert list(event) == members
    assert event["EventType"] == event_type
    for member in ("HITId", "AssignmentId", "HITTypeId"):
        if member in event:
            assert re.fullmatch(r"[A-Z0-9]{30}", event[member])
    # The IDs are made up: no such HIT exists.
    if "HITId" in event:
        assert event["HITId"] not in mturk.hits


def test_test_notification_by_email_always_succeeds(mturk, client):
    client.send_test_event_notification(
        Notification=spec(destination=EMAIL, transport="Email", version="2006-05-05"),
        TestEventType="AssignmentReturned",
    )
    (sent,) = mturk.notifications
    assert (sent.transport, sent.test, sent.version) == ("Email", True, "2006-05-05")


def test_the_plugin_never_imports_moto():
    script = f"""
import sys, boto3
from pytest_mturk import mturk_sim
with mturk_sim() as sim:
    client = boto3.client("mturk", region_name="sandbox")
    type_id = client.create_hit_type(**{TYPE_ARGS!r})["HITTypeId"]
    inbox = sim.register_destination({QUEUE!r})
    client.update_notification_settings(
        HITTypeId=type_id, Notification={spec()!r}, Active=True)
    client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=60, Question={EXTERNAL_QUESTION!r})
    client.send_test_event_notification(Notification={spec()!r}, TestEventType="Ping")
    assert len(inbox) == 2, inbox
    assert "moto" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(ALL_EVENTS), min_size=1))
def test_messages_are_the_listed_events(chosen):
    with mturk_sim(start="2024-03-01T12:00:00+00:00") as sim:
        client = boto3.client("mturk", region_name="sandbox")
        type_id = client.create_hit_type(**TYPE_ARGS)["HITTypeId"]
        inbox = sim.register_destination(QUEUE)
        client.update_notification_settings(
            HITTypeId=type_id, Notification=spec(events=sorted(chosen)), Active=True
        )
        hit_id = make_hit(client, type_id, MaxAssignments=2)["HITId"]
        first, second = sim.worker("A1111111111111"), sim.worker("A2222222222222")
        first.return_(first.accept(hit_id))
        first.submit(first.accept(hit_id), {"a": "b"})
        second.accept(hit_id)
        sim.advance(days=2)  # abandonment, expiry, auto-approval
        client.delete_hit(HITId=hit_id)
        expected = [
            (event.event_type, event.assignment_id)
            for event in sim.events
            if event.event_type in chosen
        ]
        assert kinds(inbox.receive()) == expected
        assert {t for t, _ in expected} <= chosen


# -- with moto: real SQS and SNS -----------------------------------------------------


@pytest.fixture
def aws(mturk):
    """moto's mock_aws, active for the test (skipped where moto is not installed)."""
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        yield


def drain(sqs, url):
    """Every message body in the queue, read and deleted with plain boto3."""
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def whole_life(mturk, client, hit_type_id):
    """Drive one HIT through every event; return the (EventType, AssignmentId) expected."""
    hit_id = make_hit(client, hit_type_id, MaxAssignments=2)["HITId"]
    w1, w2, w3, w4 = (mturk.worker(f"AWORKER{n:07d}") for n in range(1, 5))
    returned = w1.accept(hit_id)
    w1.return_(returned)
    first = w1.accept(hit_id)
    w1.submit(first, {"label": "cat"})
    second = w2.accept(hit_id)
    w2.submit(second, {"label": "dog"})  # all submitted: Reviewable
    client.approve_assignment(AssignmentId=first)
    client.reject_assignment(AssignmentId=second, RequesterFeedback="Not a dog.")
    client.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=2)
    abandoned = w3.accept(hit_id)
    mturk.advance(seconds=601)  # past w3's deadline
    late = w4.accept(hit_id)
    w4.submit(late, {"label": "cat"})
    expiration = client.get_hit(HITId=hit_id)["HIT"]["Expiration"]
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=expiration + dt.timedelta(minutes=30))
    mturk.advance(hours=2)  # expires; nothing pending: Reviewable
    mturk.advance(days=1)  # w4's work is approved automatically
    client.delete_hit(HITId=hit_id)
    return [
        ("HITCreated", None),
        ("AssignmentAccepted", returned),
        ("AssignmentReturned", returned),
        ("AssignmentAccepted", first),
        ("AssignmentSubmitted", first),
        ("AssignmentAccepted", second),
        ("AssignmentSubmitted", second),
        ("HITReviewable", None),
        ("AssignmentApproved", first),
        ("AssignmentRejected", second),
        ("HITExtended", None),
        ("AssignmentAccepted", abandoned),
        ("AssignmentAbandoned", abandoned),
        ("AssignmentAccepted", late),
        ("AssignmentSubmitted", late),
        ("HITExtended", None),
        ("HITExpired", None),
        ("HITReviewable", None),
        ("AssignmentApproved", late),
        ("HITDisposed", None),
    ]


def test_a_whole_life_read_back_from_sqs(mturk, client, hit_type, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="mturk-events")["QueueUrl"]
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=url), Active=True
    )
    expected = whole_life(mturk, client, hit_type)

    bodies = drain(sqs, url)
    documents = [json.loads(body) for body in bodies]
    assert kinds(documents) == expected
    assert kinds(documents) == [(e.event_type, e.assignment_id) for e in mturk.events]
    assert bodies == [sent.body for sent in mturk.notifications]
    assert all(sent.delivered for sent in mturk.notifications)
    for doc in documents:
        assert list(doc) == DOC_KEYS
        assert TIMESTAMP.match(doc["Events"][0]["EventTimestamp"])
        assert doc["Events"][0]["HITTypeId"] == hit_type
    assert len({doc["EventDocId"] for doc in documents}) == len(documents)
    # Time-driven events carry the time they fell due, not the time anyone looked.
    abandoned = documents[12]["Events"][0]
    assert abandoned["EventTimestamp"] == "2024-03-01T12:10:00Z"


def test_a_whole_life_read_back_through_an_sns_subscription(mturk, client, hit_type, aws):
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="mturk-events")["TopicArn"]
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    client.update_notification_settings(
        HITTypeId=hit_type,
        Notification=spec(destination=topic, transport="SNS", version="2006-05-05"),
        Active=True,
    )
    expected = whole_life(mturk, client, hit_type)

    envelopes = [json.loads(body) for body in drain(sqs, url)]
    assert {envelope["Type"] for envelope in envelopes} == {"Notification"}
    assert {envelope["TopicArn"] for envelope in envelopes} == {topic}
    assert all(re.fullmatch(r"\d{13}", envelope["Subject"]) for envelope in envelopes)
    documents = [json.loads(envelope["Message"]) for envelope in envelopes]
    assert kinds(documents) == expected
    assert [envelope["Message"] for envelope in envelopes] == [
        sent.body for sent in mturk.notifications
    ]
    assert {doc["EventDocVersion"] for doc in documents} == {"2006-05-05"}


def test_ping_into_moto(mturk, client, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="pings")["QueueUrl"]
    client.send_test_event_notification(
        Notification=spec(destination=url, events=["HITCreated"]), TestEventType="Ping"
    )
    (body,) = drain(sqs, url)
    doc = json.loads(body)
    assert list(doc) == DOC_KEYS
    assert doc["Events"] == [{"EventType": "Ping", "EventTimestamp": "2024-03-01T12:00:00Z"}]


@pytest.mark.parametrize(
    ("transport", "destination"),
    [
        ("SQS", "https://sqs.us-east-1.amazonaws.com/123456789012/missing"),
        ("SNS", "arn:aws:sns:us-east-1:123456789012:missing"),
        ("SQS", "https://sqs.eu-west-1.amazonaws.com/210987654321/elsewhere"),
    ],
)
def test_test_notification_to_a_missing_destination_fails(
    mturk, client, aws, transport, destination
):
    with raises_request_error(
        mturk,
        client,
        "InvalidTransportEndpoint",
        f"The notification could not be sent to {destination} using the {transport} transport.",
    ):
        client.send_test_event_notification(
            Notification=spec(destination=destination, transport=transport),
            TestEventType="Ping",
        )
    assert mturk.notifications == []


def test_lifecycle_messages_to_a_missing_queue_are_dropped(mturk, client, hit_type, aws):
    missing = "https://sqs.us-east-1.amazonaws.com/123456789012/missing"
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=missing), Active=True
    )
    make_hit(client, hit_type)  # the call succeeds
    (sent,) = mturk.notifications
    assert sent.delivered is False
    assert "does not exist" in sent.error


def test_queues_of_other_accounts(mturk, client, hit_type, aws, monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="elsewhere")["QueueUrl"]
    assert "/111122223333/" in url
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=url), Active=True
    )
    make_hit(client, hit_type)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    (body,) = drain(sqs, url)
    assert json.loads(body)["SourceAccount"] == "111122223333"


def test_a_registered_inbox_and_the_moto_queue_both_receive(mturk, client, hit_type, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="both")["QueueUrl"]
    inbox = mturk.register_destination(url)
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=url), Active=True
    )
    make_hit(client, hit_type)
    assert [json.loads(body) for body in drain(sqs, url)] == inbox.receive()


def test_no_request_leaves_the_process_once_mock_aws_stops(mturk, client, hit_type):
    moto = pytest.importorskip("moto")
    pytest_socket = pytest.importorskip("pytest_socket")
    with moto.mock_aws():
        url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="q")["QueueUrl"]
        client.update_notification_settings(
            HITTypeId=hit_type, Notification=spec(destination=url), Active=True
        )
        make_hit(client, hit_type)
    pytest_socket.disable_socket()
    try:
        make_hit(client, hit_type)
    finally:
        pytest_socket.enable_socket()
    inside, outside = mturk.notifications
    assert inside.delivered and not outside.delivered
    assert outside.error.startswith("no mock_aws is active")


def test_moto_not_imported_means_no_mock(mturk, client, hit_type, monkeypatch):
    pytest.importorskip("moto")
    monkeypatch.delitem(sys.modules, "moto")
    client.update_notification_settings(HITTypeId=hit_type, Notification=spec(), Active=True)
    make_hit(client, hit_type)
    (sent,) = mturk.notifications
    assert sent.delivered is False


def test_consumer_errors_never_break_the_simulation(mturk, client, hit_type, aws):
    # A FIFO queue refuses MTurk's messages (they carry no MessageGroupId).
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="events.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    client.update_notification_settings(
        HITTypeId=hit_type, Notification=spec(destination=url), Active=True
    )
    hit = make_hit(client, hit_type)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
    (sent,) = mturk.notifications
    assert sent.delivered is False and sent.error
    with pytest.raises(ClientError):
        client.send_test_event_notification(
            Notification=spec(destination=url), TestEventType="Ping"
        )


def test_test_notifications_leave_the_ids_of_real_hits_alone(mturk, client):
    with mturk_sim(start="2024-03-01T12:00:00+00:00") as twin:
        expected = boto3.client("mturk", region_name="sandbox").create_hit_type(**TYPE_ARGS)
    mturk.register_destination(QUEUE)
    client.send_test_event_notification(Notification=spec(), TestEventType="AssignmentApproved")
    with pytest.raises(client.exceptions.RequestError):
        client.send_test_event_notification(
            Notification=spec(destination=TOPIC, transport="SNS"), TestEventType="HITCreated"
        )
    assert client.create_hit_type(**TYPE_ARGS)["HITTypeId"] == expected["HITTypeId"]
    assert twin.notifications == []
