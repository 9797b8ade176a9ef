"""Worker records: the one place one is made or its profile changed.

Any well-formed worker ID named in a requester call is a real worker, made on
first reference with a default profile; a simulated worker is made the same
way, with the profile the test gave it. The operations, the simulated workers
and the simulator's ``worker()`` all go through these functions, so a worker's
record never depends on which door met the worker first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import UsageError
from .model import State, Worker

# A country (ISO 3166-1 alpha-2), and a subdivision of it (ISO 3166-2) if any.
LOCALE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
# The most assignments a count holds: the largest whole number every JSON reader holds
# exactly (a JavaScript client of the control API too).
MOST = 2**53 - 1


class ProfileError(UsageError, ValueError):
    """A worker profile the simulator cannot hold; the message names the field."""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value[:40] + "..." if len(value) > 40 else value)
    if isinstance(value, (bool, float)) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value) if -(10**12) < value < 10**12 else "a larger number"
    return f"a {type(value).__name__}"


def check(name: str, value: Any) -> None:
    """Refuse (:class:`ProfileError`, naming the field) a value a profile's field
    ``name`` cannot hold: ``locale`` is ``"US"`` or ``"US-CA"``, ``adult`` and
    ``masters`` are ``True`` or ``False``, ``approved`` and ``rejected`` whole
    numbers from 0 to 2**53 - 1. The same rule for every door: ``Simulator.worker``,
    the control API, the worker pages."""
    if name == "locale":
        if not isinstance(value, str) or not LOCALE.fullmatch(value):
            raise ProfileError(
                'A worker\'s locale is a country code ("US") or a country and '
                f'subdivision ("US-CA"), not {_shown(value)}.'
            )
    elif name in ("adult", "masters"):
        if not isinstance(value, bool):
            raise ProfileError(f"A worker's {name} is true or false, not {_shown(value)}.")
    elif name in ("approved", "rejected"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST:
            raise ProfileError(
                f"A worker's {name} is a whole number from 0 to {MOST}, not {_shown(value)}."
            )
    else:
        known = ", ".join(f.name for f in fields(Profile))
        raise ProfileError(f"A worker's profile has {known}, not {_shown(name)}.")


def checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` to a profile, each field :func:`check`-ed."""
    for name, value in changes.items():
        check(name, value)
    return dict(changes)


@dataclass(frozen=True)
class Profile:
    """What MTurk knows of a worker: the source of the system qualifications. Each
    field is :func:`check`-ed as the profile is made."""

    locale: str = "US"  # "US" or "US-CA" (ISO 3166 country, optional subdivision)
    adult: bool = False
    masters: bool = False
    approved: int = 0  # assignments approved before the simulation started
    rejected: int = 0

    def __post_init__(self) -> None:
        for name in ("locale", "adult", "masters", "approved", "rejected"):
            check(name, getattr(self, name))

    def apply(self, record: Worker) -> None:
        """Make ``record`` show this profile."""
        set_profile(
            record,
            locale=self.locale,
            adult=self.adult,
            masters=self.masters,
            approved=self.approved,
            rejected=self.rejected,
        )

    @classmethod
    def of(cls, record: Worker) -> Profile:
        """The profile ``record`` shows."""
        subdivision = record.locale_subdivision
        return cls(
            locale=f"{record.locale_country}-{subdivision}"
            if subdivision
            else record.locale_country,
            adult=record.adult,
            masters=record.masters,
            approved=record.prior_approved,
            rejected=record.prior_rejected,
        )


DEFAULT = Profile()


def worker(state: State, worker_id: str) -> Worker:
    """The worker's record in one environment, made (with the default profile) on first
    reference."""
    record = state.workers.get(worker_id)
    if record is None:
        record = state.workers[worker_id] = Worker(worker_id)
    return record


def record(state: State, worker_id: str, profile: Profile) -> Worker:
    """A simulated worker's record in one environment, made with ``profile`` on first use."""
    found = state.workers.get(worker_id)
    if found is None:
        found = worker(state, worker_id)
        profile.apply(found)
    return found


def set_profile(
    record: Worker, *, locale: str, adult: bool, masters: bool, approved: int, rejected: int
) -> None:
    """What MTurk knows of a worker, the source of the system qualifications: their
    locale (``"US"`` or ``"US-CA"``), whether they are an adult and a Master, and the
    assignments approved and rejected before the simulation started."""
    country, _, subdivision = locale.partition("-")
    record.locale_country = country
    record.locale_subdivision = subdivision or None
    record.adult = adult
    record.masters = masters
    record.prior_approved = approved
    record.prior_rejected = rejected
