"""A participant of a recruiting platform as an MTurk worker: pure functions.

A participant arrives with their platform's ID for them (Prolific's ``PROLIFIC_PID``,
SONA's ``id``, or a generic ``participant``). :func:`worker_id` turns the platform and
that ID into a worker ID shaped as MTurk's were (``A`` and 13 capitals and digits, 14
characters, like ``A1B2C3D4E5F6G7``) with HMAC-SHA256 and the server's secret: the same
person coming back is the same worker, two platforms' equal IDs are different workers,
and nobody without the secret can tell which participant a worker ID is.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "MAX_ID",
    "PLATFORMS",
    "Participant",
    "ParticipantError",
    "participant_from",
    "worker_id",
]

# The query parameter each platform appends to a study link, in the order looked for.
PLATFORMS = {"prolific": "PROLIFIC_PID", "sona": "id", "generic": "participant"}
# Prolific's other parameters, kept with the participant (the study and the session).
_PROLIFIC_EXTRA = ("STUDY_ID", "SESSION_ID")
# The longest participant ID taken (characters): far beyond any platform's IDs.
MAX_ID = 512
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LENGTH = 13  # after the "A": 36**13 is about 2**67 workers


class ParticipantError(ValueError):
    """A participant ID that cannot be taken (empty, too long), with the reason."""


@dataclass(frozen=True)
class Participant:
    """Who followed a participant link: their platform, its ID for them, and (Prolific)
    the study and session they came from."""

    platform: str
    participant_id: str
    study_id: str | None = None
    session_id: str | None = None


def _check(platform: str, participant_id: str) -> None:
    if platform not in PLATFORMS:
        raise ParticipantError(f"Unknown platform {platform!r}: one of {sorted(PLATFORMS)}.")
    if not participant_id:
        raise ParticipantError("The participant ID is empty.")
    if len(participant_id) > MAX_ID:
        raise ParticipantError(f"The participant ID is longer than {MAX_ID} characters.")


def worker_id(secret: bytes, platform: str, participant_id: str) -> str:
    """The worker ID of ``participant_id`` on ``platform``: ``A`` and 13 capitals and
    digits, the same for the same secret, platform and ID (a :class:`ParticipantError`
    for an empty or over-long ID)."""
    _check(platform, participant_id)
    message = b"\0".join(
        (b"worker", platform.encode("ascii"), participant_id.encode("utf-8", "surrogatepass"))
    )
    number = int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest(), "big")
    digits = []
    for _ in range(_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "A" + "".join(digits)


def participant_from(query: Mapping[str, str]) -> Participant | None:
    """The participant a link's query names (``PROLIFIC_PID`` first, then SONA's ``id``,
    then ``participant``); ``None`` if it names none. A named but unusable ID is a
    :class:`ParticipantError`."""
    for platform, name in PLATFORMS.items():
        given = query.get(name)
        if given is None:
            continue
        _check(platform, given)
        if platform == "prolific":
            study, session = (
                (query.get(extra) or "")[:MAX_ID] or None for extra in _PROLIFIC_EXTRA
            )
            return Participant(platform, given, study, session)
        return Participant(platform, given)
    return None
