"""Relay items in programmes and schedules (issue 13): the API, the manifest's relay keys, previews."""

from __future__ import annotations

from typing import Any

import pytest

from central.models import Playlist, Schedule
from central.relay_models import RelaySource
from playlists import model as pm

URL = "http://127.0.0.1:8000/vov1.ogg"
HALF_HOUR = 30 * 60_000


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    editor, et = make_user("editor", tree["D"])
    approver, at = make_user("approver", tree["D"])
    return {"editor": editor, "et": et, "approver": approver, "at": at}


@pytest.fixture
def source(people: dict, tree: dict) -> RelaySource:
    return RelaySource.create(name="VOV1", url=URL, status="approved", author=people["editor"],
                              approver=people["approver"], area=tree["D"])


def manifest(client: Any, token: str) -> dict[str, Any]:
    reply = client.get("/api/v1/station/manifest", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.json
    return reply.json["manifest"]


def relay_schedule(client: Any, auth: Any, token: str, src: int, **relay: Any) -> Any:
    body = {"relay": {"source_id": src, "duration_ms": HALF_HOUR, **relay}, "targets": {"areas": ["P-D-C1"]},
            "repeat": {"form": "daily", "times": ["06:00"], "first_day": "2026-12-01", "last_day": "2027-06-01"}}
    return client.post("/api/v1/schedules", json=body, headers=auth(token))


def approve(client: Any, auth: Any, people: dict, sid: int) -> None:
    r = client.post(f"/api/v1/schedules/{sid}/approve", headers=auth(people["at"]))
    assert r.status_code == 200, r.json


def test_a_relay_schedule_goes_into_relay_schedules_with_its_source_and_fallback(
        client: Any, auth: Any, people: dict, source: RelaySource, tree: dict, station_factory: Any,
        bulletin_factory: Any) -> None:
    station, token = station_factory(tree["C1"])
    before = manifest(client, token)
    assert "relay_sources" not in before and "relay_schedules" not in before
    fb = bulletin_factory(people["editor"], area=tree["D"], duration_ms=60_000)
    r = relay_schedule(client, auth, people["et"], source.id, max_gap_s=20, fallback={"bulletin_id": fb.id})
    assert r.status_code == 201, r.json
    assert r.json["relay"] == {"source_id": source.id, "source_name": "VOV1", "source_status": "approved",
                               "max_gap_s": 20, "fallback": {"bulletin_id": fb.id}, "duration_ms": HALF_HOUR}
    assert r.json["bulletin_id"] is None and r.json["playlist_id"] is None
    assert "relay_schedules" not in manifest(client, token)  # submitted: not on air yet
    approve(client, auth, people, r.json["id"])
    m = manifest(client, token)
    assert m["schedules"] == []
    (sch,) = m["relay_schedules"]
    assert sch["items"] == [{"kind": "relay", "bulletin_id": None, "asset_sha256": None, "duration_ms": HALF_HOUR,
                             "relay_source_id": source.id, "max_gap_s": 20,
                             "fallback": [{"kind": "bulletin", "bulletin_id": fb.id, "asset_sha256": None,
                                           "duration_ms": 60_000}]}]
    assert m["relay_sources"] == [{"id": source.id, "name": "VOV1", "url": URL}]
    assert [b["id"] for b in m["bulletins"]] == [fb.id]
    assert [a["sha256"] for a in m["assets"]] == [fb.asset_id]  # the fallback's audio is downloaded
    content = pm.manifest_content(m)  # what a newer agent resolves
    assert content.schedules[0].items[0].fallback[0].bulletin_id == fb.id


def test_a_programme_item_relays_and_its_changes_need_approval_again(
        client: Any, auth: Any, people: dict, source: RelaySource, tree: dict, station_factory: Any,
        bulletin_factory: Any) -> None:
    station, token = station_factory(tree["C1"])
    b = bulletin_factory(people["editor"], area=tree["D"])
    items = [{"kind": "bulletin", "bulletin_id": b.id},
             {"kind": "relay", "relay_source_id": source.id, "duration_ms": HALF_HOUR}]
    p = client.post("/api/v1/playlists", json={"name": "Sáng: bản tin và VOV1", "items": items},
                    headers=auth(people["et"]))
    assert p.status_code == 201, p.json
    relay_item = p.json["items"][1]
    assert relay_item["kind"] == "relay" and relay_item["duration_ms"] == HALF_HOUR
    assert relay_item["relay"]["source_name"] == "VOV1" and relay_item["relay"]["fallback"] is None
    assert p.json["duration_ms"] == b.asset.duration_ms + HALF_HOUR
    s = client.post("/api/v1/schedules", json={"playlist_id": p.json["id"], "targets": {"areas": ["P-D-C1"]},
                                               "dtstart": "2026-12-01T06:00", "rrule": "FREQ=DAILY"},
                    headers=auth(people["et"]))
    assert s.status_code == 201, s.json
    approve(client, auth, people, s.json["id"])
    m = manifest(client, token)
    assert [x["kind"] for x in m["relay_schedules"][0]["items"]] == ["bulletin", "relay"]
    assert m["schedules"] == []
    # the editor lengthens the relay: a waiting revision, the approved one stays on air
    longer = [items[0], {**items[1], "duration_ms": 2 * HALF_HOUR}]
    r = client.patch(f"/api/v1/playlists/{p.json['id']}", json={"items": longer}, headers=auth(people["et"]))
    assert r.status_code == 200 and r.json["pending"] is not None
    assert manifest(client, token)["relay_schedules"][0]["items"][1]["duration_ms"] == HALF_HOUR
    ok = client.post(f"/api/v1/playlists/{p.json['id']}/approve", headers=auth(people["at"]))
    assert ok.status_code == 200
    assert manifest(client, token)["relay_schedules"][0]["items"][1]["duration_ms"] == 2 * HALF_HOUR


def test_a_programme_of_only_a_relay_is_allowed_but_a_fallback_cannot_relay(
        client: Any, auth: Any, people: dict, source: RelaySource, tree: dict, bulletin_factory: Any) -> None:
    only = client.post("/api/v1/playlists", json={"name": "VOV1", "items": [
        {"kind": "relay", "relay_source_id": source.id, "duration_ms": HALF_HOUR}]}, headers=auth(people["et"]))
    assert only.status_code == 201, only.json
    nested = client.post("/api/v1/playlists", json={"name": "Lồng", "items": [
        {"kind": "relay", "relay_source_id": source.id, "duration_ms": HALF_HOUR,
         "fallback": {"playlist_id": only.json["id"]}}]}, headers=auth(people["et"]))
    assert nested.status_code == 422 and "dự phòng" in nested.json["detail"]
    empty = client.post("/api/v1/playlists", json={"name": "Trống", "items": [{"kind": "pause", "duration_ms": 1000}]},
                        headers=auth(people["et"]))
    assert empty.status_code == 400
    assert Playlist.select().count() == 1


def test_a_relay_schedule_is_validated_previewed_and_held_by_quiet_hours_like_any(
        client: Any, auth: Any, people: dict, source: RelaySource, tree: dict, station_factory: Any) -> None:
    station, _token = station_factory(tree["C1"])
    r = relay_schedule(client, auth, people["et"], source.id)
    approve(client, auth, people, r.json["id"])
    tl = client.get(f"/api/v1/stations/{station.id}/timeline?from=2026-12-02T00:00:00%2B07:00"
                    f"&to=2026-12-03T00:00:00%2B07:00", headers=auth(people["et"]))
    assert tl.status_code == 200, tl.json
    (slot,) = [s for s in tl.json["slots"] if s["schedule_id"] == r.json["id"]]
    assert slot["items"][0]["kind"] == "relay"
    assert slot["start"].startswith("2026-12-01T23:00") and slot["end"].startswith("2026-12-01T23:30")
    bad = relay_schedule(client, auth, people["et"], source.id, duration_ms=0)
    assert bad.status_code == 400


def test_a_schedule_names_exactly_one_content(client: Any, auth: Any, people: dict, source: RelaySource,
                                              bulletin_factory: Any, tree: dict) -> None:
    b = bulletin_factory(people["editor"], area=tree["D"])
    body = {"bulletin_id": b.id, "relay": {"source_id": source.id, "duration_ms": HALF_HOUR},
            "targets": {"areas": ["P-D-C1"]}, "dtstart": "2026-12-01T06:00"}
    assert client.post("/api/v1/schedules", json=body, headers=auth(people["et"])).status_code == 400
    assert Schedule.select().count() == 0
