"""The frame a worker works in: an ExternalQuestion's URL, an HTMLQuestion's page.

MTurk showed both kinds of question in an ``<iframe>``: the requester's own URL for an
ExternalQuestion, a page of MTurk's (``/dynamic/hit`` on a content domain of its own,
``www.mturkcontent.com``) for an HTMLQuestion, each with the assignment's parameters
appended to its query string (``docs/worker-pages.md`` gives the sources). Here the
content domain is the server's content origin (``Backend.content_origin``), never the
worker site's:

* accepted: ``assignmentId``, ``hitId``, ``workerId``, ``turkSubmitTo`` in that order,
  ``turkSubmitTo`` being the worker site's base URL (here: the server's), encoded;
* previewing: ``assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE`` and ``hitId`` only.

The requester's page posts its form to ``turkSubmitTo + "/mturk/externalSubmit"``;
MTurk's helper script ``externalHIT_v1.js`` set that action from the query string,
and the server serves a work-alike of it (:data:`HELPER_SCRIPT`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

from ...rules.questions import checks as questions

__all__ = [
    "HELPER_PATH",
    "HELPER_SCRIPT",
    "NOT_AVAILABLE",
    "SANDBOX",
    "frame_parameters",
    "frame_url",
    "served",
    "wrapped",
    "with_parameters",
]

NOT_AVAILABLE = "ASSIGNMENT_ID_NOT_AVAILABLE"
HTML_PATH = "/dynamic/hit"
HELPER_PATH = "/mturk-public/externalHIT_v1.js"
# MTurk's own addresses an HTMLQuestion page names: its helper script, and each world's
# externalSubmit (AWS's example page posts to production's).
HELPER_URL = "https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"
SUBMIT_URLS = {
    "sandbox": "https://workersandbox.mturk.com/mturk/externalSubmit",
    "production": "https://www.mturk.com/mturk/externalSubmit",
}
# What the task's frame lets a HIT do: run its script, send its form, be its own origin
# (the content origin, or the requester's: never the site's), show dialogs, open a
# window (an experiment's, as psiTurk's ad page opens, free of the frame's limits), and
# move the worker's window only when the worker clicks (a "Continue" link with
# target=_top). Not: move the window by itself, nor reach the page around it.
SANDBOX = (
    "allow-scripts allow-forms allow-same-origin allow-modals allow-popups "
    "allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)

# What MTurk's helper script did, written afresh: read a parameter from the page's URL,
# fill the form's ``assignmentId`` field, point the form at turkSubmitTo's
# externalSubmit, and, while previewing, disable the submit button.
HELPER_SCRIPT = """\
function turkGetParam(name, defaultValue) {
  var match = new RegExp("[?&]" + name + "=([^&#]*)").exec(window.location.href);
  return match === null ? defaultValue : decodeURIComponent(match[1].replace(/\\+/g, " "));
}
function turkSetAssignmentID(formName) {
  var assignmentId = turkGetParam("assignmentId", "");
  var field = document.getElementById("assignmentId");
  if (field) { field.value = assignmentId; }
  if (assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE") {
    var button = document.getElementById("submitButton");
    if (button) {
      button.disabled = true;
      button.value = "You must ACCEPT the HIT before you can submit the results.";
    }
  }
  var form = document.getElementById(formName || "mturk_form");
  if (form) { form.action = turkGetParam("turkSubmitTo", "") + "/mturk/externalSubmit"; }
}
"""


def _address(url: str) -> re.Pattern[str]:
    """``url`` as a page may spell it: ``http``, ``https`` or scheme-relative, the host in
    any case; never part of a longer address."""
    host_and_path = url.split("://", 1)[1]
    host, _, path = host_and_path.partition("/")
    return re.compile(
        r"(?<![\w.:/-])(?:https?:)?//" + re.escape(host) + "/" + re.escape(path) + r"(?![\w./-])",
        re.IGNORECASE,
    )


_HELPER = _address(HELPER_URL)
_SUBMITS = {world: _address(url) for world, url in SUBMIT_URLS.items()}
# An origin and nothing else: a scheme, a host (letters, digits, dots, hyphens), a port.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")


def served(content: str, world: str, submit_to: str) -> str:
    """An HTMLQuestion page as the content origin serves it: MTurk's own addresses in it
    answered here, as they were answered by MTurk. Its helper script is the server's copy,
    and a form sent to its world's ``externalSubmit`` goes to ``submit_to``'s (the
    ``turkSubmitTo`` the frame was given, which the helper script uses too; any other
    value: left alone). The other world's address is left as written: MTurk did not take
    a sandbox assignment at production's address, nor the reverse."""
    if "mturk" not in content.lower():
        return content
    content = _HELPER.sub(HELPER_PATH, content)
    origin = submit_to.rstrip("/")
    if _ORIGIN.fullmatch(origin) and world in _SUBMITS:
        content = _SUBMITS[world].sub(origin + "/mturk/externalSubmit", content)
    return content


