"""Errors: the service's own error envelope, and the plugin's misuse error.

A :class:`ServiceError` is what the simulated service answers; the interception
layer turns it into the exact ``ClientError`` botocore raises for the real
service. :class:`UsageError` is raised straight to the test author when the
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


def request_error(message: str, code: str | None) -> ServiceError:
    """A ``RequestError`` with an ``AWS.MechanicalTurk.<code>`` TurkErrorCode."""
    return ServiceError(message, PREFIX + code if code else None)


def parameter_error(message: str) -> ServiceError:
    """The un-modelled ``ParameterValidationError`` (a plain ``ClientError`` in boto3)."""
    return ServiceError(message, None, type="ParameterValidationError")


def invalid_value(
    name: str, value: object, why: str = "", *, code: str | None = None
) -> ServiceError:
    """The service's wording for a value it cannot use (a malformed identifier or enum
    value, a question or test it refuses): a ``ParameterValidationError``, with the
    TurkErrorCode ``AWS.MechanicalTurk.<code>`` where the service sends one.

    ``why`` follows the sentence as the service adds it (observed: 'The value
    "http://…" is not valid for the parameter ExternalURL. This URL must use the
    HTTPS protocol..', a period after its own sentence).
    """
    return ServiceError(
        f'The value "{value}" is not valid for the parameter {name}.{why}',
        PREFIX + code if code else None,
        type="ParameterValidationError",
    )


def invalid_parameter_value(name: str, value: object, why: str = "") -> ServiceError:
    """:func:`invalid_value` with the TurkErrorCode the service sends for the XML members
    (Question, Test, AnswerKey) and what they hold."""
    return invalid_value(name, value, why, code="InvalidParameterValue")


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


def validation_exception(violations: list[Violation]) -> ServiceError:
    """The request framework's refusal of values that break the service model's own
    constraints, before MTurk's code sees the request: ``N validation error(s)
    detected: Value ... at '<path>' failed to satisfy constraint: Member must ...``,
    the violations joined by ``"; "``, at most ten of them (the count stops there too)."""
    listed = violations[:MAX_LISTED]
    count = len(listed)
    details = "; ".join(
        f"Value {coral_value(value)} at '{path}' failed to satisfy constraint: {rule}"
        for path, value, rule in listed
    )
    plural = "error" if count == 1 else "errors"
    return ServiceError(
        f"{count} validation {plural} detected: {details}", None, type="ValidationException"
    )


def missing_member(path: str) -> ServiceError:
    """The request framework's error for a member the server requires."""
    return validation_exception([(path, None, "Member must not be null")])


def service_fault() -> ServiceError:
    """The retryable internal failure (HTTP 500)."""
    return ServiceError(
        "We are temporarily unable to process your request. Try your call again.",
        None,
        type="ServiceFault",
        status=500,
    )


def hit_does_not_exist(hit_id: str) -> ServiceError:
    # The service writes "Hit", not "HIT".
    return request_error(f"Hit {hit_id} does not exist.", "HITDoesNotExist")


def assignment_does_not_exist(assignment_id: str) -> ServiceError:
    return request_error(f"Assignment {assignment_id} does not exist.", "AssignmentDoesNotExist")


def invalid_assignment_state(allowed: str) -> ServiceError:
    return request_error(
        f"This operation can be called with a status of: {allowed}", "InvalidAssignmentState"
    )


def invalid_hit_state(current: str, allowed: str) -> ServiceError:
    # Two spaces after the first period, as the service writes it.
    return request_error(
        f"This HIT is currently in the state '{current}'.  "
        f"This operation can be called with a status of: {allowed}",
        "InvalidHITState",
    )


def insufficient_funds() -> ServiceError:
    return request_error(
        "This Requester has insufficient funds in their account to complete this transaction. "
        "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs.",
        "InsufficientFunds",
    )


def qualification_type_does_not_exist(type_id: str) -> ServiceError:
    return request_error(
        f"QualificationType [{type_id}] does not exist.", "QualificationTypeDoesNotExist"
    )


def qualification_type_already_exists() -> ServiceError:
    return request_error(
        "You have already created a QualificationType with this name. A QualificationType's "
        "name must be unique among all of the QualificationTypes created by the same user.",
        "QualificationTypeAlreadyExists",
    )


def qualification_does_not_exist() -> ServiceError:
    """A worker lacks the qualification (never granted)."""
    return request_error(
        "You requested a Qualification that does not exist.", "QualificationDoesNotExist"
    )


def invalid_qualification_state() -> ServiceError:
    """The worker's qualification was revoked; the operation needs a granted one."""
    return request_error(
        "This operation can be called with a status of: Granted", "InvalidQualificationState"
    )


def invalid_qualification_type_state() -> ServiceError:
    """The type is being deleted (legacy status Disposing)."""
    return request_error(
        "This operation can be called with a status of: Active,Inactive",
        "InvalidQualificationTypeState",
    )


def permission_denied() -> ServiceError:
    return request_error(
        "This user is not authorized to perform the requested operation.", "PermissionDenied"
    )


def not_implemented(operation: str) -> ServiceError:
    """Loud refusal for an operation the simulator does not answer yet."""
    return request_error(
        f"pytest-mturk does not simulate {operation} yet; see the README's table of operations.",
        "OperationNotSimulated",
    )
