"""The service's output structures, built in the form botocore's parser gives.

The handlers return what botocore would parse from the real service's JSON:
timestamps as ``datetime`` in botocore's local time zone, amounts as strings,
members left out until they mean something. Building that form directly costs
a fraction of running botocore's parser over JSON; a parity test proves the two
agree (``tests/test_wire_parity.py``).

The HIT and Assignment structures are cached on their records until the record
changes, and shared: the call log keeps them as they were answered, and a
:func:`copier` compiled from the operation's output shape gives the caller
copies, so nothing a caller does to a response can reach the simulator.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.compat import get_tzinfo_options

from ..core import money
from ..core.clock import EPOCH
from ..core.model import (
    HIT,
    Assignment,
    AssignmentStatus,
    BonusPayment,
    HITStatus,
    HITType,
    QualificationType,
)

_TZ = get_tzinfo_options()[0]()
_local_cache: dict[_dt.datetime, _dt.datetime] = {}
# Status names by member: a dict look-up, where ``member.value`` runs enum's Python code.
_STATUS: dict[HITStatus | AssignmentStatus, str] = {
    member: member.value for kind in (HITStatus, AssignmentStatus) for member in kind
}


def timestamp(value: _dt.datetime) -> _dt.datetime:
    """``value`` as botocore parses an epoch timestamp: a datetime in ``tzlocal()``."""
    local = _local_cache.get(value)
    if local is None:
        if len(_local_cache) > 200_000:
            _local_cache.clear()
        # The same arithmetic as botocore's parser (fromtimestamp of a float).
        seconds = (value - EPOCH).total_seconds()
        local = _local_cache[value] = _dt.datetime.fromtimestamp(round(seconds, 3), _TZ)
    return local


def hit(record: HIT) -> dict[str, Any]:
    """The HIT structure (shared and cached: never mutate it; see :func:`copier`)."""
    cached = record.cache
    if cached is None:
        layout_id = record.hit_layout_id
        question = record.question
        annotation = record.requester_annotation
        variant = (
            (layout_id is not None) | (question is not None) << 1 | (annotation is not None) << 2
        )
        template = record.hit_type.templates.get(variant)
        if template is None:
            template = _template(record.hit_type, variant)
        # The template has every member in the model's order; fill in the HIT's own.
        cached = template.copy()
        cached["HITId"] = record.hit_id
        if layout_id is not None:
            cached["HITLayoutId"] = layout_id
        creation, expiration = record.creation_time, record.expiration
        cached["CreationTime"] = _local_cache.get(creation) or timestamp(creation)
        if question is not None:
            cached["Question"] = question
        cached["HITStatus"] = _STATUS[record.status]
        cached["MaxAssignments"] = record.max_assignments
        cached["Expiration"] = _local_cache.get(expiration) or timestamp(expiration)
        if annotation is not None:
            cached["RequesterAnnotation"] = annotation
        cached["HITReviewStatus"] = record.review_status
        cached["NumberOfAssignmentsPending"] = record.pending
        cached["NumberOfAssignmentsAvailable"] = record.available
        cached["NumberOfAssignmentsCompleted"] = record.completed
        record.cache = cached
    return cached


def _template(hit_type: HITType, variant: int) -> dict[str, Any]:
    """The HIT structure with the type's members set and the HIT's left ``None``;
    ``variant`` says which optional members of the HIT's own are present (bit 0
    HITLayoutId, 1 Question, 2 RequesterAnnotation)."""
    template: dict[str, Any] = {
        "HITId": None,
        "HITTypeId": hit_type.hit_type_id,
        "HITGroupId": hit_type.hit_group_id,
    }
    if variant & 1:
        template["HITLayoutId"] = None
    template["CreationTime"] = None
    template["Title"] = hit_type.title
    template["Description"] = hit_type.description
    if variant & 2:
        template["Question"] = None
    if hit_type.keywords is not None:
        template["Keywords"] = hit_type.keywords
    template["HITStatus"] = None
    template["MaxAssignments"] = None
    template["Reward"] = money.fmt(hit_type.reward)
    template["AutoApprovalDelayInSeconds"] = hit_type.auto_approval_delay
    template["Expiration"] = None
    template["AssignmentDurationInSeconds"] = hit_type.assignment_duration
    if variant & 4:
        template["RequesterAnnotation"] = None
    template["QualificationRequirements"] = hit_type.qualification_requirements
    template["HITReviewStatus"] = None
    template["NumberOfAssignmentsPending"] = None
    template["NumberOfAssignmentsAvailable"] = None
    template["NumberOfAssignmentsCompleted"] = None
    hit_type.templates[variant] = template
    return template


def assignment(record: Assignment) -> dict[str, Any]:
    """The Assignment structure (shared and cached, like :func:`hit`)."""
    cached = record.cache
    if cached is None:
        cached = {
            "AssignmentId": record.assignment_id,
            "WorkerId": record.worker_id,
            "HITId": record.hit_id,
            "AssignmentStatus": _STATUS[record.status],
        }
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


def hits(records: Mapping[str, HIT], keys: Iterable[str]) -> list[dict[str, Any]]:
    """HIT structures of the records with these keys, for a listing (cached where made)."""
    return [record.cache or hit(record) for record in map(records.__getitem__, keys)]


# -- copies for callers --------------------------------------------------------------

Copier = Callable[[Any], Any]
_CONTAINERS = frozenset(("structure", "list", "map"))


def copier(shape: Any) -> Copier:
    """A function copying a value of ``shape`` (a botocore shape): every dict and list
    fresh, the leaves (strings, numbers, datetimes) shared.

    The handlers answer with structures shared with the caches and the call log;
    this is how the caller gets its own, at the cost of one C-level ``dict.copy``
    per structure and nothing at all for the members that are not containers.
    """
    kind = shape.type_name
    if kind == "structure":
        nested = tuple(
            (name, copier(member), member.type_name == "list")
            for name, member in shape.members.items()
            if member.type_name in _CONTAINERS
        )
        return _structure_copier(nested) if nested else dict.copy
    if kind == "list":
        if shape.member.type_name not in _CONTAINERS:
            return list.copy
        return _list_copier(shape.member)
    if kind == "map":
        inner = copier(shape.value) if shape.value.type_name in _CONTAINERS else None
        if inner is None:
            return dict.copy
        return lambda value: {key: inner(item) for key, item in value.items()}
    return _same


def _same(value: Any) -> Any:
    return value


def _structure_copier(nested: tuple[tuple[str, Copier, bool], ...]) -> Copier:
    if len(nested) == 1:
        # The usual case (a HIT's requirements, an output's one structure or list):
        # no loop over the nested members.
        ((name, inner, is_list),) = nested

        def copy_one(value: dict[str, Any]) -> dict[str, Any]:
            out = value.copy()
            item = out.get(name)
            if item is not None:
                out[name] = inner(item) if item or not is_list else []
            return out

        return copy_one

    def copy(value: dict[str, Any]) -> dict[str, Any]:
        out = value.copy()
        for name, inner, is_list in nested:
            item = out.get(name)
            if item is not None:
                # An empty list is the common case (a HIT without requirements).
                out[name] = inner(item) if item or not is_list else []
        return out

    return copy


def _list_copier(member: Any) -> Copier:
    if member.type_name != "structure":
        inner = copier(member)
        return lambda value: [inner(item) for item in value]
    nested = tuple(
        (name, copier(shape), shape.type_name == "list")
        for name, shape in member.members.items()
        if shape.type_name in _CONTAINERS
    )
    if not nested:
        return lambda value: list(map(dict.copy, value))
    if len(nested) == 1:
        ((name, inner, is_list),) = nested

        def copy_one(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
            # The hot path of every HIT listing: one C-level copy per structure,
            # then its requirements, most often an empty list.
            out = list(map(dict.copy, value))
            for item in out:
                got = item.get(name)
                if got:
                    item[name] = inner(got)
                elif got is not None:
                    item[name] = [] if is_list else inner(got)
            return out

        return copy_one
    structure = _structure_copier(nested)
    return lambda value: list(map(structure, value))


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
