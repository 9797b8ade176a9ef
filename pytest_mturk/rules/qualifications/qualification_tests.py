"""Qualification tests: the QuestionForm a worker answers and the AnswerKey that scores it.

Spec §6.6: an ``AnswerOption`` matches only when the worker selected exactly
its selections and no others; the score is the sum of matched ``AnswerScore``
values plus each unmatched question's ``DefaultScore`` (0 unless given), mapped
to the qualification value by the optional ``QualificationValueMapping``
(percentage, scale or range). Answer keys score selection questions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from ...core import catalogue
from ...core.errors import WorkerActionError
from ..questions import answers, question_form, schemas

ANSWER_KEY_NAMESPACE = schemas.ANSWER_KEY
QUESTION_FORM_NAMESPACES = frozenset({schemas.QUESTION_FORM_2005, schemas.QUESTION_FORM_2017})


class _Bad(Exception):
    """Why a document is unusable (the service gives only one sentence, observed for
    UpdateQualificationType: :data:`~pytest_mturk.core.catalogue.INVALID_PARAMETER_VALUE`)."""


def _parse(xml: str, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(xml.lstrip().encode("utf-8"))
    except ElementTree.ParseError:
        raise catalogue.INVALID_PARAMETER_VALUE(name=name, value=xml) from None


def _split(tag: str) -> tuple[str, str]:
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


# -- the test (a QuestionForm) ------------------------------------------------------


def parse_test(xml: str) -> question_form.Form:
    """The form of a qualification test (a QuestionForm), or the service's refusal."""
    root = _parse(xml, "Test")
    if _split(root.tag)[0] not in QUESTION_FORM_NAMESPACES:
        raise catalogue.INVALID_PARAMETER_VALUE(name="Test", value=xml)
    try:
        return question_form.read(root)
    except question_form.FormError:
        raise catalogue.INVALID_PARAMETER_VALUE(name="Test", value=xml) from None


# -- the answer key -----------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOption:
    selections: frozenset[str]
    score: int


@dataclass(frozen=True)
class KeyQuestion:
    identifier: str
    options: tuple[AnswerOption, ...]
    default_score: int = 0


@dataclass(frozen=True)
class ScoreRange:
    low: int
    high: int
    value: int


@dataclass(frozen=True)
class AnswerKey:
    """A parsed AnswerKey: how each question scores, and how the sum becomes a value."""

    questions: tuple[KeyQuestion, ...]
    mapping: str | None = None  # "PercentageMapping", "ScaleMapping", "RangeMapping"
    maximum: int = 0  # PercentageMapping/MaximumSummedScore
    multiplier: Decimal = Decimal(1)  # ScaleMapping/SummedScoreMultiplier
    ranges: tuple[ScoreRange, ...] = ()
    out_of_range: int = 0  # RangeMapping/OutOfRangeQualificationValue

    def score(self, given: Mapping[str, Any]) -> int:
        """The qualification value for answers as :func:`answers.parse` gives them."""
        total = 0
        for question in self.questions:
            chosen = _selected(given.get(question.identifier))
            for option in question.options:
                if chosen == option.selections:
                    total += option.score
                    break
            else:
                total += question.default_score
        return self.map(total)

    def map(self, total: int) -> int:
        """Turn a summed score into the qualification value (QualificationValueMapping)."""
        if self.mapping == "PercentageMapping":
            return _round(Decimal(total) * 100 / Decimal(self.maximum))
        if self.mapping == "ScaleMapping":
            return _round(Decimal(total) * self.multiplier)
        if self.mapping == "RangeMapping":
            for band in self.ranges:
                if band.low <= total <= band.high:
                    return band.value
            return self.out_of_range
        return total


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _selected(answer: Any) -> frozenset[str] | None:
    """The exact set of selections in one parsed answer (free text selects nothing)."""
    if isinstance(answer, list):
        return frozenset(answer)
    if isinstance(answer, Mapping) and "selections" in answer:
        return frozenset(answer["selections"])
    return None


class _Reader:
    """Reads the children of one element in the order the schema requires."""

    def __init__(self, element: ElementTree.Element, ns: str) -> None:
        self._items = list(element)
        self._ns = ns
        self._at = 0

    def take(self, name: str) -> ElementTree.Element | None:
        if self._at < len(self._items) and self._items[self._at].tag == self._ns + name:
            self._at += 1
            return self._items[self._at - 1]
        return None

    def need(self, name: str, parent: str) -> ElementTree.Element:
        element = self.take(name)
        if element is None:
            raise _Bad(f"'{parent}' is missing '{name}'.")
        return element

    def done(self, parent: str) -> None:
        if self._at < len(self._items):
            extra = _split(self._items[self._at].tag)[1]
            raise _Bad(f"unexpected element '{extra}' in '{parent}'.")


def _int(element: ElementTree.Element) -> int:
    text = (element.text or "").strip()
    try:
        return int(text)
    except ValueError:
        name = _split(element.tag)[1]
        raise _Bad(f"'{text}' is not a valid value for {name}.") from None


