"""Participant links, the requester's pages and the requester API over WSGI."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import quote

import pytest
from conftest import HIT_ARGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_helpers import html_question, text
from requester_helpers import KEY, SECRET, Hosted, basic

from pytest_mturk.doors.requester import identity, results
from pytest_mturk.doors.requester.hosting import Hosting, install

pytestmark = pytest.mark.usefixtures("mturk")
FORM = html_question(
    '<form method="post" action="https://www.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId" value=""><input name="answer"></form>'
)


@pytest.fixture
def hosted(mturk):
    return Hosted(mturk)


@pytest.fixture
def hit(prod_client):
    return prod_client.create_hit(**{**HIT_ARGS, "Question": FORM, "MaxAssignments": 3})["HIT"]


def worker_of(hosted, pid, platform="prolific"):
    return identity.worker_id(hosted.secret, platform, pid)


def participate(hosted, hit, pid="5f1ab", answer="cat"):
    """A participant follows the link, accepts and submits; the page after submitting."""
    joined = hosted.join(hit["HITGroupId"], PROLIFIC_PID=pid, STUDY_ID="s1", SESSION_ID="x")
    assert joined.status_code == 303, text(joined)
    assert joined.headers["Location"] == f"/projects/{hit['HITGroupId']}/tasks"
    assignment_id = hosted.accept(hit)
    return hosted.post(
        "/mturk/externalSubmit", data={"assignmentId": assignment_id, "answer": answer}
    )


def follow_submitted(response) -> str:
    found = re.search(r'id="continue" href="([^"]*)"', text(response))
    assert found, text(response)
    return unescape(found.group(1))


def count_workers(mturk):
    return len(mturk.workers)


# -- participant links ---------------------------------------------------------------------


def test_a_participant_joins_accepts_submits_and_goes_to_the_completion_url(hosted, hit, mturk):
    hosted.hosting.set_completion(
        hit["HITGroupId"], "https://app.prolific.com/submissions/complete?cc=C0DE"
    )
    worker = worker_of(hosted, "5f1ab")
    page = hosted.get(f"/projects/{hit['HITGroupId']}/tasks")  # before joining: no one
    assert "Accept &amp; Work" not in text(page)
    submitted = participate(hosted, hit)
    assert submitted.status_code == 200
    done = follow_submitted(submitted)
    assert done == f"/join/{hit['HITGroupId']}/done"
    finished = hosted.get(done)
    assert finished.status_code == 200
    assert (
        '<meta http-equiv="refresh" content="0;url=https://app.prolific.com/submissions/'
        'complete?cc=C0DE">' in text(finished)
    )
    [assignment] = [a for a in mturk.assignments.values() if a.hit_id == hit["HITId"]]
    assert assignment.worker_id == worker
    assert assignment.status.value == "Submitted"
    kept = hosted.hosting.participants[worker]
    assert kept == identity.Participant("prolific", "5f1ab", "s1", "x")


def test_without_a_completion_url_the_participant_sees_hit_submitted(hosted, hit):
    done = follow_submitted(participate(hosted, hit))
    finished = hosted.get(done)
    assert "<h1>HIT Submitted</h1>" in text(finished)
    assert "refresh" not in text(finished)


def test_the_completion_step_is_shown_only_to_a_worker_who_submitted_there(hosted, hit):
    hosted.hosting.set_completion(hit["HITGroupId"], "https://example.org/done?cc=1")
    other = hosted.another()
    refused = other.get(f"/join/{hit['HITGroupId']}/done")
    assert refused.status_code == 404
    assert "cc=1" not in text(refused)


def test_the_same_participant_coming_back_is_the_same_worker_and_cannot_take_a_second(
    hosted, hit, mturk
):
    participate(hosted, hit)
    again = hosted.join(hit["HITGroupId"], PROLIFIC_PID="5f1ab")
    assert again.status_code == 303
    refused = hosted.post(
        f"/projects/{hit['HITGroupId']}/tasks/accept", data={"hit_id": hit["HITId"]}
    )
    assert refused.status_code == 400
    held = [a for a in mturk.assignments.values() if a.worker_id == worker_of(hosted, "5f1ab")]
    assert len(held) == 1


def test_a_participant_coming_back_mid_task_carries_on_with_their_assignment(hosted, hit, mturk):
    joined = hosted.join(hit["HITGroupId"], PROLIFIC_PID="5f1ab")
    assignment_id = hosted.accept(hit)
    # The window was closed; the participant follows the study's link again.
    again = hosted.another().join(hit["HITGroupId"], PROLIFIC_PID="5f1ab")
    assert joined.headers["Location"] == f"/projects/{hit['HITGroupId']}/tasks"
    assert again.status_code == 303
    assert again.headers["Location"] == (
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}"
    )
    # ... where the task page shows the work with the assignment's parameters.
    shown = hosted.get(again.headers["Location"])
    assert shown.status_code == 200
    assert f"assignmentId={assignment_id}" in text(shown)
    held = [a for a in mturk.assignments.values() if a.worker_id == worker_of(hosted, "5f1ab")]
    assert [a.assignment_id for a in held] == [assignment_id]


def test_after_submitting_the_link_leads_to_the_groups_page_again(hosted, hit):
    participate(hosted, hit)
    again = hosted.join(hit["HITGroupId"], PROLIFIC_PID="5f1ab")
    assert again.headers["Location"] == f"/projects/{hit['HITGroupId']}/tasks"


def test_a_blocked_participant_cannot_accept(hosted, hit, prod_client, mturk):
    worker = worker_of(hosted, "blocked-one")
    prod_client.create_worker_block(WorkerId=worker, Reason="Took part in the pilot")
    assert hosted.join(hit["HITGroupId"], PROLIFIC_PID="blocked-one").status_code == 303
    refused = hosted.post(
        f"/projects/{hit['HITGroupId']}/tasks/accept", data={"hit_id": hit["HITId"]}
    )
    assert refused.status_code == 400
    assert not [a for a in mturk.assignments.values() if a.worker_id == worker]


def test_requirements_apply_to_participants(hosted, prod_client, mturk):
    guarded = prod_client.create_hit(
        **{
            **HIT_ARGS,
            "QualificationRequirements": [
                {
                    "QualificationTypeId": "00000000000000000071",
                    "Comparator": "EqualTo",
                    "LocaleValues": [{"Country": "DE"}],
                    "ActionsGuarded": "Accept",
                }
            ],
        }
    )["HIT"]
    assert hosted.join(guarded["HITGroupId"], participant="ann").status_code == 303
    refused = hosted.post(
        f"/projects/{guarded['HITGroupId']}/tasks/accept", data={"hit_id": guarded["HITId"]}
    )
    assert refused.status_code == 400
    assert not mturk.assignments


def test_sona_and_generic_ids_are_other_workers_than_prolific_ones(hosted, hit, mturk):
    for name in ("PROLIFIC_PID", "id", "participant"):
        assert hosted.join(hit["HITGroupId"], **{name: "1234"}).status_code == 303
    assert {
        worker_of(hosted, "1234", platform) for platform in ("prolific", "sona", "generic")
    } <= set(mturk.workers)


def test_a_forged_or_missing_token_is_refused_and_nothing_is_made(hosted, hit, mturk):
    before = count_workers(mturk)
    group = hit["HITGroupId"]
    for path in (
        f"/join/{group}?PROLIFIC_PID=abc",
        f"/join/{group}?k=AAAAAAAAAAAAAAAAAAAAAA&PROLIFIC_PID=abc",
        hosted.link("OTHERGROUP0000000000")
        .replace("OTHERGROUP0000000000", group)
        .replace("?k=", "?k=x")
        + "&PROLIFIC_PID=abc",
    ):
        refused = hosted.get(path)
        assert refused.status_code == 403, path
        assert "Set-Cookie" not in refused.headers or "mturk_worker" not in refused.headers.get(
            "Set-Cookie", ""
        )
    # A valid token of another group does not open this one.
    other = hosted.link("3AAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    forged = f"/join/{group}?k={other.split('k=')[1]}&PROLIFIC_PID=abc"
    assert hosted.get(forged).status_code == 403
    assert count_workers(mturk) == before


def test_an_unknown_group_is_not_found(hosted):
    assert hosted.join("3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", PROLIFIC_PID="abc").status_code == 404


def test_without_a_participant_id_a_page_asks_for_it(hosted, hit, mturk):
    asked = hosted.get(hosted.link(hit["HITGroupId"]))
    assert asked.status_code == 400
    assert 'id="participant-form"' in text(asked)
    assert 'name="participant"' in text(asked)
    assert not mturk.workers


@pytest.mark.parametrize(
    "pid",
    ["", "x" * (identity.MAX_ID + 1), "a%00b", "line%0Abreak", "%7F"],
)
def test_hostile_participant_ids_get_a_400_and_change_nothing(hosted, hit, mturk, pid):
    response = hosted.get(hosted.link(hit["HITGroupId"]) + f"&PROLIFIC_PID={pid}")
    assert response.status_code == 400
    assert not mturk.workers
    assert not hosted.hosting.participants


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=200))
def test_no_query_makes_the_join_page_fail(hosted, hit, query):
    response = hosted.get(hosted.link(hit["HITGroupId"]) + "&" + quote(query, safe="=&"))
    assert response.status_code in (303, 400), text(response)


def test_unicode_participant_ids_are_taken(hosted, hit, mturk):
    pid = "Zoë-😀-" + "ü" * 300
    assert hosted.join(hit["HITGroupId"], participant=quote(pid)).status_code == 303
    assert worker_of(hosted, pid, "generic") in mturk.workers


# -- the requester's pages -----------------------------------------------------------------


def test_the_pages_need_a_signed_in_requester(hosted, hit):
    response = hosted.get("/requester/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/requester/sign-in")
    wrong = hosted.requester_sign_in(secret="not-the-secret")
    assert wrong.status_code == 401
    unknown = hosted.requester_sign_in(key="AKIAUNKNOWNKEY000000")
    assert unknown.status_code == 401
    assert hosted.get("/requester/").status_code == 303
    signed = hosted.requester_sign_in()
    assert signed.status_code == 303
    page = hosted.get("/requester/")
    assert page.status_code == 200
    assert hit["HITGroupId"] in text(page)
    headers = page.headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_post_without_the_session_token_is_refused(hosted, hit):
    hosted.requester_sign_in()
    refused = hosted.post(
        f"/requester/groups/{hit['HITGroupId']}/completion",
        data={"completion_url": "https://evil.example/", "csrf_token": "nope"},
    )
    assert refused.status_code == 403
    assert hit["HITGroupId"] not in hosted.hosting.completion
    # A sign-in without the token is refused too (no login CSRF).
    fresh = hosted.another()
    assert (
        fresh.post("/requester/sign-in", data={"access_key": KEY, "secret_key": SECRET})
    ).status_code == 403


def test_a_cookie_of_another_session_is_not_a_requester(hosted, hit):
    hosted.requester_sign_in()
    cookie = hosted.client.get_cookie("mturk_requester", path="/requester")
    fresh = hosted.another()
    fresh.client.set_cookie("mturk_requester", cookie.value, path="/requester")
    assert fresh.get("/requester/").status_code == 303


def test_the_requester_approves_and_rejects_on_the_page_as_the_api_does(
    hosted, hit, mturk, prod_client
):
    participate(hosted, hit, "p1", "cat")
    participate_again = hosted.another()
    participate(participate_again, hit, "p2", "dog")
    hosted.requester_sign_in()
    page = hosted.get(f"/requester/groups/{hit['HITGroupId']}?world=production")
    assert page.status_code == 200
    body = text(page)
    assert "cat" in body and "dog" in body
    link = re.search(r'id="link" readonly value="([^"]*)"', body).group(1)
    assert unescape(link) == "http://localhost" + hosted.link(hit["HITGroupId"])
    one, two = sorted(
        (a for a in mturk.assignments.values() if a.hit_id == hit["HITId"]),
        key=lambda a: a.accept_time,
    )
    token = hosted.csrf(f"/requester/groups/{hit['HITGroupId']}")
    approved = hosted.post(
        f"/requester/assignments/{one.assignment_id}/approve",
        data={"csrf_token": token, "world": "production"},
    )
    assert approved.status_code == 303
    rejected = hosted.post(
        f"/requester/assignments/{two.assignment_id}/reject",
        data={"csrf_token": token, "world": "production", "feedback": "Blank answers"},
    )
    assert rejected.status_code == 303
    statuses = {
        a["AssignmentId"]: (a["AssignmentStatus"], a.get("RequesterFeedback"))
        for a in prod_client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    }
    assert statuses == {
        one.assignment_id: ("Approved", None),
        two.assignment_id: ("Rejected", "Blank answers"),
    }
    calls = [c for c in mturk.calls if c.operation in ("ApproveAssignment", "RejectAssignment")]
    assert [c.operation for c in calls] == ["ApproveAssignment", "RejectAssignment"]
    # Approving again is the service's own refusal, shown on a page; nothing changes.
    again = hosted.post(
        f"/requester/assignments/{one.assignment_id}/approve",
        data={"csrf_token": token, "world": "production"},
    )
    assert again.status_code == 400
    assert "status of: Submitted" in text(again)


def test_the_completion_url_is_set_on_the_page_and_checked(hosted, hit):
    hosted.requester_sign_in()
    token = hosted.csrf(f"/requester/groups/{hit['HITGroupId']}")
    path = f"/requester/groups/{hit['HITGroupId']}/completion"
    bad = hosted.post(path, data={"csrf_token": token, "completion_url": "javascript:alert(1)"})
    assert bad.status_code == 400
    assert hit["HITGroupId"] not in hosted.hosting.completion
    url = "https://app.prolific.com/submissions/complete?cc=ABC"
    assert hosted.post(path, data={"csrf_token": token, "completion_url": url}).status_code == 303
    assert hosted.hosting.completion[hit["HITGroupId"]] == url


def test_an_unknown_group_or_world_is_a_4xx_page(hosted):
    hosted.requester_sign_in()
    assert hosted.get("/requester/groups/3NOPE0000000000000").status_code == 404
    assert hosted.get("/requester/?world=moon").status_code == 400


def test_without_credentials_the_area_is_off(mturk, hit):
    from page_helpers import Browser

    browser = Browser(mturk)
    for path in ("/requester/", "/requester/sign-in", f"/join/{hit['HITGroupId']}?k=x"):
        response = browser.get(path)
        assert response.status_code == 404
        assert "--credentials" in text(response)


# -- the requester API ---------------------------------------------------------------------


def test_the_api_needs_basic_auth(hosted, hit):
    path = f"/requester/api/links/{hit['HITGroupId']}"
    for headers in (
        {},
        basic(secret="wrong"),
        basic(key="AKIAOTHER0000000000"),
        {"Authorization": "Basic %%%"},
        {"Authorization": "Bearer x"},
    ):
        refused = hosted.get(path, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Basic ")
    found = hosted.get(path, headers=basic())
    assert found.status_code == 200
    assert found.json == {"url": "http://localhost" + hosted.link(hit["HITGroupId"])}
    assert hosted.get("/requester/api/links/3NOPE00000", headers=basic()).status_code == 404


def rows(response):
    assert response.status_code == 200, text(response)
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(text(response))))


def test_results_and_payments_hold_what_happened(hosted, hit, prod_client, mturk):
    participate(hosted, hit, "p1", '=HYPERLINK("http://evil")')
    [assignment] = [a for a in mturk.assignments.values() if a.hit_id == hit["HITId"]]
    prod_client.approve_assignment(AssignmentId=assignment.assignment_id)
    prod_client.send_bonus(
        WorkerId=assignment.worker_id,
        BonusAmount="1.25",
        AssignmentId=assignment.assignment_id,
        Reason="Thanks",
    )
    got = rows(
        hosted.get(f"/requester/api/results.csv?groupId={hit['HITGroupId']}", headers=basic())
    )
    header, [row] = got[0], got[1:]
    assert tuple(header[: len(results.HEADER)]) == results.HEADER
    assert header[len(results.HEADER) :] == ["Answer.answer", "Approve", "Reject"]
    record = dict(zip(header, row, strict=True))
    assert record["HITId"] == hit["HITId"]
    assert record["WorkerId"] == assignment.worker_id
    assert record["AssignmentStatus"] == "Approved"
    assert record["Reward"] == "$" + HIT_ARGS["Reward"]
    assert record["Answer.answer"] == '\'=HYPERLINK("http://evil")'
    assert record["LifetimeApprovalRate"] == "100% (1/1)"
    assert record["Last30DaysApprovalRate"] == record["Last7DaysApprovalRate"] == "100% (1/1)"
    assert record["WorkTimeInSeconds"] == "0"  # the simulated clock did not move
    assert re.fullmatch(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}", record["SubmitTime"])
    assert text(
        hosted.get(f"/requester/api/results.csv?groupId={hit['HITGroupId']}", headers=basic())
    ).startswith('"HITId","HITTypeId"')
    reward = float(HIT_ARGS["Reward"])
    paid = rows(hosted.get("/requester/api/payments.csv", headers=basic()))
    assert paid == [
        list(results.PAYMENT_HEADER),
        [
            assignment.worker_id,
            "prolific",
            "p1",
            "s1",
            "1",
            f"{reward:.2f}",
            "1.25",
            f"{reward + 1.25:.2f}",
        ],
    ]
    # The sandbox world has none of it.
    assert rows(hosted.get("/requester/api/payments.csv?world=sandbox", headers=basic())) == [
        list(results.PAYMENT_HEADER)
    ]


def test_results_of_an_unknown_group_or_world_are_refused(hosted, hit):
    for query in (
        "",
        "?groupId=3NOPE",
        f"?groupId={hit['HITGroupId']}&world=sandbox",
        f"?groupId={hit['HITGroupId']}&world=moon",
    ):
        response = hosted.get("/requester/api/results.csv" + query, headers=basic())
        assert 400 <= response.status_code < 500, query


def test_a_question_form_submission_sends_the_participant_on_too(hosted, prod_client):
    from page_helpers import question_form

    question = question_form(
        "<Question><QuestionIdentifier>label</QuestionIdentifier><IsRequired>true</IsRequired>"
        "<QuestionContent><Text>What is it?</Text></QuestionContent><AnswerSpecification>"
        "<FreeTextAnswer/></AnswerSpecification></Question>"
    )
    hit = prod_client.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    assert hosted.join(hit["HITGroupId"], participant="p9").status_code == 303
    assignment_id = hosted.accept(hit)
    posted = hosted.post(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}?assignment_id={assignment_id}",
        data={"label": "a cat"},
    )
    assert posted.status_code == 303, text(posted)
    assert posted.headers["Location"] == f"/join/{hit['HITGroupId']}/done"


def test_the_requesters_calls_are_journaled_as_api_calls(mturk, prod_client):
    from page_helpers import KeptJournal

    kept = KeptJournal()
    hosted = Hosted(mturk, journal=kept)
    install(hosted.backend, Hosting())  # its side-state in memory (the journal is a stand-in)
    hit = prod_client.create_hit(**{**HIT_ARGS, "Question": FORM})["HIT"]
    participate(hosted, hit)
    [assignment] = mturk.assignments.values()
    hosted.requester_sign_in()
    token = hosted.csrf(f"/requester/groups/{hit['HITGroupId']}")
    hosted.post(
        f"/requester/assignments/{assignment.assignment_id}/approve", data={"csrf_token": token}
    )
    approvals = [r for r in kept.records if "ApproveAssignment" in json.dumps(r)]
    assert len(approvals) == 1
    assert KEY in json.dumps(approvals[0])


def test_a_returned_assignment_id_is_reissued_to_the_next_participant(hosted, prod_client):
    hit = prod_client.create_hit(**{**HIT_ARGS, "Question": FORM, "MaxAssignments": 1})["HIT"]
    assert hosted.join(hit["HITGroupId"], PROLIFIC_PID="first").status_code == 303
    first = hosted.accept(hit)
    returned = hosted.post(
        f"/projects/{hit['HITGroupId']}/tasks/{hit['HITId']}/return",
        data={"assignment_id": first},
    )
    assert returned.status_code == 303
    other = hosted.another()
    assert other.join(hit["HITGroupId"], PROLIFIC_PID="second").status_code == 303
    assert other.accept(hit) == first
