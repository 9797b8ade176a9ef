"""``/projects/<group>/tasks/accept_random``: the worker site's link that accepts a HIT.

Worker tools linked a HIT group to it (Anveio/mturk-engine's "Accept" links, with
``?ref=w_pl_prvw`` as the site wrote its own; JohnnyRS/PandaCrazy-Max's catchers): a GET
accepted the group's next HIT the signed-in worker could take and redirected to that
assignment's task page, ``/projects/<group>/tasks/<HIT>?assignment_id=<id>``. Without
one the group's page said so. The accept is the worker action ``accept``, as the group
page's "Accept & Work" is (and so journaled with the rest).

A GET that changes state is one a page could make a browser send behind the worker's
back (a HIT's frame, an image, a script's fetch, a window a HIT opens), so the link
accepts only when it is a top-level navigation from the site itself or typed in
(:meth:`.context.Context.worker_navigated`); followed from another site, it shows the group's
page, with its "Accept & Work" button one click away, and changes nothing.
"""

from __future__ import annotations

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ...core.model import HIT
from ...core.service import Service
from ...operations import worker_reads
from ...rules.qualifications import requirements
from . import reads, tasks
from .context import Context, PageRefusal
from .html import esc, link

__all__ = ["NOT_BY_YOU", "NOT_QUALIFIED", "NO_MORE", "accept_random"]

# The worker site's texts (docs/fidelity.md, "The worker's pages").
NO_MORE = "There are no more of these HITs available."
NOT_QUALIFIED = (
    "This Requester has specified Qualifications for this HIT. At this time, you do not "
    "meet those Qualifications."
)
NOT_BY_YOU = (
    "Nothing was accepted: this link was not opened by you. Accept the HIT below if you want it."
)


def accept_random(ctx: Context, group_id: str) -> Response:
    """Accept the group's next HIT the worker can take and go to its task (a 302, as
    the site's redirect); without one, the group's page with the site's reason."""
    worker_id = ctx.need_worker()
    if not ctx.worker_navigated():
        found = tasks.previewed(ctx, group_id)
        if found is None:
            raise PageRefusal(404, "No HITs available", tasks.NONE_AVAILABLE)
        return tasks.group_page(ctx, group_id, *found, notice=NOT_BY_YOU)
    tried: set[str] = set()
    while True:
        choice = ctx.look(lambda service: _choose(service, worker_id, group_id, tried))
        if choice is None:
            raise PageRefusal(404, "No such HIT group", f"There is no HIT group {group_id}.")
        if isinstance(choice, str):
            return _none_left(ctx, group_id, choice)
        try:
            with ctx.acting("Cannot accept this HIT") as backend:
                assignment_id = backend.accept(worker_id, choice.hit_id)
        except PageRefusal:
            tried.add(choice.hit_id)  # taken since it was chosen: the next one
            continue
        return redirect(tasks.task_url(choice, assignment_id), 302)


def _choose(service: Service, worker_id: str, group_id: str, tried: set[str]) -> HIT | str | None:
    """The group's first HIT the worker may accept; else the site's reason why none;
    ``None`` if no HIT type has that group ID."""
    if reads.group_type(service, group_id) is None:
        return None
    findable = set(worker_reads.available_hits(service, worker_id))
    unqualified = False
    for state, hit in reads.group_hits(service, group_id):
        if hit.hit_id in tried:
            continue
        if hit.hit_id in findable and worker_reads.why_not(service, worker_id, hit.hit_id) is None:
            return hit
        worker = worker_reads.seen_as(state, worker_id)
        if (
            not hit.expired
            and hit.available > 0
            and requirements.unmet(state, worker, hit, requirements.ACCEPT)
        ):
            unqualified = True
    return NOT_QUALIFIED if unqualified else NO_MORE


def _none_left(ctx: Context, group_id: str, reason: str) -> Response:
    """The group's page with ``reason``: previewing a HIT the worker can find (which
    says why they cannot accept it), or only the reason when there is none."""
    found = tasks.previewed(ctx, group_id)
    if found is not None:
        return tasks.group_page(ctx, group_id, *found, notice=reason)
    hit_type = ctx.look(lambda service: reads.group_type(service, group_id))
    title = hit_type.title if hit_type is not None else group_id
    body = (
        f"<h1>{esc(title)}</h1>{tasks.notice_html(reason)}"
        f"<p>{link('/projects', 'See the HITs available to you')}</p>"
    )
    return ctx.page(title, body)
