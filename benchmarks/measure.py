"""Timing shared by the benchmarks: a side measured call by call and in blocks, against
its floor in the same process, and the ratios summed up.

Call by call, each call is timed on its own (wall and CPU time, in nanoseconds) and a
side's figure is the median call: what one call costs, with the odd slow one (a garbage
collection, the machine busy elsewhere) left out. In blocks, a block of calls is timed
together and a side's figure is the block's mean call: what a run of calls costs, the
odd slow one included. Each round times both sides back to back, a block then call by
call, so the machine's load weighs on them alike; a ratio is the median of the rounds'
ratios, with their range.

Used by ``bench_calls.py`` and ``bench_fixture.py`` (whose blocks are runs of tests);
imported as ``measure`` by a benchmark run as a script from this folder.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ratios", "block", "by_call", "spread"]


def block(call: Callable[[Any, int], Any], target: Any, count: int) -> tuple[float, float]:
    """``call(target, i)`` for i in range(count), timed together: wall and CPU seconds per
    call (the block's mean)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        call(target, i)
    return (time.perf_counter() - wall) / count, (time.process_time() - cpu) / count


def by_call(call: Callable[[Any, int], Any], target: Any, count: int) -> tuple[float, float]:
    """``call(target, i)`` for i in range(count), each timed on its own: the median call's
    wall and CPU seconds."""
    walls: list[int] = []
    cpus: list[int] = []
    wall_ns, cpu_ns = time.perf_counter_ns, time.process_time_ns
    for i in range(count):
        w, c = wall_ns(), cpu_ns()
        call(target, i)
        c2, w2 = cpu_ns(), wall_ns()
        walls.append(w2 - w)
        cpus.append(c2 - c)
    return statistics.median(walls) / 1e9, statistics.median(cpus) / 1e9


@dataclass
class Ratios:
    """One measure's ratio to its floor, a round at a time."""

    rounds: list[float] = field(default_factory=list)

    def add(self, measured: float, floor: float) -> None:
        self.rounds.append(measured / max(floor, 1e-12))

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else float("nan")

    def __str__(self) -> str:
        return f"{self.median:.2f}x ({spread(self.rounds)})"


def spread(values: Sequence[float]) -> str:
    """``low-high`` of ``values``."""
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"
