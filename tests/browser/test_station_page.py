"""The station's local page in Chromium, as a commune operator uses it: a real agent (store, cache,
player loop in its thread, waitress) on loopback, with a sound card as slow as a Pi's.

The README's screenshot of the station page (docs/screenshots/station-local.png) comes from here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from station import config
from station.clock import Clock, system_time
from station.daemon import Agent
from station.store import Store
from station.timeline import expand
from station.ui import hash_password, serve
from tests.station.station_helpers import VN, Central, FakePlayback, FakePlayer, apply

from .conftest import SHOTS

pytestmark = pytest.mark.browser

PASSWORD = "mật-khẩu-xã-đắk-lao"
SLOW_S = 1.5  # opening or letting go of the sound device on a busy Pi


class SlowPlayback(FakePlayback):
    def terminate(self) -> None:
        if self.code is None:
            time.sleep(SLOW_S)  # a player that takes its time to go (the agent waits up to 1 s, then kills)
        super().terminate()


@dataclass
class SlowSoundCard(FakePlayer):
    """The fake sound card of the station tests, slow to start and to stop as a real one can be."""

    def start(self, path: Path, volume: int, on_exit: Callable[[], None]) -> FakePlayback:
        time.sleep(SLOW_S)
        pb = SlowPlayback(path, volume, on_exit, 2000 + len(self.started))
        self.started.append(pb)
        return pb


@dataclass
class StationPage:
    url: str
    agent: Agent
    player: SlowSoundCard


def _seed(store: Store, now: datetime) -> None:
    """Yesterday's plays; the 17:30 slot was found missed at its deadline, after the operator's 17:40 play."""
    day = (now.astimezone(VN) - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    evening = day.replace(hour=17, minute=30)
    store.start_play(title="Chương trình buổi sáng", status="completed", planned_start=day,
                     started_at=day + timedelta(seconds=1), recorded_at=day + timedelta(seconds=1))
    store.start_play(title="Họp dân về phòng cháy rừng", status="local", reason="local_announcement",
                     started_at=evening + timedelta(minutes=10), recorded_at=evening + timedelta(minutes=10))
    store.start_play(title="Tiêm chủng mở rộng tháng 12", status="missed", reason="asset_missing",
                     priority="priority", planned_start=evening, recorded_at=evening + timedelta(minutes=15))


@pytest.fixture
def station_page(tmp_path: Path) -> Iterator[StationPage]:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0"})
    store = Store(cfg.db_path)
    store.put(ui_password=hash_password(PASSWORD), ui_secret="s" * 64, station_id=7)
    clock = Clock(system_time())
    player = SlowSoundCard()
    agent = Agent(cfg, store, clock, player, None, expand)
    central = Central(station_extra={"name": "Đài truyền thanh xã Đắk Lao", "area_name": "Xã Đắk Lao"})
    central.bulletin(1, 600, title="Phòng, chống ma túy trong học đường")
    central.bulletin(2, 120, title="Tiêm chủng mở rộng tháng 12")
    central.bulletin(3, 90, title="Phòng cháy rừng mùa khô")
    soon = datetime.now(VN).replace(tzinfo=None, second=0, microsecond=0)
    central.schedule(10, [1, 3], soon + timedelta(hours=3), rrule="FREQ=DAILY")
    central.schedule(11, [2], soon + timedelta(hours=5), rrule="FREQ=DAILY")
    apply(store, agent.cache, central, clock.now())
    agent.cache.path(central.bulletins[2].asset_sha256).unlink()  # gone from disk: the index still says ready
    _seed(store, clock.now())
    agent.start()
    server = serve(agent, "127.0.0.1", 0)
    yield StationPage(f"http://127.0.0.1:{server.port}", agent, player)
    server.close()
    agent.stop()


@pytest.fixture
def operator(browser: Any, station_page: StationPage) -> Iterator[Any]:
    """A logged-in browser page on the station's local page (desktop width, Vietnamese)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(station_page.url + "/")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    yield page
    context.close()


def _unlabelled(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea",
        "els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
        ".map(e => e.outerHTML)"))


