"""What the review policies share: how they compare answers, and the actions they take.

Approvals, rejections and extensions go through :mod:`...core.lifecycle`, the code
the API calls use, so money, events and the 9→10 rule apply alike; each is
recorded as a ReviewActionDetail in the HIT's record (:mod:`._records`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Union

from ...core import errors, lifecycle, payments
from ...core.model import HIT, Assignment, AssignmentStatus, State
from ._kinds import Policy
from ._records import Action, HITReview

if TYPE_CHECKING:
    from ...core.service import Service

Outcome = tuple[str, str, Union[str, None]]  # noqa: UP007 - status, result, error code


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent, rounded half up (0 of nothing is 0)."""
    if not whole:
        return 0
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), ROUND_HALF_UP))


def compared(value: Any) -> tuple[str, ...]:
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


def decide(
    svc: Service,
    state: State,
    assignment: Assignment,
    approve: bool,
    reason: str | None,
    now: _dt.datetime,
) -> Outcome:
    """Approve or reject a submitted assignment, as the policy's action."""
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


def extend(
    svc: Service, state: State, hit: HIT, policy: Policy, now: _dt.datetime
) -> Outcome | None:
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
    # Check the funds for the whole extension first, so it happens entirely or not at all:
    # what the HIT would owe once extended, worked out on a copy of it.
    grown = dataclasses.replace(hit, max_assignments=hit.max_assignments + 1, cache=None)
    if expiration is not None:
        grown = dataclasses.replace(grown, expired=False, expiration=expiration)
    try:
        payments.ensure_funds(state, grown.liability - hit.liability)
    except errors.ServiceError as exc:
        return "Failed", exc.message, exc.code
    if expiration is not None:
        lifecycle.set_expiration(svc, state, hit, expiration, now)
    lifecycle.add_assignments(svc, state, hit, 1, now)
    return "Succeeded", "The HIT was extended by 1 assignment.", None


def judge(
    svc: Service,
    state: State,
    review: HITReview,
    level: str,
    assignment: Assignment,
    score: int,
    thresholds: tuple[str, str],
    policy: Policy,
    now: _dt.datetime,
) -> None:
    """Approve the assignment if ``score`` reaches the first threshold parameter, and reject
    it if it falls below the second (with the policy's ApproveReason / RejectReason)."""
    approve_key, reject_key = thresholds
    target = (assignment.assignment_id, "Assignment")
    approve_at = policy.get(approve_key)
    if approve_at is not None and score >= approve_at:
        reason = policy.get("ApproveReason")
        run = functools.partial(decide, svc, state, assignment, True, reason, now)
        record(svc, review, level, "approve", target, run, now)
    reject_below = policy.get(reject_key)
    if reject_below is not None and score < reject_below:
        reason = policy.get("RejectReason")
        run = functools.partial(decide, svc, state, assignment, False, reason, now)
        record(svc, review, level, "reject", target, run, now)


def extend_if_below(
    svc: Service,
    state: State,
    review: HITReview,
    level: str,
    hit: HIT,
    score: int,
    threshold: str,
    policy: Policy,
    now: _dt.datetime,
) -> None:
    """Extend the HIT (:func:`extend`) if ``score`` falls below the threshold parameter."""
    below = policy.get(threshold)
    if below is not None and score < below:
        run = functools.partial(extend, svc, state, hit, policy, now)
        record(svc, review, level, "extend", (hit.hit_id, "HIT"), run, now)


def record(
    svc: Service,
    review: HITReview,
    level: str,
    name: str,
    target: tuple[str, str],
    run: Callable[[], Outcome | None],
    now: _dt.datetime,
) -> None:
    """Take one action and record how it went (nothing, when it did not apply)."""
    outcome = run()
    if outcome is not None:
        status, result, code = outcome
        action = Action(svc.ids.entity(), name, target[0], target[1], status, now, result, code)
        review.entries.append((level, action))
