"""A QuestionForm as MTurk's worker page showed it, and what that page accepted.

:mod:`pytest_mturk.rules.questions.question_form` reads what a question's answer may be;
this module reads everything the page displayed (the overview, each question's content,
its answer control) and the constraints the page enforced before it let a worker submit
(spec §6.4): ``IsRequired``, a free-text answer's ``IsNumeric``, ``Length`` and
``AnswerFormatRegex``, a selection's ``MinSelectionCount``/``MaxSelectionCount``, an
upload's size bounds. The service itself never checked them (an assignment's answers
are guaranteed valid by the schema only), so :func:`problem` is for the worker pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from ...core.bounded_cache import cached
from ...rules.questions import question_form

__all__ = [
    "Content",
    "FreeText",
    "PageQuestion",
    "PageForm",
    "problem",
    "read",
]

DEFAULT_REGEX_ERROR = "Invalid input supplied."


@dataclass(frozen=True)
class Content:
    """One element of a question's or the overview's content, in document order.

    ``kind`` is the element's name (``Title``, ``Text``, ``List``, ``FormattedContent``,
    ``Binary``, ``EmbeddedBinary``, ``Application``); ``text`` its text (the XHTML of
    FormattedContent), ``items`` a List's items, ``url``/``alt``/``mime`` a binary's.
    """

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    url: str = ""
    alt: str = ""
    mime: str = ""


@dataclass(frozen=True)
class Regex:
    pattern: str
    error_text: str
    flags: str


@dataclass(frozen=True)
class FreeText:
    """A FreeTextAnswer (or an OtherSelection) and its constraints."""

    numeric: bool = False
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    regexes: tuple[Regex, ...] = ()
    default: str = ""
    lines: int = 1


@dataclass(frozen=True)
class Choice:
    identifier: str
    label: tuple[Content, ...]


@dataclass(frozen=True)
class PageQuestion:
    """One question as the page showed it; ``answer`` is the model's
    :class:`~pytest_mturk.rules.questions.question_form.FormQuestion` (kind, selections,
    counts, required)."""

    answer: question_form.FormQuestion
    display_name: str
    content: tuple[Content, ...]
    free: FreeText | None = None
    choices: tuple[Choice, ...] = ()
    other: FreeText | None = None
    style: str = ""
    min_size: int = 0
    max_size: int | None = None

    @property
    def identifier(self) -> str:
        return self.answer.identifier


@dataclass(frozen=True)
class PageForm:
    """The page: overview blocks and questions, in document order (``("overview",
    contents)`` or ``("question", PageQuestion)``)."""

    parts: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    @property
    def questions(self) -> list[PageQuestion]:
        return [part for kind, part in self.parts if kind == "question"]


def _local(element: ElementTree.Element) -> str:
    return element.tag.rpartition("}")[2]


def _child(element: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    if element is None:
        return None
    return next((child for child in element if _local(child) == name), None)


def _text(element: ElementTree.Element | None, name: str, default: str = "") -> str:
    found = _child(element, name)
    return (found.text or "").strip() if found is not None else default


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text is not None and text.strip() else None
    except ValueError:
        return None


def _contents(element: ElementTree.Element | None) -> tuple[Content, ...]:
    out = []
    for child in element if element is not None else ():
        kind = _local(child)
        if kind in ("Title", "Text", "FormattedContent"):
            out.append(Content(kind, text=child.text or ""))
        elif kind == "List":
            out.append(Content(kind, items=tuple((i.text or "") for i in child)))
        elif kind in ("Binary", "EmbeddedBinary"):
            mime = _child(child, "MimeType") or _child(child, "EmbeddedMimeType")
            out.append(
                Content(
                    kind,
                    url=_text(child, "DataURL"),
                    alt=_text(child, "AltText"),
                    mime=_text(mime, "Type"),
                )
            )
        elif kind == "Application":
            out.append(Content(kind, text="(an application MTurk no longer shows)"))
    return tuple(out)


def _free(element: ElementTree.Element | None) -> FreeText:
    constraints = _child(element, "Constraints")
    numeric = _child(constraints, "IsNumeric")
    length = _child(constraints, "Length")
    regexes = tuple(
        Regex(
            child.get("regex", ""),
            child.get("errorText") or DEFAULT_REGEX_ERROR,
            child.get("flags") or "",
        )
        for child in (constraints if constraints is not None else ())
        if _local(child) == "AnswerFormatRegex"
    )
    return FreeText(
        numeric=numeric is not None,
        min_value=_int(numeric.get("minValue")) if numeric is not None else None,
        max_value=_int(numeric.get("maxValue")) if numeric is not None else None,
        min_length=_int(length.get("minLength")) if length is not None else None,
        max_length=_int(length.get("maxLength")) if length is not None else None,
        regexes=regexes,
        default=_text(element, "DefaultText"),
        lines=_int(_text(element, "NumberOfLinesSuggestion")) or 1,
    )


def _question(element: ElementTree.Element, model: question_form.FormQuestion) -> PageQuestion:
    spec = _child(element, "AnswerSpecification")
    answer = spec[0] if spec is not None and len(spec) else None
    name = _text(element, "DisplayName")
    content = _contents(_child(element, "QuestionContent"))
    if model.kind == question_form.FREE:
        return PageQuestion(model, name, content, free=_free(answer))
    if model.kind == question_form.UPLOAD:
        return PageQuestion(
            model,
            name,
            content,
            min_size=_int(_text(answer, "MinFileSizeInBytes")) or 0,
            max_size=_int(_text(answer, "MaxFileSizeInBytes")),
        )
    selections = _child(answer, "Selections")
    choices = tuple(
        Choice(_text(item, "SelectionIdentifier"), _contents(item))
        for item in (selections if selections is not None else ())
        if _local(item) == "Selection"
    )
    other = _child(selections, "OtherSelection")
    return PageQuestion(
        model,
        name,
        content,
        choices=choices,
        other=_free(other) if other is not None else None,
        style=_text(answer, "StyleSuggestion"),
    )


@cached()
def read(document: str) -> PageForm:
    """The page of a QuestionForm (raises
    :class:`~pytest_mturk.rules.questions.question_form.FormError` or
    ``ElementTree.ParseError`` for a document that is not one)."""
    root = ElementTree.fromstring(document.lstrip())
    model = question_form.read(root)
    parts: list[tuple[str, Any]] = []
    models = iter(model.questions)
    for child in root:
        kind = _local(child)
        if kind == "Overview":
            parts.append(("overview", _contents(child)))
        elif kind == "Question":
            parts.append(("question", _question(child, next(models))))
    return PageForm(tuple(parts))


# -- what the page let through -------------------------------------------------------------


def _free_problem(free: FreeText, text: str) -> str | None:
    if free.min_length is not None and len(text) < free.min_length:
        return f"The answer must be at least {free.min_length} characters long."
    if free.max_length is not None and len(text) > free.max_length:
        return f"The answer must be at most {free.max_length} characters long."
    if free.numeric:
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            return "The answer must be a whole number."
        if not number.is_finite() or number != number.to_integral_value():
            return "The answer must be a whole number."
        if free.min_value is not None and number < free.min_value:
            return f"The answer must be at least {free.min_value}."
        if free.max_value is not None and number > free.max_value:
            return f"The answer must be at most {free.max_value}."
    for regex in free.regexes:
        flags = re.IGNORECASE if "i" in regex.flags else 0
        try:
            matched = re.search(regex.pattern, text, flags) is not None
        except re.error:
            matched = True  # a pattern Python cannot read is not held against the worker
        if not matched:
            return regex.error_text
    return None


def problem(question: PageQuestion, value: Any) -> str | None:
    """Why the page would not submit ``value`` for ``question`` (``None``: it would).

    ``value`` is what the worker gave, as ``SimulatedWorker.submit`` takes it, or
    ``None`` for no answer.
    """
    model = question.answer
    if value is None:
        return "This question requires an answer." if model.required else None
    if model.kind == question_form.FREE:
        return _free_problem(question.free or FreeText(), str(value))
    if model.kind == question_form.UPLOAD:
        size = int(value.get("file_size", 0))
        if size < question.min_size:
            return f"The file must be at least {question.min_size} bytes."
        if question.max_size is not None and size > question.max_size:
            return f"The file must be at most {question.max_size} bytes."
        return None
    selections = list(value["selections"]) if isinstance(value, dict) else list(value)
    other = value.get("other") if isinstance(value, dict) else None
    count = len(selections) + (1 if other is not None else 0)
    if count < model.min_selections:
        return f"Choose at least {model.min_selections}."
    if count > model.max_selections:
        return f"Choose at most {model.max_selections}."
    if other is not None and question.other is not None:
        return _free_problem(question.other, str(other))
    return None
