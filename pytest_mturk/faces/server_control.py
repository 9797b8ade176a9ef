"""``ServerControl``: a small Python client of a running server's control API (the API
itself is the HTTP door's, :mod:`pytest_mturk.doors.http.control`), for tests in
other processes.

Only the standard library: a test driving a server started elsewhere (``pytest-mturk
serve``, a docker-compose service) needs nothing else::

    control = ServerControl("http://127.0.0.1:8080/", token="...")  # the token printed at start
    assignment_id = control.accept("A1B2C3D4E5F6G7", hit_id)
    control.submit("A1B2C3D4E5F6G7", assignment_id, {"label": "cat"})
    control.advance(days=3)
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..core.errors import UsageError

__all__ = ["ServerControl", "ServerControlError"]


class ServerControlError(UsageError):
    """The server refused a control request (``status`` is its HTTP status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


TOKEN_VARIABLE = "PYTEST_MTURK_CONTROL_TOKEN"


class ServerControl:
    """The control API of the server at ``url`` (its base URL, as printed at start).

    ``token`` is the server's control token (printed at start, or what its
    ``--control-token`` set); by default, the ``PYTEST_MTURK_CONTROL_TOKEN`` environment
    variable's. Every request sends it as ``Authorization: Bearer <token>``.
    """

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/") + "/_mturk/"
        self.timeout = timeout
        self._token = token if token is not None else os.environ.get(TOKEN_VARIABLE)
        # The server is local or named directly: never through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __repr__(self) -> str:
        return f"ServerControl({self.url!r})"

    def request(self, method: str, path: str, body: Any = None, **query: str | None) -> Any:
        """One control request; its JSON answer, or :class:`ServerControlError`."""
        wanted = {key: value for key, value in query.items() if value is not None}
        url = self.url + path + (f"?{urllib.parse.urlencode(wanted)}" if wanted else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as refused:
            text = refused.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("message", text)
            except ValueError:
                message = text
            raise ServerControlError(refused.code, message) from None

    # -- the server and its clock ----------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Version, paths of both worlds and the control API, clock mode, now, seed."""
        result: dict[str, Any] = self.request("GET", "")
        return result

    def reset(self, seed: int | str | None = None) -> dict[str, Any]:
        """Start again from an empty simulation (with another seed, if given)."""
        result: dict[str, Any] = self.request(
            "POST", "reset", {} if seed is None else {"seed": seed}
        )
        return result

    def now(self) -> str:
        """The simulated time, ISO 8601."""
        result: str = self.request("GET", "clock")["now"]
        return result

    def advance(
        self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> str:
        """Move simulated time on (deadlines, expiries and approvals fire); the new time."""
        body = {"seconds": seconds, "minutes": minutes, "hours": hours, "days": days}
        result: str = self.request("POST", "clock/advance", body)["now"]
        return result

    # -- workers -----------------------------------------------------------------------

    def worker(self, worker_id: str, **profile: Any) -> None:
        """Make a worker (``locale``, ``adult``, ``masters``, ``approved``, ``rejected``)."""
        self.request("POST", f"workers/{worker_id}", profile)

    def accept(self, worker_id: str, hit_id: str) -> str:
        """The worker accepts an assignment of the HIT; its AssignmentId."""
        result: str = self.request("POST", f"workers/{worker_id}/accept", {"hit_id": hit_id})[
            "assignment_id"
        ]
        return result

    def submit(self, worker_id: str, assignment_id: str, answers: Any = None) -> None:
        """The worker submits ``{question id: value}`` (or QuestionFormAnswers XML)."""
        body = {"assignment_id": assignment_id, "answers": answers}
        self.request("POST", f"workers/{worker_id}/submit", body)

    def return_(self, worker_id: str, assignment_id: str) -> None:
        """The worker gives the assignment back unfinished."""
        self.request("POST", f"workers/{worker_id}/return", {"assignment_id": assignment_id})

    # -- state -------------------------------------------------------------------------

    def state(self, what: str, environment: str | None = None) -> Any:
        """``hits``, ``assignments``, ``workers``, ``calls``, ``events``,
        ``notifications``, ``messages`` or ``balance`` (of one world, if given)."""
        return self.request("GET", what, environment=environment)

    def hits(self, environment: str | None = None) -> list[dict[str, Any]]:
        """The HITs, as GetHIT gives them, each with its ``Environment`` (``environment``
        narrows to one world)."""
        result: list[dict[str, Any]] = self.state("hits", environment)
        return result

    def assignments(self, environment: str | None = None) -> list[dict[str, Any]]:
        """The assignments, as GetAssignment gives them, with ``Environment``
        (``environment`` narrows to one world)."""
        result: list[dict[str, Any]] = self.state("assignments", environment)
        return result

    def calls(self, environment: str | None = None) -> list[dict[str, Any]]:
        """Every service call: ``operation``, ``environment``, ``time``, ``params``, ``ok``,
        ``error`` (``environment`` narrows to one world)."""
        result: list[dict[str, Any]] = self.state("calls", environment)
        return result

    def events(self, environment: str | None = None) -> list[dict[str, Any]]:
        """The lifecycle events: ``event_type``, ``time``, ``hit_id``... (``environment``
        narrows to one world)."""
        result: list[dict[str, Any]] = self.state("events", environment)
        return result

    def snapshot(self) -> dict[str, Any]:
        """The whole simulation, in ``sim.save()``'s format."""
        result: dict[str, Any] = self.request("GET", "snapshot")
        return result

    def load(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """Carry on from a snapshot (what :meth:`snapshot` or ``sim.save()`` gave)."""
        result: dict[str, Any] = self.request("POST", "snapshot", snapshot)
        return result
