"""What the hosted profile keeps beside the service's state: its secret, the public
address participants use, each HIT group's completion URL, and who each participant
worker is.

This is the requester area's own small side-state, a JSON file written whole (to a
temporary file, then renamed) at every change; with ``--state FILE`` it is
``FILE.hosted.json`` beside it, so it survives restarts as the state does. It is not
part of ``sim.save()``: a snapshot loaded elsewhere keeps its workers, and links and
completion URLs are set again there. Without a file it lives as long as the server.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...core.errors import UsageError
from .identity import Participant

if TYPE_CHECKING:
    from ..http.backend import Backend

__all__ = ["SUFFIX", "Hosting", "check_url", "hosting_of", "install"]

SUFFIX = ".hosted.json"


def check_url(url: str, what: str = "The completion URL") -> str:
    """``url`` if it is an absolute ``http(s)`` URL without spaces, else a UsageError."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
        or len(url) > 2048
    ):
        raise UsageError(f"{what} must be an http:// or https:// address, not {url[:100]!r}.")
    return url


class Hosting:
    """The hosted profile's settings and side-state (see the module's docstring).

    ``secret``: the key of participant links and worker IDs (and the requester's
    cookies); kept in the file when the file is new, so IDs stay the same across
    restarts. ``public_url``: the address participants reach the server at (``None``:
    as each request reached it).
    """

    def __init__(
        self,
        *,
        secret: bytes | None = None,
        public_url: str | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.public_url = check_url(public_url, "The public URL") if public_url else None
        self.completion: dict[str, str] = {}
        self.participants: dict[str, Participant] = {}
        self._lock = threading.Lock()
        stored = self._read()
        if secret is None:
            kept = stored.get("secret")
            secret = bytes.fromhex(kept) if isinstance(kept, str) else secrets.token_bytes(32)
        self.secret = secret
        try:
            for group, url in dict(stored.get("completion") or {}).items():
                self.completion[str(group)] = str(url)
            for worker, record in dict(stored.get("participants") or {}).items():
                self.participants[str(worker)] = Participant(**record)
        except (TypeError, ValueError):
            raise UsageError(f"The hosted side-state {self.path} is damaged.") from None
        if self.path is not None and not self.path.exists():
            self._write()

    def _read(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read the hosted side-state {self.path}: {exc}") from None
        if not isinstance(found, dict):
            raise UsageError(f"The hosted side-state {self.path} is not a JSON object.")
        return found

    def _write(self) -> None:
        if self.path is None:
            return
        document = {
            "secret": self.secret.hex(),
            "completion": self.completion,
            "participants": {worker: asdict(p) for worker, p in self.participants.items()},
        }
        partial = self.path.with_name(self.path.name + ".partial")
        # The secret is in it: readable by the server's user only.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)

    def set_completion(self, group_id: str, url: str | None) -> None:
        """Send the group's participants to ``url`` after a submission (``None``: show
        them "HIT Submitted")."""
        with self._lock:
            if url:
                self.completion[group_id] = check_url(url)
            else:
                self.completion.pop(group_id, None)
            self._write()

    def remember(self, worker_id: str, participant: Participant) -> None:
        """Keep who ``worker_id`` is (the latest study and session they came from)."""
        with self._lock:
            if self.participants.get(worker_id) == participant:
                return
            self.participants[worker_id] = participant
            self._write()


def hosting_of(backend: Backend) -> Hosting:
    """The backend's hosted settings; made the first time they are needed (beside its
    state file, if it keeps one) when whoever started the server set none."""
    found = backend.hosting
    if not isinstance(found, Hosting):
        with backend.lock:
            found = backend.hosting
            if not isinstance(found, Hosting):
                journal = backend.journal
                path = (
                    None if journal is None else journal.path.with_name(journal.path.name + SUFFIX)
                )
                found = install(backend, Hosting(path=path))
    return found


def install(backend: Backend, hosting: Hosting) -> Hosting:
    """Turn the hosted profile's participant links and requester area on for
    ``backend`` with ``hosting`` (whoever starts a hosted server calls this, with its
    secret, public URL and side-state file; else it is done, with defaults, the first
    time the area is asked for). A participant's next step after a submission is then
    ``/join/<HITGroupId>/done`` (``Backend.after_submit``, which the worker pages ask)."""

    def after_submit(worker_id: str, group_id: str) -> str | None:
        return f"/join/{group_id}/done" if worker_id in hosting.participants else None

    backend.hosting = hosting
    backend.after_submit = after_submit
    return hosting
