"""What a crowd did, as records (one dict per row: ``pandas.DataFrame(summary.workers)``
works) and, where matplotlib is installed, as a PNG."""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...core import money
from ...core.errors import UsageError
from ...core.model import AssignmentStatus
from ...rules.questions import answers

if TYPE_CHECKING:
    from ...core.model import HIT, Assignment, Environment, State
    from ...core.service import Service
    from .population import Member

_KINDS = ("accepted", "submitted", "returned", "abandoned", "approved", "rejected")
_ANSWERED = frozenset(
    {AssignmentStatus.SUBMITTED, AssignmentStatus.APPROVED, AssignmentStatus.REJECTED}
)


@dataclass(frozen=True)
class Summary:
    """A crowd's run.

    ``timeline``: per ``bucket`` of time from the crowd's start, the visits, accepts,
    submissions, returns, abandonments, approvals and rejections; ``hits``: per HIT
    the crowd worked on, its counts, when it was completed (its MaxAssignments-th
    submission) and how long that took; ``workers``: per crowd worker, their profile,
    work, earnings and agreement with the plurality answer of the HITs they answered;
    ``cost``: what the requester paid for the crowd's work (rewards, fees, bonuses).
    """

    start: _dt.datetime
    end: _dt.datetime
    bucket: _dt.timedelta
    timeline: list[dict[str, Any]]
    hits: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    cost: Decimal

    @property
    def totals(self) -> dict[str, Any]:
        """The whole run in one row: each count summed, and the cost."""
        keys = ("visits", *_KINDS)
        total: dict[str, Any] = {key: sum(row[key] for row in self.timeline) for key in keys}
        total["hits completed"] = sum(1 for row in self.hits if row["completed"] is not None)
        total["cost"] = self.cost
        return total

    @classmethod
    def of(
        cls,
        service: Service,
        environment: Environment,
        members: tuple[Member, ...],
        visits: list[int],
        returned: dict[int, _dt.datetime],
        start: _dt.datetime,
        bucket: _dt.timedelta = _dt.timedelta(hours=1),
    ) -> Summary:
        """The summary of a crowd of ``members`` who started at ``start``, made ``visits``
        (epoch ms) and returned assignments when ``returned`` says (by ``id()``), in
        ``environment`` of ``service``."""
        if bucket <= _dt.timedelta(0):
            raise UsageError("bucket must be a positive span of time.")
        state = service.states[environment]
        ids = {member.worker_id for member in members}
        end = service.clock.now()
        timeline = _Timeline(start, end, bucket)
        for ms in visits:
            timeline.count("visits", _from_ms(ms))
        per_worker, per_hit, submitted = _tally(state, ids, start, returned, timeline)
        hit_rows = [
            _hit_row(state.hits[hit_id], counts, submitted[hit_id])
            for hit_id, counts in per_hit.items()
        ]
        cost, earned = _spending(state, ids, start)
        agreement = _agreement(state, ids, set(per_hit))
        worker_rows = [
            _worker_row(member, per_worker[member.worker_id], earned, agreement)
            for member in members
        ]
        return cls(start, end, bucket, timeline.rows, hit_rows, worker_rows, cost)

    def plot(self, path: str | os.PathLike[str] | None = None) -> Any:
        """A figure of the run (matplotlib's ``Figure``), written to ``path`` as a PNG if
        given. Needs matplotlib: ``pip install "pytest-mturk[plot]"``."""
        from .plot import figure

        made = figure(self)
        if path is not None:
            made.savefig(os.fspath(path), dpi=100)
        return made


