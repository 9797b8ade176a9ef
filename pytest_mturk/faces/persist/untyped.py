"""Untyped data (request parameters, responses, message documents) as JSON, and back.

What JSON has no word for is tagged: ``{"$decimal": "0.50"}``, ``{"$tuple": [...]}``,
``{"$datetime": "..."}``; a tag that is not one of these is refused on reading.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .schema import (
    JSON,
    FormatProblem,
    SaveProblem,
    describe,
    expect,
    read_datetime,
    read_decimal,
)

UTC = _dt.timezone.utc


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
    raise SaveProblem(f"{where}: no way to write a {cls.__name__} ({describe(value)})")


_TAGS: dict[str, Callable[[JSON, str], Any]] = {}


def read_any(data: JSON, where: str) -> Any:
    """The inverse of :func:`write_any`."""
    if isinstance(data, list):
        return [read_any(item, f"{where}[{i}]") for i, item in enumerate(data)]
    if isinstance(data, dict):
        if len(data) == 1:
            ((tag, inner),) = data.items()
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
    expect(data in ("inf", "-inf", "nan"), where, "inf, -inf or nan", data)
    return float(data)


@_tag("$dict")
def _read_dict(data: JSON, where: str) -> dict[Any, Any]:
    expect(isinstance(data, list), where, "a list of [key, value] pairs", data)
    out: dict[Any, Any] = {}
    for pair in data:
        expect(isinstance(pair, list) and len(pair) == 2, where, "a [key, value] pair", pair)
        key = read_any(pair[0], where)
        try:
            out[key] = read_any(pair[1], where)
        except TypeError:
            raise FormatProblem(where, f"{describe(pair[0])} cannot be a key") from None
    return out


@_tag("$tuple")
def _read_tuple(data: JSON, where: str) -> tuple[Any, ...]:
    expect(isinstance(data, list), where, "a list", data)
    return tuple(read_any(item, where) for item in data)


_tag("$decimal")(read_decimal)


@_tag("$datetime")
def _read_tagged_datetime(data: JSON, where: str) -> _dt.datetime:
    return read_datetime(data, where)


@_tag("$localtime")
def _read_localtime(data: JSON, where: str) -> _dt.datetime:
    zone = _local_zone()
    value = read_datetime(data, where)
    return value.astimezone(zone()) if zone is not None else value


@_tag("$bytes")
def _read_bytes(data: JSON, where: str) -> bytes:
    expect(isinstance(data, str), where, "base64 text", data)
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise FormatProblem(where, "not base64") from None
