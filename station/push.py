"""The station's end of the push channel (MQTT): nudges wake the sync, orders go to the player, presence.

Optional by design: without broker credentials (an old central, or none configured) or with the broker
down, nothing here runs or matters, and the sync thread polls as always. With it, the station keeps one
connection (keepalive ``KEEPALIVE_S``) on which it
- reads its nudge topic: a nudge naming a manifest version newer than the applied one wakes the sync
  at once and ends any back-off (a forged or replayed nudge costs at most one sync, since the signed
  manifest over HTTP stays the authority);
- reads its areas' emergency topics: each payload goes to ``on_order`` (verified there);
- reads its areas' live topics: each nudge goes to ``on_live`` (the station then asks the central);
- writes its presence topic: a retained "online" on connect, and a last will "offline" the broker
  publishes when the link drops.

paho is imported only when the channel starts, so a station without a broker never loads it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playlists import orders

from .store import Store

log = logging.getLogger(__name__)

KEEPALIVE_S = 4  # the broker declares the link dead after 1.5 × this (6 s): offline within 10 s
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 60


@dataclass(frozen=True)
class PushSettings:
    """What enrollment handed the station: the broker, its own user, and its area chain's codes."""

    host: str
    port: int
    tls: bool
    username: str
    password: str
    station_id: int
    areas: tuple[str, ...] = ()

    @classmethod
    def from_store(cls, store: Store) -> PushSettings | None:
        """The settings saved at enrollment, or None (enrolled with a central that has no broker)."""
        got, station_id = store.get("mqtt"), store.get("station_id")
        if not isinstance(got, dict) or station_id is None:
            return None
        try:
            parts = urlsplit(str(got["url"]))
            tls = parts.scheme == "mqtts"
            if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
                raise ValueError(f"not an MQTT URL: {got['url']!r}")
            return cls(parts.hostname, parts.port or (8883 if tls else 1883), tls, str(got["username"]),
                       str(got["password"]), int(station_id), tuple(str(a) for a in got.get("areas") or ()))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("push channel settings unusable (%s): polling only", exc)
            return None


class PushChannel:
    """One MQTT connection, run in its own thread by ``run``; callbacks run on that thread, so keep them short."""

    def __init__(
        self, settings: PushSettings, on_nudge: Callable[[int], object],
        on_order: Callable[[bytes], object] = lambda payload: None,
        on_connect: Callable[[], object] = lambda: None,
        on_live: Callable[[bytes], object] = lambda payload: None,
    ) -> None:
        self.settings = settings
        self.on_nudge, self.on_order, self.on_connect, self.on_live = on_nudge, on_order, on_connect, on_live
        self.connected = threading.Event()
        self.client: Any = None
        self._nudge_topic = orders.nudge_topic(settings.station_id)
        self._presence_topic = orders.presence_topic(settings.station_id)
        self._order_topics = {orders.emergency_topic(a) for a in settings.areas}
        self._live_topics = {orders.live_topic(a) for a in settings.areas}  # live nudges (station.live)

    def run(self, stop: threading.Event) -> None:
        """Connect, and keep reconnecting with back-off, until ``close``."""
        self.client = self._client()
        s = self.settings
        self.client.connect_async(s.host, s.port, keepalive=KEEPALIVE_S)
        if not stop.is_set():  # ``close`` (the agent's stop) ends the loop
            self.client.loop_forever(retry_first_connection=True)

    def _client(self) -> Any:
        import paho.mqtt.client as mqtt  # lazily: only a station with a broker pays for it

        s = self.settings
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=s.username, clean_session=True)
        c.username_pw_set(s.username, s.password)
        c.will_set(self._presence_topic, orders.presence_payload(False, s.station_id), qos=1, retain=True)
        c.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        if s.tls:
            c.tls_set()
        c.on_connect, c.on_disconnect, c.on_message = self._connected, self._disconnected, self._message
        return c

    def close(self) -> None:
        """Say "offline" (a clean disconnect sends no last will) and end ``run``."""
        c = self.client
        if c is None:
            return
        if self.connected.is_set():
            info = c.publish(self._presence_topic, orders.presence_payload(False, self.settings.station_id),
                             qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):  # link gone meanwhile: the will says it
                info.wait_for_publish(2.0)
        self.connected.clear()  # a clean end, not a lost link
        c.disconnect()

    def _connected(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any = None) -> None:
        if reason.is_failure:
            log.warning("push channel refused by the broker: %s (polling continues)", reason)
            return
        self.connected.set()
        client.subscribe([(self._nudge_topic, 1)] + [(t, 1) for t in sorted(self._order_topics | self._live_topics)])
        client.publish(self._presence_topic, orders.presence_payload(True, self.settings.station_id),
                       qos=1, retain=True)
        log.info("push channel connected to %s:%d", self.settings.host, self.settings.port)
        self.on_connect()  # anything published while we were away: one sync catches up

    def _disconnected(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any = None) -> None:
        if self.connected.is_set():
            log.warning("push channel lost (%s): polling until it is back", reason)
        self.connected.clear()

    def _message(self, client: Any, userdata: Any, msg: Any) -> None:
        try:
            if msg.topic == self._nudge_topic:
                station_id, version = orders.parse_nudge(msg.payload)
                if station_id == self.settings.station_id:
                    self.on_nudge(version)
            elif msg.topic in self._order_topics:
                self.on_order(bytes(msg.payload))
            elif msg.topic in self._live_topics:
                self.on_live(bytes(msg.payload))
        except orders.OrderRejected as exc:
            log.warning("push: refused a message on %s: %s", msg.topic, exc)
        except Exception:  # a bad message must not end the channel
            log.exception("push: handling a message on %s failed", msg.topic)
