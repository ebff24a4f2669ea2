"""The player loop with a fake clock and a fake sound card, on a real store and real playlists."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from playlists.model import Priority, QuietHours
from station import config, status
from station.assets import AssetCache
from station.clock import Clock
from station.commands import Command
from station.daemon import Agent
from station.loop import PlayerLoop
from station.store import Store
from station.timeline import expand
from tests.processes import wait_for

from .station_helpers import Central, FakePlayer, FakeTime, FullDisk, apply, local, utc


@dataclass
class Rig:
    time: FakeTime
    clock: Clock
    store: Store
    cache: AssetCache
    player: FakePlayer
    central: Central
    loop: PlayerLoop

    def apply(self) -> None:
        apply(self.store, self.cache, self.central, self.clock.now())
        self.loop.reload()

    def step_at(self, naive_local) -> None:  # type: ignore[no-untyped-def]
        self.time.t = utc(naive_local)
        self.loop.step()

    def plays(self) -> list[dict]:  # type: ignore[type-arg]
        return sorted(self.store.recent_plays(100), key=lambda p: (p["recorded_at"], p["item_index"]))

    def restart(self) -> None:
        self.loop.shutdown()
        self.store.close()
        self.store = Store(self.store.path)
        self.cache = AssetCache(self.cache.root, self.store)
        self.player = FakePlayer()
        self.loop = PlayerLoop(self.store, self.cache, self.player, self.clock, expand)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    t = FakeTime(utc(local(2026, 6, 1, 5, 50)))
    clock = Clock(t)
    store = Store(tmp_path / "station.db")
    cache = AssetCache(tmp_path / "assets", store)
    player = FakePlayer()
    return Rig(t, clock, store, cache, player, Central(), PlayerLoop(store, cache, player, clock, expand))


def test_a_bulletin_starts_at_its_minute_and_is_logged_before_and_after(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    wake = rig.loop.step()
    assert wake == utc(local(2026, 6, 1, 6, 0)), "sleeps until the slot, not a fixed poll"
    assert rig.player.started == []
    rig.step_at(local(2026, 6, 1, 6, 0))
    assert len(rig.player.started) == 1
    assert rig.player.started[0].path == rig.cache.path(rig.central.bulletins[1].asset_sha256)
    assert rig.player.started[0].volume == 80
    [p] = rig.plays()
    assert p["status"] == "playing" and rig.store.outbox_size() == 1, "written before the sound ends"
    rig.time.t = utc(local(2026, 6, 1, 6, 1))
    rig.player.started[0].finish(0)
    rig.loop.step()
    [p] = rig.plays()
    assert p["status"] == "completed" and p["slot_id"] == "10@20260531T230000Z"
    assert p["planned_start"].startswith("2026-05-31T23:00:00")
    assert p["clock_trusted"] is False or p["clock_trusted"] == 0, "never synced: not trusted"
    rig.step_at(local(2026, 6, 1, 6, 5))
    assert len(rig.player.started) == 1, "a finished slot is not played again"


def test_emergency_cuts_a_normal_bulletin_which_resumes_after(rig: Rig) -> None:
    rig.central.bulletin(1, 120)
    rig.central.bulletin(2, 60)
    rig.central.bulletin(9, 30, title="Cảnh báo lũ quét khẩn cấp")
    rig.central.schedule(10, [1, 2], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    normal = rig.player.current
    assert normal is not None
    rig.time.t = utc(local(2026, 6, 1, 6, 0, 40))
    rig.central.schedule(99, [9], local(2026, 6, 1, 6, 0, 40), priority=Priority.EMERGENCY)
    rig.apply()
    rig.loop.step()
    assert normal.code == -15, "the normal bulletin was stopped at once"
    emergency = rig.player.current
    assert emergency is not None and emergency.path.name == rig.central.bulletins[9].asset_sha256
    rig.time.advance(30)
    emergency.finish(0)
    rig.loop.step()
    resumed = rig.player.current
    assert resumed is not None and resumed.path.name == rig.central.bulletins[2].asset_sha256
    plays = {(p["bulletin_id"], p["status"], p["reason"]) for p in rig.plays()}
    assert (1, "interrupted", "emergency") in plays
    assert (9, "playing", None) not in plays and (9, "completed", None) in plays


def test_a_slot_cut_by_a_restart_is_logged_interrupted_and_not_replayed(rig: Rig) -> None:
    rig.central.bulletin(1, 120)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    assert rig.player.current is not None
    # power cut: nothing is closed cleanly; the next start recovers
    rig.store.close()
    rig.store = Store(rig.store.path)
    assert rig.store.recover_interrupted()
    rig.cache = AssetCache(rig.cache.root, rig.store)
    rig.player = FakePlayer()
    rig.loop = PlayerLoop(rig.store, rig.cache, rig.player, rig.clock, expand)
    rig.step_at(local(2026, 6, 1, 6, 0, 30))
    assert rig.player.started == [], "the cut slot is not played again"
    [p] = rig.plays()
    assert p["status"] == "interrupted" and p["reason"] == "agent_restart"


def test_slots_while_the_station_was_off_are_missed_with_a_reason(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0), rrule="FREQ=DAILY", grace_s=600)
    rig.apply()
    rig.loop.step()
    rig.restart()
    rig.step_at(local(2026, 6, 2, 6, 30))  # off from before 06:00 on day 1 until after day 2's grace
    missed = [p for p in rig.plays() if p["status"] == "missed"]
    assert {p["slot_id"] for p in missed} == {"10@20260531T230000Z", "10@20260601T230000Z"}
    assert {p["reason"] for p in missed} == {"station_off"}
    assert rig.player.started == []


def test_a_late_start_within_grace_still_plays(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0), grace_s=600)
    rig.apply()
    rig.loop.step()
    rig.restart()
    rig.step_at(local(2026, 6, 1, 6, 5))
    assert len(rig.player.started) == 1


def test_quiet_hours_hold_back_normal_but_not_emergency(rig: Rig) -> None:
    rig.central.settings = replace(rig.central.settings, quiet_hours=QuietHours(
        local(2026, 1, 1, 21, 30).time(), local(2026, 1, 1, 5, 0).time()))
    rig.central.bulletin(1, 60)
    rig.central.bulletin(9, 30)
    rig.central.schedule(10, [1], local(2026, 6, 1, 22, 0), grace_s=300)
    rig.central.schedule(99, [9], local(2026, 6, 1, 23, 0), priority=Priority.EMERGENCY)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 22, 0))
    assert rig.player.started == []
    rig.step_at(local(2026, 6, 1, 22, 6))
    [p] = rig.plays()
    assert (p["status"], p["reason"]) == ("missed", "quiet_hours")
    rig.step_at(local(2026, 6, 1, 23, 0))
    assert rig.player.current is not None


def test_local_quiet_hours_off_lets_a_normal_slot_play(rig: Rig) -> None:
    rig.central.settings = replace(rig.central.settings, quiet_hours=QuietHours(
        local(2026, 1, 1, 21, 30).time(), local(2026, 1, 1, 5, 0).time()), volume=70)
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 22, 0))
    rig.apply()
    rig.store.put(local_quiet_hours="off", local_volume=35)
    rig.loop.reload()
    rig.step_at(local(2026, 6, 1, 22, 0))
    assert rig.player.current is not None and rig.player.current.volume == 35


def test_missing_audio_is_waited_for_until_the_grace_ends_then_the_slot_is_missed(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.bulletin(2, 60)
    rig.central.schedule(10, [1, 2], local(2026, 6, 1, 6, 0), grace_s=600)
    rig.apply()
    gone = rig.cache.path(rig.central.bulletins[1].asset_sha256)
    gone.unlink()
    rig.cache.verify_all()
    rig.step_at(local(2026, 6, 1, 6, 0))
    assert rig.player.started == [] and rig.plays() == [], "waits for its audio: neither played nor missed yet"
    assert rig.loop.step() == utc(local(2026, 6, 1, 6, 10)), "wakes when the grace ends (or when the audio is in)"
    rig.step_at(local(2026, 6, 1, 6, 9, 59))
    assert rig.plays() == []
    rig.step_at(local(2026, 6, 1, 6, 10))
    assert rig.player.started == []
    assert [(p["bulletin_id"], p["status"], p["reason"]) for p in rig.plays()] == [
        (1, "missed", "asset_missing"), (2, "missed", "asset_missing")]
    gone.write_bytes(rig.central.blobs[rig.central.bulletins[1].asset_sha256])
    rig.cache.verify_all()
    rig.step_at(local(2026, 6, 1, 6, 10, 5))
    assert rig.player.started == [], "a slot logged missed never plays after all"


def test_a_player_that_dies_early_is_reported_failed(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.time.advance(3)
    assert rig.player.current is not None
    rig.player.current.finish(0)
    rig.loop.step()
    [p] = rig.plays()
    assert p["status"] == "failed" and "3.0 s of 60.0 s" in p["reason"]


def test_pause_between_items_and_operator_stop(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.bulletin(2, 60)
    rig.central.schedule(10, [1, 2], local(2026, 6, 1, 6, 0), pause_s=20)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.time.advance(60)
    first = rig.player.current
    assert first is not None
    first.finish(0)
    wake = rig.loop.step()
    assert rig.player.current is None and wake == rig.time.t + timedelta(seconds=20)
    rig.time.t = wake
    rig.loop.step()
    second = rig.player.current
    assert second is not None
    rig.loop.command(Command("stop"))
    rig.time.advance(5)
    rig.loop.step()
    assert second.code == -15
    rig.step_at(local(2026, 6, 1, 6, 10))
    statuses = [(p["bulletin_id"], p["status"], p["reason"]) for p in rig.plays()]
    assert statuses == [(1, "completed", None), (2, "interrupted", "operator_stop")]


def test_operator_play_now_and_local_announcement(rig: Rig, tmp_path: Path) -> None:
    rig.central.bulletin(1, 60)
    rig.apply()
    rig.loop.step()
    rig.loop.command(Command("play", bulletin_id=1))
    rig.loop.step()
    assert rig.player.current is not None
    rig.time.advance(60)
    rig.player.current.finish(0)
    rig.loop.step()
    f = tmp_path / "thong-bao.mp3"
    f.write_bytes(b"ID3 fake")
    rig.loop.command(Command("local", path=f, title="Thông báo họp dân", extra={"sha256": "ab" * 32}))
    rig.loop.step()
    assert rig.player.current is not None and rig.player.current.path == f
    rig.player.current.finish(0)
    rig.loop.step()
    got = [(p["bulletin_id"], p["status"], p["slot_id"], p["title"]) for p in rig.plays()]
    assert got == [(1, "completed", None, "Bản tin phòng chống ma túy số 1"),
                   (None, "local", None, "Thông báo họp dân")]


def test_emergency_cuts_an_operator_play(rig: Rig) -> None:
    rig.central.bulletin(1, 300)
    rig.central.bulletin(9, 30)
    rig.central.schedule(99, [9], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 5, 58))
    rig.loop.command(Command("play", bulletin_id=1))
    rig.loop.step()
    manual = rig.player.current
    assert manual is not None
    rig.step_at(local(2026, 6, 1, 6, 0))
    assert manual.code == -15
    assert rig.player.current is not None and rig.player.current.path.name == rig.central.bulletins[9].asset_sha256


def test_an_operator_can_neither_stop_nor_talk_over_an_emergency(rig: Rig, tmp_path: Path) -> None:
    """Rule 4: what the station's page asks never silences an emergency (station/commands.py)."""
    rig.central.bulletin(1, 60)
    rig.central.bulletin(9, 30, title="Cảnh báo lũ quét khẩn cấp")
    rig.central.schedule(99, [9], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    emergency = rig.player.current
    assert emergency is not None and emergency.path.name == rig.central.bulletins[9].asset_sha256
    f = tmp_path / "thong-bao.mp3"
    f.write_bytes(b"ID3 fake")
    for cmd in (Command("stop"), Command("play", bulletin_id=1),
                Command("local", path=f, title="Thông báo họp dân", extra={"sha256": "ab" * 32})):
        rig.loop.command(cmd)
        rig.time.advance(5)
        rig.loop.step()
        assert emergency.code is None and rig.player.current is emergency, f"{cmd.kind} cut the emergency"
    assert len(rig.player.started) == 1, "nothing else was started over it"
    rig.time.advance(15)
    emergency.finish(0)
    rig.loop.step()
    assert [(p["bulletin_id"], p["status"], p["reason"]) for p in rig.plays()] == [(9, "completed", None)]


def test_seven_days_offline_every_slot_plays_once_and_waits_in_the_outbox(rig: Rig) -> None:
    rig.central.bulletin(1, 90)
    rig.central.bulletin(2, 45)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0), rrule="FREQ=DAILY;BYHOUR=6,11,17;BYMINUTE=0")
    rig.central.schedule(11, [2, 1], local(2026, 6, 1, 17, 30), rrule="FREQ=DAILY", pause_s=10)
    rig.apply()
    end = utc(local(2026, 6, 8, 0, 0))
    wakes = 0
    while rig.time.t < end:
        wake = rig.loop.step()
        wakes += 1
        pb = rig.player.current
        if pb is not None:  # the sound card plays the file to its end
            rig.time.t += timedelta(seconds=90 if pb.path.name == rig.central.bulletins[1].asset_sha256 else 45)
            pb.finish(0)
        else:
            assert wake > rig.time.t
            rig.time.t = wake
    plays = rig.plays()
    assert len(plays) == 7 * (3 + 2)
    assert {p["status"] for p in plays} == {"completed"}
    assert len({(p["slot_id"], p["item_index"]) for p in plays}) == len(plays), "nothing twice"
    assert rig.store.outbox_size() == len(plays), "every play waits for the central"
    assert wakes < 7 * (24 + 5 * 4), "the loop sleeps until the next boundary (at most an hour)"


