"""Signed emergency orders and the push channel's topic names, shared by the central and the station.

An emergency order is the one push message a station acts on without waiting for its manifest
(docs/architecture.md, contract rule C1): the central signs ``canonical_bytes(order.to_wire())`` with the manifest's Ed25519 key
and publishes ``{"order": ..., "signature": ...}`` once per target area topic. Everything else on
the channel is a nudge (``{"station_id", "manifest_version"}``) that only makes a station sync.

This module stays pure: signing and verifying are passed in as functions, so neither the central's
key nor the ``cryptography`` package is needed to build, parse or target an order.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ScheduleError
from .model import canonical_bytes

ACTIONS = ("start", "stop")
MODES = ("live", "test")
TOPIC_ROOT = "loa"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# MQTT wildcards and separators may not appear inside one topic level
_TOPIC_LEVEL = re.compile(r"^[^/+#\x00]{1,64}$")


class OrderRejected(ScheduleError):
    """An order that is malformed, unsigned, forged, or not for this station; the message says which."""


@dataclass(frozen=True)
class EmergencyOrder:
    """Start or stop one emergency broadcast now, in some areas (LIVE) or on chosen stations (TEST).

    ``seq`` rises strictly per central, so a station refuses any order whose seq it has passed.
    ``schedule_id`` names the emergency schedule the order mirrors and ``starts_at`` the planned start
    of its occurrence (UTC instant): the manifest's slot ``slot_id(schedule_id, starts_at)`` is the
    same broadcast, never a second play. A ``stop`` ends the emergency started by
    order ``stops`` (or, with ``stops=None``, whatever emergency the targeted stations are playing).
    """

    order_id: str
    seq: int
    action: str
    issued_at: datetime
    valid_until: datetime
    mode: str = "live"
    schedule_id: int | None = None
    asset_sha256: str | None = None
    asset_size: int | None = None
    duration_ms: int = 0
    title: str = ""
    areas: tuple[str, ...] = ()
    stations: tuple[int, ...] = ()
    play_by: datetime | None = None
    stops: str | None = None
    starts_at: datetime | None = None  # the planned start of the schedule occurrence it mirrors
    bulletin_id: int | None = None  # the approved bulletin it plays, if it is one

    @property
    def planned_start(self) -> datetime:
        """When the broadcast was meant to start: ``starts_at``, else ``issued_at``."""
        return self.starts_at or self.issued_at

    def __post_init__(self) -> None:
        _check(self)

    @property
    def is_test(self) -> bool:
        return self.mode == "test"

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the signature covers (times as ISO 8601 with their offset)."""
        return {
            "order_id": self.order_id,
            "seq": self.seq,
            "action": self.action,
            "mode": self.mode,
            "schedule_id": self.schedule_id,
            "asset_sha256": self.asset_sha256,
            "asset_size": self.asset_size,
            "duration_ms": self.duration_ms,
            "title": self.title,
            "areas": list(self.areas),
            "stations": list(self.stations),
            "issued_at": self.issued_at.isoformat(),
            "play_by": None if self.play_by is None else self.play_by.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "stops": self.stops,
            "starts_at": None if self.starts_at is None else self.starts_at.isoformat(),
            "bulletin_id": self.bulletin_id,
        }

    @classmethod
    def from_wire(cls, d: Any) -> EmergencyOrder:
        """Parse ``to_wire``'s shape; unknown keys are ignored (newer centrals may add fields)."""
        if not isinstance(d, dict):
            raise OrderRejected("order is not a JSON object")
        try:
            return cls(
                order_id=str(d["order_id"]),
                seq=_int(d["seq"]),
                action=str(d["action"]),
                mode=str(d.get("mode") or "live"),
                schedule_id=None if d.get("schedule_id") is None else _int(d["schedule_id"]),
                asset_sha256=d.get("asset_sha256"),
                asset_size=None if d.get("asset_size") is None else _int(d["asset_size"]),
                duration_ms=_int(d.get("duration_ms") or 0),
                title=str(d.get("title") or ""),
                areas=tuple(str(a) for a in _list(d.get("areas"))),
                stations=tuple(_int(s) for s in _list(d.get("stations"))),
                issued_at=_aware(d["issued_at"], "issued_at"),
                play_by=None if d.get("play_by") is None else _aware(d["play_by"], "play_by"),
                valid_until=_aware(d["valid_until"], "valid_until"),
                stops=None if d.get("stops") is None else str(d["stops"]),
                starts_at=None if d.get("starts_at") is None else _aware(d["starts_at"], "starts_at"),
                bulletin_id=None if d.get("bulletin_id") is None else _int(d["bulletin_id"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise OrderRejected(f"bad emergency order: {exc!r}") from exc

    def targets(self, station_id: int, area_codes: Iterable[str]) -> bool:
        """True if this order is for the station with ``station_id`` in ``area_codes`` (its chain).

        A TEST plays only on its listed stations; a LIVE order reaches every station whose area or
        any ancestor is targeted, narrowed to ``stations`` when that list is not empty (a LIVE order
        with stations and no areas reaches exactly those stations).
        """
        if self.stations and station_id not in self.stations:
            return False
        if self.is_test or not self.areas:
            return station_id in self.stations
        return bool(set(self.areas) & set(area_codes))

    def is_stale(self, now: datetime) -> bool:
        """True once the order may no longer start: past ``play_by`` or ``valid_until``."""
        if now >= self.valid_until:
            return True
        return self.play_by is not None and now > self.play_by

    def signing_bytes(self) -> bytes:
        return canonical_bytes(self.to_wire())


def _check(o: EmergencyOrder) -> None:
    try:
        uuid.UUID(o.order_id)
    except (ValueError, AttributeError, TypeError) as exc:
        raise OrderRejected(f"order_id is not a UUID: {o.order_id!r}") from exc
    if o.seq < 1:
        raise OrderRejected(f"seq must be positive: {o.seq}")
    if o.action not in ACTIONS or o.mode not in MODES:
        raise OrderRejected(f"unknown action/mode: {o.action!r}/{o.mode!r}")
    if o.action == "start" and (o.asset_sha256 is None or not _SHA256.match(o.asset_sha256)):
        raise OrderRejected("a start order needs the asset's sha256 (64 lowercase hex digits)")
    if o.is_test and not o.stations:
        raise OrderRejected("a test order names the stations it plays on")
    if not o.is_test and not o.areas and not o.stations:
        raise OrderRejected("a live order names its areas or stations")
    for t in (o.issued_at, o.valid_until, o.play_by, o.starts_at):
        if t is not None and t.tzinfo is None:
            raise OrderRejected("order times must carry a UTC offset")


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError(f"not an integer: {v!r}")
    return int(v)


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise TypeError(f"not a list: {v!r}")
    return v


def _aware(s: Any, what: str) -> datetime:
    t = datetime.fromisoformat(str(s))
    if t.tzinfo is None:
        raise ValueError(f"{what} must carry a UTC offset: {s!r}")
    return t


def seal(order: EmergencyOrder, sign: Callable[[bytes], str]) -> bytes:
    """The message payload: ``{"order", "signature"}`` in canonical JSON; ``sign`` returns base64."""
    return canonical_bytes({"order": order.to_wire(), "signature": sign(order.signing_bytes())})


def unseal(payload: bytes, verify: Callable[[bytes, bytes], bool]) -> EmergencyOrder:
    """The order in ``payload`` if its signature verifies; ``verify(data, raw_signature)``.

    The signature is checked over the canonical bytes of the order object *as received*, so a
    field added by a newer central is covered too; only then is the order parsed.
    """
    try:
        envelope = json.loads(payload)
        wire = envelope["order"]
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise OrderRejected(f"malformed order message: {exc!r}") from exc
    if not isinstance(wire, dict) or not verify(canonical_bytes(wire), signature):
        raise OrderRejected("order signature does not verify with the central's key")
    return EmergencyOrder.from_wire(wire)


# --- topics and broker names ------------------------------------------------------------------


def _level(value: str | int) -> str:
    text = str(value)
    if not _TOPIC_LEVEL.match(text):
        raise OrderRejected(f"cannot be one MQTT topic level: {text!r}")
    return text


def nudge_topic(station_id: int) -> str:
    """Where the central nudges one station (only that station may read it)."""
    return f"{TOPIC_ROOT}/station/{_level(station_id)}/nudge"


def presence_topic(station_id: int) -> str:
    """Where one station says online/offline, retained (only that station may write it)."""
    return f"{TOPIC_ROOT}/station/{_level(station_id)}/presence"


def emergency_topic(area_code: str) -> str:
    """Where the central publishes emergency orders for one area (its stations and descendants read it)."""
    return f"{TOPIC_ROOT}/area/{_level(area_code)}/emergency"


def station_username(station_id: int) -> str:
    """The broker user name of a station."""
    return f"station-{_level(station_id)}"


def nudge_payload(station_id: int, manifest_version: int) -> bytes:
    return canonical_bytes({"station_id": station_id, "manifest_version": manifest_version})


def parse_nudge(payload: bytes) -> tuple[int, int]:
    """The (station id, manifest version) of a nudge; raises ``OrderRejected`` if malformed."""
    try:
        d = json.loads(payload)
        return _int(d["station_id"]), _int(d["manifest_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise OrderRejected(f"malformed nudge: {exc!r}") from exc


def presence_payload(online: bool, station_id: int) -> bytes:
    """The retained presence message: the station's own "online", or its last will "offline"."""
    return canonical_bytes({"station_id": station_id, "online": online})


def parse_presence(payload: bytes) -> bool:
    """True for "online"; anything unreadable counts as offline."""
    try:
        return json.loads(payload).get("online") is True
    except (ValueError, AttributeError):
        return False


# --- live announcements (a nudge: the station asks the central over HTTP what to join) -----------

LIVE_ACTIONS = ("start", "end")


def live_topic(area_code: str) -> str:
    """Where the central says a live announcement to one area started or ended (its subtree reads it)."""
    return f"{TOPIC_ROOT}/area/{_level(area_code)}/live"


def live_payload(live_id: int, action: str) -> bytes:
    """``{"live_id", "action"}``: only makes the station ask ``GET /api/v1/station/live`` now."""
    return canonical_bytes({"live_id": live_id, "action": action})


def parse_live(payload: bytes) -> tuple[int, str]:
    """The (live id, action) of a live nudge; raises ``OrderRejected`` if malformed."""
    try:
        d = json.loads(payload)
        action = str(d["action"])
        if action not in LIVE_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return _int(d["live_id"]), action
    except (ValueError, KeyError, TypeError) as exc:
        raise OrderRejected(f"malformed live nudge: {exc!r}") from exc
