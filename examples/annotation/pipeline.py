"""A small image-labelling pipeline, written against the plain boto3 MTurk API.

Nothing here knows about the simulator: it is the kind of code a lab or an
annotation team runs against MTurk. ``test_pipeline.py`` runs it against
pytest-mturk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

ANSWERS_NS = (
    "{http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd}"
)
LABELS = ("cat", "dog", "other")


def question_for(image_url: str) -> str:
    """An HTMLQuestion asking for one label, posting back to MTurk's externalSubmit."""
    options = "".join(
        f'<label><input type="radio" name="label" value="{label}"/>{label}</label>'
        for label in LABELS
    )
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'/><title>Label</title></head><body>"
        "<form name='mturk_form' method='post' action='https://www.mturk.com/mturk/externalSubmit'>"
        "<input type='hidden' name='assignmentId' value=''/>"
        f"<img src='{image_url}' alt='image'/>{options}<input type='submit'/></form></body></html>"
    )
    return (
        '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">'
        f"<HTMLContent><![CDATA[{html}]]></HTMLContent><FrameHeight>450</FrameHeight>"
        "</HTMLQuestion>"
    )


def publish(client: Any, image_urls: list[str], *, workers_per_image: int = 3) -> dict[str, str]:
    """One HIT per image; returns {HITId: image URL}."""
    published = {}
    for url in image_urls:
        hit = client.create_hit(
            Title="What is in this picture?",
            Description="Choose the label that fits the image best.",
            Keywords="image, label, quick",
            Reward="0.05",
            MaxAssignments=workers_per_image,
            LifetimeInSeconds=24 * 3600,
            AssignmentDurationInSeconds=300,
            AutoApprovalDelayInSeconds=3 * 24 * 3600,
            Question=question_for(url),
            RequesterAnnotation=url[:255],
        )["HIT"]
        published[hit["HITId"]] = url
    return published


def label_of(answer_xml: str) -> str | None:
    """The worker's label from an assignment's QuestionFormAnswers XML."""
    root = ElementTree.fromstring(answer_xml.encode())
    for answer in root.iter(f"{ANSWERS_NS}Answer"):
        if answer.findtext(f"{ANSWERS_NS}QuestionIdentifier") == "label":
            return answer.findtext(f"{ANSWERS_NS}FreeText")
    return None


@dataclass
class Outcome:
    hit_id: str
    label: str | None
    approved: int
    rejected: int


def review(client: Any, hit_id: str) -> Outcome:
    """Approve answers that agree with the majority, reject the rest, and pay a bonus
    to every worker who agreed."""
    assignments = []
    kwargs: dict[str, Any] = {"HITId": hit_id, "AssignmentStatuses": ["Submitted"]}
    for page in client.get_paginator("list_assignments_for_hit").paginate(**kwargs):
        assignments.extend(page["Assignments"])
    votes = {a["AssignmentId"]: label_of(a["Answer"]) for a in assignments}
    counts = Counter(label for label in votes.values() if label in LABELS)
    majority = counts.most_common(1)[0][0] if counts else None
    approved = rejected = 0
    for assignment in assignments:
        if votes[assignment["AssignmentId"]] == majority:
            client.approve_assignment(AssignmentId=assignment["AssignmentId"])
            client.send_bonus(
                WorkerId=assignment["WorkerId"],
                AssignmentId=assignment["AssignmentId"],
                BonusAmount="0.02",
                Reason="Agreed with the majority.",
                UniqueRequestToken=f"bonus-{assignment['AssignmentId']}",
            )
            approved += 1
        else:
            client.reject_assignment(
                AssignmentId=assignment["AssignmentId"],
                RequesterFeedback="The label did not match the image.",
            )
            rejected += 1
    return Outcome(hit_id, majority, approved, rejected)


def finished(client: Any) -> list[str]:
    """HITs whose work is all in (every page of ListReviewableHITs)."""
    hit_ids = []
    for page in client.get_paginator("list_reviewable_hits").paginate():
        hit_ids.extend(hit["HITId"] for hit in page["HITs"])
    return hit_ids


def clean_up(client: Any, hit_ids: list[str]) -> None:
    """Delete reviewed HITs, as MTurk asks requesters to."""
    for hit_id in hit_ids:
        client.delete_hit(HITId=hit_id)
