"""The simulated service's state: plain records, one :class:`State` per environment.

Nothing here knows the wire format or pytest. Records are dataclasses so they
print and compare well in test failures; statuses are enums whose values are
the service's own names.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import money
from .containers import JDict, JList
from .journal import journaled, kept
from .ordered_index import OrderedIndex as OrderedIndex  # where it used to live


class Environment(str, enum.Enum):
    """The world a call is for, chosen by the client's endpoint: the sandbox or production.

    The two are separate worlds (HITs, workers, balances) whose IDs never collide.
    """

    SANDBOX = "sandbox"
    PRODUCTION = "production"


class HITStatus(str, enum.Enum):
    """A HIT's status, as the service names it (``HITStatus`` in GetHIT's answer)."""

    ASSIGNABLE = "Assignable"
    UNASSIGNABLE = "Unassignable"
    REVIEWABLE = "Reviewable"
    REVIEWING = "Reviewing"
    DISPOSED = "Disposed"


class AssignmentStatus(str, enum.Enum):
    """An assignment's status. The API shows only Submitted, Approved and Rejected ones;
    Accepted, Returned and Abandoned are the simulator's own record of the others."""

    # The first two and the last two are never shown by the API: an accepted
    # assignment is invisible until submitted, a returned or abandoned one vanishes.
    ACCEPTED = "Accepted"
    SUBMITTED = "Submitted"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    RETURNED = "Returned"
    ABANDONED = "Abandoned"

    @property
    def visible(self) -> bool:
        """Whether the API shows an assignment in this status (Submitted, Approved,
        Rejected)."""
        return self in _VISIBLE


_VISIBLE = frozenset(
    {AssignmentStatus.SUBMITTED, AssignmentStatus.APPROVED, AssignmentStatus.REJECTED}
)


