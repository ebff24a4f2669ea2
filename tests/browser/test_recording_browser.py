"""Recording a bulletin in the browser, end to end: Chromium's fake microphone → trim → save → approve →
schedule → a real station process plays it; and what the page says when there is no microphone to use.

The fake microphone plays a WAV made by ffmpeg (tone bursts at a syllable rate, no pause long enough to
count as silence), so the recorded length, the trim and the stored asset's length can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import audio_library
from central.models import AuditLog, Bulletin, PlayLog
from tests.audio_library.audio_helpers import run_ffmpeg_cli
from tests.processes import Station, wait_for

from .conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, SHOTS, LiveCentral, Person, Sessions
from .test_web_browser import LEAD_S, next_start, register_station

pytestmark = pytest.mark.browser

#: bursts of a 220 Hz voice-like tone, 0.35 s on, 0.15 s off, for 12 s (Chromium loops the file)
MIC_GRAPH = ("aevalsrc='0.5*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))*lt(mod(t\\,0.5)\\,0.35)'"
             ":s=48000:d=12")
INSECURE_HOST = "loa-xa.test"  # resolved to 127.0.0.1 by Chromium; not loopback by name, so not secure
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}


@pytest.fixture(scope="module")
def mic_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mic") / "giong-noi.wav"
    run_ffmpeg_cli("-f", "lavfi", "-i", MIC_GRAPH, "-ac", "1", "-c:a", "pcm_s16le", str(out))
    return out


@pytest.fixture(scope="module")
def mic_browser(browser: Any, mic_wav: Path) -> Iterator[Any]:
    """Chromium with a fake microphone that plays ``mic_wav``; microphone permission is per context.

    Launched by the session's Playwright (one Playwright per thread), beside the plain browser.
    """
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={mic_wav}",
            "--autoplay-policy=no-user-gesture-required", f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1"]
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    yield b
    b.close()


def login(browser: Any, base: str, name: str, opened: list[Any], microphone: bool = True,
          **context: Any) -> Person:
    """A fresh browser context logged in as ``name``; ``microphone``: the person allowed the microphone."""
    ctx = browser.new_context(**({"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"} | context))
    opened.append(ctx)
    if microphone:
        ctx.grant_permissions(["microphone"], origin=base)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    person = Person(page, base)
    person.go("/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    return person


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    contexts: list[Any] = []
    yield contexts
    for ctx in contexts:
        ctx.close()


def clock_at_least(person: Person, seconds: float) -> None:
    person.page.wait_for_function(
        f"() => {{ const [m, s] = document.getElementById('rec-clock').textContent.split(':');"
        f" return 60 * +m + +s >= {seconds}; }}")


def record(person: Person, seconds: float, button: str = "#rec-start") -> float:
    """Press Record, see the meter move, stop after ``seconds``; the recording's length as the page knows it."""
    page = person.page
    page.click(button)
    page.wait_for_function("document.getElementById('rec-level').value > 0.3")  # the meter follows the voice
    clock_at_least(person, seconds)
    page.click("#rec-stop")
    page.locator("#rec-result").wait_for(state="visible")
    assert page.locator("#save-button").is_enabled()
    # the player reads the take's length when its metadata has loaded, a moment after the result shows
    # (read before that, it is NaN: seen once in a full CI run)
    page.wait_for_function("isFinite(document.getElementById('rec-audio').duration)")
    return float(page.evaluate("document.getElementById('rec-audio').duration"))


