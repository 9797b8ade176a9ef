"""What the hosted profile keeps beside the service's state: its secret, the public
address participants use, each HIT group's completion URL, and who each participant
worker is.

This is the requester area's own small side-state, a JSON file written whole (to a
temporary file, then renamed) at every change; with ``--state FILE`` it is
``FILE.hosted.json`` beside it, so it survives restarts as the state does. It is not
part of ``sim.save()``: a snapshot loaded elsewhere keeps its workers, and links and
completion URLs are set again there (a backup, ``GET /_mturk/backup``, holds both:
:mod:`.backup`). Without a file it lives as long as the server.

The secret keys participant links (``join``) and worker IDs (``worker``) itself, and
each cookie's key is derived from it for its one purpose (:meth:`Hosting.key`): the
worker pages' (on a hosted server) and the requester area's, so a restart keeps
participants and the requester signed in, and no key signs two kinds of thing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...core.errors import UsageError
from .identity import MAX_ID, PLATFORMS, Participant

if TYPE_CHECKING:
    from ..http.backend import Backend

__all__ = [
    "REQUESTER_AREA",
    "SUFFIX",
    "WORKER_PAGES",
    "Hosting",
    "check_url",
    "checked_document",
    "hosting_of",
    "install",
    "write_document",
]

SUFFIX = ".hosted.json"
# The purposes keys are derived for (:meth:`Hosting.key`).
WORKER_PAGES = "worker-pages"
REQUESTER_AREA = "requester-area"
_SECRET = re.compile(r"(?:[0-9a-f]{2}){16,64}")  # 128 to 512 bits
_GROUP_ID = re.compile(r"[A-Z0-9]{1,64}")
_WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}")  # as the worker pages take them
_PARTICIPANT_FIELDS = ("platform", "participant_id", "study_id", "session_id")


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


def checked_document(found: Any, where: str) -> dict[str, Any]:
    """``found``, a side-state document (what the file holds), if it is one this server
    wrote: its secret (hexadecimal, 128 to 512 bits), completion URLs by HIT group
    and participants by worker ID, nothing else; else a UsageError saying so, naming
    ``where``."""

    def damaged(why: str) -> UsageError:
        return UsageError(f"The hosted side-state in {where} is damaged: {why}.")

    if not isinstance(found, dict):
        raise damaged("it is not a JSON object")
    unknown = set(found) - {"secret", "completion", "participants"}
    if unknown:
        raise damaged(f"it has an unknown member {sorted(unknown)[0][:40]!r}")
    secret = found.get("secret")
    if not isinstance(secret, str) or _SECRET.fullmatch(secret) is None:
        raise damaged("its secret is not 32 to 128 hexadecimal digits")
    completion = found.get("completion", {})
    participants = found.get("participants", {})
    if not isinstance(completion, dict) or not isinstance(participants, dict):
        raise damaged("completion and participants must be JSON objects")
    for group, url in completion.items():
        if _GROUP_ID.fullmatch(group) is None or not isinstance(url, str):
            raise damaged("a completion URL is not a HIT group's")
        try:
            check_url(url)
        except UsageError:
            raise damaged(f"the completion URL of {group} is not an http(s) address") from None
    for worker, record in participants.items():
        if _WORKER_ID.fullmatch(worker) is None or not isinstance(record, dict):
            raise damaged("a participant is not a worker ID's")
        if set(record) - set(_PARTICIPANT_FIELDS) or not {"platform", "participant_id"} <= set(
            record
        ):
            raise damaged(f"the participant record of {worker} has other members")
        for name in _PARTICIPANT_FIELDS:
            value = record.get(name)
            required = name in ("platform", "participant_id")
            if value is None and not required:
                continue
            if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
                raise damaged(f"the {name} of {worker} is not text of 1 to {MAX_ID} characters")
        if record["platform"] not in PLATFORMS:
            raise damaged(f"the platform of {worker} is not one of {sorted(PLATFORMS)}")
    return {"secret": secret, "completion": completion, "participants": participants}


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a side-state document to ``path`` whole: a temporary file, ``fsync``-ed,
    then renamed; readable by the server's user only (the secret is in it)."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


class Hosting:
    """The hosted profile's settings and side-state (see the module's docstring).

    ``secret``: the key of participant links and worker IDs, and whence the cookies'
    keys are derived (:meth:`key`); kept in the file when the file is new, so IDs and
    sign-ins stay the same across restarts. ``public_url``: the address participants
    reach the server at (``None``: as each request reached it).
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
        self.completion.update(stored.get("completion", {}))
        for worker, record in stored.get("participants", {}).items():
            self.participants[worker] = Participant(**record)
        if self.path is not None and not self.path.exists():
            self._write()

    def key(self, purpose: str) -> bytes:
        """The key of one purpose (:data:`WORKER_PAGES`, :data:`REQUESTER_AREA`): an
        HMAC-SHA256 of the purpose under the secret, the same at every start. The
        secret's own messages begin ``join`` and ``worker``, never ``key``."""
        return hmac.new(self.secret, b"key\0" + purpose.encode("ascii"), hashlib.sha256).digest()

    @property
    def requester_key(self) -> bytes:
        """The key of the requester area's cookies and CSRF tokens."""
        return self.key(REQUESTER_AREA)

    def _read(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read the hosted side-state {self.path}: {exc}") from None
        return checked_document(found, str(self.path))

    def document(self) -> dict[str, Any]:
        """The side-state as its file holds it (a copy, taken under its lock)."""
        with self._lock:
            return self._document()

    def _document(self) -> dict[str, Any]:
        return {
            "secret": self.secret.hex(),
            "completion": dict(self.completion),
            "participants": {worker: asdict(p) for worker, p in self.participants.items()},
        }

    def _write(self) -> None:
        if self.path is not None:
            write_document(self.path, self._document())

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
