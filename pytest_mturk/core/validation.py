"""Server-side validation of request members, compiled from the service model.

botocore checks only required members, types and minimums (spec §1.3); the
service's request framework also enforces maximum lengths, patterns, enums and
ranges, before MTurk's own code sees the request, and refuses every violation it
finds in one ``ValidationException``. One validator per operation is compiled
from its input shape the first time the operation is called, so every operation
gets the same checks for free; valid input takes a fast path that builds nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from . import catalogue
from .errors import ServiceError, Violation

Check = Callable[[Any], None]
# Appends the violations of one value at ``path`` to the list; raises for a value of
# the wrong type (that fails before any constraint is looked at).
Collect = Callable[[Any, str, list[Violation]], None]

_cache: dict[str, Check] = {}

NOT_NULL = "Member must not be null"


def range_error(name: str, value: object, low: int, high: int) -> ServiceError:
    """MTurk's own wording for a number outside a range it enforces beyond the model."""
    return catalogue.OUT_OF_RANGE(value=value, name=name, low=low, high=high)


def validator_for(operation_model: Any) -> Check:
    """The compiled validator of one operation's input (cached by operation name)."""
    name = operation_model.name
    check = _cache.get(name)
    if check is None:
        shape = operation_model.input_shape
        check = _top(shape) if shape is not None else _nothing
        _cache[name] = check
    return check


def _nothing(value: Any) -> None:
    return None


def _collect_nothing(value: Any, path: str, out: list[Violation]) -> None:
    return None


def coral_name(member: str) -> str:
    """A member as the request framework names it: the first letter lower-cased
    (``BonusAmount`` -> ``bonusAmount``, ``HITId`` -> ``hITId``)."""
    return member[:1].lower() + member[1:]


def _compile(shape: Any, name: str) -> Collect:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape)
    if kind == "list":
        return _list(shape, name)
    if kind == "string":
        return _string(shape, name)
    if kind in ("integer", "long"):
        return _integer(shape, name)
    if kind == "boolean":
        return _typed(bool, name)
    if kind == "timestamp":
        return _timestamp(name)
    return _collect_nothing


_STRING, _INTEGER, _OTHER = 0, 1, 2


def _fast_spec(shape: Any) -> tuple[Any, ...]:
    """``(kind, low, high, matcher, enum, passes)``: what a structure's own loop needs to
    pass a plain valid string or integer without calling anything."""
    kind = shape.type_name
    if kind == "string":
        return (_STRING, *_string_rules(shape), None)
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if kind in ("integer", "long"):
        return (
            _INTEGER,
            -sys.maxsize if low is None else low,
            sys.maxsize if high is None else high,
            None,
            None,
            None,
        )
    return (_OTHER, 0, 0, None, None, _passes(shape))


def _top(shape: Any) -> Check:
    """The request's own structure: a fast pass that builds nothing; on any doubt, a
    full walk in the model's order that collects every violation."""
    collect = _structure(shape)
    passes = _passes(shape)

    def check(value: Any) -> None:
        if passes(value):
            return
        out: list[Violation] = []
        collect(value, "", out)
        if out:
            raise catalogue.validation_exception(out)

    return check


def _passes(shape: Any) -> Callable[[Any], bool]:
    """Whether a value is entirely valid: a predicate that builds no member paths, so
    valid requests pay nothing for the paths an error message would need."""
    kind = shape.type_name
    if kind == "structure":
        return _structure_passes(shape)
    if kind == "list":
        item_passes = _passes(shape.member)
        low = shape.metadata.get("min") or 0
        high = shape.metadata.get("max") or sys.maxsize

        def items(value: Any) -> bool:
            if value.__class__ is not list or not low <= len(value) <= high:
                return False
            return all(item is not None and item_passes(item) for item in value)

        return items
    if kind == "boolean":
        return lambda value: isinstance(value, bool)
    if kind == "timestamp":
        return lambda value: not isinstance(value, bool) and isinstance(value, (int, float))
    if kind not in ("string", "integer", "long"):
        return lambda value: True
    spec = _fast_spec(shape)
    if kind == "string":
        _, low, high, matcher, enum, _ = spec

        def string(value: Any) -> bool:
            return (
                isinstance(value, str)
                and low <= len(value) <= high
                and (matcher is None or matcher(value) is not None)
                and (enum is None or value in enum)
            )

        return string
    _, least, most, _, _, _ = spec  # integer or long
    return lambda value: value.__class__ is int and least <= value <= most


