"""What broader-scoped fixtures make lives as long as they do and is seen by every test
that uses them, while tests stay isolated from each other's changes.

The run-wide simulator answers what module- and session-scoped fixtures do; each test's
simulator starts as a copy of it. First the copy itself (the backend, through real boto3
clients), then suites as users meet them (``pytester``).
"""

from __future__ import annotations

import copy
import datetime as _dt

import pytest
from conftest import HIT_ARGS, skip_if_simulated

from pytest_mturk import Simulator, UsageError, mturk_sim
from pytest_mturk.core.service import Service

WORKER = "A1SCOPEDWORKER"
INBOX = "https://sqs.us-east-1.amazonaws.com/123456789012/scoped"


def _rich(seed: int = 3) -> tuple[Simulator, dict[str, str]]:
    """A simulator holding a bit of everything, with transitions still scheduled."""
    sim = mturk_sim(seed=seed)
    with sim:
        client = sim.client()
        qual = client.create_qualification_type(
            Name="scoped", Description="d", QualificationTypeStatus="Active"
        )["QualificationType"]["QualificationTypeId"]
        hit_type = client.create_hit_type(
            Title="t",
            Description="d",
            Reward="0.10",
            AssignmentDurationInSeconds=600,
            AutoApprovalDelayInSeconds=3600,
        )["HITTypeId"]
        sim.register_destination(INBOX)
        client.update_notification_settings(
            HITTypeId=hit_type,
            Notification={
                "Destination": INBOX,
                "Transport": "SQS",
                "Version": "2006-05-05",
                "EventTypes": ["AssignmentSubmitted", "HITExpired"],
            },
            Active=True,
        )
        hit = client.create_hit_with_hit_type(
            HITTypeId=hit_type,
            MaxAssignments=2,
            LifetimeInSeconds=7200,
            Question=HIT_ARGS["Question"],
        )["HIT"]["HITId"]
        worker = sim.worker(WORKER)
        assignment = worker.accept(hit)
        worker.submit(assignment, {"label": "cat"})
        client.associate_qualification_with_worker(
            QualificationTypeId=qual, WorkerId=WORKER, IntegerValue=5, SendNotification=False
        )
        sim.register_layout("LAYOUT1", "<p>${x}</p>")
        sim.fail_next("GetAccountBalance")
    return sim, {"qual": qual, "hit_type": hit_type, "hit": hit, "assignment": assignment}


def _script(sim: Simulator, ids: dict[str, str]) -> list[object]:
    """The same calls and worker actions, and what each answered (errors included)."""
    out: list[object] = []
    with sim:
        client = sim.client()
        out.append(client.get_account_balance())  # meets the pending fault, retried
        out.append(client.create_hit(**HIT_ARGS))  # new IDs
        out.append(client.list_hits())
        out.append(client.get_assignment(AssignmentId=ids["assignment"]))
        second = sim.worker("A2SECONDWORKER").accept(ids["hit"])
        out.append(second)
        out.append(client.list_workers_with_qualification_type(QualificationTypeId=ids["qual"]))
        sim.advance(hours=3)  # auto-approval (1 h after submission) and expiry (2 h) fire
        out.append(client.get_hit(HITId=ids["hit"]))
        out.append(client.list_assignments_for_hit(HITId=ids["hit"]))
        try:
            client.get_hit(HITId="3NOSUCHHIT0000000000000000000X")
        except client.exceptions.RequestError as exc:
            out.append(exc.response)
        out.append([m.body for m in sim.notifications])
        out.append(sim.register_destination(INBOX).received)
        out.append([(e.event_type, e.hit_id, e.assignment_id) for e in sim.events])
        out.append([(c.operation, c.params, c.response, repr(c.error)) for c in sim.calls])
        out.append(sim.now)
        out.append(sim.internal_errors)
    return out


# -- the copy ------------------------------------------------------------------------------


