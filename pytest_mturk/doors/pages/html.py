"""The worker pages' HTML: one layout, escaped text, and the few pieces every page uses.

Plain server-rendered HTML5: real ``<form>`` posts, ``<label>`` for every field, the
document order as the focus order, and no script of ours (the one exception, the
step after an ExternalQuestion's submission, has a link doing the same). Every piece
of text from a request or a record goes through :func:`esc`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Response

__all__ = ["button_form", "esc", "link", "page", "refusal", "url"]

esc = html.escape

# Small, readable, high-contrast; the focus ring is the browser's own, made bolder.
_STYLE = """
body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#16191f;
background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;gap:1rem;
align-items:center}
header a{color:#fff}header .brand{font-weight:700;text-decoration:none;margin-right:auto}
header form{display:inline;margin:0}
main{max-width:62rem;margin:1.2rem auto;padding:0 1.2rem}
h1{font-size:1.45rem;margin:.2rem 0 .8rem}h2{font-size:1.15rem}
.card{background:#fff;border:1px solid #d5dbdb;border-radius:4px;padding:1rem 1.2rem;
margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d5dbdb;vertical-align:top}
th{background:#fafafa}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);
gap:.2rem 1rem;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
dl.facts ul{margin:0;padding-left:1.1rem}
button,input[type=submit]{font:inherit;padding:.4rem 1rem;border-radius:3px;
border:1px solid #8d6605;background:#ffd814;color:#16191f;cursor:pointer}
button.quiet{background:#fff;border-color:#545b64}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid #0073bb;outline-offset:2px}
input[type=text],input[type=number],textarea,select{font:inherit;padding:.3rem;
border:1px solid #879596;border-radius:3px;max-width:100%}
label{cursor:pointer}
.flash{background:#e9f7ea;border:1px solid #1d8102;padding:.6rem 1rem;border-radius:4px}
.refusal{background:#fdf3f1;border:1px solid #d13212;padding:.6rem 1rem;border-radius:4px}
.error{color:#b0281a;font-weight:600}
.muted{color:#545b64}.env{font-size:.8rem;border:1px solid #879596;border-radius:3px;
padding:0 .3rem;margin-left:.4rem}
iframe{width:100%;border:1px solid #d5dbdb;background:#fff}
fieldset{border:1px solid #d5dbdb;border-radius:4px;margin:0 0 1rem;padding:.6rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.skip{position:absolute;left:-999rem}.skip:focus{left:1rem;top:.5rem;background:#fff;
color:#16191f;padding:.3rem .6rem;z-index:1}
.actions{display:flex;gap:.8rem;flex-wrap:wrap;align-items:center;margin:.8rem 0}
"""


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


def page(title: str, body: str, worker_id: str | None, status: int = 200) -> Response:
    """A whole page: the layout around ``body`` (HTML already escaped)."""
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} | pytest-mturk</title><style>{_STYLE}</style></head>"
        '<body><a class="skip" href="#main">Skip to the page</a>'
        f'{_header(worker_id)}<main id="main">{body}</main></body></html>'
    )
    response = Response(text, status, content_type="text/html; charset=utf-8")
    # The pages show the simulation as it is now: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def refusal(title: str, message: str, worker_id: str | None, status: int = 400) -> Response:
    """A page refusing a request, with the reason (``role=alert`` for screen readers)."""
    body = (
        f"<h1>{esc(title)}</h1>"
        f'<p class="refusal" role="alert" id="refusal">{esc(message)}</p>'
        f"<p>{link('/projects', 'Back to the HITs')}</p>"
    )
    return page(title, body, worker_id, status)
