"""The sync thread: manifest (conditional GET, verified, applied at once), assets, play logs, heartbeat.

Runs apart from playback, so a slow or dead link can only delay this thread. Every ~60 s with jitter
when things go well; on failure it backs off exponentially with jitter (capped), honouring the
central's ``Retry-After``. Asset failures are retried on every pass, even with no new manifest.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .assets import AssetCache
from .client import CentralClient
from .clock import Clock, boot_id
from .errors import (
    AssetError,
    CentralRefused,
    CentralUnavailable,
    ManifestRejected,
    ReplyRefused,
    StationError,
)
from .journal import storage_failure
from .manifest import verify
from .store import Store, iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncPolicy:
    interval_s: float | None = None  # None: the manifest's station.sync_interval_s, else 60
    jitter: float = 0.2
    backoff_base_s: float = 5.0
    backoff_max_s: float = 900.0
    heartbeat_s: float | None = None  # None: the manifest's station.heartbeat_interval_s, else 300
    rate_bps: int = 0
    batch: int = 200


@dataclass
class SyncResult:
    ok: bool = True
    applied_version: int | None = None
    fetched: int = 0
    uploaded: int = 0
    error: str | None = None
    retry_after_s: float | None = None


REENROLL = ("CẦN ĐĂNG KÝ LẠI ĐÀI: trung tâm không còn nhận mã của đài (đã thu hồi hoặc đã thay); xin mã đăng ký "
            "mới rồi chạy `station enroll --force URL MÃ`. (Re-enrollment needed: the central refuses this "
            "station's token.)")


def refused(exc: CentralRefused) -> str:
    """The error to show for a refused call; a refused token (401) means the station must enroll again."""
    if exc.status != 401:
        return str(exc)
    log.error("%s %s", REENROLL, exc)
    return f"{REENROLL} {exc}"


class Syncer:
    """One station's conversation with its central; ``sync_once`` is the whole of one pass."""

    def __init__(
        self, store: Store, cache: AssetCache, client: CentralClient, clock: Clock,
        policy: SyncPolicy, on_manifest: Callable[[], None] = lambda: None,
        first_need: Callable[[], Mapping[str, datetime]] = dict,
        status: Callable[[], dict[str, Any]] = dict, rng: random.Random | None = None,
        on_clock: Callable[[], None] = lambda: None, on_asset: Callable[[], None] = lambda: None,
    ) -> None:
        self.store, self.cache, self.client, self.clock = store, cache, client, clock
        self.policy = policy
        self.on_manifest, self.first_need, self.status = on_manifest, first_need, status
        self.on_clock, self.on_asset = on_clock, on_asset
        self._saved_offset: int | None = None
        self.rng = rng or random.Random()
        self.wake = threading.Event()
        self.nudged = threading.Event()  # the push channel: sync now, even while backing off
        self.failures = 0
        self._heartbeat_due = True
        self._last_heartbeat: float | None = None

    def request_heartbeat(self) -> None:
        """A state change (now playing, manifest, error): tell the central soon."""
        self._heartbeat_due = True
        self.wake.set()

    def nudge(self, version: int | None = None) -> bool:
        """Sync at once unless ``version`` is already applied; ends any back-off (the central is up).

        A forged or replayed nudge costs at most this one sync: the manifest's signature decides.
        """
        applied = self.store.applied()
        if version is not None and applied is not None and version <= applied.version:
            return False
        self.nudged.set()
        self.wake.set()
        return True

    def sync_once(self) -> SyncResult:
        res = SyncResult()
        try:
            res.applied_version = self._sync_manifest()
            self._save_clock()
            res.fetched = self._fetch_assets()
            res.uploaded = self._upload_logs()
            self._heartbeat(force=res.applied_version is not None)
        except (ReplyRefused, ManifestRejected) as exc:  # the central is up but its reply is refused: say so
            res.ok, res.error = False, str(exc)
            self._heartbeat_anyway(res.error, first=True)
        except CentralUnavailable as exc:
            res.ok, res.error, res.retry_after_s = False, str(exc), exc.retry_after_s
        except CentralRefused as exc:
            res.ok, res.error = False, refused(exc)
        except Exception as exc:
            if not storage_failure(exc):
                raise
            res.ok, res.error = False, f"cannot write to the local store: {exc}"
            log.error("STORAGE FAILURE during sync: %s", exc)
            self._heartbeat_anyway(res.error)
        now = self.clock.now()
        try:
            self.store.put(last_sync_at=iso(now), last_sync_ok=res.ok, last_error=res.error,
                           **({"last_success_at": iso(now)} if res.ok else {}))
        except Exception as exc:
            if not storage_failure(exc):
                raise
        if res.error:
            log.warning("sync failed: %s", res.error)
        return res

    def _heartbeat_anyway(self, error: str, first: bool = False) -> None:
        """A pass failed after reaching the central (or the store refuses writes): tell it all the same."""
        try:
            body = self.status()
            body["last_error"] = error if first else body.get("last_error") or error
            self.client.heartbeat(body)
        except Exception as exc:  # best effort: the next pass tries again
            log.warning("heartbeat not sent: %s", exc)

    def _sync_manifest(self) -> int | None:
        applied = self.store.applied()
        reply = self.client.manifest(self.store.get("etag") if applied else None)
        if reply.body is None:
            return None
        content = verify(reply.body, self.store.get("public_key"), applied.version if applied else None)
        m = reply.body["manifest"]
        raw = json.dumps(m, ensure_ascii=False)
        now = self.clock.now()
        self.store.apply_manifest(m, raw, reply.body["signature"], now, etag=reply.etag)
        if self.store.get("first_manifest_at") is None:
            self.store.put(first_manifest_at=iso(now))
        log.info("applied manifest version %d (%d schedules, %d bulletins)",
                 content.version, len(content.schedules), len(content.bulletins))
        self.on_manifest()
        return content.version

    def _save_clock(self) -> None:
        offset = self.clock.offset_ms
        if self._saved_offset is not None and abs(offset - self._saved_offset) < 500:
            return
        self.store.put(clock_offset_ms=offset, clock_boot=boot_id(), clock_trusted=self.clock.trusted)
        if self._saved_offset is None or abs(offset - self._saved_offset) >= 1000:
            self.on_clock()  # the player loop's next boundary moved in system time: let it recompute
        self._saved_offset = offset

    def _fetch_assets(self) -> int:
        fetched, failed = 0, False
        for asset in self.cache.missing(self.clock.now(), self.first_need()):
            try:
                self.cache.fetch(asset, self.client, self.clock.now(), self.policy.rate_bps)
                fetched += 1
                self.on_asset()  # a slot may be waiting for exactly this audio: let the player loop look now
            except AssetError as exc:
                log.warning("%s", exc)
                self.store.put(last_asset_error=str(exc))
                failed = True
        if not failed and self.store.get("last_asset_error") and not self.cache.stats()["missing"]:
            self.store.put(last_asset_error=None)  # every needed file is in: the old error is history
        return fetched

    def _upload_logs(self) -> int:
        sent = 0
        for _ in range(100):  # at most 100 batches a pass; the rest go next time
            batch, logs = self.store.mark_batch(self.policy.batch)
            if not logs:
                break
            try:
                reply = self.client.post_logs(logs)
            except CentralRefused as exc:
                if exc.status not in (400, 413, 422):
                    raise
                sent += self._send_one_by_one(batch, str(exc))
                continue
            self.store.delete_batch(batch)
            sent += len(logs)
            log.info("uploaded %d play logs (%s accepted, %s duplicates)",
                     len(logs), reply.get("accepted"), reply.get("duplicates"))
        return sent

    def _send_one_by_one(self, batch: str, why: str) -> int:
        """A refused batch: send each log alone; a log refused alone is parked, not lost or retried."""
        log.error("the central refused a batch of play logs (%s); sending them one by one", why)
        sent = 0
        for single, entry in self.store.split_batch(batch):
            try:
                self.client.post_logs([entry])
            except CentralRefused as exc:
                if exc.status not in (400, 422):
                    raise
                log.error("play log %s refused by the central, kept locally: %s", entry["id"], exc)
                self.store.refuse(entry["id"])
                self.store.put(last_error=f"play log refused by the central: {exc}")
                continue
            self.store.delete_batch(single)
            sent += 1
        return sent

    def _heartbeat(self, force: bool = False) -> None:
        mono = time.monotonic()
        every = self.policy.heartbeat_s or self._from_manifest("heartbeat_interval_s", 300.0)
        due = self._last_heartbeat is None or mono - self._last_heartbeat >= every
        if not (force or due or self._heartbeat_due):
            return
        self._heartbeat_due = False
        try:
            reply = self.client.heartbeat(self.status())
        except CentralRefused as exc:  # a central that dislikes our status must not stall logs and sync
            log.error("heartbeat refused: %s", exc)
            self.store.put(last_error=f"heartbeat refused: {exc}")
            return
        self._last_heartbeat = mono
        applied = self.store.applied()
        hint = reply.get("manifest_version")
        if isinstance(hint, int) and (applied is None or hint > applied.version):
            self.wake.set()  # the central has something newer: sync again right away

    def next_delay(self, res: SyncResult) -> float:
        """Seconds to the next pass: the interval with jitter, or a capped exponential backoff."""
        p = self.policy
        if res.ok:
            self.failures = 0
            interval = p.interval_s or self._from_manifest("sync_interval_s", 60.0)
            return interval * (1 + self.rng.uniform(-p.jitter, p.jitter))
        self.failures += 1
        delay = min(p.backoff_max_s, p.backoff_base_s * 2 ** min(self.failures - 1, 20))
        delay = self.rng.uniform(delay / 2, delay)
        return max(delay, res.retry_after_s or 0.0)

    def _from_manifest(self, key: str, default: float) -> float:
        """A per-station interval the central sets (unless the environment overrides it)."""
        applied = self.store.applied()
        value = applied.manifest.get("station", {}).get(key) if applied else None
        return float(value) if isinstance(value, int | float) and value > 0 else default

    def run(self, stop: threading.Event, housekeeping: Callable[[], None] = lambda: None) -> None:
        while not stop.is_set():
            try:
                res = self.sync_once()
                housekeeping()
            except StationError as exc:
                res = SyncResult(ok=False, error=str(exc))
            except Exception as exc:  # a bug in one pass must not end syncing for good
                log.exception("sync pass failed")
                res = SyncResult(ok=False, error=repr(exc))
            delay = self.next_delay(res)
            if not res.ok:  # backing off: state changes wait for the next attempt, so do heartbeats
                if self.nudged.wait(delay):  # ... but a nudge proves the central is up again
                    self.failures = 0
                self.nudged.clear()
                self.wake.clear()
                continue
            self.nudged.clear()
            self.wake.wait(delay)
            if self.wake.is_set():
                self.wake.clear()
                stop.wait(0.2)  # coalesce a burst of state changes into one heartbeat

