"""Presence from the push channel: each station's retained online/offline, and its outage history.

``central presence`` (one long-running process per deployment, beside the web workers) subscribes to
every station's presence topic and calls ``record`` for each message. The broker publishes a station's
last will ("offline") at most 1.5 keepalives (6 s) after its link drops, and its retained state again
whenever the subscriber reconnects, so ``record`` is idempotent: only a change opens or closes an outage.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from central.messages import msg
from playlists import orders

from ..config import Settings
from ..db import database
from ..errors import Invalid
from ..models import Station, StationOutage, utcnow
from .push import CENTRAL_USER, Broker, central_password

log = logging.getLogger(__name__)

TOPIC = f"{orders.TOPIC_ROOT}/station/+/presence"


def record(station_id: int, online: bool, at: datetime | None = None) -> bool:
    """Apply one presence message; True if it changed the station's state (and its outage history)."""
    at = at or utcnow()
    with database.atomic():
        station = Station.get_or_none(Station.id == station_id)
        if station is None or station.online is online:
            return False
        Station.update(online=online, presence_at=at).where(Station.id == station_id).execute()
        open_ = StationOutage.select().where(
            (StationOutage.station == station_id) & StationOutage.ended_at.is_null()).first()
        if not online and open_ is None:
            StationOutage.create(station=station_id, started_at=at)
        elif online and open_ is not None:
            StationOutage.update(ended_at=at).where(StationOutage.id == open_.id).execute()
    log.info("station %d is %s", station_id, "online" if online else "offline")
    return True


def outages(station: Station, limit: int = 100, now: datetime | None = None) -> list[dict[str, Any]]:
    """The station's outages, newest first: from, to (None while it lasts) and duration in seconds."""
    if not 1 <= limit <= 1000:
        raise Invalid(msg("'limit' phải từ 1 đến 1000."), field="limit")
    now = now or utcnow()
    rows = (StationOutage.select().where(StationOutage.station == station.id)
            .order_by(StationOutage.started_at.desc(), StationOutage.id.desc()).limit(limit))
    return [{
        "from": r.started_at.isoformat(),
        "to": None if r.ended_at is None else r.ended_at.isoformat(),
        "duration_s": round(((r.ended_at or now) - r.started_at).total_seconds(), 1),
        "ongoing": r.ended_at is None,
    } for r in rows]


def station_of(topic: str) -> int | None:
    """The station id in ``loa/station/<id>/presence``, or None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != orders.TOPIC_ROOT or parts[1] != "station" or parts[3] != "presence":
        return None
    return int(parts[2]) if parts[2].isdigit() else None


class Listener:
    """The subscriber ``central presence`` runs: one connection as the central, every presence topic."""

    def __init__(self, settings: Settings) -> None:
        import paho.mqtt.client as mqtt  # lazily: a central without a broker never loads it

        if not settings.mqtt_url:
            raise Invalid(msg("Chưa cấu hình LOA_MQTT_URL."))
        self.broker = Broker.parse(settings.mqtt_url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="loa-central-presence")
        self.client.username_pw_set(CENTRAL_USER, central_password(settings.data_dir))
        self.client.reconnect_delay_set(1, 30)
        if self.broker.tls:
            self.client.tls_set()
        self.client.on_connect, self.client.on_message = self._connected, self._message
        self.subscribed = threading.Event()

    def run(self) -> None:
        """Block, reconnecting with back-off, until ``stop``."""
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=5)
        self.client.loop_forever(retry_first_connection=True)

    def stop(self) -> None:
        self.client.disconnect()

    def _connected(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any = None) -> None:
        if reason.is_failure:
            log.warning("presence: the broker refused the central: %s", reason)
            return
        client.subscribe(TOPIC, qos=1)
        self.subscribed.set()
        log.info("presence: listening on %s:%d", self.broker.host, self.broker.port)

    def _message(self, client: Any, userdata: Any, msg: Any) -> None:
        station_id = station_of(msg.topic)
        if station_id is None:
            return
        try:
            with database.connection_context():
                record(station_id, orders.parse_presence(msg.payload))
        except Exception:  # one bad message or a database hiccup must not end the listener
            log.exception("presence: recording %s failed", msg.topic)
