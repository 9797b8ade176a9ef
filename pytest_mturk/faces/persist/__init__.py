"""Saving a simulator's whole state as versioned JSON, and starting one from it.

:func:`save` writes everything a service knows (``docs/saving.md`` describes the
file); :func:`load` builds a new service from a file, aside, and hands it over
only once all of it was read, so a bad file leaves nothing half-loaded. Loading
never runs code: records are built through their constructors from checked
values, and scheduled transitions are found by name among the registered actions.

``schema`` (records and errors), ``untyped``, ``writer`` and ``reader`` are the
generic part; ``format`` says what of a service is saved; ``save`` and ``load``
put them together.
"""

from __future__ import annotations

from .load import Loaded, load
from .save import document, save

__all__ = ["Loaded", "document", "load", "save"]
