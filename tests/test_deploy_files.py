"""The files that run a hosted study (``docs/deploy/``), checked as far as this machine can
without Docker or systemd running: the compose file parsed as YAML and held to what the
server needs, the TOML files read by ``pytest-mturk host`` itself, the Dockerfile's
instructions, and the systemd unit verified by ``systemd-analyze`` where it is installed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_mturk.faces import cli, host

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy"
UNIT = DEPLOY / "pytest-mturk-host.service"


def _options(*argv: str) -> Any:
    return host.resolve(cli._parser().parse_args(["host", *argv]))


def _compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def test_the_compose_files_host_toml_is_one_the_server_takes() -> None:
    options = _options("--config", str(DEPLOY / "host.toml"))
    assert options.state.startswith("/data/")
    assert options.public_url.startswith("https://")
    assert options.content_url.startswith("https://")
    assert host._origin("--public-url", options.public_url) != host._origin(
        "--content-url", options.content_url
    )


def test_the_compose_file_puts_caddy_alone_in_front_of_the_server() -> None:
    compose = _compose()
    options = _options("--config", str(DEPLOY / "host.toml"))
    mturk, caddy = compose["services"]["mturk"], compose["services"]["caddy"]
    # Only Caddy is published; the server is reached on the study network.
    assert "ports" not in mturk
    assert {port.split(":")[0] for port in caddy["ports"]} == {"80", "443"}
    # The proxy the server trusts is Caddy's fixed address there.
    assert caddy["networks"]["study"]["ipv4_address"] == options.trusted_proxy
    # The server reads the mounted host.toml; its state is on the volume.
    assert mturk["command"][-1] == "/etc/pytest-mturk/host.toml"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in mturk["volumes"]}
    assert mounts["/etc/pytest-mturk/host.toml"] == "./host.toml"
    assert mounts[options.credentials] == "./credentials"
    assert Path(options.state).parent == Path("/data")
    assert mounts["/data"] == "study-state"
    # Caddy proxies to the server's two listeners.
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert f"reverse_proxy mturk:{options.port}" in caddyfile
    assert f"reverse_proxy mturk:{options.content_port}" in caddyfile


def test_the_dockerfile_runs_host_as_a_user_of_its_own() -> None:
    instructions = []
    for line in (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            instructions.append((word, rest))
    known = {"FROM", "RUN", "WORKDIR", "COPY", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "CMD"}
    assert {word for word, _ in instructions} <= known
    assert instructions[0][0] == "FROM"
    assert ("USER", "study") in instructions
    cmd = json.loads(dict(instructions)["CMD"])
    assert cmd == _compose()["services"]["mturk"]["command"]
    assert 'pip install --no-cache-dir ".[server]"' in dict(instructions)["RUN"]


def _unit_command() -> list[str]:
    for line in UNIT.read_text().splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.partition("=")[2])
    raise AssertionError("no ExecStart")


def test_the_systemd_units_command_is_one_the_server_takes(tmp_path: Path) -> None:
    command = _unit_command()
    assert command[:2] == ["/opt/pytest-mturk/venv/bin/pytest-mturk", "host"]
    argv = [
        part.replace("/etc/pytest-mturk/host.toml", str(DEPLOY / "host-systemd.toml"))
        .replace("%S", "/var/lib")
        .replace("%d", "/run/credentials/pytest-mturk-host.service")
        for part in command[2:]
    ]
    options = _options(*argv)
    assert options.state == "/var/lib/pytest-mturk/study.json"
    assert options.trusted_proxy == "127.0.0.1"
    assert options.host == "127.0.0.1"


def test_the_systemd_unit_is_hardened() -> None:
    settings = {}
    for line in UNIT.read_text().splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            settings.setdefault(key, value)
    assert settings["DynamicUser"] == "yes"
    assert settings["StateDirectory"] == "pytest-mturk"
    assert settings["ProtectSystem"] == "strict"
    assert settings["NoNewPrivileges"] == "yes"
    assert settings["CapabilityBoundingSet"] == ""


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # Its files are the machine's to make: here they stand in for them.
    unit = UNIT.read_text()
    unit = unit.replace(
        "/opt/pytest-mturk/venv/bin/pytest-mturk",
        str(Path(sys.executable).parent / "pytest-mturk"),
    )
    env = tmp_path / "token.env"
    env.write_text("PYTEST_MTURK_CONTROL_TOKEN=x\n")
    unit = unit.replace("/etc/pytest-mturk/token.env", str(env))
    unit = unit.replace("credentials:/etc/pytest-mturk/credentials", f"credentials:{env}")
    copy = tmp_path / "pytest-mturk-host.service"
    copy.write_text(unit)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    # Warnings (an unknown key, a value it cannot parse) are printed, not failed on.
    complaints = [line for line in done.stderr.splitlines() if str(copy) in line]
    assert done.returncode == 0 and complaints == [], done.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _raw_get(port: int, path: str, host_name: str, token: str) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host_name)
        connection.putheader("Authorization", f"Bearer {token}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy absent")
def test_through_the_guides_caddy_the_control_api_and_its_backup_are_out_of_reach(
    tmp_path: Path,
) -> None:
    import time

    from tests.server_helpers import CONTROL_TOKEN, KEY, SECRET, ServerProcess

    proxy_port, content_port = _free_port(), _free_port()
    study, content = f"study.test:{proxy_port}", f"content.test:{proxy_port}"
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
    )
    server = ServerProcess(
        "--state",
        str(tmp_path / "study.json"),
        "--credentials",
        str(credentials),
        "--public-url",
        f"http://{study}",
        "--content-url",
        f"http://{content}",
        "--trusted-proxy",
        "127.0.0.1",
        "--content-port",
        str(content_port),
        command="host",
    )
    server_port = int(server.url.rstrip("/").rpartition(":")[2])
    # The guide's Caddyfile, with this machine's addresses and plain HTTP.
    text = (DEPLOY / "Caddyfile").read_text()
    text = text.replace("{$STUDY_HOST}", f"http://{study}").replace(
        "{$CONTENT_HOST}", f"http://{content}"
    )
    text = text.replace("mturk:8080", f"127.0.0.1:{server_port}").replace(
        "mturk:8081", f"127.0.0.1:{content_port}"
    )
    config = tmp_path / "Caddyfile"
    config.write_text("{\n\tadmin off\n\tauto_https off\n}\n" + text)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        for _ in range(300):  # a guard against a hang, not a timing
            try:
                if _raw_get(proxy_port, "/healthz", study, "")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # Through the proxy, the public name reaches the server (and passes its Host check).
        assert _raw_get(proxy_port, "/healthz", study, "") == (200, b'{"status": "ok"}')
        # The control API's backup, however its path is spelt, never comes out, even with
        # the token; from the machine itself it does.
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
            status, body = _raw_get(proxy_port, path, study, CONTROL_TOKEN)
            assert status != 200, path
            assert b"secret" not in body and b"pytest-mturk backup" not in body, path
        direct = _raw_get(server_port, "/_mturk/backup", f"127.0.0.1:{server_port}", CONTROL_TOKEN)
        assert direct[0] == 200 and b"pytest-mturk backup" in direct[1]
    finally:
        caddy.terminate()
        caddy.wait(timeout=30)
        if caddy.stderr is not None:
            caddy.stderr.close()
        server.stop()
