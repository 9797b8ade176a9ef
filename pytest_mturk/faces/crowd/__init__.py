"""Simulated crowds: many workers arriving over time, choosing, working on, returning and
abandoning HITs as the simulator's clock moves (``sim.crowd(...)``; ``docs/crowd.md``)."""

from __future__ import annotations

from .engine import AnswerFunction, Crowd
from .knobs import Behaviour, Population
from .population import Member
from .stage import Stage
from .summary import Summary
from .tasks import Field, Task, default_answer

__all__ = [
    "AnswerFunction",
    "Behaviour",
    "Crowd",
    "Field",
    "Member",
    "Population",
    "Stage",
    "Summary",
    "Task",
    "default_answer",
]
