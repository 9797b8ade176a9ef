"""A test's fresh simulator without building one: the service of a simulator that its
test never touched goes on to the next test that needs a fresh one.

Building a simulator (its service, both worlds, the ID streams, the hooks) is most of
what the ``mturk`` fixture costs a test, and most tests that get a simulator (every
test, under ``--mturk-sim``) never touch it. So when a test's fresh simulator is torn
down exactly as it was made (nothing happened in it: no call, worker, object, event,
move of the clock or ID drawn; its settings, hooks and attributes as made), its
service is kept, and the next test whose simulator would be made fresh with the same
settings gets a new :class:`~pytest_mturk.Simulator` around it, its clock started
anew: nothing can tell it from one just built. The simulator the service came from is
retired: should anything use it again (a test that kept it past its end), it first
becomes a fresh simulator of its own, as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.clock import Clock
from ..core.service import Service
from ..doors import stack
from . import origins
from .simulator import Simulator

if TYPE_CHECKING:
    from .settings import SimulatorSettings


@dataclass
class Made:
    """A fresh simulator as its test got it, to tell at its end whether it was touched."""

    simulator: Simulator
    settings: dict[str, Any]  # what it was made with (the test's settings)
    resolved: tuple[Any, ...]  # its resolved settings' values
    hooks: tuple[int, ...]  # how many listeners and hooks its service had
    attributes: tuple[int, int]  # how many attributes it and its service had


class Spare:
    """At most one untouched simulator's service, kept for the next fresh simulator."""

    def __init__(self) -> None:
        # What it was made as, and its simulator's attributes (its service, the views on
        # it...), which the next simulator takes over.
        self._kept: tuple[Made, dict[str, Any]] | None = None

    def fresh(self, settings: dict[str, Any], starting: bool = False) -> Made:
        """A fresh simulator with ``settings`` (inactive), on the kept service if its
        settings were the same, else newly built. ``starting``: the caller starts it at
        once (so it is not noted as a simulator made and never started meanwhile)."""
        kept, self._kept = self._kept, None
        if kept is not None and (kept[0].settings is settings or kept[0].settings == settings):
            made, attributes = kept
            simulator = made.simulator = Simulator.__new__(Simulator)
            simulator.__dict__ = attributes  # the retired simulator has a new one
            service = attributes["_service"]
            # As a new service's starts. Its own clock, which nothing else holds (the
            # simulator retired kept the time it showed), is started anew in place.
            clock = service.clock
            if clock.__class__ is Clock:
                clock.__init__(service.settings.start)  # type: ignore[misc]
            else:
                service.clock = Clock(service.settings.start)
            if not starting:
                stack.unstarted.add(simulator)  # as a new simulator is, until started
            return made
        simulator = Simulator(**_kwargs(settings))
        service = simulator._service
        return Made(
            simulator,
            settings,
            tuple(vars(service.settings).values()),
            _hooks(service),
            (len(vars(simulator)), len(vars(service))),
        )

    def handed_back(self, made: Made) -> None:
        """At the end of ``made``'s test (its simulator stopped): keep its service if
        the simulator is exactly as it was made, and retire the simulator."""
        simulator = made.simulator
        if not _untouched(made):
            return
        attributes = simulator.__dict__
        # All it needs to become a fresh simulator of its own again (_build sets the rest).
        simulator.__dict__ = {
            "_settings_kwargs": attributes["_settings_kwargs"],
            "_retired_clock": attributes["_service"].clock.frozen,
        }
        simulator.__class__ = _Retired
        self._kept = (made, attributes)


def _kwargs(settings: dict[str, Any]) -> SimulatorSettings:
    return settings  # type: ignore[return-value]  # checked by the Simulator itself


def _hooks(service: Service) -> tuple[int, ...]:
    return (
        len(service.listeners),
        len(service.submit_hooks),
        len(service.reviewable_hooks),
        len(service.accept_checks),
    )


def _untouched(made: Made) -> bool:
    """Whether ``made``'s simulator is in every respect as it was made: a new one built
    with its settings could not be told from it (its clock aside, which starts anew)."""
    simulator = made.simulator
    if type(simulator) is not Simulator:
        return False
    attributes = simulator.__dict__
    service: Service | None = attributes.get("_service")
    if service is None:
        return False
    settings = service.settings
    if (
        attributes.get("_running", True)
        or attributes.get("_workers")
        or attributes.get("settings") is not settings
        or (len(attributes), len(service.__dict__)) != made.attributes
        or tuple(settings.__dict__.values()) != made.resolved
        or _hooks(service) != made.hooks
        or service.internal_errors
        or service.scheduler.seq
        or not service.ids.untouched
    ):
        return False
    # A thread still at work in it (the lock held) might yet change it.
    lock = service.lock
    if not lock.acquire(blocking=False):
        return False
    try:
        return service.pristine()
    finally:
        lock.release()


class _Retired(Simulator):
    """A simulator whose untouched service went on to another test: its first use
    makes it a fresh simulator of its own again, with the clock it had."""

    def __getattribute__(self, name: str) -> Any:
        object.__setattr__(self, "__class__", Simulator)
        frozen = self._retired_clock
        del self._retired_clock
        settings = self._settings_kwargs
        service, workers = origins.new(settings)
        service.clock = Clock(frozen)
        self._build(service, workers, settings)
        stack.unstarted.discard(self)  # it was started once: nothing is refused
        return object.__getattribute__(self, name)
