"""pytest-mturk: a faithful, in-process Amazon Mechanical Turk behind the unchanged boto3 client.

Importing the package installs the (light) botocore hook; everything else is
imported the first time it is used, so the plugin costs pytest's start-up
almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .doors.botocore import bootstrap  # noqa: F401  (puts the hook into botocore's built-in handlers)

if TYPE_CHECKING:
    from .core.errors import (
        CrowdError,
        InternalError,
        StateFileError,
        UsageError,
        WorkerActionError,
    )
    from .core.model import AssignmentStatus, Environment, HITStatus
    from .doors.botocore.bootstrap import register as register_session
    from .faces.crowd import Behaviour, Crowd, Member, Population, Task, default_answer
    from .faces.entry import active_simulator, current, mturk_sim
    from .faces.server_control import ServerControl, ServerControlError
    from .faces.settings import SimulatorSettings
    from .faces.simulator import Simulator
    from .faces.threaded import ThreadedServer
    from .faces.worker import SimulatedWorker
    from .rules.questions.answers import crowd_answers
    from .rules.questions.answers import parse as parse_answers
    from .rules.questions.answers import to_xml as answers_xml

_EXPORTS = {
    "AssignmentStatus": ("core.model", "AssignmentStatus"),
    "Behaviour": ("faces.crowd", "Behaviour"),
    "Crowd": ("faces.crowd", "Crowd"),
    "CrowdError": ("core.errors", "CrowdError"),
    "Environment": ("core.model", "Environment"),
    "HITStatus": ("core.model", "HITStatus"),
    "InternalError": ("core.errors", "InternalError"),
    "Member": ("faces.crowd", "Member"),
    "Population": ("faces.crowd", "Population"),
    "ServerControl": ("faces.server_control", "ServerControl"),
    "ServerControlError": ("faces.server_control", "ServerControlError"),
    "SimulatedWorker": ("faces.worker", "SimulatedWorker"),
    "Simulator": ("faces.simulator", "Simulator"),
    "SimulatorSettings": ("faces.settings", "SimulatorSettings"),
    "StateFileError": ("core.errors", "StateFileError"),
    "Task": ("faces.crowd", "Task"),
    "ThreadedServer": ("faces.threaded", "ThreadedServer"),
    "UsageError": ("core.errors", "UsageError"),
    "WorkerActionError": ("core.errors", "WorkerActionError"),
    "active_simulator": ("faces.entry", "active_simulator"),
    "answers_xml": ("rules.questions.answers", "to_xml"),
    "crowd_answers": ("rules.questions.answers", "crowd_answers"),
    "current": ("faces.entry", "current"),
    "default_answer": ("faces.crowd", "default_answer"),
    "mturk_sim": ("faces.entry", "mturk_sim"),
    "parse_answers": ("rules.questions.answers", "parse"),
    "register_session": ("doors.botocore.bootstrap", "register"),
}

__all__ = [
    "__version__",
    "AssignmentStatus",
    "Behaviour",
    "Crowd",
    "CrowdError",
    "Environment",
    "HITStatus",
    "InternalError",
    "Member",
    "Population",
    "ServerControl",
    "ServerControlError",
    "SimulatedWorker",
    "Simulator",
    "SimulatorSettings",
    "StateFileError",
    "Task",
    "ThreadedServer",
    "UsageError",
    "WorkerActionError",
    "active_simulator",
    "answers_xml",
    "crowd_answers",
    "current",
    "default_answer",
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
