"""A slot whose audio the station has not verified yet waits for it, and holds nothing meanwhile."""

from __future__ import annotations

from playlists import timeline
from playlists.model import (
    Priority,
    SlotRecord,
    SlotStatus,
    StationSettings,
    describe_reason,
    slot_id,
)
from tests.playlists.playlists_helpers import (
    at,
    b,
    bulletins,
    by_schedule,
    chime,
    local,
    once,
    spans,
)

E = Priority.EMERGENCY
ST = StationSettings()


def run(schedules, bs, start=None, end=None, **kw):  # type: ignore[no-untyped-def]
    return timeline.expand(schedules, bs, ST, start or at(1, 5), end or at(1, 8), **kw)


def test_a_slot_without_its_audio_reads_missed_for_lack_of_it_and_plays_late_once_it_is_there() -> None:
    bs = bulletins(5)
    sched = once(1, local(1, 6), [b(1)])
    (waiting,) = run([sched], bs, busy_until=at(1, 6), unready={bs[1].asset_sha256})
    assert (waiting.status, waiting.reason, waiting.items) == (SlotStatus.MISSED, "asset_missing", ())
    # the audio is verified 20 s later, well inside the 15-minute grace: the slot starts then
    (late,) = run([sched], bs, busy_until=at(1, 6, 0, 20), unready=set())
    assert late.status is SlotStatus.PLANNED and spans(late) == [("06:00:20", "06:05:20")]
    assert late.planned_start == at(1, 6)


def test_a_waiting_slot_does_not_hold_the_output_from_others() -> None:
    bs = bulletins(5, 5)
    slots = by_schedule(run([once(1, local(1, 6), [b(1)]), once(2, local(1, 6), [b(2)])], bs,
                            busy_until=at(1, 6), unready={bs[1].asset_sha256}))
    assert slots[1].status is SlotStatus.MISSED and slots[1].reason == "asset_missing"
    assert spans(slots[2]) == [("06:00", "06:05")], "the other slot plays on time, not behind the waiting one"


def test_any_missing_item_holds_the_whole_programme_including_its_chime() -> None:
    """Chime first, bulletin still downloading: sounding the chime alone would announce nothing."""
    bs = bulletins(5)
    (slot,) = run([once(1, local(1, 6), [chime(), b(1)], priority=E)], bs, busy_until=at(1, 6),
                  unready={bs[1].asset_sha256})
    assert slot.reason == "asset_missing"
    (chime_missing,) = run([once(1, local(1, 6), [chime(), b(1)])], bs, busy_until=at(1, 6),
                           unready={"c" * 64})
    assert chime_missing.reason == "asset_missing"


def test_an_emergency_without_its_audio_cuts_nothing() -> None:
    bs = bulletins(10, 2)
    sched = [once(1, local(1, 6), [b(1)]), once(2, local(1, 6, 3), [b(2)], priority=E)]
    slots = by_schedule(run(sched, bs, unready={bs[2].asset_sha256}))
    assert slots[1].status is SlotStatus.PLANNED and spans(slots[1]) == [("06:00", "06:10")]
    assert slots[2].reason == "asset_missing"
    slots = by_schedule(run(sched, bs))
    assert slots[1].status is SlotStatus.INTERRUPTED, "with its audio it does cut (the control)"


def test_a_slot_in_progress_is_not_held_back() -> None:
    bs = bulletins(5, 5)
    sched = once(1, local(1, 6), [b(1), b(2)])
    sid = slot_id(1, at(1, 6))
    history = {sid: SlotRecord(SlotStatus.PLAYING, at(1, 6), None, next_item=1)}
    (slot,) = run([sched], bs, history=history, busy_until=at(1, 6, 5), unready={bs[2].asset_sha256})
    assert slot.status is SlotStatus.PLANNED and spans(slot) == [("06:05", "06:10")]


def test_unready_audio_of_other_schedules_changes_nothing_and_the_central_preview_passes_none() -> None:
    bs = bulletins(5, 5)
    sched = [once(1, local(1, 6), [b(1)])]
    assert run(sched, bs, unready={bs[2].asset_sha256}) == run(sched, bs)


def test_late_start_reasons_read_with_their_detail() -> None:
    assert describe_reason("late_asset: 21.3 s", "en") == "started late: waited for its audio to download: 21.3 s"
    assert describe_reason("late_start: 4.0 s") == "Phát muộn so với lịch: 4.0 s"
