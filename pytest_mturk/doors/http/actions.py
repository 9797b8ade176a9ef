"""What the HTTP door's backend runs: a service call, a move of the clock, a worker's action.

Each action is a small record that runs itself on the served :class:`Service` (and,
for what only the face knows, on the :class:`~.face.Face` above it): a call goes to
:func:`~pytest_mturk.core.dispatch.dispatch`, a worker's action to the core's worker
actions (:mod:`pytest_mturk.operations.worker_actions`), a move of the clock to the
face (a simulator's crowds act on the way).

With a state file (``--state``) the backend keeps each action as a line of its
journal: :meth:`Action.record` writes it as plain JSON, :func:`read` reads it back, and
the restored action runs through the same :meth:`Action.run`, which gives the same
results and the same IDs, because everything the simulation draws comes from streams
seeded in its state. Without a state file no record is made.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore

from ...core.clock import EPOCH
from ...core.dispatch import dispatch
from ...core.json_text import DOCUMENT_DEPTH
from ...core.model import Environment
from ...operations import worker_actions

if TYPE_CHECKING:
    from ...core.dispatch import Outcome
    from ...core.roster import Profile
    from ...core.service import Service
    from .face import Face

__all__ = ["Action", "Advance", "ServiceCall", "WorkerAction", "catch_up", "problem", "read"]


def catch_up(service: Service, time_ms: int) -> None:
    """Move the service's clock on to ``time_ms`` (since the epoch) if it is behind it."""
    behind = EPOCH + _dt.timedelta(milliseconds=time_ms) - service.clock.now()
    if behind > _dt.timedelta(0):
        service.advance(behind)


class Action:
    """One action of the served simulation, as the backend runs it and a journal keeps it."""

    __slots__ = ()

    def run(self, service: Service, face: Face) -> Any:
        """Run the action: what it answers (an ``Outcome`` for a call)."""
        raise NotImplementedError

    def record(self) -> dict[str, Any]:
        """The action as a journal's line keeps it (plain JSON; :func:`read` reads it)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ServiceCall(Action):
    """A call of the service API, as the HTTP door read it."""

    environment: Environment
    operation: str
    params: dict[str, Any]
    caller: Any  # the access key, or botocore.UNSIGNED

    def run(self, service: Service, face: Face) -> Outcome:
        return dispatch(service, self.environment, self.operation, self.params, self.caller)

    def record(self) -> dict[str, Any]:
        kept: dict[str, Any] = {
            "k": "call",
            "e": self.environment.value,
            "o": self.operation,
            "p": self.params,
        }
        if self.caller is botocore.UNSIGNED:
            kept["u"] = True
        else:
            kept["c"] = self.caller
        return kept

    @classmethod
    def read(cls, kept: Mapping[str, Any]) -> ServiceCall:
        caller = botocore.UNSIGNED if kept.get("u") else kept.get("c")
        return cls(Environment(kept["e"]), kept["o"], kept["p"], caller)


@dataclass(frozen=True, slots=True)
class Advance(Action):
    """Simulated time moved on by ``ms`` milliseconds."""

    ms: int

    def run(self, service: Service, face: Face) -> _dt.datetime:
        return face.advance(_dt.timedelta(milliseconds=self.ms))

    def record(self) -> dict[str, Any]:
        return {"k": "advance", "ms": self.ms}

    @classmethod
    def read(cls, kept: Mapping[str, Any]) -> Advance:
        return cls(kept["ms"])


def _accept(service: Service, action: WorkerAction, profile: Profile) -> str:
    return worker_actions.accept(service, action.worker_id, action.target, profile).assignment_id


def _submit(service: Service, action: WorkerAction, profile: Profile) -> None:
    worker_actions.submit(service, action.worker_id, action.target, action.answers)


def _return(service: Service, action: WorkerAction, profile: Profile) -> None:
    worker_actions.return_assignment(service, action.worker_id, action.target)


def _test(service: Service, action: WorkerAction, profile: Profile) -> None:
    # The test's clock starts; its XML is the type's, so it is not kept as a result.
    worker_actions.start_test(service, action.worker_id, action.target, profile)


def _request(service: Service, action: WorkerAction, profile: Profile) -> Any:
    return worker_actions.request_qualification(
        service, action.worker_id, action.target, action.answers, profile
    )


def _nothing(service: Service, action: WorkerAction, profile: Profile) -> None:
    return None  # only the worker made (or their profile changed)


_ACTS: dict[str, Callable[[Service, WorkerAction, Profile], Any]] = {
    "": _nothing,
    "accept": _accept,
    "submit": _submit,
    "return": _return,
    "test": _test,
    "request": _request,
}


@dataclass(frozen=True, slots=True)
class WorkerAction(Action):
    """A worker's action: ``act`` is ``""`` (the worker only made, or their profile
    changed), ``"accept"`` (``target`` a HITId), ``"submit"`` or ``"return"`` (an
    AssignmentId), ``"test"`` or ``"request"`` (a QualificationTypeId). The worker is
    made first, with ``profile``, if they are new."""

    worker_id: str
    act: str = ""
    target: str = ""
    answers: Any = None
    profile: Mapping[str, Any] | None = None

    def run(self, service: Service, face: Face) -> Any:
        profile = face.enlist(self.worker_id, self.profile or {})
        return _ACTS.get(self.act, _nothing)(service, self, profile)

    def record(self) -> dict[str, Any]:
        kept: dict[str, Any] = {"k": "worker", "w": self.worker_id}
        if self.profile:
            kept["profile"] = dict(self.profile)
        if self.act:
            kept["a"] = self.act
        if self.act:
            kept["id"] = self.target
        if self.answers is not None:
            kept["answers"] = self.answers
        return kept

    @classmethod
    def read(cls, kept: Mapping[str, Any]) -> WorkerAction:
        return cls(
            kept["w"],
            kept.get("a") or "",
            kept.get("id", ""),
            kept.get("answers"),
            kept.get("profile"),
        )


_KINDS: dict[str, Callable[[Mapping[str, Any]], Action]] = {
    "call": ServiceCall.read,
    "advance": Advance.read,
    "worker": WorkerAction.read,
}


def read(kept: Mapping[str, Any]) -> Action:
    """The action a journal's line keeps (what :meth:`Action.record` wrote)."""
    kind = kept["k"]
    reader = _KINDS.get(kind)
    if reader is None:
        raise ValueError(f"unknown action {kind!r}")
    return reader(kept)