def parse_answer_key(xml: str) -> AnswerKey:
    """Parse and check an AnswerKey (the service's error if it is not a valid one)."""
    try:
        return _parse_answer_key(xml)
    except _Bad:
        raise catalogue.INVALID_PARAMETER_VALUE(name="AnswerKey", value=xml) from None


def _parse_answer_key(xml: str) -> AnswerKey:
    root = _parse(xml, "AnswerKey")
    namespace, local = _split(root.tag)
    if local != "AnswerKey" or namespace != ANSWER_KEY_NAMESPACE:
        raise _Bad(f"Cannot find the declaration of element '{local}'.")
    ns = f"{{{namespace}}}"
    reader = _Reader(root, ns)
    questions = []
    while (question := reader.take("Question")) is not None:
        inner = _Reader(question, ns)
        identifier = (inner.need("QuestionIdentifier", "Question").text or "").strip()
        options = []
        while (option := inner.take("AnswerOption")) is not None:
            fields = _Reader(option, ns)
            chosen = [fields.need("SelectionIdentifier", "AnswerOption")]
            while (more := fields.take("SelectionIdentifier")) is not None:
                chosen.append(more)
            score = _int(fields.need("AnswerScore", "AnswerOption"))
            fields.done("AnswerOption")
            options.append(AnswerOption(frozenset((s.text or "").strip() for s in chosen), score))
        if not options:
            raise _Bad("'Question' is missing 'AnswerOption'.")
        default = inner.take("DefaultScore")
        inner.done("Question")
        questions.append(
            KeyQuestion(identifier, tuple(options), _int(default) if default is not None else 0)
        )
    if not questions:
        raise _Bad("'AnswerKey' is missing 'Question'.")
    mapping = reader.take("QualificationValueMapping")
    reader.done("AnswerKey")
    key = AnswerKey(tuple(questions))
    return _with_mapping(key, mapping, ns) if mapping is not None else key


def _with_mapping(key: AnswerKey, mapping: ElementTree.Element, ns: str) -> AnswerKey:
    if len(mapping) != 1:
        raise _Bad("'QualificationValueMapping' takes one mapping.")
    kind_element = mapping[0]
    kind = _split(kind_element.tag)[1]
    reader = _Reader(kind_element, ns)
    if kind == "PercentageMapping":
        maximum = _int(reader.need("MaximumSummedScore", kind))
        reader.done(kind)
        if maximum <= 0:
            raise _Bad("MaximumSummedScore must be greater than 0.")
        return AnswerKey(key.questions, kind, maximum=maximum)
    if kind == "ScaleMapping":
        text = (reader.need("SummedScoreMultiplier", kind).text or "").strip()
        reader.done(kind)
        try:
            multiplier = Decimal(text)
        except InvalidOperation:
            raise _Bad(f"'{text}' is not a valid value for SummedScoreMultiplier.") from None
        if not multiplier.is_finite():
            raise _Bad(f"SummedScoreMultiplier must be a finite number, not '{text}'.")
        return AnswerKey(key.questions, kind, multiplier=multiplier)
    if kind == "RangeMapping":
        ranges = []
        while (band := reader.take("SummedScoreRange")) is not None:
            fields = _Reader(band, ns)
            low = _int(fields.need("InclusiveLowerBound", "SummedScoreRange"))
            high = _int(fields.need("InclusiveUpperBound", "SummedScoreRange"))
            value = _int(fields.need("QualificationValue", "SummedScoreRange"))
            fields.done("SummedScoreRange")
            ranges.append(ScoreRange(low, high, value))
        if not ranges:
            raise _Bad("'RangeMapping' is missing 'SummedScoreRange'.")
        out_of_range = _int(reader.need("OutOfRangeQualificationValue", kind))
        reader.done(kind)
        return AnswerKey(key.questions, kind, ranges=tuple(ranges), out_of_range=out_of_range)
    raise _Bad(f"unexpected element '{kind}'.")


def check_key_fits_test(key: AnswerKey, test: question_form.Form, answer_key: str) -> None:
    """An answer key scores selection questions of its own test, and the whole test:
    a key naming a question the test lacks, or a test with free-text or "other"
    answers, makes the AnswerKey unusable."""
    if any(test.question(scored.identifier) is None for scored in key.questions) or any(
        question.kind != question_form.SELECTION or question.other for question in test.questions
    ):
        raise catalogue.INVALID_PARAMETER_VALUE(name="AnswerKey", value=answer_key)


# -- a worker's answers to a test ---------------------------------------------------


def answer_xml(test: question_form.Form, given: Mapping[str, Any] | str) -> str:
    """The QuestionFormAnswers XML for a worker's answers to a test.

    ``given`` is raw XML, or ``{question id: answer}`` as for a HIT's QuestionForm
    (:meth:`question_form.Form.fit`). Raises :class:`WorkerActionError` for
    answers the worker's form would not have let them give.
    """
    if isinstance(given, str):
        try:
            answers.parse(given)
        except ElementTree.ParseError as exc:
            raise WorkerActionError(f"The answers are not well-formed XML: {exc}.") from None
        return given
    return answers.to_xml(dict(test.fit(given, owner="The test", all_required=True)))
