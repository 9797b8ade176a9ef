"""QuestionFormAnswers: the XML a worker's answers arrive in (spec §6.5), and back.

The service writes it with an ASCII declaration and no whitespace; characters
outside ASCII become character references. What a worker may submit depends
on the HIT's question: :func:`for_question` fits a plain ``{name: value}``
dict to it (QuestionForm answers, form fields of an HTMLQuestion or
ExternalQuestion, or the single ``taskAnswers`` of a ``crowd-form`` page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Union
from xml.etree import ElementTree

from ...core.errors import WorkerActionError
from . import checks

NAMESPACE = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd"
)
_HEAD = f'<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="{NAMESPACE}">'
_TAIL = "</QuestionFormAnswers>"
TASK_ANSWERS = "taskAnswers"

AnswerValue = Union[str, int, float, Decimal, Iterable[str], Mapping[str, Any]]  # noqa: UP007


_ESCAPED = re.compile("[&<>\r]")
# What can make answer XML written here ill-formed: a control character XML forbids,
# or a reference to a surrogate or to U+FFFE/U+FFFF (with some harmless ones near them).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:5[5-7]\d{3}|6553[45]);")


def may_be_malformed(xml: str) -> bool:
    """Whether answer XML written by :func:`to_xml` may be ill-formed (``False``: it is not)."""
    if "&#" not in xml and xml.isprintable():
        return False  # no reference and no control character: found without a scan
    return _FORBIDDEN.search(xml) is not None


def _text(value: object) -> str:
    text = str(value)
    if text.isascii() and _ESCAPED.search(text) is None:
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A literal CR would come back as LF from any XML parser; a reference survives.
    text = text.replace("\r", "&#13;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _element(name: str, value: object) -> str:
    return f"<{name}>{_text(value)}</{name}>"


def _answer(identifier: str, value: AnswerValue) -> str:
    if isinstance(value, str):  # free text, the usual case (a str is no Mapping)
        return (
            f"<Answer><QuestionIdentifier>{_text(identifier)}</QuestionIdentifier>"
            f"<FreeText>{_text(value)}</FreeText></Answer>"
        )
    parts = ["<Answer>", _element("QuestionIdentifier", identifier)]
    if isinstance(value, Mapping):
        # {"selections": [...], "other": "..."} or {"file_key": ..., "file_size": ...}
        if "file_key" in value:
            parts.append(_element("UploadedFileSizeInBytes", int(value.get("file_size", 0))))
            parts.append(_element("UploadedFileKey", value["file_key"]))
        else:
            parts.extend(_element("SelectionIdentifier", s) for s in value.get("selections", ()))
            if value.get("other") is not None:
                parts.append(_element("OtherSelectionText", value["other"]))
    elif isinstance(value, (str, int, float, Decimal)):
        parts.append(_element("FreeText", value))
    else:
        parts.extend(_element("SelectionIdentifier", selection) for selection in value)
    parts.append("</Answer>")
    return "".join(parts)


def to_xml(answers: Mapping[str, AnswerValue]) -> str:
    """QuestionFormAnswers XML for ``{question id: answer}``, byte for byte as MTurk writes it.

    A string (or number) is free text; a list of strings is the selected
    identifiers; ``{"selections": [...], "other": "text"}`` adds the
    "other" free text of a selection question; ``{"file_key": ...,
    "file_size": ...}`` is an uploaded file.
    """
    return _HEAD + "".join(_answer(key, value) for key, value in answers.items()) + _TAIL


def _pairs_xml(pairs: Iterable[tuple[str, AnswerValue]]) -> str:
    return _HEAD + "".join(_answer(key, value) for key, value in pairs) + _TAIL


# -- fitting a worker's submission to the question -----------------------------------


def for_question(question: str | None, values: Mapping[str, Any]) -> str:
    """The answer XML the service would store for ``values`` submitted to ``question``.

    Raises :class:`~pytest_mturk.WorkerActionError` for answers the
    worker's page could not have produced (an unknown question or selection).
    """
    info = checks.describe(question)
    if info.form is not None:
        return _pairs_xml(info.form.fit(values, owner="The HIT's QuestionForm", all_required=False))
    if info.kind in ("HTMLQuestion", "ExternalQuestion"):
        return _pairs_xml(_form_fields(values, crowd_form=info.crowd_form))
    return to_xml(values)


def _form_fields(values: Mapping[str, Any], *, crowd_form: bool) -> list[tuple[str, AnswerValue]]:
    # The service drops the fields it fills in itself (spec §6.2).
    fields = {k: v for k, v in values.items() if k not in checks.RESERVED_FIELDS}
    if TASK_ANSWERS in fields and len(fields) == 1:
        return [(TASK_ANSWERS, _task_answers_text(fields[TASK_ANSWERS]))]
    if crowd_form:
        return [(TASK_ANSWERS, _task_answers_text([fields]))]
    out: list[tuple[str, AnswerValue]] = []
    for name, value in fields.items():
        # A field submitted several times (checkboxes sharing a name) gives one Answer each.
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            out.append((name, _field_text(name, item)))
    return out


def _field_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (str, int, float, Decimal)):
        return str(value)
    raise WorkerActionError(
        f"Form field {name!r} must be a string (or a number, or a list of them), not {value!r}; "
        "for a crowd-form page pass the fields and they become the taskAnswers JSON."
    )


def _task_answers_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = [value]
    return _STRINGIFY(value)


# JSON.stringify's form: no spaces. One encoder for every answer (json.dumps with
# these options would make a new one each time).
_STRINGIFY = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


# -- reading answers back ------------------------------------------------------------


def _root(xml: str | bytes) -> ElementTree.Element:
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8-sig")
    return ElementTree.fromstring(xml.lstrip("\ufeff \t\r\n"))


def malformation(xml: str) -> str | None:
    """Why ``xml`` is not a well-formed XML document, or ``None`` if it is."""
    try:
        _root(xml)
    except ElementTree.ParseError as exc:
        return str(exc)
    except ValueError as exc:  # e.g. an encoding declaration the parser cannot use
        return str(exc)
    return None


def parse(xml: str | bytes | None) -> dict[str, Any]:
    """Assignment (or qualification request) answer XML as a plain dict.

    Free text becomes a string, selections a list of identifiers (with
    ``{"selections": [...], "other": "..."}`` when "other" text was given), an
    upload ``{"file_key": ..., "file_size": ...}``. A field answered several
    times (HTML checkboxes sharing a name) becomes a list of its texts. An
    empty answer gives ``{}``. Works with or without the namespace.
    """
    if xml is None or not (xml.strip() if isinstance(xml, str) else xml.strip()):
        return {}
    out: dict[str, Any] = {}
    for answer in _root(xml).iter():
        if answer.tag.rpartition("}")[2] != "Answer":
            continue
        children = {}
        selections: list[str] = []
        for child in answer:
            local = child.tag.rpartition("}")[2]
            if local == "SelectionIdentifier":
                selections.append(child.text or "")
            else:
                children[local] = child.text or ""
        identifier = children.get("QuestionIdentifier", "")
        value: Any
        if "FreeText" in children:
            value = children["FreeText"]
            if identifier in out:
                previous = out[identifier]
                value = [*(previous if isinstance(previous, list) else [previous]), value]
        elif "UploadedFileKey" in children:
            size = children.get("UploadedFileSizeInBytes", "0").strip()
            # A raw answer may carry any text here; it must not make reading it fail.
            value = {
                "file_key": children["UploadedFileKey"],
                "file_size": int(size) if size.isdigit() else 0,
            }
        elif "OtherSelectionText" in children:
            value = {"selections": selections, "other": children["OtherSelectionText"]}
        else:
            value = selections
        out[identifier] = value
    return out


def crowd_answers(xml: str | bytes | None) -> Any:
    """The decoded ``taskAnswers`` JSON of a crowd-form submission (its first object).

    ``None`` when the answer has no ``taskAnswers``.
    """
    text = parse(xml).get(TASK_ANSWERS)
    if not isinstance(text, str):
        return None
    decoded = json.loads(text)
    if isinstance(decoded, list) and len(decoded) == 1:
        return decoded[0]
    return decoded