# The latest time a journal's line may hold, and the longest move of the clock (ms):
# the end of year 9999, the last a datetime can hold.
MAX_MS = 253_402_300_799_999
# How deep a line's values may nest: as deep as a saved state may (the service refuses
# requests nested deeper than json_text.MAX_DEPTH before they run).
MAX_DEPTH = DOCUMENT_DEPTH
_ENVIRONMENTS = frozenset(env.value for env in Environment)
# Each kind's members: those it must have, and those it may have.
_MEMBERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "call": (frozenset({"k", "t", "n", "e", "o", "p"}), frozenset({"u", "c", "r"})),
    "advance": (frozenset({"k", "t", "n", "ms"}), frozenset({"r"})),
    "worker": (frozenset({"k", "t", "n", "w"}), frozenset({"a", "id", "answers", "profile", "r"})),
}


def _whole(kept: Mapping[str, Any], name: str, low: int, high: int) -> str | None:
    value = kept[name]
    if type(value) is not int:
        return f"{name!r} must be a whole number, not {value!r}"[:120]
    if not low <= value <= high:
        return f"{name!r} is out of range ({value})"[:120]
    return None


def _typed(
    kept: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str
) -> str | None:
    if name in kept and not isinstance(kept[name], kind):
        return f"{name!r} must be {what}, not {kept[name]!r}"[:120]
    return None


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            todo.extend((inner, depth + 1) for inner in item)
    return deepest


def problem(kept: Any) -> str | None:  # noqa: C901 - one check per member
    """What makes ``kept`` (a journal's line, read as JSON) not an action :func:`read`
    can run, or ``None``."""
    if not isinstance(kept, dict):
        return "not an object"
    kind = kept.get("k")
    if kind not in _MEMBERS:
        return f"unknown kind {kind!r}"[:120] if "k" in kept else "its kind 'k' is missing"
    required, optional = _MEMBERS[kind]
    missing = sorted(required - kept.keys())
    if missing:
        return f"a {kind} without {', '.join(map(repr, missing))}"
    unknown = sorted(kept.keys() - required - optional)
    if unknown:
        return f"a {kind} with unknown member(s) {', '.join(map(repr, unknown))}"[:120]
    found = (
        _whole(kept, "t", 0, MAX_MS)
        or _whole(kept, "n", 1, 2**62)
        or _typed(kept, "r", str, "text")
        or (_depth(kept) > MAX_DEPTH and f"nested deeper than {MAX_DEPTH}")
        or None
    )
    if found:
        return found
    if kind == "call":
        if kept["e"] not in _ENVIRONMENTS:
            return f"unknown environment {kept['e']!r}"[:120]
        return (
            _typed(kept, "o", str, "text")
            or _typed(kept, "p", dict, "an object")
            or _typed(kept, "c", (str, type(None)), "text")
            or (("u" in kept and kept["u"] is not True) and "'u' must be true")
            or None
        )
    if kind == "advance":
        return _whole(kept, "ms", 0, MAX_MS)
    if "a" in kept and kept["a"] not in _ACTS:
        return f"unknown worker action {kept['a']!r}"[:120]
    return (
        _typed(kept, "w", str, "text")
        or _typed(kept, "id", str, "text")
        or _typed(kept, "profile", dict, "an object")
        or None
    )
