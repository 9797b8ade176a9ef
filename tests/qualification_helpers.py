"""Builders for qualification tests: QuestionForm tests, AnswerKeys, types made via boto3."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QUESTION_FORM_NS = SCHEMAS + "2005-10-01/QuestionForm.xsd"
ANSWER_KEY_NS = SCHEMAS + "2005-10-01/AnswerKey.xsd"

MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
NUMBER_HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
PERCENT_APPROVED = "000000000000000000L0"
SYSTEM_SANDBOX = [MASTERS_SANDBOX, NUMBER_HITS_APPROVED, LOCALE, ADULT, PERCENT_APPROVED]


def selection(
    identifier: str, choices: Iterable[str] = ("a", "b", "c"), *, required=False, other=False
) -> str:
    items = "".join(
        f"<Selection><SelectionIdentifier>{c}</SelectionIdentifier><Text>{c}</Text></Selection>"
        for c in choices
    )
    if other:
        items += "<OtherSelection/>"
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
        f"<QuestionContent><Text>Pick for {identifier}</Text></QuestionContent>"
        "<AnswerSpecification><SelectionAnswer><MaxSelectionCount>3</MaxSelectionCount>"
        f"<Selections>{items}</Selections></SelectionAnswer></AnswerSpecification></Question>"
    )


def free_text(identifier: str) -> str:
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        f"<QuestionContent><Text>Say something</Text></QuestionContent>"
        "<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>"
    )


def question_form(*questions: str, namespace: str = QUESTION_FORM_NS) -> str:
    return f'<QuestionForm xmlns="{namespace}">{"".join(questions)}</QuestionForm>'


def key_question(
    identifier: str, options: Iterable[tuple[Iterable[str], int]], default: int | None = None
) -> str:
    body = "".join(
        "<AnswerOption>"
        + "".join(f"<SelectionIdentifier>{s}</SelectionIdentifier>" for s in selections)
        + f"<AnswerScore>{score}</AnswerScore></AnswerOption>"
        for selections, score in options
    )
    if default is not None:
        body += f"<DefaultScore>{default}</DefaultScore>"
    return f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>{body}</Question>"


def percentage(maximum: int) -> str:
    return (
        "<QualificationValueMapping><PercentageMapping>"
        f"<MaximumSummedScore>{maximum}</MaximumSummedScore>"
        "</PercentageMapping></QualificationValueMapping>"
    )


def scale(multiplier: str) -> str:
    return (
        "<QualificationValueMapping><ScaleMapping>"
        f"<SummedScoreMultiplier>{multiplier}</SummedScoreMultiplier>"
        "</ScaleMapping></QualificationValueMapping>"
    )


def ranges(bands: Iterable[tuple[int, int, int]], out_of_range: int) -> str:
    body = "".join(
        f"<SummedScoreRange><InclusiveLowerBound>{low}</InclusiveLowerBound>"
        f"<InclusiveUpperBound>{high}</InclusiveUpperBound>"
        f"<QualificationValue>{value}</QualificationValue></SummedScoreRange>"
        for low, high, value in bands
    )
    return (
        f"<QualificationValueMapping><RangeMapping>{body}"
        f"<OutOfRangeQualificationValue>{out_of_range}</OutOfRangeQualificationValue>"
        "</RangeMapping></QualificationValueMapping>"
    )


def answer_key(*questions: str, mapping: str = "") -> str:
    return f'<AnswerKey xmlns="{ANSWER_KEY_NS}">{"".join(questions)}{mapping}</AnswerKey>'


SIMPLE_TEST = question_form(selection("q1"), selection("q2"))
SIMPLE_KEY = answer_key(key_question("q1", [(["a"], 1)]), key_question("q2", [(["b"], 1)]))


def make_type(client, name: str = "Screened", **overrides: Any) -> dict[str, Any]:
    args = {"Name": name, "Description": "Workers who passed", "QualificationTypeStatus": "Active"}
    args.update(overrides)
    return client.create_qualification_type(**args)["QualificationType"]


def requirement(type_id: str, comparator: str, *values: int, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"QualificationTypeId": type_id, "Comparator": comparator}
    if values:
        out["IntegerValues"] = list(values)
    out.update(extra)
    return out


def all_pages(client, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page[key])
    return items
