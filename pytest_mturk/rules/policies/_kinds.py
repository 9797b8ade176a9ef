"""The registry of review policies: each kind, its parameters, and when it runs.

A kind is registered under its ``PolicyName`` with the level it serves
(``AssignmentReviewPolicy`` or ``HITReviewPolicy``), its parameters' rules, and
its hooks. CreateHIT checks a HIT's policies here (:func:`validate_policies`);
the service runs them through :func:`on_submit` and :func:`on_reviewable`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ...core import catalogue
from ...core.model import HIT, Assignment, State
from ...core.validation import max_length, range_error

if TYPE_CHECKING:
    from ...core.service import Service

MAX_SECONDS = 31_536_000


class Param(NamedTuple):
    """One parameter's rule: ``kind`` is "int", "bool", "text", "list" or "map";
    ``low``/``high`` bound an "int"."""

    kind: str
    low: int = 0
    high: int = 0


@dataclass(frozen=True)
class Policy:
    """A validated review policy: its name and typed parameters."""

    name: str
    params: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


SubmitHook = Callable[["Service", State, HIT, Assignment, _dt.datetime, Policy], None]
ReviewableHook = Callable[["Service", State, HIT, _dt.datetime, Policy], None]


@dataclass(frozen=True)
class PolicyKind:
    """A review policy the service knows: everything about it but its own code's body.

    ``together`` names parameters that need others with them; the hooks run
    on each submission to the HIT and each time it becomes Reviewable.
    """

    name: str
    level: str  # "Assignment" or "HIT"
    parameters: Mapping[str, Param]
    required: tuple[str, ...] = ()
    together: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    on_submit: SubmitHook | None = None
    on_reviewable: ReviewableHook | None = None


@dataclass(frozen=True)
class _Level:
    member: str  # the CreateHIT member
    name: str  # "Assignment" or "HIT"
    of: Callable[[HIT], dict[str, Any] | None]


# The assignment level first: the HIT level may disregard what it scored.
LEVELS = (
    _Level("AssignmentReviewPolicy", "Assignment", lambda hit: hit.assignment_review_policy),
    _Level("HITReviewPolicy", "HIT", lambda hit: hit.hit_review_policy),
)
KINDS: dict[str, PolicyKind] = {}


def register(kind: PolicyKind) -> PolicyKind:
    """Make ``kind`` known to CreateHIT and the service (by its PolicyName)."""
    if kind.level not in {level.name for level in LEVELS}:
        raise ValueError(f"A review policy's level is Assignment or HIT, not {kind.level!r}.")
    KINDS[kind.name] = kind
    return kind


# -- parameters ----------------------------------------------------------------------


def _scalar(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise catalogue.POLICY_ONE_VALUE(name=name, count=len(values))
    return values[0]


def _typed(name: str, rule: Param, parameter: dict[str, Any]) -> Any:
    kind, low, high = rule
    values = [str(value) for value in parameter.get("Values") or []]
    if kind == "map":
        entries = parameter.get("MapEntries") or []
        if not entries:
            raise catalogue.POLICY_MAP_ENTRIES(name=name)
        key: dict[str, list[str]] = {}
        for entry in entries:
            question = entry.get("Key")
            if not question:
                raise catalogue.INVALID_VALUE(name=f"{name}.Key", value=question or "")
            key[str(question)] = [str(value) for value in entry.get("Values") or []]
        return key
    if kind == "list":
        ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
        if not ids:
            raise catalogue.POLICY_SOME_VALUE(name=name)
        return list(dict.fromkeys(ids))
    value = _scalar(name, values)
    if kind == "text":
        max_length(name, value, 1024)
        return value
    if kind == "bool":
        if value.strip().lower() not in ("true", "false"):
            raise catalogue.INVALID_VALUE(name=name, value=value)
        return value.strip().lower() == "true"
    text = value.strip()
    if not text.lstrip("-").isdigit():
        raise catalogue.INVALID_VALUE(name=name, value=value)
    if not low <= int(text) <= high:
        raise range_error(name, int(text), low, high)
    return int(text)


def parse_policy(raw: dict[str, Any], level: str) -> Policy:
    """Validate one ``AssignmentReviewPolicy``/``HITReviewPolicy`` structure."""
    name = raw.get("PolicyName")
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None or f"{kind.level}ReviewPolicy" != level:
        raise catalogue.INVALID_VALUE(name="PolicyName", value=name)
    params: dict[str, Any] = {}
    for parameter in raw.get("Parameters") or []:
        key = parameter.get("Key")
        rule = kind.parameters.get(key) if isinstance(key, str) else None
        if rule is None:
            raise catalogue.POLICY_PARAMETER_UNKNOWN(key=key, policy=name)
        if key in params:
            raise catalogue.POLICY_PARAMETER_REPEATED(key=key)
        params[key] = _typed(key, rule, parameter)
    for key in kind.required:
        if key not in params:
            raise catalogue.POLICY_PARAMETER_REQUIRED(key=key, policy=name)
    for trigger, needed in kind.together.items():
        if trigger in params:
            for key in needed:
                if key not in params:
                    raise catalogue.POLICY_PARAMETER_REQUIRED_WITH(key=key, trigger=trigger)
    return Policy(kind.name, params)


def validate_policies(p: dict[str, Any]) -> None:
    """Check CreateHIT's review policies (raises the service's error; changes nothing)."""
    for level in LEVELS:
        raw = p.get(level.member)
        if raw is not None:
            parse_policy(raw, level.member)


# -- running them --------------------------------------------------------------------


def on_submit(
    svc: Service, state: State, hit: HIT, assignment: Assignment, now: _dt.datetime
) -> None:
    """Run the HIT's policies that act on each submission."""
    if hit.assignment_review_policy is None and hit.hit_review_policy is None:
        return  # the usual case, at once
    for level in LEVELS:
        raw = level.of(hit)
        if raw is not None:
            kind = KINDS[raw["PolicyName"]]
            if kind.on_submit is not None:
                kind.on_submit(svc, state, hit, assignment, now, parse_policy(raw, level.member))


def on_reviewable(svc: Service, state: State, hit: HIT, now: _dt.datetime) -> None:
    """Run the HIT's policies that act when it becomes Reviewable, assignment level first."""
    for level in LEVELS:
        raw = level.of(hit)
        if raw is not None:
            kind = KINDS[raw["PolicyName"]]
            if kind.on_reviewable is not None:
                kind.on_reviewable(svc, state, hit, now, parse_policy(raw, level.member))
