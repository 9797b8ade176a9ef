"""Which worker page answers a request (``docs/worker-pages.md`` lists them).

:func:`answer` is the server's one hook into the pages: it answers the paths that are
the worker's and returns ``None`` for every other, which the server answers itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import accept_link, frames, html, qualifications, submit, tasks, workers
from .context import COOKIE, Backend, Context, PageRefusal

__all__ = ["answer"]

Handler = Callable[..., Response]
_ID = r"([A-Z0-9]{1,64})"
GET, POST, BOTH = (
    frozenset({"GET", "HEAD"}),
    frozenset({"POST"}),
    frozenset({"GET", "HEAD", "POST"}),
)
ACTING_GET = frozenset({"GET"})  # a link that changes state: never for a HEAD

_ROUTES: list[tuple[re.Pattern[str], frozenset[str], Handler]] = [
    (re.compile(r"/projects/?"), GET, tasks.projects),
    (re.compile(rf"/projects/{_ID}/tasks/?"), GET, tasks.group_preview),
    (re.compile(rf"/projects/{_ID}/tasks/accept"), POST, tasks.accept),
    (re.compile(rf"/projects/{_ID}/tasks/accept_random"), ACTING_GET, accept_link.accept_random),
    (re.compile(rf"/projects/{_ID}/tasks/{_ID}"), BOTH, tasks.task),
    (re.compile(rf"/projects/{_ID}/tasks/{_ID}/return"), POST, tasks.return_),
    (re.compile(r"/tasks/?"), GET, tasks.queue),
    (re.compile(r"/worker/?"), BOTH, workers.sign_in),
    (re.compile(r"/worker/sign-out"), POST, workers.sign_out),
    (re.compile(r"/mturk/preview"), GET, submit.classic_preview),
    (re.compile(r"/mturk/externalSubmit"), BOTH, submit.external_submit),
    (re.compile(r"/dynamic/hit"), GET, submit.html_question),
    (re.compile(re.escape(frames.HELPER_PATH)), GET, submit.helper_script),
    (re.compile(r"/qualifications/?"), GET, qualifications.listing),
    (re.compile(rf"/qualifications/{_ID}"), BOTH, qualifications.request_page),
]
# Paths that are the worker site's even when nothing above matches them (a malformed
# ID): refused by the pages, never passed on to the service API.
_PREFIXES = (
    "/projects",
    "/tasks",
    "/worker",
    "/mturk/",
    "/dynamic/",
    "/mturk-public/",
    "/qualifications",
)


def answer(backend: Backend, request: Request) -> Response | None:
    """The worker pages' response to ``request``, or ``None`` if the path is not theirs."""
    path = request.path
    cookie = request.cookies.get(COOKIE) or ""
    worker_id = cookie if workers.well_formed(cookie) else None
    for pattern, methods, handler in _ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if request.method not in methods:
            allowed = ", ".join(sorted(methods - {"HEAD"}))
            return html.refusal("Method not allowed", f"{path} takes {allowed}.", worker_id, 405)
        ctx = Context(backend, request, worker_id)
        try:
            return handler(ctx, *match.groups())
        except PageRefusal as refused:
            if refused.status == 401 and request.method != "POST":
                return redirect(html.url("/worker", next=request.full_path.rstrip("?")), 303)
            return html.refusal(refused.title, refused.message, worker_id, refused.status)
        finally:
            request.close()  # an uploaded file's temporary copy, if any
    if path.startswith(_PREFIXES) or path == "/mturk":
        return html.refusal("Not found", f"There is no page at {path}.", worker_id, 404)
    return None
