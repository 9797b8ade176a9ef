"""Bad input, generated: invalid IDs, amounts, enums and out-of-range numbers get only the
service's own errors (or botocore's ParamValidationError), never another exception, and
never change anything."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from conftest import EXTERNAL_QUESTION, HIT_ARGS, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.mturk(start="2021-07-14T20:00:00+00:00")

WORKER = "A1B2C3D4E5F6G7"
ENTITY_ID = re.compile(r"[A-Z0-9]{1,64}")
WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}")
AMOUNT = re.compile(r"[0-9]+(\.)?[0-9]{0,2}")
MAX_SECONDS = 31_536_000

NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
fuzz = settings(
    max_examples=int(os.environ.get("MTURK_FUZZ_EXAMPLES", 1000 if NIGHTLY else 40)),
    deadline=None,
    database=None,
    # The same examples every run (no flaky CI); MTURK_FUZZ_SEED=random explores anew.
    derandomize=not NIGHTLY and os.environ.get("MTURK_FUZZ_SEED") != "random",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Text botocore lets through (a string) but the service may refuse.
texts = st.text(max_size=80) | st.text(alphabet="ABCXYZ0123456789-_ a", max_size=70)
entity_ids = texts | st.from_regex(ENTITY_ID, fullmatch=True)
worker_ids = texts | st.from_regex(WORKER_ID, fullmatch=True)
bad_amounts = (
    texts.filter(lambda s: not AMOUNT.fullmatch(s))
    | st.sampled_from(["-1", "1.234", "$1", " 1", "1e5", "NaN", "Infinity", ".5", "1,00"])
    | st.integers(min_value=27, max_value=60).map(lambda n: "9" * n)  # beyond any balance type
)


@pytest.fixture
def world(mturk, client):
    """A HIT with one submitted assignment, one in progress, and a Reviewable HIT."""
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    done, busy = mturk.worker(WORKER), mturk.worker("A2222222222222")
    submitted = done.accept(hit["HITId"])
    done.submit(submitted, {"q": "a"})
    in_progress = busy.accept(hit["HITId"])
    expired = client.create_hit(**{**HIT_ARGS, "Title": "expired"})["HIT"]
    client.update_expiration_for_hit(HITId=expired["HITId"], ExpireAt=0)
    return {
        "hit": hit,
        "submitted": submitted,
        "in_progress": in_progress,
        "expired": expired["HITId"],
    }


def refused(mturk, call) -> Exception:
    """Run a call that must fail; return its error after checking nothing changed."""
    before = snapshot(mturk)
    try:
        call()
    except (ClientError, ParamValidationError) as exc:
        error = exc
    else:
        raise AssertionError("the call succeeded")
    assert snapshot(mturk) == before
    return error


def code(error: Exception) -> tuple[str, str | None]:
    assert isinstance(error, ClientError), error
    return error.response["Error"]["Code"], error.response.get("TurkErrorCode")


def violations(
    path: str,
    value: str,
    *,
    pattern: str | None = None,
    low: int | None = None,
    high: int | None = None,
    enum: tuple[str, ...] | None = None,
) -> list[str]:
    """What the request framework lists for one value breaking the model's constraints."""
    found = []
    head = f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
    if pattern is not None and not re.fullmatch(pattern, value):
        found.append(head + f"satisfy regular expression pattern: {pattern}")
    if low is not None and len(value) < low:
        found.append(head + f"have length greater than or equal to {low}")
    if high is not None and len(value) > high:
        found.append(head + f"have length less than or equal to {high}")
    if enum is not None and value not in enum:
        found.append(head + f"satisfy enum value set: [{', '.join(enum)}]")
    return found


def assert_violations(error: Exception, found: list[str]) -> None:
    """A ValidationException listing ``found`` (at most ten of them), unstamped."""
    assert found
    assert code(error) == ("ValidationException", None)
    listed = found[:10]
    plural = "error" if len(listed) == 1 else "errors"
    assert error.response["Error"]["Message"] == (
        f"{len(listed)} validation {plural} detected: " + "; ".join(listed)
    )


def assert_id_violation(error: Exception, path: str, value: str, pattern: str) -> None:
    if value == "":
        assert isinstance(error, ParamValidationError)  # botocore's own minimum length
        return
    assert_violations(error, violations(path, value, pattern=pattern, low=1, high=64))


