"""Results and payments as CSV, for spreadsheets and scripts.

:func:`results_csv` writes MTurk's batch results format (the "Download CSV" of the
requester site's Review Results page): one row per assignment, the columns in MTurk's
order, then ``Answer.<field>`` per answer field and the ``Approve`` and ``Reject``
columns the site's uploads read. :func:`payments_csv` writes what each worker is owed
for approved work and bonuses, with the platform and participant ID they came from.

Every cell is quoted (as MTurk's files were), lines end in CRLF (RFC 4180), and a cell
whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'`` so that a spreadsheet shows it as text and never runs it as a formula
(OWASP's advice on CSV injection). ``docs/hosted.md`` lists the columns.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...core.model import HIT, Assignment, AssignmentStatus, State, Worker
from ...core.money import CENT, ZERO
from ...rules.questions import answers
from .identity import Participant

__all__ = [
    "HEADER",
    "PAYMENT_HEADER",
    "Progress",
    "cell",
    "csv_time",
    "group_hits",
    "payments_csv",
    "progress",
    "results_csv",
]

HEADER = (
    "HITId",
    "HITTypeId",
    "Title",
    "Description",
    "Keywords",
    "Reward",
    "CreationTime",
    "MaxAssignments",
    "RequesterAnnotation",
    "AssignmentDurationInSeconds",
    "AutoApprovalDelayInSeconds",
    "Expiration",
    "NumberOfSimilarHITs",
    "LifetimeInSeconds",
    "AssignmentId",
    "WorkerId",
    "AssignmentStatus",
    "AcceptTime",
    "SubmitTime",
    "AutoApprovalTime",
    "ApprovalTime",
    "RejectionTime",
    "RequesterFeedback",
    "WorkTimeInSeconds",
    "LifetimeApprovalRate",
    "Last30DaysApprovalRate",
    "Last7DaysApprovalRate",
)
REVIEW = ("Approve", "Reject")
PAYMENT_HEADER = (
    "WorkerId",
    "Platform",
    "ParticipantId",
    "StudyId",
    "ApprovedAssignments",
    "ApprovedRewards",
    "Bonuses",
    "TotalOwed",
)
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """``value`` as a CSV cell's text, made safe to open in a spreadsheet."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RISKY) else text


