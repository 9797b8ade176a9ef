"""A call log that keeps only the most recent calls, for long runs (a crowd's, say)."""

from __future__ import annotations

from typing import Any, SupportsIndex


class RecentCalls(list):  # type: ignore[type-arg]
    """A list of calls that, past ``2 * keep`` entries, forgets all but the last ``keep``
    (in one step, so appending stays cheap): it always holds the last ``keep`` calls at
    least, and fewer than twice as many."""

    def __init__(self, calls: Any, keep: int) -> None:
        super().__init__(calls)
        self.keep = keep
        self.forgotten = 0  # how many calls were dropped
        self._trim()

    def append(self, call: Any) -> None:
        super().append(call)
        if len(self) >= 2 * self.keep:
            self._trim()

    def _trim(self) -> None:
        extra = len(self) - self.keep
        if extra > 0:
            self.forgotten += extra
            del self[:extra]

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (RecentCalls, (list(self), self.keep))


def bounded(calls: list[Any], keep: int | None) -> list[Any]:
    """``calls`` as a log keeping the last ``keep`` calls (``None``: all of them)."""
    if keep is None:
        return list(calls)
    return RecentCalls(calls, keep)
