"""An emergency's "play no later than" (``Schedule.play_by``): received later, it is missed as stale."""

from __future__ import annotations

from playlists import timeline
from playlists.model import (
    Priority,
    SlotStatus,
    StationSettings,
    schedule_from_dict,
    schedule_to_dict,
)
from tests.playlists.playlists_helpers import at, b, bulletins, local, once, spans

E = Priority.EMERGENCY
ST = StationSettings()


def run(schedules, bs, **kw):  # type: ignore[no-untyped-def]
    return timeline.expand(schedules, bs, ST, at(1, 5), at(1, 8), **kw)


def test_an_emergency_received_after_its_play_by_is_missed_as_stale_not_aired() -> None:
    bs = bulletins(1)
    evacuate = once(1, local(1, 6), [b(1)], priority=E, play_by=at(1, 6, 30))
    (slot,) = run([evacuate], bs, busy_until=at(1, 6, 31))  # the manifest came at 06:31
    assert (slot.status, slot.reason, slot.items) == (SlotStatus.MISSED, "stale", ())
    # without the bound, an emergency waits "until it expires" and would air now, outdated
    (late,) = run([once(1, local(1, 6), [b(1)], priority=E)], bs, busy_until=at(1, 6, 31))
    assert late.status is SlotStatus.PLANNED and spans(late)[0][0] == "06:31"


def test_before_its_play_by_it_still_airs_late() -> None:
    bs = bulletins(1)
    (slot,) = run([once(1, local(1, 6), [b(1)], priority=E, play_by=at(1, 6, 30))], bs,
                  busy_until=at(1, 6, 29))
    assert slot.status is SlotStatus.PLANNED and spans(slot) == [("06:29", "06:30")]


def test_audio_that_arrives_after_play_by_does_not_make_it_wait_it_is_stale() -> None:
    """Received late and without its audio: the miss is the lateness, not the download."""
    bs = bulletins(1)
    s = once(1, local(1, 6), [b(1)], priority=E, play_by=at(1, 6, 30))
    (slot,) = run([s], bs, busy_until=at(1, 6, 40), unready={bs[1].asset_sha256})
    assert (slot.status, slot.reason) == (SlotStatus.MISSED, "stale")
    # in time but still downloading: it waits for its audio, as any slot does
    (waiting,) = run([s], bs, busy_until=at(1, 6, 10), unready={bs[1].asset_sha256})
    assert (waiting.status, waiting.reason) == (SlotStatus.MISSED, "asset_missing")
    assert timeline.deadline(s, at(1, 6)) == at(1, 6, 30)


def test_play_by_travels_in_the_manifest_only_when_set() -> None:
    s = once(1, local(1, 6), [b(1)], priority=E, play_by=at(1, 6, 30))
    d = schedule_to_dict(s)
    assert d["play_by"] == at(1, 6, 30).isoformat()
    assert schedule_from_dict(d).play_by == at(1, 6, 30)
    plain = schedule_to_dict(once(2, local(1, 6), [b(1)]))
    assert "play_by" not in plain, "an old station's manifest must read exactly as before"
    assert schedule_from_dict(plain).play_by is None
