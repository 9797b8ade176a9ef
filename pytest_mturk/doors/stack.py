"""The active simulators: one process-wide stack, shared by every door and face.

A stack, not a contextvar, so that threads started by the code under test see
the simulators too. The faces start and stop simulators here (:func:`push`,
:func:`pop`) and ask which one is innermost (:func:`active`,
:func:`active_owner`); every door reads the same stack to find the service that
answers a call. A door that must act as the first simulator starts, or as the
last one stops, says so once with :func:`when` (the botocore door, from
:mod:`pytest_mturk.doors.botocore.bootstrap`).

It lives among the doors, not in the core: which simulator answers this process's
calls is the doors' concern, and process-wide state; the core serves whichever
service it is handed. Nothing here imports anything heavy: the botocore door's
trampolines read it on every botocore call, from pytest's start-up on.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.service import Service

__all__ = ["active", "active_owner", "instead", "pop", "push", "refuse_if_unstarted", "when"]

# The active simulators' services, innermost last. Doors read it on every call.
services: list[Service] = []
# Beside each active service, the public object that started it (a Simulator), or None:
# what pytest_mturk.current() answers. The service itself knows nothing of it.
owners: list[Any] = []
lock = threading.Lock()
# The thread that started the active simulators (None while none is active).
thread: threading.Thread | None = None
# The base URLs of HTTP servers running in this process (pytest_mturk.doors.http): a
# client pointed at one is answered over HTTP, by the server, not in process.
served: list[str] = []
# Simulators made but never started (``sim = mturk_sim()`` without ``with`` or
# ``start()``): while one exists and none is active, a call is refused rather
# than let through to the network.
unstarted: weakref.WeakSet[Any] = weakref.WeakSet()

# What the doors do as the first simulator starts (under the lock, before it is on
# the stack), as each one starts (after) and as the last one stops (under the lock).
_first_started: list[Callable[[], None]] = []
_started: list[Callable[[Service], None]] = []
_last_stopped: list[Callable[[], None]] = []


def when(
    *,
    first_started: Callable[[], None],
    started: Callable[[Service], None],
    last_stopped: Callable[[], None],
) -> None:
    """Have a door act as simulators start and stop: ``first_started()`` before the first
    one is on the stack, ``started(service)`` once each one is, ``last_stopped()`` once
    the last one is off it."""
    _first_started.append(first_started)
    _started.append(started)
    _last_stopped.append(last_stopped)


def instead(old: Callable[..., None], new: Callable[..., None]) -> None:
    """Have ``new`` act wherever :func:`when` registered ``old`` (a door handing over to
    its part loaded since, one call less as each simulator starts and stops)."""
    for actions in (_first_started, _started, _last_stopped):
        for index, action in enumerate(actions):
            if action is old:
                actions[index] = new


def push(service: Service, owner: object = None) -> None:
    """Make ``service`` the active simulator (until :func:`pop`); ``owner`` is the public
    object that started it, which :func:`active_owner` gives while it is innermost.

    Active simulators answer every thread of the process, so they all belong to the
    thread that started the first of them: a start in another thread meanwhile is
    refused with :class:`~pytest_mturk.UsageError` rather than answering the other's calls.
    """
    global thread
    with lock:
        here = threading.current_thread()
        if not services:
            for action in _first_started:
                action()
            thread = here
        elif (first := thread) is not None and first is not here:
            from ..core.errors import UsageError

            raise UsageError(
                f"A simulator is already active, started in thread {first.name!r}; another "
                f"cannot start in thread {here.name!r} meanwhile. An active simulator answers "
                "the MTurk calls of every thread in the process, so two at once would answer "
                "each other's calls. Start simulators one after another, or nest them in one "
                "thread; threads started under a simulator are answered by it."
            )
        services.append(service)
        owners.append(owner)
    for started in _started:
        started(service)


def pop(service: Service) -> None:
    """Deactivate ``service``, wherever it is on the stack."""
    global thread
    with lock:
        for index in range(len(services) - 1, -1, -1):
            if services[index] is service:
                del services[index]
                del owners[index]
                if not services:
                    for action in _last_stopped:
                        action()
                    thread = None
                return


def active() -> Service | None:
    """The innermost active simulator's service, if any."""
    try:
        return services[-1]
    except IndexError:
        return None


def active_owner() -> Any:
    """What started the innermost active service (see :func:`push`), if any."""
    with lock:
        return owners[-1] if owners else None


def refuse_if_unstarted() -> None:
    """Raise :class:`~pytest_mturk.UsageError` if a simulator was made but never started."""
    if unstarted:
        # A simulator dropped without being started lingers until the garbage
        # collector breaks its reference cycles: only a live one counts.
        import gc

        gc.collect()
    if unstarted:
        from ..core.errors import UsageError

        raise UsageError(
            "An MTurk call was made while no simulator is active, but a simulator was made "
            "and never started: use `with mturk_sim() as sim:` (or call `sim.start()`). "
            "The call was not sent."
        )
