"""A client made before ``pytest_mturk`` was imported never reaches the network.

dschultz0/larry's ``larry.mturk`` makes its boto3 session when it is imported: a script
that imported it first and then ran ``with mturk_sim():`` sent its calls to the real
endpoint.
Each test here is such a script, run in a process of its own (the order of imports is
the point), with every socket refused; it prints what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Made before pytest_mturk is imported: a client from boto3's default session, one from a
# session of its own (pointed at the sandbox), and a session whose client comes later.
BEFORE = """
import json, socket
import boto3
from botocore.stub import Stubber

KEYS = dict(aws_access_key_id="AKIAEARLYCLIENT00000", aws_secret_access_key="secret")
early = boto3.client("mturk", region_name="us-east-1", **KEYS)
session = boto3.session.Session()
early_sandbox = session.client(
    "mturk", region_name="us-east-1",
    endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com", **KEYS,
)
early_session = boto3.session.Session(region_name="us-east-1", **KEYS)

attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args))
    raise OSError("the network is blocked in this test")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""

HIT = {
    "Title": "Label an image",
    "Description": "Say what the picture shows",
    "Reward": "0.50",
    "LifetimeInSeconds": 3600,
    "AssignmentDurationInSeconds": 600,
    "Question": (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
        "</ExternalQuestion>"
    ),
}


def _run(tmp_path: Path, script: str) -> dict:
    path = tmp_path / "script.py"
    path.write_text(BEFORE + f"\nHIT = {HIT!r}\n" + textwrap.dedent(script), encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH")))),
        HOME=str(tmp_path),
        AWS_EC2_METADATA_DISABLED="true",
    )
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_clients_made_before_the_import_are_answered_by_the_simulator(tmp_path):
    seen = _run(
        tmp_path,
        """
        from botocore.client import BaseClient
        plain = BaseClient._make_api_call

        from pytest_mturk import mturk_sim

        with mturk_sim() as sim:
            hit = early.create_hit(**HIT)["HIT"]
            balance = early.get_account_balance()["AvailableBalance"]
            sandbox_hit = early_sandbox.create_hit(**HIT)["HIT"]
            later = early_session.client("mturk").get_account_balance()["AvailableBalance"]
            with Stubber(early_sandbox) as stub:  # a Stubber keeps its answers
                stub.add_response("get_account_balance", {"AvailableBalance": "1.23"})
                stubbed = early_sandbox.get_account_balance()["AvailableBalance"]
            sim.fail_next("GetAccountBalance", "service_fault")  # retried by botocore
            after_fault = early.get_account_balance()["AvailableBalance"]
            production = sorted(sim.production.hits)
            sandbox = sorted(sim.sandbox.hits)
            calls = [(c.operation, c.environment.value, c.ok) for c in sim.calls]
        print(json.dumps({
            "hit": hit["HITId"], "sandbox_hit": sandbox_hit["HITId"],
            "production": production, "sandbox": sandbox,
            "balance": balance, "later": later, "stubbed": stubbed,
            "after_fault": after_fault, "calls": calls, "attempts": attempts,
            "restored": BaseClient._make_api_call is plain,
        }))
        """,
    )
    assert seen["attempts"] == []
    assert seen["production"] == [seen["hit"]] and seen["sandbox"] == [seen["sandbox_hit"]]
    # Production's balance, less the HIT's reward and fee.
    assert seen["balance"] == seen["later"] == seen["after_fault"] == "9999.40"
    assert seen["stubbed"] == "1.23"
    assert seen["calls"] == [
        ["CreateHIT", "production", True],
        ["GetAccountBalance", "production", True],
        ["CreateHIT", "sandbox", True],
        ["GetAccountBalance", "production", True],
        ["GetAccountBalance", "production", False],
        ["GetAccountBalance", "production", True],
    ]
    # When the last simulator stops, botocore is as it was.
    assert seen["restored"] is True


