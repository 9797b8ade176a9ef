"""The active simulators: a process-wide stack, shared by every door.

A stack, not a contextvar, so that threads started by the code under test see
the simulators too. Nothing here imports anything heavy: the trampolines of
:mod:`pytest_mturk.doors.botocore.bootstrap` read it on every botocore call.
"""

from __future__ import annotations

import threading
from typing import Any

# The active simulators' services, innermost last.
active: list[Any] = []
# Beside each active service, the public object that started it (a Simulator), or None:
# what pytest_mturk.current() answers. The service itself knows nothing of it.
owners: list[Any] = []
active_lock = threading.Lock()
# The thread that started the active simulators (None while none is active).
thread: threading.Thread | None = None
# The base URLs of HTTP servers running in this process (pytest_mturk.doors.http): a
# client pointed at one is answered over HTTP, by the server, not in process.
served: list[str] = []
