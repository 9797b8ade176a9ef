"""The service's output structures, built in the form botocore's parser gives.

The handlers return what botocore would parse from the real service's JSON:
timestamps as ``datetime`` in botocore's local time zone, amounts as strings,
members left out until they mean something. Building that form directly costs
a fraction of running botocore's parser over JSON; a parity test proves the two
agree (``tests/test_wire_parity.py``).

The HIT and Assignment structures are cached on their records until the record
changes, and shared: the call log keeps them as they were answered, and
:func:`for_caller` gives the caller copies, so nothing a caller does to a
response can reach the simulator.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from botocore.compat import get_tzinfo_options

from . import money
from .model import HIT, Assignment, BonusPayment, QualificationType

_TZ = get_tzinfo_options()[0]()
_local_cache: dict[_dt.datetime, _dt.datetime] = {}


def timestamp(value: _dt.datetime) -> _dt.datetime:
    """``value`` as botocore parses an epoch timestamp: a datetime in ``tzlocal()``."""
    local = _local_cache.get(value)
    if local is None:
        if len(_local_cache) > 200_000:
            _local_cache.clear()
        # The same arithmetic as botocore's parser (fromtimestamp of a float).
        seconds = (value - _EPOCH).total_seconds()
        local = _local_cache[value] = _dt.datetime.fromtimestamp(round(seconds, 3), _TZ)
    return local


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _copy_requirements(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for req in requirements:
        item = dict(req)
        if "IntegerValues" in item:
            item["IntegerValues"] = list(item["IntegerValues"])
        if "LocaleValues" in item:
            item["LocaleValues"] = [dict(loc) for loc in item["LocaleValues"]]
        out.append(item)
    return out


def hit(record: HIT) -> dict[str, Any]:
    """The HIT structure (shared and cached: never mutate it; see :func:`for_caller`)."""
    cached = record.cache
    if cached is None:
        hit_type = record.hit_type
        cached = _HITRecord(
            HITId=record.hit_id,
            HITTypeId=hit_type.hit_type_id,
            HITGroupId=hit_type.hit_group_id,
        )
        if record.hit_layout_id is not None:
            cached["HITLayoutId"] = record.hit_layout_id
        cached["CreationTime"] = timestamp(record.creation_time)
        cached["Title"] = hit_type.title
        cached["Description"] = hit_type.description
        if record.question is not None:
            cached["Question"] = record.question
        if hit_type.keywords is not None:
            cached["Keywords"] = hit_type.keywords
        cached["HITStatus"] = record.status.value
        cached["MaxAssignments"] = record.max_assignments
        cached["Reward"] = money.fmt(hit_type.reward)
        cached["AutoApprovalDelayInSeconds"] = hit_type.auto_approval_delay
        cached["Expiration"] = timestamp(record.expiration)
        cached["AssignmentDurationInSeconds"] = hit_type.assignment_duration
        if record.requester_annotation is not None:
            cached["RequesterAnnotation"] = record.requester_annotation
        cached["QualificationRequirements"] = hit_type.qualification_requirements
        cached["HITReviewStatus"] = record.review_status
        cached["NumberOfAssignmentsPending"] = record.pending
        cached["NumberOfAssignmentsAvailable"] = record.available
        cached["NumberOfAssignmentsCompleted"] = record.completed
        record.cache = cached
    return cached


def assignment(record: Assignment) -> dict[str, Any]:
    """The Assignment structure (shared and cached, like :func:`hit`)."""
    cached = record.cache
    if cached is None:
        cached = _Record(
            AssignmentId=record.assignment_id,
            WorkerId=record.worker_id,
            HITId=record.hit_id,
            AssignmentStatus=record.status.value,
        )
        if record.auto_approval_time is not None:
            cached["AutoApprovalTime"] = timestamp(record.auto_approval_time)
        cached["AcceptTime"] = timestamp(record.accept_time)
        if record.submit_time is not None:
            cached["SubmitTime"] = timestamp(record.submit_time)
        if record.approval_time is not None:
            cached["ApprovalTime"] = timestamp(record.approval_time)
        if record.rejection_time is not None:
            cached["RejectionTime"] = timestamp(record.rejection_time)
        cached["Deadline"] = timestamp(record.deadline)
        cached["Answer"] = record.answer if record.answer is not None else ""
        if record.requester_feedback is not None:
            cached["RequesterFeedback"] = record.requester_feedback
        record.cache = cached
    return cached


class _Record(dict):  # type: ignore[type-arg]
    """A cached structure with no nested containers: a shallow copy is a full copy."""


class _HITRecord(dict):  # type: ignore[type-arg]
    """A cached HIT: its only nested container is QualificationRequirements."""


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is _Record:
        return dict(value)
    if kind is _HITRecord:
        return _copy_hit(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        if value and type(value[0]) is _HITRecord:
            return _copy_hits(value)
        if value and type(value[0]) is _Record:
            return [dict(item) for item in value]
        return [_copy(item) for item in value]
    return value


def _copy_hit(record: dict[str, Any]) -> dict[str, Any]:
    out = record.copy()
    requirements = out["QualificationRequirements"]
    out["QualificationRequirements"] = _copy_requirements(requirements) if requirements else []
    return out


def _copy_hits(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The hot path of every HIT listing, kept to a copy and one store per HIT.
    out: list[dict[str, Any]] = []
    append = out.append
    for record in records:
        copy = record.copy()
        requirements = copy["QualificationRequirements"]
        copy["QualificationRequirements"] = _copy_requirements(requirements) if requirements else []
        append(copy)
    return out


def hits(records: Iterable[HIT]) -> list[dict[str, Any]]:
    """HIT structures for a listing (the cached ones where the records have them)."""
    return [record.cache or hit(record) for record in records]


def for_caller(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of a response body for the caller: every dict and list fresh, leaves shared."""
    return {key: _copy(value) for key, value in body.items()}


def bonus_payment(record: BonusPayment) -> dict[str, Any]:
    return {
        "WorkerId": record.worker_id,
        "BonusAmount": money.fmt(record.amount),
        "AssignmentId": record.assignment_id,
        "Reason": record.reason,
        "GrantTime": timestamp(record.grant_time),
    }


def qualification_type(record: QualificationType) -> dict[str, Any]:
    out: dict[str, Any] = {
        "QualificationTypeId": record.qualification_type_id,
        "CreationTime": timestamp(record.creation_time),
        "Name": record.name,
        "Description": record.description,
    }
    if record.keywords is not None:
        out["Keywords"] = record.keywords
    out["QualificationTypeStatus"] = record.status.value
    if record.test is not None:
        out["Test"] = record.test
        out["TestDurationInSeconds"] = record.test_duration
    if record.answer_key is not None:
        out["AnswerKey"] = record.answer_key
    if record.retry_delay is not None:
        out["RetryDelayInSeconds"] = record.retry_delay
    out["IsRequestable"] = record.is_requestable
    out["AutoGranted"] = record.auto_granted
    if record.auto_granted_value is not None:
        out["AutoGrantedValue"] = record.auto_granted_value
    return out
