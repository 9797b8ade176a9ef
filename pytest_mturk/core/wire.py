"""The wire form: the JSON body the real service would send for a parsed response.

The simulator answers in botocore's *parsed* form (cheaper than running the
parser on every call). This module goes the other way, walking the
operation's output shape, so that a parsed answer can be shown as real bytes:
``http_response.content`` of an answered call, fault injection, and the parity
test that runs botocore's own parser over these bytes
(``tests/test_wire_parity.py``).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from .clock import epoch_ms
from .errors import ServiceError, envelope

__all__ = ["epoch_ms", "error_json", "to_wire", "to_wire_json"]

# Members botocore adds to a parsed response that never travel in the body.
_NOT_IN_BODY = frozenset({"ResponseMetadata", "Error"})


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        # Whole milliseconds, as the service sends them (e.g. 1561490786.054).
        millis = epoch_ms(value)
        return millis // 1000 if millis % 1000 == 0 else millis / 1000
    return value


def to_wire(shape: Any, value: Any) -> Any:
    """``value`` (parsed form) as the JSON value the service sends for ``shape``.

    Members the shape does not declare are left out, as the real body could not
    have carried them.
    """
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {
            name: to_wire(members[name], item)
            for name, item in value.items()
            if name in members and name not in _NOT_IN_BODY
        }
    if kind == "list":
        return [to_wire(shape.member, item) for item in value]
    if kind == "map":
        return {key: to_wire(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return _epoch_seconds(value)
    return value


def _dumps(body: Any) -> bytes:
    # ASCII escapes: always valid UTF-8 (even for lone surrogates a request carried),
    # and parsed to the very same strings.
    return json.dumps(body, separators=(",", ":")).encode("ascii")


def to_wire_json(operation_model: Any, parsed: dict[str, Any]) -> bytes:
    """The response body the service sends for ``parsed`` (success or error), as bytes.

    ``parsed`` is what a boto3 client returned (or ``ClientError.response``):
    a success becomes its output structure's JSON (``{}`` for empty responses),
    an error the service's envelope (``{"__type", "Message", "TurkErrorCode"}``, or
    ``{"__type", "message"}`` for the AWS front end's errors).
    """
    error = parsed.get("Error")
    if error is not None:
        return _dumps(
            envelope(error.get("Code", ""), error.get("Message"), parsed.get("TurkErrorCode"))
        )
    shape = operation_model.output_shape
    if shape is None:
        return b"{}"
    return _dumps(to_wire(shape, parsed))


def error_json(error: ServiceError, now: _dt.datetime, *, sandbox: bool = False) -> bytes:
    """The body the service sends for ``error`` answered at ``now`` (the message stamp),
    by the sandbox when ``sandbox``."""
    return _dumps(error.wire(epoch_ms(now), sandbox=sandbox))
