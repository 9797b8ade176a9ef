"""What ``@mturk_sim`` does to what it decorates: a fresh simulator for each call of a
function, and for each test of a class.

A decorator must never make a test disappear or run it outside the simulator, so
every kind of target is either handled or refused with a :class:`UsageError`:

* a function, a coroutine function (active while the coroutine runs) or a generator
  function (active from its first step to its end): a fresh simulator per call;
* a ``staticmethod`` or ``classmethod`` object: its function, decorated;
* an async generator function: refused (wrapping it would lose ``asend``/``athrow``);
* a class, returned as it is (so pytest and unittest still collect it):

  - a ``unittest.TestCase``: each test runs, from ``setUp`` through its cleanups, in
    a fresh simulator of its own (its ``run`` and ``debug`` are wrapped; moto's
    ``@mock_aws`` likewise mocks ``setUp`` with the test);
  - any other class (pytest's): each test method (its name starts with ``test``) is
    wrapped; ``setup_method`` and ``teardown_method``, where the class has either,
    run in the test's simulator too;
  - class-level set-up (``setUpClass`` / ``tearDownClass``, ``setup_class`` /
    ``teardown_class``) runs in a simulator of the class, and each test starts from
    a copy of what it made, as tests see what a module-scoped fixture made: its state
    is there, and no test sees another's changes;
  - nested ``Test*`` classes and subclasses (made later) are decorated alike;
  - a class with no tests and no ``TestCase`` base is refused: nothing would be
    simulated.

Which settings a test's simulator gets is read from its class when the test runs,
so a subclass decorated again with other settings uses its own.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..core.errors import UsageError
from ..doors import stack


class SimulatorLike(Protocol):
    """What a decorated function or test runs in (a :class:`~pytest_mturk.Simulator`, which
    hands itself to :func:`decorate`: this module does not import it)."""

    @property
    def active(self) -> bool:
        """Whether it has been started and not stopped."""

    def start(self) -> Any:
        """Make it the active simulator."""

    def stop(self) -> None:
        """End it (raising what it caught in its own machinery)."""

    def __enter__(self) -> Any: ...

    def __exit__(self, kind: object, *exc: object) -> None: ...


# A new simulator with the decorator's settings; given one, a copy of its state.
Fresh = Callable[[Any], SimulatorLike]

# pytest's default ``python_functions`` and unittest's ``TestLoader.testMethodPrefix``.
TEST_PREFIX = "test"
# pytest's default ``python_classes``: nested classes collected as tests.
CLASS_PREFIX = "Test"
# On a decorated class: how its tests' simulators are made.
FRESH = "_pytest_mturk_fresh"
# On a class between its class-level set-up and tear-down: the simulator they ran in.
CLASS_SIMULATOR = "_pytest_mturk_class_simulator"
# On a test instance while its test runs: the test's simulator.
TEST_SIMULATOR = "_pytest_mturk_simulator"
# On a test instance while its teardown_method runs (an inner super() call must not end it).
TEARING_DOWN = "_pytest_mturk_tearing_down"
# On every wrapper this module makes, so that nothing is wrapped twice.
WRAPPED = "__pytest_mturk_wrapped__"
# The simulators setup_method wrappers started, until their tests end.
_set_up: weakref.WeakSet[Any] = weakref.WeakSet()

_INSTANCE_HOOKS = ("setup_method", "teardown_method")
_CLASS_HOOKS = {"setUpClass", "tearDownClass", "setup_class", "teardown_class"}


def decorate(target: Any, fresh: Fresh) -> Any:
    """``target`` run in fresh simulators made by ``fresh`` (see the module's docstring)."""
    if isinstance(target, (staticmethod, classmethod)):
        return type(target)(decorate(target.__func__, fresh))
    if inspect.isclass(target):
        return _decorate_class(target, fresh)
    if not callable(target):
        raise UsageError(
            f"@mturk_sim decorates a function, a method or a test class, not {target!r}."
        )
    _refuse_async_generator(target)
    return _wrap(target, lambda args: fresh(None))


def _refuse_async_generator(func: Any) -> None:
    if inspect.isasyncgenfunction(func):
        raise UsageError(
            f"@mturk_sim cannot decorate the async generator function {func.__qualname__}: "
            "the simulator would not be active while it runs. Use `with mturk_sim():` "
            "inside it instead."
        )


def _wrap(func: Any, enter: Callable[[tuple[Any, ...]], Any]) -> Any:
    """``func``, run inside the context manager ``enter(args)`` gives for each call."""
    if inspect.iscoroutinefunction(func):
        # The simulator must be active while the coroutine runs, not while it is made.
        async def awaiting(*args: Any, **kwargs: Any) -> Any:
            with enter(args):
                return await func(*args, **kwargs)

        wrapper: Any = awaiting
    elif inspect.isgeneratorfunction(func):
        # Active from the generator's first step to its end (a yield fixture's whole test).
        def stepping(*args: Any, **kwargs: Any) -> Any:
            with enter(args):
                return (yield from func(*args, **kwargs))

        wrapper = stepping
    else:

        def calling(*args: Any, **kwargs: Any) -> Any:
            with enter(args):
                return func(*args, **kwargs)

        wrapper = calling
    functools.update_wrapper(wrapper, func)
    setattr(wrapper, WRAPPED, True)
    return wrapper


# -- classes -----------------------------------------------------------------------------


def _decorate_class(cls: type, fresh: Fresh | None, *, explicit: bool = True) -> type:
    """Wrap ``cls``'s tests and set-up; ``fresh`` None: keep the one it inherits.
    ``explicit``: the class was decorated by the user (so it must have tests)."""
    import unittest

    if fresh is not None:
        setattr(cls, FRESH, fresh)
    is_case = issubclass(cls, unittest.TestCase)
    tests = [name for name in dir(cls) if name.startswith(TEST_PREFIX)]
    if explicit and not is_case and not any(callable(getattr(cls, n)) for n in tests):
        raise UsageError(
            f"@mturk_sim on class {cls.__qualname__} runs each of its tests (methods whose "
            f"names start with {TEST_PREFIX!r}) in a fresh simulator, but it has none. "
            "Decorate its methods, or use `with mturk_sim():` inside them."
        )
    if is_case:
        # The whole test, setUp to cleanups, through TestCase.run (pytest calls it too).
        for name in ("run", "debug"):
            _replace(cls, name, lambda raw, kind: _wrap(raw, _test_of))
        hooks: tuple[str, ...] = ("setUpClass", "tearDownClass")
    else:
        for name in tests:
            _replace(cls, name, functools.partial(_wrap_test, cls))
        if any(getattr(cls, name, None) is not None for name in _INSTANCE_HOOKS):
            _replace(cls, "setup_method", lambda raw, kind: _setup_method(raw), missing=True)
            _replace(cls, "teardown_method", lambda raw, kind: _teardown_method(raw), missing=True)
        hooks = ("setup_class", "teardown_class")
    for name in hooks:
        if _overridden(cls, name):
            _replace(cls, name, functools.partial(_class_hook, name=name))
    for name, value in list(vars(cls).items()):
        nested = inspect.isclass(value) and (
            name.startswith(CLASS_PREFIX) or issubclass(value, unittest.TestCase)
        )
        if nested and FRESH not in vars(value):
            _decorate_class(value, getattr(cls, FRESH), explicit=False)
    _inherit(cls)
    return cls


def _overridden(cls: type, name: str) -> bool:
    """Whether ``cls`` has a class-level hook of its own (not ``TestCase``'s empty one)."""
    import unittest

    for klass in cls.__mro__:
        if name in vars(klass):
            return klass is not unittest.TestCase
    return False


def _replace(
    cls: type, name: str, wrap: Callable[[Any, Any], Any], *, missing: bool = False
) -> None:
    """Set ``cls.name`` to ``wrap(function, kind)`` of the function it holds, kept as the
    kind it was (None: a plain function; ``staticmethod``, ``classmethod``); skipped if
    already wrapped or not a function. ``missing``: wrap a do-nothing function where
    there is none."""
    raw = inspect.getattr_static(cls, name, None)
    kind: Any = None
    if isinstance(raw, (staticmethod, classmethod)):
        kind, raw = type(raw), raw.__func__
    if raw is None and missing:
        raw = _nothing
    if not inspect.isfunction(raw) or getattr(raw, WRAPPED, False):
        return
    wrapped = wrap(raw, kind)
    setattr(cls, name, kind(wrapped) if kind is not None else wrapped)


def _nothing(*args: Any) -> None:
    return None


def _inherit(cls: type) -> None:
    """Decorate every subclass of ``cls`` when it is made, so that tests and set-up it
    adds run in simulators too (once per class: a hook already there is kept)."""
    nearest = inspect.getattr_static(cls, "__init_subclass__", None)
    if getattr(getattr(nearest, "__func__", None), WRAPPED, False):
        return  # a decorated base's hook already decorates every subclass
    previous = vars(cls).get("__init_subclass__")
    owner: Any = cls

    def __init_subclass__(sub: Any, /, **kwargs: Any) -> None:
        if previous is not None:
            previous.__get__(None, sub)(**kwargs)
        else:
            super(owner, sub).__init_subclass__(**kwargs)
        _decorate_class(sub, None, explicit=False)

    setattr(__init_subclass__, WRAPPED, True)
    setattr(cls, "__init_subclass__", classmethod(__init_subclass__))  # noqa: B010


# -- a test's simulator ------------------------------------------------------------------


def _fresh_for(klass: type) -> SimulatorLike:
    """A new simulator for a test of ``klass``: a copy of its class simulator, if any."""
    fresh: Fresh = getattr(klass, FRESH)
    return fresh(vars(klass).get(CLASS_SIMULATOR))


def _running(instance: Any) -> SimulatorLike | None:
    simulator: SimulatorLike | None = vars(instance).get(TEST_SIMULATOR)
    return simulator if simulator is not None and simulator.active else None


@contextlib.contextmanager
def _test_simulator(instance: Any) -> Iterator[SimulatorLike]:
    """The simulator of the test ``instance`` runs: the one its set-up started, or a
    new one, kept on the instance until the test ends."""
    running = _running(instance)
    if running is not None:
        yield running
        return
    simulator = _fresh_for(type(instance))
    vars(instance)[TEST_SIMULATOR] = simulator
    try:
        with simulator:
            yield simulator
    finally:
        vars(instance).pop(TEST_SIMULATOR, None)


def _test_of(args: tuple[Any, ...]) -> Any:
    return _test_simulator(args[0])


def _wrap_test(cls: type, func: Any, kind: Any) -> Any:
    """A test method of a plain class, in its test's simulator."""
    _refuse_async_generator(func)
    if kind is None:
        return _wrap(func, _test_of)
    # A static or class method knows no instance: the simulator a setup_method started
    # for it, if one is innermost, else a fresh one, as the class it is on says.
    return _wrap(func, lambda args: _set_up_or_fresh(cls))


def _set_up_or_fresh(cls: type) -> Any:
    owner = stack.active_owner()
    if owner is not None and owner in _set_up:
        return contextlib.nullcontext(owner)
    return _fresh_for(cls)


def _takes_argument(func: Any) -> bool:
    """Whether a set-up hook takes the argument pytest offers (the method, the class);
    pytest asks the function's arity the same way."""
    code = getattr(func, "__code__", None)
    if code is not None:
        return bool(code.co_argcount > 1)
    return len(inspect.signature(func).parameters) > 1


def _setup_method(func: Any) -> Any:
    def setup_method(self: Any, method: Any = None) -> Any:
        started = None
        if _running(self) is None:
            started = vars(self)[TEST_SIMULATOR] = _fresh_for(type(self)).start()
            _set_up.add(started)
        try:
            return func(self, method) if _takes_argument(func) else func(self)
        except BaseException:
            if started is not None:
                _end(self, failing=True)
            raise

    functools.update_wrapper(setup_method, func)
    setattr(setup_method, WRAPPED, True)
    return setup_method


def _teardown_method(func: Any) -> Any:
    def teardown_method(self: Any, method: Any = None) -> Any:
        state = vars(self)
        if state.get(TEARING_DOWN):  # a super() call: the outermost one ends the simulator
            return func(self, method) if _takes_argument(func) else func(self)
        state[TEARING_DOWN] = True
        failing = True
        try:
            with _test_simulator(self):  # set-up did not run (or failed): one of its own
                result = func(self, method) if _takes_argument(func) else func(self)
            failing = False
            return result
        finally:
            del state[TEARING_DOWN]
            _end(self, failing=failing)

    functools.update_wrapper(teardown_method, func)
    setattr(teardown_method, WRAPPED, True)
    return teardown_method


def _end(instance: Any, *, failing: bool) -> None:
    simulator = vars(instance).pop(TEST_SIMULATOR, None)
    if simulator is not None:
        _set_up.discard(simulator)
        if failing:  # the test's own exception matters more than the simulator's report
            simulator.__exit__(Exception)
        else:
            simulator.stop()


# -- class-level set-up --------------------------------------------------------------------


def _class_hook(func: Any, kind: Any, *, name: str) -> Any:
    """``setUpClass``/``setup_class`` (or their tear-downs), run in the class's simulator:
    made by the set-up, dropped after the tear-down, inactive in between (each test
    runs in a copy of it)."""
    tearing = name.startswith("tear")

    def hook(klass: Any, *args: Any) -> Any:
        state = vars(klass)
        simulator = state.get(CLASS_SIMULATOR)
        if simulator is not None and simulator.active:  # an inner super() call
            return func(klass, *args[: _takes_argument(func)])
        if simulator is None:
            fresh: Fresh = getattr(klass, FRESH)
            simulator = fresh(None)
            setattr(klass, CLASS_SIMULATOR, simulator)
        try:
            with simulator:
                return func(klass, *args[: _takes_argument(func)])
        finally:
            if tearing:
                delattr(klass, CLASS_SIMULATOR)

    functools.update_wrapper(hook, func)
    setattr(hook, WRAPPED, True)
    if name in ("setup_class", "teardown_class"):
        # pytest passes the class only to a hook that takes an argument beyond cls.
        def offered(klass: Any, offered: Any = None) -> Any:
            return hook(klass, offered)

        functools.update_wrapper(offered, func)
        setattr(offered, WRAPPED, True)
        return offered
    return hook
