"""Quiet hours whose end a DST change skips or repeats: the wall clock decides, as it does for their start.

Found by ``test_playlists_properties.py::test_a_station_reporting_its_history_keeps_to_the_plan``: the
plan said a slot waited until 01:01 UTC, while a station re-planning at 01:00 (03:00 CEST, no longer
quiet) started it at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from playlists import timeline
from playlists.model import Item, ItemKind, QuietHours, Schedule, StationSettings

CHIME = Item(kind=ItemKind.CHIME, asset_sha256="c" * 64, duration_ms=4000)
BERLIN = "Europe/Berlin"  # 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST; 2026-10-25 01:00 UTC back


def expand(start: datetime, dtstart: datetime, quiet: QuietHours, frm: datetime | None = None) -> list:
    s = Schedule(id=1, items=(CHIME,), dtstart=dtstart, timezone=BERLIN, grace_s=3 * 3600)
    settings = StationSettings(timezone=BERLIN, quiet_hours=quiet)
    return timeline.expand([s], {}, settings, frm or start, datetime(2026, 12, 31, tzinfo=UTC))


def test_an_end_the_spring_forward_skips_ends_quiet_hours_when_the_clock_jumps() -> None:
    quiet = QuietHours(time(5, 0), time(2, 1))  # 02:01 does not exist in Berlin on 29 March 2026
    [slot] = expand(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 50), quiet)
    assert slot.start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, out of quiet hours
    [again] = expand(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 50), quiet,
                     frm=datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    assert again.start == slot.start


def test_an_end_the_fall_back_repeats_ends_quiet_hours_each_time_the_clock_reaches_it() -> None:
    quiet = QuietHours(time(22, 0), time(2, 30))  # 02:30 happens twice in Berlin on 25 October 2026
    [first] = expand(datetime(2026, 10, 24, 21, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0), quiet)
    assert first.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    # planned in the repeated hour (02:10 CET = 01:10 UTC, quiet by the wall clock): 02:30 CET
    [second] = expand(datetime(2026, 10, 25, 1, 5, tzinfo=UTC), datetime(2026, 10, 25, 2, 10, 0, fold=1),
                      quiet)
    assert second.start == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
