"""The state file's writes to disk: files only the server's user can read, written and
synced whole, folders synced after a rename, and the forked child that writes a snapshot
while the server goes on (:class:`~pytest_mturk.doors.http.state_file.StateFile` uses them)."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from .journal_format import encode

__all__ = ["child", "digest", "fsync_dir", "private", "write_synced"]


def fsync_dir(path: Path) -> None:
    """A folder's entries (a rename, a new file) made durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private(path: Path, append: bool = False) -> BinaryIO:
    """``path`` opened to write, made readable by the server's user only (it holds the
    workers' answers and IDs), whatever the umask the server was started with."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    return os.fdopen(os.open(path, flags, 0o600), "ab" if append else "wb")


def write_synced(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` (the server's user's alone) and synced."""
    with private(path) as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def digest(data: bytes) -> str:
    """The SHA-256 of a snapshot, as its journal names it."""
    return hashlib.sha256(data).hexdigest()


def child(make: Callable[[], dict[str, Any]], target: Path) -> None:  # pragma: no cover
    """In the forked child: write the state ``make()`` gives to ``target``, and leave
    without running anything of the parent's (no exit handlers, no buffers flushed)."""
    code = 1
    try:
        gc.disable()  # nothing the child makes is garbage before it leaves
        write_synced(target, encode(make()) + b"\n")
        code = 0
    except BaseException:  # noqa: BLE001, S110 - reported by the parent as a failed snapshot
        pass
    finally:
        os._exit(code)
