"""What the ``mturk`` fixture adds to a test, as a ratio to a test without it.

A generated file of trivial tests, in turns one that requests ``mturk``, one that
requests no fixture and one that requests a fixture of the file's conftest that does
nothing (what pytest itself spends on a fixture), N of each, is run by ``python -m
pytest -q -p no:randomly`` in a subprocess, several times. A small plugin loaded into
the run notes the process's CPU time as collection begins and ends, as each test
starts and as the session ends: a test's cost is the time from its start to the
next one's, which holds all pytest does for it (its fixtures, its call, its report),
plus its share of collecting them all; start-up and the one-time import of the
simulator and botocore are left out (and the first tests). The kinds take turns
test by test, so the machine's load weighs on them alike. The ratio is a kind's
median test over the median test that requests no fixture (and likewise the mean,
which counts the occasional garbage collection too): the median over the runs, and
the range. Then the same again in a suite where boto3's default session exists.

Then in blocks (``measure.py``): the file's tests in runs of 25 of one kind, the kinds
taking turns run by run, as a test file's tests that share their fixtures run; a block's
time is its run's, from its first test's start to the next run's (every test's fixtures,
call and report, the occasional garbage collection included), and the ratio is the
median over the blocks of the runs of a turn (with its range).

    python benchmarks/bench_fixture.py            # N = 500, 5 runs (3 in blocks)
    python benchmarks/bench_fixture.py --quick    # N = 300, 3 runs (2 with the default
                                                  # session, 2 in blocks; CI)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import Ratios

TARGET = 1.1  # a test with the fixture / a test without it
SKIPPED = 30  # the first tests of a run, left out (imports, warming up)
BLOCK = 25  # tests of one kind in a row, in blocks
PLUGIN = """\
import os
import time

_marks = []


def pytest_collection(session):
    _marks.append(time.process_time())


def pytest_collection_finish(session):
    _marks.append(time.process_time())


def pytest_runtest_logstart(nodeid, location):
    _marks.append(time.process_time())


def pytest_sessionfinish(session):
    _marks.append(time.process_time())
    with open(os.environ["BENCH_FIXTURE_TIMES"], "w") as out:
        out.write("\\n".join(map(repr, _marks)))
"""
# A fixture that does nothing, for what pytest itself spends on one.
CONFTEST = """\
import pytest


@pytest.fixture
def plain():
    return None
"""


# The same, in a suite where boto3's default session exists (any ``boto3.client(...)`` made
# one): every simulator that starts makes sure that session carries the hooks.
DEFAULT_SESSION = (
    CONFTEST
    + """

import boto3

