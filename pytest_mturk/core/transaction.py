"""One entry into the simulation: the lock, the current time, and all or nothing.

Every change to the simulation runs as a :class:`Transaction`
(``Service.transaction()``): an API call (``Service.invoke``), a worker's action
(:mod:`pytest_mturk.operations.worker_actions`), each scheduled transition
(``Service.now``), a crowd's step. Entering one takes the service's re-entrant
lock, applies the transitions that have fallen due (each a transaction of its
own, so they stand whatever the block then does) and opens the undo journal
(:mod:`.journal`), or a savepoint of the transaction already open on this
thread; leaving it by an exception undoes everything the block changed, and
re-raises. Reads that must see one consistent state (a page, the control API)
run in one too.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Protocol

from . import journal

if TYPE_CHECKING:
    import threading

_current = journal.current  # the transaction open on this thread, if any


class Clocked(Protocol):
    """What a transaction needs of the service it runs in."""

    lock: threading.RLock

    def now(self) -> _dt.datetime:
        """The current time, every transition due by then applied."""

    def after_transaction(self) -> None:
        """What follows each outermost transaction, under the lock (the logs' trim)."""


class Transaction:
    """``with service.transaction() as now:`` (see the module's docstring).

    ``at`` gives the block's time instead of the service's current time: a
    scheduled transition runs at the time it was due, and a crowd's step at the
    time the crowd's stage moved the clock to.
    """

    __slots__ = ("_service", "_at", "_log", "_mark", "_outer")

    def __init__(self, service: Clocked, at: _dt.datetime | None = None) -> None:
        self._service = service
        self._at = at

    def __enter__(self) -> _dt.datetime:
        lock = self._service.lock
        lock.acquire()
        try:
            now = self._service.now() if self._at is None else self._at
        except BaseException:
            lock.release()
            raise
        log = _current.log
        if log is None:
            # Looked up on each use: tests swap in a journal that fails on purpose.
            self._log = _current.log = journal.new_journal()
            self._mark = 0
            self._outer: int | None = None
        else:
            self._log = log
            self._outer = _current.mark
            self._mark = _current.mark = len(log)
            _current.depth += 1
        return now

    def undo(self) -> None:
        """Undo what the block has changed so far; the transaction stays open (a call
        refused with the service's error is answered, and logged, all the same)."""
        journal.rollback(self._log, self._mark)

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        try:
            if kind is not None:
                journal.rollback(self._log, self._mark)
        finally:
            try:
                if self._outer is None:
                    _current.log = None
                    self._service.after_transaction()
                else:
                    _current.depth -= 1
                    _current.mark = self._outer
            finally:
                self._service.lock.release()
