"""Assignment operations: read, list, approve, reject."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue, lifecycle
from ..core.model import AssignmentStatus, State
from ..core.service import Handler, Service
from ..core.validation import requester_feedback
from . import _common, pagination, shapes


def get_assignment(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    assignment_id = p["AssignmentId"]
    assignment = state.assignments.get(assignment_id)
    if assignment is not None and assignment.status is AssignmentStatus.ACCEPTED:
        # "Reviewable" is the service's internal name for Submitted.
        raise catalogue.INVALID_ASSIGNMENT_STATE(allowed="Reviewable,Approved,Rejected")
    assignment = _common.visible_assignment(state, assignment_id)
    return {
        "Assignment": shapes.assignment(assignment),
        "HIT": shapes.hit(state.hits[assignment.hit_id]),
    }


def list_assignments_for_hit(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit = _common.live_hit(state, p["HITId"])
    wanted = frozenset(p.get("AssignmentStatuses") or ("Submitted", "Approved", "Rejected"))
    assignments = state.assignments
    # Walk the HIT's assignments in the order they were accepted; the token is a
    # position in that list, so approving work while paging skips nothing.
    keys, token = pagination.page_filtered(
        hit.assignment_ids,
        p,
        "ListAssignmentsForHIT:" + hit.hit_id,
        lambda key: assignments[key].status.value in wanted,
    )
    return pagination.response(
        "Assignments", [shapes.assignment(assignments[key]) for key in keys], token
    )


def approve_assignment(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    feedback = p.get("RequesterFeedback")
    requester_feedback(feedback)
    assignment = _common.visible_assignment(state, p["AssignmentId"])
    override = bool(p.get("OverrideRejection"))
    if assignment.status is AssignmentStatus.REJECTED and override:
        hit = state.hits[assignment.hit_id]
        if not lifecycle.can_override(assignment, hit, now):
            raise catalogue.REJECTED_ASSIGNMENT_TOO_OLD()
    elif assignment.status is not AssignmentStatus.SUBMITTED:
        raise catalogue.INVALID_ASSIGNMENT_STATE(allowed="Submitted")
    lifecycle.approve(
        svc,
        state,
        assignment,
        feedback,
        now,
        override=assignment.status is AssignmentStatus.REJECTED,
    )
    return {}


def reject_assignment(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    feedback = p["RequesterFeedback"]
    requester_feedback(feedback)
    assignment = _common.visible_assignment(state, p["AssignmentId"])
    if assignment.status is not AssignmentStatus.SUBMITTED:
        raise catalogue.INVALID_ASSIGNMENT_STATE(allowed="Submitted")
    lifecycle.reject(svc, state, assignment, feedback, now)
    return {}


OPERATIONS: dict[str, Handler] = {
    "GetAssignment": get_assignment,
    "ListAssignmentsForHIT": list_assignments_for_hit,
    "ApproveAssignment": approve_assignment,
    "RejectAssignment": reject_assignment,
}
