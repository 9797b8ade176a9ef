"""Simulated workers: people who accept, submit and return assignments.

A :class:`SimulatedWorker` is a handle: each of its actions is the service's own
worker action (:mod:`pytest_mturk.operations.worker_actions`, one transaction each)
and each of its looks a read of what the worker sees
(:mod:`pytest_mturk.operations.worker_reads`), held to what MTurk would let a real
worker do; anything else raises :class:`~pytest_mturk.WorkerActionError`
with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core import roster
from ..core.errors import UsageError
from ..core.journal import journaled
from ..core.model import HIT, Assignment, QualificationRequest, State, Worker
from ..core.roster import Profile
from ..operations import worker_actions, worker_reads
from ..operations.worker_reads import Preview

if TYPE_CHECKING:
    from ..core.service import Service


@journaled
class SimulatedWorker:
    """One worker, acting in whichever environment (sandbox or production) a HIT lives in."""

    def __init__(self, service: Service, worker_id: str, profile: Profile) -> None:
        self._service = service
        self.worker_id = worker_id
        self.profile = profile

    def __repr__(self) -> str:
        return f"SimulatedWorker({self.worker_id!r})"

    def record(self, state: State) -> Worker:
        """This worker's record in one environment (made with the profile on first use)."""
        return roster.record(state, self.worker_id, self.profile)

    # -- actions -------------------------------------------------------------------

    def accept(self, hit_id: str) -> str:
        """Accept an assignment of the HIT; returns its AssignmentId.

        As on MTurk, a slot another worker (or this one) returned or abandoned keeps
        its AssignmentId: the oldest such ID of the HIT is issued before a new one.
        """
        service = self._service
        return worker_actions.accept(service, self.worker_id, hit_id, self.profile).assignment_id

    def take(self, state: State, hit: HIT, now: datetime) -> Assignment:
        """Accept ``hit`` of ``state`` at ``now`` (a time the clock was brought to), as a
        transaction: what :meth:`accept` does once it has found the HIT, and what a
        crowd's worker does."""
        return worker_actions.take(self._service, state, hit, self.worker_id, self.profile, now)

    def check_can_accept(self, state: State, hit: HIT) -> None:
        """Raise :class:`WorkerActionError` saying why this worker may not accept ``hit``."""
        worker = worker_reads.seen_as(state, self.worker_id, self.profile)
        worker_reads.check_can_accept(self._service, state, hit, worker)

    def submit(self, assignment_id: str, answer: Mapping[str, Any] | str | None = None) -> None:
        """Submit the assignment with ``{question id: value}`` or raw QuestionFormAnswers XML."""
        worker_actions.submit(self._service, self.worker_id, assignment_id, answer)

    def return_(self, assignment_id: str) -> None:
        """Give the assignment back unfinished; its slot reopens if the HIT has not expired,
        and the next worker to accept the HIT gets the same AssignmentId."""
        worker_actions.return_assignment(self._service, self.worker_id, assignment_id)

    # -- looking for work ----------------------------------------------------------

    def available_hits(self) -> list[str]:
        """The IDs of the HITs this worker can find: live, unexpired, with a free slot,
        and not hidden from them by a requirement guarding discovery."""
        return worker_reads.available_hits(self._service, self.worker_id, self.profile)

    def preview(self, hit_id: str) -> Preview:
        """Preview a HIT: its details, its question if the worker may see it, and
        whether they may accept it. A HIT hidden from them cannot be previewed."""
        return worker_reads.preview(self._service, self.worker_id, hit_id, self.profile)

    def why_not(self, hit_id: str) -> str | None:
        """Why this worker may not accept the HIT now, or ``None`` if they may."""
        return worker_reads.why_not(self._service, self.worker_id, hit_id, self.profile)

    # -- qualifications ------------------------------------------------------------

    def start_test(self, type_id: str) -> str:
        """Open the qualification type's test (its QuestionForm XML is returned);
        TestDurationInSeconds runs from now on the simulator's clock."""
        return worker_actions.start_test(self._service, self.worker_id, type_id, self.profile)

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
        return worker_actions.request_qualification(
            self._service, self.worker_id, type_id, answers, self.profile
        )

    def assignments(self) -> list[Assignment]:
        """Every assignment this worker has held, in both environments, oldest first
        (one whose ID was since reissued to another worker included)."""
        return worker_reads.holdings(self._service, self.worker_id)


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
    if known is not None and not changes and worker_actions.enlisted(service, worker_id):
        return known  # nothing to make or change
    _check_worker_id(worker_id)
    profile = known.profile if known is not None else Profile()
    if changes:
        profile = Profile(**{**profile.__dict__, **changes})
    worker_actions.enlist(service, worker_id, profile, update=bool(changes))
    # Two threads making the same worker at once get the same handle.
    handle = workers.setdefault(worker_id, SimulatedWorker(service, worker_id, profile))
    handle.profile = profile
    return handle
