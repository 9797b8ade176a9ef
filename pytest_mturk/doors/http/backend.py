"""What answers the HTTP door: one service, its clock, and (with ``--state``) its journal.

Every request that can change the simulation -- a service API call, a worker's
action, a move of the clock -- is one *action* (:mod:`.actions`). The :class:`Backend`
runs an action under one lock, so actions happen one at a time in a single order,
and, when it keeps a state file, hands the action's record to it in that same order
before the answer is sent. The service API, the control API and the worker pages all
act and read through it.

The backend holds the :class:`Service` the face that built it handed down. What only
that face knows -- its workers' profiles, its crowds, how to save its whole state and
how to start again -- the backend asks of it through :class:`~.face.Face`, the one
thing the door needs from above; the door never imports the faces.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ...core.clock import epoch_ms, to_ms, wall_time
from ...core.errors import UsageError
from .actions import Action, Advance, ServiceCall, WorkerAction, catch_up, read
from .gate import Access

if TYPE_CHECKING:
    from ...core.dispatch import Outcome
    from ...core.model import Environment, QualificationRequest
    from ...core.service import Service
    from .face import Face
    from .state_file import StateFile

__all__ = ["CLOCK_MODES", "Backend"]

CLOCK_MODES = ("frozen", "real")
T = TypeVar("T")


class Backend:
    """The service behind the HTTP door, and the face it belongs to.

    ``clock`` is ``"frozen"`` (virtual time moves only when told) or ``"real"`` (it
    also follows the wall clock from the moment the server starts). ``journal``, if
    given, keeps every action. ``shared`` says the simulation belongs to someone
    else (a test): it cannot be replaced by a reset or a load.
    """

    def __init__(
        self,
        service: Service,
        face: Face,
        *,
        clock: str = "frozen",
        journal: StateFile | None = None,
        shared: bool = False,
    ) -> None:
        if clock not in CLOCK_MODES:
            raise ValueError(f"clock must be one of {CLOCK_MODES}, not {clock!r}")
        self.service = service
        self.face = face
        self.clock = clock
        self.journal = journal
        self.shared = shared
        self.lock = threading.RLock()
        self._anchor = (service.clock.now(), wall_time())
        # Origins whose ExternalQuestion pages the worker pages frame from elsewhere
        # (a test's local copy of an experiment): {"https://exp.example": "http://127.0.0.1:8000"}.
        self.frame_origins: dict[str, str] = {}
        # Who may call: the control token, the server's own hosts, the secrets that
        # signatures are verified with (set by whoever starts the server).
        self.access = Access()
        # The hosted profile (``pytest-mturk host``): the control API's changes (reset,
        # the clock, acting as a worker, loading a snapshot) are refused, and the worker
        # pages' sign-in form is off: workers arrive by participant links only.
        self.hosted = False
        # The worker pages' own (``pytest_mturk.doors.pages.guard``): the key their cookies
        # and forms are signed with, new at every start (the hosted profile derives it from
        # its stored secret instead, so a restart signs nobody out); the origin requester HTML is
        # served from (none until a content listener is bound); the worker site's
        # origins as browsers reach it.
        self.page_secret = secrets.token_bytes(32)
        self.content_origin: str | None = None
        self.site_origins: list[str] = []
        # The hosted profile's participant links and requester area (doors/requester,
        # ``hosting.install``): its settings (a ``Hosting``, which this module does not
        # import), and where a worker goes after a submission when it is not the worker
        # site's own next step.
        self.hosting: Any = None
        self.after_submit: Callable[[str, str], str | None] | None = None

    # -- running actions -------------------------------------------------------------

    def follow_clock(self) -> None:
        """With a real clock, move simulated time on as far as the wall clock has moved."""
        if self.clock != "real":
            return
        with self.lock:
            virtual, real = self._anchor
            catch_up(self.service, epoch_ms(to_ms(virtual + (wall_time() - real))))

    def _run(self, action: Action) -> Any:
        """Run ``action``; with a journal, it is on disk before this returns (or raises
        the action's refusal)."""
        # Actions run one at a time, under the backend's lock; each is a transaction of
        # the service (a call, a worker's action, a move of the clock) of its own.
        with self.lock:
            self.follow_clock()
            journal = self.journal
            if journal is None:
                return action.run(self.service, self.face)
            time = epoch_ms(self.service.clock.now())
            refused: UsageError | None = None
            result: Any = None
            try:
                result = action.run(self.service, self.face)
            except UsageError as exc:
                # A worker's refused action changes nothing, but it is kept all the
                # same: the worker it named may have been made by it.
                refused = exc
            record = action.record()
            record["t"] = time
            mark = journal.append(record, result)
            if journal.due():
                journal.checkpoint(self.face.snapshot)
        journal.sync(mark)
        if refused is not None:
            raise refused
        return result

    def replay(self, record: Mapping[str, Any]) -> Any:
        """Run again an action a journal kept (``record``), at the time it ran; it is
        not kept again."""
        with self.lock:
            catch_up(self.service, record["t"])
            return read(record).run(self.service, self.face)

    def call(
        self, environment: Environment, operation: str, params: dict[str, Any], caller: Any
    ) -> Outcome:
        """Answer one service API call."""
        outcome: Outcome = self._run(ServiceCall(environment, operation, params, caller))
        return outcome

    def advance(self, delta: _dt.timedelta) -> _dt.datetime:
        """Move simulated time on by ``delta`` (a real clock keeps following from there)."""
        if delta < _dt.timedelta(0):
            raise UsageError("The clock only moves forward.")
        with self.lock:
            result: _dt.datetime = self._run(Advance(delta // _dt.timedelta(milliseconds=1)))
            if self.clock == "real":
                virtual, real = self._anchor
                self._anchor = (virtual + delta, real)
        return result

    # -- a worker's actions (each a UsageError if refused) ----------------------------

    def enlist(self, worker_id: str, profile: Mapping[str, Any] | None = None) -> None:
        """Make the worker, with ``profile`` (or change their profile to it)."""
        self._run(WorkerAction(worker_id, profile=profile))

    def accept(self, worker_id: str, hit_id: str, profile: Mapping[str, Any] | None = None) -> str:
        """The worker accepts an assignment of the HIT; its AssignmentId."""
        assignment_id: str = self._run(WorkerAction(worker_id, "accept", hit_id, None, profile))
        return assignment_id

    def submit(
        self,
        worker_id: str,
        assignment_id: str,
        answers: Any,
        profile: Mapping[str, Any] | None = None,
    ) -> None:
        """The worker submits the assignment (``{question id: value}`` or the XML)."""
        self._run(WorkerAction(worker_id, "submit", assignment_id, answers, profile))

    def return_(
        self, worker_id: str, assignment_id: str, profile: Mapping[str, Any] | None = None
    ) -> None:
        """The worker gives the assignment back unfinished."""
        self._run(WorkerAction(worker_id, "return", assignment_id, None, profile))

    def start_test(self, worker_id: str, type_id: str) -> None:
        """The worker opens the qualification type's test (its clock starts)."""
        self._run(WorkerAction(worker_id, "test", type_id))

    def request_qualification(
        self, worker_id: str, type_id: str, answers: Any
    ) -> QualificationRequest:
        """The worker requests the qualification, with answers to its test if it has one."""
        request: QualificationRequest = self._run(
            WorkerAction(worker_id, "request", type_id, answers)
        )
        return request

    # -- reading, and the whole simulation --------------------------------------------

    def look(self, read: Callable[[Service], T]) -> T:
        """``read(service)`` in one transaction of the service, the clock caught up: one
        consistent state, for a worker page or the control API to show."""
        with self.lock:
            self.follow_clock()
            service = self.service
            with service.transaction():
                return read(service)

    def snapshot(self) -> dict[str, Any]:
        """The whole simulation, as ``sim.save()`` writes it."""
        with self.lock:
            return self.face.snapshot()

    def reset(self, settings: Mapping[str, Any]) -> None:
        """Start again from an empty simulation (see ``Face.reset``)."""
        with self.lock:
            self._replace(self.face.reset(settings))

    def load(self, document: Mapping[str, Any]) -> None:
        """Carry on from a saved simulation (see ``Face.load``)."""
        with self.lock:
            self._replace(self.face.load(document))

    def _replace(self, service: Service) -> None:
        self.service = service
        self._anchor = (service.clock.now(), wall_time())
        if self.journal is not None:
            self.journal.rebase(self.face.snapshot())

    def close(self) -> None:
        """A clean stop: with a journal, a last snapshot, and the journal closed."""
        with self.lock:
            if self.journal is not None:
                self.journal.close(self.face.snapshot())
