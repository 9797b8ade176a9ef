"""The README's table of operations is kept in step with what the simulator answers."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session

from pytest_mturk.ops import OPERATIONS

README = Path(__file__).resolve().parent.parent / "README.md"


def expected_table() -> str:
    model = botocore.session.get_session().get_service_model("mturk")
    rows = ["| Operation | Status |", "|---|---|"]
    for name in sorted(model.operation_names):
        status = "simulated" if name in OPERATIONS else "not yet (answers a loud RequestError)"
        rows.append(f"| {name} | {status} |")
    return "\n".join(rows)


def test_the_api_has_39_operations():
    model = botocore.session.get_session().get_service_model("mturk")
    assert len(model.operation_names) == 39
    assert set(OPERATIONS) <= set(model.operation_names)


def test_readme_table_matches_the_simulator():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- operations -->\n(.*?)\n<!-- /operations -->", text, re.S)
    assert match, "README.md lacks the <!-- operations --> table"
    assert match.group(1) == expected_table(), "regenerate with: python tests/test_readme.py"


def _python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python example under {heading!r}"
    return match.group(1)


def test_the_first_example_runs_as_written(pytester):
    pytester.makepyfile(test_first=_python_block_after("## A first test"))
    pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )


def test_the_review_policy_example_runs_as_written(pytester):
    pytester.makepyfile(plurality=_python_block_after("## Questions, answers and review"))
    result = pytester.runpython(pytester.path / "plurality.py")
    assert result.ret == 0, result.stderr.str()


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    README.write_text(
        re.sub(
            r"<!-- operations -->\n.*?\n<!-- /operations -->",
            lambda _: f"<!-- operations -->\n{expected_table()}\n<!-- /operations -->",
            text,
            flags=re.S,
        ),
        encoding="utf-8",
    )
