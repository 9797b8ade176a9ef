"""A three-worker labelling job settled by MTurk's SimplePlurality review policy.

Each image gets one HIT with three assignments. When the HIT becomes
Reviewable, MTurk itself compares the three labels: workers who agree with the
plurality are approved and paid, the others are rejected, and when nobody
agrees the HIT is extended by one more assignment (up to five). The requester
only reads the verdict back with ``ListReviewPolicyResultsForHIT``.

Nothing here knows about the simulator; ``test_plurality_labelling.py`` runs it
against pytest-mturk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABELS = ("cat", "dog", "bird")
SUBMIT_URL = "https://www.mturk.com/mturk/externalSubmit"


def question_for(image_url: str) -> str:
    """An HTMLQuestion with one radio group named ``label``."""
    options = "".join(
        f'<label><input type="radio" name="label" value="{label}" required> {label}</label><br>'
        for label in LABELS
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Label the image</title>"
        "<script src='https://s3.amazonaws.com/mturk-public/externalHIT_v1.js'></script>"
        f"</head><body><form name='mturk_form' method='post' action='{SUBMIT_URL}'>"
        "<input type='hidden' name='assignmentId' id='assignmentId' value=''>"
        f"<p><img src='{image_url}' alt='the image' width='400'></p>{options}"
        "<p><input type='submit' id='submitButton' value='Submit'></p></form>"
        "<script>turkSetAssignmentID();</script></body></html>"
    )
    return (
        '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        f'2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[{page}]]></HTMLContent>'
        "<FrameHeight>600</FrameHeight></HTMLQuestion>"
    )


def _parameter(key: str, *values: Any) -> dict[str, Any]:
    return {"Key": key, "Values": [str(value) for value in values]}


PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        _parameter("QuestionIds", "label"),
        _parameter("QuestionAgreementThreshold", 50),  # agreed when more than half agree
        _parameter("DisregardAssignmentIfRejected", "true"),
        _parameter("ApproveIfWorkerAgreementScoreIsAtLeast", 100),
        _parameter("RejectIfWorkerAgreementScoreIsLessThan", 100),
        _parameter("RejectReason", "Your label did not match the other workers' labels."),
        _parameter("ExtendIfHITAgreementScoreIsLessThan", 100),
        _parameter("ExtendMaximumAssignments", 5),
        _parameter("ExtendMinimumTimeInSeconds", 86400),
    ],
}


def publish(client: Any, image_url: str) -> str:
    """Put one image up for three workers; returns the HITId."""
    hit = client.create_hit(
        Title="Label an image",
        Description="Pick the animal you see.",
        Keywords="image, label, animals",
        Reward="0.05",
        MaxAssignments=3,
        LifetimeInSeconds=86400,
        AssignmentDurationInSeconds=600,
        AutoApprovalDelayInSeconds=259200,
        Question=question_for(image_url),
        HITReviewPolicy=PLURALITY,
    )
    return str(hit["HIT"]["HITId"])


@dataclass
class Verdict:
    """What the plurality review decided for one HIT (None while undecided)."""

    label: str | None
    agreement: int  # percent of the workers who gave the plurality label
    extended: int  # how many times the policy added an assignment


def verdict(client: Any, hit_id: str) -> Verdict:
    """Read the latest plurality review of a HIT."""
    results: list[dict[str, Any]] = []
    extended = 0
    token = None
    while True:
        page = client.list_review_policy_results_for_hit(
            HITId=hit_id, PolicyLevels=["HIT"], **({"NextToken": token} if token else {})
        )
        report = page.get("HITReviewReport", {})
        results += report.get("ReviewResults", [])
        extended += sum(
            1
            for action in report.get("ReviewActions", [])
            if action["ActionName"] == "extend" and action["Status"] == "Succeeded"
        )
        token = page.get("NextToken")
        if token is None:
            break
    label, agreement = None, 0
    for result in results:  # later reviews come later: the last word wins
        if result.get("QuestionId") != "label":
            continue
        if result["Key"] == "AgreedAnswerFound" and result["Value"] == "false":
            label = None
        elif result["Key"] == "AgreedAnswer":
            label = result["Value"]
        elif result["Key"] == "AnswerAgreementScore":
            agreement = int(result["Value"])
    return Verdict(label, agreement, extended)
