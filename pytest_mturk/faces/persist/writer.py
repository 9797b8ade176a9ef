"""Writing records: each field as its type says, shared records pooled (see :mod:`.schema`)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import math
import operator
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ...core.model import OrderedIndex
from .schema import JSON, SaveProblem, Schema, fields, is_datetime, is_union, type_name
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
        self._compiled: dict[Any, Callable[[Any], JSON]] = {}
        self._records: dict[type, Callable[[Any], dict[str, JSON]]] = {}

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
                write = self._record_of(cls)
                entries = list(pool.values())
                for key, record in entries[done[cls] :]:
                    written[cls].append((key, write(record)))
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
        return self._record_of(type(record))(record)

    def value(self, value: Any, tp: Any, where: str) -> JSON:
        return self._writer(tp)(value)

    # Each type's writing is worked out once, as a function of the value alone (the
    # schema's types are few; the records, many): no type is inspected per value.

    def _writer(self, tp: Any) -> Callable[[Any], JSON]:
        try:
            return self._compiled[tp]
        except KeyError:
            pass
        except TypeError:  # an unhashable annotation: never one of the schema's
            return self._compile(tp, type_name(tp))
        found = self._compiled[tp] = self._compile(tp, type_name(tp))
        return found

    def _compile(self, tp: Any, where: str) -> Callable[[Any], JSON]:  # noqa: C901 - per kind
        if tp is Any:
            return lambda value: write_any(value, where)
        if is_union(tp):
            return self._union(tp)
        origin = typing.get_origin(tp)
        if origin is not None:
            return self._container(tp, origin, typing.get_args(tp), where)
        if tp in self.schema.pooled:
            return self.ref
        adapter = self.schema.adapters.get(tp)
        if adapter is not None:
            return adapter[0]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._inline_record(tp)
        if tp is bool or tp is str or tp is int:
            return _same
        if tp is float:
            return lambda value: value if math.isfinite(value) else str(value)
        if tp is Decimal:
            return str
        if is_datetime(tp):
            return _isoformat
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum_value
        return lambda value: write_scalar(value, tp, where)

    def _union(self, tp: Any) -> Callable[[Any], JSON]:
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(options) == 1:
            inner = self._writer(options[0])
            return lambda value: None if value is None else inner(value)
        if all(dataclasses.is_dataclass(option) for option in options):
            return lambda value: (
                None if value is None else {type(value).__name__: self._writer(type(value))(value)}
            )
        return lambda value: None if value is None else self._writer(type(value))(value)

    def _container(
        self, tp: Any, origin: Any, args: tuple[Any, ...], where: str
    ) -> Callable[[Any], JSON]:
        if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
            item = self._writer(args[0])
            if item is _same:
                return list
            return lambda value: [item(each) for each in value]
        if origin in (set, frozenset):
            item = self._writer(args[0])
            return lambda value: sorted(item(each) for each in value)
        if origin is tuple:
            items = [self._writer(arg) for arg in args]
            return lambda value: [write(each) for each, write in zip(value, items, strict=True)]
        if origin is dict:
            key, item = self._writer(args[0]), self._writer(args[1])
            if args[0] is str:
                if item is _same:
                    return dict
                return lambda value: {name: item(each) for name, each in value.items()}
            return lambda value: [[key(name), item(each)] for name, each in value.items()]
        raise SaveProblem(f"{where}: no way to write a {tp}")

    def _inline_record(self, cls: type) -> Callable[[Any], JSON]:
        """A record written in place: one met twice would be read back as two."""
        inline = self._inline

        def write(record: Any) -> JSON:
            if id(record) in inline:
                raise SaveProblem(f"{cls.__name__}: a record met twice; pool it")
            inline.add(id(record))
            return self._record_of(cls)(record)

        return write

    def _record_of(self, cls: type) -> Callable[[Any], dict[str, JSON]]:
        found = self._records.get(cls)
        if found is not None:
            return found
        saved = fields(cls, self.schema)
        names = [name for name, _, _ in saved]
        placeholder: list[Callable[[Any], dict[str, JSON]]] = []
        # A record may hold one of its own kind: its writer refers to this one.
        self._records[cls] = lambda record: placeholder[0](record)
        converted = [(index, name, self._writer(tp)) for index, (name, tp, _) in enumerate(saved)]
        converted = [entry for entry in converted if entry[2] is not _same]
        get = operator.attrgetter(*names) if len(names) > 1 else _one(names)

        def write(record: Any) -> dict[str, JSON]:
            values = get(record)
            out = dict(zip(names, values, strict=True))
            for index, name, convert in converted:
                out[name] = convert(values[index])
            return out

        placeholder.append(write)
        self._records[cls] = write
        return write


def _same(value: Any) -> Any:
    return value


def _isoformat(value: Any) -> str:
    return value.isoformat()  # type: ignore[no-any-return]


def _enum_value(value: Any) -> Any:
    return value.value


def _one(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    name = names[0] if names else None
    return lambda record: (getattr(record, name),) if name is not None else ()


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
