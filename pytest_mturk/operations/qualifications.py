"""Qualification type operations: create, read, update, delete, list, and the HITs using one.

The operations on workers' qualifications and requests live in
:mod:`.worker_qualifications`; the system types in
:mod:`..rules.qualifications.system_qualifications`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import catalogue
from ..core.model import HIT, QualificationType, QualificationTypeStatus, State, Worker
from ..core.service import Handler, Service
from ..core.validation import max_length
from ..rules.qualifications import grants, qualification_tests, requirements
from ..rules.questions import checks
from . import pagination, shapes
from ._common import any_type, own_type, system_types

# -- create and update --------------------------------------------------------------


def _check_test(
    test: str | None, answer_key: str | None, duration: int | None, auto_granted: bool
) -> None:
    if duration is not None and duration <= 0:
        raise catalogue.INVALID_VALUE(name="TestDurationInSeconds", value=duration)
    if answer_key is not None and test is None:
        raise catalogue.ANSWER_KEY_WITHOUT_TEST()
    if test is None:
        return
    if auto_granted:
        raise catalogue.TEST_NOT_AUTO_GRANTED()
    if duration is None:
        raise catalogue.TEST_DURATION_REQUIRED()
    checks.validate_test(test)
    form = qualification_tests.parse_test(test)
    if answer_key is not None:
        checks.validate_answer_key(answer_key)
        key = qualification_tests.parse_answer_key(answer_key)
        qualification_tests.check_key_fits_test(key, form, answer_key)


def _check_retry_delay(retry_delay: int | None) -> None:
    if retry_delay is not None and retry_delay < 0:
        raise catalogue.INVALID_VALUE(name="RetryDelayInSeconds", value=retry_delay)


def create_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    name = p["Name"]
    max_length("Description", p["Description"], 2000)
    max_length("Keywords", p.get("Keywords"), 1000)
    _check_retry_delay(p.get("RetryDelayInSeconds"))
    test = p.get("Test")
    auto_granted = bool(p.get("AutoGranted"))
    _check_test(test, p.get("AnswerKey"), p.get("TestDurationInSeconds"), auto_granted)
    # The name stays taken while a deleted type is still Disposing.
    if any(qtype.name == name for qtype in state.qualification_types.values()):
        raise catalogue.QUALIFICATION_TYPE_ALREADY_EXISTS()
    value = p.get("AutoGrantedValue")
    qtype = QualificationType(
        qualification_type_id=svc.ids.entity(),
        name=name,
        description=p["Description"],
        status=QualificationTypeStatus(p["QualificationTypeStatus"]),
        creation_time=now,
        keywords=p.get("Keywords"),
        retry_delay=p.get("RetryDelayInSeconds"),
        test=test,
        answer_key=p.get("AnswerKey"),
        test_duration=p.get("TestDurationInSeconds") if test is not None else None,
        auto_granted=auto_granted,
        auto_granted_value=grants.DEFAULT_VALUE if value is None and auto_granted else value,
    )
    state.qualification_types[qtype.qualification_type_id] = qtype
    state.qualification_type_index.add(qtype.qualification_type_id)
    return {"QualificationType": shapes.qualification_type(qtype)}


def update_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    qtype = own_type(state, p["QualificationTypeId"])
    max_length("Description", p.get("Description"), 2000)
    _check_retry_delay(p.get("RetryDelayInSeconds"))
    test, answer_key, duration = p.get("Test"), p.get("AnswerKey"), p.get("TestDurationInSeconds")
    if test is None and (answer_key is not None or duration is not None):
        # The test, its duration and its key are replaced as one.
        raise catalogue.TEST_REPLACED_WHOLE()
    auto_granted = qtype.auto_granted if p.get("AutoGranted") is None else p["AutoGranted"]
    if auto_granted and test is None and qtype.test is not None:
        raise catalogue.TEST_NOT_AUTO_GRANTED()
    _check_test(test, answer_key, duration, auto_granted)
    if p.get("Description") is not None:
        qtype.description = p["Description"]
    if p.get("QualificationTypeStatus") is not None:
        qtype.status = QualificationTypeStatus(p["QualificationTypeStatus"])
    if p.get("RetryDelayInSeconds") is not None:
        qtype.retry_delay = p["RetryDelayInSeconds"]
    if test is not None:
        qtype.test, qtype.test_duration, qtype.answer_key = test, duration, answer_key
    qtype.auto_granted = auto_granted
    if p.get("AutoGrantedValue") is not None:
        qtype.auto_granted_value = p["AutoGrantedValue"]
    elif auto_granted and qtype.auto_granted_value is None:
        qtype.auto_granted_value = grants.DEFAULT_VALUE
    return {"QualificationType": shapes.qualification_type(qtype)}


# -- read, list, delete -------------------------------------------------------------


def get_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    return {
        "QualificationType": shapes.qualification_type(any_type(state, p["QualificationTypeId"]))
    }


def _matches(qtype: QualificationType, query: str) -> bool:
    # A case-insensitive substring search over the searchable attributes.
    return any(
        query in (text or "").lower() for text in (qtype.name, qtype.description, qtype.keywords)
    )


def list_qualification_types(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    requestable_only = bool(p["MustBeRequestable"])
    owned_only = bool(p.get("MustBeOwnedByCaller"))
    query = (p.get("Query") or "").lower()

    def keep(qtype: QualificationType) -> bool:
        if requestable_only and not (
            qtype.is_requestable and qtype.status is QualificationTypeStatus.ACTIVE
        ):
            return False
        return _matches(qtype, query)

    # Positions 1..len(system) are the system types; ours follow, offset by that.
    system = [] if owned_only else system_types(state)
    kind = "ListQualificationTypes"
    after = pagination.decode(kind, p.get("NextToken"))
    limit = p.get("MaxResults") or pagination.DEFAULT_PAGE
    found: list[QualificationType] = []
    last = after
    for position in range(after, len(system)):
        if len(found) == limit:
            break
        if keep(system[position]):
            found.append(system[position])
            last = position + 1
    if len(found) < limit:
        types = state.qualification_types
        keys, index_last = state.qualification_type_index.page(
            max(after - len(system), 0), limit - len(found), lambda key: keep(types[key])
        )
        found.extend(types[key] for key in keys)
        if keys:
            last = len(system) + index_last
    token = pagination.encode(kind, last) if found else None
    return pagination.response(
        "QualificationTypes", [shapes.qualification_type(q) for q in found], token
    )


def delete_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    qtype = own_type(state, p["QualificationTypeId"])
    grants.delete_type(svc, state, qtype, now)
    return {}


def list_hits_for_qualification_type(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    type_id = any_type(state, p["QualificationTypeId"]).qualification_type_id
    hits = state.hits

    def accept(key: str) -> bool:
        return grants.uses(hits[key].hit_type, type_id)

    keys, token = pagination.page_index(
        state.hit_index, p, "ListHITsForQualificationType:" + type_id, accept
    )
    return pagination.response("HITs", shapes.hits(hits, keys), token)


# -- enforcement --------------------------------------------------------------------


def _requirements_check(svc: Service, state: State, hit: HIT, worker: Worker) -> str | None:
    reasons = requirements.unmet(state, worker, hit, requirements.ACCEPT)
    if not reasons:
        return None
    return (
        f"Worker {worker.worker_id} does not meet the QualificationRequirements of HIT "
        f"{hit.hit_id}: {'; '.join(reasons)}."
    )


def install(service: Service) -> None:
    """Hold simulated workers to qualification requirements; let deleted types finish."""
    service.accept_checks.append(_requirements_check)
    service.listen(grants.deletion_listener(service), ["HITDisposed"])


OPERATIONS: dict[str, Handler] = {
    "CreateQualificationType": create_qualification_type,
    "GetQualificationType": get_qualification_type,
    "UpdateQualificationType": update_qualification_type,
    "DeleteQualificationType": delete_qualification_type,
    "ListQualificationTypes": list_qualification_types,
    "ListHITsForQualificationType": list_hits_for_qualification_type,
}
