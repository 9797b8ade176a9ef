"""A crowd run's summary: records that agree with the simulator's state, and a figure."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest
from conftest import HIT_ARGS

from pytest_mturk import AssignmentStatus, UsageError, mturk_sim

START = dt.datetime(2026, 3, 2, 8, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def finished():
    """A production run: 30 HITs worked on for 4 hours, the submitted work approved."""
    with mturk_sim(seed=11, start=START, environment="production") as sim:
        client = sim.client()
        for _ in range(30):
            client.create_hit(**{**HIT_ARGS, "Reward": "0.40"})
        crowd = sim.crowd(size=25, arrivals=60, spammers=0.2)
        crowd.run(dt.timedelta(hours=4))
        for assignment in list(sim.assignments.values()):
            if assignment.status is AssignmentStatus.SUBMITTED:
                client.approve_assignment(AssignmentId=assignment.assignment_id)
        yield sim, crowd, crowd.summary()


def test_the_counts_agree_with_the_state(finished):
    sim, crowd, summary = finished
    holdings = sim.production._state.holdings
    totals = summary.totals

    assert totals["accepted"] == len(holdings)
    for status, key in (
        (AssignmentStatus.RETURNED, "returned"),
        (AssignmentStatus.ABANDONED, "abandoned"),
        (AssignmentStatus.APPROVED, "approved"),
    ):
        assert totals[key] == sum(a.status is status for a in holdings)
    assert totals["submitted"] == totals["approved"] > 0
    assert 0 < totals["visits"] <= 4 * 60 + 4 * 8
    assert sum(row["submitted"] for row in summary.workers) == totals["submitted"]
    assert sum(row["submitted"] for row in summary.hits) == totals["submitted"]
    assert [row["start"] for row in summary.timeline] == [
        START + dt.timedelta(hours=n) for n in range(4)
    ]


def test_cost_is_what_the_requester_paid(finished):
    sim, _, summary = finished
    approved = summary.totals["approved"]
    # $0.40 and MTurk's 20 % fee, per approved assignment.
    assert summary.cost == Decimal("0.48") * approved == Decimal("10000.00") - sim.balance
    assert sum(row["earned"] for row in summary.workers) == Decimal("0.40") * approved


def test_time_to_completion_per_hit(finished):
    _, _, summary = finished
    done = [row for row in summary.hits if row["completed"] is not None]
    assert done
    for row in done:
        assert row["submitted"] >= row["max_assignments"] == 3
        hours = (row["completed"] - row["created"]) / dt.timedelta(hours=1)
        assert row["hours_to_complete"] == pytest.approx(hours)
    for row in summary.hits:
        if row["completed"] is None:
            assert row["submitted"] < 3


def test_spammers_agree_less_with_the_plurality(finished):
    _, _, summary = finished
    rated = [row for row in summary.workers if row["agreement"] is not None]
    spam = [row["agreement"] for row in rated if row["spammer"]]
    good = [row["agreement"] for row in rated if not row["spammer"]]
    assert spam and good
    assert sum(spam) / len(spam) < sum(good) / len(good)


def test_the_plot_is_a_png(finished, tmp_path):
    pytest.importorskip("matplotlib")
    _, _, summary = finished
    path = tmp_path / "crowd.png"
    figure = summary.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(figure.axes) == 4


def test_without_matplotlib_the_plot_says_which_extra(finished, monkeypatch):
    _, _, summary = finished
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(UsageError) as missing:
        summary.plot()
    assert str(missing.value) == (
        'Plotting a crowd summary needs matplotlib: pip install "pytest-mturk[plot]".'
    )
    # One message: not the ImportError as well ("During handling of the above...").
    assert missing.value.__suppress_context__ and missing.value.__cause__ is None


def test_a_crowd_run_never_imports_matplotlib():
    script = textwrap.dedent(
        """
        import sys
        from pytest_mturk import mturk_sim
        with mturk_sim() as sim:
            sim.client().create_hit(
                Title="t", Description="d", Reward="0.10", LifetimeInSeconds=600,
                AssignmentDurationInSeconds=60, MaxAssignments=1,
                Question='<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
                'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>'
                'https://example.com</ExternalURL><FrameHeight>0</FrameHeight>'
                '</ExternalQuestion>',
            )
            crowd = sim.crowd(size=3)
            crowd.run_until_done()
            crowd.summary()
        assert "matplotlib" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_the_crowd_works_under_the_fixture(pytester):
    pytester.makepyfile(
        """
        import datetime as dt
        import boto3
        import pytest

        @pytest.mark.mturk(start="2026-03-02T09:00:00Z")  # a crowd's hours: the same each run
        def test_pipeline(mturk):
            client = boto3.client("mturk", region_name="us-east-1")
            hit = client.create_hit(
                Title="t", Description="d", Reward="0.10", LifetimeInSeconds=3600,
                AssignmentDurationInSeconds=600, MaxAssignments=3,
                Question='<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
                'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>'
                'https://example.com</ExternalURL><FrameHeight>0</FrameHeight>'
                '</ExternalQuestion>',
            )["HIT"]
            crowd = mturk.crowd(size=10, environment="production", return_rate=0,
                                abandon_rate=0)
            assert crowd.run_until_done()
            listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
            assert len(listed) == 3
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
