"""Nothing a request carries can spoil the state: each input that once made a served
simulation unwritable or unloadable, through real ``pytest-mturk serve --state`` processes
killed and started again, and in process through boto3 and ``sim.save()``; then any JSON
at all, to every operation and the control API. ``HYPOTHESIS_PROFILE=long`` runs thirteen
times as many."""

from __future__ import annotations

import http.client
import json
import os
import tempfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import KEY, ServerProcess, client

from pytest_mturk import CrowdError, Simulator, UsageError, mturk_sim
from pytest_mturk.core import json_text
from pytest_mturk.core.dispatch import service_model
from pytest_mturk.doors.http.state_file import StateFile
from pytest_mturk.faces.threaded import ThreadServer

TARGET = "MTurkRequesterServiceV20170117."
SIGNED = f"AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/mturk/aws4_request"
LONE = "x\ud800y"  # a lone (high) surrogate: valid JSON as an escape, and a valid Java string
WORKER = "A1B2C3D4E5F6G7"
HIT = {
    "Title": "Label the picture",
    "Description": "One label",
    "Reward": "0.50",
    "AssignmentDurationInSeconds": 600,
    "LifetimeInSeconds": 3600,
    "MaxAssignments": 2,
    "Question": (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>'
        "<FrameHeight>400</FrameHeight></ExternalQuestion>"
    ),
}


def _exchange(server, method, path, body, headers):
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def service_call(server, operation, body: bytes):
    """A raw call of the service API: ``(status, decoded JSON answer)``."""
    headers = {
        "X-Amz-Target": TARGET + operation,
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": SIGNED,
    }
    status, answer = _exchange(server, "POST", "/", body, headers)
    return status, json.loads(answer)


def control_call(server, method, path, body: bytes = b""):
    """A raw request of the control API (whatever the control API takes to let a client in
    is added here, and only here): ``(status, decoded JSON answer)``."""
    token = getattr(server, "token", None) or server.control_token
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    status, answer = _exchange(server, method, "/_mturk/" + path, body, headers)
    return status, json.loads(answer)


def nested(depth: int, leaf=None):
    """A JSON text of ``depth`` objects, one in another, as bytes (no recursion to write)."""
    return b'{"a":' * depth + json.dumps(leaf).encode() + b"}" * depth


@pytest.fixture
def state(tmp_path):
    return str(tmp_path / "state.json")


def snapshot(server):
    """The server's whole state (``GET /_mturk/snapshot``), less what names the file it was
    started from."""
    document = server.control().request("GET", "snapshot")
    document["settings"].pop("load")
    return document


def restarted(server, state):
    """``server`` killed (SIGKILL), and a new server started on the same state file."""
    server.kill()
    server.stop()  # closes its pipes
    return ServerProcess("--state", state)


# -- a lone surrogate -----------------------------------------------------------------------


def test_a_lone_surrogate_is_stored_and_survives_a_kill_and_a_restart(state):
    server = ServerProcess("--state", state)
    try:
        hit = client(server.url).create_hit(**{**HIT, "Title": LONE})["HIT"]
        assert hit["Title"] == LONE
        # A refused call carrying one is recorded in the call log, and written too.
        status, refused = service_call(
            server, "CreateHIT", json_text.encode({**HIT, "Reward": "x", "Keywords": LONE})
        )
        assert status == 400 and refused["__type"] == "ValidationException"
        control = server.control()
        assert [h["Title"] for h in control.hits()] == [LONE]
        assert control.calls()[-1]["params"]["Keywords"] == LONE
        client(server.url).get_account_balance()  # one more acknowledged action
        before = snapshot(server)
        server = restarted(server, state)
        assert snapshot(server) == before
        assert client(server.url).get_hit(HITId=hit["HITId"])["HIT"]["Title"] == LONE
        assert [c["operation"] for c in server.control().calls()] == [
            "CreateHIT",
            "CreateHIT",
            "GetAccountBalance",
            "GetHIT",
        ]
    finally:
        server.stop()


