"""In a real browser, the whole way from the province's plan to the district's submitted report (issue 14):

plan → campaign → a bulletin of the campaign → approval → "schedule this campaign" → approval of its
schedules → a real station process plays it → the district officer reads the report, fills the narrative,
submits and downloads the DOCX, whose figures are the JSON report's and whose Vietnamese is intact.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central.models import Campaign, Plan, PlayLog, Schedule
from central.services import calendar
from tests.processes import Station, free_port, wait_for

from .conftest import LiveCentral, Person, Sessions
from .test_web_browser import ZONE, next_start, register_station

pytestmark = pytest.mark.browser

#: the test machine has no sound card: a real-time ffmpeg player writing a real audio format to
#: /dev/null stands in for one (the null muxer would make every play "not audible", which rightly
#: does not count as aired, and the report would have nothing to show)
CARD = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f wav -y /dev/null"
LEAD_S = 75  # from choosing the time to the slot: approvals, sync, download and verify on a busy machine
SLOW = 120_000  # ms: TTS, normalising and page loads on a busy 2-core machine
TITLE = "Chung tay xây dựng xã, phường, thị trấn sạch ma túy"
RESULTS = "Đã phát bản tin “Chung tay xây dựng xã sạch ma túy” ở xã Đắk Môl; bà con đồng tình hưởng ứng."
DIFFICULTIES = "Thôn Đắk R'Moan mất điện hai ngày; loa ở Nâm N'Jang cần sửa."


@pytest.fixture
def card_agent(tmp_path: Path) -> Iterator[Station]:
    """A real station agent process whose player runs in real time, as into a sound card."""
    a = Station(tmp_path / "agent", LOA_UI_PORT=str(free_port()), LOA_PLAYER=CARD)
    yield a
    a.stop()


def _slow(person: Person) -> Person:
    person.page.set_default_timeout(SLOW)
    return person


def _plan_and_campaign(editor: Person, live: LiveCentral) -> tuple[int, int]:
    """The province's plan and, under it, a campaign running from today for a week."""
    today = calendar.today()
    editor.go("/plans")
    editor.page.fill("#year", str(today.year))
    editor.page.fill("#number", "15/KH-STTTT")
    editor.page.fill("#title", "Kế hoạch tuyên truyền phòng, chống ma túy, HIV/AIDS")
    editor.page.fill("#issuer", "Sở Thông tin và Truyền thông tỉnh Đắk Nông")
    editor.page.check("input[name=themes][value=drugs]")
    editor.submit("form.card button[type=submit]")
    assert "Đã tạo kế hoạch" in editor.flash()
    editor.page.click("text=Thêm đợt tuyên truyền cho kế hoạch này")
    editor.page.wait_for_url("**/campaigns?plan=*")
    editor.page.fill("#name", "Tháng hành động phòng, chống ma túy")
    editor.page.fill("#starts_on", str(today))
    editor.page.fill("#ends_on", str(today + timedelta(days=7)))
    editor.page.select_option("#category", "drugs")
    editor.submit("text=Tạo đợt tuyên truyền")
    with live.app.app_context(), live.db():
        plan, campaign = Plan.get(), Campaign.get()
        assert campaign.plan_id == plan.id
    return plan.id, campaign.id


def _campaign_bulletin(editor: Person, approver: Person, campaign_id: int) -> int:
    """A TTS bulletin of the campaign (eSpeak NG: no network), submitted by the editor, approved by another."""
    editor.go("/bulletins/new?mode=tts")
    editor.page.fill("#title", TITLE)
    editor.page.select_option("#category", "drugs")
    editor.page.select_option("#campaign_id", str(campaign_id))
    editor.page.fill("#text", "Hưởng ứng Tháng hành động phòng, chống ma túy. Mỗi gia đình nói không với ma túy.")
    editor.page.select_option("#engine", "espeak")
    editor.submit("button[type=submit].primary")
    assert re.search(r"/bulletins/\d+$", editor.page.url), editor.flash()
    bid = int(editor.page.url.rsplit("/", 1)[1])
    editor.submit("button:has-text('Gửi duyệt')")
    assert "Đã gửi duyệt" in editor.flash()
    approver.go("/approvals")
    with approver.page.expect_navigation():
        approver.page.locator("article", has_text=TITLE).locator("button:has-text('Duyệt')").click()
    assert "Đã duyệt bản tin" in approver.flash()
    return bid


def _schedule_campaign(editor: Person, approver: Person, live: LiveCentral, campaign_id: int) -> datetime:
    """"Schedule this campaign" once a day at the next whole minute far enough ahead; the approver approves."""
    start = next_start(LEAD_S)
    editor.go(f"/campaigns/{campaign_id}")
    editor.page.fill("#first_day", str(start.date()))
    editor.page.fill("#ctime1", start.strftime("%H:%M"))
    editor.page.fill("#ctime2", "")
    editor.page.check("input[name=areas][value=DKN-DKS]")
    editor.submit("form[action$='/schedule'] button[type=submit]")
    assert "chờ một người khác phê duyệt" in editor.flash()
    approver.go("/approvals")
    for box in approver.page.locator("#approve-schedules input[name=sid]").all():
        box.check()
    approver.submit("text=Duyệt các lịch đã chọn")
    assert "Đã duyệt 1 lịch phát." in approver.flash()
    with live.app.app_context(), live.db():
        (s,) = Schedule.select()
        assert (s.status, s.approved_by.name) == ("approved", "pheduyet")
    assert (start - datetime.now(ZONE)).total_seconds() > 10, "approved too late for the slot: raise LEAD_S"
    return start


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


