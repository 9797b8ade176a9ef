"""Review policies at work (spec §10.2, §10.3).

The service's hooks run them: the assignment-level policy on each submission,
the HIT-level policy whenever the HIT becomes Reviewable (again after every
extension). Their approvals, rejections and extensions go through
:mod:`.lifecycle`, the code the API calls use, so money, events and the 9→10
rule apply alike; what they computed and did goes into :mod:`.review`'s record.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Union

from . import answers, errors, lifecycle
from .journal import keep
from .model import HIT, Assignment, AssignmentStatus, State
from .review import Action, HITReview, Policy, Result, parse_policy, review_of

if TYPE_CHECKING:
    from .service import Service

LONGEST_COMPARED = 256  # longer answers are left out of plurality (spec §10.3)


def _percent(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), ROUND_HALF_UP))


def _compared(value: Any) -> tuple[str, ...]:
    """An answer as the policies compare it: trimmed values, order ignored, blanks dropped."""
    if isinstance(value, dict):
        items: Iterable[Any] = (
            [] if "file_key" in value else [*value.get("selections", ()), value.get("other", "")]
        )
    elif isinstance(value, list):
        items = value
    else:
        items = [] if value is None else [value]
    return tuple(sorted(str(item).strip() for item in items if str(item).strip()))


# -- actions -------------------------------------------------------------------------

_Outcome = tuple[str, str, Union[str, None]]  # noqa: UP007 - status, result, error code


def _decide(
    svc: Service,
    state: State,
    assignment: Assignment,
    approve: bool,
    reason: str | None,
    now: _dt.datetime,
) -> _Outcome:
    done = AssignmentStatus.APPROVED if approve else AssignmentStatus.REJECTED
    if assignment.status is done:
        return "Succeeded", f"The assignment was already {done.value.lower()}.", None
    if assignment.status is not AssignmentStatus.SUBMITTED:
        return (
            "Failed",
            f"The assignment is {assignment.status.value}.",
            errors.PREFIX + "InvalidAssignmentState",
        )
    try:
        if approve:
            lifecycle.approve(svc, state, assignment, reason, now)
        else:
            lifecycle.reject(svc, state, assignment, reason, now)
    except errors.ServiceError as exc:
        return "Failed", exc.message, exc.code
    return "Succeeded", f"The assignment was {done.value.lower()}.", None


def _extend(
    svc: Service, state: State, hit: HIT, policy: Policy, now: _dt.datetime
) -> _Outcome | None:
    """Add one assignment (and time, if asked); None when the HIT may not grow any more."""
    cap = policy.get("ExtendMaximumAssignments", 5)
    if hit.max_assignments < 10:
        cap = min(cap, 9)  # a HIT made with fewer than 10 may never reach 10
    if hit.max_assignments >= cap:
        return None
    minimum = policy.get("ExtendMinimumTimeInSeconds")
    expiration = None
    if minimum is not None:
        due = now + _dt.timedelta(seconds=minimum)
        if hit.expired or hit.expiration < due:
            expiration = due
    # Check the funds for the whole extension first, so it happens entirely or not at all.
    keep(hit)
    saved = (hit.max_assignments, hit.expired, hit.expiration)
    before = hit.liability
    hit.max_assignments += 1
    if expiration is not None:
        hit.expired, hit.expiration = False, expiration
    extra = hit.liability - before
    hit.max_assignments, hit.expired, hit.expiration = saved
    try:
        lifecycle.ensure_funds(state, extra)
    except errors.ServiceError as exc:
        return "Failed", exc.message, exc.code
    if expiration is not None:
        lifecycle.set_expiration(svc, state, hit, expiration, now)
    lifecycle.add_assignments(svc, state, hit, 1, now)
    return "Succeeded", "The HIT was extended by 1 assignment.", None


def _record(
    svc: Service,
    review: HITReview,
    level: str,
    name: str,
    target: tuple[str, str],
    run: Callable[[], _Outcome | None],
    now: _dt.datetime,
) -> None:
    outcome = run()
    if outcome is not None:
        status, result, code = outcome
        action = Action(svc.ids.entity(), name, target[0], target[1], status, now, result, code)
        review.entries.append((level, action))


# -- ScoreMyKnownAnswers ---------------------------------------------------------------


def _score_known_answers(
    svc: Service, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime
) -> None:
    assert hit.assignment_review_policy is not None
    policy = parse_policy(hit.assignment_review_policy, "AssignmentReviewPolicy")
    review = review_of(state, hit.hit_id)
    review.reviewed.add(assignment.assignment_id)
    given = answers.parse(assignment.answer)
    key: dict[str, list[str]] = policy.get("AnswerKey")
    correct = {qid: _compared(given.get(qid)) == _compared(values) for qid, values in key.items()}
    score = _percent(sum(correct.values()), len(correct))
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
    approve_at = policy.get("ApproveIfKnownAnswerScoreIsAtLeast")
    if approve_at is not None and score >= approve_at:
        reason = policy.get("ApproveReason")
        _record(
            svc,
            review,
            "Assignment",
            "approve",
            subject,
            lambda: _decide(svc, state, assignment, True, reason, now),
            now,
        )
    reject_below = policy.get("RejectIfKnownAnswerScoreIsLessThan")
    if reject_below is not None and score < reject_below:
        reason = policy.get("RejectReason")
        _record(
            svc,
            review,
            "Assignment",
            "reject",
            subject,
            lambda: _decide(svc, state, assignment, False, reason, now),
            now,
        )
    extend_below = policy.get("ExtendIfKnownAnswerScoreIsLessThan")
    if extend_below is not None and score < extend_below:
        _record(
            svc,
            review,
            "Assignment",
            "extend",
            (hit.hit_id, "HIT"),
            lambda: _extend(svc, state, hit, policy, now),
            now,
        )


# -- SimplePlurality -------------------------------------------------------------------


def _plurality(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    assert hit.hit_review_policy is not None
    policy = parse_policy(hit.hit_review_policy, "HITReviewPolicy")
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
        given = [_compared(parsed.get(qid)) for _, parsed in considered]
        counted = Counter(
            value for value in given if value and all(len(v) <= LONGEST_COMPARED for v in value)
        )
        ranked = counted.most_common(2)
        score = _percent(ranked[0][1], sum(counted.values())) if ranked else 0
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
    hit_score = _percent(len(agreed), len(question_ids))
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
    approve_at = policy.get("ApproveIfWorkerAgreementScoreIsAtLeast")
    reject_below = policy.get("RejectIfWorkerAgreementScoreIsLessThan")
    for assignment, parsed in considered if agreed else ():
        right = sum(_compared(parsed.get(qid)) == value for qid, value in agreed.items())
        worker_score = _percent(right, len(agreed))
        target = (assignment.assignment_id, "Assignment")
        for key, value in (
            ("WorkerAgreementScore", worker_score),
            ("PluralityAnswersCorrect", right),
            ("PluralityAnswersIncorrect", len(agreed) - right),
        ):
            review.entries.append(("HIT", Result(review_id, *target, None, key, str(value))))
        if approve_at is not None and worker_score >= approve_at:
            reason = policy.get("ApproveReason")
            _record(
                svc,
                review,
                "HIT",
                "approve",
                target,
                functools.partial(_decide, svc, state, assignment, True, reason, now),
                now,
            )
        if reject_below is not None and worker_score < reject_below:
            reason = policy.get("RejectReason")
            _record(
                svc,
                review,
                "HIT",
                "reject",
                target,
                functools.partial(_decide, svc, state, assignment, False, reason, now),
                now,
            )
    extend_below = policy.get("ExtendIfHITAgreementScoreIsLessThan")
    if extend_below is not None and hit_score < extend_below:
        _record(
            svc,
            review,
            "HIT",
            "extend",
            subject,
            lambda: _extend(svc, state, hit, policy, now),
            now,
        )


# -- hooks -----------------------------------------------------------------------------


def on_submit(
    svc: Service, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime
) -> None:
    """Score a fresh submission on the HIT's known answers (if it has that policy)."""
    if hit.assignment_review_policy is None:
        return
    if assignment.assignment_id not in review_of(state, hit.hit_id).reviewed:
        _score_known_answers(svc, state, hit, assignment, now)


def on_reviewable(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    """Run the HIT-level policy; known answers are scored first, so it can disregard."""
    if hit.assignment_review_policy is not None:
        # The last submission makes the HIT Reviewable before its own submit hook runs.
        reviewed = review_of(state, hit.hit_id).reviewed
        for assignment_id in list(hit.assignment_ids):
            assignment = state.assignments[assignment_id]
            if assignment.status.visible and assignment_id not in reviewed:
                _score_known_answers(svc, state, hit, assignment, now)
    if hit.hit_review_policy is not None:
        _plurality(svc, state, hit, now)
