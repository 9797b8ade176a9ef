"""A requester who screens workers with a qualification test before letting them work.

Plain boto3 code, as a lab would write it for the real MTurk: a qualification type
with a two-question test and an answer key (scored by MTurk the moment a worker
submits it), and HITs that only workers who scored at least ``PASS_MARK`` may
preview and accept. ``test_screening.py`` runs it against pytest-mturk.
"""

from __future__ import annotations

from typing import Any

SCREENER_NAME = "Bird photo labelling: screener"
PASS_MARK = 80  # percent
RETRY_DELAY = 24 * 3600  # a worker who fails may try again the next day

_SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"


def _selection_question(identifier: str, text: str, choices: dict[str, str]) -> str:
    selections = "".join(
        f"<Selection><SelectionIdentifier>{key}</SelectionIdentifier><Text>{label}</Text>"
        "</Selection>"
        for key, label in choices.items()
    )
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        f"<IsRequired>true</IsRequired><QuestionContent><Text>{text}</Text></QuestionContent>"
        "<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>"
        f"<Selections>{selections}</Selections></SelectionAnswer></AnswerSpecification>"
        "</Question>"
    )


SCREENING_TEST = (
    f'<QuestionForm xmlns="{_SCHEMAS}QuestionForm.xsd">'
    "<Overview><Title>Can you tell these birds apart?</Title></Overview>"
    + _selection_question(
        "robin", "Which bird has an orange-red breast?", {"a": "Robin", "b": "Blackbird"}
    )
    + _selection_question(
        "puffin", "Which bird has a striped beak?", {"a": "Crow", "b": "Puffin", "c": "Swan"}
    )
    + "</QuestionForm>"
)

# One point per right answer; the qualification value is the percentage scored.
ANSWER_KEY = (
    f'<AnswerKey xmlns="{_SCHEMAS}AnswerKey.xsd">'
    "<Question><QuestionIdentifier>robin</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>1</AnswerScore>"
    "</AnswerOption></Question>"
    "<Question><QuestionIdentifier>puffin</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>b</SelectionIdentifier><AnswerScore>1</AnswerScore>"
    "</AnswerOption></Question>"
    "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>2</MaximumSummedScore>"
    "</PercentageMapping></QualificationValueMapping>"
    "</AnswerKey>"
)

TASK_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://birds.example.org/label</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)


def screener_id(client: Any) -> str:
    """The screening qualification type's ID, created on first use.

    Running the set-up twice must not fail: MTurk refuses a second type with the
    same name, so look the first one up instead.
    """
    try:
        created = client.create_qualification_type(
            Name=SCREENER_NAME,
            Description="A two-question test: can you tell common birds apart?",
            Keywords="birds, screening",
            QualificationTypeStatus="Active",
            Test=SCREENING_TEST,
            AnswerKey=ANSWER_KEY,
            TestDurationInSeconds=600,
            RetryDelayInSeconds=RETRY_DELAY,
        )
        return str(created["QualificationType"]["QualificationTypeId"])
    except client.exceptions.RequestError as error:
        if "already created a QualificationType with this name" not in str(error):
            raise
    pages = client.get_paginator("list_qualification_types").paginate(
        Query=SCREENER_NAME, MustBeRequestable=False, MustBeOwnedByCaller=True
    )
    for page in pages:
        for qtype in page["QualificationTypes"]:
            if qtype["Name"] == SCREENER_NAME:
                return str(qtype["QualificationTypeId"])
    raise LookupError(SCREENER_NAME)


def post_task(client: Any, qualification_type_id: str, *, workers: int = 5) -> str:
    """A labelling HIT only screened workers may see and accept; returns its HITId."""
    hit = client.create_hit(
        Title="Label bird photos",
        Description="Name the bird in each of ten photos.",
        Keywords="birds, image, label",
        Reward="0.40",
        MaxAssignments=workers,
        LifetimeInSeconds=3 * 24 * 3600,
        AssignmentDurationInSeconds=1800,
        AutoApprovalDelayInSeconds=2 * 24 * 3600,
        Question=TASK_QUESTION,
        QualificationRequirements=[
            {
                "QualificationTypeId": qualification_type_id,
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [PASS_MARK],
                "ActionsGuarded": "PreviewAndAccept",
            },
        ],
    )
    return str(hit["HIT"]["HITId"])


def screened_workers(client: Any, qualification_type_id: str) -> dict[str, int]:
    """Every worker who took the screener, with their score."""
    scores = {}
    pages = client.get_paginator("list_workers_with_qualification_type").paginate(
        QualificationTypeId=qualification_type_id, Status="Granted"
    )
    for page in pages:
        for qualification in page["Qualifications"]:
            scores[qualification["WorkerId"]] = qualification["IntegerValue"]
    return scores
