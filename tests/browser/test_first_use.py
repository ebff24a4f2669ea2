"""What a first-time user tripped over (issue 16), each caught in a real browser: feedback on long
work, an honest schedule preview, the settings a station applies, and icons that render."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from central.db import database
from central.models import Bulletin, User
from central.services import assets, enrollment
from playlists.model import DEFAULT_ZONE
from tests.processes import speech_like_wav

from .conftest import LiveCentral, Sessions

pytestmark = pytest.mark.browser


def approved_bulletin(live: LiveCentral, title: str, duration_ms: int = 95_000) -> int:
    """An approved bulletin with stored (opaque) audio of ``duration_ms``, written by ``bientap``."""
    with live.app.app_context(), database.connection_context():
        asset = assets.save_bytes(live.app.config["DATA_DIR"], os.urandom(4096), duration_ms=duration_ms,
                                  codec="opus", mime="audio/ogg")
        author = User.get(User.name == "bientap")
        return int(Bulletin.create(author=author, status="approved", asset=asset, title=title,
                                   area=author.area_id).id)


def enrolled_station(live: LiveCentral, name: str, area: str) -> tuple[int, str]:
    """A station registered in ``area`` and enrolled over the API; its id and bearer token."""
    with live.app.app_context(), database.connection_context():
        station, code = enrollment.register(None, area, name)
    r = requests.post(f"{live.url}/api/v1/station/enroll", json={"code": code}, timeout=30)
    assert r.status_code == 201, r.text
    return station.id, r.json()["token"]


def test_upload_states_its_limit_and_shows_bytes_sent_while_the_button_waits(
        sessions: Sessions, tmp_path: Path) -> None:
    editor = sessions.login("bientap")
    editor.go("/bulletins/new?mode=upload")
    # The limit is on the form before anything is sent.
    assert "Tối đa 512 MB mỗi tệp" in editor.page.inner_text("#file-hint")
    wav = tmp_path / "bản tin.wav"
    wav.write_bytes(speech_like_wav(6.0))
    editor.page.fill("#title", "Thông báo lịch tiêm chủng")
    editor.page.select_option("#category", "drugs")
    editor.page.set_input_files("#file", str(wav))
    held: list[Any] = []
    editor.page.route("**/bulletins/new*", lambda route: held.append(route))
    editor.page.click("button[type=submit].primary")
    editor.page.wait_for_function("() => document.querySelector('.busy') && !document.querySelector('.busy').hidden")
    # While the server works: one click only, and the bytes in flight are on screen.
    assert editor.page.locator("button[type=submit].primary").is_disabled()
    size = f"{wav.stat().st_size / 1024:.1f}".removesuffix(".0").replace(".", ",")
    assert f"/ {size} KB" in editor.page.inner_text(".busy")
    while not held:
        editor.page.wait_for_timeout(100)
    held[0].continue_()
    # The server's answer replaces the page (and its address), as a plain form post would.
    editor.page.wait_for_function("() => /^\\/bulletins\\/\\d+$/.test(location.pathname) && document.querySelector('.flash')")
    assert "Đã tạo bản nháp" in editor.flash()
    editor.page.unroute("**/bulletins/new*")


def test_tts_form_disables_its_button_and_says_it_is_working(sessions: Sessions) -> None:
    editor = sessions.login("bientap")
    editor.go("/bulletins/new?mode=tts")
    editor.page.fill("#title", "Phòng chống ma túy")
    editor.page.select_option("#category", "drugs")
    editor.page.fill("#text", "Hưởng ứng Ngày toàn dân phòng, chống ma túy 26/6.")
    editor.page.select_option("#engine", "espeak")
    # What the page shows at the moment it posts, kept across the navigation in sessionStorage.
    editor.page.evaluate("""() => document.querySelector('form[method=post].stack').addEventListener('submit', () => {
        const busy = document.querySelector('.busy');
        sessionStorage.setItem('at-submit', JSON.stringify({
            disabled: document.querySelector('button[type=submit].primary').disabled,
            shown: !!busy && !busy.hidden, text: busy ? busy.innerText : ''}));
    })""")
    editor.submit("button[type=submit].primary")
    seen = editor.page.evaluate("JSON.parse(sessionStorage.getItem('at-submit'))")
    assert seen["disabled"] and seen["shown"], seen
    assert "Đang tạo giọng đọc" in seen["text"]
    assert "Đã tạo bản nháp" in editor.flash()


def test_schedule_preview_shows_every_day_of_the_window_and_comes_into_view(
        sessions: Sessions, live: LiveCentral) -> None:
    bid = approved_bulletin(live, "Tuyên truyền phòng, chống mua bán người")
    enrolled_station(live, "Đài xã Đắk Môl", "DKN-DKS-DKM")
    editor = sessions.login("bientap")
    editor.go(f"/schedules/new?bulletin={bid}")
    # "tomorrow" where the schedule airs: from 17:00 UTC on, the test machine's date is a day behind
    # Vietnam's, and the central rightly leaves out today's slots that are already past
    first = datetime.now(ZoneInfo(DEFAULT_ZONE)).date() + timedelta(days=1)
    last = first + timedelta(days=7)
    editor.page.select_option("#rule_kind", "daily")
    editor.page.fill("#first_day", first.isoformat())
    editor.page.fill("#last_day", last.isoformat())
    for i, hhmm in enumerate(("06:00", "11:00", "17:30", "20:00")):
        editor.page.fill(f"#time{i}", hhmm)
    editor.page.check("input[name=areas][value='DKN-DKS-DKM']")
    editor.submit("button[value=preview]")
    # The whole window, grouped by day: 8 days × 4 times, and the last day is there.
    preview = editor.page.locator("#preview")
    assert preview.locator(".preview-day").count() == 8
    assert preview.locator(".slot-end").count() == 32
    assert last.strftime("%d/%m/%Y") + " 20:00" in preview.inner_text()
    # The result is on screen after the click, not below the area tree.
    top = editor.page.evaluate("document.getElementById('preview').getBoundingClientRect().top")
    assert -1 < top < editor.page.viewport_size["height"]  # the anchor's scroll may land a sub-pixel past it
    # "Kết thúc" is the slot's real end: 95 s after 06:00.
    ends = preview.locator(".slot-end").all_inner_texts()
    assert ends[0] == "06:01:35", ends[:4]
    editor.shot("schedule-preview-week")


def test_station_page_shows_settings_in_force_and_their_source(sessions: Sessions, live: LiveCentral) -> None:
    sid, token = enrolled_station(live, "Đài xã Đắk Môl", "DKN-DKS-DKM")
    beat = {"agent_version": "test", "manifest_version": 1, "clock_trusted": True,
            "settings": {"volume": 50, "volume_source": "local",
                         "quiet_hours": {"start": "21:00", "end": "05:30"}, "quiet_hours_source": "local",
                         "quiet_mode": "set", "central": {"volume": 80, "quiet_hours": None}},
            "missing_bulletins": []}
    r = requests.post(f"{live.url}/api/v1/station/heartbeat", json=beat, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 202, 204), r.text
    admin = sessions.login("quantri")
    admin.go(f"/stations/{sid}")
    volume = admin.page.inner_text("#set-volume")
    assert "80\u00a0%" in volume and "50\u00a0%" in volume and "Đài tự đặt" in volume
    quiet = admin.page.inner_text("#set-quiet")
    assert "21:00–05:30" in quiet and "Đài tự đặt" in quiet
    admin.shot("station-settings")


def test_new_buttons_draw_their_icon_from_the_centrals_own_svg(sessions: Sessions) -> None:
    editor = sessions.login("bientap")
    for path in ("/bulletins", "/schedules", "/playlists"):
        editor.go(path)
        button = editor.page.locator("main a.btn.primary").first
        assert "＋" not in button.inner_text()
        mask = button.locator(".icon").evaluate("e => getComputedStyle(e).webkitMaskImage || getComputedStyle(e).maskImage")
        assert "/icons/plus.svg" in mask, mask
    svg = requests.get(editor.base + "/ui-static/icons/plus.svg", timeout=30)
    assert svg.status_code == 200 and svg.text.startswith("<svg")


def test_new_user_needs_a_chosen_scope_and_a_login_name_without_spaces(sessions: Sessions,
                                                                        live: LiveCentral) -> None:
    admin = sessions.login("quantri")
    admin.go("/admin/users")
    # Nothing is pre-chosen: no silent "editor over the whole tree".
    assert admin.page.input_value("#role") == "" and admin.page.input_value("#area") == ""
    assert admin.page.get_attribute("#area", "required") is not None
    # The page's own checks can be bypassed; the server refuses a missing scope too.
    token = admin.page.get_attribute("meta[name=csrf-token]", "content")
    admin.page.request.post(admin.base + "/admin/users", form={
        "csrf_token": token, "name": "lan.nguyen", "role": "editor", "area": ""})
    # A login name with spaces is refused in Vietnamese only (no English in parentheses).
    admin.page.evaluate("document.getElementById('name').removeAttribute('pattern')")
    admin.page.fill("#name", "nguyen van an")
    admin.page.fill("#full_name", "Nguyễn Văn An")
    admin.page.select_option("#role", "editor")
    admin.page.select_option("#area", "DKN-DKS-DKM")
    admin.submit("button[type=submit].primary")
    error = admin.flash()
    assert "không có dấu cách" in error and "(" not in error, error
    with live.db():
        assert User.select().where(User.name.in_(["lan.nguyen", "nguyen van an"])).count() == 0
    # The choice is kept in the form, and a proper name goes through.
    assert admin.page.input_value("#area") == "DKN-DKS-DKM"
    admin.page.fill("#name", "an.nguyen")
    admin.submit("button[type=submit].primary")
    assert admin.page.locator("#new-password").count() == 1
    with live.db():
        assert User.get(User.name == "an.nguyen").area.code == "DKN-DKS-DKM"


def test_service_errors_show_in_the_viewers_language_only(sessions: Sessions) -> None:
    admin = sessions.login("quantri")
    admin.go("/admin/users")
    admin.go(admin.page.get_attribute("a[lang=en]", "href").replace(admin.base, ""))
    admin.page.evaluate("document.getElementById('name').removeAttribute('pattern')")
    admin.page.fill("#name", "bad name")
    admin.page.select_option("#role", "editor")
    admin.page.select_option("#area", "*")
    admin.submit("button[type=submit].primary")
    error = admin.flash()
    assert error.startswith("A login name holds letters"), error
    assert "Tên đăng nhập" not in error


def submitted_tts_bulletin(live: LiveCentral, title: str, text: str) -> int:
    """A spoken bulletin ``bientap`` wrote and sent for approval (its audio opaque bytes)."""
    bid = approved_bulletin(live, title, duration_ms=12_000)
    with live.app.app_context(), database.connection_context():
        Bulletin.update(status="submitted", text=text, tts_engine="espeak").where(Bulletin.id == bid).execute()
    return bid


def test_a_rejected_spoken_bulletin_is_not_a_dead_end(sessions: Sessions, live: LiveCentral) -> None:
    text = "Thông báo: từ ngày 1/12 đến ngày 7/12, xã tổ chức tiêm phòng dại cho chó, mèo."
    bid = submitted_tts_bulletin(live, "Tiêm phòng dại", text)
    other = submitted_tts_bulletin(live, "Họp dân thôn 3", "Mời bà con dự họp lúc 19 giờ.")
    # The approver reads the text on the approvals page itself, and rejects with a reason.
    approver = sessions.login("pheduyet")
    approver.go("/approvals")
    card = approver.page.locator("article", has_text="Tiêm phòng dại")
    assert text in card.locator(".tts-text").inner_text()
    card.locator("input[name=reason]").fill("Sai ngày: tiêm từ 2/12.")
    with approver.page.expect_navigation():
        card.locator("button:has-text('Từ chối')").click()
    # The author sees the rejection on the dashboard, and copies the text into a new draft.
    editor = sessions.login("bientap")
    rejected = editor.page.inner_text("#my-rejected")
    assert "Tiêm phòng dại" in rejected and "Sai ngày: tiêm từ 2/12." in rejected
    editor.go(f"/bulletins/{bid}")
    assert "Giọng đọc máy eSpeak NG" in editor.page.inner_text("main")
    editor.page.click("#copy-draft")
    assert editor.page.input_value("#text") == text
    assert editor.page.input_value("#title") == "Tiêm phòng dại"
    # The author takes the other one back from the queue: a draft again.
    editor.go(f"/bulletins/{other}")
    editor.page.on("dialog", lambda d: d.accept())
    editor.submit("#take-back")
    assert "bản nháp" in editor.flash()
    with live.db():
        assert Bulletin.get_by_id(other).status == "draft"


def test_schedule_list_names_targets_and_shows_local_times(sessions: Sessions, live: LiveCentral) -> None:
    from central.models import Area, Schedule, ScheduleTarget, Station

    bid = approved_bulletin(live, "Phòng chống ma túy")
    sid, _token = enrolled_station(live, "Đài xã Đắk Lao", "DKN-DML-DLA")
    with live.app.app_context(), database.connection_context():
        s = Schedule.create(bulletin=bid, dtstart=datetime(2026, 12, 2, 6, 30), rrule="FREQ=DAILY",
                            status="approved", title="Sáng hằng ngày", created_by=User.get(User.name == "bientap"))
        ScheduleTarget.create(schedule=s, area=Area.get(Area.code == "DKN"))
        ScheduleTarget.create(schedule=s, station=Station.get_by_id(sid))
    editor = sessions.login("bientap")
    editor.go("/schedules")
    row = editor.page.locator("tr", has_text="Sáng hằng ngày").inner_text()
    assert "02/12/2026 06:30" in row and "T06" not in row
    assert "Tỉnh Đắk Nông" in row and "Đài xã Đắk Lao" in row
    editor.go(f"/schedules/{s.id}")
    assert "02/12/2026 06:30" in editor.page.inner_text("main")
    # The report CSV uses the page's word for a missed play.
    editor.go("/reports?group_by=category")
    csv = editor.page.request.get(editor.base + editor.page.get_attribute("#csv-link", "href")).text()
    assert "Bị lỡ" in csv and "Bỏ lỡ" not in csv


NO_SIDEWAYS = """() => [...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth + 1)
                 && document.documentElement.scrollWidth <= window.innerWidth + 1"""


def test_phone_pages_fit_the_screen_and_desktop_navigation_is_one_row(
        browser: Any, live_demo: tuple[LiveCentral, dict]) -> None:
    live, result = live_demo
    password = next(u["password"] for u in result["users"] if u["name"] == "quantri")
    sessions = Sessions(browser, live)
    try:
        phone = sessions.login("quantri", password, width=390)
        phone.page.set_viewport_size({"width": 390, "height": 844})
        phone.go("/dashboard")
        header = phone.page.evaluate("document.querySelector('header.topbar').getBoundingClientRect().height"
                                     " + document.querySelector('nav.mainnav').getBoundingClientRect().height")
        assert header <= 72, header
        phone.shot("dashboard-phone-admin")
        # Tables become cards: nothing to scroll sideways, every cell names its column.
        for path in ("/play-logs", "/reports?group_by=station", "/stations"):
            phone.go(path)
            assert phone.page.evaluate(NO_SIDEWAYS), path
            assert phone.page.locator("table.stack-sm td[data-label]").count() > 0, path
        # The area tree's rows are 44 px touch targets.
        phone.go("/schedules/new")
        box = phone.page.locator(".tree label").first.bounding_box()
        assert box["height"] >= 44, box
        # The menu still reaches the grouped pages and the password page.
        phone.page.click(".navtoggle")
        phone.page.click("nav.mainnav summary:has-text('Quản trị')")
        assert phone.page.locator("nav.mainnav a:has-text('Người dùng')").is_visible()
        assert phone.page.locator("nav.mainnav a:has-text('Đổi mật khẩu')").is_visible()
        assert phone.page.locator("nav.mainnav button:has-text('Đăng xuất')").is_visible()
        # On a desktop the admin's navigation is one row; its admin pages sit in a group.
        desk = sessions.login("quantri", password, width=1280)
        tops = desk.page.evaluate("[...document.querySelectorAll('nav.mainnav > ul > li')]"
                                  ".filter(li => li.offsetParent).map(li => li.getBoundingClientRect().top)")
        assert len(set(tops)) == 1, tops
        desk.page.click("nav.mainnav summary:has-text('Quản trị')")
        with desk.page.expect_navigation():
            desk.page.click("nav.mainnav a:has-text('Người dùng')")
        assert desk.page.url.endswith("/admin/users")
    finally:
        for context in sessions.opened:
            context.close()
