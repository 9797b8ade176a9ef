"""The light part of the hook: what must exist before any botocore session is made.

pytest imports the plugin at start-up, long before most suites touch boto3;
importing botocore then would make every ``pytest`` run slower. So this module
imports nothing heavy. It puts small trampolines into botocore's built-in
handlers -- at once if ``botocore.handlers`` is already imported, otherwise the
moment it is -- and the trampolines hand over to
:mod:`pytest_mturk.doors.botocore.hooks` only while a simulator is active
(starting one imports it: see :func:`pytest_mturk.doors.stack.when`). One of them
gives every synchronous ``mturk`` client class :class:`SimulatedCalls`, the entry
of the short way (see :mod:`pytest_mturk.doors.botocore.short_way`). At the same
moment it registers a botocore session initializer that gives every new session
the simulator's fallback credentials and region
(:mod:`pytest_mturk.doors.botocore.credentials`), which step aside while no
simulator is active.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

from .. import stack
from ..stack import refuse_if_unstarted, services
from . import private  # imports nothing of botocore

PARAMS_EVENT = "before-parameter-build.mturk"
CALL_EVENT = "before-call.mturk"
SEND_EVENT = "before-send.mturk"
CLASS_EVENT = "creating-client-class.mturk"
# Where keep_params leaves a call's parameters in botocore's request context.
PARAMS_KEY = "pytest_mturk.params"


_handlers: Any = None  # pytest_mturk.doors.botocore.hooks, once a simulator has started


def keep_params(params: Any = None, context: Any = None, **kwargs: Any) -> None:
    """botocore ``before-parameter-build.mturk``: keep the call's parameters for
    ``before_call``, which can then skip decoding the JSON botocore made of them."""
    if services and context is not None:
        context[PARAMS_KEY] = params


def before_call(**kwargs: Any) -> Any:
    """botocore ``before-call.mturk``: answer the call if a simulator is active."""
    if not services:
        refuse_if_unstarted()
        return None
    return _handlers.before_call(**kwargs)


def before_send(**kwargs: Any) -> Any:
    """botocore ``before-send.mturk``: answer requests that went on to be sent (faults)."""
    if not services:
        return None
    return _handlers.before_send(**kwargs)


class Unsendable(Exception):
    """What botocore's serializer raised for parameters it cannot send, on the short way:
    the entry re-raises it with botocore's frames alone, as the whole way raises it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error
        traceback = error.__traceback__
        # The first frame is the short way's own, which caught it.
        self.traceback = traceback.tb_next if traceback is not None else None


def short_answer(client: Any, operation_name: str, api_params: Any) -> Any:
    """The short way's answer (``None``: the whole way), or the :class:`Unsendable` to
    raise from the entry, as botocore raises it."""
    try:
        return _handlers.fast_call(client, operation_name, api_params)
    except Unsendable as unsendable:
        return unsendable


class SimulatedCalls:
    """Given to every synchronous ``mturk`` client class: while a simulator is active,
    a call is answered without building the HTTP request botocore would never send
    (:mod:`pytest_mturk.doors.botocore.short_way` says when that changes nothing a user
    can see), and otherwise goes botocore's whole way, where the hooks answer it."""

    __slots__ = ()

    def _make_api_call(self, operation_name: str, api_params: Any) -> Any:
        if services and _handlers is not None:
            answered = short_answer(self, operation_name, api_params)
            if answered.__class__ is Unsendable:
                raise answered.error.with_traceback(answered.traceback)
            if answered is not None:
                return answered
        return private.next_api_call(self, SimulatedCalls)(operation_name, api_params)

    def _resolve_endpoint_ruleset(
        self,
        operation_model: Any,
        params: Any,
        request_context: Any,
        ignore_signing_region: bool = False,
    ) -> Any:
        # botocore's whole way, while a simulator answers: the endpoint the rules gave
        # before (see short_way.known_endpoint), or the rules.
        if services and _handlers is not None and not ignore_signing_region:
            known = _handlers.short_way.known_endpoint(self, operation_model)
            if known is not None:
                return known
        resolve = super()._resolve_endpoint_ruleset  # type: ignore[misc]
        return resolve(operation_model, params, request_context, ignore_signing_region)


def add_simulated_calls(base_classes: Any = None, **kwargs: Any) -> None:
    """botocore ``creating-client-class.mturk``: give the class :class:`SimulatedCalls`.

    aiobotocore's clients await their calls: they keep botocore's way (and the hooks).
    """
    if base_classes is None or SimulatedCalls in base_classes:
        return
    if any(base.__module__.startswith("aiobotocore") for base in base_classes):
        return
    base_classes.insert(0, SimulatedCalls)


