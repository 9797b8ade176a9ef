"""One client process of the server's load tests: mixed calls, every acknowledgement logged.

``python load_client.py BASE_URL INDEX ROUNDS LOG``: each round is 8 calls (create a
production HIT, read it, a worker accepts and submits through the control API, approve,
bonus, list, balance). Each acknowledged change is written to LOG as a JSON line the
moment its answer arrives; a connection error (the server was killed) ends the run.
"""

from __future__ import annotations

import json
import sys

import boto3
from botocore.config import Config

from pytest_mturk import ServerControl

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)


def main(base: str, index: int, rounds: int, log_path: str) -> None:
    mturk = boto3.session.Session().client(
        "mturk",
        endpoint_url=base + "production/",
        region_name="us-east-1",
        aws_access_key_id=f"AKIALOADCLIENT{index:04d}",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=2),
    )
    control = ServerControl(base)
    worker = f"A{index:02d}LOADWORKER"
    calls = 0
    with open(log_path, "w", encoding="utf-8") as log:

        def ack(**fact: object) -> None:
            log.write(json.dumps(fact) + "\n")
            log.flush()

        try:
            for round_ in range(rounds):
                hit = mturk.create_hit(
                    Title=f"Load {index}.{round_}",
                    Description="Load test",
                    Reward="0.50",
                    LifetimeInSeconds=86400,
                    AssignmentDurationInSeconds=3600,
                    AutoApprovalDelayInSeconds=86400 * 30,
                    MaxAssignments=2,
                    Question=QUESTION,
                )["HIT"]
                hit_id = hit["HITId"]
                ack(hit=hit_id)
                mturk.get_hit(HITId=hit_id)
                assignment_id = control.accept(worker, hit_id)
                ack(accepted=assignment_id, hit=hit_id)
                control.submit(worker, assignment_id)
                ack(submitted=assignment_id)
                mturk.approve_assignment(AssignmentId=assignment_id)
                ack(approved=assignment_id)
                mturk.send_bonus(
                    WorkerId=worker,
                    BonusAmount="0.25",
                    AssignmentId=assignment_id,
                    Reason="Thanks",
                    UniqueRequestToken=f"bonus-{index}-{round_}",
                )
                ack(bonus=assignment_id)
                mturk.list_hits(MaxResults=5)
                mturk.get_account_balance()
                calls += 6  # service API calls this round (the control API's are not calls)
        except Exception as exc:  # the server went away: what was acknowledged is logged
            ack(stopped=repr(exc))
        ack(calls=calls)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
