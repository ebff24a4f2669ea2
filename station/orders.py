"""Signed emergency orders on the station: verify, refuse replays, then hand them to the player loop.

An order arrives on the push channel (``station.push``) long before the manifest that carries the same
emergency. ``OrderDesk.receive`` checks it (the central's Ed25519 signature over the canonical bytes,
``seq`` above the last accepted one, kept in the store; this station or its area targeted) and then
- queues it for the player loop, which turns a ``start`` into an emergency schedule of its own
  (``as_schedule``), so the timeline plays it at once (or as soon as its audio is verified) and the
  manifest's occurrence of the same schedule, with the same slot id, is the same broadcast, never a
  second play; a ``stop`` ends that emergency now;
- fetches the audio at once if it is not cached, on a thread of its own.
A forged, replayed or misdirected order changes nothing and is logged.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from playlists.model import (
    Bulletin,
    Item,
    ItemKind,
    ManifestContent,
    Priority,
    Schedule,
    StationSettings,
)
from playlists.orders import EmergencyOrder, OrderRejected, unseal

from .assets import AssetCache
from .client import CentralClient
from .clock import Clock
from .errors import StationError
from .store import Store

log = logging.getLogger(__name__)

SEQ_KEY, ACTIVE_KEY = "order_seq", "emergency_orders"
#: the station's own schedule ids for orders that mirror no schedule (never a central id: those are > 0)
_OWN_ID_BASE = -1_000_000


def verifier(public_key_b64: str) -> Callable[[bytes, bytes], bool]:
    """``verify(data, signature)`` with the central's raw Ed25519 key from enrollment."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))

    def verify(data: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    return verify


def schedule_id_of(order: EmergencyOrder) -> int:
    return order.schedule_id if order.schedule_id is not None else _OWN_ID_BASE - order.seq


def as_schedule(order: EmergencyOrder) -> tuple[Schedule, Bulletin | None]:
    """The emergency schedule a ``start`` order stands for until the manifest carries the real one.

    Its one occurrence starts at the order's ``planned_start`` (UTC), so its slot id is the
    manifest's; its grace ends at ``play_by``, and it plays the order's audio.
    """
    sha, start = order.asset_sha256, order.planned_start.astimezone(UTC)
    grace = None if order.play_by is None else max(0, int((order.play_by - start).total_seconds()))
    if order.bulletin_id is not None:
        bulletin = Bulletin(order.bulletin_id, order.title, str(sha), order.duration_ms,
                            valid_until=order.valid_until)
        item = Item(ItemKind.BULLETIN, bulletin_id=order.bulletin_id)
    else:
        bulletin, item = None, Item(ItemKind.CHIME, asset_sha256=sha, duration_ms=order.duration_ms)
    sched = Schedule(id=schedule_id_of(order), items=(item,), dtstart=start.replace(tzinfo=None), timezone="UTC",
                     priority=Priority.EMERGENCY, grace_s=grace, valid_until=order.valid_until, title=order.title)
    return sched, bulletin


def merge(content: ManifestContent | None, active: Iterable[EmergencyOrder], now: datetime) -> ManifestContent | None:
    """``content`` with the schedules of active orders the manifest does not carry yet."""
    extra = [o for o in active if o.action == "start" and now < o.valid_until]
    if not extra:
        return content
    base = content or ManifestContent(version=0, settings=StationSettings())
    have = {s.id for s in base.schedules}
    schedules, bulletins = list(base.schedules), dict(base.bulletins)
    for o in extra:
        if schedule_id_of(o) in have:
            continue  # the manifest has it: one broadcast, the manifest's
        sched, bulletin = as_schedule(o)
        schedules.append(sched)
        if bulletin is not None:
            bulletins.setdefault(bulletin.id, bulletin)
    return ManifestContent(base.version, base.settings, bulletins, tuple(schedules))


class OrderDesk:
    """Checks each order once and passes the good ones on; ``receive`` runs on the push thread."""

    def __init__(self, store: Store, cache: AssetCache, client: CentralClient | None, clock: Clock,
                 station_id: int, areas: Iterable[str], deliver: Callable[[EmergencyOrder], None],
                 on_ready: Callable[[], None]) -> None:
        self.store, self.cache, self.client, self.clock = store, cache, client, clock
        self.station_id, self.areas = station_id, tuple(areas)
        self.deliver, self.on_ready = deliver, on_ready
        self._lock = threading.Lock()
        self.refused = 0

    def receive(self, payload: bytes) -> EmergencyOrder | None:
        """The accepted order, or None (refused and logged)."""
        try:
            order = self._check(payload)
        except OrderRejected as exc:
            self.refused += 1
            log.warning("refused an emergency order: %s", exc)
            return None
        log.warning("EMERGENCY ORDER %s accepted: %s %s %r (seq %d, play by %s)", order.order_id, order.action,
                    order.mode, order.title, order.seq, order.play_by.isoformat() if order.play_by else "—")
        if order.action == "start" and not order.is_stale(self.clock.now()):
            self._fetch_soon(order)
        self.deliver(order)
        return order

    def _check(self, payload: bytes) -> EmergencyOrder:
        key = self.store.get("public_key")
        try:
            order = unseal(payload, verifier(str(key)))
        except (ValueError, binascii.Error) as exc:
            raise OrderRejected(f"no usable central key: {exc}") from exc
        if not order.targets(self.station_id, self.areas):
            raise OrderRejected(f"order {order.order_id} does not target this station")
        with self._lock:  # check and record the sequence number as one step
            last = int(self.store.get(SEQ_KEY) or 0)
            if order.seq <= last:
                raise OrderRejected(f"order {order.order_id} replayed: seq {order.seq} ≤ {last}")
            self.store.put(**{SEQ_KEY: order.seq})
        return order

    def _fetch_soon(self, order: EmergencyOrder) -> None:
        sha = str(order.asset_sha256)
        if self.cache.playable(sha) is not None or self.client is None:
            return
        self.store.add_asset(sha, int(order.asset_size or 0), order.duration_ms)
        threading.Thread(target=self._fetch, args=(sha,), name="emergency-fetch", daemon=True).start()

    def _fetch(self, sha: str) -> None:
        row = self.store.asset(sha)
        if row is None or self.client is None:
            return
        try:
            self.cache.fetch(row, self.client, self.clock.now())
        except StationError as exc:  # the sync thread tries again on its next pass
            log.warning("emergency audio %s not fetched yet: %s", sha[:12], exc)
            return
        self.on_ready()


def keep_active(orders: Iterable[EmergencyOrder], now: datetime) -> list[EmergencyOrder]:
    """The orders still worth keeping across a restart (not past ``valid_until`` + a day)."""
    return [o for o in orders if now < o.valid_until + timedelta(days=1)]


def load_active(store: Store) -> dict[str, EmergencyOrder]:
    """The orders the player loop kept (a restart in the middle of an emergency keeps it)."""
    found: dict[str, EmergencyOrder] = {}
    for wire in store.get(ACTIVE_KEY) or []:
        try:
            o = EmergencyOrder.from_wire(wire)
        except OrderRejected:
            continue
        found[o.order_id] = o
    return found
