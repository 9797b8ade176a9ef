"""Virtual time, and the transitions scheduled on it.

The clock is the only place that reads time, and it asks on every call so that
freezegun and time-machine can drive it:

* by default time is *frozen* at the moment the simulator started and moves
  only through :meth:`Clock.advance` (so "exactly 6 s later" holds);
* while freezegun is active the simulator's time *is* the frozen time, and
  ``advance()`` ticks freezegun's clock, so the code under test sees one time;
* while time-machine travels, its time is used, and ``advance()`` shifts the
  travel the same way.

Time may go backwards (a test can freeze an earlier date): nothing is clamped;
transitions simply fire once their due time is reached.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from . import journal

UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(value: _dt.datetime) -> _dt.datetime:
    """Truncate to whole milliseconds, the precision of the service's timestamps."""
    extra = value.microsecond % 1000
    return value.replace(microsecond=value.microsecond - extra) if extra else value


def as_utc(value: _dt.datetime) -> _dt.datetime:
    """A timezone-aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def epoch_ms(value: _dt.datetime) -> int:
    """Whole epoch milliseconds of an aware (or naive UTC) datetime, exactly.

    ``int(value.timestamp() * 1000)`` is off by one for about one value in 160,
    through float rounding; this is integer arithmetic.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_epoch(value: float) -> _dt.datetime:
    """The aware UTC datetime of epoch seconds."""
    return EPOCH + _dt.timedelta(seconds=value)


def _freezegun_factory() -> Any | None:
    # freezegun swaps datetime.datetime for its FakeDatetime while active.
    if _dt.datetime.__module__ != "freezegun.api":
        return None
    api = sys.modules.get("freezegun.api")
    factories = getattr(api, "freeze_factories", None)
    return factories[-1] if factories else None


def _time_machine() -> Any | None:
    """time-machine's module while it travels, else ``None``."""
    module = sys.modules.get("time_machine")
    if module is None:
        return None
    hatch = getattr(module, "escape_hatch", None)
    if hatch is not None and hatch.is_travelling():
        return module
    return None


def _time_machine_traveller(module: Any) -> Any | None:
    # The innermost travel's handle (time-machine 3: traveller_stack, 2: coordinates_stack).
    for name in ("traveller_stack", "coordinates_stack"):
        stack = getattr(module, name, None)
        if stack and hasattr(stack[-1], "shift"):
            return stack[-1]
    return None


class Clock:
    """The simulator's notion of now (aware UTC, millisecond precision).

    Its own time is frozen; while freezegun or time-machine is active their
    time is used instead, and remembered, so when they stop the simulation
    stays where they left it rather than jumping back.
    """

    def __init__(
        self, start: _dt.datetime | None = None, offset: _dt.timedelta = _dt.timedelta(0)
    ) -> None:
        if start is None and _dt.datetime.__module__ != "freezegun.api":
            # The usual case, a simulator starting now, in few steps: whole milliseconds
            # by subtraction (datetime.replace with a keyword is several times dearer).
            start = _dt.datetime.now(UTC)
            self._frozen = start - _dt.timedelta(microseconds=start.microsecond % 1000)
        else:
            self._frozen = to_ms(as_utc(start if start is not None else self._outside_now()))
        # What advance() added while time-machine travelled and could not be moved.
        self._offset = offset

    @property
    def frozen(self) -> _dt.datetime:
        """The time last seen (what :meth:`now` gives while nothing drives the clock)."""
        return self._frozen

    @property
    def offset(self) -> _dt.timedelta:
        """What :meth:`advance` added to a time-machine travel it could not move."""
        return self._offset

    @staticmethod
    def _outside_now() -> _dt.datetime:
        factory = _freezegun_factory()
        if factory is not None:
            return as_utc(factory())
        return _dt.datetime.now(UTC)

    def now(self) -> _dt.datetime:
        """The current virtual time."""
        if _dt.datetime.__module__ != "freezegun.api" and "time_machine" not in sys.modules:
            return self._frozen  # the common case, in as few steps as possible
        factory = _freezegun_factory()
        if factory is not None:
            # freezegun's factories give naive UTC (tz_offset only shifts now()).
            now = to_ms(as_utc(factory()))
        elif _time_machine() is not None:
            now = to_ms(_dt.datetime.now(UTC) + self._offset)
        else:
            return self._frozen
        self._frozen = now
        return now

    def advance(self, delta: _dt.timedelta) -> None:
        """Move time forward by ``delta`` (freezegun's or time-machine's clock too)."""
        if _dt.datetime.__module__ != "freezegun.api" and "time_machine" not in sys.modules:
            self._frozen = to_ms(self._frozen + delta)  # the common case, as in now()
            return
        factory = _freezegun_factory()
        if factory is not None:
            if type(factory).__name__ == "TickingDateTimeFactory":
                # Its tick() restarts from the time it was frozen at; move from now.
                factory.move_to(factory() + delta)
            else:
                factory.tick(delta)
            return
        module = _time_machine()
        if module is not None:
            traveller = _time_machine_traveller(module)
            if traveller is not None:
                traveller.shift(delta)
            else:
                self._offset += delta
            return
        self._frozen = to_ms(self._frozen + delta)