def csv_time(moment: _dt.datetime | None) -> str:
    """A time as MTurk's batch results wrote it (``Mon Dec 07 22:05:00 UTC 2026``),
    in UTC; empty for none."""
    if moment is None:
        return ""
    return moment.astimezone(_dt.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


def _writer(out: io.StringIO) -> Any:
    return csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")


def group_hits(state: State, group_id: str) -> list[HIT]:
    """Every HIT of the group in ``state`` (disposed ones too), oldest first."""
    found = [hit for hit in state.hits.values() if hit.hit_type.hit_group_id == group_id]
    return sorted(found, key=lambda hit: (hit.creation_time, hit.seq))


@dataclass(frozen=True)
class Progress:
    """A HIT group's progress: its HITs and their assignments by state."""

    group_id: str
    title: str
    hits: int
    available: int
    pending: int
    submitted: int
    approved: int
    rejected: int


def progress(state: State) -> list[Progress]:
    """Every HIT group of ``state`` with its progress, in the order of its first HIT."""
    groups: dict[str, list[HIT]] = {}
    for hit in sorted(state.hits.values(), key=lambda hit: (hit.creation_time, hit.seq)):
        groups.setdefault(hit.hit_type.hit_group_id, []).append(hit)
    return [
        Progress(
            group_id,
            hits[0].hit_type.title,
            len(hits),
            sum(hit.available for hit in hits if not hit.expired),
            sum(hit.pending for hit in hits),
            sum(hit.submitted for hit in hits),
            sum(hit.approved for hit in hits),
            sum(hit.rejected for hit in hits),
        )
        for group_id, hits in groups.items()
    ]


def _answer_text(value: Any) -> str:
    """One answer as a cell: several values (checkboxes, selections) joined by ``|``."""
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    if isinstance(value, Mapping):
        if "selections" in value:
            return "|".join([*map(str, value["selections"]), str(value.get("other", ""))])
        return str(value.get("file_key", ""))
    return str(value)


def _rate(approved: int, rejected: int) -> str:
    total = approved + rejected
    percent = 0 if total == 0 else round(100 * approved / total)
    return f"{percent}% ({approved}/{total})"


def _recent(state: State, now: _dt.datetime) -> dict[str, tuple[str, str]]:
    """Each worker's approval rates over the last 30 and 7 days, in one pass."""
    windows = (now - _dt.timedelta(days=30), now - _dt.timedelta(days=7))
    counts: dict[
        str, list[int]
    ] = {}  # worker -> [approved 30, rejected 30, approved 7, rejected 7]
    for held in state.holdings:
        decided, column = held.approval_time, 0
        if decided is None:
            decided, column = held.rejection_time, 1
        if decided is None:
            continue
        entry = counts.setdefault(held.worker_id, [0, 0, 0, 0])
        for offset, since in zip((0, 2), windows, strict=True):
            if decided >= since:
                entry[offset + column] += 1
    return {
        worker: (_rate(found[0], found[1]), _rate(found[2], found[3]))
        for worker, found in counts.items()
    }


def _assignments(state: State, hits: Iterable[HIT]) -> list[tuple[HIT, Assignment]]:
    out = []
    for hit in hits:
        for assignment_id in hit.assignment_ids:
            assignment = state.assignments.get(assignment_id)
            if assignment is not None and assignment.status is not AssignmentStatus.ACCEPTED:
                out.append((hit, assignment))
    return out


def _submitted(assignment: Assignment) -> bool:
    return assignment.submit_time is not None


def results_csv(state: State, group_id: str, now: _dt.datetime) -> str:
    """The group's batch results: a row per submitted assignment (``now``: the time the
    recent approval rates count back from)."""
    hits = group_hits(state, group_id)
    rows = [(hit, a) for hit, a in _assignments(state, hits) if _submitted(a)]
    parsed = [answers.parse(a.answer) for _, a in rows]
    recent = _recent(state, now)
    fields: dict[str, None] = {}
    for found in parsed:
        fields.update(dict.fromkeys(found))
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow([*HEADER, *(f"Answer.{name}" for name in fields), *REVIEW])
    for (hit, assignment), found in zip(rows, parsed, strict=True):
        hit_type = hit.hit_type
        worker: Worker | None = state.workers.get(assignment.worker_id)
        lifetime = (
            _rate(worker.prior_approved + worker.approved, worker.prior_rejected + worker.rejected)
            if worker is not None
            else _rate(0, 0)
        )
        submit = assignment.submit_time
        work = int((submit - assignment.accept_time).total_seconds()) if submit else ""
        values: Sequence[Any] = (
            hit.hit_id,
            hit_type.hit_type_id,
            hit_type.title,
            hit_type.description,
            hit_type.keywords or "",
            f"${hit_type.reward:.2f}",
            csv_time(hit.creation_time),
            hit.max_assignments,
            hit.requester_annotation or "",
            hit_type.assignment_duration,
            hit_type.auto_approval_delay,
            csv_time(hit.expiration),
            "",
            int((hit.expiration - hit.creation_time).total_seconds()),
            assignment.assignment_id,
            assignment.worker_id,
            assignment.status.value,
            csv_time(assignment.accept_time),
            csv_time(submit),
            csv_time(assignment.auto_approval_time),
            csv_time(assignment.approval_time),
            csv_time(assignment.rejection_time),
            assignment.requester_feedback or "",
            work,
            lifetime,
            *recent.get(assignment.worker_id, (_rate(0, 0), _rate(0, 0))),
            *(_answer_text(found[name]) if name in found else "" for name in fields),
            "",
            "",
        )
        writer.writerow([cell(value) for value in values])
    return out.getvalue()


def payments_csv(state: State, participants: Mapping[str, Participant]) -> str:
    """What each worker of ``state`` is owed: approved rewards and bonuses, with the
    platform and participant ID they came from (empty for a worker who came otherwise)."""
    owed: dict[str, list[Any]] = {}  # worker -> [approved count, rewards, bonuses]
    for assignment in state.assignments.values():
        entry = owed.setdefault(assignment.worker_id, [0, ZERO, ZERO])
        if assignment.status is AssignmentStatus.APPROVED:
            hit = state.hits.get(assignment.hit_id)
            if hit is not None:
                entry[0] += 1
                entry[1] += hit.hit_type.reward
    for bonus in state.bonuses:
        owed.setdefault(bonus.worker_id, [0, ZERO, ZERO])[2] += bonus.amount
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(PAYMENT_HEADER)
    for worker_id in sorted(owed):
        count, rewards, bonuses = owed[worker_id]
        who = participants.get(worker_id)
        total: Decimal = (rewards + bonuses).quantize(CENT)
        values = (
            worker_id,
            who.platform if who else "",
            who.participant_id if who else "",
            (who.study_id or "") if who else "",
            count,
            f"{rewards.quantize(CENT):.2f}",
            f"{bonuses.quantize(CENT):.2f}",
            f"{total:.2f}",
        )
        writer.writerow([cell(value) for value in values])
    return out.getvalue()
