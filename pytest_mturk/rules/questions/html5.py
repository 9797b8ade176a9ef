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
import re

from ...core import catalogue
from ...core.bounded_cache import BoundedCache, text_size
from ...core.errors import ServiceError
from .page_keys import run_key, value_key


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


# Skeletons of pages that parsed cleanly: a batch of HITs from one template
# differs in its items' text and attribute values, so only its first page is parsed.
_clean: BoundedCache[str, None] = BoundedCache(text_size)


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
