"""A backup file given to ``pytest-mturk host --restore``: a damaged or hostile one is
refused at start, in one line with exit status 2, and nothing is written -- no state
file, no journal, no side-state, no temporary file; a plain snapshot is still taken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import credentials_file

from pytest_mturk import Simulator
from pytest_mturk.core.errors import UsageError
from pytest_mturk.doors.requester import backup
from pytest_mturk.doors.requester.hosting import Hosting
from pytest_mturk.doors.requester.identity import Participant
from pytest_mturk.faces import restore

PROGRAM = os.path.join(os.path.dirname(sys.executable), "pytest-mturk")
# Backups fuzzed: a few by default, ten times as many in CI's long run.
FUZZ = 400 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 40


def _bundle(tmp_path: Path) -> dict[str, Any]:
    """A good backup, as ``GET /_mturk/backup`` answers it: the same document every time
    (a fixed start, so the fuzz below draws from the same bytes each run)."""
    saved = tmp_path / "saved.json"
    with Simulator(seed=3, start="2026-01-05T09:00:00+00:00") as sim:
        sim.save(saved)
    snapshot = json.loads(saved.read_text())
    saved.unlink()
    hosting = Hosting(secret=bytes(range(32)))
    hosting.completion["3GROUPID"] = "https://app.prolific.com/submissions/complete?cc=X"
    hosting.participants["A1B2C3D4E5F6G7"] = Participant("prolific", "60a1f3", "st1", "se1")
    return {
        "format": backup.FORMAT,
        "version": backup.VERSION,
        "snapshot": snapshot,
        "hosted": hosting.document(),
    }


def _damaged(good: dict[str, Any], case: str) -> bytes:
    bundle = json.loads(json.dumps(good))
    hosted = bundle["hosted"]
    if case == "not json":
        return b'{"format": "pytest-mturk backup", '
    if case == "cut short":
        return json.dumps(good).encode()[:-40]
    if case == "an array":
        return b"[1, 2]"
    if case == "deep":
        return b"[" * 100_000 + b"]" * 100_000
    if case == "version":
        bundle["version"] = 2
    elif case == "extra member":
        bundle["extra"] = 1
    elif case == "snapshot not an object":
        bundle["snapshot"] = "x"
    elif case == "snapshot damaged":
        bundle["snapshot"]["format"] = "something else"
    elif case == "secret":
        hosted["secret"] = "zz"
    elif case == "completion url":
        hosted["completion"]["3GROUPID"] = "javascript:alert(1)"
    elif case == "worker id":
        hosted["participants"]["../../etc"] = hosted["participants"].pop("A1B2C3D4E5F6G7")
    elif case == "platform":
        hosted["participants"]["A1B2C3D4E5F6G7"]["platform"] = "mturk"
    elif case == "participant member":
        hosted["participants"]["A1B2C3D4E5F6G7"]["__class__"] = "x"
    elif case == "hosted member":
        hosted["path"] = "/etc/passwd"
    return json.dumps(bundle).encode()


CASES = [
    "not json",
    "cut short",
    "an array",
    "deep",
    "version",
    "extra member",
    "snapshot not an object",
    "snapshot damaged",
    "secret",
    "completion url",
    "worker id",
    "platform",
    "participant member",
    "hosted member",
]


def _credentials(folder: Path) -> Path:
    return credentials_file(folder / "credentials")


@pytest.mark.parametrize("case", CASES)
def test_a_damaged_backup_is_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, case: str
) -> None:
    given_file = tmp_path / "backup.json"
    given_file.write_bytes(_damaged(_bundle(tmp_path), case))
    credentials = _credentials(tmp_path)
    state = tmp_path / "state" / "study.json"
    state.parent.mkdir()
    done = subprocess.run(
        [PROGRAM, "host", "--state", str(state), "--credentials", str(credentials)]
        + ["--port", "0", "--content-port", "0", "--restore", str(given_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert str(given_file) in done.stderr
    assert list(state.parent.iterdir()) == []


def _restore(state: Path, given_file: Path) -> None:
    """What ``host --restore`` does before it serves."""
    found = restore.restoring(str(state), str(given_file))
    restore.open_restored(str(state), {}, str(given_file), found).close()


def test_a_good_backup_and_a_plain_snapshot_are_both_restored(tmp_path: Path) -> None:
    good = _bundle(tmp_path)
    bundle = tmp_path / "backup.json"
    bundle.write_text(json.dumps(good))
    (tmp_path / "a").mkdir()
    _restore(tmp_path / "a" / "study.json", bundle)
    side = json.loads((tmp_path / "a" / "study.json.hosted.json").read_text())
    assert side == good["hosted"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "study.json",
        "study.json.hosted.json",
        "study.json.journal",
    ]
    # A plain snapshot (GET /_mturk/snapshot), as backups were taken before: no side-state.
    plain = tmp_path / "snapshot.json"
    plain.write_text(json.dumps(good["snapshot"]))
    (tmp_path / "b").mkdir()
    _restore(tmp_path / "b" / "study.json", plain)
    assert not (tmp_path / "b" / "study.json.hosted.json").exists()
    assert (tmp_path / "b" / "study.json").exists()


def test_a_restore_never_replaces_a_side_state_that_is_there(tmp_path: Path) -> None:
    bundle = tmp_path / "backup.json"
    bundle.write_text(json.dumps(_bundle(tmp_path)))
    side = tmp_path / "study.json.hosted.json"
    side.write_text("{}")
    with pytest.raises(UsageError, match="move it away first"):
        _restore(tmp_path / "study.json", bundle)
    assert side.read_text() == "{}"
    assert not (tmp_path / "study.json").exists()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(
    max_examples=FUZZ,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    how=st.sampled_from(["bytes", "hosted member", "participant", "top member"]),
)
def test_whatever_a_backup_holds_it_is_restored_or_refused_whole(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, how: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    good = _bundle(folder)
    if how == "bytes":
        raw = bytearray(json.dumps(good).encode())
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] = data.draw(st.integers(0, 255))
        raw = raw[: data.draw(st.integers(len(raw) // 2, len(raw)))]
    else:
        value = data.draw(_JSON)
        if how == "hosted member":
            good["hosted"][data.draw(st.sampled_from(["secret", "completion", "participants"]))] = (
                value
            )
        elif how == "participant":
            record = good["hosted"]["participants"]["A1B2C3D4E5F6G7"]
            record[data.draw(st.sampled_from(["platform", "participant_id", "study_id"]))] = value
        else:
            good[data.draw(st.sampled_from(["version", "snapshot", "hosted"]))] = value
        raw = bytearray(json.dumps(good).encode())
    given_file = folder / "backup.json"
    given_file.write_bytes(bytes(raw))
    state = folder / "state" / "study.json"
    state.parent.mkdir()
    try:
        _restore(state, given_file)
    except UsageError as refused:
        assert "\n" not in str(refused)
        assert list(state.parent.iterdir()) == []
    else:
        assert state.exists()
