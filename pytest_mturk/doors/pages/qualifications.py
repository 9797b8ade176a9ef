"""Qualification types a worker can request, their tests as forms, and the requests.

``/qualifications`` lists the requestable types of both worlds with what the worker
holds; ``/qualifications/<type>`` opens one: a type with a test shows the test (a
QuestionForm, timed from the moment it is opened, as TestDurationInSeconds counts),
any other a button. Posting it is the worker action ``request``: granted at once for
an AutoGranted type or a test with an AnswerKey, otherwise left for the requester.
Opening a test starts its clock, so only a navigation from the site itself opens it
(:meth:`.context.Context.worker_navigated`); a request from elsewhere gets the link that does.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.model import QualificationStatus, QualificationType, QualificationTypeStatus
from ...core.service import Service
from . import forms
from .context import Context, PageRefusal
from .html import button_form, esc, link

__all__ = ["listing", "request_page"]


def _types(service: Service, worker_id: str) -> list[tuple[QualificationType, str]]:
    out = []
    for state in service.states.values():
        for type_id in state.qualification_type_index:
            qtype = state.qualification_types[type_id]
            if (
                qtype.system
                or not qtype.is_requestable
                or qtype.status is not QualificationTypeStatus.ACTIVE
            ):
                continue
            held = state.qualifications.get(type_id, {}).get(worker_id)
            if held is not None and held.status is QualificationStatus.GRANTED:
                status = f"Granted, score {held.integer_value}"
            elif any(
                r.qualification_type_id == type_id
                and r.worker_id == worker_id
                and r.status.value == "Submitted"
                for r in state.qualification_requests.values()
            ):
                status = "Requested, awaiting the requester"
            else:
                status = "Not held"
            out.append((qtype, status))
    return out


def listing(ctx: Context) -> Response:
    worker_id = ctx.need_worker()
    found = ctx.look(lambda service: _types(service, worker_id))
    rows = "".join(
        f"<tr><td>{link(f'/qualifications/{q.qualification_type_id}', q.name)}</td>"
        f"<td>{esc(q.description)}</td><td>{'Test' if q.test else ''}</td>"
        f"<td>{esc(status)}</td></tr>"
        for q, status in found
    )
    body = "<h1>Qualifications</h1>" + (
        '<table id="qualifications"><thead><tr><th scope=col>Name</th>'
        "<th scope=col>Description</th><th scope=col>Test</th><th scope=col>Yours</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>No qualification types can be requested.</p>"
    )
    return ctx.page("Qualifications", body)


def _find(ctx: Context, type_id: str) -> QualificationType:
    def read(service: Service) -> QualificationType | None:
        for state in service.states.values():
            qtype = state.qualification_types.get(type_id)
            if qtype is not None and not qtype.system:
                return qtype
        return None

    qtype = ctx.look(read)
    if qtype is None:
        raise PageRefusal(404, "No such qualification", f"There is no QualificationType {type_id}.")
    return qtype


def request_page(ctx: Context, type_id: str) -> Response:
    worker_id = ctx.need_worker()
    qtype = _find(ctx, type_id)
    action = f"/qualifications/{type_id}"
    head = f'<h1>{esc(qtype.name)}</h1><div class="card"><p>{esc(qtype.description)}</p></div>'
    if ctx.request.method != "POST":
        if qtype.test is None:
            return ctx.page(qtype.name, head + button_form(action, "Request Qualification"))
        if not ctx.worker_navigated():
            # Its clock would start behind the worker's back: a link from here starts it.
            start = (
                f'<p id="test-start">The test starts when you open it: '
                f"{link(action, 'Start the test')}.</p>"
            )
            return ctx.page(qtype.name, head + start)
        with ctx.acting("Cannot take this test") as backend:
            backend.start_test(worker_id, type_id)
        limit = (
            f"<p>You have {qtype.test_duration} seconds to answer.</p>"
            if qtype.test_duration
            else ""
        )
        return ctx.page(qtype.name, head + limit + forms.render(qtype.test, action=action))
    answers: dict[str, Any] | None = None
    if qtype.test is not None:
        pairs = list(ctx.request.form.items(multi=True))
        answers, problems = forms.read(qtype.test, ctx.request, pairs, type_id)
        if problems:
            values: dict[str, list[str]] = {}
            for name, value in pairs:
                values.setdefault(name, []).append(value)
            shown = forms.render(qtype.test, action=action, values=values, problems=problems)
            return ctx.page(qtype.name, head + shown, 400)
    with ctx.acting("Cannot request this qualification") as backend:
        record = backend.request_qualification(worker_id, type_id, answers)
    if record.status.value == "Approved":
        outcome = f"Qualification granted, with the score {record.score}."
    else:
        outcome = "Your request was sent; the requester will accept or reject it."
    body = (
        head + f'<p class="flash" role="status" id="requested">{esc(outcome)}</p>'
        f"<p>{link('/qualifications', 'Back to the qualifications')}</p>"
    )
    return ctx.page(qtype.name, body)
