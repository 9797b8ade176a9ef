"""A worker's actions: accept, submit, return, open a qualification test, request one.

They are rules of the service like the operations: each is one transaction
(``Service.transaction()``: the lock, the current time, all or nothing) that holds
the worker to what MTurk let a real worker do, and changes the state through the
same rules the operations use (the lifecycle, the qualifications' grants, the
roster), so a worker's action and a requester's call never disagree about what a
change does. A refusal is a :class:`~pytest_mturk.WorkerActionError` with the
reason, and changes nothing. Every way a worker acts comes here: ``SimulatedWorker``,
a crowd's workers, and the HTTP door's control API and worker pages (through the
backend's ``WorkerAction``; only making a worker goes through the face).

A worker is named by their ID; ``profile`` is what their record in an environment
is made with if they have none there yet.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core import lifecycle, roster
from ..core.errors import WorkerActionError
from ..core.model import HIT, Assignment, AssignmentStatus, QualificationRequest, State
from ..core.roster import DEFAULT, Profile
from ..rules.qualifications import grants
from ..rules.questions import answers
from .worker_reads import check_can_accept, find_hit

if TYPE_CHECKING:
    from ..core.service import Service

__all__ = [
    "accept",
    "enlist",
    "enlisted",
    "request_qualification",
    "return_assignment",
    "start_test",
    "submit",
    "take",
]

# -- making a worker -----------------------------------------------------------------


def enlisted(service: Service, worker_id: str) -> bool:
    """Whether the worker has a record in every environment."""
    return all(worker_id in state.workers for state in service.states.values())


def enlist(service: Service, worker_id: str, profile: Profile, *, update: bool) -> None:
    """Give the worker a record in every environment, made with ``profile``; ``update``:
    records they already have take ``profile`` too."""
    with service.transaction():
        for state in service.states.values():
            found = state.workers.get(worker_id)
            if found is None:
                roster.record(state, worker_id, profile)
            elif update:
                profile.apply(found)


# -- accepting -----------------------------------------------------------------------


def accept(service: Service, worker_id: str, hit_id: str, profile: Profile = DEFAULT) -> Assignment:
    """The worker accepts an assignment of the HIT, in whichever environment it lives.

    As on MTurk, a slot another worker (or this one) returned or abandoned keeps its
    AssignmentId: the oldest such ID of the HIT is issued before a new one.
    """
    with service.transaction() as now:
        found = find_hit(service, hit_id)
        if found is None:
            raise WorkerActionError(f"There is no HIT {hit_id!r} in the simulator.")
        state, hit = found
        return _take(service, state, hit, worker_id, profile, now)


def take(
    service: Service,
    state: State,
    hit: HIT,
    worker_id: str,
    profile: Profile,
    now: _dt.datetime,
) -> Assignment:
    """Accept ``hit`` of ``state`` at ``now``, a time the caller has brought the clock to:
    what :func:`accept` does once it has found the HIT, and what a crowd's worker does."""
    with service.transaction(now):
        return _take(service, state, hit, worker_id, profile, now)


def _take(
    service: Service, state: State, hit: HIT, worker_id: str, profile: Profile, now: _dt.datetime
) -> Assignment:
    record = roster.record(state, worker_id, profile)
    check_can_accept(service, state, hit, record)
    return lifecycle.accept(service, state, hit, record, now)


# -- working on an assignment --------------------------------------------------------


def _held(service: Service, worker_id: str, assignment_id: str) -> tuple[State, Assignment]:
    """The worker's assignment, or why it is not theirs (any more)."""
    for state in service.states.values():
        assignment = state.assignments.get(assignment_id)
        if assignment is not None:
            if assignment.worker_id != worker_id:
                raise WorkerActionError(_not_theirs(state, assignment, worker_id))
            return state, assignment
    raise WorkerActionError(f"There is no assignment {assignment_id!r} in the simulator.")


def _not_theirs(state: State, current: Assignment, worker_id: str) -> str:
    """Why the worker may not act on an assignment someone else holds now."""
    assignment_id = current.assignment_id
    for earlier in reversed(state.holdings):
        if earlier.assignment_id == assignment_id and earlier.worker_id == worker_id:
            how = (
                "returned it"
                if earlier.status is AssignmentStatus.RETURNED
                else "abandoned it (its deadline passed)"
            )
            return (
                f"Assignment {assignment_id} is no longer worker {worker_id}'s: they "
                f"{how}, and the ID now belongs to worker {current.worker_id}."
            )
    return f"Assignment {assignment_id} belongs to worker {current.worker_id}, not {worker_id}."


