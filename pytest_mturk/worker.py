"""Simulated workers: people who accept, submit and return assignments.

A worker acts through :mod:`lifecycle`, the same rules the API calls use, and
is held to what MTurk would let a real worker do; anything else raises
:class:`~pytest_mturk.errors.WorkerActionError` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import lifecycle
from .errors import WorkerActionError
from .model import HIT, Assignment, AssignmentStatus, HITStatus, State, Worker

if TYPE_CHECKING:
    from .service import Service


@dataclass(frozen=True)
class Profile:
    """What MTurk knows of a worker: the source of the system qualifications."""

    locale: str = "US"  # "US" or "US-CA" (ISO 3166 country, optional subdivision)
    adult: bool = False
    masters: bool = False
    approved: int = 0  # assignments approved before the simulation started
    rejected: int = 0

    def apply(self, record: Worker) -> None:
        country, _, subdivision = self.locale.partition("-")
        record.locale_country = country
        record.locale_subdivision = subdivision or None
        record.adult = self.adult
        record.masters = self.masters
        record.prior_approved = self.approved
        record.prior_rejected = self.rejected


_HELD = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.SUBMITTED,
        AssignmentStatus.APPROVED,
        AssignmentStatus.REJECTED,
    }
)


class SimulatedWorker:
    """One worker, acting in whichever environment (sandbox or production) a HIT lives in."""

    def __init__(self, service: Service, worker_id: str, profile: Profile) -> None:
        self._service = service
        self.worker_id = worker_id
        self.profile = profile

    def __repr__(self) -> str:
        return f"SimulatedWorker({self.worker_id!r})"

    # -- finding things ------------------------------------------------------------

    def _hit(self, hit_id: str) -> tuple[State, HIT]:
        for state in self._service.states.values():
            hit = state.hits.get(hit_id)
            if hit is not None:
                return state, hit
        raise WorkerActionError(f"There is no HIT {hit_id!r} in the simulator.")

    def _assignment(self, assignment_id: str) -> tuple[State, Assignment]:
        for state in self._service.states.values():
            assignment = state.assignments.get(assignment_id)
            if assignment is not None:
                if assignment.worker_id != self.worker_id:
                    raise WorkerActionError(
                        f"Assignment {assignment_id} belongs to worker {assignment.worker_id}, "
                        f"not {self.worker_id}."
                    )
                return state, assignment
        raise WorkerActionError(f"There is no assignment {assignment_id!r} in the simulator.")

    def record(self, state: State) -> Worker:
        """This worker's record in one environment (made with the profile on first use)."""
        record = state.workers.get(self.worker_id)
        if record is None:
            record = state.workers[self.worker_id] = Worker(self.worker_id)
            self.profile.apply(record)
        return record

    # -- actions -------------------------------------------------------------------

    def accept(self, hit_id: str) -> str:
        """Accept an assignment of the HIT; returns the new AssignmentId."""
        service = self._service
        with service.lock:
            now = service.now()
            state, hit = self._hit(hit_id)
            self.check_can_accept(state, hit)
            assignment = lifecycle.accept(service, state, hit, self.record(state), now)
            return assignment.assignment_id

    def check_can_accept(self, state: State, hit: HIT) -> None:
        """Raise :class:`WorkerActionError` saying why this worker may not accept ``hit``."""
        if hit.status is HITStatus.DISPOSED:
            raise WorkerActionError(f"HIT {hit.hit_id} has been deleted.")
        if hit.expired:
            raise WorkerActionError(f"HIT {hit.hit_id} has expired.")
        for assignment_id in hit.assignment_ids:
            held = state.assignments[assignment_id]
            if held.worker_id == self.worker_id and held.status in _HELD:
                raise WorkerActionError(
                    f"Worker {self.worker_id} already has assignment {assignment_id} of "
                    f"HIT {hit.hit_id} ({held.status.value})."
                )
        if hit.available == 0:
            raise WorkerActionError(f"HIT {hit.hit_id} has no assignments available.")
        for check in self._service.accept_checks:
            reason = check(self._service, state, hit, self.record(state))
            if reason:
                raise WorkerActionError(reason)

    def submit(self, assignment_id: str, answer: Mapping[str, Any] | str | None = None) -> None:
        """Submit the assignment with ``{question id: value}`` or raw QuestionFormAnswers XML."""
        service = self._service
        with service.lock:
            now = service.now()
            state, assignment = self._assignment(assignment_id)
            self._check_in_progress(assignment)
            if isinstance(answer, str):
                xml = answer
            else:
                xml = service.answer_xml(state, state.hits[assignment.hit_id], answer or {})
            lifecycle.submit(service, state, assignment, xml, now)

    def return_(self, assignment_id: str) -> None:
        """Give the assignment back unfinished; its slot reopens if the HIT has not expired."""
        service = self._service
        with service.lock:
            now = service.now()
            state, assignment = self._assignment(assignment_id)
            self._check_in_progress(assignment)
            lifecycle.give_back(service, state, assignment, AssignmentStatus.RETURNED, now)

    @staticmethod
    def _check_in_progress(assignment: Assignment) -> None:
        if assignment.status is not AssignmentStatus.ACCEPTED:
            if assignment.status is AssignmentStatus.ABANDONED:
                why = "its deadline passed (it was abandoned)"
            else:
                why = f"it is {assignment.status.value}"
            raise WorkerActionError(
                f"Assignment {assignment.assignment_id} is no longer in progress: {why}."
            )

    def assignments(self) -> list[Assignment]:
        """Every assignment this worker has held, in both environments, oldest first."""
        with self._service.lock:
            self._service.now()
            return [
                assignment
                for state in self._service.states.values()
                for assignment in state.assignments.values()
                if assignment.worker_id == self.worker_id
            ]
