"""The simulated service: clock, schedule, IDs, the two environments, and the call entry.

A :class:`Service` answers operations by name with plain data; it knows
nothing of botocore's HTTP objects or of pytest. Every entry point (an API
call, a worker's action, a read of state, the passage of time) is a
:meth:`Service.transaction`: it takes the one re-entrant lock and first applies
whatever transitions have fallen due.
"""

from __future__ import annotations

import copy
import datetime as _dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import catalogue, errors, journal
from .clock import Clock, Scheduler
from .containers import JDict, JList
from .ids import IdGenerator
from .journal import journaled
from .model import HIT, Assignment, Environment, State, Worker
from .transaction import Transaction

_current = journal.current  # the transaction open on this thread, if any

Handler = Callable[["Service", State, dict[str, Any], _dt.datetime], dict[str, Any]]


@dataclass(slots=True)
class Call:
    """One API call as the simulator saw it (``sim.calls``).

    Attributes:
        operation: the operation's name, e.g. ``"CreateHIT"``.
        environment: the world it was for.
        params: its parameters, as sent.
        time: when it was answered (the simulator's time).
        response: the response, for a call that succeeded.
        error: the service's error, for a call that was refused.
    """

    operation: str
    environment: Environment
    params: dict[str, Any]
    time: _dt.datetime
    response: dict[str, Any] | None = None
    error: errors.ServiceError | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


@dataclass(slots=True)
class Event:
    """A lifecycle event (``sim.events``), named as MTurk's event notifications name it
    (``AssignmentSubmitted``, ``HITExpired``...; the simulator's own ``HITCreated`` and
    ``AssignmentAccepted`` too)."""

    event_type: str
    time: _dt.datetime
    environment: Environment
    hit_id: str | None
    hit_type_id: str | None
    assignment_id: str | None = None
    worker_id: str | None = None


@dataclass
class Settings:
    """How a simulator behaves; the keyword arguments of ``mturk_sim()`` and the marker."""

    seed: int | str = 0
    start: _dt.datetime | None = None
    balance: Decimal = Decimal("10000.00")
    access_keys: frozenset[str] | None = None
    # Whether a client that finds no credentials of its own is handed the fallback keys.
    fake_credentials: bool = True
    strict_workers: bool = False
    environment: Environment = Environment.SANDBOX
    # The saved state file the simulator started from (None: it started empty).
    load: str | None = None
    # How many of the latest calls and events the logs keep (None: all of them).
    keep_calls: int | None = None


# Service attributes that __deepcopy__ sets itself rather than copies.
_NOT_COPIED = frozenset({"lock", "operations", "internal_errors", "calls", "events"})


