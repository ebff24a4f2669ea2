"""Scheduling a campaign in one action (rotation, two-person rule) and the month calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from central.models import AuditLog, Schedule
from central.services import calendar, campaign_schedule
from playlists import model as pm
from playlists import rules

T6, T17 = time(6, 0), time(17, 30)


def _plays(slots, first, last):
    """(day, time) → bulletin index, by expanding every slot's schedule as the stations do."""
    out = {}
    for slot in slots:
        model = pm.Schedule(id=1, title="", items=(), dtstart=datetime.combine(slot.first_day, slot.times[0]),
                            timezone="UTC", rrule=campaign_schedule._rrule(slot, last), exdates=(),
                            priority=pm.Priority("normal"), grace_s=None, valid_from=None, valid_until=None)
        lo = datetime.combine(first, time(), UTC)
        hi = datetime.combine(last, time(23, 59), UTC)
        for t in rules.occurrences(model, lo, hi):
            assert (t.date(), t.time()) not in out
            out[(t.date(), t.time())] = slot.bulletin
    return out


def test_rotation_plays_each_bulletin_in_turn_over_every_slot():
    first, last = date(2026, 6, 1), date(2026, 6, 30)
    for n, times in ((3, [T6, T17]), (2, [T6, T17]), (1, [T6, time(11), T17]), (4, [T6])):
        slots = campaign_schedule.rotation(first, last, times, n)
        plays = _plays(slots, first, last)
        ordered = [plays[k] for k in sorted(plays)]
        assert len(ordered) == 30 * len(times)  # every slot of every day, once
        assert ordered == [k % n for k in range(len(ordered))], (n, times)
    # three bulletins, two times: the pattern repeats every three days, six schedules in all
    assert len(campaign_schedule.rotation(first, last, [T6, T17], 3)) == 6
    # a one-day observance: one schedule per time
    assert [s.first_day for s in campaign_schedule.rotation(first, first, [T6, T17], 3)] == [first, first]


def _campaign(client, auth, token, **extra):
    body = {"name": "Tháng hành động phòng, chống ma túy", "starts_on": "2099-06-01", "ends_on": "2099-06-30",
            "category": "drugs", **extra}
    made = client.post("/api/v1/campaigns", json=body, headers=auth(token))
    assert made.status_code == 201, made.json
    return made.json["id"]


def test_schedule_a_campaign_then_a_second_person_approves(client, auth, tree, make_user, bulletin_factory, db):
    editor, etoken = make_user("editor", tree["D"])
    _, atoken = make_user("approver", tree["D"])
    cid = _campaign(client, auth, etoken)
    made = [bulletin_factory(editor, title=f"Tin {i}", campaign=cid) for i in range(3)]
    bulletin_factory(editor, status="draft", title="Nháp", campaign=cid)  # not rotated: not approved
    r = client.post(f"/api/v1/campaigns/{cid}/schedule", headers=auth(etoken),
                    json={"times": ["17:30", "06:00"], "targets": {"areas": ["P-D"]}})
    assert r.status_code == 201, r.json
    rows = r.json["schedules"]
    assert len(rows) == 6 and {s["status"] for s in rows} == {"submitted"}
    assert {s["bulletin_id"] for s in rows} == {b.id for b in made}
    assert rows[0]["title"].startswith("Tháng hành động phòng, chống ma túy — ")
    # the maker cannot approve; a second person can
    sid = rows[0]["id"]
    assert client.post(f"/api/v1/schedules/{sid}/approve", headers=auth(etoken)).status_code == 403
    for s in rows:
        assert client.post(f"/api/v1/schedules/{s['id']}/approve", headers=auth(atoken)).status_code == 200
    (entry,) = AuditLog.select().where(AuditLog.action == "campaign.schedule")
    assert sorted(entry.detail["schedules"]) == sorted(s["id"] for s in rows)
    assert entry.detail["times"] == ["06:00", "17:30"]


def test_schedule_a_campaign_refuses_what_it_cannot_do(client, auth, tree, make_user, bulletin_factory, db):
    editor, etoken = make_user("editor", tree["D"])
    _, optoken = make_user("operator", tree["D"])
    _, c2 = make_user("editor", tree["C2"])
    cid = _campaign(client, auth, etoken)
    body = {"times": ["06:00"], "targets": {"areas": ["P-D"]}}
    assert client.post(f"/api/v1/campaigns/{cid}/schedule", json=body, headers=auth(etoken)).status_code == 409
    bulletin_factory(editor, campaign=cid)
    assert client.post(f"/api/v1/campaigns/{cid}/schedule", json=body, headers=auth(optoken)).status_code == 403
    # a commune editor cannot target the district
    assert client.post(f"/api/v1/campaigns/{cid}/schedule", json=body, headers=auth(c2)).status_code == 403
    for bad in ({**body, "times": []}, {**body, "times": ["25:00"]}, {**body, "targets": {}},
                {**body, "priority": "emergency"}, {**body, "bulletin_ids": ["x"]}):
        assert client.post(f"/api/v1/campaigns/{cid}/schedule", json=bad, headers=auth(etoken)).status_code == 400
    over = _campaign(client, auth, etoken, starts_on="2020-01-01", ends_on="2020-01-31")
    bulletin_factory(editor, campaign=over)
    assert client.post(f"/api/v1/campaigns/{over}/schedule", json=body, headers=auth(etoken)).status_code == 409
    assert Schedule.select().count() == 0  # nothing half-made