def test_a_copy_answers_as_the_original_would():
    original, ids = _rich()
    twin = Simulator._copy_of(original, seed=3)
    assert _script(twin, ids) == _script(original, ids)


def test_changes_to_a_copy_never_show_in_the_original_nor_back():
    original, ids = _rich()
    twin = Simulator._copy_of(original, seed=3)
    with twin:
        twin.client().delete_qualification_type(QualificationTypeId=ids["qual"])
        twin.worker(WORKER).profile  # noqa: B018 - the copied worker handle works
        twin.client().create_hit(**HIT_ARGS)
        twin.register_destination("https://sqs.us-east-1.amazonaws.com/123456789012/other")
    assert len(original.hits) == 1
    assert original.qualification_types[ids["qual"]].status.value == "Active"
    assert len(original.calls) < len(twin.calls)
    with original:
        made = original.client().create_qualification_type(
            Name="only in the original", Description="d", QualificationTypeStatus="Active"
        )["QualificationType"]["QualificationTypeId"]
        original.worker("A3THIRDWORKER").accept(ids["hit"])
    assert made not in twin.qualification_types
    assert original.hits[ids["hit"]].pending == 1
    assert twin.hits[ids["hit"]].pending == 0
    assert twin.qualification_types[ids["qual"]].status.value != "Active"
    assert "A3THIRDWORKER" not in twin.workers


def test_scheduled_transitions_fire_in_each_independently():
    original, ids = _rich()
    twin = Simulator._copy_of(original, seed=3)
    with twin:
        twin.client().delete_qualification_type(QualificationTypeId=ids["qual"])
        twin.advance(days=200)  # approval, expiry, disposal of the HIT, end of the type
    assert twin.assignments[ids["assignment"]].status.value == "Approved"
    assert twin.hits[ids["hit"]].status.value == "Disposed"
    assert ids["qual"] not in twin.qualification_types
    # Nothing fired in the original: its clock has not moved.
    assert original.assignments[ids["assignment"]].status.value == "Submitted"
    assert original.hits[ids["hit"]].status.value == "Assignable"
    assert ids["qual"] in original.qualification_types
    with original:
        original.advance(hours=2)
    assert original.assignments[ids["assignment"]].status.value == "Approved"
    assert original.hits[ids["hit"]].status.value == "Reviewable"
    assert twin.internal_errors == original.internal_errors == []


def test_a_copy_takes_the_settings_that_act_on_later_calls():
    original, ids = _rich()
    twin = Simulator._copy_of(original, seed=3, strict_workers=True, environment="production")
    assert twin.settings.strict_workers and not original.settings.strict_workers
    assert twin.client().meta.region_name == "us-east-1"
    with pytest.raises(UsageError, match="keeps its seed, start and balance"):
        Simulator._copy_of(original, seed=4)
    with pytest.raises(UsageError, match="keeps its seed, start and balance"):
        Simulator._copy_of(original, seed=3, balance="5.00")


def test_service_copy_is_a_deepcopy_with_a_lock_of_its_own():
    original, _ = _rich()
    service: Service = original._service
    twin = service.copy()
    assert twin.lock is not service.lock
    assert not hasattr(twin, "simulator")
    assert twin.operations is service.operations
    assert copy.deepcopy(service).states is not service.states
    # Every stored callable acts on the copy, never on the original.
    for entry in twin.scheduler._heap:
        assert service not in entry and not any(arg is service for arg in entry)
    for listener, _ in twin.listeners:
        bound = getattr(listener, "__self__", None) or listener.args[0]
        assert bound is not service and bound is not service.notifier
    # Hooks take the service as an argument: no closure can hold the original.
    for hook in (*twin.submit_hooks, *twin.reviewable_hooks, *twin.accept_checks):
        assert hook.__closure__ is None
    # Call records are shared (never changed once made); the logs are not.
    assert twin.calls == service.calls and twin.calls is not service.calls


