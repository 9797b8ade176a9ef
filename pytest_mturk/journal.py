"""Atomic changes: an undo journal, open only while a transaction is.

Every entry that changes the simulation (an API call, a worker's action, a
scheduled transition) runs as a transaction: if it raises, everything it
changed is put back as it was. Nothing is copied up front; instead each
journaled write notes what it overwrites, just before it writes:

* records (:func:`journaled` classes) note the attribute's old value;
* :class:`JDict`, :class:`JList` and :class:`JSet`, the containers of state,
  note what a write replaces; only their writing methods are overridden, so
  reads stay at C speed;
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
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any, SupportsIndex, TypeVar

_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")

_UNSET: Any = object()  # an attribute or key that was not there
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
    cls.__journal_fields__ = names  # type: ignore[attr-defined]
    cls.__journal_get__ = attrgetter(*names)  # type: ignore[attr-defined]
    return cls


def keep(record: Any) -> None:
    """Note all of a :func:`kept` record's fields before changing it."""
    log = current.log
    if log is not None:
        cls = record.__class__
        log.append((_restore_fields, record, cls.__journal_fields__, cls.__journal_get__(record)))


def _restore_attribute(obj: object, name: str, old: Any) -> None:
    if old is _UNSET:
        object.__delattr__(obj, name)
    else:
        _set(obj, name, old)


def _journaled_setattr(self: object, name: str, value: Any) -> None:
    log = current.log
    if log is not None:
        log.append((_restore_attribute, self, name, getattr(self, name, _UNSET)))
    _set(self, name, value)


_C = TypeVar("_C", bound=type)


def journaled(cls: _C) -> _C:
    """Make a record class note every attribute write while a transaction is open.

    Its constructor writes at full speed (an object made inside a transaction
    needs no undo: nothing reached it before), and turns plain ``dict``,
    ``list`` and ``set`` values of fields declared with a journaled container
    (``field(default_factory=JDict)``) into that container, so a record rebuilt
    from plain data is journaled like any other.
    """
    # The same layout without the hook: the constructor runs as this class.
    building = type(cls.__name__, (cls,), {"__slots__": (), "__setattr__": object.__setattr__})
    init = cls.__init__
    adopt = tuple(
        (f.name, f.default_factory)
        for f in (fields(cls) if is_dataclass(cls) else ())
        if f.default_factory in _CONTAINERS
    )

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _set(self, "__class__", building)
        try:
            init(self, *args, **kwargs)
            for name, kind in adopt:
                value = getattr(self, name)
                if value.__class__ is not kind:
                    _set(self, name, kind(value))
        finally:
            self.__class__ = cls

    __init__.__doc__ = init.__doc__
    __init__.__wrapped__ = init  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__setattr__ = _journaled_setattr  # type: ignore[assignment,method-assign]
    return cls


# -- containers ----------------------------------------------------------------------


def _restore_key(mapping: dict[Any, Any], key: Any, old: Any) -> None:
    if old is _UNSET:
        dict.__delitem__(mapping, key)
    else:
        dict.__setitem__(mapping, key, old)


def _restore_dict(mapping: dict[Any, Any], items: list[tuple[Any, Any]]) -> None:
    dict.clear(mapping)
    dict.update(mapping, items)


