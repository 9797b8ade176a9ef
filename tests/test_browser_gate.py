"""In headless Chromium: a page on another local port cannot reach the control API.

Before the control API had a token and checked ``Origin``, a page anywhere could reset the
server with a no-cors ``fetch`` (the browser sends it without asking; only the answer is
hidden) or a form posted as ``text/plain``. Skips without Playwright and Chromium, as
``tests/test_browser_pages.py`` does.
"""

from __future__ import annotations

import http.server
import threading

import pytest
from conftest import HIT_ARGS
from server_helpers import client
from test_browser_pages import chromium  # noqa: F401  (the module's browser fixture)

from pytest_mturk import ThreadedServer

ATTACK = """<!doctype html><html><head><title>loading</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" action="{target}_mturk/reset" enctype="text/plain" target="sink">
<input name='{{"seed": 1, "x": "' value='"}}'></form>
<script>
var target = "{target}";
var sent = [
  fetch(target + "_mturk/reset", {{method: "POST", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}}, body: "{{}}"}}).catch(function () {{}}),
  fetch(target + "_mturk/clock/advance", {{method: "POST", mode: "no-cors",
    body: '{{"days": 30}}'}}).catch(function () {{}}),
  fetch(target + "_mturk/snapshot", {{mode: "cors"}}).then(function (r) {{ return r.text(); }})
    .then(function (text) {{ document.body.dataset.read = text.slice(0, 40); }},
          function () {{ document.body.dataset.read = "refused"; }}),
];
Promise.all(sent).then(function () {{ document.title = "done"; }});
</script></body></html>"""


@pytest.fixture
def server():
    with ThreadedServer(seed=1) as running:  # its own simulator: a reset would take
        yield running


@pytest.fixture
def attacker(server):
    """A page on another loopback port, as any local web app or dev server has."""
    page = ATTACK.format(target=server.url).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_elsewhere_cannot_reset_advance_or_read_the_server(
    chromium,  # noqa: F811
    server,
    attacker,
):
    hit_id = client(server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
    now = server.control.now()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(attacker)
        page.wait_for_function("document.title === 'done'", timeout=30_000)
        read = page.evaluate("document.body.dataset.read")
        # And a form, posted as text/plain into a hidden frame (the answer it waits for).
        posted = "**/_mturk/reset"
        with page.expect_response(posted, timeout=30_000):
            page.evaluate("document.getElementById('form').submit()")
    finally:
        context.close()
    assert read == "refused"  # no CORS: the snapshot stays unread
    assert [hit["HITId"] for hit in server.control.hits()] == [hit_id]
    assert server.control.now() == now