def test_a_fresh_simulator_is_pristine_and_a_used_one_is_not():
    sim = mturk_sim()
    assert sim._pristine()
    sim.worker(WORKER)
    assert not sim._pristine()
    moved = mturk_sim()
    moved._service.advance(_dt.timedelta(seconds=1))
    assert not moved._pristine()


# -- suites written for the real sandbox -----------------------------------------------------

INI = """
[pytest]
addopts = -p no:benchmark -p no:hypothesispytest
filterwarnings = error
"""

SANDBOX_SUITE = """
import boto3, pytest, pytest_mturk

QUESTION = {question!r}

def client():
    return boto3.client("mturk", region_name="sandbox",
                        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="x")

@pytest.fixture(scope="session")
def qualification():
    qual = client().create_qualification_type(
        Name="screened", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    yield qual
    client().delete_qualification_type(QualificationTypeId=qual)

@pytest.fixture(scope="module")
def task(qualification):
    c = client()
    hit_type = c.create_hit_type(
        Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=600,
        QualificationRequirements=[{{"QualificationTypeId": qualification,
                                     "Comparator": "Exists", "ActionsGuarded": "Accept"}}],
    )["HITTypeId"]
    hit = c.create_hit_with_hit_type(
        HITTypeId=hit_type, MaxAssignments=1, LifetimeInSeconds=3600, Question=QUESTION
    )["HIT"]["HITId"]
    yield hit_type, hit
    # Teardown on the run-wide simulator: the HIT is still Assignable there.
    c.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    c.delete_hit(HITId=hit)
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Disposed"
    print("TEARDOWN-DELETED", hit)

def test_work_is_done({mturk}task, qualification):
    hit_type, hit = task
    sim = pytest_mturk.active_simulator()
    c = client()
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Assignable"
    c.associate_qualification_with_worker(
        QualificationTypeId=qualification, WorkerId="A1WORKER", IntegerValue=1,
        SendNotification=False)
    worker = sim.worker("A1WORKER")
    worker.submit(worker.accept(hit), {{"label": "cat"}})
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Reviewable"

def test_expire({mturk}task):
    hit_type, hit = task
    c = client()
    assert c.get_hit(HITId=hit)["HIT"]["NumberOfAssignmentsPending"] == 0
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Assignable"
    c.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Reviewable"

def test_delete({mturk}task):
    hit_type, hit = task
    c = client()
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Assignable"
    c.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    c.delete_hit(HITId=hit)
    assert c.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Disposed"
    assert c.list_hits()["NumResults"] == 0

def test_more_hits_of_the_type({mturk}task, qualification):
    hit_type, hit = task
    c = client()
    assert c.list_hits()["NumResults"] == 1
    c.create_hit_with_hit_type(
        HITTypeId=hit_type, MaxAssignments=1, LifetimeInSeconds=60, Question=QUESTION)
    assert c.list_hits()["NumResults"] == 2
    qtype = c.get_qualification_type(QualificationTypeId=qualification)["QualificationType"]
    assert qtype["QualificationTypeStatus"] == "Active"

def test_sees_only_fixtures_made_so_far({mturk}qualification):
    c = client()
    qtype = c.get_qualification_type(QualificationTypeId=qualification)["QualificationType"]
    assert qtype["QualificationTypeStatus"] == "Active"
    c.delete_qualification_type(QualificationTypeId=qualification)
"""


def _suite(pytester, *, mturk: bool) -> pytest.Pytester:
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(
        test_sandbox=SANDBOX_SUITE.format(
            question=HIT_ARGS["Question"], mturk="mturk, " if mturk else ""
        )
    )
    return pytester


def _randomly_available() -> bool:
    try:
        import pytest_randomly  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("order", [("-p", "no:randomly"), ("-p", "randomly")])
