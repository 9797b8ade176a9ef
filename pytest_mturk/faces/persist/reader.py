"""Reading records back: every value checked against its field's type, every record
built through its constructor, pooled records resolved by key (see :mod:`.schema`)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import typing
from decimal import Decimal
from typing import Any

from ...core.model import OrderedIndex
from .schema import (
    JSON,
    FormatProblem,
    Schema,
    describe,
    expect,
    fields,
    is_datetime,
    is_union,
    read_datetime,
    read_decimal,
)
from .untyped import read_any


class Reader:
    """Reads records of one environment, pooled records from ``pools`` (as
    :meth:`Writer.pools` wrote them), each built once, when first referred to."""

    def __init__(self, schema: Schema, pools: JSON, where: str) -> None:
        self.schema = schema
        self._where = where
        if not isinstance(pools, dict):
            raise FormatProblem(where, f"expected an object, found {describe(pools)}")
        self._raw: dict[type, Any] = {}
        for cls, attribute in schema.pooled.items():
            raw = pools.get(cls.__name__)
            kind = list if attribute is None else dict
            if not isinstance(raw, kind):
                raise FormatProblem(
                    f"{where}.{cls.__name__}",
                    "missing"
                    if raw is None
                    else f"expected {'a list' if kind is list else 'an object'}",
                )
            self._raw[cls] = raw
        unknown = set(pools) - {cls.__name__ for cls in schema.pooled}
        if unknown:
            raise FormatProblem(where, f"unknown member(s) {', '.join(sorted(unknown))}")
        self._built: dict[type, dict[Any, Any]] = {cls: {} for cls in schema.pooled}
        self._building: set[tuple[type, Any]] = set()

    def resolve(self, cls: type, key: JSON, where: str) -> Any:
        """The pooled record of class ``cls`` with this key."""
        built = self._built[cls]
        if isinstance(key, (str, int)) and not isinstance(key, bool) and key in built:
            return built[key]
        attribute = self.schema.pooled[cls]
        raw = self._raw[cls]
        if attribute is None:
            if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key < len(raw):
                raise FormatProblem(
                    where,
                    f"refers to {cls.__name__} {describe(key)}, which the file does not hold",
                )
            data = raw[key]
        else:
            if not isinstance(key, str) or key not in raw:
                raise FormatProblem(
                    where,
                    f"refers to {cls.__name__} {describe(key)}, which the file does not hold",
                )
            data = raw[key]
        if (cls, key) in self._building:
            raise FormatProblem(where, f"{cls.__name__} {key} refers to itself")
        self._building.add((cls, key))
        record = self.record(cls, data, f"{self._where}.{cls.__name__}.{key}")
        self._building.discard((cls, key))
        if attribute is not None and getattr(record, attribute) != key:
            raise FormatProblem(
                f"{self._where}.{cls.__name__}.{key}",
                f"its {attribute} is {getattr(record, attribute)!r}",
            )
        built[key] = record
        return record

    def build_all(self) -> None:
        """Build every pooled record (so that one nothing refers to is checked too)."""
        for cls, raw in self._raw.items():
            keys = range(len(raw)) if isinstance(raw, list) else list(raw)
            for key in keys:
                self.resolve(cls, key, f"{self._where}.{cls.__name__}")

    def record(self, cls: type, data: JSON, where: str) -> Any:
        """A record of class ``cls``, built through its constructor."""
        if not isinstance(data, dict):
            raise FormatProblem(where, f"expected a {cls.__name__} object, found {describe(data)}")
        saved = fields(cls, self.schema)
        names = {name for name, _, _ in saved}
        missing = [name for name in names if name not in data]
        if missing:
            raise FormatProblem(where, f"missing member(s) {', '.join(sorted(missing))}")
        unknown = [name for name in data if name not in names]
        if unknown:
            raise FormatProblem(where, f"unknown member(s) {', '.join(sorted(unknown))}")
        given = {name: self.value(data[name], tp, f"{where}.{name}") for name, tp, _ in saved}
        for name, value in given.items():
            if (
                isinstance(value, _dt.datetime)
                and value.tzinfo is None
                and (cls, name) not in self.schema.naive_times
            ):
                raise FormatProblem(f"{where}.{name}", "a time without its UTC offset")
        try:
            record = cls(**{name: given[name] for name, _, init in saved if init})
        except (TypeError, ValueError) as exc:
            raise FormatProblem(where, f"not a {cls.__name__} ({exc})") from None
        for name, _, init in saved:
            if not init:
                setattr(record, name, given[name])
        return record

    def value(self, data: JSON, tp: Any, where: str) -> Any:  # noqa: C901 - one case per kind
        if tp is Any:
            return read_any(data, where)
        if is_union(tp):
            options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            if data is None:
                if len(options) < len(typing.get_args(tp)):
                    return None
                raise FormatProblem(where, "must not be null")
            if len(options) == 1:
                return self.value(data, options[0], where)
            if all(dataclasses.is_dataclass(option) for option in options):
                by_name = {option.__name__: option for option in options}
                if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in by_name:
                    raise FormatProblem(
                        where, f"expected one of {', '.join(by_name)} as {{name: object}}"
                    )
                ((name, inner),) = data.items()
                return self.value(inner, by_name[name], where)
            for option in options:
                if option is int and isinstance(data, int) and not isinstance(data, bool):
                    return data
                if option is str and isinstance(data, str):
                    return data
            raise FormatProblem(where, f"expected {tp}, found {describe(data)}")
        origin = typing.get_origin(tp)
        if origin is not None:
            args = typing.get_args(tp)
            if origin is dict and args[0] is str:
                if not isinstance(data, dict):
                    raise FormatProblem(where, f"expected an object, found {describe(data)}")
                return {
                    key: self.value(item, args[1], f"{where}.{key}") for key, item in data.items()
                }
            if not isinstance(data, list):
                raise FormatProblem(where, f"expected a list, found {describe(data)}")
            if origin is list:
                return [self.value(item, args[0], f"{where}[{i}]") for i, item in enumerate(data)]
            if origin in (set, frozenset):
                return origin(self.value(item, args[0], where) for item in data)
            if origin is tuple:
                if len(args) == 2 and args[1] is Ellipsis:
                    return tuple(self.value(item, args[0], where) for item in data)
                if len(data) != len(args):
                    raise FormatProblem(where, f"expected {len(args)} items, found {len(data)}")
                return tuple(
                    self.value(item, arg, where) for item, arg in zip(data, args, strict=True)
                )
            if origin is dict:
                pairs = []
                for i, pair in enumerate(data):
                    if not isinstance(pair, list) or len(pair) != 2:
                        raise FormatProblem(f"{where}[{i}]", "expected a [key, value] pair")
                    key = self.value(pair[0], args[0], f"{where}[{i}]")
                    pairs.append((key, self.value(pair[1], args[1], f"{where}[{i}]")))
                return dict(pairs)
        if tp in self.schema.pooled:
            return self.resolve(tp, data, where)
        adapter = self.schema.adapters.get(tp)
        if adapter is not None:
            return adapter[1](data, where)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.record(tp, data, where)
        return read_scalar(data, tp, where)


def read_scalar(data: JSON, tp: Any, where: str) -> Any:  # noqa: C901 - one case per kind
    if tp is bool:
        expect(isinstance(data, bool), where, "true or false", data)
        return data
    if tp is str:
        expect(isinstance(data, str), where, "text", data)
        return data
    if tp is int or tp is _dt.timedelta:
        expect(isinstance(data, int) and not isinstance(data, bool), where, "an integer", data)
        return data if tp is int else _dt.timedelta(microseconds=data)
    if tp is float:
        if isinstance(data, str) and data in ("inf", "-inf", "nan"):
            return float(data)
        expect(
            isinstance(data, (int, float)) and not isinstance(data, bool), where, "a number", data
        )
        return float(data)
    if tp is Decimal:
        return read_decimal(data, where)
    if is_datetime(tp):
        return read_datetime(data, where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            names = ", ".join(repr(member.value) for member in tp)
            raise FormatProblem(where, f"expected one of {names}, found {describe(data)}") from None
    if tp is OrderedIndex:
        return _ordered_index(data, where)
    raise FormatProblem(where, f"no way to read a {tp!r}")  # pragma: no cover - a schema bug


def _ordered_index(data: JSON, where: str) -> OrderedIndex:
    expect(
        isinstance(data, dict) and set(data) == {"counter", "positions"},
        where,
        'an object with "counter" and "positions"',
        data,
    )
    counter, positions = data["counter"], data["positions"]
    expect(
        isinstance(counter, int) and not isinstance(counter, bool),
        where,
        "an integer counter",
        counter,
    )
    expect(isinstance(positions, list), where, "a list of positions", positions)
    pairs: list[tuple[str, int]] = []
    last = 0
    for pair in positions:
        ok = (
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], int)
            and not isinstance(pair[1], bool)
            and last < pair[1] <= counter
        )
        expect(ok, where, "[key, position] pairs in increasing positions up to the counter", pair)
        pairs.append((pair[0], pair[1]))
        last = pair[1]
    if len({key for key, _ in pairs}) != len(pairs):
        raise FormatProblem(where, "a key is listed twice")
    return OrderedIndex.restored(pairs, counter)
