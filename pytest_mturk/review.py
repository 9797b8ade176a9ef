"""Review policies (spec §10): ScoreMyKnownAnswers and SimplePlurality, both 2011-09-01.

Here: their parameters, validated at CreateHIT (:func:`validate_policies`),
and the record of what they computed and did, kept per HIT for
ListReviewPolicyResultsForHIT. :mod:`.policies` runs them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Union

from . import errors
from .containers import JDict, JList, JSet
from .journal import journaled
from .model import State
from .validation import max_length, range_error

KNOWN_ANSWERS = "ScoreMyKnownAnswers/2011-09-01"
PLURALITY = "SimplePlurality/2011-09-01"
MAX_SECONDS = 31_536_000

# Parameter -> (kind, low, high): "int", "bool", "text", "list" or "map".
_Rule = tuple[str, int, int]
_RULES: dict[str, dict[str, _Rule]] = {
    KNOWN_ANSWERS: {
        "AnswerKey": ("map", 0, 0),
        "ApproveIfKnownAnswerScoreIsAtLeast": ("int", 0, 101),
        "ApproveReason": ("text", 0, 0),
        "RejectIfKnownAnswerScoreIsLessThan": ("int", 0, 101),
        "RejectReason": ("text", 0, 0),
        "ExtendIfKnownAnswerScoreIsLessThan": ("int", 0, 101),
        "ExtendMaximumAssignments": ("int", 2, 25),
        "ExtendMinimumTimeInSeconds": ("int", 60, MAX_SECONDS),
    },
    PLURALITY: {
        "QuestionIds": ("list", 0, 0),
        "QuestionAgreementThreshold": ("int", 0, 100),
        "DisregardAssignmentIfRejected": ("bool", 0, 0),
        "DisregardAssignmentIfKnownAnswerScoreIsLessThan": ("int", 0, 101),
        "ExtendIfHITAgreementScoreIsLessThan": ("int", 1, 100),
        "ExtendMaximumAssignments": ("int", 2, 25),
        "ExtendMinimumTimeInSeconds": ("int", 60, MAX_SECONDS),
        "ApproveIfWorkerAgreementScoreIsAtLeast": ("int", 0, 101),
        "ApproveReason": ("text", 0, 0),
        "RejectIfWorkerAgreementScoreIsLessThan": ("int", 0, 101),
        "RejectReason": ("text", 0, 0),
    },
}
_REQUIRED = {
    KNOWN_ANSWERS: ("AnswerKey",),
    PLURALITY: ("QuestionIds", "QuestionAgreementThreshold", "DisregardAssignmentIfRejected"),
}
_LEVEL = {"AssignmentReviewPolicy": KNOWN_ANSWERS, "HITReviewPolicy": PLURALITY}


# -- parameters ----------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A validated review policy: its name and typed parameters."""

    name: str
    params: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


def _scalar(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise errors.parameter_error(
            f"The parameter {name} takes exactly one value ({len(values)} given)."
        )
    return values[0]


def _typed(name: str, rule: _Rule, parameter: dict[str, Any]) -> Any:
    kind, low, high = rule
    values = [str(value) for value in parameter.get("Values") or []]
    if kind == "map":
        entries = parameter.get("MapEntries") or []
        if not entries:
            raise errors.parameter_error(f"The parameter {name} requires MapEntries.")
        key: dict[str, list[str]] = {}
        for entry in entries:
            question = entry.get("Key")
            if not question:
                raise errors.invalid_value(f"{name}.Key", question or "")
            key[str(question)] = [str(value) for value in entry.get("Values") or []]
        return key
    if kind == "list":
        ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
        if not ids:
            raise errors.parameter_error(f"The parameter {name} requires at least one value.")
        return list(dict.fromkeys(ids))
    value = _scalar(name, values)
    if kind == "text":
        max_length(name, value, 1024)
        return value
    if kind == "bool":
        if value.strip().lower() not in ("true", "false"):
            raise errors.invalid_value(name, value)
        return value.strip().lower() == "true"
    text = value.strip()
    if not text.lstrip("-").isdigit():
        raise errors.invalid_value(name, value)
    if not low <= int(text) <= high:
        raise range_error(name, int(text), low, high)
    return int(text)


def parse_policy(raw: dict[str, Any], level: str) -> Policy:
    """Validate one ``AssignmentReviewPolicy``/``HITReviewPolicy`` structure."""
    name = raw.get("PolicyName")
    if name != _LEVEL[level]:
        raise errors.invalid_value("PolicyName", name)
    rules = _RULES[name]
    params: dict[str, Any] = {}
    for parameter in raw.get("Parameters") or []:
        key = parameter.get("Key")
        rule = rules.get(key) if isinstance(key, str) else None
        if rule is None:
            raise errors.parameter_error(f'The parameter "{key}" is not valid for {name}.')
        if key in params:
            raise errors.parameter_error(f"The parameter {key} was given more than once.")
        params[key] = _typed(key, rule, parameter)
    for key in _REQUIRED[name]:
        if key not in params:
            raise errors.parameter_error(f"The parameter {key} is required for {name}.")
    if name == PLURALITY and "ExtendIfHITAgreementScoreIsLessThan" in params:
        for key in ("ExtendMaximumAssignments", "ExtendMinimumTimeInSeconds"):
            if key not in params:
                raise errors.parameter_error(
                    f"The parameter {key} is required with ExtendIfHITAgreementScoreIsLessThan."
                )
    return Policy(name, params)


def validate_policies(p: dict[str, Any]) -> None:
    """Check CreateHIT's review policies (raises the service's error; changes nothing)."""
    for level in _LEVEL:
        raw = p.get(level)
        if raw is not None:
            parse_policy(raw, level)


# -- what the policies computed and did -----------------------------------------------


@dataclass
class Result:
    """One ReviewResultDetail."""

    action_id: str
    subject_id: str
    subject_type: str
    question_id: str | None
    key: str
    value: str


@dataclass
class Action:
    """One ReviewActionDetail."""

    action_id: str
    name: str
    target_id: str
    target_type: str
    status: str
    complete_time: _dt.datetime
    result: str
    error_code: str | None = None


Entry = Union[Result, Action]  # noqa: UP007


@journaled
@dataclass
class HITReview:
    """Everything the policies of one HIT recorded, in the order it happened."""

    entries: list[tuple[str, Entry]] = field(default_factory=JList)  # (level, entry)
    reviewed: set[str] = field(default_factory=JSet)  # assignments scored on known answers
    known_scores: dict[str, int] = field(default_factory=JDict)


def review_of(state: State, hit_id: str) -> HITReview:
    """The record of a HIT's reviews (empty until a policy runs)."""
    review: HITReview | None = state.reviews.get(hit_id)
    if review is None:
        review = state.reviews[hit_id] = HITReview()
    return review
