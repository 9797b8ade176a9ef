"""The pytest face, as users meet it: the fixture, the flag, the ini option, the marker.

Most of these run a small suite with ``pytester`` and check its outcomes.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import inspect
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import HIT_ARGS, skip_if_simulated

import pytest_mturk
from pytest_mturk import Simulator, UsageError, mturk_sim

# Inner runs make warnings fatal, like ours. pytest-benchmark (where installed) warns
# under xdist, also in inline runs inside an xdist worker, and hypothesis's plugin only
# costs start-up time: both stay out.
INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest
filterwarnings = error
{extra}
"""

# What the inner suites share: a HIT builder and keys for clients made outside tests.
HELPERS = f"""
import boto3, pytest, pytest_mturk

HIT_ARGS = {HIT_ARGS!r}

def sandbox():
    return boto3.client(
        "mturk", region_name="sandbox",
        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="secret",
    )

SHARED = sandbox()  # clients outlive simulators: each call goes to the active one

def new_hit():
    return SHARED.create_hit(**HIT_ARGS)["HIT"]["HITId"]
"""


@pytest.fixture
def suite(pytester):
    """Write an inner test suite: ``suite(tests, ini="", conftest="")``."""

    def write(tests: str, ini: str = "", conftest: str = "") -> pytest.Pytester:
        pytester.makeini(INI.format(extra=ini))
        pytester.makepyfile(helpers=HELPERS, test_suite=tests)
        if conftest:
            pytester.makeconftest(conftest)
        return pytester

    skip_if_simulated()
    return write


# -- the fixture ---------------------------------------------------------------------------

FRESH_EACH_TIME = """
import pytest, pytest_mturk
from helpers import new_hit

@pytest.mark.parametrize("n", range(6))
def test_fresh(mturk, n):
    assert pytest_mturk.current() is mturk and mturk.active
    assert len(mturk.hits) == 0 and mturk.calls == []
    new_hit()
    new_hit()
    assert len(mturk.hits) == 2

def test_gone_afterwards():
    assert pytest_mturk.current() is None
"""


def test_the_fixture_is_fresh_for_each_test_and_torn_down(suite):
    result = suite(FRESH_EACH_TIME).runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=7)
    assert pytest_mturk.current() is None


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_no_state_leaks_in_random_order(suite, seed):
    result = suite(FRESH_EACH_TIME).runpytest("-p", "randomly", f"--randomly-seed={seed}")
    result.assert_outcomes(passed=7)


def test_no_state_leaks_across_xdist_workers(suite):
    result = suite(FRESH_EACH_TIME).runpytest_subprocess("-n", "2", "-p", "randomly")
    result.assert_outcomes(passed=7)


ASKED_BY_NAME = """
import pytest, pytest_mturk
from helpers import new_hit

SEEN = []


@pytest.fixture
def before():
    yield
    SEEN.append(("before", pytest_mturk.current()))


@pytest.fixture
def asks(before, request):
    simulator = request.getfixturevalue("mturk")
    assert pytest_mturk.current() is simulator and simulator.active
    yield simulator
    SEEN.append(("asks", pytest_mturk.current() is simulator))


def test_asked_by_name(asks):
    new_hit()
    assert len(asks.hits) == 1


def test_the_simulator_stopped_as_the_fixture_that_asked_for_it_was_torn_down():
    # Torn down right after the fixture that asked for it, before the fixtures set up
    # before that one.
    assert SEEN == [("asks", True), ("before", None)]
    assert pytest_mturk.current() is None
"""


def test_a_fixture_can_ask_for_the_simulator_by_name(suite):
    result = suite(ASKED_BY_NAME).runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_the_simulator_stops_even_when_the_test_fails(suite):
    result = suite(
        """
import pytest_mturk

def test_fails(mturk):
    raise AssertionError("boom")

def test_after():
    assert pytest_mturk.current() is None
"""
    ).runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)


# -- the flag and the ini option -----------------------------------------------------------

