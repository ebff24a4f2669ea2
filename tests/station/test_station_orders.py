"""Signed emergency orders on the real agent (threads, store, HTTP client, player loop) against a fake central.

The orders are handed to the agent's order desk as the push channel would hand them; the broker
itself is covered by tests/e2e/test_push.py.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from playlists.model import Priority
from playlists.orders import EmergencyOrder, seal
from station import config
from station.client import CentralClient, Timeouts
from station.clock import Clock, system_time
from station.daemon import Agent
from station.push import PushSettings
from station.store import Store
from station.timeline import expand
from tests.processes import free_port, wait_for

from .fake_central import FakeCentral
from .station_helpers import VN, Central, FakePlayer

STATION, AREAS = 7, ("DNO-DMI-DLA", "DNO-DMI", "DNO")


@pytest.fixture
def fc() -> Iterator[FakeCentral]:
    f = FakeCentral(Central())
    yield f
    f.close()


def _agent(tmp_path: Path, fc: FakeCentral) -> tuple[Agent, FakePlayer]:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0", "LOA_UI_PORT": "0",
                       "LOA_SYNC_INTERVAL": "1", "LOA_SYNC_JITTER": "0", "LOA_HEARTBEAT_INTERVAL": "60"})
    store = Store(cfg.db_path)
    store.put(public_key=fc.central.public_key, central_url=fc.url, token="t", station_id=STATION)
    clock = Clock(system_time())
    client = CentralClient(fc.url, "t", Timeouts(), clock.system_now, clock.observe)
    player = FakePlayer()
    # a broker nobody runs: the orders below come straight to the desk, as the channel would pass them
    push = PushSettings("127.0.0.1", free_port(), False, f"station-{STATION}", "pw", STATION, AREAS)
    return Agent(cfg, store, clock, player, client, expand, push), player


def _order(fc: FakeCentral, seq: int, key: Ed25519PrivateKey | None = None, **kw: Any) -> tuple[EmergencyOrder, bytes]:
    now = datetime.now(UTC).replace(microsecond=0)
    fields: dict[str, Any] = dict(order_id=str(uuid.uuid4()), seq=seq, action="start", issued_at=now,
                                  starts_at=now, play_by=now + timedelta(minutes=30),
                                  valid_until=now + timedelta(hours=1), areas=("DNO",), title="Lũ quét: sơ tán")
    fields.update(kw)
    order = EmergencyOrder(**fields)
    signer = key or fc.central.key
    return order, seal(order, lambda data: base64.b64encode(signer.sign(data)).decode())


def _plays(agent: Agent) -> list[dict[str, Any]]:
    return agent.store.recent_plays(20)


def test_an_order_plays_at_once_and_the_manifest_s_copy_is_the_same_broadcast(
    tmp_path: Path, fc: FakeCentral
) -> None:
    b = fc.central.bulletin(1, 2, title="Cảnh báo lũ quét")
    fc.publish()  # the audio is a standing alert: listed, cached, never scheduled
    agent, player = _agent(tmp_path, fc)
    desk = agent.orders
    assert desk is not None
    agent.start()
    try:
        wait_for(lambda: agent.cache.playable(b.asset_sha256), 30, "the standing alert to be cached")
        order, payload = _order(fc, 5, schedule_id=50, bulletin_id=1, asset_sha256=b.asset_sha256,
                                asset_size=len(fc.central.blobs[b.asset_sha256]), duration_ms=2000)
        assert desk.receive(payload) == order
        pb = wait_for(lambda: player.current, 30, "the emergency to sound")
        assert pb.path.name == b.asset_sha256
        assert agent.loop.running is not None and agent.loop.running.priority == Priority.EMERGENCY
        # a replay, an order signed by another key, and one for another province change nothing
        assert desk.receive(payload) is None
        assert desk.receive(_order(fc, 6, key=Ed25519PrivateKey.generate(), schedule_id=51, bulletin_id=1,
                                   asset_sha256=b.asset_sha256)[1]) is None
        assert desk.receive(_order(fc, 7, schedule_id=52, bulletin_id=1, asset_sha256=b.asset_sha256,
                                   areas=("HNI",))[1]) is None
        assert desk.refused == 3 and agent.store.get("order_seq") == 5
        # the manifest now carries the same emergency (same schedule, same start): one broadcast
        fc.central.schedule(50, [1], order.planned_start.astimezone(VN).replace(tzinfo=None),
                            priority=Priority.EMERGENCY)
        version = fc.publish()["manifest"]["version"]
        wait_for(lambda: (agent.store.applied() or object()) and agent.store.applied().version == version,  # type: ignore[union-attr]
                 30, "the manifest with the emergency")
        pb.finish(0)
        wait_for(lambda: [p for p in _plays(agent) if p["status"] == "completed"], 30, "the play to complete")
        time.sleep(3)  # a second play of the same broadcast, were the loop to start one, would be on by now
        assert len(player.started) == 1
        done = [p for p in _plays(agent) if p["slot_id"] and p["slot_id"].startswith("50@")]
        assert [p["status"] for p in done] == ["completed"]
    finally:
        agent.stop()


def test_a_late_order_is_logged_stale_and_a_stop_ends_the_emergency(tmp_path: Path, fc: FakeCentral) -> None:
    b = fc.central.bulletin(2, 30, title="Sơ tán khẩn cấp")
    agent, player = _agent(tmp_path, fc)
    desk = agent.orders
    assert desk is not None
    agent.start()
    try:
        long_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        desk.receive(_order(fc, 1, schedule_id=60, asset_sha256=b.asset_sha256, issued_at=long_ago,
                            starts_at=long_ago, play_by=long_ago + timedelta(minutes=30))[1])
        stale = wait_for(lambda: [p for p in _plays(agent) if p["reason"] == "stale"], 30, "the stale order's log")
        assert stale[0]["status"] == "missed" and stale[0]["slot_id"].startswith("60@")
        # never downloaded before: the order fetches its audio at once (no manifest lists it yet)
        order, payload = _order(fc, 2, schedule_id=61, asset_sha256=b.asset_sha256,
                                asset_size=len(fc.central.blobs[b.asset_sha256]), duration_ms=30_000)
        desk.receive(payload)
        pb = wait_for(lambda: player.current, 30, "the emergency to sound once its audio is in")
        assert pb.path.name == b.asset_sha256
        stop = _order(fc, 3, action="stop", schedule_id=61, asset_sha256=None, stops=order.order_id)[1]
        desk.receive(stop)
        wait_for(lambda: player.current is None, 30, "the stop to end it")
        cut = wait_for(lambda: [p for p in _plays(agent) if p["reason"] == "emergency_stop"], 30, "the log")
        assert cut[0]["status"] == "interrupted"
        time.sleep(2)  # the stopped emergency must not start again
        assert len(player.started) == 1
    finally:
        agent.stop()


def test_enrolling_again_starts_the_order_numbers_anew(tmp_path: Path, fc: FakeCentral,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from station.cli import main

    monkeypatch.setenv("LOA_STATION_DIR", str(tmp_path / "st"))
    assert main(["enroll", fc.url, "ABCD-EFGH-JKLM", "--password", "mật-khẩu"]) == 0
    store = Store(tmp_path / "st" / "station.db")
    settings = PushSettings.from_store(store)
    assert settings is not None and settings.areas == AREAS and settings.username == "station-7"
    store.put(order_seq=41)  # orders seen from the old central
    # a replaced central numbers its orders from 1: the old count must not refuse them as replays
    assert main(["enroll", "--force", fc.url, "ABCD-EFGH-JKLM", "--password", "mật-khẩu"]) == 0
    assert Store(tmp_path / "st" / "station.db").get("order_seq") == 0
