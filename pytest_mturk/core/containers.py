"""The containers of state: ``dict``, ``list`` and ``set`` whose writes are journaled.

Only their writing methods are overridden, so reads stay plain C-level reads
(see :mod:`.journal`). A record field declared with one of them
(``field(default_factory=JDict)``) gets one even when it is given plain data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex, TypeVar

from .journal import UNSET, current

_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")


def _restore_key(mapping: dict[Any, Any], key: Any, old: Any) -> None:
    if old is UNSET:
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
    journaled = True  # see journal.journaled()

    def _note_key(self, key: Any) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_key, self, key, dict.get(self, key, UNSET)))

    def _note_all(self) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_dict, self, list(dict.items(self))))

    def __setitem__(
        self, key: _K, value: _V, _current: Any = current, _set: Any = dict.__setitem__
    ) -> None:
        log = _current.log
        if log is not None:
            log.append((_restore_key, self, key, dict.get(self, key, UNSET)))
        _set(self, key, value)

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
    journaled = True  # see journal.journaled()

    def _note_all(self) -> None:
        log = current.log
        if log is not None:
            log.append((_restore_list, self, list(self)))

    def append(self, item: _T, _current: Any = current, _append: Any = list.append) -> None:
        log = _current.log
        if log is not None:
            log.append((_cut, self, len(self)))
        _append(self, item)

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

    def __imul__(self, count: SupportsIndex) -> JList[_T]:
        self._note_all()
        list.__imul__(self, count)
        return self


def _restore_set(items: set[Any], old: set[Any]) -> None:
    set.clear(items)
    set.update(items, old)


class JSet(set[_T]):
    """A ``set`` whose writes are journaled (reads are plain ``set`` reads)."""

    __slots__ = ()
    journaled = True  # see journal.journaled()

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

    def discard(self, item: object) -> None:
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

    def __iand__(self, other: Any) -> JSet[_T]:  # type: ignore[misc]
        self.intersection_update(other)
        return self

    def __isub__(self, other: Any) -> JSet[_T]:  # type: ignore[misc]
        self.difference_update(other)
        return self

    def __ixor__(self, other: Any) -> JSet[_T]:  # type: ignore[override,misc]
        self.symmetric_difference_update(other)
        return self
