"""Whatever a crowd's settings and whatever the requester does meanwhile, the state stays
consistent: counters match the assignments, one assignment per worker per HIT, blocked
workers never get in, money adds up. ``HYPOTHESIS_PROFILE=long`` runs ten times as many."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from decimal import Decimal

from conftest import HIT_ARGS
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_mturk import AssignmentStatus, mturk_sim

LONG = os.environ.get("HYPOTHESIS_PROFILE") in ("long", "nightly")
START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
HELD = {
    AssignmentStatus.ACCEPTED,
    AssignmentStatus.SUBMITTED,
    AssignmentStatus.APPROVED,
    AssignmentStatus.REJECTED,
}

probability = st.floats(0, 0.4)
knobs = st.fixed_dictionaries(
    {
        "return_rate": probability,
        "abandon_rate": probability,
        "late_rate": probability,
        "work_median": st.floats(0.01, 1.5),
        "work_sigma": st.floats(0, 2),
        "session_hits": st.floats(1, 8),
        "newest_first": st.floats(0, 1),
        "spammers": st.floats(0, 1),
    }
)
requester = st.lists(
    st.sampled_from(["approve", "reject", "extend", "expire", "add", "block", "post", "wait"]),
    max_size=12,
)


@settings(max_examples=100 if LONG else 8, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**16), knobs=knobs, steps=requester)
def test_the_state_stays_consistent(seed, knobs, steps):
    with mturk_sim(seed=seed, start=START, balance="200.00", environment="production") as sim:
        client = sim.client()
        hit_ids = [
            client.create_hit(**{**HIT_ARGS, "LifetimeInSeconds": 7200})["HIT"]["HITId"]
            for _ in range(6)
        ]
        crowd = sim.crowd(size=12, seed=seed, arrivals=90, **knobs)
        blocked: dict[str, dt.datetime] = {}
        for step in steps:
            sim.advance(minutes=20)
            submitted = [
                a for a in sim.assignments.values() if a.status is AssignmentStatus.SUBMITTED
            ]
            if step in ("approve", "reject") and submitted:
                call = client.approve_assignment if step == "approve" else client.reject_assignment
                extra = {} if step == "approve" else {"RequesterFeedback": "no"}
                call(AssignmentId=submitted[0].assignment_id, **extra)
            elif step == "extend":
                client.update_expiration_for_hit(
                    HITId=hit_ids[0], ExpireAt=sim.now + dt.timedelta(hours=2)
                )
            elif step == "expire":
                client.update_expiration_for_hit(HITId=hit_ids[-1], ExpireAt=START)
            elif step == "add":
                client.create_additional_assignments_for_hit(
                    HITId=hit_ids[1], NumberOfAdditionalAssignments=2
                )
            elif step == "block":
                worker_id = crowd.members[len(blocked) % 12].worker_id
                client.create_worker_block(WorkerId=worker_id, Reason="spam")
                blocked.setdefault(worker_id, sim.now)
            elif step == "post":
                hit_ids.append(client.create_hit(**HIT_ARGS)["HIT"]["HITId"])
        sim.advance(hours=3)

        state = sim.production._state
        for hit_id in hit_ids:
            hit = state.hits[hit_id]
            current = Counter(state.assignments[i].status for i in hit.assignment_ids)
            assert hit.pending == current[AssignmentStatus.ACCEPTED]
            assert hit.submitted == current[AssignmentStatus.SUBMITTED]
            assert hit.approved == current[AssignmentStatus.APPROVED]
            assert hit.rejected == current[AssignmentStatus.REJECTED]
            assert len(hit.assignment_ids) <= hit.max_assignments
            holders = [
                a.worker_id for a in state.holdings if a.hit_id == hit_id and a.status in HELD
            ]
            assert len(holders) == len(set(holders))  # one assignment per worker per HIT
        for assignment in state.holdings:
            since = blocked.get(assignment.worker_id)
            assert since is None or assignment.accept_time < since
        paid = -sum(entry.amount for entry in state.ledger)
        assert sim.balance == Decimal("200.00") - paid
        assert sim.available_balance == sim.balance - state.reserved >= 0
        assert sim.internal_errors == []
