"""The control API: the simulator's own controls, over HTTP, beside the service API.

Paths are below ``/_mturk/`` (``docs/server.md`` is the reference); bodies and
answers are JSON. Times are ISO 8601 UTC, amounts decimal text. A refused request is
an HTTP 4xx with ``{"error", "message"}``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .._version import __version__
from ..core.model import Environment
from ..doors.server.wsgi import CONTROL_PREFIX, PRODUCTION_PATH, ControlError
from ..operations import shapes
from ..rules.notifications import notify
from .simulator import Simulator

if TYPE_CHECKING:
    from ..core.service import Service

__all__ = ["Backend", "answer", "plain"]

T = TypeVar("T")


class Backend(Protocol):
    """What the control API needs of the server's backend (``faces.serving.Backend``,
    which hands its requests here: this module does not import it back)."""

    simulator: Simulator
    clock: str
    journal: Any
    shared: bool
    settings: dict[str, Any]
    lock: Any

    def act(self, record: dict[str, Any]) -> Any: ...

    def advance(self, delta: _dt.timedelta) -> _dt.datetime: ...

    def replace(self, simulator: Simulator) -> None: ...

    def look(self, read: Callable[[Service], T]) -> T: ...


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: times as ISO text, amounts as text, records as objects."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "cache"
        }
    return value


def _worlds(query: Mapping[str, str]) -> list[Environment]:
    wanted = query.get("environment")
    if wanted is None:
        return [Environment.SANDBOX, Environment.PRODUCTION]
    try:
        return [Environment(wanted)]
    except ValueError:
        raise ControlError(400, "environment must be 'sandbox' or 'production'.") from None


def _info(backend: Backend) -> dict[str, Any]:
    simulator = backend.simulator
    return {
        "version": __version__,
        "sandbox_path": "/",
        "production_path": PRODUCTION_PATH,
        "control_path": CONTROL_PREFIX,
        "clock": backend.clock,
        "now": simulator.now.isoformat(),
        "seed": simulator.settings.seed,
        "durable": backend.journal is not None,
    }


def _state(backend: Backend, what: str, query: Mapping[str, str]) -> Any:
    worlds = _worlds(query)
    return backend.look(lambda service: _read(service, what, worlds))


def _read(service: Service, what: str, worlds: list[Environment]) -> Any:
    states = [service.states[world] for world in worlds]
    if what == "hits":
        return [
            {**shapes.hit(hit), "Environment": state.environment.value}
            for state in states
            for hit in state.hits.values()
        ]
    if what == "assignments":
        return [
            {**shapes.assignment(a), "Environment": state.environment.value}
            for state in states
            for a in state.assignments.values()
        ]
    if what == "workers":
        return [plain(w) for state in states for w in state.workers.values()]
    if what == "calls":
        return [
            {
                "operation": c.operation,
                "environment": c.environment.value,
                "time": c.time.isoformat(),
                "params": plain(c.params),
                "ok": c.error is None,
                "error": None
                if c.error is None
                else {"type": c.error.type, "message": c.error.message, "code": c.error.code},
            }
            for c in service.calls
            if c.environment in worlds
        ]
    if what == "events":
        return [plain(e) for e in service.events if e.environment in worlds]
    if what == "messages":
        return [plain(m) for state in states for m in state.messages]
    if what == "balance":
        return {
            state.environment.value: {
                "balance": str(state.balance),
                "available_balance": str(state.available_balance),
            }
            for state in states
        }
    if what == "notifications":
        sent = notify.notifier(service).sent_in()
        return [plain(n) for n in sent if n.environment in worlds]
    raise ControlError(404, f"There is no state called {what!r}.")


STATES = (
    "hits",
    "assignments",
    "workers",
    "calls",
    "events",
    "notifications",
    "messages",
    "balance",
)
_PROFILE = ("locale", "adult", "masters", "approved", "rejected")


def _worker(backend: Backend, worker_id: str, act: str, body: Mapping[str, Any]) -> Any:
    profile = {key: body[key] for key in _PROFILE if key in body}
    record: dict[str, Any] = {"k": "worker", "w": worker_id}
    if profile:
        record["profile"] = profile
    if act == "":
        backend.act(record)
        return {"worker_id": worker_id}
    if act not in ("accept", "submit", "return"):
        raise ControlError(404, f"A worker can accept, submit or return, not {act!r}.")
    key = "hit_id" if act == "accept" else "assignment_id"
    target = body.get(key)
    if not isinstance(target, str):
        raise ControlError(400, f"{act} needs {key!r} in the body.")
    record.update(a=act, id=target)
    if act == "submit":
        record["answers"] = body.get("answers")
    result = backend.act(record)
    if act == "accept":
        return {"assignment_id": result}
    return {"assignment_id": target}


def _advance(backend: Backend, body: Mapping[str, Any]) -> Any:
    try:
        delta = _dt.timedelta(
            **{
                unit: float(body[unit])
                for unit in ("seconds", "minutes", "hours", "days")
                if unit in body
            }
        )
    except (TypeError, ValueError, OverflowError):
        raise ControlError(
            400, "advance takes seconds, minutes, hours and days as numbers."
        ) from None
    if delta < _dt.timedelta(0):
        raise ControlError(400, "The clock only moves forward.")
    try:
        backend.simulator.now + delta
    except OverflowError:
        raise ControlError(400, "That would take the clock past the year 9999.") from None
    return {"now": backend.advance(delta).isoformat()}


def _snapshot(backend: Backend) -> Any:
    simulator = backend.simulator
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.json")
        with backend.lock:
            simulator.save(path)
        with open(path, encoding="utf-8") as saved:
            return json.load(saved)


def _load(backend: Backend, body: Any) -> Any:
    if backend.shared:
        raise ControlError(409, "This server shares a test's simulator: it cannot load another.")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(body, out)
        simulator = Simulator(load=path)
    backend.replace(simulator)
    return _info(backend)


def _reset(backend: Backend, body: Mapping[str, Any]) -> Any:
    if backend.shared:
        raise ControlError(409, "This server shares a test's simulator: it cannot reset it.")
    settings = dict(backend.settings)
    if "seed" in body:
        settings["seed"] = body["seed"]
    backend.replace(Simulator(**settings))
    backend.settings = settings
    return _info(backend)


def answer(backend: Backend, method: str, path: str, body: Any, query: Mapping[str, str]) -> Any:
    """The control API's answer to ``method path`` (``path`` below ``/_mturk/``)."""
    parts = path.split("/") if path else []
    if method == "GET":
        if not parts:
            return _info(backend)
        if parts == ["clock"]:
            return {"now": backend.simulator.now.isoformat(), "mode": backend.clock}
        if parts == ["snapshot"]:
            return _snapshot(backend)
        if len(parts) == 1 and parts[0] in STATES:
            return _state(backend, parts[0], query)
        raise ControlError(404, f"Nothing to GET at {CONTROL_PREFIX}{path}.")
    if method != "POST":
        raise ControlError(405, "The control API takes GET and POST.")
    if parts == ["snapshot"]:
        if not isinstance(body, dict):
            raise ControlError(400, "POST a saved state document (what GET snapshot gives).")
        return _load(backend, body)
    if not isinstance(body, dict):
        raise ControlError(400, "The body must be a JSON object.")
    if parts == ["reset"]:
        return _reset(backend, body)
    if parts == ["clock", "advance"]:
        return _advance(backend, body)
    if len(parts) in (2, 3) and parts[0] == "workers":
        return _worker(backend, parts[1], parts[2] if len(parts) == 3 else "", body)
    raise ControlError(404, f"Nothing to POST at {CONTROL_PREFIX}{path}.")
