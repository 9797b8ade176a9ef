"""A simulator, and everything it holds, is freed when its test ends.

A suite of hundreds of tests must not keep hundreds of simulators alive: the
run below makes a HIT type with notification settings and a HIT with a review
policy in every test (what once kept each simulator reachable from a
module-level table), and counts what is left.
"""

from __future__ import annotations

import json

CONFTEST = """
import gc
import json
import tracemalloc

from pytest_mturk.core.service import Service

seen = {"done": 0, "traced": []}


def pytest_sessionstart(session):
    tracemalloc.start()


def pytest_runtest_teardown(item, nextitem):
    seen["done"] += 1
    if seen["done"] in (40, 240):
        gc.collect()
        seen["traced"].append(tracemalloc.get_traced_memory()[0])


def pytest_sessionfinish(session):
    gc.collect()
    alive = sum(1 for obj in gc.get_objects() if type(obj) is Service)
    with open("memory.json", "w") as out:
        json.dump({"alive": alive, "traced": seen["traced"]}, out)
"""

TESTS = """
import boto3
import pytest

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)
PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        {"Key": "QuestionIds", "Values": ["label"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        {"Key": "DisregardAssignmentIfRejected", "Values": ["true"]},
        {"Key": "ApproveIfWorkerAgreementScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfWorkerAgreementScoreIsLessThan", "Values": ["100"]},
        {"Key": "RejectReason", "Values": ["Your label disagreed with the others."]},
    ],
}


@pytest.mark.parametrize("n", range(240))
def test_one_simulator_each(mturk, n):
    client = boto3.client("mturk", region_name="sandbox")
    hit = client.create_hit(
        Title=f"Label {n}", Description="d", Reward="0.05", MaxAssignments=2,
        LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=QUESTION,
        HITReviewPolicy=PLURALITY,
    )["HIT"]
    mturk.register_destination("arn:aws:sns:us-east-1:123456789012:events")
    client.update_notification_settings(
        HITTypeId=hit["HITTypeId"], Active=True,
        Notification={"Destination": "arn:aws:sns:us-east-1:123456789012:events",
                      "Transport": "SNS", "Version": "2014-08-15",
                      "EventTypes": ["AssignmentSubmitted"]},
    )
    worker = mturk.worker("A1B2C3D4E5F6G7")
    worker.submit(worker.accept(hit["HITId"]), {"label": "cat"})
    assert mturk.notifications
"""


def test_simulators_do_not_outlive_their_tests(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_many=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=240)
    report = json.loads((pytester.path / "memory.json").read_text())
    # Only the simulator of the last test may still be waiting for collection.
    assert report["alive"] <= 1
    after_40, after_240 = report["traced"]
    # Two hundred more tests, each with its own simulator, leave memory where it was
    # (pytest keeps a few KB of reports per test; one simulator kept per test would add
    # over ten megabytes here).
    assert after_240 - after_40 < 2_000_000, report
