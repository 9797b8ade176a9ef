"""The keys a clean HTMLQuestion page is remembered by, and its template.

A page that passed the HTML5 check (:mod:`.html5`) is remembered under keys that keep
whether a page parses, on any text: the page with its text runs replaced
(:func:`run_key`), then with its quoted attribute values shaped too (:func:`value_key`).
Pages of one template (a batch of HITs) share them, so only the first is parsed. The
crowd reads a page's fields once per template (:func:`template`, :func:`mark_runs`).
"""

from __future__ import annotations

import itertools
import re

__all__ = ["RUN_MARK", "VALUE_MARK", "mark_runs", "run_key", "skeleton", "template", "value_key"]


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