def _check_in_progress(assignment: Assignment) -> None:
    if assignment.status is not AssignmentStatus.ACCEPTED:
        if assignment.status is AssignmentStatus.ABANDONED:
            why = "its deadline passed (it was abandoned)"
        else:
            why = f"it is {assignment.status.value}"
        raise WorkerActionError(
            f"Assignment {assignment.assignment_id} is no longer in progress: {why}."
        )


def submit(
    service: Service,
    worker_id: str,
    assignment_id: str,
    answer: Mapping[str, Any] | str | None = None,
) -> None:
    """The worker submits the assignment with ``{question id: value}`` or raw
    QuestionFormAnswers XML."""
    with service.transaction() as now:
        state, assignment = _held(service, worker_id, assignment_id)
        _check_in_progress(assignment)
        xml = _answer_xml(state, assignment, answer)
        lifecycle.submit(service, state, assignment, xml, now)


def _answer_xml(
    state: State, assignment: Assignment, answer: Mapping[str, Any] | str | None
) -> str:
    """The answer as stored, or :class:`WorkerActionError` before anything changes:
    MTurk's own page only ever sends well-formed QuestionFormAnswers."""
    if isinstance(answer, str):
        xml = answer
    elif answer is None or isinstance(answer, Mapping):
        hit = state.hits[assignment.hit_id]
        try:
            xml = answers.for_question(hit.question, answer or {})
        except (TypeError, ValueError) as exc:
            raise WorkerActionError(
                f"The answer to assignment {assignment.assignment_id} cannot be written as "
                f"QuestionFormAnswers ({exc}); give {{question id: text or a list of "
                "selection ids}."
            ) from None
    else:
        raise WorkerActionError(
            f"Submit {{question id: value}} or QuestionFormAnswers XML text, not {answer!r}."
        )
    # What is written from a dict is well-formed unless a value holds a character
    # XML forbids; only then, and for XML given as text, is it parsed to find out.
    suspect = isinstance(answer, str) or answers.may_be_malformed(xml)
    problem = answers.malformation(xml) if suspect and xml.strip() else None
    if problem is not None:
        what = "is not" if isinstance(answer, str) else "has text that cannot be written as"
        raise WorkerActionError(
            f"The answer to assignment {assignment.assignment_id} {what} well-formed XML "
            f"({problem}); nothing was submitted. Give QuestionFormAnswers XML or a "
            "{question id: value} dict."
        )
    return xml


def return_assignment(service: Service, worker_id: str, assignment_id: str) -> None:
    """The worker gives the assignment back unfinished; its slot reopens if the HIT has
    not expired, and the next worker to accept the HIT gets the same AssignmentId."""
    with service.transaction() as now:
        state, assignment = _held(service, worker_id, assignment_id)
        _check_in_progress(assignment)
        lifecycle.give_back(service, state, assignment, AssignmentStatus.RETURNED, now)


# -- qualifications --------------------------------------------------------------------


def start_test(service: Service, worker_id: str, type_id: str, profile: Profile = DEFAULT) -> str:
    """The worker opens the qualification type's test (its QuestionForm XML is returned);
    TestDurationInSeconds runs from now."""
    with service.transaction() as now:
        state, qtype = grants.find_type(service, type_id)
        roster.record(state, worker_id, profile)
        return grants.open_test(state, qtype, worker_id, now)


def request_qualification(
    service: Service,
    worker_id: str,
    type_id: str,
    given: Mapping[str, Any] | str | None = None,
    profile: Profile = DEFAULT,
) -> QualificationRequest:
    """The worker requests a qualification, answering its test (``given``) if it has one:
    granted at once for an AutoGranted type or a test with an AnswerKey, otherwise left
    for the requester (the qualifications' ``grants.request``)."""
    with service.transaction() as now:
        state, qtype = grants.find_type(service, type_id)
        roster.record(state, worker_id, profile)
        return grants.request(service, state, qtype, worker_id, given, now)
