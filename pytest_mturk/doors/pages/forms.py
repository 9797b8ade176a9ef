"""A QuestionForm as an HTML form, and the posted form back as the worker's answers.

Each question is a ``<fieldset>`` whose ``<legend>`` is its content's title; its
answer control by kind: free text (``<input>``, or ``<textarea>`` for
NumberOfLinesSuggestion > 1, with ``required``, ``minlength``/``maxlength``,
``type=number`` and ``min``/``max`` for IsNumeric), a selection (radio buttons,
checkboxes, or a ``<select>`` for list/dropdown/combobox/multichooser, plus an
"Other" text box for OtherSelection) or a file. Field names are the question
identifiers (``<id>:other`` for the "Other" text). The browser enforces what HTML
can say; :func:`read` checks everything the page enforced
(:func:`pytest_mturk.doors.pages.form_page.problem`), for posts from anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from werkzeug.wrappers import Request

from ...rules.questions import question_form
from . import form_page
from .html import esc

__all__ = ["is_question_form", "read", "render"]

OTHER = ":other"
_MULTI_STYLES = frozenset({"checkbox", "multichooser", "list"})
# FormattedContent is XHTML of a fixed subset; anything else is shown as its text.
_TAGS = frozenset(
    [
        "a",
        "b",
        "blockquote",
        "br",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
        "div",
    ]
)
_ATTRIBUTES = frozenset(
    ["alt", "title", "width", "height", "colspan", "rowspan", "align", "border", "href", "src"]
)


def is_question_form(question: str | None) -> bool:
    return _form(question) is not None


def _form(question: str | None) -> form_page.PageForm | None:
    if not question or "QuestionForm" not in question[:400]:
        return None
    try:
        return form_page.read(question)
    except (ElementTree.ParseError, question_form.FormError, ValueError):
        return None


# -- showing ----------------------------------------------------------------------------------


def _xhtml(text: str) -> str:
    try:
        root = ElementTree.fromstring(f"<root>{text}</root>")
    except ElementTree.ParseError:
        return f"<p>{esc(text)}</p>"
    return "".join(_node(child) for child in root) if len(root) else esc(root.text or "")


def _node(element: ElementTree.Element) -> str:
    tag = element.tag.rpartition("}")[2].lower()
    inner = esc(element.text or "") + "".join(_node(child) for child in element)
    tail = esc(element.tail or "")
    if tag not in _TAGS:
        return inner + tail
    attributes = ""
    for name, value in element.attrib.items():
        if name not in _ATTRIBUTES:
            continue
        if name in ("href", "src") and not value.lower().startswith(("http://", "https://")):
            continue
        attributes += f' {name}="{esc(value)}"'
    if tag in ("br", "hr", "img", "col"):
        return f"<{tag}{attributes}>{tail}"
    return f"<{tag}{attributes}>{inner}</{tag}>{tail}"


def _content(items: tuple[form_page.Content, ...], heading: str = "h2") -> str:
    out = []
    for item in items:
        if item.kind == "Title":
            out.append(f"<{heading}>{esc(item.text)}</{heading}>")
        elif item.kind == "Text":
            out.append(f"<p>{esc(item.text)}</p>")
        elif item.kind == "List":
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in item.items) + "</ul>")
        elif item.kind == "FormattedContent":
            out.append(f"<div>{_xhtml(item.text)}</div>")
        elif item.kind in ("Binary", "EmbeddedBinary") and item.mime.startswith("image"):
            out.append(f'<img src="{esc(item.url)}" alt="{esc(item.alt)}">')
        elif item.kind in ("Binary", "EmbeddedBinary"):
            out.append(f'<p><a href="{esc(item.url)}">{esc(item.alt or item.url)}</a></p>')
        else:
            out.append(f'<p class="muted">{esc(item.text)}</p>')
    return "".join(out)


def _label_text(items: tuple[form_page.Content, ...]) -> str:
    return _content(items).removeprefix("<p>").removesuffix("</p>")


def _free_control(
    name: str, free: form_page.FreeText, value: str, required: bool, labelled: str
) -> str:
    attributes = f' id="{esc(name)}" name="{esc(name)}" aria-labelledby="{esc(labelled)}"'
    if required:
        attributes += " required"
    if free.min_length:
        attributes += f' minlength="{free.min_length}"'
    if free.max_length:
        attributes += f' maxlength="{free.max_length}"'
    if free.lines > 1 and not free.numeric:
        return f'<textarea{attributes} rows="{free.lines}" cols="60">{esc(value)}</textarea>'
    kind = "text"
    if free.numeric:
        kind = "number"
        attributes += ' step="1"'
        if free.min_value is not None:
            attributes += f' min="{free.min_value}"'
        if free.max_value is not None:
            attributes += f' max="{free.max_value}"'
    return f'<input type="{kind}"{attributes} value="{esc(value)}" size="40">'


def _selection_control(
    question: form_page.PageQuestion, chosen: list[str], other: str, labelled: str
) -> str:
    model = question.answer
    name = model.identifier
    multi = model.max_selections > 1
    style = question.style or ("checkbox" if multi else "radiobutton")
    out = []
    if style in ("radiobutton", "checkbox"):
        kind = "checkbox" if multi or style == "checkbox" else "radio"
        for index, choice in enumerate(question.choices):
            ident = f"{name}-{index}"
            mark = " checked" if choice.identifier in chosen else ""
            # A radio group is required through any one of its buttons.
            need = " required" if kind == "radio" and model.required and not question.other else ""
            out.append(
                f'<div><input type="{kind}" id="{esc(ident)}" name="{esc(name)}" '
                f'value="{esc(choice.identifier)}"{mark}{need}> '
                f'<label for="{esc(ident)}">{_label_text(choice.label)}</label></div>'
            )
    else:
        size = f' size="{min(len(question.choices), 8)}"' if multi else ""
        options = "" if multi else '<option value="">Choose…</option>'
        options += "".join(
            f'<option value="{esc(c.identifier)}"'
            f"{' selected' if c.identifier in chosen else ''}>"
            f"{esc(' '.join(i.text for i in c.label) or c.identifier)}</option>"
            for c in question.choices
        )
        need = " required" if model.required and not question.other and not multi else ""
        out.append(
            f'<select id="{esc(name)}" name="{esc(name)}" aria-labelledby="{esc(labelled)}"'
            f"{' multiple' if multi else ''}{size}{need}>{options}</select>"
        )
    if question.other is not None:
        ident = name + OTHER
        control = _free_control(ident, question.other, other, False, ident + "-label")
        out.append(
            f'<div><label id="{esc(ident)}-label" for="{esc(ident)}">Other:</label> {control}</div>'
        )
    return "".join(out)


def _question_html(
    question: form_page.PageQuestion, values: Mapping[str, list[str]], problem: str | None
) -> str:
    model = question.answer
    name = model.identifier
    legend_id = f"{name}-legend"
    title = question.display_name or name
    marker = ' <span class="muted">(required)</span>' if model.required else ""
    given = values.get(name, [])
    if model.kind == question_form.FREE:
        free = question.free or form_page.FreeText()
        value = given[0] if given else free.default
        control = _free_control(name, free, value, model.required, legend_id)
    elif model.kind == question_form.UPLOAD:
        need = " required" if model.required else ""
        control = (
            f'<input type="file" id="{esc(name)}" name="{esc(name)}" '
            f'aria-labelledby="{esc(legend_id)}"{need}>'
        )
    else:
        other = (values.get(name + OTHER) or [""])[0]
        control = _selection_control(question, given, other, legend_id)
    error = (
        f'<p class="error" role="alert" id="{esc(name)}-error">{esc(problem)}</p>'
        if problem
        else ""
    )
    return (
        f'<fieldset id="question-{esc(name)}"><legend id="{esc(legend_id)}">{esc(title)}'
        f"{marker}</legend>{_content(question.content, 'h3')}{error}{control}</fieldset>"
    )


def render(
    question: str | None,
    *,
    action: str | None = None,
    submit_label: str = "Submit",
    values: Mapping[str, list[str]] | None = None,
    problems: Mapping[str, str] | None = None,
    disabled: bool = False,
) -> str:
    """The QuestionForm as an HTML form posting to ``action``; ``disabled`` (a preview):
    every control disabled and no submit button, so nothing can be sent."""
    form = _form(question)
    if form is None:
        return '<p class="muted">This HIT has no question the worker site can show.</p>'
    values = values or {}
    problems = problems or {}
    parts = []
    for kind, part in form.parts:
        if kind == "overview":
            parts.append(f'<section class="card">{_content(part)}</section>')
        else:
            parts.append(_question_html(part, values, problems.get(part.identifier)))
    inner = "".join(parts)
    if disabled:
        return (
            '<form id="question-form" aria-disabled="true">'
            f"<fieldset disabled>{inner}</fieldset></form>"
        )
    multipart = any(q.answer.kind == question_form.UPLOAD for q in form.questions)
    enctype = ' enctype="multipart/form-data"' if multipart else ""
    return (
        f'<form id="question-form" method="post" action="{esc(action or "")}"{enctype}>'
        f'{inner}<div class="actions"><button type="submit" id="submitButton">'
        f"{esc(submit_label)}</button></div></form>"
    )


# -- reading back -----------------------------------------------------------------------------


def read(
    question: str | None, request: Request, pairs: list[tuple[str, str]], key: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted form as ``({question id: answer}, {question id: problem})``: an
    answer as ``SimulatedWorker.submit`` takes it, an unanswered question left out."""
    form = _form(question)
    if form is None:
        return {}, {}
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for item in form.questions:
        answer = _answer(item, values, request, key)
        trouble = _stray(item, values) or form_page.problem(item, answer)
        if trouble is not None:
            problems[item.identifier] = trouble
        elif answer is not None:
            answers[item.identifier] = answer
    return answers, problems


def _stray(item: form_page.PageQuestion, values: Mapping[str, list[str]]) -> str | None:
    """A posted selection the question does not offer (no page of MTurk's sends one)."""
    if item.answer.kind != question_form.SELECTION:
        return None
    known = {choice.identifier for choice in item.choices}
    stray = [value for value in values.get(item.identifier, []) if value and value not in known]
    return f"{stray[0]!r} is not one of this question's choices." if stray else None


def _answer(
    item: form_page.PageQuestion, values: Mapping[str, list[str]], request: Request, key: str
) -> Any:
    name = item.identifier
    if item.answer.kind == question_form.FREE:
        text = (values.get(name) or [""])[0]
        return text if text != "" else None
    if item.answer.kind == question_form.UPLOAD:
        upload = request.files.get(name) if request.method == "POST" else None
        if upload is None or not upload.filename:
            return None
        size = len(upload.read())
        return {"file_key": f"{key}/{name}/{upload.filename}", "file_size": size}
    known = {choice.identifier for choice in item.choices}
    chosen = [value for value in values.get(name, []) if value in known]
    other = (values.get(name + OTHER) or [""])[0] if item.other is not None else ""
    if other:
        return {"selections": chosen, "other": other}
    return chosen or None