@journaled
class Service:
    """The state of one simulated MTurk (both environments) and its rules.

    Every change runs as a transaction (:meth:`transaction`): a call, a worker's
    action or a scheduled transition that raises leaves the state as it was.
    """

    def __init__(self, settings: Settings, operations: dict[str, Handler]) -> None:
        self.settings = settings
        self.clock = Clock(settings.start)
        self.scheduler = Scheduler()
        self.ids = IdGenerator(settings.seed)
        self.lock = threading.RLock()
        self.operations = operations
        self.states = {
            Environment.SANDBOX: State(Environment.SANDBOX, Decimal("10000.00")),
            Environment.PRODUCTION: State(Environment.PRODUCTION, settings.balance),
        }
        # Faults scheduled by Simulator.fail_next: operation -> kinds, next first.
        self.faults: dict[str, list[str]] = JDict()
        # Recorded by invoke() once a call is over, applied or not: never undone.
        self.calls: list[Call] = []
        self.events: list[Event] = JList()
        self.layouts: dict[str, str] = JDict()
        self.notifier: Any = None  # notify.Notifier, made when first needed
        # (listener, the event types it wants or None for all), via listen().
        self.listeners: list[tuple[Callable[[State, Event], None], frozenset[str] | None]] = JList()
        self.submit_hooks: list[
            Callable[[Service, State, HIT, Assignment, _dt.datetime], None]
        ] = []
        self.reviewable_hooks: list[Callable[[Service, State, HIT, _dt.datetime], None]] = []
        # Each returns why a worker may not accept a HIT, or None (blocks, qualifications...).
        self.accept_checks: list[Callable[[Service, State, HIT, Worker], str | None]] = []
        # Exceptions raised by calls, scheduled transitions, listeners and hooks, whose
        # changes were undone: kept here (never undone) instead of failing whichever
        # call happened to run them, and raised by Simulator.stop().
        self.internal_errors: list[Exception] = []
        # Whether time was ever moved on (see pristine()).
        self.advanced = False

    # -- copies --------------------------------------------------------------------

    def copy(self) -> Service:
        """An independent service in exactly this state: both worlds, clock, schedule,
        ID stream (the copy draws the same next IDs), review records, notifier and
        inboxes, call log, events, layouts and pending faults. Nothing either one does
        afterwards shows in the other."""
        return copy.deepcopy(self)

    def pristine(self) -> bool:
        """Whether nothing has happened here yet: no call, event, object, worker, layout,
        fault, notification setting or move of the clock."""
        with self.lock:
            if (
                self.calls
                or self.events
                or self.layouts
                or self.faults
                or self.scheduler
                or self.advanced
                or self.notifier is not None
            ):
                return False
            for state in self.states.values():
                if (
                    state.hits
                    or state.hit_types
                    or state.workers
                    or state.qualification_types
                    or state.blocks
                    or state.messages
                    or state.qualification_requests
                ):
                    return False
            return True

    def __deepcopy__(self, memo: dict[int, Any]) -> Service:
        # Everything a service knows hangs off it, so one deepcopy (with one memo, so
        # shared objects stay shared: a HIT in both its index and the schedule) copies
        # the whole simulation. Scheduled transitions, listeners and hooks are
        # module-level functions, partials and bound methods, which deepcopy remaps to
        # the copy's objects; closures would keep acting on the original.
        with self.lock:
            twin = Service.__new__(Service)
            memo[id(self)] = twin
            # Records that are never changed once made are shared, not copied: the call
            # log and events (each call's response holds the wire forms cached on HITs
            # and assignments), and those cached forms, which a change replaces rather
            # than edits. Copying them would be most of the cost of a copy.
            for state in self.states.values():
                for table in (state.hits, state.assignments):
                    for record in table.values():
                        if record.cache is not None:
                            memo[id(record.cache)] = record.cache
            twin.calls = list(self.calls)
            twin.events = JList(self.events)
            for name, value in self.__dict__.items():
                if name in _NOT_COPIED:
                    continue
                setattr(twin, name, copy.deepcopy(value, memo))
            twin.lock = threading.RLock()
            # The handler table is the same for every service: shared, not state.
            twin.operations = self.operations
            # Exceptions are records here; some cannot be rebuilt from their arguments.
            twin.internal_errors = list(self.internal_errors)
        return twin

    # -- time ----------------------------------------------------------------------

    def now(self) -> _dt.datetime:
        """Current virtual time, after applying every transition due by then."""
        now = self.clock.now()
        scheduler = self.scheduler
        if scheduler._heap and scheduler._heap[0][0] <= now:
            with self.lock:
                scheduler.run_until(now, self.internal_errors.append, self._transition)
        return now

    def _transition(self, entry: tuple[Any, ...]) -> None:
        """Apply one scheduled transition ``(due, seq, action, *args)``, as a transaction
        at the time it was due."""
        due = entry[0]
        with Transaction(self, due):
            entry[2](*entry[3:], due)

    def transaction(self, at: _dt.datetime | None = None) -> Transaction:
        """One change to the simulation, whole or not at all: ``with service.transaction()
        as now:`` holds the lock, applies the transitions due by now (``at``: at that time
        instead, which the caller has already reached) and, if the block raises, undoes
        everything it changed (see :mod:`.transaction`)."""
        return Transaction(self, at)

    def advance(self, delta: _dt.timedelta) -> _dt.datetime:
        with self.lock:
            if not self.advanced:  # a journaled write: once is enough
                self.advanced = True
            self.clock.advance(delta)
            return self.now()

    # -- calls ---------------------------------------------------------------------

    def take_fault(self, operation: str) -> str | None:
        """The next scheduled fault of ``operation`` (consumed), if any."""
        with self.lock:
            pending = self.faults.get(operation)
            if not pending:
                return None
            fault = pending.pop(0)
            if not pending:
                del self.faults[operation]
            return fault

    def invoke(self, environment: Environment, operation: str, params: dict[str, Any]) -> Call:
        """Answer one API call; the returned :class:`Call` holds the body or the error."""
        handler = self.operations.get(operation)
        # The call is a transaction (a savepoint, when made inside another one): whatever
        # it raises, it leaves no change behind. Transitions that fell due before it have
        # run, and stand.
        transaction = Transaction(self)
        with transaction as now:
            call = Call(operation, environment, params, now)
            try:
                if handler is None:
                    raise catalogue.NOT_SIMULATED(operation=operation)
                call.response = handler(self, self.states[environment], params, now)
            except errors.ServiceError as exc:
                transaction.undo()
                call.error = exc
            except Exception as exc:
                # A bug of the simulator's: the caller gets the service's own answer to
                # an internal failure; the test fails at stop() with this traceback.
                transaction.undo()
                self.internal_errors.append(exc)
                call.error = catalogue.SERVICE_FAULT()
            self.calls.append(call)  # never undone: the log is not journaled
        return call

    def record_refusal(
        self,
        environment: Environment,
        operation: str,
        params: dict[str, Any],
        error: errors.ServiceError,
    ) -> Call:
        """Log a call refused before it reached an operation (validation, credentials)."""
        with self.lock:
            call = Call(operation, environment, params, self.now(), error=error)
            self.calls.append(call)
            if self.settings.keep_calls is not None and _current.log is None:
                self._trim_logs(self.settings.keep_calls)
        return call

    def after_transaction(self) -> None:
        """Trim the logs to ``keep_calls`` as each outermost transaction ends (a call, a
        worker's action, a transition that fell due), so no kind of run outgrows them."""
        keep = self.settings.keep_calls
        if keep is not None:
            self._trim_logs(keep)

    def _trim_logs(self, keep: int) -> None:
        """Forget all but the latest ``keep`` calls and events, once each log holds twice
        as many (so trimming costs nothing per call). Outside any transaction only."""
        if len(self.calls) >= 2 * keep:
            del self.calls[:-keep]
        if len(self.events) >= 2 * keep:
            del self.events[:-keep]

    # -- events and hooks ----------------------------------------------------------

    def emit(
        self,
        state: State,
        event_type: str,
        hit: HIT | None,
        assignment: Assignment | None,
        now: _dt.datetime,
    ) -> None:
        event = Event(
            event_type,
            now,
            state.environment,
            hit.hit_id if hit is not None else None,
            hit.hit_type.hit_type_id if hit is not None else None,
            assignment.assignment_id if assignment is not None else None,
            assignment.worker_id if assignment is not None else None,
        )
        self.events.append(event)
        for listener, wanted in self.listeners:
            if wanted is None or event_type in wanted:
                try:
                    with journal.atomic():
                        listener(state, event)
                except Exception as exc:
                    # The change that emitted the event has happened; a listener
                    # that raises undoes its own part only.
                    self.internal_errors.append(exc)

    def listen(
        self, listener: Callable[[State, Event], None], event_types: Iterable[str] | None = None
    ) -> None:
        """Call ``listener(state, event)`` for every event (of these types) from now on."""
        self.listeners.append((listener, None if event_types is None else frozenset(event_types)))

    def on_assignment_submitted(
        self, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime
    ) -> None:
        for hook in self.submit_hooks:
            try:
                with journal.atomic():
                    hook(self, state, hit, assignment, now)
            except Exception as exc:
                self.internal_errors.append(exc)  # the submission itself stands

    def on_hit_reviewable(self, state: State, hit: HIT, now: _dt.datetime) -> None:
        for hook in self.reviewable_hooks:
            try:
                with journal.atomic():
                    hook(self, state, hit, now)
            except Exception as exc:
                self.internal_errors.append(exc)  # the HIT is Reviewable all the same
