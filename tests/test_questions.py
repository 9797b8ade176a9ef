"""A HIT's Question is checked at creation as the service checks it (spec §6.1-§6.4)."""

from __future__ import annotations

import pathlib
import re

import botocore.exceptions
import pytest
from conftest import EXTERNAL_QUESTION, HIT_ARGS, epoch_ms
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_mturk.rules.questions import checks as questions
from pytest_mturk.rules.questions import html5, page_keys, schemas

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "schemas"
BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
FORM_2005 = BASE + "2005-10-01/QuestionForm.xsd"
FORM_2017 = BASE + "2017-11-06/QuestionForm.xsd"
XML_PREFIX = (
    "There was an error parsing the XML question or answer data in your request. Please make "
    "sure the data is well-formed and validates against the appropriate schema. Details: "
)
HTML5_PREFIX = (
    "There was an error parsing the HTML5 data in your request.  Please make sure the data is "
    "well-formed and validates as HTML5. Details: Errors: "
)


def external(url: str = "https://example.com/task", height: str = "600") -> str:
    return (
        f'<ExternalQuestion xmlns="{BASE}2006-07-14/ExternalQuestion.xsd">'
        f"<ExternalURL>{url}</ExternalURL><FrameHeight>{height}</FrameHeight></ExternalQuestion>"
    )


def html_question(content: str, height: str = "450") -> str:
    return (
        f'<HTMLQuestion xmlns="{BASE}2011-11-11/HTMLQuestion.xsd">'
        f"<HTMLContent><![CDATA[{content}]]></HTMLContent>"
        f"<FrameHeight>{height}</FrameHeight></HTMLQuestion>"
    )


PAGE = (
    "\n<!DOCTYPE html>\n<html>\n<head><meta charset='utf-8'><title>Label</title>\n"
    "<script src='https://s3.amazonaws.com/mturk-public/externalHIT_v1.js'></script></head>\n"
    "<body>\n<form name='mturk_form' method='post' action='https://www.mturk.com/mturk/externalSubmit'>"
    "\n<input type='hidden' name='assignmentId' id='assignmentId'>\n<p>What is it?<br>\n"
    "<label><input type='radio' name='label' value='cat'> cat</label>\n<ul><li>one<li>two</ul>\n"
    "<table><tr><td>1<td>2</table>\n<input type='submit'></form>\n"
    "<script>if (a < b && c > d) { turkSetAssignmentID(); }</script>\n</body>\n</html>\n"
)


def question_body(question_id: str = "label", answer: str | None = None) -> str:
    answer = answer or (
        "<SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
        "<Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text></Selection>"
        "<Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>Dog</Text></Selection>"
        "</Selections></SelectionAnswer>"
    )
    return (
        f"<Question><QuestionIdentifier>{question_id}</QuestionIdentifier>"
        "<IsRequired>true</IsRequired><QuestionContent><Text>What is it?</Text></QuestionContent>"
        f"<AnswerSpecification>{answer}</AnswerSpecification></Question>"
    )


def form(body: str | None = None, namespace: str = FORM_2017) -> str:
    overview = "<Overview><Title>Animals</Title><Text>Look closely.</Text></Overview>"
    return f'<QuestionForm xmlns="{namespace}">{overview}{body or question_body()}</QuestionForm>'


UPLOAD = (
    "<FileUploadAnswer><MaxFileSizeInBytes>3000</MaxFileSizeInBytes>"
    "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>"
)


def refusal(client, question: str, **extra):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.create_hit(**{**HIT_ARGS, "Question": question, **extra})
    error = info.value.response["Error"]
    assert error["Code"] == "ParameterValidationError"
    return error["Message"]


def xml_detail(mturk, message: str) -> str:
    suffix = f" ({epoch_ms(mturk.now)} s)"  # the sandbox's stamp
    assert message.startswith(XML_PREFIX) and message.endswith(suffix), message
    return message[len(XML_PREFIX) : -len(suffix)]


# -- valid questions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        EXTERNAL_QUESTION,
        external("https://example.com/task?a=1&amp;b=2", "0"),
        '<?xml version="1.0" encoding="UTF-8"?>\n' + external(),
        "\n   " + external(),  # indented triple-quoted strings are common
        html_question(PAGE),
        form(),
        form(namespace=FORM_2005),
        form(question_body(answer=UPLOAD), namespace=FORM_2005),
    ],
    ids=["external", "query", "declaration", "indented", "html", "form2017", "form2005", "upload"],
)
def test_valid_questions_are_accepted(client, question):
    hit = client.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    assert hit["Question"] == question


