"""Our own XML Schemas for the QuestionForm and AnswerKey structures (spec §6.4, §6.6).

The service validates a QuestionForm (and a qualification AnswerKey) against
its XSD and quotes the validator's first complaint. We describe the same
structures in compact schemas of our own, let :mod:`xmlschema` (a maintained,
pure-Python XSD 1.0 validator) do the validating, and word its first error
the way the service's Java validator (Xerces) words it. Schemas are compiled
once, on first use: HITs with an ExternalQuestion or HTMLQuestion, the common
case, never pay for them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

if TYPE_CHECKING:
    import xmlschema

BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QUESTION_FORM_2005 = BASE + "2005-10-01/QuestionForm.xsd"
QUESTION_FORM_2017 = BASE + "2017-11-06/QuestionForm.xsd"
ANSWER_KEY = BASE + "2005-10-01/AnswerKey.xsd"

_HEAD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:q="{ns}"
  targetNamespace="{ns}" elementFormDefault="qualified" attributeFormDefault="unqualified">"""

# One Question: an identifier, optional label and flag, what it shows, what it asks.
_FORM = """
<xs:element name="QuestionForm"><xs:complexType><xs:choice maxOccurs="unbounded">
  <xs:element name="Overview" type="q:Content"/>
  <xs:element name="Question"><xs:complexType><xs:sequence>
    <xs:element name="QuestionIdentifier" type="xs:string"/>
    <xs:element name="DisplayName" type="xs:string" minOccurs="0"/>
    <xs:element name="IsRequired" type="xs:boolean" minOccurs="0"/>
    <xs:element name="QuestionContent" type="q:Content"/>
    <xs:element name="AnswerSpecification"><xs:complexType><xs:choice>
      <xs:element name="FreeTextAnswer" type="q:FreeText"/>
      <xs:element name="SelectionAnswer" type="q:Selection"/>{upload}
    </xs:choice></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:choice></xs:complexType></xs:element>

<xs:complexType name="Content"><xs:choice maxOccurs="unbounded">
  <xs:element name="Title" type="xs:string"/>
  <xs:element name="Text" type="xs:string"/>
  <xs:element name="List"><xs:complexType><xs:sequence>
    <xs:element name="ListItem" type="xs:string" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="FormattedContent" type="xs:string"/>
  <xs:element name="Binary" type="q:Binary"/>{application}
  <xs:element name="EmbeddedBinary"><xs:complexType><xs:sequence>
    <xs:element name="EmbeddedMimeType"><xs:complexType><xs:sequence>
      <xs:element name="Type" type="xs:string"/>
      <xs:element name="SubType" type="xs:string"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="DataURL" type="q:URL"/>
    <xs:element name="AltText" type="xs:string"/>
    <xs:element name="Width" type="xs:string"/>
    <xs:element name="Height" type="xs:string"/>
    <xs:element name="ApplicationParameter" type="q:Parameter" minOccurs="0"
      maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:choice></xs:complexType>

<xs:complexType name="Binary"><xs:sequence>
  <xs:element name="MimeType"><xs:complexType><xs:sequence>
    <xs:element name="Type"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="image"/><xs:enumeration value="audio"/>
      <xs:enumeration value="video"/>
    </xs:restriction></xs:simpleType></xs:element>
    <xs:element name="SubType" type="xs:string" minOccurs="0"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="DataURL" type="q:URL"/>
  <xs:element name="AltText" type="xs:string"/>
</xs:sequence></xs:complexType>

<xs:simpleType name="URL"><xs:restriction base="xs:anyURI">
  <xs:pattern value="(http|https)://.*"/>
</xs:restriction></xs:simpleType>

<xs:complexType name="Parameter"><xs:sequence>
  <xs:element name="Name" type="xs:string"/>
  <xs:element name="Value" type="xs:string"/>
</xs:sequence></xs:complexType>

<xs:complexType name="FreeText"><xs:sequence>
  <xs:element name="Constraints" minOccurs="0"><xs:complexType><xs:sequence>
    <xs:element name="IsNumeric" minOccurs="0"><xs:complexType>
      <xs:attribute name="minValue" type="xs:int"/>
      <xs:attribute name="maxValue" type="xs:int"/>
    </xs:complexType></xs:element>
    <xs:element name="Length" minOccurs="0"><xs:complexType>
      <xs:attribute name="minLength" type="xs:nonNegativeInteger"/>
      <xs:attribute name="maxLength" type="xs:positiveInteger"/>
    </xs:complexType></xs:element>
    <xs:element name="AnswerFormatRegex" minOccurs="0" maxOccurs="unbounded"><xs:complexType>
      <xs:attribute name="regex" type="xs:string" use="required"/>
      <xs:attribute name="errorText" type="xs:string"/>
      <xs:attribute name="flags" type="xs:string"/>
    </xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="DefaultText" type="xs:string" minOccurs="0"/>
  <xs:element name="NumberOfLinesSuggestion" type="xs:positiveInteger" minOccurs="0"/>
</xs:sequence></xs:complexType>

<xs:complexType name="Selection"><xs:sequence>
  <xs:element name="MinSelectionCount" type="xs:nonNegativeInteger" minOccurs="0"/>
  <xs:element name="MaxSelectionCount" type="xs:positiveInteger" minOccurs="0"/>
  <xs:element name="StyleSuggestion" minOccurs="0"><xs:simpleType>
    <xs:restriction base="xs:string">
      <xs:enumeration value="radiobutton"/><xs:enumeration value="checkbox"/>
      <xs:enumeration value="list"/><xs:enumeration value="dropdown"/>
      <xs:enumeration value="combobox"/><xs:enumeration value="multichooser"/>
    </xs:restriction></xs:simpleType></xs:element>
  <xs:element name="Selections"><xs:complexType><xs:sequence>
    <xs:element name="Selection" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="SelectionIdentifier" type="xs:string"/>
      <xs:choice>
        <xs:element name="Text" type="xs:string"/>
        <xs:element name="Binary" type="q:Binary"/>
        <xs:element name="FormattedContent" type="xs:string"/>
      </xs:choice>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="OtherSelection" type="q:FreeText" minOccurs="0"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:sequence></xs:complexType>
"""

