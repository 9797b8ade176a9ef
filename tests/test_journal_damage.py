"""``--state FILE``: damage to the snapshot or its journal stops ``pytest-mturk serve`` with
status 2 and one message naming the file, the line and what is wrong; never a traceback,
never a start with altered data. Each kind of damage is made on the files a real server
left behind when it was killed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import HIT_ARGS
from journal_helpers import rechain
from server_helpers import START_GUARD, ServerProcess, client

WORKER = "A1B2C3D4E5F6G7"


@pytest.fixture(scope="module")
def left(tmp_path_factory):
    """The files a killed server left: its snapshot, and a journal of its actions
    (a HIT made, accepted and submitted, the clock moved 5 s, another HIT made)."""
    folder = tmp_path_factory.mktemp("left")
    state = folder / "state.json"
    with ServerProcess("--state", str(state), "--seed", "4") as server:
        control = server.control()
        sandbox = client(server.url)
        hit_id = sandbox.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        assignment_id = control.accept(WORKER, hit_id)
        control.submit(WORKER, assignment_id, None)
        control.advance(seconds=5)
        second = sandbox.create_hit(**{**HIT_ARGS, "Title": "Second"})["HIT"]["HITId"]
        server.kill()
    return folder, [hit_id, second]


def serve(folder):
    """``pytest-mturk serve --state`` on the files in ``folder``: it either fails to
    start (its status and what it wrote), or starts (then it is stopped)."""
    command = [os.path.join(os.path.dirname(sys.executable), "pytest-mturk"), "serve"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--state", str(folder / "state.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if line:  # it serves
        process.terminate()
    out, err = process.communicate(timeout=START_GUARD)
    return process.returncode, line + out, err


def copy(left, tmp_path):
    folder, _ = left
    for name in ("state.json", "state.json.journal"):
        shutil.copy(folder / name, tmp_path / name)
    return tmp_path / "state.json.journal"


def lines_of(journal):
    return journal.read_bytes().split(b"\n")  # the last item is the empty end


def edit(journal, index, change, *, chained=False):
    """Change line ``index`` (0: the header) with ``change(record) -> record``; with
    ``chained``, its checksum (and the rest of the chain) written again."""
    lines = lines_of(journal)
    body, _, crc = lines[index].rpartition(b"\t")
    lines[index] = json.dumps(change(json.loads(body)), separators=(",", ":")).encode()
    lines[index] += b"\t" + crc
    journal.write_bytes(b"\n".join(rechain(lines) if chained else lines))


def line_with(journal, text):
    return next(i for i, line in enumerate(lines_of(journal)) if text in line)


def refused(tmp_path, *problem):
    status, out, err = serve(tmp_path)
    assert status == 2, (out, err)
    assert out == ""  # it never started serving
    assert "Traceback" not in err
    assert err.count("\n") == 1, err  # one message
    assert err.startswith("pytest-mturk: Cannot load the simulator state ")
    for part in problem:
        assert part in err, err
    return err


def test_the_files_left_start_a_server_with_every_action(left, tmp_path):
    copy(left, tmp_path)
    with ServerProcess("--state", str(tmp_path / "state.json")) as server:
        hits = {hit["HITId"]: hit for hit in server.control().hits()}
    assert sorted(hits) == sorted(left[1])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b'"Title":"Label an image"', b'"Title":"Label an imagE"'),  # a title
        (b'"Reward":"0.50"', b'"Reward":"0.90"'),  # an amount
        (b'"ms":5000', b'"ms":9000'),  # a move of the clock
    ],
)
def test_a_byte_changed_inside_a_line_is_found(left, tmp_path, before, after):
    journal = copy(left, tmp_path)
    index = line_with(journal, before)
    data = journal.read_bytes()
    journal.write_bytes(data.replace(before, after, 1))
    refused(
        tmp_path,
        str(journal),
        f"line {index + 1} is damaged",
        "its checksum does not match its content: the line was changed",
    )


def test_acknowledged_lines_cut_from_the_end_are_found(left, tmp_path):
    journal = copy(left, tmp_path)
    lines = lines_of(journal)
    journal.write_bytes(b"\n".join([*lines[:-3], b""]))  # the last two lines, whole
    refused(tmp_path, str(journal), "acknowledged actions are missing from its end")


def test_a_line_cut_from_the_middle_is_found(left, tmp_path):
    journal = copy(left, tmp_path)
    lines = lines_of(journal)
    del lines[2]
    journal.write_bytes(b"\n".join(lines))
    refused(tmp_path, "line 3 is damaged", "holds action 3 where action 2 was expected")


def test_lines_swapped_are_found(left, tmp_path):
    journal = copy(left, tmp_path)
    lines = lines_of(journal)
    lines[2], lines[3] = lines[3], lines[2]
    journal.write_bytes(b"\n".join(lines))
    refused(tmp_path, "line 3 is damaged", "where action 2 was expected")


def test_a_damaged_header_is_found(left, tmp_path):
    journal = copy(left, tmp_path)
    data = journal.read_bytes()
    journal.write_bytes(data.replace(b'"after":0', b'"after":1', 1))
    refused(tmp_path, "line 1, its header, is damaged")


@pytest.mark.parametrize(
    ("text", "change", "problem"),
    [
        (b'"ms":5000', lambda r: {**r, "k": "teleport"}, "unknown kind 'teleport'"),
        (b'"ms":5000', lambda r: {k: v for k, v in r.items() if k != "ms"}, "without 'ms'"),
        (b'"ms":5000', lambda r: {**r, "ms": "5000"}, "'ms' must be a whole number"),
        (b'"ms":5000', lambda r: {**r, "t": 10**30}, "'t' is out of range"),
        (b'"ms":5000', lambda r: {**r, "ms": 10**30}, "'ms' is out of range"),
        (b'"o":"CreateHIT"', lambda r: {**r, "e": "moon"}, "unknown environment 'moon'"),
        (b'"o":"CreateHIT"', lambda r: {**r, "extra": 1}, "unknown member(s) 'extra'"),
        (b'"a":"accept"', lambda r: {**r, "a": "steal"}, "unknown worker action 'steal'"),
    ],
)
def test_a_line_that_is_not_an_action_is_found(left, tmp_path, text, change, problem):
    journal = copy(left, tmp_path)
    index = line_with(journal, text)
    edit(journal, index, change, chained=True)
    refused(tmp_path, str(journal), f"line {index + 1} is not an action", problem)


@pytest.mark.parametrize(
    ("depth", "problem"), [(600, "nested deeper than"), (100_000, "nested too deep")]
)
def test_a_line_nested_deep_is_found(left, tmp_path, depth, problem):
    journal = copy(left, tmp_path)
    index = line_with(journal, b'"o":"CreateHIT"')
    lines = lines_of(journal)
    deep = b"[" * depth + b"]" * depth
    lines[index] = lines[index].replace(b'"p":{', b'"p":{"Deep":' + deep + b",", 1)
    journal.write_bytes(b"\n".join(rechain(lines)))
    refused(tmp_path, f"line {index + 1} is not an action", problem)


def test_a_line_that_cannot_be_replayed_is_reported_not_raised(left, tmp_path):
    journal = copy(left, tmp_path)
    index = line_with(journal, b'"ms":5000')
    # Each member well formed, yet the clock cannot move that far from where it is.
    edit(journal, index, lambda r: {**r, "ms": 253_402_300_799_999}, chained=True)
    refused(tmp_path, f"line {index + 1} cannot be replayed")


def test_a_last_line_cut_short_was_never_acknowledged(left, tmp_path):
    journal = copy(left, tmp_path)
    lines = lines_of(journal)
    head_json, crc, _ = lines[0].split(b"\t")
    acknowledged = json.loads(lines[-3].rpartition(b"\t")[0])["n"]
    check = lines[-3].rpartition(b"\t")[2]
    lines[0] = b"%s\t%s\t%012d:%s" % (head_json, crc, acknowledged, check)
    # The last action was being written when the process died: never acknowledged.
    journal.write_bytes(b"\n".join(lines[:-2]) + b"\n" + lines[-2][:20])
    with ServerProcess("--state", str(tmp_path / "state.json")) as server:
        hits = [hit["HITId"] for hit in server.control().hits()]
    assert hits == left[1][:1]


def test_a_snapshot_cut_short_is_named(left, tmp_path):
    copy(left, tmp_path)
    snapshot = tmp_path / "state.json"
    snapshot.write_bytes(snapshot.read_bytes()[:200])
    refused(tmp_path, str(snapshot), "it is not JSON")


def test_an_empty_snapshot_is_named(left, tmp_path):
    copy(left, tmp_path)
    (tmp_path / "state.json").write_bytes(b"")
    refused(tmp_path, str(tmp_path / "state.json"), "the snapshot is empty")


def test_a_snapshot_of_another_version_is_named(left, tmp_path):
    copy(left, tmp_path)
    snapshot = tmp_path / "state.json"
    document = json.loads(snapshot.read_bytes())
    document["version"] = 99
    snapshot.write_text(json.dumps(document))
    refused(tmp_path, str(snapshot), "format version 99")


def test_a_snapshot_changed_after_it_was_written_is_named(left, tmp_path):
    copy(left, tmp_path)
    snapshot = tmp_path / "state.json"
    snapshot.write_bytes(snapshot.read_bytes().replace(b'"seed":4', b'"seed":5', 1))
    refused(tmp_path, "the snapshot was replaced or changed after it was written")


def test_a_journal_of_the_first_version_is_still_read(left, tmp_path):
    """Journals written before lines had checksums: read with every other check."""
    journal = copy(left, tmp_path)
    lines = lines_of(journal)
    head = json.loads(lines[0].split(b"\t")[0])
    old = [json.dumps({"format": head["format"], "version": 1, "base": head["base"]}).encode()]
    old += [line.rpartition(b"\t")[0] for line in lines[1:-1]]
    journal.write_bytes(b"\n".join([*old, b""]))
    with ServerProcess("--state", str(tmp_path / "state.json")) as server:
        hits = sorted(hit["HITId"] for hit in server.control().hits())
    assert hits == sorted(left[1])
    assert b"\t" in lines_of(journal)[0]  # carried on in the new version
