"""Money in production (spec §8, §5.11): reservations, payments, fees, bonuses,
InsufficientFunds; and the sandbox's fixed 10000.00."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ParamValidationError
from conftest import HIT_ARGS, raises_parameter_error, raises_request_error, snapshot

MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
WORKER = "A1B2C3D4E5F6G7"
INSUFFICIENT = (
    "This Requester has insufficient funds in their account to complete this transaction. "
    "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
)

pytestmark = pytest.mark.mturk(balance="100.00", start="2021-07-14T20:00:00+00:00")


def D(text: str) -> Decimal:
    return Decimal(text)


def check_books(mturk, client, *, balance: str, reserved: str) -> None:
    """Balance, reservation and GetAccountBalance agree, and the ledger accounts for
    every cent that left: balance + paid + fees == start."""
    prod = mturk.production
    assert prod.balance == D(balance)
    assert prod.reserved == D(reserved)
    assert prod.available_balance == D(balance) - D(reserved)
    assert client.get_account_balance()["AvailableBalance"] == f"{D(balance) - D(reserved):.2f}"
    assert prod.balance - sum(entry.amount for entry in prod.ledger) == D("100.00")


def ledger(mturk) -> list[tuple[str, Decimal, str | None]]:
    return [(e.kind, e.amount, e.worker_id) for e in mturk.production.ledger]


@pytest.fixture
def hit(prod_client):
    """Reward 0.50 x 3 assignments: the fee is 0.10, so 1.80 is reserved."""
    return prod_client.create_hit(**HIT_ARGS)["HIT"]


@pytest.fixture
def worker(mturk):
    return mturk.worker(WORKER)


def submit(worker, hit_id: str) -> str:
    assignment = worker.accept(hit_id)
    worker.submit(assignment, {"q": "a"})
    return assignment


# -- the sandbox ---------------------------------------------------------------------


@pytest.mark.mturk(balance="1.00")
def test_sandbox_balance_is_always_10000(mturk, client, make_hit, worker):
    response = client.get_account_balance()
    assert response.keys() == {"AvailableBalance", "ResponseMetadata"}
    assert response["AvailableBalance"] == "10000.00"
    hit_id = make_hit(Reward="900.00", MaxAssignments=20)["HITId"]  # far over any balance
    assignment = submit(worker, hit_id)
    client.approve_assignment(AssignmentId=assignment)
    client.send_bonus(WorkerId=WORKER, AssignmentId=assignment, BonusAmount="500", Reason="wow")
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert mturk.sandbox.balance == D("10000.00")
    assert mturk.production.balance == D("1.00")


# -- reservations and payments ---------------------------------------------------------


def test_creation_reserves_the_liability(mturk, prod_client, hit):
    check_books(mturk, prod_client, balance="100.00", reserved="1.80")
    assert mturk.production.ledger == []


def test_approval_pays_reward_and_fee(mturk, prod_client, hit, worker):
    assignment = submit(worker, hit["HITId"])
    check_books(mturk, prod_client, balance="100.00", reserved="1.80")
    prod_client.approve_assignment(AssignmentId=assignment)
    check_books(mturk, prod_client, balance="99.40", reserved="1.20")
    assert ledger(mturk) == [("reward", D("-0.50"), WORKER), ("fee", D("-0.10"), None)]
    entry = mturk.production.ledger[0]
    assert (entry.hit_id, entry.assignment_id, entry.time) == (hit["HITId"], assignment, mturk.now)


def test_rejection_releases_without_paying(mturk, prod_client, hit, worker):
    assignment = submit(worker, hit["HITId"])
    prod_client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no")
    check_books(mturk, prod_client, balance="100.00", reserved="1.20")
    assert mturk.production.ledger == []


def test_auto_approval_pays(mturk, prod_client, hit, worker):
    submit(worker, hit["HITId"])
    mturk.advance(days=1)
    check_books(mturk, prod_client, balance="99.40", reserved="0.00")  # expired meanwhile
    assert [kind for kind, _, _ in ledger(mturk)] == ["reward", "fee"]


def test_expiry_releases_what_can_no_longer_be_done(mturk, prod_client, hit, worker):
    first = worker.accept(hit["HITId"])
    prod_client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    # Two slots can no longer be taken; the one in progress stays reserved.
    check_books(mturk, prod_client, balance="100.00", reserved="0.60")
    worker.return_(first)
    check_books(mturk, prod_client, balance="100.00", reserved="0.00")


def test_extension_reserves_again(mturk, prod_client, hit):
    prod_client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    check_books(mturk, prod_client, balance="100.00", reserved="0.00")
    prod_client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=mturk.now.timestamp() + 600)
    check_books(mturk, prod_client, balance="100.00", reserved="1.80")
    prod_client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=2
    )
    check_books(mturk, prod_client, balance="100.00", reserved="3.00")


def test_return_and_abandonment_keep_the_reservation_while_live(mturk, prod_client, hit, worker):
    worker.return_(worker.accept(hit["HITId"]))
    mturk.worker("A2222222222222").accept(hit["HITId"])
    mturk.advance(seconds=600)  # the deadline passes: abandoned, the slot reopens
    check_books(mturk, prod_client, balance="100.00", reserved="1.80")


def test_delete_after_review_leaves_nothing_reserved(mturk, prod_client, hit, worker):
    assignment = submit(worker, hit["HITId"])
    prod_client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    prod_client.approve_assignment(AssignmentId=assignment)
    prod_client.delete_hit(HITId=hit["HITId"])
    check_books(mturk, prod_client, balance="99.40", reserved="0.00")


# -- the fee schedule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reward", "max_assignments", "masters", "fee"),
    [
        ("0.50", 1, False, "0.10"),  # 20 %
        ("0.50", 9, False, "0.10"),
        ("0.50", 10, False, "0.20"),  # 40 % from 10 assignments on
        ("0.50", 1, True, "0.13"),  # 25 %: 0.125 rounds half up
        ("0.42", 1, True, "0.11"),  # 0.105 -> 0.11
        ("0.52", 1, False, "0.10"),  # 0.104 -> 0.10
        ("0.10", 10, True, "0.05"),  # 45 %: 0.045 -> 0.05
        ("0.02", 1, False, "0.01"),  # 0.004, but at least a cent
        ("0.01", 10, True, "0.01"),
        ("0", 1, False, "0.01"),
        ("12.34", 1, False, "2.47"),  # 2.468
    ],
)
def test_assignment_fees(mturk, prod_client, reward, max_assignments, masters, fee):
    requirements = (
        [{"QualificationTypeId": MASTERS_PRODUCTION, "Comparator": "Exists"}] if masters else []
    )
    hit = prod_client.create_hit(
        **{**HIT_ARGS, "Reward": reward, "MaxAssignments": max_assignments},
        QualificationRequirements=requirements,
    )["HIT"]
    per_slot = D(reward) + D(fee)
    check_books(mturk, prod_client, balance="100.00", reserved=str(per_slot * max_assignments))
    worker = mturk.worker(WORKER, masters=True)
    prod_client.approve_assignment(AssignmentId=submit(worker, hit["HITId"]))
    assert ledger(mturk) == [("reward", -D(reward), WORKER), ("fee", -D(fee), None)]
    check_books(
        mturk,
        prod_client,
        balance=str(D("100.00") - per_slot),
        reserved=str(per_slot * (max_assignments - 1)),
    )


@pytest.mark.parametrize(
    ("amount", "fee"),
    [("1.00", "0.20"), ("5", "1.00"), ("0.53", "0.11"), ("0.52", "0.10"), ("0.02", "0.01")],
)
def test_bonus_and_its_fee(mturk, prod_client, hit, worker, amount, fee):
    assignment = submit(worker, hit["HITId"])
    prod_client.approve_assignment(AssignmentId=assignment)
    response = prod_client.send_bonus(
        WorkerId=WORKER, AssignmentId=assignment, BonusAmount=amount, Reason="Great work"
    )
    assert response.keys() == {"ResponseMetadata"}
    assert ledger(mturk)[2:] == [("bonus", -D(amount), WORKER), ("bonus-fee", -D(fee), None)]
    check_books(
        mturk,
        prod_client,
        balance=str(D("99.40") - D(amount) - D(fee)),
        reserved="1.20",
    )
    payments = prod_client.list_bonus_payments(AssignmentId=assignment)
    assert payments["NumResults"] == 1
    assert payments["BonusPayments"] == [
        {
            "WorkerId": WORKER,
            "BonusAmount": f"{D(amount):.2f}",
            "AssignmentId": assignment,
            "Reason": "Great work",
            "GrantTime": mturk.now,
        }
    ]
    assert (
        prod_client.list_bonus_payments(HITId=hit["HITId"])["BonusPayments"]
        == (payments["BonusPayments"])
    )


def test_bonus_on_rejected_work(mturk, prod_client, hit, worker):
    assignment = submit(worker, hit["HITId"])
    prod_client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no")
    prod_client.send_bonus(WorkerId=WORKER, AssignmentId=assignment, BonusAmount="0.10", Reason="r")
    check_books(mturk, prod_client, balance="99.88", reserved="1.20")  # 0.10 + 0.02


def test_bonus_errors(mturk, prod_client, hit, worker):
    in_progress = worker.accept(hit["HITId"])
    with raises_request_error(
        mturk, prod_client, "AssignmentDoesNotExist", f"Assignment {in_progress} does not exist."
    ):
        prod_client.send_bonus(
            WorkerId=WORKER, AssignmentId=in_progress, BonusAmount="1", Reason="r"
        )
    worker.submit(in_progress, {"q": "a"})
    with raises_request_error(
        mturk,
        prod_client,
        "InvalidParameterValue",
        f"Worker A9999999999999 did not work on assignment {in_progress}.",
    ):
        prod_client.send_bonus(
            WorkerId="A9999999999999", AssignmentId=in_progress, BonusAmount="1", Reason="r"
        )
    with raises_parameter_error(
        prod_client, 'The value "0.00" is not valid for the parameter BonusAmount.'
    ):
        prod_client.send_bonus(
            WorkerId=WORKER, AssignmentId=in_progress, BonusAmount="0.00", Reason="r"
        )
    with pytest.raises(ParamValidationError):  # Reason is required
        prod_client.send_bonus(WorkerId=WORKER, AssignmentId=in_progress, BonusAmount="1")
    assert "A9999999999999" not in mturk.workers
    assert mturk.production.ledger == []


@pytest.mark.mturk(strict_workers=True)
def test_bonus_to_an_undeclared_worker_in_strict_mode(mturk, prod_client):
    with raises_parameter_error(
        prod_client, 'The value "A9999999999999" is not valid for the parameter WorkerId.'
    ):
        prod_client.send_bonus(
            WorkerId="A9999999999999",
            AssignmentId="39RP059MEI9H98SFWSOY5ZGYFKKBM0",
            BonusAmount="1",
            Reason="r",
        )


def test_list_bonus_payments_for_an_unknown_hit(mturk, prod_client):
    with raises_request_error(
        mturk,
        prod_client,
        "HITDoesNotExist",
        "Hit 3X7837UUADRXYCA1K7JAJLKC66DJ60 does not exist.",
    ):
        prod_client.list_bonus_payments(HITId="3X7837UUADRXYCA1K7JAJLKC66DJ60")


# -- InsufficientFunds: refused, and nothing changes -----------------------------------


@pytest.mark.mturk(balance="1.00")
def test_create_hit_without_funds(mturk, prod_client):
    before = snapshot(mturk)
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.create_hit(**{**HIT_ARGS, "Reward": "0.90", "MaxAssignments": 1})  # 1.08
    assert snapshot(mturk) == before
    assert not mturk.hit_types
    # Exactly the available balance is enough.
    prod_client.create_hit(**{**HIT_ARGS, "Reward": "0.80", "MaxAssignments": 1})  # 0.96
    assert mturk.production.available_balance == D("0.04")


@pytest.mark.mturk(balance="2.00")
def test_extensions_without_funds(mturk, prod_client):
    hit_id = prod_client.create_hit(**{**HIT_ARGS, "Reward": "0.50", "MaxAssignments": 2})["HIT"][
        "HITId"
    ]  # reserves 1.20, 0.80 left
    before = snapshot(mturk)
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.create_additional_assignments_for_hit(
            HITId=hit_id, NumberOfAdditionalAssignments=2
        )
    assert snapshot(mturk) == before

    prod_client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)  # releases 1.20
    prod_client.create_hit(**{**HIT_ARGS, "Reward": "1.00", "MaxAssignments": 1})  # 1.20 of 2.00
    before = snapshot(mturk)
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.update_expiration_for_hit(HITId=hit_id, ExpireAt=mturk.now.timestamp() + 600)
    assert snapshot(mturk) == before
    assert prod_client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"


@pytest.mark.mturk(balance="1.00")
def test_bonus_without_funds(mturk, prod_client, worker):
    hit_id = prod_client.create_hit(**{**HIT_ARGS, "MaxAssignments": 1})["HIT"]["HITId"]
    assignment = submit(worker, hit_id)
    prod_client.approve_assignment(AssignmentId=assignment)  # 0.40 left
    before = snapshot(mturk)
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.send_bonus(
            WorkerId=WORKER, AssignmentId=assignment, BonusAmount="0.34", Reason="r"
        )  # 0.34 + 0.07 = 0.41
    assert snapshot(mturk) == before
    assert prod_client.list_bonus_payments(AssignmentId=assignment)["BonusPayments"] == []
    prod_client.send_bonus(WorkerId=WORKER, AssignmentId=assignment, BonusAmount="0.33", Reason="r")
    assert mturk.production.balance == D("0.00")


@pytest.mark.mturk(balance="1.00")
def test_override_rejection_without_funds(mturk, prod_client, worker):
    hit_id = prod_client.create_hit(**{**HIT_ARGS, "MaxAssignments": 1})["HIT"]["HITId"]
    assignment = submit(worker, hit_id)
    prod_client.reject_assignment(AssignmentId=assignment, RequesterFeedback="no")
    prod_client.create_hit(**{**HIT_ARGS, "Reward": "0.40", "MaxAssignments": 1})  # 0.52 left
    before = snapshot(mturk)
    with raises_request_error(mturk, prod_client, "InsufficientFunds", INSUFFICIENT):
        prod_client.approve_assignment(AssignmentId=assignment, OverrideRejection=True)
    assert snapshot(mturk) == before
    assert mturk.assignments[assignment].status == "Rejected"


# -- a whole batch, books checked at every step -----------------------------------------


def test_books_balance_through_a_batch(mturk, prod_client):
    hit_id = prod_client.create_hit(**{**HIT_ARGS, "Reward": "1.00", "MaxAssignments": 10})["HIT"][
        "HITId"
    ]  # fee 0.40 -> 14.00 reserved
    check_books(mturk, prod_client, balance="100.00", reserved="14.00")
    done = [submit(mturk.worker(f"A{n:013d}"), hit_id) for n in range(4)]
    prod_client.approve_assignment(AssignmentId=done[0])
    check_books(mturk, prod_client, balance="98.60", reserved="12.60")
    prod_client.reject_assignment(AssignmentId=done[1], RequesterFeedback="no")
    check_books(mturk, prod_client, balance="98.60", reserved="11.20")
    prod_client.approve_assignment(AssignmentId=done[1], OverrideRejection=True)
    check_books(mturk, prod_client, balance="97.20", reserved="11.20")
    prod_client.send_bonus(
        WorkerId="A0000000000000", AssignmentId=done[0], BonusAmount="2", Reason="r"
    )
    check_books(mturk, prod_client, balance="94.80", reserved="11.20")
    prod_client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)  # 6 untaken slots released
    check_books(mturk, prod_client, balance="94.80", reserved="2.80")
    mturk.advance(days=1)  # the last two are auto-approved
    check_books(mturk, prod_client, balance="92.00", reserved="0.00")
    paid = sum(-e.amount for e in mturk.production.ledger if e.kind in ("reward", "bonus"))
    fees = sum(-e.amount for e in mturk.production.ledger if e.kind in ("fee", "bonus-fee"))
    assert (paid, fees) == (D("6.00"), D("2.00"))
