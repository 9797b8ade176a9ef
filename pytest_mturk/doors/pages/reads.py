"""What the worker pages read: HITs by group, a worker's assignments, the listing.

Each function reads the served service, inside one of its transactions
(``Backend.look``: the clock caught up, one consistent state), and changes nothing.
What a worker sees (the HITs they can find, a preview, why they may not accept) is
the service's own reading (:mod:`pytest_mturk.operations.worker_reads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...core.model import HIT, Assignment, AssignmentStatus, Environment, HITType, State
from ...core.service import Service
from ...operations import worker_reads

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


# A HIT, or an assignment, and the environment it lives in (None: there is none).
hit = worker_reads.find_hit
assignment = worker_reads.find_assignment


def group_hits(service: Service, group_id: str) -> list[tuple[State, HIT]]:
    """The live HITs of a HIT group, in the order the worker site lists them."""
    found = []
    for state in service.states.values():
        for hit_id in state.hit_index:
            record = state.hits[hit_id]
            if record.hit_type.hit_group_id == group_id:
                found.append((state, record))
    return found


def group_type(service: Service, group_id: str) -> HITType | None:
    """A HIT type of the HIT group, ``None`` if no HIT type has that group ID."""
    for state in service.states.values():
        for hit_type in state.hit_types.values():
            if hit_type.hit_group_id == group_id:
                return hit_type
    return None


def listing(service: Service, worker_id: str) -> list[Group]:
    """The HIT groups the worker can find, each once, in the order of their first HIT
    in the worker's list (``worker_reads.available_hits``)."""
    groups: dict[str, Group] = {}
    for hit_id in worker_reads.available_hits(service, worker_id):
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


def queue(service: Service, worker_id: str) -> list[tuple[Assignment, HIT]]:
    """The worker's assignments in progress, oldest first, with their HITs."""
    out = []
    for held in worker_reads.holdings(service, worker_id):
        if held.status is not AssignmentStatus.ACCEPTED:
            continue
        found = hit(service, held.hit_id)
        if found is not None:
            out.append((held, found[1]))
    return out
