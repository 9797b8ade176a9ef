"""Loading: a new service built aside from a saved document, handed over only once whole.

Listeners and hooks are not read from the file: the operations install them as
the service is built, like any other's. Scheduled transitions are looked up by
name among the actions registered with :func:`pytest_mturk.core.clock.schedulable`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import operations as ops
from ...core import clock, errors
from ...core.clock import Clock, Scheduler
from ...core.model import Environment, State
from ...core.roster import Profile
from ...core.service import Call, Event, Service, Settings
from ...rules.notifications import notify
from ...rules.notifications.notify import SentNotification
from .fast_reader import FastReader
from .format import FORMAT, MEMBERS, SCHEMA, VERSION, random_from
from .reader import Reader, read_scalar
from .schema import FormatProblem, no_collection, real_datetime
from .untyped import read_any


@dataclass
class Loaded:
    """A service built from a file, with its simulated workers' profiles."""

    service: Service
    workers: dict[str, Profile]


def load(path: str | os.PathLike[str]) -> Loaded:
    """The service saved in ``path``; :class:`~pytest_mturk.StateFileError` if it cannot be."""
    with no_collection():
        return _load(path)


def _load(path: str | os.PathLike[str]) -> Loaded:
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.StateFileError(name, f"it cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise errors.StateFileError(
            name, f"it is not JSON (not UTF-8 text: {exc.reason})"
        ) from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise errors.StateFileError(name, f"it is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise errors.StateFileError(
            name, f'it is not a pytest-mturk state file (no "format": "{FORMAT}" member)'
        )
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        raise errors.StateFileError(
            name,
            f"it is in format version {version!r}, and this pytest-mturk reads version "
            f"{VERSION} only: save the state again with the pytest-mturk that reads it",
        )
    try:
        try:
            return _build(doc, FastReader)
        except FormatProblem:
            # The quick reader found a problem: the careful one says where it is.
            return _build(doc, Reader)
    except FormatProblem as exc:
        raise errors.StateFileError(name, f"it is damaged: {exc}") from None


def _aware(data: Any, where: str) -> _dt.datetime:
    when: _dt.datetime = read_scalar(data, real_datetime(), where)
    if when.tzinfo is None:
        raise FormatProblem(where, "a time without its UTC offset")
    return when


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _member(doc: Mapping[str, Any], name: str, kind: type, where: str = "") -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        path = f"{where}.{name}" if where else name
        raise FormatProblem(path, "missing" if value is None else f"expected a {kind.__name__}")
    return value


def _build(doc: dict[str, Any], reader_class: type[Reader]) -> Loaded:
    unknown = set(doc) - set(MEMBERS)
    if unknown:
        raise FormatProblem("", f"unknown member(s) {', '.join(sorted(unknown))}")
    missing = [name for name in MEMBERS if name not in doc]
    if missing:
        raise FormatProblem("", f"missing member(s) {', '.join(missing)}")
    shared = reader_class(
        SCHEMA, {cls.__name__: [] if key is None else {} for cls, key in SCHEMA.pooled.items()}, ""
    )
    settings = shared.value(doc["settings"], Settings, "settings")
    service = Service(settings, ops.OPERATIONS)
    ops.install(service)
    saved_clock = _member(doc, "clock", dict)
    service.clock = Clock(
        _aware(saved_clock.get("now"), "clock.now"),
        read_scalar(saved_clock.get("offset"), _dt.timedelta, "clock.offset"),
    )
    ids = _member(doc, "ids", dict)
    service.ids.setstate(
        (
            random_from(ids.get("entities"), "ids.entities"),
            random_from(ids.get("requests"), "ids.requests"),
        )
    )
    environments = _member(doc, "environments", dict)
    if set(environments) != {env.value for env in Environment}:
        raise FormatProblem("environments", 'expected "sandbox" and "production"')
    readers: dict[Environment, Reader] = {}
    states: dict[Environment, State] = {}
    for env in Environment:
        where = f"environments.{env.value}"
        saved = _member(environments, env.value, dict, "environments")
        reader = readers[env] = reader_class(SCHEMA, saved.get("records"), f"{where}.records")
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
        random_from(saved["test_event_ids"], "notifier.test_event_ids"),
        reader.value(saved["sent"], list[SentNotification], "notifier.sent"),
        inboxes,
    )


