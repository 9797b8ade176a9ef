"""The control API: the simulator's own controls, over HTTP, beside the service API.

Paths are below ``/_mturk/`` (``docs/server.md`` is the reference; :mod:`.routes` lists
them); bodies and answers are JSON. Times are ISO 8601 UTC, amounts decimal text. A
refused request is an HTTP 4xx with ``{"error", "message"}``. Every handler takes the
backend, the request's JSON body and its query, and the path's matched parts, and
returns JSON-able data.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..._version import __version__
from ...core import json_text, roster
from ...core.errors import UsageError
from ...core.model import Environment
from ...operations import shapes
from ...rules.notifications import notify
from . import gate
from .areas import CONTROL_PREFIX, PRODUCTION_PATH, Area, Handler, json_response

if TYPE_CHECKING:
    from ...core.service import Service
    from .backend import Backend

__all__ = ["AREA", "STATES", "ControlError", "plain"]


class ControlError(Exception):
    """A control request refused, with the HTTP status to answer it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: times as ISO text, amounts as text, records as objects,
    a float that is not a number as text."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no word for it (a parameter sent in process)
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


def info(backend: Backend, body: Any, query: Mapping[str, str]) -> dict[str, Any]:
    """``GET /_mturk/``: the version, the paths of both worlds and the control API, the
    clock's mode, the time, the seed, and whether a state file keeps the simulation."""
    service = backend.service
    return {
        "version": __version__,
        "sandbox_path": "/",
        "production_path": PRODUCTION_PATH,
        "control_path": CONTROL_PREFIX,
        "clock": backend.clock,
        "now": service.now().isoformat(),
        "seed": service.settings.seed,
        "durable": backend.journal is not None,
    }


def clock(backend: Backend, body: Any, query: Mapping[str, str]) -> dict[str, Any]:
    """``GET /_mturk/clock``: the simulated time and the clock's mode."""
    return {"now": backend.service.now().isoformat(), "mode": backend.clock}


def state(backend: Backend, body: Any, query: Mapping[str, str], what: str) -> Any:
    """``GET /_mturk/{what}`` (one of :data:`STATES`), of both worlds or the one the
    query's ``environment`` names."""
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
# The longest ID or seed a control request may name (the service's IDs are at most 64).
_ID_LENGTH = 256
_MOST_SEED = 2**63


