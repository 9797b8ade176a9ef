"""Random (and scripted) steps against a simulator, with one journaled write made to fail.

A :class:`Run` drives a fresh simulator through a list of steps (requester calls
through real boto3 clients, worker actions, time jumps): counting each step's
journaled writes, making the k-th write of one step raise, or skipping a step.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.exceptions import ClientError
from conftest import EXTERNAL_QUESTION
from hypothesis import strategies as st
from state_dump import dump

from pytest_mturk import WorkerActionError, mturk_sim
from pytest_mturk.core import journal

START = "2024-05-01T09:00:00+00:00"
LONG = os.environ.get("HYPOTHESIS_PROFILE") in ("long", "nightly")
HIT_ARGS: dict[str, Any] = {
    "Title": "Label an image",
    "Description": "Say what it shows",
    "Reward": "0.50",
    "LifetimeInSeconds": 3600,
    "MaxAssignments": 2,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 86400,
    "Question": EXTERNAL_QUESTION,
}
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/atomic-events"


class Boom(Exception):
    """A bug planted in the simulator's machinery."""


def boom(*args: Any, **kwargs: Any) -> None:
    raise Boom("planted in the middle of the operation")


def client(environment: str = "production"):
    region = "us-east-1" if environment == "production" else "sandbox"
    return boto3.client(
        "mturk",
        region_name=region,
        aws_access_key_id="AKIDATOMIC000000",
        aws_secret_access_key="secret",
    )


WORKERS = ["A1RANDOMW0RK01", "A2RANDOMW0RK02", "A3RANDOMW0RK03"]
ENVIRONMENTS = ["production", "sandbox"]
KNOWN_ANSWERS = {
    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
    "Parameters": [
        {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["cat"]}]},
        {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfKnownAnswerScoreIsLessThan", "Values": ["100"]},
    ],
}
PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        {"Key": "QuestionIds", "Values": ["label"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        {"Key": "DisregardAssignmentIfRejected", "Values": ["true"]},
        {"Key": "ExtendIfHITAgreementScoreIsLessThan", "Values": ["100"]},
        {"Key": "ExtendMaximumAssignments", "Values": ["4"]},
        {"Key": "ExtendMinimumTimeInSeconds", "Values": ["3600"]},
    ],
}
index = st.integers(0, 40)
STEPS = st.one_of(
    st.tuples(
        st.just("create"),
        st.sampled_from(ENVIRONMENTS),
        st.integers(1, 3),
        st.sampled_from(["0.00", "0.50", "7.00"]),
        st.sampled_from([0, 60, 86400]),
        st.sampled_from([None, "known", "plurality"]),
    ),
    st.tuples(st.just("accept"), st.integers(0, 2), index),
    st.tuples(st.just("submit"), index, st.sampled_from(["cat", "dog"])),
    st.tuples(st.sampled_from(["return", "approve", "reject", "override"]), index),
    st.tuples(st.just("bonus"), index, st.sampled_from(["0.25", "80.00"])),
    st.tuples(st.just("extend"), index, st.integers(1, 2)),
    st.tuples(st.just("expire"), index, st.sampled_from([-10, 600, 7200])),
    st.tuples(st.sampled_from(["review", "delete", "notifications", "read"]), index),
    st.tuples(st.just("advance"), st.sampled_from([61, 3601, 86401])),
    st.tuples(st.sampled_from(["qualify", "block", "unblock", "message"]), st.integers(0, 2)),
    st.tuples(st.just("request"), st.integers(0, 2)),
    st.tuples(st.just("test_event")),
)


class Tripwire(list):  # type: ignore[type-arg]
    """A transaction's journal that makes its k-th write (at the call's own level) raise."""

    __slots__ = ("counter",)

    def append(self, entry: Any) -> None:
        if not journal.current.depth:
            self.counter[0] += 1
            if self.counter[0] == self.counter[1]:
                raise Boom("the planted failure")
        list.append(self, entry)


