"""Errors: the service's own error envelope, and the plugin's misuse error.

A :class:`ServiceError` is what the simulated service answers; the interception
layer turns it into the exact ``ClientError`` botocore raises for the real
service. Every error the service sends is named, worded and given its code in
:mod:`.catalogue`. :class:`UsageError` is raised straight to the test author when the
simulator itself is misused (a worker doing something impossible, say).
"""

from __future__ import annotations

from typing import Any

# Error shapes the service model declares; botocore adds their body members
# (Message, TurkErrorCode) at the top level of the parsed error response.
MODELED_ERRORS = frozenset({"RequestError", "ServiceFault"})

PREFIX = "AWS.MechanicalTurk."

# MTurk's own errors: their body says "Message" and their text ends with the stamp. The
# AWS front end's own refusals (UnrecognizedClientException, ValidationException,
# ThrottlingException, ...) say "message", as every AWS JSON 1.1 front end does.
MTURK_ERRORS = frozenset({"RequestError", "ServiceFault", "ParameterValidationError"})

# The request framework lists at most this many violations (and counts no further).
MAX_LISTED = 10


class InternalError(Exception):
    """The simulator caught an exception in its own machinery: a bug in pytest-mturk.

    Raised when the simulator stops (the end of a test, a ``with`` block), with the
    first caught exception as its cause, so the bug is seen rather than swallowed.
    """


class UsageError(Exception):
    """The simulator was asked to do something it cannot do; the message says what to do."""


class StateFileError(UsageError):
    """A saved simulator state that cannot be loaded: not JSON, not a pytest-mturk state
    file, of another format version, or damaged. ``path`` is the file, ``problem`` what
    is wrong with it."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"Cannot load the simulator state {path}: {problem}")
        self.path = path
        self.problem = problem


class WorkerActionError(UsageError):
    """A simulated worker tried an action that MTurk would not let them take."""


class CrowdError(UsageError):
    """A simulated crowd cannot go on: an impossible setting (named in the message), or an
    answer function whose answer ``submit()`` refuses or that raised (then the original
    exception is the cause). ``worker_id``, ``hit_id`` and ``assignment_id`` say where,
    when it happened while the crowd worked."""

    def __init__(
        self,
        message: str,
        *,
        worker_id: str | None = None,
        hit_id: str | None = None,
        assignment_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.worker_id = worker_id
        self.hit_id = hit_id
        self.assignment_id = assignment_id


class ServiceError(Exception):
    """An error answered by the simulated service.

    ``type`` is the wire ``__type`` (``RequestError``, ``ServiceFault``,
    ``ParameterValidationError``, ``ValidationException``...), ``code`` the
    ``TurkErrorCode`` (``None`` where the service sends none).
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        type: str = "RequestError",  # noqa: A002 - the wire name
        status: int = 400,
        stamp: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.type = type
        self.status = status
        # MTurk's own errors (RequestError, ServiceFault, ParameterValidationError) end
        # with the stamp; the request framework's ValidationException and the
        # authentication errors do not.
        self.stamp = type in MTURK_ERRORS if stamp is None else stamp

    def message_at(self, epoch_ms: int, *, sandbox: bool = False) -> str:
        """The message as the service sends it at ``epoch_ms``, stamped where it stamps:
        ``" (<epoch ms>)"`` in production, ``" (<epoch ms> s)"`` in the sandbox."""
        if not self.stamp:
            return self.message
        return f"{self.message} ({epoch_ms} s)" if sandbox else f"{self.message} ({epoch_ms})"

    def wire(self, epoch_ms: int, *, sandbox: bool = False) -> dict[str, Any]:
        """The JSON body the real service would send, answered at ``epoch_ms`` (by the
        sandbox when ``sandbox``)."""
        return envelope(self.type, self.message_at(epoch_ms, sandbox=sandbox), self.code)


def message_key(kind: str) -> str:
    """The key of the message in an error body of ``__type`` ``kind``: ``Message`` for
    MTurk's own errors, ``message`` for the AWS front end's."""
    return "Message" if kind in MTURK_ERRORS else "message"


def envelope(kind: str, message: str | None, code: str | None) -> dict[str, Any]:
    """The service's error body, ``{"__type", "Message"[, "TurkErrorCode"]}`` for MTurk's
    own errors and ``{"__type", "message"}`` for the front end's: the one place it is
    built, whether from a :class:`ServiceError` or from botocore's reading of one
    (``ClientError.response``)."""
    body: dict[str, Any] = {"__type": kind, message_key(kind): message}
    if code is not None:
        body["TurkErrorCode"] = code
    return body


Violation = tuple[str, object, str]
"""One broken model constraint: ``(member path, value, "Member must ...")``."""


def coral_value(value: object) -> str:
    """A value as the request framework quotes it: Java's ``toString`` in single quotes
    (``null`` bare), in full however long."""
    if value is None:
        return "null"
    return f"'{_java_text(value)}'"


def _java_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)
