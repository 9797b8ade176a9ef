"""``pytest-mturk host``: the server in its hosted profile, for a real study
(``docs/hosted-server.md``).

It is ``pytest-mturk serve`` with the choices a study needs made for it: the state is
kept in a file (``--state``, required); every service API request's signature is
verified (``--credentials``, required); the clock is the wall clock; the simulation's
controls that change it (reset, the clock, acting as a worker, loading a snapshot) and
the worker pages' free sign-in are off, so workers arrive only by participant links;
requests are logged as JSON lines on standard error. Behind a TLS reverse proxy,
``--public-url`` is the address participants and scripts use, ``--content-url`` the
HIT content's own origin, and ``--trusted-proxy`` the one peer whose ``X-Forwarded-*``
headers are believed.

Options come from the command line or a TOML file (``--config``), whose keys are the
options' names (``public-url = "https://..."``); the command line wins, and a key that
is no option is refused.
"""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import os
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._version import __version__
from ..core.errors import UsageError
from . import restore
from .restore import side_state
from .server_control import TOKEN_VARIABLE

__all__ = ["OPTIONS", "Option", "register", "resolve", "run"]


@dataclass(frozen=True)
class Option:
    """One option of ``host``: its name (``--name`` on the command line, ``name`` in
    the TOML file), its kind (``str``, ``int``, ``bool``, ``list`` of text, or
    ``seed``: a whole number or text), its default and its help."""

    name: str
    kind: str
    default: Any
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option(
        "state",
        "str",
        None,
        "keep the study in FILE (and FILE.journal); required: every acknowledged change "
        "survives a crash",
        "FILE",
    ),
    Option(
        "credentials",
        "str",
        None,
        "the requester's keys, an AWS shared-credentials file; required: every request's "
        "signature is verified with them",
        "FILE",
    ),
    Option(
        "public-url",
        "str",
        None,
        "the address participants and scripts use, e.g. https://study.example.org "
        "(default: the server's own address, for a trial on this machine)",
        "URL",
    ),
    Option(
        "content-url",
        "str",
        None,
        "the origin HIT content (HTMLQuestion pages) is served at, e.g. "
        "https://content.example.net (default: content.<public-url's host>)",
        "URL",
    ),
    Option("host", "str", "127.0.0.1", "address to bind (default 127.0.0.1)"),
    Option("port", "int", 8080, "port (default 8080; 0: a free one)"),
    Option(
        "content-host",
        "str",
        None,
        "address the HIT content's listener binds (default: --host)",
    ),
    Option(
        "content-port",
        "int",
        8081,
        "port of the HIT content's listener (default 8081; 0: a free one)",
    ),
    Option(
        "trusted-proxy",
        "str",
        None,
        "the address of the reverse proxy in front: only its X-Forwarded-For, -Proto "
        "and -Host are believed (default: none is)",
        "ADDR",
    ),
    Option(
        "public-host",
        "list",
        [],
        "one more host name the server is reached by (the public URL's and the content "
        "URL's are known already); repeatable",
        "NAME[:PORT]",
    ),
    Option(
        "frame-origin",
        "list",
        [],
        "the worker pages frame ExternalQuestion pages at the HTTPS origin PUBLIC from "
        "LOCAL, e.g. https://exp.example=http://127.0.0.1:8000, for a trial on one machine "
        "(repeatable)",
        "PUBLIC=LOCAL",
    ),
    Option(
        "control-token",
        "str",
        None,
        "the token the control API's reads (GET /_mturk/snapshot: a backup) require "
        f"(default: ${TOKEN_VARIABLE}, else a random one, printed at start)",
        "TOKEN",
    ),
    Option("seed", "seed", None, "seed of IDs (default 0)"),
    Option("balance", "str", None, "production's starting balance, e.g. 500.00"),
    Option(
        "restore",
        "str",
        None,
        "start a new state file from FILE, a backup ('pytest-mturk backup', or a plain "
        "GET /_mturk/snapshot), with the hosted side-state it holds; refused if the "
        "state file exists",
        "FILE",
    ),
    Option(
        "log-format",
        "str",
        "json",
        "requests logged on standard error: json (one object a line; default), text, or none",
        choices=("json", "text", "none"),
    ),
    Option("threads", "int", 8, "requests answered at once (default 8)", "N"),
    Option("connection-limit", "int", 1000, "open connections at most (default 1000)", "N"),
    Option(
        "timeout",
        "int",
        30,
        "close a connection idle this long, or still sending a request this long after "
        "it began (default 30)",
        "SECONDS",
    ),
)
_BY_DEST = {option.dest: option for option in OPTIONS}
_REQUIRED = ("state", "credentials")


