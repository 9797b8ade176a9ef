"""``pytest_mturk.ThreadedServer``: the HTTP server in a thread, for scripts; and a missing
``server`` extra, reported in one clear message wherever the server is asked for."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from botocore.exceptions import ClientError
from conftest import HIT_ARGS
from server_helpers import KEY, client

from pytest_mturk import Simulator, ThreadedServer, UsageError

EXTRA = "pip install 'pytest-mturk[server]'."


def test_a_script_creates_and_reads_a_hit_through_boto3():
    server = ThreadedServer()
    server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.port != 0 and server.url.endswith(f":{server.port}/")
        # The sandbox is the server's root, as with ``pytest-mturk serve``.
        assert server.endpoint_url == server.url
        assert server.production_endpoint_url == server.url + "production/"
        mturk = client(server.endpoint_url)
        hit_id = mturk.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        assert mturk.get_hit(HITId=hit_id)["HIT"]["Title"] == HIT_ARGS["Title"]
        # The simulator it serves, and its control API, see the same HIT.
        assert server.simulator.sandbox.hits[hit_id].hit_type.title == HIT_ARGS["Title"]
        assert [h["HITId"] for h in server.control.hits()] == [hit_id]
    finally:
        server.stop()


def test_stopping_frees_the_port_for_another_server():
    with ThreadedServer() as first:
        port = first.port
        client(first.endpoint_url).create_hit(**HIT_ARGS)
    with ThreadedServer(port=port) as second:
        assert second.port == port
        # Another server, another simulation: the first one's HIT is not there.
        assert client(second.endpoint_url).list_hits()["NumResults"] == 0


def test_stop_is_idempotent_and_a_stopped_server_has_no_url():
    server = ThreadedServer()
    server.stop()  # never started: nothing to do
    with server:
        pass
    server.stop()
    server.stop()
    assert not server.running
    assert repr(server) == "<ThreadedServer not running>"
    with pytest.raises(UsageError, match=r"not running: start\(\) it first"):
        server.endpoint_url  # noqa: B018


def test_starting_a_running_server_is_refused():
    with ThreadedServer() as server:
        with pytest.raises(UsageError, match="already running at http://127.0.0.1:"):
            server.start()
        # Still serving, on the same port.
        assert client(server.endpoint_url).list_hits()["NumResults"] == 0


def test_a_restarted_server_serves_the_same_simulation():
    server = ThreadedServer()
    with server:
        hit_id = client(server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
    with server:
        assert client(server.endpoint_url).get_hit(HITId=hit_id)["HIT"]["HITId"] == hit_id


def test_settings_reach_the_simulator():
    with ThreadedServer(seed=7, balance="100.00", access_keys=[KEY]) as server:
        production = client(server.production_endpoint_url)
        assert production.get_account_balance()["AvailableBalance"] == "100.00"
        hit_id = client(server.endpoint_url).create_hit(**HIT_ARGS)["HIT"]["HITId"]
        with pytest.raises(ClientError) as other:
            client(server.endpoint_url, key="AKIAOTHERKEY00000000").list_hits()
        assert other.value.response["Error"]["Code"] == "UnrecognizedClientException"
    with Simulator(seed=7) as sim:
        assert sim.client().create_hit(**HIT_ARGS)["HIT"]["HITId"] == hit_id


def test_a_reset_keeps_the_servers_settings():
    with ThreadedServer(seed=7, balance="100.00") as server:
        before = server.simulator
        server.control.reset()
        assert server.simulator is not before  # the one it serves now
        production = client(server.production_endpoint_url)
        assert production.get_account_balance()["AvailableBalance"] == "100.00"


def test_a_wrong_setting_is_refused_before_anything_is_bound():
    with pytest.raises(UsageError, match="did you mean 'balance'"):
        ThreadedServer(balanse="100.00")  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="clock must be one of frozen, real, not 'fast'"):
        ThreadedServer(clock="fast")


def test_the_class_is_imported_without_werkzeug():
    code = (
        "import sys, pytest_mturk\n"
        "assert pytest_mturk.ThreadedServer.__name__ == 'ThreadedServer'\n"
        "assert 'werkzeug' not in sys.modules, 'werkzeug imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# -- without the server extra -----------------------------------------------------------

# Run in a process of its own: werkzeug (and the door) are already imported in this one.
NEEDS = "The HTTP server needs the server extra (werkzeug 3.0 and waitress 3.0 or later; "


def _run(code: str, *args: str, missing: str = "werkzeug") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            *args,
            "-c",
            f"import sys\nsys.modules[{missing!r}] = None\n" + textwrap.dedent(code),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["werkzeug", "waitress"])
def test_a_threaded_server_without_the_extra_says_which(missing):
    ran = _run(
        """
        import pytest_mturk
        try:
            pytest_mturk.ThreadedServer()
        except pytest_mturk.UsageError as exc:
            assert exc.__cause__ is None and exc.__suppress_context__
            print(exc)
        """,
        missing=missing,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"{NEEDS}{missing} could not be imported): {EXTRA}"


def test_the_command_without_werkzeug_prints_one_line():
    ran = _run(
        """
        import runpy
        sys.argv = ["pytest-mturk", "serve", "--port", "0"]
        runpy.run_module("pytest_mturk", run_name="__main__")
        """
    )
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"pytest-mturk: {NEEDS}werkzeug could not be imported): {EXTRA}"
    ]


def test_the_fixture_without_werkzeug_fails_the_test_with_one_message(pytester):
    pytester.makeconftest("import sys\nsys.modules['werkzeug'] = None\n")
    pytester.makepyfile(
        """
        def test_served(mturk_server):
            pass
        """
    )
    # -rN: no short summary, whose line repeats the message where the terminal is wide enough.
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-rN")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert output.count(EXTRA) == 1
    assert "Traceback" not in output
    assert "raised in repr()" not in output
    assert "During handling" not in output