# Only the 2005-10-01 form still knows file uploads and applets (gone since 2017-12-12).
_UPLOAD = """
      <xs:element name="FileUploadAnswer"><xs:complexType><xs:all>
        <xs:element name="MaxFileSizeInBytes" type="q:FileSize"/>
        <xs:element name="MinFileSizeInBytes" type="q:FileSize"/>
      </xs:all></xs:complexType></xs:element>"""

_LEGACY_TYPES = """
<xs:simpleType name="FileSize"><xs:restriction base="xs:positiveInteger">
  <xs:maxInclusive value="2000000000"/>
</xs:restriction></xs:simpleType>
<xs:complexType name="Applet"><xs:sequence>
  <xs:element name="AppletPath" type="q:URL"/>
  <xs:element name="AppletFilename" type="xs:string"/>
  <xs:element name="Width" type="xs:string"/>
  <xs:element name="Height" type="xs:string"/>
  <xs:element name="ApplicationParameter" type="q:Parameter" minOccurs="0" maxOccurs="unbounded"/>
</xs:sequence></xs:complexType>
<xs:complexType name="Flash"><xs:sequence>
  <xs:element name="FlashMovieURL" type="q:URL"/>
  <xs:element name="Width" type="xs:string"/>
  <xs:element name="Height" type="xs:string"/>
  <xs:element name="ApplicationParameter" type="q:Parameter" minOccurs="0" maxOccurs="unbounded"/>
</xs:sequence></xs:complexType>"""

_APPLICATION = """
  <xs:element name="Application"><xs:complexType><xs:choice>
    <xs:element name="Flash" type="q:Flash"/>
    <xs:element name="JavaApplet" type="q:Applet"/>
  </xs:choice></xs:complexType></xs:element>"""

_ANSWER_KEY = """
<xs:element name="AnswerKey"><xs:complexType><xs:sequence>
  <xs:element name="Question" maxOccurs="unbounded"><xs:complexType><xs:sequence>
    <xs:element name="QuestionIdentifier" type="xs:string"/>
    <xs:element name="AnswerOption" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="SelectionIdentifier" type="xs:string" maxOccurs="unbounded"/>
      <xs:element name="AnswerScore" type="xs:int"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="DefaultScore" type="xs:int" minOccurs="0"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="QualificationValueMapping" minOccurs="0"><xs:complexType><xs:choice>
    <xs:element name="PercentageMapping"><xs:complexType><xs:sequence>
      <xs:element name="MaximumSummedScore" type="xs:int"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="ScaleMapping"><xs:complexType><xs:sequence>
      <xs:element name="SummedScoreMultiplier" type="xs:double"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="RangeMapping"><xs:complexType><xs:sequence>
      <xs:element name="SummedScoreRange" maxOccurs="unbounded"><xs:complexType><xs:sequence>
        <xs:element name="InclusiveLowerBound" type="xs:int"/>
        <xs:element name="InclusiveUpperBound" type="xs:int"/>
        <xs:element name="QualificationValue" type="xs:int"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="OutOfRangeQualificationValue" type="xs:int"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:choice></xs:complexType></xs:element>
</xs:sequence></xs:complexType></xs:element>
"""


