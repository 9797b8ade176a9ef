"""The system qualification types come from one place, the same in every door."""

from __future__ import annotations

import pytest

from pytest_mturk.core import model
from pytest_mturk.core.model import Environment
from pytest_mturk.rules.qualifications import system_qualifications


def test_the_system_ids_are_written_once():
    # The records need them (a HIT's fee depends on Masters); the rules take them from there.
    for name in ("MASTERS_IDS", "NUMBER_HITS_APPROVED", "LOCALE", "ADULT", "PERCENT_APPROVED"):
        assert getattr(system_qualifications, name) is getattr(model, name)
    for env in Environment:
        assert system_qualifications.masters_id(env) == model.MASTERS_IDS[env]


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