def test_record_trim_save_approve_schedule_and_play_on_a_station(
        mic_browser: Any, sessions: Sessions, live: LiveCentral, agent: Station, opened: list[Any]) -> None:
    admin = sessions.login("quantri")
    station_id, code = register_station(admin, "Đài truyền thanh xã Đắk Môl", "DKN-DKS-DKM")
    agent.cli("enroll", live.url, code, "--password", "mật-khẩu-đài-1")
    agent.start()

    editor = login(mic_browser, live.url, "bientap", opened)
    editor.go("/bulletins/new?mode=record")
    title = "Thông báo của Ban chỉ đạo phòng, chống ma túy xã (ghi âm)"
    editor.page.fill("#title", title)
    editor.page.select_option("#category", "drugs")
    recorded = record(editor, 6)
    assert recorded >= 6.0
    # Record again: the first take is dropped, the second is what is kept.
    recorded = record(editor, 7, "#rec-again")
    assert recorded >= 7.0
    # A cut that keeps under a second is stopped in the page: a refused save would lose the take.
    editor.page.fill("#trim_start", "4")
    editor.page.fill("#trim_end", "4.5")
    editor.page.click("#save-button")
    assert editor.page.url.endswith("/bulletins/new?mode=record")
    assert editor.page.evaluate("document.getElementById('trim_end').validationMessage") == \
        "Đoạn giữ lại phải dài ít nhất 1 giây."
    editor.page.fill("#trim_start", "1.5")
    assert "3,0 giây" in editor.page.inner_text("#rec-kept")
    editor.page.click("#trim-play")  # hear the kept part: the player stops at the end point
    editor.page.wait_for_function("() => { const a = document.getElementById('rec-audio');"
                                  " return a.paused && a.currentTime > 4.0; }")
    assert float(editor.page.evaluate("document.getElementById('rec-audio').currentTime")) == pytest.approx(4.5, abs=0.3)
    editor.shot("bulletin-record")
    editor.submit("#save-button")
    assert re.search(r"/bulletins/\d+$", editor.page.url), editor.flash()
    bid = int(editor.page.url.rsplit("/", 1)[1])
    with live.db():
        b = Bulletin.get_by_id(bid)
        assert b.asset.duration_ms == pytest.approx(3000, abs=150), "the stored audio is the trimmed part"
        assert b.asset.loudness_lufs == pytest.approx(-16.0, abs=1.0)
        created = AuditLog.get((AuditLog.action == "bulletin.create") & (AuditLog.object_id == str(bid)))
        assert created.detail["how"] == "recording" and created.detail["trim"] == [1.5, 4.5]
        sha = b.asset.sha256
    assert editor.page.inner_text("#bulletin-source") == "Ghi âm trên trang"
    editor.shot("bulletin-recorded-detail")
    editor.submit("button:has-text('Gửi duyệt')")

    approver = sessions.login("pheduyet")
    approver.go(f"/bulletins/{bid}")
    approver.submit("button:has-text('Duyệt')")
    assert "Đã duyệt bản tin" in approver.flash()

    start = next_start(LEAD_S)
    editor.go(f"/schedules/new?bulletin={bid}")
    editor.page.select_option("#rule_kind", "once")
    editor.page.fill("#first_day", start.date().isoformat())
    editor.page.fill("#time0", start.strftime("%H:%M"))
    editor.page.fill("#time1", "")
    editor.page.check("input[name=areas][value='DKN-DKS-DKM']")
    editor.submit("button[value=save]")
    assert re.search(r"/schedules/\d+$", editor.page.url), editor.flash()
    approver.go(editor.page.url.replace(live.url, ""))
    approver.submit("button:has-text('Duyệt lịch')")

    def played() -> Any:
        with live.db():
            return PlayLog.get_or_none((PlayLog.bulletin_id == bid) & (PlayLog.status == "not_audible"))

    log = wait_for(played, LEAD_S + 150, f"the station to play bulletin {bid}; agent log:\n{agent.log()[-3000:]}")
    assert log.station_id == station_id and log.asset_sha256 == sha
    # the station played the trimmed audio through its real ffmpeg player, in real time
    assert (log.ended_at - log.started_at).total_seconds() == pytest.approx(3.0, abs=1.0)


def test_recording_on_a_phone(mic_browser: Any, live: LiveCentral, opened: list[Any]) -> None:
    editor = login(mic_browser, live.url, "bientap", opened, **PHONE)
    editor.go("/bulletins/new?mode=record")
    editor.page.fill("#title", "Ghi âm trên điện thoại")
    editor.page.click("#rec-start")
    editor.page.wait_for_function("document.getElementById('rec-level').value > 0.3")
    editor.shot("bulletin-record-phone-recording")
    clock_at_least(editor, 3)
    editor.page.click("#rec-stop")
    editor.page.locator("#rec-result").wait_for(state="visible")
    width = editor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the recorder overflows a phone screen ({width}px)"
    for control in ("#rec-again", "#trim_start", "#trim_end", "#trim-play", "#save-button"):
        box = editor.page.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, control
        assert box["height"] >= 40, f"{control} is too small to tap"  # WCAG's target size, near enough
    editor.shot("bulletin-record-phone")


def problem_after_record(person: Person) -> str:
    person.go("/bulletins/new?mode=record")
    if person.page.locator("#rec-start").is_enabled():
        person.page.click("#rec-start")
    problem = person.page.locator("#rec-problem")
    problem.wait_for(state="visible")
    return problem.inner_text()


