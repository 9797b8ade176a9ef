"""The system qualification types (spec §7.2): their IDs, names, and what a worker holds.

Masters, Worker_NumberHITsApproved, Worker_Locale, Worker_Adult and
Worker_PercentAssignmentsApproved are MTurk's own: every environment has them
(Masters under an ID of its own in each), no one can request, grant or change
them, and a worker's value comes from their profile and history. Everything the
simulator knows of them is here; the rest of the package asks this module.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

# The IDs live with the records (a HIT's fee depends on whether it requires Masters);
# Masters has an ID of its own in each environment.
from ...core.model import (
    ADULT,
    LOCALE,
    MASTERS_IDS,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
)

if TYPE_CHECKING:
    from ...core.model import Environment, Worker

# System types have no published CreationTime; any fixed moment in the past will do.
CREATED = _dt.datetime(2015, 6, 1, tzinfo=_dt.timezone.utc)
# Below this many submitted assignments the service reports 100 % approved.
PERCENT_APPROVED_MIN_SUBMITTED = 100


@dataclass(frozen=True)
class Value:
    """What a worker holds of one qualification type: an integer or a locale."""

    integer: int | None = None
    country: str | None = None
    subdivision: str | None = None

    def __str__(self) -> str:
        if self.country is not None:
            return f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return str(self.integer)


def percent_approved(worker: Worker) -> int:
    """Worker_PercentAssignmentsApproved: approved over decided, 100 below 100 submissions."""
    approved = worker.prior_approved + worker.approved
    rejected = worker.prior_rejected + worker.rejected
    submitted = worker.prior_approved + worker.prior_rejected + worker.submitted_total
    if submitted < PERCENT_APPROVED_MIN_SUBMITTED or approved + rejected == 0:
        return 100
    return (100 * approved) // (approved + rejected)


@dataclass(frozen=True)
class SystemType:
    """One system type: its name and description, and how a worker's value is found
    (``None``: the worker does not hold it)."""

    name: str
    description: str
    value: Callable[[Worker], Value | None]


_MASTERS = SystemType(
    "Masters",
    "Workers who have demonstrated excellence across a wide range of HITs.",
    lambda worker: Value(1) if worker.masters else None,
)
# In the order ListQualificationTypes lists them, after Masters.
_FIXED = {
    NUMBER_HITS_APPROVED: SystemType(
        "Worker_NumberHITsApproved",
        "The number of HITs the Worker has had approved.",
        lambda worker: Value(worker.prior_approved + worker.approved),
    ),
    LOCALE: SystemType(
        "Worker_Locale",
        "The location of the Worker, as given in the Worker's mailing address.",
        lambda worker: Value(country=worker.locale_country, subdivision=worker.locale_subdivision),
    ),
    ADULT: SystemType(
        "Worker_Adult",
        "The Worker has agreed to work on HITs that may contain adult content.",
        lambda worker: Value(1 if worker.adult else 0),
    ),
    PERCENT_APPROVED: SystemType(
        "Worker_PercentAssignmentsApproved",
        "The percentage of the Worker's submitted assignments that were approved.",
        lambda worker: Value(percent_approved(worker)),
    ),
}


def masters_id(environment: Environment) -> str:
    """The Masters type's ID in ``environment``."""
    return MASTERS_IDS[environment]


def find(environment: Environment, type_id: str) -> SystemType | None:
    """The system type with this ID in ``environment`` (``None``: not a system type there)."""
    found = _FIXED.get(type_id)
    if found is None and type_id == MASTERS_IDS[environment]:
        return _MASTERS
    return found


def listed(environment: Environment) -> list[tuple[str, SystemType]]:
    """``(ID, type)`` of every system type of ``environment``, in the service's order."""
    return [(masters_id(environment), _MASTERS), *_FIXED.items()]
