"""The push channel's effect on the sync thread: a nudge ends a long back-off; an applied version is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from station import config
from station.client import CentralClient, Timeouts
from station.clock import Clock, system_time
from station.daemon import Agent
from station.store import Store
from station.sync import SyncPolicy
from station.timeline import expand
from tests.processes import wait_for

from .fake_central import FakeCentral
from .station_helpers import Central, FakePlayer

DOWN = (503, {"Content-Type": "application/json", "Retry-After": "3600"}, [b'{"title": "down"}'])


@pytest.fixture
def fc() -> Iterator[FakeCentral]:
    f = FakeCentral(Central())
    yield f
    f.close()


def _agent(tmp_path: Path, fc: FakeCentral) -> Agent:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0", "LOA_UI_PORT": "0"})
    store = Store(cfg.db_path)
    store.put(public_key=fc.central.public_key, central_url=fc.url, token="t")
    clock = Clock(system_time())
    client = CentralClient(fc.url, "t", Timeouts(), clock.system_now, clock.observe)
    agent = Agent(cfg, store, clock, FakePlayer(), client, expand)
    assert agent.syncer is not None
    # an hour between polls and an hour of back-off: only a nudge can make it sync within the test
    agent.syncer.policy = SyncPolicy(interval_s=3600, backoff_base_s=3600, backoff_max_s=7200)
    return agent


def test_a_nudge_ends_the_back_off_and_a_known_version_is_ignored(tmp_path: Path, fc: FakeCentral) -> None:
    fc.central.bulletin(1, 2, title="Thông báo")
    fc.publish()
    fc.manifest_raw = DOWN
    agent = _agent(tmp_path, fc)
    syncer = agent.syncer
    assert syncer is not None
    agent.start()
    try:
        wait_for(lambda: syncer.failures >= 1, 30, "the first sync to fail and back off")
        fc.manifest_raw = None  # the central is back; the station would wait up to an hour to notice
        assert syncer.nudge(None)
        applied = wait_for(lambda: agent.store.applied(), 30, "the nudged sync to apply the manifest")
        assert syncer.failures == 0
        assert not syncer.nudge(applied.version), "a nudge for the applied version costs nothing"
        assert syncer.nudge(applied.version + 1)
    finally:
        agent.stop()