def test_month_calendar_shows_campaigns_schedules_and_deadlines(client, auth, tree, make_user, bulletin_factory,
                                                                 db):
    editor, etoken = make_user("editor", tree["D"])
    _, c2 = make_user("editor", tree["C2"])
    client.post("/api/v1/plans", json={"year": 2099, "title": "KH 2099"}, headers=auth(etoken))
    cid = _campaign(client, auth, etoken)
    day = _campaign(client, auth, etoken, name="Ngày toàn dân phòng, chống ma túy 26/6", starts_on="2099-06-26",
                    ends_on="2099-06-26")
    bulletin_factory(editor, campaign=cid, title="Tin ma túy")
    r = client.post(f"/api/v1/campaigns/{cid}/schedule", json={"times": ["06:00"], "targets": {"areas": ["P-D-C1"]}},
                    headers=auth(etoken))
    assert r.status_code == 201, r.json
    june = client.get("/api/v1/calendar?month=2099-06", headers=auth(etoken)).json
    days = {d["date"]: d["events"] for d in june["days"]}
    assert len(days) == 30
    kinds = {(e["kind"], e.get("campaign_id") or e.get("period") or e.get("title")) for e in days["2099-06-26"]}
    assert ("observance", day) in kinds and ("campaign", cid) in kinds
    assert {e["kind"] for e in days["2099-06-15"]} >= {"deadline", "schedule", "campaign"}
    (sched,) = [e for e in days["2099-06-15"] if e["kind"] == "schedule"]
    assert sched["times"] == ["06:00"] and sched["status"] == "submitted"
    # per area: the schedule targets commune C1, so commune C2's calendar does not show it
    other = client.get("/api/v1/calendar?month=2099-06&area=P-D-C2", headers=auth(etoken)).json
    assert "schedule" not in {e["kind"] for d in other["days"] for e in d["events"]}
    assert client.get("/api/v1/calendar?month=2099-13", headers=auth(etoken)).status_code == 400
    assert client.get("/api/v1/calendar?month=x", headers=auth(c2)).status_code == 400


def test_upcoming_names_deadlines_and_unscheduled_campaigns(tree, make_user, bulletin_factory, db):
    from central.services import campaigns, plans

    editor, _ = make_user("editor", tree["D"])
    plans.create(editor, {"year": 2099, "title": "KH 2099"})
    soon = campaigns.create(editor, {"name": "Sắp tới", "starts_on": "2099-06-05", "ends_on": "2099-06-20"})
    planned = campaigns.create(editor, {"name": "Đã có lịch", "starts_on": "2099-06-03", "ends_on": "2099-06-09"})
    campaigns.create(editor, {"name": "Còn xa", "starts_on": "2099-08-01", "ends_on": "2099-08-09"})
    b = bulletin_factory(editor, campaign=planned.id)
    campaign_schedule.schedule(editor, planned.id, {"times": ["06:00"], "targets": {"areas": ["P-D"]}},
                               date(2099, 6, 1))
    up = calendar.upcoming(editor, date(2099, 6, 1))
    assert [(d["code"], d["days_left"]) for d in up["deadlines"]] == [("six-month", 14)]
    assert [(c["campaign"]["id"], c["days_left"]) for c in up["unscheduled_campaigns"]] == [(soon.id, 4)]
    assert b.id
    assert datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() == calendar.today()


def test_answers_match_the_openapi_document(client, auth, tree, make_user, bulletin_factory, db):
    from tests.central.test_openapi import conforms

    spec = client.get("/api/v1/openapi.json").json
    editor, et = make_user("editor", tree["D"])
    h = auth(et)
    made = client.post("/api/v1/plans", headers=h, json={
        "year": 2099, "title": "KH 2099", "issued_on": "2099-03-01", "themes": ["drugs"],
        "targets": [{"category": "drugs", "period": "six-month", "min_bulletins": 2}]})
    conforms(spec, "POST", "/api/v1/plans", made)
    pid = made.json["id"]
    cid = _campaign(client, auth, et, plan_id=pid)
    _campaign(client, auth, et, name="Ngày 26/6", starts_on="2099-06-26", ends_on="2099-06-26")
    bulletin_factory(editor, campaign=cid)
    sched = client.post(f"/api/v1/campaigns/{cid}/schedule", headers=h,
                        json={"times": ["06:00"], "targets": {"areas": ["P-D"]}})
    conforms(spec, "POST", "/api/v1/campaigns/{id}/schedule", sched)
    for method, template, url in (
            ("GET", "/api/v1/plans", "/api/v1/plans?year=2099"),
            ("GET", "/api/v1/plans/{id}", f"/api/v1/plans/{pid}"),
            ("GET", "/api/v1/plans/defaults", "/api/v1/plans/defaults?year=2099"),
            ("GET", "/api/v1/deadlines", "/api/v1/deadlines"),
            ("GET", "/api/v1/calendar", "/api/v1/calendar?month=2099-06"),
            ("GET", "/api/v1/calendar", "/api/v1/calendar?month=2099-13"),
            ("GET", "/api/v1/calendar/upcoming", "/api/v1/calendar/upcoming"),
            ("GET", "/api/v1/languages", "/api/v1/languages"),
            ("GET", "/api/v1/campaigns/{id}", f"/api/v1/campaigns/{cid}"),
            ("GET", "/api/v1/plans/{id}", "/api/v1/plans/999")):
        conforms(spec, method, template, client.get(url, headers=h))
    conforms(spec, "PATCH", "/api/v1/plans/{id}",
             client.patch(f"/api/v1/plans/{pid}", headers=h, json={"number": "3/KH"}))
    conforms(spec, "POST", "/api/v1/campaigns/{id}/schedule",
             client.post(f"/api/v1/campaigns/{cid}/schedule", headers=h, json={"times": []}))
    conforms(spec, "DELETE", "/api/v1/plans/{id}", client.delete(f"/api/v1/plans/{pid}", headers=h))
