"""Qualification requirements held against simulated workers: all ten comparators, integer
and locale values, system qualifications from profile and history, and which actions
(discover, preview, accept) each requirement guards (spec §7)."""

from __future__ import annotations

import operator

import pytest
from conftest import raises_request_error
from hypothesis import given, settings
from hypothesis import strategies as st
from qualification_helpers import (
    ADULT,
    LOCALE,
    MASTERS_PRODUCTION,
    MASTERS_SANDBOX,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
    make_type,
    requirement,
)

from pytest_mturk import WorkerActionError
from pytest_mturk.core.model import Worker
from pytest_mturk.rules.qualifications.requirements import meets
from pytest_mturk.rules.qualifications.system_qualifications import Value, percent_approved

WORKER = "A1B2C3D4E5F6G7"


def locale(comparator: str, *places: str, **extra) -> dict:
    values = []
    for place in places:
        country, _, subdivision = place.partition("-")
        values.append({"Country": country, **({"Subdivision": subdivision} if subdivision else {})})
    return {
        "QualificationTypeId": LOCALE,
        "Comparator": comparator,
        "LocaleValues": values,
        **extra,
    }


def guarded_hit(make_hit, *requirements):
    return make_hit(QualificationRequirements=list(requirements))["HITId"]


def may_accept(worker, hit_id) -> bool:
    return worker.why_not(hit_id) is None


# -- integer comparators on a requester's type --------------------------------------

INTEGER_CASES = [
    ("LessThan", [5], 4, True),
    ("LessThan", [5], 5, False),
    ("LessThanOrEqualTo", [5], 5, True),
    ("LessThanOrEqualTo", [5], 6, False),
    ("GreaterThan", [5], 6, True),
    ("GreaterThan", [5], 5, False),
    ("GreaterThanOrEqualTo", [5], 5, True),
    ("GreaterThanOrEqualTo", [5], 4, False),
    ("EqualTo", [5], 5, True),
    ("EqualTo", [5], 4, False),
    ("NotEqualTo", [5], 4, True),
    ("NotEqualTo", [5], 5, False),
    ("In", [1, 3, 5], 3, True),
    ("In", [1, 3, 5], 4, False),
    ("NotIn", [1, 3, 5], 4, True),
    ("NotIn", [1, 3, 5], 5, False),
    ("Exists", [], 0, True),
    ("DoesNotExist", [], 0, False),
]


@pytest.mark.parametrize(("comparator", "values", "held", "allowed"), INTEGER_CASES)
def test_integer_comparators(mturk, client, make_hit, comparator, values, held, allowed):
    type_id = make_type(client)["QualificationTypeId"]
    client.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=held
    )
    hit_id = guarded_hit(make_hit, requirement(type_id, comparator, *values))
    worker = mturk.worker(WORKER)

    assert may_accept(worker, hit_id) is allowed
    if allowed:
        worker.accept(hit_id)
    else:
        with pytest.raises(WorkerActionError, match="does not meet the QualificationRequirements"):
            worker.accept(hit_id)
        assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 0


@pytest.mark.parametrize("comparator", sorted({case[0] for case in INTEGER_CASES}))
@pytest.mark.parametrize("revoked", [False, True])
def test_without_the_qualification_only_does_not_exist_passes(
    mturk, client, make_hit, comparator, revoked
):
    type_id = make_type(client)["QualificationTypeId"]
    if revoked:  # a revoked qualification counts as absent
        client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=WORKER)
        client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER)
    values = {"In": [1, 2], "NotIn": [1, 2], "Exists": [], "DoesNotExist": []}.get(comparator, [1])
    hit_id = guarded_hit(make_hit, requirement(type_id, comparator, *values))

    assert may_accept(mturk.worker(WORKER), hit_id) is (comparator == "DoesNotExist")


def test_every_requirement_must_be_met(mturk, client, make_hit):
    first = make_type(client, name="First")["QualificationTypeId"]
    second = make_type(client, name="Second")["QualificationTypeId"]
    client.associate_qualification_with_worker(
        QualificationTypeId=first, WorkerId=WORKER, IntegerValue=90
    )
    hit_id = guarded_hit(
        make_hit,
        requirement(first, "GreaterThan", 50),
        requirement(second, "Exists"),
    )
    worker = mturk.worker(WORKER)

    assert "'Second' Exists (the worker has: none)" in worker.why_not(hit_id)
    client.associate_qualification_with_worker(QualificationTypeId=second, WorkerId=WORKER)
    assert may_accept(worker, hit_id)


# -- locale -----------------------------------------------------------------------

