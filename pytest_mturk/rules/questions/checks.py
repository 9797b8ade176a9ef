"""The ``Question`` of a HIT (and the ``Test``/``AnswerKey`` of a qualification type), checked
as the service checks them (spec §6.1-§6.4, §6.6), and described for fitting answers
(a QuestionForm's questions are read by :mod:`.question_form`).

ExternalQuestion and HTMLQuestion, the common case, get a quick parse and a few
direct checks; QuestionForm and AnswerKey documents go through our own XML
Schemas (:mod:`.schemas`). Refusals carry the service's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat
from xml.sax.saxutils import unescape

from ...core import catalogue
from ...core.bounded_cache import cached
from ...core.errors import ServiceError
from . import html5, question_form, schemas

BASE = schemas.BASE
EXTERNAL = BASE + "2006-07-14/ExternalQuestion.xsd"
HTML = BASE + "2011-11-11/HTMLQuestion.xsd"
QUESTION_FORMS = (schemas.QUESTION_FORM_2017, schemas.QUESTION_FORM_2005)
MAX_BYTES = 65_535
RESERVED_FIELDS = frozenset({"assignmentId", "hitId", "turkSubmitTo", "workerId"})

_INTEGER = re.compile(r"[+-]?[0-9]+")
_CROWD_FORM = re.compile(r"<crowd-form[\s>]", re.IGNORECASE)


# -- well-formedness -------------------------------------------------------------------


def parse(document: str) -> ElementTree.Element:
    """The document's root element, or the service's refusal of XML that is not well-formed.

    Leading whitespace is forgiven (many clients build the XML in an indented
    triple-quoted string).
    """
    try:
        return ElementTree.fromstring(document.lstrip())
    except ElementTree.ParseError as exc:
        raise catalogue.XML_PARSE_ERROR(detail=_parse_detail(document.lstrip(), exc)) from None


def _parse_detail(document: str, exc: ElementTree.ParseError) -> str:
    """Expat's complaint in the words of Xerces, which the service quotes."""
    code = exc.code
    line, column = exc.position
    # Expat counts columns in UTF-8 bytes; find the character offset.
    lines = document.split("\n")
    prefix = lines[line - 1].encode("utf-8")[:column].decode("utf-8", "ignore") if lines else ""
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + len(prefix)
    before = document[:offset]
    rooted = "<" in before and re.search(r"<[A-Za-z_]", before) is not None
    errors = expat.errors
    if code == _code(errors.XML_ERROR_NO_ELEMENTS):
        if rooted:
            return "XML document structures must start and end within the same entity."
        return "Premature end of file."
    if code in (_code(errors.XML_ERROR_UNCLOSED_TOKEN), _code(errors.XML_ERROR_PARTIAL_CHAR)):
        return "XML document structures must start and end within the same entity."
    if code == _code(errors.XML_ERROR_TAG_MISMATCH):
        open_name = _open_element(document[:offset])
        return (
            f'The element type "{open_name}" must be terminated by the matching end-tag '
            f'"</{open_name}>".'
        )
    if code == _code(errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT):
        if document[offset : offset + 1] == "<":
            return "The markup in the document following the root element must be well-formed."
        return "Content is not allowed in trailing section."
    if code == _code(errors.XML_ERROR_UNDEFINED_ENTITY):
        name = re.match(r"&([^;]*);", document[offset:])
        return f'The entity "{name.group(1) if name else ""}" was referenced, but not declared.'
    if code == _code(errors.XML_ERROR_DUPLICATE_ATTRIBUTE):
        tag = re.findall(r"<([^\s/>]+)", before)
        attribute = re.match(r"[^\s=]+", document[offset:])
        return (
            f'Attribute "{attribute.group() if attribute else ""}" was already specified for '
            f'element "{tag[-1] if tag else ""}".'
        )
    if code == _code(errors.XML_ERROR_UNBOUND_PREFIX):
        name = re.match(r"<([^\s/>]+)", document[offset:])
        qname = name.group(1) if name else ""
        return f'The prefix "{qname.partition(":")[0]}" for element "{qname}" is not bound.'
    if not rooted:
        return "Content is not allowed in prolog."
    entity = re.search(r"&([A-Za-z_][\w.-]*)?$", before)
    if entity is not None:
        if entity.group(1):
            return f"The reference to entity \"{entity.group(1)}\" must end with the ';' delimiter."
        return "The entity name must immediately follow the '&' in the entity reference."
    if before.endswith("<"):
        return "The content of elements must consist of well-formed character data or markup."
    return str(exc).split(":")[0].capitalize() + "."


