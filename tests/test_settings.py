"""The settings, listed once and checked at run time too; ``active_simulator()``; typing-only
imports stay so.

What a type checker reports is in ``test_typing.py``; this is what untyped code and the
``mturk`` marker (which no type checker sees) meet.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest
from conftest import skip_if_simulated

import pytest_mturk
from pytest_mturk import Simulator, UsageError, active_simulator, current, mturk_sim
from pytest_mturk.core.service import Settings
from pytest_mturk.faces.settings import NAMES

ALL = (
    "seed, start, balance, access_keys, strict_workers, environment, fake_credentials, load, "
    "keep_calls"
)

INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest -p no:randomly
filterwarnings = error
"""


@pytest.fixture
def free():
    skip_if_simulated()


def test_the_settings_are_listed_once():
    assert ", ".join(NAMES) == ALL
    # What the simulator keeps: one field per setting, no more.
    assert set(NAMES) == {field.name for field in dataclasses.fields(Settings)}


def test_every_public_name_is_exported_once():
    assert len(pytest_mturk.__all__) == len(set(pytest_mturk.__all__))
    assert set(pytest_mturk.__all__) == set(pytest_mturk._EXPORTS) | {"__version__"}
    for name in pytest_mturk.__all__:
        assert getattr(pytest_mturk, name) is not None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sed": 1}, "Unknown simulator setting(s) 'sed' (did you mean 'seed'?); "),
        (
            {"seed": 1, "colour": "red"},
            f"Unknown simulator setting(s) 'colour'; the settings are: {ALL}.",
        ),
        ({"seed": [1]}, "seed must be an int or a str, not [1]."),
        ({"start": 1767600000}, "start must be a datetime or ISO 8601 text"),
        ({"balance": [1]}, "balance must be an amount such as '500.00', not [1]."),
        ({"access_keys": 5}, "access_keys must be an access key ID or a list of them, not 5."),
        ({"access_keys": ["AKIAIOSFODNN7EXAMPLE", None]}, "access_keys must be"),
        ({"strict_workers": "yes"}, "strict_workers must be True or False, not 'yes'."),
        ({"fake_credentials": 0}, "fake_credentials must be True or False, not 0."),
        ({"environment": "staging"}, "environment must be 'sandbox' or 'production'"),
        (
            {"keep_calls": 0},
            "keep_calls must be a number of calls, 1 or more (or None: all), not 0.",
        ),
        ({"keep_calls": True}, "keep_calls must be a number of calls, 1 or more"),
        ({"keep_calls": "10"}, "keep_calls must be a number of calls, 1 or more"),
    ],
)
def test_untyped_code_meets_the_same_checks(settings, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        Simulator(**settings)
    with pytest.raises(UsageError, match=re.escape(message)):
        mturk_sim(**settings)


def test_access_keys_may_be_any_iterable():
    keys = ["AKIAIOSFODNN7EXAMPLE", "AKIDEXAMPLE000000000"]
    with mturk_sim(access_keys=iter(keys)) as sim:
        assert sim.settings.access_keys == frozenset(keys)
    with mturk_sim(access_keys=keys[0]) as sim:
        assert sim.settings.access_keys == frozenset(keys[:1])

    @mturk_sim(access_keys=iter(keys))
    def each_call() -> frozenset[str] | None:
        return active_simulator().settings.access_keys

    assert each_call() == each_call() == frozenset(keys)


def test_a_decorated_function_reaches_its_simulator(free):
    @mturk_sim(seed=3)
    def body(label: str) -> tuple[str, Simulator]:
        sim = active_simulator()
        assert sim is current() and sim.active and sim.settings.seed == 3
        return label, sim

    (_, first), (label, second) = body("a"), body("b")
    assert label == "b" and first is not second and not first.active

    @mturk_sim
    def bare() -> Simulator:
        return active_simulator()

    assert bare().settings.seed == 0


def test_without_a_simulator_it_says_what_to_do(free):
    with pytest.raises(UsageError, match=r"No simulator is active\. .*@mturk_sim.*current\(\)"):
        active_simulator()
    with mturk_sim() as outer, mturk_sim() as inner:
        assert active_simulator() is inner
    assert active_simulator.__module__ == "pytest_mturk.faces.entry" and outer is not inner


def test_in_a_test_it_is_the_tests_simulator(pytester, free):
    pytester.makeini(INI)
    pytester.makepyfile(
        """
import pytest, pytest_mturk

def test_fixture(mturk):
    assert pytest_mturk.active_simulator() is mturk

@pytest.mark.mturk(seed=5)
def test_marker():
    assert pytest_mturk.active_simulator().settings.seed == 5

def test_none():
    with pytest.raises(pytest_mturk.UsageError, match="No simulator is active"):
        pytest_mturk.active_simulator()
"""
    )
    pytester.runpytest().assert_outcomes(passed=3)
    result = pytester.runpytest("--mturk-sim", "-k", "not none")
    result.assert_outcomes(passed=2)


def test_the_marker_lists_and_checks_the_settings(pytester, free):
    pytester.makeini(INI)
    pytester.makepyfile(
        """
import pytest

@pytest.mark.mturk(sead=1)
def test_misspelt():
    pass

@pytest.mark.mturk(strict_workers="no")
def test_mistyped():
    pass
"""
    )
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines([f"@pytest.mark.mturk(**settings): *: {ALL}."])
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*pytest-mturk settings*'sead' (did you mean 'seed'?)*",
            "*pytest-mturk settings*strict_workers must be True or False, not 'no'.",
        ]
    )


def test_the_client_types_are_never_imported_at_run_time():
    # mypy-boto3-mturk is a typing-only dependency: installed or not, it costs nothing.
    script = (
        "import sys, pytest_mturk\n"
        "with pytest_mturk.mturk_sim() as sim:\n"
        "    sim.client(), sim.production.client(), pytest_mturk.active_simulator()\n"
        "assert 'mypy_boto3_mturk' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
