"""Review policies (spec §10): a registry of the kinds the service knows.

Each public module of this package is one policy kind: its parameters and
what it does, registered with :func:`register` (see ``known_answers.py`` and
``plurality.py``). The package imports them all, so a new policy is one new
module here. CreateHIT checks a HIT's policies with :func:`validate_policies`;
the service runs them through :func:`on_submit` and :func:`on_reviewable`;
what they compute and do is kept in each HIT's :class:`HITReview` (``_records.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

from ._kinds import (
    KINDS,
    LEVELS,
    Param,
    Policy,
    PolicyKind,
    on_reviewable,
    on_submit,
    parse_policy,
    register,
    validate_policies,
)
from ._records import Action, Entry, HITReview, Result, review_of

__all__ = [
    "KINDS",
    "LEVELS",
    "Action",
    "Entry",
    "HITReview",
    "Param",
    "Policy",
    "PolicyKind",
    "Result",
    "on_reviewable",
    "on_submit",
    "parse_policy",
    "register",
    "review_of",
    "validate_policies",
]

# Sorted, so the registry's order never depends on the file system's.
for _module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
    if not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")
