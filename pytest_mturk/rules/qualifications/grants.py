"""Who holds which qualification: grants, revocations, requests, tests and type deletion.

Like :mod:`lifecycle` for HITs, every change to a worker's qualifications goes
through here, whether a requester's call or a simulated worker caused it
(spec §4.4, §5.13, §6.6). Requester calls validate before they call in; the
worker-side entry points raise :class:`WorkerActionError` for what MTurk would
not let a worker do.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ...core.clock import schedulable
from ...core.containers import JDict
from ...core.errors import WorkerActionError
from ...core.model import (
    HITStatus,
    HITType,
    Qualification,
    QualificationRequest,
    QualificationRequestStatus,
    QualificationStatus,
    QualificationType,
    QualificationTypeStatus,
    State,
)
from ..questions import answers
from . import qualification_tests, system_qualifications

if TYPE_CHECKING:
    from ...core.service import Event, Service

# "It may take up to 48 hours before DeleteQualificationType completes and the
# unique name of the Qualification type is available for reuse": we take the
# whole 48 h, counted from when the last HIT using the type was deleted.
DELETION_DELAY = _dt.timedelta(hours=48)
DEFAULT_VALUE = 1


# -- granting and revoking ----------------------------------------------------------


def grant(
    state: State, type_id: str, worker_id: str, value: int, now: _dt.datetime
) -> Qualification:
    """Give the worker the qualification with ``value`` (again, if it was revoked)."""
    held = state.qualifications.setdefault(type_id, JDict())
    qualification = held.get(worker_id)
    if qualification is None:
        qualification = held[worker_id] = Qualification(type_id, worker_id, value, now)
    else:
        if qualification.status is QualificationStatus.REVOKED:
            # A re-grant starts afresh; a mere change of score keeps the grant time.
            qualification.grant_time = now
            qualification.status = QualificationStatus.GRANTED
            qualification.reason = None
        qualification.integer_value = value
    return qualification


def revoke(qualification: Qualification, reason: str | None) -> None:
    qualification.status = QualificationStatus.REVOKED
    qualification.reason = reason


def decide(
    state: State,
    request: QualificationRequest,
    accept: bool,
    value: int | None,
    reason: str | None,
    now: _dt.datetime,
) -> None:
    """Accept (grant ``value``, default 1) or reject a submitted request."""
    if accept:
        score = DEFAULT_VALUE if value is None else value
        grant(state, request.qualification_type_id, request.worker_id, score, now)
        request.status = QualificationRequestStatus.APPROVED
        request.score = score
    else:
        request.status = QualificationRequestStatus.REJECTED
        request.reason = reason


# -- deleting a type ----------------------------------------------------------------


def uses(hit_type: HITType, type_id: str) -> bool:
    return any(req["QualificationTypeId"] == type_id for req in hit_type.qualification_requirements)


def delete_type(svc: Service, state: State, qtype: QualificationType, now: _dt.datetime) -> None:
    """DeleteQualificationType: the type starts Disposing (spec §4.4).

    Pending requests are rejected; workers keep their qualifications (HITs still
    running may need them); HIT types using the type are deleted, so no new HIT
    can be made from them, while HITs already made run on unchanged. The type is
    gone, and its name free, 48 h after the last HIT using it was deleted.
    """
    type_id = qtype.qualification_type_id
    qtype.status = QualificationTypeStatus.DISPOSING
    state.qualification_type_index.discard(type_id)
    state.tests_started = JDict(
        (key, when) for key, when in state.tests_started.items() if key[0] != type_id
    )
    for request in state.qualification_requests.values():
        if (
            request.qualification_type_id == type_id
            and request.status is QualificationRequestStatus.SUBMITTED
        ):
            request.status = QualificationRequestStatus.REJECTED
    doomed = {hit_type for hit_type in state.hit_types.values() if uses(hit_type, type_id)}
    for hit_type in doomed:
        del state.hit_types[hit_type.hit_type_id]
    for key in [key for key, hit_type in state.hit_types_by_key.items() if hit_type in doomed]:
        del state.hit_types_by_key[key]
    _maybe_finish(svc, state, qtype, now)


def _live_hit_uses(state: State, type_id: str) -> bool:
    return any(
        hit.status is not HITStatus.DISPOSED and uses(hit.hit_type, type_id)
        for hit in state.hits.values()
    )


def _maybe_finish(svc: Service, state: State, qtype: QualificationType, now: _dt.datetime) -> None:
    if qtype.disposal_due is not None or _live_hit_uses(state, qtype.qualification_type_id):
        return
    qtype.disposal_due = now + DELETION_DELAY
    # Scheduled with its objects as arguments, not as a closure over them, so that a
    # copied service's schedule acts on the copy's objects (Service.copy).
    svc.scheduler.at(qtype.disposal_due, _finish_deletion, state, qtype)


@schedulable("qualification-type-deletion")
def _finish_deletion(state: State, qtype: QualificationType, due: _dt.datetime) -> None:
    type_id = qtype.qualification_type_id
    if state.qualification_types.get(type_id) is not qtype:
        return
    del state.qualification_types[type_id]
    state.qualifications.pop(type_id, None)
    for request_id, request in list(state.qualification_requests.items()):
        if request.qualification_type_id == type_id:
            del state.qualification_requests[request_id]


def deletion_listener(svc: Service) -> Callable[[State, Event], None]:
    """A listener to HITDisposed events that lets deleted types finish once their last
    HIT is deleted."""
    # A partial, not a closure: deepcopy remaps a partial's arguments (Service.copy).
    return functools.partial(_on_hit_disposed, svc)


def _on_hit_disposed(svc: Service, state: State, event: Event) -> None:
    # Deleted types leave the index at once: equal sizes mean none is Disposing.
    if len(state.qualification_types) == len(state.qualification_type_index):
        return
    for qtype in list(state.qualification_types.values()):
        if qtype.status is QualificationTypeStatus.DISPOSING and qtype.disposal_due is None:
            _maybe_finish(svc, state, qtype, event.time)


# -- a worker asks for a qualification ----------------------------------------------


def find_type(svc: Service, type_id: str) -> tuple[State, QualificationType]:
    """The requestable type with this ID, in whichever environment has it."""
    for state in svc.states.values():
        system = system_qualifications.find(state.environment, type_id)
        if system is not None:
            raise WorkerActionError(
                f"{system.name} ({type_id}) is a system "
                "qualification: MTurk assigns it, workers cannot request it."
            )
        qtype = state.qualification_types.get(type_id)
        if qtype is not None:
            return state, qtype
    raise WorkerActionError(f"There is no QualificationType {type_id!r} in the simulator.")


def _latest_request(state: State, type_id: str, worker_id: str) -> QualificationRequest | None:
    for request in reversed(state.qualification_requests.values()):
        if request.qualification_type_id == type_id and request.worker_id == worker_id:
            return request
    return None


def check_can_request(
    state: State, qtype: QualificationType, worker_id: str, now: _dt.datetime
) -> None:
    """Raise :class:`WorkerActionError` if the worker may not request ``qtype`` now."""
    type_id = qtype.qualification_type_id
    if qtype.status is QualificationTypeStatus.DISPOSING:
        raise WorkerActionError(f"QualificationType {type_id} has been deleted.")
    if qtype.status is QualificationTypeStatus.INACTIVE:
        raise WorkerActionError(
            f"QualificationType {type_id} is Inactive: it cannot be requested until the "
            "requester makes it Active."
        )
    last = _latest_request(state, type_id, worker_id)
    if last is None:
        return
    if last.status is QualificationRequestStatus.SUBMITTED:
        raise WorkerActionError(
            f"Worker {worker_id} already has a request for {type_id} awaiting the requester "
            f"({last.qualification_request_id})."
        )
    if qtype.retry_delay is None:
        raise WorkerActionError(
            f"QualificationType {type_id} has no RetryDelayInSeconds: a worker may request "
            f"it only once, and {worker_id} did at {last.submit_time.isoformat()}."
        )
    retry_at = last.submit_time + _dt.timedelta(seconds=qtype.retry_delay)
    if now < retry_at:
        raise WorkerActionError(
            f"Worker {worker_id} may request {type_id} again at {retry_at.isoformat()} "
            f"(RetryDelayInSeconds {qtype.retry_delay}); it is now {now.isoformat()}."
        )


def open_test(state: State, qtype: QualificationType, worker_id: str, now: _dt.datetime) -> str:
    """The worker opens the type's test; TestDurationInSeconds runs from now."""
    check_can_request(state, qtype, worker_id, now)
    if qtype.test is None:
        raise WorkerActionError(f"QualificationType {qtype.qualification_type_id} has no test.")
    key = (qtype.qualification_type_id, worker_id)
    started = state.tests_started.get(key)
    if started is None or _timed_out(qtype, started, now):
        state.tests_started[key] = now
    return qtype.test


