"""Send botocore's MTurk clients to a pytest-mturk server, in a program left unchanged.

``pytest-mturk run`` puts this file's folder first on ``PYTHONPATH`` and the server's URL
in ``PYTEST_MTURK_SERVER``; Python then runs this file at start as its ``sitecustomize``
(``docs/after-mturk.md``). A client that names MTurk's sandbox endpoint is sent to the
server's root URL, one that names production's to ``<server>/production/``, and one
that names no endpoint to production (MTurk's default; the ``sandbox`` region to the
sandbox). Any other endpoint, ``AWS_ENDPOINT_URL_MTURK``'s included, is left alone.

The change is made where botocore resolves a call's endpoint (its
``before-endpoint-resolution.mturk`` event), before the request is built and signed, so
the signature names the server's host; an older botocore without endpoint rules has its
request's URL switched at ``before-sign.mturk`` instead. The handlers are registered on
every botocore session as it is made.

This file stands alone: the program's environment need not have pytest-mturk installed.
It imports the standard library only, and botocore never: it waits for the program to
import botocore, so a program that never does pays nothing. Another ``sitecustomize``
further along ``sys.path`` (a distribution's, a virtualenv's) still runs, after this one.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "PRODUCTION",
    "SANDBOX",
    "VARIABLE",
    "redirected",
    "rewritten",
    "server_urls",
    "world",
]

VARIABLE = "PYTEST_MTURK_SERVER"
SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com"
_WORLDS = {urlsplit(SANDBOX).hostname: "sandbox", urlsplit(PRODUCTION).hostname: "production"}
_RESOLUTION = "before-endpoint-resolution.mturk"
_SIGN = "before-sign.mturk"
_HANDLER_ID = "pytest-mturk-redirect"


def server_urls(server: str) -> tuple[str, str] | None:
    """The server's two endpoint URLs, ``(sandbox, production)``, from its address (an
    http(s) URL, with a path when a proxy serves it under one); ``None`` if ``server``
    is no such address."""
    try:
        parts = urlsplit(server.strip())
        parts.port  # noqa: B018  (a port that is no number raises here)
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    root = f"{parts.scheme.lower()}://{parts.netloc}{path}"
    return root, root + "production/"


def world(endpoint: str) -> str | None:
    """``"sandbox"`` or ``"production"`` for an endpoint URL that names MTurk's own (in
    any spelling botocore would send to the same host), ``None`` for any other."""
    try:
        parts = urlsplit(endpoint.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or parts.username is not None:
        return None
    if port is not None and port != (443 if scheme == "https" else 80):
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return _WORLDS.get((parts.hostname or "").rstrip("."))


def redirected(endpoint: str | None, region: str | None, server: str) -> str | None:
    """Where a client with this endpoint (``None``: none named) and region goes when
    the server at ``server`` stands in for MTurk; ``None``: where it would go anyway."""
    urls = server_urls(server)
    if urls is None:
        return None
    sandbox, production = urls
    if endpoint is None:
        return sandbox if region == "sandbox" else production
    found = world(endpoint)
    if found is None:
        return None
    return sandbox if found == "sandbox" else production


def rewritten(url: str, server: str) -> str | None:
    """A request's URL on MTurk's own host, on the server instead (``None``: another
    host's, left alone)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    found = world(f"{parts.scheme}://{parts.netloc}")
    urls = server_urls(server)
    if found is None or urls is None:
        return None
    root = urls[0] if found == "sandbox" else urls[1]
    return root + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")


def _handlers(server: str) -> tuple[Any, Any]:
    def before_endpoint_resolution(builtins: dict[str, Any], **_: Any) -> None:
        target = redirected(builtins.get("SDK::Endpoint"), builtins.get("AWS::Region"), server)
        if target is not None:
            builtins["SDK::Endpoint"] = target
            # MTurk's rules refuse a named endpoint with these on; the server has neither.
            for flag in ("AWS::UseFIPS", "AWS::UseDualStack"):
                if builtins.get(flag):
                    builtins[flag] = False

    def before_sign(request: Any, **_: Any) -> None:
        # An older botocore (psiTurk's pinned 1.12) fixes a client's endpoint when it is
        # made and has no endpoint rules; as its own S3 Accelerate does, the request's
        # host is switched before signing.
        target = rewritten(request.url, server)
        if target is not None:
            request.url = target

    return before_endpoint_resolution, before_sign


def _install(botocore: ModuleType, server: str) -> None:
    """Register the handlers on every botocore session made from now on: by
    ``register_initializer`` where botocore has it (1.31, the oldest the project
    supports, does), else as one of its built-in handlers. Where botocore has both
    events, the first has sent the request to the server, and the second finds nothing
    to do."""
    resolution, sign = _handlers(server)
    pairs = ((_RESOLUTION, resolution), (_SIGN, sign))
    register = getattr(botocore, "register_initializer", None)
    if register is not None:

        def initialize(session: Any) -> None:
            for event, handler in pairs:
                session.register(event, handler, unique_id=f"{_HANDLER_ID}-{event}")

        register(initialize)
    else:
        import importlib

        importlib.import_module("botocore.handlers").BUILTIN_HANDLERS.extend(pairs)


class _Loader(importlib.abc.Loader):
    """botocore's own loader, and the handler installed once botocore has run."""

    def __init__(self, loader: Any, server: str) -> None:
        self._loader = loader
        self._server = server

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        # botocore sees its own loader, as it would without this file.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _install(module, self._server)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when botocore is imported, wraps the loader that the other
    finders give it, and then steps aside."""

    def __init__(self, server: str) -> None:
        self._server = server

    def find_spec(
        self, name: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "botocore":
            return None
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: importlib.machinery.ModuleSpec | None = find(name, path, target)
            if spec is None:
                continue
            if spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return None
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            spec.loader = _Loader(spec.loader, self._server)
            return spec
        return None


def _chain() -> None:
    """Run the ``sitecustomize`` that Python would have run without this one."""
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _start() -> None:
    server = os.environ.get(VARIABLE, "")
    if server_urls(server) is not None:
        botocore = sys.modules.get("botocore")
        if botocore is not None:  # imported already, by a .pth file
            _install(botocore, server)
        else:
            sys.meta_path.insert(0, _Finder(server))
    _chain()


if __name__ == "sitecustomize":
    _start()
