"""The README's and the user guide's examples run as written, and docs/coverage.md is kept in
step with the simulator.

Every ``python`` block of the README and of the runnable pages (``RUNNABLE``: getting started,
the user guide, saving, the worker's pages) is run: a block that defines tests is run by pytest
(in its own directory, as a user's test file), any other block as a script in a fresh
interpreter. The README's AWS CLI commands are run as printed against ``pytest-mturk serve``,
and its table of contents points at its own headings. Regenerate ``docs/coverage.md`` with
``python tests/test_readme.py``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest

from pytest_mturk.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COVERAGE = ROOT / "docs" / "coverage.md"
# The pages whose Python examples are complete programs (the other pages hold sketches).
RUNNABLE = [
    README,
    ROOT / "docs" / "getting-started.md",
    *sorted((ROOT / "docs" / "guide").glob("*.md")),
    ROOT / "docs" / "saving.md",
    ROOT / "docs" / "worker-pages.md",
]

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


def python_blocks(path: Path = README) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def all_blocks() -> list[tuple[str, str]]:
    """Every runnable page's Python blocks, each with an ID naming its page and last line."""
    found = []
    for path in RUNNABLE:
        for block in python_blocks(path):
            last = re.sub(r"\W+", "-", block.strip().splitlines()[-1])[:40]
            found.append((f"{path.relative_to(ROOT).as_posix()}:{last}", block))
    return found


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


def test_every_runnable_page_has_examples():
    for path in RUNNABLE:
        assert python_blocks(path), f"{path.relative_to(ROOT)} has no Python example to run"


BLOCKS = all_blocks()


@pytest.mark.parametrize("block", [block for _, block in BLOCKS], ids=[name for name, _ in BLOCKS])
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


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_links_to_its_own_headings():
    text = README.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", prose, re.M)}
    wanted = re.findall(r"\]\(#([^)]+)\)", prose)
    assert len(wanted) >= 10, "the table of contents is gone"
    assert not set(wanted) - anchors, f"links to no heading: {sorted(set(wanted) - anchors)}"
    assert github_anchor("The marker: one test's settings") == "the-marker-one-tests-settings"


def readme_bash_block(containing: str) -> str:
    blocks = re.findall(r"^```bash\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
    (block,) = [block for block in blocks if containing in block]
    return block


def test_the_readme_aws_cli_commands_run_as_printed(tmp_path):
    """The server block's command, then the AWS CLI block exactly as printed, but for the port
    (the README's 8080 may be taken here) and where the CLI is installed."""
    aws = os.environ.get("PYTEST_MTURK_AWS") or shutil.which("aws")
    if aws is None:
        if os.environ.get("PYTEST_MTURK_CLIENTS") == "required":
            pytest.fail("The AWS CLI is missing, and PYTEST_MTURK_CLIENTS=required")
        pytest.skip("The AWS CLI is not installed")
    pytest.importorskip("werkzeug")
    serve = shlex.split(readme_bash_block("pytest-mturk serve").splitlines()[0], comments=True)
    assert serve[:4] == ["pytest-mturk", "serve", "--port", "8080"], serve
    command = [sys.executable, "-m", "pytest_mturk", "serve", "--port", "0", *serve[4:]]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1)
        script = readme_bash_block("aws mturk").replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        script = re.sub(r"^aws ", f"{shlex.quote(aws)} ", script, flags=re.M)
        # Nothing from this machine's own AWS set-up: only what the block itself says.
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # a guard against a hung client, not a timing
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
        if server.stdout is not None:
            server.stdout.close()
    assert done.returncode == 0, done.stderr
    assert '"AvailableBalance": "10000.00"' in done.stdout
    assert '"HITs": []' in done.stdout


if __name__ == "__main__":
    COVERAGE.write_text(coverage_page(), encoding="utf-8")
