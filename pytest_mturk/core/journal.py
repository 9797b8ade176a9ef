"""Atomic changes: an undo journal, open only while a transaction is.

Every entry that changes the simulation (an API call, a worker's action, a
scheduled transition) runs as a transaction: if it raises, everything it
changed is put back as it was. Nothing is copied up front; instead each
journaled write notes what it overwrites, just before it writes:

* records (:func:`journaled` classes) note the attribute's old value;
* the containers of state (:mod:`.containers`) note what a write replaces;
* the scheduler, the ID streams and the ordered indexes note their own undo.

Outside a transaction the journal is off and a write costs one lookup more.
The journal belongs to the thread that opened it (a thread-local), so another
simulator's thread never writes into it.

A savepoint (:func:`atomic` inside a transaction) lets a part fail on its own: a
listener, a hook or one scheduled transition is rolled back alone and the rest
stands. Undo entries are ``(undo, *args)``; rolling back calls them newest
first, which is what makes nested savepoints simple: each entry restores the
state just before its own write.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")

UNSET: Any = object()  # an attribute or key that was not there
_set = object.__setattr__


# The undo entries of one open transaction, oldest first: ``(undo, *args)``.
Journal = list[tuple[Any, ...]]


class _Current(threading.local):
    log: Journal | None = None
    depth = 0  # savepoints open inside the transaction (0: its own level)
    mark = 0  # where the innermost savepoint's entries start


# The journal of the transaction open on this thread, if any.
current = _Current()

# What a new transaction's journal is: tests replace it to make a write fail.
new_journal: Callable[[], Journal] = list


def rollback(log: Journal, mark: int) -> None:
    """Undo every entry after ``mark``, newest first, and forget them."""
    previous, current.log = current.log, None  # undoing writes journals nothing
    try:
        for index in range(len(log) - 1, mark - 1, -1):
            entry = log[index]
            entry[0](*entry[1:])
        del log[mark:]
    finally:
        current.log = previous


class atomic:  # noqa: N801 - used like a function: ``with atomic():``
    """Run a block whole or not at all: on an exception, undo what it changed and re-raise.

    Outside a transaction it opens one; inside, it is a savepoint, so only the
    block's own changes are undone.
    """

    __slots__ = ("_log", "_mark", "_outer")

    def __enter__(self) -> None:
        log = current.log
        if log is None:
            self._log = current.log = new_journal()
            self._mark = 0
            self._outer: int | None = None
        else:
            self._log = log
            self._outer = current.mark
            self._mark = current.mark = len(log)
            current.depth += 1

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        try:
            if kind is not None:
                rollback(self._log, self._mark)
        finally:
            if self._outer is None:
                current.log = None
            else:
                current.depth -= 1
                current.mark = self._outer


# -- records -----------------------------------------------------------------------


def _restore_fields(obj: object, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
    for name, value in zip(names, values, strict=True):
        _set(obj, name, value)


def kept(cls: _C) -> _C:
    """Make a (dataclass) record journaled by :func:`keep`, not on every write.

    For the records every call changes (HITs, assignments): a keep notes all
    their fields in one step, so their constructor and their writes run at full
    speed. Whatever writes such a record calls ``keep(record)`` first, in the
    same transaction or savepoint; its cached wire form (``cache``) is the one
    field written without: it is only ever built from the state as it is, and
    a kept record gets its old one back with the rest.
    """
    names = tuple(f.name for f in fields(cls))
    # A function reading each field in turn: plain attribute reads, which CPython
    # specialises, are several times faster here than operator.attrgetter.
    source = f"def snapshot(record):\n    return ({', '.join(f'record.{n}' for n in names)},)\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - field names of a dataclass, nothing else
    cls.__journal_fields__ = names  # type: ignore[attr-defined]
    cls.__journal_get__ = staticmethod(namespace["snapshot"])  # type: ignore[attr-defined]
    return cls


def keep(record: Any, _current: _Current = current) -> None:
    """Note all of a :func:`kept` record's fields before changing it."""
    log = _current.log
    if log is not None:
        cls = record.__class__
        log.append((_restore_fields, record, cls.__journal_fields__, cls.__journal_get__(record)))


def _restore_attribute(obj: object, name: str, old: Any) -> None:
    if old is UNSET:
        object.__delattr__(obj, name)
    else:
        _set(obj, name, old)


def _journaled_setattr(
    self: object,
    name: str,
    value: Any,
    _current: _Current = current,
    _restore: Callable[[object, str, Any], None] = _restore_attribute,
) -> None:
    log = _current.log
    if log is not None:
        log.append((_restore, self, name, getattr(self, name, UNSET)))
    _set(self, name, value)


_C = TypeVar("_C", bound=type)


def _has_dict(cls: type) -> bool:
    """Whether instances of ``cls`` carry a ``__dict__``."""
    return any("__dict__" in vars(klass) for klass in cls.__mro__[:-1])


def journaled(cls: _C) -> _C:
    """Make a record class note every attribute write while a transaction is open.

    Its constructor notes nothing (an object made inside a transaction needs no
    undo: nothing reached it before), so it must change nothing but the record
    itself; it turns plain ``dict``,
    ``list`` and ``set`` values of fields declared with a journaled container
    (``field(default_factory=JDict)``) into that container, so a record rebuilt
    from plain data is journaled like any other.
    """
    # The same layout without the hook: the constructor runs as this class. Only for
    # records with slots: changing the class of an object with a __dict__ would make
    # CPython turn its inline attribute values into a real dict, and every later read
    # of its attributes slower.
    swap = not _has_dict(cls)
    building = type(cls.__name__, (cls,), {"__slots__": (), "__setattr__": object.__setattr__})
    init = cls.__init__  # type: ignore[misc]
    adopt: tuple[tuple[str, Any], ...] = tuple(
        (f.name, f.default_factory)
        for f in (fields(cls) if is_dataclass(cls) else ())
        if getattr(f.default_factory, "journaled", False)
    )

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        # A record being made notes nothing: nothing reached it before (and undoing its
        # making would leave it broken for whoever holds it, a cache say).
        if swap:
            _set(self, "__class__", building)
        else:
            log, current.log = current.log, None
        try:
            init(self, *args, **kwargs)
            for name, kind in adopt:
                value = getattr(self, name)
                if value.__class__ is not kind:
                    _set(self, name, kind(value))
        finally:
            if swap:
                self.__class__ = cls
            else:
                current.log = log

    __init__.__doc__ = init.__doc__
    __init__.__wrapped__ = init  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__setattr__ = _journaled_setattr  # type: ignore[assignment,method-assign]
    return cls


# -- random streams ------------------------------------------------------------------


def _restore_random(generator: random.Random, state: Any) -> None:
    generator.setstate(state)


def note_random(generator: random.Random) -> None:
    """Before drawing from ``generator`` a varying number of times: note its whole state
    (dear, so only for rare draws; :class:`~pytest_mturk.core.ids.Stream` rewinds cheaply)."""
    log = current.log
    if log is not None:
        log.append((_restore_random, generator, generator.getstate()))