class QualificationTypeStatus(str, enum.Enum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    DISPOSING = "Disposing"


class QualificationStatus(str, enum.Enum):
    GRANTED = "Granted"
    REVOKED = "Revoked"


MASTERS_IDS = {
    Environment.SANDBOX: "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
    Environment.PRODUCTION: "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
}
NUMBER_HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
PERCENT_APPROVED = "000000000000000000L0"


@journaled
@dataclass(eq=False, slots=True)
class HITType:
    """A HIT type: the properties HITs share (``sim.hit_types[hit_type_id]``).

    Attributes:
        hit_type_id: the HITTypeId.
        hit_group_id: the group the worker site lists its HITs under.
        title: the Title.
        description: the Description.
        keywords: the Keywords, if any.
        reward: the Reward, in dollars.
        assignment_duration: AssignmentDurationInSeconds.
        auto_approval_delay: AutoApprovalDelayInSeconds.
        qualification_requirements: the QualificationRequirements, as sent.
        creation_time: when it was made (aware UTC).
        notification: its notification specification (UpdateNotificationSettings), if any.
        notification_active: whether that specification is active.
    """

    hit_type_id: str
    hit_group_id: str
    title: str
    description: str
    keywords: str | None
    reward: Decimal
    assignment_duration: int
    auto_approval_delay: int
    qualification_requirements: list[dict[str, Any]]
    creation_time: _dt.datetime
    # Notification settings (UpdateNotificationSettings) live on the type.
    notification: dict[str, Any] | None = None
    notification_active: bool = False
    # The type's part of its HITs' wire form, by which optional members they have
    # (see shapes.hit); a cache, not state: the type's properties never change.
    templates: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def requires_masters(self) -> bool:
        """Whether a requirement names the Masters qualification (MTurk's fee is 5 % more)."""
        return any(
            req.get("QualificationTypeId") in _MASTERS_VALUES
            for req in self.qualification_requirements
        )


_MASTERS_VALUES = frozenset(MASTERS_IDS.values())


@kept
@dataclass(eq=False, slots=True)
class HIT:
    """A HIT (``sim.hits[hit_id]``), with its counts of assignments in each state.

    Attributes:
        hit_id: the HITId.
        hit_type: its [HITType][pytest_mturk.core.model.HITType].
        creation_time: when it was made (aware UTC).
        expiration: when it expires (aware UTC).
        max_assignments: MaxAssignments.
        question: the Question XML (a layout's, filled in, for a HIT made from a layout).
        requester_annotation: the RequesterAnnotation, if any.
        hit_layout_id: the HITLayoutId, if any.
        assignment_review_policy: the AssignmentReviewPolicy, as sent.
        hit_review_policy: the HITReviewPolicy, as sent.
        status: its [HITStatus][pytest_mturk.HITStatus].
        review_status: HITReviewStatus (``"NotReviewed"``, ``"MarkedForReview"``...).
        expired: whether it has expired.
        pending: assignments accepted and in progress.
        submitted: assignments submitted and not yet approved or rejected.
        approved: assignments approved.
        rejected: assignments rejected.
        assignment_ids: the IDs of its assignments, oldest first.
    """

    hit_id: str
    hit_type: HITType
    creation_time: _dt.datetime
    expiration: _dt.datetime
    max_assignments: int
    question: str | None
    requester_annotation: str | None = None
    hit_layout_id: str | None = None
    assignment_review_policy: dict[str, Any] | None = None
    hit_review_policy: dict[str, Any] | None = None
    seq: int = 0
    status: HITStatus = HITStatus.ASSIGNABLE
    review_status: str = "NotReviewed"
    expired: bool = False
    reviewing: bool = False
    pending: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    # Every AssignmentId the HIT has issued, in the order first accepted; an ID
    # returned or abandoned is issued again rather than added twice.
    assignment_ids: list[str] = field(default_factory=JList)
    # IDs given back (returned or abandoned), oldest first: MTurk hands a freed
    # slot's AssignmentId to the next worker who accepts, before minting one. A
    # tuple: most HITs never free one, and the empty tuple costs them nothing.
    free_ids: tuple[str, ...] = ()
    # Cached wire form; dropped whenever anything visible changes.
    cache: dict[str, Any] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        # What a failing assertion needs, not the question's XML or the policies.
        return (
            f"HIT({self.hit_id!r}, {self.hit_type.title!r}, {self.status.value}, "
            f"reward={self.hit_type.reward}, max_assignments={self.max_assignments}, "
            f"available={self.available}, pending={self.pending}, submitted={self.submitted}, "
            f"approved={self.approved}, rejected={self.rejected}, "
            f"expiration={self.expiration.isoformat()})"
        )

    @property
    def completed(self) -> int:
        """Assignments approved or rejected (NumberOfAssignmentsCompleted)."""
        return self.approved + self.rejected

    @property
    def available(self) -> int:
        """Slots a worker may still accept (NumberOfAssignmentsAvailable): none once the
        HIT has expired or is disposed."""
        if self.expired or self.status is HITStatus.DISPOSED:
            return 0
        taken = self.pending + self.submitted + self.approved + self.rejected
        return self.max_assignments - taken

    @property
    def reward(self) -> Decimal:
        """The reward per assignment, in dollars (its HIT type's)."""
        return self.hit_type.reward

    @property
    def fee(self) -> Decimal:
        """MTurk's fee per assignment, in dollars: 20 % of the reward, 40 % with 10 or more
        assignments, 5 % more with Masters, at least $0.01."""
        return money.assignment_fee(
            self.hit_type.reward, self.max_assignments, self.hit_type.requires_masters
        )

    @property
    def liability(self) -> Decimal:
        """What this HIT may still cost: every slot not yet approved or rejected."""
        open_slots = self.available + self.pending + self.submitted
        if not open_slots:
            return money.ZERO
        return open_slots * (self.hit_type.reward + self.fee)

    def derive_status(self) -> HITStatus:
        """The status the HIT's counts call for (Assignable while a slot is free,
        Unassignable while work is in progress, then Reviewable or Reviewing)."""
        if self.status is HITStatus.DISPOSED:
            return HITStatus.DISPOSED
        if self.available > 0:
            return HITStatus.ASSIGNABLE
        # Work in progress keeps even an expired HIT Unassignable: its workers may still
        # submit, and it becomes Reviewable once the last of them has submitted,
        # returned or abandoned (docs/fidelity.md, "Status of an expired HIT with work
        # still in progress").
        if self.pending > 0:
            return HITStatus.UNASSIGNABLE
        return HITStatus.REVIEWING if self.reviewing else HITStatus.REVIEWABLE


@kept
@dataclass(eq=False, slots=True)
class Assignment:
    """An assignment (``sim.assignments[assignment_id]``): its current holder's.

    As on MTurk, a returned or abandoned slot keeps its AssignmentId for the next worker;
    the record shows the latest holder, ``sim.events`` the earlier ones.

    Attributes:
        assignment_id: the AssignmentId.
        hit_id: its HIT's ID.
        worker_id: the worker holding it.
        accept_time: when it was accepted (aware UTC).
        deadline: when it is abandoned unless submitted or returned.
        status: its [AssignmentStatus][pytest_mturk.AssignmentStatus].
        submit_time: when it was submitted, if it was.
        auto_approval_time: when it will be approved on its own, once submitted.
        approval_time: when it was approved, if it was.
        rejection_time: when it was rejected, if it was.
        answer: the QuestionFormAnswers XML, once submitted.
        requester_feedback: the RequesterFeedback given with approval or rejection.
    """

    assignment_id: str
    hit_id: str
    worker_id: str
    accept_time: _dt.datetime
    deadline: _dt.datetime
    status: AssignmentStatus = AssignmentStatus.ACCEPTED
    submit_time: _dt.datetime | None = None
    auto_approval_time: _dt.datetime | None = None
    approval_time: _dt.datetime | None = None
    rejection_time: _dt.datetime | None = None
    answer: str | None = None
    requester_feedback: str | None = None
    cache: dict[str, Any] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        answer = "" if self.answer is None else f", answer of {len(self.answer)} characters"
        return (
            f"Assignment({self.assignment_id!r}, hit={self.hit_id!r}, "
            f"worker={self.worker_id!r}, {self.status.value}, "
            f"deadline={self.deadline.isoformat()}{answer})"
        )


@journaled
@dataclass(eq=False, slots=True)
class Worker:
    """A worker as the service knows them (``sim.workers[worker_id]``).

    Attributes:
        worker_id: the WorkerId.
        locale_country: the Locale qualification's country.
        locale_subdivision: the Locale qualification's subdivision, if any.
        adult: whether they hold the Adult qualification.
        masters: whether they hold the Masters qualification.
        prior_approved: assignments approved before the simulation (their history).
        prior_rejected: assignments rejected before the simulation.
        approved: assignments approved in the simulation.
        rejected: assignments rejected in the simulation.
        abandoned: assignments abandoned in the simulation.
        returned: assignments returned in the simulation.
        submitted_total: assignments submitted in the simulation.
    """

    worker_id: str
    locale_country: str = "US"
    locale_subdivision: str | None = None
    adult: bool = False
    masters: bool = False
    # Starting history (for NumberHITsApproved / PercentAssignmentsApproved).
    prior_approved: int = 0
    prior_rejected: int = 0
    approved: int = 0
    rejected: int = 0
    abandoned: int = 0
    returned: int = 0
    submitted_total: int = 0


@dataclass
class BonusPayment:
    worker_id: str
    amount: Decimal
    assignment_id: str
    hit_id: str
    reason: str
    grant_time: _dt.datetime
    fee: Decimal


@dataclass
class LedgerEntry:
    """One movement of money: what, how much (negative = debit), and why.

    Attributes:
        time: when (aware UTC).
        kind: ``"reward"``, ``"fee"``, ``"bonus"`` or ``"bonus-fee"``.
        amount: the amount in dollars, negative for a debit.
        hit_id: the HIT it is for, if any.
        assignment_id: the assignment it is for, if any.
        worker_id: the worker paid, if any.
    """

    time: _dt.datetime
    kind: str  # "reward", "fee", "bonus", "bonus-fee"
    amount: Decimal
    hit_id: str | None
    assignment_id: str | None
    worker_id: str | None


@journaled
@dataclass(eq=False)
class QualificationType:
    """A qualification type (``sim.qualification_types[qualification_type_id]``).

    Attributes:
        qualification_type_id: the QualificationTypeId.
        name: the Name.
        description: the Description.
        status: Active, Inactive or Disposing (a deleted type, until it is gone).
        creation_time: when it was made (aware UTC).
        keywords: the Keywords, if any.
        retry_delay: RetryDelayInSeconds, if any.
        test: the Test (a QuestionForm), if any.
        answer_key: the AnswerKey, if any.
        test_duration: TestDurationInSeconds, if any.
        auto_granted: AutoGranted.
        auto_granted_value: AutoGrantedValue, if any.
        is_requestable: whether workers may request it.
        system: whether it is one of MTurk's own (Masters, Locale, Adult...).
    """

    qualification_type_id: str
    name: str
    description: str
    status: QualificationTypeStatus
    creation_time: _dt.datetime
    keywords: str | None = None
    retry_delay: int | None = None
    test: str | None = None
    answer_key: str | None = None
    test_duration: int | None = None
    auto_granted: bool = False
    auto_granted_value: int | None = None
    is_requestable: bool = True
    system: bool = False
    # Set once a deleted (Disposing) type has no live HIT left: when it is gone for good.
    disposal_due: _dt.datetime | None = None


class QualificationRequestStatus(str, enum.Enum):
    # Only SUBMITTED requests are listed (ListQualificationRequests); the others
    # are kept so the retry rules (RetryDelayInSeconds) can be applied.
    SUBMITTED = "Submitted"
    APPROVED = "Approved"
    REJECTED = "Rejected"


@journaled
@dataclass(eq=False)
class Qualification:
    """A worker's qualification of one type; a revoked one is kept, as the service keeps it."""

    qualification_type_id: str
    worker_id: str
    integer_value: int
    grant_time: _dt.datetime
    status: QualificationStatus = QualificationStatus.GRANTED
    reason: str | None = None  # why it was revoked (the worker sees it)


@journaled
@dataclass(eq=False)
class QualificationRequest:
    """A worker's request for a qualification (and their test answers, if the type has a test)."""

    qualification_request_id: str
    qualification_type_id: str
    worker_id: str
    submit_time: _dt.datetime
    test: str | None = None
    answer: str | None = None
    status: QualificationRequestStatus = QualificationRequestStatus.SUBMITTED
    score: int | None = None  # the value granted, once granted
    reason: str | None = None  # why it was rejected (the worker sees it)


@dataclass
class Message:
    """An e-mail NotifyWorkers sent to one worker."""

    worker_id: str
    subject: str
    text: str
    time: _dt.datetime
    environment: Environment


@journaled
@dataclass(eq=False)
class State:
    """Everything one environment (sandbox or production) holds."""

    environment: Environment
    balance: Decimal
    hits: dict[str, HIT] = field(default_factory=JDict)
    hit_index: OrderedIndex = field(default_factory=OrderedIndex)  # live (not disposed)
    reviewable: OrderedIndex = field(default_factory=OrderedIndex)
    reviewing: OrderedIndex = field(default_factory=OrderedIndex)
    hit_types: dict[str, HITType] = field(default_factory=JDict)
    hit_types_by_key: dict[tuple[Any, ...], HITType] = field(default_factory=JDict)
    # AssignmentId -> its current holder (an ID is reissued after a return or abandonment).
    assignments: dict[str, Assignment] = field(default_factory=JDict)
    # Every acceptance ever made, earlier holders of reissued IDs included, in accept order.
    holdings: list[Assignment] = field(default_factory=JList)
    workers: dict[str, Worker] = field(default_factory=JDict)
    bonuses: list[BonusPayment] = field(default_factory=JList)
    ledger: list[LedgerEntry] = field(default_factory=JList)
    reserved: Decimal = money.ZERO
    qualification_types: dict[str, QualificationType] = field(default_factory=JDict)
    # Qualification types in creation order (deleted ones leave at once).
    qualification_type_index: OrderedIndex = field(default_factory=OrderedIndex)
    # type id -> worker id -> qualification, in the order first granted.
    qualifications: dict[str, dict[str, Qualification]] = field(default_factory=JDict)
    qualification_requests: dict[str, QualificationRequest] = field(default_factory=JDict)
    # (type id, worker id) -> when the worker opened the type's test.
    tests_started: dict[tuple[str, str], _dt.datetime] = field(default_factory=JDict)
    blocks: dict[str, str] = field(default_factory=JDict)  # worker id -> reason
    block_index: OrderedIndex = field(default_factory=OrderedIndex)
    messages: list[Message] = field(default_factory=JList)
    # (operation, token) -> (time first seen, what the first call produced)
    tokens: dict[tuple[str, str], tuple[_dt.datetime, str]] = field(default_factory=JDict)
    hit_seq: int = 0
    # HIT id -> what its review policies recorded (review.HITReview).
    reviews: dict[str, Any] = field(default_factory=JDict)

    def __post_init__(self) -> None:
        # A state rebuilt from plain data: the per-type tables are journaled too.
        for type_id, held in self.qualifications.items():
            if held.__class__ is not JDict:
                dict.__setitem__(self.qualifications, type_id, JDict(held))

    @property
    def available_balance(self) -> Decimal:
        if self.environment is Environment.SANDBOX:
            return self.balance
        return self.balance - self.reserved
