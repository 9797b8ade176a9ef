"""Who is calling: the credentials a call carries, and what the service says to them.

One check for every call, whether it is answered at ``before-call`` or let
through to ``before-send`` because a fault is scheduled. It never makes
botocore fetch credentials (that would be an STS or instance-metadata request).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import botocore
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import NoCredentialsError

from .errors import ServiceError
from .process import AsyncFallbackCredentials, FallbackCredentials

if TYPE_CHECKING:
    from .service import Service

# A refusal for unsigned requests (Config(signature_version=UNSIGNED)).
_UNSIGNED = ServiceError(
    "Request is missing Authentication Token",
    None,
    type="MissingAuthenticationTokenException",
    stamp=False,
)
_UNRECOGNIZED = ServiceError(
    "The security token included in the request is invalid.",
    None,
    type="UnrecognizedClientException",
    stamp=False,
)


# Where a call let through to before_send (a fault is scheduled) keeps its caller.
CALLER_KEY = "pytest_mturk.caller"
# An IAM access key ID is 16 to 128 word characters (IAM API reference, AccessKey).
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_]{16,128}")
# Whether each access key seen is well formed, so the pattern runs once per key.
# moto's mock_aws puts FOOBARKEY into the environment while it runs
# (moto/core/models.py), so suites mocking S3 with moto alongside keep working.
_well_formed: dict[str, bool] = {"FOOBARKEY": True}


def caller(service: Service, request_signer: Any) -> Any:
    """The access key a call is signed with, as the service would see it.

    ``botocore.UNSIGNED`` for an unsigned client, ``None`` for refreshable
    credentials that have not been fetched yet (assume-role, SSO, web identity:
    fetching them is the STS request a simulated call must not make), ``""``
    for keys with no secret. Raises botocore's ``NoCredentialsError`` where
    botocore's signer would.
    """
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        if getattr(request_signer, "signature_version", None) is botocore.UNSIGNED:
            return botocore.UNSIGNED
        raise NoCredentialsError()
    kind = credentials.__class__
    if kind is Credentials:
        key, secret = credentials.access_key, credentials.secret_key
    elif kind is FallbackCredentials or kind is AsyncFallbackCredentials:
        if not service.settings.fake_credentials:
            # Cached by a session from a simulator that handed them out.
            raise NoCredentialsError()
        return credentials.access_key
    elif isinstance(credentials, RefreshableCredentials):
        # Their access_key property refreshes expired or deferred credentials
        # (an STS or metadata request): look at the keys they already hold.
        key, secret = credentials._access_key, credentials._secret_key
        if key is None and secret is None:
            return None
    elif isinstance(credentials, Credentials):
        # Fixed keys held as attributes, e.g. aiobotocore's AioCredentials, whose
        # get_frozen_credentials is a coroutine that a botocore hook cannot await.
        key, secret = credentials.access_key, credentials.secret_key
    else:
        frozen = credentials.get_frozen_credentials()
        key, secret = frozen.access_key, frozen.secret_key
    return key if key and secret else ""


def refusal(service: Service, key: Any) -> ServiceError | None:
    """What the service says to a caller (see :func:`caller`): ``None`` lets it in.

    Without ``access_keys`` any well-formed key is accepted, and credentials
    not fetched yet are taken to hold one (STS only issues well-formed keys);
    with it only the listed keys are, which unfetched credentials cannot show.
    """
    if key is botocore.UNSIGNED:
        return _UNSIGNED
    allowed = service.settings.access_keys
    if allowed is not None:
        return None if key in allowed else _UNRECOGNIZED
    if key is None:
        return None
    ok = _well_formed.get(key)
    if ok is None:
        ok = _KEY_PATTERN.fullmatch(key) is not None
        if len(_well_formed) < 1000:
            _well_formed[key] = ok
    return None if ok else _UNRECOGNIZED
