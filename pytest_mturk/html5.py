"""The HTML5 parse errors the service refuses an HTMLQuestion for (spec §3, §6.3).

MTurk runs ``HTMLContent`` through an HTML5 parser (the validator.nu parser,
judging by its messages) and refuses the HIT when the parser reports errors.
This module finds the parse errors that matter in practice — a missing
doctype, broken attributes, stray or misnested end tags, elements left open —
and words them as that parser does. It is deliberately conservative: where
the HTML5 tree-building rules are subtle it stays silent rather than refuse a
page the service would take.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


VOID = _names(
    "area base br col embed hr img input link meta param source track wbr "
    "basefont bgsound frame keygen"
)
# Content is text up to the matching end tag.
RAW_TEXT = _names("script style xmp iframe noembed noframes textarea title")
# End tags the parser supplies itself: leaving these open is not an error.
OPTIONAL_END = _names(
    "html head body p li dt dd option optgroup rb rt rp rtc tr td th thead tbody tfoot "
    "caption colgroup"
)
# Start tags that close an open <p>.
CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
    "summary table ul listing xmp plaintext"
)
FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
SCOPE_BOUNDARY = _names("html table td th caption button marquee object applet template")
_IMPLIED_CLOSERS = {
    "li": ("li", frozenset({"ul", "ol"})),
    "dt": ("dt dd", frozenset({"dl"})),
    "dd": ("dt dd", frozenset({"dl"})),
    "tr": ("tr td th", frozenset({"table", "thead", "tbody", "tfoot"})),
    "td": ("td th", frozenset({"tr", "table"})),
    "th": ("td th", frozenset({"tr", "table"})),
    "thead": ("tr td th thead tbody tfoot", frozenset({"table"})),
    "tbody": ("tr td th thead tbody tfoot", frozenset({"table"})),
    "tfoot": ("tr td th thead tbody tfoot", frozenset({"table"})),
    "option": ("option", frozenset({"select", "datalist", "optgroup"})),
    "optgroup": ("option optgroup", frozenset({"select"})),
}
_NAME = re.compile(r"[A-Za-z][^\s/>]*")
# The attributes of a tag written the usual way: the fast path; anything else is scanned.
_PLAIN_ATTRIBUTES = re.compile(
    r"""((?:\s+[^\s/>"'=<]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(/?)>"""
)
_ATTRIBUTE_NAME = re.compile(r"""\s+([^\s/>"'=<]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_DOCTYPE_EXPECTED = "Expected \u201c<!DOCTYPE html>\u201d."
# The pattern ending each raw-text element's content, by element name.
_RAW_TEXT_END: dict[str, re.Pattern[str]] = {}


def _unique_names(attributes: str) -> bool:
    """Whether no attribute name in ``attributes`` (plain syntax) is repeated."""
    if not attributes:
        return True
    names = _ATTRIBUTE_NAME.findall(attributes)
    return len({name.lower() for name in names}) == len(names)


def q(name: str) -> str:
    """A name in the parser's curly quotes."""
    return f"\u201c{name}\u201d"


@dataclass
class _Parser:
    text: str
    errors: list[tuple[int, str]] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)
    doctype: bool = False
    foreign: int = 0  # depth inside <svg>/<math>, where XML-ish rules apply

    def error(self, offset: int, message: str) -> None:
        self.errors.append((offset, message))

    def need_doctype(self, offset: int, what: str) -> None:
        if not self.doctype:
            self.doctype = True  # the parser complains once, then carries on
            self.error(offset, f"{what} without seeing a doctype first. {_DOCTYPE_EXPECTED}")

    # -- tokens --------------------------------------------------------------------

    def run(self) -> None:
        text, i, end = self.text, 0, len(self.text)
        while i < end:
            lt = text.find("<", i)
            stop = end if lt < 0 else lt
            # Text matters only while the doctype is still awaited.
            if not self.doctype and text[i:stop].strip():
                self.need_doctype(
                    i + len(text[i:stop]) - len(text[i:stop].lstrip()), "Non-space characters found"
                )
            if lt < 0:
                break
            i = self.markup(lt)
        if not self.doctype:
            self.error(
                max(end - 1, 0),
                f"End of file seen without seeing a doctype first. {_DOCTYPE_EXPECTED}",
            )
        if any(name not in OPTIONAL_END for name in self.stack):
            self.error(max(end - 1, 0), "End of file seen and there were open elements.")

    def markup(self, lt: int) -> int:
        text = self.text
        after = text[lt + 1 : lt + 2]
        if after.isalpha() and after.isascii():
            # The usual token, a start tag; _NAME matches from here.
            name = _NAME.match(text, lt + 1)
            assert name is not None
            return self.start_tag(lt, name.group().lower(), name.end())
        if text.startswith("<!--", lt):
            close = text.find("-->", lt + 4)
            if close < 0:
                self.error(len(text) - 1, "End of file inside comment.")
                return len(text)
            return close + 3
        if text.startswith("<!", lt):
            close = text.find(">", lt)
            close = len(text) - 1 if close < 0 else close
            if text[lt + 2 : lt + 9].lower() == "doctype":
                if self.doctype or self.stack:
                    self.error(close, "Stray doctype.")
                self.doctype = True
            else:
                self.error(close, "Bogus comment.")
            return close + 1
        if text.startswith("</", lt):
            return self.end_tag(lt)
        name = _NAME.match(text, lt + 1)
        if name is None:
            bad = text[lt + 1 : lt + 2] or " "
            self.error(
                lt + 1 if lt + 1 < len(text) else lt,
                f"Bad character {q(bad)} after \u201c<\u201d. Probable cause: Unescaped "
                "\u201c<\u201d. Try escaping it as \u201c&lt;\u201d.",
            )
            return lt + 1
        return self.start_tag(lt, name.group().lower(), name.end())

    def attributes(self, i: int) -> tuple[int, bool, int] | None:
        """Scan attributes from ``i``: (offset of ">", self-closing, next offset) or None at EOF."""
        text, end = self.text, len(self.text)
        seen: set[str] = set()
        while True:
            while i < end and text[i].isspace():
                i += 1
            if i >= end:
                self.error(
                    end - 1, "Saw end of file without the previous tag ending with \u201c>\u201d."
                )
                return None
            if text[i] == ">":
                return i, False, i + 1
            if text.startswith("/>", i):
                return i + 1, True, i + 2
            if text[i] == "/":
                i += 1
                continue
            if text[i] == "<":
                self.error(
                    i,
                    "Saw \u201c<\u201d when expecting an attribute name. Probable "
                    "cause: Missing \u201c>\u201d immediately before.",
                )
            start = i
            i += 1
            while i < end and not text[i].isspace() and text[i] not in "/>=":
                i += 1
            attribute = text[start:i].lower()
            if attribute in seen:
                self.error(i - 1, f"Duplicate attribute {q(attribute)}.")
            seen.add(attribute)
            j = i
            while j < end and text[j].isspace():
                j += 1
            if j >= end or text[j] != "=":
                continue
            j += 1
            while j < end and text[j].isspace():
                j += 1
            if j < end and text[j] in "\"'":
                close = text.find(text[j], j + 1)
                if close < 0:
                    self.error(
                        end - 1, "End of file reached when inside an attribute value. Ignoring tag."
                    )
                    return None
                i = close + 1
                if i < end and not text[i].isspace() and text[i] not in "/>":
                    self.error(i, "No space between attributes.")
            else:
                i = j
                while i < end and not text[i].isspace() and text[i] != ">":
                    i += 1

    # -- tree ----------------------------------------------------------------------

    def start_tag(self, lt: int, name: str, after: int) -> int:
        plain = _PLAIN_ATTRIBUTES.match(self.text, after)
        if plain is not None and _unique_names(plain.group(1)):
            gt, self_closing, next_offset = plain.end() - 1, plain.group(2) == "/", plain.end()
        else:
            scanned = self.attributes(after)
            if scanned is None:
                return len(self.text)
            gt, self_closing, next_offset = scanned
        if not self.doctype:
            self.need_doctype(gt, "Start tag seen")
        if self.foreign:
            if not self_closing:
                self.stack.append(name)
                self.foreign += name in ("svg", "math")
            return next_offset
        if name in ("svg", "math"):
            if not self_closing:
                self.stack.append(name)
                self.foreign = 1
            return next_offset
        if name in ("html", "head") and name in self.stack:
            return next_offset
        if name in ("body", "a") and name in self.stack:
            self.error(
                gt, f"An {q(name)} start tag seen but an element of the same type was already open."
            )
            if name == "body":
                return next_offset
            self.pop_to("a")
        if name in CLOSES_P and self.in_scope("p"):
            self.pop_to("p")
        closer = _IMPLIED_CLOSERS.get(name)
        if closer is not None:
            self.close_implied(closer[0].split(), closer[1])
        if name in VOID:
            return next_offset
        if self_closing:
            self.error(
                gt,
                "Self-closing syntax (\u201c/>\u201d) used on a non-void HTML element. "
                "Ignoring the slash and treating as a start tag.",
            )
        self.stack.append(name)
        if name in RAW_TEXT:
            return self.skip_raw_text(name, next_offset)
        return next_offset

    def skip_raw_text(self, name: str, start: int) -> int:
        end_tag = _RAW_TEXT_END.get(name)
        if end_tag is None:
            end_tag = _RAW_TEXT_END[name] = re.compile(rf"</{name}[\s/>]", re.IGNORECASE)
        match = end_tag.search(self.text, start)
        return len(self.text) if match is None else match.start()

    def end_tag(self, lt: int) -> int:
        text = self.text
        name_match = _NAME.match(text, lt + 2)
        if name_match is None:
            close = text.find(">", lt)
            if text.startswith("</>", lt):
                self.error(
                    lt + 2,
                    "Saw \u201c</>\u201d. Probable causes: Unescaped \u201c<\u201d "
                    "(escape as \u201c&lt;\u201d) or mistyped end tag.",
                )
            else:
                self.error(lt + 2 if close < 0 else close, "Bogus comment.")
            return len(text) if close < 0 else close + 1
        name = name_match.group().lower()
        close = text.find(">", name_match.end())
        gt = len(text) - 1 if close < 0 else close
        if not self.doctype:
            self.need_doctype(gt, "End tag seen")
        stack = self.stack
        if stack and stack[-1] == name and not self.foreign and name != "body" and name != "html":
            stack.pop()  # the usual case: the innermost open element ends
            return gt + 1
        if self.foreign:
            if name in self.stack:
                self.pop_to(name)
                self.foreign = sum(n in ("svg", "math") for n in self.stack)
            return gt + 1
        if name in VOID:
            self.error(gt, f"End tag {q(name)}." if name == "br" else f"Stray end tag {q(name)}.")
        elif name == "p" and not self.in_scope("p"):
            self.error(gt, f"No {q('p')} element in scope but a {q('p')} end tag seen.")
        elif name in ("body", "html"):
            pass  # open elements are reported at the end of the file
        elif name not in self.stack:
            self.error(gt, f"Stray end tag {q(name)}.")
        else:
            above = self.stack[len(self.stack) - 1 - self.stack[::-1].index(name) + 1 :]
            if any(element not in OPTIONAL_END for element in above):
                if name in FORMATTING:
                    self.error(gt, f"End tag {q(name)} violates nesting rules.")
                    index = len(self.stack) - 1 - self.stack[::-1].index(name)
                    del self.stack[index]
                    return gt + 1
                self.error(gt, f"End tag {q(name)} seen, but there were open elements.")
            self.pop_to(name)
        return gt + 1

    def in_scope(self, name: str) -> bool:
        for element in reversed(self.stack):
            if element == name:
                return True
            if element in SCOPE_BOUNDARY:
                return False
        return False

    def pop_to(self, name: str) -> None:
        while self.stack:
            if self.stack.pop() == name:
                return

    def close_implied(self, names: list[str], boundary: frozenset[str]) -> None:
        for depth, element in enumerate(reversed(self.stack)):
            if element in names:
                del self.stack[len(self.stack) - 1 - depth :]
                return
            if element in boundary or element in SCOPE_BOUNDARY:
                return


def errors(content: str) -> list[tuple[int, int, str]]:
    """The parse errors in ``content``: (line, column, message), both 1-based, in order."""
    parser = _Parser(content)
    parser.run()
    if not parser.errors:
        return []
    starts = [0] + [m.end() for m in re.finditer("\n", content)]
    out = []
    for offset, message in sorted(parser.errors, key=lambda item: item[0]):
        line = bisect.bisect_right(starts, offset)
        out.append((line, offset - starts[line - 1] + 1, message))
    return out


# What the checks above never look into. A run of text between tags without
# quotes can only be text, a comment's, a raw-text element's or a quoted
# attribute value's content; a quoted value after a space, a name and "=" can
# only be a value or such content. Neither can hold a "<", a ">" or a quote, so
# neither can end or begin a token: the checks find errors in a page if and only
# if they find them in the page with every such run and value replaced.
_TEXT_RUN = re.compile(r""">[^<>"']*[^\s<>"'][^<>"']*(?=<)""")  # with its ">", kept
_QUOTED_VALUE = re.compile(r"""(\s[^\s/>"'=<]+\s*=\s*)(?:"[^"'<>]*"|'[^"'<>]*')""")
# Skeletons of pages that parsed cleanly: a batch of HITs from one template
# differs in its items' text and attribute values, so only its first page is parsed.
_clean: dict[str, None] = {}
_CLEAN_LIMIT = 4096


def skeleton(content: str) -> str:
    """``content`` with its text runs and quoted attribute values replaced (see above)."""
    return _TEXT_RUN.sub(">x", _QUOTED_VALUE.sub(_empty_value, content))


def _empty_value(match: re.Match[str]) -> str:
    # A function, not r'\1""': Python before 3.12 expands templates in Python code.
    return match.group(1) + '""'


def refusal(content: str) -> str | None:
    """The service's ParameterValidationError text for ``content``, or None if it parses."""
    key = skeleton(content)
    if key in _clean:
        return None
    found = errors(content)
    if not found:
        if len(_clean) >= _CLEAN_LIMIT:
            _clean.clear()
        _clean[key] = None
        return None
    listed = " ".join(f"<! [{line},{column}] {message} !>" for line, column, message in found)
    return (
        "There was an error parsing the HTML5 data in your request.  Please make sure the data "
        f"is well-formed and validates as HTML5. Details: Errors: {listed} Invalid content: "
        f"{content}"
    )
