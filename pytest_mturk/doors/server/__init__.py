"""The HTTP door: the simulated service over HTTP, for every language and process.

Needs the ``server`` extra (werkzeug); the plain plugin never imports this package.
:func:`make_app` is the WSGI application, :class:`RunningServer` serves it;
``pytest_mturk.faces.serving`` is what answers it, and ``pytest-mturk serve`` the
command that starts it (``docs/server.md``).
"""

from __future__ import annotations

from .running import RunningServer
from .wsgi import CONTROL_PREFIX, PRODUCTION_PATH, Backend, ControlError, make_app

__all__ = [
    "CONTROL_PREFIX",
    "PRODUCTION_PATH",
    "Backend",
    "ControlError",
    "RunningServer",
    "make_app",
]
