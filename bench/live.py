"""Benchmark: live announcements on loopback — mouth-to-loudspeaker delay, and Icecast's fan-out.

Setup (``tests.live_helpers.live_world``): the central (`central run`), Mosquitto, Icecast with the
central's live mounts, and real station agents whose live player writes raw PCM into a FIFO this script
reads as a sound card with no buffer of its own would play it: each 10 ms block sounds when it arrived or
when the blocks before it have sounded (a real card adds its buffer, typically 20–100 ms). The speaker posts WebM/Opus in 200 ms slices to ``POST /api/v1/live/<id>/audio``
exactly as the page's MediaRecorder does, encoding a voice with a 1 kHz beep every five seconds in real
time; a beep's "mouth" instant is when the speaker's ffmpeg reached it.

Prints:
- mouth → loudspeaker: p50, p95, max over every beep at every station (target p50 ≤ 3 s, p95 ≤ 5 s);
- join: go-live → first audio at each station;
- fan-out: 200 simulated listeners (raw sockets, each with its own signed credential, so Icecast asks
  the central for every one) on the live mount: time until all receive audio, Icecast's and the
  central's CPU while they listen, and the bandwidth delivered.

Bounded: a fixed run (``--seconds``) and everything it started is stopped at the end. Loopback only.

    python bench/live.py [--stations 2] [--seconds 40] [--listeners 200]
"""

from __future__ import annotations

import argparse
import base64
import os
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live_helpers import LiveWorld, Speaker, live_world, voice_wav  # noqa: E402

RATE = 8000  # what the bench's live player writes: mono s16le at 8 kHz
BLOCK = 80  # 10 ms
BEEP_EVERY = 5.0  # longer than any delay we expect: each beep heard is matched with the one said just before


def fifo_player(folder: Path) -> str:
    from station.live import INPUT

    return ("{ffmpeg} -nostdin -hide_banner -loglevel error " + INPUT + " -i {url} -af volume={gain} "
            f"-ac 1 -ar {RATE} -f s16le -flush_packets 1 -y {folder}/ear.pcm")


class Ear:
    """Reads one station's FIFO (reopened for every join) and stamps each beep onset with the wall clock."""

    def __init__(self, fifo: Path) -> None:
        self.fifo, self.onsets, self.first_audio = fifo, [], None  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._quiet = 0.0
        self._clock = 0.0  # when the virtual sound card finishes what it was given
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                self._read(fd)
            finally:
                os.close(fd)

    def _read(self, fd: int) -> None:
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        pending, seen_writer = b"", False
        while not self._stop.is_set():
            if not sel.select(0.5):
                continue
            data = os.read(fd, 65536)
            now = time.time()
            if not data:
                if seen_writer:
                    return  # the player ended: a new join opens the FIFO again
                time.sleep(0.05)
                continue
            seen_writer = True
            pending += data
            usable = len(pending) // (2 * BLOCK) * (2 * BLOCK)
            # a sound card plays samples one after another: a block sounds when it arrived, or when the
            # blocks before it have finished, whichever is later
            start = max(now, self._clock)
            self._scan(pending[:usable], start)
            self._clock = start + usable / (2 * RATE)
            pending = pending[usable:]

    def _scan(self, pcm: bytes, start: float) -> None:
        import array

        samples = array.array("h", pcm)
        blocks = len(samples) // BLOCK
        for b in range(blocks):
            peak = max(abs(x) for x in samples[b * BLOCK:(b + 1) * BLOCK]) / 32768
            at = start + b * BLOCK / RATE
            if peak > 0.02 and self.first_audio is None:
                self.first_audio = at
            if peak > 0.6 and self._quiet >= 0.2:
                self.onsets.append(at)
            self._quiet = self._quiet + BLOCK / RATE if peak < 0.05 else 0.0

    def stop(self) -> None:
        self._stop.set()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def delays(ear: Ear, mouths: list[float]) -> list[float]:
    """Each beep the station played, matched with the beep the speaker said just before it."""
    out = []
    for heard in ear.onsets:
        said = [m for m in mouths if m <= heard]
        if said and heard - said[-1] < BEEP_EVERY:
            out.append(heard - said[-1])
    return out


def mouth_to_loudspeaker(w: LiveWorld, root: Path, seconds: float) -> dict[str, Any]:
    beeps = tuple(4.0 + BEEP_EVERY * n for n in range(int((seconds - 5) / BEEP_EVERY)))
    wav = voice_wav(root / "voice.wav", seconds, beeps=beeps)
    ears = [Ear(s.root / "ear.pcm") for s in w.stations]
    live = w.go_live("bientap.xa", "Đo độ trễ")
    went_live = time.time()
    speaker = Speaker(w.central.url, w.central.tokens["bientap.xa"], live["id"], wav)
    speaker.start()
    speaker.wait(seconds + 60)
    time.sleep(6)
    mouths = [speaker.started_at + b for b in beeps]
    found = [d for ear in ears for d in delays(ear, mouths)]
    joins = [ear.first_audio - went_live for ear in ears if ear.first_audio]
    for ear in ears:
        ear.stop()
    return {"live": live, "speaker": speaker, "delays": found, "joins": joins, "beeps": len(beeps) * len(ears)}


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _listener_stations(w: LiveWorld, n: int) -> list[int]:
    """``n`` more stations in the targeted commune, made straight in the central's database."""
    from central import create_app
    from central.db import database
    from central.services import enrollment
    from tests.processes import AREA

    app = create_app({"DATA_DIR": w.central.env["LOA_DATA_DIR"]})
    with app.app_context(), database.connection_context():
        return [enrollment.register(None, AREA, f"Loa giả lập {i}")[0].id for i in range(n)]


