"""What the worker pages read: HITs by group, a worker's assignments, the listing.

Each function takes the served simulator and runs inside the backend's lock
(``Backend.look``); none changes anything but what the clock has made due.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...core.model import HIT, Assignment, AssignmentStatus, Environment, HITType, State

__all__ = ["Group", "assignment", "group_hits", "group_type", "hit", "listing", "queue"]


@dataclass(frozen=True)
class Group:
    """One row of the worker site's list: a HIT group and how many of its HITs the
    worker can find."""

    group_id: str
    title: str
    description: str
    reward: Decimal
    duration: int
    environment: Environment
    count: int
    first_hit: str


def _service(simulator: Any) -> Any:
    service = simulator._service
    service.now()  # what has fallen due happens first, as before every call
    return service


def hit(simulator: Any, hit_id: str) -> tuple[State, HIT] | None:
    for state in _service(simulator).states.values():
        found = state.hits.get(hit_id)
        if found is not None:
            return state, found
    return None


def group_hits(simulator: Any, group_id: str) -> list[tuple[State, HIT]]:
    """The live HITs of a HIT group, in the order the worker site lists them."""
    found = []
    for state in _service(simulator).states.values():
        for hit_id in state.hit_index:
            record = state.hits[hit_id]
            if record.hit_type.hit_group_id == group_id:
                found.append((state, record))
    return found


def group_type(simulator: Any, group_id: str) -> HITType | None:
    """A HIT type of the HIT group, ``None`` if no HIT type has that group ID."""
    states: list[State] = list(_service(simulator).states.values())
    for state in states:
        for hit_type in state.hit_types.values():
            if hit_type.hit_group_id == group_id:
                return hit_type
    return None


def assignment(simulator: Any, assignment_id: str) -> tuple[State, Assignment] | None:
    for state in _service(simulator).states.values():
        found = state.assignments.get(assignment_id)
        if found is not None:
            return state, found
    return None


def listing(simulator: Any, worker_id: str) -> list[Group]:
    """The HIT groups the worker can find, each once, in the order of their first HIT
    in the worker's list (``SimulatedWorker.available_hits``)."""
    service = _service(simulator)
    groups: dict[str, Group] = {}
    for hit_id in simulator.worker(worker_id).available_hits():
        for state in service.states.values():
            record = state.hits.get(hit_id)
            if record is None:
                continue
            hit_type = record.hit_type
            seen = groups.get(hit_type.hit_group_id)
            if seen is not None:
                groups[hit_type.hit_group_id] = Group(
                    **{**seen.__dict__, "count": seen.count + record.available}
                )
                continue
            groups[hit_type.hit_group_id] = Group(
                hit_type.hit_group_id,
                hit_type.title,
                hit_type.description,
                hit_type.reward,
                hit_type.assignment_duration,
                state.environment,
                record.available,
                record.hit_id,
            )
    return list(groups.values())


def queue(simulator: Any, worker_id: str) -> list[tuple[Assignment, HIT]]:
    """The worker's assignments in progress, oldest first, with their HITs."""
    out = []
    for held in simulator.worker(worker_id).assignments():
        if held.status is not AssignmentStatus.ACCEPTED:
            continue
        found = hit(simulator, held.hit_id)
        if found is not None:
            out.append((held, found[1]))
    return out
