"""Running the HTTP door: waitress, a bounded pool of threads behind asynchronous I/O.

:class:`RunningServer` binds (port 0 picks a free port), serves in a background
thread or in the calling one, and stops cleanly. One loop reads and writes every
connection without blocking; a request reaches one of a fixed number of threads only
once it has been received whole, so a slow or idle client holds a connection, never a
thread. While it runs, its base URLs are in :data:`pytest_mturk.doors.stack.served`, so
a boto3 client in this process pointed at it goes over HTTP to it rather than being
answered by an active simulator in process.

A second, optional listener serves the same application on a port (and host) of its
own, for the origin of HIT content; every request's environ says which listener it
came through (:data:`LISTENER`: ``"site"`` or ``"content"``).

Requests are logged, if asked, on standard error: one line each, as text or as JSON
(:data:`LOG_FORMATS`). Behind a reverse proxy, ``trusted_proxy`` (its address) is the
one peer whose ``X-Forwarded-For``, ``-Proto`` and ``-Host`` are believed; from any
other, waitress drops those headers.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask

from ..._version import __version__
from .. import stack
from . import gate
from .areas import PRODUCTION_PATH
from .wsgi import MAX_BODY, WSGIApp

__all__ = [
    "CONNECTION_LIMIT",
    "LISTENER",
    "LOG_FORMATS",
    "THREADS",
    "TIMEOUT",
    "RunningServer",
]

LOOPBACK = "127.0.0.1"
# The environ key naming the listener a request came through: "site" or "content".
LISTENER = "pytest_mturk.listener"

# Defaults of the limits (``pytest-mturk serve`` options; docs/server.md, "Limits").
THREADS = 8  # requests answered at once; the simulation applies calls one at a time anyway
CONNECTION_LIMIT = 1000  # open connections; more wait in the kernel's queue until one closes
TIMEOUT = 30  # seconds a connection may sit idle, or take to send one request whole
# How requests are logged: a line of text as web servers write them, or a JSON object
# (time, method, path, status, duration; never the query, a header or a body).
LOG_FORMATS = ("text", "json")
_LOGGED_PATH = 512  # characters of a path a JSON line keeps
# The headers a trusted proxy's word is taken for (waitress's names).
_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})

# How often (seconds) connections are checked against the timeout, and how long the
# loop waits for I/O before looking again (the timeout's granularity).
_CHECK_EVERY = 1

_SOFTWARE = f"pytest-mturk/{__version__}"


class _Refusal(ErrorTask):  # type: ignore[misc]
    """waitress's own refusals (a body over the limit, a malformed request line...)
    as the door's: JSON ``{"error", "message"}``; the connection is closed after."""

    def execute(self) -> None:
        error = self.request.error
        message = error.body
        if error.code == 413:
            limit = self.channel.adj.max_request_body_size - 1  # waitress refuses from it
            message = f"The request body is over the server's limit of {limit} bytes."
        body = json.dumps({"error": type(error).__name__, "message": message}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Task(WSGITask):  # type: ignore[misc]
    """waitress's answer to a request, with the header names as the app spelt them
    (``x-amzn-RequestId``, as the service spells it), where waitress capitalises each
    word; its environ says which port the request reached (before a trusted proxy's
    headers replace ``SERVER_PORT``)."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[gate.LISTENING_PORT] = str(self.channel.server.effective_port)
        return environ

    def build_response_header(self) -> bytes:
        spelt = {_capitalised(name): name for name, _ in self.response_headers}
        head: bytes = super().build_response_header()
        status, *lines = head.decode("latin-1").split("\r\n")
        for i, line in enumerate(lines):
            name, colon, value = line.partition(": ")
            if colon and name in spelt:
                lines[i] = f"{spelt[name]}: {value}"
        return "\r\n".join([status, *lines]).encode("latin-1")


def _capitalised(name: str) -> str:
    return "-".join(word.capitalize() for word in name.split("-"))


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A connection that also remembers when the request it is receiving began."""

    task_class = _Task
    error_task_class = _Refusal
    request_began = 0.0

    def received(self, data: bytes) -> bool:
        before = self.request
        result: bool = super().received(data)
        if self.request is not None and self.request is not before:
            self.request_began = time.time()
        return result


class _Listener(TcpWSGIServer):  # type: ignore[misc]
    """One listening socket. Beyond waitress's idle timeout, a request still arriving
    ``channel_timeout`` seconds after its first byte is cut off: a client trickling a
    byte at a time holds its connection no longer than an idle one."""

    channel_class = _Channel

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            receiving = channel.request is not None and not channel.requests
            if receiving and channel.request_began < cutoff:
                channel.will_close = True


def _on(listener: str, app: WSGIApp, log_requests: bool, log_format: str = "text") -> WSGIApp:
    """``app``, told which listener each request came through."""

    def tagged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[LISTENER] = listener
        environ["SERVER_SOFTWARE"] = _SOFTWARE
        if not log_requests:
            return app(environ, start_response)
        began = time.monotonic()

        def logged(status: str, headers: Any, exc_info: Any = None) -> Any:
            if log_format == "json":
                _log_json(environ, status, time.monotonic() - began)
            else:
                _log(environ, status)
            return start_response(status, headers, exc_info)

        return app(environ, logged)

    return tagged


def _log(environ: dict[str, Any], status: str) -> None:
    query = environ.get("QUERY_STRING")
    path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
    stamp = time.strftime("%d/%b/%Y %H:%M:%S", time.gmtime())
    print(
        f"{environ.get('REMOTE_ADDR', '-')} - - [{stamp}] "
        f'"{environ.get("REQUEST_METHOD")} {path} {environ.get("SERVER_PROTOCOL")}" '
        f"{status.partition(' ')[0]}",
        file=sys.stderr,
        flush=True,
    )


def _log_json(environ: dict[str, Any], status: str, seconds: float) -> None:
    """One JSON line: what was asked and how it went; no query, header or body (a
    participant link's token, a signature or a control token stays out of logs)."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    line = {
        "time": stamp,
        "listener": environ.get(LISTENER),
        "method": environ.get("REQUEST_METHOD"),
        "path": str(environ.get("PATH_INFO", ""))[:_LOGGED_PATH],
        "status": int(status.partition(" ")[0] or 0),
        "duration_ms": round(seconds * 1000, 1),
    }
    print(json.dumps(line), file=sys.stderr, flush=True)


def _address(host: str, port: int) -> tuple[Any, ...]:
    """waitress's socket description of ``host``:``port`` (the first address it names)."""
    family, socktype, proto, _, sockaddr = socket.getaddrinfo(
        host or None,
        port,
        socket.AF_UNSPEC,
        socket.SOCK_STREAM,
        socket.IPPROTO_TCP,
        socket.AI_PASSIVE,
    )[0]
    return (family, socktype, proto, sockaddr)


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::", ""):
        shown = LOOPBACK
    return f"http://{shown}:{port}/"


class RunningServer:
    """A bound server answering with ``app``; :meth:`start` serves in a thread.

    ``content_port`` (``0``: a free one) binds a second listener, on ``content_host``
    (default ``host``), for HIT content; its URL is :attr:`content_url`. ``threads``
    requests are answered at once; at most ``connection_limit`` connections are open
    (more wait for one to close); a connection idle for ``timeout`` seconds, or still
    sending a request ``timeout`` seconds after it began, is closed; a body over
    ``max_body`` bytes (chunked or not) gets HTTP 413 and the connection is closed.
    ``log_format`` is ``"text"`` or ``"json"`` (with ``log_requests``). ``trusted_proxy``:
    the address of the reverse proxy whose ``X-Forwarded-*`` headers are believed.
    """

    def __init__(
        self,
        app: WSGIApp,
        host: str = LOOPBACK,
        port: int = 0,
        *,
        content_port: int | None = None,
        content_host: str | None = None,
        log_requests: bool = False,
        threads: int = THREADS,
        connection_limit: int = CONNECTION_LIMIT,
        timeout: int = TIMEOUT,
        max_body: int = MAX_BODY,
        log_format: str = "text",
        trusted_proxy: str | None = None,
    ) -> None:
        if log_format not in LOG_FORMATS:
            raise ValueError(f"log_format must be one of {LOG_FORMATS}, not {log_format!r}")
        forwarding: dict[str, Any] = {"clear_untrusted_proxy_headers": True}
        if trusted_proxy:
            forwarding.update(
                trusted_proxy=trusted_proxy, trusted_proxy_count=1, trusted_proxy_headers=_FORWARDED
            )
        # A task queued behind busy threads is how a bounded pool works, not news.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        adjustments = Adjustments(
            threads=threads,
            connection_limit=connection_limit,
            channel_timeout=timeout,
            cleanup_interval=_CHECK_EVERY,
            asyncore_loop_timeout=_CHECK_EVERY,
            asyncore_use_poll=True,
            max_request_body_size=max_body + 1,  # waitress refuses a body of this size
            # No "Server: waitress" banner; the app's own Date is kept, else waitress adds one.
            ident="",
            **forwarding,
        )
        self._map: dict[int, Any] = {}
        self._dispatcher = ThreadedTaskDispatcher()
        self._listeners: list[_Listener] = []
        self._stopping = threading.Event()
        self._closing = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None  # the loop's, while it runs
        try:
            logging_ = (log_requests, log_format)
            site = self._listen("site", app, host, port, adjustments, logging_)
            content = None
            if content_port is not None:
                content_host = host if content_host is None else content_host
                content = self._listen(
                    "content", app, content_host, content_port, adjustments, logging_
                )
        except BaseException:
            wasyncore.close_all(self._map)
            raise
        self._threads = threads
        self.host = host
        self.port: int = int(site.effective_port)
        self.url = _url(host, self.port)
        self.content_host: str | None = content_host if content is not None else None
        self.content_port: int | None = int(content.effective_port) if content else None
        self.content_url: str | None = (
            _url(content_host, int(content.effective_port))
            if content is not None and content_host is not None
            else None
        )

    def _listen(
        self,
        name: str,
        app: WSGIApp,
        host: str,
        port: int,
        adjustments: Adjustments,
        logging_: tuple[bool, str],
    ) -> _Listener:
        listener = _Listener(
            _on(name, app, *logging_),
            map=self._map,
            dispatcher=self._dispatcher,
            adj=adjustments,
            sockinfo=_address(host, port),
        )
        self._listeners.append(listener)
        return listener

    @property
    def urls(self) -> list[str]:
        """Every base URL served: the site's, then the content origin's if any."""
        return [self.url] + ([self.content_url] if self.content_url else [])

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
        stack.served.extend(self.urls)  # before any request can be made to it
        thread = threading.Thread(
            target=self._in_thread, name=f"pytest-mturk server {self.url}", daemon=True
        )
        self._thread = thread
        thread.start()
        return self

    def _in_thread(self) -> None:
        self._dispatcher.set_thread_count(self._threads)  # the pool lives while it serves
        try:
            while not self._stopping.is_set() and self._map:
                wasyncore.loop(timeout=_CHECK_EVERY, use_poll=True, map=self._map, count=1)
        finally:
            for url in self.urls:
                stack.served.remove(url)
            self._close()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (or :meth:`stop` from another)."""
        stack.served.extend(self.urls)
        self._thread = threading.current_thread()
        self._in_thread()

    def _close(self) -> None:
        with self._closing:
            if self._closed:
                return
            self._closed = True
            # No new connections; the requests being answered finish (a few seconds
            # at most) and send their answers; then every connection is closed.
            for listener in self._listeners:
                listener.accepting = False
                listener.del_channel()
                listener.socket.close()
            self._dispatcher.shutdown(timeout=5)
            wasyncore.close_all(self._map)

    def stop(self) -> None:
        """Stop serving and close every socket (it may be called more than once)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            with self._closing:
                if not self._closed:  # else the loop has closed it (and its descriptor)
                    self._listeners[0].pull_trigger()  # wake the loop now
            thread.join()
        self._close()

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
