"""The HTTP door: the simulated service over HTTP, for every language and process.

Needs the ``server`` extra (werkzeug); the plain plugin never imports this package.
:func:`make_app` is the WSGI application, answering every request through one route
table (:mod:`.routes`: the service API, the control API and the worker pages);
:class:`RunningServer` serves it. What answers is a :class:`Backend`: the service a
face handed down, and the :class:`Face` it asks the rest of (``pytest-mturk serve``
and ``ThreadedServer`` build one; ``docs/server.md``). With ``--state`` the backend
keeps its actions in a :class:`StateFile`. Its :class:`Access` says who may call: the
control API's token, the server's own host names, and the secret keys that service API
signatures are verified with (:func:`read_credentials` reads them from a file).
"""

from __future__ import annotations

from .areas import CONTROL_PREFIX, PRODUCTION_PATH
from .backend import CLOCK_MODES, Backend
from .control import ControlError
from .face import Face
from .gate import Access
from .running import RunningServer
from .signatures import read_credentials
from .state_file import StateFile
from .wsgi import make_app

__all__ = [
    "CLOCK_MODES",
    "CONTROL_PREFIX",
    "PRODUCTION_PATH",
    "Access",
    "Backend",
    "ControlError",
    "Face",
    "RunningServer",
    "StateFile",
    "make_app",
    "read_credentials",
]
