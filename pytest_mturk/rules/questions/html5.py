"""The HTML5 parse errors the service refuses an HTMLQuestion for (spec §3, §6.3).

MTurk ran ``HTMLContent`` through an HTML5 parser (the validator.nu parser,
judging by its messages) and refused some pages with that parser's errors. It
did not refuse every parse error: Dallinger's compensation HIT, with a stray
``</input>`` and a ``</p>`` closing no paragraph, was created and worked on for
years (Dallinger/Dallinger#2028, #2438), and pages without a doctype were
created too (webis-de/mturk-manager#49; dschultz0/larry's sandbox tests send a
bare ``<script>`` and ``<crowd-form>``). So this module reports only the errors
the public record shows the service refusing (see docs/fidelity.md):

* a second ``body`` start tag, explicit or after content that opened the body
  (tylin/coco-ui#4);
* a quoted attribute value followed directly by another attribute (coco-ui#4).

Every other parse error (no doctype, stray or misnested end tags, elements left
open, duplicate attributes, stray ``<``, ...) is accepted, as a browser would
render the page. The scan moves forward only, so its cost is linear in the page.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re

from ...core import catalogue
from ...core.bounded_cache import BoundedCache, text_size
from ...core.errors import ServiceError


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPACE = "\t\n\f\r "  # the HTML whitespace characters (Unicode spaces are text)
# Elements whose content is text up to their end tag: no tag inside them counts.
# noscript is among them as for a parser with scripting on, which reads fewer
# errors into a page than one with scripting off; template content never opens the body.
RAW_TEXT = _names("script style xmp iframe noembed noframes noscript textarea title template")
# Start tags that, before the body, go into the head instead of opening the body.
HEAD_CONTENT = _names(
    "html head base basefont bgsound link meta noframes script style template title noscript"
)
# End tags that open the body when none is open yet.
BODY_OPENING_END_TAGS = _names("body html br")
ERROR_LIMIT = 10  # errors listed in a refusal (see docs/fidelity.md)

_SECOND_BODY = (
    "An \u201cbody\u201d start tag seen but an element of the same type was already open."
)
_NO_SPACE = "No space between attributes."
_NON_SPACE = re.compile(r"[^\t\n\f\r ]")
_SPACES = re.compile(r"[\t\n\f\r ]*")
_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
_ATTRIBUTE_NAME = re.compile(r"[^\t\n\f\r />=]*")
_UNQUOTED_VALUE = re.compile(r"[^\t\n\f\r >]*")
# The attributes of a tag written the usual way, up to its ">": no error can hide in them.
_PLAIN_ATTRIBUTES = re.compile(
    r"""(?:[\t\n\f\r ]+[^\t\n\f\r /<>"'=]+"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"[^"]*"|'[^']*'|[^\t\n\f\r "'=<>`]+))?)*[\t\n\f\r ]*/?>"""
)
_COMMENT_END = re.compile(r"--!?>")
# Once the body is open, only a "<body" start tag, a tag
# that is not written the usual way, or a raw-text element can hold an error:
# this skips everything else (text, ordinary tags and comments) in one match.
_SETTLED_RUN = re.compile(
    r"""(?:[^<]+"""
    r"""|<(?!(?i:body|script|style|xmp|iframe|noembed|noframes|noscript|textarea|title"""
    r"""|template|plaintext)[\t\n\f\r />])[A-Za-z][^\t\n\f\r />]*"""
    + _PLAIN_ATTRIBUTES.pattern
    + r"""|</[A-Za-z][^\t\n\f\r />]*[\t\n\f\r ]*>"""
    r"""|<!--(?!-?>).*?--!?>)*""",
    re.DOTALL,
)
# The usual start of a page: the doctype if there is one (after spaces and comments),
# the head's ordinary content (html, head and head elements written the usual way,
# raw-text ones with their end tag ahead, spaces, comments), then perhaps the tag that
# opens the body (an ordinary start tag of any other element, body included). Nothing
# in it can hold an error; after it the body is open if that last tag was there.
# A comment's or a raw-text element's content is written so that it cannot run past its
# first end (a lazy ".*?" could, when a later part of the match failed and the engine
# looked for a longer one).
_HEAD_RUN = re.compile(
    r"""\ufeff?(?:[\t\n\f\r ]+|<!--(?!-?>)(?:(?!--!?>).)*--!?>)*(?:<!(?i:doctype)[^>]*>)?"""
    r"""(?:[\t\n\f\r ]+"""
    r"""|<!--(?!-?>)(?:(?!--!?>).)*--!?>"""
    r"""|<(?i:html|head|meta|link|base|basefont|bgsound)(?=[\t\n\f\r />])"""
    + _PLAIN_ATTRIBUTES.pattern
    + r"""|<((?i:script|style|title|noscript|noframes))(?=[\t\n\f\r />])"""
    + _PLAIN_ATTRIBUTES.pattern
    + r"""(?:(?!</(?i:\1)[\t\n\f\r />]).)*"""
    r"""|</(?i:head|script|style|title|noscript|noframes)[\t\n\f\r ]*>"""
    r""")*"""
    r"""(?P<body><(?!(?i:frameset|plaintext|template|html|head|base|basefont|bgsound|link|meta"""
    r"""|script|style|xmp|iframe|noembed|noframes|noscript|textarea|title)[\t\n\f\r />])"""
    r"""[A-Za-z][^\t\n\f\r />]*""" + _PLAIN_ATTRIBUTES.pattern + r""")?""",
    re.DOTALL,
)
_TEMPLATE_TAG = re.compile(r"<(/?)template[\t\n\f\r />]", re.IGNORECASE)
# The pattern ending each raw-text element's content, by element name.
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in RAW_TEXT}


