"""The pytest face: the ``mturk`` fixture, the ``--mturk-sim`` flag, the ``mturk`` marker.

Configuration precedence: command line > marker > ini file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from . import settings as _settings
from .errors import UsageError

if TYPE_CHECKING:
    from .settings import SimulatorSettings
    from .simulator import Simulator

# The simulator (and with it botocore) is imported only when a test needs one,
# so the plugin costs pytest's start-up almost nothing.
_SIM_KEY = pytest.StashKey["Simulator"]()
_SESSION_KEY = pytest.StashKey["Simulator"]()


def _new_simulator(settings: Mapping[str, Any]) -> Simulator:
    from .simulator import Simulator

    # Marker and ini values reach the simulator unchecked by any type checker: it checks
    # every name and value itself, and says what is wrong (a UsageError).
    return Simulator(**settings)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mturk", "simulated Amazon Mechanical Turk")
    group.addoption(
        "--mturk-sim",
        action="store_true",
        default=None,
        help="answer every boto3 mturk call of every test with a fresh simulator "
        "(no MTurk request leaves the process).",
    )
    group.addoption("--mturk-seed", default=None, help="seed for the simulator's IDs (default 0).")
    parser.addini(
        "mturk_sim", "simulate MTurk for every test (like --mturk-sim)", type="bool", default=False
    )
    parser.addini("mturk_seed", "seed for the simulator's IDs", default="0")
    parser.addini("mturk_balance", "production's starting balance, e.g. 500.00", default="")
    parser.addini(
        "mturk_environment", "sandbox or production: what sim.client() means", default="sandbox"
    )
    parser.addini(
        "mturk_access_keys",
        "the only AWS access key IDs the simulator accepts",
        type="linelist",
        default=[],
    )
    parser.addini(
        "mturk_fake_credentials",
        "hand example keys to clients that find no AWS credentials (false: NoCredentialsError)",
        type="bool",
        default=True,
    )
    parser.addini(
        "mturk_strict_workers",
        "only workers made with sim.worker() exist",
        type="bool",
        default=False,
    )
    parser.addini(
        "mturk_report",
        "show a failing test's simulated MTurk calls and events in its report",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mturk(**settings): simulate MTurk for this test, with these settings (keyword "
        f"arguments, as for pytest_mturk.mturk_sim): {', '.join(_settings.NAMES)}.",
    )
    if _flag(config):
        # A simulator for the whole session catches calls made outside any test
        # (module fixtures, collection); each test gets a fresh one on top.
        settings = _ini_settings(config)
        seed = config.getoption("mturk_seed")
        if seed is not None:
            settings["seed"] = seed
        try:
            simulator = _new_simulator(settings)
        except UsageError as exc:
            raise pytest.UsageError(f"pytest-mturk settings (ini, command line): {exc}") from None
        config.stash[_SESSION_KEY] = simulator.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    simulator = config.stash.get(_SESSION_KEY, None)
    if simulator is not None:
        simulator.stop()


def _flag(config: pytest.Config) -> bool:
    option = config.getoption("mturk_sim")
    if option is not None:
        return bool(option)
    return bool(config.getini("mturk_sim"))


def _ini_settings(config: pytest.Config) -> SimulatorSettings:
    # Typed, so that a misspelt key here is a type error.
    settings: SimulatorSettings = {"seed": config.getini("mturk_seed") or 0}
    if config.getini("mturk_balance"):
        settings["balance"] = config.getini("mturk_balance")
    keys = config.getini("mturk_access_keys")
    if keys:
        settings["access_keys"] = keys
    if not config.getini("mturk_fake_credentials"):
        settings["fake_credentials"] = False
    if config.getini("mturk_strict_workers"):
        settings["strict_workers"] = True
    settings["environment"] = config.getini("mturk_environment") or "sandbox"
    return settings


def _settings_for(item: pytest.Item) -> dict[str, Any]:
    settings: dict[str, Any] = dict(_ini_settings(item.config))
    for marker in reversed(list(item.iter_markers("mturk"))):
        if marker.args:
            raise UsageError("@pytest.mark.mturk takes keyword arguments only.")
        settings.update(marker.kwargs)
    seed = item.config.getoption("mturk_seed")
    if seed is not None:
        settings["seed"] = seed
    return settings


def _simulator_for(request: pytest.FixtureRequest) -> Simulator:
    node = request.node
    simulator: Simulator | None = node.stash.get(_SIM_KEY, None)
    if simulator is None:
        try:
            simulator = _new_simulator(_settings_for(node))
        except UsageError as exc:
            pytest.fail(f"pytest-mturk settings (ini, marker, command line): {exc}", pytrace=False)
        simulator.start()
        node.stash[_SIM_KEY] = simulator
        request.addfinalizer(lambda: _finish(node))
    return simulator


def _finish(node: pytest.Item) -> None:
    simulator = node.stash.get(_SIM_KEY, None)
    if simulator is not None:
        simulator.stop()
        del node.stash[_SIM_KEY]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test that used a simulator shows its last calls and events."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed:
        return
    simulator = item.stash.get(_SIM_KEY, None)
    if simulator is None or not item.config.getini("mturk_report"):
        return
    from .report import summary

    report.sections.append(("simulated MTurk: last calls and events", summary(simulator._service)))


@pytest.fixture(autouse=True)
def _mturk_autouse(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --mturk-sim (or a ``mturk`` marker) every test runs against a fresh simulator,
    whether or not it asks for the ``mturk`` fixture."""
    if _flag(request.config) or request.node.get_closest_marker("mturk") is not None:
        _simulator_for(request)
    yield


@pytest.fixture
def mturk(request: pytest.FixtureRequest) -> Simulator:
    """A fresh, active :class:`~pytest_mturk.Simulator` for this test."""
    return _simulator_for(request)
