"""Web pages for plans, categories, campaigns, "schedule this campaign", the calendar and the dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from central.models import Campaign, Category, Plan, Schedule
from central.services import calendar
from tests.central.test_web_pages import csrf_of, login


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    return {
        "editor": make_user("editor", tree["D"], name="bien.tap")[0],
        "approver": make_user("approver", tree["D"], name="nguoi.duyet")[0],
        "operator": make_user("operator", tree["D"], name="van.hanh")[0],
        "admin": make_user("admin", None, name="quan.tri")[0],
    }


def _post(client: Any, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_of(html)})


def test_editor_makes_a_plan_edits_periods_and_adds_a_campaign(client: Any, people: dict) -> None:
    login(client, "bien.tap")
    r = _post(client, "/plans", {"year": "2099", "title": "Kế hoạch tuyên truyền phòng, chống ma túy 2099",
                                 "number": "7/KH-VHTT", "issuer": "Phòng Văn hóa và Thông tin",
                                 "themes": ["drugs", "hiv"]})
    assert r.status_code == 302, r.get_data(as_text=True)
    plan = Plan.get()
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "2099-06-10" in page and "2099-06-15" in page and "Báo cáo 6 tháng đầu năm" in page
    r = _post(client, f"/plans/{plan.id}", {
        "what": "periods", "p_code": ["six-month", "year", "q3"], "p_name": ["6 tháng", "Năm", "Quý 3"],
        "p_start": ["2099-01-01", "2099-01-01", "2099-07-01"], "p_end": ["2099-06-12", "2099-11-26", "2099-09-25"],
        "p_deadline": ["2099-06-15", "2099-12-01", "2099-09-30"],
        "t_category": ["drugs", ""], "t_period": ["q3", ""], "t_min": ["3", ""]})
    assert r.status_code == 302
    assert [p.code for p in plan.periods] == ["six-month", "year", "q3"]
    assert [(t.category.code, t.period.code, t.min_bulletins) for t in plan.targets] == [("drugs", "q3", 3)]
    r = _post(client, "/campaigns", {"name": "Tháng hành động", "starts_on": "2099-06-01", "ends_on": "2099-06-30",
                                     "category": "drugs", "plan_id": str(plan.id)})
    assert r.status_code == 302
    assert Campaign.get().plan_id == plan.id
    assert "Tháng hành động" in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_readers_see_but_cannot_change(client: Any, people: dict) -> None:
    login(client, "van.hanh")
    assert client.get("/plans").status_code == 200 and client.get("/campaigns").status_code == 200
    assert client.get("/categories").status_code == 200
    r = _post(client, "/plans", {"year": "2099", "title": "x"})
    assert r.status_code == 403 and Plan.select().count() == 0
    login(client, "bien.tap")
    r = _post(client, "/categories", {"code": "traffic", "name": "An toàn giao thông"})
    assert r.status_code == 403


def test_admin_edits_categories(client: Any, people: dict) -> None:
    login(client, "quan.tri")
    assert _post(client, "/categories", {"code": "traffic", "name": "An toàn giao thông"}).status_code == 302
    c = Category.get(Category.code == "traffic")
    assert _post(client, "/categories", {"id": str(c.id), "code": "traffic", "name": "An toàn giao thông đường bộ",
                                         "name_en": "Road safety"}).status_code == 302
    c = Category.get_by_id(c.id)
    assert (c.name, c.name_en, c.active) == ("An toàn giao thông đường bộ", "Road safety", False)


def test_schedule_this_campaign_from_the_page_then_calendar_and_dashboard(
        client: Any, people: dict, bulletin_factory: Any) -> None:
    today = calendar.today()
    c = Campaign.create(name="Ngày toàn dân phòng, chống ma túy", starts_on=today + timedelta(days=3),
                        ends_on=today + timedelta(days=9))
    login(client, "bien.tap")
    dash = client.get("/dashboard").get_data(as_text=True)
    assert "Ngày toàn dân phòng, chống ma túy bắt đầu sau 3 ngày nhưng chưa có lịch phát" in dash
    b1 = bulletin_factory(people["editor"], title="Tin một", campaign=c)
    b2 = bulletin_factory(people["editor"], title="Tin hai", campaign=c)
    page = client.get(f"/campaigns/{c.id}").get_data(as_text=True)
    assert "Lên lịch cho đợt này" in page
    r = _post(client, f"/campaigns/{c.id}/schedule", {
        "bulletin_ids": [str(b1.id), str(b2.id)], "times": ["06:00", "17:30", "", ""], "areas": ["P-D"],
        "first_day": str(c.starts_on), "last_day": str(c.ends_on)}, page=f"/campaigns/{c.id}")
    assert r.status_code == 302
    made = list(Schedule.select())
    assert len(made) == 2 and {s.status for s in made} == {"submitted"}
    assert "chưa có lịch phát" not in client.get("/dashboard").get_data(as_text=True)
    month = c.starts_on.strftime("%Y-%m")
    cal = client.get(f"/calendar?month={month}").get_data(as_text=True)
    assert "06:00 Ngày toàn dân phòng, chống ma túy — Tin một" in cal and "chờ duyệt" in cal
    assert client.get("/calendar?month=2099-13").status_code == 400


def test_delete_a_campaign_without_bulletins_only(client: Any, people: dict, bulletin_factory: Any) -> None:
    empty = Campaign.create(name="Đợt trống", starts_on="2099-01-01", ends_on="2099-01-02", area=people["editor"].area)
    used = Campaign.create(name="Đợt có tin", starts_on="2099-01-01", ends_on="2099-01-02", area=people["editor"].area)
    bulletin_factory(people["editor"], campaign=used)
    login(client, "bien.tap")
    assert "Xóa đợt tuyên truyền" in client.get(f"/campaigns/{empty.id}").get_data(as_text=True)
    assert _post(client, f"/campaigns/{empty.id}/delete", {}, page=f"/campaigns/{empty.id}").status_code == 302
    assert _post(client, f"/campaigns/{used.id}/delete", {}, page=f"/campaigns/{used.id}").status_code == 302
    assert [c.name for c in Campaign.select()] == ["Đợt có tin"]
    login(client, "van.hanh")
    assert _post(client, f"/campaigns/{used.id}/delete", {}, page=f"/campaigns/{used.id}").status_code == 403


def test_edit_forms_only_where_the_person_may_change(client: Any, people: dict, make_user: Any, tree: dict) -> None:
    make_user("editor", tree["C2"], name="bien.tap.xa")
    plan = Plan.create(year=2099, title="Kế hoạch huyện", area=tree["D"])
    camp = Campaign.create(name="Đợt huyện", starts_on="2099-01-01", ends_on="2099-01-02", area=tree["D"])
    login(client, "bien.tap.xa")  # below the district: sees its plan, cannot change it
    assert "Sửa thông tin kế hoạch" not in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Sửa đợt tuyên truyền" not in client.get(f"/campaigns/{camp.id}").get_data(as_text=True)
    login(client, "bien.tap")
    assert "Sửa thông tin kế hoạch" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Sửa đợt tuyên truyền" in client.get(f"/campaigns/{camp.id}").get_data(as_text=True)