def q(name: str) -> str:
    """A name in the parser's curly quotes."""
    return f"\u201c{name}\u201d"


class _Enough(Exception):
    """Raised once the errors a refusal lists have all been found."""


class _Scanner:
    """One forward pass over a page: the tokens that matter, and the few errors refused."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[tuple[int, str]] = []
        self.body = False  # whether a body element is open (explicitly or implied)
        self.frameset = False  # a frameset document has no body to open twice

    def error(self, offset: int, message: str) -> None:
        self.errors.append((offset, message))
        if len(self.errors) >= ERROR_LIMIT:
            raise _Enough

    def run(self, head: re.Match[str] | None, settled: int = -1) -> None:
        """Scan the page, whose match of ``_HEAD_RUN`` is ``head``; with the body open
        after it, ``settled`` is where ``_SETTLED_RUN`` from there stopped, if known."""
        text, end = self.text, len(self.text)
        i = 1 if text.startswith("\ufeff") else 0  # a byte-order mark is not content
        if head is not None and head.end() > i:
            self.body = head.group("body") is not None
            i = head.end()
            if self.body and settled >= i:
                i = settled  # what the first pass of the loop below would find
        while i < end:
            if self.body or self.frameset:
                i = _SETTLED_RUN.match(text, i).end()  # type: ignore[union-attr]
                if i >= end:
                    break
            lt = text.find("<", i)
            stop = end if lt < 0 else lt
            if stop > i:
                self.characters(i, stop)
            if lt < 0:
                break
            i = self.markup(lt)

    def characters(self, start: int, stop: int) -> None:
        """Text from ``start`` to ``stop``: matters only until the body is settled,
        which text other than spaces opens."""
        if self.body or self.frameset:
            return
        if _NON_SPACE.search(self.text, start, stop) is not None:
            self.body = True

    def markup(self, lt: int) -> int:
        """Read the token at ``lt`` (a "<"); return the offset after it."""
        text = self.text
        after = text[lt + 1 : lt + 2]
        if after.isascii() and after.isalpha():
            return self.tag(lt, lt + 1, closing=False)
        if after == "/":
            letter = text[lt + 2 : lt + 3]
            if letter.isascii() and letter.isalpha():
                return self.tag(lt, lt + 2, closing=True)
            if letter == ">":
                return lt + 3  # "</>" is dropped
            return self.bogus_comment(lt)
        if after == "!":
            if text.startswith("<!--", lt):
                if text.startswith(">", lt + 4):
                    return lt + 5
                if text.startswith("->", lt + 4):
                    return lt + 6
                close = _COMMENT_END.search(text, lt + 4)
                return len(text) if close is None else close.end()
            return self.bogus_comment(lt)  # a doctype too: it ends at its ">"
        if after == "?":
            return self.bogus_comment(lt)
        self.characters(lt, lt + 1)  # a "<" that starts no token is text
        return lt + 1

    def bogus_comment(self, lt: int) -> int:
        close = self.text.find(">", lt + 1)
        return len(self.text) if close < 0 else close + 1

    def tag(self, lt: int, name_start: int, closing: bool) -> int:
        text = self.text
        name_end = _TAG_NAME.match(text, name_start)
        assert name_end is not None
        name = text[name_start : name_end.end()].lower()
        plain = _PLAIN_ATTRIBUTES.match(text, name_end.end())
        gt = plain.end() - 1 if plain is not None else self.attributes(name_end.end())
        if gt < 0:
            return len(text)  # the file ends inside the tag, which is dropped
        if closing:
            if name in BODY_OPENING_END_TAGS and not self.frameset:
                self.body = True
            return gt + 1
        if name == "body":
            if self.body and not self.frameset:
                self.error(gt, _SECOND_BODY)
            self.body = True
        elif name == "frameset" and not self.body:
            self.frameset = True
        elif name not in HEAD_CONTENT and not self.frameset:
            self.body = True
        if name == "plaintext":
            return len(text)  # everything after it is text
        if name == "template":
            return self.skip_template(gt + 1)
        if name in RAW_TEXT:
            match = _RAW_TEXT_END[name].search(text, gt + 1)
            return len(text) if match is None else match.start()
        return gt + 1

    def skip_template(self, start: int) -> int:
        """The offset of the end tag closing a template whose content begins at ``start``."""
        depth = 1
        for match in _TEMPLATE_TAG.finditer(self.text, start):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                return match.start()
        return len(self.text)

    def attributes(self, i: int) -> int:
        """Scan a tag's attributes from ``i``, as the tokenizer does: the offset of its ">",
        or -1 if the file ends first."""
        text, end = self.text, len(self.text)
        while True:
            i = _SPACES.match(text, i).end()  # type: ignore[union-attr]
            if i >= end:
                return -1
            if text[i] == ">":
                return i
            if text[i] == "/":
                i += 1
                continue
            # An attribute name; its first character may be anything, even "=".
            i = _ATTRIBUTE_NAME.match(text, i + 1).end()  # type: ignore[union-attr]
            i = _SPACES.match(text, i).end()  # type: ignore[union-attr]
            if i >= end:
                return -1
            if text[i] != "=":
                continue
            i = _SPACES.match(text, i + 1).end()  # type: ignore[union-attr]
            if i >= end:
                return -1
            quote = text[i]
            if quote == '"' or quote == "'":
                close = text.find(quote, i + 1)
                if close < 0:
                    return -1
                i = close + 1
                if i < end and text[i] not in _SPACE and text[i] not in "/>":
                    self.error(i, _NO_SPACE)
            elif quote != ">":
                i = _UNQUOTED_VALUE.match(text, i).end()  # type: ignore[union-attr]


# What a refused error needs, found without reading the page token by token: a
# "No space between attributes" needs a quoted value right after "=" (and spaces) with
# something other than a space, "/" or ">" straight after it; a second body needs a
# "<body" start tag. A page with neither has no error, and nor has a page whose only
# "<body" tag follows a head written the usual way (_PLAIN_HEAD), which leaves the body
# unopened. Each search starts with one literal character, which the regular-expression
# engine finds without trying a match at every offset.
_NO_SPACE_HINT = re.compile(r"""=[\t\n\f\r ]*(?:"[^"]*"|'[^']*')[^\t\n\f\r />]""")
_BODY_HINT = re.compile(r"<(?i:body)[\t\n\f\r />]")
# A doctype, then spaces and head elements written the usual way: html, head, meta,
# link and base tags, and script, style and title elements whose text holds no "<".
_PLAIN_HEAD = re.compile(
    r"(?:<!(?i:doctype)[^<>]*>)?(?:[\t\n\f\r ]+"
    r"|<(?:html|head|meta|link|base|/head){attributes}"
    r"|<script{attributes}[^<]*</script>"
    r"|<style{attributes}[^<]*</style>"
    r"|<title{attributes}[^<]*</title>)*".replace("{attributes}", _PLAIN_ATTRIBUTES.pattern)
)


