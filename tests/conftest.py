"""Shared fixtures: real boto3 clients against the simulator, and small HIT builders."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

pytest_plugins = ["pytester"]

EXTERNAL_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    "<ExternalURL>https://example.com/task</ExternalURL><FrameHeight>600</FrameHeight>"
    "</ExternalQuestion>"
)

HIT_ARGS: dict[str, Any] = {
    "Title": "Label an image",
    "Description": "Say what the picture shows",
    "Reward": "0.50",
    "LifetimeInSeconds": 3600,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 86400,
    "MaxAssignments": 3,
    "Question": EXTERNAL_QUESTION,
}


@pytest.fixture
def client(mturk):
    """A sandbox client (the world most suites were written against)."""
    return boto3.client("mturk", region_name="sandbox")


@pytest.fixture
def prod_client(mturk):
    """A production client: balances move, fees are charged."""
    return boto3.client("mturk", region_name="us-east-1")


@pytest.fixture
def make_hit(client):
    """Create a HIT with sensible defaults; keyword arguments override them."""

    def make(c=None, **overrides: Any) -> dict[str, Any]:
        return (c or client).create_hit(**{**HIT_ARGS, **overrides})["HIT"]

    return make
