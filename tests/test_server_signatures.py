"""Signatures, as AWS checks them: a server given the secret keys (``--credentials``,
``credentials=``) recomputes every service API request's SigV4 signature, and refuses what
is signed wrongly with the errors AWS's JSON services send -- before the service sees
the request, so nothing is recorded and nothing changes.

botocore's own signer (``botocore.auth.SigV4Auth``) is the oracle: what it signs passes,
and any change to what it signed is refused.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import re

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from conftest import HIT_ARGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import KEY, SECRET, ServerProcess, client

from pytest_mturk import Simulator, ThreadedServer, UsageError
from pytest_mturk.doors.http.signatures import read_credentials, signature
from pytest_mturk.faces.cli import main
from pytest_mturk.faces.threaded import ThreadServer

TARGET = "MTurkRequesterServiceV20170117."
UTC = dt.timezone.utc
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)
STAMP = re.compile(r"\d{8}T\d{6}Z")


@pytest.fixture(scope="module")
def server():
    with ThreadServer(
        Simulator(seed=2, start="2020-01-01T00:00:00Z"),
        shared=False,
        credentials={KEY: SECRET},
    ) as running:
        yield running


def signed(url, operation, params, *, key=KEY, secret=SECRET, when=None, monkeypatch=None):
    """A request botocore's SigV4 signer signed: ``(path, headers, body)``."""
    body = json.dumps(params).encode()
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={
            "X-Amz-Target": TARGET + operation,
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    if when is not None:
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    botocore.auth.SigV4Auth(Credentials(key, secret), "mturk-requester", "us-east-1").add_auth(
        request
    )
    if when is not None:
        monkeypatch.undo()
    return dict(request.headers.items()), body


def send(server, headers, body, path="/"):
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        # Header names are case-insensitive (RFC 9110): looked up as such.
        return response.status, response.headers, json.loads(response.read())
    finally:
        connection.close()


def refused(server, headers, body, path="/"):
    """The refusal of a request, checked to be the front end's: nothing recorded."""
    before = len(server.simulator.calls)
    status, answer_headers, answer = send(server, headers, body, path)
    assert len(server.simulator.calls) == before
    assert status == 400
    assert set(answer) == {"__type", "message"}  # the front end's lower-case "message"
    return answer["__type"], answer["message"]


# -- boto3, as users call -----------------------------------------------------------------


def test_the_right_secret_is_let_in_and_a_wrong_one_refused(server):
    assert client(server.endpoint_url).get_account_balance()["AvailableBalance"] == "10000.00"
    before, hits = len(server.simulator.calls), dict(server.simulator.hits)
    wrong = client(server.endpoint_url)
    wrong._request_signer._credentials = Credentials(KEY, "not-the-secret")
    with pytest.raises(ClientError) as caught:
        wrong.create_hit(**HIT_ARGS)
    error = caught.value.response
    assert error["Error"] == {"Code": "InvalidSignatureException", "Message": MISMATCH}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(server.simulator.calls) == before
    assert dict(server.simulator.hits) == hits


def test_a_key_the_server_does_not_know_is_unrecognised(server):
    with pytest.raises(ClientError) as caught:
        client(server.production_endpoint_url, key="AKIAUNKNOWNKEY000000").get_account_balance()
    assert caught.value.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }


def test_the_date_header_is_the_wall_clocks_never_the_simulations(server):
    """The simulation starts in 2020; botocore corrects its signing clock by ``Date``, so a
    ``Date`` from the simulation would make every signature after it expired."""
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    status, answer_headers, _ = send(server, headers, body)
    assert status == 200
    sent = email.utils.parsedate_to_datetime(answer_headers["date"])
    assert abs(sent - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    assert server.simulator.now.year == 2020
    # A refusal's Date is the wall clock's too.
    _, refusal_headers, _ = send(server, {"X-Amz-Target": TARGET + "GetAccountBalance"}, b"{}")
    sent = email.utils.parsedate_to_datetime(refusal_headers["date"])
    assert abs(sent - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)


# -- raw requests: each way of signing wrongly ----------------------------------------------


def test_no_authorization_is_a_missing_token(server):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    del headers["Authorization"]
    assert refused(server, headers, body) == (
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        ("Signature", "Authorization header requires 'Signature' parameter."),
        ("SignedHeaders", "Authorization header requires 'SignedHeaders' parameter."),
        ("Credential", "Authorization header requires 'Credential' parameter."),
    ],
)
def test_an_authorization_without_a_part_is_an_incomplete_signature(server, drop, expected):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    parts = [p for p in headers["Authorization"].split(", ") if drop not in p.split("=")[0]]
    if drop == "Credential":
        parts = ["AWS4-HMAC-SHA256 " + ", ".join(parts)]
    headers["Authorization"] = ", ".join(parts)
    kind, message = refused(server, headers, body)
    assert kind == "IncompleteSignatureException"
    assert message == f"{expected} Authorization={headers['Authorization']}"


