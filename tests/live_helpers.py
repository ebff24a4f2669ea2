"""Live announcements in tests and bench/live.py: a speaker that posts WebM chunks as a browser's
MediaRecorder does, what a station heard (its live player's capture), and a world of real processes.

The speaker runs ffmpeg in real time (``-re``) on a WAV, muxing WebM/Opus in 200 ms clusters, and
posts each 200 ms of output to ``POST /api/v1/live/<id>/audio`` in order, exactly the endpoint the web
page's script uses; Chromium itself is driven in tests/e2e/test_live.py.
"""

from __future__ import annotations

import math
import os
import struct
import subprocess
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.processes import (
    AREA,
    Broker,
    Central,
    Icecast,
    Station,
    new_central,
    wait_for,
    with_broker,
)

SLICE_S = 0.2


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def voice_wav(path: Path, seconds: float, rate: int = 48000, beeps: tuple[float, ...] = ()) -> Path:
    """A speech-like tone (syllable envelope) with, at each of ``beeps`` (s), 50 ms of silence then a
    100 ms 1 kHz beep at full scale: an onset a detector finds in what a station heard."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        env = 0.25 + 0.2 * math.sin(2 * math.pi * 3.0 * t) ** 2
        s = env * (math.sin(2 * math.pi * 220 * t) + 0.4 * math.sin(2 * math.pi * 660 * t)) / 1.5
        for b in beeps:
            if b - 0.3 <= t < b:
                s = 0.0
            elif b <= t < b + 0.1:
                s = 0.95 * math.sin(2 * math.pi * 1000 * t)
        frames += struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32000))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


@dataclass
class Speaker:
    """Posts a WAV, encoded live as WebM/Opus, to a live session in 200 ms slices (a MediaRecorder)."""

    central_url: str
    token: str
    live_id: int
    wav: Path
    sent: int = 0
    started_at: float = 0.0  # time.time() when ffmpeg began reading the WAV (its t = 0)
    errors: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            # -re without ffmpeg's initial burst (0.5 s by default): the WAV's t is the wall clock's
            [ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-readrate_initial_burst", "0", "-i", str(self.wav), "-c:a", "libopus",
             "-b:a", "48k", "-application", "voip", "-frame_duration", "20", "-f", "webm", "-live", "1",
             "-cluster_time_limit", "200", "-flush_packets", "1", "pipe:1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.started_at = time.time()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        fd, buf, last = self.proc.stdout.fileno(), b"", time.monotonic()
        session = requests.Session()
        while not self._stop.is_set():
            data = os.read(fd, 65536)
            if data:
                buf += data
            if buf and (not data or time.monotonic() - last >= SLICE_S):
                self._post(session, buf)
                buf, last = b"", time.monotonic()
            if not data:
                return

    def _post(self, session: requests.Session, chunk: bytes) -> None:
        r = session.post(f"{self.central_url}/api/v1/live/{self.live_id}/audio",
                         headers={"Authorization": f"Bearer {self.token}"},
                         files={"chunk": ("c.webm", chunk, "audio/webm")}, data={"seq": str(self.sent)}, timeout=30)
        if r.status_code != 200:
            self.errors.append(f"{r.status_code} {r.text[:200]}")
        self.sent += 1

    def wait(self, timeout: float = 120) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def capture_template(folder: Path) -> str:
    """A live player (``LOA_LIVE_PLAYER``) that writes what it hears, one WAV per join: ``heard-<id>-<n>.wav``."""
    from station.live import INPUT

    return ("{ffmpeg} -nostdin -hide_banner -loglevel error " + INPUT + " -i {url} -af volume={gain} "
            f"-ac 1 -ar 16000 -y -f wav {folder}/heard-{{id}}-{{attempt}}.wav")


def heard(folder: Path, live_id: int) -> list[Path]:
    """The captures of one live a station made (a join that found no mount yet leaves an empty one)."""
    return sorted(folder.glob(f"heard-{live_id}-*.wav"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def heard_seconds(folder: Path, live_id: int) -> float:
    """Seconds of audio a station heard of one live (ffmpeg may still be writing: no header trusted)."""
    return sum(max(0, p.stat().st_size - 44) / (2 * 16000) for p in heard(folder, live_id))


def ebur128(path: Path) -> float:
    """The integrated loudness (LUFS) of an audio file, by ffmpeg's ebur128 filter."""
    out = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = out[out.rindex("Summary:"):]
    return float(summary.split("I:")[1].split("LUFS")[0])


@dataclass
class LiveWorld:
    central: Central
    broker: Broker
    icecast: Icecast
    stations: list[Station]
    passwords: dict[str, str]

    def stop(self) -> None:
        for s in self.stations:
            s.stop()
        self.central.stop()
        self.icecast.stop()
        self.broker.stop()

    def go_live(self, user: str, title: str = "Thông báo trực tiếp", **targets: Any) -> dict[str, Any]:
        body = {"title": title, "targets": targets or {"areas": [AREA], "stations": []}}
        r = self.central.api(user, "POST", "/api/v1/live", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())


def live_world(root: Path, stations: int = 2, **station_env: str) -> LiveWorld:
    """A central (Mosquitto, Icecast with the live mounts) and ``stations`` agents in the commune, started."""
    from central.services import icecast as icecast_conf

    central = new_central(root)
    broker = with_broker(central, root)
    passwords = {"bientap.xa": central.cli("create-user", "bientap.xa", "--role", "editor", "--area", AREA)
                 .splitlines()[-1]}
    central.tokens["bientap.xa"] = central.cli("create-token", "bientap.xa").splitlines()[-1]
    ice = Icecast(root / "icecast", extra_mounts=icecast_conf.live_mounts(icecast_conf.listener_url(central.url)))
    ice.start()
    central.env.update(LOA_ICECAST_URL=ice.url, LOA_ICECAST_SOURCE_PASSWORD=ice.source_password)
    central.start()
    agents = [Station(root / f"s{n}", central.url, LOA_SYNC_INTERVAL="3600",
                      LOA_LIVE_PLAYER=capture_template(root / f"s{n}"), **station_env) for n in range(stations)]
    world = LiveWorld(central, broker, ice, agents, passwords)
    try:
        for n, s in enumerate(agents):
            s.root.mkdir(parents=True, exist_ok=True)
            s.enroll(central, f"Đài xã số {n + 1}")
        central.cli("mqtt-config", "--listen", str(broker.port))  # the new stations' passwords and ACL
        for s in agents:
            s.start()
        for s in agents:
            wait_for(lambda s=s: "push channel connected" in s.log(), 120, f"station {s.id} to join the push channel")
    except BaseException:
        world.stop()
        raise
    return world
