"""Workers' qualifications: grant, revoke, score, list holders, and qualification requests."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue
from ..core.model import (
    Qualification,
    QualificationRequest,
    QualificationRequestStatus,
    QualificationStatus,
    State,
)
from ..core.service import Handler, Service
from ..rules.qualifications import grants
from . import _common, pagination, shapes
from ._common import own_type


def _qualification(record: Qualification) -> dict[str, Any]:
    return {
        "QualificationTypeId": record.qualification_type_id,
        "WorkerId": record.worker_id,
        "GrantTime": shapes.timestamp(record.grant_time),
        "IntegerValue": record.integer_value,
        "Status": record.status.value,
    }


def _request(record: QualificationRequest) -> dict[str, Any]:
    out: dict[str, Any] = {
        "QualificationRequestId": record.qualification_request_id,
        "QualificationTypeId": record.qualification_type_id,
        "WorkerId": record.worker_id,
    }
    if record.test is not None:
        out["Test"] = record.test
        out["Answer"] = record.answer or ""
    out["SubmitTime"] = shapes.timestamp(record.submit_time)
    return out


def _known_worker(svc: Service, state: State, worker_id: str) -> None:
    """In strict mode an undeclared worker is unknown to the service (and nothing is made)."""
    if svc.settings.strict_workers and worker_id not in state.workers:
        raise catalogue.INVALID_VALUE(name="WorkerId", value=worker_id)


def _held(svc: Service, state: State, p: dict[str, Any]) -> Qualification:
    """The worker's granted qualification of one of our types (``QualificationTypeId``,
    ``WorkerId``), or the service's error for a missing or revoked one."""
    type_id = own_type(state, p["QualificationTypeId"]).qualification_type_id
    worker_id = p["WorkerId"]
    _known_worker(svc, state, worker_id)
    qualification = state.qualifications.get(type_id, {}).get(worker_id)
    if qualification is None:
        raise catalogue.QUALIFICATION_DOES_NOT_EXIST()
    if qualification.status is not QualificationStatus.GRANTED:
        raise catalogue.INVALID_QUALIFICATION_STATE()
    return qualification


# -- a worker's qualification -------------------------------------------------------


def associate_qualification_with_worker(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    qtype = own_type(state, p["QualificationTypeId"])
    _common.worker(state, p["WorkerId"], strict=svc.settings.strict_workers)
    value = p.get("IntegerValue")
    grants.grant(
        state,
        qtype.qualification_type_id,
        p["WorkerId"],
        grants.DEFAULT_VALUE if value is None else value,
        now,
    )
    return {}


def disassociate_qualification_from_worker(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    grants.revoke(_held(svc, state, p), p.get("Reason"))
    return {}


def get_qualification_score(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    return {"Qualification": _qualification(_held(svc, state, p))}


def list_workers_with_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    type_id = own_type(state, p["QualificationTypeId"]).qualification_type_id
    status = QualificationStatus(p.get("Status") or "Granted")
    held = list(state.qualifications.get(type_id, {}).values())
    chunk, token = pagination.page_filtered(
        held,
        p,
        f"ListWorkersWithQualificationType:{type_id}:{status.value}",
        lambda q: q.status is status,
    )
    return pagination.response("Qualifications", [_qualification(q) for q in chunk], token)


# -- qualification requests ---------------------------------------------------------


def list_qualification_requests(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    type_id = p.get("QualificationTypeId")
    if type_id is not None:
        own_type(state, type_id)

    def keep(request: QualificationRequest) -> bool:
        return request.status is QualificationRequestStatus.SUBMITTED and (
            type_id is None or request.qualification_type_id == type_id
        )

    chunk, token = pagination.page_filtered(
        list(state.qualification_requests.values()),
        p,
        f"ListQualificationRequests:{type_id or ''}",
        keep,
    )
    return pagination.response("QualificationRequests", [_request(r) for r in chunk], token)


def _pending(state: State, request_id: str) -> QualificationRequest:
    request = state.qualification_requests.get(request_id)
    if request is None:
        raise catalogue.QUALIFICATION_REQUEST_DOES_NOT_EXIST(request_id=request_id)
    if request.status is not QualificationRequestStatus.SUBMITTED:
        raise catalogue.INVALID_QUALIFICATION_REQUEST_STATE()
    return request


def accept_qualification_request(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    request = _pending(state, p["QualificationRequestId"])
    grants.decide(state, request, True, p.get("IntegerValue"), None, now)
    return {}


def reject_qualification_request(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    request = _pending(state, p["QualificationRequestId"])
    grants.decide(state, request, False, None, p.get("Reason"), now)
    return {}


OPERATIONS: dict[str, Handler] = {
    "AssociateQualificationWithWorker": associate_qualification_with_worker,
    "DisassociateQualificationFromWorker": disassociate_qualification_from_worker,
    "GetQualificationScore": get_qualification_score,
    "ListWorkersWithQualificationType": list_workers_with_qualification_type,
    "ListQualificationRequests": list_qualification_requests,
    "AcceptQualificationRequest": accept_qualification_request,
    "RejectQualificationRequest": reject_qualification_request,
}