def test_a_bulletin_withdrawn_while_it_plays_stops_at_the_next_manifest(rig: Rig) -> None:
    rig.central.bulletin(1, 120)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    playing = rig.player.current
    assert playing is not None
    rig.time.advance(20)
    del rig.central.bulletins[1]  # withdrawn on the central: gone from the next manifest
    rig.apply()
    rig.loop.step()
    assert playing.code == -15
    [p] = rig.plays()
    assert (p["status"], p["reason"]) == ("interrupted", "bulletin_missing")


@pytest.mark.parametrize("priority", [Priority.NORMAL, Priority.EMERGENCY])
def test_a_full_disk_does_not_silence_a_play_and_its_log_is_saved_once_later(
        rig: Rig, tmp_path: Path, priority: Priority) -> None:
    rig.store.close()
    store = FullDisk(tmp_path / "full.db")
    rig.store, rig.cache = store, AssetCache(tmp_path / "assets", store)
    rig.loop = PlayerLoop(store, rig.cache, rig.player, rig.clock, expand)
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0), priority=priority)
    rig.apply()
    rig.loop.step()
    store.full = True
    rig.step_at(local(2026, 6, 1, 6, 0))
    playing = rig.player.current
    assert playing is not None, "the loudspeaker plays even though the proof-of-play write failed"
    assert rig.loop.running is not None and rig.loop.running.play_id is not None
    play_id = rig.loop.running.play_id
    assert rig.plays() == [] and rig.loop.journal.pending
    assert "disk is full" in str(status.build(store, rig.cache, rig.clock, None, rig.loop.journal.error)["last_error"])
    rig.time.advance(60)
    playing.finish(0)
    wake = rig.loop.step()
    assert wake <= rig.time.t + timedelta(seconds=10), "retries the refused writes soon"
    rig.time.advance(10)
    rig.loop.step()
    assert len(rig.player.started) == 1, "the finished item is not played again while its log waits"
    store.full = False
    rig.time.advance(10)
    rig.loop.step()
    rig.loop.journal.flush()
    rig.loop.step()
    [p] = rig.plays()
    assert (p["id"], p["status"], p["priority"]) == (play_id, "completed", priority.value), "same UUID"
    assert rig.store.outbox_size() == 1, "logged once, never twice"
    assert rig.loop.journal.error is None
    rig.step_at(local(2026, 6, 1, 6, 30))
    assert len(rig.player.started) == 1 and len(rig.plays()) == 1