def register(commands: Any) -> None:
    """Add ``host`` to the ``pytest-mturk`` command's subcommands."""
    host = commands.add_parser(
        "host",
        help="host a study: the server's hosted profile (signatures verified, state kept, "
        "the wall clock, no simulation controls)",
        description="Host a study with unchanged MTurk code: the sandbox world at the "
        "public URL's root, production at /production/. Options may also be given in a "
        "TOML file (--config); the command line wins.",
    )
    host.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML file of options, named as on the command line without '--' "
        '(public-url = "https://study.example.org")',
    )
    for option in OPTIONS:
        flag = f"--{option.name}"
        # No defaults here: an option not given on the command line may come from the
        # file, and only then from its default (:func:`resolve`).
        if option.kind == "list":
            host.add_argument(
                flag, action="append", dest=option.dest, metavar=option.metavar, help=option.help
            )
        elif option.kind == "bool":
            host.add_argument(flag, action="store_true", default=None, help=option.help)
        else:
            host.add_argument(
                flag,
                type=int if option.kind == "int" else str,
                dest=option.dest,
                metavar=option.metavar,
                choices=option.choices,
                help=option.help,
            )
    host.set_defaults(run=run)


def _read_toml(path: str) -> dict[str, Any]:
    # tomllib from Python 3.11; the server extra installs tomli on 3.10.
    toml: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        with open(path, "rb") as file:
            found: dict[str, Any] = toml.load(file)
    except OSError as exc:
        raise UsageError(f"Cannot read the configuration file {path}: {exc.strerror}.") from None
    except toml.TOMLDecodeError as exc:
        raise UsageError(f"The configuration file {path} is not TOML: {exc}.") from None
    return found


def _checked(path: str, key: str, value: Any) -> Any:
    """A value of the file, as the option ``key`` takes it, or a UsageError."""
    option = _BY_DEST.get(key.replace("-", "_")) if "_" not in key else None
    if option is None:
        known = ", ".join(o.name for o in OPTIONS)
        raise UsageError(
            f"The configuration file {path} has an unknown key {key!r}; the keys are the "
            f"options of 'pytest-mturk host': {known}."
        )
    kind = option.kind
    good = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list) and all(isinstance(item, str) for item in value),
        "seed": isinstance(value, (int, str)) and not isinstance(value, bool),
    }[kind]
    words = {
        "str": "text",
        "int": "a whole number",
        "bool": "true or false",
        "list": "a list of text",
        "seed": "a whole number or text",
    }
    if not good:
        raise UsageError(f"In {path}, {key} takes {words[kind]}, not {value!r}.")
    if option.choices is not None and value not in option.choices:
        raise UsageError(
            f"In {path}, {key} takes one of {', '.join(option.choices)}, not {value!r}."
        )
    return value


def resolve(options: argparse.Namespace) -> argparse.Namespace:
    """The options in force: the command line's, else the configuration file's, else the
    defaults; a UsageError for a file that cannot be read, a key that is no option, a
    value of the wrong kind, or a required option given nowhere."""
    given = _read_toml(options.config) if options.config else {}
    from_file = {
        key.replace("-", "_"): _checked(options.config, key, value) for key, value in given.items()
    }
    resolved = argparse.Namespace(**vars(options))
    for option in OPTIONS:
        value = getattr(options, option.dest, None)
        if value is None:
            value = from_file.get(option.dest)
        if value is None:
            value = list(option.default) if option.kind == "list" else option.default
        setattr(resolved, option.dest, value)
    if resolved.control_token is None:
        resolved.control_token = os.environ.get(TOKEN_VARIABLE) or None
    for name in _REQUIRED:
        if not getattr(resolved, name):
            raise UsageError(
                f"pytest-mturk host needs --{name} (or {name} in the configuration file)."
            )
    for name in ("port", "content-port"):
        port = getattr(resolved, name.replace("-", "_"))
        if not 0 <= port <= 65535:
            raise UsageError(f"--{name} must be from 0 to 65535 (0: a free port), not {port}.")
    for name in ("threads", "connection-limit", "timeout"):
        value = getattr(resolved, name.replace("-", "_"))
        if value < 1:
            raise UsageError(f"--{name} must be 1 or more, not {value}.")
    if resolved.trusted_proxy is not None:
        try:
            ipaddress.ip_address(resolved.trusted_proxy)
        except ValueError:
            raise UsageError(
                f"--trusted-proxy takes the proxy's IP address, not {resolved.trusted_proxy!r}."
            ) from None
    return resolved


