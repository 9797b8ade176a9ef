"""What a run asks the pytest face for: its command-line options and ini keys, and the
simulator settings they and a test's ``mturk`` markers make (command line > marker > ini
file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..core.errors import UsageError
from . import settings as _settings

if TYPE_CHECKING:
    from .settings import SimulatorSettings

__all__ = ["add_options", "flag", "ini_settings", "settings_for"]


def add_options(parser: pytest.Parser) -> None:
    """The command-line options and ini keys (``pytest_addoption``)."""
    group = parser.getgroup("mturk", "simulated Amazon Mechanical Turk")
    group.addoption(
        "--mturk-sim",
        action="store_true",
        default=None,
        help="simulate MTurk for every test: each test's simulator starts as a copy of the "
        "run-wide one, which answers calls made outside tests and by broader-scoped "
        "fixtures (a marker's own seed, start, balance or load starts it afresh); no MTurk "
        "request leaves the process.",
    )
    group.addoption("--mturk-seed", default=None, help="seed for the simulator's IDs (default 0).")
    parser.addini(
        "mturk_sim", "simulate MTurk for every test (like --mturk-sim)", type="bool", default=False
    )
    parser.addini("mturk_seed", "seed for the simulator's IDs", default="0")
    parser.addini("mturk_balance", "production's starting balance, e.g. 500.00", default="")
    parser.addini(
        "mturk_environment",
        "sandbox or production: what sim.client() means (default: sandbox)",
        default="",
    )
    parser.addini(
        "mturk_access_keys",
        "the only AWS access key IDs the simulator accepts",
        type="linelist",
        default=[],
    )
    parser.addini(
        "mturk_fake_credentials",
        "hand the fallback key AKIAPYTESTMTURKNOKEY to clients that find no AWS credentials "
        "(false: NoCredentialsError)",
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


def flag(config: pytest.Config) -> bool:
    """Whether the run simulates MTurk for every test (``--mturk-sim``, or the ini's)."""
    option = config.getoption("mturk_sim")
    if option is not None:
        return bool(option)
    return bool(config.getini("mturk_sim"))


def ini_settings(config: pytest.Config) -> SimulatorSettings:
    """The simulator settings the ini file gives."""
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
    if config.getini("mturk_environment"):
        # Unset, it is left out: sandbox for a new simulator, the file's for a loaded one.
        settings["environment"] = config.getini("mturk_environment")
    return settings


def settings_for(
    item: pytest.Item, markers: list[pytest.Mark], run_settings: dict[str, Any]
) -> dict[str, Any]:
    """The test's settings. Without a marker, the run's own (the ini file's and the
    command line's, read once): one dict for every such test, which nothing changes."""
    if not markers:
        return run_settings
    settings = dict(run_settings)
    marked: dict[str, Any] = {}
    for marker in reversed(markers):
        if marker.args:
            raise UsageError("@pytest.mark.mturk takes keyword arguments only.")
        marked.update(marker.kwargs)
    settings.update(marked)
    seed = item.config.getoption("mturk_seed")
    if seed is not None:
        settings["seed"] = seed
    load = settings.get("load")
    if load is not None:
        # A saved world keeps its seed, start and balance: the ini file's (and
        # --mturk-seed) do not apply to it; the marker's own must be the file's.
        for name in _settings.WORLD:
            if name not in marked:
                settings.pop(name, None)
        if isinstance(load, (str, os.PathLike)):
            settings["load"] = Path(item.path).parent / load  # relative to the test file
    return settings
