"""The commune operator's page over real HTTP (waitress on loopback), on a real agent with a fake sound card."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from babel.numbers import format_decimal

from station import config
from station.clock import Clock
from station.daemon import Agent
from station.status import settings_in_force
from station.store import Store
from station.timeline import expand
from station.ui import Server, hash_password, serve
from station.ui_text import Words

from .station_helpers import Central, FakePlayer, FakeTime, apply, local, utc

PASSWORD = "mật-khẩu-xã-đắk-lao"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[str, Agent, FakePlayer]]:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0"})
    store = Store(cfg.db_path)
    store.put(ui_password=hash_password(PASSWORD), ui_secret="s" * 64, station_id=7)
    player = FakePlayer()
    clock = Clock(FakeTime(utc(local(2026, 6, 1, 6, 0))))
    agent = Agent(cfg, store, clock, player, None, expand)
    central = Central(station_extra={"area_name": "Xã Đắk Lao"})
    central.bulletin(1, 60, title="Phòng, chống ma túy tháng 6")
    central.schedule(10, [1], local(2026, 6, 1, 17, 30), rrule="FREQ=DAILY")
    apply(store, agent.cache, central, clock.now())
    agent.start()  # the player loop runs in its thread, as in `station run`
    server: Server = serve(agent, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.port}", agent, player
    server.close()
    agent.stop()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(url: str, password: str = PASSWORD) -> requests.Session:
    s = requests.Session()
    r = s.post(url + "/login", data={"password": password})
    assert r.status_code == 200 and "Đang phát" in r.text
    return s


def _section(html: str, name: str) -> str:
    m = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert m, name
    return m.group(1)


def test_the_page_needs_the_enrollment_password(page: tuple[str, Agent, FakePlayer]) -> None:
    url, _, _ = page
    r = requests.get(url + "/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    r = requests.post(url + "/login", data={"password": "admin"})
    assert r.status_code == 401 and "Sai mật khẩu" in r.text
    assert requests.post(url + "/stop", data={}).status_code == 403
    forged = requests.get(url + "/", cookies={"loa_session": "x.y.z"}, allow_redirects=False)
    assert forged.status_code == 303


def test_a_station_enrolled_before_werkzeug_hashes_still_logs_in(page: tuple[str, Agent, FakePlayer]) -> None:
    """A deployed station keeps its operator: the old ``scrypt$salt$digest`` works once, then is rewritten."""
    url, agent, _ = page
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1)
    agent.store.put(ui_password=f"scrypt${salt.hex()}${digest.hex()}")
    assert requests.post(url + "/login", data={"password": "sai"}).status_code == 401
    login(url)
    assert agent.store.get("ui_password").startswith("scrypt:16384:8:1$")
    login(url)  # and the rewritten hash works from then on
    assert requests.post(url + "/login", data={"password": "sai"}).status_code == 401


def test_status_schedule_and_language_switch(page: tuple[str, Agent, FakePlayer]) -> None:
    url, _, _ = page
    s = login(url)
    home = s.get(url + "/").text
    assert "Lịch phát 24 giờ tới" in home and "Lịch 10" in home
    assert "chưa đồng bộ lần nào" in home, "before any sync the page says it plays by its own clock"
    assert "Xã Đắk Lao" in home and "Đài xã Đắk Mol (mã đài 7)" in home
    en = s.get(url + "/lang?l=en").text
    assert "Next 24 hours" in en and "never synced" in en and "Planned" in en and "station no. 7" in en
    assert s.get(url + "/status.json").json()["station_id"] == 7
    icon = requests.get(url + "/favicon.ico")
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/")


def test_actions_need_the_csrf_token_and_the_page_shows_their_effect(page: tuple[str, Agent, FakePlayer]) -> None:
    url, agent, player = page
    s = login(url)
    token = _csrf(s.get(url + "/").text)
    assert s.post(url + "/volume", data={"volume": "40"}).status_code == 400, "no token, no change"
    assert agent.store.get("local_volume") is None
    assert s.post(url + "/volume", data={"volume": "40", "csrf": token}).status_code == 200
    assert agent.store.get("local_volume") == 40
    s.post(url + "/quiet", data={"mode": "set", "start": "22:00", "end": "05:30", "csrf": token})
    assert agent.store.get("local_quiet_hours") == {"start": "22:00", "end": "05:30"}
    r = s.post(url + "/play", data={"bulletin_id": "1", "csrf": token})
    assert "Phòng, chống ma túy tháng 6" in _section(r.text, "now-playing"), "the page shows the play it started"
    assert player.current is not None and player.current.volume == 40
    r = s.post(url + "/stop", data={"csrf": token})
    assert "Không phát" in _section(r.text, "now-playing") and "Đã dừng phát." in r.text
    assert player.current is None
    r = s.post(url + "/local", data={"title": "Họp dân 19 giờ", "csrf": token},
               files={"file": ("thong-bao.mp3", b"ID3 not really", "audio/mpeg")})
    assert "Họp dân 19 giờ" in _section(r.text, "now-playing")
    assert player.current is not None and player.current.path.suffix == ".mp3"
    plays = agent.store.recent_plays(10)
    assert {(p["status"], p["title"]) for p in plays} >= {("interrupted", "Phòng, chống ma túy tháng 6"),
                                                          ("playing", "Họp dân 19 giờ")}


def test_settings_in_force_say_where_they_come_from(page: tuple[str, Agent, FakePlayer]) -> None:
    url, agent, _ = page
    s = login(url)
    home = s.get(url + "/").text
    assert "80% (theo trung tâm)" in _section(home, "volume")
    token = _csrf(home)
    r = s.post(url + "/volume", data={"mode": "local", "volume": "50", "csrf": token})
    r = s.post(url + "/quiet", data={"mode": "set", "start": "21:00", "end": "05:30", "csrf": token})
    assert "Đã lưu." in r.text
    assert "50% (đặt tại đài)" in _section(r.text, "volume")
    assert "21:00–05:30 (đặt tại đài)" in _section(r.text, "quiet")
    assert re.search(r'<option value="set" selected>', _section(r.text, "quiet")), "the selector keeps the choice"
    assert re.search(r'<option value="local" selected>', _section(r.text, "volume"))
    beat = s.get(url + "/status.json").json()["settings"]  # the heartbeat body carries the same
    assert beat["volume"] == 50 and beat["volume_source"] == "local"
    assert beat["quiet_hours"] == {"start": "21:00", "end": "05:30"} and beat["quiet_hours_source"] == "local"
    s.post(url + "/quiet", data={"mode": "off", "csrf": token})
    r = s.post(url + "/volume", data={"mode": "central", "volume": "50", "csrf": token})
    assert "80% (theo trung tâm)" in _section(r.text, "volume") and "tắt (đặt tại đài)" in _section(r.text, "quiet")


def test_the_rule_for_settings_in_force_is_the_player_loops(tmp_path: Path) -> None:
    store = Store(tmp_path / "station.db")
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0"})
    clock = Clock(FakeTime(utc(local(2026, 6, 1, 6, 0))))
    agent = Agent(cfg, store, clock, FakePlayer(), None, expand)
    central = Central()
    central.settings = central.settings.__class__(volume=70, quiet_hours=None)
    apply(store, agent.cache, central, clock.now())
    for volume, quiet in ((None, None), (30, "off"), (None, {"start": "22:00", "end": "05:00"}), (0, None)):
        store.put(local_volume=volume, local_quiet_hours=quiet)
        agent.loop.refresh()
        shown, used = settings_in_force(store), agent.loop.settings
        assert shown["volume"] == used.volume
        assert shown["quiet_hours"] == (None if used.quiet_hours is None else {
            "start": used.quiet_hours.start.strftime("%H:%M"), "end": used.quiet_hours.end.strftime("%H:%M")})


def test_a_file_gone_from_disk_is_missing_everywhere_the_station_says_so(
        page: tuple[str, Agent, FakePlayer]) -> None:
    url, agent, _ = page
    s = login(url)
    sha = next(iter(agent.loop.content.bulletins.values())).asset_sha256  # type: ignore[union-attr]
    agent.cache.path(sha).unlink()  # the index still says ready: an SD card error, a careless rm
    home = s.get(url + "/").text
    state = _section(home, "state")
    assert re.search(r"Tệp còn thiếu</th><td class=\"bad\">1: Phòng, chống ma túy tháng 6", state), state
    assert "Thiếu tệp âm thanh" in _section(home, "next")
    assert "Chưa có bản tin nào đã tải." in _section(home, "play-now")
    assert s.get(url + "/status.json").json()["cache"]["missing"] == 1


def test_numbers_are_formatted_as_babel_formats_them() -> None:
    for lang in ("vi", "en"):
        w = Words(lang)
        for n in (0, 7, 999, 1000, 12345, 246038, 78619000, 80530636800):
            assert w.number(n) == format_decimal(n, locale=lang, group_separator=True)
        assert w.number(3.75, 1) == format_decimal(3.8, format="#,##0.0", locale=lang)
    vi = Words("vi")
    assert vi.size(78619 * 2**20) == "76,8 GB" and vi.size(246038) == "240,3 KB" and vi.size(512) == "512 B"
    assert Words("en").size(78619 * 2**20) == "76.8 GB"


def test_station_status_words_it_like_the_page(page: tuple[str, Agent, FakePlayer]) -> None:
    _, agent, _ = page
    env = dict(os.environ, LOA_STATION_DIR=str(agent.cfg.station_dir), LOA_MIN_FREE_MB="0",
               PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "station", "status"], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "{'assets'" not in out and "{" not in out, "no raw dict"
    assert "Bản tin đã tải: 1 tệp (3,9 KB)" in out and "Tệp còn thiếu: 0" in out
    assert "Âm lượng: 80% (theo trung tâm)" in out and "Giờ yên tĩnh: không có (theo trung tâm)" in out
    assert "Xã Đắk Lao" in out and "Dự kiến" in out
    for english in ("planned", "completed", "normal", "online", "offline"):
        assert not re.search(rf"\b{english}\b", out), english
    en = subprocess.run([sys.executable, "-m", "station", "status", "--lang", "en"], env=env, capture_output=True,
                        text=True, timeout=60, check=True).stdout
    assert "Files missing: 0" in en and "Planned" in en