def test_create_hit_with_hit_type_checks_the_question_too(mturk, client):
    type_id = client.create_hit_type(
        **{
            k: HIT_ARGS[k]
            for k in ("Title", "Description", "Reward", "AssignmentDurationInSeconds")
        }
    )["HITTypeId"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=600, Question=external("http://example.com")
        )
    assert "must use the HTTPS protocol" in info.value.response["Error"]["Message"]


# -- ExternalQuestion -----------------------------------------------------------------


def test_external_url_must_be_https(mturk, client):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.create_hit(**{**HIT_ARGS, "Question": external("http://example.com/task")})
    response = info.value.response
    assert response["Error"]["Code"] == "ParameterValidationError"
    assert response["Error"]["Message"] == (
        'The value "http://example.com/task" is not valid for the parameter ExternalURL. '
        f"This URL must use the HTTPS protocol.. ({epoch_ms(mturk.now)} s)"
    )
    assert mturk.hits == {}


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        (
            external(height="tall"),
            "cvc-datatype-valid.1.2.1: 'tall' is not a valid value for 'integer'.",
        ),
        (
            f'<ExternalQuestion xmlns="{BASE}2006-07-14/ExternalQuestion.xsd">'
            "<ExternalURL>https://example.com</ExternalURL></ExternalQuestion>",
            "cvc-complex-type.2.4.b: The content of element 'ExternalQuestion' is not complete. "
            f"One of '{{\"{BASE}2006-07-14/ExternalQuestion.xsd\":FrameHeight}}' is expected.",
        ),
        (
            f'<ExternalQuestion xmlns="{BASE}2006-07-14/ExternalQuestion.xsd">'
            "<FrameHeight>1</FrameHeight><ExternalURL>https://x</ExternalURL></ExternalQuestion>",
            "cvc-complex-type.2.4.a: Invalid content was found starting with element "
            f"'FrameHeight'. One of '{{\"{BASE}2006-07-14/ExternalQuestion.xsd\":ExternalURL}}' "
            "is expected.",
        ),
        (
            external().replace("</ExternalQuestion>", "<Extra/></ExternalQuestion>"),
            "cvc-complex-type.2.4.d: Invalid content was found starting with element 'Extra'. "
            "No child element is expected at this point.",
        ),
        (
            external().replace("2006-07-14", "2005-10-01"),
            "cvc-elt.1: Cannot find the declaration of element 'ExternalQuestion'.",
        ),
        (
            "<Question>hello</Question>",
            "cvc-elt.1: Cannot find the declaration of element 'Question'.",
        ),
        (
            external("https://example.com/cashout?code=abc&tx=1"),
            "The reference to entity \"tx\" must end with the ';' delimiter.",
        ),
        (
            external("https://example.com/?a=1 & b"),
            "The entity name must immediately follow the '&' in the entity reference.",
        ),
        (
            external().replace("</FrameHeight>", "</Height>"),
            'The element type "FrameHeight" must be terminated by the matching end-tag '
            '"</FrameHeight>".',
        ),
        (external()[:-5], "XML document structures must start and end within the same entity."),
        ("just text", "Content is not allowed in prolog."),
        (
            external() + "<More/>",
            "The markup in the document following the root element must be well-formed.",
        ),
        (external() + "trailing", "Content is not allowed in trailing section."),
        (
            external().replace("<ExternalURL>", "<ExternalURL>&nbsp;"),
            'The entity "nbsp" was referenced, but not declared.',
        ),
    ],
    ids=[
        "height",
        "missing-height",
        "order",
        "extra",
        "namespace",
        "root",
        "entity",
        "ampersand",
        "mismatch",
        "unclosed",
        "prolog",
        "junk",
        "trailing",
        "undeclared-entity",
    ],
)
def test_broken_xml_gets_the_parse_error(mturk, client, question, detail):
    assert xml_detail(mturk, refusal(client, question)) == detail
    assert mturk.hits == {}


