"""The worker site's accept link, ``/projects/<group>/tasks/accept_random``, over WSGI."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from conftest import HIT_ARGS, snapshot
from page_helpers import OTHER_WORKER, WORKER, Browser, KeptJournal, refusal, text

from pytest_mturk import Simulator, UsageError, parse_answers
from pytest_mturk.doors.pages.accept_link import NO_MORE, NOT_QUALIFIED
from pytest_mturk.faces.threaded import ServedSimulator

pytestmark = pytest.mark.usefixtures("mturk")

US_ONLY = [
    {
        "QualificationTypeId": "00000000000000000071",
        "Comparator": "EqualTo",
        "LocaleValues": [{"Country": "US"}],
    }
]


@pytest.fixture
def browser(mturk):
    return Browser(mturk)


def accept_link(hit) -> str:
    # As worker tools wrote it (Anveio/mturk-engine's fixtures), the site's ?ref= kept.
    return f"/projects/{hit['HITGroupId']}/tasks/accept_random?ref=w_pl_prvw"


def assignment_of(response, hit) -> str:
    """The assignment ID of the task page the accept link redirected to."""
    assert response.status_code == 302, text(response)
    location = urlsplit(response.headers["Location"])
    assert location.path == f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}"
    (name, assignment_id), *rest = parse_qsl(location.query)
    assert (name, rest) == ("assignment_id", [])
    return assignment_id


def notice(response) -> str:
    found = text(response).split('id="notice">', 1)
    assert len(found) == 2, text(response)
    return found[1].split("</p>", 1)[0]


def test_the_link_accepts_the_groups_next_hit_and_goes_to_its_task(browser, client, make_hit):
    hit = make_hit(MaxAssignments=2)
    browser.sign_in()
    response = browser.get(accept_link(hit))
    assignment_id = assignment_of(response, hit)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsPending"] == 1
    task = browser.get(response.headers["Location"])
    assert task.status_code == 200
    assert f'<dd id="assignment-id">{assignment_id}</dd>' in text(task)
    submitted = browser.post(
        "/mturk/externalSubmit", data={"assignmentId": assignment_id, "label": "cat"}
    )
    assert submitted.status_code == 200, text(submitted)
    (listed,) = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert (listed["AssignmentId"], listed["WorkerId"]) == (assignment_id, WORKER)
    assert parse_answers(listed["Answer"]) == {"label": "cat"}


def test_each_use_takes_another_hit_until_none_is_left(browser, mturk, make_hit):
    first = make_hit(MaxAssignments=1)
    second = make_hit(MaxAssignments=1)  # the same HIT type: the same group
    assert second["HITGroupId"] == first["HITGroupId"]
    browser.sign_in()
    taken = [assignment_of(browser.get(accept_link(first)), hit) for hit in (first, second)]
    assert [mturk.assignments[a].hit_id for a in taken] == [first["HITId"], second["HITId"]]
    before = snapshot(mturk)
    refused = browser.get(accept_link(first))
    assert refused.status_code == 200
    assert notice(refused) == NO_MORE == "There are no more of these HITs available."
    assert f"<h1>{HIT_ARGS['Title']}</h1>" in text(refused)
    assert 'href="/projects"' in text(refused)
    assert snapshot(mturk) == before


def test_a_worker_who_did_every_hit_of_the_group_is_told_none_is_left(browser, mturk, make_hit):
    hit = make_hit(MaxAssignments=3)
    browser.sign_in()
    assignment_id = assignment_of(browser.get(accept_link(hit)), hit)
    browser.post("/mturk/externalSubmit", data={"assignmentId": assignment_id, "a": "1"})
    refused = browser.get(accept_link(hit))
    assert notice(refused) == NO_MORE
    assert mturk.hits[hit["HITId"]].available == 2  # left for other workers
    other = Browser(mturk)
    other.sign_in(OTHER_WORKER)
    assignment_of(other.get(accept_link(hit)), hit)


def test_an_unqualified_worker_sees_the_group_page_with_the_sites_reason(browser, mturk, make_hit):
    hit = make_hit(QualificationRequirements=US_ONLY)
    browser.sign_in(WORKER, locale="FR")
    refused = browser.get(accept_link(hit))
    assert refused.status_code == 200
    assert notice(refused) == NOT_QUALIFIED
    assert "you do not meet those Qualifications" in NOT_QUALIFIED
    page = text(refused)
    assert 'id="why-not"' in page and "<li>Worker_Locale EqualTo US</li>" in page
    assert "Accept &amp; Work" not in page
    assert mturk.assignments == {}


def test_a_blocked_worker_is_told_none_is_left_and_why(browser, client, mturk, make_hit):
    hit = make_hit()
    client.create_worker_block(WorkerId=WORKER, Reason="Spam")
    browser.sign_in()
    refused = browser.get(accept_link(hit))
    assert notice(refused) == NO_MORE
    assert 'id="why-not"' in text(refused) and "blocked" in text(refused)
    assert mturk.assignments == {}


def test_the_link_needs_a_worker_and_returns_to_itself_after_sign_in(browser, mturk, make_hit):
    hit = make_hit()
    response = browser.get(accept_link(hit))
    assert response.status_code == 303
    link = accept_link(hit)
    assert response.headers["Location"] == f"/worker?next={quote(link, safe='')}"
    assert mturk.assignments == {}
    signed_in = browser.post("/worker", data={"worker_id": WORKER, "next": link})
    assert signed_in.headers["Location"] == link
    assignment_of(browser.get(link), hit)


def test_an_unknown_group_is_not_found_and_the_link_is_get_only(browser, mturk, make_hit):
    hit = make_hit()
    browser.sign_in()
    unknown = browser.get("/projects/3NOSUCHGROUP0000000000000000000/tasks/accept_random")
    assert unknown.status_code == 404
    assert refusal(unknown) == "There is no HIT group 3NOSUCHGROUP0000000000000000000."
    assert browser.get("/projects/lower/tasks/accept_random").status_code == 404
    for method in ("POST", "HEAD"):
        response = browser.client.open(accept_link(hit), method=method)
        assert response.status_code == 405
    assert mturk.assignments == {}


def test_a_group_whose_hits_are_all_gone_is_told_none_is_left(browser, client, make_hit):
    hit = make_hit()
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.delete_hit(HITId=hit["HITId"])
    browser.sign_in()
    refused = browser.get(accept_link(hit))
    assert refused.status_code == 200
    assert notice(refused) == NO_MORE


def test_the_accept_is_the_journaled_worker_action_and_replays(boto_session):
    start = "2026-01-05T09:00:00Z"
    kept = KeptJournal()
    with Simulator(seed=5, start=start) as simulator:
        client = boto_session.client("mturk", region_name="sandbox")
        hit = client.create_hit(**HIT_ARGS)["HIT"]
        browser = Browser(simulator, journal=kept)
        browser.sign_in()
        assignment_id = assignment_of(browser.get(accept_link(hit)), hit)
    (accepted,) = [r for r in kept.records if r.get("a") == "accept"]
    assert (accepted["w"], accepted["id"]) == (WORKER, hit["HITId"])
    with Simulator(seed=5, start=start) as again:
        boto_session.client("mturk", region_name="sandbox").create_hit(**HIT_ARGS)
        replaying = ServedSimulator(again).serve()
        for record in kept.records:
            with contextlib.suppress(UsageError):
                replaying.replay(record)
        assert again.assignments[assignment_id].worker_id == WORKER
        assert snapshot(again) == snapshot(simulator)
