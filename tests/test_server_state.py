"""``--state FILE``: what a client was told succeeded survives SIGKILL, and IDs carry on."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import pytest
from conftest import HIT_ARGS
from journal_helpers import rechain
from server_helpers import ServerProcess, client

from pytest_mturk import Simulator, StateFileError
from pytest_mturk.core.model import Environment
from pytest_mturk.doors.http import StateFile
from pytest_mturk.faces.threaded import ServedSimulator, open_state

WORKER = "A1B2C3D4E5F6G7"
START = "2026-03-01T09:00:00+00:00"


def drive(sandbox, production, control):
    """A day's work in both worlds; every ID and amount the clients were told."""
    told = {"hits": [], "assignments": {}, "bonuses": []}
    for world in (sandbox, production):
        for _ in range(3):
            told["hits"].append(world.create_hit(**HIT_ARGS)["HIT"]["HITId"])
    for index, hit_id in enumerate(told["hits"]):
        assignment_id = control.accept(WORKER, hit_id)
        control.submit(WORKER, assignment_id, None)
        world = sandbox if index < 3 else production
        if index % 2:
            world.approve_assignment(AssignmentId=assignment_id)
            told["assignments"][assignment_id] = "Approved"
        else:
            told["assignments"][assignment_id] = "Submitted"
    approved = [a for a, status in told["assignments"].items() if status == "Approved"]
    production.send_bonus(
        WorkerId=WORKER, BonusAmount="1.25", AssignmentId=approved[-1], Reason="Thanks",
        UniqueRequestToken="bonus-1",
    )  # fmt: skip
    told["bonuses"].append(approved[-1])
    control.advance(hours=1)
    told["now"] = control.now()
    told["balance"] = production.get_account_balance()["AvailableBalance"]
    return told


def check(sandbox, production, control, told):
    assert control.now() == told["now"]
    assert sorted(h["HITId"] for h in control.hits()) == sorted(told["hits"])
    statuses = {a["AssignmentId"]: a["AssignmentStatus"] for a in control.assignments()}
    assert statuses == told["assignments"]
    bonuses = production.list_bonus_payments(AssignmentId=told["bonuses"][0])["BonusPayments"]
    assert [b["BonusAmount"] for b in bonuses] == ["1.25"]
    assert production.get_account_balance()["AvailableBalance"] == told["balance"]


def test_sigkill_loses_nothing_acknowledged_and_ids_carry_on(tmp_path):
    state = str(tmp_path / "state.json")
    with ServerProcess("--state", state, "--seed", "4", "--start", START) as first:
        sandbox, production = client(first.url), client(first.production_url)
        told = drive(sandbox, production, first.control())
        first.kill()
    with ServerProcess("--state", state, "--seed", "4") as second:
        sandbox, production = client(second.url), client(second.production_url)
        check(sandbox, production, second.control(), told)
        after_restart = sandbox.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    # The same requests to a server that never stopped give the same next ID.
    with ServerProcess("--seed", "4", "--start", START) as unbroken:
        sandbox, production = client(unbroken.url), client(unbroken.production_url)
        drive(sandbox, production, unbroken.control())
        assert sandbox.create_hit(**HIT_ARGS)["HIT"]["HITId"] == after_restart


# -- the files, in process -------------------------------------------------------------


OPENED: list[StateFile] = []


@pytest.fixture(autouse=True)
def _release():
    yield
    while OPENED:
        OPENED.pop().release()


def open_store(path, settings, **kwargs):
    backend = open_state(path, settings, **kwargs)
    OPENED.append(backend.journal)
    return backend.journal, backend.face.simulator


def open_backend(path, **kwargs):
    backend = open_state(path, {"seed": 2, "start": START}, **kwargs)
    OPENED.append(backend.journal)
    return backend.journal, backend


def create(backend, n=1):
    ids = []
    for _ in range(n):
        outcome = backend.call(Environment.SANDBOX, "CreateHIT", dict(HIT_ARGS), "AKIDEXAMPLE00000")
        ids.append(outcome.call.response["HIT"]["HITId"])
    return ids


def reopen_ids(path):
    store, simulator = open_store(path, {"seed": 2})
    return sorted(simulator.hits), store, simulator


