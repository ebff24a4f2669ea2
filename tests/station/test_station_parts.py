"""The agent's parts one by one: manifest checks, clock, outbox, backoff, client time limits, players."""

from __future__ import annotations

import json
import random
import threading
import wave
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from station.client import CentralClient, ManifestReply, Timeouts
from station.clock import Clock, boot_id
from station.errors import CentralUnavailable, ManifestRejected
from station.ffmpeg import ffmpeg_exe
from station.manifest import verify
from station.player import NULL_TEMPLATE, CommandPlayer, detect
from station.store import Store
from station.sync import Syncer, SyncPolicy, SyncResult
from tests.processes import free_port

from .station_helpers import Central, FakeTime, FullDisk

T0 = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


# --- manifest ----------------------------------------------------------------------------------

def test_a_signed_newer_manifest_is_accepted_and_anything_else_refused() -> None:
    c = Central()
    c.bulletin(1, 30)
    c.schedule(5, [1], datetime(2026, 6, 1, 6, 0))
    good = c.manifest(T0)
    assert verify(good, c.public_key, None).version == 1
    assert verify(good, c.public_key, 0).schedules[0].id == 5
    with pytest.raises(ManifestRejected, match="not newer"):
        verify(good, c.public_key, 1)
    forged = {"manifest": dict(good["manifest"], version=9), "signature": good["signature"]}
    with pytest.raises(ManifestRejected, match="signature"):
        verify(forged, c.public_key, None)
    with pytest.raises(ManifestRejected, match="signature"):
        verify(good, Central().public_key, None)  # signed by another central
    with pytest.raises(ManifestRejected, match="malformed"):
        verify({"manifest": good["manifest"]}, c.public_key, None)


def test_a_manifest_naming_an_unlisted_asset_is_refused() -> None:
    c = Central()
    c.bulletin(1, 30)
    c.blobs.clear()
    with pytest.raises(ManifestRejected, match="does not list"):
        verify(c.manifest(T0), c.public_key, None)


# --- clock -------------------------------------------------------------------------------------

def test_clock_learns_its_offset_from_the_midpoint_and_trusts_only_a_close_clock() -> None:
    ft = FakeTime(T0)
    clock = Clock(ft, trust_threshold_s=2)
    assert not clock.trusted and not clock.synced and clock.now() == T0, "before a sync: own clock, untrusted"
    server = T0 + timedelta(hours=3, seconds=1)
    clock.observe(server, sent=T0, received=T0 + timedelta(seconds=2))
    assert clock.offset_ms == 3 * 3600 * 1000 and not clock.trusted
    assert clock.now() == T0 + timedelta(hours=3)
    clock.observe(T0 + timedelta(milliseconds=1500), sent=T0, received=T0)
    assert clock.trusted


def test_a_saved_offset_is_reused_only_within_the_same_boot() -> None:
    clock = Clock(FakeTime(T0))
    assert not clock.restore(5000, "another-boot")
    assert clock.offset_ms == 0
    if boot_id() != "unknown":
        assert clock.restore(5000, boot_id()) and clock.now() == T0 + timedelta(seconds=5)


# --- outbox ------------------------------------------------------------------------------------