def _timed_out(qtype: QualificationType, started: _dt.datetime, now: _dt.datetime) -> bool:
    return now - started > _dt.timedelta(seconds=qtype.test_duration or 0)


def request(
    svc: Service,
    state: State,
    qtype: QualificationType,
    worker_id: str,
    given: Mapping[str, Any] | str | None,
    now: _dt.datetime,
) -> QualificationRequest:
    """A worker requests ``qtype``, answering its test if it has one.

    AutoGranted types grant at once, a test with an AnswerKey is scored at once;
    anything else waits for the requester (ListQualificationRequests).
    """
    type_id = qtype.qualification_type_id
    check_can_request(state, qtype, worker_id, now)
    xml = None
    if qtype.test is not None:
        if given is None:
            raise WorkerActionError(
                f"QualificationType {type_id} has a test: pass the worker's answers, "
                "request_qualification(type_id, answers={question id: answer})."
            )
        if not isinstance(given, (str, Mapping)):
            raise WorkerActionError(
                f"Answer the test with {{question id: answer}} or QuestionFormAnswers XML "
                f"text, not {given!r}."
            )
        questions = qualification_tests.parse_test(qtype.test)
        xml = qualification_tests.answer_xml(questions, given)
        problem = answers.malformation(xml)
        if problem is not None:
            # Text no XML document can hold: scoring it would fail after the request was kept.
            raise WorkerActionError(f"The answers cannot be written as XML: {problem}.")
        started = state.tests_started.pop((type_id, worker_id), now)
        if _timed_out(qtype, started, now):
            raise WorkerActionError(
                f"The test for {type_id} allows {qtype.test_duration} s "
                f"(TestDurationInSeconds); worker {worker_id} opened it at "
                f"{started.isoformat()} and it is now {now.isoformat()}. Open it again "
                "with start_test()."
            )
    elif given is not None:
        raise WorkerActionError(
            f"QualificationType {type_id} has no test: request it without answers."
        )
    record = QualificationRequest(
        svc.ids.entity(), type_id, worker_id, now, test=qtype.test, answer=xml
    )
    state.qualification_requests[record.qualification_request_id] = record
    if qtype.auto_granted:
        value = qtype.auto_granted_value
        decide(state, record, True, DEFAULT_VALUE if value is None else value, None, now)
    elif qtype.answer_key is not None and xml is not None:
        key = qualification_tests.parse_answer_key(qtype.answer_key)
        decide(state, record, True, key.score(answers.parse(xml)), None, now)
    return record
