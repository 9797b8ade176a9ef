"""The journal's lines: how a state file's journal is written, and read back checked.

A journal (version 2) is a header line, then one line per action::

    {"format":"pytest-mturk journal","version":2,"base":"<sha-256>","after":N}<TAB>crc<TAB>mark
    {"k":"call",...,"n":N+1}<TAB>crc
    {"k":"advance",...,"n":N+2}<TAB>crc

Each ``crc`` is eight hex digits of a CRC-32. The header's covers its JSON; a line's is
the CRC-32 of its JSON *continued from the line before it* (the first line's from the
header's ``base`` and ``after``), so a line changed, removed, added or moved breaks the
chain at that line. ``mark`` (``<action>:<crc>``, of fixed width) is rewritten in place
after every ``fsync``: the last action acknowledged, and the chain's CRC there, so lines
cut from the end that were acknowledged are missed. CRC-32 is chosen for speed: it finds
accidents (a flipped byte, a file cut short or copied in part), not someone who edits
the file and writes the checksums again.

Version 1 journals (no checksums, no mark) are still read, with every other check.
Everything is written by :func:`encode`: ASCII JSON, so any string the simulator holds
(a lone surrogate included) can be written and read back.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from ...core import json_text
from ...core.errors import StateFileError
from .actions import problem

JOURNAL = "pytest-mturk journal"
VERSION = 2
READS = (1, 2)
_MARK = re.compile(rb"\A(\d{12}):([0-9a-f]{8})\Z")
_CRC = re.compile(rb"\A[0-9a-f]{8}\Z")


def encode(value: Any) -> bytes:
    """The JSON of a journal's line or a snapshot: ASCII, so it holds any string."""
    return json_text.encode(value, separators=(",", ":"))


class Chain:
    """The running CRC-32 of a journal's lines, from its header's ``base`` and ``after``."""

    __slots__ = ("value",)

    def __init__(self, base: str, after: int) -> None:
        self.value = zlib.crc32(f"{base}:{after}".encode("ascii"))

    def line(self, body: bytes) -> bytes:
        """The line of ``body`` (an action's JSON), its CRC continuing the chain."""
        self.value = zlib.crc32(body, self.value)
        return b"%s\t%08x\n" % (body, self.value)


def mark(acknowledged: int, check: int) -> bytes:
    """The header's mark: the last action acknowledged, and the chain's CRC there."""
    return b"%012d:%08x" % (acknowledged, check)


def make_header(base: str, after: int, acknowledged: int, check: int) -> tuple[bytes, int]:
    """The header line of the journal of snapshot ``base`` (of action ``after``), and
    where its mark is in it."""
    head = encode({"format": JOURNAL, "version": VERSION, "base": base, "after": after})
    start = len(head) + 10
    return b"%s\t%08x\t%s\n" % (head, zlib.crc32(head), mark(acknowledged, check)), start


@dataclass(frozen=True)
class Header:
    """What a journal's header says."""

    version: int
    base: str
    after: int | None  # None: a version 1 journal (it did not say)
    acknowledged: int | None
    check: int


def parse_header(name: str, data: bytes) -> tuple[Header, bytes]:
    """The header of a journal (``data``, the file's bytes), and the lines after it."""
    first, newline, body = data.partition(b"\n")
    if not newline:
        raise StateFileError(name, "it is not a pytest-mturk journal (it has no header line)")
    parts = first.split(b"\t")
    try:
        head = json.loads(parts[0])
    except (ValueError, RecursionError):
        head = None
    if not isinstance(head, dict) or head.get("format") != JOURNAL:
        raise StateFileError(name, "it is not a pytest-mturk journal (line 1 is not its header)")
    version = head.get("version")
    if type(version) is not int or version not in READS:
        raise StateFileError(
            name,
            f"it is a journal of version {version!r}, and this pytest-mturk reads versions "
            f"{', '.join(map(str, READS))}: start the server with the pytest-mturk that wrote it",
        )
    base = head.get("base")
    if version == 1:
        if not isinstance(base, str):
            raise StateFileError(name, "line 1, its header, is damaged")
        return Header(1, base, None, None, 0), body
    ok = (
        len(parts) == 3
        and _CRC.match(parts[1]) is not None
        and zlib.crc32(parts[0]) == int(parts[1], 16)
    )
    found = _MARK.match(parts[2]) if ok else None
    after = head.get("after")
    if found is None or not isinstance(base, str) or type(after) is not int:
        raise StateFileError(name, "line 1, its header, is damaged (its checksum does not match)")
    return Header(2, base, after, int(found[1]), int(found[2], 16)), body


def read_lines(name: str, head: Header, body: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The actions of a journal's lines (``body``, after the header ``head``), each
    checked; a last line cut short is dropped (it was never acknowledged)."""
    lines = body.split(b"\n")
    lines.pop()  # after the last newline: empty, or a line cut short
    checked = head.version >= 2
    chain = Chain(head.base, head.after or 0)
    expected = None if head.after is None else head.after + 1
    at_mark = chain.value if head.acknowledged == head.after else None
    found: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=2):
        text = line
        if checked:
            text, tab, crc = line.rpartition(b"\t")
            if not tab or _CRC.match(crc) is None:
                raise StateFileError(name, f"line {number} is damaged (it has no checksum)")
            before = chain.value
            chain.value = zlib.crc32(text, before)
            if chain.value != int(crc, 16):
                raise StateFileError(name, f"line {number} is damaged ({_why(text, expected)})")
        record = _record(name, number, text)
        if expected is not None and record["n"] != expected:
            raise StateFileError(name, _skip(number, record["n"], expected))
        expected = record["n"] + 1
        if checked and record["n"] == head.acknowledged:
            at_mark = chain.value
        found.append((number, record))
    if checked:
        _check_mark(name, head, expected, at_mark, len(lines) + 1)
    return found


def _record(name: str, number: int, text: bytes) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except RecursionError:
        raise StateFileError(name, f"line {number} is not an action (nested too deep)") from None
    except ValueError:
        raise StateFileError(name, f"line {number} is damaged (not JSON)") from None
    wrong = problem(record)
    if wrong is not None:
        raise StateFileError(name, f"line {number} is not an action ({wrong})")
    return record  # type: ignore[no-any-return]


def _why(text: bytes, expected: int | None) -> str:
    """Why a line's checksum does not match: moved or removed lines, or changed content."""
    try:
        number = json.loads(text).get("n")
    except (ValueError, RecursionError, AttributeError):
        number = None
    if type(number) is int and expected is not None and number != expected:
        return (
            f"it holds action {number} where action {expected} was expected: lines "
            "before it were removed, added or moved"
        )
    return "its checksum does not match its content: the line was changed"


def _skip(number: int, got: int, expected: int) -> str:
    return (
        f"line {number} holds action {got} where action {expected} was expected: "
        "actions are missing from it, or out of order"
    )


def _check_mark(
    name: str, head: Header, expected: int | None, at_mark: int | None, last_line: int
) -> None:
    last = (expected - 1) if expected is not None else head.after
    assert head.acknowledged is not None and last is not None
    if head.acknowledged > last:
        raise StateFileError(
            name,
            f"acknowledged actions are missing from its end: it ends with action {last} "
            f"(line {last_line}), but actions up to {head.acknowledged} were acknowledged "
            "(the file was cut short or replaced by an older copy)",
        )
    if head.acknowledged < head.after or at_mark != head.check:  # type: ignore[operator]
        raise StateFileError(
            name,
            "line 1, its header, is damaged (its acknowledged mark does not match the "
            f"line of action {head.acknowledged})",
        )
