"""``pytest-mturk serve``: the simulated MTurk as an HTTP server (``docs/server.md``);
``pytest-mturk host``, its hosted profile, is :mod:`.host`'s; ``pytest-mturk run``,
unchanged code sent to a server, :mod:`.run`'s."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..core.errors import UsageError
from . import backup, host
from . import run as run_command
from .server_control import TOKEN_VARIABLE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-mturk", description="A simulated Amazon Mechanical Turk."
    )
    parser.add_argument("--version", action="version", version=f"pytest-mturk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the MTurk API over HTTP (JSON 1.1), with a control API",
        description="Serve the simulated MTurk API over HTTP. The sandbox is at the "
        "server's root URL, production at /production/, the control API under /_mturk/.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: a free one)")
    serve.add_argument("--seed", help="seed of IDs and results (default 0)")
    serve.add_argument("--balance", help="production's starting balance, e.g. 500.00")
    serve.add_argument("--start", help="simulated start time, ISO 8601 (default: now)")
    serve.add_argument(
        "--access-key",
        action="append",
        dest="access_keys",
        metavar="KEY",
        help="an access key ID that exists (repeat for more; default: any well-formed key)",
    )
    serve.add_argument(
        "--strict-workers",
        action="store_true",
        help="only workers made through the control API exist",
    )
    serve.add_argument(
        "--clock",
        choices=("frozen", "real"),
        default="frozen",
        help="frozen: virtual time moves only when told (default); real: it follows the wall clock",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        help="keep the simulation in FILE (and FILE.journal): every acknowledged change "
        "survives a crash, and a restart carries on from it",
    )
    serve.add_argument("--load", metavar="FILE", help="start from a state saved by sim.save()")
    serve.add_argument(
        "--keep-calls",
        type=int,
        default=10_000,
        metavar="N",
        help="the call log (and the event log) keeps the latest N entries at least, and "
        "at most 2N (default 10000; 0: every one, as the log and snapshots then grow "
        "without bound)",
    )
    serve.add_argument(
        "--frame-origin",
        action="append",
        dest="frame_origins",
        default=[],
        metavar="PUBLIC=LOCAL",
        help="the worker pages frame ExternalQuestion pages at the HTTPS origin PUBLIC from "
        "LOCAL, e.g. https://exp.example=http://127.0.0.1:8000 (repeatable)",
    )
    serve.add_argument(
        "--content-port",
        type=int,
        default=0,
        help="port of the origin HIT content (HTMLQuestion pages) is served from "
        "(default 0: a free one)",
    )
    serve.add_argument(
        "--content-host",
        help="address the content listener binds (default: --host); on 127.0.0.1, browsers "
        "are sent to it as localhost, another site than the worker pages'",
    )
    serve.add_argument(
        "--content-origin",
        metavar="URL",
        help="the content origin as browsers reach it, behind a proxy "
        "(e.g. https://content.example.org)",
    )
    serve.add_argument(
        "--site-origin",
        metavar="URL",
        help="the worker site's origin as browsers reach it, behind a proxy "
        "(e.g. https://mturk.example.org; its cookies are then Secure)",
    )
    serve.add_argument("--log-requests", action="store_true", help="log every request")
    serve.add_argument(
        "--threads", type=int, default=8, metavar="N", help="requests answered at once (default 8)"
    )
    serve.add_argument(
        "--connection-limit",
        type=int,
        default=1000,
        metavar="N",
        help="open connections at most; more wait until one closes (default 1000)",
    )
    serve.add_argument(
        "--timeout",
        type=int,
        default=30,
        metavar="SECONDS",
        help="close a connection idle this long, or still sending one request this long "
        "after it began (default 30)",
    )
    _access_arguments(serve)
    host.register(commands)
    backup.register(commands)
    run_command.register(commands)
    return parser


def _access_arguments(serve: argparse.ArgumentParser) -> None:
    """Who may call: signatures, the control token, the server's public host names."""
    serve.add_argument(
        "--credentials",
        metavar="FILE",
        help="verify every service API request's SigV4 signature with the keys of FILE, an "
        "AWS shared-credentials file (default: any well-formed key is accepted, unverified: "
        "for local use only)",
    )
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=os.environ.get(TOKEN_VARIABLE) or None,
        help="the token the control API requires as 'Authorization: Bearer TOKEN' (default: "
        f"${TOKEN_VARIABLE}, else a random one, printed at start)",
    )
    serve.add_argument(
        "--public-host",
        action="append",
        dest="public_hosts",
        default=[],
        metavar="NAME[:PORT]",
        help="a host name the server is reached by, beside its own address and localhost "
        "(behind a proxy, another container's name for it); repeatable",
    )


