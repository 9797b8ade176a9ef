"""Virtual time with crowds in it: their actions played in order with the service's own.

A simulator's crowds keep their coming actions (a visit, a submission, a return)
on one heap of their own, in epoch milliseconds. Moving the clock to a time plays
everything due by then in order: the clock moves to each action's time (the
service's deadlines, expiries and approvals due by then fire first, as on every
move of the clock), then the action runs, as one transaction. The crowd's heap is
not the service's schedule: crowds hold the user's functions, and the service stays
plain data that can be saved and copied (a crowd is neither saved nor copied).
"""

from __future__ import annotations

import datetime as _dt
import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.clock import EPOCH, epoch_ms

if TYPE_CHECKING:
    from ...core.service import Service

_ZERO = _dt.timedelta(0)


class Stage:
    """The crowds of one simulator and their coming actions."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.crowds: list[Any] = []  # the Crowds, in the order they were made
        # (due ms, tie-breaker, crowd, action, *arguments)
        self._heap: list[tuple[Any, ...]] = []
        self._seq = 0
        self._until = 0  # the end (epoch ms) of the stretch being played

    def __bool__(self) -> bool:
        return bool(self.crowds)

    def at(self, due_ms: int, crowd: object, action: Callable[..., None], *args: Any) -> None:
        """Have ``crowd`` run ``action(crowd, *args, now)`` at ``due_ms`` (``action`` a
        function of the crowd's class: no bound method is kept for every coming action)."""
        self._seq += 1
        heapq.heappush(self._heap, (due_ms, self._seq, crowd, action, *args))

    def horizon(self) -> int:
        """The first time (epoch ms) anything but a worker's visit may open a HIT: the
        next crowd action, the service's next scheduled transition, or the end of the
        stretch being played (after which the requester's code runs again)."""
        soonest = self._until
        if self._heap:
            soonest = min(soonest, self._heap[0][0])
        scheduled = self.service.scheduler._heap
        if scheduled:
            soonest = min(soonest, epoch_ms(scheduled[0][0]))
        return soonest

    def forget(self, crowd: object) -> None:
        """Drop ``crowd`` and its coming actions."""
        self.crowds = [other for other in self.crowds if other is not crowd]
        self._heap = [entry for entry in self._heap if entry[2] is not crowd]
        heapq.heapify(self._heap)

    def advance(self, step: _dt.timedelta) -> _dt.datetime:
        """Move the clock ``step`` on, playing every crowd action due on the way."""
        return self.play(self.service.clock.now() + step)

    def play(self, until: _dt.datetime, stop: Callable[[], bool] | None = None) -> _dt.datetime:
        """Play everything due by ``until`` in order, then move the clock there; with
        ``stop``, end as soon as it says so after an action (the clock stays there)."""
        service = self.service
        clock = service.clock
        heap = self._heap
        last = epoch_ms(until)
        with service.lock:
            self._until = last
            while heap and heap[0][0] <= last:
                entry = heapq.heappop(heap)
                due = EPOCH + _dt.timedelta(milliseconds=entry[0])
                now = clock.now()
                now = service.advance(due - now if due > now else _ZERO)
                try:
                    entry[3](entry[2], *entry[4:], now)
                except BaseException:
                    # What failed was undone (each step is a transaction) and the action
                    # stays due: the run can be looked at and, the cause fixed, go on.
                    heapq.heappush(heap, entry)
                    raise
                if stop is not None and stop():
                    return now
            now = clock.now()
            return service.advance(until - now if until > now else _ZERO)
