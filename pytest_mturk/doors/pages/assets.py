"""The worker site's own style sheet and script, served as files (``/worker/site.css``,
``/worker/site.js``): the site's Content-Security-Policy runs no inline style or script.

The script does one thing: after a HIT's submission, the page shown in the task's frame
asks the task page around it to move on to the worker's next step (a sandboxed frame may
not move the window itself); the task page follows only a message from its own frame
and its own origin, and only to the list of HITs or a group's page. The "Continue" link
of that page does the same without script.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

__all__ = ["SCRIPT", "SCRIPT_PATH", "STYLE", "STYLE_PATH", "script", "style"]

STYLE_PATH = "/worker/site.css"
SCRIPT_PATH = "/worker/site.js"

# Small, readable, high-contrast; the focus ring is the browser's own, made bolder.
STYLE = """
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
iframe.tall{height:80vh}
fieldset{border:1px solid #d5dbdb;border-radius:4px;margin:0 0 1rem;padding:.6rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.skip{position:absolute;left:-999rem}.skip:focus{left:1rem;top:.5rem;background:#fff;
color:#16191f;padding:.3rem .6rem;z-index:1}
.actions{display:flex;gap:.8rem;flex-wrap:wrap;align-items:center;margin:.8rem 0}
"""

SCRIPT = """\
(function () {
  "use strict";
  var NEXT = /^\\/(projects(\\/[A-Z0-9]{1,64}\\/tasks)?|join\\/[A-Z0-9]{1,64}\\/done)$/;
  var frame = document.getElementById("task-frame");
  if (frame) {
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== window.location.origin) {
        return;
      }
      var next = event.data && event.data.mturkNext;
      if (typeof next === "string" && NEXT.test(next)) {
        window.location.assign(next);
      }
    });
  }
  var onward = document.getElementById("continue");
  if (onward) {
    var next = onward.getAttribute("href");
    if (window.parent !== window) {
      window.parent.postMessage({ mturkNext: next }, window.location.origin);
    } else {
      window.location.assign(next);
    }
  }
})();
"""


def _file(text: str, content_type: str) -> Response:
    response = Response(text, 200, content_type=content_type)
    response.headers["Cache-Control"] = "no-cache"
    return response


def style(ctx: object) -> Response:
    """``/worker/site.css``."""
    return _file(STYLE, "text/css; charset=utf-8")


def script(ctx: object) -> Response:
    """``/worker/site.js``."""
    return _file(SCRIPT, "text/javascript; charset=utf-8")
