"""The credentials handed to a client that finds none of its own while a simulator runs.

Not AWS's documented example pair (``AKIAIOSFODNN7EXAMPLE``): that is the key suites
most often list in ``access_keys`` as the one their configuration holds, so handing it
out would make "no credentials" pass for "valid credentials". This key is well formed
(``AKIA`` and 16 more of ``[A-Z0-9]``, so the simulator's own key check accepts it) and
names itself: nobody has it, and nobody lists it by accident.
"""

from __future__ import annotations

FALLBACK_ACCESS_KEY = "AKIAPYTESTMTURKNOKEY"
FALLBACK_SECRET_KEY = "PYTESTMTURK/fallback/secret/NoSuchKey/00"
FALLBACK_KEYS = (FALLBACK_ACCESS_KEY, FALLBACK_SECRET_KEY)
