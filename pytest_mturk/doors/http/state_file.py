"""``--state FILE``: a served simulation kept on disk, so that a crash loses nothing acknowledged.

Two files:

* ``FILE`` -- a snapshot, in ``sim.save()``'s format (``mturk_sim(load=FILE)`` reads it);
* ``FILE.journal`` -- every action run since that snapshot (a service call, a worker's
  action, a move of the clock; see :mod:`.actions`), one JSON line each, after a header
  line naming the snapshot it follows by its SHA-256.

An action is written and flushed to the operating system as it runs, in the order the
actions run (one at a time, under the server's lock), and ``fsync``-ed before its answer
is sent; answers waiting together share one ``fsync``. A restart loads the snapshot and
replays the journal through the same code, which gives the same results and IDs: each
call's request ID (and each accepted assignment's ID) is kept in its line and checked as
it is replayed. Every so many actions, on a reset or load and on a clean stop, a new
snapshot is written beside the old one and a new journal beside the old journal, then
each put in place by rename: a crash at any point leaves a pair that is recognised.

A last line cut short (the process died while writing it) was never acknowledged and is
dropped; any other damage is reported as :class:`~pytest_mturk.StateFileError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ...core.errors import StateFileError, UsageError
from ...core.json_text import encode

__all__ = ["StateFile"]

JOURNAL = "pytest-mturk journal"
VERSION = 1
# Actions between snapshots: replaying this many on a restart takes a second or two.
SNAPSHOT_EVERY = 10_000


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class StateFile:
    """The snapshot and journal of one served simulation (see the module's docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, every: int | None = None) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._next = self.path.with_name(self.path.name + ".journal.next")
        # Actions between snapshots.
        self.every = SNAPSHOT_EVERY if every is None else every
        self._file: Any = None
        self._seq = 0  # the number of the last action written
        self._since = 0  # actions written since the last snapshot
        self._synced = 0  # the number of the last action known to be on disk
        self._sync_lock = threading.Lock()
        # The journal's actions still to replay (found by begin(), run by recover()).
        self._pending: list[tuple[int, dict[str, Any]]] = []

    # -- starting -------------------------------------------------------------------

    def begin(self, load: str | None = None) -> Path | str | None:
        """What the simulation starts from: this state file's snapshot if it holds one
        (its journal found and checked, to :meth:`recover` once the simulation is
        made from it), else ``load`` (a file ``sim.save()`` wrote), else nothing (a new
        simulation)."""
        if not self.path.exists():
            if self.journal_path.exists() or self._next.exists():
                raise StateFileError(
                    str(self.path), "its journal is there but the snapshot is missing"
                )
            return load
        if load is not None:
            raise UsageError(
                f"{self.path} already holds a simulation: give --load only to start a "
                "new state file (or remove it to start again)."
            )
        self._partial.unlink(missing_ok=True)  # a snapshot never put in place
        self._pending = self._journal_for(_digest(self.path.read_bytes()))
        return self.path

    def recover(
        self,
        replay: Callable[[Mapping[str, Any]], Any],
        snapshot: Callable[[], dict[str, Any]],
    ) -> None:
        """Run again, with ``replay`` (the backend's, on the simulation made from the
        snapshot), every acknowledged action of the journal :meth:`begin` found, then
        keep the state ``snapshot()`` gives as the new snapshot."""
        pending, self._pending = self._pending, []
        for number, record in pending:
            self._replay(replay, number, record)
        self.rebase(snapshot())

    def _journal_for(self, base: str) -> list[tuple[int, dict[str, Any]]]:
        """The actions of the journal that follows the snapshot whose digest is ``base``."""
        for candidate in (self.journal_path, self._next):
            if not candidate.exists():
                continue
            data = candidate.read_bytes()
            header, _, _ = data.partition(b"\n")
            try:
                head = json.loads(header)
            except ValueError:
                head = None
            if not isinstance(head, dict) or head.get("format") != JOURNAL:
                raise StateFileError(str(candidate), "it is not a pytest-mturk journal")
            if head.get("base") != base:
                continue  # the journal of another snapshot (a snapshot taken meanwhile)
            if candidate == self._next:
                os.replace(self._next, self.journal_path)  # finish the snapshot's rename
                _fsync_dir(self.path.parent)
            else:
                self._next.unlink(missing_ok=True)  # a snapshot never put in place
            return self._records(str(candidate), data)
        raise StateFileError(
            str(self.journal_path),
            f"there is no journal of the snapshot {self.path} (it is missing, or belongs "
            "to another snapshot), so changes made after the snapshot cannot be known",
        )

    def _records(self, name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
        lines = data.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a line cut short
        found = []
        for number, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
            except ValueError:
                raise StateFileError(name, f"line {number} is damaged (not JSON)") from None
            if not isinstance(record, dict) or not {"k", "t", "n"} <= record.keys():
                raise StateFileError(name, f"line {number} is not an action")
            found.append((number, record))
        # A line without its newline was being written when the process died: its
        # action was never acknowledged (the answer waits for the whole line).
        del torn
        expected = [found[0][1]["n"] + i for i in range(len(found))] if found else []
        if [record["n"] for _, record in found] != expected:
            raise StateFileError(name, "actions are missing from it (their numbers skip)")
        return found

    def _replay(
        self, replay: Callable[[Mapping[str, Any]], Any], number: int, record: dict[str, Any]
    ) -> None:
        try:
            result = replay(record)
        except UsageError:
            return  # it was refused when it ran, too
        kept = record.get("r")
        got = getattr(result, "request_id", result)
        if kept is not None and got != kept:
            raise StateFileError(
                str(self.journal_path),
                f"replaying line {number} gave {got!r}, not {kept!r} as when it ran",
            )
        self._seq = record["n"]

    # -- running --------------------------------------------------------------------

    def append(self, record: dict[str, Any], result: Any) -> int:
        """Write one action that has run (the caller holds the server's lock)."""
        kept = getattr(result, "request_id", result)
        if isinstance(kept, str) and kept:
            record["r"] = kept
        # Encoded before its number is taken: a line that cannot be written leaves no gap.
        record["n"] = self._seq + 1
        line = encode(record, separators=(",", ":")) + b"\n"
        self._seq += 1
        self._file.write(line)
        self._file.flush()
        self._since += 1
        return self._seq

    def due(self) -> bool:
        """Whether a new snapshot is due."""
        return self._since >= self.every

    def sync(self, mark: int) -> None:
        """Return once action ``mark`` is on disk (one ``fsync`` serves every action
        written before it)."""
        if self._synced >= mark:
            return
        with self._sync_lock:
            if self._synced >= mark:
                return
            written = self._seq
            os.fsync(self._file.fileno())
            self._synced = max(self._synced, written)

    def rebase(self, document: dict[str, Any]) -> None:
        """Write ``document`` (the simulation's whole state, as ``sim.save()`` writes it)
        as the new snapshot, with an empty journal (the caller holds the server's lock,
        or is alone)."""
        data = encode(document) + b"\n"
        header = {"format": JOURNAL, "version": VERSION, "base": _digest(data), "after": self._seq}
        _write_synced(self._partial, data)
        _write_synced(self._next, (json.dumps(header) + "\n").encode("utf-8"))
        os.replace(self._partial, self.path)
        _fsync_dir(self.path.parent)
        os.replace(self._next, self.journal_path)
        _fsync_dir(self.path.parent)
        with self._sync_lock:
            if self._file is not None:
                self._file.close()
            self._file = open(self.journal_path, "ab")  # noqa: SIM115 - kept open while serving
            self._synced = self._seq
        self._since = 0

    def close(self, document: dict[str, Any]) -> None:
        """A clean stop: a last snapshot (``document``), and the journal closed."""
        self.rebase(document)
        self.release()

    def release(self) -> None:
        """Close the journal as it stands, with no last snapshot (what a crash leaves)."""
        with self._sync_lock:
            if self._file is not None:
                self._file.close()
                self._file = None