# Every action that may be scheduled, by a stable name: a saved schedule names its
# actions, and loading one resolves the names here only (never by importing anything).
ACTIONS: dict[str, Callable[..., None]] = {}
ACTION_NAMES: dict[Callable[..., None], str] = {}

A = TypeVar("A", bound=Callable[..., None])


def schedulable(name: str) -> Callable[[A], A]:
    """Register a module-level function as an action :meth:`Scheduler.at` may schedule,
    under ``name`` (kept stable: saved files use it)."""

    def register(action: A) -> A:
        if ACTIONS.setdefault(name, action) is not action:
            raise ValueError(f"two schedulable actions are named {name!r}")
        ACTION_NAMES[action] = name
        return action

    return register


def _unschedule(scheduler: Scheduler, seq: int) -> None:
    """Undo the push of the entry numbered ``seq + 1``."""
    heap = scheduler._heap
    for index, entry in enumerate(heap):
        if entry[1] == seq + 1:
            heap[index] = heap[-1]
            heap.pop()
            heapq.heapify(heap)
            break
    scheduler._seq = seq


def _reschedule(scheduler: Scheduler, entry: tuple[Any, ...]) -> None:
    """Undo the pop of ``entry``."""
    heapq.heappush(scheduler._heap, entry)


class Scheduler:
    """A heap of due transitions, applied in time order.

    Entries are ``(due, seq, action, *args)``; applying one calls
    ``action(*args, due)``, which returns nothing. Actions that may be
    superseded (an expiration moved later, say) check for themselves whether
    they still apply, so nothing is ever removed from the heap. Pushes and
    pops are journaled: a failed transaction leaves the schedule as it was.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[Any, ...]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def seq(self) -> int:
        """How many transitions were ever scheduled (each entry's tie-breaker)."""
        return self._seq

    def entries(self) -> list[tuple[Any, ...]]:
        """The pending ``(due, seq, action, *args)`` entries, in heap order."""
        return list(self._heap)

    @classmethod
    def restored(cls, entries: list[tuple[Any, ...]], seq: int) -> Scheduler:
        """A scheduler holding exactly these entries (as :meth:`entries` gave them)."""
        scheduler = cls()
        scheduler._heap = list(entries)
        heapq.heapify(scheduler._heap)
        scheduler._seq = seq
        return scheduler

    def at(self, due: _dt.datetime, action: Callable[..., None], *args: Any) -> None:
        log = journal.current.log
        if log is not None:
            log.append((_unschedule, self, self._seq))
        self._seq += 1
        # One flat tuple per entry: the seq is unique, so nothing after it is compared.
        heapq.heappush(self._heap, (due, self._seq, action, *args))

    def run_until(
        self,
        now: _dt.datetime,
        on_error: Callable[[Exception], None] | None = None,
        apply: Callable[[tuple[Any, ...]], None] | None = None,
    ) -> int:
        """Apply every transition due at or before ``now``; return how many ran.

        Each transition is atomic (``apply(entry)`` runs it as a transaction; by
        default, ``action(*args, due)`` in a savepoint of its own): one that raises
        leaves no trace but its place in the schedule, which is used up. With
        ``on_error``, it is handed to it and the rest still run: one broken
        transition must not stop time for everything else.
        """
        run = _apply if apply is None else apply
        heap = self._heap
        ran = 0
        while heap and heap[0][0] <= now:
            log = journal.current.log
            if log is not None:
                log.append((_reschedule, self, heap[0]))
            entry = heapq.heappop(heap)
            try:
                run(entry)
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(exc)
            ran += 1
        return ran


def _apply(entry: tuple[Any, ...]) -> None:
    with journal.atomic():
        entry[2](*entry[3:], entry[0])


def wall_time() -> _dt.datetime:
    """The time outside the simulation (freezegun's or time-machine's while one is active)."""
    return Clock._outside_now()
