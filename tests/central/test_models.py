"""The schema: models round-trip, time zones stay UTC, constraints hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from peewee import IntegrityError

from central.models import Area, PlayLog, Station, User


def test_aware_times_are_stored_as_utc_and_come_back_aware(tree):
    station = Station.create(area=tree["C1"], name="Đài xã Đắk Môl")
    hanoi = timezone(timedelta(hours=7))
    station.last_seen = datetime(2026, 11, 26, 11, 0, tzinfo=hanoi)
    station.save()
    again = Station.get_by_id(station.id)
    assert again.last_seen == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    assert again.last_seen.utcoffset() == timedelta(0)
    assert again.name == "Đài xã Đắk Môl"
    assert again.timezone == "Asia/Ho_Chi_Minh"


def test_area_tree_any_depth(tree):
    assert tree["V"].parent.parent.parent.code == "P"
    assert {a.code for a in tree["D"].children} == {"P-D-C1", "P-D-C2"}


def test_play_log_uuid_unique_per_station(tree):
    a = Station.create(area=tree["C1"], name="A")
    b = Station.create(area=tree["C2"], name="B")
    PlayLog.create(station=a, uuid="u-1", status="completed")
    PlayLog.create(station=b, uuid="u-1", status="completed")  # another station may reuse it
    with pytest.raises(IntegrityError):
        PlayLog.create(station=a, uuid="u-1", status="completed")


def test_area_codes_and_user_names_are_unique(tree):
    with pytest.raises(IntegrityError):
        Area.create(code="P", name="again")
    User.create(name="lan", password_hash="x", role="editor")
    with pytest.raises(IntegrityError):
        User.create(name="lan", password_hash="x", role="editor")