boto3.setup_default_session(region_name="us-east-1")
"""
)


KINDS = {"with": "mturk", "without": "", "plain": "plain"}


def _order(count: int, block: int) -> list[str]:
    """The kinds of the file's tests, in order: in turns test by test (``block`` 1), or
    ``block`` of one kind at a time."""
    return [kind for _ in range(count // block) for kind in KINDS for _ in range(block)]


def _write(folder: Path, count: int, block: int = 1) -> Path:
    path = folder / "test_kinds.py"
    path.write_text(
        "".join(
            f"def test_{n}_{kind}({KINDS[kind]}):\n    pass\n\n\n"
            for n, kind in enumerate(_order(count, block))
        )
    )
    return path


def _marks(path: Path, folder: Path) -> list[float]:
    """The CPU time as collection begins and ends, as each test starts and as the session
    ends, in one pytest run of ``path`` in a child process."""
    times = folder / "times.txt"
    env = {
        **os.environ,
        "PYTEST_ADDOPTS": "",
        "BENCH_FIXTURE_TIMES": str(times),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-p", "bench_fixture_times", path.name],
        cwd=folder, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"pytest failed:\n{result.stdout}\n{result.stderr}")
    return [float(line) for line in times.read_text().split()]


def _costs(path: Path, folder: Path, kinds: list[str]) -> dict[str, list[float]]:
    """Each kind's tests' CPU seconds (after the first few, each with its share of
    collection) in one pytest run of ``path``, whose tests are of ``kinds``."""
    marks = _marks(path, folder)
    starts = marks[2:]
    share = (marks[1] - marks[0]) / (len(starts) - 1)
    costs: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for index, (kind, start, end) in enumerate(zip(kinds, starts, starts[1:], strict=False)):
        if index >= SKIPPED:
            costs[kind].append(end - start + share)
    # The first test is the first to ask for mturk: it imports the simulator (and botocore).
    costs["first"] = [starts[1] - starts[0]]
    return costs


def run(count: int, rounds: int, conftest: str = CONFTEST) -> dict[str, dict[str, list[float]]]:
    """Per kind of test, per run: a test's CPU seconds (the median and the mean)."""
    found: dict[str, dict[str, list[float]]] = {
        kind: {"median": [], "mean": []} for kind in (*KINDS, "first")
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")  # no settings of the rootdir's
        (folder / "conftest.py").write_text(conftest)
        (folder / "bench_fixture_times.py").write_text(PLUGIN)
        path = _write(folder, count)
        for _ in range(rounds):
            for kind, costs in _costs(path, folder, _order(count, 1)).items():
                found[kind]["median"].append(statistics.median(costs))
                found[kind]["mean"].append(statistics.fmean(costs))
    return found


def blocks(count: int, rounds: int) -> dict[str, Ratios]:
    """In blocks of BLOCK tests of one kind: per kind, its block's CPU time over the block
    of tests with no fixture in the same turn, for every turn of every run but the first."""
    ratios = {kind: Ratios() for kind in ("plain", "with")}
    kinds = _order(count, BLOCK)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        (folder / "conftest.py").write_text(CONFTEST)
        (folder / "bench_fixture_times.py").write_text(PLUGIN)
        path = _write(folder, count, BLOCK)
        for _ in range(rounds):
            marks = _marks(path, folder)
            starts = marks[2:]  # each test's start, then the session's end
            turn = BLOCK * len(KINDS)
            for first in range(turn, len(kinds), turn):  # the first turn warms up
                took = {
                    kind: starts[first + (at + 1) * BLOCK] - starts[first + at * BLOCK]
                    for at, kind in enumerate(KINDS)
                }
                for kind, ratio in ratios.items():
                    ratio.add(took[kind], took["without"])
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 300, 3 runs (CI)")
    args = parser.parse_args()
    count, rounds, block_rounds = (300, 3, 2) if args.quick else (500, 5, 3)
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(
        f"{rounds} runs of {count} trivial tests of each kind, in turns; a test's CPU "
        "time, its share of collection included\n"
    )
    found = run(count, rounds)
    print(
        f"{'a test':<12}{'no fixture':>12}{'plain fixture':>15}{'mturk':>10}"
        f"{'plain / none':>22}{'mturk / none':>22}"
    )
    for how in ("median", "mean"):
        bare = found["without"][how]
        cells = []
        for kind in ("plain", "with"):
            ratios = [u / b for u, b in zip(found[kind][how], bare, strict=True)]
            cells.append(
                f"{statistics.median(ratios):>8.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
            )
        print(
            f"{how:<12}"
            + "".join(
                f"{1000 * statistics.median(found[kind][how]):>{width}.3f} ms"
                for kind, width in (("without", 9), ("plain", 12), ("with", 7))
            )
            + "".join(f"{cell:>22}" for cell in cells)
        )
    first = statistics.median(found["first"]["median"])
    print(f"\nthe first test with mturk (it imports the simulator): {1000 * first:.0f} ms")
    ratios = [
        u / b for u, b in zip(found["with"]["median"], found["without"]["median"], strict=True)
    ]
    ratio = statistics.median(ratios)
    mark = "" if ratio <= TARGET else "  (over target)"
    print(f"mturk / none (median): {ratio:.2f}x, target {TARGET:.2f}x{mark}")
    found = run(count, block_rounds if args.quick else rounds, DEFAULT_SESSION)
    ratios = [
        u / b for u, b in zip(found["with"]["median"], found["without"]["median"], strict=True)
    ]
    print(
        f"with boto3's default session made: mturk / none (median): "
        f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
    )
    in_blocks = blocks(count, block_rounds)
    print(
        f"in blocks of {BLOCK} tests of a kind ({block_rounds} runs): plain / none "
        f"{in_blocks['plain']}, mturk / none {in_blocks['with']}"
    )


if __name__ == "__main__":
    main()
