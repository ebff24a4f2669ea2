"""The commune operator's page over real HTTP (waitress on loopback), on a real agent with a fake sound card."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from station import config
from station.clock import Clock
from station.daemon import Agent
from station.store import Store
from station.timeline import expand
from station.ui import Server, hash_password, serve

from .station_helpers import Central, FakePlayer, FakeTime, apply, local, utc

PASSWORD = "mật-khẩu-xã-đắk-lao"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[str, Agent, FakePlayer]]:
    cfg = config.load({"LOA_STATION_DIR": str(tmp_path / "st"), "LOA_MIN_FREE_MB": "0"})
    store = Store(cfg.db_path)
    store.put(ui_password=hash_password(PASSWORD), ui_secret="s" * 64, station_id=7)
    player = FakePlayer()
    clock = Clock(FakeTime(utc(local(2026, 6, 1, 6, 0))))
    agent = Agent(cfg, store, clock, player, None, expand)
    central = Central()
    central.bulletin(1, 60, title="Phòng, chống ma túy tháng 6")
    central.schedule(10, [1], local(2026, 6, 1, 17, 30))
    apply(store, agent.cache, central, clock.now())
    agent.loop.refresh()
    server: Server = serve(agent, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.port}", agent, player
    server.close()


def _csrf(html: str) -> str:
    m = re.search(r"name=csrf value=([0-9a-f]+)", html)
    assert m, html[:500]
    return m.group(1)


def login(url: str) -> requests.Session:
    s = requests.Session()
    r = s.post(url + "/login", data={"password": PASSWORD})
    assert r.status_code == 200 and "Đang phát" in r.text
    return s


def test_the_page_needs_the_enrollment_password(page: tuple[str, Agent, FakePlayer]) -> None:
    url, _, _ = page
    r = requests.get(url + "/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    r = requests.post(url + "/login", data={"password": "admin"})
    assert r.status_code == 401 and "Sai mật khẩu" in r.text
    assert requests.post(url + "/stop", data={}).status_code == 403


def test_status_schedule_and_language_switch(page: tuple[str, Agent, FakePlayer]) -> None:
    url, _, _ = page
    s = login(url)
    home = s.get(url + "/").text
    assert "Lịch phát 24 giờ tới" in home and "Lịch 10" in home
    assert "chưa đồng bộ lần nào" in home, "before any sync the page says it plays by its own clock"
    en = s.get(url + "/lang?l=en").text
    assert "Next 24 hours" in en and "never synced" in en
    assert s.get(url + "/status.json").json()["station_id"] == 7


def test_actions_need_the_csrf_token_and_reach_the_player(page: tuple[str, Agent, FakePlayer]) -> None:
    url, agent, player = page
    s = login(url)
    token = _csrf(s.get(url + "/").text)
    assert s.post(url + "/volume", data={"volume": "40"}).status_code == 400, "no token, no change"
    assert agent.store.get("local_volume") is None
    assert s.post(url + "/volume", data={"volume": "40", "csrf": token}).status_code == 200
    assert agent.store.get("local_volume") == 40
    s.post(url + "/quiet", data={"mode": "set", "start": "22:00", "end": "05:30", "csrf": token})
    assert agent.store.get("local_quiet_hours") == {"start": "22:00", "end": "05:30"}
    s.post(url + "/play", data={"bulletin_id": "1", "csrf": token})
    agent.loop.step()
    assert player.current is not None and player.current.volume == 40
    s.post(url + "/stop", data={"csrf": token})
    agent.loop.step()
    assert player.current is None
    r = s.post(url + "/local", data={"title": "Họp dân 19 giờ", "csrf": token},
               files={"file": ("thong-bao.mp3", b"ID3 not really", "audio/mpeg")})
    assert r.status_code == 200
    agent.loop.step()
    assert player.current is not None and player.current.path.suffix == ".mp3"
    plays = agent.store.recent_plays(10)
    assert {(p["status"], p["title"]) for p in plays} >= {("interrupted", "Phòng, chống ma túy tháng 6"),
                                                          ("playing", "Họp dân 19 giờ")}
