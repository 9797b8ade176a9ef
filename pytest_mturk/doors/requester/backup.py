"""One backup of a hosted server: its state and its hosted side-state, together.

``GET /_mturk/backup`` (the control API, with its token) answers::

    {"format": "pytest-mturk backup", "version": 1,
     "snapshot": {...the whole simulation, as sim.save() writes it...},
     "hosted": {...the side-state: the secret, completion URLs, participants...}}

Both are taken under the backend's lock, so between two actions and with each other (a
participant link keeps a participant's worker and who they are under that lock too).
``hosted`` is ``null`` on a server without the requester area. The backup holds the
secret that makes links and worker IDs: it is served with the control token only, and
written by ``pytest-mturk backup`` readable by its owner only. ``pytest-mturk host
--restore FILE`` reads it with :func:`read`, which refuses a damaged file in one line
before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core import json_text
from ...core.errors import UsageError
from .hosting import Hosting, checked_document, hosting_of

if TYPE_CHECKING:
    from ..http.backend import Backend

__all__ = ["FORMAT", "VERSION", "Backup", "read", "take"]

FORMAT = "pytest-mturk backup"
VERSION = 1
_MEMBERS = frozenset({"format", "version", "snapshot", "hosted"})


def take(backend: Backend, body: Any, query: Mapping[str, str]) -> dict[str, Any]:
    """``GET /_mturk/backup``: the simulation and the hosted side-state, as one."""
    with backend.lock:
        hosted = None
        if isinstance(backend.hosting, Hosting) or backend.access.credentials is not None:
            hosted = hosting_of(backend).document()
        return {
            "format": FORMAT,
            "version": VERSION,
            "snapshot": backend.snapshot(),
            "hosted": hosted,
        }


@dataclass(frozen=True)
class Backup:
    """What a backup file holds. ``snapshot``: the simulation (``None``: the file is a
    plain snapshot, ``GET /_mturk/snapshot``'s, to be loaded as it is); ``hosted``: the
    side-state, checked (``None``: the backup has none)."""

    snapshot: dict[str, Any] | None
    hosted: dict[str, Any] | None


def parse(raw: bytes, name: str) -> Backup:
    """The backup in ``raw`` (the bytes of the file ``name``); a UsageError, in one line,
    if it is not JSON or not a backup as :func:`take` makes them. A JSON object of
    another format is taken for a plain snapshot, which its load checks."""
    try:
        found = json_text.loads(raw, json_text.DOCUMENT_DEPTH)
    except (ValueError, RecursionError) as exc:
        why = " ".join(str(exc).split())[:200]
        raise UsageError(f"The backup {name} is not JSON ({why}).") from None
    if not isinstance(found, dict):
        raise UsageError(f"The backup {name} is not a pytest-mturk backup (not a JSON object).")
    if found.get("format") != FORMAT:
        return Backup(None, None)
    if set(found) != _MEMBERS:
        raise UsageError(
            f"The backup {name} is damaged: it must hold exactly {', '.join(sorted(_MEMBERS))}."
        )
    version = found["version"]
    if type(version) is not int or version != VERSION:
        raise UsageError(
            f"The backup {name} is in version {str(version)[:20]!r} of its format; this "
            f"pytest-mturk reads version {VERSION}."
        )
    snapshot, hosted = found["snapshot"], found["hosted"]
    if not isinstance(snapshot, dict):
        raise UsageError(f"The backup {name} is damaged: its snapshot is not a JSON object.")
    return Backup(snapshot, None if hosted is None else checked_document(hosted, name))


def read(path: str | Path) -> Backup:
    """The backup in the file at ``path`` (see :func:`parse`)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read the backup {path}: {exc.strerror or exc}.") from None
    return parse(raw, str(path))
