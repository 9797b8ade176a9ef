"""The rules of a HIT's and an assignment's life (spec §4), and the money they move (§8).

Every change of state goes through a function here, whether a requester call,
a simulated worker or the passing of time caused it, so counters, statuses,
reservations, payments and events stay consistent. The callers validate; these
functions only check what depends on money and change the model.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import errors, money, payments
from .clock import schedulable
from .journal import keep
from .model import (
    HIT,
    Assignment,
    AssignmentStatus,
    Environment,
    HITStatus,
    HITType,
    State,
    Worker,
)

if TYPE_CHECKING:
    from .service import Service

DISPOSAL_AFTER = _dt.timedelta(days=120)
OVERRIDE_WINDOW = _dt.timedelta(days=30)


def refresh(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    """Recompute the HIT's status from its counters; keep indexes and events in step."""
    hit.cache = None
    new = hit.derive_status()
    old = hit.status
    if new is old:
        return
    keep(hit)
    hit.status = new
    if old is HITStatus.REVIEWABLE:
        state.reviewable.discard(hit.hit_id)
    elif old is HITStatus.REVIEWING:
        state.reviewing.discard(hit.hit_id)
    if new is HITStatus.REVIEWABLE:
        state.reviewable.add(hit.hit_id)
    elif new is HITStatus.REVIEWING:
        state.reviewing.add(hit.hit_id)
    else:
        hit.reviewing = False
    if new is HITStatus.REVIEWABLE and old is not HITStatus.REVIEWING:
        svc.emit(state, "HITReviewable", hit, None, now)
        svc.on_hit_reviewable(state, hit, now)


def create_hit(
    svc: Service,
    state: State,
    hit_type: HITType,
    *,
    lifetime: int,
    max_assignments: int,
    question: str | None,
    requester_annotation: str | None,
    hit_layout_id: str | None,
    assignment_review_policy: dict[str, Any] | None,
    hit_review_policy: dict[str, Any] | None,
    now: _dt.datetime,
) -> HIT:
    # Funds first: a refused creation must not even use up an ID.
    production = state.environment is Environment.PRODUCTION
    if production:
        liability = check_creation_funds(state, hit_type, max_assignments)
    state.hit_seq += 1
    # Positional, in HIT's field order: keywords cost its __init__ twice the time.
    hit = HIT(
        svc.ids.entity(),
        hit_type,
        now,
        now + _dt.timedelta(seconds=lifetime),
        max_assignments,
        question,
        requester_annotation,
        hit_layout_id,
        assignment_review_policy,
        hit_review_policy,
        state.hit_seq,
    )
    if production:
        state.reserved += liability
    state.hits[hit.hit_id] = hit
    state.hit_index.add(hit.hit_id)
    # Disposal is scheduled when the HIT expires: it can never be due before that.
    svc.scheduler.at(hit.expiration, _expire_if_due, svc, state, hit)
    svc.emit(state, "HITCreated", hit, None, now)
    return hit


def check_creation_funds(state: State, hit_type: HITType, max_assignments: int) -> Decimal:
    """What a new HIT would reserve (every assignment's reward and fee: ``HIT.liability``
    at birth), refused with InsufficientFunds if the account cannot cover it.

    Production only; the sandbox reserves nothing.
    """
    if state.environment is not Environment.PRODUCTION:
        return money.ZERO
    fee = money.assignment_fee(hit_type.reward, max_assignments, hit_type.requires_masters)
    liability = max_assignments * (hit_type.reward + fee)
    payments.ensure_funds(state, liability)
    return liability


@schedulable("hit-expiry")
def _expire_if_due(svc: Service, state: State, hit: HIT, due: _dt.datetime) -> None:
    if not hit.expired and hit.expiration == due and hit.status is not HITStatus.DISPOSED:
        expire(svc, state, hit, due)


