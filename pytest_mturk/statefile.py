"""A simulator's whole state as a versioned JSON document (``docs/saving.md``), and back.

:func:`save` writes everything a service knows; :func:`load` builds a new
service from a file, aside, and hands it over only once all of it was read, so
a bad file leaves nothing half-loaded. Loading never runs code: records are
built through their constructors from checked values (:mod:`.codec`), and
scheduled transitions are looked up by name among the actions registered with
:func:`pytest_mturk.clock.schedulable`. Listeners and hooks are not saved: the
operations install them when the loaded service is built, as for any other.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import clock, codec, errors, notify, ops
from .clock import Clock, Scheduler
from .codec import FormatProblem, Reader, SaveProblem, Schema, Writer
from .model import HIT, Assignment, Environment, HITType, QualificationType, State
from .notify import SentNotification
from .review import HITReview
from .service import Call, Event, Service, Settings
from .worker import Profile

FORMAT = "pytest-mturk simulator state"
# The rule: a reader reads its own version only. Any change to what is written (a
# field added, removed, renamed or read differently) makes a new version.
VERSION = 1

_ERROR_MEMBERS = {"message": str, "code": (str, type(None)), "type": str, "status": int, "stamp": bool}


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


SCHEMA = Schema(
    pooled={
        HITType: "hit_type_id",
        QualificationType: "qualification_type_id",
        HIT: "hit_id",
        Assignment: None,
    },
    skipped=frozenset({(HIT, "cache"), (Assignment, "cache"), (HITType, "templates")}),
    field_types={(State, "reviews"): dict[str, HITReview]},
    adapters={errors.ServiceError: (_write_error, _read_error)},
)
# Why the skipped fields are not state.
SKIPPED_BECAUSE = "cached wire forms, rebuilt when first needed"

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


def _check_complete(service: Service) -> None:
    unknown = set(vars(service)) - set(SAVED) - set(NOT_SAVED)
    if unknown:
        raise SaveProblem(f"Service attribute(s) {', '.join(sorted(unknown))} neither saved nor listed")


# -- random generators: their state as text ------------------------------------------


def _random_state(state: Any) -> dict[str, Any]:
    version, internal, gauss_next = state
    return {"version": version, "state": "".join(f"{word:08x}" for word in internal), "gauss_next": gauss_next}


def _random_from(data: Any, where: str) -> Any:
    ok = isinstance(data, dict) and set(data) == {"version", "state", "gauss_next"}
    if ok:
        text, gauss = data["state"], data["gauss_next"]
        ok = isinstance(text, str) and len(text) == 625 * 8 and (gauss is None or isinstance(gauss, float))
    if not ok:
        raise FormatProblem(where, "expected a random generator's state (version, state, gauss_next)")
    try:
        internal = tuple(int(text[i : i + 8], 16) for i in range(0, len(text), 8))
        state = (data["version"], internal, gauss)
        random.Random().setstate(state)  # checked on a throwaway generator
    except (ValueError, TypeError):
        raise FormatProblem(where, "not a state a random generator can take") from None
    return state


# -- saving ------------------------------------------------------------------------


def document(service: Service, workers: Mapping[str, Profile]) -> dict[str, Any]:
    """Everything ``service`` (and its workers' profiles) holds, as a JSON-ready dict."""
    from . import __version__

    with service.lock:
        service.now()
        if service.internal_errors:
            raise errors.InternalError(
                "This simulator caught an exception in its own machinery, so its state may be "
                "inconsistent and is not saved (a bug in pytest-mturk: please report it)."
            ) from service.internal_errors[0]
        _check_complete(service)
        inline: set[int] = set()
        writers = {env: Writer(SCHEMA, inline) for env in service.states}
        shared = Writer(SCHEMA, inline)
        states = {
            env.value: writers[env].record(state, f"environments.{env.value}.state")
            for env, state in service.states.items()
        }
        schedule = [_entry(service, writers, entry) for entry in service.scheduler.entries()]
        sender = service.notifier
        saved_notifier = None
        if sender is not None:
            part = notify.parts(sender)
            saved_notifier = {
                "listening": part["listening"],
                "test_event_ids": _random_state(part["test_event_ids"]),
                "sent": shared.value(part["sent"], list[SentNotification], "notifier.sent"),
                "inboxes": {
                    destination: {
                        "pending": codec.write_any(pending, "notifier.inboxes"),
                        "received": codec.write_any(received, "notifier.inboxes"),
                    }
                    for destination, (pending, received) in part["inboxes"].items()
                },
            }
        ids = service.ids.getstate()
        return {
            "format": FORMAT,
            "version": VERSION,
            "saved_by": f"pytest-mturk {__version__}",
            "settings": shared.record(service.settings, "settings"),
            "clock": {
                "now": service.clock.frozen.isoformat(),
                "offset": codec.write_scalar(service.clock.offset, type(service.clock.offset), "clock"),
            },
            "schedule": {"seq": service.scheduler.seq, "entries": schedule},
            "ids": {"entities": _random_state(ids[0]), "requests": _random_state(ids[1])},
            "environments": {
                env.value: {"state": states[env.value], "records": writers[env].pools()}
                for env in service.states
            },
            "faults": {operation: list(kinds) for operation, kinds in service.faults.items()},
            "calls": shared.value(service.calls, list[Call], "calls"),
            "events": shared.value(service.events, list[Event], "events"),
            "layouts": dict(service.layouts),
            "notifier": saved_notifier,
            "advanced": service.advanced,
            "workers": shared.value(dict(workers), dict[str, Profile], "workers"),
        }


def _entry(service: Service, writers: dict[Environment, Writer], entry: tuple[Any, ...]) -> dict[str, Any]:
    due, seq, action, *args = entry
    name = clock.ACTION_NAMES.get(action)
    if name is None:
        raise SaveProblem(f"scheduled action {action!r} is not registered with clock.schedulable")
    written: list[Any] = []
    environment: Environment | None = None
    for arg in args:
        if arg is service:
            written.append("service")
        elif isinstance(arg, State):
            environment = arg.environment
            written.append({"environment": environment.value})
        elif type(arg) in SCHEMA.pooled and environment is not None:
            key = writers[environment].ref(arg)
            written.append({type(arg).__name__: key, "environment": environment.value})
        else:
            raise SaveProblem(f"scheduled action {name} has an argument it cannot save: {arg!r}")
    return {"due": due.isoformat(), "seq": seq, "action": name, "args": written}


def save(service: Service, workers: Mapping[str, Profile], path: str | os.PathLike[str]) -> None:
    """Write ``service``'s whole state to ``path`` (replacing it whole, or not at all)."""
    try:
        doc = document(service, workers)
    except SaveProblem as exc:
        raise errors.InternalError(
            f"The simulator's state cannot be saved ({exc}): a bug in pytest-mturk, please report it."
        ) from exc
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    os.replace(partial, target)


# -- loading -----------------------------------------------------------------------


@dataclass
class Loaded:
    """A service built from a file, with its simulated workers' profiles."""

    service: Service
    workers: dict[str, Profile]


def load(path: str | os.PathLike[str]) -> Loaded:
    """The service saved in ``path``; :class:`~pytest_mturk.StateFileError` if it cannot be."""
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.StateFileError(name, f"it cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise errors.StateFileError(name, f"it is not JSON (not UTF-8 text: {exc.reason})") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise errors.StateFileError(name, f"it is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise errors.StateFileError(
            name, f'it is not a pytest-mturk state file (no "format": "{FORMAT}" member)'
        )
    version = doc.get("version")
    if version != VERSION:
        raise errors.StateFileError(
            name,
            f"it is in format version {version!r}, and this pytest-mturk reads version "
            f"{VERSION} only: save the state again with the pytest-mturk that reads it",
        )
    try:
        return _build(doc)
    except FormatProblem as exc:
        raise errors.StateFileError(name, f"it is damaged: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _member(doc: Mapping[str, Any], name: str, kind: type, where: str = "") -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        path = f"{where}.{name}" if where else name
        raise FormatProblem(path, "missing" if value is None else f"expected a {kind.__name__}")
    return value


def _build(doc: dict[str, Any]) -> Loaded:
    unknown = set(doc) - set(MEMBERS)
    if unknown:
        raise FormatProblem("", f"unknown member(s) {', '.join(sorted(unknown))}")
    missing = [name for name in MEMBERS if name not in doc]
    if missing:
        raise FormatProblem("", f"missing member(s) {', '.join(missing)}")
    shared = Reader(SCHEMA, {cls.__name__: [] if key is None else {} for cls, key in SCHEMA.pooled.items()}, "")
    settings = shared.value(doc["settings"], Settings, "settings")
    service = Service(settings, ops.OPERATIONS)
    ops.install(service)
    saved_clock = _member(doc, "clock", dict)
    service.clock = Clock(
        codec.read_scalar(saved_clock.get("now"), codec._dt.datetime, "clock.now"),
        codec.read_scalar(saved_clock.get("offset"), codec._dt.timedelta, "clock.offset"),
    )
    ids = _member(doc, "ids", dict)
    service.ids.setstate((_random_from(ids.get("entities"), "ids.entities"), _random_from(ids.get("requests"), "ids.requests")))
    environments = _member(doc, "environments", dict)
    if set(environments) != {env.value for env in Environment}:
        raise FormatProblem("environments", 'expected "sandbox" and "production"')
    readers: dict[Environment, Reader] = {}
    states: dict[Environment, State] = {}
    for env in Environment:
        where = f"environments.{env.value}"
        saved = _member(environments, env.value, dict, "environments")
        reader = readers[env] = Reader(SCHEMA, saved.get("records"), f"{where}.records")
        state = reader.value(saved.get("state"), State, f"{where}.state")
        if state.environment is not env:
            raise FormatProblem(f"{where}.state.environment", f"is {state.environment.value}")
        reader.build_all()
        states[env] = state
    service.states = states
    schedule = _member(doc, "schedule", dict)
    service.scheduler = _schedule(service, readers, schedule)
    service.faults = shared.value(doc["faults"], dict[str, list[str]], "faults")
    service.calls = shared.value(doc["calls"], list[Call], "calls")
    service.events = shared.value(doc["events"], list[Event], "events")
    service.layouts = shared.value(doc["layouts"], dict[str, str], "layouts")
    service.advanced = shared.value(doc["advanced"], bool, "advanced")
    if doc["notifier"] is not None:
        _notifier(service, shared, _member(doc, "notifier", dict))
    workers = shared.value(doc["workers"], dict[str, Profile], "workers")
    return Loaded(service, workers)


def _notifier(service: Service, reader: Reader, saved: dict[str, Any]) -> None:
    if set(saved) != {"listening", "test_event_ids", "sent", "inboxes"}:
        raise FormatProblem("notifier", "expected listening, test_event_ids, sent and inboxes")
    inboxes: dict[str, tuple[list[Any], list[Any]]] = {}
    for destination, inbox in _member(saved, "inboxes", dict, "notifier").items():
        where = f"notifier.inboxes.{destination}"
        if not isinstance(inbox, dict) or set(inbox) != {"pending", "received"}:
            raise FormatProblem(where, "expected pending and received")
        pending = reader.value(inbox["pending"], list[dict[str, Any]], where)
        received = reader.value(inbox["received"], list[dict[str, Any]], where)
        inboxes[destination] = (pending, received)
    notify.restored(
        service,
        reader.value(saved["listening"], bool, "notifier.listening"),
        _random_from(saved["test_event_ids"], "notifier.test_event_ids"),
        reader.value(saved["sent"], list[SentNotification], "notifier.sent"),
        inboxes,
    )


def _schedule(service: Service, readers: dict[Environment, Reader], saved: dict[str, Any]) -> Scheduler:
    seq = _member(saved, "seq", int, "schedule")
    entries: list[tuple[Any, ...]] = []
    seen: set[int] = set()
    for i, entry in enumerate(_member(saved, "entries", list, "schedule")):
        where = f"schedule.entries[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"due", "seq", "action", "args"}:
            raise FormatProblem(where, "expected due, seq, action and args")
        due = codec.read_scalar(entry["due"], codec._dt.datetime, f"{where}.due")
        number = codec.read_scalar(entry["seq"], int, f"{where}.seq")
        if number in seen or not 0 < number <= seq:
            raise FormatProblem(f"{where}.seq", f"{number} is repeated or beyond schedule.seq")
        seen.add(number)
        action = clock.ACTIONS.get(entry["action"]) if isinstance(entry["action"], str) else None
        if action is None:
            known = ", ".join(sorted(clock.ACTIONS))
            raise FormatProblem(f"{where}.action", f"{entry['action']!r} is not a schedulable action ({known})")
        args = [_argument(service, readers, arg, f"{where}.args") for arg in codec.read_any(entry["args"], where)]
        entries.append((due, number, action, *args))
    return Scheduler.restored(entries, seq)


def _argument(service: Service, readers: dict[Environment, Reader], arg: Any, where: str) -> Any:
    if arg == "service":
        return service
    if isinstance(arg, dict) and isinstance(arg.get("environment"), str):
        try:
            env = Environment(arg["environment"])
        except ValueError:
            raise FormatProblem(where, f"unknown environment {arg['environment']!r}") from None
        rest = {key: value for key, value in arg.items() if key != "environment"}
        if not rest:
            return service.states[env]
        if len(rest) == 1:
            (name, key), = rest.items()
            for cls in SCHEMA.pooled:
                if cls.__name__ == name:
                    return readers[env].resolve(cls, key, where)
    raise FormatProblem(where, f"{arg!r} is not an argument a scheduled action takes")


def layout() -> list[str]:
    """Each record class the format writes, with its fields and their types."""
    return [
        f"{cls.__name__}: "
        + ", ".join(f"{name} {codec.type_name(tp)}" for name, tp, _ in codec._fields(cls, SCHEMA))
        for cls in record_classes()
    ]


def record_classes() -> list[type]:
    """Every record class a saved document holds (for the format's fingerprint)."""
    import dataclasses
    import typing

    found: list[type] = []
    todo: list[Any] = [Settings, State, Call, Event, SentNotification, Profile, *SCHEMA.pooled]
    while todo:
        tp = todo.pop()
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            if tp in found:
                continue
            found.append(tp)
            todo.extend(field_type for _, field_type, _ in codec._fields(tp, SCHEMA))
        else:
            todo.extend(typing.get_args(tp))
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
