"""The system qualification types come from one place, the same in every door."""

from __future__ import annotations

import pytest

from pytest_mturk.core import model
from pytest_mturk.core.model import Environment
from pytest_mturk.rules import system_qualifications


def test_the_model_agrees_with_the_one_place():
    # model.py still holds its own copy of the IDs (State.masters_id, HITType.requires_masters).
    assert {env.value: type_id for env, type_id in model.MASTERS_IDS.items()} == (
        system_qualifications.MASTERS_IDS
    )
    for name in ("NUMBER_HITS_APPROVED", "LOCALE", "ADULT", "PERCENT_APPROVED"):
        assert getattr(model, name) == getattr(system_qualifications, name)
    for env in Environment:
        assert model.State(env, model.money.ZERO).masters_id == (
            system_qualifications.masters_id(env)
        )


@pytest.mark.parametrize("world", ["sandbox", "production"])
def test_the_api_lists_the_system_types_of_its_world(mturk, client, prod_client, world):
    chosen = client if world == "sandbox" else prod_client

    listed = chosen.list_qualification_types(MustBeRequestable=False, MaxResults=100)

    system = [
        (q["QualificationTypeId"], q["Name"], q["Description"])
        for q in listed["QualificationTypes"]
    ]
    assert system == [
        (type_id, kind.name, kind.description)
        for type_id, kind in system_qualifications.listed(Environment(world))
    ]
    other = "production" if world == "sandbox" else "sandbox"
    assert system_qualifications.find(Environment(world), system[0][0]).name == "Masters"
    assert system_qualifications.find(Environment(other), system[0][0]) is None
