"""Running the HTTP door: werkzeug's threaded WSGI server, one thread per connection.

:class:`RunningServer` binds (port 0 picks a free port), serves in a background
thread or in the calling one, and stops cleanly. While it runs, its base URL is in
:data:`pytest_mturk.doors.stack.served`, so a boto3 client in this process pointed at it
goes over HTTP to it rather than being answered by an active simulator in process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .. import stack
from .areas import PRODUCTION_PATH
from .wsgi import WSGIApp

__all__ = ["RunningServer"]

LOOPBACK = "127.0.0.1"


class _Handler(WSGIRequestHandler):
    # A client that stops sending mid-request holds its own thread for this long at
    # most, never the server.
    timeout = 60

    def send_response(self, code: int, message: str | None = None) -> None:
        # The service's answers carry their own Date (the simulated time): no second one.
        self.log_request(code)
        self.send_response_only(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.log_requests:  # type: ignore[attr-defined]
            super().log_request(code, size)


class RunningServer:
    """A bound server answering with ``app``; :meth:`start` serves in a thread."""

    def __init__(
        self, app: WSGIApp, host: str = LOOPBACK, port: int = 0, *, log_requests: bool = False
    ) -> None:
        if not log_requests:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_Handler
        )
        self._server.log_requests = log_requests  # type: ignore[attr-defined]
        self.host = host
        self.port: int = self._server.server_port
        shown = f"[{host}]" if ":" in host else host
        if host in ("0.0.0.0", "::", ""):
            shown = LOOPBACK
        self.url = f"http://{shown}:{self.port}/"
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        """The sandbox world's endpoint: the server's root."""
        return self.url

    @property
    def production_endpoint_url(self) -> str:
        """The production world's endpoint."""
        return self.url.rstrip("/") + PRODUCTION_PATH

    def start(self) -> RunningServer:
        """Serve in a daemon thread (until :meth:`stop`)."""
        stack.served.append(self.url)  # before any request can be made to it
        self._thread = threading.Thread(
            target=self._in_thread, name=f"pytest-mturk server {self.url}", daemon=True
        )
        self._thread.start()
        return self

    def _in_thread(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            stack.served.remove(self.url)

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        stack.served.append(self.url)
        self._in_thread()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
