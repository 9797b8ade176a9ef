"""Draw a crowd run's summary: the figure in the README (``docs/crowd.png``).

A day of a diurnal crowd working 600 labelling HITs of three assignments, the requester
approving every few hours. Needs matplotlib (``pip install "pytest-mturk[plot]"``).

    python examples/crowd/summary_plot.py [path.png]
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from polling import QUESTION

from pytest_mturk import AssignmentStatus, mturk_sim

# Visits per UTC hour: quiet in the small hours of the US, busiest in its afternoon.
ARRIVALS = [
    30,
    20,
    12,
    8,
    6,
    6,
    8,
    12,
    20,
    30,
    40,
    50,
    60,
    70,
    80,
    85,
    85,
    80,
    75,
    70,
    60,
    50,
    45,
    40,
]


def main(path: Path) -> None:
    with mturk_sim(seed=2026, start="2026-03-02T00:00:00Z", environment="production") as sim:
        client = sim.client()
        for n in range(600):
            client.create_hit(
                Title="Label an image",
                Description="Say what the picture shows",
                Reward="0.05",
                LifetimeInSeconds=2 * 86400,
                AssignmentDurationInSeconds=900,
                AutoApprovalDelayInSeconds=3 * 86400,
                MaxAssignments=3,
                Question=QUESTION.format(image=f"https://example.org/{n}.jpg"),
            )
        crowd = sim.crowd(size=300, arrivals=ARRIVALS, spammers=0.1, seed=1)
        for _ in range(8):
            crowd.run(dt.timedelta(hours=3))
            for assignment in list(sim.assignments.values()):
                if assignment.status is AssignmentStatus.SUBMITTED:
                    client.approve_assignment(AssignmentId=assignment.assignment_id)
        summary = crowd.summary()
        summary.plot(path)
        print(summary.totals)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/crowd.png"))
