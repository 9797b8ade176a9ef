"""What a simulator did, in a few lines: for pytest's report of a failing test and for ``repr``.

A failing test that used a simulator shows its last calls (operation, the
parameters that identify what was asked, the outcome) and its last lifecycle
events, the way pytest shows captured logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.service import Call, Event, Service

# Parameters worth a place on a call's line: what names the objects it acts on, and
# the few values a reader looks for first.
_SHOWN = (
    "HITId",
    "HITTypeId",
    "AssignmentId",
    "QualificationTypeId",
    "QualificationRequestId",
    "WorkerId",
    "Title",
    "Reward",
    "MaxAssignments",
    "BonusAmount",
    "ExpireAt",
    "IntegerValue",
    "Status",
)
# Where a response names what the call created or found.
_CREATED = (
    ("HIT", "HITId"),
    ("HIT", "HITTypeId"),
    ("QualificationType", "QualificationTypeId"),
    ("QualificationRequest", "QualificationRequestId"),
    (None, "HITTypeId"),
    (None, "NumResults"),
)
_WIDTH = 60


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _WIDTH else text[: _WIDTH - 3] + "..."


def _clock(call_or_event: Call | Event) -> str:
    return call_or_event.time.strftime("%H:%M:%S")


def describe_call(call: Call) -> str:
    """One line: time, world, ``Operation(key=value, ...)``, and what came back."""
    shown = ", ".join(
        f"{name}={_short(call.params[name])}" for name in _SHOWN if name in call.params
    )
    line = f"{_clock(call)} {call.environment.value:<10} {call.operation}({shown})"
    error = call.error
    if error is not None:
        code = f" {error.code}" if error.code else ""
        message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
        return f"{line} -> {error.type}{code}: {message}"
    return f"{line} -> ok{_created(call.response or {})}"


def _created(response: Mapping[str, Any]) -> str:
    found = []
    for container, key in _CREATED:
        source = response.get(container) if container is not None else response
        if isinstance(source, Mapping) and key in source:
            found.append(f"{key}={source[key]}")
    return (" " + " ".join(dict.fromkeys(found))) if found else ""


def describe_event(event: Event) -> str:
    """One line: time, world, the event type and the objects it concerns."""
    parts = [f"{_clock(event)} {event.environment.value:<10} {event.event_type}"]
    for label, value in (
        ("HIT", event.hit_id),
        ("assignment", event.assignment_id),
        ("worker", event.worker_id),
    ):
        if value is not None:
            parts.append(f"{label} {value}")
    return " ".join(parts)


def _tail(lines: Iterable[str], total: int, limit: int, noun: str) -> list[str]:
    kept = list(lines)
    if total > limit:
        kept.insert(0, f"... {total - limit} earlier {noun} not shown")
    return kept


def summary(service: Service, *, limit: int = 25) -> str:
    """The last ``limit`` calls and events of a simulator, for a test failure's report."""
    with service.lock:
        calls = service.calls[-limit:]
        events = service.events[-limit:]
        total_calls, total_events = len(service.calls), len(service.events)
    lines = [f"calls ({total_calls}):"]
    lines += ["  " + line for line in _tail(map(describe_call, calls), total_calls, limit, "calls")]
    lines.append(f"events ({total_events}):")
    lines += [
        "  " + line for line in _tail(map(describe_event, events), total_events, limit, "events")
    ]
    return "\n".join(lines)


# -- why a test cannot see an ID ---------------------------------------------------------

# The parameters that name an object, what the object is called, and its table in a State.
_NAMED = (
    ("HITId", "HIT", "hits"),
    ("HITTypeId", "HITType", "hit_types"),
    ("AssignmentId", "Assignment", "assignments"),
    ("QualificationTypeId", "QualificationType", "qualification_types"),
    ("QualificationRequestId", "QualificationRequest", "qualification_requests"),
)
_ADVICE = (
    "make it in a fixture the test names in its arguments (broader-scoped fixtures run "
    "before the test's simulator is made), or in a function-scoped fixture."
)
# Why the test's simulator lacks what the run-wide one has, by how the former started.
_WHY = {
    "copy": "it was made there after this test's simulator was copied from it (by a "
    "broader-scoped fixture first requested while the test ran, or by code run outside "
    "any test): " + _ADVICE,
    "empty": "the run-wide simulator held nothing yet when this test's simulator started "
    "(fresh), and it was made there afterwards: " + _ADVICE,
    "loaded": "this test's simulator started from the file its mturk marker loads, not as "
    "a copy of the run-wide one: save the object into that file, or make it in a "
    "function-scoped fixture.",
    "settings": "this test's simulator started fresh, not as a copy of the run-wide one, "
    "because its seed, start or balance (its mturk marker) differ from the run-wide "
    "simulator's: give the test the same seed, start and balance, or make the object in a "
    "function-scoped fixture.",
}


def _named(params: Mapping[str, Any]) -> Iterable[tuple[str, str, str]]:
    """``(ID, noun, table)`` for every object a call's parameters name."""
    for param, noun, table in _NAMED:
        value = params.get(param)
        if isinstance(value, str):
            yield value, noun, table
    for requirement in params.get("QualificationRequirements") or ():
        if isinstance(requirement, Mapping):
            value = requirement.get("QualificationTypeId")
            if isinstance(value, str):
                yield value, "QualificationType", "qualification_types"


def _knows(service: Service, table: str, object_id: str) -> bool:
    with service.lock:
        return any(object_id in getattr(state, table) for state in service.states.values())


# How a simulated worker's refusal names what it could not find (worker.py, grants.py).
_WORKER_MISS = re.compile(r"There is no (HIT|assignment|QualificationType) '([^']+)' in the")
_TABLES = {"HIT": "hits", "assignment": "assignments", "QualificationType": "qualification_types"}


def missing_hints(
    service: Service, run_wide: Service | None, origin: str, failure: str = ""
) -> str:
    """For each "does not exist" answer a test's simulator gave about an ID the run-wide
    simulator does know (and a simulated worker's "There is no ..." in ``failure``, the
    test's exception): a line saying where the ID lives, why the test cannot see it, and
    what to do. Empty when there is none."""
    if run_wide is None or run_wide is service:
        return ""
    with service.lock:
        missed = [
            (object_id, noun, table, f"{call.operation} -> {call.error.code}")
            for call in service.calls
            if call.error is not None and (call.error.code or "").endswith("DoesNotExist")
            for object_id, noun, table in _named(call.params)
        ]
    missed += [
        (object_id, noun, _TABLES[noun], "a simulated worker")
        for noun, object_id in _WORKER_MISS.findall(failure)
    ]
    lines: list[str] = []
    seen: set[str] = set()
    for object_id, noun, table, where in missed:
        if object_id in seen or _knows(service, table, object_id):
            continue
        if not _knows(run_wide, table, object_id):
            continue
        seen.add(object_id)
        lines.append(
            f"{noun} {object_id} ({where}) exists in the run-wide simulator but not in "
            f"this test's: {_WHY.get(origin, _WHY['empty'])}"
        )
    return "\n".join(lines)
