"""Speaker test (issue 15 §1): a short test signal when nothing sounds, and what the monitor heard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from station.ffmpeg import ffmpeg_exe
from station.loop import PlayerLoop
from station.monitor import Monitor, SoundCheck
from station.speaker import SpeakerTest
from station.timeline import expand
from tests.processes import wait_for

from .station_helpers import local, utc
from .test_station_loop import Rig, rig  # noqa: F401 - the fixture
from .test_station_sound import SILENCE

FFMPEG = ffmpeg_exe()


def _with_speaker(r: Rig, tmp: Path, monitor: Monitor | None = None) -> SpeakerTest:
    sp = SpeakerTest(r.store, tmp, FFMPEG)
    r.loop = PlayerLoop(r.store, r.cache, r.player, r.clock, expand, speaker=sp,
                        sound=SoundCheck(r.player, monitor))
    return sp


def test_a_local_test_plays_the_tone_when_idle_and_records_the_result(rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    sp = _with_speaker(rig, tmp_path)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 5, 50))
    sp.request("t1", "local", rig.clock.now())
    rig.loop.step()
    [pb] = rig.player.started
    assert pb.path == tmp_path / "speaker-test.wav" and pb.path.stat().st_size > 40_000  # 3 s of 16 kHz
    assert rig.store.recent_plays(5) == [], "a test is not a broadcast: no play log"
    rig.time.t += timedelta(seconds=3)
    pb.finish(0)
    rig.loop.step()
    got = sp.result()
    assert got is not None and (got["id"], got["source"], got["status"]) == ("t1", "local", "completed")
    assert got["audibility"] == "unchecked" and got["output"] == "fake sound card"


def test_a_test_waits_for_the_programme_and_never_starts_just_before_a_slot(rig: Rig,  # noqa: F811
                                                                            tmp_path: Path) -> None:
    sp = _with_speaker(rig, tmp_path)
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 5, 59, 55))
    sp.request("t2", "central", rig.clock.now())
    rig.loop.step()
    assert rig.player.started == [], "5 s before a slot: the test waits"
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.loop.step()
    assert len(rig.player.started) == 1 and rig.player.started[0].path.name != "speaker-test.wav"
    rig.time.t = utc(local(2026, 6, 1, 6, 1))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    assert rig.player.started[-1].path.name == "speaker-test.wav", "played once the programme ended"


def test_a_central_request_is_played_once_and_a_stale_one_is_reported_expired(rig: Rig,  # noqa: F811
                                                                             tmp_path: Path) -> None:
    sp = _with_speaker(rig, tmp_path)
    now = rig.clock.now()
    rig.central.station_extra["speaker_test"] = {"id": "c1", "requested_at": now.isoformat()}
    rig.apply()
    rig.loop.step()
    assert len(rig.player.started) == 1
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    rig.apply()  # the same request in a newer manifest, and after a restart: never played again
    rig.loop.step()
    rig.restart()
    sp = _with_speaker(rig, tmp_path)
    rig.apply()
    rig.loop.step()
    assert rig.player.started == [] and sp.result()["id"] == "c1"  # type: ignore[index]
    old = now - timedelta(minutes=30)
    rig.central.station_extra["speaker_test"] = {"id": "c2", "requested_at": old.isoformat()}
    rig.apply()
    rig.loop.step()
    assert rig.player.started == [] and sp.result()["status"] == "expired"  # type: ignore[index]


def test_a_silent_monitor_says_the_speaker_test_failed_to_sound(rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    sp = _with_speaker(rig, tmp_path, Monitor(SILENCE, FFMPEG))
    rig.apply()
    sp.request("t3", "local", rig.clock.now())
    rig.loop.step()
    m = rig.loop.running.measurement  # type: ignore[union-attr]
    wait_for(lambda: m.seconds >= 2.5, 30, "the monitor to listen for 2.5 s", 0.1)
    rig.time.t += timedelta(seconds=3)
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    got = sp.result()
    assert got is not None and got["audibility"] == "failed_to_sound" and got["level_lufs"] < -60, got
    assert got["status"] == "failed" and got["reason"].startswith("failed_to_sound")
