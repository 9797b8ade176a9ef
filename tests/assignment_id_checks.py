"""The invariants of reissued AssignmentIds, checked by the state-machine and fuzz suites.

MTurk hands a returned or abandoned slot's AssignmentId to the next worker who accepts
(psiTurk#184, breadboard#202); these checks hold a simulator to what that implies.
"""

from __future__ import annotations

from pytest_mturk.core.model import AssignmentStatus

GIVEN_BACK = (AssignmentStatus.RETURNED, AssignmentStatus.ABANDONED)


def check_reissued_ids(sim) -> None:
    """Each AssignmentId has one live holder at most, and everything agrees on who."""
    for state in (sim.sandbox._state, sim.production._state):
        holders: dict[str, list] = {}
        for holding in state.holdings:
            holders.setdefault(holding.assignment_id, []).append(holding)
        assert holders.keys() == state.assignments.keys()
        for assignment_id, held in holders.items():
            # Only the last holder may still have it; every earlier one gave it back.
            assert all(h.status in GIVEN_BACK for h in held[:-1]), held
            assert state.assignments[assignment_id] is held[-1]
            assert len({h.hit_id for h in held}) == 1
        for hit in state.hits.values():
            ids = [h.assignment_id for h in state.holdings if h.hit_id == hit.hit_id]
            assert hit.assignment_ids == list(dict.fromkeys(ids))
            free = [i for i in hit.assignment_ids if state.assignments[i].status in GIVEN_BACK]
            assert sorted(hit.free_ids) == sorted(free)
            assert len(set(hit.free_ids)) == len(hit.free_ids)
        for worker in state.workers.values():
            mine = [h.status for h in state.holdings if h.worker_id == worker.worker_id]
            assert worker.returned == mine.count(AssignmentStatus.RETURNED)
            assert worker.abandoned == mine.count(AssignmentStatus.ABANDONED)
        # Money follows the holder who submitted, once per ID.
        rewards = [e for e in state.ledger if e.kind == "reward"]
        assert len({e.assignment_id for e in rewards}) == len(rewards)
        for entry in rewards:
            holder = state.assignments[entry.assignment_id]
            assert (holder.worker_id, holder.status) == (entry.worker_id, AssignmentStatus.APPROVED)
        for entry in state.ledger:
            if entry.kind == "bonus":
                assert state.assignments[entry.assignment_id].worker_id == entry.worker_id
        # The events tell the same story: one AssignmentAccepted per holding, in order,
        # and each later event names the holder of its time.
        events = [e for e in sim.events if e.environment is state.environment and e.assignment_id]
        accepted = [
            (e.assignment_id, e.worker_id) for e in events if e.event_type == "AssignmentAccepted"
        ]
        assert accepted == [(h.assignment_id, h.worker_id) for h in state.holdings]
        current: dict[str, str] = {}
        for event in events:
            if event.event_type == "AssignmentAccepted":
                current[event.assignment_id] = event.worker_id
            else:
                assert current[event.assignment_id] == event.worker_id, event
