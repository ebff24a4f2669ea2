"""Emergencies through the operator API and the station contract: each step of the flow, on real rows.

Send (LIVE, TEST, standing alert) → the manifest carries it with "play no later than" → the station
fetches it → says its audio is ready → sound starts → play log; stop, area-wide stop, all-clear;
standing alerts kept as standby assets; time-to-air and its CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from central.models import AuditLog, Emergency, EmergencyDelivery, utcnow
from central.services import emergencies
from tests.central.test_web_pages import login


@pytest.fixture
def people(tree, make_user):
    return {
        "editor": make_user("editor", tree["D"]),
        "approver": make_user("approver", tree["D"]),
        "c1_approver": make_user("approver", tree["C1"]),
        "admin": make_user("admin"),
    }


@pytest.fixture
def alert_audio(people, bulletin_factory, tree):
    return bulletin_factory(people["editor"][0], status="approved", area=tree["D"], duration_ms=20_000,
                            title="Cảnh báo lũ quét")


def _manifest(client, token, etag=None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    return client.get("/api/v1/station/manifest", headers=headers)


def _send(client, auth, token, **body):
    body.setdefault("targets", {"areas": ["P-D-C1"], "stations": []})
    return client.post("/api/v1/emergencies", json=body, headers=auth(token))


def test_a_live_emergency_goes_out_with_play_by_and_each_step_is_timed(
        client, auth, people, alert_audio, station_factory, tree):
    st, token = station_factory(tree["C1"])
    _, other = station_factory(tree["C2"])
    assert _send(client, auth, people["editor"][1], bulletin_id=alert_audio.id).status_code == 403
    r = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id, play_by_minutes=10)
    assert r.status_code == 201, r.json
    e = r.json
    assert e["mode"] == "live" and e["title"].startswith("KHẨN CẤP") and e["targets"]["areas"] == ["P-D-C1"]
    assert (e["station_count"], e["sounding"]) == (1, 0)
    (row,) = e["stations"]
    assert row["station_id"] == st.id and row["manifest_fetched_at"] is None and not row["delivered"]
    assert row["nudged_at"] is None, "no push channel here: the step shows as not taken"

    m = _manifest(client, token).json["manifest"]
    (sched,) = [s for s in m["schedules"] if s["id"] == e["schedule_id"]]
    assert sched["priority"] == "emergency"
    assert datetime.fromisoformat(sched["play_by"]) == datetime.fromisoformat(e["play_by"])
    assert datetime.fromisoformat(e["play_by"]) - datetime.fromisoformat(e["created_at"]) == timedelta(minutes=10)
    assert e["schedule_id"] not in [s["id"] for s in _manifest(client, other).json["manifest"]["schedules"]]
    row = client.get(f"/api/v1/emergencies/{e['id']}", headers=auth(people["approver"][1])).json["stations"][0]
    assert row["manifest_fetched_at"] and row["delivered"] and not row["sounding"]

    sha = alert_audio.asset_id
    ready = (utcnow() + timedelta(seconds=1)).isoformat()
    slot = f"{e['schedule_id']}@20261201T000000Z"
    hb = {"manifest_version": m["version"], "emergency_audio": {sha: ready},
          "now_playing": {"slot_id": slot, "priority": "emergency", "started_at": ready}}
    assert client.post("/api/v1/station/heartbeat", json=hb, headers=auth(token)).status_code == 200
    log = {"id": "7a1f1a3e-4c1b-4e0c-9a55-2b8f0d3c1e01", "slot_id": slot, "schedule_id": e["schedule_id"],
           "bulletin_id": alert_audio.id, "asset_sha256": sha, "planned_start": e["created_at"],
           "started_at": ready, "ended_at": ready, "status": "completed", "reason": None,
           "clock_trusted": True, "clock_offset_ms": 0}
    assert client.post("/api/v1/station/play-logs", json={"logs": [log]}, headers=auth(token)).status_code == 200
    got = client.get(f"/api/v1/emergencies/{e['id']}", headers=auth(people["approver"][1])).json
    row = got["stations"][0]
    assert row["audio_ready_at"] and row["sound_started_at"] and row["outcome"] == "completed"
    assert (got["station_count"], got["sounding"], got["delivered"]) == (1, 1, 1)
    assert not row["audio_cached"], "the audio came after the emergency was sent"

    text = client.get(f"/api/v1/emergencies/{e['id']}?format=csv", headers=auth(people["approver"][1]))
    rows = list(csv.DictReader(io.StringIO(text.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["station_name"] == st.name and rows[0]["sounding"] == "True"
    login(client, people["approver"][0].name)  # the web page offers the same file, byte for byte
    page = client.get(f"/emergency/{e['schedule_id']}?format=csv")
    assert page.status_code == 200 and page.get_data() == text.get_data()
    assert page.headers["Content-Disposition"] == text.headers["Content-Disposition"] == \
        f"attachment; filename=emergency-{e['id']}.csv"


def test_a_station_not_sounding_after_n_minutes_is_late(client, auth, people, alert_audio, station_factory, tree):
    station_factory(tree["C1"])
    e = Emergency.get_by_id(_send(client, auth, people["approver"][1], bulletin_id=alert_audio.id).json["id"])
    assert not emergencies.steps(e, now=e.created_at + timedelta(minutes=4), late_after=5)[0].late
    assert emergencies.steps(e, now=e.created_at + timedelta(minutes=6), late_after=5)[0].late


def test_a_test_goes_only_to_the_chosen_stations_and_is_reported_as_a_test(
        client, auth, people, alert_audio, station_factory, tree):
    chosen, token = station_factory(tree["C1"], "Đài thử")
    _, neighbour = station_factory(tree["C1"], "Đài bên cạnh")
    refused = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id, mode="test")
    assert refused.status_code == 422, "a test to a whole area is refused (well-formed, not a test)"
    r = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id, mode="test",
              targets={"areas": [], "stations": [chosen.id]})
    assert r.status_code == 201 and r.json["mode"] == "test" and r.json["title"].startswith("THỬ NGHIỆM")
    assert [s["station_id"] for s in r.json["stations"]] == [chosen.id]
    assert r.json["schedule_id"] in [s["id"] for s in _manifest(client, token).json["manifest"]["schedules"]]
    assert r.json["schedule_id"] not in [s["id"] for s in _manifest(client, neighbour).json["manifest"]["schedules"]]
    listed = client.get("/api/v1/emergencies", headers=auth(people["approver"][1])).json["emergencies"]
    assert [(x["id"], x["mode"]) for x in listed] == [(r.json["id"], "test")]
    now = utcnow().isoformat()
    log = {"id": "0b0e8f55-9a3d-4bb6-8f55-2b8f0d3c1e02", "slot_id": None, "schedule_id": r.json["schedule_id"],
           "bulletin_id": alert_audio.id, "asset_sha256": alert_audio.asset_id, "planned_start": now,
           "started_at": now, "ended_at": now, "status": "completed", "reason": None, "clock_trusted": True,
           "clock_offset_ms": 0}
    client.post("/api/v1/station/play-logs", json={"logs": [log]}, headers=auth(token))
    (row,) = client.get("/api/v1/play-logs", headers=auth(people["approver"][1])).json["play_logs"]
    assert row["emergency_test"] is True, "the proof of play says it was a drill"


def test_stop_takes_it_off_every_manifest_and_is_audited(client, auth, people, alert_audio, station_factory, tree):
    _, token = station_factory(tree["C1"])
    e = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id).json
    before = _manifest(client, token)
    r = client.post(f"/api/v1/emergencies/{e['id']}/stop", headers=auth(people["approver"][1]))
    assert r.status_code == 200 and r.json["stopped_at"] and not r.json["running"]
    after = _manifest(client, token, before.headers["ETag"])
    assert after.status_code == 200, "stopping changes the manifest at once"
    assert e["schedule_id"] not in [s["id"] for s in after.json["manifest"]["schedules"]]
    assert AuditLog.get(AuditLog.action == "emergency.stop").object_id == str(e["id"])


def test_an_area_wide_stop_ends_what_the_approver_may_end(client, auth, people, alert_audio, station_factory, tree):
    station_factory(tree["C1"])
    station_factory(tree["C2"])
    own = _send(client, auth, people["c1_approver"][1], bulletin_id=alert_audio.id).json
    from_above = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id,
                       targets={"areas": ["P-D"], "stations": []}).json
    elsewhere = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id,
                      targets={"areas": ["P-D-C2"], "stations": []}).json
    r = client.post("/api/v1/emergencies/stop-area", json={"area": "P-D-C1"}, headers=auth(people["c1_approver"][1]))
    assert r.status_code == 200 and r.json == {"stopped": [own["id"]], "left": [from_above["id"]]}
    r = client.post("/api/v1/emergencies/stop-area", json={"area": "P-D-C1"}, headers=auth(people["approver"][1]))
    assert r.json == {"stopped": [from_above["id"]], "left": []}
    assert Emergency.get_by_id(elsewhere["id"]).stopped_at is None, "another commune's emergency keeps going"


def test_standing_alerts_are_cached_as_standby_and_need_no_download(
        client, auth, people, alert_audio, bulletin_factory, station_factory, tree):
    _, token = station_factory(tree["C1"])
    draft = bulletin_factory(people["editor"][0], status="submitted", area=tree["D"])
    admin = auth(people["admin"][1])
    body = {"key": "flood", "name": "Lũ, lũ quét", "bulletin_id": draft.id, "area": "P-D-C1"}
    assert client.post("/api/v1/standing-alerts", json=body, headers=auth(people["approver"][1])).status_code == 403
    assert client.post("/api/v1/standing-alerts", json=body, headers=admin).status_code == 409, "two-person rule"
    body["bulletin_id"] = alert_audio.id
    assert client.post("/api/v1/standing-alerts", json=body, headers=admin).status_code == 201
    m = _manifest(client, token).json["manifest"]
    assert [(a["sha256"], a["key"]) for a in m["standby"]] == [(alert_audio.asset_id, "flood")]
    assert m["schedules"] == [] and m["assets"] == [], "standby audio is never played unless scheduled"
    got = client.get(f"/api/v1/station/assets/{alert_audio.asset_id}", headers=auth(token))
    assert got.status_code == 200, "a station may fetch its standby audio"
    _, out_of_scope = station_factory(tree["C2"])
    assert "standby" not in _manifest(client, out_of_scope).json["manifest"]

    hb = {"emergency_audio": {alert_audio.asset_id: (utcnow() - timedelta(days=1)).isoformat()}}
    e = _send(client, auth, people["approver"][1], standing_alert="flood").json
    assert e["standing_alert"] == "flood" and e["bulletin_id"] == alert_audio.id
    client.post("/api/v1/station/heartbeat", json=hb, headers=auth(token))
    row = client.get(f"/api/v1/emergencies/{e['id']}", headers=admin).json["stations"][0]
    assert row["audio_cached"] and row["delivered"], "the audio was on the station before the emergency"


def test_all_clear_stops_the_warning_and_sends_the_prepared_all_clear(
        client, auth, people, alert_audio, bulletin_factory, station_factory, tree):
    station_factory(tree["C1"])
    admin, approver = auth(people["admin"][1]), auth(people["approver"][1])
    e = _send(client, auth, people["approver"][1], bulletin_id=alert_audio.id).json
    assert client.post(f"/api/v1/emergencies/{e['id']}/all-clear", headers=approver).status_code == 404
    yen = bulletin_factory(people["editor"][0], status="approved", area=tree["D"], title="Báo yên")
    client.post("/api/v1/standing-alerts", json={"key": "all_clear", "name": "Báo yên", "bulletin_id": yen.id},
                headers=admin)
    r = client.post(f"/api/v1/emergencies/{e['id']}/all-clear", headers=approver)
    assert r.status_code == 201, r.json
    assert (r.json["all_clear_of"], r.json["bulletin_id"], r.json["targets"]["areas"]) == (e["id"], yen.id, ["P-D-C1"])
    assert Emergency.get_by_id(e["id"]).stopped_at is not None
    assert EmergencyDelivery.select().where(EmergencyDelivery.emergency == r.json["id"]).count() == 1


def test_ids_beyond_any_row_are_unknown_not_a_server_error(client, auth, people):
    approver = auth(people["approver"][1])
    assert client.get(f"/api/v1/emergencies/{2**64}", headers=approver).status_code == 404
    assert _send(client, auth, people["approver"][1], bulletin_id=2**64).status_code == 404
    body = {"key": "storm", "name": "Bão", "bulletin_id": 2**64}
    assert client.post("/api/v1/standing-alerts", json=body, headers=auth(people["admin"][1])).status_code == 400
