"""The two-person rule on the relay path (issue 13), tried by an editor who wants to get around it.

docs/two-person-rule.md, path 9: a stream reaches a loudspeaker only through an approved, enabled
relay source, and a relay's fallback only through approved audio.
"""

from __future__ import annotations

from typing import Any

import pytest

from central.models import AuditLog, PlaylistItem, Schedule, ScheduleTarget
from central.relay_models import RelaySource
from central.services import relays

from . import test_relay_items as _items
from .test_relay_items import HALF_HOUR, URL, approve, manifest, relay_schedule

people = _items.people  # the fixture: an editor and an approver of the district


@pytest.fixture
def own(people: dict, tree: dict) -> RelaySource:
    """A source the editor added and only submitted."""
    return RelaySource.create(name="Đài lạ", url="http://10.0.0.9:8000/la.mp3", status="submitted",
                              author=people["editor"], area=tree["D"])


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "disabled"])
def test_a_relay_cannot_name_a_source_no_second_person_approved(client: Any, auth: Any, people: dict,
                                                                 tree: dict, status: str) -> None:
    src = RelaySource.create(name="Đài lạ", url=URL, status=status, author=people["editor"], area=tree["D"])
    r = relay_schedule(client, auth, people["et"], src.id)
    assert r.status_code == 422 and "chưa được duyệt" in r.json["detail"]
    p = client.post("/api/v1/playlists", json={"name": "Lén", "items": [
        {"kind": "relay", "relay_source_id": src.id, "duration_ms": HALF_HOUR}]}, headers=auth(people["et"]))
    assert p.status_code == 422
    assert Schedule.select().count() == 0


def test_an_editor_cannot_approve_or_an_approver_self_approve_a_source(client: Any, auth: Any,
                                                                       people: dict, own: RelaySource,
                                                                       make_user: Any, tree: dict) -> None:
    assert client.post(f"/api/v1/relay-sources/{own.id}/approve", headers=auth(people["et"])).status_code == 403
    boss, boss_token = make_user("admin", None)
    mine = RelaySource.create(name="Của quản trị", url=URL, status="submitted", author=boss)
    r = client.post(f"/api/v1/relay-sources/{mine.id}/approve", headers=auth(boss_token))
    assert r.status_code == 403  # an admin is no exception
    assert RelaySource.get_by_id(own.id).status == "submitted"


def test_a_disabled_source_leaves_every_manifest_at_the_next_sync(client: Any, auth: Any, people: dict,
                                                                  tree: dict, station_factory: Any) -> None:
    station, token = station_factory(tree["C1"])
    src = RelaySource.create(name="VOV1", url=URL, status="approved", author=people["editor"], area=tree["D"])
    sid = relay_schedule(client, auth, people["et"], src.id).json["id"]
    approve(client, auth, people, sid)
    m = manifest(client, token)
    assert m["relay_sources"] and m["relay_schedules"]
    version = m["version"]
    relays.disable(people["approver"], src.id, "Phát sai nội dung")
    after = manifest(client, token)
    assert after["version"] > version  # bumped: a polling station picks it up at once
    assert "relay_sources" not in after and "relay_schedules" not in after
    # the editor cannot put it back alone
    assert client.post(f"/api/v1/relay-sources/{src.id}/approve", headers=auth(people["et"])).status_code == 403


def test_the_manifest_refuses_an_unapproved_source_whatever_the_rows_say(
        client: Any, auth: Any, people: dict, tree: dict, station_factory: Any,
        bulletin_factory: Any, schedule_factory: Any, own: RelaySource) -> None:
    """A hand-edited database: an approved schedule relays a source nobody approved."""
    station, token = station_factory(tree["C1"])
    b = bulletin_factory(people["editor"], area=tree["D"])
    ok = schedule_factory(bulletin=b, areas=[tree["C1"]], area=tree["D"], created_by=people["editor"])
    bad = schedule_factory(areas=[tree["C1"]], area=tree["D"], created_by=people["editor"],
                           relay={"source_id": own.id, "duration_ms": HALF_HOUR, "max_gap_s": 15, "fallback": None})
    m = manifest(client, token)
    assert [s["id"] for s in m["schedules"]] == [ok.id]
    assert "relay_schedules" not in m and "relay_sources" not in m
    assert bad.id not in [s["id"] for s in m.get("relay_schedules", [])]