LOCALE_CASES = [
    (("EqualTo", "US"), "US-CA", True),  # a country matches every subdivision
    (("EqualTo", "US-CA"), "US-CA", True),
    (("EqualTo", "US-PA"), "US-NY", False),
    (("EqualTo", "US-CA"), "US", False),
    (("EqualTo", "GB"), "US", False),
    (("NotEqualTo", "US"), "CA", True),
    (("NotEqualTo", "US"), "US-TX", False),
    (("NotEqualTo", "US-NY"), "US-PA", True),
    (("In", "GB", "CA", "US-WA"), "US-WA", True),
    (("In", "GB", "CA", "US-WA"), "US-OR", False),
    (("NotIn", "GB", "CA"), "US", True),
    (("NotIn", "GB", "CA"), "CA-QC", False),
]


@pytest.mark.parametrize(("spec", "place", "allowed"), LOCALE_CASES)
def test_locale_comparators(mturk, make_hit, spec, place, allowed):
    hit_id = guarded_hit(make_hit, locale(*spec))

    worker = mturk.worker(WORKER, locale=place)

    assert may_accept(worker, hit_id) is allowed


def test_locale_exists_for_everyone(mturk, make_hit):
    hit_id = guarded_hit(make_hit, {"QualificationTypeId": LOCALE, "Comparator": "Exists"})

    assert may_accept(mturk.worker(WORKER), hit_id)


def test_a_profile_can_change_between_looks(mturk, make_hit):
    hit_id = guarded_hit(make_hit, locale("EqualTo", "DE"))
    worker = mturk.worker(WORKER, locale="FR")
    assert "Worker_Locale EqualTo DE (the worker has: FR)" in worker.why_not(hit_id)

    mturk.worker(WORKER, locale="DE")

    assert may_accept(worker, hit_id)


# -- other system qualifications --------------------------------------------------


@pytest.mark.parametrize(("adult", "allowed"), [(True, True), (False, False)])
def test_adult(mturk, make_hit, adult, allowed):
    hit_id = guarded_hit(make_hit, requirement(ADULT, "EqualTo", 1))

    assert may_accept(mturk.worker(WORKER, adult=adult), hit_id) is allowed


@pytest.mark.parametrize(("masters", "allowed"), [(True, True), (False, False)])
def test_masters_in_each_environment(mturk, make_hit, prod_client, masters, allowed):
    sandbox_hit = guarded_hit(make_hit, requirement(MASTERS_SANDBOX, "Exists"))
    production_hit = make_hit(
        prod_client, QualificationRequirements=[requirement(MASTERS_PRODUCTION, "Exists")]
    )["HITId"]
    worker = mturk.worker(WORKER, masters=masters)

    assert may_accept(worker, sandbox_hit) is allowed
    assert may_accept(worker, production_hit) is allowed


def test_the_other_environments_masters_id_is_unknown(mturk, client, make_hit):
    with raises_request_error(
        mturk,
        client,
        "QualificationTypeDoesNotExist",
        f"QualificationType [{MASTERS_PRODUCTION}] does not exist.",
    ):
        make_hit(QualificationRequirements=[requirement(MASTERS_PRODUCTION, "Exists")])


def work_on(mturk, client, make_hit, worker_id, outcomes):
    """The worker does one assignment per outcome ("approve"/"reject"/"submit")."""
    for outcome in outcomes:
        hit_id = make_hit(MaxAssignments=1)["HITId"]
        worker = mturk.worker(worker_id)
        assignment_id = worker.accept(hit_id)
        worker.submit(assignment_id, {"x": "1"})
        if outcome == "approve":
            client.approve_assignment(AssignmentId=assignment_id)
        elif outcome == "reject":
            client.reject_assignment(AssignmentId=assignment_id, RequesterFeedback="no")


def test_number_of_hits_approved_counts_profile_and_history(mturk, client, make_hit):
    hit_id = guarded_hit(make_hit, requirement(NUMBER_HITS_APPROVED, "GreaterThanOrEqualTo", 12))
    mturk.worker(WORKER, approved=10)
    assert not may_accept(mturk.worker(WORKER), hit_id)

    work_on(mturk, client, make_hit, WORKER, ["approve", "reject", "submit", "approve"])

    assert may_accept(mturk.worker(WORKER), hit_id)


@pytest.mark.parametrize(
    ("approved", "rejected", "percent"),
    [(0, 0, 100), (50, 49, 100), (90, 10, 90), (95, 5, 95), (999, 1, 99), (0, 100, 0)],
)
def test_percent_approved_from_the_profile(mturk, make_hit, approved, rejected, percent):
    hit_id = guarded_hit(make_hit, requirement(PERCENT_APPROVED, "EqualTo", percent))

    worker = mturk.worker(WORKER, approved=approved, rejected=rejected)

    assert may_accept(worker, hit_id), worker.why_not(hit_id)


