"""Proof of play: validation of whole batches, idempotence by UUID, also under concurrent re-sends."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from central.models import PlayLog


def make_log(**over):
    start = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    log = {"id": str(uuid.uuid4()), "slot_id": "3@20261130T233000Z", "schedule_id": 3, "bulletin_id": 4,
           "asset_sha256": "a" * 64, "planned_start": start.isoformat(),
           "started_at": (start + timedelta(seconds=1)).isoformat(),
           "ended_at": (start + timedelta(seconds=31)).isoformat(), "status": "completed", "reason": None,
           "clock_trusted": True, "clock_offset_ms": 12}
    log.update(over)
    return log


def _post(client, token, logs):
    return client.post("/api/v1/station/play-logs", json={"logs": logs},
                       headers={"Authorization": f"Bearer {token}"})


def test_batch_is_stored_and_resend_counts_duplicates(client, tree, station_factory):
    station, token = station_factory(tree["C1"])
    logs = [make_log() for _ in range(5)] + [make_log(status="missed", started_at=None, ended_at=None,
                                                      reason="mất điện")]
    assert _post(client, token, logs).json == {"accepted": 6, "duplicates": 0}
    assert _post(client, token, logs[:3] + [make_log()]).json == {"accepted": 1, "duplicates": 3}
    assert PlayLog.select().where(PlayLog.station == station.id).count() == 7
    missed = PlayLog.get(PlayLog.status == "missed")
    assert missed.reason == "mất điện" and missed.started_at is None
    row = PlayLog.get(PlayLog.uuid == logs[0]["id"])
    assert row.started_at == datetime(2026, 12, 1, 6, 30, 1, tzinfo=UTC)
    assert row.clock_offset_ms == 12 and row.schedule_id == 3


def test_same_uuid_twice_in_one_batch_is_one_row(client, tree, station_factory):
    _, token = station_factory(tree["C1"])
    log = make_log()
    assert _post(client, token, [log, dict(log)]).json == {"accepted": 1, "duplicates": 1}


def test_uuid_belongs_to_its_station(client, tree, station_factory):
    _, a = station_factory(tree["C1"])
    _, b = station_factory(tree["C2"])
    log = make_log()
    assert _post(client, a, [log]).json["accepted"] == 1
    assert _post(client, b, [log]).json["accepted"] == 1  # a different station's log, not a duplicate


@pytest.mark.parametrize(("index", "field", "bad"), [
    (2, "id", {"id": "not-a-uuid"}),
    (1, "status", {"status": "played"}),
    (0, "started_at", {"started_at": "yesterday"}),
    (2, "started_at", {"started_at": "2026-12-01T06:30:00"}),  # no offset
    (1, "schedule_id", {"schedule_id": "3"}),
    (0, "clock_trusted", {"clock_trusted": "yes"}),
])
def test_an_invalid_log_refuses_the_whole_batch(client, tree, station_factory, index, field, bad):
    _, token = station_factory(tree["C1"])
    logs = [make_log() for _ in range(3)]
    logs[index].update(bad)
    reply = _post(client, token, logs)
    assert reply.status_code == 400
    assert reply.json["index"] == index and reply.json["field"] == field
    assert f"'{field}'" in reply.json["detail"]
    assert PlayLog.select().count() == 0


def test_batch_limits(client, tree, station_factory):
    _, token = station_factory(tree["C1"])
    assert _post(client, token, []).status_code == 400
    assert _post(client, token, [make_log() for _ in range(1001)]).status_code == 413
    assert _post(client, token, [make_log() for _ in range(1000)]).json["accepted"] == 1000


def _concurrent_resends(base_url, token, logs, senders=8):
    def send(_):
        reply = requests.post(f"{base_url}/api/v1/station/play-logs", json={"logs": logs},
                              headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()

    with ThreadPoolExecutor(senders) as pool:
        return list(pool.map(send, range(senders)))


def test_concurrent_resends_store_each_log_once(live_server, tree, station_factory):
    station, token = station_factory(tree["C1"])
    logs = [make_log() for _ in range(300)]
    replies = _concurrent_resends(live_server, token, logs)
    assert sum(r["accepted"] for r in replies) == 300
    assert sum(r["duplicates"] for r in replies) == 300 * 7
    assert PlayLog.select().where(PlayLog.station == station.id).count() == 300


def test_concurrent_resends_to_several_worker_processes(gunicorn_server, tree, station_factory):
    test_concurrent_resends_store_each_log_once(gunicorn_server, tree, station_factory)


@pytest.mark.postgres
def test_concurrent_resends_to_several_worker_processes_on_postgres(gunicorn_server, tree, station_factory):
    from central.db import is_postgres

    assert is_postgres()
    test_concurrent_resends_store_each_log_once(gunicorn_server, tree, station_factory)


@pytest.mark.postgres
def test_concurrent_resends_store_each_log_once_on_postgres(live_server, tree, station_factory):
    from central.db import is_postgres

    assert is_postgres()
    test_concurrent_resends_store_each_log_once(live_server, tree, station_factory)


def test_the_service_reads_logs_through_the_contracts_model(tree, station_factory):
    """Callers inside the central (the demo, imports) get the same checks as the HTTP door."""
    from central.errors import Invalid
    from central.services import playlogs

    station, _ = station_factory(tree["C1"])
    bad = make_log(sound={"audibility": "maybe"})
    with pytest.raises(Invalid) as refused:
        playlogs.ingest(station, [make_log(), bad])
    assert refused.value.problem()["index"] == 1 and refused.value.problem()["field"] == "sound.audibility"
    kept = make_log(sound={"volume": 80, "level_lufs": -20, "output": "x" * 300, "battery": "ok"})
    assert playlogs.ingest(station, [kept]) == (1, 0)
    row = PlayLog.get(PlayLog.uuid == kept["id"])
    assert row.sound == {"volume": 80, "level_lufs": -20, "output": "x" * 200, "reported_status": "completed"}