def _schedule(
    service: Service, readers: dict[Environment, Reader], saved: dict[str, Any]
) -> Scheduler:
    seq = _member(saved, "seq", int, "schedule")
    entries: list[tuple[Any, ...]] = []
    seen: set[int] = set()
    members = {"due", "seq", "action", "args"}
    for i, entry in enumerate(_member(saved, "entries", list, "schedule")):
        if not isinstance(entry, dict) or entry.keys() != members:
            raise FormatProblem(f"schedule.entries[{i}]", "expected due, seq, action and args")
        due = entry["due"]
        if due.__class__ is not str or due[-6:] != "+00:00" or len(due) < 25:
            due = _aware(due, f"schedule.entries[{i}].due")  # the careful way, saying why
        else:
            due = _utc_time(due, i)
        number = entry["seq"]
        if type(number) is not int:
            read_scalar(number, int, f"schedule.entries[{i}].seq")  # raises, saying why
        if number in seen or not 0 < number <= seq:
            raise FormatProblem(
                f"schedule.entries[{i}].seq", f"{number} is repeated or beyond schedule.seq"
            )
        seen.add(number)
        action = clock.ACTIONS.get(entry["action"]) if isinstance(entry["action"], str) else None
        if action is None:
            known = ", ".join(sorted(clock.ACTIONS))
            raise FormatProblem(
                f"schedule.entries[{i}].action",
                f"{entry['action']!r} is not a schedulable action ({known})",
            )
        saved_args = entry["args"]
        if not isinstance(saved_args, list):
            raise FormatProblem(f"schedule.entries[{i}].args", "expected a list")
        args = [
            _argument(service, readers, arg, i)
            for arg in (saved_args if _plain(saved_args) else read_any(saved_args, ""))
        ]
        entries.append((due, number, action, *args))
    return Scheduler.restored(entries, seq)


def _utc_time(text: str, i: int) -> _dt.datetime:
    """A due time as saved (ISO 8601 in UTC), read the quick way."""
    try:
        return real_datetime().fromisoformat(text)
    except ValueError:
        return _aware(text, f"schedule.entries[{i}].due")  # raises, saying why


def _plain(args: list[Any]) -> bool:
    """Whether scheduled arguments hold nothing tagged (as they always do when saved)."""
    return all(
        arg.__class__ is str
        or (arg.__class__ is dict and not any(key.startswith("$") for key in arg))
        for arg in args
    )


def _argument(service: Service, readers: dict[Environment, Reader], arg: Any, i: int) -> Any:
    if arg == "service":
        return service
    if isinstance(arg, dict) and isinstance(arg.get("environment"), str):
        env = _ENVIRONMENTS.get(arg["environment"])
        if env is None:
            raise FormatProblem(
                f"schedule.entries[{i}].args", f"unknown environment {arg['environment']!r}"
            )
        if len(arg) == 1:
            return service.states[env]
        if len(arg) == 2:
            ((name, key),) = ((n, k) for n, k in arg.items() if n != "environment")
            cls = _POOLED_BY_NAME.get(name)
            if cls is not None:
                return readers[env].resolve(cls, key, f"schedule.entries[{i}].args")
    raise FormatProblem(
        f"schedule.entries[{i}].args", f"{arg!r} is not an argument a scheduled action takes"
    )


_POOLED_BY_NAME = {cls.__name__: cls for cls in SCHEMA.pooled}
_ENVIRONMENTS = {env.value: env for env in Environment}
