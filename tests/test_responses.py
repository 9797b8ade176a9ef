"""What crosses the hook: parameters in, responses out.

The simulator shares its structures with its caches and the call log, and takes
a call's parameters as botocore was given them when that is exactly what the
service would receive. Neither shortcut may be visible: every dict and list a
caller gets is its own, and every call is answered as if its JSON had been read.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from conftest import HIT_ARGS, epoch_ms
from qualification_helpers import make_type, requirement

from pytest_mturk.doors.botocore import bootstrap, hooks


def containers(value: Any) -> Iterator[dict[str, Any] | list[Any]]:
    """Every dict and list inside ``value``, itself included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from containers(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from containers(item)


def identities(value: Any) -> set[int]:
    return {id(container) for container in containers(value)}


def scribble(value: Any) -> None:
    """Change every container a caller was given, as careless callers do."""
    for container in list(containers(value)):
        if isinstance(container, dict):
            container["Scribbled"] = True
        else:
            container.append("scribbled")


@pytest.fixture
def busy(mturk, client):
    """A HIT with requirements of every kind, worked, reviewed and listed."""
    qual = make_type(client)["QualificationTypeId"]
    worker = mturk.worker("A1AAAAAAAAAAAA", locale="US-CA")
    client.associate_qualification_with_worker(
        QualificationTypeId=qual, WorkerId=worker.worker_id, IntegerValue=5, SendNotification=False
    )
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1},
        QualificationRequirements=[
            requirement(qual, "GreaterThan", 1),
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "In",
                "LocaleValues": [{"Country": "US", "Subdivision": "CA"}, {"Country": "CA"}],
            },
        ],
        AssignmentReviewPolicy={
            "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
            "Parameters": [
                {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["cat"]}]},
                {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
            ],
        },
    )["HIT"]
    worker.submit(worker.accept(hit["HITId"]), {"label": "cat"})
    return hit["HITId"], qual, worker.worker_id