def test_negative_frame_height_is_refused(mturk, client):
    message = refusal(client, external(height="-5"))
    assert message.startswith('The value "-5" is not valid for the parameter FrameHeight.')


def test_refusal_carries_the_turk_error_code(mturk, client):
    message = refusal(client, "<nope")
    assert xml_detail(mturk, message) == (
        "XML document structures must start and end within the same entity."
    )
    # botocore keeps only Code and Message of an un-modelled error; the body has the code.
    assert mturk.calls[-1].error.code == "AWS.MechanicalTurk.XMLParseError"


# -- HTMLQuestion ----------------------------------------------------------------------


def test_html_errors_are_listed_with_line_and_column(mturk, client):
    content = (
        '\n<!DOCTYPE html>\n<html lang="en">\n  <head></head>\n  <body>\n  <body>\n'
        '<a href="x"class="y">z</a>\n</body></html>\n'
    )
    message = refusal(client, html_question(content)).removesuffix(f" ({epoch_ms(mturk.now)} s)")
    assert message == (
        HTML5_PREFIX + "<! [6,8] An \u201cbody\u201d start tag seen but an element of the same "
        "type was already open. !> <! [7,12] No space between attributes. !> "
        "Invalid content: " + content
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<!DOCTYPE html><body><body>", "An \u201cbody\u201d start tag seen but"),
        ("<!DOCTYPE html><a href='x'class='y'>", "No space between attributes."),
        # Without a doctype the same errors are found, and only they.
        ("<body><body>", "An \u201cbody\u201d start tag seen but"),
        ("text<body>", "An \u201cbody\u201d start tag seen but"),
        ("<script></script><crowd-form></crowd-form><body>", "An \u201cbody\u201d start tag"),
        ("<a href='x'class='y'>", "No space between attributes."),
    ],
)
def test_html5_parse_errors(content, expected):
    found = html5.errors(content)
    assert found, content
    assert found[0][2].startswith(expected)


@pytest.mark.parametrize(
    "content",
    [
        PAGE,
        "<!doctype html><crowd-form><crowd-input name='x' required></crowd-input></crowd-form>",
        "<!DOCTYPE html><svg><circle r='1'/><path d='M0'/></svg><p>a<p>b<dl><dt>x<dd>y</dl>",
        "<!DOCTYPE html><select><option>a<option>b</select><textarea><b></textarea>",
        "<!DOCTYPE html><!-- a <div> in a comment --><title>a <b> title</title>",
        "<!DOCTYPE html>text, then <b>bold</b> text<script>if (a</b) {}</script><script></script>",
        "<!DOCTYPE html><html><body><div><p>x</p></div></body></html>",
        # No doctype: the service created such pages (see docs/fidelity.md).
        "",
        "text",
        "</p>",
        "<p>x</p><!DOCTYPE html>",
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
        '<crowd-form><p>Which day is it?</p><input name="day"></crowd-form>',
        "<html><head><title>t</title></head><body><p>x</p></body></html>",
    ],
)
def test_ordinary_html5_pages_parse_cleanly(content):
    assert html5.errors(content) == []


def test_malformed_html_question_wrapper_is_an_xml_error(mturk, client):
    question = html_question(PAGE).replace("<![CDATA[", "").replace("]]>", "")
    detail = xml_detail(mturk, refusal(client, question))
    assert detail  # the raw page is not XML: the service complains of the XML first


# -- QuestionForm ----------------------------------------------------------------------

