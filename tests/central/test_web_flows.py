"""Web pages that drive the workflow services: programmes, schedules with preview, emergency, admin."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from central.models import AuditLog, Bulletin, Playlist, Schedule, ScheduleTarget, Station, User
from central.services import bulletins, enrollment

from .test_web_pages import csrf_of, login

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def world(app: Any, tree: dict, make_user: Any) -> dict[str, Any]:
    """An approved TTS bulletin in the district, two stations, and the people who made them."""
    editor = make_user("editor", tree["D"], name="bien.tap")[0]
    approver = make_user("approver", tree["D"], name="nguoi.duyet")[0]
    admin = make_user("admin", None, name="quan.tri")[0]
    b = bulletins.create_spoken(editor, {"title": "Phòng, chống mua bán người", "text": "Cảnh giác việc nhẹ lương cao.",
                                         "category": "trafficking", "engine": "espeak"}, app.config["DATA_DIR"])
    bulletins.submit(editor, b.id)
    bulletins.approve(approver, b.id)
    s1, _ = enrollment.register(admin, tree["C1"].code, "Đài xã Đắk Môl")
    s2, _ = enrollment.register(admin, tree["C2"].code, "Đài xã Nâm N'Jang")
    return {"editor": editor, "approver": approver, "admin": admin, "bulletin": b, "stations": (s1, s2),
            "tree": tree}


def post(client: Any, path: str, data: dict[str, Any], page: str = "/dashboard") -> Any:
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def schedule_form(world: dict, **over: Any) -> dict[str, Any]:
    day = (datetime.now(ZONE) + timedelta(days=1)).date()
    form = {"content": f"b:{world['bulletin'].id}", "rule_kind": "weekly", "first_day": day.isoformat(),
            "last_day": (day + timedelta(days=13)).isoformat(), "times": ["06:00", "17:30"],
            "weekdays": ["MO", "TH"], "areas": [world["tree"]["C1"].code], "priority": "normal"}
    form.update(over)
    return form


def test_schedule_preview_shows_each_station_and_saves_nothing(client: Any, world: dict) -> None:
    login(client, "bien.tap")
    r = post(client, "/schedules/new", {**schedule_form(world), "action": "preview"}, "/schedules/new")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="preview"' in page
    assert "Đài xã Đắk Môl" in page and "Nâm N&#39;Jang" not in page.split('id="preview"')[1]
    # two weeks of Mondays and Thursdays at 06:00 and 17:30: 8 occurrences, each named in the table
    assert page.split('id="preview"')[1].count("Dự kiến</span>") == 8
    assert Schedule.select().count() == 0


def test_saving_a_schedule_needs_a_second_person(client: Any, world: dict) -> None:
    login(client, "bien.tap")
    r = post(client, "/schedules/new", {**schedule_form(world, rule_kind="monthly", days="1, 15"),
                                        "action": "save"}, "/schedules/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    s = Schedule.get()
    assert s.status == "submitted" and "BYMONTHDAY=1,15" in s.rrule
    assert [t.area_id for t in ScheduleTarget.select()] == [world["tree"]["C1"].id]
    r = post(client, f"/schedules/{s.id}/approve", {})
    assert Schedule.get_by_id(s.id).status == "submitted"  # editors do not approve
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/dashboard").get_data(as_text=True))})
    login(client, "nguoi.duyet")
    page = client.get(f"/schedules/{s.id}").get_data(as_text=True)
    assert "Hằng tháng ngày 1, 15" in page
    post(client, f"/schedules/{s.id}/approve", {})
    assert Schedule.get_by_id(s.id).status == "approved"


def test_a_bad_schedule_form_is_explained_not_saved(client: Any, world: dict) -> None:
    login(client, "bien.tap")
    r = post(client, "/schedules/new", {**schedule_form(world, weekdays=[]), "action": "save"}, "/schedules/new")
    assert r.status_code == 200 and 'class="flash error"' in r.get_data(as_text=True)
    r = post(client, "/schedules/new", {**schedule_form(world, areas=[]), "action": "save"}, "/schedules/new")
    assert "ít nhất một đơn vị hoặc một đài" in r.get_data(as_text=True)
    assert Schedule.select().count() == 0


def test_programme_keeps_order_and_shows_total_duration(client: Any, world: dict) -> None:
    login(client, "bien.tap")
    b = world["bulletin"]
    r = post(client, "/playlists/new", {
        "name": "Bản tin buổi sáng", "kind_0": "bulletin", "bulletin_0": str(b.id), "pos_0": "2",
        "kind_1": "chime", "pos_1": "1", "kind_2": "pause", "pause_2": "3", "pos_2": "3",
        "kind_3": "", "pos_3": ""}, "/playlists/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    p = Playlist.get()
    kinds = [i.kind for i in p.items.order_by(Playlist.items.rel_model.position)]
    assert kinds == ["chime", "bulletin", "pause"]
    page = client.get(f"/playlists/{p.id}").get_data(as_text=True)
    from central.services import programmes

    total = programmes.answer(p).duration_ms
    assert total > b.asset.duration_ms + 3000
    from central.web.fmt import duration

    assert f'<span id="total-duration">{duration(total)}</span>' in page


def test_emergency_is_two_steps_for_approvers_only(client: Any, world: dict) -> None:
    login(client, "bien.tap")
    assert client.get("/emergency").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/dashboard").get_data(as_text=True))})
    login(client, "nguoi.duyet")
    form = {"bulletin": str(world["bulletin"].id), "hours": "2", "areas": [world["tree"]["D"].code]}
    r = post(client, "/emergency", {**form, "step": "review"}, "/emergency")
    page = r.get_data(as_text=True)
    assert "Bước 2/2" in page and "Đài xã Đắk Môl" in page and "Đài xã Nâm N&#39;Jang" in page
    assert Schedule.select().count() == 0  # nothing is sent before the second step
    r = post(client, "/emergency", {**form, "step": "send", "title_hint": "Lũ quét"}, "/emergency")
    assert r.status_code == 302
    s = Schedule.get()
    assert (s.priority, s.status, s.title) == ("emergency", "approved", "KHẨN CẤP: Lũ quét")
    status = client.get(r.headers["Location"]).get_data(as_text=True)
    assert status.count("<tr><td><a href=\"/stations/") == 2 and "Chưa" in status
    assert "data-refresh-seconds" in status


def test_admin_creates_people_with_a_password_shown_once(client: Any, world: dict) -> None:
    login(client, "quan.tri")
    r = post(client, "/admin/users", {"name": "vanhanh.dakmol", "role": "operator",
                                      "area": world["tree"]["C1"].code, "full_name": "Y Bhin Niê"}, "/admin/users")
    page = r.get_data(as_text=True)
    user = User.get(User.name == "vanhanh.dakmol")
    assert user.role == "operator" and user.area_id == world["tree"]["C1"].id
    assert 'id="new-password"' in page
    assert 'id="new-password"' not in client.get("/admin/users").get_data(as_text=True)
    login_client = client.application.test_client()
    password = page.split('id="new-password">')[1].split("<")[0]
    assert login(login_client, "vanhanh.dakmol", password).status_code == 302


def test_admin_adds_areas_and_registers_a_station(client: Any, world: dict) -> None:
    login(client, "quan.tri")
    post(client, "/admin/areas", {"code": "P-D-C3", "name": "Xã Thuận Hạnh", "parent": "P-D"}, "/admin/areas")
    assert "Xã Thuận Hạnh" in client.get("/admin/areas").get_data(as_text=True)
    r = post(client, "/stations/new", {"name": "Đài xã Thuận Hạnh", "area": "P-D-C3"}, "/stations")
    st = Station.get(Station.name == "Đài xã Thuận Hạnh")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "station enroll" not in page  # the hint lives on the list; the code is in the flash
    code = page.split("chỉ hiện một lần: ")[1][:24]  # five groups of four
    station, _token = enrollment.enroll(code)
    assert station.id == st.id
    assert AuditLog.select().where(AuditLog.action == "station.create").count() == 3


def test_non_admins_do_not_reach_admin_pages(client: Any, world: dict) -> None:
    login(client, "nguoi.duyet")
    for path in ("/admin/users", "/admin/areas"):
        assert client.get(path).status_code == 403
    r = post(client, "/stations/new", {"name": "x", "area": "P-D-C1"}, "/stations")
    assert r.status_code == 403
    assert Bulletin.select().count() == 1


def test_a_rejected_bulletin_is_fixed_and_sent_again(app: Any, client: Any, world: dict) -> None:
    editor, approver = world["editor"], world["approver"]
    b = bulletins.create_spoken(editor, {"title": "Lich tiem chung", "text": "Tiêm chủng sáng thứ Bảy.",
                                         "category": "local-news", "engine": "espeak"}, app.config["DATA_DIR"])
    bulletins.submit(editor, b.id)
    bulletins.reject(approver, b.id, "Tiêu đề thiếu dấu")
    login(client, "bien.tap")
    page = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert "Tiêu đề thiếu dấu" in page and "<details class=\"card\" style=\"margin-top:1rem\" open>" in page
    post(client, f"/bulletins/{b.id}/edit", {"title": "Lịch tiêm chủng", "category": "local-news",
                                            "campaign_id": "", "valid_until": "2026-12-31T17:00"}, f"/bulletins/{b.id}")
    fixed = Bulletin.get_by_id(b.id)
    assert (fixed.title, fixed.status) == ("Lịch tiêm chủng", "draft")
    assert fixed.valid_until is not None and fixed.valid_until.astimezone(ZONE).hour == 17
    post(client, f"/bulletins/{b.id}/submit", {}, f"/bulletins/{b.id}")
    assert Bulletin.get_by_id(b.id).status == "submitted"


def test_emergency_delivery_follows_what_the_station_reports(app: Any, client: Any, world: dict) -> None:
    """The status page reads the station contract's own traffic: manifest applied, then played."""
    import uuid

    admin, tree = world["admin"], world["tree"]
    station, code = enrollment.register(admin, tree["C1"].code, "Đài thử khẩn cấp")
    agent = app.test_client()
    token = agent.post("/api/v1/station/enroll", json={"code": code}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}

    login(client, "nguoi.duyet")
    form = {"bulletin": str(world["bulletin"].id), "hours": "1", "stations": [str(station.id)],
            "step": "send", "title_hint": "Cháy rừng"}
    r = post(client, "/emergency", form, "/emergency")
    status_url = r.headers["Location"]
    row = client.get(status_url).get_data(as_text=True).split("Đài thử khẩn cấp")[1].split("</tr>")[0]
    assert "Đã nhận" not in row and "data-refresh-seconds" in client.get(status_url).get_data(as_text=True)

    manifest = agent.get("/api/v1/station/manifest", headers=bearer).get_json()["manifest"]
    schedule = next(s for s in manifest["schedules"] if s["priority"] == "emergency")
    agent.post("/api/v1/station/heartbeat", headers=bearer, json={
        "agent_version": "test", "manifest_version": manifest["version"], "clock_offset_ms": 0,
        "clock_trusted": True, "disk_free_bytes": 10**9, "cache": {}, "now_playing": None, "outbox": 0,
        "last_error": None})
    row = client.get(status_url).get_data(as_text=True).split("Đài thử khẩn cấp")[1].split("</tr>")[0]
    assert "Đã nhận" in row and "Đã phát xong" not in row

    now = datetime.now(ZONE)
    r = agent.post("/api/v1/station/play-logs", headers=bearer, json={"logs": [{
        "id": str(uuid.uuid4()), "slot_id": None, "schedule_id": schedule["id"],
        "bulletin_id": world["bulletin"].id, "asset_sha256": world["bulletin"].asset_id,
        "planned_start": now.isoformat(), "started_at": now.isoformat(),
        "ended_at": (now + timedelta(seconds=3)).isoformat(), "status": "completed", "reason": None,
        "clock_trusted": True, "clock_offset_ms": 0}]})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = client.get(status_url).get_data(as_text=True)
    assert "Đã phát xong" in page.split("Đài thử khẩn cấp")[1].split("</tr>")[0]
    assert "data-refresh-seconds" not in page  # every target has played: the page stops reloading
    assert "Đang có phát khẩn cấp" in client.get("/dashboard").get_data(as_text=True)
