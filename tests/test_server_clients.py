"""Real clients in other languages and processes against the server: the AWS CLI and the
Node SDK's ``@aws-sdk/client-mturk``.

Where a tool is missing these skip, unless ``PYTEST_MTURK_CLIENTS=required`` (set by
``.ci/run``, which installs both) makes a missing tool a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXTERNAL_QUESTION, HIT_ARGS
from server_helpers import ServerProcess, client

from pytest_mturk import Simulator
from pytest_mturk.faces.threaded import ThreadServer

NODE_DIR = Path(__file__).parent / "node"
REQUIRED = os.environ.get("PYTEST_MTURK_CLIENTS") == "required"
WORKER = "A1B2C3D4E5F6G7"
# A guard against a hung client, not a timing.
GUARD = 120


def need(tool: str | None, what: str) -> str:
    if tool is None:
        if REQUIRED:
            pytest.fail(f"{what} is missing, and PYTEST_MTURK_CLIENTS=required")
        pytest.skip(f"{what} is not installed")
    return tool


@pytest.fixture
def server():
    with ThreadServer(Simulator(seed=9), shared=False) as running:
        yield running


@pytest.fixture
def aws(tmp_path):
    """Run the AWS CLI, with example keys and nothing from the machine's own set-up."""
    command = need(os.environ.get("PYTEST_MTURK_AWS") or shutil.which("aws"), "The AWS CLI")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(
        *args: str, check: bool = True, output: str = "json", secret: str = "secret"
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [command, "mturk", *args, "--output", output],
            env={**env, "AWS_SECRET_ACCESS_KEY": secret},
            capture_output=True,
            text=True,
            timeout=GUARD,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"aws mturk {' '.join(args)} failed: {done.stderr}")
        return done

    return run


def test_the_aws_cli_creates_reads_and_approves(server, aws, tmp_path):
    question = tmp_path / "question.xml"
    question.write_text(EXTERNAL_QUESTION)
    url = ["--endpoint-url", server.endpoint_url]
    created = aws(
        "create-hit", *url, "--title", "Label an image", "--description", "Say what it shows",
        "--reward", "0.50", "--lifetime-in-seconds", "3600",
        "--assignment-duration-in-seconds", "600", "--max-assignments", "1",
        "--question", f"file://{question}",
    )  # fmt: skip
    hit_id = json.loads(created.stdout)["HIT"]["HITId"]
    read = json.loads(aws("get-hit", *url, "--hit-id", hit_id).stdout)
    assert read["HIT"]["Title"] == "Label an image"
    assignment_id = server.control.accept(WORKER, hit_id)
    server.control.submit(WORKER, assignment_id)
    aws("approve-assignment", *url, "--assignment-id", assignment_id)
    assert server.simulator.assignments[assignment_id].status.value == "Approved"
    missing = aws("get-hit", *url, "--hit-id", "3" * 30, check=False)
    assert missing.returncode != 0 and "RequestError" in missing.stderr
    # The sandbox's stamp, as the CLI showed it (longouyang/nosub#11).
    stamp = round(server.simulator.now.timestamp() * 1000)
    assert missing.stderr.strip().endswith(f"Hit {'3' * 30} does not exist. ({stamp} s)")
    production = ["--endpoint-url", server.production_endpoint_url]
    balance = json.loads(aws("get-account-balance", *production).stdout)
    assert balance["AvailableBalance"] == "10000.00"
    assert [c.environment.value for c in server.simulator.calls][-1] == "production"


def test_the_aws_cli_pages_through_every_hit_and_stops(server, aws):
    made = client(server.endpoint_url)
    titles = [f"HIT {n}" for n in range(5)]
    for title in titles:
        made.create_hit(**{**HIT_ARGS, "Title": title})
    url = ["--endpoint-url", server.endpoint_url]
    # The CLI follows NextToken until a page comes without one (the last, empty page).
    paged = json.loads(aws("list-hits", *url, "--page-size", "2").stdout)
    assert [hit["Title"] for hit in paged["HITs"]] == titles
    assert "NextToken" not in paged
    text = aws("list-hits", *url, "--page-size", "2", "--query", "HITs[].Title", output="text")
    assert text.stdout.split() == [word for title in titles for word in title.split()]


def node_sdk() -> str:
    node = need(shutil.which("node"), "Node.js")
    need(
        str(NODE_DIR)
        if (NODE_DIR / "node_modules" / "@aws-sdk" / "client-mturk").is_dir()
        else None,
        "@aws-sdk/client-mturk (npm ci in tests/node)",
    )
    return node


def test_the_node_sdk_creates_reads_and_approves(server):
    node = node_sdk()
    done = subprocess.run(
        [
            node,
            str(NODE_DIR / "hit_flow.mjs"),
            server.url,
            server.endpoint_url,
            server.control_token,
        ],
        capture_output=True,
        text=True,
        timeout=GUARD,
        cwd=NODE_DIR,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["title"] == "Label an image"
    assert seen["statuses"] == ["Approved"]
    assert seen["missing"] == {"name": "RequestError", "status": 400}
    assert seen["balance"] == "10000.00"
    hit = server.simulator.hits[seen["hitId"]]
    assert seen["creationTime"] == hit.creation_time.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
    assert server.simulator.assignments[seen["assignmentId"]].status.value == "Approved"


# -- a server that verifies signatures (--credentials) -------------------------------------

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@pytest.fixture(scope="module")
def verifying(tmp_path_factory):
    """``pytest-mturk serve --credentials FILE``, FILE knowing the example key's secret; the
    simulation set in 2020, so that a signing clock taken from the simulation would fail."""
    path = tmp_path_factory.mktemp("aws") / "credentials"
    path.write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n"
    )
    with ServerProcess("--credentials", str(path), "--start", "2020-01-01T00:00:00Z") as running:
        yield running


def test_the_aws_cli_is_let_in_with_the_right_secret_only(verifying, aws):
    url = ["--endpoint-url", verifying.url]
    before = len(verifying.control().calls())
    balance = json.loads(aws("get-account-balance", *url).stdout)
    assert balance["AvailableBalance"] == "10000.00"
    wrong = aws("get-account-balance", *url, check=False, secret="not-the-secret")
    assert wrong.returncode != 0
    assert "(InvalidSignatureException)" in wrong.stderr and MISMATCH in wrong.stderr
    # The refused call never reached the service: only the right one is recorded.
    assert len(verifying.control().calls()) == before + 1


def test_the_node_sdk_is_let_in_with_the_right_secret_only(verifying):
    node = node_sdk()

    def call(key: str, secret: str) -> dict:
        done = subprocess.run(
            [node, str(NODE_DIR / "signed_call.mjs"), verifying.url, key, secret],
            capture_output=True,
            text=True,
            timeout=GUARD,
            cwd=NODE_DIR,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    # Twice with one client: the SDK sets its clock from the first answer's Date, the
    # wall clock's (a Date in 2020 would make the second signature expired).
    assert call("AKIAIOSFODNN7EXAMPLE", "secret") == {"balance": "10000.00"}
    assert call("AKIAIOSFODNN7EXAMPLE", "wrong") == {
        "name": "InvalidSignatureException",
        "status": 400,
        "message": MISMATCH,
    }
    assert call("AKIAUNKNOWNKEY000000", "secret") == {
        "name": "UnrecognizedClientException",
        "status": 400,
        "message": "The security token included in the request is invalid.",
    }
