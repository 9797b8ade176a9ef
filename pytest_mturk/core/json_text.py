"""JSON as the simulator writes and reads it: anything a request may carry can be written
and read back the same.

* Written as ASCII (:func:`dumps`, :func:`encode`): a string the service accepted with a
  lone surrogate escape in it (``"x\\ud800y"``, valid JSON, and a valid Java string) is
  written as that escape, so every journal line, snapshot, saved file and answer of the
  control API can be encoded, and parsing it gives back the very same string.
* Read only if nested no deeper than :data:`MAX_DEPTH` arrays and objects, and holding
  no number JSON cannot write back: :func:`loads` reads a request's body, judged by
  :func:`too_deep` before it is parsed (so parsing never recurses far), and
  :func:`unwritable` judges what a door hands over already parsed.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

__all__ = ["DOCUMENT_DEPTH", "MAX_DEPTH", "dumps", "encode", "loads", "too_deep", "unwritable"]

# The deepest nesting of arrays and objects a request may have (the outermost object
# counts one). The 2017-01-17 API's deepest input (a HIT's QualificationRequirements'
# LocaleValues) nests four deep; other JSON APIs read 64 levels by default.
MAX_DEPTH = 64
# The deepest a whole saved state may nest: its requests' parameters, with room for the
# document around them and the tags of what JSON has no word for.
DOCUMENT_DEPTH = 4 * MAX_DEPTH

# A string literal (skipped: its brackets are text), or a bracket.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENING = frozenset(b"[{")


def dumps(
    value: Any,
    *,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    default: Any = None,
) -> str:
    """``value`` as JSON text of ASCII characters only (never ``NaN`` or ``Infinity``);
    ``indent``, ``separators`` and ``default`` are :func:`json.dumps`'s."""
    return json.dumps(
        value,
        ensure_ascii=True,
        allow_nan=False,
        indent=indent,
        separators=separators,
        default=default,
    )


def encode(
    value: Any, *, indent: int | None = None, separators: tuple[str, str] | None = None
) -> bytes:
    """:func:`dumps` as bytes (ASCII, so UTF-8 too)."""
    return dumps(value, indent=indent, separators=separators).encode("ascii")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is beyond the largest number")
    return number


def loads(data: bytes, depth: int = MAX_DEPTH) -> Any:
    """The JSON value of a request's body, or :class:`ValueError` if it is not JSON
    (not UTF-8, ``NaN``, a number too large to be one) or nests deeper than ``depth``
    (:func:`too_deep`): whatever this gives, :func:`dumps` can write."""
    if too_deep(data, depth):
        raise ValueError(f"nested deeper than {depth} arrays and objects")
    return json.loads(data.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)


def too_deep(text: bytes, depth: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` opens more than ``depth`` arrays and objects at once,
    found without parsing it (brackets inside strings do not count)."""
    if text.count(b"[") + text.count(b"{") <= depth:
        return False
    level = 0
    for token in _TOKENS.finditer(text):
        found = token.group()
        if len(found) != 1:
            continue  # a string
        if found[0] in _OPENING:
            level += 1
            if level > depth:
                return True
        else:
            level -= 1
    return False


_limits: dict[int, int | None] = {}


def _int_limit() -> int | None:
    """The least integer Python will not write as text (``None``: no such limit)."""
    digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    limit = _limits.get(digits, 0)
    if limit == 0:
        limit = _limits[digits] = 10**digits if digits else None
    return limit


def unwritable(value: Any) -> str | None:
    """Why ``value`` (a request's parameters, as a door parsed them) could not be
    written as JSON and read back -- ``"deep"``: nested deeper than :data:`MAX_DEPTH`;
    ``"number"``: it holds an integer too long for Python to write as text -- or
    ``None``."""
    if value.__class__ not in (dict, list, tuple):
        return None
    limit = _int_limit()
    level: list[Any] = [value]
    depth = 0
    # One level of containers at a time: no recursion, and strings cost one look each.
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return "deep"
        below: list[Any] = []
        for container in level:
            for child in container.values() if container.__class__ is dict else container:
                cls = child.__class__
                if cls is str:
                    continue
                if cls is dict or cls is list or cls is tuple:
                    below.append(child)
                elif cls is int and limit is not None and not -limit < child < limit:
                    return "number"
        level = below
    return None