def wrapped(question: str | None) -> tuple[str, str, int]:
    """``(kind, ExternalURL or HTMLContent, FrameHeight)`` of an ExternalQuestion or an
    HTMLQuestion; ``("", "", 0)`` for any other question."""
    if not question:
        return "", "", 0
    plain = questions.plain_wrapper(question.lstrip())
    if plain is not None:
        return plain[0], plain[1], int(plain[2])
    try:
        root = ElementTree.fromstring(question.lstrip())
    except ElementTree.ParseError:
        return "", "", 0
    kind = root.tag.rpartition("}")[2]
    if kind not in ("ExternalQuestion", "HTMLQuestion") or len(root) < 2:
        return "", "", 0
    height = (root[1].text or "0").strip()
    return kind, root[0].text or "", int(height) if height.lstrip("+-").isdigit() else 0


def frame_parameters(
    hit_id: str, assignment_id: str | None, worker_id: str | None, submit_to: str
) -> list[tuple[str, str]]:
    """The parameters MTurk appended, in its order (``assignment_id`` None: a preview)."""
    if assignment_id is None:
        return [("assignmentId", NOT_AVAILABLE), ("hitId", hit_id)]
    return [
        ("assignmentId", assignment_id),
        ("hitId", hit_id),
        ("workerId", worker_id or ""),
        ("turkSubmitTo", submit_to),
    ]


def with_parameters(address: str, parameters: list[tuple[str, str]]) -> str:
    """``address`` with ``parameters`` appended to its query, CGI-style (its own
    parameters kept, one ``?``, a fragment kept at the end)."""
    base, hash_mark, fragment = address.partition("#")
    joiner = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        joiner = ""
    return base + joiner + urlencode(parameters, quote_via=quote) + hash_mark + fragment


def mapped(address: str, origins: Mapping[str, str]) -> str:
    """``address`` with its origin replaced where the server was told to serve that
    origin from elsewhere (a test's local copy of an experiment)."""
    for public, local in origins.items():
        public = public.rstrip("/")
        if address == public or address.startswith((public + "/", public + "?")):
            return local.rstrip("/") + address[len(public) :]
    return address


def frame_url(
    question: str | None,
    hit_id: str,
    assignment_id: str | None,
    worker_id: str | None,
    submit_to: str,
    origins: Mapping[str, str],
    content_origin: str | None,
) -> tuple[str, int] | None:
    """The frame's URL and height for the HIT's question, or None (a QuestionForm); an
    HTMLQuestion's is on ``content_origin`` (``""`` if the server has none)."""
    kind, content, height = wrapped(question)
    parameters = frame_parameters(hit_id, assignment_id, worker_id, submit_to)
    if kind == "ExternalQuestion":
        return with_parameters(mapped(content.strip(), origins), parameters), height
    if kind == "HTMLQuestion":
        if not content_origin:
            return "", height
        return with_parameters(content_origin.rstrip("/") + HTML_PATH, parameters), height
    return None
