"""The clock: frozen by default, moved by advance(), and one with freezegun and time-machine."""

from __future__ import annotations

import datetime as _dt

import boto3
import pytest
import time_machine
from conftest import HIT_ARGS
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from pytest_mturk import UsageError, mturk_sim
from pytest_mturk.core import clock, wire

UTC = _dt.timezone.utc
START = _dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEYS = {"aws_access_key_id": "AKIDEXAMPLE000000000", "aws_secret_access_key": "secret"}


def sandbox():
    return boto3.client("mturk", region_name="sandbox", **KEYS)


def status(client, hit_id):
    return client.get_hit(HITId=hit_id)["HIT"]["HITStatus"]


# -- the simulator's own clock -------------------------------------------------------------


def test_time_is_frozen_until_moved(mturk, client):
    before = mturk.now
    first = client.create_hit(**HIT_ARGS)["HIT"]
    second = client.create_hit(**HIT_ARGS)["HIT"]
    assert first["CreationTime"] == second["CreationTime"] == before == mturk.now
    assert mturk.now.tzinfo is not None and mturk.now.utcoffset() == _dt.timedelta(0)


@pytest.mark.mturk(start="2026-01-05T09:00:00+00:00")
def test_the_start_setting(mturk, client):
    assert mturk.now == START
    assert client.create_hit(**HIT_ARGS)["HIT"]["CreationTime"] == START


def test_start_is_kept_to_the_millisecond():
    with mturk_sim(start=START.replace(microsecond=123_456)) as sim:
        assert sim.now == START.replace(microsecond=123_000)
    with mturk_sim(start=_dt.datetime(2026, 1, 5, 9, 0)) as sim:  # naive means UTC
        assert sim.now == START


@pytest.mark.mturk(start="2026-01-05T09:00:00+00:00")
@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((), {"seconds": 90}, _dt.timedelta(seconds=90)),
        ((), {"minutes": 5}, _dt.timedelta(minutes=5)),
        ((), {"hours": 2}, _dt.timedelta(hours=2)),
        ((), {"days": 3}, _dt.timedelta(days=3)),
        ((), {"days": 1, "hours": 1, "minutes": 1, "seconds": 1.5}, _dt.timedelta(1, 3661.5)),
        ((_dt.timedelta(hours=6),), {}, _dt.timedelta(hours=6)),
        ((_dt.timedelta(hours=6),), {"minutes": 30}, _dt.timedelta(hours=6, minutes=30)),
        ((), {}, _dt.timedelta(0)),
    ],
)
def test_advance(mturk, args, kwargs, expected):
    assert mturk.advance(*args, **kwargs) == START + expected
    assert mturk.now == START + expected


def test_advance_only_moves_forward(mturk):
    before = mturk.now
    with pytest.raises(UsageError) as refused:
        mturk.advance(seconds=-1)
    assert mturk.now == before
    # It says how to go back, with either library the simulator follows.
    assert str(refused.value) == (
        "advance() only moves forward. To go back, move the clock the simulator follows: "
        "with freezegun, freeze_time(earlier) or its frozen.move_to(earlier); with "
        "time-machine, time_machine.travel(earlier) or its traveller.move_to(earlier)."
    )


@pytest.mark.parametrize("library", ["freezegun", "time-machine"])
def test_the_way_back_the_refusal_names_works(library):
    later = _dt.datetime(2026, 1, 5, tzinfo=_dt.timezone.utc)
    earlier = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
    travel = (
        freeze_time(later) if library == "freezegun" else time_machine.travel(later, tick=False)
    )
    with travel as traveller, mturk_sim() as sim:
        assert sim.now == later
        traveller.move_to(earlier)
        assert sim.now == earlier


def test_response_timestamps_follow_the_clock(mturk, client):
    hit = client.create_hit(**HIT_ARGS)["HIT"]
    mturk.advance(minutes=10)
    later = client.create_hit(**HIT_ARGS)["HIT"]
    assert later["CreationTime"] - hit["CreationTime"] == _dt.timedelta(minutes=10)
    assert later["Expiration"] == mturk.now + _dt.timedelta(seconds=HIT_ARGS["LifetimeInSeconds"])
    mturk.advance(seconds=1)
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_hit(HITId="NOSUCHHIT")
    stamp = round(mturk.now.timestamp() * 1000)
    assert excinfo.value.response["Message"].endswith(f"({stamp} s)")  # the sandbox's
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["date"] == (
        mturk.now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    )


def test_transitions_fire_exactly_when_due(mturk, client):
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    mturk.advance(seconds=HIT_ARGS["LifetimeInSeconds"] - 1)
    assert status(client, hit_id) == "Assignable"
    mturk.advance(seconds=1)
    assert status(client, hit_id) == "Reviewable"


