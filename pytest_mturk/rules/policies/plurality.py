"""SimplePlurality/2011-09-01, the HIT-level review policy (spec §10.3).

When the HIT becomes Reviewable (again after every extension) the answers of
its assignments are compared question by question; an answer enough workers
agree on is the agreed one, and each worker is scored on agreeing with it.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import TYPE_CHECKING

from ...core.model import HIT, AssignmentStatus, State
from ..questions import answers
from ._acts import compared, extend_if_below, judge, percent
from ._kinds import MAX_SECONDS, Param, Policy, PolicyKind, register
from ._records import Action, Result, review_of

if TYPE_CHECKING:
    from ...core.service import Service

NAME = "SimplePlurality/2011-09-01"
_THRESHOLDS = (
    "ApproveIfWorkerAgreementScoreIsAtLeast",
    "RejectIfWorkerAgreementScoreIsLessThan",
)
LONGEST_COMPARED = 256  # longer answers are left out of plurality (spec §10.3)


def on_reviewable(svc: Service, state: State, hit: HIT, now: _dt.datetime, policy: Policy) -> None:
    """Find the agreed answers, score the workers on them, and act on the scores."""
    review = review_of(state, hit.hit_id)
    below = policy.get("DisregardAssignmentIfKnownAnswerScoreIsLessThan")
    considered = []
    for assignment_id in hit.assignment_ids:
        assignment = state.assignments[assignment_id]
        status = assignment.status
        if not status.visible:
            continue
        if status is AssignmentStatus.REJECTED and policy.get("DisregardAssignmentIfRejected"):
            continue
        score = review.known_scores.get(assignment_id)
        if below is not None and score is not None and score < below:
            continue
        considered.append((assignment, answers.parse(assignment.answer)))
    question_ids: list[str] = policy.get("QuestionIds")
    threshold: int = policy.get("QuestionAgreementThreshold")
    subject = (hit.hit_id, "HIT")
    review_id = svc.ids.entity()
    agreed: dict[str, tuple[str, ...]] = {}
    for qid in question_ids:
        given = [compared(parsed.get(qid)) for _, parsed in considered]
        counted = Counter(
            value for value in given if value and all(len(v) <= LONGEST_COMPARED for v in value)
        )
        ranked = counted.most_common(2)
        score = percent(ranked[0][1], sum(counted.values())) if ranked else 0
        tie = len(ranked) == 2 and ranked[0][1] == ranked[1][1]
        found = bool(ranked) and not tie and score > threshold
        review.entries.append(
            ("HIT", Result(review_id, *subject, qid, "AgreedAnswerFound", str(found).lower()))
        )
        if found:
            agreed[qid] = ranked[0][0]
            review.entries.append(
                ("HIT", Result(review_id, *subject, qid, "AgreedAnswer", "|".join(ranked[0][0])))
            )
        review.entries.append(
            ("HIT", Result(review_id, *subject, qid, "AnswerAgreementScore", str(score)))
        )
    hit_score = percent(len(agreed), len(question_ids))
    review.entries.append(
        ("HIT", Result(review_id, *subject, None, "HitAgreementScore", str(hit_score)))
    )
    review.entries.append(
        (
            "HIT",
            Action(
                review_id,
                "review",
                *subject,
                "Succeeded",
                now,
                f"{len(agreed)} of {len(question_ids)} questions have an agreed answer.",
            ),
        )
    )
    for assignment, parsed in considered if agreed else ():
        right = sum(compared(parsed.get(qid)) == value for qid, value in agreed.items())
        worker_score = percent(right, len(agreed))
        target = (assignment.assignment_id, "Assignment")
        for key, value in (
            ("WorkerAgreementScore", worker_score),
            ("PluralityAnswersCorrect", right),
            ("PluralityAnswersIncorrect", len(agreed) - right),
        ):
            review.entries.append(("HIT", Result(review_id, *target, None, key, str(value))))
        judge(svc, state, review, "HIT", assignment, worker_score, _THRESHOLDS, policy, now)
    extend_if_below(
        svc,
        state,
        review,
        "HIT",
        hit,
        hit_score,
        "ExtendIfHITAgreementScoreIsLessThan",
        policy,
        now,
    )


KIND = register(
    PolicyKind(
        NAME,
        "HIT",
        {
            "QuestionIds": Param("list"),
            "QuestionAgreementThreshold": Param("int", 0, 100),
            "DisregardAssignmentIfRejected": Param("bool"),
            "DisregardAssignmentIfKnownAnswerScoreIsLessThan": Param("int", 0, 101),
            "ExtendIfHITAgreementScoreIsLessThan": Param("int", 1, 100),
            "ExtendMaximumAssignments": Param("int", 2, 25),
            "ExtendMinimumTimeInSeconds": Param("int", 60, MAX_SECONDS),
            "ApproveIfWorkerAgreementScoreIsAtLeast": Param("int", 0, 101),
            "ApproveReason": Param("text"),
            "RejectIfWorkerAgreementScoreIsLessThan": Param("int", 0, 101),
            "RejectReason": Param("text"),
        },
        required=("QuestionIds", "QuestionAgreementThreshold", "DisregardAssignmentIfRejected"),
        together={
            "ExtendIfHITAgreementScoreIsLessThan": (
                "ExtendMaximumAssignments",
                "ExtendMinimumTimeInSeconds",
            )
        },
        on_reviewable=on_reviewable,
    )
)