def test_percent_approved_follows_what_happens_to_the_workers_assignments(mturk, client, make_hit):
    hit_id = guarded_hit(make_hit, requirement(PERCENT_APPROVED, "GreaterThanOrEqualTo", 96))
    worker = mturk.worker(WORKER, approved=95, rejected=3)  # 98 submitted: still "100"
    assert may_accept(worker, hit_id)

    work_on(mturk, client, make_hit, WORKER, ["reject", "reject"])  # 100 submitted: 95 %

    assert "Worker_PercentAssignmentsApproved GreaterThanOrEqualTo 96" in worker.why_not(hit_id)
    assert "(the worker has: 95)" in worker.why_not(hit_id)


# -- what each requirement guards ---------------------------------------------------


@pytest.mark.parametrize(
    ("guard", "discover", "preview"),
    [
        ({"ActionsGuarded": "Accept"}, True, True),
        ({}, True, True),
        ({"RequiredToPreview": False}, True, True),
        ({"ActionsGuarded": "PreviewAndAccept"}, True, False),
        ({"RequiredToPreview": True}, True, False),
        ({"ActionsGuarded": "DiscoverPreviewAndAccept"}, False, False),
    ],
)
def test_actions_guarded(mturk, client, make_hit, guard, discover, preview):
    type_id = make_type(client)["QualificationTypeId"]
    hit = make_hit(QualificationRequirements=[requirement(type_id, "Exists", **guard)])
    outsider, insider = mturk.worker("AOUTSIDER1"), mturk.worker("AINSIDER01")
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="AINSIDER01")

    assert (hit["HITId"] in outsider.available_hits()) is discover
    if discover:
        seen = outsider.preview(hit["HITId"])
        assert (seen.question == hit["Question"]) is preview
        assert seen.title == hit["Title"] and not seen.can_accept
    else:
        with pytest.raises(WorkerActionError, match="hidden"):
            outsider.preview(hit["HITId"])
    assert not may_accept(outsider, hit["HITId"])
    assert hit["HITId"] in insider.available_hits()
    assert insider.preview(hit["HITId"]).question == hit["Question"]
    assert insider.preview(hit["HITId"]).can_accept


def test_available_hits_leaves_out_full_expired_and_deleted_hits(mturk, client, make_hit):
    open_hit = make_hit()["HITId"]
    full = make_hit(MaxAssignments=1)["HITId"]
    mturk.worker("AOTHER0001").accept(full)
    expired = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=expired, ExpireAt=0)
    deleted = make_hit()["HITId"]
    client.update_expiration_for_hit(HITId=deleted, ExpireAt=0)
    client.delete_hit(HITId=deleted)

    assert mturk.worker(WORKER).available_hits() == [open_hit]
    assert "has expired" in mturk.worker(WORKER).why_not(expired)
    assert "no assignments available" in mturk.worker(WORKER).why_not(full)


# -- the evaluation rules, directly -------------------------------------------------

_ORDER = {
    "LessThan": operator.lt,
    "LessThanOrEqualTo": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanOrEqualTo": operator.ge,
    "EqualTo": operator.eq,
    "NotEqualTo": operator.ne,
}


@settings(deadline=None)
@given(
    comparator=st.sampled_from([*_ORDER, "In", "NotIn", "Exists", "DoesNotExist"]),
    values=st.lists(st.integers(-5, 5), min_size=1, max_size=15),
    held=st.none() | st.integers(-6, 6),
)
def test_meets_agrees_with_a_reference(comparator, values, held):
    req = {"Comparator": comparator, "IntegerValues": values}
    value = None if held is None else Value(held)

    if comparator == "DoesNotExist":
        expected = held is None
    elif held is None:
        expected = False
    elif comparator == "Exists":
        expected = True
    elif comparator == "In":
        expected = held in values
    elif comparator == "NotIn":
        expected = held not in values
    else:
        expected = _ORDER[comparator](held, values[0])
    assert meets(req, value) is expected


@settings(deadline=None)
@given(
    prior_approved=st.integers(0, 300),
    prior_rejected=st.integers(0, 300),
    approved=st.integers(0, 50),
    rejected=st.integers(0, 50),
    pending=st.integers(0, 5),
)
def test_percent_approved_bounds(prior_approved, prior_rejected, approved, rejected, pending):
    worker = Worker(
        "A1",
        prior_approved=prior_approved,
        prior_rejected=prior_rejected,
        approved=approved,
        rejected=rejected,
        submitted_total=approved + rejected + pending,
    )
    percent = percent_approved(worker)

    assert 0 <= percent <= 100
    submitted = prior_approved + prior_rejected + approved + rejected + pending
    if submitted < 100 or rejected + prior_rejected == 0:
        assert percent == 100
    else:
        decided = prior_approved + approved + prior_rejected + rejected
        assert percent == (100 * (prior_approved + approved)) // decided
