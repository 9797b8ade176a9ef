"""A check, for the whole test run, that HITs and assignments are kept before a change.

They are journaled by ``keep(record)`` rather than on every write (see
``pytest_mturk.core.journal.kept``); a change made without a keep in the same
transaction or savepoint would survive an undo. While this check is installed, such
a change raises (inside a call: a ServiceFault, and the test fails when its
simulator stops).
"""

from __future__ import annotations

from typing import Any

from pytest_mturk.core import journal
from pytest_mturk.core.model import HIT, Assignment

CHECKED = (HIT, Assignment)


class NotKept(AssertionError):
    """A kept record was changed in a transaction without being kept first."""


def _checked_setattr(record: Any, name: str, value: Any) -> None:
    log = journal.current.log
    # Its constructor sets each field once; a cached wire form is rebuilt, not undone.
    if log is not None and name != "cache" and hasattr(record, name):
        mark = journal.current.mark
        if not any(
            entry[0] is journal._restore_fields and entry[1] is record for entry in log[mark:]
        ):
            raise NotKept(
                f"{type(record).__name__}.{name} changed without keep() in this "
                "transaction or savepoint: an undo would leave the change behind."
            )
    object.__setattr__(record, name, value)


def install() -> None:
    for cls in CHECKED:
        cls.__setattr__ = _checked_setattr  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    for cls in CHECKED:
        del cls.__setattr__
