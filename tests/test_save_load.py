"""Saving a simulator's state to a file and starting another from it.

A loaded simulator must answer every later call exactly as the original would
have: the property test runs a random prefix of calls (requester calls of all
39 operations, worker actions, time, faults, inbox reads) on a copy of the fuzz
world, saves, loads, runs the same random suffix on both and compares every
answer and the final state. Bad files get a clear error, and nothing half-loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
import test_fuzz_operations as fuzz
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from conftest import HIT_ARGS
from fuzz_inputs import ABSENT, QUEUE, TEMPLATES, Ref, base_call, ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_mturk
from pytest_mturk import Simulator, StateFileError, UsageError, WorkerActionError, mturk_sim
from pytest_mturk.core.clock import Clock, Scheduler
from pytest_mturk.core.ids import IdGenerator
from pytest_mturk.doors import stack
from pytest_mturk.faces import persist
from pytest_mturk.faces.persist import format as saved_format

PROFILES = {"ci": 12, "long": 120, "nightly": 400}
EXAMPLES = PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), 12)


# -- helpers -------------------------------------------------------------------------


def document(sim: Simulator) -> dict[str, Any]:
    """The state as the file format writes it, less what names the file or the version."""
    profiles = {worker_id: handle.profile for worker_id, handle in sim._workers.items()}
    doc = json.loads(json.dumps(persist.document(sim._service, profiles)))
    del doc["settings"]["load"], doc["saved_by"]
    return doc


def dump(state) -> Any:
    """Every field of every record of one environment, caches of wire forms left out."""
    for hit_type in state.hit_types.values():
        hit_type.templates.clear()
    for hit in state.hits.values():
        hit.hit_type.templates.clear()
    return fuzz._dump(state)


def views(sim: Simulator) -> dict[str, Any]:
    """What a user reads of a simulator, through its public views."""
    return {
        "hits": {key: repr(hit) for key, hit in sim.hits.items()},
        "assignments": {key: repr(a) for key, a in sim.assignments.items()},
        "workers": {key: repr(w) for key, w in sim.workers.items()},
        "types": {key: repr(q.__dict__) for key, q in sim.qualification_types.items()},
        "calls": [
            (c.operation, c.environment, c.params, c.time, c.response)
            + ((c.error.type, c.error.code, c.error.message, c.error.status) if c.error else ())
            for c in sim.calls
        ],
        "events": sim.events,
        "notifications": sim.notifications,
        "messages": sim.messages,
        "money": [
            (v.balance, v.available_balance, v.ledger) for v in (sim.sandbox, sim.production)
        ],
        "now": sim.now,
        "worker handles": {key: handle.profile for key, handle in sim._workers.items()},
    }


def copy_of(world: fuzz.World) -> Simulator:
    """A fresh, inactive copy of the fuzz world."""
    return Simulator._copy_of(world.sim, seed="fuzz", start=fuzz.START, balance="1000.00")


def saved_and_loaded(sim: Simulator, tmp_path: Path, **settings: Any) -> Simulator:
    path = tmp_path / "state.json"
    sim.save(path)
    return Simulator(load=path, **settings)


# -- the fuzz world, saved and loaded -------------------------------------------------


@pytest.fixture(scope="module")
def world():
    built = fuzz.World()
    built.sim.stop()
    return built


def test_a_loaded_simulator_holds_exactly_what_was_saved(world, tmp_path):
    original = copy_of(world)
    loaded = saved_and_loaded(original, tmp_path)
    assert document(loaded) == document(original)
    assert views(loaded) == views(original)
    for environment in ("sandbox", "production"):
        mine, theirs = getattr(loaded, environment)._state, getattr(original, environment)._state
        assert dump(mine) == dump(theirs)
    # Saved again, the file is the same, but for the file it was loaded from.
    again = tmp_path / "again.json"
    loaded.save(again)
    first = json.loads((tmp_path / "state.json").read_text())
    second = json.loads(again.read_text())
    assert second["settings"].pop("load") == str(tmp_path / "state.json")
    assert first["settings"].pop("load") is None
    assert first == second


def test_the_file_is_readable_json_with_the_records_in_it(world, tmp_path):
    path = tmp_path / "world.json"
    world.sim.save(path)
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["format"] == "pytest-mturk simulator state" and doc["version"] == 1
    assert doc["saved_by"] == f"pytest-mturk {pytest_mturk.__version__}"
    production = doc["environments"]["production"]
    hit_id = world.ids["hit", "assignable"]
    hit = production["records"]["HIT"][hit_id]
    assert hit["hit_type"] == world.ids["hit_type", "notified"]
    assert hit["status"] == "Assignable" and "cache" not in hit
    assert production["state"]["hits"][hit_id] == hit_id
    assert production["state"]["balance"] == str(world.sim.production.balance)
    assert {entry["action"] for entry in doc["schedule"]["entries"]} <= {
        "hit-expiry",
        "hit-disposal",
        "assignment-deadline",
        "auto-approval",
        "qualification-type-deletion",
    }
    # A record per line, for people and for diffs.
    lines = [line.rstrip(",") for line in text.splitlines()]
    assert f'"{hit_id}":{json.dumps(hit, separators=(",", ":"))}' in lines
    assert text.count("\n") > 100


# -- the property: a loaded simulator answers as the original would ------------------

ENVIRONMENTS = st.sampled_from(["production", "production", "production", "sandbox"])
calls = st.sampled_from(sorted(TEMPLATES)).flatmap(
    lambda operation: st.tuples(
        st.just("call"), st.just(operation), ENVIRONMENTS, base_call(operation)
    )
)
worker_steps = st.one_of(
    st.tuples(st.just("accept"), ref("worker"), ref("hit")),
    st.tuples(st.just("submit"), ref("assignment"), st.sampled_from(["cat", "dog", ""])),
    st.tuples(st.just("return"), ref("assignment")),
    st.tuples(st.just("request"), ref("worker"), ref("qual_type")),
)
other_steps = st.one_of(
    st.tuples(
        st.just("advance"), st.sampled_from([1, 31, 601, 3601, 86400, 3 * 86400, 31 * 86400])
    ),
    st.tuples(
        st.just("fault"),
        st.sampled_from(["CreateHIT", "GetHIT", "ListHITs", "SendBonus", "ApproveAssignment"]),
        st.sampled_from(["service_fault", "throttled", "lost"]),
    ),
    st.tuples(st.just("receive"), st.integers(0, 2)),
)
steps = st.lists(st.one_of(calls, calls, worker_steps, other_steps), min_size=1, max_size=24)


class Runner:
    """Runs steps against one simulator, turning every answer into comparable data."""

    def __init__(self, world: fuzz.World, sim: Simulator) -> None:
        self.world = world
        self.sim = sim
        session = boto3.session.Session(
            aws_access_key_id="AKIDSAVELOAD0000", aws_secret_access_key="SECRET"
        )
        # No retries: a fault's answer shows at once, without botocore's back-off sleeps.
        config = botocore.config.Config(retries={"total_max_attempts": 1})
        self.clients = {
            "production": session.client("mturk", region_name="us-east-1", config=config),
            "sandbox": session.client("mturk", region_name="sandbox", config=config),
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            if value.kind == "time":
                return int(self.sim.now.timestamp()) + int(value.name)
            return self.world.ids[value.kind, value.name]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items() if v is not ABSENT}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def run(self, step: tuple[Any, ...]) -> Any:
        with self.sim:
            try:
                return self._run(step)
            except WorkerActionError as exc:
                return ("refused", str(exc))
            except ClientError as exc:
                return ("error", exc.response)
            except BotoCoreError as exc:
                return ("botocore", type(exc).__name__)

    def _run(self, step: tuple[Any, ...]) -> Any:  # noqa: C901 - one case per step
        kind, *args = step
        sim = self.sim
        if kind == "call":
            operation, environment, params = args
            method = getattr(self.clients[environment], xform_name(operation))
            return method(**self.resolve(params))
        if kind == "accept":
            return sim.worker(self.resolve(args[0])).accept(self.resolve(args[1]))
        if kind in ("submit", "return"):
            assignment_id = self.resolve(args[0])
            record = sim.assignments.get(assignment_id)
            worker = sim.worker(record.worker_id if record else fuzz.WORKERS["busy"])
            if kind == "submit":
                return worker.submit(assignment_id, {"label": args[1]})
            return worker.return_(assignment_id)
        if kind == "request":
            request = sim.worker(self.resolve(args[0])).request_qualification(
                self.resolve(args[1]), {"q1": "a"}
            )
            return dataclasses.asdict(request)
        if kind == "advance":
            return sim.advance(seconds=args[0])
        if kind == "fault":
            return sim.fail_next(args[0], args[1])
        if kind == "receive":
            return sim.register_destination(QUEUE).receive(args[0])
        raise AssertionError(step)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "nightly",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(prefix=steps, suffix=steps)
def test_a_loaded_simulator_answers_every_later_call_as_the_original_would(world, prefix, suffix):
    original = copy_of(world)
    runner = Runner(world, original)
    for step in prefix:
        runner.run(step)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        original.save(path)
        loaded = Simulator(load=path)
    assert document(loaded) == document(original)
    twin = Runner(world, loaded)
    for number, step in enumerate(suffix):
        expected, got = runner.run(step), twin.run(step)
        assert got == expected, f"step {number} of the suffix, {step}"
    assert views(loaded) == views(original)
    assert document(loaded) == document(original)
    assert loaded.internal_errors == original.internal_errors == []


def test_pending_transitions_fire_after_loading(tmp_path):
    with mturk_sim(seed=5, start="2026-01-05T09:00:00+00:00") as sim:
        client = sim.client()
        hit_id = client.create_hit(**{**HIT_ARGS, "AutoApprovalDelayInSeconds": 3600})["HIT"][
            "HITId"
        ]
        late, done = sim.worker("A1LATE"), sim.worker("A2DONE")
        abandoned = late.accept(hit_id)
        submitted = done.accept(hit_id)
        done.submit(submitted, {"label": "cat"})
        sim.save(tmp_path / "state.json")
    with mturk_sim(load=tmp_path / "state.json") as loaded:
        assert loaded.now == sim.now
        assert loaded.assignments[abandoned].status.value == "Accepted"
        loaded.advance(minutes=11)  # the assignment's 600 s deadline passes
        assert loaded.assignments[abandoned].status.value == "Abandoned"
        loaded.advance(hours=1)  # auto-approval
        assert loaded.assignments[submitted].status.value == "Approved"
        # The next IDs are those the original would have drawn.
        with sim:
            expected = sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
        assert loaded.client().create_hit(**HIT_ARGS)["HIT"]["HITId"] == expected


def test_a_loaded_simulator_gets_its_listeners_and_hooks_by_being_built(world, tmp_path):
    loaded = saved_and_loaded(world.sim, tmp_path)
    fresh = mturk_sim()
    service, made = loaded._service, fresh._service
    assert [hook.__name__ for hook in service.submit_hooks] == [
        hook.__name__ for hook in made.submit_hooks
    ]
    assert len(service.accept_checks) == len(made.accept_checks)
    # The world's notifier listened: the loaded one does too, after the built-in ones.
    assert len(service.listeners) == len(made.listeners) + 1
    assert service.listeners[-1][0].__self__ is service.notifier
    fresh.start().stop()


# -- settings given with load ---------------------------------------------------------


def test_world_shaping_settings_must_be_the_files(tmp_path):
    sim = mturk_sim(seed="s", start="2026-01-05T09:00:00+00:00", balance="25.00")
    path = tmp_path / "state.json"
    sim.save(path)
    same = Simulator(load=path, seed="s", start="2026-01-05T09:00:00Z", balance="25")
    assert same.settings.seed == "s" and same.settings.balance == Decimal("25.00")
    for wrong in ({"seed": 1}, {"start": "2026-01-06T09:00:00Z"}, {"balance": "30.00"}):
        with pytest.raises(UsageError, match="keeps the seed, start and balance") as info:
            Simulator(load=path, **wrong)
        assert str(path) in str(info.value) and next(iter(wrong)) in str(info.value)


def test_other_settings_apply_from_then_on_and_default_to_the_files(tmp_path):
    sim = mturk_sim(environment="production", strict_workers=True, access_keys=["AKIDKEEP00000000"])
    path = tmp_path / "state.json"
    sim.save(path)
    kept = Simulator(load=path)
    assert kept.settings.environment.value == "production" and kept.settings.strict_workers
    assert kept.settings.access_keys == frozenset({"AKIDKEEP00000000"})
    changed = Simulator(load=path, environment="sandbox", strict_workers=False, access_keys=None)
    assert changed.settings.environment.value == "sandbox" and not changed.settings.strict_workers
    assert changed.settings.access_keys is None
    with pytest.raises(UsageError, match="load must be the path"):
        Simulator(load=3)
    with pytest.raises(UsageError, match="starts from its source"):
        Simulator._copy_of(sim, load=path)


def test_the_decorator_starts_each_call_from_the_file(tmp_path):
    with mturk_sim() as sim:
        hit_id = sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
        sim.save(tmp_path / "state.json")

    @mturk_sim(load=tmp_path / "state.json")
    def job():
        client = boto3.client("mturk", region_name="sandbox")
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
        return client.get_hit(HITId=hit_id)["HIT"]["HITStatus"]

    assert job() == job() == "Reviewable"


# -- bad files ------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    """A small world's file, and its document to break."""
    with mturk_sim(seed=1, start="2026-01-05T09:00:00+00:00", balance="100.00") as sim:
        hit_id = sim.production.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
        sim.worker("A1W0RKER").accept(hit_id)
        path = tmp_path / "good.json"
        sim.save(path)
    return path, json.loads(path.read_text()), hit_id


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _refused(path: Path, *fragments: str) -> None:
    # Holding the unstarted simulators keeps the garbage collector from dropping one of them
    # from the weak set meanwhile: the set must come out exactly as it went in.
    active, unstarted = stack.active(), list(pytest_mturk.doors.stack.unstarted)
    with pytest.raises(StateFileError) as info:
        Simulator(load=path)
    message = str(info.value)
    assert message.startswith(f"Cannot load the simulator state {path}: ")
    assert info.value.path == str(path)
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, UsageError)
    # Nothing half-loaded: no simulator made, none started.
    assert stack.active() is active
    assert {id(sim) for sim in pytest_mturk.doors.stack.unstarted} == {id(sim) for sim in unstarted}


