"""A crowd's timing and choices follow its settings: statistical checks, each with a fixed
seed (so each either always passes or always fails), with tolerances of several standard
errors around what the settings imply."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from conftest import HIT_ARGS

from pytest_mturk import AssignmentStatus, mturk_sim

START = dt.datetime(2026, 3, 2, 0, tzinfo=dt.timezone.utc)
QUIET = {"return_rate": 0.0, "abandon_rate": 0.0, "late_rate": 0.0}


def post(client, count, **overrides):
    args = {**HIT_ARGS, "LifetimeInSeconds": 30 * 86400, **overrides}
    return [client.create_hit(**args)["HIT"]["HITId"] for _ in range(count)]


def durations(sim, hit_ids):
    wanted = set(hit_ids)
    return [
        (a.submit_time - a.accept_time).total_seconds()
        for a in sim.assignments.values()
        if a.hit_id in wanted and a.submit_time is not None
    ]


def test_work_takes_a_log_normal_time_scaled_by_the_assignment_duration():
    with mturk_sim(seed=1, start=START) as sim:
        client = sim.client()
        short = post(client, 300, AssignmentDurationInSeconds=600, MaxAssignments=3)
        long = post(client, 300, AssignmentDurationInSeconds=6000, MaxAssignments=3)
        crowd = sim.crowd(size=400, arrivals=600, work_median=0.1, work_sigma=0.8, **QUIET)
        assert crowd.run_until_done()
        fast, slow = durations(sim, short), durations(sim, long)

    assert len(fast) == len(slow) == 900
    # Medians: 60 s and 600 s (the standard error of a median of 900 log-normal draws
    # with sigma 0.8 is about 3.5 %).
    assert statistics.median(fast) == pytest.approx(60, rel=0.12)
    assert statistics.median(slow) == pytest.approx(600, rel=0.12)
    # The spread of the logs is sigma (cut a little by the deadline: 0.2 % overrun it).
    spread = statistics.stdev(math.log(seconds) for seconds in slow)
    assert spread == pytest.approx(0.8, abs=0.08)
    # A heavy right tail: the 95th percentile is exp(1.645 sigma), 3.7 times the median.
    ordered = sorted(slow)
    assert ordered[int(0.95 * len(ordered))] / statistics.median(slow) == pytest.approx(
        3.7, rel=0.2
    )


def test_work_that_overruns_the_deadline_is_abandoned():
    with mturk_sim(seed=2, start=START) as sim:
        hit_ids = post(sim.client(), 300, AssignmentDurationInSeconds=600)
        # Median 0.5 of the allotted time, sigma 1: P(overrun) = P(z > ln 2) = 24 %.
        crowd = sim.crowd(size=300, arrivals=600, work_median=0.5, work_sigma=1.0, **QUIET)
        crowd.run_until_done()
        taken = [a for a in sim.sandbox._state.holdings if a.hit_id in set(hit_ids)]
        overran = sum(a.status is AssignmentStatus.ABANDONED for a in taken)

    assert len(taken) > 900
    share = overran / len(taken)
    assert share == pytest.approx(0.244, abs=4 * math.sqrt(0.244 * 0.756 / len(taken)))
    assert all(seconds < 600 for seconds in durations(sim, hit_ids))


@pytest.mark.parametrize(("returns", "abandons"), [(0.2, 0.1), (0.05, 0.3)])
def test_returns_and_abandonments_happen_at_their_rates(returns, abandons):
    with mturk_sim(seed=3, start=START) as sim:
        hit_ids = post(sim.client(), 300, AssignmentDurationInSeconds=600)
        crowd = sim.crowd(
            size=300,
            arrivals=600,
            return_rate=returns,
            abandon_rate=abandons,
            late_rate=0.0,
            work_sigma=0.3,  # nobody overruns the deadline
        )
        crowd.run_until_done()
        taken = [a for a in sim.sandbox._state.holdings if a.hit_id in set(hit_ids)]

    count = len(taken)
    for status, rate in (
        (AssignmentStatus.RETURNED, returns),
        (AssignmentStatus.ABANDONED, abandons),
    ):
        share = sum(a.status is status for a in taken) / count
        assert share == pytest.approx(rate, abs=4 * math.sqrt(rate * (1 - rate) / count))


def test_late_starters_take_longer():
    def median(late_rate):
        with mturk_sim(seed=4, start=START) as sim:
            hit_ids = post(sim.client(), 200, AssignmentDurationInSeconds=1000)
            crowd = sim.crowd(
                size=300,
                arrivals=600,
                return_rate=0,
                abandon_rate=0,
                late_rate=late_rate,
                late_delay=0.5,
                work_median=0.05,
                work_sigma=0.3,
            )
            crowd.run_until_done()
            return statistics.median(durations(sim, hit_ids))

    # Everyone waits up to half the 1000 s before starting: 250 s more at the median.
    assert median(0.0) == pytest.approx(50, rel=0.1)
    assert median(1.0) == pytest.approx(50 + 250, rel=0.15)


def test_arrivals_follow_the_hourly_rates():
    rates = [0] * 6 + [40] * 6 + [120] * 6 + [0] * 6  # none at night (UTC)
    with mturk_sim(seed=5, start=START) as sim:
        post(sim.client(), 400, MaxAssignments=20)
        crowd = sim.crowd(size=3000, arrivals=rates, activity_skew=0.0, session_hits=1, **QUIET)
        crowd.run(dt.timedelta(days=2))
        per_hour = [row["visits"] for row in crowd.summary().timeline]

    assert len(per_hour) == 48
    for hour, visits in enumerate(per_hour):
        rate = rates[hour % 24]
        # Poisson: within four standard deviations (a visit by a worker already at work
        # is not counted, hence the small allowance below).
        assert rate - 4 * math.sqrt(rate) - 0.05 * rate <= visits <= rate + 4 * math.sqrt(rate)


def test_workers_find_the_newest_group_or_the_largest_first():
    def first_taken(newest_first):
        with mturk_sim(seed=6, start=START) as sim:
            client = sim.client()
            post(client, 30, Title="Older and larger")
            sim.advance(minutes=1)
            small = post(client, 5, Title="Newer and smaller")
            crowd = sim.crowd(size=50, arrivals=60, newest_first=newest_first, session_hits=1)
            crowd.run(dt.timedelta(minutes=30))
            taken = sorted(sim.assignments.values(), key=lambda a: a.accept_time)
            return ["small" if a.hit_id in small else "large" for a in taken[:10]]

    assert first_taken(1.0) == ["small"] * 10
    assert first_taken(0.0) == ["large"] * 10


def test_a_few_workers_do_most_of_the_work_unless_activity_is_equal():
    def top_tenth_share(skew):
        with mturk_sim(seed=7, start=START) as sim:
            post(sim.client(), 200, MaxAssignments=10)
            crowd = sim.crowd(size=100, arrivals=300, activity_skew=skew, **QUIET)
            crowd.run(dt.timedelta(hours=6))
            done = sorted((row["submitted"] for row in crowd.summary().workers), reverse=True)
            return sum(done[:10]) / sum(done)

    equal = top_tenth_share(0.0)
    assert equal < 0.25  # 0.1, and the luck of 100 workers' Poisson visits
    assert top_tenth_share(1.0) > equal + 0.1
