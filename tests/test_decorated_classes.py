"""``@mturk_sim`` on a test class: every test runs, in a simulator of its own.

Before, a decorated class came back as a function: pytest said "no tests ran" and
unittest "Ran 0 tests ... OK", with every test silently gone. Each test here runs
the class as its user would (pytest, ``python -m unittest``) with the network
blocked, and checks that the tests ran and that their calls were simulated.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap

import pytest
from conftest import HIT_ARGS, skip_if_simulated

from pytest_mturk import UsageError, active_simulator, current, mturk_sim

INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest -p no:randomly -p no:cacheprovider
filterwarnings = error
"""

# The inner suites' helpers: a client with keys of its own, made outside any simulator,
# and a HIT made through it.
HELPERS = f"""
import boto3
from pytest_mturk import active_simulator, current, mturk_sim

HIT_ARGS = {HIT_ARGS!r}

def client():
    return boto3.client(
        "mturk", region_name="sandbox",
        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="secret",
    )

def new_hit():
    return client().create_hit(**HIT_ARGS)["HIT"]["HITId"]
"""


@pytest.fixture
def free():
    skip_if_simulated()


def _suite(pytester, tests: str) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makepyfile(helpers=HELPERS, test_suite=textwrap.dedent(tests))
    return pytester


def test_each_test_of_a_pytest_class_runs_in_a_fresh_simulator(pytester, free):
    suite = _suite(
        pytester,
        """
        import asyncio
        from helpers import active_simulator, current, mturk_sim, new_hit

        seen = []

        @mturk_sim(seed=7)
        class TestPipeline:
            def setup_method(self, method):
                # set-up, the test and its tear-down share the test's simulator
                self.sim = active_simulator()
                self.hit = new_hit()

            def teardown_method(self):
                assert active_simulator() is self.sim and self.sim.active
                seen.append(self.sim)

            def test_the_setup_hit_is_simulated(self):
                assert active_simulator() is self.sim and self.sim.settings.seed == 7
                assert list(self.sim.hits) == [self.hit]

            def test_each_test_starts_afresh(self):
                assert list(self.sim.hits) == [self.hit]
                new_hit()
                assert len(self.sim.hits) == 2

            @staticmethod
            def test_static():  # the simulator setup_method started
                assert len(active_simulator().hits) == 1

            @classmethod
            def test_class_method(cls):
                assert len(active_simulator().hits) == 1

            def test_no_simulator_is_shared(self):
                assert len({id(sim) for sim in seen}) == len(seen) and self.sim not in seen

            def helper(self):  # not a test: left alone
                return current()

        def test_after_the_class():
            assert current() is None and TestPipeline().helper() is None
            assert all(not sim.active for sim in seen) and len(seen) == 5
        """,
    )
    result = suite.runpytest_subprocess("--disable-socket")
    result.assert_outcomes(passed=6)


def test_class_level_setup_is_seen_by_each_test_and_changed_by_none(pytester, free):
    suite = _suite(
        pytester,
        """
        from helpers import active_simulator, current, mturk_sim, new_hit

        @mturk_sim
        class TestShared:
            @classmethod
            def setup_class(cls):
                cls.sim = active_simulator()
                cls.hit = new_hit()

            @classmethod
            def teardown_class(cls):
                assert active_simulator() is cls.sim
                assert list(cls.sim.hits) == [cls.hit]  # no test's HIT reached it

            def test_one(self):
                assert list(active_simulator().hits) == [self.hit]
                assert active_simulator() is not self.sim
                new_hit()

            def test_two(self):
                assert list(active_simulator().hits) == [self.hit]
                new_hit()

            class TestNested:  # nested test classes are decorated too
                def test_inner(self):
                    assert current() is not None and len(current().hits) == 0

        class TestSubclass(TestShared):  # subclasses inherit the decoration
            def test_three(self):
                assert list(active_simulator().hits) == [self.hit]
        """,
    )
    result = suite.runpytest_subprocess("--disable-socket")
    # TestShared's two and its nested one; the subclass's three (two inherited) and the
    # nested one it inherits.
    result.assert_outcomes(passed=7)