FIGURES = ("bulletins", "plays", "minutes_aired", "stations_reached", "stations_total")


def _figures(line: dict[str, Any]) -> list[str]:
    """A JSON line as the DOCX tables print it (the rate as a percentage)."""
    return [*(str(line[k]) for k in FIGURES), _rate(line["completion_rate"]), str(line["not_audible"]),
            str(line["failed_to_sound"])]


def _check_docx(data: bytes, report: dict[str, Any]) -> None:
    """Every figure of the DOCX equals the JSON report's; the Vietnamese text is intact."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert "ĐƠN VỊ: HUYỆN ĐẮK SONG" in tables[0][0][0] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in tables[0][0][1]
    title = [p.text for p in doc.paragraphs if p.text.strip()][:2]  # saved through the page's form, lines kept
    assert title[0] == "BÁO CÁO" and title[1].startswith("Kết quả công tác thông tin, tuyên truyền")
    assert title[1].endswith("(theo Kế hoạch số 15/KH-STTTT)")
    assert RESULTS in text and DIFFICULTIES in text
    themes = next(t for t in tables if t[0][:2] == ["TT", "Chủ đề"])
    assert [[r[1], *r[2:]] for r in themes[1:]] == [[t["label"], *_figures(t)] for t in report["themes"]]
    total = report["total"]
    assert (f"Tổng cộng: {total['bulletins']} tin, bài; {total['plays']} lượt phát; {total['minutes_aired']} phút; "
            f"{total['stations_reached']}/{total['stations_total']} đài đã phát") in text
    titles = next(t for t in tables if t[0] == ["Chủ đề", "Tên tin, bài"])
    assert ["Phòng, chống ma túy", TITLE] in titles
    campaigns = next(t for t in tables if t[0][:2] == ["Đợt tuyên truyền", "Đơn vị"])
    want = []
    for c in report["campaigns"]:
        want.append([c["label"], "Tổng cộng", *_figures(c)])
        want += [[c["label"], a["label"], *_figures(a)] for a in c["areas"]]
    assert campaigns[1:] == want
    languages = next(t for t in tables if t[0][0] == "Ngôn ngữ")
    assert languages[1:] == [[lang["label"], *_figures(lang)] for lang in report["languages"]]
    assert len(doc.inline_shapes) == 1  # the chart of minutes by theme


def test_plan_to_played_campaign_to_submitted_report(sessions: Sessions, live: LiveCentral,
                                                     card_agent: Station, tmp_path: Path) -> None:
    admin = _slow(sessions.login("quantri"))
    _, code = register_station(admin, "Đài truyền thanh xã Đắk Môl", "DKN-DKS-DKM")
    card_agent.cli("enroll", live.url, code, "--password", "mật-khẩu-đài-1")
    card_agent.start()

    editor, approver = _slow(sessions.login("bientap")), _slow(sessions.login("pheduyet"))
    plan_id, campaign_id = _plan_and_campaign(editor, live)
    bid = _campaign_bulletin(editor, approver, campaign_id)
    start = _schedule_campaign(editor, approver, live, campaign_id)

    def played() -> list[PlayLog]:  # the real play log the station uploaded
        with live.app.app_context(), live.db():
            return list(PlayLog.select().where(PlayLog.bulletin_id == bid, PlayLog.status == "completed"))

    wait = (start - datetime.now(ZONE)).total_seconds() + 240
    (log,) = wait_for(played, wait, f"the station to play bulletin {bid}; agent log:\n{card_agent.log()[-3000:]}", 1)
    assert log.planned_start == start, "the campaign's slot, at the minute chosen"

    officer = _slow(sessions.login("bientap.daksong"))
    day = start.date().isoformat()
    query = f"area=DKN-DKS&from={day}&to={day}&plan={plan_id}"
    officer.go(f"/reports/period?{query}")
    themes = officer.page.locator("#themes-table").text_content() or ""  # titles sit in a closed <details>
    assert "Phòng, chống ma túy" in themes and TITLE in themes
    live_json = officer.page.request.get(f"{live.url}/api/v1/reports/period?{query}").json()
    drugs = next(t for t in live_json["themes"] if t["label"] == "Phòng, chống ma túy")
    assert (drugs["bulletins"], drugs["plays"], drugs["stations_reached"], drugs["titles"]) == (1, 1, 1, [TITLE])
    (section,) = live_json["campaigns"]
    assert (section["label"], section["plays"], [a["label"] for a in section["areas"]]) == (
        "Tháng hành động phòng, chống ma túy", 1, ["Xã Đắk Môl"])
    officer.page.fill("#narrative_results", RESULTS)
    officer.page.fill("#narrative_difficulties", DIFFICULTIES)
    officer.submit("#save-report")
    assert "Đã lưu bản nháp báo cáo." in officer.flash()
    officer.page.once("dialog", lambda d: d.accept())
    officer.submit("#submit-report")
    assert "Đã gửi báo cáo." in officer.flash()
    officer.shot("report-flow-submitted")

    report = officer.page.request.get(f"{live.url}/api/v1/reports/period?{query}").json()
    assert report["report"]["status"] == "submitted" and report["narrative"]["results"] == RESULTS
    with officer.page.expect_download() as download:
        officer.page.click("#docx-link")
    path = tmp_path / "bao-cao.docx"
    download.value.save_as(path)
    _check_docx(path.read_bytes(), report)
