"""Operator views of stations and play logs: health, and nothing outside the user's scope."""

from __future__ import annotations

import uuid

from central.models import PlayLog, Station


def _heartbeat(client, token, **body):
    reply = client.post("/api/v1/station/heartbeat", json=body, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


def test_station_health_and_scope(client, tree, make_user, station_factory, auth):
    here, here_token = station_factory(tree["V"], "Đài thôn 1")
    there, _ = station_factory(tree["C2"], "Đài xã Nâm N'Jang")
    Station.update(last_seen=None).execute()
    client.get("/api/v1/station/manifest", headers={"Authorization": f"Bearer {here_token}"})
    _heartbeat(client, here_token, manifest_version=1, clock_offset_ms=250, clock_trusted=False,
               now_playing={"slot_id": "1@20261201T000000Z", "bulletin_id": 9, "started_at": None})
    _, commune = make_user("operator", tree["C1"])
    _, province = make_user("approver", tree["P"])
    listed = client.get("/api/v1/stations", headers=auth(commune)).json["stations"]
    assert [s["name"] for s in listed] == ["Đài thôn 1"]
    (health,) = listed
    assert health["online"] is True and health["in_sync"] is True
    assert health["manifest_version"] == 1 and health["applied_version"] == 1
    assert health["clock_offset_ms"] == 250 and health["clock_trusted"] is False
    assert health["now_playing"]["bulletin_id"] == 9
    assert health["area_code"] == "P-D-C1-V"
    both = client.get("/api/v1/stations", headers=auth(province)).json["stations"]
    assert {s["id"]: s["online"] for s in both} == {here.id: True, there.id: False}
    assert client.get(f"/api/v1/stations/{there.id}", headers=auth(commune)).status_code == 404
    assert client.get(f"/api/v1/stations/{here.id}", headers=auth(commune)).json["name"] == "Đài thôn 1"
    by_area = client.get("/api/v1/stations?area=P-D-C2", headers=auth(province)).json["stations"]
    assert [s["id"] for s in by_area] == [there.id]
    assert client.get("/api/v1/stations?area=P-D-C2", headers=auth(commune)).status_code == 403
    assert client.get("/api/v1/stations/999", headers=auth(province)).status_code == 404


def test_play_logs_listing_filters_and_scope(client, tree, make_user, station_factory, auth):
    here, _ = station_factory(tree["C1"])
    there, _ = station_factory(tree["C2"])
    for station, day in ((here, 1), (here, 2), (here, 3), (there, 2)):
        PlayLog.create(station=station, uuid=str(uuid.uuid4()), status="completed",
                       started_at=f"2026-12-0{day}T06:30:00+07:00")
    PlayLog.create(station=here, uuid=str(uuid.uuid4()), status="missed",
                   planned_start="2026-12-02T11:00:00+07:00", reason="mất điện")
    _, commune = make_user("operator", tree["C1"])
    _, everyone = make_user("editor")
    mine = client.get("/api/v1/play-logs", headers=auth(commune)).json["play_logs"]
    assert {r["station_id"] for r in mine} == {here.id} and len(mine) == 4
    window = client.get("/api/v1/play-logs?from=2026-12-02T00:00:00%2B07:00&to=2026-12-03T00:00:00%2B07:00",
                        headers=auth(everyone)).json["play_logs"]
    assert sorted((r["station_id"], r["status"]) for r in window) == sorted(
        [(here.id, "completed"), (there.id, "completed"), (here.id, "missed")])
    assert window[0]["status"] == "missed"  # newest first, missed ones by their planned start
    one = client.get(f"/api/v1/play-logs?station={there.id}", headers=auth(everyone)).json["play_logs"]
    assert [r["station_id"] for r in one] == [there.id]
    assert client.get(f"/api/v1/play-logs?station={there.id}", headers=auth(commune)).status_code == 404
    assert client.get("/api/v1/play-logs?from=someday", headers=auth(everyone)).status_code == 400
    row = PlayLog.get(PlayLog.status == "missed")
    assert row.planned_start.isoformat() == "2026-12-02T04:00:00+00:00"  # stored as UTC


def test_settings_change_reaches_the_manifest(client, tree, make_user, station_factory, auth):
    station, token = station_factory(tree["C1"])
    station_auth = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/v1/station/manifest", headers=station_auth)
    _, operator = make_user("operator", tree["C1"])
    body = {"volume": 65, "quiet_hours": {"start": "21:30", "end": "05:00"}, "name": "Đài xã Đắk Môl"}
    reply = client.patch(f"/api/v1/stations/{station.id}", json=body, headers=auth(operator))
    assert reply.status_code == 200
    assert reply.json["volume"] == 65 and reply.json["quiet_hours"] == {"start": "21:30", "end": "05:00"}
    after = client.get("/api/v1/station/manifest",
                       headers={**station_auth, "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    m = after.json["manifest"]
    assert m["version"] > before.json["manifest"]["version"]
    assert m["station"]["volume"] == 65 and m["station"]["name"] == "Đài xã Đắk Môl"
    assert m["station"]["quiet_hours"] == {"start": "21:30", "end": "05:00"}


def test_settings_are_validated_and_scoped(client, tree, make_user, station_factory, auth):
    station, _ = station_factory(tree["C1"])
    _, here = make_user("editor", tree["C1"])
    _, there = make_user("editor", tree["C2"])
    _, approver = make_user("approver", tree["C1"])
    url = f"/api/v1/stations/{station.id}"
    assert client.patch(url, json={"volume": 50}, headers=auth(there)).status_code == 404
    assert client.patch(url, json={"volume": 50}, headers=auth(approver)).status_code == 403
    # 400: not as the API describes; 422: well-formed, but no such zone ("America" is a folder of zones)
    for bad, field, status in (({"volume": 101}, "volume", 400), ({"timezone": "Mars/Olympus"}, "timezone", 422),
                               ({"timezone": "America"}, "timezone", 422),
                               ({"quiet_hours": {"start": "25:00", "end": "05:00"}}, "quiet_hours", 400)):
        reply = client.patch(url, json=bad, headers=auth(here))
        assert reply.status_code == status and reply.json["field"] == field, reply.json
    assert client.patch(url, json={"token_hash": "x"}, headers=auth(here)).status_code == 400
    assert Station.get_by_id(station.id).volume == 80


def test_register_a_station_and_replace_its_device_over_the_api(client, tree, make_user, auth):
    _, admin = make_user("admin", tree["D"])
    reply = client.post("/api/v1/stations", json={"area_code": "P-D-C1", "name": "Đài xã Đắk Môl"},
                        headers=auth(admin))
    assert reply.status_code == 201
    station = reply.json["station"]
    assert station["enrolled"] is False and station["area_code"] == "P-D-C1"
    first = client.post("/api/v1/station/enroll", json={"code": reply.json["code"]})
    assert first.status_code == 201 and first.json["station_id"] == station["id"]
    again = client.post(f"/api/v1/stations/{station['id']}/enroll-code", headers=auth(admin))
    assert again.status_code == 201
    second = client.post("/api/v1/station/enroll", json={"code": again.json["code"]})
    assert second.json["station_id"] == station["id"]
    old = {"Authorization": f"Bearer {first.json['token']}"}
    assert client.post("/api/v1/station/heartbeat", json={}, headers=old).status_code == 401
    bad = client.post("/api/v1/stations", json={"area_code": "P-D-C1", "name": "X", "timezone": "Hà Nội"},
                      headers=auth(admin))
    assert bad.status_code == 400 and bad.json["field"] == "timezone"
    assert client.post("/api/v1/stations", json={"area_code": "NOPE", "name": "X"},
                       headers=auth(admin)).status_code == 404
