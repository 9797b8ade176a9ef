"""The saved-state format's building blocks: what a record class writes, and the errors.

The format (:mod:`.format`) is built on these: a record is a JSON object of its
dataclass fields, each written as its type annotation says (amounts as text,
times as ISO 8601, statuses by their service names), so a new field on a record
needs no change here. Records that several places share (a HIT is in its table
and in the schedule; a HIT type is shared by its HITs) are *pooled*: written
once, and by their key everywhere else.

Reading never runs code: the only classes ever built are the record classes the
fields' annotations name (and a :class:`Schema`'s adapters), each through its
constructor, and every value is checked against its field's type on the way in;
a problem raises :class:`FormatProblem` saying where.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import gc
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Union

JSON = Any


class FormatProblem(Exception):
    """What is wrong with a document, and where (``path``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


@contextlib.contextmanager
def no_collection() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a document's many new objects are none of
    them garbage, yet they would set off collections that walk all of them again and
    again (the cost of saving and of loading would grow faster than the state)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class SaveProblem(Exception):
    """State that the format cannot hold (a bug: every state must be savable)."""


@dataclasses.dataclass(frozen=True)
class Schema:
    """How records are written.

    ``pooled``: the shared record classes, each with the field that identifies it
    (``None``: by its position in the pool). ``skipped``: fields that are not state
    (caches), left out and left to their defaults. ``field_types``: the type of
    fields annotated ``Any`` that hold records. ``adapters``: for classes that are
    not records, how to write one and read it back.
    """

    pooled: Mapping[type, str | None]
    skipped: frozenset[tuple[type, str]] = frozenset()
    field_types: Mapping[tuple[type, str], Any] = dataclasses.field(default_factory=dict)
    adapters: Mapping[type, tuple[Callable[[Any], JSON], Callable[[JSON, str], Any]]] = (
        dataclasses.field(default_factory=dict)
    )
    # Time fields that may hold a time without an offset (as the user gave it); every
    # other time must have one, or comparing it with the clock's would fail later.
    naive_times: frozenset[tuple[type, str]] = frozenset()


_HINTS: dict[type, dict[str, Any]] = {}


def _real(cls: type) -> Any:
    """``cls`` itself, or the real class freezegun's fake stands in for."""
    return next(base for base in cls.__mro__ if base.__module__ == "datetime")


# The real time classes, in a tuple: while freezegun is active it swaps every module
# attribute that is one of them for its fake (importing this module under it gives the
# fakes too, hence _real). Saved types are the real ones.
_REAL: tuple[type[_dt.datetime], type[_dt.date]] = (_real(_dt.datetime), _real(_dt.date))


def is_datetime(tp: Any) -> bool:
    """Whether a field's type is ``datetime`` (never freezegun's fake: see :data:`_REAL`)."""
    return tp is _REAL[0]


def real_datetime() -> type[_dt.datetime]:
    return _REAL[0]


def _unfrozen_datetime() -> types.SimpleNamespace:
    """The ``datetime`` module as records name it (``_dt``), with its real classes: a
    hint read under freezegun must still say ``datetime``, not ``FakeDatetime``."""
    return types.SimpleNamespace(**{**vars(_dt), "datetime": _REAL[0], "date": _REAL[1]})


def fields(cls: type, schema: Schema) -> list[tuple[str, Any, bool]]:
    """``(name, type, init)`` of every saved field of a record class."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, localns={"_dt": _unfrozen_datetime()})
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
    if is_union(tp):
        return " | ".join(type_name(arg) for arg in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join(
            "..." if arg is Ellipsis else type_name(arg) for arg in typing.get_args(tp)
        )
        return f"{origin.__name__}[{args}]"
    return str(tp.__name__)


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def describe(value: JSON) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def expect(ok: bool, where: str, what: str, data: JSON) -> None:
    if not ok:
        raise FormatProblem(where, f"expected {what}, found {describe(data)}")


def read_datetime(data: JSON, where: str) -> _dt.datetime:
    expect(isinstance(data, str), where, "an ISO 8601 time", data)
    try:
        return _dt.datetime.fromisoformat(data)
    except ValueError:
        raise FormatProblem(where, f"{describe(data)} is not an ISO 8601 time") from None


def read_decimal(data: JSON, where: str) -> Decimal:
    """An amount, written as its text (``"0.50"``: JSON numbers would lose the zeros)."""
    expect(isinstance(data, str), where, "an amount as text", data)
    try:
        amount = Decimal(data)
    except ArithmeticError:
        raise FormatProblem(where, f"{describe(data)} is not an amount") from None
    expect(amount.is_finite(), where, "a finite amount", data)
    return amount
