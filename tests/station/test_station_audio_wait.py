"""A slot whose audio is still downloading waits for it: the real agent (threads, store, HTTP client,
sync) against a small fake central on loopback that holds the audio back until the test lets it go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from playlists.model import SlotStatus
from station import config
from station.client import CentralClient, Timeouts
from station.clock import Clock, system_time
from station.commands import Command
from station.daemon import Agent
from station.store import Store
from station.timeline import expand
from tests.processes import wait_for

from .fake_central import FakeCentral
from .station_helpers import VN, Central, FakePlayer

SLOT = 10


@pytest.fixture
def fc() -> Iterator[FakeCentral]:
    f = FakeCentral(Central())
    yield f
    f.close()


def _agent(tmp_path: Path, fc: FakeCentral) -> tuple[Agent, FakePlayer]:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0", "LOA_UI_PORT": "0",
                       "LOA_SYNC_INTERVAL": "1", "LOA_SYNC_JITTER": "0", "LOA_HEARTBEAT_INTERVAL": "60"})
    store = Store(cfg.db_path)
    store.put(public_key=fc.central.public_key, central_url=fc.url, token="t")
    clock = Clock(system_time())
    client = CentralClient(fc.url, "t", Timeouts(), clock.system_now, clock.observe)
    player = FakePlayer()
    return Agent(cfg, store, clock, player, client, expand), player


def _due_now(fc: FakeCentral, grace_s: int | None = None) -> tuple[str, datetime]:
    """A 2-second bulletin scheduled for this very second, published, its download held back."""
    planned = datetime.now(VN).replace(microsecond=0)
    b = fc.central.bulletin(1, 2, title="Cảnh báo lũ quét")
    fc.central.schedule(SLOT, [1], planned.replace(tzinfo=None), grace_s=grace_s)
    fc.gate(b.asset_sha256)
    fc.publish()
    return b.asset_sha256, planned


def _waiting(agent: Agent) -> bool:
    return any(s.schedule_id == SLOT and s.status == SlotStatus.MISSED and s.reason == "asset_missing"
               for s in list(agent.loop.slots))


def _plays(agent: Agent) -> list[dict[str, Any]]:
    return agent.store.recent_plays(10)


def test_a_slot_due_now_waits_for_its_audio_and_plays_late_once_it_is_verified(
    tmp_path: Path, fc: FakeCentral
) -> None:
    sha, planned = _due_now(fc)
    agent, player = _agent(tmp_path, fc)
    agent.start()
    try:
        wait_for(lambda: _waiting(agent), 30, "the slot to wait for its audio")
        assert _plays(agent) == [] and player.started == [], "neither missed nor played while downloading"
        assert agent.first_need()[sha] == planned, "its audio is the first to fetch"
        wait_for(lambda: agent.clock.now() >= planned + timedelta(seconds=2), 30, "two seconds past its start")
        fc.gates[sha].set()  # the download finishes now; the loop sleeps until the grace ends unless woken
        pb = wait_for(lambda: player.current, 30, "the slot to start once its audio is verified")
        assert pb.path.name == sha
        pb.finish(0)
        [p] = wait_for(lambda: [p for p in _plays(agent) if p["status"] == "completed"], 30, "the play to end")
        late = datetime.fromisoformat(p["started_at"]) - datetime.fromisoformat(p["planned_start"])
        assert late >= timedelta(seconds=2)
        code, _, seconds = p["reason"].partition(": ")
        assert code == "late_asset" and abs(float(seconds.removesuffix(" s")) - late.total_seconds()) < 0.2
        sent = wait_for(lambda: [x for x in fc.logs if x["status"] == "completed"], 30, "the log to reach the central")
        assert sent[0]["reason"] == p["reason"], "the central sees the lateness too"
    finally:
        agent.stop()


def test_a_slot_whose_grace_runs_out_before_its_audio_is_missed_and_never_plays(
    tmp_path: Path, fc: FakeCentral
) -> None:
    sha, planned = _due_now(fc, grace_s=3)
    agent, player = _agent(tmp_path, fc)
    agent.start()
    try:
        wait_for(lambda: _waiting(agent), 30, "the slot to wait for its audio")
        [p] = wait_for(lambda: _plays(agent), 30, "the slot to be logged missed when its grace ends")
        assert (p["status"], p["reason"]) == ("missed", "asset_missing")
        assert datetime.fromisoformat(p["recorded_at"]) >= planned + timedelta(seconds=3), "not before the grace ended"
        fc.gates[sha].set()
        wait_for(lambda: agent.cache.playable(sha), 30, "the audio to arrive after all")
        agent.loop.command(Command("stop"))  # a step after the asset arrived has run once this is taken
        wait_for(lambda: not agent.loop._commands, 30, "the player loop to look again")
        assert player.started == [], "a slot logged missed never plays after all"
        assert [(x["status"], x["reason"]) for x in _plays(agent)] == [("missed", "asset_missing")]
    finally:
        agent.stop()
