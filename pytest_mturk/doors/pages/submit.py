"""``/mturk/externalSubmit`` and the other addresses requester code hard-codes.

A requester's page (HTMLQuestion or ExternalQuestion) submits by sending its form to
``turkSubmitTo + "/mturk/externalSubmit"``, by POST or GET. As MTurk did: the
``assignmentId`` field is required and is not an answer; every other field is one
(MTurk's reserved names dropped, :mod:`pytest_mturk.rules.questions.answers`), in the form's
order. The submission is the worker action ``submit``, refused (nothing changed) for
an assignment that is not the worker's, no longer in progress or past its deadline.
"""

from __future__ import annotations

from typing import Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from . import forms, frames, html, reads, tasks
from .context import Context, PageRefusal
from .html import esc

__all__ = ["classic_preview", "external_submit", "helper_script", "html_question"]

ASSIGNMENT_FIELD = "assignmentId"


def _fields(ctx: Context) -> list[tuple[str, str]]:
    """The submitted fields in order: the query string's, then the form's."""
    request = ctx.request
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return pairs


def form_answers(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields as ``{name: value}``, a name sent several times (checkboxes) as a
    list of its values, in the order of each name's first appearance."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name == ASSIGNMENT_FIELD:
            continue
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def external_submit(ctx: Context) -> Response:
    pairs = _fields(ctx)
    assignment_id = next((value for name, value in pairs if name == ASSIGNMENT_FIELD), "")
    if not assignment_id:
        raise PageRefusal(
            400,
            "Cannot submit",
            "The submission has no assignmentId: a HIT's form must send the assignmentId "
            "it was given (in preview there is none, ASSIGNMENT_ID_NOT_AVAILABLE).",
        )
    if assignment_id == frames.NOT_AVAILABLE:
        raise PageRefusal(
            400, "Cannot submit", "You must ACCEPT the HIT before you can submit the results."
        )
    found = ctx.look(lambda service: reads.assignment(service, assignment_id))
    if found is None:
        raise PageRefusal(404, "Cannot submit", f"There is no assignment {assignment_id}.")
    assignment = found[1]
    # The worker signed in to this browser; a page posted from elsewhere (a test's own
    # HTTP client) may name its workerId, and otherwise acts for the assignment's holder.
    worker_id = ctx.worker_id or next(
        (value for name, value in pairs if name == "workerId"), assignment.worker_id
    )
    hit_found = ctx.look(lambda service: reads.hit(service, assignment.hit_id))
    if hit_found is None:
        raise PageRefusal(404, "Cannot submit", f"There is no HIT {assignment.hit_id}.")
    hit = hit_found[1]
    if forms.is_question_form(hit.question):
        answers, problems = forms.read(hit.question, ctx.request, pairs)
        if problems:
            raise PageRefusal(400, "Cannot submit", " ".join(problems.values()))
    else:
        answers = form_answers(pairs)
    with ctx.acting("Cannot submit") as backend:
        backend.submit(worker_id, assignment_id, answers)
    following = tasks.next_step(ctx, worker_id, hit.hit_type.hit_group_id)
    return submitted(ctx, hit.hit_id, following)


def submitted(ctx: Context, hit_id: str, following: str) -> Response:
    """What the worker sees after submitting: the next step, taking the whole window
    (the submission came from inside the task's frame: the site's script asks the task
    page to move on, :mod:`.assets`; the link does the same when clicked)."""
    body = (
        "<h1>HIT Submitted</h1>"
        f'<p class="flash" role="status" id="submitted">Your answers to HIT {esc(hit_id)} '
        "were submitted.</p>"
        f'<p><a id="continue" href="{esc(following)}" target="_top">Continue</a></p>'
    )
    return ctx.page("HIT Submitted", body)


def classic_preview(ctx: Context) -> Response:
    """``/mturk/preview?groupId=<HITGroupId>`` (or ``?hitId=``): the group's page."""
    group_id = ctx.request.args.get("groupId")
    if not group_id:
        hit_id = ctx.request.args.get("hitId") or ""
        found = ctx.look(lambda service: reads.hit(service, hit_id)) if hit_id else None
        if found is None:
            raise PageRefusal(404, "No HITs available", tasks.NONE_AVAILABLE)
        group_id = found[1].hit_type.hit_group_id
    if not group_id.isalnum() or not group_id.isascii():
        raise PageRefusal(404, "No HITs available", tasks.NONE_AVAILABLE)
    return redirect(f"/projects/{group_id}/tasks", 302)


def html_question(ctx: Context) -> Response:
    """``/dynamic/hit?assignmentId=…&hitId=…``: an HTMLQuestion's page, as MTurk served it
    in the task's frame (on the content origin only)."""
    hit_id = ctx.request.args.get("hitId") or ""
    found = ctx.look(lambda service: reads.hit(service, hit_id)) if hit_id else None
    kind, content, _ = frames.wrapped(found[1].question if found is not None else None)
    if found is None or kind != "HTMLQuestion":
        return Response("Not found", 404, content_type="text/plain; charset=utf-8")
    world = found[0].environment.value
    page = frames.served(content, world, ctx.request.args.get("turkSubmitTo") or "")
    return Response(html.sendable(page), 200, content_type="text/html; charset=utf-8")


def helper_script(ctx: Context) -> Response:
    """MTurk's helper script, on the content origin beside the pages that load it."""
    return Response(frames.HELPER_SCRIPT, 200, content_type="text/javascript; charset=utf-8")
