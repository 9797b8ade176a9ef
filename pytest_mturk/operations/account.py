"""Money operations: balance, bonuses, and the bonuses paid."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue, money, payments
from ..core.model import BonusPayment, State
from ..core.service import Handler, Service
from . import _common, pagination, shapes


def get_account_balance(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    return {"AvailableBalance": money.fmt(state.available_balance)}


def send_bonus(svc: Service, state: State, p: dict[str, Any], now: _dt.datetime) -> dict[str, Any]:
    worker_id = p["WorkerId"]
    amount = money.amount("BonusAmount", p["BonusAmount"])
    if amount <= 0:
        raise catalogue.INVALID_VALUE(name="BonusAmount", value=p["BonusAmount"])
    if svc.settings.strict_workers and worker_id not in state.workers:
        raise catalogue.INVALID_VALUE(name="WorkerId", value=worker_id)
    # No worker record is made here: the assignment's own worker already has one,
    # and a refused call must leave the workers as they were.
    assignment = _common.visible_assignment(state, p["AssignmentId"])
    if assignment.worker_id != worker_id:
        raise catalogue.WORKER_NOT_ON_ASSIGNMENT(
            worker_id=worker_id, assignment_id=assignment.assignment_id
        )
    token = p.get("UniqueRequestToken")
    _common.refuse_replayed_request(state, "SendBonus", token, now)
    fee = payments.pay_bonus(state, assignment, amount, now)
    state.bonuses.append(
        BonusPayment(
            worker_id, amount, assignment.assignment_id, assignment.hit_id, p["Reason"], now, fee
        )
    )
    _common.remember_token(state, "SendBonus", token, now, svc.ids.request_id())
    return {}


def list_bonus_payments(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit_id = p.get("HITId")
    assignment_id = p.get("AssignmentId")
    if hit_id is None and assignment_id is None:
        raise catalogue.HIT_OR_ASSIGNMENT()
    if hit_id is not None:
        _common.any_hit(state, hit_id)
    chunk, token = pagination.page_filtered(
        state.bonuses,
        p,
        f"ListBonusPayments:{hit_id}:{assignment_id}",
        lambda bonus: (
            (hit_id is None or bonus.hit_id == hit_id)
            and (assignment_id is None or bonus.assignment_id == assignment_id)
        ),
    )
    return pagination.response("BonusPayments", [shapes.bonus_payment(b) for b in chunk], token)


OPERATIONS: dict[str, Handler] = {
    "GetAccountBalance": get_account_balance,
    "SendBonus": send_bonus,
    "ListBonusPayments": list_bonus_payments,
}