ENTRIES = (
    (PARAMS_EVENT, keep_params),
    (CALL_EVENT, before_call),
    (SEND_EVENT, before_send),
    (CLASS_EVENT, add_simulated_calls),
)


def attach(handlers: ModuleType) -> None:
    """Hand over to ``handlers`` (the hooks module, now imported).

    Sessions made from now on are given its handlers directly, one call less
    per request; sessions made before keep the trampolines, which reach it too.
    """
    global _handlers
    _handlers = handlers
    # As simulators start and stop, the handlers act directly from now on.
    stack.instead(_first_started, handlers.first_started)
    stack.instead(_started, handlers.started)
    stack.instead(_last_stopped, handlers.last_stopped)
    module = sys.modules.get("botocore.handlers")
    if module is not None:
        _add_entries(module)


def entries() -> tuple[tuple[str, Any], ...]:
    """What sessions made now are given: the trampolines, or the handlers themselves."""
    if _handlers is None:
        return ENTRIES
    return (
        (PARAMS_EVENT, keep_params),
        (CALL_EVENT, _handlers.before_call),
        (SEND_EVENT, _handlers.before_send),
        (CLASS_EVENT, add_simulated_calls),
    )


def hooks() -> frozenset[Any]:
    """Every handler function of the hooks, trampolines included."""
    return frozenset(handler for _, handler in (*ENTRIES, *entries()))


def is_ours(entry: Any) -> bool:
    """Whether a ``BUILTIN_HANDLERS`` entry is one of the hooks."""
    return entry in ENTRIES or entry in entries()


_credentials: Any = None  # pytest_mturk.doors.botocore.credentials, once a session is made


def prepare_session(session: Any) -> None:
    """botocore session initializer: the fallback credentials and region, for later."""
    global _credentials
    if _credentials is None:
        from . import credentials  # botocore.session is loaded by now, so this costs little

        _credentials = credentials
    _credentials.prepare(session)


def _add_entries(handlers_module: Any) -> None:
    botocore = sys.modules["botocore"]
    # Once only: unregister (ValueError if it was not there), then register.
    with contextlib.suppress(ValueError):
        botocore.unregister_initializer(prepare_session)
    botocore.register_initializer(prepare_session)
    builtin = handlers_module.BUILTIN_HANDLERS
    wanted = entries()
    builtin[:] = [entry for entry in builtin if entry in wanted or not is_ours(entry)]
    for entry in wanted:
        if entry not in builtin:
            builtin.append(entry)


def register(target: Any) -> None:
    """Give the hooks to a session or client made before ``pytest_mturk`` was imported.

    ``target`` is a boto3 ``Session``, a botocore session or a client; a
    session's clients made from now on are answered (and can find the
    simulator's fallback credentials and region), a client is answered from
    now on. Registering twice is harmless.
    """
    if private.is_client(target):
        events = target.meta.events
    else:
        events = private.botocore_session(target)
        prepare_session(events)
    wanted = _wanted[1] if _wanted[0] is _handlers else _wanted_now()
    known = private.unique_ids(events)
    # Registering again under a unique ID changes nothing, and costs botocore a look at
    # each handler's signature: boto3's default session is given them as every simulator
    # starts.
    if known is not None:
        for _, _, unique_id in wanted:
            if unique_id not in known:
                break
        else:
            return
    for event, handler, unique_id in wanted:
        events.register(event, handler, unique_id=unique_id)


# What register() gives: each event, its handler and the unique ID it is registered
# under, made once for the handlers attached then.
_wanted: tuple[Any, tuple[tuple[str, Any, str], ...]] = (False, ())


def _wanted_now() -> tuple[tuple[str, Any, str], ...]:
    global _wanted
    wanted = tuple((event, handler, f"pytest-mturk:{event}") for event, handler in entries())
    _wanted = (_handlers, wanted)
    return wanted


class _Finder(importlib.abc.MetaPathFinder):
    """Adds the entries right after ``botocore.handlers`` is first imported."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "botocore.handlers":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _add_entries(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_finder = _Finder()


def install() -> None:
    """Make every botocore session created from now on carry the hooks (idempotent)."""
    module = sys.modules.get("botocore.handlers")
    if module is not None:
        _add_entries(module)
    elif _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


# -- as simulators start and stop --------------------------------------------------------


def _first_started() -> None:
    if _handlers is None:
        from . import hooks  # the door's heavy part: importing it attaches it (see attach)

        hooks.first_started()
    else:
        _handlers.first_started()


def _started(service: Any) -> None:
    _handlers.started(service)


def _last_stopped() -> None:
    _handlers.last_stopped()


stack.when(first_started=_first_started, started=_started, last_stopped=_last_stopped)
install()
