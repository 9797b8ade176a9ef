"""Look-ups and checks shared by the operation handlers."""

from __future__ import annotations

import datetime as _dt

from ..core import catalogue, roster
from ..core.model import (
    HIT,
    Assignment,
    Environment,
    HITStatus,
    QualificationType,
    QualificationTypeStatus,
    State,
    Worker,
)
from ..rules.qualifications import system_qualifications

TOKEN_WINDOW = _dt.timedelta(hours=24)


def live_hit(state: State, hit_id: str) -> HIT:
    """The HIT, or the service's "does not exist" (disposed HITs included)."""
    hit = state.hits.get(hit_id)
    if hit is None or hit.status is HITStatus.DISPOSED:
        raise catalogue.HIT_DOES_NOT_EXIST(hit_id=hit_id)
    return hit


def any_hit(state: State, hit_id: str) -> HIT:
    """The HIT, disposed or not; unknown IDs get "does not exist"."""
    hit = state.hits.get(hit_id)
    if hit is None:
        raise catalogue.HIT_DOES_NOT_EXIST(hit_id=hit_id)
    return hit


def visible_assignment(state: State, assignment_id: str) -> Assignment:
    """An assignment the API can see: submitted, approved or rejected."""
    assignment = state.assignments.get(assignment_id)
    if assignment is None or not assignment.status.visible:
        raise catalogue.ASSIGNMENT_DOES_NOT_EXIST(assignment_id=assignment_id)
    return assignment


def worker(state: State, worker_id: str, *, strict: bool = False) -> Worker:
    """The worker record, made on first reference (any well-formed ID is a real worker).

    In strict mode only workers the test declared exist; others get the
    service's answer for an ID it does not know.
    """
    record = state.workers.get(worker_id)
    if record is None:
        if strict:
            raise catalogue.INVALID_VALUE(name="WorkerId", value=worker_id)
        record = roster.worker(state, worker_id)
    return record


def seen_token(state: State, operation: str, token: str | None, now: _dt.datetime) -> str | None:
    """What an earlier call with this UniqueRequestToken produced within 24 h, if any."""
    if token is None:
        return None
    seen = state.tokens.get((operation, token))
    if seen is not None and now - seen[0] < TOKEN_WINDOW:
        return seen[1]
    return None


def refuse_replayed_request(
    state: State, operation: str, token: str | None, now: _dt.datetime
) -> None:
    """The service's refusal of a UniqueRequestToken seen within 24 h (SendBonus,
    CreateAdditionalAssignmentsForHIT): the message names the first request."""
    previous = seen_token(state, operation, token, now)
    if previous is not None:
        raise catalogue.REQUEST_ALREADY_PROCESSED(token=token, request_id=previous)


def remember_token(
    state: State, operation: str, token: str | None, now: _dt.datetime, value: str
) -> None:
    if token is not None:
        state.tokens[(operation, token)] = (now, value)


# -- qualification types ------------------------------------------------------------

_system_records: dict[Environment, list[QualificationType]] = {}


def system_types(state: State) -> list[QualificationType]:
    """The system qualification types of this environment, as records (made once)."""
    records = _system_records.get(state.environment)
    if records is None:
        records = _system_records[state.environment] = [
            QualificationType(
                qualification_type_id=type_id,
                name=system.name,
                description=system.description,
                status=QualificationTypeStatus.ACTIVE,
                creation_time=system_qualifications.CREATED,
                is_requestable=False,
                system=True,
            )
            for type_id, system in system_qualifications.listed(state.environment)
        ]
    return records


def any_type(state: State, type_id: str) -> QualificationType:
    """A system type of this environment or one of ours that is not being deleted."""
    for system in system_types(state):
        if system.qualification_type_id == type_id:
            return system
    qtype = state.qualification_types.get(type_id)
    if qtype is None:
        raise catalogue.QUALIFICATION_TYPE_DOES_NOT_EXIST(type_id=type_id)
    if qtype.status is QualificationTypeStatus.DISPOSING:
        raise catalogue.INVALID_QUALIFICATION_TYPE_STATE()
    return qtype


def own_type(state: State, type_id: str) -> QualificationType:
    """One of our own types: only its owner may change it or see who holds it."""
    qtype = any_type(state, type_id)
    if qtype.system:
        raise catalogue.PERMISSION_DENIED()
    return qtype
