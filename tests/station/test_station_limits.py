"""Hostile or broken replies cannot fill the station's memory or disk (issue 10 §3, station-side limits).

A small honest fake of the central (tests/station/fake_central.py) serves the hostile bytes over real
HTTP on loopback; the agent's real client, store, cache and sync (or the real ``station sync``
process, whose peak memory the kernel reports) read them.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.assets import AssetCache
from station.client import CentralClient, Limits, Timeouts
from station.clock import Clock, system_time
from station.store import Store
from station.sync import Syncer, SyncPolicy
from tests.processes import BIN

from .fake_central import FakeCentral, Raw
from .station_helpers import Central, local

MiB = 1 << 20
CHUNK = 64 * 1024


class Stream:
    """``total`` bytes of ``fill``, made as they are sent (re-iterable); notes each chunk through ``watch``."""

    def __init__(self, total: int, fill: bytes = b" ", watch: Any = None) -> None:
        self.total, self.fill, self.watch = total, fill, watch

    def __iter__(self) -> Iterator[bytes]:
        left = self.total
        while left > 0:
            n = min(CHUNK, left)
            if self.watch is not None:
                self.watch()
            yield self.fill[:1] * n
            left -= n


def gzip_of_zeros(size: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    return b"".join(z.compress(block) for _ in range(size // MiB)) + z.flush()


@pytest.fixture
def fc() -> Iterator[FakeCentral]:
    central = Central()
    central.bulletin(1, 60)
    central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    f = FakeCentral(central)
    f.publish()
    yield f
    f.close()


# --- the manifest: a real `station sync` process, its peak memory measured by the kernel ----------

def _station_dir(tmp_path: Path, fc: FakeCentral) -> Path:
    d = tmp_path / "st"
    store = Store(d / "station.db")
    store.put(public_key=fc.central.public_key, central_url=fc.url, token="t", station_id=7)
    store.close()
    return d


def _run_sync(station_dir: Path) -> tuple[int, dict[str, Any], int]:
    """`station sync` as a real process; its peak RSS (MiB) comes from wait4, before Popen reaps it."""
    env = dict(os.environ, LOA_STATION_DIR=str(station_dir), LOA_MAX_MANIFEST_MB="1", LOA_MIN_FREE_MB="0",
               LOA_PLAYER="true {path}")
    r, w = os.pipe()
    err = station_dir.parent / "sync.log"
    pid = os.posix_spawn(str(BIN / "station"), [str(BIN / "station"), "sync"], env, file_actions=[
        (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r),
        (os.POSIX_SPAWN_OPEN, 2, str(err), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)])
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read()
    _, status, usage = os.wait4(pid, 0)
    lines = out.decode().strip().splitlines()
    assert lines, f"station sync printed nothing: {err.read_text()}"
    return os.waitstatus_to_exitcode(status), json.loads(lines[-1]), usage.ru_maxrss // 1024


def _hostile_manifest(fc: FakeCentral, raw: Raw, tmp_path: Path, name: str) -> tuple[dict[str, Any], int, int]:
    """Peak RSS of an honest first sync, then of a sync fed ``raw`` as the manifest (and its result)."""
    honest_dir = _station_dir(tmp_path / f"{name}-honest", fc)
    code, res, baseline = _run_sync(honest_dir)
    assert code == 0 and res["ok"], res
    fc.manifest_raw = raw
    code, res, peak = _run_sync(_station_dir(tmp_path / name, fc))
    fc.manifest_raw = None
    assert code == 1 and not res["ok"]
    return res, baseline, peak


def test_a_manifest_announced_over_the_limit_is_refused_unread(fc: FakeCentral, tmp_path: Path) -> None:
    huge = 200 * MiB
    raw: Raw = (200, {"Content-Type": "application/json", "Content-Length": str(huge)}, Stream(huge))
    res, baseline, peak = _hostile_manifest(fc, raw, tmp_path, "announced")
    assert "limit" in res["error"] and "refused unread" in res["error"], res
    assert peak < baseline + 16, f"peak RSS {peak} MiB vs {baseline} MiB for an honest sync"
    assert fc.sent["/api/v1/station/manifest"] < 64 * MiB, "the station hung up instead of reading it all"


def test_a_manifest_that_never_says_its_length_is_cut_at_the_limit(fc: FakeCentral, tmp_path: Path) -> None:
    huge = 200 * MiB
    raw: Raw = (200, {"Content-Type": "application/json", "Connection": "close"}, Stream(huge))
    res, baseline, peak = _hostile_manifest(fc, raw, tmp_path, "unannounced")
    assert "exceeds the 1048576-byte limit" in res["error"], res
    assert peak < baseline + 16, f"peak RSS {peak} MiB vs {baseline} MiB for an honest sync"
    assert fc.sent["/api/v1/station/manifest"] < 64 * MiB


def test_a_gzip_bomb_manifest_stops_inflating_at_the_limit(fc: FakeCentral, tmp_path: Path) -> None:
    bomb = gzip_of_zeros(256 * MiB)  # about 250 KiB on the wire, 256 MiB once inflated
    assert len(bomb) < MiB, "small enough on the wire to pass any length check"
    raw: Raw = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                      "Content-Length": str(len(bomb))}, bomb)
    res, baseline, peak = _hostile_manifest(fc, raw, tmp_path, "bomb")
    assert "once inflated" in res["error"], res
    assert peak < baseline + 16, f"peak RSS {peak} MiB vs {baseline} MiB for an honest sync"


def test_an_honest_gzipped_manifest_is_still_taken(fc: FakeCentral, tmp_path: Path) -> None:
    assert fc.reply is not None
    body = json.dumps(fc.reply, ensure_ascii=False).encode()
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    packed = z.compress(body) + z.flush()
    fc.manifest_raw = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                             "Content-Length": str(len(packed)), "ETag": '"1"'}, packed)
    code, res, _ = _run_sync(_station_dir(tmp_path / "gz", fc))
    assert code == 0 and res["applied_version"] == fc.reply["manifest"]["version"], res


def test_the_refusal_reaches_the_central_in_a_heartbeat(fc: FakeCentral, tmp_path: Path) -> None:
    fc.manifest_raw = (200, {"Content-Length": str(200 * MiB)}, Stream(200 * MiB))
    s, _ = _syncer(tmp_path, fc, Limits(manifest_bytes=MiB))
    res = s.sync_once()
    assert not res.ok and "limit" in (res.error or "")
    assert fc.heartbeats and "refused unread" in fc.heartbeats[-1]["last_error"]
    assert s.store.get("last_error") == res.error


# --- assets: never past the signed size on disk ---------------------------------------------------

def _syncer(tmp_path: Path, fc: FakeCentral, limits: Limits | None = None) -> tuple[Syncer, AssetCache]:
    store = Store(tmp_path / "s.db")
    store.put(public_key=fc.central.public_key)
    cache = AssetCache(tmp_path / "assets", store)
    clock = Clock(system_time())
    client = CentralClient(fc.url, "t", Timeouts(2, 5, 30, 60), clock.system_now, clock.observe, limits)

    def status() -> dict[str, Any]:
        return {"last_error": store.get("last_error") or store.get("last_asset_error")}

    return Syncer(store, cache, client, clock, SyncPolicy(), status=status), cache


def _asset(fc: FakeCentral) -> tuple[str, bytes]:
    [(sha, data)] = fc.central.blobs.items()
    return sha, data


def _largest_part(cache: AssetCache, sha: str, seen: list[int]) -> Any:
    part = cache.root / f"{sha}.part"

    def watch() -> None:
        seen.append(part.stat().st_size if part.exists() else 0)

    return watch


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "unannounced"])
def test_an_asset_longer_than_signed_is_refused_and_never_written_past_its_size(
    fc: FakeCentral, tmp_path: Path, announce: bool
) -> None:
    s, cache = _syncer(tmp_path, fc)
    sha, data = _asset(fc)
    seen: list[int] = []
    extra = Stream(64 * MiB, watch=_largest_part(cache, sha, seen))
    body = [data, *extra]  # the right bytes, then 64 MiB more
    headers = {"Content-Length": str(len(data) + extra.total)} if announce else {"Connection": "close"}
    fc.asset_raw[sha] = lambda rng: (200, headers, body)
    res = s.sync_once()
    assert res.ok and res.fetched == 0
    assert not cache.path(sha).exists() and not (cache.root / f"{sha}.part").exists()
    assert max(seen, default=0) <= len(data), "the part file never grew past the signed size"
    assert fc.sent.get(f"/api/v1/station/assets/{sha}", 0) < 32 * MiB, "the station hung up"
    err = fc.heartbeats[-1]["last_error"]
    assert ("offers" if announce else "sent more than") in err and "refused" in err, err
    row = s.store.asset(sha)
    assert row is not None and row.attempts == 1 and row.next_attempt_at is not None, "retried later, alone"


def test_an_asset_announced_shorter_than_signed_is_refused(fc: FakeCentral, tmp_path: Path) -> None:
    s, cache = _syncer(tmp_path, fc)
    sha, data = _asset(fc)
    short = data[: len(data) // 2]
    fc.asset_raw[sha] = lambda rng: (200, {"Content-Length": str(len(short))}, short)
    res = s.sync_once()
    assert res.ok and res.fetched == 0 and not (cache.root / f"{sha}.part").exists()
    assert f"declares {len(data)}" in fc.heartbeats[-1]["last_error"]


def test_an_asset_cut_short_is_kept_and_resumed_not_refused(fc: FakeCentral, tmp_path: Path) -> None:
    s, cache = _syncer(tmp_path, fc)
    sha, data = _asset(fc)
    half = data[: len(data) // 2]
    fc.asset_raw[sha] = lambda rng: (200, {"Content-Length": str(len(data)), "Connection": "close"}, half)
    res = s.sync_once()
    err = res.error or ""
    assert not res.ok and ("ended after" in err or "IncompleteRead" in err), res
    part = cache.root / f"{sha}.part"
    assert part.read_bytes() == half, "what arrived is kept"
    ranges: list[str | None] = []

    def honest(rng: str | None) -> Raw:
        ranges.append(rng)
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        return (206, {"Content-Length": str(len(data) - start),
                      "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}, data[start:])

    fc.asset_raw[sha] = honest
    res = s.sync_once()
    assert res.ok and res.fetched == 1 and ranges == [f"bytes={len(half)}-"]
    assert cache.path(sha).read_bytes() == data and not part.exists()
    assert s.store.get("last_asset_error") is None


def test_an_asset_sent_gzipped_is_refused(fc: FakeCentral, tmp_path: Path) -> None:
    s, cache = _syncer(tmp_path, fc)
    sha, _ = _asset(fc)
    bomb = gzip_of_zeros(64 * MiB)
    fc.asset_raw[sha] = lambda rng: (200, {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}, bomb)
    res = s.sync_once()
    assert res.ok and res.fetched == 0 and not (cache.root / f"{sha}.part").exists()
    assert "Content-Encoding 'gzip'" in fc.heartbeats[-1]["last_error"]


def test_a_part_longer_than_the_signed_size_is_thrown_away(fc: FakeCentral, tmp_path: Path) -> None:
    s, cache = _syncer(tmp_path, fc)
    sha, data = _asset(fc)
    (cache.root / f"{sha}.part").write_bytes(b"x" * (len(data) + 10))  # left by an older, wrong central
    res = s.sync_once()
    assert res.ok and res.fetched == 1 and cache.path(sha).read_bytes() == data

