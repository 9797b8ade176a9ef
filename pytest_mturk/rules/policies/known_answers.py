"""ScoreMyKnownAnswers/2011-09-01, the assignment-level review policy (spec §10.2).

Each submission is scored on the questions whose answers the requester knows;
the score may approve or reject it, or extend the HIT by one assignment.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from ...core.model import HIT, Assignment, State
from ..questions import answers
from ._acts import compared, extend_if_below, judge, percent
from ._kinds import MAX_SECONDS, Param, Policy, PolicyKind, register
from ._records import Action, Result, review_of

if TYPE_CHECKING:
    from ...core.service import Service

NAME = "ScoreMyKnownAnswers/2011-09-01"
_THRESHOLDS = ("ApproveIfKnownAnswerScoreIsAtLeast", "RejectIfKnownAnswerScoreIsLessThan")


def _score(
    svc: Service, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime, policy: Policy
) -> None:
    review = review_of(state, hit.hit_id)
    review.reviewed.add(assignment.assignment_id)
    given = answers.parse(assignment.answer)
    key: dict[str, list[str]] = policy.get("AnswerKey")
    correct = {qid: compared(given.get(qid)) == compared(values) for qid, values in key.items()}
    score = percent(sum(correct.values()), len(correct))
    review.known_scores[assignment.assignment_id] = score
    subject = (assignment.assignment_id, "Assignment")
    review_id = svc.ids.entity()
    for qid, ok in correct.items():
        review.entries.append(
            ("Assignment", Result(review_id, *subject, qid, "KnownAnswerCorrect", str(int(ok))))
        )
    review.entries.append(
        ("Assignment", Result(review_id, *subject, None, "KnownAnswerScore", str(score)))
    )
    review.entries.append(
        (
            "Assignment",
            Action(
                review_id,
                "review",
                *subject,
                "Succeeded",
                now,
                f"{sum(correct.values())} of {len(correct)} known answers were correct.",
            ),
        )
    )
    judge(svc, state, review, "Assignment", assignment, score, _THRESHOLDS, policy, now)
    extend_if_below(
        svc,
        state,
        review,
        "Assignment",
        hit,
        score,
        "ExtendIfKnownAnswerScoreIsLessThan",
        policy,
        now,
    )


def on_submit(
    svc: Service, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime, policy: Policy
) -> None:
    """Score a fresh submission (once: the Reviewable hook may have been first)."""
    if assignment.assignment_id not in review_of(state, hit.hit_id).reviewed:
        _score(svc, state, hit, assignment, now, policy)


def on_reviewable(svc: Service, state: State, hit: HIT, now: _dt.datetime, policy: Policy) -> None:
    """Score what is not scored yet, so the HIT-level policy can disregard low scores.

    The last submission makes the HIT Reviewable before its own submit hook runs.
    """
    reviewed = review_of(state, hit.hit_id).reviewed
    for assignment_id in list(hit.assignment_ids):
        assignment = state.assignments[assignment_id]
        if assignment.status.visible and assignment_id not in reviewed:
            _score(svc, state, hit, assignment, now, policy)


KIND = register(
    PolicyKind(
        NAME,
        "Assignment",
        {
            "AnswerKey": Param("map"),
            "ApproveIfKnownAnswerScoreIsAtLeast": Param("int", 0, 101),
            "ApproveReason": Param("text"),
            "RejectIfKnownAnswerScoreIsLessThan": Param("int", 0, 101),
            "RejectReason": Param("text"),
            "ExtendIfKnownAnswerScoreIsLessThan": Param("int", 0, 101),
            "ExtendMaximumAssignments": Param("int", 2, 25),
            "ExtendMinimumTimeInSeconds": Param("int", 60, MAX_SECONDS),
        },
        required=("AnswerKey",),
        on_submit=on_submit,
        on_reviewable=on_reviewable,
    )
)
