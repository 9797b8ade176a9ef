"""Simulated workers: people who accept, submit and return assignments.

A worker acts through :mod:`lifecycle`, :mod:`grants` and :mod:`roster`, the
same rules the API calls use, and is held to what MTurk would let a real
worker do; anything else raises
:class:`~pytest_mturk.WorkerActionError` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core import lifecycle, roster
from ..core.errors import UsageError, WorkerActionError
from ..core.journal import atomic, journaled
from ..core.model import (
    HIT,
    Assignment,
    AssignmentStatus,
    HITStatus,
    QualificationRequest,
    State,
    Worker,
)
from ..rules.qualifications import grants, requirements
from ..rules.questions import answers

if TYPE_CHECKING:
    from ..core.service import Service


@dataclass(frozen=True)
class Profile:
    """What MTurk knows of a worker: the source of the system qualifications."""

    locale: str = "US"  # "US" or "US-CA" (ISO 3166 country, optional subdivision)
    adult: bool = False
    masters: bool = False
    approved: int = 0  # assignments approved before the simulation started
    rejected: int = 0

    def apply(self, record: Worker) -> None:
        """Make ``record`` show this profile."""
        roster.set_profile(
            record,
            locale=self.locale,
            adult=self.adult,
            masters=self.masters,
            approved=self.approved,
            rejected=self.rejected,
        )


@dataclass(frozen=True)
class Preview:
    """What a worker sees when previewing a HIT.

    ``question`` is ``None`` when a requirement guarding preview hides it;
    ``why_not`` says why the worker may not accept (``None``: they may).
    """

    hit_id: str
    title: str
    description: str
    keywords: str | None
    reward: Decimal
    requirements: list[dict[str, Any]]
    question: str | None
    why_not: str | None

    @property
    def can_accept(self) -> bool:
        return self.why_not is None


_HELD = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.SUBMITTED,
        AssignmentStatus.APPROVED,
        AssignmentStatus.REJECTED,
    }
)


@journaled
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
                    raise WorkerActionError(self._not_mine(state, assignment))
                return state, assignment
        raise WorkerActionError(f"There is no assignment {assignment_id!r} in the simulator.")

    def _not_mine(self, state: State, current: Assignment) -> str:
        """Why this worker may not act on an assignment someone else holds now."""
        assignment_id = current.assignment_id
        for earlier in reversed(state.holdings):
            if earlier.assignment_id == assignment_id and earlier.worker_id == self.worker_id:
                how = (
                    "returned it"
                    if earlier.status is AssignmentStatus.RETURNED
                    else "abandoned it (its deadline passed)"
                )
                return (
                    f"Assignment {assignment_id} is no longer worker {self.worker_id}'s: they "
                    f"{how}, and the ID now belongs to worker {current.worker_id}."
                )
        return (
            f"Assignment {assignment_id} belongs to worker {current.worker_id}, "
            f"not {self.worker_id}."
        )

    def record(self, state: State) -> Worker:
        """This worker's record in one environment (made with the profile on first use)."""
        record = state.workers.get(self.worker_id)
        if record is None:
            record = roster.worker(state, self.worker_id)
            self.profile.apply(record)
        return record

    # -- actions -------------------------------------------------------------------

    def accept(self, hit_id: str) -> str:
        """Accept an assignment of the HIT; returns its AssignmentId.

        As on MTurk, a slot another worker (or this one) returned or abandoned keeps
        its AssignmentId: the oldest such ID of the HIT is issued before a new one.
        """
        service = self._service
        with service.lock:
            now = service.now()
            with atomic():
                state, hit = self._hit(hit_id)
                return self._take(state, hit, now).assignment_id

    def take(self, state: State, hit: HIT, now: datetime) -> Assignment:
        """Accept ``hit`` of ``state`` at ``now``, the lock held, as a transaction: what
        :meth:`accept` does once it has found the HIT, and what a crowd's worker does."""
        with atomic():
            return self._take(state, hit, now)

    def _take(self, state: State, hit: HIT, now: datetime) -> Assignment:
        self.check_can_accept(state, hit)
        return lifecycle.accept(self._service, state, hit, self.record(state), now)

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
            with atomic():
                state, assignment = self._assignment(assignment_id)
                self._check_in_progress(assignment)
                xml = self._answer_xml(state, assignment, answer)
                lifecycle.submit(service, state, assignment, xml, now)

    def _answer_xml(
        self, state: State, assignment: Assignment, answer: Mapping[str, Any] | str | None
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

    def return_(self, assignment_id: str) -> None:
        """Give the assignment back unfinished; its slot reopens if the HIT has not expired,
        and the next worker to accept the HIT gets the same AssignmentId."""
        service = self._service
        with service.lock:
            now = service.now()
            with atomic():
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

    # -- looking for work ----------------------------------------------------------

    def available_hits(self) -> list[str]:
        """The IDs of the HITs this worker can find: live, unexpired, with a free slot,
        and not hidden from them by a requirement guarding discovery."""
        service = self._service
        with service.lock:
            service.now()
            with atomic():
                found = []
                for state in service.states.values():
                    worker = self.record(state)
                    for hit_id in state.hit_index:
                        hit = state.hits[hit_id]
                        if (
                            not hit.expired
                            and hit.available > 0
                            and not requirements.unmet(state, worker, hit, requirements.DISCOVER)
                        ):
                            found.append(hit_id)
                return found

    def preview(self, hit_id: str) -> Preview:
        """Preview a HIT: its details, its question if the worker may see it, and
        whether they may accept it. A HIT hidden from them cannot be previewed."""
        service = self._service
        with service.lock:
            service.now()
            with atomic():
                state, hit = self._hit(hit_id)
                worker = self.record(state)
                hidden = requirements.unmet(state, worker, hit, requirements.DISCOVER)
                if hidden:
                    raise WorkerActionError(
                        f"HIT {hit_id} is hidden from worker {self.worker_id}: {'; '.join(hidden)}."
                    )
                hit_type = hit.hit_type
                may_preview = not requirements.unmet(state, worker, hit, requirements.PREVIEW)
                return Preview(
                    hit_id=hit.hit_id,
                    title=hit_type.title,
                    description=hit_type.description,
                    keywords=hit_type.keywords,
                    reward=hit_type.reward,
                    requirements=[dict(req) for req in hit_type.qualification_requirements],
                    question=hit.question if may_preview else None,
                    why_not=self._why_not(state, hit),
                )

    def why_not(self, hit_id: str) -> str | None:
        """Why this worker may not accept the HIT now, or ``None`` if they may."""
        service = self._service
        with service.lock:
            service.now()
            with atomic():
                state, hit = self._hit(hit_id)
                return self._why_not(state, hit)

    def _why_not(self, state: State, hit: HIT) -> str | None:
        try:
            self.check_can_accept(state, hit)
        except WorkerActionError as refusal:
            return str(refusal)
        return None

    # -- qualifications ------------------------------------------------------------

    def start_test(self, type_id: str) -> str:
        """Open the qualification type's test (its QuestionForm XML is returned);
        TestDurationInSeconds runs from now on the simulator's clock."""
        service = self._service
        with service.lock:
            now = service.now()
            with atomic():
                state, qtype = grants.find_type(service, type_id)
                self.record(state)
                return grants.open_test(state, qtype, self.worker_id, now)

    def request_qualification(
        self, type_id: str, answers: Mapping[str, Any] | str | None = None
    ) -> QualificationRequest:
        """Request a qualification, with answers to its test if it has one.

        ``answers`` maps question identifiers to a selection identifier (or a
        list of them) or free text; raw QuestionFormAnswers XML also works.
        AutoGranted types are granted at once and a test with an AnswerKey is
        scored at once (the returned request's ``status`` is ``Approved`` and
        ``score`` the value granted); otherwise the request waits for the
        requester's AcceptQualificationRequest / RejectQualificationRequest.
        A test opened with :meth:`start_test` must be answered within its
        TestDurationInSeconds; without it, the test is answered as it is opened.
        """
        service = self._service
        with service.lock:
            now = service.now()
            with atomic():
                state, qtype = grants.find_type(service, type_id)
                self.record(state)
                return grants.request(service, state, qtype, self.worker_id, answers, now)

    def assignments(self) -> list[Assignment]:
        """Every assignment this worker has held, in both environments, oldest first
        (one whose ID was since reissued to another worker included)."""
        with self._service.lock:
            self._service.now()
            return [
                assignment
                for state in self._service.states.values()
                for assignment in state.holdings
                if assignment.worker_id == self.worker_id
            ]


# What a worker ID (and a HIT layout ID) may be made of.
ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _check_worker_id(worker_id: str) -> None:
    if not (
        isinstance(worker_id, str)
        and 2 <= len(worker_id) <= 64
        and worker_id[0] == "A"
        and set(worker_id) <= ID_CHARS
    ):
        raise UsageError(
            f"{worker_id!r} is not a valid MTurk worker ID: it must match ^A[A-Z0-9]+$ and "
            "be at most 64 characters (for example 'A1B2C3D4E5F6G7')."
        )


def enlist(
    service: Service, workers: dict[str, SimulatedWorker], worker_id: str, changes: dict[str, Any]
) -> SimulatedWorker:
    """The simulated worker ``worker_id`` of ``workers`` (made on first use), its profile
    changed by ``changes``, with a record in both environments."""
    known = workers.get(worker_id)
    if (
        known is not None
        and not changes
        and all(worker_id in state.workers for state in service.states.values())
    ):
        return known  # nothing to make or change
    _check_worker_id(worker_id)
    with service.lock, atomic():
        existing = workers.get(worker_id)
        profile = existing.profile if existing is not None else Profile()
        if changes:
            profile = Profile(**{**profile.__dict__, **changes})
        if existing is None:
            existing = workers[worker_id] = SimulatedWorker(service, worker_id, profile)
        existing.profile = profile
        for state in service.states.values():
            record = state.workers.get(worker_id)
            if record is not None and changes:
                profile.apply(record)
            elif record is None:
                existing.record(state)
        return existing
