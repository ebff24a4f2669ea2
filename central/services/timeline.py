"""What a station will play: its own manifest, expanded by ``playlists.timeline`` as the station does.

The preview is built from exactly what the station receives: ``manifests.build`` makes the manifest
object, ``playlists.model.manifest_content`` parses it, ``playlists.timeline.expand`` resolves it.
It shows the plan (no station history, no ``busy_until``): what the station would play if it is on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from central.auth import visible_stations
from central.errors import NotFound, Unprocessable
from central.models import Station, User, utcnow
from playlists import model as pm
from playlists import timeline as pt

MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(days=1)


def visible_station(user: User, station_id: int) -> Station:
    st = visible_stations(user).where(Station.id == station_id).first()
    if st is None:
        raise NotFound(f"Không có đài số {station_id}. (No station {station_id}.)")
    return st


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """Defaults (from now, one day) and limits (end after start, at most 31 days)."""
    start = start or now
    end = end or start + DEFAULT_WINDOW
    if end <= start:
        raise Unprocessable("'to' phải sau 'from'. (The window ends before it starts.)")
    if end - start > MAX_WINDOW:
        raise Unprocessable("Khoảng xem tối đa 31 ngày. (At most 31 days at a time.)")
    return start, end


def station_timeline(user: User, station_id: int, start: datetime | None = None,
                     end: datetime | None = None, now: datetime | None = None) -> dict[str, Any]:
    """``{"station_id", "version", "from", "to", "slots": [...]}`` for the station's window."""
    from central.services import manifests

    now = now or utcnow()
    station = visible_station(user, station_id)
    manifest, _ = manifests.build(station, now)
    content = pm.manifest_content(manifest)
    try:
        start, end = window(start, end, now)
        slots = pt.expand(list(content.schedules), content.bulletins, content.settings, start, end)
    except OverflowError:  # a window at the edge of the calendar (year 1 or 9999) in some zone
        raise Unprocessable("Khoảng xem nằm ngoài năm 1–9999. (The window is out of range.)") from None
    return {
        "station_id": station.id,
        "version": content.version,
        "timezone": content.settings.timezone,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "slots": [pm.slot_to_dict(s) for s in slots],
    }
