"""Review policies are registered kinds: one module each, found and run by the registry."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from conftest import HIT_ARGS, policy, raises_parameter_error

from pytest_mturk.rules import policies
from pytest_mturk.rules.policies import Param, PolicyKind

TOY = "CountMySubmissions/2026-01-01"


def test_every_policy_module_registers_its_kind():
    modules = [m.name for m in pkgutil.iter_modules(policies.__path__) if m.name[0] != "_"]
    kinds = [
        importlib.import_module(f"pytest_mturk.rules.policies.{name}").KIND for name in modules
    ]

    assert {kind.name: kind for kind in kinds} == policies.KINDS
    assert policies.KINDS["ScoreMyKnownAnswers/2011-09-01"].level == "Assignment"
    assert policies.KINDS["SimplePlurality/2011-09-01"].level == "HIT"


@pytest.fixture
def toy(monkeypatch):
    """A HIT-level policy made in the test: registering it is all it takes."""
    seen: list[tuple[str, str, int]] = []

    def submitted(svc, state, hit, assignment, now, chosen):
        seen.append(("submit", assignment.assignment_id, chosen.get("Every")))

    def reviewable(svc, state, hit, now, chosen):
        seen.append(("reviewable", hit.hit_id, chosen.get("Every")))

    kind = PolicyKind(
        TOY,
        "HIT",
        {"Every": Param("int", 1, 5), "Note": Param("text")},
        required=("Every",),
        on_submit=submitted,
        on_reviewable=reviewable,
    )
    monkeypatch.setitem(policies.KINDS, TOY, kind)
    return seen


def test_a_registered_policy_is_checked_and_run(mturk, client, toy):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1}, HITReviewPolicy=policy(TOY, Every=2)
    )["HIT"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment_id = worker.accept(hit["HITId"])

    worker.submit(assignment_id, {"label": "cat"})

    # The last submission makes the HIT Reviewable before the submit hooks run.
    assert toy == [("reviewable", hit["HITId"], 2), ("submit", assignment_id, 2)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"Every": 9}, "The value 9 is invalid for Every. Valid values range from 1 to 5."),
        ({}, f"The parameter Every is required for {TOY}."),
        ({"Every": 1, "Other": 1}, f'The parameter "Other" is not valid for {TOY}.'),
    ],
)
def test_a_registered_policy_has_its_parameters_checked(mturk, client, toy, params, message):
    with raises_parameter_error(client, message):
        client.create_hit(**HIT_ARGS, HITReviewPolicy=policy(TOY, **params))
    assert toy == []


def test_a_policy_serves_its_own_level_only(mturk, client, toy):
    with raises_parameter_error(
        client, f'The value "{TOY}" is not valid for the parameter PolicyName.'
    ):
        client.create_hit(**HIT_ARGS, AssignmentReviewPolicy=policy(TOY, Every=1))


def test_a_kind_names_a_level_that_exists():
    with pytest.raises(ValueError, match="Assignment or HIT"):
        policies.register(PolicyKind("Nope/1", "Worker", {}))
    assert "Nope/1" not in policies.KINDS
