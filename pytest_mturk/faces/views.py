"""Read-only views of a simulator's state, in one or both environments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.model import (
    HIT,
    Assignment,
    Environment,
    HITType,
    LedgerEntry,
    Message,
    QualificationType,
    State,
    Worker,
)
from ..core.service import Call, Event, Service
from ..rules.notifications import notify
from ..rules.notifications.notify import Inbox, SentNotification

if TYPE_CHECKING:
    # A typing-only dependency: without mypy-boto3-mturk installed, clients are Any.
    from mypy_boto3_mturk import MTurkClient

ENDPOINTS = {
    Environment.SANDBOX: "https://mturk-requester-sandbox.us-east-1.amazonaws.com",
    Environment.PRODUCTION: "https://mturk-requester.us-east-1.amazonaws.com",
}


class StateView(Mapping[str, Any]):
    """A read-only mapping over one kind of record, in one or both environments.

    Reading it first applies every transition due by the simulator's current time.
    """

    def __init__(self, service: Service, states: tuple[State, ...], attribute: str) -> None:
        self._service = service
        self._states = states
        self._attribute = attribute

    def _maps(self) -> list[dict[str, Any]]:
        self._service.now()
        return [getattr(state, self._attribute) for state in self._states]

    def __getitem__(self, key: str) -> Any:
        for mapping in self._maps():
            if key in mapping:
                return mapping[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        # A snapshot taken under the lock: other threads may be adding records.
        with self._service.lock:
            keys = [key for mapping in self._maps() for key in mapping]
        return iter(keys)

    def __len__(self) -> int:
        return sum(len(mapping) for mapping in self._maps())

    def __repr__(self) -> str:
        return f"<{self._attribute}: {len(self)} records>"


class EnvironmentView:
    """The state of one environment (``sim.sandbox`` / ``sim.production``).

    Attributes:
        environment: which world this is.
        hits: HITs by ID.
        hit_types: HIT types by ID.
        assignments: assignments by ID.
        workers: workers by ID.
        qualification_types: qualification types by ID.
    """

    def __init__(self, service: Service, environment: Environment) -> None:
        self._service = service
        self.environment = environment
        self._state = service.states[environment]
        states = (self._state,)
        self.hits: Mapping[str, HIT] = StateView(service, states, "hits")
        self.hit_types: Mapping[str, HITType] = StateView(service, states, "hit_types")
        self.assignments: Mapping[str, Assignment] = StateView(service, states, "assignments")
        self.workers: Mapping[str, Worker] = StateView(service, states, "workers")
        self.qualification_types: Mapping[str, QualificationType] = StateView(
            service, states, "qualification_types"
        )

    @property
    def balance(self) -> Decimal:
        """The account balance: what is left after payments and fees."""
        self._service.now()
        return self._state.balance

    @property
    def available_balance(self) -> Decimal:
        """What GetAccountBalance reports: the balance less the liability reserved for HITs."""
        self._service.now()
        return self._state.available_balance

    @property
    def reserved(self) -> Decimal:
        """The money set aside for the open slots of live HITs (balance minus available
        balance)."""
        self._service.now()
        return self._state.reserved

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every payment and fee, oldest first (negative amounts leave the account)."""
        self._service.now()
        return list(self._state.ledger)

    @property
    def messages(self) -> list[Message]:
        """The e-mails NotifyWorkers sent in this environment, oldest first."""
        self._service.now()
        with self._service.lock:
            return list(self._state.messages)

    @property
    def notifications(self) -> list[SentNotification]:
        """The notification messages this environment sent, oldest first."""
        self._service.now()
        return notify.notifier(self._service).sent_in(self.environment)

    def client(self, **kwargs: Any) -> MTurkClient:
        """A boto3 ``mturk`` client pointed at this environment.

        Typed as mypy-boto3-mturk's ``MTurkClient`` where that package is installed.
        """
        import boto3

        kwargs.setdefault("region_name", "us-east-1")
        kwargs.setdefault("endpoint_url", ENDPOINTS[self.environment])
        client: MTurkClient = boto3.client("mturk", **kwargs)
        return client


class Views:
    """What a simulator shows of its service: each world's views, both worlds' records,
    the logs and the notifications (made by the simulator, which hands them out)."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self.sandbox = EnvironmentView(service, Environment.SANDBOX)
        self.production = EnvironmentView(service, Environment.PRODUCTION)
        both = tuple(service.states.values())
        self.hits: Mapping[str, HIT] = StateView(service, both, "hits")
        self.hit_types: Mapping[str, HITType] = StateView(service, both, "hit_types")
        self.assignments: Mapping[str, Assignment] = StateView(service, both, "assignments")
        self.workers: Mapping[str, Worker] = StateView(service, both, "workers")
        self.qualification_types: Mapping[str, QualificationType] = StateView(
            service, both, "qualification_types"
        )

    def describe(self) -> str:
        """Each world's HITs and assignments, the calls and the time, in a line."""
        service = self._service
        worlds = "; ".join(
            f"{environment.value}: {len(state.hits)} HITs, {len(state.assignments)} assignments"
            for environment, state in service.states.items()
        )
        return f"{worlds}; {len(service.calls)} calls, now {service.clock.now().isoformat()}"

    def calls(self) -> list[Call]:
        """The call log (as kept)."""
        with self._service.transaction():
            return list(self._service.calls)

    def events(self) -> list[Event]:
        """The lifecycle events (as kept), transitions due by now applied first."""
        with self._service.transaction():
            return list(self._service.events)

    def internal_errors(self) -> list[Exception]:
        """What the simulator caught in its own machinery."""
        with self._service.transaction():
            return list(self._service.internal_errors)

    def messages(self) -> list[Message]:
        """The e-mails NotifyWorkers sent in both worlds, oldest first."""
        with self._service.transaction():
            sent = [m for state in self._service.states.values() for m in state.messages]
        return sorted(sent, key=lambda message: message.time)

    def notifications(self) -> list[SentNotification]:
        """The notification messages both worlds sent, oldest first."""
        self._service.now()
        return notify.notifier(self._service).sent_in()

    def inbox(self, destination: str) -> Inbox:
        """The in-memory inbox of ``destination`` (made on first use)."""
        return notify.notifier(self._service).register(destination)
