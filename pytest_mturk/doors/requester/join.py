"""``/join/<HITGroupId>?k=<token>&PROLIFIC_PID=...``: a participant arrives by link.

The link's token must be the group's (:mod:`.links`; else 403, nothing done). The
participant's ID comes from the platform's parameter (:mod:`.identity`); without one,
a page asks for it (HTTP 400: the link was followed without what the platform appends,
so the request as sent cannot be done, but a person can still go on). Then the
participant becomes their worker -- made through the service core as the worker pages'
sign-in makes one, their platform and ID kept for the payments CSV -- and the browser
is signed in as that worker and sent to the group's page to accept (or, coming back
with an assignment of the group still in progress, to that assignment's page): from
there on it is the worker site, with its requirements, blocks and one assignment per
worker.

After a submission, the worker pages ask the backend where a worker goes next
(``Backend.after_submit``): a participant goes to ``/join/<HITGroupId>/done``, which
sends them on to the group's completion URL, or says "HIT Submitted".
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...core.errors import UsageError
from ...core.model import AssignmentStatus
from ...core.service import Service
from ...operations import worker_reads
from ..pages import guard, reads, tasks
from ..pages.context import COOKIE
from . import identity, links
from .area import Refused, Visit
from .layout import esc

__all__ = ["done", "join"]

_FORGED = "This link is not valid: use the link the study gave you, exactly as it is."


# The worker pages' own sign-in cookie, signed with their key as ``pages/workers.py``
# writes it and ``pages/context.py`` reads it.


def _worker_cookie(response: Response, visit: Visit, worker_id: str) -> None:
    """Sign the browser in as ``worker_id`` the way the worker pages' sign-in does."""
    value = guard.signed_worker(visit.backend.page_secret, worker_id)
    response.set_cookie(COOKIE, value, httponly=True, samesite="Lax", path="/", secure=visit.secure)


def _worker_of(visit: Visit) -> str | None:
    """The worker the browser is signed in as, as the worker pages read it."""
    return guard.worker_of(visit.backend.page_secret, visit.request.cookies.get(COOKIE) or "")


def _ask(visit: Visit, group_id: str, token: str, problem: str) -> Response:
    body = (
        "<h1>Your participant ID</h1>"
        f'<p class="refusal" role="alert" id="refusal">{esc(problem)}</p>'
        f'<form method="get" action="/join/{esc(group_id)}" class="card" id="participant-form">'
        f'<input type="hidden" name="k" value="{esc(token)}">'
        '<p><label for="participant">Participant ID</label><br>'
        '<input type="text" id="participant" name="participant" required autocomplete="off">'
        '</p><button type="submit">Continue</button></form>'
    )
    return visit.page("Your participant ID", body, 400)


def join(visit: Visit, group_id: str) -> Response:
    """Sign the link's participant in as their worker; on to the group's page."""
    hosting, request = visit.hosting, visit.request
    token = request.args.get("k")
    if not links.token_ok(hosting.secret, group_id, token):
        raise Refused(403, "Not a valid link", _FORGED)
    if visit.backend.look(lambda service: reads.group_type(service, group_id)) is None:
        raise Refused(404, "No such study", "This study has no tasks (any more).")
    try:
        participant = identity.participant_from(request.args)
    except identity.ParticipantError as exc:
        return _ask(visit, group_id, token or "", str(exc))
    if participant is None:
        return _ask(
            visit,
            group_id,
            token or "",
            "The link did not say who you are: enter the participant ID your study gave you.",
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in participant.participant_id):
        return _ask(visit, group_id, token or "", "A participant ID has no control characters.")
    worker_id = identity.worker_id(hosting.secret, participant.platform, participant.participant_id)
    # The worker and who they are, kept together: a backup (which takes both under the
    # backend's lock) never holds the one without the other.
    with visit.backend.lock:
        try:
            visit.backend.enlist(worker_id, None)
        except UsageError as refused:
            raise Refused(400, "Cannot sign in", str(refused)) from None
        hosting.remember(worker_id, participant)
    going_on = visit.backend.look(lambda service: _in_progress(service, worker_id, group_id))
    response = Response(status=303, headers={"Location": going_on or f"/projects/{group_id}/tasks"})
    _worker_cookie(response, visit, worker_id)
    return response


def _in_progress(service: Service, worker_id: str, group_id: str) -> str | None:
    """The task page of the worker's assignment in the group still being worked on
    (accepted, not yet submitted or returned), if there is one: a participant who closed
    the window and follows the link again carries on with it, as the worker's queue took
    a worker back to a HIT they had accepted."""
    for held, hit in reads.queue(service, worker_id):
        if hit.hit_type.hit_group_id == group_id:
            return tasks.task_url(hit, held.assignment_id)
    return None


def _submitted_in(service: Service, worker_id: str, group_id: str) -> bool:
    for held in worker_reads.holdings(service, worker_id):
        if held.submit_time is None or held.status is AssignmentStatus.ACCEPTED:
            continue
        found = reads.hit(service, held.hit_id)
        if found is not None and found[1].hit_type.hit_group_id == group_id:
            return True
    return False


def done(visit: Visit, group_id: str) -> Response:
    """After a participant's submission: on to the group's completion URL (shown only
    to a worker who submitted in the group), or "HIT Submitted"."""
    worker_id = _worker_of(visit)
    url = visit.hosting.completion.get(group_id)
    if worker_id is None or not visit.backend.look(
        lambda service: _submitted_in(service, worker_id, group_id)
    ):
        raise Refused(404, "Nothing submitted", "This browser has submitted nothing here.")
    if url is None:
        body = (
            "<h1>HIT Submitted</h1>"
            '<p class="flash" role="status" id="submitted">Thank you: your answers were '
            "submitted. You may close this page.</p>"
        )
        return visit.page("HIT Submitted", body)
    body = (
        "<h1>HIT Submitted</h1>"
        '<p class="flash" role="status" id="submitted">Thank you: your answers were '
        "submitted.</p>"
        f'<p><a id="completion" href="{esc(url)}">Continue to complete the study</a></p>'
    )
    # A meta refresh, not a redirect: the submission's own page (a form post, in a
    # frame) moves the whole window here, and this page moves it on without script.
    head = f'<meta http-equiv="refresh" content="0;url={esc(url)}">'
    return visit.page("HIT Submitted", body, head=head)
