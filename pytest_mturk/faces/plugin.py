"""The pytest face: the ``mturk`` fixture, the ``--mturk-sim`` flag, the ``mturk`` marker.

Configuration precedence: command line > marker > ini file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, cast

import pytest

from ..core.errors import UsageError
from . import plugin_options as _options
from . import settings as _settings

if TYPE_CHECKING:
    from .settings import SimulatorSettings
    from .simulator import Simulator
    from .spare import Made, Spare
    from .threaded import ThreadServer

# The simulator (and with it botocore) is imported only when a test needs one,
# so the plugin costs pytest's start-up almost nothing.
# The run-wide simulator: it answers what broader-scoped fixtures (module, class,
# package, session) do, and each test's simulator starts as a copy of it.
_SESSION_KEY = pytest.StashKey["Simulator"]()
# The item whose setup, call or teardown is running (for pytest_fixture_setup).
_ITEM_KEY = pytest.StashKey["pytest.Item | None"]()


class _Test:
    """What the plugin knows of one test (in its stash, under _TEST_KEY)."""

    __slots__ = ("markers", "simulated", "simulator", "origin", "made")

    def __init__(self, item: pytest.Item) -> None:
        self.markers = list(item.iter_markers("mturk"))  # closest first
        # Whether it gets a simulator: the flag, a marker, or our ``mturk`` fixture.
        self.simulated = _options.flag(item.config) or bool(self.markers) or _uses_our_fixture(item)
        self.simulator: Simulator | None = None
        # How its simulator started: "copy" (of the run-wide one), "empty" (fresh: the
        # run-wide one held nothing yet), "settings" (fresh: seed, start or balance
        # differ), "loaded".
        self.origin = "empty"
        self.made: Made | None = None  # its fresh simulator as made (faces/spare.py)


class _Run:
    """What the plugin keeps for the run (in the config's stash, under _RUN_KEY): the
    settings of the ini file and the command line, read once, and the untouched service
    kept for the next test (faces/spare.py)."""

    __slots__ = ("settings", "spare")

    def __init__(self, config: pytest.Config) -> None:
        settings = dict(_options.ini_settings(config))
        seed = config.getoption("mturk_seed")
        if seed is not None:
            settings["seed"] = seed
        self.settings = settings
        self.spare: Spare | None = None


_TEST_KEY = pytest.StashKey[_Test]()
_RUN_KEY = pytest.StashKey[_Run]()


def _test(item: pytest.Item) -> _Test:
    # Asked first (a stash's get() raises and catches a KeyError when the key is not there).
    stash = item.stash
    if _TEST_KEY in stash:
        return stash[_TEST_KEY]
    test = stash[_TEST_KEY] = _Test(item)
    return test


def _run(config: pytest.Config) -> _Run:
    run = config.stash.get(_RUN_KEY, None)
    if run is None:
        run = config.stash[_RUN_KEY] = _Run(config)
    return run


def _new_simulator(settings: Mapping[str, Any]) -> Simulator:
    from .simulator import Simulator

    # Marker and ini values reach the simulator unchecked by any type checker: it checks
    # every name and value itself, and says what is wrong (a UsageError).
    return Simulator(**settings)


def pytest_addoption(parser: pytest.Parser) -> None:
    _options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mturk(**settings): simulate MTurk for this test, with these settings (keyword "
        f"arguments, as for pytest_mturk.mturk_sim): {', '.join(_settings.NAMES)}.",
    )
    if _options.flag(config):
        # A simulator for the whole run catches calls made outside any test (collection,
        # broader-scoped fixtures); each test's simulator starts as a copy of it.
        try:
            run = _run_wide(config)
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[_SESSION_KEY] = run.start()


def _run_wide(config: pytest.Config) -> Simulator:
    """The run-wide simulator (made on first use, with the ini and command-line settings);
    a :class:`UsageError` that names where the settings came from if they are wrong."""
    simulator = config.stash.get(_SESSION_KEY, None)
    if simulator is not None:
        return simulator
    settings = _options.ini_settings(config)
    seed = config.getoption("mturk_seed")
    if seed is not None:
        settings["seed"] = seed
    try:
        simulator = _new_simulator(settings)
    except UsageError as exc:
        raise UsageError(f"pytest-mturk settings (ini, command line): {exc}") from None
    # Without the flag it is only ever active around broader-scoped fixtures: while
    # it waits, a test that uses no simulator must still reach botocore, which an
    # unstarted simulator would refuse.
    from ..doors import stack

    stack.unstarted.discard(simulator)
    config.stash[_SESSION_KEY] = simulator
    return simulator


def pytest_unconfigure(config: pytest.Config) -> None:
    simulator = config.stash.get(_SESSION_KEY, None)
    if simulator is not None:
        simulator.stop()


def _simulator_for(
    request: pytest.FixtureRequest, test: _Test | None = None, finish: bool = True
) -> Simulator:
    """The test's simulator, started now if it has none yet (stopped by a finalizer of
    ``request``'s fixture, or by the caller when ``finish`` is false)."""
    node = request.node
    if test is None:
        test = _test(node)
    simulator = test.simulator
    if simulator is None:
        run = _run(node.config)
        try:
            simulator = _start_state(
                node, _options.settings_for(node, test.markers, run.settings), test, run
            )
        except UsageError as exc:
            _refuse(f"pytest-mturk settings (ini, marker, command line): {exc}")
        simulator.start()
        test.simulator = simulator
        if finish:
            request.addfinalizer(lambda: _finish(test, run))
    return simulator


def _refuse(message: str) -> NoReturn:
    """Fail the test with ``message`` alone: no traceback of the plugin, and not the
    error being handled too ("During handling of the above exception...")."""
    raise pytest.fail.Exception(message, pytrace=False) from None


def _start_state(node: pytest.Item, settings: dict[str, Any], test: _Test, run: _Run) -> Simulator:
    """The test's simulator: a copy of the run-wide one, so that what broader-scoped
    fixtures made is there, or a fresh one when that one holds nothing yet (the
    common case, and cheaper) or was made with another seed, start or balance; or
    the state its marker loads. Notes how it started in ``test``."""
    if settings.get("load") is not None:
        test.origin = "loaded"
        return _new_simulator(settings)
    # Asked first, as in _test: without the flag there is none, and get() would raise.
    stash = node.config.stash
    session = stash[_SESSION_KEY] if _SESSION_KEY in stash else None  # noqa: SIM401
    if session is None or session._pristine():
        test.origin = "empty"
        return _fresh(settings, test, run)
    from .settings import resolve, same_world
    from .simulator import Simulator

    # Checked by resolve() itself, as for _new_simulator.
    if not same_world(resolve(cast("SimulatorSettings", settings)), session.settings):
        test.origin = "settings"
        return _fresh(settings, test, run)
    test.origin = "copy"
    return Simulator._copy_of(session, **settings)


def _fresh(settings: dict[str, Any], test: _Test, run: _Run) -> Simulator:
    """A fresh simulator: the service of the last test's if that test left it untouched
    and had the same settings, else a new one (faces/spare.py)."""
    spare = run.spare
    if spare is None:
        from .spare import Spare

        spare = run.spare = Spare()
    made = test.made = spare.fresh(settings, starting=True)  # _simulator_for starts it next
    return made.simulator


def _simulated(item: pytest.Item) -> bool:
    """Whether the test gets a simulator: the flag, the marker, or our ``mturk`` fixture."""
    return _test(item).simulated


def _uses_our_fixture(item: pytest.Item) -> bool:
    if "mturk" not in getattr(item, "fixturenames", ()):
        return False
    # A suite may define a fixture of its own named mturk: only ours means a simulator.
    # Follow overrides that request the fixture they override (``def mturk(mturk)``).
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get("mturk", ()) if info is not None else ()
    for definition in reversed(definitions):
        func = definition.func
        if func.__module__ == __name__ and func.__name__ == "mturk":
            return True
        if "mturk" not in definition.argnames:
            return False
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    item.config.stash[_ITEM_KEY] = item
    try:
        yield
    finally:
        item.config.stash[_ITEM_KEY] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Iterator[None]:
    """What a broader-scoped fixture of a simulated test does, in its setup and its
    teardown, goes to the run-wide simulator (the shared sandbox account of a suite
    written for the real one); each test's simulator starts as a copy of it."""
    item = request.config.stash.get(_ITEM_KEY, None)
    if fixturedef.scope == "function" or item is None or not _simulated(item):
        yield
        return
    from ..doors import stack

    try:
        run = _run_wide(request.config)
    except UsageError as exc:
        _refuse(str(exc))
    service = run._core()
    # Finalizers run last-added first: this one after the fixture's own teardown...
    fixturedef.addfinalizer(lambda: stack.pop(service))
    stack.push(service, run)
    try:
        yield
    finally:
        stack.pop(service)
    # ... and this one before it, which the fixture registered meanwhile. So its
    # teardown is simulated too, even when it runs after a test that uses no simulator.
    fixturedef.addfinalizer(lambda: stack.push(service, run))


def _finish(test: _Test, run: _Run) -> None:
    simulator = test.simulator
    if simulator is not None:
        simulator.stop()
        test.simulator = None
        made = test.made
        if made is not None:
            test.made = None
            spare = run.spare
            if spare is not None:
                spare.handed_back(made)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test that used a simulator shows its last calls and events."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed:
        return
    test = item.stash.get(_TEST_KEY, None)
    if test is None or test.simulator is None:
        return
    simulator = test.simulator
    from .report import missing_hints, summary

    run = item.config.stash.get(_SESSION_KEY, None)
    hints = missing_hints(
        simulator._core(),
        run._core() if run is not None else None,
        test.origin,
        str(call.excinfo.value) if call.excinfo is not None else "",
    )
    if hints:
        report.sections.append(("simulated MTurk: IDs this test's simulator cannot see", hints))
    if item.config.getini("mturk_report"):
        report.sections.append(
            ("simulated MTurk: last calls and events", summary(simulator._core()))
        )


@pytest.fixture(autouse=True)
def _mturk_autouse(request: pytest.FixtureRequest) -> Iterator[Any]:
    """With --mturk-sim (or a ``mturk`` marker) every test runs against its own simulator,
    whether or not it asks for the ``mturk`` fixture.

    Autouse, it also makes the simulator of a test that asks for ``mturk`` before the
    test's other function-scoped fixtures run, so that what they do is simulated too.
    """
    test = _test(request.node)
    if not test.simulated:
        # What the ``mturk`` fixture needs should a fixture ask for it by name
        # (``request.getfixturevalue``), which no test's setup can foresee.
        yield request
        return
    simulator = _simulator_for(request, test, finish=False)
    try:
        yield simulator
    finally:
        # Before the finalizers of the fixture's own request, as one added there would.
        _finish(test, _run(request.config))


@pytest.fixture
def mturk(_mturk_autouse: Any) -> Simulator:
    """This test's active :class:`~pytest_mturk.Simulator`: fresh, or a copy of the
    run-wide one when broader-scoped fixtures have made objects there."""
    # Made by _mturk_autouse for every test that asks for it (without a ``request`` of
    # its own, which pytest makes anew for each fixture that takes one).
    if not isinstance(_mturk_autouse, pytest.FixtureRequest):
        simulator: Simulator = _mturk_autouse
        return simulator
    # Asked for by name: started by a fixture of its own, stopped as this one is.
    started: Simulator = _mturk_autouse.getfixturevalue("_mturk_requested")
    return started


@pytest.fixture
def _mturk_requested(request: pytest.FixtureRequest) -> Simulator:
    """The simulator of a test that asks for ``mturk`` by name (see ``mturk``)."""
    return _simulator_for(request)


@pytest.fixture
def mturk_server(mturk: Simulator) -> Iterator[ThreadServer]:
    """An HTTP server for this test (a :class:`~pytest_mturk.ThreadedServer`), on a free
    loopback port, answering from the test's simulator: what the test does in process and
    what a client (another process, another language) does over HTTP see one state.
    ``url``, ``endpoint_url`` (the sandbox), ``production_endpoint_url`` and ``control``
    (its control API). Needs the ``server`` extra."""
    from .threaded import ThreadServer

    try:
        server = ThreadServer(mturk)
    except UsageError as exc:
        missing = str(exc)
    else:
        with server:
            yield server
        return
    # Outside the except block: one message, not the UsageError and then this.
    pytest.fail(missing, pytrace=False)
