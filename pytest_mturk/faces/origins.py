"""Where a simulator's service comes from: made new from settings, loaded from a saved
file, or copied from another simulator's.

Each function gives a whole service and the simulated workers acting on it, built
aside; the :class:`~pytest_mturk.Simulator` is made around them only once all of it is
there, so bad settings or a bad file leave nothing half made.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import TYPE_CHECKING, Any

from .. import operations as ops
from ..core.containers import JDict
from ..core.errors import UsageError
from ..core.service import Service, Settings
from .settings import SimulatorSettings, loaded, resolve, same_world
from .worker import SimulatedWorker

if TYPE_CHECKING:
    Made = tuple[Service, dict[str, SimulatedWorker]]


def new(settings: SimulatorSettings) -> Made:
    """An empty service with these settings, and no simulated workers yet."""
    service = Service(resolve(settings), ops.OPERATIONS)
    ops.install(service)
    return service, JDict()


def load(path: str | os.PathLike[str], settings: SimulatorSettings) -> Made:
    """The service saved at ``path`` (``Simulator.save``), with the settings given that
    act on later calls, and its saved workers."""
    from . import persist

    resolve(settings)  # every name and value checked before the file is read
    saved = persist.load(path)
    service = saved.service
    service.settings = loaded(service.settings, settings, os.fspath(path))
    workers = {
        worker_id: SimulatedWorker(service, worker_id, profile)
        for worker_id, profile in saved.workers.items()
    }
    return service, workers


def copied(
    service: Service,
    workers: dict[str, SimulatedWorker],
    current: Settings,
    settings: SimulatorSettings,
) -> Made:
    """A copy of ``service`` and its ``workers``, independent of them, carrying on with
    ``settings``: those that shaped the state already made (``seed``, ``start``,
    ``balance``) must be ``current``'s; the others apply to the copy from now on."""
    if "load" in settings:
        raise UsageError("A copy of a simulator starts from its source, not from a file.")
    resolved = resolve(settings)
    if not same_world(resolved, current):
        raise UsageError(
            "A copy of a simulator keeps its seed, start and balance: "
            f"{current.seed!r}, {current.start!r}, "
            f"{current.balance}, not {resolved.seed!r}, {resolved.start!r}, "
            f"{resolved.balance}."
        )
    memo: dict[int, Any] = {}
    twin = copy.deepcopy(service, memo)  # under the service's lock (Service.__deepcopy__)
    # The same memo: each worker's handle acts on the copied service.
    handles = copy.deepcopy(workers, memo)
    # The copy's world started with the source's clock and IDs; only the settings
    # that act on later calls are the copy's own.
    twin.settings = dataclasses.replace(resolved, seed=current.seed)
    return twin, handles
