"""The walking skeleton, real all the way: upload → approve → schedule → sync → play → proof of play.

The central and the station agent run as separate OS processes on loopback; the station plays
through a real ffmpeg subprocess in real time (null output, no sound card here).
"""

from __future__ import annotations

import io
import math
import struct
import time
import wave
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import Central, StationAgent, cli, wait_for

pytestmark = pytest.mark.e2e

ZONE = "Asia/Ho_Chi_Minh"
LEAD_S = 25  # enough for the station to enroll, sync, fetch and verify before the slot


def speech_like_wav(seconds: float = 4.0, rate: int = 16000) -> bytes:
    """A tone with a syllable-rate envelope: loud enough to survive trimming and normalising."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        envelope = 0.35 + 0.3 * math.sin(2 * math.pi * 3.0 * t) ** 2
        sample = envelope * (math.sin(2 * math.pi * 220 * t) + 0.4 * math.sin(2 * math.pi * 660 * t))
        frames += struct.pack("<h", int(max(-1.0, min(1.0, sample / 1.5)) * 32000))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def approved_bulletin(central: Central) -> dict:
    r = central.api(
        "bientap", "POST", "/api/v1/bulletins",
        files={"file": ("bản tin.wav", speech_like_wav(), "audio/wav")},
        data={"title": "Phòng, chống ma túy — bản tin thử", "category": "drugs", "language": "vi"},
    )
    assert r.status_code == 201, r.text
    bulletin = r.json()
    assert bulletin["status"] == "draft"
    bid = bulletin["id"]
    assert central.api("bientap", "POST", f"/api/v1/bulletins/{bid}/submit").status_code == 200
    r = central.api("pheduyet", "POST", f"/api/v1/bulletins/{bid}/approve")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    return bulletin


def schedule_once(central: Central, bulletin_id: int, station_id: int, at: datetime) -> None:
    local = at.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None, microsecond=0)
    r = central.api("bientap", "POST", "/api/v1/schedules", json={
        "bulletin_id": bulletin_id, "targets": {"areas": [], "stations": [station_id]},
        "dtstart": local.isoformat(), "rrule": "", "timezone": ZONE, "priority": "normal",
    })
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    if r.json()["status"] != "approved":
        r = central.api("pheduyet", "POST", f"/api/v1/schedules/{sid}/approve")
        assert r.status_code == 200, r.text


def test_first_broadcast(central: Central, station_agent: StationAgent) -> None:
    code = central.cli("enroll-code", "--area", "DNO-DMI-DLA", "--name", "Đài xã Đắk Lao").splitlines()[-1]
    cli("station", "enroll", central.url, code, env=station_agent.env)
    stations = central.api("pheduyet", "GET", "/api/v1/stations").json()["stations"]
    station_id = next(s["id"] for s in stations if s["name"] == "Đài xã Đắk Lao")

    bulletin = approved_bulletin(central)
    planned = datetime.now().astimezone().replace(microsecond=0) + timedelta(seconds=LEAD_S)
    schedule_once(central, bulletin["id"], station_id, planned)
    station_agent.start()

    def logs() -> list[dict]:
        r = central.api("pheduyet", "GET", f"/api/v1/play-logs?station={station_id}")
        assert r.status_code == 200, r.text
        rows = r.json()["play_logs"]
        return [row for row in rows if row["status"] == "completed"]

    done = wait_for(logs, LEAD_S + 60, "the play log of the scheduled bulletin on the central", 0.5)
    assert station_agent.proc is not None and station_agent.proc.poll() is None, station_agent.log()
    # Give a duplicate upload (if the agent were to re-send) the chance to show up before counting.
    time.sleep(3)
    rows = [row for row in logs() if row["asset_sha256"] == bulletin["asset"]["sha256"]]
    assert len(rows) == 1, (rows, done)
    started = datetime.fromisoformat(rows[0]["started_at"])
    lateness = abs((started - planned).total_seconds())
    assert lateness <= 2.0, f"started {started.isoformat()} for {planned.isoformat()}: {lateness:.3f} s off"
    assert rows[0]["planned_start"] is not None
    assert datetime.fromisoformat(rows[0]["planned_start"]) == planned