def test_a_clean_stop_writes_a_snapshot_holding_a_lone_surrogate(state):
    with ServerProcess("--state", state) as server:
        client(server.url).create_hit(**{**HIT, "Description": LONE})
    assert server.process.returncode == 0
    with ServerProcess("--state", state) as server:
        assert [h["Description"] for h in server.control().hits()] == [LONE]
    with open(state, "rb") as saved:
        saved.read().decode("ascii")  # written as its escape


def test_sim_save_and_load_keep_a_lone_surrogate(tmp_path):
    path = tmp_path / "saved.json"
    with mturk_sim() as sim:
        mturk = boto3.client("mturk", region_name="us-east-1")
        hit_id = mturk.create_hit(**{**HIT, "Title": LONE})["HIT"]["HITId"]
        with pytest.raises(ClientError):
            mturk.create_hit(**{**HIT, "Reward": "x", "RequesterAnnotation": LONE})
        sim.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["saved.json"]  # no partial file left
    with mturk_sim(load=path) as sim:
        assert sim.hits[hit_id].hit_type.title == LONE
        assert sim.calls[-1].params["RequesterAnnotation"] == LONE


def test_what_a_test_sent_in_process_is_shown_by_the_server_sharing_its_simulator():
    unchecked = Config(parameter_validation=False)
    with mturk_sim() as sim, ThreadServer(sim) as server:
        mturk = boto3.client("mturk", region_name="us-east-1", config=unchecked)
        for title in (LONE, float("nan"), float("inf")):
            with pytest.raises(ClientError):
                mturk.create_hit(**{**HIT, "Title": title, "Reward": "x"})
        titles = [call["params"]["Title"] for call in server.control.calls()]
        assert titles == [LONE, "nan", "inf"]


# -- nesting --------------------------------------------------------------------------------


def test_json_nested_too_deep_is_refused_before_it_is_read_and_never_kept(state):
    server = ServerProcess("--state", state)
    try:
        deep = b'{"Bogus":' + nested(600) + b"}"
        status, refused = service_call(server, "GetAccountBalance", deep)
        assert (status, refused) == (
            400,
            {
                "__type": "SerializationException",
                "message": "Start of structure or map found where not expected.",
            },
        )
        # The deepest nesting the service reads: the outermost object and 63 more.
        status, answer = service_call(
            server, "GetAccountBalance", b'{"Bogus":' + nested(json_text.MAX_DEPTH - 1) + b"}"
        )
        assert status == 200, answer
        status, answer = service_call(
            server, "GetAccountBalance", b'{"Bogus":' + nested(json_text.MAX_DEPTH) + b"}"
        )
        assert status == 400 and answer["__type"] == "SerializationException"
        assert len(server.control().calls()) == 1
        # A saved state holding the deepest parameters loads again.
        document = server.control().request("GET", "snapshot")
        server.control().request("POST", "snapshot", document)
        status, answer = control_call(server, "POST", f"workers/{WORKER}", nested(600))
        assert (status, answer) == (
            400,
            {"error": "BadRequest", "message": "The body nests deeper than 256 levels."},
        )
        assert server.control().state("workers") == []
        before = snapshot(server)
        server = restarted(server, state)
        assert snapshot(server) == before
    finally:
        server.stop()


def test_deep_or_unreadable_parameters_in_process_are_refused_as_the_front_end_did(tmp_path):
    deep: object = "x"
    for _ in range(600):
        deep = [deep]
    unchecked = Config(parameter_validation=False)
    with mturk_sim() as sim:
        mturk = boto3.client("mturk", region_name="us-east-1", config=unchecked)
        with pytest.raises(ClientError) as refused:
            mturk.create_hit_type(
                Title=deep, Description="d", Reward="0.50", AssignmentDurationInSeconds=60
            )
        assert refused.value.response["Error"]["Code"] == "SerializationException"
        checked = boto3.client("mturk", region_name="us-east-1")
        with pytest.raises(ClientError) as refused:
            checked.associate_qualification_with_worker(
                QualificationTypeId="3X" * 10, WorkerId=WORKER, IntegerValue=10**5000
            )
        assert refused.value.response["Error"]["Code"] == "SerializationException"
        assert sim.calls == []  # never reached the service
        sim.save(tmp_path / "saved.json")
    Simulator(load=tmp_path / "saved.json")


