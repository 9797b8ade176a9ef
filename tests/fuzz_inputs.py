"""Generated bad input for every operation, derived from botocore's mturk service model.

Three kinds of input, all as hypothesis strategies:

* a *base* call per operation (:data:`TEMPLATES`): plausible parameters naming
  objects of the fuzz world by :class:`Ref` (a HIT in some status, an assignment
  in some state, a worker, a qualification type...), resolved to real IDs just
  before the call;
* one *model violation* (:func:`violations`) at any member path of the input
  shape: a string breaking its pattern, length or enum, a number outside
  ``ResultSize``, a wrong JSON type, a missing required member, an unknown
  member. The service must refuse it with ``ParameterValidationError`` or
  ``ValidationException`` (or botocore refuses it first);
* *semantic* changes (:func:`semantic`) that the model allows but the service
  may refuse: unknown IDs of the right shape, IDs of the wrong kind or of the
  other environment, out-of-range numbers, odd amounts, overlong or hostile
  text and XML, oversized lists, dropped optional members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# -- references to the fuzz world ---------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A named object of the fuzz world; its ID is looked up just before the call."""

    kind: str
    name: str

    def __repr__(self) -> str:  # short, for hypothesis' falsifying examples
        return f"<{self.kind}:{self.name}>"


# Every name the world must provide (the tests check it does).
NAMES: dict[str, tuple[str, ...]] = {
    "hit": (
        "assignable",
        "unassignable",
        "reviewable",
        "reviewing",
        "done",
        "disposed",
        "expired",
        "expired_in_progress",
        "qualified",
        "policy",
        "sandbox",
    ),
    "assignment": (
        "submitted",
        "submitted2",
        "reviewing",
        "approved",
        "rejected",
        "returned",
        "abandoned",
        "accepted",
        "policy",
        "sandbox",
        "reissued",
    ),
    "hit_type": ("notified", "plain", "sandbox"),
    "qual_type": (
        "active",
        "inactive",
        "deleted",
        "tested",
        "masters",
        "masters_sandbox",
        "locale",
    ),
    "request": ("pending", "rejected", "granted"),
    "worker": ("busy", "second", "third", "revoked", "blocked", "stranger"),
    "token": ("hit", "bonus", "extra"),
    "layout": ("known",),
}
# Offsets (seconds) from the world's current time, for ExpireAt.
TIME_OFFSETS = ("-86400", "-1", "0", "30", "59", "60", "3600", "31536000", "31536061")


def ref(kind: str) -> st.SearchStrategy[Ref]:
    return st.sampled_from([Ref(kind, name) for name in NAMES[kind]])


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()  # an optional member left out


def opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(ABSENT) | strategy


# -- well-formed values -------------------------------------------------------------

ENTITY_ID = r"[A-Z0-9]{1,64}"
CUSTOMER_ID = r"A[A-Z0-9]{1,63}"
well_formed_ids = st.from_regex(ENTITY_ID, fullmatch=True)
well_formed_workers = st.from_regex(CUSTOMER_ID, fullmatch=True)
every_ref = st.sampled_from([Ref(kind, name) for kind in NAMES for name in NAMES[kind]])
# Any identifier at all: of the right kind or not, known or not, of either world.
any_id = every_ref | well_formed_ids | well_formed_workers

SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
EXTERNAL = (
    f'<ExternalQuestion xmlns="{SCHEMAS}2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)
HTML = (
    f'<HTMLQuestion xmlns="{SCHEMAS}2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA['
    "<!DOCTYPE html><html><head><title>t</title></head><body><form>"
    '<input name="label"></form></body></html>]]></HTMLContent><FrameHeight>0</FrameHeight>'
    "</HTMLQuestion>"
)
TEST = (
    f'<QuestionForm xmlns="{SCHEMAS}2005-10-01/QuestionForm.xsd"><Question>'
    "<QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Pick</Text>"
    "</QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection>"
    "<SelectionIdentifier>a</SelectionIdentifier><Text>a</Text></Selection><Selection>"
    "<SelectionIdentifier>b</SelectionIdentifier><Text>b</Text></Selection></Selections>"
    "</SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)
ANSWER_KEY = (
    f'<AnswerKey xmlns="{SCHEMAS}2005-10-01/AnswerKey.xsd"><Question>'
    "<QuestionIdentifier>q1</QuestionIdentifier><AnswerOption><SelectionIdentifier>a"
    "</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question></AnswerKey>"
)
KNOWN_ANSWERS = {
    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
    "Parameters": [
        {"Key": "AnswerKey", "MapEntries": [{"Key": "label", "Values": ["cat"]}]},
        {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
    ],
}
PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        {"Key": "QuestionIds", "Values": ["label"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        {"Key": "DisregardAssignmentIfRejected", "Values": ["true"]},
    ],
}
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/fuzz-events"
EVENTS = ["AssignmentSubmitted", "HITReviewable", "HITExpired"]


def notification(destination: str = QUEUE, transport: str = "SQS") -> dict[str, Any]:
    return {
        "Destination": destination,
        "Transport": transport,
        "Version": "2014-08-15",
        "EventTypes": list(EVENTS),
    }


notifications = st.builds(
    notification,
    st.sampled_from([QUEUE, "arn:aws:sns:us-east-1:123456789012:fuzz", "me@example.com"]),
    st.sampled_from(["SQS", "SNS", "Email"]),
)
texts = st.sampled_from(["fine", "Good work", "x", "Thanks for the work!"])
amounts = st.sampled_from(["0.50", "1", "0.01", "2.37"])
page_sizes = opt(st.integers(1, 100))
requirements = st.lists(
    st.fixed_dictionaries(
        {
            "QualificationTypeId": ref("qual_type"),
            "Comparator": st.just("GreaterThan"),
            "IntegerValues": st.just([1]),
        }
    ),
    max_size=2,
)
questions = st.sampled_from([EXTERNAL, HTML])
durations = st.sampled_from([30, 600, 3600])


def _ops(**members: Any) -> dict[str, Any]:
    return members


# One base call per operation: member -> strategy (ABSENT drops the member).
TEMPLATES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "AcceptQualificationRequest": _ops(
        QualificationRequestId=ref("request"), IntegerValue=opt(st.integers(0, 100))
    ),
    "ApproveAssignment": _ops(
        AssignmentId=ref("assignment"),
        RequesterFeedback=opt(texts),
        OverrideRejection=opt(st.booleans()),
    ),
    "AssociateQualificationWithWorker": _ops(
        QualificationTypeId=ref("qual_type"),
        WorkerId=ref("worker"),
        IntegerValue=opt(st.integers(0, 100)),
        SendNotification=opt(st.booleans()),
    ),
    "CreateAdditionalAssignmentsForHIT": _ops(
        HITId=ref("hit"),
        NumberOfAdditionalAssignments=st.integers(1, 3),
        UniqueRequestToken=opt(ref("token")),
    ),
    "CreateHIT": _ops(
        Title=texts,
        Description=texts,
        Reward=amounts,
        LifetimeInSeconds=durations,
        AssignmentDurationInSeconds=durations,
        AutoApprovalDelayInSeconds=opt(durations),
        MaxAssignments=opt(st.integers(1, 12)),
        Keywords=opt(texts),
        Question=questions,
        RequesterAnnotation=opt(texts),
        QualificationRequirements=opt(requirements),
        UniqueRequestToken=opt(ref("token")),
        AssignmentReviewPolicy=opt(st.just(KNOWN_ANSWERS)),
        HITReviewPolicy=opt(st.just(PLURALITY)),
    ),
    "CreateHITType": _ops(
        Title=texts,
        Description=texts,
        Reward=amounts,
        AssignmentDurationInSeconds=durations,
        AutoApprovalDelayInSeconds=opt(durations),
        Keywords=opt(texts),
        QualificationRequirements=opt(requirements),
    ),
    "CreateHITWithHITType": _ops(
        HITTypeId=ref("hit_type"),
        LifetimeInSeconds=durations,
        MaxAssignments=opt(st.integers(1, 12)),
        Question=questions,
        RequesterAnnotation=opt(texts),
        UniqueRequestToken=opt(ref("token")),
    ),
    "CreateQualificationType": _ops(
        Name=st.sampled_from(["fuzz skill", "another skill"]),
        Description=texts,
        QualificationTypeStatus=st.sampled_from(["Active", "Inactive"]),
        Keywords=opt(texts),
        RetryDelayInSeconds=opt(st.integers(0, 3600)),
        Test=opt(st.just(TEST)),
        AnswerKey=opt(st.just(ANSWER_KEY)),
        TestDurationInSeconds=opt(durations),
        AutoGranted=opt(st.booleans()),
        AutoGrantedValue=opt(st.integers(0, 100)),
    ),
    "CreateWorkerBlock": _ops(WorkerId=ref("worker"), Reason=texts),
    "DeleteHIT": _ops(HITId=ref("hit")),
    "DeleteQualificationType": _ops(QualificationTypeId=ref("qual_type")),
    "DeleteWorkerBlock": _ops(WorkerId=ref("worker"), Reason=opt(texts)),
    "DisassociateQualificationFromWorker": _ops(
        WorkerId=ref("worker"), QualificationTypeId=ref("qual_type"), Reason=opt(texts)
    ),
    "GetAccountBalance": _ops(),
    "GetAssignment": _ops(AssignmentId=ref("assignment")),
    "GetFileUploadURL": _ops(AssignmentId=ref("assignment"), QuestionIdentifier=st.just("label")),
    "GetHIT": _ops(HITId=ref("hit")),
    "GetQualificationScore": _ops(QualificationTypeId=ref("qual_type"), WorkerId=ref("worker")),
    "GetQualificationType": _ops(QualificationTypeId=ref("qual_type")),
    "ListAssignmentsForHIT": _ops(
        HITId=ref("hit"),
        MaxResults=page_sizes,
        AssignmentStatuses=opt(st.lists(st.sampled_from(["Submitted", "Approved", "Rejected"]))),
    ),
    "ListBonusPayments": _ops(
        HITId=opt(ref("hit")), AssignmentId=opt(ref("assignment")), MaxResults=page_sizes
    ),
    "ListHITs": _ops(MaxResults=page_sizes),
    "ListHITsForQualificationType": _ops(
        QualificationTypeId=ref("qual_type"), MaxResults=page_sizes
    ),
    "ListQualificationRequests": _ops(
        QualificationTypeId=opt(ref("qual_type")), MaxResults=page_sizes
    ),
    "ListQualificationTypes": _ops(
        Query=opt(texts),
        MustBeRequestable=st.booleans(),
        MustBeOwnedByCaller=opt(st.booleans()),
        MaxResults=page_sizes,
    ),
    "ListReviewPolicyResultsForHIT": _ops(
        HITId=ref("hit"),
        PolicyLevels=opt(st.lists(st.sampled_from(["Assignment", "HIT"]))),
        RetrieveActions=opt(st.booleans()),
        RetrieveResults=opt(st.booleans()),
        MaxResults=page_sizes,
    ),
    "ListReviewableHITs": _ops(
        HITTypeId=opt(ref("hit_type")),
        Status=opt(st.sampled_from(["Reviewable", "Reviewing"])),
        MaxResults=page_sizes,
    ),
    "ListWorkerBlocks": _ops(MaxResults=page_sizes),
    "ListWorkersWithQualificationType": _ops(
        QualificationTypeId=ref("qual_type"),
        Status=opt(st.sampled_from(["Granted", "Revoked"])),
        MaxResults=page_sizes,
    ),
    "NotifyWorkers": _ops(
        Subject=texts, MessageText=texts, WorkerIds=st.lists(ref("worker"), min_size=1, max_size=3)
    ),
    "RejectAssignment": _ops(AssignmentId=ref("assignment"), RequesterFeedback=texts),
    "RejectQualificationRequest": _ops(QualificationRequestId=ref("request"), Reason=opt(texts)),
    "SendBonus": _ops(
        WorkerId=ref("worker"),
        BonusAmount=amounts,
        AssignmentId=ref("assignment"),
        Reason=texts,
        UniqueRequestToken=opt(ref("token")),
    ),
    "SendTestEventNotification": _ops(
        Notification=notifications, TestEventType=st.sampled_from(["Ping", "HITCreated"])
    ),
    "UpdateExpirationForHIT": _ops(
        HITId=ref("hit"), ExpireAt=st.sampled_from([Ref("time", o) for o in TIME_OFFSETS])
    ),
    "UpdateHITReviewStatus": _ops(HITId=ref("hit"), Revert=opt(st.booleans())),
    "UpdateHITTypeOfHIT": _ops(HITId=ref("hit"), HITTypeId=ref("hit_type")),
    "UpdateNotificationSettings": _ops(
        HITTypeId=ref("hit_type"), Notification=opt(notifications), Active=opt(st.booleans())
    ),
    "UpdateQualificationType": _ops(
        QualificationTypeId=ref("qual_type"),
        Description=opt(texts),
        QualificationTypeStatus=opt(st.sampled_from(["Active", "Inactive"])),
        Test=opt(st.just(TEST)),
        AnswerKey=opt(st.just(ANSWER_KEY)),
        TestDurationInSeconds=opt(durations),
        RetryDelayInSeconds=opt(st.integers(0, 3600)),
        AutoGranted=opt(st.booleans()),
        AutoGrantedValue=opt(st.integers(0, 100)),
    ),
}


def base_call(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """A plausible call of ``operation``; members drawn as ABSENT are dropped when resolved."""
    return st.fixed_dictionaries(TEMPLATES[operation])


# -- walking the input shape --------------------------------------------------------

Path = tuple[Any, ...]  # member names and list indexes (always 0)


def member_paths(shape: Any, prefix: Path = (), depth: int = 0) -> list[tuple[Path, Any, bool]]:
    """Every ``(path, shape, required)`` below a structure, lists entered at index 0."""
    found: list[tuple[Path, Any, bool]] = []
    if depth > 6:
        return found
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            path = (*prefix, name)
            found.append((path, member, name in shape.required_members))
            found.extend(member_paths(member, path, depth + 1))
    elif shape.type_name == "list":
        found.extend(member_paths(shape.member, (*prefix, 0), depth + 1))
        if shape.member.type_name != "structure":
            found.append(((*prefix, 0), shape.member, False))
    return found


def skeleton(shape: Any) -> Any:
    """A value the model accepts for ``shape`` (only required members filled in)."""
    kind = shape.type_name
    if kind == "structure":
        return {name: skeleton(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [skeleton(shape.member)]
    if kind in ("integer", "long"):
        return shape.metadata.get("min", 1)
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return 0
    if shape.enum:
        return shape.enum[0]
    return {
        "EntityId": "FUZZ1D",
        "CustomerId": "AFUZZW0RKER",
        "CurrencyAmount": "0.10",
        "CountryParameters": "US",
    }.get(shape.name, "x")


def set_path(params: dict[str, Any], path: Path, value: Any, top: Any) -> dict[str, Any]:
    """A copy of ``params`` with ``value`` at ``path`` (containers made as the model says);
    :data:`ABSENT` removes the member."""
    root = _copy(params)
    node, shape = root, top
    for step in path[:-1]:
        shape = shape.members[step] if shape.type_name == "structure" else shape.member
        if isinstance(node, dict):
            if not isinstance(node.get(step), (dict, list)):
                node[step] = skeleton(shape)
        elif not node:
            node.append(skeleton(shape))
        node = node[step]
    last = path[-1]
    if value is ABSENT:
        if isinstance(node, dict):
            node.pop(last, None)
        else:
            del node[last:]
    elif isinstance(node, list) and not node:
        node.append(value)
    else:
        node[last] = value
    return root


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# -- model violations ---------------------------------------------------------------

MISSING = ABSENT
UNKNOWN_MEMBER = ("BogusMember",)  # a path no operation has


def _broken_strings(shape: Any) -> list[Any]:
    meta = shape.metadata
    if shape.enum:
        first = shape.enum[0]
        return ["Bad", first.lower(), first.upper(), f"{first} ", f" {first}", f"{first}\n", ""]
    if shape.name == "CurrencyAmount":
        return [
            "1.234",
            "-1",
            "abc",
            ".5",
            "1,00",
            "$1",
            " 1",
            "1e5",
            "NaN",
            "",
            "1.2.3",
            "0.50\n",
            "\uff11",
            "1.00 USD",
        ]
    out: list[Any] = []
    high, low, pattern = meta.get("max"), meta.get("min"), meta.get("pattern")
    if high is not None:
        lead = "A" if shape.name == "CustomerId" else ""
        out += [lead + "B" * (high + 1 - len(lead)), lead + "7" * (high + 50)]
    if low:
        out.append("")
        if low > 1:
            out.append("U" * (low - 1))
    if pattern == "^[A-Z0-9]+$":
        out += [
            "3x7837uuadrxyca1k7jajlkc66dj60",
            "3X78-37UU",
            "3X78 37UU",
            "ÄBC",
            "ABC\n",
            "\nABC",
            "ABC\x00",
            "ＡＢＣ",
        ]
    elif pattern == "^A[A-Z0-9]+$":
        out += ["B1234567", "a1234567", "A", "A-1234", "A1B2C3\n", " A1B2C3", "1A2B3C", "A1b2c3"]
    return out


def _wrong_types(kind: str) -> list[Any]:
    return {
        "string": [5, 1.5, True, ["ABC"], {"k": "v"}],
        "integer": ["5", 5.5, True, ["5"], {"k": 1}, float("nan")],
        "long": ["60", 60.0, False, [60], {"k": 60}],
        "boolean": ["true", 1, 0, ["true"], {"k": True}],
        "list": [5, True],
        "structure": ["x", 5, ["x"]],
    }.get(kind, [])


def violations(shape: Any, required: bool) -> list[Any]:
    """Values for one member that the service model forbids (MISSING removes it)."""
    kind = shape.type_name
    out: list[Any] = []
    if required:
        out.append(MISSING)
        out.append(None)  # JSON null: missing to the service, a wrong type to botocore
    out += _wrong_types(kind)
    if kind == "string":
        out += _broken_strings(shape)
    elif kind in ("integer", "long") and shape.metadata.get("max") is not None:
        out += [shape.metadata.get("min", 0) - 1, shape.metadata["max"] + 1, -1, 10**6, 2**63]
    return out


def violation_cases(input_shape: Any) -> list[tuple[Path, Any]]:
    """Every (path, forbidden value) pair of one operation."""
    cases: list[tuple[Path, Any]] = [(UNKNOWN_MEMBER, "x")]
    if input_shape is None:
        return cases
    for path, shape, required in member_paths(input_shape):
        cases += [(path, value) for value in violations(shape, required)]
    return cases


# -- semantic changes ---------------------------------------------------------------

LIMITS = (0, 1, 29, 30, 59, 60, 101, 255, 256, 1001, 1025, 2001, 4097)
hostile_text = (
    st.text(max_size=40)
    | st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\x07bell",
            "\ud800",
            "\udfff x",
            "\ufeff",
            "<b>",
            "&amp;",
            "]]>",
            "é" * 1025,
            "x" * 65536,
            "\r\n",
            "%s%n",
            "${word}",
            "'; DROP TABLE hits; --",
        ]
    )
    | st.sampled_from(LIMITS).map(lambda n: "x" * n)
)
hostile_xml = st.sampled_from(
    [
        "",
        "not xml",
        "<",
        "<QuestionForm/>",
        "<a><b></a>",
        "<?xml version='1.0'?>",
        EXTERNAL.replace("https://", "http://"),
        EXTERNAL.replace("2006-07-14", "2099-01-01"),
        HTML.replace("<form>", "<form><div>"),
        HTML.replace("CDATA[", "CDATA[\ud800"),
        TEST.replace("<Question>", "", 1),
        ANSWER_KEY.replace("q1", "nope"),
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><x>&c;&c;&c;</x>',
        EXTERNAL + " " * 70000,
        TEST.replace("</QuestionForm>", "") + "<x/>" * 5000,
        "\ufeff" + EXTERNAL,
    ]
)
odd_ints = (
    st.sampled_from(
        [
            -(2**63),
            -(10**9),
            -1,
            0,
            1,
            9,
            10,
            59,
            2_592_001,
            31_536_001,
            1_000_000_001,
            2**31,
            2**63,
            10**30,
        ]
    )
    | st.integers()
)
odd_amounts = st.sampled_from(
    ["0", "0.00", "00.10", "1.", "10000", "99999999", "9" * 30, "1000000000.00"]
)
odd_times = st.sampled_from([Ref("time", o) for o in TIME_OFFSETS]) | st.sampled_from(
    [-(10**9), -1, 0, 1, 253402300799, 253402300800, 2**40]
)
ID_SHAPES = frozenset({"EntityId", "CustomerId"})
ID_MEMBERS = frozenset({"QualificationRequestId", "QualificationTypeId"})
XML_MEMBERS = frozenset({"Question", "Test", "AnswerKey"})


def semantic(path: Path, shape: Any, required: bool) -> st.SearchStrategy[Any]:
    """Values the model allows at ``path`` but the service may well refuse."""
    kind, name = shape.type_name, next((s for s in reversed(path) if isinstance(s, str)), "")
    drop = st.nothing() if required else st.just(ABSENT)
    if kind == "string":
        if shape.name in ID_SHAPES or name in ID_MEMBERS:
            values = any_id
        elif shape.enum:
            values = st.sampled_from(shape.enum)
        elif shape.name == "CurrencyAmount":
            values = odd_amounts
        elif shape.name == "IdempotencyToken":
            values = ref("token") | st.text("ABCxyz-_0123", min_size=1, max_size=64)
        elif shape.name == "PaginationToken":
            values = st.text(min_size=1, max_size=255) | st.sampled_from(["1", "0", "-1", "9" * 40])
        elif shape.name == "CountryParameters":
            values = st.sampled_from(["us", "ZZ", "1a", "  ", "XK", "GB"])
        elif name in XML_MEMBERS:
            values = hostile_xml | hostile_text
        else:
            values = hostile_text
    elif kind in ("integer", "long"):
        values = odd_ints
    elif kind == "boolean":
        values = st.booleans()
    elif kind == "timestamp":
        values = odd_times
    elif kind == "list":
        item = st.just(skeleton(shape.member)) | semantic((*path, 0), shape.member, True)
        values = st.lists(item, max_size=3) | st.tuples(item, st.sampled_from([11, 101, 1000])).map(
            lambda pair: [pair[0]] * pair[1]
        )
    else:
        values = st.just(skeleton(shape))
    return drop | values


# -- limits the service documents beyond the model ----------------------------------

_REQUIREMENT = {"QualificationTypeId": Ref("qual_type", "active"), "Comparator": "Exists"}
# A call of each operation that succeeds on a fresh world.
VALID_CALLS: dict[str, dict[str, Any]] = {
    "CreateHIT": {
        "Title": "t",
        "Description": "d",
        "Reward": "0.10",
        "LifetimeInSeconds": 600,
        "AssignmentDurationInSeconds": 600,
        "Question": EXTERNAL,
    },
    "CreateHITType": {
        "Title": "t",
        "Description": "d",
        "Reward": "0.10",
        "AssignmentDurationInSeconds": 600,
    },
    "CreateHITWithHITType": {
        "HITTypeId": Ref("hit_type", "notified"),
        "LifetimeInSeconds": 600,
        "Question": EXTERNAL,
    },
    "CreateAdditionalAssignmentsForHIT": {
        "HITId": Ref("hit", "assignable"),
        "NumberOfAdditionalAssignments": 1,
    },
    "CreateQualificationType": {
        "Name": "limits",
        "Description": "d",
        "QualificationTypeStatus": "Active",
    },
    "UpdateQualificationType": {"QualificationTypeId": Ref("qual_type", "active")},
    "NotifyWorkers": {
        "Subject": "s",
        "MessageText": "m",
        "WorkerIds": [Ref("worker", "busy")],
    },
    "ApproveAssignment": {"AssignmentId": Ref("assignment", "submitted")},
    "RejectAssignment": {"AssignmentId": Ref("assignment", "submitted"), "RequesterFeedback": "r"},
    "SendBonus": {
        "WorkerId": Ref("worker", "busy"),
        "AssignmentId": Ref("assignment", "approved"),
        "BonusAmount": "0.10",
        "Reason": "r",
    },
    "ListBonusPayments": {"HITId": Ref("hit", "done")},
    "UpdateNotificationSettings": {"HITTypeId": Ref("hit_type", "notified"), "Active": False},
}
_LONG = 10**30
_DURATIONS = [-1, 0, 29, 31_536_001, _LONG]
# (operation, member, values the documentation says the service refuses) - spec §5.
SPEC_LIMITS: list[tuple[str, str, list[Any]]] = [
    ("CreateHIT", "Title", ["x" * 129]),
    ("CreateHIT", "Description", ["x" * 2001]),
    ("CreateHIT", "Keywords", ["x" * 1001]),
    ("CreateHIT", "RequesterAnnotation", ["x" * 256]),
    ("CreateHIT", "LifetimeInSeconds", _DURATIONS),
    ("CreateHIT", "AssignmentDurationInSeconds", _DURATIONS),
    ("CreateHIT", "AutoApprovalDelayInSeconds", [-1, 2_592_001, _LONG]),
    ("CreateHIT", "MaxAssignments", [0, -1, 1_000_000_001, _LONG]),
    ("CreateHIT", "QualificationRequirements", [[_REQUIREMENT] * 11]),
    ("CreateHIT", "Question", [EXTERNAL + " " * 65_536, "", "not xml"]),
    ("CreateHITType", "Title", ["x" * 129]),
    ("CreateHITType", "AssignmentDurationInSeconds", _DURATIONS),
    ("CreateHITType", "AutoApprovalDelayInSeconds", [-1, 2_592_001, _LONG]),
    ("CreateHITType", "QualificationRequirements", [[_REQUIREMENT] * 11]),
    ("CreateHITWithHITType", "LifetimeInSeconds", _DURATIONS),
    ("CreateHITWithHITType", "MaxAssignments", [0, -1, 1_000_000_001, _LONG]),
    ("CreateHITWithHITType", "RequesterAnnotation", ["x" * 256]),
    ("CreateAdditionalAssignmentsForHIT", "NumberOfAdditionalAssignments", [0, -1, _LONG]),
    ("CreateQualificationType", "Description", ["x" * 2001]),
    ("CreateQualificationType", "Keywords", ["x" * 1001]),
    ("CreateQualificationType", "RetryDelayInSeconds", [-1, -(2**63)]),
    ("CreateQualificationType", "Test", ["not xml", TEST + " " * 65_536]),
    ("UpdateQualificationType", "Description", ["x" * 2001]),
    ("UpdateQualificationType", "RetryDelayInSeconds", [-1]),
    ("NotifyWorkers", "Subject", ["x" * 201]),
    ("NotifyWorkers", "MessageText", ["x" * 4097]),
    ("NotifyWorkers", "WorkerIds", [[], [Ref("worker", "busy")] * 101]),
    ("ApproveAssignment", "RequesterFeedback", ["x" * 1025, "bell\x07", "nul\x00"]),
    ("RejectAssignment", "RequesterFeedback", ["x" * 1025, "esc\x1b"]),
    ("SendBonus", "BonusAmount", ["9" * 30, "1000000.00"]),
    ("ListBonusPayments", "HITId", [ABSENT]),  # neither HITId nor AssignmentId
    ("UpdateNotificationSettings", "Active", [ABSENT]),  # neither Notification nor Active
]
