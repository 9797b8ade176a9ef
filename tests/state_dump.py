"""A full structural dump of a simulator: everything it knows, in comparable form.

Walks the whole object graph hanging off the service (both worlds, schedule, ID
streams, review records, notifier and inboxes, events, layouts, faults...) and the
simulator's worker handles. Shared objects appear once; later meetings are
references to the path where they were first met, so sharing is compared too.
Caches are left out: they are rebuilt from the state whenever dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import random
import threading
import types
from decimal import Decimal
from typing import Any

from pytest_mturk.core.clock import Scheduler

# Not state: caches, the lock, the handler table, the facade, the delivery clients.
SKIPPED = frozenset(
    {"cache", "templates", "lock", "operations", "simulator", "_aws", "calls", "internal_errors"}
)
_LEAVES = (str, int, float, bool, type(None), dt.datetime, dt.timedelta, dt.tzinfo, enum.Enum)


def dump(sim, skip: frozenset[str] = frozenset()) -> Any:
    """Everything ``sim`` knows but ``skip`` (attribute names), as nested tuples."""
    service = sim._service
    with service.lock:
        memo: dict[int, str] = {}
        return (
            _dump(service, "service", memo, SKIPPED | skip),
            _dump(sim._workers, "workers", memo, SKIPPED | skip),
        )


def _attributes(value: Any) -> list[str]:
    if dataclasses.is_dataclass(value):
        return [f.name for f in dataclasses.fields(value)]
    names: list[str] = []
    for cls in type(value).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in names and hasattr(value, name):
                names.append(name)
    names.extend(name for name in getattr(value, "__dict__", {}) if name not in names)
    return names


def _dump(value: Any, path: str, memo: dict[int, str], skip: frozenset[str]) -> Any:
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, Decimal):
        return ("Decimal", str(value))  # 0.5 and 0.50 differ on the wire
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return ("function", value.__qualname__)
    if isinstance(value, types.MethodType):
        return ("method", value.__func__.__qualname__, _dump(value.__self__, path, memo, skip))
    seen = memo.get(id(value))
    if seen is not None:
        return ("ref", seen)
    memo[id(value)] = path
    kind = type(value).__name__
    if isinstance(value, random.Random):
        return (kind, value.getstate())
    if isinstance(value, type(threading.RLock())):
        return (kind,)
    if isinstance(value, dict):
        return (
            kind,
            tuple(
                (_dump(k, f"{path}[{k!r}]", memo, skip), _dump(v, f"{path}[{k!r}]", memo, skip))
                for k, v in value.items()
            ),
        )
    if isinstance(value, (list, tuple)):
        return (kind, tuple(_dump(v, f"{path}[{i}]", memo, skip) for i, v in enumerate(value)))
    if isinstance(value, (set, frozenset)):
        return (kind, tuple(sorted(map(repr, value))))
    fields = []
    for name in _attributes(value):
        if name in skip:
            continue
        item = getattr(value, name)
        if isinstance(value, Scheduler) and name == "_heap":
            # The heap's layout may differ after an undo; what it runs, and when, may not.
            item = sorted(item, key=lambda entry: (entry[0], entry[1]))
        fields.append((name, _dump(item, f"{path}.{name}", memo, skip)))
    return (kind, tuple(fields))


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two dumps differ (the first few places), for a readable failure."""
    if before == after:
        return []
    if isinstance(before, tuple) and isinstance(after, tuple) and len(before) == len(after):
        found: list[str] = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if old == new:
                continue
            label = old[0] if isinstance(old, tuple) and old and isinstance(old[0], str) else index
            found.extend(differences(old, new, f"{path}/{label}"))
            if len(found) >= 5:
                break
        return found
    return [f"{path}: {str(before)[:300]} -> {str(after)[:300]}"]