def _access(door: Any, options: argparse.Namespace) -> Any:
    """The server's ``Access`` from the options; a bad credentials file is a UsageError."""
    access = door.Access(bound=options.host, public_hosts=door.gate.hosts(options.public_hosts))
    if options.credentials is not None:
        access.credentials = door.read_credentials(options.credentials)
    if options.control_token is not None:
        if not options.control_token.strip():
            raise UsageError("--control-token may not be empty.")
        access.control_token = options.control_token
    return access


def _refused(options: argparse.Namespace) -> None:
    """Refuse at start, in one line (a UsageError), what would otherwise fail later:
    the listening options, and the simulator's settings by the simulator's own checks."""
    from .settings import resolve

    if not 0 <= options.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535 (0: a free port), not {options.port}.")
    if not 0 <= options.content_port <= 65535:
        raise UsageError(
            f"--content-port must be from 0 to 65535 (0: a free port), not {options.content_port}."
        )
    for name, value in (
        ("--threads", options.threads),
        ("--connection-limit", options.connection_limit),
        ("--timeout", options.timeout),
    ):
        if value < 1:
            raise UsageError(f"{name} must be 1 or more, not {value}.")
    resolve(_settings(options))  # type: ignore[arg-type]


def _settings(options: argparse.Namespace) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if options.seed is not None:
        settings["seed"] = int(options.seed) if options.seed.lstrip("-").isdigit() else options.seed
    if options.balance is not None:
        settings["balance"] = options.balance
    if options.start is not None:
        settings["start"] = options.start
    if options.access_keys:
        settings["access_keys"] = options.access_keys
    if options.strict_workers:
        settings["strict_workers"] = True
    if options.keep_calls < 0:
        raise UsageError(
            f"--keep-calls takes a number of calls, 0 or more, not {options.keep_calls}."
        )
    if options.keep_calls:
        settings["keep_calls"] = options.keep_calls
    return settings


def _shown(options: argparse.Namespace, access: Any) -> str:
    # As Jupyter does, a generated token is printed, for the one who started the server;
    # one the user chose is theirs already and stays out of logs.
    if options.control_token is None:
        return f"{access.control_token}  (send it as 'Authorization: Bearer <token>')"
    return f"as given (--control-token or ${TOKEN_VARIABLE})"


def _signatures(options: argparse.Namespace, access: Any) -> str:
    if access.credentials is None:
        return "not verified (any well-formed access key; for local use only)"
    return f"verified with the {len(access.credentials)} key(s) of {options.credentials}"


def serve(options: argparse.Namespace) -> int:
    from .simulator import Simulator
    from .threaded import ServedSimulator, open_state, serve_until_stopped, server_door

    _refused(options)
    door = server_door()  # without the server extra, the UsageError main() prints

    access = _access(door, options)  # before anything is opened: a bad file stops here
    settings = _settings(options)
    if options.state is not None:
        backend = open_state(options.state, settings, load=options.load, clock=options.clock)
    else:
        simulator = Simulator(**settings, **({"load": options.load} if options.load else {}))
        backend = ServedSimulator(simulator, settings).serve(clock=options.clock)
    for mapping in options.frame_origins:
        public, equals, local = mapping.partition("=")
        if not equals or not public or not local:
            raise UsageError(f"--frame-origin takes PUBLIC=LOCAL, not {mapping!r}.")
        backend.frame_origins[public] = local
    backend.access = access
    server = door.RunningServer(
        door.make_app(backend),
        options.host,
        options.port,
        content_port=options.content_port,
        content_host=options.content_host,
        log_requests=options.log_requests,
        threads=options.threads,
        connection_limit=options.connection_limit,
        timeout=options.timeout,
    )
    from ..doors.pages.guard import serve_origins

    serve_origins(
        backend,
        server.url,
        server.content_url,
        site_origin=options.site_origin,
        content_origin=options.content_origin,
    )
    print(
        f"pytest-mturk {__version__} serving on {server.url}\n"
        f"  sandbox:    {server.endpoint_url}\n"
        f"  production: {server.production_endpoint_url}\n"
        f"  control:    {server.url}_mturk/\n"
        f"  content:    {backend.content_origin}/\n"
        f"  control token: {_shown(options, access)}\n"
        f"  signatures: {_signatures(options, access)}",
        flush=True,
    )

    return serve_until_stopped(server, backend)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``pytest-mturk`` command."""
    options = _parser().parse_args(argv)
    try:
        run = getattr(options, "run", serve)  # a subcommand's own, or serve
        return int(run(options))
    except UsageError as exc:
        print(f"pytest-mturk: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"pytest-mturk: cannot serve: {exc}", file=sys.stderr)
        return 2
