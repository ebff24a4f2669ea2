"""The station's side of an emergency: stale ones are logged, a stop ends the sound, standby audio is kept."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from playlists.model import Priority
from station import status
from station.assets import AssetCache
from station.clock import Clock
from station.loop import PlayerLoop
from station.store import Store
from station.timeline import expand

from .station_helpers import Central, FakePlayer, FakeTime, apply, audio, local, sha, utc


def _rig(tmp_path: Path) -> tuple[FakeTime, Store, AssetCache, FakePlayer, Central, PlayerLoop]:
    t = FakeTime(utc(local(2026, 6, 1, 5, 50)))
    clock = Clock(t)
    store = Store(tmp_path / "station.db")
    cache = AssetCache(tmp_path / "assets", store)
    player = FakePlayer()
    return t, store, cache, player, Central(), PlayerLoop(store, cache, player, clock, expand)


def test_an_emergency_received_after_its_play_by_is_logged_missed_stale_not_played(tmp_path: Path) -> None:
    t, store, cache, player, central, loop = _rig(tmp_path)
    apply(store, cache, central, t.t)  # the station has been running since 05:50
    loop.reload()
    loop.step()
    central.bulletin(9, 30, title="Sơ tán ngay")
    s = central.schedule(90, [9], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    central.schedules = [replace(s, play_by=utc(local(2026, 6, 1, 6, 30)))]
    t.t = utc(local(2026, 6, 1, 6, 31))  # the manifest reaches it a minute too late
    apply(store, cache, central, t.t)
    loop.reload()
    loop.step()
    assert player.started == [], "an outdated 'evacuate now' must not air"
    (p,) = store.recent_plays(10)
    assert (p["schedule_id"], p["status"], p["reason"]) == (90, "missed", "stale")


def test_an_emergency_sent_in_the_second_the_station_first_synced_is_still_its_to_account(tmp_path: Path) -> None:
    """Found by CI: the first manifest came at 06:00:00.119, an emergency was sent at 06:00:00.725 and named
    its start by the whole second (06:00:00); the station, offline until after its play-by, never logged
    it, because 06:00:00 lay "before it had any schedule"."""
    t, store, cache, player, central, loop = _rig(tmp_path)
    t.t = utc(local(2026, 6, 1, 6, 0)) + timedelta(milliseconds=119)
    apply(store, cache, central, t.t)  # the first sync: no schedule yet
    loop.reload()
    loop.step()
    central.bulletin(9, 3, title="Cảnh báo sạt lở đất: sơ tán ngay")
    s = central.schedule(90, [9], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    central.schedules = [replace(s, play_by=utc(local(2026, 6, 1, 6, 1)))]
    t.t = utc(local(2026, 6, 1, 6, 1, 2))  # back on line two seconds after its play-by
    apply(store, cache, central, t.t)
    loop = PlayerLoop(store, cache, player, Clock(t), expand)  # the agent restarted
    loop.reload()
    loop.step()
    assert player.started == []
    (p,) = store.recent_plays(10)
    assert (p["schedule_id"], p["status"], p["reason"]) == (90, "missed", "stale")


def test_a_stopped_emergency_leaves_the_manifest_and_its_sound_stops_at_once(tmp_path: Path) -> None:
    t, store, cache, player, central, loop = _rig(tmp_path)
    central.bulletin(9, 600, title="Cảnh báo lũ quét")
    central.schedule(90, [9], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    apply(store, cache, central, t.t)
    loop.reload()
    t.t = utc(local(2026, 6, 1, 6, 0))
    loop.step()
    assert player.current is not None
    central.schedules = []  # the central stopped it: the next manifest no longer carries it
    t.t = utc(local(2026, 6, 1, 6, 1))
    apply(store, cache, central, t.t)
    loop.reload()
    loop.step()
    assert player.started[0].code == -15, "a 10-minute warning does not play on after Stop"
    (p,) = store.recent_plays(10)
    assert (p["status"], p["reason"]) == ("interrupted", "emergency_stop")
    t.t = utc(local(2026, 6, 1, 6, 2))
    loop.step()
    assert len(player.started) == 1, "nor does it start again"


def test_standby_audio_is_fetched_kept_out_of_clean_up_and_reported_as_ready(tmp_path: Path) -> None:
    t, store, cache, player, central, loop = _rig(tmp_path)
    data = audio(77)
    m = central.manifest(t.t)["manifest"]
    m["standby"] = [{"sha256": sha(data), "size": len(data), "duration_ms": 20_000, "codec": "opus",
                     "key": "flood", "title": "Lũ, lũ quét", "bulletin_id": 5}]
    store.apply_manifest(m, json.dumps(m), "sig", t.t)
    assert [a.sha256 for a in cache.missing(t.t, {})] == [sha(data)], "downloaded like any asset"
    cache.path(sha(data)).write_bytes(data)
    cache.verify_all()
    assert cache.collect_garbage(t.t + timedelta(days=30), playing=()) == []
    assert cache.playable(sha(data)) is not None

    central.bulletins[5] = replace(central.bulletin(5, 20), asset_sha256=sha(data))
    central.schedule(90, [5], local(2026, 6, 1, 6, 0), priority=Priority.EMERGENCY)
    m = central.manifest(t.t)["manifest"]
    ready = status.emergency_audio(m, cache, Clock(t))
    assert list(ready) == [sha(data)] and ready[sha(data)] is not None, "its audio is ready before it is sent"