ENTITY_PATTERN = "^[A-Z0-9]+$"
WORKER_PATTERN = "^A[A-Z0-9]+$"
AMOUNT_PATTERN = "^[0-9]+(\\.)?[0-9]{0,2}$"


def unstamped(error: Exception) -> str:
    """The message of MTurk's own error without its " (<epoch ms> s)" stamp (the
    sandbox's)."""
    message = error.response["Error"]["Message"]
    stamped = re.fullmatch(r"(?s)(.*) \(\d{13} s\)", message)
    assert stamped, message
    return stamped.group(1)


def assert_invalid_value(error: Exception, name: str, value: str) -> None:
    """MTurk's own refusal of a value the model allows but the service does not."""
    assert code(error) == ("ParameterValidationError", None)
    assert unstamped(error) == f'The value "{value}" is not valid for the parameter {name}.'


def assert_amount(error: Exception, path: str, name: str, value: str) -> None:
    if AMOUNT.fullmatch(value):
        assert_invalid_value(error, name, value)  # well-formed, but not an amount MTurk takes
    else:
        assert_violations(error, violations(path, value, pattern=AMOUNT_PATTERN))


def assert_out_of_range(error: Exception, name: str, value: int, low: int, high: int) -> None:
    assert code(error) == ("ParameterValidationError", None)
    assert unstamped(error) == (
        f"The value {value} is invalid for {name}. Valid values range from {low} to {high}."
    )


# -- identifiers ---------------------------------------------------------------------

HIT_ID_CALLS = {
    "get_hit": lambda c, v: c.get_hit(HITId=v),
    "delete_hit": lambda c, v: c.delete_hit(HITId=v),
    "update_expiration_for_hit": lambda c, v: c.update_expiration_for_hit(HITId=v, ExpireAt=0),
    "update_hit_review_status": lambda c, v: c.update_hit_review_status(HITId=v),
    "list_assignments_for_hit": lambda c, v: c.list_assignments_for_hit(HITId=v),
    "create_additional_assignments_for_hit": lambda c, v: c.create_additional_assignments_for_hit(
        HITId=v, NumberOfAdditionalAssignments=1
    ),
    "list_bonus_payments": lambda c, v: c.list_bonus_payments(HITId=v),
}


@pytest.mark.parametrize("operation", sorted(HIT_ID_CALLS))
def test_hit_ids(mturk, client, world, operation):
    @fuzz
    @given(hit_id=entity_ids)
    def check(hit_id):
        if hit_id in mturk.hits:
            return
        error = refused(mturk, lambda: HIT_ID_CALLS[operation](client, hit_id))
        if ENTITY_ID.fullmatch(hit_id):
            assert code(error) == ("RequestError", "AWS.MechanicalTurk.HITDoesNotExist")
            assert error.response["Message"].startswith(f"Hit {hit_id} does not exist. (")
        else:
            assert_id_violation(error, "hITId", hit_id, ENTITY_PATTERN)

    check()


ASSIGNMENT_ID_CALLS = {
    "get_assignment": lambda c, v: c.get_assignment(AssignmentId=v),
    "approve_assignment": lambda c, v: c.approve_assignment(AssignmentId=v),
    "reject_assignment": lambda c, v: c.reject_assignment(AssignmentId=v, RequesterFeedback="x"),
    "send_bonus": lambda c, v: c.send_bonus(
        WorkerId=WORKER, AssignmentId=v, BonusAmount="1", Reason="r"
    ),
}


@pytest.mark.parametrize("operation", sorted(ASSIGNMENT_ID_CALLS))
def test_assignment_ids(mturk, client, world, operation):
    @fuzz
    @given(assignment_id=entity_ids | st.just(world["in_progress"]))
    def check(assignment_id):
        if assignment_id == world["submitted"]:
            return
        error = refused(mturk, lambda: ASSIGNMENT_ID_CALLS[operation](client, assignment_id))
        if assignment_id == world["in_progress"] and operation == "get_assignment":
            assert code(error) == ("RequestError", "AWS.MechanicalTurk.InvalidAssignmentState")
        elif ENTITY_ID.fullmatch(assignment_id):
            assert code(error) == ("RequestError", "AWS.MechanicalTurk.AssignmentDoesNotExist")
        else:
            assert_id_violation(error, "assignmentId", assignment_id, ENTITY_PATTERN)

    check()