@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_a_sandbox_suite_runs_unchanged_under_the_flag(pytester, order, seed):
    if order[1] == "randomly" and not _randomly_available():
        pytest.skip("pytest-randomly is not installed")
    args = ["--mturk-sim", "-s", *order]
    if order[1] == "randomly":
        args.append(f"--randomly-seed={seed}")
    result = _suite(pytester, mturk=False).runpytest(*args)
    result.assert_outcomes(passed=5)
    assert result.stdout.str().count("TEARDOWN-DELETED") == 1


@pytest.mark.parametrize("order", [("-p", "no:randomly"), ("-p", "randomly")])
def test_the_same_suite_passes_without_the_flag_when_its_tests_ask_for_mturk(pytester, order):
    if order[1] == "randomly" and not _randomly_available():
        pytest.skip("pytest-randomly is not installed")
    args = ["-s", *order]
    if order[1] == "randomly":
        args.append("--randomly-seed=7")
    result = _suite(pytester, mturk=True).runpytest(*args)
    result.assert_outcomes(passed=5)
    assert result.stdout.str().count("TEARDOWN-DELETED") == 1


PLAIN_AND_SIMULATED = """
import boto3, pytest, pytest_mturk
from botocore.awsrequest import AWSResponse

QUESTION = {question!r}

def client():
    return boto3.client("mturk", region_name="sandbox",
                        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="x")

class Raw:
    def stream(self, **kwargs):
        yield b'{{"AvailableBalance": "1.23"}}'

def reaches_botocore():
    # Answered where botocore sends: only a call no simulator took gets here.
    c, sent = client(), []
    def send(request, **kwargs):
        sent.append(request.url)
        return AWSResponse(request.url, 200, {{}}, Raw())
    c.meta.events.register("before-send.mturk", send)
    assert c.get_account_balance()["AvailableBalance"] == "1.23"
    assert sent == ["https://mturk-requester-sandbox.us-east-1.amazonaws.com/"]

@pytest.fixture(scope="module")
def task():
    c = client()
    hit = c.create_hit(Title="t", Description="d", Reward="0.10", LifetimeInSeconds=60,
                       AssignmentDurationInSeconds=60, Question=QUESTION)["HIT"]["HITId"]
    yield hit
    # Run after test_c, which uses no simulator: still simulated.
    c.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    c.delete_hit(HITId=hit)
    print("TEARDOWN-SIMULATED", c.get_hit(HITId=hit)["HIT"]["HITStatus"])

def test_a_plain():
    assert pytest_mturk.current() is None
    reaches_botocore()

def test_b_simulated(mturk, task):
    assert mturk.hits[task].status.value == "Assignable"

def test_c_plain(task):
    assert pytest_mturk.current() is None
    reaches_botocore()
"""


def test_tests_that_use_no_simulator_still_reach_botocore(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(test_mixed=PLAIN_AND_SIMULATED.format(question=HIT_ARGS["Question"]))
    result = pytester.runpytest("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*TEARDOWN-SIMULATED Disposed*"])


HINTED = """
import boto3, pytest, pytest_mturk

def client():
    return boto3.client("mturk", region_name="sandbox",
                        aws_access_key_id="AKIDEXAMPLE000000000", aws_secret_access_key="x")

@pytest.fixture(scope="module")
def hit_type():
    return client().create_hit_type(
        Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=600
    )["HITTypeId"]

def use(hit_type):
    with pytest.raises(client().exceptions.RequestError) as info:
        client().create_hit_with_hit_type(
            HITTypeId=hit_type, LifetimeInSeconds=60, Question={question!r})
    # The service's own message, untouched.
    assert info.value.response["Error"]["Message"].startswith(
        "HITType " + hit_type + " does not exist. (")
    raise AssertionError("the suite's own assertion")

@pytest.fixture(scope="session")
def account():
    # A call: from now on the run-wide simulator is not empty, and tests start as copies.
    return client().get_account_balance()

@pytest.fixture(scope="module")
def hit():
    return client().create_hit(
        Title="t", Description="d", Reward="0.10", LifetimeInSeconds=60,
        AssignmentDurationInSeconds=60, Question={question!r})["HIT"]["HITId"]

def test_asks_late(request):
    use(request.getfixturevalue("hit_type"))

def test_copied_then_asks_late(account, request):
    hit = request.getfixturevalue("hit")
    pytest_mturk.active_simulator().worker("A1LATE").accept(hit)

@pytest.mark.mturk(seed=9)
def test_other_seed(hit_type):
    use(hit_type)
"""


