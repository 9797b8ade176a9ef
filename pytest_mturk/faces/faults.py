"""The faults a test schedules (``sim.fail_next``): the next calls of an operation fail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.dispatch import FAULTS, operation_named
from ..core.errors import UsageError

if TYPE_CHECKING:
    from ..core.service import Service


class Faults:
    """A simulator's scheduled faults (made by the simulator, with its service)."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def schedule(self, operation: str, fault: str, times: int) -> None:
        """Make the next ``times`` calls of ``operation`` (the API's name or boto3's) fail
        with ``fault``, after the ones already scheduled."""
        if fault not in FAULTS:
            raise UsageError(f"fault must be one of {', '.join(FAULTS)}, not {fault!r}.")
        service = self._service
        operation = operation_named(operation, service.operations)
        if times < 1:
            raise UsageError("times must be at least 1.")
        with service.transaction():
            pending = service.faults.get(operation, [])
            service.faults[operation] = [*pending, *[fault] * times]
