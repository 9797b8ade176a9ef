"""What a worker sees: the HITs they can find, a HIT's preview, why they may not accept
it, and the assignments they have held.

Each read runs in a transaction of the service (the lock, the current time) and
changes nothing: a worker with no record yet is judged by the profile they would be
made with. ``SimulatedWorker`` and the worker pages read through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import WorkerActionError
from ..core.model import HIT, Assignment, AssignmentStatus, HITStatus, State, Worker
from ..core.roster import DEFAULT, Profile
from ..rules.qualifications import requirements

if TYPE_CHECKING:
    from ..core.service import Service

__all__ = [
    "Preview",
    "available_hits",
    "check_can_accept",
    "find_assignment",
    "find_hit",
    "holdings",
    "preview",
    "seen_as",
    "why_not",
]


# The statuses in which a worker holds (or held) an assignment of a HIT: one per worker.
_HELD = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.SUBMITTED,
        AssignmentStatus.APPROVED,
        AssignmentStatus.REJECTED,
    }
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


def find_hit(service: Service, hit_id: str) -> tuple[State, HIT] | None:
    """The HIT and its environment, ``None`` if neither has it."""
    for state in service.states.values():
        hit = state.hits.get(hit_id)
        if hit is not None:
            return state, hit
    return None


def find_assignment(service: Service, assignment_id: str) -> tuple[State, Assignment] | None:
    """The assignment (its current holder's) and its environment, ``None`` if neither has it."""
    for state in service.states.values():
        assignment = state.assignments.get(assignment_id)
        if assignment is not None:
            return state, assignment
    return None


def seen_as(state: State, worker_id: str, profile: Profile = DEFAULT) -> Worker:
    """The worker's record in ``state``; one not kept, made with ``profile``, if they
    have none there yet."""
    found = state.workers.get(worker_id)
    if found is None:
        found = Worker(worker_id)
        profile.apply(found)
    return found


def available_hits(service: Service, worker_id: str, profile: Profile = DEFAULT) -> list[str]:
    """The IDs of the HITs the worker can find: live, unexpired, with a free slot, and not
    hidden from them by a requirement guarding discovery."""
    with service.transaction():
        found = []
        for state in service.states.values():
            worker = seen_as(state, worker_id, profile)
            for hit_id in state.hit_index:
                hit = state.hits[hit_id]
                if (
                    not hit.expired
                    and hit.available > 0
                    and not requirements.unmet(state, worker, hit, requirements.DISCOVER)
                ):
                    found.append(hit_id)
        return found


def _hit(service: Service, hit_id: str) -> tuple[State, HIT]:
    found = find_hit(service, hit_id)
    if found is None:
        raise WorkerActionError(f"There is no HIT {hit_id!r} in the simulator.")
    return found


def preview(service: Service, worker_id: str, hit_id: str, profile: Profile = DEFAULT) -> Preview:
    """The worker previews a HIT: its details, its question if they may see it, and
    whether they may accept it. A HIT hidden from them cannot be previewed."""
    with service.transaction():
        state, hit = _hit(service, hit_id)
        worker = seen_as(state, worker_id, profile)
        hidden = requirements.unmet(state, worker, hit, requirements.DISCOVER)
        if hidden:
            raise WorkerActionError(
                f"HIT {hit_id} is hidden from worker {worker_id}: {'; '.join(hidden)}."
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
            why_not=_why_not(service, state, hit, worker),
        )


def why_not(
    service: Service, worker_id: str, hit_id: str, profile: Profile = DEFAULT
) -> str | None:
    """Why the worker may not accept the HIT now, or ``None`` if they may."""
    with service.transaction():
        state, hit = _hit(service, hit_id)
        return _why_not(service, state, hit, seen_as(state, worker_id, profile))


def _why_not(service: Service, state: State, hit: HIT, worker: Worker) -> str | None:
    try:
        check_can_accept(service, state, hit, worker)
    except WorkerActionError as refusal:
        return str(refusal)
    return None


def check_can_accept(service: Service, state: State, hit: HIT, worker: Worker) -> None:
    """Raise :class:`WorkerActionError` saying why ``worker`` may not accept ``hit``: it
    is deleted, expired or full, they already hold one of its assignments, or one of the
    service's accept checks (blocks, qualification requirements) refuses them."""
    if hit.status is HITStatus.DISPOSED:
        raise WorkerActionError(f"HIT {hit.hit_id} has been deleted.")
    if hit.expired:
        raise WorkerActionError(f"HIT {hit.hit_id} has expired.")
    worker_id = worker.worker_id
    for assignment_id in hit.assignment_ids:
        held = state.assignments[assignment_id]
        if held.worker_id == worker_id and held.status in _HELD:
            raise WorkerActionError(
                f"Worker {worker_id} already has assignment {assignment_id} of "
                f"HIT {hit.hit_id} ({held.status.value})."
            )
    if hit.available == 0:
        raise WorkerActionError(f"HIT {hit.hit_id} has no assignments available.")
    for check in service.accept_checks:
        reason = check(service, state, hit, worker)
        if reason:
            raise WorkerActionError(reason)


def holdings(service: Service, worker_id: str) -> list[Assignment]:
    """Every assignment the worker has held, in both environments, oldest first (one whose
    ID was since reissued to another worker included)."""
    with service.transaction():
        return [
            assignment
            for state in service.states.values()
            for assignment in state.holdings
            if assignment.worker_id == worker_id
        ]