def _kind(value: Any) -> str:
    """What a JSON value is, for a refusal's message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "an array" if isinstance(value, list) else "an object"


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise ControlError(400, "The body must be a JSON object.")
    return body


def worker(
    backend: Backend, body: Any, query: Mapping[str, str], worker_id: str, act: str | None
) -> Any:
    """``POST /_mturk/workers/{id}`` makes a worker (with the profile the body gives);
    ``.../accept``, ``.../submit`` and ``.../return`` are their actions."""
    body = _object(body)
    # Checked before anything runs: a refused profile changes nothing and is not kept.
    profile = roster.checked({key: body[key] for key in _PROFILE if key in body}) or None
    act = act or ""
    if act == "":
        backend.enlist(worker_id, profile)
        return {"worker_id": worker_id}
    if act not in ("accept", "submit", "return"):
        raise ControlError(404, f"A worker can accept, submit or return, not {act!r}.")
    key = "hit_id" if act == "accept" else "assignment_id"
    target = body.get(key)
    if not isinstance(target, str) or not 0 < len(target) <= _ID_LENGTH:
        raise ControlError(400, f"{act} needs {key!r} in the body (an ID, as text).")
    if act == "accept":
        return {"assignment_id": backend.accept(worker_id, target, profile)}
    if act == "submit":
        backend.submit(worker_id, target, body.get("answers"), profile)
    else:
        backend.return_(worker_id, target, profile)
    return {"assignment_id": target}


def advance(backend: Backend, body: Any, query: Mapping[str, str]) -> Any:
    """``POST /_mturk/clock/advance``: simulated time moved on by the body's
    ``seconds``, ``minutes``, ``hours`` and ``days``."""
    body = _object(body)
    amounts = {unit: body[unit] for unit in ("seconds", "minutes", "hours", "days") if unit in body}
    for unit, amount in amounts.items():
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            raise ControlError(400, f"advance takes {unit} as a number, not {_kind(amount)}.")
    try:
        delta = _dt.timedelta(**amounts)
    except OverflowError:
        raise ControlError(400, "That would take the clock past the year 9999.") from None
    if delta < _dt.timedelta(0):
        raise ControlError(400, "The clock only moves forward.")
    try:
        backend.service.now() + delta
    except OverflowError:
        raise ControlError(400, "That would take the clock past the year 9999.") from None
    return {"now": backend.advance(delta).isoformat()}


def snapshot(backend: Backend, body: Any, query: Mapping[str, str]) -> Any:
    """``GET /_mturk/snapshot``: the whole simulation, as ``sim.save()`` writes it."""
    return backend.snapshot()


def load(backend: Backend, body: Any, query: Mapping[str, str]) -> Any:
    """``POST /_mturk/snapshot``: carry on from a saved simulation."""
    if not isinstance(body, dict):
        raise ControlError(400, "POST a saved state document (what GET snapshot gives).")
    if backend.shared:
        raise ControlError(409, "This server shares a test's simulator: it cannot load another.")
    backend.load(body)
    return info(backend, body, query)


def reset(backend: Backend, body: Any, query: Mapping[str, str]) -> Any:
    """``POST /_mturk/reset``: start again from an empty simulation (with the body's
    ``seed``, if it gives one)."""
    body = _object(body)
    if backend.shared:
        raise ControlError(409, "This server shares a test's simulator: it cannot reset it.")
    if "seed" in body:
        seed = body["seed"]
        if isinstance(seed, bool) or not isinstance(seed, (int, str)):
            raise ControlError(400, f"seed is a whole number or text, not {_kind(seed)}.")
        if isinstance(seed, int) and not -_MOST_SEED <= seed <= _MOST_SEED:
            raise ControlError(400, "seed is a whole number from -2**63 to 2**63, not larger.")
        if isinstance(seed, str) and len(seed) > _ID_LENGTH:
            raise ControlError(400, f"seed is text of at most {_ID_LENGTH} characters.")
    backend.reset({"seed": body["seed"]} if "seed" in body else {})
    return info(backend, body, query)


# The handlers that change the simulation: off on a hosted server.
_CHANGES = frozenset({worker, advance, load, reset})


# -- the area: how its handlers are called, and what it refuses --------------------------


def _call(
    handler: Handler, backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    raw = request.get_data(cache=False)
    # A saved state holds requests' parameters, so it may nest deeper than they do.
    depth = json_text.DOCUMENT_DEPTH
    try:
        body = json_text.loads(raw, depth) if raw.strip() else {}
    except ValueError:
        deep = json_text.too_deep(raw, depth)
        message = f"The body nests deeper than {depth} levels." if deep else "The body is not JSON."
        return json_response({"error": "BadRequest", "message": message}, 400)
    try:
        backend.follow_clock()
        return json_response(handler(backend, body, dict(request.args), *groups))
    except ControlError as refused:
        return json_response({"error": "ControlError", "message": refused.message}, refused.status)
    except UsageError as misuse:
        return json_response({"error": type(misuse).__name__, "message": str(misuse)}, 400)


def _admitted(backend: Backend, request: Request) -> Response | None:
    """The control API's own gate, after the server's (:func:`.gate.refusal`): the
    server's token, and a body only as JSON -- a ``text/plain`` body, which a page
    elsewhere may send without asking, is never read as JSON."""
    refused = gate.token_refusal(backend.access, request.headers.get("Authorization"))
    if refused is not None:
        response = json_response({"error": refused.error, "message": refused.message}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="pytest-mturk control API"'
        return response
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    ).lower()
    if has_body and request.mimetype != "application/json":
        return json_response(
            {
                "error": "UnsupportedMediaType",
                "message": "The control API takes a body as Content-Type: application/json "
                f"only, not {request.mimetype or 'none'!r}.",
            },
            415,
        )
    return None


def _hosted_refusal(backend: Backend, handler: Handler) -> Response | None:
    """On a hosted server, the simulation's own controls -- the requests that change
    it (reset, the clock, acting as a worker, loading a snapshot) -- are off: 403."""
    if not backend.hosted or handler not in _CHANGES:
        return None
    return json_response(
        {
            "error": "HostedServer",
            "message": "This server hosts a study (pytest-mturk host): the simulation's "
            "controls (reset, the clock, acting as a worker, loading a snapshot) are off. "
            "Reading the state and GET /_mturk/snapshot (a backup) still answer.",
        },
        403,
    )


def _gated_call(
    handler: Handler, backend: Backend, request: Request, groups: tuple[str, ...]
) -> Response:
    return (
        _admitted(backend, request)
        or _hosted_refusal(backend, handler)
        or _call(handler, backend, request, groups)
    )


def _gated_refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    return _admitted(backend, request) or _refuse(backend, request, allowed)


def _refuse(backend: Backend, request: Request, allowed: frozenset[str]) -> Response:
    method, path = request.method, request.path[len(CONTROL_PREFIX) :].strip("/")

    def nothing_here(backend: Backend, body: Any, query: Mapping[str, str]) -> Any:
        if method == "GET":
            raise ControlError(404, f"Nothing to GET at {CONTROL_PREFIX}{path}.")
        if method != "POST":
            raise ControlError(405, "The control API takes GET and POST.")
        _object(body)
        raise ControlError(404, f"Nothing to POST at {CONTROL_PREFIX}{path}.")

    return _call(nothing_here, backend, request, ())


def _claims(path: str) -> bool:
    return path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/")


AREA = Area("control API", _gated_call, _gated_refuse, _claims, gated=True)
