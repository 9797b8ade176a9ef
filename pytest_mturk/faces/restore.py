"""``pytest-mturk host --restore FILE``: a new state file from a backup, with the hosted
side-state it holds put beside it (``docs/server.md``, "Backup and restore while it
runs").

The backup is read and checked whole (:mod:`pytest_mturk.doors.requester.backup`) before
anything is written: a damaged or hostile one is a UsageError in one line, and leaves no
state file, journal, side-state or temporary file behind. A plain snapshot (``GET
/_mturk/snapshot``) is still taken, and restores the state alone.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..core.errors import StateFileError, UsageError

__all__ = ["open_restored", "restoring", "side_state"]


def side_state(state: str) -> Path:
    """Where the hosted side-state of the state file ``state`` is kept."""
    from ..doors.requester import hosting

    return Path(state).with_name(Path(state).name + hosting.SUFFIX)


def restoring(state: str, restore: str | None) -> Any:
    """The backup ``restore`` names (a ``Backup``), read and checked before anything is
    written, or ``None`` without one; a UsageError, in one line, for a damaged backup,
    or if the state file (or, for a backup with a side-state, the side-state) exists."""
    if restore is None:
        return None
    from ..doors.requester import backup

    if Path(state).exists():
        raise UsageError(
            f"--restore starts a new state file, and {state} exists: restore into "
            "another file (or move this one away first)."
        )
    found = backup.read(restore)
    side = side_state(state)
    if found.hosted is not None and side.exists():
        raise UsageError(
            f"--restore puts the backup's hosted side-state at {side}, and that file "
            "exists: move it away first."
        )
    return found


def open_restored(state: str, settings: dict[str, Any], restore: str | None, found: Any) -> Any:
    """The backend of the state file ``state``: the one it holds, or a new one from the
    backup ``found`` (what :func:`restoring` gave for ``restore``), its side-state
    written beside it once the state is."""
    from ..core import json_text
    from ..doors.requester import hosting
    from .threaded import open_state

    if found is None or found.snapshot is None:
        return open_state(state, settings, load=restore, clock="real")
    # The snapshot is loaded, and checked, as a file of its own, which is then removed.
    where = Path(state)
    descriptor, name = tempfile.mkstemp(prefix=f".{where.name}.restore-", dir=where.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(json_text.encode(found.snapshot))
        try:
            backend = open_state(state, settings, load=name, clock="real")
        except StateFileError as exc:  # named by the backup, not the temporary file
            raise StateFileError(str(restore), exc.problem) from None
    finally:
        os.unlink(name)
    if found.hosted is not None:
        try:
            hosting.write_document(side_state(state), found.hosted)
        except BaseException:
            backend.close()
            raise
    return backend
