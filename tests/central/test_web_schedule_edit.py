"""Edit and copy a schedule in the web UI: the form comes back filled, any number of times a day, and an
advanced rule (a campaign rotation's INTERVAL) survives an edit of something else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from central.models import AuditLog, Schedule, ScheduleTarget
from central.services import schedules
from central.web.schedule_edit import form_of, repeat_of
from tests.central.test_web_pages import csrf_of, login


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    return {"editor": make_user("editor", tree["D"], name="bien.tap")[0],
            "approver": make_user("approver", tree["D"], name="nguoi.duyet")[0]}


def _daily(editor: Any, bulletin: Any, times: list[str], **extra: Any) -> Schedule:
    return schedules.create(editor, {"bulletin_id": bulletin.id, "title": "Bản tin sáng chiều",
                                     "targets": {"areas": ["P-D-C1"]},
                                     "repeat": {"form": "daily", "times": times, "first_day": "2099-06-01",
                                                "last_day": "2099-06-30"}, **extra})


def test_the_forms_come_back_from_their_rules(people: dict, bulletin_factory: Any) -> None:
    b = bulletin_factory(people["editor"])
    s = _daily(people["editor"], b, ["17:30", "06:00", "11:15", "20:00", "05:45"])
    assert repeat_of(s) == {"rule_kind": "daily", "first_day": "2099-06-01", "last_day": "2099-06-30",
                            "times": ["05:45", "06:00", "11:15", "17:30", "20:00"]}
    weekly = schedules.create(people["editor"], {"bulletin_id": b.id, "targets": {"areas": ["P-D"]}, "repeat": {
        "form": "weekly", "weekdays": ["MO", "TH"], "times": ["07:00"], "first_day": "2099-06-01"}})
    assert repeat_of(weekly) == {"rule_kind": "weekly", "first_day": "2099-06-01", "last_day": "",
                                 "times": ["07:00"], "weekdays": ["MO", "TH"]}
    once = schedules.create(people["editor"], {"bulletin_id": b.id, "targets": {"areas": ["P-D"]},
                                               "dtstart": "2099-06-03T08:30"})
    assert repeat_of(once) == {"rule_kind": "once", "first_day": "2099-06-03", "times": ["08:30"]}
    rotation = schedules.create(people["editor"], {"bulletin_id": b.id, "targets": {"areas": ["P-D"]},
                                                   "dtstart": "2099-06-01T06:00",
                                                   "rrule": "FREQ=DAILY;INTERVAL=3;UNTIL=20990630T235959"})
    assert repeat_of(rotation) is None and form_of(rotation)["rule_kind"] == "raw"


def test_edit_with_six_times_a_day_goes_back_to_approval(client: Any, people: dict, bulletin_factory: Any) -> None:
    s = _daily(people["editor"], bulletin_factory(people["editor"]), ["06:00", "17:30"])
    schedules.approve(people["approver"], s.id)
    login(client, "bien.tap")
    page = client.get(f"/schedules/{s.id}/edit").get_data(as_text=True)
    assert "Sửa lịch phát" in page and 'value="17:30"' in page and 'value="P-D-C1" checked' in page
    form = {**form_of(Schedule.get_by_id(s.id)).to_dict(flat=False), "action": "save", "csrf_token": csrf_of(page)}
    form["times"] = ["05:00", "06:00", "09:00", "11:00", "17:30", "20:00"]
    r = client.post(f"/schedules/{s.id}/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    after = Schedule.get_by_id(s.id)
    assert after.status == "submitted" and repeat_of(after)["times"] == form["times"]
    assert AuditLog.select().where(AuditLog.action == "schedule.update").count() == 1


def test_copy_makes_a_new_schedule_and_keeps_an_advanced_rule(client: Any, people: dict,
                                                              bulletin_factory: Any) -> None:
    b = bulletin_factory(people["editor"])
    s = schedules.create(people["editor"], {"bulletin_id": b.id, "title": "Xoay vòng", "targets": {"areas": ["P-D"]},
                                            "dtstart": "2099-06-01T06:00",
                                            "rrule": "FREQ=DAILY;INTERVAL=3;UNTIL=20990630T235959"})
    login(client, "bien.tap")
    page = client.get(f"/schedules/{s.id}/copy").get_data(as_text=True)
    assert "Sao chép lịch phát" in page and "Xoay vòng (bản sao)" in page and "INTERVAL=3" in page
    form = {**form_of(s).to_dict(flat=False), "title": "Xoay vòng 2", "action": "save", "csrf_token": csrf_of(page)}
    r = client.post(f"/schedules/{s.id}/copy", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    copy = Schedule.get(Schedule.title == "Xoay vòng 2")
    assert copy.id != s.id and copy.rrule == s.rrule and copy.dtstart == datetime(2099, 6, 1, 6, 0)
    assert [t.area.code for t in ScheduleTarget.select().where(ScheduleTarget.schedule == copy)] == ["P-D"]
    assert Schedule.get_by_id(s.id).title == "Xoay vòng"  # the original is untouched


def test_copy_a_programme(client: Any, people: dict, bulletin_factory: Any) -> None:
    from central.models import Playlist
    from central.services import programmes

    b = bulletin_factory(people["editor"])
    p = programmes.create(people["editor"], {"name": "Chương trình buổi sáng", "items": [
        {"kind": "bulletin", "bulletin_id": b.id}, {"kind": "pause", "duration_ms": 2000},
        {"kind": "bulletin", "bulletin_id": b.id}]})
    login(client, "bien.tap")
    page = client.get(f"/playlists/{p.id}").get_data(as_text=True)
    r = client.post(f"/playlists/{p.id}/copy", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 302
    copy = Playlist.get(Playlist.name == "Chương trình buổi sáng (bản sao)")
    got = [(i.kind, i.bulletin_id, i.duration_ms) for i in programmes.answer(copy).items]
    assert got == [(i.kind, i.bulletin_id, i.duration_ms) for i in programmes.answer(p).items]


def test_approve_a_campaigns_schedules_at_once_but_never_ones_own(client: Any, people: dict,
                                                                  bulletin_factory: Any) -> None:
    from central.services import campaign_schedule, campaigns

    c = campaigns.create(people["editor"], {"name": "Tháng hành động", "starts_on": "2099-06-01",
                                            "ends_on": "2099-06-30"})
    for n in range(3):
        bulletin_factory(people["editor"], campaign=c.id, title=f"Tin {n}")
    from datetime import date

    made = campaign_schedule.schedule(people["editor"], c.id, {"times": ["06:00", "17:30"],
                                                                "targets": {"areas": ["P-D"]}}, date(2099, 5, 1))
    own = schedules.create(people["approver"], {"bulletin_id": made[0].bulletin_id, "targets": {"areas": ["P-D"]},
                                                "dtstart": "2099-06-01T08:00"})
    login(client, "nguoi.duyet")
    page = client.get("/approvals").get_data(as_text=True)
    assert page.count('name="sid"') == len(made) == 6  # not the approver's own
    r = client.post("/schedules/approve", data={"sid": [str(s.id) for s in made] + [str(own.id)],
                                                "csrf_token": csrf_of(page)})
    assert r.status_code == 302
    assert {Schedule.get_by_id(s.id).status for s in made} == {"approved"}
    assert Schedule.get_by_id(own.id).status == "submitted"  # the two-person rule holds in bulk too
    assert AuditLog.select().where(AuditLog.action == "schedule.approve").count() == 6


def test_a_waiting_schedule_without_a_title_is_named_by_what_it_plays(client: Any, people: dict,
                                                                       bulletin_factory: Any) -> None:
    b = bulletin_factory(people["editor"], title="Lịch tiêm chủng tháng 12")
    s = schedules.create(people["editor"], {"bulletin_id": b.id, "targets": {"areas": ["P-D"]},
                                            "dtstart": "2099-06-01T08:00"})
    assert s.title == ""
    login(client, "nguoi.duyet")
    page = client.get("/approvals").get_data(as_text=True)
    assert f'/schedules/{s.id}">Lịch tiêm chủng tháng 12</a>' in page  # as the schedules list names it
    assert schedules.answer(s).title == "Lịch tiêm chủng tháng 12"
