"""Assignments through a real boto3 client and simulated workers: counters and statuses
(spec §4.1-§4.3), GetAssignment, ListAssignmentsForHIT, ApproveAssignment, RejectAssignment."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from conftest import (
    ENTITY_ID,
    HIT_ARGS,
    pattern,
    raises_parameter_error,
    raises_request_error,
    raises_validation_exception,
    violation,
)
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pytest_mturk import WorkerActionError, answers_xml, mturk_sim

pytestmark = pytest.mark.mturk(start="2021-07-14T20:00:00+00:00")

WORKERS = [f"A{n:013d}" for n in range(1, 8)]
UNKNOWN = "39RP059MEI9H98SFWSOY5ZGYFKKBM0"


def counters(client, hit_id: str) -> tuple[str, int, int, int, int]:
    """(status, available, pending, submitted-unreviewed, completed), checking the invariant."""
    hit = client.get_hit(HITId=hit_id)["HIT"]
    submitted = client.list_assignments_for_hit(
        HITId=hit_id, AssignmentStatuses=["Submitted"], MaxResults=100
    )["NumResults"]
    available = hit["NumberOfAssignmentsAvailable"]
    pending = hit["NumberOfAssignmentsPending"]
    completed = hit["NumberOfAssignmentsCompleted"]
    if available:  # a live HIT: every slot is in exactly one place
        assert available + pending + submitted + completed == hit["MaxAssignments"]
    else:
        assert pending + submitted + completed <= hit["MaxAssignments"]
    return hit["HITStatus"], available, pending, submitted, completed


@pytest.fixture
def hit_id(make_hit):
    return make_hit(MaxAssignments=5)["HITId"]


@pytest.fixture
def workers(mturk):
    return [mturk.worker(worker_id) for worker_id in WORKERS]


# -- the worked example and the counters (spec §4.2) --------------------------------


def test_worked_example_with_five_assignments(mturk, client, hit_id, workers):
    assert counters(client, hit_id) == ("Assignable", 5, 0, 0, 0)
    held = [workers[i].accept(hit_id) for i in range(3)]
    assert counters(client, hit_id) == ("Assignable", 2, 3, 0, 0)
    held += [workers[i].accept(hit_id) for i in range(3, 5)]
    assert counters(client, hit_id) == ("Unassignable", 0, 5, 0, 0)
    workers[0].submit(held[0], {"q": "a"})
    workers[1].submit(held[1], {"q": "b"})
    assert counters(client, hit_id) == ("Unassignable", 0, 3, 2, 0)
    workers[2].return_(held[2])
    assert counters(client, hit_id) == ("Assignable", 1, 2, 2, 0)
    held[2] = workers[5].accept(hit_id)
    for i in range(2, 5):
        (workers[5] if i == 2 else workers[i]).submit(held[i], {"q": str(i)})
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 5, 0)
    client.approve_assignment(AssignmentId=held[0])
    client.reject_assignment(AssignmentId=held[1], RequesterFeedback="no")
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 3, 2)
    for assignment in held[2:]:
        client.approve_assignment(AssignmentId=assignment)
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 0, 5)


def test_rejection_does_not_reopen_a_slot(client, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, {"q": "a"})
    client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no")
    assert counters(client, hit_id) == ("Assignable", 4, 0, 0, 1)


# -- what a worker may do -------------------------------------------------------------


def test_accept_returns_the_assignment_id(mturk, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    assert isinstance(assignment, str) and len(assignment) == 30
    record = mturk.assignments[assignment]
    assert (record.hit_id, record.worker_id, record.status) == (hit_id, WORKERS[0], "Accepted")


def test_a_worker_cannot_accept_twice_or_a_full_or_expired_hit(mturk, client, make_hit, workers):
    hit_id = make_hit(MaxAssignments=1)["HITId"]
    workers[0].accept(hit_id)
    with pytest.raises(WorkerActionError, match="already has assignment"):
        workers[0].accept(hit_id)
    with pytest.raises(WorkerActionError, match="no assignments available"):
        workers[1].accept(hit_id)
    other = make_hit(Title="other")["HITId"]
    client.update_expiration_for_hit(HITId=other, ExpireAt=0)
    with pytest.raises(WorkerActionError, match="has expired"):
        workers[1].accept(other)
    with pytest.raises(WorkerActionError, match="no HIT"):
        workers[1].accept(UNKNOWN)


def test_invalid_worker_ids_are_refused(mturk):
    for bad in ["a123", "B1234567", "A", "A12-3", "A" + "1" * 64]:
        with pytest.raises(Exception, match="not a valid MTurk worker ID"):
            mturk.worker(bad)


def test_submitted_work_cannot_be_submitted_or_returned_again(hit_id, workers):
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, {"q": "a"})
    with pytest.raises(WorkerActionError, match="no longer in progress"):
        workers[0].submit(assignment, {"q": "b"})
    with pytest.raises(WorkerActionError, match="no longer in progress"):
        workers[0].return_(assignment)
    with pytest.raises(WorkerActionError, match="belongs to worker"):
        workers[1].submit(assignment, {"q": "c"})


# -- visibility: in progress, returned, abandoned (spec §4.3) ------------------------


def test_work_in_progress_is_invisible(mturk, client, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    with raises_request_error(
        mturk,
        client,
        "InvalidAssignmentState",
        "This operation can be called with a status of: Reviewable,Approved,Rejected",
    ):
        client.get_assignment(AssignmentId=assignment)
    assert client.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []
    message = f"Assignment {assignment} does not exist."
    with raises_request_error(mturk, client, "AssignmentDoesNotExist", message):
        client.approve_assignment(AssignmentId=assignment)
    with raises_request_error(mturk, client, "AssignmentDoesNotExist", message):
        client.reject_assignment(AssignmentId=assignment, RequesterFeedback="x")


def test_returned_work_vanishes_and_the_slot_reopens(mturk, client, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    workers[0].return_(assignment)
    assert counters(client, hit_id) == ("Assignable", 5, 0, 0, 0)
    with raises_request_error(
        mturk, client, "AssignmentDoesNotExist", f"Assignment {assignment} does not exist."
    ):
        client.get_assignment(AssignmentId=assignment)
    # The worker may take the HIT again, and the reopened slot keeps its ID.
    assert workers[0].accept(hit_id) == assignment


def test_deadline_passes_and_the_assignment_is_abandoned(mturk, client, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    mturk.advance(seconds=HIT_ARGS["AssignmentDurationInSeconds"] - 1)
    assert counters(client, hit_id) == ("Assignable", 4, 1, 0, 0)
    mturk.advance(seconds=1)
    assert counters(client, hit_id) == ("Assignable", 5, 0, 0, 0)
    assert mturk.assignments[assignment].status == "Abandoned"
    with pytest.raises(WorkerActionError, match="abandoned"):
        workers[0].submit(assignment, {"q": "late"})
    assert [e.event_type for e in mturk.events][-1] == "AssignmentAbandoned"


def test_abandonment_after_expiry_does_not_reopen(mturk, client, make_hit, workers):
    hit_id = make_hit(LifetimeInSeconds=60, AssignmentDurationInSeconds=600)["HITId"]
    assignment = workers[0].accept(hit_id)
    mturk.advance(seconds=60)
    # Expired, but Unassignable while the work is still pending; Reviewable once abandoned.
    assert counters(client, hit_id) == ("Unassignable", 0, 1, 0, 0)
    mturk.advance(seconds=540)
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 0, 0)
    assert mturk.assignments[assignment].status == "Abandoned"


def test_work_accepted_before_expiry_may_still_be_submitted(mturk, client, make_hit, workers):
    hit_id = make_hit(LifetimeInSeconds=60, AssignmentDurationInSeconds=600)["HITId"]
    assignment = workers[0].accept(hit_id)
    mturk.advance(seconds=300)
    workers[0].submit(assignment, {"q": "a"})
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 1, 0)


# -- the assignment structure --------------------------------------------------------


def test_submitted_assignment_structure(mturk, client, hit_id, workers):
    accepted_at = mturk.now
    assignment = workers[0].accept(hit_id)
    mturk.advance(seconds=6)
    workers[0].submit(assignment, {"label": "cat"})
    response = client.get_assignment(AssignmentId=assignment)
    assert response["HIT"] == client.get_hit(HITId=hit_id)["HIT"]
    got = response["Assignment"]
    assert set(got) == {
        "AssignmentId",
        "WorkerId",
        "HITId",
        "AssignmentStatus",
        "AutoApprovalTime",
        "AcceptTime",
        "SubmitTime",
        "Deadline",
        "Answer",
    }
    assert (got["AssignmentId"], got["WorkerId"], got["HITId"]) == (assignment, WORKERS[0], hit_id)
    assert got["AssignmentStatus"] == "Submitted"
    assert got["AcceptTime"] == accepted_at
    assert got["SubmitTime"] == accepted_at + dt.timedelta(seconds=6)
    assert got["Deadline"] == accepted_at + dt.timedelta(seconds=600)
    assert got["AutoApprovalTime"] == got["SubmitTime"] + dt.timedelta(seconds=86400)
    assert got["Answer"] == answers_xml({"label": "cat"})
    assert got["Answer"] == (
        '<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://'
        "mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
        'QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>label</QuestionIdentifier>'
        "<FreeText>cat</FreeText></Answer></QuestionFormAnswers>"
    )


def test_raw_answer_xml_is_kept_as_given(client, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, "<QuestionFormAnswers/>")
    got = client.get_assignment(AssignmentId=assignment)["Assignment"]
    assert got["Answer"] == "<QuestionFormAnswers/>"


def test_get_assignment_unknown_and_malformed(mturk, client):
    with raises_request_error(
        mturk, client, "AssignmentDoesNotExist", f"Assignment {UNKNOWN} does not exist."
    ):
        client.get_assignment(AssignmentId=UNKNOWN)
    with raises_validation_exception(client, pattern("assignmentId", "nope", ENTITY_ID)):
        client.get_assignment(AssignmentId="nope")


# -- ListAssignmentsForHIT -----------------------------------------------------------


def test_list_assignments_filters_by_status(mturk, client, hit_id, workers):
    held = [w.accept(hit_id) for w in workers[:4]]
    for worker, assignment in zip(workers[:3], held[:3], strict=True):
        worker.submit(assignment, {"q": "a"})
    client.approve_assignment(AssignmentId=held[0])
    client.reject_assignment(AssignmentId=held[1], RequesterFeedback="no")

    def listed(**kwargs):
        page = client.list_assignments_for_hit(HITId=hit_id, **kwargs)
        assert page["NumResults"] == len(page["Assignments"])
        return [(a["AssignmentId"], a["AssignmentStatus"]) for a in page["Assignments"]]

    everything = [(held[0], "Approved"), (held[1], "Rejected"), (held[2], "Submitted")]
    assert listed() == everything
    assert listed(AssignmentStatuses=["Submitted", "Approved", "Rejected"]) == everything
    assert listed(AssignmentStatuses=["Approved"]) == [(held[0], "Approved")]
    assert listed(AssignmentStatuses=["Rejected", "Submitted"]) == everything[1:]
    with raises_validation_exception(
        client,
        violation(
            "assignmentStatuses.1.member",
            "'Accepted'",
            "satisfy enum value set: [Submitted, Approved, Rejected]",
        ),
    ):
        client.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Accepted"])


def test_list_assignments_for_unknown_hit(mturk, client):
    with raises_request_error(mturk, client, "HITDoesNotExist", f"Hit {UNKNOWN} does not exist."):
        client.list_assignments_for_hit(HITId=UNKNOWN)


# -- approval and rejection (spec §4.3, §5.10) ---------------------------------------


@pytest.fixture
def submitted(mturk, hit_id, workers):
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, {"q": "a"})
    return assignment


def test_approve_sets_status_time_and_feedback(mturk, client, submitted):
    mturk.advance(minutes=5)
    response = client.approve_assignment(AssignmentId=submitted, RequesterFeedback="Thanks!")
    assert response.keys() == {"ResponseMetadata"}
    got = client.get_assignment(AssignmentId=submitted)["Assignment"]
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == mturk.now
    assert got["RequesterFeedback"] == "Thanks!"
    assert "RejectionTime" not in got


def test_reject_sets_status_time_and_feedback(mturk, client, submitted):
    client.reject_assignment(AssignmentId=submitted, RequesterFeedback="Blank answer")
    got = client.get_assignment(AssignmentId=submitted)["Assignment"]
    assert (got["AssignmentStatus"], got["RequesterFeedback"]) == ("Rejected", "Blank answer")
    assert got["RejectionTime"] == mturk.now
    assert "ApprovalTime" not in got


def test_reject_requires_feedback_client_side(client, submitted):
    with pytest.raises(ParamValidationError):
        client.reject_assignment(AssignmentId=submitted)


def test_decided_assignments_refuse_a_second_decision(mturk, client, hit_id, workers, submitted):
    status_error = "This operation can be called with a status of: Submitted"
    client.approve_assignment(AssignmentId=submitted)
    with raises_request_error(mturk, client, "InvalidAssignmentState", status_error):
        client.approve_assignment(AssignmentId=submitted)
    with raises_request_error(mturk, client, "InvalidAssignmentState", status_error):
        client.reject_assignment(AssignmentId=submitted, RequesterFeedback="too late")
    # Approved is terminal, even with OverrideRejection.
    with raises_request_error(mturk, client, "InvalidAssignmentState", status_error):
        client.approve_assignment(AssignmentId=submitted, OverrideRejection=True)

    rejected = workers[1].accept(hit_id)
    workers[1].submit(rejected, {"q": "b"})
    client.reject_assignment(AssignmentId=rejected, RequesterFeedback="no")
    with raises_request_error(mturk, client, "InvalidAssignmentState", status_error):
        client.reject_assignment(AssignmentId=rejected, RequesterFeedback="again")
    with raises_request_error(mturk, client, "InvalidAssignmentState", status_error):
        client.approve_assignment(AssignmentId=rejected)


def test_override_rejection_within_30_days(mturk, client, hit_id, submitted):
    client.reject_assignment(AssignmentId=submitted, RequesterFeedback="no")
    mturk.advance(days=30)
    client.approve_assignment(AssignmentId=submitted, OverrideRejection=True)
    got = client.get_assignment(AssignmentId=submitted)["Assignment"]
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == mturk.now
    # The HIT expired meanwhile: nothing available, one completed.
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 0, 1)


OVERRIDE_REFUSED = (
    "A rejected assignment can be approved only within 30 days of its submission "
    "and before its HIT is deleted."
)


def test_override_rejection_after_30_days_is_refused(mturk, client, submitted):
    client.reject_assignment(AssignmentId=submitted, RequesterFeedback="no")
    mturk.advance(days=30, seconds=1)
    with raises_request_error(mturk, client, "InvalidAssignmentState", OVERRIDE_REFUSED):
        client.approve_assignment(AssignmentId=submitted, OverrideRejection=True)
    assert mturk.assignments[submitted].status == "Rejected"


def test_override_rejection_after_delete_is_refused(mturk, client, make_hit, workers):
    hit_id = make_hit(MaxAssignments=1)["HITId"]
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, {"q": "a"})
    client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no")
    client.delete_hit(HITId=hit_id)
    with raises_request_error(mturk, client, "InvalidAssignmentState", OVERRIDE_REFUSED):
        client.approve_assignment(AssignmentId=assignment, OverrideRejection=True)


@pytest.mark.parametrize("call", ["approve", "reject"])
def test_requester_feedback_rules(mturk, client, submitted, call):
    def decide(feedback):
        if call == "approve":
            return client.approve_assignment(AssignmentId=submitted, RequesterFeedback=feedback)
        return client.reject_assignment(AssignmentId=submitted, RequesterFeedback=feedback)

    with raises_parameter_error(client):
        decide("x" * 1025)
    with raises_request_error(
        mturk,
        client,
        "InvalidParameterValue",
        "RequesterFeedback contains characters that are not allowed: ASCII control "
        "characters other than tab, line feed and carriage return.",
    ):
        decide("bell\x07")
    assert mturk.assignments[submitted].status == "Submitted"
    decide("é" * 1020 + "\t\n\r!")  # 1,024 characters, multi-byte counted once
    got = client.get_assignment(AssignmentId=submitted)["Assignment"]
    assert got["RequesterFeedback"] == "é" * 1020 + "\t\n\r!"


# -- auto-approval -------------------------------------------------------------------


def test_auto_approval_at_the_auto_approval_time(mturk, client, hit_id, workers, submitted):
    due = client.get_assignment(AssignmentId=submitted)["Assignment"]["AutoApprovalTime"]
    mturk.advance(seconds=86399)
    assert mturk.assignments[submitted].status == "Submitted"
    mturk.advance(hours=5)
    got = client.get_assignment(AssignmentId=submitted)["Assignment"]
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == due
    assert counters(client, hit_id) == ("Reviewable", 0, 0, 0, 1)  # expired meanwhile
    assert [e.event_type for e in mturk.events][-1] == "AssignmentApproved"


def test_zero_auto_approval_delay_approves_at_once(mturk, client, make_hit, workers):
    hit_id = make_hit(AutoApprovalDelayInSeconds=0)["HITId"]
    assignment = workers[0].accept(hit_id)
    workers[0].submit(assignment, {"q": "a"})
    got = client.get_assignment(AssignmentId=assignment)["Assignment"]
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == got["SubmitTime"] == got["AutoApprovalTime"]


def test_rejecting_before_auto_approval_cancels_it(mturk, client, submitted):
    client.reject_assignment(AssignmentId=submitted, RequesterFeedback="no")
    mturk.advance(days=2)
    assert mturk.assignments[submitted].status == "Rejected"


# -- a state machine: random lifecycles keep the counters, statuses and books true ----------


class Lifecycles(RuleBasedStateMachine):
    """Random requester calls, worker actions and time steps in production.

    After every step: each HIT's status follows from its counters, a live HIT's
    slots add up to MaxAssignments, the lists agree with the HITs, and the money
    that left the account is exactly what the ledger records.
    """

    START = Decimal("1000.00")

    def __init__(self):
        super().__init__()
        self.sim = mturk_sim(
            balance=str(self.START), environment="production", start="2021-07-14T20:00:00+00:00"
        ).start()
        self.client = _client()
        self.hit_ids: list[str] = []
        self.held: list[tuple[str, str]] = []  # (worker id, assignment id) in progress
        self.done: list[str] = []  # submitted at some point

    def teardown(self):
        self.sim.stop()

    def _try(self, call, *allowed_codes):
        try:
            call()
        except ClientError as exc:
            turk = exc.response.get("TurkErrorCode", exc.response["Error"]["Code"])
            assert turk.rsplit(".", 1)[-1] in allowed_codes, exc

    @rule(
        assignments=st.integers(1, 12),
        lifetime=st.integers(30, 3 * 86400),
        reward=st.sampled_from(["0.01", "0.50", "1.25"]),
    )
    def create(self, assignments, lifetime, reward):
        args = {**HIT_ARGS, "MaxAssignments": assignments, "LifetimeInSeconds": lifetime}
        args["Reward"] = reward
        hit = self.client.create_hit(**args)["HIT"]
        self.hit_ids.append(hit["HITId"])

    @precondition(lambda self: self.hit_ids)
    @rule(data=st.data(), worker=st.integers(0, 5))
    def accept(self, data, worker):
        hit_id = data.draw(st.sampled_from(self.hit_ids))
        worker_id = f"A{worker:013d}"
        with contextlib.suppress(WorkerActionError):  # full, expired, already held...
            self.held.append((worker_id, self.sim.worker(worker_id).accept(hit_id)))

    @precondition(lambda self: self.held)
    @rule(data=st.data(), give_back=st.booleans())
    def finish(self, data, give_back):
        worker_id, assignment = self.held.pop(data.draw(st.integers(0, len(self.held) - 1)))
        worker = self.sim.worker(worker_id)
        try:
            if give_back:
                worker.return_(assignment)
            else:
                worker.submit(assignment, {"q": "a"})
                self.done.append(assignment)
        except WorkerActionError:
            # Its deadline passed; the ID may since have gone to another worker.
            mine = [a for a in worker.assignments() if a.assignment_id == assignment]
            assert mine[-1].status == "Abandoned"

    @precondition(lambda self: self.done)
    @rule(data=st.data(), how=st.sampled_from(["approve", "reject", "override", "bonus"]))
    def review(self, data, how):
        assignment = data.draw(st.sampled_from(self.done))
        client = self.client
        if how == "approve":
            self._try(
                lambda: client.approve_assignment(AssignmentId=assignment), "InvalidAssignmentState"
            )
        elif how == "reject":
            self._try(
                lambda: client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no"),
                "InvalidAssignmentState",
            )
        elif how == "override":
            self._try(
                lambda: client.approve_assignment(AssignmentId=assignment, OverrideRejection=True),
                "InvalidAssignmentState",
                "InsufficientFunds",
            )
        else:
            worker_id = self.sim.assignments[assignment].worker_id
            self._try(
                lambda: client.send_bonus(
                    WorkerId=worker_id, AssignmentId=assignment, BonusAmount="0.25", Reason="r"
                ),
                "InsufficientFunds",
            )

    @precondition(lambda self: self.hit_ids)
    @rule(data=st.data(), how=st.sampled_from(["expire", "extend", "more", "delete", "review"]))
    def change(self, data, how):
        hit_id = data.draw(st.sampled_from(self.hit_ids))
        client = self.client
        if how == "expire":
            self._try(
                lambda: client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0),
                "HITDoesNotExist",
                "RequestError",
            )
        elif how == "extend":
            when = self.sim.now + dt.timedelta(seconds=data.draw(st.integers(0, 2 * 86400)))
            self._try(
                lambda: client.update_expiration_for_hit(HITId=hit_id, ExpireAt=when),
                "HITDoesNotExist",
                "ParameterValidationError",  # an increment under 60 s or a shortening
                "InsufficientFunds",
                "RequestError",  # the same ExpireAt twice: the implicit idempotency token
            )
        elif how == "more":
            self._try(
                lambda: client.create_additional_assignments_for_hit(
                    HITId=hit_id, NumberOfAdditionalAssignments=data.draw(st.integers(1, 3))
                ),
                "HITDoesNotExist",
                "InvalidMaximumAssignmentsIncrease",
                "InsufficientFunds",
            )
        elif how == "delete":
            self._try(lambda: client.delete_hit(HITId=hit_id), "InvalidHITState")
        else:
            self._try(
                lambda: client.update_hit_review_status(
                    HITId=hit_id, Revert=data.draw(st.booleans())
                ),
                "InvalidHITState",
                "HITDoesNotExist",
            )

    @rule(seconds=st.integers(1, 40 * 86400))
    def wait(self, seconds):
        self.sim.advance(seconds=seconds)

    @invariant()
    def hits_are_consistent(self):
        client = self.client
        live, reviewable, reserved = set(), set(), Decimal("0")
        for hit_id in self.hit_ids:
            hit = client.get_hit(HITId=hit_id)["HIT"]
            record = self.sim.hits[hit_id]
            status = hit["HITStatus"]
            available = hit["NumberOfAssignmentsAvailable"]
            pending = hit["NumberOfAssignmentsPending"]
            completed = hit["NumberOfAssignmentsCompleted"]
            if status == "Disposed":
                assert pending == record.submitted == 0
                continue
            live.add(hit_id)
            if status == "Reviewable":
                reviewable.add(hit_id)
            expected = (
                "Assignable"
                if available
                else "Unassignable"
                if pending  # expired or not: work in progress keeps it out of review
                else ("Reviewing" if status == "Reviewing" else "Reviewable")
            )
            assert status == expected
            slots = available + pending + record.submitted + completed
            if record.expired:
                assert available == 0 and slots <= hit["MaxAssignments"]
            else:
                assert slots == hit["MaxAssignments"]
            per_slot = Decimal(hit["Reward"]) + record.fee
            reserved += (available + pending + record.submitted) * per_slot
        listed = self.client.get_paginator("list_hits").paginate().build_full_result()["HITs"]
        assert {h["HITId"] for h in listed} == live
        listed = self.client.list_reviewable_hits(MaxResults=100)["HITs"]
        assert {h["HITId"] for h in listed} == reviewable
        books = self.sim.production
        assert books.reserved == reserved
        assert books.balance - sum(e.amount for e in books.ledger) == self.START
        assert books.available_balance >= 0


_clients: list = []


def _client():
    # One client for every run: making one costs far more than a run of steps.
    if not _clients:
        _clients.append(boto3.client("mturk", region_name="us-east-1"))
    return _clients[0]


NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
TestLifecycles = Lifecycles.TestCase
TestLifecycles.settings = settings(
    max_examples=int(os.environ.get("MTURK_FUZZ_EXAMPLES", 500 if NIGHTLY else 25)),
    stateful_step_count=30,
    deadline=None,
    database=None,
    # The same runs every time (no flaky CI); MTURK_FUZZ_SEED=random explores anew.
    derandomize=not NIGHTLY and os.environ.get("MTURK_FUZZ_SEED") != "random",
)
