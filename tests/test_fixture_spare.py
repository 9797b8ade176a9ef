"""A test's fresh simulator is as new as one just built, whether or not it took over the
service of an earlier test's simulator that was never touched (faces/spare.py)."""

from __future__ import annotations

import pytest
from conftest import HIT_ARGS, skip_if_simulated

INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest -p no:randomly
filterwarnings = error
"""

SUITE = f"""
import time

import pytest
from pytest_mturk import mturk_sim

HIT_ARGS = {HIT_ARGS!r}
KEPT = {{}}


def first_id(sim):
    return sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"]


def test_a_untouched(mturk):
    KEPT["simulator"], KEPT["now"] = mturk, mturk.now
    time.sleep(0.005)


def test_b_as_new(mturk):
    earlier = KEPT["simulator"]
    assert mturk is not earlier and mturk.active and not earlier.active
    assert mturk.now > KEPT["now"]  # its clock started with it
    assert mturk.settings.seed == "0" and mturk.settings.keep_calls is None  # the ini's
    hit_id = first_id(mturk)
    with mturk_sim() as built:  # the same first ID as a simulator just built
        assert first_id(built) == hit_id
    assert list(mturk.hits) == [hit_id] and len(mturk.calls) == 1


def test_c_a_kept_simulator_stays_its_own():
    earlier = KEPT["simulator"]
    assert not earlier.active and len(earlier.hits) == 0 and earlier.calls == []
    assert earlier.now == KEPT["now"]


def test_d_settings_changed_in_place(mturk):
    mturk.settings.keep_calls = 3


def test_e_gets_its_own_settings(mturk):
    assert mturk.settings.keep_calls is None


@pytest.mark.mturk(seed=7)
def test_f_another_seed(mturk):
    assert mturk.settings.seed == 7
    hit_id = first_id(mturk)
    with mturk_sim(seed=7) as built:  # calls go to the innermost active simulator
        assert first_id(built) == hit_id


def test_g_back_to_the_ini_seed(mturk):
    assert mturk.settings.seed == "0"
    hit_id = first_id(mturk)
    with mturk_sim() as built:
        assert first_id(built) == hit_id
"""


@pytest.fixture
def suite(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(test_spare=SUITE)
    return pytester


def test_a_fresh_simulator_is_as_new_whichever_service_it_has(suite):
    suite.runpytest().assert_outcomes(passed=7)


def test_under_the_flag_each_test_is_as_new_too(suite):
    suite.runpytest("--mturk-sim").assert_outcomes(passed=7)
