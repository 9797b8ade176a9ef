"""The money a HIT's and an assignment's life moves (spec §8): reservations,
rewards, fees and bonuses, each written to the ledger.

:mod:`pytest_mturk.core.lifecycle` calls these as HITs are made, extended and
decided; only they change a balance.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from . import catalogue, money
from .model import HIT, Assignment, Environment, LedgerEntry, State


class _Reserving:
    """Keeps ``state.reserved`` in step with what one HIT may still cost."""

    __slots__ = ("_before", "_hit", "_state")

    def __init__(self, state: State, hit: HIT) -> None:
        self._state = state
        self._hit = hit
        self._before = money.ZERO

    def __enter__(self) -> None:
        self._before = self._hit.liability

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self._state.reserved += self._hit.liability - self._before


class _Unreserved:
    """The sandbox reserves nothing: a context that does nothing, made once."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        return None


_UNRESERVED = _Unreserved()


def reserving(state: State, hit: HIT) -> _Reserving | _Unreserved:
    """Keep the account's reserved liability in step with a change to ``hit``
    (``with reserving(state, hit): ...``).

    Use it for changes that can only release liability; changes that may add
    some check the extra against the available balance first.
    """
    if state.environment is not Environment.PRODUCTION:
        return _UNRESERVED
    return _Reserving(state, hit)


def ensure_funds(state: State, amount: Decimal) -> None:
    if state.environment is Environment.PRODUCTION and amount > state.available_balance:
        raise catalogue.INSUFFICIENT_FUNDS()


def debit(
    state: State,
    now: _dt.datetime,
    kind: str,
    amount: Decimal,
    hit_id: str | None,
    assignment_id: str | None,
    worker_id: str | None,
) -> None:
    state.ledger.append(LedgerEntry(now, kind, -amount, hit_id, assignment_id, worker_id))
    if state.environment is Environment.PRODUCTION:
        state.balance -= amount


def pay_assignment(state: State, hit: HIT, assignment: Assignment, now: _dt.datetime) -> None:
    reward, fee = hit.reward, hit.fee
    hit_id, assignment_id = hit.hit_id, assignment.assignment_id
    # Both entries in one step: one change to journal, not two.
    state.ledger.extend(
        (
            LedgerEntry(now, "reward", -reward, hit_id, assignment_id, assignment.worker_id),
            LedgerEntry(now, "fee", -fee, hit_id, assignment_id, None),
        )
    )
    if state.environment is Environment.PRODUCTION:
        state.balance -= reward + fee


def pay_bonus(
    state: State,
    assignment: Assignment,
    amount: Decimal,
    now: _dt.datetime,
) -> Decimal:
    fee = money.bonus_fee(amount)
    ensure_funds(state, amount + fee)
    debit(
        state,
        now,
        "bonus",
        amount,
        assignment.hit_id,
        assignment.assignment_id,
        assignment.worker_id,
    )
    debit(state, now, "bonus-fee", fee, assignment.hit_id, assignment.assignment_id, None)
    return fee


# -- HIT status --------------------------------------------------------------------
