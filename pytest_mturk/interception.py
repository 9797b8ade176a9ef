"""The botocore hook: every ``mturk`` call is answered by the active simulator.

Importing this module appends one handler for ``before-call.mturk`` to
botocore's built-in handlers, so every botocore session made afterwards (and
every client made from one) carries it. Sessions that already existed when a
simulator starts -- ``boto3``'s default session above all -- get it registered
then. The handler does nothing for other services, nor while no simulator is
active. It answers at ``before-call``: no signing, no HTTP, no retries.

botocore calls wildcard handlers first, so a client with an active ``Stubber``
(``before-call.*.*``) keeps its stubbed answers; moto hooks ``before-send``,
which a call answered here never reaches, so both coexist.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import botocore
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import NoCredentialsError

from .errors import MODELED_ERRORS, ServiceError
from .model import Environment
from .shapes import for_caller
from .validation import validator_for

if TYPE_CHECKING:
    from .service import Call, Service

EVENT = "before-call.mturk"
UNIQUE_ID = "pytest-mturk"
CONTENT_TYPE = "application/x-amz-json-1.1"

# The active simulators, innermost last: a process-wide stack (not a contextvar)
# so that threads started by the code under test see the simulator too.
_active: list[Service] = []
_active_lock = threading.Lock()


def push(service: Service) -> None:
    with _active_lock:
        if not _active:
            _register_on_existing_sessions()
        _active.append(service)


def pop(service: Service) -> None:
    with _active_lock:
        if service in _active:
            _active.remove(service)


def active() -> Service | None:
    return _active[-1] if _active else None


def _environment(url: str) -> Environment:
    return Environment.SANDBOX if "sandbox" in url else Environment.PRODUCTION


class _Dates:
    """The HTTP ``date`` header, formatted once per second of virtual time."""

    def __init__(self) -> None:
        self._second: _dt.datetime | None = None
        self._text = ""

    def header(self, now: _dt.datetime) -> str:
        second = now.replace(microsecond=0)
        if second != self._second:
            self._second = second
            self._text = format_datetime(second, usegmt=True)
        return self._text


_dates = _Dates()


def _metadata(request_id: str, status: int, now: _dt.datetime) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "content-type": CONTENT_TYPE,
            "date": _dates.header(now),
        },
        "RetryAttempts": 0,
    }


def parsed_error(error: ServiceError, request_id: str, now: _dt.datetime) -> dict[str, Any]:
    """What botocore's JSON parser makes of the service's error body."""
    body = error.wire(_epoch_ms(now))
    parsed: dict[str, Any] = {
        "Error": {"Message": body["Message"], "Code": error.type},
        "ResponseMetadata": _metadata(request_id, error.status, now),
    }
    if error.type in MODELED_ERRORS:
        # botocore's endpoint adds the modelled error shape's members at the top level.
        parsed["Message"] = body["Message"]
        if "TurkErrorCode" in body:
            parsed["TurkErrorCode"] = body["TurkErrorCode"]
    return parsed


def _epoch_ms(now: _dt.datetime) -> int:
    return int(now.timestamp() * 1000)


def _check_credentials(service: Service, request_signer: Any) -> ServiceError | None:
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        if getattr(request_signer, "_signature_version", None) is not botocore.UNSIGNED:
            raise NoCredentialsError()
        return None
    allowed = service.settings.access_keys
    if allowed is not None and credentials.get_frozen_credentials().access_key not in allowed:
        return ServiceError(
            "The security token included in the request is invalid.",
            None,
            type="UnrecognizedClientException",
            stamp=False,
        )
    return None


def answer(
    service: Service, environment: Environment, operation_model: Any, body: dict[str, Any]
) -> tuple[int, dict[str, Any], Call | None]:
    """Validate and answer one request body; ``(status, parsed response, call)``."""
    try:
        validator_for(operation_model)(body)
    except ServiceError as exc:
        call = service.record_refusal(environment, operation_model.name, body, exc)
        return _respond(service, call)
    return _respond(service, service.invoke(environment, operation_model.name, body))


def _respond(service: Service, call: Call) -> tuple[int, dict[str, Any], Call]:
    request_id = service.ids.request_id()
    if call.error is None:
        # The call log keeps the body as answered (sharing cached records); the
        # caller gets its own copy.
        parsed = for_caller(call.response) if call.response else {}
        parsed["ResponseMetadata"] = _metadata(request_id, 200, call.time)
        return 200, parsed, call
    parsed = parsed_error(call.error, request_id, call.time)
    call.response = parsed
    return call.error.status, parsed, call


def _before_call(
    model: Any = None,
    params: Any = None,
    request_signer: Any = None,
    **kwargs: Any,
) -> tuple[AWSResponse, dict[str, Any]] | None:
    service = _active[-1] if _active else None
    if service is None or model is None:
        return None
    environment = _environment(params.get("url", ""))
    refusal = _check_credentials(service, request_signer)
    if refusal is not None:
        call = service.record_refusal(environment, model.name, {}, refusal)
        status, parsed, _ = _respond(service, call)
    else:
        raw = params.get("body") or b"{}"
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        status, parsed, _ = answer(service, environment, model, body)
    headers = parsed["ResponseMetadata"]["HTTPHeaders"]
    return AWSResponse(params.get("url"), status, headers, None), parsed


def install() -> None:
    """Make every botocore session created from now on carry the hook (idempotent)."""
    entry = (EVENT, _before_call)
    if entry not in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.append(entry)


def register(session: Any) -> None:
    """Add the hook to an existing botocore (or boto3) session; clients made from it later
    are caught. Clients that already exist keep the event hooks they were made with."""
    core = getattr(session, "_session", session)
    core.register(EVENT, _before_call, unique_id=UNIQUE_ID)


def _register_on_existing_sessions() -> None:
    import boto3

    if boto3.DEFAULT_SESSION is not None:
        register(boto3.DEFAULT_SESSION)


_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "FOOBARKEY",
    "AWS_SECRET_ACCESS_KEY": "FOOBARSECRET",
}


def credentials_configured() -> bool:
    """Whether the environment names credentials botocore could find without the network."""
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return True
    for variable, default in (
        ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        ("AWS_CONFIG_FILE", "~/.aws/config"),
    ):
        if os.path.exists(os.path.expanduser(os.environ.get(variable, default))):
            return True
    return False


class FakeEnvironment:
    """Fake credentials (and a region) while a simulator runs, where none are configured."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> FakeEnvironment:
        changes = {} if credentials_configured() else dict(_FAKE_ENV)
        if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
            changes["AWS_DEFAULT_REGION"] = "us-east-1"
        for key, value in changes.items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def __exit__(self, *exc: object) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


install()
