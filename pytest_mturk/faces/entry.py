"""How users reach a simulator: :func:`mturk_sim` for scripts, notebooks and
decorators, and :func:`current` / :func:`active_simulator` for the active one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar, overload

from ..core.errors import UsageError
from ..doors import stack
from .settings import SimulatorSettings
from .simulator import Simulator

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:
    from typing_extensions import Unpack

P = ParamSpec("P")
R = TypeVar("R")


@overload
def mturk_sim(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def mturk_sim(**settings: Unpack[SimulatorSettings]) -> Simulator: ...


def mturk_sim(
    func: Callable[P, R] | None = None, /, **settings: Unpack[SimulatorSettings]
) -> Simulator | Callable[P, R]:
    """A simulator for a ``with`` block or as a decorator (a fresh one per call).

    ``@mturk_sim`` and ``@mturk_sim(seed=1)`` both decorate; inside a decorated
    function :func:`active_simulator` is its simulator. On a coroutine function it is
    active while the coroutine runs; on a test class (pytest's or a
    ``unittest.TestCase``), each test gets a fresh one, shared by its set-up and
    tear-down (``setUp``/``tearDown`` and cleanups, ``setup_method``/``teardown_method``),
    and starting from what class-level set-up (``setUpClass``, ``setup_class``) made in
    a simulator of the class; subclasses and nested ``Test*`` classes are decorated
    too. What cannot be run inside a simulator (an async generator function, a class
    with no tests) is refused with :class:`UsageError`.

    Settings (see :class:`SimulatorSettings`): ``seed`` (IDs and results are
    deterministic for a seed), ``start`` (datetime or ISO string; default: now,
    frozen), ``balance`` (production's starting balance), ``access_keys`` (only
    these keys are accepted; without it any well-formed key is),
    ``strict_workers`` (only workers made with ``worker()`` exist),
    ``environment`` ("sandbox" or "production": what ``client()`` and
    ``balance`` mean), ``fake_credentials`` (default True: a client that finds
    no AWS credentials of its own is handed the fallback key
    ``AKIAPYTESTMTURKNOKEY``, which ``access_keys`` refuses unless listed; False: it
    gets botocore's ``NoCredentialsError``), ``load`` (start from the state
    ``sim.save(path)`` wrote; see ``docs/saving.md``).
    """
    if func is not None:
        if not callable(func) and not isinstance(func, (staticmethod, classmethod)):
            raise UsageError(f"mturk_sim() takes its settings as keyword arguments, not {func!r}.")
        return Simulator(**settings)(func)
    return Simulator(**settings)


def current() -> Simulator | None:
    """The innermost active simulator, if any (see :func:`active_simulator`)."""
    owner = stack.active_owner()
    return owner if isinstance(owner, Simulator) else None


def active_simulator() -> Simulator:
    """The innermost active simulator; :class:`UsageError` if none is active.

    The typed way for a function decorated with ``@mturk_sim`` (or any code run
    under a simulator) to reach it: unlike :func:`current`, it never returns None.
    """
    simulator = current()
    if simulator is None:
        raise UsageError(
            "No simulator is active. active_simulator() is for code run inside "
            "`with mturk_sim():`, a function decorated with @mturk_sim, or a test that uses "
            "the mturk fixture, @pytest.mark.mturk or --mturk-sim. To ask whether one is "
            "active, use pytest_mturk.current(), which returns None when none is."
        )
    return simulator