def test_outbox_marks_sends_and_deletes_and_resends_a_batch_cut_by_a_crash(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    ids = [store.start_play(slot_id=f"1@{i}", status="completed", started_at=T0 + timedelta(minutes=i))
           for i in range(5)]
    playing = store.start_play(slot_id="1@9", status="playing", started_at=T0 + timedelta(minutes=9))
    batch, logs = store.mark_batch(3)
    assert [x["id"] for x in logs] == ids[:3]
    # crash here: the batch may or may not have reached the central; it is sent again, whole
    store.close()
    store = Store(tmp_path / "s.db")
    again, logs2 = store.mark_batch(3)
    assert again == batch and [x["id"] for x in logs2] == ids[:3]
    store.delete_batch(batch)
    _, rest = store.mark_batch(10)
    assert [x["id"] for x in rest] == ids[3:], "a play still sounding is held back"
    assert playing not in {x["id"] for x in rest} and store.outbox_size() == 3


# --- sync policy -------------------------------------------------------------------------------

def test_backoff_grows_with_jitter_is_capped_and_honours_retry_after(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    policy = SyncPolicy(interval_s=60, jitter=0.2, backoff_base_s=5, backoff_max_s=300)
    s = Syncer(store, None, None, Clock(FakeTime(T0)), policy, rng=random.Random(1))  # type: ignore[arg-type]
    ok = [s.next_delay(SyncResult()) for _ in range(50)]
    assert all(48 <= d <= 72 for d in ok) and len(set(ok)) > 1
    fails = [s.next_delay(SyncResult(ok=False)) for _ in range(12)]
    assert fails[0] <= 5 and fails[3] > fails[0] and max(fails) <= 300 and fails[-1] >= 150
    assert s.next_delay(SyncResult(ok=False, retry_after_s=1200)) == 1200
    assert 48 <= s.next_delay(SyncResult()) <= 72, "one success resets the backoff"


# --- client time limits ------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    mode = "busy"

    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.mode == "busy":
            self.send_response(503)
            self.send_header("Retry-After", "120")
            self.send_header("X-Loa-Server-Time", "2026-06-01T03:00:00.000+00:00")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:  # a link that stalls mid-reply
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
            threading.Event().wait(5)


@pytest.fixture
def server() -> object:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_client_reports_busy_central_with_retry_after_and_learns_server_time(server: ThreadingHTTPServer) -> None:
    _Handler.mode = "busy"
    clock = Clock(FakeTime(T0))
    c = CentralClient(f"http://127.0.0.1:{server.server_address[1]}", "tok", Timeouts(1, 1, 2),
                      clock.system_now, clock.observe)
    with pytest.raises(CentralUnavailable) as e:
        c.manifest(None)
    assert e.value.retry_after_s == 120
    assert clock.offset_ms == 3 * 3600 * 1000


def test_client_gives_up_on_a_stalled_reply_instead_of_hanging(server: ThreadingHTTPServer) -> None:
    _Handler.mode = "stall"
    c = CentralClient(f"http://127.0.0.1:{server.server_address[1]}", "tok", Timeouts(1, 0.5, 1),
                      lambda: T0)
    with pytest.raises(CentralUnavailable):
        c.manifest(None)


def test_client_reports_a_closed_port_as_unavailable() -> None:
    port = free_port()
    c = CentralClient(f"http://127.0.0.1:{port}", "tok", Timeouts(1, 1, 2), lambda: T0)
    with pytest.raises(CentralUnavailable):
        c.heartbeat({})


# --- players -----------------------------------------------------------------------------------

def test_ffmpeg_is_the_one_audio_library_uses() -> None:
    import audio_library

    assert ffmpeg_exe() == audio_library.ffmpeg_exe()


def test_player_template_and_detection_without_a_sound_card(tmp_path: Path) -> None:
    p = CommandPlayer("mpg123 -q -f {scale} {path}", "x")
    assert p.argv(tmp_path / "bản tin.mp3", 50) == ["mpg123", "-q", "-f", "16384", str(tmp_path / "bản tin.mp3")]
    null = detect(None, "/opt/ffmpeg", sound=False)
    assert null.template == NULL_TEMPLATE and "null" in null.description
    assert detect("aplay -q {path}", "/opt/ffmpeg").template == "aplay -q {path}"


def _wav(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x00" * int(8000 * seconds))
    return path


def test_null_output_plays_in_real_time_and_stops_at_once(tmp_path: Path) -> None:
    player = detect(None, ffmpeg_exe(), sound=False)
    ended = threading.Event()
    pb = player.start(_wav(tmp_path / "a.wav", 1.0), 80, ended.set)
    assert pb.poll() is None, "-re: a one-second file is still playing right after start"
    assert ended.wait(10) and pb.poll() == 0
    ended.clear()
    pb = player.start(_wav(tmp_path / "b.wav", 30.0), 80, ended.set)
    pb.terminate()
    assert ended.wait(5) and pb.poll() not in (None, 0)


def test_a_broken_file_makes_the_player_fail_with_its_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "hỏng.mp3"
    bad.write_bytes(b"not audio at all")
    ended = threading.Event()
    pb = detect(None, ffmpeg_exe(), sound=False).start(bad, 80, ended.set)
    assert ended.wait(10)
    assert pb.poll() != 0 and pb.stderr_tail()


def test_a_difference_within_the_round_trip_is_not_taken_for_skew() -> None:
    clock = Clock(FakeTime(T0))
    clock.observe(T0 + timedelta(milliseconds=60), sent=T0, received=T0 + timedelta(milliseconds=200))
    assert clock.offset_ms == 0 and clock.trusted
    clock.observe(T0 + timedelta(milliseconds=400), sent=T0, received=T0 + timedelta(milliseconds=200))
    assert clock.offset_ms == 300


# --- asset cache housekeeping ------------------------------------------------------------------

def test_disk_floor_stops_downloads_and_says_so(tmp_path: Path) -> None:
    from station.assets import AssetCache
    from station.errors import AssetError

    store = Store(tmp_path / "s.db")
    c = Central()
    c.bulletin(1, 30)
    reply = c.manifest(T0)
    store.apply_manifest(reply["manifest"], "{}", reply["signature"], T0)
    cache = AssetCache(tmp_path / "assets", store, min_free_bytes=2**62)

    class NoNetwork:  # the download must not even be tried
        def download(self, *a: object) -> None:
            raise AssertionError("downloaded despite a full disk")

    [asset] = cache.missing(T0, {})
    with pytest.raises(AssetError, match="not enough free disk"):
        cache.fetch(asset, NoNetwork(), T0)  # type: ignore[arg-type]


def test_unused_audio_is_collected_after_a_while_but_never_while_playing(tmp_path: Path) -> None:
    from station.assets import AssetCache

    store = Store(tmp_path / "s.db")
    cache = AssetCache(tmp_path / "assets", store, gc_after_s=3600)
    c = Central()
    c.bulletin(1, 30)
    c.bulletin(2, 30)
    for k, v in c.blobs.items():
        cache.path(k).write_bytes(v)
    reply = c.manifest(T0)
    store.apply_manifest(reply["manifest"], "{}", reply["signature"], T0)
    cache.verify_all()
    assert cache.stats()["assets"] == 2
    one, two = (c.bulletins[i].asset_sha256 for i in (1, 2))
    c.bulletins.pop(1), c.bulletins.pop(2)
    c.blobs.clear()
    reply = c.manifest(T0)
    store.apply_manifest(reply["manifest"], "{}", reply["signature"], T0)  # neither is listed any more
    assert cache.collect_garbage(T0 + timedelta(minutes=30), playing=()) == []
    assert cache.collect_garbage(T0 + timedelta(hours=2), playing={one}) == [two]
    assert cache.path(one).exists() and not cache.path(two).exists()


class _PickyCentral(BaseHTTPRequestHandler):
    """The play-logs call as the contract states it: a batch with any invalid log is refused whole."""

    stored: list[str] = []

    def log_message(self, *a: object) -> None:
        pass

    def do_POST(self) -> None:
        import json

        logs = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["logs"]
        bad = [i for i, x in enumerate(logs) if x["status"] not in ("completed", "missed", "interrupted")]
        if bad:
            body, code = json.dumps({"detail": f"logs[{bad[0]}].status is invalid"}).encode(), 400
        else:
            new = [x["id"] for x in logs if x["id"] not in self.stored]
            self.stored.extend(new)
            body, code = json.dumps({"accepted": len(new), "duplicates": len(logs) - len(new)}).encode(), 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_one_invalid_log_is_parked_and_does_not_block_the_others(tmp_path: Path) -> None:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _PickyCentral)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        store = Store(tmp_path / "s.db")
        good = [store.start_play(slot_id=f"1@{i}", status="completed", started_at=T0) for i in range(3)]
        odd = store.start_play(slot_id="1@x", status="weird", started_at=T0)
        clock = Clock(FakeTime(T0))
        client = CentralClient(f"http://127.0.0.1:{srv.server_address[1]}", "tok", Timeouts(1, 2, 5), clock.system_now)
        s = Syncer(store, None, client, clock, SyncPolicy())  # type: ignore[arg-type]
        assert s._upload_logs() == 3
        assert sorted(_PickyCentral.stored) == sorted(good)
        assert store.outbox_size() == 1 and store.refused_count() == 1, "the odd one is kept, not lost"
        assert s._upload_logs() == 0, "and not sent again and again"
        assert odd in {p["id"] for p in store.recent_plays()}
    finally:
        srv.shutdown()
        srv.server_close()


def test_sync_interval_follows_the_central_unless_the_environment_sets_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    c = Central(station_extra={"sync_interval_s": 120, "heartbeat_interval_s": 600})
    reply = c.manifest(T0)
    store.apply_manifest(reply["manifest"], json.dumps(reply["manifest"]), reply["signature"], T0)
    central_set = Syncer(store, None, None, Clock(FakeTime(T0)), SyncPolicy(jitter=0.1))  # type: ignore[arg-type]
    assert all(108 <= central_set.next_delay(SyncResult()) <= 132 for _ in range(20))
    env_set = Syncer(store, None, None, Clock(FakeTime(T0)), SyncPolicy(interval_s=5, jitter=0))  # type: ignore[arg-type]
    assert env_set.next_delay(SyncResult()) == 5



class _HeartbeatOnly:
    """A central that has nothing new and records heartbeats (the sync's other edges stay unused)."""

    def __init__(self) -> None:
        self.heartbeats: list[dict[str, Any]] = []

    def manifest(self, etag: str | None) -> ManifestReply:
        return ManifestReply(None, etag)

    def heartbeat(self, status: dict[str, Any]) -> dict[str, Any]:
        self.heartbeats.append(status)
        return {}


def test_a_full_disk_still_reaches_the_central_in_a_heartbeat(tmp_path: Path) -> None:
    store = FullDisk(tmp_path / "s.db")
    store.full = True
    client = _HeartbeatOnly()
    s = Syncer(store, None, client, Clock(FakeTime(T0)), SyncPolicy(), status=dict)  # type: ignore[arg-type]
    res = s.sync_once()
    assert not res.ok and res.error is not None and "disk is full" in res.error
    [hb] = client.heartbeats
    assert "cannot write to the local store" in hb["last_error"]