def test_a_refused_microphone_says_how_to_allow_it(mic_browser: Any, live: LiveCentral, opened: list[Any]) -> None:
    editor = login(mic_browser, live.url, "bientap", opened, microphone=False)
    assert "Micrô đã bị từ chối" in problem_after_record(editor)
    assert editor.page.locator("#save-button").is_disabled()
    assert editor.page.locator("#rec-start").is_enabled()  # allowed later, the person can try again
    editor.shot("bulletin-record-refused")


def test_no_microphone_says_so(browser: Any, live: LiveCentral, opened: list[Any]) -> None:
    editor = login(browser, live.url, "bientap", opened)  # the plain browser has no capture device
    assert "Không tìm thấy micrô" in problem_after_record(editor)


def test_a_page_that_is_not_secure_says_why_there_is_no_microphone(
        mic_browser: Any, live: LiveCentral, opened: list[Any]) -> None:
    base = live.url.replace("127.0.0.1", INSECURE_HOST)
    editor = login(mic_browser, base, "bientap", opened, microphone=False)  # no grant on an insecure origin
    text = problem_after_record(editor)
    assert "trang an toàn" in text and "https://" in text
    assert editor.page.locator("#rec-start").is_disabled()
    assert not editor.page.evaluate("window.isSecureContext")
    editor.shot("bulletin-record-insecure")
    # and in English, from the catalogue
    with editor.page.expect_navigation():
        editor.page.click("a[hreflang=en]")
    editor.go("/bulletins/new?mode=record")
    assert "secure pages" in editor.page.inner_text("#rec-problem")


def test_tts_listen_first_correct_save_read_again_and_delete(
        sessions: Sessions, live: LiveCentral, opened: list[Any]) -> None:
    editor = sessions.login("bientap")
    editor.go("/bulletins/new?mode=tts")
    editor.page.fill("#title", "Họp dân thôn Tân Lập")
    editor.page.select_option("#category", "local-news")
    editor.page.fill("#text", "UBND xã mời bà con họp lúc 17h30 ngày 26/6 tại nhà văn hóa.")
    editor.page.select_option("#engine", "espeak")
    editor.submit("#preview-button")
    spoken = editor.page.input_value("#spoken")
    assert spoken.startswith("Ủy ban nhân dân xã mời bà con họp lúc mười bảy giờ ba mươi phút")
    duration = editor.page.wait_for_function(
        "() => { const a = document.getElementById('preview-audio'); return a.readyState >= 1 && a.duration; }")
    assert float(duration.json_value()) > 2.0
    with live.db():
        assert Bulletin.select().count() == 0, "listening stores nothing"
    editor.shot("bulletin-tts-preview")
    corrected = spoken.replace("nhà văn hóa", "nhà văn hóa thôn Tân Lập")
    editor.page.fill("#spoken", corrected)
    editor.submit("#save-button")
    bid = int(editor.page.url.rsplit("/", 1)[1])
    with live.db():
        first = Bulletin.get_by_id(bid)
        assert first.text == corrected
        old_sha = first.asset.sha256

    editor.page.fill("#text", "Mời bà con họp lúc 19h ngày 27/6 tại hội trường xã.")
    editor.submit("#respeak")
    assert "Đã đọc lại nội dung mới" in editor.flash()
    assert "mười chín giờ ngày hai mươi bảy tháng sáu" in editor.page.input_value("#spoken")
    with live.db():
        b = Bulletin.get_by_id(bid)
        assert b.asset.sha256 != old_sha and b.text.startswith("Mời bà con họp lúc 19h")
        data = audio_library.AssetStore(Path(live.app.config["DATA_DIR"]) / "assets").path(b.asset.sha256).read_bytes()
    assert audio_library.measure(data).duration_ms == pytest.approx(b.asset.duration_ms, abs=100)
    editor.shot("bulletin-tts-draft")

    editor.page.once("dialog", lambda d: d.accept())
    editor.submit("#delete-draft")
    assert editor.page.url.endswith("/bulletins") and "Đã xóa bản nháp" in editor.flash()
    with live.db():
        assert Bulletin.get_or_none(Bulletin.id == bid) is None

    phone = login(sessions.browser, live.url, "bientap", opened, microphone=False, **PHONE)
    phone.go("/bulletins/new?mode=tts")
    phone.page.fill("#text", "Thông báo lịch tiêm chủng ngày 5/12 tại trạm y tế xã.")
    phone.page.select_option("#engine", "espeak")
    phone.submit("#preview-button")
    assert phone.page.input_value("#spoken").endswith("tại trạm y tế xã.")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the TTS form overflows a phone screen ({width}px)"
    phone.shot("bulletin-tts-preview-phone")
    assert SHOTS.exists()
