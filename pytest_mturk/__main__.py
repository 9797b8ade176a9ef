"""``python -m pytest_mturk serve``: the same as the ``pytest-mturk`` command."""

from __future__ import annotations

import sys

from .faces.cli import main

if __name__ == "__main__":
    sys.exit(main())