def test_a_file_that_is_not_json_is_refused(tmp_path):
    _refused(_write(tmp_path, "{not json"), "it is not JSON")
    _refused(_write(tmp_path, '{"version": NaN}'), "it is not JSON", "NaN")
    _refused(tmp_path / "missing.json", "it cannot be read")


def test_a_file_that_is_not_ours_is_refused(tmp_path):
    for content in ([], {"version": 1}, {"format": "something else", "version": 1}):
        _refused(_write(tmp_path, content), "not a pytest-mturk state file")


def test_a_file_of_another_version_is_refused(saved, tmp_path):
    _, doc, _ = saved
    for version in (2, 0, "1", None, True):
        _refused(
            _write(tmp_path, {**doc, "version": version}),
            f"format version {version!r}",
            "reads version 1",
        )


def _broken(doc: dict[str, Any], change) -> dict[str, Any]:
    copy = json.loads(json.dumps(doc))
    change(copy)
    return copy


def test_a_damaged_file_is_refused_naming_what_is_wrong(saved, tmp_path):
    _, doc, hit_id = saved
    hits = ["environments", "production", "records", "HIT"]

    def at(d, path):
        for key in path:
            d = d[key]
        return d

    cases = [
        (lambda d: d.pop("calls"), "missing member(s) calls"),
        (lambda d: d.update(extra=1), "unknown member(s) extra"),
        (
            lambda d: (
                at(d, hits)[hit_id].pop("reward", None)
                or at(d, hits)[hit_id].pop("max_assignments")
            ),
            "missing member(s) max_assignments",
        ),
        (
            lambda d: at(d, hits)[hit_id].update(max_assignments="3"),
            f"HIT.{hit_id}.max_assignments: expected an integer",
        ),
        (lambda d: at(d, hits)[hit_id].update(status="Lost"), "expected one of 'Assignable'"),
        (
            lambda d: at(d, hits)[hit_id].update(creation_time="yesterday"),
            "is not an ISO 8601 time",
        ),
        (
            lambda d: at(d, hits)[hit_id].update(hit_type="3NOSUCHTYPE"),
            "refers to HITType '3NOSUCHTYPE', which the file does not hold",
        ),
        (
            lambda d: at(d, ["environments", "production", "state", "hits"]).update(X="X"),
            "refers to HIT 'X'",
        ),
        (
            lambda d: at(d, ["environments", "production", "state"]).update(balance=12),
            "expected an amount as text",
        ),
        (
            lambda d: d["schedule"]["entries"][0].update(action="os.system"),
            "'os.system' is not a schedulable action",
        ),
        (
            lambda d: d["schedule"]["entries"][0]["args"][2].update(Assignment=7),
            "refers to Assignment 7",
        ),
        (lambda d: d["ids"]["entities"].update(state="00"), "ids.entities"),
        (lambda d: d["calls"][0]["params"].update(x={"$eval": "1"}), "unknown tag '$eval'"),
        (
            lambda d: d["workers"].update(A1W0RKER={"locale": "US"}),
            "workers.A1W0RKER: missing member(s)",
        ),
        (lambda d: d["environments"].pop("sandbox"), 'expected "sandbox" and "production"'),
        (lambda d: d["clock"].update(now="2026-01-05T09:00:00"), "clock.now: a time without"),
        (lambda d: at(d, ["environments", "production"]).update(records=[]), "expected an object"),
        (lambda d: at(d, ["environments", "production", "records"]).pop("HIT"), "HIT: missing"),
        (lambda d: at(d, ["environments", "production", "records"]).update(Foo={}), "Foo"),
        (lambda d: at(d, hits).update({hit_id: []}), "expected a HIT object"),
        (lambda d: at(d, hits)[hit_id].update(colour="red"), "unknown member(s) colour"),
        (lambda d: at(d, hits).update(OTHER=at(d, hits)[hit_id]), "its hit_id is"),
        (
            lambda d: at(d, ["environments", "production", "state", "assignments"]).update(X=9),
            "refers to Assignment 9",
        ),
        (
            lambda d: at(d, ["environments", "production", "state", "hit_index"]).update(
                counter="1"
            ),
            "an integer counter",
        ),
        (
            lambda d: at(d, ["environments", "production", "state", "hit_index"]).update(
                positions=[["A", 1], ["B", 1]]
            ),
            "increasing positions",
        ),
        (lambda d: d["settings"].update(seed=1.5), "settings.seed: expected int | str"),
        (lambda d: d["settings"].update(access_keys="AKID"), "expected a list"),
        (
            lambda d: at(d, ["environments", "production", "state"]).update(tests_started=[[1]]),
            "expected a [key, value] pair",
        ),
        (
            lambda d: at(d, ["environments", "production", "state"]).update(
                reviews={
                    hit_id: {
                        "entries": [["HIT", {"Other": {}}]],
                        "reviewed": [],
                        "known_scores": {},
                    }
                }
            ),
            "expected one of Result, Action",
        ),
        (
            lambda d: at(d, hits)[hit_id].update(max_assignments=None),
            "max_assignments: expected an integer, found None",
        ),
        (
            lambda d: at(d, hits)[hit_id].update(expiration="2026-01-05T10:00:00"),
            "expiration: a time without",
        ),
        (lambda d: d["schedule"]["entries"][0].update(args={"HIT": 1}), "args: expected a list"),
    ]
    for change, fragment in cases:
        _refused(_write(tmp_path, _broken(doc, change)), "it is damaged", fragment)


