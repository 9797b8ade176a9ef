"""``keep_calls``: long runs keep only the latest calls and events, and nothing else changes."""

from __future__ import annotations

from conftest import HIT_ARGS

from pytest_mturk import mturk_sim

WORKER = "A1BOUNDEDLOG0001"
START = "2026-01-05T09:00:00+00:00"


def _run(sim, client, hits: int) -> list[str]:
    made = []
    for _ in range(hits):
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        worker = sim.worker(WORKER)
        assignment = worker.accept(hit_id)
        worker.submit(assignment, {"label": "cat"})
        client.approve_assignment(AssignmentId=assignment)
        made.append(hit_id)
    return made


def test_the_logs_keep_the_latest_calls_and_events_only():
    with mturk_sim(seed="bound", keep_calls=10) as sim:
        client = sim.client()
        lengths = []
        for _ in range(30):
            _run(sim, client, 1)
            lengths.append((len(sim.calls), len(sim.events)))
        assert all(10 <= calls < 20 for calls, _ in lengths[5:])
        assert all(events < 20 for _, events in lengths)
        assert sim.calls[-1].operation == "ApproveAssignment"
        assert sim.events[-1].event_type == "AssignmentApproved"
        assert len(sim.hits) == 30


def test_a_bounded_run_answers_as_an_unbounded_one():
    with mturk_sim(seed="same", start=START) as whole:
        made = _run(whole, whole.client(), 25)
        balance = whole.client().get_account_balance()["AvailableBalance"]
        last = [(c.operation, c.params, c.response) for c in whole.calls[-5:]]
    with mturk_sim(seed="same", start=START, keep_calls=5) as kept:
        assert _run(kept, kept.client(), 25) == made
        assert kept.client().get_account_balance()["AvailableBalance"] == balance
        assert [(c.operation, c.params, c.response) for c in kept.calls[-5:]] == last


def test_the_bound_is_the_runs_not_the_saved_states(tmp_path):
    path = tmp_path / "state.json"
    with mturk_sim(seed="saved", keep_calls=3) as sim:
        _run(sim, sim.client(), 4)
        sim.save(path)
    with mturk_sim(load=path) as loaded:
        assert loaded.settings.keep_calls is None
        _run(loaded, loaded.client(), 4)
        assert len(loaded.calls) > 6
    with mturk_sim(load=path, keep_calls=2) as loaded:
        _run(loaded, loaded.client(), 4)
        assert len(loaded.calls) < 4
