"""Identifiers shaped like the service's, deterministic under a seed."""

from __future__ import annotations

import random
import string
from typing import Any

from . import journal

_ALPHABET = string.ascii_uppercase + string.digits
# Byte -> character tables: 30 random bytes become an ID in two C-level translations.
# (256 is not a multiple of 36; the slight skew is irrelevant to a simulation.)
_REST = bytes(ord(_ALPHABET[b % 36]) for b in range(256))
# The service's IDs start with a digit; keeping it 1-9 means they never look like
# worker IDs ("A...").
_FIRST = bytes(ord("123456789"[b % 9]) for b in range(256))
# Mersenne Twister: 32-bit words, drawn from blocks of 624.
_BLOCK = 624
_REPLAY_CHUNK = 1 << 16  # words per getrandbits() when replaying
# A UUID's version (bits 76-79) and variant (bits 62-63): version 4, RFC 4122's variant.
_UUID_KEEP = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_V4 = (0x4 << 76) | (0x2 << 62)


class Stream:
    """A seeded random stream that knows how many 32-bit words it has given out,
    so a transaction that fails can rewind it: the next draws are the ones the
    failed transaction drew, as if it had never run."""

    __slots__ = ("origin", "random", "words")

    def __init__(self, origin: str, words: int = 0) -> None:
        # What the stream started from: a seed, or a generator's state (see setstate).
        self.origin: str | tuple[Any, ...] = origin
        self.random = random.Random(origin)
        self.words = 0
        if words:
            self._replay(words)

    def bits(self, count: int) -> int:
        """``getrandbits(count)``, journaled."""
        log = journal.current.log
        if log is not None:
            log.append((Stream.rewind, self, self.words))
        self.words += (count + 31) >> 5
        return self.random.getrandbits(count)

    def rewind(self, words: int) -> None:
        """Go back to the state after ``words`` words (at most as many as now)."""
        back = self.words - words
        if not back:
            return
        version, internal, gauss = self.random.getstate()
        index = internal[-1]
        if index - back >= 1:
            # Still in the same block of 624: only the position moves back.
            self.random.setstate((version, (*internal[:-1], index - back), gauss))
            self.words = words
        else:
            self.random = self._fresh()
            self.words = 0
            self._replay(words)

    def getstate(self) -> tuple[Any, ...]:
        """The underlying generator's state (see :meth:`random.Random.getstate`)."""
        return self.random.getstate()

    def setstate(self, state: tuple[Any, ...]) -> None:
        """Carry on from ``state`` (as :meth:`getstate` gave it); a rewind goes no further
        back than here."""
        self.random.setstate(state)
        self.origin = state
        self.words = 0

    def _fresh(self) -> random.Random:
        if isinstance(self.origin, str):
            return random.Random(self.origin)
        generator = random.Random()
        generator.setstate(self.origin)
        return generator

    def _replay(self, words: int) -> None:
        while self.words < words:
            step = min(_REPLAY_CHUNK, words - self.words)
            self.random.getrandbits(32 * step)
            self.words += step


class IdGenerator:
    """30-character upper-case alphanumeric IDs (HITs, HIT types, assignments...).

    One generator serves both environments of a simulator, so sandbox and
    production IDs never collide.
    """

    __slots__ = ("_random", "_requests")

    def __init__(self, seed: int | str | None = 0) -> None:
        self._random = Stream(f"ids:{seed}")
        self._requests = Stream(f"requests:{seed}")

    @property
    def untouched(self) -> bool:
        """Whether no ID has been drawn yet, nor a state set: the next IDs are the seed's
        first."""
        ids, requests = self._random, self._requests
        return (
            not ids.words
            and not requests.words
            and ids.origin.__class__ is str
            and requests.origin.__class__ is str
        )

    def getstate(self) -> tuple[Any, Any]:
        """The state of both streams (``random.Random.getstate``), for :meth:`setstate`."""
        return self._random.getstate(), self._requests.getstate()

    def setstate(self, state: tuple[Any, Any]) -> None:
        """Carry on exactly where the generator :meth:`getstate` came from was."""
        self._random.setstate(state[0])
        self._requests.setstate(state[1])

    def entity(self, length: int = 30) -> str:
        # 9 x 36**29 values: a repeat among even billions of IDs has a chance far
        # below 1e-25, so IDs are not remembered to rule one out.
        # What Random.randbytes gives, without its extra Python call.
        stream = self._random
        log = journal.current.log
        if log is not None:
            log.append((Stream.rewind, stream, stream.words))
        stream.words += (length * 8 + 31) >> 5  # what Stream.bits does, one call the fewer
        raw = stream.random.getrandbits(length * 8).to_bytes(length, "little")
        return (raw[:1].translate(_FIRST) + raw[1:].translate(_REST)).decode("ascii")

    def request_id(self) -> str:
        """A request ID: a version 4 (random) UUID, as the service's were, from the
        seeded stream."""
        stream = self._requests
        log = journal.current.log
        if log is not None:
            log.append((Stream.rewind, stream, stream.words))
        stream.words += 4
        bits = stream.random.getrandbits(128) & _UUID_KEEP | _UUID_V4
        # The same 32 digits as f"{bits:032x}", in a third of the time.
        text = bits.to_bytes(16, "big").hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def hex40(self) -> str:
        """A 40-hex-digit document ID (notification EventDocId)."""
        return f"{self._requests.bits(160):040x}"
