"""A HIT's script, in headless Chromium, against the worker site around it: what it tries
and what stops it (``docs/worker-pages.md``, "What a page can do").

The HIT is an HTMLQuestion served from the content origin in the task page's sandboxed
frame; its script tries each attack and writes what happened into its own page, which
the test reads through Playwright's frame API. The server's state is read back through
boto3 and the control API. Skips as ``test_browser_pages.py`` does.
"""

from __future__ import annotations

import json

import pytest
from conftest import HIT_ARGS
from page_helpers import OTHER_WORKER, WORKER, html_question
from server_helpers import client
from test_browser_pages import launched, sign_in

from pytest_mturk import ThreadedServer
from pytest_mturk.doors.pages.accept_link import NOT_BY_YOU

ATTACK = """<p id="hit">A harmless-looking HIT</p><pre id="results"></pre>
<button id="lure-window" type="button">Open the instructions</button>
<button id="lure-top" type="button">Continue</button>
<script>
var SITE = "__SITE__";
var ACCEPT = SITE + "projects/__GROUP__/tasks/accept_random";
var TARGET = "MTurkRequesterServiceV20170117.ApproveAssignment";
var results = {};
async function attempt(name, run) {
  try { results[name] = String(await run()); }
  catch (error) { results[name] = "blocked: " + error.name; }
}
function read(address, options) {
  return fetch(address, options).then(function (r) { return r.text(); })
    .then(function (body) { return "read: " + body.slice(0, 300); });
}
function sent(address, options) {
  return fetch(address, options).then(function (r) { return "sent: " + r.type; });
}
(async function () {
  await attempt("snapshot", function () { return read(SITE + "_mturk/snapshot"); });
  var approve = {method: "POST", credentials: "include", body: JSON.stringify(
    {AssignmentId: "__ASSIGNMENT__", RequesterFeedback: "approved by a HIT"}),
    headers: {"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"}};
  await attempt("approve", function () { return read(SITE, approve); });
  approve.headers.Authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" +
    "20260101/us-east-1/mturk-requester/aws4_request, SignedHeaders=host, Signature=0";
  await attempt("approve_signed", function () { return read(SITE, approve); });
  await attempt("approve_no_cors", function () {
    return sent(SITE, Object.assign({}, approve, {mode: "no-cors"}));
  });
  await attempt("parent", function () { return parent.document.body.innerHTML; });
  await attempt("tasks", function () { return read(SITE + "tasks", {credentials: "include"}); });
  await attempt("cookie", function () { return "cookies: " + document.cookie; });
  await attempt("accept_fetch", function () {
    return sent(ACCEPT, {mode: "no-cors", credentials: "include"});
  });
  await attempt("accept_frame", function () {
    return new Promise(function (resolve) {
      var frame = document.createElement("iframe");
      frame.onload = function () { resolve("loaded"); };
      frame.src = ACCEPT;
      document.body.appendChild(frame);
      setTimeout(function () { resolve("no load"); }, 3000);
    });
  });
  await attempt("accept_popup", function () {
    return window.open(ACCEPT, "_blank") ? "opened" : "no window";
  });
  document.getElementById("results").textContent = JSON.stringify(results);
  var done = document.createElement("p");
  done.id = "done";
  document.body.appendChild(done);
})();
// What the worker's own click lets a frame do: open a window, move the page around it.
document.getElementById("lure-window").onclick = function () { window.open(ACCEPT); };
document.getElementById("lure-top").onclick = function () { top.location.href = ACCEPT; };
</script>"""

CONTROL_ATTACK = """<pre id="results"></pre><script>
var SITE = "__SITE__";
(async function () {
  var results = {};
  for (var path of ["_mturk/reset", "_mturk/clock/advance"]) {
    try {
      var r = await fetch(SITE + path, {method: "POST", mode: "no-cors", body: '{"days": 30}'});
      results[path] = "sent: " + r.type;
    } catch (error) { results[path] = "blocked: " + error.name; }
  }
  document.getElementById("results").textContent = JSON.stringify(results);
  var done = document.createElement("p");
  done.id = "done";
  document.body.appendChild(done);
})();
</script>"""


@pytest.fixture(scope="module")
def chromium():
    yield from launched()


@pytest.fixture
def requester(mturk_server):
    return client(mturk_server.endpoint_url)


