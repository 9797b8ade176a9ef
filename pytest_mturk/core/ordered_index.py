"""An index of keys in the order they entered, pageable by position, with journaled changes."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator

from .journal import current


def _unadd(index: OrderedIndex, key: str, counter: int) -> None:
    # Newest first, so the key is the last one in and the lists' last entries.
    del index._current[key]
    del index._positions[-1]
    del index._keys[-1]
    index._counter = counter


def _undiscard(index: OrderedIndex, key: str, position: int, stale: int) -> None:
    current = index._current
    current[key] = position
    index._stale = stale
    if len(current) > 1 and position < max(current.values()):
        # Keys iterate in the order of their positions: put this one back in its place.
        ordered = sorted(current.items(), key=lambda item: item[1])
        current.clear()
        current.update(ordered)


def _uncompact(index: OrderedIndex, positions: list[int], keys: list[str], stale: int) -> None:
    index._positions, index._keys, index._stale = positions, keys, stale


class OrderedIndex:
    """Keys in the order they (last) entered, pageable by an opaque position.

    ``add`` and ``discard`` are O(1) amortised; a page starts with a binary
    search, so the cost of one page does not grow with the size of the index.
    A discarded key leaves a stale entry behind until the next compaction;
    while there is none, a page is a plain slice. Changes are journaled.
    """

    def __init__(self) -> None:
        self._positions: list[int] = []
        self._keys: list[str] = []
        self._current: dict[str, int] = {}
        self._counter = 0
        self._stale = 0

    def __len__(self) -> int:
        return len(self._current)

    def __contains__(self, key: object) -> bool:
        return key in self._current

    def __iter__(self) -> Iterator[str]:
        return iter(self._current)

    @property
    def counter(self) -> int:
        """The position the last key added was given."""
        return self._counter

    def positions(self) -> list[tuple[str, int]]:
        """Every live key with its position, in order (what :meth:`restored` takes)."""
        return sorted(self._current.items(), key=lambda item: item[1])

    @classmethod
    def restored(cls, positions: list[tuple[str, int]], counter: int) -> OrderedIndex:
        """An index holding these keys at these (increasing) positions, the last given
        position being ``counter``: it pages exactly as the index they came from."""
        index = cls()
        index._positions = [position for _, position in positions]
        index._keys = [key for key, _ in positions]
        index._current = dict(positions)
        index._counter = counter
        return index

    def add(self, key: str) -> None:
        if key in self._current:
            return
        log = current.log
        if log is not None:
            log.append((_unadd, self, key, self._counter))
        self._counter += 1
        self._current[key] = self._counter
        self._positions.append(self._counter)
        self._keys.append(key)

    def discard(self, key: str) -> None:
        position = self._current.get(key)
        if position is None:
            return
        log = current.log
        if log is not None:
            log.append((_undiscard, self, key, position, self._stale))
        del self._current[key]
        self._stale += 1
        if self._stale > 64 and self._stale > len(self._current):
            self._compact()

    def _compact(self) -> None:
        log = current.log
        if log is not None:
            log.append((_uncompact, self, self._positions, self._keys, self._stale))
        live = sorted((pos, key) for key, pos in self._current.items())
        self._positions = [pos for pos, _ in live]
        self._keys = [key for _, key in live]
        self._stale = 0

    def page(
        self, after: int, limit: int, accept: Callable[[str], bool] | None = None
    ) -> tuple[list[str], int]:
        """Up to ``limit`` live keys positioned after ``after``; and the last position."""
        start = bisect.bisect_right(self._positions, after)
        if not self._stale and accept is None:
            found = self._keys[start : start + limit]
            return found, (self._positions[start + len(found) - 1] if found else after)
        found = []
        last = after
        current = self._current
        positions, keys = self._positions, self._keys
        for i in range(start, len(keys)):
            key = keys[i]
            position = positions[i]
            if current.get(key) != position:
                continue  # stale: the key left (and perhaps re-entered later)
            if accept is not None and not accept(key):
                continue
            found.append(key)
            last = position
            if len(found) == limit:
                break
        return found, last
