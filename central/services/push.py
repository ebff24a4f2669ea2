"""The central's side of the push channel (MQTT): nudges after manifest bumps, signed emergency orders.

A nudge (``{"station_id", "manifest_version"}``, QoS 1, not retained) only makes a station sync; the
signed manifest stays the authority. Publishing never blocks or fails a request: each process holds
one paho client whose network thread reconnects with back-off, and a bounded outgoing queue
(``MAX_QUEUED``) drops nudges when the broker is gone for long: the stations' poll covers them.

Bumps happen inside transactions, so ``bump`` only notes the stations (``note_bumped``); ``flush``
publishes once the request's work is committed (the app calls it at teardown) with the versions
read back from the database, so a nudge never runs ahead of the commit it announces.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playlists import orders

from .. import signing
from ..config import Settings, write_private
from ..config import settings as current_settings
from ..db import database, tuples_of
from ..models import Area, PushCounter, Schedule, Station

log = logging.getLogger(__name__)

CENTRAL_USER = "central"
PASSWORD_FILE = "mqtt_central_password"
MAX_QUEUED = 10_000  # outgoing messages a process keeps while the broker is away
KEEPALIVE_S = 30


@dataclass(frozen=True)
class Broker:
    """Where a broker listens, parsed from ``mqtt://host:port`` or ``mqtts://host:port`` (TLS)."""

    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"not an mqtt:// or mqtts:// URL: {url!r}")
        tls = parts.scheme == "mqtts"
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), tls)


def central_password(data_dir: Path) -> str:
    """The central's own broker password, made once into the data dir (mode 0600)."""
    path = Path(data_dir) / PASSWORD_FILE
    if not path.exists():
        write_private(path, secrets.token_urlsafe(24).encode())
    return path.read_text().strip()


# --- one client per process ---------------------------------------------------------------------


class Publisher:
    """A paho client with its own network thread; ``publish`` queues and returns at once."""

    def __init__(self, broker: Broker, username: str, password: str) -> None:
        import paho.mqtt.client as mqtt  # lazily: a central without a broker never loads it

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"loa-central-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        self.client.username_pw_set(username, password)
        self.client.max_queued_messages_set(MAX_QUEUED)
        self.client.reconnect_delay_set(1, 30)
        if broker.tls:
            self.client.tls_set()
        self.client.connect_async(broker.host, broker.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Any:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (0, 4):  # 4 = not connected yet: queued, sent on (re)connect
            log.warning("push: %s not queued (paho rc %s)", topic, info.rc)
        return info

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


_lock = threading.Lock()
_publishers: dict[tuple[int, str, str], Publisher] = {}


def publisher(settings: Settings) -> Publisher | None:
    """This process's publisher for ``settings`` (made after a fork, never shared), or None without a broker."""
    if not settings.mqtt_url:
        return None
    key = (os.getpid(), settings.mqtt_url, str(settings.data_dir))
    with _lock:
        found = _publishers.get(key)
        if found is None:
            found = Publisher(Broker.parse(settings.mqtt_url), CENTRAL_USER, central_password(settings.data_dir))
            _publishers[key] = found
        return found


def close_all() -> None:
    """Stop every publisher of this process (tests and shutdown)."""
    with _lock:
        for p in _publishers.values():
            p.close()
        _publishers.clear()


# --- nudges -------------------------------------------------------------------------------------

_pending = threading.local()


def note_bumped(ids: Iterable[int]) -> None:
    """Remember stations whose manifest version was raised; ``flush`` nudges them after the commit."""
    found: set[int] = getattr(_pending, "ids", set())
    found.update(ids)
    _pending.ids = found


def flush(settings: Settings) -> int:
    """Nudge every station noted since the last flush with its committed version; returns how many."""
    if database.in_transaction():  # not committed yet: the next flush sends them
        return 0
    ids: set[int] = getattr(_pending, "ids", set())
    _pending.ids = set()
    pub = publisher(settings) if ids else None
    if pub is None:
        return 0
    sent = 0
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = Station.select(Station.id, Station.manifest_version).where(
            Station.id.in_(ordered[start:start + 500])).tuples()
        for station_id, version in tuples_of(rows):
            pub.publish(orders.nudge_topic(station_id), orders.nudge_payload(station_id, version))
            sent += 1
    return sent


def init_app(app: Any) -> None:
    """Nudge after each request, once its transactions are over (registered after the database's
    own teardown, so it runs before the connection is closed)."""
    @app.teardown_request
    def _nudge(exc: BaseException | None) -> None:
        try:
            flush(current_settings(app))
        except Exception:  # a nudge is a courtesy: never turn a served request into an error
            log.exception("push: nudging failed")


# --- signed emergency orders ------------------------------------------------------------------

ORDER_ACK_S = 2.0  # how long the counter stays locked waiting for the broker's PUBACK


def publish_order(order: orders.EmergencyOrder, settings: Settings | None = None) -> int | None:
    """Number, sign and publish ``order`` once per target area topic; its ``seq``, or None without a broker.

    The ``seq`` is taken from a counter row locked until the broker acknowledged the order (at most
    ``ORDER_ACK_S``), so orders from several workers reach the broker in the order of their numbers and
    a station never refuses a genuine order as a replay. ``starts_at`` and ``bulletin_id`` are filled
    from the mirrored schedule when the caller left them out. Never raises for a broker that is down.
    """
    conf = settings or current_settings()
    pub = publisher(conf)
    if pub is None:
        return None
    order = _complete(order)
    topics = [orders.emergency_topic(code) for code in _order_areas(order)]
    with database.atomic():
        seq = _next_seq()
        order = dataclasses.replace(order, seq=seq)
        payload = orders.seal(order, lambda data: signing.sign(conf.data_dir, data))
        sent = [pub.publish(t, payload) for t in topics]
        if pub.client.is_connected():
            for info in sent:
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(ORDER_ACK_S)
    log.warning("emergency order %s (seq %d, %s %s) published to %d area topic(s)",
                order.order_id, seq, order.action, order.mode, len(topics))
    return seq


def _next_seq() -> int:
    # the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until the commit
    PushCounter.insert(name="order", value=0).on_conflict_ignore().execute()
    PushCounter.update(value=PushCounter.value + 1).where(PushCounter.name == "order").execute()
    return int(PushCounter.get_by_id("order").value)


def _complete(order: orders.EmergencyOrder) -> orders.EmergencyOrder:
    """The mirrored schedule's occurrence start and bulletin, when the order does not carry them."""
    if order.schedule_id is None or (order.starts_at is not None and order.bulletin_id is not None):
        return order
    s = Schedule.get_or_none(Schedule.id == order.schedule_id)
    if s is None:
        return order
    starts = order.starts_at or s.dtstart.replace(tzinfo=ZoneInfo(s.timezone)).astimezone(UTC)
    return dataclasses.replace(order, starts_at=starts,
                               bulletin_id=order.bulletin_id if order.bulletin_id is not None else s.bulletin_id)


def _order_areas(order: orders.EmergencyOrder) -> list[str]:
    """The area topics to publish on: the targeted areas, or the listed stations' own areas."""
    if order.areas and not order.is_test:
        return sorted(set(order.areas))
    rows = Station.select(Area.code).join(Area).where(Station.id.in_(list(order.stations))).tuples()
    return sorted({code for (code,) in tuples_of(rows)})