_NS17 = f'"{FORM_2017}"'


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        (
            form(
                "<Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><Text>x"
                "</Text></QuestionContent></Question>"
            ),
            "cvc-complex-type.2.4.b: The content of element 'Question' is not complete. "
            f"One of '{{{_NS17}:AnswerSpecification}}' is expected.",
        ),
        (
            form(question_body(answer=UPLOAD)),
            "cvc-complex-type.2.4.a: Invalid content was found starting with element "
            f"'FileUploadAnswer'. One of '{{{_NS17}:FreeTextAnswer, {_NS17}:SelectionAnswer}}' "
            "is expected.",
        ),
        (
            form(
                question_body(
                    answer="<FreeTextAnswer><NumberOfLinesSuggestion>x"
                    "</NumberOfLinesSuggestion></FreeTextAnswer>"
                )
            ),
            "cvc-datatype-valid.1.2.1: 'x' is not a valid value for 'positiveInteger'.",
        ),
        (
            form(
                question_body(
                    answer="<SelectionAnswer><StyleSuggestion>wheel</StyleSuggestion>"
                    "<Selections><Selection><SelectionIdentifier>a"
                    "</SelectionIdentifier><Text>A</Text></Selection></Selections>"
                    "</SelectionAnswer>"
                )
            ),
            "cvc-enumeration-valid: Value 'wheel' is not facet-valid with respect to enumeration "
            "'[radiobutton, checkbox, list, dropdown, combobox, multichooser]'. It must be a "
            "value from the enumeration.",
        ),
        (
            form(
                question_body(
                    answer="<FreeTextAnswer><Constraints><AnswerFormatRegex/>"
                    "</Constraints></FreeTextAnswer>"
                )
            ),
            "cvc-complex-type.4: Attribute 'regex' must appear on element 'AnswerFormatRegex'.",
        ),
        (
            form(
                question_body(
                    answer="<FreeTextAnswer><Constraints><Length size='3'/>"
                    "</Constraints></FreeTextAnswer>"
                )
            ),
            "cvc-complex-type.3.2.2: Attribute 'size' is not allowed to appear in element "
            "'Length'.",
        ),
        (
            f'<QuestionForm xmlns="{FORM_2017}"></QuestionForm>',
            "cvc-complex-type.2.4.b: The content of element 'QuestionForm' is not complete. "
            f"One of '{{{_NS17}:Overview, {_NS17}:Question}}' is expected.",
        ),
        (
            form().replace(FORM_2017, BASE + "2006-07-14/QuestionForm.xsd"),
            "cvc-elt.1: Cannot find the declaration of element 'QuestionForm'.",
        ),
    ],
    ids=[
        "incomplete",
        "upload-2017",
        "integer",
        "enumeration",
        "attribute",
        "extra-attribute",
        "empty",
        "namespace",
    ],
)
def test_question_form_is_validated_against_its_schema(mturk, client, question, detail):
    assert xml_detail(mturk, refusal(client, question)) == detail
    assert mturk.hits == {}


def test_schemas_are_compiled_once_and_not_for_external_questions(client):
    schemas.validator.cache_clear()
    questions.check_question.cache_clear()
    client.create_hit(**HIT_ARGS)
    client.create_hit(**{**HIT_ARGS, "Question": html_question(PAGE)})
    assert schemas.validator.cache_info().currsize == 0
    client.create_hit(**{**HIT_ARGS, "Question": form()})
    client.create_hit(**{**HIT_ARGS, "Question": form(question_body("other"))})
    info = schemas.validator.cache_info()
    assert (info.currsize, info.hits) == (1, 1)


def test_question_size_limit(client):
    padding = "<!-- " + "x" * 65_535 + " -->"
    message = refusal(client, external() + padding)
    assert message.startswith("The Question is too long (")


# -- qualification tests and answer keys (for the qualification operations) -------------


def test_test_and_answer_key_validation():
    questions.validate_test(form())
    with pytest.raises(Exception) as info:
        questions.validate_test(external())
    assert info.value.message == f'The value "{external()}" is not valid for the parameter Test.'
    key = (
        f'<AnswerKey xmlns="{BASE}2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>label'
        "</QuestionIdentifier><AnswerOption><SelectionIdentifier>cat</SelectionIdentifier>"
        "<AnswerScore>1</AnswerScore></AnswerOption></Question></AnswerKey>"
    )
    questions.validate_answer_key(key)
    with pytest.raises(Exception) as info:
        questions.validate_answer_key(key.replace("<AnswerScore>1", "<AnswerScore>one"))
    assert "is not valid for the parameter AnswerKey." in info.value.message


# -- HIT layouts -------------------------------------------------------------------------

LAYOUT_ARGS = {k: v for k, v in HIT_ARGS.items() if k != "Question"}


def test_layout_fills_placeholders(mturk, client):
    mturk.register_layout("3LAYOUT", external("https://example.com/${page}?id=${item}"))
    hit = client.create_hit(
        **LAYOUT_ARGS,
        HITLayoutId="3LAYOUT",
        HITLayoutParameters=[{"Name": "page", "Value": "label"}, {"Name": "item", "Value": "7"}],
    )["HIT"]
    assert hit["HITLayoutId"] == "3LAYOUT"
    assert "<ExternalURL>https://example.com/label?id=7</ExternalURL>" in hit["Question"]


