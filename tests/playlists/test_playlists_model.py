"""The manifest wire shape of the schedule words round-trips, Vietnamese text included."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from playlists import rules
from playlists.errors import ScheduleError
from playlists.model import (
    Bulletin,
    Item,
    ItemKind,
    Priority,
    QuietHours,
    Schedule,
    StationSettings,
    bulletin_to_dict,
    canonical_bytes,
    manifest_content,
    schedule_to_dict,
    settings_to_dict,
)


def test_a_manifest_round_trips_through_canonical_json() -> None:
    import json

    rule = rules.weekly(["MO", "TH"], [time(6), time(17, 30)], datetime(2026, 6, 1).date())
    sch = Schedule(
        id=3, title="Phòng, chống ma túy", items=(Item(ItemKind.CHIME, asset_sha256="c" * 64, duration_ms=4000),
                                                    Item(ItemKind.BULLETIN, bulletin_id=9),
                                                    Item(ItemKind.PAUSE, duration_ms=1500)),
        dtstart=rule.dtstart, rrule=rule.rrule, exdates=(datetime(2026, 6, 4, 6, 0),),
        priority=Priority.PRIORITY, grace_s=1800, valid_until=datetime(2026, 12, 1, tzinfo=UTC),
    )
    b = Bulletin(9, "Tháng hành động phòng, chống ma túy", "a" * 64, 61_230, "ma_tuy",
                 valid_from=datetime(2026, 6, 1, tzinfo=UTC))
    st = StationSettings(quiet_hours=QuietHours(time(21, 30), time(5, 0)))
    m = {"version": 12, "station": settings_to_dict(st), "bulletins": [bulletin_to_dict(b)],
         "schedules": [schedule_to_dict(sch)]}
    back = manifest_content(json.loads(canonical_bytes(m)))
    assert back.schedules == (sch,) and back.bulletins == {9: b} and back.settings == st
    assert "ma túy".encode() in canonical_bytes(m)  # diacritics kept, not \\u-escaped
    assert rules.occurrences(back.schedules[0], datetime(2026, 6, 1, tzinfo=UTC),
                             datetime(2026, 6, 8, tzinfo=UTC)) == rules.occurrences(
        sch, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC))


def test_a_bad_manifest_says_what_is_wrong() -> None:
    with pytest.raises(ScheduleError, match="valid_until"):
        manifest_content({"version": 1, "schedules": [{
            "id": 1, "items": [], "dtstart": "2026-06-01T06:00:00", "valid_until": "2026-07-01T00:00:00"}]})
    with pytest.raises(ScheduleError, match="bad manifest"):
        manifest_content({"schedules": []})
