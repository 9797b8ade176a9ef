"""When a test fails, its report shows what the simulator saw; misuse is refused, not sent."""

from __future__ import annotations

import gc

import boto3
import pytest
from conftest import skip_if_simulated

from pytest_mturk import UsageError, mturk_sim
from pytest_mturk.doors import stack

FAILING = """
import boto3

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)


def test_pipeline(mturk):
    client = boto3.client("mturk", region_name="sandbox")
    hit = client.create_hit(
        Title="Label an image", Description="d", Reward="0.50", LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600, Question=QUESTION,
    )["HIT"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    worker.submit(worker.accept(hit["HITId"]), {"label": "cat"})
    try:
        client.get_hit(HITId="NOSUCHHIT")
    except client.exceptions.RequestError:
        pass
    assert False, "the pipeline's own assertion"


def test_passes(mturk):
    boto3.client("mturk", region_name="sandbox").get_account_balance()
"""

HEADER = "simulated MTurk: last calls and events"


def test_a_failing_test_shows_the_calls_and_events(pytester):
    pytester.makepyfile(test_pipeline=FAILING)
    result = pytester.runpytest("-p", "no:randomly", "-rA")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert output.count(HEADER) == 1  # the failing test only
    result.stdout.fnmatch_lines(
        [
            f"*{HEADER}*",
            "calls (2):",
            "*sandbox*CreateHIT(Title='Label an image', Reward='0.50') -> ok HITId=* HITTypeId=*",
            "*sandbox*GetHIT(HITId='NOSUCHHIT') -> RequestError "
            "AWS.MechanicalTurk.HITDoesNotExist: Hit NOSUCHHIT does not exist.*",
            "events (4):",
            "*HITCreated HIT *",
            "*AssignmentAccepted HIT * assignment * worker A1B2C3D4E5F6G7",
            "*AssignmentSubmitted HIT * assignment * worker A1B2C3D4E5F6G7",
            "*HITReviewable HIT *",
        ]
    )


def test_the_report_can_be_turned_off(pytester):
    pytester.makepyfile(test_pipeline=FAILING)
    pytester.makeini("[pytest]\nmturk_report = false\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    assert HEADER not in result.stdout.str()


def test_a_long_run_shows_its_last_calls(pytester):
    pytester.makepyfile(
        """
        import boto3

        def test_many(mturk):
            client = boto3.client("mturk", region_name="sandbox")
            for _ in range(40):
                client.get_account_balance()
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["calls (40):", "*... 15 earlier calls not shown"])
    assert result.stdout.str().count("GetAccountBalance() -> ok") == 25


def test_a_simulator_made_but_never_started_refuses_calls():
    skip_if_simulated()  # the refusal is for calls made while none is active
    client = boto3.client(
        "mturk",
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    sim = mturk_sim()  # forgot `with`
    with pytest.raises(UsageError, match=r"never started: use `with mturk_sim\(\) as sim:`"):
        client.get_account_balance()
    with sim:  # started late, it answers
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert [call.operation for call in sim.calls] == ["GetAccountBalance"]


def test_decorating_is_not_forgetting_to_start():
    @mturk_sim(seed=1)
    def job():
        return boto3.client("mturk", region_name="sandbox").get_account_balance()

    stack.refuse_if_unstarted()  # the decorator's simulator only holds settings
    assert job()["AvailableBalance"] == "10000.00"


def test_a_dropped_simulator_is_not_taken_for_a_forgotten_one():
    gc.disable()
    try:
        # Made and dropped, kept only by a reference cycle (as a simulator a test's
        # objects refer to, and that refers to them, is): the collector's to free.
        dropped = mturk_sim()
        dropped.own = dropped  # type: ignore[attr-defined]
        del dropped
        assert stack.unstarted
        stack.refuse_if_unstarted()  # collects it rather than refusing
        assert not stack.unstarted
    finally:
        gc.enable()


def test_repr_of_a_simulator_says_what_it_holds(mturk, client):
    client.get_account_balance()
    text = repr(mturk)
    assert text.startswith("<Simulator seed=0 active, sandbox: 0 HITs, 0 assignments;")
    assert "1 calls, now " in text


def test_records_print_what_a_failing_assertion_needs(mturk, client):
    from conftest import HIT_ARGS

    hit_id = client.create_hit(**{**HIT_ARGS, "MaxAssignments": 2})["HIT"]["HITId"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment_id = worker.accept(hit_id)
    worker.submit(assignment_id, {"label": "cat"})

    hit = repr(mturk.hits[hit_id])
    assert hit.startswith(f"HIT({hit_id!r}, {HIT_ARGS['Title']!r}, Assignable, reward=")
    assert "available=1, pending=0, submitted=1, approved=0, rejected=0" in hit
    assert "<" not in hit  # no question XML
    assignment = repr(mturk.assignments[assignment_id])
    assert assignment.startswith(
        f"Assignment({assignment_id!r}, hit={hit_id!r}, worker='A1B2C3D4E5F6G7', Submitted,"
    )
    assert assignment.endswith(" characters)") and "<" not in assignment
