"""Identifiers shaped like the service's, deterministic under a seed."""

from __future__ import annotations

import random
import string
from typing import Any

_ALPHABET = string.ascii_uppercase + string.digits
# Byte -> character tables: 30 random bytes become an ID in two C-level translations.
# (256 is not a multiple of 36; the slight skew is irrelevant to a simulation.)
_REST = bytes(ord(_ALPHABET[b % 36]) for b in range(256))
# The service's IDs start with a digit; keeping it 1-9 means they never look like
# worker IDs ("A...").
_FIRST = bytes(ord("123456789"[b % 9]) for b in range(256))


class IdGenerator:
    """30-character upper-case alphanumeric IDs (HITs, HIT types, assignments...).

    One generator serves both environments of a simulator, so sandbox and
    production IDs never collide.
    """

    def __init__(self, seed: int | str | None = 0) -> None:
        self._random = random.Random(f"ids:{seed}")
        self._requests = random.Random(f"requests:{seed}")

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
        raw = self._random.getrandbits(length * 8).to_bytes(length, "little")
        return (raw[:1].translate(_FIRST) + raw[1:].translate(_REST)).decode("ascii")

    def request_id(self) -> str:
        # The same 32 digits as f"{bits:032x}", in a third of the time.
        text = self._requests.getrandbits(128).to_bytes(16, "big").hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def hex40(self) -> str:
        """A 40-hex-digit document ID (notification EventDocId)."""
        return f"{self._requests.getrandbits(160):040x}"