def test_layout_with_missing_parameters_is_refused(mturk, client):
    mturk.register_layout("3LAYOUT", external("https://example.com/${page}?id=${item}"))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.create_hit(
            **LAYOUT_ARGS,
            HITLayoutId="3LAYOUT",
            HITLayoutParameters=[{"Name": "page", "Value": "label"}],
        )
    assert info.value.response["Error"]["Code"] == "ParameterValidationError"
    assert "item" in info.value.response["Error"]["Message"]
    assert mturk.hits == {}


def test_unknown_layout_is_refused(mturk, client):
    with pytest.raises(client.exceptions.RequestError) as info:
        client.create_hit(**LAYOUT_ARGS, HITLayoutId="3NOSUCHLAYOUT")
    assert info.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.HITLayoutDoesNotExist"


# -- cross-check against Amazon's own schemas ---------------------------------------------

amazon = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/schemas is not present")


def _amazon_form_schema(namespace: str):
    import xmlschema

    text = (SCHEMAS / "QuestionForm_20051001.xsd").read_text()
    if namespace == FORM_2017:
        # 2017-11-06 is the 2005-10-01 form without file uploads and applications.
        text = text.replace(FORM_2005, FORM_2017)
        text = re.sub(r'\s*<xs:element name="(FileUploadAnswer|Application)"[^>]*/>', "", text)
    return xmlschema.XMLSchema10(text)


_AMAZON: dict[str, object] = {}


def amazon_valid(namespace: str, document: str) -> bool:
    if namespace not in _AMAZON:
        _AMAZON[namespace] = _amazon_form_schema(namespace)
    return _AMAZON[namespace].is_valid(document)  # type: ignore[attr-defined]


_FREE = st.sampled_from(
    [
        "<FreeTextAnswer/>",
        "<FreeTextAnswer><DefaultText>d</DefaultText></FreeTextAnswer>",
        "<FreeTextAnswer><Constraints><IsNumeric minValue='1' maxValue='5'/><Length minLength="
        "'1'/><AnswerFormatRegex regex='^a' errorText='no' flags='i'/></Constraints>"
        "<NumberOfLinesSuggestion>3</NumberOfLinesSuggestion></FreeTextAnswer>",
        "<FreeTextAnswer><NumberOfLinesSuggestion>0</NumberOfLinesSuggestion></FreeTextAnswer>",
        "<FreeTextAnswer><Constraints><IsNumeric minValue='x'/></Constraints></FreeTextAnswer>",
        UPLOAD,
        UPLOAD.replace("3000", "2000000001"),
        "<SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
        "<Binary><MimeType><Type>image</Type></MimeType><DataURL>https://x/a.png</DataURL>"
        "<AltText>a</AltText></Binary></Selection><OtherSelection/></Selections></SelectionAnswer>",
        "<SelectionAnswer><MinSelectionCount>0</MinSelectionCount><MaxSelectionCount>2"
        "</MaxSelectionCount><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
        "<FormattedContent>&lt;b&gt;A&lt;/b&gt;</FormattedContent></Selection></Selections>"
        "</SelectionAnswer>",
        "<SelectionAnswer><Selections/></SelectionAnswer>",
        "<SelectionAnswer><MaxSelectionCount>0</MaxSelectionCount><Selections><Selection>"
        "<SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection></Selections>"
        "</SelectionAnswer>",
    ]
)
_CONTENT = st.lists(
    st.sampled_from(
        [
            "<Title>t</Title>",
            "<Text>x</Text>",
            "<List><ListItem>a</ListItem><ListItem>b</ListItem></List>",
            "<List/>",
            "<FormattedContent><![CDATA[<p>hi</p>]]></FormattedContent>",
            "<Binary><MimeType><Type>video</Type><SubType>mp4</SubType></MimeType>"
            "<DataURL>https://x/v.mp4</DataURL><AltText>v</AltText></Binary>",
            "<Binary><MimeType><Type>text</Type></MimeType><DataURL>https://x</DataURL>"
            "<AltText>v</AltText></Binary>",
            "<Binary><MimeType><Type>image</Type></MimeType><DataURL>ftp://x</DataURL>"
            "<AltText>v</AltText></Binary>",
            "<EmbeddedBinary><EmbeddedMimeType><Type>image</Type><SubType>gif</SubType>"
            "</EmbeddedMimeType><DataURL>http://x/i.gif</DataURL><AltText>a</AltText><Width>1"
            "</Width><Height>1</Height><ApplicationParameter><Name>n</Name><Value>v</Value>"
            "</ApplicationParameter></EmbeddedBinary>",
            "<Application><JavaApplet><AppletPath>https://x/</AppletPath><AppletFilename>a.class"
            "</AppletFilename><Width>1</Width><Height>1</Height></JavaApplet></Application>",
        ]
    ),
    min_size=0,
    max_size=3,
)