def test_a_bearer_token_lacks_every_part_and_an_unsigned_date_is_named(server):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    headers["Authorization"] = "Bearer abc"
    del headers["X-Amz-Date"]
    kind, message = refused(server, headers, body)
    assert kind == "IncompleteSignatureException"
    assert message == (
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=Bearer abc"
    )


def test_a_pair_without_an_equals_sign_is_named(server):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    headers["Authorization"] = headers["Authorization"].replace("Credential=", "Credential= ", 1)
    headers["Authorization"] = headers["Authorization"].replace(f"{KEY}/", f"{KEY} /", 1)
    kind, message = refused(server, headers, body)
    assert kind == "IncompleteSignatureException"
    assert "not a valid key=value pair (missing equal-sign) in Authorization header" in message


def test_an_unsigned_host_is_refused(server):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    headers["Authorization"] = (
        headers["Authorization"]
        .replace("SignedHeaders=", "SignedHeaders=x-amz-date;", 1)
        .replace(";host", "")
    )
    kind, message = refused(server, headers, body)
    assert kind == "IncompleteSignatureException"
    assert message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24 * 365])
def test_a_time_more_than_five_minutes_from_the_wall_clock_is_refused(server, monkeypatch, minutes):
    when = dt.datetime.now(UTC).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    headers, body = signed(
        server.endpoint_url, "GetAccountBalance", {}, when=when, monkeypatch=monkeypatch
    )
    kind, message = refused(server, headers, body)
    assert kind == "InvalidSignatureException"
    stamp = headers["X-Amz-Date"]
    if minutes < 0:
        found = re.fullmatch(
            rf"Signature expired: {stamp} is now earlier than ({STAMP.pattern}) "
            rf"\(({STAMP.pattern}) - 5 min\.\)",
            message,
        )
    else:
        found = re.fullmatch(
            rf"Signature not yet current: {stamp} is still later than ({STAMP.pattern}) "
            rf"\(({STAMP.pattern}) \+ 5 min\.\)",
            message,
        )
    assert found, message
    bound, now = (dt.datetime.strptime(g, "%Y%m%dT%H%M%SZ") for g in found.groups())
    assert bound - now == dt.timedelta(minutes=-5 if minutes < 0 else 5)
    assert abs(now - dt.datetime.now(UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)


def test_four_minutes_off_is_let_in(server, monkeypatch):
    when = dt.datetime.now(UTC).replace(tzinfo=None) - dt.timedelta(minutes=4)
    headers, body = signed(
        server.endpoint_url, "GetAccountBalance", {}, when=when, monkeypatch=monkeypatch
    )
    assert send(server, headers, body)[0] == 200


def test_a_date_not_in_basic_form_is_refused(server):
    headers, body = signed(server.endpoint_url, "GetAccountBalance", {})
    headers["X-Amz-Date"] = "2026-12-07T10:00:00Z"
    assert refused(server, headers, body) == (
        "IncompleteSignatureException",
        "Date must be in ISO-8601 'basic format'. Got '2026-12-07T10:00:00Z'. See "
        "http://en.wikipedia.org/wiki/ISO_8601",
    )


def test_the_production_path_is_signed_as_its_own(server):
    headers, body = signed(server.production_endpoint_url, "GetAccountBalance", {})
    assert send(server, headers, body, "/production/")[0] == 200
    # The same signature sent to the sandbox's path does not match.
    assert refused(server, headers, body, "/") == ("InvalidSignatureException", MISMATCH)


# -- any change to what was signed ------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), part=st.sampled_from(["body", "target", "signature"]))
def test_any_byte_changed_in_a_signed_request_is_refused_and_changes_nothing(server, data, part):
    headers, body = signed(server.endpoint_url, "CreateHIT", HIT_ARGS)
    if part == "body":
        at = data.draw(st.integers(0, len(body) - 1))
        byte = data.draw(st.integers(0, 255).filter(lambda b: b != body[at]))
        body = body[:at] + bytes([byte]) + body[at + 1 :]
        headers["Content-Length"] = str(len(body))
    else:
        name, value = (
            ("X-Amz-Target", headers["X-Amz-Target"])
            if part == "target"
            else ("Authorization", headers["Authorization"])
        )
        start = 0 if part == "target" else value.index("Signature=") + len("Signature=")
        at = data.draw(st.integers(start, len(value) - 1))
        alphabet = "0123456789abcdef" if part == "signature" else "abcdefghijklmnopqrstuvwxyzAB.0"
        char = data.draw(st.sampled_from(alphabet).filter(lambda c: c != value[at]))
        headers[name] = value[:at] + char + value[at + 1 :]
    hits = dict(server.simulator.hits)
    kind, _ = refused(server, headers, body)
    assert kind == "InvalidSignatureException"
    assert dict(server.simulator.hits) == hits


def test_the_unchanged_signed_request_is_let_in(server):
    """The property above refuses changes, not everything: the request it changes passes."""
    headers, body = signed(server.endpoint_url, "CreateHIT", HIT_ARGS)
    status, _, answer = send(server, headers, body)
    assert status == 200
    assert answer["HIT"]["HITId"] in server.simulator.hits


@settings(max_examples=80, deadline=None)
@given(
    query=st.lists(
        st.tuples(st.text("abcXYZ-_.~%20", max_size=6), st.text("abc=123", max_size=6)),
        max_size=3,
    ),
    header=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    body=st.binary(max_size=40),
    secret=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
)
def test_the_signature_is_the_one_botocore_computes(query, header, body, secret):
    """The algorithm, against botocore's signer: query strings, header values with spaces
    to trim, any body, any secret."""
    qs = "&".join(f"{k}={v}" for k, v in query)
    url = "http://127.0.0.1:8080/production/" + (f"?{qs}" if qs else "")
    request = AWSRequest(method="POST", url=url, data=body, headers={"X-Custom": header})
    when = dt.datetime(2026, 12, 7, 10, 11, 12)
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: when
    try:
        botocore.auth.SigV4Auth(Credentials(KEY, secret), "mturk-requester", "us-east-1").add_auth(
            request
        )
    finally:
        botocore.auth.get_current_datetime = original
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1:8080"
    names = tuple(re.search(r"SignedHeaders=([^,]*)", headers["authorization"]).group(1).split(";"))
    mine = signature(
        secret,
        method="POST",
        path="/production/",
        query=qs,
        headers=headers,
        signed_headers=names,
        payload_hash=__import__("hashlib").sha256(body).hexdigest(),
        timestamp="20261207T101112Z",
        date="20261207",
        region="us-east-1",
        service="mturk-requester",
    )
    assert headers["authorization"].endswith(f"Signature={mine}")


# -- without credentials: as before, for local use -----------------------------------------


def test_without_credentials_any_well_formed_key_and_secret_are_let_in():
    with ThreadedServer() as running:
        wrong = client(running.endpoint_url)
        wrong._request_signer._credentials = Credentials(KEY, "anything at all")
        assert wrong.get_account_balance()["AvailableBalance"] == "10000.00"


# -- the credentials file -----------------------------------------------------------------


def test_a_credentials_file_is_read_as_aws_writes_it(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(
        "[default]\naws_access_key_id = AKIADEFAULT00000000\naws_secret_access_key = s3cr%t\n\n"
        "[lab]\naws_access_key_id=AKIALAB0000000000000\naws_secret_access_key=other\n"
        "aws_session_token=tok\n\n[config-only]\nregion = us-east-1\n"
    )
    found = read_credentials(path)
    assert {key: secret.secret_key for key, secret in found.items()} == {
        "AKIADEFAULT00000000": "s3cr%t",
        "AKIALAB0000000000000": "other",
    }
    assert found["AKIALAB0000000000000"].session_token == "tok"
    assert "other" not in repr(found)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("aws_access_key_id = A\n", "is not an AWS credentials file"),
        ("[default]\naws_access_key_id = AKIAX0000000000000\n", "has no aws_secret_access_key"),
        ("[default]\nregion = us-east-1\n", "has no section with aws_access_key_id"),
        (b"\xff\xfe[default]", "cannot read"),
    ],
)
def test_a_bad_credentials_file_stops_the_server_at_start(tmp_path, capsys, content, message):
    path = tmp_path / "credentials"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        read_credentials(path)
    assert main(["serve", "--port", "0", "--credentials", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pytest-mturk: --credentials:") and message in err
    with pytest.raises(UsageError, match=message):
        ThreadedServer(credentials=str(path))


# -- a real server process, and real clients -------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("aws") / "credentials"
    path.write_text(f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    with ServerProcess("--credentials", str(path), "--seed", "3") as running:
        yield running


def test_a_served_process_verifies_signatures(served):
    assert client(served.url).get_account_balance()["AvailableBalance"] == "10000.00"
    wrong = client(served.production_url)
    wrong._request_signer._credentials = Credentials(KEY, "wrong")
    with pytest.raises(ClientError) as caught:
        wrong.get_account_balance()
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert served.control().calls() == [
        c for c in served.control().calls() if c["operation"] == "GetAccountBalance"
    ]
    assert len(served.control().calls()) == 1


def test_temporary_credentials_need_their_session_token(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(
        f"[temp]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
        "aws_session_token = the-session-token\n"
    )
    with ThreadedServer(credentials=path) as running:
        with_token = client(running.endpoint_url)
        with_token._request_signer._credentials = Credentials(KEY, SECRET, "the-session-token")
        assert with_token.get_account_balance()["AvailableBalance"] == "10000.00"
        for token in (None, "another-token"):
            other = client(running.endpoint_url)
            other._request_signer._credentials = Credentials(KEY, SECRET, token)
            with pytest.raises(ClientError) as caught:
                other.get_account_balance()
            assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
