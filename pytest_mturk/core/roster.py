"""Worker records: the one place one is made or its profile changed.

Any well-formed worker ID named in a requester call is a real worker, made on
first reference with a default profile; a simulated worker is made the same
way, with the profile the test gave it. The operations, the simulated workers
and the simulator's ``worker()`` all go through these functions, so a worker's
record never depends on which door met the worker first.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import State, Worker


@dataclass(frozen=True)
class Profile:
    """What MTurk knows of a worker: the source of the system qualifications."""

    locale: str = "US"  # "US" or "US-CA" (ISO 3166 country, optional subdivision)
    adult: bool = False
    masters: bool = False
    approved: int = 0  # assignments approved before the simulation started
    rejected: int = 0

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