NO_FIXTURE = """
import pytest, pytest_mturk
from helpers import sandbox, new_hit, HIT_ARGS

CLIENT = sandbox()  # made at import, before any simulator

@pytest.fixture(scope="module")
def module_hit():
    return new_hit()  # answered by the session's simulator

def test_one(module_hit):
    assert pytest_mturk.current() is not None
    # The module fixture's HIT lives on the run-wide simulator, and each test's starts
    # as a copy of it (the sandbox account a suite shares)...
    assert CLIENT.list_hits()["NumResults"] == 1
    CLIENT.create_hit(**HIT_ARGS)
    assert CLIENT.list_hits()["NumResults"] == 2

def test_two():
    # ... but not what another test did.
    assert CLIENT.list_hits()["NumResults"] == 1
"""


def test_the_flag_simulates_tests_that_do_not_ask(suite):
    result = suite(NO_FIXTURE).runpytest("--mturk-sim", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_the_ini_option(suite):
    result = suite(NO_FIXTURE, ini="mturk_sim = true").runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_without_the_flag_nothing_is_simulated(suite):
    result = suite(
        """
import pytest_mturk

def test_plain():
    assert pytest_mturk.current() is None
"""
    ).runpytest()
    result.assert_outcomes(passed=1)


def test_the_flag_and_a_suite_with_its_own_mturk_fixture(suite):
    conftest = """
import pytest
from helpers import sandbox

@pytest.fixture
def mturk():
    return sandbox()   # the suite's own client, named like ours
"""
    tests = """
import pytest_mturk
from helpers import HIT_ARGS

def test_uses_its_own_fixture(mturk):
    assert pytest_mturk.current() is not None
    hit = mturk.create_hit(**HIT_ARGS)["HIT"]
    assert pytest_mturk.current().hits[hit["HITId"]].status == "Assignable"

def test_next_test_is_fresh(mturk):
    assert mturk.list_hits()["NumResults"] == 0
"""
    result = suite(tests, conftest=conftest).runpytest("--mturk-sim", "-p", "randomly")
    result.assert_outcomes(passed=2)


# -- the marker and precedence -------------------------------------------------------------


def test_the_marker(suite):
    result = suite(
        """
import datetime, decimal, pytest, pytest_mturk
from helpers import new_hit

@pytest.mark.mturk(seed=7, start="2026-01-05T09:00:00+00:00", balance="25.00",
                   environment="production")
def test_marked(mturk):
    assert mturk.settings.seed == 7
    assert mturk.now == datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.timezone.utc)
    assert mturk.balance == decimal.Decimal("25.00")   # production's
    assert mturk.sandbox.balance == decimal.Decimal("10000.00")

@pytest.mark.mturk(seed=7)
def test_marked_without_the_fixture():
    assert pytest_mturk.current() is not None   # the marker alone simulates the test
    new_hit()

@pytest.mark.mturk(seed=7)
class TestClass:
    @pytest.mark.mturk(balance="3.00")
    def test_closest_wins_and_merges(self, mturk):
        assert (mturk.settings.seed, mturk.production.balance) == (7, decimal.Decimal("3.00"))
"""
    ).runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3)


PRECEDENCE = """
import pytest

{mark}
def test_settings(mturk):
    assert str(mturk.settings.seed) == "{seed}"
    assert str(mturk.production.balance) == "{balance}"
"""


@pytest.mark.parametrize(
    ("mark", "args", "seed", "balance"),
    [
        ("", (), "1", "11.00"),  # ini
        ('@pytest.mark.mturk(seed=2, balance="22.00")', (), "2", "22.00"),  # marker > ini
        ('@pytest.mark.mturk(seed=2, balance="22.00")', ("--mturk-seed=3",), "3", "22.00"),
        ("", ("--mturk-seed=3",), "3", "11.00"),  # command line > ini
    ],
)
def test_precedence_command_line_then_marker_then_ini(suite, mark, args, seed, balance):
    tests = PRECEDENCE.format(mark=mark, seed=seed, balance=balance)
    ini = "mturk_seed = 1\nmturk_balance = 11.00"
    result = suite(tests, ini=ini).runpytest(*args)
    result.assert_outcomes(passed=1)


