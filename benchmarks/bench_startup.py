"""pytest's start-up with the plugin installed, as a ratio to the same with ``-p no:mturk``.

Runs ``pytest --co -q`` on an empty suite in fresh processes, alternating the
two, and prints the ratio of the medians.

    python benchmarks/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(folder: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        cwd=folder,
        check=False,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "test_empty.py").write_text("def test_nothing():\n    pass\n")
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(_run(folder))
            without.append(_run(folder, "-p", "no:mturk"))
    ratio = statistics.median(with_plugin) / statistics.median(without)
    print(f"pytest --co start-up, plugin installed / -p no:mturk: {ratio:.2f}x (target 1.15x)")


if __name__ == "__main__":
    main()
