"""Heartbeats: store each one whole, and keep the station's latest status on its row for quick views."""

from __future__ import annotations

from typing import Any

from .. import shapes
from ..models import Heartbeat, Station, utcnow
from ..shapes.station import Heartbeat as HeartbeatShape

_KEEP_PER_STATION = 2000  # older heartbeats are pruned; the latest status lives on the station row


def record(station: Station, body: dict[str, Any]) -> Heartbeat:
    """Store a heartbeat (unknown fields kept in ``payload``) and update the station's status columns."""
    beat = shapes.read(HeartbeatShape, body)  # the contract's shape (central/shapes/station.py)
    trusted, now_playing = beat.clock_trusted, beat.now_playing
    last_error = None if beat.last_error is None else beat.last_error[:2000]
    agent = None if beat.agent_version is None else beat.agent_version[:64]
    now = utcnow()
    row = Heartbeat.create(
        station=station, received_at=now, agent_version=agent,
        manifest_version=beat.manifest_version, clock_offset_ms=beat.clock_offset_ms,
        clock_trusted=trusted, disk_free_bytes=beat.disk_free_bytes, outbox=beat.outbox,
        last_error=last_error, payload=body,
    )
    Station.update(
        last_seen=now, last_heartbeat_at=now, applied_version=row.manifest_version,
        agent_version=agent, clock_offset_ms=row.clock_offset_ms, clock_trusted=trusted,
        now_playing=now_playing, last_error=last_error,
    ).where(Station.id == station.id).execute()
    from . import emergencies

    emergencies.note_heartbeat(station, body, now)  # time-to-air: audio ready, sound started
    if row.id % 100 == 0:
        prune(station)
    return row


def prune(station: Station, keep: int = _KEEP_PER_STATION) -> int:
    """Delete all but the newest ``keep`` heartbeats of ``station``."""
    newest = (
        Heartbeat.select(Heartbeat.id).where(Heartbeat.station == station.id)
        .order_by(Heartbeat.id.desc()).limit(1).offset(keep - 1)
    )
    cutoff = newest.scalar()
    if cutoff is None:
        return 0
    return Heartbeat.delete().where((Heartbeat.station == station.id) & (Heartbeat.id < cutoff)).execute()
