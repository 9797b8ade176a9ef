"""Random lifecycles: requester calls, worker actions and time jumps, checked after every step.

A hypothesis state machine drives a simulator through a real boto3 client and
checks the invariants users rely on: money is conserved, HIT counters add up,
statuses agree with counters, every assignment is in one state, every response
fits botocore's output shape, and nothing but the service's own errors comes out.
The CI profile runs a modest number of examples, ``HYPOTHESIS_PROFILE=long`` (a later CI
step) ten times as many, the same every run; ``HYPOTHESIS_PROFILE=nightly``
runs many more.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from decimal import Decimal

import boto3
from assignment_id_checks import check_reissued_ids
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from conftest import EXTERNAL_QUESTION
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from pytest_mturk import WorkerActionError, mturk_sim
from pytest_mturk.core.model import AssignmentStatus, Environment, HITStatus

settings.register_profile(
    "ci",
    derandomize=True,  # the same runs every time: CI never fails at random
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    # What CI runs after the suite: more lifecycles, still the same ones every time.
    "long",
    derandomize=True,
    max_examples=600,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "nightly",
    max_examples=2000,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

START_BALANCE = Decimal("50.00")
WORKERS = [f"AWORKER{n:07d}" for n in range(4)]
# The service's own error codes; anything else escaping is a bug.
SERVICE_ERRORS = {
    "RequestError",
    "ServiceFault",
    "ParameterValidationError",
    "ValidationException",
}
# The events that end an assignment in progress, and the statuses of a HIT under review.
IN_PROGRESS_ENDS = {"AssignmentSubmitted", "AssignmentReturned", "AssignmentAbandoned"}
REVIEW_STATUSES = {HITStatus.REVIEWABLE, HITStatus.REVIEWING}
_validator = ParamValidator()
_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def _xml_text(text: str) -> bool:
    """Whether XML 1.0 can hold ``text`` (an answer of other text cannot be stored)."""
    return _XML_CHAR.fullmatch(text) is not None


class Lifecycle(RuleBasedStateMachine):
    hits = Bundle("hits")
    assignments = Bundle("assignments")

    def __init__(self) -> None:
        super().__init__()
        self.sim = mturk_sim(balance=START_BALANCE, seed="stateful").start()
        self.clients = {
            Environment.SANDBOX: boto3.client("mturk", region_name="sandbox"),
            Environment.PRODUCTION: boto3.client("mturk", region_name="us-east-1"),
        }
        self.model = self.clients[Environment.SANDBOX].meta.service_model
        self.env_of: dict[str, Environment] = {}
        # What the events told so far: how many assignments of each HIT are in progress,
        # and each HIT's status after the previous step.
        self.events_read = 0
        self.in_progress: Counter[str] = Counter()
        self.status_before: dict[str, HITStatus] = {}

    def teardown(self) -> None:
        self.sim.stop()

    # -- calling -------------------------------------------------------------------

    def call(self, environment: Environment, operation: str, **params):
        client = self.clients[environment]
        method = getattr(client, xform_name(operation))
        try:
            response = method(**params)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] in SERVICE_ERRORS, exc.response
            return None
        shape = self.model.operation_model(operation).output_shape
        body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        report = _validator.validate(body, shape)
        assert not report.has_errors(), report.generate_report()
        return response

    # -- requester -----------------------------------------------------------------

    @initialize(target=hits)
    def first_hit(self):
        return self._create(Environment.PRODUCTION, 3, 600, 0, "0.50", 3600)

    @rule(
        target=hits,
        environment=st.sampled_from(list(Environment)),
        max_assignments=st.integers(1, 12),
        duration=st.integers(30, 4000),
        auto_approval=st.sampled_from([0, 60, 3600, 86400]),
        reward=st.sampled_from(["0.00", "0.01", "0.05", "0.50", "1", "2.37", "5.00"]),
        lifetime=st.integers(30, 20000),
    )
    def create_hit(self, environment, max_assignments, duration, auto_approval, reward, lifetime):
        return self._create(environment, max_assignments, duration, auto_approval, reward, lifetime)

    def _create(self, environment, max_assignments, duration, auto_approval, reward, lifetime):
        response = self.call(
            environment,
            "CreateHIT",
            Title="t",
            Description="d",
            Reward=reward,
            MaxAssignments=max_assignments,
            AssignmentDurationInSeconds=duration,
            AutoApprovalDelayInSeconds=auto_approval,
            LifetimeInSeconds=lifetime,
            Question=EXTERNAL_QUESTION,
        )
        if response is None:
            return "NOHIT"
        hit_id = response["HIT"]["HITId"]
        self.env_of[hit_id] = environment
        return hit_id

    def _env(self, some_id):
        return self.env_of.get(some_id, Environment.SANDBOX)

    @rule(hit_id=hits, count=st.integers(1, 5))
    def add_assignments(self, hit_id, count):
        self.call(
            self._env(hit_id),
            "CreateAdditionalAssignmentsForHIT",
            HITId=hit_id,
            NumberOfAdditionalAssignments=count,
        )

    @rule(hit_id=hits, offset=st.sampled_from([-(10**6), -1, 0, 30, 60, 3600, 10**6, 10**9]))
    def update_expiration(self, hit_id, offset):
        expire_at = max(0, int(self.sim.now.timestamp()) + offset) if offset > -(10**6) else 0
        self.call(self._env(hit_id), "UpdateExpirationForHIT", HITId=hit_id, ExpireAt=expire_at)

    @rule(hit_id=hits, revert=st.booleans())
    def review_status(self, hit_id, revert):
        self.call(self._env(hit_id), "UpdateHITReviewStatus", HITId=hit_id, Revert=revert)

    @rule(hit_id=hits)
    def delete_hit(self, hit_id):
        self.call(self._env(hit_id), "DeleteHIT", HITId=hit_id)

    @rule(hit_id=hits)
    def read_hit(self, hit_id):
        self.call(self._env(hit_id), "GetHIT", HITId=hit_id)
        self.call(self._env(hit_id), "ListAssignmentsForHIT", HITId=hit_id, MaxResults=3)

    @rule(environment=st.sampled_from(list(Environment)))
    def list_all(self, environment):
        listed: dict[str, list[dict]] = {}
        for operation in ("ListHITs", "ListReviewableHITs"):
            token = None
            listed[operation] = []
            for _ in range(100):
                params = {"MaxResults": 5, **({"NextToken": token} if token else {})}
                response = self.call(environment, operation, **params)
                if response is not None:
                    listed[operation] += response["HITs"]
                token = response and response.get("NextToken")
                if not token:
                    break
        self.call(environment, "GetAccountBalance")
        # ListReviewableHITs names each Reviewable HIT of this world by its ID alone.
        state = next(s for s in self._states() if s.environment is environment)
        expected = {h.hit_id for h in state.hits.values() if h.status is HITStatus.REVIEWABLE}
        assert all(entry.keys() == {"HITId"} for entry in listed["ListReviewableHITs"])
        assert {entry["HITId"] for entry in listed["ListReviewableHITs"]} == expected

    @rule(assignment_id=assignments, feedback=st.sampled_from([None, "thanks"]))
    def approve(self, assignment_id, feedback):
        extra = {"RequesterFeedback": feedback} if feedback else {}
        self.call(
            self._env(assignment_id), "ApproveAssignment", AssignmentId=assignment_id, **extra
        )

    @rule(assignment_id=assignments)
    def override(self, assignment_id):
        self.call(
            self._env(assignment_id),
            "ApproveAssignment",
            AssignmentId=assignment_id,
            OverrideRejection=True,
        )

    @rule(assignment_id=assignments)
    def reject(self, assignment_id):
        self.call(
            self._env(assignment_id),
            "RejectAssignment",
            AssignmentId=assignment_id,
            RequesterFeedback="no",
        )

    @rule(assignment_id=assignments, amount=st.sampled_from(["0.01", "0.99", "3", "40.00"]))
    def bonus(self, assignment_id, amount):
        record = self.sim.assignments.get(assignment_id)
        worker_id = record.worker_id if record is not None else WORKERS[0]
        self.call(
            self._env(assignment_id),
            "SendBonus",
            WorkerId=worker_id,
            AssignmentId=assignment_id,
            BonusAmount=amount,
            Reason="good",
        )

    # -- workers -------------------------------------------------------------------

    @rule(target=assignments, hit_id=hits, worker=st.sampled_from(WORKERS))
    def accept(self, hit_id, worker):
        record = self.sim.hits.get(hit_id)
        freed = list(record.free_ids) if record is not None else []
        issued = {a.assignment_id for state in self._states() for a in state.holdings}
        try:
            assignment_id = self.sim.worker(worker).accept(hit_id)
        except WorkerActionError:
            return "NOASSIGNMENT"
        # A returned or abandoned ID is reissued (oldest freed first) before one is minted.
        if freed:
            assert assignment_id == freed[0]
        else:
            assert assignment_id not in issued
        self.env_of[assignment_id] = self._env(hit_id)
        return assignment_id

    @rule(assignment_id=assignments, label=st.text(max_size=5))
    def submit(self, assignment_id, label):
        record = self.sim.assignments.get(assignment_id)
        if record is None:
            return
        try:
            self.sim.worker(record.worker_id).submit(assignment_id, {"label": label})
        except WorkerActionError:
            # In progress still only if the text is one no XML document can hold.
            assert record.status is not AssignmentStatus.ACCEPTED or not _xml_text(label)

    @rule(assignment_id=consumes(assignments))
    def give_back(self, assignment_id):
        record = self.sim.assignments.get(assignment_id)
        if record is None:
            return
        try:
            self.sim.worker(record.worker_id).return_(assignment_id)
        except WorkerActionError:
            assert record.status is not AssignmentStatus.ACCEPTED

    @rule(target=assignments, assignment_id=consumes(assignments), worker=st.sampled_from(WORKERS))
    def hand_on(self, assignment_id, worker):
        """Return an assignment and let a worker (perhaps the same) take the slot at once:
        the path on which MTurk reissues the AssignmentId."""
        record = self.sim.assignments.get(assignment_id)
        if record is None or record.status is not AssignmentStatus.ACCEPTED:
            return assignment_id
        self.sim.worker(record.worker_id).return_(assignment_id)
        return self.accept(record.hit_id, worker)

    # -- time ----------------------------------------------------------------------

    @rule(seconds=st.sampled_from([1, 29, 61, 600, 3601, 86400, 3 * 86400, 31 * 86400]))
    def advance(self, seconds):
        self.sim.advance(seconds=seconds)

    # -- invariants ----------------------------------------------------------------

    def _states(self):
        return (self.sim.sandbox._state, self.sim.production._state)

    @invariant()
    def money_is_conserved(self):
        production = self.sim.production
        paid = -sum((entry.amount for entry in production.ledger), Decimal(0))
        assert production.balance + paid == START_BALANCE
        assert production.available_balance >= 0
        state = production._state
        open_liability = sum((hit.liability for hit in state.hits.values()), Decimal(0))
        assert state.reserved == open_liability
        assert self.sim.sandbox.available_balance == Decimal("10000.00")

    @invariant()
    def nothing_failed_inside(self):
        assert self.sim.internal_errors == []

    @invariant()
    def counters_add_up(self):
        for state in self._states():
            for hit in state.hits.values():
                counts = dict.fromkeys(AssignmentStatus, 0)
                for assignment_id in hit.assignment_ids:
                    counts[state.assignments[assignment_id].status] += 1
                assert hit.pending == counts[AssignmentStatus.ACCEPTED]
                assert hit.submitted == counts[AssignmentStatus.SUBMITTED]
                assert hit.approved == counts[AssignmentStatus.APPROVED]
                assert hit.rejected == counts[AssignmentStatus.REJECTED]
                used = hit.pending + hit.submitted + hit.completed
                assert used <= hit.max_assignments
                if hit.status is not HITStatus.DISPOSED and not hit.expired:
                    assert hit.available + used == hit.max_assignments
                else:
                    assert hit.available == 0
                assert hit.derive_status() is hit.status
                assert (hit.hit_id in state.reviewable) == (hit.status is HITStatus.REVIEWABLE)
                assert (hit.hit_id in state.reviewing) == (hit.status is HITStatus.REVIEWING)
                assert (hit.hit_id in state.hit_index) == (hit.status is not HITStatus.DISPOSED)

    @invariant()
    def statuses_follow_the_rules(self):
        """Stated from the counters, apart from the code that derives the status: free slots
        make a HIT Assignable; otherwise work in progress keeps it Unassignable, expired or
        not (the Developer Guide's "Retrieving and Approving Results"); otherwise it is
        Reviewable (or Reviewing)."""
        for state in self._states():
            for hit in state.hits.values():
                if hit.status is HITStatus.DISPOSED:
                    assert hit.pending == 0
                elif not hit.expired and hit.available > 0:
                    assert hit.status is HITStatus.ASSIGNABLE
                elif hit.pending > 0:
                    assert hit.status is HITStatus.UNASSIGNABLE
                    assert hit.hit_id not in state.reviewable
                else:
                    assert hit.status in (HITStatus.REVIEWABLE, HITStatus.REVIEWING)

    @invariant()
    def hit_reviewable_only_once_the_work_is_done(self):
        """Read back from the events: HITReviewable is sent only when no assignment of the
        HIT is in progress, and every HIT that became Reviewable in the last step sent it."""
        events = self.sim.events
        announced = set()
        for event in events[self.events_read :]:
            if event.event_type == "AssignmentAccepted":
                self.in_progress[event.hit_id] += 1
            elif event.event_type in IN_PROGRESS_ENDS:
                self.in_progress[event.hit_id] -= 1
                assert self.in_progress[event.hit_id] >= 0
            elif event.event_type == "HITReviewable":
                assert self.in_progress[event.hit_id] == 0, event
                announced.add(event.hit_id)
        self.events_read = len(events)
        for state in self._states():
            for hit in state.hits.values():
                assert self.in_progress[hit.hit_id] == hit.pending
                before = self.status_before.get(hit.hit_id)
                if hit.status is HITStatus.REVIEWABLE and before not in REVIEW_STATUSES:
                    assert hit.hit_id in announced, (before, hit)
                self.status_before[hit.hit_id] = hit.status

    @invariant()
    def assignment_ids_are_consistent(self):
        check_reissued_ids(self.sim)


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings.get_profile(PROFILE)
