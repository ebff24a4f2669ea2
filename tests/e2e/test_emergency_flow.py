"""Emergencies with real processes: a central and three station agents on loopback, no broker (poll path).

What a province relies on, asserted on state with generous timeouts, never on timing (the figures are
in bench/emergency.py): the web UI's own emergency flow sounds on stations that never saw the audio
and logs ``completed``; a TEST plays only on its chosen station; Stop ends a long emergency's
sound; a station that receives an emergency after its "play no later than" logs it missed, stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import (
    AREA,
    Central,
    Station,
    approved_bulletin,
    new_central,
    play_logs,
    wait_for,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Central, list[Station]]]:
    central = new_central(tmp_path)
    central.start()
    agents = [Station(tmp_path / name, central.url) for name in ("dak-lao", "dak-gan", "thuan-an")]
    try:
        for s, name in zip(agents, ("Đắk Lao", "Đắk Gằn", "Thuận An"), strict=True):
            s.enroll(central, f"Đài xã {name}")
        yield central, agents
    finally:
        for s in agents:
            s.stop()
        central.stop()


def _logs_of(central: Central, station: Station, schedule_id: int) -> list[dict[str, Any]]:
    return [p for p in play_logs(central, station.id) if p["schedule_id"] == schedule_id]


def _web_session(central: Central) -> requests.Session:
    """An approver logged in to the web UI with the password `central create-user` printed once."""
    password = central.cli("create-user", "truc.khan.cap", "--role", "approver").splitlines()[-1].strip()
    web = requests.Session()
    token = _csrf(web.get(central.url + "/login", timeout=30).text)
    r = web.post(central.url + "/login", data={"name": "truc.khan.cap", "password": password, "csrf_token": token},
                 timeout=30, allow_redirects=False)
    assert r.status_code == 302, r.text[-2000:]
    return web


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert m, page[-2000:]
    return m.group(1)


def _diagnose(central: Central, *agents: Station) -> str:
    return "\n".join(f"--- {p.log_path}:\n{p.log_path.read_text(errors='replace')[-2500:]}"
                     for p in (central, *agents) if p.log_path.exists())


def test_the_web_ui_emergency_sounds_on_stations_that_never_saw_its_audio(
        world: tuple[Central, list[Station]]) -> None:
    central, agents = world
    for s in agents[:2]:
        s.start()
    wait_for(lambda: all(s.status()["manifest_version"] for s in agents[:2]), 90, "first syncs")
    flood = approved_bulletin(central, "Cảnh báo lũ quét: di chuyển lên vùng cao", seconds=3)
    web = _web_session(central)
    form = {"source": f"bulletin:{flood['id']}", "mode": "live", "play_by": "30", "hours": "1",
            "stations": [str(agents[0].id), str(agents[1].id)]}
    review = web.post(central.url + "/emergency", data={**form, "step": "review",
                                                        "csrf_token": _csrf(web.get(central.url + "/emergency").text)})
    assert "Bước 2/2" in review.text and "Đài xã Đắk Lao" in review.text
    sent = web.post(central.url + "/emergency", data={**form, "step": "send", "csrf_token": _csrf(review.text)},
                    allow_redirects=False)
    assert sent.status_code == 302, sent.text[-2000:]
    sid = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    for s in agents[:2]:
        logs = wait_for(lambda s=s: [p for p in _logs_of(central, s, sid) if p["status"] != "playing"], 120,
                        f"the emergency's play log from {s.id}\n{_diagnose(central, s)}", 1)
        # the test stations play into the null output: completed there, not audible here
        assert [(p["status"], p["sound"]["reported_status"]) for p in logs] == [("not_audible", "completed")], logs
    page = web.get(central.url + f"/emergency/{sid}").text
    assert "2 / 2" in page, "the page counts both stations as sounding"
    (e,) = central.api("pheduyet", "GET", "/api/v1/emergencies").json()["emergencies"]
    steps = central.api("pheduyet", "GET", f"/api/v1/emergencies/{e['id']}").json()["stations"]
    for row in steps:
        assert row["manifest_fetched_at"] and row["sound_started_at"] and row["outcome"].startswith("not_audible"), row
        assert row["audio_ready_at"] and not row["audio_cached"], "its audio was downloaded after it was sent"
        # compare instants, not strings: "…:01+00:00" sorts before "…:00.5+00:00" as text
        fetched, started = (datetime.fromisoformat(row[k]) for k in ("manifest_fetched_at", "sound_started_at"))
        assert fetched <= started, row


def test_a_test_plays_only_on_its_station_and_stop_ends_a_long_emergency(
        world: tuple[Central, list[Station]]) -> None:
    central, agents = world
    a, b = agents[0], agents[1]
    a.start()
    b.start()
    wait_for(lambda: a.status()["manifest_version"] and b.status()["manifest_version"], 90, "first syncs")
    drill = approved_bulletin(central, "Diễn tập báo động cháy rừng", seconds=3)
    r = central.api("pheduyet", "POST", "/api/v1/emergencies", json={
        "bulletin_id": drill["id"], "mode": "test", "targets": {"areas": [], "stations": [a.id]}})
    assert r.status_code == 201, r.text
    test = r.json()
    wait_for(lambda: [p for p in _logs_of(central, a, test["schedule_id"]) if p["status"] == "not_audible"], 120,
             f"the test on its station\n{_diagnose(central, a)}", 1)
    assert [x["station_id"] for x in test["stations"]] == [a.id]
    listed = central.api("pheduyet", "GET", "/api/v1/emergencies").json()["emergencies"]
    assert [(x["id"], x["mode"]) for x in listed] == [(test["id"], "test")]

    long = approved_bulletin(central, "Lệnh sơ tán khẩn cấp toàn xã", seconds=90)
    r = central.api("pheduyet", "POST", "/api/v1/emergencies", json={
        "bulletin_id": long["id"], "targets": {"areas": [AREA], "stations": []}})
    assert r.status_code == 201, r.text
    live = r.json()
    wait_for(lambda: (central.api("pheduyet", "GET", f"/api/v1/emergencies/{live['id']}").json()["sounding"]
                      == 2), 120, f"both stations sounding\n{_diagnose(central, a, b)}", 1)
    assert not _logs_of(central, b, test["schedule_id"]), "the test never reached the other station"
    r = central.api("pheduyet", "POST", f"/api/v1/emergencies/{live['id']}/stop")
    assert r.status_code == 200 and r.json()["stopped_at"]
    for s in (a, b):
        logs = wait_for(lambda s=s: [p for p in _logs_of(central, s, live["schedule_id"])
                                     if p["status"] == "not_audible"  # the null output, cut
                                     and p["sound"]["reported_status"] == "interrupted"], 60,
                        f"the stop reaching {s.id}\n{_diagnose(central, s)}", 1)
        assert logs[0]["reason"] == "emergency_stop", logs


def test_an_emergency_received_after_play_by_is_logged_stale_not_aired(
        world: tuple[Central, list[Station]]) -> None:
    central, agents = world
    late = agents[2]
    late.start()
    wait_for(lambda: late.status()["manifest_version"], 90, "the first sync")
    late.stop()  # its link is down while the emergency goes out
    warning = approved_bulletin(central, "Cảnh báo sạt lở đất: sơ tán ngay", seconds=3)
    r = central.api("pheduyet", "POST", "/api/v1/emergencies", json={
        "bulletin_id": warning["id"], "play_by_minutes": 1, "targets": {"areas": [], "stations": [late.id]}})
    assert r.status_code == 201, r.text
    e = r.json()
    play_by = datetime.fromisoformat(e["play_by"])
    wait_for(lambda: datetime.now(UTC) > play_by + timedelta(seconds=1), 180, "its play-by time to pass", 1)
    late.start()
    logs = wait_for(lambda: _logs_of(central, late, e["schedule_id"]), 120,
                    f"the station's log of the stale emergency\n{_diagnose(central, late)}", 1)
    assert [(p["status"], p["reason"]) for p in logs] == [("missed", "stale")], logs
