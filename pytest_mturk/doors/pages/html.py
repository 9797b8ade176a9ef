"""The worker pages' HTML: one layout, escaped text, and the few pieces every page uses.

Plain server-rendered HTML5: real ``<form>`` posts, ``<label>`` for every field, the
document order as the focus order, and no script of ours but one file (the step after
a HIT's submission, which a link also takes; :mod:`.assets`). Every piece of text from
a request or a record goes through :func:`esc`; every form posting to the site carries
the session's CSRF token (:func:`page`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Response

from .assets import SCRIPT_PATH, STYLE_PATH
from .guard import CSRF_FIELD

__all__ = ["button_form", "esc", "link", "page", "refusal", "sendable", "url"]

esc = html.escape
# A code point UTF-8 cannot carry: a lone surrogate, which a JSON string may hold
# ("\ud800") and the service keeps (docs/fidelity.md).
_SURROGATE = re.compile("[\ud800-\udfff]")
# The site's own forms (no requester HTML is ever part of a site page: it is escaped).
_POST_FORM = re.compile(r'<form (?:id="question-form" )?method="post"[^>]*>')


def url(path: str, **query: str | None) -> str:
    """``path`` with the query parameters that are not ``None``, in the order given."""
    pairs = [(key, value) for key, value in query.items() if value is not None]
    return path + ("?" + urlencode(pairs, quote_via=quote) if pairs else "")


def link(href: str, text: str) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def button_form(
    action: str, label: str, fields: Iterable[tuple[str, str]] = (), *, quiet: bool = False
) -> str:
    """A one-button form posting ``fields`` to ``action``."""
    hidden = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">' for name, value in fields
    )
    style = ' class="quiet"' if quiet else ""
    return (
        f'<form method="post" action="{esc(action)}">{hidden}'
        f'<button type="submit"{style}>{esc(label)}</button></form>'
    )


def money(amount: Decimal) -> str:
    return f"${amount:.2f}"


def _header(worker_id: str | None) -> str:
    parts = ['<a class="brand" href="/projects">pytest-mturk worker site</a>']
    parts.append(link("/projects", "HITs"))
    if worker_id is not None:
        parts.append(link("/tasks", "Your HITs queue"))
        parts.append(link("/qualifications", "Qualifications"))
        parts.append(
            f'<span>Worker <strong id="worker-id">{esc(worker_id)}</strong></span>'
            + button_form("/worker/sign-out", "Sign out", quiet=True)
        )
    else:
        parts.append(link("/worker", "Sign in as a worker"))
    return f'<header><nav aria-label="Worker site">{" ".join(parts)}</nav></header>'


def sendable(text: str) -> str:
    """``text`` as a page can send it in UTF-8: each lone surrogate shown as U+FFFD, the
    replacement character, as a browser shows any character it cannot decode."""
    return _SURROGATE.sub("\ufffd", text)


def page(
    title: str, body: str, worker_id: str | None, status: int = 200, csrf: str = ""
) -> Response:
    """A whole page: the layout around ``body`` (HTML already escaped); each form of it
    that posts carries ``csrf``, the session's token."""
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} | pytest-mturk</title>"
        f'<link rel="stylesheet" href="{STYLE_PATH}"><script src="{SCRIPT_PATH}" defer></script>'
        '</head><body><a class="skip" href="#main">Skip to the page</a>'
        f'{_header(worker_id)}<main id="main">{body}</main></body></html>'
    )
    if csrf:
        hidden = f'<input type="hidden" name="{CSRF_FIELD}" value="{esc(csrf)}">'
        text = _POST_FORM.sub(lambda found: found.group(0) + hidden, text)
    response = Response(sendable(text), status, content_type="text/html; charset=utf-8")
    # The pages show the simulation as it is now: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def refusal(
    title: str, message: str, worker_id: str | None, status: int = 400, csrf: str = ""
) -> Response:
    """A page refusing a request, with the reason (``role=alert`` for screen readers)."""
    body = (
        f"<h1>{esc(title)}</h1>"
        f'<p class="refusal" role="alert" id="refusal">{esc(message)}</p>'
        f"<p>{link('/projects', 'Back to the HITs')}</p>"
    )
    return page(title, body, worker_id, status, csrf)