CALLS = {
    "get_hit": lambda c, hit, qual, worker: c.get_hit(HITId=hit),
    "list_hits": lambda c, hit, qual, worker: c.list_hits(),
    "list_reviewable_hits": lambda c, hit, qual, worker: c.list_reviewable_hits(),
    "list_hits_for_qualification_type": lambda c, hit, qual, worker: (
        c.list_hits_for_qualification_type(QualificationTypeId=qual)
    ),
    "list_assignments_for_hit": lambda c, hit, qual, worker: c.list_assignments_for_hit(HITId=hit),
    "get_assignment": lambda c, hit, qual, worker: c.get_assignment(
        AssignmentId=c.list_assignments_for_hit(HITId=hit)["Assignments"][0]["AssignmentId"]
    ),
    "list_review_policy_results_for_hit": lambda c, hit, qual, worker: (
        c.list_review_policy_results_for_hit(HITId=hit, RetrieveActions=True, RetrieveResults=True)
    ),
    "list_workers_with_qualification_type": lambda c, hit, qual, worker: (
        c.list_workers_with_qualification_type(QualificationTypeId=qual)
    ),
    "get_qualification_score": lambda c, hit, qual, worker: c.get_qualification_score(
        QualificationTypeId=qual, WorkerId=worker
    ),
    "get_qualification_type": lambda c, hit, qual, worker: c.get_qualification_type(
        QualificationTypeId=qual
    ),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_no_container_of_a_response_is_shared(mturk, client, busy, operation):
    call = CALLS[operation]
    first = call(client, *busy)
    second = call(client, *busy)
    logged = mturk.calls[-1].response
    expected = copy.deepcopy(
        {key: value for key, value in second.items() if key != "ResponseMetadata"}
    )
    assert len(identities(expected)) >= 2  # there is something nested to share
    assert not identities(first) & identities(second)
    assert not identities(second) & identities(logged)
    scribble(first)
    scribble(second)
    again = call(client, *busy)
    assert {key: value for key, value in again.items() if key != "ResponseMetadata"} == expected
    assert logged == expected


def test_parameters_are_the_callers_no_longer_once_answered(mturk, client, busy):
    _, qual, _ = busy
    requirements = [requirement(qual, "GreaterThan", 1)]
    hit = client.create_hit(**HIT_ARGS, QualificationRequirements=requirements)["HIT"]
    requirements[0]["IntegerValues"].append(7)
    requirements.append(requirement(qual, "LessThan", 9))
    stored = client.get_hit(HITId=hit["HITId"])["HIT"]["QualificationRequirements"]
    assert stored == hit["QualificationRequirements"]
    assert [r["IntegerValues"] for r in stored] == [[1]]
    assert mturk.calls[-2].params["QualificationRequirements"][0]["IntegerValues"] == [1]


def test_tuples_are_answered_as_the_lists_they_were_sent_as(mturk, client, busy):
    _, qual, _ = busy
    hit = client.create_hit(**HIT_ARGS, QualificationRequirements=(requirement(qual, "In", 1, 2),))[
        "HIT"
    ]
    assert hit["QualificationRequirements"][0]["IntegerValues"] == [1, 2]
    assert type(mturk.calls[-1].params["QualificationRequirements"]) is list


class Label(enum.StrEnum):
    CAT = "Label a cat"


def test_string_subclasses_arrive_as_the_plain_text_sent(mturk, client):
    hit = client.create_hit(**{**HIT_ARGS, "Title": Label.CAT})["HIT"]
    assert hit["Title"] == "Label a cat"
    assert type(hit["Title"]) is str
    assert type(mturk.calls[-1].params["Title"]) is str


def test_handlers_that_change_parameters_are_honoured(mturk, client):
    def retitle(params, **kwargs):
        params["Title"] = "Retitled"

    def replace(params, **kwargs):
        return {**params, "Description": "Replaced"}

    client.meta.events.register("provide-client-params.mturk.CreateHIT", replace)
    client.meta.events.register("before-parameter-build.mturk.CreateHIT", retitle)
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    assert (hit["Title"], hit["Description"]) == ("Retitled", "Replaced")
    assert mturk.calls[-1].params["Title"] == "Retitled"


def test_without_botocore_validation_the_service_refuses_what_it_is_sent(mturk, boto_session):
    client = boto_session.client(
        "mturk", region_name="sandbox", config=Config(parameter_validation=False)
    )
    with pytest.raises(client.exceptions.ClientError) as refused:
        client.list_hits(MaxResults="5")
    # A value of the wrong type is MTurk's own ParameterValidationError, stamped.
    assert refused.value.response["Error"]["Message"] == (
        f'The value "5" is not valid for the parameter MaxResults. ({epoch_ms(mturk.now)} s)'
    )
    assert mturk.calls[-1].params == {"MaxResults": "5"}


def test_the_type_found_by_the_request_is_the_type_of_equal_properties(client):
    first = client.create_hit(**{**HIT_ARGS, "Reward": "0.5"})["HIT"]
    second = client.create_hit(**{**HIT_ARGS, "Reward": "0.50"})["HIT"]
    third = client.create_hit(**{**HIT_ARGS, "Reward": "0.5"})["HIT"]
    typed = client.create_hit_type(
        **{key: HIT_ARGS[key] for key in ("Title", "Description", "AssignmentDurationInSeconds")},
        Reward="0.5",
        AutoApprovalDelayInSeconds=HIT_ARGS["AutoApprovalDelayInSeconds"],
    )
    assert first["HITTypeId"] == second["HITTypeId"] == third["HITTypeId"] == typed["HITTypeId"]
    other = client.create_hit(**{**HIT_ARGS, "Reward": "0.51"})["HIT"]
    assert other["HITTypeId"] != first["HITTypeId"]


def test_sessions_made_once_the_hook_is_loaded_carry_its_handlers(mturk, boto_session):
    import botocore.handlers

    builtin = botocore.handlers.BUILTIN_HANDLERS
    assert (bootstrap.CALL_EVENT, hooks.before_call) in builtin
    assert (bootstrap.CALL_EVENT, bootstrap.before_call) not in builtin
    assert sum(bootstrap.is_ours(entry) for entry in builtin) == len(bootstrap.ENTRIES)