def _code(message: str) -> int:
    return expat.errors.codes[message]


def _open_element(text: str) -> str:
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([^\s/>!?]+)[^>]*?(/?)>", text):
        closing, name, empty = match.groups()
        if closing:
            if stack:
                stack.pop()
        elif not empty:
            stack.append(name)
    return stack[-1] if stack else ""


# -- the three kinds of question ---------------------------------------------------------


def _namespace(root: ElementTree.Element) -> str:
    return root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""


def _undeclared(root: ElementTree.Element) -> ServiceError:
    return catalogue.XML_PARSE_ERROR(
        detail=f"cvc-elt.1: Cannot find the declaration of element '{root.tag.rpartition('}')[2]}'."
    )


def _wrapper(root: ElementTree.Element, first: str) -> tuple[str, str]:
    """The two children (``first``, FrameHeight) of an ExternalQuestion/HTMLQuestion."""
    namespace = _namespace(root)
    names = [first, "FrameHeight"]
    values: list[str] = []
    if (root.text or "").strip():
        raise catalogue.XML_PARSE_ERROR(detail=_text_error(root.tag))
    children = list(root)
    for index, child in enumerate(children):
        if (child.tail or "").strip():
            raise catalogue.XML_PARSE_ERROR(detail=_text_error(root.tag))
        local = child.tag.rpartition("}")[2]
        if index >= len(names):
            raise catalogue.XML_PARSE_ERROR(
                detail=f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
                f"'{local}'. No child element is expected at this point."
            )
        if child.tag != f"{{{namespace}}}{names[index]}":
            raise catalogue.XML_PARSE_ERROR(
                detail=f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                f"'{local}'. One of '{{\"{namespace}\":{names[index]}}}' is expected."
            )
        if len(child):
            raise catalogue.XML_PARSE_ERROR(
                detail=f"cvc-type.3.1.2: Element '{names[index]}' is a simple type, so it must "
                "have no element information item [children]."
            )
        values.append(child.text or "")
    if len(values) < len(names):
        raise catalogue.XML_PARSE_ERROR(
            detail=f"cvc-complex-type.2.4.b: The content of element "
            f"'{root.tag.rpartition('}')[2]}' is not complete. "
            f"One of '{{\"{namespace}\":{names[len(values)]}}}' is expected."
        )
    height = values[1].strip()
    if not _INTEGER.fullmatch(height):
        raise catalogue.XML_PARSE_ERROR(
            detail=f"cvc-datatype-valid.1.2.1: '{height}' is not a valid value for 'integer'."
        )
    if int(height) < 0:
        raise catalogue.INVALID_PARAMETER_VALUE(name="FrameHeight", value=height)
    return values[0], height


def _text_error(tag: str) -> str:
    return (
        f"cvc-complex-type.2.3: Element '{tag.rpartition('}')[2]}' cannot have character "
        "[children], because the type's content type is element-only."
    )


