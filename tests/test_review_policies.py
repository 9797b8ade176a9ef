"""Review policies validate at CreateHIT, run on their own, and report (spec §10)."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError
from conftest import HIT_ARGS, policy, raises_parameter_error, raises_request_error, snapshot
from test_questions import FORM_2005, UPLOAD, form, question_body

from pytest_mturk.rules import policies

KNOWN = "ScoreMyKnownAnswers/2011-09-01"
PLURALITY = "SimplePlurality/2011-09-01"
WORKERS = [f"A{n}WORKER{n:05d}" for n in range(1, 12)]


def known(**params) -> dict:
    return policy(KNOWN, **params)


def plurality(**params) -> dict:
    params.setdefault("QuestionIds", ["label"])
    params.setdefault("QuestionAgreementThreshold", 50)
    params.setdefault("DisregardAssignmentIfRejected", "true")
    return policy(PLURALITY, **params)


def work(mturk, hit_id: str, worker_id: str, values) -> str:
    worker = mturk.worker(worker_id)
    assignment_id = worker.accept(hit_id)
    worker.submit(assignment_id, values)
    return assignment_id


def report(client, hit_id: str, **kwargs) -> dict:
    kwargs.setdefault("MaxResults", 100)
    body = client.list_review_policy_results_for_hit(HITId=hit_id, **kwargs)
    body.pop("ResponseMetadata")
    return body


def results(body: dict, level: str = "HIT") -> list[tuple]:
    return [
        (r["SubjectType"], r.get("QuestionId"), r["Key"], r["Value"])
        for r in body[f"{level}ReviewReport"]["ReviewResults"]
    ]


def actions(body: dict, level: str = "HIT") -> list[tuple]:
    return [
        (a["ActionName"], a["TargetType"], a["Status"], a.get("ErrorCode"))
        for a in body[f"{level}ReviewReport"]["ReviewActions"]
    ]


def status(client, assignment_id: str) -> str:
    return client.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]


# -- validation at CreateHIT ----------------------------------------------------------------

_INT_RULES = [
    (level, key, low, high)
    for level, name in (("AssignmentReviewPolicy", KNOWN), ("HITReviewPolicy", PLURALITY))
    for key, (kind, low, high) in policies.KINDS[name].parameters.items()
    if kind == "int"
]


def _base(level: str) -> dict:
    if level == "AssignmentReviewPolicy":
        return {"AnswerKey": {"label": ["cat"]}}
    return {
        "QuestionIds": ["label"],
        "QuestionAgreementThreshold": 50,
        "DisregardAssignmentIfRejected": "false",
    }


def _create_refused(mturk, client, message, **extra):
    before = snapshot(mturk)
    with raises_parameter_error(client, message):
        client.create_hit(**{**HIT_ARGS, **extra})
    assert snapshot(mturk) == before


@pytest.mark.parametrize(("level", "key", "low", "high"), _INT_RULES)
def test_integer_parameters_are_range_checked(mturk, client, level, key, low, high):
    name = KNOWN if level == "AssignmentReviewPolicy" else PLURALITY
    extra = {}
    if key == "ExtendIfHITAgreementScoreIsLessThan":
        extra = {"ExtendMaximumAssignments": 3, "ExtendMinimumTimeInSeconds": 3600}
    for bad in (low - 1, high + 1):
        raw = policy(name, **{**_base(level), **extra, key: bad})
        _create_refused(
            mturk,
            client,
            f"The value {bad} is invalid for {key}. Valid values range from {low} to {high}.",
            **{level: raw},
        )
    raw = policy(name, **{**_base(level), **extra, key: "ten"})
    _create_refused(
        mturk, client, f'The value "ten" is not valid for the parameter {key}.', **{level: raw}
    )
    for good in (low, high):
        client.create_hit(
            **HIT_ARGS, **{level: policy(name, **{**_base(level), **extra, key: good})}
        )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"AssignmentReviewPolicy": {"PolicyName": "Nope/2011-09-01"}},
            'The value "Nope/2011-09-01" is not valid for the parameter PolicyName.',
        ),
        (
            {"AssignmentReviewPolicy": plurality()},
            f'The value "{PLURALITY}" is not valid for the parameter PolicyName.',
        ),
        (
            {"HITReviewPolicy": known(AnswerKey={"q": ["a"]})},
            f'The value "{KNOWN}" is not valid for the parameter PolicyName.',
        ),
        ({"AssignmentReviewPolicy": known()}, f"The parameter AnswerKey is required for {KNOWN}."),
        (
            {"AssignmentReviewPolicy": known(AnswerKey={"q": ["a"]}, Colour="red")},
            f'The parameter "Colour" is not valid for {KNOWN}.',
        ),
        (
            {
                "AssignmentReviewPolicy": {
                    "PolicyName": KNOWN,
                    "Parameters": [{"Key": "AnswerKey", "Values": ["a"]}],
                }
            },
            "The parameter AnswerKey requires MapEntries.",
        ),
        (
            {"AssignmentReviewPolicy": known(AnswerKey={"q": ["a"]}, ApproveReason=["a", "b"])},
            "The parameter ApproveReason takes exactly one value (2 given).",
        ),
        (
            {"AssignmentReviewPolicy": known(AnswerKey={"q": ["a"]}, RejectReason="x" * 1025)},
            "The value for RejectReason is too long (1025 characters). The maximum length is "
            "1024 characters.",
        ),
        (
            {
                "AssignmentReviewPolicy": {
                    "PolicyName": KNOWN,
                    "Parameters": [
                        {"Key": "AnswerKey", "MapEntries": [{"Key": "q", "Values": ["a"]}]},
                        {"Key": "AnswerKey", "MapEntries": [{"Key": "q", "Values": ["b"]}]},
                    ],
                }
            },
            "The parameter AnswerKey was given more than once.",
        ),
        (
            {
                "HITReviewPolicy": policy(
                    PLURALITY, QuestionIds=["label"], DisregardAssignmentIfRejected="true"
                )
            },
            f"The parameter QuestionAgreementThreshold is required for {PLURALITY}.",
        ),
        (
            {
                "HITReviewPolicy": policy(
                    PLURALITY, QuestionIds=["label"], QuestionAgreementThreshold=50
                )
            },
            f"The parameter DisregardAssignmentIfRejected is required for {PLURALITY}.",
        ),
        (
            {
                "HITReviewPolicy": policy(
                    PLURALITY, QuestionAgreementThreshold=50, DisregardAssignmentIfRejected="true"
                )
            },
            f"The parameter QuestionIds is required for {PLURALITY}.",
        ),
        (
            {"HITReviewPolicy": plurality(DisregardAssignmentIfRejected="yes")},
            'The value "yes" is not valid for the parameter DisregardAssignmentIfRejected.',
        ),
        (
            {"HITReviewPolicy": plurality(ExtendIfHITAgreementScoreIsLessThan=50)},
            "The parameter ExtendMaximumAssignments is required with "
            "ExtendIfHITAgreementScoreIsLessThan.",
        ),
        (
            {
                "HITReviewPolicy": plurality(
                    ExtendIfHITAgreementScoreIsLessThan=50, ExtendMaximumAssignments=3
                )
            },
            "The parameter ExtendMinimumTimeInSeconds is required with "
            "ExtendIfHITAgreementScoreIsLessThan.",
        ),
    ],
    ids=[
        "name",
        "plurality-as-assignment",
        "known-as-hit",
        "no-key",
        "unknown",
        "no-entries",
        "two-values",
        "long-reason",
        "duplicate",
        "no-threshold",
        "no-disregard",
        "no-question-ids",
        "bool",
        "extend-max",
        "extend-time",
    ],
)
def test_malformed_policies_are_refused(mturk, client, extra, message):
    _create_refused(mturk, client, message, **extra)


def test_refused_policy_costs_nothing_in_production(mturk, prod_client):
    balance = mturk.production.available_balance
    with raises_parameter_error(prod_client):
        prod_client.create_hit(
            **HIT_ARGS, HITReviewPolicy=plurality(QuestionAgreementThreshold=101)
        )
    assert mturk.production.available_balance == balance
    assert mturk.hits == {}


def test_question_ids_may_be_comma_separated(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1},
        HITReviewPolicy=plurality(QuestionIds=["label, colour"]),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "cat", "colour": "red"})
    keys = [(q, k) for _, q, k, _ in results(report(client, hit["HITId"])) if q]
    assert ("label", "AgreedAnswerFound") in keys and ("colour", "AgreedAnswerFound") in keys


# -- ScoreMyKnownAnswers ----------------------------------------------------------------------


def test_known_answers_approve_on_submission(mturk, prod_client):
    hit = prod_client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 2},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"], "count": ["3"]},
            ApproveIfKnownAnswerScoreIsAtLeast=100,
            ApproveReason="Well done",
        ),
    )["HIT"]
    balance = mturk.production.balance
    assignment_id = work(mturk, hit["HITId"], WORKERS[0], {"label": " cat ", "count": "3"})
    assignment = prod_client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert assignment["AssignmentStatus"] == "Approved"
    assert assignment["RequesterFeedback"] == "Well done"
    assert mturk.production.balance == balance - mturk.hits[hit["HITId"]].reward - (
        mturk.hits[hit["HITId"]].fee
    )
    body = report(prod_client, hit["HITId"])
    assert body["AssignmentReviewPolicy"] == {"PolicyName": KNOWN}
    assert "HITReviewPolicy" not in body
    assert results(body, "Assignment") == [
        ("Assignment", "label", "KnownAnswerCorrect", "1"),
        ("Assignment", "count", "KnownAnswerCorrect", "1"),
        ("Assignment", None, "KnownAnswerScore", "100"),
    ]
    assert actions(body, "Assignment") == [
        ("review", "Assignment", "Succeeded", None),
        ("approve", "Assignment", "Succeeded", None),
    ]
    detail = body["AssignmentReviewReport"]["ReviewActions"][1]
    assert detail["TargetId"] == assignment_id
    assert detail["CompleteTime"] == mturk.now


@pytest.mark.parametrize(
    ("key", "given", "correct"),
    [
        (["cat"], "Cat", "0"),
        (["cat"], "cat.", "0"),
        (["a", "b"], ["b", "a"], "1"),
        (["a", "b"], ["a"], "0"),
        ([], "x", "0"),
        (["x"], None, "0"),
        ([], None, "1"),
    ],
    ids=["case", "punctuation", "order", "subset", "key-empty", "answer-empty", "both-empty"],
)
def test_known_answer_matching(mturk, client, key, given, correct):
    question = form(
        question_body("label", "<FreeTextAnswer/>")
        + question_body(
            "tags",
            "<SelectionAnswer><MaxSelectionCount>2</MaxSelectionCount>"
            "<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
            "<Text>A</Text></Selection><Selection><SelectionIdentifier>b"
            "</SelectionIdentifier><Text>B</Text></Selection></Selections>"
            "</SelectionAnswer>",
        )
    )
    qid = "tags" if isinstance(given, list) else "label"
    hit = client.create_hit(
        **{**HIT_ARGS, "Question": question}, AssignmentReviewPolicy=known(AnswerKey={qid: key})
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {} if given is None else {qid: given})
    assert results(report(client, hit["HITId"]), "Assignment")[0][3] == correct


def test_known_answer_score_is_a_rounded_percentage(mturk, client):
    hit = client.create_hit(
        **HIT_ARGS, AssignmentReviewPolicy=known(AnswerKey={"a": ["1"], "b": ["2"], "c": ["3"]})
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"a": "1", "b": "2", "c": "x"})
    assert results(report(client, hit["HITId"]), "Assignment")[-1][2:] == ("KnownAnswerScore", "67")


def test_known_answers_reject(mturk, prod_client):
    hit = prod_client.create_hit(
        **HIT_ARGS,
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]},
            RejectIfKnownAnswerScoreIsLessThan=50,
            RejectReason="Wrong gold answer",
        ),
    )["HIT"]
    balance = mturk.production.balance
    assignment_id = work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})
    assignment = prod_client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert (assignment["AssignmentStatus"], assignment["RequesterFeedback"]) == (
        "Rejected",
        "Wrong gold answer",
    )
    assert mturk.production.balance == balance  # no pay, no fee
    assert actions(report(prod_client, hit["HITId"]), "Assignment")[-1] == (
        "reject",
        "Assignment",
        "Succeeded",
        None,
    )


def test_reject_after_approve_fails(mturk, client):
    hit = client.create_hit(
        **HIT_ARGS,
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]},
            ApproveIfKnownAnswerScoreIsAtLeast=0,
            RejectIfKnownAnswerScoreIsLessThan=101,
        ),
    )["HIT"]
    assignment_id = work(mturk, hit["HITId"], WORKERS[0], {"label": "cat"})
    assert status(client, assignment_id) == "Approved"
    assert actions(report(client, hit["HITId"]), "Assignment")[1:] == [
        ("approve", "Assignment", "Succeeded", None),
        ("reject", "Assignment", "Failed", "AWS.MechanicalTurk.InvalidAssignmentState"),
    ]


def test_policy_decides_before_zero_delay_auto_approval(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "AutoApprovalDelayInSeconds": 0},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]}, RejectIfKnownAnswerScoreIsLessThan=100
        ),
    )["HIT"]
    assert status(client, work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})) == "Rejected"


def test_known_answers_extend_up_to_the_maximum(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]},
            ExtendIfKnownAnswerScoreIsLessThan=100,
            ExtendMaximumAssignments=3,
        ),
    )["HIT"]
    for worker_id in WORKERS[:3]:
        work(mturk, hit["HITId"], worker_id, {"label": "dog"})
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["MaxAssignments"] == 3
    assert got["HITStatus"] == "Reviewable"
    assert [a[0] for a in actions(report(client, hit["HITId"]), "Assignment")] == [
        "review",
        "extend",
        "review",
        "extend",
        "review",
    ]


def test_known_answers_never_cross_nine_to_ten(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 9},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]},
            ExtendIfKnownAnswerScoreIsLessThan=100,
            ExtendMaximumAssignments=25,
        ),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 9
    assert "extend" not in [a[0] for a in actions(report(client, hit["HITId"]), "Assignment")]


def test_extension_adds_the_minimum_time(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1, "LifetimeInSeconds": 600},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]},
            ExtendIfKnownAnswerScoreIsLessThan=100,
            ExtendMinimumTimeInSeconds=86400,
        ),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["Expiration"] == mturk.now + dt.timedelta(seconds=86400)
    assert (got["HITStatus"], got["NumberOfAssignmentsAvailable"]) == ("Assignable", 1)


@pytest.mark.mturk(balance="1.00")
def test_extension_without_funds_fails_and_changes_nothing(mturk, prod_client):
    hit = prod_client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1},
        AssignmentReviewPolicy=known(
            AnswerKey={"label": ["cat"]}, ExtendIfKnownAnswerScoreIsLessThan=100
        ),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})
    assert prod_client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 1
    assert actions(report(prod_client, hit["HITId"]), "Assignment")[-1] == (
        "extend",
        "HIT",
        "Failed",
        "AWS.MechanicalTurk.InsufficientFunds",
    )


# -- SimplePlurality -----------------------------------------------------------------------


def three_workers(mturk, client, labels=("cat", "cat", "dog"), **params):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": len(labels)}, HITReviewPolicy=plurality(**params)
    )["HIT"]
    ids = [
        work(mturk, hit["HITId"], w, {"label": label})
        for w, label in zip(WORKERS, labels, strict=False)
    ]
    return hit["HITId"], ids


def test_plurality_finds_the_agreed_answer_and_settles_the_work(mturk, client):
    hit_id, ids = three_workers(
        mturk,
        client,
        ApproveIfWorkerAgreementScoreIsAtLeast=100,
        RejectIfWorkerAgreementScoreIsLessThan=100,
        RejectReason="Disagreed with the other workers",
    )
    body = report(client, hit_id)
    assert body["HITReviewPolicy"] == {"PolicyName": PLURALITY}
    assert results(body)[:4] == [
        ("HIT", "label", "AgreedAnswerFound", "true"),
        ("HIT", "label", "AgreedAnswer", "cat"),
        ("HIT", "label", "AnswerAgreementScore", "67"),
        ("HIT", None, "HitAgreementScore", "100"),
    ]
    assert results(body)[4:7] == [
        ("Assignment", None, "WorkerAgreementScore", "100"),
        ("Assignment", None, "PluralityAnswersCorrect", "1"),
        ("Assignment", None, "PluralityAnswersIncorrect", "0"),
    ]
    assert [status(client, i) for i in ids] == ["Approved", "Approved", "Rejected"]
    rejected = client.get_assignment(AssignmentId=ids[2])["Assignment"]
    assert rejected["RequesterFeedback"] == "Disagreed with the other workers"
    hit = client.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsCompleted"]) == ("Reviewable", 3)


def test_a_tie_is_no_agreement(mturk, client):
    hit_id, ids = three_workers(
        mturk,
        client,
        labels=("cat", "dog"),
        QuestionAgreementThreshold=10,
        ApproveIfWorkerAgreementScoreIsAtLeast=0,
    )
    body = report(client, hit_id)
    assert results(body) == [
        ("HIT", "label", "AgreedAnswerFound", "false"),
        ("HIT", "label", "AnswerAgreementScore", "50"),
        ("HIT", None, "HitAgreementScore", "0"),
    ]
    assert [status(client, i) for i in ids] == ["Submitted", "Submitted"]


@pytest.mark.parametrize(("threshold", "found"), [(99, "true"), (100, "false")])
def test_agreement_must_exceed_the_threshold(mturk, client, threshold, found):
    hit_id, _ = three_workers(
        mturk, client, labels=("cat", "cat"), QuestionAgreementThreshold=threshold
    )
    assert results(report(client, hit_id))[0][3] == found  # the score is 100


def test_plurality_extends_and_runs_again(mturk, client):
    hit_id, _ = three_workers(
        mturk,
        client,
        labels=("cat", "dog"),
        ExtendIfHITAgreementScoreIsLessThan=100,
        ExtendMaximumAssignments=3,
        ExtendMinimumTimeInSeconds=3600,
    )
    hit = client.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["MaxAssignments"], hit["NumberOfAssignmentsAvailable"]) == (
        "Assignable",
        3,
        1,
    )
    work(mturk, hit_id, WORKERS[2], {"label": "cat"})
    body = report(client, hit_id)
    assert [a[0] for a in actions(body)] == ["review", "extend", "review"]
    found = [value for _, q, key, value in results(body) if key == "AgreedAnswerFound"]
    assert found == ["false", "true"]  # the second run is appended


def test_plurality_runs_again_after_a_requester_extension(mturk, client):
    hit_id, _ = three_workers(mturk, client, labels=("cat", "dog"))
    client.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
    work(mturk, hit_id, WORKERS[2], {"label": "dog"})
    agreed = [v for _, _, key, v in results(report(client, hit_id)) if key == "AgreedAnswer"]
    assert agreed == ["dog"]


@pytest.mark.parametrize(("disregard", "score"), [("true", "100"), ("false", "67")])
def test_disregard_rejected_assignments(mturk, client, disregard, score):
    hit = client.create_hit(
        **HIT_ARGS, HITReviewPolicy=plurality(DisregardAssignmentIfRejected=disregard)
    )["HIT"]
    first = work(mturk, hit["HITId"], WORKERS[0], {"label": "dog"})
    client.reject_assignment(AssignmentId=first, RequesterFeedback="spam")
    for worker_id in WORKERS[1:3]:
        work(mturk, hit["HITId"], worker_id, {"label": "cat"})
    assert results(report(client, hit["HITId"]))[2][2:] == ("AnswerAgreementScore", score)


def test_disregard_by_known_answer_score(mturk, client):
    hit = client.create_hit(
        **HIT_ARGS,
        AssignmentReviewPolicy=known(AnswerKey={"gold": ["yes"]}),
        HITReviewPolicy=plurality(DisregardAssignmentIfKnownAnswerScoreIsLessThan=100),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "dog", "gold": "no"})
    work(mturk, hit["HITId"], WORKERS[1], {"label": "cat", "gold": "yes"})
    work(mturk, hit["HITId"], WORKERS[2], {"label": "cat", "gold": "yes"})
    body = report(client, hit["HITId"])
    assert results(body)[2][2:] == ("AnswerAgreementScore", "100")
    # Every submission was scored, the last one before the HIT-level review.
    assert [k for _, _, k, _ in results(body, "Assignment")].count("KnownAnswerScore") == 3


def test_long_answers_are_left_out(mturk, client):
    hit_id, _ = three_workers(mturk, client, labels=("x" * 257, "x" * 257, "cat"))
    assert results(report(client, hit_id))[:2] == [
        ("HIT", "label", "AgreedAnswerFound", "true"),
        ("HIT", "label", "AgreedAnswer", "cat"),
    ]


def test_hit_agreement_score_over_several_questions(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 2},
        HITReviewPolicy=plurality(QuestionIds=["label", "colour"]),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "cat", "colour": "red"})
    work(mturk, hit["HITId"], WORKERS[1], {"label": "cat", "colour": "blue"})
    body = report(client, hit["HITId"])
    assert ("HIT", None, "HitAgreementScore", "50") in results(body)
    assert ("Assignment", None, "WorkerAgreementScore", "100") in results(body)


# -- ListReviewPolicyResultsForHIT -------------------------------------------------------


def test_report_filters(mturk, client):
    hit = client.create_hit(
        **{**HIT_ARGS, "MaxAssignments": 1},
        AssignmentReviewPolicy=known(AnswerKey={"label": ["cat"]}),
        HITReviewPolicy=plurality(),
    )["HIT"]
    work(mturk, hit["HITId"], WORKERS[0], {"label": "cat"})
    only_hit = report(client, hit["HITId"], PolicyLevels=["HIT"])
    assert set(only_hit) == {"HITId", "HITReviewPolicy", "HITReviewReport", "NextToken"}
    no_actions = report(client, hit["HITId"], RetrieveActions=False)
    assert set(no_actions["AssignmentReviewReport"]) == {"ReviewResults"}
    no_results = report(client, hit["HITId"], RetrieveResults=False)
    assert set(no_results["HITReviewReport"]) == {"ReviewActions"}


def test_report_pages(mturk, client):
    hit_id, _ = three_workers(mturk, client, ApproveIfWorkerAgreementScoreIsAtLeast=100)
    whole = report(client, hit_id)
    walked: dict[str, list] = {"ReviewResults": [], "ReviewActions": []}
    token = None
    pages = 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = report(client, hit_id, MaxResults=4, **kwargs)
        pages += 1
        for key in walked:
            walked[key] += page["HITReviewReport"][key]
        token = page.get("NextToken")
        if token is None:
            assert page["HITReviewReport"] == {"ReviewResults": [], "ReviewActions": []}
            break
    assert walked == whole["HITReviewReport"]
    assert pages == -(-(len(walked["ReviewResults"]) + len(walked["ReviewActions"])) // 4) + 1


def test_report_before_any_review_and_without_policies(mturk, client):
    hit = client.create_hit(**HIT_ARGS, HITReviewPolicy=plurality())["HIT"]
    assert report(client, hit["HITId"]) == {
        "HITId": hit["HITId"],
        "HITReviewPolicy": {"PolicyName": PLURALITY},
        "HITReviewReport": {"ReviewResults": [], "ReviewActions": []},
    }
    plain = client.create_hit(**HIT_ARGS)["HIT"]
    assert report(client, plain["HITId"]) == {"HITId": plain["HITId"]}


def test_report_for_unknown_hit(mturk, client):
    with raises_request_error(mturk, client, "HITDoesNotExist", "Hit 3NOSUCHHIT does not exist."):
        client.list_review_policy_results_for_hit(HITId="3NOSUCHHIT")


# -- GetFileUploadURL --------------------------------------------------------------------------


def test_file_upload_url(mturk, client):
    question = form(question_body("photo", UPLOAD), namespace=FORM_2005)
    hit = client.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    assignment_id = work(
        mturk, hit["HITId"], WORKERS[0], {"photo": {"file_key": "uploads/cat.png", "file_size": 7}}
    )
    url = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    assert url["FileUploadURL"].startswith("https://")
    assert "uploads/cat.png" in url["FileUploadURL"]
    with raises_request_error(
        mturk,
        client,
        "InvalidParameterValue",
        f'There is no file uploaded for QuestionIdentifier "other" in assignment {assignment_id}.',
    ):
        client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="other")


def test_file_upload_url_for_unknown_assignment(mturk, client):
    with raises_request_error(
        mturk, client, "AssignmentDoesNotExist", "Assignment 3NOPE does not exist."
    ):
        client.get_file_upload_url(AssignmentId="3NOPE", QuestionIdentifier="photo")


def test_policy_errors_are_plain_client_errors(client):
    with pytest.raises(ClientError) as info:
        client.create_hit(**HIT_ARGS, HITReviewPolicy={"PolicyName": "x"})
    assert not isinstance(info.value, client.exceptions.RequestError)
