"""The polling pipeline against a simulated crowd: many workers over virtual hours.

Run with ``pytest examples --mturk-sim``. ``mturk.advance`` is the pipeline's ``wait``:
each poll sees what the crowd did meanwhile, as it would on MTurk.
"""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from polling import LABELS, run

from pytest_mturk import AssignmentStatus, mturk_sim

# A crowd comes and goes with the hour of the day: each test starts at the same hour, so it
# sees the same crowd every run.
pytestmark = pytest.mark.mturk(start="2026-03-02T09:00:00Z")

IMAGES = [f"https://example.org/{n}.jpg" for n in range(40)]
TRUTH = {image: LABELS[n % 3] for n, image in enumerate(IMAGES)}


def answer(task, worker):
    """Workers see the image (the HIT's RequesterAnnotation names it) and label it right
    with their accuracy; spammers pick at random."""
    if not worker.spammer and task.rng.random() < worker.accuracy:
        return {"label": TRUTH[task.annotation]}
    return {"label": task.rng.choice(LABELS)}


def pipeline(mturk):
    client = boto3.client("mturk", region_name="us-east-1")  # production: money moves
    mturk.crowd(
        size=60, seed=7, arrivals=20, answer=answer, spammers=0.15, environment="production"
    )
    return client, run(client, IMAGES, wait=lambda s: mturk.advance(seconds=s),
                       clock=lambda: mturk.now)  # fmt: skip


def test_every_image_is_labelled_and_mostly_right(mturk):
    _, progress = pipeline(mturk)

    assert set(progress.labels) == set(IMAGES)
    right = sum(progress.labels[image] == TRUTH[image] for image in IMAGES)
    assert right >= 0.9 * len(IMAGES)
    # The slow crowd made the pipeline extend HITs and re-post the ones that expired.
    assert progress.extended and progress.reposted


def test_spammers_are_blocked_and_never_work_again(mturk):
    _, progress = pipeline(mturk)

    assert progress.blocked
    for worker_id in progress.blocked:
        blocked_at = max(
            a.rejection_time for a in mturk.assignments.values()
            if a.worker_id == worker_id and a.status is AssignmentStatus.REJECTED
        )  # fmt: skip
        later = [
            a for a in mturk.assignments.values()
            if a.worker_id == worker_id and a.accept_time > blocked_at
        ]  # fmt: skip
        assert later == []


def test_the_money_adds_up(mturk):
    client, progress = pipeline(mturk)
    mturk.advance(days=2)  # work still in hand when the last image settled is auto-approved

    ledger = mturk.production.ledger
    spent = -sum(entry.amount for entry in ledger)
    assert mturk.production.balance == Decimal("10000.00") - spent
    bonuses = [entry for entry in ledger if entry.kind == "bonus"]
    assert len(bonuses) == progress.bonuses
    assert client.get_account_balance()["AvailableBalance"] == str(mturk.production.balance)


def test_the_same_seed_gives_the_same_run():
    def once():
        # The same seed and the same start: the crowd's arrivals follow the clock.
        with mturk_sim(seed=1, start="2026-03-02T09:00:00Z") as sim:
            progress = pipeline(sim)[1]
            return progress.labels, progress.blocked, sim.now, sorted(sim.assignments)

    assert once() == once()
