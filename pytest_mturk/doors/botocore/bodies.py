"""What a door knows of each operation: its checks, and a call's body as the service receives it.

The service receives a JSON 1.1 body: botocore's serialisation of the call's
parameters. For the parameters MTurk takes (strings, integers, booleans, lists
and structures of them), decoding that JSON gives the parameters back, copied;
only timestamps change on the way (to epoch seconds). So a door that has the
parameters at hand copies them instead of decoding botocore's bytes, and
decodes only where a timestamp is involved.
"""

from __future__ import annotations

import json
from typing import Any

from ...core.validation import validator_for
from ...operations.shapes import Copier, copier
from .bootstrap import PARAMS_KEY

_SCALARS = frozenset((str, int, bool))
# botocore's client-side check of a scalar member: its Python type, and its minimum.
_SCALAR_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool}

_decode = json.JSONDecoder().decode


def request_body(raw: Any) -> dict[str, Any]:
    """The members of a JSON request body (``{}`` for an empty or unreadable one)."""
    if not raw or raw == b"{}":
        return {}
    try:
        body = _decode(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def copy_params(value: Any) -> Any:
    """What decoding the JSON of valid parameters gives: every dict and list fresh,
    tuples as lists, subclasses of ``str`` and ``int`` (enums) as the plain value."""
    kind = value.__class__
    if kind is str or kind is int or kind is bool:
        return value
    if isinstance(value, dict):
        return {str.join("", (key,)): copy_params(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_params(item) for item in value]
    if isinstance(value, str):
        return str.join("", (value,))
    if isinstance(value, int):
        return int(value)
    return value


def _has_timestamp(shape: Any) -> bool:
    kind = shape.type_name
    if kind == "timestamp":
        return True
    if kind == "structure":
        return any(_has_timestamp(member) for member in shape.members.values())
    if kind == "list":
        return _has_timestamp(shape.member)
    if kind == "map":
        return _has_timestamp(shape.value)
    return False


class Operation:
    """What a door needs of one operation, worked out from the model once."""

    __slots__ = ("model", "check", "members", "direct", "copy", "scalars", "required", "_required")

    def __init__(self, model: Any) -> None:
        self.model = model
        self.check = validator_for(model)
        shape = model.input_shape
        members = shape.members if shape is not None else {}
        self.members = frozenset(members)
        # Parameters can be taken as given unless the wire form differs from them.
        self.direct = shape is None or not _has_timestamp(shape)
        output = model.output_shape
        self.copy: Copier = copier(output) if output is not None else dict.copy
        # The scalar members botocore's client-side validation passes at a glance: the
        # exact type, and the minimum (a length for strings) it holds them to.
        self.scalars: dict[str, tuple[type, int | None]] = {}
        for name, member in members.items():
            kind = _SCALAR_TYPES.get(member.type_name)
            if kind is not None:
                self.scalars[name] = (kind, member.metadata.get("min"))
        self.required = tuple(shape.required_members) if shape is not None else ()
        self._required = frozenset(self.required)

    def plainly_valid(self, params: dict[str, Any]) -> bool:
        """Whether botocore's client-side validation surely passes ``params``.

        ``True`` only for known scalar members of the right type within their
        minimums, every required member given; anything else (lists,
        structures, a doubtful value) is for botocore's own validator to judge.
        """
        scalars = self.scalars
        for key, value in params.items():
            rule = scalars.get(key)
            if rule is None:
                return False
            kind, low = rule
            if low is not None:
                size: Any = len(value) if kind is str and value.__class__ is str else value
                if size.__class__ is int and size < low:
                    return False
            if value.__class__ is not kind:
                return False
        return params.keys() >= self._required

    def body(self, context: Any, params: dict[str, Any]) -> dict[str, Any]:
        """The request body as the service receives it, from botocore's request dict.

        botocore has turned the call's parameters into JSON; when they are all
        plain strings and integers that the operation knows, decoding that JSON
        only gives them back, so a copy of them is taken instead.
        """
        given = context.get(PARAMS_KEY) if context is not None else None
        if given is not None and self.direct and given.__class__ is dict:
            members = self.members
            for name, value in given.items():
                if name not in members or value.__class__ not in _SCALARS:
                    break
            else:
                return dict(given)
        return request_body(params.get("body"))


# Every operation a door has met, by name.
by_name: dict[str, Operation] = {}


def operation(model: Any) -> Operation:
    """The door's view of an operation (made once per operation name)."""
    known = by_name.get(model.name)
    if known is None:
        known = by_name[model.name] = Operation(model)
    return known