# -- the control API's worker profiles ---------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"approved": 1.5}, "approved"),
        ({"approved": -1}, "approved"),
        ({"rejected": True}, "rejected"),
        ({"approved": 2**53}, "approved"),
        ({"adult": "no"}, "adult"),
        ({"masters": 1}, "masters"),
        ({"locale": 5}, "locale"),
        ({"locale": "us"}, "locale"),
        ({"locale": LONE}, "locale"),
    ],
)
def test_a_worker_profile_is_typed_and_checked_by_every_door(profile, field):
    sim = Simulator()
    with pytest.raises(UsageError, match=f"A worker's {field} "):
        sim.worker(WORKER, **profile)
    assert WORKER not in sim.workers


def test_a_crowd_of_impossible_locales_is_refused_as_it_is_made():
    with pytest.raises(CrowdError, match="'mars' is not a country code"):
        Simulator().crowd(10, locales={"mars": 1.0})


def test_a_refused_worker_profile_changes_nothing_and_a_restart_still_starts(state):
    server = ServerProcess("--state", state)
    try:
        control = server.control()
        for profile, field in [
            ({"approved": 1.5}, "approved"),
            ({"adult": "no"}, "adult"),
            ({"locale": 5}, "locale"),
        ]:
            status, answer = control_call(
                server, "POST", f"workers/{WORKER}", json.dumps(profile).encode()
            )
            assert status == 400, answer
            assert answer["error"] == "ProfileError" and f"A worker's {field} " in answer["message"]
        assert control.state("workers") == []
        control.worker(WORKER, locale="US-CA", approved=7, adult=True)
        status, answer = control_call(
            server, "POST", "clock/advance", json.dumps({"days": "5"}).encode()
        )
        assert (status, answer["message"]) == (400, "advance takes days as a number, not text.")
        before = snapshot(server)
        server = restarted(server, state)
        assert snapshot(server) == before
        (worker,) = server.control().state("workers", "sandbox")
        assert (worker["locale_subdivision"], worker["prior_approved"], worker["adult"]) == (
            "CA",
            7,
            True,
        )
    finally:
        server.stop()


# -- the journal -------------------------------------------------------------------------


def test_a_journal_line_that_cannot_be_written_takes_no_number(tmp_path):
    journal = StateFile(tmp_path / "state.json")
    journal.rebase({"format": "any"})
    with pytest.raises(ValueError):
        journal.append({"k": "advance", "ms": float("nan"), "t": 0}, None)
    assert journal.append({"k": "advance", "ms": 1, "t": 0}, None) == 1
    journal.release()
    lines = (tmp_path / "state.json.journal").read_bytes().splitlines()
    assert [json.loads(line.rpartition(b"\t")[0]).get("n") for line in lines[1:]] == [1]


# -- anything at all, then a kill -----------------------------------------------------------

LONG = os.environ.get("HYPOTHESIS_PROFILE") in ("long", "nightly")
OPERATIONS = sorted(service_model().operation_names)

hostile_text = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.sampled_from(
        [LONE, "\udfff", "\ud83d\ude00", "NaN", "Infinity", "1e999", "\x00", "\u2028", "]]>"]
    ),
    st.text(max_size=3).map(lambda text: text * 700),  # long
)
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**4000]),
    st.floats(),  # NaN and infinities too: written as JSON's non-tokens, refused
)
leaves = st.none() | st.booleans() | numbers | hostile_text
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def deep_values(draw):
    value = draw(leaves)
    for _ in range(draw(st.integers(json_text.MAX_DEPTH - 3, json_text.MAX_DEPTH + 3))):
        value = [value] if draw(st.booleans()) else {"a": value}
    return value


anything = json_values | deep_values()


