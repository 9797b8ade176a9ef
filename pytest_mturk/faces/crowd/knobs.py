"""A crowd's settings: how its workers behave (per crowd, and per worker) and who they are.

Every knob has a default drawn from what is known of MTurk (``docs/crowd.md`` gives
the evidence) and is checked when it is set: an impossible value raises
:class:`~pytest_mturk.CrowdError` naming the setting, before anything changes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core import roster
from ...core.errors import CrowdError

_PROBABILITIES = (
    "return_rate",
    "abandon_rate",
    "late_rate",
    "newest_first",
    "accuracy",
    "takes_tests",
)


@dataclass(frozen=True)
class Behaviour:
    """How a crowd worker works. Set per crowd (``sim.crowd(return_rate=0.1)``) and per
    worker (``crowd.tune(worker_id, accuracy=0.3)``).

    * ``return_rate``: the chance that an accepted assignment is returned, part-way
      through the work;
    * ``abandon_rate``: the chance that the worker walks away from it (its deadline
      passes and MTurk marks it Abandoned);
    * ``late_rate``, ``late_delay``: the chance that the worker accepts a HIT and starts
      it later, and the longest such wait as a fraction of AssignmentDurationInSeconds;
    * ``work_median``, ``work_sigma``: the time the work takes is log-normal, its median
      ``work_median`` times AssignmentDurationInSeconds, ``work_sigma`` its log-scale
      spread (a heavy right tail: some workers overrun the deadline and abandon);
    * ``session_hits``: the mean number of HITs done in one visit (geometric);
    * ``newest_first``: the chance that a visit lists HIT groups newest first (otherwise
      by most HITs available, the worker site's other common order);
    * ``accuracy``: the chance that the default answer is the right one;
    * ``takes_tests``: the chance that the worker takes the qualification test a HIT
      needs (or requests an auto-granted qualification) rather than moving on.
    """

    return_rate: float = 0.05
    abandon_rate: float = 0.02
    late_rate: float = 0.05
    late_delay: float = 0.5
    work_median: float = 0.1
    work_sigma: float = 1.0
    session_hits: float = 5.0
    newest_first: float = 0.5
    accuracy: float = 0.85
    takes_tests: float = 0.5

    def __post_init__(self) -> None:
        for name in _PROBABILITIES:
            _probability(name, getattr(self, name))
        _number("late_delay", self.late_delay, low=0, high=1)
        # The upper bounds keep every drawn time inside what a datetime can hold.
        _number("work_median", self.work_median, low=0, high=100, strict=True)
        _number("work_sigma", self.work_sigma, low=0, high=5)
        _number("session_hits", self.session_hits, low=1, high=10_000)
        if self.return_rate + self.abandon_rate > 1:
            raise CrowdError(
                f"return_rate ({self.return_rate}) and abandon_rate ({self.abandon_rate}) "
                "together exceed 1: they are chances of one assignment's outcome."
            )

    def replace(self, **knobs: Any) -> Behaviour:
        """This behaviour with ``knobs`` changed (each checked)."""
        unknown = set(knobs) - BEHAVIOUR_NAMES
        if unknown:
            raise CrowdError(
                f"Unknown crowd behaviour setting(s) {sorted(unknown)}; the settings are "
                f"{sorted(BEHAVIOUR_NAMES)}."
            )
        return dataclasses.replace(self, **knobs)


BEHAVIOUR_NAMES = frozenset(f.name for f in dataclasses.fields(Behaviour))

# Where MTurk's workers were (Difallah, Filatova and Ipeirotis 2018: about 75 % in the
# US and 16 % in India; the rest spread thinly).
LOCALES: Mapping[str, float] = {"US": 0.75, "IN": 0.16, "CA": 0.03, "GB": 0.03, "PH": 0.03}


@dataclass(frozen=True)
class Population:
    """Who a crowd's workers are.

    * ``size``: how many distinct workers;
    * ``locales``: ``{"US": share, "US-CA": share, ...}``, the shares of their locales;
    * ``masters``, ``adult``: the shares holding the Masters and Adult qualifications;
    * ``approved_median``: the median number of assignments approved before the
      simulation (log-normal), the source of NumberHITsApproved;
    * ``approval_rate``: the mean share of those that were approved rather than
      rejected (PercentAssignmentsApproved);
    * ``spammers``: the share of workers who answer at random whatever their accuracy;
    * ``activity_skew``: how unequal the workers' activity is (the k-th most active
      worker visits ``1 / k ** activity_skew`` as often as the first; 0 is equal);
    * ``accuracy_spread``: how much the workers' accuracy varies around the crowd's;
    * ``qualifications``: ``{type_id: score}``, or ``{type_id: function(rng) -> score or
      None}``, granted to every worker (``None``: not to this one) as the crowd forms.
    """

    size: int = 100
    locales: Mapping[str, float] = field(default_factory=lambda: dict(LOCALES))
    masters: float = 0.05
    adult: float = 0.9
    approved_median: float = 500.0
    approval_rate: float = 0.97
    spammers: float = 0.05
    activity_skew: float = 1.0
    accuracy_spread: float = 0.1
    qualifications: Mapping[str, int | Callable[[Any], int | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise CrowdError(
                f"size must be a whole number of workers, at least 1, not {self.size!r}."
            )
        for name in ("masters", "adult", "approval_rate", "spammers"):
            _probability(name, getattr(self, name))
        _number("approved_median", self.approved_median, low=0, high=1e9)
        _number("activity_skew", self.activity_skew, low=0, high=10)
        _number("accuracy_spread", self.accuracy_spread, low=0, high=0.5)
        if not isinstance(self.locales, Mapping) or not self.locales:
            raise CrowdError(
                f"locales must be a non-empty {{locale: share}} dict, not {self.locales!r}."
            )
        for locale, share in self.locales.items():
            if not isinstance(locale, str) or not roster.LOCALE.fullmatch(locale):
                raise CrowdError(
                    f"locales: {locale!r} is not a country code (US) or a country and "
                    "subdivision (US-CA)."
                )
            _number(f"locales[{locale!r}]", share, low=0)
        if sum(self.locales.values()) <= 0:
            raise CrowdError("locales: at least one share must be above 0.")
        for type_id, score in self.qualifications.items():
            if not callable(score) and (
                isinstance(score, bool) or not isinstance(score, int) or score < 0
            ):
                raise CrowdError(
                    f"qualifications[{type_id!r}] must be a score (an int, 0 or more) or a "
                    f"function(rng) returning one or None, not {score!r}."
                )


POPULATION_NAMES = frozenset(f.name for f in dataclasses.fields(Population))


MAX_RATE = 100_000  # visits per hour


def arrival_rates(arrivals: float | Sequence[float]) -> tuple[float, ...]:
    """``arrivals`` (visits per hour, or 24 of them, one per hour of the day in UTC)
    as 24 hourly rates, checked."""
    if isinstance(arrivals, (int, float)) and not isinstance(arrivals, bool):
        _number("arrivals", arrivals, low=0, high=MAX_RATE)
        return (float(arrivals),) * 24
    if isinstance(arrivals, Sequence) and not isinstance(arrivals, str) and len(arrivals) == 24:
        for hour, rate in enumerate(arrivals):
            _number(f"arrivals[{hour}]", rate, low=0, high=MAX_RATE)
        return tuple(float(rate) for rate in arrivals)
    raise CrowdError(
        "arrivals must be visits per hour (a number, 0 or more) or 24 of them, one per hour "
        f"of the day (UTC), not {arrivals!r}."
    )


def _probability(name: str, value: Any) -> None:
    _number(name, value, low=0, high=1, what="a probability between 0 and 1")


def _number(
    name: str,
    value: Any,
    *,
    low: float,
    high: float | None = None,
    strict: bool = False,
    what: str | None = None,
) -> None:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if strict else value >= low)
        and (high is None or value <= high)
    )
    if not ok:
        if what is None:
            bound = f"above {low}" if strict else f"at least {low}"
            what = f"a number {bound}" + (f" and at most {high}" if high is not None else "")
        raise CrowdError(f"Crowd setting {name} must be {what}, not {value!r}.")


def settle(
    size: int,
    behaviour: Behaviour | None,
    population: Population | None,
    knobs: Mapping[str, Any],
) -> tuple[Behaviour, Population]:
    """The crowd's behaviour and population from ``sim.crowd()``'s keywords: each knob is
    a :class:`Behaviour` or a :class:`Population` setting, applied over the objects given."""
    unknown = set(knobs) - BEHAVIOUR_NAMES - POPULATION_NAMES
    if unknown:
        raise CrowdError(
            f"Unknown crowd setting(s) {sorted(unknown)}; the settings are "
            f"{sorted(BEHAVIOUR_NAMES | POPULATION_NAMES)}, with size, seed, answer, "
            "arrivals, environment, behaviour and population."
        )
    base = behaviour or Behaviour()
    chosen = base.replace(**{k: v for k, v in knobs.items() if k in BEHAVIOUR_NAMES})
    people = dataclasses.replace(
        population or Population(),
        size=size,
        **{k: v for k, v in knobs.items() if k in POPULATION_NAMES},
    )
    return chosen, people