@st.composite
def forms(draw):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        content = "".join(draw(_CONTENT))
        if draw(st.booleans()):
            parts.append(f"<Overview>{content}</Overview>")
        else:
            optional = draw(
                st.sampled_from(
                    [
                        "",
                        "<DisplayName>d</DisplayName>",
                        "<IsRequired>false</IsRequired>",
                        "<IsRequired>maybe</IsRequired>",
                    ]
                )
            )
            parts.append(
                f"<Question><QuestionIdentifier>q</QuestionIdentifier>{optional}"
                f"<QuestionContent>{content}</QuestionContent><AnswerSpecification>"
                f"{draw(_FREE)}</AnswerSpecification></Question>"
            )
    namespace = draw(st.sampled_from([FORM_2005, FORM_2017]))
    return namespace, f'<QuestionForm xmlns="{namespace}">{"".join(parts)}</QuestionForm>'


@amazon
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(forms())
def test_our_schema_agrees_with_amazons(case):
    namespace, document = case
    try:
        questions.validate_question(document)
        ours = True
    except Exception:
        ours = False
    assert ours == amazon_valid(namespace, document), document


@amazon
def test_our_external_and_html_checks_agree_with_amazons_schemas():
    import xmlschema

    external_xsd = xmlschema.XMLSchema10(str(SCHEMAS / "ExternalQuestion_20060714.xsd"))
    html_xsd = xmlschema.XMLSchema10(str(SCHEMAS / "HTMLQuestion_20111111.xsd"))
    for document in (external(), external(height="x"), external()[:-19] + "</ExternalQuestion>"):
        assert external_xsd.is_valid(document) == _accepted(document)
    for document in (html_question(PAGE), html_question(PAGE, height="x")):
        assert html_xsd.is_valid(document) == _accepted(document)


def _accepted(document: str) -> bool:
    try:
        questions.validate_question(document)
    except Exception:
        return False
    return True


# Fragments that make tokens, and most of the ways to get a token's end wrong.
# fmt: off
_HTML_FRAGMENTS = st.sampled_from(
    [
        "<!DOCTYPE html>", "<!-- c -->", "<!--", "-->", "<!x>", "<", ">", "</", "/>", "<>",
        "<div>", "</div>", "<p>", "</p>", "<b>", "</b>", "<br>", "<script>", "</script>",
        "<textarea>", "</textarea>", "<svg>", "</svg>", "<td>", "<body>", "</body>", "<a ",
        "<input ", " ", "\n", "x", "a b", "1 < 2", '"', "'", "=", '="', "='", '">', "'>",
        ' a="1"', " a='2'", " a=b", ' b="d e"', " b", '" b "', "/", "it's", "--", "]]>",
        " t='>", "x' ", " u=y", ' t=">', 'x" ', "<template>", "</template>", "<noscript>",
        "</noscript>", "<head>", "</head>", "<meta>", "<frameset>", "</br>", "<title>", "\xa0",
        "<plaintext>", "<!--->", "--!>", "<?x>", "</>", "<body a='1'b>", "<BODY>",
        "<html>", "<HEAD>", "<style>", "</style >", "<link rel=x>", "</title>", "<Script a='b'>",
        "</SCRIPT>", "<!doctype html>", "<div a=\"1\"b>", "<frameset>", "<textarea a=b>",
    ]
)
# fmt: on