@dataclass
class BlobCentral:
    """The download edge of a central: serves the bytes it signed (the sync's fetch uses only this)."""

    blobs: dict[str, bytes]

    def download(self, sha256: str, part: Path, rate_bps: int = 0, size: int | None = None) -> None:
        part.write_bytes(self.blobs[sha256])


def test_a_file_corrupted_in_the_cache_is_never_played_and_is_fetched_again(rig: Rig) -> None:
    rig.central.bulletin(1, 60)
    rig.central.bulletin(2, 60)
    rig.central.schedule(10, [1, 2], local(2026, 6, 1, 6, 0), rrule="FREQ=DAILY")
    rig.apply()  # verified into the cache; then a bad SD card flips bytes without the agent knowing
    sha1 = rig.central.bulletins[1].asset_sha256
    bad = rig.cache.path(sha1)
    data = bytearray(bad.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    rig.step_at(local(2026, 6, 1, 6, 0))
    assert rig.player.started == [], "never the corrupted bytes; the slot waits for a good copy"
    assert not bad.exists()
    [due] = rig.cache.missing(rig.time.t, {})
    assert due.sha256 == sha1, "queued to be fetched again"
    rig.cache.fetch(due, BlobCentral(rig.central.blobs), rig.time.t)  # type: ignore[arg-type]
    rig.step_at(local(2026, 6, 1, 6, 0, 5))
    assert rig.player.current is not None and rig.player.current.path.name == sha1, "the fetched copy plays"
    rig.time.advance(60)
    rig.player.current.finish(0)
    rig.loop.step()
    assert rig.player.current is not None and rig.player.current.path.name == rig.central.bulletins[2].asset_sha256
    [first] = [p for p in rig.plays() if p["bulletin_id"] == 1]
    assert (first["status"], first["reason"]) == ("completed", "late_asset: 5.0 s")


def test_the_first_play_does_not_wait_for_the_full_cache_check(tmp_path: Path) -> None:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0", "LOA_UI_PORT": "0"})
    store = Store(cfg.db_path)
    clock = Clock(FakeTime(utc(local(2026, 6, 1, 6, 0))))
    player = FakePlayer()
    agent = Agent(cfg, store, clock, player, None, expand)
    central = Central()
    central.bulletin(1, 60)
    central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    apply(store, agent.cache, central, clock.now())
    checking, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_full_check() -> int:  # a Pi re-hashing gigabytes of cache
        checking.set()
        release.wait(20)
        done.set()
        return 0

    agent.cache.verify_all = slow_full_check  # type: ignore[method-assign]
    agent.start()
    try:
        assert not done.is_set(), "start-up waited for the full check"
        wait_for(checking.is_set, 10, "the background cache check to begin")
        wait_for(lambda: player.current is not None, 10, "the first play while the full check still runs")
        assert not done.is_set()
    finally:
        release.set()
        agent.stop()
