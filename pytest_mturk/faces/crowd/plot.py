"""A crowd run as a figure; matplotlib is an optional extra (``pytest-mturk[plot]``),
imported only here, only when a plot is asked for."""

from __future__ import annotations

from typing import Any

from ...core.errors import UsageError

_LINES = ("visits", "accepted", "submitted", "returned", "abandoned", "approved")


def _span(bucket: Any) -> str:
    minutes = bucket.total_seconds() / 60
    if minutes % 60 == 0:
        hours = int(minutes // 60)
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{minutes:g} minutes"


def figure(summary: Any) -> Any:
    """Four panels of a :class:`~.summary.Summary` (which calls this, so this module
    does not import it back): the run over time, time to completion per HIT, work per
    worker, and each worker's agreement against their accuracy."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(
            'Plotting a crowd summary needs matplotlib: pip install "pytest-mturk[plot]".'
        ) from None
    # A Figure of its own (no pyplot): no global state, no display needed.
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    timeline, completion, work, agreement = fig.subplots(2, 2).flat
    hours = [(row["start"] - summary.start).total_seconds() / 3600 for row in summary.timeline]
    for name in _LINES:
        timeline.plot(hours, [row[name] for row in summary.timeline], label=name)
    timeline.set(
        title=f"The run, per {_span(summary.bucket)}",
        xlabel="hours since the crowd started",
        ylabel="count",
    )
    timeline.legend(fontsize="small")

    done = [row["hours_to_complete"] for row in summary.hits if row["completed"] is not None]
    if done:
        completion.hist(done, bins=40)
    completion.set(
        title=f"Time to completion ({len(done)} of {len(summary.hits)} HITs completed)",
        xlabel="hours from creation to the last assignment submitted",
        ylabel="HITs",
    )

    submitted = sorted((row["submitted"] for row in summary.workers), reverse=True)
    work.bar(range(1, len(submitted) + 1), submitted, width=1.0)
    work.set(
        title=f"Work per worker (cost {summary.cost} USD)",
        xlabel="workers, most active first",
        ylabel="assignments submitted",
    )

    rated = [row for row in summary.workers if row["agreement"] is not None]
    for spammer, colour, label in ((False, "tab:blue", "workers"), (True, "tab:red", "spammers")):
        chosen = [row for row in rated if row["spammer"] is spammer]
        agreement.scatter(
            [row["accuracy"] for row in chosen],
            [row["agreement"] for row in chosen],
            s=[8 + row["submitted"] / 4 for row in chosen],
            c=colour,
            alpha=0.6,
            label=label,
        )
    agreement.set(
        title="Agreement with the plurality answer",
        xlabel="worker's accuracy",
        ylabel="share of answers agreeing",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
    )
    agreement.legend(fontsize="small")
    return fig