def schema_text(namespace: str) -> str:
    """The XSD source we validate documents of ``namespace`` with."""
    if namespace == ANSWER_KEY:
        body = _ANSWER_KEY
    elif namespace == QUESTION_FORM_2005:
        body = _FORM.format(upload=_UPLOAD, application=_APPLICATION) + _LEGACY_TYPES
    elif namespace == QUESTION_FORM_2017:
        body = _FORM.format(upload="", application="")
    else:
        raise KeyError(namespace)
    return _HEAD.format(ns=namespace) + body + "</xs:schema>"


@functools.cache
def validator(namespace: str) -> xmlschema.XMLSchema10:
    """The compiled schema for ``namespace`` (built on first use, then kept)."""
    import xmlschema  # costs ~0.15 s: only for the first QuestionForm or AnswerKey

    return xmlschema.XMLSchema10(schema_text(namespace))


def first_error(namespace: str, root: ElementTree.Element) -> str | None:
    """The validator's first complaint about ``root``, worded as the service quotes it."""
    for error in validator(namespace).iter_errors(root):
        return xerces_message(error)
    return None


# -- wording -------------------------------------------------------------------------


def _local(tag: str | None) -> str:
    return (tag or "").rpartition("}")[2]


def _qualified(name: str | None) -> str:
    """``{ns}Name`` as Xerces lists expected elements: ``"ns":Name``."""
    namespace, _, local = (name or "").lstrip("{").rpartition("}")
    return f'"{namespace}":{local}' if namespace else local


def _type_name(component: Any) -> str:
    for candidate in (component, getattr(component, "parent", None)):
        name = getattr(candidate, "name", None)
        if name:
            return _local(name)
    return "anonymous"


def xerces_message(error: xmlschema.XMLSchemaValidationError) -> str:
    """One validation error in the words of Xerces (the validator the service quotes)."""
    import xmlschema

    element = _local(getattr(error.elem, "tag", None))
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        expected = ", ".join(_qualified(item.name) for item in error.expected or ())
        if error.invalid_tag is None:
            return (
                f"cvc-complex-type.2.4.b: The content of element '{element}' is not complete. "
                f"One of '{{{expected}}}' is expected."
            )
        child = _local(error.invalid_tag)
        if not expected:
            return (
                f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
                f"'{child}'. No child element is expected at this point."
            )
        return (
            f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
            f"'{child}'. One of '{{{expected}}}' is expected."
        )
    validator_ = error.validator
    kind = type(validator_).__name__
    value = error.obj
    reason = error.reason or ""
    if kind == "XsdEnumerationFacets":
        allowed = ", ".join(str(item) for item in getattr(validator_, "enumeration", ()))
        return (
            f"cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to "
            f"enumeration '[{allowed}]'. It must be a value from the enumeration."
        )
    if kind == "XsdPatternFacets":
        patterns = getattr(validator_, "regexps", None) or [""]
        return (
            f"cvc-pattern-valid: Value '{value}' is not facet-valid with respect to pattern "
            f"'{patterns[0]}' for type '{_type_name(validator_)}'."
        )
    if kind.endswith("InclusiveFacet") or kind.endswith("ExclusiveFacet"):
        facet = kind[3:-5]
        facet = facet[0].lower() + facet[1:]
        return (
            f"cvc-{facet}-valid: Value '{value}' is not facet-valid with respect to {facet} "
            f"'{getattr(validator_, 'value', '')}' for type '{_type_name(validator_)}'."
        )
    if kind == "XsdAtomicBuiltin":
        return (
            f"cvc-datatype-valid.1.2.1: '{value}' is not a valid value for "
            f"'{_local(getattr(validator_, 'name', ''))}'."
        )
    if reason.startswith("missing required attribute"):
        attribute = reason.split("'")[1] if "'" in reason else ""
        return f"cvc-complex-type.4: Attribute '{attribute}' must appear on element '{element}'."
    if "attribute" in reason and "not allowed" in reason:
        attribute = reason.split("'")[1] if "'" in reason else ""
        return (
            f"cvc-complex-type.3.2.2: Attribute '{attribute}' is not allowed to appear in "
            f"element '{element}'."
        )
    if "character data" in reason:
        return (
            f"cvc-complex-type.2.3: Element '{element}' cannot have character [children], "
            "because the type's content type is element-only."
        )
    return f"cvc-type.3.1.3: The value of element '{element}' is not valid. {reason}".strip()