def test_a_marker_with_a_misspelt_setting_says_so(suite):
    result = suite(
        """
import pytest

@pytest.mark.mturk(sead=1)
def test_typo(mturk):
    pass

@pytest.mark.mturk(7)
def test_positional():
    pass
"""
    ).runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*pytest-mturk settings*Unknown simulator setting(s)*sead*",
            "*pytest-mturk settings*@pytest.mark.mturk takes keyword arguments only.",
        ]
    )


def test_a_settings_error_is_reported_once(suite):
    result = suite(
        """
import pytest

@pytest.mark.mturk(balanse="5.00")
def test_typo(mturk):
    pass
"""
    ).runpytest("-p", "no:randomly", "-rN")  # -rN: no summary line repeating the message
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert output.count("Unknown simulator setting(s) 'balanse'") == 1
    assert "During handling" not in output


def test_a_bad_ini_setting_met_by_a_module_fixture_is_reported_once(suite):
    # Without the flag the run-wide simulator is made only when a simulated test's
    # broader-scoped fixture needs it: the error is that test's, without the plugin's code.
    result = suite(
        """
import pytest

@pytest.fixture(scope="module")
def shared():
    return 1

@pytest.mark.mturk
def test_x(shared):
    pass
""",
        ini="mturk_balance = lots",
    ).runpytest("-p", "no:randomly", "-rN")  # -rN: no summary line repeating the message
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert output.count("balance must be an amount such as '500.00', not 'lots'.") == 1
    assert "During handling" not in output
    assert "plugin.py" not in output


def test_bad_ini_settings_stop_the_run(suite):
    result = suite("def test_x():\n    pass\n", ini="mturk_balance = lots").runpytest("--mturk-sim")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-mturk settings*balance must be an amount*"])


def test_the_flags_help_says_what_a_tests_simulator_starts_from(pytester):
    help_text = " ".join(pytester.runpytest("--help").stdout.str().split())
    assert (
        "--mturk-sim simulate MTurk for every test: each test's simulator starts as a copy "
        "of the run-wide one, which answers calls made outside tests and by broader-scoped "
        "fixtures (a marker's own seed, start, balance or load starts it afresh); no MTurk "
        "request leaves the process."
    ) in help_text


def test_plugin_off(suite):
    tests = """
import sys

def test_not_loaded():
    assert "pytest_mturk" not in sys.modules

def test_no_fixture(mturk):
    pass
"""
    result = suite(tests).runpytest_subprocess("-p", "no:mturk")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'mturk' not found*"])
    result = suite(tests).runpytest_subprocess("-p", "no:mturk", "--mturk-sim")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


# -- seeds, the context manager and the decorator ------------------------------------------


def _ids(seed):
    with mturk_sim(seed=seed):
        client = boto3.client("mturk", region_name="sandbox")
        hits = [client.create_hit(**HIT_ARGS)["HIT"] for _ in range(3)]
        worker = pytest_mturk.current().worker("A1B2C3D4E5F6G7")
        assignment = worker.accept(hits[0]["HITId"])
        return [(h["HITId"], h["HITTypeId"], h["HITGroupId"]) for h in hits], assignment


@pytest.fixture
def free():
    skip_if_simulated()


def test_same_seed_same_ids_different_seed_different_ids(free):
    assert _ids(5) == _ids(5)
    assert _ids("5") == _ids(5)
    first, _ = _ids(5)
    other, _ = _ids(6)
    assert not {ids for triple in first for ids in triple} & {
        ids for triple in other for ids in triple
    }


def test_the_context_manager(free):
    with mturk_sim(start="2026-01-05T09:00:00Z") as sim:
        assert isinstance(sim, Simulator) and sim.active
        assert pytest_mturk.current() is sim
        assert sim.now == _dt.datetime(2026, 1, 5, 9, tzinfo=_dt.timezone.utc)
    assert not sim.active and pytest_mturk.current() is None


