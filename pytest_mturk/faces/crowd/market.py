"""The marketplace as a crowd sees it: open HITs by group, listed as the worker site listed them.

The worker site showed HIT *groups* (the HITs of one HIT type), sorted newest first by
default or by the number of HITs available. A crowd keeps its own index of the open
HITs of its environment, kept in step by reading the service's lifecycle events as
they come (each event names its HIT, whose openness is then looked at again), so a
visit costs the number of groups, not the number of HITs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...core.model import HIT, HITStatus, State

if TYPE_CHECKING:
    from ...core.service import Service


class Group:
    """The open HITs of one HIT type, oldest first (by creation)."""

    __slots__ = ("hit_type_id", "keys", "hits")

    def __init__(self, hit_type_id: str) -> None:
        self.hit_type_id = hit_type_id
        self.keys: list[int] = []  # the HITs' creation sequence numbers, sorted
        self.hits: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def newest(self) -> int:
        return self.keys[-1]

    def add(self, seq: int, hit_id: str) -> None:
        if seq not in self.hits:
            bisect.insort(self.keys, seq)
            self.hits[seq] = hit_id

    def discard(self, seq: int) -> None:
        if self.hits.pop(seq, None) is not None:
            del self.keys[bisect.bisect_left(self.keys, seq)]

    def oldest_first(self) -> Iterator[str]:
        # No copy: nothing changes the group while a worker looks down it.
        hits = self.hits
        for seq in self.keys:
            hit_id = hits.get(seq)
            if hit_id is not None:
                yield hit_id


class Market:
    """The open HITs of one environment, by group."""

    def __init__(self, service: Service, state: State) -> None:
        self._service = service
        self.state = state
        self.groups: dict[str, Group] = {}
        self._where: dict[str, Group] = {}  # open HIT -> its group
        self._read = 0  # how many events were read, and the last of them
        self._last: object = None
        self.rebuild()

    def rebuild(self) -> None:
        """Look at every live HIT afresh (when the events since the last look are lost)."""
        self.groups.clear()
        self._where.clear()
        state = self.state
        for hit_id in state.hit_index:
            self.look_at(state.hits[hit_id])
        events = self._service.events
        self._read = len(events)
        self._last = events[-1] if events else None

    def look_at(self, hit: HIT) -> None:
        """Put ``hit`` into (or take it out of) the index as it is now."""
        hit_id = hit.hit_id
        is_open = not hit.expired and hit.status is HITStatus.ASSIGNABLE and hit.available > 0
        group = self._where.get(hit_id)
        type_id = hit.hit_type.hit_type_id
        if group is not None and (not is_open or group.hit_type_id != type_id):
            group.discard(hit.seq)
            del self._where[hit_id]
            if not group:
                del self.groups[group.hit_type_id]
            group = None
        if is_open and group is None:
            group = self.groups.get(type_id)
            if group is None:
                group = self.groups[type_id] = Group(type_id)
            group.add(hit.seq, hit_id)
            self._where[hit_id] = group

    def catch_up(self) -> None:
        """Read the lifecycle events since the last look; re-look at the HITs they name.

        A simulator with ``keep_calls`` forgets its oldest events now and then: the last
        event read is then looked for where it went, and if it was forgotten too, every
        live HIT is looked at afresh.
        """
        events = self._service.events
        count = len(events)
        read = self._read
        if read and (read > count or events[read - 1] is not self._last):
            read = self._find_last(events)
            if read < 0:
                self.rebuild()
                return
        if read >= count:
            self._read = count
            return
        environment = self.state.environment
        hits = self.state.hits
        seen = set()
        for event in events[read:count]:
            hit_id = event.hit_id
            if hit_id is not None and event.environment is environment and hit_id not in seen:
                seen.add(hit_id)
                hit = hits.get(hit_id)
                if hit is not None:
                    self.look_at(hit)
        self._read = count
        self._last = events[count - 1]

    def _find_last(self, events: list[Any]) -> int:
        """Where the last event read now is (how many events precede it, plus one), or -1."""
        last = self._last
        for index in range(min(self._read, len(events)) - 1, -1, -1):
            if events[index] is last:
                return index + 1
        return -1

    def listing(self, newest_first: bool) -> list[Group]:
        """The groups as the worker site listed them: newest first, or the most HITs
        available first (then the newest)."""
        groups = self.groups.values()
        if newest_first:
            return sorted(groups, key=lambda group: -group.newest)
        return sorted(groups, key=lambda group: (-len(group), -group.newest))

    def is_open(self) -> bool:
        return bool(self.groups)