def test_a_failing_setup_or_teardown_leaves_no_simulator_behind(pytester, free):
    suite = _suite(
        pytester,
        """
        import pytest
        from helpers import current, mturk_sim, new_hit

        @mturk_sim
        class TestBroken:
            def setup_method(self, method):
                new_hit()
                if method.__name__ == "test_set_up_fails":
                    raise RuntimeError("set-up broke")

            def teardown_method(self, method):
                if method.__name__ == "test_tear_down_fails":
                    raise RuntimeError("tear-down broke")

            def test_set_up_fails(self):
                pass

            def test_tear_down_fails(self):
                assert len(current().hits) == 1

        @mturk_sim
        class TestOnlyTearDown:
            def test_it(self):
                self.sim = current()
                new_hit()

            def teardown_method(self):  # the test's simulator, though set-up was not asked for
                assert current() is self.sim and len(self.sim.hits) == 1

        def test_nothing_is_left_active():
            assert current() is None
        """,
    )
    result = suite.runpytest_subprocess("--disable-socket")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(["*RuntimeError: set-up broke*", "*RuntimeError: tear-down broke*"])


UNITTEST_SUITE = """
import socket
import unittest

from helpers import active_simulator, current, mturk_sim, new_hit


def refuse(*args, **kwargs):
    raise OSError("the network is blocked in this test")


socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse


@mturk_sim(seed=3)
class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.class_sim = active_simulator()
        cls.class_hit = new_hit()

    def setUp(self):
        self.sim = active_simulator()
        self.hit = new_hit()
        self.addCleanup(lambda: self.assertIs(current(), self.sim))

    def tearDown(self):
        self.assertIs(active_simulator(), self.sim)

    def test_setup_and_test_share_a_simulator(self):
        self.assertIs(active_simulator(), self.sim)
        self.assertIsNot(self.sim, self.class_sim)
        self.assertEqual(sorted(self.sim.hits), sorted([self.class_hit, self.hit]))
        self.assertEqual(self.sim.settings.seed, 3)

    def test_tests_do_not_see_each_other(self):
        new_hit()
        self.assertEqual(len(self.sim.hits), 3)

    def test_and_again(self):
        new_hit()
        self.assertEqual(len(self.sim.hits), 3)


@mturk_sim
class AsyncTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.sim = active_simulator()

    async def test_awaited(self):
        self.assertIs(current(), self.sim)
        new_hit()
        self.assertEqual(len(self.sim.hits), 1)


class NotDecorated(unittest.TestCase):
    def test_no_simulator(self):
        self.assertIsNone(current())
"""


def test_a_testcase_runs_under_unittest(pytester, free):
    pytester.makepyfile(helpers=HELPERS, test_cases=UNITTEST_SUITE)
    done = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_cases"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^Ran 5 tests in ", done.stderr, re.M), done.stderr
    assert done.stderr.rstrip().endswith("OK"), done.stderr


def test_a_testcase_runs_under_pytest(pytester, free):
    pytester.makeini(INI)
    pytester.makepyfile(helpers=HELPERS, test_cases=UNITTEST_SUITE)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=5)


# -- what a decorator is handed: handled, or refused loudly ---------------------------------


def test_a_class_without_tests_is_refused(free):
    with pytest.raises(UsageError, match=r"class .*Helper runs each of its tests .* has none"):

        @mturk_sim
        class Helper:
            def run(self) -> None:
                pass


def test_an_async_generator_is_refused(free):
    with pytest.raises(UsageError, match=r"async generator function .*stream.*with mturk_sim"):

        @mturk_sim
        async def stream():  # pragma: no cover - never called
            yield 1


def test_something_not_callable_is_refused(free):
    with pytest.raises(UsageError, match=r"decorates a function, a method or a test class"):
        mturk_sim()(42)  # type: ignore[arg-type]


def test_a_generator_runs_in_its_simulator_from_first_step_to_last(free):
    @mturk_sim(seed=9)
    def steps():
        sim = active_simulator()
        received = yield sim.settings.seed
        yield received
        assert current() is sim

    walk = steps()
    assert current() is None  # nothing runs before the first step
    assert next(walk) == 9
    assert current() is not None
    assert walk.send("back") == "back"
    with pytest.raises(StopIteration):
        next(walk)
    assert current() is None


def test_decorated_static_and_class_methods_and_coroutines_run_in_a_simulator(free):
    class Holder:
        @mturk_sim
        @staticmethod
        def static() -> bool:
            return current() is not None

        @mturk_sim
        @classmethod
        def klass(cls) -> type:
            assert current() is not None
            return cls

        @mturk_sim
        async def awaited(self) -> bool:
            await asyncio.sleep(0)
            return current() is not None

    assert Holder.static() and Holder().static()
    assert Holder.klass() is Holder
    assert asyncio.run(Holder().awaited())
    assert current() is None


def test_a_coroutine_test_method_of_a_class_runs_in_a_simulator(free):
    @mturk_sim
    class TestAsync:
        async def test_it(self) -> int:
            await asyncio.sleep(0)
            return len(active_simulator().hits)

    assert asyncio.run(TestAsync().test_it()) == 0
    assert current() is None
