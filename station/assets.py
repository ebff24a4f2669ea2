"""The asset cache: resumable downloads, verified against the signed size and sha256, atomic on disk.

Layout: ``<dir>/<sha256>`` for verified files, ``<dir>/<sha256>.part`` for an unfinished download.
A file is only marked ready after its size and sha256 match the manifest, it was fsynced, and it
was renamed into place; so a power cut can leave a ``.part`` but never a half file that counts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from .client import CentralClient
from .errors import AssetError, CentralRefused, ReplyRefused
from .journal import storage_failure
from .store import Asset, Store, iso

log = logging.getLogger(__name__)

_RETRY_BASE_S = 15.0
_RETRY_MAX_S = 3600.0
FRESH_S = 5.0  # a hash this recent, of a file not changed since, counts as "right before it plays"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AssetCache:
    """Files on disk plus their rows in the store's asset index."""

    def __init__(self, root: Path, store: Store, min_free_bytes: int = 0, gc_after_s: float = 7 * 86400) -> None:
        self.root = root
        self.store = store
        self.min_free_bytes = min_free_bytes
        self.gc_after = timedelta(seconds=gc_after_s)
        root.mkdir(parents=True, exist_ok=True)
        self.last_error: str | None = None
        self._fresh: dict[str, tuple[tuple[int, int, int], float]] = {}  # sha → (stat key, monotonic)
        self._lock = threading.Lock()
        self._downloads: dict[str, threading.Lock] = {}  # sha → held while one thread downloads it

    def path(self, sha256: str) -> Path:
        return self.root / sha256

    def playable(self, sha256: str) -> Path | None:
        """The file for ``sha256`` if it is verified and still on disk, else None."""
        row = self.store.asset(sha256)
        p = self.path(sha256)
        if row is None or not row.ready or not p.exists():
            return None
        return p

    def unready(self, shas: Iterable[str]) -> frozenset[str]:
        """Of ``shas``, those not verified on disk (yet): one store read and a stat each."""
        try:
            ready = {a.sha256 for a in self.store.assets() if a.ready}
        except Exception as exc:
            if not storage_failure(exc):
                raise
            return frozenset()  # cannot tell now; each start still hashes its file first
        return frozenset(s for s in shas if s not in ready or not self.path(s).exists())

    def verified(self, sha256: str) -> Path | None:
        """``playable``, with the bytes hashed again now (docs/architecture.md, rule 1); a mismatch is missing, to fetch again.

        One file is cheap to hash; the player loop does it just before the instant (preroll), and a
        hash younger than ``FRESH_S`` of a file unchanged since (size, mtime, inode) is not redone.
        """
        p = self.playable(sha256)
        if p is None:
            return None
        try:
            st = p.stat()
            key = (st.st_size, st.st_mtime_ns, st.st_ino)
            with self._lock:
                memo = self._fresh.get(sha256)
            if memo is not None and memo[0] == key and time.monotonic() - memo[1] < FRESH_S:
                return p
            ok = sha256_file(p) == sha256
        except OSError as exc:
            log.error("cannot read cached asset %s: %s", sha256[:12], exc)
            ok = False
        if not ok:
            self._discard(sha256, "corrupted in the cache (sha256 mismatch before play)")
            return None
        with self._lock:
            self._fresh[sha256] = (key, time.monotonic())
        return p

    def _discard(self, sha256: str, why: str) -> None:
        log.error("cached asset %s %s: not played, fetched again", sha256[:12], why)
        self.path(sha256).unlink(missing_ok=True)
        self.last_error = f"asset {sha256[:12]} {why}"
        try:
            self.store.set_asset(sha256, ready=False, next_attempt_at=None, last_error=why)
        except Exception:  # the file is gone: the background check marks it missing later
            log.exception("could not mark asset %s missing", sha256[:12])

    def disk_free(self) -> int:
        return shutil.disk_usage(self.root).free

    def verify_all(self) -> int:
        """Re-check every file (in the background); a corrupted or deleted one is marked missing (fetched again)."""
        bad = 0
        for a in self.store.assets():
            p = self.path(a.sha256)
            ok = p.exists() and p.stat().st_size == a.size and sha256_file(p) == a.sha256
            if ok and not a.ready:
                self.store.set_asset(a.sha256, ready=True, attempts=0, last_error=None)
            elif not ok and a.ready:
                bad += 1
                log.warning("cached asset %s is missing or corrupted; it will be fetched again", a.sha256[:12])
                p.unlink(missing_ok=True)
                self.store.set_asset(a.sha256, ready=False, next_attempt_at=None)
        return bad

    def missing(self, now: datetime, first_need: Mapping[str, datetime]) -> list[Asset]:
        """Needed assets not on disk and due for a (re)try, soonest-needed first."""
        far = now + timedelta(days=3650)
        due = [
            a for a in self.store.assets()
            if a.needed and not a.ready and (a.next_attempt_at is None or a.next_attempt_at <= iso(now))
        ]
        return sorted(due, key=lambda a: (first_need.get(a.sha256, far), a.sha256))

    def fetch(self, asset: Asset, client: CentralClient, now: datetime, rate_bps: int = 0) -> None:
        """Download, verify, fsync and rename one asset; on a mismatch the bytes are thrown away.

        One download per file at a time (the sync thread and an emergency order may both want it):
        the second caller waits, then finds the file ready.
        """
        with self._lock:
            busy = self._downloads.setdefault(asset.sha256, threading.Lock())
        with busy:
            if self.playable(asset.sha256) is None:
                self._fetch(asset, client, now, rate_bps)

    def _fetch(self, asset: Asset, client: CentralClient, now: datetime, rate_bps: int) -> None:
        part = self.root / f"{asset.sha256}.part"
        have = part.stat().st_size if part.exists() else 0
        if self.disk_free() - (asset.size - have) < self.min_free_bytes:
            self.collect_garbage(now, playing=())
            if self.disk_free() - (asset.size - have) < self.min_free_bytes:
                raise AssetError(f"not enough free disk for asset {asset.sha256[:12]} ({asset.size} bytes)")
        try:
            client.download(asset.sha256, part, rate_bps, size=asset.size)
        except (CentralRefused, ReplyRefused) as exc:  # this asset is wrong there: retry it alone, later
            if isinstance(exc, ReplyRefused):
                part.unlink(missing_ok=True)
            self._failed(asset, now, str(exc))
            raise AssetError(str(exc)) from exc
        self._install(asset, part, now)

    def _install(self, asset: Asset, part: Path, now: datetime) -> None:
        size = part.stat().st_size
        digest = sha256_file(part) if size == asset.size else None
        if digest != asset.sha256:
            part.unlink(missing_ok=True)
            why = f"size {size} != {asset.size}" if digest is None else "sha256 mismatch"
            self._failed(asset, now, why)
            raise AssetError(f"asset {asset.sha256[:12]} failed verification ({why}); discarded")
        with part.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(part, self.path(asset.sha256))
        _fsync_dir(self.root)
        st = self.path(asset.sha256).stat()
        with self._lock:  # just hashed: a play starting right now (it may have waited for it) need not again
            self._fresh[asset.sha256] = ((st.st_size, st.st_mtime_ns, st.st_ino), time.monotonic())
        self.store.set_asset(asset.sha256, ready=True, attempts=0, next_attempt_at=None, last_error=None)
        log.info("asset %s verified and cached (%d bytes)", asset.sha256[:12], size)

    def _failed(self, asset: Asset, now: datetime, why: str) -> None:
        wait = min(_RETRY_MAX_S, _RETRY_BASE_S * (2 ** min(asset.attempts, 12)))
        self.store.set_asset(
            asset.sha256, attempts=asset.attempts + 1, last_error=why,
            next_attempt_at=iso(now + timedelta(seconds=wait)),
        )
        self.last_error = why

    def collect_garbage(self, now: datetime, playing: Iterable[str]) -> list[str]:
        """Delete assets the manifest no longer lists once unused for ``gc_after``; never one playing."""
        keep = set(playing)
        cutoff = iso(now - self.gc_after)
        gone = []
        for a in self.store.assets():
            if a.needed or a.sha256 in keep or a.unused_since is None or a.unused_since > cutoff:
                continue
            self.path(a.sha256).unlink(missing_ok=True)
            (self.root / f"{a.sha256}.part").unlink(missing_ok=True)
            self.store.delete_asset(a.sha256)
            gone.append(a.sha256)
        if gone:
            log.info("deleted %d unused assets", len(gone))
        return gone

    def stats(self) -> dict[str, int]:
        rows = [a for a in self.store.assets() if a.needed]
        return {
            "assets": sum(1 for a in rows if a.ready),
            "missing": sum(1 for a in rows if not a.ready),
            "bytes": sum(a.size for a in rows if a.ready),
        }

