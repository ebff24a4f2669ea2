"""How plays sounded (issue 15 §1): the output and volume in every log, and the monitor's sound check.

The monitor runs real ffmpeg subprocesses: one capture replays a tone in real time, one gives silence.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from station.ffmpeg import ffmpeg_exe
from station.loop import PlayerLoop
from station.monitor import Level, Monitor, SoundCheck, judge
from station.player import NULL_TEMPLATE, CommandPlayer, detect, sound_card
from station.timeline import expand
from tests.processes import wait_for

from .station_helpers import FakePlayer, local, utc
from .test_station_loop import Rig, rig  # noqa: F401 - the fixture

FFMPEG = ffmpeg_exe()
SILENCE = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -f lavfi -i anullsrc=r=16000:cl=mono -f wav -"


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monitor") / "tone.wav"
    subprocess.run([FFMPEG, "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=440:d=30",
                    "-ar", "16000", "-ac", "1", str(path)], check=True)
    return path


def replay(path: Path) -> str:
    return f"{{ffmpeg}} -nostdin -hide_banner -loglevel error -re -i {path} -f wav -"


def test_the_null_output_is_labelled_and_a_sound_card_is_named(tmp_path: Path) -> None:
    null = CommandPlayer(NULL_TEMPLATE, "null", FFMPEG)
    assert null.null_output and "null output" in null.output
    assert detect(None, FFMPEG, sound=False).null_output
    cards = tmp_path / "cards"
    cards.write_text(" 0 [Headphones     ]: bcm2835_headphon - bcm2835 Headphones\n"
                     "                      bcm2835 Headphones\n")
    assert sound_card(cards) == "bcm2835 Headphones"
    (tmp_path / "none").write_text("--- no soundcards ---\n")
    assert sound_card(tmp_path / "none") is None and sound_card(tmp_path / "absent") is None
    card = CommandPlayer("aplay -q {path}", "aplay → sound card", card="bcm2835 Headphones")
    assert not card.null_output and card.output == "bcm2835 Headphones: aplay → sound card"


def _play_one(r: Rig, seconds: float = 60) -> dict:  # type: ignore[type-arg]
    r.central.bulletin(1, seconds)
    r.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    r.apply()
    r.loop.step()
    r.step_at(local(2026, 6, 1, 6, 0))
    assert r.player.current is not None
    return r.plays()[0]


def _finish(r: Rig) -> dict:  # type: ignore[type-arg]
    r.time.t = utc(local(2026, 6, 1, 6, 1))
    assert r.player.current is not None
    r.player.current.finish(0)
    r.loop.step()
    _, [log] = r.store.mark_batch()
    return log


def test_a_play_into_the_null_output_is_logged_not_audible(rig: Rig) -> None:  # noqa: F811
    rig.player.null_output, rig.player.output = True, "null output (ffmpeg -f null): not audible"
    playing = _play_one(rig)
    assert playing["sound"]["audibility"] == "not_audible" and playing["outcome"] == "playing"
    log = _finish(rig)
    assert log["status"] == "completed", "the wire status stays one an older central knows"
    assert log["sound"]["null_output"] is True and log["sound"]["audibility"] == "not_audible"
    assert log["sound"]["volume"] == 80 and log["sound"]["output"].startswith("null output")
    assert rig.store.recent_plays(1)[0]["outcome"] == "not_audible"  # what the station's page shows


def test_a_play_at_volume_zero_set_on_the_station_is_not_audible(rig: Rig) -> None:  # noqa: F811
    rig.store.put(local_volume=0)
    _play_one(rig)
    log = _finish(rig)
    assert log["sound"]["audibility"] == "not_audible" and log["sound"]["muted"] is True
    assert log["sound"]["local_override"] is True and log["sound"]["null_output"] is False


def test_a_sound_card_play_without_a_monitor_is_unchecked_and_counts(rig: Rig) -> None:  # noqa: F811
    _play_one(rig)
    log = _finish(rig)
    assert log["status"] == "completed" and log["sound"]["audibility"] == "unchecked"
    assert log["sound"]["monitor"] is False and "level_lufs" not in log["sound"]


def test_the_monitor_hears_a_tone_and_hears_silence(tone: Path) -> None:
    for template, heard in ((replay(tone), "audible"), (SILENCE, "failed_to_sound")):
        m = Monitor(template, FFMPEG).start()
        wait_for(lambda m=m: m.seconds >= 2.5, 30, "the meter to measure 2.5 s", 0.1)  # type: ignore[misc]
        level = m.stop()
        assert judge(level, -45.0) == heard, (template, level)
        assert m.capture.poll() is not None and m.meter.poll() is not None, "both processes end"
    assert judge(Level(None, 0.5), -45.0) == "unchecked"  # too short to say anything


def _with_monitor(r: Rig, template: str) -> None:
    r.player = FakePlayer()
    r.loop = PlayerLoop(r.store, r.cache, r.player, r.clock, expand,
                          sound=SoundCheck(r.player, Monitor(template, FFMPEG, -45.0)))


def test_a_silent_monitor_logs_failed_to_sound_with_the_level(rig: Rig) -> None:  # noqa: F811
    _with_monitor(rig, SILENCE)
    _play_one(rig)
    m = rig.loop.running.measurement  # type: ignore[union-attr]
    wait_for(lambda: m.seconds >= 2.5, 30, "the monitor to listen for 2.5 s", 0.1)
    log = _finish(rig)
    assert log["status"] == "failed" and log["reason"].startswith("failed_to_sound: "), log
    assert log["sound"]["audibility"] == "failed_to_sound" and log["sound"]["level_lufs"] < -60
    assert rig.store.recent_plays(1)[0]["outcome"] == "failed_to_sound"


def test_a_monitor_that_hears_the_play_logs_it_audible(rig: Rig, tone: Path) -> None:  # noqa: F811
    _with_monitor(rig, replay(tone))
    _play_one(rig)
    m = rig.loop.running.measurement  # type: ignore[union-attr]
    wait_for(lambda: m.seconds >= 2.5, 30, "the monitor to listen for 2.5 s", 0.1)
    log = _finish(rig)
    assert log["status"] == "completed" and log["reason"] is None
    assert log["sound"]["audibility"] == "audible" and log["sound"]["level_lufs"] > -30
