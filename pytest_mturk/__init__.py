"""pytest-mturk: a faithful, in-process Amazon Mechanical Turk behind the unchanged boto3 client.

Importing the package installs the (light) botocore hook; everything else is
imported the first time it is used, so the plugin costs pytest's start-up
almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _bootstrap  # noqa: F401  (puts the hook into botocore's built-in handlers)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._bootstrap import register as register_session
    from .answers import crowd_answers
    from .answers import parse as parse_answers
    from .answers import to_xml as answers_xml
    from .errors import InternalError, StateFileError, UsageError, WorkerActionError
    from .model import AssignmentStatus, Environment, HITStatus
    from .settings import SimulatorSettings
    from .simulator import Simulator, active_simulator, current, mturk_sim
    from .worker import SimulatedWorker

_EXPORTS = {
    "AssignmentStatus": ("model", "AssignmentStatus"),
    "Environment": ("model", "Environment"),
    "HITStatus": ("model", "HITStatus"),
    "InternalError": ("errors", "InternalError"),
    "SimulatedWorker": ("worker", "SimulatedWorker"),
    "Simulator": ("simulator", "Simulator"),
    "SimulatorSettings": ("settings", "SimulatorSettings"),
    "StateFileError": ("errors", "StateFileError"),
    "UsageError": ("errors", "UsageError"),
    "WorkerActionError": ("errors", "WorkerActionError"),
    "active_simulator": ("simulator", "active_simulator"),
    "answers_xml": ("answers", "to_xml"),
    "crowd_answers": ("answers", "crowd_answers"),
    "current": ("simulator", "current"),
    "mturk_sim": ("simulator", "mturk_sim"),
    "parse_answers": ("answers", "parse"),
    "register_session": ("_bootstrap", "register"),
}

__all__ = [
    "__version__",
    "AssignmentStatus",
    "Environment",
    "HITStatus",
    "InternalError",
    "SimulatedWorker",
    "Simulator",
    "SimulatorSettings",
    "StateFileError",
    "UsageError",
    "WorkerActionError",
    "active_simulator",
    "answers_xml",
    "crowd_answers",
    "current",
    "mturk_sim",
    "parse_answers",
    "register_session",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'pytest_mturk' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
