"""What answers the HTTP server: one simulator, its clock, and (with ``--state``) its journal.

Every request that can change the simulation -- a service API call, a worker's
action, a move of the clock -- is one *action*, a plain JSON record (see
:func:`apply`). The backend runs an action under one lock, so actions happen one
at a time in a single order, and hands it to the state file (if any) in that same
order before the answer is sent; on a restart the state file replays the actions
it kept through the same :func:`apply`, which gives the same results and the same
IDs, because everything the simulation draws comes from streams seeded in its state.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import botocore

from ..core.clock import EPOCH, epoch_ms, to_ms, wall_time
from ..core.dispatch import dispatch
from ..core.errors import UsageError
from ..core.model import Environment
from ..doors import stack
from .simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..core.dispatch import Outcome
    from ..core.service import Service

__all__ = ["Backend", "Journal", "apply"]

CLOCK_MODES = ("frozen", "real")
T = TypeVar("T")


class Journal(Protocol):
    """Where a backend keeps the actions it ran (``state_file.StateFile``)."""

    def append(self, record: dict[str, Any], result: Any) -> int:
        """Write ``record``, an action that gave ``result``, after the others; a mark
        for :meth:`sync`."""

    def due(self) -> bool:
        """Whether a new snapshot is due (:meth:`rebase` with the current simulator)."""

    def sync(self, mark: int) -> None:
        """Return once the record of ``mark`` (and every one before it) is on disk."""

    def rebase(self, simulator: Simulator) -> None:
        """Start again from ``simulator``'s whole state (a reset or a load)."""


def _served(simulator: Simulator) -> None:
    # A served simulator is in use though never started (it answers HTTP, not the
    # process's boto3 calls): the check for a simulator forgotten unstarted skips it.
    stack.unstarted.discard(simulator)


def _from_ms(value: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(milliseconds=value)


def catch_up(simulator: Simulator, time_ms: int) -> None:
    """Move the simulator's clock on to ``time_ms`` if it is behind it."""
    service = simulator._core()
    behind = _from_ms(time_ms) - service.clock.now()
    if behind > _dt.timedelta(0):
        service.advance(behind)


def apply(simulator: Simulator, record: dict[str, Any]) -> Any:
    """Run one action on ``simulator``: what it answers (an ``Outcome`` for a call).

    The same function runs an action as it arrives and replays it from a journal.
    """
    kind = record["k"]
    if kind == "call":
        caller = botocore.UNSIGNED if record.get("u") else record.get("c")
        return dispatch(
            simulator._core(), Environment(record["e"]), record["o"], record["p"], caller
        )
    if kind == "advance":
        return simulator.advance(_dt.timedelta(milliseconds=record["ms"]))
    if kind == "worker":
        worker = simulator.worker(record["w"], **record.get("profile", {}))
        act = record.get("a")
        if act == "accept":
            return worker.accept(record["id"])
        if act == "submit":
            return worker.submit(record["id"], record.get("answers"))
        if act == "return":
            return worker.return_(record["id"])
        if act == "test":
            worker.start_test(record["id"])  # the test's clock starts; its XML is the type's
            return None
        if act == "request":
            return worker.request_qualification(record["id"], record.get("answers"))
        return None
    raise ValueError(f"unknown action {kind!r}")


class Backend:
    """One simulator behind the HTTP door.

    ``clock`` is ``"frozen"`` (virtual time moves only when told) or ``"real"`` (it
    also follows the wall clock from the moment the server starts). ``journal``, if
    given, keeps every action. ``shared`` says the simulator belongs to someone
    else (a test): it cannot be replaced by a reset or a load.
    """

    def __init__(
        self,
        simulator: Simulator,
        *,
        clock: str = "frozen",
        journal: Journal | None = None,
        shared: bool = False,
        settings: dict[str, Any] | None = None,
    ) -> None:
        if clock not in CLOCK_MODES:
            raise ValueError(f"clock must be one of {CLOCK_MODES}, not {clock!r}")
        self.simulator = simulator
        # The service it runs on, which the pages and the control API read through look().
        self.service = simulator._core()
        _served(simulator)
        self.clock = clock
        self.journal = journal
        self.shared = shared
        # The settings a reset starts a fresh simulator with.
        self.settings = dict(settings or {})
        self.lock = threading.RLock()
        self._anchor = (self.service.clock.now(), wall_time())
        # Origins whose ExternalQuestion pages the worker pages frame from elsewhere
        # (a test's local copy of an experiment): {"https://exp.example": "http://127.0.0.1:8000"}.
        self.frame_origins: dict[str, str] = {}

    # -- actions -------------------------------------------------------------------

    def _follow_clock(self) -> None:
        if self.clock != "real":
            return
        virtual, real = self._anchor
        target = to_ms(virtual + (wall_time() - real))
        catch_up(self.simulator, epoch_ms(target))

    def act(self, record: dict[str, Any]) -> Any:
        """Run one action (see :func:`apply`); with a journal, it is on disk before this
        returns (or raises the action's refusal)."""
        journal = self.journal
        refused: UsageError | None = None
        result: Any = None
        # Actions run one at a time, under the backend's lock; each is a transaction of
        # the service (a call, a worker's action, a move of the clock) of its own.
        with self.lock:
            simulator = self.simulator
            self._follow_clock()
            record["t"] = epoch_ms(self.service.clock.now())
            try:
                result = apply(simulator, record)
            except UsageError as exc:
                # A worker's refused action changes nothing, but it is kept all the
                # same: the worker it named may have been made by it.
                refused = exc
            if journal is None:
                if refused is not None:
                    raise refused
                return result
            mark = journal.append(record, result)
            if journal.due():
                journal.rebase(simulator)
        journal.sync(mark)
        if refused is not None:
            raise refused
        return result

    def call(
        self, environment: Environment, operation: str, params: dict[str, Any], caller: Any
    ) -> Outcome:
        """Answer one service API call (the HTTP door's service requests)."""
        record: dict[str, Any] = {"k": "call", "e": environment.value, "o": operation, "p": params}
        if caller is botocore.UNSIGNED:
            record["u"] = True
        else:
            record["c"] = caller
        outcome: Outcome = self.act(record)
        return outcome

    def look(self, read: Callable[[Service], T]) -> T:
        """``read(service)`` in one transaction of the service, the clock caught up: one
        consistent state, for a worker page or the control API to show."""
        with self.lock:
            self._follow_clock()
            service = self.service
            with service.transaction():
                return read(service)

    def advance(self, delta: _dt.timedelta) -> _dt.datetime:
        """Move simulated time on by ``delta`` (a real clock keeps following from there)."""
        if delta < _dt.timedelta(0):
            raise UsageError("The clock only moves forward.")
        with self.lock:
            result: _dt.datetime = self.act(
                {"k": "advance", "ms": delta // _dt.timedelta(milliseconds=1)}
            )
            if self.clock == "real":
                virtual, real = self._anchor
                self._anchor = (virtual + delta, real)
        return result

    def replace(self, simulator: Simulator) -> None:
        """Carry on with ``simulator`` instead (a reset, a loaded snapshot)."""
        _served(simulator)
        with self.lock:
            self.simulator = simulator
            self.service = simulator._core()
            self._anchor = (self.service.clock.now(), wall_time())
            if self.journal is not None:
                self.journal.rebase(simulator)

    # -- the control API -----------------------------------------------------------

    def control(self, method: str, path: str, body: Any, query: Mapping[str, str]) -> Any:
        """Answer one control API request (see :mod:`.control`)."""
        from .control import answer

        with self.lock:
            self._follow_clock()
        return answer(self, method, path, body, query)
