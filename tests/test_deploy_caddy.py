"""The guide's proxy for real: Caddy, run from ``docs/deploy/Caddyfile`` as the guide runs
it, in front of a real ``pytest-mturk host`` -- HTTPS with Caddy's own certificates, the
server believing Caddy's ``X-Forwarded-*`` -- and a study through it: an unchanged boto3
script signs its calls to the public name, a participant follows the link, accepts, gets
the HIT's page from the content host and submits, and the requester reads the results.

The one change to the file is where the server listens (the compose file's ``mturk:8080``
becomes this test's port), and a global block that keeps Caddy to this test: its own ports,
storage and certificate authority, no admin endpoint, no change to the system's trust.
Needs the ``caddy`` program (Debian's package); ``PYTEST_MTURK_CADDY=required`` (as CI
sets it) fails rather than skips without it.
"""

from __future__ import annotations

import base64
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.server_helpers import KEY, SECRET, ServerProcess, hosted_server
from tests.test_host_command import QUESTION, SCRIPT, _clean_env

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CADDYFILE = Path(__file__).resolve().parents[1] / "docs" / "deploy" / "Caddyfile"
REQUIRED = os.environ.get("PYTEST_MTURK_CADDY") == "required"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Study:
    public: str  # https://localhost:PORT, through Caddy
    content: str  # https://127.0.0.1:PORT, through Caddy
    ca_file: str  # Caddy's own root certificate
    server: ServerProcess

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def opener(self, jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
        handlers: list[Any] = [
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.context()),
            _NoRedirect(),
        ]
        if jar is not None:
            handlers.append(urllib.request.HTTPCookieProcessor(jar))
        return urllib.request.build_opener(*handlers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes


def _open(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> Answer:
    """The answer to ``request``, read whole and its connection closed (a redirect or an
    error status is an answer too)."""
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as answered:
        response = answered
    with response:
        return Answer(response.status, response.headers, response.read())


def _basic() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()}


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Study]:
    caddy = shutil.which("caddy")
    if caddy is None:
        if REQUIRED:
            pytest.fail("caddy is missing, and PYTEST_MTURK_CADDY=required")
        pytest.skip("caddy is not installed (Debian: apt-get install caddy)")
    site_port, content_port = _free_port(), _free_port()
    public_port, content_public_port, http_port = _free_port(), _free_port(), _free_port()
    public = f"https://localhost:{public_port}"
    content = f"https://127.0.0.1:{content_public_port}"
    server = hosted_server(
        tmp_path,
        "--port", str(site_port),
        "--content-port", str(content_port),
        "--public-url", public,
        "--content-url", content,
        "--trusted-proxy", "127.0.0.1",
    )  # fmt: skip
    storage = tmp_path / "caddy"
    text = CADDYFILE.read_text(encoding="utf-8")
    assert "mturk:8080" in text and "mturk:8081" in text
    text = text.replace("mturk:8080", f"127.0.0.1:{site_port}")
    text = text.replace("mturk:8081", f"127.0.0.1:{content_port}")
    local = (
        "{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n"
        f"\thttp_port {http_port}\n\tstorage file_system {storage}\n}}\n"
    )
    (tmp_path / "Caddyfile").write_text(local + text, encoding="utf-8")
    env = {
        **os.environ,
        "STUDY_HOST": f"localhost:{public_port}",
        "CONTENT_HOST": f"127.0.0.1:{content_public_port}",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    proxy = subprocess.Popen(
        [caddy, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ca_file = storage / "pki" / "authorities" / "local" / "root.crt"
    try:
        found = None
        for _ in range(300):  # until Caddy has made its certificates and answers
            if proxy.poll() is not None:
                break
            if ca_file.exists():
                made = Study(public, content, str(ca_file), server)
                try:
                    with made.opener().open(public + "/healthz", timeout=5) as answer:
                        if answer.status == 200:
                            found = made
                            break
                except (OSError, urllib.error.URLError):
                    pass
            time.sleep(0.1)
        if found is None:
            proxy.kill()
            _, why = proxy.communicate()
            pytest.fail(f"Caddy did not start: {why[-2000:]}")
        yield found
    finally:
        if proxy.poll() is None:
            proxy.terminate()
            try:
                proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()
        if proxy.stderr is not None:
            proxy.stderr.close()
        server.stop()


def _created_hit(study: Study, tmp_path: Path) -> dict[str, Any]:
    """The unchanged boto3 script, signing its calls to the public name, through Caddy."""
    env = _clean_env(
        tmp_path,
        AWS_ENDPOINT_URL_MTURK=study.public + "/production/",
        AWS_ACCESS_KEY_ID=KEY,
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_CA_BUNDLE=study.ca_file,
    )
    (tmp_path / "question.xml").write_text(QUESTION, encoding="utf-8")
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    made: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in made, made
    return made


def test_the_guides_proxy_carries_a_study_from_the_script_to_the_results(
    study: Study, tmp_path: Path
) -> None:
    made = _created_hit(study, tmp_path)
    assert made["endpoint"] == study.public + "/production/"
    requester = study.opener()

    # Caddy's own answers: HTTPS with HSTS, and the control API kept off the internet,
    # even with the server's token.
    with requester.open(study.public + "/healthz", timeout=30) as health:
        assert json.load(health) == {"status": "ok"}
        assert health.headers["Strict-Transport-Security"] == "max-age=31536000"
    blocked = _open(
        requester,
        urllib.request.Request(
            study.public + "/_mturk/snapshot",
            headers={"Authorization": f"Bearer {study.server.token}"},
        ),
    )
    assert blocked.status == 404
    assert b"hits" not in blocked.body

    # The participant link, for a script, through the proxy.
    group_id = _group_of(study, made["made"])
    with requester.open(
        urllib.request.Request(study.public + f"/requester/api/links/{group_id}", headers=_basic())
    ) as answer:
        link = json.load(answer)["url"]
    assert link.startswith(study.public + f"/join/{group_id}?k=")

    # A participant follows it: signed in by a Secure cookie (the proxy said HTTPS).
    jar = http.cookiejar.CookieJar()
    browser = study.opener(jar)
    joined = _open(browser, urllib.request.Request(link + "&PROLIFIC_PID=5f1e0c9a8d7b6a5f4e3d2c1b"))
    assert joined.status == 303, joined.body[:500]
    assert all(cookie.secure for cookie in jar), [c.name for c in jar]
    tasks = study.public + joined.headers["Location"]
    page = _open(browser, urllib.request.Request(tasks)).body.decode()
    token = _found(r'name="csrf_token" value="([^"]*)"', page)
    accepted = _open(
        browser,
        urllib.request.Request(
            tasks.rstrip("/") + "/accept",
            data=urllib.parse.urlencode({"hit_id": made["made"], "csrf_token": token}).encode(),
            headers={"Origin": study.public},
        ),
    )
    assert accepted.status == 303, accepted.body[:500]
    task = _open(browser, urllib.request.Request(study.public + accepted.headers["Location"]))
    frame = _found(r'id="task-frame"[^>]* src="([^"]*)"', task.body.decode())
    # The HIT's page comes from the content host, through the proxy, and sends its form
    # to the public name (the page names MTurk's production address).
    assert frame.startswith(study.content + "/dynamic/hit?")
    content = _open(browser, urllib.request.Request(frame)).body.decode()
    assert f'action="{study.public}/mturk/externalSubmit"' in content
    assignment_id = urllib.parse.parse_qs(urllib.parse.urlsplit(frame).query)["assignmentId"][0]
    submitted = _open(
        browser,
        urllib.request.Request(
            study.public + "/mturk/externalSubmit",
            data=urllib.parse.urlencode({"assignmentId": assignment_id, "rating": "5"}).encode(),
            headers={"Origin": study.content},
        ),
    )
    assert submitted.status == 200, submitted.body[:500]

    # The requester's results, through the proxy, hold that answer.
    with requester.open(
        urllib.request.Request(
            study.public + f"/requester/api/results.csv?groupId={group_id}", headers=_basic()
        )
    ) as answer:
        results = answer.read().decode()
    assert assignment_id in results
    assert '"5"' in results.splitlines()[1]


def _raw_get(study: Study, base: str, path: str, token: str) -> tuple[int, bytes]:
    """A GET of ``path`` exactly as written (no client tidies it), with the token."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPSConnection(
        address.hostname or "", address.port, timeout=30, context=study.context()
    )
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_through_the_proxy_the_control_api_and_its_backup_are_out_of_reach(study: Study) -> None:
    # The backup holds the participants and the links' secret: however its path is
    # spelt, it never comes out through Caddy, even with the token, on either host name.
    for base in (study.public, study.content):
        for path in (
            "/_mturk/backup",
            "/_mturk/snapshot",
            "/_mturk",
            "//_mturk/backup",
            "/_mturk//backup",
            "/%5Fmturk/backup",
            "/%5fmturk/backup",
            "/_MTURK/backup",
            "/./_mturk/backup",
            "/x/../_mturk/backup",
            "/_mturk%2Fbackup",
            "/_mturk/backup?x=1",
            "/_mturk/backup/",
        ):
            status, body = _raw_get(study, base, path, study.server.token)
            assert status != 200, (base, path)
            assert b"secret" not in body and b"pytest-mturk backup" not in body, (base, path)
    # From the machine itself, the server gives it.
    with urllib.request.urlopen(
        urllib.request.Request(
            study.server.url + "_mturk/backup",
            headers={"Authorization": f"Bearer {study.server.token}"},
        ),
        timeout=30,
    ) as direct:
        assert b"pytest-mturk backup" in direct.read()


def _found(pattern: str, page: str) -> str:
    found = re.search(pattern, page)
    assert found is not None, page[:2000]
    return unescape(found.group(1))


def _group_of(study: Study, hit_id: str) -> str:
    """The HIT's group ID, from the HIT as the service API gives it (through the proxy)."""
    import boto3

    client = boto3.client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=study.public + "/production/",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        verify=study.ca_file,
    )
    try:
        group_id: str = client.get_hit(HITId=hit_id)["HIT"]["HITGroupId"]
    finally:
        client.close()  # its kept-alive HTTPS connection, not left to the collector
    return group_id
