"""Pagination the way the service does it (spec §5.2).

``MaxResults`` defaults to 10; every non-empty page carries a ``NextToken``
and the walk ends with an empty page without one, so botocore's paginators,
"until no token" loops and "until empty" loops all terminate.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..core import catalogue
from ..core.model import OrderedIndex

DEFAULT_PAGE = 10
T = TypeVar("T")


@functools.lru_cache(maxsize=1024)
def encode(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode(kind: str, token: str | None) -> int:
    """The position a token stands for (0 without a token); a foreign token is refused."""
    if token is None:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        token_kind, _, position = raw.rpartition(":")
        if token_kind != kind:
            raise ValueError(token_kind)
        value = int(position)
        if value < 0:
            raise ValueError(position)
        return value
    except (ValueError, UnicodeDecodeError):
        raise catalogue.INVALID_VALUE(name="NextToken", value=token) from None


def page_index(
    index: OrderedIndex,
    params: dict[str, Any],
    kind: str,
    accept: Callable[[str], bool] | None = None,
) -> tuple[list[str], str | None]:
    """One page of an :class:`OrderedIndex`: the keys, and the token for the next page."""
    after = decode(kind, params.get("NextToken"))
    keys, last = index.page(after, params.get("MaxResults") or DEFAULT_PAGE, accept)
    return keys, (encode(kind, last) if keys else None)


def page_filtered(
    items: Sequence[T], params: dict[str, Any], kind: str, accept: Callable[[T], bool]
) -> tuple[list[T], str | None]:
    """One page of the items ``accept`` admits, from an append-only list.

    The token is a position in ``items`` itself, not in the filtered list, so an
    item that stops matching between two pages (an assignment approved while
    the caller pages through the Submitted ones) never makes the walk skip others.
    """
    start = decode(kind, params.get("NextToken"))
    size = params.get("MaxResults") or DEFAULT_PAGE
    chunk: list[T] = []
    position = start
    for position in range(start, len(items)):
        item = items[position]
        if accept(item):
            chunk.append(item)
            if len(chunk) == size:
                break
    return chunk, (encode(kind, position + 1) if chunk else None)


def response(
    key: str, items: list[dict[str, Any]], token: str | None, *, count: bool = True
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if token is not None:
        out["NextToken"] = token
    if count:
        out["NumResults"] = len(items)
    out[key] = items
    return out
