"""Who is calling: the access key a botocore client's credentials carry.

The botocore door's reading of a client's credentials, whether the call is
answered at ``before-call`` or let through to ``before-send`` because a fault
is scheduled; what the service says to the key is
:func:`pytest_mturk.core.dispatch.refusal`. It never makes botocore fetch
credentials (that would be an STS or instance-metadata request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import NoCredentialsError

from . import private
from .credentials import AsyncFallbackCredentials, FallbackCredentials

if TYPE_CHECKING:
    from ...core.service import Service


# Where a call let through to before_send (a fault is scheduled) keeps its caller.
CALLER_KEY = "pytest_mturk.caller"


def caller(service: Service, request_signer: Any) -> Any:
    """The access key a call is signed with, as the service would see it.

    ``botocore.UNSIGNED`` for an unsigned client, ``None`` for refreshable
    credentials that have not been fetched yet (assume-role, SSO, web identity:
    fetching them is the STS request a simulated call must not make), ``""``
    for keys with no secret. Raises botocore's ``NoCredentialsError`` where
    botocore's signer would.
    """
    credentials = private.signer_credentials(request_signer)
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
        key, secret = private.held_keys(credentials)
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
