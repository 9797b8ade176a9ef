"""The HTML5 check refuses only what the service refused, in bounded time and words;
HIT layouts are checked as Questions; the question caches stay small."""

from __future__ import annotations

import boto3
import pytest
from conftest import HIT_ARGS, raises_parameter_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mturk.core.bounded_cache import BoundedCache
from pytest_mturk.rules.questions import checks as questions
from pytest_mturk.rules.questions import html5

BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
HTML5_PREFIX = (
    "There was an error parsing the HTML5 data in your request.  Please make sure the data is "
    "well-formed and validates as HTML5. Details: Errors: "
)
XML_PREFIX = (
    "There was an error parsing the XML question or answer data in your request. Please make "
    "sure the data is well-formed and validates against the appropriate schema. Details: "
)
LAYOUT_ARGS = {k: v for k, v in HIT_ARGS.items() if k != "Question"}
DOCTYPE = "<!DOCTYPE html>"


def html_question(content: str) -> str:
    return (
        f'<HTMLQuestion xmlns="{BASE}2011-11-11/HTMLQuestion.xsd">'
        f"<HTMLContent><![CDATA[{content}]]></HTMLContent>"
        "<FrameHeight>600</FrameHeight></HTMLQuestion>"
    )


@pytest.fixture
def client(mturk):
    return boto3.client("mturk", region_name="us-east-1")


def create(client, question: str, **extra) -> dict:
    return client.create_hit(**{**HIT_ARGS, "Question": question, **extra})["HIT"]


def refusal(client, **args) -> str:
    """The message of a ParameterValidationError refusing CreateHIT, without its stamp."""
    base = LAYOUT_ARGS if "HITLayoutId" in args else HIT_ARGS
    with raises_parameter_error(client) as info:
        client.create_hit(**{**base, **args})
    message = info.value.response["Error"]["Message"]
    return message[: message.rindex(" (")]


# -- what the service accepted ---------------------------------------------------------

# The two constructs of Dallinger's compensation HIT (dallinger/mturk.py,
# MTurkQuestions.compensation), created on the sandbox and worked on in production
# for years (Dallinger/Dallinger#2028, #2438): an "</input>" end tag, and a "</p>"
# after the paragraph it would close had already been closed.
COMPENSATION_PAGE = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
    'charset=UTF-8"/><script type="text/javascript" '
    'src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script></head><body>'
    '<form name="mturk_form" method="post" id="mturk_form" '
    'action="https://workersandbox.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" value="" name="assignmentId" id="assignmentId"/>'
    "<h1>Compensation HIT</h1><p>We will compensate you upon submission of this HIT.</p>"
    '<input type="hidden" name="some-input-required" value="anything" ></input>'
    '<input type="submit" id="submitButton" value="Submit" /></p></form>'
    '<script language="Javascript">turkSetAssignmentID();</script></body></html>'
)


def test_dallingers_compensation_hit_is_accepted(mturk, client):
    hit = create(client, html_question(COMPENSATION_PAGE))
    assert hit["HITStatus"] == "Assignable"
    assert mturk.hits[hit["HITId"]].question == html_question(COMPENSATION_PAGE)


@pytest.mark.parametrize(
    "content",
    [
        "<div></span></div>",  # Stray end tag "span".
        "<p>x</p></p>",  # No "p" element in scope but a "p" end tag seen.
        "<div><span>x</div>",  # End tag "div" seen, but there were open elements.
        "<div>" * 50,  # End of file seen and there were open elements.
        "<input name=a name=b>",  # Duplicate attribute "name".
        "<div/>x</div>",  # Self-closing syntax used on a non-void HTML element.
        "<p>1 < 2</p>",  # Bad character " " after "<".
        "<p>x</br></p>",  # End tag "br".
        "<b><i>x</b></i>",  # End tag "b" violates nesting rules.
        "<a href='1'><a href='2'>x</a></a>",  # An "a" start tag seen but ... already open.
        "<p>x</p><!DOCTYPE html>",  # Stray doctype.
        "<p>x<!x></p>",  # Bogus comment.
        "<p>x</></p>",  # Saw "</>".
        "<p>x</p><!-- unclosed",  # End of file inside comment.
        "<p>x</p><div class='x",  # End of file reached when inside an attribute value.
        "<input <b>",  # Saw "<" when expecting an attribute name.
        "<head><noscript><img src='https://example.com/p.gif'></noscript></head><body>x",
        "<head><template><div>x</div></template></head><body>x",
        "<title><body></title><body>x",
        "<frameset><body></frameset>",
    ],
)
def test_parse_errors_the_service_did_not_refuse_are_accepted(client, content):
    hit = create(client, html_question(DOCTYPE + content))
    assert hit["HITStatus"] == "Assignable"


