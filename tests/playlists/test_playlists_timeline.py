"""The resolved timeline: tiers, grace, quiet hours, validity, windows, DST and history."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, time, timedelta

import pytest

from playlists import timeline
from playlists.errors import ScheduleError
from playlists.model import (
    Bulletin,
    Priority,
    QuietHours,
    Schedule,
    SlotItem,
    SlotRecord,
    SlotStatus,
    StationSettings,
    describe_reason,
    parse_slot_id,
    slot_id,
    slot_to_dict,
)
from tests.playlists.playlists_helpers import (
    MIN,
    VN,
    at,
    b,
    bulletins,
    by_schedule,
    chime,
    hm,
    local,
    once,
    pause,
    spans,
)

E, P, N = Priority.EMERGENCY, Priority.PRIORITY, Priority.NORMAL
ST = StationSettings()


def run(schedules, bs, start=None, end=None, settings=ST, **kw):  # type: ignore[no-untyped-def]
    return timeline.expand(schedules, bs, settings, start or at(1, 0), end or at(2, 0), **kw)


def test_items_are_laid_back_to_back_and_the_slot_ends_with_the_last() -> None:
    bs = bulletins(2, 3)
    s = once(1, local(1, 6), [chime(5), b(1), pause(10), b(2)])
    (slot,) = run([s], bs)
    assert slot.id == slot_id(1, at(1, 6)) == "1@20260531T230000Z"
    assert slot.status is SlotStatus.PLANNED and slot.reason is None
    assert spans(slot) == [("06:00", "06:00:05"), ("06:00:05", "06:02:05"),
                           ("06:02:05", "06:02:15"), ("06:02:15", "06:05:15")]
    assert [i.index for i in slot.items] == [0, 1, 2, 3]
    assert slot.items[1].asset_sha256 == bs[1].asset_sha256
    assert (slot.start, slot.end) == (at(1, 6), at(1, 6, 5, 15))


def test_normals_queue_by_planned_start_then_schedule_id() -> None:
    bs = bulletins(10, 5)
    slots = by_schedule(run([once(3, local(1, 6, 1), [b(2)]), once(2, local(1, 6), [b(1)]),
                             once(1, local(1, 6), [b(2)])], bs))
    assert spans(slots[1]) == [("06:00", "06:05")]
    assert spans(slots[2]) == [("06:05", "06:15")]
    assert spans(slots[3]) == [("06:15", "06:20")]


def test_priority_waits_for_the_current_item_then_goes_before_queued_normals() -> None:
    bs = bulletins(10, 5)
    prog = once(1, local(1, 6), [b(1), b(2), b(1)])
    queued = once(2, local(1, 6, 2), [b(2)])
    urgent = once(3, local(1, 6, 3), [b(2)], priority=P)
    slots = by_schedule(run([prog, queued, urgent], bs))
    assert spans(slots[3]) == [("06:10", "06:15")]
    # the programme is suspended between items, not cut: it resumes before the queued normal
    assert spans(slots[1]) == [("06:00", "06:10"), ("06:15", "06:20"), ("06:20", "06:30")]
    assert slots[1].status is SlotStatus.PLANNED
    assert slots[2].status is SlotStatus.MISSED and slots[2].reason == "conflict"
    assert slots[2].start == slots[2].end == at(1, 6, 2) and slots[2].items == ()


def test_emergency_cuts_the_item_playing_and_the_programme_resumes_after() -> None:
    bs = bulletins(10, 5)
    prog = once(1, local(1, 6), [b(1), b(2)])
    alarm = once(2, local(1, 6, 4), [b(2)], priority=E)
    slots = by_schedule(run([prog, alarm], bs))
    assert spans(slots[2]) == [("06:04", "06:09")]
    cut, rest = slots[1].items
    assert (hm(cut.start), hm(cut.end), cut.interrupted) == ("06:00", "06:04", True)
    assert (hm(rest.start), hm(rest.end), rest.interrupted) == ("06:09", "06:14", False)
    assert slots[1].status is SlotStatus.INTERRUPTED and slots[1].reason == "emergency"
    assert describe_reason("emergency", "en") == "interrupted by an emergency broadcast"


def test_lower_tiers_never_interrupt_higher_and_emergencies_queue() -> None:
    bs = bulletins(10, 5)
    slots = by_schedule(run([
        once(1, local(1, 6), [b(1)], priority=E),
        once(2, local(1, 6, 1), [b(2)]),
        once(3, local(1, 6, 2), [b(2)], priority=P),
        once(4, local(1, 6, 5), [b(2)], priority=E),
    ], bs))
    assert spans(slots[1]) == [("06:00", "06:10")]
    assert spans(slots[4]) == [("06:10", "06:15")]  # a second emergency waits, it does not cut
    assert spans(slots[3]) == [("06:15", "06:20")]
    assert slots[2].status is SlotStatus.MISSED and slots[2].reason == "conflict"


def test_grace_per_tier_and_per_schedule() -> None:
    bs = bulletins(50, 70, 5)
    day1 = [once(1, local(1, 6), [b(1)], priority=E), once(2, local(1, 6), [b(3)], priority=P),
            once(3, local(1, 6), [b(3)], grace_s=3600)]
    s1 = by_schedule(run(day1, bs))
    assert spans(s1[2]) == [("06:50", "06:55")]  # priority: 60 min of grace by default
    assert spans(s1[3]) == [("06:55", "07:00")]  # its own grace of an hour
    day2 = [once(1, local(2, 6), [b(2)], priority=E), once(2, local(2, 6), [b(3)], priority=P),
            once(3, local(2, 6), [b(3)], grace_s=0)]
    s2 = by_schedule(run(day2, bs, at(2, 0), at(3, 0)))
    assert s2[2].status is SlotStatus.MISSED and s2[2].reason == "conflict"
    assert s2[3].status is SlotStatus.MISSED


def test_quiet_hours_hold_back_normal_and_priority_but_not_emergency() -> None:
    quiet = StationSettings(quiet_hours=QuietHours(time(21, 30), time(5, 0)))
    bs = bulletins(5, 20)
    slots = by_schedule(run([
        once(1, local(1, 22), [b(1)]),
        once(2, local(1, 23), [b(1)], priority=E),
        once(3, local(2, 4, 50), [b(1)]),  # grace until 05:05
        once(4, local(2, 4, 30), [b(1)], priority=P),  # grace until 05:30
        once(5, local(1, 21, 20), [b(2)]),  # starts before quiet hours: finishes
    ], bs, at(1, 12), at(2, 12), settings=quiet))
    assert slots[1].status is SlotStatus.MISSED and slots[1].reason == "quiet_hours"
    assert describe_reason(slots[1].reason) == "Trong giờ yên lặng của đài"
    assert spans(slots[2]) == [("23:00", "23:05")]
    assert spans(slots[4]) == [("05:00", "05:05")]
    assert spans(slots[3]) == [("05:05", "05:10")]
    assert spans(slots[5]) == [("21:20", "21:40")]


def test_quiet_hours_miss_when_grace_ends_inside_them() -> None:
    quiet = StationSettings(quiet_hours=QuietHours(time(21, 30), time(5, 0)))
    (slot,) = run([once(1, local(2, 4, 40), [b(1)])], bulletins(5), at(2, 0), at(3, 0), settings=quiet)
    assert slot.status is SlotStatus.MISSED and slot.reason == "quiet_hours"


def test_items_outside_bulletin_validity_are_dropped_and_empty_slots_skipped() -> None:
    bs = bulletins(3, 5)
    bs[2] = dataclasses.replace(bs[2], valid_until=at(1, 6, 5))
    slots = by_schedule(run([
        once(1, local(1, 6), [b(1), b(2)]),  # b2 would start 06:03: still valid
        once(2, local(1, 7), [b(1), b(1), b(2)]),  # b2 would start 07:06: dropped
        once(3, local(1, 8), [chime(), b(2)]),  # nothing valid left, chime alone never airs
        once(4, local(1, 9), [b(99)]),  # withdrawn: not in the manifest any more
    ], bs))
    assert [i.bulletin_id for i in slots[1].items] == [1, 2]
    assert [i.bulletin_id for i in slots[2].items] == [1, 1]
    assert spans(slots[2]) == [("07:00", "07:03"), ("07:03", "07:06")]
    assert slots[3].status is SlotStatus.SKIPPED and slots[3].reason == "bulletin_invalid"
    assert slots[4].status is SlotStatus.SKIPPED and slots[4].reason == "bulletin_missing"


def test_bulletin_validity_is_checked_when_the_slot_really_starts() -> None:
    bs = bulletins(10, 5)
    bs[2] = dataclasses.replace(bs[2], valid_until=at(1, 6, 5))
    slots = by_schedule(run([once(1, local(1, 6), [b(1)], priority=E),
                             once(2, local(1, 6, 1), [b(2)])], bs))
    assert slots[2].status is SlotStatus.SKIPPED and slots[2].reason == "bulletin_invalid"


def test_schedule_validity_ending_mid_day() -> None:
    bs = bulletins(20)
    daily = Schedule(1, (b(1),), local(1, 6), rrule="FREQ=DAILY;BYHOUR=6,11;BYMINUTE=50",
                     valid_until=at(2, 12))
    slots = run([daily], bs, at(1, 0), at(3, 0))
    assert [(hm(s.planned_start), s.planned_start.astimezone(VN).day) for s in slots] == [
        ("06:50", 1), ("11:50", 1), ("06:50", 2), ("11:50", 2)]
    assert hm(slots[-1].end) == "12:10"  # started before validity ended: plays to the end
    late = once(2, local(1, 6), [b(1)], valid_until=at(1, 6, 10))
    blocker = once(3, local(1, 6), [b(1)], priority=E)
    s = by_schedule(run([late, blocker], bs))
    assert s[2].status is SlotStatus.MISSED  # could only have started at 06:20, after 06:10


def test_a_window_beginning_mid_slot_includes_it_with_the_same_times() -> None:
    bs = bulletins(30, 5)
    schedules = [once(1, local(1, 6), [b(1)]), once(2, local(1, 6, 10), [b(2)], priority=P)]
    whole = run(schedules, bs)
    part = run(schedules, bs, at(1, 6, 15), at(1, 7))
    assert part == [s for s in whole if s.schedule_id == 1] + [s for s in whole if s.schedule_id == 2]
    assert spans(part[0]) == [("06:00", "06:30")] and spans(part[1]) == [("06:30", "06:35")]


def test_window_excludes_what_neither_was_planned_nor_plays_in_it() -> None:
    bs = bulletins(5)
    slots = run([once(1, local(1, 6), [b(1)])], bs, at(1, 6, 5), at(1, 7))
    assert slots == []


def test_occurrences_spanning_midnight() -> None:
    bs = bulletins(20, 5)
    late = once(1, local(1, 23, 50), [b(1)])
    early = once(2, local(2, 0, 5), [b(2)])
    slots = by_schedule(run([late, early], bs, at(2, 0), at(2, 1)))
    assert spans(slots[1]) == [("23:50", "00:10")]
    assert spans(slots[2]) == [("00:10", "00:15")]


def test_dst_in_a_zone_that_has_it() -> None:
    ber = ZoneBerlin = "Europe/Berlin"
    settings = StationSettings(timezone=ber)
    bs = bulletins(20)
    gap = Schedule(1, (b(1),), datetime(2026, 3, 29, 2, 30), timezone=ZoneBerlin)
    rep = Schedule(2, (b(1),), datetime(2026, 10, 25, 2, 50), timezone=ZoneBerlin)
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    (s1,) = timeline.expand([gap], bs, settings, utc(2026, 3, 28), utc(2026, 3, 30))
    assert s1.start == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: shifted over the gap
    (s2,) = timeline.expand([rep], bs, settings, utc(2026, 10, 24), utc(2026, 10, 26))
    assert s2.start == utc(2026, 10, 25, 0, 50)  # the first 02:50 (CEST)
    assert s2.end - s2.start == timedelta(minutes=20)  # ends 02:10 CET: real time counts


def test_same_answer_whatever_the_order_of_schedules() -> None:
    bs = bulletins(7, 3, 11)
    ss = [once(i, local(1, 6, i % 4), [b(1 + i % 3)], priority=(N, P, E)[i % 3]) for i in range(1, 9)]
    assert run(ss, bs) == run(list(reversed(ss)), bs)


# --- history: what the station already did ---------------------------------------------


def test_a_finished_slot_is_never_played_again_and_holds_the_output() -> None:
    bs = bulletins(10, 5)
    done = once(1, local(1, 6), [b(1)])
    nxt = once(2, local(1, 6, 2), [b(2)])
    history = {slot_id(1, at(1, 6)): SlotRecord(SlotStatus.COMPLETED, at(1, 6), at(1, 6, 10))}
    slots = by_schedule(run([done, nxt], bs, at(1, 6, 5), at(1, 7),
                            history=history, busy_until=at(1, 6, 5)))
    assert slots[1].status is SlotStatus.COMPLETED and slots[1].items == ()
    assert spans(slots[2]) == [("06:10", "06:15")]


def test_a_slot_recorded_interrupted_after_a_crash_is_not_replayed() -> None:
    bs = bulletins(10)
    s = once(1, local(1, 6), [b(1)])
    rec = SlotRecord(SlotStatus.INTERRUPTED, at(1, 6), at(1, 6, 3), reason="station_off")
    (slot,) = run([s], bs, at(1, 5), at(1, 7), history={slot_id(1, at(1, 6)): rec},
                  busy_until=at(1, 6, 4))
    assert slot.status is SlotStatus.INTERRUPTED and slot.items == ()


def _playing(item_start: datetime, minutes: int, index: int = 0, bulletin_id: int = 1) -> SlotRecord:
    cur = SlotItem(kind=b(1).kind, start=item_start, end=item_start + timedelta(minutes=minutes),
                   bulletin_id=bulletin_id, asset_sha256=f"{bulletin_id:064x}", index=index)
    return SlotRecord(SlotStatus.PLAYING, started_at=item_start, next_item=index, current=cur)


def test_a_playing_slot_continues_from_its_real_start() -> None:
    bs = bulletins(10, 5)
    s = once(1, local(1, 6), [b(1), b(2)])
    history = {slot_id(1, at(1, 6)): _playing(at(1, 6, 0, 30), 10)}
    (slot,) = run([s], bs, at(1, 6, 3), at(1, 7), history=history, busy_until=at(1, 6, 3))
    assert spans(slot) == [("06:00:30", "06:10:30"), ("06:10:30", "06:15:30")]
    assert timeline.now_and_next([slot], at(1, 6, 3))[0] == slot


def test_an_emergency_cuts_what_the_station_is_playing() -> None:
    bs = bulletins(10, 5)
    s = once(1, local(1, 6), [b(1), b(2)])
    alarm = once(2, local(1, 6, 5), [b(2)], priority=E)
    history = {slot_id(1, at(1, 6)): _playing(at(1, 6), 10)}
    slots = by_schedule(run([s, alarm], bs, at(1, 6, 3), at(1, 7), history=history,
                            busy_until=at(1, 6, 3)))
    assert spans(slots[1]) == [("06:00", "06:05"), ("06:10", "06:15")]
    assert slots[1].items[0].interrupted and slots[1].status is SlotStatus.INTERRUPTED
    assert spans(slots[2]) == [("06:05", "06:10")]


def test_a_suspended_slot_resumes_at_its_next_item() -> None:
    bs = bulletins(10, 5, 7)
    s = once(1, local(1, 6), [b(1), b(2), b(3)])
    rec = SlotRecord(SlotStatus.PLAYING, started_at=at(1, 6), next_item=1, current=None)
    (slot,) = run([s], bs, at(1, 6, 20), at(1, 7), history={slot_id(1, at(1, 6)): rec},
                  busy_until=at(1, 6, 20))
    assert [i.bulletin_id for i in slot.items] == [2, 3]
    assert spans(slot) == [("06:20", "06:25"), ("06:25", "06:32")]


def test_schedule_edited_while_its_occurrence_plays() -> None:
    bs = bulletins(10, 5, 7)
    history = {slot_id(1, at(1, 6)): _playing(at(1, 6), 10)}
    # edited: new rule (no longer 06:00) and new items; the slot in progress keeps its id,
    # finishes the item sounding and takes the rest from the edited schedule
    edited = Schedule(1, (b(1), b(3)), local(1, 18), rrule="FREQ=DAILY")
    slots = run([edited], bs, at(1, 6, 3), at(1, 7), history=history, busy_until=at(1, 6, 3))
    (slot,) = slots
    assert slot.id == slot_id(1, at(1, 6))
    assert [i.bulletin_id for i in slot.items] == [1, 3]
    assert spans(slot) == [("06:00", "06:10"), ("06:10", "06:17")]
    # removed: the item sounding finishes, then the slot ends
    (gone,) = run([], bs, at(1, 6, 3), at(1, 7), history=history, busy_until=at(1, 6, 3))
    assert spans(gone) == [("06:00", "06:10")] and gone.status is SlotStatus.PLANNED


def test_station_back_from_an_outage_starts_late_within_grace_or_misses() -> None:
    bs = bulletins(5)
    slots = by_schedule(run([once(1, local(1, 6), [b(1)]), once(2, local(1, 5, 40), [b(1)])],
                            bs, at(1, 5), at(1, 7), busy_until=at(1, 6, 10)))
    assert spans(slots[1]) == [("06:10", "06:15")]
    assert slots[2].status is SlotStatus.MISSED and slots[2].reason == "station_off"


def test_a_local_announcement_holds_normal_slots_but_not_emergencies() -> None:
    bs = bulletins(5)
    slots = by_schedule(run([once(1, local(1, 6), [b(1)]), once(2, local(1, 6, 3), [b(1)], priority=E)],
                            bs, local_until=at(1, 6, 7)))
    assert spans(slots[2]) == [("06:03", "06:08")]
    assert spans(slots[1]) == [("06:08", "06:13")]


# --- the player loop's questions ---------------------------------------------------------


def test_now_and_next_and_the_next_boundary() -> None:
    bs = bulletins(10, 5)
    slots = run([once(1, local(1, 6), [b(1), b(2)]), once(2, local(1, 6, 4), [b(2)], priority=E)], bs)
    prog, alarm = sorted(slots, key=lambda s: s.schedule_id)
    assert timeline.now_and_next(slots, at(1, 5)) == (None, prog)
    assert timeline.now_and_next(slots, at(1, 6, 2)) == (prog, alarm)
    assert timeline.now_and_next(slots, at(1, 6, 5)) == (alarm, prog)  # prog resumes at 06:09
    assert timeline.now_and_next(slots, at(1, 6, 14)) == (None, None)
    assert timeline.current_item(slots, at(1, 6, 10)) == (prog, prog.items[1])
    assert timeline.next_boundary(slots, at(1, 6, 2)) == at(1, 6, 4)
    assert timeline.next_boundary(slots, at(1, 6, 4)) == at(1, 6, 9)
    assert timeline.next_boundary(slots, at(1, 6, 14)) is None


def test_slot_ids_round_trip_and_slots_serialise_for_the_preview() -> None:
    sid = slot_id(42, at(1, 6))
    assert parse_slot_id(sid) == (42, at(1, 6))
    with pytest.raises(ScheduleError):
        parse_slot_id("42-20260601")
    (slot,) = run([once(1, local(1, 6), [b(1)])], bulletins(1))
    d = json.loads(json.dumps(slot_to_dict(slot)))
    assert {"id", "start", "end", "priority", "status", "items"} <= d.keys()
    assert d["items"][0]["start"] == "2026-05-31T23:00:00+00:00" and d["status"] == "planned"


def test_expand_wants_aware_times() -> None:
    with pytest.raises(ScheduleError):
        timeline.expand([], {}, ST, datetime(2026, 6, 1), at(2, 0))


def test_lookback_covers_the_longest_programme_and_grace() -> None:
    bs: dict[int, Bulletin] = bulletins(90)
    assert timeline.lookback([once(1, local(1, 6), [b(1)])], bs) == timedelta(minutes=60 + 180)
    assert timeline.lookback([once(1, local(1, 6), [b(1)], priority=E)], bs) >= timedelta(hours=24)
    assert MIN == 60_000


def test_a_broken_rule_leaves_out_its_schedule_not_the_station(caplog: pytest.LogCaptureFixture) -> None:
    bs = bulletins(5)
    broken = Schedule(7, (b(1),), local(1, 6), rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    (slot,) = run([broken, once(1, local(1, 6), [b(1)])], bs)
    assert slot.schedule_id == 1 and slot.status is SlotStatus.PLANNED
    assert "schedule 7 left out" in caplog.text


def test_deadline_is_grace_after_the_plan_and_before_validity_ends() -> None:
    s = once(1, local(1, 6), [b(1)])
    assert timeline.deadline(s, at(1, 6)) == at(1, 6, 15)
    assert timeline.deadline(dataclasses.replace(s, priority=P), at(1, 6)) == at(1, 7)
    assert timeline.deadline(dataclasses.replace(s, priority=E), at(1, 6)) == at(2, 6)
    capped = dataclasses.replace(s, valid_until=at(1, 6, 10))
    assert at(1, 6, 9, 59) < timeline.deadline(capped, at(1, 6)) < at(1, 6, 10)


def test_without_an_outage_the_lookback_need_not_cover_emergency_grace() -> None:
    bs = bulletins(10)
    ss = [once(1, local(1, 6), [b(1)], priority=E)]
    assert timeline.lookback(ss, bs) == timeline.EMERGENCY_MAX_LATE + timedelta(minutes=20)
    assert timeline.lookback(ss, bs, outage=False) == timedelta(hours=1, minutes=20)


def test_an_emergency_planned_while_the_station_was_off_plays_when_it_is_back() -> None:
    bs = bulletins(5)
    slots = by_schedule(run([once(1, local(1, 3), [b(1)], priority=E), once(2, local(1, 6), [b(1)])],
                            bs, at(1, 0), at(1, 12), busy_until=at(1, 6, 10)))
    assert spans(slots[1]) == [("06:10", "06:15")]  # three hours late, still valid: it airs
    assert spans(slots[2]) == [("06:15", "06:20")]


def test_a_priority_cut_by_an_emergency_resumes_before_other_priorities() -> None:
    bs = bulletins(10, 5)
    slots = by_schedule(run([
        once(1, local(1, 6), [b(1), b(2)], priority=P),
        once(2, local(1, 6, 2), [b(2)], priority=E),
        once(3, local(1, 6, 3), [b(2)], priority=P),
    ], bs))
    assert spans(slots[1]) == [("06:00", "06:02"), ("06:07", "06:12")]
    assert spans(slots[3]) == [("06:12", "06:17")]


def test_exdates_and_validity_start_remove_occurrences_from_the_timeline() -> None:
    bs = bulletins(5)
    daily = Schedule(1, (b(1),), local(1, 6), rrule="FREQ=DAILY", exdates=(local(2, 6),),
                     valid_from=at(1, 12))
    slots = run([daily], bs, at(1, 0), at(5, 0))
    assert [s.planned_start for s in slots] == [at(3, 6), at(4, 6)]


def test_a_resumed_slot_keeps_its_real_start() -> None:
    bs = bulletins(10, 5)
    s = once(1, local(1, 6), [b(1), b(2)])
    rec = SlotRecord(SlotStatus.PLAYING, started_at=at(1, 6), next_item=1, current=None)
    (slot,) = run([s], bs, at(1, 6, 20), at(1, 7), history={slot_id(1, at(1, 6)): rec},
                  busy_until=at(1, 6, 20))
    assert slot.start == at(1, 6) and spans(slot) == [("06:20", "06:25")]


def test_the_rest_of_a_slot_in_progress_keeps_its_closing_chime() -> None:
    bs = bulletins(10)
    s = once(1, local(1, 6), [b(1), chime(4), b(99)])  # b99 withdrawn meanwhile
    history = {slot_id(1, at(1, 6)): _playing(at(1, 6), 10)}
    (slot,) = run([s], bs, at(1, 6, 3), at(1, 7), history=history, busy_until=at(1, 6, 3))
    assert spans(slot) == [("06:00", "06:10"), ("06:10", "06:10:04")]


def test_a_schedule_id_given_twice_counts_once(caplog: pytest.LogCaptureFixture) -> None:
    bs = bulletins(5, 7)
    slots = run([once(1, local(1, 6), [b(1)]), once(1, local(1, 6), [b(2)])], bs)
    assert [[i.bulletin_id for i in s.items] for s in slots] == [[1]]
    assert "given twice" in caplog.text


def test_reason_codes_read_in_vietnamese_or_english_with_their_detail() -> None:
    assert describe_reason("station_off") == "Đài tắt hoặc mất kết nối"
    assert describe_reason("player_failed: exit status 1", "en") == "the audio player failed: exit status 1"
    assert describe_reason("something_new") == "something_new"
    assert describe_reason(None) == ""
