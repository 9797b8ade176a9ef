"""The approve-on-submit consumer, end to end, against the simulated MTurk.

MTurk's notifications go into moto's SQS queue (or SNS topic) and the consumer
reads them back with its own boto3 calls. Run with ``pytest examples --mturk-sim``;
the moto tests are skipped where moto is not installed.
"""

from __future__ import annotations

import json

import boto3
import pytest
from approve_on_submit import drain, events_in, handle, subscribe

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/survey</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)


@pytest.fixture
def aws(mturk):
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        yield


@pytest.fixture
def client(mturk):
    return boto3.client("mturk", region_name="sandbox")


def publish(client, assignments=3):
    hit = client.create_hit(
        Title="A two-minute survey",
        Description="Answer a few questions about your day.",
        Reward="0.40",
        MaxAssignments=assignments,
        LifetimeInSeconds=24 * 3600,
        AssignmentDurationInSeconds=900,
        AutoApprovalDelayInSeconds=7 * 24 * 3600,
        Question=QUESTION,
    )["HIT"]
    return hit["HITId"], hit["HITTypeId"]


def work(mturk, hit_id, count):
    submitted = []
    for n in range(count):
        worker = mturk.worker(f"ASURVEY{n:07d}")
        assignment_id = worker.accept(hit_id)
        worker.submit(assignment_id, {"mood": "fine"})
        submitted.append(assignment_id)
    return submitted


def statuses(client, hit_id):
    listed = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    return {item["AssignmentId"]: item["AssignmentStatus"] for item in listed}


def test_submissions_are_approved_from_the_queue(mturk, client, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="survey-events")["QueueUrl"]
    hit_id, hit_type_id = publish(client)
    subscribe(client, hit_type_id, queue_url)

    submitted = work(mturk, hit_id, 2)
    assert set(statuses(client, hit_id).values()) == {"Submitted"}

    assert drain(sqs, client, queue_url) == submitted
    assert statuses(client, hit_id) == dict.fromkeys(submitted, "Approved")
    assert drain(sqs, client, queue_url) == []  # the queue is empty now


def test_through_an_sns_topic(mturk, client, aws):
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic_arn = sns.create_topic(Name="survey-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="approver")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=attributes["Attributes"]["QueueArn"])
    hit_id, hit_type_id = publish(client)
    subscribe(client, hit_type_id, topic_arn, transport="SNS")

    submitted = work(mturk, hit_id, 3)
    assert drain(sqs, client, queue_url) == submitted
    assert set(statuses(client, hit_id).values()) == {"Approved"}


def test_a_test_notification_is_ignored(mturk, client, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="pings")["QueueUrl"]
    client.send_test_event_notification(
        Notification={
            "Destination": queue_url,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentSubmitted"],
        },
        TestEventType="Ping",
    )
    assert drain(sqs, client, queue_url) == []


def test_a_repeated_message_is_harmless(mturk, client):
    # Without moto: an inbox registered on the simulator receives the messages.
    queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/survey-events"
    inbox = mturk.register_destination(queue_url)
    hit_id, hit_type_id = publish(client)
    subscribe(client, hit_type_id, queue_url)
    (assignment_id,) = work(mturk, hit_id, 1)

    (document,) = inbox.receive()
    body = json.dumps(document)
    (event,) = events_in(body)
    assert handle(client, event) == assignment_id
    assert handle(client, event) is None  # delivered twice: approved once
    assert statuses(client, hit_id) == {assignment_id: "Approved"}
