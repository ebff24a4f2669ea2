"""How it sounded, end to end (issue 15 §1): real central, real agent, real ffmpeg players and monitors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.processes import Central, Station, play_logs, schedule, soon, wait_for

from .conftest import bulletin
from .test_station_sound import SILENCE

pytestmark = pytest.mark.e2e

# a "sound card" that swallows the sound: real time, a real output format, and silence in the room
DEAF_CARD = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f wav -y /dev/null"


def _station_api(central: Central, sid: int) -> dict[str, Any]:
    r = central.api("pheduyet", "GET", f"/api/v1/stations/{sid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_station_on_the_null_output_says_so_and_its_speaker_test_too(
        real_central: Central, make_station: Callable[..., Station]) -> None:
    st = make_station(real_central.url)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — đầu ra câm")
    st.start()
    seen = wait_for(lambda: (_station_api(real_central, sid).get("sound") or None), 60, "a heartbeat with sound", 1)
    assert seen["null_output"] is True and seen["audibility"] == "not_audible", seen
    r = real_central.api("pheduyet", "POST", f"/api/v1/stations/{sid}/speaker-test")
    assert r.status_code == 202, r.text
    test_id = r.json()["id"]

    def reported() -> dict[str, Any] | None:
        test = (_station_api(real_central, sid).get("sound") or {}).get("speaker_test") or {}
        return test if test.get("id") == test_id else None

    test = wait_for(reported, 60, f"the speaker test's result\n{st.log()[-3000:]}", 1)
    assert (test["status"], test["audibility"], test["source"]) == ("completed", "not_audible", "central"), test


def test_a_station_whose_monitor_hears_silence_logs_failed_to_sound(
        real_central: Central, make_station: Callable[..., Station]) -> None:
    short = bulletin(real_central, "Tuyên truyền phòng, chống ma túy — thử tiếng", 4)
    st = make_station(real_central.url, LOA_PLAYER=DEAF_CARD, LOA_MONITOR=SILENCE)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — loa câm")
    schedule(real_central, short["id"], sid, soon(12))
    st.start()

    def logged() -> list[dict[str, Any]]:
        return [r for r in play_logs(real_central, sid) if r["status"] not in ("playing",)]

    [row] = wait_for(logged, 90, f"the play log on the central\n{st.log()[-3000:]}", 1)
    assert row["status"] == "failed_to_sound", row
    assert row["sound"]["reported_status"] == "failed" and row["sound"]["monitor"] is True
    assert row["sound"]["level_lufs"] is not None and row["sound"]["level_lufs"] < -60
    assert row["reason"].startswith("failed_to_sound: the monitor heard at most"), row
    body = real_central.api("pheduyet", "GET", "/api/v1/reports/summary?group_by=station").json()
    [mine] = [x for x in body["rows"] if x["key"] == str(sid)]
    assert (mine["plays"], mine["minutes_aired"], mine["failed_to_sound"]) == (0, 0.0, 1), mine
