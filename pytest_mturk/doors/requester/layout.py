"""The requester area's HTML and headers: one layout, escaped text, its own style sheet.

Plain server-rendered HTML5 with no script; every piece of text from a request or a
record goes through :func:`esc`. Every answer carries a Content-Security-Policy that
runs no script and loads only the area's own style sheet, may not be framed, and posts
forms only to this server, with ``nosniff`` and ``no-store``.
"""

from __future__ import annotations

import html

from werkzeug.wrappers import Response

__all__ = ["POLICY", "STYLE", "STYLE_PATH", "esc", "page", "refusal", "secured", "style"]

esc = html.escape
STYLE_PATH = "/requester/style.css"
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
STYLE = """
body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#16191f;
background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff}header .brand{font-weight:700;margin-right:auto}header form{margin:0}
main{max-width:70rem;margin:1.2rem auto;padding:0 1.2rem}
h1{font-size:1.45rem}h2{font-size:1.15rem}
.card{background:#fff;border:1px solid #d5dbdb;border-radius:4px;padding:1rem 1.2rem;
margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d5dbdb;vertical-align:top}
th{background:#fafafa}td form{display:inline}
button{font:inherit;padding:.3rem .9rem;border-radius:3px;border:1px solid #8d6605;
background:#ffd814;color:#16191f;cursor:pointer}
button.quiet{background:#fff;border-color:#545b64}
input[type=text],input[type=url],input[type=password]{font:inherit;padding:.3rem;
border:1px solid #879596;border-radius:3px;width:28rem;max-width:100%}
code{overflow-wrap:anywhere}
:focus-visible{outline:3px solid #0073bb;outline-offset:2px}
.flash{background:#e9f7ea;border:1px solid #1d8102;padding:.6rem 1rem;border-radius:4px}
.refusal{background:#fdf3f1;border:1px solid #d13212;padding:.6rem 1rem;border-radius:4px}
.muted{color:#545b64}
"""


def secured(response: Response) -> Response:
    """``response`` with the area's headers."""
    headers = response.headers
    headers["Content-Security-Policy"] = POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cache-Control"] = "no-store"
    return response


def page(title: str, body: str, status: int = 200, *, nav: str = "", head: str = "") -> Response:
    """A whole page: the layout around ``body`` (HTML already escaped); ``nav`` what the
    header shows on the right, ``head`` more of the document's head."""
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)} | pytest-mturk</title><link rel="stylesheet" href="{STYLE_PATH}">'
        f'{head}</head><body><header><span class="brand">pytest-mturk</span>{nav}</header>'
        f'<main id="main">{body}</main></body></html>'
    )
    return secured(Response(text, status, content_type="text/html; charset=utf-8"))


def refusal(title: str, message: str, status: int, *, nav: str = "") -> Response:
    """A page refusing a request, with the reason."""
    body = f'<h1>{esc(title)}</h1><p class="refusal" role="alert" id="refusal">{esc(message)}</p>'
    return page(title, body, status, nav=nav)


def style() -> Response:
    """The area's style sheet."""
    return secured(Response(STYLE, 200, content_type="text/css; charset=utf-8"))