def test_under_pytest_socket_and_the_plugin_an_early_client_stays_in_process(tmp_path):
    seen = _run(
        tmp_path,
        """
        import pytest_socket
        from pytest_mturk import mturk_sim

        pytest_socket.disable_socket()
        with mturk_sim() as sim:
            early.create_hit(**HIT)
            count = len(sim.hits)
        print(json.dumps({"count": count, "attempts": attempts}))
        """,
    )
    assert seen == {"count": 1, "attempts": []}


def test_outside_a_simulator_an_early_client_is_left_alone(tmp_path):
    seen = _run(
        tmp_path,
        """
        from botocore.config import Config
        quick = boto3.client("mturk", region_name="us-east-1",
                             config=Config(retries={"max_attempts": 1}), **KEYS)
        from pytest_mturk import mturk_sim

        with mturk_sim():
            quick.get_account_balance()
        # No simulator: the call is the real one (here, refused by the blocked network).
        try:
            quick.get_account_balance()
            outcome = "answered"
        except Exception as exc:
            outcome = type(exc).__name__
        print(json.dumps({"outcome": outcome, "tried": len(attempts) > 0}))
        """,
    )
    assert seen == {"outcome": "EndpointConnectionError", "tried": True}


def test_other_services_clients_are_untouched(tmp_path):
    pytest.importorskip("moto")
    seen = _run(
        tmp_path,
        """
        from moto import mock_aws

        moto = mock_aws()
        moto.start()
        s3 = boto3.client("s3", region_name="us-east-1", **KEYS)  # before pytest_mturk too

        from pytest_mturk import mturk_sim
        from pytest_mturk.doors.botocore.guard import ADOPTED

        with mturk_sim() as sim:
            s3.create_bucket(Bucket="answers")
            s3.put_object(Bucket="answers", Key="a.json", Body=b"{}")
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="answers")["Contents"]]
            early.get_account_balance()
            hooked = {"s3": ADOPTED in vars(s3), "mturk": ADOPTED in vars(early)}
            calls = [c.operation for c in sim.calls]
        moto.stop()
        print(json.dumps({"keys": keys, "hooked": hooked, "calls": calls,
                          "attempts": attempts}))
        """,
    )
    assert seen == {
        "keys": ["a.json"],
        "hooked": {"s3": False, "mturk": True},
        "calls": ["GetAccountBalance"],
        "attempts": [],
    }


def test_an_early_client_without_credentials_is_refused_loudly(tmp_path):
    seen = _run(
        tmp_path,
        """
        bare = boto3.session.Session().client("mturk", region_name="us-east-1")
        from botocore.exceptions import NoCredentialsError
        from pytest_mturk import mturk_sim

        with mturk_sim() as sim:
            try:
                bare.get_account_balance()
                outcome = "answered"
            except NoCredentialsError:
                outcome = "NoCredentialsError"
            calls = len(sim.calls)
        print(json.dumps({"outcome": outcome, "calls": calls, "attempts": attempts}))
        """,
    )
    # As botocore's signer says it, before anything is sent; the service never hears of it.
    assert seen == {"outcome": "NoCredentialsError", "calls": 0, "attempts": []}


def test_an_aiobotocore_client_made_before_the_import_is_answered_too(tmp_path):
    pytest.importorskip("aiobotocore")
    seen = _run(
        tmp_path,
        """
        import asyncio
        import aiobotocore.session

        async def main():
            session = aiobotocore.session.get_session()
            async with session.create_client("mturk", region_name="us-east-1", **KEYS) as aio:
                from pytest_mturk import mturk_sim

                with mturk_sim() as sim:
                    hit = (await aio.create_hit(**HIT))["HIT"]["HITId"]
                    sim.fail_next("GetAccountBalance", "service_fault")  # retried
                    balance = (await aio.get_account_balance())["AvailableBalance"]
                    return {"hits": list(sim.hits) == [hit], "balance": balance,
                            "calls": [c.ok for c in sim.calls], "attempts": attempts}

        print(json.dumps(asyncio.run(main())))
        """,
    )
    assert seen == {
        "hits": True,
        "balance": "9999.40",
        "calls": [True, False, True],
        "attempts": [],
    }
