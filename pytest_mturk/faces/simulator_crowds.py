"""The simulator's crowds: the part of :class:`Simulator` that long, many-worker runs use
(``docs/crowd.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..core.model import Environment

if TYPE_CHECKING:
    from ..core.service import Service, Settings
    from .crowd import AnswerFunction, Behaviour, Crowd, Population, Stage
    from .worker import SimulatedWorker


class Crowding:
    """Crowds, for :class:`~pytest_mturk.Simulator`."""

    _service: Service
    _workers: dict[str, SimulatedWorker]
    _stage: Stage | None
    settings: Settings

    def crowd(
        self,
        size: int = 100,
        *,
        seed: int | str = 0,
        answer: AnswerFunction | None = None,
        arrivals: float | Sequence[float] = 60.0,
        environment: str | None = None,
        behaviour: Behaviour | None = None,
        population: Population | None = None,
        **knobs: Any,
    ) -> Crowd:
        """A crowd of ``size`` simulated workers who come (``arrivals`` visits per hour,
        or 24 rates, one per UTC hour) and work on this simulator's HITs as its clock
        moves: :meth:`advance` plays their actions in order, as do the crowd's ``run()``
        and ``run_until_done()``. The same ``seed`` (with the simulator's) gives the
        same crowd and the same run. ``answer(task, worker)`` returns what
        ``submit()`` takes (default: valid answers, right with each worker's accuracy).
        ``knobs`` are :class:`Behaviour` and :class:`Population` settings
        (``return_rate=0.1``, ``masters=0.2``...); see ``docs/crowd.md``.
        """
        from .crowd import Crowd, Stage
        from .crowd.knobs import settle

        chosen, people = settle(size, behaviour, population, knobs)
        world = self.settings.environment
        if environment is not None:
            try:
                world = Environment(environment)
            except ValueError:
                raise UsageError(
                    f"environment must be 'sandbox' or 'production', not {environment!r}."
                ) from None
        with self._service.lock:
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