def _structure_passes(shape: Any) -> Callable[[Any], bool]:
    required = tuple(shape.required_members)
    specs = {member: _fast_spec(member_shape) for member, member_shape in shape.members.items()}

    def passes(value: Any) -> bool:
        if value.__class__ is not dict:
            return False
        for member in required:
            if value.get(member) is None:
                return False
        # The members given (usually far fewer than the shape has); plain strings and
        # integers are checked right here, anything else by its own predicate.
        for member, item in value.items():
            spec = specs.get(member)
            if spec is None or item is None:
                continue
            kind = spec[0]
            if kind == _STRING:
                if (
                    item.__class__ is str
                    and spec[1] <= len(item) <= spec[2]
                    and (spec[3] is None or spec[3](item) is not None)
                    and (spec[4] is None or item in spec[4])
                ):
                    continue
                return False
            if kind == _INTEGER:
                if item.__class__ is int and spec[1] <= item <= spec[2]:
                    continue
                return False
            if not spec[5](item):
                return False
        return True

    return passes


def _structure(shape: Any) -> Collect:
    required = frozenset(shape.required_members)
    members = tuple(
        (member, coral_name(member), _compile(member_shape, member))
        for member, member_shape in shape.members.items()
    )

    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, dict):
            raise catalogue.INVALID_VALUE(name=shape.name, value=value)
        prefix = path + "." if path else ""
        # The framework's own order is not the model's (nor recoverable from it);
        # the model's order is at least stable.
        for member, name, member_collect in members:
            item = value.get(member)
            if item is None:
                if member in required:
                    out.append((prefix + name, None, NOT_NULL))
                continue
            member_collect(item, prefix + name, out)

    return collect


def _length_rules(low: int | None, high: int | None) -> Callable[[Any, str, list[Violation]], None]:
    def check(value: Any, path: str, out: list[Violation]) -> None:
        size = len(value)
        if low is not None and size < low:
            out.append((path, value, f"Member must have length greater than or equal to {low}"))
        if high is not None and size > high:
            out.append((path, value, f"Member must have length less than or equal to {high}"))

    return check


def _list(shape: Any, name: str) -> Collect:
    item_collect = _compile(shape.member, name)
    lengths = _length_rules(shape.metadata.get("min"), shape.metadata.get("max"))

    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, list):
            raise catalogue.INVALID_VALUE(name=name, value=value)
        lengths(value, path, out)
        # Items are numbered from 1, each a "member" of the list.
        for number, item in enumerate(value, 1):
            if item is None:
                out.append((f"{path}.{number}.member", None, NOT_NULL))
            else:
                item_collect(item, f"{path}.{number}.member", out)

    return collect


def _string_rules(
    shape: Any,
) -> tuple[int, int, Callable[[str], Any] | None, frozenset[str] | None]:
    """A string shape's ``(min length, max length, full-match test, allowed values)``."""
    high = shape.metadata.get("max")
    pattern = shape.metadata.get("pattern")
    return (
        shape.metadata.get("min") or 0,
        sys.maxsize if high is None else high,
        # fullmatch: with match, "$" also matches before a final newline ("ABC\n" passed).
        re.compile(pattern).fullmatch if pattern else None,
        frozenset(shape.enum) if shape.enum else None,
    )


def _string(shape: Any, name: str) -> Collect:
    _, _, matcher, enum = _string_rules(shape)
    pattern = shape.metadata.get("pattern")
    lengths = _length_rules(shape.metadata.get("min"), shape.metadata.get("max"))
    enum_rule = f"Member must satisfy enum value set: [{', '.join(shape.enum)}]" if enum else ""

    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, str):
            raise catalogue.INVALID_VALUE(name=name, value=value)
        # Pattern before length, as the framework lists them for one value.
        if matcher is not None and matcher(value) is None:
            out.append((path, value, f"Member must satisfy regular expression pattern: {pattern}"))
        lengths(value, path, out)
        if enum is not None and value not in enum:
            out.append((path, value, enum_rule))

    return collect


def _integer(shape: Any, name: str) -> Collect:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")

    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise catalogue.INVALID_VALUE(name=name, value=value)
        if low is not None and value < low:
            out.append((path, value, f"Member must have value greater than or equal to {low}"))
        if high is not None and value > high:
            out.append((path, value, f"Member must have value less than or equal to {high}"))

    return collect


def _typed(kind: type, name: str) -> Collect:
    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, kind):
            raise catalogue.INVALID_VALUE(name=name, value=value)

    return collect


def _timestamp(name: str) -> Collect:
    def collect(value: Any, path: str, out: list[Violation]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise catalogue.INVALID_VALUE(name=name, value=value)

    return collect


# Helpers for operation handlers: rules the model does not encode (spec §5).


def max_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise catalogue.TOO_LONG(name=name, length=len(value), limit=limit)


def in_range(name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise range_error(name, value, low, high)


_FORBIDDEN_FEEDBACK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def requester_feedback(value: str | None) -> None:
    """ApproveAssignment/RejectAssignment ``RequesterFeedback`` (spec §5.10)."""
    if value is None:
        return
    max_length("RequesterFeedback", value, 1024)
    if _FORBIDDEN_FEEDBACK.search(value):
        raise catalogue.FEEDBACK_CHARACTERS()