def test_a_failed_load_leaves_the_active_simulator_alone(saved, tmp_path):
    _, doc, _ = saved
    bad = _write(tmp_path, _broken(doc, lambda d: d["schedule"]["entries"][0].update(seq=0)))
    with mturk_sim() as sim:
        before = document(sim)
        with pytest.raises(StateFileError, match="schedule.entries"):
            mturk_sim(load=bad)
        assert pytest_mturk.current() is sim
        assert document(sim) == before


# -- nothing is left out --------------------------------------------------------------


def test_every_attribute_of_the_service_is_saved_or_listed_with_a_reason(world):
    service = world.sim._service
    assert set(vars(service)) == set(saved_format.SAVED) | set(saved_format.NOT_SAVED)
    assert all(reason for reason in saved_format.NOT_SAVED.values())
    assert not hasattr(service, "simulator")  # the service knows nothing of the facade


def _attributes(part: object) -> set[str]:
    """The attributes an object holds, whether in a ``__dict__`` or in slots."""
    if hasattr(part, "__dict__"):
        return set(vars(part))
    return {name for cls in type(part).__mro__ for name in getattr(cls, "__slots__", ())}


def test_every_attribute_of_the_parts_is_known():
    """The parts saved member by member: a new attribute must be saved or explained."""
    expected = {
        Clock(): {"_frozen", "_offset"},  # "clock": now, offset
        Scheduler(): {"_heap", "_seq"},  # "schedule": entries, seq
        IdGenerator(): {"_random", "_requests"},  # "ids": entities, requests
    }
    for part, attributes in expected.items():
        assert _attributes(part) == attributes, type(part)
    with mturk_sim() as sim:
        sender = pytest_mturk.rules.notifications.notify.notifier(sim._service)
        inbox = sim.register_destination(QUEUE)
        # The service, boto3 clients (a cache) and the customer ID (from the seed) are
        # not saved; the rest is "notifier": listening, test_event_ids, sent, inboxes.
        assert set(vars(sender)) == {"_service", "_aws", "_customer_id"} | {
            "listening",
            "_made_up",
            "sent",
            "inboxes",
        }
        assert set(pytest_mturk.rules.notifications.notify.parts(sender)) == {
            "listening",
            "test_event_ids",
            "sent",
            "inboxes",
        }
        assert set(vars(inbox)) == {"_service", "destination", "_pending", "_received"}
        # The simulator: its service and its workers' profiles are saved; the rest are
        # views of the service, the faults it schedules there (pending ones are in the
        # service), whether it is active, the settings it was given, and its crowds
        # (never saved: docs/crowd.md).
        assert set(vars(sim)) == {"_service", "_workers"} | {
            "_views",
            "_faults",
            "_crowds",
            "settings",
            "_settings_kwargs",
            "_running",
            "sandbox",
            "production",
            "hits",
            "hit_types",
            "assignments",
            "workers",
            "qualification_types",
        }