class _Timeline:
    """The counts of each kind of happening, per ``bucket`` of time from ``start`` (what
    happened after the last bucket began counts in it)."""

    def __init__(self, start: _dt.datetime, end: _dt.datetime, bucket: _dt.timedelta) -> None:
        self.start = start
        self.bucket = bucket
        self.slots = max(1, -(-(end - start) // bucket))
        self.rows: list[dict[str, Any]] = [
            {"start": start + n * bucket, "visits": 0, **dict.fromkeys(_KINDS, 0)}
            for n in range(self.slots)
        ]

    def count(self, kind: str, time: _dt.datetime) -> None:
        index = (time - self.start) // self.bucket
        if index >= 0:  # before the crowd's start: not in the timeline
            self.rows[min(index, self.slots - 1)][kind] += 1


def _happenings(
    assignment: Assignment, returned: dict[int, _dt.datetime]
) -> list[tuple[str, _dt.datetime]]:
    """What became of one assignment, and when: accepted, and then submitted, approved,
    rejected, returned or abandoned."""
    status = assignment.status
    happened = [("accepted", assignment.accept_time)]
    if assignment.submit_time is not None:
        happened.append(("submitted", assignment.submit_time))
    if status is AssignmentStatus.APPROVED and assignment.approval_time is not None:
        happened.append(("approved", assignment.approval_time))
    elif status is AssignmentStatus.REJECTED and assignment.rejection_time is not None:
        happened.append(("rejected", assignment.rejection_time))
    elif status is AssignmentStatus.RETURNED:
        happened.append(("returned", returned.get(id(assignment), assignment.accept_time)))
    elif status is AssignmentStatus.ABANDONED:
        happened.append(("abandoned", assignment.deadline))
    return happened


def _tally(
    state: State,
    ids: set[str],
    start: _dt.datetime,
    returned: dict[int, _dt.datetime],
    timeline: _Timeline,
) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]], dict[str, list[_dt.datetime]]]:
    """What the crowd's assignments since ``start`` came to, per worker and per HIT (and
    on ``timeline``), and when each HIT's assignments (anyone's) were submitted.

    Read from the assignments themselves (every holder of every ID is kept), not from
    the events, which a simulator with keep_calls forgets."""
    per_worker: dict[str, Counter[str]] = defaultdict(Counter)
    per_hit: dict[str, Counter[str]] = defaultdict(Counter)
    submitted: dict[str, list[_dt.datetime]] = defaultdict(list)
    for assignment in state.holdings:
        if assignment.submit_time is not None:
            submitted[assignment.hit_id].append(assignment.submit_time)
        if assignment.worker_id not in ids or assignment.accept_time < start:
            continue
        for kind, when in _happenings(assignment, returned):
            per_worker[assignment.worker_id][kind] += 1
            per_hit[assignment.hit_id][kind] += 1
            timeline.count(kind, when)
    return per_worker, per_hit, submitted


def _hit_row(hit: HIT, counts: Counter[str], submitted: list[_dt.datetime]) -> dict[str, Any]:
    """One HIT's row: its counts, and when (and how long after its creation) its
    MaxAssignments-th submission came."""
    times = sorted(submitted)
    completed = times[hit.max_assignments - 1] if len(times) >= hit.max_assignments else None
    return {
        "hit_id": hit.hit_id,
        "created": hit.creation_time,
        "max_assignments": hit.max_assignments,
        **{kind: counts[kind] for kind in _KINDS},
        "completed": completed,
        "hours_to_complete": (
            (completed - hit.creation_time) / _dt.timedelta(hours=1)
            if completed is not None
            else None
        ),
    }


def _spending(
    state: State, ids: set[str], start: _dt.datetime
) -> tuple[Decimal, dict[str, Decimal]]:
    """What the requester paid since ``start`` for the crowd's work (rewards, fees,
    bonuses), and what each of its workers earned (rewards and bonuses)."""
    earned: dict[str, Decimal] = defaultdict(Decimal)
    cost = money.ZERO
    for entry in state.ledger:
        worker_id = entry.worker_id
        if worker_id is None and entry.assignment_id is not None:  # a fee
            paid_for = state.assignments.get(entry.assignment_id)
            worker_id = paid_for.worker_id if paid_for is not None else None
        if worker_id in ids and entry.time >= start:
            cost -= entry.amount
            if entry.kind in ("reward", "bonus"):
                earned[worker_id] -= entry.amount
    return cost, earned


def _worker_row(
    member: Member,
    counts: Counter[str],
    earned: dict[str, Decimal],
    agreement: dict[str, tuple[int, int]],
) -> dict[str, Any]:
    """One worker's row: who they are, their counts, earnings and agreement."""
    agreed, answered = agreement.get(member.worker_id, (0, 0))
    return {
        "worker_id": member.worker_id,
        "locale": member.profile.locale,
        "masters": member.profile.masters,
        "accuracy": round(member.accuracy, 4),
        "spammer": member.spammer,
        **{kind: counts[kind] for kind in _KINDS},
        "earned": earned.get(member.worker_id, money.ZERO),
        "agreement": agreed / answered if answered else None,
    }


def _from_ms(ms: int) -> _dt.datetime:
    from ...core.clock import EPOCH

    return EPOCH + _dt.timedelta(milliseconds=ms)


def _agreement(state: Any, ids: set[str], hit_ids: set[str]) -> dict[str, tuple[int, int]]:
    """Per worker: how many of their answers matched their HIT's plurality answer, of how
    many answers to HITs with at least two answers (ties: no plurality, not counted)."""
    by_hit: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for assignment in state.holdings:
        if assignment.hit_id in hit_ids and assignment.status in _ANSWERED:
            key = json.dumps(answers.parse(assignment.answer), sort_keys=True, default=str)
            by_hit[assignment.hit_id].append((assignment.worker_id, key))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for given in by_hit.values():
        if len(given) < 2:
            continue
        ranked = Counter(key for _, key in given).most_common(2)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue
        plurality = ranked[0][0]
        for worker_id, key in given:
            if worker_id in ids:
                tally[worker_id][0] += key == plurality
                tally[worker_id][1] += 1
    return {worker_id: (agreed, answered) for worker_id, (agreed, answered) in tally.items()}
