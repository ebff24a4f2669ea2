"""Relays end to end: a station process relaying a real Icecast mount fed by ffmpeg (issue 13, §1).

The station agent runs as a real process (``station run``) against a small fake central on loopback
that signs its manifests; the stream comes from Debian's Icecast, fed by ffmpeg from a generated tone.
What the station relayed is compared with what the feed sent while the station listened, measured on
the feed's side: Icecast's own list of listeners (the relay's user agent) and ffmpeg's progress.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from playlists.model import Priority, RelaySource
from station.ffmpeg import ffmpeg_exe
from station.relay_stream import RELAY_AGENT
from tests.processes import Feed, Icecast, Station, wait_for

from .fake_central import FakeCentral
from .station_helpers import VN, Central

pytestmark = [pytest.mark.icecast, pytest.mark.e2e]

FALLBACK = 5  # the fallback bulletin's id
ALERT = 9  # an emergency bulletin's id
SOURCE = 3  # the relay source's id
WAIT = 120  # generous: a slow, busy machine


def tone(seconds: float, frequency: int) -> bytes:
    """Real Ogg/Vorbis audio the station's real player decodes."""
    return subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
         "-c:a", "libvorbis", "-f", "ogg", "-"], capture_output=True, check=True).stdout


class Listening:
    """Feed-side count of the stream audio sent while the station's relay (not its probe) was connected."""

    def __init__(self, icecast: Icecast, feed: Feed) -> None:
        self.icecast, self.feed = icecast, feed
        self.sent_s = 0.0
        self.connections = 0
        self.on = False
        self._since = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        prev = 0.0
        while not self._stop.is_set():
            on = any(x.get("UserAgent") == RELAY_AGENT for x in self.icecast.listeners(self.feed.mount))
            sent = self.feed.sent_s()
            if on and not self.on:
                self._since, self.connections = sent, self.connections + 1
            elif self.on and not on:
                self.sent_s += max(0.0, prev - self._since)
            self.on, prev = on, sent
            self._stop.wait(0.1)

    def heard(self) -> float:
        """Seconds sent while listening, so far."""
        return self.sent_s + (max(0.0, self.feed.sent_s() - self._since) if self.on else 0.0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def fc() -> Iterator[FakeCentral]:
    f = FakeCentral(Central())
    yield f
    f.close()


@pytest.fixture
def station(tmp_path: Path, fc: FakeCentral) -> Iterator[Station]:
    st = Station(tmp_path / "agent", fc.url)
    st.run_cli("enroll", fc.url, "MÃ-BẤT-KỲ", "--password", "mật-khẩu-xã")
    yield st
    st.stop()


def _ready(fc: FakeCentral, st: Station) -> None:
    """Publish what the central has, start the agent, and wait until every file is verified there."""
    fc.publish()
    version = fc.reply["manifest"]["version"] if fc.reply else 0
    if st.proc is None:
        st.start()
    wait_for(lambda: _applied(fc, version), WAIT, "the station to apply the manifest and verify its audio")


def _applied(fc: FakeCentral, version: int) -> bool:
    beats = list(fc.heartbeats)
    return bool(beats) and beats[-1].get("manifest_version") == version and beats[-1]["cache"]["missing"] == 0


def _at(seconds: float) -> datetime:
    """A naive Vietnam wall-clock time ``seconds`` from now (as schedules carry it)."""
    return (datetime.now(VN) + timedelta(seconds=seconds)).replace(tzinfo=None, microsecond=0)


def _logs(fc: FakeCentral, pred: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [x for x in list(fc.logs) if pred(x)]


def _relay_log(fc: FakeCentral, schedule_id: int) -> dict[str, Any] | None:
    found = _logs(fc, lambda x: x["schedule_id"] == schedule_id and "relay" in x)
    return found[-1] if found else None


def _local_plays(st: Station, reason: str) -> list[tuple[str, str]]:
    """The station's own play rows with ``reason`` (read-only: the agent owns the file)."""
    db = st.root / "station" / "station.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as con:
        return list(con.execute("SELECT status, reason FROM play WHERE reason = ?", (reason,)))


def test_a_cut_feed_falls_back_returns_and_the_log_counts_what_was_relayed(
    icecast: Icecast, fc: FakeCentral, station: Station
) -> None:
    feed = icecast.feed("/vov1.ogg")
    feed.start()
    c = fc.central
    c.bulletin(FALLBACK, 3, "Bản tin dự phòng: phòng, chống ma túy", data=tone(3, 660))
    _ready(fc, station)
    c.relay(40, RelaySource(SOURCE, "VOV1", feed.url), _at(6), 90, max_gap_s=6, fallback=[FALLBACK])
    listening = Listening(icecast, feed)
    try:
        _ready(fc, station)
        wait_for(lambda: listening.heard() >= 12, WAIT, "the station to relay 12 s of the feed")
        feed.stop()  # the cut
        down = time.monotonic()
        wait_for(lambda: _local_plays(station, "relay_fallback"), WAIT, "the station to play its fallback")
        feed.start()  # the feed is back
        downtime_ms = (time.monotonic() - down) * 1000
        wait_for(lambda: listening.connections >= 2, WAIT, "the station to return to the stream")
        log = wait_for(lambda: _relay_log(fc, 40), 2 * WAIT, "the relay's play log at the central")
    finally:
        listening.close()
    relay = log["relay"]
    assert log["status"] == "completed" and log["bulletin_id"] is None and log["asset_sha256"] is None
    assert relay["source_id"] == SOURCE
    assert abs(relay["relayed_ms"] / 1000 - listening.sent_s) <= 2.0, (relay, listening.sent_s)
    # the cut is one outage, as long as the feed was down at least (a busy machine may add a hiccup)
    assert relay["gaps"] >= 1 and relay["gap_ms"] >= downtime_ms - 1000, (relay, downtime_ms)
    assert relay["fallback_ms"] > 0
    fallbacks = _logs(fc, lambda x: x["reason"] == "relay_fallback")
    assert fallbacks and all(x["bulletin_id"] == FALLBACK and x["slot_id"] == log["slot_id"] for x in fallbacks)
    assert {x["status"] for x in fallbacks} <= {"completed", "interrupted"}
    assert not icecast.listeners(feed.mount), "the relay let go of the stream at the slot's end"


def test_an_emergency_interrupts_a_relay(icecast: Icecast, fc: FakeCentral, station: Station) -> None:
    feed = icecast.feed("/tinh.ogg")
    feed.start()
    c = fc.central
    c.bulletin(ALERT, 4, "Cảnh báo lũ quét — khẩn cấp", data=tone(4, 880))
    _ready(fc, station)
    c.relay(41, RelaySource(SOURCE, "Đài tỉnh", feed.url), _at(5), 300)
    listening = Listening(icecast, feed)
    try:
        _ready(fc, station)
        wait_for(lambda: listening.heard() >= 3, WAIT, "the station to relay the feed")
        c.schedule(42, [ALERT], _at(3), priority=Priority.EMERGENCY)
        fc.publish()
        alert = wait_for(lambda: _logs(fc, lambda x: x["schedule_id"] == 42), 2 * WAIT, "the emergency's play log")
        log = wait_for(lambda: _relay_log(fc, 41), WAIT, "the relay's play log")
    finally:
        listening.close()
    assert alert[0]["status"] == "completed" and alert[0]["bulletin_id"] == ALERT
    assert log["status"] == "interrupted" and log["reason"] == "emergency"
    assert log["relay"]["relayed_ms"] > 0
    assert not icecast.listeners(feed.mount), "the interrupted relay let go of the stream"
    assert datetime.fromisoformat(log["ended_at"]) <= datetime.fromisoformat(alert[0]["started_at"])


def test_an_unreachable_source_plays_the_fallback_or_fails_without_one(
    icecast: Icecast, fc: FakeCentral, station: Station
) -> None:
    c = fc.central
    c.bulletin(FALLBACK, 3, "Bản tin dự phòng", data=tone(3, 660))
    _ready(fc, station)
    nowhere = RelaySource(SOURCE, "VOV1", icecast.url + "/khong-co.ogg")  # a mount nobody feeds: 404
    c.relay(43, nowhere, _at(6), 20, max_gap_s=3, fallback=[FALLBACK])
    c.relay(44, nowhere, _at(30), 12, max_gap_s=3)
    _ready(fc, station)
    with_fallback = wait_for(lambda: _relay_log(fc, 43), 2 * WAIT, "the first relay's play log")
    silent = wait_for(lambda: _relay_log(fc, 44), 2 * WAIT, "the second relay's play log")
    r = with_fallback["relay"]
    assert with_fallback["status"] == "completed"
    assert r["relayed_ms"] == 0 and r["gaps"] == 1 and r["fallback_ms"] > 0
    assert r["gap_ms"] >= 20000 - 3000, r  # down from its start to its end
    assert _logs(fc, lambda x: x["reason"] == "relay_fallback" and x["schedule_id"] == 43)
    assert silent["status"] == "failed" and silent["reason"].startswith("player_failed")
    assert silent["relay"]["relayed_ms"] == 0 and silent["relay"]["fallback_ms"] == 0
    assert silent["relay"]["gaps"] == 1 and silent["relay"]["gap_ms"] >= 12000 - 3000


def _relay_processes(url: str) -> list[int]:
    """Live processes of a relay of ``url``: its ffmpeg (named by user agent) and the player reading its pipe."""
    found = []
    for d in Path("/proc").iterdir():
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        relay = RELAY_AGENT.encode() in argv and url.encode() in argv
        player = any(b"/loa-relay-" in a for a in argv) and b"-i" in argv
        if d.name.isdigit() and state != "Z" and (relay or player) and b"setpriv" not in argv[0]:
            found.append(int(d.name))
    return found


def _players_of(sha: str) -> list[int]:
    """Live (not zombie) processes playing the cached file ``sha`` (the player exec'd, not its wrapper)."""
    found = []
    for d in Path("/proc").iterdir():
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and argv[0] == ffmpeg_exe().encode() and any(a.endswith(sha.encode()) for a in argv):
            found.append(int(d.name))
    return found


def test_a_relay_and_its_fallback_die_with_the_agent(icecast: Icecast, fc: FakeCentral, station: Station,
                                                     tmp_path: Path) -> None:
    feed = icecast.feed("/vov1.ogg")
    feed.start()
    long = fc.central.bulletin(FALLBACK, 120, "Bản tin dự phòng dài", data=tone(120, 660))
    _ready(fc, station)
    fc.central.relay(45, RelaySource(SOURCE, "VOV1", feed.url), _at(4), 600, max_gap_s=1, fallback=[FALLBACK])
    _ready(fc, station)
    pids = wait_for(lambda: len(p := _relay_processes(feed.url)) >= 2 and p, WAIT, "the relay and its player")
    wait_for(lambda: icecast.listeners(feed.mount), WAIT, "the relay to listen")
    feed.stop()  # the fallback (a two-minute bulletin) plays
    fallback = wait_for(lambda: _players_of(long.asset_sha256), WAIT, "the fallback's player")
    assert station.proc is not None
    station.proc.kill()  # kill -9: no chance to stop anything
    station.proc.wait(10)
    gone = set(pids) | set(fallback)
    wait_for(lambda: not gone & set(_relay_processes(feed.url) + _players_of(long.asset_sha256)), 30,
             "the relay's processes and the fallback's player to die with the agent")


def test_a_source_disabled_at_the_central_stops_being_relayed(
    icecast: Icecast, fc: FakeCentral, station: Station
) -> None:
    feed = icecast.feed("/vov1.ogg")
    feed.start()
    _ready(fc, station)
    fc.central.relay(46, RelaySource(SOURCE, "VOV1", feed.url), _at(4), 600)
    _ready(fc, station)
    wait_for(lambda: any(x.get("UserAgent") == RELAY_AGENT for x in icecast.listeners(feed.mount)), WAIT,
             "the relay to listen")
    fc.central.relay_sources = []  # the approver disabled it: the next manifest no longer names it
    fc.publish()
    log = wait_for(lambda: _relay_log(fc, 46), WAIT, "the relay's play log")
    assert log["status"] == "interrupted" and log["reason"].startswith("bulletin_missing")
    wait_for(lambda: not icecast.listeners(feed.mount), 30, "the station to let go of the stream")


def _loudness(path: Path) -> float:
    """Integrated loudness (LUFS) of a recording, by ffmpeg's ebur128 meter."""
    out = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = out[out.rindex("Summary:"):]
    return float(summary.split("I:")[1].split("LUFS")[0])


def test_a_quiet_stream_is_levelled_to_the_bulletins_loudness(
    icecast: Icecast, fc: FakeCentral, tmp_path: Path
) -> None:
    feed = icecast.feed("/yeu.ogg", gain=0.02)  # a weak signal, about 30 LU below the bulletins
    feed.start()
    heard = tmp_path / "heard.wav"
    # a player that records what the loudspeaker would get, at full volume
    st = Station(tmp_path / "agent", fc.url,
                 LOA_PLAYER=f"{{ffmpeg}} -nostdin -loglevel error -i {{path}} -af volume={{gain}} -y {heard}")
    try:
        st.run_cli("enroll", fc.url, "MÃ", "--password", "mật-khẩu-xã")
        fc.central.settings = replace(fc.central.settings, volume=100)
        _ready(fc, st)
        fc.central.relay(47, RelaySource(SOURCE, "Đài yếu", feed.url), _at(4), 25)
        _ready(fc, st)
        log = wait_for(lambda: _relay_log(fc, 47), 2 * WAIT, "the relay's play log")
    finally:
        st.stop()
    sent = subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=20",
                           "-af", "volume=0.02", "-y", str(tmp_path / "sent.wav")], check=True)
    assert sent.returncode == 0 and _loudness(tmp_path / "sent.wav") < -35
    assert log["status"] == "completed" and log["relay"]["relayed_ms"] > 10000
    assert abs(_loudness(heard) - (-16)) <= 1.5, _loudness(heard)