# The two wrappers as nearly every requester writes them: one element per line
# or none, the content as text or one CDATA section. A document of this shape
# is well-formed XML (given the character checks in plain_wrapper) and its
# elements are what the schema wants, so it needs no parser.
_PLAIN_WRAPPER = re.compile(
    r'<(ExternalQuestion|HTMLQuestion) xmlns="([^"<&]*)">[ \t\n]*'
    r"<(ExternalURL|HTMLContent)>(?:<!\[CDATA\[(.*)\]\]>|((?:[^<&\]]|&(?:amp|lt|gt|quot|apos);)*))"
    r"</\3>[ \t\n]*<FrameHeight>([0-9]+)</FrameHeight>[ \t\n]*</\1>[ \t\n]*\Z",
    re.DOTALL,
)
_WRAPPED = {"ExternalQuestion": ("ExternalURL", EXTERNAL), "HTMLQuestion": ("HTMLContent", HTML)}
# What XML 1.0 forbids in a document, and the carriage return it would rewrite.
_NOT_PLAIN_XML = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
# The two predefined entities saxutils.unescape does not know of itself.
_QUOTE_ENTITIES = {"&quot;": '"', "&apos;": "'"}


# The ASCII characters XML takes as they are: all but the controls other than tab and newline
# (a carriage return it rewrites).
_PLAIN_ASCII = bytes(range(0x20, 0x80)) + b"\t\n"


def _plain_xml_text(document: str) -> bool:
    """Whether XML takes every character of ``document`` as it is."""
    if document.isascii():
        # The usual case: what is left once the plain characters are deleted, in C.
        return not document.encode("ascii").translate(None, _PLAIN_ASCII)
    if document.isprintable() or document.replace("\n", "").replace("\t", "").isprintable():
        return True  # the usual case, found without a scan in Python's regex engine
    return _NOT_PLAIN_XML.search(document) is None


def plain_wrapper(document: str) -> tuple[str, str, str] | None:
    """``(kind, first child's text, FrameHeight)`` of an ExternalQuestion or HTMLQuestion
    written plainly (see ``_PLAIN_WRAPPER``), as the XML parser would give them; or
    None for any other document, which goes to the parser."""
    match = _PLAIN_WRAPPER.match(document)
    if match is None:
        return None
    local, namespace, child, cdata, text, height = match.groups()
    if _WRAPPED[local] != (child, namespace) or not _plain_xml_text(document):
        return None
    if cdata is not None and "]]>" in cdata:
        return None  # a section ends at its first "]]>": this is not one section
    if cdata is None:
        cdata = unescape(text, _QUOTE_ENTITIES) if "&" in text else text
    return local, cdata, height


def _check_wrapped(local: str, value: str) -> None:
    """The service's checks of an ExternalQuestion's URL or an HTMLQuestion's page."""
    if local == "ExternalQuestion":
        url = value.strip()
        if not url.lower().startswith("https://"):
            raise catalogue.EXTERNAL_URL_NOT_HTTPS(value=url)
        return
    refusal = html5.refusal(value)
    if refusal is not None:
        raise refusal


def validate_question(question: str) -> str:
    """Check a HIT's ``Question`` as CreateHIT does; return its kind.

    The kind is ``"ExternalQuestion"``, ``"HTMLQuestion"`` or ``"QuestionForm"``.
    Raises the service's :class:`~pytest_mturk.core.errors.ServiceError` otherwise.
    """
    plain = plain_wrapper(question.lstrip())
    if plain is not None:
        _check_wrapped(plain[0], plain[1])
        return plain[0]
    root = parse(question)
    namespace = _namespace(root)
    local = root.tag.rpartition("}")[2]
    wrapped = _WRAPPED.get(local)
    if wrapped is not None and namespace == wrapped[1]:
        value, _ = _wrapper(root, wrapped[0])
        _check_wrapped(local, value)
        return local
    if local == "QuestionForm" and namespace in QUESTION_FORMS:
        detail = schemas.first_error(namespace, root)
        if detail is not None:
            raise catalogue.XML_PARSE_ERROR(detail=detail)
        return local
    raise _undeclared(root)


_SURROGATE = re.compile("[\ud800-\udfff]")


@cached()  # a batch of HITs often repeats one question
def check_question(question: str) -> str:
    """Check a HIT's ``Question`` as CreateHIT does, size and all; return its kind.

    Only passes are remembered: a refusal raises anew every time.
    """
    check_size("Question", question)
    return validate_question(question)