def test_a_test_that_cannot_see_an_id_is_told_why(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(test_hinted=HINTED.format(question=HIT_ARGS["Question"]))
    result = pytester.runpytest("--mturk-sim", "-p", "no:randomly")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*simulated MTurk: IDs this test's simulator cannot see*",
            "HITType * (CreateHITWithHITType -> AWS.MechanicalTurk.HITTypeDoesNotExist) exists "
            "in the run-wide simulator but not in this test's: the run-wide simulator held "
            "nothing yet when this test's simulator started*make it in a fixture the test "
            "names in its arguments*",
            "*simulated MTurk: IDs this test's simulator cannot see*",
            "HIT * (a simulated worker) exists in the run-wide simulator but not in this "
            "test's: it was made there after this test's simulator was copied from it*",
            "*simulated MTurk: IDs this test's simulator cannot see*",
            "HITType * exists in the run-wide simulator but not in this test's: this test's "
            "simulator started fresh, not as a copy of the run-wide one, because its seed, "
            "start or balance*",
        ]
    )


def test_no_hint_for_an_id_that_exists_nowhere(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import boto3

        def test_unknown(mturk):
            c = mturk.client()
            try:
                c.get_hit(HITId="3NOSUCHHIT0000000000000000000X")
            except c.exceptions.RequestError:
                pass
            assert False
        """
    )
    result = pytester.runpytest("--mturk-sim")
    result.assert_outcomes(failed=1)
    assert "cannot see" not in result.stdout.str()
    assert "last calls and events" in result.stdout.str()


def test_a_suite_overriding_mturk_with_its_own_still_simulates_its_fixtures(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def mturk(mturk):  # the suite's own, on top of the plugin's
            mturk.worker("A1OWN")
            return mturk
        """
    )
    pytester.makepyfile(
        test_own=SANDBOX_SUITE.format(question=HIT_ARGS["Question"], mturk="mturk, ")
    )
    result = pytester.runpytest("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    assert result.stdout.str().count("TEARDOWN-DELETED") == 1


def test_a_copy_takes_the_tests_own_settings_and_other_worlds_start_fresh(pytester):
    skip_if_simulated()
    pytester.makeini(INI)
    pytester.makepyfile(
        f"""
        import boto3, pytest

        @pytest.fixture(scope="module")
        def hit():
            c = boto3.client("mturk", region_name="sandbox",
                             aws_access_key_id="AKIDEXAMPLE000000000",
                             aws_secret_access_key="x")
            return c.create_hit(Title="t", Description="d", Reward="0.10",
                                LifetimeInSeconds=60, AssignmentDurationInSeconds=60,
                                Question={HIT_ARGS["Question"]!r})["HIT"]["HITId"]

        @pytest.mark.mturk(strict_workers=True, environment="production",
                           access_keys=["AKIDEXAMPLE000000000"])
        def test_own_settings(mturk, hit):
            assert hit in mturk.hits
            assert mturk.settings.strict_workers
            assert mturk.client().meta.region_name == "us-east-1"
            other = boto3.client("mturk", region_name="sandbox",
                                 aws_access_key_id="AKIDOTHERKEY00000000",
                                 aws_secret_access_key="x")
            with pytest.raises(other.exceptions.ClientError, match="security token"):
                other.get_account_balance()

        @pytest.mark.mturk(balance="5.00")
        def test_other_balance(mturk, hit):
            assert hit not in mturk.hits and len(mturk.hits) == 0
        """
    )
    result = pytester.runpytest("--mturk-sim", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