def test_the_guard_refuses_a_source_the_builder_let_through(client: Any, people: dict, tree: dict,
                                                            station_factory: Any, own: RelaySource) -> None:
    """Defence in depth: ``manifest_guard.screen`` alone drops a relay of an unapproved source."""
    from central.services import manifest_guard
    from playlists import model as pm

    station, _token = station_factory(tree["C1"])
    s = Schedule.create(dtstart="2026-12-01T06:00", rrule="FREQ=DAILY", status="approved",
                        relay={"source_id": own.id, "duration_ms": HALF_HOUR})
    item = pm.Item(pm.ItemKind.RELAY, duration_ms=HALF_HOUR, relay_source_id=own.id)
    from central.models import utcnow

    out = manifest_guard.screen(station, [(s, [item])], {}, utcnow())
    assert out == [(s, [])]
    row = AuditLog.get(AuditLog.action == "manifest.refused_relay")
    assert row.detail["asset"] == f"relay:{own.id}" and row.detail["schedules"] == [s.id]


def test_a_fallback_cannot_carry_unapproved_audio(client: Any, auth: Any, people: dict, tree: dict,
                                                  station_factory: Any, bulletin_factory: Any,
                                                  schedule_factory: Any) -> None:
    station, token = station_factory(tree["C1"])
    src = RelaySource.create(name="VOV1", url=URL, status="approved", author=people["editor"], area=tree["D"])
    draft = bulletin_factory(people["editor"], status="draft", area=tree["D"])
    r = relay_schedule(client, auth, people["et"], src.id, fallback={"bulletin_id": draft.id})
    assert r.status_code == 422 and "dự phòng" in r.json["detail"]
    # hand-edited: the fallback names the draft all the same
    s = schedule_factory(areas=[tree["C1"]], area=tree["D"], created_by=people["editor"],
                         relay={"source_id": src.id, "duration_ms": HALF_HOUR, "max_gap_s": 15,
                                "fallback": {"bulletin_id": draft.id}})
    m = manifest(client, token)
    (sch,) = m["relay_schedules"]
    assert sch["id"] == s.id and sch["items"][0]["fallback"] == []  # silence, not the unheard draft
    assert draft.asset_id not in {a["sha256"] for a in m["assets"]}
    assert client.get(f"/api/v1/station/assets/{draft.asset_id}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_changing_a_relay_item_of_a_scheduled_programme_waits_for_a_second_person(
        client: Any, auth: Any, people: dict, tree: dict, station_factory: Any) -> None:
    station, token = station_factory(tree["C1"])
    vov = RelaySource.create(name="VOV1", url=URL, status="approved", author=people["editor"], area=tree["D"])
    other = RelaySource.create(name="Đài tỉnh", url="http://127.0.0.1:8000/tinh.ogg", status="approved",
                               author=people["editor"], area=tree["D"])
    items = [{"kind": "relay", "relay_source_id": vov.id, "duration_ms": HALF_HOUR}]
    pid = client.post("/api/v1/playlists", json={"name": "Tiếp sóng sáng", "items": items},
                      headers=auth(people["et"])).json["id"]
    s = Schedule.create(playlist=pid, dtstart="2026-12-01T06:00", rrule="FREQ=DAILY", status="approved",
                        created_by=people["editor"], area=tree["D"])
    ScheduleTarget.create(schedule=s, area=tree["C1"])
    for change in ({"relay_source_id": other.id}, {"max_gap_s": 60}):
        r = client.patch(f"/api/v1/playlists/{pid}", json={"items": [{**items[0], **change}]},
                         headers=auth(people["et"]))
        assert r.status_code == 200 and r.json["pending"] is not None, change
        on_air = manifest(client, token)["relay_schedules"][0]["items"][0]
        assert (on_air["relay_source_id"], on_air["max_gap_s"]) == (vov.id, 15)
    assert PlaylistItem.select().where(PlaylistItem.relay.is_null(False)).count() == 3  # live + 2 proposals
