"""Small honest fakes for the station's true edges (clock, sound card) and manifest builders."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import peewee as pw
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from playlists.model import (
    Bulletin,
    Item,
    ItemKind,
    Priority,
    RelaySource,
    Schedule,
    StationSettings,
    bulletin_to_dict,
    canonical_bytes,
    relay_source_to_dict,
    schedules_to_dict,
    settings_to_dict,
)
from station.store import Store

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class FakeTime:
    """The system clock, moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> datetime:
        self.t += timedelta(seconds=seconds)
        return self.t


class FakePlayback:
    """A 'sound card' playing one file: it ends when the test says so, or when stopped."""

    def __init__(self, path: Path, volume: int, on_exit: Callable[[], None], pid: int) -> None:
        self.path, self.volume, self.on_exit, self.pid = path, volume, on_exit, pid
        self.started_monotonic = time.monotonic()
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        if self.code is None:
            self.code = -15
            self.on_exit()

    def finish(self, code: int = 0) -> None:
        self.code = code
        self.on_exit()

    def stderr_tail(self) -> str:
        return "" if self.code in (0, None) else "decoder error"


@dataclass
class FakePlayer:
    description: str = "fake sound card"
    output: str = "fake sound card"
    null_output: bool = False
    started: list[FakePlayback] = field(default_factory=list)

    def start(self, path: Path, volume: int, on_exit: Callable[[], None]) -> FakePlayback:
        pb = FakePlayback(path, volume, on_exit, 1000 + len(self.started))
        self.started.append(pb)
        return pb

    @property
    def current(self) -> FakePlayback | None:
        live = [p for p in self.started if p.code is None]
        return live[-1] if live else None


class FullDisk(Store):
    """The store on a disk that fills up: every write transaction fails as SQLite's SQLITE_FULL does."""

    full = False

    @contextmanager
    def atomic(self) -> Iterator[None]:
        if self.full:
            raise pw.OperationalError("database or disk is full")
        with super().atomic():
            yield


def local(y: int, mo: int, d: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A naive Vietnam wall-clock time (as schedules carry it)."""
    return datetime(y, mo, d, hh, mm, ss)


def utc(naive_local: datetime) -> datetime:
    return naive_local.replace(tzinfo=VN).astimezone(UTC)


def audio(n: int, size: int = 4000) -> bytes:
    """Distinct bytes standing in for an encoded bulletin (the fake player never decodes them)."""
    return hashlib.sha256(str(n).encode()).digest() * (size // 32)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Central:
    """What a central would sign: a key, bulletins, schedules, assets."""

    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    version: int = 0
    settings: StationSettings = field(default_factory=StationSettings)
    bulletins: dict[int, Bulletin] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    station_extra: dict[str, Any] = field(default_factory=dict)
    relay_sources: list[RelaySource] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def bulletin(self, bid: int, seconds: float, title: str = "", data: bytes | None = None,
                 **kw: Any) -> Bulletin:
        """A bulletin of ``data`` (default: stand-in bytes a fake player never decodes)."""
        data = audio(bid) if data is None else data
        b = Bulletin(bid, title or f"Bản tin phòng chống ma túy số {bid}", sha(data), int(seconds * 1000), **kw)
        self.bulletins[bid] = b
        self.blobs[b.asset_sha256] = data
        return b

    def schedule(self, sid: int, bulletin_ids: Sequence[int], dtstart: datetime, *, rrule: str = "",
                 priority: Priority = Priority.NORMAL, grace_s: int | None = None,
                 pause_s: float = 0) -> Schedule:
        items: list[Item] = []
        for i, bid in enumerate(bulletin_ids):
            if i and pause_s:
                items.append(Item(ItemKind.PAUSE, duration_ms=int(pause_s * 1000)))
            items.append(Item(ItemKind.BULLETIN, bulletin_id=bid))
        s = Schedule(sid, tuple(items), dtstart, rrule=rrule, priority=priority, grace_s=grace_s,
                     title=f"Lịch {sid}")
        self.schedules = [x for x in self.schedules if x.id != sid] + [s]
        return s

    def relay(self, sid: int, source: RelaySource, dtstart: datetime, seconds: float, *, max_gap_s: int = 15,
              fallback: Sequence[int] = (), priority: Priority = Priority.NORMAL) -> Schedule:
        """A schedule relaying ``source`` for ``seconds`` from ``dtstart``, falling back to these bulletins."""
        self.relay_sources = [r for r in self.relay_sources if r.id != source.id] + [source]
        item = Item(ItemKind.RELAY, duration_ms=int(seconds * 1000), relay_source_id=source.id,
                    max_gap_s=max_gap_s, fallback=tuple(Item(ItemKind.BULLETIN, bulletin_id=b) for b in fallback))
        s = Schedule(sid, (item,), dtstart, priority=priority, title=f"Tiếp sóng {sid}")
        self.schedules = [x for x in self.schedules if x.id != sid] + [s]
        return s

    def manifest(self, now: datetime, version: int | None = None) -> dict[str, Any]:
        self.version = version if version is not None else self.version + 1
        m = {
            "version": self.version,
            "server_time": now.isoformat(),
            "horizon_days": 14,
            "station": {"id": 7, "name": "Đài xã Đắk Mol", **settings_to_dict(self.settings), **self.station_extra},
            "assets": [{"sha256": k, "size": len(v), "duration_ms": 0, "codec": "opus"} for k, v in self.blobs.items()],
            "bulletins": [bulletin_to_dict(b) for b in self.bulletins.values()],
            **schedules_to_dict(self.schedules),  # relay schedules apart, as the central sends them
        }
        if self.relay_sources:
            m["relay_sources"] = [relay_source_to_dict(r) for r in self.relay_sources]
        sig = base64.b64encode(self.key.sign(canonical_bytes(m))).decode()
        return {"manifest": m, "signature": sig}


def apply(store: Any, cache: Any, central: Central, now: datetime, reply: dict[str, Any] | None = None) -> None:
    """Apply a manifest and put its audio in the cache as a finished sync would."""
    reply = reply or central.manifest(now)
    m = reply["manifest"]
    store.apply_manifest(m, json.dumps(m, ensure_ascii=False), reply["signature"], now)
    if store.get("first_manifest_at") is None:
        store.put(first_manifest_at=now.isoformat())
    for k, v in central.blobs.items():
        cache.path(k).write_bytes(v)
    cache.verify_all()