def _body(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


# Calls that succeed as they are, and their members that hold text.
BASES = {
    "CreateHIT": (HIT, ["Title", "Description", "Keywords", "RequesterAnnotation"]),
    "CreateHITType": (
        {k: HIT[k] for k in ("Title", "Description", "Reward", "AssignmentDurationInSeconds")},
        ["Title", "Description", "Keywords"],
    ),
    "CreateQualificationType": (
        {"Name": "Skill", "Description": "A skill", "QualificationTypeStatus": "Active"},
        ["Name", "Description", "Keywords"],
    ),
    "NotifyWorkers": (
        {"Subject": "Hello", "MessageText": "Thanks", "WorkerIds": [WORKER]},
        ["Subject", "MessageText"],
    ),
}


@st.composite
def service_requests(draw):
    if draw(st.booleans()):
        # A call that succeeds but for one member, which may make it fail.
        operation = draw(st.sampled_from(sorted(BASES)))
        base, texts = BASES[operation]
        member = draw(st.sampled_from(texts) | st.sampled_from(sorted(base)) | st.just("Bogus"))
        value = draw(hostile_text.map(lambda text: text[:100]) | anything)
        return ("service", operation, _body({**base, member: value}))
    operation = draw(st.sampled_from(OPERATIONS))
    shape = service_model().operation_model(operation).input_shape
    names = sorted(shape.members) if shape is not None else []
    keys = st.sampled_from(names) | hostile_text if names else hostile_text
    return ("service", operation, _body(draw(st.dictionaries(keys, anything, max_size=4))))


@st.composite
def control_requests(draw):
    kind = draw(st.sampled_from(["profile", "accept", "submit", "return", "advance", "reset"]))
    worker = draw(st.sampled_from([WORKER, "A2B3C4D5E6F7G8"]))
    fields = ["locale", "adult", "masters", "approved", "rejected"]
    good = {"locale": "US-CA", "adult": True, "masters": False, "approved": 7, "rejected": 1}
    if kind == "profile":
        body = {
            name: draw(anything | st.just(good[name]))
            for name in draw(st.sets(st.sampled_from(fields)))
        }
        named = draw(st.sampled_from([worker, "%ED%A0%80", "A%00", "a"]))
        return ("control", f"workers/{named}", _body(body))
    if kind in ("accept", "submit", "return"):
        key = "hit_id" if kind == "accept" else "assignment_id"
        body = {key: draw(st.just("created") | hostile_text)}
        if kind == "submit":
            body["answers"] = draw(
                st.dictionaries(hostile_text, hostile_text, max_size=2) | anything
            )
        return ("control", f"workers/{worker}/{kind}", body)
    if kind == "advance":
        unit = draw(st.sampled_from(["seconds", "minutes", "hours", "days"]))
        return ("control", "clock/advance", _body({unit: draw(anything)}))
    return ("control", "reset", _body({"seed": draw(anything)}))


def _send(server, request, made):
    """Send one request; whatever it is, the answer is JSON and never a 5xx."""
    kind, where, body = request
    if kind == "service":
        status, answer = service_call(server, where, body)
        if status == 200 and where == "CreateHIT":
            made["created"] = answer["HIT"]["HITId"]
        return status
    if isinstance(body, dict):  # names the HIT or assignment made so far
        body = _body(
            {
                key: made.get(value, value) if isinstance(value, str) else value
                for key, value in body.items()
            }
        )
    status, answer = control_call(server, "POST", where, body)
    if status == 200 and "assignment_id" in answer:
        made["created"] = answer["assignment_id"]
    return status


@settings(
    max_examples=40 if LONG else 3,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(requests=st.lists(service_requests() | control_requests(), min_size=1, max_size=12))
def test_whatever_is_sent_a_kill_and_a_restart_give_back_what_was_acknowledged(requests):
    with tempfile.TemporaryDirectory() as folder:
        state = os.path.join(folder, "state.json")
        server = ServerProcess("--state", state)
        try:
            made: dict[str, str] = {}
            # A HIT to work on, so that the workers' actions have something to act on.
            _send(server, ("service", "CreateHIT", _body(HIT)), made)
            for request in requests:
                status = _send(server, request, made)
                assert status < 500, request
            before = snapshot(server)
            server = restarted(server, state)
            assert snapshot(server) == before
        finally:
            server.stop()
