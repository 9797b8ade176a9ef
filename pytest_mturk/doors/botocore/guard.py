"""Clients that never got the hooks, answered all the same while a simulator runs.

A client made before ``pytest_mturk`` was imported (a library that makes its boto3
client at import, say), or from a session made before it, carries none of the hooks
that :mod:`pytest_mturk.doors.botocore.bootstrap` gives sessions: its calls would go to the
real endpoint. So while any simulator is active, botocore's
``BaseClient._make_api_call`` is wrapped, at class level: an ``mturk`` call of a
client without the hooks first gives the client the hooks (registered on its own
events, as :func:`~pytest_mturk.doors.botocore.bootstrap.register` does), and is then
answered like any other, on the short way where it may take it. Calls of other
services pass straight through, after one comparison; clients that have the hooks
(their class has :class:`~.bootstrap.SimulatedCalls`) too.

aiobotocore's clients do not call ``BaseClient._make_api_call``: where aiobotocore
is imported, its ``AioBaseClient._make_api_call`` gets the same wrapper, in its
coroutine form.

The wrappers go on when the first simulator starts and come off when the last one
stops, unless something else wrapped the method since, in which case ours stays: with
no simulator active it only passes calls on.
"""

from __future__ import annotations

import sys
from typing import Any

from botocore.client import BaseClient

from .. import stack
from . import bootstrap, private

# On a client that was given the hooks here.
ADOPTED = "_pytest_mturk_adopted"
SERVICE = "mturk"

# For each class wrapped: the class, the wrapper, and the _make_api_call it replaced.
_replaced: list[tuple[type, Any, Any]] = []


def _adopt(client: Any) -> None:
    """Give ``client`` the hooks, once."""
    state = client.__dict__
    if ADOPTED not in state:
        bootstrap.register(client)
        state[ADOPTED] = True


def _sync_guard(original: Any) -> Any:
    simulated = bootstrap.SimulatedCalls
    unsendable = bootstrap.Unsendable

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if (
            stack.services
            and self.meta.service_model.service_name == SERVICE
            and not isinstance(self, simulated)
        ):
            _adopt(self)
            answered = bootstrap.short_answer(self, operation_name, api_params)
            if answered.__class__ is unsendable:
                raise answered.error.with_traceback(answered.traceback)
            if answered is not None:
                return answered
        return original(self, operation_name, api_params)

    return _make_api_call


def _async_guard(original: Any) -> Any:
    async def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if stack.services and self.meta.service_model.service_name == SERVICE:
            _adopt(self)  # aiobotocore's clients take botocore's whole way, with the hooks
        return await original(self, operation_name, api_params)

    return _make_api_call


def is_guard(function: Any) -> bool:
    """Whether ``function`` is one of the wrappers :func:`install` put on."""
    return any(function is wrapper for _, wrapper, _ in _replaced) or getattr(
        function, GUARD_MARK, False
    )


GUARD_MARK = "_pytest_mturk_guard"


# Each wrapper made once, for the class and the _make_api_call it wraps: a simulator
# that starts puts it on, one attribute set (the ``mturk`` fixture does so every test).
_made: dict[tuple[type, Any], Any] = {}


def _wrapper(cls: type, guard: Any, original: Any) -> Any:
    wrapper = _made.get((cls, original))
    if wrapper is None:
        wrapper = guard(original)
        wrapper.__wrapped__ = original
        setattr(wrapper, GUARD_MARK, True)
        wrapper.__qualname__ = f"{cls.__qualname__}.{private.MAKE_API_CALL}"
        if len(_made) < 100:
            _made[(cls, original)] = wrapper
    return wrapper


def install() -> None:
    """Wrap the clients' ``_make_api_call`` (the first simulator is starting)."""
    if _replaced:
        return
    original = private.own_api_call(BaseClient)
    wrapper = _wrapper(BaseClient, _sync_guard, original)
    private.set_api_call(BaseClient, wrapper)
    _replaced.append((BaseClient, wrapper, original))
    aio = sys.modules.get("aiobotocore.client")
    if aio is None:
        return
    aio_client = getattr(aio, "AioBaseClient", None)
    if isinstance(aio_client, type):
        original = private.own_api_call(aio_client)
        if original is not None:
            wrapper = _wrapper(aio_client, _async_guard, original)
            private.set_api_call(aio_client, wrapper)
            _replaced.append((aio_client, wrapper, original))


def uninstall() -> None:
    """Put back what :func:`install` wrapped (the last simulator has stopped)."""
    while _replaced:
        cls, wrapper, original = _replaced.pop()
        if private.own_api_call(cls) is wrapper:
            private.set_api_call(cls, original)
        # else: wrapped again since by someone else; ours stays there, passing calls on.


def installed() -> bool:
    """Whether the wrappers are on."""
    return bool(_replaced)
