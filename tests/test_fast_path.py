"""A simulated call skips the request botocore would build, and nothing a user sees changes.

While a simulator is active a plain ``mturk`` client answers without endpoint
rules, serialisation or signing (the short way); handlers of the user's that
need no request (``provide-client-params``, ``before-parameter-build``,
``after-call``) are called on it as botocore calls them, and validation turned
off is skipped on it as botocore skips it. Whenever something could see the
difference -- a ``Stubber`` or a handler botocore calls before the simulator
answers, a tracer wrapping botocore's client, a scheduled fault, botocore's debug
history -- the call goes botocore's whole way, as it always did. Each case below
runs both ways and compares what the user gets.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError, ParamValidationError
from botocore.history import get_global_history_recorder
from botocore.stub import Stubber
from conftest import HIT_ARGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mturk import mturk_sim
from pytest_mturk.doors.botocore import bootstrap, private, short_way

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
KEYS = {"aws_access_key_id": "AKIDEXAMPLE00000", "aws_secret_access_key": "secret"}
START = "2026-01-05T09:00:00+00:00"
MODEL = botocore.session.get_session().get_service_model("mturk")


@pytest.fixture
def built(monkeypatch):
    """How many requests botocore built (its request dict, made on the whole way only)."""
    from botocore.client import BaseClient

    count = {"n": 0}
    original = BaseClient._convert_to_request_dict

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseClient, "_convert_to_request_dict", counting)
    return count


def _client(**kwargs: Any) -> Any:
    return boto3.Session(**KEYS).client("mturk", region_name="sandbox", **kwargs)


def _whole_way(client: Any) -> Any:
    """Make ``client`` go botocore's whole way: a handler of the user's that does nothing,
    which botocore calls (and hands the request it built) before the simulator answers."""
    client.meta.events.register_first("before-call.mturk", lambda **kwargs: None)
    return client


def _scenario(client: Any) -> list[Any]:
    """Calls of every kind: successes, the service's errors, a timestamp, a list member."""
    got: list[Any] = []

    def call(name: str, **params: Any) -> Any:
        try:
            response = getattr(client, name)(**params)
        except ClientError as exc:
            got.append(("error", type(exc).__name__, exc.response))
            return None
        got.append(response)
        return response

    hit = call("create_hit", **HIT_ARGS)["HIT"]
    call("get_hit", HITId=hit["HITId"])
    call("get_hit", HITId="3NOSUCHHIT")
    call("create_hit", **{**HIT_ARGS, "Reward": "1.5.0"})
    qualification = call(
        "create_qualification_type",
        Name="Screened",
        Description="Passed",
        QualificationTypeStatus="Active",
    )["QualificationType"]
    requirement = {
        "QualificationTypeId": qualification["QualificationTypeId"],
        "Comparator": "GreaterThan",
        "IntegerValues": (50,),
        "ActionsGuarded": "Accept",
    }
    call("create_hit", **{**HIT_ARGS, "QualificationRequirements": [requirement]})
    call("update_expiration_for_hit", HITId=hit["HITId"], ExpireAt=0)
    call("list_hits", MaxResults=10)
    call("list_reviewable_hits", Status="Reviewable")
    call("get_account_balance")
    return got


def test_a_plain_client_builds_no_request(built):
    with mturk_sim():
        client = _client()
        client.create_hit(**HIT_ARGS)
        client.list_hits()
    assert built["n"] == 0


def test_without_a_simulator_calls_go_the_whole_way(built):
    client = _client()
    stubber = Stubber(client)
    stubber.add_response("get_account_balance", {"AvailableBalance": "1.00"})
    with stubber:
        assert client.get_account_balance()["AvailableBalance"] == "1.00"
    assert built["n"] == 1


def test_both_ways_answer_alike(built):
    with mturk_sim(seed="ways", start=START) as short_sim:
        short = _scenario(_client())
    assert built["n"] == 0
    with mturk_sim(seed="ways", start=START) as whole_sim:
        whole = _scenario(_whole_way(_client()))
    assert built["n"] == len(whole)
    assert short == whole
    assert [(c.operation, c.params, c.response) for c in short_sim.calls] == [
        (c.operation, c.params, c.response) for c in whole_sim.calls
    ]
    kinds = [answer[1] if isinstance(answer, tuple) else "ok" for answer in short]
    assert kinds.count("RequestError") == 1 and "ClientError" in kinds  # both error families