@settings(max_examples=400, deadline=None)
@given(st.lists(_HTML_FRAGMENTS, max_size=30).map("".join))
@example("<!DOCTYPE html><a t='>x' u=y<b></a>")  # a quote in a "text run" ends a value
@example('<!DOCTYPE html><a b=c=" b "></a>')  # a "value" inside an unquoted one
@example("<!DOCTYPE html><a  t='> a='2'>")  # a "value" whose first quote closes the one before it
@example("<!DOCTYPE html><a t='> b=' c'>")
@example("<!DOCTYPE html><a t=\"x b='c' d\">")  # a "value" inside a value in the other quotes
def test_html5_skeleton_keeps_whether_a_page_parses(content):
    # Pages are remembered as clean by their skeleton: it must never turn a page
    # with errors into one without, nor the other way round.
    assert bool(html5.errors(content)) == bool(html5.errors(page_keys.skeleton(content)))


@settings(max_examples=400, deadline=None)
@given(st.lists(_HTML_FRAGMENTS, max_size=30).map("".join))
@example("<!DOCTYPE html><a t='>x' u=y<b></a>")  # a quote in a "text run" ends a value
@example("<!DOCTYPE html><a  t='> a='2'>")  # a "value" whose first quote closes the one before it
@example("<!DOCTYPE html><p>a</p><body>")  # text that opens the body, then a second body
def test_html5_clean_page_keys_keep_whether_a_page_parses(content):
    # Clean pages are remembered by two keys (text runs replaced; then values too), both
    # in one cache: each must keep whether a page parses, whatever page it was made from.
    runs = page_keys.run_key(content)
    expected = bool(html5.errors(content))
    assert bool(html5.errors(runs)) == expected
    assert bool(html5.errors(page_keys.value_key(runs))) == expected


def test_pages_of_a_known_template_are_checked_as_it_was(mturk, client):
    # Remembered by its text runs, a template's clean page lets through its pages that
    # differ in text alone; a page that differs in markup is checked in full.
    page = "<!DOCTYPE html><body><p class='item'>{}</p><crowd-input name='a'></crowd-input>"
    for text in ("first", "second, other text"):
        client.create_hit(**{**HIT_ARGS, "Question": html_question(page.format(text))})
    with pytest.raises(botocore.exceptions.ClientError, match="No space between attributes"):
        broken = page.format("third") + "<a b='c'd></a>"
        client.create_hit(**{**HIT_ARGS, "Question": html_question(broken)})


@settings(max_examples=400, deadline=None)
@given(st.lists(_HTML_FRAGMENTS, max_size=30).map("".join))
@example("<!DOCTYPE html><body><!--><body>")  # "<!-->" is a whole comment
@example("<!DOCTYPE html><body><a b='c'd><BODY>")
@example("<p>x</p><!-- <body> --><div a='1'b><body>")  # no doctype
def test_html5_skipping_settled_runs_finds_the_same_errors(content):
    # Once the body is settled, ordinary tokens are skipped in one
    # regular-expression match; token by token, the errors must be the same.
    assert html5.errors(content) == _errors_token_by_token(content, "_SETTLED_RUN")


def _errors_token_by_token(content: str, shortcut: str) -> list[tuple[int, int, str]]:
    """The errors the scanner finds in ``content`` with one of its one-match shortcuts
    (a module-level pattern) turned off: it then reads those tokens one by one."""
    kept = getattr(html5, shortcut)
    try:
        setattr(html5, shortcut, re.compile(""))
        return html5.errors(content)
    finally:
        setattr(html5, shortcut, kept)


@settings(max_examples=400, deadline=None)
@given(st.lists(_HTML_FRAGMENTS, max_size=30).map("".join))
@example("<!DOCTYPE html><head><Script a='b'><body></SCRIPT></head><body><body>")
@example('<!DOCTYPE html><html><link rel=x><div a="1"b><body>')
@example("\ufeff <!-- c --><!doctype html><title></title ><frameset><body>")
@example("<!-- c -->--><!DOCTYPE html>")  # text after a comment, before the doctype
@example("<!DOCTYPE html><script>a</script x><body>x</script><body>")  # an end tag with more
@example("<head><Script a='b'><body></SCRIPT></head><body><body>")  # no doctype
@example('<script src="x"></script><crowd-form a="1"b><body>')
@example("<!-- c --><title>t</title><!DOCTYPE html><body><body>")  # a doctype after the head
@example("\ufeff<meta a='1'b><body>")
def test_html5_reading_the_head_in_one_match_finds_the_same_errors(content):
    # The usual start of a page (doctype if any, head, the tag opening the body) is read in
    # one regular-expression match; token by token, the errors must be the same.
    assert html5.errors(content) == _errors_token_by_token(content, "_HEAD_RUN")


