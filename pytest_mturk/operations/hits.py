"""HIT operations: create, read, list, extend, expire, review status, retype, delete."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from ..core import catalogue, lifecycle, money
from ..core.clock import epoch_ms, from_epoch
from ..core.journal import keep
from ..core.model import HITStatus, HITType, State
from ..core.service import Handler, Service
from ..core.validation import in_range, max_length, range_error
from ..rules import policies
from ..rules.qualifications import requirements
from ..rules.questions import checks
from ..rules.questions.layouts import render as render_layout
from . import _common, pagination, shapes

MAX_SECONDS = 31_536_000
DEFAULT_AUTO_APPROVAL = 2_592_000

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _java_date(value: _dt.datetime) -> str:
    """``java.util.Date.toString()`` in UTC, as the service quotes it in idempotency errors."""
    return (
        f"{_DAYS[value.weekday()]} {_MONTHS[value.month - 1]} {value.day:02d} "
        f"{value:%H:%M:%S} UTC {value.year}"
    )


# -- HIT types ---------------------------------------------------------------------


def _type_for(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> tuple[HITType, tuple[Any, ...] | None]:
    """The HIT type these properties name, and its key if it is new (not yet registered)."""
    if not p.get("QualificationRequirements"):
        # Properties exactly as an earlier call gave them passed every check then.
        known = state.hit_types_by_key.get(_request_key(p))
        if known is not None:
            return known, None
    max_length("Title", p["Title"], 128)
    max_length("Description", p["Description"], 2000)
    max_length("Keywords", p.get("Keywords"), 1000)
    duration = p["AssignmentDurationInSeconds"]
    in_range("AssignmentDurationInSeconds", duration, 30, MAX_SECONDS)
    auto_approval = p.get("AutoApprovalDelayInSeconds")
    if auto_approval is None:
        auto_approval = DEFAULT_AUTO_APPROVAL
    in_range("AutoApprovalDelayInSeconds", auto_approval, 0, DEFAULT_AUTO_APPROVAL)
    reward = money.amount("Reward", p["Reward"])
    quals = requirements.normalize(state, p.get("QualificationRequirements"))
    key = (
        p["Title"],
        p["Description"],
        p.get("Keywords"),
        reward,
        duration,
        auto_approval,
        json.dumps(quals, sort_keys=True) if quals else "",
    )
    hit_type = state.hit_types_by_key.get(key)
    if hit_type is not None:
        return hit_type, (None if quals else _request_key(p))
    # The IDs come in _register, once nothing can refuse the call any more: a
    # refused call must not shift the IDs later calls get.
    return (
        HITType(
            hit_type_id="",
            hit_group_id="",
            title=p["Title"],
            description=p["Description"],
            keywords=p.get("Keywords"),
            reward=reward,
            assignment_duration=duration,
            auto_approval_delay=auto_approval,
            qualification_requirements=quals,
            creation_time=now,
        ),
        key,
    )


def _request_key(p: dict[str, Any]) -> tuple[Any, ...]:
    """A HIT type's properties as a request without requirements gave them ("0.5" and
    "0.50" are two such keys for one type); 8 members, so never one of the 7 of a
    normalised key."""
    return (
        "as requested",
        p["Title"],
        p["Description"],
        p.get("Keywords"),
        p["Reward"],
        p["AssignmentDurationInSeconds"],
        p.get("AutoApprovalDelayInSeconds"),
        None,
    )


def _register(
    svc: Service,
    state: State,
    hit_type: HITType,
    key: tuple[Any, ...] | None,
    p: dict[str, Any],
) -> None:
    """Make the HIT type findable (giving a new one its IDs), once nothing can refuse."""
    if key is None:
        return
    if not hit_type.hit_type_id:
        hit_type.hit_type_id = svc.ids.entity()
        hit_type.hit_group_id = svc.ids.entity()
        state.hit_types[hit_type.hit_type_id] = hit_type
    state.hit_types_by_key[key] = hit_type
    if not hit_type.qualification_requirements:
        state.hit_types_by_key[_request_key(p)] = hit_type


def create_hit_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit_type, key = _type_for(svc, state, p, now)
    _register(svc, state, hit_type, key, p)
    return {"HITTypeId": hit_type.hit_type_id}


def _hit_type(state: State, hit_type_id: str) -> HITType:
    hit_type = state.hit_types.get(hit_type_id)
    if hit_type is None:
        raise catalogue.HIT_TYPE_DOES_NOT_EXIST(hit_type_id=hit_type_id)
    return hit_type


# -- creating HITs -----------------------------------------------------------------


def _question(svc: Service, p: dict[str, Any]) -> str | None:
    question: str | None = p.get("Question")
    layout_id: str | None = p.get("HITLayoutId")
    if (question is None) == (layout_id is None):
        raise catalogue.QUESTION_OR_LAYOUT()
    if layout_id is not None:
        return _render_layout(svc, layout_id, p.get("HITLayoutParameters") or [])
    assert question is not None
    checks.check_question(question)
    return question


def _render_layout(svc: Service, layout_id: str, parameters: list[dict[str, str]]) -> str:
    template = svc.layouts.get(layout_id)
    if template is None:
        raise catalogue.HIT_LAYOUT_DOES_NOT_EXIST(layout_id=layout_id)
    return render_layout(template, {item["Name"]: item["Value"] for item in parameters})


def _create(
    svc: Service,
    state: State,
    p: dict[str, Any],
    now: _dt.datetime,
    hit_type: HITType,
    new_type_key: tuple[Any, ...] | None = None,
) -> dict[str, Any]:
    lifetime = p["LifetimeInSeconds"]
    if not 30 <= lifetime <= MAX_SECONDS:
        raise range_error("LifetimeInSeconds", lifetime, 30, MAX_SECONDS)
    max_assignments = p.get("MaxAssignments")
    if max_assignments is None:
        max_assignments = 1
    elif not 1 <= max_assignments <= 1_000_000_000:
        raise range_error("MaxAssignments", max_assignments, 1, 1_000_000_000)
    annotation = p.get("RequesterAnnotation")
    if annotation is not None:
        max_length("RequesterAnnotation", annotation, 255)
    question = _question(svc, p)
    if "AssignmentReviewPolicy" in p or "HITReviewPolicy" in p:
        policies.validate_policies(p)
    token = p.get("UniqueRequestToken")
    if token is not None:
        existing = _common.seen_token(state, "CreateHIT", token, now)
        if existing is not None:
            raise catalogue.HIT_ALREADY_EXISTS(hit_id=existing, token=token)
    if new_type_key is not None:
        # Funds are the last reason to refuse; check them before a new type takes IDs.
        lifecycle.check_creation_funds(state, hit_type, max_assignments)
        _register(svc, state, hit_type, new_type_key, p)
    hit = lifecycle.create_hit(
        svc,
        state,
        hit_type,
        lifetime=lifetime,
        max_assignments=max_assignments,
        question=question,
        requester_annotation=annotation,
        hit_layout_id=p.get("HITLayoutId"),
        assignment_review_policy=p.get("AssignmentReviewPolicy"),
        hit_review_policy=p.get("HITReviewPolicy"),
        now=now,
    )
    if token is not None:
        _common.remember_token(state, "CreateHIT", token, now, hit.hit_id)
    return {"HIT": shapes.hit(hit)}


def create_hit(svc: Service, state: State, p: dict[str, Any], now: _dt.datetime) -> dict[str, Any]:
    hit_type, key = _type_for(svc, state, p, now)
    return _create(svc, state, p, now, hit_type, key)


def create_hit_with_hit_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    return _create(svc, state, p, now, _hit_type(state, p["HITTypeId"]))


# -- reading -----------------------------------------------------------------------


def get_hit(svc: Service, state: State, p: dict[str, Any], now: _dt.datetime) -> dict[str, Any]:
    return {"HIT": shapes.hit(_common.any_hit(state, p["HITId"]))}


def list_hits(svc: Service, state: State, p: dict[str, Any], now: _dt.datetime) -> dict[str, Any]:
    keys, token = pagination.page_index(state.hit_index, p, "ListHITs")
    return pagination.response("HITs", shapes.hits(state.hits, keys), token)


def list_reviewable_hits(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    status = p.get("Status") or "Reviewable"
    index = state.reviewable if status == "Reviewable" else state.reviewing
    hits = state.hits
    type_id: str | None = p.get("HITTypeId")
    accept = None
    if type_id is not None:

        def accept(key: str) -> bool:
            return hits[key].hit_type.hit_type_id == type_id

    keys, token = pagination.page_index(index, p, "ListReviewableHITs:" + status, accept)
    # The service lists each HIT by its ID alone, though the model names the whole
    # HIT structure (docs/fidelity.md): callers read the rest with GetHIT.
    return pagination.response("HITs", [{"HITId": key} for key in keys], token)


# -- changing ----------------------------------------------------------------------


def update_expiration_for_hit(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit = _common.live_hit(state, p["HITId"])
    expire_at = from_epoch(p["ExpireAt"])
    if expire_at <= now:
        # Expiring is repeatable: cleanup loops send one fixed past date (or 0) until
        # DeleteHIT works. The idempotency refusal was seen for a repeated future date.
        if not hit.expired:
            keep(hit)
            hit.expiration = now
            lifecycle.expire(svc, state, hit, now)
        return {}
    # The service derives an idempotency token from the HIT and the requested time.
    token = f"{hit.hit_id}{_java_date(expire_at)}"
    if _common.seen_token(state, "UpdateExpirationForHIT", token, now) is not None:
        raise catalogue.EXPIRATION_ALREADY_PROCESSED(token=token)
    base = now if hit.expired else hit.expiration
    increment = (epoch_ms(expire_at) - epoch_ms(base)) // 1000
    if not 60 <= increment <= MAX_SECONDS:
        raise range_error("ExpirationIncrementInSeconds", increment, 60, MAX_SECONDS)
    lifecycle.set_expiration(svc, state, hit, expire_at, now)
    _common.remember_token(state, "UpdateExpirationForHIT", token, now, hit.hit_id)
    return {}


def update_hit_review_status(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit = _common.live_hit(state, p["HITId"])
    revert = bool(p.get("Revert"))
    needed = HITStatus.REVIEWING if revert else HITStatus.REVIEWABLE
    if hit.status is not needed:
        raise catalogue.INVALID_HIT_STATE(current=hit.status.value, allowed=needed.value)
    lifecycle.set_reviewing(svc, state, hit, not revert, now)
    return {}


def update_hit_type_of_hit(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit = _common.live_hit(state, p["HITId"])
    hit_type = _hit_type(state, p["HITTypeId"])
    # No current page forbids a new reward once work exists (only a 2008 guide did);
    # a higher one needs funds for what the HIT may still cost.
    lifecycle.change_type(svc, state, hit, hit_type, now)
    return {}


def create_additional_assignments_for_hit(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    count = p["NumberOfAdditionalAssignments"]
    in_range("NumberOfAdditionalAssignments", count, 1, 1_000_000_000)
    hit = _common.live_hit(state, p["HITId"])
    token = p.get("UniqueRequestToken")
    _common.refuse_replayed_request(state, "CreateAdditionalAssignmentsForHIT", token, now)
    if hit.max_assignments < 10 <= hit.max_assignments + count:
        raise catalogue.MAXIMUM_ASSIGNMENTS_INCREASE()
    if hit.max_assignments + count > 1_000_000_000:
        raise range_error("MaxAssignments", hit.max_assignments + count, 1, 1_000_000_000)
    lifecycle.add_assignments(svc, state, hit, count, now)
    _common.remember_token(
        state, "CreateAdditionalAssignmentsForHIT", token, now, svc.ids.request_id()
    )
    return {}


def delete_hit(svc: Service, state: State, p: dict[str, Any], now: _dt.datetime) -> dict[str, Any]:
    hit = _common.any_hit(state, p["HITId"])
    deletable = hit.status in (HITStatus.REVIEWABLE, HITStatus.REVIEWING)
    if not deletable or hit.pending or hit.submitted:
        raise catalogue.INVALID_HIT_STATE(current=hit.status.value, allowed="Reviewing, Reviewable")
    lifecycle.dispose(svc, state, hit, now)
    return {}


OPERATIONS: dict[str, Handler] = {
    "CreateHIT": create_hit,
    "CreateHITType": create_hit_type,
    "CreateHITWithHITType": create_hit_with_hit_type,
    "GetHIT": get_hit,
    "ListHITs": list_hits,
    "ListReviewableHITs": list_reviewable_hits,
    "UpdateExpirationForHIT": update_expiration_for_hit,
    "UpdateHITReviewStatus": update_hit_review_status,
    "UpdateHITTypeOfHIT": update_hit_type_of_hit,
    "CreateAdditionalAssignmentsForHIT": create_additional_assignments_for_hit,
    "DeleteHIT": delete_hit,
}