# Heads (everything before the tag "<body") that _PLAIN_HEAD read to their end: a
# requester's pages share theirs, whatever their body. Every token of such a head ends in
# it, where the scanner's forward searches find the same ends on any page beginning with
# it, so the body is unopened after it on every such page.
_plain_heads: BoundedCache[str, None] = BoundedCache(text_size, budget=1 << 16)


def plainly_clean(content: str) -> bool:
    """Whether ``content`` is known to have no refused error without reading it token by
    token (see ``_NO_SPACE_HINT``); False says only that the scanner must read it."""
    if _NO_SPACE_HINT.search(content) is not None:
        return False
    body = content.find("<body")
    if body > 0 and _plain_heads.get(content[:body])[0]:
        head = body
    else:
        head = _PLAIN_HEAD.match(content).end()  # type: ignore[union-attr]
        if head == body > 0:
            _plain_heads.put(content[:head], None)
    if content.startswith("<body", head):
        head += 5  # the body opened by its own tag, as the head leaves it unopened
    return _BODY_HINT.search(content, head) is None


def errors(content: str) -> list[tuple[int, int, str]]:
    """The refused parse errors in ``content``, at most :data:`ERROR_LIMIT` of them:
    (line, column, message), both 1-based, in order."""
    if plainly_clean(content):
        return []
    return read(content)


