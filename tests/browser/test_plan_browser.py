"""In a real browser: an editor makes a plan and a campaign, schedules the campaign in one action, a second
person approves the schedules, and the month calendar shows the campaign, its airings and the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from central.models import Bulletin, Campaign, Plan, Schedule, User
from central.services import assets, calendar

from .conftest import LiveCentral, Sessions

pytestmark = pytest.mark.browser


def _approved_bulletins(live: LiveCentral, campaign_id: int, titles: list[str]) -> None:
    """Two approved bulletins of the campaign (their own approval flow is tested elsewhere)."""
    with live.app.app_context(), live.db():
        author = User.get(User.name == "bientap")
        approver = User.get(User.name == "pheduyet")
        for n, title in enumerate(titles):
            asset = assets.save_bytes(live.app.config["DATA_DIR"], bytes([n + 1]) * 4096, duration_ms=20_000,
                                      codec="opus", mime="audio/ogg")
            Bulletin.create(title=title, author=author, approver=approver, status="approved", asset=asset,
                            campaign=campaign_id, category=None, language="vie")


def test_plan_campaign_schedule_approval_and_calendar(sessions: Sessions, live: LiveCentral) -> None:
    today = calendar.today()
    start, end = today + timedelta(days=2), today + timedelta(days=8)
    editor = sessions.login("bientap")
    editor.go("/plans")
    editor.page.fill("#year", str(start.year))
    editor.page.fill("#number", "15/KH-STTTT")
    editor.page.fill("#title", "Kế hoạch tuyên truyền phòng, chống ma túy")
    editor.page.fill("#issuer", "Sở Thông tin và Truyền thông tỉnh Đắk Nông")
    editor.page.check("input[name=themes][value=drugs]")
    editor.submit("form.card button[type=submit]")
    assert "Đã tạo kế hoạch" in editor.flash()
    with live.app.app_context(), live.db():
        plan = Plan.get()
    # a deadline in the month shown below: the officer moves the six-month period's deadline there
    editor.page.fill("input[name=p_deadline] >> nth=0", str(end))
    editor.page.fill("input[name=p_end] >> nth=0", str(end - timedelta(days=5)))
    editor.submit("text=Lưu kỳ báo cáo và chỉ tiêu")
    assert "Đã lưu kế hoạch." in editor.flash()

    editor.page.click("text=Thêm đợt tuyên truyền cho kế hoạch này")
    editor.page.wait_for_url("**/campaigns?plan=*")
    editor.page.fill("#name", "Tháng hành động phòng, chống ma túy")
    editor.page.fill("#starts_on", str(start))
    editor.page.fill("#ends_on", str(end))
    editor.page.select_option("#category", "drugs")
    editor.submit("text=Tạo đợt tuyên truyền")
    with live.app.app_context(), live.db():
        campaign = Campaign.get()
        assert campaign.plan_id == plan.id
    _approved_bulletins(live, campaign.id, ["Ma túy tổng hợp núp bóng bánh kẹo", "Gương hoàn lương"])
    editor.go("/dashboard")
    assert "chưa có lịch phát" in editor.page.inner_text("#upcoming")
    editor.go(f"/campaigns/{campaign.id}")
    editor.page.check("input[name=areas][value=DKN-DKS]")
    editor.page.fill("#ctime3", "11:00")
    editor.shot("campaign-schedule")
    editor.submit("form[action$='/schedule'] button[type=submit]")
    assert "Đã tạo" in editor.flash() and "chờ một người khác phê duyệt" in editor.flash()
    with live.app.app_context(), live.db():
        made = list(Schedule.select().order_by(Schedule.id))
    # two bulletins over three times a day: the pattern repeats every two days, four schedules
    assert len(made) == 4 and {s.status for s in made} == {"submitted"}

    approver = sessions.login("pheduyet")
    approver.go("/approvals")
    assert approver.page.locator("text=Tháng hành động phòng, chống ma túy — Gương hoàn lương").count() >= 1
    for box in approver.page.locator("#approve-schedules input[name=sid]").all():
        box.check()
    approver.shot("approve-campaign-schedules")
    approver.submit("text=Duyệt các lịch đã chọn")
    assert f"Đã duyệt {len(made)} lịch phát." in approver.flash()
    with live.app.app_context(), live.db():
        assert {s.status for s in Schedule.select()} == {"approved"}
        assert {s.approved_by.name for s in Schedule.select()} == {"pheduyet"}

    editor.go(f"/calendar?month={start:%Y-%m}&area=DKN-DKS")
    day = editor.page.locator(f"td[data-day='{start}']")
    text = day.inner_text()
    assert "Tháng hành động phòng, chống ma túy" in text
    # day one of the rotation: the first bulletin at 06:00 and 17:30, the second at 11:00
    assert "06:00, 17:30 Tháng hành động phòng, chống ma túy — Ma túy tổng hợp núp bóng bánh kẹo" in text
    assert "11:00 Tháng hành động phòng, chống ma túy — Gương hoàn lương" in text
    after = editor.page.locator(f"td[data-day='{start + timedelta(days=1)}']").inner_text()
    if (start + timedelta(days=1)).month == start.month:
        assert "06:00, 17:30 Tháng hành động phòng, chống ma túy — Gương hoàn lương" in after
    assert "chờ duyệt" not in text
    if end.month == start.month:
        assert "Hạn nộp" in editor.page.locator(f"td[data-day='{end}']").inner_text()
    editor.shot("calendar-month")
    phone = sessions.login("bientap", width=390)
    phone.go(f"/calendar?month={start:%Y-%m}&area=DKN-DKS")
    assert phone.page.locator(f"td[data-day='{start}']").is_visible()
    weekday = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")[start.weekday()]
    assert weekday in phone.page.locator(f"td[data-day='{start}'] .daynum").inner_text()  # no header row there
    # on a phone the month is a list of the days that have something: nothing wider than the screen
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.shot("calendar-phone")
    # another district's calendar does not carry Đắk Song's airings
    editor.go(f"/calendar?month={start:%Y-%m}&area=DKN-DML")
    assert "06:00" not in editor.page.locator(f"td[data-day='{start}']").inner_text()
