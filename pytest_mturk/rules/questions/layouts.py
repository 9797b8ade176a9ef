"""HIT layouts: ``${name}`` placeholders filled by HITLayoutParameters (spec §5.3).

The question a layout makes is checked as a Question sent whole would be, with
the same refusals: a parameter value must not turn the layout into another
document (``]]>`` ending its CDATA section), nor make a question the service
would refuse for its size, its XML or its HTML.
"""

from __future__ import annotations

import re

from ...core import catalogue
from . import checks

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def render(template: str, values: dict[str, str]) -> str:
    """The checked Question ``template`` makes with ``values`` (name to value).

    The size is worked out before the values are pasted in, so that large values
    (or one value in many places) never build a huge string only to refuse it.
    """
    pieces = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    texts, names = pieces[0::2], pieces[1::2]
    missing = [name for name in names if name not in values]
    if missing:
        raise catalogue.LAYOUT_VALUES_MISSING(names=", ".join(dict.fromkeys(missing)))
    sizes = {name: _utf8_size(values[name]) for name in set(names)}
    size = sum(map(_utf8_size, texts)) + sum(sizes[name] for name in names)
    if size > checks.MAX_BYTES:
        raise checks.too_long("Question", size)
    question = "".join(
        piece if index % 2 == 0 else values[piece] for index, piece in enumerate(pieces)
    )
    checks.check_question(question)
    return question