@pytest.fixture
def page(chromium):
    # No request routing in this context: with it, Playwright answers CORS preflights
    # itself, and the browser would send what no browser sends.
    context = chromium.new_context(viewport={"width": 960, "height": 640})
    yield context.new_page()
    context.close()


def pending(requester, hit) -> int:
    """How many of the HIT's assignments are being worked on (accepted, not submitted)."""
    return requester.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsPending"]


def _results(page) -> dict[str, str]:
    frame = page.frame_locator("#task-frame")
    frame.locator("#done").wait_for(state="attached")
    return json.loads(frame.locator("#results").text_content())


def test_a_hits_script_cannot_reach_the_site_the_api_or_the_page_around_it(
    page, mturk_server, requester
):
    # Another worker's submitted work, which the HIT will try to approve; and a HIT
    # group whose accept link it will try to follow for the worker.
    target = requester.create_hit(**{**HIT_ARGS, "Title": "Target"})["HIT"]
    control = mturk_server.control
    control.worker(OTHER_WORKER)
    victim = control.accept(OTHER_WORKER, target["HITId"])
    control.submit(OTHER_WORKER, victim, {"label": "cat"})
    script = (
        ATTACK.replace("__SITE__", mturk_server.url)
        .replace("__GROUP__", target["HITGroupId"])
        .replace("__ASSIGNMENT__", victim)
    )
    attack = requester.create_hit(
        **{**HIT_ARGS, "Title": "Attack", "Question": html_question(script)}
    )["HIT"]
    sign_in(page, mturk_server)
    before = control.snapshot()
    popups = []
    page.context.on("page", lambda opened: popups.append(opened))
    preview_url = f"{mturk_server.url}projects/{attack['HITGroupId']}/tasks"
    page.goto(preview_url)  # merely previewing runs the HIT's script
    results = _results(page)

    # What the script saw: nothing of the site's, the API's or the page around it.
    for name in ("snapshot", "approve", "approve_signed", "parent", "tasks"):
        assert results[name].startswith("blocked"), (name, results[name])
    assert results["approve_no_cors"] == "sent: opaque"  # sent without its headers
    assert WORKER not in results["cookie"] and "mturk_" not in results["cookie"]
    assert results["accept_fetch"] == "sent: opaque"
    assert page.locator("#worker-id").text_content() == WORKER

    # What the server did: nothing.
    for popup in popups:  # a window the HIT opened by itself accepted nothing
        popup.wait_for_load_state()
        assert NOT_BY_YOU in popup.content()
    assert control.snapshot() == before
    status = requester.get_assignment(AssignmentId=victim)["Assignment"]["AssignmentStatus"]
    assert status == "Submitted"
    assert pending(requester, target) == 0

    # Even on the worker's click, the accept link from the HIT's frame accepts nothing: it
    # shows the group's page, one click from accepting.
    frame = page.frame_locator("#task-frame")
    with page.context.expect_page() as opened:
        frame.locator("#lure-window").click()
    opened.value.wait_for_load_state()
    assert NOT_BY_YOU in opened.value.content()
    frame.locator("#lure-top").click()
    page.wait_for_url("**/accept_random")
    assert page.locator("#notice").text_content() == NOT_BY_YOU
    assert pending(requester, target) == 0

    # The worker's own click on the site's button accepts.
    page.get_by_role("button", name="Accept & Work").click()
    page.locator("#assignment-id").wait_for()
    assert pending(requester, target) == 1


def test_a_hits_script_cannot_reset_the_server_or_move_its_clock(page):
    # A server of its own: the mturk_server fixture's refuses a reset anyway.
    with ThreadedServer(seed=3) as server:
        requester = client(server.endpoint_url)
        target = requester.create_hit(**HIT_ARGS)["HIT"]
        script = CONTROL_ATTACK.replace("__SITE__", server.url)
        attack = requester.create_hit(
            **{**HIT_ARGS, "Title": "Attack", "Question": html_question(script)}
        )["HIT"]
        sign_in(page, server)
        before = server.control.snapshot()
        page.goto(f"{server.url}projects/{attack['HITGroupId']}/tasks")
        _results(page)
        assert server.control.snapshot() == before
        assert requester.get_hit(HITId=target["HITId"])["HIT"]["HITStatus"] == "Assignable"