def _row(page: Any, label: str) -> str:
    return str(page.locator("#state tr", has=page.locator("th", has_text=label)).locator("td").inner_text())


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def test_header_labels_numbers_and_icon(browser: Any, station_page: StationPage) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(station_page.url + "/login")
        assert _unlabelled(page) == [], "the password box has a label"
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        _submit(page, page.get_by_role("button", name="Đăng nhập"))
        assert "Xã Đắk Lao" in page.locator("header").inner_text(), "the header names the commune"
        assert _unlabelled(page) == [], "volume, quiet hours, title and file inputs have labels"
        page.get_by_label("Âm lượng tại đài (0–100)").fill("55")  # reachable by its label
        assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d (KB|MB|GB|TB)", _row(page, "Dung lượng trống")), \
            _row(page, "Dung lượng trống")
        assert re.fullmatch(r"2 tệp \(\d+,\d KB\)", _row(page, "Bản tin đã tải")), _row(page, "Bản tin đã tải")
        assert "Đài truyền thanh xã Đắk Lao (mã đài 7)" in page.locator("header").inner_text()
        icon = page.request.get(station_page.url + "/favicon.ico")
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
    finally:
        context.close()


def test_play_and_stop_show_the_state_after_the_action(operator: Any, station_page: StationPage) -> None:
    page = operator
    assert "Không phát" in page.locator("#now-playing").inner_text()
    page.get_by_label("Bản tin đã tải").select_option(label="Phòng, chống ma túy trong học đường")
    _submit(page, page.get_by_role("button", name="Phát", exact=True))
    now = page.locator("#now-playing").inner_text()
    assert "Phòng, chống ma túy trong học đường" in now, now
    assert page.get_by_role("button", name="Dừng phát").count() == 1
    assert station_page.player.current is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "station-local.png"), full_page=True)

    _submit(page, page.get_by_role("button", name="Dừng phát"))
    assert "Đã dừng phát." in page.locator(".msg").inner_text()
    assert "Không phát" in page.locator("#now-playing").inner_text()
    assert page.get_by_role("button", name="Dừng phát").count() == 0
    first = page.locator("#recent tr").nth(1).inner_text()
    assert "Phòng, chống ma túy trong học đường" in first and "Bị ngắt" in first


def test_saved_settings_show_what_is_in_force_and_where_it_comes_from(operator: Any) -> None:
    page = operator
    assert "80% (theo trung tâm)" in page.locator("#volume").inner_text()
    page.locator("#volume-mode").select_option("local")
    page.get_by_label("Âm lượng tại đài (0–100)").fill("50")
    _submit(page, page.locator("#volume button"))
    assert "Đã lưu." in page.locator(".msg").inner_text()
    assert "50% (đặt tại đài)" in page.locator("#volume .inforce").inner_text()
    assert page.locator("#volume-mode").input_value() == "local"

    page.locator("#quiet-mode").select_option("set")
    page.locator("#quiet-start").fill("21:00")
    page.locator("#quiet-end").fill("05:30")
    _submit(page, page.locator("#quiet button"))
    assert "21:00–05:30 (đặt tại đài)" in page.locator("#quiet .inforce").inner_text()
    assert page.locator("#quiet-mode").input_value() == "set", "the selector keeps the saved choice"
    assert "Giờ yên tĩnh" in page.locator("#state").inner_text()
    assert "21:00–05:30 (đặt tại đài)" in _row(page, "Giờ yên tĩnh")


def test_missing_files_and_recent_plays_read_the_same_everywhere(operator: Any) -> None:
    page = operator
    missing = _row(page, "Tệp còn thiếu")
    assert missing.startswith("1") and "Tiêm chủng mở rộng tháng 12" in missing, missing
    flagged = [r for r in page.locator("#next tr").all_inner_texts() if "Thiếu tệp âm thanh" in r]
    assert len(flagged) == 1 and "Lịch 11" in flagged[0], flagged
    options = page.locator("#bulletin option").all_inner_texts()
    assert "Tiêm chủng mở rộng tháng 12" not in options and len(options) == 2

    times = [datetime.strptime(row.split("\t")[0].strip(), "%d/%m/%Y %H:%M")
             for row in page.locator("#recent tr").all_inner_texts()[1:]]
    assert len(times) == 3 and times == sorted(times, reverse=True), times
