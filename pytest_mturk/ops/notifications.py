"""Notifications operations (not simulated yet: each refuses loudly until built)."""

from __future__ import annotations

from ..service import Handler, Service

OPERATIONS: dict[str, Handler] = {}


def install(service: Service) -> None:
    """Attach this area's hooks (accept checks, submit hooks, listeners) to a new service."""
