"""The hosted profile's side-state: what survives a restart."""

from __future__ import annotations

import os
import stat

import pytest

from pytest_mturk import UsageError
from pytest_mturk.doors.requester.hosting import Hosting
from pytest_mturk.doors.requester.identity import Participant


def test_the_secret_completion_urls_and_participants_survive_a_restart(tmp_path):
    path = tmp_path / "state.json.hosted.json"
    first = Hosting(path=path)
    first.set_completion("3GROUP", "https://app.prolific.com/submissions/complete?cc=X")
    first.remember("A1234567890ABC", Participant("prolific", "pid", "study", "session"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Hosting(path=path)
    assert again.secret == first.secret
    assert again.completion == {"3GROUP": "https://app.prolific.com/submissions/complete?cc=X"}
    assert again.participants == {
        "A1234567890ABC": Participant("prolific", "pid", "study", "session")
    }
    again.set_completion("3GROUP", None)
    assert Hosting(path=path).completion == {}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/relative", "https://a b", "ftp://x"])
def test_a_completion_url_is_an_http_address(url):
    with pytest.raises(UsageError):
        Hosting().set_completion("3GROUP", url)


def test_a_damaged_side_state_is_refused_by_name(tmp_path):
    path = tmp_path / "x.hosted.json"
    path.write_text("{not json")
    with pytest.raises(UsageError, match="hosted side-state"):
        Hosting(path=path)
