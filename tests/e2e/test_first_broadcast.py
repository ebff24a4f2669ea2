"""The walking skeleton, real all the way: upload → approve → schedule → sync → play → proof of play.

The central and the station agent run as separate OS processes on loopback; the station plays
through a real ffmpeg subprocess in real time (null output, no sound card here).
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.processes import Central, Station, approved_bulletin, play_logs, schedule, soon, wait_for

pytestmark = pytest.mark.e2e

LEAD_S = 25  # enough for the station to enroll, sync, fetch and verify before the slot


def test_first_broadcast(central: Central, station: Station) -> None:
    station_id = station.enroll(central, "Đài xã Đắk Lao")
    bulletin = approved_bulletin(central, "Phòng, chống ma túy — bản tin thử")
    planned = soon(LEAD_S)
    schedule(central, bulletin["id"], station_id, planned)
    station.start()

    def completed() -> list[dict]:
        # the null output (no sound card here): the station completed it, nobody could hear it
        return [row for row in play_logs(central, station_id)
                if row["status"] == "not_audible" and row["sound"]["reported_status"] == "completed"]

    try:
        wait_for(completed, LEAD_S + 60, "the play log on the central", 0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- station log:\n{station.log()[-4000:]}\n--- central log:\n"
                             f"{central.log_path.read_text(errors='replace')[-4000:]}") from None
    assert station.proc is not None and station.proc.poll() is None, station.log()
    time.sleep(3)  # a duplicate upload, were the agent to re-send, would show up by now
    rows = [row for row in completed() if row["asset_sha256"] == bulletin["asset"]["sha256"]]
    assert len(rows) == 1, rows
    started = datetime.fromisoformat(rows[0]["started_at"])
    lateness = abs((started - planned).total_seconds())
    assert lateness <= 2.0, f"started {started.isoformat()} for {planned.isoformat()}: {lateness:.3f} s off"
    assert datetime.fromisoformat(rows[0]["planned_start"]) == planned
