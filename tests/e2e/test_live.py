"""Live announcements end to end with real processes: a central (waitress), Mosquitto, Icecast, two station
agents, and Chromium with a fake microphone.

The agents poll once an hour: within the test only the push channel reaches them. Their live player
writes what it hears to a WAV (``tests.live_helpers.capture_template``), the real output the test
measures. Nothing here asserts a time: the delays are measured by bench/live.py.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_helpers import (
    LiveWorld,
    Speaker,
    ebur128,
    ffmpeg,
    heard,
    heard_seconds,
    live_world,
    voice_wav,
)
from tests.processes import AREA, Station, approved_bulletin, play_logs, schedule, soon, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.mqtt, pytest.mark.icecast]

TARGET_LUFS = -16.0  # the bulletin target (audio_library's speech profile)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[LiveWorld]:
    w = live_world(tmp_path, LOA_LIVE_LOST_S="4")
    yield w
    w.stop()


def _live_logs(w: LiveWorld, s: Station, bulletin_id: int) -> list[dict[str, Any]]:
    return [p for p in play_logs(w.central, s.id) if p["bulletin_id"] == bulletin_id and p["status"] != "playing"]


def _joined(s: Station, live_id: int) -> bool:
    return heard_seconds(s.root, live_id) > 1.0


def _plays_schedule_again(w: LiveWorld, bulletin: dict[str, Any]) -> None:
    """A bulletin scheduled now plays on every station: the live no longer holds the schedule."""
    at = soon(6)
    ids = {s.id: schedule(w.central, bulletin["id"], s.id, at) for s in w.stations}
    for s in w.stations:
        wait_for(lambda s=s: any(p["schedule_id"] == ids[s.id] and p["sound"]["reported_status"] == "completed"
                                 for p in play_logs(w.central, s.id)),
                 120, f"station {s.id} to play its schedule again\n{s.log()[-3000:]}", 1)


def test_stations_return_to_their_schedule_when_the_live_ends_and_when_its_stream_is_lost(
        world: LiveWorld, tmp_path: Path) -> None:
    w = world
    bulletin = approved_bulletin(w.central, "Bản tin phòng, chống ma túy", seconds=3)
    short, long = voice_wav(tmp_path / "a.wav", 8), voice_wav(tmp_path / "b.wav", 60)
    live = w.go_live("bientap.xa", "Thông báo lịch tiêm phòng")
    speaker = Speaker(w.central.url, w.central.tokens["bientap.xa"], live["id"], short)
    speaker.start()
    for s in w.stations:
        wait_for(lambda s=s: _joined(s, live["id"]), 60, f"station {s.id} to play the live\n{s.log()[-3000:]}")
    speaker.wait()
    assert speaker.errors == []
    r = w.central.api("bientap.xa", "POST", f"/api/v1/live/{live['id']}/end")
    assert r.status_code == 200, r.text
    for s in w.stations:  # the speaker ended it: a completed play of the archive bulletin
        logs = wait_for(lambda s=s: _live_logs(w, s, live["bulletin_id"]), 60, f"station {s.id}'s live play log")
        assert [(p["sound"]["reported_status"], p["reason"]) for p in logs] == [("completed", "live")], logs
    _plays_schedule_again(w, bulletin)

    lost = w.go_live("bientap.xa", "Thông báo thứ hai")
    speaker = Speaker(w.central.url, w.central.tokens["bientap.xa"], lost["id"], long)
    speaker.start()
    try:
        for s in w.stations:
            wait_for(lambda s=s: _joined(s, lost["id"]), 60, f"station {s.id} to play the second live\n{s.log()[-3000:]}")
        w.icecast.stop()  # the stream is gone; the central still has the live on air
        for s in w.stations:
            logs = wait_for(lambda s=s: _live_logs(w, s, lost["bulletin_id"]), 60,
                            f"station {s.id} to give the lost stream up\n{s.log()[-3000:]}")
            assert [(p["sound"]["reported_status"], p["reason"]) for p in logs] == [("interrupted", "live_lost")]
        _plays_schedule_again(w, bulletin)
    finally:
        speaker.stop()
    r = w.central.api("pheduyet", "POST", f"/api/v1/live/{lost['id']}/end")  # an approver ends it
    assert r.status_code == 200 and r.json()["status"] == "ended", r.text


def test_chromium_goes_live_to_two_stations_and_the_archive_is_at_the_bulletin_loudness(
        world: LiveWorld, tmp_path: Path, browser_binary: str, playwright: Any) -> None:
    w = world
    mic = voice_wav(tmp_path / "mic.wav", 20)
    # one Playwright per process (tests/conftest.py): the browser tests' is still open here
    chromium = playwright.chromium.launch(executable_path=browser_binary, args=[
        "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic}", "--autoplay-policy=no-user-gesture-required"])
    try:
        page = chromium.new_context(locale="vi-VN").new_page()
        page.set_default_timeout(60_000)
        page.goto(w.central.url + "/login")
        page.fill("#name", "bientap.xa")
        page.fill("#password", w.passwords["bientap.xa"])
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        page.click("#go-live")  # on the dashboard, where a person lands
        page.fill("#live-title", "Thông báo khẩn về lịch tiêm phòng")
        page.check(f"input[name=areas][value='{AREA}']")
        page.click("#live-start")
        page.wait_for_selector("#live-stop:not([hidden])")
        live_id = int(page.get_attribute("#live-form", "data-live-id") or 0)
        assert "Đang phát trực tiếp" in page.inner_text("#live-status")
        for s in w.stations:
            wait_for(lambda s=s: heard_seconds(s.root, live_id) > 4.0, 90,
                     f"station {s.id} to play Chromium's live\n{s.log()[-3000:]}")
        page.click("#live-stop")
        page.wait_for_selector(f"#live-form[data-ended='{live_id}']")
    finally:
        chromium.close()
    got = w.central.api("bientap.xa", "GET", f"/api/v1/live/{live_id}").json()
    assert got["status"] == "ended" and got["note"] is None, got
    b = w.central.api("pheduyet", "GET", f"/api/v1/bulletins/{got['bulletin_id']}").json()
    assert b["status"] == "aired-live" and b["asset"] is not None, b
    archive = tmp_path / "archive.ogg"
    archive.write_bytes(_asset_bytes(w, b["asset"]["sha256"]))
    assert abs(ebur128(archive) - TARGET_LUFS) <= 1.0, "the archive was not levelled to the bulletin target"
    for s in w.stations:
        logs = wait_for(lambda s=s: _live_logs(w, s, got["bulletin_id"]), 60, f"station {s.id}'s live play log")
        assert [(p["sound"]["reported_status"], p["reason"]) for p in logs] == [("completed", "live")], logs
        longest = max(heard(s.root, live_id), key=lambda p: p.stat().st_size)
        assert ebur128(longest) > -40, "the station's output is silent"


def _asset_bytes(w: LiveWorld, sha256: str) -> bytes:
    path = Path(w.central.env["LOA_DATA_DIR"]) / "assets" / sha256[:2] / sha256
    if path.exists():
        return path.read_bytes()
    found = list((Path(w.central.env["LOA_DATA_DIR"]) / "assets").rglob(f"{sha256}*"))
    assert found, f"asset {sha256} not in the store"
    return found[0].read_bytes()


@pytest.fixture
def browser_binary() -> str:
    path = "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip(f"{path} is missing")
    subprocess.run([ffmpeg(), "-version"], capture_output=True, check=True)
    return path
