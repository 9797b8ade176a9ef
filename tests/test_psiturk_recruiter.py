"""psiTurk's own command line, unchanged, against ``pytest-mturk host`` through
``pytest-mturk run``: psiTurk names MTurk's sandbox endpoint itself
(``psiturk/amt_services.py``), so only ``run`` can send it to the server.

A psiTurk project made by ``psiturk-setup-example``, its keys in ``~/.psiturkconfig``,
in the sandbox mode psiTurk starts in: ``psiturk hit create`` posts the HIT; a
participant arrives by the group's link, accepts and submits; ``psiturk worker list``
sees the submission, ``psiturk worker approve`` approves it, ``psiturk hit list`` lists
the HIT and ``psiturk hit expire`` ends it -- each checked through boto3 and the
requester's results CSV.

psiTurk lives in a virtualenv of its own, without pytest-mturk: ``PYTEST_MTURK_PSITURK``
names that virtualenv's ``python`` (``.ci/run`` makes one and sets it). Unset, this
skips; set, psiTurk is required, and a path without it fails (``=required`` too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import requests

from tests.server_helpers import KEY, SECRET, ServerProcess, client

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PYTHON = os.environ.get("PYTEST_MTURK_PSITURK")
AD_URL = "https://experiment.example.org/pub"
CONFIG = f"""\
[HIT Configuration]
title = Stroop task
description = Judge the color of a series of words.
keywords = Perception, Psychology
ad_url = {AD_URL}
"""


@pytest.fixture
def psiturk() -> Path:
    """The folder of psiTurk's commands (beside ``PYTEST_MTURK_PSITURK``)."""
    if not PYTHON:
        pytest.skip(
            "psiTurk is not given: set PYTEST_MTURK_PSITURK to the python of a virtualenv "
            "with psiturk 3.3.1 installed"
        )
    if not (Path(PYTHON).parent / "psiturk").is_file():
        pytest.fail(f"PYTEST_MTURK_PSITURK={PYTHON!r} is not a virtualenv's python with psiturk")
    return Path(PYTHON).parent


