"""A least-recently-used cache bounded by the bytes of what it holds, not by a count.

The question checks remember what they have seen (a batch of HITs repeats one
question, or one template), and those memories outlive every simulator: a cache
of N entries of up to 64 KB each can hold N × 64 KB long after the tests that
filled it. Bounding the total size keeps the worst case small whatever the pages.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
S = TypeVar("S", bound="str | None")

# What one cache may hold: a few hundred ordinary questions or page skeletons.
DEFAULT_BUDGET = 1 << 20


class BoundedCache(Generic[K, V]):
    """Entries weighed by ``size(key)``; the oldest go first once ``budget`` is exceeded.

    An entry heavier than a quarter of the budget is not kept at all: remembering
    it would push out many ordinary entries for a page seen once.
    """

    def __init__(self, size: Callable[[K], int], budget: int = DEFAULT_BUDGET) -> None:
        # text_size is sys.getsizeof: called as it is, a Python call less each entry.
        self._size: Callable[[K], int] = sys.getsizeof if size is text_size else size
        self.budget = budget
        self.total = 0  # bytes held, by the sizes of the keys
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> tuple[bool, V | None]:
        """``(True, value)`` for a remembered key (now the most recent), else ``(False, None)``."""
        # No lock: each OrderedDict operation is atomic, and an entry another
        # thread evicts between the two is simply a miss.
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        try:
            self._entries.move_to_end(key)
        except KeyError:
            return False, None
        return True, entry[0]

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` under ``key``, forgetting the oldest entries to stay in budget."""
        weight = self._size(key)
        budget = self.budget
        if weight > budget >> 2:
            return
        entries = self._entries
        with self._lock:
            if key in entries:
                self.total -= entries.pop(key)[1]
            entries[key] = (value, weight)
            total = self.total + weight
            while total > budget:
                total -= entries.popitem(last=False)[1][1]
            self.total = total

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self.total = 0


def text_size(text: str | None) -> int:
    """The bytes a string key holds in memory."""
    return sys.getsizeof(text)


def cached(budget: int = DEFAULT_BUDGET) -> Callable[[Callable[[S], R]], Callable[[S], R]]:
    """Decorate a function of one string: results are remembered within ``budget`` bytes.

    Only keys are weighed: the results kept here are small, derived from their key.
    Exceptions are not remembered (as with :func:`functools.lru_cache`): a
    refusal is worked out anew every time.
    """

    def decorate(func: Callable[[S], R]) -> Callable[[S], R]:
        cache: BoundedCache[S, R] = BoundedCache(text_size, budget)

        entries = cache._entries

        @functools.wraps(func)
        def wrapper(text: S) -> R:
            if text in entries:  # the common case of a repeated question, without a call
                found, value = cache.get(text)
                if found:
                    return value  # type: ignore[return-value]
            result = func(text)
            cache.put(text, result)
            return result

        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper

    return decorate