# -- the cases that take the whole way --------------------------------------------------


def test_a_stubbed_client_keeps_its_answers(built):
    with mturk_sim() as sim:
        client = _client()
        client.get_account_balance()  # the short way first: a plan is made
        with Stubber(client) as stubber:
            stubber.add_response("get_account_balance", {"AvailableBalance": "42.00"})
            assert client.get_account_balance()["AvailableBalance"] == "42.00"
        assert [call.operation for call in sim.calls] == ["GetAccountBalance"]
        client.get_account_balance()  # the Stubber is gone: the simulator answers again
        assert len(sim.calls) == 2
    assert built["n"] == 1


@pytest.mark.parametrize(
    "event", ["provide-client-params", "before-parameter-build", "before-call", "after-call"]
)
def test_a_users_handler_sees_what_it_always_saw(built, event):
    seen: list[dict[str, Any]] = []

    def handler(**kwargs: Any) -> None:
        seen.append(kwargs)

    with mturk_sim(seed="handlers") as sim:
        client = _client()
        hit = client.create_hit(**HIT_ARGS)["HIT"]
        assert built["n"] == 0
        client.meta.events.register(f"{event}.mturk.GetHIT", handler)
        answer = client.get_hit(HITId=hit["HITId"])
        # Only a before-call handler (called before the simulator answers) is handed the
        # request botocore builds; the others are called on the short way.
        requests = 1 if event == "before-call" else 0
        assert built["n"] == requests
        client.meta.events.unregister(f"{event}.mturk.GetHIT", handler)
        client.get_hit(HITId=hit["HITId"])
        assert built["n"] == requests  # back on the quickest way
    assert len(seen) == 1
    kwargs = seen[0]
    assert kwargs["model"].name == "GetHIT"
    if event in ("provide-client-params", "before-parameter-build"):
        assert kwargs["params"] == {"HITId": hit["HITId"]}
    elif event == "before-call":
        assert kwargs["params"]["url"].startswith(
            "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
        )
        assert b'"HITId"' in kwargs["params"]["body"]
    else:
        assert kwargs["parsed"] is answer
        assert kwargs["http_response"].status_code == 200
    assert [call.operation for call in sim.calls] == ["CreateHIT", "GetHIT", "GetHIT"]


def test_a_handler_that_changes_the_parameters_is_obeyed(built):
    def retitle(params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**params, "Title": "Changed on the way"}

    with mturk_sim():
        client = _client()
        client.meta.events.register("provide-client-params.mturk.CreateHIT", retitle)
        assert client.create_hit(**HIT_ARGS)["HIT"]["Title"] == "Changed on the way"