def _origin(option: str, url: str) -> str:
    """``url``'s origin (``scheme://host[:port]``); a UsageError unless it is an http(s)
    address with nothing after its host but ``/``."""
    parts = urlsplit(url.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise UsageError(
            f"{option} takes an address such as https://study.example.org (no path), not {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _content_origin(public: str) -> str:
    parts = urlsplit(public)
    return f"{parts.scheme}://content.{parts.netloc}"


def _install_hosting(backend: Any, public_url: str | None, state: str) -> None:
    """Participant links and the requester's pages (``docs/hosted.md``), made from
    ``public_url``, with their side-state beside the state file."""
    from ..doors.requester import hosting

    path = side_state(state)
    installed = hosting.install(backend, hosting.Hosting(public_url=public_url, path=path))
    # The worker pages' key from the stored secret, not a fresh one: a restart (even
    # after SIGKILL) keeps participants signed in mid-task.
    backend.page_secret = installed.key(hosting.WORKER_PAGES)


def _catch_up(backend: Any) -> None:
    """The study's clock to the wall clock: the time the server was down has passed
    for its HITs and assignments too (a move of the clock, journaled)."""
    from ..core.clock import wall_time

    behind = wall_time() - backend.service.now()
    if behind.total_seconds() > 0:
        backend.advance(behind)


def run(options: argparse.Namespace) -> int:
    """``pytest-mturk host``: serve until SIGTERM or Ctrl-C."""
    from ..doors.pages.guard import serve_origins
    from .settings import resolve as check_settings
    from .threaded import serve_until_stopped, server_door

    options = resolve(options)
    door = server_door()
    public = _origin("--public-url", options.public_url) if options.public_url else None
    content = _origin("--content-url", options.content_url) if options.content_url else None
    if content is None and public is not None:
        content = _content_origin(public)
    if content is not None and content == public:
        raise UsageError("--content-url must be another origin than --public-url.")
    named = [urlsplit(url).netloc for url in (public, content) if url is not None]
    access = door.Access(
        bound=options.host,
        public_hosts=door.gate.hosts([*named, *options.public_host]),
        strict_hosts=True,  # its public names, and itself from the machine, only
    )
    access.credentials = door.read_credentials(options.credentials)
    if options.control_token is not None:
        if not options.control_token.strip():
            raise UsageError("--control-token may not be empty.")
        access.control_token = options.control_token
    settings: dict[str, Any] = {}
    if options.seed is not None:
        seed = options.seed
        settings["seed"] = (
            int(seed) if isinstance(seed, str) and seed.lstrip("-").isdigit() else seed
        )
    if options.balance is not None:
        settings["balance"] = options.balance
    check_settings(settings)  # type: ignore[arg-type]  # the simulator's own checks, now
    restoring = restore.restoring(options.state, options.restore)
    frame_origins = {}
    for mapping in options.frame_origin:
        public_origin, equals, local = mapping.partition("=")
        if not equals or not public_origin or not local:
            raise UsageError(f"--frame-origin takes PUBLIC=LOCAL, not {mapping!r}.")
        frame_origins[public_origin] = local
    backend = restore.open_restored(options.state, settings, options.restore, restoring)
    try:
        backend.access = access
        backend.hosted = True
        backend.frame_origins.update(frame_origins)
        _catch_up(backend)
        _install_hosting(backend, public, options.state)
        server = door.RunningServer(
            door.make_app(backend),
            options.host,
            options.port,
            content_port=options.content_port,
            content_host=options.content_host,
            log_requests=options.log_format != "none",
            log_format="text" if options.log_format == "none" else options.log_format,
            trusted_proxy=options.trusted_proxy,
            threads=options.threads,
            connection_limit=options.connection_limit,
            timeout=options.timeout,
        )
        serve_origins(
            backend, server.url, server.content_url, site_origin=public, content_origin=content
        )
    except BaseException:
        backend.close()
        raise
    address = public or server.url.rstrip("/")
    token = (
        f"{access.control_token}  (send it as 'Authorization: Bearer <token>')"
        if options.control_token is None
        else f"as given (--control-token or ${TOKEN_VARIABLE})"
    )
    print(
        f"pytest-mturk {__version__} hosting on {server.url}\n"
        f"  public:     {address}/  (AWS_ENDPOINT_URL_MTURK for the sandbox world)\n"
        f"  production: {address}/production/\n"
        f"  code naming MTurk's endpoints: pytest-mturk run --server {address} -- COMMAND\n"
        f"  content:    {backend.content_origin}/\n"
        f"  state:      {options.state}\n"
        f"  signatures: verified with the {len(access.credentials)} key(s) of "
        f"{options.credentials}\n"
        f"  control token: {token}\n"
        f"  proxy:      {options.trusted_proxy or 'none trusted'}",
        flush=True,
    )
    return serve_until_stopped(server, backend)