def test_nesting(free):
    with mturk_sim() as outer:
        client = boto3.client("mturk", region_name="sandbox")
        client.create_hit(**HIT_ARGS)
        with mturk_sim() as inner:
            assert pytest_mturk.current() is inner
            assert client.list_hits()["NumResults"] == 0
        assert pytest_mturk.current() is outer
        assert client.list_hits()["NumResults"] == 1
    assert [c.operation for c in outer.calls] == ["CreateHIT", "ListHITs"]
    assert [c.operation for c in inner.calls] == ["ListHITs"]


@pytest.mark.parametrize("style", ["bare", "called", "instance"])
def test_the_decorator_makes_a_fresh_simulator_per_call(free, style):
    seen = []

    def body(label):
        sim = pytest_mturk.current()
        client = boto3.client("mturk", region_name="sandbox")
        assert client.list_hits()["NumResults"] == 0
        client.create_hit(**HIT_ARGS)
        seen.append((sim, sim.settings.seed))
        return label

    # Only the simulator this style decorates with is made: one made and never used would be
    # an unstarted simulator, refusing other tests' calls until the garbage collector runs.
    decorate = {
        "bare": lambda func: mturk_sim(func),
        "called": lambda func: mturk_sim(seed=4)(func),
        "instance": lambda func: Simulator(seed=4)(func),
    }
    decorated = decorate[style](body)
    assert decorated.__name__ == "body"
    assert decorated("a") == "a" and decorated("b") == "b"
    assert seen[0][0] is not seen[1][0]
    assert pytest_mturk.current() is None


@pytest.mark.parametrize("style", ["bare", "called"])
def test_the_decorator_keeps_a_coroutine_function_simulated_while_it_runs(free, style):
    async def body(label):
        await asyncio.sleep(0)  # the simulator must outlive the first suspension
        sim = pytest_mturk.active_simulator()
        client = boto3.client("mturk", region_name="sandbox")
        client.create_hit(**HIT_ARGS)
        return label, len(sim.sandbox.hits)

    decorated = mturk_sim(body) if style == "bare" else mturk_sim(seed=4)(body)
    assert inspect.iscoroutinefunction(decorated)
    assert decorated.__name__ == "body"
    assert asyncio.run(decorated("a")) == ("a", 1)
    assert asyncio.run(decorated("b")) == ("b", 1)  # a fresh simulator per call
    assert pytest_mturk.current() is None


def test_misuse_is_explained(free):
    with pytest.raises(UsageError, match="keyword arguments"):
        mturk_sim(5)
    with pytest.raises(UsageError, match="environment must be"):
        mturk_sim(environment="staging")
    with pytest.raises(UsageError, match="start must be"):
        mturk_sim(start="next tuesday")
    with pytest.raises(UsageError, match="balance must be"):
        mturk_sim(balance="lots")


# -- inspection ----------------------------------------------------------------------------


def test_calls_record_operation_params_and_outcome(mturk, client):
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    with pytest.raises(ClientError):
        client.get_hit(HITId="NOSUCHHIT")
    with pytest.raises(ClientError):
        client.list_hits(MaxResults=101)
    created, missing, invalid = mturk.calls
    assert (created.operation, created.environment, created.ok) == ("CreateHIT", "sandbox", True)
    assert created.params["Title"] == HIT_ARGS["Title"]
    assert created.params["LifetimeInSeconds"] == HIT_ARGS["LifetimeInSeconds"]
    assert created.response["HIT"]["HITId"] == hit["HITId"]
    assert created.error is None
    assert created.time == mturk.now
    assert (missing.operation, missing.ok, missing.params) == (
        "GetHIT",
        False,
        {"HITId": "NOSUCHHIT"},
    )
    assert missing.error.code == "AWS.MechanicalTurk.HITDoesNotExist"
    assert missing.error.message == "Hit NOSUCHHIT does not exist."
    assert invalid.error.type == "ValidationException"
    # A copy: changing it changes nothing.
    mturk.calls.clear()
    assert len(mturk.calls) == 3


def test_settings_reach_the_balance_views(mturk):
    assert mturk.balance == Decimal("10000.00")
    assert mturk.production.balance == Decimal("10000.00")