def test_bonus_worker_ids(mturk, client, world):
    @fuzz
    @given(worker_id=worker_ids)
    def check(worker_id):
        if worker_id == WORKER:
            return
        error = refused(
            mturk,
            lambda: client.send_bonus(
                WorkerId=worker_id, AssignmentId=world["submitted"], BonusAmount="1", Reason="r"
            ),
        )
        if WORKER_ID.fullmatch(worker_id):
            # A real worker, just not the one who did this assignment.
            assert code(error) == ("RequestError", "AWS.MechanicalTurk.InvalidParameterValue")
        else:
            assert_id_violation(error, "workerId", worker_id, WORKER_PATTERN)

    check()


def test_hit_type_ids(mturk, client, world):
    @fuzz
    @given(type_id=entity_ids)
    def check(type_id):
        if type_id in mturk.hit_types:
            return
        error = refused(
            mturk,
            lambda: client.create_hit_with_hit_type(
                HITTypeId=type_id, LifetimeInSeconds=60, Question=EXTERNAL_QUESTION
            ),
        )
        if ENTITY_ID.fullmatch(type_id):
            assert code(error) == ("RequestError", "AWS.MechanicalTurk.HITTypeDoesNotExist")
        else:
            assert_id_violation(error, "hITTypeId", type_id, ENTITY_PATTERN)

    check()


# -- amounts -------------------------------------------------------------------------


def test_rewards(mturk, client, world):
    @fuzz
    @given(reward=bad_amounts)
    def check(reward):
        error = refused(mturk, lambda: client.create_hit(**{**HIT_ARGS, "Reward": reward}))
        assert_amount(error, "reward", "Reward", reward)

    check()


def test_bonus_amounts(mturk, client, world):
    @fuzz
    @given(amount=bad_amounts | st.sampled_from(["0", "0.00", "0.", "00.0"]))
    def check(amount):
        error = refused(
            mturk,
            lambda: client.send_bonus(
                WorkerId=WORKER, AssignmentId=world["submitted"], BonusAmount=amount, Reason="r"
            ),
        )
        assert_amount(error, "bonusAmount", "BonusAmount", amount)

    check()


# -- enums ---------------------------------------------------------------------------


def not_in(*allowed: str):
    return texts.filter(lambda s: s not in allowed)


def test_reviewable_status(mturk, client, world):
    @fuzz
    @given(status=not_in("Reviewable", "Reviewing"))
    def check(status):
        error = refused(mturk, lambda: client.list_reviewable_hits(Status=status))
        assert_violations(error, violations("status", status, enum=("Reviewable", "Reviewing")))

    check()


def test_assignment_statuses(mturk, client, world):
    @fuzz
    @given(
        statuses=st.lists(
            st.sampled_from(["Submitted", "Approved", "Rejected"]) | not_in(), min_size=1
        ).filter(lambda xs: not set(xs) <= {"Submitted", "Approved", "Rejected"})
    )
    def check(statuses):
        error = refused(
            mturk,
            lambda: client.list_assignments_for_hit(
                HITId=world["hit"]["HITId"], AssignmentStatuses=statuses
            ),
        )
        allowed = ("Submitted", "Approved", "Rejected")
        found = [
            problem
            for number, status in enumerate(statuses, 1)
            for problem in violations(f"assignmentStatuses.{number}.member", status, enum=allowed)
        ]
        assert_violations(error, found)

    check()


COMPARATORS = (
    "LessThan",
    "LessThanOrEqualTo",
    "GreaterThan",
    "GreaterThanOrEqualTo",
    "EqualTo",
    "NotEqualTo",
    "Exists",
    "DoesNotExist",
    "In",
    "NotIn",
)


ACTIONS = ("Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept")


def test_requirement_enums(mturk, client, world):
    @fuzz
    @given(
        member=st.sampled_from(["Comparator", "ActionsGuarded"]),
        value=not_in(*COMPARATORS, "Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept"),
    )
    def check(member, value):
        requirement = {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "GreaterThan",
            "IntegerValues": [5],
            member: value,
        }
        error = refused(
            mturk,
            lambda: client.create_hit(**HIT_ARGS, QualificationRequirements=[requirement]),
        )
        allowed = COMPARATORS if member == "Comparator" else ACTIONS
        path = "qualificationRequirements.1.member." + member[0].lower() + member[1:]
        assert_violations(error, violations(path, value, enum=allowed))

    check()


# -- numbers -------------------------------------------------------------------------

