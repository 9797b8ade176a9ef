"""Plain JSON from typed records and back, driven by the records' dataclass fields.

The saved-state format (:mod:`pytest_mturk.statefile`) is built on this: a
record is a JSON object of its fields, each written as its type annotation
says (amounts as text, times as ISO 8601, statuses by their service names), so
a new field on a record needs no change here. Records that several places share
(a HIT is in its table and in the schedule; a HIT type is shared by its HITs)
are *pooled*: written once, and by their ID everywhere else.

Reading never runs code: the only classes ever built are the ones named in the
:class:`Schema`, each through its constructor, and every value is checked
against its field's type on the way in. A problem raises :class:`FormatProblem`
naming where in the document it is.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import math
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Union

from .model import OrderedIndex

UTC = _dt.timezone.utc
JSON = Any


class FormatProblem(Exception):
    """What is wrong with a document, and where (``path``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


class SaveProblem(Exception):
    """State that the format cannot hold (a bug: every state must be savable)."""


@dataclasses.dataclass(frozen=True)
class Schema:
    """How records are written.

    ``pooled``: the shared record classes, each with the field that identifies it
    (``None``: by its position in the pool), in the order they are read (a record
    may refer only to classes before its own). ``skipped``: fields that are not
    state (caches), left out and left to their defaults. ``field_types``: the
    type of fields annotated ``Any`` that hold records.
    """

    pooled: Mapping[type, str | None]
    skipped: frozenset[tuple[type, str]] = frozenset()
    field_types: Mapping[tuple[type, str], Any] = dataclasses.field(default_factory=dict)
    # Classes that are not records: how to write one, and to read it back.
    adapters: Mapping[type, tuple[Callable[[Any], JSON], Callable[[JSON, str], Any]]] = (
        dataclasses.field(default_factory=dict)
    )


_hints: dict[type, dict[str, Any]] = {}


def _fields(cls: type, schema: Schema) -> list[tuple[str, Any, bool]]:
    """``(name, type, init)`` of every saved field of a record class."""
    hints = _hints.get(cls)
    if hints is None:
        hints = _hints[cls] = typing.get_type_hints(cls)
    return [
        (f.name, schema.field_types.get((cls, f.name), hints[f.name]), f.init)
        for f in dataclasses.fields(cls)
        if (cls, f.name) not in schema.skipped
    ]


def type_name(tp: Any) -> str:
    """A type as the format's documentation (and fingerprint) names it."""
    if tp is Any:
        return "any"
    if tp is type(None):
        return "null"
    if _is_union(tp):
        return " | ".join(type_name(arg) for arg in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join("..." if arg is Ellipsis else type_name(arg) for arg in typing.get_args(tp))
        return f"{origin.__name__}[{args}]"
    return str(tp.__name__)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _describe(value: JSON) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- writing ---------------------------------------------------------------------------


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
                out[cls.__name__] = {key: data for key, data in entries}
        return out

    def record(self, record: Any, where: str) -> dict[str, JSON]:
        return {
            name: self.value(getattr(record, name), tp, f"{where}.{name}")
            for name, tp, _ in _fields(type(record), self.schema)
        }

    def value(self, value: Any, tp: Any, where: str) -> JSON:  # noqa: C901 - one case per kind
        if tp is Any:
            return write_any(value, where)
        if _is_union(tp):
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
                return [self.value(item, arg, where) for item, arg in zip(value, args)]
            if origin is dict:
                if args[0] is str:
                    return {key: self.value(item, args[1], f"{where}.{key}") for key, item in value.items()}
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
        if dataclasses.is_dataclass(tp):
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
    if tp is _dt.datetime:
        return value.isoformat()
    if tp is _dt.timedelta:
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return value.value
    if tp is OrderedIndex:
        return {"counter": value.counter, "positions": [list(p) for p in value.positions()]}
    raise SaveProblem(f"{where}: no way to write a {tp!r}")


def _local_zone() -> type | None:
    try:
        from botocore.compat import get_tzinfo_options
    except ImportError:  # pragma: no cover - botocore is a dependency
        return None
    zone: type = get_tzinfo_options()[0]
    return zone


def write_any(value: Any, where: str) -> JSON:
    """A JSON value of untyped data (request parameters, responses, message documents):
    what JSON has no word for is tagged (``{"$decimal": "0.50"}``, ``{"$tuple": [...]}``)."""
    cls = value.__class__
    if cls is str or cls is bool or cls is int or value is None:
        return value
    if cls is float:
        return value if math.isfinite(value) else {"$float": str(value)}
    if cls is dict:
        if all(key.__class__ is str for key in value) and not (
            len(value) == 1 and next(iter(value)).startswith("$")
        ):
            return {key: write_any(item, f"{where}.{key}") for key, item in value.items()}
        return {"$dict": [[write_any(k, where), write_any(v, where)] for k, v in value.items()]}
    if cls is list:
        return [write_any(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if cls is tuple:
        return {"$tuple": [write_any(item, where) for item in value]}
    if cls is Decimal:
        return {"$decimal": str(value)}
    if isinstance(value, _dt.datetime):
        zone = value.tzinfo
        if zone is None:
            return {"$datetime": value.isoformat()}
        local = _local_zone()
        if local is not None and isinstance(zone, local):
            # botocore's local zone: kept as the instant, shown in the reader's zone.
            return {"$localtime": value.astimezone(UTC).isoformat()}
        return {"$datetime": value.isoformat()}
    if cls is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise SaveProblem(f"{where}: no way to write a {cls.__name__} ({_describe(value)})")


# -- reading ---------------------------------------------------------------------------


class Reader:
    """Reads records of one environment, pooled records from ``pools`` (as
    :meth:`Writer.pools` wrote them), each built once, when first referred to."""

    def __init__(self, schema: Schema, pools: JSON, where: str) -> None:
        self.schema = schema
        self._where = where
        if not isinstance(pools, dict):
            raise FormatProblem(where, f"expected an object, found {_describe(pools)}")
        self._raw: dict[type, Any] = {}
        for cls, attribute in schema.pooled.items():
            raw = pools.get(cls.__name__)
            kind = list if attribute is None else dict
            if not isinstance(raw, kind):
                raise FormatProblem(
                    f"{where}.{cls.__name__}",
                    "missing" if raw is None else f"expected {'a list' if kind is list else 'an object'}",
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
                raise FormatProblem(where, f"refers to {cls.__name__} {_describe(key)}, which the file does not hold")
            data = raw[key]
        else:
            if not isinstance(key, str) or key not in raw:
                raise FormatProblem(where, f"refers to {cls.__name__} {_describe(key)}, which the file does not hold")
            data = raw[key]
        if (cls, key) in self._building:
            raise FormatProblem(where, f"{cls.__name__} {key} refers to itself")
        self._building.add((cls, key))
        record = self.record(cls, data, f"{self._where}.{cls.__name__}.{key}")
        self._building.discard((cls, key))
        if attribute is not None and getattr(record, attribute) != key:
            raise FormatProblem(
                f"{self._where}.{cls.__name__}.{key}", f"its {attribute} is {getattr(record, attribute)!r}"
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
            raise FormatProblem(where, f"expected a {cls.__name__} object, found {_describe(data)}")
        fields = _fields(cls, self.schema)
        names = {name for name, _, _ in fields}
        missing = [name for name in names if name not in data]
        if missing:
            raise FormatProblem(where, f"missing member(s) {', '.join(sorted(missing))}")
        unknown = [name for name in data if name not in names]
        if unknown:
            raise FormatProblem(where, f"unknown member(s) {', '.join(sorted(unknown))}")
        given = {name: self.value(data[name], tp, f"{where}.{name}") for name, tp, _ in fields}
        record = cls(**{name: given[name] for name, _, init in fields if init})
        for name, _, init in fields:
            if not init:
                setattr(record, name, given[name])
        return record

    def value(self, data: JSON, tp: Any, where: str) -> Any:  # noqa: C901 - one case per kind
        if tp is Any:
            return read_any(data, where)
        if _is_union(tp):
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
                    raise FormatProblem(where, f"expected one of {', '.join(by_name)} as {{name: object}}")
                (name, inner), = data.items()
                return self.value(inner, by_name[name], where)
            for option in options:
                if option is int and isinstance(data, int) and not isinstance(data, bool):
                    return data
                if option is str and isinstance(data, str):
                    return data
            raise FormatProblem(where, f"expected {tp}, found {_describe(data)}")
        origin = typing.get_origin(tp)
        if origin is not None:
            args = typing.get_args(tp)
            if origin is dict and args[0] is str:
                if not isinstance(data, dict):
                    raise FormatProblem(where, f"expected an object, found {_describe(data)}")
                return {key: self.value(item, args[1], f"{where}.{key}") for key, item in data.items()}
            if not isinstance(data, list):
                raise FormatProblem(where, f"expected a list, found {_describe(data)}")
            if origin is list:
                return [self.value(item, args[0], f"{where}[{i}]") for i, item in enumerate(data)]
            if origin in (set, frozenset):
                return origin(self.value(item, args[0], where) for item in data)
            if origin is tuple:
                if len(args) == 2 and args[1] is Ellipsis:
                    return tuple(self.value(item, args[0], where) for item in data)
                if len(data) != len(args):
                    raise FormatProblem(where, f"expected {len(args)} items, found {len(data)}")
                return tuple(self.value(item, arg, where) for item, arg in zip(data, args))
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
        if dataclasses.is_dataclass(tp):
            return self.record(tp, data, where)
        return read_scalar(data, tp, where)


def _expect(ok: bool, where: str, what: str, data: JSON) -> None:
    if not ok:
        raise FormatProblem(where, f"expected {what}, found {_describe(data)}")


def read_scalar(data: JSON, tp: Any, where: str) -> Any:  # noqa: C901 - one case per kind
    if tp is bool:
        _expect(isinstance(data, bool), where, "true or false", data)
        return data
    if tp is str:
        _expect(isinstance(data, str), where, "text", data)
        return data
    if tp is int or tp is _dt.timedelta:
        _expect(isinstance(data, int) and not isinstance(data, bool), where, "an integer", data)
        return data if tp is int else _dt.timedelta(microseconds=data)
    if tp is float:
        if isinstance(data, str) and data in ("inf", "-inf", "nan"):
            return float(data)
        _expect(isinstance(data, (int, float)) and not isinstance(data, bool), where, "a number", data)
        return float(data)
    if tp is Decimal:
        _expect(isinstance(data, str), where, "an amount as text", data)
        try:
            amount = Decimal(data)
        except InvalidOperation:
            raise FormatProblem(where, f"{_describe(data)} is not an amount") from None
        _expect(amount.is_finite(), where, "a finite amount", data)
        return amount
    if tp is _dt.datetime:
        return _datetime(data, where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            names = ", ".join(repr(member.value) for member in tp)
            raise FormatProblem(where, f"expected one of {names}, found {_describe(data)}") from None
    if tp is OrderedIndex:
        return _ordered_index(data, where)
    raise FormatProblem(where, f"no way to read a {tp!r}")  # pragma: no cover - a schema bug


def _datetime(data: JSON, where: str) -> _dt.datetime:
    _expect(isinstance(data, str), where, "an ISO 8601 time", data)
    try:
        return _dt.datetime.fromisoformat(data)
    except ValueError:
        raise FormatProblem(where, f"{_describe(data)} is not an ISO 8601 time") from None


def _ordered_index(data: JSON, where: str) -> OrderedIndex:
    _expect(
        isinstance(data, dict) and set(data) == {"counter", "positions"},
        where,
        'an object with "counter" and "positions"',
        data,
    )
    counter, positions = data["counter"], data["positions"]
    _expect(isinstance(counter, int) and not isinstance(counter, bool), where, "an integer counter", counter)
    _expect(isinstance(positions, list), where, "a list of positions", positions)
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
        _expect(ok, where, "[key, position] pairs in increasing positions up to the counter", pair)
        pairs.append((pair[0], pair[1]))
        last = pair[1]
    if len({key for key, _ in pairs}) != len(pairs):
        raise FormatProblem(where, "a key is listed twice")
    return OrderedIndex.restored(pairs, counter)


_TAGS: dict[str, Callable[[JSON, str], Any]] = {}


def read_any(data: JSON, where: str) -> Any:
    """The inverse of :func:`write_any`."""
    if isinstance(data, list):
        return [read_any(item, f"{where}[{i}]") for i, item in enumerate(data)]
    if isinstance(data, dict):
        if len(data) == 1:
            (tag, inner), = data.items()
            if tag.startswith("$"):
                reader = _TAGS.get(tag)
                if reader is None:
                    raise FormatProblem(where, f"unknown tag {tag!r}")
                return reader(inner, where)
        return {key: read_any(item, f"{where}.{key}") for key, item in data.items()}
    return data


def _tag(name: str) -> Callable[[Callable[[JSON, str], Any]], Callable[[JSON, str], Any]]:
    def register(reader: Callable[[JSON, str], Any]) -> Callable[[JSON, str], Any]:
        _TAGS[name] = reader
        return reader

    return register


@_tag("$float")
def _read_float(data: JSON, where: str) -> float:
    _expect(data in ("inf", "-inf", "nan"), where, "inf, -inf or nan", data)
    return float(data)


@_tag("$dict")
def _read_dict(data: JSON, where: str) -> dict[Any, Any]:
    _expect(isinstance(data, list), where, "a list of [key, value] pairs", data)
    out: dict[Any, Any] = {}
    for pair in data:
        _expect(isinstance(pair, list) and len(pair) == 2, where, "a [key, value] pair", pair)
        key = read_any(pair[0], where)
        try:
            out[key] = read_any(pair[1], where)
        except TypeError:
            raise FormatProblem(where, f"{_describe(pair[0])} cannot be a key") from None
    return out


@_tag("$tuple")
def _read_tuple(data: JSON, where: str) -> tuple[Any, ...]:
    _expect(isinstance(data, list), where, "a list", data)
    return tuple(read_any(item, where) for item in data)


@_tag("$decimal")
def _read_decimal(data: JSON, where: str) -> Decimal:
    return typing.cast(Decimal, read_scalar(data, Decimal, where))


@_tag("$datetime")
def _read_datetime(data: JSON, where: str) -> _dt.datetime:
    return _datetime(data, where)


@_tag("$localtime")
def _read_localtime(data: JSON, where: str) -> _dt.datetime:
    zone = _local_zone()
    value = _datetime(data, where)
    return value.astimezone(zone()) if zone is not None else value


@_tag("$bytes")
def _read_bytes(data: JSON, where: str) -> bytes:
    _expect(isinstance(data, str), where, "base64 text", data)
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise FormatProblem(where, "not base64") from None
