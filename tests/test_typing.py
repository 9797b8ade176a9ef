"""The public API as a type checker sees it: misspelt or mistyped settings are type errors,
the decorator keeps the decorated function's signature, clients are mypy-boto3-mturk's.

One mypy run (they are slow) over one snippet; each line that should be reported ends in
``# E: <part of the message>``, each ``reveal_type`` line in ``# N: <the revealed type>``, and
every other line must be clean. mypy comes with the ``lint`` extra, so the module is skipped
without it (CI runs it after installing that extra).
"""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parent.parent
HAVE_STUBS = importlib.util.find_spec("mypy_boto3_mturk") is not None
CLIENT = "mypy_boto3_mturk.client.MTurkClient" if HAVE_STUBS else "Any"

SNIPPET = f"""
import datetime

from pytest_mturk import Simulator, SimulatorSettings, active_simulator, current, mturk_sim

with mturk_sim(seed=1, start=datetime.datetime(2026, 1, 5), balance="25.00") as sim:
    reveal_type(sim)  # N: pytest_mturk.faces.simulator.Simulator
    reveal_type(sim.client())  # N: {CLIENT}
    reveal_type(sim.sandbox.client())  # N: {CLIENT}
    reveal_type(sim.production.client(region_name="us-east-1"))  # N: {CLIENT}

Simulator(environment="production", access_keys=["AKIAIOSFODNN7EXAMPLE"], strict_workers=True)
settings: SimulatorSettings = {{"seed": "abc", "fake_credentials": False}}
Simulator(**settings)
reveal_type(current())  # N: pytest_mturk.faces.simulator.Simulator | None
reveal_type(active_simulator())  # N: pytest_mturk.faces.simulator.Simulator


@mturk_sim
def bare(count: int) -> str:
    return active_simulator().settings.environment.value * count


@mturk_sim(seed=2)
def called(count: int, *, label: str = "") -> list[str]:
    return [label] * count


reveal_type(bare)  # N: def (count: int) -> str
reveal_type(called)  # N: def (count: int, *, label: str =) -> list[str]
bare("3")  # E: Argument 1 to "bare" has incompatible type "str"; expected "int"
called(1, labl="x")  # E: Unexpected keyword argument "labl"

mturk_sim(sed=1)  # E: Unexpected keyword argument "sed" for overloaded function "mturk_sim"
mturk_sim(seed=[1])  # E: No overload variant of "mturk_sim" matches argument type "list[int]"
Simulator(balance=[1])  # E: Argument "balance" to "Simulator" has incompatible type
Simulator(environment="staging")  # E: Argument "environment" to "Simulator" has incompatible
mturk_sim(strict_workers="yes")  # E: No overload variant of "mturk_sim" matches argument type
bad: SimulatorSettings = {{"sead": 1}}  # E: Extra key "sead" for TypedDict "SimulatorSettings"
"""


def expectations(source: str) -> dict[tuple[int, str], list[str]]:
    expected: dict[tuple[int, str], list[str]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        found = re.search(r"# ([EN]): (.*)$", line)
        if found:
            kind = "error" if found.group(1) == "E" else "note"
            expected.setdefault((number, kind), []).append(found.group(2))
    return expected


def normal(message: str) -> str:
    # Older mypy versions spell types out in full.
    message = message.replace("builtins.", "")
    return re.sub(r"Union\[(.*), None\]", r"\1 | None", message)


def test_the_api_as_mypy_sees_it(tmp_path):
    source = textwrap.dedent(SNIPPET)
    snippet = tmp_path / "snippet.py"
    snippet.write_text(source, encoding="utf-8")
    # strict, as a careful user runs it; the package from this checkout (an editable
    # install's import hook is invisible to mypy).
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\n"
        f"mypy_path = {ROOT}\n"
        "[mypy-boto3.*,botocore.*,dateutil.*]\nignore_missing_imports = True\n",
        encoding="utf-8",
    )
    stdout, stderr, _ = mypy_api.run(
        [
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            "--hide-error-context",
            "--show-absolute-path",
            str(snippet),
        ]
    )
    assert not stderr, stderr
    reported: dict[tuple[int, str], list[str]] = {}
    for line in stdout.splitlines():
        # Only the snippet's lines: the package's own run is the lint step's business.
        found = re.match(rf"{re.escape(str(snippet))}:(\d+): (error|note): (.*)$", line)
        if found:
            key = (int(found.group(1)), found.group(2))
            reported.setdefault(key, []).append(normal(found.group(3)))
    expected = expectations(source)
    for number, kind in list(reported):
        # An overload error comes with notes listing the variants.
        if kind == "note" and (number, "error") in expected:
            del reported[number, kind]
    assert set(reported) == set(expected), stdout
    for key, fragments in expected.items():
        for fragment in fragments:
            assert any(fragment in message for message in reported[key]), (key, reported[key])
