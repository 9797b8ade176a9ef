"""Writing records: each field as its type says, shared records pooled (see :mod:`.schema`)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import math
import typing
from decimal import Decimal
from typing import Any

from ...core.model import OrderedIndex
from .schema import JSON, SaveProblem, Schema, fields, is_datetime, is_union
from .untyped import write_any


class Writer:
    """Writes records of one environment; its pooled records come out of :meth:`pools`."""

    def __init__(self, schema: Schema, inline: set[int]) -> None:
        self.schema = schema
        # class -> id(record) -> (key, record), in the order first met.
        self._pooled: dict[type, dict[int, tuple[Any, Any]]] = {cls: {} for cls in schema.pooled}
        self._keys: dict[type, dict[Any, int]] = {cls: {} for cls in schema.pooled}
        # Records written in place (shared among writers): one met twice would be read
        # back as two, so that is refused (it should be pooled).
        self._inline = inline

    def ref(self, record: Any) -> Any:
        """The key a pooled record is referred to by (pooling it on first sight)."""
        cls = type(record)
        pool = self._pooled[cls]
        known = pool.get(id(record))
        if known is not None:
            return known[0]
        attribute = self.schema.pooled[cls]
        key = len(pool) if attribute is None else getattr(record, attribute)
        other = self._keys[cls].get(key)
        if other is not None:
            raise SaveProblem(f"two different {cls.__name__} records have the key {key!r}")
        self._keys[cls][key] = id(record)
        pool[id(record)] = (key, record)
        return key

    def pools(self) -> dict[str, Any]:
        """Every pooled record met so far, and those they refer to, written whole."""
        written: dict[type, list[tuple[Any, JSON]]] = {cls: [] for cls in self._pooled}
        done = dict.fromkeys(self._pooled, 0)
        progress = True
        while progress:
            progress = False
            for cls, pool in self._pooled.items():
                entries = list(pool.values())
                for key, record in entries[done[cls] :]:
                    written[cls].append((key, self.record(record, f"{cls.__name__} {key}")))
                    progress = True
                done[cls] = len(entries)
        out: dict[str, Any] = {}
        for cls, entries in written.items():
            if self.schema.pooled[cls] is None:
                out[cls.__name__] = [data for _, data in entries]
            else:
                out[cls.__name__] = dict(entries)
        return out

    def record(self, record: Any, where: str) -> dict[str, JSON]:
        return {
            name: self.value(getattr(record, name), tp, f"{where}.{name}")
            for name, tp, _ in fields(type(record), self.schema)
        }

    def value(self, value: Any, tp: Any, where: str) -> JSON:  # noqa: C901 - one case per kind
        if tp is Any:
            return write_any(value, where)
        if is_union(tp):
            if value is None:
                return None
            options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            if len(options) == 1:
                return self.value(value, options[0], where)
            if all(dataclasses.is_dataclass(option) for option in options):
                return {type(value).__name__: self.value(value, type(value), where)}
            return self.value(value, type(value), where)
        origin = typing.get_origin(tp)
        if origin is not None:
            args = typing.get_args(tp)
            if origin is list:
                return [self.value(item, args[0], f"{where}[{i}]") for i, item in enumerate(value)]
            if origin in (set, frozenset):
                return sorted(self.value(item, args[0], where) for item in value)
            if origin is tuple:
                if len(args) == 2 and args[1] is Ellipsis:
                    return [self.value(item, args[0], where) for item in value]
                return [self.value(item, arg, where) for item, arg in zip(value, args, strict=True)]
            if origin is dict:
                if args[0] is str:
                    return {
                        key: self.value(item, args[1], f"{where}.{key}")
                        for key, item in value.items()
                    }
                return [
                    [self.value(key, args[0], where), self.value(item, args[1], where)]
                    for key, item in value.items()
                ]
            raise SaveProblem(f"{where}: no way to write a {tp}")
        if tp in self.schema.pooled:
            return self.ref(value)
        adapter = self.schema.adapters.get(tp)
        if adapter is not None:
            return adapter[0](value)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if id(value) in self._inline:
                raise SaveProblem(f"{where}: a {tp.__name__} record met twice; pool it")
            self._inline.add(id(value))
            return self.record(value, where)
        return write_scalar(value, tp, where)


def write_scalar(value: Any, tp: Any, where: str) -> JSON:
    if tp is bool or tp is str:
        return value
    if tp is int:
        return value
    if tp is float:
        return value if math.isfinite(value) else str(value)
    if tp is Decimal:
        return str(value)
    if is_datetime(tp):
        return value.isoformat()
    if tp is _dt.timedelta:
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return value.value
    if tp is OrderedIndex:
        return {"counter": value.counter, "positions": [list(p) for p in value.positions()]}
    raise SaveProblem(f"{where}: no way to write a {tp!r}")
