"""Writing a state file's journal as its format says, for tests that damage one on purpose."""

from __future__ import annotations

import json
import zlib


def rechain(lines: list[bytes]) -> list[bytes]:
    """The journal's lines (the file split at newlines) with every checksum and the
    header's mark written again (CRC-32 chained from the header's base and after, as
    ``pytest_mturk.doors.http.journal_format`` describes), so that only the content is
    wrong."""
    head_json, _, _ = lines[0].split(b"\t")
    head = json.loads(head_json)
    crc = zlib.crc32(f"{head['base']}:{head['after']}".encode())
    out, number = [], head["after"]
    for line in lines[1:-1]:
        body = line.rpartition(b"\t")[0]
        crc = zlib.crc32(body, crc)
        out.append(b"%s\t%08x" % (body, crc))
        number += 1
    header = b"%s\t%08x\t%012d:%08x" % (head_json, zlib.crc32(head_json), number, crc)
    return [header, *out, b""]