@pytest.fixture
def project(tmp_path: Path, psiturk: Path) -> Path:
    """psiTurk's example project, configured as its documentation says, with the
    requester's keys in the global ``.psiturkconfig``."""
    subprocess.run(
        [str(psiturk / "psiturk-setup-example")],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    folder = tmp_path / "psiturk-example"
    (folder / "config.txt").write_text(CONFIG, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".psiturkconfig").write_text(
        f"[AWS Access]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
        encoding="utf-8",
    )
    return folder


def _psiturk(server: ServerProcess, project: Path, psiturk: Path, *command: str) -> str:
    """What ``pytest-mturk run --server URL -- psiturk COMMAND``, from the project's folder,
    in a user's environment: no AWS setting, no pytest-mturk on psiTurk's path."""
    home = project.parent / "home"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PSITURK_")) and k not in ("PYTHONPATH", "PYTEST_MTURK_SERVER")
    }
    env.update(
        HOME=str(home),
        PSITURK_GLOBAL_CONFIG_LOCATION=str(home),
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
    )
    root = str(Path(__file__).resolve().parents[1])
    runner = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
              "from pytest_mturk.faces.cli import main; raise SystemExit(main(sys.argv[1:]))",
              root]  # fmt: skip
    done = subprocess.run(
        [*runner, "run", "--server", server.url, "--", str(psiturk / "psiturk"), *command],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # psiTurk's colours, as readline's markers around them, taken out.
    return re.sub("[\x01\x02]|\x1b\\[[0-9;]*m", "", done.stdout)


def _csrf(page: str) -> dict[str, str]:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    return {"csrf_token": unescape(found.group(1))} if found else {}


def test_psiturk_runs_a_pilot_on_the_hosted_server_unchanged(
    tmp_path: Path, project: Path, psiturk: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
        encoding="utf-8",
    )
    server = ServerProcess(
        "--state", str(tmp_path / "study.json"), "--credentials", str(credentials), command="host"
    )
    try:
        _the_pilot(server, project, psiturk)
    finally:
        server.stop()


def _the_pilot(server: ServerProcess, project: Path, psiturk: Path) -> None:
    # psiTurk posts the HIT: 2 participants, $1.50, half an hour.
    created = _psiturk(server, project, psiturk, "hit", "create", "2", "1.50", "0.5")
    assert "Created sandbox HIT" in created, created
    hit_id = re.search(r"HITid: (\w+)", created).group(1)  # type: ignore[union-attr]

    # It is the server's, in the sandbox world, as psiTurk made it.
    mturk = client(server.url)
    hit = mturk.get_hit(HITId=hit_id)["HIT"]
    assert (hit["Title"], hit["Reward"], hit["MaxAssignments"]) == ("Stroop task", "1.50", 2)
    assert hit["AssignmentDurationInSeconds"] == 1800
    assert "<ExternalQuestion" in hit["Question"]
    assert f"<ExternalURL>{AD_URL}?mode=sandbox</ExternalURL>" in hit["Question"]
    assert [h["HITId"] for h in server.control().hits("sandbox")] == [hit_id]
    assert server.control().hits("production") == []

    # A participant arrives by the group's link, accepts, and the experiment submits.
    group = hit["HITGroupId"]
    api = requests.Session()
    api.auth = (KEY, SECRET)
    link = api.get(f"{server.url}requester/api/links/{group}").json()["url"]
    participant = requests.Session()
    arrived = participant.get(link + "&participant=P-0001")
    assert arrived.status_code == 200, arrived.text
    accepted = participant.post(
        f"{server.url}projects/{group}/tasks/accept",
        data={"hit_id": hit_id, **_csrf(arrived.text)},
        allow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    assignment_id = re.search(r"assignment_id=(\w+)", accepted.headers["Location"]).group(1)  # type: ignore[union-attr]
    (held,) = server.control().assignments("sandbox")
    worker_id = held["WorkerId"]
    # psiTurk's thanks-mturksubmit.html form: assignmentId, hitId and workerId.
    submitted = participant.post(
        f"{server.url}mturk/externalSubmit",
        data={"assignmentId": assignment_id, "hitId": hit_id, "workerId": worker_id},
    )
    assert submitted.status_code == 200

    # psiTurk sees the submission (from MTurk: the local database knows no participant,
    # as the experiment server did not run here).
    listed = _psiturk(
        server, project, psiturk, "worker", "list", "--submitted", "--hit", hit_id, "--all-studies"
    )
    workers = json.loads(listed[listed.index("[") :])
    assert [(w["assignmentId"], w["workerId"], w["status"]) for w in workers] == [
        (assignment_id, worker_id, "Submitted")
    ]

    # ... approves it,
    _psiturk(
        server, project, psiturk, "worker", "approve", "--hit", hit_id, "--all-studies", "--force"
    )
    assignment = mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert assignment["AssignmentStatus"] == "Approved"
    results = list(
        csv.DictReader(
            io.StringIO(
                api.get(f"{server.url}requester/api/results.csv?groupId={group}&world=sandbox").text
            )
        )
    )
    assert [(r["AssignmentId"], r["WorkerId"], r["AssignmentStatus"]) for r in results] == [
        (assignment_id, worker_id, "Approved")
    ]

    # ... lists the HIT (of this project: psiTurk's database keeps the HITs it made),
    # one of two done,
    hits = _psiturk(server, project, psiturk, "hit", "list")
    assert f"HITid: {hit_id}" in hits
    assert "max:2/pending:0/complete:1/remain:1" in hits, hits

    # ... and ends it.
    _psiturk(server, project, psiturk, "hit", "expire", hit_id)
    ended = mturk.get_hit(HITId=hit_id)["HIT"]
    assert ended["Expiration"] <= dt.datetime.now(dt.timezone.utc)
    assert ended["HITStatus"] in ("Reviewable", "Unassignable")
    assert server.control().hits("production") == []
