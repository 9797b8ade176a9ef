"""``pytest-mturk backup``: one file holding a running server's state and its hosted
side-state (``docs/server.md``, "Backup and restore while it runs").

It asks the control API for ``GET /_mturk/backup`` with the control token (``--token``,
else ``$PYTEST_MTURK_CONTROL_TOKEN``, as :class:`~pytest_mturk.ServerControl` reads
it), checks that what came is a whole backup, and only then puts it in place: written
to ``FILE.part``, ``fsync``-ed, renamed to ``FILE``, readable by its owner only (it
holds participants' IDs and answers, and the secret their links and worker IDs are made
with). ``-o -`` writes it to standard output instead (from inside a container).
``pytest-mturk host --restore FILE`` starts a new server from it.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from .server_control import TOKEN_VARIABLE

__all__ = ["register", "run"]

_CHUNK = 1 << 20
_TIMEOUT = 600  # seconds: a large study's snapshot takes a while to send


def register(commands: Any) -> None:
    """Add ``backup`` to the ``pytest-mturk`` command's subcommands."""
    backup = commands.add_parser(
        "backup",
        help="back up a running server: its state and hosted side-state, in one file",
        description="Back up a running pytest-mturk server (GET /_mturk/backup, with the "
        "control token) into one file that 'pytest-mturk host --restore FILE' starts a new "
        "server from.",
    )
    backup.add_argument(
        "--url",
        default="http://127.0.0.1:8080/",
        help="the server's own address, from the machine it runs on (default "
        "http://127.0.0.1:8080/)",
    )
    backup.add_argument(
        "--token",
        metavar="TOKEN",
        help=f"the server's control token (default: ${TOKEN_VARIABLE})",
    )
    backup.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the backup file to write ('-': standard output)",
    )
    backup.set_defaults(run=run)


def _fetch(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    # The server is named directly: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return opener.open(request, timeout=_TIMEOUT)
    except urllib.error.HTTPError as refused:
        import json

        text = refused.read(4096).decode("utf-8", "replace")
        try:
            message = str(json.loads(text).get("message", text))
        except (ValueError, AttributeError):
            message = text
        message = " ".join(message.split())[:300]
        raise UsageError(
            f"The server refused the backup (HTTP {refused.code}): {message}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"Cannot reach the server at {url}: {reason}.") from None


def _write(response: Any, output: Path) -> None:
    """The response's body to ``output``, whole or not at all."""
    from ..doors.http.state_io import fsync_dir
    from ..doors.requester import backup

    partial = output.with_name(output.name + ".part")
    partial.unlink(missing_ok=True)  # a file left by an earlier try keeps its own mode
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        backup.read(partial)  # a whole backup, or a UsageError
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    fsync_dir(output.parent)


def run(options: argparse.Namespace) -> int:
    """``pytest-mturk backup``: write the backup; 0 once it is in place."""
    from ..doors.requester import backup

    token = options.token or os.environ.get(TOKEN_VARIABLE)
    if not token:
        raise UsageError(
            f"pytest-mturk backup needs the control token: --token or ${TOKEN_VARIABLE}."
        )
    url = options.url.rstrip("/") + "/_mturk/backup"
    with _fetch(url, token) as response:
        if options.output == "-":
            data = response.read()
            backup.parse(data, "from the server")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return 0
        output = Path(options.output)
        try:
            _write(response, output)
        except OSError as exc:
            raise UsageError(f"Cannot write the backup {output}: {exc.strerror or exc}.") from None
    print(
        f"pytest-mturk: backup written to {output} ({output.stat().st_size} bytes)", file=sys.stderr
    )
    return 0
