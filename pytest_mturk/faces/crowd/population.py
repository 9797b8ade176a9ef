"""A crowd's workers: their profiles, skill, activity and behaviour, drawn from a seed."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.errors import CrowdError
from ...core.model import Environment
from ...core.roster import Profile
from ...rules.qualifications import grants
from ..worker import SimulatedWorker, enlist
from .knobs import Behaviour, Population

if TYPE_CHECKING:
    from ...core.service import Service

_ID_CHARS = string.ascii_uppercase + string.digits


@dataclass(eq=False)
class Member:
    """One worker of a crowd.

    ``worker`` is their :class:`~pytest_mturk.SimulatedWorker` (the same handle
    ``sim.worker(worker_id)`` gives); ``accuracy`` the chance their default answer is
    right; ``spammer`` whether they answer at random; ``activity`` their relative
    share of the crowd's visits; ``behaviour`` their own :class:`Behaviour`.
    """

    worker_id: str
    profile: Profile
    accuracy: float
    spammer: bool
    activity: float
    behaviour: Behaviour
    worker: SimulatedWorker = field(repr=False)
    # What the crowd knows of them while it runs.
    busy: bool = field(default=False, repr=False)
    taken: set[str] = field(default_factory=set, repr=False)  # HITs they took
    tried: set[str] = field(default_factory=set, repr=False)  # qualifications they sought
    group: str | None = field(default=None, repr=False)  # the group they work in now
    left: int = field(default=0, repr=False)  # HITs still to do in this visit


def _worker_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        candidate = "A" + "".join(rng.choice(_ID_CHARS) for _ in range(13))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _locale(rng: random.Random, locales: Any) -> str:
    names = list(locales)
    chosen: str = rng.choices(names, weights=[locales[name] for name in names])[0]
    return chosen


def _beta_around(rng: random.Random, mean: float, spread: float) -> float:
    """A value in [0, 1] around ``mean`` (a beta draw; ``spread`` its standard deviation)."""
    if spread <= 0 or mean in (0.0, 1.0):
        return mean
    variance = min(spread * spread, mean * (1 - mean) * 0.99)
    total = mean * (1 - mean) / variance - 1
    return rng.betavariate(mean * total, (1 - mean) * total)


def recruit(
    service: Service,
    registry: dict[str, SimulatedWorker],
    rng: random.Random,
    population: Population,
    behaviour: Behaviour,
    environment: Environment,
) -> list[Member]:
    """Draw ``population.size`` workers, make their records (through the same
    :func:`~pytest_mturk.faces.worker.enlist` as ``sim.worker()``) and grant them the
    population's qualifications (through the same rule as the API's
    AssociateQualificationWithWorker)."""
    state = service.states[environment]
    taken = set(registry) | {worker_id for s in service.states.values() for worker_id in s.workers}
    for type_id in population.qualifications:
        if type_id not in state.qualification_types:
            raise CrowdError(
                f"qualifications: there is no QualificationType {type_id!r} in the "
                f"{environment.value} environment; create it before the crowd."
            )
    drawn = []
    for rank in range(1, population.size + 1):
        worker_id = _worker_id(rng, taken)
        approved = 0
        if population.approved_median > 0:
            approved = round(rng.lognormvariate(math.log(population.approved_median), 1.0))
        share = _beta_around(rng, population.approval_rate, 0.03)
        rejected = round(approved * (1 - share) / max(share, 0.01))
        profile = Profile(
            locale=_locale(rng, population.locales),
            adult=rng.random() < population.adult,
            masters=rng.random() < population.masters,
            approved=approved,
            rejected=rejected,
        )
        spammer = rng.random() < population.spammers
        accuracy = _beta_around(rng, behaviour.accuracy, population.accuracy_spread)
        scores = _scores(rng, population, worker_id)
        drawn.append((rank, worker_id, profile, spammer, accuracy, scores))
    # Everything drawn and checked: only now is anything made.
    members = []
    with service.transaction() as now:
        for rank, worker_id, profile, spammer, accuracy, scores in drawn:
            handle = enlist(service, registry, worker_id, dict(profile.__dict__))
            for type_id, value in scores:
                grants.grant(state, type_id, worker_id, value, now)
            members.append(
                Member(
                    worker_id=worker_id,
                    profile=profile,
                    accuracy=accuracy,
                    spammer=spammer,
                    activity=1 / rank**population.activity_skew,
                    behaviour=behaviour,
                    worker=handle,
                )
            )
    return members


def _scores(rng: random.Random, population: Population, worker_id: str) -> list[tuple[str, int]]:
    """The qualification scores one worker is granted."""
    scores = []
    for type_id, score in population.qualifications.items():
        value = score(rng) if callable(score) else score
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CrowdError(
                f"qualifications[{type_id!r}] gave {value!r} for worker {worker_id}: a "
                "score is an int, 0 or more, or None."
            )
        scores.append((type_id, value))
    return scores
