"""``--state FILE``: a served simulation kept on disk, so that a crash loses nothing acknowledged.

Two files:

* ``FILE`` -- a snapshot, in ``sim.save()``'s format (``mturk_sim(load=FILE)`` reads it);
* ``FILE.journal`` -- every action run since that snapshot (a service call, a worker's
  action, a move of the clock; see :mod:`.actions`), one line each, after a header
  line naming the snapshot it follows by its SHA-256.

An action is written and flushed to the operating system as it runs, in the order the
actions run (one at a time, under the server's lock), and ``fsync``-ed before its answer
is sent; answers waiting together share one ``fsync``. A restart loads the snapshot and
replays the journal through the same code, which gives the same results and IDs: each
call's request ID (and each accepted assignment's ID) is kept in its line and checked as
it is replayed.

Damage is detected (:mod:`.journal_format` says how): each line ends with a CRC-32
chained to the line before it, so a changed, removed or moved line breaks the chain;
the header's *acknowledged* mark, rewritten in place after each ``fsync``, says how many
actions were acknowledged, so acknowledged lines cut from the end are missed; and every
line is checked to be an action before it is replayed. A last line cut short (the
process died while writing it, before its answer) was never acknowledged and is
dropped; any other damage is a :class:`~pytest_mturk.StateFileError` naming the file,
the line and what is wrong.

Every so many actions a new snapshot is taken. Where the system can ``fork`` (POSIX),
it is written by a child process from its copy of the state, while requests go on: the
server holds its lock only for the ``fork`` itself and, once the child is done, for the
switch to the new journal (the few actions run meanwhile copied into it). Elsewhere,
and on a reset or load and on a clean stop, it is written in place. A new snapshot is
written beside the old one and a new journal beside the old journal, then each put in
place by rename: a crash at any point leaves a pair that is recognised.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ...core.errors import StateFileError, UsageError
from .journal_format import Chain, encode, make_header, parse_header, read_lines
from .journal_format import mark as mark_of
from .state_io import child as _child
from .state_io import digest as _digest
from .state_io import fsync_dir as _fsync_dir
from .state_io import private as _private
from .state_io import write_synced as _write_synced

__all__ = ["StateFile"]

# Actions between snapshots: replaying this many on a restart takes a second or two.
SNAPSHOT_EVERY = 10_000
_CAN_FORK = hasattr(os, "fork") and sys.platform != "emscripten"


class StateFile:
    """The snapshot and journal of one served simulation (see the module's docstring).

    ``fork``: whether snapshots due while serving are written by a child process
    (default: where the system can fork)."""

    def __init__(
        self, path: str | os.PathLike[str], *, every: int | None = None, fork: bool | None = None
    ) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._next = self.path.with_name(self.path.name + ".journal.next")
        # Actions between snapshots.
        self.every = SNAPSHOT_EVERY if every is None else every
        self.fork = _CAN_FORK if fork is None else fork and _CAN_FORK
        self._file: Any = None
        self._mark_fd: int | None = None  # the journal again, to rewrite its header's mark
        self._mark_at = 0  # where the mark is in the header
        self._folder_dirty = False  # a rename not yet made durable
        self._chain = Chain("", 0)
        self._last = (0, 0)  # the last action written, and the chain's CRC after it
        self._seq = 0  # the number of the last action written
        self._since = 0  # actions written since the last snapshot was begun
        self._synced = 0  # the number of the last action known to be on disk
        self._marked = 0  # the number of the last action the header's mark names
        # Taken inside the write lock, never around it.
        self._sync_lock = threading.Lock()
        # Held while a line is written and while the journal is switched for another.
        self._write_lock = threading.Lock()
        # A snapshot being written by a child: the lines written since it was begun.
        self._since_fork: list[bytes] | None = None
        self._child: threading.Thread | None = None
        # The journal's actions still to replay (found by begin(), run by recover()).
        self._pending: list[tuple[int, dict[str, Any]]] = []

    # -- starting -------------------------------------------------------------------

    def begin(
        self, load: str | None = None, check: Callable[[Path], object] | None = None
    ) -> Path | str | None:
        """What the simulation starts from: this state file's snapshot if it holds one
        (its journal found and checked, to :meth:`recover` once the simulation is
        made from it), else ``load`` (a file ``sim.save()`` wrote), else nothing (a new
        simulation). ``check(path)``, if given, reads a snapshot that matches no journal
        to say what is wrong with it (raising :class:`StateFileError`)."""
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
        for stale in self.path.parent.glob(f".{self.path.name}.snapshot-*"):
            stale.unlink(missing_ok=True)  # a snapshot never put in place
        self._partial.unlink(missing_ok=True)
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise StateFileError(str(self.path), f"it cannot be read ({exc.strerror})") from None
        self._pending = self._journal_for(data, check)
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

    def _journal_for(
        self, snapshot: bytes, check: Callable[[Path], object] | None
    ) -> list[tuple[int, dict[str, Any]]]:
        """The actions of the journal that follows ``snapshot`` (the snapshot's bytes)."""
        base = _digest(snapshot)
        found_any = False
        for candidate in (self.journal_path, self._next):
            if not candidate.exists():
                continue
            found_any = True
            try:
                data = candidate.read_bytes()
            except OSError as exc:
                raise StateFileError(
                    str(candidate), f"it cannot be read ({exc.strerror})"
                ) from None
            head, body = parse_header(str(candidate), data)
            if head.base != base:
                continue  # the journal of another snapshot (a snapshot taken meanwhile)
            records = read_lines(str(candidate), head, body)
            if candidate == self._next:
                os.replace(self._next, self.journal_path)  # finish the snapshot's rename
                _fsync_dir(self.path.parent)
            else:
                self._next.unlink(missing_ok=True)  # a snapshot never put in place
            if head.after is not None:
                self._seq = head.after
            return records
        self._snapshot_problem(snapshot, check)
        if found_any:
            problem = (
                f"it belongs to another snapshot than {self.path}, so changes made after "
                "the snapshot cannot be known (there is no journal of the snapshot: the "
                "snapshot was replaced or changed after it was written, or the journal was)"
            )
        else:
            problem = (
                f"it is missing: there is no journal of the snapshot {self.path}, so changes "
                "made after the snapshot cannot be known"
            )
        raise StateFileError(str(self.journal_path), problem)

    def _snapshot_problem(self, data: bytes, check: Callable[[Path], object] | None) -> None:
        """Raise what is wrong with a snapshot no journal follows, if it is damaged."""
        if not data.strip():
            raise StateFileError(str(self.path), "the snapshot is empty")
        if check is not None:
            check(self.path)

    def _replay(
        self, replay: Callable[[Mapping[str, Any]], Any], number: int, record: dict[str, Any]
    ) -> None:
        try:
            result = replay(record)
        except UsageError:
            result = None  # it was refused when it ran, too
        except (Exception, RecursionError) as exc:
            raise StateFileError(
                str(self.journal_path),
                f"line {number} cannot be replayed ({type(exc).__name__}: {exc})",
            ) from None
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
        with self._write_lock:
            # Encoded before its number is taken: a line that cannot be written leaves no gap.
            record["n"] = self._seq + 1
            body = encode(record)
            self._seq += 1
            self._file.write(self._chain.line(body))
            self._file.flush()
            self._last = (self._seq, self._chain.value)
            if self._since_fork is not None:
                self._since_fork.append(body)
            self._since += 1
            return self._seq

    def due(self) -> bool:
        """Whether a new snapshot is due (never while one is being written)."""
        return self._since >= self.every and self._since_fork is None

    def checkpoint(self, make: Callable[[], dict[str, Any]]) -> None:
        """Take the snapshot that is due: ``make()`` gives the state (the caller holds
        the server's lock). With ``fork``, a child process makes and writes it while
        the server goes on; else it is written now."""
        if not self.fork:
            self.rebase(make())
            return
        with self._write_lock:
            after = self._seq
            target = self.path.with_name(f".{self.path.name}.snapshot-{os.getpid()}-{after}")
            # While the child lives, the collector leaves the objects of now alone: a
            # collection would write to every one of them, and the system would copy
            # every page of the state for the parent, in one request's time.
            gc.freeze()
            with warnings.catch_warnings():
                # Python 3.12 warns of fork() in a threaded process: the child only
                # encodes and writes the state it was given, then leaves by os._exit.
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    pid = os.fork()
                except OSError as exc:
                    gc.unfreeze()
                    self._since = 0  # try again after as many actions
                    print(
                        f"pytest-mturk: no snapshot of {self.path} now (fork: "
                        f"{exc.strerror}); the journal keeps every action meanwhile",
                        file=sys.stderr,
                        flush=True,
                    )
                    return
            if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
                _child(make, target)
            self._since_fork = []
            self._since = 0
            self._child = threading.Thread(
                target=self._adopt, args=(pid, target, after), name="pytest-mturk snapshot"
            )
            self._child.daemon = True
            self._child.start()

    def _adopt(self, pid: int, target: Path, after: int) -> None:
        """Wait for the child writing the snapshot of action ``after`` to ``target``,
        then put it in place with a journal of the actions run since."""
        _, status = os.waitpid(pid, 0)
        gc.unfreeze()
        try:
            data = target.read_bytes() if status == 0 else b""
            if data:
                self._put_in_place(target, after, _digest(data))
                return
            problem = f"status {status}"
        except OSError as exc:
            problem = exc.strerror or str(exc)
        target.unlink(missing_ok=True)
        self._next.unlink(missing_ok=True)
        with self._write_lock:
            self._since_fork = None  # try again after as many actions
        print(
            f"pytest-mturk: a snapshot of {self.path} could not be written ({problem}); "
            "the journal keeps every action meanwhile",
            file=sys.stderr,
            flush=True,
        )

    def _put_in_place(self, target: Path, after: int, base: str) -> None:
        """Put the snapshot ``target`` (of action ``after``, digest ``base``) in place,
        with a journal of the actions run since."""
        # The new journal, with the actions run since the fork, written and synced
        # while actions go on; only those run meanwhile are added under the lock.
        with self._write_lock:
            lines = list(self._since_fork or [])
        chain = Chain(base, after)
        body = b"".join(chain.line(line) for line in lines)
        first, mark_at = make_header(base, after, after + len(lines), chain.value)
        with _private(self._next) as journal:
            journal.write(first + body)
            journal.flush()
            os.fsync(journal.fileno())
            with self._write_lock:
                rest = (self._since_fork or [])[len(lines) :]
                if rest:
                    journal.write(b"".join(chain.line(line) for line in rest))
                    journal.flush()
                    os.fsync(journal.fileno())
                os.replace(target, self.path)
                os.replace(self._next, self.journal_path)
                # The renames reach the disk before any later action is acknowledged
                # (sync() makes the folder's entry durable first).
                self._use(chain, mark_at, after, folder_synced=False)
                self._since_fork = None

    def sync(self, mark: int) -> None:
        """Return once action ``mark`` is on disk (one ``fsync`` serves every action
        written before it); the journal's header then says it was acknowledged."""
        if self._synced >= mark:
            return
        with self._sync_lock:
            if self._synced >= mark:
                return
            # Not under the write lock (a switch holds it while it takes this one).
            written, check = self._last
            os.fsync(self._file.fileno())
            if self._folder_dirty:
                _fsync_dir(self.path.parent)
                self._folder_dirty = False
            self._synced = max(self._synced, written)
            if written > self._marked and self._mark_fd is not None:
                # After the fsync, so the mark never names a line that is not on disk;
                # it reaches the disk with the next fsync.
                os.lseek(self._mark_fd, self._mark_at, os.SEEK_SET)
                os.write(self._mark_fd, mark_of(written, check))
                self._marked = written

    def rebase(self, document: dict[str, Any]) -> None:
        """Write ``document`` (the simulation's whole state, as ``sim.save()`` writes it)
        as the new snapshot, with an empty journal (the caller holds the server's lock,
        or is alone)."""
        self._wait_for_child()
        data = encode(document) + b"\n"
        _write_synced(self._partial, data)
        with self._write_lock:
            self._switch(_digest(data), self._seq, [], lambda: os.replace(self._partial, self.path))

    def _switch(
        self, base: str, after: int, lines: list[bytes], put_snapshot: Callable[[], None]
    ) -> None:
        """Start the journal of the snapshot ``base`` (of action ``after``), with
        ``lines`` (the actions since) in it, and put the snapshot in place (the caller
        holds the write lock)."""
        chain = Chain(base, after)
        body = b"".join(chain.line(line) for line in lines)
        first, mark_at = make_header(base, after, after + len(lines), chain.value)
        data = first + body
        _write_synced(self._next, data)
        put_snapshot()
        _fsync_dir(self.path.parent)
        os.replace(self._next, self.journal_path)
        _fsync_dir(self.path.parent)
        self._use(chain, mark_at, after, folder_synced=True)

    def _use(self, chain: Chain, mark_at: int, after: int, *, folder_synced: bool) -> None:
        """Carry on in the journal just put in place (the caller holds the write lock)."""
        with self._sync_lock:
            self._close_files()
            self._file = _private(self.journal_path, append=True)  # kept open while serving
            self._mark_fd = os.open(self.journal_path, os.O_WRONLY)
            self._mark_at = mark_at
            self._folder_dirty = not folder_synced
            # What the header's mark names is on disk already; later lines, once synced.
            self._synced = self._marked = self._seq if folder_synced else after
        self._chain = chain
        self._last = (self._seq, chain.value)
        self._since = self._seq - after

    def _wait_for_child(self) -> None:
        child = self._child
        if child is not None:
            child.join()
            self._child = None

    def _close_files(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._mark_fd is not None:
            os.close(self._mark_fd)
            self._mark_fd = None

    def close(self, document: dict[str, Any]) -> None:
        """A clean stop: a last snapshot (``document``), and the journal closed."""
        self.rebase(document)
        self.release()

    def release(self) -> None:
        """Close the journal as it stands, with no last snapshot (what a crash leaves)."""
        self._wait_for_child()
        with self._sync_lock:
            self._close_files()
