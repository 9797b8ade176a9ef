"""MkDocs hook: a page's links to the repository's files outside ``docs/`` point at GitHub.

The pages link to ``../examples/crowd`` or ``../../tests/test_browser_pages.py`` so that they
work where they are read on GitHub; the site has no such files, so there the links go to the
same file in the repository (``repo_url``). Links to files that do not exist are left alone,
for MkDocs to report (and ``tests/test_docs.py`` too).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
LINK = re.compile(r"(\]\()([^)\s#?]+)([^)]*\))")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    here = (docs / page.file.src_path).parent
    base = config["repo_url"].rstrip("/")

    def repoint(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("/"):
            return match.group(0)
        resolved = (here / target).resolve()
        if resolved.is_relative_to(docs) or not resolved.is_relative_to(root):
            return match.group(0)
        if not resolved.exists():
            return match.group(0)
        kind = "tree" if resolved.is_dir() else "blob"
        url = f"{base}/{kind}/main/{resolved.relative_to(root).as_posix()}"
        return match.group(1) + url + match.group(3)

    pieces = []
    last = 0
    for fence in FENCE.finditer(markdown):
        pieces.append(LINK.sub(repoint, markdown[last : fence.start()]))
        pieces.append(fence.group(0))
        last = fence.end()
    pieces.append(LINK.sub(repoint, markdown[last:]))
    return "".join(pieces)