def test_a_last_line_cut_short_was_never_acknowledged(tmp_path):
    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    ids = create(backend, 3)
    with open(str(path) + ".journal", "ab") as journal:
        journal.write(b'{"k":"call","t":1,"n":4,"e":"sandbox","o":"Cre')  # killed mid-write
    assert reopen_ids(path)[0] == sorted(ids)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda lines: lines.__setitem__(2, b"{broken"), "line 3 is damaged"),
        (lambda lines: lines.__delitem__(2), "where action 2 was expected"),
        (lambda lines: lines.__setitem__(0, b'{"format": "else"}'), "not a pytest-mturk journal"),
        (lambda lines: lines.__setitem__(2, b"[1]"), "line 3 is damaged .it has no checksum"),
    ],
)
def test_damage_inside_the_journal_is_reported(tmp_path, damage, problem):
    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    create(backend, 3)
    journal = tmp_path / "state.json.journal"
    lines = journal.read_bytes().split(b"\n")
    damage(lines)
    journal.write_bytes(b"\n".join(lines))
    with pytest.raises(StateFileError, match=problem):
        open_store(path, {})


def test_a_missing_or_foreign_journal_is_reported(tmp_path):
    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    create(backend)
    other, simulator = open_store(tmp_path / "other.json", {"seed": 3, "start": START})
    create(ServedSimulator(simulator).serve(journal=other), 2)
    shutil.copy(tmp_path / "other.json.journal", tmp_path / "state.json.journal")
    with pytest.raises(StateFileError, match="no journal of the snapshot"):
        open_store(path, {})
    os.remove(tmp_path / "state.json.journal")
    with pytest.raises(StateFileError, match="no journal of the snapshot"):
        open_store(path, {})


def test_a_replay_that_gives_other_ids_is_reported(tmp_path):
    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    create(backend)
    journal = tmp_path / "state.json.journal"
    lines = journal.read_bytes().split(b"\n")
    record = json.loads(lines[1].rpartition(b"\t")[0])
    record["r"] = "00000000-0000-0000-0000-000000000000"
    lines[1] = json.dumps(record).encode() + b"\t"
    journal.write_bytes(b"\n".join(rechain(lines)))
    with pytest.raises(StateFileError, match="replaying line 2 gave"):
        open_store(path, {})


def test_a_crash_between_the_two_renames_of_a_snapshot_is_recovered(tmp_path):
    path = tmp_path / "state.json"
    store, backend = open_backend(path)
    ids = create(backend, 2)
    old_journal = (tmp_path / "state.json.journal").read_bytes()
    store.rebase(backend.snapshot())
    # As if the process died after the snapshot's rename, before the journal's.
    os.replace(tmp_path / "state.json.journal", tmp_path / "state.json.journal.next")
    (tmp_path / "state.json.journal").write_bytes(old_journal)
    found, store, simulator = reopen_ids(path)
    assert found == sorted(ids)
    assert not (tmp_path / "state.json.journal.next").exists()


def test_snapshots_are_taken_as_the_journal_grows(tmp_path):
    path = tmp_path / "state.json"
    store, backend = open_backend(path, every=3)
    ids = create(backend, 7)
    store._wait_for_child()  # a snapshot written by a child process meanwhile
    journal = (tmp_path / "state.json.journal").read_bytes().split(b"\n")
    with Simulator(load=path) as loaded:
        # The snapshot is an ordinary saved state; the journal holds what came after.
        assert len(loaded.hits) >= 3
        assert len(loaded.hits) + len(journal) - 2 == 7
    assert reopen_ids(path)[0] == sorted(ids)


def test_actions_run_while_a_snapshot_is_written_are_kept(tmp_path):
    path = tmp_path / "state.json"
    store, backend = open_backend(path, every=4)
    ids = create(backend, 41)  # snapshots begun every 4 actions, while actions go on
    store.release()  # as a crash leaves it
    assert reopen_ids(path)[0] == sorted(ids)


def test_without_fork_a_snapshot_is_written_in_place(tmp_path):
    path = tmp_path / "state.json"
    store, backend = open_backend(path, every=3)
    store.fork = False
    ids = create(backend, 7)
    journal = (tmp_path / "state.json.journal").read_bytes().split(b"\n")
    assert len(journal) == 3  # the header, one action, and the end of the last line
    with Simulator(load=path) as loaded:
        assert len(loaded.hits) == 6
    assert reopen_ids(path)[0] == sorted(ids)


def test_a_restart_carries_on_with_the_same_ids(tmp_path):
    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    create(backend, 2)
    backend.accept(WORKER, sorted(backend.face.simulator.hits)[0])
    backend.advance(dt.timedelta(minutes=5))
    _, again = open_backend(path)
    _, same = open_backend(tmp_path / "copy.json")
    create(same, 2)
    same.accept(WORKER, sorted(same.face.simulator.hits)[0])
    same.advance(dt.timedelta(minutes=5))
    assert create(again, 1) == create(same, 1)


def test_load_is_only_for_a_new_state_file(tmp_path):
    path = tmp_path / "state.json"
    open_backend(path)
    with pytest.raises(Exception, match="already holds a simulation"):
        open_store(path, {}, load=str(path))


