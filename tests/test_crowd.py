"""Simulated crowds: the same run for the same seed, the single worker's rules obeyed,
answers that submit() takes, and the crowd acting as the clock moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import EXTERNAL_QUESTION, HIT_ARGS, policy
from qualification_helpers import (
    ANSWER_KEY_NS,
    LOCALE,
    free_text,
    key_question,
    question_form,
    selection,
)
from state_dump import differences, dump

from pytest_mturk import (
    AssignmentStatus,
    CrowdError,
    UsageError,
    mturk_sim,
    parse_answers,
)
from pytest_mturk.core.model import Environment

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
# A crowd's arrivals follow the hour of the day: every test starts at the same hour.
pytestmark = pytest.mark.mturk(start=START)


def post(client, count, **overrides):
    return [client.create_hit(**{**HIT_ARGS, **overrides})["HIT"]["HITId"] for _ in range(count)]


def crowd_run(seed=0, crowd_seed=0, hits=12, **knobs):
    """A whole run in a simulator of its own: what it ends with."""
    with mturk_sim(seed=seed, start=START) as sim:
        post(sim.client(), hits)
        crowd = sim.crowd(size=15, seed=crowd_seed, arrivals=120, **knobs)
        crowd.run(dt.timedelta(hours=3))
        return dump(sim), [
            (a.assignment_id, a.worker_id, a.status, a.answer) for a in sim.assignments.values()
        ]


# -- determinism ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_state_answers_and_ids():
    first, second = crowd_run(), crowd_run()

    assert differences(first[0], second[0]) == []
    assert first[1] == second[1]
    assert len(first[1]) >= 30  # the crowd did work


@pytest.mark.parametrize("change", [{"seed": 1}, {"crowd_seed": 1}])
def test_another_seed_gives_another_run(change):
    assert crowd_run()[1] != crowd_run(**change)[1]


# -- the rules a single worker obeys ----------------------------------------------------------


def test_blocked_and_unqualified_workers_never_get_in(mturk, client):
    qualification = client.create_qualification_type(
        Name="Trusted", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    requirement = [
        {
            "QualificationTypeId": qualification,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [50],
        },
        {
            "QualificationTypeId": LOCALE,
            "Comparator": "EqualTo",
            "LocaleValues": [{"Country": "US"}],
        },
    ]
    hit_ids = post(client, 20, QualificationRequirements=requirement)
    crowd = mturk.crowd(
        size=40,
        arrivals=300,
        qualifications={qualification: lambda rng: rng.choice([10, 90, None])},
    )
    blocked = {member.worker_id for member in crowd.members[:10]}
    for worker_id in blocked:
        client.create_worker_block(WorkerId=worker_id, Reason="spam")

    crowd.run(dt.timedelta(hours=4))

    taken = [a for a in mturk.assignments.values() if a.hit_id in hit_ids]
    assert len(taken) >= 20
    for assignment in taken:
        worker = mturk.workers[assignment.worker_id]
        assert assignment.worker_id not in blocked
        assert worker.locale_country == "US"
        held = client.get_qualification_score(
            QualificationTypeId=qualification, WorkerId=assignment.worker_id
        )["Qualification"]["IntegerValue"]
        assert held >= 50


def test_workers_take_a_qualification_test_and_only_those_who_pass_get_in(mturk, client):
    test = question_form(selection("colour", ("red", "blue")))
    key = (
        f'<AnswerKey xmlns="{ANSWER_KEY_NS}">{key_question("colour", [(["red"], 100)])}</AnswerKey>'
    )
    qualification = client.create_qualification_type(
        Name="Colours",
        Description="d",
        QualificationTypeStatus="Active",
        Test=test,
        AnswerKey=key,
        TestDurationInSeconds=600,
    )["QualificationType"]["QualificationTypeId"]
    requirement = [
        {"QualificationTypeId": qualification, "Comparator": "EqualTo", "IntegerValues": [100]}
    ]
    hit_ids = post(client, 10, QualificationRequirements=requirement)
    crowd = mturk.crowd(size=30, arrivals=300, takes_tests=1.0)

    crowd.run(dt.timedelta(hours=3))

    scores = {
        q["WorkerId"]: q["IntegerValue"]
        for q in client.list_workers_with_qualification_type(
            QualificationTypeId=qualification, MaxResults=100
        )["Qualifications"]
    }
    assert set(scores.values()) == {0, 100}  # some failed the test, some passed
    workers = {a.worker_id for a in mturk.assignments.values() if a.hit_id in hit_ids}
    assert workers and all(scores[worker_id] == 100 for worker_id in workers)


def test_one_assignment_per_worker_per_hit_and_returned_ids_are_reissued(mturk, client):
    hit_ids = post(client, 8, MaxAssignments=5)
    crowd = mturk.crowd(size=40, arrivals=200, return_rate=0.4, abandon_rate=0.0)

    assert crowd.run_until_done()

    state = mturk.sandbox._state
    reissued = 0
    for hit_id in hit_ids:
        hit = state.hits[hit_id]
        assert len(hit.assignment_ids) == 5  # a returned slot kept its ID for the next worker
        holders = [a for a in state.holdings if a.hit_id == hit_id]
        kept = [a.worker_id for a in holders if a.status is AssignmentStatus.SUBMITTED]
        assert len(kept) == len(set(kept)) == 5
        by_id = {}
        for assignment in holders:
            by_id.setdefault(assignment.assignment_id, []).append(assignment.worker_id)
        reissued += sum(len(set(workers)) > 1 for workers in by_id.values())
    assert reissued >= 5


def test_money_is_conserved_under_a_crowd():
    with mturk_sim(seed=3, start=START, balance="500.00", environment="production") as sim:
        client = sim.client()
        hit_ids = post(client, 20, Reward="0.25")
        crowd = sim.crowd(size=20, arrivals=240)
        crowd.run(dt.timedelta(hours=2))
        crowd.dismiss()
        approved = 0
        for hit_id in hit_ids:
            for a in client.list_assignments_for_hit(
                HITId=hit_id, AssignmentStatuses=["Submitted"]
            )["Assignments"]:
                client.approve_assignment(AssignmentId=a["AssignmentId"])
                approved += 1
        some = next(a for a in sim.assignments.values() if a.status is AssignmentStatus.APPROVED)
        client.send_bonus(
            WorkerId=some.worker_id,
            BonusAmount="1.00",
            AssignmentId=some.assignment_id,
            Reason="thanks",
            UniqueRequestToken="bonus-1",
        )
        sim.advance(days=40)  # every HIT expires and is settled; nothing stays reserved

        state = sim.production._state
        paid = -sum(entry.amount for entry in state.ledger)
        assert approved > 20
        assert Decimal("500.00") - paid == sim.balance == sim.available_balance
        settled = [a for a in sim.assignments.values() if a.status is AssignmentStatus.APPROVED]
        by_kind = {
            kind: -sum(e.amount for e in state.ledger if e.kind == kind)
            for kind in ("reward", "fee", "bonus", "bonus-fee")
        }
        assert by_kind["reward"] == Decimal("0.25") * len(settled)
        assert by_kind["fee"] == Decimal("0.05") * len(settled)  # 20 %, at least $0.01
        assert by_kind["bonus"] == Decimal("1.00")
        assert paid == sum(by_kind.values())
        assert crowd.summary().cost == paid


# -- answers --------------------------------------------------------------------------------

HTML_PAGE = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<form><input type="hidden" name="assignmentId" value=""><input type="hidden" name="secret">'
    '<input type="radio" name="size" value="small"><input type="radio" name="size" value="big">'
    '<select name="mood"><option value="calm">Calm</option><option value="wild">Wild</option>'
    '</select><textarea name="notes"></textarea><input name="title">'
    '<input type="submit"></form></body></html>]]></HTMLContent>'
    "<FrameHeight>600</FrameHeight></HTMLQuestion>"
)


def test_default_answers_fill_questionforms_and_visible_form_fields(mturk, client):
    form = question_form(selection("label", ("cat", "dog")), free_text("comment"))
    post(client, 3, Question=form)
    post(client, 3, Question=HTML_PAGE)
    post(client, 3, Question=EXTERNAL_QUESTION)
    mturk.crowd(size=20, arrivals=300).run(dt.timedelta(hours=2))

    seen = {}
    for assignment in mturk.assignments.values():
        if assignment.status is AssignmentStatus.SUBMITTED:
            question = mturk.hits[assignment.hit_id].question
            seen.setdefault(question, []).append(parse_answers(assignment.answer))
    assert {frozenset(a) for a in seen[form]} == {frozenset({"label", "comment"})}
    assert all(a["label"][0] in ("cat", "dog") for a in seen[form])
    assert {frozenset(a) for a in seen[HTML_PAGE]} == {
        frozenset({"size", "mood", "notes", "title"})
    }
    assert all(
        a["size"] in ("small", "big") and a["mood"] in ("calm", "wild") for a in seen[HTML_PAGE]
    )
    assert {frozenset(a) for a in seen[EXTERNAL_QUESTION]} == {frozenset({"answer"})}


def test_an_answer_function_sees_the_parsed_question_and_the_worker(mturk, client):
    form = question_form(selection("label", ("cat", "dog")))
    post(client, 4, Question=form, RequesterAnnotation="dog")
    seen = []

    def answer(task, worker):
        seen.append((task.kind, [q.identifier for q in task.questions], worker.accuracy))
        return {"label": task.annotation if worker.accuracy > 0.5 else "cat"}

    crowd = mturk.crowd(size=10, arrivals=300, answer=answer)
    crowd.tune(crowd.members[0].worker_id, accuracy=0.1)
    crowd.run_until_done()

    assert seen and all(kind == "QuestionForm" and ids == ["label"] for kind, ids, _ in seen)
    answers = {a.worker_id: parse_answers(a.answer)["label"] for a in mturk.assignments.values()}
    for worker_id, label in answers.items():
        assert label == (["cat"] if worker_id == crowd.members[0].worker_id else ["dog"])


def test_review_policies_settle_crowd_answers(mturk, client):
    plurality = policy(
        "SimplePlurality/2011-09-01",
        QuestionIds=["answer"],
        DisregardAssignmentIfRejected="true",
        QuestionAgreementThreshold=50,
        ApproveIfWorkerAgreementScoreIsAtLeast=100,
        RejectIfWorkerAgreementScoreIsLessThan=100,
    )
    hit_ids = post(client, 6, HITReviewPolicy=plurality)
    crowd = mturk.crowd(size=15, arrivals=300, spammers=0.3, return_rate=0, abandon_rate=0)
    crowd.run_until_done()

    statuses = {a.status for a in mturk.assignments.values() if a.hit_id in hit_ids}
    # The policy approved those who agreed and rejected those who did not.
    assert {AssignmentStatus.APPROVED, AssignmentStatus.REJECTED} <= statuses


def test_notifications_are_sent_for_crowd_work(mturk, client):
    inbox = mturk.register_destination("https://sqs.us-east-1.amazonaws.com/123456789012/q")
    hit_type = client.create_hit_type(
        Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=600
    )["HITTypeId"]
    client.update_notification_settings(
        HITTypeId=hit_type,
        Notification={
            "Destination": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "Transport": "SQS",
            "Version": "2006-05-05",
            "EventTypes": ["AssignmentSubmitted"],
        },
        Active=True,
    )
    client.create_hit_with_hit_type(
        HITTypeId=hit_type, LifetimeInSeconds=3600, MaxAssignments=3, Question=EXTERNAL_QUESTION
    )
    mturk.crowd(size=10, arrivals=300, return_rate=0, abandon_rate=0).run_until_done()

    assert len(inbox.receive()) == 3


# -- virtual time ---------------------------------------------------------------------------


def test_a_polling_loop_sees_results_arrive_as_the_clock_moves(mturk, client):
    (hit_id,) = post(client, 1, MaxAssignments=9)
    mturk.crowd(size=30, arrivals=20, return_rate=0, abandon_rate=0)
    counts = []
    for _ in range(12):
        listed = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
        counts.append(len(listed))
        mturk.advance(minutes=10)

    assert counts[0] == 0 and counts[-1] == 9
    assert counts == sorted(counts) and len(set(counts)) > 3  # they arrive one by one


def test_nothing_happens_until_the_clock_moves(mturk, client):
    post(client, 3)
    crowd = mturk.crowd(size=10, arrivals=600)
    assert len(mturk.assignments) == 0
    later = crowd.run(START.replace(year=2027))
    assert later == mturk.now == START.replace(year=2027)
    assert len(mturk.assignments) >= 9 and crowd.done


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("knobs", "named"),
    [
        ({"return_rate": 1.5}, "return_rate"),
        ({"abandon_rate": -0.1}, "abandon_rate"),
        ({"arrivals": -3}, "arrivals"),
        ({"arrivals": [1] * 23}, "arrivals"),
        ({"arrivals": [1] * 23 + [-1]}, "arrivals[23]"),
        ({"accuracy": float("nan")}, "accuracy"),
        ({"size": 0}, "size"),
        ({"masters": 2}, "masters"),
        ({"work_median": 0}, "work_median"),
        ({"session_hits": 0.5}, "session_hits"),
        ({"work_sigma": 50}, "work_sigma"),
        ({"activity_skew": 1e3}, "activity_skew"),
        ({"arrivals": 1e12}, "arrivals"),
        ({"return_rate": 0.6, "abandon_rate": 0.6}, "together exceed 1"),
        ({"locales": {}}, "locales"),
        ({"qualifications": {"3NOSUCHTYPE": 1}}, "3NOSUCHTYPE"),
        ({"answer": "yes"}, "answer"),
        ({"retrun_rate": 0.1}, "retrun_rate"),
    ],
)
def test_impossible_settings_are_refused_by_name_and_change_nothing(mturk, knobs, named):
    before = dump(mturk)
    with pytest.raises(CrowdError, match=named.replace("[", r"\[").replace("]", r"\]")):
        mturk.crowd(**knobs)
    assert differences(before, dump(mturk)) == []


def test_an_answer_submit_refuses_stops_the_run_naming_the_hit(mturk, client):
    form = question_form(selection("label", ("cat", "dog")))
    (hit_id,) = post(client, 1, Question=form)
    crowd = mturk.crowd(
        size=5,
        arrivals=600,
        answer=lambda task, worker: {"label": "cow"},
        return_rate=0,
        abandon_rate=0,
    )
    with pytest.raises(CrowdError, match=f"HIT {hit_id}.*no selection 'cow'") as refused:
        crowd.run(dt.timedelta(hours=1))
    assert refused.value.hit_id == hit_id and refused.value.worker_id
    held = mturk.assignments[refused.value.assignment_id]
    assert held.status is AssignmentStatus.ACCEPTED and held.answer is None


def test_an_answer_function_that_raises_stops_the_run_with_its_exception(mturk, client):
    (hit_id,) = post(client, 1)

    def answer(task, worker):
        raise KeyError("no such image")

    crowd = mturk.crowd(size=5, arrivals=600, answer=answer, return_rate=0, abandon_rate=0)
    with pytest.raises(CrowdError, match="KeyError") as stopped:
        mturk.advance(hours=1)
    assert isinstance(stopped.value.__cause__, KeyError)
    assert (stopped.value.hit_id, stopped.value.worker_id) == (
        hit_id,
        mturk.assignments[stopped.value.assignment_id].worker_id,
    )
    assert stopped.value.worker_id in {member.worker_id for member in crowd.members}
    when = mturk.now
    with pytest.raises(CrowdError):  # the step is still due: the run goes no further
        mturk.advance(hours=1)
    assert mturk.now == when


def test_one_worker_is_tuned_alone(mturk, client):
    post(client, 6, MaxAssignments=4)
    crowd = mturk.crowd(size=8, arrivals=200, return_rate=0, abandon_rate=0)
    quitter, other = crowd.members[0], crowd.members[1]
    crowd.tune(quitter.worker_id, return_rate=1.0, locale="DE", masters=True)
    with pytest.raises(CrowdError, match="return_rate"):
        crowd.tune(other.worker_id, return_rate=2, masters=True)
    crowd.run(dt.timedelta(hours=2))

    record = mturk.workers[quitter.worker_id]
    assert (record.locale_country, record.masters) == ("DE", True)
    assert not mturk.workers[other.worker_id].masters or other.profile.masters
    theirs = [a for a in mturk.sandbox._state.holdings if a.worker_id == quitter.worker_id]
    assert theirs and all(a.status is AssignmentStatus.RETURNED for a in theirs)
    assert crowd.member(other.worker_id).behaviour.return_rate == 0


def test_run_takes_a_time_or_a_span(mturk):
    crowd = mturk.crowd(size=3)
    with pytest.raises(UsageError):
        crowd.run(-dt.timedelta(seconds=1))
    with pytest.raises(UsageError):
        crowd.run("tomorrow")
    with pytest.raises(UsageError):
        crowd.member("ANOTHERWORKER")


# -- what is kept ---------------------------------------------------------------------------


def work(sim):
    return sim.now, [
        (a.assignment_id, a.worker_id, a.status, a.answer) for a in sim.assignments.values()
    ]


def test_save_keeps_the_state_and_the_workers_not_the_crowd(tmp_path):
    path = tmp_path / "state.json"
    with mturk_sim(seed=5, start=START) as sim:
        post(sim.client(), 5)
        crowd = sim.crowd(size=8, arrivals=300)
        crowd.run(dt.timedelta(minutes=20))
        sim.save(path)
        kept = work(sim)
    with mturk_sim(load=path) as loaded:
        assert work(loaded) == kept
        member = crowd.members[0]
        assert loaded.worker(member.worker_id).profile == member.profile
        before = len(loaded.assignments)
        loaded.advance(hours=2)  # no crowd here: nobody comes
        assert len(loaded.assignments) == before


@pytest.mark.parametrize("keep", [3, 20])
def test_a_crowd_under_keep_calls_runs_as_without_it(keep):
    def run(keep_calls):
        with mturk_sim(seed=4, start=START, keep_calls=keep_calls) as sim:
            client = sim.client()
            hit_ids = post(client, 15)
            crowd = sim.crowd(size=20, arrivals=60)
            for _ in range(16):  # the requester's calls make the logs forget in between
                sim.advance(minutes=10)
                for hit_id in hit_ids:
                    client.get_hit(HITId=hit_id)
            return work(sim), crowd.summary().totals, len(sim.events)

    bounded, whole = run(keep), run(None)
    assert bounded[:2] == whole[:2]
    assert bounded[2] < 2 * keep < whole[2]


def test_crowds_work_in_one_environment(mturk, client, prod_client):
    post(client, 3)
    (prod_hit,) = post(prod_client, 1)
    mturk.crowd(size=10, arrivals=300, environment="production").run(dt.timedelta(hours=2))
    assert {a.hit_id for a in mturk.assignments.values()} == {prod_hit}
    with pytest.raises(UsageError, match="environment"):
        mturk.crowd(environment="moon")
    assert mturk.crowd(size=1).environment is Environment.SANDBOX


def test_the_run_does_not_depend_on_how_the_clock_is_moved():
    def run(steps):
        with mturk_sim(seed=9, start=START) as sim:
            post(sim.client(), 10)
            sim.crowd(size=15, arrivals=90)
            for _ in range(steps):
                sim.advance(minutes=180 // steps)
            return work(sim)

    assert run(1) == run(6) == run(36)


def test_the_crowd_follows_a_frozen_clock(mturk, client):
    freezegun = pytest.importorskip("freezegun")
    with freezegun.freeze_time("2026-05-04 10:00:00"):
        post(client, 3)
        crowd = mturk.crowd(size=10, arrivals=300, return_rate=0, abandon_rate=0)
        mturk.advance(hours=1)
        assert dt.datetime.now() == dt.datetime(2026, 5, 4, 11)  # freezegun's clock moved
        assert crowd.done and len(mturk.assignments) == 9
        first = min(a.accept_time for a in mturk.assignments.values())
        assert dt.datetime(2026, 5, 4, 10, tzinfo=dt.timezone.utc) < first


def test_a_crowd_nobody_in_which_may_work_is_never_done(mturk, client):
    requirement = [
        {
            "QualificationTypeId": LOCALE,
            "Comparator": "EqualTo",
            "LocaleValues": [{"Country": "FR"}],
        }
    ]
    post(client, 2, QualificationRequirements=requirement, LifetimeInSeconds=86400)
    crowd = mturk.crowd(size=10, arrivals=30, locales={"US": 1})

    assert crowd.run_until_done(within=dt.timedelta(hours=6)) is False
    assert len(mturk.assignments) == 0 and not crowd.done
    crowd.dismiss()
    mturk.advance(hours=1)  # a dismissed crowd does not come back
    assert len(mturk.assignments) == 0
