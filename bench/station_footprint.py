"""Station agent footprint: start lateness over 20 slots, then idle RSS and CPU over 60 s (local UI up).

Runs a real central and a real `station run` on loopback (temporary directories), with the
real-time null player. Lateness is measured twice: when the agent's Popen returned (its play log)
and when the player process itself began (a `sh` wrapper stamps the time, then execs ffmpeg).
Goals (issue 6): RSS <= 60 MB, idle CPU <= 1 % of a core, p99 lateness <= 100 ms.
With Mosquitto installed the station also holds the push channel (issue 12: keepalive 4 s, same
budget); `LOA_BENCH_PUSH=0` measures without it.
"""

from __future__ import annotations

import io
import json
import math
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

BIN = Path(sys.executable).parent
ZONE = "Asia/Ho_Chi_Minh"
SLOTS, GAP_S, LEAD_S, IDLE_S = 20, 3, 40, 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tool: str, *args: str, env: dict[str, str]) -> str:
    p = subprocess.run([str(BIN / tool), *args], env=env, capture_output=True, text=True, timeout=120)
    if p.returncode:
        raise SystemExit(f"{tool} {args}: {p.stdout}\n{p.stderr}")
    return p.stdout.strip()


def tone(seconds: float, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(12000 * (0.5 + 0.4 * math.sin(6 * math.pi * n / rate)) * math.sin(2 * math.pi * 330 * n / rate)))
            for n in range(int(seconds * rate))))
    return buf.getvalue()


