"""The QuestionForm (spec §6.4), modelled once: its questions, and the answers they take.

A HIT's ``Question`` (:mod:`.checks`, :mod:`.answers`) and a qualification
type's ``Test`` (:mod:`..qualifications.qualification_tests`) are both QuestionForms, read here
into one :class:`Form`. A simulated worker's answers are fitted to it by one set
of rules, :meth:`Form.fit`, with one difference between the two uses: a test
refuses answers that leave a required question unanswered, while a HIT's answers
are taken as given (the service guarantees an assignment's answers to be valid by
the schema only, not by the form's constraints).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from ...core.errors import WorkerActionError

FREE, SELECTION, UPLOAD = "free", "selection", "upload"
_KINDS = {"FreeTextAnswer": FREE, "SelectionAnswer": SELECTION, "FileUploadAnswer": UPLOAD}


class FormError(ValueError):
    """The document is not a QuestionForm whose questions can be answered."""


@dataclass(frozen=True)
class FormQuestion:
    """One question of a QuestionForm, as far as answering it goes."""

    identifier: str
    kind: str  # "free", "selection" or "upload"
    selections: tuple[str, ...] = ()  # in the form's order
    other: bool = False  # a selection with an OtherSelection (free text) choice
    required: bool = False
    min_selections: int = 1
    max_selections: int = 1


@dataclass(frozen=True)
class Form:
    """A QuestionForm's questions, in the form's order."""

    questions: tuple[FormQuestion, ...]
    _by_id: dict[str, FormQuestion] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.identifier: item for item in self.questions})

    def question(self, identifier: str) -> FormQuestion | None:
        """The question with this identifier, if the form has it."""
        return self._by_id.get(identifier)

    def fit(
        self, values: Mapping[str, Any], *, owner: str, all_required: bool
    ) -> list[tuple[str, Any]]:
        """``values`` (``{question id: answer}``) as the form would have sent them: one
        ``(question id, value)`` per answered question, in the form's order.

        Raises :class:`WorkerActionError` for answers the worker's form could not
        have given; ``owner`` names the form in the message ("The test"), and
        ``all_required`` refuses answers leaving a required question unanswered.
        """
        for identifier in values:
            if identifier not in self._by_id:
                raise WorkerActionError(
                    f"{owner} has no question {identifier!r}; its questions are "
                    f"{', '.join(repr(item.identifier) for item in self.questions)}."
                )
        out = [
            (item.identifier, _fit(item, values[item.identifier]))
            for item in self.questions
            if item.identifier in values
        ]
        if all_required:
            missing = [
                item.identifier
                for item in self.questions
                if item.required and item.identifier not in values
            ]
            if missing:
                raise WorkerActionError(f"{owner}'s required questions are unanswered: {missing}.")
        return out


def read(root: ElementTree.Element) -> Form:
    """The form of a parsed QuestionForm document (either namespace, or none).

    Raises :class:`FormError` when it has no questions, or a question lacks its
    identifier or the answer it takes; a document valid by the schema never does.
    """
    local = root.tag.rpartition("}")[2]
    if local != "QuestionForm":
        raise FormError(f"Cannot find the declaration of element '{local}'.")
    ns = root.tag[: -len(local)]
    found = tuple(_question(item, ns) for item in root.iterfind(f"{ns}Question"))
    if not found:
        raise FormError("A QuestionForm needs at least one Question.")
    return Form(found)


def _question(element: ElementTree.Element, ns: str) -> FormQuestion:
    identifier = (element.findtext(f"{ns}QuestionIdentifier") or "").strip()
    spec = element.find(f"{ns}AnswerSpecification")
    answer = spec[0] if spec is not None and len(spec) else None
    kind = _KINDS.get(answer.tag.rpartition("}")[2]) if answer is not None else None
    if not identifier or answer is None or kind is None:
        raise FormError("A Question needs a QuestionIdentifier and an AnswerSpecification.")
    # xs:boolean: "true" or "1" (the schema has collapsed the white space).
    required = (element.findtext(f"{ns}IsRequired") or "").strip() in ("true", "1")
    if kind != SELECTION:
        return FormQuestion(identifier, kind, required=required)
    ids = tuple(
        (item.text or "").strip()
        for item in answer.iterfind(f"{ns}Selections/{ns}Selection/{ns}SelectionIdentifier")
    )
    low = int((answer.findtext(f"{ns}MinSelectionCount") or "1").strip())
    high = int((answer.findtext(f"{ns}MaxSelectionCount") or "1").strip())
    other = answer.find(f"{ns}Selections/{ns}OtherSelection") is not None
    return FormQuestion(identifier, kind, ids, other, required, low, high)


def _fit(item: FormQuestion, value: Any) -> Any:
    """One answer as the question takes it, or the refusal of one it cannot take."""
    name = repr(item.identifier)
    if item.kind == FREE:
        if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
            return value
        raise WorkerActionError(f"Question {name} takes free text (a string), not {value!r}.")
    if item.kind == UPLOAD:
        if isinstance(value, Mapping) and "file_key" in value:
            return value
        raise WorkerActionError(
            f'Question {name} is a file upload: answer {{"file_key": ..., "file_size": ...}}.'
        )
    if isinstance(value, str):
        selections, other = [value], None
    elif isinstance(value, Mapping):
        selections, other = list(value.get("selections", ())), value.get("other")
    elif isinstance(value, Iterable):
        selections, other = list(value), None
    else:
        raise WorkerActionError(
            f"Question {name} is a selection: answer an identifier, a list of them, or "
            f'{{"selections": [...], "other": "text"}}, not {value!r}.'
        )
    unknown = [s for s in selections if s not in item.selections]
    if unknown:
        raise WorkerActionError(
            f"Question {name} has no selection {unknown[0]!r}; its selections are "
            f"{', '.join(map(repr, item.selections))}."
        )
    if other is not None and not item.other:
        raise WorkerActionError(
            f"Question {name} has no OtherSelection to write text into (it has no 'other' choice)."
        )
    if other is None:
        return selections
    return {"selections": selections, "other": other}