def test_a_scheduled_fault_goes_through_botocores_retries(built, monkeypatch):
    # botocore's standard back-off, made instant.
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )
    with mturk_sim() as sim:
        client = _client(config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
        sim.fail_next("GetAccountBalance", "throttled")
        response = client.get_account_balance()
        assert response["ResponseMetadata"]["RetryAttempts"] == 1
        assert built["n"] == 1
        client.get_account_balance()
        assert built["n"] == 1


def test_without_client_side_validation_the_service_judges(built):
    with mturk_sim():
        client = _client(config=Config(parameter_validation=False))
        with pytest.raises(ClientError) as info:
            client.get_hit(HITId="")
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert built["n"] == 0  # the short way, which skips the check as botocore does


def test_botocores_debug_history_sees_every_call(built):
    recorder = get_global_history_recorder()
    recorded: list[Any] = []

    class Handler:
        def emit(self, event_type: str, payload: Any, source: str) -> None:
            recorded.append(event_type)

    handler = Handler()
    recorder.add_handler(handler)
    recorder.enable()
    try:
        with mturk_sim():
            _client().get_account_balance()
    finally:
        recorder.disable()
        recorder._handlers.remove(handler)
    assert "API_CALL" in recorded and built["n"] == 1


def test_missing_credentials_are_botocores_error_on_the_short_way(built):
    session = botocore.session.get_session()
    session.set_credentials(None, None)  # type: ignore[arg-type]
    with mturk_sim(fake_credentials=False):
        client = session.create_client("mturk", region_name="sandbox")
        client._request_signer._credentials = None
        with pytest.raises(ParamValidationError):
            client.get_hit(HITId="")  # validation comes first, as on the whole way
        with pytest.raises(NoCredentialsError):
            client.get_account_balance()
    assert built["n"] == 0


def test_the_retry_quota_is_given_back_as_on_the_whole_way():
    def recovered(client: Any) -> int:
        # A standard-mode client: its quota checker gives quota back after each call.
        events = client.meta.events
        (release,) = private.registered_handlers(events, "after-call.mturk.GetAccountBalance")
        quota = release.__self__._quota
        quota.acquire(50)
        before = quota.available_capacity
        for _ in range(3):
            client.get_account_balance()
        return int(quota.available_capacity - before)

    standard = Config(retries={"mode": "standard"})
    with mturk_sim():
        short = recovered(_client(config=standard))
        whole = recovered(_whole_way(_client(config=standard)))
    assert short == whole == 3


def test_a_paginator_goes_the_short_way(built):
    with mturk_sim():
        client = _client()
        for _ in range(3):
            client.create_hit(**HIT_ARGS)
        pages = list(client.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["HITs"]) for page in pages][:2] == [2, 1]
    assert built["n"] == 0


def test_clients_of_every_kind_get_the_short_way():
    with mturk_sim():
        for region in ("sandbox", "us-east-1"):
            assert bootstrap.SimulatedCalls in type(_client()).__mro__
            assert _client().meta.region_name == "sandbox" or region == "us-east-1"
        client = boto3.Session(**KEYS).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
        )
        client.get_account_balance()
        plan = client.__dict__[short_way.PLANS_KEY]["GetAccountBalance"]
        assert plan.url == "https://mturk-requester-sandbox.us-east-1.amazonaws.com"


# -- botocore's own validation, both ways ------------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=5),
    st.text(max_size=3),
    st.floats(allow_nan=False, max_value=3),
    st.lists(st.text(max_size=2), max_size=2),
    st.dictionaries(st.sampled_from(["Comparator", "Bogus"]), st.text(max_size=2), max_size=2),
)


@st.composite
def calls(draw: Any) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(MODEL.operation_names)))
    shape = MODEL.operation_model(name).input_shape
    members = sorted(shape.members) if shape is not None else []
    keys = draw(st.lists(st.sampled_from([*members, "Bogus"]), max_size=4, unique=True))
    return name, {key: draw(VALUES) for key in keys}


def _outcome(client: Any, name: str, params: dict[str, Any]) -> Any:
    from botocore import xform_name

    try:
        answer = getattr(client, xform_name(name))(**params)
    except ParamValidationError as exc:
        return ("client", str(exc))
    except ClientError as exc:
        return ("service", exc.response["Error"], exc.response["ResponseMetadata"]["RequestId"])
    # What botocore cannot serialize; RuntimeError: its validator's reading of a timestamp
    # out of datetime's range (ExpireAt=-6.8e16), raised alike both ways.
    except (TypeError, ValueError, AttributeError, RuntimeError) as exc:
        return ("unsendable", type(exc).__name__)
    return ("ok", {k: v for k, v in answer.items() if k != "ResponseMetadata"})


@pytest.fixture(scope="module")
def two_clients() -> tuple[Any, Any]:
    """A client on the short way and one on the whole way (made once: clients are dear)."""
    return _client(), _whole_way(_client())


@settings(
    max_examples=300 if PROFILE == "long" else 60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(calls(), min_size=1, max_size=6))
def test_any_input_gets_the_same_answer_both_ways(two_clients, steps):
    short_client, whole_client = two_clients
    with mturk_sim(seed="any", start=START) as short_sim:
        short = [_outcome(short_client, name, dict(params)) for name, params in steps]
    with mturk_sim(seed="any", start=START) as whole_sim:
        whole = [_outcome(whole_client, name, dict(params)) for name, params in steps]
    assert short == whole
    assert [(c.operation, c.params) for c in short_sim.calls] == [
        (c.operation, c.params) for c in whole_sim.calls
    ]


