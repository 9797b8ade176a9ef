"""What a crowd worker sees of a HIT (its question, parsed), and the default answers.

An answer function ``answer(task, worker)`` gets a :class:`Task` and the
:class:`~pytest_mturk.faces.crowd.population.Member` working on it, and returns
what ``SimulatedWorker.submit()`` takes: ``{question id or field name: value}``,
QuestionFormAnswers XML, or ``None`` (an empty answer).
"""

from __future__ import annotations

import ast
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from ...core.bounded_cache import cached
from ...rules.questions import checks as questions
from ...rules.questions import question_form

if TYPE_CHECKING:
    from .population import Member

# Inputs a worker does not fill in.
_UNSEEN = frozenset({"hidden", "submit", "button", "reset", "image", "file"})
_CHOICE = frozenset({"radio", "checkbox"})


@dataclass(frozen=True)
class Field:
    """A visible field of an HTML form: its ``name``, ``kind`` (the input type, or
    ``select``, ``textarea``, or a ``crowd-*`` element's name) and, for radio buttons,
    check boxes, selects and classifiers, the ``options`` it offers."""

    name: str
    kind: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    """A HIT question, as far as answering it goes."""

    kind: str
    questions: tuple[question_form.FormQuestion, ...] = ()
    fields: tuple[Field, ...] = ()
    url: str | None = None
    crowd_form: bool = False


_NOTHING = Parsed("")


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, Field] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            held = self.found[self._select]
            self.found[self._select] = Field(held.name, held.kind, (*held.options, value))
            return
        if not name or name in questions.RESERVED_FIELDS:
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in _UNSEEN:
                return
            if kind in _CHOICE:
                value = attributes.get("value", "on")
                held = self.found.get(name, Field(name, kind))
                self.found[name] = Field(name, held.kind, (*held.options, value))
                return
            self.found.setdefault(name, Field(name, kind))
        elif tag == "select":
            self.found.setdefault(name, Field(name, "select"))
            self._select = name
        elif tag == "textarea" or tag.startswith("crowd-"):
            options: tuple[str, ...] = ()
            categories = attributes.get("categories")
            if categories:
                try:
                    options = tuple(str(item) for item in ast.literal_eval(categories))
                except (ValueError, SyntaxError):
                    options = ()
            self.found.setdefault(name, Field(name, tag, options))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


@cached()
def parse(question: str) -> Parsed:
    """What a HIT's ``Question`` asks (cached: HITs usually share a few questions)."""
    info = questions.describe(question)
    if info.form is not None:
        return Parsed(info.kind, questions=info.form.questions)
    if info.kind == "ExternalQuestion":
        root = ElementTree.fromstring(question.lstrip())
        url = next((el.text for el in root if el.tag.endswith("ExternalURL")), None)
        return Parsed(info.kind, url=(url or "").strip() or None)
    if info.kind == "HTMLQuestion":
        root = ElementTree.fromstring(question.lstrip())
        content = "".join(el.text or "" for el in root if el.tag.endswith("HTMLContent"))
        scanner = _Fields()
        scanner.feed(content)
        scanner.close()
        return Parsed(info.kind, fields=tuple(scanner.found.values()), crowd_form=info.crowd_form)
    return Parsed(info.kind)


@dataclass
class Task:
    """One assignment as the worker working on it sees it.

    ``kind`` is ``"QuestionForm"``, ``"HTMLQuestion"``, ``"ExternalQuestion"`` (or ``""``);
    ``questions`` a QuestionForm's questions (each with ``identifier``, ``kind``
    ``"free"``/``"selection"``/``"upload"``, ``selections``, ``min_selections``...);
    ``fields`` an HTML page's visible form fields; ``url`` an ExternalQuestion's URL;
    ``annotation`` the HIT's RequesterAnnotation (handy for a known right answer).
    For a qualification test, ``qualification_type_id`` names the type, ``question``
    is the test, and the HIT and assignment IDs are empty.
    ``rng`` is a random generator of this assignment's own, seeded from the crowd's
    seed: draw from it, never from ``random``, to keep runs reproducible.
    """

    hit_id: str
    assignment_id: str
    hit_type_id: str
    title: str
    annotation: str | None
    question: str | None
    seed: int = field(repr=False)
    qualification_type_id: str | None = None  # set for a qualification test

    # Made on first use and kept (plain attributes: functools.cached_property takes a lock
    # on every first read, a cost every assignment would pay).
    _parsed: Parsed | None = field(default=None, init=False, repr=False, compare=False)
    _rng: random.Random | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def parsed(self) -> Parsed:
        """The question as far as answering it goes."""
        parsed = self._parsed
        if parsed is None:
            parsed = self._parsed = parse(self.question) if self.question else _NOTHING
        return parsed

    @property
    def kind(self) -> str:
        """``"QuestionForm"``, ``"HTMLQuestion"``, ``"ExternalQuestion"``, or ``""``."""
        return self.parsed.kind

    @property
    def questions(self) -> tuple[question_form.FormQuestion, ...]:
        """A QuestionForm's questions (empty for other kinds)."""
        return self.parsed.questions

    @property
    def fields(self) -> tuple[Field, ...]:
        """An HTML page's visible form fields (empty for other kinds)."""
        return self.parsed.fields

    @property
    def url(self) -> str | None:
        """An ExternalQuestion's URL (``None`` for other kinds)."""
        return self.parsed.url

    @property
    def rng(self) -> random.Random:
        """This assignment's own random generator."""
        rng = self._rng
        if rng is None:
            rng = self._rng = random.Random(self.seed)
        return rng

    def truth(self, name: str, options: tuple[str, ...] = ()) -> str:
        """The right answer to question or field ``name`` of this HIT, as the default
        answers have it: the same for every worker (one of ``options``, or a text)."""
        digest = zlib.crc32(f"{self.hit_id}\x00{name}".encode())
        if options:
            return options[digest % len(options)]
        return f"{name}-{digest % 1000:03d}"


def _choose(task: Task, worker: Member, name: str, options: tuple[str, ...]) -> str:
    right = task.truth(name, options)
    rng = task.rng
    if not worker.spammer and rng.random() < worker.accuracy:
        return right
    if options:
        return options[rng.randrange(len(options))]
    return f"{name}-{rng.randrange(1000):03d}"


def default_answer(task: Task, worker: Member) -> Mapping[str, Any]:
    """A valid answer to every question of a QuestionForm and every visible field of an
    HTML page: right with the worker's accuracy, otherwise a random choice. An
    ExternalQuestion's page is unknown; its answer is one ``answer`` field."""
    answer: dict[str, Any] = {}
    for item in task.questions:
        if item.kind == question_form.SELECTION and item.selections:
            first = _choose(task, worker, item.identifier, item.selections)
            picked = [first]
            for other in item.selections:
                if len(picked) >= item.min_selections:
                    break
                if other != first:
                    picked.append(other)
            answer[item.identifier] = picked
        elif item.kind == question_form.UPLOAD:
            key = f"uploads/{task.assignment_id}/{item.identifier}"
            answer[item.identifier] = {"file_key": key, "file_size": 1024}
        else:
            answer[item.identifier] = _choose(task, worker, item.identifier, ())
    for spec in task.fields:
        answer[spec.name] = _choose(task, worker, spec.name, spec.options)
    if task.kind == "ExternalQuestion":
        answer["answer"] = _choose(task, worker, "answer", ())
    return answer