def test_every_record_keeps_its_state_in_its_fields(world):
    """The format writes a record's dataclass fields: an attribute outside them (set
    on an instance of a class without slots) would be lost."""
    seen = 0
    service = world.sim._service
    todo: list[Any] = [*service.states.values(), *service.calls, *service.events]
    done: set[int] = set()
    while todo:
        value = todo.pop()
        if id(value) in done:
            continue
        done.add(id(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            seen += 1
            names = {f.name for f in dataclasses.fields(value)}
            if hasattr(value, "__dict__"):
                assert set(vars(value)) == names, type(value)
            todo.extend(getattr(value, name) for name in names)
        elif isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            todo.extend(value)
    assert seen > 100


# The format's fingerprint: its record classes and their saved fields. A change to it
# changes what files hold: raise persist.format.VERSION and docs/saving.md with it, then
# put the new fingerprint here.
FINGERPRINT = {1: "729178d95ba9f080"}


def test_a_change_of_the_format_changes_its_version():
    layout = saved_format.layout()
    digest = hashlib.sha256("\n".join(layout).encode()).hexdigest()[:16]
    assert FINGERPRINT.get(persist.format.VERSION) == digest, (
        "The saved-state format changed (" + "; ".join(layout) + "): raise persist.format.VERSION, "
        "say so in docs/saving.md, and record the new fingerprint " + digest + " here."
    )


def test_saving_refuses_a_simulator_that_caught_an_internal_error(tmp_path):
    sim = mturk_sim()
    sim._service.internal_errors.append(RuntimeError("boom"))
    with pytest.raises(pytest_mturk.InternalError, match="not saved") as info:
        sim.save(tmp_path / "state.json")
    assert isinstance(info.value.__cause__, RuntimeError)
    assert not (tmp_path / "state.json").exists()


def test_a_time_and_a_path_are_whatever_the_user_gives(tmp_path):
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    sim = mturk_sim(start=start)
    sim.save(str(tmp_path / "state.json"))
    loaded = Simulator(load=str(tmp_path / "state.json"))
    assert loaded.settings.start == start and loaded.now == sim.now


# -- the marker and the fixture ---------------------------------------------------------

INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest -p no:randomly
filterwarnings = error
mturk_seed = 3
mturk_balance = 50.00
"""

SCRIPT = f"""
from pytest_mturk import mturk_sim

HIT_ARGS = {HIT_ARGS!r}
WORLD = dict(seed=7, balance="500.00", start="2026-01-05T09:00:00Z", environment="production")
with mturk_sim(**WORLD) as sim:
    hit_id = sim.production.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
    sim.worker("A1SCRIPTW0RKER", locale="US-CA").accept(hit_id)
    sim.save("states/pipeline.json")
    print("HIT", hit_id)
"""

TESTS = """
import boto3
import pytest

HIT_ID = {hit_id!r}

pytestmark = pytest.mark.mturk(load="states/pipeline.json")


def test_the_fixture_starts_from_the_file(mturk):
    client = boto3.client("mturk", region_name="us-east-1")
    hit = client.get_hit(HITId=HIT_ID)["HIT"]
    assert hit["NumberOfAssignmentsPending"] == 1
    assert mturk.settings.seed == 7 and mturk.production.balance == 500
    assert "sandbox" not in mturk.client().meta.endpoint_url  # the file's environment
    assert str(mturk.now) == "2026-01-05 09:00:00+00:00"
    assert mturk.worker("A1SCRIPTW0RKER").profile.locale == "US-CA"
    mturk.advance(minutes=11)
    assert client.get_hit(HITId=HIT_ID)["HIT"]["NumberOfAssignmentsAvailable"] == 3


def test_each_test_starts_from_the_file_again():
    client = boto3.client("mturk", region_name="us-east-1")
    assert client.get_hit(HITId=HIT_ID)["HIT"]["NumberOfAssignmentsPending"] == 1


@pytest.mark.mturk(environment="sandbox")
def test_other_settings_apply(mturk):
    assert "sandbox" in mturk.client().meta.endpoint_url


@pytest.mark.mturk(seed=8)
def test_a_seed_of_another_world(mturk):
    pass


@pytest.mark.mturk(load="states/missing.json")
def test_a_file_that_is_not_there(mturk):
    pass
"""


def test_a_state_saved_by_a_script_is_loaded_by_the_marker(pytester):
    pytester.makeini(INI)
    (pytester.path / "states").mkdir()
    made = pytester.runpython(pytester.makepyfile(make_state=SCRIPT))
    assert made.ret == 0, made.stderr.str()
    hit_id = made.stdout.str().split("HIT ")[1].split()[0]
    tests = pytester.path / "tests"
    tests.mkdir()
    # The path is the test file's own: the states folder is beside the tests folder.
    (tests / "test_pipeline.py").write_text(
        TESTS.format(hit_id=hit_id).replace('"states/', '"../states/')
    )
    for flags in ((), ("--mturk-sim",)):
        result = pytester.runpytest(*flags)
        result.assert_outcomes(passed=3, errors=2)
        result.stdout.fnmatch_lines(
            [
                "*test_a_seed_of_another_world*",
                "*pytest-mturk settings*loaded from *pipeline.json keeps the seed, start and "
                "balance it was saved with (seed=7,*seed given differently*",
                "*test_a_file_that_is_not_there*",
                "*Cannot load the simulator state *missing.json: it cannot be read*",
            ]
        )


def test_the_documentation_lists_every_record_of_the_format():
    page = (Path(__file__).resolve().parent.parent / "docs" / "saving.md").read_text()
    for line in saved_format.layout():
        assert f"- {line}\n" in page, f"docs/saving.md does not describe: {line}"
    assert f"describes version {persist.format.VERSION})" in page


def test_the_time_freezegun_gave_is_the_time_saved(tmp_path):
    freezegun = pytest.importorskip("freezegun")
    with freezegun.freeze_time("2030-02-03 04:05:06"), mturk_sim() as sim:
        sim.advance(hours=1)  # moves freezegun's clock, which the simulator follows
        sim.save(tmp_path / "state.json")
    loaded = Simulator(load=tmp_path / "state.json")
    assert loaded.now == dt.datetime(2030, 2, 3, 5, 5, 6, tzinfo=dt.timezone.utc)
    with freezegun.freeze_time("2030-02-04 00:00:00"), loaded:
        assert loaded.now == dt.datetime(2030, 2, 4, tzinfo=dt.timezone.utc)  # follows it again


def test_the_simulator_of_a_test_is_found_without_the_service_knowing_it(mturk):
    assert pytest_mturk.current() is mturk
    assert stack.active() is mturk._service
    assert not hasattr(mturk._service, "simulator")


# -- untyped data (parameters, responses, documents) ------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.none() | st.just(dt.timezone.utc))
    | st.binary(max_size=8)
)
untyped = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        | st.dictionaries(st.integers() | st.tuples(st.text(max_size=2)), inner, max_size=2)
    ),
    max_leaves=12,
)


def _same(one: Any, other: Any) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True is not enough)."""
    if type(one) is not type(other):
        return False
    if isinstance(one, dict):
        return list(one) == list(other) and all(_same(one[k], other[k]) for k in one)
    if isinstance(one, (list, tuple)):
        return len(one) == len(other) and all(map(_same, one, other))
    if isinstance(one, float) and one != one:
        return other != other
    return bool(one == other)


@settings(max_examples=EXAMPLES * 10, deadline=None, database=None, derandomize=True)
@given(untyped)
def test_untyped_data_comes_back_exactly(value):
    from pytest_mturk.faces.persist.untyped import read_any, write_any

    written = json.loads(json.dumps(write_any(value, ""), allow_nan=False))
    assert _same(read_any(written, ""), value)


def test_untyped_data_outside_json_is_tagged_and_checked():
    from pytest_mturk.faces.persist.schema import FormatProblem, SaveProblem
    from pytest_mturk.faces.persist.untyped import read_any, write_any

    for value in (float("inf"), float("-inf"), {"$x": 1}):
        assert _same(read_any(json.loads(json.dumps(write_any(value, ""))), ""), value)
    nan = read_any(write_any(float("nan"), ""), "")
    assert nan != nan
    from botocore.compat import get_tzinfo_options

    # A response's time, in botocore's local zone: back in that zone.
    local = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc).astimezone(
        get_tzinfo_options()[0]()
    )
    written = write_any(local, "")
    assert set(written) == {"$localtime"}
    back = read_any(written, "")
    assert back == local and type(back.tzinfo) is type(local.tzinfo)
    with pytest.raises(SaveProblem, match="no way to write a set"):
        write_any({1}, "params")
    for bad in (
        {"$float": "x"},
        {"$dict": 3},
        {"$dict": [[[1], 2]]},
        {"$bytes": "!!"},
        {"$tuple": 1},
        {"$decimal": "abc"},
        {"$decimal": "NaN"},
        {"$datetime": "x"},
        {"$eval": "x"},
    ):
        with pytest.raises(FormatProblem):
            read_any(bad, "params")


def test_the_same_world_saves_to_the_same_bytes(tmp_path):
    paths = []
    for run in range(2):
        with mturk_sim(seed=2, start="2026-01-05T09:00:00Z") as sim:
            hit_id = sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
            sim.worker("A1W0RKER").submit(sim.worker("A1W0RKER").accept(hit_id), {"a": "b"})
            sim.register_destination(QUEUE)
            paths.append(tmp_path / f"run{run}.json")
            sim.save(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_a_record_first_saved_under_freezegun_is_written_with_real_times(tmp_path, monkeypatch):
    """freezegun swaps ``datetime.datetime`` for its fake while active: the record types
    read then must still name real times, for every later save in the process."""
    freezegun = pytest.importorskip("freezegun")
    from pytest_mturk.faces.persist import schema

    monkeypatch.setattr(schema, "_HINTS", {})  # as if nothing had been saved yet
    with freezegun.freeze_time("2030-02-03 04:05:06"), mturk_sim(start="2030-01-01") as sim:
        boto3.client("mturk", region_name="us-east-1").create_hit(**HIT_ARGS)
        sim.save(tmp_path / "frozen.json")
    sim.save(tmp_path / "thawed.json")
    assert (tmp_path / "frozen.json").read_bytes() == (tmp_path / "thawed.json").read_bytes()
    loaded = Simulator(load=tmp_path / "thawed.json")
    assert list(loaded.production.hits) == list(sim.production.hits)
