"""The control API (through its Python client, ServerControl) and the mturk_server fixture."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import HIT_ARGS
from server_helpers import client

from pytest_mturk import ServerControlError, Simulator
from pytest_mturk.doors.http import backend as http_backend
from pytest_mturk.faces.threaded import ThreadServer

WORKER = "A1B2C3D4E5F6G7"
UTC = dt.timezone.utc


@pytest.fixture
def server():
    with ThreadServer(Simulator(seed=5, balance="100.00"), shared=False) as running:
        yield running


@pytest.fixture
def control(server):
    return server.control


def test_a_worker_accepts_submits_and_returns(server, control):
    mturk = client(server.endpoint_url)
    hit_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    first = control.accept(WORKER, hit_id)
    control.return_(WORKER, first)
    again = control.accept("A2OTHERWORKER", hit_id)
    assert again == first  # as on MTurk, a returned slot keeps its AssignmentId
    control.submit("A2OTHERWORKER", again, {"label": "cat"})
    assignment = mturk.get_assignment(AssignmentId=again)["Assignment"]
    assert assignment["AssignmentStatus"] == "Submitted"
    assert "cat" in assignment["Answer"]


def test_an_impossible_worker_action_is_refused_with_the_reason(server, control):
    hit_id = client(server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assignment_id = control.accept(WORKER, hit_id)
    with pytest.raises(ServerControlError) as refused:
        control.accept(WORKER, hit_id)
    assert refused.value.status == 400
    assert f"already has assignment {assignment_id}" in str(refused.value)
    with pytest.raises(ServerControlError, match="no HIT"):
        control.accept(WORKER, "3" * 30)


def test_advancing_the_clock_fires_auto_approval(server, control):
    mturk = client(server.endpoint_url)
    hit_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assignment_id = control.accept(WORKER, hit_id)
    control.submit(WORKER, assignment_id)
    before = dt.datetime.fromisoformat(control.now())
    after = dt.datetime.fromisoformat(control.advance(days=2))
    assert after - before == dt.timedelta(days=2)
    status = mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]
    assert status == "Approved"
    with pytest.raises(ServerControlError):
        control.advance(seconds=-1)
    with pytest.raises(ServerControlError, match="past the year 9999") as too_far:
        control.advance(days=5_000_000)
    assert too_far.value.status == 400
    assert control.now() == after.isoformat()


def test_state_reads_show_both_worlds_and_each_one(server, control):
    client(server.endpoint_url).create_hit(**HIT_ARGS)
    production = client(server.production_endpoint_url)
    hit_id = production.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    control.worker(WORKER, locale="US-CA")
    assignment_id = control.accept(WORKER, hit_id)
    control.submit(WORKER, assignment_id)
    # Only a worker who has worked for you can be notified.
    production.approve_assignment(AssignmentId=assignment_id)
    production.notify_workers(Subject="Hi", MessageText="Thanks", WorkerIds=[WORKER])
    assert len(control.hits()) == 2
    assert [h["HITId"] for h in control.hits("production")] == [hit_id]
    calls = [c["operation"] for c in control.calls("production")]
    assert calls == ["CreateHIT", "ApproveAssignment", "NotifyWorkers"]
    assert [e["event_type"] for e in control.events("sandbox")] == ["HITCreated"]
    assert [a["HITId"] for a in control.assignments("production")] == [hit_id]
    messages = control.state("messages")
    assert [(m["worker_id"], m["subject"]) for m in messages] == [(WORKER, "Hi")]
    balance = control.state("balance", "production")["production"]
    # One assignment paid (0.50 and the 20% fee), two more reserved.
    assert (balance["balance"], balance["available_balance"]) == ("99.40", "98.20")
    with pytest.raises(ServerControlError) as unknown:
        control.state("hits", "elsewhere")
    assert unknown.value.status == 400


def test_reset_starts_again_with_the_seed_given(server, control):
    mturk = client(server.endpoint_url)
    mturk.create_hit(**HIT_ARGS)
    assert control.reset(seed=11)["seed"] == 11
    assert control.hits() == []
    with Simulator(seed=11) as sim:
        expected = sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assert mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"] == expected


def test_a_snapshot_loads_back_exactly(server, control):
    mturk = client(server.endpoint_url)
    kept = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    snapshot = control.snapshot()
    next_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    control.load(snapshot)
    assert [h["HITId"] for h in control.hits()] == [kept]
    # The IDs still to come came back with it.
    assert mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"] == next_id
    with pytest.raises(ServerControlError):
        control.load({"format": "something else"})


def test_unknown_control_paths_get_404(control):
    with pytest.raises(ServerControlError) as get:
        control.request("GET", "nothing")
    with pytest.raises(ServerControlError) as post:
        control.request("POST", "workers/A1/dance", {})
    assert (get.value.status, post.value.status) == (404, 404)


def test_a_real_clock_follows_the_wall_clock(monkeypatch):
    wall = [dt.datetime(2030, 1, 1, 12, tzinfo=UTC)]
    monkeypatch.setattr(http_backend, "wall_time", lambda: wall[0])
    simulator = Simulator(start="2026-01-01T00:00:00+00:00")
    with ThreadServer(simulator, shared=False, clock="real") as running:
        assert running.control.now() == "2026-01-01T00:00:00+00:00"
        wall[0] += dt.timedelta(hours=2)
        assert running.control.now() == "2026-01-01T02:00:00+00:00"
        running.control.advance(days=1)  # moves on from there, and keeps following
        wall[0] += dt.timedelta(minutes=1)
        assert running.control.now() == "2026-01-02T02:01:00+00:00"
    with ThreadServer(Simulator(start="2026-01-01T00:00:00+00:00"), shared=False) as frozen:
        wall[0] += dt.timedelta(hours=2)
        assert frozen.control.now() == "2026-01-01T00:00:00+00:00"


def test_the_fixture_shares_the_test_simulator(mturk, mturk_server):
    assert mturk_server.endpoint_url == mturk_server.url
    assert mturk_server.production_endpoint_url == mturk_server.url + "production/"
    over_http = client(mturk_server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
    in_process = mturk.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assert set(mturk.hits) == {over_http, in_process}
    assert {h["HITId"] for h in mturk_server.control.hits()} == {over_http, in_process}
    assignment_id = mturk.worker(WORKER).accept(over_http)
    assert mturk_server.control.assignments()[0]["AssignmentId"] == assignment_id
    with pytest.raises(ServerControlError) as refused:
        mturk_server.control.reset()
    assert refused.value.status == 409


FIXTURE_SUITE = """
import boto3

def test_uses_the_server(mturk, mturk_server):
    mturk_client = boto3.client(
        "mturk", endpoint_url=mturk_server.production_endpoint_url, region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="secret",
    )
    assert mturk_client.get_account_balance()["AvailableBalance"] == "10000.00"
    calls = [(c.operation, c.environment.value) for c in mturk.calls]
    assert calls == [("GetAccountBalance", "production")]
"""


def test_the_fixture_in_a_users_suite(pytester):
    pytester.makepyfile(test_suite=FIXTURE_SUITE)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
