"""What the review policies computed and did, kept per HIT for ListReviewPolicyResultsForHIT.

The policies themselves, their parameters and their hooks, are registered in this
package (:mod:`pytest_mturk.rules.policies`), which exports these records too.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Union

from ...core.containers import JDict, JList, JSet
from ...core.journal import journaled
from ...core.model import State

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
