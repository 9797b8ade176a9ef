"""Operation handlers, one module per area; :data:`OPERATIONS` maps names to handlers."""

from __future__ import annotations

from ..core.service import Handler, Service
from . import (
    account,
    assignments,
    hits,
    notifications,
    qualifications,
    reviewing,
    worker_qualifications,
    workers,
)

_AREAS = (
    hits,
    assignments,
    account,
    qualifications,
    worker_qualifications,
    workers,
    reviewing,
    notifications,
)

OPERATIONS: dict[str, Handler] = {}
for _area in _AREAS:
    OPERATIONS.update(_area.OPERATIONS)


def install(service: Service) -> None:
    """Let each area attach its hooks to a newly made service."""
    for area in _AREAS:
        installer = getattr(area, "install", None)
        if installer is not None:
            installer(service)