def fan_out(w: LiveWorld, root: Path, listeners: int, seconds: float) -> dict[str, Any]:
    from central.services.live import credential

    ids = _listener_stations(w, listeners)
    secret = (Path(w.central.env["LOA_DATA_DIR"]) / "secret_key").read_text().strip()
    wav = voice_wav(root / "long.wav", seconds + 30)
    live = w.go_live("bientap.xa", "Đo phân phối")
    speaker = Speaker(w.central.url, w.central.tokens["bientap.xa"], live["id"], wav)
    speaker.start()
    time.sleep(3)
    assert w.icecast.proc is not None and w.central.proc is not None
    port = w.icecast.port
    sel = selectors.DefaultSelector()
    got: dict[int, int] = {}
    first: dict[int, float] = {}
    start = time.time()
    for sid in ids:
        user, password = credential(secret, live["id"], sid)
        s = socket.create_connection(("127.0.0.1", port))
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        s.sendall(f"GET /live-{live['id']}.ogg HTTP/1.0\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\r\n".encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, sid)
        got[sid] = 0
    cpu0 = {"icecast": _cpu(w.icecast.proc.pid), "central": _cpu(w.central.proc.pid)}
    joined = _pump(sel, got, first, lambda: len(first) >= len(ids), 180)  # Icecast asks the central for each
    cpu_join = {k: _cpu(p) - cpu0[k] for k, p in (("icecast", w.icecast.proc.pid), ("central", w.central.proc.pid))}
    before, cpu1, t0 = sum(got.values()), {"icecast": _cpu(w.icecast.proc.pid), "central": _cpu(w.central.proc.pid)}, time.time()
    _pump(sel, got, first, lambda: time.time() - t0 >= seconds, seconds + 5)
    elapsed = time.time() - t0
    cpu = {k: (_cpu(p) - cpu1[k]) / elapsed for k, p in (("icecast", w.icecast.proc.pid), ("central", w.central.proc.pid))}
    for key in list(sel.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    speaker.stop()
    w.central.api("bientap.xa", "POST", f"/api/v1/live/{live['id']}/end")
    return {"listening": len(first), "all_in_s": (max(first.values()) - start) if first and joined else None,
            "bytes": sum(got.values()) - before, "elapsed": elapsed, "cpu": cpu, "cpu_join": cpu_join}


def _pump(sel: selectors.BaseSelector, got: dict[int, int], first: dict[int, float], done: Any,
          limit: float) -> bool:
    """Read every listener's socket until ``done()`` or ``limit`` seconds; True if ``done()``."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if done():
            return True
        for key, _ in sel.select(0.5):
            try:
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                continue
            got[key.data] += len(data)
            if got[key.data] > 4096 and key.data not in first:
                first[key.data] = time.time()
    return bool(done())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--listeners", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="loa-bench-live-") as tmp:
        root = Path(tmp)
        for n in range(args.stations):
            (root / f"s{n}").mkdir(parents=True)
            os.mkfifo(root / f"s{n}" / "ear.pcm")
        # every station's own FIFO: the live player template names its station's folder
        import tests.live_helpers as helpers

        helpers.capture_template = fifo_player  # type: ignore[assignment]
        w = live_world(root, args.stations, LOA_LIVE_LOST_S="30")
        try:
            m = mouth_to_loudspeaker(w, root, args.seconds)
            d = m["delays"]
            print(f"mouth → loudspeaker over {len(d)} of {m['beeps']} beeps at {args.stations} station(s):")
            if d:
                print(f"  p50 {statistics.median(d):.2f} s   p95 {percentile(d, 0.95):.2f} s   max {max(d):.2f} s"
                      "   (target p50 ≤ 3 s, p95 ≤ 5 s)")
            print("  go-live → first audio at each station: " + ", ".join(f"{j:.2f} s" for j in m["joins"]))
            print(f"  speaker: {m['speaker'].sent} chunks posted, {len(m['speaker'].errors)} refused")
            w.central.api("bientap.xa", "POST", f"/api/v1/live/{m['live']['id']}/end")
            f = fan_out(w, root, args.listeners, 20)  # then 20 s of everyone listening
            mbps = f["bytes"] * 8 / f["elapsed"] / 1e6
            joined = (f"all in within {f['all_in_s']:.1f} s of connecting (Icecast asks the central once for each; "
                      f"CPU meanwhile: Icecast {f['cpu_join']['icecast']:.2f} s, central {f['cpu_join']['central']:.2f} s)"
                      if f["all_in_s"] is not None else "not all joined")
            print(f"Icecast fan-out: {f['listening']} of {args.listeners} listeners receiving; {joined}")
            print(f"  bandwidth delivered {mbps:.2f} Mbit/s ({mbps * 1000 / max(1, f['listening']):.1f} kbit/s each)")
            print(f"  CPU while they listen: Icecast {f['cpu']['icecast'] * 100:.1f} % of one core, "
                  f"central {f['cpu']['central'] * 100:.1f} % (it feeds the mount; fan-out is Icecast's)")
        finally:
            w.stop()


if __name__ == "__main__":
    main()
