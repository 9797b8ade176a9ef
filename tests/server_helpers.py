"""Starting servers for tests: in a thread of the test process, or as a real process."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# The control token the servers these tests start are given (``--control-token``).
CONTROL_TOKEN = "test-control-token-4f1c9a"
# A generous guard against a hang, not a timing: a healthy server starts in well under it.
START_GUARD = 60


def client(endpoint_url: str, key: str = KEY, **config: Any) -> Any:
    """A boto3 mturk client of the server at ``endpoint_url``, signed with ``key``."""
    return boto3.session.Session().client(
        "mturk",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1}, **config),
    )


class ServerProcess:
    """``pytest-mturk serve`` in a process of its own; ``url`` once it serves.

    ``command="host"`` runs ``pytest-mturk host`` instead (give it ``--state`` and
    ``--credentials``); its HIT content listener takes a free port unless ``args`` names
    one. ``env``: more environment variables for the process."""

    def __init__(
        self,
        *args: str,
        module: bool = False,
        command: str = "serve",
        env: dict[str, str] | None = None,
    ) -> None:
        program = (
            [sys.executable, "-m", "pytest_mturk", command]
            if module
            else [os.path.join(os.path.dirname(sys.executable), "pytest-mturk"), command]
        )
        if command == "host" and "--content-port" not in args:
            args = ("--content-port", "0", *args)
        # Its request log only when a test asks for it (a pipe nobody reads fills up).
        if command == "host" and "--log-format" not in args and "--config" not in args:
            args = ("--log-format", "none", *args)
        self.stderr_text = ""  # what it wrote on standard error, once stopped
        # A known token unless the test gives its own (or none: "--control-token" absent
        # when ``args`` holds it already).
        self.token = CONTROL_TOKEN
        if "--control-token" in args:
            self.token = args[args.index("--control-token") + 1]
        else:
            args = ("--control-token", CONTROL_TOKEN, *args)
        self.process = subprocess.Popen(
            [*program, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env} if env else None,
        )
        self.first_line = self._first_line()
        self.url = self.first_line.rsplit(" ", 1)[-1]
        self.production_url = self.url + "production/"

    def _first_line(self) -> str:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        ready = selector.select(timeout=START_GUARD)
        selector.close()
        if not ready:
            self.process.kill()
            self._close_streams()
            raise AssertionError("the server printed nothing")
        line = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        if not line:
            self.process.wait()
            why = self.process.stderr.read()  # type: ignore[union-attr]
            self._close_streams()  # a server that did not start leaves no open pipe behind
            raise AssertionError(f"the server did not start: {why}")
        return line

    def _close_streams(self) -> None:
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def control(self) -> Any:
        """A :class:`~pytest_mturk.ServerControl` of this server, with whatever it takes to
        be let in: tests reach the control API through this, never by building one."""
        from pytest_mturk import ServerControl

        return ServerControl(self.url, token=self.token)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        code = self.process.wait(timeout=START_GUARD)
        if self.process.stderr is not None and not self.process.stderr.closed:
            self.stderr_text = self.process.stderr.read()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def credentials_file(path: Path, secret: str = SECRET) -> Path:
    """A credentials file in AWS's format holding the tests' key (with ``secret``)."""
    path.write_text(
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {secret}\n",
        encoding="utf-8",
    )
    return path


def hosted_server(folder: Path, *args: str, **kwargs: Any) -> ServerProcess:
    """``pytest-mturk host`` with its state and a credentials file in ``folder``."""
    credentials = credentials_file(folder / "credentials")
    state = folder / "study.json"
    return ServerProcess(
        "--state", str(state), "--credentials", str(credentials), *args, command="host", **kwargs
    )
