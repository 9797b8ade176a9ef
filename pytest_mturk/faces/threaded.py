"""The HTTP server in a thread of this process: :class:`ThreadedServer` for scripts
(``pytest_mturk.ThreadedServer``), and :class:`ThreadServer`, the ``mturk_server``
fixture's, which serves a test's simulator.

Both serve what ``pytest-mturk serve`` serves, through the same code: the door's
WSGI app and its waitress server (:mod:`pytest_mturk.doors.http`), answered
by its backend, which holds the simulator's service and asks the rest of the
simulator (its workers, its crowds, saving and starting again) of a
:class:`ServedSimulator`; :func:`open_state` gives the backend of a simulation kept in
a state file. werkzeug and waitress, the ``server`` extra, are imported when a server
is made, never before.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import signal
import sys
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.errors import InternalError, UsageError
from .simulator import Simulator

if sys.version_info >= (3, 11):
    from typing import Self, Unpack
elif TYPE_CHECKING:
    # Python 3.10 has neither; type checkers know typing_extensions from their own stubs.
    from typing_extensions import Self, Unpack

if TYPE_CHECKING:
    from ..core.roster import Profile
    from ..core.service import Service
    from ..doors.http import Access, Backend, Face, RunningServer
    from .server_control import ServerControl
    from .settings import SimulatorSettings

__all__ = [
    "ServedSimulator",
    "ThreadServer",
    "ThreadedServer",
    "open_state",
    "serve_until_stopped",
    "server_door",
]

LOOPBACK = "127.0.0.1"
SERVER_EXTRA = "pip install 'pytest-mturk[server]'"


def server_door() -> Any:
    """The HTTP door (:mod:`pytest_mturk.doors.http`), imported now: it needs werkzeug
    and waitress, the ``server`` extra, which the rest of the package never imports.
    Without them, a :class:`UsageError` that says so and what to install."""
    try:
        from ..doors import http
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in ("werkzeug", "waitress"):
            raise
        raise UsageError(
            f"The HTTP server needs the server extra (werkzeug 3.0 and waitress 3.0 or "
            f"later; {missing} could not be imported): {SERVER_EXTRA}."
        ) from None
    return http


class ServedSimulator:
    """A :class:`Simulator` as the HTTP door sees the face above it (its ``Face``): the
    simulation it serves, beyond the service the door holds -- the workers' profiles,
    the crowds that act as the clock moves, saving, and starting again (``settings``
    are what a reset starts a fresh simulator with)."""

    def __init__(self, simulator: Simulator, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self.simulator = simulator

    def _serve(self, simulator: Simulator) -> Service:
        self.simulator = simulator
        return simulator._served()

    def enlist(self, worker_id: str, profile: Mapping[str, Any]) -> Profile:
        """The worker made (or their profile changed), as ``Simulator.worker`` does."""
        return self.simulator.worker(worker_id, **profile).profile

    def advance(self, delta: _dt.timedelta) -> _dt.datetime:
        """``Simulator.advance``: the simulator's crowds act on the way."""
        return self.simulator.advance(delta)

    def snapshot(self) -> dict[str, Any]:
        """The whole simulation, as ``Simulator.save`` writes it."""
        from . import persist
        from .persist.schema import SaveProblem

        simulator = self.simulator
        try:
            return persist.document(simulator._core(), simulator._profiles())
        except SaveProblem as exc:
            raise InternalError(
                f"The simulator's state cannot be saved ({exc}): a bug in pytest-mturk, "
                "please report it."
            ) from exc

    def reset(self, settings: Mapping[str, Any]) -> Service:
        """A fresh simulator, made with the settings changed by ``settings``."""
        changed = {**self.settings, **settings}
        service = self._serve(Simulator(**changed))
        self.settings = changed
        return service

    def load(self, document: Mapping[str, Any]) -> Service:
        """A simulator loaded from ``document``, as ``Simulator(load=...)`` loads a file."""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "state.json")
            with open(path, "w", encoding="utf-8") as out:
                json.dump(document, out)
            return self._serve(Simulator(load=path))

    def serve(self, *, clock: str = "frozen", journal: Any = None, shared: bool = False) -> Backend:
        """The HTTP door's backend for this simulator: its service, handed down, with
        this as the door's face. ``clock``, ``journal`` and ``shared`` are the
        backend's (``pytest_mturk.doors.http.Backend``)."""
        face: Face = self
        backend: Backend = server_door().Backend(
            self.simulator._served(), face, clock=clock, journal=journal, shared=shared
        )
        return backend


