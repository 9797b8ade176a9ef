"""The folder ``pytest-mturk run`` puts first on ``PYTHONPATH``: it holds only
``sitecustomize.py``, which sends botocore's MTurk clients to a pytest-mturk server."""
