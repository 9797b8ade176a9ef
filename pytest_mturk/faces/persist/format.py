"""The saved-state format: its name and version, what of a service is saved and why the
rest is not, and how records are written (``docs/saving.md`` describes it for users)."""

from __future__ import annotations

import dataclasses
import random
import typing
from typing import Any

from ...core import errors
from ...core.model import HIT, Assignment, HITType, QualificationType, State
from ...core.roster import Profile
from ...core.service import Call, Event, Service, Settings
from ...rules.notifications.notify import SentNotification
from ...rules.policies import HITReview
from .schema import FormatProblem, SaveProblem, Schema, fields, type_name

FORMAT = "pytest-mturk simulator state"
# The rule: a reader reads its own version only. Any change to what is written (a
# field added, removed, renamed or read differently) makes a new version.
VERSION = 1

_ERROR_MEMBERS: dict[str, type | tuple[type, ...]] = {
    "message": str,
    "code": (str, type(None)),
    "type": str,
    "status": int,
    "stamp": bool,
}


def _write_error(error: errors.ServiceError) -> dict[str, Any]:
    return {name: getattr(error, name) for name in _ERROR_MEMBERS}


def _read_error(data: Any, where: str) -> errors.ServiceError:
    if not isinstance(data, dict) or set(data) != set(_ERROR_MEMBERS):
        raise FormatProblem(where, f"expected an error with {', '.join(_ERROR_MEMBERS)}")
    for name, kind in _ERROR_MEMBERS.items():
        if not isinstance(data[name], kind) or (kind is int and isinstance(data[name], bool)):
            raise FormatProblem(f"{where}.{name}", f"mistyped: {data[name]!r}")
    return errors.ServiceError(
        data["message"], data["code"], type=data["type"], status=data["status"], stamp=data["stamp"]
    )


# Record fields that are not state, and why.
SKIPPED = {
    (HIT, "cache"): "the HIT's wire form, a cache rebuilt when first needed",
    (Assignment, "cache"): "the assignment's wire form, a cache rebuilt when first needed",
    (HITType, "templates"): "the type's part of its HITs' wire forms, a cache",
    (Settings, "keep_calls"): "how much of its logs a run keeps: the run's, not the state's",
}

SCHEMA = Schema(
    pooled={
        HITType: "hit_type_id",
        QualificationType: "qualification_type_id",
        HIT: "hit_id",
        Assignment: None,
    },
    skipped=frozenset(SKIPPED),
    field_types={(State, "reviews"): dict[str, HITReview]},
    adapters={errors.ServiceError: (_write_error, _read_error)},
    naive_times=frozenset({(Settings, "start")}),
)

# Every attribute of a Service: saved (as the document member named), or why not.
SAVED = {
    "settings": "settings",
    "clock": "clock",
    "scheduler": "schedule",
    "ids": "ids",
    "states": "environments",
    "faults": "faults",
    "calls": "calls",
    "events": "events",
    "layouts": "layouts",
    "notifier": "notifier",
    "advanced": "advanced",
}
NOT_SAVED = {
    "lock": "a lock is not state: a loaded service has its own",
    "operations": "the handler table is code, the same for every service",
    "listeners": "installed by the operations when a service is built; the notifier's "
    "again by notify.watch() when the saved notifier listened",
    "submit_hooks": "installed by the operations when a service is built",
    "reviewable_hooks": "installed by the operations when a service is built",
    "accept_checks": "installed by the operations when a service is built",
    "internal_errors": "never saved: a service that caught one is refused by save()",
}
MEMBERS = ("format", "version", "saved_by", *SAVED.values(), "workers")


def check_complete(service: Service) -> None:
    unknown = set(vars(service)) - set(SAVED) - set(NOT_SAVED)
    if unknown:
        raise SaveProblem(
            f"Service attribute(s) {', '.join(sorted(unknown))} neither saved nor listed"
        )


# -- random generators: their state as text ------------------------------------------


def random_state(state: Any) -> dict[str, Any]:
    version, internal, gauss_next = state
    return {
        "version": version,
        "state": "".join(f"{word:08x}" for word in internal),
        "gauss_next": gauss_next,
    }


def random_from(data: Any, where: str) -> Any:
    ok = isinstance(data, dict) and set(data) == {"version", "state", "gauss_next"}
    if ok:
        text, gauss = data["state"], data["gauss_next"]
        ok = (
            isinstance(text, str)
            and len(text) == 625 * 8
            and (gauss is None or isinstance(gauss, float))
        )
    if not ok:
        raise FormatProblem(
            where, "expected a random generator's state (version, state, gauss_next)"
        )
    try:
        internal = tuple(int(text[i : i + 8], 16) for i in range(0, len(text), 8))
        state = (data["version"], internal, gauss)
        random.Random().setstate(state)  # checked on a throwaway generator
    except (ValueError, TypeError):
        raise FormatProblem(where, "not a state a random generator can take") from None
    return state


def layout() -> list[str]:
    """Each record class the format writes, with its fields and their types."""
    return [
        f"{cls.__name__}: "
        + ", ".join(f"{name} {type_name(tp)}" for name, tp, _ in fields(cls, SCHEMA))
        for cls in record_classes()
    ]


def record_classes() -> list[type]:
    """Every record class a saved document holds (for the format's fingerprint)."""
    found: list[type] = []
    todo: list[Any] = [Settings, State, Call, Event, SentNotification, Profile, *SCHEMA.pooled]
    while todo:
        tp = todo.pop()
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            if tp in found:
                continue
            found.append(tp)
            todo.extend(field_type for _, field_type, _ in fields(tp, SCHEMA))
        else:
            todo.extend(typing.get_args(tp))
    # By name, not module: moving a record to another module does not change the format.
    return sorted(found, key=lambda cls: cls.__qualname__)
