"""The README's examples run as written, and docs/coverage.md is kept in step with the simulator.

Every ``python`` block of the README is run: a block that defines tests is run by pytest
(in its own directory, as a user's test file), any other block as a script in a fresh
interpreter. Regenerate ``docs/coverage.md`` with ``python tests/test_readme.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import botocore.session
import pytest

from pytest_mturk.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COVERAGE = ROOT / "docs" / "coverage.md"

COVERAGE_HEAD = """\
# What is simulated

Generated from botocore's service model by `python tests/test_readme.py`; a test fails when it
is out of step with the simulator. Every operation is answered with the service's validation,
messages and error codes; `docs/fidelity.md` records the choices made where the public record is
uncertain. *Paginated* operations work with botocore's paginators and with hand-written
`NextToken` loops.
"""


def coverage_page() -> str:
    session = botocore.session.get_session()
    model = session.get_service_model("mturk")
    paginated = set(session.get_paginator_model("mturk")._paginator_config)
    rows = ["| Operation | Status | Paginated | Implemented in |", "|---|---|---|---|"]
    for name in sorted(model.operation_names):
        handler = OPERATIONS.get(name)
        status = "simulated" if handler is not None else "not simulated (a loud RequestError)"
        where = f"`{handler.__module__}`" if handler is not None else ""
        rows.append(f"| {name} | {status} | {'yes' if name in paginated else ''} | {where} |")
    count = sum(1 for name in model.operation_names if name in OPERATIONS)
    summary = f"\n{count} of the {len(model.operation_names)} operations are simulated.\n\n"
    return COVERAGE_HEAD + summary + "\n".join(rows) + "\n"


def python_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_the_api_has_39_operations_and_all_are_simulated():
    model = botocore.session.get_session().get_service_model("mturk")
    assert len(model.operation_names) == 39
    assert set(OPERATIONS) == set(model.operation_names)


def test_the_coverage_page_matches_the_simulator():
    assert COVERAGE.read_text(encoding="utf-8") == coverage_page(), (
        "regenerate with: python tests/test_readme.py"
    )


def test_the_readme_links_only_to_files_that_exist():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README links to a missing file: {target}"


def test_the_readme_has_runnable_examples():
    blocks = python_blocks()
    assert len(blocks) >= 8
    assert sum("def test_" in block for block in blocks) >= 3


@pytest.mark.parametrize(
    "block",
    python_blocks(),
    ids=lambda block: re.sub(r"\W+", "-", block.strip().splitlines()[-1])[:40],
)
def test_every_python_example_runs_as_written(pytester, block):
    # Examples of optional extras run where the extra is installed (CI runs both).
    for optional in ("aioboto3", "time_machine", "moto"):
        if re.search(rf"^(import|from) {optional}\b", block, re.M):
            pytest.importorskip(optional)
    if "def test_" in block:
        pytester.makepyfile(test_example=block)
        tests = len(re.findall(r"^def test_", block, re.M))
        result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=tests)
    else:
        script = pytester.makepyfile(example=block)
        result = pytester.run(sys.executable, script)
        assert result.ret == 0, result.stderr.str()


if __name__ == "__main__":
    COVERAGE.write_text(coverage_page(), encoding="utf-8")
