"""``pytest-mturk run``: unchanged code that names MTurk's own endpoints, run against a
real ``pytest-mturk host`` process. Each world gets the HITs of the endpoint the code
names; other endpoints are left alone; signatures are still checked; the program's own
``sitecustomize`` still runs; a Python process that never uses botocore never imports it.
The URL mapping itself is checked directly, over many spellings of MTurk's endpoints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_mturk.faces import run as run_command
from pytest_mturk.faces.startup import sitecustomize as site
from tests.server_helpers import KEY, SECRET, ServerProcess, hosted_server

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SERVER = "https://study.example.org"
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY00"

# Unchanged code: each argument is ENDPOINT=TITLE (ENDPOINT "-": none named); it makes a
# HIT titled TITLE with a client of that endpoint and prints what each call gave, as JSON.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import boto3
    from botocore.exceptions import ClientError

    QUESTION = (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        '<ExternalURL>https://experiment.example.org/task</ExternalURL>'
        '<FrameHeight>600</FrameHeight></ExternalQuestion>'
    )
    answers = {}
    for argument in sys.argv[1:]:
        endpoint, title = argument.split("=", 1)
        client = boto3.session.Session().client(
            "mturk",
            region_name=os.environ.get("REGION", "us-east-1"),
            endpoint_url=None if endpoint == "-" else endpoint,
            aws_access_key_id=os.environ["KEY"],
            aws_secret_access_key=os.environ["SECRET"],
        )
        try:
            answers[title] = client.create_hit(
                Title=title, Description="A task", Reward="0.50", MaxAssignments=1,
                LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=QUESTION,
            )["HIT"]["HITId"]
        except ClientError as exc:
            answers[title] = exc.response["Error"]["Code"]
    print(json.dumps(answers))
    """
)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[ServerProcess]:
    with hosted_server(tmp_path) as server:
        yield server


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    """A user's shell: no AWS setting, no server, pytest-mturk importable (from here)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in (site.VARIABLE, "PYTHONPATH")
    }
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-credentials")
    env["KEY"], env["SECRET"] = KEY, SECRET
    env.update(more)
    return env


def _pytest_mturk(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``pytest-mturk ARGS`` as a user runs it (this checkout first on the path of the
    command itself only: the command it runs gets the environment ``env`` gives)."""
    root = str(Path(__file__).resolve().parents[1])
    runner = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
              "from pytest_mturk.faces.cli import main; raise SystemExit(main(sys.argv[1:]))",
              root]  # fmt: skip
    return subprocess.run(
        [*runner, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _run_script(
    tmp_path: Path, server: str, *arguments: str, python: str = sys.executable, **env: str
) -> dict[str, str]:
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    done = _pytest_mturk(
        "run",
        "--server",
        server,
        "--",
        python,
        "script.py",
        *arguments,
        env=_env(tmp_path, **env),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _titles(server: ServerProcess, environment: str) -> dict[str, str]:
    return {hit["Title"]: hit["HITId"] for hit in server.control().hits(environment)}


def _pythons() -> list[str]:
    # The oldest botocore the project supports (1.31): CI names an interpreter that has it.
    oldest = os.environ.get("PYTEST_MTURK_OLDEST_BOTOCORE_PYTHON")
    return [sys.executable, *([oldest] if oldest else [])]


# -- the worlds the code names -----------------------------------------------------------


@pytest.mark.parametrize("python", _pythons())
def test_code_naming_mturk_endpoints_reaches_the_world_it_names(
    hosted: ServerProcess, tmp_path: Path, python: str
) -> None:
    answer = _run_script(
        tmp_path,
        hosted.url,
        f"{site.SANDBOX}=sandbox",
        f"{site.PRODUCTION}=production",
        "HTTPS://MTURK-REQUESTER-SANDBOX.us-east-1.amazonaws.com:443/=sandbox spelled",
        "-=no endpoint",
        python=python,
    )
    assert _titles(hosted, "sandbox") == {
        "sandbox": answer["sandbox"],
        "sandbox spelled": answer["sandbox spelled"],
    }
    assert _titles(hosted, "production") == {
        "production": answer["production"],
        "no endpoint": answer["no endpoint"],
    }


def test_the_sandbox_region_reaches_the_sandbox(hosted: ServerProcess, tmp_path: Path) -> None:
    # botocore's own way to the sandbox without naming its endpoint: the region "sandbox".
    answer = _run_script(tmp_path, hosted.url, "-=by region", REGION="sandbox")
    assert _titles(hosted, "sandbox") == {"by region": answer["by region"]}


def test_other_endpoints_are_left_alone(hosted: ServerProcess, tmp_path: Path) -> None:
    other = ServerProcess()
    try:
        answer = _run_script(
            tmp_path,
            hosted.url,
            f"{other.url}=named",
            "-=by the setting",
            AWS_ENDPOINT_URL_MTURK=other.production_url,
        )
        assert _titles(other, "sandbox") == {"named": answer["named"]}
        assert _titles(other, "production") == {"by the setting": answer["by the setting"]}
        assert hosted.control().hits() == []
    finally:
        other.stop()


def test_a_wrong_secret_is_still_refused(hosted: ServerProcess, tmp_path: Path) -> None:
    answer = _run_script(
        tmp_path, hosted.url, f"{site.SANDBOX}=refused", f"{site.PRODUCTION}=refused too",
        SECRET=WRONG_SECRET,
    )  # fmt: skip
    assert answer == {
        "refused": "InvalidSignatureException",
        "refused too": "InvalidSignatureException",
    }
    assert hosted.control().hits() == []


def test_python_processes_the_command_starts_are_redirected_too(
    hosted: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    parent = (
        "import subprocess, sys; "
        f"subprocess.run([sys.executable, 'script.py', '{site.SANDBOX}=child'], check=True)"
    )
    done = _pytest_mturk(
        "run", "--server", hosted.url, "--", sys.executable, "-c", parent,
        env=_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(_titles(hosted, "sandbox")) == ["child"]


# -- what the command leaves as it was ---------------------------------------------------


def test_the_programs_own_sitecustomize_still_runs(hosted: ServerProcess, tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text(
        "import os\nos.environ['OWN_SITECUSTOMIZE'] = 'ran'\n", encoding="utf-8"
    )
    (tmp_path / "script.py").write_text(
        SCRIPT.replace("print(json.dumps(answers))", "print(json.dumps({**answers, "
                       "'own': os.environ.get('OWN_SITECUSTOMIZE')}))"),
        encoding="utf-8",
    )  # fmt: skip
    done = _pytest_mturk(
        "run", "--server", hosted.url, "--", sys.executable, "script.py", f"{site.SANDBOX}=x",
        env=_env(tmp_path, PYTHONPATH=str(own)), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["own"] == "ran"
    assert list(_titles(hosted, "sandbox")) == ["x"]


def test_a_python_process_that_never_uses_botocore_never_imports_it(tmp_path: Path) -> None:
    probe = (
        "import sys, json; import urllib.request, email, http.client; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('botocore', 'boto3'))))"
    )
    done = _pytest_mturk(
        "run", "--server", SERVER, "--", sys.executable, "-c", probe,
        env=_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_exit_status_is_the_commands_own(tmp_path: Path) -> None:
    done = _pytest_mturk(
        "run", "--server", SERVER, "--", sys.executable, "-c", "raise SystemExit(7)",
        env=_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 7


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--", "true"], {}),
        (["--server", "", "--", "true"], {}),
        (["--server", "ftp://study.example.org", "--", "true"], {}),
        (["--server", "study.example.org", "--", "true"], {}),
        (["--server", "https://study.example.org:port", "--", "true"], {}),
        (["--", "true"], {site.VARIABLE: "not a url"}),
        (["--server", SERVER], {}),
    ],
)
def test_a_missing_or_bad_server_is_refused_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    done = _pytest_mturk("run", *args, env=_env(tmp_path, **env), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("pytest-mturk: ")
    assert done.stdout == ""


def test_the_server_comes_from_the_environment_by_default(tmp_path: Path) -> None:
    done = _pytest_mturk(
        "run", "--", sys.executable, "-c", "import os; print(os.environ['PYTEST_MTURK_SERVER'])",
        env=_env(tmp_path, PYTEST_MTURK_SERVER=SERVER), cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, SERVER)


def test_a_command_that_does_not_exist_is_127(tmp_path: Path) -> None:
    done = _pytest_mturk(
        "run", "--server", SERVER, "--", "no-such-command-here", env=_env(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 127
    assert "no-such-command-here" in done.stderr


# -- the redirection, standalone ---------------------------------------------------------


def test_the_site_folder_holds_only_what_it_must_and_imports_only_the_standard_library() -> None:
    folder = Path(run_command.SITE)
    assert sorted(p.name for p in folder.glob("*.py")) == ["__init__.py", "sitecustomize.py"]
    # In an interpreter with nothing but the standard library on its path.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c",
         "import sys; sys.path.insert(0, sys.argv[1]); import sitecustomize; "
         "print(sorted(m for m in sys.modules if m.split('.')[0] in "
         "('botocore', 'boto3', 'pytest_mturk')))",
         str(folder)],
        capture_output=True, text=True, timeout=60,
        env={"PYTEST_MTURK_SERVER": SERVER},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_site_folder_is_a_package_the_wheel_takes() -> None:
    from setuptools import find_packages

    root = Path(__file__).resolve().parents[1]
    assert "pytest_mturk.faces.startup" in find_packages(str(root), include=["pytest_mturk*"])


@pytest.mark.parametrize(
    ("endpoint", "region", "expected"),
    [
        (None, "us-east-1", f"{SERVER}/production/"),
        (None, None, f"{SERVER}/production/"),
        (None, "sandbox", f"{SERVER}/"),
        (site.SANDBOX, "us-east-1", f"{SERVER}/"),
        (site.PRODUCTION, "us-east-1", f"{SERVER}/production/"),
        ("http://mturk-requester.us-east-1.amazonaws.com:80", None, f"{SERVER}/production/"),
        ("https://mturk-requester.us-east-1.amazonaws.com.", None, f"{SERVER}/production/"),
        ("http://127.0.0.1:8080/", "us-east-1", None),
        ("https://mturk-requester.us-east-1.amazonaws.com:8443", None, None),
        ("https://mturk-requester.us-east-1.amazonaws.com/other/", None, None),
        ("https://mturk-requester-sandbox.us-west-2.amazonaws.com", None, None),
        ("https://user@mturk-requester.us-east-1.amazonaws.com", None, None),
        ("https://mturk-requester.us-east-1.amazonaws.com:x", None, None),
        ("ftp://mturk-requester.us-east-1.amazonaws.com", None, None),
    ],
)
def test_where_each_endpoint_goes(endpoint: str | None, region: str | None, expected: Any) -> None:
    assert site.redirected(endpoint, region, SERVER) == expected


@pytest.mark.parametrize(
    ("server", "urls"),
    [
        ("https://study.example.org", ("https://study.example.org/", "https://study.example.org/production/")),
        ("http://127.0.0.1:8080/", ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/production/")),
        ("HTTPS://lab.example.org/mturk", ("https://lab.example.org/mturk/", "https://lab.example.org/mturk/production/")),
        ("study.example.org", None),
        ("https://", None),
        ("https://study.example.org/?x=1", None),
        ("https://a:b@study.example.org/", None),
        ("https://study.example.org:99999/", None),
    ],
)  # fmt: skip
def test_the_servers_two_endpoints(server: str, urls: Any) -> None:
    assert site.server_urls(server) == urls


def _spellings(world: str) -> st.SearchStrategy[str]:
    host = "mturk-requester-sandbox.us-east-1.amazonaws.com" if world == "sandbox" else (
        "mturk-requester.us-east-1.amazonaws.com"
    )  # fmt: skip
    cased = st.lists(st.booleans(), min_size=len(host), max_size=len(host)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(host, upper, strict=True))
    )
    scheme = st.sampled_from(["https", "http", "HTTPS", "Https"])
    return st.builds(
        lambda scheme, host, dot, slash, space: (
            f"{space}{scheme}://{host}{dot}"
            f"{':443' if scheme.lower() == 'https' and slash == 2 else ''}"
            f"{':80' if scheme.lower() == 'http' and slash == 2 else ''}"
            f"{'/' if slash else ''}{space}"
        ),
        scheme,
        cased,
        st.sampled_from(["", "."]),
        st.integers(0, 2),
        st.sampled_from(["", " "]),
    )


@given(world=st.sampled_from(["sandbox", "production"]), data=st.data())
def test_every_spelling_of_an_mturk_endpoint_reaches_its_world(world: str, data: Any) -> None:
    endpoint = data.draw(_spellings(world))
    assert site.world(endpoint) == world
    root = f"{SERVER}/" if world == "sandbox" else f"{SERVER}/production/"
    assert site.redirected(endpoint, "us-east-1", SERVER) == root
    assert site.rewritten(endpoint.strip().rstrip("/") + "/", SERVER) == root


@given(
    host=st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True),
    port=st.one_of(st.none(), st.integers(1, 65535)),
)
def test_any_other_host_is_left_alone(host: str, port: int | None) -> None:
    endpoint = f"https://{host}{'' if port is None else f':{port}'}/"
    assert site.world(endpoint) is None
    assert site.redirected(endpoint, "us-east-1", SERVER) is None
    assert site.rewritten(endpoint, SERVER) is None


def test_the_before_sign_way_switches_the_host_before_signing(
    hosted: ServerProcess,
) -> None:
    """botocore before 1.28 has no endpoint rules: there the request's URL is switched
    before signing, as its S3 Accelerate does. The same handler on today's botocore,
    alone, reaches the server and its signature verifies."""
    _, before_sign = site._handlers(hosted.url)
    session = botocore.session.Session()
    session.register("before-sign.mturk", before_sign)
    made = []
    for endpoint, title in ((site.SANDBOX, "s"), (None, "p")):
        client = session.create_client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
        )
        made.append(client.get_account_balance()["AvailableBalance"])
        client.create_hit(
            Title=title,
            Description="A task",
            Reward="0.50",
            MaxAssignments=1,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            Question=SCRIPT_QUESTION,
        )
    assert list(_titles(hosted, "sandbox")) == ["s"]
    assert list(_titles(hosted, "production")) == ["p"]


SCRIPT_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://experiment.example.org/task'
    "</ExternalURL><FrameHeight>600</FrameHeight></ExternalQuestion>"
)


def test_async_clients_are_redirected(hosted: ServerProcess, tmp_path: Path) -> None:
    pytest.importorskip("aiobotocore.session")
    (tmp_path / "async_script.py").write_text(
        textwrap.dedent(
            f"""
            import asyncio, os
            from aiobotocore.session import get_session

            async def main():
                async with get_session().create_client(
                    "mturk", region_name="us-east-1", endpoint_url={site.SANDBOX!r},
                    aws_access_key_id=os.environ["KEY"],
                    aws_secret_access_key=os.environ["SECRET"],
                ) as client:
                    await client.create_hit(
                        Title="async", Description="A task", Reward="0.50",
                        MaxAssignments=1, LifetimeInSeconds=3600,
                        AssignmentDurationInSeconds=600, Question={SCRIPT_QUESTION!r},
                    )

            asyncio.run(main())
            """
        ),
        encoding="utf-8",
    )
    done = _pytest_mturk(
        "run", "--server", hosted.url, "--", sys.executable, "async_script.py",
        env=_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(_titles(hosted, "sandbox")) == ["async"]