def check_size(parameter: str, document: str) -> None:
    """The service's refusal of an XML member that is too large, or not text at all.

    A lone surrogate (possible in JSON, impossible in UTF-8) is a character no
    XML document may contain; Xerces reports it as an invalid XML character.
    """
    # ASCII: one byte a character, and no surrogates.
    size = len(document) if document.isascii() else _checked_utf8_size(document)
    if size > MAX_BYTES:
        raise too_long(parameter, size)


def too_long(parameter: str, size: int) -> ServiceError:
    """The service's refusal of an XML member of ``size`` bytes, over the limit."""
    return catalogue.DOCUMENT_TOO_LONG(parameter=parameter, size=size, limit=MAX_BYTES)


def _checked_utf8_size(document: str) -> int:
    """The document's size in UTF-8, or the refusal of a lone surrogate in it."""
    bad = _SURROGATE.search(document)
    if bad is not None:
        raise catalogue.XML_PARSE_ERROR(
            detail=f"An invalid XML character (Unicode: 0x{ord(bad.group()):x}) was found in the "
            "element content of the document."
        )
    return len(document.encode("utf-8"))


def _schema_valid(document: str, root_tag: str, namespaces: tuple[str, ...]) -> bool:
    try:
        root = ElementTree.fromstring(document.lstrip())
    except ElementTree.ParseError:
        return False
    namespace = _namespace(root)
    return (
        root.tag == f"{{{namespace}}}{root_tag}"
        and namespace in namespaces
        and schemas.first_error(namespace, root) is None
    )


def validate_test(test: str) -> None:
    """Check a qualification type's ``Test``: a QuestionForm only, ≤ 65,535 bytes (spec §5.12).

    The service answers any unusable test with one sentence (observed for
    UpdateQualificationType): ``The value "<test>" is not valid for the parameter Test.``
    """
    check_size("Test", test)
    if not _schema_valid(test, "QuestionForm", QUESTION_FORMS):
        raise catalogue.INVALID_PARAMETER_VALUE(name="Test", value=test)


def validate_answer_key(answer_key: str) -> None:
    """Check a qualification type's ``AnswerKey`` against the AnswerKey structure (spec §6.6)."""
    check_size("AnswerKey", answer_key)
    if not _schema_valid(answer_key, "AnswerKey", (schemas.ANSWER_KEY,)):
        raise catalogue.INVALID_PARAMETER_VALUE(name="AnswerKey", value=answer_key)


# -- what a question asks ---------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    """What kind of question a HIT asks, and (for a QuestionForm) its form."""

    kind: str  # "ExternalQuestion", "HTMLQuestion", "QuestionForm" or "" (unknown)
    form: question_form.Form | None = None
    crowd_form: bool = False  # an HTMLQuestion built with <crowd-form>


@cached()
def describe(question: str | None) -> QuestionInfo:
    """What ``question`` asks (HITs usually share a few questions, so this is cached)."""
    if not question:
        return QuestionInfo("")
    plain = plain_wrapper(question.lstrip())
    if plain is not None:  # written the usual way: read without an XML parser
        local, content, _ = plain
        if local == "HTMLQuestion":
            return QuestionInfo(local, crowd_form=_CROWD_FORM.search(content) is not None)
        return QuestionInfo(local)
    try:
        root = ElementTree.fromstring(question.lstrip())
    except ElementTree.ParseError:
        return QuestionInfo("")
    local = root.tag.rpartition("}")[2]
    if local == "QuestionForm":
        try:
            return QuestionInfo(local, question_form.read(root))
        except question_form.FormError:
            return QuestionInfo("")  # never valid by the schema: CreateHIT refused it
    if local == "HTMLQuestion":
        content = "".join(child.text or "" for child in root if child.tag.endswith("HTMLContent"))
        return QuestionInfo(local, crowd_form=_CROWD_FORM.search(content) is not None)
    if local == "ExternalQuestion":
        return QuestionInfo(local)
    return QuestionInfo("")
