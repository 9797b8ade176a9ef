"""The worker's HITs: the list, a group's preview, accept, the task, return, submit.

URLs follow the worker site (``/projects``, ``/projects/<group>/tasks``,
``/projects/<group>/tasks/<HIT>?assignment_id=<assignment>``, ``/tasks``); the
classic ``/mturk/preview?groupId=`` link and ``/mturk/externalSubmit`` are in
:mod:`.submit`. Every change is a worker action run by the backend, exactly as the
control API's worker actions are.
"""

from __future__ import annotations

import datetime as _dt

from werkzeug.wrappers import Response

from ...core.model import HIT, Assignment, AssignmentStatus
from ...core.service import Service
from ...operations import worker_reads
from ...operations.worker_reads import Preview
from ...rules.qualifications import requirements
from . import forms, frames, reads
from .context import Context, PageRefusal, see_other
from .html import button_form, esc, link, money, url

__all__ = [
    "accept",
    "group_page",
    "group_preview",
    "next_step",
    "notice_html",
    "previewed",
    "projects",
    "queue",
    "return_",
    "task",
    "task_url",
]

NONE_AVAILABLE = "There are no HITs in this group available to you at the moment."


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _when(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def task_url(hit: HIT, assignment_id: str) -> str:
    return url(
        f"/projects/{hit.hit_type.hit_group_id}/tasks/{hit.hit_id}", assignment_id=assignment_id
    )


# -- the list ------------------------------------------------------------------------------


def projects(ctx: Context) -> Response:
    worker_id = ctx.need_worker()
    groups = ctx.look(lambda service: reads.listing(service, worker_id))
    if not groups:
        body = '<h1>HITs</h1><p id="no-hits">No HITs are available to you at the moment.</p>'
        return ctx.page("HITs", body)
    rows = "".join(
        "<tr>"
        f"<td>{link(f'/projects/{group.group_id}/tasks', group.title)}"
        f'<span class="env">{esc(group.environment.value)}</span></td>'
        f"<td>{esc(group.description)}</td>"
        f"<td>{group.count}</td><td>{money(group.reward)}</td>"
        f"<td>{esc(_duration(group.duration))}</td>"
        "</tr>"
        for group in groups
    )
    body = (
        "<h1>HITs</h1>"
        '<table id="hits"><caption class="muted">HIT groups you can work on, as the worker '
        "site lists them</caption><thead><tr><th scope=col>Title</th>"
        "<th scope=col>Description</th><th scope=col>HITs</th><th scope=col>Reward</th>"
        f"<th scope=col>Time allotted</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return ctx.page("HITs", body)


def queue(ctx: Context) -> Response:
    worker_id = ctx.need_worker()
    held = ctx.look(lambda service: reads.queue(service, worker_id))
    if not held:
        return ctx.page("Your HITs queue", "<h1>Your HITs queue</h1><p>It is empty.</p>")
    rows = "".join(
        f"<tr><td>{link(task_url(hit, assignment.assignment_id), hit.hit_type.title)}</td>"
        f"<td>{esc(assignment.assignment_id)}</td><td>{esc(_when(assignment.deadline))}</td></tr>"
        for assignment, hit in held
    )
    body = (
        '<h1>Your HITs queue</h1><table id="queue"><thead><tr><th scope=col>HIT</th>'
        "<th scope=col>Assignment</th><th scope=col>Submit by</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return ctx.page("Your HITs queue", body)


# -- preview and accept ----------------------------------------------------------------------


def _requirements(ctx: Context, hit: HIT) -> list[str]:
    """The HIT's requirements as a worker reads them (``Worker_Locale EqualTo US``)."""

    def read(service: Service) -> list[str]:
        found = reads.hit(service, hit.hit_id)
        if found is None:
            return []
        state = found[0]
        return [
            f"{requirements.type_name(state, req['QualificationTypeId'])} "
            f"{requirements.describe(req)}"
            for req in hit.hit_type.qualification_requirements
        ]

    return ctx.look(read)


def _facts(ctx: Context, hit: HIT, extra: str = "") -> str:
    hit_type = hit.hit_type
    listed = "".join(f"<li>{esc(text)}</li>" for text in _requirements(ctx, hit))
    return (
        '<dl class="facts">'
        f"<dt>Reward</dt><dd>{money(hit_type.reward)}</dd>"
        f"<dt>Time allotted</dt><dd>{esc(_duration(hit_type.assignment_duration))}</dd>"
        f"<dt>Expires</dt><dd>{esc(_when(hit.expiration))}</dd>"
        f"<dt>HIT</dt><dd>{esc(hit.hit_id)}</dd>"
        f"<dt>Keywords</dt><dd>{esc(hit_type.keywords or '')}</dd>"
        f"<dt>Qualifications required</dt><dd><ul>{listed or '<li>None</li>'}</ul></dd>"
        f"{extra}</dl>"
    )


def _question_html(ctx: Context, hit: HIT, assignment: Assignment | None) -> str:
    """The HIT's question as the worker sees it: a frame, or (a QuestionForm) our form."""
    worker_id = assignment.worker_id if assignment is not None else None
    framed = frames.frame_url(
        hit.question,
        hit.hit_id,
        assignment.assignment_id if assignment is not None else None,
        worker_id,
        ctx.base_url,
        ctx.backend.frame_origins,
        ctx.backend.content_origin,
    )
    if framed is not None:
        address, height = framed
        if not address:
            return (
                '<p class="refusal" id="no-content-origin">This server has no content origin '
                "to show an HTMLQuestion's page from: serve it with pytest-mturk serve or "
                "ThreadedServer.</p>"
            )
        # FrameHeight 0 asked MTurk to size the frame to its content: a tall frame here.
        size = f'height="{height}"' if height > 0 else 'class="tall"'
        return (
            f'<iframe id="task-frame" title="{esc(hit.hit_type.title)}" src="{esc(address)}" '
            f'{size} sandbox="{frames.SANDBOX}"></iframe>'
        )
    if assignment is None:
        return forms.render(hit.question, disabled=True)
    return forms.render(
        hit.question, action=task_url(hit, assignment.assignment_id), submit_label="Submit"
    )


def group_preview(ctx: Context, group_id: str) -> Response:
    """``/projects/<group>/tasks``: the group's next HIT the worker can see, previewed."""
    found = previewed(ctx, group_id)
    if found is None:
        raise PageRefusal(404, "No HITs available", NONE_AVAILABLE)
    return group_page(ctx, group_id, *found)


def previewed(ctx: Context, group_id: str) -> tuple[HIT, Preview | None] | None:
    """The group's first HIT the visitor can find, with the signed-in worker's preview
    of it (``None`` for a visitor not signed in); ``None`` if there is none."""
    worker_id = ctx.worker_id

    def read(service: Service) -> tuple[HIT, Preview | None] | None:
        live = reads.group_hits(service, group_id)
        if worker_id is None:
            # Nobody signed in: what any worker could find (no requirement guarding
            # discovery); the question shown only if none guards preview.
            for _, hit in live:
                guards = hit.hit_type.qualification_requirements
                if (
                    not hit.expired
                    and hit.available > 0
                    and not any(requirements.guards(r, requirements.DISCOVER) for r in guards)
                ):
                    return hit, None
            return None
        findable = set(worker_reads.available_hits(service, worker_id))
        for _, hit in live:
            if hit.hit_id in findable:
                return hit, worker_reads.preview(service, worker_id, hit.hit_id)
        return None

    return ctx.look(read)


def group_page(
    ctx: Context, group_id: str, hit: HIT, preview: Preview | None, notice: str | None = None
) -> Response:
    """The group's page previewing ``hit``, with ``notice`` (why a request of the worker's
    was not done) above it."""
    title = hit.hit_type.title
    if preview is None:
        here = ctx.request.full_path.rstrip("?")
        action = f"<p>{link(url('/worker', next=here), 'Sign in')} to accept.</p>"
    elif preview.why_not is None:
        action = button_form(
            f"/projects/{group_id}/tasks/accept", "Accept & Work", [("hit_id", hit.hit_id)]
        )
    else:
        action = f'<p class="refusal" id="why-not">You cannot accept: {esc(preview.why_not)}</p>'
    hidden = (
        preview.question is None
        if preview is not None
        else any(
            requirements.guards(r, requirements.PREVIEW)
            for r in hit.hit_type.qualification_requirements
        )
    )
    if hidden:
        question = (
            '<p id="preview-hidden">The requester lets only qualified workers preview this HIT.</p>'
        )
    else:
        question = _question_html(ctx, hit, None)
    body = (
        f'<h1>{esc(title)} <span class="env">{esc(_environment(ctx, hit))}</span></h1>'
        f"{notice_html(notice)}"
        f'<div class="card"><p>{esc(hit.hit_type.description)}</p>{_facts(ctx, hit)}'
        f'<div class="actions" id="preview-actions">{action}</div></div>'
        f'<p class="muted" id="previewing">Previewing: accept the HIT to work on it.</p>'
        f"{question}"
    )
    return ctx.page(f"Preview: {title}", body)


def notice_html(notice: str | None) -> str:
    """A notice at the top of a page (``role=alert``), or nothing."""
    return f'<p class="refusal" role="alert" id="notice">{esc(notice)}</p>' if notice else ""


def _environment(ctx: Context, hit: HIT) -> str:
    found = ctx.look(lambda service: reads.hit(service, hit.hit_id))
    return found[0].environment.value if found is not None else ""


def accept(ctx: Context, group_id: str) -> Response:
    worker_id = ctx.need_worker()
    hit_id = ctx.field("hit_id")
    if hit_id is None:
        live = ctx.look(lambda service: reads.group_hits(service, group_id))
        if not live:
            raise PageRefusal(404, "No HITs available", NONE_AVAILABLE)
        hit_id = live[0][1].hit_id
    found = ctx.look(lambda service: reads.hit(service, hit_id))
    if found is None or found[1].hit_type.hit_group_id != group_id:
        raise PageRefusal(404, "No HITs available", NONE_AVAILABLE)
    with ctx.acting("Cannot accept this HIT") as backend:
        assignment_id = backend.accept(worker_id, hit_id)
    return see_other(task_url(found[1], assignment_id))


# -- working on a task -----------------------------------------------------------------------


def held(ctx: Context, hit_id: str, assignment_id: str | None) -> tuple[HIT, Assignment]:
    """The worker's assignment in progress, or the refusal saying why it is not."""
    worker_id = ctx.need_worker()
    if not assignment_id:
        raise PageRefusal(400, "No assignment", "The request has no assignment_id.")
    found = ctx.look(lambda service: reads.assignment(service, assignment_id))
    if found is None or found[1].hit_id != hit_id:
        raise PageRefusal(404, "No such assignment", f"There is no assignment {assignment_id}.")
    assignment = found[1]
    if assignment.worker_id != worker_id:
        raise PageRefusal(
            403, "Not your assignment", f"Assignment {assignment_id} is not worker {worker_id}'s."
        )
    if assignment.status is not AssignmentStatus.ACCEPTED:
        why = (
            "its time ran out"
            if assignment.status is AssignmentStatus.ABANDONED
            else f"it is {assignment.status.value}"
        )
        raise PageRefusal(
            409,
            "No longer in progress",
            f"Assignment {assignment_id} is no longer yours to work on: {why}.",
        )
    found_hit = ctx.look(lambda service: reads.hit(service, hit_id))
    if found_hit is None:
        raise PageRefusal(404, "No such HIT", f"There is no HIT {hit_id}.")
    hit = found_hit[1]
    return hit, assignment


def task(ctx: Context, group_id: str, hit_id: str) -> Response:
    assignment_id = ctx.request.args.get("assignment_id")
    hit, assignment = held(ctx, hit_id, assignment_id)
    if ctx.request.method == "POST":
        return _submit_form(ctx, hit, assignment)
    return task_page(ctx, hit, assignment, _question_html(ctx, hit, assignment))


def _submit_form(ctx: Context, hit: HIT, assignment: Assignment) -> Response:
    """A QuestionForm posted from its task page: re-shown with the page's complaints,
    or submitted (then on to the next step)."""
    if not forms.is_question_form(hit.question):
        raise PageRefusal(
            405, "Cannot submit here", "This HIT's page submits to /mturk/externalSubmit."
        )
    pairs = list(ctx.request.form.items(multi=True))
    action = task_url(hit, assignment.assignment_id)
    answers, problems = forms.read(hit.question, ctx.request, pairs, assignment.assignment_id)
    if problems:
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        shown = forms.render(hit.question, action=action, values=values, problems=problems)
        return task_page(ctx, hit, assignment, shown, 400)
    worker_id = assignment.worker_id
    with ctx.acting("Cannot submit") as backend:
        backend.submit(worker_id, assignment.assignment_id, answers)
    return see_other(next_step(ctx, worker_id, hit.hit_type.hit_group_id))


def task_page(
    ctx: Context, hit: HIT, assignment: Assignment, question: str, status: int = 200
) -> Response:
    title = hit.hit_type.title
    give_back = button_form(
        f"/projects/{hit.hit_type.hit_group_id}/tasks/{hit.hit_id}/return",
        "Return",
        [("assignment_id", assignment.assignment_id)],
        quiet=True,
    )
    extra = (
        f'<dt>Assignment</dt><dd id="assignment-id">{esc(assignment.assignment_id)}</dd>'
        f"<dt>Submit by</dt><dd>{esc(_when(assignment.deadline))}</dd>"
    )
    body = (
        f"<h1>{esc(title)}</h1>"
        f'<div class="card"><p>{esc(hit.hit_type.description)}</p>{_facts(ctx, hit, extra)}'
        f'<div class="actions">{give_back}</div></div>{question}'
    )
    return ctx.page(title, body, status)


def return_(ctx: Context, group_id: str, hit_id: str) -> Response:
    worker_id = ctx.need_worker()
    assignment_id = ctx.field("assignment_id") or ""
    held(ctx, hit_id, assignment_id)
    with ctx.acting("Cannot return this HIT") as backend:
        backend.return_(worker_id, assignment_id)
    return see_other("/projects")


def next_step(ctx: Context, worker_id: str, group_id: str) -> str:
    """Where the worker goes after submitting: where the backend's ``after_submit``
    sends them (a participant of the hosted profile: their study's completion step),
    else the group's next HIT if they can accept one, else the list of HITs."""
    hook = ctx.backend.after_submit
    elsewhere = hook(worker_id, group_id) if hook is not None else None
    if elsewhere is not None:
        return elsewhere

    def more(service: Service) -> bool:
        findable = set(worker_reads.available_hits(service, worker_id))
        return any(
            hit.hit_id in findable and worker_reads.why_not(service, worker_id, hit.hit_id) is None
            for _, hit in reads.group_hits(service, group_id)
        )

    return f"/projects/{group_id}/tasks" if ctx.look(more) else "/projects"
