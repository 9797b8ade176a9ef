"""QuestionFormAnswers: the XML a worker's answers arrive in (spec §6.5), and back.

The service writes it with an ASCII declaration and no whitespace; characters
outside ASCII become character references.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Union
from xml.etree import ElementTree

NAMESPACE = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd"
)
_HEAD = f'<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="{NAMESPACE}">'
_TAIL = "</QuestionFormAnswers>"

AnswerValue = Union[str, int, float, Iterable[str], Mapping[str, Any]]  # noqa: UP007


def _text(value: object) -> str:
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _answer(identifier: str, value: AnswerValue) -> str:
    parts = [f"<Answer><QuestionIdentifier>{_text(identifier)}</QuestionIdentifier>"]
    if isinstance(value, Mapping):
        # {"selections": [...], "other": "..."} or {"file_key": ..., "file_size": ...}
        if "file_key" in value:
            parts.append(
                f"<UploadedFileSizeInBytes>{int(value.get('file_size', 0))}"
                f"</UploadedFileSizeInBytes><UploadedFileKey>{_text(value['file_key'])}"
                "</UploadedFileKey>"
            )
        else:
            for selection in value.get("selections", ()):
                parts.append(f"<SelectionIdentifier>{_text(selection)}</SelectionIdentifier>")
            if value.get("other") is not None:
                parts.append(f"<OtherSelectionText>{_text(value['other'])}</OtherSelectionText>")
    elif isinstance(value, (str, int, float)):
        parts.append(f"<FreeText>{_text(value)}</FreeText>")
    else:
        for selection in value:
            parts.append(f"<SelectionIdentifier>{_text(selection)}</SelectionIdentifier>")
    parts.append("</Answer>")
    return "".join(parts)


def to_xml(answers: Mapping[str, AnswerValue]) -> str:
    """QuestionFormAnswers XML for ``{question id: answer}``, byte for byte as MTurk writes it.

    A string (or number) is free text; a list of strings is the selected
    identifiers; ``{"selections": [...], "other": "text"}`` adds the
    "other" free text of a selection question.
    """
    return _HEAD + "".join(_answer(key, value) for key, value in answers.items()) + _TAIL


def parse(xml: str) -> dict[str, Any]:
    """Assignment (or qualification request) answer XML as a plain dict.

    Free text becomes a string, selections a list of identifiers (with
    ``{"selections": [...], "other": "..."}`` when "other" text was given), an
    upload ``{"file_key": ..., "file_size": ...}``. An empty answer gives ``{}``.
    """
    if not xml or not xml.strip():
        return {}
    root = ElementTree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    ns = {"q": NAMESPACE} if root.tag.startswith("{") else {"q": ""}
    prefix = f"{{{ns['q']}}}" if ns["q"] else ""
    out: dict[str, Any] = {}
    for answer in root.iter(f"{prefix}Answer"):
        identifier = answer.findtext(f"{prefix}QuestionIdentifier") or ""
        free = answer.find(f"{prefix}FreeText")
        selections = [el.text or "" for el in answer.findall(f"{prefix}SelectionIdentifier")]
        other = answer.find(f"{prefix}OtherSelectionText")
        key = answer.find(f"{prefix}UploadedFileKey")
        if free is not None:
            out[identifier] = free.text or ""
        elif key is not None:
            size = answer.findtext(f"{prefix}UploadedFileSizeInBytes") or "0"
            out[identifier] = {"file_key": key.text or "", "file_size": int(size)}
        elif other is not None:
            out[identifier] = {"selections": selections, "other": other.text or ""}
        else:
            out[identifier] = selections
    return out
