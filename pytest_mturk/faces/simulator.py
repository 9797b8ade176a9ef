"""The public face: :class:`Simulator`, and :func:`mturk_sim` for scripts and notebooks."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from ..core.errors import InternalError, UsageError
from ..core.model import Environment, LedgerEntry, Message
from ..core.roster import Profile
from ..core.service import Call, Event, Service
from ..doors import stack
from ..rules.notifications.notify import Inbox, SentNotification
from . import origins
from .decorating import decorate
from .faults import Faults
from .settings import WORLD, SimulatorSettings
from .simulator_crowds import Crowds
from .views import EnvironmentView, Views
from .worker import ID_CHARS, SimulatedWorker, enlist

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:
    # Python 3.10 has no Unpack; type checkers know typing_extensions from their own
    # stubs, so it is needed neither at run time nor as a dependency.
    from typing_extensions import Unpack

if TYPE_CHECKING:
    # A typing-only dependency: without mypy-boto3-mturk installed, clients are Any.
    from mypy_boto3_mturk import MTurkClient

    from .crowd import AnswerFunction, Behaviour, Crowd, Population

P = ParamSpec("P")
R = TypeVar("R")


class Simulator:
    """A simulated Mechanical Turk, active between :meth:`start` and :meth:`stop`.

    While active, every boto3 ``mturk`` client call in the process is answered
    by it. Use it as a context manager, a decorator (a fresh simulator per
    call), or through the ``mturk`` pytest fixture. Its keyword settings are
    those of :class:`SimulatorSettings`.

    Attributes:
        settings: the settings in force, resolved.
        sandbox: the sandbox's views and client.
        production: production's views and client.
        hits: HITs by ID, in both worlds.
        hit_types: HIT types by ID, in both worlds.
        assignments: assignments by ID, in both worlds.
        workers: workers by ID, in both worlds.
        qualification_types: qualification types by ID, in both worlds.
    """

    def __init__(self, **settings: Unpack[SimulatorSettings]) -> None:
        path = settings.get("load")
        made = origins.new(settings) if path is None else origins.load(path, settings)
        self._build(*made, settings)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write this simulator's whole state to ``path``, as JSON (``docs/saving.md``).

        ``mturk_sim(load=path)`` (or ``Simulator(load=path)``, or the ``mturk`` marker's
        ``load`` setting) starts a simulator from it that answers every later call
        exactly as this one would: both environments, every record, the clock, pending
        deadlines and expiries, the IDs still to come, notifications and inboxes,
        messages, the call log and events, layouts, pending faults and workers.
        """
        from . import persist

        persist.save(self._service, self._profiles(), path)

    def _build(
        self,
        service: Service,
        workers: dict[str, SimulatedWorker],
        settings: SimulatorSettings,
    ) -> None:
        self.settings = service.settings
        # What the decorator's fresh simulators are made with: the access keys as read
        # once, since an iterator given for them is used up by now.
        self._settings_kwargs: SimulatorSettings = {
            **settings,
            "access_keys": self.settings.access_keys,
        }
        self._service = service
        self._workers = workers
        self._running = False
        stack.unstarted.add(self)
        # What the simulator shows, the faults it is told to make and its crowds, each
        # handed to an object of its own that holds the service.
        self._views = views = Views(service)
        self._faults = Faults(service)
        self._crowds = Crowds(service, workers)
        self.sandbox, self.production = views.sandbox, views.production
        self.hits, self.hit_types, self.assignments = views.hits, views.hit_types, views.assignments
        self.workers, self.qualification_types = views.workers, views.qualification_types

    @classmethod
    def _copy_of(cls, source: Simulator, **settings: Unpack[SimulatorSettings]) -> Simulator:
        """A new, inactive simulator in exactly ``source``'s state, independent of it.

        ``settings`` are the copy's own; those that shape the state already made
        (``seed``, ``start``, ``balance``) must equal ``source``'s, since the copy
        carries on from it. The others (access keys, strict workers, environment,
        fake credentials) apply to the copy from now on.
        """
        made = origins.copied(source._service, source._workers, source.settings, settings)
        twin = cls.__new__(cls)
        twin._build(*made, settings)
        return twin

    def _pristine(self) -> bool:
        """Whether nothing has happened to this simulator yet (a copy of it would be
        no different from a fresh one)."""
        return self._service.pristine() and not self._workers

    # -- activation ----------------------------------------------------------------

    def start(self) -> Simulator:
        """Answer every boto3 ``mturk`` call in the process (until :meth:`stop`)."""
        stack.unstarted.discard(self)
        if not self._running:
            stack.push(self._service, self)
            self._running = True
        return self

    def __repr__(self) -> str:
        status = "active" if self._running else "inactive"
        return f"<Simulator seed={self.settings.seed} {status}, {self._views.describe()}>"

    def stop(self) -> None:
        """Stop answering calls; raise :class:`InternalError` if the simulator caught
        an exception in its own machinery meanwhile (a bug of pytest-mturk's)."""
        if self._running:
            stack.pop(self._service)
            self._running = False
            caught = self._service.internal_errors
            if caught:
                first = caught[0]
                raise InternalError(
                    f"The simulator caught {len(caught)} exception(s) in its own machinery "
                    f"(a scheduled transition, a listener or a review policy); the first was "
                    f"{first!r}. This is a bug in pytest-mturk: please report it with this "
                    "traceback."
                ) from first

    @property
    def active(self) -> bool:
        """Whether this simulator has been started and not stopped."""
        return self._running

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.stop()
            return
        with contextlib.suppress(InternalError):  # the block's own exception matters more
            self.stop()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        """Decorate ``func`` so that each call runs against a fresh simulator
        (reach it with :func:`active_simulator`); decorate a test class so that each
        of its tests does (see :mod:`pytest_mturk.faces.decorating`)."""
        stack.unstarted.discard(self)  # this one only holds the settings
        decorated: Callable[P, R] = decorate(func, self._fresh)
        return decorated

    def _fresh(self, source: Simulator | None = None) -> Simulator:
        """A new, inactive simulator with this one's settings; given ``source`` (a test
        class's simulator), one that starts in a copy of its state."""
        settings = self._settings_kwargs
        if source is None or source._pristine():
            return Simulator(**settings)
        # The copy carries on from the source's world (a loaded file's, say).
        world = {name: getattr(source.settings, name) for name in WORLD}
        others = {name: value for name, value in settings.items() if name not in (*WORLD, "load")}
        return Simulator._copy_of(source, **cast("SimulatorSettings", {**others, **world}))

    # -- the environment a plain view or client means ---------------------------

    def _view(self) -> EnvironmentView:
        if self.settings.environment is Environment.PRODUCTION:
            return self.production
        return self.sandbox

    def client(self, **kwargs: Any) -> MTurkClient:
        """A boto3 ``mturk`` client for the default environment (sandbox unless configured).

        Typed as mypy-boto3-mturk's ``MTurkClient`` where that package is installed.
        """
        return self._view().client(**kwargs)

    # -- time ----------------------------------------------------------------------

    @property
    def now(self) -> _dt.datetime:
        """The simulator's current time (aware UTC)."""
        return self._service.now()

    def advance(
        self,
        delta: _dt.timedelta | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> _dt.datetime:
        """Move virtual time forward; due deadlines, expiries and approvals fire in order.

        Under freezegun the frozen clock moves too, so the code under test and
        the simulator keep one time. Returns the new time.
        """
        step = (delta or _dt.timedelta(0)) + _dt.timedelta(
            seconds=seconds, minutes=minutes, hours=hours, days=days
        )
        if step < _dt.timedelta(0):
            raise UsageError(
                "advance() only moves forward. To go back, move the clock the simulator "
                "follows: with freezegun, freeze_time(earlier) or its frozen.move_to(earlier); "
                "with time-machine, time_machine.travel(earlier) or its traveller.move_to(earlier)."
            )
        return self._crowds.advance(step)  # the crowds act on the way

    # -- workers -------------------------------------------------------------------

    def worker(
        self,
        worker_id: str,
        *,
        locale: str | None = None,
        adult: bool | None = None,
        masters: bool | None = None,
        approved: int | None = None,
        rejected: int | None = None,
    ) -> SimulatedWorker:
        """The simulated worker with this ID (made on first use, with the profile given)."""
        changes = {
            key: value
            for key, value in (
                ("locale", locale),
                ("adult", adult),
                ("masters", masters),
                ("approved", approved),
                ("rejected", rejected),
            )
            if value is not None
        }
        return enlist(self._service, self._workers, worker_id, changes)

    # -- crowds --------------------------------------------------------------------

    def crowd(
        self,
        size: int = 100,
        *,
        seed: int | str = 0,
        answer: AnswerFunction | None = None,
        arrivals: float | Sequence[float] = 60.0,
        environment: str | None = None,
        behaviour: Behaviour | None = None,
        population: Population | None = None,
        **knobs: Any,
    ) -> Crowd:
        """A crowd of ``size`` simulated workers who come (``arrivals`` visits per hour,
        or 24 rates, one per UTC hour) and work on this simulator's HITs as its clock
        moves: :meth:`advance` plays their actions in order, as do the crowd's ``run()``
        and ``run_until_done()``. The same ``seed`` (with the simulator's) gives the
        same crowd and the same run. ``answer(task, worker)`` returns what
        ``submit()`` takes (default: valid answers, right with each worker's accuracy).
        ``knobs`` are :class:`Behaviour` and :class:`Population` settings
        (``return_rate=0.1``, ``masters=0.2``...); see ``docs/crowd.md``.
        """
        return self._crowds.crowd(
            size,
            seed=seed,
            answer=answer,
            arrivals=arrivals,
            environment=environment,
            behaviour=behaviour,
            population=population,
            knobs=knobs,
        )

    # -- inspection ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every API call, in order: operation, parameters, response or error (only the
        latest ones under ``keep_calls``)."""
        return self._views.calls()

    @property
    def notifications(self) -> list[SentNotification]:
        """Every notification message sent (the JSON documents MTurk sent), oldest first: with
        its transport, destination, body and whether it was delivered."""
        return self._views.notifications()

    def register_destination(self, destination: str) -> Inbox:
        """An in-memory inbox for an SQS queue URL, SNS topic ARN or email address.

        Every notification message sent to ``destination`` lands in it (as well
        as in moto's queue or topic while ``mock_aws`` is active); a destination
        with an inbox exists, so SendTestEventNotification to it succeeds.
        """
        return self._views.inbox(destination)

    @property
    def events(self) -> list[Event]:
        """Every lifecycle event (HITCreated, AssignmentSubmitted, ...), in order (only the
        latest ones under ``keep_calls``)."""
        return self._views.events()

    @property
    def internal_errors(self) -> list[Exception]:
        """Exceptions the simulator caught in its own machinery (a scheduled transition,
        a notification listener, a review policy) instead of letting them fail an
        unrelated call. Empty unless pytest-mturk has a bug: worth asserting on."""
        return self._views.internal_errors()

    @property
    def balance(self) -> Decimal:
        """The default environment's account balance (sandbox: always 10000.00)."""
        return self._view().balance

    @property
    def available_balance(self) -> Decimal:
        """The default environment's available balance: the balance less what its live HITs
        hold reserved (GetAccountBalance's AvailableBalance)."""
        return self._view().available_balance

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every payment and fee of the default environment, oldest first."""
        return self._view().ledger

    @property
    def messages(self) -> list[Message]:
        """Every e-mail NotifyWorkers sent (both environments), oldest first: each with
        ``worker_id``, ``subject``, ``text``, ``time`` and ``environment``."""
        return self._views.messages()

    def fail_next(self, operation: str, fault: str = "service_fault", *, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` fail, through botocore's retries.

        ``operation`` is the API's name (``"GetHIT"``) or boto3's (``"get_hit"``).
        ``fault`` is ``"service_fault"`` (HTTP 500 ServiceFault), ``"throttled"``
        (HTTP 400 ThrottlingException) or ``"lost"`` (the service does the work but
        the response never arrives: botocore sees a read timeout). botocore retries
        all three by default, so ``times=1`` shows what a retry does: with
        ``"lost"``, a retried CreateQualificationType meets "already created".
        """
        self._faults.schedule(operation, fault, times)

    def register_layout(self, layout_id: str, template: str) -> None:
        """Make a HIT layout known (``${name}`` placeholders, filled by HITLayoutParameters).

        The real service had no API for this either: layouts were made on the
        requester website.
        """
        if not layout_id or set(layout_id) - ID_CHARS or len(layout_id) > 64:
            raise UsageError(f"{layout_id!r} is not a valid HITLayoutId (^[A-Z0-9]+$, ≤ 64).")
        with self._service.transaction():
            self._service.layouts[layout_id] = template

    # -- for what serves this simulator --------------------------------------------

    def _core(self) -> Service:
        """The service this simulator runs on, handed down to the plugin (which activates
        the run-wide simulator around broader-scoped fixtures and reports a failing
        test's calls); the HTTP door gets it from :meth:`_served`."""
        return self._service

    def _served(self) -> Service:
        """The service, handed to the HTTP door that serves this simulator. A served
        simulator is in use though never started (it answers HTTP, not the process's
        boto3 calls): the check for a simulator forgotten unstarted skips it."""
        stack.unstarted.discard(self)
        return self._service

    def _profiles(self) -> dict[str, Profile]:
        """The profile of each worker made with :meth:`worker`, as a saved state keeps it."""
        return {worker_id: handle.profile for worker_id, handle in self._workers.items()}