MOSQUITTO = next((p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)


class Central:
    def __init__(self, root: Path) -> None:
        self.env = dict(os.environ, LOA_DATA_DIR=str(root / "central"), PYTHONUNBUFFERED="1")
        self.env.pop("DATABASE_URL", None)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.broker: subprocess.Popen[bytes] | None = None
        run("central", "init", env=self.env)
        if MOSQUITTO and os.environ.get("LOA_BENCH_PUSH", "1") != "0":
            port = free_port()
            self.env.update(LOA_MQTT_URL=f"mqtt://127.0.0.1:{port}", LOA_MQTT_DIR=str(root / "mqtt"))
            run("central", "mqtt-config", "--listen", str(port), env=self.env)
            self.broker = subprocess.Popen([MOSQUITTO, "-c", str(root / "mqtt" / "mosquitto.conf")],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run("central", "add-area", "DNO", "Tỉnh Đắk Nông", "--level", "province", env=self.env)
        run("central", "add-area", "DNO-X", "Xã Đắk Lao", "--parent", "DNO", "--level", "commune", env=self.env)
        self.tokens = {}
        for name, role in (("bientap", "editor"), ("pheduyet", "approver")):
            run("central", "create-user", name, "--role", role, env=self.env)
            self.tokens[name] = run("central", "create-token", name, env=self.env).splitlines()[-1]
        self.proc = subprocess.Popen([str(BIN / "central"), "run", "--host", "127.0.0.1", "--port",
                                      self.url.rsplit(":", 1)[1]], env=self.env,
                                     stdout=(root / "central.log").open("wb"), stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise SystemExit("central did not start")

    def api(self, user: str, method: str, path: str, **kw) -> dict:  # type: ignore[no-untyped-def]
        r = requests.request(method, self.url + path, headers={"Authorization": f"Bearer {self.tokens[user]}"},
                             timeout=60, **kw)
        if r.status_code >= 300:
            raise SystemExit(f"{method} {path}: {r.status_code} {r.text}")
        return dict(r.json())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.broker is not None:
            self.broker.terminate()
            self.broker.wait(10)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, math.ceil(q * len(xs)) - 1)]


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="loa-bench-"))
    central = Central(root)
    station = None
    try:
        b = central.api("bientap", "POST", "/api/v1/bulletins", files={"file": ("t.wav", tone(1.5), "audio/wav")},
                        data={"title": "Bản tin đo", "category": "drugs", "language": "vi"})
        central.api("bientap", "POST", f"/api/v1/bulletins/{b['id']}/submit")
        central.api("pheduyet", "POST", f"/api/v1/bulletins/{b['id']}/approve")
        code = run("central", "enroll-code", "--area", "DNO-X", "--name", "Đài đo", env=central.env).splitlines()[-1]
        stamps = root / "player-starts.txt"
        senv = dict(os.environ, LOA_STATION_DIR=str(root / "station"), LOA_UI_PORT=str(free_port()),
                    LOA_UI_HOST="127.0.0.1", PYTHONUNBUFFERED="1",
                    LOA_PLAYER=(f"sh -c 'date +%s.%N >> {stamps}; exec \"$0\" \"$@\"' {{ffmpeg}} -nostdin "
                                "-hide_banner -loglevel error -re -i {path} -af volume={gain} -f null -"))
        run("station", "enroll", central.url, code, "--password", "bench-password", env=senv)
        sid = json.loads(run("station", "status", "--json", env=senv))["station_id"]
        first = datetime.now().astimezone().replace(microsecond=0) + timedelta(seconds=LEAD_S)
        planned = [first + timedelta(seconds=GAP_S * i) for i in range(SLOTS)]
        for at in planned:
            local = at.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None).isoformat()
            s = central.api("bientap", "POST", "/api/v1/schedules", json={
                "bulletin_id": b["id"], "targets": {"areas": [], "stations": [sid]}, "dtstart": local,
                "rrule": "", "timezone": ZONE, "priority": "normal"})
            if s["status"] != "approved":
                central.api("pheduyet", "POST", f"/api/v1/schedules/{s['id']}/approve")
        station = subprocess.Popen([str(BIN / "station"), "run"], env=senv,
                                   stdout=(root / "station.log").open("wb"), stderr=subprocess.STDOUT)
        time.sleep((planned[-1] - datetime.now().astimezone()).total_seconds() + 5)

        plays = json.loads(run("station", "status", "--json", env=senv))["recent_plays"]
        popen = [(datetime.fromisoformat(p["started_at"]) - datetime.fromisoformat(p["planned_start"])).total_seconds() * 1000
                 for p in plays if p["status"] == "completed"]
        starts = sorted(float(x) for x in stamps.read_text().split())
        proc = [(t - at.timestamp()) * 1000 for t, at in zip(starts, planned, strict=False)]

        ui = f"http://127.0.0.1:{senv['LOA_UI_PORT']}"
        operator = requests.Session()  # the operator logs in and opens the page: its templates are loaded
        operator.post(ui + "/login", data={"password": "bench-password"}, timeout=30).raise_for_status()
        operator.get(ui + "/?msg=saved", timeout=30).raise_for_status()
        t0, c0, rss = time.monotonic(), cpu_ticks(station.pid), []
        while time.monotonic() - t0 < IDLE_S:
            rss.append(rss_kb(station.pid))
            time.sleep(1)
        cpu_s = (cpu_ticks(station.pid) - c0) / os.sysconf("SC_CLK_TCK")
        elapsed = time.monotonic() - t0

        print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}")
        pushed = "push channel connected" in (root / "station.log").read_text(errors="replace")
        print(f"push channel (MQTT, keepalive 4 s): {'held' if pushed else 'none (polling only)'}")
        print(f"plays completed: {len(popen)}/{SLOTS}; player processes started: {len(starts)}")
        for name, xs in (("agent (Popen returned)", popen), ("player process began", proc)):
            if xs:
                print(f"start lateness, {name}: p50 {statistics.median(xs):.1f} ms, p99 {pct(xs, 0.99):.1f} ms, "
                      f"max {max(xs):.1f} ms, min {min(xs):.1f} ms (n={len(xs)})")
        print(f"idle over {elapsed:.0f} s with local UI up (after a login and a page view): RSS max {max(rss) / 1024:.1f} MB, "
              f"last {rss[-1] / 1024:.1f} MB; CPU {cpu_s:.2f} s = {100 * cpu_s / elapsed:.2f} % of one core")
    finally:
        if station is not None:
            station.terminate()
            station.wait(15)
        central.stop()


if __name__ == "__main__":
    main()
