"""Review operations: ListReviewPolicyResultsForHIT, and the deprecated GetFileUploadURL.

:func:`install` attaches the registered review policies (:mod:`..rules.policies`) to a
new service: each runs on submissions, or when a HIT becomes Reviewable, as its
kind says.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any
from urllib.parse import quote

from ..core import catalogue
from ..core.model import State
from ..core.service import Handler, Service
from ..rules import policies
from ..rules.questions import answers
from . import _common, pagination, shapes

UPLOAD_URL_LIFETIME = 60  # seconds (spec §5.15)


def _result(record: policies.Result) -> dict[str, Any]:
    out = {
        "ActionId": record.action_id,
        "SubjectId": record.subject_id,
        "SubjectType": record.subject_type,
        "Key": record.key,
        "Value": record.value,
    }
    if record.question_id is not None:
        out["QuestionId"] = record.question_id
    return out


def _action(record: policies.Action) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ActionId": record.action_id,
        "ActionName": record.name,
        "TargetId": record.target_id,
        "TargetType": record.target_type,
        "Status": record.status,
        "CompleteTime": shapes.timestamp(record.complete_time),
        "Result": record.result,
    }
    if record.error_code is not None:
        out["ErrorCode"] = record.error_code
    return out


def list_review_policy_results_for_hit(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    hit = _common.live_hit(state, p["HITId"])
    levels = set(p.get("PolicyLevels") or ("Assignment", "HIT"))
    want_actions = p.get("RetrieveActions") is not False
    want_results = p.get("RetrieveResults") is not False
    by_level = {
        "Assignment": hit.assignment_review_policy,
        "HIT": hit.hit_review_policy,
    }
    levels = {level for level in levels if by_level.get(level) is not None}

    def wanted(entry: tuple[str, policies.Entry]) -> bool:
        level, record = entry
        if level not in levels:
            return False
        return want_actions if isinstance(record, policies.Action) else want_results

    entries = policies.review_of(state, hit.hit_id).entries
    page, token = pagination.page_filtered(
        entries, p, "ListReviewPolicyResultsForHIT:" + hit.hit_id, wanted
    )
    out: dict[str, Any] = {"HITId": hit.hit_id}
    for level, prefix in (("Assignment", "Assignment"), ("HIT", "HIT")):
        if level not in levels:
            continue
        policy = by_level[level]
        assert policy is not None
        out[f"{prefix}ReviewPolicy"] = {"PolicyName": policy["PolicyName"]}
        report: dict[str, Any] = {}
        if want_results:
            report["ReviewResults"] = [
                _result(record)
                for entry_level, record in page
                if entry_level == level and isinstance(record, policies.Result)
            ]
        if want_actions:
            report["ReviewActions"] = [
                _action(record)
                for entry_level, record in page
                if entry_level == level and isinstance(record, policies.Action)
            ]
        out[f"{prefix}ReviewReport"] = report
    if token is not None:
        out["NextToken"] = token
    return out


def get_file_upload_url(
    svc: Service, state: State, p: dict[str, Any], now: _dt.datetime
) -> dict[str, Any]:
    assignment = _common.visible_assignment(state, p["AssignmentId"])
    _common.live_hit(state, assignment.hit_id)  # uploads are deleted with the HIT
    question_id = p["QuestionIdentifier"]
    upload = answers.parse(assignment.answer).get(question_id)
    if not (isinstance(upload, dict) and "file_key" in upload):
        # FileUploadAnswer left QuestionForm on 2017-12-12; new HITs have no uploads.
        raise catalogue.NO_FILE_UPLOADED(
            question_id=question_id, assignment_id=assignment.assignment_id
        )
    expires = int(now.timestamp()) + UPLOAD_URL_LIFETIME
    url = (
        "https://mturk-uploads.s3.amazonaws.com/"
        f"{quote(str(upload['file_key']), safe='/')}?Expires={expires}"
        f"&Signature={svc.ids.request_id()}"
    )
    return {"FileUploadURL": url}


OPERATIONS: dict[str, Handler] = {
    "ListReviewPolicyResultsForHIT": list_review_policy_results_for_hit,
    "GetFileUploadURL": get_file_upload_url,
}


def install(service: Service) -> None:
    """Run the HITs' review policies at the moments the service runs them."""
    service.submit_hooks.append(policies.on_submit)
    service.reviewable_hooks.append(policies.on_reviewable)