# -- handlers of the user's, called on the short way as botocore calls them ----------------

EVENTS = ("provide-client-params", "before-parameter-build", "before-call", "after-call")


@st.composite
def handler_sets(draw: Any) -> list[tuple[str, str, str, bool]]:
    """Handlers to register: (event and scope, how, label, whether it returns a value)."""
    chosen = []
    for at in range(draw(st.integers(min_value=0, max_value=5))):
        event = draw(st.sampled_from(EVENTS))
        scope = draw(st.sampled_from(["", ".mturk", ".mturk.*", ".*.GetHIT", ".mturk.CreateHIT"]))
        how = draw(st.sampled_from(["register", "register_first", "register_last"]))
        chosen.append((event + scope, how, f"h{at}", draw(st.booleans())))
    return chosen


def _summary(value: Any) -> Any:
    """What a handler was handed, in a form two clients' calls can be compared by."""
    if isinstance(value, dict):
        return {key: _summary(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_summary(item) for item in value]
    if isinstance(value, Config):
        return "config"
    if hasattr(value, "status_code"):
        return ("http", value.status_code)
    if hasattr(value, "input_shape"):
        return ("model", value.name)
    if hasattr(value, "sign"):
        return "signer"
    return value


def _handled_scenario(client: Any, handlers: list[tuple[str, str, str, bool]]) -> list[Any]:
    seen: list[Any] = []

    def make(label: str, returns: bool) -> Any:
        def handler(**kwargs: Any) -> Any:
            seen.append((label, {key: _summary(value) for key, value in kwargs.items()}))
            if not returns:
                return None
            if kwargs["event_name"].startswith("provide-client-params"):
                return dict(kwargs["params"])  # botocore calls on with these parameters
            if kwargs["event_name"].startswith("before-call"):
                return None  # a value here answers the call instead (Stubber): not an observer
            return "ignored"  # botocore ignores what these return

        return handler

    for event, how, label, returns in handlers:
        getattr(client.meta.events, how)(event, make(label, returns))
    got: list[Any] = []
    for name, params in (
        ("get_account_balance", {}),
        ("create_hit", HIT_ARGS),
        ("get_hit", {"HITId": "3NOSUCHHIT"}),
        ("get_hit", {"HITId": ""}),
        ("create_hit", {**HIT_ARGS, "Reward": "1.5.0"}),
        ("list_hits", {"MaxResults": 5}),
    ):
        try:
            got.append(getattr(client, name)(**params))
        except ClientError as exc:
            got.append(("service", type(exc).__name__, exc.response))
        except ParamValidationError as exc:
            got.append(("client", str(exc)))
    return [got, seen]


@settings(
    max_examples=200 if PROFILE == "long" else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(handlers=handler_sets(), validate=st.booleans())
def test_handlers_are_called_alike_both_ways(handlers, validate):
    config = Config(parameter_validation=validate)
    with mturk_sim(seed="handled", start=START) as short_sim:
        short = _handled_scenario(_client(config=config), handlers)
    with mturk_sim(seed="handled", start=START) as whole_sim:
        whole = _handled_scenario(_whole_way(_client(config=config)), handlers)
    assert short == whole  # the answers, and each handler's calls in order with their arguments
    assert [(c.operation, c.params) for c in short_sim.calls] == [
        (c.operation, c.params) for c in whole_sim.calls
    ]


def test_an_observing_handler_keeps_the_short_way(built):
    seen: list[str] = []

    def observe(event_name: str, **kwargs: Any) -> None:
        seen.append(event_name)

    with mturk_sim():
        client = _client(config=Config(parameter_validation=False))
        for event in EVENTS:
            # A before-call handler registered the usual way comes after the simulator's,
            # which answers: botocore never calls it, on either way.
            client.meta.events.register(event, observe)
        client.get_account_balance()
    assert built["n"] == 0
    assert seen == [
        "provide-client-params.mturk.GetAccountBalance",
        "before-parameter-build.mturk.GetAccountBalance",
        "after-call.mturk.GetAccountBalance",
    ]


SENTRY = """
import json, sys
import boto3, sentry_sdk
from sentry_sdk.integrations.boto3 import Boto3Integration
from sentry_sdk.transport import Transport
from pytest_mturk import mturk_sim

items = []


class Recording(Transport):
    def capture_envelope(self, envelope):
        items.extend(item.payload.json or {} for item in envelope.items)


sentry_sdk.init(
    dsn="https://key@sentry.invalid/1", transport=Recording(), traces_sample_rate=1.0,
    integrations=[Boto3Integration()], default_integrations=False, release="r",
)
VARYING = {"trace_id", "span_id", "parent_span_id", "start_timestamp", "end_timestamp",
           "thread.id", "sentry.segment.id"}


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def run(whole):
    client = boto3.Session(aws_access_key_id="AKIDEXAMPLE00000", aws_secret_access_key="s").client(
        "mturk", region_name="sandbox")
    if whole:
        client.meta.events.register_first("before-call.mturk", lambda **kwargs: None)
    answers = []
    del items[:]
    with mturk_sim(seed="sentry", start="2026-01-05T09:00:00+00:00"):
        with sentry_sdk.start_span(name="test"):
            answers.append(client.get_account_balance())
            try:
                client.get_hit(HITId="3NOSUCHHIT")
            except client.exceptions.RequestError as exc:
                answers.append(exc.response)
    sentry_sdk.flush()
    return plain(answers), plain(items)


short, whole = run(False), run(True)
print(json.dumps({"short": short, "whole": whole}, default=str))
"""


def test_sentrys_boto3_integration_sees_the_same_calls_both_ways(tmp_path):
    pytest.importorskip("sentry_sdk.integrations.boto3")
    import json
    import subprocess
    import sys

    # In a process of its own: Sentry patches botocore's client class for good.
    script = tmp_path / "sentry_run.py"
    script.write_text(SENTRY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["short"] == got["whole"]
    spans = [
        span["name"]
        for item in got["short"][1]
        for span in item.get("items", [])
        if span.get("attributes", {}).get("sentry.origin", {}).get("value") == "auto.aws.boto3"
    ]
    assert spans == ["MTurk.GetAccountBalance", "MTurk.GetHIT"]


@settings(max_examples=1000 if PROFILE == "long" else 200, deadline=None)
@given(step=calls())
def test_what_passes_at_a_glance_passes_botocores_validation(step):
    # Both ways rely on it: the short way instead of botocore's validator, and the whole
    # way (short_way.QuickValidation) to spare botocore looking again.
    from botocore.validate import ParamValidator

    from pytest_mturk.doors.botocore import bodies

    name, params = step
    model = MODEL.operation_model(name)
    if bodies.operation(model).plainly_valid(params):
        report = ParamValidator().validate(params, model.input_shape)
        assert not report.has_errors(), report.generate_report()


def test_the_whole_way_validates_what_is_not_plainly_valid(built):
    with mturk_sim():
        client = _whole_way(_client())
        client.get_account_balance()
        assert isinstance(private.serializer(client), short_way.QuickValidation)
        with pytest.raises(ParamValidationError):
            client.get_hit(HITId="")  # below the minimum length: botocore's own check
        with pytest.raises(ParamValidationError):
            client.list_hits(MaxResults="10")  # not an integer
    with pytest.raises(ParamValidationError):
        client.get_hit(HITId="3NOSUCHHIT", Bogus=1)  # no simulator: botocore's check


@settings(max_examples=1000 if PROFILE == "long" else 200, deadline=None)
@given(step=calls())
def test_the_whole_ways_request_is_botocores_own(step):
    # short_way.plain_request makes the request of plainly valid parameters as botocore's
    # JSON serializer makes it (the first call's, kept): the same dict, byte for byte, for
    # any parameters, before and after the first.
    from botocore.serialize import create_serializer

    from pytest_mturk.doors.botocore import bodies

    name, params = step
    model = MODEL.operation_model(name)
    if not bodies.operation(model).plainly_valid(params):
        return
    serializer = create_serializer("json", include_validation=False)
    expected = serializer.serialize_to_request(params, model)
    for _ in range(2):
        made = short_way.plain_request(serializer, params, model)
        assert made == expected and list(made) == list(expected)
        assert list(made["headers"].items()) == list(expected["headers"].items())
        assert made["headers"] is not expected["headers"]
