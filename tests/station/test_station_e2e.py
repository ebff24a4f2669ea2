"""The agent as real processes against a real central on loopback (marked e2e)."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tests.processes import BIN, Central, Station, play_logs, schedule, soon, wait_for

from .conftest import TamperingProxy, bulletin

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def audio(real_central: Central) -> dict[str, dict[str, Any]]:
    return {
        "short": bulletin(real_central, "Tuyên truyền phòng, chống HIV/AIDS", 3),
        "long": bulletin(real_central, "Phòng, chống mua bán người — bản tin dài", 20),
        "alert": bulletin(real_central, "Cảnh báo lũ quét — khẩn cấp", 3),
    }


def _sha(path: Any) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_enroll_kill_during_download_resume_and_refetch_corrupted(
    real_central: Central, audio: dict[str, dict[str, Any]], make_station: Callable[..., Station]
) -> None:
    st = make_station(real_central.url)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — tải lại")
    db = st.root / "station" / "station.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600, "token and key are owner-only"
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    asset = audio["long"]["asset"]
    schedule(real_central, audio["long"]["id"], sid, soon(3600))

    rate = max(2000, asset["size"] // 8)  # a slow mobile link: the download takes ~8 s
    part = st.root / "station" / "assets" / f"{asset['sha256']}.part"
    final = part.with_suffix("")
    proc = subprocess.Popen([str(BIN / "station"), "sync"], env={**st.env, "LOA_DOWNLOAD_RATE": str(rate)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: part.exists() and part.stat().st_size >= rate, 30, "a partial download")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    have = part.stat().st_size
    assert 0 < have < asset["size"] and not final.exists(), "a half file never counts as cached"

    out = st.run_cli("sync")
    assert "resuming asset" in out.stderr and f"from byte {have}" in out.stderr
    assert _sha(final) == asset["sha256"] and not part.exists()
    assert st.status()["cache"]["missing"] == 0

    final.write_bytes(b"\0" * asset["size"])  # bit rot, or someone's editor
    out = st.run_cli("sync")
    assert "missing or corrupted" in out.stderr
    assert _sha(final) == asset["sha256"], "the corrupted file was fetched again and verified"
    text = st.run_cli("status").stdout
    assert "Đài xã Đắk Lao — tải lại" in text and "24 giờ tới" in text and "Phòng, chống mua bán người" in text


def test_commands_say_what_to_do_before_enrollment(make_station: Callable[..., Station]) -> None:
    st = make_station("http://127.0.0.1:9")
    for cmd in ("run", "sync", "status"):
        out = st.run_cli(cmd, check=False)
        assert out.returncode == 2 and "station enroll" in out.stderr, (cmd, out.stderr)


def test_bad_signature_and_older_manifest_are_refused(
    real_central: Central, audio: dict[str, dict[str, Any]], proxy: TamperingProxy,
    make_station: Callable[..., Station],
) -> None:
    st = make_station(proxy.url)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — chữ ký")
    schedule(real_central, audio["short"]["id"], sid, soon(7200))
    st.run_cli("sync")
    v1 = st.status()["manifest_version"]
    assert v1 is not None and len(proxy.seen_manifests) == 1
    old = proxy.seen_manifests[0]

    schedule(real_central, audio["short"]["id"], sid, soon(7300))

    def forged(reply: dict[str, Any]) -> dict[str, Any]:
        m = dict(reply["manifest"])
        m["bulletins"] = [dict(b, valid_until=None) for b in m["bulletins"]]
        m["version"] = m["version"] + 100
        return {"manifest": m, "signature": reply["signature"]}

    proxy.mutate = forged
    out = st.run_cli("sync", check=False)
    assert out.returncode == 1 and "signature does not verify" in out.stdout
    assert st.status()["manifest_version"] == v1

    proxy.mutate = None
    st.run_cli("sync")
    v2 = st.status()["manifest_version"]
    assert v2 > v1

    schedule(real_central, audio["short"]["id"], sid, soon(7400))
    proxy.mutate = lambda reply: old  # a replay of a genuine, older manifest
    out = st.run_cli("sync", check=False)
    assert out.returncode == 1 and "not newer" in out.stdout
    assert st.status()["manifest_version"] == v2


def test_offline_stretch_with_a_clock_three_hours_off(
    real_central: Central, audio: dict[str, dict[str, Any]], make_station: Callable[..., Station]
) -> None:
    st = make_station(real_central.url, LOA_FAKE_CLOCK_SKEW_S=str(-3 * 3600), LOA_BACKOFF_MAX="4")
    sid = st.enroll(real_central, "Đài xã Đắk Lao — mất mạng")
    planned = [soon(14 + 9 * i) for i in range(4)]
    for at in planned:
        schedule(real_central, audio["short"]["id"], sid, at)
    st.start()
    wait_for(lambda: st.status()["cache"] == {"assets": 1, "missing": 0, "bytes": audio["short"]["asset"]["size"]},
             20, "the station to sync and cache its audio")
    real_central.stop()
    try:
        def local_done() -> bool:
            return sum(p["status"] == "completed" for p in st.status()["recent_plays"]) >= 3
        wait_for(local_done, 60, "three plays while the central is down", 1)
        assert st.status()["online"] in (True, False)
        assert st.proc is not None and st.proc.poll() is None, st.log()
    finally:
        real_central.start()

    def reported() -> list[dict[str, Any]]:
        # the test station plays into the null output: completed on the station, not audible here
        rows = [r for r in play_logs(real_central, sid)
                if r["status"] == "not_audible" and r["sound"]["reported_status"] == "completed"]
        return rows if len(rows) >= 4 else []

    wait_for(reported, 60, "all four plays on the central", 1)
    time.sleep(3)  # a duplicate upload would show up now
    rows = play_logs(real_central, sid)
    assert len(rows) == 4 and len({r["id"] for r in rows}) == 4, rows
    starts = sorted(datetime.fromisoformat(r["started_at"]) for r in rows)
    for got, want in zip(starts, planned, strict=True):
        assert abs((got - want).total_seconds()) <= 2.0, (got, want)
    assert all(r["clock_trusted"] is False for r in rows)
    assert all(abs(r["clock_offset_ms"] - 3 * 3600 * 1000) < 5000 for r in rows)
    status = st.status()
    assert status["clock_trusted"] is False and status["outbox"] == 0

    def heartbeat_seen() -> dict[str, Any] | None:
        r = real_central.api("pheduyet", "GET", f"/api/v1/stations/{sid}")
        body = r.json()
        return body if body.get("last_heartbeat_at") and body.get("clock_trusted") is False else None

    seen = wait_for(heartbeat_seen, 20, "a heartbeat telling the central the clock is untrusted", 1)
    assert abs(seen["clock_offset_ms"] - 3 * 3600 * 1000) < 5000


def test_an_emergency_interrupts_a_normal_bulletin(
    real_central: Central, audio: dict[str, dict[str, Any]], make_station: Callable[..., Station]
) -> None:
    st = make_station(real_central.url)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — khẩn cấp")
    t_normal = soon(12)
    t_alert = soon(17)
    schedule(real_central, audio["long"]["id"], sid, t_normal)
    schedule(real_central, audio["alert"]["id"], sid, t_alert, priority="emergency")
    st.start()

    def done() -> list[dict[str, Any]]:
        rows = play_logs(real_central, sid)
        return rows if {r["status"] for r in rows} >= {"not_audible"} and len(rows) >= 2 else []

    rows = wait_for(done, 60, "the interrupted and the emergency play logs", 1)
    by_bulletin = {r["bulletin_id"]: r for r in rows}
    normal, alert = by_bulletin[audio["long"]["id"]], by_bulletin[audio["alert"]["id"]]
    assert normal["sound"]["reported_status"] == "interrupted" and normal["reason"] == "emergency"
    assert (alert["status"], alert["sound"]["reported_status"]) == ("not_audible", "completed")
    assert normal["status"] == "not_audible" and normal["sound"]["null_output"] is True
    assert abs((datetime.fromisoformat(alert["started_at"]) - t_alert).total_seconds()) <= 2.0
    cut = datetime.fromisoformat(normal["ended_at"])
    assert abs((cut - t_alert).total_seconds()) <= 2.0, "cut at once, not after the bulletin's end"
    assert len(rows) == 2, rows


def test_power_cut_while_playing_is_logged_interrupted_and_not_replayed(
    real_central: Central, audio: dict[str, dict[str, Any]], make_station: Callable[..., Station]
) -> None:
    st = make_station(real_central.url)
    sid = st.enroll(real_central, "Đài xã Đắk Lao — mất điện")
    schedule(real_central, audio["long"]["id"], sid, soon(10), grace_s=600)
    st.start()
    wait_for(lambda: st.status()["now_playing"], 30, "the bulletin to start playing", 0.5)
    assert st.proc is not None
    os.kill(st.proc.pid, signal.SIGKILL)  # the power goes; no chance to close anything
    st.proc.wait()
    st.start()  # power back, well inside the slot's grace

    def reported() -> list[dict[str, Any]]:
        # the null output: interrupted on the station, not audible on the central
        return [r for r in play_logs(real_central, sid) if r["status"] == "not_audible"]

    [cut] = wait_for(reported, 30, "the cut play on the central", 1)
    assert cut["reason"] == "agent_restart" and cut["sound"]["reported_status"] == "interrupted"
    time.sleep(4)
    rows = play_logs(real_central, sid)
    assert rows == [cut] or [r["id"] for r in rows] == [cut["id"]], "not replayed, not reported twice"
    assert st.status()["now_playing"] is None


def test_a_bulletin_due_before_its_audio_has_downloaded_waits_and_is_completed_not_missed(
    real_central: Central, audio: dict[str, dict[str, Any]], make_station: Callable[..., Station]
) -> None:
    """Issue 12: scheduled at now + 5 s on a freshly enrolled station that never saw the audio."""
    asset = audio["short"]["asset"]
    rate = max(1000, asset["size"] // 8)  # a slow link: the download ends well after the planned start
    st = make_station(real_central.url, LOA_DOWNLOAD_RATE=str(rate))
    sid = st.enroll(real_central, "Đài xã Đắk Lao — chờ tải")
    st.start()
    wait_for(lambda: st.status()["manifest_version"] is not None, 30, "the first sync", 0.5)
    planned = soon(5)
    schedule(real_central, audio["short"]["id"], sid, planned)

    def reported() -> list[dict[str, Any]]:
        return [r for r in play_logs(real_central, sid) if r["status"] in ("not_audible", "completed", "missed")]

    [row] = wait_for(reported, 90, "the play log on the central", 1)
    assert (row["status"], row["bulletin_id"]) == ("not_audible", audio["short"]["id"]), row
    assert row["sound"]["reported_status"] == "completed", row
    assert datetime.fromisoformat(row["planned_start"]) == planned
    late = (datetime.fromisoformat(row["started_at"]) - planned).total_seconds()
    assert late > 0 and row["reason"].startswith("late_asset: "), row
    assert "waits for its audio" in st.log()
