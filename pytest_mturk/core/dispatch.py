"""The one way into the simulated service: a request in, an answered call out.

Every door that makes a requester's call (the botocore hooks, sync and async, and
their fault path; the HTTP door's service API) turns what it receives into one
:func:`dispatch` call and turns the result back into its own objects. Every
server-side rule is applied here, in the service's order:

1. the caller's credentials are judged (:func:`refusal`);
2. a fault scheduled with ``Simulator.fail_next`` is taken;
3. the request is validated against the service model's constraints;
4. the operation runs (its own rules, idempotency included);
5. the call is recorded;
6. a request ID is drawn.

A door needs nothing of botocore to call it: the operation's validator is
looked up by name, once. The result is an :class:`Outcome`: the recorded
:class:`~pytest_mturk.core.service.Call` (the response body or the service's
error), its request ID, and whether the answer was lost on the way (a fault
of kind ``"lost"``: the work is done, the caller never hears of it).
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import botocore

from . import catalogue
from .errors import ServiceError, UsageError
from .fallback import FALLBACK_ACCESS_KEY
from .json_text import unwritable
from .model import Environment
from .validation import Check, validator_for
from .wire import error_json, to_wire_json

if TYPE_CHECKING:
    from .service import Call, Service

__all__ = [
    "FAULTS",
    "UNSIGNED",
    "Outcome",
    "check_for",
    "dispatch",
    "operation_named",
    "refusal",
    "service_model",
]

# The kinds of fault ``Simulator.fail_next`` schedules.
FAULTS = ("service_fault", "throttled", "lost")


def operation_named(name: str, operations: Iterable[str]) -> str:
    """The operation ``name`` means: its API name (``GetHIT``) or the boto3 client
    method calling it (``get_hit``, botocore's ``xform_name`` of it). An unknown name
    is a :class:`UsageError` listing both names of every operation."""
    xform_name = botocore.xform_name
    names = {operation: operation for operation in operations}
    names.update({xform_name(operation): operation for operation in list(names)})
    if name in names:
        return names[name]
    close = difflib.get_close_matches(name, names, n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(f"{xform_name(op)} ({op})" for op in sorted(set(names.values())))
    raise UsageError(
        f"{name!r} is not an MTurk operation{guess}. Name one as boto3's client "
        f"method or as the API does: {listed}."
    )


# The caller of an unsigned request (``Config(signature_version=UNSIGNED)``).
UNSIGNED: Any = botocore.UNSIGNED

# -- who is calling ----------------------------------------------------------------------

# A refusal for unsigned requests.
_UNSIGNED = catalogue.MISSING_AUTHENTICATION_TOKEN()
_UNRECOGNIZED = catalogue.UNRECOGNIZED_CLIENT()
_FALLBACK_REFUSED = catalogue.FALLBACK_KEY_REFUSED()
# An IAM access key ID is 16 to 128 word characters (IAM API reference, AccessKey).
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_]{16,128}")
# Whether each access key seen is well formed, so the pattern runs once per key.
# moto's mock_aws puts FOOBARKEY into the environment while it runs
# (moto/core/models.py), so suites mocking S3 with moto alongside keep working.
_well_formed: dict[str, bool] = {"FOOBARKEY": True}


def refusal(service: Service, caller: Any) -> ServiceError | None:
    """What the service says to a caller: ``None`` lets it in.

    ``caller`` is the access key the request is signed with, :data:`UNSIGNED`
    for an unsigned request, ``None`` for credentials not fetched yet (which
    are taken to hold a well-formed key: STS only issues those) and ``""`` for
    a key without a secret. Without ``access_keys`` any well-formed key is
    accepted; with it only the listed keys are, which unfetched credentials
    cannot show, and the fallback key is refused saying that it is one.
    """
    if caller is UNSIGNED:
        return _UNSIGNED
    allowed = service.settings.access_keys
    if allowed is not None:
        if caller in allowed:
            return None
        return _FALLBACK_REFUSED if caller == FALLBACK_ACCESS_KEY else _UNRECOGNIZED
    if caller is None:
        return None
    ok = _well_formed.get(caller)
    if ok is None:
        ok = _KEY_PATTERN.fullmatch(caller) is not None
        if len(_well_formed) < 1000:
            _well_formed[caller] = ok
    return None if ok else _UNRECOGNIZED


# -- the service model -------------------------------------------------------------------

_model: Any = None


def service_model() -> Any:
    """botocore's model of the MTurk API (loaded once)."""
    global _model
    if _model is None:
        import botocore.session

        _model = botocore.session.get_session().get_service_model("mturk")
    return _model


def _accept_anything(body: Any) -> None:
    return None


_checks: dict[str, Check] = {}


def check_for(operation: str) -> Check:
    """The server-side validator of one operation's request, by name (cached).

    A name the model does not know has nothing to validate: the call reaches the
    service, which answers that it does not simulate it.
    """
    check = _checks.get(operation)
    if check is None:
        model = service_model()
        if operation in model.operation_names:
            check = validator_for(model.operation_model(operation))
        else:
            check = _accept_anything
        _checks[operation] = check
    return check


# -- the answer --------------------------------------------------------------------------

_THROTTLED = catalogue.THROTTLED()


class Outcome:
    """One dispatched request: its recorded call, its request ID, and whether it was lost.

    ``call.response`` is the response body as recorded (a door hands the caller
    its own copy) or ``call.error`` the service's error. A lost call
    (``lost``) did its work but its answer never arrived: no request ID was
    drawn for it (``request_id`` is ``""``).
    """

    __slots__ = ("call", "request_id", "lost")

    def __init__(self, call: Call, request_id: str, lost: bool = False) -> None:
        self.call = call
        self.request_id = request_id
        self.lost = lost

    def __repr__(self) -> str:
        return (
            f"Outcome({self.call.operation}, status={self.status}, "
            f"request_id={self.request_id!r}, lost={self.lost})"
        )

    @property
    def status(self) -> int:
        """The HTTP status the service answers with."""
        error = self.call.error
        return 200 if error is None else error.status

    def wire(self) -> bytes:
        """The response body the service sends, as bytes (JSON 1.1)."""
        call = self.call
        if call.error is not None:
            sandbox = call.environment is Environment.SANDBOX
            return error_json(call.error, call.time, sandbox=sandbox)
        return to_wire_json(service_model().operation_model(call.operation), call.response or {})


def unreadable(service: Service, environment: Environment, operation: str, why: str) -> Outcome:
    """The front end's refusal of parameters it could not read (``why`` is what
    :func:`~pytest_mturk.core.json_text.unwritable` found): the call never reaches the
    service, so it is not recorded and draws no request ID from the seeded stream."""
    from .service import Call

    error = catalogue.STRUCTURE_NOT_EXPECTED() if why == "deep" else catalogue.NUMBER_OUT_OF_RANGE()
    call = Call(operation, environment, {}, service.clock.now(), error=error)
    return Outcome(call, str(uuid.uuid4()))


def dispatch(
    service: Service,
    environment: Environment,
    operation: str,
    params: dict[str, Any],
    caller: Any = None,
    *,
    check: Check | None = None,
) -> Outcome:
    """Answer one request to the simulated service, with every server-side rule.

    ``params`` is the request body as the service receives it (the JSON 1.1
    members, timestamps as epoch seconds), ``caller`` the access key it is
    signed with (see :func:`refusal`). ``check`` is the operation's validator
    for a door that has it at hand; otherwise it is looked up by name.

    Parameters the front end could not have read (nested deeper than
    :data:`~pytest_mturk.core.json_text.MAX_DEPTH`, or a number too long to be one)
    never reach the service, as over HTTP: a ``SerializationException``, not recorded,
    with a random request ID (:func:`unreadable`).
    """
    unreadable_params = unwritable(params)
    if unreadable_params is not None:
        return unreadable(service, environment, operation, unreadable_params)
    refused = refusal(service, caller)
    if refused is not None:
        call = service.record_refusal(environment, operation, params, refused)
        return Outcome(call, service.ids.request_id())
    fault = service.take_fault(operation) if service.faults else None
    if fault is not None and fault != "lost":
        error = catalogue.SERVICE_FAULT() if fault == "service_fault" else _THROTTLED
        call = service.record_refusal(environment, operation, params, error)
        return Outcome(call, service.ids.request_id())
    try:
        (check or _checks.get(operation) or check_for(operation))(params)
    except ServiceError as invalid:
        call = service.record_refusal(environment, operation, params, invalid)
    else:
        call = service.invoke(environment, operation, params)
    if fault is not None:
        # The service did the work; the answer never arrived (nor was a request ID drawn).
        return Outcome(call, "", lost=True)
    return Outcome(call, service.ids.request_id())
