"""The web UI in a real browser: compose, hear, approve, schedule, play on a real station, report.

Every test runs against its own central (a fresh SQLite file) served on loopback; the first one
also runs a station agent process that plays through ffmpeg's null output.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from central.models import Bulletin, PlayLog
from tests.processes import Station, wait_for

from .conftest import LiveCentral, Person, Sessions

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LEAD_S = 35  # at least this long between saving a schedule and its start: approval + sync + fetch


def write_tts_bulletin(editor: Person, title: str, text: str, category: str = "drugs") -> int:
    """Fill the TTS form as an editor would; returns the new bulletin's id (its detail page is open)."""
    editor.go("/bulletins/new?mode=tts")
    editor.page.fill("#title", title)
    editor.page.select_option("#category", category)
    editor.page.fill("#text", text)
    editor.page.select_option("#engine", "espeak")  # offline: no Google in the test machine
    editor.submit("button[type=submit].primary")
    assert re.search(r"/bulletins/\d+$", editor.page.url), editor.flash()
    return int(editor.page.url.rsplit("/", 1)[1])


def audio_duration(person: Person, selector: str = "audio") -> float:
    """Wait until the page's <audio> has loaded its metadata; its duration in seconds."""
    person.page.wait_for_function(
        f"() => {{ const a = document.querySelector({selector!r}); return a && a.readyState >= 1 && a.duration > 0; }}")
    return float(person.page.evaluate(f"document.querySelector({selector!r}).duration"))


def post_without_page_form(person: Person, path: str, data: dict[str, str]) -> int:
    """POST as this browser session (its cookies), the way a forged or hand-made request would."""
    return int(person.page.request.post(person.base + path, form=data, max_redirects=0).status)


def next_start(lead_s: int) -> datetime:
    """The first whole local minute at least ``lead_s`` seconds away (the form takes HH:MM)."""
    t = datetime.now(ZONE).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while (t - datetime.now(ZONE)).total_seconds() < lead_s:
        t += timedelta(minutes=1)
    return t


def register_station(admin: Person, name: str, area_code: str) -> tuple[int, str]:
    admin.go("/stations")
    admin.page.fill("#name", name)
    admin.page.select_option("#area", area_code)
    admin.submit("form[action$='/stations/new'] button[type=submit]")
    code = re.search(r"(?:[A-Z0-9]{4}-){4}[A-Z0-9]{4}", admin.flash())
    assert code, admin.flash()
    return int(admin.page.url.rsplit("/", 1)[1]), code.group(0)


