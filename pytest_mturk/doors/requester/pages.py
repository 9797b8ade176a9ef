"""The requester's pages, ``/requester/``: HIT groups with their progress, a group's
assignments with their answers, approve and reject, participant links and completion
URLs.

Each page shows one world: ``?world=production`` (the default) or ``?world=sandbox``,
the worlds the requester's code reaches at the production and sandbox endpoints.
Approving and rejecting are the requester's own calls (``ApproveAssignment``,
``RejectAssignment``), made through the backend as the service API makes them, with
the signed-in access key as the caller: recorded and journaled like any other call.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.errors import UsageError
from ...core.model import AssignmentStatus, Environment, State
from ...core.service import Service
from ...rules.questions import answers
from . import links, results, session
from .area import PREFIX, Refused, Visit
from .layout import esc, style

__all__ = [
    "assignment_action",
    "completion",
    "group",
    "groups",
    "sign_in",
    "sign_out",
    "style_sheet",
]


def world_of(value: str | None) -> Environment:
    """The world a ``world`` parameter names (default production); 400 otherwise."""
    try:
        return Environment(value or Environment.PRODUCTION.value)
    except ValueError:
        raise Refused(400, "No such world", "world is 'production' or 'sandbox'.") from None


def _world(visit: Visit) -> Environment:
    return world_of(visit.request.values.get("world"))


def _see_other(location: str) -> Response:
    return Response(status=303, headers={"Location": location})


def style_sheet(visit: Visit) -> Response:
    return style()


# -- signing in --------------------------------------------------------------------------


def _sign_in_form(visit: Visit, key: str = "", problem: str = "") -> str:
    error = f'<p class="refusal" role="alert" id="refusal">{esc(problem)}</p>' if problem else ""
    return (
        f"<h1>Requester sign-in</h1>{error}"
        f'<form method="post" action="{PREFIX}/sign-in" class="card" id="sign-in">'
        f"{visit.hidden_csrf()}"
        '<p><label for="access_key">Access key ID</label><br>'
        f'<input type="text" id="access_key" name="access_key" value="{esc(key)}" '
        'autocomplete="username" required></p>'
        '<p><label for="secret_key">Secret access key</label><br>'
        '<input type="password" id="secret_key" name="secret_key" '
        'autocomplete="current-password" required></p>'
        '<p class="muted">A key of the server\'s credentials file, as your scripts use it.</p>'
        '<button type="submit">Sign in</button></form>'
    )


def sign_in(visit: Visit) -> Response:
    request = visit.request
    if request.method != "POST":
        return visit.page("Sign in", _sign_in_form(visit))
    key = (request.form.get("access_key") or "").strip()
    secret = request.form.get("secret_key") or ""
    if not session.check_secret(visit.credentials, key, secret):
        body = _sign_in_form(visit, key, "That access key and secret do not match.")
        return visit.page("Sign in", body, 401)
    response = _see_other(f"{PREFIX}/")
    value = session.signed_requester(visit.hosting.requester_key, key, visit.session)
    visit.set_cookie(response, session.COOKIE, value, PREFIX)
    return response


def sign_out(visit: Visit) -> Response:
    response = _see_other(f"{PREFIX}/sign-in")
    response.delete_cookie(session.COOKIE, path=PREFIX, secure=visit.secure, httponly=True)
    return response


# -- the HIT groups ----------------------------------------------------------------------


def _world_switch(visit: Visit, world: Environment, path: str) -> str:
    other = Environment.SANDBOX if world is Environment.PRODUCTION else Environment.PRODUCTION
    return (
        f'<p class="muted" id="world">World: <strong>{esc(world.value)}</strong> · '
        f'<a href="{esc(path)}?world={other.value}">see {other.value}</a></p>'
    )


def groups(visit: Visit) -> Response:
    world = _world(visit)
    found = visit.backend.look(lambda service: results.progress(service.states[world]))
    rows = "".join(
        "<tr>"
        f'<td><a href="{PREFIX}/groups/{esc(g.group_id)}?world={world.value}">{esc(g.title)}</a>'
        f"<br><code>{esc(g.group_id)}</code></td>"
        f"<td>{g.hits}</td><td>{g.available}</td><td>{g.pending}</td><td>{g.submitted}</td>"
        f"<td>{g.approved}</td><td>{g.rejected}</td></tr>"
        for g in found
    )
    table = (
        '<table id="groups"><thead><tr><th scope=col>HIT group</th><th scope=col>HITs</th>'
        "<th scope=col>Available</th><th scope=col>Pending</th><th scope=col>Submitted</th>"
        f"<th scope=col>Approved</th><th scope=col>Rejected</th></tr></thead><tbody>{rows}"
        "</tbody></table>"
        if found
        else '<p id="no-groups">No HITs yet in this world.</p>'
    )
    downloads = (
        f'<p><a href="{PREFIX}/api/payments.csv?world={world.value}">payments.csv</a> '
        '<span class="muted">(the API, with HTTP Basic)</span></p>'
    )
    body = f"<h1>HIT groups</h1>{_world_switch(visit, world, PREFIX + '/')}{table}{downloads}"
    return visit.page("HIT groups", body)


def _answers_html(answer: str | None) -> str:
    parsed = answers.parse(answer)
    if not parsed:
        return ""
    items = "".join(
        f"<dt>{esc(str(name))}</dt><dd>{esc(results._answer_text(value))}</dd>"
        for name, value in parsed.items()
    )
    return f"<dl>{items}</dl>"


def _group_rows(visit: Visit, state: State, group_id: str, world: Environment) -> str:
    rows = []
    for hit in results.group_hits(state, group_id):
        for assignment_id in hit.assignment_ids:
            assignment = state.assignments.get(assignment_id)
            if assignment is None:
                continue
            actions = ""
            if assignment.status is AssignmentStatus.SUBMITTED:
                base = f"{PREFIX}/assignments/{esc(assignment_id)}"
                hidden = (
                    f'{visit.hidden_csrf()}<input type="hidden" name="world" value="{world.value}">'
                )
                actions = (
                    f'<form method="post" action="{base}/approve">{hidden}'
                    '<button type="submit">Approve</button></form> '
                    f'<form method="post" action="{base}/reject">{hidden}'
                    f'<label for="why-{esc(assignment_id)}">Reason</label> '
                    f'<input type="text" id="why-{esc(assignment_id)}" name="feedback" required> '
                    '<button type="submit" class="quiet">Reject</button></form>'
                )
            rows.append(
                f'<tr id="a-{esc(assignment_id)}"><td><code>{esc(assignment_id)}</code><br>'
                f"HIT <code>{esc(hit.hit_id)}</code></td>"
                f"<td><code>{esc(assignment.worker_id)}</code></td>"
                f'<td class="status">{esc(assignment.status.value)}</td>'
                f"<td>{_answers_html(assignment.answer)}</td><td>{actions}</td></tr>"
            )
    if not rows:
        return '<p id="no-assignments">No assignments yet.</p>'
    return (
        '<table id="assignments"><thead><tr><th scope=col>Assignment</th>'
        "<th scope=col>Worker</th><th scope=col>Status</th><th scope=col>Answers</th>"
        f"<th scope=col>Review</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def group(visit: Visit, group_id: str) -> Response:
    world = _world(visit)

    def read(service: Service) -> tuple[Any, str] | None:
        state = service.states[world]
        found = [g for g in results.progress(state) if g.group_id == group_id]
        if not found:
            return None
        return found[0], _group_rows(visit, state, group_id, world)

    found = visit.backend.look(read)
    if found is None:
        raise Refused(
            404, "No such HIT group", f"There is no HIT group {group_id} in {world.value}."
        )
    progress, rows = found
    hosting = visit.hosting
    link = links.link(visit.public_url, hosting.secret, group_id)
    completion = hosting.completion.get(group_id, "")
    flash = visit.request.args.get("done")
    notice = (
        f'<p class="flash" role="status" id="flash">{esc(flash)}</p>'
        if flash in ("Approved.", "Rejected.", "Completion URL saved.")
        else ""
    )
    body = (
        f"<h1>{esc(progress.title)}</h1>{notice}"
        f"{_world_switch(visit, world, f'{PREFIX}/groups/{group_id}')}"
        f'<div class="card"><p>HITs {progress.hits} · available {progress.available} · '
        f"pending {progress.pending} · submitted {progress.submitted} · approved "
        f"{progress.approved} · rejected {progress.rejected}</p>"
        '<p><label for="link">Participant link</label> <span class="muted">(a platform '
        "appends its participant's ID: <code>&amp;PROLIFIC_PID=...</code>, SONA's "
        "<code>&amp;id=...</code>, or <code>&amp;participant=...</code>)</span><br>"
        f'<input type="text" id="link" readonly value="{esc(link)}"></p>'
        f'<form method="post" action="{PREFIX}/groups/{esc(group_id)}/completion" '
        f'id="completion-form">{visit.hidden_csrf()}'
        f'<input type="hidden" name="world" value="{world.value}">'
        '<p><label for="completion_url">Completion URL</label> <span class="muted">(where '
        "participants go after submitting, e.g. Prolific's completion link with its code; "
        'empty: they see "HIT Submitted")</span><br>'
        f'<input type="url" id="completion_url" name="completion_url" value="{esc(completion)}"> '
        '<button type="submit">Save</button></p></form>'
        f'<p><a href="{PREFIX}/api/results.csv?groupId={esc(group_id)}&amp;world={world.value}">'
        "results.csv</a></p></div>"
        f"<h2>Assignments</h2>{rows}"
    )
    return visit.page(progress.title, body)


def completion(visit: Visit, group_id: str) -> Response:
    world = _world(visit)
    url = (visit.request.form.get("completion_url") or "").strip()
    try:
        visit.hosting.set_completion(group_id, url or None)
    except UsageError as refused:
        raise Refused(400, "Not saved", str(refused)) from None
    return _see_other(f"{PREFIX}/groups/{group_id}?world={world.value}&done=Completion+URL+saved.")


def assignment_action(visit: Visit, assignment_id: str, act: str) -> Response:
    """Approve or reject: the requester's own call, through the service core."""
    world = _world(visit)
    form = visit.request.form
    params: dict[str, Any] = {"AssignmentId": assignment_id}
    feedback = (form.get("feedback") or "").strip()
    if feedback:
        params["RequesterFeedback"] = feedback
    operation = "ApproveAssignment" if act == "approve" else "RejectAssignment"
    group_id = visit.backend.look(lambda service: _group_of(service.states[world], assignment_id))
    outcome = visit.backend.call(world, operation, params, visit.requester)
    error = outcome.call.error
    if error is not None:
        raise Refused(error.status, f"Not {act}d", error.message)
    done = "Approved." if act == "approve" else "Rejected."
    if group_id is None:
        return _see_other(f"{PREFIX}/?world={world.value}")
    return _see_other(f"{PREFIX}/groups/{group_id}?world={world.value}&done={done}")


def _group_of(state: State, assignment_id: str) -> str | None:
    assignment = state.assignments.get(assignment_id)
    hit = state.hits.get(assignment.hit_id) if assignment is not None else None
    return hit.hit_type.hit_group_id if hit is not None else None
