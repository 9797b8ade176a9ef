"""Qualifications: the requirements a HIT sets (``requirements.py``), who holds which
qualification (``grants.py``), qualification tests and answer keys
(``qualification_tests.py``), and MTurk's own system types (``system_qualifications.py``)."""