def test_pages_from_one_template_are_parsed_once(monkeypatch):
    page = '<!DOCTYPE html><p class="item">Item {n}</p><img src="https://example.com/{n}.png">'
    assert html5.refusal(page.format(n=1)) is None
    parsed = []
    monkeypatch.setattr(html5, "errors", lambda content: parsed.append(content) or [])
    assert html5.refusal(page.format(n=2)) is None
    assert parsed == []
    # A page that differs in its markup is parsed.
    assert html5.refusal(page.format(n=3) + "<div>") is None
    assert len(parsed) == 1


def test_a_remembered_template_does_not_hide_errors():
    page = '<!DOCTYPE html><p class="item">Item {n}</p>'
    assert html5.refusal(page.format(n=1)) is None
    broken = '<!DOCTYPE html><p class="item"id="x">Item </p>'
    assert html5.refusal(broken) is not None


def test_a_remembered_page_does_not_hide_a_quote_that_closes_a_value():
    # The first page's value never ends (no error); in the second, "'" closes it and
    # "2" follows at once. They differ only in what looks like a value: ' a="" ' and ' a='2''.
    assert html5.refusal('<!DOCTYPE html><a  t=\'> a="">') is None
    assert html5.refusal("<!DOCTYPE html><a  t='> a='2'>") is not None


def _parsed_wrapper(document):
    """What the XML parser makes of a wrapper: (kind, first child's text, FrameHeight)."""
    root = questions.parse(document.lstrip())
    local = root.tag.rpartition("}")[2]
    first = {"ExternalQuestion": "ExternalURL", "HTMLQuestion": "HTMLContent"}[local]
    value, height = questions._wrapper(root, first)
    return local, value, height


_ROOTS = st.sampled_from(
    [
        ("ExternalQuestion", questions.EXTERNAL, "ExternalURL"),
        ("HTMLQuestion", questions.HTML, "HTMLContent"),
    ]
)
_SPACE = st.one_of(st.just(""), st.text(" \t\n\r\x0c", max_size=2))
_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["https://a.b/c", "<!DOCTYPE html><p>x</p>", " "]),
        st.sampled_from(list("ab<>&;]/\r\x00é\t") + ["&amp;", "&lt;", "&#38;", "]]>"]),
    ),
    max_size=6,
).map("".join)


@st.composite
def _wrappers(draw):
    """Wrapper documents, mostly well-formed, some nearly so."""
    root, namespace, child = draw(_ROOTS)
    if draw(st.integers(0, 9)) == 0:  # now and then, the wrong child or namespace
        child = draw(st.sampled_from(["ExternalURL", "HTMLContent", "FrameHeight"]))
        namespace = draw(st.sampled_from([questions.EXTERNAL, questions.HTML, "x"]))
    content = draw(st.one_of(_TEXT, _TEXT.map(lambda text: f"<![CDATA[{text}]]>")))
    height = draw(st.sampled_from(["600", "0", "-1", " 7", "x"]))
    space = draw(_SPACE)
    return (
        f'{draw(_SPACE)}<{root} xmlns="{namespace}">{space}<{child}>{content}</{child}>'
        f"{space}<FrameHeight>{height}</FrameHeight>{draw(_SPACE)}</{root}>{draw(_SPACE)}"
    )


@settings(max_examples=500, deadline=None)
@given(_wrappers())
@example(external())
@example(html_question("<!DOCTYPE html><p>x</p>"))
def test_plainly_written_wrappers_read_as_the_xml_parser_reads_them(document):
    plain = questions.plain_wrapper(document.lstrip())
    if plain is not None:
        assert plain == _parsed_wrapper(document)


def test_the_usual_wrappers_are_read_without_the_xml_parser():
    assert questions.plain_wrapper(external(url="https://a.b/?x=1&amp;y=2")) == (
        "ExternalQuestion",
        "https://a.b/?x=1&y=2",
        "600",
    )
    assert questions.plain_wrapper(html_question("<!DOCTYPE html><p>x</p>"))[0] == "HTMLQuestion"