class JDict(dict[_K, _V]):
    """A ``dict`` whose writes are journaled (reads are plain ``dict`` reads).

    Adding or replacing a key notes the key's old value; anything that removes
    a key notes the whole contents first, since putting a key back must also
    put it back in its place in the order.
    """

    __slots__ = ()

    def _note_key(self, key: Any) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_key, self, key, dict.get(self, key, _UNSET)))

    def _note_all(self) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_dict, self, list(dict.items(self))))

    def __setitem__(self, key: _K, value: _V) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_key, self, key, dict.get(self, key, _UNSET)))
        dict.__setitem__(self, key, value)

    def setdefault(self, key: _K, default: _V = None) -> _V:  # type: ignore[assignment]
        if key not in self:
            self._note_key(key)
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._note_all()
        dict.update(self, *args, **kwargs)

    def __ior__(self, other: Any) -> JDict[_K, _V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __delitem__(self, key: _K) -> None:
        if key in self:
            self._note_all()
        dict.__delitem__(self, key)

    def pop(self, key: _K, *default: Any) -> Any:
        if key in self:
            self._note_all()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[_K, _V]:
        self._note_all()
        return dict.popitem(self)

    def clear(self) -> None:
        self._note_all()
        dict.clear(self)


def _cut(items: list[Any], length: int) -> None:
    list.__delitem__(items, slice(length, None))


def _restore_list(items: list[Any], old: list[Any]) -> None:
    list.__setitem__(items, slice(None), old)


class JList(list[_T]):
    """A ``list`` whose writes are journaled (reads are plain ``list`` reads).

    An append notes the length to cut back to; any other change notes the contents.
    """

    __slots__ = ()

    def _note_all(self) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_list, self, list(self)))

    def append(self, item: _T) -> None:
        log = current.log
        if log is not None:
            log.append((_cut, self, len(self)))
        list.append(self, item)

    def extend(self, items: Iterable[_T]) -> None:
        log = current.log
        if log is not None:
            log.append((_cut, self, len(self)))
        list.extend(self, items)

    def __iadd__(self, items: Iterable[_T]) -> JList[_T]:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def insert(self, index: SupportsIndex, item: _T) -> None:
        self._note_all()
        list.insert(self, index, item)

    def pop(self, index: SupportsIndex = -1) -> _T:
        self._note_all()
        return list.pop(self, index)

    def remove(self, item: _T) -> None:
        self._note_all()
        list.remove(self, item)

    def clear(self) -> None:
        self._note_all()
        list.clear(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._note_all()
        list.sort(self, *args, **kwargs)

    def reverse(self) -> None:
        self._note_all()
        list.reverse(self)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._note_all()
        list.__setitem__(self, index, value)

    def __delitem__(self, index: Any) -> None:
        self._note_all()
        list.__delitem__(self, index)

    def __imul__(self, count: SupportsIndex) -> JList[_T]:  # type: ignore[override,misc]
        self._note_all()
        list.__imul__(self, count)
        return self


def _restore_set(items: set[Any], old: set[Any]) -> None:
    set.clear(items)
    set.update(items, old)


class JSet(set[_T]):
    """A ``set`` whose writes are journaled (reads are plain ``set`` reads)."""

    __slots__ = ()

    def _note_all(self) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_set, self, set(self)))

    def add(self, item: _T) -> None:
        if item not in self:
            log = current.log
            if log is not None:
                log.append((set.discard, self, item))
            set.add(self, item)

    def discard(self, item: _T) -> None:
        if item in self:
            log = current.log
            if log is not None:
                log.append((set.add, self, item))
            set.discard(self, item)

    def remove(self, item: _T) -> None:
        if item not in self:
            raise KeyError(item)
        self.discard(item)

    def pop(self) -> _T:
        self._note_all()
        return set.pop(self)

    def clear(self) -> None:
        self._note_all()
        set.clear(self)

    def update(self, *others: Iterable[_T]) -> None:
        self._note_all()
        set.update(self, *others)

    def difference_update(self, *others: Iterable[Any]) -> None:
        self._note_all()
        set.difference_update(self, *others)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        self._note_all()
        set.intersection_update(self, *others)

    def symmetric_difference_update(self, other: Iterable[_T]) -> None:
        self._note_all()
        set.symmetric_difference_update(self, other)

    def __ior__(self, other: Any) -> JSet[_T]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __iand__(self, other: Any) -> JSet[_T]:  # type: ignore[override,misc]
        self.intersection_update(other)
        return self

    def __isub__(self, other: Any) -> JSet[_T]:  # type: ignore[override,misc]
        self.difference_update(other)
        return self

    def __ixor__(self, other: Any) -> JSet[_T]:  # type: ignore[override,misc]
        self.symmetric_difference_update(other)
        return self


_CONTAINERS: tuple[Any, ...] = (JDict, JList, JSet)


# -- random streams ------------------------------------------------------------------


def _restore_random(generator: random.Random, state: Any) -> None:
    generator.setstate(state)


def note_random(generator: random.Random) -> None:
    """Before drawing from ``generator`` a varying number of times: note its whole state
    (dear, so only for rare draws; :class:`~pytest_mturk.ids.Stream` rewinds cheaply)."""
    log = current.log
    if log is not None:
        log.append((_restore_random, generator, generator.getstate()))
