"""Griffe extension: the docstrings' Sphinx roles, shown as code in the API reference.

The package's docstrings name other objects as ``:class:`Simulator``` or
``:meth:`~pytest_mturk.Simulator.stop```, as Sphinx writes them; the reference (Markdown)
shows ``Simulator`` and ``stop`` as code instead of the role's raw text.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|exc|mod|obj|const):`~?([^`]+)`")


def _plain(match: re.Match[str]) -> str:
    name = match.group(1)
    if match.group(0).split("`", 1)[1].startswith("~"):
        name = name.rsplit(".", 1)[-1]
    return f"`{name}`"


class SphinxRoles(griffe.Extension):
    """Rewrite every docstring's roles when its object is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_plain, obj.docstring.value)