class Run:
    """One simulator driven through the steps: failing one write, skipping a step, or counting."""

    def __init__(self, steps, *, fail: tuple[int, int] | None = None, skip: int | None = None):
        self.steps, self.fail, self.skip = steps, fail, skip
        self.outcomes: list[Any] = []
        self.writes: list[int] = []
        self.hits: list[tuple[str, str]] = []
        self.assignments: list[tuple[str, str]] = []
        self.around_failure: tuple[Any, Any] | None = None
        self.sim = mturk_sim(seed="random-atomic", start=START, balance="60.00")
        with self.sim:
            service = self.sim._service
            self.clients = {env: client(env) for env in ENVIRONMENTS}
            self.workers = [self.sim.worker(worker_id) for worker_id in WORKERS]
            self.sim.register_destination(QUEUE)
            self.qualification = self.clients["production"].create_qualification_type(
                Name="Seen the task",
                Description="d",
                QualificationTypeStatus="Active",
                AutoGranted=True,
            )["QualificationType"]["QualificationTypeId"]
            for number, step in enumerate(steps):
                _ = self.sim.now  # transitions due before the step run outside it
                if number == self.skip:
                    if step[0] not in ("accept", "submit", "return", "advance", "request"):
                        service.ids.request_id()  # the ServiceFault's own RequestId
                    self.outcomes.append("skipped")
                    continue
                counter = [0, fail[1] if fail is not None and fail[0] == number else 0]

                def tripwire(counter=counter) -> Tripwire:
                    made = Tripwire()
                    made.counter = counter
                    return made

                before = dump(self.sim) if counter[1] else None
                original, journal.new_journal = journal.new_journal, tripwire
                try:
                    self.outcomes.append(self.execute(step))
                except Boom:
                    self.outcomes.append("failed")
                finally:
                    journal.new_journal = original
                self.writes.append(counter[0])
                if before is not None:
                    self.around_failure = (before, dump(self.sim, frozenset({"_requests"})))
                    self.before_failure_requests = before
                    self.failure_errors = list(service.internal_errors)
            self.final = dump(self.sim)
            service.internal_errors.clear()

    def call(self, environment: str, operation: str, **params: Any) -> Any:
        try:
            response = getattr(self.clients[environment], operation)(**params)
        except ClientError as exc:
            return ("error", exc.response["Error"]["Code"], exc.response["Error"]["Message"])
        response.pop("ResponseMetadata")
        return ("ok", response)

    def act(self, action, *args: Any) -> Any:
        try:
            return ("ok", action(*args))
        except WorkerActionError as exc:
            return ("refused", str(exc))

    def _pick(self, items: list[Any], number: int) -> Any:
        return items[number % len(items)] if items else None

    def execute(self, step) -> Any:  # noqa: C901 - one branch per kind of step
        kind, *args = step
        if kind == "create":
            environment, count, reward, delay, policy = args
            extra: dict[str, Any] = {}
            if policy == "known":
                extra["AssignmentReviewPolicy"] = KNOWN_ANSWERS
            elif policy == "plurality":
                extra["HITReviewPolicy"] = PLURALITY
            outcome = self.call(
                environment,
                "create_hit",
                **{
                    **HIT_ARGS,
                    "MaxAssignments": count,
                    "Reward": reward,
                    "AutoApprovalDelayInSeconds": delay,
                    **extra,
                },
            )
            if outcome[0] == "ok":
                self.hits.append((environment, outcome[1]["HIT"]["HITId"]))
            return outcome
        if kind in ("accept", "request", "qualify", "block", "unblock", "message"):
            worker = self.workers[args[0]]
            if kind == "accept":
                picked = self._pick(self.hits, args[1])
                if picked is None:
                    return None
                outcome = self.act(worker.accept, picked[1])
                if outcome[0] == "ok":
                    self.assignments.append((picked[0], outcome[1]))
                return outcome
            if kind == "request":
                return self.act(
                    lambda: worker.request_qualification(self.qualification).status.value
                )
            client = "production"
            if kind == "qualify":
                return self.call(
                    client,
                    "associate_qualification_with_worker",
                    QualificationTypeId=self.qualification,
                    WorkerId=worker.worker_id,
                    IntegerValue=args[0],
                    SendNotification=False,
                )
            if kind == "block":
                return self.call(
                    client, "create_worker_block", WorkerId=worker.worker_id, Reason="r"
                )
            if kind == "unblock":
                return self.call(client, "delete_worker_block", WorkerId=worker.worker_id)
            return self.call(
                client,
                "notify_workers",
                Subject="s",
                MessageText="m",
                WorkerIds=[worker.worker_id],
            )
        if kind == "advance":
            self.sim.advance(seconds=args[0])
            return None
        if kind == "test_event":
            return self.call(
                "production",
                "send_test_event_notification",
                Notification={
                    "Destination": QUEUE,
                    "Transport": "SQS",
                    "Version": "2014-08-15",
                    "EventTypes": ["AssignmentSubmitted"],
                },
                TestEventType="AssignmentSubmitted",
            )
        if kind in ("submit", "return", "approve", "reject", "override", "bonus"):
            picked = self._pick(self.assignments, args[0])
            if picked is None:
                return None
            environment, assignment_id = picked
            record = self.sim.assignments.get(assignment_id)
            worker = self.workers[WORKERS.index(record.worker_id)]
            if kind == "submit":
                return self.act(worker.submit, assignment_id, {"label": args[1]})
            if kind == "return":
                return self.act(worker.return_, assignment_id)
            if kind == "approve":
                return self.call(environment, "approve_assignment", AssignmentId=assignment_id)
            if kind == "override":
                return self.call(
                    environment,
                    "approve_assignment",
                    AssignmentId=assignment_id,
                    OverrideRejection=True,
                )
            if kind == "reject":
                return self.call(
                    environment,
                    "reject_assignment",
                    AssignmentId=assignment_id,
                    RequesterFeedback="no",
                )
            return self.call(
                environment,
                "send_bonus",
                WorkerId=record.worker_id,
                AssignmentId=assignment_id,
                BonusAmount=args[1],
                Reason="thanks",
            )
        picked = self._pick(self.hits, args[0])
        if picked is None:
            return None
        environment, hit_id = picked
        if kind == "extend":
            return self.call(
                environment,
                "create_additional_assignments_for_hit",
                HITId=hit_id,
                NumberOfAdditionalAssignments=args[1],
            )
        if kind == "expire":
            expire_at = max(0, int(self.sim.now.timestamp()) + args[1])
            return self.call(
                environment, "update_expiration_for_hit", HITId=hit_id, ExpireAt=expire_at
            )
        if kind == "review":
            return self.call(environment, "update_hit_review_status", HITId=hit_id)
        if kind == "delete":
            return self.call(environment, "delete_hit", HITId=hit_id)
        if kind == "notifications":
            hit_type = self.sim.hits[hit_id].hit_type.hit_type_id
            return self.call(
                environment,
                "update_notification_settings",
                HITTypeId=hit_type,
                Notification={
                    "Destination": QUEUE,
                    "Transport": "SQS",
                    "Version": "2014-08-15",
                    "EventTypes": ["AssignmentSubmitted", "AssignmentApproved", "HITReviewable"],
                },
                Active=True,
            )
        return (
            self.call(environment, "get_hit", HITId=hit_id),
            self.call(environment, "list_assignments_for_hit", HITId=hit_id),
        )


