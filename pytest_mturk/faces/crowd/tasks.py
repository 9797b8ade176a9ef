"""What a crowd worker sees of a HIT (its question, parsed), and the default answers.

An answer function ``answer(task, worker)`` gets a :class:`Task` and the
:class:`~pytest_mturk.faces.crowd.population.Member` working on it, and returns
what ``SimulatedWorker.submit()`` takes: ``{question id or field name: value}``,
QuestionFormAnswers XML, or ``None`` (an empty answer).
"""

from __future__ import annotations

import ast
import functools
import random
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from ...core.bounded_cache import BoundedCache, cached, text_size
from ...rules.questions import checks as questions
from ...rules.questions import page_keys, question_form

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


class _Collector:
    """The visible fields, from the tags a form's fields are made of (see :func:`_tags`)."""

    def __init__(self) -> None:
        self.found: dict[str, Field] = {}
        self._select: str | None = None

    def start(self, tag: str, attributes: dict[str, str]) -> None:
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
            categories = attributes.get("categories")
            options = _categories(categories) if categories else ()
            self.found.setdefault(name, Field(name, tag, options))

    def end(self) -> None:
        self._select = None


@functools.lru_cache(maxsize=256)
def _categories(text: str) -> tuple[str, ...]:
    try:
        return tuple(str(item) for item in ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return ()


# A tag as the field scan sees it: (name, attributes), or (name, None) for an end tag.
_Tag = tuple[str, "list[tuple[str, str | None]] | None"]
_FIELD_TAGS = frozenset({"input", "select", "option", "textarea"})


class _Tags(HTMLParser):
    """The start tags fields are made of (and the end tags of selects), in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FIELD_TAGS or tag.startswith("crowd-"):
            self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.tags.append((tag, None))


def _tags(content: str) -> list[_Tag]:
    scanner = _Tags()
    scanner.feed(content)
    scanner.close()
    return scanner.tags


def _read_whole(content: str) -> tuple[Field, ...]:
    """The visible form fields of an HTML page, read from its every tag."""
    collector = _Collector()
    for tag, attrs in _tags(content):
        if attrs is None:
            collector.end()
        else:
            collector.start(tag, {key: value or "" for key, value in attrs})
    return tuple(collector.found.values())


# Pages made from one template differ only in their text and attribute values: the
# fields' tags are read once per template (page_keys.template: the page's skeleton, each
# quoted value it replaces marked), and each page's own values are put into them.
# html.parser reads a template as it reads the page wherever only the marked values
# and the text runs differ, so a template is not used (its pages are read whole) if a
# field's tag or attribute name holds a mark, or an attribute the fields are made of
# holds anything but one whole value (markup that html.parser reads otherwise than an
# HTML5 parser). Nor is a page with a space html.parser counts and HTML5 does not (or
# a NUL).
_UNUSUAL = re.compile(
    "[\x00\x0b\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_MARKS = re.compile(f"[{page_keys.VALUE_MARK}{page_keys.RUN_MARK}]")
_ONE_VALUE = re.compile(
    f"{page_keys.VALUE_MARK}([0-9]+):[^{page_keys.VALUE_MARK}]*{page_keys.VALUE_MARK}"
)
# The attributes the fields are made of.
_READ = frozenset({"name", "type", "value", "categories"})
# A template's fields' tags: their attributes the fields are made of, each as it is
# (a str) or as the number of the page's value it is (an int).
_Plan = list[tuple[str, "list[tuple[str, str | int]] | None"]]
_plans: BoundedCache[str, _Plan | None] = BoundedCache(text_size)


def _plan(template: str) -> _Plan | None:
    """The fields' tags of a template; None if it cannot be used (see above)."""
    plan: _Plan = []
    for tag, attrs in _tags(page_keys.mark_runs(template)):
        if _MARKS.search(tag):
            return None
        if attrs is None:
            plan.append((tag, None))
            continue
        values: list[tuple[str, str | int]] = []
        for key, value in attrs:
            if _MARKS.search(key):
                return None
            if key not in _READ:
                continue
            if not value or _MARKS.search(value) is None:
                values.append((key, value or ""))
                continue
            whole = _ONE_VALUE.fullmatch(value)
            if whole is None:
                return None
            values.append((key, int(whole.group(1))))
        plan.append((tag, values))
    return plan


def page_fields(content: str) -> tuple[Field, ...]:
    """The visible form fields of an HTML page."""
    made = page_keys.template(content) if _UNUSUAL.search(content) is None else None
    if made is None:
        return _read_whole(content)
    template, values = made
    found, plan = _plans.get(template)
    if not found:
        plan = _plan(template)
        _plans.put(template, plan)
    if plan is None:
        return _read_whole(content)
    collector = _Collector()
    for tag, read in plan:
        if read is None:
            collector.end()
            continue
        attributes = {}
        for key, value in read:
            if type(value) is int:
                text = values[value]
                attributes[key] = unescape(text) if "&" in text else text
            else:
                attributes[key] = value  # type: ignore[assignment]
        collector.start(tag, attributes)
    return tuple(collector.found.values())


@cached()
def parse(question: str) -> Parsed:
    """What a HIT's ``Question`` asks (cached: HITs usually share a few questions, and
    pages made from one template are read as one)."""
    info = questions.describe(question)
    if info.form is not None:
        return Parsed(info.kind, questions=info.form.questions)
    if info.kind not in ("ExternalQuestion", "HTMLQuestion"):
        return Parsed(info.kind)
    plain = questions.plain_wrapper(question.lstrip())
    if plain is not None:  # the usual way of writing it: no XML parser needed
        text: str | None = plain[1]
    else:
        root = ElementTree.fromstring(question.lstrip())
        if info.kind == "ExternalQuestion":
            text = next((el.text for el in root if el.tag.endswith("ExternalURL")), None)
        else:
            text = "".join(el.text or "" for el in root if el.tag.endswith("HTMLContent"))
    if info.kind == "ExternalQuestion":
        return Parsed(info.kind, url=(text or "").strip() or None)
    return Parsed(info.kind, fields=page_fields(text or ""), crowd_form=info.crowd_form)


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
