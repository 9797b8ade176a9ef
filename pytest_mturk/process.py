"""The process around the simulators: fake credentials while any is active.

Where the environment names no AWS credentials, fake ones (and a region if
none) are set while a simulator runs, as moto does, so a CI job with no AWS
set-up just works; everything is put back when the last one stops.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from . import _bootstrap

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


class _Outside:
    """What the process looks like while any simulator is active.

    Where the environment names no credentials, fake ones (and a region if
    none) are set, as moto does, so a CI job with no AWS set-up just works.
    When the last simulator stops the environment is put back, and boto3's
    default session forgets the fake keys if it found them meanwhile, so they
    never outlive the simulation.
    """

    def __init__(self) -> None:
        self._saved_env: dict[str, str | None] = {}
        self._faked = False
        self._default_session: Any = None
        self._default_had_credentials = False

    def enter(self) -> None:
        boto3 = sys.modules.get("boto3")
        default = getattr(boto3, "DEFAULT_SESSION", None)
        if default is not None:
            _bootstrap.register(default)
        changes = {} if credentials_configured() else dict(_FAKE_ENV)
        if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
            changes["AWS_DEFAULT_REGION"] = "us-east-1"
        for key, value in changes.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        self._faked = "AWS_ACCESS_KEY_ID" in changes
        self._default_session = default
        self._default_had_credentials = _cached_credentials(default) is not None

    def exit(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        if self._faked:
            # Keep boto3's default session (remaking it costs every later client a
            # reload of the service model); just make it forget the fake keys.
            current = getattr(sys.modules.get("boto3"), "DEFAULT_SESSION", None)
            if current is not None and current is not self._default_session:
                _forget_credentials(current)
            if self._default_session is not None and not self._default_had_credentials:
                _forget_credentials(self._default_session)
        self._faked = False
        self._default_session = None


def _cached_credentials(session: Any) -> Any:
    # botocore caches a session's credentials once found (a private attribute).
    return getattr(getattr(session, "_session", session), "_credentials", None)


def _forget_credentials(session: Any) -> None:
    core = getattr(session, "_session", session)
    credentials = getattr(core, "_credentials", None)
    if credentials is not None and getattr(credentials, "access_key", None) == "FOOBARKEY":
        core._credentials = None


outside = _Outside()