def test_due_transitions_fire_in_time_order(mturk, client):
    hit_id = client.create_hit(**{**HIT_ARGS, "MaxAssignments": 1})["HIT"]["HITId"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment_id = worker.accept(hit_id)
    # One jump past the assignment deadline (600 s) and the HIT's expiry (3600 s):
    # the deadline fires first and reopens the slot, then expiry closes the HIT.
    mturk.advance(hours=2)
    assert mturk.assignments[assignment_id].status == "Abandoned"
    hit = client.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsAvailable"]) == ("Reviewable", 0)


# -- freezegun -----------------------------------------------------------------------------


def test_under_freezegun_the_simulator_time_is_the_frozen_time():
    with freeze_time("2030-01-01 12:00:00") as frozen, mturk_sim() as sim:
        client = sandbox()
        frozen_now = _dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
        assert sim.now == frozen_now
        hit = client.create_hit(**HIT_ARGS)["HIT"]
        assert hit["CreationTime"] == frozen_now

        frozen.tick(_dt.timedelta(minutes=59, seconds=59))
        assert status(client, hit["HITId"]) == "Assignable"
        frozen.tick(1)  # ticking freezegun moves the simulation: the HIT expires
        assert sim.now == frozen_now + _dt.timedelta(hours=1)
        assert status(client, hit["HITId"]) == "Reviewable"


def test_advance_moves_freezegun_too():
    with freeze_time("2030-01-01 12:00:00"), mturk_sim() as sim:
        sim.advance(hours=1, minutes=30)
        assert _dt.datetime.now() == _dt.datetime(2030, 1, 1, 13, 30)
        assert _dt.datetime.now(UTC) == sim.now


def test_freezegun_tz_offset_does_not_shift_the_simulator():
    with freeze_time("2030-01-01 12:00:00", tz_offset=-5), mturk_sim() as sim:
        assert _dt.datetime.now() == _dt.datetime(2030, 1, 1, 7, 0)
        assert sim.now == _dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_a_ticking_freezegun_is_followed():
    with freeze_time("2030-01-01 12:00:00", tick=True), mturk_sim() as sim:
        start = _dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
        sim.advance(hours=1)
        assert start + _dt.timedelta(hours=1) <= sim.now < start + _dt.timedelta(hours=2)
        assert sim.now <= _dt.datetime.now(UTC)


def test_freezing_an_earlier_date_goes_backwards():
    with mturk_sim(start="2030-06-01T00:00:00+00:00") as sim:
        client = sandbox()
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        with freeze_time("2012-01-14"):
            assert sim.now == _dt.datetime(2012, 1, 14, tzinfo=UTC)
            older = client.create_hit(**HIT_ARGS)["HIT"]
            assert older["CreationTime"] == _dt.datetime(2012, 1, 14, tzinfo=UTC)
            assert status(client, hit_id) == "Assignable"
        # When freezegun lets go the simulation stays where it was left.
        assert sim.now == _dt.datetime(2012, 1, 14, tzinfo=UTC)
        sim.advance(hours=1)
        assert status(client, older["HITId"]) == "Reviewable"
        assert status(client, hit_id) == "Assignable"


def test_freezegun_started_inside_a_running_simulation():
    with mturk_sim(start=START):
        client = sandbox()
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        with freeze_time(START + _dt.timedelta(hours=2)):
            assert status(client, hit_id) == "Reviewable"


def test_the_freezer_fixture(freezer, mturk, client):
    freezer.move_to("2031-05-01 08:00:00")
    assert mturk.now == _dt.datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    freezer.tick(_dt.timedelta(hours=1))
    assert status(client, hit_id) == "Reviewable"
    mturk.advance(days=1)
    assert _dt.datetime.now() == _dt.datetime(2031, 5, 2, 9, 0)


# -- time-machine --------------------------------------------------------------------------


def test_time_machine_travel_is_followed():
    destination = _dt.datetime(2032, 3, 4, 5, 6, 7, tzinfo=UTC)
    with time_machine.travel(destination, tick=False), mturk_sim() as sim:
        client = sandbox()
        assert sim.now == destination
        hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
        sim.advance(minutes=30)  # moves the travel too
        assert _dt.datetime.now(UTC) == destination + _dt.timedelta(minutes=30)
        assert sim.now == destination + _dt.timedelta(minutes=30)
        assert status(client, hit_id) == "Assignable"
    assert sim.now == destination + _dt.timedelta(minutes=30)


def test_the_time_machine_fixture(time_machine, mturk, client):
    time_machine.move_to(_dt.datetime(2033, 1, 1, tzinfo=UTC), tick=False)
    hit_id = client.create_hit(**HIT_ARGS)["HIT"]["HITId"]
    assert mturk.now == _dt.datetime(2033, 1, 1, tzinfo=UTC)
    time_machine.shift(_dt.timedelta(hours=1))
    assert status(client, hit_id) == "Reviewable"


# -- epoch arithmetic (one helper: the wire, the error stamp, SNS subjects, expirations) ----


_OFFSETS = st.timedeltas(_dt.timedelta(hours=-23), _dt.timedelta(hours=23)).map(_dt.timezone)


@given(
    st.datetimes(
        min_value=_dt.datetime(1960, 1, 1),
        max_value=_dt.datetime(2200, 1, 1),
        timezones=st.none() | st.just(UTC) | _OFFSETS,
    )
)
def test_epoch_milliseconds_are_exact(value):
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    # timedelta // timedelta is integer arithmetic: no float rounding anywhere.
    expected = (aware - clock.EPOCH) // _dt.timedelta(milliseconds=1)

    assert clock.epoch_ms(value) == expected
    assert wire.epoch_ms is clock.epoch_ms
