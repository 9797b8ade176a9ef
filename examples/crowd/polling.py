"""A requester's polling pipeline, written against the plain boto3 ``mturk`` client.

It posts one labelling HIT per image, then polls: it approves answers that agree with
the majority, rejects the rest and blocks workers rejected twice, pays a bonus for
agreeing answers, extends HITs about to expire without their answers, and re-posts
what expired anyway. It knows nothing of the simulator: ``wait`` and ``clock`` are
``time.sleep`` and the wall clock against MTurk, the simulator's ``advance`` and
``now`` in the tests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

LABELS = ("cat", "dog", "bird")
ANSWERS = 3  # answers per image
QUESTION = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2005-10-01/QuestionForm.xsd"><Question><QuestionIdentifier>label</QuestionIdentifier>'
    "<IsRequired>true</IsRequired><QuestionContent><Text>What does {image} show?</Text>"
    "</QuestionContent><AnswerSpecification><SelectionAnswer><Selections>"
    + "".join(
        f"<Selection><SelectionIdentifier>{label}</SelectionIdentifier><Text>{label}</Text>"
        "</Selection>"
        for label in LABELS
    )
    + "</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)


@dataclass
class Progress:
    """What the pipeline has learnt and done."""

    labels: dict[str, str] = field(default_factory=dict)  # image -> agreed label
    answers: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # assignments read
    open_hits: dict[str, str] = field(default_factory=dict)  # HIT -> image
    rejections: Counter[str] = field(default_factory=Counter)
    blocked: set[str] = field(default_factory=set)
    extended: set[str] = field(default_factory=set)  # HITs given more time (once each)
    reposted: int = 0
    bonuses: int = 0


def post(client: Any, image: str, count: int, progress: Progress) -> None:
    hit = client.create_hit(
        Title="Label an image",
        Description="Say what the picture shows",
        Reward="0.05",
        LifetimeInSeconds=1800,
        AssignmentDurationInSeconds=600,
        AutoApprovalDelayInSeconds=86400,
        MaxAssignments=count,
        RequesterAnnotation=image,
        Question=QUESTION.format(image=image),
    )["HIT"]
    progress.open_hits[hit["HITId"]] = image


def label_of(answer_xml: str) -> str:
    root = ElementTree.fromstring(answer_xml)
    return next(el.text or "" for el in root.iter() if el.tag.endswith("SelectionIdentifier"))


def poll(client: Any, progress: Progress, now: dt.datetime) -> None:
    """One round: read new answers, settle images with enough of them, keep HITs going."""
    for hit_id, image in list(progress.open_hits.items()):
        listed = client.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Submitted"])
        for assignment in listed["Assignments"]:
            if assignment["AssignmentId"] in progress.seen:
                continue
            progress.seen.add(assignment["AssignmentId"])
            answer = (assignment["AssignmentId"], assignment["WorkerId"])
            progress.answers.setdefault(image, []).append((*answer, label_of(assignment["Answer"])))
        hit = client.get_hit(HITId=hit_id)["HIT"]
        given = len(progress.answers.get(image, []))
        if given >= ANSWERS:
            settle(client, image, progress)
            del progress.open_hits[hit_id]
        elif hit["HITStatus"] in ("Reviewable", "Reviewing") or hit["Expiration"] <= now:
            if hit["NumberOfAssignmentsPending"] == 0:
                del progress.open_hits[hit_id]  # expired short of answers: post again
                post(client, image, ANSWERS - given, progress)
                progress.reposted += 1
        elif hit_id not in progress.extended and hit["Expiration"] - now < dt.timedelta(minutes=10):
            client.update_expiration_for_hit(
                HITId=hit_id, ExpireAt=hit["Expiration"] + dt.timedelta(minutes=20)
            )
            progress.extended.add(hit_id)


def settle(client: Any, image: str, progress: Progress) -> None:
    given = progress.answers[image]
    label, _ = Counter(label for _, _, label in given).most_common(1)[0]
    progress.labels[image] = label
    for assignment_id, worker_id, answered in given:
        if answered == label:
            client.approve_assignment(AssignmentId=assignment_id)
            client.send_bonus(
                WorkerId=worker_id,
                BonusAmount="0.01",
                AssignmentId=assignment_id,
                Reason="Agreed with the other workers",
                UniqueRequestToken=f"bonus-{assignment_id}",
            )
            progress.bonuses += 1
            continue
        client.reject_assignment(AssignmentId=assignment_id, RequesterFeedback="Disagreed")
        progress.rejections[worker_id] += 1
        if progress.rejections[worker_id] == 2:
            client.create_worker_block(WorkerId=worker_id, Reason="Too many wrong labels")
            progress.blocked.add(worker_id)


def run(
    client: Any,
    images: list[str],
    wait: Callable[[int], Any] = time.sleep,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
    *,
    poll_every: int = 300,
) -> Progress:
    """Label every image, polling every ``poll_every`` seconds until all are settled."""
    progress = Progress()
    for image in images:
        post(client, image, ANSWERS, progress)
    while progress.open_hits:
        wait(poll_every)
        poll(client, progress, clock())
    return progress
