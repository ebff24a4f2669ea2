"""The push channel with real processes: a central, Mosquitto, station agents; state asserted, never timing.

A station polling once an hour can only see a change within the test's timeout if the push reached
it: that is how these tests tell a nudge from a poll without measuring anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import (
    Broker,
    Central,
    Station,
    approved_bulletin,
    new_central,
    schedule,
    soon,
    wait_for,
    with_broker,
)

pytestmark = [pytest.mark.e2e, pytest.mark.mqtt]

HOURLY = "3600"  # a poll that cannot happen within a test


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Central, Broker]]:
    central = new_central(tmp_path)
    broker = with_broker(central, tmp_path)
    central.start()
    yield central, broker
    central.stop()
    broker.stop()


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[list[Station]]:
    made: list[Station] = []
    yield made
    for s in made:
        s.stop()


def _agent(tmp_path: Path, central: Central, agents: list[Station], name: str, **env: str) -> Station:
    s = Station(tmp_path / name, central.url, **env)
    agents.append(s)
    s.enroll(central, f"Đài xã {name}")
    return s


def _version(s: Station) -> Any:
    return s.status()["manifest_version"]


def _diagnose(*procs: Station | Central | Broker) -> str:
    out = []
    for p in procs:
        path = p.dir / "mosquitto.log" if isinstance(p, Broker) else p.log_path
        out.append(f"--- {path}:\n{path.read_text(errors='replace')[-3000:] if path.exists() else ''}")
    return "\n".join(out)


def test_a_change_reaches_a_station_by_nudge(tmp_path: Path, setup: tuple[Central, Broker],
                                             agents: list[Station]) -> None:
    central, broker = setup
    s = _agent(tmp_path, central, agents, "dak-lao", LOA_SYNC_INTERVAL=HOURLY)
    assert (broker.dir / "passwords").read_text().count(f"station-{s.id}:$7$") == 1
    s.start()
    first = wait_for(lambda: _version(s), 60, "the first sync")
    wait_for(lambda: "push channel connected" in s.log(), 60, "the push channel")
    bulletin = approved_bulletin(central, "Thông báo lịch tiêm phòng")
    schedule(central, bulletin["id"], s.id, soon(3600))
    try:
        wait_for(lambda: (_version(s) or 0) > first, 60, "the nudged sync")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnose(s, central, broker)}") from None


def test_with_the_broker_killed_the_poll_still_delivers(tmp_path: Path, setup: tuple[Central, Broker],
                                                        agents: list[Station]) -> None:
    central, broker = setup
    s = _agent(tmp_path, central, agents, "dak-sak", LOA_SYNC_INTERVAL="2")
    s.start()
    first = wait_for(lambda: _version(s), 60, "the first sync")
    wait_for(lambda: "push channel connected" in s.log(), 60, "the push channel")
    broker.stop()
    wait_for(lambda: "push channel lost" in s.log(), 60, "the station to notice the broker is gone")
    bulletin = approved_bulletin(central, "Thông báo khi máy chủ tin nhắn ngừng")
    schedule(central, bulletin["id"], s.id, soon(3600))  # the central's request must not fail either
    wait_for(lambda: (_version(s) or 0) > first, 60, "the polled sync")
    assert s.proc is not None and s.proc.poll() is None, _diagnose(s)


def _publish_as_central(central: Central, broker: Broker, topic: str, payload: bytes) -> None:
    import paho.mqtt.client as mqtt

    password = (Path(central.env["LOA_DATA_DIR"]) / "mqtt_central_password").read_text().strip()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="forger")
    c.username_pw_set("central", password)
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    try:
        c.publish(topic, payload, qos=1).wait_for_publish(30)
    finally:
        c.disconnect()
        c.loop_stop()


def test_a_forged_nudge_costs_one_sync_and_changes_nothing(tmp_path: Path, setup: tuple[Central, Broker],
                                                          agents: list[Station]) -> None:
    from playlists import orders

    central, broker = setup
    s = _agent(tmp_path, central, agents, "nam-da", LOA_SYNC_INTERVAL=HOURLY)
    s.start()
    first = wait_for(lambda: _version(s), 60, "the first sync")
    wait_for(lambda: "push channel connected" in s.log(), 60, "the push channel")
    synced = wait_for(lambda: s.status()["last_sync_at"], 30, "a recorded sync")
    # even with the central's own broker password, a nudge cannot make up a manifest
    _publish_as_central(central, broker, orders.nudge_topic(s.id), orders.nudge_payload(s.id, first + 1000))
    wait_for(lambda: s.status()["last_sync_at"] != synced, 60, "the one sync the forged nudge costs")
    status = s.status()
    assert status["manifest_version"] == first
    assert s.proc is not None and s.proc.poll() is None, _diagnose(s)


def _presence(central: Central, station_id: int) -> tuple[Any, list[dict[str, Any]]]:
    h = central.api("pheduyet", "GET", f"/api/v1/stations/{station_id}").json()
    outages = central.api("pheduyet", "GET", f"/api/v1/stations/{station_id}/outages").json()["outages"]
    return (h["online"] if h["presence_at"] else None), outages


def test_a_station_whose_link_is_cut_shows_offline_and_the_outage_is_kept(
    tmp_path: Path, setup: tuple[Central, Broker], agents: list[Station]
) -> None:
    import signal
    import subprocess

    from tests.processes import BIN

    central, broker = setup
    listener = subprocess.Popen([str(BIN / "central"), "presence"], env=central.env,
                                stdout=(tmp_path / "presence.log").open("ab"), stderr=subprocess.STDOUT)
    s = _agent(tmp_path, central, agents, "thuan-an", LOA_SYNC_INTERVAL="5")
    try:
        s.start()
        wait_for(lambda: _presence(central, s.id)[0] is True, 60, "the station to show online")
        assert s.proc is not None
        # a frozen agent sends nothing, not even keepalives: to the broker its link is gone
        s.proc.send_signal(signal.SIGSTOP)
        try:
            wait_for(lambda: _presence(central, s.id)[0] is False, 60, "the station to show offline")
        finally:
            s.proc.send_signal(signal.SIGCONT)
        online, outages = _presence(central, s.id)
        assert [o["ongoing"] for o in outages] == [True]
        wait_for(lambda: _presence(central, s.id)[0] is True, 60, "the station back online")
        outages = _presence(central, s.id)[1]
        assert len(outages) == 1 and not outages[0]["ongoing"] and outages[0]["duration_s"] > 0
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnose(s, central, broker)}\n"
                             f"{(tmp_path / 'presence.log').read_text()[-2000:]}") from None
    finally:
        listener.terminate()
        listener.wait(15)


def test_a_signed_order_plays_and_a_forged_or_replayed_one_is_refused(
    tmp_path: Path, setup: tuple[Central, Broker], agents: list[Station]
) -> None:
    import base64
    import uuid
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from playlists import orders
    from tests.processes import AREA, play_logs

    central, broker = setup
    s = _agent(tmp_path, central, agents, "dak-gan", LOA_SYNC_INTERVAL=HOURLY)
    bulletin = approved_bulletin(central, "Cảnh báo lũ quét — sơ tán ngay")
    schedule(central, bulletin["id"], s.id, soon(6 * 3600))  # its audio is in the station's manifest
    s.start()
    wait_for(lambda: "push channel connected" in s.log(), 60, "the push channel")
    pem = (Path(central.env["LOA_DATA_DIR"]) / "signing_key.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    now = datetime.now(UTC).replace(microsecond=0)

    def order(seq: int, signer: Ed25519PrivateKey) -> bytes:
        o = orders.EmergencyOrder(
            order_id=str(uuid.uuid4()), seq=seq, action="start", issued_at=now, starts_at=now,
            play_by=now + timedelta(minutes=30), valid_until=now + timedelta(hours=1), areas=("DNO",),
            asset_sha256=bulletin["asset"]["sha256"], asset_size=bulletin["asset"]["size"],
            duration_ms=bulletin["asset"]["duration_ms"], title=bulletin["title"])
        return orders.seal(o, lambda data: base64.b64encode(signer.sign(data)).decode())

    topic = orders.emergency_topic(AREA)
    _publish_as_central(central, broker, topic, order(1, Ed25519PrivateKey.generate()))  # forged
    wait_for(lambda: "refused an emergency order" in s.log(), 60, "the forged order refused")
    genuine = order(2, key)
    _publish_as_central(central, broker, topic, genuine)
    try:
        # the null output (no sound card here): completed on the station, not audible on the central
        wait_for(lambda: [p for p in play_logs(central, s.id) if p["sound"]["reported_status"] == "completed"],
                 90, "the genuine order to play to the end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnose(s, central, broker)}") from None
    _publish_as_central(central, broker, topic, genuine)  # replayed
    wait_for(lambda: "replayed" in s.log(), 60, "the replay refused")
    assert s.log().count("EMERGENCY ORDER") == 1
    assert len([p for p in play_logs(central, s.id) if p["asset_sha256"] == bulletin["asset"]["sha256"]]) == 1
