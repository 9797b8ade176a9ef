"""pytest-mturk: a faithful, in-process Amazon Mechanical Turk behind the unchanged boto3 client."""

from __future__ import annotations

from . import interception as _interception  # installs the botocore hook
from .answers import parse as parse_answers
from .answers import to_xml as answers_xml
from .errors import UsageError, WorkerActionError
from .interception import register as register_session
from .model import AssignmentStatus, Environment, HITStatus
from .simulator import Simulator, current, mturk_sim
from .worker import SimulatedWorker

__all__ = [
    "AssignmentStatus",
    "Environment",
    "HITStatus",
    "SimulatedWorker",
    "Simulator",
    "UsageError",
    "WorkerActionError",
    "answers_xml",
    "current",
    "mturk_sim",
    "parse_answers",
    "register_session",
]

del _interception
