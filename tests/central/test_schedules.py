"""Schedules through the operator API: validation, the approval rule, emergencies, scope, manifests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from central.models import AuditLog, Schedule, Station

BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


#: a one-off a few days ahead stays in manifests whenever the suite runs
SOON = f"{date.today() + timedelta(days=5)}T10:00"


def body(bulletin_id=None, playlist_id=None, **over):
    b = {
        "targets": {"areas": ["P-D-C1"], "stations": []},
        "dtstart": "2026-12-01T06:30",
        "rrule": "FREQ=DAILY",
        "timezone": "Asia/Ho_Chi_Minh",
        "priority": "normal",
        "grace_s": 600,
        "title": "Bản tin sáng",
    }
    if bulletin_id is not None:
        b["bulletin_id"] = bulletin_id
    if playlist_id is not None:
        b["playlist_id"] = playlist_id
    b.update(over)
    return b


@pytest.fixture
def people(tree, make_user):
    return {
        "editor": make_user("editor", tree["D"]),
        "approver": make_user("approver", tree["D"]),
        "approver2": make_user("approver", tree["P"]),
        "c2_editor": make_user("editor", tree["C2"]),
    }


@pytest.fixture
def approved(people, bulletin_factory, tree):
    return bulletin_factory(people["editor"][0], status="approved", area=tree["D"])


def in_manifest(client, token) -> list[int]:
    m = client.get("/api/v1/station/manifest", headers={"Authorization": f"Bearer {token}"}).json
    return [s["id"] for s in m["manifest"]["schedules"]]


@BOTH_DATABASES
def test_schedule_needs_a_second_person_before_it_airs(client, auth, people, approved, station_factory,
                                                       tree, backend):
    _, station_token = station_factory(tree["C1"])
    _, et = people["editor"]
    reply = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(et))
    assert reply.status_code == 201, reply.json
    s = reply.json
    assert s["status"] == "submitted" and s["targets"] == {"areas": ["P-D-C1"], "stations": []}
    assert s["dtstart"] == "2026-12-01T06:30:00" and s["grace_s"] == 600
    assert in_manifest(client, station_token) == []
    assert client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(et)).status_code == 403
    ok = client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(people["approver"][1]))
    assert ok.status_code == 200 and ok.json["status"] == "approved"
    assert in_manifest(client, station_token) == [s["id"]]
    actions = [a.action for a in AuditLog.select().where(AuditLog.object_type == "Schedule")]
    assert actions == ["schedule.create", "schedule.approve"]


def test_an_approver_cannot_approve_their_own_schedule(client, auth, people, approved):
    _, token = people["approver"]
    s = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(token)).json
    assert client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(token)).status_code == 403
    other = client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(people["approver2"][1]))
    assert other.json["status"] == "approved"


def test_emergency_needs_the_approver_role_and_airs_at_once(client, auth, people, approved,
                                                            station_factory, tree):
    _, station_token = station_factory(tree["C1"])
    urgent = body(approved.id, priority="emergency", rrule="", dtstart=SOON)
    refused = client.post("/api/v1/schedules", json=urgent, headers=auth(people["editor"][1]))
    assert refused.status_code == 403 and "khẩn cấp" in refused.json["detail"]
    made = client.post("/api/v1/schedules", json=urgent, headers=auth(people["approver"][1]))
    assert made.status_code == 201 and made.json["status"] == "approved"
    assert in_manifest(client, station_token) == [made.json["id"]]
    # an editor may not turn a normal schedule into an emergency either
    normal = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(people["editor"][1])).json
    raised = client.patch(f"/api/v1/schedules/{normal['id']}", json={"priority": "emergency"},
                          headers=auth(people["editor"][1]))
    assert raised.status_code == 403


def test_targets_outside_the_callers_subtree_are_refused(client, auth, people, bulletin_factory, tree,
                                                         station_factory):
    _, token = people["c2_editor"]
    b = bulletin_factory(people["c2_editor"][0], status="approved", area=tree["C2"])
    station_c1, _ = station_factory(tree["C1"])
    for targets in ({"areas": ["P-D-C1"]}, {"stations": [station_c1.id]}, {"areas": ["P"]}):
        reply = client.post("/api/v1/schedules", json=body(b.id, targets=targets), headers=auth(token))
        assert reply.status_code == 403, targets
    assert client.post("/api/v1/schedules", json=body(b.id, targets={"areas": ["P-D-C2"]}),
                       headers=auth(token)).status_code == 201
    assert Schedule.select().count() == 1


# 400: the request is not as the API document describes it; 422: it is, but what it says cannot be
# scheduled (a recurrence rule that does not parse or never occurs, a zone or area that does not exist).
@pytest.mark.parametrize(
    "change, words, status",
    [
        ({"rrule": "FREQ=SOMETIMES"}, "FREQ=SOMETIMES", 422),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus", 422),
        ({"timezone": "America"}, "America", 422),
        ({"dtstart": "mai lúc 6 giờ"}, "dtstart", 400),
        ({"dtstart": "2026-02-30T06:00"}, "dtstart", 422),
        ({"targets": {"areas": [], "stations": []}}, "target", 400),
        ({"targets": {"areas": ["KHONG-CO"]}}, "KHONG-CO", 422),
        ({"grace_s": -5}, "grace_s", 400),
        ({"priority": "urgent"}, "priority", 400),
        ({"rrule": "FREQ=DAILY;COUNT=2", "valid_until": "2026-11-01T00:00:00+07:00"}, "không có lần phát nào", 422),
    ],
)
def test_invalid_schedules_are_problems_naming_the_fault(client, auth, people, approved, change, words, status):
    reply = client.post("/api/v1/schedules", json=body(approved.id, **change), headers=auth(people["editor"][1]))
    assert reply.status_code == status, reply.json
    assert reply.mimetype == "application/problem+json"
    assert words.lower() in (reply.json["detail"] + str(reply.json.get("field", ""))).lower()


def test_only_approved_bulletins_can_be_scheduled(client, auth, people, bulletin_factory, tree):
    draft = bulletin_factory(people["editor"][0], status="draft", area=tree["D"])
    reply = client.post("/api/v1/schedules", json=body(draft.id), headers=auth(people["editor"][1]))
    assert reply.status_code == 409


def test_repeat_form_builds_the_rule(client, auth, people, approved):
    repeat = {"form": "weekly", "weekdays": ["MO", "TH"], "times": ["06:00", "17:30"],
              "first_day": "2026-12-01", "last_day": "2026-12-31"}
    reply = client.post("/api/v1/schedules", json=body(approved.id, dtstart=None, rrule=None, repeat=repeat),
                        headers=auth(people["editor"][1]))
    assert reply.status_code == 201, reply.json
    assert reply.json["dtstart"] == "2026-12-01T06:00:00"
    lines = reply.json["rrule"].splitlines()
    assert all("FREQ=WEEKLY" in x and "BYDAY=MO,TH" in x and "UNTIL=20261231T235959" in x for x in lines)
    assert len(lines) == 2


def test_edit_needs_approval_again_and_bumps_old_and_new_targets(client, auth, people, approved,
                                                                 station_factory, tree):
    c1, c1_token = station_factory(tree["C1"])
    c2, c2_token = station_factory(tree["C2"])
    s = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(people["editor"][1])).json
    client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(people["approver"][1]))
    assert in_manifest(client, c1_token) == [s["id"]]
    v1, v2 = (Station.get_by_id(x.id).manifest_version for x in (c1, c2))
    moved = client.patch(f"/api/v1/schedules/{s['id']}", json={"targets": {"areas": ["P-D-C2"]}},
                         headers=auth(people["editor"][1]))
    assert moved.status_code == 200 and moved.json["status"] == "submitted"
    assert Station.get_by_id(c1.id).manifest_version > v1
    assert Station.get_by_id(c2.id).manifest_version > v2
    assert in_manifest(client, c1_token) == [] and in_manifest(client, c2_token) == []
    client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(people["approver"][1]))
    assert in_manifest(client, c2_token) == [s["id"]]
    paused = client.patch(f"/api/v1/schedules/{s['id']}", json={"active": False},
                          headers=auth(people["editor"][1]))
    assert paused.json["status"] == "approved" and paused.json["active"] is False
    assert in_manifest(client, c2_token) == []


def test_delete_takes_it_off_the_air(client, auth, people, approved, station_factory, tree):
    st, token = station_factory(tree["C1"])
    s = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(people["editor"][1])).json
    client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(people["approver"][1]))
    assert in_manifest(client, token) == [s["id"]]
    before = Station.get_by_id(st.id).manifest_version
    assert client.delete(f"/api/v1/schedules/{s['id']}", headers=auth(people["editor"][1])).status_code == 204
    assert Station.get_by_id(st.id).manifest_version > before
    assert in_manifest(client, token) == []
    assert client.get(f"/api/v1/schedules/{s['id']}", headers=auth(people["editor"][1])).status_code == 404


def test_listing_follows_scope_and_filters(client, auth, people, approved, make_user, tree, station_factory):
    st, _ = station_factory(tree["V"])
    s = client.post("/api/v1/schedules", json=body(approved.id), headers=auth(people["editor"][1])).json
    _, village_op = make_user("operator", tree["V"])
    _, c2_op = make_user("operator", tree["C2"])
    assert [x["id"] for x in client.get("/api/v1/schedules", headers=auth(village_op)).json] == [s["id"]]
    assert client.get("/api/v1/schedules", headers=auth(c2_op)).json == []
    by_station = client.get(f"/api/v1/schedules?station={st.id}", headers=auth(people["editor"][1])).json
    assert [x["id"] for x in by_station] == [s["id"]]
    assert client.get("/api/v1/schedules?area=P-D-C2", headers=auth(people["editor"][1])).json == []