def test_the_command_reports_a_damaged_state_file(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "state.json"
    _, backend = open_backend(path)
    create(backend, 2)
    journal = tmp_path / "state.json.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[1] = b"{damaged"
    journal.write_bytes(b"\n".join(lines))
    done = subprocess.run(
        [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", "--state", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "line 2 is damaged" in done.stderr
    assert done.stdout == ""  # it never started serving


def test_a_clean_stop_leaves_a_snapshot_and_an_empty_journal(tmp_path):
    state = tmp_path / "state.json"
    with ServerProcess("--state", str(state), "--seed", "4") as first:
        hit_id = client(first.url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
        assert first.stop() == 0  # SIGTERM
    journal = (tmp_path / "state.json.journal").read_bytes().splitlines()
    assert len(journal) == 1  # the header: every action is in the snapshot
    with Simulator(load=state) as saved:
        assert list(saved.hits) == [hit_id]
    with ServerProcess("--state", str(state)) as second:
        assert client(second.url).get_hit(HITId=hit_id)["HIT"]["HITId"] == hit_id


def test_the_call_log_is_bounded_by_keep_calls(tmp_path):
    state = str(tmp_path / "state.json")
    with ServerProcess("--state", state, "--keep-calls", "5") as server:
        sandbox = client(server.url)
        for _ in range(12):
            sandbox.get_account_balance()
        sandbox.create_hit(**HIT_ARGS)
        calls = server.control().calls()
        assert 5 <= len(calls) < 10  # the latest 5 at least, and never twice as many
        assert calls[-1]["operation"] == "CreateHIT"
        server.kill()
    with ServerProcess("--state", state, "--keep-calls", "5") as again:
        assert [call["operation"] for call in again.control().calls()] == [
            call["operation"] for call in calls
        ]
    with ServerProcess("--keep-calls", "0") as unbounded:
        sandbox = client(unbounded.url)
        for _ in range(12):
            sandbox.get_account_balance()
        assert len(unbounded.control().calls()) == 12


def test_a_negative_keep_calls_is_refused(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", "--keep-calls", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--keep-calls takes a number of calls" in done.stderr


def test_any_string_accepted_is_written_and_read_back(tmp_path):
    """A lone surrogate in a request: its journal line, the snapshot and sim.save() all
    hold it (they are ASCII JSON), and a restart gives it back."""
    path = tmp_path / "state.json"
    store, backend = open_backend(path)
    title = "x\ud800y"
    outcome = backend.call(
        Environment.SANDBOX, "CreateHIT", {**HIT_ARGS, "Title": title}, "AKIDEXAMPLE00000"
    )
    hit_id = outcome.call.response["HIT"]["HITId"]
    store.release()  # as a crash leaves it: the journal holds the call
    _, simulator = open_store(path, {})
    assert simulator.hits[hit_id].hit_type.title == title
    simulator.save(tmp_path / "saved.json")
    with Simulator(load=tmp_path / "saved.json") as loaded:
        assert loaded.hits[hit_id].hit_type.title == title


def test_a_snapshot_that_cannot_be_written_loses_nothing(tmp_path, capfd):
    path = tmp_path / "state.json"
    store, backend = open_backend(path, every=3)

    def broken():
        raise OSError("no space left")

    backend.face.snapshot = broken  # what the forked child runs
    ids = create(backend, 4)
    store._wait_for_child()
    assert "could not be written" in capfd.readouterr().err
    store.release()
    assert reopen_ids(path)[0] == sorted(ids)


def test_a_fork_refused_by_the_system_loses_nothing(tmp_path, capfd, monkeypatch):
    path = tmp_path / "state.json"
    store, backend = open_backend(path, every=3)

    def refused():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", refused)
    ids = create(backend, 4)  # the call that makes a snapshot due is answered all the same
    assert "no snapshot of" in capfd.readouterr().err
    monkeypatch.undo()
    store.release()
    assert reopen_ids(path)[0] == sorted(ids)


@pytest.mark.parametrize("fork", [True, False])
def test_the_state_files_are_the_servers_users_alone_whatever_the_umask(tmp_path, fork):
    # They hold workers' answers and IDs: a server started with a permissive umask
    # (a hand-run restore, a shell's 022) still writes them for its own user only.
    path = tmp_path / "state.json"
    before = os.umask(0o022)
    try:
        store, backend = open_backend(path, every=3)
        store.fork = fork
        create(backend, 7)  # the journal, then snapshots and new journals
        store._wait_for_child()
    finally:
        os.umask(before)
    made = sorted(p for p in tmp_path.iterdir() if p.name.startswith("state.json"))
    assert [p.name for p in made] == ["state.json", "state.json.journal"]
    assert {oct(p.stat().st_mode & 0o777) for p in made} == {"0o600"}
