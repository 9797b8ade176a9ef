"""A simulator's crowds: what long, many-worker runs use (``docs/crowd.md``).

:class:`Crowds` is made by the :class:`~pytest_mturk.Simulator` with its service and
its workers; ``sim.crowd()`` and ``sim.advance()`` hand it their work.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..core.model import Environment

if TYPE_CHECKING:
    from ..core.service import Service
    from .crowd import AnswerFunction, Behaviour, Crowd, Population, Stage
    from .worker import SimulatedWorker


class Crowds:
    """The crowds of one simulator, and its clock's moves while they work."""

    def __init__(self, service: Service, workers: dict[str, SimulatedWorker]) -> None:
        self._service = service
        self._workers = workers
        self._stage: Stage | None = None  # the crowds and their coming actions, with the first

    def crowd(
        self,
        size: int,
        *,
        seed: int | str,
        answer: AnswerFunction | None,
        arrivals: float | Sequence[float],
        environment: str | None,
        behaviour: Behaviour | None,
        population: Population | None,
        knobs: dict[str, Any],
    ) -> Crowd:
        """A new crowd (see ``Simulator.crowd``)."""
        from .crowd import Crowd, Stage
        from .crowd.knobs import settle

        chosen, people = settle(size, behaviour, population, knobs)
        world = self._service.settings.environment
        if environment is not None:
            try:
                world = Environment(environment)
            except ValueError:
                raise UsageError(
                    f"environment must be 'sandbox' or 'production', not {environment!r}."
                ) from None
        with self._service.transaction():
            if self._stage is None:
                self._stage = Stage(self._service)
            return Crowd(
                self._stage,
                self._workers,
                environment=world,
                seed=seed,
                answer=answer,
                arrivals=arrivals,
                behaviour=chosen,
                population=people,
            )

    def advance(self, step: _dt.timedelta) -> _dt.datetime:
        """Move the clock ``step`` on: the crowds act on the way, in order with the
        service's own deadlines, expiries and approvals."""
        if self._stage:
            return self._stage.advance(step)
        return self._service.advance(step)
