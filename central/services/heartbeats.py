"""Heartbeats: store each one whole, and keep the station's latest status on its row for quick views."""

from __future__ import annotations

from typing import Any

from central.messages import msg

from ..errors import Invalid
from ..models import Heartbeat, Station, utcnow

_KEEP_PER_STATION = 2000  # older heartbeats are pruned; the latest status lives on the station row


def _int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(msg("'%(key)s' phải là số nguyên.", key=key), field=key)
    return value


def record(station: Station, body: dict[str, Any]) -> Heartbeat:
    """Store a heartbeat (unknown fields kept in ``payload``) and update the station's status columns."""
    trusted = body.get("clock_trusted")
    if trusted is not None and not isinstance(trusted, bool):
        raise Invalid(msg("'clock_trusted' phải là true/false."), field="clock_trusted")
    now_playing = body.get("now_playing")
    if now_playing is not None and not isinstance(now_playing, dict):
        raise Invalid(msg("'now_playing' phải là đối tượng hoặc null."), field="now_playing")
    last_error = body.get("last_error")
    last_error = None if last_error is None else str(last_error)[:2000]
    agent = body.get("agent_version")
    agent = None if agent is None else str(agent)[:64]
    now = utcnow()
    row = Heartbeat.create(
        station=station, received_at=now, agent_version=agent,
        manifest_version=_int(body, "manifest_version"), clock_offset_ms=_int(body, "clock_offset_ms"),
        clock_trusted=trusted, disk_free_bytes=_int(body, "disk_free_bytes"), outbox=_int(body, "outbox"),
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
