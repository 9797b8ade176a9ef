"""Saving: a service's whole state as the format's JSON document, written whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from ...core import clock, errors
from ...core.model import Environment, State
from ...core.roster import Profile
from ...core.service import Call, Event, Service
from ...rules.notifications import notify
from ...rules.notifications.notify import SentNotification
from .format import FORMAT, SCHEMA, VERSION, check_complete, random_state
from .schema import SaveProblem, no_collection
from .untyped import write_any
from .writer import Writer, write_scalar


def document(service: Service, workers: Mapping[str, Profile]) -> dict[str, Any]:
    """Everything ``service`` (and its workers' profiles) holds, as a JSON-ready dict."""
    from ..._version import __version__

    with service.lock, no_collection():
        service.now()
        if service.internal_errors:
            raise errors.InternalError(
                "This simulator caught an exception in its own machinery, so its state may be "
                "inconsistent and is not saved (a bug in pytest-mturk: please report it)."
            ) from service.internal_errors[0]
        check_complete(service)
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
                "test_event_ids": random_state(part["test_event_ids"]),
                "sent": shared.value(part["sent"], list[SentNotification], "notifier.sent"),
                "inboxes": {
                    destination: {
                        "pending": write_any(pending, "notifier.inboxes"),
                        "received": write_any(received, "notifier.inboxes"),
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
                "offset": write_scalar(service.clock.offset, type(service.clock.offset), "clock"),
            },
            "schedule": {"seq": service.scheduler.seq, "entries": schedule},
            "ids": {"entities": random_state(ids[0]), "requests": random_state(ids[1])},
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


def _entry(
    service: Service, writers: dict[Environment, Writer], entry: tuple[Any, ...]
) -> dict[str, Any]:
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
            f"The simulator's state cannot be saved ({exc}): a bug in pytest-mturk, "
            "please report it."
        ) from exc
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(encode(doc))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


# Which containers of a document are written a member per line (the rest compactly): the
# document's members, and each record of the pools, the schedule, the logs and the
# workers, so that a record is one line, for people and for diffs.
_EACH: dict[str, Any] = {}
_SHAPE: dict[str, Any] = {
    "environments": {"*": {"records": {"*": _EACH}}},
    "schedule": {"entries": _EACH},
    "calls": _EACH,
    "events": _EACH,
    "workers": _EACH,
}
_encoder = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
# CPython's C encoder, made once rather than for each value as json.dumps makes it.
_c_encode = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _encoder.default, encode_basestring_ascii, None, ":", ",", False, False, False
    )
)


def _dumps(value: Any) -> str:
    if _c_encode is None:
        return _encoder.encode(value)
    if value.__class__ is str:
        return encode_basestring_ascii(value)
    return "".join(_c_encode(value, 0))


def encode(doc: Mapping[str, Any]) -> bytes:
    """A document as the file holds it: ASCII JSON (so any string can be written, a lone
    surrogate included), a record per line, each written by the C encoder in one go."""
    out: list[str] = []
    _emit(doc, _SHAPE, out)
    out.append("\n")
    return "".join(out).encode("ascii")


def _emit(value: Any, shape: dict[str, Any] | None, out: list[str]) -> None:
    if shape is None or not value or not isinstance(value, (dict, list)):
        out.append(_dumps(value))
        return
    if isinstance(value, dict):
        out.append("{")
        separator = "\n"
        for key, item in value.items():
            out.append(separator)
            out.append(_dumps(key))
            out.append(":")
            _emit(item, shape.get(key, shape.get("*")), out)
            separator = ",\n"
        out.append("\n}")
        return
    inner = shape.get("*")
    out.append("[")
    separator = "\n"
    for item in value:
        out.append(separator)
        _emit(item, inner, out)
        separator = ",\n"
    out.append("\n]")
