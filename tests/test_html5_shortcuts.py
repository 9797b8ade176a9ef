"""The HTML5 check's shortcuts, held to the scanner reading every page token by token.

A page is refused or let through by what the scanner finds in it (``html5.read`` with its
one-match shortcuts turned off). Before it, ``html5.plainly_clean`` lets through the usual
page after three searches (and a remembered head), and ``html5.refusal`` remembers clean
pages by keys: none of these may change a verdict or a message.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_questions import _HTML_FRAGMENTS

from pytest_mturk.core import catalogue
from pytest_mturk.rules.questions import html5, page_keys

# Pieces of pages as requesters write them, head and body, to mix with the hard fragments.
# fmt: off
_USUAL = st.sampled_from(
    [
        "<!DOCTYPE html>", "<html>", '<html lang="en">', "<head>", "</head>", "\n  ",
        '<meta charset="utf-8">', "<meta name='viewport' content='width=device-width'>",
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>',
        "<script>var a = 1;</script>", "<title>Label</title>", "<style>p { color: red }</style>",
        '<link rel="stylesheet" href="s.css"/>', "<base href='x'>", "<body>", '<body class="b">',
        "<crowd-form>", "</crowd-form>", '<crowd-input name="label" required></crowd-input>',
        "<p>What does item 7 show?</p>", '<img src="https://x/7.png" alt="item 7">',
        "<div class='c'>", "</div>", "</body>", "</html>", ' data-x="1"', "=", '"', "'",
    ]
)
# fmt: on
# What may come before the tag "<body": head elements, and things that open the body.
# fmt: off
_BEFORE_BODY = st.sampled_from(
    [
        "<!DOCTYPE html>", "<!doctype html>", "<html>", "<head>", "</head>", "\n", " ",
        '<meta charset="utf-8">', "<meta a='1'b>", '<script src="x"></script>', "<title>t</title>",
        "<script>a < b</script>", "<style></style>", "<noscript></noscript>", "<!-- c -->",
        "<p>", "x", "</br>", "</html>", "<div>", "<frameset>", "<template></template>",
        "<base>", "<basefont>", "<header>", "<link/>", "<meta a=\"<body>\">", "\ufeff",
    ]
)
# fmt: on
_PIECES = st.one_of(_USUAL, _USUAL, _HTML_FRAGMENTS)
_PAGES = st.one_of(
    st.lists(_PIECES, max_size=30).map("".join),
    st.tuples(
        st.lists(_BEFORE_BODY, max_size=8).map("".join),
        st.sampled_from(["<body>", "<body class='b'>", "<BODY>", "<body", ""]),
        st.lists(_PIECES, max_size=10).map("".join),
    ).map("".join),
)
_HEAD = (
    '<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head>'
)


def _scanned(content: str) -> list[tuple[int, int, str]]:
    """The errors the scanner finds reading ``content`` token by token, no shortcut taken."""
    kept = html5._HEAD_RUN, html5._SETTLED_RUN
    try:
        html5._HEAD_RUN = html5._SETTLED_RUN = re.compile("")
        return html5.read(content)
    finally:
        html5._HEAD_RUN, html5._SETTLED_RUN = kept


def _refused(content: str) -> str | None:
    """The refusal's message as the scanner alone would make it."""
    found = _scanned(content)
    if not found:
        return None
    listed = " ".join(f"<! [{line},{column}] {message} !>" for line, column, message in found)
    return str(catalogue.HTML5_PARSE_ERROR(errors=listed, content=content))


@settings(max_examples=500, deadline=None)
@given(_PAGES)
@example(_HEAD + "<body><p>x</p><body>")  # a second body after a remembered head
@example(_HEAD + "<body><p a='1'b>x</p>")  # no space between attributes
@example(_HEAD + "<body><p>x</p><BODY>")
@example("<head><title>a</title></head><p>x</p><body>")  # text opens the body first
@example('<!DOCTYPE html><meta content="<body>"><body><body>')
@example("<!DOCTYPE html><script><body></script><body>")
@example("<html><head></head>x<body>")
@example("\ufeff<body><body>")
@example("<p><body>")  # the body opened before its tag: that tag is a second body
@example("<html><head></head></br><body>")
@example("<!DOCTYPE html><head><header><body>")
@example('<!DOCTYPE html><body a="1"\tb=\'2\'/><p>="x" y</p>')
def test_pages_plainly_clean_are_clean_and_errors_are_the_scanners(content):
    assert html5.errors(content) == _scanned(content)
    if html5.plainly_clean(content):
        assert _scanned(content) == []


@settings(max_examples=500, deadline=None)
@given(st.lists(_PAGES, min_size=1, max_size=4))
@example([_HEAD + "<body><p>1</p>", _HEAD + "<body><p>2</p><body>"])
@example([_HEAD + "<body><p class='a'>1</p>", _HEAD + "<body><p class='a'b>1</p>"])
@example(['<!DOCTYPE html><a  t=\'> a="">', "<!DOCTYPE html><a  t='> a='2'>"])
@example(["<p>x</p><body>", "<p>x</p><body>"])  # a head that opens the body, twice
@example(['<!DOCTYPE html><a b="c d">', '<!DOCTYPE html><a b="c d"e>'])
def test_refusals_are_the_scanners_whatever_was_checked_before(pages):
    # The caches (clean pages' keys, plain heads) are filled by the pages before: what
    # they remember must never let a page through that the scanner refuses, nor change
    # a message.
    for content in pages:
        refusal = html5.refusal(content)
        assert (None if refusal is None else str(refusal)) == _refused(content)


@given(_PAGES, _PAGES)
def test_a_page_with_a_remembered_head_is_read_as_any_other(head, body):
    # Heads are remembered by their text up to "<body": any page that begins with one
    # has the scanner's verdict.
    first = head + "<body>"
    html5.errors(first)
    page = head + "<body>" + body
    assert html5.errors(page) == _scanned(page)


def test_the_value_key_is_shared_by_pages_whose_values_differ():
    # A page of a known template whose attribute values differ (a URL, a name) is found
    # by its value key.
    page = _HEAD + '<body><img src="https://x/{n}.png" alt="item {n}"><a href=\'/{n}\'>x</a>'
    keys = {page_keys.value_key(page_keys.run_key(page.format(n=n))) for n in (1, 22, "x7")}
    assert len(keys) == 1


@settings(max_examples=200, deadline=None)
@given(_PAGES, st.integers(1, 80))
def test_the_value_key_of_a_page_of_many_values_keeps_whether_it_parses(content, copies):
    # A page with many "=" has its one-word values shaped first, then the others.
    page = content + '<i a="1" b=\'2\' c="d e">' * copies
    key = page_keys.value_key(page_keys.run_key(page))
    assert bool(_scanned(key)) == bool(_scanned(page))