def expire(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    """The HIT leaves the marketplace: no new accepts; work in progress may finish."""
    if hit.expired:
        return
    keep(hit)
    with payments.reserving(state, hit):
        hit.expired = True
    svc.emit(state, "HITExpired", hit, None, now)
    refresh(svc, state, hit, now)
    _schedule_disposal(svc, state, hit, _disposal_due(hit))


def set_expiration(
    svc: Service, state: State, hit: HIT, expiration: _dt.datetime, now: _dt.datetime
) -> None:
    """Move the expiration into the future (the caller checked the increment)."""
    keep(hit)
    was_expired, previous = hit.expired, hit.expiration
    before = hit.liability
    hit.expired = False
    hit.expiration = expiration
    extra = hit.liability - before
    if extra > 0:
        try:
            payments.ensure_funds(state, extra)
        except errors.ServiceError:
            hit.expired, hit.expiration = was_expired, previous
            raise
    if state.environment is Environment.PRODUCTION:
        state.reserved += extra
    svc.scheduler.at(hit.expiration, _expire_if_due, svc, state, hit)
    svc.emit(state, "HITExtended", hit, None, now)
    refresh(svc, state, hit, now)


def add_assignments(svc: Service, state: State, hit: HIT, count: int, now: _dt.datetime) -> None:
    keep(hit)
    before = hit.liability
    hit.max_assignments += count
    extra = hit.liability - before
    try:
        payments.ensure_funds(state, extra)
    except errors.ServiceError:
        hit.max_assignments -= count
        raise
    if state.environment is Environment.PRODUCTION:
        state.reserved += extra
    svc.emit(state, "HITExtended", hit, None, now)
    refresh(svc, state, hit, now)


def change_type(svc: Service, state: State, hit: HIT, hit_type: HITType, now: _dt.datetime) -> None:
    keep(hit)
    previous = hit.hit_type
    before = hit.liability
    hit.hit_type = hit_type
    extra = hit.liability - before
    if extra > 0:
        try:
            payments.ensure_funds(state, extra)
        except errors.ServiceError:
            hit.hit_type = previous
            raise
    if state.environment is Environment.PRODUCTION:
        state.reserved += extra
    refresh(svc, state, hit, now)


def _disposal_due(hit: HIT) -> _dt.datetime:
    return max(hit.creation_time + DISPOSAL_AFTER, hit.expiration)


def _schedule_disposal(svc: Service, state: State, hit: HIT, due: _dt.datetime) -> None:
    # A module-level action with its objects as arguments, never a closure: copying a
    # service (Service.copy) must remap what a scheduled transition acts on.
    svc.scheduler.at(due, _dispose_if_due, svc, state, hit)


@schedulable("hit-disposal")
def _dispose_if_due(svc: Service, state: State, hit: HIT, when: _dt.datetime) -> None:
    if hit.status is HITStatus.DISPOSED:
        return
    later = _disposal_due(hit)
    if later > when:
        _schedule_disposal(svc, state, hit, later)
    elif hit.pending or hit.submitted:
        # Work still in flight; look again once it must have settled.
        _schedule_disposal(svc, state, hit, when + _dt.timedelta(days=1))
    else:
        dispose(svc, state, hit, when)


def dispose(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    keep(hit)
    with payments.reserving(state, hit):
        state.reviewable.discard(hit.hit_id)
        state.reviewing.discard(hit.hit_id)
        state.hit_index.discard(hit.hit_id)
        hit.status = HITStatus.DISPOSED
        hit.cache = None
    svc.emit(state, "HITDisposed", hit, None, now)


def set_reviewing(svc: Service, state: State, hit: HIT, reviewing: bool, now: _dt.datetime) -> None:
    keep(hit)
    hit.reviewing = reviewing
    refresh(svc, state, hit, now)


# -- assignments -------------------------------------------------------------------


def accept(svc: Service, state: State, hit: HIT, worker: Worker, now: _dt.datetime) -> Assignment:
    """A worker takes a slot: the oldest one given back keeps its AssignmentId, as on
    MTurk; only when none is free is a new ID minted."""
    keep(hit)
    if hit.free_ids:
        assignment_id, hit.free_ids = hit.free_ids[0], hit.free_ids[1:]
    else:
        assignment_id = svc.ids.entity()
        hit.assignment_ids.append(assignment_id)
    assignment = Assignment(
        assignment_id=assignment_id,
        hit_id=hit.hit_id,
        worker_id=worker.worker_id,
        accept_time=now,
        deadline=now + _dt.timedelta(seconds=hit.hit_type.assignment_duration),
    )
    # The earlier holder's record stays in ``holdings``; its scheduled deadline
    # is bound to that record, so it can never fire on the new holder.
    state.assignments[assignment_id] = assignment
    state.holdings.append(assignment)
    hit.pending += 1
    svc.scheduler.at(assignment.deadline, _abandon_if_due, svc, state, assignment)
    svc.emit(state, "AssignmentAccepted", hit, assignment, now)
    refresh(svc, state, hit, now)
    return assignment


def submit(
    svc: Service, state: State, assignment: Assignment, answer: str, now: _dt.datetime
) -> None:
    hit = state.hits[assignment.hit_id]
    keep(hit)
    keep(assignment)
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.answer = answer
    assignment.submit_time = now
    delay = hit.hit_type.auto_approval_delay
    assignment.auto_approval_time = now + _dt.timedelta(seconds=delay)
    assignment.cache = None
    hit.pending -= 1
    hit.submitted += 1
    state.workers[assignment.worker_id].submitted_total += 1
    svc.emit(state, "AssignmentSubmitted", hit, assignment, now)
    refresh(svc, state, hit, now)
    svc.on_assignment_submitted(state, hit, assignment, now)
    if assignment.status is not AssignmentStatus.SUBMITTED:
        return  # a review policy already decided it
    if delay == 0:
        approve(svc, state, assignment, None, now)
        return
    svc.scheduler.at(assignment.auto_approval_time, _approve_if_due, svc, state, assignment)


@schedulable("assignment-deadline")
def _abandon_if_due(svc: Service, state: State, assignment: Assignment, due: _dt.datetime) -> None:
    if assignment.status is AssignmentStatus.ACCEPTED and assignment.deadline == due:
        give_back(svc, state, assignment, AssignmentStatus.ABANDONED, due)


@schedulable("auto-approval")
def _approve_if_due(svc: Service, state: State, assignment: Assignment, due: _dt.datetime) -> None:
    if assignment.status is AssignmentStatus.SUBMITTED and assignment.auto_approval_time == due:
        approve(svc, state, assignment, None, due)


def give_back(
    svc: Service,
    state: State,
    assignment: Assignment,
    how: AssignmentStatus,
    now: _dt.datetime,
) -> None:
    """A worker returned the assignment, or its deadline passed (abandoned)."""
    hit = state.hits[assignment.hit_id]
    keep(hit)
    keep(assignment)
    with payments.reserving(state, hit):
        assignment.status = how
        assignment.cache = None
        hit.pending -= 1
    hit.free_ids += (assignment.assignment_id,)
    worker = state.workers[assignment.worker_id]
    if how is AssignmentStatus.RETURNED:
        worker.returned += 1
        event = "AssignmentReturned"
    else:
        worker.abandoned += 1
        event = "AssignmentAbandoned"
    svc.emit(state, event, hit, assignment, now)
    refresh(svc, state, hit, now)


def approve(
    svc: Service,
    state: State,
    assignment: Assignment,
    feedback: str | None,
    now: _dt.datetime,
    *,
    override: bool = False,
) -> None:
    hit = state.hits[assignment.hit_id]
    if override:
        payments.ensure_funds(state, hit.reward + hit.fee)
    keep(hit)
    keep(assignment)
    with payments.reserving(state, hit):
        if assignment.status is AssignmentStatus.REJECTED:
            hit.rejected -= 1
            state.workers[assignment.worker_id].rejected -= 1
        else:
            hit.submitted -= 1
        hit.approved += 1
        assignment.status = AssignmentStatus.APPROVED
        assignment.approval_time = now
        if feedback is not None:
            assignment.requester_feedback = feedback
        assignment.cache = None
    # payments.reserving() released the slot's reservation (an overridden rejection had
    # none, so ensure_funds checked the available balance); now the money leaves.
    payments.pay_assignment(state, hit, assignment, now)
    state.workers[assignment.worker_id].approved += 1
    svc.emit(state, "AssignmentApproved", hit, assignment, now)
    refresh(svc, state, hit, now)


def reject(
    svc: Service, state: State, assignment: Assignment, feedback: str | None, now: _dt.datetime
) -> None:
    hit = state.hits[assignment.hit_id]
    keep(hit)
    keep(assignment)
    with payments.reserving(state, hit):
        hit.submitted -= 1
        hit.rejected += 1
        assignment.status = AssignmentStatus.REJECTED
        assignment.rejection_time = now
        assignment.requester_feedback = feedback
        assignment.cache = None
    state.workers[assignment.worker_id].rejected += 1
    svc.emit(state, "AssignmentRejected", hit, assignment, now)
    refresh(svc, state, hit, now)


def can_override(assignment: Assignment, hit: HIT, now: _dt.datetime) -> bool:
    return (
        hit.status is not HITStatus.DISPOSED
        and assignment.submit_time is not None
        and now - assignment.submit_time <= OVERRIDE_WINDOW
    )