@pytest.mark.parametrize("content", ["", "x", "</p>", "<p>x</p>", "\n  <html><body>x</body>"])
def test_a_page_without_a_doctype_is_accepted(client, content):
    # No "... without seeing a doctype first" refusal: the service created such pages.
    hit = create(client, html_question(content))
    assert hit["HITStatus"] == "Assignable"


# -- what it refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "listed"),
    [
        ("<p>x</p>\n<body>", "<! [2,6] An \u201cbody\u201d start tag seen but "),  # no doctype
        ("<img src='a'alt='b'>", "<! [1,13] No space between attributes. !>"),
        (DOCTYPE + "<div>x</div>\n<body>", "<! [2,6] An \u201cbody\u201d start tag seen but "),
        (DOCTYPE + "text\n<body>", "<! [2,6] An \u201cbody\u201d start tag seen but "),
        (DOCTYPE + "<html><head></head></body><body>", "<! [1,47] An \u201cbody\u201d start"),
        (DOCTYPE + "<body></body></html>\n<body>", "<! [2,6] An \u201cbody\u201d start tag seen"),
        (DOCTYPE + "<img src='a'alt='b'>", "<! [1,28] No space between attributes. !>"),
        (DOCTYPE + '</p class="a"id="b">', "<! [1,29] No space between attributes. !>"),
    ],
)
def test_parse_errors_the_service_refused(mturk, client, content, listed):
    message = refusal(client, Question=html_question(content))
    assert message.startswith(HTML5_PREFIX + listed)
    assert message.endswith(" !> Invalid content: " + content)
    assert mturk.hits == {}
    assert mturk.calls[-1].error.code is None  # no TurkErrorCode, as observed


def test_the_refusal_lists_the_first_ten_errors_then_the_content(mturk, client):
    content = DOCTYPE + "<body>\n" + "<body>\n" * 5_000
    message = refusal(client, Question=html_question(content))
    listed = "".join(
        f"<! [{line},6] An \u201cbody\u201d start tag seen but an element of the same type "
        "was already open. !> "
        for line in range(2, 12)
    )
    assert message == HTML5_PREFIX + listed + "Invalid content: " + content
    assert len(mturk.calls[-1].error.message) < len(content) + 2_000


# -- large pages: results, and work done, in proportion to the page ----------------------

_CLEAN_UNITS = [
    "<div>",
    "</x>",
    "</p>",
    "<p>It's a \"quoted\" word = 'x' ",
    "a " * 50,
    '<a b="c" d=e f>',
    "<!-- c -->",
    "<script>if (a < b) {}</script>",
    "<input/>",
    "< ",
    "\n",
]
_BAD = {
    "<body>": html5._SECOND_BODY,
    "<i a='1'b='2'>": "No space between attributes.",
}


_MARKUP = html5._Scanner.markup


def _counted(monkeypatch):
    """Count the tokens the scanner reads."""
    calls = [0]

    def counting(self, lt):
        calls[0] += 1
        return _MARKUP(self, lt)

    monkeypatch.setattr(html5._Scanner, "markup", counting)
    return calls


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    units=st.lists(st.sampled_from(_CLEAN_UNITS), min_size=1, max_size=4),
    bad=st.sampled_from([None, *_BAD]),
    where=st.floats(0, 1),
)
def test_large_pages_are_checked_in_one_pass(mturk, client, monkeypatch, units, bad, where):
    unit = "".join(units)
    copies = (60_000 - 100) // len(unit)
    body = unit * copies
    if bad is not None:
        cut = round(copies * where) * len(unit)  # between two units
        body = body[:cut] + bad + body[cut:]
    content = DOCTYPE + "<body>" + body
    html5._clean.clear()
    tokens = _counted(monkeypatch)
    if bad is None:
        assert create(client, html_question(content))["HITStatus"] == "Assignable"
    else:
        message = refusal(client, Question=html_question(content))
        assert message.count(" !> ") == 1 and _BAD[bad] in message
    # Each "<" is read once at most: no token is read again, whatever came before.
    assert tokens[0] <= content.count("<")


def test_a_page_of_unclosed_elements_is_one_pass(monkeypatch):
    tokens = _counted(monkeypatch)
    content = DOCTYPE + "<div>" * 13_000
    assert html5.refusal(content) is None
    # The doctype and the first <div> in one match (or one by one); the rest, once the
    # body is open, in one match.
    assert tokens[0] <= 2


