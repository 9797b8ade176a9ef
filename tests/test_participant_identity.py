"""A participant's worker ID: stable, MTurk-shaped, distinct across platforms, for any
text a platform may send."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_mturk.doors.requester import identity, links

SECRET = b"k" * 32
WORKER_ID = re.compile(r"A[A-Z0-9]{13}")
ids = st.text(min_size=1, max_size=identity.MAX_ID)
platforms = st.sampled_from(sorted(identity.PLATFORMS))


@given(platforms, ids)
def test_the_same_participant_is_always_the_same_well_formed_worker(platform, participant):
    first = identity.worker_id(SECRET, platform, participant)
    assert WORKER_ID.fullmatch(first)
    assert identity.worker_id(SECRET, platform, participant) == first


@given(ids)
def test_equal_ids_on_different_platforms_are_different_workers(participant):
    found = {identity.worker_id(SECRET, p, participant) for p in identity.PLATFORMS}
    assert len(found) == len(identity.PLATFORMS)


@given(ids, ids)
def test_different_participants_are_different_workers(one, other):
    if one != other:
        assert identity.worker_id(SECRET, "prolific", one) != identity.worker_id(
            SECRET, "prolific", other
        )


@given(platforms, ids)
def test_another_secret_gives_another_worker(platform, participant):
    assert identity.worker_id(SECRET, platform, participant) != identity.worker_id(
        b"x" * 32, platform, participant
    )


def test_empty_and_over_long_ids_and_unknown_platforms_are_refused():
    for platform, participant in (
        ("prolific", ""),
        ("sona", "x" * (identity.MAX_ID + 1)),
        ("mturk", "abc"),
    ):
        with pytest.raises(identity.ParticipantError):
            identity.worker_id(SECRET, platform, participant)


def test_a_link_query_names_its_platform_prolific_first_with_its_study_and_session():
    found = identity.participant_from(
        {"PROLIFIC_PID": "5f1a", "STUDY_ID": "s1", "SESSION_ID": "x9", "id": "7"}
    )
    assert found == identity.Participant("prolific", "5f1a", "s1", "x9")
    assert identity.participant_from({"id": "1234"}) == identity.Participant("sona", "1234")
    assert identity.participant_from({"participant": "ann"}) == identity.Participant(
        "generic", "ann"
    )
    assert identity.participant_from({"k": "token"}) is None
    with pytest.raises(identity.ParticipantError):
        identity.participant_from({"PROLIFIC_PID": ""})


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=64))
def test_a_link_token_works_for_its_own_group_only(group_id):
    token = links.token(SECRET, group_id)
    assert links.token_ok(SECRET, group_id, token)
    assert not links.token_ok(SECRET, group_id + "X", token)
    assert not links.token_ok(b"y" * 32, group_id, token)
    assert not links.token_ok(SECRET, group_id, None)
