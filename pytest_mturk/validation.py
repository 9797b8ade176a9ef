"""Server-side validation of request members, compiled from the service model.

botocore checks only required members, types and minimums (spec §1.3); the
service also enforces maximum lengths, patterns, enums and ranges. One
validator per operation is compiled from its input shape the first time the
operation is called, so every operation gets the same checks for free.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from .errors import ServiceError, invalid_value, missing_member, parameter_error

Check = Callable[[Any], None]

_cache: dict[str, Check] = {}


def range_error(name: str, value: object, low: int, high: int) -> ServiceError:
    """The service's wording for a number outside its allowed range."""
    return parameter_error(
        f"The value {value} is invalid for {name}. Valid values range from {low} to {high}."
    )


def validator_for(operation_model: Any) -> Check:
    """The compiled validator of one operation's input (cached by operation name)."""
    name = operation_model.name
    check = _cache.get(name)
    if check is None:
        shape = operation_model.input_shape
        check = _compile(shape, shape.name if shape is not None else name) if shape else _nothing
        _cache[name] = check
    return check


def _nothing(value: Any) -> None:
    return None


def _coral_path(name: str) -> str:
    return name[:1].lower() + name[1:]


def _compile(shape: Any, name: str) -> Check:
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
    return _nothing


_STRING, _INTEGER, _OTHER = 0, 1, 2


def _fast_spec(shape: Any, check: Check) -> tuple[Any, ...]:
    """``(kind, low, high, matcher, enum, check)``: what the structure's own loop needs to
    pass a plain valid string or integer without calling ``check``."""
    kind = shape.type_name
    if kind == "string":
        return (_STRING, *_string_rules(shape), check)
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if kind in ("integer", "long"):
        return (
            _INTEGER,
            -sys.maxsize if low is None else low,
            sys.maxsize if high is None else high,
            None,
            None,
            check,
        )
    return (_OTHER, 0, 0, None, None, check)


def _structure(shape: Any) -> Check:
    required = tuple(shape.required_members)
    members = tuple(
        (member, _compile(member_shape, member)) for member, member_shape in shape.members.items()
    )
    specs = {
        member: _fast_spec(shape.members[member], member_check) for member, member_check in members
    }

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise invalid_value(shape.name, value)
        for member in required:
            if value.get(member) is None:
                raise missing_member(_coral_path(member))
        try:
            # The members given (usually far fewer than the shape has); plain valid
            # strings and integers pass here, anything else goes to its own check.
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
                elif kind == _INTEGER and item.__class__ is int and spec[1] <= item <= spec[2]:
                    continue
                spec[5](item)
        except ServiceError:
            # Of several problems the service names the first in the model's order.
            for member, member_check in members:
                item = value.get(member)
                if item is not None:
                    member_check(item)
            raise

    return check


def _list(shape: Any, name: str) -> Check:
    item_check = _compile(shape.member, name)
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")

    def check(value: Any) -> None:
        if not isinstance(value, list):
            raise invalid_value(name, value)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise parameter_error(
                f"The number of values given for {name} ({len(value)}) is not valid. "
                f"Valid values range from {low or 0} to {high if high is not None else 'any'}."
            )
        for item in value:
            item_check(item)

    return check


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


def _string(shape: Any, name: str) -> Check:
    low, high, matcher, enum = _string_rules(shape)

    def check(value: Any) -> None:
        if (
            value.__class__ is not str
            and not isinstance(value, str)
            or not low <= len(value) <= high
            or (matcher is not None and matcher(value) is None)
            or (enum is not None and value not in enum)
        ):
            raise invalid_value(name, value)

    return check


def _integer(shape: Any, name: str) -> Check:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")

    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_value(name, value)
        if (low is not None and value < low) or (high is not None and value > high):
            raise range_error(name, value, low if low is not None else 0, high)

    return check


def _typed(kind: type, name: str) -> Check:
    def check(value: Any) -> None:
        if not isinstance(value, kind):
            raise invalid_value(name, value)

    return check


def _timestamp(name: str) -> Check:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_value(name, value)

    return check


# Helpers for operation handlers: rules the model does not encode (spec §5).


def max_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise parameter_error(
            f"The value for {name} is too long ({len(value)} characters). "
            f"The maximum length is {limit} characters."
        )


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
        raise ServiceError(
            "RequesterFeedback contains characters that are not allowed: ASCII control "
            "characters other than tab, line feed and carriage return.",
            "AWS.MechanicalTurk.InvalidParameterValue",
        )