def test_bulletin_from_text_to_loudspeaker_and_report(sessions: Sessions, live: LiveCentral,
                                                      agent: Station) -> None:
    admin = sessions.login("quantri")
    station_id, code = register_station(admin, "Đài truyền thanh xã Đắk Môl", "DKN-DKS-DKM")
    agent.cli("enroll", live.url, code, "--password", "mật-khẩu-đài-1")
    agent.start()

    # The editor types a bulletin, hears it in the page, and sends it for approval.
    editor = sessions.login("bientap")
    title = "Chung tay xây dựng xã, phường, thị trấn sạch ma túy"
    bid = write_tts_bulletin(editor, title, "Hưởng ứng Ngày toàn dân phòng, chống ma túy 26/6.")
    assert audio_duration(editor, "#bulletin-audio") > 1.0
    assert "LUFS" in editor.page.inner_text("body")
    editor.shot("bulletin-detail")
    editor.submit("button:has-text('Gửi duyệt')")
    assert "Đã gửi duyệt" in editor.flash()

    # The author cannot approve: no button, and a hand-made POST is refused by the service.
    assert editor.page.locator("button:has-text('Duyệt')").count() == 0
    token = editor.page.get_attribute("meta[name=csrf-token]", "content")
    post_without_page_form(editor, f"/bulletins/{bid}/approve", {"csrf_token": token})
    with live.db():
        assert Bulletin.get_by_id(bid).status == "submitted"

    # The approver listens on the approvals page and approves.
    approver = sessions.login("pheduyet")
    approver.go("/approvals")
    card = approver.page.locator("article", has_text=title)
    assert audio_duration(approver, f"#audio-{bid}") > 1.0
    approver.shot("approvals")
    with approver.page.expect_navigation():
        card.locator("button:has-text('Duyệt')").click()
    assert "Đã duyệt bản tin" in approver.flash()

    # The editor schedules it once, to the commune, previews the occurrence, and saves.
    start = next_start(LEAD_S)
    editor.go(f"/schedules/new?bulletin={bid}")
    editor.page.select_option("#rule_kind", "once")
    editor.page.fill("#first_day", start.date().isoformat())
    editor.page.fill("#time0", start.strftime("%H:%M"))
    editor.page.fill("#time1", "")
    editor.page.check("input[name=areas][value='DKN-DKS-DKM']")
    editor.submit("button[value=preview]")
    preview = editor.page.locator("#preview")
    assert "Đài truyền thanh xã Đắk Môl" in preview.inner_text()
    assert start.strftime("%d/%m/%Y %H:%M") in preview.inner_text()
    editor.shot("schedule-preview")
    editor.submit("button[value=save]")
    assert re.search(r"/schedules/\d+$", editor.page.url), editor.flash()
    schedule_path = editor.page.url.replace(live.url, "")

    # Schedules follow the two-person rule too.
    approver.go(schedule_path)
    approver.submit("button:has-text('Duyệt lịch')")
    assert "Đã cập nhật lịch phát" in approver.flash()

    # The real station agent plays it; the play shows on the station page.
    def played() -> bool:
        with live.db():
            return PlayLog.select().where(PlayLog.bulletin_id == bid, PlayLog.status == "not_audible").exists()

    wait_for(played, LEAD_S + 120, f"the station to play bulletin {bid}; agent log:\n{agent.log()[-3000:]}")
    admin.go(f"/stations/{station_id}")
    plays = admin.page.locator("#recent-plays").inner_text()
    assert title in plays and "Không nghe được" in plays  # the test station plays into the null output
    admin.shot("station-detail")

    # And in the report, by station and by category, with a CSV download.
    admin.go("/reports?group_by=station")
    row = admin.page.locator("#report-table tr", has_text="Đài truyền thanh xã Đắk Môl")
    assert row.locator("td").nth(1).inner_text() == "0", "a play nobody could hear is not aired"
    assert row.locator("td.not-audible").inner_text() == "1"
    admin.go("/reports?group_by=category")
    assert "Phòng, chống ma túy" in admin.page.locator("#report-table").inner_text()
    assert admin.page.locator(".bar-fill").count() >= 1
    admin.shot("report")
    with admin.page.expect_download() as dl:
        admin.page.click("#csv-link")
    csv_bytes = Path(dl.value.path()).read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and "Phòng, chống ma túy" in csv_bytes.decode("utf-8-sig")
    admin.go("/dashboard")
    admin.shot("dashboard")


def test_rejection_needs_and_shows_a_reason(sessions: Sessions, live: LiveCentral) -> None:
    editor = sessions.login("bientap")
    bid = write_tts_bulletin(editor, "Thông báo tiêm chủng", "Trạm y tế xã thông báo lịch tiêm chủng.",
                             category="local-news")
    editor.submit("button:has-text('Gửi duyệt')")
    approver = sessions.login("pheduyet")
    approver.go(f"/bulletins/{bid}")
    reason = "Sai ngày tiêm; đề nghị ghi rõ thứ Bảy, 30/11"
    approver.page.fill("#reason", reason)
    approver.submit("button:has-text('Từ chối')")
    assert "Đã từ chối bản tin" in approver.flash()
    editor.go(f"/bulletins/{bid}")
    body = editor.page.inner_text("body")
    assert "Bị từ chối" in body and reason in body
    editor.shot("bulletin-rejected")
    with live.db():
        b = Bulletin.get_by_id(bid)
        assert (b.status, b.reject_reason) == ("rejected", reason)


