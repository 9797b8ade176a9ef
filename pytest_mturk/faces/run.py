"""``pytest-mturk run [--server URL] -- COMMAND [ARGS...]``: run unchanged code that
names MTurk's own endpoints against a pytest-mturk server (``docs/after-mturk.md``).

COMMAND runs with :mod:`.startup`'s folder first on ``PYTHONPATH`` and the server's URL in
``PYTEST_MTURK_SERVER``: in it, and in every Python process it starts, a botocore
client that names MTurk's sandbox endpoint goes to the server's root URL, one that
names production's (or no endpoint at all) to ``/production/``. The exit status is
COMMAND's own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from .startup import sitecustomize

__all__ = ["SITE", "environment", "register", "run"]

# The folder that holds only the standalone sitecustomize.py.
SITE = str(Path(sitecustomize.__file__).resolve().parent)


def register(commands: Any) -> None:
    """Add ``run`` to the ``pytest-mturk`` command's subcommands."""
    run_parser = commands.add_parser(
        "run",
        help="run a command whose MTurk clients name MTurk's own endpoints against a server",
        description="Run COMMAND with every botocore MTurk client in it, and in the Python "
        "processes it starts, sent to a pytest-mturk server: MTurk's sandbox endpoint to "
        "the server's root URL, production's (or none) to its /production/. Any other "
        "endpoint the code names is left alone. Put '--' before COMMAND.",
    )
    run_parser.add_argument(
        "--server",
        metavar="URL",
        default=os.environ.get(sitecustomize.VARIABLE) or None,
        help=f"the server's address, e.g. https://study.example.org (default: "
        f"${sitecustomize.VARIABLE})",
    )
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="the command and its args")
    run_parser.set_defaults(run=run)


def environment(server: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the redirection turned on."""
    env = dict(os.environ if base is None else base)
    before = env.get("PYTHONPATH")
    env["PYTHONPATH"] = SITE + (os.pathsep + before if before else "")
    env[sitecustomize.VARIABLE] = server
    return env


def run(options: argparse.Namespace) -> int:
    """``pytest-mturk run``: COMMAND's exit status, or 2 for a usage error, 127 for a
    command that cannot be found."""
    command = list(options.command)
    if command[:1] == ["--"]:
        command = command[1:]
    server = options.server
    if not server:
        raise UsageError(
            f"run needs the server's address: --server URL, or ${sitecustomize.VARIABLE}."
        )
    if sitecustomize.server_urls(server) is None:
        raise UsageError(
            f"--server takes the server's address, such as https://study.example.org, "
            f"not {server!r}."
        )
    if not command:
        raise UsageError("run needs a command to run, after '--'.")
    env = environment(server)
    program = shutil.which(command[0], path=env.get("PATH"))
    if program is None:
        print(f"pytest-mturk: run: command not found: {command[0]}", file=sys.stderr)
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(program, command, env)  # the command's own exit status, its own signals
    return subprocess.run([program, *command[1:]], env=env, check=False).returncode