# A lifecycle with something of everything: every write of every step is made to fail.
SCRIPT = [
    ("create", "production", 2, "0.50", 0, "known"),
    ("notifications", 0),
    ("create", "production", 2, "0.50", 86400, "plurality"),
    ("accept", 0, 0),
    ("accept", 1, 0),
    ("submit", 0, "cat"),
    ("submit", 1, "dog"),
    ("accept", 0, 1),
    ("accept", 1, 1),
    ("submit", 2, "cat"),
    ("submit", 3, "dog"),
    ("override", 1),
    ("bonus", 0, "0.25"),
    ("accept", 2, 1),
    ("return", 4),
    ("extend", 1, 1),
    ("expire", 1, -10),
    ("review", 0),
    ("qualify", 1),
    ("request", 2),
    ("block", 0),
    ("message", 1),
    ("test_event",),
    ("advance", 86401),
    ("delete", 0),
]


FAULT = "We are temporarily unable to process your request. Try your call again."


def dump_without_requests(taken: Any) -> Any:
    """A dump taken in full, with the request-ID stream's position left out (the failed
    call's own answer draws a RequestId after the undo)."""
    service, workers = taken
    return (_drop_field(service, "_requests"), workers)


def _drop_field(value: Any, name: str) -> Any:
    if not isinstance(value, tuple):
        return value
    if (
        len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], tuple)
        and all(isinstance(item, tuple) and len(item) == 2 for item in value[1])
        and all(isinstance(item[0], str) for item in value[1])
    ):
        return (value[0], tuple((k, _drop_field(v, name)) for k, v in value[1] if k != name))
    return tuple(_drop_field(item, name) for item in value)
