"""Reading records the quick way: each type's reading worked out once, as a function of
the value alone, with every check :class:`~.reader.Reader` makes and none of its
bookkeeping of where each value is. A problem found is reported without saying where:
the loader then reads the file again with :class:`~.reader.Reader`, which says."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .reader import Reader, read_scalar
from .schema import JSON, FormatProblem, fields, is_datetime, is_union, read_decimal
from .untyped import read_any

Read = Callable[[JSON], Any]


def _bad() -> FormatProblem:
    return FormatProblem("", "found by the quick reader")


def _str(data: JSON) -> str:
    if data.__class__ is str:
        return data
    raise _bad()


def _int(data: JSON) -> int:
    if data.__class__ is int:
        return data
    raise _bad()


def _bool(data: JSON) -> bool:
    if data is True or data is False:
        return data
    raise _bad()


def _any(data: JSON) -> Any:
    if data is None or data.__class__ in (str, int, bool, float):
        return data
    return read_any(data, "")


def _time(data: JSON) -> _dt.datetime:
    if data.__class__ is str:
        try:
            # The module's datetime at call time, as read_datetime() uses (freezegun's
            # while it is active).
            return _dt.datetime.fromisoformat(data)
        except ValueError:
            pass
    raise _bad()


def _decimal(data: JSON) -> Decimal:
    return read_decimal(data, "")


class FastReader(Reader):
    """A :class:`Reader` whose records and values are read by functions worked out once
    per type; it raises :class:`FormatProblem` without a useful ``path``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._readers: dict[Any, Read] = {}
        self._record_readers: dict[type, Read] = {}

    def value(self, data: JSON, tp: Any, where: str) -> Any:
        return self._reader(tp)(data)

    def record(self, cls: type, data: JSON, where: str) -> Any:
        return self._record_of(cls)(data)

    def _reader(self, tp: Any) -> Read:
        found = self._readers.get(tp)
        if found is None:
            found = self._readers[tp] = self._compile(tp)
        return found

    def _compile(self, tp: Any) -> Read:  # noqa: C901 - one case per kind
        if tp is Any:
            return _any
        if is_union(tp):
            return self._union(tp)
        origin = typing.get_origin(tp)
        if origin is not None:
            return self._container(origin, typing.get_args(tp))
        if tp in self.schema.pooled:
            return lambda data: self.resolve(tp, data, "")
        adapter = self.schema.adapters.get(tp)
        if adapter is not None:
            read_adapted = adapter[1]
            return lambda data: read_adapted(data, "")
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._record_of(tp)
        if tp is str:
            return _str
        if tp is int:
            return _int
        if tp is bool:
            return _bool
        if is_datetime(tp):
            return _time
        if tp is Decimal:
            return _decimal
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self._enum(tp)
        return lambda data: read_scalar(data, tp, "")

    @staticmethod
    def _enum(tp: type[enum.Enum]) -> Read:
        members = {member.value: member for member in tp}

        def read(data: JSON) -> Any:
            if data.__class__ is str:
                found = members.get(data)
                if found is not None:
                    return found
            try:
                return tp(data)
            except ValueError:
                raise _bad() from None

        return read

    def _union(self, tp: Any) -> Read:
        args = typing.get_args(tp)
        options = [arg for arg in args if arg is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = self._reader(options[0])

            def read_one(data: JSON) -> Any:
                if data is None:
                    if nullable:
                        return None
                    raise _bad()
                return inner(data)

            return read_one
        # Rare shapes: the careful reader's own code, with its checks.
        return lambda data: Reader.value(self, data, tp, "")

    def _container(self, origin: Any, args: tuple[Any, ...]) -> Read:
        if origin is dict and args[0] is str:
            item = self._reader(args[1])

            def read_object(data: JSON) -> Any:
                if data.__class__ is not dict:
                    raise _bad()
                return {key: item(each) for key, each in data.items()}

            return read_object
        if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
            item = self._reader(args[0])
            make: Any = list if origin is list else tuple

            def read_list(data: JSON) -> Any:
                if data.__class__ is not list:
                    raise _bad()
                return make([item(each) for each in data])

            return read_list
        return lambda data: Reader.value(self, data, origin[args], "")

    def _record_of(self, cls: type) -> Read:
        found = self._record_readers.get(cls)
        if found is not None:
            return found
        placeholder: list[Read] = []
        self._record_readers[cls] = lambda data: placeholder[0](data)
        saved = fields(cls, self.schema)
        names = frozenset(name for name, _, _ in saved)
        plan = [(name, self._reader(tp), init) for name, tp, init in saved]
        init_plan = [(name, read) for name, read, init in plan if init]
        later = [(name, read) for name, read, init in plan if not init]
        # Fields that may hold a time read from the file: it must carry its offset.
        timed = [
            name
            for name, tp, _ in saved
            if (cls, name) not in self.schema.naive_times and _may_be_time(tp)
        ]

        def read(data: JSON) -> Any:
            if data.__class__ is not dict or data.keys() != names:
                raise _bad()
            given = {name: convert(data[name]) for name, convert in init_plan}
            rest = {name: convert(data[name]) for name, convert in later}
            for name in timed:
                value = given[name] if name in given else rest[name]
                if isinstance(value, _dt.datetime) and value.tzinfo is None:
                    raise _bad()
            try:
                record = cls(**given)
            except (TypeError, ValueError):
                raise _bad() from None
            for name, value in rest.items():
                setattr(record, name, value)
            return record

        placeholder.append(read)
        self._record_readers[cls] = read
        return read


def _may_be_time(tp: Any) -> bool:
    if tp is Any or is_datetime(tp):
        return True
    return is_union(tp) and any(_may_be_time(arg) for arg in typing.get_args(tp))
