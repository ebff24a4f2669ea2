"""The station contract over HTTP: enroll, heartbeat, server time, tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from central.models import AuditLog, EnrollmentCode, Heartbeat, Station, utcnow
from central.services import enrollment, stations


def test_enroll_returns_token_key_and_time_once(client, tree):
    station, code = enrollment.register(None, "P-D-C1", "Đài xã Đắk Môl")
    reply = client.post("/api/v1/station/enroll", json={"code": code.lower().replace("-", "")})
    assert reply.status_code == 201
    body = reply.json
    assert body["station_id"] == station.id
    assert len(body["token"]) >= 40
    assert len(__import__("base64").b64decode(body["public_key"])) == 32
    assert datetime.fromisoformat(body["server_time"]).tzinfo is not None
    assert "X-Loa-Server-Time" in reply.headers
    again = client.post("/api/v1/station/enroll", json={"code": code})
    assert again.status_code == 410
    assert again.mimetype == "application/problem+json"
    assert Station.get_by_id(station.id).token_hash != body["token"]  # only a hash is stored
    assert AuditLog.select().where(AuditLog.action == "station.enroll").count() == 1


def test_enroll_unknown_expired_and_malformed(client, tree):
    assert client.post("/api/v1/station/enroll", json={"code": "AAAA-BBBB-CCCC"}).status_code == 404
    assert client.post("/api/v1/station/enroll", json={"code": "short"}).status_code == 400
    assert client.post("/api/v1/station/enroll", data="not json").status_code == 400
    station, code = enrollment.register(None, "P-D-C1", "Đài")
    EnrollmentCode.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    reply = client.post("/api/v1/station/enroll", json={"code": code})
    assert reply.status_code == 410
    assert Station.get_by_id(station.id).token_hash is None


def test_new_code_replaces_the_old_token(client, tree, station_factory):
    station, old = station_factory(tree["C1"])
    code = enrollment.issue_code(None, station)
    new = client.post("/api/v1/station/enroll", json={"code": code}).json["token"]
    headers = {"Authorization": f"Bearer {old}"}
    assert client.post("/api/v1/station/heartbeat", json={}, headers=headers).status_code == 401
    headers = {"Authorization": f"Bearer {new}"}
    assert client.post("/api/v1/station/heartbeat", json={}, headers=headers).status_code == 200


def test_every_station_call_needs_a_valid_token(client, tree):
    for method, path in [("get", "/api/v1/station/manifest"), ("post", "/api/v1/station/heartbeat"),
                         ("post", "/api/v1/station/play-logs"), ("get", "/api/v1/station/assets/" + "0" * 64)]:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
            reply = getattr(client, method)(path, headers=headers, json={})
            assert reply.status_code == 401, (path, headers)
            assert reply.json["status"] == 401
            assert "X-Loa-Server-Time" in reply.headers


def test_heartbeat_is_stored_and_marks_station_online(client, tree, station_factory):
    station, token = station_factory(tree["C1"])
    assert not stations.is_online(station)
    body = {"agent_version": "0.1.0", "manifest_version": 3, "clock_offset_ms": -120, "clock_trusted": True,
            "disk_free_bytes": 10**9, "cache": {"assets": 2, "missing": 0, "bytes": 5000},
            "now_playing": {"slot_id": "5@20261201T000000Z", "bulletin_id": 4, "started_at": None},
            "outbox": 0, "last_error": None, "battery": "ok"}
    reply = client.post("/api/v1/station/heartbeat", json=body, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert reply.json["manifest_version"] == Station.get_by_id(station.id).manifest_version
    row = Heartbeat.get(Heartbeat.station == station.id)
    assert row.payload["battery"] == "ok"  # unknown fields kept
    assert row.clock_offset_ms == -120
    fresh = Station.get_by_id(station.id)
    assert stations.is_online(fresh)
    assert fresh.applied_version == 3 and fresh.now_playing["bulletin_id"] == 4
    later = utcnow() + timedelta(seconds=3 * fresh.sync_interval_s + 1)
    assert not stations.is_online(fresh, later)


def test_heartbeat_refuses_wrong_types(client, tree, station_factory):
    _, token = station_factory(tree["C1"])
    reply = client.post("/api/v1/station/heartbeat", json={"clock_offset_ms": "soon"},
                        headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 400
    assert "clock_offset_ms" in reply.json["detail"]


def test_a_code_works_once_under_concurrent_use(live_server, tree):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    station, code = enrollment.register(None, "P-D-C1", "Đài")

    def use(_):
        return requests.post(f"{live_server}/api/v1/station/enroll", json={"code": code}, timeout=30)

    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(use, range(6)))
    assert sorted(r.status_code for r in replies) == [201] + [410] * 5
    (winner,) = [r.json() for r in replies if r.status_code == 201]
    headers = {"Authorization": f"Bearer {winner['token']}"}
    assert requests.post(f"{live_server}/api/v1/station/heartbeat", json={}, headers=headers,
                         timeout=30).status_code == 200