RANGES = {
    "LifetimeInSeconds": (30, MAX_SECONDS),
    "AssignmentDurationInSeconds": (30, MAX_SECONDS),
    "AutoApprovalDelayInSeconds": (0, 2_592_000),
    "MaxAssignments": (1, 1_000_000_000),
}


def outside(low: int, high: int):
    return st.integers(max_value=low - 1) | st.integers(min_value=high + 1)


def test_create_hit_numbers(mturk, client, world):
    @fuzz
    @given(data=st.data(), member=st.sampled_from(sorted(RANGES)))
    def check(data, member):
        low, high = RANGES[member]
        value = data.draw(outside(low, high))
        error = refused(mturk, lambda: client.create_hit(**{**HIT_ARGS, member: value}))
        assert_out_of_range(error, member, value, low, high)

    check()


def test_additional_assignment_counts(mturk, client, world):
    @fuzz
    @given(count=outside(1, 1_000_000_000))
    def check(count):
        error = refused(
            mturk,
            lambda: client.create_additional_assignments_for_hit(
                HITId=world["hit"]["HITId"], NumberOfAdditionalAssignments=count
            ),
        )
        assert_out_of_range(error, "NumberOfAdditionalAssignments", count, 1, 1_000_000_000)

    check()


def test_page_sizes(mturk, client, world):
    @fuzz
    @given(size=outside(1, 100))
    def check(size):
        error = refused(mturk, lambda: client.list_hits(MaxResults=size))
        if size < 1:
            assert isinstance(error, ParamValidationError)
        else:
            assert_violations(
                error,
                [
                    f"Value '{size}' at 'maxResults' failed to satisfy constraint: "
                    "Member must have value less than or equal to 100"
                ],
            )

    check()


def test_expiration_increments(mturk, client, world):
    hit = world["hit"]

    @fuzz
    @given(
        increment=st.integers(min_value=1, max_value=59)
        | st.integers(min_value=MAX_SECONDS + 1, max_value=200 * MAX_SECONDS)
        | st.integers(min_value=-3599, max_value=-1)  # earlier, but still in the future
    )
    def check(increment):
        when = hit["Expiration"] + dt.timedelta(seconds=increment)
        error = refused(
            mturk, lambda: client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=when)
        )
        assert_out_of_range(error, "ExpirationIncrementInSeconds", increment, 60, MAX_SECONDS)

    check()


def test_text_lengths(mturk, client, world):
    limits = {"Title": 128, "Description": 2000, "Keywords": 1000, "RequesterAnnotation": 255}

    @fuzz
    @given(member=st.sampled_from(sorted(limits)), extra=st.integers(1, 3000))
    def check(member, extra):
        value = "x" * (limits[member] + extra)
        error = refused(mturk, lambda: client.create_hit(**{**HIT_ARGS, member: value}))
        assert code(error) == ("ParameterValidationError", None)

    check()


def test_wrong_types_stop_in_botocore(mturk, client, world):
    @fuzz
    @given(
        value=st.one_of(st.floats(), st.lists(st.integers(), max_size=2), st.booleans()),
        member=st.sampled_from(["Title", "Reward", "Question"]),
    )
    def check(value, member):
        error = refused(mturk, lambda: client.create_hit(**{**HIT_ARGS, member: value}))
        assert isinstance(error, ParamValidationError)

    check()


# -- refused calls leave IDs untouched too ---------------------------------------------


@pytest.mark.mturk(balance="1.00")
def test_refused_calls_do_not_consume_ids(mturk, client, prod_client):
    expected = None
    from pytest_mturk import mturk_sim

    with mturk_sim(balance="1.00", start="2021-07-14T20:00:00+00:00") as twin:
        expected = twin.client().create_hit(**HIT_ARGS)["HIT"]
    for bad in (
        {"LifetimeInSeconds": 1},
        {"Reward": "x"},
        {"MaxAssignments": 0},
        {"Title": "new title", "LifetimeInSeconds": 1},
    ):
        refused(mturk, lambda bad=bad: client.create_hit(**{**HIT_ARGS, **bad}))
    refused(mturk, lambda: prod_client.create_hit(**{**HIT_ARGS, "Reward": "5.00"}))
    refused(
        mturk,
        lambda: prod_client.create_hit(**{**HIT_ARGS, "Title": "new", "Reward": "5.00"}),
    )
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    assert (hit["HITId"], hit["HITTypeId"], hit["HITGroupId"]) == (
        expected["HITId"],
        expected["HITTypeId"],
        expected["HITGroupId"],
    )