def open_state(
    path: str | os.PathLike[str],
    settings: Mapping[str, Any],
    *,
    load: str | None = None,
    clock: str = "frozen",
    every: int | None = None,
) -> Backend:
    """The backend of the simulation kept in the state file at ``path`` (``--state``):
    a new simulator made with ``settings`` (or from ``load``) if the file holds none
    yet, else the one it kept, every acknowledged action replayed."""
    door = server_door()
    from . import persist

    store = door.StateFile(path, every=every)
    # A snapshot no journal follows is read, to say what is wrong with it.
    start = store.begin(load, check=persist.load)
    simulator = Simulator(**{**settings, **({"load": start} if start is not None else {})})
    backend = ServedSimulator(simulator, settings).serve(clock=clock, journal=store)
    store.recover(backend.replay, backend.snapshot)
    return backend


# Secret keys to verify signatures with: an AWS credentials file, or {access key: secret}.
Credentials = str | os.PathLike[str] | Mapping[str, str]


def _access(door: Any, host: str, token: str | None, credentials: Credentials | None) -> Access:
    """Who a server started here lets in: ``token`` (a random one if ``None``), and, with
    ``credentials``, signatures verified."""
    secrets = None
    if isinstance(credentials, Mapping):
        secret = door.signatures.Secret
        secrets = {str(key): secret(str(value)) for key, value in credentials.items()}
        if not secrets:
            raise UsageError("credentials names no access key.")
    elif credentials is not None:
        secrets = door.read_credentials(credentials)
    access: Access = door.Access(bound=host, credentials=secrets)
    if token is not None:
        if not token:
            raise UsageError("control_token may not be empty.")
        access.control_token = token
    return access


