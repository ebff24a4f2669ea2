"""Emergencies over the push channel with real processes: a central, Mosquitto and three station agents.

The agents poll once an hour, so within the test's timeouts only the push can reach them. A standing
alert is cached on every station before the emergency; the emergency that uses it is nudged and
ordered, sounds everywhere, logs ``completed``, and its time-to-air says the audio was there already.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import (
    AREA,
    MOSQUITTO,
    Broker,
    Central,
    Station,
    approved_bulletin,
    new_central,
    play_logs,
    wait_for,
    with_broker,
)

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(MOSQUITTO is None, reason="Mosquitto is not installed (apt install mosquitto)")]

HOURLY = "3600"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Central, list[Station]]]:
    central = new_central(tmp_path)
    broker: Broker = with_broker(central, tmp_path)
    central.cli("create-user", "quantri", "--role", "admin")
    central.tokens["quantri"] = central.cli("create-token", "quantri").splitlines()[-1]
    central.start()
    agents = [Station(tmp_path / n, central.url, LOA_SYNC_INTERVAL=HOURLY) for n in ("a", "b", "c")]
    try:
        for s, name in zip(agents, ("Đắk Lao", "Đắk Gằn", "Thuận An"), strict=True):
            s.enroll(central, f"Đài xã {name}")
        central.cli("mqtt-config", "--listen", str(broker.port))  # the new stations' passwords and ACL
        yield central, agents
    finally:
        for s in agents:
            s.stop()
        central.stop()
        broker.stop()


def test_a_standing_alert_emergency_goes_out_by_push_and_needs_no_download(
        world: tuple[Central, list[Station]]) -> None:
    central, agents = world
    flood = approved_bulletin(central, "Cảnh báo lũ, lũ quét (soạn sẵn)", seconds=3)
    r = central.api("quantri", "POST", "/api/v1/standing-alerts",
                    json={"key": "flood", "name": "Lũ, lũ quét", "bulletin_id": flood["id"]})
    assert r.status_code == 201, r.text
    for s in agents:
        s.start()
    for s in agents:  # the first sync brings the standby audio; after it, only the push can reach them
        wait_for(lambda s=s: s.status()["cache"]["assets"] == 1 and "push channel connected" in s.log(), 120,
                 lambda s=s: f"station {s.id} to cache the standing alert and join the push channel\n"
                             f"status: {s.status()}\nlog:\n{s.log()[-4000:]}\n"
                             f"broker: {(Path(central.env['LOA_MQTT_DIR']) / 'mosquitto.log').read_text()[-2000:]}")
    r = central.api("pheduyet", "POST", "/api/v1/emergencies",
                    json={"standing_alert": "flood", "targets": {"areas": [AREA], "stations": []}})
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["nudged_at"] is not None, "the push channel was told at once"
    for s in agents:
        logs = wait_for(lambda s=s: [p for p in play_logs(central, s.id)
                                     if p["schedule_id"] == e["schedule_id"] and p["status"] != "playing"],
                        120, f"station {s.id} to sound the emergency\n{s.log()[-3000:]}", 1)
        # the null output: completed on the station, not audible on the central
        assert [(p["status"], p["sound"]["reported_status"]) for p in logs] == [("not_audible", "completed")], logs
    got = wait_for(lambda: (x := central.api("pheduyet", "GET", f"/api/v1/emergencies/{e['id']}").json())
                   and all(r["audio_ready_at"] for r in x["stations"]) and x, 60, "every station's audio step")
    assert got["sounding"] == got["station_count"] == 3
    for row in got["stations"]:
        assert row["audio_cached"] and row["nudged_at"], row
