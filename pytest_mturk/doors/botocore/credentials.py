"""Credentials and region: what botocore sessions find while a simulator is active.

A CI job with no AWS set-up must just work, and a simulated call must never
reach the network, whatever the user's AWS configuration. Nothing here writes
``os.environ``: code under test reads its own configuration from there. Every
botocore session is given, through botocore's own configuration machinery
(:func:`botocore.register_initializer`, the session's ``credential_provider``
component and its ``region`` config provider):

- a credential provider, ahead of the ones that ask the network (container
  and instance metadata), that supplies :data:`FALLBACK_KEYS` (a key nobody has,
  :mod:`pytest_mturk.core.fallback`) while a
  simulator with ``fake_credentials`` on is active and the session found none
  of its own;
- those network providers, skipped while any simulator is active;
- ``us-east-1`` (MTurk's only region) as the region while a simulator is
  active and the session has none configured.

aiobotocore sessions (aioboto3's too) are botocore sessions and get the same,
through the same initializer; their resolver awaits every provider's ``load``
and their signer awaits ``get_frozen_credentials``, so they are given
coroutine versions of the providers and the keys.

With no simulator active all of these step aside, and sessions that were
handed the fallback keys forget them when the last simulator stops.
"""

from __future__ import annotations

import copy
import inspect
import threading
import weakref
from typing import Any

from botocore.configprovider import BaseProvider
from botocore.credentials import CredentialProvider, Credentials

from ...core.fallback import FALLBACK_KEYS
from .. import stack
from . import private

FALLBACK_REGION = "us-east-1"
# Credential providers that ask the network for keys (ECS task role, EC2 instance role).
NETWORK_PROVIDERS = frozenset(("container-role", "iam-role"))
_PREPARED = "_pytest_mturk_prepared"


class FallbackCredentials(Credentials):  # type: ignore[misc]
    """The keys a session is handed while a simulator runs and it has none of its own."""


class AsyncFallbackCredentials(FallbackCredentials):
    """The fallback keys for an aiobotocore session, whose signer awaits the frozen keys."""

    # aiobotocore's AioCredentials accessors, which its client and signer call.
    def get_account_id(self) -> Any:
        return self.account_id

    def get_access_key(self) -> Any:
        return self.access_key

    def get_secret_key(self) -> Any:
        return self.secret_key

    def get_token(self) -> Any:
        return self.token

    async def get_frozen_credentials(self) -> Any:
        return super().get_frozen_credentials()


def _fake_credentials_wanted() -> bool:
    try:
        service = stack.services[-1]
    except IndexError:
        return False
    return bool(service.settings.fake_credentials)


class _Fallback(CredentialProvider):  # type: ignore[misc]
    """Supplies :data:`FALLBACK_KEYS` while a simulator with ``fake_credentials`` runs."""

    METHOD = "pytest-mturk"
    CANONICAL_NAME = "pytest-mturk"

    def __init__(self, session: Any) -> None:
        self._session = weakref.ref(session)

    def load(self) -> FallbackCredentials | None:
        if not _fake_credentials_wanted():
            return None
        session = self._session()
        if session is not None:
            with _handed_lock:
                _handed.add(session)
        return FallbackCredentials(*FALLBACK_KEYS, method=self.METHOD)


class _AsyncFallback(_Fallback):
    """:class:`_Fallback` for aiobotocore's resolver, which awaits ``load``."""

    async def load(self) -> AsyncFallbackCredentials | None:  # type: ignore[override]
        found = super().load()
        if found is None:
            return None
        return AsyncFallbackCredentials(*FALLBACK_KEYS, method=self.METHOD)


class _Offline(CredentialProvider):  # type: ignore[misc]
    """A provider that asks the network, skipped while any simulator is active."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        # Keep its name, so insert_before("iam-role", ...) and the like still work.
        self.METHOD = inner.METHOD
        self.CANONICAL_NAME = getattr(inner, "CANONICAL_NAME", None)

    def load(self) -> Any:
        if stack.services:
            return None
        return self.inner.load()


class _AsyncOffline(_Offline):
    """:class:`_Offline` for aiobotocore's resolver, whose network providers are coroutines."""

    async def load(self) -> Any:
        if stack.services:
            return None
        return await self.inner.load()


class _Region(BaseProvider):  # type: ignore[misc]
    """The session's own region, else ``us-east-1`` while a simulator is active."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def provide(self) -> Any:
        value = self.inner.provide() if self.inner is not None else None
        if value is None and stack.services:
            return FALLBACK_REGION
        return value

    def __deepcopy__(self, memo: dict[int, Any]) -> _Region:
        # botocore copies a session's config store for every client it makes.
        return _Region(copy.deepcopy(self.inner, memo))


def _adapt(resolver: Any, session: Any) -> Any:
    """Put the fallback into a credential resolver, and take the network out of it."""
    providers = getattr(resolver, "providers", None)
    if not isinstance(providers, list) or any(isinstance(p, _Fallback) for p in providers):
        return resolver
    # aiobotocore's resolver awaits each provider's load().
    is_async = inspect.iscoroutinefunction(getattr(resolver, "load_credentials", None))
    offline = _AsyncOffline if is_async else _Offline
    for index, provider in enumerate(providers):
        if getattr(provider, "METHOD", None) in NETWORK_PROVIDERS:
            providers[index] = offline(provider)
    network = [i for i, p in enumerate(providers) if isinstance(p, _Offline)]
    fallback = _AsyncFallback(session) if is_async else _Fallback(session)
    providers.insert(network[0] if network else len(providers), fallback)
    return resolver


def prepare(session: Any) -> None:
    """Give a botocore session the fallback credentials and region (idempotent)."""
    if getattr(session, _PREPARED, False) or not hasattr(session, "get_component"):
        return
    setattr(session, _PREPARED, True)
    # The resolver is made lazily, when the first client needs credentials (it
    # uses that client's region and the profile set by then): wrap botocore's
    # own factory rather than making it now.
    factory = private.deferred_component(session, "credential_provider")
    if factory is not None:
        session.lazy_register_component("credential_provider", lambda: _adapt(factory(), session))
    else:
        _adapt(session.get_component("credential_provider"), session)
    store = session.get_component("config_store")
    provider = store.get_config_provider("region")
    if not isinstance(provider, _Region):
        store.set_config_provider("region", _Region(provider))


# Sessions that were handed the fallback keys (they cache them).
_handed: weakref.WeakSet[Any] = weakref.WeakSet()
_handed_lock = threading.Lock()


def forget_fallback() -> None:
    """Make every session that cached the fallback keys look for credentials again."""
    if not _handed:  # the common case: none did (a WeakSet's length is cheap to read)
        return
    with _handed_lock:
        sessions = list(_handed)
        _handed.clear()
    for session in sessions:
        if isinstance(private.cached_credentials(session), FallbackCredentials):
            private.forget_credentials(session)