def read(content: str) -> list[tuple[int, int, str]]:
    """:func:`errors`, found by reading ``content`` token by token (with the shortcuts
    of ``_HEAD_RUN`` and ``_SETTLED_RUN``) whatever the page."""
    # The usual page: its start opens the body (see _HEAD_RUN), and the rest is settled
    # content with nothing to refuse in it (_SETTLED_RUN) up to its end. The scanner
    # would find the same in these two matches.
    head = _HEAD_RUN.match(content)
    settled = -1
    if head is not None and head.end() > 0 and head.group("body") is not None:
        settled = _SETTLED_RUN.match(content, head.end()).end()  # type: ignore[union-attr]
        if settled == len(content):
            return []
    scanner = _Scanner(content)
    with contextlib.suppress(_Enough):
        scanner.run(head, settled)
    if not scanner.errors:
        return []
    out = []
    starts = [0] + [m.end() for m in re.finditer("\n", content)]
    for offset, message in scanner.errors:
        line = bisect.bisect_right(starts, offset)
        out.append((line, offset - starts[line - 1] + 1, message))
    return out


# What the checks above never look into. A run of text between tags without
# quotes can only be text, a comment's, a raw-text element's or a quoted
# attribute value's content: it cannot hold a "<", a ">" or a quote, so it can
# neither end nor begin a token, and what is in it matters only for whether it
# is all spaces. A quoted value after a space, a name and "=" is usually a value
# (or such content), but its first quote may also close a value begun earlier
# (`t='> a='2'`), and then what follows is read as attributes: words, spaces, "/"
# and "=". So a value keeps its quotes and those characters, and each run of
# other characters becomes one "x", which the tokenizer reads the same way in
# every place the value could be. The checks find errors in a page if and only if
# they find them in the page with every such run and value replaced. (The
# lookahead makes the run's one non-space character cost no backtracking.)
_TEXT_RUN = re.compile(r""">(?=[^<>"']*?[^\t\n\f\r <>"'])[^<>"']*(?=<)""")  # with its ">", kept
_QUOTED_VALUE = re.compile(
    r"""([\t\n\f\r ][^\t\n\f\r /<>"'=]+[\t\n\f\r ]*=[\t\n\f\r ]*)(["'])"""
    r"""(?:[^\t\n\f\r /="'<>]+|([^"'<>]*))\2"""  # one word (a class name, an ID), or any other
)
_VALUE_WORDS = re.compile(r"[^\t\n\f\r /=]+")
# Skeletons of pages that parsed cleanly: a batch of HITs from one template
# differs in its items' text and attribute values, so only its first page is parsed.
_clean: BoundedCache[str, None] = BoundedCache(text_size)


def skeleton(content: str) -> str:
    """``content`` with its text runs and quoted attribute values replaced (see above)."""
    return _TEXT_RUN.sub(">x", _QUOTED_VALUE.sub(_value_shape, content))


def run_key(content: str) -> str:
    """``content`` with its text runs replaced: what a clean page is remembered by first.

    Replacing the runs keeps whether a page parses, on any text, and so does replacing
    the quoted attribute values (:func:`value_key`): a key of either kind found among
    those of clean pages means a clean page, whatever page it was made from. This one
    is cheaper (one substitution, without a call per match), and pages of a batch often
    differ in their text alone."""
    return _TEXT_RUN.sub(">x", content)


def value_key(runs: str) -> str:
    """A :func:`run_key` with its quoted attribute values replaced as well: the key
    shared by pages of one template whose attribute values differ too."""
    if runs.count("=") <= 64:
        return _KEYED_VALUE.sub(_key_shape, runs)
    # Many values: one word each, the usual value, is shaped without a call to Python.
    for pattern, shape in _ONE_WORD_VALUES:
        runs = pattern.sub(shape, runs)
    return _WORDS_VALUE.sub(_words_shape, runs)