# -- HIT layouts: the filled layout is a Question -------------------------------------------

LAYOUT_PAGE = DOCTYPE + "<body><p>Is this a ${animal}?</p><input name='${field}'>"


def test_a_layout_value_cannot_break_out_of_its_cdata_section(mturk, client):
    mturk.register_layout("3LAYOUT", html_question(LAYOUT_PAGE))
    values = [{"Name": "animal", "Value": "cat"}, {"Name": "field", "Value": "]]><evil/>"}]
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert message.startswith(XML_PREFIX)
    values[1]["Value"] = "]]><evil/><![CDATA["  # well-formed, but not an HTMLQuestion
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert message.startswith(
        XML_PREFIX + "cvc-type.3.1.2: Element 'HTMLContent' is a simple type, so it must have "
        "no element information item [children]."
    )
    assert mturk.hits == {}


def test_a_filled_layout_gets_the_html5_check(mturk, client):
    mturk.register_layout("3LAYOUT", html_question(LAYOUT_PAGE))
    values = [{"Name": "animal", "Value": "cat</p><body>"}, {"Name": "field", "Value": "x"}]
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert message.startswith(HTML5_PREFIX + "<! [1,47] An \u201cbody\u201d start tag seen")
    values[0]["Value"] = "cat"
    hit = client.create_hit(**LAYOUT_ARGS, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert "Is this a cat?" in hit["HIT"]["Question"]


def test_a_filled_layout_is_held_to_the_question_size_limit(mturk, client):
    template = html_question(LAYOUT_PAGE)
    mturk.register_layout("3LAYOUT", template)
    fixed = len(template) - len("${animal}${field}")
    values = [{"Name": "animal", "Value": "é" * 1_000_000}, {"Name": "field", "Value": "x"}]
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    size = fixed + 2_000_000 + 1
    assert message == f"The Question is too long ({size} bytes). The maximum size is 65535 bytes."
    # At the limit it passes; one byte more does not.
    values[0]["Value"] = "a" * (65_535 - fixed - 1)
    client.create_hit(**LAYOUT_ARGS, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    values[0]["Value"] += "a"
    refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert len(mturk.hits) == 1


def test_a_value_used_many_times_is_weighed_before_it_is_pasted(mturk, client, monkeypatch):
    mturk.register_layout("3LAYOUT", html_question(DOCTYPE + "${v}" * 10_000))
    built = []
    monkeypatch.setattr(questions, "check_question", built.append)
    values = [{"Name": "v", "Value": "x" * 100_000}]
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert message.startswith("The Question is too long (1000")
    assert built == []  # refused on arithmetic: the 1 GB question was never made


def test_a_lone_surrogate_in_a_layout_value_is_an_invalid_xml_character(mturk, client):
    mturk.register_layout("3LAYOUT", html_question(LAYOUT_PAGE))
    values = [{"Name": "animal", "Value": "\ud800"}, {"Name": "field", "Value": "x"}]
    message = refusal(client, HITLayoutId="3LAYOUT", HITLayoutParameters=values)
    assert "An invalid XML character (Unicode: 0xd800)" in message


# -- caches ----------------------------------------------------------------------------------


def test_question_caches_are_bounded_by_size(client):
    html5._clean.clear()  # what earlier tests left there is not this test's to count
    for index in range(40):  # 40 different pages of about 60 KB, each checked and remembered
        page = DOCTYPE + f"<body><p class='{index}'>" + "<div>" * 12_000
        create(client, html_question(page))
    caches = [html5._clean] + [
        function.cache for function in (questions.check_question, questions.describe)
    ]
    for cache in caches:
        assert cache.total <= cache.budget <= 1 << 20
    assert 0 < len(html5._clean) < 40


def test_bounded_cache_forgets_the_least_recently_used():
    cache: BoundedCache[str, int] = BoundedCache(len, budget=16)
    for value, key in enumerate(["aaaa", "bbbb", "cccc", "dddd"]):
        cache.put(key, value)
    assert cache.get("aaaa") == (True, 0)  # now the most recent
    cache.put("eeee", 4)  # 20 bytes > 16: the least recently used, "bbbb", goes
    assert cache.get("bbbb") == (False, None)
    assert [cache.get(key)[0] for key in ["aaaa", "cccc", "dddd", "eeee"]] == [True] * 4
    assert cache.total == 16
    cache.put("fffff", 5)  # more than a quarter of the budget: not kept at all
    assert (cache.get("fffff"), cache.total, len(cache)) == ((False, None), 16, 4)
