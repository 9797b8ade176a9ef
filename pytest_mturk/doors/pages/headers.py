"""The headers of the worker site's answers and of the content origin's.

The worker site (its pages, its redirects, its refusals) sends a Content-Security-Policy
that runs only its own script and style files, frames only the content origin, the
ExternalQuestion origins (HTTPS, as CreateHIT requires, or a configured local copy) and
itself, and lets no other site frame it; ``X-Frame-Options`` says the same to older
browsers. The content origin's answers (requester HTML, the helper script) may be
framed by the worker site only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from .guard import origin_of

if TYPE_CHECKING:
    from ..http.backend import Backend

__all__ = ["content", "content_policy", "site", "site_policy"]


def site_policy(backend: Backend, *, framable: bool) -> str:
    """The worker site's Content-Security-Policy (``framable``: the answer to a HIT's
    submission, shown in the task's frame by the site's own page)."""
    frames = ["'self'"]
    if backend.content_origin:
        frames.append(backend.content_origin)
    frames += sorted({origin_of(local) for local in backend.frame_origins.values()})
    frames.append("https:")  # an ExternalQuestion's own page (CreateHIT takes HTTPS only)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https: http:",  # a QuestionForm's images, as it names them
            "frame-src " + " ".join(frames),
            "frame-ancestors " + ("'self'" if framable else "'none'"),
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def site(response: Response, backend: Backend, *, framable: bool = False) -> Response:
    """``response`` with the worker site's headers."""
    headers = response.headers
    headers["Content-Security-Policy"] = site_policy(backend, framable=framable)
    headers["X-Frame-Options"] = "SAMEORIGIN" if framable else "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    # The task's URL names its assignment: other sites see the origin only.
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def content_policy(backend: Backend) -> str:
    """The content origin's Content-Security-Policy: framed by the worker site only;
    the requester's page may load and run what it names."""
    ancestors = " ".join(backend.site_origins) or "'none'"
    return f"frame-ancestors {ancestors}"


def content(response: Response, backend: Backend) -> Response:
    """``response`` with the content origin's headers."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_policy(backend)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = "no-store"
    return response
