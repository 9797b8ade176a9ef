"""What the HTTP door needs of the face above it: the one thing it asks from outside.

The door's backend holds the :class:`~pytest_mturk.core.service.Service` a face handed
down; the rest of a served simulation -- its workers' profiles, its crowds, saving
its whole state and starting again -- only the face knows. The face hands the
backend an object with these methods (``pytest_mturk.faces.threaded.ServedSimulator``
for a ``Simulator``); the door never imports the faces.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...core.roster import Profile
    from ...core.service import Service

__all__ = ["Face"]


class Face(Protocol):
    """What the HTTP door needs of the face that serves a simulation through it (the
    ``Simulator``'s side: ``pytest_mturk.faces.threaded.ServedSimulator``)."""

    def enlist(self, worker_id: str, profile: Mapping[str, Any]) -> Profile:
        """Make the worker (or change their profile, if ``profile`` names anything); the
        profile they act with. A malformed ID is a ``UsageError``."""

    def advance(self, delta: _dt.timedelta) -> _dt.datetime:
        """Move simulated time on by ``delta`` (what acts on the clock acts on the way)."""

    def snapshot(self) -> dict[str, Any]:
        """The whole simulation, as ``sim.save()`` writes it."""

    def reset(self, settings: Mapping[str, Any]) -> Service:
        """Start again from an empty simulation, made with the server's settings changed
        by ``settings`` (kept for the next reset); its service."""

    def load(self, document: Mapping[str, Any]) -> Service:
        """Carry on from ``document`` (what :meth:`snapshot` gave); its service."""