def test_a_district_user_cannot_see_another_district(sessions: Sessions, live: LiveCentral) -> None:
    admin = sessions.login("quantri")
    station_id, _code = register_station(admin, "Đài xã Nâm N'Jang", "DKN-DKS-NNJ")
    daksong = sessions.login("bientap.daksong")
    bid = write_tts_bulletin(daksong, "Tin riêng của huyện Đắk Song", "Họp dân thôn 3 tối thứ Sáu.",
                             category="local-news")
    dakmil = sessions.login("bientap.dakmil")
    dakmil.go("/bulletins")
    assert "Tin riêng của huyện Đắk Song" not in dakmil.page.inner_text("main")
    assert dakmil.go(f"/bulletins/{bid}").status == 404
    assert dakmil.go(f"/bulletins/{bid}/audio").status == 404
    dakmil.go("/stations")
    assert "Nâm N'Jang" not in dakmil.page.inner_text("main")
    assert dakmil.go(f"/stations/{station_id}").status == 404
    # The same pages answer the district's own editor.
    assert daksong.go(f"/stations/{station_id}").status == 200


def test_a_post_without_csrf_token_is_refused(sessions: Sessions, live: LiveCentral) -> None:
    editor = sessions.login("bientap")
    status = post_without_page_form(editor, "/bulletins/new", {"mode": "tts", "title": "Giả mạo",
                                                               "text": "x", "engine": "espeak"})
    assert status == 400
    status = post_without_page_form(editor, "/logout", {})
    assert status == 400
    with live.db():
        assert Bulletin.select().count() == 0
    assert editor.go("/dashboard").url.endswith("/dashboard")  # still logged in: the forged logout failed


def test_vietnamese_round_trips_and_english_is_one_click_away(sessions: Sessions, live: LiveCentral) -> None:
    editor = sessions.login("bientap")
    title = "Ủy ban nhân dân xã Đắk R'Moan: phòng, chống lũ quét — ưu tiên người già, trẻ em"
    bid = write_tts_bulletin(editor, title, "Bà con không qua suối khi nước lũ dâng cao.", "disaster")
    assert editor.page.locator("h1").inner_text() == title
    editor.go("/bulletins?q=" + "lũ quét")
    assert editor.page.locator("table a", has_text=title).count() == 1
    with live.db():
        assert Bulletin.get_by_id(bid).title == title
    editor.go("/dashboard")
    assert editor.page.get_attribute("html", "lang") == "vi"
    with editor.page.expect_navigation():
        editor.page.click("a[hreflang=en]")
    assert editor.page.get_attribute("html", "lang") == "en"
    assert editor.page.locator("nav.mainnav").inner_text().startswith("Dashboard")
    editor.go(f"/bulletins/{bid}")
    assert editor.page.locator("h1").inner_text() == title  # content stays as written
    editor.shot("bulletin-english")
    with editor.page.expect_navigation():
        editor.page.click("a[hreflang=vi]")
    assert "Tổng quan" in editor.page.locator("nav.mainnav").inner_text()


def test_phone_width_and_keyboard(sessions: Sessions, live: LiveCentral) -> None:
    editor = sessions.login("bientap", width=390)
    editor.go("/dashboard")
    editor.page.keyboard.press("Tab")  # the first stop is the skip link, and it leads to the content
    assert editor.page.evaluate("document.activeElement.className") == "skip-link"
    editor.page.keyboard.press("Enter")
    assert editor.page.evaluate("document.activeElement.id") == "main"
    assert editor.page.locator("nav.mainnav ul").is_hidden()  # a phone gets a menu button instead
    editor.page.click(".navtoggle")
    assert editor.page.locator("nav.mainnav ul").is_visible()
    assert editor.page.get_attribute(".navtoggle", "aria-expanded") == "true"
    editor.shot("dashboard-phone")
    editor.go("/bulletins/new")
    width = editor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form overflows a phone screen ({width}px)"
    editor.shot("bulletin-new-phone")