class ThreadedServer:
    """The simulated MTurk over HTTP, served from a thread of this process: for a
    script, a notebook or a test that drives code in another process or language.

    It serves what ``pytest-mturk serve`` serves (the service API of both worlds, the
    control API, the worker pages), answering from a :class:`~pytest_mturk.Simulator`
    of its own made with ``settings`` (those of :class:`~pytest_mturk.SimulatorSettings`:
    ``seed``, ``balance``, ``start``, ``access_keys``...). ``clock`` is ``"frozen"``
    (time moves only when told) or ``"real"`` (it follows the wall clock too)::

        with ThreadedServer(seed=1) as server:
            mturk = boto3.client("mturk", endpoint_url=server.endpoint_url, ...)

    :meth:`start` binds ``host``:``port`` (port 0: a free one) and serves until
    :meth:`stop`; it may be started again after a stop, and serves the same simulation.
    While it runs: ``url`` is the server's root (the control API is under
    ``url + "_mturk/"``), ``endpoint_url`` the sandbox endpoint to give boto3's
    ``endpoint_url`` (the root too, as with ``pytest-mturk serve``),
    ``production_endpoint_url`` production's, ``port`` the port bound and ``control`` a
    :class:`~pytest_mturk.ServerControl` of it, with the server's ``control_token`` (a
    random one unless given), ``content_url`` the origin HIT content (an HTMLQuestion's
    page) is served from, on a free port of its own. With ``credentials`` (an AWS
    credentials file's path, or ``{access key: secret key}``) every service API
    request's signature is verified. ``simulator`` is the simulator it answers from (a
    control API reset or loaded snapshot replaces it). Needs the ``server`` extra
    (werkzeug and waitress).
    """

    def __init__(
        self,
        port: int = 0,
        host: str = LOOPBACK,
        *,
        clock: str = "frozen",
        log_requests: bool = False,
        control_token: str | None = None,
        credentials: Credentials | None = None,
        **settings: Unpack[SimulatorSettings],
    ) -> None:
        door = server_door()
        access = _access(door, host, control_token, credentials)
        simulator = Simulator(**settings)
        # A control API reset starts an empty simulation with these (never the loaded
        # file), the access keys as read (an iterator given for them is used up by now).
        fresh: dict[str, Any] = dict(simulator._settings_kwargs)
        fresh.pop("load", None)
        self._setup(door, simulator, False, clock, host, port, log_requests, fresh, access)

    def _setup(
        self,
        door: Any,
        simulator: Simulator,
        shared: bool,
        clock: str,
        host: str,
        port: int,
        log_requests: bool,
        settings: dict[str, Any],
        access: Access,
    ) -> None:
        if clock not in door.CLOCK_MODES:
            raise UsageError(f"clock must be one of {', '.join(door.CLOCK_MODES)}, not {clock!r}.")
        self._door = door
        self._face = ServedSimulator(simulator, settings)
        self.backend = self._face.serve(clock=clock, shared=shared)
        self.backend.access = access
        self.host = host
        self._port = port
        self._log_requests = log_requests
        # While serving: the door's server, and a client of its control API.
        self._running: tuple[RunningServer, ServerControl] | None = None

    def __repr__(self) -> str:
        where = self._running[0].url if self._running is not None else "not running"
        return f"<{type(self).__name__} {where}>"

    @property
    def simulator(self) -> Simulator:
        """The simulator the server answers from."""
        return self._face.simulator

    @property
    def running(self) -> bool:
        """Whether it serves (between :meth:`start` and :meth:`stop`)."""
        return self._running is not None

    def _serving(self) -> tuple[RunningServer, ServerControl]:
        if self._running is None:
            raise UsageError(
                "The server is not running: start() it first (or use it in a with block)."
            )
        return self._running

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:40123/``."""
        return self._serving()[0].url

    @property
    def endpoint_url(self) -> str:
        """The sandbox's endpoint, for boto3's ``endpoint_url`` (the server's root)."""
        return self._serving()[0].endpoint_url

    @property
    def production_endpoint_url(self) -> str:
        """Production's endpoint (``url + "production/"``)."""
        return self._serving()[0].production_endpoint_url

    @property
    def port(self) -> int:
        """The port bound (the one picked, when made with port 0)."""
        return self._serving()[0].port

    @property
    def control_token(self) -> str:
        """The token the control API requires (``Authorization: Bearer <token>``);
        :attr:`control` sends it."""
        token: str = self.backend.access.control_token
        return token

    @property
    def control(self) -> ServerControl:
        """A :class:`~pytest_mturk.ServerControl` of this server's control API."""
        return self._serving()[1]

    @property
    def content_url(self) -> str:
        """The content origin's URL (``http://localhost:40124/`` for a server on
        ``127.0.0.1``: another site for browsers, ``docs/worker-pages.md``)."""
        self._serving()
        return f"{self.backend.content_origin}/"

    def serve_origin(self, public: str, local: str) -> None:
        """Frame an ExternalQuestion at ``public`` (``https://exp.example``) from ``local``
        (``http://127.0.0.1:8000``) in the worker pages; the HIT keeps its HTTPS URL."""
        self.backend.frame_origins[public] = local

    def start(self) -> Self:
        """Bind and serve in a daemon thread, until :meth:`stop`."""
        if self._running is not None:
            raise UsageError(
                f"The server is already running at {self._running[0].url}; stop() it first."
            )
        from .server_control import ServerControl

        door = self._door
        app = door.make_app(self.backend)
        running: RunningServer = door.RunningServer(
            app, self.host, self._port, content_port=0, log_requests=self._log_requests
        )
        from ..doors.pages.guard import serve_origins

        serve_origins(self.backend, running.url, running.content_url)
        control = ServerControl(running.url, token=self.control_token)
        self._running = (running.start(), control)
        return self

    def stop(self) -> None:
        """Stop serving and free the port (nothing happens if it is not running)."""
        running, self._running = self._running, None
        if running is not None:
            running[0].stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ThreadServer(ThreadedServer):
    """A :class:`ThreadedServer` answering from a simulator made elsewhere: what the
    ``mturk_server`` fixture gives, serving the test's own simulator (``shared``: a
    control API reset or load, which would replace it, is refused)."""

    def __init__(
        self,
        simulator: Simulator,
        *,
        shared: bool = True,
        clock: str = "frozen",
        host: str = LOOPBACK,
        port: int = 0,
        log_requests: bool = False,
        control_token: str | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        door = server_door()
        access = _access(door, host, control_token, credentials)
        self._setup(door, simulator, shared, clock, host, port, log_requests, {}, access)


def serve_until_stopped(server: Any, backend: Any) -> int:
    """Serve in this thread until SIGTERM or Ctrl-C; then stop, and close the backend
    (with a state file, a last snapshot)."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        backend.close()  # with --state, a last snapshot
    return 0