# The value key shapes quoted runs after "=", as the skeleton shapes a value: quotes,
# spaces, "/" and "=" kept, each run of other characters one "x". What is inside the
# quotes holds no quote, "<" or ">", so it can neither begin nor end a token; whatever
# the tokenizer reads it as (a value, text, a comment's or raw text's content, part of
# an attribute's or a tag's name, which the "=" before it keeps from ever being one the
# checks look for), it reads the shape the same way. So each replacement keeps whether
# a page parses, whichever runs are replaced. One word right after "=" (a class, an ID,
# the usual value) becomes "x" in a substitution without a call to Python; then runs of
# more words (a URL) are shaped; a page of few values has them all shaped in one
# substitution, a call to Python each. Each pattern begins with the "=", a literal the engine
# finds quickly, where the skeleton's begins with the space before the attribute's name
# and is tried at every space.
_ONE_WORD_VALUES = (
    (re.compile(r'="[^\t\n\f\r /="\'<>]+"'), '="x"'),
    (re.compile(r"""='[^\t\n\f\r /="'<>]+'"""), "='x'"),
)
_KEYED_VALUE = re.compile(r"""=([\t\n\f\r ]*)(["'])(?:[^\t\n\f\r /="'<>]+|([^"'<>]*))\2""")
_ONE_WORD = {'"': '="x"', "'": "='x'"}
_WORDS_VALUE = re.compile(r"""=([\t\n\f\r ]*)(["'])([^"'<>]*[\t\n\f\r /=][^"'<>]*)\2""")
# The shapes of values of more than one word: pages repeat theirs (a script's URL).
_shapes: dict[str, str] = {}


def _key_shape(match: re.Match[str]) -> str:
    spaces, quote, words = match.groups()
    if words is None:  # one word
        return _ONE_WORD[quote] if not spaces else f"={spaces}{quote}x{quote}"
    shape = _shapes.get(words)
    if shape is None:
        return _words_shape(match)
    return f"={spaces}{quote}{shape}{quote}"


def _words_shape(match: re.Match[str]) -> str:
    spaces, quote, words = match.groups()
    shape = _shapes.get(words)
    if shape is None:
        shape = _VALUE_WORDS.sub("x", words)
        if len(words) <= 256:  # a bounded memory: 4,096 short values at most
            if len(_shapes) >= 4096:
                _shapes.clear()
            _shapes[words] = shape
    return f"={spaces}{quote}{shape}{quote}"


def _value_shape(match: re.Match[str]) -> str:
    before, quote, other = match.groups()
    if other is None:  # one word, the usual case
        return before + quote + "x" + quote
    return before + quote + _VALUE_WORDS.sub("x", other) + quote


VALUE_MARK = "\x01"  # marks a value in a page's template; no XML document holds it
RUN_MARK = "\x02"  # marks a text run in one, likewise


def template(content: str) -> tuple[str, list[str]] | None:
    """``content``'s template and its values: the skeleton with each quoted attribute
    value it replaces marked rather than shaped (``VALUE_MARK``, its number, ``":"``, its
    shape, ``VALUE_MARK``), and those values as written, in order. Pages made from one
    template (the same markup; other text and values) have the same template. None for a
    page that holds a mark itself."""
    if VALUE_MARK in content or RUN_MARK in content:
        return None
    values: list[str] = []
    append = values.append

    def value(match: re.Match[str]) -> str:
        before, quote, other = match.groups()
        append(match.string[match.end(2) : match.end() - 1])
        shape = "x" if other is None else _VALUE_WORDS.sub("x", other)
        return f"{before}{quote}{VALUE_MARK}{len(values) - 1}:{shape}{VALUE_MARK}{quote}"

    return _TEXT_RUN.sub(">x", _QUOTED_VALUE.sub(value, content)), values


def mark_runs(template: str) -> str:
    """A :func:`template` with each text run marked as well (``RUN_MARK``, its number,
    ``RUN_MARK``): where text that differs from page to page is."""
    count = itertools.count()
    return _TEXT_RUN.sub(lambda _: f">{RUN_MARK}{next(count)}{RUN_MARK}", template)


def refusal(content: str) -> ServiceError | None:
    """The service's ParameterValidationError for ``content``, or None if it passes.

    The message lists the first :data:`ERROR_LIMIT` errors and then the content,
    as the service's did.
    """
    runs = run_key(content)
    if _clean.get(runs)[0]:
        return None  # a page of a known template that differs from it in text alone
    key = value_key(runs)
    if key != runs and _clean.get(key)[0]:
        return None  # its text and attribute values differ
    found = errors(content)
    if not found:
        _clean.put(key, None)
        if key != runs:
            _clean.put(runs, None)
        return None
    listed = " ".join(f"<! [{line},{column}] {message} !>" for line, column, message in found)
    return catalogue.HTML5_PARSE_ERROR(errors=listed, content=content)
