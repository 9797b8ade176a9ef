"""Choosing who the browser works as: any well-formed worker ID, with its profile.

Signing in is the worker action that makes (or updates) the worker, as the control
API's ``POST /_mturk/workers/<id>`` does; the chosen ID is then kept in a cookie the
server signs (:mod:`.guard`), so a browser is only ever the worker it signed in as.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from ...core.roster import Profile
from ...core.service import Service
from .context import COOKIE, Context, PageRefusal, see_other, well_formed
from .guard import signed_worker
from .html import esc

__all__ = ["sign_in", "sign_out"]

_LOCALE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never another host.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/projects"


def _profile_of(ctx: Context, worker_id: str | None) -> dict[str, Any]:
    def read(service: Service) -> dict[str, Any]:
        for state in service.states.values():
            record = state.workers.get(worker_id) if worker_id else None
            if record is not None:
                return dict(Profile.of(record).__dict__)
        return {}

    return ctx.look(read)


def _form(
    ctx: Context, worker_id: str, profile: dict[str, Any], next_url: str, problem: str = ""
) -> str:
    locale = profile.get("locale", "US")
    checked = {key: " checked" if profile.get(key) else "" for key in ("adult", "masters")}
    error = f'<p class="refusal" role="alert" id="refusal">{esc(problem)}</p>' if problem else ""
    return (
        "<h1>Sign in as a worker</h1>"
        f"{error}"
        '<form method="post" action="/worker" class="card" id="sign-in">'
        f'<input type="hidden" name="next" value="{esc(next_url)}">'
        '<p><label for="worker_id">Worker ID</label><br>'
        f'<input type="text" id="worker_id" name="worker_id" value="{esc(worker_id)}" '
        'required pattern="A[A-Z0-9]{1,63}" autocomplete="off" autofocus '
        'aria-describedby="worker-id-help"> '
        '<span class="muted" id="worker-id-help">Any well-formed worker ID: A, then '
        "capital letters and digits (e.g. A1B2C3D4E5F6G7).</span></p>"
        "<fieldset><legend>Profile (what MTurk knew of the worker)</legend>"
        '<p><label for="locale">Locale</label> '
        f'<input type="text" id="locale" name="locale" value="{esc(str(locale))}" size="6" '
        'pattern="[A-Z]{2}(-[A-Z0-9]{1,3})?"> <span class="muted">country, or '
        "country-subdivision (US-CA)</span></p>"
        f'<p><input type="checkbox" id="adult" name="adult" value="1"{checked["adult"]}> '
        '<label for="adult">Adult content allowed (Worker_Adult)</label></p>'
        f'<p><input type="checkbox" id="masters" name="masters" value="1"{checked["masters"]}> '
        '<label for="masters">Masters</label></p>'
        '<p><label for="approved">HITs approved before</label> '
        f'<input type="number" id="approved" name="approved" min="0" step="1" '
        f'value="{int(profile.get("approved", 0))}"></p>'
        '<p><label for="rejected">HITs rejected before</label> '
        f'<input type="number" id="rejected" name="rejected" min="0" step="1" '
        f'value="{int(profile.get("rejected", 0))}"></p></fieldset>'
        '<div class="actions"><button type="submit">Sign in</button></div></form>'
    )


def sign_in(ctx: Context) -> Response:
    request = ctx.request
    if ctx.backend.hosted:  # a hosted study's workers are who their participant link says
        raise PageRefusal(
            403,
            "Sign in",
            "Workers of this study arrive by the participant link their study gave them; "
            "there is no signing in here.",
        )
    if request.method != "POST":
        next_url = _safe_next(request.args.get("next"))
        profile = _profile_of(ctx, ctx.worker_id)
        return ctx.page("Sign in", _form(ctx, ctx.worker_id or "", profile, next_url))
    worker_id = (request.form.get("worker_id") or "").strip()
    next_url = _safe_next(request.form.get("next"))
    try:
        profile = {
            "locale": (request.form.get("locale") or "US").strip() or "US",
            "adult": bool(request.form.get("adult")),
            "masters": bool(request.form.get("masters")),
            "approved": int(request.form.get("approved") or 0),
            "rejected": int(request.form.get("rejected") or 0),
        }
    except ValueError:
        profile = {}
    problem = ""
    if not well_formed(worker_id):
        problem = f'The value "{worker_id}" is not valid for the parameter WorkerId.'
    elif not profile or profile["approved"] < 0 or profile["rejected"] < 0:
        problem = "The counts of HITs approved and rejected are whole numbers, 0 or more."
    elif not _LOCALE.fullmatch(profile["locale"]):
        problem = "The locale is a country code (US) or a country and subdivision (US-CA)."
    if problem:
        body = _form(ctx, worker_id, profile or {}, next_url, problem)
        return ctx.page("Sign in", body, 400)
    with ctx.acting("Cannot sign in") as backend:
        backend.enlist(worker_id, profile)
    response = see_other(next_url)
    ctx.set_cookie(response, COOKIE, signed_worker(ctx.backend.page_secret, worker_id))
    return response


def sign_out(ctx: Context) -> Response:
    if ctx.request.method != "POST":
        raise PageRefusal(405, "Sign out", "Sign out with the button (a POST).")
    response = see_other("/worker")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=ctx.secure)
    return response
