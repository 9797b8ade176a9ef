"""Reading a service API request: the JSON 1.1 protocol around the service, a raw request
read as an operation and its parameters, or refused the way the AWS request framework
refuses it.

The HTTP door asks :func:`read_request` what the bytes it received are before it can
:func:`~pytest_mturk.core.dispatch.dispatch` them. A request the framework cannot read
never reaches the service: it is neither recorded nor given a request ID from the
simulator's seeded stream.
"""

from __future__ import annotations

from typing import Any

from ...core import catalogue
from ...core.errors import ServiceError
from ...core.json_text import loads
from ...core.protocol import TARGET_PREFIX

__all__ = ["read_request"]


def _unknown_operation(target: str | None) -> ServiceError:
    return catalogue.UNKNOWN_OPERATION(target=target or "(no X-Amz-Target header)")


def read_request(target: str | None, body: bytes, known: frozenset[str]) -> tuple[str, Any]:
    """The operation a request names and its parameters, or :class:`ServiceError`.

    ``target`` is the ``X-Amz-Target`` header, ``body`` the raw body and ``known``
    the operations of the service model. An empty body is ``{}``, as botocore sends
    for an operation without parameters. JSON nested deeper than
    :data:`~pytest_mturk.core.json_text.MAX_DEPTH` is refused before it is parsed, and
    so are numbers beyond any the service reads.
    """
    if not target or not target.startswith(TARGET_PREFIX):
        raise _unknown_operation(target)
    operation = target[len(TARGET_PREFIX) :]
    if operation not in known:
        raise _unknown_operation(target)
    if not body.strip():
        return operation, {}
    try:
        params = loads(body)
    except ValueError:
        raise catalogue.STRUCTURE_NOT_EXPECTED() from None
    if not isinstance(params, dict):
        raise catalogue.STRUCTURE_EXPECTED()
    return operation, params
